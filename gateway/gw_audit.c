/* gateway/gw_audit: see gw_audit.h. */
#include "gateway/gw_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "audit/auditlog.h"
#include "common/log.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "gateway/audit_forward.h"
#include "gateway/gw_audit_int.h"

/* One record waiting for the next commit: its bytes and index keys. */
struct gw_audit_entry {
	uint8_t			*ge_rec;
	size_t			 ge_len;
	uint8_t			*ge_keybuf;
	size_t			 ge_keylen;
	struct auditlog_key	 ge_keys[ATNA_SUMMARY_MAX_PATIENTS + 8];
	size_t			 ge_nkeys;
};

struct gw_audit_waiter {
	void			(*gw_done)(void *arg, int ok);
	void			*gw_arg;
	uint64_t		 gw_since;
};

/* Collects the index keys of a record into its entry. */
static int
gw_audit_key(void *arg, const uint8_t *key, size_t len)
{
	struct gw_audit_entry *e = arg;
	uint8_t *nb;

	if (e->ge_nkeys == sizeof(e->ge_keys) / sizeof(e->ge_keys[0]) || len == 0)
		return 0;	/* more patients than indexed: the record still has them */
	if ((nb = realloc(e->ge_keybuf, e->ge_keylen + len)) == NULL)
		return -1;
	e->ge_keybuf = nb;
	memcpy(nb + e->ge_keylen, key, len);
	e->ge_keys[e->ge_nkeys].ak_len = len;
	/* offsets now, pointers once the buffer stops moving */
	e->ge_keys[e->ge_nkeys].ak_key = (const uint8_t *)(uintptr_t)e->ge_keylen;
	e->ge_keylen += len;
	e->ge_nkeys++;
	return 0;
}

static void
gw_audit_entry_clear(struct gw_audit_entry *e)
{
	free(e->ge_rec);
	free(e->ge_keybuf);
	memset(e, 0, sizeof(*e));
}

int
gw_audit_entry_build(const struct atna_record *r, struct atna_summary *scratch,
    struct gw_audit_entry **out)
{
	struct gw_audit_entry *e;
	struct strbuf sb = { 0 };
	size_t i;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	if (atna_build(r, &sb) == -1 || sb.sb_failed || atna_record_summary(r, scratch) == -1 ||
	    atna_index_keys(scratch, gw_audit_key, e) != 0) {
		strbuf_reset(&sb);
		gw_audit_entry_clear(e);
		free(e);
		return -1;
	}
	e->ge_rec = (uint8_t *)strbuf_take(&sb, &e->ge_len);
	for (i = 0; i < e->ge_nkeys; i++)
		e->ge_keys[i].ak_key = e->ge_keybuf + (uintptr_t)e->ge_keys[i].ak_key;
	*out = e;
	return 0;
}

int
gw_audit_entry_append(struct auditlog_batch *b, const struct gw_audit_entry *e)
{
	return auditlog_add_indexed(b, e->ge_rec, e->ge_len, e->ge_keys, e->ge_nkeys, NULL);
}

void
gw_audit_entry_free(struct gw_audit_entry *e)
{
	if (e == NULL)
		return;
	gw_audit_entry_clear(e);
	free(e);
}

int
gw_audit_add(struct gw_audit *a, const struct atna_record *r, uint64_t *gen)
{
	struct gw_audit_entry *e, **v;

	if (gen != NULL)
		*gen = a->ga_gen;
	if (a->ga_npending == a->ga_cappending) {
		size_t cap = a->ga_cappending ? a->ga_cappending * 2 : 64;

		if ((v = reallocarray(a->ga_pending, cap, sizeof(*v))) == NULL)
			return -1;
		a->ga_pending = v;
		a->ga_cappending = cap;
	}
	if (gw_audit_entry_build(r, a->ga_summary, &e) == -1) {
		log_warnx("audit: cannot build a %s record", atna_event_code(r->ar_event) ?
		    atna_event_code(r->ar_event) : "?");
		return -1;
	}
	a->ga_pending[a->ga_npending++] = e;
	event_active(a->ga_ev_commit, EV_TIMEOUT, 0);
	return 0;
}

uint64_t
gw_audit_generation(const struct gw_audit *a)
{
	return a->ga_gen;
}

int
gw_audit_wait(struct gw_audit *a, uint64_t since, void (*done)(void *arg, int ok),
    void *arg)
{
	struct gw_audit_waiter *v;

	if (a->ga_nwait == a->ga_capwait) {
		size_t cap = a->ga_capwait ? a->ga_capwait * 2 : 64;

		if ((v = reallocarray(a->ga_wait, cap, sizeof(*v))) == NULL)
			return -1;
		a->ga_wait = v;
		a->ga_capwait = cap;
	}
	a->ga_wait[a->ga_nwait].gw_done = done;
	a->ga_wait[a->ga_nwait].gw_arg = arg;
	a->ga_wait[a->ga_nwait].gw_since = since;
	a->ga_nwait++;
	/* even with nothing pending, the answer comes from the loop, never from here */
	event_active(a->ga_ev_commit, EV_TIMEOUT, 0);
	return 0;
}

void
gw_audit_release(struct gw_audit *a, struct gw_audit_waiter *w, size_t n)
{
	size_t i;
	int ok;

	for (i = 0; i < n; i++) {
		ok = a->ga_last_failed < w[i].gw_since;
		if (!ok)
			a->ga_stats.gs_refused++;
		w[i].gw_done(w[i].gw_arg, ok);
	}
	free(w);
}

struct auditlog *
gw_audit_log(const struct gw_audit *a)
{
	return a->ga_log;
}

const struct note_signer *
gw_audit_signer(const struct gw_audit *a)
{
	return a->ga_signer;
}

void
gw_audit_stats(const struct gw_audit *a, struct gw_audit_stats *st)
{
	struct audit_forward_stats fs;

	*st = a->ga_stats;
	if (a->ga_fwd == NULL)
		return;
	audit_forward_stats(a->ga_fwd, &fs);
	st->gs_forward = 1;
	st->gs_fwd_connected = fs.afs_connected;
	st->gs_fwd_backlog = fs.afs_backlog;
	st->gs_fwd_sent = fs.afs_sent;
	/* the position goes with the writer's next job: saved once no job holds it */
	st->gs_fwd_saved = a->ga_fwd_cursor == 0 && !(a->ga_busy && a->ga_job.gj_fwd_cursor != 0);
}
