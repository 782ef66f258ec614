/*
 * gateway/xcpd_parse: reading PRPA_IN201305UV02 and the values both XCPD messages carry
 * (names, address, birth date, ids; see xcpd_msg.h and xcpd_int.h). Every value a peer
 * sends is copied into a fixed field or refused, and no count it states is believed: lists
 * are counted here against the XCPD_MAX_* limits.
 */
#include "gateway/xcpd_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/soap.h"

#define NS	XCPD_NS

const char *
xcpd_strerror(enum xcpd_err err)
{
	switch (err) {
	case XCPD_OK: return "no error";
	case XCPD_ERR_XML: return "the message is not acceptable XML";
	case XCPD_ERR_ROOT: return "not the expected HL7 V3 message";
	case XCPD_ERR_MISSING: return "a required element is missing";
	case XCPD_ERR_VALUE: return "a value is not acceptable";
	case XCPD_ERR_BIRTH: return "birthTime is not a calendar date";
	case XCPD_ERR_TOO_LONG: return "a value is too long";
	case XCPD_ERR_TOO_MANY: return "too many repetitions";
	case XCPD_ERR_NOMEM: return "out of memory";
	}
	return "unknown XCPD error";
}

/* ---- values ---- */

enum xcpd_err
xcpd_rd_copy(char *dst, size_t n, const char *src)
{
	return str_copy(dst, n, src != NULL ? src : "") == 0 ? XCPD_OK : XCPD_ERR_TOO_LONG;
}

/* Copies attribute NAME of EL (empty when EL or the attribute is absent). */
enum xcpd_err
xcpd_rd_attr(const xmlNode *el, const char *name, char *dst, size_t n)
{
	char *v = xml_attr(el, name);
	enum xcpd_err e = xcpd_rd_copy(dst, n, v);

	free(v);
	return e;
}

/* Appends SRC to DST, after SEP when DST is not empty. */
static enum xcpd_err
xp_append(char *dst, size_t n, const char *sep, const char *src)
{
	size_t len = strlen(dst);

	if (src == NULL || src[0] == '\0')
		return XCPD_OK;
	if (len > 0 && sep[0] != '\0' && str_copy(dst + len, n - len, sep) == -1)
		return XCPD_ERR_TOO_LONG;
	len = strlen(dst);
	return str_copy(dst + len, n - len, src) == 0 ? XCPD_OK : XCPD_ERR_TOO_LONG;
}

enum xcpd_err
xcpd_rd_ii(const xmlNode *el, struct xcpd_ii *ii)
{
	enum xcpd_err e;

	memset(ii, 0, sizeof(*ii));
	if ((e = xcpd_rd_attr(el, "root", ii->ii_root, sizeof(ii->ii_root))) != XCPD_OK)
		return e;
	return xcpd_rd_attr(el, "extension", ii->ii_ext, sizeof(ii->ii_ext));
}

/* Reads an HCID from id element EL: "urn:oid:" + @root. Absent = empty; a root that is not
 * an OID is XCPD_ERR_VALUE. */
enum xcpd_err
xcpd_rd_hcid(const xmlNode *el, char *dst, size_t n)
{
	char root[XCPD_II_MAX];
	enum xcpd_err e;

	dst[0] = '\0';
	if ((e = xcpd_rd_attr(el, "root", root, sizeof(root))) != XCPD_OK || root[0] == '\0')
		return e;
	if (!ebrim_is_oid(root))
		return XCPD_ERR_VALUE;
	if (xcpd_rd_copy(dst, n, "urn:oid:") != XCPD_OK || xp_append(dst, n, "", root) != XCPD_OK)
		return XCPD_ERR_TOO_LONG;
	return XCPD_OK;
}

static int
xp_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* An HL7 TS that starts with a calendar date: YYYYMMDD, then only time digits, a
 * fraction and a zone offset. Writes YYYYMMDD to OUT (9 bytes). */
enum xcpd_err
xcpd_rd_birth(const char *ts, char *out)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;
	size_t i;

	if (ts == NULL || strlen(ts) < 8 || !xp_digits(ts, 8))
		return XCPD_ERR_BIRTH;
	for (i = 8; ts[i] != '\0'; i++)
		if (!((ts[i] >= '0' && ts[i] <= '9') || ts[i] == '.' || ts[i] == '+' ||
		    ts[i] == '-'))
			return XCPD_ERR_BIRTH;
	y = (ts[0] - '0') * 1000 + (ts[1] - '0') * 100 + (ts[2] - '0') * 10 + (ts[3] - '0');
	m = (ts[4] - '0') * 10 + (ts[5] - '0');
	d = (ts[6] - '0') * 10 + (ts[7] - '0');
	if (y == 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return XCPD_ERR_BIRTH;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return XCPD_ERR_BIRTH;
	memcpy(out, ts, 8);
	out[8] = '\0';
	return XCPD_OK;
}

/* AdministrativeGender (2.16.840.1.113883.5.1) of coded element EL: absent or a
 * nullFlavor = 0 (not known); M, F, UN; anything else is XCPD_ERR_VALUE. */
enum xcpd_err
xcpd_rd_gender(const xmlNode *el, char *out)
{
	char code[8];

	*out = 0;
	if (xcpd_rd_attr(el, "code", code, sizeof(code)) != XCPD_OK)
		return XCPD_ERR_VALUE;
	if (code[0] == '\0')
		return XCPD_OK;
	if (strcmp(code, "M") == 0 || strcmp(code, "F") == 0)
		*out = code[0];
	else if (strcmp(code, "UN") == 0)
		*out = 'U';
	else
		return XCPD_ERR_VALUE;
	return XCPD_OK;
}

/* Takes a "tel:" TEL value as the phone when none was taken yet (other schemes are not
 * phones). */
enum xcpd_err
xcpd_rd_tel(const xmlNode *el, struct mpi_demog *d)
{
	char v[256];
	enum xcpd_err e;

	if (d->md_phone[0] != '\0')
		return XCPD_OK;
	if ((e = xcpd_rd_attr(el, "value", v, sizeof(v))) != XCPD_OK)
		return e;
	if (strncmp(v, "tel:", 4) != 0 || v[4] == '\0')
		return XCPD_OK;
	return xcpd_rd_copy(d->md_phone, sizeof(d->md_phone), v + 4);
}

/* 1 when the whitespace-separated set SET (may be NULL) holds TOKEN. */
static int
xp_has_token(const char *set, const char *token)
{
	size_t n = strlen(token);
	const char *p;

	for (p = set; p != NULL && *p != '\0'; p++) {
		if ((p == set || p[-1] == ' ') && strncmp(p, token, n) == 0 &&
		    (p[n] == '\0' || p[n] == ' '))
			return 1;
	}
	return 0;
}

/* Appends the text of EL to DST after SEP. */
static enum xcpd_err
xp_append_text(char *dst, size_t n, const char *sep, const xmlNode *el)
{
	char *t = xml_text(el);
	enum xcpd_err e = xp_append(dst, n, sep, t);

	free(t);
	return e;
}

/* Reads the name parts of EN (EN/PN): family and given parts, several joined by a space;
 * a name written as plain text goes whole into family (see demog.h). */
static enum xcpd_err
xp_name_parts(const xmlNode *en, struct mpi_name *nm)
{
	xmlNodePtr c;
	enum xcpd_err e = XCPD_OK;
	int parts = 0;

	memset(nm, 0, sizeof(*nm));
	for (c = xml_child(en, NULL, NULL); c != NULL && e == XCPD_OK;
	    c = xml_next(c, NULL, NULL)) {
		if (xml_is(c, NS, "family")) {
			e = xp_append_text(nm->mn_family, sizeof(nm->mn_family), " ", c);
			parts++;
		} else if (xml_is(c, NS, "given")) {
			e = xp_append_text(nm->mn_given, sizeof(nm->mn_given), " ", c);
			parts++;
		}
	}
	if (e == XCPD_OK && parts == 0)
		e = xp_append_text(nm->mn_family, sizeof(nm->mn_family), "", en);
	return e;
}

/* Reads name EN into the representation its use names (see xcpd_msg.h). *PRIO is how md_kanji
 * was filled: 0 not yet, 1 by a name without use, 2 by an IDE name. */
enum xcpd_err
xcpd_rd_name(const xmlNode *en, struct mpi_demog *d, int *prio)
{
	char *use = xml_attr(en, "use");
	int syl = xp_has_token(use, "SYL"), ide = xp_has_token(use, "IDE");
	int abc = xp_has_token(use, "ABC");
	struct mpi_name nm;
	enum xcpd_err e;

	free(use);
	if ((syl && (d->md_kana.mn_family[0] != '\0' || d->md_kana.mn_given[0] != '\0')) ||
	    (!syl && ide && *prio >= 2) || (!syl && !ide && (abc || *prio >= 1)))
		return XCPD_OK;
	if ((e = xp_name_parts(en, &nm)) != XCPD_OK)
		return e;
	if (nm.mn_family[0] == '\0' && nm.mn_given[0] == '\0')
		return XCPD_OK;
	if (syl) {
		d->md_kana = nm;
	} else {
		d->md_kanji = nm;
		*prio = ide ? 2 : 1;
	}
	return XCPD_OK;
}

/* Appends one address part: a space between two ASCII parts ("IL", "Some City"), nothing
 * otherwise (Japanese addresses are written without spaces, and the writer splits a
 * prefecture off the text without adding one). */
static enum xcpd_err
xp_addr_part(char *dst, size_t n, const xmlNode *el)
{
	char *t = xml_text(el);
	size_t len = strlen(dst);
	enum xcpd_err e;

	if (t == NULL)
		return XCPD_OK;
	e = xp_append(dst, n, (len > 0 && (unsigned char)dst[len - 1] < 0x80 &&
	    (unsigned char)t[0] < 0x80) ? " " : "", t);
	free(t);
	return e;
}

/* Reads AD element AD when no address was read yet: state, county, city first (Japanese
 * order), then the other parts and plain text in document order; postalCode apart. */
enum xcpd_err
xcpd_rd_addr(const xmlNode *ad, struct mpi_demog *d)
{
	static const char *const first[] = { "state", "county", "city" };
	static const char *const skip[] = { "state", "county", "city", "postalCode", "country",
	    "useablePeriod", "delimiter" };
	char buf[MPI_ADDR_MAX] = "", pc[32];
	xmlNodePtr c;
	size_t i, j, k;
	enum xcpd_err e = XCPD_OK;

	if (ad == NULL || d->md_addr[0] != '\0' || d->md_postal[0] != '\0')
		return XCPD_OK;
	for (i = 0; i < 3 && e == XCPD_OK; i++)
		for (c = xml_child(ad, NS, first[i]); c != NULL && e == XCPD_OK;
		    c = xml_next(c, NS, first[i]))
			e = xp_addr_part(buf, sizeof(buf), c);
	for (c = ad->children; c != NULL && e == XCPD_OK; c = c->next) {
		for (j = 0; c->type == XML_ELEMENT_NODE && j < sizeof(skip) / sizeof(skip[0]); j++)
			if (xml_is(c, NS, skip[j]))
				break;
		if ((c->type == XML_ELEMENT_NODE && j == sizeof(skip) / sizeof(skip[0])) ||
		    c->type == XML_TEXT_NODE)
			e = xp_addr_part(buf, sizeof(buf), c);
	}
	if (e != XCPD_OK)
		return e;
	memcpy(d->md_addr, buf, sizeof(buf));
	/* 7 digits once hyphens and spaces are gone, else not a Japanese postal code. */
	if (xcpd_rd_copy(pc, sizeof(pc), "") == XCPD_OK &&
	    xp_append_text(pc, sizeof(pc), "", xml_child(ad, NS, "postalCode")) == XCPD_OK) {
		for (i = 0, k = 0; pc[i] != '\0'; i++)
			if (pc[i] != '-' && pc[i] != ' ')
				pc[k++] = pc[i];
		pc[k] = '\0';
		if (k == 7 && xp_digits(pc, 7))
			memcpy(d->md_postal, pc, 8);
	}
	return XCPD_OK;
}

/* ---- the query ---- */

/* The id of the device under EL (sender or receiver) and its community's HCID. */
enum xcpd_err
xcpd_rd_device(const xmlNode *el, struct xcpd_ii *dev, char *hcid, size_t n)
{
	xmlNodePtr device = xml_child(el, NS, "device");
	enum xcpd_err e;

	if ((e = xcpd_rd_ii(xml_child(device, NS, "id"), dev)) != XCPD_OK)
		return e;
	if (dev->ii_root[0] == '\0')
		return XCPD_ERR_MISSING;
	return xcpd_rd_hcid(xml_child(xml_child(xml_child(device, NS, "asAgent"), NS,
	    "representedOrganization"), NS, "id"), hcid, n);
}

/* Reads one single-valued parameter (gender or birthTime) into the demographics. */
static enum xcpd_err
xp_param_single(const xmlNode *p, struct xcpd_query *q, int *seen)
{
	xmlNodePtr v = xml_child(p, NS, "value");
	char ts[64];
	enum xcpd_err e;

	if (v == NULL)
		return XCPD_OK;
	if (*seen || xml_next(v, NS, "value") != NULL)
		return XCPD_ERR_VALUE;	/* two genders or birth dates: an ambiguous query */
	*seen = 1;
	if (xml_is(p, NS, "livingSubjectAdministrativeGender"))
		return xcpd_rd_gender(v, &q->xq_demog.md_sex);
	if ((e = xcpd_rd_attr(v, "value", ts, sizeof(ts))) != XCPD_OK)
		return XCPD_ERR_BIRTH;
	if (ts[0] == '\0') {
		q->xq_flags |= XCPD_QF_UNSUPPORTED;	/* a range (low/high) */
		return XCPD_OK;
	}
	return xcpd_rd_birth(ts, q->xq_demog.md_birth);
}

static enum xcpd_err
xp_param_ids(const xmlNode *p, struct xcpd_query *q)
{
	xmlNodePtr v;
	enum xcpd_err e;

	for (v = xml_child(p, NS, "value"); v != NULL; v = xml_next(v, NS, "value")) {
		if (q->xq_nids == XCPD_MAX_IDS)
			return XCPD_ERR_TOO_MANY;
		if ((e = xcpd_rd_ii(v, &q->xq_ids[q->xq_nids])) != XCPD_OK)
			return e;
		if (q->xq_ids[q->xq_nids].ii_root[0] == '\0')
			return XCPD_ERR_MISSING;
		q->xq_nids++;
	}
	return XCPD_OK;
}

/* The parameters we read; every other one sets XCPD_QF_UNSUPPORTED. */
static const char *const xp_param_names[] = {
	"livingSubjectAdministrativeGender", "livingSubjectBirthTime", "livingSubjectId",
	"livingSubjectName", "patientAddress", "patientTelecom", "id"
};

static enum xcpd_err
xp_param(const xmlNode *p, size_t i, struct xcpd_query *q, int *seen, int *prio)
{
	xmlNodePtr v;
	enum xcpd_err e = XCPD_OK;

	switch (i) {
	case 0:
	case 1:
		return xp_param_single(p, q, &seen[i]);
	case 2:
		return xp_param_ids(p, q);
	case 4:
		return xcpd_rd_addr(xml_child(p, NS, "value"), &q->xq_demog);
	case 3:
	case 5:
		for (v = xml_child(p, NS, "value"); v != NULL && e == XCPD_OK;
		    v = xml_next(v, NS, "value"))
			e = i == 3 ? xcpd_rd_name(v, &q->xq_demog, prio) : xcpd_rd_tel(v, &q->xq_demog);
		return e;
	}
	return XCPD_OK;
}

static enum xcpd_err
xp_params(const xmlNode *pl, struct xcpd_query *q, const char **where)
{
	const size_t n = sizeof(xp_param_names) / sizeof(xp_param_names[0]);
	xmlNodePtr p;
	enum xcpd_err e;
	int prio = 0, seen[2] = { 0, 0 };
	size_t i;

	for (p = xml_child(pl, NULL, NULL); p != NULL; p = xml_next(p, NULL, NULL)) {
		for (i = 0; i < n && !xml_is(p, NS, xp_param_names[i]); i++)
			;
		if (i == n) {
			q->xq_flags |= XCPD_QF_UNSUPPORTED;
			continue;
		}
		if ((e = xp_param(p, i, q, seen, &prio)) != XCPD_OK) {
			*where = xp_param_names[i];
			return e;
		}
	}
	return XCPD_OK;
}

enum xcpd_err
xcpd_parse_query(const xmlNode *el, struct xcpd_query *q, const char **where)
{
	const char *dummy;
	xmlNodePtr cap, qbp, pl;
	char prio[4];
	enum xcpd_err ret = XCPD_OK, e;
	const struct mpi_demog *d = &q->xq_demog;

	if (where == NULL)
		where = &dummy;
	*where = "";
	memset(q, 0, sizeof(*q));
	q->xq_flags = XCPD_QF_INCOMPLETE;
	if (!xml_is(el, NS, "PRPA_IN201305UV02"))
		XCPD_FAIL(XCPD_ERR_ROOT, "PRPA_IN201305UV02");
	if ((e = xcpd_rd_ii(xml_child(el, NS, "id"), &q->xq_msg_id)) != XCPD_OK)
		XCPD_FAIL(e, "id");
	if (q->xq_msg_id.ii_root[0] == '\0')
		XCPD_FAIL(XCPD_ERR_MISSING, "id");
	if ((e = xcpd_rd_device(xml_child(el, NS, "sender"), &q->xq_sender_device,
	    q->xq_sender_hcid, sizeof(q->xq_sender_hcid))) != XCPD_OK)
		XCPD_FAIL(e, "sender");
	if ((e = xcpd_rd_device(xml_child(el, NS, "receiver"), &q->xq_receiver_device,
	    q->xq_receiver_hcid, sizeof(q->xq_receiver_hcid))) != XCPD_OK)
		XCPD_FAIL(e, "receiver");
	if ((cap = xml_child(el, NS, "controlActProcess")) == NULL)
		XCPD_FAIL(XCPD_ERR_MISSING, "controlActProcess");
	if ((qbp = xml_child(cap, NS, "queryByParameter")) == NULL)
		XCPD_FAIL(XCPD_ERR_MISSING, "queryByParameter");
	if ((e = xcpd_rd_ii(xml_child(qbp, NS, "queryId"), &q->xq_query_id)) != XCPD_OK)
		XCPD_FAIL(e, "queryId");
	if (q->xq_query_id.ii_root[0] == '\0')
		XCPD_FAIL(XCPD_ERR_MISSING, "queryId");
	if (xcpd_rd_attr(xml_child(qbp, NS, "responsePriorityCode"), "code", prio,
	    sizeof(prio)) != XCPD_OK || strcmp(prio, "D") == 0)
		q->xq_flags |= XCPD_QF_UNSUPPORTED;
	if ((pl = xml_child(qbp, NS, "parameterList")) == NULL)
		XCPD_FAIL(XCPD_ERR_MISSING, "parameterList");
	if ((ret = xp_params(pl, q, where)) != XCPD_OK)
		goto done;
	if (q->xq_nids == 0 && (d->md_birth[0] == '\0' ||
	    (d->md_kanji.mn_family[0] == '\0' && d->md_kanji.mn_given[0] == '\0' &&
	    d->md_kana.mn_family[0] == '\0' && d->md_kana.mn_given[0] == '\0')))
		q->xq_flags |= XCPD_QF_MISSING;
	q->xq_flags &= ~(unsigned)XCPD_QF_INCOMPLETE;
done:
	return ret;
}

/* ---- from bytes ---- */

/* Parses BUF and returns the message element: the document element, or the one child of
 * a SOAP 1.2 Body. */
enum xcpd_err
xcpd_rd_doc(const char *buf, size_t len, xmlDocPtr *docp, xmlNodePtr *elp)
{
	static const struct xml_limits lim = { XCPD_MAX_BYTES, 64 };
	enum xml_err xe;
	xmlNodePtr root;

	if ((*docp = xml_parse_safe(buf, len, &lim, &xe)) == NULL)
		return xe == XML_ERR_NOMEM ? XCPD_ERR_NOMEM : XCPD_ERR_XML;
	root = xmlDocGetRootElement(*docp);
	if (xml_is(root, SOAP_NS_ENV, "Envelope"))
		root = xml_child(xml_child(root, SOAP_NS_ENV, "Body"), NULL, NULL);
	*elp = root;
	return XCPD_OK;
}

enum xcpd_err
xcpd_parse_query_buf(const char *buf, size_t len, struct xcpd_query *q, const char **where)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr el = NULL;
	enum xcpd_err e;

	if ((e = xcpd_rd_doc(buf, len, &doc, &el)) == XCPD_OK)
		e = xcpd_parse_query(el, q, where);
	else {
		memset(q, 0, sizeof(*q));
		q->xq_flags = XCPD_QF_INCOMPLETE;
		if (where != NULL)
			*where = "";
	}
	xmlFreeDoc(doc);
	return e;
}

