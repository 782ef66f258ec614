/*
 * gateway/ctl_pki_show: "hashictl pki show CERT". Prints what an operator needs to put a
 * certificate into hashid.yaml, in exactly the forms the configuration compares: the
 * subject as hashid sees a TLS caller's (RFC 2253, crypto/tls.c), the SHA-256 fingerprint
 * as `openssl x509 -fingerprint -sha256` prints it, and the subject as a vpn.identity.
 * Warnings (expired, not yet valid, unusable key usage) go to stderr; they do not change
 * the exit status, since a certificate being renewed is still worth looking at.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/str.h"
#include "gateway/config.h"
#include "gateway/ctl.h"
#include "gateway/ctl_pki.h"

#define PKI_SOON_DAYS	30	/* "expires soon" */

/* Prints the bytes of a name taken from a certificate: printable ASCII as is, anything
 * else (control characters, a NUL that would hide the rest, UTF-8) as \xNN, so a
 * certificate cannot drive the terminal or pass one name off as another. */
static void
ctl_pki_put_escaped(const unsigned char *p, int len)
{
	int i;

	for (i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
}

/* Reads the first certificate of PATH (PEM, or DER) into *XP and counts the PEM ones after
 * it into *NMORE. Returns 0, or -1 after printing why. */
static int
pki_read_cert(const char *path, X509 **xp, int *nmore)
{
	BIO *bio = NULL;
	X509 *x = NULL, *next;
	int ret = -1;

	*xp = NULL;
	*nmore = 0;
	ERR_clear_error();
	if ((bio = BIO_new_file(path, "rb")) == NULL) {
		fprintf(stderr, "hashictl: pki show: cannot read %s: %s\n", path,
		    ctl_pki_ossl_reason());
		return -1;
	}
	if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		while ((next = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			X509_free(next);
			++*nmore;
		}
	} else if (BIO_reset(bio) != 0 || (x = d2i_X509_bio(bio, NULL)) == NULL) {
		/* not PEM, and DER needs the file from its start again (a pipe cannot be
		 * rewound: it must then be PEM) */
		fprintf(stderr, "hashictl: pki show: %s: not a certificate (PEM or DER)\n", path);
		goto done;
	}
	ERR_clear_error();
	*xp = x;
	x = NULL;
	ret = 0;
done:
	X509_free(x);
	BIO_free(bio);
	return ret;
}

/* Prints LABEL and T as "YYYY-MM-DD HH:MM:SS UTC". */
static void
pki_print_time(const char *label, const ASN1_TIME *t)
{
	struct tm tm;
	char buf[64];

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, sizeof(buf), "(unreadable)");
	printf("%-13s %s\n", label, buf);
}

/* Prints the public key's type and size: "EC P-256", "RSA 2048 bits". */
static void
pki_print_key(X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	char group[64] = "";

	if (pk == NULL)
		printf("%-13s (unreadable)\n", "key:");
	else if (EVP_PKEY_is_a(pk, "EC") && EVP_PKEY_get_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) == 1)
		printf("%-13s EC %s\n", "key:", strcmp(group, "prime256v1") == 0 ? "P-256" :
		    strcmp(group, "secp384r1") == 0 ? "P-384" : group);
	else
		printf("%-13s %s %d bits\n", "key:", EVP_PKEY_get0_type_name(pk) != NULL ?
		    EVP_PKEY_get0_type_name(pk) : "unknown", EVP_PKEY_get_bits(pk));
}

/* Prints the subjectAltName entries as "DNS:a, IP:b" (nothing when there are none). */
static void
pki_print_sans(X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	const GENERAL_NAME *gn;
	const ASN1_STRING *s;
	char ip[INET6_ADDRSTRLEN];
	int i;

	if (gens == NULL)
		return;
	printf("%-13s", "alt. names:");
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		printf("%s", i > 0 ? ", " : " ");
		if (gn->type == GEN_DNS || gn->type == GEN_EMAIL || gn->type == GEN_URI) {
			s = gn->d.ia5;
			printf("%s:", gn->type == GEN_DNS ? "DNS" : gn->type == GEN_EMAIL ?
			    "email" : "URI");
			ctl_pki_put_escaped(ASN1_STRING_get0_data(s), ASN1_STRING_length(s));
		} else if (gn->type == GEN_IPADD && (ASN1_STRING_length(gn->d.ip) == 4 ||
		    ASN1_STRING_length(gn->d.ip) == 16) && inet_ntop(ASN1_STRING_length(
		    gn->d.ip) == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(gn->d.ip), ip,
		    sizeof(ip)) != NULL)
			printf("IP:%s", ip);
		else
			printf("(other)");
	}
	printf("\n");
	GENERAL_NAMES_free(gens);
}

/* Prints key usage and extended key usage, and warns where a gateway cannot use them. */
static void
pki_print_usage(const char *path, X509 *x)
{
	static const struct { uint32_t bit; const char *name; } ku[] = {
		{ KU_DIGITAL_SIGNATURE, "digitalSignature" }, { KU_NON_REPUDIATION,
		"nonRepudiation" }, { KU_KEY_ENCIPHERMENT, "keyEncipherment" },
		{ KU_DATA_ENCIPHERMENT, "dataEncipherment" }, { KU_KEY_AGREEMENT, "keyAgreement" },
		{ KU_KEY_CERT_SIGN, "keyCertSign" }, { KU_CRL_SIGN, "cRLSign" } };
	static const struct { uint32_t bit; const char *name; } xku[] = {
		{ XKU_SSL_SERVER, "serverAuth" }, { XKU_SSL_CLIENT, "clientAuth" },
		{ XKU_SMIME, "emailProtection" }, { XKU_CODE_SIGN, "codeSigning" },
		{ XKU_OCSP_SIGN, "OCSPSigning" }, { XKU_TIMESTAMP, "timeStamping" },
		{ XKU_ANYEKU, "anyExtendedKeyUsage" } };
	uint32_t k = X509_get_key_usage(x), e = X509_get_extended_key_usage(x);
	const char *sep = " ";
	size_t i;

	if (k != UINT32_MAX) {
		printf("%-13s", "key usage:");
		for (i = 0; i < sizeof(ku) / sizeof(ku[0]); i++)
			if (k & ku[i].bit) {
				printf("%s%s", sep, ku[i].name);
				sep = ", ";
			}
		printf("\n");
		if (!(k & KU_DIGITAL_SIGNATURE))
			fprintf(stderr, "hashictl: pki show: warning: %s: key usage lacks "
			    "digitalSignature, which TLS 1.3 and IKEv2 sign with\n", path);
	}
	if (e != UINT32_MAX) {
		printf("%-13s", "ext. usage:");
		for (sep = " ", i = 0; i < sizeof(xku) / sizeof(xku[0]); i++)
			if (e & xku[i].bit) {
				printf("%s%s", sep, xku[i].name);
				sep = ", ";
			}
		printf("\n");
		if ((e & (XKU_SSL_SERVER | XKU_SSL_CLIENT | XKU_ANYEKU)) != (XKU_SSL_SERVER |
		    XKU_SSL_CLIENT) && !(e & XKU_ANYEKU))
			fprintf(stderr, "hashictl: pki show: warning: %s: extended key usage "
			    "lacks serverAuth or clientAuth: as a gateway's TLS certificate (it "
			    "serves and calls with one) peers will refuse it\n", path);
	}
	if (X509_get_extension_flags(x) & EXFLAG_CA)
		fprintf(stderr, "hashictl: pki show: warning: %s is a CA certificate, not a "
		    "gateway's\n", path);
}

/* Warns when the certificate is not valid now, or not for much longer. */
static void
pki_check_validity(const char *path, X509 *x)
{
	time_t soon = time(NULL) + PKI_SOON_DAYS * 86400;

	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0)
		fprintf(stderr, "hashictl: pki show: warning: %s is not yet valid (check the "
		    "clocks here and at the CA)\n", path);
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		fprintf(stderr, "hashictl: pki show: warning: %s has expired: peers refuse it\n",
		    path);
	else if (X509_cmp_time(X509_get0_notAfter(x), &soon) <= 0)
		fprintf(stderr, "hashictl: pki show: warning: %s expires within %d days\n",
		    path, PKI_SOON_DAYS);
}

/* Prints S as a YAML single-quoted scalar: backslashes in RFC 2253 escapes stay literal,
 * which a double-quoted scalar would turn into (invalid) escape sequences. */
static void
pki_print_yaml(const char *indent, const char *key, const char *s)
{
	printf("%s%s: '", indent, key);
	for (; *s != '\0'; s++)
		printf(*s == '\'' ? "''" : "%c", *s);
	printf("'\n");
}

/* Prints the certificate's facts; FPR is its fingerprint as text. Returns 0 or -1. */
static int
pki_print_cert(const char *path, X509 *x, const char *fpr, int nmore)
{
	char *subj = NULL, *issuer = NULL, *ike = NULL, *serial = NULL;
	BIGNUM *bn = NULL;
	int ret = -1;

	if ((subj = ctl_pki_dn_rfc2253(X509_get_subject_name(x))) == NULL ||
	    (issuer = ctl_pki_dn_rfc2253(X509_get_issuer_name(x))) == NULL ||
	    (ike = ctl_pki_dn_ike(X509_get_subject_name(x))) == NULL ||
	    (bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL ||
	    (serial = BN_bn2hex(bn)) == NULL) {
		fprintf(stderr, "hashictl: pki show: %s: %s\n", path, ctl_pki_ossl_reason());
		goto done;
	}
	printf("%-13s %s%s\n", "certificate:", path, nmore > 0 ? " (first of the file; the "
	    "rest is its chain)" : "");
	printf("%-13s %s\n", "subject:", subj);
	if (strchr(subj, '\\') != NULL)	/* RFC 2253 escapes UTF-8: show it legibly too */
		printf("%-13s %s\n", "readable:", ike);
	printf("%-13s %s\n%-13s %s\n", "issuer:", issuer, "serial:", serial);
	pki_print_time("not before:", X509_get0_notBefore(x));
	pki_print_time("not after:", X509_get0_notAfter(x));
	pki_print_key(x);
	pki_print_usage(path, x);
	pki_print_sans(x);
	printf("%-13s %s\n", "sha256:", fpr);
	printf("\n# in the entry for its owner in hashid.yaml (peers[] or local_systems[]):\n");
	pki_print_yaml("    ", "subject", subj);
	pki_print_yaml("    ", "sha256", fpr);
	if (ctl_pki_ike_safe(ike)) {
		printf("# if it is a peer's VPN certificate, in that peer's vpn: mapping:\n");
		pki_print_yaml("      ", "identity", ike);
	} else
		printf("# not usable as a vpn.identity (ASCII letters, digits, spaces and "
		    ". , = @ : _ + / - only)\n");
	ret = 0;
done:
	OPENSSL_free(serial);
	BN_free(bn);
	free(ike);
	free(issuer);
	free(subj);
	return ret;
}

int
ctl_pki_show(const struct config *cf, int argc, char **argv)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char fpr[3 * CONFIG_FPR_LEN];
	unsigned int n = 0, i;
	X509 *x = NULL;
	int nmore = 0, ret = 1;

	(void)cf;
	if (argc != 1 || argv[0][0] == '-') {
		fprintf(stderr, "hashictl: pki show: usage: pki show CERT\n");
		return 2;
	}
	if (pki_read_cert(argv[0], &x, &nmore) == -1)
		goto done;
	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != CONFIG_FPR_LEN) {
		fprintf(stderr, "hashictl: pki show: %s: cannot hash it\n", argv[0]);
		goto done;
	}
	/* upper case and colons: what openssl prints and tls_fingerprint_parse accepts */
	for (i = 0; i < n; i++)
		snprintf(fpr + 3 * i, sizeof(fpr) - 3 * i, "%02X%s", md[i], i + 1 < n ? ":" : "");
	if (pki_print_cert(argv[0], x, fpr, nmore) == -1)
		goto done;
	pki_check_validity(argv[0], x);
	ret = fflush(stdout) == 0 ? 0 : 1;
done:
	X509_free(x);
	return ret;
}
