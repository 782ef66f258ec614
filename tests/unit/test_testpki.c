/*
 * Unit tests for crypto/testpki and policy/consent_sign: the test PKIs made in C must be
 * what the project's own checks accept. TLS: the CA and the gateway / client certificates
 * verify with X509_verify_cert for their SSL purposes, load into crypto/tls contexts, and
 * the fingerprint is X509_digest's. JPKI: a card's otherNames decode with crypto/jpki_san
 * to the person's items; a consent signed with it registers through
 * policy_consent_register (crypto/jpki trust with the generated root and the test policy,
 * policy/consent_doc, binding against a real MPI) and decides; a different birth date
 * does not bind; a withdrawal registers as one. All in a mkdtemp directory.
 */
#define _XOPEN_SOURCE 700	/* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/tmpdir.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "common/str.h"
#include "crypto/jpki.h"
#include "crypto/jpki_san.h"
#include "crypto/testpki.h"
#include "crypto/tls.h"
#include "mpi/mpi.h"
#include "policy/consent.h"
#include "policy/consent_sign.h"
#include "policy/decide.h"

#define T0	((time_t)1711936800)	/* 2024-04-01T11:00:00+09:00 */
#define AA	"1.2.392.200119.6.102.33.1"
#define PEER	"urn:oid:1.2.392.200119.6.102.34"
#define PAT1	"P001^^^&" AA "&ISO"
#define PAT2	"P002^^^&" AA "&ISO"
#define NAME_YAMADA	"山田　太郎"
#define ADDR_KIYOSE	"東京都清瀬市上清戸二丁目１番１－１０１号"
#define ROOT_DN	"OU=Japan Agency for Local Authority Information Systems," \
		"OU=JPKI for digital signature,O=JPKI-TEST,C=JP"

static char tmp[256], pki[300];
static char fpr_gw[TESTPKI_FPR_MAX], fpr_ehr[TESTPKI_FPR_MAX];
static struct mpi *m;
static struct consent_store *cs;
static struct testpki_ca *jroot;	/* root1, kept for test_card_variants */

/* TMP/NAME or PKI/NAME in one of 8 rotating buffers. */
static const char *
P(const char *dir, const char *name)
{
	static char buf[8][512];
	static int i;
	char *p = buf[i++ % 8];

	assert_true(snprintf(p, sizeof(buf[0]), "%s/%s", dir, name) < (int)sizeof(buf[0]));
	return p;
}

static X509 *
load_cert(const char *path)
{
	X509 *x;
	FILE *f;

	assert_non_null(f = fopen(path, "r"));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static uint8_t *
slurp(const char *path, size_t *lenp)
{
	uint8_t *buf;
	long n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*lenp = (size_t)n;
	return buf;
}

static int
mode_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return -1;
	return S_ISREG(st.st_mode) ? (int)(st.st_mode & 07777) : -2;
}

static void
put_patient(const char *pid, const char *birth)
{
	struct mpi_patient p;

	memset(&p, 0, sizeof(p));
	str_copy(p.mp_pid, sizeof(p.mp_pid), pid);
	str_copy(p.mp_demog.md_kanji.mn_family, MPI_NAME_MAX, "山田");
	str_copy(p.mp_demog.md_kanji.mn_given, MPI_NAME_MAX, "太郎");
	str_copy(p.mp_demog.md_kana.mn_family, MPI_NAME_MAX, "ヤマダ");
	str_copy(p.mp_demog.md_birth, sizeof(p.mp_demog.md_birth), birth);
	p.mp_demog.md_sex = 'M';
	str_copy(p.mp_demog.md_addr, sizeof(p.mp_demog.md_addr), "東京都清瀬市上清戸2-1-1-101");
	assert_int_equal(mpi_patient_put(m, &p, "test", T0, NULL), MPI_OK);
}

/* The whole PKI once: TLS CA (umask 077: certificates must still be 0644), a gateway, an
 * EHR client, a rogue CA and its gateway; JPKI root1 and Yamada's card. RSA key generation
 * is what takes time under valgrind (some 15 s a key): few roots and cards. */
static int
setup(void **state)
{
	const char *alt[] = { "10.1.2.3", "::1", "gw.okayama.test", NULL };
	struct testpki_person yamada = { "山田", "太郎", "1980-12-31", 'M', ADDR_KIYOSE,
	    NULL, NULL, NULL, NULL };
	struct testpki_ca *ca, *rogue;
	char fpr_rogue[TESTPKI_FPR_MAX];
	mode_t old;
	int ok;

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/hashi-testpki.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmp) == NULL)
		return -1;
	snprintf(pki, sizeof(pki), "%s/pki", tmp);
	old = umask(077);
	ca = testpki_ca_new(pki, "ca", "Hashi Test CA", time(NULL));
	rogue = testpki_ca_new(pki, "rogue-ca", "Hashi Rogue CA", time(NULL));
	jroot = testpki_jpki_root_new(pki, "root1", 1, T0);
	ok = ca != NULL && rogue != NULL && jroot != NULL &&
	    testpki_issue(ca, TESTPKI_GATEWAY, "okayama-gw", alt, fpr_gw) == 0 &&
	    testpki_issue(ca, TESTPKI_CLIENT, "okayama-ehr", NULL, fpr_ehr) == 0 &&
	    testpki_issue(rogue, TESTPKI_GATEWAY, "rogue-gw", NULL, fpr_rogue) == 0 &&
	    testpki_jpki_issue(jroot, "yamada", &yamada, NULL) == 0;
	umask(old);
	testpki_ca_free(ca);
	testpki_ca_free(rogue);
	if (!ok)
		return -1;
	if ((m = mpi_open(P(tmp, "mpi"), 16 << 20, AA)) == NULL ||
	    (cs = consent_store_open(P(tmp, "policy"), 64 << 20)) == NULL)
		return -1;
	put_patient("P001", "19801231");
	put_patient("P002", "19801230");	/* the same but for the birth date */
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	consent_store_close(cs);
	mpi_close(m);
	testpki_ca_free(jroot);
	return tmpdir_remove(tmp);
}

/* X509_verify_cert of LEAF against the CA file only, for PURPOSE. Returns the error. */
static int
verify(const char *leaf, const char *ca, int purpose)
{
	X509_STORE *store;
	X509_STORE_CTX *ctx;
	X509 *x = load_cert(P(pki, leaf)), *c = load_cert(P(pki, ca));
	int err;

	assert_non_null(store = X509_STORE_new());
	assert_int_equal(X509_STORE_add_cert(store, c), 1);
	assert_non_null(ctx = X509_STORE_CTX_new());
	assert_int_equal(X509_STORE_CTX_init(ctx, store, x, NULL), 1);
	assert_int_equal(X509_STORE_CTX_set_purpose(ctx, purpose), 1);
	err = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
	if (err == X509_V_OK)
		assert_int_equal(X509_STORE_CTX_get_error(ctx), X509_V_OK);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(x);
	X509_free(c);
	ERR_clear_error();
	return err;
}

static void
test_tls_chain(void **state)
{
	char subj[256];
	SSL_CTX *s, *c;
	X509 *x;

	(void)state;
	assert_int_equal(verify("okayama-gw.crt", "ca.crt", X509_PURPOSE_SSL_SERVER), X509_V_OK);
	assert_int_equal(verify("okayama-gw.crt", "ca.crt", X509_PURPOSE_SSL_CLIENT), X509_V_OK);
	assert_int_equal(verify("okayama-ehr.crt", "ca.crt", X509_PURPOSE_SSL_CLIENT),
	    X509_V_OK);
	/* a client certificate is no server's; another CA's certificate is nobody's */
	assert_int_equal(verify("okayama-ehr.crt", "ca.crt", X509_PURPOSE_SSL_SERVER),
	    X509_V_ERR_INVALID_PURPOSE);
	assert_int_not_equal(verify("rogue-gw.crt", "ca.crt", X509_PURPOSE_SSL_SERVER), X509_V_OK);
	assert_int_equal(verify("rogue-gw.crt", "rogue-ca.crt", X509_PURPOSE_SSL_SERVER),
	    X509_V_OK);

	x = load_cert(P(pki, "okayama-gw.crt"));
	X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
	assert_string_equal(subj, "/C=JP/O=Hashi Test/CN=okayama-gw");
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "10.1.2.3", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "10.1.2.4", 0), 0);
	assert_int_equal(X509_check_host(x, "gw.okayama.test", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "okayama-gw", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ca(x), 0);
	X509_free(x);

	/* hashid can use them as they are (key mode, key match, PEM forms) */
	s = tls_server_ctx_new(P(pki, "okayama-gw.crt"), P(pki, "okayama-gw.key"),
	    P(pki, "ca.crt"), 0);
	c = tls_client_ctx_new(P(pki, "okayama-ehr.crt"), P(pki, "okayama-ehr.key"),
	    P(pki, "ca.crt"), 0);
	assert_non_null(s);
	assert_non_null(c);
	SSL_CTX_free(s);
	SSL_CTX_free(c);
}

static void
test_tls_fingerprint(void **state)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	uint8_t parsed[TLS_SHA256_LEN], file[TLS_SHA256_LEN];
	char want[TESTPKI_FPR_MAX] = "";
	unsigned int i, n = 0;
	X509 *x;

	(void)state;
	x = load_cert(P(pki, "okayama-gw.crt"));
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	assert_int_equal(n, 32);
	for (i = 0; i < n; i++)
		snprintf(want + 3 * i, sizeof(want) - 3 * i, "%02X%s", md[i], i + 1 < n ? ":" : "");
	X509_free(x);
	assert_string_equal(fpr_gw, want);
	assert_int_equal(strlen(fpr_gw), 95);
	/* the form hashid.yaml's sha256 takes, and the file's own */
	assert_int_equal(tls_fingerprint_parse(fpr_gw, parsed), 0);
	assert_int_equal(tls_cert_file_sha256(P(pki, "okayama-gw.crt"), file), 0);
	assert_memory_equal(parsed, file, TLS_SHA256_LEN);
	assert_memory_equal(parsed, md, TLS_SHA256_LEN);
	assert_string_not_equal(fpr_gw, fpr_ehr);
}

static void
test_files(void **state)
{
	struct testpki_ca *ca;
	char fpr[TESTPKI_FPR_MAX];
	const char *bad_alt[] = { "bad name!", NULL };
	struct testpki_person p = { "山田", "太郎", "1980-12-31", 'M', ADDR_KIYOSE, NULL, NULL,
	    NULL, NULL };
	mode_t old;

	(void)state;
	/* made under umask 077: keys 0600, certificates 0644 all the same */
	assert_int_equal(mode_of(P(pki, "ca.key")), 0600);
	assert_int_equal(mode_of(P(pki, "okayama-gw.key")), 0600);
	assert_int_equal(mode_of(P(pki, "okayama-ehr.key")), 0600);
	assert_int_equal(mode_of(P(pki, "root1.key")), 0600);
	assert_int_equal(mode_of(P(pki, "yamada.key")), 0600);
	assert_int_equal(mode_of(P(pki, "ca.crt")), 0644);
	assert_int_equal(mode_of(P(pki, "okayama-gw.crt")), 0644);
	assert_int_equal(mode_of(P(pki, "yamada.crt")), 0644);

	/* under umask 0 too; an old file's mode or a symbolic link does not survive */
	old = umask(0);
	assert_non_null(ca = testpki_ca_new(P(tmp, "pki2"), "ca", "Second CA", T0));
	assert_int_equal(symlink(P(tmp, "elsewhere"), P(tmp, "pki2/gw.key")), 0);
	assert_int_equal(testpki_issue(ca, TESTPKI_GATEWAY, "gw", NULL, fpr), 0);
	umask(old);
	assert_int_equal(mode_of(P(tmp, "pki2/ca.key")), 0600);
	assert_int_equal(mode_of(P(tmp, "pki2/gw.key")), 0600);
	assert_int_equal(access(P(tmp, "elsewhere"), F_OK), -1);

	/* names that would leave the directory, the CA's own name, bad alternative names */
	assert_int_equal(testpki_issue(ca, TESTPKI_GATEWAY, "../gw", NULL, fpr), -1);
	assert_int_equal(testpki_issue(ca, TESTPKI_GATEWAY, ".hidden", NULL, fpr), -1);
	assert_int_equal(testpki_issue(ca, TESTPKI_GATEWAY, "ca", NULL, fpr), -1);
	assert_int_equal(testpki_issue(ca, TESTPKI_GATEWAY, "gw3", bad_alt, fpr), -1);
	assert_int_equal(testpki_issue(ca, 0, "gw4", NULL, fpr), -1);
	assert_int_equal(access(P(tmp, "pki2/gw3.crt"), F_OK), -1);
	assert_null(testpki_ca_new(P(tmp, "pki2"), "ca2", "", T0));
	/* a TLS CA issues no card */
	assert_int_equal(testpki_jpki_issue(ca, "card", &p, NULL), -1);
	testpki_ca_free(ca);
	testpki_ca_free(NULL);
}

static void
test_birth(void **state)
{
	static const char *const good[][2] = {
		{ "1980-12-31", "319801231" }, { "19801231", "319801231" },
		{ "1912-07-29", "119120729" }, { "1912-07-30", "219120730" },
		{ "1926-12-24", "219261224" }, { "1926-12-25", "319261225" },
		{ "1989-01-07", "319890107" }, { "1989-01-08", "419890108" },
		{ "2019-04-30", "420190430" }, { "2019-05-01", "520190501" },
		{ "2000-02-29", "420000229" }, { "1850-06-01", "018500601" },
	};
	static const char *const bad[] = {
		"1980-02-30", "1900-02-29", "1980-13-01", "1980-00-10", "1980-1-01",
		"1980/12/31", "198012311", "", "abcd-ef-gh", "1980-12-3x",
	};
	char out[TESTPKI_BIRTH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(testpki_jpki_birth(good[i][0], out), 0);
		assert_string_equal(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (testpki_jpki_birth(bad[i], out) != -1)
			fail_msg("\"%s\" accepted as %s", bad[i], out);
		assert_string_equal(out, "");
	}
	assert_int_equal(testpki_jpki_birth(NULL, out), -1);
}

/* The otherName item numbers of X's subjectAltName, in order, as digits. */
static void
san_order(X509 *x, char *out)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	const GENERAL_NAME *gn;
	char oid[64];
	int i;

	assert_non_null(gens);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		gn = sk_GENERAL_NAME_value(gens, i);
		assert_int_equal(gn->type, GEN_OTHERNAME);
		OBJ_obj2txt(oid, sizeof(oid), gn->d.otherName->type_id, 1);
		assert_true(str_has_prefix(oid, JPKI_SAN_ARC));
		*out++ = oid[strlen(JPKI_SAN_ARC)];
	}
	*out = '\0';
	GENERAL_NAMES_free(gens);
}

static void
test_card(void **state)
{
	static const uint8_t name_der[] = { 0xa0, 0x11, 0x0c, 0x0f };	/* [0] { UTF8 15 } */
	struct jpki_signer s;
	char order[8], dn[512], cn[64], *txt;
	unsigned char *der = NULL, *p;
	BIO *b;
	X509 *x;
	int n;

	(void)state;
	x = load_cert(P(pki, "yamada.crt"));
	memset(&s, 0, sizeof(s));
	assert_int_equal(jpki_san_decode(x, &s), 0);
	assert_string_equal(s.js_name, NAME_YAMADA);
	assert_string_equal(s.js_name_flags, "00000");
	assert_int_equal(s.js_sex, '1');
	assert_string_equal(s.js_birth, "319801231");
	assert_string_equal(s.js_addr, ADDR_KIYOSE);
	assert_string_equal(s.js_addr_flags, "00000000000000000000");	/* 20 characters */
	san_order(x, order);
	assert_string_equal(order, "143526");	/* the real card's order */
	/* [0] EXPLICIT UTF8String of exactly the name's bytes (no double encoding) */
	assert_true((n = i2d_X509(x, &der)) > 0);
	for (p = der; p + sizeof(name_der) + 15 <= der + n; p++)
		if (memcmp(p, name_der, sizeof(name_der)) == 0 &&
		    memcmp(p + sizeof(name_der), NAME_YAMADA, 15) == 0)
			break;
	assert_true(p + sizeof(name_der) + 15 <= der + n);
	OPENSSL_free(der);
	/* profile: issuer, subject, keyUsage, serial */
	assert_non_null(b = BIO_new(BIO_s_mem()));
	X509_NAME_print_ex(b, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253);
	n = (int)BIO_get_mem_data(b, &txt);
	snprintf(dn, sizeof(dn), "%.*s", n, txt);
	BIO_free(b);
	assert_string_equal(dn, ROOT_DN);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	assert_string_equal(cn, "2024040102000004096TEST");
	assert_true(X509_get_key_usage(x) & KU_NON_REPUDIATION);
	assert_true(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
	assert_int_equal(ASN1_INTEGER_get(X509_get0_serialNumber(x)), 4096);
	X509_free(x);
}

static void
test_card_variants(void **state)
{
	struct testpki_person p = { "佐藤", "花子", "20190501", 'F', "北海道札幌市中央区北一条西二丁目",
	    "0100", "", "Hokkaido", "Sapporo-shi" };
	struct jpki_signer s;
	X509 *x;

	(void)state;
	assert_int_equal(testpki_jpki_issue(jroot, "hanako", &p, NULL), 0);
	x = load_cert(P(pki, "hanako.crt"));
	memset(&s, 0, sizeof(s));
	assert_int_equal(jpki_san_decode(x, &s), 0);
	assert_string_equal(s.js_name, "佐藤　花子");
	assert_string_equal(s.js_name_flags, "0100");	/* as given */
	assert_string_equal(s.js_addr_flags, "");		/* "" leaves .6 out */
	assert_int_equal(s.js_sex, '2');
	assert_string_equal(s.js_birth, "520190501");
	X509_free(x);
	/* U is JPKI's 3; a name without a given name has no U+3000 */
	p.tp_sex = 'U';
	p.tp_given = NULL;
	p.tp_name_flags = NULL;
	assert_int_equal(testpki_jpki_issue(jroot, "sato", &p, NULL), 0);
	x = load_cert(P(pki, "sato.crt"));
	assert_int_equal(jpki_san_decode(x, &s), 0);
	assert_int_equal(s.js_sex, '3');
	assert_string_equal(s.js_name, "佐藤");
	assert_string_equal(s.js_name_flags, "00");
	X509_free(x);
	/* what a card cannot carry */
	p.tp_sex = 'O';
	assert_int_equal(testpki_jpki_issue(jroot, "x1", &p, NULL), -1);
	p.tp_sex = 'F';
	p.tp_birth = "2019-02-29";
	assert_int_equal(testpki_jpki_issue(jroot, "x2", &p, NULL), -1);
	p.tp_birth = "2019-02-28";
	p.tp_addr = "北海道\n札幌市";
	assert_int_equal(testpki_jpki_issue(jroot, "x3", &p, NULL), -1);
	p.tp_addr = "北海道";
	assert_int_equal(testpki_jpki_issue(jroot, "root1", &p, NULL), -1);
	assert_int_equal(access(P(pki, "x1.crt"), F_OK), -1);
}

/* A grant for PID: PEER, clinical, from 2024-04-01, no end, issued ISSUED. */
static void
grant(struct consent_doc *d, const char *pid, int64_t issued)
{
	memset(d, 0, sizeof(*d));
	d->cd_issued = issued;
	str_copy(d->cd_patient, sizeof(d->cd_patient), pid);
	d->cd_action = CONSENT_GRANT;
	d->cd_nregions = 1;
	str_copy(d->cd_regions[0], MPI_HCID_MAX, PEER);
	d->cd_npurposes = 1;
	str_copy(d->cd_purposes[0], CONSENT_TOKEN_MAX, "clinical");
	assert_int_equal(consent_time_parse("2024-04-01", 1, 0, &d->cd_from), 0);
	d->cd_to = CONSENT_TIME_OPEN;
}

/* Signs D with card CARD into TMP/NAME(.p7s|.p7m) and registers it at NOW. */
static int
sign_register(const struct consent_doc *d, const char *card, const char *name, int flags,
    struct consent_result *res)
{
	uint8_t *doc, *sig;
	size_t doclen, siglen;
	char sigpath[512];
	struct jpki_trust *t;
	int ret;

	assert_int_equal(consent_sign_files(d, pki, card, T0 + 60, flags, P(tmp, name)), 0);
	snprintf(sigpath, sizeof(sigpath), "%s.%s", P(tmp, name),
	    flags & TESTPKI_SIGN_ATTACHED ? "p7m" : "p7s");
	assert_int_equal(mode_of(P(tmp, name)), 0600);
	assert_int_equal(mode_of(sigpath), 0600);
	doc = slurp(P(tmp, name), &doclen);
	sig = slurp(sigpath, &siglen);
	assert_non_null(t = jpki_trust_new());
	assert_int_equal(jpki_trust_add_roots(t, P(pki, "root1.crt")), 1);
	assert_int_equal(jpki_trust_require_policy(t, JPKI_POLICY_SIGN_TEST), 0);
	/* attached: the signature file alone, as `hashictl consent add FILE` */
	if (flags & TESTPKI_SIGN_ATTACHED)
		ret = policy_consent_register(cs, m, t, NULL, 0, sig, siglen, T0 + 120, res);
	else
		ret = policy_consent_register(cs, m, t, doc, doclen, sig, siglen, T0 + 120,
		    res);
	jpki_trust_free(t);
	free(doc);
	free(sig);
	return ret;
}

static void
test_consent(void **state)
{
	struct consent_result res;
	struct consent_doc d;
	struct decision dec;

	(void)state;
	grant(&d, PAT1, T0);
	if (sign_register(&d, "yamada", "c1.xml", 0, &res) != 0)
		fail_msg("refused: %s", res.cr_text);
	assert_int_equal(res.cr_action, CONSENT_GRANT);
	assert_int_equal(decide(cs, PAT1, PEER, "clinical", NULL, T0 + 200, &dec), 0);
	assert_int_equal(dec.d_result, DECIDE_ALLOW);

	/* the same card for a patient born a day earlier: not the signer */
	grant(&d, PAT2, T0);
	assert_int_equal(sign_register(&d, "yamada", "c2.xml", 0, &res), -1);
	assert_int_equal(res.cr_reason, CONSENT_R_BINDING);
	assert_int_equal(res.cr_bind, CONSENT_BIND_BIRTH);
	assert_int_equal(res.cr_bind_diff, CONSENT_BIND_D_BIRTH);

	/* a withdrawal, attached: `hashictl consent add FILE` */
	memset(&d, 0, sizeof(d));
	d.cd_issued = T0 + 30;
	str_copy(d.cd_patient, sizeof(d.cd_patient), PAT1);
	d.cd_action = CONSENT_WITHDRAW;
	if (sign_register(&d, "yamada", "c3.xml", TESTPKI_SIGN_ATTACHED, &res) != 0)
		fail_msg("refused: %s", res.cr_text);
	assert_int_equal(res.cr_action, CONSENT_WITHDRAW);
	assert_int_equal(decide(cs, PAT1, PEER, "clinical", NULL, T0 + 200, &dec), 0);
	assert_int_equal(dec.d_result, DECIDE_DENY);
	assert_int_equal(dec.d_reason, DECIDE_R_WITHDRAWN);
}

/* jpki_verify of TMP/c1.xml(.p7s) with roots ROOTS and required policy POLICY. */
static enum jpki_err
verify_c1(const char *roots, const char *policy, struct jpki_signer *s)
{
	struct jpki_trust *t;
	uint8_t *doc, *sig;
	size_t doclen, siglen;
	enum jpki_err e;

	doc = slurp(P(tmp, "c1.xml"), &doclen);
	sig = slurp(P(tmp, "c1.xml.p7s"), &siglen);
	assert_non_null(t = jpki_trust_new());
	assert_int_equal(jpki_trust_add_roots(t, P(pki, roots)), 1);
	assert_int_equal(jpki_trust_require_policy(t, policy), 0);
	e = jpki_verify(t, sig, siglen, doc, doclen, T0 + 120, s, NULL, NULL);
	jpki_trust_free(t);
	free(doc);
	free(sig);
	return e;
}

static void
test_signature(void **state)
{
	struct jpki_signer s;
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;
	const uint8_t doc[] = "<x/>\r\n";

	(void)state;
	/* test_consent wrote c1.xml */
	assert_int_equal(verify_c1("root1.crt", JPKI_POLICY_SIGN_TEST, &s), JPKI_OK);
	assert_int_equal(s.js_signing_time, T0 + 60);
	assert_string_equal(s.js_issuer, ROOT_DN);
	assert_string_equal(s.js_serial, "1000");
	/* a production trust refuses the test policy */
	assert_int_equal(verify_c1("root1.crt", JPKI_POLICY_SIGN, &s), JPKI_ERR_CHAIN);

	/* deterministic: the same bytes signed at the same time give the same message */
	assert_int_equal(testpki_jpki_sign(pki, "yamada", doc, sizeof(doc) - 1, T0, 0, &a,
	    &alen), 0);
	assert_int_equal(testpki_jpki_sign(pki, "yamada", doc, sizeof(doc) - 1, T0, 0, &b,
	    &blen), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
	assert_int_equal(testpki_jpki_sign(pki, "nobody", doc, 4, T0, 0, &a, &alen), -1);
	assert_null(a);
	assert_int_equal(testpki_jpki_sign(pki, "../pki/yamada", doc, 4, T0, 0, &a, &alen), -1);
}

static void
test_doc(void **state)
{
	struct consent_doc d, p;
	struct consent_doc_error err;
	uint8_t *out;
	size_t len;

	(void)state;
	grant(&d, PAT1, T0 + 1);
	str_copy(d.cd_docid, sizeof(d.cd_docid), "urn:x:a&b<c>");
	d.cd_all_regions = 1;
	d.cd_nregions = 0;
	d.cd_npurposes = 2;
	str_copy(d.cd_purposes[1], CONSENT_TOKEN_MAX, "emergency");
	d.cd_nclasses = 2;
	str_copy(d.cd_classes[0], CONSENT_TOKEN_MAX, "11488-4");
	str_copy(d.cd_classes[1], CONSENT_TOKEN_MAX, "34133-9");
	assert_int_equal(consent_time_parse("2025-03-31", 1, 1, &d.cd_to), 0);
	assert_int_equal(consent_sign_doc(&d, &out, &len), 0);
	assert_int_equal(strlen((char *)out), len);
	assert_non_null(strstr((char *)out, "<issued>2024-04-01T11:00:01+09:00</issued>"));
	assert_non_null(strstr((char *)out, "<from>2024-04-01</from>"));
	assert_non_null(strstr((char *)out, "<to>2025-03-31</to>"));
	assert_non_null(strstr((char *)out, "<allParticipating/>"));
	assert_non_null(strstr((char *)out, "<documentId>urn:x:a&amp;b&lt;c&gt;</documentId>"));
	assert_non_null(strstr((char *)out, "<id>P001</id>"));
	assert_non_null(strstr((char *)out, "<assigningAuthority>" AA "</assigningAuthority>"));
	assert_int_equal(consent_doc_parse(out, len, &p, &err), CDOC_OK);
	assert_int_equal(p.cd_to, d.cd_to);
	assert_int_equal(p.cd_nclasses, 2);
	free(out);

	/* a from within a day is written as a time */
	d.cd_from += 3600;
	assert_int_equal(consent_sign_doc(&d, &out, &len), 0);
	assert_non_null(strstr((char *)out, "<from>2024-04-01T01:00:00+09:00</from>"));
	free(out);

	/* what the schema refuses is refused here */
	d.cd_npurposes = 0;
	assert_int_equal(consent_sign_doc(&d, &out, &len), -1);
	assert_null(out);
	d.cd_npurposes = 1;
	d.cd_to = d.cd_from - 1;
	assert_int_equal(consent_sign_doc(&d, &out, &len), -1);
	d.cd_to = CONSENT_TIME_OPEN;
	str_copy(d.cd_patient, sizeof(d.cd_patient), "P001");
	assert_int_equal(consent_sign_doc(&d, &out, &len), -1);
	str_copy(d.cd_patient, sizeof(d.cd_patient), "P 1^^^&" AA "&ISO");
	assert_int_equal(consent_sign_doc(&d, &out, &len), -1);
	grant(&d, PAT1, T0);
	str_copy(d.cd_purposes[0], CONSENT_TOKEN_MAX, "clinical care");
	assert_int_equal(consent_sign_doc(&d, &out, &len), -1);
	grant(&d, PAT1, T0);
	d.cd_action = 0;
	assert_int_equal(consent_sign_doc(&d, &out, &len), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_chain),
		cmocka_unit_test(test_tls_fingerprint),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_birth),
		cmocka_unit_test(test_card),
		cmocka_unit_test(test_card_variants),
		cmocka_unit_test(test_consent),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_doc),
	};

	log_init("test_testpki", 1, getenv("HASHI_TEST_VERBOSE") != NULL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
