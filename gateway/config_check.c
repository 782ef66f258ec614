/* gateway/config_check: the value checks of the configuration tables (config_int.h). */
#include "gateway/config_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/str.h"
#include "crypto/tls.h"
#include "gateway/config.h"

/* Dotted decimal, no leading zeros, first arc 0..2, second arc < 40 under 0 and 1. */
const char *
config_check_oid(const char *s)
{
	const char *why = "must be an OID (dotted decimal such as 1.2.392.200119.6)";
	const char *p = s;
	size_t arcs = 0, len;

	if (strlen(s) > OID_MAX_LEN)
		return "must be an OID of at most 64 characters";
	for (;;) {
		len = strspn(p, "0123456789");
		if (len == 0 || (len > 1 && p[0] == '0'))
			return why;
		if (arcs == 0 && (len != 1 || p[0] > '2'))
			return why;
		if (arcs == 1 && s[0] != '2' && (len > 2 || atoi(p) > 39))
			return why;
		arcs++;
		p += len;
		if (*p == '\0')
			break;
		if (*p++ != '.')
			return why;
	}
	return arcs >= 2 ? NULL : why;
}

const char *
config_check_hcid(const char *s)
{
	if (!str_has_prefix(s, HCID_PREFIX) || config_check_oid(s + strlen(HCID_PREFIX)))
		return "must be \"urn:oid:\" followed by an OID";
	return NULL;
}

/* Names show up in logs, metrics and generated swanctl sections: keep them plain. */
const char *
config_check_name(const char *s)
{
	if (strlen(s) > NAME_MAX_LEN || s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] != '\0')
		return "must be at most 64 letters, digits, '.', '_' or '-'";
	return NULL;
}

const char *
config_check_address(const char *s)
{
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.:-_%")] != '\0')
		return "must be an IP address or host name";
	return NULL;
}

/* https://host[:port][/path]; no user info, query or fragment. */
const char *
config_check_url(const char *s)
{
	const char *why = "must be an https:// URL with a host, an optional port and path";
	const char *p;
	long long port;
	size_t n;
	char digits[8];

	if (strncasecmp(s, "https://", 8) != 0)
		return why;
	p = s + 8;
	if (*p == '[') {
		n = strspn(p + 1, "0123456789abcdefABCDEF:.");
		if (n == 0 || p[1 + n] != ']')
			return why;
		p += n + 2;
	} else {
		n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (n == 0)
			return why;
		p += n;
	}
	if (*p == ':') {
		n = strspn(p + 1, "0123456789");
		if (n == 0 || n >= sizeof(digits))
			return why;
		memcpy(digits, p + 1, n);
		digits[n] = '\0';
		if (str_to_ll(digits, 1, 65535, &port) == -1)
			return why;
		p += n + 1;
	}
	if (*p != '\0' && *p != '/')
		return why;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '?' || *p == '#')
			return why;
	return NULL;
}

/* Splits a CX "id^^^&oid&ISO" (the only form XDS allows); returns the OID's start and
 * length through OID/OIDLEN, or -1. */
int
config_cx_split(const char *s, const char **oid, size_t *oidlen)
{
	size_t idlen = strcspn(s, "^&~\\|");
	const char *p = s + idlen, *amp;

	if (idlen == 0 || strncmp(p, "^^^&", 4) != 0)
		return -1;
	p += 4;
	if ((amp = strchr(p, '&')) == NULL || strcmp(amp, "&ISO") != 0)
		return -1;
	*oid = p;
	*oidlen = (size_t)(amp - p);
	return 0;
}

const char *
config_check_cx(const char *s)
{
	const char *why = "must be a patient id id^^^&OID&ISO", *oid;
	char buf[OID_MAX_LEN + 1];
	size_t len;

	if (config_cx_split(s, &oid, &len) == -1 || len > OID_MAX_LEN)
		return why;
	memcpy(buf, oid, len);
	buf[len] = '\0';
	return config_check_oid(buf) ? why : NULL;
}

/* 32 hex byte pairs, colons between all pairs or none, either case (crypto/tls's
 * format, so the CLI and the config read fingerprints alike). */
const char *
config_set_sha256(const char *s, void *field)
{
	struct cert_identity *id = field;

	if (tls_fingerprint_parse(s, id->ci_sha256) == -1)
		return "must be a SHA-256 fingerprint (64 hex digits, colons optional)";
	id->ci_has_sha256 = 1;
	return NULL;
}

int
config_print_sha256(const void *field, char *buf, size_t bufsz)
{
	const struct cert_identity *id = field;
	size_t i;

	if (!id->ci_has_sha256 || bufsz < 3 * CONFIG_FPR_LEN)
		return 0;
	for (i = 0; i < CONFIG_FPR_LEN; i++)
		snprintf(buf + 3 * i, bufsz - 3 * i, "%02X%s", id->ci_sha256[i],
		    i + 1 < CONFIG_FPR_LEN ? ":" : "");
	return 1;
}


const char *
config_bool(const char *value, int *out)
{
	if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "on") == 0)
		*out = 1;
	else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
	    strcmp(value, "off") == 0)
		*out = 0;
	else
		return "must be true or false";
	return NULL;
}
