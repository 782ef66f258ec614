/* Unit tests for gateway/xcpd_msg (XCPD ITI-55 bodies): the IPF and NIST samples parsed
 * with their actual values; a Japanese query and every answer outcome built, wrapped in
 * SOAP 1.2 envelopes (with xcpd:CorrelationTimeToLive on answers), validated in-process
 * against xsd/wrappers/xcpd-soap12.xsd, read back through soap_parse and parsed back
 * equal; malformed messages giving typed errors; the xs:duration table. */
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

#include "common/str.h"
#include "common/xml.h"
#include "gateway/actions.h"
#include "gateway/soap.h"
#include "gateway/xcpd_msg.h"

#include "tests/unit/conformance.h"

#define CT		"application/soap+xml; charset=UTF-8"
#define S_REQ		"samples/ipf/iti55-sample-request.xml"
#define S_REQ_DEF	"samples/ipf/iti55-sample-request-deferred.xml"
#define S_RESP		"samples/ipf/iti55-sample-response.xml"
#define S_NIST		"samples/nist-toolkit/FindPatientResponse.xml"
#define OUR_HCID	"urn:oid:1.2.392.200119.6.102.33"
#define PEER_HCID	"urn:oid:1.2.392.200119.6.102.34"
#define LOCAL_AA	"1.2.392.200119.6.102.33.1"

/* Sets the char array DST to SRC, failing the test when it does not fit. */
#define SET(dst, src)	assert_int_equal(str_copy((dst), sizeof(dst), (src)), 0)

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
	snprintf(path, sizeof(path), "%s/xsd/wrappers/xcpd-soap12.xsd", conformance_dir());
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

/* Returns 0 when XML validates against the XCPD driver schema; prints why otherwise when
 * VERBOSE. */
static int
validate_v(const char *xml, int verbose)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
	xmlSchemaValidCtxtPtr vc;
	int rc;

	if (doc == NULL) {
		print_message("not well-formed: %s\n", xml);
		return -1;
	}
	assert_non_null(vc = xmlSchemaNewValidCtxt(schema));
	if (verbose)
		xmlSchemaSetValidStructuredErrors(vc, schema_error, NULL);
	rc = xmlSchemaValidateDoc(vc, doc);
	if (rc != 0 && verbose)
		print_message("document: %s\n", xml);
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	return rc;
}

static int
validate(const char *xml)
{
	return validate_v(xml, 1);
}

/* Returns a malloc'd copy of S with its first OLD replaced by NEW; fails if OLD is absent. */
static char *
replace(const char *s, const char *old, const char *new)
{
	const char *p = strstr(s, old);
	struct strbuf sb = { 0 };

	if (p == NULL)
		fail_msg("\"%s\" not in the document", old);
	strbuf_add(&sb, s, (size_t)(p - s));
	strbuf_puts(&sb, new);
	strbuf_puts(&sb, p + strlen(old));
	return strbuf_take(&sb, NULL);
}

/* ---- samples ---- */

static void
test_parse_ipf_request(void **state)
{
	struct xcpd_query q;
	const char *where;
	size_t len;
	char *buf = conformance_read(S_REQ, &len);

	(void)state;
	assert_int_equal(xcpd_parse_query_buf(buf, len, &q, &where), XCPD_OK);
	assert_string_equal(q.xq_msg_id.ii_root, "1.2.840.114350.1.13.0.1.7.1.1");
	assert_string_equal(q.xq_msg_id.ii_ext, "35423");
	assert_string_equal(q.xq_sender_device.ii_root, "1.2.840.114350.1.13.999.567");
	assert_string_equal(q.xq_sender_hcid, "urn:oid:1.2.3.928.955");
	assert_string_equal(q.xq_receiver_device.ii_root, "1.2.840.114350.1.13.999.234");
	assert_string_equal(q.xq_receiver_hcid, "");
	assert_string_equal(q.xq_query_id.ii_root, "1.2.840.114350.1.13.28.1.18.5.999");
	assert_string_equal(q.xq_query_id.ii_ext, "18204");
	assert_int_equal(q.xq_demog.md_sex, 'M');
	assert_string_equal(q.xq_demog.md_birth, "19630805");
	assert_string_equal(q.xq_demog.md_kanji.mn_family, "Jones");
	assert_string_equal(q.xq_demog.md_kanji.mn_given, "Jimmy");
	assert_string_equal(q.xq_demog.md_kana.mn_family, "");
	assert_string_equal(q.xq_demog.md_addr, "");
	assert_int_equal(q.xq_nids, 2);
	assert_string_equal(q.xq_ids[0].ii_root, "1.2.840.114350.1.13.99997.2.3412");
	assert_string_equal(q.xq_ids[0].ii_ext, "1234");
	assert_string_equal(q.xq_ids[1].ii_root, "2.16.840.1.113883.4.1");
	assert_string_equal(q.xq_ids[1].ii_ext, "58910");
	assert_int_equal(q.xq_flags, 0);
	free(buf);

	/* The deferred variant asks for responsePriorityCode D, which we do not serve. */
	buf = conformance_read(S_REQ_DEF, &len);
	assert_int_equal(xcpd_parse_query_buf(buf, len, &q, NULL), XCPD_OK);
	assert_int_equal(q.xq_flags, XCPD_QF_UNSUPPORTED);
	assert_string_equal(q.xq_demog.md_birth, "19630805");
	free(buf);
}

static void
test_parse_ipf_response(void **state)
{
	struct xcpd_answer a;
	const struct xcpd_match *m;
	size_t len;
	char *buf = conformance_read(S_RESP, &len);

	(void)state;
	xcpd_answer_init(&a);
	assert_int_equal(xcpd_parse_answer_buf(buf, len, &a, NULL), XCPD_OK);
	assert_int_equal(a.xa_ack, XCPD_ACK_AA);
	assert_int_equal(a.xa_qrc, XCPD_QRC_OK);
	assert_string_equal(a.xa_msg_id.ii_ext, "55789");
	assert_string_equal(a.xa_device.ii_root, "1.2.840.114350.1.13.999.234");
	assert_string_equal(a.xa_target.ii_root, "1.2.840.114350.1.13.0.1.7.1.1");
	assert_string_equal(a.xa_target.ii_ext, "35423");
	assert_string_equal(a.xa_query_id.ii_ext, "18204");
	assert_int_equal(a.xa_nmatches, 2);
	m = &a.xa_matches[0];
	assert_string_equal(m->xm_pid, "34827K410^^^&1.2.840.114350.1.13.99998.8734&ISO");
	assert_string_equal(m->xm_hcid, "urn:oid:1.2.840.114350.1.13.99998.8734");
	assert_string_equal(m->xm_demog.md_kanji.mn_family, "Jones");
	assert_string_equal(m->xm_demog.md_kanji.mn_given, "James");
	assert_int_equal(m->xm_demog.md_sex, 'M');
	assert_string_equal(m->xm_demog.md_birth, "19630804");
	assert_string_equal(m->xm_demog.md_addr, "IL Some City 3443 North Arctic Avenue");
	assert_string_equal(m->xm_demog.md_phone, "+1-481-555-7684;ext=2342");
	assert_int_equal(m->xm_score, 92);
	assert_int_equal(m->xm_hdl, 1);
	assert_int_equal(m->xm_flags, 0);
	m = &a.xa_matches[1];
	assert_string_equal(m->xm_pid, "34827R534^^^&1.2.840.114350.1.13.99998.8734&ISO");
	assert_string_equal(m->xm_demog.md_kanji.mn_given, "Jim");
	assert_string_equal(m->xm_demog.md_birth, "19630713");
	assert_string_equal(m->xm_demog.md_addr, "IL Other City 8734 Blue Ocean Street");
	assert_string_equal(m->xm_demog.md_phone, "+1-795-555-4745");
	assert_int_equal(m->xm_score, 85);
	assert_int_equal(m->xm_hdl, 0);
	xcpd_answer_reset(&a);
	free(buf);
}

/* NIST's answer has two defects we tolerate per match: birthTime 19849711 (month 97) and a
 * custodian <id/> without root. */
static void
test_parse_nist_response(void **state)
{
	struct xcpd_answer a;
	const struct xcpd_match *m;
	size_t len;
	char *buf = conformance_read(S_NIST, &len);

	(void)state;
	xcpd_answer_init(&a);
	assert_int_equal(xcpd_parse_answer_buf(buf, len, &a, NULL), XCPD_OK);
	assert_int_equal(a.xa_ack, XCPD_ACK_AA);
	assert_int_equal(a.xa_qrc, XCPD_QRC_OK);
	assert_string_equal(a.xa_hcid, "urn:oid:2.16.840.1.113883.3.72.6.1");
	assert_string_equal(a.xa_device.ii_root, "2.16.840.1.113883.3.72.6.6.18");
	assert_string_equal(a.xa_query_id.ii_ext, "3809840989");
	assert_int_equal(a.xa_nmatches, 1);
	m = &a.xa_matches[0];
	assert_string_equal(m->xm_pid, "801^^^&1.2.3.4.5.1000&ISO");
	assert_string_equal(m->xm_demog.md_kanji.mn_family, "Moore");
	assert_string_equal(m->xm_demog.md_kanji.mn_given, "Chip");
	assert_int_equal(m->xm_demog.md_sex, 'M');
	assert_string_equal(m->xm_demog.md_birth, "");
	assert_string_equal(m->xm_demog.md_addr, "Montreal");
	assert_string_equal(m->xm_hcid, "");
	assert_int_equal(m->xm_flags, XCPD_MF_BAD_BIRTH | XCPD_MF_NO_HCID);
	assert_int_equal(m->xm_score, 100);
	xcpd_answer_reset(&a);
	free(buf);
}

/* Name representations, plain-text names and addresses, postal codes, telecom schemes. */
static void
test_parse_variants(void **state)
{
	struct xcpd_query q;
	size_t len;
	char *sample = conformance_read(S_REQ, &len), *doc, *doc2;

	(void)state;
	doc2 = replace(sample, "<livingSubjectName>", "<livingSubjectName>"
	    "<value use=\"ABC\"><family>Okayama</family></value>"
	    "<value use=\"SYL\"> オカヤマ タロウ </value>"
	    "<value use=\"L IDE\"><family>岡山</family><given>太郎</given><given>次郎</given>"
	    "</value>");
	doc = replace(doc2, "</livingSubjectName>", "</livingSubjectName><patientAddress><value>"
	    "岡山市北区<state>岡山県</state><postalCode>700 8558</postalCode><country>JP</country>"
	    "</value><semanticsText>Patient.addr</semanticsText></patientAddress>"
	    "<patientTelecom><value value=\"mailto:a@b.jp\"/><value value=\"tel:086-000-0000\"/>"
	    "<semanticsText>Patient.telecom</semanticsText></patientTelecom>");
	free(doc2);
	assert_int_equal(xcpd_parse_query_buf(doc, strlen(doc), &q, NULL), XCPD_OK);
	/* IDE wins over the untagged "Jimmy Jones" that follows it; ABC is not kept. */
	assert_string_equal(q.xq_demog.md_kanji.mn_family, "岡山");
	assert_string_equal(q.xq_demog.md_kanji.mn_given, "太郎 次郎");
	assert_string_equal(q.xq_demog.md_kana.mn_family, "オカヤマ タロウ");
	assert_string_equal(q.xq_demog.md_kana.mn_given, "");
	assert_string_equal(q.xq_demog.md_addr, "岡山県岡山市北区");
	assert_string_equal(q.xq_demog.md_postal, "7008558");
	assert_string_equal(q.xq_demog.md_phone, "086-000-0000");
	free(doc);

	/* A foreign postal code is not a Japanese one. */
	doc = replace(sample, "</livingSubjectName>", "</livingSubjectName><patientAddress><value>"
	    "<city>Helena</city><postalCode>35080</postalCode></value><semanticsText>x"
	    "</semanticsText></patientAddress>");
	assert_int_equal(xcpd_parse_query_buf(doc, strlen(doc), &q, NULL), XCPD_OK);
	assert_string_equal(q.xq_demog.md_addr, "Helena");
	assert_string_equal(q.xq_demog.md_postal, "");
	free(doc);
	free(sample);
}

/* ---- a Japanese query ---- */

static void
jp_query(struct xcpd_query *q)
{
	struct mpi_demog *d = &q->xq_demog;

	memset(q, 0, sizeof(*q));
	assert_int_equal(xcpd_ii_uuid(&q->xq_msg_id), 0);
	assert_int_equal(xcpd_ii_uuid(&q->xq_query_id), 0);
	SET(q->xq_sender_device.ii_root, "1.2.392.200119.6.102.33.9");
	SET(q->xq_sender_hcid, OUR_HCID);
	SET(q->xq_receiver_hcid, PEER_HCID);
	SET(d->md_kanji.mn_family, "岡山");
	SET(d->md_kanji.mn_given, "太郎");
	SET(d->md_kana.mn_family, "オカヤマ");
	SET(d->md_kana.mn_given, "タロウ");
	SET(d->md_birth, "19800401");
	d->md_sex = 'M';
	SET(d->md_postal, "7008558");
	SET(d->md_addr, "岡山県岡山市北区鹿田町2-5-1");
	SET(d->md_phone, "086-223-7151");
	SET(q->xq_ids[0].ii_root, LOCAL_AA);
	SET(q->xq_ids[0].ii_ext, "P-0001");
	q->xq_nids = 1;
}

static void
assert_query_equal(const struct xcpd_query *a, const struct xcpd_query *b)
{
	size_t i;

	assert_memory_equal(&a->xq_msg_id, &b->xq_msg_id, sizeof(a->xq_msg_id));
	assert_memory_equal(&a->xq_query_id, &b->xq_query_id, sizeof(a->xq_query_id));
	assert_string_equal(a->xq_sender_device.ii_root, b->xq_sender_device.ii_root);
	assert_string_equal(a->xq_sender_hcid, b->xq_sender_hcid);
	assert_string_equal(a->xq_receiver_hcid, b->xq_receiver_hcid);
	assert_memory_equal(&a->xq_demog, &b->xq_demog, sizeof(a->xq_demog));
	assert_int_equal(a->xq_nids, b->xq_nids);
	for (i = 0; i < a->xq_nids; i++)
		assert_memory_equal(&a->xq_ids[i], &b->xq_ids[i], sizeof(a->xq_ids[i]));
}

static void
test_build_query_jp(void **state)
{
	struct xcpd_query q, back;
	struct strbuf body = { 0 }, env = { 0 };
	struct soap_msg *m = NULL;
	struct soap_fault f;
	char *bad;

	(void)state;
	jp_query(&q);
	assert_int_equal(xcpd_build_query(&q, &body), XCPD_OK);
	assert_non_null(strstr(body.sb_data, "<state>岡山県</state>"));
	assert_non_null(strstr(body.sb_data, "<postalCode>700-8558</postalCode>"));
	assert_non_null(strstr(body.sb_data, "<value use=\"SYL\"><family>オカヤマ</family>"));
	assert_int_equal(validate(body.sb_data), 0);
	assert_int_equal(soap_build_request(&env, ACTION_ITI55, "https://peer.example/xcpd",
	    body.sb_data), 0);
	assert_int_equal(validate(env.sb_data), 0);
	/* The validator is real: a parameter without its required semanticsText fails. */
	bad = replace(env.sb_data, "<semanticsText>LivingSubject.birthTime</semanticsText>", "");
	assert_int_not_equal(validate_v(bad, 0), 0);
	free(bad);

	/* Through our SOAP stack and back. */
	if (soap_parse((const uint8_t *)env.sb_data, env.sb_len, CT, NULL, &m, &f) != 0)
		fail_msg("soap_parse: %s", f.sf_reason);
	assert_int_equal(soap_msg_txn(m), TXN_ITI55);
	assert_int_equal(xcpd_parse_query(soap_msg_payload(m), &back, NULL), XCPD_OK);
	assert_int_equal(back.xq_flags, 0);
	assert_query_equal(&q, &back);
	soap_msg_free(m);

	/* Kanji prefectures of three characters, ASCII right after one, and no prefecture. */
	SET(q.xq_demog.md_addr, "東京都1-2-3");
	strbuf_reset(&body);
	assert_int_equal(xcpd_build_query(&q, &body), XCPD_OK);
	assert_non_null(strstr(body.sb_data, "<state>東京都</state>"));
	assert_int_equal(xcpd_parse_query_buf(body.sb_data, body.sb_len, &back, NULL), XCPD_OK);
	assert_string_equal(back.xq_demog.md_addr, "東京都1-2-3");
	SET(q.xq_demog.md_addr, "神奈川県横浜市1-2");
	strbuf_reset(&body);
	assert_int_equal(xcpd_build_query(&q, &body), XCPD_OK);
	assert_non_null(strstr(body.sb_data, "<state>神奈川県</state>"));
	assert_int_equal(xcpd_parse_query_buf(body.sb_data, body.sb_len, &back, NULL), XCPD_OK);
	assert_string_equal(back.xq_demog.md_addr, "神奈川県横浜市1-2");
	SET(q.xq_demog.md_addr, "京都府京都市左京区");
	strbuf_reset(&body);
	assert_int_equal(xcpd_build_query(&q, &body), XCPD_OK);
	assert_non_null(strstr(body.sb_data, "<state>京都府</state>"));
	SET(q.xq_demog.md_addr, "横浜市中区1-2");
	strbuf_reset(&body);
	assert_int_equal(xcpd_build_query(&q, &body), XCPD_OK);
	assert_null(strstr(body.sb_data, "<state>"));
	assert_int_equal(xcpd_parse_query_buf(body.sb_data, body.sb_len, &back, NULL), XCPD_OK);
	assert_string_equal(back.xq_demog.md_addr, "横浜市中区1-2");
	strbuf_reset(&body);
	strbuf_reset(&env);
}

/* ---- answers ---- */

static void
assert_answer_equal(const struct xcpd_answer *a, const struct xcpd_answer *b,
    const struct xcpd_query *echo)
{
	size_t i;

	assert_int_equal(b->xa_ack, a->xa_ack);
	assert_int_equal(b->xa_qrc, a->xa_qrc);
	assert_string_equal(b->xa_hcid, a->xa_hcid);
	assert_string_equal(b->xa_device.ii_root, a->xa_device.ii_root);
	if (echo != NULL) {
		assert_memory_equal(&b->xa_target, &echo->xq_msg_id, sizeof(b->xa_target));
		assert_memory_equal(&b->xa_query_id, &echo->xq_query_id, sizeof(b->xa_query_id));
	} else {
		assert_string_equal(b->xa_target.ii_root, "");
	}
	assert_int_equal(b->xa_nmatches, a->xa_nmatches);
	for (i = 0; i < a->xa_nmatches; i++) {
		const struct xcpd_match *x = &a->xa_matches[i], *y = &b->xa_matches[i];

		assert_string_equal(y->xm_pid, x->xm_pid);
		assert_string_equal(y->xm_hcid, x->xm_hcid[0] != '\0' ? x->xm_hcid : a->xa_hcid);
		assert_memory_equal(&y->xm_demog, &x->xm_demog, sizeof(x->xm_demog));
		assert_int_equal(y->xm_score, x->xm_score);
		assert_int_equal(y->xm_flags, 0);
	}
	assert_int_equal(b->xa_nreasons, a->xa_nreasons);
	for (i = 0; i < a->xa_nreasons; i++)
		assert_memory_equal(&b->xa_reasons[i], &a->xa_reasons[i], sizeof(a->xa_reasons[i]));
	if (a->xa_qrc >= XCPD_QRC_AE && a->xa_ndetails == 0) {
		assert_int_equal(b->xa_ndetails, 1);	/* the default INTERR detail */
		assert_string_equal(b->xa_details[0].xd_code.xc_code, XCPD_ACKD_INTERR);
		return;
	}
	assert_int_equal(b->xa_ndetails, a->xa_ndetails);
	for (i = 0; i < a->xa_ndetails; i++)
		assert_memory_equal(&b->xa_details[i], &a->xa_details[i], sizeof(a->xa_details[i]));
}

/* Builds A answering ECHO, wraps it in a response envelope carrying TTL, validates it, reads
 * it back through soap_parse and checks everything came back. Returns the body (malloc'd). */
static char *
answer_roundtrip(const struct xcpd_query *echo, const struct xcpd_answer *a, const char *ttl,
    long ttl_seconds)
{
	struct strbuf body = { 0 }, env = { 0 };
	struct soap_limits lim = { 0 };
	struct soap_msg *m = NULL;
	struct soap_fault f;
	struct xcpd_answer back;
	char hdr[256], *full;
	long secs = -1;

	assert_int_equal(xcpd_build_answer(echo, a, &body), XCPD_OK);
	assert_int_equal(validate(body.sb_data), 0);
	assert_int_equal(soap_build_response(&env, ACTION_ITI55_RESP,
	    "urn:uuid:11111111-2222-3333-4444-555555555555", body.sb_data), 0);
	snprintf(hdr, sizeof(hdr), "<env:Header><xcpd:CorrelationTimeToLive xmlns:xcpd=\"%s\">"
	    "%s</xcpd:CorrelationTimeToLive>", SOAP_NS_XCPD, ttl);
	full = replace(env.sb_data, "<env:Header>", hdr);
	assert_int_equal(validate(full), 0);
	lim.sl_expect_response = 1;
	if (soap_parse((const uint8_t *)full, strlen(full), CT, &lim, &m, &f) != 0)
		fail_msg("soap_parse: %s", f.sf_reason);
	assert_int_equal(xcpd_parse_ttl(soap_msg_correlation_ttl(m), &secs), 0);
	assert_int_equal(secs, ttl_seconds);
	xcpd_answer_init(&back);
	assert_int_equal(xcpd_parse_answer(soap_msg_payload(m), &back, NULL), XCPD_OK);
	assert_answer_equal(a, &back, echo);
	xcpd_answer_reset(&back);
	soap_msg_free(m);
	free(full);
	strbuf_reset(&env);
	return strbuf_take(&body, NULL);
}

static void
answer_base(struct xcpd_answer *a, enum xcpd_qrc qrc)
{
	xcpd_answer_init(a);
	SET(a->xa_hcid, PEER_HCID);
	SET(a->xa_device.ii_root, "1.2.392.200119.6.102.34.9");
	a->xa_qrc = qrc;
	a->xa_ack = qrc <= XCPD_QRC_NF ? XCPD_ACK_AA : XCPD_ACK_AE;
}

static void
test_build_answer_ok(void **state)
{
	struct xcpd_query q;
	struct xcpd_answer a;
	struct xcpd_match *m;
	char *body;

	(void)state;
	jp_query(&q);
	answer_base(&a, XCPD_QRC_OK);
	assert_non_null(m = xcpd_answer_add(&a));
	SET(m->xm_pid, "A-77^^^&1.2.392.200119.6.102.34.1&ISO");
	m->xm_demog = q.xq_demog;
	SET(m->xm_demog.md_addr, "岡山県岡山市北区鹿田町二丁目5番1号");
	m->xm_score = 97;
	/* A second match with its own custodian and text that needs escaping. */
	assert_non_null(m = xcpd_answer_add(&a));
	SET(m->xm_pid, "B<1>'\"^^^&1.2.392.200119.6.102.35.1&ISO");
	SET(m->xm_hcid, "urn:oid:1.2.392.200119.6.102.35");
	SET(m->xm_demog.md_kanji.mn_family, "O'Brien <\"&>");
	SET(m->xm_demog.md_birth, "19800401");
	m->xm_demog.md_sex = 'F';
	body = answer_roundtrip(&q, &a, "P30D", 30L * 86400);
	assert_non_null(strstr(body, "<queryResponseCode code=\"OK\"/>"));
	assert_non_null(strstr(body, "O&apos;Brien &lt;&quot;&amp;&gt;"));
	/* queryByParameter is echoed with the Japanese names. */
	assert_non_null(strstr(body, "<queryByParameter>"));
	assert_non_null(strstr(body, "<given>タロウ</given>"));
	assert_null(strstr(body, "HealthDataLocator"));
	free(body);
	xcpd_answer_reset(&a);
}

static void
test_build_answer_nf(void **state)
{
	struct xcpd_query q;
	struct xcpd_answer a;
	char *body;

	(void)state;
	jp_query(&q);
	answer_base(&a, XCPD_QRC_NF);
	body = answer_roundtrip(&q, &a, "PT12H", 12L * 3600);
	assert_non_null(strstr(body, "<queryResponseCode code=\"NF\"/>"));
	assert_null(strstr(body, "<subject "));
	assert_null(strstr(body, "reasonOf"));
	free(body);

	/* NF, and more attributes would help. */
	SET(a.xa_reasons[0].xc_code, XCPD_REQ_GENDER);
	SET(a.xa_reasons[0].xc_system, XCPD_CS_REQUESTED);
	SET(a.xa_reasons[1].xc_code, XCPD_REQ_ADDRESS);
	SET(a.xa_reasons[1].xc_system, XCPD_CS_REQUESTED);
	a.xa_nreasons = 2;
	body = answer_roundtrip(&q, &a, "P1Y", 365L * 86400);
	assert_non_null(strstr(body, "<code code=\"PatientAddressRequested\" "
	    "codeSystem=\"1.3.6.1.4.1.19376.1.2.27.1\"/>"));
	free(body);
	xcpd_answer_reset(&a);
}

static void
test_build_answer_errors(void **state)
{
	struct xcpd_query q;
	struct xcpd_answer a;
	const char *where;
	char *body, *sample;
	size_t len;

	(void)state;
	/* AE: an internal error, with reason and detail. */
	jp_query(&q);
	answer_base(&a, XCPD_QRC_AE);
	SET(a.xa_reasons[0].xc_code, XCPD_ERRC_INTERNAL);
	SET(a.xa_reasons[0].xc_system, XCPD_CS_ERROR);
	a.xa_nreasons = 1;
	a.xa_details[0].xd_type = 'E';
	SET(a.xa_details[0].xd_code.xc_code, XCPD_ACKD_INTERR);
	SET(a.xa_details[0].xd_code.xc_system, XCPD_CS_ACKDETAIL);
	SET(a.xa_details[0].xd_text, "MPI unavailable <retry later> & 再試行");
	a.xa_ndetails = 1;
	body = answer_roundtrip(&q, &a, "PT0S", 0);
	assert_non_null(strstr(body, "<typeCode code=\"AE\"/>"));
	assert_non_null(strstr(body, "<statusCode code=\"aborted\"/>"));
	free(body);
	xcpd_answer_reset(&a);

	/* QE for a query we could not read at all: no echo, default detail. */
	answer_base(&a, XCPD_QRC_QE);
	body = answer_roundtrip(NULL, &a, "P1DT1H", 86400 + 3600);
	assert_non_null(strstr(body, "<queryResponseCode code=\"QE\"/>"));
	assert_null(strstr(body, "<queryByParameter>"));
	free(body);

	/* QE for a query with a bad birth date: it names the target but echoes nothing. */
	sample = conformance_read(S_REQ, &len);
	body = replace(sample, "<value value=\"19630805\"/>", "<value value=\"19631305\"/>");
	assert_int_equal(xcpd_parse_query_buf(body, strlen(body), &q, &where), XCPD_ERR_BIRTH);
	assert_string_equal(where, "livingSubjectBirthTime");
	assert_true(q.xq_flags & XCPD_QF_INCOMPLETE);
	assert_string_equal(q.xq_msg_id.ii_ext, "35423");
	free(body);
	free(sample);
	body = answer_roundtrip(&q, &a, "P7D", 7L * 86400);
	assert_null(strstr(body, "<queryByParameter>"));
	free(body);
	xcpd_answer_reset(&a);
}

static void
test_build_refusals(void **state)
{
	struct xcpd_query q;
	struct xcpd_answer a;
	struct strbuf sb = { 0 };

	(void)state;
	jp_query(&q);
	q.xq_msg_id.ii_root[0] = '\0';
	assert_int_equal(xcpd_build_query(&q, &sb), XCPD_ERR_MISSING);
	jp_query(&q);
	q.xq_nids = 0;
	q.xq_demog.md_birth[0] = '\0';
	assert_int_equal(xcpd_build_query(&q, &sb), XCPD_ERR_MISSING);
	jp_query(&q);
	SET(q.xq_sender_hcid, "1.2.3");	/* not urn:oid: */
	assert_int_equal(xcpd_build_query(&q, &sb), XCPD_ERR_VALUE);
	strbuf_reset(&sb);
	jp_query(&q);
	SET(q.xq_demog.md_kanji.mn_given, "太\x01郎");	/* XML cannot carry it */
	assert_int_equal(xcpd_build_query(&q, &sb), XCPD_ERR_VALUE);
	strbuf_reset(&sb);

	jp_query(&q);
	answer_base(&a, XCPD_QRC_OK);	/* OK without a match */
	assert_int_equal(xcpd_build_answer(&q, &a, &sb), XCPD_ERR_VALUE);
	a.xa_qrc = XCPD_QRC_NF;
	a.xa_ack = XCPD_ACK_AE;		/* NF is AA */
	assert_int_equal(xcpd_build_answer(&q, &a, &sb), XCPD_ERR_VALUE);
	answer_base(&a, XCPD_QRC_OK);
	assert_non_null(xcpd_answer_add(&a));
	SET(a.xa_matches[0].xm_pid, "no-authority");
	assert_int_equal(xcpd_build_answer(&q, &a, &sb), XCPD_ERR_VALUE);
	strbuf_reset(&sb);
	xcpd_answer_reset(&a);
}

/* ---- malformed input ---- */

struct bad_query {
	const char	*old, *new;
	enum xcpd_err	 err;
	const char	*where;
};

static const struct bad_query bad_queries[] = {
	/* (an element moved to another namespace is a missing one, and stays well-formed) */
	{ "<controlActProcess ", "<controlActProcess xmlns=\"urn:x\" ", XCPD_ERR_MISSING,
	    "controlActProcess" },
	{ "<queryByParameter>", "<queryByParameter xmlns=\"urn:x\">", XCPD_ERR_MISSING,
	    "queryByParameter" },
	{ "<parameterList>", "<parameterList xmlns=\"urn:x\">", XCPD_ERR_MISSING,
	    "parameterList" },
	{ "</parameterList>", "", XCPD_ERR_XML, "" },
	{ "19630805", "1963", XCPD_ERR_BIRTH, "livingSubjectBirthTime" },
	{ "19630805", "1963-08-05", XCPD_ERR_BIRTH, "livingSubjectBirthTime" },
	{ "19630805", "19630229", XCPD_ERR_BIRTH, "livingSubjectBirthTime" },
	{ "19630805", "19630800", XCPD_ERR_BIRTH, "livingSubjectBirthTime" },
	{ "<value code=\"M\"/>", "<value code=\"X\"/>", XCPD_ERR_VALUE,
	    "livingSubjectAdministrativeGender" },
	{ "<value code=\"M\"/>", "<value code=\"M\"/><value code=\"F\"/>", XCPD_ERR_VALUE,
	    "livingSubjectAdministrativeGender" },
	{ "<id root=\"1.2.3.928.955\"/>", "<id root=\"not-an-oid\"/>", XCPD_ERR_VALUE, "sender" },
	{ "<id root=\"1.2.840.114350.1.13.999.567\"/>", "<id/>", XCPD_ERR_MISSING, "sender" },
	{ "<id root=\"1.2.840.114350.1.13.0.1.7.1.1\" extension=\"35423\"/>", "", XCPD_ERR_MISSING,
	    "id" },
	{ "<queryId root=\"1.2.840.114350.1.13.28.1.18.5.999\" extension=\"18204\"/>", "",
	    XCPD_ERR_MISSING, "queryId" },
	{ "<value root=\"2.16.840.1.113883.4.1\" extension=\"58910\"/>", "<value extension=\"5\"/>",
	    XCPD_ERR_MISSING, "livingSubjectId" },
	{ "<family>Jones</family>", "<family>" "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789</family>", XCPD_ERR_TOO_LONG,
	    "livingSubjectName" },
};

static void
test_malformed_query(void **state)
{
	struct xcpd_query q;
	const char *where;
	size_t len, i;
	char *sample = conformance_read(S_REQ, &len), *doc, *doc2;
	const char *dtd = "<!DOCTYPE x [<!ENTITY e \"e\">]>"
	    "<PRPA_IN201305UV02 xmlns=\"urn:hl7-org:v3\"/>";
	struct strbuf sb = { 0 };

	(void)state;
	for (i = 0; i < sizeof(bad_queries) / sizeof(bad_queries[0]); i++) {
		const struct bad_query *b = &bad_queries[i];

		doc = replace(sample, b->old, b->new);
		where = "unset";
		if (xcpd_parse_query_buf(doc, strlen(doc), &q, &where) != b->err)
			fail_msg("case %zu: got %s, want %s", i, xcpd_strerror(
			    xcpd_parse_query_buf(doc, strlen(doc), &q, &where)),
			    xcpd_strerror(b->err));
		assert_string_equal(where, b->where);
		assert_true(q.xq_flags & XCPD_QF_INCOMPLETE);
		free(doc);
	}

	/* The wrong message, in either direction. */
	doc = conformance_read(S_RESP, &len);
	assert_int_equal(xcpd_parse_query_buf(doc, len, &q, &where), XCPD_ERR_ROOT);
	free(doc);
	assert_int_equal(xcpd_parse_query_buf("<a/>", 4, &q, NULL), XCPD_ERR_ROOT);
	assert_int_equal(xcpd_parse_query_buf(dtd, strlen(dtd), &q, NULL), XCPD_ERR_XML);

	/* Nine ids are more than we take. */
	for (i = 0; i < 9; i++)
		strbuf_puts(&sb, "<livingSubjectId><value root=\"1.2.3\" extension=\"x\"/>"
		    "<semanticsText>LivingSubject.id</semanticsText></livingSubjectId>");
	strbuf_puts(&sb, "<livingSubjectName>");
	doc = replace(sample, "<livingSubjectName>", sb.sb_data);
	assert_int_equal(xcpd_parse_query_buf(doc, strlen(doc), &q, &where), XCPD_ERR_TOO_MANY);
	free(doc);
	strbuf_reset(&sb);

	/* Not errors: an unsupported parameter, a missing name (flags for a QE answer). */
	doc = replace(sample, "<livingSubjectName>", "<mothersMaidenName><value><family>Smith"
	    "</family></value><semanticsText>x</semanticsText></mothersMaidenName>"
	    "<livingSubjectName>");
	assert_int_equal(xcpd_parse_query_buf(doc, strlen(doc), &q, NULL), XCPD_OK);
	assert_int_equal(q.xq_flags, XCPD_QF_UNSUPPORTED);
	free(doc);
	doc = replace(sample, "<given>Jimmy</given>\n                        <family>Jones</family>",
	    "");
	assert_int_equal(xcpd_parse_query_buf(doc, strlen(doc), &q, NULL), XCPD_OK);
	assert_int_equal(q.xq_flags, 0);	/* the ids still make it a valid query */
	/* Without the ids too, the query misses what it needs. */
	doc2 = replace(doc, "<value root=\"1.2.840.114350.1.13.99997.2.3412\" extension=\"1234\"/>",
	    "");
	free(doc);
	doc = replace(doc2, "<value root=\"2.16.840.1.113883.4.1\" extension=\"58910\"/>", "");
	free(doc2);
	assert_int_equal(xcpd_parse_query_buf(doc, strlen(doc), &q, NULL), XCPD_OK);
	assert_int_equal(q.xq_flags, XCPD_QF_MISSING);
	assert_int_equal(q.xq_nids, 0);
	free(doc);
	free(sample);
}

struct bad_answer {
	const char	*old, *new;
	enum xcpd_err	 err;
	const char	*where;
};

static const struct bad_answer bad_answers[] = {
	{ "<queryResponseCode code=\"OK\"/>", "<queryResponseCode code=\"NF\"/>", XCPD_ERR_VALUE,
	    "queryResponseCode" },
	{ "<queryResponseCode code=\"OK\"/>", "<queryResponseCode code=\"ZZ\"/>", XCPD_ERR_VALUE,
	    "queryAck" },
	{ "<typeCode code=\"AA\"/>", "<typeCode code=\"AE\"/>", XCPD_ERR_VALUE,
	    "queryResponseCode" },
	{ "<typeCode code=\"AA\"/>", "", XCPD_ERR_MISSING, "acknowledgement" },
	{ "<queryAck>\n            <queryId root=\"1.2.840.114350.1.13.28.1.18.5.999\" "
	    "extension=\"18204\"/>\n            <queryResponseCode code=\"OK\"/>\n"
	    "        </queryAck>", "", XCPD_ERR_MISSING, "queryAck" },
	{ "extension=\"34827K410\"", "", XCPD_ERR_MISSING, "registrationEvent" },
	{ "extension=\"34827K410\"", "extension=\"3^4\"", XCPD_ERR_VALUE, "registrationEvent" },
	{ "<given>James</given>", "<given>James</given><given>"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789</given>", XCPD_ERR_TOO_LONG,
	    "registrationEvent" },
	{ "<administrativeGenderCode code=\"M\"/>", "<administrativeGenderCode code=\"Q\"/>",
	    XCPD_ERR_VALUE, "registrationEvent" },
};

static void
test_malformed_answer(void **state)
{
	struct xcpd_answer a;
	const char *where;
	size_t len, i;
	char *sample = conformance_read(S_RESP, &len), *doc, *p;
	struct strbuf sb = { 0 };

	(void)state;
	xcpd_answer_init(&a);
	for (i = 0; i < sizeof(bad_answers) / sizeof(bad_answers[0]); i++) {
		const struct bad_answer *b = &bad_answers[i];

		doc = replace(sample, b->old, b->new);
		where = "unset";
		if (xcpd_parse_answer_buf(doc, strlen(doc), &a, &where) != b->err)
			fail_msg("case %zu: got %s, want %s", i, xcpd_strerror(
			    xcpd_parse_answer_buf(doc, strlen(doc), &a, &where)),
			    xcpd_strerror(b->err));
		assert_string_equal(where, b->where);
		xcpd_answer_reset(&a);
		free(doc);
	}
	doc = conformance_read(S_REQ, &len);
	assert_int_equal(xcpd_parse_answer_buf(doc, len, &a, &where), XCPD_ERR_ROOT);
	free(doc);

	/* 101 matches: the first subject repeated. */
	p = strstr(sample, "<subject typeCode=\"SUBJ\">");
	assert_non_null(p);
	len = (size_t)(strstr(p, "</subject>") + strlen("</subject>") - p);
	for (i = 0; i < XCPD_MAX_MATCHES + 1; i++)
		strbuf_add(&sb, p, len);
	strbuf_puts(&sb, "<queryAck>");
	doc = replace(sample, "<queryAck>", sb.sb_data);
	assert_int_equal(xcpd_parse_answer_buf(doc, strlen(doc), &a, &where), XCPD_ERR_TOO_MANY);
	assert_string_equal(where, "registrationEvent");
	xcpd_answer_reset(&a);
	free(doc);
	strbuf_reset(&sb);
	free(sample);
}

/* ---- xs:duration ---- */

static void
test_ttl(void **state)
{
	static const struct { const char *s; long v; } ok[] = {
		{ "P1D", 86400 }, { "PT1H", 3600 }, { "PT1M", 60 }, { "PT1S", 1 },
		{ "P1Y", 365L * 86400 }, { "P1M", 30L * 86400 }, { "P0D", 0 }, { "PT0S", 0 },
		{ "P1Y2M3DT4H5M6S", 365L * 86400 + 60L * 86400 + 3 * 86400 + 4 * 3600 + 306 },
		{ " \n P7D\t ", 7L * 86400 }, { "PT1.5S", 1 }, { "PT90M", 5400 },
		{ "P10000D", 864000000L },
	};
	static const char *const bad[] = {
		"", "P", "PT", "P1DT", "-P1D", "1D", "P1H", "PT1D", "P1M1Y", "P1D1D", "P1.5D",
		"PT.5S", "PT1.S", "PT1.5M", "P 1D", "p1d", "P1d", "PT1S2M", "PTT1S", "P1DT1HT1M",
		"P1D x", "P99999999999999999999D", "P9223372036854775807Y", "P+1D", "PD",
	};
	long v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = -1;
		if (xcpd_parse_ttl(ok[i].s, &v) != 0)
			fail_msg("\"%s\" refused", ok[i].s);
		assert_int_equal(v, ok[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = -7;
		if (xcpd_parse_ttl(bad[i], &v) != -1)
			fail_msg("\"%s\" accepted as %ld", bad[i], v);
		assert_int_equal(v, -7);
	}
	assert_int_equal(xcpd_parse_ttl(NULL, &v), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipf_request),
		cmocka_unit_test(test_parse_ipf_response),
		cmocka_unit_test(test_parse_nist_response),
		cmocka_unit_test(test_parse_variants),
		cmocka_unit_test(test_build_query_jp),
		cmocka_unit_test(test_build_answer_ok),
		cmocka_unit_test(test_build_answer_nf),
		cmocka_unit_test(test_build_answer_errors),
		cmocka_unit_test(test_build_refusals),
		cmocka_unit_test(test_malformed_query),
		cmocka_unit_test(test_malformed_answer),
		cmocka_unit_test(test_ttl),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
