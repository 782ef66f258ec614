/*
 * gateway/xcpd_parse_answer: reading PRPA_IN201306UV02 into struct xcpd_answer, the answer
 * struct's memory, and the CorrelationTimeToLive duration (see xcpd_msg.h). A peer's
 * defects that only spoil one match's details are flagged on that match (XCPD_MF_*); what
 * makes the answer unusable is an error.
 */
#include "gateway/xcpd_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xml.h"
#include "gateway/ebrim.h"

#define NS	XCPD_NS

void
xcpd_answer_init(struct xcpd_answer *a)
{
	memset(a, 0, sizeof(*a));
}

void
xcpd_answer_reset(struct xcpd_answer *a)
{
	if (a == NULL)
		return;
	free(a->xa_matches);
	memset(a, 0, sizeof(*a));
}

struct xcpd_match *
xcpd_answer_add(struct xcpd_answer *a)
{
	struct xcpd_match *m;

	if (a->xa_nmatches >= XCPD_MAX_MATCHES)
		return NULL;
	/* Grown one at a time: answers hold a handful of matches. */
	m = realloc(a->xa_matches, (a->xa_nmatches + 1) * sizeof(*m));
	if (m == NULL)
		return NULL;
	a->xa_matches = m;
	m = &a->xa_matches[a->xa_nmatches++];
	memset(m, 0, sizeof(*m));
	m->xm_score = -1;
	return m;
}

/* ---- the answer ---- */

/* The patient id of a match as a CX: the extension must not hold CX delimiters, the root
 * must be an OID (the assigning authority). */
static enum xcpd_err
xp_pid(const xmlNode *patient, struct xcpd_match *m)
{
	struct xcpd_ii ii;
	enum xcpd_err e;
	int n;

	if ((e = xcpd_rd_ii(xml_child(patient, NS, "id"), &ii)) != XCPD_OK)
		return e;
	if (ii.ii_root[0] == '\0' || ii.ii_ext[0] == '\0')
		return XCPD_ERR_MISSING;
	if (!ebrim_is_oid(ii.ii_root) || strpbrk(ii.ii_ext, "^&~\\|") != NULL)
		return XCPD_ERR_VALUE;
	n = snprintf(m->xm_pid, sizeof(m->xm_pid), "%s^^^&%s&ISO", ii.ii_ext, ii.ii_root);
	return (n < 0 || (size_t)n >= sizeof(m->xm_pid)) ? XCPD_ERR_TOO_LONG : XCPD_OK;
}

/* Reads the person of a match: names, telecoms, gender, birth date, address (the
 * patient role's own addr/telecom when the person has none). */
static enum xcpd_err
xp_person(const xmlNode *patient, struct xcpd_match *m)
{
	xmlNodePtr person = xml_child(patient, NS, "patientPerson"), c;
	struct mpi_demog *d = &m->xm_demog;
	char ts[64];
	enum xcpd_err e = XCPD_OK;
	int prio = 0;

	if (person == NULL)
		return XCPD_ERR_MISSING;
	for (c = xml_child(person, NS, "name"); c != NULL && e == XCPD_OK;
	    c = xml_next(c, NS, "name"))
		e = xcpd_rd_name(c, d, &prio);
	for (c = xml_child(person, NS, "telecom"); c != NULL && e == XCPD_OK;
	    c = xml_next(c, NS, "telecom"))
		e = xcpd_rd_tel(c, d);
	for (c = xml_child(patient, NS, "telecom"); c != NULL && e == XCPD_OK;
	    c = xml_next(c, NS, "telecom"))
		e = xcpd_rd_tel(c, d);
	if (e != XCPD_OK ||
	    (e = xcpd_rd_gender(xml_child(person, NS, "administrativeGenderCode"), &d->md_sex)) !=
	    XCPD_OK)
		return e;
	if ((c = xml_child(person, NS, "addr")) != NULL || (c = xml_child(patient, NS,
	    "addr")) != NULL)
		if ((e = xcpd_rd_addr(c, d)) != XCPD_OK)
			return e;
	if (xcpd_rd_attr(xml_child(person, NS, "birthTime"), "value", ts, sizeof(ts)) != XCPD_OK ||
	    (ts[0] != '\0' && xcpd_rd_birth(ts, d->md_birth) != XCPD_OK))
		m->xm_flags |= XCPD_MF_BAD_BIRTH;
	return XCPD_OK;
}

static enum xcpd_err
xp_match(const xmlNode *reg, struct xcpd_answer *a)
{
	xmlNodePtr patient = xml_child(xml_child(reg, NS, "subject1"), NS, "patient");
	xmlNodePtr ent = xml_child(xml_child(reg, NS, "custodian"), NS, "assignedEntity");
	struct xcpd_match *m;
	char code[XCPD_CODE_MAX], score[16];
	long long sc;
	enum xcpd_err e;

	if (patient == NULL)
		return XCPD_ERR_MISSING;
	if ((m = xcpd_answer_add(a)) == NULL)
		return a->xa_nmatches >= XCPD_MAX_MATCHES ? XCPD_ERR_TOO_MANY : XCPD_ERR_NOMEM;
	if ((e = xp_pid(patient, m)) != XCPD_OK || (e = xp_person(patient, m)) != XCPD_OK)
		return e;
	if (xcpd_rd_hcid(xml_child(ent, NS, "id"), m->xm_hcid, sizeof(m->xm_hcid)) != XCPD_OK ||
	    m->xm_hcid[0] == '\0') {
		m->xm_hcid[0] = '\0';
		m->xm_flags |= XCPD_MF_NO_HCID;
	}
	if (xcpd_rd_attr(xml_child(ent, NS, "code"), "code", code, sizeof(code)) == XCPD_OK &&
	    strcmp(code, "SupportsHealthDataLocator") == 0)
		m->xm_hdl = 1;
	if (xcpd_rd_attr(xml_child(xml_child(xml_child(patient, NS, "subjectOf1"), NS,
	    "queryMatchObservation"), NS, "value"), "value", score, sizeof(score)) == XCPD_OK &&
	    str_to_ll(score, 0, 100, &sc) == 0)
		m->xm_score = (int)sc;
	return XCPD_OK;
}

static enum xcpd_err
xp_code(const xmlNode *el, struct xcpd_code *c)
{
	enum xcpd_err e;

	if ((e = xcpd_rd_attr(el, "code", c->xc_code, sizeof(c->xc_code))) != XCPD_OK)
		return e;
	return xcpd_rd_attr(el, "codeSystem", c->xc_system, sizeof(c->xc_system));
}

/* Copies diagnostic text cut to fit DST without splitting a UTF-8 sequence. */
static void
xp_text_cut(char *dst, size_t n, const xmlNode *el)
{
	char *t = xml_text(el);
	size_t len;

	dst[0] = '\0';
	if (t == NULL)
		return;
	if ((len = strlen(t)) >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)t[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, t, len);
	dst[len] = '\0';
	free(t);
}

static enum xcpd_err
xp_ack(const xmlNode *ack, struct xcpd_answer *a, const char **where)
{
	xmlNodePtr det;
	struct xcpd_detail *d;
	char code[8], type[8];
	enum xcpd_err e;

	*where = "acknowledgement";
	if (ack == NULL)
		return XCPD_ERR_MISSING;
	if ((e = xcpd_rd_attr(xml_child(ack, NS, "typeCode"), "code", code, sizeof(code))) != XCPD_OK)
		return XCPD_ERR_VALUE;
	/* AR (reject) is an error answer too. */
	if (strcmp(code, "AA") == 0)
		a->xa_ack = XCPD_ACK_AA;
	else if (strcmp(code, "AE") == 0 || strcmp(code, "AR") == 0)
		a->xa_ack = XCPD_ACK_AE;
	else
		return code[0] == '\0' ? XCPD_ERR_MISSING : XCPD_ERR_VALUE;
	if ((e = xcpd_rd_ii(xml_child(xml_child(ack, NS, "targetMessage"), NS, "id"),
	    &a->xa_target)) != XCPD_OK)
		return e;
	*where = "acknowledgementDetail";
	for (det = xml_child(ack, NS, "acknowledgementDetail"); det != NULL;
	    det = xml_next(det, NS, "acknowledgementDetail")) {
		if (a->xa_ndetails == XCPD_MAX_DETAILS)
			return XCPD_ERR_TOO_MANY;
		d = &a->xa_details[a->xa_ndetails++];
		if (xcpd_rd_attr(det, "typeCode", type, sizeof(type)) != XCPD_OK ||
		    (type[0] != '\0' && strcmp(type, "E") != 0 && strcmp(type, "W") != 0 &&
		    strcmp(type, "I") != 0))
			return XCPD_ERR_VALUE;
		d->xd_type = type[0] != '\0' ? type[0] : 'E';
		if ((e = xp_code(xml_child(det, NS, "code"), &d->xd_code)) != XCPD_OK)
			return e;
		xp_text_cut(d->xd_text, sizeof(d->xd_text), xml_child(det, NS, "text"));
	}
	return XCPD_OK;
}

/* reasonOf/detectedIssueEvent/mitigatedBy/detectedIssueManagement codes, all of them. */
static enum xcpd_err
xp_reasons(const xmlNode *cap, struct xcpd_answer *a)
{
	xmlNodePtr r, mit;
	enum xcpd_err e;

	for (r = xml_child(cap, NS, "reasonOf"); r != NULL; r = xml_next(r, NS, "reasonOf"))
		for (mit = xml_child(xml_child(r, NS, "detectedIssueEvent"), NS, "mitigatedBy");
		    mit != NULL; mit = xml_next(mit, NS, "mitigatedBy")) {
			if (a->xa_nreasons == XCPD_MAX_REASONS)
				return XCPD_ERR_TOO_MANY;
			if ((e = xp_code(xml_child(xml_child(mit, NS, "detectedIssueManagement"),
			    NS, "code"), &a->xa_reasons[a->xa_nreasons])) != XCPD_OK)
				return e;
			if (a->xa_reasons[a->xa_nreasons].xc_code[0] == '\0')
				return XCPD_ERR_MISSING;
			a->xa_nreasons++;
		}
	return XCPD_OK;
}

static enum xcpd_err
xp_qrc(const xmlNode *qack, struct xcpd_answer *a)
{
	static const char *const codes[] = { "OK", "NF", "AE", "QE" };
	char code[8];
	size_t i;

	if (qack == NULL)
		return XCPD_ERR_MISSING;
	if (xcpd_rd_ii(xml_child(qack, NS, "queryId"), &a->xa_query_id) != XCPD_OK ||
	    xcpd_rd_attr(xml_child(qack, NS, "queryResponseCode"), "code", code, sizeof(code)) !=
	    XCPD_OK)
		return XCPD_ERR_VALUE;
	for (i = 0; i < 4; i++)
		if (strcmp(code, codes[i]) == 0) {
			a->xa_qrc = (enum xcpd_qrc)i;
			return XCPD_OK;
		}
	return code[0] == '\0' ? XCPD_ERR_MISSING : XCPD_ERR_VALUE;
}

enum xcpd_err
xcpd_parse_answer(const xmlNode *el, struct xcpd_answer *a, const char **where)
{
	const char *dummy;
	xmlNodePtr cap, s;
	enum xcpd_err ret = XCPD_OK, e;

	if (where == NULL)
		where = &dummy;
	*where = "";
	xcpd_answer_reset(a);
	if (!xml_is(el, NS, "PRPA_IN201306UV02"))
		XCPD_FAIL(XCPD_ERR_ROOT, "PRPA_IN201306UV02");
	if ((e = xcpd_rd_ii(xml_child(el, NS, "id"), &a->xa_msg_id)) != XCPD_OK)
		XCPD_FAIL(e, "id");
	if ((e = xcpd_rd_device(xml_child(el, NS, "sender"), &a->xa_device, a->xa_hcid,
	    sizeof(a->xa_hcid))) != XCPD_OK)
		XCPD_FAIL(e, "sender");
	if ((ret = xp_ack(xml_child(el, NS, "acknowledgement"), a, where)) != XCPD_OK)
		goto done;
	if ((cap = xml_child(el, NS, "controlActProcess")) == NULL)
		XCPD_FAIL(XCPD_ERR_MISSING, "controlActProcess");
	for (s = xml_child(cap, NS, "subject"); s != NULL; s = xml_next(s, NS, "subject"))
		if ((e = xp_match(xml_child(s, NS, "registrationEvent"), a)) != XCPD_OK)
			XCPD_FAIL(e, "registrationEvent");
	if ((e = xp_reasons(cap, a)) != XCPD_OK)
		XCPD_FAIL(e, "reasonOf");
	if ((e = xp_qrc(xml_child(cap, NS, "queryAck"), a)) != XCPD_OK)
		XCPD_FAIL(e, "queryAck");
	/* The outcome must be one of the cases of ITI TF-2 §3.55.4.2.3. */
	if ((a->xa_qrc == XCPD_QRC_OK) != (a->xa_nmatches > 0) ||
	    (a->xa_ack == XCPD_ACK_AA) != (a->xa_qrc == XCPD_QRC_OK || a->xa_qrc == XCPD_QRC_NF))
		XCPD_FAIL(XCPD_ERR_VALUE, "queryResponseCode");
done:
	return ret;
}

enum xcpd_err
xcpd_parse_answer_buf(const char *buf, size_t len, struct xcpd_answer *a, const char **where)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr el = NULL;
	enum xcpd_err e;

	if ((e = xcpd_rd_doc(buf, len, &doc, &el)) == XCPD_OK)
		e = xcpd_parse_answer(el, a, where);
	else {
		xcpd_answer_reset(a);
		if (where != NULL)
			*where = "";
	}
	xmlFreeDoc(doc);
	return e;
}

/* ---- xcpd:CorrelationTimeToLive ---- */

static int
xp_ttl_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Adds N units of MUL seconds to *ACC unless it would pass LONG_MAX. */
static int
xp_ttl_add(long *acc, long long n, long mul)
{
	if (n > (LONG_MAX - *acc) / mul)
		return -1;
	*acc += (long)(n * mul);
	return 0;
}

/* Reads one "nX" field at *SP against the designators DES from *NEXT on; adds its seconds
 * to *ACC. A fraction is allowed on seconds only (IN_TIME) and dropped. */
static int
xp_ttl_field(const char **sp, const char *des, const long *mul, size_t *next, int in_time,
    long *acc)
{
	const char *s = *sp, *start = s;
	long long n = 0;
	size_t i;
	int frac;

	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (LLONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	if (s == start)
		return -1;
	frac = in_time && *s == '.';
	if (frac) {
		if (s[1] < '0' || s[1] > '9')
			return -1;
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	}
	for (i = *next; i < 3 && des[i] != *s; i++)
		;
	if (i == 3 || (frac && des[i] != 'S') || xp_ttl_add(acc, n, mul[i]) == -1)
		return -1;
	*next = i + 1;
	*sp = s + 1;
	return 0;
}

int
xcpd_parse_ttl(const char *s, long *seconds)
{
	/* Designators in the order xs:duration allows them, each at most once. */
	static const char date_des[] = "YMD", time_des[] = "HMS";
	static const long date_mul[] = { 365L * 86400, 30L * 86400, 86400 };
	static const long time_mul[] = { 3600, 60, 1 };
	long acc = 0;
	size_t next = 0, fields = 0;
	int in_time = 0;

	if (s == NULL)
		return -1;
	while (xp_ttl_space(*s))
		s++;
	if (*s++ != 'P')
		return -1;	/* also refuses "-P..." */
	while (*s != '\0' && !xp_ttl_space(*s)) {
		if (*s == 'T') {
			/* "T" once, and followed by at least one time field */
			if (in_time || s[1] < '0' || s[1] > '9')
				return -1;
			in_time = 1;
			next = 0;
			s++;
			continue;
		}
		if (xp_ttl_field(&s, in_time ? time_des : date_des, in_time ? time_mul :
		    date_mul, &next, in_time, &acc) == -1)
			return -1;
		fields++;
	}
	while (xp_ttl_space(*s))
		s++;
	if (*s != '\0' || fields == 0)
		return -1;
	*seconds = acc;
	return 0;
}
