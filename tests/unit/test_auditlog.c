/*
 * tests/unit/test_auditlog: the append-only audit log store: group commit, roots and proofs
 * against an independent in-memory recomputation, signed checkpoints, a full map, and the
 * offline verifier against tampering done directly in LMDB. Everything in a mkdtemp dir.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/auditlog.h"
#include "audit/auditlog_int.h"
#include "common/store.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "tests/unit/auditlog_raw.h"
#include "crypto/merkle.h"

#define MAPSIZE		((size_t)16 << 20)
#define ORIGIN		"hashi.test/audit"
#define NREC		20

struct fx {
	char			 tmp[64];
	char			 dir[96];
	char			 key[96];
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

	assert_non_null(fx);
	snprintf(fx->tmp, sizeof(fx->tmp), "/tmp/test_auditlog.XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	snprintf(fx->dir, sizeof(fx->dir), "%s/audit", fx->tmp);
	snprintf(fx->key, sizeof(fx->key), "%s/key.pem", fx->tmp);
	snprintf(fx->key2, sizeof(fx->key2), "%s/key2.pem", fx->tmp);
	assert_int_equal(note_keygen(ORIGIN, fx->key, &vkey), 0);
	assert_non_null(fx->s = note_signer_load(ORIGIN, fx->key));
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
	char p[128];

	auditlog_close(fx->log);
	note_signer_free(fx->s);
	note_verifier_free(fx->v);
	snprintf(p, sizeof(p), "%s/data.mdb", fx->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", fx->dir);
	unlink(p);
	rmdir(fx->dir);
	unlink(fx->key);
	unlink(fx->key2);
	rmdir(fx->tmp);
	free(fx);
	return 0;
}

/* Record I: distinct bytes of a length that varies with I. */
static size_t
make_record(uint64_t i, uint8_t *buf, size_t max)
{
	size_t len = 10 + (size_t)(i * 7 % 50), k;

	assert_true(len <= max);
	for (k = 0; k < len; k++)
		buf[k] = (uint8_t)(i * 31 + k);
	return len;
}

/* Appends records FROM..FROM+COUNT-1 to LOG in batches of BATCH. */
static void
append(struct auditlog *log, uint64_t from, uint64_t count, uint64_t batch)
{
	struct auditlog_batch b;
	uint8_t buf[128];
	uint64_t i, seq;
	size_t len;

	for (i = 0; i < count; i++) {
		if (i % batch == 0)
			assert_int_equal(auditlog_begin(log, &b), AUDITLOG_OK);
		len = make_record(from + i, buf, sizeof(buf));
		assert_int_equal(auditlog_add(&b, buf, len, &seq), AUDITLOG_OK);
		assert_int_equal(seq, from + i);
		if (i % batch == batch - 1 || i == count - 1)
			assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
	}
}

/* The tree head of leaves LEAVES[0..N), straight from RFC 9162 §2.1.1, recursively. */
static void
mth(uint8_t (*leaves)[MERKLE_HASH_LEN], uint64_t n, uint8_t out[MERKLE_HASH_LEN])
{
	uint8_t l[MERKLE_HASH_LEN], r[MERKLE_HASH_LEN];
	uint64_t k = 1;

	if (n == 1) {
		memcpy(out, leaves[0], MERKLE_HASH_LEN);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	mth(leaves, k, l);
	mth(leaves + k, n - k, r);
	assert_int_equal(merkle_node_hash(l, r, out), 0);
}

/* Leaf hashes of records 0..N-1 into LEAVES. */
static void
leaf_hashes(uint64_t n, uint8_t (*leaves)[MERKLE_HASH_LEN])
{
	uint8_t buf[128];
	uint64_t i;
	size_t len;

	for (i = 0; i < n; i++) {
		len = make_record(i, buf, sizeof(buf));
		assert_int_equal(merkle_leaf_hash(buf, len, leaves[i]), 0);
	}
}

/* Runs the verifier on FX's dir (log closed first) and returns its result; the report
 * goes into REPORT (REPORTSZ bytes). */
static int
verify(struct fx *fx, char *report, size_t reportsz)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	auditlog_close(fx->log);
	fx->log = NULL;
	assert_non_null(f = open_memstream(&buf, &len));
	r = auditlog_verify(fx->dir, fx->v, f);
	fclose(f);
	snprintf(report, reportsz, "%s", buf != NULL ? buf : "");
	free(buf);
	return r;
}

static void
test_append_roots_proofs(void **state)
{
	struct fx *fx = *state;
	uint8_t leaves[37][MERKLE_HASH_LEN], want[MERKLE_HASH_LEN], got[MERKLE_HASH_LEN];
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], buf[128], *rec;
	uint64_t size, i, sz;
	size_t n, len, rlen;
	char report[512];

	append(fx->log, 0, 1, 1);
	append(fx->log, 1, 12, 5);
	append(fx->log, 13, 24, 8);
	assert_int_equal(auditlog_size(fx->log, &size), AUDITLOG_OK);
	assert_int_equal(size, 37);
	leaf_hashes(37, leaves);
	for (sz = 1; sz <= 37; sz++) {
		mth(leaves, sz, want);
		assert_int_equal(auditlog_root(fx->log, sz, got), AUDITLOG_OK);
		assert_memory_equal(got, want, MERKLE_HASH_LEN);
	}
	assert_int_equal(auditlog_root(fx->log, 38, got), AUDITLOG_ENOTFOUND);
	mth(leaves, 37, want);
	for (i = 0; i < 37; i++) {
		len = make_record(i, buf, sizeof(buf));
		assert_int_equal(auditlog_get(fx->log, i, &rec, &rlen), AUDITLOG_OK);
		assert_int_equal(rlen, len);
		assert_memory_equal(rec, buf, len);
		free(rec);
		assert_int_equal(auditlog_inclusion(fx->log, i, 37, path, &n), AUDITLOG_OK);
		assert_int_equal(merkle_verify_inclusion(leaves[i], i, 37,
		    (const uint8_t (*)[MERKLE_HASH_LEN])path, n, want), 1);
		/* The same proof must not prove another leaf. */
		assert_int_equal(merkle_verify_inclusion(leaves[(i + 1) % 37], i, 37,
		    (const uint8_t (*)[MERKLE_HASH_LEN])path, n, want), 0);
	}
	assert_int_equal(auditlog_get(fx->log, 37, &rec, &rlen), AUDITLOG_ENOTFOUND);
	assert_null(rec);
	assert_int_equal(auditlog_inclusion(fx->log, 37, 37, path, &n), AUDITLOG_ENOTFOUND);
	assert_int_equal(auditlog_inclusion(fx->log, 3, 38, path, &n), AUDITLOG_ENOTFOUND);
	assert_int_equal(verify(fx, report, sizeof(report)), 0);
	assert_non_null(strstr(report, "OK, 37 records"));
	/* A missing log is an error, and the verifier does not create one. */
	snprintf((char *)buf, sizeof(buf), "%s/none", fx->tmp);
	assert_int_equal(auditlog_verify((char *)buf, fx->v, NULL), -1);
	assert_int_equal(access((char *)buf, F_OK), -1);
}

/* Parses the signed checkpoint NOTE with FX's verifier into *C. */
static void
parse_note(struct fx *fx, const struct strbuf *note, struct checkpoint *c)
{
	const char *body;
	size_t bodylen;

	assert_int_equal(note_verify(fx->v, note->sb_data, note->sb_len, &body, &bodylen), 1);
	assert_int_equal(checkpoint_parse(body, bodylen, c), 0);
}

static void
test_checkpoints(void **state)
{
	struct fx *fx = *state;
	struct strbuf n1 = { 0 }, n2 = { 0 }, got = { 0 };
	struct checkpoint c1, c2;
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], root[MERKLE_HASH_LEN];
	uint64_t size;
	size_t n;
	char report[512];

	assert_int_equal(auditlog_checkpoint_latest(fx->log, &size, &got), AUDITLOG_ENOTFOUND);
	append(fx->log, 0, 10, 3);
	assert_int_equal(auditlog_checkpoint(fx->log, fx->s, ORIGIN, &n1), AUDITLOG_OK);
	append(fx->log, 10, 7, 7);
	assert_int_equal(auditlog_checkpoint(fx->log, fx->s, ORIGIN, &n2), AUDITLOG_OK);
	parse_note(fx, &n1, &c1);
	parse_note(fx, &n2, &c2);
	assert_string_equal(c1.origin, ORIGIN);
	assert_int_equal(c1.size, 10);
	assert_int_equal(c2.size, 17);
	assert_int_equal(auditlog_root(fx->log, 10, root), AUDITLOG_OK);
	assert_memory_equal(root, c1.root, MERKLE_HASH_LEN);

	assert_int_equal(auditlog_checkpoint_get(fx->log, 10, &got), AUDITLOG_OK);
	assert_int_equal(got.sb_len, n1.sb_len);
	assert_memory_equal(got.sb_data, n1.sb_data, n1.sb_len);
	strbuf_reset(&got);
	assert_int_equal(auditlog_checkpoint_get(fx->log, 11, &got), AUDITLOG_ENOTFOUND);
	assert_int_equal(auditlog_checkpoint_latest(fx->log, &size, &got), AUDITLOG_OK);
	assert_int_equal(size, 17);
	assert_memory_equal(got.sb_data, n2.sb_data, n2.sb_len);

	assert_int_equal(auditlog_consistency(fx->log, 10, 17, path, &n), AUDITLOG_OK);
	assert_int_equal(merkle_verify_consistency(10, 17, c1.root, c2.root,
	    (const uint8_t (*)[MERKLE_HASH_LEN])path, n), 1);
	c1.root[0] ^= 1;
	assert_int_equal(merkle_verify_consistency(10, 17, c1.root, c2.root,
	    (const uint8_t (*)[MERKLE_HASH_LEN])path, n), 0);
	assert_int_equal(auditlog_consistency(fx->log, 10, 18, path, &n), AUDITLOG_ENOTFOUND);
	assert_int_equal(auditlog_consistency(fx->log, 0, 17, path, &n), AUDITLOG_ENOTFOUND);
	strbuf_reset(&n1);
	strbuf_reset(&n2);
	strbuf_reset(&got);
	assert_int_equal(verify(fx, report, sizeof(report)), 0);
	assert_non_null(strstr(report, "17 records, 2 checkpoints"));
}

static void
test_abort_atomic(void **state)
{
	struct fx *fx = *state;
	struct auditlog_batch b;
	uint8_t buf[128], *rec;
	uint64_t size, seq;
	size_t len;
	char report[512];

	append(fx->log, 0, 5, 5);
	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	len = make_record(99, buf, sizeof(buf));
	assert_int_equal(auditlog_add(&b, buf, len, &seq), AUDITLOG_OK);
	assert_int_equal(seq, 5);
	assert_int_equal(auditlog_add(&b, buf, len, &seq), AUDITLOG_OK);
	auditlog_abort(&b);
	auditlog_abort(&b);	/* closed batch: no-op */
	assert_int_equal(auditlog_commit(&b), AUDITLOG_EFAIL);
	assert_int_equal(auditlog_size(fx->log, &size), AUDITLOG_OK);
	assert_int_equal(size, 5);
	assert_int_equal(auditlog_get(fx->log, 5, &rec, &len), AUDITLOG_ENOTFOUND);
	append(fx->log, 5, 2, 2);
	assert_int_equal(verify(fx, report, sizeof(report)), 0);
}

static void
test_map_full(void **state)
{
	struct fx *fx = *state;
	struct auditlog_batch b;
	static uint8_t big[64 * 1024];
	uint64_t before = 0, after, i;
	int rc = AUDITLOG_OK, r;
	char report[512];

	auditlog_close(fx->log);
	assert_non_null(fx->log = auditlog_open(fx->dir, (size_t)1 << 20));
	for (i = 0; i < 40 && rc == AUDITLOG_OK; i++) {
		assert_int_equal(auditlog_size(fx->log, &before), AUDITLOG_OK);
		assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
		memset(big, (int)i, sizeof(big));
		if ((r = auditlog_add(&b, big, sizeof(big), NULL)) != AUDITLOG_OK) {
			assert_int_equal(r, AUDITLOG_EFULL);
			/* Sticky: later adds fail too. */
			assert_int_equal(auditlog_add(&b, big, 1, NULL), AUDITLOG_EFULL);
		} else
			(void)auditlog_add(&b, big, sizeof(big), NULL);
		rc = auditlog_commit(&b);
	}
	assert_int_equal(rc, AUDITLOG_EFULL);
	assert_true(before > 0);
	assert_int_equal(auditlog_size(fx->log, &after), AUDITLOG_OK);
	assert_int_equal(after, before);
	assert_int_equal(verify(fx, report, sizeof(report)), 0);
	assert_non_null(fx->log = auditlog_open(fx->dir, (size_t)1 << 20));
	assert_int_equal(auditlog_size(fx->log, &after), AUDITLOG_OK);
	assert_int_equal(after, before);
}

/* 20 records, checkpoints at sizes 8 and 16; the log is left open. */
static void
build_standard(struct fx *fx)
{
	struct strbuf note = { 0 };

	append(fx->log, 0, 8, 3);
	assert_int_equal(auditlog_checkpoint(fx->log, fx->s, ORIGIN, &note), AUDITLOG_OK);
	append(fx->log, 8, 8, 8);
	assert_int_equal(auditlog_checkpoint(fx->log, fx->s, ORIGIN, &note), AUDITLOG_OK);
	append(fx->log, 16, 4, 1);
	strbuf_reset(&note);
}

/* Reads the value of KEY in sub-database DB into a malloc'd, NUL-terminated copy. */
static uint8_t *
raw_copy(struct store *st, MDB_txn *txn, size_t db, const uint8_t *key, size_t klen,
    size_t *len)
{
	MDB_val v;
	uint8_t *p;

	assert_int_equal(store_get(txn, store_dbi(st, db), key, klen, &v), 0);
	assert_non_null(p = malloc(v.mv_size + 1));
	memcpy(p, v.mv_data, v.mv_size);
	p[v.mv_size] = '\0';	/* notes are then strings */
	*len = v.mv_size;
	return p;
}

/* The verifier must say tampered and name sequence SEQ. */
static void
expect_tampered(struct fx *fx, uint64_t seq, const char *what)
{
	char report[512], want[64];

	assert_int_equal(verify(fx, report, sizeof(report)), 1);
	snprintf(want, sizeof(want), "at seq %llu: ", (unsigned long long)seq);
	if (strstr(report, want) == NULL || strstr(report, what) == NULL)
		fail_msg("report \"%s\" lacks \"%s\" / \"%s\"", report, want, what);
}

static void
test_tamper_flip(void **state)
{
	struct fx *fx = *state;
	MDB_txn *txn;
	struct store *st;
	uint8_t key[8], *rec;
	size_t len;

	build_standard(fx);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(key, 5);
	rec = raw_copy(st, txn, AUDITLOG_DB_REC, key, 8, &len);
	rec[len / 2] ^= 0x01;
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_REC), key, 8, rec, len, 0), 0);
	free(rec);
	auditlog_raw_close(st, txn, NULL, NULL, 0);
	expect_tampered(fx, 5, "leaf hash");
}

static void
test_tamper_delete(void **state)
{
	struct fx *fx = *state;
	MDB_txn *txn;
	struct store *st;
	uint8_t key[8];

	build_standard(fx);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(key, 7);
	assert_int_equal(store_del(txn, store_dbi(st, AUDITLOG_DB_REC), key, 8, NULL, 0), 0);
	auditlog_raw_close(st, txn, NULL, NULL, 0);
	expect_tampered(fx, 7, "missing");
}

static void
test_tamper_reorder(void **state)
{
	struct fx *fx = *state;
	MDB_txn *txn;
	struct store *st;
	uint8_t k3[8], k4[8], *r3, *r4;
	size_t l3, l4;

	build_standard(fx);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(k3, 3);
	store_put_be64(k4, 4);
	r3 = raw_copy(st, txn, AUDITLOG_DB_REC, k3, 8, &l3);
	r4 = raw_copy(st, txn, AUDITLOG_DB_REC, k4, 8, &l4);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_REC), k3, 8, r4, l4, 0), 0);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_REC), k4, 8, r3, l3, 0), 0);
	free(r3);
	free(r4);
	auditlog_raw_close(st, txn, NULL, NULL, 0);
	expect_tampered(fx, 3, "reordered");
}

static void
test_tamper_node(void **state)
{
	struct fx *fx = *state;
	MDB_txn *txn;
	struct store *st;
	uint8_t key[AUDITLOG_NODE_KEYLEN], *h;
	size_t len;

	build_standard(fx);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	auditlog_node_key(key, 2, 1);
	h = raw_copy(st, txn, AUDITLOG_DB_NODE, key, sizeof(key), &len);
	h[0] ^= 0x80;
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_NODE), key, sizeof(key), h,
	    len, 0), 0);
	free(h);
	auditlog_raw_close(st, txn, NULL, NULL, 0);
	expect_tampered(fx, 4, "stored node (2, 1)");
}

/* A consistent log of 12 records that still holds the checkpoint of size 16. */
static void
test_tamper_truncate(void **state)
{
	static const uint64_t nodes[][2] = {
		{ 0, 12 }, { 0, 13 }, { 0, 14 }, { 0, 15 }, { 1, 6 }, { 1, 7 }, { 2, 3 },
		{ 3, 1 }, { 4, 0 }
	};
	struct fx *fx = *state;
	MDB_txn *txn;
	struct store *st;
	uint8_t key[AUDITLOG_NODE_KEYLEN];
	struct strbuf note = { 0 };
	size_t i;

	append(fx->log, 0, 8, 3);
	assert_int_equal(auditlog_checkpoint(fx->log, fx->s, ORIGIN, &note), AUDITLOG_OK);
	append(fx->log, 8, 8, 8);
	assert_int_equal(auditlog_checkpoint(fx->log, fx->s, ORIGIN, &note), AUDITLOG_OK);
	strbuf_reset(&note);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	for (i = 12; i < 16; i++) {
		store_put_be64(key, i);
		assert_int_equal(store_del(txn, store_dbi(st, AUDITLOG_DB_REC), key, 8, NULL, 0),
		    0);
	}
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		auditlog_node_key(key, nodes[i][0], nodes[i][1]);
		assert_int_equal(store_del(txn, store_dbi(st, AUDITLOG_DB_NODE), key,
		    sizeof(key), NULL, 0), 0);
	}
	store_put_be64(key, 12);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_META), AUDITLOG_META_SIZE,
	    strlen(AUDITLOG_META_SIZE), key, 8, 0), 0);
	auditlog_raw_close(st, txn, NULL, NULL, 0);
	expect_tampered(fx, 12, "truncated");
}

/* The checkpoint of size 16 re-signed with another key of the same name. */
static void
test_tamper_signature(void **state)
{
	struct fx *fx = *state;
	MDB_txn *txn;
	struct store *st;
	struct note_signer *s2;
	struct strbuf vkey = { 0 }, forged = { 0 };
	uint8_t key[8], *note;
	const char *end;
	size_t len;

	build_standard(fx);
	assert_int_equal(note_keygen(ORIGIN, fx->key2, &vkey), 0);
	strbuf_reset(&vkey);
	assert_non_null(s2 = note_signer_load(ORIGIN, fx->key2));
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(key, 16);
	note = raw_copy(st, txn, AUDITLOG_DB_NOTE, key, 8, &len);
	assert_non_null(end = strstr((const char *)note, "\n\n"));
	assert_int_equal(note_sign(s2, (const char *)note, (size_t)(end - (const char *)note)
	    + 1, &forged), 0);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_NOTE), key, 8,
	    forged.sb_data, forged.sb_len, 0), 0);
	free(note);
	strbuf_reset(&forged);
	note_signer_free(s2);
	auditlog_raw_close(st, txn, NULL, NULL, 0);
	expect_tampered(fx, 16, "signature");
}

/* The stored size set back to 16: the last four records are hidden. */
static void
test_tamper_rollback_size(void **state)
{
	struct fx *fx = *state;
	MDB_txn *txn;
	struct store *st;
	uint8_t val[8];

	build_standard(fx);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(val, 16);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_META), AUDITLOG_META_SIZE,
	    strlen(AUDITLOG_META_SIZE), val, 8, 0), 0);
	auditlog_raw_close(st, txn, NULL, NULL, 0);
	expect_tampered(fx, 16, "rolled back");
}

/* The latest checkpoint replaced by the older, validly signed one. */
static void
test_tamper_rollback_checkpoint(void **state)
{
	struct fx *fx = *state;
	MDB_txn *txn;
	struct store *st;
	uint8_t k8[8], k16[8], *note;
	size_t len;

	build_standard(fx);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(k8, 8);
	store_put_be64(k16, 16);
	note = raw_copy(st, txn, AUDITLOG_DB_NOTE, k8, 8, &len);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_NOTE), k16, 8, note, len, 0),
	    0);
	free(note);
	auditlog_raw_close(st, txn, NULL, NULL, 0);
	expect_tampered(fx, 16, "is for size 8");
}

/* A log rebuilt through the API with record 5 altered (every node consistent), under the
 * genuine signed checkpoints of the original: only the signed roots reveal it. */
static void
test_tamper_rewritten(void **state)
{
	struct fx *fx = *state;
	struct auditlog_batch b;
	MDB_txn *txn;
	struct store *st;
	uint8_t k8[8], k16[8], *n8, *n16, buf[128];
	char p[128];
	size_t l8, l16, len;
	uint64_t i;

	build_standard(fx);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(k8, 8);
	store_put_be64(k16, 16);
	n8 = raw_copy(st, txn, AUDITLOG_DB_NOTE, k8, 8, &l8);
	n16 = raw_copy(st, txn, AUDITLOG_DB_NOTE, k16, 8, &l16);
	store_abort(txn);
	store_close(st);
	snprintf(p, sizeof(p), "%s/data.mdb", fx->dir);
	assert_int_equal(unlink(p), 0);
	assert_non_null(fx->log = auditlog_open(fx->dir, MAPSIZE));
	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	for (i = 0; i < NREC; i++) {
		len = make_record(i, buf, sizeof(buf));
		if (i == 5)
			buf[0] ^= 0x01;
		assert_int_equal(auditlog_add(&b, buf, len, NULL), AUDITLOG_OK);
	}
	assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_NOTE), k8, 8, n8, l8, 0), 0);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_NOTE), k16, 8, n16, l16, 0),
	    0);
	free(n8);
	free(n16);
	auditlog_raw_close(st, txn, NULL, NULL, 0);
	expect_tampered(fx, 7, "signed checkpoint root");
}

/* Collects the sequence numbers an index scan reports; stops after STOP of them if set. */
struct seqs {
	uint64_t	seq[64];
	size_t		n;
	size_t		stop;
};

static int
collect(void *arg, uint64_t seq)
{
	struct seqs *ss = arg;

	assert_true(ss->n < 64);
	ss->seq[ss->n++] = seq;
	return ss->stop != 0 && ss->n >= ss->stop;
}

/* Scans [LO, HI] (strings) and checks the result is exactly WANT[0..N). */
static void
expect_range(struct auditlog *log, const char *lo, const char *hi, const uint64_t *want,
    size_t n)
{
	struct seqs ss = { .n = 0 };
	size_t i;

	assert_int_equal(auditlog_index_range(log, (const uint8_t *)lo, strlen(lo),
	    (const uint8_t *)hi, strlen(hi), collect, &ss), AUDITLOG_OK);
	if (ss.n != n)
		fail_msg("[%s, %s]: %zu hits, want %zu", lo, hi, ss.n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(ss.seq[i], want[i]);
}

static void
k(struct auditlog_key *key, const char *s)
{
	key->ak_key = (const uint8_t *)s;
	key->ak_len = strlen(s);
}

static void
test_index_cursor(void **state)
{
	static const uint64_t w12[] = { 0, 2 }, w123[] = { 1 }, wp1[] = { 0, 2, 1, 3 },
	    wall[] = { 0, 2, 1, 3 }, wu[] = { 0, 1, 2, 3, 4 }, wp[] = { 4 };
	struct fx *fx = *state;
	struct auditlog_batch b;
	struct auditlog_key keys[4];
	struct seqs ss = { .n = 0, .stop = 2 };
	uint8_t buf[128], big[AUDITLOG_KEY_MAX + 1];
	uint64_t seq, val, size;
	size_t len;
	char report[512];

	assert_int_equal(auditlog_cursor(fx->log, "mpi", &val), AUDITLOG_OK);
	assert_int_equal(val, 0);
	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	len = make_record(0, buf, sizeof(buf));
	k(&keys[0], "p12");
	k(&keys[1], "ualice");
	k(&keys[2], "ualice");		/* duplicate: harmless */
	assert_int_equal(auditlog_add_indexed(&b, buf, len, keys, 3, &seq), AUDITLOG_OK);
	assert_int_equal(seq, 0);
	len = make_record(1, buf, sizeof(buf));
	k(&keys[0], "p123");
	k(&keys[1], "ubob");
	assert_int_equal(auditlog_add_indexed(&b, buf, len, keys, 2, &seq), AUDITLOG_OK);
	len = make_record(2, buf, sizeof(buf));
	k(&keys[0], "p12");
	k(&keys[1], "ucarol");
	assert_int_equal(auditlog_add_indexed(&b, buf, len, keys, 2, &seq), AUDITLOG_OK);
	assert_int_equal(auditlog_set_cursor(&b, "mpi", 41), AUDITLOG_OK);
	assert_int_equal(auditlog_set_cursor(&b, "mpi", 42), AUDITLOG_OK);
	assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
	/* Plain adds and no keys mix with indexed ones. */
	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	len = make_record(3, buf, sizeof(buf));
	k(&keys[0], "p1299");
	k(&keys[1], "udave");
	assert_int_equal(auditlog_add_indexed(&b, buf, len, keys, 2, &seq), AUDITLOG_OK);
	assert_int_equal(seq, 3);
	len = make_record(4, buf, sizeof(buf));
	k(&keys[0], "p");
	k(&keys[1], "uerin");
	assert_int_equal(auditlog_add_indexed(&b, buf, len, keys, 2, &seq), AUDITLOG_OK);
	assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
	assert_int_equal(auditlog_cursor(fx->log, "mpi", &val), AUDITLOG_OK);
	assert_int_equal(val, 42);
	assert_int_equal(auditlog_cursor(fx->log, "forward", &val), AUDITLOG_OK);
	assert_int_equal(val, 0);

	/* Exact keys do not match the keys they prefix or that prefix them. */
	expect_range(fx->log, "p12", "p12", w12, 2);
	expect_range(fx->log, "p123", "p123", w123, 1);
	expect_range(fx->log, "p", "p", wp, 1);
	expect_range(fx->log, "p13", "p13", NULL, 0);
	/* Ranges: key then sequence order. */
	expect_range(fx->log, "p1", "p1\xff", wp1, 4);
	expect_range(fx->log, "p10", "p2", wall, 4);
	expect_range(fx->log, "u", "v", wu, 5);
	expect_range(fx->log, "z", "zz", NULL, 0);
	expect_range(fx->log, "v", "u", NULL, 0);	/* empty range */
	/* FN stops the scan. */
	assert_int_equal(auditlog_index_range(fx->log, (const uint8_t *)"u", 1,
	    (const uint8_t *)"v", 1, collect, &ss), AUDITLOG_OK);
	assert_int_equal(ss.n, 2);

	/* A bad key refuses the record and the whole batch, cursor included. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	assert_int_equal(auditlog_set_cursor(&b, "mpi", 99), AUDITLOG_OK);
	keys[0].ak_key = big;
	keys[0].ak_len = sizeof(big);
	assert_int_equal(auditlog_add_indexed(&b, buf, len, keys, 1, &seq), AUDITLOG_EFAIL);
	assert_int_equal(auditlog_add(&b, buf, len, &seq), AUDITLOG_EFAIL);
	assert_int_equal(auditlog_commit(&b), AUDITLOG_EFAIL);
	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	assert_int_equal(auditlog_set_cursor(&b, "a-name-of-more-than-32-bytes-long", 1),
	    AUDITLOG_EFAIL);
	auditlog_abort(&b);
	assert_int_equal(auditlog_size(fx->log, &size), AUDITLOG_OK);
	assert_int_equal(size, 5);
	assert_int_equal(auditlog_cursor(fx->log, "mpi", &val), AUDITLOG_OK);
	assert_int_equal(val, 42);
	/* An aborted batch leaves no index entry behind. */
	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	k(&keys[0], "p13");
	assert_int_equal(auditlog_add_indexed(&b, buf, len, keys, 1, &seq), AUDITLOG_OK);
	auditlog_abort(&b);
	expect_range(fx->log, "p13", "p13", NULL, 0);

	/* The verifier ignores the indexes and cursors. */
	assert_int_equal(verify(fx, report, sizeof(report)), 0);
	assert_non_null(strstr(report, "OK, 5 records"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_roots_proofs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_cursor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_flip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_rollback_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_rollback_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_rewritten, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
