/*
 * gateway/ctl_audit_search: `hashictl audit search | export`: the filters, the time
 * syntax, and the output of audit/search through audit/export. Integrity errors go to
 * standard error, never into the results, and make the command exit 1.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/str.h"
#include "gateway/ctl.h"
#include "gateway/ctl_audit.h"

/* Parses DIGITS decimal digits at *P (advanced) into *OUT. Returns 0 or -1. */
static int
ctl_audit_digits(const char **p, int digits, int *out)
{
	int v = 0, i;

	for (i = 0; i < digits; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += digits;
	*out = v;
	return 0;
}

/* Parses the time S: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.mmm]]" with "Z", "+HH:MM",
 * "-HH:MM" or nothing (UTC), or "@SECONDS" (Unix). A date alone as an upper bound (UNTIL)
 * covers its whole day. Returns 0 with Unix ms in *MS, or -1. */
static int
ctl_audit_time(const char *s, int until, int64_t *ms)
{
	struct tm tm;
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, oh, om, sign;
	long long v;
	time_t t;

	if (s[0] == '@') {
		if (str_to_ll(s + 1, 0, INT64_MAX / 1000, &v) == -1)
			return -1;
		*ms = v * 1000 + (until ? 999 : 0);
		return 0;
	}
	if (ctl_audit_digits(&p, 4, &y) || *p++ != '-' || ctl_audit_digits(&p, 2, &mo) ||
	    *p++ != '-' || ctl_audit_digits(&p, 2, &d))
		return -1;
	if (*p == 'T') {
		p++;
		if (ctl_audit_digits(&p, 2, &h) || *p++ != ':' || ctl_audit_digits(&p, 2, &mi))
			return -1;
		if (*p == ':' && (p++, ctl_audit_digits(&p, 2, &sec)))
			return -1;
		if (*p == '.' && (p++, ctl_audit_digits(&p, 3, &frac)))
			return -1;
	} else if (until) {
		h = 23, mi = 59, sec = 59, frac = 999;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    (t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != d)
		return -1;
	*ms = (int64_t)t * 1000 + frac;
	if (*p == 'Z' && p[1] == '\0')
		return 0;
	if (*p == '\0')
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '+' ? 1 : -1;
	if (ctl_audit_digits(&p, 2, &oh) || *p++ != ':' || ctl_audit_digits(&p, 2, &om) ||
	    *p != '\0' || oh > 14 || om > 59)
		return -1;
	*ms -= sign * ((int64_t)oh * 3600 + om * 60) * 1000;
	return 0;
}

/* A region filter: "urn:oid:..." as given, a bare OID gets the prefix. */
static const char *
ctl_audit_region(const char *val, char *buf, size_t sz)
{
	if (!str_oid_valid(val))
		return val;
	snprintf(buf, sz, "urn:oid:%s", val);
	return buf;
}

/* Parses the --outcome value VAL into Q. Returns 0 or -1. */
static int
ctl_audit_outcome(const char *val, struct search_query *q)
{
	long long v;

	if (strcmp(val, "success") == 0)
		q->sq_outcome = ATNA_OK;
	else if (strcmp(val, "failure") == 0)
		q->sq_outcome = SEARCH_OUTCOME_FAILURE;
	else if (str_to_ll(val, 0, 12, &v) == 0 && v % 4 == 0)
		q->sq_outcome = (int)v;
	else
		return -1;
	return 0;
}

int
ctl_audit_filter(struct ctl_audit *a, const char *opt, const char *val)
{
	struct search_query *q = &a->ca_q;
	int bad = 0;

	if (strlen(val) >= ATNA_SUMMARY_FIELD) {
		fprintf(stderr, "hashictl: audit %s: %s: value too long\n", a->ca_cmd, opt);
		return 2;
	}
	if (strcmp(opt, "--patient") == 0)
		q->sq_patient = val;
	else if (strcmp(opt, "--user") == 0)
		q->sq_user = val;
	else if (strcmp(opt, "--from-region") == 0)
		q->sq_src_region = ctl_audit_region(val, a->ca_src, sizeof(a->ca_src));
	else if (strcmp(opt, "--to-region") == 0)
		q->sq_dst_region = ctl_audit_region(val, a->ca_dst, sizeof(a->ca_dst));
	else if (strcmp(opt, "--purpose") == 0)
		q->sq_purpose = val;
	else if (strcmp(opt, "--outcome") == 0)
		bad = ctl_audit_outcome(val, q);
	else if (strcmp(opt, "--event") == 0)
		bad = (q->sq_event = atna_event_by_code(val)) == 0 ? -1 : 0;
	else if (strcmp(opt, "--since") == 0)
		bad = ctl_audit_time(val, 0, &q->sq_since_ms);
	else if (strcmp(opt, "--until") == 0)
		bad = ctl_audit_time(val, 1, &q->sq_until_ms);
	if (bad != 0) {
		fprintf(stderr, "hashictl: audit %s: bad value for %s: %s%s\n", a->ca_cmd, opt,
		    val, strcmp(opt, "--event") == 0 ? " (e.g. ITI-38, ITI-39, ITI-55, "
		    "consent-decision, audit-log-used)" : strcmp(opt, "--outcome") == 0 ?
		    " (success, failure, 0, 4, 8, 12)" : strstr(opt, "since") != NULL ||
		    strstr(opt, "until") != NULL ? " (YYYY-MM-DD[THH:MM[:SS][Z|+HH:MM]] or "
		    "@SECONDS)" : "");
		return 2;
	}
	return 0;
}

/* The search callback: results to the export, integrity errors to stderr. */
struct ctl_out {
	struct export	 co_ex;
	int		 co_werr;
	uint64_t	 co_unsigned;
};

static int
ctl_audit_hit(void *arg, const struct search_hit *h)
{
	struct ctl_out *co = arg;

	if (h->sh_status == SEARCH_INTEGRITY) {
		fprintf(stderr, "hashictl: INTEGRITY ERROR at seq %llu: %s\n",
		    (unsigned long long)h->sh_seq, h->sh_problem);
		return 0;
	}
	if (h->sh_status == SEARCH_UNSIGNED)
		co->co_unsigned++;
	if (export_hit(&co->co_ex, h) == -1) {
		co->co_werr = 1;
		return 1;
	}
	return 0;
}

/* Runs A's search into OUT in A's format. Returns the exit status. */
static int
ctl_audit_run(struct ctl_audit *a, FILE *out)
{
	struct ctl_out co;
	struct search_stats st;
	char err[512] = "";
	int rc;

	memset(&co, 0, sizeof(co));
	if (export_begin(&co.co_ex, out, a->ca_fmt) == -1)
		return 1;
	rc = search_run(a->ca_log, a->ca_v, &a->ca_q, ctl_audit_hit, &co, &st, err,
	    sizeof(err));
	if (export_end(&co.co_ex) == -1 || co.co_werr)
		return 1;
	if (rc == -1) {
		fprintf(stderr, "hashictl: audit %s: %s\n", a->ca_cmd, err);
		return 1;
	}
	if (st.ss_bad_ckpts > 0)
		fprintf(stderr, "hashictl: INTEGRITY ERROR: %llu stored checkpoint(s) after size "
		    "%llu do not verify with %s (run audit verify)\n",
		    (unsigned long long)st.ss_bad_ckpts, (unsigned long long)st.ss_ckpt_size,
		    a->ca_vkey);
	if (err[0] != '\0')
		fprintf(stderr, "hashictl: INTEGRITY ERROR: %s\n", err);
	if (st.ss_stale > 0)
		fprintf(stderr, "hashictl: %llu index entries did not match their record "
		    "(index damaged; results re-checked)\n", (unsigned long long)st.ss_stale);
	fprintf(stderr, "hashictl: %llu record(s) of %llu, %llu not yet checkpointed "
	    "(signed size %llu)%s\n", (unsigned long long)st.ss_hits,
	    (unsigned long long)st.ss_size, (unsigned long long)co.co_unsigned,
	    (unsigned long long)st.ss_ckpt_size, rc == 1 ? "; INTEGRITY ERRORS" : "");
	return rc == 1 ? 1 : 0;
}

/* search and export: NAME, the options ALLOWED, FMTREQ: --format xml|json|csv needed. */
static int
ctl_audit_search_cmd(const char *name, unsigned allowed, int fmtreq, int argc, char **argv)
{
	struct ctl_audit a;
	FILE *out = NULL;
	int ret;

	if ((ret = ctl_audit_args(&a, name, allowed, 0, argc, argv)) != 0)
		return ret;
	if (fmtreq && (a.ca_fmt == 0 || a.ca_fmt == EXPORT_TEXT)) {
		fprintf(stderr, "hashictl: audit %s: --format xml, json or csv needed\n", name);
		ret = 2;
		goto done;
	}
	if (a.ca_fmt == 0)
		a.ca_fmt = EXPORT_TEXT;
	ret = 1;
	/* The read is recorded before anything is shown, the output opened after. */
	if (ctl_audit_open(&a) != 0 || (out = ctl_audit_output(&a)) == NULL)
		goto done;
	ret = ctl_audit_run(&a, out);
	if (ctl_audit_output_close(&a, out) != 0)
		ret = 1;
done:
	ctl_audit_done(&a);
	return ret;
}

int
ctl_audit_search(const struct config *cf, int argc, char **argv)
{
	(void)cf;
	return ctl_audit_search_cmd("search", CA_DIR | CA_VKEY | CA_FILTERS | CA_FORMAT, 0,
	    argc, argv);
}

int
ctl_audit_export(const struct config *cf, int argc, char **argv)
{
	(void)cf;
	return ctl_audit_search_cmd("export", CA_DIR | CA_VKEY | CA_FILTERS | CA_FORMAT | CA_OUT,
	    1, argc, argv);
}
