/*
 * gateway/swanctl: strongSwan's swanctl.conf generated from hashid's configuration (the
 * vpn: section and each peer's vpn: mapping), so peers and purposes have one source of
 * truth. One IKEv2 connection per peer with vpn:, certificate authentication on both
 * sides, one CHILD_SA per purpose of vpn.purposes that the peer offers, with /32 (/128)
 * traffic selectors on the two inner addresses; AES-GCM with X25519 or ECP-256 and a
 * SHA-2 PRF only. Used by hashictl deploy swanctl (ctl_deploy.c).
 */
#ifndef HASHI_GATEWAY_SWANCTL_H
#define HASHI_GATEWAY_SWANCTL_H

#include <stdio.h>

#include "gateway/config.h"

#define SWANCTL_IKE_PROPOSALS	"aes256gcm16-prfsha384-x25519,aes128gcm16-prfsha256-ecp256"
#define SWANCTL_ESP_PROPOSALS	"aes256gcm16-x25519,aes128gcm16-ecp256"

/* Renders the swanctl.conf text for CF. The bytes depend on CF alone (peers in file order,
 * CHILD_SAs in vpn.purposes order), never on time or the host. For each vpn purpose a
 * peer does not offer, a warning line is written to DIAG (when not NULL): that pair gets
 * no CHILD_SA. Returns the text, malloc'd and NUL-terminated (caller frees), with its
 * length in *LENP; or NULL, with the reason on DIAG, when CF has no vpn: section, when a
 * value is not safe to write in swanctl's syntax, or when memory ran out. */
char *swanctl_render(const struct config *cf, FILE *diag, size_t *lenp);

#endif
