/* Unit tests for gateway/scn_http: reading the initiating gateway's Server-Timing header
 * into hops, and the POST helper's failures (the successful path runs against real
 * gateways in the scenario suites). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <signal.h>

#include "gateway/scn_http.h"

static void
test_timing_parse(void **state)
{
	struct scn_timing t[8];

	(void)state;
	assert_int_equal(scn_timing_parse("iti55.shimane;dur=14;desc=\"linked\", "
	    "iti38.shimane;dur=45;desc=\"ok\", iti38.tottori;dur=3000;desc=\"no answer "
	    "within the deadline\"", t, 8), 3);
	assert_string_equal(t[0].st_txn, "iti55");
	assert_string_equal(t[0].st_peer, "shimane");
	assert_int_equal(t[0].st_ms, 14);
	assert_string_equal(t[0].st_desc, "linked");
	assert_string_equal(t[2].st_peer, "tottori");
	assert_int_equal(t[2].st_ms, 3000);
	assert_string_equal(t[2].st_desc, "no answer within the deadline");
	/* commas and semicolons inside a quoted desc are text; names with dots keep them */
	assert_int_equal(scn_timing_parse("iti39.a.b;dur=0;desc=\"not sent: x, y; z\", "
	    "iti38.c;desc=\"q\";dur=7", t, 8), 2);
	assert_string_equal(t[0].st_peer, "a.b");
	assert_string_equal(t[0].st_desc, "not sent: x, y; z");
	assert_int_equal(t[1].st_ms, 7);
	assert_string_equal(t[1].st_desc, "q");
	/* entries of another shape are skipped; MAX is respected; none */
	assert_int_equal(scn_timing_parse("cache;dur=1, db, total;dur=3, iti38.x;desc=\"no dur\"",
	    t, 8), 0);
	assert_int_equal(scn_timing_parse("a.b;dur=1, c.d;dur=2, e.f;dur=3", t, 2), 2);
	assert_string_equal(t[1].st_peer, "d");
	assert_int_equal(scn_timing_parse(NULL, t, 8), 0);
	assert_int_equal(scn_timing_parse("", t, 8), 0);
}

static void
test_post_failures(void **state)
{
	struct scn_http_reply r;

	(void)state;
	/* unusable client certificate files */
	assert_int_equal(scn_http_post("https://127.0.0.1:1/ig", "/nonexistent.crt",
	    "/nonexistent.key", "/nonexistent-ca.crt", "text/plain", (const uint8_t *)"x", 1,
	    1000, &r), -1);
	assert_non_null(strstr(r.sr_err, "certificate"));
	assert_int_equal(r.sr_status, 0);
	scn_http_reply_reset(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timing_parse),
		cmocka_unit_test(test_post_failures),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
