/*
 * policy/consent_store: the registered consents, in their own LMDB environment
 * (<state_dir>/policy, dir 0700, files 0600). A consent is stored with the exact document
 * and signature bytes, its parsed fields, what verification found (signer certificate
 * fingerprint, serial, issuer, signing time, verification time) and its status: valid, or
 * void with a reason (e.g. its certificate was revoked for keyCompromise). Consents are
 * never deleted; a withdrawal is a newer consent.
 *
 * Sub-databases (key -> value):
 *   id2consent    consent id (32 bytes)  -> record (consent_codec.c)
 *   pid2consents  patient CX             -> the patient's decision entries, newest first
 *   meta          "seq"                  -> u64 BE, registrations so far
 *
 * The consent id is the SHA-256 of the signature bytes as registered (shown in hex): the
 * same signature cannot be registered twice. The per-patient value holds every field a
 * decision needs, so that policy/decide.c answers with one mdb_get.
 *
 * Every change is one write transaction that updates the record, the patient's entries
 * and the counter. Open after any fork; one thread at a time per handle. Every
 * int-returning call returns CONSENT_OK (0) or a negative enum consent_err.
 */
#ifndef HASHI_POLICY_CONSENT_STORE_H
#define HASHI_POLICY_CONSENT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/jpki.h"
#include "policy/consent_doc.h"

#define CONSENT_MAPSIZE_DEFAULT	((size_t)4 << 30)	/* 4 GiB: ~600k consents of 6 KiB */
#define CONSENT_ID_LEN		32	/* bytes of a consent id */
#define CONSENT_ID_HEX		65	/* its lower-case hex, NUL included */
#define CONSENT_PER_PATIENT_MAX	256	/* consents (valid or void) of one patient */
#define CONSENT_SIG_MAX		(64 * 1024)	/* bytes of a signature */
#define CONSENT_WHY_MAX		128	/* bytes of a void reason, NUL included */

enum consent_err {
	CONSENT_OK = 0,
	CONSENT_E_NOTFOUND = -1,	/* no such consent */
	CONSENT_E_EXISTS = -2,		/* this signature is registered already */
	CONSENT_E_INVALID = -3,		/* malformed id or fields */
	CONSENT_E_TOOMANY = -4,		/* the patient has CONSENT_PER_PATIENT_MAX consents */
	CONSENT_E_FULL = -5,		/* the map is full: raise the map size */
	CONSENT_E_BUSY = -6,		/* too many readers: retry */
	CONSENT_E_CORRUPT = -7,		/* a damaged record or environment */
	CONSENT_E_STORE = -8,		/* any other storage failure */
	CONSENT_E_NOMEM = -9
};
/* Returns a short English description of ERR (static). */
const char *consent_strerror(int err);

enum consent_status { CONSENT_VALID = 0, CONSENT_VOID = 1 };

#define CONSENT_REASON_NONE	(-1)	/* ci_revoked_reason when not revoked */

/* A consent as registered (in: the document and verification fields) and as stored
 * (out: also id, sequence and status). Plain data, no ownership. */
struct consent_info {
	char			ci_id[CONSENT_ID_HEX];		/* out: hex SHA-256 of sig */
	uint64_t		ci_seq;				/* out: registration order */
	struct consent_doc	ci_doc;
	int64_t			ci_verified_at;			/* when jpki_verify said OK */
	int64_t			ci_signing_time;		/* signer-asserted */
	uint8_t			ci_cert_sha256[JPKI_SHA256_LEN];
	char			ci_serial[JPKI_SERIAL_MAX];
	char			ci_issuer[JPKI_DN_MAX];
	enum consent_status	ci_status;			/* out */
	int64_t			ci_voided_at;			/* out, 0 when valid */
	int			ci_revoked_reason;		/* out: CRL reason or NONE */
	int64_t			ci_revoked_at;			/* out: revocation time or 0 */
	char			ci_void_why[CONSENT_WHY_MAX];	/* out: "" when valid */
};

/* A copy of stored bytes (owned by the caller: free(cb_data)). */
struct consent_blob {
	uint8_t	*cb_data;
	size_t	 cb_len;
};

/* Consents, newest first (owned; free with consent_list_free). */
struct consent_list {
	struct consent_info	*cl_info;
	size_t			 cl_n;
};

struct consent_store;

/* Opens (creating if needed) the environment in DIR with a map of MAPSIZE bytes (0 =
 * CONSENT_MAPSIZE_DEFAULT). Returns a handle (free with consent_store_close) or NULL after
 * logging why. */
struct consent_store *consent_store_open(const char *dir, size_t mapsize);

/* Closes the environment; NULL accepted. No reader may be open. */
void consent_store_close(struct consent_store *cs);

/* Stores consent CI (its ci_doc.cd_patient is the key of the patient's entries) with the
 * document DOC[0..DOCLEN) and signature SIG[0..SIGLEN) (both copied), valid. Writes the
 * new consent's id into ID (may be NULL; CONSENT_ID_HEX bytes). CONSENT_E_EXISTS when the
 * same signature is stored, CONSENT_E_TOOMANY, CONSENT_E_INVALID, storage errors. */
int consent_store_add(struct consent_store *cs, const struct consent_info *ci,
    const uint8_t *doc, size_t doclen, const uint8_t *sig, size_t siglen, char *id);

/* Copies consent ID (hex) into *OUT, and, when DOC / SIG are not NULL, its document and
 * signature bytes (owned by the caller). CONSENT_E_NOTFOUND, CONSENT_E_INVALID (bad hex). */
int consent_store_get(struct consent_store *cs, const char *id, struct consent_info *out,
    struct consent_blob *doc, struct consent_blob *sig);

/* Fills *OUT with the consents of PATIENT (CX), in the order decisions consider them
 * (newest issue time first; at equal times a withdrawal first, then the later
 * registered), void ones included; or, PATIENT NULL, with every consent by registration
 * order. An unknown patient gives an empty list. */
int consent_store_list(struct consent_store *cs, const char *patient,
    struct consent_list *out);

/* Frees what LIST holds (not LIST itself); NULL accepted. */
void consent_list_free(struct consent_list *list);

/* Marks consent ID void at NOW with reason WHY (copied, cut at CONSENT_WHY_MAX), CRL
 * reason code REASON (CONSENT_REASON_NONE for an operator's decision) and revocation time
 * REVOKED_AT. A consent void already keeps its first reason (CONSENT_OK).
 * CONSENT_E_NOTFOUND, CONSENT_E_INVALID. */
int consent_store_void(struct consent_store *cs, const char *id, const char *why,
    int reason, int64_t revoked_at, int64_t now);

/* Tells whether the certificate ISSUER / SERIAL is revoked, like jpki_revocation: 1 with
 * *REASON and *WHEN, 0 when not, -1 on error. ARG is the caller's. */
typedef int (*consent_revoked_fn)(const void *arg, const char *issuer, const char *serial,
    int *reason, time_t *when);

/* Asks FN about the certificate of every valid consent and, in one write transaction,
 * marks void each one whose certificate is revoked, except a revocation for
 * affiliationChanged (JPKI_REASON_AFFILIATION_CHANGED: the holder moved or changed name)
 * dated at or after the consent's verification time: that consent was made by the right
 * person with a good certificate and stays valid. The void reason reads "certificate
 * revoked: <reason name>". Sets *NVOIDED (may be NULL) to the number voided. An error of
 * FN voids nothing and returns CONSENT_E_STORE. */
int consent_store_recheck(struct consent_store *cs, consent_revoked_fn fn, const void *arg,
    int64_t now, size_t *nvoided);

/* Returns the RFC 5280 name of CRL reason code REASON ("keyCompromise", ...), static. */
const char *consent_crl_reason_name(int reason);

/* Writes ID[0..CONSENT_ID_LEN) as lower-case hex into OUT (CONSENT_ID_HEX bytes). */
void consent_id_hex(const uint8_t *id, char *out);

#endif
