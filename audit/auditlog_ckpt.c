/*
 * audit/auditlog_ckpt: signed checkpoints of the audit log (see auditlog.h). The note is
 * signed and stored in the same write transaction that reads the size and root, so the
 * stored note always describes a committed tree.
 */
#include <string.h>

#include "audit/auditlog.h"
#include "audit/auditlog_int.h"
#include "common/log.h"

int
auditlog_checkpoint(struct auditlog *log, const struct note_signer *s, const char *origin,
    struct strbuf *note)
{
	struct checkpoint c;
	struct strbuf body = { 0 }, signed_note = { 0 };
	struct auditlog_nodes an;
	uint8_t key[8];
	int rc = 0, ret = AUDITLOG_EFAIL;

	memset(&c, 0, sizeof(c));
	if (strlen(origin) >= sizeof(c.origin))
		return AUDITLOG_EFAIL;
	memcpy(c.origin, origin, strlen(origin) + 1);
	an.an_txn = NULL;
	an.an_rc = 0;
	an.an_dbi = store_dbi(log->al_store, AUDITLOG_DB_NODE);
	if ((rc = store_begin(log->al_store, 0, &an.an_txn)) != 0 ||
	    (rc = auditlog_meta_size(log->al_store, an.an_txn, &c.size)) != 0)
		goto done;
	if (merkle_root(c.size, auditlog_node_get, &an, c.root) == -1) {
		rc = an.an_rc == MDB_NOTFOUND ? MDB_CORRUPTED : an.an_rc;
		goto done;
	}
	if (checkpoint_format(&c, &body) == -1 ||
	    note_sign(s, body.sb_data, body.sb_len, &signed_note) == -1)
		goto done;
	store_put_be64(key, c.size);
	if ((rc = store_put(an.an_txn, store_dbi(log->al_store, AUDITLOG_DB_NOTE), key,
	    sizeof(key), signed_note.sb_data, signed_note.sb_len, 0)) != 0)
		goto done;
	rc = store_commit(an.an_txn);
	an.an_txn = NULL;
	if (rc != 0)
		goto done;
	ret = strbuf_add(note, signed_note.sb_data, signed_note.sb_len) == 0 ?
	    AUDITLOG_OK : AUDITLOG_EFAIL;
done:
	if (rc != 0) {
		log_warnx("auditlog: checkpoint: %s", store_strerror(rc));
		ret = auditlog_status(rc);
	}
	store_abort(an.an_txn);
	strbuf_reset(&body);
	strbuf_reset(&signed_note);
	return ret;
}

/* Appends the note under KEY (NULL: the last one) to NOTE; its size to *SIZE if not NULL. */
static int
auditlog_note_read(struct auditlog *log, const uint8_t *key, uint64_t *size,
    struct strbuf *note)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, ret;

	if ((rc = store_begin(log->al_store, 1, &txn)) != 0)
		goto done;
	if ((rc = mdb_cursor_open(txn, store_dbi(log->al_store, AUDITLOG_DB_NOTE), &cur)) != 0)
		goto done;
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = 8;
	if ((rc = mdb_cursor_get(cur, &k, &v, key != NULL ? MDB_SET_KEY : MDB_LAST)) != 0)
		goto done;
	if (k.mv_size != 8) {
		rc = MDB_CORRUPTED;
		goto done;
	}
	if (size != NULL)
		*size = store_get_be64(k.mv_data);
	if (strbuf_add(note, v.mv_data, v.mv_size) == -1) {
		ret = AUDITLOG_EFAIL;
		goto out;
	}
done:
	ret = auditlog_status(rc);
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return ret;
}

int
auditlog_checkpoint_get(struct auditlog *log, uint64_t size, struct strbuf *note)
{
	uint8_t key[8];

	store_put_be64(key, size);
	return auditlog_note_read(log, key, NULL, note);
}

int
auditlog_checkpoint_latest(struct auditlog *log, uint64_t *size, struct strbuf *note)
{
	return auditlog_note_read(log, NULL, size, note);
}

/* Returns 1 when LINE (LEN bytes, ending in "\n") is one of the signature lines of NOTE,
 * i.e. after its last blank line (the text may hold any line). */
static int
auditlog_note_has_line(const char *note, size_t notelen, const char *line, size_t len)
{
	size_t split, i;

	for (split = notelen; split > 1; split--)
		if (note[split - 2] == '\n' && note[split - 1] == '\n')
			break;
	if (split <= 1)
		return 0;
	/* Signature lines start after the blank line or after another one's newline. */
	for (i = split; i + len <= notelen; i++)
		if (note[i - 1] == '\n' && memcmp(note + i, line, len) == 0)
			return 1;
	return 0;
}

/* Advances cursor NAME to SIZE in TXN unless it is already there or beyond. Returns an
 * LMDB code. */
static int
auditlog_cursor_raise(struct auditlog *log, MDB_txn *txn, const char *name, uint64_t size)
{
	MDB_dbi dbi = store_dbi(log->al_store, AUDITLOG_DB_CURSOR);
	uint8_t val[8];
	MDB_val v;
	int rc;

	rc = store_get(txn, dbi, name, strlen(name), &v);
	if (rc == 0 && v.mv_size == 8 && store_get_be64(v.mv_data) >= size)
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	store_put_be64(val, size);
	return store_put(txn, dbi, name, strlen(name), val, sizeof(val), 0);
}

int
auditlog_checkpoint_cosign(struct auditlog *log, uint64_t size, const struct note_verifier *v,
    const char *line, size_t len, const char *cursor)
{
	struct strbuf note = { 0 };
	MDB_txn *txn = NULL;
	MDB_val cur;
	uint8_t key[8];
	int rc = 0, ret = AUDITLOG_EFAIL;

	/* One signature line: "— name base64\n", nothing before or after it. */
	if (len < 2 || line[len - 1] != '\n' || memchr(line, '\n', len - 1) != NULL ||
	    (cursor != NULL && (cursor[0] == '\0' || strlen(cursor) > AUDITLOG_CURSOR_MAX)))
		return AUDITLOG_EFAIL;
	store_put_be64(key, size);
	if ((rc = store_begin(log->al_store, 0, &txn)) != 0 ||
	    (rc = store_get(txn, store_dbi(log->al_store, AUDITLOG_DB_NOTE), key, sizeof(key),
	    &cur)) != 0)
		goto done;
	if (strbuf_add(&note, cur.mv_data, cur.mv_size) == -1)
		goto done;
	if (!auditlog_note_has_line(note.sb_data, note.sb_len, line, len)) {
		/* Only a line that verifies over exactly this note's text is ever stored, so
		 * the note keeps verifying for every key that signed it. */
		if (strbuf_add(&note, line, len) == -1 ||
		    note_verify(v, note.sb_data, note.sb_len, NULL, NULL) != 1) {
			log_warnx("auditlog: cosignature for checkpoint %llu refused: it does not "
			    "verify", (unsigned long long)size);
			goto done;
		}
		if ((rc = store_put(txn, store_dbi(log->al_store, AUDITLOG_DB_NOTE), key,
		    sizeof(key), note.sb_data, note.sb_len, 0)) != 0)
			goto done;
	}
	if (cursor != NULL && (rc = auditlog_cursor_raise(log, txn, cursor, size)) != 0)
		goto done;
	rc = store_commit(txn);
	txn = NULL;
	ret = auditlog_status(rc);
done:
	if (rc != 0) {
		if (rc != MDB_NOTFOUND)
			log_warnx("auditlog: cosignature: %s", store_strerror(rc));
		ret = auditlog_status(rc);
	}
	store_abort(txn);
	strbuf_reset(&note);
	return ret;
}

int
auditlog_checkpoint_each(struct auditlog *log,
    int (*fn)(void *arg, uint64_t size, const char *note, size_t len), void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	if ((rc = store_begin(log->al_store, 1, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, store_dbi(log->al_store, AUDITLOG_DB_NOTE), &cur)) != 0)
		goto done;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (fn(arg, store_get_be64(k.mv_data), v.mv_data, v.mv_size) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return auditlog_status(rc);
}
