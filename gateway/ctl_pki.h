/*
 * gateway/ctl_pki: what the "hashictl pki" files share (ctl_pki.c: key and csr;
 * ctl_pki_dn.c: subjects and alternative names; ctl_pki_show.c: show). The commands
 * themselves are declared in gateway/ctl.h. Errors are printed to stderr as
 * "hashictl: pki ...: FILE: reason", as every hashictl command does.
 */
#ifndef HASHI_GATEWAY_CTL_PKI_H
#define HASHI_GATEWAY_CTL_PKI_H

#include <stddef.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Parses DN, written most significant attribute first as vpn.identity and
 * `openssl req -subj` write it: "C=JP, O=Hashi Test, CN=okayama-gw" or
 * "/C=JP/O=Hashi Test/CN=okayama-gw"; a backslash escapes the next character; spaces
 * around types and values are dropped; types are OpenSSL's names (C, ST, L, O, OU, CN,
 * ...) or dotted OIDs; values are UTF-8. The RFC 2253 order (CN first, C last) is refused
 * with a hint, since it would give the reversed subject. Returns a new name (caller frees
 * with X509_NAME_free), or NULL after printing why. */
X509_NAME *ctl_pki_dn_parse(const char *dn);

/* Appends ARG, "DNS:NAME" or "IP:ADDRESS" (numeric IPv4/IPv6), to GENS as a
 * subjectAltName entry. Returns 0, or -1 after printing why. */
int ctl_pki_san_add(GENERAL_NAMES *gens, const char *arg);

/* Writes to DN (DNSZ bytes) the subject "pki csr" uses without --subject, loading
 * ctl_config_file: for a VPN request (VPN != 0) vpn.identity when it is a DN; otherwise
 * "C=JP, O=<community.name>, CN=<host>-gw" ("-vpn" for VPN), host being this machine's
 * name up to its first dot, lower case. A vpn.identity that is a host name or an IP
 * address becomes the CN and is appended to SANS (charon matches it there). Returns 0, or
 * -1 after printing why (no configuration, unusable host name, e-mail identity). */
int ctl_pki_default_subject(int vpn, char *dn, size_t dnsz, GENERAL_NAMES *sans);

/* The characters config_vpn.c accepts in vpn.identity and peers[].vpn.identity (letters,
 * digits, space, . , = @ : _ + / -), at most 255 of them, no space at either end.
 * Returns 1 when S could be written there, else 0. Pure function. */
int ctl_pki_ike_safe(const char *s);

/* Returns NAME printed in the form an IKE identity (vpn.identity) names a DN: most
 * significant RDN first, ", " between RDNs, e.g. "C=JP, O=Hashi Test, CN=okayama-vpn",
 * malloc'd (caller frees); NULL when out of memory. UTF-8 is printed as it is, special
 * characters (, + " \ < > ;) escaped with a backslash: the result may still be unusable as
 * an identity, which ctl_pki_ike_safe tells. */
char *ctl_pki_dn_ike(const X509_NAME *name);

/* Returns NAME in OpenSSL's RFC 2253 form (XN_FLAG_RFC2253), exactly as hashid compares
 * peers[].subject and local_systems[].subject, malloc'd (caller frees); NULL when out of
 * memory. */
char *ctl_pki_dn_rfc2253(const X509_NAME *name);

/* Returns the reason of the newest error in the thread's OpenSSL error queue (a static
 * string, "unknown error" when there is none) and empties the queue. */
const char *ctl_pki_ossl_reason(void);

#endif
