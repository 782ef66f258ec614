/*
 * gateway/audit_forward: see audit_forward.h. One connection at a time, driven by a small
 * state machine; one timer serves whichever wait the state has (connect deadline,
 * backoff, settle, acknowledgement poll). The TCP connect is done here, as in
 * http_pool.c, so that "could not connect" and "TLS refused" stay distinct errors.
 */
#include "gateway/audit_forward.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "audit/auditlog.h"
#include "common/log.h"
#include "common/str.h"
#include "crypto/tls.h"

#define AF_BACKOFF_MIN_MS	1000
#define AF_BACKOFF_MAX_MS	60000
#define AF_SETTLE_MIN_MS	20
#define AF_SETTLE_MAX_MS	2000
#define AF_ACK_POLL_MS		10
#define AF_HEADER_MAX		512

enum af_state {
	AF_IDLE,	/* no connection, nothing scheduled */
	AF_BACKOFF,	/* waiting to reconnect after a failure */
	AF_RESOLVING,	/* evdns at work on a host name */
	AF_CONNECTING,	/* TCP */
	AF_HANDSHAKE,	/* TLS */
	AF_SETTLE,	/* TLS 1.3 up: waiting for a late refusal before the first send */
	AF_READY	/* verified connection: a slice in flight, or idle */
};

struct audit_forward {
	struct event_base		 *af_base;
	SSL_CTX				 *af_ctx;
	struct auditlog			 *af_log;
	struct evdns_base		 *af_dns;	/* made only for a host name */
	char				 *af_addr;
	char				 *af_name;	/* expected in the certificate */
	uint16_t			  af_port;
	int				  af_connect_ms, af_write_ms;
	int				  af_backoff_min, af_backoff_max, af_backoff;
	char				  af_hostname[256];
	char				  af_procid[24];
	enum af_state			  af_state;
	struct evdns_getaddrinfo_request *af_dnsreq;
	struct evutil_addrinfo		 *af_ai, *af_ai_cur;
	evutil_socket_t			  af_fd;	/* until the bufferevent owns it */
	int				  af_err;	/* errno of the last connect */
	struct event			 *af_connev;
	struct bufferevent		 *af_bev;
	struct event			 *af_timer;
	struct event			 *af_pump;
	long long			  af_t0;	/* ms: connect start / slice drained */
	int				  af_loaded;	/* cursor read from the log */
	/* records [0, acked) are delivered, [acked, end) in flight */
	uint64_t			  af_acked, af_end, af_persisted, af_size;
	struct audit_forward_stats	  af_st;
	void				(*af_save)(void *arg, const char *name, uint64_t v);
	void				 *af_save_arg;
};

static void af_connect_cb(evutil_socket_t, short, void *);
static void af_read_cb(struct bufferevent *, void *);
static void af_write_cb(struct bufferevent *, void *);
static void af_event_cb(struct bufferevent *, short, void *);
static void af_ready(struct audit_forward *);

static long long
af_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
af_timer_ms(struct audit_forward *af, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(af->af_timer, &tv);
}

static void af_error(struct audit_forward *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Logs and remembers the error for the stats. */
static void
af_error(struct audit_forward *af, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(af->af_st.afs_error, sizeof(af->af_st.afs_error), fmt, ap);
	va_end(ap);
	log_warnx("audit forward to %s port %u: %s", af->af_addr, (unsigned)af->af_port,
	    af->af_st.afs_error);
}

/* Drops the connection, whatever its state; a slice in flight will be sent again. */
static void
af_close(struct audit_forward *af)
{
	struct evdns_getaddrinfo_request *req = af->af_dnsreq;

	af->af_dnsreq = NULL;
	if (req != NULL)
		evdns_getaddrinfo_cancel(req);	/* its callback ignores EAI_CANCEL */
	if (af->af_connev != NULL)
		event_free(af->af_connev);
	af->af_connev = NULL;
	if (af->af_bev != NULL)
		bufferevent_free(af->af_bev);
	af->af_bev = NULL;
	if (af->af_fd != -1)
		close(af->af_fd);
	af->af_fd = -1;
	if (af->af_ai != NULL)
		evutil_freeaddrinfo(af->af_ai);
	af->af_ai = af->af_ai_cur = NULL;
	evtimer_del(af->af_timer);
	ERR_clear_error();
	af->af_end = af->af_acked;
	af->af_state = AF_IDLE;
}

/* Ends the connection after an error and waits before the next attempt. */
static void af_fail(struct audit_forward *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
af_fail(struct audit_forward *af, const char *fmt, ...)
{
	va_list ap;
	char detail[sizeof(af->af_st.afs_error)];

	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	af_error(af, "%s", detail);
	af->af_st.afs_failures++;
	af_close(af);
	af->af_state = AF_BACKOFF;
	af_timer_ms(af, af->af_backoff);
	af->af_backoff = af->af_backoff > af->af_backoff_max / 2 ? af->af_backoff_max :
	    af->af_backoff * 2;
}

/* Commits the delivered position as the cursor, in a batch without records. A failure
 * only means records may be sent again; it is retried at the next delivery or kick. */
static void
af_persist(struct audit_forward *af)
{
	struct auditlog_batch b;
	int rc;

	if (af->af_log == NULL || !af->af_loaded || af->af_acked <= af->af_persisted)
		return;
	if (af->af_save != NULL) {
		/* the log's writer stores it with its next batch (at-least-once either way) */
		af->af_save(af->af_save_arg, AUDIT_FORWARD_CURSOR, af->af_acked);
		af->af_persisted = af->af_acked;
		return;
	}
	if ((rc = auditlog_begin(af->af_log, &b)) == AUDITLOG_OK) {
		(void)auditlog_set_cursor(&b, AUDIT_FORWARD_CURSOR, af->af_acked);
		rc = auditlog_commit(&b);	/* returns the set_cursor error, if any */
	}
	if (rc != AUDITLOG_OK) {
		af_error(af, "cannot store the cursor: %s", auditlog_strerror(rc));
		return;
	}
	af->af_persisted = af->af_acked;
}

/* Starts a non-blocking connect to the next address left. */
static void
af_try(struct audit_forward *af)
{
	struct evutil_addrinfo *ai;
	evutil_socket_t fd;
	int one = 1;

	for (; (ai = af->af_ai_cur) != NULL; af->af_ai_cur = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd == -1) {
			af->af_err = errno;
			continue;
		}
		/* A slice's last TLS record should not wait for Nagle: the cursor waits on it. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
			af->af_fd = fd;
			af->af_state = AF_CONNECTING;
			if ((af->af_connev = event_new(af->af_base, fd, EV_WRITE, af_connect_cb,
			    af)) == NULL || event_add(af->af_connev, NULL) == -1)
				af_fail(af, "out of memory");
			return;
		}
		af->af_err = errno;
		close(fd);
	}
	af_fail(af, "connect: %s", strerror(af->af_err));
}

static void
af_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct audit_forward *af = arg;

	if (result == EVUTIL_EAI_CANCEL)
		return;		/* cancelled by af_close: ARG may be gone */
	af->af_dnsreq = NULL;
	if (af->af_state != AF_RESOLVING) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	if (result != 0 || res == NULL) {
		af_fail(af, "cannot resolve: %s", evutil_gai_strerror(result));
		return;
	}
	af->af_ai = af->af_ai_cur = res;
	af_try(af);
}

/* Starts a connection: numeric addresses directly, host names through evdns (a blocking
 * getaddrinfo would stall the loop). */
static void
af_connect(struct audit_forward *af)
{
	struct evutil_addrinfo hints, *ai = NULL;
	struct evdns_getaddrinfo_request *req;
	char port[8];

	af->af_st.afs_connects++;
	af->af_t0 = af_now_ms();
	af->af_err = ECONNREFUSED;
	af->af_state = AF_RESOLVING;
	af_timer_ms(af, af->af_connect_ms);
	(void)snprintf(port, sizeof(port), "%u", (unsigned)af->af_port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;
	if (evutil_getaddrinfo(af->af_addr, port, &hints, &ai) == 0) {
		af->af_ai = af->af_ai_cur = ai;
		af_try(af);
		return;
	}
	if (af->af_dns == NULL && (af->af_dns = evdns_base_new(af->af_base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL) {
		af_fail(af, "cannot start a resolver");
		return;
	}
	hints.ai_flags = EVUTIL_AI_NUMERICSERV;
	/* The callback may run before this returns (hosts file); then REQ is NULL. */
	req = evdns_getaddrinfo(af->af_dns, af->af_addr, port, &hints, af_dns_cb, af);
	if (req != NULL && af->af_state == AF_RESOLVING)
		af->af_dnsreq = req;
}

/* TCP is up: the TLS handshake, with the repository's name checked. */
static void
af_start_tls(struct audit_forward *af)
{
	SSL *ssl;

	if ((ssl = SSL_new(af->af_ctx)) == NULL ||
	    tls_client_expect_host(ssl, af->af_name) == -1) {
		SSL_free(ssl);
		af_fail(af, "cannot set up TLS");
		return;
	}
	/* On failure libevent may or may not have taken SSL and the socket: forget them
	 * rather than risk a double free on this out-of-memory path (as http_pool.c). */
	af->af_bev = bufferevent_openssl_socket_new(af->af_base, af->af_fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	af->af_fd = -1;
	if (af->af_bev == NULL) {
		af_fail(af, "cannot set up TLS");
		return;
	}
	bufferevent_setcb(af->af_bev, af_read_cb, af_write_cb, af_event_cb, af);
	bufferevent_enable(af->af_bev, EV_READ | EV_WRITE);
	af->af_state = AF_HANDSHAKE;
}

static void
af_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct audit_forward *af = arg;
	socklen_t sl = sizeof(int);
	int err = 0;

	(void)what;
	event_free(af->af_connev);
	af->af_connev = NULL;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		err = errno;
	if (err != 0) {
		close(af->af_fd);
		af->af_fd = -1;
		af->af_err = err;
		af->af_ai_cur = af->af_ai_cur->ai_next;
		af_try(af);
		return;
	}
	af_start_tls(af);
}

/* The frame of one record: "LEN SP" then the RFC 5424 message with BOM and record. */
static int
af_frame(const struct audit_forward *af, struct evbuffer *out, const char *ts,
    const uint8_t *rec, size_t len)
{
	static const uint8_t bom[3] = { 0xef, 0xbb, 0xbf };
	char hdr[AF_HEADER_MAX];
	int n;

	n = snprintf(hdr, sizeof(hdr), "<%d>1 %s %s %s %s %s - ", AUDIT_FORWARD_PRI, ts,
	    af->af_hostname, AUDIT_FORWARD_APP_NAME, af->af_procid, AUDIT_FORWARD_MSGID);
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -1;
	if (evbuffer_add_printf(out, "%zu ", (size_t)n + sizeof(bom) + len) < 0 ||
	    evbuffer_add(out, hdr, (size_t)n) == -1 ||
	    evbuffer_add(out, bom, sizeof(bom)) == -1 ||
	    (len > 0 && evbuffer_add(out, rec, len) == -1))
		return -1;
	return 0;
}

/* RFC 3339 UTC with milliseconds, e.g. 2025-01-31T09:15:02.123Z. */
static void
af_timestamp(char *buf, size_t bufsz)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];
	int n;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		(void)str_copy(buf, bufsz, "-");	/* NILVALUE */
		return;
	}
	n = snprintf(buf, bufsz, "%s.%03dZ", sec, (int)(ts.tv_nsec / 1000000 % 1000));
	if (n < 0 || (size_t)n >= bufsz)
		(void)str_copy(buf, bufsz, "-");
}

/* Sends the next slice: records from the delivered position, at most
 * AUDIT_FORWARD_SLICE_RECORDS of them and AUDIT_FORWARD_SLICE_BYTES (one at least). */
static void
af_send_slice(struct audit_forward *af)
{
	struct evbuffer *buf;
	uint8_t *rec = NULL;
	size_t len, bytes = 0;
	uint64_t seq;
	char ts[64];
	int rc = AUDITLOG_OK;

	if ((buf = evbuffer_new()) == NULL) {
		af_fail(af, "out of memory");
		return;
	}
	af_timestamp(ts, sizeof(ts));
	for (seq = af->af_acked; seq < af->af_size &&
	    seq - af->af_acked < AUDIT_FORWARD_SLICE_RECORDS; seq++) {
		if ((rc = auditlog_get(af->af_log, seq, &rec, &len)) != AUDITLOG_OK) {
			rec = NULL;
			break;
		}
		if (seq > af->af_acked && bytes + len > AUDIT_FORWARD_SLICE_BYTES)
			break;
		if (af_frame(af, buf, ts, rec, len) == -1) {
			rc = AUDITLOG_EFAIL;
			break;
		}
		bytes += len;
		free(rec);
		rec = NULL;
	}
	free(rec);
	if (rc != AUDITLOG_OK)
		af_fail(af, "cannot read record %llu: %s", (unsigned long long)seq,
		    auditlog_strerror(rc));
	else if (bufferevent_write_buffer(af->af_bev, buf) == -1)
		af_fail(af, "out of memory");
	else
		af->af_end = seq;
	evbuffer_free(buf);
}

/* Reads the persisted cursor once. Returns 0, or -1 (logged; retried at the next kick). */
static int
af_load_cursor(struct audit_forward *af)
{
	uint64_t c;
	int rc;

	if (af->af_loaded)
		return 0;
	if ((rc = auditlog_cursor(af->af_log, AUDIT_FORWARD_CURSOR, &c)) != AUDITLOG_OK) {
		af_error(af, "cannot read the cursor: %s", auditlog_strerror(rc));
		return -1;
	}
	af->af_acked = af->af_end = af->af_persisted = c;
	af->af_loaded = 1;
	return 0;
}

/* The work of a kick: store a pending cursor, then connect or send what is new. */
static void
af_pump_run(struct audit_forward *af)
{
	uint64_t size;
	int rc;

	if (af->af_log == NULL || af_load_cursor(af) == -1)
		return;
	af_persist(af);
	if ((rc = auditlog_size(af->af_log, &size)) != AUDITLOG_OK) {
		af_error(af, "cannot read the log size: %s", auditlog_strerror(rc));
		return;
	}
	af->af_size = size;
	if (af->af_acked >= size) {
		if (af->af_acked > size)
			af_error(af, "cursor %llu beyond the log's %llu records",
			    (unsigned long long)af->af_acked, (unsigned long long)size);
		return;
	}
	if (af->af_state == AF_IDLE)
		af_connect(af);
	else if (af->af_state == AF_READY && af->af_end == af->af_acked)
		af_send_slice(af);
}

static void
af_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	af_pump_run(arg);
}

/* The slice in flight arrived: advance and persist, then let the loop send the next. */
static void
af_ack(struct audit_forward *af)
{
	af->af_st.afs_sent += af->af_end - af->af_acked;
	af->af_acked = af->af_end;
	af->af_backoff = af->af_backoff_min;
	af->af_st.afs_error[0] = '\0';
	af_persist(af);
	audit_forward_kick(af);
}

/* The slice is in the kernel: delivered once the peer's TCP acknowledged every byte. */
static void
af_check_ack(struct audit_forward *af)
{
	int outq = 0;

	if (ioctl(bufferevent_getfd(af->af_bev), SIOCOUTQ, &outq) == -1)
		outq = 0;	/* cannot tell: drained is as far as we can see */
	if (outq == 0) {
		af_ack(af);
		return;
	}
	if (af_now_ms() - af->af_t0 > af->af_write_ms) {
		af_fail(af, "%d bytes not acknowledged within %d ms", outq, af->af_write_ms);
		return;
	}
	af_timer_ms(af, AF_ACK_POLL_MS);
}

static void
af_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct audit_forward *af = arg;

	(void)fd;
	(void)what;
	switch (af->af_state) {
	case AF_RESOLVING:
	case AF_CONNECTING:
	case AF_HANDSHAKE:
		af_fail(af, "connect timeout (%d ms, TCP and TLS)", af->af_connect_ms);
		break;
	case AF_BACKOFF:
		af->af_state = AF_IDLE;
		af_pump_run(af);
		break;
	case AF_SETTLE:
		af_ready(af);
		break;
	case AF_READY:
		if (af->af_end > af->af_acked &&
		    evbuffer_get_length(bufferevent_get_output(af->af_bev)) == 0)
			af_check_ack(af);
		break;
	case AF_IDLE:
		break;
	}
}

static void
af_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	/* A syslog receiver sends nothing: whatever comes is dropped. */
	(void)evbuffer_drain(in, evbuffer_get_length(in));
}

static void
af_write_cb(struct bufferevent *bev, void *arg)
{
	struct audit_forward *af = arg;

	if (af->af_state != AF_READY || af->af_end == af->af_acked ||
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	af->af_t0 = af_now_ms();
	af_check_ack(af);
}

/* The connection may carry records from now on. */
static void
af_ready(struct audit_forward *af)
{
	af->af_state = AF_READY;
	log_info("audit forward: connected to %s port %u", af->af_addr, (unsigned)af->af_port);
	audit_forward_kick(af);
}

/* The handshake finished: verified repository, our certificate presented. */
static void
af_connected(struct audit_forward *af)
{
	struct timeval tv = { af->af_write_ms / 1000, (af->af_write_ms % 1000) * 1000 };
	long long ms = af_now_ms() - af->af_t0;

	evtimer_del(af->af_timer);
	/* Only a stalled write times out; the repository is silent by design. */
	bufferevent_set_timeouts(af->af_bev, NULL, &tv);
	if (SSL_version(bufferevent_openssl_get_ssl(af->af_bev)) == TLS1_3_VERSION) {
		af->af_state = AF_SETTLE;
		/* The handshake took about two round trips; a refusal of our certificate
		 * would come one round trip after our Finished. Twice that is a margin. */
		ms *= 2;
		af_timer_ms(af, ms < AF_SETTLE_MIN_MS ? AF_SETTLE_MIN_MS :
		    ms > AF_SETTLE_MAX_MS ? AF_SETTLE_MAX_MS : (int)ms);
		return;
	}
	af_ready(af);
}

static void
af_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct audit_forward *af = arg;
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long e = bufferevent_get_openssl_error(bev);
	long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	char detail[128];

	if ((what & BEV_EVENT_CONNECTED) != 0) {
		af_connected(af);
		return;
	}
	if (af->af_state == AF_READY && af->af_end == af->af_acked &&
	    (what & BEV_EVENT_TIMEOUT) == 0) {
		/* An idle connection closed by the repository: not an error, but a peer that
		 * always closes at once must not make us reconnect in a tight loop. */
		log_debug("audit forward: connection closed while idle");
		af_close(af);
		af->af_state = AF_BACKOFF;
		af_timer_ms(af, af->af_backoff_min);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) != 0)
		(void)str_copy(detail, sizeof(detail), "write timeout");
	else if (vr != X509_V_OK)
		(void)snprintf(detail, sizeof(detail), "certificate refused: %s",
		    X509_verify_cert_error_string(vr));
	else if (e != 0 && ERR_GET_LIB(e) != 0)
		ERR_error_string_n(e, detail, sizeof(detail));
	else if ((what & BEV_EVENT_EOF) != 0)
		(void)str_copy(detail, sizeof(detail), "connection closed by the repository");
	else	/* libevent's code for SSL_ERROR_SYSCALL, or nothing: a socket error */
		(void)snprintf(detail, sizeof(detail), "connection lost: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	af_fail(af, "%s%s", af->af_state == AF_HANDSHAKE ? "TLS handshake: " : "", detail);
}

/* gethostname reduced to RFC 5424 HOSTNAME: 1*255 PRINTUSASCII, else "-". */
static void
af_hostname(char out[256])
{
	char name[256];
	size_t i, n = 0;

	if (gethostname(name, sizeof(name)) == -1)
		name[0] = '\0';
	name[sizeof(name) - 1] = '\0';
	for (i = 0; name[i] != '\0' && n < 255; i++)
		if (name[i] > 32 && name[i] < 127)
			out[n++] = name[i];
	out[n] = '\0';
	if (n == 0)
		(void)str_copy(out, 256, "-");
}

/* The TLS client context: the gateway's, or one made for audit.forward.ca. */
static SSL_CTX *
af_ctx(SSL_CTX *client_ctx, const struct config *cf)
{
	if (client_ctx != NULL && cf->cf_audit_fwd_ca == NULL) {
		SSL_CTX_up_ref(client_ctx);
		return client_ctx;
	}
	if (cf->cf_tls_cert == NULL || cf->cf_tls_key == NULL) {
		log_warnx("audit forward: tls.cert and tls.key are required");
		return NULL;
	}
	return tls_client_ctx_new(cf->cf_tls_cert, cf->cf_tls_key, cf->cf_audit_fwd_ca != NULL ?
	    cf->cf_audit_fwd_ca : cf->cf_tls_ca, cf->cf_tls_allow_12);
}

struct audit_forward *
audit_forward_new(struct event_base *base, SSL_CTX *client_ctx, const struct config *cf,
    struct auditlog *log)
{
	struct audit_forward *af;

	if (cf == NULL || cf->cf_audit_fwd_address == NULL) {
		log_warnx("audit forward: audit.forward.address is not configured");
		return NULL;
	}
	if ((af = calloc(1, sizeof(*af))) == NULL)
		goto fail;
	af->af_base = base;
	af->af_log = log;
	af->af_fd = -1;
	af->af_port = cf->cf_audit_fwd_port != 0 ? cf->cf_audit_fwd_port : 6514;
	af->af_connect_ms = cf->cf_connect_timeout_ms > 0 ? cf->cf_connect_timeout_ms : 10000;
	af->af_write_ms = cf->cf_read_timeout_ms > 0 ? cf->cf_read_timeout_ms : 60000;
	af->af_backoff = af->af_backoff_min = AF_BACKOFF_MIN_MS;
	af->af_backoff_max = AF_BACKOFF_MAX_MS;
	af_hostname(af->af_hostname);
	(void)snprintf(af->af_procid, sizeof(af->af_procid), "%ld", (long)getpid());
	if ((af->af_addr = str_dup(cf->cf_audit_fwd_address)) == NULL ||
	    (af->af_name = str_dup(cf->cf_audit_fwd_server_name != NULL ?
	    cf->cf_audit_fwd_server_name : cf->cf_audit_fwd_address)) == NULL ||
	    (af->af_timer = evtimer_new(base, af_timer_cb, af)) == NULL ||
	    (af->af_pump = event_new(base, -1, 0, af_pump_cb, af)) == NULL)
		goto fail;
	if ((af->af_ctx = af_ctx(client_ctx, cf)) == NULL) {
		log_warnx("audit forward: no TLS client context");
		audit_forward_free(af);
		return NULL;
	}
	audit_forward_kick(af);
	return af;
fail:
	log_warnx("audit forward: out of memory");
	audit_forward_free(af);
	return NULL;
}

void
audit_forward_free(struct audit_forward *fwd)
{
	if (fwd == NULL)
		return;
	if (fwd->af_timer != NULL)
		af_close(fwd);
	af_persist(fwd);
	if (fwd->af_timer != NULL)
		event_free(fwd->af_timer);
	if (fwd->af_pump != NULL)
		event_free(fwd->af_pump);
	if (fwd->af_dns != NULL)
		evdns_base_free(fwd->af_dns, 1);
	SSL_CTX_free(fwd->af_ctx);
	free(fwd->af_addr);
	free(fwd->af_name);
	free(fwd);
}

void
audit_forward_kick(struct audit_forward *fwd)
{
	if (fwd != NULL && fwd->af_pump != NULL)
		event_active(fwd->af_pump, EV_TIMEOUT, 0);
}

void
audit_forward_kick_cb(void *fwd)
{
	audit_forward_kick(fwd);
}

void
audit_forward_set_log(struct audit_forward *fwd, struct auditlog *log)
{
	fwd->af_log = log;
	if (log != NULL)
		audit_forward_kick(fwd);
}

void
audit_forward_stats(struct audit_forward *fwd, struct audit_forward_stats *st)
{
	uint64_t size;

	if (fwd->af_log != NULL && auditlog_size(fwd->af_log, &size) == AUDITLOG_OK)
		fwd->af_size = size;
	*st = fwd->af_st;
	st->afs_cursor = fwd->af_persisted;
	st->afs_backlog = fwd->af_size > fwd->af_acked ? fwd->af_size - fwd->af_acked : 0;
	st->afs_connected = fwd->af_state == AF_READY;
}

void
audit_forward_set_saver(struct audit_forward *fwd,
    void (*save)(void *arg, const char *name, uint64_t value), void *arg)
{
	fwd->af_save = save;
	fwd->af_save_arg = arg;
}

void
audit_forward_set_backoff(struct audit_forward *fwd, int min_ms, int max_ms)
{
	if (min_ms > 0)
		fwd->af_backoff_min = min_ms;
	if (max_ms > 0)
		fwd->af_backoff_max = max_ms;
	if (fwd->af_backoff_max < fwd->af_backoff_min)
		fwd->af_backoff_max = fwd->af_backoff_min;
	fwd->af_backoff = fwd->af_backoff_min;
}
