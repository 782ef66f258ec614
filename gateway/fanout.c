/* gateway/fanout: see fanout.h. */
#include "gateway/fanout.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/str.h"
#include "crypto/tls.h"
#include "gateway/gw.h"
#include "gateway/identity.h"
#include "gateway/metrics.h"
#include "gateway/tunnel.h"

struct fanout {
	struct gw		*fo_gw;
	struct fanout_leg	**fo_leg;
	size_t			 fo_n, fo_cap;
	size_t			 fo_open;	/* legs still pending */
	int			 fo_deadline_ms;
	struct event		*fo_timer;	/* deadline, then the deferred done */
	fanout_done_fn		 fo_done;
	void			*fo_arg;
	int			 fo_finished;
	int			 fo_started;	/* every leg counted in flight in the metrics */
	const struct config	*fo_cf;		/* the caller's, borrowed */
	const char		*fo_purpose;	/* borrowed from the caller */
};

struct fanout *
fanout_new(struct gw *gw, const struct config *cf, const char *purpose, int deadline_ms,
    fanout_done_fn done, void *arg)
{
	struct fanout *fo = calloc(1, sizeof(*fo));

	if (fo == NULL)
		return NULL;
	fo->fo_gw = gw;
	fo->fo_cf = cf;
	fo->fo_purpose = purpose != NULL ? purpose : "clinical";
	fo->fo_deadline_ms = deadline_ms;
	fo->fo_done = done;
	fo->fo_arg = arg;
	return fo;
}

struct fanout_leg *
fanout_add(struct fanout *fo, const struct peer *peer, const char *url,
    const char *content_type, char *body, size_t len, void *user)
{
	struct fanout_leg *leg = NULL;

	if (fo->fo_n == fo->fo_cap) {
		size_t cap = fo->fo_cap ? fo->fo_cap * 2 : 4;
		struct fanout_leg **p = reallocarray(fo->fo_leg, cap, sizeof(*p));

		if (p == NULL)
			goto fail;
		fo->fo_leg = p;
		fo->fo_cap = cap;
	}
	if ((leg = calloc(1, sizeof(*leg))) == NULL)
		goto fail;
	leg->fl_fo = fo;
	leg->fl_peer = peer;
	leg->fl_user = user;
	leg->fl_req = body;
	leg->fl_reqlen = len;
	if ((leg->fl_url = str_dup(url)) == NULL ||
	    (leg->fl_ctype_out = str_dup(content_type)) == NULL) {
		free(leg->fl_url);
		free(leg);
		goto fail;
	}
	fo->fo_leg[fo->fo_n++] = leg;
	return leg;
fail:
	free(body);
	return NULL;
}

/* The server of a peer URL must be that peer: its certificate identity is checked on
 * every call, also on a reused connection. */
static int
fanout_verify_peer(SSL *ssl, void *arg)
{
	struct fanout_leg *leg = arg;
	char *subject = NULL;
	uint8_t sha[32];
	int ok = 0;

	if (tls_peer_subject(ssl, &subject) == 0 && tls_peer_sha256(ssl, sha) == 0)
		ok = identity_match(&leg->fl_peer->pr_id, subject, sha);
	if (!ok)
		log_warnx("fanout: the server at %s is not peer %s", leg->fl_url,
		    leg->fl_peer->pr_name);
	free(subject);
	return ok;
}

/* Counts the end of LEG's call in the per-peer metrics (begun in fanout_start). */
static void
fanout_metric(struct fanout_leg *leg, enum metrics_peer_outcome o, enum http_err err, long ms,
    const char *what)
{
	struct fanout *fo = leg->fl_fo;
	struct metrics_peer *mp = metrics_peer(leg->fl_fo->fo_gw->gw_metrics,
	    leg->fl_peer->pr_name, leg->fl_peer->pr_hcid);
	char buf[64];

	if (o == MPO_OK && leg->fl_status != 200) {
		/* a SOAP fault or an odd status: the peer answered, but not with results */
		snprintf(buf, sizeof(buf), "HTTP status %d", leg->fl_status);
		o = MPO_ERROR;
		what = buf;
	}
	metrics_peer_end(mp, o, (double)ms, (long long)time(NULL), what);
	tunnels_note_call(fo->fo_gw->gw_tunnels, leg->fl_peer->pr_name, fo->fo_purpose, err,
	    leg->fl_status, ms, what);
}

static void
fanout_finish(struct fanout *fo)
{
	if (fo->fo_finished)
		return;
	fo->fo_finished = 1;
	if (fo->fo_timer != NULL)
		event_del(fo->fo_timer);
	fo->fo_done(fo, fo->fo_arg);
}

void
fanout_leg_stream(struct fanout_leg *leg, const struct fanout_stream *fs)
{
	leg->fl_stream = fs;
}

void
fanout_leg_settle(struct fanout_leg *leg)
{
	struct fanout *fo = leg->fl_fo;

	if (leg->fl_state != LEG_PENDING || leg->fl_stream == NULL)
		return;
	leg->fl_state = LEG_DONE;
	leg->fl_settled = 1;
	/* DONE must not run from inside the caller's stream callback: the timer runs it */
	if (--fo->fo_open == 0 && fo->fo_timer != NULL && !fo->fo_finished)
		event_active(fo->fo_timer, EV_TIMEOUT, 0);
}

void
fanout_leg_pause(struct fanout_leg *leg, int paused)
{
	if (leg->fl_call != NULL)
		http_call_pause(leg->fl_call, paused);
}

static void
fanout_on_headers(void *arg, int status, const char *content_type)
{
	struct fanout_leg *leg = arg;

	leg->fl_status = status;
	free(leg->fl_content_type);
	leg->fl_content_type = str_dup(content_type ? content_type : "");
	if (leg->fl_stream->fs_headers != NULL)
		leg->fl_stream->fs_headers(leg);
}

static void
fanout_on_data(void *arg, const uint8_t *data, size_t len)
{
	struct fanout_leg *leg = arg;

	leg->fl_stream->fs_data(leg, data, len);
}

/* The end of a settled leg's call: only the metrics and the caller care. */
static void
fanout_settled_end(struct fanout_leg *leg, const struct http_result *r)
{
	fanout_metric(leg, r->hr_error == HTTP_OK ? MPO_OK : r->hr_error ==
	    HTTP_ERR_TIMEOUT ? MPO_TIMEOUT : MPO_ERROR, r->hr_error, r->hr_elapsed_ms,
	    http_err_str(r->hr_error));
	if (leg->fl_stream->fs_end != NULL)
		leg->fl_stream->fs_end(leg, r->hr_error);
}

static void
fanout_on_done(void *arg, const struct http_result *r)
{
	struct fanout_leg *leg = arg;
	struct fanout *fo = leg->fl_fo;

	leg->fl_call = NULL;
	leg->fl_ms = r->hr_elapsed_ms;
	if (leg->fl_settled) {
		fanout_settled_end(leg, r);
		return;
	}
	if (r->hr_error != HTTP_OK) {
		leg->fl_state = LEG_FAILED;
		leg->fl_err = r->hr_error;
		log_info("fanout: %s: %s after %ld ms", leg->fl_peer->pr_name,
		    http_err_str(r->hr_error), r->hr_elapsed_ms);
	} else {
		leg->fl_state = LEG_DONE;
		leg->fl_status = r->hr_status;
		free(leg->fl_content_type);
		leg->fl_content_type = str_dup(r->hr_content_type ? r->hr_content_type : "");
		if (r->hr_body != NULL && r->hr_len > 0 &&
		    (leg->fl_body = malloc(r->hr_len)) != NULL) {
			memcpy(leg->fl_body, r->hr_body, r->hr_len);
			leg->fl_len = r->hr_len;
		}
		if ((r->hr_body != NULL && r->hr_len > 0 && leg->fl_body == NULL) ||
		    leg->fl_content_type == NULL) {
			leg->fl_state = LEG_FAILED;
			leg->fl_err = HTTP_ERR_INTERNAL;
		}
	}
	fanout_metric(leg, leg->fl_state == LEG_DONE ? MPO_OK : leg->fl_err ==
	    HTTP_ERR_TIMEOUT ? MPO_TIMEOUT : MPO_ERROR, leg->fl_err, r->hr_elapsed_ms,
	    http_err_str(leg->fl_err));
	if (--fo->fo_open == 0 && fo->fo_timer != NULL)
		fanout_finish(fo);
}

static void
fanout_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fanout *fo = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < fo->fo_n; i++) {
		struct fanout_leg *leg = fo->fo_leg[i];

		if (leg->fl_state != LEG_PENDING)
			continue;
		if (leg->fl_call != NULL)
			http_call_cancel(leg->fl_call);
		leg->fl_call = NULL;
		leg->fl_state = LEG_TIMEOUT;
		leg->fl_ms = fo->fo_deadline_ms;
		fanout_metric(leg, MPO_TIMEOUT, HTTP_ERR_TIMEOUT, fo->fo_deadline_ms,
		    "no answer by the deadline");
		log_info("fanout: %s: no answer by the deadline", leg->fl_peer->pr_name);
	}
	fo->fo_open = 0;
	fanout_finish(fo);
}

void
fanout_set_deadline(struct fanout *fo, int deadline_ms)
{
	fo->fo_deadline_ms = deadline_ms > 0 ? deadline_ms : 0;
}

void
fanout_start(struct fanout *fo)
{
	struct http_call_opts co, cs;
	struct timeval tv;
	size_t i;

	memset(&co, 0, sizeof(co));
	co.co_on_done = fanout_on_done;
	co.co_verify_peer = fanout_verify_peer;
	cs = co;
	cs.co_on_headers = fanout_on_headers;
	cs.co_on_data = fanout_on_data;
	fo->fo_open = fo->fo_n;
	fo->fo_started = 1;
	for (i = 0; i < fo->fo_n; i++)
		metrics_peer_begin(metrics_peer(fo->fo_gw->gw_metrics, fo->fo_leg[i]->fl_peer->pr_name,
		    fo->fo_leg[i]->fl_peer->pr_hcid));
	for (i = 0; i < fo->fo_n; i++) {
		struct fanout_leg *leg = fo->fo_leg[i];

		/* through a VPN, from our inner address of the purpose: its CHILD_SA */
		co.co_source = cs.co_source = fo->fo_cf == NULL ? NULL :
		    config_vpn_source(fo->fo_cf, leg->fl_peer, fo->fo_purpose);
		leg->fl_call = http_client_post(fo->fo_gw->gw_client, leg->fl_url,
		    leg->fl_ctype_out, (const uint8_t *)leg->fl_req, leg->fl_reqlen,
		    leg->fl_stream != NULL ? &cs : &co, leg);
		if (leg->fl_state != LEG_PENDING)
			leg->fl_call = NULL;	/* finished already: the handle is gone */
		else if (leg->fl_call == NULL) {
			leg->fl_state = LEG_FAILED;
			leg->fl_err = HTTP_ERR_INTERNAL;
			fanout_metric(leg, MPO_ERROR, leg->fl_err, 0, http_err_str(leg->fl_err));
			fo->fo_open--;
		}
	}
	/* The timer is both the deadline and, when nothing is pending any more, the way
	 * to run the done callback from the loop rather than from inside this call. */
	fo->fo_timer = evtimer_new(fo->fo_gw->gw_base, fanout_on_timer, fo);
	tv.tv_sec = fo->fo_open == 0 ? 0 : fo->fo_deadline_ms / 1000;
	tv.tv_usec = fo->fo_open == 0 ? 0 : (fo->fo_deadline_ms % 1000) * 1000;
	if (fo->fo_timer == NULL || evtimer_add(fo->fo_timer, &tv) == -1) {
		log_warnx("fanout: cannot arm the deadline");
		fanout_on_timer(-1, 0, fo);
	}
}

size_t
fanout_nlegs(const struct fanout *fo)
{
	return fo->fo_n;
}

struct fanout_leg *
fanout_leg(struct fanout *fo, size_t i)
{
	return i < fo->fo_n ? fo->fo_leg[i] : NULL;
}

const char *
fanout_leg_problem(const struct fanout_leg *leg)
{
	switch (leg->fl_state) {
	case LEG_PENDING:
	case LEG_TIMEOUT:
		return "no answer within the deadline";
	case LEG_FAILED:
		return http_err_str(leg->fl_err);
	case LEG_DONE:
		break;
	}
	/* SOAP 1.2 carries Sender faults with 400 and the rest with 500. */
	if (leg->fl_status == 200 || leg->fl_status == 400 || leg->fl_status == 500)
		return NULL;
	return "unexpected HTTP status";
}

void
fanout_free(struct fanout *fo)
{
	size_t i;

	if (fo == NULL)
		return;
	for (i = 0; i < fo->fo_n; i++) {
		struct fanout_leg *leg = fo->fo_leg[i];

		/* ended for in_flight's sake; not the path's outcome: the caller gave up */
		if (fo->fo_started && (leg->fl_state == LEG_PENDING ||
		    (leg->fl_settled && leg->fl_call != NULL)))
			metrics_peer_end(metrics_peer(fo->fo_gw->gw_metrics,
			    leg->fl_peer->pr_name, leg->fl_peer->pr_hcid), MPO_ERROR, 0,
			    (long long)time(NULL), "abandoned");
		if (leg->fl_call != NULL)
			http_call_cancel(leg->fl_call);
		free(leg->fl_url);
		free(leg->fl_ctype_out);
		free(leg->fl_req);
		free(leg->fl_content_type);
		free(leg->fl_body);
		free(leg);
	}
	free(fo->fo_leg);
	if (fo->fo_timer != NULL)
		event_free(fo->fo_timer);
	free(fo);
}
