/*
 * gateway/scn_audit: what a scenario run reads of each region's signed audit log: the
 * records a step expects (by event, outcome, purpose, from the step's start), found with
 * the auditors' own search (every hit proved against the signed tree), and, once the
 * region is stopped, the offline verification of the whole log. The region's verifier key
 * is the one hashid wrote next to its signing key (<state>/audit-signing.key.pub).
 */
#ifndef HASHI_GATEWAY_SCN_AUDIT_H
#define HASHI_GATEWAY_SCN_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define SCN_AUDIT_MAP_SIZE	(256u << 20)	/* audit.map_size of the run's regions */

/* One record found. */
struct scn_audit_hit {
	uint64_t	ah_seq;
	char		ah_event[32];
	int		ah_outcome;
	char		ah_purpose[64];
	int64_t		ah_time_ms;
};

/* Finds in the live log of the region whose state directory is STATE the records of
 * event EVENT (an EventTypeCode code such as "ITI-38" or "consent-decision"; NULL = any),
 * outcome OUTCOME (-1 = any), purpose PURPOSE (NULL = any) written at or after SINCE_MS
 * (Unix ms). Stores at most MAX of them into HITS and their total count in *N. Returns 0,
 * or -1 with the reason in ERR (unknown event, no log or key, an integrity error). */
int scn_audit_find(const char *state, const char *event, int outcome, const char *purpose,
    int64_t since_ms, struct scn_audit_hit *hits, size_t max, size_t *n, char *err,
    size_t errsz);

/* Verifies the whole log of STATE offline (its hashid must be stopped): every record,
 * node and checkpoint. Returns 1 when it verifies, 0 when it does not, -1 when it could
 * not be checked; DETAIL gets the verifier's summary or first problem. */
int scn_audit_verify(const char *state, char *detail, size_t detailsz);

#endif
