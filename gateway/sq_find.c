/* gateway/sq_find: the metadata filters and the patient-based Find* queries. A filter whose
 * parameter the query does not define is never set (sq_params only keeps the query's own
 * parameters), so one filter per object kind serves every query. */
#include "gateway/sq_exec.h"

#include <stdlib.h>
#include <string.h>

#include "common/xml.h"

#define SQ_SLOT_AVAIL	"documentAvailability"
#define SQ_SLOT_REFIDS	"urn:ihe:iti:xds:2013:referenceIdList"

int
sq_dtm_norm(const char *s, char out[15])
{
	/* The instant a DTM of lower precision begins: month and day 01, the rest 00. */
	static const char pad[] = "00000101000000";
	size_t n;

	if (s == NULL || !ebrim_is_dtm(s))
		return -1;
	n = strlen(s);
	memcpy(out, s, n);
	memcpy(out + n, pad + n, 14 - n);
	out[14] = '\0';
	return 0;
}

int
sq_like(const char *pattern, const char *s)
{
	/* Iterative matcher: remember the last '%' and retry from one byte further. */
	const char *star = NULL, *mark = NULL;

	while (*s != '\0') {
		if (*pattern == '%') {
			star = pattern++;
			mark = s;
		} else if (*pattern == '_' || *pattern == *s) {
			pattern++;
			s++;
		} else if (star != NULL) {
			pattern = star + 1;
			s = ++mark;
		} else
			return 0;
	}
	while (*pattern == '%')
		pattern++;
	return *pattern == '\0';
}

int
sq_status_match(const struct sq_exec *ex, const struct sq_obj *o, enum sq_param id)
{
	const struct sq_value *v = sq_param_get(ex->se_p, id);
	char *st;
	int ok;

	if (v == NULL)
		return 1;
	st = xml_attr(sq_obj_root(o), "status");
	ok = sq_group_has(&v->sp_g[0], st);
	free(st);
	return ok;
}

int
sq_type_match(const struct sq_exec *ex, const struct sq_obj *o)
{
	const struct sq_value *v = sq_param_get(ex->se_p, SQP_DE_TYPE);
	char *t = xml_attr(sq_obj_root(o), "objectType");
	int ok;

	/* TF-2 §3.18.4.1.2.3.6.2: no value means Stable entries only. */
	if (t == NULL)
		ok = v == NULL || sq_group_has(&v->sp_g[0], UUID_DE_STABLE);
	else
		ok = v != NULL ? sq_group_has(&v->sp_g[0], t) : strcmp(t, UUID_DE_STABLE) == 0;
	free(t);
	return ok;
}

/* Each ANDed group of V must hold the code of some classification of ROOT under SCHEME. */
static int
sq_codes_match(const xmlNode *root, const struct sq_value *v, const char *scheme)
{
	xmlNodePtr c;
	char *code;
	size_t g;
	int found;

	if (v == NULL)
		return 1;
	for (g = 0; g < v->sp_ng; g++) {
		found = 0;
		for (c = ebrim_classification(root, scheme, NULL); c != NULL && !found;
		    c = ebrim_classification(root, scheme, c)) {
			code = ebrim_code_of(c);
			found = sq_group_has(&v->sp_g[g], code);
			free(code);
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* Each ANDed group of V must share a value with slot NAME of ROOT. */
static int
sq_slot_match(const xmlNode *root, const struct sq_value *v, const char *name)
{
	char **vals;
	size_t g, i;
	int found = 1;

	if (v == NULL)
		return 1;
	vals = ebrim_slot_values(root, name);
	for (g = 0; g < v->sp_ng && found; g++) {
		found = 0;
		for (i = 0; vals != NULL && vals[i] != NULL && !found; i++)
			found = sq_group_has(&v->sp_g[g], vals[i]);
	}
	ebrim_strv_free(vals);
	return found;
}

/* Some authorPerson of an author classification (SCHEME) of ROOT matches a pattern of V. */
static int
sq_author_match(const xmlNode *root, const struct sq_value *v, const char *scheme)
{
	xmlNodePtr c;
	char **vals;
	size_t i, j;
	int found = 0;

	if (v == NULL)
		return 1;
	for (c = ebrim_classification(root, scheme, NULL); c != NULL && !found;
	    c = ebrim_classification(root, scheme, c)) {
		vals = ebrim_slot_values(c, "authorPerson");
		for (i = 0; vals != NULL && vals[i] != NULL && !found; i++)
			for (j = 0; j < v->sp_g[0].sg_n && !found; j++)
				found = sq_like(v->sp_g[0].sg_v[j], vals[i]);
		ebrim_strv_free(vals);
	}
	return found;
}

/* Slot NAME of ROOT against a From (FROM = 1, >=) or To (<) bound; see sq_exec.h. */
static int
sq_time_match(const xmlNode *root, const char *name, const char *bound, int from)
{
	char a[15], b[15], *v;
	int ok;

	if (bound == NULL)
		return 1;
	v = ebrim_slot_first(root, name);
	ok = sq_dtm_norm(v, a) == 0 && sq_dtm_norm(bound, b) == 0 &&
	    (from ? strcmp(a, b) >= 0 : strcmp(a, b) < 0);
	free(v);
	return ok;
}

/* The external identifier SCHEME of ROOT equals the value of parameter ID (if given). */
static int
sq_extid_match(const struct sq_exec *ex, const xmlNode *root, enum sq_param id,
    const char *scheme)
{
	const struct sq_value *v = sq_param_get(ex->se_p, id);
	char *x;
	int ok;

	if (v == NULL)
		return 1;
	x = ebrim_external_id(root, scheme);
	ok = sq_group_has(&v->sp_g[0], x);
	free(x);
	return ok;
}

static const struct {
	enum sq_param	 id;
	const char	*scheme;
} sq_de_codes[] = {
	{ SQP_DE_CLASSCODE, UUID_DE_CLASSCODE }, { SQP_DE_TYPECODE, UUID_DE_TYPECODE },
	{ SQP_DE_PRACTICECODE, UUID_DE_PRACTICECODE }, { SQP_DE_HCFTYPECODE, UUID_DE_HCFTYPECODE },
	{ SQP_DE_EVENTCODE, UUID_DE_EVENTCODE }, { SQP_DE_CONFCODE, UUID_DE_CONFCODE },
	{ SQP_DE_FORMATCODE, UUID_DE_FORMATCODE },
};

static const struct {
	enum sq_param	 id;
	const char	*slot;
	int		 from;
} sq_de_times[] = {
	{ SQP_DE_CREATION_FROM, "creationTime", 1 }, { SQP_DE_CREATION_TO, "creationTime", 0 },
	{ SQP_DE_SSTART_FROM, "serviceStartTime", 1 }, { SQP_DE_SSTART_TO, "serviceStartTime", 0 },
	{ SQP_DE_SSTOP_FROM, "serviceStopTime", 1 }, { SQP_DE_SSTOP_TO, "serviceStopTime", 0 },
};

int
sq_de_match(const struct sq_exec *ex, const struct sq_obj *o)
{
	const struct sq_params *p = ex->se_p;
	const struct sq_value *av = sq_param_get(p, SQP_DE_AVAIL);
	xmlNodePtr root = sq_obj_root(o);
	char *avail;
	size_t i;
	int ok;

	if (o->so_kind != EBRIM_DOCUMENT || root == NULL)
		return 0;
	if (!sq_extid_match(ex, root, SQP_DE_PATIENTID, UUID_DE_PATIENTID) ||
	    !sq_status_match(ex, o, SQP_DE_STATUS) || !sq_type_match(ex, o))
		return 0;
	for (i = 0; i < sizeof(sq_de_codes) / sizeof(sq_de_codes[0]); i++)
		if (!sq_codes_match(root, sq_param_get(p, sq_de_codes[i].id),
		    sq_de_codes[i].scheme))
			return 0;
	for (i = 0; i < sizeof(sq_de_times) / sizeof(sq_de_times[0]); i++)
		if (!sq_time_match(root, sq_de_times[i].slot,
		    sq_param_first(p, sq_de_times[i].id), sq_de_times[i].from))
			return 0;
	if (!sq_author_match(root, sq_param_get(p, SQP_DE_AUTHOR), UUID_DE_AUTHOR) ||
	    !sq_slot_match(root, sq_param_get(p, SQP_DE_REFIDS), SQ_SLOT_REFIDS))
		return 0;
	if (av == NULL)
		return 1;
	/* An entry without the slot is Online (ITI TF-3 §4.2.3.2.x documentAvailability). */
	avail = ebrim_slot_first(root, SQ_SLOT_AVAIL);
	ok = sq_group_has(&av->sp_g[0], avail != NULL ? avail : SQ_AVAIL_ONLINE);
	free(avail);
	return ok;
}

int
sq_ss_match(const struct sq_exec *ex, const struct sq_obj *o)
{
	const struct sq_params *p = ex->se_p;
	xmlNodePtr root = sq_obj_root(o);

	if (o->so_kind != EBRIM_SUBMISSIONSET || root == NULL)
		return 0;
	return sq_extid_match(ex, root, SQP_SS_PATIENTID, UUID_SS_PATIENTID) &&
	    sq_status_match(ex, o, SQP_SS_STATUS) &&
	    sq_extid_match(ex, root, SQP_SS_SOURCEID, UUID_SS_SOURCEID) &&
	    sq_time_match(root, "submissionTime", sq_param_first(p, SQP_SS_TIME_FROM), 1) &&
	    sq_time_match(root, "submissionTime", sq_param_first(p, SQP_SS_TIME_TO), 0) &&
	    sq_author_match(root, sq_param_get(p, SQP_SS_AUTHOR), UUID_SS_AUTHOR) &&
	    sq_codes_match(root, sq_param_get(p, SQP_SS_CONTENTTYPE), UUID_SS_CONTENTTYPE);
}

int
sq_fd_match(const struct sq_exec *ex, const struct sq_obj *o)
{
	const struct sq_params *p = ex->se_p;
	xmlNodePtr root = sq_obj_root(o);

	if (o->so_kind != EBRIM_FOLDER || root == NULL)
		return 0;
	return sq_extid_match(ex, root, SQP_FD_PATIENTID, UUID_FD_PATIENTID) &&
	    sq_status_match(ex, o, SQP_FD_STATUS) &&
	    sq_time_match(root, "lastUpdateTime", sq_param_first(p, SQP_FD_UPDATE_FROM), 1) &&
	    sq_time_match(root, "lastUpdateTime", sq_param_first(p, SQP_FD_UPDATE_TO), 0) &&
	    sq_codes_match(root, sq_param_get(p, SQP_FD_CODES), UUID_FD_CODELIST);
}

int
sq_take_matching(struct sq_exec *ex, const struct regstore_ids *ids,
    int (*match)(const struct sq_exec *, const struct sq_obj *))
{
	struct sq_obj o;
	size_t i;
	int r;

	for (i = 0; i < ids->ri_n && !ex->se_failed; i++) {
		if (sq_has(ex, ids->ri_id[i]))
			continue;
		if ((r = sq_load(ex, ids->ri_id[i], &o)) < 0)
			return -1;
		if (r > 0)
			continue;
		if (match(ex, &o)) {
			if (sq_take(ex, &o) != 0)
				return -1;
		} else
			sq_obj_free(&o);
	}
	return 0;
}

int
sq_find_kind(struct sq_exec *ex, enum sq_param pid, enum ebrim_kind kind,
    int (*match)(const struct sq_exec *, const struct sq_obj *))
{
	struct regstore_ids ids;
	int r;

	r = regstore_by_patient(ex->se_rs, sq_param_first(ex->se_p, pid), kind, &ids);
	if (sq_store_failed(ex, r, "looking up a patient"))
		return ex->se_errs->rl_nomem ? -1 : 0;
	r = sq_take_matching(ex, &ids, match);
	regstore_ids_free(&ids);
	return r;
}

int
sq_find_documents(struct sq_exec *ex)
{
	return sq_find_kind(ex, SQP_DE_PATIENTID, EBRIM_DOCUMENT, sq_de_match);
}

int
sq_find_submissionsets(struct sq_exec *ex)
{
	return sq_find_kind(ex, SQP_SS_PATIENTID, EBRIM_SUBMISSIONSET, sq_ss_match);
}

int
sq_find_folders(struct sq_exec *ex)
{
	return sq_find_kind(ex, SQP_FD_PATIENTID, EBRIM_FOLDER, sq_fd_match);
}

int
sq_find_by_refid(struct sq_exec *ex)
{
	/* Candidates come from the reference index for the first ORed group (every match
	 * must hold one of them); sq_de_match then checks the patient and all groups. */
	const struct sq_value *v = sq_param_get(ex->se_p, SQP_DE_REFIDS);
	struct regstore_ids ids;
	size_t i;
	int r;

	for (i = 0; v != NULL && i < v->sp_g[0].sg_n && !ex->se_failed; i++) {
		r = regstore_by_reference(ex->se_rs, v->sp_g[0].sg_v[i], &ids);
		if (sq_store_failed(ex, r, "looking up a reference id"))
			return ex->se_errs->rl_nomem ? -1 : 0;
		r = sq_take_matching(ex, &ids, sq_de_match);
		regstore_ids_free(&ids);
		if (r != 0)
			return -1;
	}
	return 0;
}
