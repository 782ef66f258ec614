/* gateway/gw_audit_log: the audit sink's set-up (see gw_audit.h): opening the log and the
 * key, the tick, reconfiguration, tear-down, and single appends for hashictl. */
#include "gateway/gw_audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "audit/auditlog.h"
#include "common/log.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "gateway/audit_forward.h"
#include "gateway/gw.h"
#include "gateway/gw_audit_int.h"
#include "mpi/mpi.h"


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

int
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

void
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
	a->ga_pipe[0] = a->ga_pipe[1] = -1;
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
	if (a->ga_fwd != NULL)
		audit_forward_set_saver(a->ga_fwd, gw_audit_save_cursor, a);
	a->ga_ev_commit = event_new(base, -1, 0, gw_audit_on_commit, a);
	a->ga_ev_ckpt = event_new(base, -1, EV_PERSIST, gw_audit_on_tick, a);
	if (a->ga_ev_commit == NULL || a->ga_ev_ckpt == NULL || gw_audit_arm(a) == -1 ||
	    gw_audit_writer_start(a) == -1)
		goto nomem;
	a->ga_ckpt_last_ms = gw_now_ms();
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
	a->ga_on_ckpt = NULL;	/* the peers are not asked during shutdown */
	if (a->ga_log != NULL &&
	    a->ga_stats.gs_size + a->ga_npending > a->ga_stats.gs_checkpoint)
		a->ga_ckpt_due = 1;	/* a last checkpoint covers everything */
	/* what is out and what is pending is committed, and every waiter told */
	gw_audit_writer_stop(a);
	/* it saves what it delivered into the log itself now (the writer has stopped):
	 * before the log closes */
	if (a->ga_fwd != NULL)
		audit_forward_set_saver(a->ga_fwd, NULL, NULL);
	audit_forward_free(a->ga_fwd);
	a->ga_fwd = NULL;
	if (a->ga_ev_commit != NULL)
		event_free(a->ga_ev_commit);
	if (a->ga_ev_ckpt != NULL)
		event_free(a->ga_ev_ckpt);
	if (a->ga_ev_done != NULL)
		event_free(a->ga_ev_done);
	if (a->ga_pipe[0] != -1)
		close(a->ga_pipe[0]);
	if (a->ga_pipe[1] != -1)
		close(a->ga_pipe[1]);
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
