/* common/store: see store.h. */
#include "common/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/str.h"

struct store {
	MDB_env	*st_env;
	MDB_dbi	 st_dbi[STORE_MAXDBS];
	size_t	 st_ndbs;
	int	 st_fixed_map;	/* never adopt another process's larger map (store_fix_map) */
};

/* Makes DIR exist as a directory only we can enter: LMDB's files hold patient data. */
static int
store_mkdir(const char *dir)
{
	struct stat sb;
	char parent[4096];
	char *slash;

	/* The state directory itself may not exist yet on a fresh appliance: create the
	 * missing parents too, with the same mode. */
	if (mkdir(dir, 0700) == -1 && errno == ENOENT &&
	    str_copy(parent, sizeof(parent), dir) == 0 &&
	    (slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		if (store_mkdir(parent) == 0)
			(void)mkdir(dir, 0700);
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("store: mkdir %s", dir);
		return -1;
	}
	if (stat(dir, &sb) == -1) {
		log_warn("store: stat %s", dir);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		log_warnx("store: %s is not a directory", dir);
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		if (chmod(dir, 0700) == -1) {
			log_warn("store: chmod 0700 %s", dir);
			return -1;
		}
		log_info("store: tightened %s to mode 0700", dir);
	}
	return 0;
}

static int
store_open_dbs(struct store *st, const struct store_db *dbs, size_t ndbs)
{
	MDB_txn *txn = NULL;
	size_t i;
	int rc;

	if ((rc = mdb_txn_begin(st->st_env, NULL, 0, &txn)) != 0) {
		log_warnx("store: begin: %s", store_strerror(rc));
		return -1;
	}
	for (i = 0; i < ndbs; i++) {
		rc = mdb_dbi_open(txn, dbs[i].sd_name, dbs[i].sd_flags | MDB_CREATE,
		    &st->st_dbi[i]);
		if (rc != 0) {
			log_warnx("store: open database %s: %s", dbs[i].sd_name,
			    store_strerror(rc));
			mdb_txn_abort(txn);
			return -1;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		log_warnx("store: commit: %s", store_strerror(rc));
		return -1;
	}
	st->st_ndbs = ndbs;
	return 0;
}

struct store *
store_open(const char *dir, size_t mapsize, unsigned int flags, const struct store_db *dbs,
    size_t ndbs)
{
	struct store *st = NULL;
	int rc;

	if (ndbs > STORE_MAXDBS) {
		log_warnx("store: %zu databases requested, at most %d", ndbs, STORE_MAXDBS);
		return NULL;
	}
	if (store_mkdir(dir) == -1)
		return NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		log_warn("store: calloc");
		return NULL;
	}
	if ((rc = mdb_env_create(&st->st_env)) != 0) {
		log_warnx("store: %s: %s", dir, store_strerror(rc));
		free(st);
		return NULL;
	}
	if ((rc = mdb_env_set_mapsize(st->st_env, mapsize)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->st_env, (MDB_dbi)ndbs)) != 0) {
		log_warnx("store: %s: %s", dir, store_strerror(rc));
		goto fail;
	}
	/* NOTLS: a read transaction belongs to its MDB_txn, not to the thread, so helpers
	 * may be called from any thread that owns the handle. */
	if ((rc = mdb_env_open(st->st_env, dir, MDB_NOTLS | flags, 0600)) != 0) {
		log_warnx("store: open %s: %s", dir, store_strerror(rc));
		goto fail;
	}
	if (store_open_dbs(st, dbs, ndbs) == -1)
		goto fail;
	return st;
fail:
	mdb_env_close(st->st_env);
	free(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	mdb_env_close(st->st_env);
	free(st);
}

MDB_dbi
store_dbi(const struct store *st, size_t i)
{
	return i < st->st_ndbs ? st->st_dbi[i] : 0;
}

MDB_env *
store_env(const struct store *st)
{
	return st->st_env;
}

size_t
store_maxkey(const struct store *st)
{
	int n = mdb_env_get_maxkeysize(st->st_env);

	return n > 0 ? (size_t)n : 0;
}

int
store_begin(struct store *st, int rdonly, MDB_txn **txnp)
{
	int rc;

	*txnp = NULL;
	rc = mdb_txn_begin(st->st_env, NULL, rdonly ? MDB_RDONLY : 0, txnp);
	if (rc == MDB_MAP_RESIZED && !st->st_fixed_map) {
		/* Another process (hashictl import, the daemon) grew the map: adopt its
		 * size, which LMDB allows while this process has no transaction open. */
		if ((rc = mdb_env_set_mapsize(st->st_env, 0)) == 0)
			rc = mdb_txn_begin(st->st_env, NULL, rdonly ? MDB_RDONLY : 0, txnp);
	}
	if (rc != 0)
		*txnp = NULL;
	return rc;
}

void
store_fix_map(struct store *st)
{
	st->st_fixed_map = 1;
}

int
store_commit(MDB_txn *txn)
{
	return mdb_txn_commit(txn);
}

void
store_abort(MDB_txn *txn)
{
	if (txn != NULL)
		mdb_txn_abort(txn);
}

int
store_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, MDB_val *val)
{
	MDB_val k;

	k.mv_data = (void *)(uintptr_t)key;	/* LMDB's API is not const-correct */
	k.mv_size = klen;
	return mdb_get(txn, dbi, &k, val);
}

int
store_put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val,
    size_t vlen, unsigned int flags)
{
	MDB_val k, v;

	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = klen;
	v.mv_data = (void *)(uintptr_t)val;
	v.mv_size = vlen;
	return mdb_put(txn, dbi, &k, &v, flags);
}

int
store_del(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	MDB_val k, v;

	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = klen;
	v.mv_data = (void *)(uintptr_t)val;
	v.mv_size = vlen;
	return mdb_del(txn, dbi, &k, val != NULL ? &v : NULL);
}

enum store_class
store_classify(int rc)
{
	switch (rc) {
	case 0:
		return STORE_OK;
	case MDB_NOTFOUND:
		return STORE_NOTFOUND;
	case MDB_KEYEXIST:
		return STORE_EXISTS;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
	case MDB_PAGE_FULL:
	case ENOSPC:
	case ENOMEM:
		return STORE_FULL;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:	/* another process grew the map: a new txn sees it */
	case EAGAIN:
	case EBUSY:
		return STORE_BUSY;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return STORE_CORRUPT;
	default:
		return STORE_FAILED;
	}
}

const char *
store_strerror(int rc)
{
	switch (rc) {
	case MDB_MAP_FULL:
		return "database map is full (raise the map size)";
	case MDB_TXN_FULL:
		return "transaction has too many dirty pages";
	case MDB_READERS_FULL:
		return "too many concurrent readers";
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
		return "database file is corrupted";
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
		return "not an LMDB file of a compatible version";
	case MDB_DBS_FULL:
		return "too many named databases";
	default:
		return mdb_strerror(rc);	/* also covers errno values */
	}
}

void
store_put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint64_t
store_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}
