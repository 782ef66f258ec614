/*
 * audit/auditlog_int: what auditlog*.c share (and the unit tests and the integration test
 * tool, which edit the sub-databases directly to simulate tampering), plus one reader
 * helper for audit/'s own readers (proof.c, search.c). Not for modules outside audit/.
 */
#ifndef HASHI_AUDIT_AUDITLOG_INT_H
#define HASHI_AUDIT_AUDITLOG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#include "common/store.h"
#include "common/str.h"

/* Sub-database indices in auditlog_dbs. INDEX (MDB_DUPSORT) maps a search key to the be64
 * sequence numbers of the records indexed under it; CURSOR maps a cursor name to a be64;
 * WITNESS maps a peer's checkpoint origin to the latest of its checkpoints we co-signed
 * (be64 size || 32-byte root, audit/witness.h). */
enum {
	AUDITLOG_DB_REC, AUDITLOG_DB_NODE, AUDITLOG_DB_META, AUDITLOG_DB_NOTE, AUDITLOG_DB_INDEX,
	AUDITLOG_DB_CURSOR, AUDITLOG_DB_WITNESS, AUDITLOG_NDBS
};

#define AUDITLOG_NODE_KEYLEN	16	/* be64 level || be64 index */
#define AUDITLOG_META_SIZE	"size"
#define AUDITLOG_CURSOR_MAX	32	/* bytes of a cursor name */
#define AUDITLOG_VERIFY_MAPSIZE	((size_t)1 << 20)	/* LMDB keeps a larger existing map */

/* The sub-database table, in AUDITLOG_DB_* order. */
extern const struct store_db auditlog_dbs[AUDITLOG_NDBS];

struct auditlog {
	struct store	*al_store;
};

/* The node store of a transaction, as the merkle callbacks' argument. RC keeps the first
 * LMDB code a callback met, so that a full map surfaces as AUDITLOG_EFULL. */
struct auditlog_nodes {
	MDB_txn	*an_txn;
	MDB_dbi	 an_dbi;
	int	 an_rc;
};

/* Writes the node key of (LEVEL, INDEX) into KEY. */
void auditlog_node_key(uint8_t key[AUDITLOG_NODE_KEYLEN], uint64_t level, uint64_t index);

/* merkle_get_fn over struct auditlog_nodes. */
int auditlog_node_get(void *arg, uint64_t level, uint64_t index, uint8_t out[32]);

/* Reads the stored size into *SIZE (0 when never written). Returns an LMDB code. */
int auditlog_meta_size(struct store *st, MDB_txn *txn, uint64_t *size);

/* Maps an LMDB code to an AUDITLOG_* status. */
int auditlog_status(int rc);

/* Appends to NOTE the stored checkpoint note with the largest stored size below BELOW
 * (UINT64_MAX: the latest) and stores that size in *SIZE, so that readers can walk back
 * past a checkpoint whose signature fails. Returns AUDITLOG_OK, AUDITLOG_ENOTFOUND (none
 * below), or a negative code. */
int auditlog_checkpoint_below(struct auditlog *log, uint64_t below, uint64_t *size,
    struct strbuf *note);

#endif
