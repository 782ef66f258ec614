/*
 * gateway/http_server: the HTTP/1.1-over-TLS server every Hashi listener uses, built on
 * libevent's evhttp with one bufferevent_openssl per connection. It hands each complete
 * request (head and body) to one handler; the handler answers at once or later, with a
 * whole body or a stream pulled under back-pressure. Keep-alive is honoured.
 *
 * Only GET and POST reach the handler (other methods get 501); a body over the limit
 * gets 413 and is read and discarded, never buffered; a plain-HTTP or certificate-less
 * client never gets past the TLS handshake.
 *
 * Ownership: a struct http_req belongs to the server; the handler may keep the pointer
 * until it has replied (http_reply/http_reply_stream) or until the request's cancel
 * callback ran. All callbacks run on the server's event loop; nothing here is thread-safe.
 * The process must ignore SIGPIPE: OpenSSL writes to sockets with write(2).
 */
#ifndef HASHI_GATEWAY_HTTP_SERVER_H
#define HASHI_GATEWAY_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

struct event_base;
struct evbuffer;
struct http_server;
struct http_req;

/* Limits; a zero field takes the default in brackets. */
struct http_server_opts {
	/* Request body bytes; a larger body gets 413 [16 MiB]. */
	size_t		hs_max_body;
	/* Request line and headers bytes [64 KiB]. */
	size_t		hs_max_headers;
	/* Silence while reading a request, also the keep-alive idle time [30000]. */
	int		hs_read_timeout_ms;
	/* Stall while writing a reply [30000]. */
	int		hs_write_timeout_ms;
	/* Open connections; accepting pauses at the limit, resumes below it [1024]. */
	unsigned	hs_max_connections;
};

/* Called once per complete request. REQ stays valid until replied or cancelled. */
typedef void (*http_handler_fn)(struct http_req *req, void *arg);

/* Streaming producer: appends up to about 256 KiB to OUT. Returns 0 when more will come
 * (appending nothing means "nothing yet": call http_stream_wake when there is), 1 when
 * what it appended now is the end of the body, -1 on error (the connection is then
 * aborted, so the client sees a truncated reply, never a falsely complete one). */
typedef int (*http_pull_fn)(void *arg, struct evbuffer *out);

/* Returns a new server on BASE (borrowed) for TLS context CTX (the server takes its own
 * reference), calling HANDLER(req, ARG) for each request. OPTS may be NULL (defaults).
 * No listener yet: see http_server_listen. Returns NULL on allocation failure. */
struct http_server *http_server_new(struct event_base *base, SSL_CTX *ctx,
    const struct http_server_opts *opts, http_handler_fn handler, void *arg);

/* Listens on ADDRESS ("127.0.0.1", "::1", "0.0.0.0", "::" ...) and PORT; PORT 0 picks an
 * ephemeral port. Stores the bound port in *BOUND_PORT when not NULL. Up to 16 listeners.
 * Returns 0, or -1 after logging why. */
int http_server_listen(struct http_server *srv, const char *address, uint16_t port,
    uint16_t *bound_port);

/* Closes every listener (graceful drain). Requests on open connections are still served,
 * and their replies carry "Connection: close". */
void http_server_stop_accepting(struct http_server *srv);

/* Returns the number of requests handed to the handler and not yet fully answered
 * (reply not completely written, stream not finished); a daemon exits once it is 0. */
unsigned http_server_inflight(const struct http_server *srv);

/* Returns the number of connections accepted since http_server_new. */
unsigned long http_server_accepted(const struct http_server *srv);

/* Returns the number of connections open now. */
unsigned http_server_connections(const struct http_server *srv);

/* Closes listeners and connections and frees SRV; NULL is fine. Requests still open are
 * aborted: their cancel callbacks and stream done(ok=0) callbacks run from here. Not from
 * within one of SRV's callbacks. */
void http_server_free(struct http_server *srv);

/* Request accessors; returned pointers live as long as REQ. */
/* Returns the method ("POST", "GET"). */
const char *http_req_method(const struct http_req *req);
/* Returns the path as sent, without query or fragment, still %-encoded ("/" at least). */
const char *http_req_path(const struct http_req *req);
/* Returns the first value of header NAME (case-insensitive), or NULL. */
const char *http_req_header(const struct http_req *req, const char *name);
/* Returns the body as contiguous bytes (never NULL) and stores its length in *LENP. */
const uint8_t *http_req_body(const struct http_req *req, size_t *lenp);
/* Returns the connection's TLS object, for mapping the client certificate to an
 * identity (crypto/tls.h tls_peer_subject, tls_peer_sha256). Never NULL for a request
 * handed to the handler. */
SSL *http_req_ssl(const struct http_req *req);
/* Writes the local address the request's connection arrived on (which listener) into
 * *SS. Returns 0, or -1 when the connection is gone. */
int http_req_local_addr(const struct http_req *req, struct sockaddr_storage *ss);

/* Returns the client's address as "192.0.2.1:50000" or "[2001:db8::1]:50000". */
const char *http_req_peer(const struct http_req *req);

/* Sets CB(ARG), called once if the client goes away before the reply is complete (it is
 * noticed within about 200 ms while the handler works). REQ is freed right after CB
 * returns: do not reply to it. Without a cancel callback the request is kept for a later
 * reply, which is then discarded. A client that half-closes counts as gone. */
void http_req_set_cancel(struct http_req *req, void (*cb)(void *arg), void *arg);

/* Adds header NAME: VALUE to the coming reply. Returns 0, or -1 if either contains CR or
 * LF or memory ran out. */
int http_req_add_header(struct http_req *req, const char *name, const char *value);

/* Answers REQ with STATUS, CONTENT_TYPE (NULL: no Content-Type) and BODY/LEN (copied;
 * Content-Length framing). REQ must not be used afterwards. Returns 0, or -1 if the
 * client had already gone (the reply is discarded) or memory ran out (the connection is
 * closed). */
int http_reply(struct http_req *req, int status, const char *content_type,
    const uint8_t *body, size_t len);

/* Answers REQ with STATUS and CONTENT_TYPE and a chunked body produced by PULL(ARG, out),
 * called (never from within this function) whenever less than 256 KiB waits to be sent;
 * memory stays bounded whatever the body size. DONE(ARG, ok) is called exactly once: ok=1
 * when the whole reply was written, ok=0 when the client went away, PULL failed or the
 * server was freed. REQ stays valid (for http_stream_wake) until DONE. Returns 0, or -1
 * without calling PULL or DONE when the client had already gone, memory ran out, or the
 * request cannot carry a chunked body (HTTP/1.0 client: 505 is sent; STATUS 1xx/204/304).
 * REQ must not be used after -1. */
int http_reply_stream(struct http_req *req, int status, const char *content_type,
    http_pull_fn pull, void (*done)(void *arg, int ok), void *arg);

/* Asks for PULL to be called again after it returned 0 without data. Harmless at any
 * other time during the stream. */
void http_stream_wake(struct http_req *req);

/* Returns the bytes queued on REQ's connection and not yet written (for metrics and
 * tests of the back-pressure). */
size_t http_req_out_pending(const struct http_req *req);

#endif
