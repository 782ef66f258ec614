/*
 * policy/consent_int: what consent_store.c, consent_codec.c, consent_list.c,
 * consent_recheck.c and decide.c share and nobody else may use: the handle, the
 * sub-database table and the two value codecs.
 *
 * Decision entry (one per consent, in the pid2consents value and inside the record); all
 * integers big-endian:
 *   u16 length of the whole entry, u8 status, u8 action, u8 flags (bit 0 = all regions),
 *   u8 regions, u8 purposes, u8 classes, id[32], i64 issued, i64 from, i64 to, u64 seq,
 *   then the regions, purposes and classes, each NUL-terminated, in that order.
 * pid2consents value: 'I', version 1, u16 count, then the entries, newest first.
 *
 * Record (id2consent value): 'R', version 1, u8 status, u8 0, i32 CRL reason (-1 none),
 * u64 seq, i64 verified_at, i64 signing_time, i64 voided_at, i64 revoked_at, cert
 * SHA-256[32], then tagged fields: u8 tag, u32 length, bytes (strings without NUL). A
 * reader skips tags it does not know.
 */
#ifndef HASHI_POLICY_CONSENT_INT_H
#define HASHI_POLICY_CONSENT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#include "common/store.h"
#include "common/str.h"
#include "policy/consent_store.h"

enum cs_db { CS_DB_ID2CONSENT = 0, CS_DB_PID2CONSENTS, CS_DB_META, CS_NDBS };

struct consent_store {
	struct store	*cs_st;
};

#define CS_DBI(cs, db)	store_dbi((cs)->cs_st, (db))

#define CS_ENTRY_HDR	72	/* fixed part of a decision entry */
#define CS_INDEX_HDR	4	/* 'I', version, count */
#define CS_F_ALL	0x01	/* entry flag: every participating region */

/* A decision entry seen in place (pointers into the value it was read from). */
struct cs_entry {
	size_t		 ce_off;		/* of the entry in the value */
	size_t		 ce_len;
	uint8_t		 ce_status, ce_action, ce_flags;
	uint8_t		 ce_nreg, ce_npur, ce_ncls;
	const uint8_t	*ce_id;			/* CONSENT_ID_LEN bytes */
	int64_t		 ce_issued, ce_from, ce_to;
	uint64_t	 ce_seq;
	const char	*ce_strings;		/* regions, purposes, classes, NUL-terminated */
	size_t		 ce_slen;
};

/* consent_codec.c */
/* Appends the decision entry of D (id ID, sequence SEQ, status STATUS) to SB. Returns 0,
 * or CONSENT_E_INVALID / CONSENT_E_NOMEM. */
int cs_entry_encode(const struct consent_doc *d, const uint8_t *id, uint64_t seq,
    int status, struct strbuf *sb);
/* Reads the entry at *OFF of the pid2consents value V[0..LEN) into *E and advances *OFF:
 * 1 for an entry, 0 at the end, -1 when damaged. *OFF starts at CS_INDEX_HDR. */
int cs_entry_next(const uint8_t *v, size_t len, size_t *off, struct cs_entry *e);
/* Reads a whole entry E[0..LEN) (e.g. from a record) into *E (ce_off = 0). 0 or -1. */
int cs_entry_view(const uint8_t *p, size_t len, struct cs_entry *e);
/* Copies the fields of entry E into *D. 0, or -1 when damaged. */
int cs_entry_doc(const struct cs_entry *e, struct consent_doc *d);
/* Checks the header of pid2consents value V[0..LEN); sets *COUNT. 0 or -1. */
int cs_index_check(const uint8_t *v, size_t len, size_t *count);
/* Encodes the record of CI (entry ENTRY[0..ELEN)) with DOC and SIG into SB. */
int cs_rec_encode(const struct consent_info *ci, const uint8_t *entry, size_t elen,
    const uint8_t *doc, size_t doclen, const uint8_t *sig, size_t siglen,
    struct strbuf *sb);
/* Decodes record V[0..LEN) into *CI (not ci_id) and, when not NULL, copies of the
 * document and signature. CONSENT_OK, CONSENT_E_CORRUPT or CONSENT_E_NOMEM. */
int cs_rec_decode(const uint8_t *v, size_t len, struct consent_info *ci,
    struct consent_blob *doc, struct consent_blob *sig);
/* consent_store.c: maps an LMDB (or errno) code to an enum consent_err. */
int cs_store_err(int rc);
/* Reads and decodes consent ID inside TXN into *OUT (ci_id set), with copies of document
 * and signature when DOC / SIG are not NULL (the caller frees them, also on error). */
int cs_get_txn(struct consent_store *cs, MDB_txn *txn, const uint8_t *id,
    struct consent_info *out, struct consent_blob *doc, struct consent_blob *sig);
/* Marks consent ID void inside TXN (see consent_store_void). */
int cs_void_txn(struct consent_store *cs, MDB_txn *txn, const uint8_t *id, const char *why,
    int reason, int64_t revoked_at, int64_t now);

#endif
