/*
 * tests/unit/test_gw_audit.c: hashid's audit sink (gateway/gw_audit.h) on a real event
 * loop and a real log in a temp dir: answers wait for their records' commit by the writer
 * thread; bursts are group-committed; a full map refuses (ok = 0), the sink reports itself
 * unhealthy (a checkpoint that still fits does not make it healthy), and a larger map on
 * reconfiguration makes it recover; shutdown commits what
 * is pending and signs a checkpoint that the offline verifier accepts.
 */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "audit/auditlog.h"
#include "crypto/checkpoint.h"
#include "gateway/config.h"
#include "gateway/gw_audit.h"
#include "gateway/gw_audit_int.h"
#include "tests/unit/tmpdir.h"

#define NBURST	300

struct fx {
	char			 dir[64];
	char			 state[96];
	struct config		 cf;
	struct event_base	*base;
	struct gw_audit		*a;
};

struct waited {
	int	n;		/* callbacks seen */
	int	ok;		/* of them, ok = 1 */
	int	refused;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/test_gw_audit.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->state, sizeof(fx->state), "%s/state", fx->dir);
	assert_int_equal(mkdir(fx->state, 0700), 0);
	fx->cf.cf_state_dir = fx->state;
	fx->cf.cf_hcid = "urn:oid:1.2.392.200119.6.1001";
	fx->cf.cf_name = "test";
	fx->cf.cf_audit_map_size = 64u << 20;
	fx->cf.cf_audit_ckpt_interval_ms = 60000;
	fx->cf.cf_audit_ckpt_entries = 1000000;
	assert_non_null(fx->base = event_base_new());
	assert_non_null(fx->a = gw_audit_new(fx->base, &fx->cf, NULL, NULL));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	gw_audit_free(fx->a);
	event_base_free(fx->base);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

static void
on_done(void *arg, int ok)
{
	struct waited *w = arg;

	w->n++;
	if (ok)
		w->ok++;
	else
		w->refused++;
}

/* A record of PAD bytes of query, for patient number I. */
static int
add(struct gw_audit *a, int i, size_t pad, uint64_t *gen)
{
	static char query[64 * 1024];
	struct atna_record r;
	char pid[64];
	const char *pids[1] = { pid };

	memset(query, 'q', sizeof(query));
	snprintf(pid, sizeof(pid), "P%04d^^^&1.2.3&ISO", i);
	memset(&r, 0, sizeof(r));
	r.ar_event = ATNA_ITI18;
	r.ar_time_ms = 1796298995000LL + i;
	r.ar_source_id = "urn:oid:1.2.392.200119.6.1001";
	r.ar_patients = pids;
	r.ar_npatients = 1;
	r.ar_query_id = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d";
	r.ar_query = (const uint8_t *)query;
	r.ar_query_len = pad < sizeof(query) ? pad : sizeof(query);
	return gw_audit_add(a, &r, gen);
}

/* Runs the loop until W has N callbacks (or 10 s). */
static void
run_until(struct fx *fx, struct waited *w, int n)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000 && w->n < n; i++) {
		event_base_loop(fx->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		nanosleep(&ms, NULL);
	}
	assert_int_equal(w->n, n);
}

/* An answer waits for its record; none is told before the commit. */
static void
test_wait_commit(void **state)
{
	struct fx *fx = *state;
	struct gw_audit_stats st;
	struct waited w = { 0 };
	uint64_t gen;

	assert_int_equal(add(fx->a, 1, 100, &gen), 0);
	assert_int_equal(gw_audit_wait(fx->a, gen, on_done, &w), 0);
	assert_int_equal(w.n, 0);	/* never from within the call */
	run_until(fx, &w, 1);
	assert_int_equal(w.ok, 1);
	gw_audit_stats(fx->a, &st);
	assert_int_equal(st.gs_healthy, 1);
	assert_int_equal(st.gs_size, 1);
	assert_int_equal(st.gs_records, 1);
}

/* A burst: every answer told ok, every record in the log, in fewer commits than records
 * (the batches grow while the writer syncs). */
static void
test_burst(void **state)
{
	struct fx *fx = *state;
	struct gw_audit_stats st;
	struct waited w = { 0 };
	uint64_t gen;
	int i;

	for (i = 0; i < NBURST; i++) {
		assert_int_equal(add(fx->a, i, 500, &gen), 0);
		assert_int_equal(gw_audit_wait(fx->a, gen, on_done, &w), 0);
		if (i % 10 == 0)	/* the loop turns while the records come */
			event_base_loop(fx->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	run_until(fx, &w, NBURST);
	assert_int_equal(w.ok, NBURST);
	gw_audit_stats(fx->a, &st);
	assert_int_equal(st.gs_size, NBURST);
	assert_true(st.gs_commits < NBURST / 5);
}

/* A map too small: answers refused, unhealthy; a larger map on reconfiguration: ok. */
static void
test_full_then_recover(void **state)
{
	struct fx *fx = *state;
	struct gw_audit_stats st;
	struct waited w = { 0 }, w2 = { 0 };
	uint64_t gen;
	int i;

	gw_audit_free(fx->a);
	fx->cf.cf_audit_map_size = 1u << 20;
	assert_non_null(fx->a = gw_audit_new(fx->base, &fx->cf, NULL, NULL));
	for (i = 0; i < 200 && w.refused == 0; i++) {
		assert_int_equal(add(fx->a, i, 16 * 1024, &gen), 0);
		assert_int_equal(gw_audit_wait(fx->a, gen, on_done, &w), 0);
		run_until(fx, &w, i + 1);
	}
	assert_int_equal(w.refused, 1);
	assert_true(w.ok > 0);
	gw_audit_stats(fx->a, &st);
	assert_int_equal(st.gs_healthy, 0);
	assert_int_equal(st.gs_refused, 1);
	assert_true(st.gs_failures >= 1);
	assert_string_equal(st.gs_error, auditlog_strerror(AUDITLOG_EFULL));
	/* a commit without records (a checkpoint fits) proves nothing: still unhealthy */
	gw_audit_maybe_checkpoint(fx->a, 1);
	for (i = 0; i < 200; i++) {
		struct timespec ms = { 0, 1000000 };

		event_base_loop(fx->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		nanosleep(&ms, NULL);
	}
	gw_audit_stats(fx->a, &st);
	assert_int_equal(st.gs_healthy, 0);
	/* still full: refused again, nothing written */
	assert_int_equal(add(fx->a, 999, 16 * 1024, &gen), 0);
	assert_int_equal(gw_audit_wait(fx->a, gen, on_done, &w2), 0);
	run_until(fx, &w2, 1);
	assert_int_equal(w2.refused, 1);
	fx->cf.cf_audit_map_size = 64u << 20;
	gw_audit_reconfigure(fx->a, &fx->cf);
	memset(&w2, 0, sizeof(w2));
	assert_int_equal(add(fx->a, 1000, 16 * 1024, &gen), 0);
	assert_int_equal(gw_audit_wait(fx->a, gen, on_done, &w2), 0);
	run_until(fx, &w2, 1);
	assert_int_equal(w2.ok, 1);
	gw_audit_stats(fx->a, &st);
	assert_int_equal(st.gs_healthy, 1);
	assert_int_equal(st.gs_size, (uint64_t)w.ok + 1);
}

/* Shutdown commits the pending records, tells their waiters, and signs a checkpoint the
 * offline verifier accepts. */
static void
test_shutdown_checkpoint(void **state)
{
	struct fx *fx = *state;
	struct waited w = { 0 };
	struct note_verifier *v;
	char path[160], vkey[512];
	uint64_t gen;
	FILE *f;
	int i;

	for (i = 0; i < 5; i++) {
		assert_int_equal(add(fx->a, i, 100, &gen), 0);
		assert_int_equal(gw_audit_wait(fx->a, gen, on_done, &w), 0);
	}
	gw_audit_free(fx->a);		/* before the loop ever ran */
	fx->a = NULL;
	assert_int_equal(w.ok, 5);
	snprintf(path, sizeof(path), "%s/audit-signing.key.pub", fx->state);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(vkey, sizeof(vkey), f));
	fclose(f);
	vkey[strcspn(vkey, "\n")] = '\0';
	assert_non_null(v = note_verifier_parse(vkey));
	snprintf(path, sizeof(path), "%s/audit", fx->state);
	assert_int_equal(auditlog_verify(path, v, NULL), 0);
	note_verifier_free(v);
	assert_non_null(fx->a = gw_audit_new(fx->base, &fx->cf, NULL, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wait_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_then_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_checkpoint, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
