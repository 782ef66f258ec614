/*
 * audit/auditlog: the append-only audit log store (see auditlog.h). One LMDB write
 * transaction per batch writes the records, the Merkle nodes they complete and the new size;
 * readers use short read transactions that never outlive a call.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/auditlog.h"
#include "audit/auditlog_int.h"
#include "common/log.h"

const struct store_db auditlog_dbs[AUDITLOG_NDBS] = {
	{ "seq2rec", 0 },
	{ "node2hash", 0 },
	{ "meta", 0 },
	{ "size2note", 0 },
	/* DUPSORT rather than KEY || seq keys: LMDB then orders by key, then sequence, with
	 * no ambiguity between a key and a longer key it prefixes. */
	{ "key2seq", MDB_DUPSORT },
	{ "cursor", 0 },
	{ "witness", 0 },
};

void
auditlog_node_key(uint8_t key[AUDITLOG_NODE_KEYLEN], uint64_t level, uint64_t index)
{
	store_put_be64(key, level);
	store_put_be64(key + 8, index);
}

int
auditlog_node_get(void *arg, uint64_t level, uint64_t index, uint8_t out[32])
{
	struct auditlog_nodes *an = arg;
	uint8_t key[AUDITLOG_NODE_KEYLEN];
	MDB_val v;
	int rc;

	auditlog_node_key(key, level, index);
	rc = store_get(an->an_txn, an->an_dbi, key, sizeof(key), &v);
	if (rc == 0 && v.mv_size != MERKLE_HASH_LEN)
		rc = MDB_CORRUPTED;	/* a stored node of the wrong length is damage */
	if (rc != 0) {
		if (an->an_rc == 0)
			an->an_rc = rc;
		return -1;
	}
	memcpy(out, v.mv_data, MERKLE_HASH_LEN);
	return 0;
}

/* merkle_put_fn over struct auditlog_nodes, inside the batch's write transaction. */
static int
auditlog_node_put(void *arg, uint64_t level, uint64_t index, const uint8_t hash[32])
{
	struct auditlog_nodes *an = arg;
	uint8_t key[AUDITLOG_NODE_KEYLEN];
	int rc;

	auditlog_node_key(key, level, index);
	rc = store_put(an->an_txn, an->an_dbi, key, sizeof(key), hash, MERKLE_HASH_LEN, 0);
	if (rc != 0) {
		if (an->an_rc == 0)
			an->an_rc = rc;
		return -1;
	}
	return 0;
}

int
auditlog_meta_size(struct store *st, MDB_txn *txn, uint64_t *size)
{
	MDB_val v;
	int rc;

	*size = 0;
	rc = store_get(txn, store_dbi(st, AUDITLOG_DB_META), AUDITLOG_META_SIZE,
	    strlen(AUDITLOG_META_SIZE), &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != 8)
		return MDB_CORRUPTED;
	*size = store_get_be64(v.mv_data);
	return 0;
}

int
auditlog_status(int rc)
{
	if (rc == MDB_MAP_RESIZED)
		return AUDITLOG_EFAIL;	/* the handle is not remapped (store_fix_map): reopen */
	switch (store_classify(rc)) {
	case STORE_OK:
		return AUDITLOG_OK;
	case STORE_NOTFOUND:
		return AUDITLOG_ENOTFOUND;
	case STORE_FULL:
		return AUDITLOG_EFULL;
	case STORE_BUSY:
		return AUDITLOG_EBUSY;
	case STORE_CORRUPT:
		return AUDITLOG_ECORRUPT;
	default:
		return AUDITLOG_EFAIL;
	}
}

const char *
auditlog_strerror(int rc)
{
	switch (rc) {
	case AUDITLOG_OK:
		return "success";
	case AUDITLOG_EFULL:
		return "audit log full";
	case AUDITLOG_EBUSY:
		return "audit log busy";
	case AUDITLOG_ECORRUPT:
		return "audit log damaged";
	case AUDITLOG_ENOTFOUND:
		return "not found";
	default:
		return "audit log failure";
	}
}

struct auditlog *
auditlog_open(const char *dir, size_t mapsize)
{
	struct auditlog *log;

	if ((log = calloc(1, sizeof(*log))) == NULL) {
		log_warn("auditlog: calloc");
		return NULL;
	}
	log->al_store = store_open(dir, mapsize, 0, auditlog_dbs, AUDITLOG_NDBS);
	/* hashid's loop reads while its writer thread writes: never remap under them */
	if (log->al_store != NULL)
		store_fix_map(log->al_store);
	if (log->al_store == NULL) {
		free(log);
		return NULL;
	}
	return log;
}

void
auditlog_close(struct auditlog *log)
{
	if (log == NULL)
		return;
	store_close(log->al_store);
	free(log);
}

int
auditlog_begin(struct auditlog *log, struct auditlog_batch *b)
{
	MDB_txn *txn = NULL;
	int rc;

	memset(b, 0, sizeof(*b));
	if ((rc = store_begin(log->al_store, 0, &txn)) != 0 ||
	    (rc = auditlog_meta_size(log->al_store, txn, &b->ab_size)) != 0) {
		log_warnx("auditlog: begin: %s", store_strerror(rc));
		store_abort(txn);
		return auditlog_status(rc);
	}
	b->ab_log = log;
	b->ab_txn = txn;
	return AUDITLOG_OK;
}

int
auditlog_add(struct auditlog_batch *b, const uint8_t *record, size_t len, uint64_t *seq)
{
	struct store *st;
	struct auditlog_nodes an;
	uint8_t key[8], leaf[MERKLE_HASH_LEN];
	int rc;

	if (b->ab_txn == NULL)
		return AUDITLOG_EFAIL;
	if (b->ab_status != AUDITLOG_OK)
		return b->ab_status;
	st = b->ab_log->al_store;
	store_put_be64(key, b->ab_size);
	/* MDB_NOOVERWRITE: a record already at this sequence means the size was damaged. */
	rc = store_put(b->ab_txn, store_dbi(st, AUDITLOG_DB_REC), key, sizeof(key), record, len,
	    MDB_NOOVERWRITE);
	if (rc != 0) {
		log_warnx("auditlog: record %llu: %s", (unsigned long long)b->ab_size,
		    store_strerror(rc));
		b->ab_status = rc == MDB_KEYEXIST ? AUDITLOG_ECORRUPT : auditlog_status(rc);
		return b->ab_status;
	}
	an.an_txn = b->ab_txn;
	an.an_dbi = store_dbi(st, AUDITLOG_DB_NODE);
	an.an_rc = 0;
	if (merkle_leaf_hash(record, len, leaf) == -1 ||
	    merkle_append(b->ab_size, leaf, auditlog_node_put, auditlog_node_get, &an) == -1) {
		log_warnx("auditlog: append %llu: %s", (unsigned long long)b->ab_size,
		    an.an_rc != 0 ? store_strerror(an.an_rc) : "hash failure");
		b->ab_status = an.an_rc != 0 ? auditlog_status(an.an_rc) : AUDITLOG_EFAIL;
		return b->ab_status;
	}
	if (seq != NULL)
		*seq = b->ab_size;
	b->ab_size++;
	return AUDITLOG_OK;
}

int
auditlog_commit(struct auditlog_batch *b)
{
	uint8_t val[8];
	int rc, ret;

	if (b->ab_txn == NULL)
		return AUDITLOG_EFAIL;
	if ((ret = b->ab_status) != AUDITLOG_OK) {
		auditlog_abort(b);
		return ret;
	}
	store_put_be64(val, b->ab_size);
	rc = store_put(b->ab_txn, store_dbi(b->ab_log->al_store, AUDITLOG_DB_META),
	    AUDITLOG_META_SIZE, strlen(AUDITLOG_META_SIZE), val, sizeof(val), 0);
	if (rc != 0) {
		store_abort(b->ab_txn);
	} else
		rc = store_commit(b->ab_txn);
	b->ab_txn = NULL;
	if (rc != 0)
		log_warnx("auditlog: commit: %s", store_strerror(rc));
	return auditlog_status(rc);
}

void
auditlog_abort(struct auditlog_batch *b)
{
	store_abort(b->ab_txn);
	b->ab_txn = NULL;
}

int
auditlog_size(struct auditlog *log, uint64_t *size)
{
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = store_begin(log->al_store, 1, &txn)) == 0)
		rc = auditlog_meta_size(log->al_store, txn, size);
	store_abort(txn);
	return auditlog_status(rc);
}

/* Begins a read transaction on LOG for a tree of NEED leaves: fills *AN and returns
 * AUDITLOG_OK, or AUDITLOG_ENOTFOUND when the log is smaller (no transaction left open). */
static int
auditlog_read(struct auditlog *log, uint64_t need, struct auditlog_nodes *an)
{
	uint64_t size;
	int rc;

	an->an_txn = NULL;
	an->an_rc = 0;
	if ((rc = store_begin(log->al_store, 1, &an->an_txn)) != 0 ||
	    (rc = auditlog_meta_size(log->al_store, an->an_txn, &size)) != 0) {
		store_abort(an->an_txn);
		an->an_txn = NULL;
		return auditlog_status(rc);
	}
	if (need > size) {
		store_abort(an->an_txn);
		an->an_txn = NULL;
		return AUDITLOG_ENOTFOUND;
	}
	an->an_dbi = store_dbi(log->al_store, AUDITLOG_DB_NODE);
	return AUDITLOG_OK;
}

/* The status after a merkle call over AN that returned R. */
static int
auditlog_merkle_status(int r, const struct auditlog_nodes *an)
{
	if (r == 0)
		return AUDITLOG_OK;
	/* A node missing below the committed size means damage, not an absent record. */
	if (an->an_rc == MDB_NOTFOUND)
		return AUDITLOG_ECORRUPT;
	return an->an_rc != 0 ? auditlog_status(an->an_rc) : AUDITLOG_EFAIL;
}

int
auditlog_root(struct auditlog *log, uint64_t size, uint8_t root[MERKLE_HASH_LEN])
{
	struct auditlog_nodes an;
	int ret;

	if ((ret = auditlog_read(log, size, &an)) != AUDITLOG_OK)
		return ret;
	ret = auditlog_merkle_status(merkle_root(size, auditlog_node_get, &an, root), &an);
	store_abort(an.an_txn);
	return ret;
}

int
auditlog_get(struct auditlog *log, uint64_t seq, uint8_t **record, size_t *len)
{
	MDB_txn *txn = NULL;
	MDB_val v;
	uint8_t key[8];
	int rc, ret;

	*record = NULL;
	*len = 0;
	store_put_be64(key, seq);
	if ((rc = store_begin(log->al_store, 1, &txn)) != 0 ||
	    (rc = store_get(txn, store_dbi(log->al_store, AUDITLOG_DB_REC), key, sizeof(key),
	    &v)) != 0) {
		ret = auditlog_status(rc);
		goto done;
	}
	/* malloc(0) may return NULL: allocate one byte more. */
	if ((*record = malloc(v.mv_size + 1)) == NULL) {
		ret = AUDITLOG_EFAIL;
		goto done;
	}
	memcpy(*record, v.mv_data, v.mv_size);
	*len = v.mv_size;
	ret = AUDITLOG_OK;
done:
	store_abort(txn);
	return ret;
}

int
auditlog_inclusion(struct auditlog *log, uint64_t seq, uint64_t size,
    uint8_t (*path)[MERKLE_HASH_LEN], size_t *n)
{
	struct auditlog_nodes an;
	int ret;

	*n = 0;
	if (seq >= size)
		return AUDITLOG_ENOTFOUND;
	if ((ret = auditlog_read(log, size, &an)) != AUDITLOG_OK)
		return ret;
	ret = auditlog_merkle_status(merkle_inclusion_proof(seq, size, auditlog_node_get, &an,
	    path, n), &an);
	store_abort(an.an_txn);
	return ret;
}

int
auditlog_consistency(struct auditlog *log, uint64_t old, uint64_t new,
    uint8_t (*path)[MERKLE_HASH_LEN], size_t *n)
{
	struct auditlog_nodes an;
	int ret;

	*n = 0;
	if (old == 0 || old > new)
		return AUDITLOG_ENOTFOUND;
	if ((ret = auditlog_read(log, new, &an)) != AUDITLOG_OK)
		return ret;
	ret = auditlog_merkle_status(merkle_consistency_proof(old, new, auditlog_node_get, &an,
	    path, n), &an);
	store_abort(an.an_txn);
	return ret;
}
