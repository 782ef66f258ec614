/*
 * crypto/testpki: see testpki.h. This file: the CA object, certificate skeletons and
 * extensions, files and fingerprints, and the TLS profile of tests/pki/mkpki.sh. The JPKI
 * look-alike is in testpki_jpki.c.
 */
#include "crypto/testpki_int.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/str.h"

#define TESTPKI_CN_MAX	64	/* bytes of a CA's common name (ub-common-name) */
#define DAY		86400

/* Logs WHAT and drains the OpenSSL error queue. Returns -1 for "return testpki_err(...)". */
static int
testpki_err(const char *what, const char *base)
{
	char one[256];
	unsigned long e;

	e = ERR_peek_last_error();
	if (e != 0)
		ERR_error_string_n(e, one, sizeof(one));
	log_warnx("testpki: %s%s%s%s%s", base != NULL ? base : "", base != NULL ? ": " : "",
	    what, e != 0 ? ": " : "", e != 0 ? one : "");
	ERR_clear_error();
	return -1;
}

int
testpki_base_ok(const char *base)
{
	size_t i, n;

	/* Bases become file names (and TLS names DNS names): no '/', no leading '.' or '-'. */
	if (base == NULL || (n = strlen(base)) == 0 || n > TESTPKI_BASE_MAX)
		goto bad;
	for (i = 0; i < n; i++) {
		if ((base[i] >= 'A' && base[i] <= 'Z') || (base[i] >= 'a' && base[i] <= 'z') ||
		    (base[i] >= '0' && base[i] <= '9'))
			continue;
		if (i > 0 && (base[i] == '.' || base[i] == '_' || base[i] == '-'))
			continue;
		goto bad;
	}
	return 1;
bad:
	log_warnx("testpki: bad name \"%s\": [A-Za-z0-9._-], at most %d, starting with a "
	    "letter or digit", base != NULL ? base : "", TESTPKI_BASE_MAX);
	return 0;
}

int
testpki_path(char *buf, size_t sz, const char *dir, const char *base, const char *ext)
{
	int n = snprintf(buf, sz, "%s/%s.%s", dir, base, ext);

	if (n < 0 || (size_t)n >= sz) {
		log_warnx("testpki: path of %s.%s in %s too long", base, ext, dir);
		return -1;
	}
	return 0;
}

int
testpki_mkdir(const char *dir)
{
	if (dir == NULL || *dir == '\0' || strlen(dir) >= PATH_MAX - TESTPKI_BASE_MAX - 8) {
		log_warnx("testpki: no directory, or its name is too long");
		return -1;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("testpki: %s", dir);
		return -1;
	}
	return 0;
}

X509 *
testpki_cert_new(X509 *issuer, EVP_PKEY *key, const X509_NAME *subject, long serial,
    time_t from, time_t to)
{
	X509 *x;

	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) != 1 ||
	    X509_set_subject_name(x, subject) != 1 ||
	    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : subject)
	    != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(x), from) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), to) == NULL ||
	    X509_set_pubkey(x, key) != 1) {
		X509_free(x);
		(void)testpki_err("cannot make a certificate", NULL);
		return NULL;
	}
	return x;
}

int
testpki_ext_text(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509_EXTENSION *ext;
	X509V3_CTX ctx;
	int ok;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		return testpki_err(OBJ_nid2sn(nid), NULL);
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : testpki_err(OBJ_nid2sn(nid), NULL);
}

int
testpki_ext_value(X509 *x, int nid, int crit, void *value)
{
	if (X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_REPLACE) != 1)
		return testpki_err(OBJ_nid2sn(nid), NULL);
	return 0;
}

int
testpki_name_add(X509_NAME *name, const char *field, const char *value)
{
	if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
	    (const unsigned char *)value, -1, -1, 0) != 1)
		return testpki_err("name attribute refused", field);
	return 0;
}

/* Writes the PEM of X, or of KEY when not NULL, to PATH with mode MODE. The old file is
 * unlinked first and the new one made with O_EXCL, so that no earlier mode, owner or
 * symbolic link survives; the key's PEM text is in a secure-heap BIO, wiped when freed. */
static int
testpki_write_pem(const char *path, X509 *x, EVP_PKEY *key, mode_t mode)
{
	BIO *bio;
	char *pem = NULL;
	long len = 0;
	int fd = -1, ret = -1;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL ||
	    (key != NULL ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) :
	    PEM_write_bio_X509(bio, x)) != 1 || (len = BIO_get_mem_data(bio, &pem)) <= 0) {
		ret = testpki_err("cannot encode PEM", path);
		goto done;
	}
	if ((unlink(path) == -1 && errno != ENOENT) ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode))
	    == -1) {
		log_warn("testpki: %s", path);
		goto done;
	}
	/* fchmod: the umask may have taken bits off a certificate's 0644. */
	if (fdio_write_all(fd, pem, (size_t)len) == -1 || fchmod(fd, mode) == -1) {
		log_warn("testpki: %s", path);
		goto done;
	}
	ret = 0;
done:
	if (fd != -1 && close(fd) == -1 && ret == 0) {
		log_warn("testpki: %s", path);
		ret = -1;
	}
	if (ret == -1 && fd != -1)
		unlink(path);
	BIO_free(bio);
	return ret;
}

/* Writes X's SHA-256 fingerprint as "AB:CD:..." (what `openssl x509 -fingerprint` and
 * gateway/ctl_pki_show.c print and tls_fingerprint_parse reads) into FPR. */
static int
testpki_fingerprint(const X509 *x, char fpr[TESTPKI_FPR_MAX])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int i, n = 0;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n * 3 > TESTPKI_FPR_MAX)
		return testpki_err("cannot digest the certificate", NULL);
	for (i = 0; i < n; i++) {
		fpr[3 * i] = hex[md[i] >> 4];
		fpr[3 * i + 1] = hex[md[i] & 0x0f];
		fpr[3 * i + 2] = i + 1 < n ? ':' : '\0';
	}
	return 0;
}

int
testpki_save(X509 *x, EVP_PKEY *signer, EVP_PKEY *key, const char *dir, const char *base,
    char *fpr)
{
	char path[PATH_MAX];

	if (X509_sign(x, signer, EVP_sha256()) <= 0)
		return testpki_err("cannot sign the certificate", base);
	if (testpki_path(path, sizeof(path), dir, base, "crt") == -1 ||
	    testpki_write_pem(path, x, NULL, 0644) == -1)
		return -1;
	if (key != NULL && (testpki_path(path, sizeof(path), dir, base, "key") == -1 ||
	    testpki_write_pem(path, NULL, key, 0600) == -1))
		return -1;
	if (fpr != NULL && testpki_fingerprint(x, fpr) == -1)
		return -1;
	return 0;
}

struct testpki_ca *
testpki_ca_adopt(const char *dir, const char *base, EVP_PKEY *key, X509 *cert, int jpki,
    long next, time_t now, time_t not_after)
{
	struct testpki_ca *ca;

	if ((ca = calloc(1, sizeof(*ca))) == NULL ||
	    str_copy(ca->tc_dir, sizeof(ca->tc_dir), dir) == -1 ||
	    str_copy(ca->tc_base, sizeof(ca->tc_base), base) == -1) {
		log_warnx("testpki: out of memory, or directory name too long");
		free(ca);
		EVP_PKEY_free(key);
		X509_free(cert);
		return NULL;
	}
	ca->tc_key = key;
	ca->tc_cert = cert;
	ca->tc_jpki = jpki;
	ca->tc_serial = next;
	ca->tc_now = now;
	ca->tc_not_after = not_after;
	return ca;
}

int
testpki_not_ca(const struct testpki_ca *ca, const char *base)
{
	if (strcmp(ca->tc_base, base) == 0) {
		log_warnx("testpki: %s: that is the CA's own name", base);
		return 0;
	}
	return 1;
}

void
testpki_ca_free(struct testpki_ca *ca)
{
	if (ca == NULL)
		return;
	EVP_PKEY_free(ca->tc_key);
	X509_free(ca->tc_cert);
	free(ca);
}

/* "C=JP, O=Hashi Test, CN=<cn>" (printed RFC 2253: "CN=<cn>,O=Hashi Test,C=JP"). */
static X509_NAME *
testpki_tls_name(const char *cn)
{
	X509_NAME *name;

	if ((name = X509_NAME_new()) == NULL ||
	    testpki_name_add(name, "C", "JP") == -1 ||
	    testpki_name_add(name, "O", "Hashi Test") == -1 ||
	    testpki_name_add(name, "CN", cn) == -1) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

/* A CA's common name: 1..64 bytes of UTF-8 without control characters (the UTF-8 itself
 * is checked when it goes into the name). */
static int
testpki_cn_ok(const char *cn)
{
	size_t i, n;

	if (cn == NULL || (n = strlen(cn)) == 0 || n > TESTPKI_CN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)cn[i] < 0x20 || cn[i] == 0x7f)
			return 0;
	return 1;
}

struct testpki_ca *
testpki_ca_new(const char *dir, const char *base, const char *cn, time_t now)
{
	EVP_PKEY *key = NULL;
	X509_NAME *name = NULL;
	X509 *x = NULL;
	time_t to = now + (time_t)TESTPKI_CA_DAYS * DAY;

	if (!testpki_base_ok(base) || testpki_mkdir(dir) == -1)
		return NULL;
	if (!testpki_cn_ok(cn)) {
		log_warnx("testpki: %s: the CA name must be 1..%d bytes without control "
		    "characters", base, TESTPKI_CN_MAX);
		return NULL;
	}
	if ((key = EVP_EC_gen("P-256")) == NULL) {
		(void)testpki_err("EC key generation failed", base);
		goto fail;
	}
	if ((name = testpki_tls_name(cn)) == NULL ||
	    (x = testpki_cert_new(NULL, key, name, 1, now - TESTPKI_SLACK, to)) == NULL ||
	    testpki_ext_text(x, NULL, NID_basic_constraints,
	    "critical,CA:TRUE,pathlen:0") == -1 ||
	    testpki_ext_text(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign") == -1 ||
	    testpki_ext_text(x, NULL, NID_subject_key_identifier, "hash") == -1 ||
	    testpki_save(x, key, key, dir, base, NULL) == -1)
		goto fail;
	X509_NAME_free(name);
	return testpki_ca_adopt(dir, base, key, x, 0, 2, now, to);
fail:
	X509_NAME_free(name);
	X509_free(x);
	EVP_PKEY_free(key);
	return NULL;
}

/* Returns 1 when S is a DNS name (or wildcard) we put into a certificate. */
static int
testpki_dns_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-' || s[i] == '*'))
			return 0;
	return 1;
}

/* Appends V to GENS: an IP address when V is an IPv4/IPv6 literal, else a DNS name. */
static int
testpki_san_push(GENERAL_NAMES *gens, const char *v)
{
	unsigned char addr[16];
	GENERAL_NAME *gn;
	int type = GEN_DNS;

	if (inet_pton(AF_INET, v, addr) == 1 || inet_pton(AF_INET6, v, addr) == 1)
		type = GEN_IPADD;
	else if (!testpki_dns_ok(v)) {
		log_warnx("testpki: alternative name \"%s\" is neither an IP address nor a "
		    "DNS name", v);
		return -1;
	}
	if ((gn = a2i_GENERAL_NAME(NULL, NULL, NULL, type, v, 0)) == NULL)
		return testpki_err("alternative name refused", v);
	if (!sk_GENERAL_NAME_push(gens, gn)) {
		GENERAL_NAME_free(gn);
		return testpki_err("out of memory", v);
	}
	return 0;
}

/* subjectAltName DNS:NAME, IP:127.0.0.1, DNS:localhost (mkpki.sh's), then ALT. */
static int
testpki_tls_san(X509 *x, const char *name, const char *const *alt)
{
	GENERAL_NAMES *gens;
	size_t i;
	int ret = -1;

	if ((gens = GENERAL_NAMES_new()) == NULL)
		return testpki_err("out of memory", name);
	if (testpki_san_push(gens, name) == -1 ||
	    testpki_san_push(gens, "127.0.0.1") == -1 ||
	    testpki_san_push(gens, "localhost") == -1)
		goto done;
	for (i = 0; alt != NULL && alt[i] != NULL; i++)
		if (testpki_san_push(gens, alt[i]) == -1)
			goto done;
	ret = testpki_ext_value(x, NID_subject_alt_name, 0, gens);
done:
	GENERAL_NAMES_free(gens);
	return ret;
}

int
testpki_issue(struct testpki_ca *ca, enum testpki_role role, const char *name,
    const char *const *alt, char fpr[TESTPKI_FPR_MAX])
{
	EVP_PKEY *key = NULL;
	X509_NAME *subj = NULL;
	X509 *x = NULL;
	int ret = -1;

	if (ca == NULL || ca->tc_jpki || (role != TESTPKI_GATEWAY && role != TESTPKI_CLIENT) ||
	    fpr == NULL) {
		log_warnx("testpki: issue: not a TLS CA, or no role or fingerprint buffer");
		return -1;
	}
	if (!testpki_base_ok(name) || !testpki_not_ca(ca, name))
		return -1;
	if ((key = EVP_EC_gen("P-256")) == NULL) {
		(void)testpki_err("EC key generation failed", name);
		goto done;
	}
	if ((subj = testpki_tls_name(name)) == NULL ||
	    (x = testpki_cert_new(ca->tc_cert, key, subj, ca->tc_serial, ca->tc_now -
	    TESTPKI_SLACK, ca->tc_not_after)) == NULL ||
	    testpki_ext_text(x, NULL, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    testpki_ext_text(x, NULL, NID_key_usage, "critical,digitalSignature") == -1 ||
	    testpki_ext_text(x, NULL, NID_ext_key_usage, role == TESTPKI_GATEWAY ?
	    "serverAuth,clientAuth" : "clientAuth") == -1 ||
	    testpki_ext_text(x, NULL, NID_subject_key_identifier, "hash") == -1 ||
	    testpki_ext_text(x, ca->tc_cert, NID_authority_key_identifier,
	    "keyid:always") == -1 ||
	    testpki_tls_san(x, name, alt) == -1 ||
	    testpki_save(x, ca->tc_key, key, ca->tc_dir, name, fpr) == -1)
		goto done;
	ca->tc_serial++;
	ret = 0;
done:
	X509_free(x);
	X509_NAME_free(subj);
	EVP_PKEY_free(key);
	return ret;
}
