/*
 * gateway/scn_http: see scn_http.h. The gateway's own HTTP client (gateway/http_client)
 * on an event base of the call's own: the runner is sequential, one request per step,
 * and measures what a local system would see.
 */
#include "gateway/scn_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include <event2/event.h>

#include "common/str.h"
#include "crypto/tls.h"
#include "gateway/http_client.h"

struct scn_http_call {
	struct event_base	*sc_base;
	struct scn_http_reply	*sc_r;
	int			 sc_done;
};

static void
scn_http_done(void *arg, const struct http_result *res)
{
	struct scn_http_call *c = arg;
	struct scn_http_reply *r = c->sc_r;

	c->sc_done = 1;
	r->sr_ms = res->hr_elapsed_ms;
	if (res->hr_error != HTTP_OK) {
		snprintf(r->sr_err, sizeof(r->sr_err), "%s: %s", http_err_str(res->hr_error),
		    res->hr_detail);
		event_base_loopbreak(c->sc_base);
		return;
	}
	r->sr_status = res->hr_status;
	if ((res->hr_content_type != NULL &&
	    (r->sr_content_type = str_dup(res->hr_content_type)) == NULL) ||
	    (res->hr_header != NULL && (r->sr_timing = str_dup(res->hr_header)) == NULL) ||
	    (r->sr_body = malloc(res->hr_len + 1)) == NULL)
		snprintf(r->sr_err, sizeof(r->sr_err), "out of memory");
	else {
		if (res->hr_len > 0)
			memcpy(r->sr_body, res->hr_body, res->hr_len);
		r->sr_body[res->hr_len] = '\0';
		r->sr_len = res->hr_len;
	}
	event_base_loopbreak(c->sc_base);
}

static void
scn_http_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct scn_http_call *c = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(c->sc_base);
}

int
scn_http_post(const char *url, const char *cert, const char *key, const char *ca,
    const char *content_type, const uint8_t *body, size_t len, int timeout_ms,
    struct scn_http_reply *r)
{
	struct http_call_opts co = { .co_on_done = scn_http_done, .co_header = "Server-Timing" };
	struct http_client_opts o = { .hc_read_timeout_ms = timeout_ms,
		.hc_max_body = 256 * 1024 * 1024 };
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct scn_http_call c = { 0 };
	struct http_client *cl = NULL;
	struct http_call *call;
	struct event *timer = NULL;
	SSL_CTX *ctx = NULL;

	memset(r, 0, sizeof(*r));
	c.sc_r = r;
	if ((c.sc_base = event_base_new()) == NULL ||
	    (ctx = tls_client_ctx_new(cert, key, ca, 0)) == NULL ||
	    (cl = http_client_new(c.sc_base, ctx, &o)) == NULL ||
	    (timer = evtimer_new(c.sc_base, scn_http_deadline, &c)) == NULL) {
		snprintf(r->sr_err, sizeof(r->sr_err), "cannot set up the client (%s)",
		    ctx == NULL ? "certificate, key or CA unusable" : "out of memory");
		goto done;
	}
	if ((call = http_client_post(cl, url, content_type, body, len, &co, &c)) == NULL) {
		snprintf(r->sr_err, sizeof(r->sr_err), "cannot send to %s", url);
		goto done;
	}
	evtimer_add(timer, &tv);
	event_base_dispatch(c.sc_base);
	if (!c.sc_done) {
		http_call_cancel(call);
		snprintf(r->sr_err, sizeof(r->sr_err), "no answer within %d ms", timeout_ms);
		r->sr_ms = timeout_ms;
	}
done:
	if (timer != NULL)
		event_free(timer);
	http_client_free(cl);
	SSL_CTX_free(ctx);
	if (c.sc_base != NULL)
		event_base_free(c.sc_base);
	return r->sr_err[0] == '\0' ? 0 : -1;
}

void
scn_http_reply_reset(struct scn_http_reply *r)
{
	free(r->sr_content_type);
	free(r->sr_body);
	free(r->sr_timing);
	memset(r, 0, sizeof(*r));
}

/* Reads one entry starting at *SP into T; moves *SP past it (and its comma). Returns 1
 * when the entry has the gateway's shape, 0 to skip it. */
static int
scn_timing_one(const char **sp, struct scn_timing *t)
{
	const char *s = *sp, *dot, *semi, *end, *p, *q;
	int ok = 0;

	/* the entry ends at the first comma outside a quoted desc */
	for (end = s, q = NULL; *end != '\0' && (q != NULL || *end != ','); end++)
		if (*end == '"')
			q = q == NULL ? end : NULL;
	*sp = *end == ',' ? end + 1 : end;
	while (*s == ' ')
		s++;
	memset(t, 0, sizeof(*t));
	if ((semi = memchr(s, ';', (size_t)(end - s))) == NULL ||
	    (dot = memchr(s, '.', (size_t)(semi - s))) == NULL ||
	    (size_t)(dot - s) >= sizeof(t->st_txn) ||
	    (size_t)(semi - dot - 1) >= sizeof(t->st_peer))
		return 0;
	memcpy(t->st_txn, s, (size_t)(dot - s));
	memcpy(t->st_peer, dot + 1, (size_t)(semi - dot - 1));
	for (p = semi; p != NULL && p < end; p = memchr(p + 1, ';', (size_t)(end - p - 1))) {
		if (strncmp(p, ";dur=", 5) == 0) {
			t->st_ms = strtol(p + 5, NULL, 10);
			ok = 1;
		} else if (strncmp(p, ";desc=\"", 7) == 0 &&
		    (q = memchr(p + 7, '"', (size_t)(end - p - 7))) != NULL) {
			if ((size_t)(q - p - 7) < sizeof(t->st_desc))
				memcpy(t->st_desc, p + 7, (size_t)(q - p - 7));
			p = q;	/* a ';' inside the quotes is text */
		}
	}
	return ok;
}

size_t
scn_timing_parse(const char *header, struct scn_timing *out, size_t max)
{
	const char *s = header;
	size_t n = 0;

	while (s != NULL && *s != '\0' && n < max)
		if (scn_timing_one(&s, &out[n]))
			n++;
	return n;
}
