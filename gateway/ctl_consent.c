/*
 * gateway/ctl_consent: `hashictl consent ...`, the operator's side of patients' signed
 * consents (policy/README.md). Opens <state_dir>/policy next to a running hashid (LMDB
 * allows several processes). The JPKI trust is built per command from consent.jpki_roots,
 * consent.policy_oid and every CRL kept in <state_dir>/policy/crl/ (filled by
 * `consent crl add`), so that hashictl and hashid see the same revocation facts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/str.h"
#include "crypto/jpki.h"
#include "gateway/consent_audit.h"
#include "gateway/ctl_common.h"
#include "gateway/gw_audit.h"
#include "gateway/consent_trust.h"
#include "gateway/ctl.h"
#include "mpi/mpi.h"
#include "policy/consent.h"
#include "policy/consent_store.h"


/* Writes <state_dir>/SUB into BUF. Returns 0, or -1 after saying the path is too long. */
static int
ctl_consent_path(const struct config *cf, const char *sub, char *buf, size_t sz)
{
	int n = snprintf(buf, sz, "%s/%s", cf->cf_state_dir, sub);

	if (n < 0 || (size_t)n >= sz) {
		fprintf(stderr, "hashictl: state_dir path too long\n");
		return -1;
	}
	return 0;
}

/* Opens the consent store as hashid does: <state_dir>/policy. */
static struct consent_store *
ctl_consent_open(const struct config *cf)
{
	char dir[CONSENT_PATH_MAX];
	struct consent_store *cs;

	if (ctl_consent_path(cf, "policy", dir, sizeof(dir)) == -1)
		return NULL;
	/* the store creates only its own directory: state_dir may not exist yet */
	if (mkdir(cf->cf_state_dir, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "hashictl: %s: %s\n", cf->cf_state_dir, strerror(errno));
		return NULL;
	}
	if ((cs = consent_store_open(dir, cf->cf_consent_map_size)) == NULL)
		fprintf(stderr, "hashictl: cannot open the consent store in %s\n", dir);
	return cs;
}

/* Records what the operator did to consent ID (NULL: a refused registration, TEXT why).
 * Returns 0, or 1 after saying that the record could not be written. */
static int
ctl_consent_audit(const struct config *cf, struct consent_store *cs, const char *id,
    int voided, const char *text)
{
	struct consent_info ci;
	struct atna_record r;
	const char *pid;

	ctl_audit_record(cf, ATNA_CONSENT_REGISTER, &r);
	consent_audit_fill(cs, id, voided, text, &ci, &pid, &r);
	if (gw_audit_append_now(cf, &r) == -1) {
		fprintf(stderr, "hashictl: its audit record could not be written\n");
		return 1;
	}
	return 0;
}

int
ctl_consent_add(const struct config *cf, int argc, char **argv)
{
	struct consent_store *cs = NULL;
	struct consent_result res;
	struct consent_info ci;
	struct jpki_trust *t;
	struct mpi *m = NULL;
	uint8_t *doc = NULL, *sig = NULL;
	size_t doclen = 0, siglen = 0;
	char dir[CONSENT_PATH_MAX];
	int ret = 1;

	if ((t = consent_trust_load(cf)) == NULL)
		return 1;
	if (argc == 2) {
		if (consent_file_read(argv[0], CONSENT_FILE_MAX, &doc, &doclen) == -1 ||
		    consent_file_read(argv[1], CONSENT_FILE_MAX, &sig, &siglen) == -1)
			goto done;
	} else if (consent_file_read(argv[0], CONSENT_FILE_MAX, &sig, &siglen) == -1)
		goto done;
	if (ctl_consent_path(cf, "mpi", dir, sizeof(dir)) == -1)
		goto done;
	if ((m = mpi_open(dir, cf->cf_mpi_map_size, cf->cf_assigning_authority)) == NULL) {
		fprintf(stderr, "hashictl: cannot open the patient index in %s\n", dir);
		goto done;
	}
	if ((cs = ctl_consent_open(cf)) == NULL)
		goto done;
	if (policy_consent_register(cs, m, t, doc, doclen, sig, siglen, (int64_t)time(NULL),
	    &res) == -1) {
		fprintf(stderr, "hashictl: consent refused: %s\n", res.cr_text);
		(void)ctl_consent_audit(cf, cs, NULL, 0, res.cr_text);
		goto done;
	}
	/* the patient as stored, for the operator's confirmation */
	if (consent_store_get(cs, res.cr_id, &ci, NULL, NULL) != CONSENT_OK)
		str_copy(ci.ci_doc.cd_patient, sizeof(ci.ci_doc.cd_patient), "?");
	printf("%s registered: %s for %s\n", res.cr_id,
	    res.cr_action == CONSENT_WITHDRAW ? "withdrawal" : "grant", ci.ci_doc.cd_patient);
	/* a registration that is not on record does not stand (fail closed) */
	if ((ret = ctl_consent_audit(cf, cs, res.cr_id, 0, NULL)) != 0) {
		if (consent_store_void(cs, res.cr_id, "its audit record could not be written",
		    CONSENT_REASON_NONE, 0, (int64_t)time(NULL)) == CONSENT_OK)
			fprintf(stderr, "hashictl: %s voided again: register it once the audit "
			    "log can be written\n", res.cr_id);
		else
			fprintf(stderr, "hashictl: %s could not be voided either: void it by "
			    "hand\n", res.cr_id);
	}
done:
	consent_store_close(cs);
	mpi_close(m);
	jpki_trust_free(t);
	free(doc);
	free(sig);
	return ret;
}

/* Prints one line about CI: id, status, action, issued, patient. */
static void
ctl_consent_line(const struct consent_info *ci)
{
	char t[32];

	printf("%s %-5s %-8s issued %s %s\n", ci->ci_id,
	    ci->ci_status == CONSENT_VALID ? "valid" : "void",
	    ci->ci_doc.cd_action == CONSENT_WITHDRAW ? "withdraw" : "grant",
	    consent_time_format(ci->ci_doc.cd_issued, t, sizeof(t)), ci->ci_doc.cd_patient);
}

int
ctl_consent_list(const struct config *cf, int argc, char **argv)
{
	struct consent_store *cs;
	struct consent_list l;
	size_t i;
	int rc;

	if ((cs = ctl_consent_open(cf)) == NULL)
		return 1;
	rc = consent_store_list(cs, argc > 0 ? argv[0] : NULL, &l);
	consent_store_close(cs);
	if (rc != CONSENT_OK) {
		fprintf(stderr, "hashictl: consent list: %s\n", consent_strerror(rc));
		return 1;
	}
	for (i = 0; i < l.cl_n; i++)
		ctl_consent_line(&l.cl_info[i]);
	printf("%zu consent(s)\n", l.cl_n);
	consent_list_free(&l);
	return 0;
}

/* Prints the grant's scope of D. */
static void
ctl_consent_print_grant(const struct consent_doc *d)
{
	char t1[32], t2[32];
	size_t i;

	if (d->cd_all_regions)
		printf("  regions:     all participating\n");
	for (i = 0; i < d->cd_nregions; i++)
		printf("  region:      %s\n", d->cd_regions[i]);
	for (i = 0; i < d->cd_npurposes; i++)
		printf("  purpose:     %s\n", d->cd_purposes[i]);
	if (d->cd_nclasses == 0)
		printf("  classes:     all\n");
	for (i = 0; i < d->cd_nclasses; i++)
		printf("  class:       %s\n", d->cd_classes[i]);
	printf("  validity:    %s .. %s\n", consent_time_format(d->cd_from, t1, sizeof(t1)),
	    consent_time_format(d->cd_to, t2, sizeof(t2)));
}

/* Prints every stored fact of CI. */
static void
ctl_consent_print(const struct consent_info *ci)
{
	char t[32];
	size_t i;

	ctl_consent_line(ci);
	printf("  patient:     %s\n  document id: %s\n", ci->ci_doc.cd_patient,
	    ci->ci_doc.cd_docid[0] != '\0' ? ci->ci_doc.cd_docid : "-");
	printf("  issued:      %s\n", consent_time_format(ci->ci_doc.cd_issued, t, sizeof(t)));
	if (ci->ci_doc.cd_action == CONSENT_GRANT)
		ctl_consent_print_grant(&ci->ci_doc);
	printf("  status:      %s\n", ci->ci_status == CONSENT_VALID ? "valid" : "void");
	if (ci->ci_status == CONSENT_VOID) {
		printf("  void reason: %s\n", ci->ci_void_why);
		printf("  voided at:   %s\n", consent_time_format(ci->ci_voided_at, t, sizeof(t)));
		if (ci->ci_revoked_reason != CONSENT_REASON_NONE)
			printf("  revoked:     %s at %s\n",
			    consent_crl_reason_name(ci->ci_revoked_reason),
			    consent_time_format(ci->ci_revoked_at, t, sizeof(t)));
	}
	/* the fingerprint as `openssl x509 -fingerprint -sha256` prints it */
	printf("  signer sha256: ");
	for (i = 0; i < JPKI_SHA256_LEN; i++)
		printf("%s%02X", i > 0 ? ":" : "", ci->ci_cert_sha256[i]);
	printf("\n  signer serial: %s\n  signer issuer: %s\n", ci->ci_serial, ci->ci_issuer);
	printf("  signing time:  %s\n",
	    consent_time_format(ci->ci_signing_time, t, sizeof(t)));
	printf("  verified at:   %s\n  registered:    #%llu\n",
	    consent_time_format(ci->ci_verified_at, t, sizeof(t)),
	    (unsigned long long)ci->ci_seq);
}

int
ctl_consent_show(const struct config *cf, int argc, char **argv)
{
	struct consent_store *cs;
	struct consent_info ci;
	int rc;

	(void)argc;
	if ((cs = ctl_consent_open(cf)) == NULL)
		return 1;
	rc = consent_store_get(cs, argv[0], &ci, NULL, NULL);
	consent_store_close(cs);
	if (rc != CONSENT_OK) {
		fprintf(stderr, "hashictl: consent %s: %s\n", argv[0], consent_strerror(rc));
		return 1;
	}
	ctl_consent_print(&ci);
	return 0;
}

int
ctl_consent_void(const struct config *cf, int argc, char **argv)
{
	struct consent_store *cs;
	char why[CONSENT_WHY_MAX];
	int rc;

	(void)argc;
	/* say in the record that a person, not a CRL, voided it */
	snprintf(why, sizeof(why), "operator: %s", argv[1]);
	if ((cs = ctl_consent_open(cf)) == NULL)
		return 1;
	rc = consent_store_void(cs, argv[0], why, CONSENT_REASON_NONE, 0, (int64_t)time(NULL));
	if (rc != CONSENT_OK) {
		consent_store_close(cs);
		fprintf(stderr, "hashictl: consent void %s: %s\n", argv[0], consent_strerror(rc));
		return 1;
	}
	printf("%s void\n", argv[0]);
	rc = ctl_consent_audit(cf, cs, argv[0], 1, why);
	consent_store_close(cs);
	return rc;
}

/* Writes DATA[0..LEN) to DIR/<sha256>.crl (0600, through a temporary file and rename, so
 * that a reader never sees half a CRL), creating DIR (0700). Returns 0, or -1 after saying
 * why. Prints the name kept. */
static int
ctl_consent_keep_crl(const char *dir, const uint8_t *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * 32 + 1], path[CONSENT_PATH_MAX], tmp[CONSENT_PATH_MAX];
	unsigned int mdlen = 0, i;
	int fd, n, ret = -1;
	FILE *f;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		fprintf(stderr, "hashictl: SHA-256 failed\n");
		return -1;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	n = snprintf(path, sizeof(path), "%s/%s.crl", dir, hex);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, hex)) < 0 ||
	    (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "hashictl: %s: path too long\n", dir);
		return -1;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "hashictl: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (f = fdopen(fd, "wb")) == NULL) {
		fprintf(stderr, "hashictl: %s: %s\n", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0)
		fprintf(stderr, "hashictl: %s: write failed\n", tmp);
	else if (rename(tmp, path) == -1)
		fprintf(stderr, "hashictl: %s: %s\n", path, strerror(errno));
	else
		ret = 0;
	fclose(f);
	if (ret == -1)
		unlink(tmp);
	else
		printf("kept %s\n", path);
	return ret;
}

/* Records that a CRL from FILE voided N consents (their signers' certificates revoked). */
static int
ctl_consent_crl_audit(const struct config *cf, const char *file, size_t n)
{
	struct atna_record r;
	char detail[64];

	ctl_audit_record(cf, ATNA_CONSENT_WITHDRAW, &r);
	snprintf(detail, sizeof(detail), "%zu consent(s) voided: signer revoked", n);
	r.ar_object_id = file;
	r.ar_detail = detail;
	if (gw_audit_append_now(cf, &r) == -1) {
		fprintf(stderr, "hashictl: the consents were voided but the audit record could "
		    "not be written\n");
		return 1;
	}
	return 0;
}

int
ctl_consent_crl_add(const struct config *cf, int argc, char **argv)
{
	char dir[CONSENT_PATH_MAX];
	struct consent_store *cs = NULL;
	struct jpki_trust *t;
	uint8_t *data = NULL;
	size_t len, nvoided = 0;
	int rc, ret = 1;

	(void)argc;
	if ((t = consent_trust_load(cf)) == NULL)
		return 1;
	if (consent_file_read(argv[0], CONSENT_CRL_MAX, &data, &len) == -1)
		goto done;
	/* checked against the configured roots before it is kept: a CRL hashid cannot load
	 * would stop every later registration */
	if (jpki_trust_add_crl(t, data, len) == -1) {
		fprintf(stderr, "hashictl: %s: not a CRL signed by a root of consent.jpki_roots "
		    "(or a delta CRL)\n", argv[0]);
		goto done;
	}
	if ((cs = ctl_consent_open(cf)) == NULL ||
	    ctl_consent_path(cf, "policy/crl", dir, sizeof(dir)) == -1 ||
	    ctl_consent_keep_crl(dir, data, len) == -1)
		goto done;
	if ((rc = consent_recheck(cs, t, (int64_t)time(NULL), &nvoided)) != CONSENT_OK) {
		fprintf(stderr, "hashictl: consent re-check: %s\n", consent_strerror(rc));
		goto done;
	}
	printf("%zu consent(s) voided\n", nvoided);
	ret = nvoided > 0 ? ctl_consent_crl_audit(cf, argv[0], nvoided) : 0;
done:
	consent_store_close(cs);
	jpki_trust_free(t);
	free(data);
	return ret;
}
