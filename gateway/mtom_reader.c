/*
 * gateway/mtom_reader: the incremental multipart/related parser of mtom.h and the
 * whole-buffer parser built on it. Bytes are copied into a fixed window; a part's data
 * is passed on as soon as it cannot be the start of a delimiter, so memory stays
 * O(window) whatever the part sizes and however the input is split.
 */
#include "gateway/mtom.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MTOM_WIN	(32 * 1024)	/* window; > header limit + delimiter */
#define MTOM_HDR_MAX	(16 * 1024)	/* all header lines of one part */
#define MTOM_PAD_MAX	1024		/* transport padding after a boundary */
#define MTOM_HVAL_MAX	1024		/* one kept header value */

enum rd_state { RD_PREAMBLE, RD_AFTER_DELIM, RD_HEADERS, RD_BODY, RD_END };

enum rd_hdr { HDR_NONE = -1, HDR_CT = 0, HDR_CID, HDR_CTE, HDR_N };

struct mtom_reader {
	enum rd_state		 st;
	char			 delim[3 + MTOM_BOUNDARY_MAX + 1];	/* "\n--" boundary */
	size_t			 dlen;
	struct mtom_callbacks	 cb;
	void			*arg;
	uint8_t			*buf;
	size_t			 off;		/* first unconsumed byte */
	size_t			 len;		/* bytes in buf */
	size_t			 hdr_bytes;
	enum rd_hdr		 hdr_last;	/* where a folded line continues */
	char			 hdr[HDR_N][MTOM_HVAL_MAX];
	int			 hdr_seen[HDR_N];
	const char		*err;
};

static int
rd_fail(struct mtom_reader *r, const char *why)
{
	if (r->err == NULL)
		r->err = why;
	return -1;
}

static void
rd_consume(struct mtom_reader *r, size_t n)
{
	r->off += n;
	if (r->off == r->len)
		r->off = r->len = 0;
}

/* Returns the offset (from r->off) of the first complete "\n--boundary", or -1. A partial
 * match at the end is left for the next feed: callers keep the last dlen bytes. */
static long
rd_find(const struct mtom_reader *r)
{
	const uint8_t *base = r->buf + r->off, *p = base, *end = r->buf + r->len;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) < r->dlen)
			return -1;
		if (memcmp(p, r->delim, r->dlen) == 0)
			return (long)(p - base);
		p++;
	}
	return -1;
}

static int
rd_preamble(struct mtom_reader *r)
{
	long i = rd_find(r);
	size_t avail = r->len - r->off;

	if (i >= 0) {
		rd_consume(r, (size_t)i + r->dlen);
		r->st = RD_AFTER_DELIM;
		return 1;
	}
	if (avail > r->dlen) {
		rd_consume(r, avail - r->dlen);	/* the preamble is ignored */
		return 1;
	}
	return 0;
}

static int
rd_emit(struct mtom_reader *r, size_t n)
{
	if (n > 0 && r->cb.on_part_data != NULL &&
	    r->cb.on_part_data(r->arg, r->buf + r->off, n) != 0)
		return rd_fail(r, "multipart processing aborted");
	return 0;
}

static int
rd_body(struct mtom_reader *r)
{
	long i = rd_find(r);
	size_t avail = r->len - r->off, end;

	if (i >= 0) {
		/* The CRLF (or bare LF) before "--boundary" belongs to the delimiter. */
		end = (size_t)i;
		if (end > 0 && r->buf[r->off + end - 1] == '\r')
			end--;
		if (rd_emit(r, end) == -1)
			return -1;
		if (r->cb.on_part_end != NULL && r->cb.on_part_end(r->arg) != 0)
			return rd_fail(r, "multipart processing aborted");
		rd_consume(r, (size_t)i + r->dlen);
		r->st = RD_AFTER_DELIM;
		return 1;
	}
	/* Hold back dlen bytes: at most dlen-1 of a delimiter's start plus its CR. */
	if (avail > r->dlen) {
		if (rd_emit(r, avail - r->dlen) == -1)
			return -1;
		rd_consume(r, avail - r->dlen);
		return 1;
	}
	return 0;
}

/* After "--boundary": "--" closes the body; otherwise optional padding and a line end. */
static int
rd_after_delim(struct mtom_reader *r)
{
	const uint8_t *p = r->buf + r->off;
	size_t avail = r->len - r->off, i;

	if (avail < 2)
		return 0;
	if (p[0] == '-' && p[1] == '-') {
		rd_consume(r, 2);
		r->st = RD_END;
		return 1;
	}
	for (i = 0; i < avail; i++) {
		if (p[i] == ' ' || p[i] == '\t')
			continue;
		if (p[i] == '\r' && i + 1 == avail)
			return 0;
		if (p[i] == '\r' && p[i + 1] == '\n')
			i++;
		else if (p[i] != '\n')
			return rd_fail(r, "malformed MIME boundary line");
		rd_consume(r, i + 1);
		memset(r->hdr_seen, 0, sizeof(r->hdr_seen));
		r->hdr_bytes = 0;
		r->hdr_last = HDR_NONE;
		r->st = RD_HEADERS;
		return 1;
	}
	if (avail > MTOM_PAD_MAX)
		return rd_fail(r, "malformed MIME boundary line");
	return 0;
}

/* Appends S[0..N) to the kept header H ("" + S, or " " + S for a folded line). */
static int
rd_hdr_append(struct mtom_reader *r, enum rd_hdr h, const char *s, size_t n)
{
	size_t have = strlen(r->hdr[h]);
	int sep = r->hdr_seen[h] && have > 0;

	if (have + (size_t)sep + n + 1 > MTOM_HVAL_MAX)
		return rd_fail(r, "MIME part header too long");
	if (sep)
		r->hdr[h][have++] = ' ';
	memcpy(r->hdr[h] + have, s, n);
	r->hdr[h][have + n] = '\0';
	return 0;
}

static void
rd_trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static int
rd_header_line(struct mtom_reader *r, const char *line, size_t n)
{
	static const char *const names[HDR_N] = {
		"content-type", "content-id", "content-transfer-encoding"
	};
	const char *colon, *v;
	size_t nl, vn;
	int h;

	if (line[0] == ' ' || line[0] == '\t') {	/* folded continuation */
		rd_trim(&line, &n);
		return r->hdr_last == HDR_NONE ? 0 : rd_hdr_append(r, r->hdr_last, line, n);
	}
	if ((colon = memchr(line, ':', n)) == NULL)
		return rd_fail(r, "malformed MIME part header");
	nl = (size_t)(colon - line);
	v = colon + 1;
	vn = n - nl - 1;
	rd_trim(&v, &vn);
	r->hdr_last = HDR_NONE;
	for (h = 0; h < HDR_N; h++) {
		if (strlen(names[h]) != nl || strncasecmp(line, names[h], nl) != 0)
			continue;
		if (r->hdr_seen[h])
			return rd_fail(r, "repeated MIME part header");
		r->hdr[h][0] = '\0';
		if (rd_hdr_append(r, (enum rd_hdr)h, v, vn) == -1)
			return -1;
		r->hdr_seen[h] = 1;
		r->hdr_last = (enum rd_hdr)h;
	}
	return 0;
}

static int
rd_headers_done(struct mtom_reader *r)
{
	struct mtom_part_info pi;
	const char *cte = r->hdr_seen[HDR_CTE] ? r->hdr[HDR_CTE] : NULL;
	char *cid = r->hdr[HDR_CID];
	size_t n = strlen(cid);

	if (cte != NULL && strcasecmp(cte, "binary") != 0 && strcasecmp(cte, "8bit") != 0 &&
	    strcasecmp(cte, "7bit") != 0)
		return rd_fail(r, "unsupported Content-Transfer-Encoding");
	if (n >= 2 && cid[0] == '<' && cid[n - 1] == '>') {
		memmove(cid, cid + 1, n - 2);
		cid[n - 2] = '\0';
	}
	pi.pi_content_type = r->hdr_seen[HDR_CT] ? r->hdr[HDR_CT] : NULL;
	pi.pi_content_id = r->hdr_seen[HDR_CID] ? cid : NULL;
	pi.pi_transfer_encoding = cte;
	if (r->cb.on_part_begin != NULL && r->cb.on_part_begin(r->arg, &pi) != 0)
		return rd_fail(r, "multipart processing aborted");
	r->st = RD_BODY;
	return 1;
}

static int
rd_headers(struct mtom_reader *r)
{
	const char *line = (const char *)r->buf + r->off;
	size_t avail = r->len - r->off, n, blank;
	const char *nl = memchr(line, '\n', avail);

	if (nl == NULL) {
		if (r->hdr_bytes + avail > MTOM_HDR_MAX)
			return rd_fail(r, "MIME part headers too large");
		return 0;
	}
	n = (size_t)(nl - line);
	r->hdr_bytes += n + 1;
	if (r->hdr_bytes > MTOM_HDR_MAX)
		return rd_fail(r, "MIME part headers too large");
	/* A line of only white space ends the headers too (the NIST capture pads lines). */
	for (blank = 0; blank < n && strchr(" \t\r", line[blank]) != NULL; blank++)
		;
	if (blank == n) {
		rd_consume(r, n + 1);
		return rd_headers_done(r);
	}
	if (rd_header_line(r, line, n) == -1)
		return -1;
	rd_consume(r, n + 1);
	return 1;
}

static int
rd_step(struct mtom_reader *r)
{
	switch (r->st) {
	case RD_PREAMBLE: return rd_preamble(r);
	case RD_AFTER_DELIM: return rd_after_delim(r);
	case RD_HEADERS: return rd_headers(r);
	case RD_BODY: return rd_body(r);
	case RD_END:
		r->off = r->len = 0;	/* the epilogue is ignored */
		return 0;
	}
	return rd_fail(r, "internal multipart state error");
}

struct mtom_reader *
mtom_reader_new(const char *boundary, const struct mtom_callbacks *cb, void *arg)
{
	struct mtom_reader *r;
	size_t bl = boundary != NULL ? strlen(boundary) : 0;

	if (bl == 0 || bl > MTOM_BOUNDARY_MAX || memchr(boundary, '\r', bl) != NULL ||
	    memchr(boundary, '\n', bl) != NULL)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->buf = malloc(MTOM_WIN)) == NULL) {
		free(r);
		return NULL;
	}
	memcpy(r->delim, "\n--", 3);
	memcpy(r->delim + 3, boundary, bl);
	r->dlen = 3 + bl;
	if (cb != NULL)
		r->cb = *cb;
	r->arg = arg;
	/* A virtual line end before the body lets the first delimiter sit at offset 0. */
	r->buf[0] = '\n';
	r->len = 1;
	r->st = RD_PREAMBLE;
	return r;
}

int
mtom_reader_feed(struct mtom_reader *r, const uint8_t *data, size_t len)
{
	size_t n;
	int rc;

	if (r->err != NULL)
		return -1;
	for (;;) {
		if (r->off > 0) {	/* compact before taking more input */
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		n = MTOM_WIN - r->len < len ? MTOM_WIN - r->len : len;
		if (n > 0)
			memcpy(r->buf + r->len, data, n);
		r->len += n;
		data += n;
		len -= n;
		while ((rc = rd_step(r)) == 1)
			;
		if (rc < 0)
			return -1;
		if (len == 0)
			return 0;
		if (r->off == 0 && r->len == MTOM_WIN)	/* every state drains a full window */
			return rd_fail(r, "internal multipart state error");
	}
}

int
mtom_reader_finish(struct mtom_reader *r)
{
	if (r->err != NULL)
		return -1;
	if (r->st != RD_END)
		return rd_fail(r, "truncated multipart body");
	return 0;
}

const char *
mtom_reader_error(const struct mtom_reader *r)
{
	return r->err;
}

void
mtom_reader_free(struct mtom_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

/* ---- whole-buffer parser ---- */

struct mp_ctx {
	struct mtom_part	*parts;
	size_t			 n, cap, max;
	struct strbuf		 data;
	const char		*err;
};

static int
mp_begin(void *arg, const struct mtom_part_info *pi)
{
	struct mp_ctx *c = arg;
	struct mtom_part *p;

	if (c->n == c->max) {
		c->err = "too many MIME parts";
		return -1;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4;

		if ((p = realloc(c->parts, cap * sizeof(*p))) == NULL)
			goto nomem;
		c->parts = p;
		c->cap = cap;
	}
	p = &c->parts[c->n++];
	memset(p, 0, sizeof(*p));
	if ((pi->pi_content_id != NULL && (p->mp_cid = str_dup(pi->pi_content_id)) == NULL) ||
	    (pi->pi_content_type != NULL &&
	    (p->mp_content_type = str_dup(pi->pi_content_type)) == NULL))
		goto nomem;
	strbuf_reset(&c->data);
	return 0;
nomem:
	c->err = "out of memory";
	return -1;
}

static int
mp_data(void *arg, const uint8_t *data, size_t len)
{
	struct mp_ctx *c = arg;

	if (strbuf_add(&c->data, data, len) == -1) {
		c->err = "out of memory";
		return -1;
	}
	return 0;
}

static int
mp_end(void *arg)
{
	struct mp_ctx *c = arg;
	struct mtom_part *p = &c->parts[c->n - 1];

	if (c->data.sb_failed) {
		c->err = "out of memory";
		return -1;
	}
	p->mp_data = (uint8_t *)strbuf_take(&c->data, &p->mp_len);
	return 0;
}

int
mtom_parse(const uint8_t *body, size_t len, const char *boundary, size_t max_parts,
    struct mtom_part **partsp, size_t *np, const char **errp)
{
	static const struct mtom_callbacks cb = { mp_begin, mp_data, mp_end };
	struct mp_ctx c;
	struct mtom_reader *r;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	c.max = max_parts ? max_parts : 100;
	*partsp = NULL;
	*np = 0;
	*errp = NULL;
	if ((r = mtom_reader_new(boundary, &cb, &c)) == NULL) {
		*errp = "invalid MIME boundary";
		return -1;
	}
	if (mtom_reader_feed(r, body, len) == -1 || mtom_reader_finish(r) == -1) {
		*errp = c.err != NULL ? c.err : mtom_reader_error(r);
		goto done;
	}
	if (c.n == 0) {
		*errp = "multipart body has no parts";
		goto done;
	}
	*partsp = c.parts;
	*np = c.n;
	c.parts = NULL;
	ret = 0;
done:
	mtom_reader_free(r);
	mtom_parts_free(c.parts, c.n);
	strbuf_reset(&c.data);
	return ret;
}

void
mtom_parts_free(struct mtom_part *parts, size_t n)
{
	size_t i;

	if (parts == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(parts[i].mp_cid);
		free(parts[i].mp_content_type);
		free(parts[i].mp_data);
	}
	free(parts);
}
