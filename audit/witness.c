/*
 * audit/witness: see witness.h. The kept checkpoint of each origin lives in the "witness"
 * sub-database of our own audit environment: it is state about our decisions, not a record
 * (the decision itself is recorded by the caller as an ATNA checkpoint-cosign record).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "audit/auditlog_int.h"
#include "audit/witness.h"
#include "common/log.h"

#define WITNESS_VAL_LEN	(8 + MERKLE_HASH_LEN)	/* be64 size || root */

const char *
witness_verdict_name(enum witness_verdict v)
{
	switch (v) {
	case WITNESS_COSIGNED: return "cosigned";
	case WITNESS_CONFLICT: return "conflict";
	case WITNESS_ROLLBACK: return "rollback";
	case WITNESS_FORK: return "fork";
	case WITNESS_BADSIG: return "signature";
	case WITNESS_MALFORMED: return "malformed";
	case WITNESS_ERROR: break;
	}
	return "error";
}

const char *
witness_vkey_name(const char *vkey, char *buf, size_t bufsz)
{
	const char *plus = vkey != NULL ? strchr(vkey, '+') : NULL;
	size_t n;

	if (plus == NULL || (n = (size_t)(plus - vkey)) == 0 || n >= bufsz)
		return NULL;
	memcpy(buf, vkey, n);
	buf[n] = '\0';
	return note_name_valid(buf) ? buf : NULL;
}

/* Sets R's verdict V and reason (printf-style). Returns V. */
static enum witness_verdict
witness_set(struct witness_result *r, enum witness_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum witness_verdict
witness_set(struct witness_result *r, enum witness_verdict v, const char *fmt, ...)
{
	va_list ap;

	r->wr_verdict = v;
	va_start(ap, fmt);
	vsnprintf(r->wr_why, sizeof(r->wr_why), fmt, ap);
	va_end(ap);
	return v;
}

/* Verifies the origin's signature of Q and parses the checkpoint into R. Returns
 * WITNESS_COSIGNED when it may be compared with the kept one, else the refusal. */
static enum witness_verdict
witness_parse(const struct note_verifier *v, const char *keyname,
    const struct witness_request *q, struct witness_result *r)
{
	if (q->wq_note == NULL || q->wq_len == 0 || q->wq_len > NOTE_MAX_LEN ||
	    !note_text_valid(q->wq_note, q->wq_len))
		return witness_set(r, WITNESS_MALFORMED, "not a signed note");
	if (note_verify(v, q->wq_note, q->wq_len, &r->wr_body, &r->wr_bodylen) != 1)
		return witness_set(r, WITNESS_BADSIG, "not signed by the key of %s", keyname);
	if (checkpoint_parse(r->wr_body, r->wr_bodylen, &r->wr_ckpt) == -1)
		return witness_set(r, WITNESS_MALFORMED, "the signed note is not a checkpoint");
	r->wr_parsed = 1;
	/* The key speaks for one log only: its name is the origin line it may sign. */
	if (strcmp(r->wr_ckpt.origin, keyname) != 0)
		return witness_set(r, WITNESS_BADSIG, "origin %s is not the key's name %s",
		    r->wr_ckpt.origin, keyname);
	if (q->wq_nproof > MERKLE_MAX_PATH || (q->wq_nproof > 0 && q->wq_proof == NULL))
		return witness_set(r, WITNESS_MALFORMED, "a consistency proof of %zu hashes",
		    q->wq_nproof);
	return WITNESS_COSIGNED;
}

/* Compares the checkpoint of R with the kept one (KSIZE, KROOT) and request Q. */
static enum witness_verdict
witness_compare(const struct witness_request *q, struct witness_result *r, uint64_t ksize,
    const uint8_t kroot[MERKLE_HASH_LEN])
{
	const struct checkpoint *c = &r->wr_ckpt;
	unsigned long long size = c->size, kept = ksize;

	if (c->size < ksize)
		return witness_set(r, WITNESS_ROLLBACK, "rollback: size %llu is smaller than "
		    "size %llu co-signed before", size, kept);
	if (c->size == ksize) {
		if (CRYPTO_memcmp(c->root, kroot, MERKLE_HASH_LEN) != 0)
			return witness_set(r, WITNESS_FORK, "fork: size %llu with another root "
			    "than the one co-signed before", size);
		return witness_set(r, WITNESS_COSIGNED, "size %llu co-signed again", size);
	}
	/* Every tree extends the empty one. */
	if (ksize == 0)
		return witness_set(r, WITNESS_COSIGNED, "grown from the empty tree to %llu", size);
	if (q->wq_old != ksize)
		return witness_set(r, WITNESS_CONFLICT, "the proof starts at size %llu, the "
		    "checkpoint co-signed before has size %llu", (unsigned long long)q->wq_old,
		    kept);
	if (merkle_verify_consistency(ksize, c->size, kroot, c->root, q->wq_proof,
	    q->wq_nproof) != 1)
		return witness_set(r, WITNESS_FORK, "fork: size %llu is not consistent with "
		    "size %llu co-signed before", size, kept);
	return witness_set(r, WITNESS_COSIGNED, "consistent with size %llu co-signed before",
	    kept);
}

/* Reads the kept checkpoint of ORIGIN in TXN. Returns an LMDB code (MDB_NOTFOUND). */
static int
witness_read(struct store *st, MDB_txn *txn, const char *origin, uint64_t *size,
    uint8_t root[MERKLE_HASH_LEN])
{
	MDB_val v;
	int rc;

	rc = store_get(txn, store_dbi(st, AUDITLOG_DB_WITNESS), origin, strlen(origin), &v);
	if (rc != 0)
		return rc;
	if (v.mv_size != WITNESS_VAL_LEN)
		return MDB_CORRUPTED;
	*size = store_get_be64(v.mv_data);
	if (root != NULL)
		memcpy(root, (const uint8_t *)v.mv_data + 8, MERKLE_HASH_LEN);
	return 0;
}

enum witness_verdict
witness_check(struct auditlog *log, const struct note_verifier *v, const char *keyname,
    const struct witness_request *q, struct witness_result *r)
{
	struct store *st = log->al_store;
	MDB_txn *txn = NULL;
	uint8_t kroot[MERKLE_HASH_LEN], val[WITNESS_VAL_LEN];
	uint64_t ksize = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if (witness_parse(v, keyname, q, r) != WITNESS_COSIGNED)
		return r->wr_verdict;
	/* One write transaction: the comparison and the update see the same state. */
	if ((rc = store_begin(st, 0, &txn)) != 0)
		goto fail;
	rc = witness_read(st, txn, r->wr_ckpt.origin, &ksize, kroot);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	if (rc == 0) {
		r->wr_known = 1;
		r->wr_known_size = ksize;
		if (witness_compare(q, r, ksize, kroot) != WITNESS_COSIGNED ||
		    r->wr_ckpt.size == ksize) {
			store_abort(txn);
			return r->wr_verdict;
		}
	} else {
		witness_set(r, WITNESS_COSIGNED, "first checkpoint of %s seen (size %llu): "
		    "trusted on first use", r->wr_ckpt.origin,
		    (unsigned long long)r->wr_ckpt.size);
	}
	store_put_be64(val, r->wr_ckpt.size);
	memcpy(val + 8, r->wr_ckpt.root, MERKLE_HASH_LEN);
	if ((rc = store_put(txn, store_dbi(st, AUDITLOG_DB_WITNESS), r->wr_ckpt.origin,
	    strlen(r->wr_ckpt.origin), val, sizeof(val), 0)) != 0)
		goto fail;
	rc = store_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	return WITNESS_COSIGNED;
fail:
	store_abort(txn);
	log_warnx("witness: %s: %s", r->wr_ckpt.origin, store_strerror(rc));
	return witness_set(r, WITNESS_ERROR, "the witness state failed: %s",
	    store_strerror(rc));
}

int
witness_get(struct auditlog *log, const char *origin, uint64_t *size,
    uint8_t root[MERKLE_HASH_LEN])
{
	MDB_txn *txn = NULL;
	int rc;

	*size = 0;
	if ((rc = store_begin(log->al_store, 1, &txn)) == 0)
		rc = witness_read(log->al_store, txn, origin, size, root);
	store_abort(txn);
	return auditlog_status(rc);
}

int
witness_cosign(const struct note_signer *s, const char *body, size_t bodylen,
    struct strbuf *line)
{
	struct strbuf signed_note = { 0 };
	int ret = -1;

	/* note_sign writes the text, a blank line, then our one signature line. */
	if (note_sign(s, body, bodylen, &signed_note) == 0 && !signed_note.sb_failed &&
	    signed_note.sb_len > bodylen + 1)
		ret = strbuf_add(line, signed_note.sb_data + bodylen + 1,
		    signed_note.sb_len - bodylen - 1);
	strbuf_reset(&signed_note);
	return ret;
}
