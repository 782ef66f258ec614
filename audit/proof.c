/*
 * audit/proof: inclusion and consistency proof files (format in proof.h). The checker is
 * for auditors far from the appliance: it trusts nothing in the file but what the vkey
 * signature covers and what the Merkle math recomputes, and it parses strictly so that
 * any changed byte either breaks the grammar, the signature or the proof.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit/auditlog_int.h"
#include "audit/proof.h"

#define PROOF_MAGIC_INC		"hashi-audit-proof inclusion v1"
#define PROOF_MAGIC_CONS	"hashi-audit-proof consistency v1"
#define PROOF_HASH_B64		44	/* base64 characters of a 32-byte hash */

/* The checker's position in the file. */
struct reader {
	const char	*rd_p;
	const char	*rd_end;
	unsigned	 rd_line;	/* number of the line rd_p is on */
	char		*rd_err;
	size_t		 rd_errsz;
};

/* Writes the reason into ERR (ERRSZ bytes; NULL allowed) and returns RET. */
static int __attribute__((format(printf, 4, 5)))
proof_fail(char *err, size_t errsz, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsz > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Reads the next line (without its "\n") into *S / *N. Returns 0, or -1 (reported). */
static int
rd_line(struct reader *r, const char **s, size_t *n)
{
	const char *nl;

	if (r->rd_p >= r->rd_end)
		return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: unexpected end of file",
		    r->rd_line);
	if ((nl = memchr(r->rd_p, '\n', (size_t)(r->rd_end - r->rd_p))) == NULL)
		return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: no final newline",
		    r->rd_line);
	*s = r->rd_p;
	*n = (size_t)(nl - r->rd_p);
	r->rd_p = nl + 1;
	r->rd_line++;
	return 0;
}

/* Parses the N characters of S as a decimal number without leading zeros. */
static int
proof_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Reads the line "KW VALUE" and returns VALUE in *VAL / *N. Returns 0 or -1 (reported). */
static int
rd_kw(struct reader *r, const char *kw, const char **val, size_t *n)
{
	const char *s;
	size_t len, kwlen = strlen(kw);

	if (rd_line(r, &s, &len) == -1)
		return -1;
	if (len <= kwlen || memcmp(s, kw, kwlen) != 0 || s[kwlen] != ' ')
		return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: expected \"%s ...\"",
		    r->rd_line - 1, kw);
	*val = s + kwlen + 1;
	*n = len - kwlen - 1;
	return 0;
}

/* Reads the line "KW NUMBER" into *OUT. Returns 0 or -1 (reported). */
static int
rd_num(struct reader *r, const char *kw, uint64_t *out)
{
	const char *s;
	size_t n;

	if (rd_kw(r, kw, &s, &n) == -1)
		return -1;
	if (proof_u64(s, n, out) == -1)
		return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: bad number after \"%s\"",
		    r->rd_line - 1, kw);
	return 0;
}

/* Reads "path N" and N hash lines into PATH / *N. Returns 0 or -1 (reported). */
static int
rd_path(struct reader *r, uint8_t (*path)[MERKLE_HASH_LEN], size_t *n)
{
	const char *s;
	uint64_t count;
	size_t i, len, got;

	if (rd_num(r, "path", &count) == -1)
		return -1;
	if (count > MERKLE_MAX_PATH)
		return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: path of %llu hashes is "
		    "too long", r->rd_line - 1, (unsigned long long)count);
	for (i = 0; i < count; i++) {
		if (rd_line(r, &s, &len) == -1)
			return -1;
		if (len != PROOF_HASH_B64 ||
		    note_b64_decode(s, len, path[i], MERKLE_HASH_LEN, &got) == -1 ||
		    got != MERKLE_HASH_LEN)
			return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: not a base64 "
			    "hash", r->rd_line - 1);
	}
	*n = (size_t)count;
	return 0;
}

/* Reads "checkpoint L" and the L-byte note after it, verifies its signature with V and
 * parses it into *C. Returns 0, or -1 (reported). */
static int
rd_note(struct reader *r, const struct note_verifier *v, struct checkpoint *c)
{
	const char *body;
	uint64_t len;
	size_t bodylen, i;
	unsigned line;

	if (rd_num(r, "checkpoint", &len) == -1)
		return -1;
	line = r->rd_line - 1;
	if (len > NOTE_MAX_LEN || len > (uint64_t)(r->rd_end - r->rd_p))
		return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: checkpoint length %llu "
		    "beyond the end of the file", line, (unsigned long long)len);
	if (note_verify(v, r->rd_p, (size_t)len, &body, &bodylen) != 1)
		return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: the checkpoint's "
		    "signature does not verify with the key", line);
	if (checkpoint_parse(body, bodylen, c) == -1)
		return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: malformed checkpoint",
		    line);
	for (i = 0; i < len; i++)
		if (r->rd_p[i] == '\n')
			r->rd_line++;
	r->rd_p += len;
	return 0;
}

/* Reads "record BASE64" into PI. Returns 0, -1 (reported) or -2 (memory). */
static int
rd_record(struct reader *r, struct proof_info *pi)
{
	const char *s;
	size_t n;

	if (rd_kw(r, "record", &s, &n) == -1)
		return -1;
	if ((pi->pi_record = malloc(n / 4 * 3 + 1)) == NULL)
		return -2;
	if (note_b64_decode(s, n, pi->pi_record, n / 4 * 3 + 1, &pi->pi_record_len) == -1)
		return proof_fail(r->rd_err, r->rd_errsz, -1, "line %u: the record is not "
		    "canonical base64", r->rd_line - 1);
	return 0;
}

/* Checks the body of an inclusion proof (after the magic line). */
static int
proof_check_inclusion(struct reader *r, const struct note_verifier *v, struct proof_info *pi)
{
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
	struct checkpoint c;
	size_t n;
	unsigned sizeline;
	int rc;

	if (rd_num(r, "seq", &pi->pi_seq) == -1 || rd_num(r, "size", &pi->pi_size) == -1)
		return PROOF_INVALID;
	sizeline = r->rd_line - 1;
	if ((rc = rd_record(r, pi)) != 0)
		return rc == -2 ? PROOF_ERROR : PROOF_INVALID;
	if (rd_path(r, path, &n) == -1 || rd_note(r, v, &c) == -1)
		return PROOF_INVALID;
	if (r->rd_p != r->rd_end)
		return proof_fail(r->rd_err, r->rd_errsz, PROOF_INVALID, "line %u: data after "
		    "the checkpoint", r->rd_line);
	memcpy(pi->pi_origin, c.origin, sizeof(pi->pi_origin));
	if (c.size != pi->pi_size)
		return proof_fail(r->rd_err, r->rd_errsz, PROOF_INVALID, "line %u: size %llu is "
		    "not the checkpoint's (%llu)", sizeline, (unsigned long long)pi->pi_size,
		    (unsigned long long)c.size);
	if (merkle_leaf_hash(pi->pi_record, pi->pi_record_len, leaf) == -1)
		return PROOF_ERROR;
	if (merkle_verify_inclusion(leaf, pi->pi_seq, c.size,
	    (const uint8_t (*)[MERKLE_HASH_LEN])path, n, c.root) != 1)
		return proof_fail(r->rd_err, r->rd_errsz, PROOF_INVALID, "the record is not at "
		    "seq %llu of the signed tree of size %llu (the audit path does not lead to "
		    "the checkpoint's root)", (unsigned long long)pi->pi_seq,
		    (unsigned long long)c.size);
	return PROOF_OK;
}

/* Checks the body of a consistency proof (after the magic line). */
static int
proof_check_consistency(struct reader *r, const struct note_verifier *v,
    struct proof_info *pi)
{
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	struct checkpoint c1, c2;
	size_t n;
	unsigned line1, line2;

	if (rd_num(r, "old", &pi->pi_old) == -1 || rd_num(r, "new", &pi->pi_size) == -1 ||
	    rd_path(r, path, &n) == -1)
		return PROOF_INVALID;
	line1 = r->rd_line;
	if (rd_note(r, v, &c1) == -1)
		return PROOF_INVALID;
	line2 = r->rd_line;
	if (rd_note(r, v, &c2) == -1)
		return PROOF_INVALID;
	if (r->rd_p != r->rd_end)
		return proof_fail(r->rd_err, r->rd_errsz, PROOF_INVALID, "line %u: data after "
		    "the second checkpoint", r->rd_line);
	memcpy(pi->pi_origin, c2.origin, sizeof(pi->pi_origin));
	if (c1.size != pi->pi_old)
		return proof_fail(r->rd_err, r->rd_errsz, PROOF_INVALID, "line %u: the checkpoint "
		    "is for size %llu, not old %llu", line1, (unsigned long long)c1.size,
		    (unsigned long long)pi->pi_old);
	if (c2.size != pi->pi_size)
		return proof_fail(r->rd_err, r->rd_errsz, PROOF_INVALID, "line %u: the checkpoint "
		    "is for size %llu, not new %llu", line2, (unsigned long long)c2.size,
		    (unsigned long long)pi->pi_size);
	if (strcmp(c1.origin, c2.origin) != 0)
		return proof_fail(r->rd_err, r->rd_errsz, PROOF_INVALID, "line %u: the checkpoints "
		    "are of two logs (\"%s\", \"%s\")", line2, c1.origin, c2.origin);
	if (merkle_verify_consistency(c1.size, c2.size, c1.root, c2.root,
	    (const uint8_t (*)[MERKLE_HASH_LEN])path, n) != 1)
		return proof_fail(r->rd_err, r->rd_errsz, PROOF_INVALID, "the tree of size %llu "
		    "is not a prefix of the tree of size %llu (inconsistent: forked or rewritten)",
		    (unsigned long long)c1.size, (unsigned long long)c2.size);
	return PROOF_OK;
}

int
proof_check(const char *file, size_t len, const struct note_verifier *v,
    struct proof_info *pi, char *err, size_t errsz)
{
	struct reader r = { file, file + len, 1, err, errsz };
	const char *s;
	size_t n;

	memset(pi, 0, sizeof(*pi));
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (len > PROOF_FILE_MAX)
		return proof_fail(err, errsz, PROOF_INVALID, "larger than %d bytes",
		    PROOF_FILE_MAX);
	if (rd_line(&r, &s, &n) == -1)
		return PROOF_INVALID;
	if (n == strlen(PROOF_MAGIC_INC) && memcmp(s, PROOF_MAGIC_INC, n) == 0) {
		pi->pi_kind = PROOF_INCLUSION;
		return proof_check_inclusion(&r, v, pi);
	}
	if (n == strlen(PROOF_MAGIC_CONS) && memcmp(s, PROOF_MAGIC_CONS, n) == 0) {
		pi->pi_kind = PROOF_CONSISTENCY;
		return proof_check_consistency(&r, v, pi);
	}
	return proof_fail(err, errsz, PROOF_INVALID, "line 1: not a hashi audit proof file");
}

void
proof_info_free(struct proof_info *pi)
{
	if (pi == NULL)
		return;
	free(pi->pi_record);
	memset(pi, 0, sizeof(*pi));
}

int
proof_checkpoint_latest(struct auditlog *log, const struct note_verifier *v,
    struct strbuf *note, struct checkpoint *c, uint64_t *skipped)
{
	struct strbuf tmp = { 0 };
	const char *body;
	uint64_t below = UINT64_MAX, size, bad = 0;
	size_t bodylen;
	int rc, ret = PROOF_ERROR;

	while ((rc = auditlog_checkpoint_below(log, below, &size, &tmp)) == AUDITLOG_OK) {
		if (note_verify(v, tmp.sb_data, tmp.sb_len, &body, &bodylen) == 1 &&
		    checkpoint_parse(body, bodylen, c) == 0 && c->size == size) {
			ret = strbuf_add(note, tmp.sb_data, tmp.sb_len) == 0 ? PROOF_OK :
			    PROOF_ERROR;
			break;
		}
		bad++;
		below = size;
		strbuf_reset(&tmp);
	}
	strbuf_reset(&tmp);
	if (skipped != NULL)
		*skipped = bad;
	return ret;
}

/* Appends "KW BASE64(DATA)\n" (or "path" lines) to OUT. Returns 0 or -1. */
static int
proof_put_b64(struct strbuf *out, const char *kw, const uint8_t *data, size_t len)
{
	unsigned char *enc;
	int ret;

	if (len > (size_t)PROOF_FILE_MAX || (enc = malloc(4 * ((len + 2) / 3) + 1)) == NULL)
		return -1;
	EVP_EncodeBlock(enc, data, (int)len);
	ret = strbuf_printf(out, "%s%s%s\n", kw, kw[0] != '\0' ? " " : "", (char *)enc);
	free(enc);
	return ret;
}

/* Appends "path N" and the N hashes of PATH to OUT. Returns 0 or -1. */
static int
proof_put_path(struct strbuf *out, const uint8_t (*path)[MERKLE_HASH_LEN], size_t n)
{
	size_t i;

	if (strbuf_printf(out, "path %zu\n", n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (proof_put_b64(out, "", path[i], MERKLE_HASH_LEN) == -1)
			return -1;
	return 0;
}

/* Runs the checker over what the writer appended to OUT from offset START; on failure
 * the appended text is taken back. Returns PROOF_OK or PROOF_INVALID / PROOF_ERROR. */
static int
proof_self_check(struct strbuf *out, size_t start, const struct note_verifier *v,
    char *err, size_t errsz)
{
	struct proof_info pi;
	char why[256];
	int ret;

	if (out->sb_failed)
		return proof_fail(err, errsz, PROOF_ERROR, "out of memory");
	ret = proof_check(out->sb_data + start, out->sb_len - start, v, &pi, why, sizeof(why));
	proof_info_free(&pi);
	if (ret != PROOF_OK) {
		out->sb_len = start;
		out->sb_data[start] = '\0';
		return proof_fail(err, errsz, ret, "the stored log does not prove it: %s", why);
	}
	return PROOF_OK;
}

int
proof_inclusion_write(struct auditlog *log, const struct note_verifier *v, uint64_t seq,
    struct strbuf *out, char *err, size_t errsz)
{
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], *rec = NULL;
	struct strbuf note = { 0 };
	struct checkpoint c;
	uint64_t size, skipped;
	size_t n, len, start = out->sb_len;
	int rc, ret = PROOF_ERROR;

	if ((rc = auditlog_size(log, &size)) != AUDITLOG_OK) {
		ret = proof_fail(err, errsz, PROOF_ERROR, "%s", auditlog_strerror(rc));
		goto done;
	}
	if (seq >= size) {
		ret = proof_fail(err, errsz, PROOF_ERROR, "no record %llu: the log has %llu",
		    (unsigned long long)seq, (unsigned long long)size);
		goto done;
	}
	if (proof_checkpoint_latest(log, v, &note, &c, &skipped) != PROOF_OK) {
		ret = proof_fail(err, errsz, PROOF_ERROR, "no stored checkpoint verifies with "
		    "the key");
		goto done;
	}
	/* A later checkpoint that fails means tampering: no proof from a suspect log. */
	if (skipped > 0) {
		ret = proof_fail(err, errsz, PROOF_INVALID, "%llu checkpoint(s) after size %llu "
		    "do not verify with the key: run audit verify", (unsigned long long)skipped,
		    (unsigned long long)c.size);
		goto done;
	}
	if (seq >= c.size) {
		ret = proof_fail(err, errsz, PROOF_ERROR, "record %llu is not covered by a signed "
		    "checkpoint yet (latest: size %llu); retry after the next checkpoint",
		    (unsigned long long)seq, (unsigned long long)c.size);
		goto done;
	}
	if ((rc = auditlog_get(log, seq, &rec, &len)) != AUDITLOG_OK ||
	    (rc = auditlog_inclusion(log, seq, c.size, path, &n)) != AUDITLOG_OK) {
		ret = proof_fail(err, errsz, rc == AUDITLOG_ECORRUPT || rc == AUDITLOG_ENOTFOUND ?
		    PROOF_INVALID : PROOF_ERROR, "record %llu: %s", (unsigned long long)seq,
		    auditlog_strerror(rc));
		goto done;
	}
	(void)strbuf_printf(out, PROOF_MAGIC_INC "\nseq %llu\nsize %llu\n",
	    (unsigned long long)seq, (unsigned long long)c.size);
	(void)proof_put_b64(out, "record", rec, len);
	(void)proof_put_path(out, (const uint8_t (*)[MERKLE_HASH_LEN])path, n);
	(void)strbuf_printf(out, "checkpoint %zu\n", note.sb_len);
	(void)strbuf_add(out, note.sb_data, note.sb_len);
	ret = proof_self_check(out, start, v, err, errsz);
done:
	free(rec);
	strbuf_reset(&note);
	return ret;
}

/* Appends the stored checkpoint of SIZE to NOTE after checking it with V. */
static int
proof_stored_note(struct auditlog *log, const struct note_verifier *v, uint64_t size,
    struct strbuf *note, char *err, size_t errsz)
{
	struct checkpoint c;
	const char *body;
	size_t bodylen;
	int rc;

	if ((rc = auditlog_checkpoint_get(log, size, note)) != AUDITLOG_OK)
		return proof_fail(err, errsz, PROOF_ERROR, "no stored checkpoint of size %llu%s",
		    (unsigned long long)size, rc == AUDITLOG_ENOTFOUND ? "" : " (read error)");
	if (note_verify(v, note->sb_data, note->sb_len, &body, &bodylen) != 1 ||
	    checkpoint_parse(body, bodylen, &c) == -1 || c.size != size)
		return proof_fail(err, errsz, PROOF_INVALID, "the stored checkpoint of size %llu "
		    "does not verify with the key", (unsigned long long)size);
	return PROOF_OK;
}

int
proof_consistency_write(struct auditlog *log, const struct note_verifier *v,
    uint64_t old, uint64_t new, struct strbuf *out, char *err, size_t errsz)
{
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	struct strbuf n1 = { 0 }, n2 = { 0 };
	size_t n, start = out->sb_len;
	int rc, ret;

	if (old == 0 || old > new) {
		ret = proof_fail(err, errsz, PROOF_ERROR, "sizes must satisfy 0 < OLD <= NEW");
		goto done;
	}
	if ((ret = proof_stored_note(log, v, old, &n1, err, errsz)) != PROOF_OK ||
	    (ret = proof_stored_note(log, v, new, &n2, err, errsz)) != PROOF_OK)
		goto done;
	if ((rc = auditlog_consistency(log, old, new, path, &n)) != AUDITLOG_OK) {
		ret = proof_fail(err, errsz, rc == AUDITLOG_ENOTFOUND || rc == AUDITLOG_ECORRUPT ?
		    PROOF_INVALID : PROOF_ERROR, "consistency %llu..%llu: %s",
		    (unsigned long long)old, (unsigned long long)new, auditlog_strerror(rc));
		goto done;
	}
	(void)strbuf_printf(out, PROOF_MAGIC_CONS "\nold %llu\nnew %llu\n",
	    (unsigned long long)old, (unsigned long long)new);
	(void)proof_put_path(out, (const uint8_t (*)[MERKLE_HASH_LEN])path, n);
	(void)strbuf_printf(out, "checkpoint %zu\n", n1.sb_len);
	(void)strbuf_add(out, n1.sb_data, n1.sb_len);
	(void)strbuf_printf(out, "checkpoint %zu\n", n2.sb_len);
	(void)strbuf_add(out, n2.sb_data, n2.sb_len);
	ret = proof_self_check(out, start, v, err, errsz);
done:
	strbuf_reset(&n1);
	strbuf_reset(&n2);
	return ret;
}
