/*
 * tests/unit/test_audit_search: audit/search over a log of real ATNA records (atna_build,
 * indexed with atna_index_keys as hashid writes them), checked against predicates written
 * here on the record number: each criterion alone, combinations, time ranges; the re-check
 * (a tampered index entry is not a hit, an edited record is an integrity error, a log
 * rewritten under genuine checkpoints has no hits, a forged latest checkpoint is skipped
 * and reported); records after the last checkpoint; and audit/export's escaping.
 */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/atna.h"
#include "audit/auditlog.h"
#include "audit/auditlog_int.h"
#include "audit/export.h"
#include "audit/search.h"
#include "common/store.h"
#include "common/str.h"
#include "common/xml.h"
#include "crypto/checkpoint.h"
#include "tests/unit/auditlog_raw.h"
#include "tests/unit/tmpdir.h"

#define MAPSIZE		((size_t)32 << 20)
#define ORIGIN		"hashi.test/search"
#define NREC		30
#define CKPT1		10
#define CKPT2		24	/* the latest checkpoint: records 24..29 come after it */
#define T0		1714521600000LL
#define MIN		60000LL
#define R1		"urn:oid:1.2.392.200119.6.1001"
#define R2		"urn:oid:1.2.392.200119.6.1002"
#define AA		"^^^&1.2.392.200119.6.1001.1&ISO"

struct fx {
	char			 tmp[64];
	char			 dir[96];
	char			 key2[96];
	struct note_signer	*s;
	struct note_verifier	*v;
	struct auditlog		*log;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct strbuf vkey = { 0 };
	char key[128];

	assert_non_null(fx);
	xml_init();
	snprintf(fx->tmp, sizeof(fx->tmp), "/tmp/test_audit_search.XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	snprintf(fx->dir, sizeof(fx->dir), "%s/audit", fx->tmp);
	snprintf(key, sizeof(key), "%s/key.pem", fx->tmp);
	snprintf(fx->key2, sizeof(fx->key2), "%s/key2.pem", fx->tmp);
	assert_int_equal(note_keygen(ORIGIN, key, &vkey), 0);
	assert_non_null(fx->s = note_signer_load(ORIGIN, key));
	assert_non_null(fx->v = note_verifier_parse(vkey.sb_data));
	strbuf_reset(&vkey);
	assert_non_null(fx->log = auditlog_open(fx->dir, MAPSIZE));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	auditlog_close(fx->log);
	note_signer_free(fx->s);
	note_verifier_free(fx->v);
	assert_int_equal(tmpdir_remove(fx->tmp), 0);
	free(fx);
	return 0;
}

/* The facts of record I, as the predicates below see them. */
static enum atna_event
rec_event(uint64_t i)
{
	static const enum atna_event ev[] = { ATNA_ITI38, ATNA_ITI39, ATNA_ITI55,
	    ATNA_CONSENT_DECISION };

	return ev[i % 4];
}

static int
rec_outcome(uint64_t i)
{
	return i % 11 == 10 ? ATNA_SERIOUS : i % 7 == 6 ? ATNA_MINOR : ATNA_OK;
}

struct keys {
	uint8_t			k[32][ATNA_KEY_MAX];
	struct auditlog_key	ak[32];
	size_t			n;
};

static int
key_cb(void *arg, const uint8_t *key, size_t len)
{
	struct keys *ks = arg;

	assert_true(ks->n < 32);
	memcpy(ks->k[ks->n], key, len);
	ks->ak[ks->n].ak_key = ks->k[ks->n];
	ks->ak[ks->n].ak_len = len;
	ks->n++;
	return 0;
}

/* Builds record I (USER overrides the user when not NULL) into REC. */
static void
build_record(uint64_t i, const char *user, struct strbuf *rec, struct keys *ks)
{
	struct atna_record r;
	struct atna_summary s;
	struct atna_doc doc = { "1.2.3.4.5", "1.2.3.4", R2 };
	char p1[64], p2[64], u[16];
	const char *pats[2] = { p1, p2 };

	snprintf(p1, sizeof(p1), "P%04u" AA, (unsigned)(i % 5));
	snprintf(p2, sizeof(p2), "Q%04u" AA, (unsigned)(i % 4));
	snprintf(u, sizeof(u), "dr-%u", (unsigned)(i % 3));
	memset(&r, 0, sizeof(r));
	r.ar_event = rec_event(i);
	r.ar_outcome = rec_outcome(i);
	r.ar_time_ms = T0 + (int64_t)i * MIN;
	r.ar_purpose = i % 4 == 3 ? "emergency" : "clinical";
	r.ar_src_region = i % 2 ? R2 : R1;
	r.ar_dst_region = i % 2 ? R1 : R2;
	r.ar_src_user = "https://gw1.example.jp/xca";
	r.ar_dst_user = "https://gw2.example.jp/xca";
	r.ar_human = user != NULL ? user : u;
	r.ar_source_id = R1;
	r.ar_patients = pats;
	r.ar_npatients = i % 6 == 0 ? 2 : 1;
	if (r.ar_event == ATNA_ITI39) {
		r.ar_docs = &doc;
		r.ar_ndocs = 1;
	}
	assert_int_equal(atna_build(&r, rec), 0);
	assert_int_equal(atna_record_summary(&r, &s), 0);
	ks->n = 0;
	assert_int_equal(atna_index_keys(&s, key_cb, ks), 0);
}

static void
append(struct fx *fx, uint64_t from, uint64_t to, int ckpt)
{
	struct auditlog_batch b;
	struct strbuf rec = { 0 }, note = { 0 };
	struct keys ks;
	uint64_t i, seq;

	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	for (i = from; i < to; i++) {
		build_record(i, NULL, &rec, &ks);
		assert_int_equal(auditlog_add_indexed(&b, (const uint8_t *)rec.sb_data,
		    rec.sb_len, ks.ak, ks.n, &seq), AUDITLOG_OK);
		assert_int_equal(seq, i);
		strbuf_reset(&rec);
	}
	assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
	if (ckpt)
		assert_int_equal(auditlog_checkpoint(fx->log, fx->s, ORIGIN, &note), AUDITLOG_OK);
	strbuf_reset(&note);
}

static void
build(struct fx *fx)
{
	append(fx, 0, CKPT1, 1);
	append(fx, CKPT1, CKPT2, 1);
	append(fx, CKPT2, NREC, 0);
}

/* What a search reported. */
struct got {
	uint64_t		seq[NREC + 8];
	enum search_status	st[NREC + 8];
	char			problem[NREC + 8][128];
	size_t			n;
};

static int
got_cb(void *arg, const struct search_hit *h)
{
	struct got *g = arg;

	assert_true(g->n < NREC + 8);
	if (h->sh_status == SEARCH_INTEGRITY) {
		assert_null(h->sh_summary);
		snprintf(g->problem[g->n], sizeof(g->problem[0]), "%s", h->sh_problem);
	} else {
		assert_non_null(h->sh_summary);
		assert_non_null(h->sh_record);
	}
	g->seq[g->n] = h->sh_seq;
	g->st[g->n] = h->sh_status;
	g->n++;
	return 0;
}

static int
run(struct fx *fx, const struct search_query *q, struct got *g, struct search_stats *st)
{
	char err[256];

	memset(g, 0, sizeof(*g));
	return search_run(fx->log, fx->v, q, got_cb, g, st, err, sizeof(err));
}

/* The search must return exactly the records I < NREC with PRED(I), in order, all
 * passing the re-check, signed up to CKPT2. */
static void
expect(struct fx *fx, const struct search_query *q, int (*pred)(uint64_t), const char *what)
{
	struct got g;
	struct search_stats st;
	uint64_t i;
	size_t k = 0;

	assert_int_equal(run(fx, q, &g, &st), 0);
	for (i = 0; i < NREC; i++) {
		if (!pred(i))
			continue;
		if (k >= g.n || g.seq[k] != i)
			fail_msg("%s: record %llu missing (hit %zu of %zu)", what,
			    (unsigned long long)i, k, g.n);
		assert_int_equal(g.st[k], i < CKPT2 ? SEARCH_SIGNED : SEARCH_UNSIGNED);
		k++;
	}
	if (k != g.n)
		fail_msg("%s: %zu extra hits", what, g.n - k);
	assert_int_equal(st.ss_hits, k);
	assert_int_equal(st.ss_integrity, 0);
	assert_int_equal(st.ss_stale, 0);
}

static int p_all(uint64_t i) { (void)i; return 1; }
static int p_pat1(uint64_t i) { return i % 5 == 1; }
static int p_q2(uint64_t i) { return i % 6 == 0 && i % 4 == 2; }
static int p_user1(uint64_t i) { return i % 3 == 1; }
static int p_src2(uint64_t i) { return i % 2 == 1; }
static int p_dst2(uint64_t i) { return i % 2 == 0; }
static int p_emerg(uint64_t i) { return i % 4 == 3; }
static int p_minor(uint64_t i) { return rec_outcome(i) == ATNA_MINOR; }
static int p_fail(uint64_t i) { return rec_outcome(i) != ATNA_OK; }
static int p_ok(uint64_t i) { return rec_outcome(i) == ATNA_OK; }
static int p_iti39(uint64_t i) { return rec_event(i) == ATNA_ITI39; }
static int p_5to9(uint64_t i) { return i >= 5 && i <= 9; }
static int p_from25(uint64_t i) { return i >= 25; }
static int p_to3(uint64_t i) { return i <= 3; }
static int p_12(uint64_t i) { return i == 12; }
static int p_none(uint64_t i) { (void)i; return 0; }
static int p_pat1_user1(uint64_t i) { return p_pat1(i) && p_user1(i); }
static int p_combo(uint64_t i) { return p_src2(i) && p_fail(i) && i >= 10 && i <= 27; }
static int p_combo2(uint64_t i) { return p_iti39(i) && p_dst2(i) == 0 && !p_emerg(i); }

static void
test_all_records(void **state)
{
	struct fx *fx = *state;
	struct search_query q;
	struct search_stats st;
	struct got g;

	build(fx);
	search_query_init(&q);
	expect(fx, &q, p_all, "all");
	assert_int_equal(run(fx, &q, &g, &st), 0);
	assert_int_equal(st.ss_size, NREC);
	assert_int_equal(st.ss_ckpt_size, CKPT2);
	assert_int_equal(st.ss_candidates, NREC);
	assert_int_equal(st.ss_bad_ckpts, 0);
}

static void
test_single_criteria(void **state)
{
	struct fx *fx = *state;
	struct search_query q;

	build(fx);
	search_query_init(&q);
	q.sq_patient = "P0001" AA;
	expect(fx, &q, p_pat1, "patient");
	q.sq_patient = "Q0002" AA;	/* a record's second patient */
	expect(fx, &q, p_q2, "second patient");
	q.sq_patient = "P0001";		/* not a prefix search */
	expect(fx, &q, p_none, "patient prefix");
	search_query_init(&q);
	q.sq_user = "dr-1";
	expect(fx, &q, p_user1, "user");
	search_query_init(&q);
	q.sq_src_region = R2;
	expect(fx, &q, p_src2, "from region");
	search_query_init(&q);
	q.sq_dst_region = R2;
	expect(fx, &q, p_dst2, "to region");
	search_query_init(&q);
	q.sq_purpose = "emergency";
	expect(fx, &q, p_emerg, "purpose");
	search_query_init(&q);
	q.sq_outcome = ATNA_MINOR;
	expect(fx, &q, p_minor, "outcome 4");
	q.sq_outcome = SEARCH_OUTCOME_FAILURE;
	expect(fx, &q, p_fail, "failure");
	q.sq_outcome = ATNA_OK;
	expect(fx, &q, p_ok, "success");
	search_query_init(&q);
	q.sq_event = ATNA_ITI39;
	expect(fx, &q, p_iti39, "event");
	q.sq_event = ATNA_MPI_LINK;
	expect(fx, &q, p_none, "absent event");
}

static void
test_time_ranges(void **state)
{
	struct fx *fx = *state;
	struct search_query q;

	build(fx);
	search_query_init(&q);
	q.sq_since_ms = T0 + 5 * MIN;
	q.sq_until_ms = T0 + 9 * MIN;
	expect(fx, &q, p_5to9, "5..9 inclusive");
	q.sq_since_ms = T0 + 5 * MIN - 1;
	q.sq_until_ms = T0 + 10 * MIN - 1;
	expect(fx, &q, p_5to9, "5..9 by milliseconds");
	search_query_init(&q);
	q.sq_since_ms = T0 + 25 * MIN;
	expect(fx, &q, p_from25, "since only");
	search_query_init(&q);
	q.sq_until_ms = T0 + 3 * MIN;
	expect(fx, &q, p_to3, "until only");
	q.sq_since_ms = q.sq_until_ms = T0 + 12 * MIN;
	expect(fx, &q, p_12, "one instant");
	q.sq_since_ms = T0 + 13 * MIN;
	expect(fx, &q, p_none, "since after until");
	search_query_init(&q);
	q.sq_until_ms = T0 - 1;
	expect(fx, &q, p_none, "before everything");
	q.sq_until_ms = -5;
	expect(fx, &q, p_none, "before 1970");
}

static void
test_combined(void **state)
{
	struct fx *fx = *state;
	struct search_query q;

	build(fx);
	search_query_init(&q);
	q.sq_patient = "P0001" AA;
	q.sq_user = "dr-1";
	expect(fx, &q, p_pat1_user1, "patient and user");
	search_query_init(&q);
	q.sq_src_region = R2;
	q.sq_outcome = SEARCH_OUTCOME_FAILURE;
	q.sq_since_ms = T0 + 10 * MIN;
	q.sq_until_ms = T0 + 27 * MIN;
	expect(fx, &q, p_combo, "region, failure and time");
	search_query_init(&q);
	q.sq_event = ATNA_ITI39;
	q.sq_src_region = R2;
	q.sq_purpose = "clinical";
	expect(fx, &q, p_combo2, "event, region and purpose");
}

static void
raw_index(struct store *st, MDB_txn *txn, const uint8_t *key, size_t len, uint64_t seq)
{
	uint8_t val[8];

	store_put_be64(val, seq);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_INDEX), key, len, val, 8, 0),
	    0);
}

static void
raw_flip(struct store *st, MDB_txn *txn, uint64_t seq)
{
	MDB_val v;
	uint8_t key[8], *copy;

	store_put_be64(key, seq);
	assert_int_equal(store_get(txn, store_dbi(st, AUDITLOG_DB_REC), key, 8, &v), 0);
	assert_non_null(copy = malloc(v.mv_size));
	memcpy(copy, v.mv_data, v.mv_size);
	copy[v.mv_size / 2] ^= 0x01;
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_REC), key, 8, copy,
	    v.mv_size, 0), 0);
	free(copy);
}

/* Index entries pointing at records that do not carry the key: never hits. */
static void
test_tampered_index(void **state)
{
	struct fx *fx = *state;
	struct search_query q;
	struct search_stats st;
	struct got g;
	struct store *s;
	MDB_txn *txn;
	uint8_t key[ATNA_KEY_MAX];
	size_t len;

	build(fx);
	s = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	len = atna_key(ATNA_KEY_PATIENT, "P0001" AA, 0, key);
	raw_index(s, txn, key, len, 2);		/* a P0002 record */
	raw_index(s, txn, key, len, 25);	/* after the checkpoint */
	raw_index(s, txn, key, len, 1000);	/* beyond the log */
	len = atna_key(ATNA_KEY_TIME, NULL, T0 + 7 * MIN, key);
	raw_index(s, txn, key, len, 20);
	auditlog_raw_close(s, txn, &fx->log, fx->dir, MAPSIZE);

	search_query_init(&q);
	q.sq_patient = "P0001" AA;
	assert_int_equal(run(fx, &q, &g, &st), 0);
	assert_int_equal(g.n, 6);
	assert_int_equal(g.seq[0], 1);
	assert_int_equal(g.seq[1], 6);
	assert_int_equal(st.ss_stale, 3);
	assert_int_equal(st.ss_integrity, 0);
	search_query_init(&q);
	q.sq_since_ms = T0 + 5 * MIN;
	q.sq_until_ms = T0 + 9 * MIN;
	assert_int_equal(run(fx, &q, &g, &st), 0);
	assert_int_equal(g.n, 5);
	assert_int_equal(g.seq[4], 9);
	assert_int_equal(st.ss_stale, 1);
}

/* Records edited in LMDB, before and after the last checkpoint: integrity errors. */
static void
test_edited_record(void **state)
{
	struct fx *fx = *state;
	struct search_query q;
	struct search_stats st;
	struct got g;
	struct store *s;
	MDB_txn *txn;
	size_t i;

	build(fx);
	s = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	raw_flip(s, txn, 6);
	raw_flip(s, txn, 26);
	auditlog_raw_close(s, txn, &fx->log, fx->dir, MAPSIZE);
	search_query_init(&q);
	q.sq_patient = "P0001" AA;
	assert_int_equal(run(fx, &q, &g, &st), 1);
	assert_int_equal(g.n, 6);
	assert_int_equal(st.ss_hits, 4);
	assert_int_equal(st.ss_integrity, 2);
	for (i = 0; i < g.n; i++) {
		if (g.seq[i] == 6) {
			assert_int_equal(g.st[i], SEARCH_INTEGRITY);
			assert_non_null(strstr(g.problem[i], "not in the signed tree of size 24"));
		} else if (g.seq[i] == 26) {
			assert_int_equal(g.st[i], SEARCH_INTEGRITY);
			assert_non_null(strstr(g.problem[i], "does not match"));
		} else
			assert_int_not_equal(g.st[i], SEARCH_INTEGRITY);
	}
	/* Without criteria too. */
	search_query_init(&q);
	assert_int_equal(run(fx, &q, &g, &st), 1);
	assert_int_equal(st.ss_hits, NREC - 2);
	assert_int_equal(st.ss_integrity, 2);
}

/* A log rebuilt with record 3 altered (every node consistent) under the genuine signed
 * checkpoints: nothing can be shown. */
static void
test_rewritten_log(void **state)
{
	struct fx *fx = *state;
	struct search_query q;
	struct search_stats st;
	struct auditlog_batch b;
	struct strbuf rec = { 0 }, n1 = { 0 }, n2 = { 0 };
	struct keys ks;
	struct got g;
	char p[128];
	uint64_t i;

	build(fx);
	assert_int_equal(auditlog_checkpoint_get(fx->log, CKPT1, &n1), AUDITLOG_OK);
	assert_int_equal(auditlog_checkpoint_get(fx->log, CKPT2, &n2), AUDITLOG_OK);
	auditlog_close(fx->log);
	snprintf(p, sizeof(p), "%s/data.mdb", fx->dir);
	assert_int_equal(unlink(p), 0);
	assert_non_null(fx->log = auditlog_open(fx->dir, MAPSIZE));
	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	for (i = 0; i < NREC; i++) {
		build_record(i, i == 3 ? "mallory" : NULL, &rec, &ks);
		assert_int_equal(auditlog_add_indexed(&b, (const uint8_t *)rec.sb_data,
		    rec.sb_len, ks.ak, ks.n, NULL), AUDITLOG_OK);
		strbuf_reset(&rec);
	}
	assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
	{
		struct store *s;
		MDB_txn *txn;
		uint8_t k[8];

		s = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
		store_put_be64(k, CKPT1);
		assert_int_equal(store_put(txn, store_dbi(s, AUDITLOG_DB_NOTE), k, 8,
		    n1.sb_data, n1.sb_len, 0), 0);
		store_put_be64(k, CKPT2);
		assert_int_equal(store_put(txn, store_dbi(s, AUDITLOG_DB_NOTE), k, 8,
		    n2.sb_data, n2.sb_len, 0), 0);
		auditlog_raw_close(s, txn, &fx->log, fx->dir, MAPSIZE);
	}
	strbuf_reset(&n1);
	strbuf_reset(&n2);
	search_query_init(&q);
	q.sq_user = "mallory";
	assert_int_equal(run(fx, &q, &g, &st), 1);
	assert_int_equal(st.ss_hits, 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.seq[0], 3);
	assert_int_equal(g.st[0], SEARCH_INTEGRITY);
	search_query_init(&q);
	assert_int_equal(run(fx, &q, &g, &st), 1);
	assert_int_equal(st.ss_hits, 0);
	assert_int_equal(st.ss_integrity, NREC);
}

/* The latest checkpoint forged: search uses the previous one and reports the bad one. */
static void
test_forged_latest_checkpoint(void **state)
{
	static const char body[] = ORIGIN "\n24\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	struct fx *fx = *state;
	struct search_query q;
	struct search_stats st;
	struct note_signer *s2;
	struct strbuf vkey = { 0 }, note = { 0 };
	struct store *s;
	struct got g;
	MDB_txn *txn;
	uint8_t k[8];
	size_t i;

	build(fx);
	assert_int_equal(note_keygen(ORIGIN, fx->key2, &vkey), 0);
	strbuf_reset(&vkey);
	assert_non_null(s2 = note_signer_load(ORIGIN, fx->key2));
	assert_int_equal(note_sign(s2, body, strlen(body), &note), 0);
	note_signer_free(s2);
	s = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(k, CKPT2);
	assert_int_equal(store_put(txn, store_dbi(s, AUDITLOG_DB_NOTE), k, 8, note.sb_data,
	    note.sb_len, 0), 0);
	auditlog_raw_close(s, txn, &fx->log, fx->dir, MAPSIZE);
	strbuf_reset(&note);
	search_query_init(&q);
	assert_int_equal(run(fx, &q, &g, &st), 1);
	assert_int_equal(st.ss_bad_ckpts, 1);
	assert_int_equal(st.ss_ckpt_size, CKPT1);
	assert_int_equal(st.ss_hits, NREC);
	for (i = 0; i < g.n; i++)
		assert_int_equal(g.st[i], g.seq[i] < CKPT1 ? SEARCH_SIGNED : SEARCH_UNSIGNED);
}

/* No checkpoint at all: every record is checked against the current tree only. */
static void
test_no_checkpoint(void **state)
{
	struct fx *fx = *state;
	struct search_query q;
	struct search_stats st;
	struct got g;

	append(fx, 0, 5, 0);
	search_query_init(&q);
	q.sq_user = "dr-1";
	assert_int_equal(run(fx, &q, &g, &st), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.seq[1], 4);
	assert_int_equal(g.st[0], SEARCH_UNSIGNED);
	assert_int_equal(st.ss_ckpt_size, 0);
}

static int
export_cb(void *arg, const struct search_hit *h)
{
	return export_hit(arg, h);
}

/* Renders record 0 with a hostile user name in every format. */
static void
test_export_escaping(void **state)
{
	static const char user[] = "=cmd \"q\", back\\slash\nline \xe6\x97\xa5";
	struct fx *fx = *state;
	struct auditlog_batch b;
	struct search_query q;
	struct strbuf rec = { 0 };
	struct keys ks;
	struct export ex;
	struct xml_limits lim = { 0, 0 };
	enum export_format f;
	char *out = NULL;
	size_t len = 0;
	FILE *mem;
	xmlDocPtr doc;
	enum xml_err xe;

	build_record(0, user, &rec, &ks);
	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	assert_int_equal(auditlog_add_indexed(&b, (const uint8_t *)rec.sb_data, rec.sb_len,
	    ks.ak, ks.n, NULL), AUDITLOG_OK);
	assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
	strbuf_reset(&rec);
	search_query_init(&q);
	q.sq_user = user;
	for (f = EXPORT_TEXT; f <= EXPORT_XML; f++) {
		assert_non_null(mem = open_memstream(&out, &len));
		assert_int_equal(export_begin(&ex, mem, f), 0);
		assert_int_equal(search_run(fx->log, fx->v, &q, export_cb, &ex, NULL,
		    NULL, 0), 0);
		assert_int_equal(export_end(&ex), 0);
		fclose(mem);
		switch (f) {
		case EXPORT_TEXT:
			assert_non_null(strstr(out, "user==cmd \"q\", back\\\\slash\\x0aline "
			    "\xe6\x97\xa5 from="));
			assert_non_null(strstr(out, "(not yet checkpointed)\n"));
			break;
		case EXPORT_JSON:
			assert_non_null(strstr(out, "\"user\":\"=cmd \\\"q\\\", back\\\\slash"
			    "\\u000aline \xe6\x97\xa5\","));
			assert_non_null(strstr(out, "\"checkpointed\":false}\n"));
			break;
		case EXPORT_CSV:
			assert_true(str_has_prefix(out, "seq,time,time_ms,event,outcome,"));
			assert_non_null(strstr(out, ",\"'=cmd \"\"q\"\", back\\slash\nline "
			    "\xe6\x97\xa5\","));
			assert_non_null(strstr(out, ",false\r\n"));
			break;
		case EXPORT_XML:
			assert_non_null(doc = xml_parse_safe(out, len, &lim, &xe));
			assert_string_equal((const char *)xmlDocGetRootElement(doc)->name,
			    "AuditMessages");
			xmlFreeDoc(doc);
			break;
		}
		free(out);
		out = NULL;
	}
	assert_int_equal(export_format_parse("csv", &f), 0);
	assert_int_equal(f, EXPORT_CSV);
	assert_int_equal(export_format_parse("yaml", &f), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_criteria, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_combined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_latest_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_escaping, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
