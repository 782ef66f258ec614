/*
 * policy/consent: registration of a patient's signed consent, all or nothing:
 *
 *   1. jpki_verify: the CMS signature over the exact document bytes, its JPKI signing
 *      certificate, chain, CRLs (crypto/jpki.h);
 *   2. consent_doc_parse: the document (policy/consent_doc.h); its issue time may not be
 *      later than NOW + CONSENT_ISSUED_SKEW;
 *   3. consent_bind: its patient exists in the MPI and is the signer (basic four items,
 *      policy/consent_bind.h);
 *   4. consent_store_add: stored with the verification facts, valid.
 *
 * Any refusal stores nothing and says why in a typed result. Also the revocation re-check
 * against the trust configuration's current CRLs.
 */
#ifndef HASHI_POLICY_CONSENT_H
#define HASHI_POLICY_CONSENT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/jpki.h"
#include "mpi/mpi.h"
#include "policy/consent_bind.h"
#include "policy/consent_doc.h"
#include "policy/consent_store.h"

#define CONSENT_ISSUED_SKEW	300	/* seconds an issue time may be ahead of our clock */

enum consent_reason {
	CONSENT_R_OK = 0,
	CONSENT_R_INPUT,	/* no signature, or a document or signature over the limits */
	CONSENT_R_SIGNATURE,	/* jpki_verify refused it: cr_jpki says why */
	CONSENT_R_DOCUMENT,	/* the document is not a valid consent: cr_doc says why */
	CONSENT_R_ISSUED_FUTURE,	/* issued later than now (beyond the skew) */
	CONSENT_R_PATIENT,	/* patient not in MPI (or of another authority): cr_bind */
	CONSENT_R_BINDING,	/* the signer is not the patient: cr_bind, cr_bind_diff */
	CONSENT_R_DUPLICATE,	/* this signature is registered already */
	CONSENT_R_TOOMANY,	/* the patient has too many consents */
	CONSENT_R_STORE		/* storage failure: cr_store (enum consent_err) */
};

/* The outcome of one registration. Plain data. */
struct consent_result {
	enum consent_reason		cr_reason;
	enum jpki_err			cr_jpki;
	struct consent_doc_error	cr_doc;
	enum consent_bind_reason	cr_bind;
	unsigned			cr_bind_diff;	/* CONSENT_BIND_D_* */
	int				cr_store;
	enum consent_action		cr_action;	/* of the document, once parsed */
	char				cr_id[CONSENT_ID_HEX];	/* the new consent's id */
	char				cr_text[256];	/* one line for operator and logs */
};

/* Registers the consent signed by SIG[0..SIGLEN): detached over DOC[0..DOCLEN), or, DOC
 * NULL, attached (the document is the signed content). Verification at NOW with trust T;
 * patient and binding from M; stored in CS. Fills *RES. Returns 0 when stored, -1 when
 * refused (nothing stored). Borrowed arguments only; nothing to free. */
int policy_consent_register(struct consent_store *cs, struct mpi *m,
    const struct jpki_trust *t, const uint8_t *doc, size_t doclen, const uint8_t *sig,
    size_t siglen, int64_t now, struct consent_result *res);

/* Returns the short English text of reason R ("signature not valid", ...), static. */
const char *consent_reason_text(enum consent_reason r);

/* consent_store_recheck with jpki_revocation over T's CRLs (add the new CRLs to T first).
 * Same returns; *NVOIDED (may be NULL) = consents voided. */
int consent_recheck(struct consent_store *cs, const struct jpki_trust *t, int64_t now,
    size_t *nvoided);

#endif
