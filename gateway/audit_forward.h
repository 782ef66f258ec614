/*
 * gateway/audit_forward: sends every record of the signed audit log to an IHE ATNA Audit
 * Record Repository, as syslog over TLS (RFC 5424 messages, RFC 5425 octet counting;
 * DICOM PS3.15 A.6: PRI 85, MSGID IHE+RFC-3881, MSG = UTF-8 BOM + the record bytes).
 *
 * The log is the queue. The forwarder keeps no copy of its own: it reads records by
 * sequence number after its persisted cursor "forward" (auditlog_cursor: the number of
 * records forwarded, i.e. the sequence number of the next one to send), sends them in
 * slices of at most AUDIT_FORWARD_SLICE_RECORDS records or AUDIT_FORWARD_SLICE_BYTES bytes
 * (one slice in flight at a time, the next one from a later loop turn) and advances the
 * cursor in an auditlog batch of its own once a slice is delivered. Requests never wait
 * for it; a repository that is down only makes the backlog grow.
 *
 * Delivered means: the TLS bufferevent's output drained into the kernel AND the kernel
 * reports the socket's send queue empty (SIOCOUTQ: every byte acknowledged by the
 * repository's TCP). Syslog has no application acknowledgement, so this is at-least-once:
 * a crash, a failed cursor commit or a connection lost between the TCP acknowledgement
 * and the repository's own commit may send a few records again; nothing committed to the
 * log is skipped. With TLS 1.3 the client finishes its handshake before the server has
 * judged the client certificate, so the first slice of a connection waits for a "settle"
 * period (twice the handshake time, 20 ms .. 2 s) during which a refusal alert ends the
 * connection before anything is sent.
 *
 * Frame: "LEN SP <85>1 TIMESTAMP HOSTNAME hashid PID IHE+RFC-3881 - BOM RECORD", LEN the
 * byte length of what follows the space. TIMESTAMP is the send time (RFC 3339, UTC,
 * milliseconds); the event's own time is EventDateTime inside the record. HOSTNAME is
 * gethostname() reduced to printable US-ASCII, at most 255 bytes ("-" if empty).
 *
 * TLS: mutual authentication with the gateway's client certificate (tls.cert/tls.key);
 * the repository's certificate must chain to audit.forward.ca (else tls.ca) and match
 * audit.forward.server_name (else the address) by subjectAltName. Connect and write
 * timeouts are config.timeouts connect and read; after a failure the forwarder reconnects
 * with exponential backoff (1 s doubling to 60 s, reset by a delivered slice). Host names
 * are resolved asynchronously (evdns); numeric addresses need no resolver.
 *
 * Everything runs on the one event loop; no function here blocks on the network.
 */
#ifndef HASHI_GATEWAY_AUDIT_FORWARD_H
#define HASHI_GATEWAY_AUDIT_FORWARD_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "gateway/config.h"

#define AUDIT_FORWARD_CURSOR		"forward"	/* auditlog cursor name */
#define AUDIT_FORWARD_SLICE_RECORDS	256
#define AUDIT_FORWARD_SLICE_BYTES	(1024 * 1024)	/* a larger record goes alone */
#define AUDIT_FORWARD_APP_NAME		"hashid"
#define AUDIT_FORWARD_MSGID		"IHE+RFC-3881"
#define AUDIT_FORWARD_PRI		85	/* facility 10 (security) * 8 + notice */

struct auditlog;
struct event_base;
struct audit_forward;

/* What /status and /metrics show. */
struct audit_forward_stats {
	uint64_t	 afs_sent;	/* records delivered by this forwarder */
	uint64_t	 afs_backlog;	/* log size - records delivered (persisted or not) */
	uint64_t	 afs_cursor;	/* the persisted cursor */
	int		 afs_connected;	/* 1 while a verified TLS connection is up */
	unsigned long	 afs_connects;	/* connection attempts */
	unsigned long	 afs_failures;	/* attempts or connections that ended in an error */
	char		 afs_error[160];/* the last error, "" once a slice was delivered */
};

/* Returns a new forwarder to the repository of CF (cf_audit_fwd_address must be set) on
 * BASE, reading LOG (borrowed; may be NULL until audit_forward_set_log). CLIENT_CTX is the
 * gateway's client context (tls.cert/tls.key trusting tls.ca): it is up-referenced and
 * used when audit.forward.ca is absent. When CLIENT_CTX is NULL or audit.forward.ca is
 * set, a context is built from tls.cert, tls.key, the CA and tls.allow_tls12 of CF.
 * Everything needed from CF is copied. The first send is scheduled at once (the backlog
 * left by an earlier run). Returns NULL after logging why (not configured, bad
 * certificate files, out of memory). */
struct audit_forward *audit_forward_new(struct event_base *base, SSL_CTX *client_ctx,
    const struct config *cf, struct auditlog *log);

/* Closes the connection (a slice in flight is sent again by the next forwarder), commits
 * a delivered but not yet persisted cursor if the log is set, and frees FWD. NULL
 * accepted. Call before the log is closed. */
void audit_forward_free(struct audit_forward *fwd);

/* Tells FWD that records were committed: it sends them from the event loop (never from
 * within this call). Cheap; call after every commit. NULL accepted. */
void audit_forward_kick(struct audit_forward *fwd);

/* audit_forward_kick with a void * argument, for callback slots like gw_audit's kick. */
void audit_forward_kick_cb(void *fwd);

/* Replaces the log FWD reads (borrowed; NULL while the owner has it closed, e.g. between
 * a failure and the reopen). Nothing is read or persisted while it is NULL; the
 * connection stays up. Setting a log kicks FWD. */
void audit_forward_set_log(struct audit_forward *fwd, struct auditlog *log);

/* Fills ST (the backlog from the log's current size; the last known size while the log
 * is unset). */
void audit_forward_stats(struct audit_forward *fwd, struct audit_forward_stats *st);

/* Hands the delivered position (cursor NAME, VALUE) to SAVE(ARG, name, value) instead of
 * committing it in a transaction of the forwarder's own: hashid's audit sink stores it with
 * its next batch, so that the loop never waits for the log's writer. NULL: commit here. */
void audit_forward_set_saver(struct audit_forward *fwd,
    void (*save)(void *arg, const char *name, uint64_t value), void *arg);

/* For tests: the reconnect backoff starts at MIN_MS and doubles up to MAX_MS (defaults
 * 1000 and 60000); values <= 0 keep the current one. */
void audit_forward_set_backoff(struct audit_forward *fwd, int min_ms, int max_ms);

#endif
