/*
 * tests/unit/test_registry_remote: the pure parts of the remote registry backend
 * (gateway/registry_remote_msg.c, registry_remote_ret.c): XCA home rules on a query, home
 * removed before forwarding and stamped on the answer, the ITI-41 request rebuilt as MTOM
 * (parsed back with the SOAP layer, bytes compared), and the retrieve: HomeCommunityId rules,
 * the forwarded request, the repository's answer re-emitted as our MTOM response (parsed
 * back), failures and unexplained non-success.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/registry_remote_int.h"

#define HOME	"urn:oid:1.2.392.200119.6.1001"
#define OTHER	"urn:oid:1.2.392.200119.6.1002"
#define REPO	"1.2.392.200119.6.1003.2"
#define ENV_OPEN "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" " \
	"xmlns:wsa=\"http://www.w3.org/2005/08/addressing\"><env:Header>"

static xmlDocPtr
parse(const char *xml)
{
	enum xml_err e;
	xmlDocPtr doc = xml_parse_safe(xml, strlen(xml), NULL, &e);

	assert_non_null(doc);
	return doc;
}

/* An AdhocQueryRequest for stored query ID with HOME_ATTR (NULL = none) and SLOTS. */
static xmlDocPtr
query(const char *id, const char *home_attr, const char *slots)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "<query:AdhocQueryRequest xmlns:query=\"%s\" "
	    "xmlns:rim=\"%s\"><query:ResponseOption returnType=\"LeafClass\"/>"
	    "<rim:AdhocQuery id=\"%s\"%s%s%s>%s</rim:AdhocQuery></query:AdhocQueryRequest>",
	    NS_QUERY, NS_RIM, id, home_attr ? " home=\"" : "", home_attr ? home_attr : "",
	    home_attr ? "\"" : "", slots);
	return parse(buf);
}

#define PID_SLOT "<rim:Slot name=\"$XDSDocumentEntryPatientId\"><rim:ValueList><rim:Value>" \
	"'P0001^^^&amp;1.2.392.200119.6.1001.1&amp;ISO'</rim:Value></rim:ValueList></rim:Slot>"
#define UID_SLOT "<rim:Slot name=\"$XDSDocumentEntryUniqueId\"><rim:ValueList><rim:Value>" \
	"('1.2.3')</rim:Value></rim:ValueList></rim:Slot>"
#define HOME_SLOT(h) "<rim:Slot name=\"$homeCommunityId\"><rim:ValueList><rim:Value>'" h \
	"'</rim:Value></rim:ValueList></rim:Slot>"

/* Runs remote_home_check and returns its result; *CODE gets the first error code. */
static int
home_check(const char *id, const char *home_attr, const char *slots, char *code, size_t n)
{
	struct reg_errors errs = { 0 };
	xmlDocPtr doc = query(id, home_attr, slots);
	int r = remote_home_check(xmlDocGetRootElement(doc), HOME, &errs);

	snprintf(code, n, "%s", errs.rl_n > 0 ? errs.rl_err[0].re_code : "");
	assert_int_equal(errs.rl_n, r == 1 ? 1 : 0);
	regerr_clear(&errs);
	xmlFreeDoc(doc);
	return r;
}

static void
test_home_rules(void **state)
{
	char code[64];

	(void)state;
	/* a patient-id query needs no home */
	assert_int_equal(home_check(SQ_ID_FIND_DOCUMENTS, NULL, PID_SLOT, code, sizeof(code)), 0);
	/* GetDocuments without home: XDSMissingHomeCommunityId */
	assert_int_equal(home_check(SQ_ID_GET_DOCUMENTS, NULL, UID_SLOT, code, sizeof(code)), 1);
	assert_string_equal(code, "XDSMissingHomeCommunityId");
	/* our home, in either case */
	assert_int_equal(home_check(SQ_ID_GET_DOCUMENTS, HOME, UID_SLOT, code, sizeof(code)), 0);
	assert_int_equal(home_check(SQ_ID_GET_DOCUMENTS, "URN:OID:1.2.392.200119.6.1001",
	    UID_SLOT, code, sizeof(code)), 0);
	/* another community, as attribute or as the legacy slot */
	assert_int_equal(home_check(SQ_ID_FIND_DOCUMENTS, OTHER, PID_SLOT, code, sizeof(code)), 1);
	assert_string_equal(code, "XDSUnknownCommunity");
	assert_int_equal(home_check(SQ_ID_GET_DOCUMENTS, NULL, UID_SLOT HOME_SLOT(OTHER), code,
	    sizeof(code)), 1);
	assert_string_equal(code, "XDSUnknownCommunity");
	assert_int_equal(home_check(SQ_ID_GET_DOCUMENTS, NULL, UID_SLOT HOME_SLOT(HOME), code,
	    sizeof(code)), 0);
	/* an unknown query is the remote registry's to refuse */
	assert_int_equal(home_check("urn:uuid:00000000-0000-4000-8000-000000000000", NULL, "",
	    code, sizeof(code)), 0);
}

static void
test_strip_home(void **state)
{
	xmlDocPtr doc = query(SQ_ID_GET_DOCUMENTS, HOME, UID_SLOT HOME_SLOT(HOME));
	xmlNodePtr aq = xml_child(xmlDocGetRootElement(doc), NS_RIM, "AdhocQuery"), s;
	char *home, *name;
	int n = 0;

	(void)state;
	remote_strip_home(xmlDocGetRootElement(doc));
	home = xml_attr(aq, "home");
	assert_null(home);
	for (s = xml_child(aq, NS_RIM, "Slot"); s != NULL; s = xml_next(s, NS_RIM, "Slot")) {
		name = xml_attr(s, "name");
		assert_string_equal(name, "$XDSDocumentEntryUniqueId");
		free(name);
		n++;
	}
	assert_int_equal(n, 1);
	xmlFreeDoc(doc);
}

static void
test_stamp_home(void **state)
{
	char buf[1024];
	xmlDocPtr doc;
	xmlNodePtr list, o;
	char *h;

	(void)state;
	snprintf(buf, sizeof(buf), "<query:AdhocQueryResponse xmlns:query=\"%s\" xmlns:rim=\"%s\" "
	    "status=\"s\"><rim:RegistryObjectList><rim:ExtrinsicObject id=\"a\" home=\"%s\"/>"
	    "<rim:RegistryPackage id=\"b\"/><rim:Association id=\"c\"/><rim:ObjectRef id=\"d\"/>"
	    "</rim:RegistryObjectList></query:AdhocQueryResponse>", NS_QUERY, NS_RIM, OTHER);
	doc = parse(buf);
	assert_int_equal(remote_stamp_home(xmlDocGetRootElement(doc), HOME), 3);
	list = xml_child(xmlDocGetRootElement(doc), NS_RIM, "RegistryObjectList");
	for (o = xml_child(list, NULL, NULL); o != NULL; o = xml_next(o, NULL, NULL)) {
		h = xml_attr(o, "home");
		if (xml_is(o, NS_RIM, "Association"))
			assert_null(h);
		else
			assert_string_equal(h, HOME);
		free(h);
	}
	xmlFreeDoc(doc);
}

/* ---------------------------------------------------------------- ITI-41 */

static const uint8_t bin[] = "\r\n--MIMEBoundary_fake\r\nContent-Type: x\r\n\r\n\0\377tail";

static xmlDocPtr
pnr(void)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb=\"%s\" "
	    "xmlns:lcm=\"%s\" xmlns:rim=\"%s\"><lcm:SubmitObjectsRequest><rim:RegistryObjectList>"
	    "<rim:ExtrinsicObject id=\"Doc1\" mimeType=\"text/xml\"/>"
	    "<rim:ExtrinsicObject id=\"Doc2\" mimeType=\"bad&#13;&#10;X-Evil: 1\"/>"
	    "</rim:RegistryObjectList></lcm:SubmitObjectsRequest>"
	    "<xdsb:Document id=\"Doc1\">aGVsbG8=</xdsb:Document>"
	    "<xdsb:Document id=\"Doc2\"><xop:Include xmlns:xop=\"%s\" href=\"cid:orig\"/>"
	    "</xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest>",
	    NS_XDSB, NS_LCM, NS_RIM, NS_XOP);
	return parse(buf);
}

static void
test_pnr_build(void **state)
{
	struct regstore_content docs[2];
	struct reg_errors errs = { 0 };
	struct strbuf body = { 0 }, ct = { 0 };
	struct soap_msg *msg = NULL;
	struct soap_fault f;
	xmlDocPtr doc = pnr();
	xmlNodePtr p, d;
	const uint8_t *data;
	char msgid[64], *href;
	size_t len;

	(void)state;
	memset(docs, 0, sizeof(docs));
	docs[0].rc_entry_id = "Doc1";
	docs[0].rc_data = (const uint8_t *)"hello";
	docs[0].rc_len = 5;
	docs[1].rc_entry_id = "Doc2";
	docs[1].rc_data = bin;
	docs[1].rc_len = sizeof(bin);
	assert_int_equal(remote_pnr_build(xmlDocGetRootElement(doc), docs, 2,
	    "https://xds.example/repository", &body, &ct, msgid, sizeof(msgid), &errs), 0);
	assert_int_equal(errs.rl_n, 0);
	assert_non_null(strstr(ct.sb_data, "multipart/related"));
	assert_non_null(strstr(ct.sb_data, ACTION_ITI41));
	/* the metadata's bad mimeType never reaches a header */
	assert_null(strstr(body.sb_data, "\nX-Evil"));
	assert_non_null(strstr(body.sb_data, "Content-Type: application/octet-stream"));
	assert_int_equal(soap_parse((const uint8_t *)body.sb_data, body.sb_len, ct.sb_data, NULL,
	    &msg, &f), 0);
	assert_int_equal(soap_msg_txn(msg), TXN_ITI41);
	assert_string_equal(soap_msg_wsa(msg)->wa_message_id, msgid);
	assert_string_equal(soap_msg_wsa(msg)->wa_to, "https://xds.example/repository");
	p = soap_msg_payload(msg);
	assert_true(xml_is(p, NS_XDSB, "ProvideAndRegisterDocumentSetRequest"));
	assert_non_null(xml_child(p, NS_LCM, "SubmitObjectsRequest"));
	d = xml_child(p, NS_XDSB, "Document");
	href = xml_attr(xml_child(d, NS_XOP, "Include"), "href");
	assert_string_equal(href, "cid:doc1@hashi");
	free(href);
	assert_int_equal(soap_element_bytes(msg, d, &data, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "hello", 5);
	d = xml_next(d, NS_XDSB, "Document");
	assert_int_equal(soap_element_bytes(msg, d, &data, &len), 0);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(data, bin, sizeof(bin));
	soap_msg_free(msg);
	strbuf_reset(&body);
	strbuf_reset(&ct);

	/* a Document without content is refused before anything is sent */
	assert_int_equal(remote_pnr_build(xmlDocGetRootElement(doc), docs, 1,
	    "https://xds.example/repository", &body, &ct, msgid, sizeof(msgid), &errs), 1);
	assert_int_equal(errs.rl_n, 1);
	assert_string_equal(errs.rl_err[0].re_code, "XDSRepositoryError");
	regerr_clear(&errs);
	strbuf_reset(&body);
	strbuf_reset(&ct);
	xmlFreeDoc(doc);
}

/* ---------------------------------------------------------------- retrieve */

#define DR(home, uid) "<xdsb:DocumentRequest>" home "<xdsb:RepositoryUniqueId>" REPO \
	"</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>" uid "</xdsb:DocumentUniqueId>" \
	"</xdsb:DocumentRequest>"
#define HCID(h) "<xdsb:HomeCommunityId>" h "</xdsb:HomeCommunityId>"

static struct remote_ret *
ret_new(int xca)
{
	struct retrieve_ctx ctx;
	struct remote_ret *rt;

	memset(&ctx, 0, sizeof(ctx));
	ctx.rc_home = HOME;
	ctx.rc_repo = "unused";
	ctx.rc_xca = xca;
	ctx.rc_action = ACTION_ITI39_RESP;
	ctx.rc_relates_to = "urn:uuid:11111111-2222-4333-8444-555555555555";
	assert_non_null(rt = remote_ret_new(&ctx));
	return rt;
}

/* Pulls the whole body of SRC and parses it as a response; frees SRC. */
static struct soap_msg *
drain(struct body_source *src)
{
	struct evbuffer *out = evbuffer_new();
	struct soap_limits lim;
	struct soap_msg *msg = NULL;
	struct soap_fault f;
	int r;

	assert_non_null(src);
	while ((r = src->bs_pull(src->bs_ctx, out, 7)) == 0)
		;
	assert_int_equal(r, 1);
	memset(&lim, 0, sizeof(lim));
	lim.sl_expect_response = 1;
	assert_int_equal(soap_parse(evbuffer_pullup(out, -1), evbuffer_get_length(out),
	    src->bs_content_type, &lim, &msg, &f), 0);
	src->bs_free(src->bs_ctx);
	free(src);
	evbuffer_free(out);
	return msg;
}

static char *
status_of(struct soap_msg *msg)
{
	return xml_attr(xml_child(soap_msg_payload(msg), NS_RS, "RegistryResponse"), "status");
}

/* Returns the number of RegistryErrors with CODE in MSG. */
static int
count_errors(struct soap_msg *msg, const char *code)
{
	xmlNodePtr list = xml_child(xml_child(soap_msg_payload(msg), NS_RS, "RegistryResponse"),
	    NS_RS, "RegistryErrorList"), e;
	char *c;
	int n = 0;

	for (e = xml_child(list, NS_RS, "RegistryError"); e != NULL;
	    e = xml_next(e, NS_RS, "RegistryError")) {
		c = xml_attr(e, "errorCode");
		n += c != NULL && strcmp(c, code) == 0;
		free(c);
	}
	return n;
}

/* The repository's answer: one document inline, one RegistryError, PartialSuccess. */
static struct soap_msg *
repository_answer(const char *status, int with_error)
{
	char buf[2048];
	struct soap_limits lim;
	struct soap_msg *msg = NULL;
	struct soap_fault f;

	snprintf(buf, sizeof(buf), ENV_OPEN "<wsa:Action>%s</wsa:Action></env:Header><env:Body>"
	    "<xdsb:RetrieveDocumentSetResponse xmlns:xdsb=\"%s\" xmlns:rs=\"%s\">"
	    "<rs:RegistryResponse status=\"%s\">%s</rs:RegistryResponse>"
	    "<xdsb:DocumentResponse><xdsb:HomeCommunityId>%s</xdsb:HomeCommunityId>"
	    "<xdsb:RepositoryUniqueId>" REPO "</xdsb:RepositoryUniqueId>"
	    "<xdsb:DocumentUniqueId>1.2.3.1</xdsb:DocumentUniqueId>"
	    "<xdsb:mimeType>text/xml</xdsb:mimeType><xdsb:Document>AAH/aGk=</xdsb:Document>"
	    "</xdsb:DocumentResponse></xdsb:RetrieveDocumentSetResponse></env:Body></env:Envelope>",
	    ACTION_ITI43_RESP, NS_XDSB, NS_RS, status, with_error ?
	    "<rs:RegistryErrorList><rs:RegistryError errorCode=\"XDSDocumentUniqueIdError\" "
	    "codeContext=\"not here\" location=\"1.2.3.2\" severity=\"" RS_SEVERITY_ERROR
	    "\"/></rs:RegistryErrorList>" : "", OTHER);
	memset(&lim, 0, sizeof(lim));
	lim.sl_expect_response = 1;
	assert_int_equal(soap_parse((const uint8_t *)buf, strlen(buf),
	    "application/soap+xml; charset=UTF-8", &lim, &msg, &f), 0);
	return msg;
}

static void
test_retrieve_relay(void **state)
{
	struct remote_ret *rt = ret_new(1);
	struct strbuf body = { 0 };
	struct soap_msg *msg;
	xmlDocPtr req;
	xmlNodePtr dr;
	const uint8_t *data;
	char *t;
	size_t len;

	(void)state;
	req = parse("<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"" NS_XDSB "\">"
	    DR(HCID(HOME), "1.2.3.1") DR(HCID(OTHER), "1.2.3.9") DR("", "1.2.3.8")
	    DR(HCID(HOME), "1.2.3.2") "</xdsb:RetrieveDocumentSetRequest>");
	assert_int_equal(remote_ret_request(rt, xmlDocGetRootElement(req), &body), 2);
	/* the forwarded request names the two good documents, without HomeCommunityId */
	assert_non_null(strstr(body.sb_data, "1.2.3.1"));
	assert_non_null(strstr(body.sb_data, "1.2.3.2"));
	assert_null(strstr(body.sb_data, "1.2.3.9"));
	assert_null(strstr(body.sb_data, "1.2.3.8"));
	assert_null(strstr(body.sb_data, "HomeCommunityId"));
	xmlFreeDoc(parse(body.sb_data));	/* well-formed */
	strbuf_reset(&body);
	xmlFreeDoc(req);

	remote_ret_take(rt, repository_answer(RS_STATUS_PARTIAL, 1), NULL);
	msg = drain(remote_ret_source(rt));
	assert_string_equal(soap_msg_wsa(msg)->wa_action, ACTION_ITI39_RESP);
	assert_string_equal(soap_msg_wsa(msg)->wa_relates_to,
	    "urn:uuid:11111111-2222-4333-8444-555555555555");
	t = status_of(msg);
	assert_string_equal(t, RS_STATUS_PARTIAL);
	free(t);
	assert_int_equal(count_errors(msg, "XDSUnknownCommunity"), 1);
	assert_int_equal(count_errors(msg, "XDSMissingHomeCommunityId"), 1);
	assert_int_equal(count_errors(msg, "XDSDocumentUniqueIdError"), 1);
	dr = xml_child(soap_msg_payload(msg), NS_XDSB, "DocumentResponse");
	assert_non_null(dr);
	assert_null(xml_next(dr, NS_XDSB, "DocumentResponse"));
	t = xml_text(xml_child(dr, NS_XDSB, "HomeCommunityId"));
	assert_string_equal(t, HOME);		/* ours, not the repository's */
	free(t);
	t = xml_text(xml_child(dr, NS_XDSB, "RepositoryUniqueId"));
	assert_string_equal(t, REPO);
	free(t);
	assert_int_equal(soap_element_bytes(msg, xml_child(dr, NS_XDSB, "Document"), &data,
	    &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "\0\1\377hi", 5);
	soap_msg_free(msg);
}

static void
test_retrieve_failures(void **state)
{
	struct remote_ret *rt;
	struct strbuf body = { 0 };
	struct soap_msg *msg;
	xmlDocPtr req;
	char *t;

	(void)state;
	/* nothing to forward: the errors are the answer */
	rt = ret_new(1);
	req = parse("<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"" NS_XDSB "\">"
	    DR("", "1.2.3.8") "</xdsb:RetrieveDocumentSetRequest>");
	assert_int_equal(remote_ret_request(rt, xmlDocGetRootElement(req), &body), 0);
	assert_int_equal(body.sb_len, 0);
	xmlFreeDoc(req);
	msg = drain(remote_ret_source(rt));
	t = status_of(msg);
	assert_string_equal(t, RS_STATUS_FAILURE);
	free(t);
	assert_int_equal(count_errors(msg, "XDSMissingHomeCommunityId"), 1);
	soap_msg_free(msg);

	/* under ITI-43 a missing HomeCommunityId is fine */
	rt = ret_new(0);
	req = parse("<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"" NS_XDSB "\">"
	    DR("", "1.2.3.8") "</xdsb:RetrieveDocumentSetRequest>");
	assert_int_equal(remote_ret_request(rt, xmlDocGetRootElement(req), &body), 1);
	strbuf_reset(&body);
	xmlFreeDoc(req);
	/* no answer */
	remote_ret_take(rt, NULL, "no answer within the deadline");
	msg = drain(remote_ret_source(rt));
	t = status_of(msg);
	assert_string_equal(t, RS_STATUS_FAILURE);
	free(t);
	assert_int_equal(count_errors(msg, "XDSRepositoryError"), 1);
	assert_null(xml_child(soap_msg_payload(msg), NS_XDSB, "DocumentResponse"));
	soap_msg_free(msg);

	/* a repository that says Failure without saying why must not come out as Success */
	rt = ret_new(0);
	remote_ret_take(rt, repository_answer(RS_STATUS_FAILURE, 0), NULL);
	msg = drain(remote_ret_source(rt));
	t = status_of(msg);
	assert_string_equal(t, RS_STATUS_PARTIAL);
	free(t);
	assert_int_equal(count_errors(msg, "XDSRepositoryError"), 1);
	soap_msg_free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_home_rules),
		cmocka_unit_test(test_strip_home),
		cmocka_unit_test(test_stamp_home),
		cmocka_unit_test(test_pnr_build),
		cmocka_unit_test(test_retrieve_relay),
		cmocka_unit_test(test_retrieve_failures),
	};

	xml_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
