/* crypto/tls: see tls.h. */
#include "crypto/tls.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "common/str.h"

/* A PEM private key is a few hundred bytes; anything this large is not one. */
#define TLS_KEY_MAX	(64 * 1024)
/* Leaf, at most two intermediates, anchor. */
#define TLS_VERIFY_DEPTH 4

/* TLS 1.2 only with forward secrecy and AEAD; both key types so an RSA deployment works. */
static const char tls_ciphers12[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
/* Spelled out so a changed library default cannot widen it. */
static const char tls_suites13[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
static const char tls_groups[] = "X25519:P-256:P-384";

void
tls_log_errors(const char *what)
{
	struct strbuf sb = { 0 };
	char one[256];
	const char *data;
	unsigned long e;
	int flags;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		/* Keep draining so no stale error is blamed on a later call. */
		if (sb.sb_len > 1024)
			continue;
		ERR_error_string_n(e, one, sizeof(one));
		strbuf_puts(&sb, sb.sb_len > 0 ? "; " : "");
		strbuf_puts(&sb, one);
		if ((flags & ERR_TXT_STRING) != 0 && data != NULL && *data != '\0') {
			strbuf_puts(&sb, " (");
			strbuf_puts(&sb, data);
			strbuf_puts(&sb, ")");
		}
	}
	log_warnx("%s: %s", what, sb.sb_len > 0 && !sb.sb_failed ? sb.sb_data :
	    "no detail from OpenSSL");
	strbuf_reset(&sb);
}

/* Logs "WHAT PATH" with the error queue. */
static void
tls_log_path(const char *what, const char *path)
{
	char msg[512];

	/* A truncated path still identifies the problem well enough in a log line. */
	(void)snprintf(msg, sizeof(msg), "tls: %s %s", what, path);
	tls_log_errors(msg);
}

/* No terminal to ask, and no encrypted keys by design (tls.h). */
int
tls_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Reads all of FD (at most MAX bytes) into a malloc'd buffer. Returns 0 or -1 (errno). */
static int
tls_read_fd(int fd, size_t max, uint8_t **bufp, size_t *lenp)
{
	uint8_t *buf;
	size_t len = 0;
	ssize_t n;

	if ((buf = malloc(max)) == NULL)
		return -1;
	for (;;) {
		n = read(fd, buf + len, max - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			OPENSSL_cleanse(buf, len);
			free(buf);
			return -1;
		}
		if (n == 0 || (len += (size_t)n) == max)
			break;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* Loads the PEM private key at PATH into CTX. The mode is checked on the opened file
 * (no window between check and use) and the file's bytes are wiped after parsing. */
static int
tls_load_key(SSL_CTX *ctx, const char *path)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	int fd, ret = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		log_warn("tls: private key %s", path);
		goto done;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("tls: private key %s", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		log_warnx("tls: private key %s: not a regular file", path);
		goto done;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		log_warnx("tls: private key %s has mode %04o: it must not be accessible "
		    "by group or others (chmod 600)", path, (unsigned)(st.st_mode & 07777));
		goto done;
	}
	if (st.st_size <= 0 || st.st_size > TLS_KEY_MAX) {
		log_warnx("tls: private key %s: implausible size %lld bytes", path,
		    (long long)st.st_size);
		goto done;
	}
	if (tls_read_fd(fd, TLS_KEY_MAX, &buf, &len) == -1) {
		log_warn("tls: private key %s", path);
		goto done;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (pkey = PEM_read_bio_PrivateKey(bio, NULL, tls_no_passphrase, NULL)) == NULL) {
		tls_log_path("cannot read unencrypted PEM private key", path);
		goto done;
	}
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1) {
		tls_log_path("cannot use private key", path);
		goto done;
	}
	ret = 0;
done:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	return ret;
}

/* Applies the protocol policy shared by servers and clients (see tls.h). */
static int
tls_ctx_policy(SSL_CTX *ctx, int allow_tls12)
{
	(void)SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
	(void)SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_security_level(ctx, 2);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1 ||
	    SSL_CTX_set_min_proto_version(ctx, allow_tls12 ? TLS1_2_VERSION :
	    TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, tls_ciphers12) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, tls_suites13) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, tls_groups) != 1) {
		tls_log_errors("tls: cannot apply the protocol policy");
		return -1;
	}
	SSL_CTX_set_verify_depth(ctx, TLS_VERIFY_DEPTH);
	return 0;
}

/* Loads the trust anchor CA and, when CERT is not NULL, the certificate and its key. */
static int
tls_ctx_files(SSL_CTX *ctx, const char *cert, const char *key, const char *ca)
{
	/* Only CA: SSL_CTX_set_default_verify_paths is deliberately never called. */
	if (SSL_CTX_load_verify_file(ctx, ca) != 1) {
		tls_log_path("cannot load CA file", ca);
		return -1;
	}
	if (cert == NULL)
		return 0;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_log_path("cannot load certificate file", cert);
		return -1;
	}
	if (tls_load_key(ctx, key) == -1)
		return -1;
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_log_path("private key does not match the certificate in", cert);
		return -1;
	}
	return 0;
}

/* Builds a server (SERVER != 0) or client context. */
static SSL_CTX *
tls_ctx_new(int server, const char *cert, const char *key, const char *ca,
    int allow_tls12)
{
	SSL_CTX *ctx = NULL, *ret = NULL;
	STACK_OF(X509_NAME) *names;

	if (ca == NULL || (cert == NULL) != (key == NULL) || (server && cert == NULL)) {
		log_warnx("tls: %s context needs a CA file%s", server ? "server" : "client",
		    server ? ", a certificate and a key" : " and both or neither of "
		    "certificate and key");
		goto done;
	}
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method())) == NULL) {
		tls_log_errors("tls: cannot create context");
		goto done;
	}
	if (tls_ctx_policy(ctx, allow_tls12) == -1 ||
	    tls_ctx_files(ctx, cert, key, ca) == -1)
		goto done;
	if (server) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		/* Tells clients which CA we accept, so one holding several certs picks ours. */
		if ((names = SSL_load_client_CA_file(ca)) == NULL) {
			tls_log_path("no CA names in", ca);
			goto done;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	ret = ctx;
	ctx = NULL;
done:
	SSL_CTX_free(ctx);
	return ret;
}

SSL_CTX *
tls_server_ctx_new(const char *cert, const char *key, const char *ca, int allow_tls12)
{
	return tls_ctx_new(1, cert, key, ca, allow_tls12);
}

SSL_CTX *
tls_client_ctx_new(const char *cert, const char *key, const char *ca, int allow_tls12)
{
	return tls_ctx_new(0, cert, key, ca, allow_tls12);
}

int
tls_client_expect_host(SSL *ssl, const char *host)
{
	unsigned char addr[16];
	int is_ip;

	if (ssl == NULL || host == NULL || *host == '\0') {
		log_warnx("tls: empty expected host name");
		return -1;
	}
	is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	if (is_ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1) {
			tls_log_path("cannot expect address", host);
			return -1;
		}
		return 0;
	}
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	/* RFC 6066 3: SNI carries DNS names only, never address literals. */
	if (SSL_set1_host(ssl, host) != 1 || SSL_set_tlsext_host_name(ssl, host) != 1) {
		tls_log_path("cannot expect host", host);
		return -1;
	}
	return 0;
}

/* Returns the peer certificate (borrowed from SSL) only if its chain verified. */
static X509 *
tls_verified_peer(SSL *ssl)
{
	X509 *x;

	if (ssl == NULL || (x = SSL_get0_peer_certificate(ssl)) == NULL)
		return NULL;
	if (SSL_get_verify_result(ssl) != X509_V_OK)
		return NULL;
	return x;
}

int
tls_peer_subject(SSL *ssl, char **subjp)
{
	BIO *bio = NULL;
	X509 *x;
	char *data = NULL;
	long len;
	int ret = -1;

	*subjp = NULL;
	if ((x = tls_verified_peer(ssl)) == NULL)
		goto done;
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) < 0) {
		tls_log_errors("tls: cannot print peer subject");
		goto done;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len < 0 || (len > 0 && data == NULL))
		goto done;
	/* RFC 2253 escaping leaves no NUL, but a subject is compared as a C string. */
	if (len > 0 && memchr(data, '\0', (size_t)len) != NULL)
		goto done;
	*subjp = len > 0 ? str_ndup(data, (size_t)len) : str_dup("");
	if (*subjp == NULL)
		goto done;
	ret = 0;
done:
	BIO_free(bio);
	return ret;
}

int
tls_peer_sha256(SSL *ssl, uint8_t out[TLS_SHA256_LEN])
{
	unsigned int n = 0;
	X509 *x;

	if ((x = tls_verified_peer(ssl)) == NULL)
		return -1;
	if (X509_digest(x, EVP_sha256(), out, &n) != 1 || n != TLS_SHA256_LEN) {
		tls_log_errors("tls: cannot hash peer certificate");
		return -1;
	}
	return 0;
}

int
tls_fingerprint_parse(const char *hex, uint8_t out[TLS_SHA256_LEN])
{
	size_t len, step, i;
	const char *p;
	int hi, lo;

	if (hex == NULL)
		return -1;
	len = strlen(hex);
	if (len == 2 * TLS_SHA256_LEN)
		step = 2;
	else if (len == 3 * TLS_SHA256_LEN - 1)
		step = 3;
	else
		return -1;
	for (i = 0; i < TLS_SHA256_LEN; i++) {
		p = hex + i * step;
		if ((hi = str_hexval(p[0])) < 0 || (lo = str_hexval(p[1])) < 0)
			return -1;
		if (step == 3 && i + 1 < TLS_SHA256_LEN && p[2] != ':')
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
tls_cert_file_sha256(const char *pemfile, uint8_t out[TLS_SHA256_LEN])
{
	BIO *bio = NULL;
	X509 *x = NULL;
	unsigned int n = 0;
	int ret = -1;

	ERR_clear_error();
	if ((bio = BIO_new_file(pemfile, "r")) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		tls_log_path("cannot read PEM certificate", pemfile);
		goto done;
	}
	if (X509_digest(x, EVP_sha256(), out, &n) != 1 || n != TLS_SHA256_LEN) {
		tls_log_path("cannot hash certificate", pemfile);
		goto done;
	}
	ret = 0;
done:
	X509_free(x);
	BIO_free(bio);
	return ret;
}
