/*
 * audit/proof: self-contained proof files an auditor checks with nothing but the file and
 * the log's verifier key (vkey): that a record is in the signed log (inclusion), and that
 * a later signed checkpoint extends an earlier one (consistency). RFC 9162 proofs from
 * crypto/merkle, C2SP signed checkpoints from crypto/checkpoint.
 *
 * Format: UTF-8 text, every line ends in "\n", no other white space than the single space
 * after a keyword; numbers are decimal without leading zeros; base64 is canonical standard
 * base64 with padding (RFC 4648 §4); hashes are 32 bytes. The signed checkpoint notes are
 * embedded verbatim with their byte length, so that nothing has to be re-serialised.
 *
 *   inclusion:                              consistency:
 *   hashi-audit-proof inclusion v1          hashi-audit-proof consistency v1
 *   seq <record sequence number>            old <older tree size>
 *   size <tree size of the checkpoint>      new <newer tree size>
 *   record <base64 of the record bytes>     path <N>
 *   path <N>                                <base64 hash>  (N lines)
 *   <base64 hash>  (N lines: audit path)    checkpoint <L1>
 *   checkpoint <L>                          <L1 bytes: signed note of size old>
 *   <L bytes: the signed checkpoint note>   checkpoint <L2>
 *                                           <L2 bytes: signed note of size new>
 *
 * The file ends with the last note. The checker verifies every note's signature with the
 * vkey, parses the checkpoints, requires the sizes written above to be theirs (and, for a
 * consistency proof, the same origin), recomputes the leaf hash from the record bytes and
 * checks the path with merkle_verify_inclusion / merkle_verify_consistency.
 */
#ifndef HASHI_AUDIT_PROOF_H
#define HASHI_AUDIT_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "audit/auditlog.h"
#include "common/str.h"
#include "crypto/checkpoint.h"

#define PROOF_FILE_MAX	(16 * 1024 * 1024)	/* larger proof files are refused */

/* Results of the functions below. */
enum proof_status {
	PROOF_OK = 0,
	PROOF_INVALID = 1,	/* the file or the log does not prove what it should */
	PROOF_ERROR = -1	/* not found, storage, memory */
};

enum proof_kind {
	PROOF_INCLUSION = 1,
	PROOF_CONSISTENCY
};

/* What a checked proof file proves. */
struct proof_info {
	enum proof_kind	 pi_kind;
	char		 pi_origin[CHECKPOINT_ORIGIN_MAX];
	uint64_t	 pi_seq;	/* inclusion: the record's sequence number */
	uint64_t	 pi_old;	/* consistency: the older size */
	uint64_t	 pi_size;	/* the (newer) checkpoint's tree size */
	uint8_t		*pi_record;	/* inclusion: the record bytes (malloc'd) */
	size_t		 pi_record_len;
};

/* Appends to NOTE the latest stored checkpoint of LOG whose signature verifies with V and
 * parses it into *C; *SKIPPED (if not NULL) counts the later stored checkpoints whose
 * signature or format failed (a sign of tampering the caller reports).
 * Returns PROOF_OK, or PROOF_ERROR (none verifies, or a storage error). */
int proof_checkpoint_latest(struct auditlog *log, const struct note_verifier *v,
    struct strbuf *note, struct checkpoint *c, uint64_t *skipped);

/* Appends to OUT the inclusion proof file of record SEQ of LOG against the latest stored
 * checkpoint verified with V (which must cover SEQ), and checks it before returning.
 * Returns PROOF_OK; PROOF_INVALID when the stored data does not prove it (tampered log);
 * PROOF_ERROR (no such record, not checkpointed yet, storage). ERR (ERRSZ bytes) gets
 * the reason. */
int proof_inclusion_write(struct auditlog *log, const struct note_verifier *v, uint64_t seq,
    struct strbuf *out, char *err, size_t errsz);

/* Appends to OUT the consistency proof file between the stored checkpoints of tree sizes
 * OLD and NEW (0 < OLD <= NEW) of LOG, both verified with V, and checks it. Returns and
 * reports like proof_inclusion_write. */
int proof_consistency_write(struct auditlog *log, const struct note_verifier *v,
    uint64_t old, uint64_t new, struct strbuf *out, char *err, size_t errsz);

/* Checks the proof file FILE of LEN bytes (either kind) with V and fills *PI (release
 * with proof_info_free, also after a failure). Returns PROOF_OK when it proves what it
 * says; PROOF_INVALID otherwise, with the reason and, when a line is at fault, "line N: "
 * in ERR; PROOF_ERROR when memory ran out. Never aborts on any input. */
int proof_check(const char *file, size_t len, const struct note_verifier *v,
    struct proof_info *pi, char *err, size_t errsz);

/* Frees what PI owns and zeroes it (NULL accepted). */
void proof_info_free(struct proof_info *pi);

#endif
