/*
 * common/str: bounded string helpers (glibc 2.36 has no strlcpy) and a growable buffer for
 * building XML and messages. No sprintf/strcpy/strcat anywhere in Hashi: use these.
 */
#ifndef HASHI_COMMON_STR_H
#define HASHI_COMMON_STR_H

#include <stddef.h>
#include <stdint.h>

/* Copies SRC into DST of size DSTSZ, always NUL-terminating. Returns 0, or -1 if truncated. */
int str_copy(char *dst, size_t dstsz, const char *src);

/* Returns a malloc'd copy of S (caller frees), or NULL on allocation failure / NULL S. */
char *str_dup(const char *s);

/* Returns a malloc'd copy of the first N bytes of S plus a NUL (caller frees), or NULL. */
char *str_ndup(const char *s, size_t n);

/* Parses a decimal integer in [MIN, MAX] from the whole of S. Returns 0 or -1. */
int str_to_ll(const char *s, long long min, long long max, long long *out);

/* Returns 1 if S starts with PREFIX, 0 otherwise. */
int str_has_prefix(const char *s, const char *prefix);

/* Case-insensitive ASCII compare of A and B; returns 1 when equal. */
int str_eq_nocase(const char *a, const char *b);

/* Returns the value 0..15 of the hex digit C (either case), or -1. */
int str_hexval(int c);

/* Decodes the strict xs:base64Binary S: XML white space anywhere is skipped, padding is
 * required and only at the end, any other character is refused. Returns 0 with a malloc'd
 * *OUTP (at least one byte allocated, caller frees) of *LENP bytes, or -1. */
int str_b64_decode(const char *s, uint8_t **outp, size_t *lenp);

/* Returns 1 when S is a dotted-decimal OID: first arc 0..2, at least two arcs, no empty
 * arc, no leading zero in an arc; else 0. */
int str_oid_valid(const char *s);

/* Writes a fresh random UUID v4 as "urn:uuid:xxxxxxxx-..." into OUT (>= 46 bytes).
 * Returns 0, or -1 when the random source fails. */
int str_uuid_urn(char *out, size_t outsz);

/* A growable byte buffer; always NUL-terminated for text use. Zero-initialise to use. */
struct strbuf {
	char	*sb_data;
	size_t	 sb_len;
	size_t	 sb_cap;
	int	 sb_failed;	/* set once an allocation failed; later appends are no-ops */
};

/* Appends N bytes. Returns 0, or -1 (and sets sb_failed) on allocation failure. */
int strbuf_add(struct strbuf *sb, const void *data, size_t n);
/* Appends a NUL-terminated string. */
int strbuf_puts(struct strbuf *sb, const char *s);
/* Appends formatted text. */
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends S with the five XML special characters escaped (text and attribute safe). */
int strbuf_put_xml(struct strbuf *sb, const char *s);
/* Takes the buffer's memory (caller frees) and resets SB. NULL if nothing was added. */
char *strbuf_take(struct strbuf *sb, size_t *lenp);
/* Frees the buffer's memory and resets SB. */
void strbuf_reset(struct strbuf *sb);

#endif
