/*
 * gateway/gw_audit_int: what the audit sink's files share (gw_audit.c: the pending batch
 * and its waiters; gw_audit_log.c: opening, committing, checkpoints, the MPI journal).
 * Not for other modules.
 */
#ifndef HASHI_GATEWAY_GW_AUDIT_INT_H
#define HASHI_GATEWAY_GW_AUDIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "audit/atna.h"
#include "gateway/gw_audit.h"

struct audit_forward;
struct auditlog;
struct auditlog_batch;
struct event;
struct gw_audit_entry;
struct gw_audit_waiter;
struct note_signer;

#define GW_AUDIT_PATH_MAX	4096
#define GW_AUDIT_ORIGIN_MAX	256

struct gw_audit {
	struct event_base	 *ga_base;
	struct auditlog		 *ga_log;	/* NULL after a failure: reopened on demand */
	struct note_signer	 *ga_signer;
	struct mpi		 *ga_mpi;
	uint64_t		  ga_mpi_cursor;	/* last journal event recorded */
	char			  ga_dir[GW_AUDIT_PATH_MAX];
	char			  ga_origin[GW_AUDIT_ORIGIN_MAX];
	char			 *ga_source_id;	/* our home community id */
	char			 *ga_site;	/* our community's name */
	size_t			  ga_mapsize;
	int			  ga_reopen;	/* map size changed: reopen before the next batch */
	int			  ga_ckpt_ms;
	long long		  ga_ckpt_entries;
	long long		  ga_ckpt_last_ms;	/* monotonic, last checkpoint */
	struct event		 *ga_ev_commit;
	struct event		 *ga_ev_ckpt;
	struct gw_audit_entry	**ga_pending;
	size_t			  ga_npending, ga_cappending;
	struct gw_audit_waiter	 *ga_wait;
	size_t			  ga_nwait, ga_capwait;
	uint64_t		  ga_gen;		/* generation of the pending batch */
	uint64_t		  ga_last_failed;	/* latest failed generation, 0 = none */
	struct atna_summary	 *ga_summary;	/* scratch for building entries */
	struct audit_forward	 *ga_fwd;	/* NULL unless audit.forward is set */
	void			(*ga_on_ckpt)(void *arg, const char *note, size_t len,
				    uint64_t size);
	void			 *ga_on_ckpt_arg;
	struct gw_audit_stats	  ga_stats;
};

/* Builds R's bytes and index keys into a new entry *OUT, using SCRATCH. Returns 0 or -1. */
int gw_audit_entry_build(const struct atna_record *r, struct atna_summary *scratch,
    struct gw_audit_entry **out);

/* Adds entry E to batch B. Returns an AUDITLOG_* code. */
int gw_audit_entry_append(struct auditlog_batch *b, const struct gw_audit_entry *e);

/* Frees E; NULL accepted. */
void gw_audit_entry_free(struct gw_audit_entry *e);

/* The commit event's callback (gw_audit.c): commit, tell the waiters, checkpoint. */
void gw_audit_on_commit(evutil_socket_t fd, short what, void *arg);

/* Tells every waiter the outcome of the batches up to now (gw_audit.c). */
void gw_audit_release(struct gw_audit *a);

/* Commits the pending entries (and new MPI journal events) in one transaction, updating
 * the generation counters and health. */
void gw_audit_commit(struct gw_audit *a);

/* Signs a checkpoint when FORCE or when the cadence says so and the log grew. */
void gw_audit_maybe_checkpoint(struct gw_audit *a, int force);

#endif
