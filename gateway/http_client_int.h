/*
 * gateway/http_client_int: internals shared by http_client.c (calls), http_parse.c
 * (response parser) and http_pool.c (hosts, connections, TLS, I/O). Not for other
 * modules.
 */
#ifndef HASHI_GATEWAY_HTTP_CLIENT_INT_H
#define HASHI_GATEWAY_HTTP_CLIENT_INT_H

#include <sys/queue.h>

#include <time.h>

#include <event2/util.h>

#include "gateway/http_client.h"

struct bufferevent;
struct evbuffer;
struct event;

struct http_call;
struct http_conn;

struct http_host {
	TAILQ_ENTRY(http_host)	 ho_entry;
	struct http_client	*ho_client;
	char			*ho_name;	/* as in the URL, without brackets */
	uint16_t		 ho_port;
	char			*ho_source;	/* local address bound, NULL = any */
	TAILQ_HEAD(, http_conn)	 ho_conns;
	unsigned		 ho_nconns;
	TAILQ_HEAD(, http_call)	 ho_queue;	/* calls waiting for a connection */
};

struct http_client {
	struct event_base	*cl_base;
	SSL_CTX			*cl_ctx;
	struct http_client_opts	 cl_opts;
	TAILQ_HEAD(, http_host)	 cl_hosts;
	unsigned		 cl_nconns;
};

enum http_conn_state {
	HCONN_CONNECTING,	/* TCP connect in progress */
	HCONN_HANDSHAKE,	/* TLS handshake in progress */
	HCONN_READY,		/* pooled connection given to a call that has not started */
	HCONN_ACTIVE,		/* request sent or being sent, response being read */
	HCONN_IDLE		/* in the pool */
};

struct http_conn {
	TAILQ_ENTRY(http_conn)	 cn_entry;
	struct http_host	*cn_host;
	enum http_conn_state	 cn_state;
	evutil_socket_t		 cn_fd;		/* until the bufferevent owns it */
	struct evutil_addrinfo	*cn_ai;		/* resolved addresses */
	struct evutil_addrinfo	*cn_ai_cur;	/* the one being tried */
	int			 cn_err;	/* errno of a failure found synchronously */
	struct event		*cn_connev;	/* TCP connect completion */
	struct event		*cn_timer;	/* connect timeout */
	struct bufferevent	*cn_bev;
	struct http_call	*cn_call;
};

/* Response parser states. */
enum http_rsp {
	RSP_STATUS, RSP_HEADERS, RSP_BODY_LEN, RSP_CHUNK_SIZE, RSP_CHUNK_DATA,
	RSP_CHUNK_END, RSP_TRAILERS, RSP_BODY_EOF, RSP_DONE
};

struct http_call {
	TAILQ_ENTRY(http_call)	 ca_entry;	/* ho_queue while queued */
	struct http_client	*ca_client;
	struct http_host	*ca_host;
	struct http_conn	*ca_conn;
	struct http_call_opts	 ca_co;
	void			*ca_arg;
	struct evbuffer		*ca_req;	/* request head and body until sent */
	struct event		*ca_kick;	/* deferred start, resume or failure */
	struct timespec		 ca_start;
	int			 ca_queued;
	int			 ca_in_cb;	/* inside one of the caller's callbacks */
	int			 ca_cancelled;	/* http_call_cancel inside a callback */
	int			 ca_paused;
	int			 ca_sending;	/* request not entirely written yet */
	int			 ca_eof;	/* the server closed the connection */
	enum http_err		 ca_pending_err; /* failure to report from ca_kick */
	const char		*ca_detail;
	char			 ca_detailbuf[160];
	/* response */
	enum http_rsp		 ca_rsp;
	int			 ca_status;
	int			 ca_minor;
	int			 ca_close;	/* connection not reusable after this */
	int			 ca_chunked;
	int			 ca_have_len;
	uint64_t		 ca_remaining;	/* of the body or the current chunk */
	size_t			 ca_head_bytes;
	char			*ca_ctype;
	char			*ca_want;	/* co_header, copied; NULL = none */
	char			*ca_wanted;	/* its value in the response */
	struct evbuffer		*ca_body;	/* buffered body */
	size_t			 ca_body_len;
};

/* Parser results. */
#define HTTP_PARSE_MORE		0	/* needs more input */
#define HTTP_PARSE_DONE		1	/* response complete */
#define HTTP_PARSE_ERROR	(-1)	/* malformed; ca_detail says why */
#define HTTP_PARSE_CANCELLED	(-2)	/* cancelled from a callback: call and connection
					   are gone */

/* http_parse.c: parses what IN holds of CALL's response, consuming it, and calls the
 * caller's on_headers and on_data. Returns an HTTP_PARSE_* value. */
int http_call_parse(struct http_call *call, struct evbuffer *in);

/* http_client.c */
/* Returns 1 if S is a non-empty HTTP token (RFC 9110 5.6.2), else 0. */
int http_is_token(const char *s);
/* Ends CALL with ERR (DETAIL for logs): releases or closes its connection, calls
 * on_done, frees CALL. */
void http_call_finish(struct http_call *call, enum http_err err, const char *detail);
/* Frees CALL without a callback, closing its connection (http_call_cancel). */
void http_call_destroy(struct http_call *call);
/* To call after one of the caller's callbacks returned (ca_in_cb was raised before it):
 * returns 1, with CALL destroyed, if the callback cancelled it; else 0. */
int http_call_cb_end(struct http_call *call);

/* http_pool.c */
/* Returns CL's host record for NAME:PORT from local address SOURCE (NULL = any; copied),
 * made if new, or NULL (out of memory). */
struct http_host *http_pool_host(struct http_client *cl, const char *name, uint16_t port,
    const char *source);
/* Closes HOST's connections (their calls must be gone) and frees it. */
void http_pool_host_free(struct http_host *host);
/* Gives queued calls of HOST an idle connection, or a new one while the pool has room. */
void http_pool_dispatch(struct http_host *host);
/* Takes back CONN from its call: pooled when REUSE, else closed; then dispatches. */
void http_pool_release(struct http_conn *conn, int reuse);
/* Runs verify_peer and sends CALL's request on its ready connection. */
void http_pool_start(struct http_call *call);
/* Feeds CONN's input to its call's parser and ends the call when done or failed. */
void http_pool_process(struct http_conn *conn);
/* Stops or resumes reading on CONN. */
void http_pool_pause(struct http_conn *conn, int paused);

#endif
