/*
 * gateway/consent_submit: a local facility registers a patient's consent with ITI-41: the
 * DocumentEntry's formatCode is CONSENT_FORMAT_CODE and the document is the attached CMS
 * SignedData (application/pkcs7-mime) of a consent document (policy/README.md). Each such
 * document is verified and stored in the consent store once, at ingestion, exactly as
 * `hashictl consent add` does; a refused one refuses the whole submission (nothing of it
 * is stored), so that a clinic learns at once that the patient must sign again.
 */
#ifndef HASHI_GATEWAY_CONSENT_SUBMIT_H
#define HASHI_GATEWAY_CONSENT_SUBMIT_H

#include <stddef.h>

#include <libxml/tree.h>

#include "gateway/regerr.h"
#include "gateway/regstore.h"

#define CONSENT_FORMAT_CODE	"urn:hashi:consent:1"
/* Hashi's RegistryError code for a consent document that cannot be registered. */
#define REGERR_CONSENT_INVALID	"urn:hashi:error:ConsentInvalid"

struct exchange;

/* Registers every consent among the documents DOCS[0..N) of the ProvideAndRegister PNR of
 * EX. Returns 0 when there was none or all were registered; -1 after adding to ERRS one
 * REGERR_CONSENT_INVALID per refused document (located at its entry id); consents of
 * the same submission registered before the refused one are voided again. A consent
 * stays registered when the registry then fails to store the submission's copy: the
 * consent store, not the registry, is what decisions read. */
int consent_submit(struct exchange *ex, const xmlNode *pnr,
    const struct regstore_content *docs, size_t n, struct reg_errors *errs);

#endif
