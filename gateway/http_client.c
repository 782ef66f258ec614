/*
 * gateway/http_client: see http_client.h. Calls and their life cycle, URL checks, the
 * request text; the response parser is in http_parse.c, connections in http_pool.c.
 */
#include "gateway/http_client_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/str.h"

static const char *const http_err_names[] = {
	[HTTP_OK] = "ok",
	[HTTP_ERR_CONNECT] = "connect",
	[HTTP_ERR_TLS] = "tls",
	[HTTP_ERR_TIMEOUT] = "timeout",
	[HTTP_ERR_PROTOCOL] = "protocol",
	[HTTP_ERR_PEER_IDENTITY] = "peer identity",
	[HTTP_ERR_INTERNAL] = "internal",
};

const char *
http_err_str(enum http_err err)
{
	if ((unsigned)err >= sizeof(http_err_names) / sizeof(http_err_names[0]))
		return "unknown";
	return http_err_names[err];
}

struct http_client *
http_client_new(struct event_base *base, SSL_CTX *ctx, const struct http_client_opts *opts)
{
	struct http_client *cl;
	struct http_client_opts *o;

	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		log_warnx("http: cannot create the client");
		return NULL;
	}
	cl->cl_base = base;
	SSL_CTX_up_ref(ctx);
	cl->cl_ctx = ctx;
	TAILQ_INIT(&cl->cl_hosts);
	o = &cl->cl_opts;
	if (opts != NULL)
		*o = *opts;
	if (o->hc_connect_timeout_ms <= 0)
		o->hc_connect_timeout_ms = 10000;
	if (o->hc_read_timeout_ms <= 0)
		o->hc_read_timeout_ms = 60000;
	if (o->hc_idle_timeout_ms <= 0)
		o->hc_idle_timeout_ms = 15000;
	if (o->hc_pool_size == 0)
		o->hc_pool_size = 4;
	if (o->hc_max_body == 0)
		o->hc_max_body = 64 * 1024 * 1024;
	return cl;
}

static void
http_call_free(struct http_call *call)
{
	if (call->ca_kick != NULL)
		event_free(call->ca_kick);
	if (call->ca_req != NULL)
		evbuffer_free(call->ca_req);
	if (call->ca_body != NULL)
		evbuffer_free(call->ca_body);
	free(call->ca_ctype);
	free(call->ca_want);
	free(call->ca_wanted);
	free(call);
}

void
http_client_free(struct http_client *cl)
{
	struct http_host *ho;
	struct http_conn *conn;
	struct http_call *call;

	if (cl == NULL)
		return;
	while ((ho = TAILQ_FIRST(&cl->cl_hosts)) != NULL) {
		while ((call = TAILQ_FIRST(&ho->ho_queue)) != NULL) {
			TAILQ_REMOVE(&ho->ho_queue, call, ca_entry);
			http_call_free(call);
		}
		TAILQ_FOREACH(conn, &ho->ho_conns, cn_entry) {
			if (conn->cn_call != NULL)
				http_call_free(conn->cn_call);
			conn->cn_call = NULL;
		}
		http_pool_host_free(ho);
	}
	SSL_CTX_free(cl->cl_ctx);
	free(cl);
}

unsigned
http_client_connections(const struct http_client *cl)
{
	return cl->cl_nconns;
}

struct event_base *
http_client_base(const struct http_client *cl)
{
	return cl->cl_base;
}

int
http_is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (strchr("!#$%&'*+-.^_`|~", *s) == NULL &&
		    !((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

/* Returns 1 if S may be a header value or request target: no control characters
 * (SPACE allowed only when SPACE_OK), else 0. */
static int
http_is_clean(const char *s, int space_ok)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || (*s == ' ' && !space_ok))
			return 0;
	return 1;
}

/* Splits URL into a malloc'd host (brackets removed), a port, and the Host header value
 * and request target (malloc'd). Returns 0, or -1 if URL is not a usable https URL. */
static int
http_url_parse(const char *url, char **hostp, uint16_t *portp, char **authp,
    char **targetp)
{
	const char *auth, *end, *hs, *he, *p;
	unsigned char a6[16];
	long long port = 443;
	char *tmp = NULL;

	*hostp = *authp = *targetp = NULL;
	if (strncasecmp(url, "https://", 8) != 0 || !http_is_clean(url, 0))
		return -1;
	auth = url + 8;
	end = auth + strcspn(auth, "/?#");
	if (*auth == '[') {
		hs = auth + 1;
		if ((he = memchr(hs, ']', (size_t)(end - hs))) == NULL)
			return -1;
		p = he + 1;
	} else {
		hs = auth;
		he = p = auth + strcspn(auth, ":/?#");
	}
	if (p != end) {
		if (*p != ':' || p + 1 == end || (tmp = str_ndup(p + 1,
		    (size_t)(end - p - 1))) == NULL || str_to_ll(tmp, 1, 65535, &port) == -1 ||
		    strspn(tmp, "0123456789") != strlen(tmp)) {
			free(tmp);
			return -1;
		}
		free(tmp);
	}
	if (he == hs || he - hs > 253 || (*hostp = str_ndup(hs, (size_t)(he - hs))) == NULL)
		return -1;
	if (*auth == '[' ? inet_pton(AF_INET6, *hostp, a6) != 1 :
	    strspn(*hostp, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") != strlen(*hostp))
		goto bad;
	*portp = (uint16_t)port;
	if ((*authp = str_ndup(auth, (size_t)(end - auth))) == NULL)
		goto bad;
	p = end + strcspn(end, "#");
	if ((tmp = str_ndup(end, (size_t)(p - end))) == NULL)
		goto bad;
	if (*tmp == '/') {
		*targetp = tmp;
	} else {
		*targetp = malloc(strlen(tmp) + 2);
		if (*targetp != NULL)
			(void)snprintf(*targetp, strlen(tmp) + 2, "/%s", tmp);
		free(tmp);
		if (*targetp == NULL)
			goto bad;
	}
	return 0;
bad:
	free(*hostp);
	free(*authp);
	*hostp = *authp = NULL;
	return -1;
}

/* Writes the request head and BODY into CALL's request buffer. Returns 0 or -1. */
static int
http_call_request(struct http_call *call, const char *auth, const char *target,
    const char *content_type, const uint8_t *body, size_t len)
{
	const char *const *h;
	struct evbuffer *b = call->ca_req;

	if (evbuffer_add_printf(b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %zu\r\n",
	    target, auth, len) < 0)
		return -1;
	if (content_type != NULL && (!http_is_clean(content_type, 1) ||
	    evbuffer_add_printf(b, "Content-Type: %s\r\n", content_type) < 0))
		return -1;
	for (h = call->ca_co.co_headers; h != NULL && h[0] != NULL; h += 2) {
		if (h[1] == NULL || !http_is_token(h[0]) || !http_is_clean(h[1], 1) ||
		    evbuffer_add_printf(b, "%s: %s\r\n", h[0], h[1]) < 0)
			return -1;
	}
	call->ca_co.co_headers = NULL;	/* borrowed only until now */
	if (evbuffer_add(b, "\r\n", 2) == -1 || (len > 0 && evbuffer_add(b, body, len) == -1))
		return -1;
	return 0;
}

static void http_call_kick(evutil_socket_t, short, void *);

struct http_call *
http_client_post(struct http_client *cl, const char *url, const char *content_type,
    const uint8_t *body, size_t len, const struct http_call_opts *co, void *arg)
{
	struct http_call *call = NULL;
	char *host = NULL, *auth = NULL, *target = NULL;
	uint16_t port = 0;

	if (co == NULL || co->co_on_done == NULL)
		return NULL;
	if (http_url_parse(url, &host, &port, &auth, &target) == -1) {
		log_warnx("http: bad URL %s", url);
		goto fail;
	}
	if ((call = calloc(1, sizeof(*call))) == NULL)
		goto fail;
	call->ca_client = cl;
	call->ca_co = *co;
	call->ca_co.co_source = NULL;	/* the host keeps its copy */
	call->ca_co.co_header = NULL;	/* ca_want is the copy */
	if (co->co_header != NULL && (call->ca_want = str_dup(co->co_header)) == NULL)
		goto fail;
	call->ca_arg = arg;
	(void)clock_gettime(CLOCK_MONOTONIC, &call->ca_start);
	if ((call->ca_req = evbuffer_new()) == NULL ||
	    (call->ca_kick = event_new(cl->cl_base, -1, 0, http_call_kick, call)) == NULL ||
	    (co->co_on_data == NULL && (call->ca_body = evbuffer_new()) == NULL))
		goto fail;
	if (http_call_request(call, auth, target, content_type, body, len) == -1) {
		log_warnx("http: cannot build the request to %s", url);
		goto fail;
	}
	if ((call->ca_host = http_pool_host(cl, host, port, co->co_source)) == NULL)
		goto fail;
	free(host);
	free(auth);
	free(target);
	call->ca_queued = 1;
	TAILQ_INSERT_TAIL(&call->ca_host->ho_queue, call, ca_entry);
	http_pool_dispatch(call->ca_host);
	return call;
fail:
	free(host);
	free(auth);
	free(target);
	if (call != NULL)
		http_call_free(call);
	return NULL;
}

void
http_call_destroy(struct http_call *call)
{
	struct http_conn *conn = call->ca_conn;

	if (call->ca_queued)
		TAILQ_REMOVE(&call->ca_host->ho_queue, call, ca_entry);
	if (conn != NULL) {
		call->ca_conn = NULL;
		http_pool_release(conn, 0);
	}
	http_call_free(call);
}

void
http_call_cancel(struct http_call *call)
{
	if (call == NULL)
		return;
	if (call->ca_in_cb) {
		call->ca_cancelled = 1;	/* acted on when the callback returns */
		return;
	}
	http_call_destroy(call);
}

int
http_call_cb_end(struct http_call *call)
{
	call->ca_in_cb--;
	if (!call->ca_cancelled)
		return 0;
	http_call_destroy(call);
	return 1;
}

void
http_call_pause(struct http_call *call, int paused)
{
	call->ca_paused = paused != 0;
	if (call->ca_conn == NULL)
		return;
	http_pool_pause(call->ca_conn, call->ca_paused);
	if (!call->ca_paused && call->ca_conn->cn_state == HCONN_ACTIVE)
		event_active(call->ca_kick, EV_TIMEOUT, 0);	/* buffered input */
}

static void
http_call_kick(evutil_socket_t fd, short what, void *arg)
{
	struct http_call *call = arg;

	(void)fd;
	(void)what;
	if (call->ca_pending_err != HTTP_OK) {
		http_call_finish(call, call->ca_pending_err, call->ca_detail);
		return;
	}
	if (call->ca_conn == NULL)
		return;
	if (call->ca_conn->cn_state == HCONN_READY)
		http_pool_start(call);
	else if (call->ca_conn->cn_state == HCONN_ACTIVE)
		http_pool_process(call->ca_conn);
}

void
http_call_finish(struct http_call *call, enum http_err err, const char *detail)
{
	struct http_conn *conn = call->ca_conn;
	struct http_result r;
	struct timespec now;

	if (detail != call->ca_detailbuf)
		(void)snprintf(call->ca_detailbuf, sizeof(call->ca_detailbuf), "%s",
		    detail != NULL ? detail : http_err_str(err));
	if (call->ca_queued) {
		TAILQ_REMOVE(&call->ca_host->ho_queue, call, ca_entry);
		call->ca_queued = 0;
	}
	if (conn != NULL) {
		call->ca_conn = NULL;
		http_pool_release(conn, err == HTTP_OK && !call->ca_close);
	}
	memset(&r, 0, sizeof(r));
	r.hr_error = err;
	r.hr_status = call->ca_status;
	r.hr_content_type = call->ca_ctype;
	r.hr_header = call->ca_wanted;
	r.hr_len = call->ca_body_len;
	if (err == HTTP_OK && call->ca_body != NULL) {
		r.hr_body = (const uint8_t *)"";
		if (r.hr_len > 0 && (r.hr_body = evbuffer_pullup(call->ca_body, -1)) == NULL) {
			r.hr_error = HTTP_ERR_INTERNAL;
			(void)str_copy(call->ca_detailbuf, sizeof(call->ca_detailbuf),
			    "out of memory");
		}
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	r.hr_elapsed_ms = (long)(now.tv_sec - call->ca_start.tv_sec) * 1000 +
	    (now.tv_nsec - call->ca_start.tv_nsec) / 1000000;
	r.hr_detail = call->ca_detailbuf;
	call->ca_in_cb++;	/* a cancel from on_done does nothing */
	call->ca_co.co_on_done(call->ca_arg, &r);
	http_call_free(call);
}
