/*
 * gateway/config_vpn: the vpn: section of hashid's configuration and each peer's vpn:
 * mapping, the one source hashictl deploy swanctl generates strongSwan's configuration
 * from. Everything here ends up in swanctl.conf, so every value is held to a character set
 * that cannot express swanctl syntax (no braces, quotes, '#', '=' outside identities,
 * newlines); gateway/swanctl.c checks it once more when writing.
 */
#include "gateway/config.h"
#include "gateway/config_int.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"

#define OFF(type, member)	offsetof(type, member)
#define IKE_ID_MAX	255

const char *
config_check_ip(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) != 1 && inet_pton(AF_INET6, s, &a6) != 1)
		return "must be a numeric IPv4 or IPv6 address";
	return NULL;
}

/* An IKE identity: a DN ("C=JP, O=Hashi, CN=gw"), an FQDN, an e-mail address or an IP
 * address. Written quoted into swanctl.conf; quotes and backslashes, which would end or
 * escape the quoting, are outside the set. */
static const char *
config_check_ike_id(const char *s)
{
	size_t n = strlen(s);

	if (n > IKE_ID_MAX || s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789 .,=@:_+/-")] != '\0' || s[0] == ' ' || s[n - 1] == ' ')
		return "must be at most 255 letters, digits, spaces (not at either end) "
		    "or . , = @ : _ + / -";
	return NULL;
}

static const char *
config_check_start(const char *s)
{
	if (strcmp(s, "trap") != 0 && strcmp(s, "start") != 0 && strcmp(s, "none") != 0)
		return "must be trap, start or none";
	return NULL;
}

/* encap is custom so that an absent vpn: section prints nothing (a bool always prints);
 * the field holds the exception, encap: false. */
static const char *
config_set_encap(const char *value, void *field)
{
	const char *why;
	int v;

	if ((why = config_bool(value, &v)) == NULL)
		*(int *)field = !v;
	return why;
}

static int
config_print_encap(const void *field, char *buf, size_t bufsz)
{
	return *(const int *)field && snprintf(buf, bufsz, "false") > 0;
}

/* A unix socket's path must fit struct sockaddr_un (vici_client_new refuses it else). */
static const char *
config_check_vici(const char *s)
{
	struct sockaddr_un sun;

	if (strlen(s) >= sizeof(sun.sun_path))
		return "is too long for a unix socket path (at most 107 bytes)";
	return NULL;
}

/* health_interval and initiate are custom too, for the same reason as encap: the field
 * holds 0 for the default. */
static const char *
config_set_health(const char *value, void *field)
{
	long long ms;

	if (conf_parse_duration(value, &ms) != 0 || ms < 100 || ms > 3600000)
		return "must be a duration from 100ms to 1h, e.g. 5s";
	*(int *)field = (int)ms;
	return NULL;
}

static int
config_print_health(const void *field, char *buf, size_t bufsz)
{
	return *(const int *)field != 0 &&
	    snprintf(buf, bufsz, "%dms", *(const int *)field) > 0;
}

static const char *
config_set_initiate(const char *value, void *field)
{
	const char *why;
	int v;

	if ((why = config_bool(value, &v)) == NULL)
		*(int *)field = !v;
	return why;
}

static const struct conf_option vpn_purpose_opts[] = {
	{ .co_key = "name", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct vpn_purpose, vp_name), .co_check = config_check_name,
	  .co_doc = "the purpose (clinical, emergency, imaging, ...): one CHILD_SA per peer" },
	{ .co_key = "inner_address", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct vpn_purpose, vp_inner), .co_check = config_check_ip,
	  .co_doc = "this gateway's inner address for it (numeric; a /32 or /128 selector)" },
	{ .co_key = NULL }
};
static const struct conf_table vpn_purpose_table = { "purposes", vpn_purpose_opts,
	sizeof(struct vpn_purpose) };

static const struct conf_option vpn_opts[] = {
	{ .co_key = "address", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_vpn_address), .co_check = config_check_ip,
	  .co_doc = "this gateway's outer (IKE) address, numeric" },
	{ .co_key = "certificate", .co_type = CONF_PATH,
	  .co_off = OFF(struct config, cf_vpn_cert),
	  .co_doc = "VPN certificate (PEM); absent = tls.certificate" },
	{ .co_key = "private_key", .co_type = CONF_PATH,
	  .co_off = OFF(struct config, cf_vpn_key),
	  .co_doc = "its private key, installed in swanctl's private/ directory; absent = "
	    "tls.private_key" },
	{ .co_key = "ca", .co_type = CONF_PATH, .co_off = OFF(struct config, cf_vpn_ca),
	  .co_doc = "CA of every peer's VPN certificate; absent = tls.ca" },
	{ .co_key = "identity", .co_type = CONF_STRING,
	  .co_off = OFF(struct config, cf_vpn_identity), .co_check = config_check_ike_id,
	  .co_doc = "our IKE identity; absent = the certificate's subject (charon's default)" },
	{ .co_key = "encap", .co_type = CONF_CUSTOM,
	  .co_off = OFF(struct config, cf_vpn_no_encap), .co_set = config_set_encap,
	  .co_print = config_print_encap,
	  .co_doc = "ESP in UDP, which userspace IPsec (libipsec) needs; default true" },
	{ .co_key = "start_action", .co_type = CONF_STRING,
	  .co_off = OFF(struct config, cf_vpn_start_action), .co_check = config_check_start,
	  .co_doc = "trap (on first packet), start (at load) or none; absent = trap" },
	{ .co_key = "vici_socket", .co_type = CONF_PATH,
	  .co_off = OFF(struct config, cf_vpn_vici), .co_check = config_check_vici,
	  .co_doc = "charon's vici socket, asked for the tunnels' state; absent = "
	    VPN_VICI_DEFAULT },
	{ .co_key = "health_interval", .co_type = CONF_CUSTOM,
	  .co_off = OFF(struct config, cf_vpn_health_ms), .co_set = config_set_health,
	  .co_print = config_print_health,
	  .co_doc = "how often charon is asked which CHILD_SAs are up; default 5s" },
	{ .co_key = "initiate", .co_type = CONF_CUSTOM,
	  .co_off = OFF(struct config, cf_vpn_no_initiate), .co_set = config_set_initiate,
	  .co_print = config_print_encap,
	  .co_doc = "ask charon to bring up a CHILD_SA found down; default true" },
	{ .co_key = "purposes", .co_type = CONF_SEQ, .co_flags = CONF_REQUIRED,
	  .co_table = &vpn_purpose_table, .co_off = OFF(struct config, cf_vpn_purposes),
	  .co_count_off = OFF(struct config, cf_nvpn_purposes), .co_min = 1,
	  .co_doc = "the purposes carried by VPNs, each with our inner address" },
	{ .co_key = NULL }
};
const struct conf_table config_vpn_table = { "vpn", vpn_opts, 0 };

static const struct conf_option vpn_peer_opts[] = {
	{ .co_key = "address", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer, pr_vpn_address), .co_check = config_check_ip,
	  .co_doc = "the peer's outer (IKE) address, numeric" },
	{ .co_key = "identity", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct peer, pr_vpn_identity), .co_check = config_check_ike_id,
	  .co_doc = "the IKE identity its VPN certificate carries" },
	{ .co_key = "inner_address", .co_type = CONF_STRING,
	  .co_off = OFF(struct peer, pr_vpn_inner), .co_check = config_check_ip,
	  .co_doc = "its inner address for clinical (query_url / retrieve_url); the other "
	    "purposes' are in purposes[].inner_address" },
	{ .co_key = NULL }
};
const struct conf_table config_vpn_peer_table = { "vpn", vpn_peer_opts, 0 };

const char *
config_vpn_cert(const struct config *cf)
{
	return cf->cf_vpn_cert != NULL ? cf->cf_vpn_cert : cf->cf_tls_cert;
}

const char *
config_vpn_key(const struct config *cf)
{
	return cf->cf_vpn_key != NULL ? cf->cf_vpn_key : cf->cf_tls_key;
}

const char *
config_vpn_ca(const struct config *cf)
{
	return cf->cf_vpn_ca != NULL ? cf->cf_vpn_ca : cf->cf_tls_ca;
}

const char *
config_vpn_vici(const struct config *cf)
{
	return cf->cf_vpn_vici != NULL ? cf->cf_vpn_vici : VPN_VICI_DEFAULT;
}

int
config_vpn_health_ms(const struct config *cf)
{
	return cf->cf_vpn_health_ms != 0 ? cf->cf_vpn_health_ms : VPN_HEALTH_DEFAULT_MS;
}

const char *
config_vpn_inner(const struct config *cf, const char *purpose)
{
	size_t k;

	if (cf->cf_vpn_address == NULL || purpose == NULL)
		return NULL;
	for (k = 0; k < cf->cf_nvpn_purposes; k++)
		if (cf->cf_vpn_purposes[k].vp_name != NULL &&
		    strcmp(cf->cf_vpn_purposes[k].vp_name, purpose) == 0)
			return cf->cf_vpn_purposes[k].vp_inner;
	return NULL;
}

const char *
config_vpn_source(const struct config *cf, const struct peer *peer, const char *purpose)
{
	if (peer->pr_vpn_address == NULL || config_vpn_peer_inner(peer, purpose) == NULL)
		return NULL;
	return config_vpn_inner(cf, purpose);
}

const char *
config_vpn_peer_inner(const struct peer *peer, const char *purpose)
{
	size_t i;

	if (strcmp(purpose, "clinical") == 0)
		return peer->pr_vpn_inner;
	for (i = 0; i < peer->pr_npurposes; i++)
		if (peer->pr_purposes[i].pp_name != NULL &&
		    strcmp(peer->pr_purposes[i].pp_name, purpose) == 0)
			return peer->pr_purposes[i].pp_inner;
	return NULL;
}

/* Paths go into swanctl.conf unquoted (certs is a comma-separated list) and the key's
 * into a comment: plain characters only. */
static const char *
config_check_vpn_file(const char *s)
{
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "._/+@-")] != '\0')
		return "must be a path of letters, digits and . _ / + @ - only when used by the "
		    "VPN (it is written into swanctl.conf)";
	return NULL;
}

/* An inner address as bytes, so that "::1" and "0::1" count as the same address. */
struct vpn_addr {
	int		 va_family;
	unsigned char	 va_bin[16];
	char		 va_path[96];
};

static int
vpn_family(const char *s)
{
	unsigned char bin[16];

	if (s == NULL)
		return 0;
	if (inet_pton(AF_INET, s, bin) == 1)
		return AF_INET;
	return inet_pton(AF_INET6, s, bin) == 1 ? AF_INET6 : 0;
}

/* Adds ADDR (at PATH) to SEEN, or reports it when an earlier entry has it: one address
 * is one /32 (/128) traffic selector, which can belong to one purpose of one side only. */
static void
vpn_seen(struct conf *c, struct vpn_addr *seen, size_t *n, const char *addr,
    const char *path)
{
	struct vpn_addr *a = &seen[*n];
	size_t j;

	if ((a->va_family = vpn_family(addr)) == 0)
		return;		/* absent, or already reported as not numeric */
	inet_pton(a->va_family, addr, a->va_bin);
	for (j = 0; j < *n; j++) {
		if (seen[j].va_family == a->va_family &&
		    memcmp(seen[j].va_bin, a->va_bin, sizeof(a->va_bin)) == 0) {
			config_err(c, path, "%s is already %s", addr, seen[j].va_path);
			return;
		}
	}
	snprintf(a->va_path, sizeof(a->va_path), "%s", path);
	(*n)++;
}

static void
vpn_check_inner_unique(struct conf *c, const struct config *cf)
{
	const struct peer *pr;
	struct vpn_addr *seen;
	size_t i, k, n = 0, max = cf->cf_nvpn_purposes;
	char path[96];

	for (i = 0; i < cf->cf_npeers; i++)
		max += 1 + cf->cf_peers[i].pr_npurposes;
	if ((seen = calloc(max + 1, sizeof(*seen))) == NULL) {
		conf_errorf(c, NULL, "out of memory");
		return;
	}
	for (k = 0; k < cf->cf_nvpn_purposes; k++)
		vpn_seen(c, seen, &n, cf->cf_vpn_purposes[k].vp_inner, config_path(path,
		    sizeof(path), "vpn.purposes[%zu].inner_address", k));
	for (i = 0; i < cf->cf_npeers; i++) {
		pr = &cf->cf_peers[i];
		vpn_seen(c, seen, &n, pr->pr_vpn_inner, config_path(path, sizeof(path),
		    "peers[%zu].vpn.inner_address", i));
		for (k = 0; k < pr->pr_npurposes; k++)
			vpn_seen(c, seen, &n, pr->pr_purposes[k].pp_inner, config_path(path,
			    sizeof(path), "peers[%zu].purposes[%zu].inner_address", i, k));
	}
	free(seen);
}

/* Returns the index of PURPOSE in vpn.purposes, or -1. */
static long
vpn_purpose_index(const struct config *cf, const char *purpose)
{
	size_t k;

	for (k = 0; k < cf->cf_nvpn_purposes; k++)
		if (cf->cf_vpn_purposes[k].vp_name != NULL &&
		    strcmp(cf->cf_vpn_purposes[k].vp_name, purpose) == 0)
			return (long)k;
	return -1;
}

/* Purpose names become CHILD_SA names: unique, and without the '.' that separates
 * swanctl's key paths. */
static void
vpn_check_purposes(struct conf *c, const struct config *cf)
{
	const char *name;
	char path[64];
	long j;
	size_t k;

	for (k = 0; k < cf->cf_nvpn_purposes; k++) {
		if ((name = cf->cf_vpn_purposes[k].vp_name) == NULL)
			continue;
		config_path(path, sizeof(path), "vpn.purposes[%zu].name", k);
		if (strchr(name, '.') != NULL)
			config_err(c, path, "cannot contain '.' (it names a swanctl CHILD_SA)");
		else if ((j = vpn_purpose_index(cf, name)) >= 0 && (size_t)j < k)
			config_err(c, path, "\"%s\" is already vpn.purposes[%ld]", name, j);
	}
}

static void
vpn_check_file(struct conf *c, const char *value, const char *path)
{
	const char *why;

	if (value != NULL && (why = config_check_vpn_file(value)) != NULL)
		config_err(c, path, "%s", why);
}

static void
vpn_check_files(struct conf *c, const struct config *cf)
{
	vpn_check_file(c, config_vpn_cert(cf), cf->cf_vpn_cert != NULL ? "vpn.certificate" :
	    "tls.certificate");
	vpn_check_file(c, config_vpn_key(cf), cf->cf_vpn_key != NULL ? "vpn.private_key" :
	    "tls.private_key");
	vpn_check_file(c, config_vpn_ca(cf), cf->cf_vpn_ca != NULL ? "vpn.ca" : "tls.ca");
}

/* Checks the inner address the peer gives for our purpose K, when it offers that purpose
 * at all: WHERE is the mapping that should carry it. A purpose the peer does not offer
 * simply gets no CHILD_SA with it (hashictl deploy swanctl says so). */
static void
vpn_check_peer_purpose(struct conf *c, const struct config *cf, size_t i, size_t k)
{
	const struct peer *pr = &cf->cf_peers[i];
	const char *name = cf->cf_vpn_purposes[k].vp_name, *inner = NULL;
	char where[64], at[96];
	size_t e;

	if (name == NULL)
		return;
	if (strcmp(name, "clinical") == 0) {
		inner = pr->pr_vpn_inner;
		config_path(where, sizeof(where), "peers[%zu].vpn", i);
	} else {
		for (e = 0; e < pr->pr_npurposes; e++)
			if (pr->pr_purposes[e].pp_name != NULL &&
			    strcmp(pr->pr_purposes[e].pp_name, name) == 0)
				break;
		if (e == pr->pr_npurposes)
			return;
		inner = pr->pr_purposes[e].pp_inner;
		config_path(where, sizeof(where), "peers[%zu].purposes[%zu]", i, e);
	}
	if (inner == NULL)
		config_err(c, where, "needs inner_address (%s is in vpn.purposes)", name);
	else if (vpn_family(cf->cf_vpn_purposes[k].vp_inner) != 0 &&
	    vpn_family(inner) != vpn_family(cf->cf_vpn_purposes[k].vp_inner))
		config_err(c, config_path(at, sizeof(at), "%s.inner_address", where),
		    "is not of the address family of vpn.purposes[%zu].inner_address", k);
}

/* An inner address for a purpose no VPN of ours carries has no CHILD_SA to live in. */
static void
vpn_check_peer_extra(struct conf *c, const struct config *cf, size_t i)
{
	const struct peer *pr = &cf->cf_peers[i];
	const struct peer_purpose *pp;
	char path[96];
	size_t k;

	if (pr->pr_vpn_inner != NULL && vpn_purpose_index(cf, "clinical") < 0)
		config_err(c, config_path(path, sizeof(path), "peers[%zu].vpn.inner_address",
		    i), "clinical is not in vpn.purposes");
	for (k = 0; k < pr->pr_npurposes; k++) {
		pp = &pr->pr_purposes[k];
		if (pp->pp_inner != NULL && pp->pp_name != NULL &&
		    vpn_purpose_index(cf, pp->pp_name) < 0)
			config_err(c, config_path(path, sizeof(path),
			    "peers[%zu].purposes[%zu].inner_address", i, k),
			    "%s is not in vpn.purposes", pp->pp_name);
	}
}

static void
vpn_check_peer(struct conf *c, const struct config *cf, size_t i, int vpn)
{
	const struct peer *pr = &cf->cf_peers[i];
	char path[96];
	size_t k;

	if (!conf_has(c, config_path(path, sizeof(path), "peers[%zu].vpn", i))) {
		for (k = 0; k < pr->pr_npurposes; k++)
			if (pr->pr_purposes[k].pp_inner != NULL)
				config_err(c, config_path(path, sizeof(path),
				    "peers[%zu].purposes[%zu].inner_address", i, k),
				    "needs peers[%zu].vpn", i);
		return;
	}
	if (!vpn) {
		config_err(c, path, "needs the top-level vpn section");
		return;
	}
	if (pr->pr_name != NULL && strchr(pr->pr_name, '.') != NULL)
		config_err(c, config_path(path, sizeof(path), "peers[%zu].name", i),
		    "cannot contain '.' for a peer with vpn (it names a swanctl connection)");
	if (vpn_family(pr->pr_vpn_address) != 0 && vpn_family(cf->cf_vpn_address) != 0 &&
	    vpn_family(pr->pr_vpn_address) != vpn_family(cf->cf_vpn_address))
		config_err(c, config_path(path, sizeof(path), "peers[%zu].vpn.address", i),
		    "is not of the address family of vpn.address");
	for (k = 0; k < cf->cf_nvpn_purposes; k++)	/* a repeated name is reported once */
		if (cf->cf_vpn_purposes[k].vp_name != NULL &&
		    vpn_purpose_index(cf, cf->cf_vpn_purposes[k].vp_name) == (long)k)
			vpn_check_peer_purpose(c, cf, i, k);
	vpn_check_peer_extra(c, cf, i);
}

/* Returns 1 when numeric addresses A and B are the same address. */
static int
vpn_same_addr(const char *a, const char *b)
{
	unsigned char ba[16], bb[16];
	int f = vpn_family(a);

	if (f == 0 || f != vpn_family(b))
		return 0;
	inet_pton(f, a, ba);
	inet_pton(f, b, bb);
	return memcmp(ba, bb, f == AF_INET ? 4 : 16) == 0;
}

/* A listener on a purpose's inner address gets what comes through that purpose's
 * CHILD_SA: the purpose it gives its requests must be that one, or a request that came
 * through the clinical tunnel could pass as an emergency one. */
static void
vpn_check_listeners(struct conf *c, const struct config *cf)
{
	const struct listen_addr *la;
	const struct vpn_purpose *vp;
	char path[64];
	size_t i, k;

	for (i = 0; i < cf->cf_nlisten; i++) {
		la = &cf->cf_listen[i];
		for (k = 0; k < cf->cf_nvpn_purposes; k++) {
			vp = &cf->cf_vpn_purposes[k];
			if (la->la_address == NULL || la->la_purpose == NULL ||
			    vp->vp_name == NULL || !vpn_same_addr(la->la_address, vp->vp_inner))
				continue;
			if (strcmp(la->la_purpose, vp->vp_name) != 0)
				config_err(c, config_path(path, sizeof(path), "listen[%zu].purpose",
				    i), "is %s, but %s is the inner address of vpn purpose %s",
				    la->la_purpose, la->la_address, vp->vp_name);
			break;
		}
	}
}

void
config_check_vpn(struct conf *c, const struct config *cf)
{
	int vpn = conf_has(c, "vpn");
	size_t i;

	if (vpn) {
		vpn_check_purposes(c, cf);
		vpn_check_files(c, cf);
		vpn_check_inner_unique(c, cf);
		vpn_check_listeners(c, cf);
	}
	for (i = 0; i < cf->cf_npeers; i++)
		vpn_check_peer(c, cf, i, vpn);
}
