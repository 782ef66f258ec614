/*
 * gateway/config_int: the value checks of gateway/config's option tables, shared by
 * config.c (tables, cross-field checks) and config_check.c (the checks themselves). Each
 * check returns NULL when the value is acceptable, else a static English reason.
 */
#ifndef HASHI_GATEWAY_CONFIG_INT_H
#define HASHI_GATEWAY_CONFIG_INT_H

#include <stddef.h>

#include "common/conf.h"

#define OID_MAX_LEN	64	/* IHE ITI TF-3: OIDs are at most 64 characters */
#define NAME_MAX_LEN	64
#define HCID_PREFIX	"urn:oid:"

/* Dotted decimal, no leading zeros, first arc 0..2, second arc < 40 under 0 and 1. */
const char *config_check_oid(const char *s);

/* "urn:oid:" and an OID. */
const char *config_check_hcid(const char *s);

/* Names show up in logs, metrics and generated swanctl sections: keep them plain. */
const char *config_check_name(const char *s);

/* A numeric IPv4/IPv6 address or a host name. */
const char *config_check_address(const char *s);

/* https://host[:port][/path]; no user info, query or fragment. */
const char *config_check_url(const char *s);

/* Splits a CX "id^^^&oid&ISO" (the only form XDS allows); returns the OID's start and
 * length through OID/OIDLEN, or -1. */
int config_cx_split(const char *s, const char **oid, size_t *oidlen);

/* A CX "id^^^&oid&ISO" with a non-empty id and an OID. */
const char *config_check_cx(const char *s);

/* 32 hex byte pairs, colons between all pairs or none, either case (crypto/tls's
 * format, so the CLI and the config read fingerprints alike). */
const char *config_set_sha256(const char *s, void *field);

/* Prints the fingerprint of FIELD (a struct cert_identity) as AB:CD:...; 0 when unset. */
int config_print_sha256(const void *field, char *buf, size_t bufsz);

/* A C2SP note verifier key "name+hash+base64" of an Ed25519 key (config_audit.c). */
const char *config_check_vkey(const char *s);

/* Reads VALUE as YAML's true|false|yes|no|on|off into *OUT (1/0), for custom boolean
 * options (which print nothing at their default). Returns NULL or a reason. */
const char *config_bool(const char *value, int *out);

/* An int field holding a TCP port, 1 to 65535; 0 (unset) prints as nothing, so that an
 * optional section without it is left out of config_print. */
const char *config_set_port(const char *value, void *field);
int config_print_port(const void *field, char *buf, size_t bufsz);

/* A numeric IPv4 or IPv6 address (inet_pton), as swanctl and traffic selectors need. */
const char *config_check_ip(const char *s);

/* The audit: section (config_audit.c). */
struct conf_table;
extern const struct conf_table config_audit_table;

/* The vpn: section and a peer's vpn: mapping (config_vpn.c), and their cross-field checks
 * (run after conf_load whenever a document was parsed). */
struct conf;
struct config;
extern const struct conf_table config_vpn_table;
extern const struct conf_table config_vpn_peer_table;
void config_check_vpn(struct conf *c, const struct config *cf);

/* Reports "PATH: message" at the node for PATH (or its closest ancestor). */
#define config_err(c, path, ...)	conf_error_path((c), (path), __VA_ARGS__)

/* Formats a key path into BUF; an empty string when it does not fit (config.c). */
const char *config_path(char *buf, size_t bufsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
