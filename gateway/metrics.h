/*
 * gateway/metrics: what the admin listener reports. Counters of answered requests by
 * transaction, endpoint and outcome; per peer, calls in flight, outcomes, the last success
 * and last error, a latency histogram (Prometheus buckets) and a ring of the last
 * METRICS_RING latencies for percentiles. Pure bookkeeping: no I/O, no clock (callers
 * pass times), so that it is unit-testable. Peers are keyed by name, so their figures
 * survive a SIGHUP reload.
 */
#ifndef HASHI_GATEWAY_METRICS_H
#define HASHI_GATEWAY_METRICS_H

#include <stddef.h>

#include "common/str.h"

#define METRICS_RING		1024	/* latencies kept per peer for percentiles */
#define METRICS_NBUCKETS	11	/* finite histogram buckets; +Inf is implicit */

/* Outcome of one answered request (the ebRS status of the payload, or a SOAP fault). */
enum metrics_outcome { MO_SUCCESS = 0, MO_PARTIAL, MO_FAILURE, MO_FAULT, MO__N };

/* Outcome of one call to a peer. */
enum metrics_peer_outcome { MPO_OK = 0, MPO_ERROR, MPO_TIMEOUT, MPO__N };

/* Upper bounds (seconds) of the histogram buckets, increasing, 0.005 .. 10. */
extern const double metrics_buckets[METRICS_NBUCKETS];

struct metrics;
struct metrics_peer;
struct tunnels;

/* What the renderers need besides the counters; strings borrowed. */
struct metrics_info {
	const char	*mi_name;	/* community display name */
	const char	*mi_hcid;
	long long	 mi_uptime_s;
	int		 mi_draining;
	unsigned	 mi_inflight;	/* requests being served */
	/* the signed audit log (gateway/gw_audit.h); rendered when mi_audit is set */
	int		 mi_audit;
	int		 mi_audit_healthy;	/* 0: every request is being refused */
	unsigned long long mi_audit_size;	/* records in the log */
	unsigned long long mi_audit_checkpoint;	/* size of the latest signed checkpoint */
	unsigned long	 mi_audit_failures;	/* failed commits */
	unsigned long	 mi_audit_refused;	/* answers refused for want of a record */
	const char	*mi_audit_error;	/* the last failure, "" if none */
	int		 mi_audit_fwd;		/* forwarding to an audit repository is on */
	int		 mi_audit_fwd_connected;
	unsigned long long mi_audit_fwd_backlog;	/* records not yet delivered */
	int		 mi_audit_fwd_saved;	/* the delivered position is committed */
	const struct tunnels *mi_tunnels;	/* paths per peer and purpose; NULL = none */
};

/* Appends S to OUT escaped as a Prometheus label value (without the quotes). */
void metrics_put_label(struct strbuf *out, const char *s);

/* Appends " " and unix time T as a 20-column UTC timestamp ("-" for 0) to OUT. */
void metrics_table_time(struct strbuf *out, long long t);

/* Appends S (NULL: null) to OUT as a JSON string with quotes; UTF-8 passes through,
 * control characters are escaped. */
void metrics_put_json(struct strbuf *out, const char *s);

/* The audit part of the three renderings (metrics_audit.c); nothing unless mi_audit. */
void metrics_audit_prom(const struct metrics_info *mi, struct strbuf *out);
void metrics_audit_json(const struct metrics_info *mi, struct strbuf *out);
void metrics_audit_table(const struct metrics_info *mi, struct strbuf *out);

/* Consent outcomes at the responding gateway. */
enum metrics_consent {
	METRICS_CONSENT_DENIED = 0,	/* a patient's records refused for want of consent */
	METRICS_CONSENT_EMERGENCY,	/* released without consent (break-glass) */
	METRICS_CONSENT__N
};

/* Counts one consent outcome WHAT; M NULL accepted. */
void metrics_consent(struct metrics *m, enum metrics_consent what);

/* Returns the count of WHAT. */
unsigned long long metrics_consent_count(const struct metrics *m, enum metrics_consent what);

/* Returns a new, empty set of counters, or NULL on ENOMEM. */
struct metrics *metrics_new(void);

/* Frees M and its peers; NULL accepted. */
void metrics_free(struct metrics *m);

/* Counts one answered request. TXN ("ITI-38") and ENDPOINT ("ig") are copied on first use.
 * Returns 0, or -1 on ENOMEM (the request is then not counted). */
int metrics_request(struct metrics *m, const char *txn, const char *endpoint,
    enum metrics_outcome o);

/* Returns the count for (TXN, ENDPOINT, O), 0 when never seen. */
unsigned long long metrics_request_count(const struct metrics *m, const char *txn,
    const char *endpoint, enum metrics_outcome o);

/* Returns the peer named NAME, creating it (with HCID, copied) if needed; a changed HCID
 * replaces the old. Owned by M. NULL on ENOMEM. */
struct metrics_peer *metrics_peer(struct metrics *m, const char *name, const char *hcid);

/* Marks one call to P as started (in flight). NULL accepted. */
void metrics_peer_begin(struct metrics_peer *p);

/* Ends a call started with metrics_peer_begin: outcome O after MS milliseconds, at unix
 * time NOW; WHAT (copied; may be NULL) says what went wrong when O is not MPO_OK. */
void metrics_peer_end(struct metrics_peer *p, enum metrics_peer_outcome o, double ms,
    long long now, const char *what);

/* Returns P's count of calls with outcome O. */
unsigned long long metrics_peer_count(const struct metrics_peer *p,
    enum metrics_peer_outcome o);

/* Returns P's calls in flight. */
unsigned metrics_peer_inflight(const struct metrics_peer *p);

/* Returns the Q-th percentile (0 < Q <= 100, nearest rank) of P's last METRICS_RING
 * latencies in milliseconds, or -1 when P has none. */
double metrics_peer_percentile(const struct metrics_peer *p, double q);

/* Returns the nearest-rank Q-th percentile (0 < Q <= 100) of the N values V, sorting V
 * in place; -1 when N is 0. */
double metrics_percentile(double *v, size_t n, double q);

/* Returns the index of the first bucket whose bound is >= SECONDS, METRICS_NBUCKETS when
 * SECONDS is above every bound (+Inf). */
size_t metrics_bucket(double seconds);

/* Appends the Prometheus text exposition (format 0.0.4) to OUT. Returns 0 or -1. */
int metrics_render_prom(const struct metrics *m, const struct metrics_info *mi,
    struct strbuf *out);

/* Appends the /status JSON document to OUT. Returns 0 or -1. */
int metrics_render_status(const struct metrics *m, const struct metrics_info *mi,
    struct strbuf *out);

/* Appends a human-readable per-peer table (hashictl status) to OUT. Returns 0 or -1. */
int metrics_render_table(const struct metrics *m, const struct metrics_info *mi,
    struct strbuf *out);

#endif
