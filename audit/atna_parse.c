/*
 * audit/atna_parse: the reading side (see atna.h): atna_parse_summary, atna_record_summary
 * and the index keys. The record bytes are parsed with
 * common/xml's safe parser into a record description, which is then built again with
 * atna_build: the bytes are accepted only if they are exactly what atna_build makes of that
 * description. So anything accepted is a record of ours, every field is checked (codes,
 * roles, order, escaping, base64), and the summary is atna_record_summary of the same
 * description, as the writer indexed it.
 */
#include "audit/atna.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "audit/atna_int.h"
#include "common/str.h"
#include "common/xml.h"

/* A record description being read back, and the memory it owns. */
struct atna_p {
	struct atna_record	 r;
	char			**strs;		/* every string the description points to */
	size_t			 nstrs, capstrs;
	const char		**pats;
	size_t			 npats, cappats;
	struct atna_doc		*docs;
	size_t			 ndocs, capdocs;
	uint8_t			*query;
	const char		*evid;		/* EventID csd-code */
};

/* Grows array *P of *CAP elements of SIZE bytes to hold N + 1. Returns 0 or -1. */
static int
atna_p_grow(void *p, size_t *cap, size_t n, size_t size)
{
	void **pp = p;
	void *np;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if ((np = reallocarray(*pp, ncap, size)) == NULL)
		return -1;
	*pp = np;
	*cap = ncap;
	return 0;
}

/* Takes ownership of S (may be NULL) and returns it, or NULL if it cannot be kept. */
static char *
atna_p_keep(struct atna_p *ps, char *s)
{
	if (s == NULL)
		return NULL;
	if (atna_p_grow(&ps->strs, &ps->capstrs, ps->nstrs, sizeof(*ps->strs)) == -1) {
		free(s);
		return NULL;
	}
	return ps->strs[ps->nstrs++] = s;
}

/* Returns attribute NAME of NODE, owned by PS, or NULL if absent. */
static const char *
atna_p_attr(struct atna_p *ps, const xmlNode *node, const char *name)
{
	return atna_p_keep(ps, xml_attr(node, name));
}

/* Returns the untrimmed text content of NODE, owned by PS, or NULL. */
static const char *
atna_p_content(struct atna_p *ps, const xmlNode *node)
{
	xmlChar *v = xmlNodeGetContent(node);
	char *copy = v != NULL ? str_dup((const char *)v) : NULL;

	xmlFree(v);
	return atna_p_keep(ps, copy);
}

/* Returns 1 when attribute NAME of NODE equals VALUE. */
static int
atna_p_attr_is(const xmlNode *node, const char *name, const char *value)
{
	char *v = xml_attr(node, name);
	int eq = v != NULL && strcmp(v, value) == 0;

	free(v);
	return eq;
}

/* Returns the decoded value of ParticipantObjectDetail NODE as a string owned by PS, or
 * NULL if it is not base64 of NUL-free bytes. */
static const char *
atna_p_detail(struct atna_p *ps, const xmlNode *node)
{
	char *v = xml_attr(node, "value");
	uint8_t *b = NULL;
	size_t n;

	if (v == NULL || str_b64_decode(v, &b, &n) == -1 || memchr(b, '\0', n) != NULL) {
		free(v);
		free(b);
		return NULL;
	}
	free(v);
	b[n] = '\0';	/* str_b64_decode allocates len/4*3+3 >= n + 1 bytes */
	return atna_p_keep(ps, (char *)b);
}

/* Parses "YYYY-MM-DDThh:mm:ss.mmmZ" into Unix ms. Returns 0 or -1. */
static int
atna_p_time(const char *s, int64_t *ms)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	int v[7], i, k = 0, acc = 0;
	struct tm tm;
	time_t t;

	if (s == NULL || strlen(s) != sizeof(shape) - 1)
		return -1;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] != 'd') {
			if (s[i] != shape[i])
				return -1;
			v[k++] = acc;
			acc = 0;
		} else if (s[i] >= '0' && s[i] <= '9')
			acc = acc * 10 + (s[i] - '0');
		else
			return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	/* Out-of-range fields are normalised by timegm; the rebuild then differs. */
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*ms = (int64_t)t * 1000 + v[6];
	return *ms >= 0 && *ms <= ATNA_TIME_MAX ? 0 : -1;
}

static int
atna_p_event(struct atna_p *ps, const xmlNode *node)
{
	const xmlNode *c;
	long long outcome;
	char *v;
	int rc;

	v = xml_attr(node, "EventOutcomeIndicator");
	rc = v == NULL || str_to_ll(v, 0, 12, &outcome) == -1;
	free(v);
	v = xml_attr(node, "EventDateTime");
	rc = rc || atna_p_time(v, &ps->r.ar_time_ms) == -1;
	free(v);
	if (rc)
		return -1;
	ps->r.ar_outcome = (int)outcome;
	for (c = xml_child(node, NULL, NULL); c != NULL; c = xml_next(c, NULL, NULL)) {
		if (xml_is(c, NULL, "EventID"))
			ps->evid = atna_p_attr(ps, c, "csd-code");
		else if (xml_is(c, NULL, "EventTypeCode"))
			ps->r.ar_event = atna_event_by_code(atna_p_attr(ps, c, "csd-code"));
		else if (xml_is(c, NULL, "EventOutcomeDescription"))
			ps->r.ar_outcome_desc = atna_p_content(ps, c);
		else if (xml_is(c, NULL, "PurposeOfUse") &&
		    atna_p_attr_is(c, "codeSystemName", ATNA_CS_PURPOSE))
			ps->r.ar_purpose = atna_p_attr(ps, c, "csd-code");
		else if (xml_is(c, NULL, "PurposeOfUse"))
			ps->r.ar_human_reason = atna_p_attr(ps, c, "originalText");
		else
			return -1;
	}
	return ps->r.ar_event != 0 && ps->evid != NULL ? 0 : -1;
}

static int
atna_p_actor(struct atna_p *ps, const xmlNode *node)
{
	const xmlNode *role = xml_child(node, NULL, "RoleIDCode");
	const char *user = atna_p_attr(ps, node, "UserID");
	const char *nap = atna_p_attr(ps, node, "NetworkAccessPointID");
	int rev = atna_is_retrieve(ps->r.ar_event);

	if (role == NULL || user == NULL || ps->r.ar_event == 0)
		return -1;
	if (atna_p_attr_is(role, "csd-code", ATNA_ROLE_HUMAN))
		ps->r.ar_human = user;
	else if (atna_p_attr_is(role, "csd-code", ATNA_ROLE_APP))
		;	/* this appliance, from ar_source_id */
	else if (atna_p_attr_is(role, "csd-code", rev ? ATNA_ROLE_DEST : ATNA_ROLE_SOURCE)) {
		ps->r.ar_src_user = user;
		ps->r.ar_src_nap = nap;
	} else if (atna_p_attr_is(role, "csd-code", rev ? ATNA_ROLE_SOURCE : ATNA_ROLE_DEST)) {
		ps->r.ar_dst_user = user;
		ps->r.ar_dst_nap = nap;
	} else
		return -1;
	return 0;
}

/* A query object: its id and bytes (the details follow from the rest of the record). */
static int
atna_p_query(struct atna_p *ps, const xmlNode *node)
{
	const xmlNode *q = xml_child(node, NULL, "ParticipantObjectQuery");
	const char *v;

	ps->r.ar_query_id = atna_p_attr(ps, node, "ParticipantObjectID");
	if (q == NULL || ps->query != NULL)
		return ps->query == NULL ? 0 : -1;
	if ((v = atna_p_content(ps, q)) == NULL ||
	    str_b64_decode(v, &ps->query, &ps->r.ar_query_len) == -1)
		return -1;
	ps->r.ar_query = ps->query;
	return 0;
}

static int
atna_p_doc(struct atna_p *ps, const xmlNode *node)
{
	struct atna_doc *d;
	const xmlNode *c;

	if (atna_p_grow(&ps->docs, &ps->capdocs, ps->ndocs, sizeof(*ps->docs)) == -1)
		return -1;
	d = &ps->docs[ps->ndocs++];
	memset(d, 0, sizeof(*d));
	if ((d->ad_uid = atna_p_attr(ps, node, "ParticipantObjectID")) == NULL)
		return -1;
	for (c = xml_child(node, NULL, "ParticipantObjectDetail"); c != NULL;
	    c = xml_next(c, NULL, "ParticipantObjectDetail")) {
		if (atna_p_attr_is(c, "type", ATNA_DET_REPO))
			d->ad_repo = atna_p_detail(ps, c);
		else if (atna_p_attr_is(c, "type", ATNA_DET_HOME))
			d->ad_home = atna_p_detail(ps, c);
	}
	return 0;
}

/* One ParticipantObjectIdentification, told apart by its role and IDTypeCode. */
static int
atna_p_object(struct atna_p *ps, const xmlNode *node)
{
	const xmlNode *t = xml_child(node, NULL, "ParticipantObjectIDTypeCode");
	const xmlNode *c;
	const char *id;
	int rfc, hashi;

	if (t == NULL)
		return -1;
	if (atna_p_attr_is(node, "ParticipantObjectTypeCodeRole", ATNA_OBJ_QUERY_ROLE))
		return atna_p_query(ps, node);
	rfc = atna_p_attr_is(t, "codeSystemName", ATNA_CS_RFC3881);
	hashi = atna_p_attr_is(t, "codeSystemName", ATNA_CS_HASHI);
	if (rfc && atna_p_attr_is(t, "csd-code", ATNA_OBJ_DOC))
		return atna_p_doc(ps, node);
	id = atna_p_attr(ps, node, "ParticipantObjectID");
	if (rfc && atna_p_attr_is(t, "csd-code", ATNA_OBJ_PATIENT) && id != NULL) {
		if (atna_p_grow(&ps->pats, &ps->cappats, ps->npats, sizeof(*ps->pats)) == -1)
			return -1;
		ps->pats[ps->npats++] = id;
	} else if (hashi && atna_p_attr_is(t, "csd-code", ATNA_OBJ_SRC_REGION) && id != NULL)
		ps->r.ar_src_region = id;
	else if (hashi && atna_p_attr_is(t, "csd-code", ATNA_OBJ_DST_REGION) && id != NULL)
		ps->r.ar_dst_region = id;
	else if (hashi) {
		ps->r.ar_object_id = id;
		if ((c = xml_child(node, NULL, "ParticipantObjectDetail")) != NULL &&
		    (ps->r.ar_detail = atna_p_detail(ps, c)) == NULL)
			return -1;
	} else
		return -1;
	return 0;
}

/* Reads the description of ROOT into PS. Returns 0 or -1. */
static int
atna_p_record(struct atna_p *ps, const xmlNode *root)
{
	const xmlNode *c;
	int imports, rc = 0;

	if (!xml_is(root, NULL, "AuditMessage"))
		return -1;
	for (c = xml_child(root, NULL, NULL); c != NULL && rc == 0; c = xml_next(c, NULL, NULL)) {
		if (xml_is(c, NULL, "EventIdentification"))
			rc = atna_p_event(ps, c);
		else if (xml_is(c, NULL, "ActiveParticipant"))
			rc = atna_p_actor(ps, c);
		else if (xml_is(c, NULL, "AuditSourceIdentification")) {
			ps->r.ar_source_id = atna_p_attr(ps, c, "AuditSourceID");
			ps->r.ar_site = atna_p_attr(ps, c, "AuditEnterpriseSiteID");
		} else if (xml_is(c, NULL, "ParticipantObjectIdentification"))
			rc = atna_p_object(ps, c);
		else
			rc = -1;
	}
	if (rc != 0 || ps->evid == NULL)
		return -1;
	/* The role only shows in the EventID of retrieves and submissions. */
	imports = atna_initiator_imports(ps->r.ar_event);
	if (imports != -1)
		ps->r.ar_initiator = (strcmp(ps->evid, "110107") == 0) == (imports == 1);
	ps->r.ar_patients = ps->pats;
	ps->r.ar_npatients = ps->npats;
	ps->r.ar_docs = ps->docs;
	ps->r.ar_ndocs = ps->ndocs;
	return 0;
}

int
atna_parse_summary(const uint8_t *rec, size_t len, struct atna_summary *s)
{
	static const struct xml_limits lim = { ATNA_RECORD_MAX, 4 };
	struct atna_p ps;
	struct strbuf again = { 0 };
	enum xml_err err;
	xmlDocPtr doc;
	size_t i;
	int ret = -1;

	memset(&ps, 0, sizeof(ps));
	if (rec == NULL || s == NULL ||
	    (doc = xml_parse_safe((const char *)rec, len, &lim, &err)) == NULL)
		return -1;
	if (atna_p_record(&ps, xmlDocGetRootElement(doc)) == -1 ||
	    atna_build(&ps.r, &again) == -1 || again.sb_len != len ||
	    memcmp(again.sb_data, rec, len) != 0)
		goto done;
	ret = atna_record_summary(&ps.r, s);
done:
	xmlFreeDoc(doc);
	strbuf_reset(&again);
	for (i = 0; i < ps.nstrs; i++)
		free(ps.strs[i]);
	free(ps.strs);
	free(ps.pats);
	free(ps.docs);
	free(ps.query);
	return ret;
}

/* ---- summaries and keys ---- */

int
atna_record_summary(const struct atna_record *r, struct atna_summary *s)
{
	size_t i;

	if (s == NULL || !atna_record_valid(r))
		return -1;
	memset(s, 0, sizeof(*s));
	s->as_event = r->ar_event;
	s->as_outcome = r->ar_outcome;
	s->as_time_ms = r->ar_time_ms;
	atna_text_cut(s->as_purpose, sizeof(s->as_purpose), r->ar_purpose);
	atna_text_cut(s->as_user, sizeof(s->as_user), r->ar_human);
	atna_text_cut(s->as_src_region, sizeof(s->as_src_region), r->ar_src_region);
	atna_text_cut(s->as_dst_region, sizeof(s->as_dst_region), r->ar_dst_region);
	for (i = 0; i < r->ar_npatients && i < ATNA_SUMMARY_MAX_PATIENTS; i++)
		atna_text_cut(s->as_patients[i], sizeof(s->as_patients[i]),
		    r->ar_patients[i]);
	s->as_npatients = i;
	return 0;
}

size_t
atna_key(enum atna_key_kind kind, const char *value, int64_t time_ms,
    uint8_t key[ATNA_KEY_MAX])
{
	uint64_t t = (uint64_t)time_ms;
	int i;

	key[0] = (uint8_t)kind;
	if (kind == ATNA_KEY_TIME) {
		for (i = 0; i < 8; i++)
			key[1 + i] = (uint8_t)(t >> (56 - 8 * i));
		return 9;
	}
	atna_text_cut((char *)key + 1, ATNA_SUMMARY_FIELD, value);
	return 1 + strlen((char *)key + 1);
}

/* Emits the key of KIND for VALUE unless VALUE is empty. */
static int
atna_emit(enum atna_key_kind kind, const char *value,
    int (*emit)(void *, const uint8_t *, size_t), void *arg)
{
	uint8_t key[ATNA_KEY_MAX];

	if (value == NULL || value[0] == '\0')
		return 0;
	return emit(arg, key, atna_key(kind, value, 0, key));
}

int
atna_index_keys(const struct atna_summary *s,
    int (*emit)(void *arg, const uint8_t *key, size_t len), void *arg)
{
	uint8_t key[ATNA_KEY_MAX];
	char outcome[16];
	size_t i;
	int rc;

	for (i = 0; i < s->as_npatients && i < ATNA_SUMMARY_MAX_PATIENTS; i++)
		if ((rc = atna_emit(ATNA_KEY_PATIENT, s->as_patients[i], emit, arg)) != 0)
			return rc;
	snprintf(outcome, sizeof(outcome), "%d", s->as_outcome);
	if ((rc = atna_emit(ATNA_KEY_USER, s->as_user, emit, arg)) != 0 ||
	    (rc = atna_emit(ATNA_KEY_SRC_REGION, s->as_src_region, emit, arg)) != 0 ||
	    (rc = atna_emit(ATNA_KEY_DST_REGION, s->as_dst_region, emit, arg)) != 0 ||
	    (rc = atna_emit(ATNA_KEY_PURPOSE, s->as_purpose, emit, arg)) != 0 ||
	    (rc = atna_emit(ATNA_KEY_OUTCOME, outcome, emit, arg)) != 0 ||
	    (rc = atna_emit(ATNA_KEY_EVENT, atna_event_code(s->as_event), emit, arg)) != 0)
		return rc;
	return emit(arg, key, atna_key(ATNA_KEY_TIME, NULL, s->as_time_ms, key));
}
