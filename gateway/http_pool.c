/*
 * gateway/http_pool: the client's connections (see http_client_int.h): TCP connect, TLS
 * handshake, the keep-alive pool per host:port and the bufferevent callbacks that drive a
 * call. The TCP connect is done here rather than by libevent so that "could not connect"
 * and "TLS failed" stay distinct errors.
 */
#define _GNU_SOURCE	/* POLLRDHUP */
#include "gateway/http_client_int.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/str.h"
#include "crypto/tls.h"

static void http_conn_connect_cb(evutil_socket_t, short, void *);

static void
http_pool_tv(int ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

struct http_host *
http_pool_host(struct http_client *cl, const char *name, uint16_t port, const char *source)
{
	struct http_host *ho;

	TAILQ_FOREACH(ho, &cl->cl_hosts, ho_entry)
		if (ho->ho_port == port && strcmp(ho->ho_name, name) == 0 &&
		    (ho->ho_source == NULL ? source == NULL :
		    source != NULL && strcmp(ho->ho_source, source) == 0))
			return ho;
	if ((ho = calloc(1, sizeof(*ho))) == NULL)
		return NULL;
	if ((ho->ho_name = str_dup(name)) == NULL ||
	    (source != NULL && (ho->ho_source = str_dup(source)) == NULL)) {
		free(ho->ho_name);
		free(ho);
		return NULL;
	}
	ho->ho_client = cl;
	ho->ho_port = port;
	TAILQ_INIT(&ho->ho_conns);
	TAILQ_INIT(&ho->ho_queue);
	TAILQ_INSERT_TAIL(&cl->cl_hosts, ho, ho_entry);
	return ho;
}

/* Closes CONN (detached from any call) and forgets it. */
static void
http_conn_close(struct http_conn *conn)
{
	struct http_host *ho = conn->cn_host;

	TAILQ_REMOVE(&ho->ho_conns, conn, cn_entry);
	ho->ho_nconns--;
	ho->ho_client->cl_nconns--;
	if (conn->cn_connev != NULL)
		event_free(conn->cn_connev);
	if (conn->cn_timer != NULL)
		event_free(conn->cn_timer);
	if (conn->cn_bev != NULL)
		bufferevent_free(conn->cn_bev);
	if (conn->cn_fd != -1)
		close(conn->cn_fd);
	if (conn->cn_ai != NULL)
		evutil_freeaddrinfo(conn->cn_ai);
	free(conn);
}

void
http_pool_host_free(struct http_host *ho)
{
	struct http_conn *conn;

	while ((conn = TAILQ_FIRST(&ho->ho_conns)) != NULL)
		http_conn_close(conn);
	TAILQ_REMOVE(&ho->ho_client->cl_hosts, ho, ho_entry);
	free(ho->ho_name);
	free(ho->ho_source);
	free(ho);
}

/* Fails CONN's call with ERR (the connection is closed by http_call_finish). */
static void
http_conn_fail(struct http_conn *conn, enum http_err err, const char *detail)
{
	if (conn->cn_call != NULL)
		http_call_finish(conn->cn_call, err, detail);
	else
		http_conn_close(conn);
}

/* A pooled connection that went bad before its call started: the call goes back to the
 * head of the queue, as nothing was sent. */
static void
http_conn_drop(struct http_conn *conn)
{
	struct http_host *ho = conn->cn_host;
	struct http_call *call = conn->cn_call;

	if (call != NULL) {
		call->ca_conn = NULL;
		call->ca_queued = 1;
		TAILQ_INSERT_HEAD(&ho->ho_queue, call, ca_entry);
	}
	conn->cn_call = NULL;
	http_conn_close(conn);
	http_pool_dispatch(ho);
}

/* Binds FD (of FAMILY) to the host's source address, if it has one: the purpose's inner
 * address, so that the connection matches that purpose's CHILD_SA traffic selector and
 * the peer sees which tunnel it came through. Returns 0, or -1 with errno set (an address
 * of the other family is EAFNOSUPPORT: that peer address cannot be used). */
static int
http_conn_bind(const struct http_conn *conn, evutil_socket_t fd, int family)
{
	const char *src = conn->cn_host->ho_source;
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	int one = 1;

	if (src == NULL)
		return 0;
	/* the port is chosen at connect, per destination, not reserved at bind: otherwise
	 * every connection from the inner address would take a port of its own range */
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (family == AF_INET && inet_pton(AF_INET, src, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	}
	if (family == AF_INET6 && inet_pton(AF_INET6, src, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		return bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	}
	errno = EAFNOSUPPORT;
	return -1;
}

/* Starts a non-blocking connect to the next address. Failures found now are reported
 * from the event loop (an activated event), never from the caller's stack. */
static int
http_conn_try(struct http_conn *conn)
{
	struct event_base *base = conn->cn_host->ho_client->cl_base;
	struct evutil_addrinfo *ai;
	evutil_socket_t fd;
	int one = 1;

	if (conn->cn_connev != NULL) {
		event_free(conn->cn_connev);
		conn->cn_connev = NULL;
	}
	for (; (ai = conn->cn_ai_cur) != NULL; conn->cn_ai_cur = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd == -1) {
			conn->cn_err = errno;
			continue;
		}
		/* Requests are written in pieces: don't let Nagle hold the last one back. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (http_conn_bind(conn, fd, ai->ai_family) == -1) {
			conn->cn_err = errno;
			close(fd);
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
			conn->cn_fd = fd;
			if ((conn->cn_connev = event_new(base, fd, EV_WRITE,
			    http_conn_connect_cb, conn)) == NULL)
				return -1;
			return event_add(conn->cn_connev, NULL);
		}
		conn->cn_err = errno;
		close(fd);
	}
	if ((conn->cn_connev = event_new(base, -1, 0, http_conn_connect_cb, conn)) == NULL)
		return -1;
	event_active(conn->cn_connev, EV_WRITE, 0);
	return 0;
}

static void
http_conn_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	http_conn_fail(arg, HTTP_ERR_TIMEOUT, "connect timeout (TCP and TLS)");
}

/* Returns a new connection to HO, connecting, or NULL (out of memory). */
static struct http_conn *
http_conn_new(struct http_host *ho)
{
	struct http_client *cl = ho->ho_client;
	struct evutil_addrinfo hints;
	struct http_conn *conn;
	struct timeval tv;
	char port[8];

	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		return NULL;
	conn->cn_fd = -1;
	conn->cn_host = ho;
	conn->cn_state = HCONN_CONNECTING;
	TAILQ_INSERT_TAIL(&ho->ho_conns, conn, cn_entry);
	ho->ho_nconns++;
	cl->cl_nconns++;
	if ((conn->cn_timer = evtimer_new(cl->cl_base, http_conn_timeout_cb, conn)) == NULL)
		goto fail;
	http_pool_tv(cl->cl_opts.hc_connect_timeout_ms, &tv);
	evtimer_add(conn->cn_timer, &tv);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	(void)snprintf(port, sizeof(port), "%u", (unsigned)ho->ho_port);
	if (evutil_getaddrinfo(ho->ho_name, port, &hints, &conn->cn_ai) != 0) {
		conn->cn_ai = NULL;
		conn->cn_err = -1;	/* name did not resolve */
	}
	conn->cn_ai_cur = conn->cn_ai;
	if (http_conn_try(conn) == -1)
		goto fail;
	return conn;
fail:
	http_conn_close(conn);
	return NULL;
}

static int
http_is_ip_literal(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

static void http_conn_read_cb(struct bufferevent *, void *);
static void http_conn_write_cb(struct bufferevent *, void *);
static void http_conn_event_cb(struct bufferevent *, short, void *);

/* TCP is up: starts the TLS handshake on a bufferevent that now owns the socket. */
static void
http_conn_start_tls(struct http_conn *conn)
{
	struct http_client *cl = conn->cn_host->ho_client;
	const char *name = conn->cn_host->ho_name;
	SSL *ssl;

	if ((ssl = SSL_new(cl->cl_ctx)) == NULL)
		goto fail;
	if (cl->cl_opts.hc_verify_host ? tls_client_expect_host(ssl, name) == -1 :
	    !http_is_ip_literal(name) && SSL_set_tlsext_host_name(ssl, name) != 1) {
		SSL_free(ssl);
		goto fail;
	}
	/* On failure libevent may or may not have freed SSL and the socket: leak rather
	 * than risk a double free on this out-of-memory path. */
	conn->cn_bev = bufferevent_openssl_socket_new(cl->cl_base, conn->cn_fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	conn->cn_fd = -1;
	if (conn->cn_bev == NULL)
		goto fail;
	/* An EOF without close_notify is an error, so a cut body is never taken whole. */
	bufferevent_openssl_set_allow_dirty_shutdown(conn->cn_bev, 0);
	bufferevent_setcb(conn->cn_bev, http_conn_read_cb, http_conn_write_cb,
	    http_conn_event_cb, conn);
	bufferevent_enable(conn->cn_bev, EV_READ | EV_WRITE);
	conn->cn_state = HCONN_HANDSHAKE;
	return;
fail:
	ERR_clear_error();
	http_conn_fail(conn, HTTP_ERR_INTERNAL, "cannot set up TLS");
}

static void
http_conn_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *conn = arg;
	char detail[128];
	socklen_t sl = sizeof(int);
	int err = 0;

	(void)what;
	if (fd == -1) {
		if (conn->cn_err == -1)
			(void)snprintf(detail, sizeof(detail), "cannot resolve %s",
			    conn->cn_host->ho_name);
		else
			(void)snprintf(detail, sizeof(detail), "connect: %s",
			    strerror(conn->cn_err));
		http_conn_fail(conn, HTTP_ERR_CONNECT, detail);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		err = errno;
	if (err != 0) {
		close(conn->cn_fd);
		conn->cn_fd = -1;
		conn->cn_err = err;
		conn->cn_ai_cur = conn->cn_ai_cur->ai_next;
		if (http_conn_try(conn) == -1)
			http_conn_fail(conn, HTTP_ERR_INTERNAL, "out of memory");
		return;
	}
	event_free(conn->cn_connev);
	conn->cn_connev = NULL;
	http_conn_start_tls(conn);
}

/* Returns an idle connection of HO that still looks usable, closing any that does not. */
static struct http_conn *
http_pool_idle(struct http_host *ho)
{
	struct http_conn *conn, *next;
	struct pollfd pfd;

	for (conn = TAILQ_FIRST(&ho->ho_conns); conn != NULL; conn = next) {
		next = TAILQ_NEXT(conn, cn_entry);
		if (conn->cn_state != HCONN_IDLE)
			continue;
		pfd.fd = bufferevent_getfd(conn->cn_bev);
		pfd.events = POLLRDHUP;
		pfd.revents = 0;
		if (evbuffer_get_length(bufferevent_get_input(conn->cn_bev)) == 0 &&
		    poll(&pfd, 1, 0) == 0)
			return conn;
		http_conn_close(conn);	/* closed by the server, or sent stray bytes */
	}
	return NULL;
}

void
http_pool_dispatch(struct http_host *ho)
{
	struct http_call *call;
	struct http_conn *conn;

	while ((call = TAILQ_FIRST(&ho->ho_queue)) != NULL) {
		if ((conn = http_pool_idle(ho)) != NULL) {
			conn->cn_state = HCONN_READY;
			event_active(call->ca_kick, EV_TIMEOUT, 0);
		} else if (ho->ho_nconns >= ho->ho_client->cl_opts.hc_pool_size) {
			return;
		} else if ((conn = http_conn_new(ho)) == NULL) {
			TAILQ_REMOVE(&ho->ho_queue, call, ca_entry);
			call->ca_queued = 0;
			call->ca_pending_err = HTTP_ERR_INTERNAL;
			call->ca_detail = "out of memory";
			event_active(call->ca_kick, EV_TIMEOUT, 0);
			continue;
		}
		TAILQ_REMOVE(&ho->ho_queue, call, ca_entry);
		call->ca_queued = 0;
		call->ca_conn = conn;
		conn->cn_call = call;
	}
}

void
http_pool_release(struct http_conn *conn, int reuse)
{
	struct http_host *ho = conn->cn_host;
	struct timeval tv;

	conn->cn_call = NULL;
	if (!reuse || conn->cn_bev == NULL) {
		http_conn_close(conn);
	} else {
		conn->cn_state = HCONN_IDLE;
		/* Reading stays on so a close by the server is noticed while idle. */
		http_pool_tv(ho->ho_client->cl_opts.hc_idle_timeout_ms, &tv);
		bufferevent_set_timeouts(conn->cn_bev, &tv, NULL);
		bufferevent_enable(conn->cn_bev, EV_READ);
	}
	http_pool_dispatch(ho);
}

void
http_pool_start(struct http_call *call)
{
	struct http_conn *conn = call->ca_conn;
	struct timeval tv;
	int ok;

	if (call->ca_co.co_verify_peer != NULL) {
		call->ca_in_cb++;
		ok = call->ca_co.co_verify_peer(bufferevent_openssl_get_ssl(conn->cn_bev),
		    call->ca_arg);
		if (http_call_cb_end(call))
			return;
		if (!ok) {
			http_call_finish(call, HTTP_ERR_PEER_IDENTITY,
			    "verify_peer refused the server certificate");
			return;
		}
	}
	conn->cn_state = HCONN_ACTIVE;
	call->ca_sending = 1;
	/* While the request goes out, only a stalled write times out: a server may
	 * rightly say nothing until it has the whole body. */
	http_pool_tv(call->ca_client->cl_opts.hc_read_timeout_ms, &tv);
	bufferevent_set_timeouts(conn->cn_bev, NULL, &tv);
	if (bufferevent_write_buffer(conn->cn_bev, call->ca_req) == -1) {
		http_call_finish(call, HTTP_ERR_INTERNAL, "out of memory");
		return;
	}
	bufferevent_enable(conn->cn_bev, EV_WRITE);
	http_pool_pause(conn, call->ca_paused);
}

void
http_pool_pause(struct http_conn *conn, int paused)
{
	if (conn->cn_bev == NULL || conn->cn_state != HCONN_ACTIVE)
		return;
	if (paused)
		bufferevent_disable(conn->cn_bev, EV_READ);
	else
		bufferevent_enable(conn->cn_bev, EV_READ);
}

void
http_pool_process(struct http_conn *conn)
{
	struct http_call *call = conn->cn_call;
	struct evbuffer *in = bufferevent_get_input(conn->cn_bev);
	int r;

	if (call == NULL || call->ca_paused)
		return;
	r = http_call_parse(call, in);
	if (r == HTTP_PARSE_CANCELLED)
		return;
	if (r == HTTP_PARSE_ERROR) {
		http_call_finish(call, HTTP_ERR_PROTOCOL, call->ca_detail);
		return;
	}
	if (r == HTTP_PARSE_MORE && call->ca_eof) {
		if (call->ca_rsp != RSP_BODY_EOF) {
			http_call_finish(call, HTTP_ERR_PROTOCOL,
			    "connection closed before the response was complete");
			return;
		}
		r = HTTP_PARSE_DONE;
	}
	if (r != HTTP_PARSE_DONE)
		return;
	/* Leftover bytes either way mean the two sides disagree on framing. */
	if (call->ca_eof || evbuffer_get_length(in) > 0 ||
	    evbuffer_get_length(bufferevent_get_output(conn->cn_bev)) > 0)
		call->ca_close = 1;
	http_call_finish(call, HTTP_OK, "ok");
}

static void
http_conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *conn = arg;

	(void)bev;
	if (conn->cn_state == HCONN_ACTIVE)
		http_pool_process(conn);
	else
		http_conn_drop(conn);	/* nothing is expected on a pooled connection */
}

static void
http_conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *conn = arg;
	struct http_call *call = conn->cn_call;
	struct timeval tv;

	if (conn->cn_state != HCONN_ACTIVE || call == NULL || !call->ca_sending ||
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	/* All sent: from now on the server's silence is what times out. */
	call->ca_sending = 0;
	http_pool_tv(call->ca_client->cl_opts.hc_read_timeout_ms, &tv);
	bufferevent_set_timeouts(bev, &tv, NULL);
}

/* Returns the OpenSSL error that ended CONN (0 if none) and its text in BUF. */
static unsigned long
http_conn_tls_error(struct http_conn *conn, char *buf, size_t bufsz)
{
	unsigned long e = bufferevent_get_openssl_error(conn->cn_bev);
	SSL *ssl = bufferevent_openssl_get_ssl(conn->cn_bev);
	char c;
	int r;

	if (e == 0 && ssl != NULL) {
		/* A write may have failed on the reset that followed an alert we have not
		 * read yet (a refused client certificate): read it to name the cause. */
		ERR_clear_error();
		r = SSL_read(ssl, &c, 1);
		if (r <= 0 && SSL_get_error(ssl, r) == SSL_ERROR_SSL)
			e = ERR_peek_last_error();
		ERR_clear_error();
	}
	if (e != 0)
		ERR_error_string_n(e, buf, bufsz);
	return e;
}

static void
http_conn_active_event(struct http_conn *conn, short what)
{
	struct http_call *call = conn->cn_call;
	char detail[160];
	unsigned long e;

	if ((what & BEV_EVENT_TIMEOUT) != 0) {
		http_call_finish(call, HTTP_ERR_TIMEOUT, (what & BEV_EVENT_READING) != 0 ?
		    "read timeout" : "write timeout");
		return;
	}
	e = http_conn_tls_error(conn, detail, sizeof(detail));
	if (e != 0 && ERR_GET_REASON(e) != SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		http_call_finish(call, HTTP_ERR_TLS, detail);
		return;
	}
	if ((what & BEV_EVENT_EOF) != 0 && e == 0) {
		call->ca_eof = 1;
		http_pool_process(conn);	/* deferred while paused */
		return;
	}
	/* Closed without close_notify: even a body "until close" may be cut short. */
	if (e != 0)
		(void)str_copy(detail, sizeof(detail),
		    "connection closed without TLS close_notify");
	else
		(void)snprintf(detail, sizeof(detail), "connection lost: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	http_call_finish(call, HTTP_ERR_PROTOCOL, detail);
}

static void
http_conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *conn = arg;
	char detail[160];

	(void)bev;
	if ((what & BEV_EVENT_CONNECTED) != 0) {
		evtimer_del(conn->cn_timer);
		conn->cn_state = HCONN_READY;
		if (conn->cn_call != NULL)
			http_pool_start(conn->cn_call);
		else
			http_pool_release(conn, 1);
		return;
	}
	switch (conn->cn_state) {
	case HCONN_CONNECTING:
	case HCONN_HANDSHAKE:
		if (http_conn_tls_error(conn, detail, sizeof(detail)) == 0)
			(void)str_copy(detail, sizeof(detail),
			    "TLS handshake: connection closed by the server");
		http_conn_fail(conn, HTTP_ERR_TLS, detail);
		break;
	case HCONN_READY:
	case HCONN_IDLE:
		http_conn_drop(conn);
		break;
	case HCONN_ACTIVE:
		http_conn_active_event(conn, what);
		break;
	}
}
