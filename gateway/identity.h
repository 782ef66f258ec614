/*
 * gateway/identity: who is calling. Maps the verified certificate of a TLS peer to a
 * configured local system or peer gateway (struct cert_identity in gateway/config.h);
 * a certificate that maps to nothing, or to more than one entry, is nobody.
 */
#ifndef HASHI_GATEWAY_IDENTITY_H
#define HASHI_GATEWAY_IDENTITY_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "gateway/config.h"

enum identity_kind {
	IDENTITY_NONE = 0,
	IDENTITY_LOCAL,		/* a local system: id_local is set */
	IDENTITY_PEER		/* a peer region's gateway: id_peer is set */
};

/* The resolved caller. Every pointer is borrowed from the struct config it was resolved
 * against and is valid only while that config is (keep it across a reload). */
struct identity {
	enum identity_kind		 id_kind;
	const char			*id_name;	/* ls_name or pr_name; NULL if NONE */
	const struct peer		*id_peer;	/* NULL unless IDENTITY_PEER */
	const struct local_system	*id_local;	/* NULL unless IDENTITY_LOCAL */
};

/* Returns 1 if a certificate with SUBJECT (RFC 2253 form, as tls_peer_subject gives) and
 * SHA-256 fingerprint SHA matches CI, else 0. A subject, when CI sets one, must be equal
 * byte for byte; a fingerprint, when CI sets one, must be equal (constant-time compare);
 * when both are set both must match. A CI that sets neither matches nothing. SUBJECT or
 * SHA may be NULL (unknown), which fails any check that needs it. Pure function. */
int identity_match(const struct cert_identity *ci, const char *subject,
    const uint8_t sha[CONFIG_FPR_LEN]);

/* Resolves the peer of the established TLS connection SSL against CF's local systems and
 * peers and fills *OUT (always written; borrowed pointers into CF).
 * Returns 0 when exactly one entry matches; -1 with OUT->id_kind = IDENTITY_NONE when the
 * peer has no verified certificate, matches nothing, or matches several entries (logged:
 * an ambiguous configuration must not pick one silently). */
int identity_resolve(const struct config *cf, SSL *ssl, struct identity *out);

#endif
