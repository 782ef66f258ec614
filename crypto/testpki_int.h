/*
 * crypto/testpki_int: what crypto/testpki.c (CAs, TLS certificates, files) and
 * crypto/testpki_jpki.c (the JPKI look-alike) share. Internal to crypto/testpki: other
 * code uses crypto/testpki.h.
 */
#ifndef HASHI_CRYPTO_TESTPKI_INT_H
#define HASHI_CRYPTO_TESTPKI_INT_H

#include <limits.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/testpki.h"

#define TESTPKI_BASE_MAX	64	/* characters of a file base name */

struct testpki_ca {
	EVP_PKEY	*tc_key;
	X509		*tc_cert;
	char		 tc_dir[PATH_MAX];
	char		 tc_base[TESTPKI_BASE_MAX + 1];	/* its own files' */
	int		 tc_jpki;	/* a JPKI look-alike root (else a TLS CA) */
	long		 tc_serial;	/* the next certificate's */
	time_t		 tc_now;	/* the NOW it was made with */
	time_t		 tc_not_after;
};

/* Returns 1 when BASE is a file base name as crypto/testpki.h says, else 0 (logged). */
int testpki_base_ok(const char *base);

/* Writes "DIR/BASE.EXT" into BUF (size SZ). Returns 0, or -1 (logged) when too long. */
int testpki_path(char *buf, size_t sz, const char *dir, const char *base, const char *ext);

/* Creates DIR (mode 0700) when missing. Returns 0, or -1 (logged). */
int testpki_mkdir(const char *dir);

/* Returns a version 3 certificate (caller frees) for KEY (borrowed) named SUBJECT
 * (borrowed), issued by ISSUER (borrowed; NULL: self-issued), with SERIAL and validity
 * FROM..TO; no extension, not signed yet. NULL on failure (logged). */
X509 *testpki_cert_new(X509 *issuer, EVP_PKEY *key, const X509_NAME *subject, long serial,
    time_t from, time_t to);

/* Adds to X the extension NID written as openssl's configuration text VALUE (a constant
 * without sections, e.g. "critical,CA:TRUE"); ISSUER (NULL: X itself) for the AKI.
 * Returns 0, or -1 (logged). */
int testpki_ext_text(X509 *x, X509 *issuer, int nid, const char *value);

/* Adds to X the extension NID whose decoded value is VALUE (borrowed, e.g. a
 * GENERAL_NAMES *), critical when CRIT. Returns 0, or -1 (logged). */
int testpki_ext_value(X509 *x, int nid, int crit, void *value);

/* Appends to NAME the attribute FIELD ("C", "O", "OU", "L", "CN") of UTF-8 VALUE.
 * Returns 0, or -1 (logged). */
int testpki_name_add(X509_NAME *name, const char *field, const char *value);

/* Signs X with SIGNER (SHA-256), writes DIR/BASE.crt (0644) and, KEY not NULL, the private
 * key to DIR/BASE.key (0600), and when FPR is not NULL X's SHA-256 fingerprint.
 * Returns 0, or -1 (logged). */
int testpki_save(X509 *x, EVP_PKEY *signer, EVP_PKEY *key, const char *dir,
    const char *base, char *fpr);

/* Returns a CA of KEY and CERT (both taken over, freed on failure too) written as
 * DIR/BASE.*, whose next certificate gets serial NEXT; NULL on failure (logged). */
struct testpki_ca *testpki_ca_adopt(const char *dir, const char *base, EVP_PKEY *key,
    X509 *cert, int jpki, long next, time_t now, time_t not_after);

/* Returns 1 when BASE is not CA's own file name, else 0 (logged): a certificate issued
 * under the CA's name would overwrite the CA's key. */
int testpki_not_ca(const struct testpki_ca *ca, const char *base);

#endif
