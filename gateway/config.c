/* gateway/config: hashid's schema as common/conf option tables, plus the checks that
 * involve more than one value (uniqueness, identities, the remote registry). */
#include "gateway/config.h"
#include "gateway/config_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/str.h"
#include "crypto/jpki.h"
#include "crypto/tls.h"


_Static_assert(sizeof(enum registry_backend_kind) == sizeof(int), "CONF_ENUM stores an int");

#define OFF(type, member)	offsetof(type, member)
#define KIB	1024LL
#define MIB	(1024 * KIB)
#define GIB	(1024 * MIB)
#define SEC	1000LL
#define MIN	(60 * SEC)

static const struct conf_option community_opts[] = {
	{ .co_key = "name", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_name), .co_doc = "display name (UTF-8)" },
	{ .co_key = "home_community_id", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_hcid), .co_check = config_check_hcid,
	  .co_doc = "our homeCommunityId, urn:oid:<OID>" },
	{ .co_key = "assigning_authority", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_assigning_authority), .co_check = config_check_oid,
	  .co_doc = "OID of the regional patient ids" },
	{ .co_key = "repository_unique_id", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_repository_id), .co_check = config_check_oid,
	  .co_doc = "repositoryUniqueId of the embedded repository" },
	{ .co_key = NULL }
};
static const struct conf_table community_table = { "community", community_opts, 0 };

static const struct conf_option listen_opts[] = {
	{ .co_key = "address", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct listen_addr, la_address), .co_check = config_check_address,
	  .co_doc = "numeric IPv4/IPv6 address or host name to listen on" },
	{ .co_key = "port", .co_type = CONF_INT, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct listen_addr, la_port), .co_width = sizeof(uint16_t),
	  .co_min = 1, .co_max = 65535, .co_doc = "TCP port" },
	{ .co_key = "purpose", .co_type = CONF_STRING, .co_default = "clinical",
	  .co_off = OFF(struct listen_addr, la_purpose), .co_check = config_check_name,
	  .co_doc = "purpose of the requests that arrive here (clinical, emergency, ...)" },
	{ .co_key = NULL }
};
static const struct conf_table listen_table = { "listen", listen_opts,
	sizeof(struct listen_addr) };

static const struct conf_option tls_opts[] = {
	{ .co_key = "certificate", .co_type = CONF_PATH, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_tls_cert), .co_doc = "gateway certificate (PEM)" },
	{ .co_key = "private_key", .co_type = CONF_PATH, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_tls_key), .co_doc = "its private key (PEM)" },
	{ .co_key = "ca", .co_type = CONF_PATH, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_tls_ca), .co_doc = "CA certificates for peers" },
	{ .co_key = "allow_tls12", .co_type = CONF_BOOL, .co_default = "false",
	  .co_off = OFF(struct config, cf_tls_allow_12),
	  .co_doc = "also accept TLS 1.2 (ECDHE+AEAD); TLS 1.3 only when false" },
	{ .co_key = NULL }
};
static const struct conf_table tls_table = { "tls", tls_opts, 0 };

static const struct conf_option limits_opts[] = {
	{ .co_key = "max_body", .co_type = CONF_SIZE, .co_default = "16MiB",
	  .co_off = OFF(struct config, cf_max_body), .co_min = KIB, .co_max = GIB,
	  .co_doc = "bytes of one SOAP/XML request" },
	{ .co_key = "max_mtom_body", .co_type = CONF_SIZE, .co_default = "256MiB",
	  .co_off = OFF(struct config, cf_max_mtom_body), .co_min = KIB, .co_max = 16 * GIB,
	  .co_doc = "bytes of one multipart (MTOM) request" },
	{ .co_key = "max_xml_depth", .co_type = CONF_INT, .co_default = "64",
	  .co_off = OFF(struct config, cf_max_xml_depth), .co_width = sizeof(int),
	  .co_min = 8, .co_max = 1024, .co_doc = "deepest XML element nesting accepted" },
	{ .co_key = "max_connections", .co_type = CONF_INT, .co_default = "1024",
	  .co_off = OFF(struct config, cf_max_connections), .co_width = sizeof(int),
	  .co_min = 1, .co_max = 65536, .co_doc = "concurrent inbound connections" },
	{ .co_key = "tolerate_wsa_mustunderstand", .co_type = CONF_BOOL, .co_default = "false",
	  .co_off = OFF(struct config, cf_tolerate_wsa_mustunderstand),
	  .co_doc = "accept wsa headers marked mustUnderstand (NIST test tool defect)" },
	{ .co_key = NULL }
};
static const struct conf_table limits_table = { "limits", limits_opts, 0 };

static const struct conf_option timeouts_opts[] = {
	{ .co_key = "connect", .co_type = CONF_DURATION, .co_default = "2s",
	  .co_off = OFF(struct config, cf_connect_timeout_ms), .co_min = 1, .co_max = 10 * MIN,
	  .co_doc = "TCP+TLS connect to a peer" },
	{ .co_key = "read", .co_type = CONF_DURATION, .co_default = "5s",
	  .co_off = OFF(struct config, cf_read_timeout_ms), .co_min = 1, .co_max = 10 * MIN,
	  .co_doc = "silence allowed while reading" },
	{ .co_key = "request", .co_type = CONF_DURATION, .co_default = "10s",
	  .co_off = OFF(struct config, cf_request_timeout_ms), .co_min = 1, .co_max = 10 * MIN,
	  .co_doc = "whole request, fan-out included" },
	{ .co_key = "idle", .co_type = CONF_DURATION, .co_default = "60s",
	  .co_off = OFF(struct config, cf_idle_timeout_ms), .co_min = 1, .co_max = 60 * MIN,
	  .co_doc = "keep-alive connection idle time" },
	/* every answer waits for its audit commit at the peer: concurrency per peer, not a
	 * faster peer, is what keeps the throughput up */
	{ .co_key = "pool_size", .co_type = CONF_INT, .co_default = "16",
	  .co_off = OFF(struct config, cf_pool_size), .co_width = sizeof(int),
	  .co_min = 1, .co_max = 64,
	  .co_doc = "connections to one peer at once (kept alive); more requests wait" },
	{ .co_key = NULL }
};
static const struct conf_table timeouts_table = { "timeouts", timeouts_opts, 0 };

static const struct conf_option remote_opts[] = {
	{ .co_key = "registry_url", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_remote_registry_url), .co_check = config_check_url,
	  .co_doc = "XDS.b registry (ITI-18)" },
	{ .co_key = "repository_url", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_remote_repository_url), .co_check = config_check_url,
	  .co_doc = "XDS.b repository (ITI-43)" },
	{ .co_key = NULL }
};
static const struct conf_table remote_table = { "remote", remote_opts, 0 };

static const char *const registry_backends[] = { "embedded", "remote", NULL };

static const struct conf_option registry_opts[] = {
	{ .co_key = "backend", .co_type = CONF_ENUM, .co_default = "embedded",
	  .co_off = OFF(struct config, cf_registry), .co_enum = registry_backends,
	  .co_doc = "embedded (LMDB) or remote (XDS.b)" },
	{ .co_key = "map_size", .co_type = CONF_SIZE, .co_default = "4GiB",
	  .co_off = OFF(struct config, cf_registry_map_size), .co_min = MIB,
	  .co_max = 1024 * GIB, .co_doc = "LMDB map size of the embedded registry" },
	{ .co_key = "remote", .co_type = CONF_MAP, .co_table = &remote_table,
	  .co_doc = "the remote registry; required when backend is remote" },
	{ .co_key = NULL }
};
static const struct conf_table registry_table = { "registry", registry_opts, 0 };

static const struct conf_option mpi_opts[] = {
	{ .co_key = "map_size", .co_type = CONF_SIZE, .co_default = "2GiB",
	  .co_off = OFF(struct config, cf_mpi_map_size), .co_min = MIB,
	  .co_max = 1024 * GIB, .co_doc = "LMDB map size of the MPI (1 M patients: ~1 GiB)" },
	{ .co_key = "discovery", .co_type = CONF_BOOL, .co_default = "true",
	  .co_off = OFF(struct config, cf_mpi_discovery),
	  .co_doc = "ask peers with XCPD (ITI-55) for a patient they have no fresh link for" },
	{ .co_key = "correlation_ttl", .co_type = CONF_DURATION, .co_default = "24h",
	  .co_off = OFF(struct config, cf_mpi_ttl_ms), .co_min = 1000, .co_max = INT_MAX,
	  .co_doc = "how long a discovered link is trusted when the peer states no TTL" },
	{ .co_key = "route_all", .co_type = CONF_BOOL, .co_default = "false",
	  .co_off = OFF(struct config, cf_mpi_route_all),
	  .co_doc = "query every peer, linked or not (with the local id when unlinked)" },
	{ .co_key = NULL }
};
static const struct conf_table mpi_table = { "mpi", mpi_opts, 0 };

static const struct conf_option consent_opts[] = {
	{ .co_key = "jpki_roots", .co_type = CONF_PATH,
	  .co_off = OFF(struct config, cf_consent_jpki_roots),
	  .co_doc = "PEM file with every JPKI signing root generation; absent = no consents" },
	{ .co_key = "map_size", .co_type = CONF_SIZE, .co_default = "256MiB",
	  .co_off = OFF(struct config, cf_consent_map_size), .co_min = MIB,
	  .co_max = 1024 * GIB, .co_doc = "LMDB map size of the consent store" },
	{ .co_key = "policy_oid", .co_type = CONF_STRING, .co_default = JPKI_POLICY_SIGN,
	  .co_off = OFF(struct config, cf_consent_policy_oid), .co_check = config_check_oid,
	  .co_doc = "certificate policy a signer's chain must carry (test cards: ...0.20)" },
	{ .co_key = "required", .co_type = CONF_BOOL, .co_default = "true",
	  .co_off = OFF(struct config, cf_consent_required),
	  .co_doc = "peers get a patient's records only with the patient's consent" },
	{ .co_key = "emergency", .co_type = CONF_BOOL, .co_default = "false",
	  .co_off = OFF(struct config, cf_consent_emergency),
	  .co_doc = "break-glass without consent for requests on emergency listeners" },
	{ .co_key = NULL }
};
static const struct conf_table consent_table = { "consent", consent_opts, 0 };

static const struct conf_option local_opts[] = {
	{ .co_key = "name", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct local_system, ls_name), .co_check = config_check_name,
	  .co_doc = "name used in logs and audit" },
	{ .co_key = "subject", .co_type = CONF_STRING,
	  .co_off = OFF(struct local_system, ls_id.ci_subject),
	  .co_doc = "certificate subject, RFC 2253 form" },
	{ .co_key = "sha256", .co_type = CONF_CUSTOM,
	  .co_off = OFF(struct local_system, ls_id), .co_set = config_set_sha256,
	  .co_print = config_print_sha256, .co_doc = "certificate SHA-256 fingerprint" },
	{ .co_key = NULL }
};
static const struct conf_table local_table = { "local_systems", local_opts,
	sizeof(struct local_system) };

static const struct conf_option map_opts[] = {
	{ .co_key = "local", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct patient_map, pm_local), .co_check = config_check_cx,
	  .co_doc = "our patient id, id^^^&OID&ISO" },
	{ .co_key = "remote", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct patient_map, pm_remote), .co_check = config_check_cx,
	  .co_doc = "the peer's id for the same patient" },
	{ .co_key = NULL }
};
static const struct conf_table map_table = { "patient_map", map_opts,
	sizeof(struct patient_map) };

static const struct conf_option purpose_opts[] = {
	{ .co_key = "name", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer_purpose, pp_name), .co_check = config_check_name,
	  .co_doc = "the purpose, e.g. emergency" },
	{ .co_key = "query_url", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer_purpose, pp_query_url), .co_check = config_check_url,
	  .co_doc = "its ITI-38 / ITI-55 endpoint for that purpose" },
	{ .co_key = "retrieve_url", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer_purpose, pp_retrieve_url), .co_check = config_check_url,
	  .co_doc = "its ITI-39 endpoint for that purpose" },
	{ .co_key = "inner_address", .co_type = CONF_STRING,
	  .co_off = OFF(struct peer_purpose, pp_inner), .co_check = config_check_ip,
	  .co_doc = "its inner address for that purpose (needs peers[].vpn)" },
	{ .co_key = NULL }
};
static const struct conf_table purpose_table = { "purposes", purpose_opts,
	sizeof(struct peer_purpose) };

static const struct conf_option peer_opts[] = {
	{ .co_key = "name", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer, pr_name), .co_check = config_check_name,
	  .co_doc = "name used in logs and audit" },
	{ .co_key = "home_community_id", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer, pr_hcid), .co_check = config_check_hcid,
	  .co_doc = "the peer's homeCommunityId" },
	{ .co_key = "assigning_authority", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer, pr_assigning_authority), .co_check = config_check_oid,
	  .co_doc = "OID of the peer's regional patient ids" },
	{ .co_key = "subject", .co_type = CONF_STRING,
	  .co_off = OFF(struct peer, pr_id.ci_subject),
	  .co_doc = "certificate subject, RFC 2253 form" },
	{ .co_key = "sha256", .co_type = CONF_CUSTOM, .co_off = OFF(struct peer, pr_id),
	  .co_set = config_set_sha256, .co_print = config_print_sha256,
	  .co_doc = "certificate SHA-256 fingerprint" },
	{ .co_key = "query_url", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer, pr_query_url), .co_check = config_check_url,
	  .co_doc = "XCA responding gateway, ITI-38" },
	{ .co_key = "retrieve_url", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer, pr_retrieve_url), .co_check = config_check_url,
	  .co_doc = "XCA responding gateway, ITI-39" },
	{ .co_key = "xcpd_url", .co_type = CONF_STRING,
	  .co_off = OFF(struct peer, pr_xcpd_url), .co_check = config_check_url,
	  .co_doc = "XCPD responding gateway, ITI-55 (default: query_url)" },
	{ .co_key = "correlation_ttl", .co_type = CONF_DURATION, .co_default = "0s",
	  .co_off = OFF(struct peer, pr_ttl_ms), .co_min = 0, .co_max = INT_MAX,
	  .co_doc = "how long its patient ids are trusted when it says nothing; 0s = mpi's" },
	{ .co_key = "audit_vkey", .co_type = CONF_STRING,
	  .co_off = OFF(struct peer, pr_audit_vkey), .co_check = config_check_vkey,
	  .co_doc = "the peer's audit verifier key (its audit-signing.key.pub): the two "
	    "gateways co-sign each other's checkpoints" },
	{ .co_key = "purposes", .co_type = CONF_SEQ, .co_table = &purpose_table,
	  .co_off = OFF(struct peer, pr_purposes),
	  .co_count_off = OFF(struct peer, pr_npurposes),
	  .co_doc = "its endpoints for purposes other than clinical" },
	{ .co_key = "vpn", .co_type = CONF_MAP, .co_table = &config_vpn_peer_table,
	  .co_doc = "its IKE end for the per-purpose VPNs (config_vpn.c)" },
	{ .co_key = "patient_map", .co_type = CONF_SEQ, .co_table = &map_table,
	  .co_off = OFF(struct peer, pr_map), .co_count_off = OFF(struct peer, pr_nmap),
	  .co_doc = "static local -> remote patient ids, used when the MPI has none" },
	{ .co_key = NULL }
};
static const struct conf_table peer_table = { "peers", peer_opts, sizeof(struct peer) };

/* The admin port and allow_remote are custom so that an absent admin section prints
 * nothing (an int or bool would always print, and "admin: {port: 0}" would not load). */
const char *
config_set_port(const char *value, void *field)
{
	long long v;

	if (str_to_ll(value, 1, 65535, &v) == -1)
		return "must be a TCP port, 1 to 65535";
	*(int *)field = (int)v;
	return NULL;
}

int
config_print_port(const void *field, char *buf, size_t bufsz)
{
	int v = *(const int *)field;

	return v != 0 && snprintf(buf, bufsz, "%d", v) > 0;
}

static const char *
config_set_admin_remote(const char *value, void *field)
{
	return config_bool(value, field);
}

static int
config_print_admin_remote(const void *field, char *buf, size_t bufsz)
{
	return *(const int *)field && str_copy(buf, bufsz, "true") == 0;
}

static const struct conf_option admin_opts[] = {
	{ .co_key = "address", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_admin_address), .co_check = config_check_address,
	  .co_doc = "address of the plain-HTTP status listener (loopback)" },
	{ .co_key = "port", .co_type = CONF_CUSTOM, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_admin_port), .co_set = config_set_port,
	  .co_print = config_print_port, .co_doc = "TCP port" },
	{ .co_key = "allow_remote", .co_type = CONF_CUSTOM,
	  .co_off = OFF(struct config, cf_admin_allow_remote),
	  .co_set = config_set_admin_remote, .co_print = config_print_admin_remote,
	  .co_doc = "accept a non-loopback address (no TLS, no authentication)" },
	{ .co_key = NULL }
};
static const struct conf_table admin_table = { "admin", admin_opts, 0 };

static const struct conf_option config_opts[] = {
	{ .co_key = "community", .co_type = CONF_MAP, .co_flags = CONF_REQUIRED,
	  .co_table = &community_table, .co_doc = "who we are" },
	{ .co_key = "state_dir", .co_type = CONF_PATH, .co_default = "/var/lib/hashi",
	  .co_off = OFF(struct config, cf_state_dir), .co_doc = "databases and audit log" },
	{ .co_key = "listen", .co_type = CONF_SEQ, .co_flags = CONF_REQUIRED,
	  .co_table = &listen_table, .co_off = OFF(struct config, cf_listen),
	  .co_count_off = OFF(struct config, cf_nlisten), .co_min = 1,
	  .co_doc = "addresses to listen on" },
	{ .co_key = "tls", .co_type = CONF_MAP, .co_flags = CONF_REQUIRED,
	  .co_table = &tls_table, .co_doc = "TLS files and versions" },
	{ .co_key = "limits", .co_type = CONF_MAP, .co_table = &limits_table,
	  .co_doc = "request limits" },
	{ .co_key = "timeouts", .co_type = CONF_MAP, .co_table = &timeouts_table,
	  .co_doc = "timeouts and connection pools" },
	{ .co_key = "registry", .co_type = CONF_MAP, .co_table = &registry_table,
	  .co_doc = "local document registry" },
	{ .co_key = "mpi", .co_type = CONF_MAP, .co_table = &mpi_table,
	  .co_doc = "wide-area patient index and discovery" },
	{ .co_key = "consent", .co_type = CONF_MAP, .co_table = &consent_table,
	  .co_doc = "patients' JPKI-signed consents" },
	{ .co_key = "audit", .co_type = CONF_MAP, .co_table = &config_audit_table,
	  .co_doc = "signed audit log: checkpoints, signing key, forwarding" },
	{ .co_key = "vpn", .co_type = CONF_MAP, .co_table = &config_vpn_table,
	  .co_doc = "per-purpose IPsec VPNs (hashictl deploy swanctl); absent = none" },
	{ .co_key = "local_systems", .co_type = CONF_SEQ, .co_table = &local_table,
	  .co_off = OFF(struct config, cf_locals), .co_count_off = OFF(struct config, cf_nlocals),
	  .co_doc = "systems that may call the local endpoints" },
	{ .co_key = "peers", .co_type = CONF_SEQ, .co_table = &peer_table,
	  .co_off = OFF(struct config, cf_peers), .co_count_off = OFF(struct config, cf_npeers),
	  .co_doc = "peer communities' gateways" },
	{ .co_key = "admin", .co_type = CONF_MAP, .co_table = &admin_table,
	  .co_doc = "status and metrics listener; absent = none" },
	{ .co_key = NULL }
};
static const struct conf_table config_table = { "hashid", config_opts, sizeof(struct config) };


/* Builds a key path; they are short (keys plus two indices), so a cut means a bug. */
const char *
config_path(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, bufsz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= bufsz)
		buf[0] = '\0';
	return buf;
}

/* TLS callers are matched by certificate: an entry with neither key would match nothing.
 * Presence in the file is what counts (a malformed sha256 is reported on its own), and an
 * entry without a name is already broken, so it is not reported twice. */
static void
config_check_identity(struct conf *c, const char *what, size_t i, const char *name)
{
	char path[64], key[80];

	config_path(path, sizeof(path), "%s[%zu]", what, i);
	if (name == NULL ||
	    conf_has(c, config_path(key, sizeof(key), "%s.subject", path)) ||
	    conf_has(c, config_path(key, sizeof(key), "%s.sha256", path)))
		return;
	config_err(c, path, "needs subject or sha256");
}

static void
config_check_identities(struct conf *c, const struct config *cf)
{
	size_t i;

	for (i = 0; i < cf->cf_nlocals; i++)
		config_check_identity(c, "local_systems", i, cf->cf_locals[i].ls_name);
	for (i = 0; i < cf->cf_npeers; i++)
		config_check_identity(c, "peers", i, cf->cf_peers[i].pr_name);
}

/* Local systems and peers share one name space: logs and audit records name callers. */
static const char *
config_caller(const struct config *cf, size_t k, char *path, size_t pathsz)
{
	if (k < cf->cf_nlocals) {
		config_path(path, pathsz, "local_systems[%zu]", k);
		return cf->cf_locals[k].ls_name;
	}
	config_path(path, pathsz, "peers[%zu]", k - cf->cf_nlocals);
	return cf->cf_peers[k - cf->cf_nlocals].pr_name;
}

static void
config_check_names(struct conf *c, const struct config *cf)
{
	char path[64], other[64], at[80];
	const char *name, *prev;
	size_t k, j, n = cf->cf_nlocals + cf->cf_npeers;

	for (k = 0; k < n; k++) {
		if ((name = config_caller(cf, k, path, sizeof(path))) == NULL)
			continue;
		for (j = 0; j < k; j++) {
			prev = config_caller(cf, j, other, sizeof(other));
			if (prev != NULL && strcmp(prev, name) == 0) {
				config_err(c, config_path(at, sizeof(at), "%s.name", path),
				    "\"%s\" is already the name of %s", name, other);
				break;
			}
		}
	}
}

/* Returns 1 when the CX's assigning authority is OID. */
static int
config_cx_has_aa(const char *cx, const char *oid)
{
	const char *aa;
	size_t len;

	return oid != NULL && config_cx_split(cx, &aa, &len) == 0 && strlen(oid) == len &&
	    strncmp(aa, oid, len) == 0;
}

static void
config_check_patient_map(struct conf *c, const struct config *cf, size_t i)
{
	const struct peer *pr = &cf->cf_peers[i];
	const struct patient_map *pm;
	char path[96];
	size_t k, j;

	for (k = 0; k < pr->pr_nmap; k++) {
		pm = &pr->pr_map[k];
		config_path(path, sizeof(path), "peers[%zu].patient_map[%zu]", i, k);
		if (pm->pm_local != NULL && cf->cf_assigning_authority != NULL &&
		    !config_check_cx(pm->pm_local) &&
		    !config_cx_has_aa(pm->pm_local, cf->cf_assigning_authority))
			config_err(c, config_path(path, sizeof(path),
			    "peers[%zu].patient_map[%zu].local", i, k), "assigning authority "
			    "must be community.assigning_authority (%s)",
			    cf->cf_assigning_authority);
		if (pm->pm_remote != NULL && pr->pr_assigning_authority != NULL &&
		    !config_check_cx(pm->pm_remote) &&
		    !config_cx_has_aa(pm->pm_remote, pr->pr_assigning_authority))
			config_err(c, config_path(path, sizeof(path),
			    "peers[%zu].patient_map[%zu].remote", i, k), "assigning authority "
			    "must be the peer's assigning_authority (%s)",
			    pr->pr_assigning_authority);
		for (j = 0; pm->pm_local != NULL && j < k; j++) {
			if (pr->pr_map[j].pm_local != NULL &&
			    strcmp(pr->pr_map[j].pm_local, pm->pm_local) == 0) {
				config_err(c, config_path(path, sizeof(path),
				    "peers[%zu].patient_map[%zu].local", i, k),
				    "already mapped by patient_map[%zu]", j);
				break;
			}
		}
	}
}

/* Routing is by homeCommunityId: it must name exactly one community. */
static void
config_check_peers(struct conf *c, const struct config *cf)
{
	const char *hcid;
	char path[64];
	size_t i, j;

	for (i = 0; i < cf->cf_npeers; i++) {
		config_check_patient_map(c, cf, i);
		if ((hcid = cf->cf_peers[i].pr_hcid) == NULL)
			continue;
		config_path(path, sizeof(path), "peers[%zu].home_community_id", i);
		if (cf->cf_hcid != NULL && strcmp(hcid, cf->cf_hcid) == 0) {
			config_err(c, path, "is our own community.home_community_id");
			continue;
		}
		for (j = 0; j < i; j++) {
			if (cf->cf_peers[j].pr_hcid != NULL &&
			    strcmp(cf->cf_peers[j].pr_hcid, hcid) == 0) {
				config_err(c, path, "already used by peers[%zu]", j);
				break;
			}
		}
	}
}

/* The admin listener has neither TLS nor authentication: it may only be reachable from
 * the box itself unless the operator says otherwise (e.g. a dedicated management VLAN). */
static int
config_is_loopback(const char *a)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (strcmp(a, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, a, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, a, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

static void
config_check_misc(struct conf *c, const struct config *cf)
{
	char path[64];
	size_t i, j;

	if (cf->cf_max_mtom_body < cf->cf_max_body)
		config_err(c, "limits.max_mtom_body", "must be at least limits.max_body");
	if (cf->cf_registry == REGISTRY_REMOTE && !conf_has(c, "registry.remote"))
		config_err(c, "registry.remote", "required when registry.backend is remote");
	if (cf->cf_admin_address != NULL && !cf->cf_admin_allow_remote &&
	    !config_is_loopback(cf->cf_admin_address))
		config_err(c, "admin.address", "must be a loopback address (the admin listener "
		    "has no TLS or authentication) unless admin.allow_remote is true");
	for (i = 0; i < cf->cf_nlisten; i++) {
		if (cf->cf_listen[i].la_address == NULL || cf->cf_listen[i].la_port == 0)
			continue;	/* already reported as missing or invalid */
		for (j = 0; j < i; j++) {
			if (cf->cf_listen[j].la_address != NULL &&
			    strcmp(cf->cf_listen[j].la_address, cf->cf_listen[i].la_address) == 0 &&
			    cf->cf_listen[j].la_port == cf->cf_listen[i].la_port) {
				config_err(c, config_path(path, sizeof(path), "listen[%zu]", i),
				    "same address and port as listen[%zu]", j);
				break;
			}
		}
	}
}

struct config *
config_load(const char *file, FILE *errs)
{
	struct config *cf = NULL, *ret = NULL;
	struct conf *c = NULL;

	if ((c = conf_new(file)) == NULL || (cf = calloc(1, sizeof(*cf))) == NULL) {
		if (errs != NULL)
			fprintf(errs, "%s: out of memory\n", file);
		else
			log_warnx("%s: out of memory", file);
		goto done;
	}
	conf_load(c, &config_table, cf);
	/* Semantic checks run whenever a document was parsed, so one run shows all. */
	if (conf_lookup(c, "") != NULL) {
		config_check_misc(c, cf);
		config_check_identities(c, cf);
		config_check_names(c, cf);
		config_check_peers(c, cf);
		config_check_vpn(c, cf);
	}
	if ((cf->cf_file = realpath(file, NULL)) == NULL && conf_nerrors(c) == 0)
		conf_errorf(c, NULL, "cannot resolve its path");
	if (conf_nerrors(c) > 0) {
		conf_report(c, errs);
		goto done;
	}
	ret = cf;
	cf = NULL;
done:
	config_free(cf);
	conf_free(c);
	return ret;
}

void
config_free(struct config *cf)
{
	if (cf == NULL)
		return;
	conf_table_free(&config_table, cf);
	free(cf->cf_file);
	free(cf);
}

void
config_print(const struct config *cf, FILE *out)
{
	if (cf->cf_file != NULL)
		fprintf(out, "# hashid configuration, normalised from %s\n", cf->cf_file);
	if (conf_print(&config_table, cf, out) == -1)
		log_warnx("config_print: write failed");
}

const char *
config_peer_url(const struct peer *peer, const char *purpose, int retrieve)
{
	size_t i;

	if (purpose == NULL || strcmp(purpose, "clinical") == 0)
		return retrieve ? peer->pr_retrieve_url : peer->pr_query_url;
	for (i = 0; i < peer->pr_npurposes; i++)
		if (strcmp(peer->pr_purposes[i].pp_name, purpose) == 0)
			return retrieve ? peer->pr_purposes[i].pp_retrieve_url :
			    peer->pr_purposes[i].pp_query_url;
	return NULL;
}

const struct peer *
config_peer_by_hcid(const struct config *cf, const char *hcid)
{
	size_t i, n = strlen(HCID_PREFIX);

	/* The URN scheme and NID are case-insensitive (RFC 8141); the OID is not. */
	if (hcid == NULL || strncasecmp(hcid, HCID_PREFIX, n) != 0)
		return NULL;
	for (i = 0; i < cf->cf_npeers; i++)
		if (strcmp(cf->cf_peers[i].pr_hcid + n, hcid + n) == 0)
			return &cf->cf_peers[i];
	return NULL;
}
