/*
 * Unit tests for crypto/jpki. A JPKI look-alike PKI is made at test time by
 * tests/pki/jpki.sh (found through $HASHI_ROOT, else the current directory) in a mkdtemp
 * directory: two root generations with one subject, a rogue root with that subject too,
 * signing certificates with the basic four items, CMS signatures made by the openssl CLI,
 * revocations and CRLs. CMS messages the CLI cannot make (a chosen signing time) are built
 * here with the OpenSSL API.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "common/log.h"
#include "crypto/jpki.h"
#include "crypto/jpki_san.h"
#include "crypto/tls.h"

/* The default identity jpki.sh writes (UTF-8; U+3000 between family and given name). */
#define NAME_YAMADA	"\xe5\xb1\xb1\xe7\x94\xb0\xe3\x80\x80\xe5\xa4\xaa\xe9\x83\x8e"
#define ADDR_KIYOSE	"東京都清瀬市上清戸二丁目１番１－１０１号"
#define NAME_SATO	"佐藤　花子"
#define ADDR_SATO	"北海道札幌市中央区北一条西二丁目"

static char pki_dir[256];
static char script[512];
static time_t t_revaff, t_revkey;	/* the revocation times given to jpki.sh */
static const char doc[] = "<consent xmlns=\"urn:hashi:consent\">\n  <decision>permit"
    "</decision>\n</consent>\n";

/* DIR/NAME in one of 8 rotating static buffers. */
static const char *
P(const char *name)
{
	static char buf[8][512];
	static int i;
	char *p = buf[i++ % 8];

	assert_true(snprintf(p, sizeof(buf[0]), "%s/%s", pki_dir, name) < (int)sizeof(buf[0]));
	return p;
}

/* Runs "sh jpki.sh DIR ARGS..." (NULL-terminated). Returns 0 when it exits 0. */
static int
jpki_sh(const char *arg, ...)
{
	const char *argv[24];
	va_list ap;
	pid_t pid;
	int n = 0, status;

	argv[n++] = "sh";
	argv[n++] = script;
	argv[n++] = pki_dir;
	va_start(ap, arg);
	for (; arg != NULL && n < 23; arg = va_arg(ap, const char *))
		argv[n++] = arg;
	va_end(ap);
	argv[n] = NULL;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execvp("sh", (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
rm_tree(const char *dir)
{
	struct dirent *de;
	struct stat st;
	char path[768];
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Reads file NAME of the PKI dir (malloc'd, NUL added, length in *LENP). */
static uint8_t *
slurp(const char *name, size_t *lenp)
{
	uint8_t *buf;
	long n;
	FILE *f;

	if ((f = fopen(P(name), "rb")) == NULL)
		fail_msg("cannot open %s", P(name));
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

static void
spew(const char *name, const void *data, size_t len)
{
	FILE *f;

	assert_non_null(f = fopen(P(name), "wb"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Formats T as the YYMMDDHHMMSSZ that "jpki.sh revoke" takes. */
static void
utctime(time_t t, char *buf, size_t sz)
{
	struct tm tm;

	assert_non_null(gmtime_r(&t, &tm));
	assert_int_equal(snprintf(buf, sz, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec), 13);
}

/* Issues the certificates, signs and revokes; see the test for what each one is for. */
static int
pki_make(void)
{
	char taff[16], tkey[16];

	t_revaff = time(NULL) - 3600;
	t_revkey = time(NULL) - 7200;
	utctime(t_revaff, taff, sizeof(taff));
	utctime(t_revkey, tkey, sizeof(tkey));
	spew("doc.xml", doc, strlen(doc));
	if (jpki_sh("init", NULL) ||
	    jpki_sh("issue", "alice", NULL) ||
	    jpki_sh("issue", "bob", "ca=root2", "name=" NAME_SATO, "sex=2", "birth=419900228",
	    "addr=" ADDR_SATO, "pref=Hokkaido", "city=Sapporo-shi", NULL) ||
	    jpki_sh("issue", "weak", "bits=1024", NULL) ||
	    jpki_sh("issue", "nonr", "ku=digitalSignature", NULL) ||
	    jpki_sh("issue", "stranger", "ca=rogue", NULL) ||
	    jpki_sh("issue", "nosan", "san=none", NULL) ||
	    jpki_sh("issue", "nobirth", "birth=", NULL) ||
	    jpki_sh("issue", "badsex", "sex=4", NULL) ||
	    jpki_sh("issue", "baddate", "birth=319800230", NULL) ||
	    jpki_sh("issue", "revaff", NULL) || jpki_sh("issue", "revkey", NULL) ||
	    jpki_sh("revoke", "revaff", "affiliationChanged", taff, NULL) ||
	    jpki_sh("revoke", "revkey", "keyCompromise", tkey, NULL) ||
	    jpki_sh("issue", "osaka", "pref=Osaka-fu", "city=Osaka-shi", NULL) ||
	    jpki_sh("crl", "root1", NULL) ||
	    jpki_sh("crl", "root1", "out=kiyose", "dp=Tokyo-to/Kiyose-shi", NULL) ||
	    jpki_sh("crl", "root1", "out=osakadp", "dp=Osaka-fu/Osaka-shi", NULL) ||
	    jpki_sh("crl", "root2", NULL) ||
	    jpki_sh("crl", "root2", "out=stale2", "lastupdate=200101000000Z",
	    "nextupdate=200201000000Z", NULL) ||
	    jpki_sh("crl", "rogue", NULL))
		return -1;
	return 0;
}

static int
pki_setup(void **state)
{
	const char *root = getenv("HASHI_ROOT");
	const char *tmp = getenv("TMPDIR");

	(void)state;
	if (snprintf(script, sizeof(script), "%s/tests/pki/jpki.sh",
	    root != NULL ? root : ".") >= (int)sizeof(script) ||
	    snprintf(pki_dir, sizeof(pki_dir), "%s/hashi-jpki.XXXXXX",
	    tmp != NULL ? tmp : "/tmp") >= (int)sizeof(pki_dir) || mkdtemp(pki_dir) == NULL)
		return -1;
	if (access(script, R_OK) != 0 || pki_make() == -1) {
		fprintf(stderr, "jpki.sh failed (script %s; set HASHI_ROOT)\n", script);
		rm_tree(pki_dir);
		return -1;
	}
	return 0;
}

static int
pki_teardown(void **state)
{
	(void)state;
	rm_tree(pki_dir);
	return 0;
}

/* A trust with roots.pem (both generations) and the given CRL files (NULL-terminated). */
static struct jpki_trust *
trust(const char *crl, ...)
{
	struct jpki_trust *t;
	uint8_t *data;
	size_t len;
	va_list ap;

	assert_non_null(t = jpki_trust_new());
	assert_int_equal(jpki_trust_add_roots(t, P("roots.pem")), 2);
	va_start(ap, crl);
	for (; crl != NULL; crl = va_arg(ap, const char *)) {
		data = slurp(crl, &len);
		assert_int_equal(jpki_trust_add_crl(t, data, len), 0);
		free(data);
	}
	va_end(ap);
	return t;
}

/* Signs doc.xml as SIGNER with jpki.sh options (NULL-terminated) into OUT. */
static void
sign(const char *signer, const char *out, ...)
{
	const char *o[4] = { NULL, NULL, NULL, NULL };
	va_list ap;
	int i;

	va_start(ap, out);
	for (i = 0; i < 3 && (o[i] = va_arg(ap, const char *)) != NULL; i++)
		;
	va_end(ap);
	assert_int_equal(jpki_sh("sign", signer, P("doc.xml"), P(out), o[0], o[1], o[2],
	    NULL), 0);
}

/* Verifies signature file SIGFILE over CONTENT (NULL: attached) at NOW with T. */
static enum jpki_err
verify_file(const struct jpki_trust *t, const char *sigfile, const char *content,
    size_t contentlen, time_t now, struct jpki_signer *s)
{
	uint8_t *sig;
	size_t len;
	enum jpki_err err;

	sig = slurp(sigfile, &len);
	err = jpki_verify(t, sig, len, (const uint8_t *)content, contentlen, now, s, NULL,
	    NULL);
	free(sig);
	return err;
}

/* Signs doc.xml as SIGNER (detached, DER) and verifies it with T now. */
static enum jpki_err
sign_verify(const struct jpki_trust *t, const char *signer, struct jpki_signer *s)
{
	char out[64];

	snprintf(out, sizeof(out), "%s.doc.cms", signer);
	sign(signer, out, NULL);
	return verify_file(t, out, doc, strlen(doc), time(NULL), s);
}

/* Reads NAME.sha256 (as `openssl x509 -fingerprint -sha256` printed it). */
static void
cli_fingerprint(const char *name, uint8_t out[JPKI_SHA256_LEN])
{
	char file[64], *line;
	size_t len;

	snprintf(file, sizeof(file), "%s.sha256", name);
	line = (char *)slurp(file, &len);
	line[strcspn(line, "\n")] = '\0';
	assert_int_equal(tls_fingerprint_parse(line, out), 0);
	free(line);
}

static void
test_detached_ok(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;
	uint8_t fp[JPKI_SHA256_LEN];
	char file[64], *serial;
	size_t len;
	time_t now = time(NULL);

	(void)state;
	assert_int_equal(sign_verify(t, "alice", &s), JPKI_OK);
	assert_string_equal(s.js_name, NAME_YAMADA);
	assert_string_equal(s.js_name_flags, "00000");
	assert_int_equal(s.js_sex, '1');
	assert_string_equal(s.js_birth, "319801231");
	assert_string_equal(s.js_addr, ADDR_KIYOSE);
	assert_string_equal(s.js_addr_flags, "00000000000000000000");
	cli_fingerprint("alice", fp);
	assert_memory_equal(s.js_sha256, fp, JPKI_SHA256_LEN);
	snprintf(file, sizeof(file), "alice.serial");
	serial = (char *)slurp(file, &len);
	serial[strcspn(serial, "\n")] = '\0';
	assert_string_equal(s.js_serial, serial);
	free(serial);
	assert_string_equal(s.js_issuer, "OU=Japan Agency for Local Authority Information "
	    "Systems,OU=JPKI for digital signature,O=JPKI-TEST,C=JP");
	assert_true(s.js_signing_time >= now - 600 && s.js_signing_time <= now + 5);
	assert_true(s.js_not_before <= s.js_signing_time);
	assert_true(s.js_not_after > now + 300 * 86400);
	assert_int_equal(s.js_crl_this_update, 0);
	jpki_trust_free(t);
}

/* Rewrites the PEM "CMS" label of *SIG to "PKCS7". */
static void
pkcs7_label(uint8_t **sig, size_t *len)
{
	static const char b[] = "-----BEGIN CMS-----", e[] = "-----END CMS-----";
	char *in = (char *)*sig, *end, *out;
	size_t n;

	assert_true(strncmp(in, b, strlen(b)) == 0);
	assert_non_null(end = strstr(in, e));
	n = (size_t)(end - in) - strlen(b);
	assert_non_null(out = malloc(n + 64));
	snprintf(out, n + 64, "-----BEGIN PKCS7-----%.*s-----END PKCS7-----\n", (int)n,
	    in + strlen(b));
	free(*sig);
	*sig = (uint8_t *)out;
	*len = strlen(out);
}

static void
test_attached_ok(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;
	uint8_t *sig, *out = NULL;
	size_t len, outlen = 0;
	char other[sizeof(doc)];

	(void)state;
	sign("alice", "att.pem", "attached", "pem", NULL);
	sig = slurp("att.pem", &len);
	assert_int_equal(jpki_verify(t, sig, len, NULL, 0, time(NULL), &s, &out, &outlen),
	    JPKI_OK);
	assert_int_equal(outlen, strlen(doc));
	assert_memory_equal(out, doc, outlen);
	assert_string_equal(s.js_name, NAME_YAMADA);
	assert_string_equal(s.js_birth, "319801231");
	free(out);
	/* Attached, content also given: the same bytes verify, other bytes do not. */
	assert_int_equal(jpki_verify(t, sig, len, (const uint8_t *)doc, strlen(doc),
	    time(NULL), &s, NULL, NULL), JPKI_OK);
	memcpy(other, doc, sizeof(doc));
	other[1] = 'C';
	assert_int_equal(jpki_verify(t, sig, len, (const uint8_t *)other, strlen(other),
	    time(NULL), &s, NULL, NULL), JPKI_ERR_SIGNATURE);
	/* The older "PKCS7" PEM label (as some JPKI tools write) is read too. */
	pkcs7_label(&sig, &len);
	assert_int_equal(jpki_verify(t, sig, len, NULL, 0, time(NULL), &s, NULL, NULL),
	    JPKI_OK);
	free(sig);
	jpki_trust_free(t);
}

static void
test_edited(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;
	char edited[sizeof(doc)];

	(void)state;
	sign("alice", "edit.cms", NULL);
	memcpy(edited, doc, sizeof(doc));
	memcpy(strstr(edited, "permit"), "denied", 6);
	assert_int_equal(verify_file(t, "edit.cms", edited, strlen(edited), time(NULL), &s),
	    JPKI_ERR_SIGNATURE);
	/* The partial facts are there for the caller's log; the identity is not. */
	assert_string_not_equal(s.js_serial, "");
	assert_string_equal(s.js_name, "");
	/* One byte more or less fails too. */
	assert_int_equal(verify_file(t, "edit.cms", doc, strlen(doc) - 1, time(NULL), &s),
	    JPKI_ERR_SIGNATURE);
	jpki_trust_free(t);
}

/* Canonical CRLF is not applied: the LF document converted to CRLF fails, and a signature
 * over a CRLF document does not cover its LF form. */
static void
test_crlf(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;
	char crlf[2 * sizeof(doc)], lf[sizeof(doc)];
	size_t i, n = 0;

	(void)state;
	for (i = 0; doc[i] != '\0'; i++) {
		if (doc[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = doc[i];
	}
	crlf[n] = '\0';
	sign("alice", "lf.cms", NULL);
	assert_int_equal(verify_file(t, "lf.cms", doc, strlen(doc), time(NULL), &s), JPKI_OK);
	assert_int_equal(verify_file(t, "lf.cms", crlf, n, time(NULL), &s),
	    JPKI_ERR_SIGNATURE);
	spew("crlf.xml", crlf, n);
	assert_int_equal(jpki_sh("sign", "alice", P("crlf.xml"), P("crlf.cms"), NULL), 0);
	assert_int_equal(verify_file(t, "crlf.cms", crlf, n, time(NULL), &s), JPKI_OK);
	memcpy(lf, doc, sizeof(doc));
	assert_int_equal(verify_file(t, "crlf.cms", lf, strlen(lf), time(NULL), &s),
	    JPKI_ERR_SIGNATURE);
	jpki_trust_free(t);
}

static void
test_weak_alg(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;

	(void)state;
	sign("alice", "sha1.cms", "md=sha1", NULL);
	assert_int_equal(verify_file(t, "sha1.cms", doc, strlen(doc), time(NULL), &s),
	    JPKI_ERR_WEAK_ALG);
	sign("alice", "sha512.cms", "md=sha512", NULL);
	assert_int_equal(verify_file(t, "sha512.cms", doc, strlen(doc), time(NULL), &s),
	    JPKI_OK);
	jpki_trust_free(t);
}

static void
test_key_1024(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;

	(void)state;
	assert_int_equal(sign_verify(t, "weak", &s), JPKI_ERR_KEY);
	jpki_trust_free(t);
}

static void
test_two_signers(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;

	(void)state;
	sign("alice", "two.cms", "also=bob", NULL);
	assert_int_equal(verify_file(t, "two.cms", doc, strlen(doc), time(NULL), &s),
	    JPKI_ERR_SIGNERS);
	jpki_trust_free(t);
}

static void
test_no_signing_time(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;

	(void)state;
	sign("alice", "noattr.cms", "noattr", NULL);
	assert_int_equal(verify_file(t, "noattr.cms", doc, strlen(doc), time(NULL), &s),
	    JPKI_ERR_SIGNING_TIME);
	jpki_trust_free(t);
}

/* Signs doc detached as NAME with signing time WHEN (the CLI cannot choose it): CMS_sign
 * with CMS_PARTIAL, signingTime added before CMS_final, which then keeps it. */
static enum jpki_err
verify_signed_at(const struct jpki_trust *t, const char *name, time_t when,
    struct jpki_signer *s)
{
	char file[64];
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	ASN1_TIME *at;
	EVP_PKEY *key;
	X509 *x;
	BIO *b;
	unsigned char *der = NULL;
	int derlen;
	enum jpki_err err;

	snprintf(file, sizeof(file), "%s.crt", name);
	assert_non_null(b = BIO_new_file(P(file), "r"));
	assert_non_null(x = PEM_read_bio_X509(b, NULL, NULL, NULL));
	BIO_free(b);
	snprintf(file, sizeof(file), "%s.key", name);
	assert_non_null(b = BIO_new_file(P(file), "r"));
	assert_non_null(key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL));
	BIO_free(b);
	assert_non_null(cms = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_PARTIAL | CMS_BINARY | CMS_DETACHED));
	assert_non_null(si = CMS_add1_signer(cms, x, key, EVP_sha256(),
	    CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP));
	assert_non_null(at = ASN1_TIME_set(NULL, when));
	assert_int_equal(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime,
	    ASN1_STRING_type(at), at, -1), 1);
	assert_non_null(b = BIO_new_mem_buf(doc, (int)strlen(doc)));
	assert_int_equal(CMS_final(cms, b, NULL, CMS_BINARY | CMS_DETACHED), 1);
	assert_true((derlen = i2d_CMS_ContentInfo(cms, &der)) > 0);
	err = jpki_verify(t, der, (size_t)derlen, (const uint8_t *)doc, strlen(doc),
	    time(NULL), s, NULL, NULL);
	OPENSSL_free(der);
	BIO_free(b);
	ASN1_TIME_free(at);
	CMS_ContentInfo_free(cms);
	EVP_PKEY_free(key);
	X509_free(x);
	return err;
}

static void
test_signing_time_outside(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;
	time_t nb, na, mid;

	(void)state;
	/* The control: the same construction with a time inside the validity verifies. */
	assert_int_equal(sign_verify(t, "alice", &s), JPKI_OK);
	nb = s.js_not_before;
	na = s.js_not_after;
	mid = nb + 60;
	assert_int_equal(verify_signed_at(t, "alice", mid, &s), JPKI_OK);
	assert_int_equal(s.js_signing_time, mid);
	assert_int_equal(verify_signed_at(t, "alice", nb - 86400, &s), JPKI_ERR_SIGNING_TIME);
	assert_int_equal(verify_signed_at(t, "alice", na + 1, &s), JPKI_ERR_SIGNING_TIME);
	/* GeneralizedTime (after 2049) is read too, and is outside as well. */
	assert_int_equal(verify_signed_at(t, "alice", (time_t)2556144000LL, &s),
	    JPKI_ERR_SIGNING_TIME);
	assert_int_equal(s.js_signing_time, (time_t)2556144000LL);
	jpki_trust_free(t);
}

static void
test_chain(void **state)
{
	struct jpki_trust *t = trust(NULL), *t1;
	struct jpki_signer s;

	(void)state;
	/* Another CA, even with the same subject name, is not trusted. */
	assert_int_equal(sign_verify(t, "stranger", &s), JPKI_ERR_CHAIN);
	/* The second generation verifies by key: bob's issuer name is also root1's. */
	assert_int_equal(sign_verify(t, "bob", &s), JPKI_OK);
	assert_string_equal(s.js_name, NAME_SATO);
	assert_int_equal(s.js_sex, '2');
	assert_string_equal(s.js_birth, "419900228");
	assert_string_equal(s.js_addr, ADDR_SATO);
	/* Only generation 1 configured: bob does not chain, alice does. */
	assert_non_null(t1 = jpki_trust_new());
	assert_int_equal(jpki_trust_add_roots(t1, P("root1.crt")), 1);
	assert_int_equal(sign_verify(t1, "bob", &s), JPKI_ERR_CHAIN);
	assert_int_equal(sign_verify(t1, "alice", &s), JPKI_OK);
	/* Generation 2 first, then 1: the order of roots does not matter. */
	jpki_trust_free(t1);
	assert_non_null(t1 = jpki_trust_new());
	assert_int_equal(jpki_trust_add_roots(t1, P("root2.crt")), 1);
	assert_int_equal(jpki_trust_add_roots(t1, P("root1.crt")), 1);
	assert_int_equal(sign_verify(t1, "alice", &s), JPKI_OK);
	assert_int_equal(sign_verify(t1, "bob", &s), JPKI_OK);
	jpki_trust_free(t1);
	/* Verified at a time outside the signer certificate's validity: the chain fails. */
	assert_int_equal(verify_file(t, "alice.doc.cms", doc, strlen(doc),
	    s.js_not_after + 86400, &s), JPKI_ERR_CHAIN);
	assert_int_equal(verify_file(t, "alice.doc.cms", doc, strlen(doc),
	    time(NULL) - 2 * 86400, &s), JPKI_ERR_CHAIN);
	/* No certificate in the message: nothing to chain. */
	sign("alice", "nocerts.cms", "nocerts", NULL);
	assert_int_equal(verify_file(t, "nocerts.cms", doc, strlen(doc), time(NULL), &s),
	    JPKI_ERR_CHAIN);
	jpki_trust_free(t);
}

static void
test_keyusage(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;

	(void)state;
	assert_int_equal(sign_verify(t, "nonr", &s), JPKI_ERR_KEYUSAGE);
	jpki_trust_free(t);
}

static void
test_revoked(void **state)
{
	struct jpki_trust *t = trust("root1.crl", NULL);
	struct jpki_signer s;
	time_t when = 0, now = time(NULL);
	int reason = -1;

	(void)state;
	assert_int_equal(sign_verify(t, "revaff", &s), JPKI_ERR_REVOKED);
	assert_int_equal(jpki_revocation(t, s.js_issuer, s.js_serial, &reason, &when), 1);
	assert_int_equal(reason, JPKI_REASON_AFFILIATION_CHANGED);
	assert_int_equal(when, t_revaff);
	assert_int_equal(sign_verify(t, "revkey", &s), JPKI_ERR_REVOKED);
	assert_int_equal(jpki_revocation(t, s.js_issuer, s.js_serial, &reason, &when), 1);
	assert_int_equal(reason, JPKI_REASON_KEY_COMPROMISE);
	assert_int_equal(when, t_revkey);
	/* Not revoked: verifies with the CRL checked, and is not listed. */
	assert_int_equal(sign_verify(t, "alice", &s), JPKI_OK);
	assert_true(s.js_crl_this_update > now - 600 && s.js_crl_this_update <= now);
	assert_int_equal(jpki_revocation(t, s.js_issuer, s.js_serial, &reason, &when), 0);
	assert_int_equal(jpki_revocation(t, "CN=nobody", s.js_serial, &reason, &when), 0);
	assert_int_equal(jpki_revocation(t, s.js_issuer, "12XZ", &reason, &when), -1);
	assert_int_equal(jpki_revocation(t, s.js_issuer, "", &reason, &when), -1);
	/* Root 2 has no CRL here: its certificates are not checked. */
	assert_int_equal(sign_verify(t, "bob", &s), JPKI_OK);
	assert_int_equal(s.js_crl_this_update, 0);
	jpki_trust_free(t);
}

static void
test_crl_config(void **state)
{
	struct jpki_trust *t;
	struct jpki_signer s;
	uint8_t *data;
	size_t len;

	(void)state;
	/* DER works as well as PEM. */
	t = trust("root1.crl.der", NULL);
	assert_int_equal(sign_verify(t, "revaff", &s), JPKI_ERR_REVOKED);
	jpki_trust_free(t);
	/* A stale CRL for root 2 fails closed. */
	t = trust("stale2.crl", NULL);
	assert_int_equal(sign_verify(t, "bob", &s), JPKI_ERR_CHAIN);
	jpki_trust_free(t);
	/* A fresh CRL of the same scope replaces it; a stale one does not replace a fresh. */
	t = trust("stale2.crl", "root2.crl", NULL);
	assert_int_equal(sign_verify(t, "bob", &s), JPKI_OK);
	assert_true(s.js_crl_this_update > time(NULL) - 600);
	jpki_trust_free(t);
	t = trust("root2.crl", "stale2.crl", NULL);
	assert_int_equal(sign_verify(t, "bob", &s), JPKI_OK);
	jpki_trust_free(t);
	/* The rogue root's CRL (same issuer name) is refused; so is garbage. */
	assert_non_null(t = jpki_trust_new());
	assert_int_equal(jpki_trust_add_roots(t, P("roots.pem")), 2);
	data = slurp("rogue.crl", &len);
	assert_int_equal(jpki_trust_add_crl(t, data, len), -1);
	assert_int_equal(jpki_trust_add_crl(t, data, 10), -1);
	free(data);
	data = slurp("root1.crl.der", &len);
	assert_int_equal(jpki_trust_add_crl(t, data, len - 1), -1);
	assert_int_equal(jpki_trust_add_crl(t, NULL, 0), -1);
	free(data);
	jpki_trust_free(t);
}

/* JPKI partitions CRLs by municipality (issuingDistributionPoint = the certificate's
 * crlDistributionPoints DirName): a certificate whose partition is not configured fails
 * closed, and partitions of one root are kept side by side. */
static void
test_crl_partition(void **state)
{
	struct jpki_trust *t;
	struct jpki_signer s;

	(void)state;
	t = trust("kiyose.crl", NULL);
	assert_int_equal(sign_verify(t, "revaff", &s), JPKI_ERR_REVOKED);
	assert_int_equal(sign_verify(t, "alice", &s), JPKI_OK);
	assert_int_not_equal(s.js_crl_this_update, 0);
	assert_int_equal(sign_verify(t, "osaka", &s), JPKI_ERR_CHAIN);
	jpki_trust_free(t);
	t = trust("kiyose.crl", "osakadp.crl", NULL);
	assert_int_equal(sign_verify(t, "osaka", &s), JPKI_OK);
	assert_int_equal(sign_verify(t, "alice", &s), JPKI_OK);
	assert_int_equal(sign_verify(t, "revkey", &s), JPKI_ERR_REVOKED);
	jpki_trust_free(t);
}

static void
test_garbage(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;
	uint8_t junk[512], *sig, *cert;
	size_t i, len, certlen;

	(void)state;
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(jpki_verify(t, junk, sizeof(junk), (const uint8_t *)doc, strlen(doc),
	    time(NULL), &s, NULL, NULL), JPKI_ERR_PARSE);
	assert_int_equal(jpki_verify(t, junk, 0, NULL, 0, time(NULL), &s, NULL, NULL),
	    JPKI_ERR_PARSE);
	assert_int_equal(jpki_verify(t, (const uint8_t *)"-----BEGIN CMS-----\nAAAA\n", 25,
	    NULL, 0, time(NULL), &s, NULL, NULL), JPKI_ERR_PARSE);
	sign("alice", "g.cms", NULL);
	sig = slurp("g.cms", &len);
	/* Truncated, trailing bytes, and a detached signature without its content. */
	for (i = 1; i < len; i += 97)
		assert_int_equal(jpki_verify(t, sig, i, (const uint8_t *)doc, strlen(doc),
		    time(NULL), &s, NULL, NULL), JPKI_ERR_PARSE);
	assert_int_equal(jpki_verify(t, sig, len, NULL, 0, time(NULL), &s, NULL, NULL),
	    JPKI_ERR_PARSE);
	free(sig);
	/* A certificate is not a CMS message. */
	cert = slurp("alice.crt", &certlen);
	assert_int_equal(jpki_verify(t, cert, certlen, (const uint8_t *)doc, strlen(doc),
	    time(NULL), &s, NULL, NULL), JPKI_ERR_PARSE);
	free(cert);
	assert_int_equal(jpki_verify(NULL, junk, sizeof(junk), NULL, 0, 0, &s, NULL, NULL),
	    JPKI_ERR_PARSE);
	jpki_trust_free(t);
}

static void
test_identity(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;

	(void)state;
	assert_int_equal(sign_verify(t, "nosan", &s), JPKI_ERR_IDENTITY);
	assert_string_equal(s.js_name, "");
	assert_string_not_equal(s.js_serial, "");
	assert_int_equal(sign_verify(t, "nobirth", &s), JPKI_ERR_IDENTITY);
	assert_int_equal(sign_verify(t, "badsex", &s), JPKI_ERR_IDENTITY);
	assert_int_equal(sign_verify(t, "baddate", &s), JPKI_ERR_IDENTITY);
	jpki_trust_free(t);
}

static void
test_policy(void **state)
{
	struct jpki_trust *t = trust(NULL);
	struct jpki_signer s;

	(void)state;
	assert_int_equal(jpki_trust_require_policy(t, JPKI_POLICY_SIGN), 0);
	assert_int_equal(sign_verify(t, "alice", &s), JPKI_ERR_CHAIN);
	assert_int_equal(jpki_trust_require_policy(t, JPKI_POLICY_SIGN_TEST), 0);
	assert_int_equal(sign_verify(t, "alice", &s), JPKI_OK);
	assert_int_equal(jpki_trust_require_policy(t, "not an oid"), -1);
	jpki_trust_free(t);
}

static void
test_roots_config(void **state)
{
	struct jpki_trust *t;

	(void)state;
	assert_non_null(t = jpki_trust_new());
	assert_int_equal(jpki_trust_add_roots(t, P("missing.pem")), -1);
	assert_int_equal(jpki_trust_add_roots(t, P("alice.crt")), -1);
	assert_int_equal(jpki_trust_add_roots(t, P("doc.xml")), -1);
	assert_int_equal(jpki_trust_add_roots(t, P("alice.key")), -1);
	assert_int_equal(jpki_trust_add_roots(t, P("roots.pem")), 2);
	jpki_trust_free(t);
	jpki_trust_free(NULL);
}

static void
test_utf8_and_strerror(void **state)
{
	static const struct {
		const char	*s;
		int		 ok;
		size_t		 n;
	} v[] = {
		{ NAME_YAMADA, 1, 5 }, { "abc", 1, 3 }, { "", 1, 0 },
		{ "\xc0\x80", 0, 0 },		/* overlong NUL */
		{ "\xe0\x80\xaf", 0, 0 },	/* overlong '/' */
		{ "\xed\xa0\x80", 0, 0 },	/* surrogate */
		{ "\xf4\x90\x80\x80", 0, 0 },	/* beyond U+10FFFF */
		{ "\xe5\xb1", 0, 0 },		/* truncated */
		{ "a\tb", 0, 0 }, { "a\x7f", 0, 0 }, { "\xc2\x85", 0, 0 },	/* controls */
		{ "\xf0\x9f\x98\x80", 1, 1 },
	};
	size_t i, n;
	int e;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = 99;
		assert_int_equal(jpki_utf8_ok((const uint8_t *)v[i].s, strlen(v[i].s), &n),
		    v[i].ok);
		if (v[i].ok)
			assert_int_equal(n, v[i].n);
	}
	for (e = JPKI_OK; e <= JPKI_ERR_NOMEM; e++)
		assert_true(strlen(jpki_strerror((enum jpki_err)e)) > 5);
	assert_string_not_equal(jpki_strerror(JPKI_ERR_CHAIN), jpki_strerror(JPKI_ERR_KEY));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detached_ok),
		cmocka_unit_test(test_attached_ok),
		cmocka_unit_test(test_edited),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_weak_alg),
		cmocka_unit_test(test_key_1024),
		cmocka_unit_test(test_two_signers),
		cmocka_unit_test(test_no_signing_time),
		cmocka_unit_test(test_signing_time_outside),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_keyusage),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_crl_config),
		cmocka_unit_test(test_crl_partition),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_roots_config),
		cmocka_unit_test(test_utf8_and_strerror),
	};

	log_init("test_jpki", 1, getenv("HASHI_TEST_VERBOSE") != NULL);
	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
