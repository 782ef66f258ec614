/*
 * gateway/config: hashid's configuration, loaded from one YAML file through common/conf's
 * typed tables. config_load() collects every error as "file:line:col: message"; a reload
 * parses into a new struct and the caller swaps it in only when it loaded cleanly.
 * The example with every key documented is deploy/hashid.example.yaml.
 */
#ifndef HASHI_GATEWAY_CONFIG_H
#define HASHI_GATEWAY_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_FPR_LEN	32	/* SHA-256 certificate fingerprint */

/* Who a TLS client certificate may be: matched on subject DN (RFC 2253 / OpenSSL
 * XN_FLAG_RFC2253 form, e.g. "CN=gw.mame,O=Mame-net,C=JP") and/or SHA-256 fingerprint.
 * When both are set, both must match. */
struct cert_identity {
	char	*ci_subject;			/* NULL = not checked */
	uint8_t	 ci_sha256[CONFIG_FPR_LEN];
	int	 ci_has_sha256;
};

/* A local system (clinic EHR, pharmacy, care home) allowed to call the local endpoints. */
struct local_system {
	char			*ls_name;
	struct cert_identity	 ls_id;
};

/* A peer's endpoints for a purpose other than clinical (its own listener / VPN). */
struct peer_purpose {
	char	*pp_name;		/* e.g. emergency */
	char	*pp_query_url;		/* ITI-38 (and ITI-55) */
	char	*pp_retrieve_url;	/* ITI-39 */
	char	*pp_inner;		/* its inner (tunnel) address for it; NULL = no VPN */
};

/* One purpose's VPN on this gateway (config_vpn.c): a CHILD_SA per peer offering it. */
struct vpn_purpose {
	char	*vp_name;		/* e.g. clinical */
	char	*vp_inner;		/* our inner address for it, numeric IPv4/IPv6 */
};

/* A peer region's gateway. */
struct peer {
	char			*pr_name;
	char			*pr_hcid;		/* urn:oid:... */
	char			*pr_assigning_authority;/* OID of its regional patient ids */
	struct cert_identity	 pr_id;
	char			*pr_query_url;		/* https://host:port/xca (ITI-38) */
	char			*pr_retrieve_url;	/* https://host:port/xca (ITI-39) */
	char			*pr_xcpd_url;		/* ITI-55; NULL = pr_query_url */
	int			 pr_ttl_ms;		/* correlation TTL; 0 = mpi's */
	char			*pr_audit_vkey;		/* its audit checkpoint verifier key:
							 * we co-sign its checkpoints and ask it
							 * to co-sign ours; NULL = neither */
	struct peer_purpose	*pr_purposes;		/* endpoints per other purpose */
	size_t			 pr_npurposes;
	/* its IKE end (peers[].vpn); NULL address = not reached through a VPN */
	char			*pr_vpn_address;	/* outer address, numeric */
	char			*pr_vpn_identity;	/* IKE identity it authenticates as */
	char			*pr_vpn_inner;		/* its inner address for clinical */
	/* Static patient-id map until the MPI lands: local CX -> the peer's CX. */
	struct patient_map	*pr_map;
	size_t			 pr_nmap;
};

struct patient_map {
	char	*pm_local;	/* CX: id^^^&oid&ISO */
	char	*pm_remote;	/* CX in the peer's assigning authority */
};

struct listen_addr {
	char		*la_address;	/* numeric IPv4/IPv6 or host name */
	uint16_t	 la_port;
	char		*la_purpose;	/* purpose of what arrives here, e.g. clinical */
};

enum registry_backend_kind {
	REGISTRY_EMBEDDED = 0,
	REGISTRY_REMOTE
};

struct config {
	char		*cf_file;		/* path it was loaded from */
	/* community */
	char		*cf_name;		/* display name, e.g. 晴れやかネット */
	char		*cf_hcid;		/* urn:oid:... */
	char		*cf_assigning_authority;/* OID */
	char		*cf_repository_id;	/* repositoryUniqueId of the embedded repository */
	char		*cf_state_dir;
	/* listeners */
	struct listen_addr *cf_listen;
	size_t		 cf_nlisten;
	/* tls */
	char		*cf_tls_cert;
	char		*cf_tls_key;
	char		*cf_tls_ca;
	int		 cf_tls_allow_12;	/* 1 = TLS 1.2 (ECDHE+AEAD) also accepted */
	/* limits */
	size_t		 cf_max_body;		/* bytes of one SOAP/XML request */
	size_t		 cf_max_mtom_body;	/* bytes of one multipart (ITI-41) request */
	int		 cf_max_xml_depth;
	int		 cf_max_connections;
	int		 cf_tolerate_wsa_mustunderstand; /* accept wsa:mustUnderstand (NIST defect) */
	/* timeouts, milliseconds */
	int		 cf_connect_timeout_ms;
	int		 cf_read_timeout_ms;
	int		 cf_request_timeout_ms;
	int		 cf_idle_timeout_ms;
	int		 cf_pool_size;		/* keep-alive connections per peer */
	/* registry */
	enum registry_backend_kind cf_registry;
	size_t		 cf_registry_map_size;	/* LMDB map size, bytes */
	char		*cf_remote_registry_url;	/* ITI-18 */
	char		*cf_remote_repository_url;	/* ITI-43 */
	/* wide-area MPI (<state_dir>/mpi) */
	size_t		 cf_mpi_map_size;
	int		 cf_mpi_discovery;	/* 1 = XCPD at peers for an unknown patient */
	int		 cf_mpi_ttl_ms;		/* correlation TTL when the peer states none */
	int		 cf_mpi_route_all;	/* 1 = every peer is asked, correlated or not */
	/* patient consent (<state_dir>/policy, hashictl consent) */
	char		*cf_consent_jpki_roots;	/* PEM, every JPKI signing root; NULL = none */
	size_t		 cf_consent_map_size;	/* LMDB map size of the policy store */
	char		*cf_consent_policy_oid;	/* certificate policy a signer must carry */
	int		 cf_consent_required;	/* 1 = /xca releases nothing without consent */
	int		 cf_consent_emergency;	/* 1 = break-glass on "emergency" listeners */
	/* signed audit log (<state_dir>/audit, hashictl audit); see config_audit.c */
	size_t		 cf_audit_map_size;
	char		*cf_audit_key;		/* Ed25519 signing key; NULL = state_dir's */
	char		*cf_audit_origin;	/* checkpoint origin line; NULL = hashi/HCID */
	int		 cf_audit_ckpt_interval_ms; /* sign a checkpoint this often ... */
	long long	 cf_audit_ckpt_entries;	/* ... or after this many new records */
	char		*cf_audit_fwd_address;	/* syslog-TLS audit repository; NULL = none */
	int		 cf_audit_fwd_port;	/* 0 = 6514 (RFC 5425) */
	char		*cf_audit_fwd_server_name; /* expected in its certificate */
	char		*cf_audit_fwd_ca;	/* CA of its certificate; NULL = tls.ca */
	/* per-purpose VPNs (vpn:, config_vpn.c); NULL address = no VPN */
	char		*cf_vpn_address;	/* our outer IKE address, numeric */
	char		*cf_vpn_cert;		/* NULL = tls.certificate */
	char		*cf_vpn_key;		/* NULL = tls.private_key */
	char		*cf_vpn_ca;		/* NULL = tls.ca */
	char		*cf_vpn_identity;	/* NULL = the certificate's subject */
	int		 cf_vpn_no_encap;	/* 1 = encap: false (kernel ESP, no UDP) */
	char		*cf_vpn_start_action;	/* trap, start or none; NULL = trap */
	char		*cf_vpn_vici;		/* charon's vici socket; NULL = default */
	int		 cf_vpn_health_ms;	/* tunnel poll interval; 0 = default */
	int		 cf_vpn_no_initiate;	/* 1 = initiate: false */
	struct vpn_purpose *cf_vpn_purposes;
	size_t		 cf_nvpn_purposes;
	/* who may call */
	struct local_system *cf_locals;
	size_t		 cf_nlocals;
	struct peer	*cf_peers;
	size_t		 cf_npeers;
	/* admin listener (plain HTTP, /status and /metrics); NULL address = none */
	char		*cf_admin_address;
	int		 cf_admin_port;
	int		 cf_admin_allow_remote;	/* 1 = a non-loopback address is accepted */
};

/* Loads and validates FILE. On success returns a new config (free with config_free) and
 * prints nothing. On failure returns NULL after writing every error, one per line, as
 * "file:line:col: message" to ERRS (if not NULL, else to stderr through log_warnx).
 * Refuses a file that is group- or world-writable. */
struct config *config_load(const char *file, FILE *errs);

/* Frees CF and everything it owns; NULL is accepted. */
void config_free(struct config *cf);

/* Writes the normalised configuration (every key, defaults filled in) as YAML to OUT;
 * the output loads again to an equal config. */
void config_print(const struct config *cf, FILE *out);

/* Writes the audit signing key's path into BUF: audit.key, or <state_dir>/audit-signing.key.
 * Returns BUF, or NULL when it does not fit. */
const char *config_audit_key_path(const struct config *cf, char *buf, size_t bufsz);

/* Writes the checkpoint origin line into BUF: audit.origin, or "hashi/" and the home
 * community id. Returns BUF, or NULL when it does not fit. */
const char *config_audit_origin(const struct config *cf, char *buf, size_t bufsz);

/* Returns PEER's endpoint URL for PURPOSE (RETRIEVE != 0: ITI-39, else ITI-38/55): the
 * plain URLs for "clinical", else those of its purposes entry; NULL when it has none. */
const char *config_peer_url(const struct peer *peer, const char *purpose, int retrieve);

/* The VPN's certificate, key and CA files: vpn.certificate / private_key / ca, or the
 * tls: ones when absent. Borrowed from CF. */
const char *config_vpn_cert(const struct config *cf);
const char *config_vpn_key(const struct config *cf);
const char *config_vpn_ca(const struct config *cf);

#define VPN_VICI_DEFAULT	"/var/run/charon.vici"	/* Debian's charon */
#define VPN_HEALTH_DEFAULT_MS	5000

/* vpn.vici_socket or VPN_VICI_DEFAULT (borrowed), and vpn.health_interval or
 * VPN_HEALTH_DEFAULT_MS. */
const char *config_vpn_vici(const struct config *cf);
int config_vpn_health_ms(const struct config *cf);

/* Returns our inner address for PURPOSE (vpn.purposes), or NULL when CF has no VPN or
 * none for it. Borrowed from CF. */
const char *config_vpn_inner(const struct config *cf, const char *purpose);

/* Returns the address a connection to PEER for PURPOSE is bound to: our inner address
 * for PURPOSE when PEER is reached through that purpose's CHILD_SA, else NULL. */
const char *config_vpn_source(const struct config *cf, const struct peer *peer,
    const char *purpose);

/* Returns PEER's inner address for PURPOSE: vpn.inner_address for "clinical", else the
 * inner_address of its purposes entry; NULL when it has none (no CHILD_SA for it). */
const char *config_vpn_peer_inner(const struct peer *peer, const char *purpose);

/* Returns the peer whose HCID is HCID, or NULL. Borrowed from CF. */
const struct peer *config_peer_by_hcid(const struct config *cf, const char *hcid);

#endif
