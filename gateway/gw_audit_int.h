/*
 * gateway/gw_audit_int: what the audit sink's files share (gw_audit.c: the pending batch
 * and its waiters; gw_audit_job.c: the writer thread, which commits one batch at a time
 * while the loop collects the next; gw_audit_log.c: opening, the key, the tick, set-up and
 * tear-down). Not for other modules.
 *
 * Threads: everything here belongs to the event loop except ga_job while ga_busy is set
 * (the writer thread's until it reports through the pipe) and the log handle, which only
 * the writer writes while a job runs (the loop may read it: LMDB readers never block).
 */
#ifndef HASHI_GATEWAY_GW_AUDIT_INT_H
#define HASHI_GATEWAY_GW_AUDIT_INT_H

#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

#include <event2/util.h>

#include "common/str.h"

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

/* One batch handed to the writer thread, and what it did with it. */
struct gw_audit_job {
	struct gw_audit_entry	**gj_entries;	/* taken from the pending batch */
	size_t			  gj_n;
	uint64_t		  gj_gen;
	uint64_t		  gj_mpi_cursor;	/* journal cursor to store with them */
	uint64_t		  gj_fwd_cursor;	/* the forwarder's position; 0 = none */
	int			  gj_ckpt;		/* sign a checkpoint after the commit */
	/* results */
	int			  gj_rc;		/* AUDITLOG_* of the commit */
	int			  gj_ckpt_rc;
	uint64_t		  gj_size;		/* tree size after the commit */
	struct strbuf		  gj_note;		/* the checkpoint signed */
};

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
	uint64_t		  ga_fwd_cursor;	/* its position to store; 0 = none */
	void			(*ga_on_ckpt)(void *arg, const char *note, size_t len,
				    uint64_t size);
	void			 *ga_on_ckpt_arg;
	struct gw_audit_stats	  ga_stats;
	/* the writer thread (gw_audit_job.c) */
	pthread_t		  ga_thread;
	int			  ga_thread_up;
	pthread_mutex_t		  ga_mu;
	pthread_cond_t		  ga_cv;
	int			  ga_ready;	/* a job waits for the writer (under ga_mu) */
	int			  ga_stop;	/* the writer must exit (under ga_mu) */
	int			  ga_busy;	/* a job is out: the loop keeps its hands off */
	int			  ga_pipe[2];	/* the writer's "done" to the loop */
	struct event		 *ga_ev_done;
	struct gw_audit_job	  ga_job;
	struct gw_audit_waiter	 *ga_inflight;	/* waiters of the job that is out */
	size_t			  ga_ninflight;
	int			  ga_ckpt_due;	/* sign a checkpoint with the next job */
};

/* Builds R's bytes and index keys into a new entry *OUT, using SCRATCH. Returns 0 or -1. */
int gw_audit_entry_build(const struct atna_record *r, struct atna_summary *scratch,
    struct gw_audit_entry **out);

/* Adds entry E to batch B. Returns an AUDITLOG_* code. */
int gw_audit_entry_append(struct auditlog_batch *b, const struct gw_audit_entry *e);

/* Frees E; NULL accepted. */
void gw_audit_entry_free(struct gw_audit_entry *e);

/* The commit event's callback (gw_audit_job.c): hands the pending batch to the writer
 * unless a job is out (then the writer's "done" does it). */
void gw_audit_on_commit(evutil_socket_t fd, short what, void *arg);

/* Tells the waiters W (N of them, freed) the outcome of their generations (gw_audit.c). */
void gw_audit_release(struct gw_audit *a, struct gw_audit_waiter *w, size_t n);

/* Starts the writer thread and its pipe (gw_audit_job.c). Returns 0 or -1. */
int gw_audit_writer_start(struct gw_audit *a);

/* Waits for the job that is out, stops the writer, then commits what is pending in this
 * thread and tells every waiter (gw_audit_job.c). */
void gw_audit_writer_stop(struct gw_audit *a);

/* Asks for a checkpoint with the next job when the cadence says so and the log grew, or
 * at once when FORCE (gw_audit_job.c). */
void gw_audit_maybe_checkpoint(struct gw_audit *a, int force);

/* Closes the log (the forwarder lets go first) / opens it if closed: loop only, while no
 * job is out (gw_audit_log.c). gw_audit_open returns 0 or -1. */
void gw_audit_close(struct gw_audit *a);
int gw_audit_open(struct gw_audit *a);

/* The forwarder's cursor saver: stored with the next job (gw_audit_job.c). */
void gw_audit_save_cursor(void *arg, const char *name, uint64_t value);

/* Builds the records of up to a batch of MPI journal events after the cursor into the
 * pending batch and stores the new cursor in *CURSOR (gw_audit_mpi.c). Returns 0 or -1. */
int gw_audit_mpi(struct gw_audit *a, uint64_t *cursor);

#endif
