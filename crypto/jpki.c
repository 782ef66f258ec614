/*
 * crypto/jpki: see jpki.h. The checks run cheapest and most specific first, so a failure
 * gets the most useful code: parse, signer count, algorithms, the signer certificate's
 * key and keyUsage, signing time, chain and revocation at NOW (jpki_trust.c), then
 * CMS_verify for the signature itself, then the basic four items (jpki_san.c).
 *
 * Why the chain is checked at NOW and not at the signing time: the signing time is what
 * the signer's computer claims (RFC 5652 §11.3), so it cannot move trust back in time. A
 * consent is verified once, at registration, and the gateway's audit log is the evidence
 * of when; re-verifying an old consent later means passing that logged time as NOW.
 */
#include "crypto/jpki.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
/* Before cms.h, which declares PEM_read_bio_CMS only when pem.h came first. */
#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "crypto/jpki_san.h"
#include "crypto/jpki_trust.h"

static const char pem_begin[] = "-----BEGIN";

#define JPKI_RSA_MIN_BITS	2048
#define JPKI_RSA_E		65537

const char *
jpki_strerror(enum jpki_err err)
{
	switch (err) {
	case JPKI_OK:
		return "signature verified";
	case JPKI_ERR_PARSE:
		return "not a CMS SignedData of data, or no content to check";
	case JPKI_ERR_SIGNERS:
		return "not exactly one signer";
	case JPKI_ERR_WEAK_ALG:
		return "digest or signature algorithm not allowed (SHA-1 or weaker)";
	case JPKI_ERR_KEY:
		return "signer key is not RSA of at least 2048 bits with exponent 65537";
	case JPKI_ERR_CHAIN:
		return "signer certificate does not chain to a configured root now";
	case JPKI_ERR_REVOKED:
		return "signer certificate is revoked";
	case JPKI_ERR_KEYUSAGE:
		return "signer certificate lacks keyUsage nonRepudiation";
	case JPKI_ERR_SIGNING_TIME:
		return "no signing time, or signing time outside the certificate's validity";
	case JPKI_ERR_SIGNATURE:
		return "signature does not verify over the content";
	case JPKI_ERR_IDENTITY:
		return "basic four items missing or malformed in the certificate";
	case JPKI_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown JPKI error";
}

/* Parses SIG as PEM ("-----BEGIN CMS" or "PKCS7") or as DER with nothing after it. */
static CMS_ContentInfo *
cms_parse(const uint8_t *sig, size_t siglen)
{
	const unsigned char *p = sig;
	CMS_ContentInfo *cms;
	BIO *bio;
	size_t i = 0;

	if (sig == NULL || siglen == 0 || siglen > INT_MAX)
		return NULL;
	while (i < siglen && (sig[i] == ' ' || sig[i] == '\t' || sig[i] == '\r' ||
	    sig[i] == '\n'))
		i++;
	if (siglen - i >= sizeof(pem_begin) - 1 &&
	    memcmp(sig + i, pem_begin, sizeof(pem_begin) - 1) == 0) {
		if ((bio = BIO_new_mem_buf(sig, (int)siglen)) == NULL)
			return NULL;
		cms = PEM_read_bio_CMS(bio, NULL, NULL, NULL);
		BIO_free(bio);
		return cms;
	}
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)siglen);
	if (cms != NULL && p != sig + siglen) {
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	return cms;
}

/* The digest allowed with signature algorithm SNID: NID_undef for any allowed digest
 * (rsaEncryption), -1 when SNID itself is not allowed. */
static int
alg_sig_digest(int snid)
{
	switch (snid) {
	case NID_rsaEncryption:
		return NID_undef;
	case NID_sha256WithRSAEncryption:
		return NID_sha256;
	case NID_sha384WithRSAEncryption:
		return NID_sha384;
	case NID_sha512WithRSAEncryption:
		return NID_sha512;
	default:
		/* SHA-1, MD5, and RSA-PSS, which a card's PKCS#1 v1.5 operation cannot make. */
		return -1;
	}
}

/* Digest SHA-256/384/512; signature rsaEncryption or RSA with the same digest. */
static enum jpki_err
check_algs(CMS_SignerInfo *si)
{
	X509_ALGOR *dig = NULL, *sa = NULL;
	const ASN1_OBJECT *obj;
	int dnid, want;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sa);
	if (dig == NULL || sa == NULL)
		return JPKI_ERR_PARSE;
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	dnid = OBJ_obj2nid(obj);
	X509_ALGOR_get0(&obj, NULL, NULL, sa);
	want = alg_sig_digest(OBJ_obj2nid(obj));
	if ((dnid != NID_sha256 && dnid != NID_sha384 && dnid != NID_sha512) || want == -1 ||
	    (want != NID_undef && want != dnid)) {
		log_debug("jpki: algorithms %s / %s refused", OBJ_nid2sn(dnid),
		    OBJ_nid2sn(OBJ_obj2nid(obj)));
		return JPKI_ERR_WEAK_ALG;
	}
	return JPKI_OK;
}

/* RSA >= 2048 bits with e = 65537; keyUsage present with nonRepudiation; not a CA. */
static enum jpki_err
check_cert(X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	BIGNUM *e = NULL;
	int ok;

	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(pk) < JPKI_RSA_MIN_BITS)
		return JPKI_ERR_KEY;
	ok = EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
	    BN_is_word(e, JPKI_RSA_E);
	BN_free(e);
	if (!ok)
		return JPKI_ERR_KEY;
	if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) == 0 ||
	    (X509_get_key_usage(x) & KU_NON_REPUDIATION) == 0)
		return JPKI_ERR_KEYUSAGE;
	/* A root signing a consent with its own key would otherwise chain to itself. */
	if (X509_check_ca(x) != 0) {
		log_debug("jpki: signer certificate is a CA");
		return JPKI_ERR_CHAIN;
	}
	return JPKI_OK;
}

/* Exactly one signingTime signed attribute with one value, within X's validity. */
static enum jpki_err
check_signing_time(CMS_SignerInfo *si, const X509 *x, struct jpki_signer *s)
{
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *at;
	int idx, ty;

	if (jpki_time(X509_get0_notBefore(x), &s->js_not_before) == -1 ||
	    jpki_time(X509_get0_notAfter(x), &s->js_not_after) == -1)
		return JPKI_ERR_PARSE;
	idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	if (idx < 0 || CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, idx) >= 0 ||
	    (attr = CMS_signed_get_attr(si, idx)) == NULL || X509_ATTRIBUTE_count(attr) != 1 ||
	    (at = X509_ATTRIBUTE_get0_type(attr, 0)) == NULL) {
		log_debug("jpki: not exactly one signing time");
		return JPKI_ERR_SIGNING_TIME;
	}
	ty = ASN1_TYPE_get(at);
	if ((ty != V_ASN1_UTCTIME && ty != V_ASN1_GENERALIZEDTIME) ||
	    jpki_time(at->value.asn1_string, &s->js_signing_time) == -1) {
		log_debug("jpki: malformed signing time");
		return JPKI_ERR_SIGNING_TIME;
	}
	if (s->js_signing_time < s->js_not_before || s->js_signing_time > s->js_not_after) {
		log_debug("jpki: signing time outside the certificate's validity");
		return JPKI_ERR_SIGNING_TIME;
	}
	return JPKI_OK;
}

/* Fills the facts of X kept even on failure: fingerprint, serial, issuer. */
static enum jpki_err
signer_facts(const X509 *x, struct jpki_signer *s)
{
	BIGNUM *bn;
	char *hex = NULL;
	unsigned int n = 0;
	enum jpki_err ret = JPKI_ERR_NOMEM;

	if (X509_digest(x, EVP_sha256(), s->js_sha256, &n) != 1 || n != JPKI_SHA256_LEN)
		return JPKI_ERR_NOMEM;
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL ||
	    (hex = BN_bn2hex(bn)) == NULL)
		goto done;
	ret = JPKI_ERR_PARSE;
	if (strlen(hex) >= sizeof(s->js_serial) ||
	    jpki_dn_text(X509_get_issuer_name(x), s->js_issuer, sizeof(s->js_issuer)) == -1)
		goto done;
	memcpy(s->js_serial, hex, strlen(hex) + 1);
	ret = JPKI_OK;
done:
	OPENSSL_free(hex);
	BN_free(bn);
	return ret;
}

/* With content passed in and also embedded, both must be the same bytes. */
static enum jpki_err
check_embedded(CMS_ContentInfo *cms, const uint8_t *content, size_t contentlen)
{
	ASN1_OCTET_STRING **pos;

	if (CMS_is_detached(cms) == 1)
		return JPKI_OK;
	if ((pos = CMS_get0_content(cms)) == NULL || *pos == NULL ||
	    (size_t)ASN1_STRING_length(*pos) != contentlen ||
	    (contentlen > 0 && memcmp(ASN1_STRING_get0_data(*pos), content, contentlen) != 0)) {
		log_debug("jpki: embedded content differs from the content given");
		return JPKI_ERR_SIGNATURE;
	}
	return JPKI_OK;
}

/* CMS_verify over the content (given, or embedded when CONTENT is NULL), in binary mode,
 * with only the operator's CRLs; copies embedded content out when asked. */
static enum jpki_err
check_signature(CMS_ContentInfo *cms, X509_STORE *store, const uint8_t *content,
    size_t contentlen, uint8_t **out, size_t *outlen)
{
	BIO *in = NULL, *mem = NULL;
	char *data = NULL;
	unsigned long e;
	long len;
	enum jpki_err ret = JPKI_ERR_NOMEM;

	if (content != NULL && (in = BIO_new_mem_buf(content, (int)contentlen)) == NULL)
		goto done;
	if (content == NULL && out != NULL && (mem = BIO_new(BIO_s_mem())) == NULL)
		goto done;
	/* CMS_BINARY: no CRLF canonicalisation. CMS_NOCRL: CRLs shipped in the message are
	 * not used. CMS_NO_SIGNER_CERT_VERIFY: the one signer's certificate (the message has
	 * exactly one signer, check_message) was verified a moment ago by jpki_trust_store,
	 * against this very store, root and time: verifying its chain and CRL again would
	 * cost two more RSA operations and check nothing new. Success is exactly 1. */
	if (CMS_verify(cms, NULL, store, in, mem, CMS_BINARY | CMS_NOCRL |
	    CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		e = ERR_peek_last_error();
		ret = ERR_GET_LIB(e) == ERR_LIB_CMS &&
		    ERR_GET_REASON(e) == CMS_R_CERTIFICATE_VERIFY_ERROR ?
		    JPKI_ERR_CHAIN : JPKI_ERR_SIGNATURE;
		jpki_drain_errors("jpki: CMS_verify failed");
		goto done;
	}
	if (mem != NULL) {
		if ((len = BIO_get_mem_data(mem, &data)) < 0 ||
		    (*out = malloc(len > 0 ? (size_t)len : 1)) == NULL)
			goto done;
		if (len > 0)
			memcpy(*out, data, (size_t)len);
		*outlen = (size_t)len;
	}
	ret = JPKI_OK;
done:
	BIO_free(in);
	BIO_free(mem);
	return ret;
}

/* Parse-level checks: SignedData of id-data, content available, one signer. */
static enum jpki_err
check_message(CMS_ContentInfo *cms, const uint8_t *content, size_t contentlen,
    CMS_SignerInfo **sip)
{
	STACK_OF(CMS_SignerInfo) *sis;
	const ASN1_OBJECT *ct;

	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    (ct = CMS_get0_eContentType(cms)) == NULL || OBJ_obj2nid(ct) != NID_pkcs7_data)
		return JPKI_ERR_PARSE;
	if (content == NULL && CMS_is_detached(cms) == 1)
		return JPKI_ERR_PARSE;
	if (content != NULL && contentlen > INT_MAX)
		return JPKI_ERR_PARSE;
	if ((sis = CMS_get0_SignerInfos(cms)) == NULL || sk_CMS_SignerInfo_num(sis) != 1)
		return JPKI_ERR_SIGNERS;
	*sip = sk_CMS_SignerInfo_value(sis, 0);
	return JPKI_OK;
}

/* The certificate checks, in order; fills what they learn into S. */
static enum jpki_err
check_signer(const struct jpki_trust *t, CMS_ContentInfo *cms, CMS_SignerInfo *si,
    time_t now, struct jpki_signer *s, X509 **xp, X509_STORE **storep)
{
	enum jpki_err err;
	X509 *x = NULL;

	/* Finds the signer certificate among those the message carries (no CMS_NOINTERN:
	 * a JPKI signature carries exactly the signer's certificate). */
	if (CMS_set1_signers_certs(cms, NULL, 0) < 0)
		return JPKI_ERR_PARSE;
	CMS_SignerInfo_get0_algs(si, NULL, &x, NULL, NULL);
	if (x == NULL) {
		log_debug("jpki: the message does not carry the signer's certificate");
		return JPKI_ERR_CHAIN;
	}
	*xp = x;
	if ((err = signer_facts(x, s)) != JPKI_OK ||
	    (err = check_cert(x)) != JPKI_OK ||
	    (err = check_signing_time(si, x, s)) != JPKI_OK)
		return err;
	return jpki_trust_store(t, x, now, storep, &s->js_crl_this_update);
}

enum jpki_err
jpki_verify(const struct jpki_trust *t, const uint8_t *sig, size_t siglen,
    const uint8_t *content, size_t contentlen, time_t now, struct jpki_signer *signer,
    uint8_t **out_content, size_t *out_len)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si = NULL;
	X509_STORE *store = NULL;
	X509 *x = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0;
	enum jpki_err ret = JPKI_ERR_PARSE;

	if (signer != NULL)
		memset(signer, 0, sizeof(*signer));
	if (out_content != NULL)
		*out_content = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (t == NULL || signer == NULL || (content == NULL && contentlen != 0))
		return JPKI_ERR_PARSE;
	ERR_clear_error();
	if ((cms = cms_parse(sig, siglen)) == NULL) {
		jpki_drain_errors("jpki: not a CMS message");
		goto done;
	}
	if ((ret = check_message(cms, content, contentlen, &si)) != JPKI_OK ||
	    (ret = check_algs(si)) != JPKI_OK ||
	    (ret = check_signer(t, cms, si, now, signer, &x, &store)) != JPKI_OK ||
	    (content != NULL && (ret = check_embedded(cms, content, contentlen)) != JPKI_OK) ||
	    (ret = check_signature(cms, store, content, contentlen,
	    content == NULL && out_content != NULL ? &out : NULL, &outlen)) != JPKI_OK)
		goto done;
	if (jpki_san_decode(x, signer) == -1) {
		ret = JPKI_ERR_IDENTITY;
		goto done;
	}
	if (out_content != NULL && out != NULL) {
		*out_content = out;
		out = NULL;
		if (out_len != NULL)
			*out_len = outlen;
	}
	ret = JPKI_OK;
done:
	free(out);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return ret;
}
