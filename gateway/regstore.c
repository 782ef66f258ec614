/* gateway/regstore: see regstore.h. Opening, lookups and statistics; a submission is in
 * regstore_submit.c / regstore_valid.c, document bytes in regstore_doc.c. */
#include "gateway/regstore.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/regstore_int.h"

static const struct store_db rs_dbs[RS_NDBS] = {
	[RS_ID2OBJ] = { "id2obj", 0 },
	[RS_UID2ID] = { "uid2id", 0 },
	[RS_PID2ID] = { "pid2id", MDB_DUPSORT },
	[RS_SRC2ASSOC] = { "src2assoc", MDB_DUPSORT },
	[RS_TGT2ASSOC] = { "tgt2assoc", MDB_DUPSORT },
	[RS_REF2ID] = { "ref2id", MDB_DUPSORT },
	[RS_DOC2INFO] = { "doc2info", 0 },
	[RS_DOC2CHUNK] = { "doc2chunk", 0 },
	[RS_META] = { "meta", 0 },
};

struct regstore *
regstore_open(const char *dir, size_t mapsize)
{
	struct regstore *rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		log_warn("regstore: calloc");
		return NULL;
	}
	/* WRITEMAP: a write transaction's dirty pages are the map's own pages, not heap
	 * copies, so storing a 100 MiB document does not cost 100 MiB of memory until the
	 * commit. hashid and hashictl both open the registry here, with the same flags. */
	if ((rs->rs_st = store_open(dir, mapsize, MDB_WRITEMAP, rs_dbs, RS_NDBS)) == NULL) {
		free(rs);
		return NULL;
	}
	return rs;
}

void
regstore_close(struct regstore *rs)
{
	if (rs == NULL)
		return;
	store_close(rs->rs_st);
	free(rs);
}

void
regstore_set_patient_filter(struct regstore *rs, regstore_pid_known_fn fn, void *arg)
{
	rs->rs_pid_known = fn;
	rs->rs_pid_arg = fn != NULL ? arg : NULL;
}

/* Replaces the bytes of broken (e.g. truncated) UTF-8 sequences of S by '?'. */
static void
rs_utf8_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n, i;

	while (*p != '\0') {
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
		    (*p & 0xf8) == 0xf0 ? 4 : 0;
		for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
			;
		if (n == 0 || i < n)
			*p++ = '?';
		else
			p += n;
	}
}

void
rs_err(struct reg_errors *errs, const char *code, const char *loc, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rs_utf8_clean(buf);
	regerr_add(errs, 0, code, loc, "%s", buf);
}

void
rs_store_error(struct reg_errors *errs, int rc, const char *loc, const char *what)
{
	if (store_classify(rc) == STORE_FULL)
		rs_err(errs, "XDSRegistryOutOfResources", loc, "registry storage is full while %s",
		    what);
	else
		rs_err(errs, "XDSRegistryError", loc, "registry storage error while %s", what);
	log_warnx("regstore: %s: %s", what, store_strerror(rc));
}

xmlDocPtr
rs_parse_fragment(const char *xml, size_t len)
{
	/* Our own fragments: the limits only guard against a damaged file. */
	struct xml_limits lim = { 16 * 1024 * 1024, 256 };
	enum xml_err err;

	return xml_parse_safe(xml, len, &lim, &err);
}

int
rs_get(struct regstore *rs, MDB_txn *txn, const char *id, struct regstore_obj *out)
{
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_get(txn, RS_DBI(rs, RS_ID2OBJ), id, strlen(id), &v);
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc != 0) {
		log_warnx("regstore: get %s: %s", id, store_strerror(rc));
		return -1;
	}
	if (v.mv_size < 2 || ((const uint8_t *)v.mv_data)[0] < EBRIM_DOCUMENT ||
	    ((const uint8_t *)v.mv_data)[0] > EBRIM_ASSOCIATION) {
		log_warnx("regstore: object %s: damaged record", id);
		return -1;
	}
	out->ro_kind = (enum ebrim_kind)((const uint8_t *)v.mv_data)[0];
	out->ro_id = str_dup(id);
	out->ro_xml = str_ndup((const char *)v.mv_data + 1, v.mv_size - 1);
	out->ro_xmllen = v.mv_size - 1;
	if (out->ro_id == NULL || out->ro_xml == NULL) {
		regstore_obj_free(out);
		return -1;
	}
	return 0;
}

int
regstore_get(struct regstore *rs, const char *id, struct regstore_obj *out)
{
	MDB_txn *txn;
	int rc, ret;

	memset(out, 0, sizeof(*out));
	if (id == NULL || *id == '\0')
		return 1;
	if ((rc = store_begin(rs->rs_st, 1, &txn)) != 0) {
		log_warnx("regstore: read txn: %s", store_strerror(rc));
		return -1;
	}
	ret = rs_get(rs, txn, id, out);
	store_abort(txn);
	return ret;
}

void
regstore_obj_free(struct regstore_obj *obj)
{
	if (obj == NULL)
		return;
	free(obj->ro_id);
	free(obj->ro_xml);
	memset(obj, 0, sizeof(*obj));
}

void
regstore_ids_free(struct regstore_ids *ids)
{
	size_t i;

	if (ids == NULL)
		return;
	for (i = 0; i < ids->ri_n; i++)
		free(ids->ri_id[i]);
	free(ids->ri_id);
	memset(ids, 0, sizeof(*ids));
}

static int
rs_ids_add(struct regstore_ids *ids, const MDB_val *v)
{
	char **p;

	if ((p = reallocarray(ids->ri_id, ids->ri_n + 1, sizeof(*p))) == NULL)
		return -1;
	ids->ri_id = p;
	if ((p[ids->ri_n] = str_ndup(v->mv_data, v->mv_size)) == NULL)
		return -1;
	ids->ri_n++;
	return 0;
}

/* Fills IDS with every duplicate stored under KEY in DB, in one read transaction. */
static int
rs_dups(struct regstore *rs, enum rs_db db, const void *key, size_t klen,
    struct regstore_ids *ids)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, ret = -1;

	memset(ids, 0, sizeof(*ids));
	if (klen == 0 || klen > RS_MAX_KEYTEXT + 1)
		return 0;	/* no such key can have been stored */
	if ((rc = store_begin(rs->rs_st, 1, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, RS_DBI(rs, db), &cur)) != 0)
		goto fail;
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = klen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP))
		if (rs_ids_add(ids, &v) == -1)
			goto done;
	if (rc != MDB_NOTFOUND)
		goto fail;
	ret = 0;
	goto done;
fail:
	log_warnx("regstore: index lookup: %s", store_strerror(rc));
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	if (ret == -1)
		regstore_ids_free(ids);
	return ret;
}

int
regstore_by_patient(struct regstore *rs, const char *pid, enum ebrim_kind kind,
    struct regstore_ids *ids)
{
	uint8_t key[RS_MAX_KEYTEXT + 1];
	size_t n = pid != NULL ? strlen(pid) : 0;

	memset(ids, 0, sizeof(*ids));
	if (n == 0 || n > RS_MAX_KEYTEXT)
		return 0;
	memcpy(key, pid, n);
	key[n] = (uint8_t)kind;
	return rs_dups(rs, RS_PID2ID, key, n + 1, ids);
}

int
regstore_assocs(struct regstore *rs, const char *id, int source, struct regstore_ids *ids)
{
	return rs_dups(rs, source ? RS_SRC2ASSOC : RS_TGT2ASSOC, id,
	    id != NULL ? strlen(id) : 0, ids);
}

int
regstore_by_reference(struct regstore *rs, const char *ref, struct regstore_ids *ids)
{
	return rs_dups(rs, RS_REF2ID, ref, ref != NULL ? strlen(ref) : 0, ids);
}

int
regstore_by_uid(struct regstore *rs, enum ebrim_kind kind, const char *uid, char **idp)
{
	uint8_t key[RS_MAX_KEYTEXT + 1];
	size_t n = uid != NULL ? strlen(uid) : 0;
	MDB_txn *txn;
	MDB_val v;
	int rc, ret = -1;

	*idp = NULL;
	if (n == 0 || n > RS_MAX_KEYTEXT)
		return 1;
	key[0] = (uint8_t)kind;
	memcpy(key + 1, uid, n);
	if ((rc = store_begin(rs->rs_st, 1, &txn)) != 0) {
		log_warnx("regstore: read txn: %s", store_strerror(rc));
		return -1;
	}
	rc = store_get(txn, RS_DBI(rs, RS_UID2ID), key, n + 1, &v);
	if (rc == MDB_NOTFOUND)
		ret = 1;
	else if (rc != 0)
		log_warnx("regstore: uid lookup: %s", store_strerror(rc));
	else if ((*idp = str_ndup(v.mv_data, v.mv_size)) != NULL)
		ret = 0;
	store_abort(txn);
	return ret;
}

int
rs_count_add(struct regstore *rs, MDB_txn *txn, uint8_t key, int64_t delta)
{
	uint64_t n = 0;
	MDB_val v;
	int rc;

	rc = store_get(txn, RS_DBI(rs, RS_META), &key, 1, &v);
	if (rc == 0 && v.mv_size == sizeof(n))
		memcpy(&n, v.mv_data, sizeof(n));
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	n = (delta < 0 && (uint64_t)-delta > n) ? 0 : n + (uint64_t)delta;
	return store_put(txn, RS_DBI(rs, RS_META), &key, 1, &n, sizeof(n), 0);
}

static size_t
rs_count_get(struct regstore *rs, MDB_txn *txn, uint8_t key)
{
	uint64_t n = 0;
	MDB_val v;

	if (store_get(txn, RS_DBI(rs, RS_META), &key, 1, &v) == 0 && v.mv_size == sizeof(n))
		memcpy(&n, v.mv_data, sizeof(n));
	return (size_t)n;
}

int
regstore_stats(struct regstore *rs, struct regstore_stats *st)
{
	MDB_txn *txn;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = store_begin(rs->rs_st, 1, &txn)) != 0) {
		log_warnx("regstore: read txn: %s", store_strerror(rc));
		return -1;
	}
	st->rs_documents = rs_count_get(rs, txn, EBRIM_DOCUMENT);
	st->rs_submissionsets = rs_count_get(rs, txn, EBRIM_SUBMISSIONSET);
	st->rs_folders = rs_count_get(rs, txn, EBRIM_FOLDER);
	st->rs_associations = rs_count_get(rs, txn, EBRIM_ASSOCIATION);
	st->rs_contents = rs_count_get(rs, txn, RS_META_CONTENTS);
	store_abort(txn);
	return 0;
}
