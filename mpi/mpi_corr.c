/*
 * mpi/mpi_corr: correlations, i.e. which id a local patient has in a peer community.
 * pidhcid2corr (id NUL hcid -> version, how, matched_at, expires_at, remote CX NUL) and its
 * reverse hcidrem2pid (hcid NUL remote -> id) always change together, in one transaction.
 *
 * A wrong link sends one person's records to another's clinician, so a link never silently
 * replaces a trusted one: a fresh correlation to a different id is a conflict the operator
 * resolves (unlink, then link). Only an expired one, which nobody may use any more, is
 * replaced. An XCPD rediscovery of a link an operator or a PIX feed made (no expiry) leaves
 * it as it is: a cache refresh must not downgrade a human decision to a TTL.
 */
#include <stdlib.h>
#include <string.h>

#include "common/store.h"
#include "common/log.h"
#include "common/str.h"
#include "mpi/mpi_int.h"

#define CORR_VERSION	1
#define CORR_HDR	18

const char *
mpi_how_name(enum mpi_how how)
{
	switch (how) {
	case MPI_HOW_XCPD: return "XCPD";
	case MPI_HOW_OPERATOR: return "OPERATOR";
	case MPI_HOW_PIX: return "PIX";
	}
	return "?";
}

size_t
mpi_corr_key(const char *id, const char *hcid, uint8_t *key)
{
	size_t a = strlen(id), b = strlen(hcid);

	memcpy(key, id, a);
	key[a] = '\0';
	memcpy(key + a + 1, hcid, b);
	return a + 1 + b;
}

int
mpi_corr_decode(const uint8_t *v, size_t len, int64_t now, struct mpi_remote *out)
{
	if (len < CORR_HDR + 2 || v[0] != CORR_VERSION || v[len - 1] != '\0' ||
	    v[1] < MPI_HOW_XCPD || v[1] > MPI_HOW_PIX)
		return MPI_E_CORRUPT;
	out->mr_how = (enum mpi_how)v[1];
	out->mr_matched_at = (int64_t)store_get_be64(v + 2);
	out->mr_expires_at = (int64_t)store_get_be64(v + 10);
	out->mr_remote = (const char *)v + CORR_HDR;
	out->mr_fresh = out->mr_expires_at == 0 || now < out->mr_expires_at;
	return MPI_OK;
}

/* Reads the correlation of ID in HCID within TXN into *R. */
static int
corr_read(struct mpi *m, MDB_txn *txn, const char *id, const char *hcid, int64_t now,
    struct mpi_remote *r)
{
	uint8_t key[MPI_CORRKEY_MAX];
	MDB_val v;
	int rc;

	rc = store_get(txn, MPI_DBI(m, MPI_DB_CORR), key, mpi_corr_key(id, hcid, key), &v);
	if (rc != 0)
		return mpi_store_err(rc);
	return mpi_corr_decode(v.mv_data, v.mv_size, now, r);
}

/* Deletes the correlation of ID in HCID whose remote id is REMOTE, both directions. */
static int
corr_del(struct mpi *m, MDB_txn *txn, const char *id, const char *hcid, const char *remote)
{
	uint8_t key[MPI_CORRKEY_MAX], rkey[MPI_HCID_MAX + MPI_ID_MAX];
	size_t rlen;
	int rc;

	/* REMOTE may point into the record being deleted: use it first */
	rlen = mpi_corr_key(hcid, remote, rkey);
	rc = store_del(txn, MPI_DBI(m, MPI_DB_CORR), key, mpi_corr_key(id, hcid, key), NULL, 0);
	if (rc != 0)
		return mpi_store_err(rc);
	rc = store_del(txn, MPI_DBI(m, MPI_DB_RCORR), rkey, rlen, NULL, 0);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return mpi_store_err(rc);
	return mpi_count_add(m, txn, MPI_META_CORRS, -1);
}

/* Makes room for REMOTE in HCID: the local patient holding it, if not ID, must have an
 * expired correlation, which goes. */
static int
corr_free_remote(struct mpi *m, MDB_txn *txn, const char *id, const char *hcid,
    const char *remote, int64_t now, const char **why)
{
	uint8_t rkey[MPI_HCID_MAX + MPI_ID_MAX];
	char other[MPI_LOCAL_ID_MAX];
	struct mpi_remote r;
	MDB_val v;
	int rc;

	rc = store_get(txn, MPI_DBI(m, MPI_DB_RCORR), rkey, mpi_corr_key(hcid, remote, rkey),
	    &v);
	if (rc == MDB_NOTFOUND)
		return MPI_OK;
	if (rc != 0)
		return mpi_store_err(rc);
	if (v.mv_size == 0 || v.mv_size >= sizeof(other))
		return MPI_E_CORRUPT;
	memcpy(other, v.mv_data, v.mv_size);
	other[v.mv_size] = '\0';
	if (strcmp(other, id) == 0)
		return MPI_OK;
	rc = corr_read(m, txn, other, hcid, now, &r);
	if (rc == MPI_OK && strcmp(r.mr_remote, remote) == 0) {
		if (r.mr_fresh) {
			*why = "that remote id is linked to another local patient";
			return MPI_E_CONFLICT;
		}
		return corr_del(m, txn, other, hcid, remote);
	}
	if (rc != MPI_OK && rc != MPI_E_NOTFOUND)
		return rc;
	/* a reverse entry without its forward one: drop it */
	return mpi_store_err(store_del(txn, MPI_DBI(m, MPI_DB_RCORR), rkey,
	    mpi_corr_key(hcid, remote, rkey), NULL, 0));
}

/* Writes both directions of the correlation. */
static int
corr_put(struct mpi *m, MDB_txn *txn, const char *id, const char *hcid, const char *remote,
    enum mpi_how how, int64_t now, int64_t expires_at)
{
	uint8_t key[MPI_CORRKEY_MAX], rkey[MPI_HCID_MAX + MPI_ID_MAX], val[CORR_HDR + MPI_ID_MAX];
	size_t rlen = strlen(remote) + 1;
	int rc;

	val[0] = CORR_VERSION;
	val[1] = (uint8_t)how;
	store_put_be64(val + 2, (uint64_t)now);
	store_put_be64(val + 10, (uint64_t)expires_at);
	memcpy(val + CORR_HDR, remote, rlen);
	rc = store_put(txn, MPI_DBI(m, MPI_DB_CORR), key, mpi_corr_key(id, hcid, key), val,
	    CORR_HDR + rlen, 0);
	if (rc == 0)
		rc = store_put(txn, MPI_DBI(m, MPI_DB_RCORR), rkey,
		    mpi_corr_key(hcid, remote, rkey), id, strlen(id), 0);
	return mpi_store_err(rc);
}

int
mpi_link_txn(struct mpi *m, MDB_txn *txn, const char *id, const char *hcid,
    const char *remote, enum mpi_how how, int64_t now, int64_t expires_at, int *created,
    const char **why)
{
	struct mpi_remote old;
	int rc;

	*created = 0;
	if (how < MPI_HOW_XCPD || how > MPI_HOW_PIX || expires_at < 0) {
		*why = "bad link kind or expiry";
		return MPI_E_INVALID;
	}
	if ((rc = mpi_exists_txn(m, txn, id)) != MPI_OK) {
		*why = "no such local patient";
		return rc;
	}
	rc = corr_read(m, txn, id, hcid, now, &old);
	if (rc != MPI_OK && rc != MPI_E_NOTFOUND)
		return rc;
	if (rc == MPI_OK && strcmp(old.mr_remote, remote) == 0) {
		if (old.mr_expires_at == 0 && how == MPI_HOW_XCPD)
			return MPI_OK;	/* keep the operator's or PIX feed's link */
		return corr_put(m, txn, id, hcid, remote, how, now, expires_at);
	}
	if (rc == MPI_OK && old.mr_fresh) {
		*why = "the patient is linked to another id in that community (unlink first)";
		return MPI_E_CONFLICT;
	}
	if (rc == MPI_OK && (rc = corr_del(m, txn, id, hcid, old.mr_remote)) != MPI_OK)
		return rc;
	if ((rc = corr_free_remote(m, txn, id, hcid, remote, now, why)) != MPI_OK ||
	    (rc = corr_put(m, txn, id, hcid, remote, how, now, expires_at)) != MPI_OK)
		return rc;
	*created = 1;
	return mpi_count_add(m, txn, MPI_META_CORRS, 1);
}

/* Canonicalises the ids of a correlation call. */
static int
corr_ids(struct mpi *m, const char *local, const char *hcid, const char *remote, char *id,
    char *chcid, char *cremote)
{
	int rc;

	if ((rc = mpi_local_id(m, local, id)) != MPI_OK ||
	    (rc = mpi_hcid_canon(hcid, chcid, MPI_HCID_MAX)) != MPI_OK)
		return rc;
	if (remote != NULL && (rc = mpi_cx_canon(remote, cremote, MPI_ID_MAX)) != MPI_OK)
		return rc;
	return MPI_OK;
}

int
mpi_link(struct mpi *m, const char *local, const char *hcid, const char *remote,
    enum mpi_how how, int64_t now, int64_t expires_at, const char *actor)
{
	char id[MPI_LOCAL_ID_MAX], chcid[MPI_HCID_MAX], cremote[MPI_ID_MAX];
	const char *why = NULL;
	MDB_txn *txn;
	int rc, created;

	if ((rc = corr_ids(m, local, hcid, remote, id, chcid, cremote)) != MPI_OK ||
	    (rc = mpi_begin(m, 0, &txn)) != MPI_OK)
		return rc;
	rc = mpi_link_txn(m, txn, id, chcid, cremote, how, now, expires_at, &created, &why);
	if (rc == MPI_OK)
		rc = mpi_event_add(m, txn, MPI_EV_LINK, now, actor,
		    "pid=%s hcid=%s remote=%s how=%s expires=%lld new=%d", id, chcid, cremote,
		    mpi_how_name(how), (long long)expires_at, created);
	if (rc != MPI_OK) {
		if (why != NULL)
			log_warnx("mpi: link %s %s %s: %s", id, chcid, cremote, why);
		store_abort(txn);
		return rc;
	}
	return mpi_commit(txn);
}

int
mpi_unlink(struct mpi *m, const char *local, const char *hcid, const char *actor,
    int64_t now)
{
	char id[MPI_LOCAL_ID_MAX], chcid[MPI_HCID_MAX], remote[MPI_ID_MAX];
	struct mpi_remote r;
	MDB_txn *txn;
	int rc;

	if ((rc = corr_ids(m, local, hcid, NULL, id, chcid, NULL)) != MPI_OK ||
	    (rc = mpi_begin(m, 0, &txn)) != MPI_OK)
		return rc;
	if ((rc = corr_read(m, txn, id, chcid, now, &r)) == MPI_OK &&
	    str_copy(remote, sizeof(remote), r.mr_remote) != 0)
		rc = MPI_E_CORRUPT;
	/* the remote id is copied out of the map before its record is deleted */
	if (rc == MPI_OK && (rc = corr_del(m, txn, id, chcid, remote)) == MPI_OK)
		rc = mpi_event_add(m, txn, MPI_EV_UNLINK, now, actor,
		    "pid=%s hcid=%s remote=%s how=%s", id, chcid, remote, mpi_how_name(r.mr_how));
	if (rc != MPI_OK) {
		store_abort(txn);
		return rc;
	}
	return mpi_commit(txn);
}

/* Fills *OUT from the correlation of ID in HCID decoded as R. */
static int
corr_fill(const struct mpi *m, const char *id, const char *hcid, const struct mpi_remote *r,
    struct mpi_corr *out)
{
	memset(out, 0, sizeof(*out));
	if (mpi_pid_cx(m, id, out->mc_local, sizeof(out->mc_local)) != MPI_OK ||
	    str_copy(out->mc_hcid, sizeof(out->mc_hcid), hcid) != 0 ||
	    str_copy(out->mc_remote, sizeof(out->mc_remote), r->mr_remote) != 0)
		return MPI_E_CORRUPT;
	out->mc_how = r->mr_how;
	out->mc_matched_at = r->mr_matched_at;
	out->mc_expires_at = r->mr_expires_at;
	out->mc_fresh = r->mr_fresh;
	return MPI_OK;
}

int
mpi_corr_get(struct mpi *m, const char *local, const char *hcid, int64_t now,
    struct mpi_corr *out)
{
	char id[MPI_LOCAL_ID_MAX], chcid[MPI_HCID_MAX];
	struct mpi_remote r;
	MDB_txn *txn;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = corr_ids(m, local, hcid, NULL, id, chcid, NULL)) != MPI_OK ||
	    (rc = mpi_begin(m, 1, &txn)) != MPI_OK)
		return rc;
	if ((rc = corr_read(m, txn, id, chcid, now, &r)) == MPI_OK)
		rc = corr_fill(m, id, chcid, &r, out);
	store_abort(txn);
	return rc;
}

int
mpi_corr_reverse(struct mpi *m, const char *hcid, const char *remote, int64_t now,
    struct mpi_corr *out)
{
	char chcid[MPI_HCID_MAX], cremote[MPI_ID_MAX], id[MPI_LOCAL_ID_MAX];
	uint8_t rkey[MPI_HCID_MAX + MPI_ID_MAX];
	struct mpi_remote r;
	MDB_txn *txn;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mpi_hcid_canon(hcid, chcid, sizeof(chcid))) != MPI_OK ||
	    (rc = mpi_cx_canon(remote, cremote, sizeof(cremote))) != MPI_OK ||
	    (rc = mpi_begin(m, 1, &txn)) != MPI_OK)
		return rc;
	rc = mpi_store_err(store_get(txn, MPI_DBI(m, MPI_DB_RCORR), rkey,
	    mpi_corr_key(chcid, cremote, rkey), &v));
	if (rc == MPI_OK && (v.mv_size == 0 || v.mv_size >= sizeof(id)))
		rc = MPI_E_CORRUPT;
	if (rc == MPI_OK) {
		memcpy(id, v.mv_data, v.mv_size);
		id[v.mv_size] = '\0';
		rc = corr_read(m, txn, id, chcid, now, &r);
		if (rc == MPI_E_NOTFOUND || (rc == MPI_OK && strcmp(r.mr_remote, cremote) != 0))
			rc = MPI_E_CORRUPT;	/* the two directions disagree */
	}
	if (rc == MPI_OK)
		rc = corr_fill(m, id, chcid, &r, out);
	store_abort(txn);
	return rc;
}

/* Appends the correlation at cursor position K/V (of ID) to OUT. */
static int
corr_list_add(const struct mpi *m, const char *id, const MDB_val *k, const MDB_val *v,
    int64_t now, struct mpi_corrs *out)
{
	char hcid[MPI_HCID_MAX];
	struct mpi_corr *c;
	struct mpi_remote r;
	size_t idlen = strlen(id), hlen = k->mv_size - idlen - 1;
	int rc;

	if (hlen == 0 || hlen >= sizeof(hcid))
		return MPI_E_CORRUPT;
	memcpy(hcid, (const char *)k->mv_data + idlen + 1, hlen);
	hcid[hlen] = '\0';
	if ((rc = mpi_corr_decode(v->mv_data, v->mv_size, now, &r)) != MPI_OK)
		return rc;
	if ((c = reallocarray(out->mc_corr, out->mc_n + 1, sizeof(*c))) == NULL)
		return MPI_E_NOMEM;
	out->mc_corr = c;
	if ((rc = corr_fill(m, id, hcid, &r, &c[out->mc_n])) == MPI_OK)
		out->mc_n++;
	return rc;
}

int
mpi_corr_list(struct mpi *m, const char *local, int64_t now, struct mpi_corrs *out)
{
	char id[MPI_LOCAL_ID_MAX];
	uint8_t key[MPI_LOCAL_ID_MAX];
	MDB_cursor *cur = NULL;
	MDB_txn *txn;
	MDB_val k, v;
	size_t n;
	int rc, err = MPI_OK;

	memset(out, 0, sizeof(*out));
	if ((rc = mpi_local_id(m, local, id)) != MPI_OK || (rc = mpi_begin(m, 1, &txn)) != 0)
		return rc;
	n = strlen(id) + 1;
	memcpy(key, id, n);	/* "id NUL": every key of this patient starts so */
	k.mv_data = key;
	k.mv_size = n;
	if ((rc = mdb_cursor_open(txn, MPI_DBI(m, MPI_DB_CORR), &cur)) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0 && k.mv_size > n && memcmp(k.mv_data, key, n) == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((err = corr_list_add(m, id, &k, &v, now, out)) != MPI_OK)
			break;
	if (err == MPI_OK && rc != 0 && rc != MDB_NOTFOUND)
		err = mpi_store_err(rc);
	rc = err;
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	if (rc != MPI_OK)
		mpi_corrs_free(out);
	return rc;
}

void
mpi_corrs_free(struct mpi_corrs *corrs)
{
	if (corrs == NULL)
		return;
	free(corrs->mc_corr);
	memset(corrs, 0, sizeof(*corrs));
}
