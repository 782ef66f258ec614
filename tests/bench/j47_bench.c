/*
 * tests/bench/j47_bench.c: j47_bench, the japan-47 part of `make bench` (issue 8,
 * tests/bench/japan47.sh): the 47-region federation of a scenario file, started with
 * gateway/scn_fed and loaded as `hashictl scenario run` loads it, then measured:
 *
 *   j47_bench -s SCENARIO -d RUNDIR -D HASHID -C HASHICTL [-r REGION] [-p REGION/ID]
 *             [-n N (1..500)] [-T TARGET_MIB]
 *
 *   1. federation: scn_fed_new (PKIs, one hashid.yaml per region), patients and consents
 *      (scn_run_load_patients, gateways stopped), then every gateway started in file order,
 *      each start timed (scn_fed_start: until its listeners and its event loop answer),
 *      then the documents (scn_run_load_documents, ITI-41 from each local EHR).
 *   2. memory: the 47 hashid processes, found by their configuration path in
 *      /proc/PID/cmdline (scn_fed does not give PIDs): the sum of VmRSS (target: TARGET_MIB,
 *      1536 = 1.5 GiB), RssAnon, RssFile, Pss (smaps_rollup: shared library pages counted
 *      once), VmHWM; after the start, after the documents and after the queries. Then the
 *      CPU the idle federation uses over 2 s.
 *   3. national fan-out from REGION (tokyo) as its local EHR (scn_fed_post: a new TLS
 *      connection per request, as the runner's steps; the time is the client's, around
 *      the call), N (100) sequential queries in each mode, every answer checked:
 *        base  a patient id of REGION that its MPI does not know: no discovery, no peer
 *              asked; the cost of the EHR -> gateway request alone;
 *        (a)   patient ID (P0001), known in 3 prefectures: one first query (links made by
 *              XCPD, new connections to the peers, not counted), then N: its 2 links are
 *              cached, but every other peer is asked by XCPD again each time (the MPI
 *              keeps no "not found"), so each query is XCPD to 44 + ITI-38 to 2;
 *        (b)   a fresh patient each query, known nowhere else: XCPD to all 46 peers, no
 *              ITI-38. REGION's synthetic patients are raised to N + 2 for this (the file's
 *              count when larger); their data is generated as the runner's;
 *        (b')  one patient known nowhere else, N times: shows that nothing is cached.
 *      The peers asked are counted from each answer's Server-Timing header.
 *   4. every gateway stopped (scn_fed_free, timed), and checked gone.
 *
 * Prints what it measures, then one line "j47_bench: key=value ..." for japan47.sh.
 * Exit 0 when it ran (figures are figures), 1 when it could not, 2 for bad usage.
 * Test code: not part of libhashi; built by the Makefile's bench rule into $(BUILD)/bench.
 */
#define _XOPEN_SOURCE 700	/* nftw */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/str.h"
#include "gateway/scenario.h"
#include "gateway/scn_fed.h"
#include "gateway/scn_http.h"
#include "gateway/scn_proc.h"
#include "gateway/scn_run.h"
#include "gateway/scn_xds.h"

#define J47_TIMING_MAX	256	/* Server-Timing entries read per answer */
#define J47_STAT_MAX	4096
/* Queries per mode at most: 3 N + 1 national queries write ~160 KB each to the asking
 * gateway's audit log, whose map is SCN_AUDIT_MAP_SIZE (256 MiB) in a scenario run. */
#define J47_QUERIES_MAX	500

static long long du_total;	/* du_add's sum (nftw takes no argument) */

struct opts {
	const char	*o_scenario, *o_dir, *o_hashid, *o_hashictl, *o_region, *o_patient;
	long		 o_n;
	long		 o_target_mib;
};

/* What one query gave. */
struct answer {
	double	 ms;		/* client time around scn_fed_post */
	size_t	 ndocs, nhomes;	/* documents, and distinct homes among them */
	size_t	 xcpd, linked, iti38;	/* Server-Timing: peers asked by ITI-55, linked, ITI-38 */
	long	 xcpd_ms, iti38_ms;	/* the slowest of each */
};

/* A mode's N answers. */
struct series {
	const char	*name;
	double		*ms;
	size_t		 n;
	size_t		 xcpd, linked, iti38, ndocs;	/* sums */
	long		 xcpd_ms, iti38_ms;		/* sums of the slowest */
};

/* Memory of the federation at one moment (kB). */
struct mem {
	long	rss, anon, file, pss, hwm, rss_max;
	size_t	nproc;
};

/* The federation under measurement. */
struct bench {
	struct opts		 o;
	struct scenario		*s;
	struct scn_fed		*fed;
	size_t			 ai;		/* the asking region */
	pid_t			*pids;
	char			 url[256];
	int			 timeout_ms;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile P (0 < P <= 100) of the N sorted values V. */
static double
pct(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)((p / 100.0) * (double)n + 0.999999);
	return v[k == 0 ? 0 : k > n ? n - 1 : k - 1];
}

static void
on_signal(int sig)
{
	static const char msg[] = "j47_bench: interrupted: every gateway stopped\n";

	scn_proc_kill_all();
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(128 + sig);
	_exit(128 + sig);
}

/* Reads up to SZ-1 bytes of PATH into BUF (NUL-terminated). Returns the length, or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t sz)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sz - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* The "KEY: N kB" value in BUF (a /proc status or smaps_rollup text), or 0. */
static long
kb_of(const char *buf, const char *key)
{
	size_t len = strlen(key);
	const char *p;

	for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : p)
		if (strncmp(p, key, len) == 0 && p[len] == ':')
			return strtol(p + len + 1, NULL, 10);
	return 0;
}

/* Returns 1 when /proc/PID/cmdline is a hashid run with CONFIG as one of its arguments. */
static int
runs_config(const char *pid, const char *config)
{
	char path[300], buf[J47_STAT_MAX];
	const char *a, *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	if ((n = slurp(path, buf, sizeof(buf))) <= 0)
		return 0;
	base = strrchr(buf, '/') != NULL ? strrchr(buf, '/') + 1 : buf;
	if (strcmp(base, "hashid") != 0)
		return 0;
	for (a = buf; a < buf + n; a += strlen(a) + 1)
		if (strcmp(a, config) == 0)
			return 1;
	return 0;
}

/* Finds the PID of every region's hashid by its configuration path. Returns 0, or -1 when
 * a region has none or more than one. */
static int
find_pids(struct bench *b)
{
	struct dirent *de;
	DIR *d;
	size_t i;
	int ret = 0;

	for (i = 0; i < b->s->nregions; i++)
		b->pids[i] = 0;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		for (i = 0; i < b->s->nregions; i++) {
			if (!runs_config(de->d_name, scn_fed_config(b->fed, i)))
				continue;
			if (b->pids[i] != 0)
				ret = -1;	/* two processes with one configuration */
			b->pids[i] = (pid_t)atol(de->d_name);
		}
	}
	closedir(d);
	for (i = 0; i < b->s->nregions; i++)
		if (b->pids[i] == 0) {
			fprintf(stderr, "j47_bench: no hashid runs %s\n", scn_fed_config(b->fed, i));
			ret = -1;
		}
	return ret;
}

/* Adds up the memory of every region's process into M. Returns 0 or -1. */
static int
mem_read(const struct bench *b, struct mem *m)
{
	char path[64], buf[J47_STAT_MAX];
	long rss;
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < b->s->nregions; i++) {
		snprintf(path, sizeof(path), "/proc/%ld/status", (long)b->pids[i]);
		if (slurp(path, buf, sizeof(buf)) <= 0)
			return -1;
		rss = kb_of(buf, "VmRSS");
		m->rss += rss;
		m->anon += kb_of(buf, "RssAnon");
		m->file += kb_of(buf, "RssFile") + kb_of(buf, "RssShmem");
		m->hwm += kb_of(buf, "VmHWM");
		m->rss_max = rss > m->rss_max ? rss : m->rss_max;
		snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", (long)b->pids[i]);
		if (slurp(path, buf, sizeof(buf)) > 0)
			m->pss += kb_of(buf, "Pss");
		m->nproc++;
	}
	return 0;
}

static void
mem_print(const char *when, const struct mem *m)
{
	printf("  memory %-16s VmRSS %ld kB (%.1f MiB, %.1f MiB a gateway, largest %.1f MiB): "
	    "anon %ld kB, file/shmem %ld kB; Pss %ld kB; VmHWM %ld kB\n", when, m->rss,
	    (double)m->rss / 1024.0, (double)m->rss / 1024.0 / (double)(m->nproc ? m->nproc : 1),
	    (double)m->rss_max / 1024.0, m->anon, m->file, m->pss, m->hwm);
}

/* Adds the sizes of the files under PATH. */
static int
du_add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F)
		du_total += (long long)st->st_blocks * 512;	/* on disk: LMDB files are sparse */
	return 0;
}

/* Prints the asking region's own memory and the size of its state directory: what its
 * RssFile holds beyond the libraries are pages of its LMDB stores (the audit log grows
 * with every peer asked). */
static void
asker_print(const struct bench *b)
{
	char path[64], buf[J47_STAT_MAX], state[1024];

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)b->pids[b->ai]);
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return;
	du_total = 0;
	if (scn_fed_state(b->fed, b->ai, state, sizeof(state)) != NULL)
		(void)nftw(state, du_add, 16, FTW_PHYS);
	printf("  %s (asking): VmRSS %ld kB: anon %ld kB, file %ld kB; state directory %.1f MiB "
	    "(LMDB: registry, MPI, consents, audit log)\n", b->s->regions[b->ai].name,
	    kb_of(buf, "VmRSS"), kb_of(buf, "RssAnon"), kb_of(buf, "RssFile"),
	    (double)du_total / 1048576.0);
}

/* User + system clock ticks of every region's process so far, or -1. */
static long
cpu_ticks(const struct bench *b)
{
	char path[64], buf[J47_STAT_MAX];
	unsigned long ut, st;
	long sum = 0;
	const char *p;
	size_t i;

	for (i = 0; i < b->s->nregions; i++) {
		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)b->pids[i]);
		/* fields after the command's closing parenthesis: state is field 3 */
		if (slurp(path, buf, sizeof(buf)) <= 0 || (p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		    &ut, &st) != 2)
			return -1;
		sum += (long)(ut + st);
	}
	return sum;
}

/* Counts the hops of REP's Server-Timing header into A. */
static void
count_hops(const struct scn_http_reply *rep, struct answer *a)
{
	struct scn_timing *t;
	size_t n, k;

	if ((t = calloc(J47_TIMING_MAX, sizeof(*t))) == NULL)
		return;
	n = scn_timing_parse(rep->sr_timing, t, J47_TIMING_MAX);
	for (k = 0; k < n; k++) {
		if (strcmp(t[k].st_txn, "iti55") == 0) {
			a->xcpd++;
			a->linked += strcmp(t[k].st_desc, "linked") == 0;
			a->xcpd_ms = t[k].st_ms > a->xcpd_ms ? t[k].st_ms : a->xcpd_ms;
		} else if (strcmp(t[k].st_txn, "iti38") == 0) {
			a->iti38++;
			a->iti38_ms = t[k].st_ms > a->iti38_ms ? t[k].st_ms : a->iti38_ms;
		}
	}
	free(t);
}

/* Counts the distinct homes of the documents of X. */
static size_t
count_homes(const struct scn_xds_answer *x)
{
	size_t i, j, n = 0;

	for (i = 0; i < x->ndocs; i++) {
		for (j = 0; j < i; j++)
			if (x->docs[j].home != NULL && x->docs[i].home != NULL &&
			    strcmp(x->docs[j].home, x->docs[i].home) == 0)
				break;
		n += j == i;
	}
	return n;
}

/* Sends one ITI-38 for patient ID of the asking region and reads the answer into A.
 * Returns 0 when an answer without fault came back, else -1 (the reason on stderr). */
static int
query(struct bench *b, const char *id, struct answer *a)
{
	const struct scn_region *r = &b->s->regions[b->ai];
	struct scn_xds_caller who = { b->url, "clinical", r->users[0], NULL };
	struct scn_xds_req req = { 0 };
	struct scn_xds_answer x;
	struct scn_http_reply rep;
	char cx[320], err[256];
	double t0;
	int ret = -1, rc;

	memset(a, 0, sizeof(*a));
	memset(&x, 0, sizeof(x));
	if (scn_xds_cx(cx, sizeof(cx), id, r->assigning_authority) == -1 ||
	    scn_xds_query(&who, cx, &req, err, sizeof(err)) == -1) {
		fprintf(stderr, "j47_bench: cannot build the query for %s\n", id);
		return -1;
	}
	t0 = now_ms();
	rc = scn_fed_post(b->fed, b->ai, b->url, req.content_type, req.body, req.len,
	    b->timeout_ms, &rep);
	a->ms = now_ms() - t0;
	if (rc == -1)
		fprintf(stderr, "j47_bench: query for %s: %s\n", id, rep.sr_err);
	else if (scn_xds_parse_query(rep.sr_body, rep.sr_len, rep.sr_content_type,
	    req.message_id, &x) == -1 || x.fault)
		fprintf(stderr, "j47_bench: query for %s: HTTP %d, %s%s\n", id, rep.sr_status,
		    x.fault ? "SOAP fault: " : "", x.fault ? x.fault_reason : x.error);
	else {
		a->ndocs = x.ndocs;
		a->nhomes = count_homes(&x);
		count_hops(&rep, a);
		ret = 0;
	}
	scn_xds_answer_reset(&x);
	scn_http_reply_reset(&rep);
	scn_xds_req_reset(&req);
	return ret;
}

/* The id of the asking region's synthetic patient K into BUF. */
static const char *
synthetic(const struct bench *b, size_t k, char *buf, size_t bufsz)
{
	return scenario_synthetic_id(&b->s->regions[b->ai], k, buf, bufsz) == 0 ? buf : NULL;
}

/* Runs N queries of one mode: patient ID, or (ID NULL) synthetic patient FIRST + i. Each
 * answer must have WANT_DOCS documents from WANT_HOMES homes, WANT_XCPD peers asked by
 * ITI-55 and WANT_38 by ITI-38 (-1: not checked). Returns 0, or -1 at the first answer that
 * differs. */
static int
run_series(struct bench *b, struct series *sr, const char *id, size_t first, long want_docs,
    long want_homes, long want_xcpd, long want_38)
{
	struct answer a;
	char buf[80];
	const char *p;
	size_t i;

	for (i = 0; i < sr->n; i++) {
		if ((p = id) == NULL && (p = synthetic(b, first + i, buf, sizeof(buf))) == NULL)
			return -1;
		if (query(b, p, &a) == -1)
			return -1;
		if ((want_docs >= 0 && (long)a.ndocs != want_docs) ||
		    (want_homes >= 0 && (long)a.nhomes != want_homes) ||
		    (want_xcpd >= 0 && (long)a.xcpd != want_xcpd) ||
		    (want_38 >= 0 && (long)a.iti38 != want_38)) {
			fprintf(stderr, "j47_bench: %s, query %zu for %s: %zu documents from %zu "
			    "regions, %zu XCPD, %zu ITI-38; expected %ld, %ld, %ld, %ld\n", sr->name,
			    i + 1, p, a.ndocs, a.nhomes, a.xcpd, a.iti38, want_docs, want_homes,
			    want_xcpd, want_38);
			return -1;
		}
		sr->ms[i] = a.ms;
		sr->xcpd += a.xcpd;
		sr->linked += a.linked;
		sr->iti38 += a.iti38;
		sr->ndocs += a.ndocs;
		sr->xcpd_ms += a.xcpd_ms;
		sr->iti38_ms += a.iti38_ms;
	}
	qsort(sr->ms, sr->n, sizeof(sr->ms[0]), cmp_double);
	printf("  %-34s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%zu queries; per query: "
	    "%.1f XCPD, %.1f ITI-38, %.1f documents; slowest XCPD %.1f ms, ITI-38 %.1f ms)\n",
	    sr->name, pct(sr->ms, sr->n, 50), pct(sr->ms, sr->n, 99), sr->ms[sr->n - 1], sr->n,
	    (double)sr->xcpd / (double)sr->n, (double)sr->iti38 / (double)sr->n,
	    (double)sr->ndocs / (double)sr->n, (double)sr->xcpd_ms / (double)sr->n,
	    (double)sr->iti38_ms / (double)sr->n);
	fflush(stdout);
	return 0;
}

/* Starts every region in file order, each timed. Returns the total ms, or -1. */
static double
start_all(struct bench *b, double *p50, double *max)
{
	char err[512];
	double *t, t0, total = 0;
	size_t i, n = b->s->nregions;

	if ((t = calloc(n, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if (scn_fed_start(b->fed, i, err, sizeof(err)) == -1) {
			fprintf(stderr, "j47_bench: %s\n", err);
			free(t);
			return -1;
		}
		t[i] = now_ms() - t0;
		total += t[i];
	}
	qsort(t, n, sizeof(*t), cmp_double);
	*p50 = pct(t, n, 50);
	*max = t[n - 1];
	free(t);
	return total;
}

/* The set-up: scenario, asking region, federation made and loaded, memory after start
 * (*IDLE) and after the documents (*LOADED). Prints timings; appends to RES. */
static int
setup(struct bench *b, struct mem *idle, struct mem *loaded, struct strbuf *res)
{
	struct scn_run_opts ro = { .so_hashid = b->o.o_hashid, .so_hashictl = b->o.o_hashictl,
		.so_dir = b->o.o_dir };
	const struct scn_region *r;
	struct scn_region *w;
	char err[512];
	double t0, t_new, t_pat, t_start, t_docs, p50 = 0, max = 0;
	long want = b->o.o_n + 2;
	size_t i;

	if ((b->s = scenario_load(b->o.o_scenario, stderr)) == NULL)
		return -1;
	for (i = 0; i < b->s->nregions && strcmp(b->s->regions[i].name, b->o.o_region); i++)
		;
	if (i == b->s->nregions || scenario_patient(b->s, b->o.o_patient, &r, NULL) == -1 ||
	    r != &b->s->regions[i]) {
		fprintf(stderr, "j47_bench: no region %s, or no patient %s of it\n",
		    b->o.o_region, b->o.o_patient);
		return -1;
	}
	b->ai = i;
	w = &b->s->regions[i];
	b->timeout_ms = b->s->timeout_ms + 5000;
	if ((long)w->synthetic < want) {
		printf("  %s: %d synthetic patients -> %ld (a fresh one for each query of (b))\n",
		    w->name, w->synthetic, want);
		w->synthetic = (int)want;
	}
	if ((b->pids = calloc(b->s->nregions, sizeof(*b->pids))) == NULL)
		return -1;
	t0 = now_ms();
	if ((b->fed = scn_fed_new(b->s, b->o.o_dir, b->o.o_hashid, 0, err, sizeof(err))) == NULL)
		goto fail;
	t_new = now_ms() - t0;
	t0 = now_ms();
	if (scn_run_load_patients(b->s, &ro, b->fed, err, sizeof(err)) == -1)
		goto fail;
	t_pat = now_ms() - t0;
	if ((t_start = start_all(b, &p50, &max)) < 0 || find_pids(b) == -1 ||
	    mem_read(b, idle) == -1)
		return -1;
	printf("  %zu regions: PKIs and configurations %.0f ms; patients and consents "
	    "(hashictl, gateways stopped) %.0f ms\n", b->s->nregions, t_new, t_pat);
	printf("  start of the %zu gateways, one after the other: %.0f ms (each: p50 %.0f ms, "
	    "max %.0f ms)\n", b->s->nregions, t_start, p50, max);
	mem_print("after the start", idle);
	t0 = now_ms();
	if (scn_run_load_documents(b->s, &ro, b->fed, err, sizeof(err)) == -1)
		goto fail;
	t_docs = now_ms() - t0;
	printf("  documents (ITI-41 from each local EHR): %.0f ms\n", t_docs);
	if (mem_read(b, loaded) == -1)
		return -1;
	mem_print("after the documents", loaded);
	strbuf_printf(res, "regions=%zu fed_new_ms=%.0f patients_ms=%.0f start_ms=%.0f "
	    "start_p50_ms=%.0f start_max_ms=%.0f docs_ms=%.0f rss_idle_kb=%ld rss_loaded_kb=%ld ",
	    b->s->nregions, t_new, t_pat, t_start, p50, max, t_docs, idle->rss, loaded->rss);
	return 0;
fail:
	fprintf(stderr, "j47_bench: %s\n", err);
	return -1;
}

/* Idle CPU of the whole federation over 2 s, in % of one core (-1 when unreadable). */
static double
idle_cpu(const struct bench *b)
{
	struct timespec two = { 2, 0 };
	long t0, t1, hz = sysconf(_SC_CLK_TCK);

	if ((t0 = cpu_ticks(b)) < 0)
		return -1;
	nanosleep(&two, NULL);
	if ((t1 = cpu_ticks(b)) < 0)
		return -1;
	return 100.0 * (double)(t1 - t0) / (double)hz / 2.0;
}

/* Appends a series' figures to RES under PREFIX. */
static void
series_res(struct strbuf *res, const char *prefix, const struct series *sr)
{
	strbuf_printf(res, "%s_p50_ms=%.2f %s_p99_ms=%.2f %s_xcpd=%.1f %s_iti38=%.1f ", prefix,
	    pct(sr->ms, sr->n, 50), prefix, pct(sr->ms, sr->n, 99), prefix,
	    (double)sr->xcpd / (double)sr->n, prefix, (double)sr->iti38 / (double)sr->n);
}

/* The four series. Returns 0 or -1. */
static int
measure(struct bench *b, struct strbuf *res)
{
	size_t n = (size_t)b->o.o_n, peers = b->s->nregions - 1;
	struct series base = { "base: unknown patient, no fan-out", NULL, n, 0, 0, 0, 0, 0, 0 };
	struct series ca = { "(a) 3 prefectures, links cached", NULL, n, 0, 0, 0, 0, 0, 0 };
	struct series cb = { "(b) fresh patient, none cached", NULL, n, 0, 0, 0, 0, 0, 0 };
	struct series cr = { "(b') same uncached patient", NULL, n, 0, 0, 0, 0, 0, 0 };
	const char *pid = strchr(b->o.o_patient, '/') + 1;
	struct answer first;
	char rep_id[80];
	int ret = -1;

	if ((base.ms = calloc(n, sizeof(double))) == NULL ||
	    (ca.ms = calloc(n, sizeof(double))) == NULL ||
	    (cb.ms = calloc(n, sizeof(double))) == NULL ||
	    (cr.ms = calloc(n, sizeof(double))) == NULL ||
	    synthetic(b, n, rep_id, sizeof(rep_id)) == NULL)
		goto done;
	if (run_series(b, &base, "J47NOBODY", 0, 0, 0, 0, 0) == -1)
		goto done;
	/* the first query of (a): discovery links the patient; not counted */
	if (query(b, pid, &first) == -1 || first.linked == 0 || first.ndocs == 0) {
		fprintf(stderr, "j47_bench: the first query for %s linked %zu regions, %zu "
		    "documents\n", b->o.o_patient, first.linked, first.ndocs);
		goto done;
	}
	printf("  first query for %s (new connections to the peers, XCPD to %zu, %zu linked, "
	    "ITI-38 to %zu): %.2f ms, %zu documents from %zu regions\n", b->o.o_patient,
	    first.xcpd, first.linked, first.iti38, first.ms, first.ndocs, first.nhomes);
	if (run_series(b, &ca, pid, 0, (long)first.ndocs, (long)first.nhomes,
	    (long)(peers - first.linked), (long)first.linked) == -1 ||
	    run_series(b, &cb, NULL, 0, -1, -1, (long)peers, 0) == -1 ||
	    run_series(b, &cr, rep_id, 0, -1, -1, (long)peers, 0) == -1)
		goto done;
	strbuf_printf(res, "queries=%zu first_ms=%.2f linked=%zu ", n, first.ms, first.linked);
	series_res(res, "base", &base);
	series_res(res, "a", &ca);
	series_res(res, "b", &cb);
	series_res(res, "rep", &cr);
	ret = 0;
done:
	free(base.ms);
	free(ca.ms);
	free(cb.ms);
	free(cr.ms);
	return ret;
}

/* Stops every gateway (timed) and checks that none of their processes is left. */
static int
stop_all(struct bench *b, struct strbuf *res)
{
	double t0 = now_ms();
	size_t i, left = 0;

	scn_fed_free(b->fed);
	b->fed = NULL;
	strbuf_printf(res, "stop_ms=%.0f ", now_ms() - t0);
	for (i = 0; b->pids != NULL && i < b->s->nregions; i++)
		if (b->pids[i] > 0 && (kill(b->pids[i], 0) == 0 || errno != ESRCH))
			left++;
	printf("  every gateway stopped in %.0f ms (all told at once); %zu left running\n",
	    now_ms() - t0, left);
	return left == 0 ? 0 : -1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: j47_bench -s SCENARIO -d RUNDIR -D HASHID -C HASHICTL "
	    "[-r REGION] [-p REGION/ID] [-n N] [-T TARGET_MIB]\n");
	return 2;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->o_region = "tokyo";
	o->o_patient = "tokyo/P0001";
	o->o_n = 100;
	o->o_target_mib = 1536;
	while ((c = getopt(argc, argv, "s:d:D:C:r:p:n:T:")) != -1) {
		switch (c) {
		case 's': o->o_scenario = optarg; break;
		case 'd': o->o_dir = optarg; break;
		case 'D': o->o_hashid = optarg; break;
		case 'C': o->o_hashictl = optarg; break;
		case 'r': o->o_region = optarg; break;
		case 'p': o->o_patient = optarg; break;
		case 'n': o->o_n = atol(optarg); break;
		case 'T': o->o_target_mib = atol(optarg); break;
		default: return -1;
		}
	}
	if (o->o_scenario == NULL || o->o_dir == NULL || o->o_hashid == NULL ||
	    o->o_hashictl == NULL || o->o_n < 1 || o->o_n > J47_QUERIES_MAX || o->o_target_mib < 1 ||
	    strchr(o->o_patient, '/') == NULL)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench b;
	struct mem idle, loaded, busy;
	struct strbuf res = { 0 };
	double cpu;
	long target_kb;
	int ret = 1;

	memset(&b, 0, sizeof(b));
	if (parse_opts(argc, argv, &b.o) == -1)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);	/* progress as it comes, also into a file */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
	target_kb = b.o.o_target_mib * 1024;
	if (setup(&b, &idle, &loaded, &res) == -1)
		goto done;
	cpu = idle_cpu(&b);
	printf("  idle federation: %.1f%% of one core (2 s)\n", cpu);
	if (scn_fed_url(b.fed, b.ai, "clinical", "/ig", b.url, sizeof(b.url)) == NULL ||
	    measure(&b, &res) == -1 || mem_read(&b, &busy) == -1)
		goto done;
	mem_print("after the queries", &busy);
	asker_print(&b);
	printf("  %zu gateways: VmRSS %.1f MiB, target < %ld MiB: %s\n", busy.nproc,
	    (double)busy.rss / 1024.0, b.o.o_target_mib, busy.rss < target_kb ? "met" : "NOT met");
	strbuf_printf(&res, "idle_cpu_pct=%.1f rss_kb=%ld rss_max_kb=%ld anon_kb=%ld file_kb=%ld "
	    "pss_kb=%ld hwm_kb=%ld target_kb=%ld met=%d ", cpu, busy.rss, busy.rss_max, busy.anon,
	    busy.file, busy.pss, busy.hwm, target_kb, busy.rss < target_kb);
	if (stop_all(&b, &res) == -1)
		goto done;
	if (res.sb_failed) {
		fprintf(stderr, "j47_bench: out of memory\n");
		goto done;
	}
	printf("j47_bench: %s\n", res.sb_data);
	ret = 0;
done:
	if (ret != 0)
		fprintf(stderr, "j47_bench: could not run\n");
	scn_fed_free(b.fed);	/* stops whatever still runs */
	scenario_free(b.s);
	free(b.pids);
	strbuf_reset(&res);
	return ret;
}
