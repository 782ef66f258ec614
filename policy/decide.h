/*
 * policy/decide: may a patient's records go to a requesting community for a purpose?
 * The gateway asks before any record leaves the region and audits every answer.
 *
 * The rule: of the patient's valid (not void) consents, the one with the newest issue
 * time decides (at equal times a withdrawal, then the later registered). Then:
 *   none                                   DENY  DECIDE_R_NO_CONSENT   "no consent"
 *   a withdrawal                           DENY  DECIDE_R_WITHDRAWN    "withdrawn"
 *   a grant, TIME before validity/from     DENY  DECIDE_R_NOT_YET_VALID
 *   a grant, TIME after validity/to        DENY  DECIDE_R_EXPIRED
 *   community not among its regions        DENY  DECIDE_R_REGION       "region not allowed"
 *   purpose not among its purposes         DENY  DECIDE_R_PURPOSE      "purpose not allowed"
 *   DOC_CLASS given and not among its classes (when it lists any)
 *                                          DENY  DECIDE_R_CLASS
 *   otherwise                              ALLOW DECIDE_R_GRANTED; when DOC_CLASS is NULL
 *                                          and the grant lists classes, the gateway
 *                                          filters each document with decide_class_allowed
 * An older grant never revives after a newer withdrawal or a newer, narrower grant: only
 * the newest consent counts. A storage failure or bad input is DENY (DECIDE_R_ERROR /
 * DECIDE_R_INVALID): fail closed.
 *
 * Emergency (break-glass, decide_emergency): for a community whose configuration allows
 * it, purpose "emergency". When the newest consent grants "emergency" to that community
 * now, the answer is ALLOW as above. Otherwise, when there is no consent, or the newest is
 * a grant that does not cover the request (expired, not yet valid, other regions or
 * purposes), the answer is ALLOW_EMERGENCY (DECIDE_R_EMERGENCY): allowed, flagged, and
 * the gateway must audit it with the user and their reason. A withdrawal still DENIES,
 * and the class list of the newest grant still applies: break-glass exists for when
 * consent cannot be asked (an unconscious patient), not to override a refusal the patient
 * signed (APPI art. 27(1)(ii) speaks of consent that is "difficult to obtain"). A
 * clinician who must go further calls the other hospital, where a person decides.
 *
 * Speed: one read of the patient's decision entries (policy/consent_int.h), no RSA, no
 * allocation. decide() uses one short read transaction; a batch shares one through
 * struct decide_reader.
 */
#ifndef HASHI_POLICY_DECIDE_H
#define HASHI_POLICY_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/consent_store.h"

#define DECIDE_PURPOSE_EMERGENCY	"emergency"

enum decide_result {
	DECIDE_DENY = 0,
	DECIDE_ALLOW = 1,
	DECIDE_ALLOW_EMERGENCY = 2	/* break-glass: allowed, must be audited as such */
};

enum decide_reason {
	DECIDE_R_GRANTED = 0,		/* "consent granted" */
	DECIDE_R_EMERGENCY,		/* "emergency access without consent" */
	DECIDE_R_NO_CONSENT,		/* "no consent" (gateway: ConsentRequired) */
	DECIDE_R_WITHDRAWN,		/* "withdrawn" */
	DECIDE_R_EXPIRED,		/* "expired" */
	DECIDE_R_NOT_YET_VALID,		/* "not yet valid" */
	DECIDE_R_REGION,		/* "region not allowed" */
	DECIDE_R_PURPOSE,		/* "purpose not allowed" */
	DECIDE_R_CLASS,			/* "document class not allowed" */
	DECIDE_R_INVALID,		/* "invalid request" (missing patient, community...) */
	DECIDE_R_ERROR			/* "consent store error" */
};

#define DECIDE_CLASSBUF	(CONSENT_CLASSES_MAX * CONSENT_TOKEN_MAX)

/* The answer. Plain data, no ownership; d_text is static. */
struct decision {
	enum decide_result	d_result;
	enum decide_reason	d_reason;
	const char		*d_text;
	int			d_have_consent;		/* a consent decided (for the audit) */
	uint8_t			d_consent[CONSENT_ID_LEN];	/* its id (consent_id_hex) */
	size_t			d_nclasses;		/* 0 = every document class */
	char			d_classes[DECIDE_CLASSBUF];	/* NUL-separated */
};

/* Decides for PATIENT (canonical CX, as mpi_pid_cx writes it), requesting community
 * HCID ("urn:oid:..." or the bare OID), PURPOSE (a token, exact match), DOC_CLASS (a
 * class code, or NULL for any) at TIME (seconds since the epoch), into *OUT. Returns
 * 0 after filling *OUT, or -1 (with *OUT a DENY of DECIDE_R_INVALID / DECIDE_R_ERROR). */
int decide(struct consent_store *cs, const char *patient, const char *hcid,
    const char *purpose, const char *doc_class, int64_t time, struct decision *out);

/* The break-glass decision described above, purpose "emergency". Same arguments and
 * returns as decide(). Call it only for a community whose configuration allows it. */
int decide_emergency(struct consent_store *cs, const char *patient, const char *hcid,
    const char *doc_class, int64_t time, struct decision *out);

/* Returns 1 when decision D allows documents of class CLS (a class code; NULL = a
 * document without a class, allowed only when D lists no classes), 0 otherwise (always 0
 * for a DENY). */
int decide_class_allowed(const struct decision *d, const char *cls);

/* Returns "DENY", "ALLOW" or "ALLOW_EMERGENCY" (static). */
const char *decide_result_name(enum decide_result r);

/* Returns the short English text of reason R (static). */
const char *decide_reason_text(enum decide_reason r);

/* Many decisions on one snapshot (one read transaction): begin, decide_r /
 * decide_emergency_r as often as needed, end. Keep it short (it pins the pages it sees);
 * never across an event-loop turn. decide_reader_begin returns CONSENT_OK or a storage
 * error and sets *RP (free with decide_reader_end, NULL accepted). */
struct decide_reader;
int decide_reader_begin(struct consent_store *cs, struct decide_reader **rp);
int decide_r(struct decide_reader *r, const char *patient, const char *hcid,
    const char *purpose, const char *doc_class, int64_t time, struct decision *out);
int decide_emergency_r(struct decide_reader *r, const char *patient, const char *hcid,
    const char *doc_class, int64_t time, struct decision *out);
void decide_reader_end(struct decide_reader *r);

#endif
