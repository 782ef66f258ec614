/*
 * crypto/checkpoint: C2SP tlog-checkpoint note text, and the text rules of C2SP signed
 * notes (UTF-8, key names, canonical base64) shared with crypto/note.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/log.h"
#include "common/str.h"
#include "crypto/checkpoint.h"

/* Decodes one UTF-8 sequence at S (N bytes left). Returns its length with the code point in
 * *CP, or 0 when invalid: overlong forms, surrogates and values above U+10FFFF are refused,
 * so that two different byte strings never denote the same text. */
static size_t
utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2; c = s[0] & 0x1f; min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3; c = s[0] & 0x0f; min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4; c = s[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Unicode White_Space (what Go's unicode.IsSpace accepts), since key names must contain
 * no Unicode space at all, not only U+0020. */
static int
is_unicode_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000;
}

int
note_text_valid(const char *text, size_t len)
{
	const uint8_t *s = (const uint8_t *)text;
	size_t i = 0, k;
	uint32_t c;

	if (len == 0 || text[len - 1] != '\n')
		return 0;
	while (i < len) {
		if ((k = utf8_decode(s + i, len - i, &c)) == 0)
			return 0;
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return 0;
		i += k;
	}
	return 1;
}

int
note_name_valid(const char *name)
{
	const uint8_t *s = (const uint8_t *)name;
	size_t len = strlen(name), i = 0, k;
	uint32_t c;

	if (len == 0 || len >= CHECKPOINT_ORIGIN_MAX)
		return 0;
	while (i < len) {
		if ((k = utf8_decode(s + i, len - i, &c)) == 0)
			return 0;
		if (c < 0x20 || c == 0x7f || c == '+' || is_unicode_space(c))
			return 0;
		i += k;
	}
	return 1;
}

int
note_b64_decode(const char *s, size_t n, uint8_t *out, size_t outmax, size_t *outlen)
{
	char *copy = NULL;
	unsigned char *enc = NULL;
	uint8_t *dec = NULL;
	size_t i, declen = 0;
	int ret = -1;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > outmax + 2)
		goto done;
	/* str_b64_decode skips white space; the note grammar has none inside a token. */
	for (i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			goto done;
	if ((copy = str_ndup(s, n)) == NULL || str_b64_decode(copy, &dec, &declen) == -1)
		goto done;
	if (declen > outmax || declen > INT32_MAX)
		goto done;
	/* Re-encoding must give the same characters: refuses non-zero unused bits. */
	if ((enc = malloc(n + 1)) == NULL ||
	    EVP_EncodeBlock(enc, dec, (int)declen) != (int)n || memcmp(enc, s, n) != 0)
		goto done;
	memcpy(out, dec, declen);
	*outlen = declen;
	ret = 0;
done:
	if (dec != NULL) {
		OPENSSL_cleanse(dec, declen);
		free(dec);
	}
	free(enc);
	free(copy);
	return ret;
}

int
checkpoint_format(const struct checkpoint *c, struct strbuf *body)
{
	unsigned char root64[4 * ((CHECKPOINT_HASH_LEN + 2) / 3) + 1];
	size_t olen = strnlen(c->origin, sizeof(c->origin)), start = body->sb_len;

	/* The origin's characters are checked with the whole text below (note_text_valid
	 * needs the final newline). */
	if (olen == 0 || olen == sizeof(c->origin) || memchr(c->origin, '\n', olen) != NULL) {
		log_warnx("checkpoint: invalid origin");
		return -1;
	}
	EVP_EncodeBlock(root64, c->root, CHECKPOINT_HASH_LEN);
	if (strbuf_printf(body, "%s\n%llu\n%s\n", c->origin, (unsigned long long)c->size,
	    (const char *)root64) == -1)
		return -1;
	if (!note_text_valid(body->sb_data + start, body->sb_len - start)) {
		log_warnx("checkpoint: origin is not valid note text");
		body->sb_len = start;	/* leave BODY as it was */
		body->sb_data[start] = '\0';
		return -1;
	}
	return 0;
}

/* Parses the decimal tree size line S of N bytes: digits only, no leading zero except "0",
 * no overflow. Returns 0 or -1. */
static int
checkpoint_parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
checkpoint_parse(const char *body, size_t len, struct checkpoint *c)
{
	const char *p = body, *end = body + len, *nl;
	size_t n, rootlen = 0, line;
	struct checkpoint tmp;

	memset(&tmp, 0, sizeof(tmp));
	if (!note_text_valid(body, len))
		return -1;
	for (line = 0; p < end; line++, p = nl + 1) {
		/* note_text_valid guarantees the text ends in a newline. */
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)(nl - p);
		if (n == 0)
			return -1;	/* no line of a checkpoint may be empty */
		if (line == 0) {
			if (n >= sizeof(tmp.origin))
				return -1;
			memcpy(tmp.origin, p, n);
		} else if (line == 1) {
			if (checkpoint_parse_size(p, n, &tmp.size) == -1)
				return -1;
		} else if (line == 2) {
			if (note_b64_decode(p, n, tmp.root, sizeof(tmp.root), &rootlen) == -1 ||
			    rootlen != CHECKPOINT_HASH_LEN)
				return -1;
		}
		/* Later lines are extension lines: opaque, ignored here. */
	}
	if (line < 3)
		return -1;
	*c = tmp;
	return 0;
}
