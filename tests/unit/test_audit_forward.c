/*
 * Unit tests for gateway/audit_forward: a TLS syslog receiver (RFC 5425 octet counting)
 * runs in process on 127.0.0.1:ephemeral on the forwarder's event loop; the audit log is
 * a real one in a mkdtemp directory; the test PKI is made by tests/pki/mkpki.sh (found
 * through $HASHI_ROOT, default "."). Checks the exact frames, the persisted cursor, no
 * loss while the receiver is down or refuses the handshake, refused repository
 * certificates, and large records.
 */
#define _XOPEN_SOURCE 700	/* nftw in tmpdir.h */
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
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "audit/auditlog.h"
#include "common/log.h"
#include "crypto/tls.h"
#include "gateway/audit_forward.h"
#include "gateway/config.h"
#include "tmpdir.h"

#define MAPSIZE		((size_t)64 << 20)
#define WAIT_MS		30000	/* generous: valgrind makes TLS slow */
#define MAXCONN		64

/* How the receiver treats a connection: NORMAL reads frames and closes on error; STALL
 * stops reading once the handshake is done, until rcv_reset_stalled resets it and turns
 * the receiver NORMAL. */
enum rcv_mode { RCV_NORMAL, RCV_STALL };

/* The in-process repository: a listening socket (or a bound one that refuses), the TLS
 * context it presents, its connections and every frame received, split by LEN. */
struct rcv {
	enum rcv_mode		 mode;
	struct bufferevent	*stalled;
	evutil_socket_t		 fd;
	uint16_t		 port;
	struct evconnlistener	*l;
	SSL_CTX			*ctx;
	struct bufferevent	*conns[MAXCONN];
	uint8_t			**frames;
	size_t			*flens;
	size_t			 nframes, cap;
	int			 accepted;
	int			 bad;		/* a malformed LEN seen */
};

static struct {
	char			 dir[64];
	char			 cert[128], key[128], ca[128];
	char			 logdir[128];
	struct event_base	*base;
	SSL_CTX			*srv_ctx;	/* server.crt from the test CA */
	SSL_CTX			*rogue_ctx;	/* a certificate of another CA */
	SSL_CTX			*strict_ctx;	/* server.crt, but refuses our client cert */
	SSL_CTX			*cli_ctx;	/* the "gateway's" client context */
	struct config		 cf;
	struct auditlog		*log;
	struct rcv		 rcv;
	int			 ntest;
} T;

static const char *
P(const char *name)
{
	static char buf[8][256];
	static int i;
	char *p = buf[i++ % 8];

	assert_true(snprintf(p, sizeof(buf[0]), "%s/%s", T.dir, name) < (int)sizeof(buf[0]));
	return p;
}

/* ---- the event loop ---- */

static void
t_flag_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop until PRED(ARG) or MS elapsed. Returns PRED's last value. */
static int
t_wait(int (*pred)(void *), void *arg, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *ev;
	int timedout = 0;

	assert_non_null(ev = evtimer_new(T.base, t_flag_cb, &timedout));
	evtimer_add(ev, &tv);
	while (!pred(arg) && !timedout)
		event_base_loop(T.base, EVLOOP_ONCE);
	event_free(ev);
	return pred(arg);
}

static int
t_never(void *arg)
{
	(void)arg;
	return 0;
}

static void
t_spin(int ms)
{
	(void)t_wait(t_never, NULL, ms);
}

static size_t t_want;

static int
t_have_frames(void *arg)
{
	(void)arg;
	return T.rcv.nframes >= t_want;
}

static int
t_connected(void *arg)
{
	struct audit_forward_stats st;

	audit_forward_stats(arg, &st);
	return st.afs_connected;
}

/* Waits for the forwarder to have delivered and persisted everything in the log. */
static int
t_drained(void *arg)
{
	struct audit_forward_stats st;
	uint64_t size;

	audit_forward_stats(arg, &st);
	assert_int_equal(auditlog_size(T.log, &size), AUDITLOG_OK);
	return st.afs_backlog == 0 && st.afs_cursor == size;
}

/* ---- the receiver ---- */

/* Splits complete "LEN SP MSG" frames off IN. */
static void
rcv_parse(struct rcv *r, struct evbuffer *in)
{
	uint8_t *p;
	size_t i, n, len;

	for (;;) {
		n = evbuffer_get_length(in);
		p = evbuffer_pullup(in, n < 12 ? (ssize_t)n : 12);
		for (i = 0, len = 0; i < n && i < 11 && p[i] >= '0' && p[i] <= '9'; i++)
			len = len * 10 + (size_t)(p[i] - '0');
		if (i == n)
			return;		/* LEN not complete yet */
		if (i == 0 || i == 11 || p[i] != ' ' || p[0] == '0') {
			r->bad++;
			(void)evbuffer_drain(in, n);
			return;
		}
		if (n < i + 1 + len)
			return;
		if (r->nframes == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 64;
			assert_non_null(r->frames = realloc(r->frames, r->cap * sizeof(*r->frames)));
			assert_non_null(r->flens = realloc(r->flens, r->cap * sizeof(*r->flens)));
		}
		(void)evbuffer_drain(in, i + 1);
		assert_non_null(r->frames[r->nframes] = malloc(len));
		assert_int_equal(evbuffer_remove(in, r->frames[r->nframes], len), (int)len);
		r->flens[r->nframes++] = len;
	}
}

static void
rcv_read_cb(struct bufferevent *bev, void *arg)
{
	rcv_parse(arg, bufferevent_get_input(bev));
}

static void
rcv_drop_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	(void)evbuffer_drain(in, evbuffer_get_length(in));
}

static void
rcv_forget(struct rcv *r, struct bufferevent *bev)
{
	int i;

	for (i = 0; i < MAXCONN; i++)
		if (r->conns[i] == bev)
			r->conns[i] = NULL;
	bufferevent_free(bev);
}

/* Ends the stalled connection with a TCP reset: what it had not read is lost. */
static void
rcv_reset_stalled(struct rcv *r)
{
	struct linger lg = { 1, 0 };

	assert_non_null(r->stalled);
	assert_int_equal(setsockopt(bufferevent_getfd(r->stalled), SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), 0);
	rcv_forget(r, r->stalled);
	r->stalled = NULL;
	r->mode = RCV_NORMAL;
}

static void
rcv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct rcv *r = arg;

	if ((what & BEV_EVENT_CONNECTED) != 0) {
		if (r->mode == RCV_STALL && r->stalled == NULL) {
			r->stalled = bev;
			bufferevent_setcb(bev, rcv_drop_cb, NULL, rcv_event_cb, r);
			bufferevent_disable(bev, EV_READ);
		}
		return;
	}
	if (bev == r->stalled)
		return;		/* reset by the test */
	rcv_forget(r, bev);
}

static void
rcv_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
    void *arg)
{
	struct rcv *r = arg;
	struct bufferevent *bev;
	int i;

	(void)l;
	(void)sa;
	(void)sl;
	r->accepted++;
	bev = bufferevent_openssl_socket_new(T.base, fd, SSL_new(r->ctx),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(bev);
	for (i = 0; i < MAXCONN && r->conns[i] != NULL; i++)
		;
	assert_true(i < MAXCONN);
	r->conns[i] = bev;
	bufferevent_setcb(bev, rcv_read_cb, NULL, rcv_event_cb, r);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* Binds 127.0.0.1:0 without listening: connections are refused until rcv_start. */
static void
rcv_bind(struct rcv *r)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int one = 1;

	memset(r, 0, sizeof(*r));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((r->fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(r->fd, (struct sockaddr *)&sin, &sl), 0);
	r->port = ntohs(sin.sin_port);
	assert_int_equal(evutil_make_socket_nonblocking(r->fd), 0);
}

static void
rcv_start(struct rcv *r, SSL_CTX *ctx)
{
	r->ctx = ctx;
	assert_non_null(r->l = evconnlistener_new(T.base, rcv_accept, r,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, r->fd));
}

static void
rcv_free(struct rcv *r)
{
	size_t i;

	for (i = 0; i < MAXCONN; i++)
		if (r->conns[i] != NULL)
			bufferevent_free(r->conns[i]);
	if (r->l != NULL)
		evconnlistener_free(r->l);
	else if (r->fd != -1)
		close(r->fd);
	for (i = 0; i < r->nframes; i++)
		free(r->frames[i]);
	free(r->frames);
	free(r->flens);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/* ---- a TCP proxy that delays both directions (a WAN in a box) ---- */

#define PQ_MAX		1024
#define PQ_CLOSE	((size_t)-1)	/* a queue entry meaning "then close" */

struct pdir {
	struct bufferevent	*from, *to;
	struct evbuffer		*pending;
	struct {
		long long	 due;
		size_t		 n;
	}			 q[PQ_MAX];
	size_t			 head, count;
	struct event		*timer;
	struct pconn		*pc;
};

struct pconn {
	struct pdir		 up, down;	/* client -> server, server -> client */
	struct proxy		*px;
	int			 slot;
	int			 closing;	/* flushing the last bytes, then freed */
};

struct proxy {
	struct evconnlistener	*l;
	uint16_t		 port, target;
	int			 delay_ms;
	struct pconn		*conns[MAXCONN];
};

static long long
t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
pconn_free(struct pconn *pc)
{
	pc->px->conns[pc->slot] = NULL;
	bufferevent_free(pc->up.from);
	bufferevent_free(pc->down.from);
	event_free(pc->up.timer);
	event_free(pc->down.timer);
	evbuffer_free(pc->up.pending);
	evbuffer_free(pc->down.pending);
	free(pc);
}

static void
pdir_arm(struct pdir *d)
{
	long long ms = d->q[d->head].due - t_now_ms();
	struct timeval tv = { 0, 0 };

	if (ms > 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
	}
	evtimer_add(d->timer, &tv);
}

static void
proxy_flushed_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	pconn_free(arg);
}

/* The peer of D's source closed: flush what D passed on, then close both sides. */
static void
pconn_close(struct pdir *d)
{
	struct pconn *pc = d->pc;

	if (evbuffer_get_length(bufferevent_get_output(d->to)) == 0) {
		pconn_free(pc);
		return;
	}
	pc->closing = 1;
	bufferevent_disable(d->to, EV_READ);
	bufferevent_setcb(d->to, NULL, proxy_flushed_cb, NULL, pc);
}

/* Passes on what is due; "close" entries end the proxied connection. */
static void
pdir_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pdir *d = arg;
	long long now = t_now_ms();

	(void)fd;
	(void)what;
	while (d->count > 0 && d->q[d->head].due <= now) {
		if (d->q[d->head].n == PQ_CLOSE) {
			pconn_close(d);
			return;
		}
		assert_int_equal(evbuffer_remove_buffer(d->pending,
		    bufferevent_get_output(d->to), d->q[d->head].n), (int)d->q[d->head].n);
		d->head = (d->head + 1) % PQ_MAX;
		d->count--;
	}
	if (d->count > 0)
		pdir_arm(d);
}

static void
pdir_push(struct pdir *d, size_t n)
{
	size_t i = (d->head + d->count) % PQ_MAX;

	assert_true(d->count < PQ_MAX);
	d->q[i].due = t_now_ms() + d->pc->px->delay_ms;
	d->q[i].n = n;
	if (d->count++ == 0)
		pdir_arm(d);
}

static void
proxy_read_cb(struct bufferevent *bev, void *arg)
{
	struct pconn *pc = arg;
	struct pdir *d = bev == pc->up.from ? &pc->up : &pc->down;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	evbuffer_add_buffer(d->pending, in);
	pdir_push(d, n);
}

static void
proxy_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct pconn *pc = arg;
	struct pdir *d = bev == pc->up.from ? &pc->up : &pc->down;

	if ((what & BEV_EVENT_CONNECTED) != 0)
		return;
	if (pc->closing) {
		pconn_free(pc);
		return;
	}
	bufferevent_disable(bev, EV_READ);
	pdir_push(d, PQ_CLOSE);	/* the close travels with the same delay */
}

static void
pdir_init(struct pdir *d, struct pconn *pc, struct bufferevent *from,
    struct bufferevent *to)
{
	d->pc = pc;
	d->from = from;
	d->to = to;
	assert_non_null(d->pending = evbuffer_new());
	assert_non_null(d->timer = evtimer_new(T.base, pdir_timer_cb, d));
	bufferevent_setcb(from, proxy_read_cb, NULL, proxy_event_cb, pc);
	bufferevent_enable(from, EV_READ | EV_WRITE);
}

static void
proxy_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
    void *arg)
{
	struct proxy *px = arg;
	struct pconn *pc;
	struct bufferevent *a, *b;
	struct sockaddr_in sin;
	int i;

	(void)l;
	(void)sa;
	(void)sl;
	for (i = 0; i < MAXCONN && px->conns[i] != NULL; i++)
		;
	assert_true(i < MAXCONN);
	assert_non_null(pc = calloc(1, sizeof(*pc)));
	pc->px = px;
	pc->slot = i;
	px->conns[i] = pc;
	assert_non_null(a = bufferevent_socket_new(T.base, fd, BEV_OPT_CLOSE_ON_FREE));
	assert_non_null(b = bufferevent_socket_new(T.base, -1, BEV_OPT_CLOSE_ON_FREE));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(px->target);
	pdir_init(&pc->up, pc, a, b);
	pdir_init(&pc->down, pc, b, a);
	assert_int_equal(bufferevent_socket_connect(b, (struct sockaddr *)&sin, sizeof(sin)), 0);
}

static void
proxy_start(struct proxy *px, uint16_t target, int delay_ms)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	memset(px, 0, sizeof(*px));
	px->target = target;
	px->delay_ms = delay_ms;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_non_null(px->l = evconnlistener_new_bind(T.base, proxy_accept, px,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin,
	    sizeof(sin)));
	assert_int_equal(getsockname(evconnlistener_get_fd(px->l), (struct sockaddr *)&sin,
	    &sl), 0);
	px->port = ntohs(sin.sin_port);
}

static void
proxy_free(struct proxy *px)
{
	int i;

	for (i = 0; i < MAXCONN; i++)
		if (px->conns[i] != NULL)
			pconn_free(px->conns[i]);
	evconnlistener_free(px->l);
}

/* ---- records and frames ---- */

/* Record I of LEN bytes (>= 128): a deterministic, mostly ASCII XML text with UTF-8. */
static uint8_t *
rec_make(size_t i, size_t len)
{
	uint8_t *r;
	int n;
	size_t j;

	assert_true(len >= 128);
	assert_non_null(r = malloc(len));
	n = snprintf((char *)r, len, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<AuditMessage seq=\"%zu\" site=\"晴れやかネット\">", i);
	assert_true(n > 0 && (size_t)n < len - 20);
	for (j = (size_t)n; j < len - 15; j++)
		r[j] = (uint8_t)('a' + (i * 7 + j) % 26);
	memcpy(r + len - 15, "</AuditMessage>", 15);
	return r;
}

static size_t
rec_len(size_t i)
{
	return 200 + (i * 97) % 3000;
}

/* Appends records FIRST.. of the lengths LENS (NULL: rec_len) in one batch. */
static void
log_append(size_t first, size_t n, const size_t *lens)
{
	struct auditlog_batch b;
	uint64_t seq;
	uint8_t *r;
	size_t i, len;

	assert_int_equal(auditlog_begin(T.log, &b), AUDITLOG_OK);
	for (i = first; i < first + n; i++) {
		len = lens != NULL ? lens[i - first] : rec_len(i);
		r = rec_make(i, len);
		assert_int_equal(auditlog_add(&b, r, len, &seq), AUDITLOG_OK);
		assert_int_equal(seq, i);
		free(r);
	}
	assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
}

/* Skips one SP-terminated header field of FRAME at *OFF; returns its length. */
static size_t
field(const uint8_t *f, size_t flen, size_t *off, char *out, size_t outsz)
{
	size_t s = *off, e = s;

	while (e < flen && f[e] != ' ')
		e++;
	assert_true(e < flen);
	assert_true(e - s < outsz);
	memcpy(out, f + s, e - s);
	out[e - s] = '\0';
	*off = e + 1;
	return e - s;
}

/* Asserts that frame K is exactly the RFC 5424 message for record SEQ of length LEN. */
static void
check_frame(size_t k, size_t seq, size_t len)
{
	const uint8_t *f = T.rcv.frames[k];
	size_t flen = T.rcv.flens[k], off = 0, i;
	static const char ts_shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	char v[300], pid[32];
	uint8_t *want;

	assert_true(k < T.rcv.nframes);
	field(f, flen, &off, v, sizeof(v));
	assert_string_equal(v, "<85>1");
	assert_int_equal(field(f, flen, &off, v, sizeof(v)), 24);	/* RFC 3339, ms, UTC */
	for (i = 0; i < 24; i++)
		assert_true(ts_shape[i] == 'd' ? v[i] >= '0' && v[i] <= '9' : v[i] == ts_shape[i]);
	assert_true(field(f, flen, &off, v, sizeof(v)) >= 1);		/* HOSTNAME */
	for (i = 0; v[i] != '\0'; i++)
		assert_true(v[i] > 32 && v[i] < 127);
	field(f, flen, &off, v, sizeof(v));
	assert_string_equal(v, "hashid");
	field(f, flen, &off, v, sizeof(v));
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	assert_string_equal(v, pid);
	field(f, flen, &off, v, sizeof(v));
	assert_string_equal(v, "IHE+RFC-3881");
	field(f, flen, &off, v, sizeof(v));
	assert_string_equal(v, "-");				/* STRUCTURED-DATA */
	assert_true(flen - off >= 3);
	assert_memory_equal(f + off, "\xef\xbb\xbf", 3);
	off += 3;
	assert_int_equal(flen - off, len);
	want = rec_make(seq, len);
	assert_memory_equal(f + off, want, len);
	free(want);
}

/* ---- fixtures ---- */

static int
t_setup_test(void **state)
{
	(void)state;
	snprintf(T.logdir, sizeof(T.logdir), "%s/log%d", T.dir, ++T.ntest);
	if ((T.log = auditlog_open(T.logdir, MAPSIZE)) == NULL)
		return -1;
	T.cf.cf_audit_fwd_server_name = NULL;
	rcv_bind(&T.rcv);
	return 0;
}

static int
t_teardown_test(void **state)
{
	(void)state;
	rcv_free(&T.rcv);
	t_spin(20);	/* let closed connections settle */
	auditlog_close(T.log);
	T.log = NULL;
	return 0;
}

/* A forwarder to PORT (0: the receiver's) with a 50..200 ms backoff. */
static struct audit_forward *
fwd_new_port(SSL_CTX *client_ctx, uint16_t port)
{
	struct audit_forward *fwd;

	T.cf.cf_audit_fwd_port = port != 0 ? port : T.rcv.port;
	assert_non_null(fwd = audit_forward_new(T.base, client_ctx, &T.cf, T.log));
	audit_forward_set_backoff(fwd, 50, 200);
	return fwd;
}

static struct audit_forward *
fwd_new(SSL_CTX *client_ctx)
{
	return fwd_new_port(client_ctx, 0);
}

/* ---- tests ---- */

/* 600 records of varied sizes (more than two slices) arrive exactly as framed, in order,
 * and the cursor reaches the log size. */
static void
test_frames(void **state)
{
	struct audit_forward *fwd;
	struct audit_forward_stats st;
	uint64_t c;
	size_t i;

	(void)state;
	rcv_start(&T.rcv, T.srv_ctx);
	log_append(0, 600, NULL);
	fwd = fwd_new(NULL);
	t_want = 600;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	assert_true(t_wait(t_drained, fwd, WAIT_MS));
	t_spin(50);
	assert_int_equal(T.rcv.nframes, 600);
	assert_int_equal(T.rcv.bad, 0);
	for (i = 0; i < 600; i++)
		check_frame(i, i, rec_len(i));
	audit_forward_stats(fwd, &st);
	assert_int_equal(st.afs_sent, 600);
	assert_int_equal(st.afs_backlog, 0);
	assert_int_equal(st.afs_connected, 1);
	assert_int_equal(st.afs_connects, 1);
	assert_string_equal(st.afs_error, "");
	assert_int_equal(auditlog_cursor(T.log, AUDIT_FORWARD_CURSOR, &c), AUDITLOG_OK);
	assert_int_equal(c, 600);
	/* A kick with nothing new sends nothing. */
	audit_forward_kick(fwd);
	t_spin(50);
	assert_int_equal(T.rcv.nframes, 600);
	audit_forward_free(fwd);
}

/* The cursor survives the forwarder and the log being closed: a new forwarder (this time
 * on the borrowed client context) sends only the records added since. */
static void
test_cursor_persists(void **state)
{
	struct audit_forward *fwd;
	uint64_t c;
	size_t i;

	(void)state;
	rcv_start(&T.rcv, T.srv_ctx);
	log_append(0, 5, NULL);
	fwd = fwd_new(NULL);
	t_want = 5;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	assert_true(t_wait(t_drained, fwd, WAIT_MS));
	audit_forward_free(fwd);
	auditlog_close(T.log);
	assert_non_null(T.log = auditlog_open(T.logdir, MAPSIZE));
	assert_int_equal(auditlog_cursor(T.log, AUDIT_FORWARD_CURSOR, &c), AUDITLOG_OK);
	assert_int_equal(c, 5);

	log_append(5, 3, NULL);
	fwd = fwd_new(T.cli_ctx);
	t_want = 8;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	assert_true(t_wait(t_drained, fwd, WAIT_MS));
	t_spin(100);
	assert_int_equal(T.rcv.nframes, 8);
	for (i = 0; i < 8; i++)
		check_frame(i, i, rec_len(i));
	assert_int_equal(auditlog_cursor(T.log, AUDIT_FORWARD_CURSOR, &c), AUDITLOG_OK);
	assert_int_equal(c, 8);
	audit_forward_free(fwd);
}

/* Receiver down at start: the forwarder retries with backoff; records appended meanwhile
 * (kicked) all arrive, in order, once it is up. */
static void
test_receiver_down(void **state)
{
	struct audit_forward *fwd;
	struct audit_forward_stats st;
	uint64_t c;
	size_t i;

	(void)state;
	log_append(0, 4, NULL);
	fwd = fwd_new(NULL);
	t_spin(500);
	audit_forward_stats(fwd, &st);
	assert_int_equal(st.afs_connected, 0);
	assert_true(st.afs_connects >= 2);		/* it retried ... */
	assert_true(st.afs_connects <= 6);		/* ... backing off 50, 100, 200 ms */
	assert_true(st.afs_failures >= 2);
	assert_true(strstr(st.afs_error, "connect") != NULL);
	assert_int_equal(st.afs_backlog, 4);
	assert_int_equal(auditlog_cursor(T.log, AUDIT_FORWARD_CURSOR, &c), AUDITLOG_OK);
	assert_int_equal(c, 0);

	log_append(4, 3, NULL);
	audit_forward_kick(fwd);
	t_spin(100);
	rcv_start(&T.rcv, T.srv_ctx);
	t_want = 7;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	assert_true(t_wait(t_drained, fwd, WAIT_MS));
	t_spin(50);
	assert_int_equal(T.rcv.nframes, 7);
	for (i = 0; i < 7; i++)
		check_frame(i, i, rec_len(i));
	audit_forward_stats(fwd, &st);
	assert_int_equal(st.afs_connected, 1);
	assert_string_equal(st.afs_error, "");
	audit_forward_free(fwd);
}

/* Runs the loop for MS, then asserts that FWD tried at least TRIES times but delivered
 * nothing of the N records. */
static void
check_refused(struct audit_forward *fwd, uint64_t n, int ms, int tries)
{
	struct audit_forward_stats st;
	uint64_t c;

	t_spin(ms);
	audit_forward_stats(fwd, &st);
	print_message("# refused: %s\n", st.afs_error);
	assert_true(T.rcv.accepted >= tries);
	assert_int_equal(T.rcv.nframes, 0);
	assert_int_equal(st.afs_connected, 0);
	assert_int_equal(st.afs_sent, 0);
	assert_int_equal(st.afs_backlog, n);
	assert_true(st.afs_error[0] != '\0');
	assert_int_equal(auditlog_cursor(T.log, AUDIT_FORWARD_CURSOR, &c), AUDITLOG_OK);
	assert_int_equal(c, 0);
}

/* A repository whose certificate is not from the CA gets nothing; once it presents a
 * good one, everything arrives. */
static void
test_refuse_rogue_server(void **state)
{
	struct audit_forward *fwd;
	size_t i;

	(void)state;
	rcv_start(&T.rcv, T.rogue_ctx);
	log_append(0, 3, NULL);
	fwd = fwd_new(NULL);
	check_refused(fwd, 3, 800, 2);
	T.rcv.ctx = T.srv_ctx;
	t_want = 3;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	for (i = 0; i < 3; i++)
		check_frame(i, i, rec_len(i));
	audit_forward_free(fwd);
}

/* A good certificate for the wrong name (server_name "audit.example") is refused. */
static void
test_refuse_wrong_name(void **state)
{
	struct audit_forward *fwd;
	char name[] = "audit.example";

	(void)state;
	rcv_start(&T.rcv, T.srv_ctx);
	log_append(0, 3, NULL);
	T.cf.cf_audit_fwd_server_name = name;
	fwd = fwd_new(NULL);
	T.cf.cf_audit_fwd_server_name = NULL;
	check_refused(fwd, 3, 800, 2);
	audit_forward_free(fwd);
}

/* A repository that refuses our client certificate, 100 ms away each way (through the
 * delaying proxy, which also acknowledges at TCP level whatever the client sends). With
 * TLS 1.3 the client finishes its handshake a round trip before the refusal arrives:
 * the settle period must keep the records from being sent and counted in that time. */
static void
test_client_cert_refused(void **state)
{
	struct audit_forward *fwd;
	struct proxy px;
	size_t i;

	(void)state;
	rcv_start(&T.rcv, T.strict_ctx);
	proxy_start(&px, T.rcv.port, 100);
	log_append(0, 3, NULL);
	fwd = fwd_new_port(NULL, px.port);
	check_refused(fwd, 3, 1500, 1);
	T.rcv.ctx = T.srv_ctx;
	t_want = 3;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	assert_true(t_wait(t_drained, fwd, WAIT_MS));
	for (i = 0; i < 3; i++)
		check_frame(i, i, rec_len(i));
	audit_forward_free(fwd);
	proxy_free(&px);
}

/* Records written into the kernel but never acknowledged by the repository's TCP (it
 * stops reading, then resets the connection) are not counted as sent: they all arrive
 * over the next connection. */
static void
test_unacked_resent(void **state)
{
	static size_t lens[50];
	struct audit_forward *fwd;
	struct audit_forward_stats st;
	int small = 4096;
	size_t i;

	(void)state;
	for (i = 0; i < 50; i++)
		lens[i] = 4096;
	assert_int_equal(setsockopt(T.rcv.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	T.rcv.mode = RCV_STALL;
	rcv_start(&T.rcv, T.srv_ctx);
	log_append(0, 50, lens);
	fwd = fwd_new(NULL);
	assert_true(t_wait(t_connected, fwd, WAIT_MS));
	t_spin(200);	/* the slice goes out at once; the receiver's window stays shut */
	audit_forward_stats(fwd, &st);
	assert_int_equal(st.afs_connected, 1);
	assert_int_equal(st.afs_sent, 0);
	assert_int_equal(st.afs_backlog, 50);
	rcv_reset_stalled(&T.rcv);
	t_want = 50;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	assert_true(t_wait(t_drained, fwd, WAIT_MS));
	t_spin(50);
	assert_int_equal(T.rcv.nframes, 50);
	for (i = 0; i < 50; i++)
		check_frame(i, i, lens[i]);
	audit_forward_stats(fwd, &st);
	assert_int_equal(st.afs_connects, 2);
	assert_int_equal(st.afs_failures, 1);
	audit_forward_free(fwd);
}

/* A 100 KB record and one larger than a slice (1.5 MiB, sent alone) pass intact. */
static void
test_large_records(void **state)
{
	static const size_t lens[] = { 300, 100 * 1024, 400, 1536 * 1024, 500 };
	struct audit_forward *fwd;
	size_t i, n = sizeof(lens) / sizeof(lens[0]);

	(void)state;
	rcv_start(&T.rcv, T.srv_ctx);
	log_append(0, n, lens);
	fwd = fwd_new(NULL);
	t_want = n;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	assert_true(t_wait(t_drained, fwd, WAIT_MS));
	assert_int_equal(T.rcv.nframes, n);
	assert_int_equal(T.rcv.bad, 0);
	for (i = 0; i < n; i++)
		check_frame(i, i, lens[i]);
	audit_forward_free(fwd);
}

/* Without an address there is no forwarder; a log set later is read from then on. */
static void
test_config_and_late_log(void **state)
{
	struct audit_forward *fwd;
	char *addr = T.cf.cf_audit_fwd_address;

	(void)state;
	T.cf.cf_audit_fwd_address = NULL;
	assert_null(audit_forward_new(T.base, NULL, &T.cf, T.log));
	T.cf.cf_audit_fwd_address = addr;

	rcv_start(&T.rcv, T.srv_ctx);
	log_append(0, 2, NULL);
	T.cf.cf_audit_fwd_port = T.rcv.port;
	assert_non_null(fwd = audit_forward_new(T.base, NULL, &T.cf, NULL));
	t_spin(200);
	assert_int_equal(T.rcv.accepted, 0);		/* no log, no work */
	audit_forward_set_log(fwd, T.log);
	t_want = 2;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	check_frame(0, 0, rec_len(0));
	check_frame(1, 1, rec_len(1));
	audit_forward_free(fwd);
}

/* Returns 1 when /etc/hosts maps "localhost" to 127.0.0.1 (so no DNS query leaves). */
static int
hosts_has_localhost(void)
{
	char line[512];
	FILE *fp;
	int found = 0;

	if ((fp = fopen("/etc/hosts", "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strncmp(line, "127.0.0.1", 9) == 0 && strstr(line, " localhost") != NULL;
	fclose(fp);
	return found;
}

/* A host name as the address: resolved through evdns (the hosts file), the certificate
 * checked against that name (the test server's has DNS:localhost). */
static void
test_host_name(void **state)
{
	struct audit_forward *fwd;
	char *addr = T.cf.cf_audit_fwd_address;
	char name[] = "localhost";

	(void)state;
	if (!hosts_has_localhost())
		skip();
	rcv_start(&T.rcv, T.srv_ctx);
	log_append(0, 2, NULL);
	T.cf.cf_audit_fwd_address = name;
	fwd = fwd_new(NULL);
	T.cf.cf_audit_fwd_address = addr;
	t_want = 2;
	assert_true(t_wait(t_have_frames, NULL, WAIT_MS));
	assert_true(t_wait(t_drained, fwd, WAIT_MS));
	check_frame(0, 0, rec_len(0));
	check_frame(1, 1, rec_len(1));
	audit_forward_free(fwd);
}

/* ---- group setup ---- */

static int
t_setup(void **state)
{
	const char *root = getenv("HASHI_ROOT");
	char cmd[512];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	log_init("test_audit_forward", 1, 0);
	(void)snprintf(T.dir, sizeof(T.dir), "/tmp/hashi-fwd.XXXXXX");
	if (mkdtemp(T.dir) == NULL)
		return -1;
	(void)snprintf(cmd, sizeof(cmd), "sh %s/tests/pki/mkpki.sh %s server client",
	    root != NULL ? root : ".", T.dir);
	if (system(cmd) != 0)
		return -1;
	T.srv_ctx = tls_server_ctx_new(P("server.crt"), P("server.key"), P("ca.crt"), 0);
	T.rogue_ctx = tls_server_ctx_new(P("rogue.crt"), P("rogue.key"), P("ca.crt"), 0);
	T.strict_ctx = tls_server_ctx_new(P("server.crt"), P("server.key"), P("rogue-ca.crt"),
	    0);
	T.cli_ctx = tls_client_ctx_new(P("client.crt"), P("client.key"), P("ca.crt"), 0);
	T.base = event_base_new();
	if (T.srv_ctx == NULL || T.rogue_ctx == NULL || T.strict_ctx == NULL ||
	    T.cli_ctx == NULL || T.base == NULL)
		return -1;
	(void)snprintf(T.cert, sizeof(T.cert), "%s", P("client.crt"));
	(void)snprintf(T.key, sizeof(T.key), "%s", P("client.key"));
	(void)snprintf(T.ca, sizeof(T.ca), "%s", P("ca.crt"));
	T.cf.cf_tls_cert = T.cert;
	T.cf.cf_tls_key = T.key;
	T.cf.cf_tls_ca = T.ca;
	T.cf.cf_audit_fwd_address = (char *)(uintptr_t)"127.0.0.1";
	T.cf.cf_connect_timeout_ms = 5000;
	T.cf.cf_read_timeout_ms = 5000;
	T.rcv.fd = -1;
	return 0;
}

static int
t_teardown(void **state)
{
	(void)state;
	SSL_CTX_free(T.srv_ctx);
	SSL_CTX_free(T.rogue_ctx);
	SSL_CTX_free(T.strict_ctx);
	SSL_CTX_free(T.cli_ctx);
	if (T.base != NULL)
		event_base_free(T.base);
	return tmpdir_remove(T.dir) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_frames, t_setup_test, t_teardown_test),
		cmocka_unit_test_setup_teardown(test_cursor_persists, t_setup_test,
		    t_teardown_test),
		cmocka_unit_test_setup_teardown(test_receiver_down, t_setup_test,
		    t_teardown_test),
		cmocka_unit_test_setup_teardown(test_refuse_rogue_server, t_setup_test,
		    t_teardown_test),
		cmocka_unit_test_setup_teardown(test_refuse_wrong_name, t_setup_test,
		    t_teardown_test),
		cmocka_unit_test_setup_teardown(test_client_cert_refused, t_setup_test,
		    t_teardown_test),
		cmocka_unit_test_setup_teardown(test_unacked_resent, t_setup_test,
		    t_teardown_test),
		cmocka_unit_test_setup_teardown(test_large_records, t_setup_test,
		    t_teardown_test),
		cmocka_unit_test_setup_teardown(test_config_and_late_log, t_setup_test,
		    t_teardown_test),
		cmocka_unit_test_setup_teardown(test_host_name, t_setup_test, t_teardown_test),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
