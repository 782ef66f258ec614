/* gateway/upstream: see upstream.h. */
#include "gateway/upstream.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/str.h"

#define UPSTREAM_DEFAULT_DEADLINE_MS	30000

struct upstream_call {
	struct http_call	*uc_call;
	struct event		*uc_timer;	/* deadline, or the deferred failure */
	upstream_done_fn	 uc_done;
	void			*uc_arg;
	const char		*uc_why;	/* set when the call could not start */
	enum ihe_txn		 uc_txn;
	char			 uc_msgid[128];	/* "" = RelatesTo not checked */
	char			 uc_what[64];
	struct soap_limits	 uc_lim;	/* the configured parsing limits */
};

static const char *
upstream_err_why(enum http_err err)
{
	switch (err) {
	case HTTP_OK: break;
	case HTTP_ERR_CONNECT: return "could not connect";
	case HTTP_ERR_TLS: return "TLS failed (certificate refused or not trusted)";
	case HTTP_ERR_TIMEOUT: return "timed out";
	case HTTP_ERR_PROTOCOL: return "malformed or truncated HTTP answer";
	case HTTP_ERR_PEER_IDENTITY: return "server identity refused";
	case HTTP_ERR_INTERNAL: return "internal error";
	}
	return "internal error";
}

/* Frees UC, then reports the outcome (so that DONE may start other calls freely). */
static void
upstream_finish(struct upstream_call *uc, struct soap_msg *msg, const char *why)
{
	upstream_done_fn done = uc->uc_done;
	void *arg = uc->uc_arg;

	if (uc->uc_timer != NULL)
		event_free(uc->uc_timer);
	free(uc);
	done(arg, msg, msg == NULL ? (why != NULL ? why : "internal error") : NULL);
}

/* Checks that MSG answers our request; returns NULL or why not. */
static const char *
upstream_check(const struct upstream_call *uc, const struct soap_msg *msg)
{
	const struct soap_wsa *wa = soap_msg_wsa(msg);

	if (soap_msg_payload(msg) == NULL)
		return "empty answer";
	if (uc->uc_txn != TXN_NONE && soap_msg_txn(msg) != uc->uc_txn)
		return "answered with another transaction";
	if (uc->uc_msgid[0] != '\0' && wa->wa_relates_to != NULL &&
	    strcmp(wa->wa_relates_to, uc->uc_msgid) != 0)
		return "answered another request";
	return NULL;
}

/* Turns the HTTP result R into the parsed answer, or NULL with *WHYP set. */
static struct soap_msg *
upstream_answer(const struct upstream_call *uc, const struct http_result *r, const char **whyp)
{
	struct soap_limits lim;
	struct soap_fault f;
	struct soap_msg *msg = NULL;

	if (r->hr_error != HTTP_OK) {
		log_info("upstream: %s: %s after %ld ms", uc->uc_what, http_err_str(r->hr_error),
		    r->hr_elapsed_ms);
		*whyp = upstream_err_why(r->hr_error);
		return NULL;
	}
	/* SOAP 1.2 carries Sender faults with 400 and the rest with 500. */
	if (r->hr_status != 200 && r->hr_status != 400 && r->hr_status != 500) {
		log_info("upstream: %s answered HTTP %d", uc->uc_what, r->hr_status);
		*whyp = r->hr_status == 403 ? "refused the gateway's certificate (HTTP 403)" :
		    "unexpected HTTP status";
		return NULL;
	}
	/* The configured depth and tolerances apply; the sizes were bounded by the client
	 * already, so the parser must not cut the body shorter. */
	lim = uc->uc_lim;
	lim.sl_expect_response = 1;
	if (lim.sl_max_bytes < r->hr_len + 1)
		lim.sl_max_bytes = r->hr_len + 1;
	if (lim.sl_max_mtom_bytes < r->hr_len + 1)
		lim.sl_max_mtom_bytes = r->hr_len + 1;
	if (soap_parse(r->hr_body, r->hr_len, r->hr_content_type, &lim, &msg, &f) == -1) {
		/* Our own reason only: the remote text is never logged. */
		log_info("upstream: %s answered with a malformed message (%s)", uc->uc_what,
		    f.sf_reason);
		*whyp = "malformed answer";
		return NULL;
	}
	if (soap_msg_fault(msg, &f)) {
		log_info("upstream: %s answered with a SOAP fault (HTTP %d)", uc->uc_what,
		    r->hr_status);
		*whyp = "answered with a SOAP fault";
	} else if (r->hr_status != 200) {
		log_info("upstream: %s answered HTTP %d without a fault", uc->uc_what,
		    r->hr_status);
		*whyp = "unexpected HTTP status";
	} else if ((*whyp = upstream_check(uc, msg)) != NULL) {
		log_info("upstream: %s: %s", uc->uc_what, *whyp);
	} else {
		log_debug("upstream: %s answered in %ld ms", uc->uc_what, r->hr_elapsed_ms);
		return msg;
	}
	soap_msg_free(msg);
	return NULL;
}

static void
upstream_on_http(void *arg, const struct http_result *r)
{
	struct upstream_call *uc = arg;
	struct soap_msg *msg;
	const char *why = NULL;

	uc->uc_call = NULL;	/* gone once this returns */
	event_del(uc->uc_timer);
	msg = upstream_answer(uc, r, &why);
	upstream_finish(uc, msg, why);
}

static void
upstream_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_call *uc = arg;
	const char *why = uc->uc_why;

	(void)fd;
	(void)what;
	if (uc->uc_call != NULL) {
		http_call_cancel(uc->uc_call);
		uc->uc_call = NULL;
		log_info("upstream: %s: no answer within the deadline", uc->uc_what);
		why = "no answer within the deadline";
	}
	upstream_finish(uc, NULL, why);
}

struct upstream_call *
upstream_post(struct http_client *cl, const struct upstream_req *rq, upstream_done_fn done,
    void *arg)
{
	struct upstream_call *uc;
	struct http_call_opts co;
	struct timeval tv = { 0, 0 };
	int ms = rq->uq_deadline_ms > 0 ? rq->uq_deadline_ms : UPSTREAM_DEFAULT_DEADLINE_MS;

	if ((uc = calloc(1, sizeof(*uc))) == NULL)
		return NULL;
	uc->uc_done = done;
	uc->uc_arg = arg;
	uc->uc_txn = rq->uq_txn;
	if (rq->uq_limits != NULL)
		uc->uc_lim = *rq->uq_limits;
	(void)str_copy(uc->uc_what, sizeof(uc->uc_what), rq->uq_what != NULL ? rq->uq_what :
	    rq->uq_url);
	if (rq->uq_msgid != NULL && str_copy(uc->uc_msgid, sizeof(uc->uc_msgid),
	    rq->uq_msgid) == -1)
		uc->uc_msgid[0] = '\0';	/* too long to be ours: not checked */
	if ((uc->uc_timer = evtimer_new(http_client_base(cl), upstream_on_timer, uc)) == NULL) {
		free(uc);
		return NULL;
	}
	memset(&co, 0, sizeof(co));
	co.co_on_done = upstream_on_http;
	uc->uc_call = http_client_post(cl, rq->uq_url, rq->uq_content_type, rq->uq_body,
	    rq->uq_len, &co, uc);
	if (uc->uc_call == NULL) {
		/* Reported from the loop like every other outcome (timer at 0). */
		log_warnx("upstream: cannot send to %s", uc->uc_what);
		uc->uc_why = "the request could not be sent";
	} else {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
	}
	if (evtimer_add(uc->uc_timer, &tv) == -1) {
		http_call_cancel(uc->uc_call);
		event_free(uc->uc_timer);
		free(uc);
		return NULL;
	}
	return uc;
}

void
upstream_cancel(struct upstream_call *uc)
{
	if (uc == NULL)
		return;
	http_call_cancel(uc->uc_call);
	event_free(uc->uc_timer);
	free(uc);
}
