/*
 * tests/unit/test_fanout_stream: streaming fan-out legs (gateway/fanout) against a real
 * TLS peer in process: a scripted responder on a loopback ephemeral port, the fan-out on
 * a real http_client, one event_base, a test PKI made by tests/pki/mkpki.sh (found through
 * $HASHI_ROOT, default ".") in a mkdtemp directory. The responder sends a response head,
 * then the body in timed steps, then stays silent, closes without close_notify, or closes
 * cleanly: what a healthy, stalled or broken peer gateway does.
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
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "common/log.h"
#include "crypto/tls.h"
#include "gateway/fanout.h"
#include "gateway/gw.h"
#include "gateway/http_client.h"
#include "gateway/metrics.h"

#define PEER_SUBJECT	"CN=peer,O=Hashi Test,C=JP"
#define CTYPE		"multipart/related; boundary=\"b1\"; type=\"application/xop+xml\""

static struct {
	char		 dir[64];
	struct event_base *base;
	SSL_CTX		*srv_ctx, *cli_ctx;
	struct gw	 gw;
	struct peer	 peer;
} T;

static uint8_t *big;		/* deterministic body bytes */
#define BIG_LEN		((size_t)4 * 1024 * 1024)

/* ---- loop helpers ---- */

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

static long
t_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- the scripted peer ---- */

enum t_end { END_STALL = 0, END_CUT, END_CLEAN };

struct t_peer {
	struct evconnlistener	*l;
	uint16_t		 port;
	struct bufferevent	*bev;
	struct event		*step;
	/* script */
	size_t			 announce;	/* Content-Length sent */
	size_t			 send;		/* body bytes actually sent */
	size_t			 chunk;		/* per step; 0: all at once */
	int			 step_ms;
	enum t_end		 end;
	/* what happened */
	size_t			 sent;
	int			 requests;
	int			 closed;	/* the client closed the connection */
	int			 shut;		/* we closed it, as scripted */
	int			 finishing;
};

/* What a test started and has not stopped yet: a failing assertion leaves the test
 * function early, and the teardown must stop its peers and fan-outs before the loop runs
 * their callbacks again on a dead stack frame. */
static struct t_peer	*t_live_peer[4];	/* on the heap: the test's frame is gone */
static struct fanout	*t_live_fo[2];

static void
t_peer_close(struct t_peer *p)
{
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	p->bev = NULL;
}

static void
t_peer_step(evutil_socket_t fd, short what, void *arg)
{
	struct t_peer *p = arg;
	size_t n = p->send - p->sent;
	struct timeval tv = { 0, p->step_ms * 1000 };

	(void)fd;
	(void)what;
	if (p->bev == NULL)
		return;
	if (p->chunk != 0 && n > p->chunk)
		n = p->chunk;
	assert_int_equal(bufferevent_write(p->bev, big + p->sent, n), 0);
	p->sent += n;
	if (p->sent < p->send) {
		evtimer_add(p->step, &tv);
		return;
	}
	if (p->end != END_STALL)
		p->finishing = 1;	/* closed once the output drained */
}

static void
t_peer_read(struct bufferevent *bev, void *arg)
{
	struct t_peer *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char head[160];
	int n;

	if (p->requests == 0 && evbuffer_search(in, "\r\n\r\n", 4, NULL).pos < 0)
		return;
	evbuffer_drain(in, evbuffer_get_length(in));	/* the request body is not read */
	if (p->requests++ > 0)
		return;
	n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n\r\n", CTYPE, p->announce);
	assert_true(n > 0 && (size_t)n < sizeof(head));
	assert_int_equal(bufferevent_write(bev, head, (size_t)n), 0);
	t_peer_step(-1, 0, p);
}

static void
t_peer_write(struct bufferevent *bev, void *arg)
{
	struct t_peer *p = arg;

	if (!p->finishing || evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (p->end == END_CLEAN)
		(void)SSL_shutdown(bufferevent_openssl_get_ssl(bev));
	t_peer_close(p);
	p->shut++;
}

static void
t_peer_event(struct bufferevent *bev, short what, void *arg)
{
	struct t_peer *p = arg;

	(void)bev;
	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) != 0) {
		p->closed++;
		t_peer_close(p);
	}
}

static void
t_peer_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
    void *arg)
{
	struct t_peer *p = arg;

	(void)l;
	(void)sa;
	(void)sl;
	assert_null(p->bev);	/* one connection per test */
	p->bev = bufferevent_openssl_socket_new(T.base, fd, SSL_new(T.srv_ctx),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(p->bev);
	bufferevent_setcb(p->bev, t_peer_read, t_peer_write, t_peer_event, p);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
}

/* Starts a peer (freed by t_peer_stop) announcing a body of ANNOUNCE bytes, sending SEND
 * of them CHUNK at a time every STEP_MS, then doing END. */
static struct t_peer *
t_peer_start(size_t announce, size_t send, size_t chunk, int step_ms, enum t_end end)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	struct t_peer *p = calloc(1, sizeof(*p));
	size_t i;

	assert_non_null(p);
	for (i = 0; i < sizeof(t_live_peer) / sizeof(t_live_peer[0]); i++)
		if (t_live_peer[i] == NULL) {
			t_live_peer[i] = p;
			break;
		}
	assert_true(i < sizeof(t_live_peer) / sizeof(t_live_peer[0]));
	p->announce = announce;
	p->send = send;
	p->chunk = chunk;
	p->step_ms = step_ms;
	p->end = end;
	assert_non_null(p->step = evtimer_new(T.base, t_peer_step, p));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_non_null(p->l = evconnlistener_new_bind(T.base, t_peer_accept, p,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin,
	    sizeof(sin)));
	assert_int_equal(getsockname(evconnlistener_get_fd(p->l), (struct sockaddr *)&sin,
	    &sl), 0);
	p->port = ntohs(sin.sin_port);
	return p;
}

static void
t_peer_stop(struct t_peer *p)
{
	size_t i;

	for (i = 0; i < sizeof(t_live_peer) / sizeof(t_live_peer[0]); i++)
		if (t_live_peer[i] == p)
			t_live_peer[i] = NULL;
	t_peer_close(p);
	if (p->step != NULL)
		event_free(p->step);
	if (p->l != NULL)
		evconnlistener_free(p->l);
	free(p);
}

/* ---- the consumer of a leg ---- */

struct t_leg {
	struct fanout_leg	*leg;
	int			 settle;	/* settle at the response head */
	int			 pause_first;	/* pause at the first data */
	int			 headers, ndata, ends, paused;
	enum http_err		 end_err;
	size_t			 got, paused_at, got_at_done;
	int			 mismatch;
	long			 end_ms;
};

static void
t_fs_headers(struct fanout_leg *leg)
{
	struct t_leg *t = leg->fl_user;

	t->headers++;
	assert_int_equal(leg->fl_status, 200);
	assert_string_equal(leg->fl_content_type, CTYPE);
	if (t->settle)
		fanout_leg_settle(leg);
}

static void
t_fs_data(struct fanout_leg *leg, const uint8_t *data, size_t len)
{
	struct t_leg *t = leg->fl_user;

	assert_int_equal(t->headers, 1);
	assert_int_equal(t->ends, 0);
	if (t->got + len > BIG_LEN || memcmp(data, big + t->got, len) != 0)
		t->mismatch++;
	t->ndata++;
	t->got += len;
	if (t->pause_first && !t->paused) {
		t->paused = 1;
		t->paused_at = t->got;
		fanout_leg_pause(leg, 1);
	}
}

static void
t_fs_end(struct fanout_leg *leg, enum http_err err)
{
	struct t_leg *t = leg->fl_user;

	t->ends++;
	t->end_err = err;
	t->end_ms = t_ms();
	print_message("# leg end: %s after %zu bytes\n", http_err_str(err), t->got);
}

static const struct fanout_stream t_stream = { t_fs_headers, t_fs_data, t_fs_end };

struct t_fo {
	struct fanout	*fo;
	int		 done;
	long		 done_ms;
	struct t_leg	*legs[4];
	size_t		 nlegs;
};

static void
t_done(struct fanout *fo, void *arg)
{
	struct t_fo *f = arg;
	size_t i;

	assert_ptr_equal(fo, f->fo);
	f->done++;
	f->done_ms = t_ms();
	for (i = 0; i < f->nlegs; i++)
		f->legs[i]->got_at_done = f->legs[i]->got;
}

/* A fan-out with one streaming leg per entry of LEGS to the peers at PORTS. */
static void
t_fo_start(struct t_fo *f, int deadline_ms, struct t_leg **legs, const uint16_t *ports,
    size_t n)
{
	char url[64];
	size_t i;

	memset(f, 0, sizeof(*f));
	assert_non_null(f->fo = fanout_new(&T.gw, NULL, NULL, deadline_ms, t_done, f));
	for (i = 0; i < sizeof(t_live_fo) / sizeof(t_live_fo[0]) && t_live_fo[i] != NULL; i++)
		;
	assert_true(i < sizeof(t_live_fo) / sizeof(t_live_fo[0]));
	t_live_fo[i] = f->fo;
	for (i = 0; i < n; i++) {
		char *body = strdup("<x/>");

		assert_non_null(body);
		(void)snprintf(url, sizeof(url), "https://127.0.0.1:%u/xca", (unsigned)ports[i]);
		assert_non_null(legs[i]->leg = fanout_add(f->fo, &T.peer, url,
		    "application/soap+xml", body, strlen(body), legs[i]));
		fanout_leg_stream(legs[i]->leg, &t_stream);
		f->legs[i] = legs[i];
	}
	f->nlegs = n;
	fanout_start(f->fo);
}

/* Frees FO (fanout_free) and forgets it. */
static void
t_fo_free(struct fanout *fo)
{
	size_t i;

	for (i = 0; i < sizeof(t_live_fo) / sizeof(t_live_fo[0]); i++)
		if (t_live_fo[i] == fo)
			t_live_fo[i] = NULL;
	fanout_free(fo);
}

static struct metrics_peer *
t_mp(void)
{
	return metrics_peer(T.gw.gw_metrics, T.peer.pr_name, T.peer.pr_hcid);
}

/* ---- tests ---- */

/* A settled leg gets its body piece by piece as the peer sends it, never buffered; the
 * fan-out is done at the head already; fs_end reports the complete body. */
static void
test_chunks_settled(void **state)
{
	struct t_leg a = { .settle = 1 }, *legs[] = { &a };
	struct t_peer *p;
	struct t_fo f;

	(void)state;
	p = t_peer_start(5000, 5000, 1000, 40, END_STALL);
	t_fo_start(&f, 5000, legs, &p->port, 1);
	assert_true(t_wait(&a.ends, 1, 5000));
	assert_int_equal(f.done, 1);
	assert_true(a.got_at_done < 5000);	/* done ran before the body was through */
	assert_int_equal(a.headers, 1);
	assert_true(a.ndata >= 5);		/* one piece per step at least */
	assert_int_equal(a.got, 5000);
	assert_int_equal(a.mismatch, 0);
	assert_int_equal(a.end_err, HTTP_OK);
	assert_int_equal(a.leg->fl_state, LEG_DONE);
	assert_null(a.leg->fl_body);
	assert_int_equal(a.leg->fl_len, 0);
	assert_null(fanout_leg_problem(a.leg));
	assert_int_equal(metrics_peer_count(t_mp(), MPO_OK), 1);
	assert_int_equal(metrics_peer_inflight(t_mp()), 0);
	t_spin(50);
	assert_int_equal(a.ends, 1);
	t_fo_free(f.fo);
	t_peer_stop(p);
}

/* A leg that is not settled is done when its body ended; fs_end is for settled legs. */
static void
test_chunks_unsettled(void **state)
{
	struct t_leg a = { 0 }, *legs[] = { &a };
	struct t_peer *p;
	struct t_fo f;

	(void)state;
	p = t_peer_start(3000, 3000, 1000, 30, END_STALL);
	t_fo_start(&f, 5000, legs, &p->port, 1);
	assert_true(t_wait(&f.done, 1, 5000));
	assert_int_equal(a.got_at_done, 3000);
	assert_true(a.ndata >= 3);
	assert_int_equal(a.mismatch, 0);
	assert_int_equal(a.leg->fl_state, LEG_DONE);
	assert_null(a.leg->fl_body);
	t_spin(50);
	assert_int_equal(a.ends, 0);
	assert_int_equal(metrics_peer_count(t_mp(), MPO_OK), 1);
	t_fo_free(f.fo);
	t_peer_stop(p);
}

/* Pausing a leg stops its reads (the peer's output backs up, nothing is delivered);
 * resuming delivers the rest, intact. */
static void
test_pause_resume(void **state)
{
	struct t_leg a = { .settle = 1, .pause_first = 1 }, *legs[] = { &a };
	struct t_peer *p;
	struct t_fo f;
	size_t backlog;

	(void)state;
	p = t_peer_start(BIG_LEN, BIG_LEN, 0, 0, END_STALL);
	t_fo_start(&f, 5000, legs, &p->port, 1);
	assert_true(t_wait(&a.paused, 1, 5000));
	assert_true(t_wait(&f.done, 1, 1000));
	t_spin(300);
	assert_int_equal(a.got, a.paused_at);	/* nothing while paused */
	assert_int_equal(a.ndata, 1);
	assert_non_null(p->bev);
	backlog = evbuffer_get_length(bufferevent_get_output(p->bev));
	print_message("# paused after %zu bytes; %zu bytes wait at the peer\n", a.got, backlog);
	assert_true(backlog > BIG_LEN / 4);	/* TCP back-pressure reached the peer */
	assert_int_equal(a.ends, 0);
	fanout_leg_pause(a.leg, 0);
	assert_true(t_wait(&a.ends, 1, 30000));
	assert_int_equal(a.end_err, HTTP_OK);
	assert_int_equal(a.got, BIG_LEN);
	assert_int_equal(a.mismatch, 0);
	assert_true(a.ndata > 1);
	fanout_leg_pause(a.leg, 1);	/* after the end: no-op */
	t_fo_free(f.fo);
	t_peer_stop(p);
}

/* A peer that closes in the middle of the body: a settled leg's fs_end says so (also
 * after a clean TLS close: the body is short of its Content-Length); an unsettled leg
 * fails and the fan-out is done with it. */
static void
test_peer_closes(void **state)
{
	enum t_end ends[] = { END_CUT, END_CLEAN };
	struct t_peer *p, *q;
	struct t_fo f;
	uint16_t ports[2];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct t_leg a = { .settle = 1 }, b = { 0 }, *legs[] = { &a, &b };

		print_message("# close mode %d\n", (int)ends[i]);
		p = t_peer_start(10000, 3000, 1000, 20, ends[i]);
		q = t_peer_start(10000, 3000, 1000, 20, ends[i]);
		ports[0] = p->port;
		ports[1] = q->port;
		t_fo_start(&f, 5000, legs, ports, 2);
		assert_true(t_wait(&a.ends, 1, 5000));
		assert_true(t_wait(&f.done, 1, 5000));
		assert_int_equal(a.end_err, HTTP_ERR_PROTOCOL);
		assert_int_equal(a.got, 3000);
		assert_int_equal(a.mismatch, 0);
		assert_int_equal(b.leg->fl_state, LEG_FAILED);
		assert_int_equal(b.leg->fl_err, HTTP_ERR_PROTOCOL);
		assert_non_null(fanout_leg_problem(b.leg));
		assert_int_equal(b.got, 3000);
		t_spin(50);
		assert_int_equal(b.ends, 0);
		assert_int_equal(a.ends, 1);
		assert_int_equal(metrics_peer_inflight(t_mp()), 0);
		t_fo_free(f.fo);
		t_peer_stop(p);
		t_peer_stop(q);
	}
	assert_int_equal(metrics_peer_count(t_mp(), MPO_ERROR), 4);
}

/* A peer that sends its whole body (Content-Length) and closes at once, with or without
 * close_notify, gave a complete answer: also when the leg was paused meanwhile (the
 * initiating gateway pauses every peer after its root part until its turn). */
static void
test_complete_then_close(void **state)
{
	enum t_end ends[] = { END_CUT, END_CLEAN };
	struct t_peer *p;
	struct t_fo f;
	size_t i;
	int paused;

	(void)state;
	for (paused = 0; paused < 2; paused++)
		for (i = 0; i < 2; i++) {
			struct t_leg a = { .settle = 1, .pause_first = paused }, *legs[] = { &a };

			print_message("# paused %d, close mode %d\n", paused, (int)ends[i]);
			p = t_peer_start(3000, 3000, 0, 0, ends[i]);
			t_fo_start(&f, 5000, legs, &p->port, 1);
			assert_true(t_wait(&f.done, 1, 5000));
			if (paused) {
				assert_true(t_wait(&a.paused, 1, 5000));
				assert_true(t_wait(&p->shut, 1, 5000));	/* it closed */
				t_spin(50);
				fanout_leg_pause(a.leg, 0);
			}
			assert_true(t_wait(&a.ends, 1, 5000));
			assert_int_equal(a.got, 3000);
			assert_int_equal(a.mismatch, 0);
			assert_int_equal(a.end_err, HTTP_OK);
			t_fo_free(f.fo);
			t_peer_stop(p);
		}
}

/* The deadline cancels stalled legs that are not settled, paused or not: the fan-out is
 * done at the deadline, the legs are LEG_TIMEOUT, their connections closed, and nothing
 * is delivered afterwards. */
static void
test_deadline_stalled(void **state)
{
	struct t_leg a = { 0 }, b = { .pause_first = 1 }, *legs[] = { &a, &b };
	struct t_peer *p, *q;
	struct t_fo f;
	uint16_t ports[2];
	long t0, dt;
	int ndata;

	(void)state;
	p = t_peer_start(10000, 100, 0, 0, END_STALL);
	q = t_peer_start(10000, 100, 0, 0, END_STALL);
	ports[0] = p->port;
	ports[1] = q->port;
	t0 = t_ms();
	/* the deadline leaves time for handshakes under valgrind on a busy machine */
	t_fo_start(&f, 1500, legs, ports, 2);
	assert_true(t_wait(&a.ndata, 1, 1400));
	assert_true(t_wait(&b.paused, 1, 1400));
	assert_int_equal(f.done, 0);
	assert_true(t_wait(&f.done, 1, 5000));
	dt = f.done_ms - t0;
	print_message("# done after %ld ms (deadline 1500)\n", dt);
	assert_true(dt >= 1480 && dt < 3500);
	assert_int_equal(a.got, 100);
	assert_int_equal(b.got, 100);
	assert_int_equal(a.leg->fl_state, LEG_TIMEOUT);
	assert_int_equal(b.leg->fl_state, LEG_TIMEOUT);
	assert_string_equal(fanout_leg_problem(a.leg), "no answer within the deadline");
	assert_true(t_wait(&p->closed, 1, 2000));	/* the call was cancelled */
	assert_true(t_wait(&q->closed, 1, 2000));
	ndata = a.ndata + b.ndata;
	t_spin(100);
	assert_int_equal(a.ndata + b.ndata, ndata);
	assert_int_equal(a.ends + b.ends, 0);
	assert_int_equal(metrics_peer_count(t_mp(), MPO_TIMEOUT), 2);
	assert_int_equal(metrics_peer_inflight(t_mp()), 0);
	t_fo_free(f.fo);
	t_peer_stop(p);
	t_peer_stop(q);
}

/* A settled leg is no longer bound by the deadline: the fan-out is done when it settles
 * and its body goes on well after the deadline. */
static void
test_settled_outlives_deadline(void **state)
{
	struct t_leg a = { .settle = 1 }, *legs[] = { &a };
	struct t_peer *p;
	struct t_fo f;
	long t0;

	(void)state;
	p = t_peer_start(10000, 10000, 1000, 250, END_STALL);	/* 2.5 s of body */
	t0 = t_ms();
	t_fo_start(&f, 1000, legs, &p->port, 1);
	assert_true(t_wait(&a.ends, 1, 10000));
	assert_int_equal(f.done, 1);
	assert_true(f.done_ms < t0 + 1000);	/* done at the head, not at the deadline */
	assert_true(a.end_ms > t0 + 1500);	/* the body ended long after the deadline */
	assert_int_equal(a.end_err, HTTP_OK);
	assert_int_equal(a.got, 10000);
	assert_int_equal(a.leg->fl_state, LEG_DONE);
	t_fo_free(f.fo);
	t_peer_stop(p);
}

/* fanout_free cancels a settled leg still streaming: no callback afterwards, the
 * connection is closed, the call counted as ended. */
static void
test_free_cancels_settled(void **state)
{
	struct t_leg a = { .settle = 1 }, *legs[] = { &a };
	struct t_peer *p;
	struct t_fo f;

	(void)state;
	p = t_peer_start(10000, 500, 0, 0, END_STALL);
	t_fo_start(&f, 5000, legs, &p->port, 1);
	assert_true(t_wait(&f.done, 1, 5000));
	assert_true(t_wait(&a.ndata, 1, 5000));
	assert_int_equal(metrics_peer_inflight(t_mp()), 1);
	t_fo_free(f.fo);
	assert_int_equal(metrics_peer_inflight(t_mp()), 0);
	assert_true(t_wait(&p->closed, 1, 2000));
	t_spin(50);
	assert_int_equal(a.ends, 0);
	t_peer_stop(p);
}

/* ---- setup ---- */

static int
t_each_setup(void **state)
{
	struct http_client_opts o = { .hc_read_timeout_ms = 20000 };

	(void)state;
	T.gw.gw_metrics = metrics_new();
	T.gw.gw_client = http_client_new(T.base, T.cli_ctx, &o);
	return T.gw.gw_metrics != NULL && T.gw.gw_client != NULL ? 0 : -1;
}

static int
t_each_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t_live_fo) / sizeof(t_live_fo[0]); i++)
		if (t_live_fo[i] != NULL)
			t_fo_free(t_live_fo[i]);
	for (i = 0; i < sizeof(t_live_peer) / sizeof(t_live_peer[0]); i++)
		if (t_live_peer[i] != NULL)
			t_peer_stop(t_live_peer[i]);
	http_client_free(T.gw.gw_client);
	metrics_free(T.gw.gw_metrics);
	t_spin(20);	/* let libevent's finalizers run */
	return 0;
}

static int
t_setup(void **state)
{
	const char *root = getenv("HASHI_ROOT");
	char cmd[512], crt[128], key[128], ca[128], ccrt[128], ckey[128];
	size_t i;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	log_init("test_fanout_stream", 0, 0);
	(void)snprintf(T.dir, sizeof(T.dir), "/tmp/hashi-fanout.XXXXXX");
	if (mkdtemp(T.dir) == NULL)
		return -1;
	(void)snprintf(cmd, sizeof(cmd), "sh %s/tests/pki/mkpki.sh %s peer gw",
	    root != NULL ? root : ".", T.dir);
	if (system(cmd) != 0)
		return -1;
	(void)snprintf(crt, sizeof(crt), "%s/peer.crt", T.dir);
	(void)snprintf(key, sizeof(key), "%s/peer.key", T.dir);
	(void)snprintf(ca, sizeof(ca), "%s/ca.crt", T.dir);
	(void)snprintf(ccrt, sizeof(ccrt), "%s/gw.crt", T.dir);
	(void)snprintf(ckey, sizeof(ckey), "%s/gw.key", T.dir);
	T.srv_ctx = tls_server_ctx_new(crt, key, ca, 0);
	T.cli_ctx = tls_client_ctx_new(ccrt, ckey, ca, 0);
	T.base = event_base_new();
	if ((big = malloc(BIG_LEN)) == NULL)
		return -1;
	for (i = 0; i < BIG_LEN; i++)
		big[i] = (uint8_t)((i * 2654435761u) >> 13);
	T.gw.gw_base = T.base;
	T.peer.pr_name = "peer";
	T.peer.pr_hcid = "urn:oid:1.2.392.200119.6.1099";
	T.peer.pr_id.ci_subject = PEER_SUBJECT;
	return T.srv_ctx != NULL && T.cli_ctx != NULL && T.base != NULL ? 0 : -1;
}

static int
t_teardown(void **state)
{
	char cmd[128];

	(void)state;
	SSL_CTX_free(T.srv_ctx);
	SSL_CTX_free(T.cli_ctx);
	if (T.base != NULL)
		event_base_free(T.base);
	free(big);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T.dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chunks_settled, t_each_setup,
		    t_each_teardown),
		cmocka_unit_test_setup_teardown(test_chunks_unsettled, t_each_setup,
		    t_each_teardown),
		cmocka_unit_test_setup_teardown(test_pause_resume, t_each_setup,
		    t_each_teardown),
		cmocka_unit_test_setup_teardown(test_peer_closes, t_each_setup,
		    t_each_teardown),
		cmocka_unit_test_setup_teardown(test_complete_then_close, t_each_setup,
		    t_each_teardown),
		cmocka_unit_test_setup_teardown(test_deadline_stalled, t_each_setup,
		    t_each_teardown),
		cmocka_unit_test_setup_teardown(test_settled_outlives_deadline, t_each_setup,
		    t_each_teardown),
		cmocka_unit_test_setup_teardown(test_free_cancels_settled, t_each_setup,
		    t_each_teardown),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
