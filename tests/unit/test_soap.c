/* Unit tests for gateway/soap and gateway/actions: the conformance samples (valid, the six
 * wsa:mustUnderstand defects strict and tolerated), hostile XML (billion laughs, XXE, DTD,
 * size, depth), every fault rule with its code/subcode, and built responses / requests /
 * faults validated by xmllint against xds-soap12.xsd. MTOM messages through soap_parse
 * (the NIST capture, our writer's output) are tested in test_mtom.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/actions.h"
#include "gateway/mtom.h"
#include "gateway/soap.h"

#include "tests/unit/conformance.h"

extern char **environ;

#define CT	"application/soap+xml; charset=UTF-8"
#define Q_NS	"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
#define XDSB_NS	"urn:ihe:iti:xds-b:2007"
#define H_ACTION "<wsa:Action env:mustUnderstand=\"1\">" ACTION_ITI38 "</wsa:Action>"
#define H_MSGID	"<wsa:MessageID>urn:uuid:11111111-2222-3333-4444-555555555555</wsa:MessageID>"
#define H_STD	H_ACTION H_MSGID
#define B_STD	"<q:AdhocQueryRequest xmlns:q=\"" Q_NS "\"/>"

static char tmpdir[64];

/* Builds an envelope around HEADERS and BODY (malloc'd). */
static char *
env(const char *headers, const char *body)
{
	struct strbuf sb = { 0 };

	strbuf_printf(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><env:Envelope xmlns:env="
	    "\"%s\" xmlns:wsa=\"%s\"><env:Header>%s</env:Header><env:Body>%s</env:Body>"
	    "</env:Envelope>", SOAP_NS_ENV, SOAP_NS_WSA, headers, body);
	return strbuf_take(&sb, NULL);
}

static int
parse(const char *xml, const char *ct, const struct soap_limits *lim,
    struct soap_msg **m, struct soap_fault *f)
{
	return soap_parse((const uint8_t *)xml, strlen(xml), ct, lim, m, f);
}

/* Parses XML (freed here) and checks it fails with CODE, SUBCODE ("" = none) and a reason
 * containing WHY. Returns nothing; the fault is copied to OUT when not NULL. */
static void
expect_fault(char *xml, const char *ct, const struct soap_limits *lim,
    enum soap_fault_code code, const char *subcode, const char *why, struct soap_fault *out)
{
	struct soap_msg *m = (struct soap_msg *)1;
	struct soap_fault f;

	assert_int_equal(parse(xml, ct, lim, &m, &f), -1);
	assert_null(m);
	assert_int_equal(f.sf_code, code);
	assert_string_equal(f.sf_subcode, subcode);
	if (strstr(f.sf_reason, why) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", f.sf_reason, why);
	if (out != NULL)
		*out = f;
	free(xml);
}

static struct soap_msg *
expect_ok(char *xml, const char *ct, const struct soap_limits *lim)
{
	struct soap_msg *m = NULL;
	struct soap_fault f;

	if (parse(xml, ct, lim, &m, &f) != 0)
		fail_msg("unexpected fault: %s", f.sf_reason);
	free(xml);
	return m;
}

/* Runs xmllint on XML with the XDS driver schema; returns its exit status. Prints
 * xmllint's complaints when VERBOSE. */
static int
validate_v(const char *xml, int verbose)
{
	char file[128], log[128], xsd[1200];
	char *argv[] = { "xmllint", "--noout", "--nonet", "--schema", xsd, file, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = -1;
	FILE *fp;

	snprintf(file, sizeof(file), "%s/msg.xml", tmpdir);
	snprintf(log, sizeof(log), "%s/xmllint.log", tmpdir);
	snprintf(xsd, sizeof(xsd), "%s/xsd/wrappers/xds-soap12.xsd", conformance_dir());
	assert_non_null(fp = fopen(file, "w"));
	fputs(xml, fp);
	fclose(fp);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	assert_int_equal(posix_spawnp(&pid, "xmllint", &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (verbose && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		char line[512];

		if ((fp = fopen(log, "r")) != NULL) {
			while (fgets(line, sizeof(line), fp) != NULL)
				print_message("xmllint: %s", line);
			fclose(fp);
		}
		print_message("document: %s\n", xml);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

static int
validate(const char *xml)
{
	return validate_v(xml, 1);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hashi-soap.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/msg.xml", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/xmllint.log", tmpdir);
	unlink(p);
	rmdir(tmpdir);
	xmlCleanupParser();
	return 0;
}

/* ---- samples ---- */

struct sample {
	const char	*file;
	int		 response;
	enum ihe_txn	 txn;
	const char	*payload;
};

static const struct sample valid_samples[] = {
	{ "samples/nist-toolkit/soap-xcq-req.xml", 0, TXN_ITI38, "AdhocQueryRequest" },
	{ "samples/nist-toolkit/soap-sq-req.xml", 0, TXN_ITI18, "AdhocQueryRequest" },
	{ "samples/nist-toolkit/soap-ret-req.xml", 0, TXN_ITI43, "RetrieveDocumentSetRequest" },
	{ "samples/nist-toolkit/soap-xcq-resp.xml", 1, TXN_ITI38, "AdhocQueryResponse" },
};

static const struct sample wsa_mu_samples[] = {
	{ "samples/nist-toolkit/soap-xcq-resp-error.xml", 1, TXN_ITI38, "AdhocQueryResponse" },
	{ "samples/nist-toolkit/soap-xcr-req.xml", 0, TXN_ITI39, "RetrieveDocumentSetRequest" },
	{ "samples/nist-toolkit/soap-xret-resp.xml", 1, TXN_ITI39, "RetrieveDocumentSetResponse" },
	{ "samples/nist-toolkit/soap-xret-resp-error.xml", 1, TXN_ITI39, "RetrieveDocumentSetResponse" },
	{ "samples/nist-toolkit/soap-xret-resp-homeless.xml", 1, TXN_ITI39,
	    "RetrieveDocumentSetResponse" },
	{ "samples/nist-toolkit/soap-ret-resp.xml", 1, TXN_ITI43, "RetrieveDocumentSetResponse" },
};

static int
parse_sample(const struct sample *s, int tolerate, struct soap_msg **m, struct soap_fault *f)
{
	struct soap_limits lim = { 0 };
	size_t len;
	char *buf = conformance_read(s->file, &len);
	int rc;

	lim.sl_expect_response = s->response;
	lim.sl_tolerate_wsa_mustunderstand = tolerate;
	rc = soap_parse((uint8_t *)buf, len, CT, &lim, m, f);
	free(buf);
	return rc;
}

static void
check_sample_ok(const struct sample *s, int tolerate)
{
	struct soap_msg *m;
	struct soap_fault f;

	if (parse_sample(s, tolerate, &m, &f) != 0)
		fail_msg("%s: %s", s->file, f.sf_reason);
	assert_int_equal(soap_msg_txn(m), s->txn);
	assert_string_equal((const char *)soap_msg_payload(m)->name, s->payload);
	assert_non_null(soap_msg_wsa(m)->wa_action);
	assert_int_equal(action_txn(soap_msg_wsa(m)->wa_action), s->txn);
	assert_false(soap_msg_is_mtom(m));
	soap_msg_free(m);
}

static void
test_samples_valid(void **state)
{
	size_t i;
	struct soap_msg *m;
	struct soap_fault f;

	(void)state;
	for (i = 0; i < sizeof(valid_samples) / sizeof(valid_samples[0]); i++) {
		check_sample_ok(&valid_samples[i], 0);
		check_sample_ok(&valid_samples[i], 1);
	}
	/* soap-ret-req has the full request header set. */
	assert_int_equal(parse_sample(&valid_samples[2], 0, &m, &f), 0);
	assert_string_equal(soap_msg_wsa(m)->wa_message_id,
	    "urn:uuid:0fbfdced-6c01-4d09-a110-2201afedaa02");
	assert_string_equal(soap_msg_wsa(m)->wa_reply_to, SOAP_WSA_ANONYMOUS);
	assert_string_equal(soap_msg_wsa(m)->wa_to,
	    "http://localhost:2647/XdsService/IHEXDSRepository.svc");
	soap_msg_free(m);
	/* A request sample parsed as a response is an unsupported action, and back. */
	assert_int_equal(parse_sample(&(struct sample){ "samples/nist-toolkit/soap-xcq-req.xml", 1,
	    TXN_ITI38, NULL }, 0, &m, &f), -1);
	assert_string_equal(f.sf_subcode, SOAP_WSA_ACTION_NOT_SUPPORTED);
}

static void
test_samples_wsa_mustunderstand(void **state)
{
	size_t i;
	struct soap_msg *m;
	struct soap_fault f;

	(void)state;
	for (i = 0; i < sizeof(wsa_mu_samples) / sizeof(wsa_mu_samples[0]); i++) {
		m = (struct soap_msg *)1;
		assert_int_equal(parse_sample(&wsa_mu_samples[i], 0, &m, &f), -1);
		assert_null(m);
		assert_int_equal(f.sf_code, SOAP_FAULT_SENDER);
		assert_int_equal(soap_fault_http_status(&f), 400);
		assert_non_null(strstr(f.sf_reason, "wsa:mustUnderstand"));
		check_sample_ok(&wsa_mu_samples[i], 1);
	}
}

/* Inline base64 (the NIST ITI-39 responses are not MTOM). */
static void
test_inline_base64(void **state)
{
	struct soap_msg *m;
	struct soap_fault f;
	xmlNodePtr dr, doc;
	const uint8_t *d;
	size_t n;
	int count = 0;

	(void)state;
	assert_int_equal(parse_sample(&wsa_mu_samples[2], 1, &m, &f), 0);
	for (dr = xml_child(soap_msg_payload(m), XDSB_NS, "DocumentResponse"); dr != NULL;
	    dr = xml_next(dr, XDSB_NS, "DocumentResponse")) {
		doc = xml_child(dr, XDSB_NS, "Document");
		assert_int_equal(soap_element_bytes(m, doc, &d, &n), 0);
		assert_int_equal(n, 36);
		assert_memory_equal(d, "R0lGODlhcgGSALMAAAQCAEMmCZtuMFQxDS8b", 36);
		count++;
	}
	assert_int_equal(count, 2);
	/* An element with element content is neither base64 nor an include. */
	assert_int_equal(soap_element_bytes(m, soap_msg_payload(m), &d, &n), -1);
	soap_msg_free(m);
}

static void
b64_case(const char *text, int ok, const char *expect, size_t elen)
{
	char body[512];
	struct soap_msg *m;
	const uint8_t *d;
	size_t n;

	snprintf(body, sizeof(body), "<x:Doc xmlns:x=\"urn:x\">%s</x:Doc>", text);
	m = expect_ok(env(H_STD, body), CT, NULL);
	assert_int_equal(soap_element_bytes(m, soap_msg_payload(m), &d, &n), ok ? 0 : -1);
	if (ok) {
		assert_int_equal(n, elen);
		assert_memory_equal(d, expect, elen);
	}
	soap_msg_free(m);
}

static void
test_base64_rules(void **state)
{
	(void)state;
	b64_case("QUJD", 1, "ABC", 3);
	b64_case(" QU\r\n JD\n", 1, "ABC", 3);
	b64_case("QUI=", 1, "AB", 2);
	b64_case("QQ==", 1, "A", 1);
	b64_case("", 1, "", 0);
	b64_case("QQ=", 0, NULL, 0);
	b64_case("QQ", 0, NULL, 0);
	b64_case("QQ==QQ==", 0, NULL, 0);
	b64_case("Q===", 0, NULL, 0);
	b64_case("QU!D", 0, NULL, 0);
}

/* ---- hostile XML ---- */

static void
test_hostile_xml(void **state)
{
	struct soap_limits lim = { 0 };
	struct soap_fault f;
	struct strbuf sb = { 0 };
	char *x;
	int i;

	(void)state;
	expect_fault(str_dup("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
	    "<env:Envelope xmlns:env=\"" SOAP_NS_ENV "\"><env:Body><x>&lol3;</x></env:Body>"
	    "</env:Envelope>"), CT, NULL, SOAP_FAULT_SENDER, "", "DTD", NULL);
	expect_fault(str_dup("<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY xxe SYSTEM "
	    "\"file:///etc/passwd\">]><env:Envelope xmlns:env=\"" SOAP_NS_ENV "\"><env:Body>"
	    "<x>&xxe;</x></env:Body></env:Envelope>"), CT, NULL, SOAP_FAULT_SENDER, "", "DTD",
	    &f);
	assert_null(strstr(f.sf_reason, "root:"));
	expect_fault(str_dup("<!DOCTYPE env:Envelope SYSTEM \"file:///etc/passwd\">"
	    "<env:Envelope xmlns:env=\"" SOAP_NS_ENV "\"><env:Body/></env:Envelope>"), CT, NULL,
	    SOAP_FAULT_SENDER, "", "DTD", NULL);
	expect_fault(str_dup("<env:Envelope xmlns:env=\"" SOAP_NS_ENV "\"><env:Body>"),
	    CT, NULL, SOAP_FAULT_SENDER, "", "not well-formed", NULL);
	/* UTF-16 (NUL bytes) is refused before it reaches the parser. */
	{
		static const uint8_t u16[] = "<\0?\0x\0m\0l\0 \0";
		struct soap_msg *m;

		assert_int_equal(soap_parse(u16, sizeof(u16) - 1, CT, NULL, &m, &f), -1);
		assert_int_equal(f.sf_code, SOAP_FAULT_SENDER);
		assert_non_null(strstr(f.sf_reason, "not UTF-8"));
	}
	x = str_dup("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><env:Envelope xmlns:env=\""
	    SOAP_NS_ENV "\"><env:Body/></env:Envelope>");
	expect_fault(x, CT, NULL, SOAP_FAULT_SENDER, "", "UTF-8", NULL);
	lim.sl_max_bytes = 512;
	strbuf_puts(&sb, "<x:a xmlns:x=\"urn:x\">");
	for (i = 0; i < 100; i++)
		strbuf_puts(&sb, "padding ");
	strbuf_puts(&sb, "</x:a>");
	expect_fault(env(H_STD, sb.sb_data), CT, &lim, SOAP_FAULT_SENDER, "", "size limit",
	    NULL);
	strbuf_reset(&sb);
	lim.sl_max_bytes = 0;
	lim.sl_max_depth = 30;
	for (i = 0; i < 40; i++)
		strbuf_puts(&sb, "<x:a xmlns:x=\"urn:x\">");
	for (i = 0; i < 40; i++)
		strbuf_puts(&sb, "</x:a>");
	expect_fault(env(H_STD, sb.sb_data), CT, &lim, SOAP_FAULT_SENDER, "", "depth", NULL);
	strbuf_reset(&sb);
}

/* ---- transport and envelope rules ---- */

static void
test_content_types(void **state)
{
	struct soap_fault f;
	struct soap_msg *m;

	(void)state;
	expect_fault(env(H_STD, B_STD), "text/xml; charset=utf-8", NULL,
	    SOAP_FAULT_VERSION_MISMATCH, "", "SOAP 1.1", &f);
	assert_int_equal(soap_fault_http_status(&f), 415);
	expect_fault(env(H_STD, B_STD), NULL, NULL, SOAP_FAULT_SENDER, "", "Content-Type", &f);
	assert_int_equal(soap_fault_http_status(&f), 415);
	expect_fault(env(H_STD, B_STD), "application/json", NULL, SOAP_FAULT_SENDER, "",
	    "Content-Type", NULL);
	expect_fault(env(H_STD, B_STD), "application/soap+xml; charset=ISO-8859-1", NULL,
	    SOAP_FAULT_SENDER, "", "UTF-8", NULL);
	m = expect_ok(env(H_STD, B_STD), "Application/SOAP+XML;charset=\"utf-8\";action=\""
	    ACTION_ITI38 "\"", NULL);
	soap_msg_free(m);
	expect_fault(env(H_STD, B_STD), CT "; action=\"" ACTION_ITI18 "\"", NULL,
	    SOAP_FAULT_SENDER, SOAP_WSA_INVALID_HEADER, "differs", &f);
	assert_string_equal(f.sf_subsubcode, SOAP_WSA_ACTION_MISMATCH);
}

static void
test_envelope_rules(void **state)
{
	struct soap_fault f;

	(void)state;
	expect_fault(str_dup("<s:Envelope xmlns:s=\"" SOAP_NS_ENV11 "\"><s:Body>" B_STD
	    "</s:Body></s:Envelope>"), CT, NULL, SOAP_FAULT_VERSION_MISMATCH, "", "SOAP 1.1",
	    &f);
	assert_int_equal(soap_fault_http_status(&f), 500);
	expect_fault(str_dup("<x:Envelope xmlns:x=\"urn:x\"/>"), CT, NULL,
	    SOAP_FAULT_VERSION_MISMATCH, "", "not a SOAP 1.2", NULL);
	expect_fault(str_dup("<env:Envelope xmlns:env=\"" SOAP_NS_ENV "\"><env:Body>" B_STD
	    "</env:Body><env:Header/></env:Envelope>"), CT, NULL, SOAP_FAULT_SENDER, "",
	    "env:Envelope must", NULL);
	expect_fault(str_dup("<env:Envelope xmlns:env=\"" SOAP_NS_ENV "\"><env:Header/>"
	    "</env:Envelope>"), CT, NULL, SOAP_FAULT_SENDER, "", "env:Envelope must", NULL);
	expect_fault(str_dup("<env:Envelope xmlns:env=\"" SOAP_NS_ENV "\"><env:Body>" B_STD
	    "</env:Body><x:y xmlns:x=\"urn:x\"/></env:Envelope>"), CT, NULL, SOAP_FAULT_SENDER,
	    "", "env:Envelope must", NULL);
	expect_fault(env(H_STD, ""), CT, NULL, SOAP_FAULT_SENDER, "", "exactly one", NULL);
	expect_fault(env(H_STD, B_STD B_STD), CT, NULL, SOAP_FAULT_SENDER, "", "exactly one",
	    NULL);
	expect_fault(env(H_STD, "text" B_STD), CT, NULL, SOAP_FAULT_SENDER, "", "exactly one",
	    NULL);
}

static void
test_addressing_rules(void **state)
{
	struct soap_fault f;
	struct soap_msg *m;

	(void)state;
	expect_fault(env(H_MSGID, B_STD), CT, NULL, SOAP_FAULT_SENDER,
	    SOAP_WSA_HEADER_REQUIRED, "wsa:Action", &f);
	assert_string_equal(f.sf_problem_header, "wsa:Action");
	assert_string_equal(f.sf_message_id, "urn:uuid:11111111-2222-3333-4444-555555555555");
	assert_int_equal(soap_fault_http_status(&f), 400);
	expect_fault(env("<wsa:Action>urn:x:unknown</wsa:Action>", B_STD), CT, NULL,
	    SOAP_FAULT_SENDER, SOAP_WSA_ACTION_NOT_SUPPORTED, "not supported", &f);
	assert_string_equal(f.sf_problem_action, "urn:x:unknown");
	expect_fault(env("<wsa:Action>" ACTION_ITI55_DEFERRED "</wsa:Action>", B_STD), CT,
	    NULL, SOAP_FAULT_SENDER, SOAP_WSA_ACTION_NOT_SUPPORTED, "not supported", NULL);
	expect_fault(env("<wsa:Action>" ACTION_ITI38_RESP "</wsa:Action>", B_STD), CT, NULL,
	    SOAP_FAULT_SENDER, SOAP_WSA_ACTION_NOT_SUPPORTED, "not supported", NULL);
	expect_fault(env(H_STD H_ACTION, B_STD), CT, NULL, SOAP_FAULT_SENDER,
	    SOAP_WSA_INVALID_HEADER, "repeated", &f);
	assert_string_equal(f.sf_subsubcode, SOAP_WSA_INVALID_CARDINALITY);
	expect_fault(env("<wsa:Action></wsa:Action>", B_STD), CT, NULL, SOAP_FAULT_SENDER,
	    SOAP_WSA_INVALID_HEADER, "empty", NULL);
	expect_fault(env(H_STD "<wsa:ReplyTo><wsa:Address>https://peer.example/cb"
	    "</wsa:Address></wsa:ReplyTo>", B_STD), CT, NULL, SOAP_FAULT_SENDER,
	    SOAP_WSA_INVALID_HEADER, "asynchronous exchange is not supported", &f);
	assert_string_equal(f.sf_subsubcode, SOAP_WSA_ONLY_ANONYMOUS);
	assert_string_equal(f.sf_problem_header, "wsa:ReplyTo");
	expect_fault(env(H_STD "<wsa:FaultTo><wsa:Address>" SOAP_NS_WSA "/none"
	    "</wsa:Address></wsa:FaultTo>", B_STD), CT, NULL, SOAP_FAULT_SENDER,
	    SOAP_WSA_INVALID_HEADER, "asynchronous", NULL);
	expect_fault(env(H_STD "<wsa:ReplyTo/>", B_STD), CT, NULL, SOAP_FAULT_SENDER,
	    SOAP_WSA_INVALID_HEADER, "wsa:Address", &f);
	assert_string_equal(f.sf_subsubcode, SOAP_WSA_MISSING_ADDRESS);
	/* The CONNECT alias is ITI-18; RelatesTo of another type is not the reply one. */
	m = expect_ok(env("<wsa:Action>" ACTION_ITI18_ASYNC "</wsa:Action><wsa:ReplyTo>"
	    "<wsa:Address>" SOAP_WSA_ANONYMOUS "</wsa:Address></wsa:ReplyTo><wsa:RelatesTo "
	    "RelationshipType=\"urn:x\">urn:a</wsa:RelatesTo><wsa:RelatesTo>urn:b"
	    "</wsa:RelatesTo><wsa:From><wsa:Address>urn:me</wsa:Address></wsa:From>", B_STD),
	    CT, NULL);
	assert_int_equal(soap_msg_txn(m), TXN_ITI18);
	assert_string_equal(soap_msg_wsa(m)->wa_relates_to, "urn:b");
	assert_string_equal(soap_msg_wsa(m)->wa_from, "urn:me");
	assert_null(soap_msg_wsa(m)->wa_message_id);
	soap_msg_free(m);
}

static void
test_must_understand(void **state)
{
	static const struct soap_qname sec = { "urn:sec", "Security" };
	struct soap_limits lim = { 0 };
	struct soap_fault f;
	struct soap_msg *m;

	(void)state;
	expect_fault(env(H_STD "<x:Foo xmlns:x=\"urn:x\" env:mustUnderstand=\"true\"/>", B_STD),
	    CT, NULL, SOAP_FAULT_MUST_UNDERSTAND, "", "not understood", &f);
	assert_string_equal(f.sf_nu_ns, "urn:x");
	assert_string_equal(f.sf_nu_local, "Foo");
	assert_int_equal(soap_fault_http_status(&f), 500);
	expect_fault(env("<x:Foo xmlns:x=\"urn:x\" env:mustUnderstand=\" 1 \"/>", B_STD), CT,
	    NULL, SOAP_FAULT_MUST_UNDERSTAND, "", "not understood", NULL);
	expect_fault(env(H_STD "<x:Foo xmlns:x=\"urn:x\" env:mustUnderstand=\"yes\"/>", B_STD),
	    CT, NULL, SOAP_FAULT_SENDER, "", "mustUnderstand", NULL);
	expect_fault(env(H_STD "<Foo/>", B_STD), CT, NULL, SOAP_FAULT_SENDER, "",
	    "namespace-qualified", NULL);
	m = expect_ok(env(H_STD "<x:Foo xmlns:x=\"urn:x\" env:mustUnderstand=\"false\"/>"
	    "<x:Bar xmlns:x=\"urn:x\" env:mustUnderstand=\"1\" env:role=\"urn:other\"/>"
	    "<x:Baz xmlns:x=\"urn:x\" env:mustUnderstand=\"1\" env:role=\"" SOAP_NS_ENV
	    "/role/none\"/>", B_STD), CT, NULL);
	soap_msg_free(m);
	expect_fault(env(H_STD "<x:Foo xmlns:x=\"urn:x\" env:mustUnderstand=\"1\" env:role=\""
	    SOAP_NS_ENV "/role/next\"/>", B_STD), CT, NULL, SOAP_FAULT_MUST_UNDERSTAND, "",
	    "not understood", NULL);
	/* A block the caller declares it processes. */
	lim.sl_understood = &sec;
	lim.sl_n_understood = 1;
	m = expect_ok(env(H_STD "<s:Security xmlns:s=\"urn:sec\" env:mustUnderstand=\"1\"/>",
	    B_STD), CT, &lim);
	soap_msg_free(m);
	/* XCPD CorrelationTimeToLive is understood. */
	m = expect_ok(env("<wsa:Action env:mustUnderstand=\"1\">" ACTION_ITI55 "</wsa:Action>"
	    "<xcpd:CorrelationTimeToLive xmlns:xcpd=\"" SOAP_NS_XCPD "\" env:mustUnderstand="
	    "\"1\">P7D</xcpd:CorrelationTimeToLive>", "<h:PRPA_IN201305UV02 xmlns:h="
	    "\"urn:hl7-org:v3\"/>"), CT, NULL);
	assert_int_equal(soap_msg_txn(m), TXN_ITI55);
	assert_string_equal(soap_msg_correlation_ttl(m), "P7D");
	soap_msg_free(m);
	/* wsa:mustUnderstand: refused by default, honoured as mustUnderstand if tolerated. */
	expect_fault(env(H_STD "<x:Foo xmlns:x=\"urn:x\" wsa:mustUnderstand=\"1\"/>", B_STD),
	    CT, NULL, SOAP_FAULT_SENDER, "", "wsa:mustUnderstand", NULL);
	lim.sl_tolerate_wsa_mustunderstand = 1;
	expect_fault(env(H_STD "<x:Foo xmlns:x=\"urn:x\" wsa:mustUnderstand=\"1\"/>", B_STD),
	    CT, &lim, SOAP_FAULT_MUST_UNDERSTAND, "", "not understood", NULL);
}

/* ---- building ---- */

static char *
sample_payload(const struct sample *s)
{
	struct soap_msg *m;
	struct soap_fault f;
	char *x;

	assert_int_equal(parse_sample(s, 1, &m, &f), 0);
	x = xml_dump_node(soap_msg_payload(m), NULL);
	soap_msg_free(m);
	assert_non_null(x);
	return x;
}

static void
test_build_response(void **state)
{
	struct strbuf sb = { 0 };
	struct soap_limits lim = { 0 };
	char *payload = sample_payload(&valid_samples[3]);
	struct soap_msg *m;
	struct soap_fault f;

	(void)state;
	assert_int_equal(soap_build_response(&sb, action_response_for(ACTION_ITI38),
	    "urn:uuid:0fbfdced-6c01-4d09-a110-2201afedaa02", payload), 0);
	assert_int_equal(validate(sb.sb_data), 0);
	lim.sl_expect_response = 1;
	assert_int_equal(parse(sb.sb_data, CT, &lim, &m, &f), 0);
	assert_int_equal(soap_msg_txn(m), TXN_ITI38);
	assert_string_equal(soap_msg_wsa(m)->wa_action, ACTION_ITI38_RESP);
	assert_string_equal(soap_msg_wsa(m)->wa_relates_to,
	    "urn:uuid:0fbfdced-6c01-4d09-a110-2201afedaa02");
	assert_true(str_has_prefix(soap_msg_wsa(m)->wa_message_id, "urn:uuid:"));
	soap_msg_free(m);
	strbuf_reset(&sb);
	/* A body that breaks the schema must make the validator fail (the check is real). */
	assert_int_equal(soap_build_response(&sb, ACTION_ITI38_RESP, NULL,
	    "<q:AdhocQueryResponse xmlns:q=\"" Q_NS "\"><q:Bogus/></q:AdhocQueryResponse>"), 0);
	assert_int_not_equal(validate_v(sb.sb_data, 0), 0);
	strbuf_reset(&sb);
	free(payload);
}

static void
test_build_request(void **state)
{
	struct strbuf sb = { 0 };
	char *payload = sample_payload(&valid_samples[0]);
	char id[64];
	struct soap_msg *m;
	struct soap_fault f;

	(void)state;
	assert_int_equal(soap_build_request_id(&sb, action_request_for(TXN_ITI38),
	    "https://peer.example/xca?a=1&b=2", payload, id, sizeof(id)), 0);
	assert_int_equal(validate(sb.sb_data), 0);
	assert_int_equal(parse(sb.sb_data, CT, NULL, &m, &f), 0);
	assert_int_equal(soap_msg_txn(m), TXN_ITI38);
	assert_string_equal(soap_msg_wsa(m)->wa_message_id, id);
	assert_string_equal(soap_msg_wsa(m)->wa_reply_to, SOAP_WSA_ANONYMOUS);
	assert_string_equal(soap_msg_wsa(m)->wa_to, "https://peer.example/xca?a=1&b=2");
	soap_msg_free(m);
	strbuf_reset(&sb);
	assert_int_equal(soap_build_request(&sb, ACTION_ITI43, NULL, payload), 0);
	assert_non_null(strstr(sb.sb_data, "<wsa:MessageID>urn:uuid:"));
	assert_null(strstr(sb.sb_data, "wsa:To"));
	strbuf_reset(&sb);
	assert_int_equal(soap_content_type(&sb, ACTION_ITI38), 0);
	assert_string_equal(sb.sb_data, SOAP_CONTENT_TYPE "; action=\"" ACTION_ITI38 "\"");
	strbuf_reset(&sb);
	assert_int_equal(soap_content_type(&sb, "a\"b"), -1);
	strbuf_reset(&sb);
	free(payload);
}

/* Builds F, validates it, parses it back as a received fault and compares. */
static void
fault_roundtrip(const struct soap_fault *f, const char *relates_to, const char *must_have)
{
	struct strbuf sb = { 0 };
	struct soap_limits lim = { 0 };
	struct soap_msg *m;
	struct soap_fault pf, back;

	assert_int_equal(soap_build_fault(&sb, f, relates_to), 0);
	assert_int_equal(validate(sb.sb_data), 0);
	if (must_have != NULL && strstr(sb.sb_data, must_have) == NULL)
		fail_msg("fault lacks %s: %s", must_have, sb.sb_data);
	lim.sl_expect_response = 1;
	assert_int_equal(parse(sb.sb_data, CT, &lim, &m, &pf), 0);
	assert_int_equal(soap_msg_fault(m, &back), 1);
	assert_int_equal(back.sf_code, f->sf_code);
	assert_string_equal(back.sf_subcode, f->sf_subcode);
	assert_string_equal(back.sf_subsubcode, f->sf_subsubcode);
	assert_string_equal(back.sf_reason, f->sf_reason);
	assert_string_equal(soap_msg_wsa(m)->wa_action, ACTION_WSA_SOAP_FAULT);
	if (relates_to != NULL)
		assert_string_equal(soap_msg_wsa(m)->wa_relates_to, relates_to);
	soap_msg_free(m);
	strbuf_reset(&sb);
}

static void
test_build_faults(void **state)
{
	struct soap_fault f;
	struct soap_msg *m;

	(void)state;
	/* Faults produced by soap_parse itself, as the dispatcher would send them. */
	expect_fault(env(H_STD "<x:Foo xmlns:x=\"urn:x\" env:mustUnderstand=\"1\"/>", B_STD),
	    CT, NULL, SOAP_FAULT_MUST_UNDERSTAND, "", "not understood", &f);
	fault_roundtrip(&f, f.sf_message_id, "<env:NotUnderstood qname=\"nu:Foo\" "
	    "xmlns:nu=\"urn:x\"/>");
	expect_fault(env(H_MSGID, B_STD), CT, NULL, SOAP_FAULT_SENDER,
	    SOAP_WSA_HEADER_REQUIRED, "", &f);
	fault_roundtrip(&f, f.sf_message_id, "<wsa:ProblemHeaderQName>wsa:Action<");
	expect_fault(env("<wsa:Action>urn:x:&lt;odd&gt;</wsa:Action>", B_STD), CT, NULL,
	    SOAP_FAULT_SENDER, SOAP_WSA_ACTION_NOT_SUPPORTED, "", &f);
	fault_roundtrip(&f, NULL, "<wsa:ProblemAction><wsa:Action>urn:x:&lt;odd&gt;<");
	expect_fault(env(H_STD "<wsa:ReplyTo><wsa:Address>urn:cb</wsa:Address></wsa:ReplyTo>",
	    B_STD), CT, NULL, SOAP_FAULT_SENDER, SOAP_WSA_INVALID_HEADER, "", &f);
	fault_roundtrip(&f, NULL, "<env:Subcode><env:Value>wsa:OnlyAnonymousAddressSupported");
	expect_fault(str_dup("<s:Envelope xmlns:s=\"" SOAP_NS_ENV11 "\"><s:Body/></s:Envelope>"),
	    CT, NULL, SOAP_FAULT_VERSION_MISMATCH, "", "", &f);
	fault_roundtrip(&f, NULL, "<env:Upgrade><env:SupportedEnvelope qname=\"env:Envelope\"/>"
	    "</env:Upgrade>");
	soap_fault_set(&f, SOAP_FAULT_RECEIVER, NULL, "registry <unavailable> & %d", 42);
	assert_int_equal(soap_fault_http_status(&f), 500);
	fault_roundtrip(&f, "urn:uuid:x", "registry &lt;unavailable&gt; &amp; 42");
	soap_fault_set(&f, SOAP_FAULT_DATA_ENCODING_UNKNOWN, NULL, "x");
	fault_roundtrip(&f, NULL, "env:DataEncodingUnknown");
	/* A parsed non-fault is not a fault. */
	m = expect_ok(env(H_STD, B_STD), CT, NULL);
	assert_int_equal(soap_msg_fault(m, &f), 0);
	soap_msg_free(m);
}

static void
test_actions(void **state)
{
	(void)state;
	assert_string_equal(action_response_for(ACTION_ITI39), ACTION_ITI39_RESP);
	assert_string_equal(action_response_for(ACTION_ITI55), ACTION_ITI55_RESP);
	assert_string_equal(action_response_for(ACTION_ITI18_ASYNC), ACTION_ITI18_RESP);
	assert_null(action_response_for("urn:x"));
	assert_null(action_response_for(NULL));
	assert_string_equal(action_request_for(TXN_ITI18), ACTION_ITI18);
	assert_string_equal(action_request_for(TXN_ITI41), ACTION_ITI41);
	assert_null(action_request_for(TXN_NONE));
	assert_int_equal(action_txn(ACTION_ITI43_RESP), TXN_ITI43);
	assert_int_equal(action_txn(ACTION_ITI55_DEFERRED), TXN_NONE);
	assert_int_equal(action_by_response(ACTION_ITI38_RESP)->ae_txn, TXN_ITI38);
	assert_null(action_by_request(ACTION_ITI38_RESP));
	assert_string_equal(action_txn_name(TXN_ITI55), "ITI-55");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_valid),
		cmocka_unit_test(test_samples_wsa_mustunderstand),
		cmocka_unit_test(test_inline_base64),
		cmocka_unit_test(test_base64_rules),
		cmocka_unit_test(test_hostile_xml),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_envelope_rules),
		cmocka_unit_test(test_addressing_rules),
		cmocka_unit_test(test_must_understand),
		cmocka_unit_test(test_build_response),
		cmocka_unit_test(test_build_request),
		cmocka_unit_test(test_build_faults),
		cmocka_unit_test(test_actions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
