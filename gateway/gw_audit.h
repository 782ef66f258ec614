/*
 * gateway/gw_audit: hashid's side of the signed audit log. Records built during one turn
 * of the event loop are committed together in one transaction (group commit); whoever
 * must not answer before its records are durable waits for that commit (gw_audit_wait)
 * and is told whether it succeeded. A failed commit fails closed: its waiters refuse
 * their requests, the log is reported unhealthy until a later commit succeeds, and after
 * an I/O error the log is reopened for the next batch.
 *
 * It also signs a checkpoint every audit.checkpoint_interval or audit.checkpoint_entries
 * records, turns the MPI journal's link/unlink events into records (the journal cursor
 * commits with them, so each event is recorded once), and kicks the optional forwarder.
 * Everything runs on the gateway's event loop.
 */
#ifndef HASHI_GATEWAY_GW_AUDIT_H
#define HASHI_GATEWAY_GW_AUDIT_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "audit/atna.h"
#include "gateway/config.h"

struct auditlog;
struct event_base;
struct gw_audit;
struct mpi;
struct note_signer;

/* What status and metrics show. */
struct gw_audit_stats {
	int		 gs_healthy;		/* 1 when the last commit succeeded */
	uint64_t	 gs_size;		/* records in the log */
	uint64_t	 gs_checkpoint;		/* tree size of the latest checkpoint */
	unsigned long	 gs_records;		/* records committed by this process */
	unsigned long	 gs_commits;
	unsigned long	 gs_failures;		/* failed commits */
	unsigned long	 gs_refused;		/* waiters told the commit failed */
	char		 gs_error[128];		/* the last failure, "" if none */
	int		 gs_forward;		/* 1 when forwarding is configured */
	int		 gs_fwd_connected;	/* the repository's TLS connection is up */
	uint64_t	 gs_fwd_backlog;	/* records not yet delivered to it */
	uint64_t	 gs_fwd_sent;		/* delivered by this process */
	int		 gs_fwd_saved;		/* the delivered position is committed to the
						   log (a restart resends nothing delivered) */
};

/* Opens <state_dir>/audit of CF, loads the signing key (creating it, and KEY.pub with the
 * verifier key, when audit.key is not configured and the default file is missing), and
 * arms the checkpoint timer on BASE. MPI (borrowed, may be NULL) is the index whose
 * journal is recorded. With audit.forward set, the records also go to that repository
 * (gateway/audit_forward.h) over a client context like CLIENT_TLS (borrowed).
 * Returns NULL after logging why. */
struct gw_audit *gw_audit_new(struct event_base *base, const struct config *cf,
    struct mpi *mpi, SSL_CTX *client_tls);

/* Commits what is pending (waiters are told), signs a last checkpoint and frees A. NULL
 * accepted. */
void gw_audit_free(struct gw_audit *a);

/* Builds the record R into the pending batch and stores the batch's generation in *GEN
 * (if GEN is not NULL). Returns 0, or -1 when R is invalid or memory ran out (logged):
 * the caller must then refuse what R was about. */
int gw_audit_add(struct gw_audit *a, const struct atna_record *r, uint64_t *gen);

/* Returns the generation the next gw_audit_add goes into. */
uint64_t gw_audit_generation(const struct gw_audit *a);

/* Calls DONE(ARG, ok) after everything added so far is committed, from the event loop
 * (never from within this call): ok = 1 when every batch from generation SINCE on was
 * committed, 0 when one failed. Returns 0, or -1 when out of memory (DONE not called). */
int gw_audit_wait(struct gw_audit *a, uint64_t since, void (*done)(void *arg, int ok),
    void *arg);

/* Applies a reloaded configuration CF (borrowed until the next reload): checkpoint
 * cadence; a changed audit.map_size reopens the log with it at the next batch. */
void gw_audit_reconfigure(struct gw_audit *a, const struct config *cf);

/* Calls FN(ARG, note, len, size) after each new signed checkpoint (co-signing by peers,
 * gateway/cosign.h); FN NULL: nobody. */
void gw_audit_on_checkpoint(struct gw_audit *a,
    void (*fn)(void *arg, const char *note, size_t len, uint64_t size), void *arg);

/* Returns the appliance's checkpoint signer (borrowed; valid while A lives), e.g. for
 * co-signing peers' checkpoints. */
const struct note_signer *gw_audit_signer(const struct gw_audit *a);

/* Returns the open log handle (borrowed; NULL while it is closed after a failure), for the
 * loop's own short reads and writes (co-signing): never keep it across loop turns. A write
 * transaction on it waits for the writer thread's commit in progress, if any. */
struct auditlog *gw_audit_log(const struct gw_audit *a);

/* Fills ST. */
void gw_audit_stats(const struct gw_audit *a, struct gw_audit_stats *st);

/* Appends the one record R, with its index keys, to the open LOG in its own transaction
 * (durable on return). Returns an AUDITLOG_* code. */
int gw_audit_append_to(struct auditlog *log, const struct atna_record *r);

/* For hashictl: appends the one record R to the log of CF from this process (its own
 * transaction, durable on return). Returns 0, or -1 after printing why to stderr. */
int gw_audit_append_now(const struct config *cf, const struct atna_record *r);

#endif
