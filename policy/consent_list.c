/* policy/consent_list: the lists of consent_store.h (per patient in decision order, or
 * all by registration order), for `hashictl consent list` and the operator. */
#include <stdlib.h>
#include <string.h>

#include "policy/consent_int.h"

void
consent_list_free(struct consent_list *list)
{
	if (list == NULL)
		return;
	free(list->cl_info);
	list->cl_info = NULL;
	list->cl_n = 0;
}

/* Lists PATIENT's consents in their entries' order inside TXN. */
static int
cs_list_patient(struct consent_store *cs, MDB_txn *txn, const char *pid,
    struct consent_list *out)
{
	struct cs_entry e;
	MDB_val v;
	size_t off = CS_INDEX_HDR, count;
	int rc, r;

	rc = store_get(txn, CS_DBI(cs, CS_DB_PID2CONSENTS), pid, strlen(pid), &v);
	if (rc == MDB_NOTFOUND)
		return CONSENT_OK;
	if (rc != 0)
		return cs_store_err(rc);
	if (cs_index_check(v.mv_data, v.mv_size, &count) != 0)
		return CONSENT_E_CORRUPT;
	if (count == 0)
		return CONSENT_OK;
	if ((out->cl_info = calloc(count, sizeof(*out->cl_info))) == NULL)
		return CONSENT_E_NOMEM;
	while ((r = cs_entry_next(v.mv_data, v.mv_size, &off, &e)) == 1) {
		if (out->cl_n == count)
			return CONSENT_E_CORRUPT;
		rc = cs_get_txn(cs, txn, e.ce_id, &out->cl_info[out->cl_n], NULL, NULL);
		if (rc != CONSENT_OK)
			return rc == CONSENT_E_NOTFOUND ? CONSENT_E_CORRUPT : rc;
		out->cl_n++;
	}
	return r == 0 && out->cl_n == count ? CONSENT_OK : CONSENT_E_CORRUPT;
}

static int
cs_by_seq(const void *a, const void *b)
{
	const struct consent_info *x = a, *y = b;

	return x->ci_seq < y->ci_seq ? -1 : x->ci_seq > y->ci_seq;
}

/* Lists every consent inside TXN, by registration order. */
static int
cs_list_all(struct consent_store *cs, MDB_txn *txn, struct consent_list *out)
{
	struct consent_info *grown;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t cap = 0;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, CS_DBI(cs, CS_DB_ID2CONSENT), &cur)) != 0)
		return cs_store_err(rc);
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != CONSENT_ID_LEN) {
			rc = CONSENT_E_CORRUPT;
			goto done;
		}
		if (out->cl_n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((grown = reallocarray(out->cl_info, cap, sizeof(*grown))) == NULL) {
				rc = CONSENT_E_NOMEM;
				goto done;
			}
			out->cl_info = grown;
		}
		rc = cs_rec_decode(v.mv_data, v.mv_size, &out->cl_info[out->cl_n], NULL, NULL);
		if (rc != CONSENT_OK)
			goto done;
		consent_id_hex(k.mv_data, out->cl_info[out->cl_n++].ci_id);
	}
	rc = rc == MDB_NOTFOUND ? CONSENT_OK : cs_store_err(rc);
	if (out->cl_n > 1)
		qsort(out->cl_info, out->cl_n, sizeof(*out->cl_info), cs_by_seq);
done:
	mdb_cursor_close(cur);
	return rc;
}

int
consent_store_list(struct consent_store *cs, const char *patient,
    struct consent_list *out)
{
	MDB_txn *txn = NULL;
	int rc;

	out->cl_info = NULL;
	out->cl_n = 0;
	if (patient != NULL && (patient[0] == '\0' || strlen(patient) >= MPI_ID_MAX))
		return CONSENT_E_INVALID;
	if ((rc = store_begin(cs->cs_st, 1, &txn)) != 0)
		return cs_store_err(rc);
	if (patient != NULL)
		rc = cs_list_patient(cs, txn, patient, out);
	else
		rc = cs_list_all(cs, txn, out);
	store_abort(txn);
	if (rc != CONSENT_OK)
		consent_list_free(out);
	return rc;
}
