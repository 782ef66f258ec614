/* gateway/http_server: see http_server.h. */
#define _GNU_SOURCE	/* POLLRDHUP */
#include "gateway/http_server.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/listener.h>

#include "common/log.h"

#define HTTP_SERVER_MAX_LISTENERS	16
#define HTTP_STREAM_LOWAT		(256 * 1024)
/* How often a request waiting for its handler is checked for a vanished client. */
#define HTTP_PROBE_MS			200

enum http_req_state {
	HREQ_PENDING,		/* with the handler, not answered */
	HREQ_STREAMING,		/* chunked reply in progress */
	HREQ_SENDING,		/* whole reply queued, waiting for it to be written */
	HREQ_GONE		/* client vanished, waiting for the handler's reply */
};

struct http_req {
	TAILQ_ENTRY(http_req)	 rq_entry;	/* sv_pending, while HREQ_PENDING */
	struct http_server	*rq_srv;
	struct evhttp_request	*rq_er;
	struct evhttp_connection *rq_evcon;
	enum http_req_state	 rq_state;
	int			 rq_probe_gone;
	const char		*rq_path;
	const uint8_t		*rq_body;
	size_t			 rq_body_len;
	char			 rq_peer[INET6_ADDRSTRLEN + 10];
	void			(*rq_cancel)(void *);
	void			*rq_cancel_arg;
	http_pull_fn		 rq_pull;
	void			(*rq_done)(void *, int);
	void			*rq_arg;
	struct evbuffer		*rq_chunk;
	struct event		*rq_wake;
	int			 rq_finishing;	/* the body ended: no more pulls */
};

/* Counts live connections. A connection ends when libevent frees its SSL, which can
 * happen in a finalizer after the server is gone, hence the reference count. */
struct http_track {
	unsigned		 tr_refs;
	unsigned		 tr_live;
	struct http_server	*tr_srv;	/* NULL once the server is freed */
};

struct http_server {
	struct event_base	*sv_base;
	SSL_CTX			*sv_ctx;
	struct evhttp		*sv_http;
	http_handler_fn		 sv_handler;
	void			*sv_arg;
	struct http_server_opts	 sv_opts;
	struct timeval		 sv_rtv, sv_wtv;	/* the timeouts as timevals */
	struct evhttp_bound_socket *sv_socks[HTTP_SERVER_MAX_LISTENERS];
	size_t			 sv_nsocks;
	int			 sv_draining;
	int			 sv_paused;
	unsigned		 sv_inflight;
	unsigned long		 sv_accepted;
	struct http_track	*sv_track;
	TAILQ_HEAD(, http_req)	 sv_pending;
	struct event		*sv_probe;
};

static int http_track_idx = -1;

static void http_req_lost(struct http_req *);

static void
http_ms_to_tv(int ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

static void
http_server_pause(struct http_server *sv, int pause)
{
	struct evconnlistener *l;
	size_t i;

	sv->sv_paused = pause;
	for (i = 0; i < sv->sv_nsocks; i++) {
		l = evhttp_bound_socket_get_listener(sv->sv_socks[i]);
		if (pause)
			evconnlistener_disable(l);
		else
			evconnlistener_enable(l);
	}
}

/* OpenSSL ex_data free hook: runs for every SSL freed in the process. */
static void
http_track_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct http_track *tr = ptr;
	struct http_server *sv;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (tr == NULL)
		return;
	tr->tr_live--;
	sv = tr->tr_srv;
	if (sv != NULL && sv->sv_paused && !sv->sv_draining &&
	    tr->tr_live < sv->sv_opts.hs_max_connections)
		http_server_pause(sv, 0);
	if (--tr->tr_refs == 0)
		free(tr);
}

/* evhttp asks for each accepted connection's bufferevent: a TLS one in accepting state.
 * If that cannot be made, a plain one is returned (evhttp would make one anyway) and
 * http_server_gencb refuses every request arriving on it. */
static struct bufferevent *
http_server_bevcb(struct event_base *base, void *arg)
{
	struct http_server *sv = arg;
	struct bufferevent *bev = NULL;
	SSL *ssl;

	sv->sv_accepted++;
	if ((ssl = SSL_new(sv->sv_ctx)) != NULL) {
		if (SSL_set_ex_data(ssl, http_track_idx, sv->sv_track) == 1) {
			sv->sv_track->tr_refs++;
			sv->sv_track->tr_live++;
		}
		/* On failure libevent may or may not have freed SSL: leak rather than risk
		 * a double free on this out-of-memory path. */
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	}
	if (bev == NULL) {
		log_warnx("http: cannot set up TLS for an accepted connection");
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	bufferevent_set_timeouts(bev, &sv->sv_rtv, &sv->sv_wtv);
	if (!sv->sv_paused && sv->sv_track->tr_live >= sv->sv_opts.hs_max_connections)
		http_server_pause(sv, 1);
	return bev;
}

static void
http_req_free(struct http_req *rq)
{
	if (rq == NULL)
		return;
	if (rq->rq_wake != NULL)
		event_free(rq->rq_wake);
	if (rq->rq_chunk != NULL)
		evbuffer_free(rq->rq_chunk);
	free(rq);
}

/* evhttp closecb: the connection of an unfinished request is being freed. */
static void
http_req_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	http_req_lost(arg);
}

static void
http_req_lost(struct http_req *rq)
{
	struct http_server *sv = rq->rq_srv;
	void (*cancel)(void *) = rq->rq_cancel;

	if (rq->rq_state == HREQ_PENDING)
		TAILQ_REMOVE(&sv->sv_pending, rq, rq_entry);
	sv->sv_inflight--;
	/* A stream cut by the client is detached from its connection by evhttp and left
	 * to us to free; an attached request is freed by evhttp with the connection. */
	if (evhttp_request_get_connection(rq->rq_er) == NULL)
		evhttp_request_free(rq->rq_er);
	rq->rq_er = NULL;
	rq->rq_evcon = NULL;
	switch (rq->rq_state) {
	case HREQ_PENDING:
		rq->rq_state = HREQ_GONE;
		if (cancel != NULL) {
			cancel(rq->rq_cancel_arg);
			http_req_free(rq);
		}
		break;
	case HREQ_STREAMING:
		rq->rq_done(rq->rq_arg, 0);
		http_req_free(rq);
		break;
	case HREQ_SENDING:
	case HREQ_GONE:
		http_req_free(rq);
		break;
	}
}

/* evhttp on_complete: the reply was entirely written. */
static void
http_req_complete(struct evhttp_request *er, void *arg)
{
	struct http_req *rq = arg;

	(void)er;
	/* evhttp may free the connection right after this: it is no longer our business. */
	evhttp_connection_set_closecb(rq->rq_evcon, NULL, NULL);
	/* Waiting for the next request on this connection: silence counts again. */
	bufferevent_set_timeouts(evhttp_connection_get_bufferevent(rq->rq_evcon),
	    &rq->rq_srv->sv_rtv, &rq->rq_srv->sv_wtv);
	rq->rq_srv->sv_inflight--;
	if (rq->rq_state == HREQ_STREAMING)
		rq->rq_done(rq->rq_arg, 1);
	http_req_free(rq);
}

/* evhttp stops reading while a request is with the handler, so a client that goes away
 * goes unnoticed; libevent cannot mix an edge-triggered watch into the connection's
 * events either. A periodic poll(2) for POLLRDHUP on waiting requests finds them. */
static void
http_server_probe(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *sv = arg;
	struct http_req *rq;
	struct pollfd pfd;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(rq, &sv->sv_pending, rq_entry) {
		pfd.fd = bufferevent_getfd(evhttp_connection_get_bufferevent(rq->rq_evcon));
		pfd.events = POLLRDHUP;
		pfd.revents = 0;
		if (pfd.fd >= 0 && poll(&pfd, 1, 0) == 1 &&
		    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0)
			rq->rq_probe_gone = 1;
	}
	/* Cancel callbacks may reply to other requests: rescan after each. */
	for (;;) {
		TAILQ_FOREACH(rq, &sv->sv_pending, rq_entry)
			if (rq->rq_probe_gone)
				break;
		if (rq == NULL)
			break;
		evhttp_connection_free(rq->rq_evcon);	/* -> http_req_lost */
	}
	if (TAILQ_EMPTY(&sv->sv_pending))
		event_del(sv->sv_probe);
}

static void
http_req_set_peer(struct http_req *rq)
{
	char *addr = NULL;
	const char *a;
	ev_uint16_t port = 0;

	evhttp_connection_get_peer(rq->rq_evcon, &addr, &port);
	a = addr != NULL ? addr : "?";
	/* Truncation only shortens a log string. */
	(void)snprintf(rq->rq_peer, sizeof(rq->rq_peer),
	    strchr(a, ':') != NULL ? "[%s]:%u" : "%s:%u", a, (unsigned)port);
}

/* Builds the request wrapper. Returns it, or NULL (out of memory). */
static struct http_req *
http_req_new(struct http_server *sv, struct evhttp_request *er)
{
	struct http_req *rq;
	struct evbuffer *in = evhttp_request_get_input_buffer(er);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(er);

	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return NULL;
	rq->rq_srv = sv;
	rq->rq_er = er;
	rq->rq_evcon = evhttp_request_get_connection(er);
	rq->rq_state = HREQ_PENDING;
	rq->rq_body_len = evbuffer_get_length(in);
	rq->rq_body = (const uint8_t *)"";
	if (rq->rq_body_len > 0 &&
	    (rq->rq_body = evbuffer_pullup(in, -1)) == NULL) {
		free(rq);
		return NULL;
	}
	rq->rq_path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (rq->rq_path == NULL || *rq->rq_path == '\0')
		rq->rq_path = "/";
	http_req_set_peer(rq);
	return rq;
}

static void
http_server_gencb(struct evhttp_request *er, void *arg)
{
	struct http_server *sv = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(er);
	struct timeval tv;
	struct http_req *rq;

	if (bufferevent_openssl_get_ssl(evhttp_connection_get_bufferevent(evcon)) == NULL) {
		evhttp_send_error(er, 403, NULL);
		return;
	}
	if ((rq = http_req_new(sv, er)) == NULL) {
		log_warnx("http: out of memory for a request from a client");
		evhttp_send_error(er, 503, NULL);
		return;
	}
	sv->sv_inflight++;
	TAILQ_INSERT_TAIL(&sv->sv_pending, rq, rq_entry);
	evhttp_connection_set_closecb(evcon, http_req_conn_closed, rq);
	evhttp_request_set_on_complete_cb(er, http_req_complete, rq);
	if (!event_pending(sv->sv_probe, EV_TIMEOUT, NULL)) {
		http_ms_to_tv(HTTP_PROBE_MS, &tv);
		event_add(sv->sv_probe, &tv);
	}
	sv->sv_handler(rq, sv->sv_arg);
}

struct http_server *
http_server_new(struct event_base *base, SSL_CTX *ctx, const struct http_server_opts *opts,
    http_handler_fn handler, void *arg)
{
	struct http_server *sv = NULL, *ret = NULL;
	struct http_server_opts *o;

	if (http_track_idx == -1 && (http_track_idx = SSL_get_ex_new_index(0, NULL, NULL,
	    NULL, http_track_free)) == -1)
		goto done;
	if ((sv = calloc(1, sizeof(*sv))) == NULL ||
	    (sv->sv_track = calloc(1, sizeof(*sv->sv_track))) == NULL)
		goto done;
	sv->sv_track->tr_refs = 1;
	sv->sv_track->tr_srv = sv;
	TAILQ_INIT(&sv->sv_pending);
	sv->sv_base = base;
	sv->sv_handler = handler;
	sv->sv_arg = arg;
	o = &sv->sv_opts;
	if (opts != NULL)
		*o = *opts;
	if (o->hs_max_body == 0)
		o->hs_max_body = 16 * 1024 * 1024;
	if (o->hs_max_headers == 0)
		o->hs_max_headers = 64 * 1024;
	if (o->hs_read_timeout_ms <= 0)
		o->hs_read_timeout_ms = 30000;
	if (o->hs_write_timeout_ms <= 0)
		o->hs_write_timeout_ms = 30000;
	if (o->hs_max_connections == 0)
		o->hs_max_connections = 1024;
	http_ms_to_tv(o->hs_read_timeout_ms, &sv->sv_rtv);
	http_ms_to_tv(o->hs_write_timeout_ms, &sv->sv_wtv);
	if ((sv->sv_probe = event_new(base, -1, EV_PERSIST, http_server_probe, sv)) == NULL ||
	    (sv->sv_http = evhttp_new(base)) == NULL)
		goto done;
	SSL_CTX_up_ref(ctx);
	sv->sv_ctx = ctx;
	evhttp_set_bevcb(sv->sv_http, http_server_bevcb, sv);
	evhttp_set_gencb(sv->sv_http, http_server_gencb, sv);
	evhttp_set_max_body_size(sv->sv_http, (ev_ssize_t)o->hs_max_body);
	evhttp_set_max_headers_size(sv->sv_http, (ev_ssize_t)o->hs_max_headers);
	evhttp_set_allowed_methods(sv->sv_http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_default_content_type(sv->sv_http, NULL);
	/* An oversized body is read and discarded, never stored, so that the client is
	 * reading when the 413 comes instead of getting a reset. */
	(void)evhttp_set_flags(sv->sv_http, EVHTTP_SERVER_LINGERING_CLOSE);
	ret = sv;
	sv = NULL;
done:
	if (ret == NULL)
		log_warnx("http: cannot create the server");
	http_server_free(sv);
	return ret;
}

int
http_server_listen(struct http_server *sv, const char *address, uint16_t port,
    uint16_t *bound_port)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	evutil_socket_t fd;
	int one = 1;

	if (sv->sv_nsocks == HTTP_SERVER_MAX_LISTENERS || sv->sv_draining) {
		log_warnx("http: no more listeners (%s port %u)", address, (unsigned)port);
		return -1;
	}
	if ((bs = evhttp_bind_socket_with_handle(sv->sv_http, address, port)) == NULL) {
		log_warn("http: cannot listen on %s port %u", address, (unsigned)port);
		return -1;
	}
	sv->sv_socks[sv->sv_nsocks++] = bs;
	/* SOAP answers are written in pieces; without TCP_NODELAY the last piece waits for
	 * the client's delayed ACK (~40 ms a request). Linux passes the option from the
	 * listening socket to every accepted one. */
	fd = evhttp_bound_socket_get_fd(bs);
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		log_warn("http: TCP_NODELAY on %s port %u", address, (unsigned)port);
	if (sv->sv_paused)
		evconnlistener_disable(evhttp_bound_socket_get_listener(bs));
	if (bound_port != NULL) {
		memset(&ss, 0, sizeof(ss));
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
			log_warn("http: getsockname");
			return -1;
		}
		if (ss.ss_family == AF_INET6)
			*bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		else
			*bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	return 0;
}

void
http_server_stop_accepting(struct http_server *sv)
{
	size_t i;

	for (i = 0; i < sv->sv_nsocks; i++)
		evhttp_del_accept_socket(sv->sv_http, sv->sv_socks[i]);
	sv->sv_nsocks = 0;
	sv->sv_draining = 1;
}

unsigned
http_server_inflight(const struct http_server *sv)
{
	return sv->sv_inflight;
}

unsigned long
http_server_accepted(const struct http_server *sv)
{
	return sv->sv_accepted;
}

unsigned
http_server_connections(const struct http_server *sv)
{
	return sv->sv_track->tr_live;
}

void
http_server_free(struct http_server *sv)
{
	if (sv == NULL)
		return;
	if (sv->sv_http != NULL)
		evhttp_free(sv->sv_http);	/* aborts open requests: http_req_lost */
	if (sv->sv_probe != NULL)
		event_free(sv->sv_probe);
	if (sv->sv_track != NULL) {
		sv->sv_track->tr_srv = NULL;
		if (--sv->sv_track->tr_refs == 0)
			free(sv->sv_track);
	}
	SSL_CTX_free(sv->sv_ctx);
	free(sv);
}

const char *
http_req_method(const struct http_req *rq)
{
	switch (evhttp_request_get_command(rq->rq_er)) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	default:
		return "OTHER";
	}
}

const char *
http_req_path(const struct http_req *rq)
{
	return rq->rq_path;
}

const char *
http_req_header(const struct http_req *rq, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(rq->rq_er), name);
}

const uint8_t *
http_req_body(const struct http_req *rq, size_t *lenp)
{
	*lenp = rq->rq_body_len;
	return rq->rq_body;
}

SSL *
http_req_ssl(const struct http_req *rq)
{
	if (rq->rq_evcon == NULL)
		return NULL;
	return bufferevent_openssl_get_ssl(evhttp_connection_get_bufferevent(rq->rq_evcon));
}

const char *
http_req_peer(const struct http_req *rq)
{
	return rq->rq_peer;
}

int
http_req_local_addr(const struct http_req *rq, struct sockaddr_storage *ss)
{
	struct bufferevent *bev;
	socklen_t sl = sizeof(*ss);
	evutil_socket_t fd;

	if (rq->rq_evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(rq->rq_evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) < 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	return getsockname(fd, (struct sockaddr *)ss, &sl) == 0 ? 0 : -1;
}

void
http_req_set_cancel(struct http_req *rq, void (*cb)(void *), void *arg)
{
	rq->rq_cancel = cb;
	rq->rq_cancel_arg = arg;
}

int
http_req_add_header(struct http_req *rq, const char *name, const char *value)
{
	if (rq->rq_er == NULL)
		return -1;
	return evhttp_add_header(evhttp_request_get_output_headers(rq->rq_er), name, value);
}

/* Common start of a reply. Returns 0, or -1 when the client is gone (REQ freed). */
static int
http_reply_begin(struct http_req *rq, const char *content_type)
{
	struct evkeyvalq *hdr;

	if (rq->rq_state == HREQ_GONE) {
		http_req_free(rq);
		return -1;
	}
	hdr = evhttp_request_get_output_headers(rq->rq_er);
	TAILQ_REMOVE(&rq->rq_srv->sv_pending, rq, rq_entry);
	rq->rq_state = HREQ_SENDING;
	/* evhttp reads while it writes, to see the client leave; the client owes us
	 * nothing meanwhile, so only a stalled write may time out. */
	bufferevent_set_timeouts(evhttp_connection_get_bufferevent(rq->rq_evcon), NULL,
	    &rq->rq_srv->sv_wtv);
	if (content_type != NULL &&
	    evhttp_add_header(hdr, "Content-Type", content_type) == -1)
		log_warnx("http: bad reply content type dropped");
	if (rq->rq_srv->sv_draining)
		(void)evhttp_add_header(hdr, "Connection", "close");
	return 0;
}

int
http_reply(struct http_req *rq, int status, const char *content_type, const uint8_t *body,
    size_t len)
{
	struct evbuffer *out;

	if (http_reply_begin(rq, content_type) == -1)
		return -1;
	out = evhttp_request_get_output_buffer(rq->rq_er);
	if (len > 0 && evbuffer_add(out, body, len) == -1) {
		log_warnx("http: out of memory for a %zu byte reply", len);
		evhttp_connection_free(rq->rq_evcon);	/* -> http_req_lost */
		return -1;
	}
	evhttp_send_reply(rq->rq_er, status, NULL, NULL);
	return 0;
}

static void
http_stream_finish(struct http_req *rq)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(rq->rq_evcon);

	/* evhttp's end-of-reply callback must run only once everything is written. */
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	rq->rq_finishing = 1;
	/* When the pump ran from a wake, a write callback of an earlier chunk may still be
	 * due: evhttp would take it for the end of the reply with bytes still queued and then
	 * stop writing. So the reply ends from http_stream_more once the output is empty. */
	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	evhttp_send_reply_end(rq->rq_er);	/* -> http_req_complete, maybe at once */
}

static void http_stream_more(struct evhttp_connection *, void *);

/* Pulls until the connection has a low-water mark's worth queued, the producer has
 * nothing for now, or the body ends. */
static void
http_stream_pump(struct http_req *rq)
{
	struct evbuffer *out;
	size_t n;
	int r;

	if (rq->rq_state != HREQ_STREAMING || rq->rq_evcon == NULL || rq->rq_finishing)
		return;
	out = bufferevent_get_output(evhttp_connection_get_bufferevent(rq->rq_evcon));
	while (evbuffer_get_length(out) < HTTP_STREAM_LOWAT) {
		r = rq->rq_pull(rq->rq_arg, rq->rq_chunk);
		if (r < 0) {
			/* Without the last chunk the client knows the reply is cut short. */
			evhttp_connection_free(rq->rq_evcon);	/* -> http_req_lost */
			return;
		}
		/* Moves the data out of rq_chunk; the callback runs once the output has
		 * drained to the low-water mark. */
		if ((n = evbuffer_get_length(rq->rq_chunk)) > 0)
			evhttp_send_reply_chunk_with_cb(rq->rq_er, rq->rq_chunk,
			    http_stream_more, rq);
		if (r > 0) {
			http_stream_finish(rq);
			return;
		}
		if (n == 0)
			return;	/* nothing yet: the write callback or a wake pulls again */
	}
}

static void
http_stream_more(struct evhttp_connection *evcon, void *arg)
{
	struct http_req *rq = arg;

	if (rq->rq_finishing) {
		if (evbuffer_get_length(bufferevent_get_output(
		    evhttp_connection_get_bufferevent(evcon))) == 0)
			evhttp_send_reply_end(rq->rq_er);	/* -> http_req_complete */
		return;
	}
	http_stream_pump(rq);
}

static void
http_stream_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	http_stream_pump(arg);
}

/* Returns 0 if a reply to RQ with STATUS can have a chunked body, else the status to
 * send instead: 505 for an HTTP/1.0 client, 500 for a status without a body. */
static int
http_req_cannot_chunk(const struct http_req *rq, int status)
{
	if (status < 200 || status == 204 || status == 304)
		return 500;
	return rq->rq_er->major == 1 && rq->rq_er->minor >= 1 ? 0 : 505;
}

int
http_reply_stream(struct http_req *rq, int status, const char *content_type,
    http_pull_fn pull, void (*done)(void *, int), void *arg)
{
	struct bufferevent *bev;
	int instead;

	if (rq->rq_state != HREQ_GONE && (instead = http_req_cannot_chunk(rq, status)) != 0) {
		log_warnx("http: cannot stream status %d to %s", status, rq->rq_peer);
		(void)http_reply(rq, instead, NULL, NULL, 0);
		return -1;
	}
	if (http_reply_begin(rq, content_type) == -1)
		return -1;
	if ((rq->rq_chunk = evbuffer_new()) == NULL ||
	    (rq->rq_wake = event_new(rq->rq_srv->sv_base, -1, 0, http_stream_wake_cb,
	    rq)) == NULL) {
		log_warnx("http: out of memory for a stream to %s", rq->rq_peer);
		evhttp_connection_free(rq->rq_evcon);	/* -> http_req_lost frees RQ */
		return -1;
	}
	rq->rq_state = HREQ_STREAMING;
	rq->rq_pull = pull;
	rq->rq_done = done;
	rq->rq_arg = arg;
	bev = evhttp_connection_get_bufferevent(rq->rq_evcon);
	/* The write callback (http_stream_more) then runs whenever the queued output has
	 * drained to the low-water mark, not only when it is empty. */
	bufferevent_setwatermark(bev, EV_WRITE, HTTP_STREAM_LOWAT, 0);
	evhttp_send_reply_start(rq->rq_er, status, NULL);
	event_active(rq->rq_wake, EV_TIMEOUT, 0);
	return 0;
}

void
http_stream_wake(struct http_req *rq)
{
	if (rq->rq_state == HREQ_STREAMING && rq->rq_wake != NULL)
		event_active(rq->rq_wake, EV_TIMEOUT, 0);
}

size_t
http_req_out_pending(const struct http_req *rq)
{
	if (rq->rq_evcon == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(
	    evhttp_connection_get_bufferevent(rq->rq_evcon)));
}
