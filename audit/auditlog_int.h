/*
 * audit/auditlog_int: what auditlog.c and auditlog_verify.c share (and the unit test, which
 * edits the sub-databases directly to simulate tampering). Not for other modules.
 */
#ifndef HASHI_AUDIT_AUDITLOG_INT_H
#define HASHI_AUDIT_AUDITLOG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#include "common/store.h"

/* Sub-database indices in auditlog_dbs. */
enum { AUDITLOG_DB_REC, AUDITLOG_DB_NODE, AUDITLOG_DB_META, AUDITLOG_DB_NOTE, AUDITLOG_NDBS };

#define AUDITLOG_NODE_KEYLEN	16	/* be64 level || be64 index */
#define AUDITLOG_META_SIZE	"size"
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

#endif
