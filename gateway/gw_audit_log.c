/* gateway/gw_audit_log: the log side of the audit sink (see gw_audit.h): opening it and
 * its key, group commits with the MPI journal, checkpoints, reconfiguration. */
#include "gateway/gw_audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "audit/auditlog.h"
#include "common/log.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "gateway/audit_forward.h"
#include "gateway/gw_audit_int.h"
#include "mpi/mpi.h"

#define GW_AUDIT_MPI_BATCH	256	/* journal events recorded per commit at most */
#define GW_AUDIT_MPI_CURSOR	"mpi"
#define GW_AUDIT_LOW_SPACE	(1024 * 1024)	/* free bytes under which a failure is "full" */

static long long
gw_audit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* Loads the signing key of CF; the default key is created on first start, with the
 * verifier key beside it, so that a new appliance signs from its first record. */
static struct note_signer *
gw_audit_key(const struct config *cf, const char *origin)
{
	char path[GW_AUDIT_PATH_MAX], pub[GW_AUDIT_PATH_MAX + 8];
	struct strbuf vkey = { 0 };
	struct stat st;
	FILE *f;
	int ok;

	if (config_audit_key_path(cf, path, sizeof(path)) == NULL ||
	    (size_t)snprintf(pub, sizeof(pub), "%s.pub", path) >= sizeof(pub)) {
		log_warnx("audit: key path too long");
		return NULL;
	}
	if (stat(path, &st) == -1 && errno == ENOENT && cf->cf_audit_key == NULL) {
		if (note_keygen(origin, path, &vkey) == -1)
			return NULL;
		ok = (f = fopen(pub, "wx")) != NULL && fprintf(f, "%s\n", vkey.sb_data) > 0;
		if (f != NULL && fclose(f) != 0)
			ok = 0;
		if (!ok)
			log_warn("audit: cannot write %s", pub);
		else
			log_info("audit: created signing key %s; auditors verify with %s: %s",
			    path, pub, vkey.sb_data);
		strbuf_reset(&vkey);
	}
	return note_signer_load(origin, path);
}

/* Copies what the sink keeps of CF. */
static void
gw_audit_settings(struct gw_audit *a, const struct config *cf)
{
	a->ga_mapsize = cf->cf_audit_map_size;
	a->ga_ckpt_ms = cf->cf_audit_ckpt_interval_ms;
	a->ga_ckpt_entries = cf->cf_audit_ckpt_entries;
}

/* Opens the log when it is closed (first use, or after a failure). Returns 0 or -1. */
static int
gw_audit_open(struct gw_audit *a)
{
	if (a->ga_log != NULL)
		return 0;
	if ((a->ga_log = auditlog_open(a->ga_dir, a->ga_mapsize)) == NULL) {
		str_copy(a->ga_stats.gs_error, sizeof(a->ga_stats.gs_error),
		    "cannot open the audit log");
		return -1;
	}
	if (a->ga_fwd != NULL)
		audit_forward_set_log(a->ga_fwd, a->ga_log);
	return 0;
}

/* Closes the log (the forwarder, which reads it, lets go first). */
static void
gw_audit_close(struct gw_audit *a)
{
	if (a->ga_fwd != NULL)
		audit_forward_set_log(a->ga_fwd, NULL);
	auditlog_close(a->ga_log);
	a->ga_log = NULL;
}

/* (Re)arms the tick: checkpoints and the MPI journal are looked at every second, or at
 * the checkpoint interval when that is shorter. */
static int
gw_audit_arm(struct gw_audit *a)
{
	int ms = a->ga_ckpt_ms < 1000 ? a->ga_ckpt_ms : 1000;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return event_add(a->ga_ev_ckpt, &tv);
}

/* The tick: a checkpoint when one is due, and a commit when the MPI journal has events
 * not recorded yet (changes made by hashictl, or by discovery). */
static void
gw_audit_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct gw_audit *a = arg;
	struct mpi_event ev;

	(void)fd;
	(void)what;
	if (a->ga_mpi != NULL && mpi_event_next(a->ga_mpi, a->ga_mpi_cursor, &ev) == MPI_OK)
		event_active(a->ga_ev_commit, EV_TIMEOUT, 0);
	gw_audit_maybe_checkpoint(a, 0);
}

struct gw_audit *
gw_audit_new(struct event_base *base, const struct config *cf, struct mpi *mpi,
    SSL_CTX *client_tls)
{
	struct strbuf note = { 0 };
	struct gw_audit *a;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->ga_summary = malloc(sizeof(*a->ga_summary))) == NULL)
		goto nomem;
	a->ga_base = base;
	a->ga_mpi = mpi;
	a->ga_gen = 1;
	gw_audit_settings(a, cf);
	if ((size_t)snprintf(a->ga_dir, sizeof(a->ga_dir), "%s/audit", cf->cf_state_dir) >=
	    sizeof(a->ga_dir) || config_audit_origin(cf, a->ga_origin,
	    sizeof(a->ga_origin)) == NULL) {
		log_warnx("audit: state_dir or origin too long");
		goto fail;
	}
	if ((a->ga_source_id = str_dup(cf->cf_hcid)) == NULL ||
	    (a->ga_site = str_dup(cf->cf_name)) == NULL)
		goto nomem;
	if ((a->ga_signer = gw_audit_key(cf, a->ga_origin)) == NULL)
		goto fail;
	if (gw_audit_open(a) == -1)
		goto fail;
	if (cf->cf_audit_fwd_address != NULL &&
	    (a->ga_fwd = audit_forward_new(base, client_tls, cf, a->ga_log)) == NULL)
		goto fail;
	a->ga_ev_commit = event_new(base, -1, 0, gw_audit_on_commit, a);
	a->ga_ev_ckpt = event_new(base, -1, EV_PERSIST, gw_audit_on_tick, a);
	if (a->ga_ev_commit == NULL || a->ga_ev_ckpt == NULL || gw_audit_arm(a) == -1)
		goto nomem;
	a->ga_ckpt_last_ms = gw_audit_now_ms();
	a->ga_stats.gs_healthy = 1;
	(void)auditlog_size(a->ga_log, &a->ga_stats.gs_size);
	if (auditlog_checkpoint_latest(a->ga_log, &a->ga_stats.gs_checkpoint, &note) !=
	    AUDITLOG_OK)
		a->ga_stats.gs_checkpoint = 0;
	strbuf_reset(&note);
	/* records of a previous run after its last checkpoint get signed now */
	gw_audit_maybe_checkpoint(a, a->ga_stats.gs_size > a->ga_stats.gs_checkpoint);
	return a;
nomem:
	log_warnx("audit: out of memory");
fail:
	gw_audit_free(a);
	return NULL;
}

/* Returns the value of KEY= in the journal details DETAILS into BUF ("" if absent). */
static const char *
gw_audit_detail(const char *details, const char *key, char *buf, size_t bufsz)
{
	const char *p = details, *e;
	size_t klen = strlen(key), n;

	buf[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if ((p == details || p[-1] == ' ') && p[klen] == '=') {
			p += klen + 1;
			n = (e = strchr(p, ' ')) != NULL ? (size_t)(e - p) : strlen(p);
			if (n < bufsz) {
				memcpy(buf, p, n);
				buf[n] = '\0';
			}
			break;
		}
		p += klen;
	}
	return buf;
}

/* Adds to B the records of up to GW_AUDIT_MPI_BATCH journal events after the cursor,
 * and the new cursor, so that each link and unlink is recorded exactly once. Returns an
 * AUDITLOG_* code; *CURSOR gets the new cursor. */
static int
gw_audit_mpi(struct gw_audit *a, struct auditlog_batch *b, uint64_t *cursor)
{
	struct gw_audit_entry *e;
	struct atna_record r;
	struct mpi_event ev;
	char pid[256], cx[MPI_ID_MAX], hcid[256];
	const char *pids[1];
	int n, rc = AUDITLOG_OK;

	*cursor = a->ga_mpi_cursor;
	if (a->ga_mpi == NULL)
		return AUDITLOG_OK;
	for (n = 0; n < GW_AUDIT_MPI_BATCH && rc == AUDITLOG_OK &&
	    mpi_event_next(a->ga_mpi, *cursor, &ev) == MPI_OK; n++) {
		*cursor = ev.me_seq;
		if (ev.me_type != MPI_EV_LINK && ev.me_type != MPI_EV_UNLINK &&
		    ev.me_type != MPI_EV_XREF)
			continue;
		memset(&r, 0, sizeof(r));
		r.ar_event = ev.me_type == MPI_EV_UNLINK ? ATNA_MPI_UNLINK : ATNA_MPI_LINK;
		r.ar_time_ms = ev.me_time * 1000;
		r.ar_source_id = a->ga_source_id;
		r.ar_site = a->ga_site;
		r.ar_human = ev.me_actor;
		r.ar_src_region = a->ga_source_id;
		if (gw_audit_detail(ev.me_details, "hcid", hcid, sizeof(hcid))[0] != '\0')
			r.ar_dst_region = hcid;
		if (gw_audit_detail(ev.me_details, "pid", pid, sizeof(pid))[0] != '\0') {
			/* searched by the CX the transactions' records carry */
			pids[0] = mpi_pid_cx(a->ga_mpi, pid, cx, sizeof(cx)) == MPI_OK ? cx : pid;
			r.ar_patients = pids;
			r.ar_npatients = 1;
		}
		r.ar_object_id = mpi_event_name(ev.me_type);
		r.ar_detail = ev.me_details;
		if (gw_audit_entry_build(&r, a->ga_summary, &e) == -1)
			return AUDITLOG_EFAIL;
		rc = gw_audit_entry_append(b, e);
		gw_audit_entry_free(e);
	}
	if (rc == AUDITLOG_OK && *cursor != a->ga_mpi_cursor)
		rc = auditlog_set_cursor(b, GW_AUDIT_MPI_CURSOR, *cursor);
	return rc;
}

/* Records why the batch failed and makes the log be reopened for the next one (after an
 * I/O error LMDB may refuse every later transaction on this handle). */
static void
gw_audit_failed(struct gw_audit *a, int rc)
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
	a->ga_last_failed = a->ga_gen;
	if (rc != AUDITLOG_EBUSY)
		gw_audit_close(a);
}

void
gw_audit_commit(struct gw_audit *a)
{
	struct auditlog_batch b;
	uint64_t cursor = a->ga_mpi_cursor;
	size_t i, n = a->ga_npending;
	int rc;

	memset(&b, 0, sizeof(b));
	if (a->ga_reopen) {
		/* LMDB takes a new map size at open */
		gw_audit_close(a);
		a->ga_reopen = 0;
	}
	if (gw_audit_open(a) == -1) {
		rc = AUDITLOG_EFAIL;
		goto done;
	}
	if (a->ga_mpi != NULL && a->ga_mpi_cursor == 0 &&
	    auditlog_cursor(a->ga_log, GW_AUDIT_MPI_CURSOR, &a->ga_mpi_cursor) != AUDITLOG_OK)
		a->ga_mpi_cursor = 0;
	if ((rc = auditlog_begin(a->ga_log, &b)) != AUDITLOG_OK)
		goto done;
	for (i = 0; i < n && rc == AUDITLOG_OK; i++)
		rc = gw_audit_entry_append(&b, a->ga_pending[i]);
	if (rc == AUDITLOG_OK)
		rc = gw_audit_mpi(a, &b, &cursor);
	if (rc != AUDITLOG_OK) {
		auditlog_abort(&b);
		goto done;
	}
	rc = auditlog_commit(&b);
done:
	for (i = 0; i < n; i++)
		gw_audit_entry_free(a->ga_pending[i]);
	a->ga_npending = 0;
	if (rc != AUDITLOG_OK) {
		gw_audit_failed(a, rc);
	} else {
		if (!a->ga_stats.gs_healthy)
			log_info("audit: the audit log is writable again");
		a->ga_stats.gs_healthy = 1;
		a->ga_stats.gs_error[0] = '\0';
		a->ga_stats.gs_records += n;
		a->ga_stats.gs_commits++;
		a->ga_mpi_cursor = cursor;
		(void)auditlog_size(a->ga_log, &a->ga_stats.gs_size);
		if (a->ga_fwd != NULL)
			audit_forward_kick(a->ga_fwd);
	}
	a->ga_gen++;
}

void
gw_audit_maybe_checkpoint(struct gw_audit *a, int force)
{
	struct strbuf note = { 0 };
	long long now = gw_audit_now_ms();
	uint64_t grown = a->ga_stats.gs_size - a->ga_stats.gs_checkpoint;
	int rc;

	if (a->ga_log == NULL || grown == 0 || a->ga_npending > 0)
		return;
	if (!force && (long long)grown < a->ga_ckpt_entries &&
	    now - a->ga_ckpt_last_ms < a->ga_ckpt_ms)
		return;
	a->ga_ckpt_last_ms = now;
	if ((rc = auditlog_checkpoint(a->ga_log, a->ga_signer, a->ga_origin, &note)) !=
	    AUDITLOG_OK) {
		log_warnx("audit: cannot sign a checkpoint: %s", auditlog_strerror(rc));
	} else {
		/* the loop is the log's only writer: what was signed is what was committed */
		a->ga_stats.gs_checkpoint = a->ga_stats.gs_size;
		if (a->ga_on_ckpt != NULL && !note.sb_failed)
			a->ga_on_ckpt(a->ga_on_ckpt_arg, note.sb_data, note.sb_len,
			    a->ga_stats.gs_checkpoint);
	}
	strbuf_reset(&note);
}

void
gw_audit_on_checkpoint(struct gw_audit *a,
    void (*fn)(void *arg, const char *note, size_t len, uint64_t size), void *arg)
{
	a->ga_on_ckpt = fn;
	a->ga_on_ckpt_arg = arg;
}

void
gw_audit_reconfigure(struct gw_audit *a, const struct config *cf)
{
	size_t old = a->ga_mapsize;

	gw_audit_settings(a, cf);
	event_del(a->ga_ev_ckpt);
	(void)gw_audit_arm(a);
	if (old != a->ga_mapsize)
		a->ga_reopen = 1;	/* at the next batch, whatever is pending now */
}

void
gw_audit_free(struct gw_audit *a)
{
	if (a == NULL)
		return;
	if (a->ga_npending > 0 || a->ga_nwait > 0) {
		gw_audit_commit(a);
		gw_audit_release(a);
	}
	a->ga_on_ckpt = NULL;	/* the peers are not asked during shutdown */
	if (a->ga_log != NULL)
		gw_audit_maybe_checkpoint(a, 1);
	/* it saves what it delivered into the log: before the log closes */
	audit_forward_free(a->ga_fwd);
	a->ga_fwd = NULL;
	if (a->ga_ev_commit != NULL)
		event_free(a->ga_ev_commit);
	if (a->ga_ev_ckpt != NULL)
		event_free(a->ga_ev_ckpt);
	auditlog_close(a->ga_log);
	note_signer_free(a->ga_signer);
	free(a->ga_pending);
	free(a->ga_wait);
	free(a->ga_summary);
	free(a->ga_source_id);
	free(a->ga_site);
	free(a);
}

int
gw_audit_append_to(struct auditlog *log, const struct atna_record *r)
{
	struct atna_summary *s;
	struct gw_audit_entry *e = NULL;
	struct auditlog_batch b;
	int rc = AUDITLOG_EFAIL;

	memset(&b, 0, sizeof(b));
	if ((s = malloc(sizeof(*s))) == NULL || gw_audit_entry_build(r, s, &e) == -1)
		goto done;
	if ((rc = auditlog_begin(log, &b)) == AUDITLOG_OK &&
	    (rc = gw_audit_entry_append(&b, e)) == AUDITLOG_OK)
		rc = auditlog_commit(&b);
	else
		auditlog_abort(&b);
done:
	gw_audit_entry_free(e);
	free(s);
	return rc;
}

int
gw_audit_append_now(const struct config *cf, const struct atna_record *r)
{
	struct auditlog *log = NULL;
	char dir[GW_AUDIT_PATH_MAX];
	int rc = AUDITLOG_EFAIL;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/audit", cf->cf_state_dir) < sizeof(dir) &&
	    (log = auditlog_open(dir, cf->cf_audit_map_size)) != NULL)
		rc = gw_audit_append_to(log, r);
	if (rc != AUDITLOG_OK)
		fprintf(stderr, "hashictl: cannot write the audit log %s: %s\n", dir,
		    auditlog_strerror(rc));
	auditlog_close(log);
	return rc == AUDITLOG_OK ? 0 : -1;
}
