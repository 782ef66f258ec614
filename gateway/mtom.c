/* gateway/mtom: Content-Type parsing and the MTOM writer. The reader is in mtom_reader.c. */
#include "gateway/mtom.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#define CT_TMP_MAX	2048

enum ct_param {
	CTP_BOUNDARY = 1 << 0,
	CTP_START = 1 << 1,
	CTP_START_INFO = 1 << 2,
	CTP_TYPE = 1 << 3,
	CTP_CHARSET = 1 << 4,
	CTP_ACTION = 1 << 5
};

static int
ct_is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void
ct_skip_ows(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* Reads a token into OUT (size N, lower-cased when LOWER). Returns its length, or -1 when
 * empty or too long. */
static int
ct_token(const char **p, char *out, size_t n, int lower)
{
	size_t i = 0;

	while (ct_is_tchar((unsigned char)**p)) {
		if (i + 1 >= n)
			return -1;
		out[i++] = (lower && **p >= 'A' && **p <= 'Z') ? (char)(**p + 32) : **p;
		(*p)++;
	}
	out[i] = '\0';
	return i == 0 ? -1 : (int)i;
}

/* Reads a token or a quoted-string (backslash escapes removed) into OUT of size N.
 * Returns 0, or -1 when malformed or too long. */
static int
ct_value(const char **p, char *out, size_t n)
{
	size_t i = 0;

	if (**p != '"')
		return ct_token(p, out, n, 0) < 0 ? -1 : 0;
	for ((*p)++; **p != '"'; (*p)++) {
		if (**p == '\0' || **p == '\r' || **p == '\n')
			return -1;
		if (**p == '\\' && (*p)[1] != '\0')
			(*p)++;
		if (i + 1 >= n)
			return -1;
		out[i++] = **p;
	}
	(*p)++;
	out[i] = '\0';
	return 0;
}

/* Stores VALUE into the field named NAME, refusing repeats (an ambiguity a proxy and we
 * could resolve differently). Unknown parameters are ignored. */
static int
ct_store(struct mtom_ct *ct, const char *name, const char *value, unsigned *seen)
{
	static const struct {
		const char	*name;
		unsigned	 bit;
		size_t		 off, size;
	} fields[] = {
		{ "boundary", CTP_BOUNDARY, offsetof(struct mtom_ct, ct_boundary),
		    sizeof(((struct mtom_ct *)0)->ct_boundary) },
		{ "start", CTP_START, offsetof(struct mtom_ct, ct_start),
		    sizeof(((struct mtom_ct *)0)->ct_start) },
		{ "start-info", CTP_START_INFO, offsetof(struct mtom_ct, ct_start_info),
		    sizeof(((struct mtom_ct *)0)->ct_start_info) },
		{ "type", CTP_TYPE, offsetof(struct mtom_ct, ct_xtype),
		    sizeof(((struct mtom_ct *)0)->ct_xtype) },
		{ "charset", CTP_CHARSET, offsetof(struct mtom_ct, ct_charset),
		    sizeof(((struct mtom_ct *)0)->ct_charset) },
		{ "action", CTP_ACTION, offsetof(struct mtom_ct, ct_action),
		    sizeof(((struct mtom_ct *)0)->ct_action) },
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(name, fields[i].name) != 0)
			continue;
		if (*seen & fields[i].bit)
			return -1;
		*seen |= fields[i].bit;
		return str_copy((char *)ct + fields[i].off, fields[i].size, value);
	}
	return 0;
}

int
mtom_ct_parse(const char *value, struct mtom_ct *ct)
{
	char name[64], tmp[CT_TMP_MAX], type[64], sub[64];
	const char *p = value;
	unsigned seen = 0;
	int n;

	memset(ct, 0, sizeof(*ct));
	if (p == NULL)
		return -1;
	ct_skip_ows(&p);
	if (ct_token(&p, type, sizeof(type), 1) < 0 || *p++ != '/' ||
	    ct_token(&p, sub, sizeof(sub), 1) < 0)
		return -1;
	n = snprintf(ct->ct_type, sizeof(ct->ct_type), "%s/%s", type, sub);
	if (n < 0 || (size_t)n >= sizeof(ct->ct_type))
		return -1;
	for (;;) {
		ct_skip_ows(&p);
		if (*p == '\0')
			return 0;
		if (*p++ != ';')
			return -1;
		ct_skip_ows(&p);
		if (*p == '\0' || *p == ';')
			continue;	/* tolerate empty parameters and a trailing ';' */
		if (ct_token(&p, name, sizeof(name), 1) < 0)
			return -1;
		ct_skip_ows(&p);
		if (*p++ != '=')
			return -1;
		ct_skip_ows(&p);
		if (ct_value(&p, tmp, sizeof(tmp)) == -1 || ct_store(ct, name, tmp, &seen) == -1)
			return -1;
	}
}

int
mtom_ct_is(const char *s, const char *type)
{
	size_t n;

	if (s == NULL)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, "; \t");
	return n == strlen(type) && strncasecmp(s, type, n) == 0;
}

/* ---- writer ---- */

static int
mtom_hex_random(char *out, size_t n, const char *prefix, const char *suffix)
{
	uint8_t r[16];
	char hex[33];
	size_t i;
	int len;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (i = 0; i < sizeof(r); i++) {
		hex[2 * i] = "0123456789abcdef"[r[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[r[i] & 0xf];
	}
	hex[32] = '\0';
	len = snprintf(out, n, "%s%s%s", prefix, hex, suffix);
	return (len < 0 || (size_t)len >= n) ? -1 : 0;
}

int
mtom_boundary_new(char *out, size_t n)
{
	/* 128 random bits: a collision with document bytes we stream but never scan is
	 * not a practical concern. */
	return mtom_hex_random(out, n, "MIMEBoundary_", "");
}

int
mtom_cid_new(char *out, size_t n)
{
	return mtom_hex_random(out, n, "", "@hashi");
}

/* RFC 2046 bchars, no trailing space. */
static int
mtom_boundary_ok(const char *b)
{
	size_t n = b != NULL ? strlen(b) : 0, i;

	if (n == 0 || n > MTOM_BOUNDARY_MAX || b[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)b[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("'()+_,-./:=? ", c) != NULL))
			return 0;
	}
	return 1;
}

/* A value that goes between quotes or angle brackets in a header: printable ASCII and
 * none of the characters that would end it. */
static int
mtom_header_value_ok(const char *s, const char *forbidden)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e ||
		    strchr(forbidden, *s) != NULL)
			return 0;
	}
	return 1;
}

int
mtom_content_type(struct strbuf *sb, const char *boundary, const char *start_cid,
    const char *action)
{
	if (!mtom_boundary_ok(boundary) || !mtom_header_value_ok(start_cid, "<>\"\\") ||
	    (action != NULL && !mtom_header_value_ok(action, "\"\\")))
		return -1;
	if (strbuf_printf(sb, "multipart/related; boundary=\"%s\"; "
	    "type=\"application/xop+xml\"; start=\"<%s>\"; "
	    "start-info=\"application/soap+xml\"", boundary, start_cid) == -1)
		return -1;
	if (action != NULL && strbuf_printf(sb, "; action=\"%s\"", action) == -1)
		return -1;
	return 0;
}

int
mtom_root_part(struct strbuf *sb, const char *boundary, const char *start_cid,
    const char *envelope_xml)
{
	if (!mtom_boundary_ok(boundary) || !mtom_header_value_ok(start_cid, "<>\"\\") ||
	    envelope_xml == NULL)
		return -1;
	if (strbuf_printf(sb, "--%s\r\n"
	    "Content-Type: application/xop+xml; charset=UTF-8; "
	    "type=\"application/soap+xml\"\r\n"
	    "Content-Transfer-Encoding: binary\r\n"
	    "Content-ID: <%s>\r\n\r\n", boundary, start_cid) == -1)
		return -1;
	return strbuf_puts(sb, envelope_xml);
}

int
mtom_part_header(struct strbuf *sb, const char *boundary, const char *cid,
    const char *mime_type)
{
	if (mime_type == NULL)
		mime_type = "application/octet-stream";
	if (!mtom_boundary_ok(boundary) || !mtom_header_value_ok(cid, "<>\"\\") ||
	    !mtom_header_value_ok(mime_type, "\r\n"))
		return -1;
	return strbuf_printf(sb, "\r\n--%s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Transfer-Encoding: binary\r\n"
	    "Content-ID: <%s>\r\n\r\n", boundary, mime_type, cid);
}

const char *
mtom_safe_mime(const char *mime)
{
	const char *p;

	if (mime == NULL || mime[0] == '\0' || strlen(mime) > 200)
		return NULL;
	for (p = mime; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			return NULL;
	return mime;
}

int
mtom_end(struct strbuf *sb, const char *boundary)
{
	if (!mtom_boundary_ok(boundary))
		return -1;
	return strbuf_printf(sb, "\r\n--%s--\r\n", boundary);
}

int
mtom_put_include(struct strbuf *sb, const char *cid)
{
	const char *p;

	if (!mtom_header_value_ok(cid, "<>"))
		return -1;
	if (strbuf_puts(sb, "<xop:Include xmlns:xop=\"" MTOM_XOP_NS "\" href=\"cid:") == -1)
		return -1;
	/* Everything but unreserved characters and '@' is escaped, which also keeps the
	 * attribute free of XML specials. */
	for (p = cid; *p != '\0'; p++) {
		int c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~@", c) != NULL) {
			if (strbuf_add(sb, p, 1) == -1)
				return -1;
		} else if (strbuf_printf(sb, "%%%02X", (unsigned)c) == -1)
			return -1;
	}
	return strbuf_puts(sb, "\"/>");
}

int
mtom_cid_from_href(const char *href, char *out, size_t n)
{
	size_t i = 0;
	const char *p;

	if (href == NULL || n == 0 || strncasecmp(href, "cid:", 4) != 0)
		return -1;
	for (p = href + 4; *p != '\0'; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			int hi = str_hexval((unsigned char)p[1]);
			int lo = hi < 0 ? -1 : str_hexval((unsigned char)p[2]);

			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			p += 2;
		}
		if (c < 0x20 || c == 0x7f || i + 1 >= n)
			return -1;
		out[i++] = (char)c;
	}
	out[i] = '\0';
	return i == 0 ? -1 : 0;
}
