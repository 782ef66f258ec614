/* gateway/consent_audit: see consent_audit.h. */
#include "gateway/consent_audit.h"

#include <string.h>

#include "policy/consent_doc.h"

void
consent_audit_fill(struct consent_store *cs, const char *id, int voided,
    const char *text, struct consent_info *ci, const char **pid, struct atna_record *r)
{
	memset(ci, 0, sizeof(*ci));
	r->ar_event = ATNA_CONSENT_REGISTER;
	r->ar_outcome = id != NULL ? ATNA_OK : ATNA_SERIOUS;
	r->ar_outcome_desc = text;
	r->ar_object_id = id;
	if (id == NULL || consent_store_get(cs, id, ci, NULL, NULL) != CONSENT_OK)
		return;
	if (voided || ci->ci_doc.cd_action == CONSENT_WITHDRAW)
		r->ar_event = ATNA_CONSENT_WITHDRAW;
	r->ar_detail = voided ? "voided by an operator" :
	    ci->ci_doc.cd_action == CONSENT_WITHDRAW ? "withdraw document signed by the patient" :
	    "grant signed by the patient";
	*pid = ci->ci_doc.cd_patient;
	r->ar_patients = pid;
	r->ar_npatients = 1;
}
