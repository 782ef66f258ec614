/*
 * Unit tests for gateway/http_server and gateway/http_client: both ends in process on one
 * event_base over loopback ephemeral ports, with a test PKI made by tests/pki/mkpki.sh
 * (found through $HASHI_ROOT, default ".") in a mkdtemp directory. A raw TLS responder
 * sends canned responses to exercise the client's parser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "common/log.h"
#include "crypto/tls.h"
#include "gateway/http_client.h"
#include "gateway/http_server.h"

#define MIB		(1024 * 1024)
#define STREAM_SIZE	((uint64_t)64 * MIB)

static struct {
	char			 dir[64];
	struct event_base	*base;
	SSL_CTX			*srv_ctx, *cli_ctx, *nocert_ctx, *rogue_ctx, *wrongca_ctx;
} T;

/* ---- helpers ---- */

static const char *
P(const char *name)
{
	static char buf[8][256];
	static int i;
	char *p = buf[i++ % 8];

	assert_true(snprintf(p, sizeof(buf[0]), "%s/%s", T.dir, name) < (int)sizeof(buf[0]));
	return p;
}

static void
t_flag_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop until *COUNTER >= WANT or MS elapsed. Returns 1 if reached. */
static int
t_wait(const int *counter, int want, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *ev;
	int timedout = 0;

	ev = evtimer_new(T.base, t_flag_cb, &timedout);
	evtimer_add(ev, &tv);
	while (*counter < want && !timedout)
		event_base_loop(T.base, EVLOOP_ONCE);
	event_free(ev);
	return *counter >= want;
}

static void
t_spin(int ms)
{
	int never = 0;

	(void)t_wait(&never, 1, ms);
}

/* Deterministic byte stream for the streaming tests. */
struct t_gen {
	uint64_t	s;
	uint8_t		w[8];
	size_t		have;
};

static void
t_gen_fill(struct t_gen *g, uint8_t *out, size_t n)
{
	while (n > 0) {
		if (g->have == 0) {
			g->s ^= g->s << 13;
			g->s ^= g->s >> 7;
			g->s ^= g->s << 17;
			memcpy(g->w, &g->s, 8);
			g->have = 8;
		}
		size_t k = n < g->have ? n : g->have;
		memcpy(out, g->w + 8 - g->have, k);
		g->have -= k;
		out += k;
		n -= k;
	}
}

/* ---- server side ---- */

enum t_mode { M_ECHO, M_HOLD, M_LATER, M_STREAM };

struct t_srv {
	struct http_server	*sv;
	uint16_t		 port;
	enum t_mode		 mode;
	int			 requests;
	int			 cancels;
	unsigned		 max_inflight;
	struct http_req		*held;
	char			 path[64], subject[128], peer[64], xtest[16];
	/* streaming */
	struct http_req		*sreq;
	struct t_gen		 gen;
	uint64_t		 limit;		/* bytes to stream; 0: forever */
	uint64_t		 fail_at;	/* pull fails once this much is out */
	uint64_t		 produced;
	size_t			 max_pending;
	int			 done_ok, done_fail;
};

struct t_later {
	struct http_req		*req;
	struct event		*ev;
	char			 body[32];
	size_t			 len;
};

static void
t_cancel_cb(void *arg)
{
	struct t_srv *s = arg;

	s->cancels++;
	s->held = NULL;
}

static void
t_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct t_later *l = arg;

	(void)fd;
	(void)what;
	assert_int_equal(http_reply(l->req, 200, "text/plain", (const uint8_t *)l->body,
	    l->len), 0);
	event_free(l->ev);
	free(l);
}

static int
t_pull(void *arg, struct evbuffer *out)
{
	struct t_srv *s = arg;
	struct evbuffer_iovec v;
	size_t pending = http_req_out_pending(s->sreq), n = 256 * 1024;

	if (pending > s->max_pending)
		s->max_pending = pending;
	if (s->fail_at != 0 && s->produced >= s->fail_at)
		return -1;
	if (s->limit != 0 && s->limit - s->produced < n)
		n = (size_t)(s->limit - s->produced);
	assert_int_equal(evbuffer_reserve_space(out, (ev_ssize_t)n, &v, 1), 1);
	t_gen_fill(&s->gen, v.iov_base, n);
	v.iov_len = n;
	assert_int_equal(evbuffer_commit_space(out, &v, 1), 0);
	s->produced += n;
	return s->limit != 0 && s->produced == s->limit ? 1 : 0;
}

static void
t_stream_done(void *arg, int ok)
{
	struct t_srv *s = arg;

	if (ok)
		s->done_ok++;
	else
		s->done_fail++;
	s->sreq = NULL;
}

static void
t_handler(struct http_req *req, void *arg)
{
	struct t_srv *s = arg;
	struct t_later *l;
	const uint8_t *body;
	const char *h;
	char *subj = NULL, reply[64];
	size_t len;
	struct timeval tv = { 0, 20000 };

	s->requests++;
	if (http_server_inflight(s->sv) > s->max_inflight)
		s->max_inflight = http_server_inflight(s->sv);
	body = http_req_body(req, &len);
	(void)snprintf(s->path, sizeof(s->path), "%s", http_req_path(req));
	(void)snprintf(s->peer, sizeof(s->peer), "%s", http_req_peer(req));
	h = http_req_header(req, "X-Test");
	(void)snprintf(s->xtest, sizeof(s->xtest), "%s", h != NULL ? h : "");
	if (tls_peer_subject(http_req_ssl(req), &subj) == 0)
		(void)snprintf(s->subject, sizeof(s->subject), "%s", subj);
	free(subj);
	switch (s->mode) {
	case M_ECHO:
		assert_string_equal(http_req_method(req), "POST");
		len = (size_t)snprintf(reply, sizeof(reply), "echo:%.*s", (int)(len > 40 ? 40 :
		    len), (const char *)body);
		assert_int_equal(http_reply(req, 200, "application/soap+xml", (uint8_t *)reply,
		    len), 0);
		break;
	case M_HOLD:
		s->held = req;
		http_req_set_cancel(req, t_cancel_cb, s);
		break;
	case M_LATER:
		assert_non_null(l = calloc(1, sizeof(*l)));
		l->req = req;
		l->len = len < sizeof(l->body) ? len : sizeof(l->body);
		memcpy(l->body, body, l->len);
		l->ev = evtimer_new(T.base, t_later_cb, l);
		evtimer_add(l->ev, &tv);
		break;
	default:
		s->sreq = req;
		s->gen.s = 88172645463325252ULL;
		assert_int_equal(http_reply_stream(req, 200, "application/octet-stream",
		    t_pull, t_stream_done, s), 0);
		break;
	}
}

static void
t_srv_start(struct t_srv *s, enum t_mode mode, const struct http_server_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	assert_non_null(s->sv = http_server_new(T.base, T.srv_ctx, o, t_handler, s));
	assert_int_equal(http_server_listen(s->sv, "127.0.0.1", 0, &s->port), 0);
	assert_true(s->port != 0);
}

static void
t_srv_stop(struct t_srv *s)
{
	http_server_free(s->sv);
	t_spin(20);	/* let libevent's finalizers run */
}

/* ---- client side ---- */

struct t_call {
	int			 done;
	int			 headers;
	enum http_err		 err;
	int			 status;
	char			 ctype[64];
	char			 body[128];
	char			 header[128];	/* co_header's value, "" if absent */
	size_t			 len;
	long			 elapsed;
	/* streaming */
	struct http_call	*call;
	struct t_gen		 gen;
	int			 mismatch;
	size_t			 cancel_at;
	int			 *counter;
	int			 pause_ms;	/* pause at first data; -1: for good */
	size_t			 paused_len;
	int			 resumed;
	struct event		*resume_ev;
};

static void
t_on_done(void *arg, const struct http_result *r)
{
	struct t_call *c = arg;

	c->done++;
	if (c->counter != NULL)
		(*c->counter)++;
	c->err = r->hr_error;
	c->status = r->hr_status;
	c->len = r->hr_len;
	c->elapsed = r->hr_elapsed_ms;
	(void)snprintf(c->ctype, sizeof(c->ctype), "%s",
	    r->hr_content_type != NULL ? r->hr_content_type : "");
	(void)snprintf(c->header, sizeof(c->header), "%s",
	    r->hr_header != NULL ? r->hr_header : "");
	if (r->hr_body != NULL)
		(void)snprintf(c->body, sizeof(c->body), "%.*s", (int)(r->hr_len > 100 ? 100 :
		    r->hr_len), (const char *)r->hr_body);
	if (r->hr_error != HTTP_OK)
		print_message("# call: %s (%s)\n", http_err_str(r->hr_error), r->hr_detail);
}

static void
t_on_headers(void *arg, int status, const char *ctype)
{
	struct t_call *c = arg;

	(void)ctype;
	assert_int_equal(status, 200);
	c->headers++;
}

static void
t_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct t_call *c = arg;

	(void)fd;
	(void)what;
	assert_true(c->len == c->paused_len);	/* nothing delivered while paused */
	c->resumed = 1;
	http_call_pause(c->call, 0);
	event_free(c->resume_ev);
}

static void
t_on_data(void *arg, const uint8_t *data, size_t len)
{
	struct t_call *c = arg;
	uint8_t exp[16384];
	size_t off, k;

	for (off = 0; off < len; off += k) {
		k = len - off < sizeof(exp) ? len - off : sizeof(exp);
		t_gen_fill(&c->gen, exp, k);
		if (memcmp(exp, data + off, k) != 0)
			c->mismatch++;
	}
	c->len += len;
	if (c->pause_ms != 0 && c->paused_len == 0) {
		struct timeval tv = { 0, c->pause_ms * 1000 };

		http_call_pause(c->call, 1);
		c->paused_len = c->len;
		if (c->pause_ms > 0) {
			c->resume_ev = evtimer_new(T.base, t_resume_cb, c);
			evtimer_add(c->resume_ev, &tv);
		}
	}
	if (c->cancel_at != 0 && c->len >= c->cancel_at) {
		http_call_cancel(c->call);
		c->cancel_at = 0;
	}
}

static const struct http_call_opts t_co = { .co_on_done = t_on_done };

static char *
t_url(uint16_t port, const char *path)
{
	static char buf[4][128];
	static int i;
	char *p = buf[i++ % 4];

	(void)snprintf(p, sizeof(buf[0]), "https://127.0.0.1:%u%s", (unsigned)port, path);
	return p;
}

static struct http_call *
t_post(struct http_client *cl, const char *url, const char *body, struct t_call *c)
{
	struct http_call *call;

	call = http_client_post(cl, url, "text/plain", (const uint8_t *)body, strlen(body),
	    &t_co, c);
	assert_non_null(call);
	return call;
}

/* ---- tests ---- */

static void
test_roundtrip(void **state)
{
	static const char *const hdrs[] = { "X-Test", "42", NULL };
	struct http_call_opts co = { .co_on_done = t_on_done, .co_headers = hdrs };
	struct http_client *cl;
	struct t_call c = { 0 }, c6 = { 0 };
	struct t_srv s;
	uint16_t port6 = 0;
	char url6[64];

	(void)state;
	t_srv_start(&s, M_ECHO, NULL);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	assert_non_null(http_client_post(cl, t_url(s.port, "/xca?q=1#f"),
	    "application/soap+xml; charset=UTF-8", (const uint8_t *)"hello", 5, &co, &c));
	assert_true(t_wait(&c.done, 1, 5000));
	assert_int_equal(c.err, HTTP_OK);
	assert_int_equal(c.status, 200);
	assert_string_equal(c.ctype, "application/soap+xml");
	assert_string_equal(c.body, "echo:hello");
	assert_string_equal(s.path, "/xca");
	assert_string_equal(s.xtest, "42");
	assert_string_equal(s.subject, "CN=client,O=Hashi Test,C=JP");
	assert_true(strncmp(s.peer, "127.0.0.1:", 10) == 0);
	/* IPv6, where the host has it. */
	if (http_server_listen(s.sv, "::1", 0, &port6) == 0) {
		(void)snprintf(url6, sizeof(url6), "https://[::1]:%u/v6", (unsigned)port6);
		t_post(cl, url6, "six", &c6);
		assert_true(t_wait(&c6.done, 1, 5000));
		assert_int_equal(c6.err, HTTP_OK);
		assert_string_equal(c6.body, "echo:six");
		assert_true(strncmp(s.peer, "[::1]:", 6) == 0);
	}
	t_spin(10);
	assert_int_equal(http_server_inflight(s.sv), 0);
	http_client_free(cl);
	t_srv_stop(&s);
}

static void
test_keepalive(void **state)
{
	struct http_client *cl;
	struct t_call c[10];
	struct t_srv s;
	int i;

	(void)state;
	memset(c, 0, sizeof(c));
	t_srv_start(&s, M_ECHO, NULL);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	for (i = 0; i < 10; i++) {
		t_post(cl, t_url(s.port, "/"), "x", &c[i]);
		assert_true(t_wait(&c[i].done, 1, 5000));
		assert_int_equal(c[i].err, HTTP_OK);
		assert_string_equal(c[i].body, "echo:x");
	}
	assert_int_equal(s.requests, 10);
	assert_int_equal(http_server_accepted(s.sv), 1);
	assert_int_equal(http_client_connections(cl), 1);
	assert_int_equal(http_server_connections(s.sv), 1);
	http_client_free(cl);
	t_spin(50);
	assert_int_equal(http_server_connections(s.sv), 0);
	t_srv_stop(&s);
}

/* A client without a certificate, one with a certificate of another CA, and one that
 * does not trust the server's CA: all fail at TLS and the handler never runs. */
static void
test_tls_refused(void **state)
{
	SSL_CTX *ctxs[3] = { T.nocert_ctx, T.rogue_ctx, T.wrongca_ctx };
	struct http_client *cl;
	struct t_call c;
	struct t_srv s;
	int i;

	(void)state;
	t_srv_start(&s, M_ECHO, NULL);
	for (i = 0; i < 3; i++) {
		memset(&c, 0, sizeof(c));
		assert_non_null(cl = http_client_new(T.base, ctxs[i], NULL));
		t_post(cl, t_url(s.port, "/"), "x", &c);
		assert_true(t_wait(&c.done, 1, 5000));
		assert_int_equal(c.err, HTTP_ERR_TLS);
		assert_int_equal(c.status, 0);
		http_client_free(cl);
	}
	t_spin(20);
	assert_int_equal(s.requests, 0);
	t_srv_stop(&s);
}

static uint8_t t_expect_fp[TLS_SHA256_LEN];

static int
t_verify_fp(SSL *ssl, void *arg)
{
	uint8_t fp[TLS_SHA256_LEN];

	(void)arg;
	return tls_peer_sha256(ssl, fp) == 0 && memcmp(fp, t_expect_fp, sizeof(fp)) == 0;
}

static void
test_verify_peer(void **state)
{
	struct http_call_opts co = { .co_on_done = t_on_done, .co_verify_peer = t_verify_fp };
	struct http_client *cl;
	struct t_call c1 = { 0 }, c2 = { 0 };
	struct t_srv s;

	(void)state;
	t_srv_start(&s, M_ECHO, NULL);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	/* Expecting another certificate than the server's: refused, nothing sent. */
	assert_int_equal(tls_cert_file_sha256(P("client.crt"), t_expect_fp), 0);
	assert_non_null(http_client_post(cl, t_url(s.port, "/"), "text/plain",
	    (const uint8_t *)"x", 1, &co, &c1));
	assert_true(t_wait(&c1.done, 1, 5000));
	assert_int_equal(c1.err, HTTP_ERR_PEER_IDENTITY);
	t_spin(50);
	assert_int_equal(s.requests, 0);
	/* The configured certificate: accepted. */
	assert_int_equal(tls_cert_file_sha256(P("server.crt"), t_expect_fp), 0);
	assert_non_null(http_client_post(cl, t_url(s.port, "/"), "text/plain",
	    (const uint8_t *)"y", 1, &co, &c2));
	assert_true(t_wait(&c2.done, 1, 5000));
	assert_int_equal(c2.err, HTTP_OK);
	assert_string_equal(c2.body, "echo:y");
	assert_int_equal(s.requests, 1);
	http_client_free(cl);
	t_srv_stop(&s);
}

/* hc_verify_host: the certificate (SAN DNS:localhost, IP:127.0.0.1) must match the URL's
 * host; "localhost" may resolve to ::1 first, where nothing listens, then 127.0.0.1. */
static void
test_verify_host(void **state)
{
	struct http_client_opts o = { .hc_verify_host = 1 };
	struct http_client *cl, *plain;
	struct t_call c1 = { 0 }, c2 = { 0 }, c3 = { 0 };
	struct t_srv s;
	uint16_t port6;
	char url[64];

	(void)state;
	t_srv_start(&s, M_ECHO, NULL);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, &o));
	(void)snprintf(url, sizeof(url), "https://localhost:%u/", (unsigned)s.port);
	t_post(cl, url, "h", &c1);
	assert_true(t_wait(&c1.done, 1, 5000));
	assert_int_equal(c1.err, HTTP_OK);
	assert_string_equal(c1.body, "echo:h");
	if (http_server_listen(s.sv, "::1", 0, &port6) == 0) {
		/* The certificate names no ::1. */
		(void)snprintf(url, sizeof(url), "https://[::1]:%u/", (unsigned)port6);
		t_post(cl, url, "v", &c2);
		assert_true(t_wait(&c2.done, 1, 5000));
		assert_int_equal(c2.err, HTTP_ERR_TLS);
		assert_non_null(plain = http_client_new(T.base, T.cli_ctx, NULL));
		t_post(plain, url, "p", &c3);
		assert_true(t_wait(&c3.done, 1, 5000));
		assert_int_equal(c3.err, HTTP_OK);
		http_client_free(plain);
	}
	http_client_free(cl);
	t_srv_stop(&s);
}

static void
test_connect_refused(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	struct http_client *cl;
	struct t_call c = { 0 };
	int fd;

	(void)state;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);	/* nobody listens on that port now */
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	t_post(cl, t_url(ntohs(sin.sin_port), "/"), "x", &c);
	assert_true(t_wait(&c.done, 1, 5000));
	assert_int_equal(c.err, HTTP_ERR_CONNECT);
	assert_true(c.elapsed < 1000);
	http_client_free(cl);
}

static void
t_accept_silent(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int sl, void *arg)
{
	(void)l;
	(void)sa;
	(void)sl;
	*(evutil_socket_t *)arg = fd;	/* kept open, never answered */
}

static void
test_timeouts(void **state)
{
	struct http_client_opts o = { .hc_connect_timeout_ms = 300,
	    .hc_read_timeout_ms = 300 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	struct evconnlistener *l;
	struct http_client *cl;
	struct t_call c1 = { 0 }, c2 = { 0 };
	struct t_srv s;
	evutil_socket_t afd = -1;

	(void)state;
	/* A TCP server that accepts and never says anything. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_non_null(l = evconnlistener_new_bind(T.base, t_accept_silent, &afd,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin,
	    sizeof(sin)));
	assert_int_equal(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin,
	    &sl), 0);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, &o));
	t_post(cl, t_url(ntohs(sin.sin_port), "/"), "x", &c1);
	assert_true(t_wait(&c1.done, 1, 5000));
	assert_int_equal(c1.err, HTTP_ERR_TIMEOUT);
	assert_true(c1.elapsed >= 290 && c1.elapsed < 800);
	assert_true(afd >= 0);
	close(afd);
	evconnlistener_free(l);
	/* A TLS server whose handler never answers: read timeout; the server then sees the
	 * client gone and cancels the request. */
	t_srv_start(&s, M_HOLD, NULL);
	t_post(cl, t_url(s.port, "/"), "x", &c2);
	assert_true(t_wait(&c2.done, 1, 5000));
	assert_int_equal(c2.err, HTTP_ERR_TIMEOUT);
	assert_true(c2.elapsed >= 290 && c2.elapsed < 800);
	assert_true(t_wait(&s.cancels, 1, 2000));
	assert_int_equal(http_server_inflight(s.sv), 0);
	http_client_free(cl);
	t_srv_stop(&s);
}

static void
test_body_too_large(void **state)
{
	struct http_server_opts so = { .hs_max_body = MIB };
	struct http_client *cl;
	struct t_call c1 = { 0 }, c2 = { 0 };
	struct t_srv s;
	uint8_t *big;

	(void)state;
	assert_non_null(big = calloc(1, 2 * MIB));
	memset(big, 'a', 2 * MIB);
	t_srv_start(&s, M_ECHO, &so);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	assert_non_null(http_client_post(cl, t_url(s.port, "/"), "text/plain", big, 2 * MIB,
	    &t_co, &c1));
	assert_true(t_wait(&c1.done, 1, 10000));
	assert_int_equal(c1.err, HTTP_OK);
	assert_int_equal(c1.status, 413);
	assert_int_equal(s.requests, 0);
	/* Exactly the limit is fine. */
	assert_non_null(http_client_post(cl, t_url(s.port, "/"), "text/plain", big, MIB,
	    &t_co, &c2));
	assert_true(t_wait(&c2.done, 1, 10000));
	assert_int_equal(c2.err, HTTP_OK);
	assert_int_equal(c2.status, 200);
	assert_int_equal(s.requests, 1);
	free(big);
	http_client_free(cl);
	t_srv_stop(&s);
}

static void
t_sample_cb(evutil_socket_t fd, short what, void *arg)
{
	struct t_srv *s = arg;
	size_t n;

	(void)fd;
	(void)what;
	if (s->sreq != NULL && (n = http_req_out_pending(s->sreq)) > s->max_pending)
		s->max_pending = n;
}

static void
test_stream_64m(void **state)
{
	struct http_call_opts co = { .co_on_done = t_on_done, .co_on_data = t_on_data,
	    .co_on_headers = t_on_headers };
	struct timeval tv = { 0, 1000 };
	struct http_client *cl;
	struct event *sampler;
	struct t_call c = { 0 };
	struct t_srv s;

	(void)state;
	t_srv_start(&s, M_STREAM, NULL);
	s.limit = STREAM_SIZE;
	c.gen.s = 88172645463325252ULL;
	sampler = event_new(T.base, -1, EV_PERSIST, t_sample_cb, &s);
	evtimer_add(sampler, &tv);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	assert_non_null(http_client_post(cl, t_url(s.port, "/retrieve"), "text/plain",
	    (const uint8_t *)"x", 1, &co, &c));
	assert_true(t_wait(&c.done, 1, 120000));
	event_free(sampler);
	assert_int_equal(c.err, HTTP_OK);
	assert_int_equal(c.status, 200);
	assert_int_equal(c.headers, 1);
	assert_true(c.len == STREAM_SIZE);
	assert_int_equal(c.mismatch, 0);
	assert_true(t_wait(&s.done_ok, 1, 2000));
	assert_int_equal(s.done_fail, 0);
	print_message("# stream: max output queued %zu bytes\n", s.max_pending);
	assert_true(s.max_pending > 0 && s.max_pending <= MIB);
	assert_int_equal(http_server_inflight(s.sv), 0);
	http_client_free(cl);
	t_srv_stop(&s);
}

/* The client goes away mid-stream (cancel from inside on_data); then a producer fails
 * mid-stream and the client must not take the cut reply as complete. */
static void
test_stream_cut(void **state)
{
	struct http_call_opts co = { .co_on_done = t_on_done, .co_on_data = t_on_data };
	struct http_client *cl;
	struct t_call c1 = { 0 }, c2 = { 0 };
	struct t_srv s;

	(void)state;
	t_srv_start(&s, M_STREAM, NULL);
	c1.gen.s = 88172645463325252ULL;
	c1.cancel_at = 2 * MIB;
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	assert_non_null(c1.call = http_client_post(cl, t_url(s.port, "/"), "text/plain",
	    (const uint8_t *)"x", 1, &co, &c1));
	assert_true(t_wait(&s.done_fail, 1, 10000));
	assert_int_equal(s.done_ok, 0);
	assert_int_equal(c1.done, 0);
	assert_int_equal(c1.mismatch, 0);
	assert_int_equal(http_server_inflight(s.sv), 0);
	t_srv_stop(&s);

	t_srv_start(&s, M_STREAM, NULL);
	s.fail_at = MIB;
	c2.gen.s = 88172645463325252ULL;
	assert_non_null(http_client_post(cl, t_url(s.port, "/"), "text/plain",
	    (const uint8_t *)"x", 1, &co, &c2));
	assert_true(t_wait(&c2.done, 1, 10000));
	assert_int_equal(c2.err, HTTP_ERR_PROTOCOL);
	assert_true(c2.len >= MIB);
	assert_int_equal(c2.mismatch, 0);
	assert_int_equal(s.done_fail, 1);
	assert_int_equal(s.done_ok, 0);
	http_client_free(cl);
	t_srv_stop(&s);
}

static void
test_cancel(void **state)
{
	struct http_client *cl;
	struct http_call *call;
	struct t_call c1 = { 0 }, c2 = { 0 }, c3 = { 0 };
	struct t_srv s;

	(void)state;
	t_srv_start(&s, M_HOLD, NULL);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	/* Before anything was sent. */
	call = t_post(cl, t_url(s.port, "/"), "x", &c1);
	http_call_cancel(call);
	t_spin(100);
	assert_int_equal(c1.done, 0);
	assert_int_equal(http_client_connections(cl), 0);
	/* After the server got the request: the server's cancel callback runs. */
	call = t_post(cl, t_url(s.port, "/"), "y", &c2);
	assert_true(t_wait(&s.requests, 1, 5000));
	assert_int_equal(http_server_inflight(s.sv), 1);
	http_call_cancel(call);
	assert_true(t_wait(&s.cancels, 1, 2000));
	assert_int_equal(http_server_inflight(s.sv), 0);
	/* Freeing the client with a call in flight: no callback either. */
	t_post(cl, t_url(s.port, "/"), "z", &c3);
	assert_true(t_wait(&s.requests, 2, 5000));
	http_client_free(cl);
	assert_true(t_wait(&s.cancels, 2, 2000));
	t_spin(50);
	assert_int_equal(c1.done + c2.done + c3.done, 0);
	t_srv_stop(&s);
}

static void
test_concurrent(void **state)
{
	struct http_client_opts o = { .hc_pool_size = 4 };
	struct http_client *cl;
	struct t_call c[50];
	struct t_srv s;
	char body[24];
	int i, ndone = 0;

	(void)state;
	memset(c, 0, sizeof(c));
	t_srv_start(&s, M_LATER, NULL);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, &o));
	for (i = 0; i < 50; i++) {
		c[i].counter = &ndone;
		(void)snprintf(body, sizeof(body), "call-%d", i);
		t_post(cl, t_url(s.port, "/"), body, &c[i]);
	}
	assert_true(t_wait(&ndone, 50, 20000));
	for (i = 0; i < 50; i++) {
		(void)snprintf(body, sizeof(body), "call-%d", i);
		assert_int_equal(c[i].err, HTTP_OK);
		assert_string_equal(c[i].body, body);
		assert_int_equal(c[i].done, 1);
	}
	assert_int_equal(http_server_accepted(s.sv), 4);
	assert_int_equal(s.max_inflight, 4);
	http_client_free(cl);
	t_srv_stop(&s);
}

static void
test_drain(void **state)
{
	struct http_client *cl, *cl2;
	struct t_call c1 = { 0 }, c2 = { 0 };
	struct t_srv s;

	(void)state;
	t_srv_start(&s, M_HOLD, NULL);
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	assert_non_null(cl2 = http_client_new(T.base, T.cli_ctx, NULL));
	t_post(cl, t_url(s.port, "/"), "x", &c1);
	assert_true(t_wait(&s.requests, 1, 5000));
	http_server_stop_accepting(s.sv);
	assert_int_equal(http_server_inflight(s.sv), 1);
	t_post(cl2, t_url(s.port, "/"), "y", &c2);
	assert_true(t_wait(&c2.done, 1, 5000));
	assert_int_equal(c2.err, HTTP_ERR_CONNECT);
	assert_int_equal(http_reply(s.held, 200, NULL, (const uint8_t *)"ok", 2), 0);
	assert_true(t_wait(&c1.done, 1, 5000));
	assert_int_equal(c1.err, HTTP_OK);
	assert_string_equal(c1.body, "ok");
	t_spin(50);
	assert_int_equal(http_server_inflight(s.sv), 0);
	/* The reply said "Connection: close": nothing is left open. */
	assert_int_equal(http_client_connections(cl), 0);
	assert_int_equal(http_server_connections(s.sv), 0);
	http_client_free(cl);
	http_client_free(cl2);
	t_srv_stop(&s);
}

static void
test_max_connections(void **state)
{
	struct http_server_opts so = { .hs_max_connections = 1 };
	struct http_client_opts o = { .hc_connect_timeout_ms = 300 };
	struct http_client *a, *b;
	struct t_call c1 = { 0 }, c2 = { 0 }, c3 = { 0 };
	struct t_srv s;

	(void)state;
	t_srv_start(&s, M_ECHO, &so);
	assert_non_null(a = http_client_new(T.base, T.cli_ctx, NULL));
	assert_non_null(b = http_client_new(T.base, T.cli_ctx, &o));
	t_post(a, t_url(s.port, "/"), "a", &c1);
	assert_true(t_wait(&c1.done, 1, 5000));
	assert_int_equal(c1.err, HTTP_OK);
	/* A keeps its connection: B is not served. */
	t_post(b, t_url(s.port, "/"), "b", &c2);
	assert_true(t_wait(&c2.done, 1, 5000));
	assert_int_equal(c2.err, HTTP_ERR_TIMEOUT);
	http_client_free(a);
	t_spin(50);
	t_post(b, t_url(s.port, "/"), "b", &c3);
	assert_true(t_wait(&c3.done, 1, 5000));
	assert_int_equal(c3.err, HTTP_OK);
	assert_string_equal(c3.body, "echo:b");
	http_client_free(b);
	t_srv_stop(&s);
}

static void
test_bad_requests(void **state)
{
	static const char *const crlf[] = { "X-A", "1\r\nX-B: 2", NULL };
	static const char *const badname[] = { "X A", "1", NULL };
	struct http_call_opts co = { .co_on_done = t_on_done };
	const char *urls[] = { "http://127.0.0.1/", "https://127.0.0.1:0/",
	    "https://127.0.0.1:99999/", "https:///x", "https://a b/", "https://[::1/",
	    "https://u@host/", "https://host:12a/", "https://[zz]/" };
	struct http_client *cl;
	struct t_call c = { 0 };
	size_t i;

	(void)state;
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		assert_null(http_client_post(cl, urls[i], "text/plain", NULL, 0, &t_co, &c));
	assert_null(http_client_post(cl, "https://h/", "text/plain\r\nX: y", NULL, 0,
	    &t_co, &c));
	co.co_headers = crlf;
	assert_null(http_client_post(cl, "https://h/", "text/plain", NULL, 0, &co, &c));
	co.co_headers = badname;
	assert_null(http_client_post(cl, "https://h/", "text/plain", NULL, 0, &co, &c));
	t_spin(20);
	assert_int_equal(c.done, 0);
	http_client_free(cl);
}

static void
t_readable_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[16];

	(void)what;
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 0);	/* closed by the server */
	*(int *)arg = 1;
}

/* Read timeout: a TCP client that never starts TLS, and an idle keep-alive connection,
 * are closed. Write timeout: a stream to a client that stopped reading is aborted. */
static void
test_server_timeouts(void **state)
{
	struct http_server_opts so = { .hs_read_timeout_ms = 300,
	    .hs_write_timeout_ms = 300 };
	struct http_call_opts co = { .co_on_done = t_on_done, .co_on_data = t_on_data };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct timespec t0, t1;
	struct http_client *cl;
	struct event *ev;
	struct t_call c1 = { 0 }, c2 = { 0 };
	struct t_srv s;
	int fd, closed = 0;
	long ms;

	(void)state;
	t_srv_start(&s, M_ECHO, &so);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(s.port);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ev = event_new(T.base, fd, EV_READ, t_readable_cb, &closed);
	event_add(ev, NULL);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_true(t_wait(&closed, 1, 3000));
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 250 && ms < 1500);
	event_free(ev);
	close(fd);

	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	t_post(cl, t_url(s.port, "/"), "x", &c1);
	assert_true(t_wait(&c1.done, 1, 5000));
	assert_int_equal(c1.err, HTTP_OK);
	t_spin(800);
	assert_int_equal(http_server_connections(s.sv), 0);
	assert_int_equal(http_client_connections(cl), 0);	/* the client noticed */
	t_srv_stop(&s);

	t_srv_start(&s, M_STREAM, &so);
	c2.gen.s = 88172645463325252ULL;
	c2.pause_ms = -1;
	assert_non_null(c2.call = http_client_post(cl, t_url(s.port, "/"), "text/plain",
	    (const uint8_t *)"x", 1, &co, &c2));
	assert_true(t_wait(&s.done_fail, 1, 5000));
	assert_int_equal(s.done_ok, 0);
	assert_int_equal(c2.mismatch, 0);
	http_call_cancel(c2.call);
	t_spin(20);
	assert_int_equal(c2.done, 0);
	http_client_free(cl);
	t_srv_stop(&s);
}

/* A paused call gets no data until resumed, then the whole body. The stream outlasts
 * the server's read timeout, which must not apply while a reply is being written. */
static void
test_pause(void **state)
{
	struct http_server_opts so = { .hs_read_timeout_ms = 200 };
	struct http_call_opts co = { .co_on_done = t_on_done, .co_on_data = t_on_data };
	struct http_client *cl;
	struct t_call c = { 0 };
	struct t_srv s;

	(void)state;
	t_srv_start(&s, M_STREAM, &so);
	s.limit = 8 * MIB;
	c.gen.s = 88172645463325252ULL;
	c.pause_ms = 600;
	assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
	assert_non_null(c.call = http_client_post(cl, t_url(s.port, "/"), "text/plain",
	    (const uint8_t *)"x", 1, &co, &c));
	assert_true(t_wait(&c.done, 1, 20000));
	assert_int_equal(c.resumed, 1);
	assert_int_equal(c.err, HTTP_OK);
	assert_true(c.len == 8 * MIB);
	assert_int_equal(c.mismatch, 0);
	assert_true(t_wait(&s.done_ok, 1, 2000));
	http_client_free(cl);
	t_srv_stop(&s);
}

/* ---- raw TLS responder for the parser tests ---- */

struct t_raw {
	const char	*reply;
	int		 close;	/* 0 keep open, 1 close without close_notify, 2 clean */
	struct bufferevent *bev;
};

static void
t_raw_write_cb(struct bufferevent *bev, void *arg)
{
	struct t_raw *r = arg;

	if (r->close == 0 || evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (r->close == 2)
		(void)SSL_shutdown(bufferevent_openssl_get_ssl(bev));
	bufferevent_free(bev);
	r->bev = NULL;
}

static void
t_raw_read_cb(struct bufferevent *bev, void *arg)
{
	struct t_raw *r = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr p = evbuffer_search(in, "\r\n\r\nx", 5, NULL);

	if (p.pos < 0)
		return;
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_write(bev, r->reply, strlen(r->reply));
}

static void
t_raw_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct t_raw *r = arg;

	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) != 0) {
		bufferevent_free(bev);
		r->bev = NULL;
	}
}

static void
t_raw_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
    void *arg)
{
	struct t_raw *r = arg;

	(void)l;
	(void)sa;
	(void)sl;
	r->bev = bufferevent_openssl_socket_new(T.base, fd, SSL_new(T.srv_ctx),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(r->bev);
	bufferevent_setcb(r->bev, t_raw_read_cb, t_raw_write_cb, t_raw_event_cb, r);
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
}

static void
test_parser(void **state)
{
	static char huge[80 * 1024];
	struct {
		const char	*reply;
		int		 close;
		enum http_err	 err;
		int		 status;
		const char	*body;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: a/b\r\n\r\nabc", 0,
		    HTTP_OK, 200, "abc" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
		    "2;x=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n", 0, HTTP_OK, 200, "abcde" },
		{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n"
		    "\r\nx", 0, HTTP_OK, 201, "x" },
		{ "HTTP/1.1 204 No Content\r\n\r\n", 0, HTTP_OK, 204, "" },
		{ "HTTP/1.0 200 OK\r\n\r\nuntil close", 2, HTTP_OK, 200, "until close" },
		{ "HTTP/1.0 200 OK\r\n\r\nuntil cut", 1, HTTP_ERR_PROTOCOL, 200, NULL },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1, HTTP_ERR_PROTOCOL,
		    200, NULL },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", 1,
		    HTTP_ERR_PROTOCOL, 200, NULL },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc", 0,
		    HTTP_ERR_PROTOCOL, 200, NULL },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, HTTP_ERR_PROTOCOL,
		    200, NULL },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0,
		    HTTP_ERR_PROTOCOL, 200, NULL },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n folded\r\n\r\nx", 0,
		    HTTP_ERR_PROTOCOL, 200, NULL },
		{ "HTTX/1.1 200 OK\r\n\r\n", 0, HTTP_ERR_PROTOCOL, 0, NULL },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 0, HTTP_ERR_PROTOCOL, 200,
		    NULL },	/* over hc_max_body */
		{ huge, 0, HTTP_ERR_PROTOCOL, 200, NULL },
	};
	struct http_client_opts o = { .hc_max_body = 64 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	struct evconnlistener *l;
	struct http_client *cl;
	struct t_raw raw;
	struct t_call c;
	size_t i;

	(void)state;
	(void)snprintf(huge, sizeof(huge), "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(huge + strlen(huge), 'a', sizeof(huge) - strlen(huge) - 1);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_non_null(l = evconnlistener_new_bind(T.base, t_raw_accept, &raw,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin,
	    sizeof(sin)));
	assert_int_equal(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin,
	    &sl), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("# parser case %zu\n", i);
		memset(&raw, 0, sizeof(raw));
		memset(&c, 0, sizeof(c));
		raw.reply = cases[i].reply;
		raw.close = cases[i].close;
		assert_non_null(cl = http_client_new(T.base, T.cli_ctx, &o));
		t_post(cl, t_url(ntohs(sin.sin_port), "/"), "x", &c);
		assert_true(t_wait(&c.done, 1, 5000));
		assert_int_equal(c.err, cases[i].err);
		assert_int_equal(c.status, cases[i].status);
		if (cases[i].body != NULL)
			assert_string_equal(c.body, cases[i].body);
		http_client_free(cl);
		t_spin(10);
		if (raw.bev != NULL)
			bufferevent_free(raw.bev);
	}
	evconnlistener_free(l);
	t_spin(10);
}

/* co_header: the value of one response header, repeated fields joined; an interim 1xx
 * response's fields do not count; absent = NULL. */
static void
test_kept_header(void **state)
{
	struct {
		const char	*reply;
		const char	*want;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nServer-Timing: a;dur=1\r\nContent-Length: 1\r\n"
		    "server-timing: b;dur=2;desc=\"x\"\r\n\r\nx", "a;dur=1, b;dur=2;desc=\"x\"" },
		{ "HTTP/1.1 100 Continue\r\nServer-Timing: early\r\n\r\nHTTP/1.1 200 OK\r\n"
		    "Content-Length: 1\r\n\r\nx", "" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-Other: 1\r\n\r\nx", "" },
	};
	struct http_call_opts co = { .co_on_done = t_on_done, .co_header = "Server-Timing" };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	struct evconnlistener *l;
	struct http_client *cl;
	struct t_raw raw;
	struct t_call c;
	size_t i;

	(void)state;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_non_null(l = evconnlistener_new_bind(T.base, t_raw_accept, &raw,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin,
	    sizeof(sin)));
	assert_int_equal(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin,
	    &sl), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&raw, 0, sizeof(raw));
		memset(&c, 0, sizeof(c));
		raw.reply = cases[i].reply;
		assert_non_null(cl = http_client_new(T.base, T.cli_ctx, NULL));
		assert_non_null(http_client_post(cl, t_url(ntohs(sin.sin_port), "/"),
		    "text/plain", (const uint8_t *)"x", 1, &co, &c));
		assert_true(t_wait(&c.done, 1, 5000));
		assert_int_equal(c.err, HTTP_OK);
		assert_string_equal(c.header, cases[i].want);
		http_client_free(cl);
		t_spin(10);
		if (raw.bev != NULL)
			bufferevent_free(raw.bev);
	}
	evconnlistener_free(l);
	t_spin(10);
}

/* ---- setup ---- */

static int
t_setup(void **state)
{
	const char *root = getenv("HASHI_ROOT");
	char cmd[512];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	log_init("test_http", 1, 0);
	(void)snprintf(T.dir, sizeof(T.dir), "/tmp/hashi-http.XXXXXX");
	if (mkdtemp(T.dir) == NULL)
		return -1;
	(void)snprintf(cmd, sizeof(cmd), "sh %s/tests/pki/mkpki.sh %s server client",
	    root != NULL ? root : ".", T.dir);
	if (system(cmd) != 0)
		return -1;
	T.srv_ctx = tls_server_ctx_new(P("server.crt"), P("server.key"), P("ca.crt"), 0);
	T.cli_ctx = tls_client_ctx_new(P("client.crt"), P("client.key"), P("ca.crt"), 0);
	T.nocert_ctx = tls_client_ctx_new(NULL, NULL, P("ca.crt"), 0);
	T.rogue_ctx = tls_client_ctx_new(P("rogue.crt"), P("rogue.key"), P("ca.crt"), 0);
	T.wrongca_ctx = tls_client_ctx_new(P("client.crt"), P("client.key"),
	    P("rogue-ca.crt"), 0);
	T.base = event_base_new();
	if (T.srv_ctx == NULL || T.cli_ctx == NULL || T.nocert_ctx == NULL ||
	    T.rogue_ctx == NULL || T.wrongca_ctx == NULL || T.base == NULL)
		return -1;
	return 0;
}

static int
t_teardown(void **state)
{
	char cmd[128];

	(void)state;
	SSL_CTX_free(T.srv_ctx);
	SSL_CTX_free(T.cli_ctx);
	SSL_CTX_free(T.nocert_ctx);
	SSL_CTX_free(T.rogue_ctx);
	SSL_CTX_free(T.wrongca_ctx);
	if (T.base != NULL)
		event_base_free(T.base);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T.dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_tls_refused),
		cmocka_unit_test(test_verify_peer),
		cmocka_unit_test(test_verify_host),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_body_too_large),
		cmocka_unit_test(test_stream_64m),
		cmocka_unit_test(test_stream_cut),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_max_connections),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_server_timeouts),
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_parser),
		cmocka_unit_test(test_kept_header),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
