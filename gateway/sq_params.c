/* gateway/sq_params: see sq_params.h. */
#include "gateway/sq_params.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"

/* How a parameter's literals must look. */
enum sq_kind {
	SQK_STRING = 0,	/* any quoted string */
	SQK_PID,	/* quoted CX */
	SQK_CODE,	/* quoted code^^scheme */
	SQK_TIME,	/* DTM, number (or quoted) */
	SQK_LEVEL,	/* $MetadataLevel: the number 1 or 2 */
	SQK_STATUS,	/* quoted StatusType URN */
	SQK_OBJTYPE,	/* quoted DocumentEntry objectType */
	SQK_AVAIL	/* quoted DocumentAvailability URN */
};

static const struct {
	const char	*name;
	enum sq_kind	 kind;
} sq_ptab[SQP__NPARAMS] = {
	[SQP_DE_PATIENTID] = { "$XDSDocumentEntryPatientId", SQK_PID },
	[SQP_DE_CLASSCODE] = { "$XDSDocumentEntryClassCode", SQK_CODE },
	[SQP_DE_TYPECODE] = { "$XDSDocumentEntryTypeCode", SQK_CODE },
	[SQP_DE_PRACTICECODE] = { "$XDSDocumentEntryPracticeSettingCode", SQK_CODE },
	[SQP_DE_CREATION_FROM] = { "$XDSDocumentEntryCreationTimeFrom", SQK_TIME },
	[SQP_DE_CREATION_TO] = { "$XDSDocumentEntryCreationTimeTo", SQK_TIME },
	[SQP_DE_SSTART_FROM] = { "$XDSDocumentEntryServiceStartTimeFrom", SQK_TIME },
	[SQP_DE_SSTART_TO] = { "$XDSDocumentEntryServiceStartTimeTo", SQK_TIME },
	[SQP_DE_SSTOP_FROM] = { "$XDSDocumentEntryServiceStopTimeFrom", SQK_TIME },
	[SQP_DE_SSTOP_TO] = { "$XDSDocumentEntryServiceStopTimeTo", SQK_TIME },
	[SQP_DE_HCFTYPECODE] = { "$XDSDocumentEntryHealthcareFacilityTypeCode", SQK_CODE },
	[SQP_DE_EVENTCODE] = { "$XDSDocumentEntryEventCodeList", SQK_CODE },
	[SQP_DE_CONFCODE] = { "$XDSDocumentEntryConfidentialityCode", SQK_CODE },
	[SQP_DE_AUTHOR] = { "$XDSDocumentEntryAuthorPerson", SQK_STRING },
	[SQP_DE_FORMATCODE] = { "$XDSDocumentEntryFormatCode", SQK_CODE },
	[SQP_DE_STATUS] = { "$XDSDocumentEntryStatus", SQK_STATUS },
	[SQP_DE_TYPE] = { "$XDSDocumentEntryType", SQK_OBJTYPE },
	[SQP_DE_AVAIL] = { "$XDSDocumentEntryDocumentAvailability", SQK_AVAIL },
	[SQP_DE_REFIDS] = { "$XDSDocumentEntryReferenceIdList", SQK_STRING },
	[SQP_DE_UUID] = { "$XDSDocumentEntryEntryUUID", SQK_STRING },
	[SQP_DE_UID] = { "$XDSDocumentEntryUniqueId", SQK_STRING },
	[SQP_SS_PATIENTID] = { "$XDSSubmissionSetPatientId", SQK_PID },
	[SQP_SS_SOURCEID] = { "$XDSSubmissionSetSourceId", SQK_STRING },
	[SQP_SS_TIME_FROM] = { "$XDSSubmissionSetSubmissionTimeFrom", SQK_TIME },
	[SQP_SS_TIME_TO] = { "$XDSSubmissionSetSubmissionTimeTo", SQK_TIME },
	[SQP_SS_AUTHOR] = { "$XDSSubmissionSetAuthorPerson", SQK_STRING },
	[SQP_SS_CONTENTTYPE] = { "$XDSSubmissionSetContentType", SQK_CODE },
	[SQP_SS_STATUS] = { "$XDSSubmissionSetStatus", SQK_STATUS },
	[SQP_SS_UUID] = { "$XDSSubmissionSetEntryUUID", SQK_STRING },
	[SQP_SS_UID] = { "$XDSSubmissionSetUniqueId", SQK_STRING },
	[SQP_FD_PATIENTID] = { "$XDSFolderPatientId", SQK_PID },
	[SQP_FD_UPDATE_FROM] = { "$XDSFolderLastUpdateTimeFrom", SQK_TIME },
	[SQP_FD_UPDATE_TO] = { "$XDSFolderLastUpdateTimeTo", SQK_TIME },
	[SQP_FD_CODES] = { "$XDSFolderCodeList", SQK_CODE },
	[SQP_FD_STATUS] = { "$XDSFolderStatus", SQK_STATUS },
	[SQP_FD_UUID] = { "$XDSFolderEntryUUID", SQK_STRING },
	[SQP_FD_UID] = { "$XDSFolderUniqueId", SQK_STRING },
	[SQP_PATIENTID] = { "$patientId", SQK_PID },
	[SQP_UUID] = { "$uuid", SQK_STRING },
	[SQP_ASSOC_TYPES] = { "$AssociationTypes", SQK_STRING },
	[SQP_HOME] = { "$homeCommunityId", SQK_STRING },
	[SQP_METADATA_LEVEL] = { "$MetadataLevel", SQK_LEVEL },
};

#define F_REQ		0x1	/* required */
#define F_MULTI		0x2	/* accepts several values */
#define F_ANDOR		0x6	/* several Slots ANDed (implies F_MULTI) */
#define F_CHOICE	0x8	/* exactly one of the query's F_CHOICE parameters */

struct sq_pspec {
	enum sq_param	ps_id;
	unsigned	ps_flags;
};

/* The DocumentEntry filters of FindDocuments (TF-2 §3.18.4.1.2.3.7.1), shared with
 * FindDocumentsByReferenceId (§3.18.4.1.2.3.7.14). */
#define SQ_DE_FILTERS \
	{ SQP_DE_PATIENTID, F_REQ }, { SQP_DE_CLASSCODE, F_MULTI }, \
	{ SQP_DE_TYPECODE, F_MULTI }, { SQP_DE_PRACTICECODE, F_MULTI }, \
	{ SQP_DE_CREATION_FROM, 0 }, { SQP_DE_CREATION_TO, 0 }, \
	{ SQP_DE_SSTART_FROM, 0 }, { SQP_DE_SSTART_TO, 0 }, \
	{ SQP_DE_SSTOP_FROM, 0 }, { SQP_DE_SSTOP_TO, 0 }, \
	{ SQP_DE_HCFTYPECODE, F_MULTI }, { SQP_DE_EVENTCODE, F_ANDOR }, \
	{ SQP_DE_CONFCODE, F_ANDOR }, { SQP_DE_AUTHOR, F_MULTI }, \
	{ SQP_DE_FORMATCODE, F_MULTI }, { SQP_DE_STATUS, F_REQ | F_MULTI }, \
	{ SQP_DE_TYPE, F_MULTI }, { SQP_DE_AVAIL, F_MULTI }

/* The DocumentEntry filters of the *AndContents queries. */
#define SQ_CONTENT_FILTERS \
	{ SQP_DE_FORMATCODE, F_MULTI }, { SQP_DE_CONFCODE, F_ANDOR }, \
	{ SQP_DE_TYPE, F_MULTI }

static const struct sq_pspec sq_p_finddocs[] = { SQ_DE_FILTERS };
static const struct sq_pspec sq_p_findrefs[] = { SQ_DE_FILTERS,
	{ SQP_DE_REFIDS, F_REQ | F_ANDOR } };
static const struct sq_pspec sq_p_findss[] = {
	{ SQP_SS_PATIENTID, F_REQ }, { SQP_SS_SOURCEID, F_MULTI },
	{ SQP_SS_TIME_FROM, 0 }, { SQP_SS_TIME_TO, 0 }, { SQP_SS_AUTHOR, 0 },
	{ SQP_SS_CONTENTTYPE, F_MULTI }, { SQP_SS_STATUS, F_REQ | F_MULTI } };
static const struct sq_pspec sq_p_findfd[] = {
	{ SQP_FD_PATIENTID, F_REQ }, { SQP_FD_UPDATE_FROM, 0 }, { SQP_FD_UPDATE_TO, 0 },
	{ SQP_FD_CODES, F_ANDOR }, { SQP_FD_STATUS, F_REQ | F_MULTI } };
static const struct sq_pspec sq_p_getall[] = {
	{ SQP_PATIENTID, F_REQ }, { SQP_DE_STATUS, F_REQ | F_MULTI },
	{ SQP_SS_STATUS, F_REQ | F_MULTI }, { SQP_FD_STATUS, F_REQ | F_MULTI },
	SQ_CONTENT_FILTERS };
static const struct sq_pspec sq_p_getdocs[] = {
	{ SQP_DE_UUID, F_CHOICE | F_MULTI }, { SQP_DE_UID, F_CHOICE | F_MULTI } };
static const struct sq_pspec sq_p_getfd[] = {
	{ SQP_FD_UUID, F_CHOICE | F_MULTI }, { SQP_FD_UID, F_CHOICE | F_MULTI } };
static const struct sq_pspec sq_p_uuids[] = { { SQP_UUID, F_REQ | F_MULTI } };
static const struct sq_pspec sq_p_getssc[] = {
	{ SQP_SS_UUID, F_CHOICE }, { SQP_SS_UID, F_CHOICE }, SQ_CONTENT_FILTERS };
static const struct sq_pspec sq_p_getfdc[] = {
	{ SQP_FD_UUID, F_CHOICE }, { SQP_FD_UID, F_CHOICE }, SQ_CONTENT_FILTERS };
static const struct sq_pspec sq_p_onedoc[] = {
	{ SQP_DE_UUID, F_CHOICE }, { SQP_DE_UID, F_CHOICE } };
static const struct sq_pspec sq_p_related[] = {
	{ SQP_DE_UUID, F_CHOICE }, { SQP_DE_UID, F_CHOICE },
	{ SQP_ASSOC_TYPES, F_REQ | F_MULTI }, { SQP_DE_TYPE, F_MULTI } };

#define SQ_SPEC(a)	(a), sizeof(a) / sizeof((a)[0])

static const struct {
	const char		*id;
	const char		*name;
	int			 has_pid;
	const struct sq_pspec	*spec;
	size_t			 nspec;
} sq_qtab[SQ__NQUERIES] = {
	[SQ_UNKNOWN] = { "", "unknown", 0, NULL, 0 },
	[SQ_FIND_DOCUMENTS] = { SQ_ID_FIND_DOCUMENTS, "FindDocuments", 1, SQ_SPEC(sq_p_finddocs) },
	[SQ_FIND_SUBMISSIONSETS] = { SQ_ID_FIND_SUBMISSIONSETS, "FindSubmissionSets", 1,
	    SQ_SPEC(sq_p_findss) },
	[SQ_FIND_FOLDERS] = { SQ_ID_FIND_FOLDERS, "FindFolders", 1, SQ_SPEC(sq_p_findfd) },
	[SQ_GET_ALL] = { SQ_ID_GET_ALL, "GetAll", 1, SQ_SPEC(sq_p_getall) },
	[SQ_GET_DOCUMENTS] = { SQ_ID_GET_DOCUMENTS, "GetDocuments", 0, SQ_SPEC(sq_p_getdocs) },
	[SQ_GET_FOLDERS] = { SQ_ID_GET_FOLDERS, "GetFolders", 0, SQ_SPEC(sq_p_getfd) },
	[SQ_GET_ASSOCIATIONS] = { SQ_ID_GET_ASSOCIATIONS, "GetAssociations", 0,
	    SQ_SPEC(sq_p_uuids) },
	[SQ_GET_DOCS_AND_ASSOCS] = { SQ_ID_GET_DOCS_AND_ASSOCS, "GetDocumentsAndAssociations", 0,
	    SQ_SPEC(sq_p_getdocs) },
	[SQ_GET_SUBMISSIONSETS] = { SQ_ID_GET_SUBMISSIONSETS, "GetSubmissionSets", 0,
	    SQ_SPEC(sq_p_uuids) },
	[SQ_GET_SS_AND_CONTENTS] = { SQ_ID_GET_SS_AND_CONTENTS, "GetSubmissionSetAndContents", 0,
	    SQ_SPEC(sq_p_getssc) },
	[SQ_GET_FOLDER_AND_CONTENTS] = { SQ_ID_GET_FOLDER_AND_CONTENTS, "GetFolderAndContents",
	    0, SQ_SPEC(sq_p_getfdc) },
	[SQ_GET_FOLDERS_FOR_DOC] = { SQ_ID_GET_FOLDERS_FOR_DOC, "GetFoldersForDocument", 0,
	    SQ_SPEC(sq_p_onedoc) },
	[SQ_GET_RELATED_DOCS] = { SQ_ID_GET_RELATED_DOCS, "GetRelatedDocuments", 0,
	    SQ_SPEC(sq_p_related) },
	[SQ_FIND_DOCS_BY_REFID] = { SQ_ID_FIND_DOCS_BY_REFID, "FindDocumentsByReferenceId", 1,
	    SQ_SPEC(sq_p_findrefs) },
};

/* Parameters every query accepts (single-valued, optional). */
static const struct sq_pspec sq_p_common[] = { { SQP_HOME, 0 }, { SQP_METADATA_LEVEL, 0 } };

const char *
sq_query_name(enum sq_query q)
{
	if ((int)q < 0 || q >= SQ__NQUERIES)
		return "unknown";
	return sq_qtab[q].name;
}

enum sq_query
sq_query_by_id(const char *id)
{
	int q;

	if (id == NULL)
		return SQ_UNKNOWN;
	for (q = SQ_UNKNOWN + 1; q < SQ__NQUERIES; q++)
		if (str_eq_nocase(id, sq_qtab[q].id))
			return (enum sq_query)q;
	return SQ_UNKNOWN;
}

int
sq_query_has_patient(enum sq_query q)
{
	if ((int)q <= 0 || q >= SQ__NQUERIES)
		return 0;
	return sq_qtab[q].has_pid;
}

const char *
sq_param_name(enum sq_param id)
{
	if ((int)id < 0 || id >= SQP__NPARAMS)
		return "?";
	return sq_ptab[id].name;
}

const struct sq_value *
sq_param_get(const struct sq_params *p, enum sq_param id)
{
	if (p == NULL || (int)id < 0 || id >= SQP__NPARAMS || p->sp_v[id].sp_ng == 0)
		return NULL;
	return &p->sp_v[id];
}

const char *
sq_param_first(const struct sq_params *p, enum sq_param id)
{
	const struct sq_value *v = sq_param_get(p, id);

	if (v == NULL || v->sp_g[0].sg_n == 0)
		return NULL;
	return v->sp_g[0].sg_v[0];
}

int
sq_group_has(const struct sq_group *g, const char *value)
{
	size_t i;

	if (value == NULL)
		return 0;
	for (i = 0; i < g->sg_n; i++)
		if (strcmp(g->sg_v[i], value) == 0)
			return 1;
	return 0;
}

static void
sq_group_free(struct sq_group *g)
{
	size_t i;

	for (i = 0; i < g->sg_n; i++)
		free(g->sg_v[i]);
	free(g->sg_v);
	memset(g, 0, sizeof(*g));
}

void
sq_params_free(struct sq_params *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < SQP__NPARAMS; i++) {
		for (j = 0; j < p->sp_v[i].sp_ng; j++)
			sq_group_free(&p->sp_v[i].sp_g[j]);
		free(p->sp_v[i].sp_g);
	}
	free(p->sp_home);
	memset(p, 0, sizeof(*p));
}

/* ---- literals ---- */

static int
sq_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *
sq_skip(const char *s)
{
	while (sq_is_space(*s))
		s++;
	return s;
}

/* Parses one item at *SP, appending it to OUT. 0, 1 (syntax) or -1 (memory). */
static int
sq_item(const char **sp, struct sq_lits *out)
{
	const char *s = *sp, *e;
	struct sq_lit *v;
	char *text;
	size_t n = 0;

	if (*s == '\'') {
		/* First pass finds the closing quote; '' is an escaped quote. */
		for (e = s + 1; ; e++) {
			if (*e == '\0')
				return 1;
			if (*e == '\'' && e[1] == '\'')
				e++;
			else if (*e == '\'')
				break;
		}
		if ((text = malloc((size_t)(e - s))) == NULL)
			return -1;
		for (s++; s < e; s++) {
			text[n++] = *s;
			if (*s == '\'')
				s++;
		}
		text[n] = '\0';
		s = e + 1;
	} else {
		for (e = s; *e >= '0' && *e <= '9'; e++)
			;
		if (e == s)
			return 1;
		if ((text = str_ndup(s, (size_t)(e - s))) == NULL)
			return -1;
		s = e;
	}
	v = reallocarray(out->sl_v, out->sl_n + 1, sizeof(*v));
	if (v == NULL) {
		free(text);
		return -1;
	}
	out->sl_v = v;
	v[out->sl_n].sl_text = text;
	v[out->sl_n].sl_quoted = (**sp == '\'');
	out->sl_n++;
	*sp = s;
	return 0;
}

int
sq_literal_parse(const char *text, struct sq_lits *out)
{
	const char *s;
	int r;

	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return 1;
	s = sq_skip(text);
	if (*s == '(') {
		out->sl_list = 1;
		s++;
		for (;;) {
			s = sq_skip(s);
			if ((r = sq_item(&s, out)) != 0)
				goto fail;
			s = sq_skip(s);
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s != ')') {
				r = 1;
				goto fail;
			}
			s++;
			break;
		}
	} else if ((r = sq_item(&s, out)) != 0)
		goto fail;
	if (*sq_skip(s) != '\0') {
		r = 1;
		goto fail;
	}
	return 0;
fail:
	sq_lits_free(out);
	return r;
}

void
sq_lits_free(struct sq_lits *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->sl_n; i++)
		free(l->sl_v[i].sl_text);
	free(l->sl_v);
	memset(l, 0, sizeof(*l));
}

/* ---- value checks ---- */

/* Returns 1 if S is code^^scheme with both parts non-empty and free of '^'. */
static int
sq_is_code(const char *s)
{
	const char *sep = strstr(s, "^^");

	if (sep == NULL || sep == s || sep[2] == '\0')
		return 0;
	if (memchr(s, '^', (size_t)(sep - s)) != NULL || strchr(sep + 2, '^') != NULL)
		return 0;
	return 1;
}

/* Returns NULL when literal L suits KIND, else what is wrong with it (static text). */
static const char *
sq_check_lit(enum sq_kind kind, const struct sq_lit *l)
{
	const char *t = l->sl_text;

	if (kind == SQK_TIME)
		return ebrim_is_dtm(t) ? NULL : "is not a DTM time (YYYY[MM[DD[hh[mm[ss]]]]])";
	if (kind == SQK_LEVEL)
		return (!l->sl_quoted && (strcmp(t, "1") == 0 || strcmp(t, "2") == 0)) ?
		    NULL : "must be the number 1 or 2";
	if (!l->sl_quoted)
		return "must be a quoted string";
	switch (kind) {
	case SQK_PID:
		return ebrim_is_cx(t) ? NULL : "is not a CX patient id (id^^^&OID&ISO)";
	case SQK_CODE:
		return sq_is_code(t) ? NULL : "is not a code^^scheme value";
	case SQK_STATUS:
		return (strcmp(t, STATUS_APPROVED) == 0 || strcmp(t, STATUS_DEPRECATED) == 0 ||
		    strcmp(t, STATUS_SUBMITTED) == 0) ? NULL : "is not a StatusType URN";
	case SQK_OBJTYPE:
		return (strcmp(t, UUID_DE_STABLE) == 0 || strcmp(t, UUID_DE_ONDEMAND) == 0) ?
		    NULL : "is not a DocumentEntry objectType";
	case SQK_AVAIL:
		return (strcmp(t, SQ_AVAIL_ONLINE) == 0 || strcmp(t, SQ_AVAIL_OFFLINE) == 0) ?
		    NULL : "is not a DocumentAvailability URN";
	default:
		return NULL;
	}
}

/* Appends the literals of one rim:Value text to G after checking them. 0, 1 or -1. */
static int
sq_value(const char *text, enum sq_param id, struct sq_group *g, struct reg_errors *errs)
{
	struct sq_lits lits;
	const char *why, *name = sq_ptab[id].name;
	char **v;
	size_t i;
	int r, ret = -1;

	if ((r = sq_literal_parse(text, &lits)) != 0) {
		if (r < 0)
			return -1;
		return regerr_add(errs, 0, "XDSRegistryError", name,
		    "Parameter %s: value is not a quoted string, number or list", name) ? -1 : 1;
	}
	for (i = 0; i < lits.sl_n; i++) {
		if ((why = sq_check_lit(sq_ptab[id].kind, &lits.sl_v[i])) != NULL) {
			ret = regerr_add(errs, 0, "XDSRegistryError", name,
			    "Parameter %s: value %s", name, why) ? -1 : 1;
			goto done;
		}
	}
	if ((v = reallocarray(g->sg_v, g->sg_n + lits.sl_n, sizeof(*v))) == NULL)
		goto done;
	g->sg_v = v;
	for (i = 0; i < lits.sl_n; i++) {
		v[g->sg_n++] = lits.sl_v[i].sl_text;
		lits.sl_v[i].sl_text = NULL;
	}
	ret = 0;
done:
	sq_lits_free(&lits);
	return ret;
}

/* Reads one Slot of parameter PS into P. SEEN counts the Slots met per parameter.
 * 0, 1 (errors added) or -1. */
static int
sq_slot(struct sq_params *p, const struct sq_pspec *ps, const xmlNode *slot, int *seen,
    struct reg_errors *errs)
{
	struct sq_group g = { NULL, 0 };
	struct sq_value *pv = &p->sp_v[ps->ps_id];
	struct sq_group *ng;
	const char *name = sq_ptab[ps->ps_id].name;
	xmlNodePtr vl, val;
	char *text;
	int r = 0;

	if (seen[ps->ps_id]++ > 0 && (ps->ps_flags & F_ANDOR) != F_ANDOR)
		return regerr_add(errs, 0, "XDSStoredQueryParamNumber", name,
		    "Parameter %s is given in more than one Slot", name) ? -1 : 1;
	for (vl = xml_child(slot, NS_RIM, "ValueList"); vl != NULL && r == 0;
	    vl = xml_next(vl, NS_RIM, "ValueList")) {
		for (val = xml_child(vl, NS_RIM, "Value"); val != NULL && r == 0;
		    val = xml_next(val, NS_RIM, "Value")) {
			text = xml_text(val);
			r = sq_value(text != NULL ? text : "", ps->ps_id, &g, errs);
			free(text);
		}
	}
	if (r == 0 && g.sg_n == 0)
		r = regerr_add(errs, 0, "XDSRegistryError", name,
		    "Parameter %s has no value", name) ? -1 : 1;
	if (r == 0 && g.sg_n > 1 && !(ps->ps_flags & F_MULTI))
		r = regerr_add(errs, 0, "XDSStoredQueryParamNumber", name,
		    "Parameter %s accepts a single value", name) ? -1 : 1;
	if (r == 0) {
		ng = reallocarray(pv->sp_g, pv->sp_ng + 1, sizeof(*ng));
		if (ng == NULL)
			r = -1;
		else {
			pv->sp_g = ng;
			ng[pv->sp_ng++] = g;
			return 0;
		}
	}
	sq_group_free(&g);
	return r;
}

/* Returns the spec of the Slot named NAME for query Q, or NULL when Q does not know it. */
static const struct sq_pspec *
sq_spec_for(enum sq_query q, const char *name)
{
	size_t i;

	for (i = 0; i < sq_qtab[q].nspec; i++)
		if (str_eq_nocase(name, sq_ptab[sq_qtab[q].spec[i].ps_id].name))
			return &sq_qtab[q].spec[i];
	for (i = 0; i < sizeof(sq_p_common) / sizeof(sq_p_common[0]); i++)
		if (str_eq_nocase(name, sq_ptab[sq_p_common[i].ps_id].name))
			return &sq_p_common[i];
	return NULL;
}

/* Checks required parameters and the either/or pair once all Slots are read. */
static int
sq_check_presence(enum sq_query q, const int *seen, struct reg_errors *errs)
{
	const struct sq_pspec *ps;
	const char *c1 = NULL, *c2 = NULL;
	size_t i, nchoice = 0;
	int r = 0;

	for (i = 0; i < sq_qtab[q].nspec; i++) {
		ps = &sq_qtab[q].spec[i];
		if ((ps->ps_flags & F_REQ) && seen[ps->ps_id] == 0 &&
		    regerr_add(errs, 0, "XDSStoredQueryMissingParam", sq_ptab[ps->ps_id].name,
		    "Required parameter %s is missing", sq_ptab[ps->ps_id].name) != 0)
			return -1;
		if ((ps->ps_flags & F_REQ) && seen[ps->ps_id] == 0)
			r = 1;
		if (ps->ps_flags & F_CHOICE) {
			if (c1 == NULL)
				c1 = sq_ptab[ps->ps_id].name;
			else
				c2 = sq_ptab[ps->ps_id].name;
			if (seen[ps->ps_id])
				nchoice++;
		}
	}
	if (c1 != NULL && nchoice == 0) {
		r = 1;
		if (regerr_add(errs, 0, "XDSStoredQueryMissingParam", c1,
		    "One of %s or %s is required", c1, c2 != NULL ? c2 : c1) != 0)
			return -1;
	} else if (nchoice > 1) {
		r = 1;
		if (regerr_add(errs, 0, "XDSStoredQueryParamNumber", c1,
		    "Only one of %s or %s may be given", c1, c2 != NULL ? c2 : c1) != 0)
			return -1;
	}
	return r;
}

/* Reads ResponseOption/@returnType into P. 0, 1 or -1. */
static int
sq_return_type(const xmlNode *req, struct sq_params *p, struct reg_errors *errs)
{
	xmlNodePtr ro = xml_child(req, NS_QUERY, "ResponseOption");
	char *rt = xml_attr(ro, "returnType");
	int r = 0;

	if (rt != NULL && strcmp(rt, "LeafClass") == 0)
		p->sp_objectref = 0;
	else if (rt != NULL && strcmp(rt, "ObjectRef") == 0)
		p->sp_objectref = 1;
	else
		r = regerr_add(errs, 0, "XDSRegistryError", NULL,
		    "ResponseOption returnType %.32s is not supported (LeafClass, ObjectRef)",
		    rt != NULL ? rt : "(absent)") ? -1 : 1;
	free(rt);
	return r;
}

int
sq_params_parse(const xmlNode *req, struct sq_params *out, struct reg_errors *errs)
{
	int seen[SQP__NPARAMS] = { 0 };
	const struct sq_pspec *ps;
	xmlNodePtr aq, slot;
	char *id = NULL, *name;
	int r, ret = 0;

	memset(out, 0, sizeof(*out));
	if (!xml_is(req, NS_QUERY, "AdhocQueryRequest") ||
	    (aq = xml_child(req, NS_RIM, "AdhocQuery")) == NULL)
		return regerr_add(errs, 0, "XDSRegistryError", NULL,
		    "Request is not an AdhocQueryRequest with an AdhocQuery") ? -1 : 1;
	if ((r = sq_return_type(req, out, errs)) < 0)
		return -1;
	ret |= r;
	id = xml_attr(aq, "id");
	out->sp_query = sq_query_by_id(id);
	if (out->sp_query == SQ_UNKNOWN) {
		r = regerr_add(errs, 0, "XDSUnknownStoredQuery", NULL,
		    "Unknown stored query id %.64s", id != NULL ? id : "(absent)");
		free(id);
		return r ? -1 : 1;
	}
	free(id);
	out->sp_home = xml_attr(aq, "home");
	for (slot = xml_child(aq, NS_RIM, "Slot"); slot != NULL;
	    slot = xml_next(slot, NS_RIM, "Slot")) {
		if ((name = xml_attr(slot, "name")) == NULL)
			continue;
		ps = sq_spec_for(out->sp_query, name);
		free(name);
		if (ps == NULL)
			continue;	/* not a parameter of this query: ignored, see header */
		if ((r = sq_slot(out, ps, slot, seen, errs)) < 0)
			return -1;
		ret |= r;
	}
	if ((r = sq_check_presence(out->sp_query, seen, errs)) < 0)
		return -1;
	return ret | r;
}
