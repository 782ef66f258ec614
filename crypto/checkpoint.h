/*
 * crypto/checkpoint: transparency-log checkpoints (C2SP tlog-checkpoint) carried as C2SP
 * signed notes (signed-note v1) with Ed25519 keys (signature type 0x01), for the audit log.
 *
 * A signed note is a text ending in "\n", a blank line, then one or more signature lines
 * "— <key name> <base64(4-byte key ID || signature)>\n" (U+2014 em dash, space). The key ID
 * is SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], big-endian. A verifier key
 * ("vkey") is "<key name>+<8 hex digits key ID>+<base64(0x01 || public key)>".
 * A checkpoint's note text is "<origin>\n<tree size>\n<base64 root hash>\n" plus optional
 * non-empty extension lines. Errors are logged through common/log.
 */
#ifndef HASHI_CRYPTO_CHECKPOINT_H
#define HASHI_CRYPTO_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "common/str.h"

#define CHECKPOINT_ORIGIN_MAX	256	/* including the NUL */
#define CHECKPOINT_HASH_LEN	32
#define NOTE_MAX_LEN		(1024 * 1024)	/* larger notes are refused */
#define NOTE_MAX_SIGS		100	/* the spec asks for at least 16 */

/* A checkpoint: the log's origin line, its tree size and its RFC 6962 root hash. */
struct checkpoint {
	char	 origin[CHECKPOINT_ORIGIN_MAX];
	uint64_t size;
	uint8_t	 root[CHECKPOINT_HASH_LEN];
};

/* Appends the note text of C ("origin\nsize\nbase64(root)\n") to BODY (caller owns BODY).
 * Returns 0, or -1 when the origin is empty, has control characters, or memory ran out. */
int checkpoint_format(const struct checkpoint *c, struct strbuf *body);

/* Parses the note text BODY of LEN bytes (as returned by note_verify: origin, size without
 * leading zeros, canonical base64 32-byte root, then optional non-empty extension lines,
 * which are ignored; every line ends in "\n") into *C. Returns 0, or -1 if malformed. */
int checkpoint_parse(const char *body, size_t len, struct checkpoint *c);

/* Returns 1 when NAME is a valid note key name (non-empty, no Unicode space, no '+', no
 * control character, valid UTF-8, shorter than CHECKPOINT_ORIGIN_MAX), else 0. */
int note_name_valid(const char *name);

/* Returns 1 when the LEN bytes of TEXT are valid note text: non-empty, ending in "\n",
 * valid UTF-8, no NUL and no control character other than "\n"; else 0. */
int note_text_valid(const char *text, size_t len);

/* Decodes the N characters of S as canonical standard base64 (RFC 4648 §4: padding
 * required, no white space, unused bits zero) into OUT of OUTMAX bytes.
 * Returns 0 with the length in *OUTLEN, or -1 if malformed or too long. */
int note_b64_decode(const char *s, size_t n, uint8_t *out, size_t outmax, size_t *outlen);

struct note_signer;
struct note_verifier;

/* Loads the unencrypted PEM Ed25519 private key at PATH, which must be a regular file not
 * accessible by group or others, as the signer NAME. Returns a signer the caller frees with
 * note_signer_free, or NULL after logging why. The file's bytes are wiped after parsing. */
struct note_signer *note_signer_load(const char *name, const char *path);

/* Frees S (NULL allowed). */
void note_signer_free(struct note_signer *s);

/* Appends to OUT (caller owns OUT) the signed note: the LEN bytes of BODY (valid note text:
 * non-empty, ending in "\n", UTF-8 without control characters other than "\n"), a blank
 * line and S's signature line. Returns 0, or -1 on invalid text or signing failure. */
int note_sign(const struct note_signer *s, const char *body, size_t len, struct strbuf *out);

/* Parses the vkey string VKEY (an Ed25519 key only; the key ID must match the name and key).
 * Returns a verifier the caller frees with note_verifier_free, or NULL if malformed. */
struct note_verifier *note_verifier_parse(const char *vkey);

/* Frees V (NULL allowed). */
void note_verifier_free(struct note_verifier *v);

/* Verifies the signed note NOTE of LEN bytes against V. Signatures from other keys (other
 * name or other key ID) are ignored. Returns 1 when a signature line of V verifies over
 * exactly the note text and no signature line of V fails; then *BODY points into NOTE at
 * the note text (including its final "\n") and *BODYLEN is its length. Returns 0 otherwise:
 * malformed note (no final newline, no blank line, bad signature line, invalid UTF-8,
 * control characters, more than NOTE_MAX_SIGS signatures or NOTE_MAX_LEN bytes), no
 * signature from V, or a failing one. BODY and BODYLEN may be NULL. */
int note_verify(const struct note_verifier *v, const char *note, size_t len,
    const char **body, size_t *bodylen);

/* Generates a new Ed25519 key for key name NAME, writes it as unencrypted PKCS#8 PEM to the
 * new file PRIVPATH (created with mode 0600; an existing file is never overwritten) and
 * appends the vkey line (without newline) to VKEY (caller owns VKEY).
 * Returns 0, or -1 after logging why (invalid name, file exists, I/O or OpenSSL error). */
int note_keygen(const char *name, const char *privpath, struct strbuf *vkey);

#endif
