/*
 * tests/integ/audit_tool: builds and damages audit logs for test_audit_cli.sh, which
 * compiles it against $BUILD/libhashi.a (no cmocka). It writes records the way hashid
 * does (atna_build, auditlog_add_indexed with atna_index_keys) and edits LMDB directly,
 * through audit/auditlog_int.h, to simulate an attacker with file access.
 *
 *   gen DIR KEY ORIGIN FROM COUNT [EVERY]   append records FROM.., checkpoint every EVERY
 *                                           records and at the end (EVERY 0: none)
 *   fill DIR MAPSIZE                        append large junk records until the map is full
 *   flip DIR SEQ | delete DIR SEQ | swap DIR A B | truncate DIR N
 *   resign DIR SIZE KEY2 ORIGIN             re-sign the stored checkpoint of SIZE with KEY2
 *
 * Record I: event ITI-38, ITI-39, ITI-55, consent-decision in turn; time 2024-05-01T00:00Z
 * plus I hours; patient P000<I%5>; user dr-<I%3>; from region ...1001 to ...1002 (odd I:
 * the reverse); purpose clinical; outcome 4 when I%7 == 6, else 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/atna.h"
#include "audit/auditlog.h"
#include "audit/auditlog_int.h"
#include "common/store.h"
#include "common/str.h"
#include "crypto/checkpoint.h"

#define MAPSIZE		((size_t)64 << 20)
#define T0_MS		1714521600000LL	/* 2024-05-01T00:00:00Z */
#define R1		"urn:oid:1.2.392.200119.6.1001"
#define R2		"urn:oid:1.2.392.200119.6.1002"

static int
die(const char *msg)
{
	fprintf(stderr, "audit_tool: %s\n", msg);
	return 1;
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

	if (ks->n == 32)
		return -1;
	memcpy(ks->k[ks->n], key, len);
	ks->ak[ks->n].ak_key = ks->k[ks->n];
	ks->ak[ks->n].ak_len = len;
	ks->n++;
	return 0;
}

/* Appends record I to batch B. */
static int
add_record(struct auditlog_batch *b, uint64_t i)
{
	static const enum atna_event ev[] = { ATNA_ITI38, ATNA_ITI39, ATNA_ITI55,
	    ATNA_CONSENT_DECISION };
	struct atna_record r;
	struct atna_summary s;
	struct atna_doc doc = { "1.2.3.4.5", "1.2.3.4", R2 };
	struct strbuf rec = { 0 };
	struct keys ks = { .n = 0 };
	char pat[64], user[16];
	const char *pats[1] = { pat };
	int rc;

	snprintf(pat, sizeof(pat), "P%04u^^^&1.2.392.200119.6.1001.1&ISO", (unsigned)(i % 5));
	snprintf(user, sizeof(user), "dr-%u", (unsigned)(i % 3));
	memset(&r, 0, sizeof(r));
	r.ar_event = ev[i % 4];
	r.ar_outcome = i % 7 == 6 ? ATNA_MINOR : ATNA_OK;
	r.ar_outcome_desc = i % 7 == 6 ? "consent: no consent" : NULL;
	r.ar_time_ms = T0_MS + (int64_t)i * 3600 * 1000;
	r.ar_purpose = "clinical";
	r.ar_src_user = "https://gw1.example.jp/xca";
	r.ar_src_region = i % 2 ? R2 : R1;
	r.ar_dst_user = "https://gw2.example.jp/xca";
	r.ar_dst_region = i % 2 ? R1 : R2;
	r.ar_human = user;
	r.ar_source_id = R1;
	r.ar_site = "test-net";
	r.ar_patients = pats;
	r.ar_npatients = 1;
	if (r.ar_event == ATNA_ITI39) {
		r.ar_docs = &doc;
		r.ar_ndocs = 1;
	}
	if (r.ar_event == ATNA_CONSENT_DECISION)
		r.ar_object_id = "consent-1";
	if (atna_build(&r, &rec) == -1 || atna_record_summary(&r, &s) == -1 ||
	    atna_index_keys(&s, key_cb, &ks) != 0)
		return die("cannot build a record");
	rc = auditlog_add_indexed(b, (const uint8_t *)rec.sb_data, rec.sb_len, ks.ak, ks.n,
	    NULL);
	strbuf_reset(&rec);
	return rc == AUDITLOG_OK ? 0 : die(auditlog_strerror(rc));
}

static int
checkpoint(struct auditlog *log, const char *key, const char *origin)
{
	struct note_signer *s;
	struct strbuf note = { 0 };
	int rc;

	if ((s = note_signer_load(origin, key)) == NULL)
		return die("cannot load the key");
	rc = auditlog_checkpoint(log, s, origin, &note);
	note_signer_free(s);
	strbuf_reset(&note);
	return rc == AUDITLOG_OK ? 0 : die("checkpoint failed");
}

static int
gen(char **argv, int argc)
{
	struct auditlog *log;
	struct auditlog_batch b;
	uint64_t from = strtoull(argv[3], NULL, 10), n = strtoull(argv[4], NULL, 10), i;
	uint64_t every = argc > 5 ? strtoull(argv[5], NULL, 10) : 0;
	int ret = 1;

	if ((log = auditlog_open(argv[0], MAPSIZE)) == NULL)
		return die("cannot open the log");
	for (i = 0; i < n; i++) {
		if (auditlog_begin(log, &b) != AUDITLOG_OK || add_record(&b, from + i) != 0 ||
		    auditlog_commit(&b) != AUDITLOG_OK)
			goto done;
		if (every > 0 && (i + 1) % every == 0 && checkpoint(log, argv[1], argv[2]) != 0)
			goto done;
	}
	if (every > 0 && n % every != 0 && checkpoint(log, argv[1], argv[2]) != 0)
		goto done;
	ret = 0;
done:
	auditlog_close(log);
	return ret;
}

/* Appends junk records of shrinking sizes until not even a tiny one fits. */
static int
fill(const char *dir, size_t mapsize)
{
	static const size_t sizes[] = { 32 * 1024, 4096, 1024, 256, 16 };
	static uint8_t junk[32 * 1024];
	struct auditlog *log;
	struct auditlog_batch b;
	size_t s;
	int rc = AUDITLOG_OK, n;

	if ((log = auditlog_open(dir, mapsize)) == NULL)
		return die("cannot open the log");
	memset(junk, 'j', sizeof(junk));
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (rc = AUDITLOG_OK, n = 0; n < 100000 && rc == AUDITLOG_OK; n++) {
			if ((rc = auditlog_begin(log, &b)) != AUDITLOG_OK)
				break;
			if ((rc = auditlog_add(&b, junk, sizes[s], NULL)) == AUDITLOG_OK)
				rc = auditlog_commit(&b);
			else
				auditlog_abort(&b);
		}
	auditlog_close(log);
	return rc == AUDITLOG_EFULL ? 0 : die("the map did not fill up");
}

/* Deletes every record >= N and the nodes covering them, and sets the size to N. */
static int
truncate_log(struct store *st, MDB_txn *txn, uint64_t n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t val[8];
	int rc;

	if (mdb_cursor_open(txn, store_dbi(st, AUDITLOG_DB_REC), &cur) != 0)
		return -1;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (store_get_be64(k.mv_data) >= n && mdb_cursor_del(cur, 0) != 0)
			return -1;
	mdb_cursor_close(cur);
	if (mdb_cursor_open(txn, store_dbi(st, AUDITLOG_DB_NODE), &cur) != 0)
		return -1;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint64_t level = store_get_be64(k.mv_data);
		uint64_t index = store_get_be64((uint8_t *)k.mv_data + 8);

		if (((index + 1) << level) > n && mdb_cursor_del(cur, 0) != 0)
			return -1;
	}
	mdb_cursor_close(cur);
	store_put_be64(val, n);
	return store_put(txn, store_dbi(st, AUDITLOG_DB_META), AUDITLOG_META_SIZE,
	    strlen(AUDITLOG_META_SIZE), val, 8, 0);
}

/* Copies the value of KEY in DB into a malloc'd buffer. */
static uint8_t *
raw_copy(struct store *st, MDB_txn *txn, size_t db, const uint8_t *key, size_t klen,
    size_t *len)
{
	MDB_val v;
	uint8_t *p;

	if (store_get(txn, store_dbi(st, db), key, klen, &v) != 0 ||
	    (p = malloc(v.mv_size + 1)) == NULL)
		return NULL;
	memcpy(p, v.mv_data, v.mv_size);
	p[v.mv_size] = '\0';
	*len = v.mv_size;
	return p;
}

static int
resign(struct store *st, MDB_txn *txn, uint64_t size, const char *key2, const char *origin)
{
	struct note_signer *s;
	struct strbuf forged = { 0 };
	uint8_t k[8], *note;
	const char *end;
	size_t len;
	int rc = -1;

	store_put_be64(k, size);
	if ((note = raw_copy(st, txn, AUDITLOG_DB_NOTE, k, 8, &len)) == NULL ||
	    (end = strstr((const char *)note, "\n\n")) == NULL ||
	    (s = note_signer_load(origin, key2)) == NULL) {
		free(note);
		return -1;
	}
	if (note_sign(s, (const char *)note, (size_t)(end - (const char *)note) + 1,
	    &forged) == 0)
		rc = store_put(txn, store_dbi(st, AUDITLOG_DB_NOTE), k, 8, forged.sb_data,
		    forged.sb_len, 0);
	note_signer_free(s);
	strbuf_reset(&forged);
	free(note);
	return rc;
}

static int
tamper(const char *what, char **argv, int argc)
{
	struct store *st;
	MDB_txn *txn;
	uint8_t k1[8], k2[8], *r1 = NULL, *r2 = NULL;
	size_t l1, l2;
	int rc = -1;

	if ((st = store_open(argv[0], MAPSIZE, 0, auditlog_dbs, AUDITLOG_NDBS)) == NULL ||
	    store_begin(st, 0, &txn) != 0)
		return die("cannot open the log");
	store_put_be64(k1, argc > 1 ? strtoull(argv[1], NULL, 10) : 0);
	store_put_be64(k2, argc > 2 ? strtoull(argv[2], NULL, 10) : 0);
	if (strcmp(what, "flip") == 0 && argc == 2) {
		if ((r1 = raw_copy(st, txn, AUDITLOG_DB_REC, k1, 8, &l1)) != NULL) {
			r1[l1 / 2] ^= 0x01;
			rc = store_put(txn, store_dbi(st, AUDITLOG_DB_REC), k1, 8, r1, l1, 0);
		}
	} else if (strcmp(what, "delete") == 0 && argc == 2)
		rc = store_del(txn, store_dbi(st, AUDITLOG_DB_REC), k1, 8, NULL, 0);
	else if (strcmp(what, "swap") == 0 && argc == 3) {
		if ((r1 = raw_copy(st, txn, AUDITLOG_DB_REC, k1, 8, &l1)) != NULL &&
		    (r2 = raw_copy(st, txn, AUDITLOG_DB_REC, k2, 8, &l2)) != NULL &&
		    store_put(txn, store_dbi(st, AUDITLOG_DB_REC), k1, 8, r2, l2, 0) == 0)
			rc = store_put(txn, store_dbi(st, AUDITLOG_DB_REC), k2, 8, r1, l1, 0);
	} else if (strcmp(what, "truncate") == 0 && argc == 2)
		rc = truncate_log(st, txn, strtoull(argv[1], NULL, 10));
	else if (strcmp(what, "resign") == 0 && argc == 4)
		rc = resign(st, txn, strtoull(argv[1], NULL, 10), argv[2], argv[3]);
	free(r1);
	free(r2);
	if (rc == 0)
		rc = store_commit(txn);
	else
		store_abort(txn);
	store_close(st);
	return rc == 0 ? 0 : die("tampering failed (bad arguments?)");
}

int
main(int argc, char **argv)
{
	if (argc >= 7 && strcmp(argv[1], "gen") == 0 && argc <= 8)
		return gen(argv + 2, argc - 2);
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], (size_t)strtoull(argv[3], NULL, 10));
	if (argc >= 3)
		return tamper(argv[1], argv + 2, argc - 2);
	fprintf(stderr, "usage: audit_tool gen|fill|flip|delete|swap|truncate|resign ...\n");
	return 2;
}
