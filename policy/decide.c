/* policy/decide: see decide.h. Reads the patient's decision entries in place (pointers
 * into the map, valid for the read transaction) and stops at the first valid one: the
 * entries are kept newest first by consent_store.c, so that is the deciding consent. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "policy/consent_int.h"
#include "policy/decide.h"

struct decide_reader {
	MDB_txn	*r_txn;
	MDB_dbi	 r_dbi;
};

static const char *const decide_texts[] = {
	[DECIDE_R_GRANTED] = "consent granted",
	[DECIDE_R_EMERGENCY] = "emergency access without consent",
	[DECIDE_R_NO_CONSENT] = "no consent",
	[DECIDE_R_WITHDRAWN] = "withdrawn",
	[DECIDE_R_EXPIRED] = "expired",
	[DECIDE_R_NOT_YET_VALID] = "not yet valid",
	[DECIDE_R_REGION] = "region not allowed",
	[DECIDE_R_PURPOSE] = "purpose not allowed",
	[DECIDE_R_CLASS] = "document class not allowed",
	[DECIDE_R_INVALID] = "invalid request",
	[DECIDE_R_ERROR] = "consent store error",
};

const char *
decide_reason_text(enum decide_reason r)
{
	if ((size_t)r >= sizeof(decide_texts) / sizeof(decide_texts[0]))
		return "unknown reason";
	return decide_texts[r];
}

const char *
decide_result_name(enum decide_result r)
{
	switch (r) {
	case DECIDE_DENY: return "DENY";
	case DECIDE_ALLOW: return "ALLOW";
	case DECIDE_ALLOW_EMERGENCY: return "ALLOW_EMERGENCY";
	}
	return "DENY";
}

static void
d_set(struct decision *out, enum decide_result res, enum decide_reason why)
{
	out->d_result = res;
	out->d_reason = why;
	out->d_text = decide_texts[why];
	if (res == DECIDE_DENY)
		out->d_nclasses = 0, out->d_classes[0] = '\0';
}

/* Walks the N strings at *S (advancing past all of them); returns 1 when one is WANT
 * (compared after SKIP bytes: the "urn:oid:" of a stored community). */
static int
d_in(const char **s, size_t n, const char *want, size_t skip)
{
	const char *p = *s;
	size_t i, len;
	int found = 0;

	for (i = 0; i < n; i++) {
		len = strlen(p);
		if (!found && len >= skip && strcmp(p + skip, want) == 0)
			found = 1;
		p += len + 1;
	}
	*s = p;
	return found;
}

/* Returns 1 when D lists no classes, or lists CLS (NULL: a document without a class). */
static int
d_listed(const struct decision *d, const char *cls)
{
	const char *p = d->d_classes;
	size_t i;

	if (d->d_nclasses == 0)
		return 1;
	if (cls == NULL)
		return 0;
	for (i = 0; i < d->d_nclasses; i++) {
		if (strcmp(p, cls) == 0)
			return 1;
		p += strlen(p) + 1;
	}
	return 0;
}

/* Applies grant E to the request; returns the reason (GRANTED when it covers it) and
 * copies its class list into OUT. */
static enum decide_reason
d_grant(const struct cs_entry *e, const char *oid, const char *purpose, int64_t t,
    struct decision *out)
{
	const char *s = e->ce_strings;
	size_t clen;
	int region, purp;

	region = d_in(&s, e->ce_nreg, oid, 8) || (e->ce_flags & CS_F_ALL);
	purp = d_in(&s, e->ce_npur, purpose, 0);
	clen = (size_t)(e->ce_strings + e->ce_slen - s);
	if (clen > sizeof(out->d_classes))
		return DECIDE_R_ERROR;	/* more than a document can hold: damaged */
	out->d_nclasses = e->ce_ncls;
	memcpy(out->d_classes, s, clen);
	if (t < e->ce_from)
		return DECIDE_R_NOT_YET_VALID;
	if (t > e->ce_to)
		return DECIDE_R_EXPIRED;
	if (!region)
		return DECIDE_R_REGION;
	if (!purp)
		return DECIDE_R_PURPOSE;
	return DECIDE_R_GRANTED;
}

/* Decides from the patient's entries V[0..LEN) (NULL: none). EMERGENCY: break-glass. */
static int
d_eval(const uint8_t *v, size_t len, const char *oid, const char *purpose, const char *cls,
    int64_t t, int emergency, struct decision *out)
{
	struct cs_entry e;
	enum decide_reason why;
	size_t off = CS_INDEX_HDR, count;
	int r = 0;

	if (v != NULL) {
		if (cs_index_check(v, len, &count) != 0)
			r = -1;
		while (r == 0 && (r = cs_entry_next(v, len, &off, &e)) == 1 &&
		    e.ce_status != CONSENT_VALID)
			r = 0;
		if (r < 0) {
			log_warnx("consent: damaged decision entries");
			d_set(out, DECIDE_DENY, DECIDE_R_ERROR);
			return -1;
		}
	}
	if (r == 0) {
		if (emergency)
			d_set(out, DECIDE_ALLOW_EMERGENCY, DECIDE_R_EMERGENCY);
		else
			d_set(out, DECIDE_DENY, DECIDE_R_NO_CONSENT);
		return 0;
	}
	out->d_have_consent = 1;
	memcpy(out->d_consent, e.ce_id, CONSENT_ID_LEN);
	if (e.ce_action == CONSENT_WITHDRAW) {
		d_set(out, DECIDE_DENY, DECIDE_R_WITHDRAWN);
		return 0;
	}
	why = d_grant(&e, oid, purpose, t, out);
	if (why == DECIDE_R_ERROR) {
		log_warnx("consent: damaged decision entry");
		d_set(out, DECIDE_DENY, why);
		return -1;
	}
	if (why != DECIDE_R_GRANTED && !emergency) {
		d_set(out, DECIDE_DENY, why);
		return 0;
	}
	if (cls != NULL && !d_listed(out, cls)) {
		d_set(out, DECIDE_DENY, DECIDE_R_CLASS);
		return 0;
	}
	if (why == DECIDE_R_GRANTED)
		d_set(out, DECIDE_ALLOW, DECIDE_R_GRANTED);
	else
		d_set(out, DECIDE_ALLOW_EMERGENCY, DECIDE_R_EMERGENCY);
	return 0;
}

int
decide_class_allowed(const struct decision *d, const char *cls)
{
	return d->d_result != DECIDE_DENY && d_listed(d, cls);
}

/* The OID of a requesting community: HCID without its "urn:oid:" prefix. */
static const char *
d_oid(const char *hcid)
{
	if (strncasecmp(hcid, "urn:oid:", 8) == 0)
		return hcid + 8;
	return hcid;
}

static int
d_run(MDB_txn *txn, MDB_dbi dbi, const char *patient, const char *hcid, const char *purpose,
    const char *cls, int64_t t, int emergency, struct decision *out)
{
	MDB_val k, v;
	int rc;

	out->d_have_consent = 0;
	out->d_nclasses = 0;
	out->d_classes[0] = '\0';
	if (patient == NULL || hcid == NULL || purpose == NULL || patient[0] == '\0' ||
	    d_oid(hcid)[0] == '\0' || purpose[0] == '\0') {
		d_set(out, DECIDE_DENY, DECIDE_R_INVALID);
		return -1;
	}
	k.mv_data = (void *)(uintptr_t)patient;
	k.mv_size = strlen(patient);
	if (k.mv_size == 0 || k.mv_size > 511) {
		d_set(out, DECIDE_DENY, DECIDE_R_INVALID);
		return -1;
	}
	if ((rc = mdb_get(txn, dbi, &k, &v)) == MDB_NOTFOUND)
		return d_eval(NULL, 0, d_oid(hcid), purpose, cls, t, emergency, out);
	if (rc != 0) {
		log_warnx("consent: decide: %s", store_strerror(rc));
		d_set(out, DECIDE_DENY, DECIDE_R_ERROR);
		return -1;
	}
	return d_eval(v.mv_data, v.mv_size, d_oid(hcid), purpose, cls, t, emergency, out);
}

int
decide_reader_begin(struct consent_store *cs, struct decide_reader **rp)
{
	struct decide_reader *r;
	int rc;

	*rp = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return CONSENT_E_NOMEM;
	if ((rc = store_begin(cs->cs_st, 1, &r->r_txn)) != 0) {
		free(r);
		return cs_store_err(rc);
	}
	r->r_dbi = CS_DBI(cs, CS_DB_PID2CONSENTS);
	*rp = r;
	return CONSENT_OK;
}

void
decide_reader_end(struct decide_reader *r)
{
	if (r == NULL)
		return;
	store_abort(r->r_txn);
	free(r);
}

int
decide_r(struct decide_reader *r, const char *patient, const char *hcid, const char *purpose,
    const char *doc_class, int64_t time, struct decision *out)
{
	return d_run(r->r_txn, r->r_dbi, patient, hcid, purpose, doc_class, time, 0, out);
}

int
decide_emergency_r(struct decide_reader *r, const char *patient, const char *hcid,
    const char *doc_class, int64_t time, struct decision *out)
{
	return d_run(r->r_txn, r->r_dbi, patient, hcid, DECIDE_PURPOSE_EMERGENCY, doc_class,
	    time, 1, out);
}

/* One decision in its own short read transaction. */
static int
d_once(struct consent_store *cs, const char *patient, const char *hcid, const char *purpose,
    const char *cls, int64_t t, int emergency, struct decision *out)
{
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = store_begin(cs->cs_st, 1, &txn)) != 0) {
		log_warnx("consent: decide: %s", store_strerror(rc));
		out->d_have_consent = 0;
		d_set(out, DECIDE_DENY, DECIDE_R_ERROR);
		return -1;
	}
	rc = d_run(txn, CS_DBI(cs, CS_DB_PID2CONSENTS), patient, hcid, purpose, cls, t,
	    emergency, out);
	store_abort(txn);
	return rc;
}

int
decide(struct consent_store *cs, const char *patient, const char *hcid, const char *purpose,
    const char *doc_class, int64_t time, struct decision *out)
{
	return d_once(cs, patient, hcid, purpose, doc_class, time, 0, out);
}

int
decide_emergency(struct consent_store *cs, const char *patient, const char *hcid,
    const char *doc_class, int64_t time, struct decision *out)
{
	return d_once(cs, patient, hcid, DECIDE_PURPOSE_EMERGENCY, doc_class, time, 1, out);
}
