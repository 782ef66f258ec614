/*
 * common/store: the LMDB helpers every module with state shares. One environment per
 * module in its own directory (mode 0700, files 0600), with a fixed table of named
 * sub-databases opened once at start. LMDB return codes are classified and described
 * here, in one place, so that callers map them to their own user-visible errors
 * (RegistryError, CLI message, ...) without knowing LMDB's numbers.
 *
 * Rules (see STYLE.md): open after any fork, in the process that uses the environment;
 * never keep a read transaction across an event-loop turn; one write transaction per
 * operation, updating every index.
 */
#ifndef HASHI_COMMON_STORE_H
#define HASHI_COMMON_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#define STORE_MAXDBS	32	/* named sub-databases per environment */

/* One named sub-database: NAME (borrowed, must outlive the call) and the mdb_dbi_open
 * flags beyond MDB_CREATE (e.g. MDB_DUPSORT). */
struct store_db {
	const char	*sd_name;
	unsigned int	 sd_flags;
};

/* What an LMDB return code means to a caller. */
enum store_class {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* MDB_NOTFOUND: no such key */
	STORE_EXISTS,		/* MDB_KEYEXIST: MDB_NOOVERWRITE / MDB_NODUPDATA refused */
	STORE_FULL,		/* map, transaction or page limits reached: out of resources */
	STORE_BUSY,		/* reader table full or lock contention: retry later */
	STORE_CORRUPT,		/* the files are damaged or of another LMDB version */
	STORE_FAILED		/* anything else (I/O error, bad argument, ...) */
};

struct store;

/* Creates DIR if missing (mode 0700; an existing DIR with group or other bits is tightened
 * to 0700), opens the environment in it with files of mode 0600, a map of MAPSIZE bytes
 * and the extra mdb_env_open FLAGS (e.g. MDB_WRITEMAP; every process opening the same
 * environment must pass the same), then opens (creating) the NDBS sub-databases of DBS in
 * that order. Returns a handle (free with store_close), or NULL after logging why. Call
 * after any fork. */
struct store *store_open(const char *dir, size_t mapsize, unsigned int flags,
    const struct store_db *dbs, size_t ndbs);

/* Closes the environment; NULL accepted. No transaction may be open. */
void store_close(struct store *st);

/* Makes store_begin return MDB_MAP_RESIZED instead of adopting a map another process grew:
 * remapping is only safe while no other thread uses the environment, so a handle shared by
 * threads must be reopened instead (by its owner, when no thread is in it). */
void store_fix_map(struct store *st);

/* Returns the handle of the I-th sub-database given to store_open. */
MDB_dbi store_dbi(const struct store *st, size_t i);

/* Returns the environment (borrowed), for calls these helpers do not wrap. */
MDB_env *store_env(const struct store *st);

/* Returns the largest key (and DUPSORT value) the environment accepts, in bytes. */
size_t store_maxkey(const struct store *st);

/* Begins a read (RDONLY != 0) or write transaction in *TXNP, adopting a map grown by
 * another process. Returns an LMDB code (0 = begun); on failure *TXNP is NULL. */
int store_begin(struct store *st, int rdonly, MDB_txn **txnp);

/* Commits TXN (always consumed). Returns an LMDB code; 0 = durable. */
int store_commit(MDB_txn *txn);

/* Aborts TXN; NULL accepted. */
void store_abort(MDB_txn *txn);

/* Looks up KEY[0..KLEN) in DBI. On 0, *VAL points into the map (valid until the
 * transaction ends). Returns an LMDB code (MDB_NOTFOUND when absent). */
int store_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, MDB_val *val);

/* Stores VAL[0..VLEN) under KEY[0..KLEN) in DBI with mdb_put FLAGS. Returns an LMDB code. */
int store_put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val,
    size_t vlen, unsigned int flags);

/* Deletes KEY (and, when VAL is not NULL, only that duplicate). Returns an LMDB code;
 * MDB_NOTFOUND when there was nothing to delete. */
int store_del(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val,
    size_t vlen);

/* Maps an LMDB (or errno) return code to its class. */
enum store_class store_classify(int rc);

/* Returns a short English description of RC (static), for logs and CLI messages. */
const char *store_strerror(int rc);

/* Writes V big-endian into P[0..8): keys and values that sort as numbers in LMDB. */
void store_put_be64(uint8_t *p, uint64_t v);

/* Reads a big-endian 64-bit number from P[0..8). */
uint64_t store_get_be64(const uint8_t *p);

#endif
