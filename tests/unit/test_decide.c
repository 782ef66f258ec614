/* Unit tests for policy/consent_store and policy/decide against a real LMDB environment in
 * a temporary directory. Consents are stored directly (consent_store_add with parsed
 * fields; no signature checking here: registration end to end is tested with a test PKI).
 * The revocation re-check runs with a fake CRL lookup. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/str.h"
#include "policy/consent_store.h"
#include "policy/decide.h"

#define PAT	"P0001^^^&1.2.392.200119.6.102.33.1&ISO"
#define PAT2	"P0002^^^&1.2.392.200119.6.102.33.1&ISO"
#define PEER1	"urn:oid:1.2.392.200119.6.102.34"
#define PEER2	"urn:oid:1.2.392.200119.6.102.35"
#define PEER3	"urn:oid:1.2.392.200119.6.102.36"
#define DAY	86400
#define T0	1711897200	/* 2024-04-01T00:00:00+09:00 */

static char tmpdir[256], envdir[300];
static struct consent_store *cs;
static int nsig;	/* makes every fake signature unique */


static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-decide.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(envdir, sizeof(envdir), "%s/policy", tmpdir);
	cs = consent_store_open(envdir, 64 << 20);
	return cs == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	consent_store_close(cs);
	cs = NULL;
	return tmpdir_remove(tmpdir);
}

/* A grant of PAT for PEER1 (clinical, emergency) valid T0 .. T0 + 365 days, issued T0. */
static void
grant(struct consent_info *ci)
{
	struct consent_doc *d = &ci->ci_doc;

	memset(ci, 0, sizeof(*ci));
	str_copy(d->cd_patient, sizeof(d->cd_patient), PAT);
	d->cd_action = CONSENT_GRANT;
	d->cd_issued = T0;
	d->cd_nregions = 1;
	str_copy(d->cd_regions[0], MPI_HCID_MAX, PEER1);
	d->cd_npurposes = 2;
	str_copy(d->cd_purposes[0], CONSENT_TOKEN_MAX, "clinical");
	str_copy(d->cd_purposes[1], CONSENT_TOKEN_MAX, "emergency");
	d->cd_from = T0;
	d->cd_to = T0 + 365 * DAY - 1;
	ci->ci_verified_at = T0 + 60;
	ci->ci_signing_time = T0 + 30;
	str_copy(ci->ci_serial, sizeof(ci->ci_serial), "0A1B");
	str_copy(ci->ci_issuer, sizeof(ci->ci_issuer), "CN=Test JPKI CA,O=JPKI-TEST,C=JP");
	memset(ci->ci_cert_sha256, 0xAB, sizeof(ci->ci_cert_sha256));
}

static void
withdrawal(struct consent_info *ci, int64_t issued)
{
	memset(ci, 0, sizeof(*ci));
	str_copy(ci->ci_doc.cd_patient, sizeof(ci->ci_doc.cd_patient), PAT);
	ci->ci_doc.cd_action = CONSENT_WITHDRAW;
	ci->ci_doc.cd_issued = issued;
	ci->ci_verified_at = issued + 60;
	str_copy(ci->ci_serial, sizeof(ci->ci_serial), "0A1B");
	str_copy(ci->ci_issuer, sizeof(ci->ci_issuer), "CN=Test JPKI CA,O=JPKI-TEST,C=JP");
}

/* Stores CI with a fresh fake signature; writes its id into ID (may be NULL). */
static void
add(const struct consent_info *ci, char *id)
{
	char sig[32], doc[] = "<consent/>";
	char tmp[CONSENT_ID_HEX];

	snprintf(sig, sizeof(sig), "sig-%d", ++nsig);
	assert_int_equal(consent_store_add(cs, ci, (const uint8_t *)doc, strlen(doc),
	    (const uint8_t *)sig, strlen(sig), id != NULL ? id : tmp), CONSENT_OK);
}

/* Decides for PAT at TIME and checks result and reason. */
static void
expect(const char *hcid, const char *purpose, const char *cls, int64_t time,
    enum decide_result res, enum decide_reason why)
{
	struct decision d;

	assert_int_equal(decide(cs, PAT, hcid, purpose, cls, time, &d), 0);
	if (d.d_result != res || d.d_reason != why)
		fail_msg("%s %s %s: got %s \"%s\", want %s \"%s\"", hcid, purpose,
		    cls != NULL ? cls : "-", decide_result_name(d.d_result), d.d_text,
		    decide_result_name(res), decide_reason_text(why));
	assert_string_equal(d.d_text, decide_reason_text(why));
}

static void
test_no_consent(void **state)
{
	struct decision d;

	(void)state;
	assert_int_equal(decide(cs, PAT, PEER1, "clinical", NULL, T0, &d), 0);
	assert_int_equal(d.d_result, DECIDE_DENY);
	assert_int_equal(d.d_reason, DECIDE_R_NO_CONSENT);
	assert_string_equal(d.d_text, "no consent");
	assert_int_equal(d.d_have_consent, 0);
	assert_false(decide_class_allowed(&d, NULL));
	/* bad input is a DENY too */
	assert_int_equal(decide(cs, PAT, "", "clinical", NULL, T0, &d), -1);
	assert_int_equal(d.d_result, DECIDE_DENY);
	assert_int_equal(d.d_reason, DECIDE_R_INVALID);
	assert_int_equal(decide(cs, NULL, PEER1, "clinical", NULL, T0, &d), -1);
	assert_int_equal(decide(cs, PAT, PEER1, NULL, NULL, T0, &d), -1);
}

static void
test_grant(void **state)
{
	struct consent_info ci;
	struct decision d;
	char id[CONSENT_ID_HEX], got[CONSENT_ID_HEX];

	(void)state;
	grant(&ci);
	add(&ci, id);
	assert_int_equal(strlen(id), 64);
	assert_int_equal(decide(cs, PAT, PEER1, "clinical", NULL, T0 + DAY, &d), 0);
	assert_int_equal(d.d_result, DECIDE_ALLOW);
	assert_int_equal(d.d_reason, DECIDE_R_GRANTED);
	assert_int_equal(d.d_have_consent, 1);
	consent_id_hex(d.d_consent, got);
	assert_string_equal(got, id);
	assert_int_equal(d.d_nclasses, 0);
	assert_true(decide_class_allowed(&d, "34133-9"));
	assert_true(decide_class_allowed(&d, NULL));
	/* the bare OID of the community works as well */
	expect("1.2.392.200119.6.102.34", "clinical", NULL, T0, DECIDE_ALLOW, DECIDE_R_GRANTED);
	/* the period is inclusive at both ends */
	expect(PEER1, "clinical", NULL, T0 + 365 * DAY - 1, DECIDE_ALLOW, DECIDE_R_GRANTED);
	expect(PEER1, "clinical", NULL, T0 + 365 * DAY, DECIDE_DENY, DECIDE_R_EXPIRED);
	expect(PEER1, "clinical", NULL, T0 - 1, DECIDE_DENY, DECIDE_R_NOT_YET_VALID);
	expect(PEER2, "clinical", NULL, T0, DECIDE_DENY, DECIDE_R_REGION);
	expect(PEER1, "imaging", NULL, T0, DECIDE_DENY, DECIDE_R_PURPOSE);
	expect(PEER1, "Clinical", NULL, T0, DECIDE_DENY, DECIDE_R_PURPOSE);
	/* another patient has none */
	assert_int_equal(decide(cs, PAT2, PEER1, "clinical", NULL, T0, &d), 0);
	assert_int_equal(d.d_reason, DECIDE_R_NO_CONSENT);
}

static void
test_all_regions_open_end(void **state)
{
	struct consent_info ci;

	(void)state;
	grant(&ci);
	ci.ci_doc.cd_nregions = 0;
	ci.ci_doc.cd_all_regions = 1;
	ci.ci_doc.cd_to = CONSENT_TIME_OPEN;
	add(&ci, NULL);
	expect(PEER3, "clinical", NULL, T0 + 3650 * DAY, DECIDE_ALLOW, DECIDE_R_GRANTED);
	expect(PEER3, "imaging", NULL, T0, DECIDE_DENY, DECIDE_R_PURPOSE);
}

static void
test_withdraw_order(void **state)
{
	struct consent_info ci;

	(void)state;
	grant(&ci);
	add(&ci, NULL);
	withdrawal(&ci, T0 + 10 * DAY);
	add(&ci, NULL);
	expect(PEER1, "clinical", NULL, T0 + 20 * DAY, DECIDE_DENY, DECIDE_R_WITHDRAWN);
	/* the withdrawal ends the grant whatever the time asked about */
	expect(PEER1, "clinical", NULL, T0 + DAY, DECIDE_DENY, DECIDE_R_WITHDRAWN);
	/* a newer grant wins over the older withdrawal, even registered before a replayed
	 * older grant */
	grant(&ci);
	ci.ci_doc.cd_issued = T0 + 30 * DAY;
	ci.ci_doc.cd_nregions = 2;
	str_copy(ci.ci_doc.cd_regions[1], MPI_HCID_MAX, PEER2);
	add(&ci, NULL);
	grant(&ci);
	ci.ci_doc.cd_issued = T0 + 5 * DAY;	/* older, registered last */
	ci.ci_doc.cd_nregions = 0;
	ci.ci_doc.cd_all_regions = 1;
	add(&ci, NULL);
	expect(PEER2, "clinical", NULL, T0 + 40 * DAY, DECIDE_ALLOW, DECIDE_R_GRANTED);
	expect(PEER3, "clinical", NULL, T0 + 40 * DAY, DECIDE_DENY, DECIDE_R_REGION);
}

static void
test_older_withdraw_registered_later(void **state)
{
	struct consent_info ci;
	struct consent_list l;

	(void)state;
	grant(&ci);
	ci.ci_doc.cd_issued = T0 + 10 * DAY;
	add(&ci, NULL);
	withdrawal(&ci, T0 + 5 * DAY);
	add(&ci, NULL);
	expect(PEER1, "clinical", NULL, T0 + 20 * DAY, DECIDE_ALLOW, DECIDE_R_GRANTED);
	/* a withdrawal issued at the same second as a grant wins the tie */
	withdrawal(&ci, T0 + 10 * DAY);
	add(&ci, NULL);
	expect(PEER1, "clinical", NULL, T0 + 20 * DAY, DECIDE_DENY, DECIDE_R_WITHDRAWN);
	assert_int_equal(consent_store_list(cs, PAT, &l), CONSENT_OK);
	assert_int_equal(l.cl_n, 3);
	assert_int_equal(l.cl_info[0].ci_doc.cd_action, CONSENT_WITHDRAW);
	assert_true(l.cl_info[0].ci_doc.cd_issued == T0 + 10 * DAY);
	assert_int_equal(l.cl_info[1].ci_doc.cd_action, CONSENT_GRANT);
	assert_true(l.cl_info[2].ci_doc.cd_issued == T0 + 5 * DAY);
	consent_list_free(&l);
}

static void
test_classes(void **state)
{
	struct consent_info ci;
	struct decision d;

	(void)state;
	grant(&ci);
	ci.ci_doc.cd_nclasses = 2;
	str_copy(ci.ci_doc.cd_classes[0], CONSENT_TOKEN_MAX, "11488-4");
	str_copy(ci.ci_doc.cd_classes[1], CONSENT_TOKEN_MAX, "34133-9");
	add(&ci, NULL);
	expect(PEER1, "clinical", "34133-9", T0, DECIDE_ALLOW, DECIDE_R_GRANTED);
	expect(PEER1, "clinical", "18842-5", T0, DECIDE_DENY, DECIDE_R_CLASS);
	/* any class: allowed, and the gateway filters document by document */
	assert_int_equal(decide(cs, PAT, PEER1, "clinical", NULL, T0, &d), 0);
	assert_int_equal(d.d_result, DECIDE_ALLOW);
	assert_int_equal(d.d_nclasses, 2);
	assert_true(decide_class_allowed(&d, "11488-4"));
	assert_true(decide_class_allowed(&d, "34133-9"));
	assert_false(decide_class_allowed(&d, "18842-5"));
	assert_false(decide_class_allowed(&d, "34133"));
	assert_false(decide_class_allowed(&d, NULL));
	/* a denial allows no class */
	assert_int_equal(decide(cs, PAT, PEER2, "clinical", NULL, T0, &d), 0);
	assert_false(decide_class_allowed(&d, "11488-4"));
}

static void
test_emergency(void **state)
{
	struct consent_info ci;
	struct decision d;

	(void)state;
	/* no consent at all: break-glass */
	assert_int_equal(decide_emergency(cs, PAT, PEER2, NULL, T0, &d), 0);
	assert_int_equal(d.d_result, DECIDE_ALLOW_EMERGENCY);
	assert_int_equal(d.d_reason, DECIDE_R_EMERGENCY);
	assert_int_equal(d.d_have_consent, 0);
	assert_true(decide_class_allowed(&d, "11488-4"));
	/* a grant covering emergency for that community: an ordinary ALLOW */
	grant(&ci);
	ci.ci_doc.cd_nclasses = 1;
	str_copy(ci.ci_doc.cd_classes[0], CONSENT_TOKEN_MAX, "11488-4");
	add(&ci, NULL);
	assert_int_equal(decide_emergency(cs, PAT, PEER1, NULL, T0, &d), 0);
	assert_int_equal(d.d_result, DECIDE_ALLOW);
	assert_int_equal(d.d_reason, DECIDE_R_GRANTED);
	/* a grant that does not cover it (other region, expired): break-glass, but the
	 * grant's class list still applies */
	assert_int_equal(decide_emergency(cs, PAT, PEER2, NULL, T0, &d), 0);
	assert_int_equal(d.d_result, DECIDE_ALLOW_EMERGENCY);
	assert_true(decide_class_allowed(&d, "11488-4"));
	assert_false(decide_class_allowed(&d, "34133-9"));
	assert_int_equal(decide_emergency(cs, PAT, PEER2, "34133-9", T0, &d), 0);
	assert_int_equal(d.d_result, DECIDE_DENY);
	assert_int_equal(d.d_reason, DECIDE_R_CLASS);
	assert_int_equal(decide_emergency(cs, PAT, PEER1, NULL, T0 + 400 * DAY, &d), 0);
	assert_int_equal(d.d_result, DECIDE_ALLOW_EMERGENCY);
	/* the ordinary decision for the same request is still a DENY */
	expect(PEER2, "emergency", NULL, T0, DECIDE_DENY, DECIDE_R_REGION);
	/* an explicit withdrawal is respected */
	withdrawal(&ci, T0 + DAY);
	add(&ci, NULL);
	assert_int_equal(decide_emergency(cs, PAT, PEER1, NULL, T0 + 2 * DAY, &d), 0);
	assert_int_equal(d.d_result, DECIDE_DENY);
	assert_int_equal(d.d_reason, DECIDE_R_WITHDRAWN);
}

/* A fake CRL: serial "0A1B" revoked with reason fake_reason at fake_when; "FFFF" makes
 * the lookup fail. */
static int fake_reason;
static time_t fake_when;

static int
fake_revoked(const void *arg, const char *issuer, const char *serial, int *reason,
    time_t *when)
{
	(void)issuer;
	assert_ptr_equal(arg, &fake_reason);
	if (strcmp(serial, "FFFF") == 0)
		return -1;
	if (strcmp(serial, "0A1B") != 0)
		return 0;
	*reason = fake_reason;
	*when = fake_when;
	return 1;
}

static void
test_revoked(void **state)
{
	struct consent_info ci, got;
	char id[CONSENT_ID_HEX], other[CONSENT_ID_HEX];
	size_t n = 99;

	(void)state;
	grant(&ci);
	add(&ci, id);
	grant(&ci);
	ci.ci_doc.cd_issued = T0 - DAY;		/* an older grant by another card */
	ci.ci_doc.cd_nregions = 0;
	ci.ci_doc.cd_all_regions = 1;
	str_copy(ci.ci_serial, sizeof(ci.ci_serial), "0C0D");
	add(&ci, other);
	/* the holder moved after the consent was verified: it stays valid */
	fake_reason = JPKI_REASON_AFFILIATION_CHANGED;
	fake_when = T0 + 100 * DAY;
	assert_int_equal(consent_store_recheck(cs, fake_revoked, &fake_reason, T0 + 101 * DAY,
	    &n), CONSENT_OK);
	assert_int_equal(n, 0);
	expect(PEER1, "clinical", NULL, T0 + 101 * DAY, DECIDE_ALLOW, DECIDE_R_GRANTED);
	/* an affiliationChanged dated before the verification: the certificate was already
	 * revoked when we accepted it */
	fake_when = T0;
	assert_int_equal(consent_store_recheck(cs, fake_revoked, &fake_reason, T0 + 101 * DAY,
	    &n), CONSENT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(consent_store_get(cs, id, &got, NULL, NULL), CONSENT_OK);
	assert_int_equal(got.ci_status, CONSENT_VOID);
	assert_int_equal(got.ci_revoked_reason, JPKI_REASON_AFFILIATION_CHANGED);
	/* the void newest grant no longer counts: the older valid one decides */
	expect(PEER3, "clinical", NULL, T0 + 101 * DAY, DECIDE_ALLOW, DECIDE_R_GRANTED);
	/* a second re-check voids nothing more; a failing lookup voids nothing at all */
	assert_int_equal(consent_store_recheck(cs, fake_revoked, &fake_reason, T0 + 102 * DAY,
	    &n), CONSENT_OK);
	assert_int_equal(n, 0);
	assert_int_equal(consent_store_void(cs, other, "operator: wrong patient", -1, 0,
	    T0 + 103 * DAY), CONSENT_OK);
	expect(PEER3, "clinical", NULL, T0 + 103 * DAY, DECIDE_DENY, DECIDE_R_NO_CONSENT);
	assert_int_equal(consent_store_get(cs, other, &got, NULL, NULL), CONSENT_OK);
	assert_string_equal(got.ci_void_why, "operator: wrong patient");
	assert_true(got.ci_voided_at == T0 + 103 * DAY);
}

static void
test_key_compromise(void **state)
{
	struct consent_info ci, got;
	struct consent_list l;
	char id[CONSENT_ID_HEX];
	size_t n = 99, i;

	(void)state;
	grant(&ci);
	str_copy(ci.ci_serial, sizeof(ci.ci_serial), "FFFF");
	add(&ci, NULL);
	grant(&ci);
	ci.ci_doc.cd_issued = T0 + DAY;
	add(&ci, id);
	fake_reason = 1;	/* keyCompromise, dated long after the verification */
	fake_when = T0 + 200 * DAY;
	/* the lookup of FFFF fails: nothing at all is voided (one transaction) */
	assert_int_equal(consent_store_recheck(cs, fake_revoked, &fake_reason, T0 + 201 * DAY,
	    &n), CONSENT_E_STORE);
	assert_int_equal(n, 0);
	assert_int_equal(consent_store_get(cs, id, &got, NULL, NULL), CONSENT_OK);
	assert_int_equal(got.ci_status, CONSENT_VALID);
	/* an operator voids the FFFF one; void consents are not asked about again */
	assert_int_equal(consent_store_list(cs, PAT, &l), CONSENT_OK);
	assert_int_equal(l.cl_n, 2);
	for (i = 0; i < l.cl_n; i++)
		if (strcmp(l.cl_info[i].ci_serial, "FFFF") == 0)
			assert_int_equal(consent_store_void(cs, l.cl_info[i].ci_id, "test", -1, 0,
			    T0), CONSENT_OK);
	consent_list_free(&l);
	expect(PEER1, "clinical", NULL, T0 + 2 * DAY, DECIDE_ALLOW, DECIDE_R_GRANTED);
	assert_int_equal(consent_store_recheck(cs, fake_revoked, &fake_reason, T0 + 201 * DAY,
	    &n), CONSENT_OK);
	assert_int_equal(n, 1);
	expect(PEER1, "clinical", NULL, T0 + 201 * DAY, DECIDE_DENY, DECIDE_R_NO_CONSENT);
	assert_int_equal(consent_store_get(cs, id, &got, NULL, NULL), CONSENT_OK);
	assert_int_equal(got.ci_status, CONSENT_VOID);
	assert_int_equal(got.ci_revoked_reason, 1);
	assert_string_equal(got.ci_void_why, "certificate revoked: keyCompromise");
	assert_true(got.ci_revoked_at == T0 + 200 * DAY);
	assert_true(got.ci_voided_at == T0 + 201 * DAY);
	/* voiding again keeps the first reason */
	assert_int_equal(consent_store_void(cs, id, "again", -1, 0, T0 + 300 * DAY),
	    CONSENT_OK);
	assert_int_equal(consent_store_get(cs, id, &got, NULL, NULL), CONSENT_OK);
	assert_string_equal(got.ci_void_why, "certificate revoked: keyCompromise");
}

static void
test_store(void **state)
{
	struct consent_info ci, got;
	struct consent_blob doc, sig;
	struct consent_list l;
	struct stat st;
	char id[CONSENT_ID_HEX], path[400];
	const char *d = "<consent>bytes</consent>", *s = "\x30\x82signature";

	(void)state;
	grant(&ci);
	str_copy(ci.ci_doc.cd_docid, sizeof(ci.ci_doc.cd_docid), "urn:uuid:1234");
	assert_int_equal(consent_store_add(cs, &ci, (const uint8_t *)d, strlen(d),
	    (const uint8_t *)s, strlen(s), id), CONSENT_OK);
	/* the same signature again */
	assert_int_equal(consent_store_add(cs, &ci, (const uint8_t *)d, strlen(d),
	    (const uint8_t *)s, strlen(s), NULL), CONSENT_E_EXISTS);
	assert_int_equal(consent_store_get(cs, id, &got, &doc, &sig), CONSENT_OK);
	assert_string_equal(got.ci_id, id);
	assert_int_equal(got.ci_seq, 1);
	assert_int_equal(got.ci_status, CONSENT_VALID);
	assert_int_equal(got.ci_revoked_reason, CONSENT_REASON_NONE);
	assert_string_equal(got.ci_doc.cd_patient, PAT);
	assert_string_equal(got.ci_doc.cd_docid, "urn:uuid:1234");
	assert_string_equal(got.ci_doc.cd_regions[0], PEER1);
	assert_string_equal(got.ci_doc.cd_purposes[1], "emergency");
	assert_true(got.ci_doc.cd_to == ci.ci_doc.cd_to);
	assert_string_equal(got.ci_issuer, ci.ci_issuer);
	assert_memory_equal(got.ci_cert_sha256, ci.ci_cert_sha256, 32);
	assert_int_equal(doc.cb_len, strlen(d));
	assert_memory_equal(doc.cb_data, d, doc.cb_len);
	assert_int_equal(sig.cb_len, strlen(s));
	assert_memory_equal(sig.cb_data, s, sig.cb_len);
	free(doc.cb_data);
	free(sig.cb_data);
	assert_int_equal(consent_store_get(cs, "00", &got, NULL, NULL), CONSENT_E_INVALID);
	id[0] = id[0] == '0' ? '1' : '0';
	assert_int_equal(consent_store_get(cs, id, &got, NULL, NULL), CONSENT_E_NOTFOUND);
	/* reopened, everything is still there; files are 0600 */
	consent_store_close(cs);
	assert_non_null(cs = consent_store_open(envdir, 64 << 20));
	assert_int_equal(consent_store_list(cs, NULL, &l), CONSENT_OK);
	assert_int_equal(l.cl_n, 1);
	consent_list_free(&l);
	snprintf(path, sizeof(path), "%s/data.mdb", envdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* the per-patient limit */
	for (int i = 1; i < CONSENT_PER_PATIENT_MAX; i++)
		add(&ci, NULL);
	assert_int_equal(consent_store_add(cs, &ci, (const uint8_t *)d, strlen(d),
	    (const uint8_t *)"one more", 8, NULL), CONSENT_E_TOOMANY);
	/* bad fields are refused */
	ci.ci_doc.cd_patient[0] = '\0';
	assert_int_equal(consent_store_add(cs, &ci, (const uint8_t *)d, strlen(d),
	    (const uint8_t *)"x", 1, NULL), CONSENT_E_INVALID);
}

/* Many decisions on one snapshot, then the rate of single decisions (printed: the target
 * is 500,000/s on one core without valgrind). */
static void
test_reader_rate(void **state)
{
	struct consent_info ci;
	struct decide_reader *r;
	struct decision d;
	struct timespec a, b;
	char pid[MPI_ID_MAX];
	int i, n = 200000;
	double secs;

	(void)state;
	for (i = 0; i < 1000; i++) {
		grant(&ci);
		snprintf(pid, sizeof(pid), "P%05d^^^&1.2.392.200119.6.102.33.1&ISO", i);
		str_copy(ci.ci_doc.cd_patient, sizeof(ci.ci_doc.cd_patient), pid);
		add(&ci, NULL);
	}
	assert_int_equal(decide_reader_begin(cs, &r), CONSENT_OK);
	for (i = 0; i < 2000; i++) {
		snprintf(pid, sizeof(pid), "P%05d^^^&1.2.392.200119.6.102.33.1&ISO", i);
		assert_int_equal(decide_r(r, pid, PEER1, "clinical", NULL, T0, &d), 0);
		assert_int_equal(d.d_result, i < 1000 ? DECIDE_ALLOW : DECIDE_DENY);
		assert_int_equal(decide_emergency_r(r, pid, PEER2, NULL, T0, &d), 0);
		assert_int_equal(d.d_result, DECIDE_ALLOW_EMERGENCY);
	}
	decide_reader_end(r);
	if (getenv("HASHI_DECIDE_RATE") == NULL)
		n = 20000;	/* quick under valgrind; set it for the real measurement */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "P%05d^^^&1.2.392.200119.6.102.33.1&ISO",
		    (i * 7919) % 1000);
		if (decide(cs, pid, PEER1, "clinical", "11488-4", T0, &d) != 0 ||
		    d.d_result != DECIDE_ALLOW)
			fail();
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	print_message("# decide: %d decisions in %.3f s = %.0f/s\n", n, secs, n / secs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_consent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_regions_open_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withdraw_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_older_withdraw_registered_later, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emergency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_compromise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_rate, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
