/*
 * audit/search: finding audit records by patient, user, requesting / responding region,
 * purpose, outcome, event and time range, in any combination. The indexes (auditlog
 * key2seq, keys from atna_key) only propose candidates, from the most selective criterion
 * given; every candidate is then re-checked before it may be shown: its record is fetched,
 * its leaf hash recomputed and its inclusion proved against the latest checkpoint whose
 * signature verifies with the vkey (records after it: against the current tree, which must
 * be consistent with that checkpoint, and reported as not yet checkpointed), and it is
 * parsed with atna_parse_summary and matched against ALL criteria. A candidate that fails
 * the re-check is an integrity error, never a result. Records appended without index keys
 * (auditlog_add) are found only by a search without criteria.
 */
#ifndef HASHI_AUDIT_SEARCH_H
#define HASHI_AUDIT_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "audit/atna.h"
#include "audit/auditlog.h"
#include "crypto/checkpoint.h"

#define SEARCH_OUTCOME_ANY	(-1)	/* sq_outcome: no outcome criterion */
#define SEARCH_OUTCOME_FAILURE	(-2)	/* sq_outcome: any non-zero outcome */

/* A search. Strings are borrowed; NULL (or "") means no criterion. Text values are
 * compared exactly with the record's summary values (atna.h). */
struct search_query {
	const char	*sq_patient;	/* HL7 CX "id^^^&oid&ISO", any patient of the record */
	const char	*sq_user;	/* the human requestor / operator */
	const char	*sq_src_region;	/* requesting homeCommunityId */
	const char	*sq_dst_region;	/* responding homeCommunityId */
	const char	*sq_purpose;
	enum atna_event	 sq_event;	/* 0: any */
	int		 sq_outcome;	/* SEARCH_OUTCOME_*, or an enum atna_outcome value */
	int64_t		 sq_since_ms;	/* EventDateTime >= this (Unix ms); INT64_MIN: open */
	int64_t		 sq_until_ms;	/* EventDateTime <= this; INT64_MAX: open */
};

/* Sets Q to "every record". */
void search_query_init(struct search_query *q);

enum search_status {
	SEARCH_SIGNED = 1,	/* proved against the latest valid signed checkpoint */
	SEARCH_UNSIGNED,	/* newer than it: proved against the current tree */
	SEARCH_INTEGRITY	/* failed the re-check: an integrity error, not a result */
};

/* One result or integrity error, valid during the callback only. */
struct search_hit {
	uint64_t			 sh_seq;
	enum search_status		 sh_status;
	const struct atna_summary	*sh_summary;	/* NULL for SEARCH_INTEGRITY */
	const uint8_t			*sh_record;	/* the record bytes; NULL if unreadable */
	size_t				 sh_len;
	const char			*sh_problem;	/* SEARCH_INTEGRITY: what failed */
};

/* What a search did. */
struct search_stats {
	uint64_t	ss_size;	/* tree size searched */
	uint64_t	ss_ckpt_size;	/* size of the checkpoint used (0: none) */
	uint64_t	ss_bad_ckpts;	/* later stored checkpoints whose signature failed */
	uint64_t	ss_candidates;	/* records re-checked */
	uint64_t	ss_hits;	/* results */
	uint64_t	ss_integrity;	/* integrity errors */
	uint64_t	ss_stale;	/* index entries whose record lacks their key */
};

/* Called for every result and every integrity error, in sequence order; a non-zero
 * return stops the search. */
typedef int (*search_fn)(void *arg, const struct search_hit *hit);

/* Runs Q on LOG, checking records with the verifier key V; fills *ST (may be NULL).
 * Returns 0 when every candidate passed the re-check (and no stored checkpoint failed
 * its signature), 1 when there were integrity errors, -1 on an error (storage, memory,
 * FN stopped it) with the reason in ERR (ERRSZ bytes). */
int search_run(struct auditlog *log, const struct note_verifier *v,
    const struct search_query *q, search_fn fn, void *arg, struct search_stats *st,
    char *err, size_t errsz);

/* Returns 1 when summary S meets every criterion of Q, else 0. */
int search_match(const struct search_query *q, const struct atna_summary *s);

#endif
