/*
 * mpi/mpi_find: demographic search. The indexes only generate candidates (generously: the
 * kana index uses the loose kana key, and any one index is enough); the decision is always
 * match_compare's, on the stored raw demographics, so that the store and the matching
 * rules cannot disagree about what an automatic match is.
 */
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "mpi/match.h"
#include "mpi/mpi_int.h"

/* Candidate local ids, collected from the indexes. */
struct find_ids {
	char	(*fi_id)[MPI_LOCAL_ID_MAX];
	size_t	  fi_n, fi_cap;
};

/* Adds the id V to IDS. */
static int
find_ids_add(struct find_ids *ids, const MDB_val *v)
{
	char (*p)[MPI_LOCAL_ID_MAX];
	size_t cap;

	if (v->mv_size == 0 || v->mv_size >= MPI_LOCAL_ID_MAX)
		return MPI_E_CORRUPT;
	if (ids->fi_n >= MPI_FIND_SCAN_MAX)
		return MPI_E_TOOMANY;
	if (ids->fi_n == ids->fi_cap) {
		cap = ids->fi_cap == 0 ? 64 : ids->fi_cap * 2;
		if ((p = reallocarray(ids->fi_id, cap, sizeof(*p))) == NULL)
			return MPI_E_NOMEM;
		ids->fi_id = p;
		ids->fi_cap = cap;
	}
	memcpy(ids->fi_id[ids->fi_n], v->mv_data, v->mv_size);
	ids->fi_id[ids->fi_n][v->mv_size] = '\0';
	ids->fi_n++;
	return MPI_OK;
}

/* Adds to IDS every id stored in DB under KEY[0..KLEN), or under any key starting with it
 * when PREFIX. */
static int
find_scan(struct mpi *m, MDB_txn *txn, enum mpi_db db, const char *key, size_t klen,
    int prefix, struct find_ids *ids)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, err = MPI_OK;

	if (klen == 0)
		return MPI_OK;
	if ((rc = mdb_cursor_open(txn, MPI_DBI(m, db), &cur)) != 0)
		return mpi_store_err(rc);
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = klen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < klen || memcmp(k.mv_data, key, klen) != 0 ||
		    (!prefix && k.mv_size != klen))
			break;
		if ((err = find_ids_add(ids, &v)) != MPI_OK)
			break;
	}
	if (err == MPI_OK && rc != 0 && rc != MDB_NOTFOUND)
		err = mpi_store_err(rc);
	mdb_cursor_close(cur);
	return err;
}

static int
find_id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Collects the candidates for query keys QK into IDS, sorted, without duplicates. */
static int
find_collect(struct mpi *m, MDB_txn *txn, const struct mpi_keys *qk, unsigned flags,
    struct find_ids *ids)
{
	struct mpi_idx ix;
	int prefix = (flags & MPI_FIND_PREFIX) != 0, rc;
	size_t i, j;

	/* The birth index is read by date alone: a record of unknown sex, or one whose sex
	 * was entered wrong, is still a candidate, and a date holds few patients. */
	mpi_idx_make(qk, &ix);
	if (ix.ix_namelen == 0 && ix.ix_kanalen == 0 && ix.ix_bslen == 0)
		return MPI_E_INVALID;
	if ((rc = find_scan(m, txn, MPI_DB_NAME2PID, ix.ix_name, ix.ix_namelen, prefix,
	    ids)) != MPI_OK ||
	    (rc = find_scan(m, txn, MPI_DB_KANA2PID, ix.ix_kana, ix.ix_kanalen, prefix,
	    ids)) != MPI_OK)
		return rc;
	/* Anything but NONE needs an equal name, kana or loose kana key (match_compare), and
	 * those two indexes hold them: a whole day of births (dozens of patients in a large
	 * region) is read only for an operator's search (MPI_FIND_ALL) or a query without a
	 * name. Limit: the kana index holds the loose keys of family and given name joined,
	 * so a pair whose loose keys agree only across the family/given boundary (a long
	 * vowel folded over it) is not proposed as a candidate. */
	if (((flags & MPI_FIND_ALL) || (ix.ix_namelen == 0 && ix.ix_kanalen == 0)) &&
	    (rc = find_scan(m, txn, MPI_DB_BS2PID, ix.ix_bs, ix.ix_bslen > 8 ? 8 : ix.ix_bslen,
	    1, ids)) != MPI_OK)
		return rc;
	if (ids->fi_n == 0)
		return MPI_OK;
	qsort(ids->fi_id, ids->fi_n, sizeof(ids->fi_id[0]), find_id_cmp);
	for (i = 1, j = 0; i < ids->fi_n; i++)
		if (strcmp(ids->fi_id[i], ids->fi_id[j]) != 0)
			memcpy(ids->fi_id[++j], ids->fi_id[i], MPI_LOCAL_ID_MAX);
	ids->fi_n = j + 1;
	return MPI_OK;
}

/* Compares patient ID with query keys QMK; appends a hit to OUT when it qualifies. */
static int
find_compare(struct mpi *m, MDB_txn *txn, const char *id, const struct match_keys *qmk,
    unsigned flags, struct mpi_patient *p, struct mpi_hits *out)
{
	struct match_keys pmk;
	struct mpi_hit *h;
	enum match_result res;
	unsigned diff = 0;
	MDB_val v;
	int rc;

	if ((rc = store_get(txn, MPI_DBI(m, MPI_DB_PID2REC), id, strlen(id), &v)) != 0)
		return rc == MDB_NOTFOUND ? MPI_E_CORRUPT : mpi_store_err(rc);
	if ((rc = mpi_rec_decode(v.mv_data, v.mv_size, p)) != MPI_OK)
		return rc;
	/* Most candidates (the birth index holds a whole day's patients) differ in name:
	 * proving NONE on the cheap keys spares normalising their addresses. */
	if ((flags & MPI_FIND_ALL) == 0) {
		(void)match_keys_make_quick(&p->mp_demog, &pmk);
		if (!match_may_match(qmk, &pmk))
			return MPI_OK;
	}
	/* -1 only says a field did not normalise: the keys are complete without it and
	 * match_compare never makes such a pair AUTO (MATCH_D_INVALID). */
	(void)match_keys_make(&p->mp_demog, &pmk);
	res = match_compare(qmk, &pmk, &diff);
	if (res == MATCH_NONE && (flags & MPI_FIND_ALL) == 0)
		return MPI_OK;
	if ((h = reallocarray(out->mh_hit, out->mh_n + 1, sizeof(*h))) == NULL)
		return MPI_E_NOMEM;
	out->mh_hit = h;
	h += out->mh_n;
	memset(h, 0, sizeof(*h));
	if ((rc = mpi_pid_cx(m, id, h->mh_pid, sizeof(h->mh_pid))) != MPI_OK)
		return MPI_E_CORRUPT;
	h->mh_demog = p->mp_demog;
	h->mh_result = res;
	h->mh_diff = diff;
	out->mh_n++;
	return MPI_OK;
}

static int
find_hit_cmp(const void *a, const void *b)
{
	const struct mpi_hit *x = a, *y = b;

	if (x->mh_result != y->mh_result)
		return x->mh_result == MATCH_AUTO ? -1 : y->mh_result == MATCH_AUTO ? 1 :
		    x->mh_result == MATCH_CANDIDATE ? -1 : 1;
	return strcmp(x->mh_pid, y->mh_pid);
}

int
mpi_find(struct mpi *m, const struct mpi_demog *q, unsigned flags, struct mpi_hits *out)
{
	struct find_ids ids = { NULL, 0, 0 };
	struct mpi_patient *p = NULL;
	struct match_keys *qmk = NULL;
	struct mpi_keys *qk = NULL;
	const char *why;
	MDB_txn *txn = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mpi_demog_check(q, &why)) != MPI_OK)
		return rc;
	if ((qk = malloc(sizeof(*qk))) == NULL || (p = malloc(sizeof(*p))) == NULL ||
	    (qmk = malloc(sizeof(*qmk))) == NULL) {
		rc = MPI_E_NOMEM;
		goto done;
	}
	if ((rc = mpi_keys_make(q, -1, qk, &why)) != MPI_OK)
		goto done;
	(void)match_keys_make(q, qmk);
	if ((rc = mpi_begin(m, 1, &txn)) != MPI_OK ||
	    (rc = find_collect(m, txn, qk, flags, &ids)) != MPI_OK)
		goto done;
	for (i = 0; i < ids.fi_n && rc == MPI_OK; i++)
		rc = find_compare(m, txn, ids.fi_id[i], qmk, flags, p, out);
	if (rc == MPI_OK && out->mh_n > 1)
		qsort(out->mh_hit, out->mh_n, sizeof(out->mh_hit[0]), find_hit_cmp);
done:
	store_abort(txn);
	free(ids.fi_id);
	free(qk);
	free(p);
	free(qmk);
	if (rc != MPI_OK)
		mpi_hits_free(out);
	return rc;
}

void
mpi_hits_free(struct mpi_hits *hits)
{
	if (hits == NULL)
		return;
	free(hits->mh_hit);
	memset(hits, 0, sizeof(*hits));
}
