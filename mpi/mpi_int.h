/*
 * mpi/mpi_int: what the mpi_*.c files share and nobody else may use: the handle, the
 * sub-databases and their key encodings, the record codec, the id rules and the steps that
 * run inside a caller's write transaction (so that an import is one transaction).
 *
 * Sub-databases (key -> value); "id" is the bare local id, BE = big-endian:
 *   pid2rec        id                        -> patient record (mpi_rec.c)
 *   pid2sum        id                        -> summary for the batch reader (mpi_rec.c)
 *   birthsex2pid   birth(8) sex(1)           -> id  (DUPSORT)
 *   name2pid       name key (family‖given)   -> id  (DUPSORT; norm_name)
 *   kana2pid       kana key (family‖given)   -> id  (DUPSORT; norm_kana_loose)
 *   fac2pid        facility CX (canonical)   -> id
 *   pidhcid2corr   id NUL hcid               -> correlation (mpi_corr.c)
 *   hcidrem2pid    hcid NUL remote CX        -> id
 *   num2cand       number (u64 BE)           -> review candidate (mpi_review.c)
 *   cand2num       id NUL hcid NUL remote    -> number (u64 BE); 0 = rejected
 *   seq2event      sequence (u64 BE)         -> event (mpi_events.c)
 *   meta           counter name              -> u64 (patients, facility ids, ...)
 *   scratch        per-import working set, emptied inside the import's transaction
 */
#ifndef HASHI_MPI_MPI_INT_H
#define HASHI_MPI_MPI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <lmdb.h>

#include "common/store.h"
#include "mpi/mpi.h"

enum mpi_db {
	MPI_DB_PID2REC = 0, MPI_DB_BS2PID, MPI_DB_NAME2PID, MPI_DB_KANA2PID, MPI_DB_FAC2PID,
	MPI_DB_CORR, MPI_DB_RCORR, MPI_DB_CAND, MPI_DB_CANDKEY, MPI_DB_EVENTS, MPI_DB_META,
	MPI_DB_PID2SUM, MPI_DB_SCRATCH, MPI_NDBS
};

#define MPI_OID_MAX	64		/* bytes of an assigning authority OID, NUL included */
#define MPI_REC_MAX	6144		/* bytes of an encoded record (bound of mpi_rec_encode) */
#define MPI_SUM_MAX	1024		/* bytes of an encoded summary */
#define MPI_IDXKEY_MAX	(2 * MPI_KEY_MAX)	/* bytes of a name index key */
#define MPI_IDXKEY_CUT	400		/* index keys are cut here: LMDB keys are <= 511 */

/* meta counter names */
#define MPI_META_PATIENTS	"patients"
#define MPI_META_FACS		"facility_ids"
#define MPI_META_CORRS		"correlations"
#define MPI_META_CANDS		"candidates"
#define MPI_META_CANDSEQ	"candidate_seq"

struct mpi {
	struct store	*m_st;
	char		 m_authority[MPI_OID_MAX];
};

#define MPI_DBI(m, db)	store_dbi((m)->m_st, (db))

/* mpi_db.c: maps an LMDB (or errno) code to an mpi_err. */
int mpi_store_err(int rc);
/* Adds DELTA to meta counter NAME. Returns an mpi_err. */
int mpi_count_add(struct mpi *m, MDB_txn *txn, const char *name, int64_t delta);
/* Returns meta counter NAME (0 when absent). */
uint64_t mpi_count_get(struct mpi *m, MDB_txn *txn, const char *name);
/* Stores patient P (mp_pid already the bare id ID) inside TXN, maintaining every index.
 * Sets *WHY (static) to what was wrong on MPI_E_INVALID / MPI_E_CONFLICT. */
int mpi_put_txn(struct mpi *m, MDB_txn *txn, const struct mpi_patient *p, const char *id,
    int64_t now, int *created, const char **why);
/* Tells whether local patient ID exists in TXN: MPI_OK, MPI_E_NOTFOUND or storage error. */
int mpi_exists_txn(struct mpi *m, MDB_txn *txn, const char *id);
/* Begins a read (RDONLY) or write transaction. Returns an mpi_err. */
int mpi_begin(struct mpi *m, int rdonly, MDB_txn **txnp);
/* Commits TXN (consumed). Returns an mpi_err. */
int mpi_commit(MDB_txn *txn);

/* mpi_id.c: the id rules. Each returns MPI_OK or MPI_E_INVALID / MPI_E_AUTHORITY. */
/* Bare local id of PID (CX in M's authority, or bare) into ID (MPI_LOCAL_ID_MAX). */
int mpi_local_id(const struct mpi *m, const char *pid, char *id);
/* Canonical "id^^^&OID&ISO" of a CX with an OID authority, into OUT (MPI_ID_MAX). */
int mpi_cx_canon(const char *cx, char *out, size_t outsz);
/* Canonical "urn:oid:OID" of HCID (with or without the prefix), into OUT (MPI_HCID_MAX). */
int mpi_hcid_canon(const char *hcid, char *out, size_t outsz);
/* Checks that every string of D is NUL-terminated in its array, valid UTF-8, without
 * control characters. Sets *WHY to the field at fault. */
int mpi_demog_check(const struct mpi_demog *d, const char **why);
/* Returns 1 when S[0..N) is valid UTF-8 without control characters, else 0. */
int mpi_text_ok(const char *s, size_t n);

/* mpi_rec.c: the record codec. */
/* Computes the normalised keys of D into K. MPI_E_INVALID with *WHY set when a value
 * does not normalise or, when STRICT (a record, not a query), when birth, sex or a family
 * name is missing. */
/* (STRICT < 0: only the keys the indexes use, names, kana, birth and sex, for a search.) */
int mpi_keys_make(const struct mpi_demog *d, int strict, struct mpi_keys *k,
    const char **why);
/* Encodes P (bare id ID, keys K, times) into BUF (MPI_REC_MAX); sets *LENP. */
int mpi_rec_encode(const struct mpi_patient *p, const char *id, uint8_t *buf, size_t *lenp);
/* Decodes record REC[0..LEN) into *P (mp_pid = the bare id). MPI_OK or MPI_E_CORRUPT. */
int mpi_rec_decode(const uint8_t *rec, size_t len, struct mpi_patient *p);
/* Encodes the summary of P (bare id ID) into BUF (MPI_SUM_MAX); sets *LENP. */
int mpi_sum_encode(const struct mpi_patient *p, const char *id, uint8_t *buf, size_t *lenp);
/* Points *S at the fields of summary V[0..LEN) (in the map). MPI_OK or MPI_E_CORRUPT. */
int mpi_sum_decode(const uint8_t *v, size_t len, struct mpi_summary *s);
/* The index keys of K: name and kana keys (cut at MPI_IDXKEY_CUT) and birth+sex. */
struct mpi_idx {
	char	ix_name[MPI_IDXKEY_MAX];
	size_t	ix_namelen;
	char	ix_kana[MPI_IDXKEY_MAX];
	size_t	ix_kanalen;
	char	ix_bs[10];
	size_t	ix_bslen;
};
void mpi_idx_make(const struct mpi_keys *k, struct mpi_idx *ix);
/* Appends / reads demographics as tagged fields (shared with review candidates). */
int mpi_rec_put_demog(uint8_t *buf, size_t cap, size_t *off, const struct mpi_demog *d);
int mpi_rec_get_demog(const uint8_t *buf, size_t len, struct mpi_demog *d);

/* mpi_corr.c: the correlation key and value codec (shared with the batch reader). */
#define MPI_CORRKEY_MAX	(MPI_LOCAL_ID_MAX + MPI_HCID_MAX)
/* Writes the pidhcid2corr key of ID and canonical HCID into KEY; returns its length. */
size_t mpi_corr_key(const char *id, const char *hcid, uint8_t *key);
/* Decodes correlation value V[0..LEN) into *OUT (mr_remote points into V), fresh at NOW.
 * MPI_OK or MPI_E_CORRUPT. */
int mpi_corr_decode(const uint8_t *v, size_t len, int64_t now, struct mpi_remote *out);
/* Links LOCAL (bare id, exists) to canonical REMOTE in canonical HCID inside
 * TXN. Sets *CREATED to 1 (new), 0 (refreshed or replaced). *WHY as above. */
int mpi_link_txn(struct mpi *m, MDB_txn *txn, const char *id, const char *hcid,
    const char *remote, enum mpi_how how, int64_t now, int64_t expires_at, int *created,
    const char **why);

/* mpi_csv.c: an RFC 4180 reader (quotes, "" escapes, CRLF or LF, a leading UTF-8 BOM
 * skipped) with limits, for the imports. */
#define MPI_CSV_MAXF		32	/* fields per record */
#define MPI_CSV_FIELD_MAX	4096	/* bytes per field */
struct mpi_csv {
	FILE		*c_f;
	size_t		 c_line;		/* physical line of the next byte, from 1 */
	size_t		 c_rec_line;		/* line where the last record started */
	unsigned char	 c_in[65536];
	size_t		 c_pos, c_fill;
	int		 c_started;
	char		*c_buf;			/* the record's fields, NUL-separated */
	size_t		 c_len, c_cap;
	size_t		 c_off[MPI_CSV_MAXF];
	size_t		 c_nf;
};
/* Opens PATH for reading. MPI_OK or MPI_E_IO. */
int mpi_csv_open(struct mpi_csv *c, const char *path);
/* Reads the next record: 1 read (c_nf fields), 0 at the end, MPI_E_INVALID with *WHY
 * (static) on a syntax error (reading cannot go on), MPI_E_IO, MPI_E_NOMEM. */
int mpi_csv_next(struct mpi_csv *c, const char **why);
/* Returns field I of the last record (NUL-terminated, borrowed; the caller may edit it in
 * place until the next record), NULL beyond c_nf. */
char *mpi_csv_field(struct mpi_csv *c, size_t i);
/* Closes the file and frees the buffers; NULL accepted. */
void mpi_csv_close(struct mpi_csv *c);

/* mpi_events.c: appends an event inside TXN. Returns an mpi_err. */
int mpi_event_add(struct mpi *m, MDB_txn *txn, enum mpi_event_type type, int64_t now,
    const char *actor, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Returns the sequence number of the last event (0 = none). */
uint64_t mpi_event_last(struct mpi *m, MDB_txn *txn);

#endif
