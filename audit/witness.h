/*
 * audit/witness: this appliance as a witness of its peers' audit logs (C2SP tlog-witness
 * style, over the Hashi co-signing exchange of gateway/cosign.h). For every origin it
 * co-signed, the "witness" sub-database of our own audit environment keeps the latest
 * co-signed tree size and root hash (origin line -> be64 size || 32-byte root). A new
 * checkpoint of that origin is co-signed only when it is consistent with that one:
 *
 *   nothing kept (first use)          accepted, kept (trust on first use)
 *   size < kept size                  ROLLBACK
 *   size == kept size                 accepted when the root is the same, else FORK
 *   size > kept size                  the consistency proof must start at the kept size
 *                                     (else CONFLICT: the origin asks again with a proof
 *                                     from wr_known_size) and verify, else FORK
 *
 * The check and the update of the kept checkpoint are one write transaction, so two
 * requests cannot both advance it from the same state. The cosignature itself is an
 * ordinary signed-note signature line of our audit key over the checkpoint's note text
 * (witness_cosign), which the origin appends to its stored note.
 */
#ifndef HASHI_AUDIT_WITNESS_H
#define HASHI_AUDIT_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "audit/auditlog.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"

/* What the witness decided. */
enum witness_verdict {
	WITNESS_COSIGNED = 0,	/* consistent (or first use, or the same checkpoint again) */
	WITNESS_CONFLICT,	/* the proof starts at another size than the one kept */
	WITNESS_ROLLBACK,	/* smaller than the checkpoint co-signed before */
	WITNESS_FORK,		/* same size and another root, or the proof does not verify */
	WITNESS_BADSIG,		/* not signed by the origin's key, or another origin line */
	WITNESS_MALFORMED,	/* not a signed checkpoint, or an unusable proof */
	WITNESS_ERROR		/* our audit environment failed: try again later */
};

/* One checkpoint to witness. Borrowed. */
struct witness_request {
	const char	*wq_note;	/* the signed checkpoint note */
	size_t		 wq_len;
	uint64_t	 wq_old;	/* the size the proof starts at; 0 = no proof */
	const uint8_t	(*wq_proof)[MERKLE_HASH_LEN];	/* proof wq_old -> size */
	size_t		 wq_nproof;
};

/* The outcome of witness_check. */
struct witness_result {
	enum witness_verdict	 wr_verdict;
	int			 wr_parsed;	/* 1 when wr_ckpt holds the checkpoint */
	struct checkpoint	 wr_ckpt;
	const char		*wr_body;	/* the note text inside wq_note (when parsed) */
	size_t			 wr_bodylen;
	int			 wr_known;	/* 1 when one of the origin was kept */
	uint64_t		 wr_known_size;	/* its size (before this request) */
	char			 wr_why[256];	/* English reason, for records and logs */
};

/* Returns a static short name of verdict V ("cosigned", "conflict", "rollback", "fork",
 * "signature", "malformed", "error"), used on the wire as the refusal reason. */
const char *witness_verdict_name(enum witness_verdict v);

/* Witnesses Q for the origin whose verifier key is V and whose key name is KEYNAME (the
 * checkpoint's origin line must be KEYNAME), against and into the witness state kept in
 * LOG. Fills *R (always) and returns R->wr_verdict. On WITNESS_COSIGNED the checkpoint is
 * kept as the origin's latest (durable on return). Never aborts on any input. */
enum witness_verdict witness_check(struct auditlog *log, const struct note_verifier *v,
    const char *keyname, const struct witness_request *q, struct witness_result *r);

/* Reads the checkpoint kept for ORIGIN: its size into *SIZE and root into ROOT (may be
 * NULL). Returns AUDITLOG_OK, AUDITLOG_ENOTFOUND (never co-signed), or a negative code. */
int witness_get(struct auditlog *log, const char *origin, uint64_t *size,
    uint8_t root[MERKLE_HASH_LEN]);

/* Appends to LINE (caller owns it) the cosignature of S over the note text BODY (BODYLEN
 * bytes, ending in "\n"): one signature line "— <name> <base64>\n". Returns 0 or -1. */
int witness_cosign(const struct note_signer *s, const char *body, size_t bodylen,
    struct strbuf *line);

/* Copies the key name of the vkey string VKEY (the part before the first '+') into BUF of
 * BUFSZ bytes. Returns BUF, or NULL when VKEY has no valid name or it does not fit. */
const char *witness_vkey_name(const char *vkey, char *buf, size_t bufsz);

#endif
