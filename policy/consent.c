/* policy/consent: see consent.h. The order matters: the signature is checked before the
 * document is parsed (the XML parser only ever sees bytes a JPKI holder signed), and the
 * binding before anything is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "policy/consent.h"

const char *
consent_reason_text(enum consent_reason r)
{
	switch (r) {
	case CONSENT_R_OK: return "registered";
	case CONSENT_R_INPUT: return "no signature, or input over the size limits";
	case CONSENT_R_SIGNATURE: return "signature not valid";
	case CONSENT_R_DOCUMENT: return "not a valid consent document";
	case CONSENT_R_ISSUED_FUTURE: return "issue time is in the future";
	case CONSENT_R_PATIENT: return "patient not in MPI";
	case CONSENT_R_BINDING: return "signer is not the patient";
	case CONSENT_R_DUPLICATE: return "already registered";
	case CONSENT_R_TOOMANY: return "too many consents for this patient";
	case CONSENT_R_STORE: return "consent storage error";
	}
	return "unknown reason";
}

/* Sets RES's reason R and its one-line text: the reason, then DETAIL when not NULL. */
static int
cr_refuse(struct consent_result *res, enum consent_reason r, const char *detail)
{
	res->cr_reason = r;
	if (detail != NULL && detail[0] != '\0')
		(void)snprintf(res->cr_text, sizeof(res->cr_text), "%s: %s",
		    consent_reason_text(r), detail);
	else
		(void)str_copy(res->cr_text, sizeof(res->cr_text), consent_reason_text(r));
	log_info("consent: refused: %s", res->cr_text);
	return -1;
}

/* Maps a consent_store_add error to a refusal. */
static int
cr_store_refusal(struct consent_result *res, int rc)
{
	res->cr_store = rc;
	if (rc == CONSENT_E_EXISTS)
		return cr_refuse(res, CONSENT_R_DUPLICATE, NULL);
	if (rc == CONSENT_E_TOOMANY)
		return cr_refuse(res, CONSENT_R_TOOMANY, NULL);
	return cr_refuse(res, CONSENT_R_STORE, consent_strerror(rc));
}

/* Steps 2 to 4 on verified signer S and document bytes D[0..DLEN). */
static int
cr_accept(struct consent_store *cs, struct mpi *m, const struct jpki_signer *s,
    const uint8_t *d, size_t dlen, const uint8_t *sig, size_t siglen, int64_t now,
    struct consent_info *ci, struct consent_result *res)
{
	int rc;

	if (consent_doc_parse(d, dlen, &ci->ci_doc, &res->cr_doc) != CDOC_OK)
		return cr_refuse(res, CONSENT_R_DOCUMENT, res->cr_doc.ce_text);
	res->cr_action = ci->ci_doc.cd_action;
	if (ci->ci_doc.cd_issued > now + CONSENT_ISSUED_SKEW)
		return cr_refuse(res, CONSENT_R_ISSUED_FUTURE, NULL);
	res->cr_bind = consent_bind(m, ci->ci_doc.cd_patient, s, &res->cr_bind_diff);
	switch (res->cr_bind) {
	case CONSENT_BIND_OK:
		break;
	case CONSENT_BIND_NO_PATIENT:
	case CONSENT_BIND_AUTHORITY:
		return cr_refuse(res, CONSENT_R_PATIENT, consent_bind_strerror(res->cr_bind));
	case CONSENT_BIND_ERROR:
		return cr_refuse(res, CONSENT_R_STORE, consent_bind_strerror(res->cr_bind));
	default:
		return cr_refuse(res, CONSENT_R_BINDING, consent_bind_strerror(res->cr_bind));
	}
	ci->ci_verified_at = now;
	ci->ci_signing_time = (int64_t)s->js_signing_time;
	memcpy(ci->ci_cert_sha256, s->js_sha256, sizeof(ci->ci_cert_sha256));
	if (str_copy(ci->ci_serial, sizeof(ci->ci_serial), s->js_serial) != 0 ||
	    str_copy(ci->ci_issuer, sizeof(ci->ci_issuer), s->js_issuer) != 0)
		return cr_refuse(res, CONSENT_R_SIGNATURE, "certificate serial or issuer too long");
	if ((rc = consent_store_add(cs, ci, d, dlen, sig, siglen, res->cr_id)) != CONSENT_OK)
		return cr_store_refusal(res, rc);
	res->cr_reason = CONSENT_R_OK;
	(void)snprintf(res->cr_text, sizeof(res->cr_text), "registered %s (%s)", res->cr_id,
	    ci->ci_doc.cd_action == CONSENT_WITHDRAW ? "withdraw" : "grant");
	log_info("consent: %s", res->cr_text);
	return 0;
}

int
policy_consent_register(struct consent_store *cs, struct mpi *m,
    const struct jpki_trust *t, const uint8_t *doc, size_t doclen, const uint8_t *sig,
    size_t siglen, int64_t now, struct consent_result *res)
{
	struct jpki_signer *s = NULL;
	struct consent_info *ci = NULL;
	uint8_t *content = NULL;
	size_t clen = 0;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (sig == NULL || siglen == 0 || siglen > CONSENT_SIG_MAX ||
	    (doc != NULL && (doclen == 0 || doclen > CONSENT_DOC_MAX)))
		return cr_refuse(res, CONSENT_R_INPUT, NULL);
	if ((s = calloc(1, sizeof(*s))) == NULL || (ci = calloc(1, sizeof(*ci))) == NULL) {
		ret = cr_refuse(res, CONSENT_R_STORE, "out of memory");
		goto done;
	}
	res->cr_jpki = jpki_verify(t, sig, siglen, doc, doclen, (time_t)now, s,
	    doc == NULL ? &content : NULL, doc == NULL ? &clen : NULL);
	if (res->cr_jpki != JPKI_OK) {
		ret = cr_refuse(res, CONSENT_R_SIGNATURE, jpki_strerror(res->cr_jpki));
		goto done;
	}
	if (doc == NULL) {
		if (content == NULL || clen == 0 || clen > CONSENT_DOC_MAX) {
			ret = cr_refuse(res, CONSENT_R_INPUT, "signed content empty or too large");
			goto done;
		}
		doc = content, doclen = clen;
	}
	ret = cr_accept(cs, m, s, doc, doclen, sig, siglen, now, ci, res);
done:
	free(content);
	free(ci);
	free(s);
	return ret;
}

/* consent_revoked_fn over jpki_revocation; ARG is the struct jpki_trust. */
static int
cr_revoked(const void *arg, const char *issuer, const char *serial, int *reason,
    time_t *when)
{
	return jpki_revocation(arg, issuer, serial, reason, when);
}

int
consent_recheck(struct consent_store *cs, const struct jpki_trust *t, int64_t now,
    size_t *nvoided)
{
	return consent_store_recheck(cs, cr_revoked, t, now, nvoided);
}
