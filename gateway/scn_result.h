/*
 * gateway/scn_result: what a scenario run found, step by step, for the reports
 * (gateway/scn_report.h). The runner fills it with the builder functions below; every
 * string given to them is copied, so the caller keeps its own. The structures are public
 * so that the reports (and tests) can read them; everything in them is owned by the
 * struct scn_result and freed by scn_result_free.
 *
 * Pointers returned by the add functions stay valid until the next add of the same kind
 * on the same parent (the arrays grow with realloc): add a step, fill it, then add the next.
 */
#ifndef HASHI_GATEWAY_SCN_RESULT_H
#define HASHI_GATEWAY_SCN_RESULT_H

#include <stddef.h>

enum scn_hop_outcome { SCN_HOP_OK, SCN_HOP_ERROR, SCN_HOP_TIMEOUT, SCN_HOP_REFUSED, SCN_HOP_SKIPPED };

/* One message exchange between two parties during a step. */
struct scn_hop {
	char	*from, *to;	/* region names, or "ehr:<region>" for a local system */
	char	*txn;		/* ITI-38, ITI-39, ITI-55, ITI-41 ... */
	long	 start_ms, dur_ms; /* relative to the step's start */
	enum scn_hop_outcome outcome;
	char	*detail;	/* e.g. "3 documents", "timeout", "ConsentRequired: no consent" */
};

/* A consent / emergency decision a region took for a patient during a step. */
struct scn_decision {
	char	*region, *patient;
	char	*decision;	/* allow | deny | emergency */
	char	*reason;
};

/* An audit record a region wrote during a step (found by the runner's audit search). */
struct scn_audit_ref {
	char			*region;
	unsigned long long	 seq;
	char			*event;
	int			 outcome;	/* ATNA EventOutcomeIndicator: 0, 4, 8, 12 */
	char			*purpose;
};

/* One expectation of a step and whether it held. */
struct scn_check {
	char	*what;
	int	 ok;
	char	*expected, *got;
};

struct scn_step_result {
	char	*name, *kind;	/* kind: query, retrieve, consent-add, region-down, ... */
	char	*as;		/* "okayama/dr-tanaka", or NULL */
	char	*purpose;
	long	 start_ms, dur_ms; /* start relative to the run's start */
	int	 passed;
	struct scn_check	*checks;	size_t nchecks;
	struct scn_hop		*hops;		size_t nhops;
	struct scn_decision	*decisions;	size_t ndecisions;
	struct scn_audit_ref	*audit;		size_t naudit;
};

struct scn_region_result {
	char	*name, *display, *hcid;
	int	 audit_verified;	/* 1 verified, 0 verification failed, -1 not checked */
	char	*audit_detail;
	char	*audit_export;	/* file name of the region's audit export in the report dir,
				 * relative to it, or NULL */
};

/* A tunnel as one region saw it at the end of a run with --netns: its CHILD_SA to PEER for
 * PURPOSE. Information only: a tunnel that is not up never fails the run (a fault scenario
 * may take one down on purpose). */
struct scn_tunnel {
	char	*region, *peer, *purpose;
	char	*state;		/* hashid's view: up, down, idle, unknown */
	unsigned long long bytes_in, bytes_out;	/* the CHILD_SA's counters (charon's) */
};

struct scn_result {
	char	*scenario, *file;
	char	*started;	/* ISO 8601 UTC */
	long	 total_ms;
	int	 passed;
	struct scn_region_result *regions;	size_t nregions;
	struct scn_step_result	 *steps;	size_t nsteps;
	char	*network;	/* how the regions were connected: "loopback" (NULL means that
				 * too) or "netns" */
	struct scn_tunnel	*tunnels;	size_t ntunnels;
};

/* Returns a new empty result (passed = 1 until something fails) for SCENARIO read from
 * FILE, started at STARTED (ISO 8601 UTC; NULL: now). Any string may be NULL except
 * SCENARIO. The caller frees it with scn_result_free. NULL on allocation failure. */
struct scn_result *scn_result_new(const char *scenario, const char *file, const char *started);

/* Frees R and everything in it. Accepts NULL. */
void scn_result_free(struct scn_result *r);

/* Appends a region (audit_verified -1: not checked). DISPLAY and HCID may be NULL. Returns
 * the region, owned by R, or NULL on allocation failure. */
struct scn_region_result *scn_result_add_region(struct scn_result *r, const char *name,
    const char *display, const char *hcid);

/* Sets a region's audit verification: VERIFIED 1 or 0, the export file name EXPORT (relative
 * to the report dir, or NULL) and a detail from FMT (NULL: none). Replaces earlier values.
 * Returns 0, or -1 on allocation failure (the region is then left unchanged). */
int scn_region_set_audit(struct scn_region_result *reg, int verified, const char *export_file,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Returns the region of R named NAME, or NULL. Borrowed. */
struct scn_region_result *scn_result_region(const struct scn_result *r, const char *name);

/* Appends a step (passed = 1 until a check fails, dur_ms 0). KIND, AS and PURPOSE may be
 * NULL. Returns the step, owned by R, or NULL on allocation failure. */
struct scn_step_result *scn_result_add_step(struct scn_result *r, const char *name,
    const char *kind, const char *as, const char *purpose, long start_ms);

/* Appends a check: what was checked, whether it held, the expected value and the one
 * found (from FMT; NULL: none). A failed check clears the step's passed flag. Returns 0,
 * or -1 on allocation failure (nothing added). */
int scn_step_add_check(struct scn_step_result *st, int ok, const char *what,
    const char *expected, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Appends a hop FROM -> TO of transaction TXN, START_MS (relative to the step's start) for
 * DUR_MS, with OUTCOME and a detail from FMT (NULL: none). Returns 0, or -1 on allocation
 * failure (nothing added). */
int scn_step_add_hop(struct scn_step_result *st, const char *from, const char *to,
    const char *txn, long start_ms, long dur_ms, enum scn_hop_outcome outcome,
    const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* Appends REGION's DECISION (allow, deny, emergency) for PATIENT with a reason from FMT
 * (NULL: none). Returns 0, or -1 on allocation failure (nothing added). */
int scn_step_add_decision(struct scn_step_result *st, const char *region, const char *patient,
    const char *decision, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Appends a reference to REGION's audit record SEQ (EVENT, OUTCOME, PURPOSE may be NULL).
 * Returns 0, or -1 on allocation failure (nothing added). */
int scn_step_add_audit(struct scn_step_result *st, const char *region, unsigned long long seq,
    const char *event, int outcome, const char *purpose);

/* Sets how the regions of R were connected: NETWORK "loopback" or "netns" (copied; NULL:
 * loopback), replacing an earlier value. Returns 0, or -1 on allocation failure (R is then
 * left unchanged). */
int scn_result_set_network(struct scn_result *r, const char *network);

/* Appends REGION's view of its tunnel to PEER for PURPOSE: STATE (up, down, idle; NULL means
 * "unknown") and the CHILD_SA's byte counters. Strings are copied; REGION and PEER NULL
 * become "", PURPOSE may be NULL. Does not change R->passed. Returns 0, or -1 on allocation
 * failure (nothing added). */
int scn_result_add_tunnel(struct scn_result *r, const char *region, const char *peer,
    const char *purpose, const char *state, unsigned long long bytes_in,
    unsigned long long bytes_out);

/* Ends a step: sets its duration. Its passed flag already reflects its checks. */
void scn_step_end(struct scn_step_result *st, long dur_ms);

/* Ends the run: sets TOTAL_MS and R->passed to 1 when every step passed and no region's
 * audit verification failed (-1, not checked, does not fail the run), else 0. Tunnels are
 * not looked at. */
void scn_result_end(struct scn_result *r, long total_ms);

/* Returns "ok", "error", "timeout", "refused" or "skipped" (static; "?" if out of range). */
const char *scn_hop_outcome_name(enum scn_hop_outcome o);

#endif
