/*
 * mpi/mpi_events: the MPI's append-only journal (seq2event). Every change (upsert,
 * import, link, unlink, review decisions) appends one event in the same write transaction
 * as the change itself, so the journal holds exactly the changes that were committed, in
 * commit order, with gap-free sequence numbers.
 *
 * This is not yet the audit trail: the signed, Merkle-tree audit log (audit/, a later
 * issue) will consume these events by sequence number (mpi_event_next) and turn them into
 * ATNA records. Until then nothing deletes or rewrites them.
 *
 * Event value (version 1): version, type (u8), time (i64 BE), actor length (u8) + bytes,
 * details length (u16 BE) + bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/store.h"
#include "common/str.h"
#include "mpi/mpi_int.h"

#define EV_VERSION	1

const char *
mpi_event_name(enum mpi_event_type type)
{
	switch (type) {
	case MPI_EV_UPSERT: return "upsert";
	case MPI_EV_IMPORT: return "import";
	case MPI_EV_XREF: return "xref";
	case MPI_EV_LINK: return "link";
	case MPI_EV_UNLINK: return "unlink";
	case MPI_EV_CONFIRM: return "confirm";
	case MPI_EV_REJECT: return "reject";
	case MPI_EV_REVIEW: return "review";
	}
	return "?";
}

uint64_t
mpi_event_last(struct mpi *m, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t seq = 0;

	if (mdb_cursor_open(txn, MPI_DBI(m, MPI_DB_EVENTS), &cur) != 0)
		return 0;
	if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
		seq = store_get_be64(k.mv_data);
	mdb_cursor_close(cur);
	return seq;
}

int
mpi_event_add(struct mpi *m, MDB_txn *txn, enum mpi_event_type type, int64_t now,
    const char *actor, const char *fmt, ...)
{
	uint8_t key[8], val[1 + 1 + 8 + 1 + MPI_ACTOR_MAX + 2 + MPI_DETAIL_MAX];
	char details[MPI_DETAIL_MAX];
	size_t alen, dlen, off = 0;
	va_list ap;
	int n;

	if (actor == NULL || *actor == '\0')
		actor = "-";
	alen = strnlen(actor, MPI_ACTOR_MAX - 1);
	va_start(ap, fmt);
	n = vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	if (n < 0)
		return MPI_E_INVALID;
	/* Values in details are ids that were validated before, so they fit; a cut one
	 * would still be recorded rather than lose the event. */
	dlen = strlen(details);
	val[off++] = EV_VERSION;
	val[off++] = (uint8_t)type;
	store_put_be64(val + off, (uint64_t)now);
	off += 8;
	val[off++] = (uint8_t)alen;
	memcpy(val + off, actor, alen);
	off += alen;
	val[off++] = (uint8_t)(dlen >> 8);
	val[off++] = (uint8_t)dlen;
	memcpy(val + off, details, dlen);
	off += dlen;
	store_put_be64(key, mpi_event_last(m, txn) + 1);
	return mpi_store_err(store_put(txn, MPI_DBI(m, MPI_DB_EVENTS), key, sizeof(key), val,
	    off, MDB_APPEND));
}

/* Decodes event value V[0..LEN) into *OUT. */
static int
mpi_event_decode(const uint8_t *v, size_t len, struct mpi_event *out)
{
	size_t alen, dlen;

	if (len < 13 || v[0] != EV_VERSION)
		return MPI_E_CORRUPT;
	out->me_type = (enum mpi_event_type)v[1];
	out->me_time = (int64_t)store_get_be64(v + 2);
	alen = v[10];
	if (alen >= MPI_ACTOR_MAX || len < 11 + alen + 2)
		return MPI_E_CORRUPT;
	memcpy(out->me_actor, v + 11, alen);
	out->me_actor[alen] = '\0';
	dlen = ((size_t)v[11 + alen] << 8) | v[12 + alen];
	if (dlen >= MPI_DETAIL_MAX || len != 13 + alen + dlen)
		return MPI_E_CORRUPT;
	memcpy(out->me_details, v + 13 + alen, dlen);
	out->me_details[dlen] = '\0';
	return MPI_OK;
}

int
mpi_event_next(struct mpi *m, uint64_t after, struct mpi_event *out)
{
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint8_t key[8];
	int rc;

	memset(out, 0, sizeof(*out));
	if (after == UINT64_MAX)
		return MPI_E_NOTFOUND;
	if ((rc = mpi_begin(m, 1, &txn)) != MPI_OK)
		return rc;
	store_put_be64(key, after + 1);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	if ((rc = mdb_cursor_open(txn, MPI_DBI(m, MPI_DB_EVENTS), &cur)) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = mpi_store_err(rc);
	if (rc == MPI_OK && k.mv_size != 8)
		rc = MPI_E_CORRUPT;
	if (rc == MPI_OK) {
		out->me_seq = store_get_be64(k.mv_data);
		rc = mpi_event_decode(v.mv_data, v.mv_size, out);
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return rc;
}
