/*
 * audit/search: candidates from one index, then a full re-check of each (see search.h).
 * The index with the fewest entries for its criterion is chosen by counting, capped at the
 * best count so far, so that a rare patient beats a common purpose without scanning it all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "audit/proof.h"
#include "audit/search.h"

/* One criterion: its bit in a miss mask and the index key ranges that propose it. */
enum {
	CB_PATIENT = 1 << 0, CB_USER = 1 << 1, CB_SRC = 1 << 2, CB_DST = 1 << 3,
	CB_PURPOSE = 1 << 4, CB_OUTCOME = 1 << 5, CB_EVENT = 1 << 6, CB_TIME = 1 << 7
};
#define SEARCH_MAXCRIT	8
#define SEARCH_MAXRANGE	3	/* "failure": outcomes 4, 8 and 12 */

struct range {
	uint8_t	 lo[ATNA_KEY_MAX];
	size_t	 lolen;
	uint8_t	 hi[ATNA_KEY_MAX];
	size_t	 hilen;
};

struct crit {
	unsigned	 cr_bit;
	struct range	 cr_r[SEARCH_MAXRANGE];
	size_t		 cr_nr;
};

/* The re-check's trusted state, taken once per search. */
struct check {
	struct auditlog		*ck_log;
	uint64_t		 ck_size;		/* current tree size */
	uint8_t			 ck_root[MERKLE_HASH_LEN];	/* its head, from stored nodes */
	struct checkpoint	 ck_cp;			/* latest valid signed checkpoint */
	int			 ck_have_cp;
	int			 ck_tail_ok;	/* current tree consistent with ck_cp */
};

/* A growable array of sequence numbers. */
struct seqvec {
	uint64_t	*sv_v;
	size_t		 sv_n;
	size_t		 sv_cap;
	int		 sv_failed;
};

struct counter {
	uint64_t	ct_n;
	uint64_t	ct_cap;
};

void
search_query_init(struct search_query *q)
{
	memset(q, 0, sizeof(*q));
	q->sq_outcome = SEARCH_OUTCOME_ANY;
	q->sq_since_ms = INT64_MIN;
	q->sq_until_ms = INT64_MAX;
}

static int
search_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* The criteria of Q that S misses, as a mask of CB_* bits. */
static unsigned
search_misses(const struct search_query *q, const struct atna_summary *s)
{
	unsigned miss = 0;
	size_t i;

	if (search_set(q->sq_patient)) {
		for (i = 0; i < s->as_npatients && i < ATNA_SUMMARY_MAX_PATIENTS; i++)
			if (strcmp(s->as_patients[i], q->sq_patient) == 0)
				break;
		if (i == s->as_npatients || i == ATNA_SUMMARY_MAX_PATIENTS)
			miss |= CB_PATIENT;
	}
	if (search_set(q->sq_user) && strcmp(s->as_user, q->sq_user) != 0)
		miss |= CB_USER;
	if (search_set(q->sq_src_region) && strcmp(s->as_src_region, q->sq_src_region) != 0)
		miss |= CB_SRC;
	if (search_set(q->sq_dst_region) && strcmp(s->as_dst_region, q->sq_dst_region) != 0)
		miss |= CB_DST;
	if (search_set(q->sq_purpose) && strcmp(s->as_purpose, q->sq_purpose) != 0)
		miss |= CB_PURPOSE;
	if ((q->sq_outcome >= 0 && s->as_outcome != q->sq_outcome) ||
	    (q->sq_outcome == SEARCH_OUTCOME_FAILURE && s->as_outcome == 0))
		miss |= CB_OUTCOME;
	if (q->sq_event != 0 && s->as_event != q->sq_event)
		miss |= CB_EVENT;
	if (s->as_time_ms < q->sq_since_ms || s->as_time_ms > q->sq_until_ms)
		miss |= CB_TIME;
	return miss;
}

int
search_match(const struct search_query *q, const struct atna_summary *s)
{
	return search_misses(q, s) == 0;
}

/* Adds to CR the range of the exact key of KIND for VALUE. */
static void
crit_exact(struct crit *cr, enum atna_key_kind kind, const char *value)
{
	struct range *r = &cr->cr_r[cr->cr_nr++];

	r->lolen = atna_key(kind, value, 0, r->lo);
	memcpy(r->hi, r->lo, r->lolen);
	r->hilen = r->lolen;
}

/* Adds to C[*N] the criterion BIT with the exact key of KIND for VALUE. */
static void
crit_add(struct crit *c, size_t *n, unsigned bit, enum atna_key_kind kind, const char *value)
{
	c[*n].cr_bit = bit;
	crit_exact(&c[*n], kind, value);
	(*n)++;
}

/* Fills C with the criteria of Q that an index can propose; returns how many. */
static size_t
search_crits(const struct search_query *q, struct crit *c)
{
	static const int fails[] = { ATNA_MINOR, ATNA_SERIOUS, ATNA_MAJOR };
	const char *code;
	char num[16];
	size_t n = 0, i;

	memset(c, 0, sizeof(*c) * SEARCH_MAXCRIT);
	if (search_set(q->sq_patient))
		crit_add(c, &n, CB_PATIENT, ATNA_KEY_PATIENT, q->sq_patient);
	if (search_set(q->sq_user))
		crit_add(c, &n, CB_USER, ATNA_KEY_USER, q->sq_user);
	if (search_set(q->sq_src_region))
		crit_add(c, &n, CB_SRC, ATNA_KEY_SRC_REGION, q->sq_src_region);
	if (search_set(q->sq_dst_region))
		crit_add(c, &n, CB_DST, ATNA_KEY_DST_REGION, q->sq_dst_region);
	if (search_set(q->sq_purpose))
		crit_add(c, &n, CB_PURPOSE, ATNA_KEY_PURPOSE, q->sq_purpose);
	/* The same decimal text atna_index_keys writes. */
	if (q->sq_outcome >= 0) {
		snprintf(num, sizeof(num), "%d", q->sq_outcome);
		crit_add(c, &n, CB_OUTCOME, ATNA_KEY_OUTCOME, num);
	} else if (q->sq_outcome == SEARCH_OUTCOME_FAILURE) {
		c[n].cr_bit = CB_OUTCOME;
		for (i = 0; i < SEARCH_MAXRANGE; i++) {
			snprintf(num, sizeof(num), "%d", fails[i]);
			crit_exact(&c[n], ATNA_KEY_OUTCOME, num);
		}
		n++;
	}
	if (q->sq_event != 0 && (code = atna_event_code(q->sq_event)) != NULL)
		crit_add(c, &n, CB_EVENT, ATNA_KEY_EVENT, code);
	/* Time keys are 't' || be64(ms): unsigned order, so times before 1970 are clamped. */
	if (q->sq_since_ms != INT64_MIN || q->sq_until_ms != INT64_MAX) {
		c[n].cr_bit = CB_TIME;
		c[n].cr_nr = 1;
		c[n].cr_r[0].lolen = atna_key(ATNA_KEY_TIME, NULL,
		    q->sq_since_ms < 0 ? 0 : q->sq_since_ms, c[n].cr_r[0].lo);
		c[n].cr_r[0].hilen = atna_key(ATNA_KEY_TIME, NULL,
		    q->sq_until_ms < 0 ? 0 : q->sq_until_ms, c[n].cr_r[0].hi);
		n++;
	}
	return n;
}

static int
count_cb(void *arg, uint64_t seq)
{
	struct counter *ct = arg;

	(void)seq;
	return ++ct->ct_n > ct->ct_cap;
}

static int
collect_cb(void *arg, uint64_t seq)
{
	struct seqvec *sv = arg;
	uint64_t *p;
	size_t cap;

	if (sv->sv_n == sv->sv_cap) {
		cap = sv->sv_cap == 0 ? 256 : sv->sv_cap * 2;
		if (cap > SIZE_MAX / sizeof(*p) || (p = realloc(sv->sv_v, cap * sizeof(*p))) == NULL) {
			sv->sv_failed = 1;
			return 1;
		}
		sv->sv_v = p;
		sv->sv_cap = cap;
	}
	sv->sv_v[sv->sv_n++] = seq;
	return 0;
}

static int
seq_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Fills SV with the sorted, distinct candidates of the most selective criterion of C and
 * returns its bit in *BIT. Returns 0, or an AUDITLOG_* error. */
static int
search_candidates(struct auditlog *log, const struct crit *c, size_t n, struct seqvec *sv,
    unsigned *bit)
{
	struct counter ct;
	uint64_t best = UINT64_MAX;
	size_t i, r, pick = 0, k;
	int rc;

	for (i = 0; i < n; i++) {
		ct.ct_n = 0;
		ct.ct_cap = best;
		for (r = 0; r < c[i].cr_nr && ct.ct_n <= ct.ct_cap; r++)
			if ((rc = auditlog_index_range(log, c[i].cr_r[r].lo, c[i].cr_r[r].lolen,
			    c[i].cr_r[r].hi, c[i].cr_r[r].hilen, count_cb, &ct)) != AUDITLOG_OK)
				return rc;
		if (ct.ct_n < best) {
			best = ct.ct_n;
			pick = i;
		}
	}
	*bit = c[pick].cr_bit;
	for (r = 0; r < c[pick].cr_nr; r++)
		if ((rc = auditlog_index_range(log, c[pick].cr_r[r].lo, c[pick].cr_r[r].lolen,
		    c[pick].cr_r[r].hi, c[pick].cr_r[r].hilen, collect_cb, sv)) != AUDITLOG_OK)
			return rc;
	if (sv->sv_failed)
		return AUDITLOG_EFAIL;
	if (sv->sv_n == 0)
		return AUDITLOG_OK;
	qsort(sv->sv_v, sv->sv_n, sizeof(*sv->sv_v), seq_cmp);
	for (i = 1, k = 1; i < sv->sv_n; i++)
		if (sv->sv_v[i] != sv->sv_v[k - 1])
			sv->sv_v[k++] = sv->sv_v[i];
	sv->sv_n = k;
	return AUDITLOG_OK;
}

/* Takes the trusted state: size, current root, latest valid checkpoint and whether the
 * current tree extends it. Returns 0 or -1. */
static int
check_init(struct check *ck, struct auditlog *log, const struct note_verifier *v,
    struct search_stats *st)
{
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	struct strbuf note = { 0 };
	size_t n;

	memset(ck, 0, sizeof(*ck));
	ck->ck_log = log;
	if (auditlog_size(log, &ck->ck_size) != AUDITLOG_OK ||
	    auditlog_root(log, ck->ck_size, ck->ck_root) != AUDITLOG_OK)
		return -1;
	ck->ck_have_cp = proof_checkpoint_latest(log, v, &note, &ck->ck_cp,
	    &st->ss_bad_ckpts) == PROOF_OK;
	strbuf_reset(&note);
	st->ss_size = ck->ck_size;
	if (!ck->ck_have_cp) {
		ck->ck_tail_ok = 1;	/* nothing signed to be consistent with */
		return 0;
	}
	st->ss_ckpt_size = ck->ck_cp.size;
	if (ck->ck_cp.size == 0 || ck->ck_cp.size > ck->ck_size)
		ck->ck_tail_ok = ck->ck_cp.size == 0;
	else if (ck->ck_cp.size == ck->ck_size)
		ck->ck_tail_ok = CRYPTO_memcmp(ck->ck_root, ck->ck_cp.root, MERKLE_HASH_LEN) == 0;
	else
		ck->ck_tail_ok = auditlog_consistency(log, ck->ck_cp.size, ck->ck_size, path,
		    &n) == AUDITLOG_OK && merkle_verify_consistency(ck->ck_cp.size, ck->ck_size,
		    ck->ck_cp.root, ck->ck_root, (const uint8_t (*)[MERKLE_HASH_LEN])path, n) == 1;
	return 0;
}

/* Proves record REC of SEQ: returns SEARCH_SIGNED / SEARCH_UNSIGNED, or SEARCH_INTEGRITY
 * with the problem in WHY. */
static enum search_status
check_record(const struct check *ck, uint64_t seq, const uint8_t *rec, size_t len,
    char *why, size_t whysz)
{
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
	size_t n;

	if (merkle_leaf_hash(rec, len, leaf) == -1) {
		snprintf(why, whysz, "cannot hash the record");
		return SEARCH_INTEGRITY;
	}
	if (ck->ck_have_cp && seq < ck->ck_cp.size) {
		if (auditlog_inclusion(ck->ck_log, seq, ck->ck_cp.size, path, &n) == AUDITLOG_OK &&
		    merkle_verify_inclusion(leaf, seq, ck->ck_cp.size,
		    (const uint8_t (*)[MERKLE_HASH_LEN])path, n, ck->ck_cp.root) == 1)
			return SEARCH_SIGNED;
		snprintf(why, whysz, "not in the signed tree of size %llu (record altered, "
		    "reordered or the log truncated)", (unsigned long long)ck->ck_cp.size);
		return SEARCH_INTEGRITY;
	}
	if (!ck->ck_tail_ok) {
		snprintf(why, whysz, "the log after the signed checkpoint of size %llu is not "
		    "consistent with it", (unsigned long long)ck->ck_cp.size);
		return SEARCH_INTEGRITY;
	}
	if (auditlog_inclusion(ck->ck_log, seq, ck->ck_size, path, &n) == AUDITLOG_OK &&
	    merkle_verify_inclusion(leaf, seq, ck->ck_size,
	    (const uint8_t (*)[MERKLE_HASH_LEN])path, n, ck->ck_root) == 1)
		return SEARCH_UNSIGNED;
	snprintf(why, whysz, "does not match the log's tree (record altered or reordered)");
	return SEARCH_INTEGRITY;
}

/* Re-checks candidate SEQ and reports it to FN if it is a result or an integrity error.
 * BIT is the criterion that proposed it. Returns 0, or -1 (storage, FN stopped). */
static int
search_one(const struct check *ck, const struct search_query *q, unsigned bit, uint64_t seq,
    search_fn fn, void *arg, struct search_stats *st)
{
	struct atna_summary s;
	struct search_hit h;
	uint8_t *rec = NULL;
	char why[256];
	unsigned miss;
	int rc, ret = -1;

	memset(&h, 0, sizeof(h));
	h.sh_seq = seq;
	/* An index entry beyond the tree: a damaged index or a record committed since. */
	if (seq >= ck->ck_size) {
		st->ss_stale++;
		return 0;
	}
	st->ss_candidates++;
	rc = auditlog_get(ck->ck_log, seq, &rec, &h.sh_len);
	h.sh_record = rec;
	if (rc == AUDITLOG_ENOTFOUND) {
		snprintf(why, sizeof(why), "record missing from the log");
		h.sh_status = SEARCH_INTEGRITY;
	} else if (rc != AUDITLOG_OK)
		goto done;
	else
		h.sh_status = check_record(ck, seq, h.sh_record, h.sh_len, why, sizeof(why));
	if (h.sh_status != SEARCH_INTEGRITY &&
	    atna_parse_summary(h.sh_record, h.sh_len, &s) == -1) {
		snprintf(why, sizeof(why), "not an ATNA AuditMessage of this appliance");
		h.sh_status = SEARCH_INTEGRITY;
	}
	if (h.sh_status == SEARCH_INTEGRITY) {
		st->ss_integrity++;
		h.sh_problem = why;
	} else if ((miss = search_misses(q, &s)) != 0) {
		if (miss & bit)
			st->ss_stale++;
		ret = 0;
		goto done;
	} else {
		st->ss_hits++;
		h.sh_summary = &s;
	}
	ret = fn(arg, &h) == 0 ? 0 : -1;
done:
	free(rec);
	return ret;
}

/* Writes the reason into ERR and returns -1. */
static int __attribute__((format(printf, 3, 4)))
search_fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsz > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
search_run(struct auditlog *log, const struct note_verifier *v,
    const struct search_query *q, search_fn fn, void *arg, struct search_stats *st,
    char *err, size_t errsz)
{
	struct crit c[SEARCH_MAXCRIT];
	struct seqvec sv = { 0 };
	struct search_stats mine;
	struct check ck;
	unsigned bit = 0;
	uint64_t seq = 0;
	size_t n, i;
	int rc, ret = -1;

	if (st == NULL)
		st = &mine;
	memset(st, 0, sizeof(*st));
	if (check_init(&ck, log, v, st) == -1)
		return search_fail(err, errsz, "cannot read the log's size and tree head");
	if ((n = search_crits(q, c)) == 0) {
		for (seq = 0; seq < ck.ck_size; seq++)
			if (search_one(&ck, q, 0, seq, fn, arg, st) == -1)
				goto fail;
	} else {
		if ((rc = search_candidates(log, c, n, &sv, &bit)) != AUDITLOG_OK) {
			search_fail(err, errsz, "index: %s", auditlog_strerror(rc));
			goto done;
		}
		for (i = 0; i < sv.sv_n; i++)
			if (search_one(&ck, q, bit, seq = sv.sv_v[i], fn, arg, st) == -1)
				goto fail;
	}
	ret = st->ss_integrity > 0 || st->ss_bad_ckpts > 0 ||
	    (ck.ck_have_cp && ck.ck_cp.size > ck.ck_size) ? 1 : 0;
	if (ck.ck_have_cp && ck.ck_cp.size > ck.ck_size)
		search_fail(err, errsz, "the log has %llu records, fewer than its signed "
		    "checkpoint of size %llu (truncated or rolled back)",
		    (unsigned long long)ck.ck_size, (unsigned long long)ck.ck_cp.size);
	goto done;
fail:
	search_fail(err, errsz, "record %llu: read error, or the search was stopped",
	    (unsigned long long)seq);
done:
	free(sv.sv_v);
	return ret;
}
