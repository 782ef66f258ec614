/*
 * gateway/ctl_audit_proof: `hashictl audit checkpoint | prove | check-proof | consistency`,
 * the proof files of audit/proof.h. check-proof needs no log and no configuration beyond
 * the vkey: it is what an auditor runs far from the appliance.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/proof.h"
#include "common/str.h"
#include "gateway/ctl.h"
#include "gateway/ctl_audit.h"

/* Parses the tree size or sequence number S. Returns 0, or 2 (printed). */
static int
ctl_audit_num(const struct ctl_audit *a, const char *what, const char *s, uint64_t *out)
{
	long long v;

	if (str_to_ll(s, 0, INT64_MAX, &v) == -1) {
		fprintf(stderr, "hashictl: audit %s: bad %s: %s\n", a->ca_cmd, what, s);
		return 2;
	}
	*out = (uint64_t)v;
	return 0;
}

/* Writes BUF to A's output. Returns 0 or 1 (printed). */
static int
ctl_audit_emit(const struct ctl_audit *a, const struct strbuf *buf)
{
	FILE *out;

	if ((out = ctl_audit_output(a)) == NULL)
		return 1;
	fwrite(buf->sb_data, 1, buf->sb_len, out);
	return ctl_audit_output_close(a, out) == 0 ? 0 : 1;
}

int
ctl_audit_checkpoint(const struct config *cf, int argc, char **argv)
{
	struct ctl_audit a;
	struct strbuf note = { 0 };
	struct checkpoint c;
	uint64_t skipped = 0;
	int ret;

	(void)cf;
	if ((ret = ctl_audit_args(&a, "checkpoint", CA_DIR | CA_VKEY | CA_OUT, 0, argc,
	    argv)) != 0)
		return ret;
	ret = 1;
	if (ctl_audit_open(&a) != 0)
		goto done;
	if (proof_checkpoint_latest(a.ca_log, a.ca_v, &note, &c, &skipped) != PROOF_OK) {
		fprintf(stderr, "hashictl: %s: no stored checkpoint verifies with %s\n", a.ca_dir,
		    a.ca_vkey);
		goto done;
	}
	if (skipped > 0) {
		fprintf(stderr, "hashictl: %s: %llu stored checkpoint(s) after size %llu do not "
		    "verify with %s: run audit verify\n", a.ca_dir, (unsigned long long)skipped,
		    (unsigned long long)c.size, a.ca_vkey);
		goto done;
	}
	ret = ctl_audit_emit(&a, &note);
done:
	strbuf_reset(&note);
	ctl_audit_done(&a);
	return ret;
}

int
ctl_audit_prove(const struct config *cf, int argc, char **argv)
{
	struct ctl_audit a;
	struct strbuf out = { 0 };
	char err[512];
	uint64_t seq;
	int ret;

	(void)cf;
	if ((ret = ctl_audit_args(&a, "prove", CA_DIR | CA_VKEY | CA_OUT, 1, argc, argv)) != 0 ||
	    (ret = ctl_audit_num(&a, "sequence number", a.ca_pos[0], &seq)) != 0)
		return ret;
	ret = 1;
	if (ctl_audit_open(&a) != 0)
		goto done;
	if (proof_inclusion_write(a.ca_log, a.ca_v, seq, &out, err, sizeof(err)) != PROOF_OK) {
		fprintf(stderr, "hashictl: audit prove %llu: %s\n", (unsigned long long)seq, err);
		goto done;
	}
	ret = ctl_audit_emit(&a, &out);
done:
	strbuf_reset(&out);
	ctl_audit_done(&a);
	return ret;
}

int
ctl_audit_consistency(const struct config *cf, int argc, char **argv)
{
	struct ctl_audit a;
	struct strbuf out = { 0 };
	char err[512];
	uint64_t old, new;
	int ret;

	(void)cf;
	if ((ret = ctl_audit_args(&a, "consistency", CA_DIR | CA_VKEY | CA_OUT, 2, argc,
	    argv)) != 0 || (ret = ctl_audit_num(&a, "tree size", a.ca_pos[0], &old)) != 0 ||
	    (ret = ctl_audit_num(&a, "tree size", a.ca_pos[1], &new)) != 0)
		return ret;
	ret = 1;
	if (ctl_audit_open(&a) != 0)
		goto done;
	if (proof_consistency_write(a.ca_log, a.ca_v, old, new, &out, err, sizeof(err)) !=
	    PROOF_OK) {
		fprintf(stderr, "hashictl: audit consistency %llu %llu: %s\n",
		    (unsigned long long)old, (unsigned long long)new, err);
		goto done;
	}
	ret = ctl_audit_emit(&a, &out);
done:
	strbuf_reset(&out);
	ctl_audit_done(&a);
	return ret;
}

/* Reads FILE (at most PROOF_FILE_MAX bytes) into a malloc'd *BUF. Returns 0 or 1. */
static int
ctl_audit_slurp(const char *file, char **buf, size_t *len)
{
	FILE *f;

	*buf = NULL;
	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "hashictl: %s: %s\n", file, strerror(errno));
		return 1;
	}
	if ((*buf = malloc(PROOF_FILE_MAX + 1)) != NULL)
		*len = fread(*buf, 1, PROOF_FILE_MAX + 1, f);
	if (*buf == NULL || ferror(f)) {
		fprintf(stderr, "hashictl: %s: read error\n", file);
		fclose(f);
		return 1;
	}
	fclose(f);
	return 0;
}

int
ctl_audit_check_proof(const struct config *cf, int argc, char **argv)
{
	struct ctl_audit a;
	struct proof_info pi;
	char err[512], *file = NULL;
	size_t len = 0;
	int ret;

	(void)cf;
	memset(&pi, 0, sizeof(pi));
	if ((ret = ctl_audit_args(&a, "check-proof", CA_VKEY, 1, argc, argv)) != 0)
		return ret;
	ret = 1;
	if (ctl_audit_verifier(&a) != 0 || ctl_audit_slurp(a.ca_pos[0], &file, &len) != 0)
		goto done;
	if ((ret = proof_check(file, len, a.ca_v, &pi, err, sizeof(err))) != PROOF_OK) {
		fprintf(stderr, "hashictl: %s: %s\n", a.ca_pos[0], ret == PROOF_ERROR ?
		    "out of memory" : err);
		ret = 1;
		goto done;
	}
	if (pi.pi_kind == PROOF_INCLUSION)
		printf("OK: record %llu (%zu bytes) is in the log %s of size %llu, signed by %s\n",
		    (unsigned long long)pi.pi_seq, pi.pi_record_len, pi.pi_origin,
		    (unsigned long long)pi.pi_size, a.ca_vkey);
	else
		printf("OK: the log %s at size %llu is a prefix of the log at size %llu, both "
		    "signed by %s\n", pi.pi_origin, (unsigned long long)pi.pi_old,
		    (unsigned long long)pi.pi_size, a.ca_vkey);
	ret = 0;
done:
	proof_info_free(&pi);
	free(file);
	ctl_audit_done(&a);
	return ret;
}
