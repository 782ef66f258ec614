/*
 * audit/auditlog_index: the search indexes and the named cursors of the audit log (see
 * auditlog.h). Both live in the log's environment so that they commit in the same write
 * transaction as the records they describe; neither is part of the Merkle tree, so the
 * verifier ignores them and readers re-check every index hit against the signed tree.
 */
#include <string.h>

#include "audit/auditlog.h"
#include "audit/auditlog_int.h"
#include "common/log.h"

/* Records the first error of batch B (sticky) and returns it. */
static int
auditlog_batch_fail(struct auditlog_batch *b, int status)
{
	if (b->ab_status == AUDITLOG_OK)
		b->ab_status = status;
	return b->ab_status;
}

int
auditlog_add_indexed(struct auditlog_batch *b, const uint8_t *record, size_t len,
    const struct auditlog_key *keys, size_t nkeys, uint64_t *seq)
{
	MDB_dbi dbi;
	uint8_t val[8];
	uint64_t s;
	size_t i;
	int rc, ret;

	if (b->ab_txn == NULL)
		return AUDITLOG_EFAIL;
	/* Check the keys first: a bad key must not leave a half-indexed record behind. */
	for (i = 0; i < nkeys; i++)
		if (keys[i].ak_len == 0 || keys[i].ak_len > AUDITLOG_KEY_MAX ||
		    keys[i].ak_key == NULL) {
			log_warnx("auditlog: index key %zu of %zu bytes refused", i,
			    keys[i].ak_len);
			return auditlog_batch_fail(b, AUDITLOG_EFAIL);
		}
	if ((ret = auditlog_add(b, record, len, &s)) != AUDITLOG_OK)
		return ret;
	dbi = store_dbi(b->ab_log->al_store, AUDITLOG_DB_INDEX);
	store_put_be64(val, s);
	for (i = 0; i < nkeys; i++) {
		rc = store_put(b->ab_txn, dbi, keys[i].ak_key, keys[i].ak_len, val, sizeof(val),
		    MDB_NODUPDATA);
		/* The same key twice for one record is harmless. */
		if (rc != 0 && rc != MDB_KEYEXIST) {
			log_warnx("auditlog: index of record %llu: %s", (unsigned long long)s,
			    store_strerror(rc));
			return auditlog_batch_fail(b, auditlog_status(rc));
		}
	}
	if (seq != NULL)
		*seq = s;
	return AUDITLOG_OK;
}

/* Whether NAME is a valid cursor name. */
static int
auditlog_cursor_name_ok(const char *name)
{
	size_t n;

	return name != NULL && (n = strlen(name)) > 0 && n <= AUDITLOG_CURSOR_MAX;
}

int
auditlog_set_cursor(struct auditlog_batch *b, const char *name, uint64_t value)
{
	uint8_t val[8];
	int rc;

	if (b->ab_txn == NULL)
		return AUDITLOG_EFAIL;
	if (b->ab_status != AUDITLOG_OK)
		return b->ab_status;
	if (!auditlog_cursor_name_ok(name))
		return auditlog_batch_fail(b, AUDITLOG_EFAIL);
	store_put_be64(val, value);
	rc = store_put(b->ab_txn, store_dbi(b->ab_log->al_store, AUDITLOG_DB_CURSOR), name,
	    strlen(name), val, sizeof(val), 0);
	if (rc != 0) {
		log_warnx("auditlog: cursor %s: %s", name, store_strerror(rc));
		return auditlog_batch_fail(b, auditlog_status(rc));
	}
	return AUDITLOG_OK;
}

int
auditlog_cursor(struct auditlog *log, const char *name, uint64_t *value)
{
	MDB_txn *txn = NULL;
	MDB_val v;
	int rc;

	*value = 0;
	if (!auditlog_cursor_name_ok(name))
		return AUDITLOG_EFAIL;
	if ((rc = store_begin(log->al_store, 1, &txn)) == 0) {
		rc = store_get(txn, store_dbi(log->al_store, AUDITLOG_DB_CURSOR), name,
		    strlen(name), &v);
		if (rc == 0 && v.mv_size != 8)
			rc = MDB_CORRUPTED;
		else if (rc == 0)
			*value = store_get_be64(v.mv_data);
		else if (rc == MDB_NOTFOUND)
			rc = 0;		/* never set */
	}
	store_abort(txn);
	return auditlog_status(rc);
}

/* memcmp order with a shorter prefix first: LMDB's default key order. */
static int
auditlog_keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

int
auditlog_index_range(struct auditlog *log, const uint8_t *lo, size_t lolen,
    const uint8_t *hi, size_t hilen, int (*fn)(void *arg, uint64_t seq), void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	if (lolen == 0 || lolen > AUDITLOG_KEY_MAX || hilen > AUDITLOG_KEY_MAX)
		return AUDITLOG_EFAIL;
	if ((rc = store_begin(log->al_store, 1, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, store_dbi(log->al_store, AUDITLOG_DB_INDEX), &cur)) != 0)
		goto done;
	k.mv_data = (void *)(uintptr_t)lo;
	k.mv_size = lolen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (auditlog_keycmp(k.mv_data, k.mv_size, hi, hilen) > 0)
			break;
		/* A damaged entry is skipped: hits are re-checked anyway, and one bad index
		 * value must not hide the others. */
		if (v.mv_size != 8)
			continue;
		if (fn(arg, store_get_be64(v.mv_data)) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return auditlog_status(rc);
}

int
auditlog_checkpoint_below(struct auditlog *log, uint64_t below, uint64_t *size,
    struct strbuf *note)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint8_t key[8];
	int rc, ret;

	if ((rc = store_begin(log->al_store, 1, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, store_dbi(log->al_store, AUDITLOG_DB_NOTE), &cur)) != 0)
		goto done;
	store_put_be64(key, below);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	/* The first key >= BELOW, then one back; none >= BELOW: the last one. */
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc != 0)
		goto done;
	if (k.mv_size != 8) {
		rc = MDB_CORRUPTED;
		goto done;
	}
	*size = store_get_be64(k.mv_data);
	if (strbuf_add(note, v.mv_data, v.mv_size) == -1) {
		ret = AUDITLOG_EFAIL;
		goto out;
	}
done:
	ret = auditlog_status(rc);
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return ret;
}
