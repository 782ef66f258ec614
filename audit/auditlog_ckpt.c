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
