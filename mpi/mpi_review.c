/*
 * mpi/mpi_review: candidate links waiting for an operator. A discovery that is not an
 * automatic match (match_compare said CANDIDATE) is queued here instead of linked; the
 * operator confirms it (it becomes an OPERATOR correlation) or rejects it (the triple is
 * remembered and never queued again, so the same near-miss does not come back each time
 * the peer is asked).
 *
 * num2cand: number (u64 BE) -> version, found_at (i64 BE), diff (u32 BE), "id NUL hcid NUL
 * remote NUL", then the remote demographics as tagged fields (mpi_rec.c).
 * cand2num: "id NUL hcid NUL remote" -> number (u64 BE), or 0 once rejected.
 */
#include <stdlib.h>
#include <string.h>

#include "common/store.h"
#include "common/log.h"
#include "common/str.h"
#include "mpi/mpi_int.h"

#define CAND_VERSION	1
#define CAND_HDR	13
#define CAND_KEY_MAX	(MPI_LOCAL_ID_MAX + MPI_HCID_MAX + MPI_ID_MAX)

/* The ids of a candidate, canonical. */
struct cand_ids {
	char	id[MPI_LOCAL_ID_MAX];
	char	hcid[MPI_HCID_MAX];
	char	remote[MPI_ID_MAX];
};

/* Writes "id NUL hcid NUL remote" into KEY; returns its length. */
static size_t
cand_key(const struct cand_ids *ci, uint8_t *key)
{
	size_t a = strlen(ci->id), b = strlen(ci->hcid), c = strlen(ci->remote);

	memcpy(key, ci->id, a);
	key[a] = '\0';
	memcpy(key + a + 1, ci->hcid, b);
	key[a + 1 + b] = '\0';
	memcpy(key + a + b + 2, ci->remote, c);
	return a + b + 2 + c;
}

/* Encodes candidate C with ids CI into BUF (MPI_REC_MAX); sets *LENP. */
static int
cand_encode(const struct mpi_candidate *c, const struct cand_ids *ci, int64_t now,
    uint8_t *buf, size_t *lenp)
{
	size_t off = CAND_HDR, n;

	buf[0] = CAND_VERSION;
	store_put_be64(buf + 1, (uint64_t)now);
	buf[9] = (uint8_t)(c->mv_diff >> 24);
	buf[10] = (uint8_t)(c->mv_diff >> 16);
	buf[11] = (uint8_t)(c->mv_diff >> 8);
	buf[12] = (uint8_t)c->mv_diff;
	n = cand_key(ci, buf + off);
	off += n;
	buf[off++] = '\0';
	if (mpi_rec_put_demog(buf, MPI_REC_MAX, &off, &c->mv_demog) != MPI_OK)
		return MPI_E_INVALID;
	*lenp = off;
	return MPI_OK;
}

/* Decodes V[0..LEN) (candidate NUM) into *OUT, with the local id as a CX, and CI. */
static int
cand_decode(const struct mpi *m, uint64_t num, const uint8_t *v, size_t len,
    struct mpi_candidate *out, struct cand_ids *ci)
{
	const char *p, *e;
	char *dst[3] = { ci->id, ci->hcid, ci->remote };
	size_t sz[3] = { sizeof(ci->id), sizeof(ci->hcid), sizeof(ci->remote) }, i, n;

	memset(out, 0, sizeof(*out));
	if (len < CAND_HDR || v[0] != CAND_VERSION)
		return MPI_E_CORRUPT;
	out->mv_id = num;
	out->mv_found_at = (int64_t)store_get_be64(v + 1);
	out->mv_diff = ((unsigned)v[9] << 24) | ((unsigned)v[10] << 16) |
	    ((unsigned)v[11] << 8) | v[12];
	p = (const char *)v + CAND_HDR;
	e = (const char *)v + len;
	for (i = 0; i < 3; i++) {
		if ((n = strnlen(p, (size_t)(e - p))) == (size_t)(e - p) || n >= sz[i])
			return MPI_E_CORRUPT;
		memcpy(dst[i], p, n + 1);
		p += n + 1;
	}
	if (mpi_rec_get_demog((const uint8_t *)p, (size_t)(e - p), &out->mv_demog) != MPI_OK ||
	    mpi_pid_cx(m, ci->id, out->mv_local, sizeof(out->mv_local)) != MPI_OK)
		return MPI_E_CORRUPT;
	memcpy(out->mv_hcid, ci->hcid, sizeof(ci->hcid));
	memcpy(out->mv_remote, ci->remote, sizeof(ci->remote));
	return MPI_OK;
}

/* Tells whether ID is already linked to REMOTE in HCID (fresh): 1, 0, or an mpi_err. */
static int
cand_linked(struct mpi *m, MDB_txn *txn, const struct cand_ids *ci, int64_t now)
{
	uint8_t key[MPI_CORRKEY_MAX];
	struct mpi_remote r;
	MDB_val v;
	int rc;

	rc = store_get(txn, MPI_DBI(m, MPI_DB_CORR), key, mpi_corr_key(ci->id, ci->hcid, key),
	    &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return mpi_store_err(rc);
	if ((rc = mpi_corr_decode(v.mv_data, v.mv_size, now, &r)) != MPI_OK)
		return rc;
	return r.mr_fresh && strcmp(r.mr_remote, ci->remote) == 0;
}

/* The body of mpi_review_add, inside TXN. */
static int
cand_add_txn(struct mpi *m, MDB_txn *txn, const struct mpi_candidate *c,
    const struct cand_ids *ci, int64_t now, uint64_t *nump)
{
	uint8_t key[CAND_KEY_MAX], nbuf[8], rec[MPI_REC_MAX];
	size_t klen = cand_key(ci, key), reclen;
	uint64_t num;
	MDB_val v;
	int rc;

	*nump = 0;
	if ((rc = mpi_exists_txn(m, txn, ci->id)) != MPI_OK ||
	    (rc = cand_linked(m, txn, ci, now)) != 0)
		return rc < 0 ? rc : MPI_OK;	/* already linked: nothing to review */
	rc = store_get(txn, MPI_DBI(m, MPI_DB_CANDKEY), key, klen, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return mpi_store_err(rc);
	if (rc == 0) {
		if (v.mv_size != 8)
			return MPI_E_CORRUPT;
		if ((num = store_get_be64(v.mv_data)) == 0)
			return MPI_E_REJECTED;
	} else {
		num = mpi_count_get(m, txn, MPI_META_CANDSEQ) + 1;
		store_put_be64(nbuf, num);
		if ((rc = mpi_count_add(m, txn, MPI_META_CANDSEQ, 1)) != MPI_OK ||
		    (rc = mpi_count_add(m, txn, MPI_META_CANDS, 1)) != MPI_OK ||
		    (rc = mpi_store_err(store_put(txn, MPI_DBI(m, MPI_DB_CANDKEY), key, klen,
		    nbuf, 8, 0))) != MPI_OK)
			return rc;
	}
	if ((rc = cand_encode(c, ci, now, rec, &reclen)) != MPI_OK)
		return rc;
	store_put_be64(nbuf, num);
	if ((rc = mpi_store_err(store_put(txn, MPI_DBI(m, MPI_DB_CAND), nbuf, 8, rec, reclen,
	    0))) != MPI_OK)
		return rc;
	*nump = num;
	return MPI_OK;
}

int
mpi_review_add(struct mpi *m, const struct mpi_candidate *c, int64_t now, uint64_t *idp)
{
	struct cand_ids ci;
	const char *why;
	MDB_txn *txn;
	uint64_t num = 0;
	int rc;

	if (idp != NULL)
		*idp = 0;
	if (memchr(c->mv_local, '\0', sizeof(c->mv_local)) == NULL ||
	    memchr(c->mv_hcid, '\0', sizeof(c->mv_hcid)) == NULL ||
	    memchr(c->mv_remote, '\0', sizeof(c->mv_remote)) == NULL)
		return MPI_E_INVALID;
	if ((rc = mpi_local_id(m, c->mv_local, ci.id)) != MPI_OK ||
	    (rc = mpi_hcid_canon(c->mv_hcid, ci.hcid, sizeof(ci.hcid))) != MPI_OK ||
	    (rc = mpi_cx_canon(c->mv_remote, ci.remote, sizeof(ci.remote))) != MPI_OK ||
	    (rc = mpi_demog_check(&c->mv_demog, &why)) != MPI_OK ||
	    (rc = mpi_begin(m, 0, &txn)) != MPI_OK)
		return rc;
	rc = cand_add_txn(m, txn, c, &ci, now, &num);
	if (rc == MPI_OK && num != 0)
		rc = mpi_event_add(m, txn, MPI_EV_REVIEW, now, "mpi",
		    "num=%llu pid=%s hcid=%s remote=%s diff=0x%x", (unsigned long long)num,
		    ci.id, ci.hcid, ci.remote, c->mv_diff);
	if (rc != MPI_OK) {
		store_abort(txn);
		return rc;
	}
	if ((rc = mpi_commit(txn)) == MPI_OK && idp != NULL)
		*idp = num;
	return rc;
}

int
mpi_review_list(struct mpi *m, struct mpi_candidates *out)
{
	struct mpi_candidate *p;
	struct cand_ids ci;
	MDB_cursor *cur = NULL;
	MDB_txn *txn;
	MDB_val k, v;
	int rc, err = MPI_OK;

	memset(out, 0, sizeof(*out));
	if ((rc = mpi_begin(m, 1, &txn)) != MPI_OK)
		return rc;
	if ((rc = mdb_cursor_open(txn, MPI_DBI(m, MPI_DB_CAND), &cur)) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((p = reallocarray(out->mv_cand, out->mv_n + 1, sizeof(*p))) == NULL) {
			err = MPI_E_NOMEM;
			break;
		}
		out->mv_cand = p;
		if (k.mv_size != 8 || (err = cand_decode(m, store_get_be64(k.mv_data), v.mv_data,
		    v.mv_size, &p[out->mv_n], &ci)) != MPI_OK) {
			err = MPI_E_CORRUPT;
			break;
		}
		out->mv_n++;
	}
	if (err == MPI_OK && rc != MDB_NOTFOUND)
		err = mpi_store_err(rc);
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	if (err != MPI_OK)
		mpi_candidates_free(out);
	return err;
}

void
mpi_candidates_free(struct mpi_candidates *cands)
{
	if (cands == NULL)
		return;
	free(cands->mv_cand);
	memset(cands, 0, sizeof(*cands));
}

/* Confirms (CONFIRM = 1) or rejects candidate NUM inside TXN. */
static int
cand_decide_txn(struct mpi *m, MDB_txn *txn, uint64_t num, int confirm, const char *actor,
    int64_t now)
{
	uint8_t nbuf[8], key[CAND_KEY_MAX], zero[8] = { 0 };
	struct mpi_candidate c;
	struct cand_ids ci;
	const char *why = NULL;
	size_t klen;
	MDB_val v;
	int rc, created;

	store_put_be64(nbuf, num);
	if ((rc = mpi_store_err(store_get(txn, MPI_DBI(m, MPI_DB_CAND), nbuf, 8, &v))) != 0 ||
	    (rc = cand_decode(m, num, v.mv_data, v.mv_size, &c, &ci)) != MPI_OK)
		return rc;
	klen = cand_key(&ci, key);
	if (confirm) {
		rc = mpi_link_txn(m, txn, ci.id, ci.hcid, ci.remote, MPI_HOW_OPERATOR, now, 0,
		    &created, &why);
		if (rc == MPI_OK)	/* may be queued again if it is ever unlinked */
			rc = mpi_store_err(store_del(txn, MPI_DBI(m, MPI_DB_CANDKEY), key, klen,
			    NULL, 0));
	} else
		rc = mpi_store_err(store_put(txn, MPI_DBI(m, MPI_DB_CANDKEY), key, klen, zero,
		    8, 0));
	if (rc != MPI_OK) {
		if (why != NULL)
			log_warnx("mpi: confirm %llu: %s", (unsigned long long)num, why);
		return rc;
	}
	if ((rc = mpi_store_err(store_del(txn, MPI_DBI(m, MPI_DB_CAND), nbuf, 8, NULL,
	    0))) != MPI_OK || (rc = mpi_count_add(m, txn, MPI_META_CANDS, -1)) != MPI_OK)
		return rc;
	return mpi_event_add(m, txn, confirm ? MPI_EV_CONFIRM : MPI_EV_REJECT, now, actor,
	    "num=%llu pid=%s hcid=%s remote=%s diff=0x%x", (unsigned long long)num, ci.id,
	    ci.hcid, ci.remote, c.mv_diff);
}

/* Runs cand_decide_txn in its own write transaction. */
static int
cand_decide(struct mpi *m, uint64_t num, int confirm, const char *actor, int64_t now)
{
	MDB_txn *txn;
	int rc;

	if (num == 0)
		return MPI_E_NOTFOUND;
	if ((rc = mpi_begin(m, 0, &txn)) != MPI_OK)
		return rc;
	if ((rc = cand_decide_txn(m, txn, num, confirm, actor, now)) != MPI_OK) {
		store_abort(txn);
		return rc;
	}
	return mpi_commit(txn);
}

int
mpi_review_confirm(struct mpi *m, uint64_t id, const char *actor, int64_t now)
{
	return cand_decide(m, id, 1, actor, now);
}

int
mpi_review_reject(struct mpi *m, uint64_t id, const char *actor, int64_t now)
{
	return cand_decide(m, id, 0, actor, now);
}
