/* gateway/gw_audit_job: the audit sink's writer thread (see gw_audit_int.h). The loop
 * hands it one batch at a time; while it writes and syncs that batch (milliseconds on a
 * real disk), the loop goes on serving and collecting the next one, so a sync never stops
 * the gateway and the batches grow with the load (group commit). Its "done" comes back
 * through a pipe the loop watches; only then are the batch's answers released. */
#include "gateway/gw_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <event2/event.h>

#include "audit/auditlog.h"
#include "common/log.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "gateway/audit_forward.h"
#include "gateway/gw.h"
#include "gateway/gw_audit_int.h"

#define GW_AUDIT_MPI_CURSOR	"mpi"
#define GW_AUDIT_LOW_SPACE	(1024 * 1024)	/* free bytes under which a failure is "full" */

/* Writes JOB's records, the journal cursor and, when asked, a checkpoint. Runs on the
 * writer thread (or on the loop's thread once the writer has stopped). */
static void
gw_audit_job_run(struct gw_audit *a, struct gw_audit_job *j)
{
	struct auditlog_batch b;
	size_t i;
	int rc;

	memset(&b, 0, sizeof(b));
	j->gj_ckpt_rc = AUDITLOG_OK;
	if ((rc = auditlog_begin(a->ga_log, &b)) != AUDITLOG_OK)
		goto done;
	for (i = 0; i < j->gj_n && rc == AUDITLOG_OK; i++)
		rc = gw_audit_entry_append(&b, j->gj_entries[i]);
	if (rc == AUDITLOG_OK && j->gj_mpi_cursor != a->ga_mpi_cursor)
		rc = auditlog_set_cursor(&b, GW_AUDIT_MPI_CURSOR, j->gj_mpi_cursor);
	if (rc == AUDITLOG_OK && j->gj_fwd_cursor != 0)
		rc = auditlog_set_cursor(&b, AUDIT_FORWARD_CURSOR, j->gj_fwd_cursor);
	if (rc != AUDITLOG_OK) {
		auditlog_abort(&b);
		goto done;
	}
	if ((rc = auditlog_commit(&b)) != AUDITLOG_OK)
		goto done;
	(void)auditlog_size(a->ga_log, &j->gj_size);
	if (j->gj_ckpt)
		j->gj_ckpt_rc = auditlog_checkpoint(a->ga_log, a->ga_signer, a->ga_origin,
		    &j->gj_note);
done:
	j->gj_rc = rc;
}

static void *
gw_audit_writer(void *arg)
{
	struct gw_audit *a = arg;
	ssize_t w;

	pthread_mutex_lock(&a->ga_mu);
	for (;;) {
		while (!a->ga_ready && !a->ga_stop)
			pthread_cond_wait(&a->ga_cv, &a->ga_mu);
		if (!a->ga_ready)
			break;
		a->ga_ready = 0;
		pthread_mutex_unlock(&a->ga_mu);
		gw_audit_job_run(a, &a->ga_job);
		do
			w = write(a->ga_pipe[1], "d", 1);
		while (w == -1 && errno == EINTR);
		pthread_mutex_lock(&a->ga_mu);
	}
	pthread_mutex_unlock(&a->ga_mu);
	return NULL;
}

/* Records why the batch of generation GEN failed; the log is reopened for the next one
 * (after an I/O error LMDB may refuse every later transaction on this handle). */
static void
gw_audit_failed(struct gw_audit *a, int rc, uint64_t gen)
{
	char why[sizeof(a->ga_stats.gs_error)];
	struct statvfs vfs;

	/* LMDB reports a short write on a full file system as an I/O error: say which */
	if (rc == AUDITLOG_EFAIL && statvfs(a->ga_dir, &vfs) == 0 &&
	    (unsigned long long)vfs.f_bavail * vfs.f_frsize < GW_AUDIT_LOW_SPACE)
		snprintf(why, sizeof(why), "%s: the file system is full", auditlog_strerror(rc));
	else
		str_copy(why, sizeof(why), auditlog_strerror(rc));
	if (a->ga_stats.gs_healthy || strcmp(a->ga_stats.gs_error, why) != 0)
		log_warnx("audit: cannot write the audit log: %s; refusing requests until it "
		    "can", why);
	a->ga_stats.gs_healthy = 0;
	a->ga_stats.gs_failures++;
	str_copy(a->ga_stats.gs_error, sizeof(a->ga_stats.gs_error), why);
	a->ga_last_failed = gen;
	if (rc != AUDITLOG_EBUSY)
		gw_audit_close(a);
}

/* The loop takes back the job the writer finished. */
static void
gw_audit_job_end(struct gw_audit *a)
{
	struct gw_audit_job *j = &a->ga_job;
	struct gw_audit_waiter *w = a->ga_inflight;
	size_t i, nw = a->ga_ninflight;

	for (i = 0; i < j->gj_n; i++)
		gw_audit_entry_free(j->gj_entries[i]);
	free(j->gj_entries);
	j->gj_entries = NULL;
	a->ga_inflight = NULL;
	a->ga_ninflight = 0;
	a->ga_busy = 0;
	if (j->gj_rc != AUDITLOG_OK) {
		gw_audit_failed(a, j->gj_rc, j->gj_gen);
		a->ga_ckpt_due = 0;	/* the tick asks again: no retry storm */
		if (j->gj_fwd_cursor > a->ga_fwd_cursor)
			a->ga_fwd_cursor = j->gj_fwd_cursor;	/* with the next batch */
	} else {
		/* only a batch of records proves the log takes records again (a checkpoint
		 * alone fits in a full map) */
		if (j->gj_n > 0) {
			if (!a->ga_stats.gs_healthy)
				log_info("audit: the audit log is writable again");
			a->ga_stats.gs_healthy = 1;
			a->ga_stats.gs_error[0] = '\0';
		}
		a->ga_stats.gs_records += j->gj_n;
		a->ga_stats.gs_commits++;
		a->ga_stats.gs_size = j->gj_size;
		a->ga_mpi_cursor = j->gj_mpi_cursor;
		if (a->ga_fwd != NULL)
			audit_forward_kick(a->ga_fwd);
	}
	if (j->gj_ckpt && j->gj_rc == AUDITLOG_OK) {
		a->ga_ckpt_due = 0;	/* done, or retried at the next interval */
		if (j->gj_ckpt_rc != AUDITLOG_OK) {
			log_warnx("audit: cannot sign a checkpoint: %s",
			    auditlog_strerror(j->gj_ckpt_rc));
		} else {
			a->ga_stats.gs_checkpoint = j->gj_size;
			if (a->ga_on_ckpt != NULL && !j->gj_note.sb_failed)
				a->ga_on_ckpt(a->ga_on_ckpt_arg, j->gj_note.sb_data,
				    j->gj_note.sb_len, j->gj_size);
		}
	}
	strbuf_reset(&j->gj_note);
	gw_audit_release(a, w, nw);
}

/* Fills the job from the pending batch (and the MPI journal). Returns 0, or -1 when there
 * is nothing to write. */
static int
gw_audit_job_fill(struct gw_audit *a)
{
	struct gw_audit_job *j = &a->ga_job;
	uint64_t cursor;
	long long now = gw_now_ms();
	uint64_t grown;

	if (a->ga_mpi != NULL && a->ga_mpi_cursor == 0 && a->ga_log != NULL &&
	    auditlog_cursor(a->ga_log, GW_AUDIT_MPI_CURSOR, &a->ga_mpi_cursor) != AUDITLOG_OK)
		a->ga_mpi_cursor = 0;
	(void)gw_audit_mpi(a, &cursor);
	grown = a->ga_stats.gs_size + a->ga_npending - a->ga_stats.gs_checkpoint;
	if (a->ga_npending == 0 && cursor == a->ga_mpi_cursor && a->ga_fwd_cursor == 0 &&
	    !(a->ga_ckpt_due && grown > 0))
		return -1;
	memset(j, 0, sizeof(*j));
	j->gj_fwd_cursor = a->ga_fwd_cursor;
	a->ga_fwd_cursor = 0;
	j->gj_entries = a->ga_pending;
	j->gj_n = a->ga_npending;
	j->gj_gen = a->ga_gen++;
	j->gj_mpi_cursor = cursor;
	j->gj_ckpt = grown > 0 && (a->ga_ckpt_due || (long long)grown >= a->ga_ckpt_entries ||
	    now - a->ga_ckpt_last_ms >= a->ga_ckpt_ms);
	if (j->gj_ckpt)
		a->ga_ckpt_last_ms = now;
	a->ga_pending = NULL;
	a->ga_npending = a->ga_cappending = 0;
	return 0;
}

/* Makes the next job of the pending batch: returns 1 when it is ready to run; 0 when it
 * was settled here (nothing to write: the waiters are answered at once, every earlier job
 * having ended; no log: the batch fails as a whole). Loop only, no job out. */
static int
gw_audit_prepare(struct gw_audit *a)
{
	struct gw_audit_waiter *w = a->ga_wait;
	size_t nw = a->ga_nwait;

	a->ga_wait = NULL;
	a->ga_nwait = a->ga_capwait = 0;
	if (a->ga_reopen) {
		gw_audit_close(a);	/* LMDB takes a new map size at open */
		a->ga_reopen = 0;
	}
	if (gw_audit_open(a) == -1) {
		memset(&a->ga_job, 0, sizeof(a->ga_job));
		a->ga_job.gj_entries = a->ga_pending;
		a->ga_job.gj_n = a->ga_npending;
		a->ga_job.gj_gen = a->ga_gen++;
		a->ga_job.gj_rc = AUDITLOG_EFAIL;
		a->ga_pending = NULL;
		a->ga_npending = a->ga_cappending = 0;
		a->ga_inflight = w;
		a->ga_ninflight = nw;
		gw_audit_job_end(a);
		return 0;
	}
	if (gw_audit_job_fill(a) == -1) {
		gw_audit_release(a, w, nw);
		return 0;
	}
	a->ga_inflight = w;
	a->ga_ninflight = nw;
	a->ga_busy = 1;
	return 1;
}

/* Hands the pending batch to the writer (unless a job is out: its "done" comes back
 * here). Loop only. */
static void
gw_audit_dispatch(struct gw_audit *a)
{
	if (a->ga_busy || !gw_audit_prepare(a))
		return;
	pthread_mutex_lock(&a->ga_mu);
	a->ga_ready = 1;
	pthread_cond_signal(&a->ga_cv);
	pthread_mutex_unlock(&a->ga_mu);
}

/* The same in the calling thread, the writer being stopped (shutdown). */
static void
gw_audit_dispatch_now(struct gw_audit *a)
{
	if (a->ga_busy || !gw_audit_prepare(a))
		return;
	gw_audit_job_run(a, &a->ga_job);
	gw_audit_job_end(a);
}

void
gw_audit_on_commit(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gw_audit_dispatch(arg);
}

/* The writer's "done": the job's answers go out, and the next batch goes in. */
static void
gw_audit_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct gw_audit *a = arg;
	char buf[16];

	(void)what;
	if (read(fd, buf, sizeof(buf)) <= 0 || !a->ga_busy)
		return;
	/* the writer wrote its results before the pipe byte the loop has just read: the pipe
	 * orders them (the mutex is for the hand-over only) */
	gw_audit_job_end(a);
	/* the next batch, if any, or a delivered position handed over while this job ran
	 * (not after a failure, which re-queued it: the tick retries, no storm); a job with
	 * only a failed checkpoint is not retried here */
	if (a->ga_npending > 0 || a->ga_nwait > 0 ||
	    (a->ga_fwd_cursor != 0 && a->ga_job.gj_rc == AUDITLOG_OK))
		gw_audit_dispatch(a);
}

/* The forwarder's saver (audit_forward_set_saver): its position goes with the next job. */
void
gw_audit_save_cursor(void *arg, const char *name, uint64_t value)
{
	struct gw_audit *a = arg;

	(void)name;
	if (value > a->ga_fwd_cursor)
		a->ga_fwd_cursor = value;
	event_active(a->ga_ev_commit, EV_TIMEOUT, 0);
}

void
gw_audit_maybe_checkpoint(struct gw_audit *a, int force)
{
	uint64_t grown = a->ga_stats.gs_size - a->ga_stats.gs_checkpoint;

	if (grown == 0 && a->ga_npending == 0)
		return;
	if (force || (long long)grown >= a->ga_ckpt_entries ||
	    gw_now_ms() - a->ga_ckpt_last_ms >= a->ga_ckpt_ms) {
		a->ga_ckpt_due = 1;
		event_active(a->ga_ev_commit, EV_TIMEOUT, 0);
	}
}

int
gw_audit_writer_start(struct gw_audit *a)
{
	int i;

	if (pipe(a->ga_pipe) == -1) {
		a->ga_pipe[0] = a->ga_pipe[1] = -1;
		log_warn("audit: pipe");
		return -1;
	}
	for (i = 0; i < 2; i++)
		if (fcntl(a->ga_pipe[i], F_SETFD, FD_CLOEXEC) == -1 ||
		    fcntl(a->ga_pipe[i], F_SETFL, O_NONBLOCK) == -1)
			return -1;
	if ((a->ga_ev_done = event_new(a->ga_base, a->ga_pipe[0], EV_READ | EV_PERSIST,
	    gw_audit_on_done, a)) == NULL || event_add(a->ga_ev_done, NULL) == -1)
		return -1;
	if (pthread_mutex_init(&a->ga_mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&a->ga_cv, NULL) != 0) {
		pthread_mutex_destroy(&a->ga_mu);
		return -1;
	}
	if (pthread_create(&a->ga_thread, NULL, gw_audit_writer, a) != 0) {
		pthread_cond_destroy(&a->ga_cv);
		pthread_mutex_destroy(&a->ga_mu);
		log_warnx("audit: cannot start the writer thread");
		return -1;
	}
	a->ga_thread_up = 1;
	return 0;
}

void
gw_audit_writer_stop(struct gw_audit *a)
{
	if (a->ga_thread_up) {
		pthread_mutex_lock(&a->ga_mu);
		a->ga_stop = 1;
		pthread_cond_signal(&a->ga_cv);
		pthread_mutex_unlock(&a->ga_mu);
		pthread_join(a->ga_thread, NULL);	/* it ends the job that is out first */
		pthread_cond_destroy(&a->ga_cv);
		pthread_mutex_destroy(&a->ga_mu);
		a->ga_thread_up = 0;
	}
	if (a->ga_busy)
		gw_audit_job_end(a);
	/* what is still pending, in this thread: the same job, run directly */
	if (a->ga_npending > 0 || a->ga_nwait > 0 || a->ga_ckpt_due) {
		a->ga_ckpt_due = 1;
		gw_audit_dispatch_now(a);
	}
}
