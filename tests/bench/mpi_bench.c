/*
 * tests/bench/mpi_bench.c: mpi_bench, the MPI store part of `make bench` (tests/bench/mpi.sh),
 * run on an MPI that `hashictl mpi import` filled with tests/bench/gen_patients.c's patients:
 *
 *   mpi_bench -d MPI_DIR -a AUTHORITY -n PATIENTS [-x PREFIX] [-m MAP_MIB] [-l LOOKUPS]
 *             [-b BATCH] [-q QUERIES] [-F FIND_SECONDS] [-L LINK_PERCENT]
 *             [-T LINK_SECONDS] [-X XREF_CSV] [-S SEED]
 *
 *   1. id lookups: LOOKUPS (1,000,000) uniformly random pids of 1..PATIENTS through the
 *      batch reader (mpi_reader_lookup), BATCH (1000) per read transaction, on this one
 *      thread: a first pass (the pages come into this process's map), then the measured
 *      pass with bare ids, then the same with CX ids (what peers send and pidmap passes).
 *   2. links: every (100 / LINK_PERCENT)-th patient (10 %) linked with mpi_link to an id
 *      in another community, one write transaction (and sync) each, as an XCPD feed does,
 *      timed, for at most LINK_SECONDS (10): a synced commit costs milliseconds on a
 *      disk. With -X the rest are then linked in one transaction by mpi_import_xref of a
 *      CSV written to XREF_CSV (removed after), so that phase 3 sees all of them.
 *   3. pid + HCID -> remote id: LOOKUPS random linked patients (mpi_reader_remote).
 *   4. demographic matches: up to QUERIES (10,000) random patients' own stored
 *      demographics through mpi_find, for at most FIND_SECONDS (5) (each should come back
 *      AUTO, itself), then the same with the address changed (a near miss: no AUTO, a
 *      CANDIDATE expected).
 *   5. sizes: data.mdb's real bytes (st_blocks * 512), its length, mpi_stats' used bytes.
 *
 * Prints what it measures, then one line "mpi_bench: key=value ..." for mpi.sh. Exit 0
 * when it ran (figures are figures), 1 when it could not, 2 for bad usage.
 * Test code: not part of libhashi; built by the Makefile's bench rule into $(BUILD)/bench.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mpi/mpi.h"

#define BENCH_HCID	"urn:oid:1.2.392.200119.6.1002"		/* shimane's (tests/data) */
#define BENCH_RAA	"1.2.392.200119.6.1002.1"
#define BENCH_IDLEN	48

typedef char bench_id[BENCH_IDLEN];

struct opts {
	const char	*o_dir, *o_aa, *o_prefix, *o_xref;
	unsigned long	 o_n, o_lookups, o_batch, o_queries, o_linkpct, o_mapmib;
	double		 o_linksecs, o_findsecs;
	uint64_t	 o_seed;
};

/* A stopwatch: wall and CPU seconds of this process. */
struct watch { struct timespec w_wall, w_cpu; };

struct result {
	double		r_lookup_cold, r_lookup, r_lookup_cx, r_link, r_link_s, r_remote;
	double		r_find, r_near, r_bulk_s, r_cands;
	unsigned long	r_linked, r_bulk, r_find_auto, r_near_cand, r_near_auto, r_queries;
	double		r_lookup_cpu;	/* CPU / wall of the measured lookup pass */
};

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64*: reproducible with -S */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void
watch_start(struct watch *w)
{
	clock_gettime(CLOCK_MONOTONIC, &w->w_wall);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &w->w_cpu);
}

static double
ts_sub(const struct timespec *b, const struct timespec *a)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Seconds since watch_start; *CPU (may be NULL) gets the CPU seconds. */
static double
watch_stop(const struct watch *w, double *cpu)
{
	struct timespec now, c;

	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
	if (cpu != NULL)
		*cpu = ts_sub(&c, &w->w_cpu);
	return ts_sub(&now, &w->w_wall);
}

/* Formats COUNT random ids of patients 1..N, bare (PREFIX%04u) or CX; only every STEP-th
 * patient. Returns the array (free) or NULL. */
static bench_id *
ids_make(const struct opts *o, unsigned long count, unsigned long step, int cx)
{
	bench_id *ids;
	unsigned long i, k, span = o->o_n / step;
	int n;

	if (span == 0 || (ids = calloc(count, sizeof(*ids))) == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		k = (1 + rng() % span) * step;
		n = cx ? snprintf(ids[i], sizeof(ids[i]), "%s%04lu^^^&%s&ISO", o->o_prefix, k,
		    o->o_aa) : snprintf(ids[i], sizeof(ids[i]), "%s%04lu", o->o_prefix, k);
		if (n < 0 || (size_t)n >= sizeof(ids[i])) {
			free(ids);
			return NULL;
		}
	}
	return ids;
}

/* COUNT lookups of IDS (pid -> summary, or with HCID pid + HCID -> remote), BATCH per reader.
 * Returns lookups per second, or -1 when one failed or found the wrong patient. */
static double
run_lookups(struct mpi *m, const bench_id *ids, unsigned long count, unsigned long batch,
    const char *hcid, double *cpu)
{
	struct mpi_reader *r = NULL;
	struct mpi_summary s;
	struct mpi_remote rem;
	struct watch w;
	unsigned long i = 0, j;
	int64_t now = (int64_t)time(NULL);
	int rc = MPI_OK;
	double secs;
	size_t n;

	watch_start(&w);
	while (i < count && rc == MPI_OK) {
		if ((rc = mpi_reader_begin(m, &r)) != MPI_OK)
			break;
		for (j = 0; j < batch && i < count && rc == MPI_OK; j++, i++) {
			if (hcid != NULL)
				rc = mpi_reader_remote(r, ids[i], hcid, now, &rem);
			else if ((rc = mpi_reader_lookup(r, ids[i], &s)) == MPI_OK &&
			    (strncmp(s.ms_id, ids[i], (n = strlen(s.ms_id))) != 0 ||
			    (ids[i][n] != '\0' && ids[i][n] != '^')))
				rc = MPI_E_CORRUPT;	/* not the patient asked for */
		}
		mpi_reader_end(r);
	}
	secs = watch_stop(&w, cpu);
	if (rc != MPI_OK) {
		fprintf(stderr, "mpi_bench: lookup %lu (%s): %s\n", i, ids[i > 0 ? i - 1 : 0],
		    mpi_strerror(rc));
		return -1;
	}
	return (double)count / secs;
}

/* Phase 1: pid -> summary, bare then CX. */
static int
bench_ids(struct mpi *m, const struct opts *o, struct result *res)
{
	bench_id *ids = ids_make(o, o->o_lookups, 1, 0);
	bench_id *cxs = ids_make(o, o->o_lookups, 1, 1);
	double cpu;
	int ret = -1;

	if (ids == NULL || cxs == NULL) {
		fprintf(stderr, "mpi_bench: out of memory or ids too long\n");
		goto done;
	}
	if ((res->r_lookup_cold = run_lookups(m, ids, o->o_lookups, o->o_batch, NULL,
	    NULL)) < 0 ||
	    (res->r_lookup = run_lookups(m, ids, o->o_lookups, o->o_batch, NULL, &cpu)) < 0 ||
	    (res->r_lookup_cx = run_lookups(m, cxs, o->o_lookups, o->o_batch, NULL, NULL)) < 0)
		goto done;
	res->r_lookup_cpu = cpu * res->r_lookup / (double)o->o_lookups;
	printf("  id lookups (pid -> summary), %lu random of %lu, %lu per read transaction:\n"
	    "    first pass %.0f/s; measured %.0f/s bare ids (CPU %.0f %% of one core), "
	    "%.0f/s CX ids\n", o->o_lookups, o->o_n, o->o_batch, res->r_lookup_cold,
	    res->r_lookup, res->r_lookup_cpu * 100, res->r_lookup_cx);
	ret = 0;
done:
	free(ids);
	free(cxs);
	return ret;
}

/* The remote id of patient K in shimane (BENCH_HCID). */
static void
remote_of(unsigned long k, char *out, size_t outsz)
{
	snprintf(out, outsz, "R%08lu^^^&%s&ISO", k, BENCH_RAA);
}

/* Links the patients FIRST, FIRST + STEP, ... up to N in one transaction, with the
 * bulk path (mpi_import_xref of a CSV written to PATH, removed after). */
static int
link_bulk(struct mpi *m, const struct opts *o, unsigned long first, unsigned long step,
    struct result *res)
{
	struct mpi_import_stats st;
	char remote[BENCH_IDLEN];
	struct watch w;
	unsigned long k;
	FILE *f;
	int rc;

	if ((f = fopen(o->o_xref, "w")) == NULL) {
		fprintf(stderr, "mpi_bench: %s: %s\n", o->o_xref, strerror(errno));
		return -1;
	}
	fprintf(f, "pid,hcid,remote_pid,how\n");
	for (k = first; k <= o->o_n; k += step) {
		remote_of(k, remote, sizeof(remote));
		fprintf(f, "%s%04lu,%s,%s,PIX\n", o->o_prefix, k, BENCH_HCID, remote);
	}
	if (fclose(f) == EOF) {
		fprintf(stderr, "mpi_bench: %s: %s\n", o->o_xref, strerror(errno));
		return -1;
	}
	watch_start(&w);
	rc = mpi_import_xref(m, o->o_xref, "mpi_bench", (int64_t)time(NULL), stderr, &st);
	res->r_bulk_s = watch_stop(&w, NULL);
	unlink(o->o_xref);
	if (rc != MPI_OK) {
		fprintf(stderr, "mpi_bench: mpi_import_xref: %s\n", mpi_strerror(rc));
		return -1;
	}
	res->r_bulk = st.mi_added + st.mi_updated;
	return 0;
}

/* Phase 2: links every STEP-th patient with mpi_link, one transaction each, for at most
 * o_linksecs; the rest (with -X) in one transaction. */
static int
bench_link(struct mpi *m, const struct opts *o, unsigned long step, struct result *res)
{
	char local[BENCH_IDLEN], remote[BENCH_IDLEN];
	struct watch w;
	unsigned long k;
	int64_t now = (int64_t)time(NULL);
	int rc = MPI_OK;

	watch_start(&w);
	for (k = step; k <= o->o_n; k += step) {
		snprintf(local, sizeof(local), "%s%04lu", o->o_prefix, k);
		remote_of(k, remote, sizeof(remote));
		if ((rc = mpi_link(m, local, BENCH_HCID, remote, MPI_HOW_PIX, now, 0,
		    "mpi_bench")) != MPI_OK)
			break;
		res->r_linked++;
		if ((res->r_linked & 15) == 0 && watch_stop(&w, NULL) > o->o_linksecs)
			break;
	}
	res->r_link_s = watch_stop(&w, NULL);
	if (rc != MPI_OK) {
		fprintf(stderr, "mpi_bench: mpi_link %s: %s\n", local, mpi_strerror(rc));
		return -1;
	}
	res->r_link = (double)res->r_linked / res->r_link_s;
	printf("  links: %lu patients (every %lu-th) linked to %s with mpi_link, one write "
	    "transaction (and sync) each: %.1f s, %.0f links/s\n", res->r_linked, step,
	    BENCH_HCID, res->r_link_s, res->r_link);
	if (res->r_linked < o->o_n / step && o->o_xref != NULL) {
		if (link_bulk(m, o, (res->r_linked + 1) * step, step, res) == -1)
			return -1;
		printf("         the other %lu (time limit %.0f s) with mpi_import_xref in one "
		    "transaction: %.1f s\n", res->r_bulk, o->o_linksecs, res->r_bulk_s);
		res->r_linked += res->r_bulk;
	}
	return 0;
}

/* Phase 3: pid + HCID -> remote id over the linked patients. */
static int
bench_remote(struct mpi *m, const struct opts *o, unsigned long step, struct result *res)
{
	struct opts lo = *o;
	bench_id *ids;

	/* only the patients phase 2 linked: 1..r_linked * step */
	lo.o_n = res->r_linked * step;
	if ((ids = ids_make(&lo, o->o_lookups, step, 0)) == NULL) {
		fprintf(stderr, "mpi_bench: out of memory\n");
		return -1;
	}
	res->r_remote = run_lookups(m, ids, o->o_lookups, o->o_batch, BENCH_HCID, NULL);
	free(ids);
	if (res->r_remote < 0)
		return -1;
	printf("  pid + HCID -> remote id, %lu random of the %lu linked: %.0f/s\n",
	    o->o_lookups, res->r_linked, res->r_remote);
	return 0;
}

/* Loads the stored demographics of COUNT random patients into *OUT (free). */
static int
queries_load(struct mpi *m, const struct opts *o, unsigned long count, struct mpi_patient **out)
{
	struct mpi_patient *q;
	char id[BENCH_IDLEN];
	unsigned long i;
	int rc;

	if ((q = calloc(count, sizeof(*q))) == NULL) {
		fprintf(stderr, "mpi_bench: out of memory\n");
		return -1;
	}
	for (i = 0; i < count; i++) {
		snprintf(id, sizeof(id), "%s%04lu", o->o_prefix, 1 + rng() % o->o_n);
		if ((rc = mpi_patient_get(m, id, &q[i])) != MPI_OK) {
			fprintf(stderr, "mpi_bench: get %s: %s\n", id, mpi_strerror(rc));
			free(q);
			return -1;
		}
	}
	*out = q;
	return 0;
}

/* mpi_find on Q[0..*COUNT)'s demographics, for at most SECS (*COUNT is then how many ran):
 * *AUTO counts those whose best hit is AUTO and the patient itself, *CAND those whose best
 * is a CANDIDATE. Returns queries/s, -1 on failure. */
static double
run_finds(struct mpi *m, const struct mpi_patient *q, unsigned long *count, double secs,
    unsigned long *autop, unsigned long *candp)
{
	struct mpi_hits hits;
	struct watch w;
	unsigned long i;
	int rc;

	*autop = *candp = 0;
	watch_start(&w);
	for (i = 0; i < *count; i++) {
		if ((i & 63) == 63 && watch_stop(&w, NULL) > secs)
			break;
		if ((rc = mpi_find(m, &q[i].mp_demog, 0, &hits)) != MPI_OK) {
			fprintf(stderr, "mpi_bench: mpi_find %s: %s\n", q[i].mp_pid,
			    mpi_strerror(rc));
			return -1;
		}
		if (hits.mh_n > 0 && hits.mh_hit[0].mh_result == MATCH_AUTO &&
		    strcmp(hits.mh_hit[0].mh_pid, q[i].mp_pid) == 0)
			(*autop)++;
		else if (hits.mh_n > 0 && hits.mh_hit[0].mh_result == MATCH_CANDIDATE)
			(*candp)++;
		mpi_hits_free(&hits);
	}
	*count = i;
	return (double)i / watch_stop(&w, NULL);
}

/* The mean number of patients mpi_find examines for Q[0..COUNT) (with MPI_FIND_ALL every
 * candidate the indexes proposed comes back), or -1. */
static double
mean_candidates(struct mpi *m, const struct mpi_patient *q, unsigned long count)
{
	struct mpi_hits hits;
	unsigned long i, total = 0;

	for (i = 0; i < count; i++) {
		if (mpi_find(m, &q[i].mp_demog, MPI_FIND_ALL, &hits) != MPI_OK)
			return -1;
		total += hits.mh_n;
		mpi_hits_free(&hits);
	}
	return count > 0 ? (double)total / (double)count : 0;
}

/* Phase 4: strict matches, then near misses (another address). */
static int
bench_find(struct mpi *m, const struct opts *o, struct result *res)
{
	struct mpi_patient *q = NULL;
	unsigned long i, cand, nnear;
	size_t len;

	if (queries_load(m, o, o->o_queries, &q) == -1)
		return -1;
	res->r_queries = o->o_queries;
	if ((res->r_find = run_finds(m, q, &res->r_queries, o->o_findsecs, &res->r_find_auto,
	    &cand)) < 0)
		goto fail;
	res->r_cands = mean_candidates(m, q, res->r_queries < 1000 ? res->r_queries : 1000);
	printf("  demographic matches (mpi_find), %lu random patients' own demographics: "
	    "%.0f/s; %lu AUTO on the patient itself, %lu CANDIDATE; %.1f patients examined "
	    "per query\n", res->r_queries, res->r_find, res->r_find_auto, cand, res->r_cands);
	/* near miss: the same person at another house number (same area) */
	nnear = res->r_queries;
	for (i = 0; i < nnear; i++) {
		len = strlen(q[i].mp_demog.md_addr);
		if (len + 4 < sizeof(q[i].mp_demog.md_addr))
			memcpy(q[i].mp_demog.md_addr + len, "-99", 4);
	}
	if ((res->r_near = run_finds(m, q, &nnear, o->o_findsecs, &res->r_near_auto,
	    &res->r_near_cand)) < 0)
		goto fail;
	printf("  near misses (the same %lu, another address): %.0f/s; %lu CANDIDATE, "
	    "%lu AUTO (expected 0)\n", nnear, res->r_near, res->r_near_cand, res->r_near_auto);
	free(q);
	return 0;
fail:
	free(q);
	return -1;
}

/* Phase 5 and the result line. */
static int
bench_sizes(struct mpi *m, const struct opts *o, const struct result *res)
{
	struct mpi_stats st;
	struct stat sb;
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/data.mdb", o->o_dir);
	if (stat(path, &sb) == -1) {
		fprintf(stderr, "mpi_bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((rc = mpi_stats(m, (int64_t)time(NULL), &st)) != MPI_OK) {
		fprintf(stderr, "mpi_bench: mpi_stats: %s\n", mpi_strerror(rc));
		return -1;
	}
	printf("  LMDB: data.mdb %.1f MiB on disk (st_blocks), %.1f MiB long; used %.1f MiB "
	    "(%.0f bytes per patient), map %.0f MiB; %zu patients, %zu facility ids, "
	    "%zu correlations\n", (double)sb.st_blocks * 512 / 1048576.0,
	    (double)sb.st_size / 1048576.0, (double)st.ms_bytes_used / 1048576.0,
	    (double)st.ms_bytes_used / (double)(st.ms_patients ? st.ms_patients : 1),
	    (double)st.ms_map_size / 1048576.0, st.ms_patients, st.ms_facility_ids,
	    st.ms_correlations);
	printf("mpi_bench: patients=%zu lookup_cold_rps=%.0f lookup_rps=%.0f lookup_cpu=%.2f "
	    "lookup_cx_rps=%.0f linked=%lu link_s=%.2f link_rps=%.0f bulk=%lu bulk_s=%.2f "
	    "remote_rps=%.0f find_rps=%.0f find_auto=%lu find_cands=%.1f near_rps=%.0f "
	    "near_cand=%lu near_auto=%lu queries=%lu disk_bytes=%lld file_bytes=%lld "
	    "used_bytes=%zu correlations=%zu\n",
	    st.ms_patients, res->r_lookup_cold, res->r_lookup, res->r_lookup_cpu,
	    res->r_lookup_cx, res->r_linked, res->r_link_s, res->r_link, res->r_bulk,
	    res->r_bulk_s, res->r_remote, res->r_find, res->r_find_auto, res->r_cands,
	    res->r_near, res->r_near_cand, res->r_near_auto, res->r_queries,
	    (long long)sb.st_blocks * 512, (long long)sb.st_size, st.ms_bytes_used,
	    st.ms_correlations);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mpi_bench -d mpi-dir -a authority -n patients [-x prefix] "
	    "[-m map-MiB]\n    [-l lookups] [-b batch] [-q queries] [-F find-seconds] "
	    "[-L link-percent]\n    [-T link-seconds] [-X xref.csv] [-S seed]\n");
	exit(2);
}

static unsigned long
num(const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

static void
opts_parse(struct opts *o, int argc, char **argv)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->o_prefix = "P";
	o->o_lookups = 1000000;
	o->o_batch = 1000;
	o->o_queries = 10000;
	o->o_linkpct = 10;
	o->o_linksecs = 10;
	o->o_findsecs = 5;
	o->o_mapmib = 4096;
	o->o_seed = 0x9E3779B97F4A7C15ULL;
	while ((ch = getopt(argc, argv, "a:b:d:F:l:L:m:n:q:S:T:x:X:")) != -1) {
		switch (ch) {
		case 'a': o->o_aa = optarg; break;
		case 'b': o->o_batch = num(optarg, 1, 100000000); break;
		case 'd': o->o_dir = optarg; break;
		case 'F': o->o_findsecs = (double)num(optarg, 1, 86400); break;
		case 'l': o->o_lookups = num(optarg, 1, 100000000); break;
		case 'L': o->o_linkpct = num(optarg, 1, 100); break;
		case 'm': o->o_mapmib = num(optarg, 1, 1048576); break;
		case 'n': o->o_n = num(optarg, 1, 99999999); break;
		case 'q': o->o_queries = num(optarg, 1, 10000000); break;
		case 'S': o->o_seed = num(optarg, 1, (unsigned long)-1); break;
		case 'T': o->o_linksecs = (double)num(optarg, 1, 86400); break;
		case 'x': o->o_prefix = optarg; break;
		case 'X': o->o_xref = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || o->o_dir == NULL || o->o_aa == NULL || o->o_n == 0 ||
	    strlen(o->o_prefix) > 8)
		usage();
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct result res;
	struct mpi_stats st;
	struct mpi *m;
	unsigned long step;
	int ret = 1;

	opts_parse(&o, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* progress shows as it comes, through a pipe too */
	rng_state = o.o_seed | 1;
	memset(&res, 0, sizeof(res));
	step = 100 / o.o_linkpct;
	if ((m = mpi_open(o.o_dir, (size_t)o.o_mapmib << 20, o.o_aa)) == NULL)
		return 1;
	if (mpi_stats(m, (int64_t)time(NULL), &st) != MPI_OK || st.ms_patients < o.o_n) {
		fprintf(stderr, "mpi_bench: %s holds %zu patients, fewer than %lu\n", o.o_dir,
		    st.ms_patients, o.o_n);
		goto done;
	}
	printf("  mpi_bench: %s, %zu patients, one thread\n", o.o_dir, st.ms_patients);
	if (bench_ids(m, &o, &res) == -1 || bench_link(m, &o, step, &res) == -1 ||
	    bench_remote(m, &o, step, &res) == -1 || bench_find(m, &o, &res) == -1 ||
	    bench_sizes(m, &o, &res) == -1)
		goto done;
	ret = 0;
done:
	mpi_close(m);
	return ret;
}
