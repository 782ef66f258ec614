/* common/str: see str.h. */
#include "common/str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

int
str_copy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);

	if (dstsz == 0)
		return -1;
	if (n >= dstsz) {
		memcpy(dst, src, dstsz - 1);
		dst[dstsz - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

char *
str_dup(const char *s)
{
	if (s == NULL)
		return NULL;
	return strdup(s);
}

char *
str_ndup(const char *s, size_t n)
{
	char *p;

	if (s == NULL || (p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
str_to_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_eq_nocase(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

int
str_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
str_uuid_urn(char *out, size_t outsz)
{
	uint8_t r[16];
	int n;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	r[6] = (r[6] & 0x0f) | 0x40;	/* version 4 */
	r[8] = (r[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	n = snprintf(out, outsz,
	    "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

static int
strbuf_grow(struct strbuf *sb, size_t need)
{
	size_t cap;
	char *p;

	if (sb->sb_failed)
		return -1;
	if (sb->sb_len + need + 1 <= sb->sb_cap)
		return 0;
	cap = sb->sb_cap ? sb->sb_cap : 256;
	while (cap < sb->sb_len + need + 1) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	if ((p = realloc(sb->sb_data, cap)) == NULL)
		goto fail;
	sb->sb_data = p;
	sb->sb_cap = cap;
	return 0;
fail:
	sb->sb_failed = 1;
	return -1;
}

int
strbuf_add(struct strbuf *sb, const void *data, size_t n)
{
	if (strbuf_grow(sb, n) == -1)
		return -1;
	if (n > 0)
		memcpy(sb->sb_data + sb->sb_len, data, n);
	sb->sb_len += n;
	sb->sb_data[sb->sb_len] = '\0';
	return 0;
}

int
strbuf_puts(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int
strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || strbuf_grow(sb, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(sb->sb_data + sb->sb_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->sb_len += (size_t)n;
	return 0;
}

int
strbuf_put_xml(struct strbuf *sb, const char *s)
{
	const char *run = s;
	const char *rep;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default: continue;
		}
		if (strbuf_add(sb, run, (size_t)(s - run)) == -1 ||
		    strbuf_puts(sb, rep) == -1)
			return -1;
		run = s + 1;
	}
	return strbuf_add(sb, run, (size_t)(s - run));
}

char *
strbuf_take(struct strbuf *sb, size_t *lenp)
{
	char *p = sb->sb_data;

	if (lenp != NULL)
		*lenp = sb->sb_len;
	if (sb->sb_failed) {
		free(p);
		p = NULL;
	}
	memset(sb, 0, sizeof(*sb));
	return p;
}

void
strbuf_reset(struct strbuf *sb)
{
	free(sb->sb_data);
	memset(sb, 0, sizeof(*sb));
}

static int
str_b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
str_b64_decode(const char *s, uint8_t **outp, size_t *lenp)
{
	uint8_t *out;
	uint32_t acc = 0;
	size_t o = 0;
	int q = 0, pad = 0, v;

	if ((out = malloc(strlen(s) / 4 * 3 + 3)) == NULL)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		if (*s == '=' && q + pad >= 2 && pad < 2) {
			pad++;
			continue;
		}
		if (pad > 0 || (v = str_b64_val((unsigned char)*s)) < 0)
			goto bad;
		acc = (acc << 6) | (uint32_t)v;
		if (++q == 4) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
			q = 0;
		}
	}
	if (pad == 0 && q != 0)
		goto bad;
	if (pad > 0 && q + pad != 4)
		goto bad;
	if (q == 2)
		out[o++] = (uint8_t)(acc >> 4);
	else if (q == 3) {
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	}
	*outp = out;
	*lenp = o;
	return 0;
bad:
	free(out);
	return -1;
}

int
str_oid_valid(const char *s)
{
	size_t arc = 0, arcs = 1;
	const char *p;

	/* ASN.1: the first arc is 0, 1 or 2 and there is always a second one */
	if (s[0] < '0' || s[0] > '2' || s[1] != '.')
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (arc == 0)
				return 0;
			arc = 0, arcs++;
		} else if (*p >= '0' && *p <= '9') {
			if (arc == 1 && p[-1] == '0')
				return 0;	/* a leading zero */
			arc++;
		} else
			return 0;
	}
	return arc > 0 && arcs >= 2;
}
