/* policy/consent_recheck: the revocation re-check of stored consents (consent_store.h).
 * JPKI signing certificates are revoked automatically when the holder moves or changes
 * name (affiliationChanged); that says nothing against a consent verified before, which
 * must keep working. Any other revocation (keyCompromise when a card is lost, ...) may
 * mean someone else signed: the consent is void. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "policy/consent_int.h"

const char *
consent_crl_reason_name(int reason)
{
	static const char *const names[] = {
		"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
		"superseded", "cessationOfOperation", "certificateHold", "unknown(7)",
		"removeFromCRL", "privilegeWithdrawn", "aACompromise"
	};

	if (reason == CONSENT_REASON_NONE)
		return "none";
	if (reason < 0 || (size_t)reason >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[reason];
}

/* A consent to void, found during the scan. */
struct rc_void {
	uint8_t	rv_id[CONSENT_ID_LEN];
	int	rv_reason;
	int64_t	rv_when;
	int	rv_early;	/* affiliationChanged dated before the verification */
};

/* Decides about the consent CI: 1 to void (*V filled), 0 to keep, -1 when FN failed. */
static int
rc_check(const struct consent_info *ci, consent_revoked_fn fn, const void *arg,
    struct rc_void *v)
{
	time_t when = 0;
	int reason = JPKI_REASON_UNSPECIFIED, r;

	if (ci->ci_status != CONSENT_VALID)
		return 0;
	if ((r = fn(arg, ci->ci_issuer, ci->ci_serial, &reason, &when)) <= 0)
		return r;
	if (reason == JPKI_REASON_AFFILIATION_CHANGED && (int64_t)when >= ci->ci_verified_at)
		return 0;
	v->rv_reason = reason;
	v->rv_when = (int64_t)when;
	v->rv_early = reason == JPKI_REASON_AFFILIATION_CHANGED;
	return 1;
}

/* Scans every record inside TXN, collecting those to void into *VS (*NV of them). */
static int
rc_scan(struct consent_store *cs, MDB_txn *txn, consent_revoked_fn fn, const void *arg,
    struct rc_void **vs, size_t *nv)
{
	struct consent_info *ci;
	struct rc_void *grown;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t cap = 0;
	int rc, r, op = MDB_FIRST;

	if ((ci = malloc(sizeof(*ci))) == NULL)
		return CONSENT_E_NOMEM;
	if ((rc = mdb_cursor_open(txn, CS_DBI(cs, CS_DB_ID2CONSENT), &cur)) != 0) {
		rc = cs_store_err(rc);
		goto done;
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != CONSENT_ID_LEN ||
		    (rc = cs_rec_decode(v.mv_data, v.mv_size, ci, NULL, NULL)) != CONSENT_OK) {
			rc = CONSENT_E_CORRUPT;
			goto done;
		}
		if (*nv == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((grown = reallocarray(*vs, cap, sizeof(**vs))) == NULL) {
				rc = CONSENT_E_NOMEM;
				goto done;
			}
			*vs = grown;
		}
		if ((r = rc_check(ci, fn, arg, &(*vs)[*nv])) < 0) {
			log_warnx("consent: revocation check failed for serial %s", ci->ci_serial);
			rc = CONSENT_E_STORE;
			goto done;
		}
		if (r == 1)
			memcpy((*vs)[(*nv)++].rv_id, k.mv_data, CONSENT_ID_LEN);
	}
	rc = rc == MDB_NOTFOUND ? CONSENT_OK : cs_store_err(rc);
done:
	mdb_cursor_close(cur);
	free(ci);
	return rc;
}

int
consent_store_recheck(struct consent_store *cs, consent_revoked_fn fn, const void *arg,
    int64_t now, size_t *nvoided)
{
	struct rc_void *vs = NULL;
	MDB_txn *txn = NULL;
	char why[CONSENT_WHY_MAX], idhex[CONSENT_ID_HEX];
	size_t nv = 0, i;
	int rc;

	if (nvoided != NULL)
		*nvoided = 0;
	if (fn == NULL)
		return CONSENT_E_INVALID;
	if ((rc = store_begin(cs->cs_st, 0, &txn)) != 0)
		return cs_store_err(rc);
	if ((rc = rc_scan(cs, txn, fn, arg, &vs, &nv)) != CONSENT_OK)
		goto fail;
	for (i = 0; i < nv; i++) {
		(void)snprintf(why, sizeof(why), "certificate revoked: %s%s",
		    consent_crl_reason_name(vs[i].rv_reason),
		    vs[i].rv_early ? " before the consent was verified" : "");
		rc = cs_void_txn(cs, txn, vs[i].rv_id, why, vs[i].rv_reason, vs[i].rv_when, now);
		if (rc != CONSENT_OK)
			goto fail;
	}
	if ((rc = store_commit(txn)) != 0) {
		log_warnx("consent: re-check commit: %s", store_strerror(rc));
		free(vs);
		return cs_store_err(rc);
	}
	for (i = 0; i < nv; i++) {
		consent_id_hex(vs[i].rv_id, idhex);
		log_info("consent: %s void: certificate revoked (%s)", idhex,
		    consent_crl_reason_name(vs[i].rv_reason));
	}
	free(vs);
	if (nvoided != NULL)
		*nvoided = nv;
	return CONSENT_OK;
fail:
	store_abort(txn);
	free(vs);
	return rc;
}
