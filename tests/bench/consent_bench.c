/*
 * tests/bench/consent_bench.c: consent_bench, the consent part of `make bench` (issue 5,
 * tests/bench/consent.sh), run on consents that tests/pki/jpki.sh signed at setup time:
 *
 *   consent_bench -w WORK -j JPKI_DIR -s SIGDIR -a AUTHORITY [-n PATIENTS] [-k K]
 *                 [-M DECIDE_PATIENTS] [-T SECONDS] [-S SEED]
 *
 *   SIGDIR holds people.tsv (bare id, family, given, birth YYYYMMDD, sex M/F, address: the
 *   basic four items of one certificate each) and c0000.xml/.p7s .. c(K-1).xml/.p7s, the
 *   consent documents of those people, signed detached.
 *
 *   1. WORK/mpi: an MPI of PATIENTS (1000) patients, one mpi_patient_put each: the people
 *      of people.tsv first, then synthetic others. Trust: JPKI_DIR/roots.pem, the CRLs
 *      JPKI_DIR/root1.crl.der and root2.crl.der (so revocation is checked, as production
 *      must configure it) and the test-card policy OID required.
 *   2. registration: the K (200) documents through policy_consent_register into the store
 *      WORK/reg, each timed alone (only the calls are on the clock; every one must be
 *      stored); then jpki_verify alone over the same signatures, round after round, for
 *      SECONDS (2).
 *   3. decisions: the store WORK/dec filled through consent_store_add with consents of
 *      DECIDE_PATIENTS (100000) patients (the verified facts and document bytes of c0000
 *      with the patient changed, its signature bytes with a counter appended so that every
 *      id differs): most have one grant, every 10th a grant and a newer withdrawal, every
 *      10th (+1) none. Then decide() (one read transaction each) for random patients,
 *      including some never stored, for SECONDS on this one thread, and decide_r through
 *      one decide_reader per 1000 decisions.
 *
 * Prints what it measures, then one line "consent_bench: key=value ..." for consent.sh.
 * Exit 0 when it ran (figures are figures), 1 when it could not, 2 for bad usage.
 * Test code: not part of libhashi; built by the Makefile's bench rule into $(BUILD)/bench.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>

#include "common/str.h"
#include "crypto/jpki.h"
#include "mpi/mpi.h"
#include "policy/consent.h"
#include "policy/decide.h"

#define BENCH_HCID	"urn:oid:1.2.392.200119.6.1002"	/* shimane's (tests/data), the grant's */
#define BENCH_PEOPLE_MAX	1000
#define BENCH_BATCH	1000
#define BENCH_IDS	65536	/* random patients drawn before the clock starts */
#define BENCH_FILE_MAX	(256 * 1024)

typedef char bench_cx[MPI_ID_MAX];

struct opts {
	const char	*o_work, *o_jpki, *o_sigs, *o_aa;
	unsigned long	 o_n, o_k, o_m;
	double		 o_secs;
	uint64_t	 o_seed;
};

/* One signed consent read from SIGDIR. */
struct signed_doc {
	uint8_t	*sd_doc, *sd_sig;
	size_t	 sd_doclen, sd_siglen;
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

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads file PATH into *BUF (malloc'd) / *LEN. Returns 0, or -1 after saying why. */
static int
file_read(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f;
	uint8_t *b = NULL;
	size_t n;
	int ret = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "consent_bench: cannot open %s\n", path);
		return -1;
	}
	if ((b = malloc(BENCH_FILE_MAX)) == NULL)
		goto done;
	n = fread(b, 1, BENCH_FILE_MAX, f);
	if (ferror(f) || n == 0 || n == BENCH_FILE_MAX) {
		fprintf(stderr, "consent_bench: %s: empty, unreadable or too large\n", path);
		goto done;
	}
	*buf = b;
	*len = n;
	b = NULL;
	ret = 0;
done:
	free(b);
	fclose(f);
	return ret;
}

/* Reads one tab-separated line of people.tsv into *P (pid bare). Returns 1, 0 at the end,
 * -1 on a malformed line. */
static int
person_read(FILE *f, struct mpi_patient *p)
{
	char line[2048], *fld[6], *s;
	size_t i;

	if (fgets(line, sizeof(line), f) == NULL)
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	s = line;
	for (i = 0; i < 6; i++) {
		fld[i] = s;
		if ((s = strchr(s, '\t')) == NULL && i < 5)
			return -1;
		if (s != NULL)
			*s++ = '\0';
	}
	memset(p, 0, sizeof(*p));
	if (str_copy(p->mp_pid, sizeof(p->mp_pid), fld[0]) != 0 ||
	    str_copy(p->mp_demog.md_kanji.mn_family, MPI_NAME_MAX, fld[1]) != 0 ||
	    str_copy(p->mp_demog.md_kanji.mn_given, MPI_NAME_MAX, fld[2]) != 0 ||
	    str_copy(p->mp_demog.md_birth, sizeof(p->mp_demog.md_birth), fld[3]) != 0 ||
	    str_copy(p->mp_demog.md_addr, sizeof(p->mp_demog.md_addr), fld[5]) != 0)
		return -1;
	p->mp_demog.md_sex = fld[4][0];
	return 1;
}

/* Stage 1: the people of people.tsv, then synthetic patients up to O->o_n. */
static int
mpi_fill(const struct opts *o, struct mpi *m, int64_t now)
{
	struct mpi_patient p;
	char path[1024];
	unsigned long i = 0;
	FILE *f;
	int r, ret = -1;

	snprintf(path, sizeof(path), "%s/people.tsv", o->o_sigs);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "consent_bench: cannot open %s\n", path);
		return -1;
	}
	while ((r = person_read(f, &p)) == 1) {
		if ((r = mpi_patient_put(m, &p, "bench", now, NULL)) != MPI_OK) {
			fprintf(stderr, "consent_bench: mpi_patient_put %s: %s\n", p.mp_pid,
			    mpi_strerror(r));
			goto done;
		}
		i++;
	}
	if (r < 0) {
		fprintf(stderr, "consent_bench: %s: malformed line %lu\n", path, i + 1);
		goto done;
	}
	for (; i < o->o_n; i++) {
		memset(&p, 0, sizeof(p));
		snprintf(p.mp_pid, sizeof(p.mp_pid), "X%06lu", i);
		str_copy(p.mp_demog.md_kanji.mn_family, MPI_NAME_MAX, "高橋");
		snprintf(p.mp_demog.md_kanji.mn_given, MPI_NAME_MAX, "一郎%lu", i);
		snprintf(p.mp_demog.md_birth, sizeof(p.mp_demog.md_birth), "19%02lu%02lu%02lu",
		    40 + i % 60, 1 + i % 12, 1 + i % 28);
		p.mp_demog.md_sex = (i & 1) ? 'F' : 'M';
		str_copy(p.mp_demog.md_addr, sizeof(p.mp_demog.md_addr), "岡山県岡山市北区大供一丁目１番１号");
		if ((r = mpi_patient_put(m, &p, "bench", now, NULL)) != MPI_OK) {
			fprintf(stderr, "consent_bench: mpi_patient_put %s: %s\n", p.mp_pid,
			    mpi_strerror(r));
			goto done;
		}
	}
	ret = 0;
done:
	fclose(f);
	return ret;
}

/* The trust of stage 1. Returns it or NULL. */
static struct jpki_trust *
trust_make(const struct opts *o, int *ncrl)
{
	struct jpki_trust *t;
	char path[1024];
	const char *crl[] = { "root1.crl.der", "root2.crl.der" };
	uint8_t *b;
	size_t i, len;

	*ncrl = 0;
	if ((t = jpki_trust_new()) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/roots.pem", o->o_jpki);
	if (jpki_trust_add_roots(t, path) < 1 ||
	    jpki_trust_require_policy(t, JPKI_POLICY_SIGN_TEST) != 0)
		goto fail;
	for (i = 0; i < sizeof(crl) / sizeof(crl[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", o->o_jpki, crl[i]);
		if (access(path, R_OK) != 0)
			continue;
		if (file_read(path, &b, &len) != 0)
			goto fail;
		if (jpki_trust_add_crl(t, b, len) != 0) {
			free(b);
			goto fail;
		}
		free(b);
		(*ncrl)++;
	}
	return t;
fail:
	jpki_trust_free(t);
	return NULL;
}

/* Reads c0000.xml/.p7s .. into DOCS[0..K). Returns 0 or -1. */
static int
docs_read(const struct opts *o, struct signed_doc *docs)
{
	char path[1024];
	unsigned long i;

	for (i = 0; i < o->o_k; i++) {
		snprintf(path, sizeof(path), "%s/c%04lu.xml", o->o_sigs, i);
		if (file_read(path, &docs[i].sd_doc, &docs[i].sd_doclen) != 0)
			return -1;
		snprintf(path, sizeof(path), "%s/c%04lu.p7s", o->o_sigs, i);
		if (file_read(path, &docs[i].sd_sig, &docs[i].sd_siglen) != 0)
			return -1;
	}
	return 0;
}

/* How much of a verification is only reading the message: d2i of each CMS (with the
 * signer's certificate and its RSA key, decoded through OpenSSL 3's providers) and free,
 * no RSA at all. Printed to explain the registration figure, not a target. */
static void
bench_parse_only(const struct opts *o, const struct signed_doc *docs)
{
	double t0 = now_s(), busy;
	unsigned long i, n = 0;
	const unsigned char *p;
	CMS_ContentInfo *cms;

	do {
		for (i = 0; i < o->o_k; i++, n++) {
			p = docs[i].sd_sig;
			if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)docs[i].sd_siglen)) == NULL) {
				/* PEM signatures: count them as not measured */
				continue;
			}
			CMS_ContentInfo_free(cms);
		}
	} while (now_s() < t0 + 1.0);
	busy = now_s() - t0;
	printf("  CMS parse alone (d2i + free, no RSA): %lu in %.3f s: %.0f/s, %.0f us each\n",
	    n, busy, (double)n / busy, busy * 1e6 / (double)n);
}

/* Stage 2. Sets *REG_RPS, *VER_RPS; fills *CI0 with what c0000 registered as. */
static int
stage_register(const struct opts *o, struct consent_store *cs, struct mpi *m,
    const struct jpki_trust *t, const struct signed_doc *docs, double *reg_rps,
    double *ver_rps, struct consent_info *ci0)
{
	struct consent_result res;
	struct jpki_signer sg;
	double t0, busy = 0, end;
	unsigned long i, nver = 0;
	int64_t now = (int64_t)time(NULL);
	enum jpki_err je;

	for (i = 0; i < o->o_k; i++) {
		t0 = now_s();
		if (policy_consent_register(cs, m, t, docs[i].sd_doc, docs[i].sd_doclen,
		    docs[i].sd_sig, docs[i].sd_siglen, now, &res) != 0) {
			fprintf(stderr, "consent_bench: c%04lu refused: %s\n", i, res.cr_text);
			return -1;
		}
		busy += now_s() - t0;
		if (i == 0 && consent_store_get(cs, res.cr_id, ci0, NULL, NULL) != CONSENT_OK)
			return -1;
	}
	*reg_rps = (double)o->o_k / busy;
	printf("  registration: %lu consents (verify + parse + bind + store) in %.3f s: %.0f/s, "
	    "%.0f us each\n", o->o_k, busy, *reg_rps, busy * 1e6 / (double)o->o_k);

	t0 = now_s();
	end = t0 + o->o_secs;
	do {
		for (i = 0; i < o->o_k; i++, nver++) {
			je = jpki_verify(t, docs[i].sd_sig, docs[i].sd_siglen, docs[i].sd_doc,
			    docs[i].sd_doclen, (time_t)now, &sg, NULL, NULL);
			if (je != JPKI_OK) {
				fprintf(stderr, "consent_bench: jpki_verify c%04lu: %s\n", i,
				    jpki_strerror(je));
				return -1;
			}
		}
	} while (now_s() < end);
	busy = now_s() - t0;
	*ver_rps = (double)nver / busy;
	printf("  jpki_verify alone: %lu in %.3f s: %.0f/s, %.0f us each\n", nver, busy,
	    *ver_rps, busy * 1e6 / (double)nver);
	bench_parse_only(o, docs);
	return 0;
}

/* Writes the CX of decision-store patient I into OUT. */
static void
dpid(const struct opts *o, unsigned long i, char *out, size_t outsz)
{
	snprintf(out, outsz, "D%07lu^^^&%s&ISO", i, o->o_aa);
}

/* Stage 3a: fills CS with the consents of O->o_m patients modelled on CI0 / DOC0. */
static int
dec_fill(const struct opts *o, struct consent_store *cs, const struct consent_info *ci0,
    const struct signed_doc *doc0, unsigned long *nstored, unsigned long *npat)
{
	struct consent_info ci;
	uint8_t *sig;
	size_t siglen;
	unsigned long i, seq = 0, np = 0;
	double t0 = now_s();
	int r, ret = -1;

	if ((sig = malloc(doc0->sd_siglen + 32)) == NULL)
		return -1;
	memcpy(sig, doc0->sd_sig, doc0->sd_siglen);
	for (i = 0; i < o->o_m; i++) {
		if (i % 10 == 1)
			continue;	/* no consent */
		ci = *ci0;
		dpid(o, i, ci.ci_doc.cd_patient, sizeof(ci.ci_doc.cd_patient));
		siglen = doc0->sd_siglen + (size_t)snprintf((char *)sig + doc0->sd_siglen, 32,
		    "#%lu", seq++);
		if ((r = consent_store_add(cs, &ci, doc0->sd_doc, doc0->sd_doclen, sig, siglen,
		    NULL)) != CONSENT_OK)
			goto fail;
		np++;
		if (i % 10 != 0)
			continue;
		/* a newer withdrawal: the newest decides */
		ci.ci_doc.cd_action = CONSENT_WITHDRAW;
		ci.ci_doc.cd_issued += 86400;
		ci.ci_doc.cd_nregions = ci.ci_doc.cd_npurposes = ci.ci_doc.cd_nclasses = 0;
		ci.ci_doc.cd_all_regions = 0;
		ci.ci_doc.cd_from = ci.ci_doc.cd_to = 0;
		siglen = doc0->sd_siglen + (size_t)snprintf((char *)sig + doc0->sd_siglen, 32,
		    "#%lu", seq++);
		if ((r = consent_store_add(cs, &ci, doc0->sd_doc, doc0->sd_doclen, sig, siglen,
		    NULL)) != CONSENT_OK)
			goto fail;
	}
	*nstored = seq;
	*npat = np;
	printf("  decision store: %lu consents of %lu patients added in %.1f s (consent_store_add, "
	    "one write transaction each)\n", seq, np, now_s() - t0);
	ret = 0;
	goto done;
fail:
	fprintf(stderr, "consent_bench: consent_store_add %lu: %s\n", i, consent_strerror(r));
done:
	free(sig);
	return ret;
}

/* Stage 3b: random decide() then decide_r() calls for O->o_secs each. IDS: BENCH_IDS CX
 * ids (10 % never stored). Sets *DEC_RPS, *DECR_RPS, *NALLOW (of the decide() pass). */
static int
dec_run(const struct opts *o, struct consent_store *cs, bench_cx *ids, int64_t now,
    double *dec_rps, double *decr_rps, unsigned long *nallow)
{
	struct decide_reader *rd;
	struct decision d;
	unsigned long n = 0, allow = 0, j;
	double t0, end, el;

	t0 = now_s();
	end = t0 + o->o_secs;
	do {
		for (j = 0; j < BENCH_BATCH; j++, n++) {
			if (decide(cs, ids[n % BENCH_IDS], BENCH_HCID, "clinical", NULL, now, &d) != 0)
				return -1;
			allow += d.d_result == DECIDE_ALLOW;
		}
	} while (now_s() < end);
	el = now_s() - t0;
	*dec_rps = (double)n / el;
	*nallow = allow;
	printf("  decide(): %lu in %.2f s: %.0f/s (%.0f%% ALLOW), %.2f us each\n", n, el,
	    *dec_rps, 100.0 * (double)allow / (double)n, el * 1e6 / (double)n);

	n = 0;
	t0 = now_s();
	end = t0 + o->o_secs;
	do {
		if (decide_reader_begin(cs, &rd) != CONSENT_OK)
			return -1;
		for (j = 0; j < BENCH_BATCH; j++, n++) {
			if (decide_r(rd, ids[n % BENCH_IDS], BENCH_HCID, "clinical", NULL, now,
			    &d) != 0) {
				decide_reader_end(rd);
				return -1;
			}
		}
		decide_reader_end(rd);
	} while (now_s() < end);
	el = now_s() - t0;
	*decr_rps = (double)n / el;
	printf("  decide_r() (%d per reader): %lu in %.2f s: %.0f/s, %.2f us each\n",
	    BENCH_BATCH, n, el, *decr_rps, el * 1e6 / (double)n);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: consent_bench -w WORK -j JPKI_DIR -s SIGDIR -a AUTHORITY "
	    "[-n PATIENTS] [-k K] [-M DECIDE_PATIENTS] [-T SECONDS] [-S SEED]\n");
	return 2;
}

static int
opts_parse(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->o_n = 1000;
	o->o_k = 200;
	o->o_m = 100000;
	o->o_secs = 2;
	o->o_seed = 0x68617368u;
	while ((c = getopt(argc, argv, "w:j:s:a:n:k:M:T:S:")) != -1) {
		switch (c) {
		case 'w': o->o_work = optarg; break;
		case 'j': o->o_jpki = optarg; break;
		case 's': o->o_sigs = optarg; break;
		case 'a': o->o_aa = optarg; break;
		case 'n': o->o_n = strtoul(optarg, NULL, 10); break;
		case 'k': o->o_k = strtoul(optarg, NULL, 10); break;
		case 'M': o->o_m = strtoul(optarg, NULL, 10); break;
		case 'T': o->o_secs = strtod(optarg, NULL); break;
		case 'S': o->o_seed = strtoull(optarg, NULL, 10); break;
		default: return -1;
		}
	}
	if (o->o_work == NULL || o->o_jpki == NULL || o->o_sigs == NULL || o->o_aa == NULL ||
	    o->o_k < 1 || o->o_m < 10 || o->o_m > 9999999 || o->o_secs <= 0 || optind != argc)
		return -1;
	rng_state = o->o_seed != 0 ? o->o_seed : 1;
	return 0;
}

/* Opens WORK/NAME as a consent store. */
static struct consent_store *
store_at(const struct opts *o, const char *name, size_t mapsize)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", o->o_work, name);
	return consent_store_open(path, mapsize);
}

/* The data file's real size in bytes (st_blocks * 512). */
static unsigned long long
disk_bytes(const struct opts *o, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/data.mdb", o->o_work, name);
	return stat(path, &st) == 0 ? (unsigned long long)st.st_blocks * 512 : 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct mpi *m = NULL;
	struct jpki_trust *t = NULL;
	struct consent_store *reg = NULL, *dec = NULL;
	struct signed_doc *docs = NULL;
	struct consent_info ci0;
	bench_cx *ids = NULL;
	char path[1024];
	double reg_rps, ver_rps, dec_rps, decr_rps, t0;
	unsigned long i, k, nstored = 0, npat = 0, nallow = 0;
	int64_t now = (int64_t)time(NULL);
	int ncrl, ret = 1;

	if (opts_parse(argc, argv, &o) != 0)
		return usage();
	snprintf(path, sizeof(path), "%s/mpi", o.o_work);
	if ((docs = calloc(o.o_k, sizeof(*docs))) == NULL ||
	    (ids = calloc(BENCH_IDS, sizeof(*ids))) == NULL ||
	    (m = mpi_open(path, 256 << 20, o.o_aa)) == NULL ||
	    (t = trust_make(&o, &ncrl)) == NULL || docs_read(&o, docs) != 0 ||
	    (reg = store_at(&o, "reg", 256 << 20)) == NULL ||
	    (dec = store_at(&o, "dec", (size_t)8 << 30)) == NULL)
		goto done;
	t0 = now_s();
	if (mpi_fill(&o, m, now) != 0)
		goto done;
	printf("  MPI: %lu patients in %.1f s; trust: 2 roots, %d CRL(s), test-card policy "
	    "required\n", o.o_n, now_s() - t0, ncrl);
	if (stage_register(&o, reg, m, t, docs, &reg_rps, &ver_rps, &ci0) != 0 ||
	    dec_fill(&o, dec, &ci0, &docs[0], &nstored, &npat) != 0)
		goto done;
	for (i = 0; i < BENCH_IDS; i++) {
		/* one in ten beyond the stored range: an unknown patient */
		k = rng() % (o.o_m + o.o_m / 10);
		dpid(&o, k, ids[i], sizeof(ids[i]));
	}
	if (dec_run(&o, dec, ids, now, &dec_rps, &decr_rps, &nallow) != 0) {
		fprintf(stderr, "consent_bench: decide failed\n");
		goto done;
	}
	printf("consent_bench: registered=%lu register_rps=%.0f verify_rps=%.0f "
	    "decide_patients=%lu decide_consents=%lu decide_rps=%.0f decide_r_rps=%.0f "
	    "decide_disk_bytes=%llu ncrl=%d\n", o.o_k, reg_rps, ver_rps, npat, nstored,
	    dec_rps, decr_rps, disk_bytes(&o, "dec"), ncrl);
	ret = 0;
done:
	if (ret != 0)
		fprintf(stderr, "consent_bench: could not run\n");
	consent_store_close(dec);
	consent_store_close(reg);
	jpki_trust_free(t);
	mpi_close(m);
	for (i = 0; docs != NULL && i < o.o_k; i++) {
		free(docs[i].sd_doc);
		free(docs[i].sd_sig);
	}
	free(docs);
	free(ids);
	return ret;
}
