/* gateway/identity: see identity.h. */
#include "gateway/identity.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>	/* CRYPTO_memcmp */

#include "common/log.h"
#include "crypto/tls.h"

int
identity_match(const struct cert_identity *ci, const char *subject,
    const uint8_t sha[CONFIG_FPR_LEN])
{
	int checked = 0;

	if (ci == NULL)
		return 0;
	if (ci->ci_subject != NULL) {
		if (subject == NULL || strcmp(ci->ci_subject, subject) != 0)
			return 0;
		checked = 1;
	}
	if (ci->ci_has_sha256) {
		if (sha == NULL || CRYPTO_memcmp(ci->ci_sha256, sha, CONFIG_FPR_LEN) != 0)
			return 0;
		checked = 1;
	}
	/* An entry with no criterion must not admit every certificate the CA signed. */
	return checked;
}

int
identity_resolve(const struct config *cf, SSL *ssl, struct identity *out)
{
	uint8_t sha[TLS_SHA256_LEN];
	char *subject = NULL;
	struct identity found = { IDENTITY_NONE, NULL, NULL, NULL };
	size_t i, nmatch = 0;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->id_kind = IDENTITY_NONE;
	if (cf == NULL || tls_peer_subject(ssl, &subject) == -1 ||
	    tls_peer_sha256(ssl, sha) == -1)
		goto done;
	for (i = 0; i < cf->cf_nlocals; i++) {
		if (!identity_match(&cf->cf_locals[i].ls_id, subject, sha))
			continue;
		if (nmatch++ == 0) {
			found.id_kind = IDENTITY_LOCAL;
			found.id_name = cf->cf_locals[i].ls_name;
			found.id_local = &cf->cf_locals[i];
		}
	}
	for (i = 0; i < cf->cf_npeers; i++) {
		if (!identity_match(&cf->cf_peers[i].pr_id, subject, sha))
			continue;
		if (nmatch++ == 0) {
			found.id_kind = IDENTITY_PEER;
			found.id_name = cf->cf_peers[i].pr_name;
			found.id_peer = &cf->cf_peers[i];
		}
	}
	if (nmatch == 0) {
		log_info("identity: certificate \"%s\" matches no local system or peer",
		    subject);
		goto done;
	}
	if (nmatch > 1) {
		log_warnx("identity: certificate \"%s\" matches %zu configured entries; "
		    "refusing it until the configuration is unambiguous", subject, nmatch);
		goto done;
	}
	*out = found;
	ret = 0;
done:
	free(subject);
	return ret;
}
