/*
 * tests/unit/auditlog_raw.h: opening an audit log's LMDB environment raw, to tamper with
 * its sub-databases behind the auditlog API (test_auditlog, test_audit_proof,
 * test_audit_search). Static functions in a header, as tests/unit/tmpdir.h, because the
 * Makefile links every tests/unit helper .c into every test binary. Include after
 * cmocka.h.
 */
#ifndef HASHI_TESTS_AUDITLOG_RAW_H
#define HASHI_TESTS_AUDITLOG_RAW_H

#include <lmdb.h>

#include "audit/auditlog.h"
#include "audit/auditlog_int.h"
#include "common/store.h"

/* Closes *LOG (set to NULL) and opens the environment in DIR raw, with a write
 * transaction in *TXN. Returns the store for auditlog_raw_close. */
static inline struct store *
auditlog_raw_open(struct auditlog **log, const char *dir, size_t mapsize, MDB_txn **txn)
{
	struct store *st;

	auditlog_close(*log);
	*log = NULL;
	assert_non_null(st = store_open(dir, mapsize, 0, auditlog_dbs, AUDITLOG_NDBS));
	assert_int_equal(store_begin(st, 0, txn), 0);
	return st;
}

/* Commits TXN and closes ST; when LOG is not NULL, reopens the log of DIR into *LOG. */
static inline void
auditlog_raw_close(struct store *st, MDB_txn *txn, struct auditlog **log, const char *dir,
    size_t mapsize)
{
	assert_int_equal(store_commit(txn), 0);
	store_close(st);
	if (log != NULL)
		assert_non_null(*log = auditlog_open(dir, mapsize));
}

#endif
