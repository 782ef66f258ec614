/*
 * gateway/consent_audit: the audit record of a consent registration, withdrawal or void,
 * shared by the ITI-41 path in hashid and by hashictl consent.
 */
#ifndef HASHI_GATEWAY_CONSENT_AUDIT_H
#define HASHI_GATEWAY_CONSENT_AUDIT_H

#include "audit/atna.h"
#include "policy/consent_store.h"

/* Fills the event, outcome and objects of R (other fields untouched) for consent ID of
 * CS: registered (VOIDED 0; a withdraw document gives a withdrawal record) or voided by
 * an operator (VOIDED 1), or, ID NULL, a refused registration with reason TEXT. CI and PID (one
 * pointer) are the caller's scratch space R then points into (keep them alive with R). */
void consent_audit_fill(struct consent_store *cs, const char *id, int voided,
    const char *text, struct consent_info *ci, const char **pid, struct atna_record *r);

#endif
