/* crypto/jpki_trust: see jpki_trust.h and crypto/jpki.h. */
#include "crypto/jpki_trust.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "common/str.h"

/* A PEM CRL starts with this after optional white space; anything else is taken as DER. */
static const char pem_begin[] = "-----BEGIN";

void
jpki_drain_errors(const char *what)
{
	struct strbuf sb = { 0 };
	char one[256];
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		/* Keep draining so no stale error is blamed on a later call. */
		if (log_getverbose() < 1 || sb.sb_len > 1024)
			continue;
		ERR_error_string_n(e, one, sizeof(one));
		strbuf_puts(&sb, sb.sb_len > 0 ? "; " : "");
		strbuf_puts(&sb, one);
	}
	log_debug("%s%s%s", what, sb.sb_len > 0 && !sb.sb_failed ? ": " : "",
	    sb.sb_len > 0 && !sb.sb_failed ? sb.sb_data : "");
	strbuf_reset(&sb);
}

int
jpki_dn_text(const X509_NAME *name, char *buf, size_t bufsz)
{
	BIO *bio;
	char *data = NULL;
	long len;
	int ret = -1;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0)
		goto done;
	len = BIO_get_mem_data(bio, &data);
	/* RFC 2253 escaping leaves no NUL, but the text is used as a C string. */
	if (len < 0 || (size_t)len >= bufsz || (len > 0 && memchr(data, '\0', (size_t)len)))
		goto done;
	if (len > 0)
		memcpy(buf, data, (size_t)len);
	buf[len] = '\0';
	ret = 0;
done:
	BIO_free(bio);
	return ret;
}

int
jpki_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

struct jpki_trust *
jpki_trust_new(void)
{
	struct jpki_trust *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->jt_roots = sk_X509_new_null()) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
jpki_trust_free(struct jpki_trust *t)
{
	size_t i;

	if (t == NULL)
		return;
	sk_X509_pop_free(t->jt_roots, X509_free);
	for (i = 0; i < t->jt_ncrls; i++)
		X509_CRL_free(t->jt_crls[i].jc_crl);
	free(t->jt_crls);
	ASN1_OBJECT_free(t->jt_policy);
	free(t);
}

/* Reads every certificate of PEM file PATH into *OUT (a new stack). Returns 0 or -1. */
static int
roots_read(const char *path, STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk;
	BIO *bio;
	X509 *x;
	unsigned long e;
	int ret = -1;

	if ((sk = sk_X509_new_null()) == NULL)
		return -1;
	ERR_clear_error();
	if ((bio = BIO_new_file(path, "r")) == NULL) {
		log_warn("jpki: roots %s", path);
		goto done;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto done;
		}
	}
	/* The loop ends at end of file (no start line) or at a broken certificate. */
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		log_warnx("jpki: roots %s: unreadable PEM certificate", path);
		goto done;
	}
	ret = 0;
done:
	ERR_clear_error();
	BIO_free(bio);
	if (ret == 0)
		*out = sk;
	else
		sk_X509_pop_free(sk, X509_free);
	return ret;
}

int
jpki_trust_add_roots(struct jpki_trust *t, const char *path)
{
	STACK_OF(X509) *sk = NULL;
	X509 *x;
	int i, n, ret = -1;

	if (t == NULL || path == NULL || roots_read(path, &sk) == -1)
		return -1;
	if ((n = sk_X509_num(sk)) == 0) {
		log_warnx("jpki: roots %s: no certificate", path);
		goto done;
	}
	/* A root is a self-signed CA: chains are built to it without PARTIAL_CHAIN. */
	for (i = 0; i < n; i++) {
		x = sk_X509_value(sk, i);
		if (X509_check_ca(x) != 1 || X509_self_signed(x, 1) != 1) {
			log_warnx("jpki: roots %s: certificate %d is not a self-signed CA", path,
			    i + 1);
			goto done;
		}
	}
	while ((x = sk_X509_shift(sk)) != NULL) {
		if (!sk_X509_push(t->jt_roots, x)) {
			X509_free(x);
			goto done;
		}
	}
	ret = n;
done:
	ERR_clear_error();
	sk_X509_pop_free(sk, X509_free);
	return ret;
}

int
jpki_trust_require_policy(struct jpki_trust *t, const char *oid)
{
	ASN1_OBJECT *obj;

	if (t == NULL || oid == NULL || (obj = OBJ_txt2obj(oid, 1)) == NULL) {
		log_warnx("jpki: policy \"%s\" is not a dotted OID", oid != NULL ? oid : "");
		ERR_clear_error();
		return -1;
	}
	ASN1_OBJECT_free(t->jt_policy);
	t->jt_policy = obj;
	return 0;
}

/* Parses a PEM or DER CRL. Returns it (caller frees) or NULL. */
static X509_CRL *
crl_parse(const uint8_t *data, size_t len)
{
	const unsigned char *p = data;
	X509_CRL *crl = NULL;
	BIO *bio;
	size_t i = 0;

	if (data == NULL || len == 0 || len > INT_MAX)
		return NULL;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' ||
	    data[i] == '\n'))
		i++;
	if (len - i >= sizeof(pem_begin) - 1 &&
	    memcmp(data + i, pem_begin, sizeof(pem_begin) - 1) == 0) {
		if ((bio = BIO_new_mem_buf(data, (int)len)) != NULL)
			crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
		return crl;
	}
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	/* Trailing bytes after the DER mean it was not one CRL. */
	if (crl != NULL && p != data + len) {
		X509_CRL_free(crl);
		crl = NULL;
	}
	return crl;
}

/* The DER of CRL's issuingDistributionPoint (its scope), or NULL for a full CRL. */
static const ASN1_OCTET_STRING *
crl_scope(const X509_CRL *crl)
{
	int i = X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1);

	return i < 0 ? NULL : X509_EXTENSION_get_data(X509_CRL_get_ext(crl, i));
}

/* Returns the index of the root whose key signed CRL, or -1. */
static int
crl_root(const struct jpki_trust *t, X509_CRL *crl)
{
	X509 *r;
	int i;

	for (i = 0; i < sk_X509_num(t->jt_roots); i++) {
		r = sk_X509_value(t->jt_roots, i);
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(r)) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(r)) == 1)
			return i;
	}
	return -1;
}

/* Stores CRL (owned) of root ROOT: replaces a CRL of the same root and scope unless that
 * one is newer, else appends. Returns 0 or -1 (CRL still owned by the caller). */
static int
crl_store(struct jpki_trust *t, X509_CRL *crl, int root, const char *issuer)
{
	const ASN1_OCTET_STRING *sc = crl_scope(crl), *old;
	struct jpki_crl *c;
	size_t i;

	for (i = 0; i < t->jt_ncrls; i++) {
		c = &t->jt_crls[i];
		old = crl_scope(c->jc_crl);
		if (c->jc_root != root || (old == NULL) != (sc == NULL) ||
		    (old != NULL && ASN1_STRING_cmp(old, sc) != 0))
			continue;
		if (ASN1_TIME_compare(X509_CRL_get0_lastUpdate(crl),
		    X509_CRL_get0_lastUpdate(c->jc_crl)) < 0) {
			log_info("jpki: kept the newer CRL already configured for %s", issuer);
			X509_CRL_free(crl);
			return 0;
		}
		X509_CRL_free(c->jc_crl);
		c->jc_crl = crl;
		return 0;
	}
	if (t->jt_ncrls == t->jt_capcrls) {
		c = reallocarray(t->jt_crls, t->jt_capcrls + 8, sizeof(*c));
		if (c == NULL)
			return -1;
		t->jt_crls = c;
		t->jt_capcrls += 8;
	}
	c = &t->jt_crls[t->jt_ncrls++];
	c->jc_crl = crl;
	c->jc_root = root;
	(void)str_copy(c->jc_issuer, sizeof(c->jc_issuer), issuer);
	return 0;
}

int
jpki_trust_add_crl(struct jpki_trust *t, const uint8_t *data, size_t len)
{
	X509_CRL *crl = NULL;
	char issuer[JPKI_DN_MAX];
	int root, ret = -1;

	ERR_clear_error();
	if (t == NULL || (crl = crl_parse(data, len)) == NULL) {
		log_warnx("jpki: not a DER or PEM CRL");
		goto done;
	}
	if (jpki_dn_text(X509_CRL_get_issuer(crl), issuer, sizeof(issuer)) == -1) {
		log_warnx("jpki: CRL issuer name unusable");
		goto done;
	}
	if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0) {
		log_warnx("jpki: CRL of %s is a delta CRL: only full CRLs are used", issuer);
		goto done;
	}
	if ((root = crl_root(t, crl)) < 0) {
		log_warnx("jpki: CRL of %s is not signed by a configured root", issuer);
		goto done;
	}
	if (crl_store(t, crl, root, issuer) == -1)
		goto done;
	crl = NULL;
	ret = 0;
done:
	X509_CRL_free(crl);
	ERR_clear_error();
	return ret;
}

int
jpki_revocation(const struct jpki_trust *t, const char *issuer_dn, const char *serial,
    int *reason, time_t *when)
{
	ASN1_INTEGER *sn = NULL;
	ASN1_ENUMERATED *en;
	X509_REVOKED *rev;
	BIGNUM *bn = NULL;
	size_t i;
	long r;
	int ret = -1;

	if (t == NULL || issuer_dn == NULL || serial == NULL || reason == NULL ||
	    when == NULL || *serial == '\0' || strlen(serial) >= JPKI_SERIAL_MAX)
		return -1;
	/* The whole string must be hex: BN_hex2bn returns the number of digits it read. */
	if (BN_hex2bn(&bn, serial) != (int)strlen(serial) ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
		goto done;
	ret = 0;
	for (i = 0; i < t->jt_ncrls; i++) {
		if (strcmp(t->jt_crls[i].jc_issuer, issuer_dn) != 0 ||
		    X509_CRL_get0_by_serial(t->jt_crls[i].jc_crl, &rev, sn) != 1)
			continue;
		if (jpki_time(X509_REVOKED_get0_revocationDate(rev), when) == -1) {
			ret = -1;
			goto done;
		}
		*reason = JPKI_REASON_UNSPECIFIED;
		if ((en = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL)) != NULL) {
			r = ASN1_ENUMERATED_get(en);
			ASN1_ENUMERATED_free(en);
			if (r >= 0 && r <= INT_MAX)
				*reason = (int)r;
		}
		ret = 1;
		break;
	}
done:
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	ERR_clear_error();
	return ret;
}

/* Returns the index of the root whose key signed X, or -1. */
static int
store_issuer(const struct jpki_trust *t, X509 *x)
{
	X509 *r;
	int i;

	for (i = 0; i < sk_X509_num(t->jt_roots); i++) {
		r = sk_X509_value(t->jt_roots, i);
		if (X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(r)) == 0 &&
		    X509_verify(x, X509_get0_pubkey(r)) == 1)
			return i;
	}
	return -1;
}

/* Adds the CRLs of root ROOT to STORE. Returns their count or -1; *NEWEST gets the
 * latest thisUpdate (0 if none). */
static int
store_crls(const struct jpki_trust *t, int root, X509_STORE *store, time_t *newest)
{
	time_t tu;
	size_t i;
	int n = 0;

	*newest = 0;
	for (i = 0; i < t->jt_ncrls; i++) {
		if (t->jt_crls[i].jc_root != root)
			continue;
		if (X509_STORE_add_crl(store, t->jt_crls[i].jc_crl) != 1)
			return -1;
		n++;
		if (jpki_time(X509_CRL_get0_lastUpdate(t->jt_crls[i].jc_crl), &tu) == 0 &&
		    tu > *newest)
			*newest = tu;
	}
	return n;
}

/* Sets the verification parameters of STORE. Returns 0 or -1. */
static int
store_params(const struct jpki_trust *t, X509_STORE *store, time_t now, int crl_check)
{
	X509_VERIFY_PARAM *vp = X509_STORE_get0_param(store);
	STACK_OF(ASN1_OBJECT) *pol = NULL;
	ASN1_OBJECT *obj;
	int ret = -1;

	X509_VERIFY_PARAM_set_time(vp, now);
	/* End entity and root only: JPKI has no intermediate CA. */
	X509_VERIFY_PARAM_set_depth(vp, 0);
	if (crl_check && X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_CRL_CHECK) != 1)
		return -1;
	if (X509_STORE_set_purpose(store, X509_PURPOSE_SMIME_SIGN) != 1)
		return -1;
	if (t->jt_policy == NULL)
		return 0;
	/* The flag is set explicitly, not left to set1_policies (CVE-2023-0466). */
	if ((pol = sk_ASN1_OBJECT_new_null()) == NULL ||
	    (obj = OBJ_dup(t->jt_policy)) == NULL)
		goto done;
	if (!sk_ASN1_OBJECT_push(pol, obj)) {
		ASN1_OBJECT_free(obj);
		goto done;
	}
	if (X509_VERIFY_PARAM_set1_policies(vp, pol) != 1 ||
	    X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_POLICY_CHECK |
	    X509_V_FLAG_EXPLICIT_POLICY) != 1)
		goto done;
	ret = 0;
done:
	sk_ASN1_OBJECT_pop_free(pol, ASN1_OBJECT_free);
	return ret;
}

/* Maps a chain verification error to a result, logging CRL trouble as a warning. */
static enum jpki_err
store_error(int verr, int depth)
{
	const char *why = X509_verify_cert_error_string(verr);

	switch (verr) {
	case X509_V_ERR_CERT_REVOKED:
		log_debug("jpki: signer certificate revoked");
		return JPKI_ERR_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
		log_warnx("jpki: cannot check revocation (%s): configure current CRLs "
		    "covering the certificate", why);
		return JPKI_ERR_CHAIN;
	default:
		log_debug("jpki: chain does not verify at depth %d: %s", depth, why);
		return JPKI_ERR_CHAIN;
	}
}

enum jpki_err
jpki_trust_store(const struct jpki_trust *t, X509 *x, time_t now, X509_STORE **storep,
    time_t *crl_this_update)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	enum jpki_err ret = JPKI_ERR_NOMEM;
	int root, ncrl;

	*storep = NULL;
	*crl_this_update = 0;
	if ((root = store_issuer(t, x)) < 0) {
		log_debug("jpki: no configured root's key signed the signer certificate");
		ret = JPKI_ERR_CHAIN;
		goto done;
	}
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, sk_X509_value(t->jt_roots, root)) != 1 ||
	    (ncrl = store_crls(t, root, store, crl_this_update)) < 0 ||
	    store_params(t, store, now, ncrl > 0) == -1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, x, NULL) != 1)
		goto done;
	if (X509_verify_cert(ctx) != 1) {
		ret = store_error(X509_STORE_CTX_get_error(ctx),
		    X509_STORE_CTX_get_error_depth(ctx));
		goto done;
	}
	*storep = store;
	store = NULL;
	ret = JPKI_OK;
done:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	if (ret != JPKI_OK)
		*crl_this_update = 0;
	return ret;
}
