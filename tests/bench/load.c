/*
 * tests/bench/load.c: hashi-load, the HTTP/1.1-over-TLS load driver of `make bench`.
 *
 * Why not wrk or h2load: hashid only talks to callers that present a client certificate
 * (mutual TLS is how it knows who is calling), and neither tool can present one. This
 * driver does the little the bench needs: C connections on one libevent loop, each
 * POSTing a body made from a template over and over (keep-alive) or on a fresh
 * connection each time (-k 0, which then measures full handshakes), for D seconds.
 *
 * The template is sent as is, except that every {{PATIENT}} becomes PREFIX + a random
 * number 1..N printed %04d (the ids tests/data/gen_demo_data.sh writes), and every
 * {{MESSAGE_ID}} a fresh urn:uuid. A response counts as good when its status is the
 * expected one and, with -m, its body contains TEXT. Latency runs from the first byte
 * written (keep-alive) or from connect (-k 0) to the last byte of the response.
 *
 * Output, on stdout, one line of key=value pairs for tests/bench/run.sh:
 *   requests= good= bad= errors= seconds= rps= p50_ms= p90_ms= p99_ms= max_ms=
 *   mean_ms= bytes_in= bytes_out= handshakes=
 * Exit status 0 if the run completed (figures are printed whatever they are), 1 if it
 * could not run at all or every request failed, 2 for bad usage.
 *
 * Test code: not part of libhashi, built by run.sh with the project's warning flags.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define LOAD_MAX_HEAD		65536
#define LOAD_READ_TIMEOUT	30
#define LOAD_MAX_CONNS		4096
#define LOAD_MAX_ERRORS		1000	/* give up: the server is not answering */

enum piece_kind { PIECE_TEXT, PIECE_PATIENT, PIECE_MSGID };

struct piece {
	enum piece_kind	 p_kind;
	const char	*p_text;
	size_t		 p_len;
};

enum conn_state { CS_IDLE, CS_HEAD, CS_BODY, CS_CHUNK_SIZE, CS_CHUNK_DATA, CS_CHUNK_END,
	CS_TRAILER };

struct load;

struct conn {
	struct load		*c_ld;
	struct bufferevent	*c_bev;
	enum conn_state		 c_state;
	int			 c_connected;
	struct timespec		 c_t0;
	int			 c_status;
	long long		 c_left;	/* body or chunk bytes still to read */
	int			 c_chunked;
	int			 c_close;	/* the server said Connection: close */
	struct evbuffer		*c_body;
};

struct load {
	struct event_base	*ld_base;
	SSL_CTX			*ld_ctx;
	struct sockaddr_in	 ld_sin;
	const char		*ld_hostport;
	const char		*ld_path;
	const char		*ld_ctype;
	const char		*ld_prefix;
	const char		*ld_match;
	struct piece		*ld_pieces;
	size_t			 ld_npieces;
	int			 ld_npatients;
	int			 ld_expect;
	int			 ld_keepalive;
	int			 ld_nodelay;
	double			 ld_duration;
	int			 ld_nconns;
	int			 ld_nready;
	int			 ld_running;
	struct conn		*ld_conns;
	struct event		*ld_timer;
	struct timespec		 ld_start;
	struct timespec		 ld_end;
	uint64_t		 ld_rng;
	uint64_t		 ld_msgid;
	uint32_t		*ld_lat;	/* microseconds, one per good response */
	size_t			 ld_nlat;
	size_t			 ld_caplat;
	size_t			 ld_bad;
	size_t			 ld_errors;
	size_t			 ld_handshakes;
	unsigned long long	 ld_bytes_in;
	unsigned long long	 ld_bytes_out;
	int			 ld_shown;	/* errors already shown on stderr */
};

static void conn_start(struct conn *c);
static void conn_send(struct conn *c);

static double
ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static uint64_t
rng_next(struct load *ld)
{
	/* xorshift64*: reproducible with -S, good enough to spread patients */
	ld->ld_rng ^= ld->ld_rng >> 12;
	ld->ld_rng ^= ld->ld_rng << 25;
	ld->ld_rng ^= ld->ld_rng >> 27;
	return ld->ld_rng * 0x2545F4914F6CDD1DULL;
}

static void
usage(void)
{
	fprintf(stderr, "usage: hashi-load -u host:port -P path -t content-type -b body "
	    "-C cert -K key -A ca\n"
	    "    [-c conns] [-d seconds] [-k 0|1] [-n patients] [-x prefix] [-s status] "
	    "[-m text] [-N 0|1] [-S seed]\n");
	exit(2);
}

static char *
read_file(const char *path, size_t *lenp)
{
	FILE *f;
	char *buf = NULL;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*lenp = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* Splits the template at {{PATIENT}} and {{MESSAGE_ID}}; the pieces point into TPL. */
static int
template_split(struct load *ld, const char *tpl, size_t len)
{
	static const struct { const char *mark; enum piece_kind kind; } marks[] = {
		{ "{{PATIENT}}", PIECE_PATIENT }, { "{{MESSAGE_ID}}", PIECE_MSGID } };
	const char *p = tpl, *end = tpl + len, *best;
	size_t i, cap = 16, bestm = 0;

	if ((ld->ld_pieces = calloc(cap, sizeof(*ld->ld_pieces))) == NULL)
		return -1;
	while (p < end) {
		best = NULL;
		for (i = 0; i < 2; i++) {
			const char *q = strstr(p, marks[i].mark);

			if (q != NULL && (best == NULL || q < best)) {
				best = q;
				bestm = i;
			}
		}
		if (ld->ld_npieces + 2 > cap) {
			struct piece *np;

			cap *= 2;
			if ((np = reallocarray(ld->ld_pieces, cap, sizeof(*np))) == NULL)
				return -1;
			ld->ld_pieces = np;
		}
		ld->ld_pieces[ld->ld_npieces++] = (struct piece){ PIECE_TEXT, p,
		    (size_t)((best != NULL ? best : end) - p) };
		if (best == NULL)
			break;
		ld->ld_pieces[ld->ld_npieces++] = (struct piece){ marks[bestm].kind, NULL, 0 };
		p = best + strlen(marks[bestm].mark);
	}
	return 0;
}

static void
load_show_error(struct load *ld, const char *what)
{
	unsigned long e;
	char buf[256];

	if (ld->ld_shown++ >= 5)
		return;
	e = ERR_get_error();
	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		fprintf(stderr, "hashi-load: %s: %s\n", what, buf);
	} else {
		fprintf(stderr, "hashi-load: %s%s%s\n", what, errno ? ": " : "",
		    errno ? strerror(errno) : "");
	}
	ERR_clear_error();
}

static void
conn_reset(struct conn *c)
{
	if (c->c_bev != NULL)
		bufferevent_free(c->c_bev);
	c->c_bev = NULL;
	c->c_connected = 0;
	c->c_state = CS_IDLE;
	if (c->c_body != NULL)
		evbuffer_drain(c->c_body, evbuffer_get_length(c->c_body));
}

static void
load_stop(struct load *ld)
{
	clock_gettime(CLOCK_MONOTONIC, &ld->ld_end);
	ld->ld_running = 0;
	event_base_loopbreak(ld->ld_base);
}

static void
load_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	load_stop(arg);
}

static void
load_begin(struct load *ld)
{
	struct timeval tv;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &ld->ld_start);
	ld->ld_running = 1;
	tv.tv_sec = (time_t)ld->ld_duration;
	tv.tv_usec = (suseconds_t)((ld->ld_duration - (double)tv.tv_sec) * 1e6);
	ld->ld_timer = evtimer_new(ld->ld_base, load_on_timer, ld);
	evtimer_add(ld->ld_timer, &tv);
	if (ld->ld_keepalive)
		for (i = 0; i < ld->ld_nconns; i++)
			conn_send(&ld->ld_conns[i]);
	else
		for (i = 0; i < ld->ld_nconns; i++)
			conn_start(&ld->ld_conns[i]);
}

/* A request failed: count it and carry on with a new connection. */
static void
conn_fail(struct conn *c, const char *what)
{
	struct load *ld = c->c_ld;

	ld->ld_errors++;
	load_show_error(ld, what);
	conn_reset(c);
	if (ld->ld_errors >= LOAD_MAX_ERRORS) {
		fprintf(stderr, "hashi-load: %zu errors, giving up\n", ld->ld_errors);
		load_stop(ld);
		return;
	}
	if (ld->ld_running)
		conn_start(c);
}

static void
conn_done(struct conn *c)
{
	struct load *ld = c->c_ld;
	struct timespec now;
	int good = c->c_status == ld->ld_expect;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (good && ld->ld_match != NULL)
		good = evbuffer_search(c->c_body, ld->ld_match, strlen(ld->ld_match),
		    NULL).pos != -1;
	evbuffer_drain(c->c_body, evbuffer_get_length(c->c_body));
	c->c_state = CS_IDLE;
	if (!ld->ld_running)
		return;
	if (!good) {
		ld->ld_bad++;
		if (ld->ld_shown++ < 5)
			fprintf(stderr, "hashi-load: unexpected response (HTTP %d)\n",
			    c->c_status);
	} else {
		if (ld->ld_nlat == ld->ld_caplat) {
			size_t cap = ld->ld_caplat ? ld->ld_caplat * 2 : 65536;
			uint32_t *n = reallocarray(ld->ld_lat, cap, sizeof(*n));

			if (n == NULL) {
				load_stop(ld);
				return;
			}
			ld->ld_lat = n;
			ld->ld_caplat = cap;
		}
		ld->ld_lat[ld->ld_nlat++] = (uint32_t)(ts_diff(&c->c_t0, &now) * 1e6);
	}
	if (ld->ld_keepalive && !c->c_close) {
		conn_send(c);
	} else {
		conn_reset(c);
		conn_start(c);
	}
}

/* Appends one request body made from the template to BODY. */
static void
template_fill(struct load *ld, struct evbuffer *body)
{
	char num[64];
	size_t i;

	for (i = 0; i < ld->ld_npieces; i++) {
		const struct piece *p = &ld->ld_pieces[i];

		if (p->p_kind == PIECE_TEXT) {
			evbuffer_add(body, p->p_text, p->p_len);
		} else if (p->p_kind == PIECE_PATIENT) {
			snprintf(num, sizeof(num), "%s%04d", ld->ld_prefix,
			    1 + (int)(rng_next(ld) % (uint64_t)ld->ld_npatients));
			evbuffer_add(body, num, strlen(num));
		} else {
			snprintf(num, sizeof(num), "urn:uuid:6861736b-%04x-4000-8000-%012llx",
			    (unsigned)(getpid() & 0xffff), (unsigned long long)++ld->ld_msgid);
			evbuffer_add(body, num, strlen(num));
		}
	}
}

static void
conn_send(struct conn *c)
{
	struct load *ld = c->c_ld;
	struct evbuffer *body = evbuffer_new(), *req = evbuffer_new();
	size_t blen, rlen;

	if (body == NULL || req == NULL) {
		if (body != NULL)
			evbuffer_free(body);
		if (req != NULL)
			evbuffer_free(req);
		conn_fail(c, "out of memory");
		return;
	}
	template_fill(ld, body);
	blen = evbuffer_get_length(body);
	if (ld->ld_keepalive)
		clock_gettime(CLOCK_MONOTONIC, &c->c_t0);
	evbuffer_add_printf(req, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%s\r\n", ld->ld_path, ld->ld_hostport, ld->ld_ctype, blen,
	    ld->ld_keepalive ? "" : "Connection: close\r\n");
	evbuffer_add_buffer(req, body);
	/* One contiguous chunk: one SSL_write, one TLS record, one segment for the request. */
	rlen = evbuffer_get_length(req);
	evbuffer_add(bufferevent_get_output(c->c_bev), evbuffer_pullup(req, -1), rlen);
	ld->ld_bytes_out += rlen;
	evbuffer_free(req);
	evbuffer_free(body);
	c->c_state = CS_HEAD;
	c->c_status = 0;
	c->c_chunked = 0;
	c->c_close = 0;
	c->c_left = -1;
}

/* Does the header value V contain WORD, case-insensitively? */
static int
has_word(const char *v, const char *word)
{
	size_t n = strlen(word);

	for (; *v != '\0'; v++)
		if (strncasecmp(v, word, n) == 0)
			return 1;
	return 0;
}

/* Parses the response head (status line and the headers that frame the body). */
static int
conn_parse_head(struct conn *c, char *head)
{
	char *line, *save = NULL, *v;
	int first = 1;

	for (line = strtok_r(head, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (first) {
			if (strncmp(line, "HTTP/1.", 7) != 0 || strlen(line) < 12)
				return -1;
			c->c_status = atoi(line + 9);
			first = 0;
			continue;
		}
		if ((v = strchr(line, ':')) == NULL)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		if (strcasecmp(line, "Content-Length") == 0)
			c->c_left = strtoll(v, NULL, 10);
		else if (strcasecmp(line, "Transfer-Encoding") == 0 && has_word(v, "chunked"))
			c->c_chunked = 1;
		else if (strcasecmp(line, "Connection") == 0 && has_word(v, "close"))
			c->c_close = 1;
	}
	return first ? -1 : 0;
}

static int
conn_read_head(struct conn *c, struct evbuffer *in)
{
	struct evbuffer_ptr e = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	char *head;
	int r;

	if (e.pos == -1)
		return evbuffer_get_length(in) > LOAD_MAX_HEAD ? -1 : 0;
	if ((head = malloc((size_t)e.pos + 1)) == NULL)
		return -1;
	evbuffer_remove(in, head, (size_t)e.pos);
	head[e.pos] = '\0';
	evbuffer_drain(in, 4);
	c->c_ld->ld_bytes_in += (unsigned long long)e.pos + 4;
	r = conn_parse_head(c, head);
	free(head);
	if (r == -1)
		return -1;
	if (c->c_chunked)
		c->c_state = CS_CHUNK_SIZE;
	else if (c->c_left >= 0)
		c->c_state = CS_BODY;
	else
		return -1;	/* hashid always frames its bodies */
	return 1;
}

/* Moves up to c_left bytes of IN into the body; 1 when c_left reached 0. */
static int
conn_take(struct conn *c, struct evbuffer *in)
{
	size_t n = evbuffer_get_length(in);

	if ((long long)n > c->c_left)
		n = (size_t)c->c_left;
	evbuffer_remove_buffer(in, c->c_body, n);
	c->c_left -= (long long)n;
	c->c_ld->ld_bytes_in += n;
	return c->c_left == 0;
}

/* One step of the chunked decoder; 1 when it advanced, 0 when it needs more input. */
static int
conn_read_chunked(struct conn *c, struct evbuffer *in)
{
	size_t n;
	char *line;

	switch (c->c_state) {
	case CS_CHUNK_SIZE:
		if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) == NULL)
			return evbuffer_get_length(in) > 1024 ? -1 : 0;
		c->c_left = strtoll(line, NULL, 16);
		free(line);
		if (c->c_left < 0)
			return -1;
		c->c_state = c->c_left == 0 ? CS_TRAILER : CS_CHUNK_DATA;
		return 1;
	case CS_CHUNK_DATA:
		if (!conn_take(c, in))
			return 0;
		c->c_state = CS_CHUNK_END;
		return 1;
	case CS_CHUNK_END:
		if (evbuffer_get_length(in) < 2)
			return 0;
		evbuffer_drain(in, 2);
		c->c_state = CS_CHUNK_SIZE;
		return 1;
	case CS_TRAILER:
		if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) == NULL)
			return 0;
		free(line);
		if (n == 0)
			c->c_state = CS_IDLE;	/* done */
		return 1;
	default:
		return -1;
	}
}

static void
conn_on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	int r;

	for (;;) {
		if (c->c_state == CS_IDLE) {
			if (evbuffer_get_length(in) > 0)
				conn_fail(c, "data outside a response");
			return;
		}
		if (c->c_state == CS_HEAD)
			r = conn_read_head(c, in);
		else if (c->c_state == CS_BODY)
			r = conn_take(c, in) ? 2 : 0;
		else if ((r = conn_read_chunked(c, in)) == 1 && c->c_state == CS_IDLE)
			r = 2;
		if (r == -1) {
			conn_fail(c, "malformed response");
			return;
		}
		if (r == 0)
			return;
		if (r == 2) {
			conn_done(c);	/* may reset C or send the next request */
			return;
		}
	}
}

static void
conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	struct load *ld = c->c_ld;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		c->c_connected = 1;
		ld->ld_handshakes++;
		if (ld->ld_running)
			conn_send(c);
		else if (++ld->ld_nready == ld->ld_nconns)
			load_begin(ld);
		return;
	}
	if (c->c_state == CS_IDLE && c->c_connected && (what & BEV_EVENT_EOF)) {
		/* the server closed an idle keep-alive connection */
		conn_reset(c);
		if (ld->ld_running)
			conn_start(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		conn_fail(c, "read timeout");
		return;
	}
	if (!ld->ld_running && ld->ld_nready < ld->ld_nconns) {
		load_show_error(ld, "connect");
		fprintf(stderr, "hashi-load: cannot connect to %s\n", ld->ld_hostport);
		load_stop(ld);
		return;
	}
	conn_fail(c, what & BEV_EVENT_EOF ? "connection closed mid-response" : "connection");
}

static void
conn_start(struct conn *c)
{
	struct load *ld = c->c_ld;
	struct timeval rt = { LOAD_READ_TIMEOUT, 0 };
	SSL *ssl;

	if ((ssl = SSL_new(ld->ld_ctx)) == NULL) {
		load_show_error(ld, "SSL_new");
		load_stop(ld);
		return;
	}
	c->c_bev = bufferevent_openssl_socket_new(ld->ld_base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (c->c_bev == NULL) {
		SSL_free(ssl);
		load_stop(ld);
		return;
	}
	bufferevent_setcb(c->c_bev, conn_on_read, NULL, conn_on_event, c);
	bufferevent_set_timeouts(c->c_bev, &rt, NULL);
	bufferevent_enable(c->c_bev, EV_READ | EV_WRITE);
	if (!ld->ld_keepalive)
		clock_gettime(CLOCK_MONOTONIC, &c->c_t0);
	if (bufferevent_socket_connect(c->c_bev, (struct sockaddr *)&ld->ld_sin,
	    sizeof(ld->ld_sin)) == -1) {
		conn_fail(c, "connect");
		return;
	}
	/* The driver must not add Nagle + delayed-ACK stalls of its own to the figures. */
	if (ld->ld_nodelay) {
		int one = 1;

		(void)setsockopt(bufferevent_getfd(c->c_bev), IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	}
}

static SSL_CTX *
load_ctx(const char *cert, const char *key, const char *ca)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(const struct load *ld, double p)
{
	size_t i;

	if (ld->ld_nlat == 0)
		return 0;
	i = (size_t)ceil(p * (double)ld->ld_nlat);
	if (i > 0)
		i--;
	if (i >= ld->ld_nlat)
		i = ld->ld_nlat - 1;
	return ld->ld_lat[i] / 1000.0;
}

static void
load_report(struct load *ld)
{
	double secs = 0, sum = 0;
	size_t i;

	if (ld->ld_start.tv_sec != 0 || ld->ld_start.tv_nsec != 0)
		secs = ts_diff(&ld->ld_start, &ld->ld_end);	/* else it never started */
	if (ld->ld_nlat > 0)
		qsort(ld->ld_lat, ld->ld_nlat, sizeof(*ld->ld_lat), cmp_u32);
	for (i = 0; i < ld->ld_nlat; i++)
		sum += ld->ld_lat[i];
	printf("requests=%zu good=%zu bad=%zu errors=%zu seconds=%.3f rps=%.1f p50_ms=%.2f "
	    "p90_ms=%.2f p99_ms=%.2f max_ms=%.2f mean_ms=%.2f bytes_in=%llu bytes_out=%llu "
	    "handshakes=%zu\n", ld->ld_nlat + ld->ld_bad, ld->ld_nlat, ld->ld_bad,
	    ld->ld_errors, secs, secs > 0 ? (double)ld->ld_nlat / secs : 0.0,
	    pct_ms(ld, 0.50), pct_ms(ld, 0.90), pct_ms(ld, 0.99), pct_ms(ld, 1.0),
	    ld->ld_nlat ? sum / (double)ld->ld_nlat / 1000.0 : 0.0, ld->ld_bytes_in,
	    ld->ld_bytes_out, ld->ld_handshakes);
}

static int
load_args(struct load *ld, int argc, char **argv, const char **files)
{
	char *port;
	int ch;

	while ((ch = getopt(argc, argv, "A:b:c:C:d:k:K:m:n:N:P:s:S:t:u:x:")) != -1) {
		switch (ch) {
		case 'A': files[2] = optarg; break;
		case 'b': files[3] = optarg; break;
		case 'c': ld->ld_nconns = atoi(optarg); break;
		case 'C': files[0] = optarg; break;
		case 'd': ld->ld_duration = atof(optarg); break;
		case 'k': ld->ld_keepalive = atoi(optarg) != 0; break;
		case 'K': files[1] = optarg; break;
		case 'm': ld->ld_match = optarg; break;
		case 'n': ld->ld_npatients = atoi(optarg); break;
		case 'N': ld->ld_nodelay = atoi(optarg) != 0; break;
		case 'P': ld->ld_path = optarg; break;
		case 's': ld->ld_expect = atoi(optarg); break;
		case 'S': ld->ld_rng = strtoull(optarg, NULL, 10) | 1; break;
		case 't': ld->ld_ctype = optarg; break;
		case 'u': ld->ld_hostport = optarg; break;
		case 'x': ld->ld_prefix = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || ld->ld_hostport == NULL || ld->ld_ctype == NULL ||
	    files[0] == NULL || files[1] == NULL || files[2] == NULL || files[3] == NULL ||
	    ld->ld_nconns < 1 || ld->ld_nconns > LOAD_MAX_CONNS || ld->ld_duration <= 0 ||
	    ld->ld_npatients < 1)
		usage();
	ld->ld_sin.sin_family = AF_INET;
	if ((port = strrchr(ld->ld_hostport, ':')) == NULL)
		usage();
	ld->ld_sin.sin_port = htons((uint16_t)atoi(port + 1));
	{
		char host[64];

		snprintf(host, sizeof(host), "%.*s", (int)(port - ld->ld_hostport),
		    ld->ld_hostport);
		if (inet_pton(AF_INET, host, &ld->ld_sin.sin_addr) != 1)
			usage();
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct load ld;
	const char *files[4] = { NULL, NULL, NULL, NULL };	/* cert key ca body */
	char *tpl;
	size_t tlen = 0;
	int i, ret = 1;

	memset(&ld, 0, sizeof(ld));
	ld.ld_path = "/xca";
	ld.ld_prefix = "P";
	ld.ld_nconns = 64;
	ld.ld_duration = 10;
	ld.ld_keepalive = 1;
	ld.ld_nodelay = 1;
	ld.ld_npatients = 1;
	ld.ld_expect = 200;
	ld.ld_rng = 0x9E3779B97F4A7C15ULL;
	load_args(&ld, argc, argv, files);
	signal(SIGPIPE, SIG_IGN);
	if ((tpl = read_file(files[3], &tlen)) == NULL) {
		fprintf(stderr, "hashi-load: %s: %s\n", files[3], strerror(errno));
		return 1;
	}
	if (template_split(&ld, tpl, tlen) == -1 ||
	    (ld.ld_ctx = load_ctx(files[0], files[1], files[2])) == NULL ||
	    (ld.ld_base = event_base_new()) == NULL ||
	    (ld.ld_conns = calloc((size_t)ld.ld_nconns, sizeof(*ld.ld_conns))) == NULL)
		goto done;
	for (i = 0; i < ld.ld_nconns; i++) {
		ld.ld_conns[i].c_ld = &ld;
		if ((ld.ld_conns[i].c_body = evbuffer_new()) == NULL)
			goto done;
	}
	if (ld.ld_keepalive) {
		/* connect (and handshake) everything first: the clock starts after */
		for (i = 0; i < ld.ld_nconns; i++)
			conn_start(&ld.ld_conns[i]);
	} else {
		load_begin(&ld);
	}
	event_base_dispatch(ld.ld_base);
	if (ld.ld_end.tv_sec == 0)
		clock_gettime(CLOCK_MONOTONIC, &ld.ld_end);
	load_report(&ld);
	ret = ld.ld_nlat > 0 ? 0 : 1;
done:
	if (ld.ld_conns != NULL)
		for (i = 0; i < ld.ld_nconns; i++) {
			conn_reset(&ld.ld_conns[i]);
			if (ld.ld_conns[i].c_body != NULL)
				evbuffer_free(ld.ld_conns[i].c_body);
		}
	free(ld.ld_conns);
	if (ld.ld_timer != NULL)
		event_free(ld.ld_timer);
	if (ld.ld_base != NULL) {
		/* bufferevents freed from their own callbacks go at the next loop turn */
		event_base_loop(ld.ld_base, EVLOOP_NONBLOCK);
		event_base_free(ld.ld_base);
	}
	SSL_CTX_free(ld.ld_ctx);
	free(ld.ld_pieces);
	free(ld.ld_lat);
	free(tpl);
	return ret;
}
