/* Unit tests for gateway/requester: the clinician and reason a local system names, read
 * from a SOAP header and written into the requests a gateway passes on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/str.h"
#include "gateway/actions.h"
#include "gateway/requester.h"
#include "gateway/soap.h"

#define CT	"application/soap+xml; charset=UTF-8"
#define ENV_OPEN "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" " \
	"xmlns:wsa=\"http://www.w3.org/2005/08/addressing\"><env:Header>" \
	"<wsa:Action env:mustUnderstand=\"1\">" ACTION_ITI38 "</wsa:Action>" \
	"<wsa:MessageID>urn:uuid:11111111-2222-3333-4444-555555555555</wsa:MessageID>"
#define ENV_CLOSE "</env:Header><env:Body><q:AdhocQueryRequest " \
	"xmlns:q=\"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0\"/></env:Body></env:Envelope>"

/* Parses an ITI-38 request whose header also holds HDR, and reads its requester. */
static void
read_from(const char *hdr, struct requester *r)
{
	struct strbuf sb = { 0 };
	struct soap_msg *m = NULL;
	struct soap_fault f;

	strbuf_printf(&sb, "%s%s%s", ENV_OPEN, hdr, ENV_CLOSE);
	assert_false(sb.sb_failed);
	assert_int_equal(soap_parse((const uint8_t *)sb.sb_data, sb.sb_len, CT, NULL, &m, &f), 0);
	requester_read(m, r);
	soap_msg_free(m);
	strbuf_reset(&sb);
}

static void
test_read(void **state)
{
	struct requester r;

	(void)state;
	read_from("<h:Requester xmlns:h=\"urn:hashi:1\"><h:user>dr-tanaka</h:user>"
	    "<h:reason>意識不明&amp;搬送</h:reason></h:Requester>", &r);
	assert_int_equal(r.rq_present, 1);
	assert_string_equal(r.rq_user, "dr-tanaka");
	assert_string_equal(r.rq_reason, "意識不明&搬送");
	/* control characters never reach a log line */
	read_from("<h:Requester xmlns:h=\"urn:hashi:1\"><h:user>a&#10;b</h:user>"
	    "<h:reason>r</h:reason></h:Requester>", &r);
	assert_string_equal(r.rq_user, "a b");
	/* a reason alone, or another namespace, is no requester */
	read_from("<h:Requester xmlns:h=\"urn:hashi:1\"><h:reason>r</h:reason></h:Requester>", &r);
	assert_int_equal(r.rq_present, 0);
	assert_string_equal(r.rq_reason, "");
	read_from("<h:Requester xmlns:h=\"urn:other\"><h:user>u</h:user><h:reason>r</h:reason>"
	    "</h:Requester>", &r);
	assert_int_equal(r.rq_present, 0);
	read_from("", &r);
	assert_int_equal(r.rq_present, 0);
}

/* An over-long user is cut at a character boundary, never inside a UTF-8 sequence. */
static void
test_cut(void **state)
{
	struct strbuf hdr = { 0 };
	struct requester r;
	int i;

	(void)state;
	strbuf_puts(&hdr, "<h:Requester xmlns:h=\"urn:hashi:1\"><h:user>");
	for (i = 0; i < 100; i++)
		strbuf_puts(&hdr, "田");	/* 3 bytes each: 300 > REQUESTER_USER_MAX */
	strbuf_puts(&hdr, "</h:user><h:reason>r</h:reason></h:Requester>");
	read_from(hdr.sb_data, &r);
	strbuf_reset(&hdr);
	assert_int_equal(r.rq_present, 1);
	assert_true(strlen(r.rq_user) < REQUESTER_USER_MAX);
	assert_int_equal(strlen(r.rq_user) % 3, 0);
}

/* What is passed on reads back the same, escaped on the way. */
static void
test_put_round_trip(void **state)
{
	struct requester r = { "u<1>", "a & b", 1, "" }, back;
	struct strbuf sb = { 0 };

	(void)state;
	assert_int_equal(requester_put(&sb, &r), 0);
	assert_non_null(strstr(sb.sb_data, "u&lt;1&gt;"));
	read_from(sb.sb_data, &back);
	assert_string_equal(back.rq_user, "u<1>");
	assert_string_equal(back.rq_reason, "a & b");
	strbuf_reset(&sb);
	r.rq_present = 0;
	assert_int_equal(requester_put(&sb, &r), 0);
	assert_int_equal(sb.sb_len, 0);
}

/* The declared purpose is its own header block, read with or without a Requester, and
 * passed on with it; an empty one is not written. */
static void
test_purpose(void **state)
{
	struct requester r = { "", "", 0, "emergency" }, back;
	struct strbuf sb = { 0 };

	(void)state;
	read_from("<h:PurposeOfUse xmlns:h=\"urn:hashi:1\">imaging</h:PurposeOfUse>", &back);
	assert_string_equal(back.rq_purpose, "imaging");
	assert_int_equal(back.rq_present, 0);
	read_from("<h:PurposeOfUse xmlns:h=\"urn:hashi:1\">emergency</h:PurposeOfUse>"
	    "<h:Requester xmlns:h=\"urn:hashi:1\"><h:user>u</h:user></h:Requester>", &back);
	assert_string_equal(back.rq_purpose, "emergency");	/* kept: the user is not */
	assert_string_equal(back.rq_user, "");
	read_from("<h:PurposeOfUse xmlns:h=\"urn:other\">imaging</h:PurposeOfUse>", &back);
	assert_string_equal(back.rq_purpose, "");
	assert_int_equal(requester_put(&sb, &r), 0);
	assert_non_null(strstr(sb.sb_data, "PurposeOfUse"));
	assert_null(strstr(sb.sb_data, "Requester"));
	read_from(sb.sb_data, &back);
	assert_string_equal(back.rq_purpose, "emergency");
	strbuf_reset(&sb);
	r.rq_purpose[0] = '\0';
	assert_int_equal(requester_put(&sb, &r), 0);
	assert_int_equal(sb.sb_len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_put_round_trip),
		cmocka_unit_test(test_purpose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
