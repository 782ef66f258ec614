/* gateway/consent_submit: see consent_submit.h. */
#include "gateway/consent_submit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/xml.h"
#include "gateway/consent_audit.h"
#include "gateway/consent_trust.h"
#include "gateway/ebrim.h"
#include "gateway/exchange.h"
#include "gateway/gw.h"
#include "policy/consent.h"

#define CONSENT_SUBMIT_MAX	16	/* consents in one submission */

/* Returns 1 when the DocumentEntry with id ID in PNR's metadata has the consent
 * formatCode. */
static int
consent_submit_is_consent(const xmlNode *pnr, const char *id)
{
	xmlNodePtr sor = xml_child(pnr, NS_LCM, "SubmitObjectsRequest");
	xmlNodePtr list = xml_child(sor, NS_RIM, "RegistryObjectList"), eo;
	char *eid, *code;
	int hit = 0;

	for (eo = xml_child(list, NS_RIM, "ExtrinsicObject"); eo != NULL && !hit;
	    eo = xml_next(eo, NS_RIM, "ExtrinsicObject")) {
		if ((eid = xml_attr(eo, "id")) == NULL)
			continue;
		if (strcmp(eid, id) == 0 && (code = ebrim_code_of(ebrim_classification(eo,
		    UUID_DE_FORMATCODE, NULL))) != NULL) {
			code[strcspn(code, "^")] = '\0';
			hit = strcmp(code, CONSENT_FORMAT_CODE) == 0;
			free(code);
		}
		free(eid);
	}
	return hit;
}

/* Records what happened to consent ID submitted by EX: registered (VOIDED 0; ID NULL: a
 * refused registration, TEXT why) or voided again with its refused submission (VOIDED 1). */
static void
consent_submit_audit(struct exchange *ex, const char *id, int voided, const char *text)
{
	struct consent_info ci;
	struct atna_record r;
	const char *pid;

	ex_audit_record(ex, ATNA_CONSENT_REGISTER, &r);
	r.ar_src_user = ex->ex_id.id_name;
	r.ar_src_region = exchange_cf(ex)->cf_hcid;
	r.ar_dst_region = exchange_cf(ex)->cf_hcid;
	consent_audit_fill(ex->ex_gw->gw_consent, id, voided, text, &ci, &pid, &r);
	if (voided)
		r.ar_detail = "voided with its refused submission";
	(void)ex_audit_add(ex, &r);
}

int
consent_submit(struct exchange *ex, const xmlNode *pnr, const struct regstore_content *docs,
    size_t n, struct reg_errors *errs)
{
	const struct config *cf = exchange_cf(ex);
	struct gw *gw = ex->ex_gw;
	struct jpki_trust *t = NULL;
	struct consent_result res;
	char done[CONSENT_SUBMIT_MAX][CONSENT_ID_HEX];
	size_t i, ndone = 0;
	int ret = 0;

	for (i = 0; i < n && ret == 0; i++) {
		if (!consent_submit_is_consent(pnr, docs[i].rc_entry_id))
			continue;
		if (t == NULL && (t = consent_trust_load(cf)) == NULL) {
			regerr_add(errs, 0, REGERR_CONSENT_INVALID, docs[i].rc_entry_id,
			    "consents cannot be registered here (no JPKI trust configured)");
			ret = -1;
		} else if (ndone == CONSENT_SUBMIT_MAX || docs[i].rc_data == NULL) {
			regerr_add(errs, 0, REGERR_CONSENT_INVALID, docs[i].rc_entry_id,
			    "too many consents in one submission");
			ret = -1;
		} else if (policy_consent_register(gw->gw_consent, gw->gw_mpi, t, NULL, 0,
		    docs[i].rc_data, docs[i].rc_len, (int64_t)time(NULL), &res) != 0) {
			regerr_add(errs, 0, REGERR_CONSENT_INVALID, docs[i].rc_entry_id,
			    "consent refused: %s", res.cr_text);
			log_info("consent from %s refused: %s", ex->ex_id.id_name, res.cr_text);
			consent_submit_audit(ex, NULL, 0, res.cr_text);
			ret = -1;
		} else {
			log_info("consent %s registered from %s", res.cr_id, ex->ex_id.id_name);
			consent_submit_audit(ex, res.cr_id, 0, NULL);
			memcpy(done[ndone++], res.cr_id, sizeof(res.cr_id));
		}
	}
	/* all or nothing: the consents of a refused submission are withdrawn again */
	for (i = 0; ret == -1 && i < ndone; i++)
		if (consent_store_void(gw->gw_consent, done[i],
		    "its ITI-41 submission was refused", CONSENT_REASON_NONE, 0,
		    (int64_t)time(NULL)) != CONSENT_OK)
			log_warnx("consent %s: could not be voided after a refused submission",
			    done[i]);
		else
			consent_submit_audit(ex, done[i], 1,
			    "its ITI-41 submission was refused");
	jpki_trust_free(t);
	return ret;
}
