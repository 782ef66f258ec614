/*
 * gateway/mtom: MIME multipart/related framing for MTOM/XOP (SOAP 1.2 MTOM, XOP 1.0,
 * RFC 2046/2387/2392). The writer side produces the pieces of a response so the caller can
 * stream document bytes between them (a 100 MiB document is never held whole); the reader
 * side is an incremental parser fed arbitrary chunks with memory bounded by a constant
 * window, whatever the part sizes. Content-IDs are handled without angle brackets
 * ("1.abc@host"); the functions add "<>" in headers and "cid:" in hrefs.
 * Line ends: we write CRLF; we read CRLF or bare LF (the NIST capture uses LF) and accept
 * transport padding after a boundary.
 */
#ifndef HASHI_GATEWAY_MTOM_H
#define HASHI_GATEWAY_MTOM_H

#include <stddef.h>
#include <stdint.h>

#include "common/str.h"

#define MTOM_XOP_NS		"http://www.w3.org/2004/08/xop/include"
#define MTOM_BOUNDARY_MAX	70	/* RFC 2046 */

/* ---- Content-Type header values ---- */

/* A parsed Content-Type value. Empty string = parameter absent. Type and parameter names
 * are matched case-insensitively; TYPE is stored lower-case. */
struct mtom_ct {
	char	ct_type[128];		/* "multipart/related" */
	char	ct_boundary[MTOM_BOUNDARY_MAX + 1];
	char	ct_start[512];		/* as sent, e.g. "<0.urn:uuid:...@apache.org>" */
	char	ct_start_info[256];
	char	ct_xtype[256];		/* the "type" parameter */
	char	ct_charset[32];
	char	ct_action[1024];
};

/* Parses the Content-Type header VALUE (media type plus ;-parameters, quoted-strings
 * unescaped). Returns 0, or -1 when malformed, a parameter we keep is repeated, or a kept
 * value does not fit. */
int mtom_ct_parse(const char *value, struct mtom_ct *ct);

/* Returns 1 when S (a media type possibly followed by ";params") has media type TYPE,
 * compared case-insensitively. */
int mtom_ct_is(const char *s, const char *type);

/* ---- writer (response side; the caller streams attachment bytes itself) ---- */

/* Writes a fresh random boundary ("MIMEBoundary_" + 32 hex digits) into OUT of size N
 * (>= 46). Returns 0, or -1 when N is too small or the random source fails. */
int mtom_boundary_new(char *out, size_t n);

/* Writes a fresh random Content-ID ("<32 hex>@hashi", no brackets) into OUT of size N
 * (>= 40). Returns 0 or -1. */
int mtom_cid_new(char *out, size_t n);

/* Appends the HTTP Content-Type value of an MTOM message: multipart/related with boundary,
 * type="application/xop+xml", start="<START_CID>", start-info="application/soap+xml" and
 * action="ACTION" (omitted when ACTION is NULL). Returns 0, or -1 on allocation failure or
 * when an argument holds characters that cannot appear there (quote, backslash, CR, LF,
 * angle brackets in a cid, non-bchars in the boundary). */
int mtom_content_type(struct strbuf *sb, const char *boundary, const char *start_cid,
    const char *action);

/* Appends the first delimiter, the root part headers (Content-Type: application/xop+xml;
 * charset=UTF-8; type="application/soap+xml", Content-Transfer-Encoding: binary,
 * Content-ID: <START_CID>), the blank line and ENVELOPE_XML. Returns 0 or -1. */
int mtom_root_part(struct strbuf *sb, const char *boundary, const char *start_cid,
    const char *envelope_xml);

/* Appends CRLF, the delimiter and the headers of a binary part with Content-ID <CID> and
 * Content-Type MIME_TYPE (NULL = application/octet-stream), then the blank line; the caller
 * then writes the part's bytes. Returns 0 or -1. */
int mtom_part_header(struct strbuf *sb, const char *boundary, const char *cid,
    const char *mime_type);

/* Returns MIME when it is a media type safe to copy into a part header (printable ASCII
 * without spaces, quotes or backslashes, at most 200 bytes), else NULL, which
 * mtom_part_header turns into application/octet-stream. */
const char *mtom_safe_mime(const char *mime);

/* Appends CRLF and the closing delimiter "--BOUNDARY--" CRLF. Returns 0 or -1. */
int mtom_end(struct strbuf *sb, const char *boundary);

/* Appends <xop:Include xmlns:xop="..." href="cid:CID"/> with CID percent-encoded as
 * RFC 2392 requires. Returns 0 or -1. */
int mtom_put_include(struct strbuf *sb, const char *cid);

/* Decodes the cid: URL HREF (RFC 2392, "cid:" prefix case-insensitive, %XX unescaped) into
 * OUT of size N. Returns 0, or -1 when HREF is not a well-formed cid URL or does not fit. */
int mtom_cid_from_href(const char *href, char *out, size_t n);

/* ---- streaming reader ---- */

/* What a part declared. Strings are borrowed for the duration of the callback; NULL when
 * the header was absent. Content-ID has its angle brackets and surrounding space removed. */
struct mtom_part_info {
	const char	*pi_content_type;
	const char	*pi_content_id;
	const char	*pi_transfer_encoding;
};

/* Callbacks; any may be NULL. A callback returning non-zero stops the reader: the current
 * and every later mtom_reader_feed() returns -1 and mtom_reader_error() says "aborted". */
struct mtom_callbacks {
	int	(*on_part_begin)(void *arg, const struct mtom_part_info *pi);
	int	(*on_part_data)(void *arg, const uint8_t *data, size_t len);
	int	(*on_part_end)(void *arg);
};

struct mtom_reader;

/* Returns a reader for a body delimited by BOUNDARY (copied; 1..70 characters), calling
 * CB (copied) with ARG, or NULL on allocation failure or a bad boundary. Parts whose
 * Content-Transfer-Encoding is not binary, 8bit or 7bit are refused (MTOM sends binary). */
struct mtom_reader *mtom_reader_new(const char *boundary, const struct mtom_callbacks *cb,
    void *arg);

/* Feeds the next LEN bytes of the body (any split, even one byte). Data of a part reaches
 * on_part_data in pieces of any size; the reader holds back at most a delimiter's length.
 * Returns 0, or -1 on malformed input or an aborting callback (sticky). */
int mtom_reader_feed(struct mtom_reader *r, const uint8_t *data, size_t len);

/* Declares the end of the body. Returns 0 when the closing delimiter was seen, else -1
 * (truncated body). */
int mtom_reader_finish(struct mtom_reader *r);

/* Returns a static English description of the first error, or NULL when there was none. */
const char *mtom_reader_error(const struct mtom_reader *r);

/* Frees R; NULL is accepted. */
void mtom_reader_free(struct mtom_reader *r);

/* ---- whole-buffer parsing (requests already in memory) ---- */

struct mtom_part {
	char	*mp_cid;		/* without "<>", NULL when the part had none */
	char	*mp_content_type;	/* NULL when absent */
	uint8_t	*mp_data;		/* NULL when empty */
	size_t	 mp_len;
};

/* Parses the multipart BODY[0..LEN) delimited by BOUNDARY into *PARTSP (*NP entries;
 * free with mtom_parts_free). At most MAX_PARTS parts (0 = 100). On failure returns -1
 * with *ERRP set to a static English reason. */
int mtom_parse(const uint8_t *body, size_t len, const char *boundary, size_t max_parts,
    struct mtom_part **partsp, size_t *np, const char **errp);

/* Frees N parts of PARTS and the array; NULL is accepted. */
void mtom_parts_free(struct mtom_part *parts, size_t n);

#endif
