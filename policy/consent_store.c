/* policy/consent_store: see consent_store.h. The environment, registration and voiding
 * with their index upkeep, and reading one consent. Lists are in consent_list.c, the
 * revocation re-check in consent_recheck.c. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/store.h"
#include "common/log.h"
#include "policy/consent_int.h"

static const struct store_db cs_dbs[CS_NDBS] = {
	[CS_DB_ID2CONSENT] = { "id2consent", 0 },
	[CS_DB_PID2CONSENTS] = { "pid2consents", 0 },
	[CS_DB_META] = { "meta", 0 },
};

#define META_SEQ	"seq"

const char *
consent_strerror(int err)
{
	switch (err) {
	case CONSENT_OK: return "success";
	case CONSENT_E_NOTFOUND: return "no such consent";
	case CONSENT_E_EXISTS: return "this signature is registered already";
	case CONSENT_E_INVALID: return "invalid consent id or fields";
	case CONSENT_E_TOOMANY: return "too many consents for this patient";
	case CONSENT_E_FULL: return "consent storage is full (raise its map size)";
	case CONSENT_E_BUSY: return "consent storage busy (too many readers); retry";
	case CONSENT_E_CORRUPT: return "consent storage is damaged";
	case CONSENT_E_STORE: return "consent storage error";
	case CONSENT_E_NOMEM: return "out of memory";
	default: return "unknown error";
	}
}

int
cs_store_err(int rc)
{
	switch (store_classify(rc)) {
	case STORE_OK: return CONSENT_OK;
	case STORE_NOTFOUND: return CONSENT_E_NOTFOUND;
	case STORE_EXISTS: return CONSENT_E_EXISTS;
	case STORE_FULL: return CONSENT_E_FULL;
	case STORE_BUSY: return CONSENT_E_BUSY;
	case STORE_CORRUPT: return CONSENT_E_CORRUPT;
	default: return CONSENT_E_STORE;
	}
}

struct consent_store *
consent_store_open(const char *dir, size_t mapsize)
{
	struct consent_store *cs;

	if ((cs = calloc(1, sizeof(*cs))) == NULL) {
		log_warn("consent: calloc");
		return NULL;
	}
	cs->cs_st = store_open(dir, mapsize != 0 ? mapsize : CONSENT_MAPSIZE_DEFAULT, 0,
	    cs_dbs, CS_NDBS);
	if (cs->cs_st == NULL) {
		free(cs);
		return NULL;
	}
	return cs;
}

void
consent_store_close(struct consent_store *cs)
{
	if (cs == NULL)
		return;
	store_close(cs->cs_st);
	free(cs);
}

void
consent_id_hex(const uint8_t *id, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < CONSENT_ID_LEN; i++) {
		out[2 * i] = hx[id[i] >> 4];
		out[2 * i + 1] = hx[id[i] & 15];
	}
	out[2 * CONSENT_ID_LEN] = '\0';
}

/* Reads hex consent id S into ID. 0, or -1 unless exactly 64 hex digits. */
static int
cs_id_parse(const char *s, uint8_t *id)
{
	size_t i;
	int hi, lo;

	if (s == NULL || strlen(s) != 2 * CONSENT_ID_LEN)
		return -1;
	for (i = 0; i < CONSENT_ID_LEN; i++) {
		if ((hi = str_hexval(s[2 * i])) < 0 || (lo = str_hexval(s[2 * i + 1])) < 0)
			return -1;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Returns 1 when entry A (issued, action, seq) goes before entry B: newer first; at the
 * same issue time a withdrawal first (the safe reading of a tie), then the later
 * registered. */
static int
cs_before(int64_t ai, int aa, uint64_t as, const struct cs_entry *b)
{
	if (ai != b->ce_issued)
		return ai > b->ce_issued;
	if (aa != b->ce_action)
		return aa == CONSENT_WITHDRAW;
	return as > b->ce_seq;
}

/* Inserts entry E[0..ELEN) of DOC (sequence SEQ) into PATIENT's entries inside TXN. */
static int
cs_index_insert(struct consent_store *cs, MDB_txn *txn, const struct consent_doc *doc,
    uint64_t seq, const uint8_t *e, size_t elen)
{
	const char *pid = doc->cd_patient;
	struct strbuf sb = { 0 };
	struct cs_entry ce;
	uint8_t hdr[CS_INDEX_HDR] = { 'I', 1, 0, 0 };
	const uint8_t *v = NULL;
	size_t vlen = 0, count = 0, off = CS_INDEX_HDR, at;
	MDB_val old;
	int rc, r;

	rc = store_get(txn, CS_DBI(cs, CS_DB_PID2CONSENTS), pid, strlen(pid), &old);
	if (rc == 0) {
		v = old.mv_data, vlen = old.mv_size;
		if (cs_index_check(v, vlen, &count) != 0)
			return CONSENT_E_CORRUPT;
	} else if (rc != MDB_NOTFOUND)
		return cs_store_err(rc);
	if (count >= CONSENT_PER_PATIENT_MAX)
		return CONSENT_E_TOOMANY;
	at = vlen > 0 ? vlen : CS_INDEX_HDR;
	r = 0;
	while (v != NULL && (r = cs_entry_next(v, vlen, &off, &ce)) == 1) {
		if (cs_before(doc->cd_issued, doc->cd_action, seq, &ce)) {
			at = ce.ce_off;
			break;
		}
	}
	if (r < 0)
		return CONSENT_E_CORRUPT;
	hdr[2] = (uint8_t)((count + 1) >> 8);
	hdr[3] = (uint8_t)(count + 1);
	(void)strbuf_add(&sb, hdr, sizeof(hdr));
	if (vlen > CS_INDEX_HDR)
		(void)strbuf_add(&sb, v + CS_INDEX_HDR, at - CS_INDEX_HDR);
	(void)strbuf_add(&sb, e, elen);
	if (vlen > at)
		(void)strbuf_add(&sb, v + at, vlen - at);
	if (sb.sb_failed)
		rc = CONSENT_E_NOMEM;
	else
		rc = cs_store_err(store_put(txn, CS_DBI(cs, CS_DB_PID2CONSENTS), pid, strlen(pid),
		    sb.sb_data, sb.sb_len, 0));
	strbuf_reset(&sb);
	return rc;
}

/* Sets the registration counter to the next number in *SEQ (stored inside TXN). */
static int
cs_next_seq(struct consent_store *cs, MDB_txn *txn, uint64_t *seq)
{
	uint8_t buf[8];
	MDB_val v;
	int rc;

	*seq = 1;
	rc = store_get(txn, CS_DBI(cs, CS_DB_META), META_SEQ, strlen(META_SEQ), &v);
	if (rc == 0 && v.mv_size == 8)
		*seq = store_get_be64(v.mv_data) + 1;
	else if (rc != MDB_NOTFOUND)
		return rc == 0 ? CONSENT_E_CORRUPT : cs_store_err(rc);
	store_put_be64(buf, *seq);
	return cs_store_err(store_put(txn, CS_DBI(cs, CS_DB_META), META_SEQ, strlen(META_SEQ),
	    buf, sizeof(buf), 0));
}

/* Encodes CI (id ID) into record REC and entry ENT. */
static int
cs_encode(const struct consent_info *ci, const uint8_t *id, const uint8_t *doc,
    size_t doclen, const uint8_t *sig, size_t siglen, struct strbuf *ent,
    struct strbuf *rec)
{
	int rc;

	if ((rc = cs_entry_encode(&ci->ci_doc, id, ci->ci_seq, ci->ci_status, ent)) != 0)
		return rc;
	if (ent->sb_failed)
		return CONSENT_E_NOMEM;
	return cs_rec_encode(ci, (const uint8_t *)ent->sb_data, ent->sb_len, doc, doclen, sig,
	    siglen, rec);
}

static int
cs_add_txn(struct consent_store *cs, MDB_txn *txn, const struct consent_info *in,
    const uint8_t *id, const uint8_t *doc, size_t doclen, const uint8_t *sig,
    size_t siglen)
{
	struct consent_info *ci;
	struct strbuf ent = { 0 }, rec = { 0 };
	int rc;

	if ((ci = malloc(sizeof(*ci))) == NULL)
		return CONSENT_E_NOMEM;
	*ci = *in;
	ci->ci_status = CONSENT_VALID;
	ci->ci_voided_at = ci->ci_revoked_at = 0;
	ci->ci_revoked_reason = CONSENT_REASON_NONE;
	ci->ci_void_why[0] = '\0';
	if ((rc = cs_next_seq(cs, txn, &ci->ci_seq)) != CONSENT_OK ||
	    (rc = cs_encode(ci, id, doc, doclen, sig, siglen, &ent, &rec)) != CONSENT_OK)
		goto done;
	rc = cs_store_err(store_put(txn, CS_DBI(cs, CS_DB_ID2CONSENT), id, CONSENT_ID_LEN,
	    rec.sb_data, rec.sb_len, MDB_NOOVERWRITE));
	if (rc == CONSENT_OK)
		rc = cs_index_insert(cs, txn, &ci->ci_doc, ci->ci_seq,
		    (const uint8_t *)ent.sb_data, ent.sb_len);
done:
	strbuf_reset(&ent);
	strbuf_reset(&rec);
	free(ci);
	return rc;
}

int
consent_store_add(struct consent_store *cs, const struct consent_info *ci,
    const uint8_t *doc, size_t doclen, const uint8_t *sig, size_t siglen, char *idhex)
{
	uint8_t id[CONSENT_ID_LEN];
	unsigned int mdlen = 0;
	MDB_txn *txn = NULL;
	int rc;

	if (idhex != NULL)
		idhex[0] = '\0';
	if (ci->ci_doc.cd_patient[0] == '\0' || sig == NULL || siglen == 0 ||
	    siglen > CONSENT_SIG_MAX || doc == NULL || doclen == 0 || doclen > CONSENT_DOC_MAX ||
	    memchr(ci->ci_doc.cd_patient, '\0', MPI_ID_MAX) == NULL ||
	    (ci->ci_doc.cd_action != CONSENT_GRANT && ci->ci_doc.cd_action != CONSENT_WITHDRAW))
		return CONSENT_E_INVALID;
	if (EVP_Digest(sig, siglen, id, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != CONSENT_ID_LEN)
		return CONSENT_E_NOMEM;
	if ((rc = store_begin(cs->cs_st, 0, &txn)) != 0) {
		log_warnx("consent: begin: %s", store_strerror(rc));
		return cs_store_err(rc);
	}
	if ((rc = cs_add_txn(cs, txn, ci, id, doc, doclen, sig, siglen)) != CONSENT_OK) {
		store_abort(txn);
		return rc;
	}
	if ((rc = store_commit(txn)) != 0) {
		log_warnx("consent: commit: %s", store_strerror(rc));
		return cs_store_err(rc);
	}
	if (idhex != NULL)
		consent_id_hex(id, idhex);
	return CONSENT_OK;
}

int
cs_get_txn(struct consent_store *cs, MDB_txn *txn, const uint8_t *id,
    struct consent_info *out, struct consent_blob *doc, struct consent_blob *sig)
{
	MDB_val v;
	int rc;

	if ((rc = store_get(txn, CS_DBI(cs, CS_DB_ID2CONSENT), id, CONSENT_ID_LEN, &v)) != 0)
		return cs_store_err(rc);
	if ((rc = cs_rec_decode(v.mv_data, v.mv_size, out, doc, sig)) != CONSENT_OK)
		return rc;
	consent_id_hex(id, out->ci_id);
	return CONSENT_OK;
}

int
consent_store_get(struct consent_store *cs, const char *idhex, struct consent_info *out,
    struct consent_blob *doc, struct consent_blob *sig)
{
	uint8_t id[CONSENT_ID_LEN];
	MDB_txn *txn = NULL;
	int rc;

	if (doc != NULL)
		doc->cb_data = NULL, doc->cb_len = 0;
	if (sig != NULL)
		sig->cb_data = NULL, sig->cb_len = 0;
	if (cs_id_parse(idhex, id) != 0)
		return CONSENT_E_INVALID;
	if ((rc = store_begin(cs->cs_st, 1, &txn)) != 0)
		return cs_store_err(rc);
	rc = cs_get_txn(cs, txn, id, out, doc, sig);
	store_abort(txn);
	if (rc != CONSENT_OK) {
		if (doc != NULL)
			free(doc->cb_data), doc->cb_data = NULL, doc->cb_len = 0;
		if (sig != NULL)
			free(sig->cb_data), sig->cb_data = NULL, sig->cb_len = 0;
	}
	return rc;
}

/* Sets the status of ID in PATIENT's entries inside TXN. */
static int
cs_index_status(struct consent_store *cs, MDB_txn *txn, const char *pid, const uint8_t *id,
    int status)
{
	struct cs_entry e;
	MDB_val v;
	uint8_t *copy;
	size_t off = CS_INDEX_HDR, count;
	int rc, r;

	rc = store_get(txn, CS_DBI(cs, CS_DB_PID2CONSENTS), pid, strlen(pid), &v);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? CONSENT_E_CORRUPT : cs_store_err(rc);
	if (cs_index_check(v.mv_data, v.mv_size, &count) != 0)
		return CONSENT_E_CORRUPT;
	while ((r = cs_entry_next(v.mv_data, v.mv_size, &off, &e)) == 1)
		if (memcmp(e.ce_id, id, CONSENT_ID_LEN) == 0)
			break;
	if (r != 1)
		return CONSENT_E_CORRUPT;
	if ((copy = malloc(v.mv_size)) == NULL)
		return CONSENT_E_NOMEM;
	memcpy(copy, v.mv_data, v.mv_size);
	copy[e.ce_off + 2] = (uint8_t)status;
	rc = cs_store_err(store_put(txn, CS_DBI(cs, CS_DB_PID2CONSENTS), pid, strlen(pid), copy,
	    v.mv_size, 0));
	free(copy);
	return rc;
}

int
cs_void_txn(struct consent_store *cs, MDB_txn *txn, const uint8_t *id, const char *why,
    int reason, int64_t revoked_at, int64_t now)
{
	struct consent_info *ci;
	struct consent_blob doc = { 0 }, sig = { 0 };
	struct strbuf ent = { 0 }, rec = { 0 };
	int rc;

	if ((ci = malloc(sizeof(*ci))) == NULL)
		return CONSENT_E_NOMEM;
	if ((rc = cs_get_txn(cs, txn, id, ci, &doc, &sig)) != CONSENT_OK ||
	    ci->ci_status == CONSENT_VOID)
		goto done;
	ci->ci_status = CONSENT_VOID;
	ci->ci_voided_at = now;
	ci->ci_revoked_reason = reason;
	ci->ci_revoked_at = revoked_at;
	if (str_copy(ci->ci_void_why, sizeof(ci->ci_void_why), why != NULL ? why : "") != 0)
		log_debug("consent: void reason cut");
	if ((rc = cs_encode(ci, id, doc.cb_data, doc.cb_len, sig.cb_data, sig.cb_len, &ent,
	    &rec)) != CONSENT_OK)
		goto done;
	rc = cs_store_err(store_put(txn, CS_DBI(cs, CS_DB_ID2CONSENT), id, CONSENT_ID_LEN,
	    rec.sb_data, rec.sb_len, 0));
	if (rc == CONSENT_OK)
		rc = cs_index_status(cs, txn, ci->ci_doc.cd_patient, id, CONSENT_VOID);
done:
	strbuf_reset(&ent);
	strbuf_reset(&rec);
	free(doc.cb_data);
	free(sig.cb_data);
	free(ci);
	return rc;
}

int
consent_store_void(struct consent_store *cs, const char *idhex, const char *why,
    int reason, int64_t revoked_at, int64_t now)
{
	uint8_t id[CONSENT_ID_LEN];
	MDB_txn *txn = NULL;
	int rc;

	if (cs_id_parse(idhex, id) != 0)
		return CONSENT_E_INVALID;
	if ((rc = store_begin(cs->cs_st, 0, &txn)) != 0)
		return cs_store_err(rc);
	if ((rc = cs_void_txn(cs, txn, id, why, reason, revoked_at, now)) != CONSENT_OK) {
		store_abort(txn);
		return rc;
	}
	return cs_store_err(store_commit(txn));
}
