/* Unit tests for audit/atna (ATNA AuditMessages): a record of every event in both roles,
 * with and without the optional fields, validated in-process against the DICOM 2017c
 * schema (shared/conformance/audit/atna/ipf/dicom2017c.xsd) and read back with XPath
 * (EventID, action, type codes, the retrieve reversal, objects); summary round trips with
 * long, UTF-8, metacharacter and invalid text and 20 patients; determinism; invalid
 * descriptions leaving OUT untouched; the parser refusing garbage, foreign AuditMessages,
 * truncated and altered records; the index keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "audit/atna.h"
#include "common/str.h"
#include "common/xml.h"

#include "tests/unit/conformance.h"

#define XSD		"audit/atna/ipf/dicom2017c.xsd"
#define T_MS		1796298300123LL		/* 2026-12-03T11:45:00.123Z */
#define HC_REQ		"urn:oid:1.2.392.200119.6.102.34"
#define HC_RESP		"urn:oid:1.2.392.200119.6.102.33"
#define REQ_USER	"http://www.w3.org/2005/08/addressing/anonymous"
#define REQ_NAP		"192.0.2.10"
#define RESP_USER	"https://gw.example.jp/xca/iti39"
#define RESP_NAP	"gw.example.jp"

static xmlSchemaPtr schema;

static void
schema_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	print_message("xsd: line %d: %s", e->line, e->message != NULL ? e->message : "?\n");
}

static int
setup(void **state)
{
	char path[1200];
	xmlSchemaParserCtxtPtr pc;

	(void)state;
	xml_init();
	snprintf(path, sizeof(path), "%s/%s", conformance_dir(), XSD);
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL)
		return -1;
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	return schema == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	xmlSchemaFree(schema);
	xmlCleanupParser();
	return 0;
}

/* Returns 0 when XML is well-formed and valid against dicom2017c.xsd (says why if not). */
static int
validate(const char *xml, size_t len)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET);
	xmlSchemaValidCtxtPtr vc;
	int rc;

	if (doc == NULL) {
		print_message("not well-formed: %.*s\n", (int)len, xml);
		return -1;
	}
	assert_non_null(vc = xmlSchemaNewValidCtxt(schema));
	xmlSchemaSetValidStructuredErrors(vc, schema_error, NULL);
	if ((rc = xmlSchemaValidateDoc(vc, doc)) != 0)
		print_message("document: %.*s\n", (int)len, xml);
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	return rc;
}

/* Returns the malloc'd string value of XPath expression EXPR over XML. */
static char *
xp(const char *xml, const char *expr)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr o;
	char *s;

	assert_non_null(doc);
	assert_non_null(ctx = xmlXPathNewContext(doc));
	assert_non_null(o = xmlXPathEvalExpression(XC(expr), ctx));
	s = (char *)xmlXPathCastToString(o);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return s;
}

/* Asserts that EXPR over XML has the string value WANT. */
static void
xp_eq(const char *xml, const char *expr, const char *want)
{
	char *got = xp(xml, expr);

	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", expr, got, want);
	xmlFree(got);
}

/* Asserts that the base64 value of EXPR over XML decodes to WANT. */
static void
xp_b64(const char *xml, const char *expr, const char *want)
{
	char *got = xp(xml, expr);
	uint8_t *b;
	size_t n;

	assert_int_equal(str_b64_decode(got, &b, &n), 0);
	if (n != strlen(want) || memcmp(b, want, n) != 0)
		fail_msg("%s: got \"%.*s\", want \"%s\"", expr, (int)n, b, want);
	free(b);
	xmlFree(got);
}

/* Builds R into a fresh malloc'd NUL-terminated string, asserting success. */
static char *
build(const struct atna_record *r, size_t *lenp)
{
	struct strbuf sb = { 0 };
	char *s;

	assert_int_equal(atna_build(r, &sb), 0);
	assert_false(sb.sb_failed);
	s = strbuf_take(&sb, lenp);
	assert_non_null(s);
	return s;
}

static void
summary_eq(const struct atna_summary *a, const struct atna_summary *b)
{
	size_t i;

	assert_int_equal(a->as_event, b->as_event);
	assert_int_equal(a->as_outcome, b->as_outcome);
	assert_int_equal(a->as_time_ms, b->as_time_ms);
	assert_string_equal(a->as_purpose, b->as_purpose);
	assert_string_equal(a->as_user, b->as_user);
	assert_string_equal(a->as_src_region, b->as_src_region);
	assert_string_equal(a->as_dst_region, b->as_dst_region);
	assert_int_equal(a->as_npatients, b->as_npatients);
	for (i = 0; i < a->as_npatients; i++)
		assert_string_equal(a->as_patients[i], b->as_patients[i]);
}

/* Builds R, validates it, and asserts parse_summary(build(R)) == record_summary(R).
 * Returns the record (caller frees). */
static char *
check(const struct atna_record *r, size_t *lenp)
{
	struct atna_summary *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	size_t len;
	char *xml = build(r, &len);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(validate(xml, len), 0);
	assert_null(memchr(xml, '\n', len));	/* one line, no declaration */
	assert_true(strncmp(xml, "<AuditMessage>", 14) == 0);
	assert_int_equal(atna_record_summary(r, a), 0);
	assert_int_equal(atna_parse_summary((const uint8_t *)xml, len, b), 0);
	summary_eq(a, b);
	free(a);
	free(b);
	if (lenp != NULL)
		*lenp = len;
	return xml;
}

static const char *const PATS[] = { "12345^^^&1.2.392.200119.6.102.33.1&ISO",
    "K-9^^^&1.2.392.200119.6.102.34.1&ISO" };
static const struct atna_doc DOCS[] = {
	{ "1.2.392.200119.6.102.34.9.1", "1.2.392.200119.6.102.34.5", HC_REQ },
	{ "2.25.4711", NULL, NULL },
};
static const uint8_t QUERY[] = "<query:AdhocQuery id=\"urn:uuid:14d4debf\"/>";

/* Fills R with an event that has every field. */
static void
fill_full(struct atna_record *r, enum atna_event ev, int initiator)
{
	memset(r, 0, sizeof(*r));
	r->ar_event = ev;
	r->ar_outcome = ATNA_MINOR;
	r->ar_outcome_desc = "consent: no consent";
	r->ar_time_ms = T_MS;
	r->ar_purpose = "clinical";
	r->ar_initiator = initiator;
	r->ar_src_user = REQ_USER;
	r->ar_src_nap = REQ_NAP;
	r->ar_src_region = HC_REQ;
	r->ar_dst_user = RESP_USER;
	r->ar_dst_nap = RESP_NAP;
	r->ar_dst_region = HC_RESP;
	r->ar_human = "dr.sato@hospital.example";
	r->ar_human_reason = "救急搬送, unconscious";
	r->ar_source_id = HC_RESP;
	r->ar_site = "Hashi-Tokyo";
	r->ar_patients = PATS;
	r->ar_npatients = 2;
	r->ar_query_id = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d";
	r->ar_query = QUERY;
	r->ar_query_len = sizeof(QUERY) - 1;
	r->ar_docs = DOCS;
	r->ar_ndocs = 2;
	r->ar_object_id = "consent-42";
	r->ar_detail = "line 1\nline 2 <&>";
}

/* Fills R with only the required fields. */
static void
fill_min(struct atna_record *r, enum atna_event ev, int initiator)
{
	memset(r, 0, sizeof(*r));
	r->ar_event = ev;
	r->ar_time_ms = T_MS;
	r->ar_initiator = initiator;
	r->ar_source_id = HC_RESP;
}

/* The expected codes of every event, written out independently of atna.c. */
static const struct {
	enum atna_event	 ev;
	const char	*type, *sys;
	const char	*id_resp, *act_resp;	/* responder / recipient */
	const char	*id_init, *act_init;	/* initiator */
} EXPECT[] = {
	{ ATNA_ITI18, "ITI-18", "IHE Transactions", "110112", "E", "110112", "E" },
	{ ATNA_ITI38, "ITI-38", "IHE Transactions", "110112", "E", "110112", "E" },
	{ ATNA_ITI39, "ITI-39", "IHE Transactions", "110106", "R", "110107", "C" },
	{ ATNA_ITI41, "ITI-41", "IHE Transactions", "110107", "C", "110106", "R" },
	{ ATNA_ITI43, "ITI-43", "IHE Transactions", "110106", "R", "110107", "C" },
	{ ATNA_ITI55, "ITI-55", "IHE Transactions", "110112", "E", "110112", "E" },
	{ ATNA_CONSENT_DECISION, "consent-decision", "urn:hashi:audit:1", "110110", "E",
	    "110110", "E" },
	{ ATNA_CONSENT_REGISTER, "consent-register", "urn:hashi:audit:1", "110110", "C",
	    "110110", "C" },
	{ ATNA_CONSENT_WITHDRAW, "consent-withdraw", "urn:hashi:audit:1", "110110", "D",
	    "110110", "D" },
	{ ATNA_EMERGENCY, "emergency-access", "urn:hashi:audit:1", "110113", "E",
	    "110113", "E" },
	{ ATNA_MPI_LINK, "mpi-link", "urn:hashi:audit:1", "110110", "C", "110110", "C" },
	{ ATNA_MPI_UNLINK, "mpi-unlink", "urn:hashi:audit:1", "110110", "D", "110110", "D" },
	{ ATNA_CONFIG_RELOAD, "config-reload", "urn:hashi:audit:1", "110100", "E",
	    "110100", "E" },
	{ ATNA_LOG_USED, "audit-log-used", "urn:hashi:audit:1", "110101", "R", "110101", "R" },
	{ ATNA_COSIGN, "checkpoint-cosign", "urn:hashi:audit:1", "110113", "E", "110113", "E" },
};
#define NEXPECT	(sizeof(EXPECT) / sizeof(EXPECT[0]))

/* ---- every event ---- */

static void
test_every_event(void **state)
{
	struct atna_record r;
	size_t i, len;
	int init, full;
	char *xml;

	(void)state;
	assert_int_equal(NEXPECT, ATNA_NEVENTS - 1);
	for (i = 0; i < NEXPECT; i++)
		for (init = 0; init <= 1; init++)
			for (full = 0; full <= 1; full++) {
				if (full)
					fill_full(&r, EXPECT[i].ev, init);
				else
					fill_min(&r, EXPECT[i].ev, init);
				xml = check(&r, &len);
				xp_eq(xml, "string(/AuditMessage/EventIdentification/EventID/"
				    "@csd-code)", init ? EXPECT[i].id_init : EXPECT[i].id_resp);
				xp_eq(xml, "string(//EventIdentification/@EventActionCode)",
				    init ? EXPECT[i].act_init : EXPECT[i].act_resp);
				xp_eq(xml, "string(//EventID/@codeSystemName)", "DCM");
				xp_eq(xml, "string(//EventTypeCode/@csd-code)", EXPECT[i].type);
				xp_eq(xml, "string(//EventTypeCode/@codeSystemName)",
				    EXPECT[i].sys);
				xp_eq(xml, "string(//EventIdentification/@EventDateTime)",
				    "2026-12-03T11:45:00.123Z");
				xp_eq(xml, "string(//EventIdentification/@EventOutcomeIndicator)",
				    full ? "4" : "0");
				xp_eq(xml, "count(//ActiveParticipant[@UserIsRequestor='true'])",
				    full ? "2" : EXPECT[i].ev <= ATNA_ITI55 ? "1" : "0");
				xp_eq(xml, "string(//AuditSourceIdentification/@AuditSourceID)",
				    HC_RESP);
				xp_eq(xml, "string(//AuditSourceTypeCode/@csd-code)", "4");
				free(xml);
			}
}

/* The role changes only the EventID of retrieves and submissions. */
static void
test_role_only_where_it_applies(void **state)
{
	struct atna_record r;
	char *a, *b;
	size_t i;

	(void)state;
	for (i = 0; i < NEXPECT; i++) {
		fill_full(&r, EXPECT[i].ev, 0);
		a = build(&r, NULL);
		r.ar_initiator = 1;
		b = build(&r, NULL);
		assert_int_equal(strcmp(a, b) != 0, strcmp(EXPECT[i].id_resp,
		    EXPECT[i].id_init) != 0);
		free(a);
		free(b);
	}
}

/* ---- roles and objects ---- */

static void
assert_actors(const char *xml, const char *src_user, const char *src_req,
    const char *dst_user, const char *dst_req)
{
	xp_eq(xml, "string(//ActiveParticipant[RoleIDCode/@csd-code='110153']/@UserID)",
	    src_user);
	xp_eq(xml, "string(//ActiveParticipant[RoleIDCode/@csd-code='110153']"
	    "/@UserIsRequestor)", src_req);
	xp_eq(xml, "string(//ActiveParticipant[RoleIDCode/@csd-code='110152']/@UserID)",
	    dst_user);
	xp_eq(xml, "string(//ActiveParticipant[RoleIDCode/@csd-code='110152']"
	    "/@UserIsRequestor)", dst_req);
}

static void
test_retrieve_reversal(void **state)
{
	static const enum atna_event rev[] = { ATNA_ITI39, ATNA_ITI43 };
	static const enum atna_event fwd[] = { ATNA_ITI38, ATNA_ITI18, ATNA_ITI55,
	    ATNA_ITI41 };
	struct atna_summary s;
	struct atna_record r;
	size_t i, len;
	char *xml;
	int init;

	(void)state;
	for (i = 0; i < 2; i++)
		for (init = 0; init <= 1; init++) {
			fill_full(&r, rev[i], init);
			xml = check(&r, &len);
			/* The document holder (the responding side) is the Source. */
			assert_actors(xml, RESP_USER, "false", REQ_USER, "true");
			xp_eq(xml, "string(//ActiveParticipant[RoleIDCode/@csd-code='110153']"
			    "/@NetworkAccessPointID)", RESP_NAP);
			xp_eq(xml, "string(//ActiveParticipant[RoleIDCode/@csd-code='110153']"
			    "/@NetworkAccessPointTypeCode)", "1");
			xp_eq(xml, "string(//ActiveParticipant[RoleIDCode/@csd-code='110152']"
			    "/@NetworkAccessPointTypeCode)", "2");
			assert_int_equal(atna_parse_summary((const uint8_t *)xml, len, &s), 0);
			assert_string_equal(s.as_src_region, HC_REQ);
			assert_string_equal(s.as_dst_region, HC_RESP);
			free(xml);
		}
	for (i = 0; i < 4; i++) {
		fill_full(&r, fwd[i], 1);
		xml = check(&r, &len);
		assert_actors(xml, REQ_USER, "true", RESP_USER, "false");
		assert_int_equal(atna_parse_summary((const uint8_t *)xml, len, &s), 0);
		assert_string_equal(s.as_src_region, HC_REQ);
		assert_string_equal(s.as_dst_region, HC_RESP);
		free(xml);
	}
	/* Unknown users of a transaction are "unknown"; regions stay apart when one is
	 * missing. */
	fill_min(&r, ATNA_ITI39, 1);
	r.ar_dst_region = HC_RESP;
	xml = check(&r, &len);
	assert_actors(xml, "unknown", "false", "unknown", "true");
	assert_int_equal(atna_parse_summary((const uint8_t *)xml, len, &s), 0);
	assert_string_equal(s.as_src_region, "");
	assert_string_equal(s.as_dst_region, HC_RESP);
	free(xml);
}

static void
test_query_and_patients(void **state)
{
	struct atna_record r;
	char *xml;

	(void)state;
	fill_full(&r, ATNA_ITI38, 1);
	xml = check(&r, NULL);
	xp_eq(xml, "count(//ParticipantObjectIdentification[@ParticipantObjectTypeCode='1'"
	    " and @ParticipantObjectTypeCodeRole='1'])", "2");
	xp_eq(xml, "string(//ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole="
	    "'1'][2]/@ParticipantObjectID)", PATS[1]);
	xp_eq(xml, "string(//ParticipantObjectIdentification[1]/ParticipantObjectIDTypeCode"
	    "/@originalText)", "Patient Number");
	xp_eq(xml, "string(//ParticipantObjectIdentification[1]/ParticipantObjectIDTypeCode"
	    "/@codeSystemName)", "RFC-3881");
	xp_eq(xml, "string(//ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole="
	    "'24']/@ParticipantObjectID)", r.ar_query_id);
	xp_eq(xml, "string(//ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole="
	    "'24']/ParticipantObjectIDTypeCode/@csd-code)", "ITI-38");
	xp_b64(xml, "string(//ParticipantObjectQuery)", (const char *)QUERY);
	xp_b64(xml, "string(//ParticipantObjectDetail[@type='QueryEncoding']/@value)",
	    "UTF-8");
	xp_b64(xml, "string(//ParticipantObjectDetail[@type="
	    "'urn:ihe:iti:xca:2010:homeCommunityId']/@value)", HC_RESP);
	free(xml);
	fill_full(&r, ATNA_ITI55, 0);
	xml = check(&r, NULL);
	xp_b64(xml, "string(//ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole="
	    "'24']/ParticipantObjectDetail[@type='ihe:homeCommunityID']/@value)", HC_RESP);
	free(xml);
	/* A query event always has its query object, even when nothing is known of it. */
	fill_min(&r, ATNA_ITI18, 0);
	xml = check(&r, NULL);
	xp_eq(xml, "count(//ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole="
	    "'24'])", "1");
	xp_eq(xml, "count(//ParticipantObjectQuery)", "0");
	free(xml);
}

static void
test_documents(void **state)
{
	struct atna_record r;
	char *xml;

	(void)state;
	fill_full(&r, ATNA_ITI43, 0);
	xml = check(&r, NULL);
	xp_eq(xml, "count(//ParticipantObjectIdentification[@ParticipantObjectTypeCode='2'"
	    " and @ParticipantObjectTypeCodeRole='3' and ParticipantObjectIDTypeCode/"
	    "@csd-code='9'])", "2");
	xp_eq(xml, "string(//ParticipantObjectIDTypeCode[@csd-code='9']/@originalText)",
	    "Report Number");
	xp_eq(xml, "string(//ParticipantObjectIDTypeCode[@csd-code='9']/../"
	    "@ParticipantObjectID)", DOCS[0].ad_uid);
	xp_b64(xml, "string(//ParticipantObjectIDTypeCode[@csd-code='9']/../"
	    "ParticipantObjectDetail[@type='Repository Unique Id']/@value)", DOCS[0].ad_repo);
	xp_b64(xml, "string(//ParticipantObjectIDTypeCode[@csd-code='9']/../"
	    "ParticipantObjectDetail[@type='ihe:homeCommunityID']/@value)", DOCS[0].ad_home);
	xp_eq(xml, "count(//ParticipantObjectIdentification[@ParticipantObjectID='2.25.4711']"
	    "/ParticipantObjectDetail)", "0");
	free(xml);
}

static void
test_hashi_fields(void **state)
{
	struct atna_record r;
	char *xml;

	(void)state;
	fill_full(&r, ATNA_EMERGENCY, 0);
	xml = check(&r, NULL);
	xp_eq(xml, "string(//EventOutcomeDescription)", "consent: no consent");
	xp_eq(xml, "string(//PurposeOfUse[@codeSystemName='urn:hashi:purpose']/@csd-code)",
	    "clinical");
	xp_eq(xml, "string(//PurposeOfUse[@codeSystemName='urn:hashi:purpose']"
	    "/@originalText)", "clinical");
	xp_eq(xml, "string(//PurposeOfUse[@csd-code='requester-reason']/@originalText)",
	    r.ar_human_reason);
	xp_eq(xml, "string(//ActiveParticipant[RoleIDCode/@csd-code='human-requestor']"
	    "/@UserID)", r.ar_human);
	xp_eq(xml, "string(//ActiveParticipant[RoleIDCode/@csd-code='110150']/@UserID)",
	    HC_RESP);
	xp_eq(xml, "string(//ParticipantObjectIDTypeCode[@codeSystemName="
	    "'urn:hashi:audit:1' and @csd-code='accessed-resource']/../@ParticipantObjectID)",
	    "consent-42");
	xp_b64(xml, "string(//ParticipantObjectDetail[@type='detail']/@value)", r.ar_detail);
	xp_eq(xml, "string(//ParticipantObjectIDTypeCode[@csd-code='src-region']/../"
	    "@ParticipantObjectID)", HC_REQ);
	xp_eq(xml, "string(//ParticipantObjectIDTypeCode[@csd-code='dst-region']/../"
	    "@ParticipantObjectID)", HC_RESP);
	xp_eq(xml, "string(//AuditSourceIdentification/@AuditEnterpriseSiteID)",
	    "Hashi-Tokyo");
	free(xml);
	/* A Hashi event without sides has only this application as participant. */
	fill_min(&r, ATNA_CONFIG_RELOAD, 0);
	r.ar_detail = "refused: line 3";
	xml = check(&r, NULL);
	xp_eq(xml, "count(//ActiveParticipant)", "1");
	xp_eq(xml, "string(//ActiveParticipant/RoleIDCode/@originalText)", "Application");
	xp_eq(xml, "count(//ParticipantObjectIdentification[not(@ParticipantObjectID)])", "1");
	free(xml);
}

static void
test_time(void **state)
{
	static const struct { int64_t ms; const char *text; } t[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 999, "1970-01-01T00:00:00.999Z" },
		{ 951782400001LL, "2000-02-29T00:00:00.001Z" },
		{ T_MS, "2026-12-03T11:45:00.123Z" },
		{ 253402300799999LL, "9999-12-31T23:59:59.999Z" },
	};
	struct atna_summary s;
	struct atna_record r;
	size_t i, len;
	char *xml;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fill_min(&r, ATNA_LOG_USED, 0);
		r.ar_time_ms = t[i].ms;
		xml = check(&r, &len);
		xp_eq(xml, "string(//EventIdentification/@EventDateTime)", t[i].text);
		assert_int_equal(atna_parse_summary((const uint8_t *)xml, len, &s), 0);
		assert_int_equal(s.as_time_ms, t[i].ms);
		free(xml);
	}
}

static void
test_outcomes(void **state)
{
	static const int ok[] = { ATNA_OK, ATNA_MINOR, ATNA_SERIOUS, ATNA_MAJOR };
	struct atna_summary s;
	struct atna_record r;
	char text[8], *xml;
	size_t i, len;

	(void)state;
	for (i = 0; i < 4; i++) {
		fill_full(&r, ATNA_CONSENT_DECISION, 0);
		r.ar_outcome = ok[i];
		xml = check(&r, &len);
		snprintf(text, sizeof(text), "%d", ok[i]);
		xp_eq(xml, "string(//EventIdentification/@EventOutcomeIndicator)", text);
		assert_int_equal(atna_parse_summary((const uint8_t *)xml, len, &s), 0);
		assert_int_equal(s.as_outcome, ok[i]);
		free(xml);
	}
}

/* ---- round trips of hard text ---- */

static void
test_round_trip_hard(void **state)
{
	static char pats[20][80], long_user[1200];
	const char *pp[20];
	struct atna_summary s;
	struct atna_record r;
	size_t i, n, len;
	char *xml;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(pats[i], sizeof(pats[i]), "P%02zu&<>\"'^^^&1.2.392.1&ISO", i);
		pp[i] = pats[i];
	}
	/* 3-byte characters so that the 255-byte cut falls inside one, after a 'x'. */
	for (n = 0, long_user[n++] = 'x'; n + 3 < sizeof(long_user); n += 3)
		memcpy(long_user + n, "\xe5\x8c\xbb", 3);	/* U+533B */
	long_user[n] = '\0';
	for (i = 0; i < NEXPECT; i++) {
		fill_full(&r, EXPECT[i].ev, (int)(i & 1));
		r.ar_patients = pp;
		r.ar_npatients = 20;
		r.ar_human = long_user;
		r.ar_purpose = " tab\there\r\nnl  ";
		r.ar_src_region = "bad\x01utf8\xff\xc0\xaf end\xe5\x8c";
		r.ar_dst_region = "<]]>&amp;\"'";
		r.ar_outcome_desc = "\n\n";
		r.ar_detail = "\xff";
		r.ar_human_reason = "  ";
		xml = check(&r, &len);
		assert_int_equal(atna_parse_summary((const uint8_t *)xml, len, &s), 0);
		assert_int_equal(s.as_npatients, ATNA_SUMMARY_MAX_PATIENTS);
		assert_string_equal(s.as_patients[15], pats[15]);
		assert_int_equal(strlen(s.as_user), 253);	/* 'x' + 84 characters */
		assert_string_equal(s.as_purpose, r.ar_purpose);
		assert_string_equal(s.as_src_region,
		    "bad\xef\xbf\xbdutf8\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end"
		    "\xef\xbf\xbd\xef\xbf\xbd");
		assert_string_equal(s.as_dst_region, r.ar_dst_region);
		xp_eq(xml, "count(//ParticipantObjectIdentification[@ParticipantObjectTypeCode="
		    "'1'])", "20");
		xp_eq(xml, "string(//EventOutcomeDescription)", "\n\n");
		free(xml);
	}
}

static void
test_deterministic(void **state)
{
	struct strbuf a = { 0 }, b = { 0 };
	struct atna_record r;
	size_t i;

	(void)state;
	for (i = 0; i < NEXPECT; i++) {
		fill_full(&r, EXPECT[i].ev, 1);
		strbuf_reset(&a);
		strbuf_reset(&b);
		strbuf_puts(&b, "prefix");
		assert_int_equal(atna_build(&r, &a), 0);
		assert_int_equal(atna_build(&r, &b), 0);
		assert_int_equal(b.sb_len, a.sb_len + 6);
		assert_memory_equal(b.sb_data, "prefix", 6);
		assert_memory_equal(a.sb_data, b.sb_data + 6, a.sb_len);
	}
	strbuf_reset(&a);
	strbuf_reset(&b);
}

/* ---- invalid descriptions ---- */

static void
assert_invalid(const struct atna_record *r)
{
	struct strbuf sb = { 0 };
	struct atna_summary s;

	strbuf_puts(&sb, "kept");
	assert_int_equal(atna_build(r, &sb), -1);
	assert_int_equal(sb.sb_len, 4);
	assert_string_equal(sb.sb_data, "kept");
	assert_false(sb.sb_failed);
	assert_int_equal(atna_record_summary(r, &s), -1);
	strbuf_reset(&sb);
}

static void
test_invalid(void **state)
{
	static const struct atna_doc nouid[] = { { "1.2.3", NULL, NULL }, { NULL, "r", "h" } };
	static const char *const nullpat[] = { "a", NULL };
	struct strbuf sb = { 0 };
	struct atna_record r;

	(void)state;
	assert_invalid(NULL);
	fill_full(&r, 0, 0);
	assert_invalid(&r);
	fill_full(&r, ATNA_NEVENTS, 0);
	assert_invalid(&r);
	fill_full(&r, (enum atna_event)99, 0);
	assert_invalid(&r);
	fill_full(&r, ATNA_ITI38, 0);
	r.ar_source_id = NULL;
	assert_invalid(&r);
	r.ar_source_id = HC_RESP;
	r.ar_outcome = 1;
	assert_invalid(&r);
	r.ar_outcome = 13;
	assert_invalid(&r);
	r.ar_outcome = -4;
	assert_invalid(&r);
	r.ar_outcome = ATNA_MAJOR;
	r.ar_docs = nouid;
	assert_invalid(&r);
	r.ar_docs = DOCS;
	r.ar_patients = nullpat;
	assert_invalid(&r);
	r.ar_patients = NULL;
	assert_invalid(&r);
	r.ar_patients = PATS;
	r.ar_time_ms = -1;
	assert_invalid(&r);
	r.ar_time_ms = 253402300800000LL;
	assert_invalid(&r);
	r.ar_time_ms = T_MS;
	r.ar_query = NULL;
	assert_invalid(&r);
	r.ar_query = QUERY;
	/* A buffer whose allocation already failed is refused, not appended to. */
	sb.sb_failed = 1;
	assert_int_equal(atna_build(&r, &sb), -1);
	assert_int_equal(sb.sb_len, 0);
	assert_int_equal(atna_build(&r, NULL), -1);
}

/* A record too large to be parsed back (8 MiB) is refused after it was partly written:
 * OUT is cut back to what it held. */
static void
test_too_large(void **state)
{
	struct strbuf sb = { 0 };
	struct atna_record r;
	uint8_t *big;

	(void)state;
	assert_non_null(big = calloc(1, 7u << 20));
	fill_min(&r, ATNA_ITI38, 0);
	r.ar_query = big;
	r.ar_query_len = 7u << 20;	/* 9.3 MiB of base64 */
	strbuf_puts(&sb, "kept");
	assert_int_equal(atna_build(&r, &sb), -1);
	assert_int_equal(sb.sb_len, 4);
	assert_string_equal(sb.sb_data, "kept");
	assert_false(sb.sb_failed);
	r.ar_query_len = 5u << 20;	/* 6.7 MiB: built and parsed back */
	assert_int_equal(atna_build(&r, &sb), 0);
	assert_int_equal(atna_parse_summary((const uint8_t *)sb.sb_data + 4, sb.sb_len - 4,
	    &(struct atna_summary){ 0 }), 0);
	strbuf_reset(&sb);
	free(big);
}

/* ---- the parser ---- */

static void
assert_refused(const char *bytes, size_t len)
{
	struct atna_summary s;

	assert_int_equal(atna_parse_summary((const uint8_t *)bytes, len, &s), -1);
}

/* Asserts that XML with its first OLD replaced by NEW is refused. */
static void
assert_altered_refused(const char *xml, const char *old, const char *new)
{
	const char *p = strstr(xml, old);
	struct strbuf sb = { 0 };

	if (p == NULL)
		fail_msg("\"%s\" not in the record", old);
	strbuf_add(&sb, xml, (size_t)(p - xml));
	strbuf_puts(&sb, new);
	strbuf_puts(&sb, p + strlen(old));
	assert_false(sb.sb_failed);
	assert_refused(sb.sb_data, sb.sb_len);
	strbuf_reset(&sb);
}

static void
test_parse_refuses(void **state)
{
	static const char *const foreign[] = { "audit/atna/ipf/iti55-xcpd-audit.xml",
	    "audit/atna/ipf/iti55-xcpd-audit-2.xml",
	    "audit/atna/ipf/iti43-retrieve-import-audit.xml",
	    "audit/atna/ipf/dicom-legacy-instances-transferred-audit.xml" };
	struct atna_summary s;
	struct atna_record r;
	char *buf, *xml;
	size_t i, len;

	(void)state;
	assert_refused("", 0);
	assert_refused("garbage", 7);
	assert_refused("<AuditMessage/>", strlen("<AuditMessage/>"));
	assert_refused("<a:AuditMessage xmlns:a=\"urn:x\"/>",
	    strlen("<a:AuditMessage xmlns:a=\"urn:x\"/>"));
	assert_int_equal(atna_parse_summary(NULL, 5, &s), -1);
	for (i = 0; i < 4; i++) {
		buf = conformance_read(foreign[i], &len);
		assert_refused(buf, len);
		free(buf);
	}
	fill_full(&r, ATNA_ITI39, 1);
	xml = build(&r, &len);
	for (i = 0; i < len; i++)
		assert_refused(xml, i);		/* every truncation */
	assert_altered_refused(xml, "EventActionCode=\"C\"", "EventActionCode=\"R\"");
	assert_altered_refused(xml, "UserIsRequestor=\"true\"", "UserIsRequestor=\"false\"");
	assert_altered_refused(xml, "\"110153\"", "\"110152\"");
	assert_altered_refused(xml, "\"Source Role ID\"", "\"Source\"");
	assert_altered_refused(xml, "<EventID", " <EventID");
	assert_altered_refused(xml, "<AuditMessage>", "<?xml version=\"1.0\"?><AuditMessage>");
	assert_altered_refused(xml, "<AuditMessage>", "<!DOCTYPE a><AuditMessage>");
	assert_altered_refused(xml, "<AuditMessage>", "<AuditMessage xmlns=\"urn:x\">");
	assert_altered_refused(xml, ".123Z", ".123+00:00");
	assert_altered_refused(xml, "11:45:00", "11:45:60");
	assert_altered_refused(xml, "EventOutcomeIndicator=\"4\"", "EventOutcomeIndicator=\"5\"");
	assert_altered_refused(xml, "\"ITI-39\"", "\"ITI-40\"");
	assert_altered_refused(xml, "</AuditMessage>", "<Extra/></AuditMessage>");
	assert_altered_refused(xml, "clinical", "clinica&#108;");
	free(xml);
}

/* Flips one bit of a record at a time: the parser must not crash; most flips are refused,
 * and a flip it accepts (e.g. inside a patient id) must still be a schema-valid record
 * whose summary differs from the original. */
static void
test_parse_mutations(void **state)
{
	struct atna_summary s0, s;
	struct atna_record r;
	size_t len, i, accepted = 0;
	unsigned seed = 12345;
	char *xml, *m;

	(void)state;
	fill_full(&r, ATNA_ITI55, 0);
	xml = build(&r, &len);
	assert_int_equal(atna_parse_summary((const uint8_t *)xml, len, &s0), 0);
	assert_non_null(m = malloc(len));
	for (i = 0; i < 3000; i++) {
		memcpy(m, xml, len);
		seed = seed * 1103515245u + 12345u;
		m[(seed >> 8) % len] ^= (char)(1u << ((seed >> 4) % 8));
		if (atna_parse_summary((const uint8_t *)m, len, &s) == -1)
			continue;
		accepted++;
		assert_int_equal(validate(m, len), 0);
	}
	assert_true(accepted < 3000 / 4);
	free(m);
	free(xml);
}

/* ---- codes and keys ---- */

static void
test_event_codes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NEXPECT; i++) {
		assert_string_equal(atna_event_code(EXPECT[i].ev), EXPECT[i].type);
		assert_int_equal(atna_event_by_code(EXPECT[i].type), EXPECT[i].ev);
	}
	assert_null(atna_event_code(0));
	assert_null(atna_event_code(ATNA_NEVENTS));
	assert_int_equal(atna_event_by_code("ITI-40"), 0);
	assert_int_equal(atna_event_by_code(NULL), 0);
}

struct keys {
	char	k[64][ATNA_KEY_MAX + 1];
	size_t	len[64];
	size_t	n;
	int	stop_at;
};

static int
collect(void *arg, const uint8_t *key, size_t len)
{
	struct keys *ks = arg;

	assert_true(len > 0 && len <= ATNA_KEY_MAX && ks->n < 64);
	memcpy(ks->k[ks->n], key, len);
	ks->k[ks->n][len] = '\0';
	ks->len[ks->n++] = len;
	return (int)ks->n == ks->stop_at ? 7 : 0;
}

static void
test_index_keys(void **state)
{
	static const uint8_t tkey[] = { 't', 0, 0, 0x01, 0xa2, 0x3b, 0xb8, 0xda, 0xdb };
	struct keys *ks = calloc(1, sizeof(*ks));
	struct atna_summary s;
	struct atna_record r;
	uint8_t key[ATNA_KEY_MAX];
	char big[600];

	(void)state;
	assert_non_null(ks);
	fill_full(&r, ATNA_ITI38, 1);
	assert_int_equal(atna_record_summary(&r, &s), 0);
	assert_int_equal(atna_index_keys(&s, collect, ks), 0);
	assert_int_equal(ks->n, 9);
	assert_string_equal(ks->k[0], "p12345^^^&1.2.392.200119.6.102.33.1&ISO");
	assert_string_equal(ks->k[1], "pK-9^^^&1.2.392.200119.6.102.34.1&ISO");
	assert_string_equal(ks->k[2], "udr.sato@hospital.example");
	assert_string_equal(ks->k[3], "s" HC_REQ);
	assert_string_equal(ks->k[4], "d" HC_RESP);
	assert_string_equal(ks->k[5], "yclinical");
	assert_string_equal(ks->k[6], "o4");
	assert_string_equal(ks->k[7], "eITI-38");
	assert_int_equal(ks->len[8], 9);
	assert_memory_equal(ks->k[8], tkey, 9);	/* 't' || be64(1796298300123) */
	/* Empty fields give no key; outcome, event and time always have one. */
	memset(ks, 0, sizeof(*ks));
	fill_min(&r, ATNA_CONFIG_RELOAD, 0);
	assert_int_equal(atna_record_summary(&r, &s), 0);
	assert_int_equal(atna_index_keys(&s, collect, ks), 0);
	assert_int_equal(ks->n, 3);
	assert_string_equal(ks->k[0], "o0");
	assert_string_equal(ks->k[1], "econfig-reload");
	assert_int_equal(ks->k[2][0], 't');
	/* The first non-zero EMIT result stops the walk. */
	memset(ks, 0, sizeof(*ks));
	ks->stop_at = 2;
	assert_int_equal(atna_index_keys(&s, collect, ks), 7);
	assert_int_equal(ks->n, 2);
	/* atna_key cuts like the summary. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(atna_key(ATNA_KEY_USER, big, 0, key), ATNA_SUMMARY_FIELD);
	assert_int_equal(key[0], 'u');
	assert_int_equal(atna_key(ATNA_KEY_TIME, "ignored", T_MS, key), 9);
	assert_memory_equal(key, tkey, 9);
	assert_int_equal(atna_key(ATNA_KEY_PURPOSE, "\xff", 0, key), 4);
	assert_memory_equal(key, "y\xef\xbf\xbd", 4);
	free(ks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_event),
		cmocka_unit_test(test_role_only_where_it_applies),
		cmocka_unit_test(test_retrieve_reversal),
		cmocka_unit_test(test_query_and_patients),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_hashi_fields),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_round_trip_hard),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_parse_mutations),
		cmocka_unit_test(test_event_codes),
		cmocka_unit_test(test_index_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
