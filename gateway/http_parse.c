/*
 * gateway/http_parse: the client's HTTP/1.1 response parser (see http_client_int.h).
 * Strict where laxness could let a body be misframed: one Content-Length, "chunked" as
 * the only transfer coding, no folded headers, bounded head and chunk-size lines.
 */
#include "gateway/http_client_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "common/str.h"

/* Status line and headers (also trailers) of one response. */
#define HTTP_MAX_HEAD	(64 * 1024)
/* A chunk-size line, extensions included. */
#define HTTP_MAX_CHUNK_LINE 1024
/* Body bytes handled in one step. */
#define HTTP_MAX_STEP	(64 * 1024 * 1024)

/* Parser step result besides HTTP_PARSE_*: progress made, go on. */
#define HTTP_STEP_AGAIN	2

/* Returns the next line of IN without its CRLF (malloc'd), or NULL: then *ERRP is set if
 * the line would be longer than MAX or holds a NUL, else more input is needed. */
static char *
http_readline(struct evbuffer *in, size_t max, size_t *lenp, int *errp)
{
	char *line;
	size_t n;

	*errp = 0;
	if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) == NULL) {
		if (evbuffer_get_length(in) > max)
			*errp = 1;
		return NULL;
	}
	if (n > max || memchr(line, '\0', n) != NULL) {
		free(line);
		*errp = 1;
		return NULL;
	}
	*lenp = n;
	return line;
}

/* Parses "HTTP/1.x NNN reason". Returns 0 or -1. */
static int
http_parse_status(struct http_call *call, const char *line)
{
	const char *d;

	if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') ||
	    line[8] != ' ')
		return -1;
	d = line + 9;
	if (strspn(d, "0123456789") < 3 || (d[3] != '\0' && d[3] != ' '))
		return -1;
	call->ca_minor = line[7] - '0';
	call->ca_status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	return call->ca_status >= 100 && call->ca_status <= 599 ? 0 : -1;
}

/* Parses a decimal Content-Length into *OUT. Returns 0 or -1. */
static int
http_parse_length(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Returns 1 if the comma-separated list S holds TOKEN (any case), else 0. */
static int
http_list_has(const char *s, const char *token)
{
	size_t n, tl = strlen(token);

	while (*s != '\0') {
		s += strspn(s, " \t,");
		n = strcspn(s, " \t,");
		if (n == tl && strncasecmp(s, token, n) == 0)
			return 1;
		s += n;
	}
	return 0;
}


/* Keeps V as (part of) the value of the header the caller asked for: repeated fields are
 * one list (RFC 9110 5.3). Returns 0, or -1 when memory ran out. */
static int
http_parse_keep(struct http_call *call, const char *v)
{
	size_t old = call->ca_wanted != NULL ? strlen(call->ca_wanted) : 0, n = strlen(v);
	char *p;

	if ((p = realloc(call->ca_wanted, old + 2 + n + 1)) == NULL) {
		call->ca_detail = "out of memory";
		return -1;
	}
	if (old > 0) {
		memcpy(p + old, ", ", 2);
		old += 2;
	}
	memcpy(p + old, v, n + 1);
	call->ca_wanted = p;
	return 0;
}

/* Applies one response header line (modified in place). Returns 0 or -1. */
static int
http_parse_header(struct http_call *call, char *line)
{
	char *colon, *v, *e;
	uint64_t len;

	call->ca_detail = "malformed header";
	if ((colon = strchr(line, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (!http_is_token(line))
		return -1;	/* also refuses obsolete line folding */
	v = colon + 1 + strspn(colon + 1, " \t");
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
	if (strcasecmp(line, "Content-Length") == 0) {
		if (http_parse_length(v, &len) == -1 ||
		    (call->ca_have_len && len != call->ca_remaining))
			return -1;
		call->ca_have_len = 1;
		call->ca_remaining = len;
	} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
		call->ca_detail = "unsupported transfer coding";
		if (strcasecmp(v, "chunked") != 0)
			return -1;
		call->ca_chunked = 1;
	} else if (strcasecmp(line, "Connection") == 0) {
		if (http_list_has(v, "close"))
			call->ca_close = 1;
	} else if (strcasecmp(line, "Content-Type") == 0) {
		free(call->ca_ctype);
		if ((call->ca_ctype = str_dup(v)) == NULL) {
			call->ca_detail = "out of memory";
			return -1;
		}
	} else if (call->ca_want != NULL && strcasecmp(line, call->ca_want) == 0) {
		return http_parse_keep(call, v);
	}
	return 0;
}

/* The blank line after the headers: picks the body framing. */
static int
http_parse_head_end(struct http_call *call)
{
	if (call->ca_status < 200) {
		/* 1xx is interim (e.g. 100 Continue): the real response follows. */
		call->ca_detail = "unexpected 101 Switching Protocols";
		if (call->ca_status == 101)
			return HTTP_PARSE_ERROR;
		free(call->ca_ctype);
		call->ca_ctype = NULL;
		free(call->ca_wanted);
		call->ca_wanted = NULL;
		call->ca_have_len = call->ca_chunked = call->ca_close = 0;
		call->ca_rsp = RSP_STATUS;
		return HTTP_STEP_AGAIN;
	}
	if (call->ca_minor == 0)
		call->ca_close = 1;
	if (call->ca_co.co_on_headers != NULL) {
		call->ca_in_cb++;
		call->ca_co.co_on_headers(call->ca_arg, call->ca_status, call->ca_ctype);
		if (http_call_cb_end(call))
			return HTTP_PARSE_CANCELLED;
	}
	call->ca_detail = "response body exceeds the limit";
	if (call->ca_status == 204 || call->ca_status == 304) {
		call->ca_rsp = RSP_DONE;
	} else if (call->ca_chunked) {
		call->ca_close |= call->ca_have_len;	/* RFC 9112 6.3: suspicious */
		call->ca_rsp = RSP_CHUNK_SIZE;
	} else if (call->ca_have_len) {
		if (call->ca_body != NULL &&
		    call->ca_remaining > call->ca_client->cl_opts.hc_max_body)
			return HTTP_PARSE_ERROR;
		call->ca_rsp = call->ca_remaining > 0 ? RSP_BODY_LEN : RSP_DONE;
	} else {
		call->ca_close = 1;
		call->ca_rsp = RSP_BODY_EOF;
	}
	return HTTP_STEP_AGAIN;
}

/* One line of the status line, headers or trailers. */
static int
http_parse_head(struct http_call *call, struct evbuffer *in)
{
	size_t n = 0;
	char *line;
	int err, r = HTTP_STEP_AGAIN;

	line = http_readline(in, call->ca_head_bytes < HTTP_MAX_HEAD ?
	    HTTP_MAX_HEAD - call->ca_head_bytes : 0, &n, &err);
	if (line == NULL) {
		call->ca_detail = "response head too large or malformed";
		return err ? HTTP_PARSE_ERROR : HTTP_PARSE_MORE;
	}
	call->ca_head_bytes += n + 2;
	if (call->ca_rsp == RSP_STATUS) {
		call->ca_detail = "bad status line";
		if (http_parse_status(call, line) == -1)
			r = HTTP_PARSE_ERROR;
		call->ca_rsp = RSP_HEADERS;
	} else if (n == 0) {
		free(line);
		if (call->ca_rsp != RSP_TRAILERS)
			return http_parse_head_end(call);	/* may free CALL */
		call->ca_rsp = RSP_DONE;
		return HTTP_PARSE_DONE;
	} else if (call->ca_rsp == RSP_HEADERS && http_parse_header(call, line) == -1) {
		r = HTTP_PARSE_ERROR;
	}
	free(line);
	return r;
}

/* A chunk-size line, or the CRLF that ends a chunk's data. */
static int
http_parse_chunk_line(struct http_call *call, struct evbuffer *in)
{
	uint64_t size = 0;
	size_t n = 0, i;
	char *line;
	int err, r = HTTP_STEP_AGAIN;

	if ((line = http_readline(in, HTTP_MAX_CHUNK_LINE, &n, &err)) == NULL) {
		call->ca_detail = "bad chunk framing";
		return err ? HTTP_PARSE_ERROR : HTTP_PARSE_MORE;
	}
	call->ca_detail = "bad chunk framing";
	if (call->ca_rsp == RSP_CHUNK_END) {
		r = n == 0 ? HTTP_STEP_AGAIN : HTTP_PARSE_ERROR;
		call->ca_rsp = RSP_CHUNK_SIZE;
		free(line);
		return r;
	}
	i = strspn(line, "0123456789abcdefABCDEF");
	if (i == 0 || i > 15 || (line[i] != '\0' && strchr(" \t;", line[i]) == NULL)) {
		free(line);
		return HTTP_PARSE_ERROR;
	}
	line[i] = '\0';
	size = strtoull(line, NULL, 16);
	free(line);
	if (call->ca_body != NULL &&
	    call->ca_body_len + size > call->ca_client->cl_opts.hc_max_body) {
		call->ca_detail = "response body exceeds the limit";
		return HTTP_PARSE_ERROR;
	}
	call->ca_remaining = size;
	call->ca_rsp = size > 0 ? RSP_CHUNK_DATA : RSP_TRAILERS;
	return r;
}

/* Hands up to N body bytes from IN to the caller (on_data) or the body buffer, stopping
 * early if on_data pauses the call. Stores the count taken in *GOTP. Returns 0,
 * HTTP_PARSE_ERROR or HTTP_PARSE_CANCELLED. */
static int
http_deliver(struct http_call *call, struct evbuffer *in, size_t n, size_t *gotp)
{
	struct evbuffer_iovec v[8];
	size_t piece;
	int i, nv;

	*gotp = 0;
	if (call->ca_co.co_on_data == NULL) {
		call->ca_detail = "response body exceeds the limit";
		if (call->ca_body_len + n > call->ca_client->cl_opts.hc_max_body ||
		    evbuffer_remove_buffer(in, call->ca_body, n) != (int)n)
			return HTTP_PARSE_ERROR;
		call->ca_body_len += n;
		*gotp = n;
		return 0;
	}
	while (*gotp < n && !call->ca_paused) {
		nv = evbuffer_peek(in, (ev_ssize_t)(n - *gotp), NULL, v, 8);
		for (i = 0, piece = 0; i < nv && i < 8 && !call->ca_paused; i++) {
			if (v[i].iov_len > n - *gotp - piece)
				v[i].iov_len = n - *gotp - piece;
			call->ca_in_cb++;
			call->ca_co.co_on_data(call->ca_arg, v[i].iov_base, v[i].iov_len);
			if (http_call_cb_end(call))
				return HTTP_PARSE_CANCELLED;	/* IN is gone too */
			piece += v[i].iov_len;
		}
		evbuffer_drain(in, piece);
		*gotp += piece;
		call->ca_body_len += piece;
		if (piece == 0)
			break;	/* cannot happen while IN holds N bytes; never spin */
	}
	return 0;
}

/* Body bytes: Content-Length, chunk data, or until the server closes. */
static int
http_parse_body(struct http_call *call, struct evbuffer *in)
{
	size_t n = evbuffer_get_length(in), got;
	int r;

	if (n == 0)
		return HTTP_PARSE_MORE;
	if (call->ca_rsp != RSP_BODY_EOF && n > call->ca_remaining)
		n = (size_t)call->ca_remaining;
	if (n > HTTP_MAX_STEP)
		n = HTTP_MAX_STEP;	/* evbuffer_remove_buffer counts in int */
	if ((r = http_deliver(call, in, n, &got)) != 0)
		return r;
	if (call->ca_rsp == RSP_BODY_EOF)
		return got > 0 ? HTTP_STEP_AGAIN : HTTP_PARSE_MORE;
	call->ca_remaining -= got;
	if (call->ca_remaining == 0) {
		if (call->ca_rsp == RSP_BODY_LEN) {
			call->ca_rsp = RSP_DONE;
			return HTTP_PARSE_DONE;
		}
		call->ca_rsp = RSP_CHUNK_END;
	}
	return got > 0 ? HTTP_STEP_AGAIN : HTTP_PARSE_MORE;
}

int
http_call_parse(struct http_call *call, struct evbuffer *in)
{
	int r = HTTP_PARSE_MORE;

	for (;;) {
		if (call->ca_paused)
			return HTTP_PARSE_MORE;
		switch (call->ca_rsp) {
		case RSP_STATUS:
		case RSP_HEADERS:
		case RSP_TRAILERS:
			r = http_parse_head(call, in);
			break;
		case RSP_CHUNK_SIZE:
		case RSP_CHUNK_END:
			r = http_parse_chunk_line(call, in);
			break;
		case RSP_BODY_LEN:
		case RSP_CHUNK_DATA:
		case RSP_BODY_EOF:
			r = http_parse_body(call, in);
			break;
		case RSP_DONE:
			return HTTP_PARSE_DONE;
		}
		if (r != HTTP_STEP_AGAIN)
			return r;
	}
}
