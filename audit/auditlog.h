/*
 * audit/auditlog: the append-only audit log in its own LMDB environment (<state_dir>/audit).
 * Every record is a leaf of an RFC 9162 Merkle tree (crypto/merkle); the record, the perfect
 * subtree nodes it completes and the new size are written in one write transaction, so a
 * committed record is always covered by the tree. Records of one event-loop turn are group
 * committed in a batch. Signed checkpoints (C2SP tlog-checkpoint notes, crypto/checkpoint)
 * are stored by tree size. auditlog_verify is the offline verifier: it trusts nothing stored
 * but the checkpoint signatures.
 *
 * Sub-databases: seq2rec (be64 seq -> record bytes), node2hash (be64 level || be64 index ->
 * 32-byte hash), meta ("size" -> be64), size2note (be64 size -> signed checkpoint note),
 * key2seq (index key -> be64 seq, MDB_DUPSORT; untrusted, for search), cursor (name -> be64),
 * witness (a peer's checkpoint origin -> the latest of its checkpoints we co-signed; see
 * audit/witness.h). A stored note may carry, after our signature, the cosignatures of
 * peers (auditlog_checkpoint_cosign); verifiers ignore signatures of other keys.
 *
 * Fail closed: every error is returned as a negative AUDITLOG_E* code; AUDITLOG_EFULL means
 * the map is full and the caller must refuse the request whose audit could not be written.
 * One handle is used by one thread; only one batch or checkpoint may be open at a time.
 */
#ifndef HASHI_AUDIT_AUDITLOG_H
#define HASHI_AUDIT_AUDITLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/str.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"

/* Return codes of the functions below. */
enum auditlog_status {
	AUDITLOG_OK = 0,
	AUDITLOG_EFAIL = -1,		/* storage I/O, OpenSSL, memory or bad argument */
	AUDITLOG_EFULL = -2,		/* LMDB map/transaction full: refuse the request */
	AUDITLOG_EBUSY = -3,		/* reader table full or lock contention: retry */
	AUDITLOG_ECORRUPT = -4,		/* the files are damaged */
	AUDITLOG_ENOTFOUND = -5		/* no such record or checkpoint */
};

struct auditlog;
struct MDB_txn;

/* A group commit in progress. Caller-allocated (e.g. on the stack); fields are private. */
struct auditlog_batch {
	struct auditlog	*ab_log;
	struct MDB_txn	*ab_txn;
	uint64_t	 ab_size;	/* tree size including the records added so far */
	int		 ab_status;	/* first error, sticky: commit then fails with it */
};

/* Opens (creating) the audit log environment in DIR (mode 0700, files 0600) with a map of
 * MAPSIZE bytes. Returns a handle the caller frees with auditlog_close, or NULL after
 * logging why. Call after any fork. */
struct auditlog *auditlog_open(const char *dir, size_t mapsize);

/* Closes LOG (NULL accepted). No batch may be open. */
void auditlog_close(struct auditlog *log);

/* Returns a static English description of the status code RC. */
const char *auditlog_strerror(int rc);

/* Begins a group commit on LOG into the caller's *B (one LMDB write transaction).
 * Returns AUDITLOG_OK, or a negative code (then *B is not open). */
int auditlog_begin(struct auditlog *log, struct auditlog_batch *b);

/* Appends the LEN bytes of RECORD (copied; the leaf is exactly these bytes) to batch B and,
 * if SEQ is not NULL, stores its sequence number (0-based leaf index) in *SEQ. A failure
 * is remembered: later adds fail and commit returns it. Returns AUDITLOG_OK or a negative
 * code (AUDITLOG_EFULL when the map is full). */
int auditlog_add(struct auditlog_batch *b, const uint8_t *record, size_t len, uint64_t *seq);

/* An index entry stored with a record: KEY (at most AUDITLOG_KEY_MAX bytes) maps to the
 * record's sequence number. Keys come from audit/atna.h atna_index_keys. */
#define AUDITLOG_KEY_MAX	300
struct auditlog_key {
	const uint8_t	*ak_key;
	size_t		 ak_len;
};

/* Like auditlog_add, and stores in the same transaction one index entry per key of KEYS
 * (NKEYS of them, duplicates harmless). Indexes are untrusted helpers for search: the
 * verifier ignores them, a reader re-checks every hit against the record. */
int auditlog_add_indexed(struct auditlog_batch *b, const uint8_t *record, size_t len,
    const struct auditlog_key *keys, size_t nkeys, uint64_t *seq);

/* Sets the named 64-bit cursor NAME (at most 32 bytes, e.g. "mpi" for the last MPI
 * journal event recorded, "forward" for the number of records delivered) in batch B, so that
 * it commits together with the records it accounts for. Returns AUDITLOG_OK or negative. */
int auditlog_set_cursor(struct auditlog_batch *b, const char *name, uint64_t value);

/* Stores the committed value of cursor NAME in *VALUE (0 when never set).
 * Returns AUDITLOG_OK or a negative code. */
int auditlog_cursor(struct auditlog *log, const char *name, uint64_t *value);

/* Calls FN(ARG, seq) for every record indexed under a key K with LO <= K <= HI (byte
 * order; LO == HI for an exact key), in key then sequence order, from one read
 * transaction; stops when FN returns non-zero. Returns AUDITLOG_OK (also when FN stopped
 * it) or a negative code. */
int auditlog_index_range(struct auditlog *log, const uint8_t *lo, size_t lolen,
    const uint8_t *hi, size_t hilen, int (*fn)(void *arg, uint64_t seq), void *arg);

/* Commits batch B (always closed afterwards): every record of B is durable, or none is.
 * Returns AUDITLOG_OK, or the batch's first error / the commit error (AUDITLOG_EFULL when
 * the map is full); on error the log keeps its previous size. */
int auditlog_commit(struct auditlog_batch *b);

/* Discards batch B (closed afterwards; a closed or zeroed B is accepted). */
void auditlog_abort(struct auditlog_batch *b);

/* Stores the committed tree size in *SIZE. Returns AUDITLOG_OK or a negative code. */
int auditlog_size(struct auditlog *log, uint64_t *size);

/* Writes the tree head of the first SIZE records (SIZE <= auditlog_size) into ROOT.
 * Returns AUDITLOG_OK, AUDITLOG_ENOTFOUND if SIZE is too large, or a negative code. */
int auditlog_root(struct auditlog *log, uint64_t size, uint8_t root[MERKLE_HASH_LEN]);

/* Stores in *RECORD a malloc'd copy (caller frees) of record SEQ and its length in *LEN.
 * Returns AUDITLOG_OK, AUDITLOG_ENOTFOUND, or a negative code. */
int auditlog_get(struct auditlog *log, uint64_t seq, uint8_t **record, size_t *len);

/* The inclusion proof of record SEQ in the tree of the first SIZE records into PATH (room
 * for MERKLE_MAX_PATH hashes, caller-owned), its length into *N. Returns AUDITLOG_OK,
 * AUDITLOG_ENOTFOUND (SEQ >= SIZE or SIZE beyond the log), or a negative code. */
int auditlog_inclusion(struct auditlog *log, uint64_t seq, uint64_t size,
    uint8_t (*path)[MERKLE_HASH_LEN], size_t *n);

/* The consistency proof from size OLD to size NEW (0 < OLD <= NEW <= auditlog_size) into
 * PATH (room for MERKLE_MAX_PATH hashes), its length into *N. Returns AUDITLOG_OK,
 * AUDITLOG_ENOTFOUND for out-of-range sizes, or a negative code. */
int auditlog_consistency(struct auditlog *log, uint64_t old, uint64_t new,
    uint8_t (*path)[MERKLE_HASH_LEN], size_t *n);

/* Signs the current (size, root) of LOG as a checkpoint with origin line ORIGIN using S,
 * stores the note under its size (replacing one of the same size) and appends the note to
 * NOTE (caller owns NOTE). Must not be called while a batch is open.
 * Returns AUDITLOG_OK or a negative code. */
int auditlog_checkpoint(struct auditlog *log, const struct note_signer *s, const char *origin,
    struct strbuf *note);

/* Appends the stored checkpoint note for tree size SIZE to NOTE (caller owns NOTE).
 * Returns AUDITLOG_OK, AUDITLOG_ENOTFOUND, or a negative code. */
int auditlog_checkpoint_get(struct auditlog *log, uint64_t size, struct strbuf *note);

/* Appends the latest (largest size) stored checkpoint note to NOTE and, if SIZE is not
 * NULL, stores its tree size in *SIZE. Returns AUDITLOG_OK, AUDITLOG_ENOTFOUND (none yet),
 * or a negative code. */
int auditlog_checkpoint_latest(struct auditlog *log, uint64_t *size, struct strbuf *note);

/* Appends the cosignature LINE (LEN bytes: exactly one signature line "— name base64\n")
 * to the stored checkpoint note of tree size SIZE, after checking that the note with it
 * verifies with V (the co-signer's verifier key); a line already there is not added again.
 * When CURSOR is not NULL, cursor CURSOR is raised to SIZE (never lowered) in the same
 * transaction (the co-signer's progress, e.g. "cosign:<key id>"). Must not be called while
 * a batch is open. Returns AUDITLOG_OK, AUDITLOG_ENOTFOUND (no checkpoint of that size),
 * AUDITLOG_EFAIL (the line is malformed or does not verify), or a negative code. */
int auditlog_checkpoint_cosign(struct auditlog *log, uint64_t size,
    const struct note_verifier *v, const char *line, size_t len, const char *cursor);

/* Calls FN(ARG, size, note, len) for every stored checkpoint note in size order from one
 * read transaction (NOTE valid during the call only); stops when FN returns non-zero.
 * Returns AUDITLOG_OK (also when FN stopped it) or a negative code. */
int auditlog_checkpoint_each(struct auditlog *log,
    int (*fn)(void *arg, uint64_t size, const char *note, size_t len), void *arg);

/* Offline verifier of the log in DIR (opened by itself; no other process may write to it):
 * recomputes every leaf hash from the stored records, rebuilds the tree in memory and
 * compares every stored node, checks the stored size, every checkpoint's signature with V,
 * its size and root against the rebuilt tree and its consistency with the previous one.
 * Writes the first problem (with its sequence number) or a summary to REPORT (NULL: none).
 * Returns 0 when the log verifies, 1 when it was tampered with, -1 on an error (cannot
 * open, out of memory). */
int auditlog_verify(const char *dir, const struct note_verifier *v, FILE *report);

#endif
