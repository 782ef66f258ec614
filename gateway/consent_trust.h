/*
 * gateway/consent_trust: the JPKI trust hashid and hashictl build alike from the
 * configuration: consent.jpki_roots, consent.policy_oid and every CRL kept in
 * <state_dir>/policy/crl/ (filled by `hashictl consent crl add`), so that both see the
 * same revocation facts. Errors are logged (hashictl: to stderr) naming the file or key.
 */
#ifndef HASHI_GATEWAY_CONSENT_TRUST_H
#define HASHI_GATEWAY_CONSENT_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/jpki.h"
#include "gateway/config.h"

#define CONSENT_FILE_MAX	((size_t)1 << 20)	/* a document or signature file */
#define CONSENT_CRL_MAX		((size_t)256 << 20)	/* JPKI CRLs are large */
#define CONSENT_PATH_MAX	4096

/* Reads file PATH whole (at most MAX bytes, not empty) into *DATA (malloc'd, caller frees)
 * and *LEN. Returns 0, or -1 after logging why. */
int consent_file_read(const char *path, size_t max, uint8_t **data, size_t *len);

/* Builds the trust of CF (free with jpki_trust_free). NULL after logging why: no
 * consent.jpki_roots, unusable roots or policy, or a kept CRL that does not load
 * (registering without a CRL we were given would fail open). */
struct jpki_trust *consent_trust_load(const struct config *cf);

#endif
