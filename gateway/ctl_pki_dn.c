/*
 * gateway/ctl_pki_dn: subjects and alternative names for "hashictl pki csr": the DN syntax
 * an operator types, the default subject taken from the configuration, and the two printed
 * forms of a DN that hashid.yaml uses (RFC 2253 for peers[].subject, the IKE form for
 * vpn.identity).
 */
#include "gateway/ctl_pki.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/str.h"
#include "gateway/config.h"
#include "gateway/ctl.h"

#define PKI_DN_MAX	1024	/* one attribute value */

/* Reads one "TYPE=VALUE" of the DN at *PP up to SEP into NAME (backslash escapes the next
 * character; spaces around TYPE and VALUE dropped) and sets *NIDP. Returns 0, or -1 after
 * printing why. */
static int
pki_dn_rdn(const char **pp, char sep, X509_NAME *name, int *nidp)
{
	char type[64], value[PKI_DN_MAX];
	const char *p = *pp, *eq;
	size_t n = 0, keep = 0, tlen;
	int escaped;

	while (*p == ' ')
		p++;
	if ((eq = strchr(p, '=')) == NULL || eq == p || (size_t)(eq - p) >= sizeof(type) ||
	    memchr(p, sep, (size_t)(eq - p)) != NULL) {
		fprintf(stderr, "hashictl: pki csr: bad DN syntax at \"%s\": expected "
		    "TYPE=VALUE\n", p);
		return -1;
	}
	for (tlen = (size_t)(eq - p); tlen > 0 && p[tlen - 1] == ' '; tlen--)
		;
	memcpy(type, p, tlen);
	type[tlen] = '\0';
	for (p = eq + 1; *p == ' '; p++)
		;
	for (; *p != '\0' && *p != sep; p++) {
		if ((escaped = *p == '\\' && p[1] != '\0'))
			p++;
		if (n + 1 >= sizeof(value)) {
			fprintf(stderr, "hashictl: pki csr: DN value of %s too long\n", type);
			return -1;
		}
		value[n++] = *p;
		if (*p != ' ' || escaped)
			keep = n;	/* trailing spaces go, escaped ones stay */
	}
	value[keep] = '\0';
	*pp = *p == sep ? p + 1 : p;
	if ((*nidp = OBJ_txt2nid(type)) == NID_undef) {
		fprintf(stderr, "hashictl: pki csr: bad DN syntax: unknown attribute type "
		    "\"%s\"\n", type);
		return -1;
	}
	ERR_clear_error();
	if (keep == 0 || X509_NAME_add_entry_by_NID(name, *nidp, MBSTRING_UTF8,
	    (const unsigned char *)value, -1, -1, 0) != 1) {
		fprintf(stderr, "hashictl: pki csr: bad DN: value \"%s\" of %s: %s\n", value,
		    type, keep == 0 ? "empty" : ctl_pki_ossl_reason());
		return -1;
	}
	return 0;
}

/* Parses DN, most significant attribute first, as vpn.identity and `openssl req -subj`
 * write it: "C=JP, O=Hashi Test, CN=okayama-gw" or "/C=JP/O=Hashi Test/CN=okayama-gw".
 * Returns a new name (caller frees), or NULL after printing why. */
X509_NAME *
ctl_pki_dn_parse(const char *dn)
{
	X509_NAME *name;
	const char *p = dn;
	char sep = ',';
	int nid = NID_undef, first = NID_undef, n = 0;

	if ((name = X509_NAME_new()) == NULL)
		return NULL;
	if (*p == '/') {
		sep = '/';
		p++;
	}
	while (*p != '\0') {
		if (pki_dn_rdn(&p, sep, name, &nid) == -1)
			goto fail;
		if (n++ == 0)
			first = nid;
	}
	if (n == 0) {
		fprintf(stderr, "hashictl: pki csr: bad DN syntax: \"%s\" is empty\n", dn);
		goto fail;
	}
	/* RFC 2253 (what "subject:" in hashid.yaml holds) runs the other way round */
	if (n > 1 && first == NID_commonName && nid == NID_countryName) {
		fprintf(stderr, "hashictl: pki csr: \"%s\" is in RFC 2253 order (CN first); "
		    "--subject is written most significant first: \"C=.., O=.., CN=..\"\n", dn);
		goto fail;
	}
	return name;
fail:
	X509_NAME_free(name);
	return NULL;
}

/* A DNS name: dot-separated labels of letters, digits and inner hyphens. */
static int
pki_dns_ok(const char *s)
{
	size_t len = strlen(s), lab = 0, i;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i <= len; i++) {
		if (s[i] == '.' || s[i] == '\0') {
			if (lab == 0 || lab > 63 || s[i - 1] == '-')
				return 0;
			lab = 0;
		} else if (isalnum((unsigned char)s[i]) || (s[i] == '-' && lab > 0))
			lab++;
		else
			return 0;
	}
	return 1;
}

static int
pki_is_ip(const char *s)
{
	unsigned char bin[16];

	return inet_pton(AF_INET, s, bin) == 1 || inet_pton(AF_INET6, s, bin) == 1;
}

/* Adds "DNS:NAME" or "IP:ADDRESS" to GENS. Returns 0, or -1 after printing why. */
int
ctl_pki_san_add(GENERAL_NAMES *gens, const char *arg)
{
	GENERAL_NAME *gn = NULL;
	ASN1_IA5STRING *dns = NULL;
	ASN1_OCTET_STRING *ip = NULL;

	if (strncasecmp(arg, "DNS:", 4) == 0 && pki_dns_ok(arg + 4)) {
		if ((dns = ASN1_IA5STRING_new()) == NULL ||
		    ASN1_STRING_set(dns, arg + 4, -1) != 1 || (gn = GENERAL_NAME_new()) == NULL)
			goto fail;
		GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
		dns = NULL;
	} else if (strncasecmp(arg, "IP:", 3) == 0 && (ip = a2i_IPADDRESS(arg + 3)) != NULL) {
		if ((gn = GENERAL_NAME_new()) == NULL)
			goto fail;
		GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
		ip = NULL;
	} else {
		fprintf(stderr, "hashictl: pki csr: bad --san \"%s\": DNS:NAME or IP:ADDRESS "
		    "(numeric IPv4 or IPv6)\n", arg);
		return -1;
	}
	if (sk_GENERAL_NAME_push(gens, gn) > 0)
		return 0;
fail:
	GENERAL_NAME_free(gn);
	ASN1_IA5STRING_free(dns);
	ASN1_OCTET_STRING_free(ip);
	fprintf(stderr, "hashictl: pki csr: out of memory\n");
	return -1;
}

/* Appends S to DN (DNSZ bytes), with a backslash before the characters the DN syntax
 * uses when ESCAPE is set. Returns 0, or -1 when it does not fit. */
static int
pki_dn_append(char *dn, size_t dnsz, const char *s, int escape)
{
	size_t n = strlen(dn);

	for (; *s != '\0'; s++) {
		if (n + 3 >= dnsz)
			return -1;
		if (escape && (*s == ',' || *s == '\\' || *s == '/'))
			dn[n++] = '\\';
		dn[n++] = *s;
	}
	dn[n] = '\0';
	return 0;
}

/* The subject a request gets without --subject (README "Certificates"), written to DN:
 * for --for vpn, vpn.identity when the configuration sets one and it is a DN; otherwise
 * "C=JP, O=<community.name>, CN=<host>-gw" (tls) or "-vpn" (vpn), host being this
 * machine's name up to its first dot. A vpn.identity that is an FQDN, e-mail address or IP
 * address becomes the CN and is added to SANS as the alternative name charon looks for.
 * Returns 0, or -1 after printing why. */
int
ctl_pki_default_subject(int vpn, char *dn, size_t dnsz, GENERAL_NAMES *sans)
{
	struct config *cf;
	const char *id = NULL;
	char host[256], *s, san[300];
	int ret = -1;

	if ((cf = config_load(ctl_config_file, stderr)) == NULL) {
		fprintf(stderr, "hashictl: pki csr: no --subject, and the default subject "
		    "needs the configuration %s (-f FILE)\n", ctl_config_file);
		return -1;
	}
	id = vpn ? cf->cf_vpn_identity : NULL;
	if (id != NULL && strchr(id, '=') != NULL) {
		ret = str_copy(dn, dnsz, id) == 0 ? 0 : -1;
		goto done;
	}
	if (id != NULL && strchr(id, '@') != NULL) {
		fprintf(stderr, "hashictl: pki csr: vpn.identity %s is an e-mail address; "
		    "give --subject and ask the CA for that rfc822Name\n", id);
		goto done;
	}
	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	for (s = host; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
	if (id == NULL && (!pki_dns_ok(host) || strcmp(host, "localhost") == 0)) {
		fprintf(stderr, "hashictl: pki csr: this machine's name \"%s\" cannot name the "
		    "gateway; give --subject\n", host);
		goto done;
	}
	dn[0] = '\0';
	if (pki_dn_append(dn, dnsz, "C=JP, O=", 0) == -1 || pki_dn_append(dn, dnsz,
	    cf->cf_name, 1) == -1 || pki_dn_append(dn, dnsz, ", CN=", 0) == -1 ||
	    pki_dn_append(dn, dnsz, id != NULL ? id : host, 1) == -1 ||
	    (id == NULL && pki_dn_append(dn, dnsz, vpn ? "-vpn" : "-gw", 0) == -1)) {
		fprintf(stderr, "hashictl: pki csr: default subject too long\n");
		goto done;
	}
	if (id != NULL) {
		snprintf(san, sizeof(san), "%s:%s", pki_is_ip(id) ? "IP" : "DNS", id);
		if (ctl_pki_san_add(sans, san) == -1)
			goto done;
	}
	ret = 0;
done:
	config_free(cf);
	return ret;
}


int
ctl_pki_ike_safe(const char *s)
{
	size_t n = strlen(s);

	/* the set of config_vpn.c's check of vpn.identity, which pki must not contradict */
	return n > 0 && n <= 255 && s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
	    "VWXYZ0123456789 .,=@:_+/-")] == '\0' && s[0] != ' ' && s[n - 1] != ' ';
}

/* NAME printed with FLAGS by X509_NAME_print_ex, malloc'd, or NULL. */
static char *
pki_dn_print(const X509_NAME *name, unsigned long flags)
{
	BIO *bio;
	char *data = NULL, *ret = NULL;
	long len;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, flags) >= 0 &&
	    (len = BIO_get_mem_data(bio, &data)) >= 0 &&
	    (len == 0 || memchr(data, '\0', (size_t)len) == NULL))
		ret = len > 0 ? str_ndup(data, (size_t)len) : str_dup("");
	BIO_free(bio);
	return ret;
}

char *
ctl_pki_dn_rfc2253(const X509_NAME *name)
{
	/* the flags of tls_peer_subject (crypto/tls.c), so that the strings compare equal */
	return pki_dn_print(name, XN_FLAG_RFC2253);
}

char *
ctl_pki_dn_ike(const X509_NAME *name)
{
	/* strongSwan's order and separator: "C=JP, O=Hashi Test, CN=okayama-vpn"; UTF-8 left
	 * as it is, for people to read (ctl_pki_ike_safe refuses it anyway) */
	return pki_dn_print(name, (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
	    XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS);
}

const char *
ctl_pki_ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r != NULL ? r : "unknown error";
}
