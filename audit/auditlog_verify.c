/*
 * audit/auditlog_verify: the offline verifier (see auditlog_verify in auditlog.h). It trusts
 * nothing stored but the checkpoint signatures: the tree is rebuilt in memory from the
 * records, and the stored nodes, the stored size and the checkpoints are checked against it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "audit/auditlog.h"
#include "audit/auditlog_int.h"
#include "common/log.h"

#define VERIFY_LEVELS	64

/* The rebuilt tree: the perfect subtree nodes per level, as merkle callbacks' argument. */
struct memtree {
	uint8_t		(*mt_lv[VERIFY_LEVELS])[MERKLE_HASH_LEN];
	uint64_t	 mt_cnt[VERIFY_LEVELS];
	uint64_t	 mt_cap[VERIFY_LEVELS];
};

/* The verifier's state. */
struct verify {
	struct store		*vf_st;
	MDB_txn			*vf_txn;
	FILE			*vf_report;
	const struct note_verifier *vf_v;
	struct memtree		 vf_mt;
	uint64_t		 vf_n;		/* records read */
	uint64_t		 vf_ncp;	/* checkpoints checked */
};

static int
memtree_get(void *arg, uint64_t level, uint64_t index, uint8_t out[32])
{
	struct memtree *mt = arg;

	if (level >= VERIFY_LEVELS || index >= mt->mt_cnt[level])
		return -1;
	memcpy(out, mt->mt_lv[level][index], MERKLE_HASH_LEN);
	return 0;
}

static int
memtree_put(void *arg, uint64_t level, uint64_t index, const uint8_t hash[32])
{
	struct memtree *mt = arg;
	void *p;
	uint64_t cap;

	/* merkle_append writes each level in index order; anything else is a bug upstream. */
	if (level >= VERIFY_LEVELS || index != mt->mt_cnt[level])
		return -1;
	if (index == mt->mt_cap[level]) {
		cap = mt->mt_cap[level] == 0 ? 64 : mt->mt_cap[level] * 2;
		if (cap > SIZE_MAX / MERKLE_HASH_LEN ||
		    (p = realloc(mt->mt_lv[level], cap * MERKLE_HASH_LEN)) == NULL)
			return -1;
		mt->mt_lv[level] = p;
		mt->mt_cap[level] = cap;
	}
	memcpy(mt->mt_lv[level][index], hash, MERKLE_HASH_LEN);
	mt->mt_cnt[level]++;
	return 0;
}

static void
memtree_free(struct memtree *mt)
{
	size_t l;

	for (l = 0; l < VERIFY_LEVELS; l++)
		free(mt->mt_lv[l]);
}

/* Reports the problem at sequence SEQ; returns 1 (tampered). */
static int __attribute__((format(printf, 3, 4)))
verify_fail(struct verify *vf, uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (vf->vf_report == NULL)
		return 1;
	fprintf(vf->vf_report, "auditlog verify: TAMPERED at seq %llu: ",
	    (unsigned long long)seq);
	va_start(ap, fmt);
	vfprintf(vf->vf_report, fmt, ap);
	va_end(ap);
	fputc('\n', vf->vf_report);
	return 1;
}

/* Whether stored node (LEVEL, INDEX) equals HASH: 1 yes, 0 no/missing, -1 error. */
static int
verify_node_eq(struct verify *vf, uint64_t level, uint64_t index, const uint8_t *hash)
{
	uint8_t key[AUDITLOG_NODE_KEYLEN];
	MDB_val v;
	int rc;

	auditlog_node_key(key, level, index);
	rc = store_get(vf->vf_txn, store_dbi(vf->vf_st, AUDITLOG_DB_NODE), key, sizeof(key), &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return -1;
	return v.mv_size == MERKLE_HASH_LEN &&
	    CRYPTO_memcmp(v.mv_data, hash, MERKLE_HASH_LEN) == 0;
}

/* Rehashes every record in order into the memory tree, checking for gaps and each stored
 * leaf hash. Returns 0, 1 tampered, -1 error. */
static int
verify_records(struct verify *vf)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint8_t leaf[MERKLE_HASH_LEN];
	int rc, eq, ret = -1;

	if (mdb_cursor_open(vf->vf_txn, store_dbi(vf->vf_st, AUDITLOG_DB_REC), &cur) != 0)
		return -1;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), vf->vf_n++) {
		if (k.mv_size != 8) {
			ret = verify_fail(vf, vf->vf_n, "malformed record key");
			goto done;
		}
		if (store_get_be64(k.mv_data) != vf->vf_n) {
			ret = verify_fail(vf, vf->vf_n, "record missing (next stored is seq %llu)",
			    (unsigned long long)store_get_be64(k.mv_data));
			goto done;
		}
		if (merkle_leaf_hash(v.mv_data, v.mv_size, leaf) == -1 ||
		    merkle_append(vf->vf_n, leaf, memtree_put, memtree_get, &vf->vf_mt) == -1)
			goto done;
		if ((eq = verify_node_eq(vf, 0, vf->vf_n, leaf)) != 1) {
			ret = eq == -1 ? -1 : verify_fail(vf, vf->vf_n,
			    "record does not match its stored leaf hash (altered or reordered)");
			goto done;
		}
	}
	ret = rc == MDB_NOTFOUND ? 0 : -1;
done:
	mdb_cursor_close(cur);
	return ret;
}

/* Compares every stored inner node with the rebuilt tree and counts the stored nodes.
 * Returns 0, 1 tampered, -1 error. */
static int
verify_nodes(struct verify *vf)
{
	struct memtree *mt = &vf->vf_mt;
	MDB_stat ms;
	uint64_t l, i, total = 0;
	int eq;

	for (l = 0; l < VERIFY_LEVELS; l++) {
		total += mt->mt_cnt[l];
		for (i = 0; l > 0 && i < mt->mt_cnt[l]; i++) {
			if ((eq = verify_node_eq(vf, l, i, mt->mt_lv[l][i])) == -1)
				return -1;
			if (eq == 0)
				return verify_fail(vf, i << l, "stored node (%llu, %llu) differs",
				    (unsigned long long)l, (unsigned long long)i);
		}
	}
	if (mdb_stat(vf->vf_txn, store_dbi(vf->vf_st, AUDITLOG_DB_NODE), &ms) != 0)
		return -1;
	if (ms.ms_entries != total)
		return verify_fail(vf, vf->vf_n, "%llu stored nodes beyond the %llu records",
		    (unsigned long long)(ms.ms_entries - total), (unsigned long long)vf->vf_n);
	return 0;
}

/* Checks one checkpoint note stored under SIZE against the rebuilt tree and the previous
 * checkpoint (*PREV, *PREVROOT; *PREV 0 for none), which it then replaces.
 * Returns 0, 1 tampered, -1 error. */
static int
verify_one_checkpoint(struct verify *vf, uint64_t size, const MDB_val *note, uint64_t *prev,
    uint8_t prevroot[MERKLE_HASH_LEN])
{
	struct checkpoint c;
	uint8_t root[MERKLE_HASH_LEN], path[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	const char *body;
	size_t bodylen, n;

	if (note_verify(vf->vf_v, note->mv_data, note->mv_size, &body, &bodylen) != 1)
		return verify_fail(vf, size, "checkpoint at size %llu: signature does not verify",
		    (unsigned long long)size);
	if (checkpoint_parse(body, bodylen, &c) == -1)
		return verify_fail(vf, size, "checkpoint at size %llu: malformed",
		    (unsigned long long)size);
	if (c.size != size)
		return verify_fail(vf, size, "checkpoint stored at size %llu is for size %llu "
		    "(replaced or rolled back)", (unsigned long long)size,
		    (unsigned long long)c.size);
	if (size > vf->vf_n)
		return verify_fail(vf, vf->vf_n, "log truncated: checkpoint at size %llu, "
		    "%llu records", (unsigned long long)size, (unsigned long long)vf->vf_n);
	if (merkle_root(size, memtree_get, &vf->vf_mt, root) == -1)
		return -1;
	if (CRYPTO_memcmp(root, c.root, MERKLE_HASH_LEN) != 0)
		return verify_fail(vf, size == 0 ? 0 : size - 1, "records before size %llu do "
		    "not match the signed checkpoint root", (unsigned long long)size);
	if (*prev > 0) {
		if (merkle_consistency_proof(*prev, size, memtree_get, &vf->vf_mt, path, &n) == -1)
			return -1;
		if (merkle_verify_consistency(*prev, size, prevroot, c.root,
		    (const uint8_t (*)[MERKLE_HASH_LEN])path, n) != 1)
			return verify_fail(vf, *prev, "checkpoint at size %llu is not consistent "
			    "with checkpoint at size %llu", (unsigned long long)size,
			    (unsigned long long)*prev);
	}
	*prev = size;
	memcpy(prevroot, c.root, MERKLE_HASH_LEN);
	vf->vf_ncp++;
	return 0;
}

/* Checks every stored checkpoint in size order. Returns 0, 1 tampered, -1 error. */
static int
verify_checkpoints(struct verify *vf)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint8_t prevroot[MERKLE_HASH_LEN];
	uint64_t prev = 0;
	int rc, ret = 0;

	if (mdb_cursor_open(vf->vf_txn, store_dbi(vf->vf_st, AUDITLOG_DB_NOTE), &cur) != 0)
		return -1;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && ret == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8)
			ret = verify_fail(vf, prev, "malformed checkpoint key");
		else
			ret = verify_one_checkpoint(vf, store_get_be64(k.mv_data), &v, &prev,
			    prevroot);
	}
	if (ret == 0 && rc != MDB_NOTFOUND)
		ret = -1;
	mdb_cursor_close(cur);
	return ret;
}

int
auditlog_verify(const char *dir, const struct note_verifier *v, FILE *report)
{
	struct verify vf;
	uint64_t size;
	char path[4096];
	int rc, ret = -1;

	memset(&vf, 0, sizeof(vf));
	vf.vf_report = report;
	vf.vf_v = v;
	/* store_open would create an empty log: a missing one is an error, not "OK, 0". */
	rc = snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (rc < 0 || (size_t)rc >= sizeof(path) || access(path, R_OK) == -1) {
		log_warnx("auditlog verify: no readable log in %s", dir);
		goto done;
	}
	vf.vf_st = store_open(dir, AUDITLOG_VERIFY_MAPSIZE, 0, auditlog_dbs, AUDITLOG_NDBS);
	if (vf.vf_st == NULL)
		goto done;
	if ((rc = store_begin(vf.vf_st, 1, &vf.vf_txn)) != 0) {
		log_warnx("auditlog verify: %s", store_strerror(rc));
		goto done;
	}
	if ((ret = verify_records(&vf)) != 0)
		goto done;
	if ((rc = auditlog_meta_size(vf.vf_st, vf.vf_txn, &size)) != 0) {
		ret = rc == MDB_CORRUPTED ? verify_fail(&vf, 0, "stored size damaged") : -1;
		goto done;
	}
	if (size < vf.vf_n) {
		ret = verify_fail(&vf, size, "record beyond the stored size %llu (rolled back)",
		    (unsigned long long)size);
		goto done;
	}
	if (size > vf.vf_n) {
		ret = verify_fail(&vf, vf.vf_n, "record missing (stored size %llu)",
		    (unsigned long long)size);
		goto done;
	}
	if ((ret = verify_nodes(&vf)) != 0 || (ret = verify_checkpoints(&vf)) != 0)
		goto done;
	if (report != NULL)
		fprintf(report, "auditlog verify: OK, %llu records, %llu checkpoints\n",
		    (unsigned long long)vf.vf_n, (unsigned long long)vf.vf_ncp);
done:
	if (ret == -1 && report != NULL)
		fprintf(report, "auditlog verify: ERROR: cannot read the log in %s\n", dir);
	store_abort(vf.vf_txn);
	store_close(vf.vf_st);
	memtree_free(&vf.vf_mt);
	return ret;
}
