/*
 * tests/unit/test_metrics: the admin listener's bookkeeping (gateway/metrics): nearest-rank
 * percentiles, histogram bucket boundaries, the latency ring, per-peer counters and the
 * Prometheus / JSON renderings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gateway/metrics.h"

static void
test_percentile(void **state)
{
	double v[100], one[1] = { 7 };
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		v[i] = (double)(100 - i);	/* 100 .. 1, unsorted */
	assert_true(metrics_percentile(v, 100, 50) == 50);
	assert_true(metrics_percentile(v, 100, 90) == 90);
	assert_true(metrics_percentile(v, 100, 99) == 99);
	assert_true(metrics_percentile(v, 100, 100) == 100);
	assert_true(metrics_percentile(one, 1, 50) == 7);
	assert_true(metrics_percentile(one, 0, 50) == -1);
}

static void
test_buckets(void **state)
{
	(void)state;
	assert_int_equal(metrics_bucket(0), 0);
	assert_int_equal(metrics_bucket(0.005), 0);	/* le is inclusive */
	assert_int_equal(metrics_bucket(0.0051), 1);
	assert_int_equal(metrics_bucket(1.0), 7);
	assert_int_equal(metrics_bucket(10), METRICS_NBUCKETS - 1);
	assert_int_equal(metrics_bucket(10.5), METRICS_NBUCKETS);
	assert_true(metrics_buckets[0] == 0.005 && metrics_buckets[METRICS_NBUCKETS - 1] == 10);
}

static void
test_ring(void **state)
{
	struct metrics *m = metrics_new();
	struct metrics_peer *p;
	size_t i;

	(void)state;
	assert_non_null(m);
	p = metrics_peer(m, "mame", "urn:oid:1.2");
	assert_non_null(p);
	assert_true(metrics_peer_percentile(p, 50) == -1);
	/* 1024 slow calls, then 1024 fast ones: only the last METRICS_RING count */
	for (i = 0; i < 2 * METRICS_RING; i++) {
		metrics_peer_begin(p);
		metrics_peer_end(p, MPO_OK, i < METRICS_RING ? 5000 : 3, 100, NULL);
	}
	assert_true(metrics_peer_percentile(p, 99) == 3);
	assert_int_equal(metrics_peer_count(p, MPO_OK), 2 * METRICS_RING);
	assert_int_equal(metrics_peer_inflight(p), 0);
	metrics_free(m);
}

static void
test_render(void **state)
{
	struct metrics *m = metrics_new();
	struct metrics_peer *p, *q;
	struct metrics_info mi = { .mi_name = "晴れ\"net", .mi_hcid = "urn:oid:1.1",
	    .mi_uptime_s = 42, .mi_inflight = 3 };
	struct strbuf sb = { 0 };

	(void)state;
	p = metrics_peer(m, "mame", "urn:oid:1.2");
	q = metrics_peer(m, "down", "urn:oid:1.3");
	assert_ptr_equal(metrics_peer(m, "mame", NULL), p);	/* same peer by name */
	metrics_peer_begin(p);
	metrics_peer_end(p, MPO_OK, 20, 1000, NULL);	/* 0.02 s: bucket le=0.025 */
	metrics_peer_begin(q);
	metrics_peer_end(q, MPO_ERROR, 1, 1001, "connection refused");
	metrics_peer_begin(q);
	metrics_peer_begin(q);
	metrics_peer_end(q, MPO_TIMEOUT, 20000, 1002, NULL);
	assert_int_equal(metrics_peer_inflight(q), 1);
	assert_int_equal(metrics_request(m, "ITI-38", "ig", MO_PARTIAL), 0);
	assert_int_equal(metrics_request(m, "ITI-38", "ig", MO_PARTIAL), 0);
	assert_int_equal(metrics_request(m, "ITI-38", "xca", MO_SUCCESS), 0);
	assert_int_equal(metrics_request_count(m, "ITI-38", "ig", MO_PARTIAL), 2);
	assert_int_equal(metrics_request_count(m, "ITI-38", "ig", MO_SUCCESS), 0);

	assert_int_equal(metrics_render_prom(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "hashi_up 1\n"));
	assert_non_null(strstr(sb.sb_data, "hashi_inflight_requests 3\n"));
	assert_non_null(strstr(sb.sb_data, "hashi_requests_total{transaction=\"ITI-38\","
	    "endpoint=\"ig\",outcome=\"partial\"} 2\n"));
	assert_non_null(strstr(sb.sb_data, "hashi_peer_requests_total{peer=\"down\","
	    "outcome=\"error\"} 1\n"));
	assert_non_null(strstr(sb.sb_data, "hashi_peer_latency_seconds_bucket{peer=\"mame\","
	    "le=\"0.01\"} 0\n"));
	assert_non_null(strstr(sb.sb_data, "hashi_peer_latency_seconds_bucket{peer=\"mame\","
	    "le=\"0.025\"} 1\n"));
	assert_non_null(strstr(sb.sb_data, "hashi_peer_latency_seconds_bucket{peer=\"down\","
	    "le=\"10\"} 1\n"));
	assert_non_null(strstr(sb.sb_data, "hashi_peer_latency_seconds_bucket{peer=\"down\","
	    "le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(sb.sb_data, "hashi_peer_timeouts_total{peer=\"down\"} 1\n"));
	assert_non_null(strstr(sb.sb_data, "hashi_peer_in_flight{peer=\"down\"} 1\n"));
	strbuf_reset(&sb);

	assert_int_equal(metrics_render_status(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "\"name\":\"晴れ\\\"net\""));
	assert_non_null(strstr(sb.sb_data, "\"uptime_s\":42,\"draining\":false"));
	assert_non_null(strstr(sb.sb_data, "\"last_success\":1000,"));
	assert_non_null(strstr(sb.sb_data, "\"last_error\":{\"time\":1002,\"what\":\"timeout\"}"));
	assert_non_null(strstr(sb.sb_data, "\"p50\":20.0"));
	strbuf_reset(&sb);

	assert_int_equal(metrics_render_table(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "mame"));
	assert_non_null(strstr(sb.sb_data, "down"));
	strbuf_reset(&sb);
	metrics_free(m);
}

/* The audit log's health in the three renderings: a failing log must be visible. */
static void
test_render_audit(void **state)
{
	struct metrics *m = metrics_new();
	struct metrics_info mi = { .mi_name = "n", .mi_hcid = "urn:oid:1.1", .mi_audit = 1,
	    .mi_audit_healthy = 0, .mi_audit_size = 12, .mi_audit_checkpoint = 10,
	    .mi_audit_failures = 2, .mi_audit_refused = 5, .mi_audit_error = "map \"full\"" };
	struct strbuf sb = { 0 };

	(void)state;
	assert_int_equal(metrics_render_prom(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "\nhashi_audit_healthy 0\n"));
	assert_non_null(strstr(sb.sb_data, "\nhashi_audit_records 12\n"));
	assert_non_null(strstr(sb.sb_data, "\nhashi_audit_checkpoint_size 10\n"));
	assert_non_null(strstr(sb.sb_data, "\nhashi_audit_refused_total 5\n"));
	strbuf_reset(&sb);
	assert_int_equal(metrics_render_status(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "\"healthy\":false,\"audit\":{\"healthy\":false,"
	    "\"records\":12,\"checkpoint\":10,\"commit_failures\":2,\"refused\":5,"
	    "\"error\":\"map \\\"full\\\"\"}"));
	strbuf_reset(&sb);
	assert_int_equal(metrics_render_table(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "audit log: FAILING (map \"full\")"));
	strbuf_reset(&sb);
	mi.mi_audit_healthy = 1;
	mi.mi_audit_error = "";
	assert_int_equal(metrics_render_status(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "\"healthy\":true,"));
	assert_non_null(strstr(sb.sb_data, "\"error\":null"));
	strbuf_reset(&sb);
	mi.mi_audit_fwd = 1;
	mi.mi_audit_fwd_backlog = 7;
	assert_int_equal(metrics_render_prom(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "\nhashi_audit_forward_connected 0\n"));
	assert_non_null(strstr(sb.sb_data, "\nhashi_audit_forward_backlog 7\n"));
	strbuf_reset(&sb);
	assert_int_equal(metrics_render_status(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data,
	    "\"forward\":{\"connected\":false,\"backlog\":7,\"saved\":false}}"));
	strbuf_reset(&sb);
	mi.mi_audit_fwd_saved = 1;
	assert_int_equal(metrics_render_status(m, &mi, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "\"backlog\":7,\"saved\":true}}"));
	strbuf_reset(&sb);
	mi.mi_audit = 0;
	assert_int_equal(metrics_render_prom(m, &mi, &sb), 0);
	assert_null(strstr(sb.sb_data, "hashi_audit_"));
	strbuf_reset(&sb);
	metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_audit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
