/*
 * gateway/tunnel: per peer and purpose, whether its CHILD_SA is up (charon over vici) and
 * how the last calls went. One list-sas per health interval, on its own vici connection;
 * the answer replaces every VPN path's state at once. A CHILD_SA is up when charon lists
 * it INSTALLED (or REKEYING / REKEYED, when traffic still flows) under the IKE_SA named
 * after the peer, with the purpose's name: the names hashictl deploy swanctl gives them.
 */
#include "gateway/tunnel.h"
#include "gateway/tunnel_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/str.h"
#include "gateway/gw.h"
#include "gateway/vici.h"

#define TUNNEL_VICI_TIMEOUT_MS	5000
#define TUNNEL_INITIATE_EVERY_S	10	/* at most one initiate per path this often */

static void tunnels_poll(evutil_socket_t, short, void *);

struct tunnel_path *
tunnels_find(const struct tunnels *t, const char *peer, const char *purpose)
{
	size_t i;

	if (t == NULL || peer == NULL || purpose == NULL)
		return NULL;
	for (i = 0; i < t->tn_npaths; i++)
		if (strcmp(t->tn_paths[i].tp_peer, peer) == 0 &&
		    strcmp(t->tn_paths[i].tp_purpose, purpose) == 0)
			return &t->tn_paths[i];
	return NULL;
}

static void
tunnels_free_paths(struct tunnel_path *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].tp_peer);
		free(p[i].tp_purpose);
	}
	free(p);
}

/* Adds the path PEER/PURPOSE to P[*N], taking over what OLD knew of it. */
static int
tunnels_add(struct tunnel_path *p, size_t *n, const struct tunnels *old,
    const struct config *cf, const struct peer *peer, const char *purpose)
{
	struct tunnel_path *tp = &p[*n], *was = tunnels_find(old, peer->pr_name, purpose);
	int vpn = config_vpn_source(cf, peer, purpose) != NULL;

	if (was != NULL)
		*tp = *was;
	else {
		memset(tp, 0, sizeof(*tp));
		tp->tp_last_ms = -1;
	}
	tp->tp_peer = str_dup(peer->pr_name);
	tp->tp_purpose = str_dup(purpose);
	if (tp->tp_peer == NULL || tp->tp_purpose == NULL) {
		free(tp->tp_peer);
		free(tp->tp_purpose);
		return -1;
	}
	if (!vpn)
		tp->tp_state = TUNNEL_NONE;
	else if (was == NULL || !was->tp_vpn)
		tp->tp_state = TUNNEL_UNKNOWN;
	tp->tp_vpn = vpn;
	(*n)++;
	return 0;
}

/* Builds the path table of CF: each peer's clinical path when it has a query URL, and
 * one per entry of its purposes. */
static int
tunnels_build(const struct tunnels *old, const struct config *cf, struct tunnel_path **pathsp,
    size_t *np)
{
	struct tunnel_path *p;
	const struct peer *pr;
	size_t i, k, n = 0, max = 0;

	for (i = 0; i < cf->cf_npeers; i++)
		max += 1 + cf->cf_peers[i].pr_npurposes;
	if ((p = calloc(max + 1, sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < cf->cf_npeers; i++) {
		pr = &cf->cf_peers[i];
		if (pr->pr_query_url != NULL && tunnels_add(p, &n, old, cf, pr, "clinical"))
			goto fail;
		for (k = 0; k < pr->pr_npurposes; k++)
			if (pr->pr_purposes[k].pp_name != NULL &&
			    tunnels_add(p, &n, old, cf, pr, pr->pr_purposes[k].pp_name))
				goto fail;
	}
	*pathsp = p;
	*np = n;
	return 0;
fail:
	tunnels_free_paths(p, n);
	return -1;
}

static void
tunnels_arm(struct tunnels *t, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (t->tn_timer != NULL && evtimer_add(t->tn_timer, &tv) == -1)
		log_warnx("tunnel: cannot arm the health timer");
}

/* Frees the vici client: what it had in flight is cancelled, initiates included. */
static void
tunnels_drop_client(struct tunnels *t)
{
	struct tunnel_init *ti;

	vici_client_free(t->tn_vici);	/* no callback after this */
	t->tn_vici = NULL;
	t->tn_polling = 0;
	t->tn_repoll = 0;
	while ((ti = LIST_FIRST(&t->tn_inits)) != NULL) {
		LIST_REMOVE(ti, ti_entry);
		free(ti->ti_peer);
		free(ti->ti_purpose);
		free(ti);
	}
}

/* Takes CF's vpn settings; a changed socket gets a new client (cancelling what the old
 * one had in flight). A client that cannot be made leaves tn_vici NULL and says why in
 * tn_error: the polls then report the states unknown, and retry. */
static void
tunnels_settings(struct tunnels *t, const struct config *cf)
{
	const char *path = config_vpn_vici(cf);

	t->tn_vpn = cf->cf_vpn_address != NULL;
	t->tn_interval_ms = config_vpn_health_ms(cf);
	t->tn_initiate = !cf->cf_vpn_no_initiate;
	t->tn_trap = cf->cf_vpn_start_action == NULL ||
	    strcmp(cf->cf_vpn_start_action, "trap") == 0;
	if (!t->tn_vpn) {
		tunnels_drop_client(t);
		return;
	}
	if (t->tn_vici != NULL && t->tn_vici_path != NULL && strcmp(t->tn_vici_path, path) == 0)
		return;
	tunnels_drop_client(t);
	free(t->tn_vici_path);
	t->tn_vici_path = str_dup(path);
	t->tn_last_poll = 0;
	if (t->tn_vici_path != NULL &&
	    (t->tn_vici = vici_client_new(t->tn_base, path, TUNNEL_VICI_TIMEOUT_MS)) != NULL)
		t->tn_error[0] = '\0';
	else {
		snprintf(t->tn_error, sizeof(t->tn_error), "cannot use the vici socket %s", path);
		log_warnx("tunnel: %s: tunnel states unknown", t->tn_error);
	}
}

struct tunnels *
tunnels_new(struct event_base *base, const struct config *cf)
{
	struct tunnels *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->tn_base = base;
	LIST_INIT(&t->tn_inits);
	if ((t->tn_timer = evtimer_new(base, tunnels_poll, t)) == NULL ||
	    tunnels_reconfigure(t, cf) == -1) {
		tunnels_free(t);
		return NULL;
	}
	return t;
}

void
tunnels_free(struct tunnels *t)
{
	if (t == NULL)
		return;
	tunnels_drop_client(t);
	if (t->tn_timer != NULL)
		event_free(t->tn_timer);
	tunnels_free_paths(t->tn_paths, t->tn_npaths);
	free(t->tn_vici_path);
	free(t);
}

int
tunnels_reconfigure(struct tunnels *t, const struct config *cf)
{
	struct tunnel_path *p;
	size_t n;

	if (tunnels_build(t, cf, &p, &n) == -1)
		return -1;	/* nothing changed */
	tunnels_free_paths(t->tn_paths, t->tn_npaths);
	t->tn_paths = p;
	t->tn_npaths = n;
	tunnels_settings(t, cf);
	if (t->tn_vpn)
		tunnels_arm(t, 0);
	else
		evtimer_del(t->tn_timer);
	return 0;
}

int
tunnels_usable(const struct tunnels *t, const struct peer *peer, const char *purpose,
    char *why, size_t whysz)
{
	const struct tunnel_path *tp = tunnels_find(t, peer->pr_name, purpose);

	if (tp == NULL || tp->tp_state != TUNNEL_DOWN)
		return 1;
	if (why != NULL)
		snprintf(why, whysz, "the %s tunnel to %s is down", purpose, peer->pr_name);
	return 0;
}

enum tunnel_state
tunnels_state(const struct tunnels *t, const char *peer, const char *purpose)
{
	const struct tunnel_path *tp = tunnels_find(t, peer, purpose);

	return tp != NULL ? tp->tp_state : TUNNEL_NONE;
}

void
tunnels_note_call(struct tunnels *t, const char *peer, const char *purpose,
    enum http_err err, int status, long ms, const char *what)
{
	struct tunnel_path *tp = tunnels_find(t, peer, purpose);
	time_t now = time(NULL);

	if (tp == NULL)
		return;
	tp->tp_last_ms = ms;
	/* a response (any status) means the handshake and the peer's identity passed */
	if (err == HTTP_OK)
		tp->tp_tls = 1;
	else if (err == HTTP_ERR_TLS || err == HTTP_ERR_PEER_IDENTITY)
		tp->tp_tls = -1;
	if (err == HTTP_OK && status == 200) {
		tp->tp_last_ok = now;
		return;
	}
	tp->tp_last_err = now;
	if (err == HTTP_OK)
		snprintf(tp->tp_last_what, sizeof(tp->tp_last_what), "HTTP status %d", status);
	else
		snprintf(tp->tp_last_what, sizeof(tp->tp_last_what), "%s",
		    what != NULL ? what : http_err_str(err));
}

static void tunnels_set(struct tunnel_path *, enum tunnel_state, time_t);

/* charon's answer to an initiate: on success the state is polled at once (no request
 * waits a whole interval for it); a failure makes an idle path down, since the trap did
 * not bring it up either. */
static void
tunnels_initiated(void *arg, const char *err)
{
	struct tunnel_init *ti = arg;
	struct tunnels *t = ti->ti_t;
	struct tunnel_path *tp = tunnels_find(t, ti->ti_peer, ti->ti_purpose);

	if (err == NULL) {
		log_info("tunnel: %s to %s initiated", ti->ti_purpose, ti->ti_peer);
		if (tp != NULL) {
			tp->tp_init_failed = 0;
			tp->tp_init_err[0] = '\0';
		}
		tunnels_arm(t, 0);
	} else if (tp != NULL) {
		/* said once per distinct error: charon is asked again every few seconds */
		if (strcmp(tp->tp_init_err, err) != 0)
			log_warnx("tunnel: charon could not bring up %s to %s: %s",
			    ti->ti_purpose, ti->ti_peer, err);
		snprintf(tp->tp_init_err, sizeof(tp->tp_init_err), "%s", err);
		tp->tp_init_failed = 1;
		if (tp->tp_state == TUNNEL_IDLE)
			tunnels_set(tp, TUNNEL_DOWN, time(NULL));
	}
	LIST_REMOVE(ti, ti_entry);
	free(ti->ti_peer);
	free(ti->ti_purpose);
	free(ti);
}

/* Asks charon to bring TP's CHILD_SA up, at most once per TUNNEL_INITIATE_EVERY_S. */
static void
tunnels_initiate(struct tunnels *t, struct tunnel_path *tp)
{
	struct tunnel_init *ti;
	long long now = gw_now_ms() / 1000;	/* monotonic: a clock step back cannot stall it */

	if (!t->tn_initiate || t->tn_vici == NULL || (tp->tp_last_initiate != 0 &&
	    now - tp->tp_last_initiate < TUNNEL_INITIATE_EVERY_S))
		return;
	tp->tp_last_initiate = now;
	if ((ti = calloc(1, sizeof(*ti))) == NULL ||
	    (ti->ti_peer = str_dup(tp->tp_peer)) == NULL ||
	    (ti->ti_purpose = str_dup(tp->tp_purpose)) == NULL)
		goto fail;
	ti->ti_t = t;
	LIST_INSERT_HEAD(&t->tn_inits, ti, ti_entry);
	if (vici_initiate(t->tn_vici, tp->tp_peer, tp->tp_purpose, tunnels_initiated, ti) == 0)
		return;
	LIST_REMOVE(ti, ti_entry);
fail:
	log_warnx("tunnel: cannot ask charon to bring up %s to %s", tp->tp_purpose, tp->tp_peer);
	if (ti != NULL) {
		free(ti->ti_peer);
		free(ti->ti_purpose);
		free(ti);
	}
}

/* A CHILD_SA in these states carries traffic. */
static int
tunnels_child_up(const char *state)
{
	return strcmp(state, "INSTALLED") == 0 || strcmp(state, "REKEYING") == 0 ||
	    strcmp(state, "REKEYED") == 0;
}

static void
tunnels_set(struct tunnel_path *tp, enum tunnel_state s, time_t now)
{
	if (tp->tp_state == s)
		return;
	if (s == TUNNEL_DOWN)
		log_warnx("tunnel: %s to %s is down: its requests fail at once", tp->tp_purpose,
		    tp->tp_peer);
	else if (s == TUNNEL_IDLE && tp->tp_state == TUNNEL_UP)
		log_info("tunnel: %s to %s is idle: its trap brings it up again", tp->tp_purpose,
		    tp->tp_peer);
	else if (s == TUNNEL_UP && tp->tp_state == TUNNEL_DOWN)
		log_info("tunnel: %s to %s is up again", tp->tp_purpose, tp->tp_peer);
	tp->tp_state = s;
	tp->tp_since = now;
}

/* charon cannot be asked (ERR says why): every VPN path's state is unknown. */
static void
tunnels_unknown(struct tunnels *t, const char *err)
{
	time_t now = time(NULL);
	size_t i;

	if (err != t->tn_error) {
		if (strcmp(t->tn_error, err) != 0)
			log_warnx("tunnel: cannot ask charon (%s): tunnel states unknown", err);
		snprintf(t->tn_error, sizeof(t->tn_error), "%s", err);
	}
	t->tn_last_poll = 0;
	for (i = 0; i < t->tn_npaths; i++)
		if (t->tn_paths[i].tp_vpn)
			tunnels_set(&t->tn_paths[i], TUNNEL_UNKNOWN, now);
}

static void
tunnels_listed(void *arg, const char *err, const struct vici_child *c, size_t n)
{
	struct tunnels *t = arg;
	struct tunnel_path *tp;
	time_t now = time(NULL);
	size_t i;

	t->tn_polling = 0;
	/* a poll asked for while this one ran (an initiate succeeded, a reload) goes now */
	tunnels_arm(t, t->tn_repoll ? 0 : t->tn_interval_ms);
	t->tn_repoll = 0;
	if (err != NULL) {
		tunnels_unknown(t, err);
		return;
	}
	t->tn_error[0] = '\0';
	t->tn_last_poll = now;
	for (i = 0; i < t->tn_npaths; i++)
		t->tn_paths[i].tp_seen = 0;
	for (i = 0; i < n; i++) {
		if ((tp = tunnels_find(t, c[i].ike, c[i].child)) == NULL || !tp->tp_vpn ||
		    !tunnels_child_up(c[i].state))
			continue;
		/* a rekey briefly lists two: keep the larger counters */
		if (!tp->tp_seen || c[i].bytes_in + c[i].bytes_out >
		    tp->tp_bytes_in + tp->tp_bytes_out) {
			tp->tp_bytes_in = c[i].bytes_in;
			tp->tp_bytes_out = c[i].bytes_out;
		}
		tp->tp_seen = 1;
	}
	for (i = 0; i < t->tn_npaths; i++) {
		tp = &t->tn_paths[i];
		if (!tp->tp_vpn)
			continue;
		if (tp->tp_seen) {
			tp->tp_init_failed = 0;
			tunnels_set(tp, TUNNEL_UP, now);
			continue;
		}
		tp->tp_bytes_in = tp->tp_bytes_out = 0;
		tunnels_set(tp, t->tn_trap && !tp->tp_init_failed ? TUNNEL_IDLE : TUNNEL_DOWN,
		    now);
		tunnels_initiate(t, tp);
	}
}

static void
tunnels_poll(evutil_socket_t fd, short what, void *arg)
{
	struct tunnels *t = arg;

	(void)fd;
	(void)what;
	if (!t->tn_vpn)
		return;
	if (t->tn_polling) {	/* the answer in flight re-arms the timer at once */
		t->tn_repoll = 1;
		return;
	}
	if (t->tn_vici == NULL) {	/* tn_error says why */
		tunnels_unknown(t, t->tn_error);
		tunnels_arm(t, t->tn_interval_ms);
		return;
	}
	if (vici_list_sas(t->tn_vici, tunnels_listed, t) == -1) {
		tunnels_unknown(t, "out of memory");
		tunnels_arm(t, t->tn_interval_ms);
		return;
	}
	t->tn_polling = 1;
}
