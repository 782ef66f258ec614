/*
 * crypto/testpki_jpki: the JPKI look-alike of crypto/testpki.h, the same profiles as
 * tests/pki/jpki.sh init / issue / sign: a signing root, card signing certificates with
 * the basic four items as subjectAltName otherNames (research/japan-requirements.md §1.2),
 * CMS SignedData with a card's key. The structures are built with the OpenSSL API rather
 * than from configuration text, so that a person's name or address can never be read as
 * openssl configuration syntax (jpki.sh has to refuse '#', '$', '\' and '"' for that).
 */
#include "crypto/testpki_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Before cms.h, which declares the PEM functions of CMS only when pem.h came first. */
#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "common/str.h"
#include "crypto/jpki.h"
#include "crypto/jpki_san.h"
#include "crypto/tls.h"

#define DAY		86400
#define JL_RSA_BITS	2048
#define JL_CARD_SERIAL0	4096	/* jpki.sh's first card serial */
#define JL_CPS		"https://jpki-test.invalid/cps"
#define JL_O		"JPKI-TEST"
#define JL_OU_SIGN	"JPKI for digital signature"
#define JL_OU_JLIS	"Japan Agency for Local Authority Information Systems"
#define JL_OU_DP	"CRL Distribution Points"
#define JL_IDEOSPACE	"\xe3\x80\x80"	/* U+3000, between family and given name */

/* The identity items as they go into the certificate. */
struct jl_card {
	char	jc_name[JPKI_NAME_MAX];
	char	jc_birth[TESTPKI_BIRTH_MAX];
	char	jc_sex[2];
	char	jc_name_flags[JPKI_FLAGS_MAX];
	char	jc_addr_flags[JPKI_FLAGS_MAX];
};

/* Logs WHAT for BASE with the OpenSSL error queue's last error, drains it; returns -1. */
static int
jl_err(const char *what, const char *base)
{
	char one[256] = "";
	unsigned long e = ERR_peek_last_error();

	if (e != 0)
		ERR_error_string_n(e, one, sizeof(one));
	log_warnx("testpki: %s: %s%s%s", base, what, e != 0 ? ": " : "", one);
	ERR_clear_error();
	return -1;
}

int
testpki_jpki_birth(const char *ymd, char out[TESTPKI_BIRTH_MAX])
{
	/* First days of the eras 1..5 (on a change-over day the new era is named). */
	static const long starts[] = { 18680101, 19120730, 19261225, 19890108, 20190501 };
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char d[9];
	size_t i, j = 0, n;
	int y, m, dd, leap, era = 0;
	long v;

	out[0] = '\0';
	if (ymd == NULL || ((n = strlen(ymd)) != 8 &&
	    (n != 10 || ymd[4] != '-' || ymd[7] != '-')))
		return -1;
	for (i = 0; i < n; i++) {
		if (n == 10 && (i == 4 || i == 7))
			continue;
		if (ymd[i] < '0' || ymd[i] > '9')
			return -1;
		d[j++] = ymd[i];
	}
	d[8] = '\0';
	v = strtol(d, NULL, 10);
	y = (int)(v / 10000);
	m = (int)(v / 100 % 100);
	dd = (int)(v % 100);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1] + (m == 2 && leap))
		return -1;
	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (v >= starts[i])
			era = (int)i + 1;
	(void)snprintf(out, TESTPKI_BIRTH_MAX, "%d%s", era, d);
	return 0;
}

/* "C=JP, O=JPKI-TEST", then when OU2 is not NULL "OU=JPKI for digital signature, OU=OU2",
 * then OU=OU3 and CN=CN when not NULL. */
static X509_NAME *
jl_name(const char *ou2, const char *ou3, const char *cn)
{
	X509_NAME *n;

	if ((n = X509_NAME_new()) == NULL ||
	    testpki_name_add(n, "C", "JP") == -1 ||
	    testpki_name_add(n, "O", JL_O) == -1 ||
	    (ou2 != NULL && testpki_name_add(n, "OU", JL_OU_SIGN) == -1) ||
	    (ou2 != NULL && testpki_name_add(n, "OU", ou2) == -1) ||
	    (ou3 != NULL && testpki_name_add(n, "OU", ou3) == -1) ||
	    (cn != NULL && testpki_name_add(n, "CN", cn) == -1)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

/* A GENERAL_NAMES of the one DirName DN (copied), or NULL. */
static GENERAL_NAMES *
jl_dirname(const X509_NAME *dn)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	X509_NAME *copy = dn != NULL ? X509_NAME_dup(dn) : NULL;

	if (gens == NULL || gn == NULL || copy == NULL)
		goto fail;
	GENERAL_NAME_set0_value(gn, GEN_DIRNAME, copy);
	copy = NULL;
	if (!sk_GENERAL_NAME_push(gens, gn))
		goto fail;
	return gens;
fail:
	X509_NAME_free(copy);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(gens);
	return NULL;
}

/* issuerAltName (NID_issuer_alt_name) or crlDistributionPoints with DirName DN (owned). */
static int
jl_dirname_ext(X509 *x, int nid, X509_NAME *dn)
{
	CRL_DIST_POINTS *dps = NULL;
	GENERAL_NAMES *gens;
	DIST_POINT *dp = NULL;
	int ret = -1;

	gens = jl_dirname(dn);
	X509_NAME_free(dn);
	if (gens == NULL)
		return -1;
	if (nid == NID_issuer_alt_name) {
		ret = testpki_ext_value(x, nid, 0, gens);
		GENERAL_NAMES_free(gens);
		return ret;
	}
	/* JPKI's distribution points are names only (no URL): fullname = the DirName. */
	if ((dps = CRL_DIST_POINTS_new()) == NULL || (dp = DIST_POINT_new()) == NULL ||
	    (dp->distpoint = DIST_POINT_NAME_new()) == NULL)
		goto done;
	dp->distpoint->type = 0;
	dp->distpoint->name.fullname = gens;
	gens = NULL;
	if (!sk_DIST_POINT_push(dps, dp))
		goto done;
	dp = NULL;
	ret = testpki_ext_value(x, NID_crl_distribution_points, 0, dps);
done:
	GENERAL_NAMES_free(gens);
	DIST_POINT_free(dp);
	CRL_DIST_POINTS_free(dps);
	return ret;
}

/* certificatePolicies, critical: the test-card policy with a CPS URI (jpki.sh's). */
static int
jl_policy_ext(X509 *x)
{
	CERTIFICATEPOLICIES *pols = CERTIFICATEPOLICIES_new();
	POLICYINFO *pi = POLICYINFO_new();
	POLICYQUALINFO *q = POLICYQUALINFO_new();
	int ret = -1;

	if (pols == NULL || pi == NULL || q == NULL ||
	    (pi->policyid = OBJ_txt2obj(JPKI_POLICY_SIGN_TEST, 1)) == NULL ||
	    (pi->qualifiers = sk_POLICYQUALINFO_new_null()) == NULL ||
	    (q->pqualid = OBJ_nid2obj(NID_id_qt_cps)) == NULL ||
	    (q->d.cpsuri = ASN1_IA5STRING_new()) == NULL ||
	    ASN1_STRING_set(q->d.cpsuri, JL_CPS, -1) != 1 ||
	    !sk_POLICYQUALINFO_push(pi->qualifiers, q))
		goto done;
	q = NULL;
	if (!sk_POLICYINFO_push(pols, pi))
		goto done;
	pi = NULL;
	ret = testpki_ext_value(x, NID_certificate_policies, 1, pols);
done:
	POLICYQUALINFO_free(q);
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(pols);
	return ret;
}

struct testpki_ca *
testpki_jpki_root_new(const char *dir, const char *base, long serial, time_t now)
{
	EVP_PKEY *key = NULL;
	X509_NAME *name = NULL;
	X509 *x = NULL;
	time_t to = now + (time_t)TESTPKI_CA_DAYS * DAY;

	if (!testpki_base_ok(base) || testpki_mkdir(dir) == -1)
		return NULL;
	if (serial < 1 || serial >= JL_CARD_SERIAL0) {
		log_warnx("testpki: %s: root serial %ld not in 1..%d", base, serial,
		    JL_CARD_SERIAL0 - 1);
		return NULL;
	}
	if ((key = EVP_RSA_gen(JL_RSA_BITS)) == NULL) {
		(void)jl_err("RSA key generation failed", base);
		goto fail;
	}
	/* every generation has this subject: chains are found by key (crypto/jpki_trust.h) */
	if ((name = jl_name(JL_OU_JLIS, NULL, NULL)) == NULL ||
	    (x = testpki_cert_new(NULL, key, name, serial, now - TESTPKI_SLACK, to)) == NULL ||
	    testpki_ext_text(x, NULL, NID_basic_constraints, "critical,CA:TRUE") == -1 ||
	    testpki_ext_text(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign") == -1 ||
	    testpki_ext_text(x, NULL, NID_subject_key_identifier, "hash") == -1 ||
	    jl_dirname_ext(x, NID_crl_distribution_points, X509_NAME_dup(name)) == -1 ||
	    testpki_save(x, key, key, dir, base, NULL) == -1)
		goto fail;
	X509_NAME_free(name);
	return testpki_ca_adopt(dir, base, key, x, 1, JL_CARD_SERIAL0, now, to);
fail:
	X509_NAME_free(name);
	X509_free(x);
	EVP_PKEY_free(key);
	return NULL;
}

/* Substitute flags: GIVEN as is, or NULL: one '0' per character of TEXT (jpki.sh's). */
static int
jl_flags(const char *given, const char *text, char out[JPKI_FLAGS_MAX])
{
	size_t n = 0;

	if (given != NULL)
		return str_copy(out, JPKI_FLAGS_MAX, given);
	if (!jpki_utf8_ok((const uint8_t *)text, strlen(text), &n) || n >= JPKI_FLAGS_MAX)
		return -1;
	memset(out, '0', n);
	out[n] = '\0';
	return 0;
}

/* The card's values of P into C. Returns 0, or -1 (logged) for a value the card cannot
 * carry. */
static int
jl_card_items(const char *base, const struct testpki_person *p, struct jl_card *c)
{
	const char *why = NULL;
	int n;

	memset(c, 0, sizeof(*c));
	if (p->tp_family == NULL || *p->tp_family == '\0' || p->tp_addr == NULL ||
	    *p->tp_addr == '\0')
		why = "family name and address are required";
	else if ((n = snprintf(c->jc_name, sizeof(c->jc_name), "%s%s%s", p->tp_family,
	    p->tp_given != NULL && *p->tp_given != '\0' ? JL_IDEOSPACE : "",
	    p->tp_given != NULL ? p->tp_given : "")) < 0 || (size_t)n >= sizeof(c->jc_name))
		why = "name too long";
	else if (!jpki_utf8_ok((const uint8_t *)c->jc_name, strlen(c->jc_name), NULL) ||
	    !jpki_utf8_ok((const uint8_t *)p->tp_addr, strlen(p->tp_addr), NULL))
		why = "name or address is not UTF-8 without control characters";
	else if (testpki_jpki_birth(p->tp_birth, c->jc_birth) == -1)
		why = "birth date is not a YYYY-MM-DD day";
	else if (p->tp_sex != 'M' && p->tp_sex != 'F' && p->tp_sex != 'U')
		why = "sex is not M, F or U";
	else if (jl_flags(p->tp_name_flags, c->jc_name, c->jc_name_flags) == -1 ||
	    jl_flags(p->tp_addr_flags, p->tp_addr, c->jc_addr_flags) == -1)
		why = "substitute flags too long";
	if (why != NULL) {
		log_warnx("testpki: %s: %s", base, why);
		return -1;
	}
	c->jc_sex[0] = p->tp_sex == 'M' ? '1' : p->tp_sex == 'F' ? '2' : '3';
	return 0;
}

/* Appends otherName JPKI_SAN_ARC.ITEM = [0] EXPLICIT UTF8String VALUE to GENS; an empty
 * VALUE leaves the item out, as in jpki.sh. */
static int
jl_othername(GENERAL_NAMES *gens, int item, const char *value)
{
	char oid[sizeof(JPKI_SAN_ARC) + 4];
	ASN1_OBJECT *obj = NULL;
	ASN1_UTF8STRING *s = NULL;
	ASN1_TYPE *val = NULL;
	GENERAL_NAME *gn = NULL;

	if (*value == '\0')
		return 0;
	(void)snprintf(oid, sizeof(oid), "%s%d", JPKI_SAN_ARC, item);
	if ((obj = OBJ_txt2obj(oid, 1)) == NULL || (val = ASN1_TYPE_new()) == NULL ||
	    (s = ASN1_UTF8STRING_new()) == NULL || ASN1_STRING_set(s, value, -1) != 1 ||
	    (gn = GENERAL_NAME_new()) == NULL)
		goto fail;
	/* OTHERNAME's value is [0] EXPLICIT ANY: the UTF8String goes inside the tag. */
	ASN1_TYPE_set(val, V_ASN1_UTF8STRING, s);
	s = NULL;
	if (GENERAL_NAME_set0_othername(gn, obj, val) != 1)
		goto fail;
	obj = NULL;
	val = NULL;
	if (!sk_GENERAL_NAME_push(gens, gn))
		goto fail;
	return 0;
fail:
	ASN1_OBJECT_free(obj);
	ASN1_UTF8STRING_free(s);
	ASN1_TYPE_free(val);
	GENERAL_NAME_free(gn);
	return -1;
}

/* subjectAltName in the real card's order: .1 name, .4 birth, .3 sex, .5 address,
 * .2 name flags, .6 address flags. */
static int
jl_san(X509 *x, const struct jl_card *c, const char *addr)
{
	GENERAL_NAMES *gens;
	int ret = -1;

	if ((gens = GENERAL_NAMES_new()) == NULL)
		return -1;
	if (jl_othername(gens, 1, c->jc_name) == 0 &&
	    jl_othername(gens, 4, c->jc_birth) == 0 &&
	    jl_othername(gens, 3, c->jc_sex) == 0 &&
	    jl_othername(gens, 5, addr) == 0 &&
	    jl_othername(gens, 2, c->jc_name_flags) == 0 &&
	    jl_othername(gens, 6, c->jc_addr_flags) == 0)
		ret = testpki_ext_value(x, NID_subject_alt_name, 0, gens);
	GENERAL_NAMES_free(gens);
	return ret;
}

/* The card's subject "C=JP, L=PREF, L=CITY, CN=<time of NOW><serial>TEST". */
static X509_NAME *
jl_card_subject(const struct testpki_ca *root, const char *pref, const char *city)
{
	char cn[64];
	struct tm tm;
	X509_NAME *n = NULL;

	if (gmtime_r(&root->tc_now, &tm) == NULL)
		return NULL;
	(void)snprintf(cn, sizeof(cn), "%04d%02d%02d%02d%02d%02d%05ldTEST", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    root->tc_serial % 100000);
	if ((n = X509_NAME_new()) == NULL ||
	    testpki_name_add(n, "C", "JP") == -1 ||
	    testpki_name_add(n, "L", pref) == -1 ||
	    testpki_name_add(n, "L", city) == -1 ||
	    testpki_name_add(n, "CN", cn) == -1) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

/* The card's extensions, in jpki.sh's order. */
static int
jl_card_exts(X509 *x, const struct testpki_ca *root, const struct jl_card *c,
    const struct testpki_person *p, const char *pref, const char *city, const char *base)
{
	if (testpki_ext_text(x, NULL, NID_key_usage,
	    "critical,digitalSignature,nonRepudiation") == -1 ||
	    jl_policy_ext(x) == -1 ||
	    testpki_ext_text(x, NULL, NID_subject_key_identifier, "hash") == -1 ||
	    testpki_ext_text(x, root->tc_cert, NID_authority_key_identifier,
	    "keyid:always") == -1 ||
	    jl_dirname_ext(x, NID_issuer_alt_name, jl_name(NULL, NULL, NULL)) == -1 ||
	    jl_dirname_ext(x, NID_crl_distribution_points,
	    jl_name(JL_OU_DP, pref, city)) == -1 ||
	    jl_san(x, c, p->tp_addr) == -1)
		return jl_err("cannot make the card's extensions", base);
	return 0;
}

int
testpki_jpki_issue(struct testpki_ca *root, const char *base,
    const struct testpki_person *p, char fpr[TESTPKI_FPR_MAX])
{
	const char *pref, *city;
	struct jl_card c;
	EVP_PKEY *key = NULL;
	X509_NAME *subj = NULL;
	X509 *x = NULL;
	time_t to;
	int ret = -1;

	if (root == NULL || !root->tc_jpki || p == NULL) {
		log_warnx("testpki: card: not a JPKI root, or no person");
		return -1;
	}
	if (!testpki_base_ok(base) || !testpki_not_ca(root, base) ||
	    jl_card_items(base, p, &c) == -1)
		return -1;
	pref = p->tp_pref != NULL ? p->tp_pref : "Tokyo-to";
	city = p->tp_city != NULL ? p->tp_city : "Kiyose-shi";
	to = root->tc_now + (time_t)TESTPKI_CARD_DAYS * DAY;
	if (to > root->tc_not_after)
		to = root->tc_not_after;
	if ((key = EVP_RSA_gen(JL_RSA_BITS)) == NULL) {
		(void)jl_err("RSA key generation failed", base);
		goto done;
	}
	if ((subj = jl_card_subject(root, pref, city)) == NULL ||
	    (x = testpki_cert_new(root->tc_cert, key, subj, root->tc_serial,
	    root->tc_now - TESTPKI_SLACK, to)) == NULL ||
	    jl_card_exts(x, root, &c, p, pref, city, base) == -1 ||
	    testpki_save(x, root->tc_key, key, root->tc_dir, base, fpr) == -1)
		goto done;
	root->tc_serial++;
	ret = 0;
done:
	X509_free(x);
	X509_NAME_free(subj);
	EVP_PKEY_free(key);
	return ret;
}

/* Reads card DIR/BASE's certificate and key. Returns 0, or -1 (logged). */
static int
jl_card_load(const char *dir, const char *base, X509 **xp, EVP_PKEY **kp)
{
	char path[PATH_MAX];
	BIO *bio = NULL;

	*xp = NULL;
	*kp = NULL;
	if (dir == NULL) {
		log_warnx("testpki: sign: no directory");
		return -1;
	}
	if (!testpki_base_ok(base) || testpki_path(path, sizeof(path), dir, base, "crt") == -1)
		return -1;
	if ((bio = BIO_new_file(path, "r")) == NULL ||
	    (*xp = PEM_read_bio_X509(bio, NULL, tls_no_passphrase, NULL)) == NULL)
		goto fail;
	BIO_free(bio);
	if (testpki_path(path, sizeof(path), dir, base, "key") == -1 ||
	    (bio = BIO_new_file(path, "r")) == NULL ||
	    (*kp = PEM_read_bio_PrivateKey(bio, NULL, tls_no_passphrase, NULL)) == NULL)
		goto fail;
	BIO_free(bio);
	return 0;
fail:
	BIO_free(bio);
	X509_free(*xp);
	*xp = NULL;
	return jl_err("cannot read the card's certificate or key", path);
}

/* DER of CMS into a malloc'd *OUT. */
static int
jl_der(CMS_ContentInfo *cms, uint8_t **out, size_t *outlen)
{
	unsigned char *p;
	int n;

	if ((n = i2d_CMS_ContentInfo(cms, NULL)) <= 0 || (*out = malloc((size_t)n)) == NULL)
		return -1;
	p = *out;
	if (i2d_CMS_ContentInfo(cms, &p) != n) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*outlen = (size_t)n;
	return 0;
}

int
testpki_jpki_sign(const char *dir, const char *base, const uint8_t *data, size_t len,
    time_t when, int flags, uint8_t **out, size_t *outlen)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	ASN1_TIME *t = NULL;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	BIO *in = NULL;
	unsigned int fl;
	int ret = -1;

	if (out == NULL || outlen == NULL || (data == NULL && len != 0) || len > INT_MAX) {
		log_warnx("testpki: sign: bad arguments");
		return -1;
	}
	*out = NULL;
	*outlen = 0;
	if (jl_card_load(dir, base, &x, &key) == -1)
		return -1;
	/* -binary: the exact bytes; -nosmimecap; detached unless attached */
	fl = CMS_BINARY | ((flags & TESTPKI_SIGN_ATTACHED) ? 0 : CMS_DETACHED);
	if ((in = BIO_new_mem_buf(data != NULL ? data : (const uint8_t *)"", (int)len)) == NULL ||
	    (cms = CMS_sign(NULL, NULL, NULL, NULL, fl | CMS_PARTIAL)) == NULL ||
	    (si = CMS_add1_signer(cms, x, key, EVP_sha256(), CMS_NOSMIMECAP)) == NULL ||
	    (t = ASN1_TIME_set(NULL, when)) == NULL ||
	    /* given here, CMS_final does not put in the current time */
	    CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, ASN1_STRING_type(t), t,
	    -1) != 1 ||
	    CMS_final(cms, in, NULL, fl) != 1 ||
	    jl_der(cms, out, outlen) == -1) {
		(void)jl_err("cannot make the CMS signature", base);
		goto done;
	}
	ret = 0;
done:
	ASN1_TIME_free(t);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	X509_free(x);
	EVP_PKEY_free(key);
	return ret;
}
