/*
 * crypto/jpki: verification of a CMS SignedData made with the signing certificate
 * (署名用電子証明書) of a My Number card, and the facts of that certificate the policy layer
 * needs: the basic four items (name, sex, birth date, address) from its subjectAltName
 * otherNames under 1.2.392.200149.8.5.5, its fingerprint, serial and issuer. Facts:
 * research/japan-requirements.md §1, research/audit-consent-anchors.md (B1, B2).
 *
 * Rules (all enforced by jpki_verify): exactly one signer; RSA >= 2048 bits; SHA-256 or
 * stronger digest and signature (SHA-1 refused); the chain ends at one of the configured
 * roots, the issuer being chosen by key (every root generation shares one subject name);
 * keyUsage nonRepudiation; a signing time (signed attribute) within the certificate's
 * validity; content compared as binary (no MIME canonicalisation, no line-ending changes);
 * the certificate not revoked in the operator's CRLs at verification time;
 * CMS_verify counted as success only when it returns exactly 1.
 */
#ifndef HASHI_CRYPTO_JPKI_H
#define HASHI_CRYPTO_JPKI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define JPKI_SHA256_LEN		32
#define JPKI_NAME_MAX		256	/* bytes, UTF-8, NUL included */
#define JPKI_ADDR_MAX		640	/* <= 200 characters of up to 3 bytes, NUL included */
#define JPKI_FLAGS_MAX		224	/* substitute-character flags, one '0'/'1' per character */
#define JPKI_SERIAL_MAX		80	/* hex, NUL included */
#define JPKI_DN_MAX		512	/* RFC 2253 text, NUL included */

enum jpki_err {
	JPKI_OK = 0,
	JPKI_ERR_PARSE,		/* not a DER/PEM CMS SignedData, or no content to check */
	JPKI_ERR_SIGNERS,	/* not exactly one signer */
	JPKI_ERR_WEAK_ALG,	/* SHA-1 (or weaker) digest or signature algorithm */
	JPKI_ERR_KEY,		/* not RSA, or RSA shorter than 2048 bits */
	JPKI_ERR_CHAIN,		/* does not chain to a configured root (or expired chain) */
	JPKI_ERR_REVOKED,	/* revoked in a configured CRL (see jpki_revocation) */
	JPKI_ERR_KEYUSAGE,	/* no nonRepudiation in keyUsage */
	JPKI_ERR_SIGNING_TIME,	/* no signing time, or outside the certificate's validity */
	JPKI_ERR_SIGNATURE,	/* the signature does not verify (edited content, wrong key) */
	JPKI_ERR_IDENTITY,	/* the basic four items are missing or malformed */
	JPKI_ERR_NOMEM
};

/* The trust configuration: root certificates (every generation) and CRLs. */
struct jpki_trust;

/* What a verified signature says about its signer. */
struct jpki_signer {
	char		js_name[JPKI_NAME_MAX];		/* .1, as written (full-width space) */
	char		js_name_flags[JPKI_FLAGS_MAX];	/* .2, "" when absent */
	char		js_sex;				/* .3: '1' male, '2' female, '3' unknown */
	char		js_birth[10];			/* .4: EYYYYMMDD */
	char		js_addr[JPKI_ADDR_MAX];		/* .5 */
	char		js_addr_flags[JPKI_FLAGS_MAX];	/* .6, "" when absent */
	uint8_t		js_sha256[JPKI_SHA256_LEN];	/* of the signer's certificate (DER) */
	char		js_serial[JPKI_SERIAL_MAX];	/* hex, upper case */
	char		js_issuer[JPKI_DN_MAX];		/* RFC 2253 */
	time_t		js_signing_time;
	time_t		js_not_before, js_not_after;
	time_t		js_crl_this_update;	/* newest thisUpdate of the CRLs configured for
						 * the issuer; 0: none, revocation not checked */
};

/* Returns a short English description of ERR (static). */
const char *jpki_strerror(enum jpki_err err);

/* Returns an empty trust configuration (free with jpki_trust_free), or NULL. */
struct jpki_trust *jpki_trust_new(void);

/* Frees T; NULL accepted. */
void jpki_trust_free(struct jpki_trust *t);

/* Adds every certificate of PEM file PATH as a root. Returns the number added (>= 1), or
 * -1 after logging why (unreadable, no certificate, not a CA). */
int jpki_trust_add_roots(struct jpki_trust *t, const char *path);

/* Test-card (O=JPKI-TEST) and production signing-certificate policies (§1.2). */
#define JPKI_POLICY_SIGN_TEST	"1.2.392.200149.8.5.1.0.20"
#define JPKI_POLICY_SIGN	"1.2.392.200149.8.5.1.1.20"

/* Makes jpki_verify require certificate policy OID (dotted text, copied) in the signer's
 * chain (X509_V_FLAG_POLICY_CHECK | X509_V_FLAG_EXPLICIT_POLICY); a chain without it is
 * JPKI_ERR_CHAIN. Production sets JPKI_POLICY_SIGN; without a call no policy is required.
 * Calling again replaces the OID. Returns 0, or -1 after logging why (not an OID). */
int jpki_trust_require_policy(struct jpki_trust *t, const char *oid);

/* Adds the CRL in DATA[0..LEN) (DER or PEM). It must be signed by a configured root (or by
 * the issuer it names, found by key). Returns 0, or -1 after logging why.
 * A CRL replaces an earlier one of the same root with the same scope (both without, or
 * with the same issuingDistributionPoint) unless it is older; delta CRLs are refused.
 * Revocation is checked only for an issuer that has at least one CRL here: then CRL
 * checking is on for its certificates and fails closed (a stale CRL, or none covering the
 * certificate's distribution point, is JPKI_ERR_CHAIN); an issuer without any CRL is not
 * checked (js_crl_this_update stays 0), so configure CRLs for every root in production. */
int jpki_trust_add_crl(struct jpki_trust *t, const uint8_t *data, size_t len);

/* Verifies the CMS SignedData SIG[0..SIGLEN) (DER or PEM) at time NOW: detached over
 * CONTENT[0..CONTENTLEN), or attached when CONTENT is NULL (then *OUT_CONTENT, if not NULL,
 * receives a malloc'd copy of the signed bytes and *OUT_LEN its length). On JPKI_OK fills
 * *SIGNER. On other results *SIGNER may be partly filled (fingerprint, serial, issuer when
 * the certificate could be read) for the caller's logs. */
enum jpki_err jpki_verify(const struct jpki_trust *t, const uint8_t *sig, size_t siglen,
    const uint8_t *content, size_t contentlen, time_t now, struct jpki_signer *signer,
    uint8_t **out_content, size_t *out_len);

/* CRL reason codes (RFC 5280 §5.3.1) that matter here. */
#define JPKI_REASON_UNSPECIFIED		0
#define JPKI_REASON_KEY_COMPROMISE	1
#define JPKI_REASON_AFFILIATION_CHANGED	3	/* the holder moved or changed name */

/* Looks up the certificate ISSUER_DN / SERIAL (as in struct jpki_signer) in the configured
 * CRLs: returns 1 with *REASON (a CRL reason code, JPKI_REASON_UNSPECIFIED when the entry
 * has none) and *WHEN (revocation time) when revoked, 0 when not listed, -1 on bad input. */
int jpki_revocation(const struct jpki_trust *t, const char *issuer_dn, const char *serial,
    int *reason, time_t *when);

#endif
