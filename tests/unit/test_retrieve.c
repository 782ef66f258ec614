/*
 * tests/unit/test_retrieve: the streamed Retrieve Document Set answer (gateway/retrieve),
 * the RegistryError list (gateway/regerr) and the static patient-id map (gateway/pidmap).
 * The retrieve tests run against a real regstore in a temp dir and parse the produced MTOM
 * body back with the SOAP layer, so framing, status and errors are all checked end to end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "common/xml.h"
#include "gateway/pidmap.h"
#include "gateway/regstore.h"
#include "gateway/retrieve.h"
#include "gateway/soap.h"

#include "tests/unit/sor_builder.h"

#define HOME	"urn:oid:1.2.392.200119.6.1002"

static char tmpdir[256];
static struct regstore *rs;
static struct sub sub;
static uint8_t big[REGSTORE_CHUNK * 2 + 333];

static int
setup(void **state)
{
	struct regstore_content c[2];
	struct reg_errors errs = { 0 };
	char text[160], envdir[300], *xml;
	xmlDocPtr doc;
	enum xml_err xerr;
	size_t i;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hashi-retrieve.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(envdir, sizeof(envdir), "%s/registry", tmpdir);
	assert_non_null(rs = regstore_open(envdir, 64u << 20));
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	sub_init(&sub, 2);
	content_text(&sub, 0, text, sizeof(text));
	memset(c, 0, sizeof(c));
	c[0].rc_entry_id = sub.id[0];
	c[0].rc_data = (const uint8_t *)text;
	c[0].rc_len = strlen(text);
	c[1].rc_entry_id = sub.id[1];
	c[1].rc_data = big;
	c[1].rc_len = sizeof(big);
	xml = sub_xml(&sub);
	assert_non_null(doc = xml_parse_safe(xml, strlen(xml), NULL, &xerr));
	assert_int_equal(regstore_submit(rs, xmlDocGetRootElement(doc), c, 2, REPO, &errs), 0);
	xmlFreeDoc(doc);
	free(xml);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	regstore_close(rs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Builds a RetrieveDocumentSetRequest from (home, repo, uid) triples; home may be NULL. */
static xmlDocPtr
request(int n, ...)
{
	struct strbuf b = { 0 };
	enum xml_err xerr;
	xmlDocPtr doc;
	va_list ap;
	int i;

	strbuf_puts(&b, "<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"" NS_XDSB "\">");
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *home = va_arg(ap, const char *);
		const char *repo = va_arg(ap, const char *);
		const char *uid = va_arg(ap, const char *);

		strbuf_puts(&b, "<xdsb:DocumentRequest>");
		if (home != NULL)
			strbuf_printf(&b, "<xdsb:HomeCommunityId>%s</xdsb:HomeCommunityId>", home);
		strbuf_printf(&b, "<xdsb:RepositoryUniqueId>%s</xdsb:RepositoryUniqueId>"
		    "<xdsb:DocumentUniqueId>%s</xdsb:DocumentUniqueId></xdsb:DocumentRequest>",
		    repo, uid);
	}
	va_end(ap);
	strbuf_puts(&b, "</xdsb:RetrieveDocumentSetRequest>");
	doc = xml_parse_safe(b.sb_data, b.sb_len, NULL, &xerr);
	strbuf_reset(&b);
	assert_non_null(doc);
	return doc;
}

/* Runs the stream over REQ to completion, pulling at most MAX bytes at a time, and parses
 * the body back. */
/* The consent check run() passes to the stream (NULL = none). */
static const char *(*release_fn)(void *, const char *);

static struct soap_msg *
run(xmlDocPtr req, int xca, size_t max, struct evbuffer *body)
{
	struct retrieve_ctx ctx = { HOME, REPO, xca, ACTION_ITI39_RESP, "urn:uuid:x",
	    release_fn, NULL };
	struct reg_errors errs = { 0 };
	struct retrieve_set set;
	struct retrieve_stream *st;
	struct soap_limits lim = { 0 };
	struct soap_fault f;
	struct soap_msg *msg = NULL;
	size_t before;
	int r;

	retrieve_parse(xmlDocGetRootElement(req), &set, &errs);
	assert_non_null(st = retrieve_stream_new(rs, &set, &ctx, &errs));
	assert_int_equal(errs.rl_n, 0);	/* moved into the stream */
	do {
		before = evbuffer_get_length(body);
		r = retrieve_stream_pull(st, body, max);
		/* one pull adds at most a stored chunk beyond MAX */
		assert_true(evbuffer_get_length(body) - before <= max + REGSTORE_CHUNK + 1024);
	} while (r == 0);
	assert_int_equal(r, 1);
	lim.sl_expect_response = 1;
	assert_int_equal(soap_parse(evbuffer_pullup(body, -1), evbuffer_get_length(body),
	    retrieve_stream_content_type(st), &lim, &msg, &f), 0);
	retrieve_stream_free(st);
	retrieve_set_free(&set);
	return msg;
}

static char *
status_of(struct soap_msg *msg)
{
	xmlNodePtr rr = xml_child(soap_msg_payload(msg), NS_RS, "RegistryResponse");

	return xml_attr(rr, "status");
}

static int
has_error(struct soap_msg *msg, const char *code, const char *loc)
{
	xmlNodePtr rr = xml_child(soap_msg_payload(msg), NS_RS, "RegistryResponse");
	xmlNodePtr e = xml_child(xml_child(rr, NS_RS, "RegistryErrorList"), NS_RS,
	    "RegistryError");
	int hit = 0;

	for (; e != NULL && !hit; e = xml_next(e, NS_RS, "RegistryError")) {
		char *c = xml_attr(e, "errorCode"), *l = xml_attr(e, "location");

		hit = c && strcmp(c, code) == 0 && l && strcmp(l, loc) == 0;
		free(c);
		free(l);
	}
	return hit;
}

static void
test_retrieve_two_documents(void **state)
{
	char u0[96], u1[96], text[160];
	struct evbuffer *body = evbuffer_new();
	xmlDocPtr req;
	struct soap_msg *msg;
	xmlNodePtr dr;
	const uint8_t *data;
	size_t len;
	char *st, *home;

	(void)state;
	req = request(2, HOME, REPO, uid_of(&sub, 1, u0, sizeof(u0)), HOME, REPO,
	    uid_of(&sub, 2, u1, sizeof(u1)));
	msg = run(req, 1, 4096, body);
	assert_true(soap_msg_is_mtom(msg));
	assert_string_equal(soap_msg_wsa(msg)->wa_action, ACTION_ITI39_RESP);
	assert_string_equal(soap_msg_wsa(msg)->wa_relates_to, "urn:uuid:x");
	st = status_of(msg);
	assert_string_equal(st, RS_STATUS_SUCCESS);
	dr = xml_child(soap_msg_payload(msg), NS_XDSB, "DocumentResponse");
	home = xml_text(xml_child(dr, NS_XDSB, "HomeCommunityId"));
	assert_string_equal(home, HOME);
	content_text(&sub, 0, text, sizeof(text));
	assert_int_equal(soap_element_bytes(msg, xml_child(dr, NS_XDSB, "Document"), &data,
	    &len), 0);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(data, text, len);
	dr = xml_next(dr, NS_XDSB, "DocumentResponse");
	assert_int_equal(soap_element_bytes(msg, xml_child(dr, NS_XDSB, "Document"), &data,
	    &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_memory_equal(data, big, len);
	free(st);
	free(home);
	soap_msg_free(msg);
	xmlFreeDoc(req);
	evbuffer_free(body);
}

static void
test_retrieve_errors(void **state)
{
	char u0[96], *st;
	struct evbuffer *body = evbuffer_new();
	xmlDocPtr req;
	struct soap_msg *msg;

	(void)state;
	req = request(5, HOME, REPO, uid_of(&sub, 1, u0, sizeof(u0)),
	    HOME, REPO, "1.2.3.4.404",
	    HOME, "9.9.9", "1.2.3.4.5",
	    "urn:oid:7.7.7", REPO, "1.2.3.4.6",
	    (const char *)NULL, REPO, "1.2.3.4.7");
	msg = run(req, 1, 1 << 20, body);
	st = status_of(msg);
	assert_string_equal(st, RS_STATUS_PARTIAL);
	assert_true(has_error(msg, "XDSDocumentUniqueIdError", "1.2.3.4.404"));
	assert_true(has_error(msg, "XDSUnknownRepositoryId", "9.9.9"));
	assert_true(has_error(msg, "XDSUnknownCommunity", "urn:oid:7.7.7"));
	assert_true(has_error(msg, "XDSMissingHomeCommunityId", "1.2.3.4.7"));
	free(st);
	soap_msg_free(msg);
	xmlFreeDoc(req);
	evbuffer_free(body);

	/* ITI-43 (not XCA): HomeCommunityId may be absent; nothing found → Failure */
	body = evbuffer_new();
	req = request(1, (const char *)NULL, REPO, "1.2.3.4.8");
	msg = run(req, 0, 1 << 20, body);
	st = status_of(msg);
	assert_string_equal(st, RS_STATUS_FAILURE);
	assert_true(has_error(msg, "XDSDocumentUniqueIdError", "1.2.3.4.8"));
	assert_null(xml_child(soap_msg_payload(msg), NS_XDSB, "DocumentResponse"));
	free(st);
	soap_msg_free(msg);
	xmlFreeDoc(req);
	evbuffer_free(body);
}

/* The document deny_one refuses. */
static const char *denied_uid;

static const char *
deny_one(void *arg, const char *uid)
{
	(void)arg;
	return strcmp(uid, denied_uid) == 0 ? "no consent" : NULL;
}

/* A document the consent check refuses is not sent: a ConsentRequired error at its
 * uniqueId, PartialSuccess with the others. */
static void
test_retrieve_consent(void **state)
{
	char u0[96], u1[96], *st;
	struct evbuffer *body = evbuffer_new();
	xmlDocPtr req;
	xmlNodePtr dr;
	struct soap_msg *msg;

	(void)state;
	req = request(2, HOME, REPO, uid_of(&sub, 1, u0, sizeof(u0)), HOME, REPO,
	    uid_of(&sub, 2, u1, sizeof(u1)));
	denied_uid = u0;
	release_fn = deny_one;
	msg = run(req, 1, 1 << 20, body);
	release_fn = NULL;
	st = status_of(msg);
	assert_true(has_error(msg, REGERR_CONSENT_REQUIRED, u0));
	assert_false(has_error(msg, REGERR_CONSENT_REQUIRED, u1));
	assert_string_equal(st, RS_STATUS_PARTIAL);
	dr = xml_child(soap_msg_payload(msg), NS_XDSB, "DocumentResponse");
	assert_non_null(dr);
	assert_null(xml_next(dr, NS_XDSB, "DocumentResponse"));
	free(st);
	soap_msg_free(msg);
	xmlFreeDoc(req);
	evbuffer_free(body);
}

static void
test_regerr_status(void **state)
{
	struct reg_errors e = { 0 };
	struct strbuf sb = { 0 };

	(void)state;
	assert_string_equal(regerr_status(&e, 1), RS_STATUS_SUCCESS);
	assert_string_equal(regerr_status(&e, 0), RS_STATUS_SUCCESS);
	regerr_add(&e, 1, "XDSRegistryError", NULL, "just a warning");
	assert_string_equal(regerr_status(&e, 1), RS_STATUS_SUCCESS);
	regerr_add(&e, 0, "XDSUnavailableCommunity", "urn:oid:1.2", "peer <%s> & co", "x");
	assert_string_equal(regerr_status(&e, 1), RS_STATUS_PARTIAL);
	assert_string_equal(regerr_status(&e, 0), RS_STATUS_FAILURE);
	assert_int_equal(regerr_render(&e, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "codeContext=\"peer &lt;x&gt; &amp; co\""));
	assert_non_null(strstr(sb.sb_data, "location=\"urn:oid:1.2\""));
	assert_non_null(strstr(sb.sb_data, "highestSeverity=\"" RS_SEVERITY_ERROR "\""));
	strbuf_reset(&sb);
	regerr_clear(&e);

	/* a context cut at the buffer's end never ends inside a UTF-8 sequence */
	{
		char longtext[1200];
		size_t i;

		for (i = 0; i + 3 < sizeof(longtext); i += 3)
			memcpy(longtext + i, "\xe6\xa9\x8b", 3);	/* 橋 */
		longtext[i] = '\0';
		for (i = 0; i < 3; i++) {
			regerr_add(&e, 0, "XDSRegistryError", NULL, "%.*s%s", (int)i, "ab",
			    longtext);
			assert_true(xmlCheckUTF8((const xmlChar *)e.rl_err[0].re_context));
			assert_true(strlen(e.rl_err[0].re_context) >= 500);
			regerr_clear(&e);
		}
	}
}

static void
test_pidmap(void **state)
{
	struct patient_map map[1] = { { "P1^^^&1.2.3&ISO", "S9^^^&1.2.4&ISO" } };
	struct peer p;
	char *out = NULL, *aa;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.pr_assigning_authority = "1.2.4";
	p.pr_map = map;
	p.pr_nmap = 1;
	assert_int_equal(pidmap_to_peer(NULL, &p, "P1^^^&1.2.3&ISO", 0, &out), 0);
	assert_string_equal(out, "S9^^^&1.2.4&ISO");
	free(out);
	assert_int_equal(pidmap_to_peer(NULL, &p, "P2^^^&1.2.3&ISO", 0, &out), 1);
	assert_null(out);
	/* already the peer's id: passes through */
	assert_int_equal(pidmap_to_peer(NULL, &p, "S5^^^&1.2.4&ISO", 0, &out), 0);
	assert_string_equal(out, "S5^^^&1.2.4&ISO");
	free(out);
	aa = pidmap_authority("X^^^&1.2.840&ISO");
	assert_string_equal(aa, "1.2.840");
	free(aa);
	assert_null(pidmap_authority("no-authority"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_retrieve_two_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_consent, setup, teardown),
		cmocka_unit_test(test_regerr_status),
		cmocka_unit_test(test_pidmap),
	};

	xml_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
