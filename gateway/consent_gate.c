/* gateway/consent_gate: see consent_gate.h. */
#include "gateway/consent_gate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/exchange.h"
#include "gateway/gw.h"
#include "gateway/metrics.h"
#include "gateway/regerr.h"
#include "gateway/registry.h"
#include "mpi/mpi.h"
#include "policy/consent_store.h"
#include "policy/decide.h"

/* Records decision D on patient PID's records (document DOC_UID, or NULL for a query)
 * for EX, and for a break-glass release an emergency-access record with the clinician
 * and reason. */
static void
gate_audit(struct exchange *ex, const char *pid, const char *doc_uid,
    const struct decision *d)
{
	struct atna_record r;
	struct atna_doc doc = { doc_uid, NULL, NULL };
	const char *pids[1] = { pid };
	char cid[2 * CONSENT_ID_LEN + 1];

	ex_audit_record(ex, ATNA_CONSENT_DECISION, &r);
	r.ar_outcome = d->d_result == DECIDE_DENY ? ATNA_MINOR : ATNA_OK;
	r.ar_outcome_desc = d->d_text;
	r.ar_src_user = ex->ex_id.id_name;
	r.ar_src_region = ex->ex_id.id_peer != NULL ? ex->ex_id.id_peer->pr_hcid : NULL;
	r.ar_dst_region = exchange_cf(ex)->cf_hcid;
	r.ar_patients = pids;
	r.ar_npatients = 1;
	if (doc_uid != NULL) {
		r.ar_docs = &doc;
		r.ar_ndocs = 1;
	}
	if (d->d_have_consent) {
		consent_id_hex(d->d_consent, cid);
		r.ar_object_id = cid;
	}
	r.ar_detail = d->d_result == DECIDE_DENY ? "deny" :
	    d->d_result == DECIDE_ALLOW_EMERGENCY ? "allow-emergency" : "allow";
	(void)ex_audit_add(ex, &r);
	if (d->d_result != DECIDE_ALLOW_EMERGENCY)
		return;
	r.ar_event = ATNA_EMERGENCY;
	r.ar_outcome = ATNA_OK;
	r.ar_outcome_desc = ex->ex_requester.rq_reason;
	r.ar_detail = "break-glass release without consent";
	(void)ex_audit_add(ex, &r);
}

/* Decides for the peer of EX, patient CX, document class CLS (NULL = any), into *D;
 * logs and counts the outcome once per request. Returns D->d_result. */
static enum decide_result
gate_decide(struct exchange *ex, const char *cx, const char *cls, const char *doc_uid,
    struct decision *d)
{
	const struct config *cf = exchange_cf(ex);
	const char *peer = ex->ex_id.id_peer != NULL ? ex->ex_id.id_peer->pr_hcid : "";
	char pid[MPI_ID_MAX];

	/* the store keys patients by the MPI's canonical CX */
	if (mpi_pid_cx(ex->ex_gw->gw_mpi, cx, pid, sizeof(pid)) != MPI_OK)
		str_copy(pid, sizeof(pid), cx);
	if (strcmp(ex->ex_purpose, DECIDE_PURPOSE_EMERGENCY) == 0 && cf->cf_consent_emergency)
		(void)decide_emergency(ex->ex_gw->gw_consent, pid, peer, cls,
		    (int64_t)time(NULL), d);
	else
		(void)decide(ex->ex_gw->gw_consent, pid, peer, ex->ex_purpose, cls,
		    (int64_t)time(NULL), d);
	/* break-glass is for a named clinician with a stated reason, recorded with it */
	if (d->d_result == DECIDE_ALLOW_EMERGENCY && !ex->ex_requester.rq_present) {
		d->d_result = DECIDE_DENY;
		d->d_text = "emergency access needs the requesting user and reason";
	}
	gate_audit(ex, pid, doc_uid, d);
	ex_audit_patient(ex, pid);
	if (ex->ex_consent_logged)
		return d->d_result;
	ex->ex_consent_logged = 1;
	if (d->d_result == DECIDE_DENY) {
		log_info("consent: %s's records refused to %s (%s): %s", pid, ex->ex_id.id_name,
		    ex->ex_purpose, d->d_text);
		metrics_consent(ex->ex_gw->gw_metrics, METRICS_CONSENT_DENIED);
	} else if (d->d_result == DECIDE_ALLOW_EMERGENCY) {
		log_warnx("consent: EMERGENCY access to %s's records by %s for user \"%s\", "
		    "reason \"%s\", without consent (break-glass; flagged for review)", pid,
		    ex->ex_id.id_name, ex->ex_requester.rq_user, ex->ex_requester.rq_reason);
		metrics_consent(ex->ex_gw->gw_metrics, METRICS_CONSENT_EMERGENCY);
	}
	return d->d_result;
}

/* The answer refusing the whole query for REASON. */
static char *
gate_refusal(const struct config *cf, const char *reason)
{
	struct reg_errors errs = { 0 };
	struct strbuf sb = { 0 };

	regerr_add(&errs, 0, REGERR_CONSENT_REQUIRED, cf->cf_hcid, "patient consent: %s",
	    reason);
	strbuf_printf(&sb, "<query:AdhocQueryResponse xmlns:query=\"%s\" xmlns:rim=\"%s\" "
	    "xmlns:rs=\"%s\" status=\"%s\">", NS_QUERY, NS_RIM, NS_RS, RS_STATUS_FAILURE);
	regerr_render(&errs, &sb);
	strbuf_puts(&sb, "<rim:RegistryObjectList/></query:AdhocQueryResponse>");
	regerr_clear(&errs);
	if (sb.sb_failed) {
		strbuf_reset(&sb);
		return NULL;
	}
	return strbuf_take(&sb, NULL);
}

/* The patient id (CX) of registry object OBJ, malloc'd, or NULL (an ObjectRef, an
 * Association). */
static char *
gate_object_patient(const xmlNode *obj)
{
	char *p;

	if (xml_is(obj, NS_RIM, "ExtrinsicObject"))
		return ebrim_external_id(obj, UUID_DE_PATIENTID);
	if (!xml_is(obj, NS_RIM, "RegistryPackage"))
		return NULL;
	if ((p = ebrim_external_id(obj, UUID_SS_PATIENTID)) == NULL)
		p = ebrim_external_id(obj, UUID_FD_PATIENTID);
	return p;
}

/* The patient id of the query of EX (its *PatientId slot, unquoted), malloc'd, or NULL. */
static char *
gate_query_patient(const struct exchange *ex)
{
	xmlNodePtr adhoc = xml_child(soap_msg_payload(ex->ex_msg), NS_RIM, "AdhocQuery");
	char **v, *out = NULL, *name;
	size_t n;
	xmlNodePtr slot;

	for (slot = xml_child(adhoc, NS_RIM, "Slot"); slot != NULL && out == NULL;
	    slot = xml_next(slot, NS_RIM, "Slot")) {
		name = xml_attr(slot, "name");
		n = name != NULL ? strlen(name) : 0;
		if (n > 9 && strcmp(name + n - 9, "PatientId") == 0 &&
		    (v = ebrim_slot_values(slot->parent, name)) != NULL) {
			if (v[0] != NULL && (n = strlen(v[0])) >= 2 && v[0][0] == '\'')
				out = str_ndup(v[0] + 1, n - 2);
			ebrim_strv_free(v);
		}
		free(name);
	}
	return out;
}

/* Sets *PATIENT (malloc'd) to the one patient the objects of LIST belong to, or to the
 * query's. Returns 0, or -1 when they belong to several (never released). */
static int
gate_patient(const struct exchange *ex, const xmlNode *list, char **patient)
{
	xmlNodePtr obj;
	char *p;

	*patient = NULL;
	for (obj = xml_child(list, NULL, NULL); obj != NULL; obj = xml_next(obj, NULL, NULL)) {
		if ((p = gate_object_patient(obj)) == NULL)
			continue;
		if (*patient != NULL && strcmp(*patient, p) != 0) {
			free(p);
			return -1;
		}
		free(*patient);
		*patient = p;
	}
	if (*patient == NULL)
		*patient = gate_query_patient(ex);
	return 0;
}

/* Removes from LIST the objects D does not allow: DocumentEntries of classes the consent
 * does not list, ObjectRefs (their class cannot be told), and Associations that pointed
 * at a removed object. */
static void
gate_filter_classes(xmlNodePtr list, const struct decision *d)
{
	xmlNodePtr obj, next, a, an;
	char *code, *id, *src, *dst;
	int drop;

	for (obj = xml_child(list, NULL, NULL); obj != NULL; obj = next) {
		next = xml_next(obj, NULL, NULL);
		drop = xml_is(obj, NS_RIM, "ObjectRef");
		if (xml_is(obj, NS_RIM, "ExtrinsicObject")) {
			code = ebrim_code_of(ebrim_classification(obj, UUID_DE_CLASSCODE, NULL));
			if (code != NULL)
				code[strcspn(code, "^")] = '\0';
			drop = !decide_class_allowed(d, code);
			free(code);
		}
		if (!drop)
			continue;
		id = xml_attr(obj, "id");
		xmlUnlinkNode(obj);
		xmlFreeNode(obj);
		for (a = xml_child(list, NS_RIM, "Association"); a != NULL; a = an) {
			an = xml_next(a, NS_RIM, "Association");
			src = xml_attr(a, "sourceObject");
			dst = xml_attr(a, "targetObject");
			if (id != NULL && ((src != NULL && strcmp(src, id) == 0) ||
			    (dst != NULL && strcmp(dst, id) == 0))) {
				if (a == next)
					next = an;
				xmlUnlinkNode(a);
				xmlFreeNode(a);
			}
			free(src);
			free(dst);
		}
		free(id);
	}
}

char *
consent_gate_query(struct exchange *ex, char *payload)
{
	const struct config *cf = exchange_cf(ex);
	struct xml_limits lim = { 0 };
	struct decision d;
	enum xml_err xe;
	xmlDocPtr doc;
	xmlNodePtr list;
	char *patient = NULL, *out = payload;

	if (!cf->cf_consent_required || payload == NULL)
		return payload;
	lim.xl_max_bytes = strlen(payload) + 1;
	if ((doc = xml_parse_safe(payload, strlen(payload), &lim, &xe)) == NULL) {
		free(payload);
		return NULL;
	}
	list = xml_child(xmlDocGetRootElement(doc), NS_RIM, "RegistryObjectList");
	if (xml_child(list, NULL, NULL) == NULL)
		goto done;		/* nothing found: nothing to release */
	if (gate_patient(ex, list, &patient) == -1 || patient == NULL)
		out = gate_refusal(cf, "the records' patient cannot be told");
	else if (gate_decide(ex, patient, NULL, NULL, &d) == DECIDE_DENY)
		out = gate_refusal(cf, d.d_text);
	else if (d.d_nclasses > 0) {
		gate_filter_classes(list, &d);
		out = xml_dump_node(xmlDocGetRootElement(doc), NULL);
	}
	if (out != payload)
		free(payload);
done:
	free(patient);
	xmlFreeDoc(doc);
	return out;
}

const char *
consent_gate_release(void *arg, const char *doc_uid)
{
	struct exchange *ex = arg;
	struct registry *reg = ex->ex_gw->gw_registry;
	struct decision d;
	char *patient = NULL, *cls = NULL;
	const char *why = NULL;
	int r;

	if (!exchange_cf(ex)->cf_consent_required)
		return NULL;
	if (reg->rg_ops->ro_doc_meta == NULL)
		return "consent cannot be checked for this registry backend";
	r = reg->rg_ops->ro_doc_meta(reg, doc_uid, &patient, &cls);
	if (r == 1)
		why = NULL;	/* not here: the retrieve reports the unknown document */
	else if (r != 0)
		why = "consent store error";
	else if (gate_decide(ex, patient, cls, doc_uid, &d) == DECIDE_DENY)
		why = d.d_text;
	free(patient);
	free(cls);
	return why;
}
