/*
 * tests/unit/test_scn_xds: the scenario runner's ITI-38 / ITI-39 messages (gateway/scn_xds).
 * Requests are read back as a gateway reads them (soap_parse, requester_read,
 * retrieve_parse), validated against xsd/wrappers/xds-soap12.xsd, and answered by the real
 * responding code: two regions' embedded registries (regstore in a temp dir) run the query
 * with the stored-query engine and the retrieve with the streamed repository answer; the
 * initiating gateway's merge is rebuilt from its own pieces (objmerge, regerr,
 * ig_unavailable, retrieve_mem) and the parsers read the result. Faults, third-party
 * (NIST) answers, malformed answers and every prefix of valid answers are checked too.
 */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/actions.h"
#include "gateway/config.h"
#include "gateway/ebrim.h"
#include "gateway/ig_int.h"
#include "gateway/mtom.h"
#include "gateway/objmerge.h"
#include "gateway/regerr.h"
#include "gateway/registry.h"
#include "gateway/regstore.h"
#include "gateway/requester.h"
#include "gateway/retrieve.h"
#include "gateway/retrieve_mem.h"
#include "gateway/scn_xds.h"
#include "gateway/soap.h"
#include "gateway/sq_exec.h"
#include "gateway/sq_params.h"

#include "tests/unit/conformance.h"
#include "tests/unit/sor_builder.h"
#include "tests/unit/tmpdir.h"

#define HOME_A		"urn:oid:1.2.392.200119.6.1001"
#define HOME_B		"urn:oid:1.2.392.200119.6.1002"
#define HOME_C		"urn:oid:1.2.392.200119.6.1003"
#define REPO_A		REPO				/* sor_builder's */
#define REPO_B		"1.2.392.200119.6.1002.2"
#define PID_ID		"P00123"
#define PID_AA		"1.2.392.100495.20.3.51.1"	/* PID is PID_ID in PID_AA */
#define IG_URL		"https://127.0.0.1:8443/ig"
#define NO_CONSENT	"patient consent: no consent"
#define REASON_JA	"救急搬送、意識レベル低下"

/* One region's embedded registry and repository, with documents of patient PID. */
struct region {
	const char		*name, *home, *repo;
	int			 ndocs;
	struct regstore		*rs;
	struct sub		 sub;
	char			 text[3][160];	/* document i's bytes */
	char			 uid[3][96];	/* document i's uniqueId */
};

static struct region regions[2] = {
	{ "okayama", HOME_A, REPO_A, 2, NULL, { 0 }, { "" }, { "" } },
	{ "shimane", HOME_B, REPO_B, 1, NULL, { 0 }, { "" }, { "" } },
};
static char tmpdir[256];
static xmlSchemaPtr schema;

static const struct scn_xds_caller clinician = { IG_URL, "clinical", "dr-mori", NULL };

/* ---- fixtures ---- */

static void
region_open(struct region *r)
{
	struct regstore_content c[3];
	struct reg_errors errs = { 0 };
	char dir[320], *xml;
	enum xml_err xerr;
	xmlDocPtr doc;
	int i;

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, r->name);
	assert_non_null(r->rs = regstore_open(dir, 16u << 20));
	sub_init(&r->sub, r->ndocs);
	memset(c, 0, sizeof(c));
	for (i = 0; i < r->ndocs; i++) {
		content_text(&r->sub, i, r->text[i], sizeof(r->text[i]));
		uid_of(&r->sub, i + 1, r->uid[i], sizeof(r->uid[i]));
		c[i].rc_entry_id = r->sub.id[i];
		c[i].rc_data = (const uint8_t *)r->text[i];
		c[i].rc_len = strlen(r->text[i]);
	}
	xml = sub_xml(&r->sub);
	assert_non_null(doc = xml_parse_safe(xml, strlen(xml), NULL, &xerr));
	if (regstore_submit(r->rs, xmlDocGetRootElement(doc), c, (size_t)r->ndocs, r->repo,
	    &errs) == -1)
		fail_msg("submission to %s refused: %s", r->name, errs.rl_n > 0 ?
		    errs.rl_err[0].re_context : "?");
	xmlFreeDoc(doc);
	free(xml);
}

static int
setup(void **state)
{
	char path[1200];
	xmlSchemaParserCtxtPtr pc;
	size_t i;

	(void)state;
	xml_init();
	snprintf(path, sizeof(path), "%s/xsd/wrappers/xds-soap12.xsd", conformance_dir());
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL)
		return -1;
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (schema == NULL)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hashi-scn-xds.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	for (i = 0; i < 2; i++)
		region_open(&regions[i]);
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++)
		regstore_close(regions[i].rs);
	xmlSchemaFree(schema);
	xmlCleanupParser();
	return tmpdir_remove(tmpdir) == 0 ? 0 : -1;
}

/* ---- helpers ---- */

static void
schema_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	print_message("xsd: line %d: %s", e->line, e->message != NULL ? e->message : "?\n");
}

/* Returns 0 when XML[0..LEN) validates against the XDS driver schema (errors printed). */
static int
validate(const void *xml, size_t len)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET);
	xmlSchemaValidCtxtPtr vc;
	int rc;

	if (doc == NULL)
		return -1;
	assert_non_null(vc = xmlSchemaNewValidCtxt(schema));
	xmlSchemaSetValidStructuredErrors(vc, schema_error, NULL);
	rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	return rc;
}

/* Parses REQ as the gateway's /ig endpoint does (request mode). */
static struct soap_msg *
gw_read(const struct scn_xds_req *req)
{
	struct soap_msg *msg = NULL;
	struct soap_fault f;

	if (soap_parse(req->body, req->len, req->content_type, NULL, &msg, &f) == -1)
		fail_msg("the gateway refuses the request: %s", f.sf_reason);
	return msg;
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

static void
query_req(const struct scn_xds_caller *who, struct scn_xds_req *req)
{
	char cx[128], err[160];

	assert_int_equal(scn_xds_cx(cx, sizeof(cx), PID_ID, PID_AA), 0);
	if (scn_xds_query(who, cx, req, err, sizeof(err)) == -1)
		fail_msg("scn_xds_query: %s", err);
}

/* The AdhocQueryResponse region R's responding gateway gives to REQ: the stored-query
 * engine over its registry under the ITI-38 rules (malloc'd). */
static char *
rg_query(const struct region *r, const struct scn_xds_req *req)
{
	struct sq_context ctx = { r->home, 1, 0 };
	struct soap_msg *msg = gw_read(req);
	struct strbuf out = { 0 };

	assert_int_equal(sq_run(r->rs, soap_msg_payload(msg), &ctx, &out), 0);
	soap_msg_free(msg);
	return strbuf_take(&out, NULL);
}

/* A responding gateway's consent refusal of a whole query (as consent_gate writes it). */
static char *
rg_refusal(const char *home)
{
	struct reg_errors errs = { 0 };
	struct strbuf sb = { 0 };

	regerr_add(&errs, 0, REGERR_CONSENT_REQUIRED, home, "patient consent: %s", "no consent");
	strbuf_printf(&sb, "<query:AdhocQueryResponse xmlns:query=\"%s\" xmlns:rim=\"%s\" "
	    "xmlns:rs=\"%s\" status=\"%s\">", NS_QUERY, NS_RIM, NS_RS, RS_STATUS_FAILURE);
	regerr_render(&errs, &sb);
	strbuf_puts(&sb, "<rim:RegistryObjectList/></query:AdhocQueryResponse>");
	regerr_clear(&errs);
	return strbuf_take(&sb, NULL);
}

/* The initiating gateway's answer to the local system, as ig_query_done builds it: the
 * peers' answers ANSWERS[i] from community HOMES[i] merged (errors taken over, objects
 * moved), the peers DOWN (names and HCIDs) made XDSUnavailableCommunity, EXTRA errors
 * added, and the envelope with RelatesTo RELATES_TO. Returns the envelope (malloc'd). */
static char *
ig_answer(char **answers, const char *const *homes, size_t n, const char *const *down,
    size_t ndown, struct reg_errors *extra, const char *relates_to, size_t *lenp)
{
	struct reg_errors errs = { 0 };
	struct objmerge *om = objmerge_new();
	struct strbuf sb = { 0 }, env = { 0 };
	xmlNodePtr resp, obj, next;
	enum xml_err xerr;
	xmlDocPtr doc;
	size_t i;

	assert_non_null(om);
	for (i = 0; i < n; i++) {
		assert_non_null(doc = xml_parse_safe(answers[i], strlen(answers[i]), NULL, &xerr));
		resp = xmlDocGetRootElement(doc);
		regerr_take_list(&errs, xml_child(resp, NS_RS, "RegistryErrorList"),
		    "XDSRegistryError", homes[i]);
		for (obj = xml_child(xml_child(resp, NS_RIM, "RegistryObjectList"), NULL, NULL);
		    obj != NULL; obj = next) {
			next = xml_next(obj, NULL, NULL);
			assert_int_equal(objmerge_take(om, obj), 0);
		}
		xmlFreeDoc(doc);
	}
	for (i = 0; i < ndown; i++) {
		struct peer p = { 0 };

		p.pr_name = (char *)(uintptr_t)down[2 * i];
		p.pr_hcid = (char *)(uintptr_t)down[2 * i + 1];
		ig_unavailable(&errs, &p, "timeout");
	}
	if (extra != NULL)
		assert_int_equal(regerr_move(&errs, extra), 0);
	strbuf_printf(&sb, "<query:AdhocQueryResponse xmlns:query=\"%s\" xmlns:rim=\"%s\" "
	    "xmlns:rs=\"%s\" status=\"%s\">", NS_QUERY, NS_RIM, NS_RS,
	    regerr_status(&errs, objmerge_count(om) > 0));
	regerr_render(&errs, &sb);
	objmerge_write(om, &sb);
	strbuf_puts(&sb, "</query:AdhocQueryResponse>");
	assert_false(sb.sb_failed);
	assert_int_equal(soap_build_response(&env, ACTION_ITI38_RESP, relates_to, sb.sb_data),
	    0);
	regerr_clear(&errs);
	objmerge_free(om);
	strbuf_reset(&sb);
	return strbuf_take(&env, lenp);
}

static void
assert_str(const char *got, const char *want)
{
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

/* The document of A with uniqueId UID, or a failed test. */
static const struct scn_xds_doc *
doc_of(const struct scn_xds_answer *a, const char *uid)
{
	size_t i;

	for (i = 0; i < a->ndocs; i++)
		if (a->docs[i].uid != NULL && strcmp(a->docs[i].uid, uid) == 0)
			return &a->docs[i];
	fail_msg("no document %s in the answer", uid);
	return NULL;
}

/* Checks the DocumentEntries of region R in query answer A. */
static void
assert_entries(const struct scn_xds_answer *a, const struct region *r)
{
	char title[64];
	int i;

	assert_int_equal(scn_xds_count_home(a, r->home), (size_t)r->ndocs);
	for (i = 0; i < r->ndocs; i++) {
		const struct scn_xds_doc *d = doc_of(a, r->uid[i]);

		snprintf(title, sizeof(title), "診療情報提供書 %d", i);
		assert_str(d->home, r->home);
		assert_str(d->repo, r->repo);
		assert_str(d->patient, PID);
		assert_str(d->class_code, "11");
		assert_str(d->title, title);
		assert_str(d->mime, "text/xml");
		assert_null(d->data);
	}
}

/* ---- requests ---- */

static void
test_cx(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(scn_xds_cx(buf, sizeof(buf), PID_ID, PID_AA), 0);
	assert_string_equal(buf, PID);
	assert_int_equal(scn_xds_cx(buf, sizeof(buf), "P^1", PID_AA), -1);
	assert_int_equal(scn_xds_cx(buf, sizeof(buf), "P&1", PID_AA), -1);
	assert_int_equal(scn_xds_cx(buf, sizeof(buf), "O'Hara", PID_AA), -1);
	assert_int_equal(scn_xds_cx(buf, sizeof(buf), "P\n1", PID_AA), -1);
	assert_int_equal(scn_xds_cx(buf, sizeof(buf), "", PID_AA), -1);
	assert_int_equal(scn_xds_cx(buf, sizeof(buf), PID_ID, "1.02.3"), -1);
	assert_int_equal(scn_xds_cx(buf, sizeof(buf), PID_ID, "urn:oid:1.2.3"), -1);
	assert_int_equal(scn_xds_cx(buf, sizeof(buf), NULL, PID_AA), -1);
	assert_int_equal(scn_xds_cx(buf, 10, PID_ID, PID_AA), -1);	/* does not fit */
}

/* The query reads back as the gateway reads it: ITI-38 action, To, MessageID, purpose,
 * no Requester without a reason; it is schema-valid, and the responding engine answers it
 * with the patient's documents. */
static void
test_query_request(void **state)
{
	struct scn_xds_req req;
	struct requester rq;
	struct soap_msg *msg;
	xmlNodePtr value;
	char *v, *answer;

	(void)state;
	query_req(&clinician, &req);
	assert_non_null(strstr(req.content_type, "application/soap+xml"));
	assert_non_null(strstr(req.content_type, "action=\"" ACTION_ITI38 "\""));
	assert_int_equal(strlen((const char *)req.body), req.len);
	assert_int_equal(validate(req.body, req.len), 0);
	msg = gw_read(&req);
	assert_int_equal(soap_msg_txn(msg), TXN_ITI38);
	assert_string_equal(soap_msg_wsa(msg)->wa_action, ACTION_ITI38);
	assert_string_equal(soap_msg_wsa(msg)->wa_to, IG_URL);
	assert_string_equal(soap_msg_wsa(msg)->wa_message_id, req.message_id);
	assert_true(ebrim_is_uuid_urn(req.message_id));
	requester_read(msg, &rq);
	assert_string_equal(rq.rq_purpose, "clinical");
	assert_int_equal(rq.rq_present, 0);
	assert_null(strstr((const char *)req.body, "Requester"));
	/* FindDocuments, the patient, Approved, LeafClass */
	assert_true(xml_is(soap_msg_payload(msg), NS_QUERY, "AdhocQueryRequest"));
	v = xml_attr(xml_child(soap_msg_payload(msg), NS_RIM, "AdhocQuery"), "id");
	assert_str(v, SQ_ID_FIND_DOCUMENTS);
	free(v);
	value = sq_pid_value(xml_child(soap_msg_payload(msg), NS_RIM, "AdhocQuery"));
	v = xml_text(value);
	assert_str(v, "'" PID "'");
	free(v);
	v = xml_attr(xml_child(soap_msg_payload(msg), NS_QUERY, "ResponseOption"), "returnType");
	assert_str(v, "LeafClass");
	free(v);
	assert_non_null(strstr((const char *)req.body, STATUS_APPROVED));
	soap_msg_free(msg);

	answer = rg_query(&regions[0], &req);
	assert_non_null(strstr(answer, RS_STATUS_SUCCESS));
	assert_non_null(strstr(answer, regions[0].uid[0]));
	assert_non_null(strstr(answer, regions[0].uid[1]));
	free(answer);
	scn_xds_req_reset(&req);
	assert_null(req.body);
	scn_xds_req_reset(NULL);
}

/* hashi:Requester: with a reason, user and reason read back (Japanese kept); with the
 * emergency purpose and no reason, the user alone (which the gateway treats as no
 * Requester, so break-glass is refused); without either, none. */
static void
test_query_requester(void **state)
{
	struct scn_xds_caller who = { IG_URL, "emergency", "dr-kimura", REASON_JA };
	struct scn_xds_req req;
	struct requester rq;
	struct soap_msg *msg;

	(void)state;
	query_req(&who, &req);
	assert_int_equal(validate(req.body, req.len), 0);
	msg = gw_read(&req);
	requester_read(msg, &rq);
	assert_int_equal(rq.rq_present, 1);
	assert_string_equal(rq.rq_user, "dr-kimura");
	assert_string_equal(rq.rq_reason, REASON_JA);
	assert_string_equal(rq.rq_purpose, "emergency");
	soap_msg_free(msg);
	scn_xds_req_reset(&req);

	who.reason = NULL;
	query_req(&who, &req);
	assert_int_equal(validate(req.body, req.len), 0);
	assert_non_null(strstr((const char *)req.body, "<hashi:user>dr-kimura</hashi:user>"));
	assert_null(strstr((const char *)req.body, "hashi:reason"));
	msg = gw_read(&req);
	requester_read(msg, &rq);
	assert_int_equal(rq.rq_present, 0);
	assert_string_equal(rq.rq_purpose, "emergency");
	soap_msg_free(msg);
	scn_xds_req_reset(&req);

	/* a reason with the clinical purpose is sent too; markup in it is escaped */
	who.purpose = "clinical";
	who.reason = "<b>&\"follow-up\"";
	query_req(&who, &req);
	msg = gw_read(&req);
	requester_read(msg, &rq);
	assert_int_equal(rq.rq_present, 1);
	assert_string_equal(rq.rq_reason, "<b>&\"follow-up\"");
	soap_msg_free(msg);
	scn_xds_req_reset(&req);

	/* no caller at all: no header block, no wsa:To */
	assert_int_equal(scn_xds_query(NULL, PID, &req, NULL, 0), 0);
	assert_null(strstr((const char *)req.body, "hashi:"));
	assert_null(strstr((const char *)req.body, "wsa:To"));
	scn_xds_req_reset(&req);

	/* no purpose, no To: neither block nor wsa:To */
	who.to = NULL;
	who.purpose = NULL;
	who.reason = NULL;
	query_req(&who, &req);
	assert_null(strstr((const char *)req.body, "hashi:"));
	msg = gw_read(&req);
	assert_null(soap_msg_wsa(msg)->wa_to);
	requester_read(msg, &rq);
	assert_string_equal(rq.rq_purpose, "");
	soap_msg_free(msg);
	scn_xds_req_reset(&req);
}

/* What the gateway would cut or refuse is refused here, with the request left empty. */
static void
test_request_refused(void **state)
{
	struct scn_xds_caller who = clinician;
	struct scn_xds_docref ok = { HOME_A, REPO_A, "1.2.3" }, bad = ok;
	struct scn_xds_req req;
	char err[160], lng[300];

	(void)state;
	assert_int_equal(scn_xds_query(&who, "P1", &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CX"));
	assert_null(req.body);
	assert_int_equal(scn_xds_query(&who, "O'H^^^&1.2.3&ISO", &req, err, sizeof(err)), -1);
	assert_int_equal(scn_xds_query(&who, NULL, &req, NULL, 0), -1);
	memset(lng, 'u', sizeof(lng));
	lng[REQUESTER_USER_MAX] = '\0';			/* one byte too many */
	who.user = lng;
	assert_int_equal(scn_xds_query(&who, PID, &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "user"));
	lng[REQUESTER_USER_MAX - 1] = '\0';		/* fits */
	assert_int_equal(scn_xds_query(&who, PID, &req, err, sizeof(err)), 0);
	scn_xds_req_reset(&req);
	who = clinician;
	memset(lng, 'r', sizeof(lng));
	lng[REQUESTER_REASON_MAX] = '\0';
	who.reason = lng;
	assert_int_equal(scn_xds_query(&who, PID, &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reason"));
	who = clinician;
	who.purpose = "clinical care";
	assert_int_equal(scn_xds_query(&who, PID, &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "purpose"));
	who = clinician;
	assert_int_equal(scn_xds_retrieve(&who, &ok, 0, &req, err, sizeof(err)), -1);
	assert_int_equal(scn_xds_retrieve(&who, NULL, 1, &req, err, sizeof(err)), -1);
	bad.uid = "";
	assert_int_equal(scn_xds_retrieve(&who, &bad, 1, &req, err, sizeof(err)), -1);
	bad.uid = "1.2 3";
	assert_int_equal(scn_xds_retrieve(&who, &bad, 1, &req, err, sizeof(err)), -1);
	bad.uid = "1.2.3";
	bad.home = NULL;
	assert_int_equal(scn_xds_retrieve(&who, &bad, 1, &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "document 1"));
	assert_null(req.body);
}

/* The retrieve reads back as ITI-39 with the DocumentRequests in order (retrieve_parse,
 * as the gateway does) and is schema-valid. */
static void
test_retrieve_request(void **state)
{
	struct scn_xds_docref refs[2] = {
		{ HOME_A, REPO_A, regions[0].uid[0] }, { HOME_B, REPO_B, regions[1].uid[0] } };
	struct scn_xds_caller who = { IG_URL, "emergency", "dr-kimura", REASON_JA };
	struct reg_errors errs = { 0 };
	struct retrieve_set set;
	struct scn_xds_req req;
	struct requester rq;
	struct soap_msg *msg;
	char err[160];

	(void)state;
	assert_int_equal(scn_xds_retrieve(&who, refs, 2, &req, err, sizeof(err)), 0);
	assert_non_null(strstr(req.content_type, "action=\"" ACTION_ITI39 "\""));
	assert_int_equal(validate(req.body, req.len), 0);
	msg = gw_read(&req);
	assert_int_equal(soap_msg_txn(msg), TXN_ITI39);
	assert_string_equal(soap_msg_wsa(msg)->wa_message_id, req.message_id);
	requester_read(msg, &rq);
	assert_int_equal(rq.rq_present, 1);
	assert_string_equal(rq.rq_purpose, "emergency");
	assert_int_equal(retrieve_parse(soap_msg_payload(msg), &set, &errs), 0);
	assert_int_equal(errs.rl_n, 0);
	assert_int_equal(set.rs_n, 2);
	assert_str(set.rs_item[0].ri_home, HOME_A);
	assert_str(set.rs_item[0].ri_repo, REPO_A);
	assert_str(set.rs_item[0].ri_doc, regions[0].uid[0]);
	assert_str(set.rs_item[1].ri_home, HOME_B);
	assert_str(set.rs_item[1].ri_repo, REPO_B);
	assert_str(set.rs_item[1].ri_doc, regions[1].uid[0]);
	retrieve_set_free(&set);
	soap_msg_free(msg);
	scn_xds_req_reset(&req);
}

/* ---- query answers ---- */

/* Documents from two homes, as the initiating gateway merges the two responding gateways'
 * answers: Success, every entry with its home, ids, patient, class and title. */
static void
test_query_success(void **state)
{
	const char *homes[2] = { HOME_A, HOME_B };
	struct scn_xds_answer a = { 0 };
	struct scn_xds_req req;
	char *answers[2], *env;
	size_t len;

	(void)state;
	query_req(&clinician, &req);
	answers[0] = rg_query(&regions[0], &req);
	answers[1] = rg_query(&regions[1], &req);
	env = ig_answer(answers, homes, 2, NULL, 0, NULL, req.message_id, &len);
	assert_int_equal(validate(env, len), 0);
	assert_int_equal(scn_xds_parse_query((const uint8_t *)env, len, SOAP_CONTENT_TYPE,
	    req.message_id, &a), 0);
	assert_string_equal(a.error, "");
	assert_int_equal(a.fault, 0);
	assert_int_equal(a.mtom, 0);
	assert_string_equal(a.status, "Success");
	assert_int_equal(a.ndocs, 3);
	assert_int_equal(a.nerrors, 0);
	assert_entries(&a, &regions[0]);
	assert_entries(&a, &regions[1]);
	assert_int_equal(scn_xds_count_home(&a, HOME_C), 0);
	assert_null(scn_xds_find_error(&a, "XDSUnavailableCommunity", NULL));
	scn_xds_answer_reset(&a);
	assert_null(a.docs);
	scn_xds_answer_reset(NULL);
	free(env);
	free(answers[0]);
	free(answers[1]);
	scn_xds_req_reset(&req);
}

/* Okayama answers, Shimane refuses for want of consent, Tottori is down:
 * PartialSuccess with Okayama's documents, ConsentRequired at Shimane's HCID with its
 * codeContext, XDSUnavailableCommunity at Tottori's, and a Warning kept as one. */
static void
test_query_partial(void **state)
{
	const char *homes[2] = { HOME_A, HOME_B }, *down[2] = { "tottori", HOME_C };
	struct reg_errors extra = { 0 };
	struct scn_xds_answer a = { 0 };
	const struct scn_xds_error *e;
	struct scn_xds_req req;
	char *answers[2], *env;
	size_t len;

	(void)state;
	query_req(&clinician, &req);
	answers[0] = rg_query(&regions[0], &req);
	answers[1] = rg_refusal(HOME_B);
	/* as ig_query_excluded warns about a peer not asked */
	regerr_add(&extra, 1, REGERR_CONSENT_REQUIRED, "urn:oid:1.2.392.200119.6.1004",
	    "tokushima: not asked: %s", "no consent for clinical");
	env = ig_answer(answers, homes, 2, down, 1, &extra, req.message_id, &len);
	assert_int_equal(validate(env, len), 0);
	assert_int_equal(scn_xds_parse_query((const uint8_t *)env, len, SOAP_CONTENT_TYPE,
	    req.message_id, &a), 0);
	assert_string_equal(a.status, "PartialSuccess");
	assert_int_equal(a.ndocs, 2);
	assert_entries(&a, &regions[0]);
	assert_int_equal(scn_xds_count_home(&a, HOME_B), 0);
	assert_int_equal(a.nerrors, 3);
	assert_non_null(e = scn_xds_find_error(&a, REGERR_CONSENT_REQUIRED, HOME_B));
	assert_string_equal(e->context, NO_CONSENT);
	assert_int_equal(e->warning, 0);
	assert_non_null(e = scn_xds_find_error(&a, "XDSUnavailableCommunity", HOME_C));
	assert_string_equal(e->context, "tottori: timeout");
	assert_int_equal(e->warning, 0);
	assert_null(scn_xds_find_error(&a, "XDSUnavailableCommunity", HOME_B));
	assert_non_null(e = scn_xds_find_error(&a, REGERR_CONSENT_REQUIRED,
	    "urn:oid:1.2.392.200119.6.1004"));
	assert_int_equal(e->warning, 1);
	assert_non_null(strstr(e->context, "tokushima"));
	scn_xds_answer_reset(&a);
	free(env);
	free(answers[0]);
	free(answers[1]);
	scn_xds_req_reset(&req);
}

/* Nobody releases anything: Failure, no documents, both errors. */
static void
test_query_failure(void **state)
{
	const char *homes[1] = { HOME_B }, *down[2] = { "okayama", HOME_A };
	struct scn_xds_answer a = { 0 };
	const struct scn_xds_error *e;
	char *answers[1], *env;
	size_t len;

	(void)state;
	answers[0] = rg_refusal(HOME_B);
	env = ig_answer(answers, homes, 1, down, 1, NULL, "urn:uuid:x", &len);
	assert_int_equal(validate(env, len), 0);
	assert_int_equal(scn_xds_parse_query((const uint8_t *)env, len, SOAP_CONTENT_TYPE,
	    NULL, &a), 0);
	assert_string_equal(a.status, "Failure");
	assert_int_equal(a.ndocs, 0);
	assert_null(a.docs);
	assert_int_equal(a.nerrors, 2);
	assert_string_equal(a.errors[0].code, REGERR_CONSENT_REQUIRED);
	assert_string_equal(a.errors[0].location, HOME_B);
	assert_non_null(e = scn_xds_find_error(&a, "XDSUnavailableCommunity", NULL));
	assert_string_equal(e->location, HOME_A);
	scn_xds_answer_reset(&a);
	free(env);
	free(answers[0]);
}

/* A SOAP fault (as the gateway's dispatch writes one) is an answer: its code and reason,
 * nothing else; for either transaction. */
static void
test_fault(void **state)
{
	struct scn_xds_answer a = { 0 };
	struct soap_fault f;
	struct strbuf sb = { 0 };
	const char *ct = SOAP_CONTENT_TYPE "; action=\"" ACTION_WSA_SOAP_FAULT "\"";

	(void)state;
	soap_fault_set(&f, SOAP_FAULT_SENDER, NULL, "declared purpose %s is not the purpose "
	    "of the listener (tunnel) it arrived on: %s", "emergency", "clinical");
	assert_int_equal(soap_build_fault(&sb, &f, "urn:uuid:x"), 0);
	assert_int_equal(scn_xds_parse_query((const uint8_t *)sb.sb_data, sb.sb_len, ct,
	    "urn:uuid:other", &a), 0);
	assert_int_equal(a.fault, 1);
	assert_string_equal(a.fault_code, "Sender");
	assert_string_equal(a.fault_reason, f.sf_reason);
	assert_string_equal(a.status, "");
	assert_int_equal(a.ndocs + a.nerrors, 0);
	assert_string_equal(a.error, "");
	strbuf_reset(&sb);

	soap_fault_set(&f, SOAP_FAULT_RECEIVER, NULL, "the gateway could not build its answer");
	assert_int_equal(soap_build_fault(&sb, &f, NULL), 0);
	assert_int_equal(scn_xds_parse_retrieve((const uint8_t *)sb.sb_data, sb.sb_len, ct,
	    NULL, &a), 0);
	assert_int_equal(a.fault, 1);
	assert_string_equal(a.fault_code, "Receiver");
	assert_string_equal(a.fault_reason, "the gateway could not build its answer");
	scn_xds_answer_reset(&a);
	strbuf_reset(&sb);
}

/* A third party's answer (NIST XDS toolkit sample) reads too. */
static void
test_query_nist(void **state)
{
	struct scn_xds_answer a = { 0 };
	const struct scn_xds_doc *d;
	size_t len;
	char *buf = conformance_read("samples/nist-toolkit/soap-xcq-resp.xml", &len);

	(void)state;
	assert_int_equal(scn_xds_parse_query((const uint8_t *)buf, len, SOAP_CONTENT_TYPE,
	    NULL, &a), 0);
	assert_string_equal(a.status, "Success");
	assert_int_equal(a.ndocs, 2);
	assert_int_equal(scn_xds_count_home(&a, "urn:oid:2.3.4"), 2);
	d = doc_of(&a, "1.42.20100312104638.15");
	assert_str(d->repo, "1.19.6.24.109.42.1");
	assert_str(d->patient, "c4d77e21d0dd487^^^&1.3.6.1.4.1.21367.2005.3.7&ISO");
	assert_str(d->class_code, "History and Physical");
	assert_str(d->title, "DocA");
	assert_str(d->mime, "text/xml");
	scn_xds_answer_reset(&a);
	free(buf);
}

/* ---- retrieve answers ---- */

/* Pulls SRC (a body_source) to its end into OUT. */
static void
drain(struct body_source *src, struct evbuffer *out)
{
	int r, n = 0;

	while ((r = src->bs_pull(src->bs_ctx, out, 1000)) == 0)
		assert_true(++n < 100000);
	assert_int_equal(r, 1);
}

/* Region R's responding gateway's ITI-39 answer to REQ (its streamed repository answer,
 * RELEASE as the consent check), parsed as the initiating gateway reads it. */
static struct soap_msg *
rg_retrieve(const struct region *r, const struct scn_xds_req *req,
    const char *(*release)(void *, const char *))
{
	struct retrieve_ctx ctx = { r->home, r->repo, 1, ACTION_ITI39_RESP, NULL, release,
	    NULL };
	struct soap_msg *in = gw_read(req), *msg = NULL;
	struct reg_errors errs = { 0 };
	struct soap_limits lim = { 0 };
	struct evbuffer *body = evbuffer_new();
	struct retrieve_stream *st;
	struct retrieve_set set;
	struct soap_fault f;
	int rc;

	ctx.rc_relates_to = soap_msg_wsa(in)->wa_message_id;
	assert_int_equal(retrieve_parse(soap_msg_payload(in), &set, &errs), 0);
	assert_non_null(st = retrieve_stream_new(r->rs, &set, &ctx, &errs));
	while ((rc = retrieve_stream_pull(st, body, 4096)) == 0)
		;
	assert_int_equal(rc, 1);
	lim.sl_expect_response = 1;
	assert_int_equal(soap_parse(evbuffer_pullup(body, -1), evbuffer_get_length(body),
	    retrieve_stream_content_type(st), &lim, &msg, &f), 0);
	retrieve_stream_free(st);
	retrieve_set_free(&set);
	evbuffer_free(body);
	soap_msg_free(in);
	return msg;
}

static const char *
refuse_all(void *arg, const char *doc_uid)
{
	(void)arg;
	(void)doc_uid;
	return "no consent";
}

/* The initiating gateway's ITI-39 answer: each region I of REFS (asked for its own
 * documents) answers through rg_retrieve, with RELEASE[I]; the DocumentResponses go into
 * a retrieve_mem under the region's home (as ig_take_answer / ig_take_doc do); the body and
 * its Content-Type are returned in OUT / *CTP (malloc'd). */
static void
ig_retrieve_answer(const struct scn_xds_docref *refs, const size_t *nrefs,
    const char *(*const *release)(void *, const char *), const char *relates_to,
    struct evbuffer *out, char **ctp)
{
	struct retrieve_mem *rm = retrieve_mem_new();
	struct reg_errors errs = { 0 };
	struct body_source *src;
	struct scn_xds_req req;
	struct soap_msg *msg;
	xmlNodePtr rr, dr;
	char err[160];
	size_t i, off = 0;

	assert_non_null(rm);
	for (i = 0; i < 2; i++) {
		assert_int_equal(scn_xds_retrieve(&clinician, refs + off, nrefs[i], &req, err,
		    sizeof(err)), 0);
		off += nrefs[i];
		msg = rg_retrieve(&regions[i], &req, release[i]);
		scn_xds_req_reset(&req);
		assert_int_equal(retrieve_mem_keep(rm, msg), 0);
		rr = xml_child(soap_msg_payload(msg), NS_RS, "RegistryResponse");
		regerr_take_list(&errs, xml_child(rr, NS_RS, "RegistryErrorList"),
		    "XDSRepositoryError", regions[i].home);
		for (dr = xml_child(soap_msg_payload(msg), NS_XDSB, "DocumentResponse");
		    dr != NULL; dr = xml_next(dr, NS_XDSB, "DocumentResponse"))
			assert_int_equal(retrieve_mem_add(rm, msg, dr, regions[i].home), 0);
	}
	assert_non_null(src = retrieve_mem_source(rm, ACTION_ITI39_RESP, relates_to, &errs));
	*ctp = str_dup(src->bs_content_type);
	drain(src, out);
	src->bs_free(src->bs_ctx);
	free(src);
	regerr_clear(&errs);
}

/* Two documents from two homes in one MTOM answer: ids, mimeType and the exact bytes. */
static void
test_retrieve_mtom(void **state)
{
	struct scn_xds_docref refs[2] = {
		{ HOME_A, REPO_A, regions[0].uid[1] }, { HOME_B, REPO_B, regions[1].uid[0] } };
	const size_t nrefs[2] = { 1, 1 };
	const char *(*release[2])(void *, const char *) = { NULL, NULL };
	struct evbuffer *body = evbuffer_new();
	struct scn_xds_answer a = { 0 };
	const struct scn_xds_doc *d;
	char *ct;

	(void)state;
	ig_retrieve_answer(refs, nrefs, release, "urn:uuid:r1", body, &ct);
	assert_true(mtom_ct_is(ct, "multipart/related"));
	assert_int_equal(scn_xds_parse_retrieve(evbuffer_pullup(body, -1),
	    evbuffer_get_length(body), ct, "urn:uuid:r1", &a), 0);
	assert_string_equal(a.error, "");
	assert_int_equal(a.mtom, 1);
	assert_string_equal(a.status, "Success");
	assert_int_equal(a.nerrors, 0);
	assert_int_equal(a.ndocs, 2);
	d = &a.docs[0];
	assert_str(d->home, HOME_A);
	assert_str(d->repo, REPO_A);
	assert_str(d->uid, regions[0].uid[1]);
	assert_str(d->mime, "text/xml");
	assert_null(d->patient);
	assert_int_equal(d->len, strlen(regions[0].text[1]));
	assert_memory_equal(d->data, regions[0].text[1], d->len);
	d = &a.docs[1];
	assert_str(d->home, HOME_B);
	assert_str(d->repo, REPO_B);
	assert_str(d->uid, regions[1].uid[0]);
	assert_int_equal(d->len, strlen(regions[1].text[0]));
	assert_memory_equal(d->data, regions[1].text[0], d->len);
	/* the answer is for another request */
	assert_int_equal(scn_xds_parse_retrieve(evbuffer_pullup(body, -1),
	    evbuffer_get_length(body), ct, "urn:uuid:r2", &a), -1);
	assert_non_null(strstr(a.error, "RelatesTo"));
	assert_int_equal(a.ndocs, 0);
	/* and not an ITI-38 answer */
	assert_int_equal(scn_xds_parse_query(evbuffer_pullup(body, -1),
	    evbuffer_get_length(body), ct, NULL, &a), -1);
	assert_non_null(strstr(a.error, "wrong wsa:Action"));
	assert_non_null(strstr(a.error, ACTION_ITI39_RESP));
	scn_xds_answer_reset(&a);
	free(ct);
	evbuffer_free(body);
}

/* Shimane refuses its document for want of consent: PartialSuccess, Okayama's two
 * documents, ConsentRequired located at the refused document's uniqueId. */
static void
test_retrieve_partial(void **state)
{
	struct scn_xds_docref refs[3] = {
		{ HOME_A, REPO_A, regions[0].uid[0] }, { HOME_A, REPO_A, regions[0].uid[1] },
		{ HOME_B, REPO_B, regions[1].uid[0] } };
	const size_t nrefs[2] = { 2, 1 };
	const char *(*release[2])(void *, const char *) = { NULL, refuse_all };
	struct evbuffer *body = evbuffer_new();
	struct scn_xds_answer a = { 0 };
	const struct scn_xds_error *e;
	char *ct;

	(void)state;
	ig_retrieve_answer(refs, nrefs, release, NULL, body, &ct);
	assert_int_equal(scn_xds_parse_retrieve(evbuffer_pullup(body, -1),
	    evbuffer_get_length(body), ct, NULL, &a), 0);
	assert_string_equal(a.status, "PartialSuccess");
	assert_int_equal(a.ndocs, 2);
	assert_int_equal(scn_xds_count_home(&a, HOME_A), 2);
	assert_memory_equal(doc_of(&a, regions[0].uid[0])->data, regions[0].text[0],
	    strlen(regions[0].text[0]));
	assert_int_equal(a.nerrors, 1);
	assert_non_null(e = scn_xds_find_error(&a, REGERR_CONSENT_REQUIRED,
	    regions[1].uid[0]));
	assert_string_equal(e->context, NO_CONSENT);
	scn_xds_answer_reset(&a);
	free(ct);
	evbuffer_free(body);
}

/* A plain SOAP answer with inline base64 (NIST sample; its wsa:mustUnderstand defect
 * corrected, which soap_parse refuses as it stands). */
static void
test_retrieve_plain(void **state)
{
	static const char want[] = "R0lGODlhcgGSALMAAAQCAEMmCZtuMFQxDS8b";
	struct scn_xds_answer a = { 0 };
	size_t len;
	char *buf = conformance_read("samples/nist-toolkit/soap-xret-resp.xml", &len), *fixed;

	(void)state;
	assert_int_equal(scn_xds_parse_retrieve((const uint8_t *)buf, len, SOAP_CONTENT_TYPE,
	    NULL, &a), -1);
	assert_non_null(strstr(a.error, "mustUnderstand"));
	fixed = replace(buf, "a:mustUnderstand", "s:mustUnderstand");
	assert_int_equal(scn_xds_parse_retrieve((const uint8_t *)fixed, strlen(fixed),
	    SOAP_CONTENT_TYPE, "urn:uuid:0fbfdced-6c01-4d09-a110-2201afedaa02", &a), 0);
	assert_int_equal(a.mtom, 0);
	assert_string_equal(a.status, "Success");
	assert_int_equal(a.ndocs, 2);
	assert_str(a.docs[1].home, "urn:oid:1.2.3");
	assert_str(a.docs[1].repo, "1.3.6.1.4.1000");
	assert_str(a.docs[1].uid, "1.3.6.1.4.2300");
	assert_int_equal(a.docs[1].len, strlen(want));
	assert_memory_equal(a.docs[1].data, want, strlen(want));
	scn_xds_answer_reset(&a);
	free(fixed);
	free(buf);
}

/* ---- refusals ---- */

/* Parses the query answer ENV with OLD replaced by NEW and expects an error containing
 * WHY. */
static void
query_refused(const char *env, const char *old, const char *new, const char *why)
{
	struct scn_xds_answer a = { 0 };
	char *bad = replace(env, old, new);

	if (scn_xds_parse_query((const uint8_t *)bad, strlen(bad), SOAP_CONTENT_TYPE, NULL,
	    &a) != -1)
		fail_msg("accepted with %s replaced by %s", old, new);
	if (strstr(a.error, why) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", a.error, why);
	assert_int_equal(a.ndocs + a.nerrors, 0);
	assert_null(a.docs);
	assert_null(a.errors);
	assert_string_equal(a.status, "");
	free(bad);
}

/* Incomplete entries and errors, unknown statuses and severities, foreign payloads,
 * missing documents or bytes: each refused with a reason, nothing half-filled. */
static void
test_refusals(void **state)
{
	const char *homes[2] = { HOME_A, HOME_B }, *down[2] = { "tottori", HOME_C };
	struct scn_xds_answer a = { 0 };
	struct scn_xds_req req;
	char *answers[2], *env, *bad;
	size_t len;

	(void)state;
	query_req(&clinician, &req);
	answers[0] = rg_query(&regions[0], &req);
	answers[1] = rg_refusal(HOME_B);
	env = ig_answer(answers, homes, 2, down, 1, NULL, NULL, &len);
	query_refused(env, "home=\"" HOME_A "\"", "home=\"\"", "DocumentEntry 1 has no home");
	query_refused(env, UUID_DE_UNIQUEID, "urn:uuid:0", "has no uniqueId");
	query_refused(env, UUID_DE_PATIENTID, "urn:uuid:0", "has no patientId");
	query_refused(env, "\"repositoryUniqueId\"", "\"repo\"", "no repositoryUniqueId");
	query_refused(env, RS_STATUS_PARTIAL, "urn:x:Fine\xc3\xa9", "unknown status urn:x:Fine??");
	query_refused(env, "codeContext=", "codeContex=", "RegistryError 1 has no codeContext");
	query_refused(env, "errorCode=\"" REGERR_CONSENT_REQUIRED "\"", "errorCode=\"\"",
	    "RegistryError 1 has no errorCode");
	query_refused(env, "severity=\"" RS_SEVERITY_ERROR, "severity=\"urn:x:Fatal",
	    "unknown severity");
	query_refused(env, "<rs:RegistryError ", "<rs:Other/><rs:RegistryError ",
	    "unexpected element");
	query_refused(env, "status=", "statu=", "no status");
	query_refused(env, "AdhocQueryResponse xmlns", "AdhocQueryAnswer xmlns",
	    "malformed answer");	/* not well-formed: the end tag differs */
	query_refused(env, ACTION_ITI38_RESP, ACTION_ITI39_RESP, "wrong wsa:Action");
	query_refused(env, ACTION_ITI38_RESP, "urn:x:unknown", "malformed answer");
	free(env);

	/* an empty RegistryErrorList, a foreign payload */
	env = ig_answer(answers, homes, 1, NULL, 0, NULL, NULL, &len);
	bad = replace(env, "<rim:RegistryObjectList", "<rs:RegistryErrorList xmlns:rs=\""
	    NS_RS "\"/><rim:RegistryObjectList");
	assert_int_equal(scn_xds_parse_query((const uint8_t *)bad, strlen(bad),
	    SOAP_CONTENT_TYPE, NULL, &a), -1);
	assert_string_equal(a.error, "empty RegistryErrorList");
	free(bad);
	assert_int_equal(scn_xds_parse_retrieve((const uint8_t *)env, len, SOAP_CONTENT_TYPE,
	    NULL, &a), -1);
	assert_non_null(strstr(a.error, "wrong wsa:Action"));
	bad = replace(env, ACTION_ITI38_RESP, ACTION_ITI39_RESP);
	assert_int_equal(scn_xds_parse_retrieve((const uint8_t *)bad, strlen(bad),
	    SOAP_CONTENT_TYPE, NULL, &a), -1);
	assert_string_equal(a.error, "the answer is not a RetrieveDocumentSetResponse");
	free(bad);
	/* transport-level nonsense */
	assert_int_equal(scn_xds_parse_query(NULL, 0, SOAP_CONTENT_TYPE, NULL, &a), -1);
	assert_string_equal(a.error, "empty answer");
	assert_int_equal(scn_xds_parse_query((const uint8_t *)env, len, NULL, NULL, &a), -1);
	assert_string_equal(a.error, "answer without Content-Type");
	assert_int_equal(scn_xds_parse_query((const uint8_t *)"<html>502</html>", 16,
	    "text/html", NULL, &a), -1);
	assert_non_null(strstr(a.error, "malformed answer"));
	scn_xds_answer_reset(&a);
	free(env);
	free(answers[0]);
	free(answers[1]);
	scn_xds_req_reset(&req);
}

/* Parses the retrieve answer BODY with OLD replaced by NEW, expecting WHY. */
static void
retrieve_refused(const char *body, const char *old, const char *new, const char *why)
{
	struct scn_xds_answer a = { 0 };
	char *bad = replace(body, old, new);

	assert_int_equal(scn_xds_parse_retrieve((const uint8_t *)bad, strlen(bad),
	    SOAP_CONTENT_TYPE, NULL, &a), -1);
	if (strstr(a.error, why) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", a.error, why);
	assert_int_equal(a.ndocs, 0);
	free(bad);
}

static void
test_retrieve_refusals(void **state)
{
	size_t len;
	char *buf = conformance_read("samples/nist-toolkit/soap-xret-resp.xml", &len), *ok;

	(void)state;
	ok = replace(buf, "a:mustUnderstand", "s:mustUnderstand");
	retrieve_refused(ok, "<mimeType>text/xml</mimeType>", "", "DocumentResponse 1 has "
	    "no mimeType");
	retrieve_refused(ok, "<HomeCommunityId>urn:oid:1.2.3</HomeCommunityId>",
	    "<HomeCommunityId> </HomeCommunityId>", "has no HomeCommunityId");
	retrieve_refused(ok, "<Document>UjBs", "<Document>*jBs", "neither a resolvable");
	retrieve_refused(ok, "<Document>UjBsR09EbGhjZ0dTQUxNQUFBUUNBRU1tQ1p0dU1GUXhEUzhi"
	    "</Document>", "", "DocumentResponse 1 has no Document");
	retrieve_refused(ok, "<rs:RegistryResponse status=\"urn:oasis:names:tc:ebxml-regrep:"
	    "ResponseStatusType:Success\"/>", "", "no RegistryResponse");
	free(ok);
	free(buf);
}

/* ---- garbage ---- */

/* Every prefix of BODY (LEN bytes, whole answer) is refused with a reason, except the
 * whole (and, for MTOM, the whole without its final CRLF epilogue). */
static void
prefixes(const uint8_t *body, size_t len, const char *ct, int retrieve)
{
	struct scn_xds_answer a = { 0 };
	size_t n;
	int rc;

	for (n = 0; n <= len; n++) {
		rc = retrieve ? scn_xds_parse_retrieve(body, n, ct, NULL, &a) :
		    scn_xds_parse_query(body, n, ct, NULL, &a);
		if (rc == 0 && n + 2 < len)
			fail_msg("a prefix of %zu of %zu bytes was accepted", n, len);
		if (rc == -1) {
			assert_true(a.error[0] != '\0');
			assert_int_equal(a.ndocs + a.nerrors, 0);
		}
	}
	assert_int_equal(rc, 0);
	scn_xds_answer_reset(&a);
}

/* Mutates every seventh byte of BODY in turn (three ways) and parses: whatever comes out, nothing
 * crashes (valgrind watches), an error always has a reason and leaves nothing. */
static void
mutations(const uint8_t *body, size_t len, const char *ct, int retrieve)
{
	static const uint8_t subst[3] = { '<', 0xff, '\0' };
	struct scn_xds_answer a = { 0 };
	uint8_t *copy = malloc(len);
	size_t i, k;
	int rc;

	assert_non_null(copy);
	for (i = 0; i < len; i += 7) {
		for (k = 0; k < 3; k++) {
			memcpy(copy, body, len);
			copy[i] = subst[k];
			rc = retrieve ? scn_xds_parse_retrieve(copy, len, ct, NULL, &a) :
			    scn_xds_parse_query(copy, len, ct, NULL, &a);
			if (rc == -1) {
				assert_true(a.error[0] != '\0');
				assert_null(a.docs);
			}
		}
	}
	scn_xds_answer_reset(&a);
	free(copy);
}

static void
test_garbage_query(void **state)
{
	const char *homes[2] = { HOME_A, HOME_B }, *down[2] = { "tottori", HOME_C };
	struct scn_xds_answer a = { 0 };
	struct scn_xds_req req;
	char *answers[2], *env;
	uint8_t junk[4096];
	size_t len, i;
	uint32_t x = 12345;

	(void)state;
	query_req(&clinician, &req);
	answers[0] = rg_query(&regions[0], &req);
	answers[1] = rg_refusal(HOME_B);
	env = ig_answer(answers, homes, 2, down, 1, NULL, NULL, &len);
	prefixes((const uint8_t *)env, len, SOAP_CONTENT_TYPE, 0);
	mutations((const uint8_t *)env, len, SOAP_CONTENT_TYPE, 0);
	for (i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16);
	}
	assert_int_equal(scn_xds_parse_query(junk, sizeof(junk), SOAP_CONTENT_TYPE, NULL, &a),
	    -1);
	assert_int_equal(scn_xds_parse_query(junk, sizeof(junk), "multipart/related; "
	    "boundary=x; type=\"application/xop+xml\"", NULL, &a), -1);
	assert_true(a.error[0] != '\0');
	free(env);
	free(answers[0]);
	free(answers[1]);
	scn_xds_req_reset(&req);
}

static void
test_garbage_retrieve(void **state)
{
	struct scn_xds_docref refs[2] = {
		{ HOME_A, REPO_A, regions[0].uid[0] }, { HOME_B, REPO_B, regions[1].uid[0] } };
	const size_t nrefs[2] = { 1, 1 };
	const char *(*release[2])(void *, const char *) = { NULL, NULL };
	struct evbuffer *body = evbuffer_new();
	char *ct;

	(void)state;
	ig_retrieve_answer(refs, nrefs, release, NULL, body, &ct);
	prefixes(evbuffer_pullup(body, -1), evbuffer_get_length(body), ct, 1);
	mutations(evbuffer_pullup(body, -1), evbuffer_get_length(body), ct, 1);
	free(ct);
	evbuffer_free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cx),
		cmocka_unit_test(test_query_request),
		cmocka_unit_test(test_query_requester),
		cmocka_unit_test(test_request_refused),
		cmocka_unit_test(test_retrieve_request),
		cmocka_unit_test(test_query_success),
		cmocka_unit_test(test_query_partial),
		cmocka_unit_test(test_query_failure),
		cmocka_unit_test(test_fault),
		cmocka_unit_test(test_query_nist),
		cmocka_unit_test(test_retrieve_mtom),
		cmocka_unit_test(test_retrieve_partial),
		cmocka_unit_test(test_retrieve_plain),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_retrieve_refusals),
		cmocka_unit_test(test_garbage_query),
		cmocka_unit_test(test_garbage_retrieve),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
