/* mpi/mpi_db: see mpi.h. The environment and its sub-database table, error mapping,
 * counters, and the patient upsert that keeps every index in step with the record. */
#include <stdlib.h>
#include <string.h>

#include "common/store.h"
#include "common/log.h"
#include "common/str.h"
#include "mpi/mpi_int.h"

static const struct store_db mpi_dbs[MPI_NDBS] = {
	[MPI_DB_PID2REC] = { "pid2rec", 0 },
	[MPI_DB_BS2PID] = { "birthsex2pid", MDB_DUPSORT },
	[MPI_DB_NAME2PID] = { "name2pid", MDB_DUPSORT },
	[MPI_DB_KANA2PID] = { "kana2pid", MDB_DUPSORT },
	[MPI_DB_FAC2PID] = { "fac2pid", 0 },
	[MPI_DB_CORR] = { "pidhcid2corr", 0 },
	[MPI_DB_RCORR] = { "hcidrem2pid", 0 },
	[MPI_DB_CAND] = { "num2cand", 0 },
	[MPI_DB_CANDKEY] = { "cand2num", 0 },
	[MPI_DB_EVENTS] = { "seq2event", 0 },
	[MPI_DB_META] = { "meta", 0 },
	[MPI_DB_PID2SUM] = { "pid2sum", 0 },
	[MPI_DB_SCRATCH] = { "scratch", 0 },
};

const char *
mpi_strerror(int err)
{
	switch (err) {
	case MPI_OK: return "success";
	case MPI_E_NOTFOUND: return "not found";
	case MPI_E_INVALID: return "invalid value";
	case MPI_E_AUTHORITY: return "patient id of another assigning authority";
	case MPI_E_CONFLICT: return "conflicts with a stored link or facility id";
	case MPI_E_REJECTED: return "this candidate was rejected by an operator";
	case MPI_E_TOOMANY: return "search too broad: give more attributes";
	case MPI_E_IMPORT: return "the file has errors; nothing was imported";
	case MPI_E_IO: return "cannot read the file";
	case MPI_E_FULL: return "patient index storage is full (raise its map size)";
	case MPI_E_BUSY: return "patient index busy (too many readers); retry";
	case MPI_E_CORRUPT: return "patient index storage is damaged";
	case MPI_E_STORE: return "patient index storage error";
	case MPI_E_NOMEM: return "out of memory";
	default: return "unknown error";
	}
}

int
mpi_store_err(int rc)
{
	switch (store_classify(rc)) {
	case STORE_OK: return MPI_OK;
	case STORE_NOTFOUND: return MPI_E_NOTFOUND;
	case STORE_EXISTS: return MPI_E_CONFLICT;
	case STORE_FULL: return MPI_E_FULL;
	case STORE_BUSY: return MPI_E_BUSY;
	case STORE_CORRUPT: return MPI_E_CORRUPT;
	default: return MPI_E_STORE;
	}
}

struct mpi *
mpi_open(const char *dir, size_t mapsize, const char *authority)
{
	char canon[MPI_HCID_MAX];
	struct mpi *m;

	if (authority == NULL || mpi_hcid_canon(authority, canon, sizeof(canon)) != MPI_OK ||
	    strlen(canon + 8) >= MPI_OID_MAX) {
		log_warnx("mpi: assigning authority \"%s\" is not an OID",
		    authority != NULL ? authority : "");
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("mpi: calloc");
		return NULL;
	}
	(void)str_copy(m->m_authority, sizeof(m->m_authority), canon + 8);
	/* WRITEMAP: an import of a million patients is one transaction; its dirty pages are
	 * the map's own pages instead of a heap copy of the whole import. hashid and
	 * hashictl both open the MPI here, with the same flags, as LMDB requires. */
	m->m_st = store_open(dir, mapsize != 0 ? mapsize : MPI_MAPSIZE_DEFAULT, MDB_WRITEMAP,
	    mpi_dbs, MPI_NDBS);
	if (m->m_st == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
mpi_close(struct mpi *m)
{
	if (m == NULL)
		return;
	store_close(m->m_st);
	free(m);
}

int
mpi_begin(struct mpi *m, int rdonly, MDB_txn **txnp)
{
	int rc;

	if ((rc = store_begin(m->m_st, rdonly, txnp)) != 0) {
		log_warnx("mpi: begin: %s", store_strerror(rc));
		return mpi_store_err(rc);
	}
	return MPI_OK;
}

int
mpi_commit(MDB_txn *txn)
{
	int rc;

	if ((rc = store_commit(txn)) != 0) {
		log_warnx("mpi: commit: %s", store_strerror(rc));
		return mpi_store_err(rc);
	}
	return MPI_OK;
}

int
mpi_count_add(struct mpi *m, MDB_txn *txn, const char *name, int64_t delta)
{
	uint64_t n = mpi_count_get(m, txn, name);
	uint8_t buf[8];

	n = (delta < 0 && (uint64_t)-delta > n) ? 0 : n + (uint64_t)delta;
	store_put_be64(buf, n);
	return mpi_store_err(store_put(txn, MPI_DBI(m, MPI_DB_META), name, strlen(name), buf,
	    sizeof(buf), 0));
}

uint64_t
mpi_count_get(struct mpi *m, MDB_txn *txn, const char *name)
{
	MDB_val v;

	if (store_get(txn, MPI_DBI(m, MPI_DB_META), name, strlen(name), &v) == 0 &&
	    v.mv_size == 8)
		return store_get_be64(v.mv_data);
	return 0;
}

int
mpi_exists_txn(struct mpi *m, MDB_txn *txn, const char *id)
{
	MDB_val v;

	return mpi_store_err(store_get(txn, MPI_DBI(m, MPI_DB_PID2REC), id, strlen(id), &v));
}

/* Adds (ADD = 1) or removes the index entries of K for patient ID. Removing an entry
 * that is not there is not an error: the old record may predate an index. */
static int
mpi_idx_apply(struct mpi *m, MDB_txn *txn, const struct mpi_keys *k, const char *id,
    int add)
{
	static const enum mpi_db dbs[3] = { MPI_DB_NAME2PID, MPI_DB_KANA2PID, MPI_DB_BS2PID };
	struct mpi_idx ix;
	const char *key[3];
	size_t klen[3], i, idlen = strlen(id);
	int rc;

	mpi_idx_make(k, &ix);
	key[0] = ix.ix_name, klen[0] = ix.ix_namelen;
	key[1] = ix.ix_kana, klen[1] = ix.ix_kanalen;
	key[2] = ix.ix_bs, klen[2] = ix.ix_bslen;
	for (i = 0; i < 3; i++) {
		if (klen[i] == 0)
			continue;
		if (add)
			rc = store_put(txn, MPI_DBI(m, dbs[i]), key[i], klen[i], id, idlen, 0);
		else
			rc = store_del(txn, MPI_DBI(m, dbs[i]), key[i], klen[i], id, idlen);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return mpi_store_err(rc);
	}
	return MPI_OK;
}

/* Canonicalises the facility ids of IN into OUT (duplicates dropped) and checks that each
 * is free or already ID's. */
static int
mpi_fac_prepare(struct mpi *m, MDB_txn *txn, const struct mpi_patient *in,
    struct mpi_patient *out, const char *id, const char **why)
{
	char cx[MPI_ID_MAX];
	const char *auth;
	size_t i, j, alen = strlen(m->m_authority);
	MDB_val v;
	int rc;

	out->mp_nfac = 0;
	if (in->mp_nfac > MPI_FAC_MAX) {
		*why = "too many facility ids";
		return MPI_E_INVALID;
	}
	for (i = 0; i < in->mp_nfac; i++) {
		if (memchr(in->mp_fac[i], '\0', MPI_ID_MAX) == NULL ||
		    mpi_cx_canon(in->mp_fac[i], cx, sizeof(cx)) != MPI_OK) {
			*why = "facility id is not a CX id^^^&OID&ISO";
			return MPI_E_INVALID;
		}
		auth = strstr(cx, "^^^&") + 4;	/* canonical: the id has no caret */
		if (strncmp(auth, m->m_authority, alen) == 0 && strcmp(auth + alen, "&ISO") == 0) {
			*why = "facility id is in the community's own assigning authority";
			return MPI_E_INVALID;
		}
		for (j = 0; j < out->mp_nfac && strcmp(out->mp_fac[j], cx) != 0; j++)
			;
		if (j < out->mp_nfac)
			continue;
		rc = store_get(txn, MPI_DBI(m, MPI_DB_FAC2PID), cx, strlen(cx), &v);
		if (rc == 0 && (v.mv_size != strlen(id) || memcmp(v.mv_data, id, v.mv_size))) {
			*why = "facility id already belongs to another patient";
			return MPI_E_CONFLICT;
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			return mpi_store_err(rc);
		memcpy(out->mp_fac[out->mp_nfac++], cx, sizeof(cx));
	}
	return MPI_OK;
}

/* Replaces the fac2pid entries of OLD (may be NULL) by those of NEW for ID. */
static int
mpi_fac_apply(struct mpi *m, MDB_txn *txn, const struct mpi_patient *old,
    const struct mpi_patient *new, const char *id)
{
	size_t i;
	int rc;

	for (i = 0; old != NULL && i < old->mp_nfac; i++) {
		rc = store_del(txn, MPI_DBI(m, MPI_DB_FAC2PID), old->mp_fac[i],
		    strlen(old->mp_fac[i]), NULL, 0);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return mpi_store_err(rc);
	}
	for (i = 0; i < new->mp_nfac; i++) {
		rc = store_put(txn, MPI_DBI(m, MPI_DB_FAC2PID), new->mp_fac[i],
		    strlen(new->mp_fac[i]), id, strlen(id), 0);
		if (rc != 0)
			return mpi_store_err(rc);
	}
	return mpi_count_add(m, txn, MPI_META_FACS,
	    (int64_t)new->mp_nfac - (old != NULL ? (int64_t)old->mp_nfac : 0));
}

int
mpi_put_txn(struct mpi *m, MDB_txn *txn, const struct mpi_patient *p, const char *id,
    int64_t now, int *created, const char **why)
{
	struct mpi_patient *np = NULL, *old = NULL;
	uint8_t rec[MPI_REC_MAX];
	size_t reclen;
	MDB_val v;
	int rc;

	*why = NULL;
	if ((np = calloc(1, sizeof(*np))) == NULL || (old = calloc(1, sizeof(*old))) == NULL) {
		rc = MPI_E_NOMEM;
		goto done;
	}
	np->mp_demog = p->mp_demog;
	if ((rc = mpi_demog_check(&np->mp_demog, why)) != MPI_OK ||
	    (rc = mpi_keys_make(&np->mp_demog, 1, &np->mp_keys, why)) != MPI_OK ||
	    (rc = mpi_fac_prepare(m, txn, p, np, id, why)) != MPI_OK)
		goto done;
	rc = store_get(txn, MPI_DBI(m, MPI_DB_PID2REC), id, strlen(id), &v);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = mpi_store_err(rc);
		goto done;
	}
	*created = rc == MDB_NOTFOUND;
	if (!*created && (rc = mpi_rec_decode(v.mv_data, v.mv_size, old)) != MPI_OK) {
		*why = "the stored record is damaged";
		goto done;
	}
	np->mp_created = *created ? now : old->mp_created;
	np->mp_updated = now;
	/* The old record's own keys say what it was indexed under, even if the normaliser
	 * has changed since. */
	if ((!*created && (rc = mpi_idx_apply(m, txn, &old->mp_keys, id, 0)) != MPI_OK) ||
	    (rc = mpi_idx_apply(m, txn, &np->mp_keys, id, 1)) != MPI_OK ||
	    (rc = mpi_fac_apply(m, txn, *created ? NULL : old, np, id)) != MPI_OK)
		goto done;
	if ((rc = mpi_rec_encode(np, id, rec, &reclen)) != MPI_OK) {
		*why = "record too large";
		goto done;
	}
	rc = mpi_store_err(store_put(txn, MPI_DBI(m, MPI_DB_PID2REC), id, strlen(id), rec,
	    reclen, 0));
	if (rc == MPI_OK && (rc = mpi_sum_encode(np, id, rec, &reclen)) == MPI_OK)
		rc = mpi_store_err(store_put(txn, MPI_DBI(m, MPI_DB_PID2SUM), id, strlen(id),
		    rec, reclen, 0));
	if (rc == MPI_OK && *created)
		rc = mpi_count_add(m, txn, MPI_META_PATIENTS, 1);
done:
	free(np);
	free(old);
	return rc;
}

int
mpi_patient_put(struct mpi *m, const struct mpi_patient *p, const char *actor, int64_t now,
    int *created)
{
	char id[MPI_LOCAL_ID_MAX];
	const char *why = NULL;
	MDB_txn *txn = NULL;
	int rc, isnew = 0;

	if (memchr(p->mp_pid, '\0', sizeof(p->mp_pid)) == NULL)
		return MPI_E_INVALID;
	if ((rc = mpi_local_id(m, p->mp_pid, id)) != MPI_OK)
		return rc;
	if ((rc = mpi_begin(m, 0, &txn)) != MPI_OK)
		return rc;
	if ((rc = mpi_put_txn(m, txn, p, id, now, &isnew, &why)) == MPI_OK)
		rc = mpi_event_add(m, txn, MPI_EV_UPSERT, now, actor, "pid=%s created=%d", id,
		    isnew);
	if (rc != MPI_OK) {
		log_warnx("mpi: patient %s: %s", id, why != NULL ? why : mpi_strerror(rc));
		store_abort(txn);
		return rc;
	}
	if ((rc = mpi_commit(txn)) == MPI_OK && created != NULL)
		*created = isnew;
	return rc;
}

int
mpi_patient_get(struct mpi *m, const char *pid, struct mpi_patient *out)
{
	char id[MPI_LOCAL_ID_MAX];
	MDB_txn *txn;
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mpi_local_id(m, pid, id)) != MPI_OK ||
	    (rc = mpi_begin(m, 1, &txn)) != MPI_OK)
		return rc;
	rc = mpi_store_err(store_get(txn, MPI_DBI(m, MPI_DB_PID2REC), id, strlen(id), &v));
	if (rc == MPI_OK)
		rc = mpi_rec_decode(v.mv_data, v.mv_size, out);
	store_abort(txn);
	if (rc == MPI_OK)
		rc = mpi_pid_cx(m, out->mp_pid, out->mp_pid, sizeof(out->mp_pid));
	else
		memset(out, 0, sizeof(*out));
	return rc;
}

int
mpi_patient_by_facility(struct mpi *m, const char *fac_cx, char *out, size_t outsz)
{
	char cx[MPI_ID_MAX], id[MPI_LOCAL_ID_MAX];
	MDB_txn *txn;
	MDB_val v;
	int rc;

	if ((rc = mpi_cx_canon(fac_cx, cx, sizeof(cx))) != MPI_OK ||
	    (rc = mpi_begin(m, 1, &txn)) != MPI_OK)
		return rc;
	rc = mpi_store_err(store_get(txn, MPI_DBI(m, MPI_DB_FAC2PID), cx, strlen(cx), &v));
	if (rc == MPI_OK && (v.mv_size == 0 || v.mv_size >= sizeof(id)))
		rc = MPI_E_CORRUPT;
	if (rc == MPI_OK) {
		memcpy(id, v.mv_data, v.mv_size);
		id[v.mv_size] = '\0';
	}
	store_abort(txn);
	return rc == MPI_OK ? mpi_pid_cx(m, id, out, outsz) : rc;
}
