/*
 * mpi/mpi_read: the batch reader and the statistics. The reader exists for speed: the
 * gateway translates many ids per request (and a bench, millions per second), and one read
 * transaction per lookup would cost more than the lookup itself. It hands out pointers into
 * the map, valid while its snapshot lives, instead of copying records.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "mpi/mpi_int.h"

struct mpi_reader {
	struct mpi	*r_m;
	MDB_txn		*r_txn;
	MDB_dbi		 r_rec, r_corr;
};

int
mpi_reader_begin(struct mpi *m, struct mpi_reader **rp)
{
	struct mpi_reader *r;
	int rc;

	*rp = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MPI_E_NOMEM;
	if ((rc = mpi_begin(m, 1, &r->r_txn)) != MPI_OK) {
		free(r);
		return rc;
	}
	r->r_m = m;
	r->r_rec = MPI_DBI(m, MPI_DB_PID2SUM);
	r->r_corr = MPI_DBI(m, MPI_DB_CORR);
	*rp = r;
	return MPI_OK;
}

void
mpi_reader_end(struct mpi_reader *r)
{
	if (r == NULL)
		return;
	store_abort(r->r_txn);
	free(r);
}

int
mpi_reader_lookup(struct mpi_reader *r, const char *pid, struct mpi_summary *out)
{
	char id[MPI_LOCAL_ID_MAX];
	MDB_val v;
	int rc;

	if ((rc = mpi_local_id(r->r_m, pid, id)) != MPI_OK)
		return rc;
	if ((rc = store_get(r->r_txn, r->r_rec, id, strlen(id), &v)) != 0)
		return mpi_store_err(rc);
	return mpi_sum_decode(v.mv_data, v.mv_size, out);
}

int
mpi_reader_remote(struct mpi_reader *r, const char *local, const char *hcid, int64_t now,
    struct mpi_remote *out)
{
	char id[MPI_LOCAL_ID_MAX], chcid[MPI_HCID_MAX];
	uint8_t key[MPI_CORRKEY_MAX];
	MDB_val v;
	int rc;

	if ((rc = mpi_local_id(r->r_m, local, id)) != MPI_OK ||
	    (rc = mpi_hcid_canon(hcid, chcid, sizeof(chcid))) != MPI_OK)
		return rc;
	if ((rc = store_get(r->r_txn, r->r_corr, key, mpi_corr_key(id, chcid, key), &v)) != 0)
		return mpi_store_err(rc);
	return mpi_corr_decode(v.mv_data, v.mv_size, now, out);
}

/* Counts the correlations, and those expired at NOW, by a scan. */
static int
mpi_stats_corr(struct mpi *m, MDB_txn *txn, int64_t now, struct mpi_stats *out)
{
	struct mpi_remote r;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, err = MPI_OK;

	if ((rc = mdb_cursor_open(txn, MPI_DBI(m, MPI_DB_CORR), &cur)) != 0)
		return mpi_store_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((err = mpi_corr_decode(v.mv_data, v.mv_size, now, &r)) != MPI_OK)
			break;
		out->ms_correlations++;
		out->ms_expired += !r.mr_fresh;
	}
	if (err == MPI_OK && rc != MDB_NOTFOUND)
		err = mpi_store_err(rc);
	mdb_cursor_close(cur);
	return err;
}

int
mpi_stats(struct mpi *m, int64_t now, struct mpi_stats *out)
{
	MDB_envinfo info;
	MDB_stat st;
	MDB_txn *txn;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mpi_begin(m, 1, &txn)) != MPI_OK)
		return rc;
	out->ms_patients = (size_t)mpi_count_get(m, txn, MPI_META_PATIENTS);
	out->ms_facility_ids = (size_t)mpi_count_get(m, txn, MPI_META_FACS);
	out->ms_candidates = (size_t)mpi_count_get(m, txn, MPI_META_CANDS);
	out->ms_events = mpi_event_last(m, txn);
	rc = mpi_stats_corr(m, txn, now, out);
	if (rc == MPI_OK && mdb_env_info(store_env(m->m_st), &info) == 0 &&
	    mdb_env_stat(store_env(m->m_st), &st) == 0) {
		out->ms_bytes_used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
		out->ms_map_size = info.me_mapsize;
	}
	store_abort(txn);
	return rc;
}
