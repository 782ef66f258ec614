/*
 * tests/bench/audit_bench.c: audit_bench, the audit log part of `make bench` (issue 6,
 * tests/bench/audit.sh), on one thread, every commit durable (LMDB defaults):
 *
 *   audit_bench -w WORK -L LOGDIR -K KEY [-n RECORDS] [-T SECONDS] [-R ROUNDS] [-C CKPT_MS]
 *               [-B BUILD_BATCH] [-p PROOFS] [-m MAP_MIB] [-S SEED]
 *
 * Records: ATNA AuditMessages of a traffic mix (ITI-38/39/55 as responding gateway, consent
 * decisions, ITI-18/43 of local systems; 100,000 patients) built with audit/atna.h
 * (atna_build; keys from atna_record_summary + atna_index_keys, as gateway/gw_audit.c does)
 * before each batch's clock starts: only the storage is timed (the build cost is printed).
 *
 *   1. appends at 64 and 256 records per transaction, in fresh environments under WORK,
 *      SECONDS (3) on the clock per mode, in ROUNDS (3) interleaved slices so that a noisy
 *      disk or a busy neighbour weighs on every mode alike:
 *      raw: bare LMDB puts of the record bytes (be64 seq -> record), the baseline;
 *      raw+index: the same plus the index puts (key -> be64 seq, DUPSORT), so that
 *        auditlog / raw+index is the Merkle tree's cost;
 *      auditlog: auditlog_begin / auditlog_add_indexed / auditlog_commit, and every CKPT_MS
 *        (1000) of clock time a checkpoint signed with a fresh Ed25519 key (note_keygen,
 *        note_signer_load) by auditlog_checkpoint, on the clock too. Target >= 50,000/s;
 *      nosync: raw+index with MDB_NOSYNC, then mdb_env_sync timed apart after each commit:
 *        what the fdatasync of a commit costs (never a headline figure).
 *   2. the log of RECORDS (1,000,000) in LOGDIR, signed with KEY (KEY.pub: its vkey, as
 *      hashid keeps them), BUILD_BATCH (4096) records per transaction, checkpoints as in 1
 *      and a last one; timed. auditlog_verify must say OK (else exit 1); its baseline is a
 *      cursor over the records hashing each leaf. data.mdb's size per record and per
 *      sub-database.
 *   3. PROOFS (10,000) inclusion proofs of random records (auditlog_inclusion; then the
 *      record, its leaf hash and merkle_verify_inclusion against the root: each must hold),
 *      baseline auditlog_get; PROOFS / 10 consistency proofs from random older sizes.
 *   4. one bit of a record of the first log of 1 flipped: auditlog_verify must name it.
 *   5. appends at 64 and 256 per transaction on the big log (SECONDS each): the rate once
 *      the indexes are large. LOGDIR then holds a little more than RECORDS.
 *
 * Prints what it measures, then one line "audit_bench: key=value ..." for audit.sh.
 * Exit 0 when it ran and every check held, 1 when not, 2 for bad usage. LOGDIR, KEY and
 * KEY.pub are left for audit.sh (hashictl audit verify); the logs under WORK are removed.
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

#include <lmdb.h>

#include "audit/atna.h"
#include "audit/auditlog.h"
#include "common/log.h"
#include "common/store.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"

#define BENCH_HCID	"urn:oid:1.2.392.200119.6.1001"		/* okayama (tests/data) */
#define BENCH_AA	"1.2.392.200119.6.1001.1"
#define BENCH_ORIGIN	"hashi/" BENCH_HCID
#define BENCH_KEYNAME	"okayama-gw.bench.hashi"
#define BENCH_PATIENTS	100000
#define BENCH_NKEYS	(ATNA_SUMMARY_MAX_PATIENTS + 8)
#define BENCH_MAXBATCH	8192
#define BENCH_QUERY_MAX	2048
#define BENCH_QUERY_ID	"urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
#define BENCH_TAMPER	100	/* the record phase 4 changes */

static const size_t batches[] = { 64, 256 };
#define NBATCH	2

struct opts {
	const char	*o_work, *o_logdir, *o_key;
	unsigned long	 o_n, o_build_batch, o_proofs, o_mapmib, o_rounds;
	double		 o_secs, o_ckpt;
	uint64_t	 o_seed;
};

/* One record ready to append: its bytes and index keys (pointing into r_keybuf). */
struct rec {
	struct strbuf		 r_sb;
	uint8_t			 r_keybuf[BENCH_NKEYS * ATNA_KEY_MAX];
	size_t			 r_keylen;
	struct auditlog_key	 r_keys[BENCH_NKEYS];
	size_t			 r_nkeys;
};

enum mode { MODE_RAW, MODE_IDX, MODE_LOG, MODE_NOSYNC, MODE_N };
static const char *const mode_names[MODE_N] = {
	"raw LMDB, records only", "raw LMDB, records + index", "auditlog (tree+index+ckpt)",
	"raw+index, MDB_NOSYNC"
};

/* A run: where it writes (the log, or a bare environment), its traffic and its figures. */
struct sink {
	enum mode	 k_mode;
	struct auditlog	*k_log;
	struct store	*k_st;
	uint64_t	 k_seq, k_first;	/* next raw sequence; index of the first record */
	uint64_t	 k_rng, k_bytes;	/* the traffic: same seed, same records */
	double		 k_gen_secs;		/* making records, off the clock */
	unsigned long	 k_recs, k_commits, k_ckpts;
	double		 k_secs, k_cpu;		/* on the clock: wall and CPU */
	double		 k_ckpt_secs, k_sync_secs, k_last_ckpt;
	double		*k_lat;			/* commit call latencies */
	size_t		 k_nlat, k_caplat;
};

static const struct store_db raw_dbs[] = { { "seq2rec", 0 }, { "key2seq", MDB_DUPSORT } };
static struct atna_summary *summary;
static const struct note_signer *signer;

static double
clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
#define now()	clk(CLOCK_MONOTONIC)
#define cpu()	clk(CLOCK_PROCESS_CPUTIME_ID)

static uint64_t
rng(uint64_t *s)
{
	/* xorshift64*: reproducible with -S */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Collects one index key into the record (as gw_audit_key: extra patients not indexed). */
static int
rec_key(void *arg, const uint8_t *key, size_t len)
{
	struct rec *r = arg;

	if (r->r_nkeys == BENCH_NKEYS || len == 0 || len > AUDITLOG_KEY_MAX ||
	    r->r_keylen + len > sizeof(r->r_keybuf))
		return 0;
	memcpy(r->r_keybuf + r->r_keylen, key, len);
	r->r_keys[r->r_nkeys].ak_key = r->r_keybuf + r->r_keylen;
	r->r_keys[r->r_nkeys++].ak_len = len;
	r->r_keylen += len;
	return 0;
}

/* The query element of a FindDocuments (ITI-38/18) or of an ITI-55 for PATIENT. */
static size_t
query_make(char *buf, const char *patient, int iti55)
{
	int n;

	if (iti55)
		n = snprintf(buf, BENCH_QUERY_MAX, "<queryByParameter xmlns=\"urn:hl7-org:v3\">"
		    "<queryId root=\"1.2.392.200119.6.1002.9\" extension=\"q%.7s\"/><statusCode "
		    "code=\"new\"/><responseModalityCode code=\"R\"/><responsePriorityCode code=\"I\""
		    "/><parameterList><livingSubjectId><value root=\"%s\" extension=\"%.7s\"/>"
		    "<semanticsText>LivingSubject.id</semanticsText></livingSubjectId>"
		    "</parameterList></queryByParameter>", patient, BENCH_AA, patient);
	else
		n = snprintf(buf, BENCH_QUERY_MAX, "<rim:AdhocQuery xmlns:rim=\"urn:oasis:names:"
		    "tc:ebxml-regrep:xsd:rim:3.0\" id=\"" BENCH_QUERY_ID "\"><rim:Slot name=\"$XDS"
		    "DocumentEntryPatientId\"><rim:ValueList><rim:Value>'%s'</rim:Value></rim:Value"
		    "List></rim:Slot><rim:Slot name=\"$XDSDocumentEntryStatus\"><rim:ValueList><rim:"
		    "Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</rim:Value></rim:"
		    "ValueList></rim:Slot><rim:Slot name=\"$XDSDocumentEntryClassCode\"><rim:Value"
		    "List><rim:Value>('57133-1^^2.16.840.1.113883.6.1','18842-5^^2.16.840.1.113883."
		    "6.1')</rim:Value></rim:ValueList></rim:Slot><rim:Slot name=\"$XDSDocumentEntry"
		    "Type\"><rim:ValueList><rim:Value>('urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186"
		    "c1')</rim:Value></rim:ValueList></rim:Slot></rim:AdhocQuery>", patient);
	return n < 0 || n >= BENCH_QUERY_MAX ? 0 : (size_t)n;
}

/* The strings a described record borrows. */
struct rec_text {
	char		 t_pat[64], t_user[64], t_obj[64], t_uids[3][64];
	char		 t_query[BENCH_QUERY_MAX];
	const char	*t_pats[1];
	struct atna_doc	 t_docs[3];
};

/* Describes record I (random draw X) of the traffic mix in *AR. */
static void
rec_describe(uint64_t i, uint64_t x, struct atna_record *ar, struct rec_text *t)
{
	static const char *const peers[] = { "urn:oid:1.2.392.200119.6.1002",
	    "urn:oid:1.2.392.200119.6.1003", "urn:oid:1.2.392.200119.6.2001" };
	const char *peer = peers[(x >> 40) % 3];
	unsigned kind = (unsigned)(x % 20), k;

	memset(ar, 0, sizeof(*ar));
	snprintf(t->t_pat, 64, "P%06u^^^&%s&ISO", (unsigned)(1 + (x >> 8) % BENCH_PATIENTS),
	    BENCH_AA);
	snprintf(t->t_user, 64, "dr%04u@hosp%02u.example.jp", (unsigned)((x >> 24) % 5000),
	    (unsigned)((x >> 36) % 40));
	snprintf(t->t_obj, 64, "urn:uuid:6861736b-%04x-4000-8000-%012llx", (unsigned)(i & 0xffff),
	    (unsigned long long)(x & 0xffffffffffffULL));
	for (k = 0; k < 3; k++) {
		snprintf(t->t_uids[k], 64, "1.2.392.200119.6.1002.3.%u.%u",
		    (unsigned)((x >> 8) % 1000000), k);
		t->t_docs[k].ad_uid = t->t_uids[k];
		t->t_docs[k].ad_repo = "1.2.392.200119.6.1002.2";
		t->t_docs[k].ad_home = peer;
	}
	t->t_pats[0] = t->t_pat;
	ar->ar_patients = t->t_pats;
	ar->ar_npatients = 1;
	ar->ar_time_ms = 1714521600000LL + (int64_t)i * 3;	/* from 2024-05-01: same bytes */
	ar->ar_purpose = (x >> 50) % 50 == 0 ? "emergency" : "clinical";
	ar->ar_source_id = BENCH_HCID;
	ar->ar_site = "okayama-gw.example.jp";
	ar->ar_human = t->t_user;
	ar->ar_human_reason = "診療";
	/* a peer asks us (responding gateway) ... */
	ar->ar_src_user = "https://gw.shimane.example.jp/xca/reply";
	ar->ar_src_nap = "192.0.2.17";
	ar->ar_src_region = peer;
	ar->ar_dst_user = "https://okayama-gw.example.jp/xca";
	ar->ar_dst_nap = "198.51.100.4";
	ar->ar_dst_region = BENCH_HCID;
	if (kind < 8) {
		ar->ar_event = ATNA_ITI38;
		ar->ar_query_id = BENCH_QUERY_ID;
	} else if (kind < 11) {
		ar->ar_event = ATNA_ITI39;
	} else if (kind < 13) {
		ar->ar_event = ATNA_ITI55;
		ar->ar_query_id = "1.2.392.200119.6.1002.9";
	} else if (kind < 17) {
		ar->ar_event = ATNA_CONSENT_DECISION;
		ar->ar_outcome = (x >> 44) % 5 == 0 ? ATNA_MINOR : ATNA_OK;
		ar->ar_outcome_desc = ar->ar_outcome == ATNA_OK ? NULL : "consent: no consent";
		ar->ar_object_id = t->t_obj;
		ar->ar_detail = ar->ar_outcome == ATNA_OK ? "allow: signed consent" : "deny";
	} else {
		/* ... or one of our local systems asks */
		ar->ar_event = kind < 19 ? ATNA_ITI43 : ATNA_ITI18;
		ar->ar_src_user = "CN=okayama-ehr,O=Hashi Test,C=JP";
		ar->ar_dst_user = "https://okayama-gw.example.jp/xds";
		ar->ar_src_region = BENCH_HCID;
		ar->ar_query_id = kind < 19 ? NULL : BENCH_QUERY_ID;
	}
	if (ar->ar_event == ATNA_ITI39 || ar->ar_event == ATNA_ITI43) {
		ar->ar_docs = t->t_docs;
		ar->ar_ndocs = 1 + (unsigned)((x >> 20) % 3);
	}
	if (ar->ar_query_id != NULL) {
		ar->ar_query = (const uint8_t *)t->t_query;
		ar->ar_query_len = query_make(t->t_query, t->t_pat, ar->ar_event == ATNA_ITI55);
	}
}

/* Makes record I of K's traffic into R. Returns 0 or -1. */
static int
rec_make(struct sink *k, uint64_t i, struct rec *r)
{
	struct atna_record ar;
	struct rec_text t;

	rec_describe(i, rng(&k->k_rng), &ar, &t);
	r->r_sb.sb_len = 0;	/* the buffer is reused from record to record */
	r->r_keylen = r->r_nkeys = 0;
	if (atna_build(&ar, &r->r_sb) == -1 || r->r_sb.sb_failed ||
	    atna_record_summary(&ar, summary) == -1 || atna_index_keys(summary, rec_key, r) != 0) {
		fprintf(stderr, "audit_bench: cannot build record %llu (event %d)\n",
		    (unsigned long long)i, (int)ar.ar_event);
		return -1;
	}
	k->k_bytes += r->r_sb.sb_len;
	return 0;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The P-th percentile of K's commit latencies, in ms (sorts them). */
static double
lat_pct(struct sink *k, double p)
{
	if (k->k_nlat == 0)
		return 0;
	qsort(k->k_lat, k->k_nlat, sizeof(double), dbl_cmp);
	return k->k_lat[(size_t)(p / 100.0 * (double)(k->k_nlat - 1) + 0.5)] * 1000;
}

/* Opens a sink of MODE in DIR whose first record is FIRST. Returns 0 or -1. */
static int
sink_open(struct sink *k, enum mode mode, const char *dir, const struct opts *o,
    uint64_t first)
{
	size_t map = (size_t)o->o_mapmib << 20;

	memset(k, 0, sizeof(*k));
	k->k_mode = mode;
	k->k_first = first;
	k->k_rng = o->o_seed | 1;
	if (mode == MODE_LOG)
		k->k_log = auditlog_open(dir, map);
	else
		k->k_st = store_open(dir, map, mode == MODE_NOSYNC ? MDB_NOSYNC : 0, raw_dbs,
		    mode == MODE_RAW ? 1 : 2);
	return k->k_log != NULL || k->k_st != NULL ? 0 : -1;
}

static void
sink_close(struct sink *k)
{
	auditlog_close(k->k_log);
	store_close(k->k_st);
	free(k->k_lat);
	k->k_log = NULL;
	k->k_st = NULL;
	k->k_lat = NULL;
}

/* The baselines: the records (and index entries) as bare LMDB puts. Returns an LMDB code;
 * *CT gets the time the commit call started. */
static int
sink_raw(struct sink *k, struct rec *recs, size_t n, double *ct)
{
	MDB_txn *txn = NULL;
	uint8_t seq[8];
	size_t i, j;
	int rc;

	if ((rc = store_begin(k->k_st, 0, &txn)) != 0)
		return rc;
	for (i = 0; i < n; i++, k->k_seq++) {
		store_put_be64(seq, k->k_seq);
		if ((rc = store_put(txn, store_dbi(k->k_st, 0), seq, 8, recs[i].r_sb.sb_data,
		    recs[i].r_sb.sb_len, MDB_NOOVERWRITE)) != 0)
			goto fail;
		for (j = 0; k->k_mode != MODE_RAW && j < recs[i].r_nkeys; j++) {
			rc = store_put(txn, store_dbi(k->k_st, 1), recs[i].r_keys[j].ak_key,
			    recs[i].r_keys[j].ak_len, seq, 8, MDB_NODUPDATA);
			if (rc != 0 && rc != MDB_KEYEXIST)
				goto fail;
		}
	}
	*ct = now();
	return store_commit(txn);
fail:
	store_abort(txn);
	return rc;
}

/* The log: one group commit of the N records. Returns an AUDITLOG_* code. */
static int
sink_log(struct sink *k, struct rec *recs, size_t n, double *ct)
{
	struct auditlog_batch b;
	size_t i;
	int rc;

	if ((rc = auditlog_begin(k->k_log, &b)) != AUDITLOG_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = auditlog_add_indexed(&b, (const uint8_t *)recs[i].r_sb.sb_data,
		    recs[i].r_sb.sb_len, recs[i].r_keys, recs[i].r_nkeys, NULL)) != AUDITLOG_OK) {
			auditlog_abort(&b);
			return rc;
		}
	*ct = now();
	return auditlog_commit(&b);
}

/* Appends the N records of RECS in one transaction, on K's clock. Returns 0 or -1. */
static int
sink_batch(struct sink *k, struct rec *recs, size_t n)
{
	double t0 = now(), c0 = cpu(), ct = t0, t1, *p;
	int rc;

	rc = k->k_mode == MODE_LOG ? sink_log(k, recs, n, &ct) : sink_raw(k, recs, n, &ct);
	t1 = now();
	k->k_cpu += cpu() - c0;
	if (rc != 0) {
		fprintf(stderr, "audit_bench: commit of %zu records: %s\n", n,
		    k->k_mode == MODE_LOG ? auditlog_strerror(rc) : store_strerror(rc));
		return -1;
	}
	k->k_secs += t1 - t0;
	k->k_recs += n;
	k->k_commits++;
	if (k->k_nlat == k->k_caplat) {
		k->k_caplat = k->k_caplat ? k->k_caplat * 2 : 1024;
		if ((p = realloc(k->k_lat, k->k_caplat * sizeof(*p))) == NULL)
			return -1;
		k->k_lat = p;
	}
	k->k_lat[k->k_nlat++] = t1 - ct;
	if (k->k_mode == MODE_NOSYNC) {
		/* what the commit skipped, timed apart */
		if ((rc = mdb_env_sync(store_env(k->k_st), 1)) != 0) {
			fprintf(stderr, "audit_bench: mdb_env_sync: %s\n", mdb_strerror(rc));
			return -1;
		}
		k->k_sync_secs += now() - t1;
	}
	return 0;
}

/* Signs a checkpoint of K's log, on the clock. Returns 0 or -1. */
static int
sink_checkpoint(struct sink *k)
{
	struct strbuf note = { 0 };
	double t0 = now(), c0 = cpu(), dt;
	int rc;

	rc = auditlog_checkpoint(k->k_log, signer, BENCH_ORIGIN, &note);
	dt = now() - t0;
	k->k_cpu += cpu() - c0;
	strbuf_reset(&note);
	if (rc != AUDITLOG_OK) {
		fprintf(stderr, "audit_bench: checkpoint: %s\n", auditlog_strerror(rc));
		return -1;
	}
	k->k_secs += dt;
	k->k_ckpt_secs += dt;
	k->k_ckpts++;
	k->k_last_ckpt = k->k_secs;
	return 0;
}

/* Appends in batches of BATCH until K holds MAXRECS records or MAXSECS on its clock, a
 * checkpoint every o_ckpt for the log, a progress line every PROGRESS records (0: none). */
static int
sink_run(struct sink *k, const struct opts *o, struct rec *recs, size_t batch,
    unsigned long maxrecs, double maxsecs, unsigned long progress)
{
	unsigned long next = progress ? (k->k_recs / progress + 1) * progress : 0;
	double t0;
	size_t i, n;

	while (k->k_recs < maxrecs && k->k_secs < maxsecs) {
		n = maxrecs - k->k_recs < batch ? maxrecs - k->k_recs : batch;
		t0 = now();
		for (i = 0; i < n; i++)
			if (rec_make(k, k->k_first + k->k_recs + i, &recs[i]) == -1)
				return -1;
		k->k_gen_secs += now() - t0;
		if (sink_batch(k, recs, n) == -1)
			return -1;
		if (k->k_mode == MODE_LOG && k->k_secs - k->k_last_ckpt >= o->o_ckpt &&
		    sink_checkpoint(k) == -1)
			return -1;
		if (progress > 0 && k->k_recs >= next) {
			printf("    %lu records, %.1f s on the clock, %.0f/s\n", k->k_recs,
			    k->k_secs, (double)k->k_recs / k->k_secs);
			next += progress;
		}
	}
	return 0;
}

/* Prints K's figures; returns its records per second. */
static double
sink_report(struct sink *k, size_t batch, double *p50, double *p99)
{
	double rate = (double)k->k_recs / k->k_secs;

	*p50 = lat_pct(k, 50);
	*p99 = lat_pct(k, 99);
	printf("  %4zu  %-27s %7.0f/s %5.0f commits/s, commit p50 %5.2f p99 %5.2f ms, CPU "
	    "%4.1f us/rec", batch, mode_names[k->k_mode], rate, (double)k->k_commits /
	    k->k_secs, *p50, *p99, k->k_cpu * 1e6 / (double)k->k_recs);
	if (k->k_mode == MODE_NOSYNC)
		printf(", +fdatasync %.2f ms", k->k_sync_secs * 1000 / (double)k->k_commits);
	if (k->k_mode == MODE_LOG)
		printf(",\n%8s%lu records, %lu checkpoints (%.2f ms each); %.0f B a record, %.1f "
		    "us to make one (off the clock)", "", k->k_recs, k->k_ckpts, k->k_ckpt_secs *
		    1000 / (double)(k->k_ckpts ? k->k_ckpts : 1), (double)k->k_bytes /
		    (double)k->k_recs, k->k_gen_secs * 1e6 / (double)k->k_recs);
	printf("\n");
	return rate;
}

/* Removes the LMDB environment directory DIR (data.mdb, lock.mdb). */
static void
env_remove(const char *dir)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

/* Figures of phases 1 and 5 for the result line: [batch][mode] rate, p50, p99, sync. */
struct appends {
	double	 a_rate[NBATCH][MODE_N], a_p50[NBATCH][MODE_N], a_p99[NBATCH][MODE_N];
	double	 a_sync[NBATCH], a_ckpt[NBATCH], a_cpu[NBATCH], a_scale[NBATCH];
	double	 a_scale_p50[NBATCH], a_scale_p99[NBATCH];
};

/* Phase 1 at batch size index B: the four modes in interleaved rounds. */
static int
bench_appends(const struct opts *o, struct rec *recs, size_t b, struct appends *a)
{
	struct sink k[MODE_N];
	char dir[MODE_N][4096];
	unsigned long r;
	int m, j, ret = -1;

	memset(k, 0, sizeof(k));
	for (m = 0; m < MODE_N; m++)
		snprintf(dir[m], sizeof(dir[m]), "%s/m%d-b%zu", o->o_work, m, batches[b]);
	for (m = 0; m < MODE_N; m++)
		if (sink_open(&k[m], (enum mode)m, dir[m], o, 0) == -1)
			goto done;
	/* each round gives every mode its slice, in a rotating order */
	for (r = 1; r <= o->o_rounds; r++)
		for (j = 0; j < MODE_N; j++) {
			m = (j + (int)r) % MODE_N;
			if (sink_run(&k[m], o, recs, batches[b], (unsigned long)-1,
			    o->o_secs * (double)r / (double)o->o_rounds, 0) == -1)
				goto done;
		}
	for (m = 0; m < MODE_N; m++)
		a->a_rate[b][m] = sink_report(&k[m], batches[b], &a->a_p50[b][m], &a->a_p99[b][m]);
	a->a_sync[b] = k[MODE_NOSYNC].k_sync_secs * 1000 / (double)k[MODE_NOSYNC].k_commits;
	a->a_ckpt[b] = k[MODE_LOG].k_ckpt_secs * 1000 / (double)(k[MODE_LOG].k_ckpts ?
	    k[MODE_LOG].k_ckpts : 1);
	a->a_cpu[b] = k[MODE_LOG].k_cpu * 1e6 / (double)k[MODE_LOG].k_recs;
	printf("  %4zu  auditlog / raw+index %.2f (the tree), auditlog / raw %.2f (tree + index)"
	    "\n", batches[b], a->a_rate[b][MODE_LOG] / a->a_rate[b][MODE_IDX],
	    a->a_rate[b][MODE_LOG] / a->a_rate[b][MODE_RAW]);
	ret = 0;
done:
	for (m = 0; m < MODE_N; m++) {
		sink_close(&k[m]);
		/* the first log stays for the tamper check of phase 4 */
		if (m != MODE_LOG || b != 0)
			env_remove(dir[m]);
	}
	return ret;
}

/* Opens the environment in DIR with LMDB alone (any sub-database by name). */
static int
raw_open(const char *dir, unsigned int flags, MDB_env **envp)
{
	int rc;

	if ((rc = mdb_env_create(envp)) != 0)
		return rc;
	if ((rc = mdb_env_set_maxdbs(*envp, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_open(*envp, dir, MDB_NOTLS | flags, 0600)) != 0) {
		mdb_env_close(*envp);
		*envp = NULL;
	}
	return rc;
}

/* auditlog_verify of DIR: its result (0 = OK), the time in *SECS, the report in *REPORT. */
static int
verify_timed(const char *dir, const struct note_verifier *v, double *secs, char **report)
{
	size_t len;
	FILE *f;
	double t0;
	int rc;

	*report = NULL;
	if ((f = open_memstream(report, &len)) == NULL)
		return -1;
	t0 = now();
	rc = auditlog_verify(dir, v, f);
	*secs = now() - t0;
	fclose(f);
	return rc;
}

/* The verifier's baseline: a cursor over seq2rec hashing every record as a leaf. */
static int
bench_scan(const char *dir, uint64_t want, double *secs)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	uint8_t leaf[MERKLE_HASH_LEN];
	uint64_t n = 0;
	double t0 = now();
	int rc;

	if ((rc = raw_open(dir, MDB_RDONLY, &env)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "seq2rec", 0, &dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		goto done;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 &&
	    merkle_leaf_hash(v.mv_data, v.mv_size, leaf) == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		n++;
	*secs = now() - t0;
	mdb_cursor_close(cur);
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	if (rc != MDB_NOTFOUND || n != want) {
		fprintf(stderr, "audit_bench: scan of %s: %s, %llu of %llu records\n", dir,
		    mdb_strerror(rc), (unsigned long long)n, (unsigned long long)want);
		return -1;
	}
	return 0;
}

/* data.mdb's size (*DISK: st_blocks) and the pages of each sub-database. */
static int
bench_sizes(const char *dir, unsigned long n, long long *disk)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi main, dbi;
	MDB_val k, v;
	MDB_stat ms;
	struct stat sb;
	char path[4096], name[64];
	double bytes;
	int rc;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &sb) == -1) {
		fprintf(stderr, "audit_bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*disk = (long long)sb.st_blocks * 512;
	printf("  data.mdb: %.1f MiB on disk, %.0f B a record\n", (double)*disk / 1048576.0,
	    (double)*disk / (double)n);
	if (raw_open(dir, MDB_RDONLY, &env) != 0 ||
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 ||
	    mdb_dbi_open(txn, NULL, 0, &main) != 0 || mdb_cursor_open(txn, main, &cur) != 0)
		goto done;
	/* the main database's keys are the sub-databases' names */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size >= sizeof(name))
			continue;
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		if (mdb_dbi_open(txn, name, 0, &dbi) != 0 || mdb_stat(txn, dbi, &ms) != 0 ||
		    ms.ms_entries == 0)
			continue;
		bytes = (double)(ms.ms_branch_pages + ms.ms_leaf_pages + ms.ms_overflow_pages) *
		    ms.ms_psize;
		printf("    %-10s %8zu entries, %7.1f MiB, %5.0f B a record (%zu leaf, %zu "
		    "overflow pages of %u B)\n", name, ms.ms_entries, bytes / 1048576.0,
		    bytes / (double)n, ms.ms_leaf_pages, ms.ms_overflow_pages, ms.ms_psize);
	}
	mdb_cursor_close(cur);
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;	/* the breakdown is a detail: no failure for it */
}

/* What phase 3 measured: microseconds per call, proof lengths in hashes. */
struct proofs {
	double	 p_incl_us, p_verify_us, p_get_us, p_cons_us, p_consv_us;
	double	 p_incl_len, p_cons_len;
	size_t	 p_incl_max;
};

/* Inclusion proofs of random records of the N in LOG against ROOT, each verified, then
 * auditlog_get of the same records (the baseline). */
static int
bench_inclusion(struct auditlog *log, const struct opts *o, uint64_t n,
    const uint8_t root[MERKLE_HASH_LEN], struct proofs *p)
{
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN], *rec;
	uint64_t s = o->o_seed ^ 0x5bd1e995, seq;
	double t0, t1, incl = 0, ver = 0, get = 0, total = 0;
	size_t len, rlen;
	unsigned long i;
	int rc, ok;

	for (i = 0; i < o->o_proofs; i++) {
		seq = rng(&s) % n;
		t0 = now();
		rc = auditlog_inclusion(log, seq, n, path, &len);
		t1 = now();
		if (rc != AUDITLOG_OK || (rc = auditlog_get(log, seq, &rec, &rlen)) != AUDITLOG_OK) {
			fprintf(stderr, "audit_bench: proof of %llu: %s\n", (unsigned long long)seq,
			    auditlog_strerror(rc));
			return -1;
		}
		ok = merkle_leaf_hash(rec, rlen, leaf) == 0 && merkle_verify_inclusion(leaf, seq,
		    n, (const uint8_t (*)[MERKLE_HASH_LEN])path, len, root) == 1;
		free(rec);
		ver += now() - t1;
		incl += t1 - t0;
		if (!ok) {
			fprintf(stderr, "audit_bench: the inclusion proof of record %llu does not "
			    "verify\n", (unsigned long long)seq);
			return -1;
		}
		total += (double)len;
		p->p_incl_max = len > p->p_incl_max ? len : p->p_incl_max;
	}
	for (s = o->o_seed ^ 0x5bd1e995, i = 0; i < o->o_proofs; i++) {
		seq = rng(&s) % n;
		t0 = now();
		rc = auditlog_get(log, seq, &rec, &rlen);
		get += now() - t0;
		if (rc != AUDITLOG_OK)
			return -1;
		free(rec);
	}
	p->p_incl_us = incl * 1e6 / (double)o->o_proofs;
	p->p_verify_us = ver * 1e6 / (double)o->o_proofs;
	p->p_get_us = get * 1e6 / (double)o->o_proofs;
	p->p_incl_len = total / (double)o->o_proofs;
	return 0;
}

/* Consistency proofs from random older sizes to N, each verified (the old roots, which a
 * client keeps, are computed off the clock). */
static int
bench_consistency(struct auditlog *log, const struct opts *o, uint64_t n,
    const uint8_t root[MERKLE_HASH_LEN], struct proofs *p)
{
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], oldroot[MERKLE_HASH_LEN];
	uint64_t s = o->o_seed ^ 0x27d4eb2f, old;
	unsigned long i, count = o->o_proofs / 10;
	double t0, t1, cons = 0, ver = 0, total = 0;
	size_t len;
	int rc;

	for (i = 0; i < count; i++) {
		old = 1 + rng(&s) % (n - 1);
		if (auditlog_root(log, old, oldroot) != AUDITLOG_OK)
			return -1;
		t0 = now();
		rc = auditlog_consistency(log, old, n, path, &len);
		t1 = now();
		if (rc != AUDITLOG_OK || merkle_verify_consistency(old, n, oldroot, root,
		    (const uint8_t (*)[MERKLE_HASH_LEN])path, len) != 1) {
			fprintf(stderr, "audit_bench: consistency %llu -> %llu does not verify (%s)\n",
			    (unsigned long long)old, (unsigned long long)n, auditlog_strerror(rc));
			return -1;
		}
		ver += now() - t1;
		cons += t1 - t0;
		total += (double)len;
	}
	p->p_cons_us = cons * 1e6 / (double)count;
	p->p_consv_us = ver * 1e6 / (double)count;
	p->p_cons_len = total / (double)count;
	return 0;
}

/* Phase 3 on the log of WANT records in o_logdir. */
static int
bench_proofs(const struct opts *o, uint64_t want, struct proofs *p)
{
	struct auditlog *log;
	uint8_t root[MERKLE_HASH_LEN];
	uint64_t n = 0;
	int ret = -1;

	memset(p, 0, sizeof(*p));
	if ((log = auditlog_open(o->o_logdir, (size_t)o->o_mapmib << 20)) == NULL)
		return -1;
	if (auditlog_size(log, &n) != AUDITLOG_OK || n != want ||
	    auditlog_root(log, n, root) != AUDITLOG_OK) {
		fprintf(stderr, "audit_bench: the log holds %llu records, not %llu\n",
		    (unsigned long long)n, (unsigned long long)want);
		goto done;
	}
	if (bench_inclusion(log, o, n, root, p) == -1 || bench_consistency(log, o, n, root, p) == -1)
		goto done;
	printf("  inclusion, n = %llu, %lu random records: %.1f hashes (%.0f B) on average, at "
	    "most %zu (%zu B);\n    auditlog_inclusion %.1f us; auditlog_get + leaf hash + "
	    "merkle_verify_inclusion %.1f us; baseline auditlog_get alone %.1f us (x%.1f)\n",
	    (unsigned long long)n, o->o_proofs, p->p_incl_len, p->p_incl_len * MERKLE_HASH_LEN,
	    p->p_incl_max, p->p_incl_max * MERKLE_HASH_LEN, p->p_incl_us, p->p_verify_us,
	    p->p_get_us, p->p_incl_us / p->p_get_us);
	printf("  consistency, random old size -> %llu, %lu proofs: %.1f hashes on average; "
	    "auditlog_consistency %.1f us, merkle_verify_consistency %.1f us\n",
	    (unsigned long long)n, o->o_proofs / 10, p->p_cons_len, p->p_cons_us, p->p_consv_us);
	ret = 0;
done:
	auditlog_close(log);
	return ret;
}

/* Phase 4: one bit of record BENCH_TAMPER in the log in DIR flipped behind the log's back;
 * auditlog_verify must name that record. Returns 0 when it does. */
static int
bench_tamper(const char *dir, const struct note_verifier *v)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, val;
	uint8_t key[8], *copy = NULL;
	char *report = NULL, want[64];
	double secs;
	int rc, ret = -1;

	store_put_be64(key, BENCH_TAMPER);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	if ((rc = raw_open(dir, 0, &env)) != 0 || (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "seq2rec", 0, &dbi)) != 0 ||
	    (rc = mdb_get(txn, dbi, &k, &val)) != 0 || (copy = malloc(val.mv_size)) == NULL)
		goto done;
	memcpy(copy, val.mv_data, val.mv_size);
	copy[val.mv_size / 2] ^= 0x01;
	val.mv_data = copy;
	if ((rc = mdb_put(txn, dbi, &k, &val, 0)) != 0)
		goto done;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	mdb_env_close(env);
	env = NULL;
	if (rc != 0)
		goto done;
	snprintf(want, sizeof(want), "TAMPERED at seq %d:", BENCH_TAMPER);
	rc = verify_timed(dir, v, &secs, &report);
	printf("  record %d with one bit flipped -> auditlog_verify %d: %s", BENCH_TAMPER, rc,
	    report != NULL ? report : "(no report)\n");
	ret = rc == 1 && report != NULL && strstr(report, want) != NULL ? 0 : -1;
done:
	if (ret == -1)
		fprintf(stderr, "audit_bench: tamper check in %s failed (%s)\n", dir,
		    rc > 1 || rc < -1 ? mdb_strerror(rc) : "not detected");
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	free(copy);
	free(report);
	return ret;
}

/* A fresh Ed25519 key at o_key and o_key.pub with its vkey (hashictl audit keygen's
 * layout); the signer goes to the global, the verifier to *V. */
static int
keys_make(const struct opts *o, struct note_signer **s, struct note_verifier **v)
{
	struct strbuf vkey = { 0 };
	char pub[4096];
	FILE *f;
	int ret = -1;

	if (note_keygen(BENCH_KEYNAME, o->o_key, &vkey) == -1 || vkey.sb_failed)
		goto done;
	snprintf(pub, sizeof(pub), "%s.pub", o->o_key);
	if ((f = fopen(pub, "w")) == NULL || fprintf(f, "%s\n", vkey.sb_data) < 0 ||
	    fclose(f) == EOF) {
		fprintf(stderr, "audit_bench: %s: %s\n", pub, strerror(errno));
		goto done;
	}
	if ((*s = note_signer_load(BENCH_KEYNAME, o->o_key)) == NULL ||
	    (*v = note_verifier_parse(vkey.sb_data)) == NULL)
		goto done;
	signer = *s;
	ret = 0;
done:
	strbuf_reset(&vkey);
	return ret;
}

static void
usage(void)
{
	fprintf(stderr, "usage: audit_bench -w work-dir -L log-dir -K key [-n records] "
	    "[-T seconds]\n    [-R rounds] [-C checkpoint-ms] [-B build-batch] [-p proofs] "
	    "[-m map-MiB] [-S seed]\n");
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
	o->o_n = 1000000;
	o->o_secs = 3;
	o->o_rounds = 3;
	o->o_ckpt = 1;
	o->o_build_batch = 4096;
	o->o_proofs = 10000;
	o->o_mapmib = 16384;
	o->o_seed = 0x9E3779B97F4A7C15ULL;
	while ((ch = getopt(argc, argv, "B:C:K:L:m:n:p:R:S:T:w:")) != -1) {
		switch (ch) {
		case 'B': o->o_build_batch = num(optarg, 1, BENCH_MAXBATCH); break;
		case 'C': o->o_ckpt = (double)num(optarg, 10, 3600000) / 1000; break;
		case 'K': o->o_key = optarg; break;
		case 'L': o->o_logdir = optarg; break;
		case 'm': o->o_mapmib = num(optarg, 64, 1048576); break;
		case 'n': o->o_n = num(optarg, 1000, 100000000); break;
		case 'p': o->o_proofs = num(optarg, 10, 10000000); break;
		case 'R': o->o_rounds = num(optarg, 1, 100); break;
		case 'S': o->o_seed = num(optarg, 1, (unsigned long)-1); break;
		case 'T': o->o_secs = (double)num(optarg, 1, 3600); break;
		case 'w': o->o_work = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || o->o_work == NULL || o->o_logdir == NULL || o->o_key == NULL)
		usage();
}

/* Phase 2: the big log, built then verified; *BUILD keeps the build's figures (and its
 * traffic position, for phase 5). */
static int
bench_build(const struct opts *o, struct rec *recs, const struct note_verifier *nv,
    struct sink *build, double *wall, double *vsecs, double *ssecs)
{
	char *report = NULL;
	double t0 = now();
	int rc;

	printf("  %lu records, %lu per transaction, a checkpoint every %.1f s:\n", o->o_n,
	    o->o_build_batch, o->o_ckpt);
	if (sink_open(build, MODE_LOG, o->o_logdir, o, 0) == -1)
		return -1;
	rc = sink_run(build, o, recs, o->o_build_batch, o->o_n, 1e30, o->o_n / 4);
	if (rc == 0)
		rc = sink_checkpoint(build);
	auditlog_close(build->k_log);
	build->k_log = NULL;
	*wall = now() - t0;
	if (rc == -1)
		return -1;
	printf("  built in %.1f s: %.1f s on the clock (%.0f records/s, CPU %.1f us a record, "
	    "%lu checkpoints), %.1f s making records\n", *wall, build->k_secs,
	    (double)build->k_recs / build->k_secs, build->k_cpu * 1e6 / (double)build->k_recs,
	    build->k_ckpts, build->k_gen_secs);
	rc = verify_timed(o->o_logdir, nv, vsecs, &report);
	printf("  auditlog_verify: %.2f s, %d: %s", *vsecs, rc, report ? report : "(no report)\n");
	free(report);
	if (rc != 0) {
		fprintf(stderr, "audit_bench: the log just built does not verify (%d)\n", rc);
		return -1;
	}
	if (bench_scan(o->o_logdir, o->o_n, ssecs) == -1)
		return -1;
	printf("  baseline: a cursor over the records hashing each leaf %.2f s (verify x%.2f)\n",
	    *ssecs, *vsecs / *ssecs);
	return 0;
}

/* Phase 5: appends at each batch size on the big log, continuing BUILD's traffic. */
static int
bench_scale(const struct opts *o, struct rec *recs, const struct sink *build,
    struct appends *a)
{
	struct sink k;
	uint64_t first = build->k_recs;
	size_t b;
	int rc;

	for (b = 0; b < NBATCH; b++) {
		if (sink_open(&k, MODE_LOG, o->o_logdir, o, first) == -1)
			return -1;
		k.k_rng = build->k_rng ^ (b + 1);
		rc = sink_run(&k, o, recs, batches[b], (unsigned long)-1, o->o_secs, 0);
		if (rc == 0)
			a->a_scale[b] = sink_report(&k, batches[b], &a->a_scale_p50[b],
			    &a->a_scale_p99[b]);
		first += k.k_recs;
		sink_close(&k);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* The line audit.sh reads. */
static void
result_line(const struct opts *o, const struct appends *a, const struct sink *build,
    double wall, double vsecs, double ssecs, long long disk, const struct proofs *p)
{
	static const char *const tag[MODE_N] = { "raw", "idx", "log", "nosync" };
	size_t b;
	int m;

	printf("audit_bench:");
	for (b = 0; b < NBATCH; b++) {
		for (m = 0; m < MODE_N; m++)
			printf(" a%zu_%s=%.0f a%zu_%s_p50=%.2f a%zu_%s_p99=%.2f", batches[b], tag[m],
			    a->a_rate[b][m], batches[b], tag[m], a->a_p50[b][m], batches[b], tag[m],
			    a->a_p99[b][m]);
		printf(" sync%zu_ms=%.2f ckpt%zu_ms=%.2f cpu%zu_us=%.1f scale%zu=%.0f "
		    "scale%zu_p50=%.2f scale%zu_p99=%.2f", batches[b], a->a_sync[b], batches[b],
		    a->a_ckpt[b], batches[b], a->a_cpu[b], batches[b], a->a_scale[b], batches[b],
		    a->a_scale_p50[b], batches[b], a->a_scale_p99[b]);
	}
	printf(" rec_bytes=%.0f make_us=%.1f build_n=%lu build_batch=%lu build_rps=%.0f "
	    "build_clock_s=%.1f build_wall_s=%.1f build_ckpts=%lu verify_s=%.2f scan_s=%.2f "
	    "disk_bytes=%lld incl_hashes=%.1f incl_max=%zu incl_us=%.1f inclv_us=%.1f "
	    "get_us=%.1f cons_hashes=%.1f cons_us=%.1f consv_us=%.1f\n",
	    (double)build->k_bytes / (double)build->k_recs, build->k_gen_secs * 1e6 /
	    (double)build->k_recs, o->o_n, o->o_build_batch, (double)build->k_recs /
	    build->k_secs, build->k_secs, wall, build->k_ckpts, vsecs, ssecs, disk,
	    p->p_incl_len, p->p_incl_max, p->p_incl_us, p->p_verify_us, p->p_get_us,
	    p->p_cons_len, p->p_cons_us, p->p_consv_us);
}

static int
bench(const struct opts *o, struct rec *recs, const struct note_verifier *nv)
{
	struct appends a;
	struct proofs p;
	struct sink build;
	char dir[4096];
	double wall, vsecs, ssecs = 0;
	long long disk;
	size_t b;
	int ret = -1;

	memset(&a, 0, sizeof(a));
	memset(&build, 0, sizeof(build));
	printf("\n  (1) appends: records per transaction, mode; %.0f s on the clock each, in %lu "
	    "interleaved rounds\n", o->o_secs, o->o_rounds);
	for (b = 0; b < NBATCH; b++)
		if (bench_appends(o, recs, b, &a) == -1)
			goto done;
	printf("\n  (2) the big log\n");
	if (bench_build(o, recs, nv, &build, &wall, &vsecs, &ssecs) == -1 ||
	    bench_sizes(o->o_logdir, o->o_n, &disk) == -1)
		goto done;
	printf("\n  (3) proofs\n");
	if (bench_proofs(o, o->o_n, &p) == -1)
		goto done;
	printf("\n  (4) tamper check\n");
	snprintf(dir, sizeof(dir), "%s/m%d-b%zu", o->o_work, MODE_LOG, batches[0]);
	ret = bench_tamper(dir, nv);
	env_remove(dir);
	if (ret == -1)
		goto done;
	printf("\n  (5) appends to the log of %lu records, %.0f s each\n", o->o_n, o->o_secs);
	if ((ret = bench_scale(o, recs, &build, &a)) == 0)
		result_line(o, &a, &build, wall, vsecs, ssecs, disk, &p);
done:
	sink_close(&build);
	return ret;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct rec *recs = NULL;
	struct note_signer *ns = NULL;
	struct note_verifier *nv = NULL;
	size_t i;
	int ret = 1;

	opts_parse(&o, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* progress shows as it comes, through a pipe too */
	log_init("audit_bench", 1, 0);
	if ((summary = calloc(1, sizeof(*summary))) == NULL ||
	    (recs = calloc(BENCH_MAXBATCH, sizeof(*recs))) == NULL) {
		fprintf(stderr, "audit_bench: out of memory\n");
		goto done;
	}
	if (keys_make(&o, &ns, &nv) == -1)
		goto done;
	printf("  audit_bench: one thread, durable commits, work dir %s, signing key %s\n",
	    o.o_work, BENCH_KEYNAME);
	if (bench(&o, recs, nv) == 0)
		ret = 0;
done:
	for (i = 0; recs != NULL && i < BENCH_MAXBATCH; i++)
		strbuf_reset(&recs[i].r_sb);
	free(recs);
	free(summary);
	note_signer_free(ns);
	note_verifier_free(nv);
	return ret;
}
