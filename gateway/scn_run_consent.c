/*
 * gateway/scn_run_consent: a patient signs a consent (or its withdrawal) with their card —
 * a test JPKI look-alike card issued at run time with the patient's four basic items, as
 * the region's MPI has them — and the patient's region registers it with `hashictl consent
 * add`, as its operator would.
 */
#include "gateway/scn_run_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/str.h"
#include "crypto/testpki.h"
#include "gateway/scn_data.h"
#include "gateway/scn_fed.h"
#include "policy/consent_sign.h"

/* Finds the person "region/id" of REF: *RI the region index, P the person. */
static int
scn_consent_person(const struct scn_runner *r, const char *ref, long *ri,
    struct scn_person *p, char *err, size_t errsz)
{
	const struct scn_region *sr;
	const struct scn_patient *sp;
	size_t i, n;

	if (scenario_patient(r->sr_sc, ref, &sr, &sp) == -1 ||
	    (*ri = scn_run_region(r, sr->name)) < 0) {
		snprintf(err, errsz, "no patient %s", ref);
		return -1;
	}
	n = sr->npatients + (size_t)sr->synthetic;
	for (i = 0; i < n; i++) {
		if (scn_data_person(r->sr_sc, sr, i, p, err, errsz) == -1)
			return -1;
		if (strcmp(p->id, strchr(ref, '/') + 1) == 0)
			return 0;
	}
	snprintf(err, errsz, "no patient %s", ref);
	return -1;
}

/* Issues the card of person P of region SR once (cards/<region>-<id>). */
static int
scn_consent_card(struct scn_runner *r, const struct scn_region *sr,
    const struct scn_person *p, char *base, size_t basesz, char *err, size_t errsz)
{
	struct testpki_person tp;
	char path[1024];

	snprintf(base, basesz, "card-%s-%s", sr->name, p->id);
	snprintf(path, sizeof(path), "%s/%s.crt", scn_fed_jpki_dir(r->sr_fed), base);
	if (access(path, R_OK) == 0)
		return 0;
	memset(&tp, 0, sizeof(tp));
	tp.tp_family = p->family;
	tp.tp_given = p->given;
	tp.tp_birth = p->birth;
	tp.tp_sex = p->sex[0];
	/* the card holds the address without the postal code, as the MPI record does */
	tp.tp_addr = p->address;
	if (testpki_jpki_issue(scn_fed_jpki(r->sr_fed), base, &tp, NULL) == -1) {
		snprintf(err, errsz, "cannot issue the card of %s/%s", sr->name, p->id);
		return -1;
	}
	return 0;
}

#define SCN_CONSENT_SEEN	64	/* patients whose last issue time is remembered */

/* The issue time of a new consent document of PATIENT (a CX): now, but later than any
 * this run signed for the same patient. A patient's documents are ordered by it to the
 * second, and of two issued in the same second the withdrawal wins: a grant that follows a
 * withdrawal must be issued later, so this waits for the next second when needed (never
 * dates a document ahead). Other patients' documents do not wait. */
static int64_t
scn_consent_issued(const char *patient)
{
	static struct { char cx[96]; int64_t at; } seen[SCN_CONSENT_SEEN];
	static size_t next;
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int64_t now, last = 0;
	size_t i, slot = SCN_CONSENT_SEEN;

	for (i = 0; i < SCN_CONSENT_SEEN; i++)
		if (strcmp(seen[i].cx, patient) == 0) {
			slot = i;
			last = seen[i].at;
		}
	while ((now = (int64_t)time(NULL)) <= last)
		nanosleep(&pause, NULL);
	if (slot == SCN_CONSENT_SEEN) {	/* the oldest entry goes: a run has few patients */
		slot = next;
		next = (next + 1) % SCN_CONSENT_SEEN;
		str_copy(seen[slot].cx, sizeof(seen[slot].cx), patient);
	}
	seen[slot].at = now;
	return now;
}

/* Fills D from consent C (a grant) or as a withdrawal. */
static int
scn_consent_doc(const struct scn_runner *r, const struct scn_consent *c, int withdraw,
    const struct scn_region *sr, const struct scn_person *p, struct consent_doc *d,
    char *err, size_t errsz)
{
	const struct scn_region *a;
	size_t k;

	memset(d, 0, sizeof(*d));
	snprintf(d->cd_patient, sizeof(d->cd_patient), "%s^^^&%s&ISO", p->id,
	    sr->assigning_authority);
	d->cd_issued = scn_consent_issued(d->cd_patient);
	d->cd_action = withdraw ? CONSENT_WITHDRAW : CONSENT_GRANT;
	if (withdraw)
		return 0;
	d->cd_all_regions = c->nallow == 0;
	for (k = 0; k < c->nallow && k < CONSENT_REGIONS_MAX; k++) {
		if ((a = scenario_region(r->sr_sc, c->allow[k])) == NULL)
			goto bad;
		str_copy(d->cd_regions[d->cd_nregions++], MPI_HCID_MAX, a->hcid);
	}
	for (k = 0; k < c->npurposes && k < CONSENT_PURPOSES_MAX; k++)
		str_copy(d->cd_purposes[d->cd_npurposes++], CONSENT_TOKEN_MAX, c->purposes[k]);
	for (k = 0; k < c->nclasses && k < CONSENT_CLASSES_MAX; k++)
		str_copy(d->cd_classes[d->cd_nclasses++], CONSENT_TOKEN_MAX, c->classes[k]);
	d->cd_from = d->cd_issued - 86400;	/* from yesterday, unless the file says */
	d->cd_to = CONSENT_TIME_OPEN;
	if ((c->not_before != NULL && consent_time_parse(c->not_before, 1, 0, &d->cd_from)) ||
	    (c->not_after != NULL && consent_time_parse(c->not_after, 1, 1, &d->cd_to)))
		goto bad;
	return 0;
bad:
	snprintf(err, errsz, "consent %s: cannot be written", c->id);
	return -1;
}

int
scn_run_consent(struct scn_runner *r, const struct scn_consent *c, int withdraw, char *err,
    size_t errsz)
{
	char base[256], out[1024], sig[1100], log[1024], cmd[] = "consent", add[] = "add";
	char *args[] = { cmd, add, out, sig, NULL };
	const struct scn_region *sr;
	struct scn_person p;
	struct consent_doc d;
	long ri;

	if (scn_consent_person(r, c->patient, &ri, &p, err, errsz) == -1)
		return -1;
	sr = &r->sr_sc->regions[ri];
	if (scn_consent_card(r, sr, &p, base, sizeof(base), err, errsz) == -1 ||
	    scn_consent_doc(r, c, withdraw, sr, &p, &d, err, errsz) == -1)
		return -1;
	snprintf(out, sizeof(out), "%s/%s-%s%s.xml", scn_fed_jpki_dir(r->sr_fed), c->id,
	    withdraw ? "withdraw" : "grant", "");
	snprintf(sig, sizeof(sig), "%s.p7s", out);
	snprintf(log, sizeof(log), "%s/%s/hashictl.log", scn_fed_dir(r->sr_fed), sr->name);
	if (consent_sign_files(&d, scn_fed_jpki_dir(r->sr_fed), base, time(NULL), 0, out) == -1) {
		snprintf(err, errsz, "consent %s: cannot be signed", c->id);
		return -1;
	}
	return scn_run_ctl(r, scn_fed_config(r->sr_fed, (size_t)ri), log, args, err, errsz);
}
