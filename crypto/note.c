/*
 * crypto/note: C2SP signed notes (signed-note v1) with Ed25519 (type 0x01): signing with a
 * key file, verifying against a vkey, and generating keys. Declared in crypto/checkpoint.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "crypto/tls.h"

#define NOTE_ALG_ED25519	0x01
#define NOTE_ED25519_PUB	32
#define NOTE_ED25519_SIG	64
#define NOTE_KEYID_LEN		4
#define NOTE_KEYFILE_MAX	16384
#define NOTE_DASH		"\xe2\x80\x94 "	/* U+2014 em dash, then a space */
#define NOTE_DASH_LEN		4

/* A signing or verifying key: its name, key ID and OpenSSL key (private or public). */
struct note_key {
	char	 name[CHECKPOINT_ORIGIN_MAX];
	uint8_t	 keyid[NOTE_KEYID_LEN];
	EVP_PKEY *pkey;
};

struct note_signer {
	struct note_key k;
};

struct note_verifier {
	struct note_key k;
};

/* Computes the signed-note key ID SHA-256(name || 0x0A || 0x01 || pub)[:4] into OUT.
 * Returns 0 or -1. */
static int
note_keyid(const char *name, const uint8_t *pub, uint8_t *out)
{
	static const uint8_t sep[2] = { '\n', NOTE_ALG_ED25519 };
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int ret = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, name, strlen(name)) != 1 ||
	    EVP_DigestUpdate(ctx, sep, sizeof(sep)) != 1 ||
	    EVP_DigestUpdate(ctx, pub, NOTE_ED25519_PUB) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < NOTE_KEYID_LEN)
		goto done;
	memcpy(out, md, NOTE_KEYID_LEN);
	ret = 0;
done:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* Fills K's name and key ID from NAME and the Ed25519 key PKEY (K takes PKEY only on
 * success). Returns 0 or -1. */
static int
note_key_set(struct note_key *k, const char *name, EVP_PKEY *pkey)
{
	uint8_t pub[NOTE_ED25519_PUB];
	size_t publen = sizeof(pub);

	if (!note_name_valid(name) || str_copy(k->name, sizeof(k->name), name) == -1) {
		log_warnx("note: invalid key name");
		return -1;
	}
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pkey, pub, &publen) != 1 ||
	    publen != NOTE_ED25519_PUB || note_keyid(name, pub, k->keyid) == -1) {
		log_warnx("note: %s: not an Ed25519 key", name);
		return -1;
	}
	k->pkey = pkey;
	return 0;
}

/* Reads at most NOTE_KEYFILE_MAX bytes of the private key file at PATH after checking, on
 * the opened file, that it is regular and not accessible by group or others. Returns the
 * parsed key (caller frees) or NULL after logging why. */
static EVP_PKEY *
note_read_key(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	struct stat st;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 || fstat(fd, &st) == -1) {
		log_warn("note: private key %s", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0 ||
	    st.st_size <= 0 || st.st_size > NOTE_KEYFILE_MAX) {
		log_warnx("note: private key %s must be a regular file of mode 0600 or "
		    "stricter (mode %04o, %lld bytes)", path, (unsigned)(st.st_mode & 07777),
		    (long long)st.st_size);
		goto done;
	}
	if ((buf = malloc(NOTE_KEYFILE_MAX)) == NULL)
		goto done;
	while (len < NOTE_KEYFILE_MAX) {
		n = read(fd, buf + len, NOTE_KEYFILE_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("note: private key %s", path);
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (pkey = PEM_read_bio_PrivateKey(bio, NULL, tls_no_passphrase, NULL)) == NULL)
		log_warnx("note: %s: cannot read unencrypted PEM private key", path);
done:
	BIO_free(bio);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, NOTE_KEYFILE_MAX);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	ERR_clear_error();
	return pkey;
}

struct note_signer *
note_signer_load(const char *name, const char *path)
{
	struct note_signer *s;
	EVP_PKEY *pkey;

	if ((pkey = note_read_key(path)) == NULL)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL || note_key_set(&s->k, name, pkey) == -1) {
		EVP_PKEY_free(pkey);
		free(s);
		return NULL;
	}
	return s;
}

void
note_signer_free(struct note_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->k.pkey);
	free(s);
}

/* Appends "— NAME base64(KEYID || SIG)\n" to OUT. Returns 0 or -1. */
static int
note_put_sigline(struct strbuf *out, const struct note_key *k, const uint8_t *sig,
    size_t siglen)
{
	uint8_t blob[NOTE_KEYID_LEN + NOTE_ED25519_SIG];
	unsigned char b64[4 * ((sizeof(blob) + 2) / 3) + 1];

	if (siglen != NOTE_ED25519_SIG)
		return -1;
	memcpy(blob, k->keyid, NOTE_KEYID_LEN);
	memcpy(blob + NOTE_KEYID_LEN, sig, siglen);
	EVP_EncodeBlock(b64, blob, (int)sizeof(blob));
	return strbuf_printf(out, NOTE_DASH "%s %s\n", k->name, (const char *)b64);
}

int
note_sign(const struct note_signer *s, const char *body, size_t len, struct strbuf *out)
{
	uint8_t sig[NOTE_ED25519_SIG];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx = NULL;
	int ret = -1;

	if (len > NOTE_MAX_LEN / 2 || !note_text_valid(body, len)) {
		log_warnx("note: refusing to sign invalid note text");
		return -1;
	}
	/* Ed25519 is one-shot: no digest, the whole text is the message. */
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, s->k.pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const uint8_t *)body, len) != 1) {
		log_warnx("note: %s: signing failed", s->k.name);
		ERR_clear_error();
		goto done;
	}
	if (strbuf_add(out, body, len) == -1 || strbuf_puts(out, "\n") == -1 ||
	    note_put_sigline(out, &s->k, sig, siglen) == -1)
		goto done;
	ret = 0;
done:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* Parses 8 hex digits at S into KEYID. Returns 0 or -1. */
static int
note_parse_hexid(const char *s, size_t n, uint8_t *keyid)
{
	size_t i;
	int hi, lo;

	if (n != 2 * NOTE_KEYID_LEN)
		return -1;
	for (i = 0; i < NOTE_KEYID_LEN; i++) {
		if ((hi = str_hexval((unsigned char)s[2 * i])) < 0 ||
		    (lo = str_hexval((unsigned char)s[2 * i + 1])) < 0)
			return -1;
		keyid[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

struct note_verifier *
note_verifier_parse(const char *vkey)
{
	struct note_verifier *v = NULL;
	const char *p1, *p2;
	char name[CHECKPOINT_ORIGIN_MAX];
	uint8_t keyid[NOTE_KEYID_LEN], key[1 + NOTE_ED25519_PUB + 1];
	size_t keylen = 0;
	EVP_PKEY *pkey = NULL;

	if ((p1 = strchr(vkey, '+')) == NULL || (p2 = strchr(p1 + 1, '+')) == NULL ||
	    (size_t)(p1 - vkey) >= sizeof(name))
		goto bad;
	memcpy(name, vkey, (size_t)(p1 - vkey));
	name[p1 - vkey] = '\0';
	if (!note_name_valid(name) || note_parse_hexid(p1 + 1, (size_t)(p2 - p1 - 1), keyid) ||
	    note_b64_decode(p2 + 1, strlen(p2 + 1), key, sizeof(key), &keylen) == -1 ||
	    keylen != 1 + NOTE_ED25519_PUB || key[0] != NOTE_ALG_ED25519)
		goto bad;
	if ((pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key + 1,
	    NOTE_ED25519_PUB)) == NULL || (v = calloc(1, sizeof(*v))) == NULL ||
	    note_key_set(&v->k, name, pkey) == -1)
		goto bad;
	/* The key ID is derived, so a vkey whose ID does not match its key is corrupt. */
	if (CRYPTO_memcmp(v->k.keyid, keyid, NOTE_KEYID_LEN) != 0) {
		pkey = NULL;	/* owned by v now */
		goto bad;
	}
	return v;
bad:
	log_warnx("note: malformed or unsupported verifier key");
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	note_verifier_free(v);
	return NULL;
}

void
note_verifier_free(struct note_verifier *v)
{
	if (v == NULL)
		return;
	EVP_PKEY_free(v->k.pkey);
	free(v);
}

/* Checks one signature line LINE of N bytes (newline excluded) and, when it is V's,
 * verifies it over TEXT. Returns 1 verified, 0 other key, -1 malformed, -2 V's but bad. */
static int
note_check_line(const struct note_verifier *v, const char *line, size_t n,
    const char *text, size_t textlen)
{
	char name[CHECKPOINT_ORIGIN_MAX];
	const char *sp, *b64;
	uint8_t *blob = NULL;
	size_t bloblen = 0, b64len;
	EVP_MD_CTX *ctx = NULL;
	int ret = -1;

	if (n < NOTE_DASH_LEN || memcmp(line, NOTE_DASH, NOTE_DASH_LEN) != 0)
		return -1;
	line += NOTE_DASH_LEN;
	n -= NOTE_DASH_LEN;
	if ((sp = memchr(line, ' ', n)) == NULL || (size_t)(sp - line) >= sizeof(name))
		return -1;
	memcpy(name, line, (size_t)(sp - line));
	name[sp - line] = '\0';
	b64 = sp + 1;
	b64len = n - (size_t)(b64 - line);
	if (!note_name_valid(name) || (blob = malloc(b64len / 4 * 3 + 1)) == NULL ||
	    note_b64_decode(b64, b64len, blob, b64len / 4 * 3 + 1, &bloblen) == -1 ||
	    bloblen <= NOTE_KEYID_LEN)
		goto done;
	ret = 0;
	if (strcmp(name, v->k.name) != 0 ||
	    memcmp(blob, v->k.keyid, NOTE_KEYID_LEN) != 0)
		goto done;	/* another key: ignored, as the spec requires */
	ret = -2;
	if (bloblen != NOTE_KEYID_LEN + NOTE_ED25519_SIG || (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, v->k.pkey) != 1 ||
	    EVP_DigestVerify(ctx, blob + NOTE_KEYID_LEN, NOTE_ED25519_SIG,
	    (const uint8_t *)text, textlen) != 1)
		goto done;
	ret = 1;
done:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	free(blob);
	return ret;
}

int
note_verify(const struct note_verifier *v, const char *note, size_t len,
    const char **body, size_t *bodylen)
{
	const char *p, *end = note + len, *nl;
	size_t split, nsigs = 0;
	int good = 0, bad = 0, r;

	/* Covers the final newline, UTF-8 and control characters for the whole note. */
	if (len > NOTE_MAX_LEN || len < 2 || !note_text_valid(note, len))
		return 0;
	/* The text ends at the LAST blank line; the text itself may contain blank lines. */
	for (split = len - 1; split > 0; split--)
		if (note[split - 1] == '\n' && note[split] == '\n')
			break;
	if (split == 0)
		return 0;
	if (split + 1 == len)
		return 0;	/* no signature lines at all */
	for (p = note + split + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (++nsigs > NOTE_MAX_SIGS)
			return 0;
		if ((r = note_check_line(v, p, (size_t)(nl - p), note, split)) == -1)
			return 0;
		if (r == 1)
			good++;
		else if (r == -2)
			bad++;
	}
	/* A failing signature from the known key rejects the note (spec: SHOULD). */
	if (good == 0 || bad != 0)
		return 0;
	if (body != NULL)
		*body = note;
	if (bodylen != NULL)
		*bodylen = split;
	return 1;
}

/* Writes PKEY as PKCS#8 PEM to the new file PATH (mode 0600). Returns 0 or -1. */
static int
note_write_key(const char *path, EVP_PKEY *pkey)
{
	BIO *bio = NULL;
	char *pem = NULL;
	long pemlen;
	int fd, ret = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		log_warn("note: %s", path);
		return -1;
	}
	/* The secure-heap BIO keeps the PEM text out of ordinary freed memory. */
	if ((bio = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (pemlen = BIO_get_mem_data(bio, &pem)) <= 0) {
		log_warnx("note: %s: cannot encode the private key", path);
		goto done;
	}
	if (fdio_write_all(fd, pem, (size_t)pemlen) == -1 || fchmod(fd, 0600) == -1 ||
	    fsync(fd) == -1) {
		log_warn("note: %s", path);
		goto done;
	}
	ret = 0;
done:
	ERR_clear_error();
	BIO_free(bio);
	if (close(fd) == -1 && ret == 0) {
		log_warn("note: %s", path);
		ret = -1;
	}
	if (ret == -1)
		unlink(path);
	return ret;
}

int
note_keygen(const char *name, const char *privpath, struct strbuf *vkey)
{
	uint8_t key[1 + NOTE_ED25519_PUB];
	unsigned char b64[4 * ((sizeof(key) + 2) / 3) + 1];
	size_t publen = NOTE_ED25519_PUB;
	struct note_key k;
	EVP_PKEY *pkey;
	int ret = -1;

	if (!note_name_valid(name)) {
		log_warnx("note: invalid key name (empty, space, '+' or control character)");
		return -1;
	}
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		log_warnx("note: Ed25519 key generation failed");
		ERR_clear_error();
		return -1;
	}
	key[0] = NOTE_ALG_ED25519;
	if (note_key_set(&k, name, pkey) == -1 ||
	    EVP_PKEY_get_raw_public_key(pkey, key + 1, &publen) != 1 ||
	    note_write_key(privpath, pkey) == -1)
		goto done;
	EVP_EncodeBlock(b64, key, (int)sizeof(key));
	if (strbuf_printf(vkey, "%s+%02x%02x%02x%02x+%s", name, k.keyid[0], k.keyid[1],
	    k.keyid[2], k.keyid[3], (const char *)b64) == -1)
		goto done;
	ret = 0;
done:
	EVP_PKEY_free(pkey);
	return ret;
}
