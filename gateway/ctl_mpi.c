/*
 * gateway/ctl_mpi: `hashictl mpi ...`, the operator's view of the wide-area patient index.
 * Opens <state_dir>/mpi next to a running hashid (LMDB allows several processes; writers
 * take turns). Every change is journaled by the MPI with the operator as actor
 * ("hashictl:<login name>").
 */
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/str.h"
#include "gateway/ctl.h"
#include "mpi/match.h"
#include "mpi/mpi.h"
#include "mpi/norm.h"

/* Opens the MPI as hashid does: <state_dir>/mpi, patients of this region's authority. */
static struct mpi *
ctl_mpi_open(const struct config *cf)
{
	char dir[4096];
	struct mpi *m;
	int n;

	n = snprintf(dir, sizeof(dir), "%s/mpi", cf->cf_state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		fprintf(stderr, "hashictl: state_dir path too long\n");
		return NULL;
	}
	if ((m = mpi_open(dir, cf->cf_mpi_map_size, cf->cf_assigning_authority)) == NULL)
		fprintf(stderr, "hashictl: cannot open the patient index in %s\n", dir);
	return m;
}

/* Writes who is acting into BUF: the journal's actor of an operator's change. */
static void
ctl_mpi_actor(char *buf, size_t sz)
{
	struct passwd *pw = getpwuid(getuid());

	snprintf(buf, sz, "hashictl:%s", pw != NULL ? pw->pw_name : "?");
}

/* Formats T (seconds, UTC) into BUF as ISO 8601; "never" for 0. */
static const char *
ctl_mpi_time(int64_t t, char *buf, size_t sz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0)
		return "never";
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return "?";
	return buf;
}

/* Reports a failed call and returns the exit status 1. */
static int
ctl_mpi_fail(const char *what, int rc)
{
	fprintf(stderr, "hashictl: %s: %s\n", what, mpi_strerror(rc));
	return 1;
}

/* Runs one import (patients, or cross-references when XREF). */
static int
ctl_mpi_import_file(const struct config *cf, const char *path, int xref)
{
	struct mpi_import_stats st;
	char actor[MPI_ACTOR_MAX];
	struct mpi *m;
	int rc;

	if ((m = ctl_mpi_open(cf)) == NULL)
		return 1;
	ctl_mpi_actor(actor, sizeof(actor));
	rc = xref ? mpi_import_xref(m, path, actor, (int64_t)time(NULL), stderr, &st) :
	    mpi_import_patients(m, path, actor, (int64_t)time(NULL), stderr, &st);
	mpi_close(m);
	if (rc != MPI_OK) {
		fprintf(stderr, "hashictl: %s: %s%s\n", path, mpi_strerror(rc),
		    rc == MPI_E_IMPORT ? "" : "; nothing was imported");
		return 1;
	}
	printf("%s: %zu rows: %zu added, %zu updated\n", path, st.mi_rows, st.mi_added,
	    st.mi_updated);
	return 0;
}

int
ctl_mpi_import(const struct config *cf, int argc, char **argv)
{
	(void)argc;
	return ctl_mpi_import_file(cf, argv[0], 0);
}

int
ctl_mpi_xref(const struct config *cf, int argc, char **argv)
{
	(void)argc;
	return ctl_mpi_import_file(cf, argv[0], 1);
}

/* Writes the names of match_compare's DIFF bits into BUF ("-" when none): what an
 * operator must look at before confirming a link. */
static const char *
ctl_mpi_diff(unsigned diff, char *buf, size_t sz)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} bits[] = {
		{ MATCH_D_NAME, "name" }, { MATCH_D_NAME_SPLIT, "name-split" },
		{ MATCH_D_KANA, "kana" }, { MATCH_D_KANA_NEAR, "kana-near" },
		{ MATCH_D_KANA_SPLIT, "kana-split" }, { MATCH_D_BIRTH, "birth" },
		{ MATCH_D_SEX, "sex" }, { MATCH_D_ADDR, "address" }, { MATCH_D_AREA, "area" },
		{ MATCH_D_POSTAL, "postal" }, { MATCH_D_PHONE, "phone" },
		{ MATCH_D_MISSING_NAME, "no-name" }, { MATCH_D_MISSING_KANA, "no-kana" },
		{ MATCH_D_MISSING_BIRTH, "no-birth" }, { MATCH_D_MISSING_SEX, "no-sex" },
		{ MATCH_D_MISSING_ADDR, "no-address" }, { MATCH_D_INVALID, "invalid" },
	};
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if ((diff & bits[i].bit) == 0)
			continue;
		n = snprintf(buf + off, sz - off, "%s%s", off > 0 ? "," : "", bits[i].name);
		if (n < 0 || (size_t)n >= sz - off)
			break;
		off += (size_t)n;
	}
	return off > 0 ? buf : "-";
}

/* Prints demographics D, indented. */
static void
ctl_mpi_print_demog(const struct mpi_demog *d)
{
	printf("  name:    %s %s\n  kana:    %s %s\n  birth:   %s\n  sex:     %c\n"
	    "  postal:  %s\n  address: %s\n  phone:   %s\n", d->md_kanji.mn_family,
	    d->md_kanji.mn_given, d->md_kana.mn_family, d->md_kana.mn_given, d->md_birth,
	    d->md_sex != 0 ? d->md_sex : '-', d->md_postal, d->md_addr, d->md_phone);
}

/* Prints patient P and its correlations at NOW. */
static int
ctl_mpi_print_patient(struct mpi *m, const struct mpi_patient *p, int64_t now)
{
	const struct mpi_keys *k = &p->mp_keys;
	struct mpi_corrs cs;
	char t1[32], t2[32];
	size_t i;
	int rc;

	printf("%s\n", p->mp_pid);
	ctl_mpi_print_demog(&p->mp_demog);
	for (i = 0; i < p->mp_nfac; i++)
		printf("  facility id: %s\n", p->mp_fac[i]);
	printf("  created %s, updated %s\n", ctl_mpi_time(p->mp_created, t1, sizeof(t1)),
	    ctl_mpi_time(p->mp_updated, t2, sizeof(t2)));
	printf("  keys (normaliser v%u): name %s|%s kana %s|%s loose %s|%s birth %s sex %c "
	    "postal %s area %s\n", k->mk_version, k->mk_family, k->mk_given, k->mk_kfamily,
	    k->mk_kgiven, k->mk_lfamily, k->mk_lgiven, k->mk_birth,
	    k->mk_sex != 0 ? k->mk_sex : '-', k->mk_postal, k->mk_area);
	if ((rc = mpi_corr_list(m, p->mp_pid, now, &cs)) != MPI_OK)
		return ctl_mpi_fail("correlations", rc);
	if (cs.mc_n == 0)
		printf("  no correlations\n");
	for (i = 0; i < cs.mc_n; i++)
		printf("  %s -> %s  %s, matched %s, expires %s, %s\n", cs.mc_corr[i].mc_hcid,
		    cs.mc_corr[i].mc_remote, mpi_how_name(cs.mc_corr[i].mc_how),
		    ctl_mpi_time(cs.mc_corr[i].mc_matched_at, t1, sizeof(t1)),
		    ctl_mpi_time(cs.mc_corr[i].mc_expires_at, t2, sizeof(t2)),
		    cs.mc_corr[i].mc_fresh ? "fresh" : "EXPIRED");
	mpi_corrs_free(&cs);
	return 0;
}

int
ctl_mpi_show(const struct config *cf, int argc, char **argv)
{
	char pid[MPI_ID_MAX];
	struct mpi_patient *p;
	struct mpi *m;
	int rc, ret = 1;

	(void)argc;
	if ((p = malloc(sizeof(*p))) == NULL || (m = ctl_mpi_open(cf)) == NULL) {
		free(p);
		return 1;
	}
	rc = mpi_patient_get(m, argv[0], p);
	/* a CX of another authority may be a facility id of one of ours */
	if (rc == MPI_E_AUTHORITY &&
	    (rc = mpi_patient_by_facility(m, argv[0], pid, sizeof(pid))) == MPI_OK)
		rc = mpi_patient_get(m, pid, p);
	if (rc != MPI_OK)
		ret = ctl_mpi_fail(argv[0], rc);
	else
		ret = ctl_mpi_print_patient(m, p, (int64_t)time(NULL));
	mpi_close(m);
	free(p);
	return ret;
}

/* Splits NAME at its first space (ASCII or U+3000) into family and given. */
static int
ctl_mpi_name(const char *name, struct mpi_name *out)
{
	const char *sp = strchr(name, ' '), *wide = strstr(name, "\xe3\x80\x80");
	size_t skip = 1;

	if (wide != NULL && (sp == NULL || wide < sp)) {
		sp = wide;
		skip = 3;
	}
	if (sp == NULL)
		return str_copy(out->mn_family, sizeof(out->mn_family), name);
	if ((size_t)(sp - name) >= sizeof(out->mn_family))
		return -1;
	memcpy(out->mn_family, name, (size_t)(sp - name));
	out->mn_family[sp - name] = '\0';
	return str_copy(out->mn_given, sizeof(out->mn_given), sp + skip);
}

/* Sets one search option OPT = VAL in Q. Returns 0 or -1 after printing why. */
static int
ctl_mpi_search_opt(const char *opt, const char *val, struct mpi_demog *q)
{
	char sex[2] = { 0, 0 };
	int bad = 0;

	if (strcmp(opt, "--name") == 0)
		bad = ctl_mpi_name(val, &q->md_kanji);
	else if (strcmp(opt, "--kana") == 0)
		bad = ctl_mpi_name(val, &q->md_kana);
	else if (strcmp(opt, "--birth") == 0)
		bad = norm_birth(val, q->md_birth);
	else if (strcmp(opt, "--sex") == 0) {
		bad = norm_sex(val, sex);
		q->md_sex = sex[0];
	} else if (strcmp(opt, "--addr") == 0)
		bad = str_copy(q->md_addr, sizeof(q->md_addr), val);
	else {
		fprintf(stderr, "hashictl: mpi search: unknown option %s\n", opt);
		return -1;
	}
	if (bad != 0)
		fprintf(stderr, "hashictl: mpi search: bad value for %s: %s\n", opt, val);
	return bad != 0 ? -1 : 0;
}

/* Parses "--opt value" / "--opt=value" pairs of ARGV into Q. */
static int
ctl_mpi_search_args(int argc, char **argv, struct mpi_demog *q)
{
	char opt[16];
	const char *eq;
	int i;

	memset(q, 0, sizeof(*q));
	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) != NULL) {
			if ((size_t)(eq - argv[i]) >= sizeof(opt))
				return ctl_mpi_search_opt(argv[i], "", q);
			memcpy(opt, argv[i], (size_t)(eq - argv[i]));
			opt[eq - argv[i]] = '\0';
			if (ctl_mpi_search_opt(opt, eq + 1, q) == -1)
				return -1;
		} else if (i + 1 < argc) {
			if (ctl_mpi_search_opt(argv[i], argv[i + 1], q) == -1)
				return -1;
			i++;
		} else {
			fprintf(stderr, "hashictl: mpi search: %s needs a value\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

int
ctl_mpi_search(const struct config *cf, int argc, char **argv)
{
	struct mpi_demog q;
	struct mpi_hits hits;
	struct mpi *m;
	char diff[256];
	size_t i;
	int rc;

	if (ctl_mpi_search_args(argc, argv, &q) == -1)
		return 2;
	if ((m = ctl_mpi_open(cf)) == NULL)
		return 1;
	rc = mpi_find(m, &q, MPI_FIND_ALL | MPI_FIND_PREFIX, &hits);
	mpi_close(m);
	if (rc == MPI_E_INVALID) {
		fprintf(stderr, "hashictl: mpi search: give --name, --kana or --birth\n");
		return 2;
	}
	if (rc != MPI_OK)
		return ctl_mpi_fail("mpi search", rc);
	for (i = 0; i < hits.mh_n; i++) {
		const struct mpi_hit *h = &hits.mh_hit[i];

		printf("%-9s %s  %s %s (%s %s) %s %c  %s  differs: %s\n",
		    match_result_name(h->mh_result), h->mh_pid,
		    h->mh_demog.md_kanji.mn_family, h->mh_demog.md_kanji.mn_given,
		    h->mh_demog.md_kana.mn_family, h->mh_demog.md_kana.mn_given,
		    h->mh_demog.md_birth, h->mh_demog.md_sex ? h->mh_demog.md_sex : '-',
		    h->mh_demog.md_addr, ctl_mpi_diff(h->mh_diff, diff, sizeof(diff)));
	}
	printf("%zu patient(s)\n", hits.mh_n);
	mpi_hits_free(&hits);
	return 0;
}

int
ctl_mpi_stats(const struct config *cf, int argc, char **argv)
{
	struct mpi_stats st;
	struct mpi *m;
	int rc;

	(void)argc;
	(void)argv;
	if ((m = ctl_mpi_open(cf)) == NULL)
		return 1;
	rc = mpi_stats(m, (int64_t)time(NULL), &st);
	mpi_close(m);
	if (rc != MPI_OK)
		return ctl_mpi_fail("mpi stats", rc);
	printf("patients:       %zu\nfacility ids:   %zu\ncorrelations:   %zu (%zu expired)\n"
	    "candidates:     %zu\njournal events: %llu\nstorage:        %.1f of %.0f MiB\n",
	    st.ms_patients, st.ms_facility_ids, st.ms_correlations, st.ms_expired,
	    st.ms_candidates, (unsigned long long)st.ms_events,
	    (double)st.ms_bytes_used / (1 << 20), (double)st.ms_map_size / (1 << 20));
	return 0;
}

int
ctl_mpi_review(const struct config *cf, int argc, char **argv)
{
	struct mpi_candidates cs;
	struct mpi *m;
	char t[32], diff[256];
	size_t i;
	int rc;

	(void)argc;
	(void)argv;
	if ((m = ctl_mpi_open(cf)) == NULL)
		return 1;
	rc = mpi_review_list(m, &cs);
	mpi_close(m);
	if (rc != MPI_OK)
		return ctl_mpi_fail("mpi review", rc);
	for (i = 0; i < cs.mv_n; i++) {
		printf("#%llu %s ~ %s in %s (found %s; differs: %s)\n",
		    (unsigned long long)cs.mv_cand[i].mv_id, cs.mv_cand[i].mv_local,
		    cs.mv_cand[i].mv_remote, cs.mv_cand[i].mv_hcid,
		    ctl_mpi_time(cs.mv_cand[i].mv_found_at, t, sizeof(t)),
		    ctl_mpi_diff(cs.mv_cand[i].mv_diff, diff, sizeof(diff)));
		ctl_mpi_print_demog(&cs.mv_cand[i].mv_demog);
	}
	printf("%zu candidate(s)\n", cs.mv_n);
	mpi_candidates_free(&cs);
	return 0;
}

int
ctl_mpi_link(const struct config *cf, int argc, char **argv)
{
	char actor[MPI_ACTOR_MAX];
	struct mpi *m;
	int rc;

	(void)argc;
	if ((m = ctl_mpi_open(cf)) == NULL)
		return 1;
	ctl_mpi_actor(actor, sizeof(actor));
	rc = mpi_link(m, argv[0], argv[1], argv[2], MPI_HOW_OPERATOR, (int64_t)time(NULL), 0,
	    actor);
	mpi_close(m);
	return rc != MPI_OK ? ctl_mpi_fail("mpi link", rc) : 0;
}

int
ctl_mpi_unlink(const struct config *cf, int argc, char **argv)
{
	char actor[MPI_ACTOR_MAX];
	struct mpi *m;
	int rc;

	(void)argc;
	if ((m = ctl_mpi_open(cf)) == NULL)
		return 1;
	ctl_mpi_actor(actor, sizeof(actor));
	rc = mpi_unlink(m, argv[0], argv[1], actor, (int64_t)time(NULL));
	mpi_close(m);
	return rc != MPI_OK ? ctl_mpi_fail("mpi unlink", rc) : 0;
}

/* Confirms (CONFIRM = 1) or rejects the candidate numbered ARG. */
static int
ctl_mpi_decide(const struct config *cf, const char *arg, int confirm)
{
	char actor[MPI_ACTOR_MAX];
	struct mpi *m;
	long long n;
	int rc;

	if (str_to_ll(arg[0] == '#' ? arg + 1 : arg, 1, LLONG_MAX, &n) == -1) {
		fprintf(stderr, "hashictl: %s is not a candidate number\n", arg);
		return 2;
	}
	if ((m = ctl_mpi_open(cf)) == NULL)
		return 1;
	ctl_mpi_actor(actor, sizeof(actor));
	rc = confirm ? mpi_review_confirm(m, (uint64_t)n, actor, (int64_t)time(NULL)) :
	    mpi_review_reject(m, (uint64_t)n, actor, (int64_t)time(NULL));
	mpi_close(m);
	return rc != MPI_OK ? ctl_mpi_fail(confirm ? "mpi confirm" : "mpi reject", rc) : 0;
}

int
ctl_mpi_confirm(const struct config *cf, int argc, char **argv)
{
	(void)argc;
	return ctl_mpi_decide(cf, argv[0], 1);
}

int
ctl_mpi_reject(const struct config *cf, int argc, char **argv)
{
	(void)argc;
	return ctl_mpi_decide(cf, argv[0], 0);
}
