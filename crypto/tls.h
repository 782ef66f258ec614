/*
 * crypto/tls: OpenSSL 3 contexts for Hashi's mutual TLS, and the certificate facts the
 * gateway uses to identify a caller (subject DN, SHA-256 fingerprint).
 *
 * Policy, the same for server and client contexts:
 *   - TLS 1.3 only; with ALLOW_TLS12, TLS 1.2 too, restricted to ECDHE key exchange with
 *     AEAD ciphers (AES-GCM, ChaCha20-Poly1305). Groups X25519, P-256, P-384.
 *   - No compression, no renegotiation, no session tickets, no session cache.
 *   - The CA file is the only trust anchor (system roots are never loaded).
 *   - The server requires a client certificate chaining to the CA and advertises the CA
 *     names; the client verifies the server's chain against the CA. Peers are identified by
 *     their certificate, not by DNS, so host name checking is opt-in (tls_client_expect_host).
 *   - The private key file must not be accessible by group or others, must be unencrypted
 *     PEM, and must match the certificate.
 * Errors are logged through common/log with the OpenSSL error queue text.
 */
#ifndef HASHI_CRYPTO_TLS_H
#define HASHI_CRYPTO_TLS_H

#include <stdint.h>

#include <openssl/ssl.h>

#define TLS_SHA256_LEN	32

/* Returns a new server context presenting CERT (PEM, leaf first, then any intermediates)
 * with private key KEY (PEM), trusting only the certificates in CA (PEM) for client
 * certificates, which are required. ALLOW_TLS12 != 0 also accepts TLS 1.2 (ECDHE+AEAD).
 * All three paths are required. The caller frees the context with SSL_CTX_free.
 * Returns NULL after logging why (unreadable file, key mode, key/cert mismatch, ...). */
/* OpenSSL's pem_password_cb for every private key Hashi reads (TLS, VPN, signing keys,
 * test cards): never prompts, as neither hashid nor hashictl's reads may wait for a
 * terminal; keys are unencrypted files protected by their mode, so an encrypted one is
 * refused. Always returns -1. */
int tls_no_passphrase(char *buf, int size, int rwflag, void *u);

SSL_CTX *tls_server_ctx_new(const char *cert, const char *key, const char *ca,
    int allow_tls12);

/* Returns a new client context that verifies servers against CA (PEM, required) and
 * presents CERT/KEY as its client certificate. CERT and KEY may both be NULL for a
 * context without a client certificate (only useful in tests: Hashi servers refuse it).
 * Same protocol policy and key checks as tls_server_ctx_new. Caller frees with
 * SSL_CTX_free. Returns NULL after logging why. */
SSL_CTX *tls_client_ctx_new(const char *cert, const char *key, const char *ca,
    int allow_tls12);

/* Makes the client connection SSL also require that the server certificate matches HOST
 * (a DNS name checked against subjectAltName, or an IPv4/IPv6 literal checked against the
 * IP addresses), and sends HOST as SNI when it is a DNS name. Call before the handshake.
 * HOST is copied. Returns 0, or -1 (logged) on failure. */
int tls_client_expect_host(SSL *ssl, const char *host);

/* Stores in *SUBJP the verified peer certificate's subject as a malloc'd string in
 * OpenSSL's RFC 2253 form (XN_FLAG_RFC2253: most specific RDN first, e.g.
 * "CN=gw.example,O=Example,C=JP"; bytes outside ASCII appear as \XX escapes). Caller frees.
 * Returns 0, or -1 (with *SUBJP = NULL) when there is no peer certificate, the chain did
 * not verify, or memory ran out. */
int tls_peer_subject(SSL *ssl, char **subjp);

/* Writes the SHA-256 of the verified peer certificate's DER encoding to OUT.
 * Returns 0, or -1 when there is no peer certificate or the chain did not verify. */
int tls_peer_sha256(SSL *ssl, uint8_t out[TLS_SHA256_LEN]);

/* Parses a SHA-256 fingerprint: 64 hex digits, either all pairs separated by ':'
 * ("AB:CD:...", as `openssl x509 -fingerprint -sha256` prints) or no separators at all;
 * either case. Nothing else is accepted (no whitespace, no prefix).
 * Returns 0 and fills OUT, or -1 (OUT unspecified). Does not log. */
int tls_fingerprint_parse(const char *hex, uint8_t out[TLS_SHA256_LEN]);

/* Writes the SHA-256 fingerprint of the first certificate in PEMFILE to OUT.
 * Returns 0, or -1 after logging why. */
int tls_cert_file_sha256(const char *pemfile, uint8_t out[TLS_SHA256_LEN]);

/* Logs WHAT followed by every error in the calling thread's OpenSSL error queue, which it
 * empties; for callers that drive handshakes and I/O themselves. */
void tls_log_errors(const char *what);

#endif
