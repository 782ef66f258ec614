/*
 * crypto/testpki: test PKIs made at run time, in C, for the scenario runner (issue 8) and the
 * tests: the certificate profiles of tests/pki/mkpki.sh and tests/pki/jpki.sh without the
 * openssl CLI.
 *
 *   - a TLS test CA (EC P-256) and, from it, gateway certificates (serverAuth+clientAuth)
 *     and local-system client certificates (clientAuth), "CN=<name>,O=Hashi Test,C=JP";
 *   - a JPKI look-alike signing root ("C=JP, O=JPKI-TEST, OU=JPKI for digital signature,
 *     OU=Japan Agency for Local Authority Information Systems", RSA 2048) and, from it, My
 *     Number card signing certificates carrying a person's basic four items
 *     (research/japan-requirements.md §1.2-1.3), and CMS SignedData made with a card's key.
 *
 * TEST DATA ONLY: every JPKI certificate here says O=JPKI-TEST and carries the test-card
 * policy JPKI_POLICY_SIGN_TEST, which a production trust (JPKI_POLICY_SIGN) refuses.
 *
 * Files: DIR/BASE.crt (PEM certificate, mode 0644) and DIR/BASE.key (unencrypted PKCS#8
 * PEM, mode 0600), each replacing any file of that name. BASE is [A-Za-z0-9._-], at most 64
 * characters, starting with a letter or digit. Everything but the keys (and ECDSA
 * signatures) follows from the arguments: serials count up from the CA's, validity starts
 * TESTPKI_SLACK seconds before the NOW given to the CA. No network, no child process.
 * Every function logs why it fails (common/log).
 */
#ifndef HASHI_CRYPTO_TESTPKI_H
#define HASHI_CRYPTO_TESTPKI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TESTPKI_FPR_MAX		96	/* "AB:CD:..." (32 pairs), NUL included */
#define TESTPKI_BIRTH_MAX	10	/* JPKI "EYYYYMMDD", NUL included */
#define TESTPKI_SLACK		3600	/* validity starts this long before NOW (clock skew) */
#define TESTPKI_CA_DAYS		3650	/* CAs and roots */
#define TESTPKI_CARD_DAYS	365	/* card signing certificates (jpki.sh's default) */

/* A CA: its key and certificate, the directory its files go to, the next serial. */
struct testpki_ca;

/* Makes a TLS test CA: EC P-256, self-signed "CN=<CN>,O=Hashi Test,C=JP" (CN UTF-8,
 * 1..64 bytes), serial 1, CA:TRUE pathlen:0, keyUsage keyCertSign+cRLSign, valid from
 * NOW - TESTPKI_SLACK for TESTPKI_CA_DAYS; writes DIR/BASE.crt and DIR/BASE.key (DIR is
 * created, mode 0700, when missing; its parent must exist). Returns the CA (free with
 * testpki_ca_free), or NULL. */
struct testpki_ca *testpki_ca_new(const char *dir, const char *base, const char *cn,
    time_t now);

/* Makes a JPKI look-alike signing root as `jpki.sh init` does: RSA 2048, self-signed with
 * the JPKI-TEST signing-CA subject, serial SERIAL (>= 1; jpki.sh gives generations 1 and
 * 2 and its rogue root 3: every root has the same subject, so a second one is another
 * generation or a rogue), CA:TRUE, keyCertSign+cRLSign, SKI, no AKI, CRL distribution
 * point DirName = its subject, SHA-256, valid from NOW - TESTPKI_SLACK for
 * TESTPKI_CA_DAYS; writes DIR/BASE.crt and DIR/BASE.key. Card serials start at 4096.
 * Returns the root (free with testpki_ca_free), or NULL. */
struct testpki_ca *testpki_jpki_root_new(const char *dir, const char *base, long serial,
    time_t now);

/* Frees CA (its files stay). NULL accepted. */
void testpki_ca_free(struct testpki_ca *ca);

enum testpki_role {
	TESTPKI_GATEWAY = 1,	/* EKU serverAuth + clientAuth: a region's gateway */
	TESTPKI_CLIENT = 2	/* EKU clientAuth: a local EHR, pharmacy, ... */
};

/* Issues from TLS CA CA (not a JPKI root) the certificate of NAME for ROLE. NAME is a
 * BASE as above, not the CA's, and without '_' (it is a DNS name too). EC P-256,
 * "CN=NAME,O=Hashi Test,C=JP" (RFC 2253), CA:FALSE, keyUsage digitalSignature, SKI, AKI,
 * subjectAltName DNS:NAME, IP:127.0.0.1, DNS:localhost (as mkpki.sh) and each of ALT
 * (NULL-terminated, may be NULL): an IPv4/IPv6 literal becomes an IP address, anything
 * else must be a DNS name ([A-Za-z0-9.*-]). Valid as long as CA. Writes DIR/NAME.crt and
 * DIR/NAME.key, and into FPR its SHA-256 fingerprint as hashid.yaml and `hashictl pki
 * show` write it ("AB:CD:...", upper case). Returns 0, or -1. */
int testpki_issue(struct testpki_ca *ca, enum testpki_role role, const char *name,
    const char *const *alt, char fpr[TESTPKI_FPR_MAX]);

/* A card holder, as an MPI record has them. Borrowed strings, UTF-8. */
struct testpki_person {
	const char	*tp_family;	/* kanji family name (required) */
	const char	*tp_given;	/* given name; NULL or "": the name is the family alone */
	const char	*tp_birth;	/* "YYYY-MM-DD" or "YYYYMMDD" (required) */
	char		 tp_sex;	/* 'M', 'F' or 'U' */
	const char	*tp_addr;	/* address from the prefecture, no postal code (required) */
	const char	*tp_name_flags;	/* substitute flags: NULL one '0' per character, "" none */
	const char	*tp_addr_flags;	/* the same for the address */
	const char	*tp_pref;	/* romanised, for the CRL DP; NULL: "Tokyo-to" */
	const char	*tp_city;	/* NULL: "Kiyose-shi" */
};

/* Issues from JPKI root ROOT a card signing certificate for P as `jpki.sh issue` does:
 * RSA 2048; subject "C=JP, L=<pref>, L=<city>, CN=<YYYYMMDDhhmmss of NOW><5-digit
 * serial>TEST"; keyUsage critical digitalSignature+nonRepudiation; certificatePolicies
 * critical JPKI_POLICY_SIGN_TEST with a CPS URI; SKI; AKI; issuerAltName DirName C=JP,
 * O=JPKI-TEST; CRL DP DirName "...,OU=CRL Distribution Points,OU=<pref>,CN=<city>";
 * subjectAltName otherNames 1.2.392.200149.8.5.5.1-.6 in the card's order .1 name
 * ("<family>U+3000<given>"), .4 birth (EYYYYMMDD, testpki_jpki_birth), .3 sex (1 M, 2 F,
 * 3 U), .5 address, .2 and .6 flags, each [0] EXPLICIT UTF8String; SHA-256; valid from the
 * root's NOW - TESTPKI_SLACK for TESTPKI_CARD_DAYS (at most as long as the root). Writes
 * DIR/BASE.crt and DIR/BASE.key, and FPR (may be NULL) as testpki_issue. Returns 0, or -1
 * (bad date, sex, UTF-8, name too long, ...). */
int testpki_jpki_issue(struct testpki_ca *root, const char *base,
    const struct testpki_person *p, char fpr[TESTPKI_FPR_MAX]);

/* Converts the Gregorian date YMD ("YYYY-MM-DD" or "YYYYMMDD", a real day) to the card's
 * EYYYYMMDD: era digit 1 Meiji (from 1868), 2 Taisho (from 1912-07-30), 3 Showa (from
 * 1926-12-25), 4 Heisei (from 1989-01-08), 5 Reiwa (from 2019-05-01), 0 before 1868; then
 * the Gregorian date. Writes OUT; returns 0, or -1 (OUT "") for anything else. */
int testpki_jpki_birth(const char *ymd, char out[TESTPKI_BIRTH_MAX]);

#define TESTPKI_SIGN_ATTACHED	0x01	/* the content inside the message (else detached) */

/* Signs DATA[0..LEN) with card DIR/BASE (.crt and .key) as `jpki.sh sign` does: CMS
 * SignedData in DER over the exact bytes (binary, no MIME canonicalisation), SHA-256,
 * PKCS#1 v1.5, signed attributes contentType, signingTime = WHEN, messageDigest (no S/MIME
 * capabilities), the signer's certificate included; detached unless FLAGS has
 * TESTPKI_SIGN_ATTACHED. Stores a malloc'd copy in *OUT (caller frees) and its length in
 * *OUTLEN. Returns 0, or -1 (*OUT NULL). */
int testpki_jpki_sign(const char *dir, const char *base, const uint8_t *data, size_t len,
    time_t when, int flags, uint8_t **out, size_t *outlen);

#endif
