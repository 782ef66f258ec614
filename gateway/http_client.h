/*
 * gateway/http_client: HTTP/1.1-over-TLS client for calls to peer gateways and remote
 * registries, on libevent with bufferevent_openssl. Each call is one POST; responses are
 * buffered or streamed. Connections are kept alive in a pool per host:port and reused for
 * sequential calls; calls beyond the pool size wait in a queue. No retries.
 *
 * A call waiting in the queue has no timeout of its own: bound the whole call with a
 * timer and http_call_cancel.
 *
 * Callbacks run on the client's event loop and are never called from within
 * http_client_post, http_call_cancel or http_call_pause. Inside any callback, the
 * functions of this module may be called, except http_client_free.
 * The process must ignore SIGPIPE: OpenSSL writes to sockets with write(2).
 */
#ifndef HASHI_GATEWAY_HTTP_CLIENT_H
#define HASHI_GATEWAY_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct event_base;
struct http_client;
struct http_call;

enum http_err {
	HTTP_OK = 0,		/* a complete response arrived (whatever its status) */
	HTTP_ERR_CONNECT,	/* host did not resolve, connection refused or unreachable */
	HTTP_ERR_TLS,		/* handshake failed or a TLS alert (e.g. our certificate
				   refused, the server's did not verify) */
	HTTP_ERR_TIMEOUT,	/* connect timeout or read timeout */
	HTTP_ERR_PROTOCOL,	/* malformed or truncated response, connection lost, body
				   over the limit */
	HTTP_ERR_PEER_IDENTITY,	/* verify_peer refused the server; nothing was sent */
	HTTP_ERR_INTERNAL	/* out of memory or a system call failed locally */
};

/* A zero field takes the default in brackets. */
struct http_client_opts {
	/* TCP connect + TLS handshake [10000]. */
	int		hc_connect_timeout_ms;
	/* Max silence while awaiting the response, or max stall while sending [60000]. */
	int		hc_read_timeout_ms;
	/* An unused pooled connection is closed after this [15000]; keep it below the
	 * servers' idle timeout so that they rarely close one we are about to use. */
	int		hc_idle_timeout_ms;
	/* Connections per host:port [4]. */
	unsigned	hc_pool_size;
	/* Limit of a buffered response body [64 MiB]; streamed bodies have none. */
	size_t		hc_max_body;
	/* != 0: the server certificate must also match the URL's host
	 * (crypto/tls.h tls_client_expect_host). */
	int		hc_verify_host;
};

/* What on_done receives; everything in it is valid only during on_done. */
struct http_result {
	enum http_err	 hr_error;
	int		 hr_status;		/* 0 if no response head arrived */
	const char	*hr_content_type;	/* NULL if absent */
	const uint8_t	*hr_body;		/* buffered body; NULL when streamed */
	size_t		 hr_len;		/* body bytes received (streamed too) */
	long		 hr_elapsed_ms;		/* from http_client_post to now */
	const char	*hr_detail;		/* short cause for logs; never NULL */
	const char	*hr_header;		/* co_header's value; NULL if absent */
};

/* Per-call callbacks; ARG is http_client_post's. Only on_done is required. */
struct http_call_opts {
	/* Called once when the response head arrived (status >= 200). */
	void	(*co_on_headers)(void *arg, int status, const char *content_type);
	/* When set, the body is streamed: called for each piece as it arrives and never
	 * buffered. DATA is valid during the call only. */
	void	(*co_on_data)(void *arg, const uint8_t *data, size_t len);
	/* Called exactly once, unless the call was cancelled. The call handle is invalid
	 * once it returns. */
	void	(*co_on_done)(void *arg, const struct http_result *r);
	/* Called after the TLS handshake, before the request is sent (on every call, also
	 * on a reused connection). Returns 1 to go on, 0 to refuse: the call then fails
	 * with HTTP_ERR_PEER_IDENTITY and the connection is closed. */
	int	(*co_verify_peer)(SSL *ssl, void *arg);
	/* Extra request headers: name, value, name, value, ..., NULL; borrowed until
	 * http_client_post returns. */
	const char *const *co_headers;
	/* Numeric local address to bind the connection to before connecting (a purpose's
	 * inner VPN address), NULL = the kernel's choice; copied. Connections are pooled
	 * per host, port and source, so a call never reuses another source's. */
	const char *co_source;
	/* A response header to keep (e.g. "Server-Timing"; copied): its value, repeated
	 * fields joined with ", ", is hr_header. NULL = none. */
	const char *co_header;
};

/* Returns a new client on BASE (borrowed) with TLS client context CTX (the client takes
 * its own reference). OPTS may be NULL (defaults). Returns NULL on allocation failure. */
struct http_client *http_client_new(struct event_base *base, SSL_CTX *ctx,
    const struct http_client_opts *opts);

/* Cancels every call (no callbacks), closes every connection and frees CL; NULL is fine.
 * Not from within a callback. */
void http_client_free(struct http_client *cl);

/* Starts POSTing BODY/LEN (copied) with CONTENT_TYPE to URL "https://host[:port]/path"
 * (host: DNS name, IPv4, or [IPv6]; port 443 by default). CO is copied. Host names are
 * resolved with getaddrinfo(3), which blocks: configure peers by address or in
 * /etc/hosts. Returns the call handle, valid until on_done returns or
 * http_call_cancel, or NULL (nothing will be called back) when URL, CONTENT_TYPE or a
 * header is malformed or memory ran out. */
struct http_call *http_client_post(struct http_client *cl, const char *url,
    const char *content_type, const uint8_t *body, size_t len,
    const struct http_call_opts *co, void *arg);

/* Abandons CALL: no callback afterwards; its connection, if any, is closed rather than
 * pooled. NULL is fine; does nothing during the call's own on_done. */
void http_call_cancel(struct http_call *call);

/* Stops (PAUSED != 0) or resumes reading CALL's response, for back-pressure when its
 * streamed body is relayed to a slower consumer. No read timeout runs while paused. */
void http_call_pause(struct http_call *call, int paused);

/* Returns the number of connections CL has open (connecting, busy or idle). */
unsigned http_client_connections(const struct http_client *cl);

/* Returns the event base CL runs on (borrowed), for callers that add their own timers. */
struct event_base *http_client_base(const struct http_client *cl);

/* Returns a constant name for ERR ("connect", "tls", ...). */
const char *http_err_str(enum http_err err);

#endif
