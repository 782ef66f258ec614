/*
 * crypto/jpki_trust: the trust configuration behind struct jpki_trust (roots, CRLs, the
 * required policy) and the per-verification X509_STORE built from it. Internal to
 * crypto/jpki: other layers use the functions of crypto/jpki.h.
 *
 * Every root generation of the JPKI signing CA has the same subject name, so nothing
 * here goes by name alone: a CRL belongs to the root whose key signed it, and a signer
 * certificate's issuer is the root whose key verifies its signature. JPKI signing
 * certificates are issued directly by the root (no intermediate CA), which is what
 * jpki_trust_store relies on.
 */
#ifndef HASHI_CRYPTO_JPKI_TRUST_H
#define HASHI_CRYPTO_JPKI_TRUST_H

#include <time.h>

#include <openssl/x509.h>

#include "crypto/jpki.h"

/* One configured CRL. */
struct jpki_crl {
	X509_CRL	*jc_crl;
	int		 jc_root;		/* index in jt_roots of the root that signed it */
	char		 jc_issuer[JPKI_DN_MAX];	/* RFC 2253, for jpki_revocation */
};

struct jpki_trust {
	STACK_OF(X509)	*jt_roots;
	struct jpki_crl	*jt_crls;
	size_t		 jt_ncrls, jt_capcrls;
	ASN1_OBJECT	*jt_policy;		/* required policy, or NULL */
};

/* Builds in *STOREP a fresh store (caller frees with X509_STORE_free) trusting only the
 * configured root whose key signed X (borrowed), with that root's CRLs and CRL checking
 * when it has any, verification time NOW, purpose smimesign and the required policy;
 * verifies X against it. Writes the newest thisUpdate of those CRLs (0: none) to
 * *CRL_THIS_UPDATE. Returns JPKI_OK, JPKI_ERR_CHAIN, JPKI_ERR_REVOKED or JPKI_ERR_NOMEM
 * (*STOREP is NULL unless JPKI_OK). Logs why at debug level (CRL problems as warnings). */
enum jpki_err jpki_trust_store(const struct jpki_trust *t, X509 *x, time_t now,
    X509_STORE **storep, time_t *crl_this_update);

/* Writes the RFC 2253 text of NAME to BUF (size BUFSZ). Returns 0, or -1 when it does not
 * fit or cannot be printed. */
int jpki_dn_text(const X509_NAME *name, char *buf, size_t bufsz);

/* Converts T to seconds since the epoch. Returns 0, or -1 for a malformed time. */
int jpki_time(const ASN1_TIME *t, time_t *out);

/* Logs WHAT and the OpenSSL error queue at debug level and empties the queue. */
void jpki_drain_errors(const char *what);

#endif
