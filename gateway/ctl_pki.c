/*
 * gateway/ctl_pki: "hashictl pki key" and "hashictl pki csr": the gateway's own private
 * keys and the PKCS#10 requests the region's CA signs (README, "Certificates"). Files are
 * written through a temporary file in the same directory, so a key is never seen half
 * written or with a mode wider than 0600, and an existing file is never replaced without
 * --force. "pki show" is in ctl_pki_show.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/fdio.h"
#include "common/str.h"
#include "crypto/tls.h"
#include "gateway/config.h"
#include "gateway/ctl.h"
#include "gateway/ctl_pki.h"

#define PKI_DN_MAX	1024	/* a subject as typed, and one attribute value */
#define PKI_MAX_SANS	32
#define PKI_KEY_MAX	(64 * 1024)

/* The arguments of "pki csr". */
struct pki_csr_args {
	const char	*pc_key;
	const char	*pc_subject;	/* NULL = the default of pki_default_subject */
	const char	*pc_out;
	const char	*pc_sans[PKI_MAX_SANS];
	int		 pc_nsans;
	int		 pc_vpn;	/* --for vpn */
	int		 pc_force;
};

/* Writes DATA to PATH with MODE: a temporary file made by mkstemp (O_EXCL, 0600 from
 * the start) in the same directory, synced, then moved into place. Without FORCE the move
 * is link(2), which fails when PATH exists, so nothing is replaced even if PATH appears
 * after the caller's own check; with FORCE it is rename(2). Returns 0, or -1 after
 * printing why (naming PATH). */
static int
pki_write(const char *cmd, const char *path, const void *data, size_t len, mode_t mode,
    int force)
{
	char tmp[4096];
	int fd = -1, have_tmp = 0, ret = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "hashictl: %s: %s: path too long\n", cmd, path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		fprintf(stderr, "hashictl: %s: %s: cannot create a file there: %s\n", cmd,
		    path, strerror(errno));
		return -1;
	}
	have_tmp = 1;
	if (fchmod(fd, mode) == -1 || fdio_write_all(fd, data, len) == -1 || fsync(fd) == -1) {
		fprintf(stderr, "hashictl: %s: %s: %s\n", cmd, tmp, strerror(errno));
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		fprintf(stderr, "hashictl: %s: %s: %s\n", cmd, tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (force) {
		if (rename(tmp, path) == -1) {
			fprintf(stderr, "hashictl: %s: %s: %s\n", cmd, path, strerror(errno));
			goto done;
		}
		have_tmp = 0;
	} else if (link(tmp, path) == -1) {
		if (errno == EEXIST)
			fprintf(stderr, "hashictl: %s: %s exists; not replaced (--force "
			    "replaces it)\n", cmd, path);
		else
			fprintf(stderr, "hashictl: %s: %s: %s\n", cmd, path, strerror(errno));
		goto done;
	}
	ret = 0;
done:
	if (fd != -1)
		close(fd);
	if (have_tmp)
		unlink(tmp);
	return ret;
}

/* Fails early, before any work, when PATH exists and FORCE is not given; pki_write
 * checks again without a window. Returns 0 or -1 after printing why. */
static int
pki_check_absent(const char *cmd, const char *path, int force)
{
	struct stat st;

	if (!force && lstat(path, &st) == 0) {
		fprintf(stderr, "hashictl: %s: %s exists; not replaced (--force replaces it)\n",
		    cmd, path);
		return -1;
	}
	return 0;
}

/* Writes the PEM text BIO holds to PATH (see pki_write), wiping it from memory after:
 * for a private key it is the secret itself. */
static int
pki_write_bio(const char *cmd, const char *path, BIO *bio, mode_t mode, int force)
{
	char *data = NULL;
	long len = BIO_get_mem_data(bio, &data);
	int ret;

	if (len <= 0 || data == NULL) {
		fprintf(stderr, "hashictl: %s: cannot encode: %s\n", cmd, ctl_pki_ossl_reason());
		return -1;
	}
	ret = pki_write(cmd, path, data, (size_t)len, mode, force);
	OPENSSL_cleanse(data, (size_t)len);
	return ret;
}

int
ctl_pki_key(const struct config *cf, int argc, char **argv)
{
	const char *out = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	int i, force = 0, ret = 1;

	(void)cf;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && out == NULL)
			out = argv[++i];
		else if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else {
			fprintf(stderr, "hashictl: pki key: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	if (out == NULL) {
		fprintf(stderr, "hashictl: pki key: -o FILE is required\n");
		return 2;
	}
	if (pki_check_absent("pki key", out, force) == -1)
		return 1;
	/* EC P-256: what TLS 1.3 and IKEv2 peers all accept, and what the test PKI uses */
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (bio = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		fprintf(stderr, "hashictl: pki key: cannot make the key: %s\n",
		    ctl_pki_ossl_reason());
		goto done;
	}
	if (pki_write_bio("pki key", out, bio, 0600, force) == -1)
		goto done;
	printf("%s: new EC P-256 private key (PEM, mode 0600)\n", out);
	ret = 0;
done:
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return ret;
}

/* Checks that PKEY (read from PATH) is a key type the gateways accept and sets *MDP to
 * the digest its requests are signed with. Returns 0, or -1 after printing why. */
static int
pki_key_type(const char *path, EVP_PKEY *pkey, const EVP_MD **mdp)
{
	char group[64] = "";

	if (EVP_PKEY_is_a(pkey, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
		    sizeof(group), NULL) != 1)
			group[0] = '\0';
		if (strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0) {
			*mdp = group[4] == '3' ? EVP_sha384() : EVP_sha256();
			return 0;
		}
		fprintf(stderr, "hashictl: pki csr: %s: EC key on curve %s: the gateways accept "
		    "P-256 (hashictl pki key) or P-384\n", path, group[0] ? group : "?");
		return -1;
	}
	if (EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) >= 2048) {
		*mdp = EVP_sha256();
		return 0;
	}
	fprintf(stderr, "hashictl: pki csr: %s: wrong key type (%s, %d bits): use an EC "
	    "P-256 key (hashictl pki key), P-384 or RSA of 2048 bits or more\n", path,
	    EVP_PKEY_get0_type_name(pkey) != NULL ? EVP_PKEY_get0_type_name(pkey) : "unknown",
	    EVP_PKEY_get_bits(pkey));
	return -1;
}

/* Reads the unencrypted PEM private key at PATH. Returns it (caller frees), or NULL
 * after printing why, naming PATH. */
static EVP_PKEY *
pki_load_key(const char *path, const EVP_MD **mdp)
{
	struct stat st;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 || fstat(fd, &st) == -1) {
		fprintf(stderr, "hashictl: pki csr: cannot read key %s: %s\n", path,
		    strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > PKI_KEY_MAX) {
		fprintf(stderr, "hashictl: pki csr: %s: not a key file\n", path);
		goto done;
	}
	if ((bio = BIO_new_fd(fd, BIO_CLOSE)) == NULL)
		goto done;
	fd = -1;
	ERR_clear_error();
	if ((pkey = PEM_read_bio_PrivateKey(bio, NULL, tls_no_passphrase, NULL)) == NULL) {
		fprintf(stderr, "hashictl: pki csr: %s: not an unencrypted PEM private key "
		    "(%s)\n", path, ctl_pki_ossl_reason());
		goto done;
	}
	if (pki_key_type(path, pkey, mdp) == -1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	} else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		fprintf(stderr, "hashictl: pki csr: warning: %s has mode %04o; hashid refuses "
		    "a key that group or others can access (chmod 600)\n", path,
		    (unsigned)(st.st_mode & 07777));
done:
	if (fd != -1)
		close(fd);
	BIO_free(bio);
	return pkey;
}

/* Asks, in the request, for what the certificate is used for: digitalSignature (TLS 1.3
 * and IKEv2 both sign with the key), for TLS serverAuth and clientAuth (hashid serves and
 * calls peers with one certificate), and the alternative names. CAs may or may not copy
 * requested extensions; pki show tells what the certificate got. Returns 0 or -1. */
static int
pki_req_exts(X509_REQ *req, GENERAL_NAMES *sans, int vpn)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	ASN1_BIT_STRING *ku = NULL;
	EXTENDED_KEY_USAGE *eku = NULL;
	int ret = -1;

	if ((ku = ASN1_BIT_STRING_new()) == NULL || ASN1_BIT_STRING_set_bit(ku, 0, 1) != 1 ||
	    X509V3_add1_i2d(&exts, NID_key_usage, ku, 1, X509V3_ADD_DEFAULT) != 1)
		goto done;
	if (!vpn && ((eku = sk_ASN1_OBJECT_new_null()) == NULL ||
	    sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) <= 0 ||
	    sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)) <= 0 ||
	    X509V3_add1_i2d(&exts, NID_ext_key_usage, eku, 0, X509V3_ADD_DEFAULT) != 1))
		goto done;
	if (sk_GENERAL_NAME_num(sans) > 0 &&
	    X509V3_add1_i2d(&exts, NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT) != 1)
		goto done;
	if (X509_REQ_add_extensions(req, exts) != 1)
		goto done;
	ret = 0;
done:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ASN1_BIT_STRING_free(ku);
	return ret;
}

/* Parses the arguments of "pki csr" into A. Returns 0, or 2 after printing why. */
static int
pki_csr_args(int argc, char **argv, struct pki_csr_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			a->pc_force = 1;
		else if (i + 1 >= argc)
			break;
		else if (strcmp(argv[i], "--key") == 0 && a->pc_key == NULL)
			a->pc_key = argv[++i];
		else if (strcmp(argv[i], "--subject") == 0 && a->pc_subject == NULL)
			a->pc_subject = argv[++i];
		else if (strcmp(argv[i], "-o") == 0 && a->pc_out == NULL)
			a->pc_out = argv[++i];
		else if (strcmp(argv[i], "--san") == 0 && a->pc_nsans < PKI_MAX_SANS)
			a->pc_sans[a->pc_nsans++] = argv[++i];
		else if (strcmp(argv[i], "--for") == 0 && (strcmp(argv[i + 1], "tls") == 0 ||
		    strcmp(argv[i + 1], "vpn") == 0))
			a->pc_vpn = strcmp(argv[++i], "vpn") == 0;
		else
			break;
	}
	if (i < argc) {
		fprintf(stderr, "hashictl: pki csr: bad argument %s\n", argv[i]);
		return 2;
	}
	if (a->pc_key == NULL || a->pc_out == NULL) {
		fprintf(stderr, "hashictl: pki csr: --key FILE and -o FILE are required\n");
		return 2;
	}
	return 0;
}

/* The subject of the request: --subject, else the default. For a VPN certificate it must
 * also be writable as peers' vpn.identity. Returns a new name, or NULL after printing why. */
static X509_NAME *
pki_csr_subject(const struct pki_csr_args *a, GENERAL_NAMES *sans)
{
	char dn[PKI_DN_MAX], *ike = NULL;
	X509_NAME *name = NULL;

	if (a->pc_subject != NULL) {
		if (str_copy(dn, sizeof(dn), a->pc_subject) == -1) {
			fprintf(stderr, "hashictl: pki csr: --subject too long\n");
			return NULL;
		}
	} else if (ctl_pki_default_subject(a->pc_vpn, dn, sizeof(dn), sans) == -1)
		return NULL;
	if ((name = ctl_pki_dn_parse(dn)) == NULL)
		return NULL;
	if (a->pc_vpn && sk_GENERAL_NAME_num(sans) == 0 &&
	    ((ike = ctl_pki_dn_ike(name)) == NULL || !ctl_pki_ike_safe(ike))) {
		fprintf(stderr, "hashictl: pki csr: subject \"%s\" cannot be a VPN identity: "
		    "vpn.identity allows only ASCII letters, digits, spaces and . , = @ : _ + / -;"
		    " set vpn.identity in the configuration or give --subject, e.g. "
		    "--subject \"C=JP, O=Hareyaka-net, CN=okayama-vpn\"\n", dn);
		X509_NAME_free(name);
		name = NULL;
	}
	free(ike);
	return name;
}

/* Builds the request of A signed with PKEY and MD. Returns it, or NULL after printing. */
static X509_REQ *
pki_csr_build(const struct pki_csr_args *a, EVP_PKEY *pkey, const EVP_MD *md)
{
	GENERAL_NAMES *sans = NULL;
	X509_NAME *name = NULL;
	X509_REQ *req = NULL;
	int i, ok = 0;

	if ((sans = sk_GENERAL_NAME_new_null()) == NULL)
		goto done;
	for (i = 0; i < a->pc_nsans; i++)
		if (ctl_pki_san_add(sans, a->pc_sans[i]) == -1)
			goto done;
	if ((name = pki_csr_subject(a, sans)) == NULL)
		goto done;
	ERR_clear_error();
	if ((req = X509_REQ_new()) == NULL || X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 || X509_REQ_set_pubkey(req, pkey) != 1 ||
	    pki_req_exts(req, sans, a->pc_vpn) == -1 || X509_REQ_sign(req, pkey, md) <= 0) {
		fprintf(stderr, "hashictl: pki csr: cannot make the request: %s\n",
		    ctl_pki_ossl_reason());
		goto done;
	}
	ok = 1;
done:
	if (!ok) {
		X509_REQ_free(req);
		req = NULL;
	}
	X509_NAME_free(name);
	GENERAL_NAMES_free(sans);
	return req;
}

int
ctl_pki_csr(const struct config *cf, int argc, char **argv)
{
	struct pki_csr_args a;
	const EVP_MD *md = NULL;
	EVP_PKEY *pkey = NULL;
	X509_REQ *req = NULL;
	BIO *bio = NULL;
	char *subj = NULL;
	int ret;

	(void)cf;
	if ((ret = pki_csr_args(argc, argv, &a)) != 0)
		return ret;
	ret = 1;
	if (pki_check_absent("pki csr", a.pc_out, a.pc_force) == -1 ||
	    (pkey = pki_load_key(a.pc_key, &md)) == NULL ||
	    (req = pki_csr_build(&a, pkey, md)) == NULL)
		goto done;
	if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509_REQ(bio, req) != 1) {
		fprintf(stderr, "hashictl: pki csr: cannot encode: %s\n", ctl_pki_ossl_reason());
		goto done;
	}
	/* a request holds nothing secret: the CA and the operator read it */
	if (pki_write_bio("pki csr", a.pc_out, bio, 0644, a.pc_force) == -1)
		goto done;
	if ((subj = ctl_pki_dn_ike(X509_REQ_get_subject_name(req))) == NULL)
		goto done;
	printf("%s: certificate request (%s) for %s\n", a.pc_out, a.pc_vpn ? "vpn" : "tls",
	    subj);
	ret = 0;
done:
	free(subj);
	BIO_free(bio);
	X509_REQ_free(req);
	EVP_PKEY_free(pkey);
	return ret;
}
