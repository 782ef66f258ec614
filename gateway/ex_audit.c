/* gateway/ex_audit: see ex_audit.h. */
#include "gateway/ex_audit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/exchange.h"
#include "gateway/gw_audit.h"
#include "gateway/http_server.h"
#include "gateway/regerr.h"
#include "gateway/retrieve.h"
#include "gateway/sq_params.h"

#define NS_HL7	"urn:hl7-org:v3"

static enum atna_event
ex_audit_event_of(enum ihe_txn txn)
{
	switch (txn) {
	case TXN_ITI18: return ATNA_ITI18;
	case TXN_ITI38: return ATNA_ITI38;
	case TXN_ITI39: return ATNA_ITI39;
	case TXN_ITI41: return ATNA_ITI41;
	case TXN_ITI43: return ATNA_ITI43;
	case TXN_ITI55: return ATNA_ITI55;
	default: return 0;
	}
}

/* "192.0.2.1:50000" or "[2001:db8::1]:50000" -> the address alone. */
static void
ex_audit_host(const char *peer, char *buf, size_t bufsz)
{
	const char *e;
	size_t n;

	if (peer[0] == '[') {
		peer++;
		e = strchr(peer, ']');
	} else {
		e = strrchr(peer, ':');
	}
	n = e != NULL ? (size_t)(e - peer) : strlen(peer);
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, peer, n);
	buf[n] = '\0';
}

/* Our endpoint as the caller reached it: https://address:port/path. */
static void
ex_audit_endpoint(struct http_req *req, char *buf, size_t bufsz)
{
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN] = "localhost";
	unsigned port = 0;

	if (http_req_local_addr(req, &ss) == 0) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
			port = ntohs(sin->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			port = ntohs(s6->sin6_port);
		}
	}
	if (strchr(host, ':') != NULL)
		snprintf(buf, bufsz, "https://[%s]:%u%s", host, port, http_req_path(req));
	else
		snprintf(buf, bufsz, "https://%s:%u%s", host, port, http_req_path(req));
}

void
ex_audit_patient(struct exchange *ex, const char *cx)
{
	struct ex_audit *ea = &ex->ex_audit;
	size_t i;

	if (cx == NULL || cx[0] == '\0')
		return;
	for (i = 0; i < ea->ea_npatients; i++)
		if (strcmp(ea->ea_patients[i], cx) == 0)
			return;
	if (ea->ea_npatients < EX_AUDIT_MAX_PATIENTS &&
	    (ea->ea_patients[ea->ea_npatients] = str_dup(cx)) != NULL)
		ea->ea_npatients++;
}

/* Adds a document to EX's own record (strings copied). */
static void
ex_audit_doc(struct ex_audit *ea, const char *uid, const char *repo, const char *home)
{
	struct atna_doc *v;

	if (uid == NULL || (v = reallocarray(ea->ea_docs, ea->ea_ndocs + 1, sizeof(*v))) == NULL)
		return;
	ea->ea_docs = v;
	v[ea->ea_ndocs].ad_uid = str_dup(uid);
	v[ea->ea_ndocs].ad_repo = repo != NULL ? str_dup(repo) : NULL;
	v[ea->ea_ndocs].ad_home = home != NULL ? str_dup(home) : NULL;
	if (v[ea->ea_ndocs].ad_uid != NULL)
		ea->ea_ndocs++;
}

/* The first descendant element of N named NAME in NS, depth-first, at most DEPTH deep. */
static xmlNodePtr
ex_audit_find(xmlNodePtr n, const char *ns, const char *name, int depth)
{
	xmlNodePtr c, hit;

	for (c = xml_child(n, NULL, NULL); c != NULL && depth > 0; c = xml_next(c, NULL, NULL)) {
		if (xml_is(c, ns, name))
			return c;
		if ((hit = ex_audit_find(c, ns, name, depth - 1)) != NULL)
			return hit;
	}
	return NULL;
}

/* The value of the ExternalIdentifier with SCHEME under OBJ, malloc'd, or NULL. */
static char *
ex_audit_extid(xmlNodePtr obj, const char *scheme)
{
	xmlNodePtr x;
	char *s, *v;

	for (x = xml_child(obj, NS_RIM, "ExternalIdentifier"); x != NULL;
	    x = xml_next(x, NS_RIM, "ExternalIdentifier")) {
		s = xml_attr(x, "identificationScheme");
		if (s != NULL && strcmp(s, scheme) == 0) {
			free(s);
			return (v = xml_attr(x, "value"));
		}
		free(s);
	}
	return NULL;
}

/* ITI-41: the submission set's patient and every document entry's unique id. */
static void
ex_audit_submission(struct exchange *ex, xmlNodePtr pnr)
{
	xmlNodePtr list = xml_child(xml_child(pnr, NS_LCM, "SubmitObjectsRequest"), NS_RIM,
	    "RegistryObjectList"), o;
	char *v;

	for (o = xml_child(list, NULL, NULL); o != NULL; o = xml_next(o, NULL, NULL)) {
		if (xml_is(o, NS_RIM, "RegistryPackage") &&
		    (v = ex_audit_extid(o, UUID_SS_PATIENTID)) != NULL) {
			ex_audit_patient(ex, v);
			free(v);
		} else if (xml_is(o, NS_RIM, "ExtrinsicObject") &&
		    (v = ex_audit_extid(o, UUID_DE_UNIQUEID)) != NULL) {
			ex_audit_doc(&ex->ex_audit, v, NULL, NULL);
			free(v);
		}
	}
}

/* Queries: the query element's bytes and id, and the patient it names. */
static void
ex_audit_query(struct exchange *ex, enum ihe_txn txn, xmlNodePtr payload)
{
	struct ex_audit *ea = &ex->ex_audit;
	xmlNodePtr q;
	char *ext, *root;

	ea->ea_query = xml_dump_node(payload, &ea->ea_query_len);
	if (txn == TXN_ITI55) {
		if ((q = ex_audit_find(payload, NS_HL7, "queryId", 4)) != NULL) {
			ext = xml_attr(q, "extension");
			root = xml_attr(q, "root");
			if (root != NULL) {
				struct strbuf sb = { 0 };

				strbuf_printf(&sb, "%s%s%s", ext ? ext : "", ext ? "@" : "", root);
				ea->ea_query_id = sb.sb_failed ? NULL : strbuf_take(&sb, NULL);
			}
			free(ext);
			free(root);
		}
		return;
	}
	q = xml_child(payload, NS_RIM, "AdhocQuery");
	ea->ea_query_id = xml_attr(q, "id");
	if ((ext = sq_pid_unquote(sq_pid_value(q))) != NULL)
		ex_audit_patient(ex, ext);
	free(ext);
}

void
ex_audit_begin(struct exchange *ex)
{
	struct ex_audit *ea = &ex->ex_audit;
	xmlNodePtr payload = soap_msg_payload(ex->ex_msg);
	enum ihe_txn txn = ex->ex_action->ae_txn;
	struct reg_errors errs = { 0 };
	struct retrieve_set set;
	size_t i;

	if (ex->ex_req != NULL) {
		ex_audit_host(http_req_peer(ex->ex_req), ea->ea_client, sizeof(ea->ea_client));
		ex_audit_endpoint(ex->ex_req, ea->ea_endpoint, sizeof(ea->ea_endpoint));
	}
	if (txn == TXN_ITI18 || txn == TXN_ITI38 || txn == TXN_ITI55) {
		ex_audit_query(ex, txn, payload);
	} else if (txn == TXN_ITI39 || txn == TXN_ITI43) {
		memset(&set, 0, sizeof(set));
		if (retrieve_parse(payload, &set, &errs) == 0)
			for (i = 0; i < set.rs_n; i++)
				ex_audit_doc(ea, set.rs_item[i].ri_doc, set.rs_item[i].ri_repo,
				    set.rs_item[i].ri_home);
		retrieve_set_free(&set);
		regerr_clear(&errs);
	} else if (txn == TXN_ITI41) {
		ex_audit_submission(ex, payload);
	}
}

void
ex_audit_record(const struct exchange *ex, enum atna_event event, struct atna_record *r)
{
	const struct config *cf = exchange_cf(ex);

	memset(r, 0, sizeof(*r));
	r->ar_event = event;
	r->ar_time_ms = atna_now_ms();
	r->ar_purpose = ex->ex_purpose;
	if (ex->ex_requester.rq_user[0] != '\0')
		r->ar_human = ex->ex_requester.rq_user;
	if (ex->ex_requester.rq_reason[0] != '\0')
		r->ar_human_reason = ex->ex_requester.rq_reason;
	r->ar_source_id = cf->cf_hcid;
	r->ar_site = cf->cf_name;
}

int
ex_audit_add(struct exchange *ex, const struct atna_record *r)
{
	struct ex_audit *ea = &ex->ex_audit;
	uint64_t gen;

#ifdef HASHI_BENCH_UNAUDITED
	/* make bench's comparison binary only (never installed): no log, no records */
	if (ex->ex_gw->gw_audit == NULL)
		return 0;
#endif
	if (ex->ex_gw->gw_audit == NULL || gw_audit_add(ex->ex_gw->gw_audit, r, &gen) == -1) {
		ea->ea_failed = 1;
		return -1;
	}
	if (ea->ea_since == 0)
		ea->ea_since = gen;
	return 0;
}

void
ex_audit_leg(struct exchange *ex, enum atna_event event, const struct peer *peer,
    const char *url, const char *const *pids, size_t npids, const struct atna_doc *docs,
    size_t ndocs, int outcome, const char *why)
{
	struct atna_record r;

	ex_audit_record(ex, event, &r);
	r.ar_initiator = 1;
	r.ar_outcome = outcome;
	r.ar_outcome_desc = why;
	r.ar_src_user = ex->ex_id.id_name;
	r.ar_src_region = exchange_cf(ex)->cf_hcid;
	r.ar_dst_user = url;
	r.ar_dst_region = peer->pr_hcid;
	r.ar_patients = pids;
	r.ar_npatients = npids;
	r.ar_docs = docs;
	r.ar_ndocs = ndocs;
	(void)ex_audit_add(ex, &r);
}

/* What the request of EA names (patients, documents, the query) goes into R. */
static void
ex_audit_subject(const struct ex_audit *ea, struct atna_record *r)
{
	r->ar_patients = (const char *const *)ea->ea_patients;
	r->ar_npatients = ea->ea_npatients;
	r->ar_docs = ea->ea_docs;
	r->ar_ndocs = ea->ea_ndocs;
	r->ar_query_id = ea->ea_query_id;
	r->ar_query = (const uint8_t *)ea->ea_query;
	r->ar_query_len = ea->ea_query_len;
}

void
ex_audit_backend(struct exchange *ex, enum atna_event event, const char *url, int outcome)
{
	struct ex_audit *ea = &ex->ex_audit;
	const struct config *cf = exchange_cf(ex);
	struct atna_record r;

	ex_audit_record(ex, event, &r);
	r.ar_initiator = 1;
	r.ar_outcome = outcome;
	r.ar_src_user = ex->ex_id.id_name;
	r.ar_src_region = cf->cf_hcid;
	r.ar_dst_user = url;
	r.ar_dst_region = cf->cf_hcid;		/* the region's own registry */
	ex_audit_subject(ea, &r);
	(void)ex_audit_add(ex, &r);
}

int
ex_audit_outcome(const char *payload)
{
	const char *p;

	if (payload == NULL)
		return ATNA_SERIOUS;
	if ((p = strstr(payload, "ResponseStatusType:")) == NULL) {
		/* XCPD: an application or query-parameter error */
		if ((p = strstr(payload, "queryResponseCode")) != NULL &&
		    (strncmp(p, "queryResponseCode code=\"AE\"", 26) == 0 ||
		    strncmp(p, "queryResponseCode code=\"QE\"", 26) == 0))
			return ATNA_SERIOUS;
		return ATNA_OK;		/* an answer without a status: served */
	}
	p += strlen("ResponseStatusType:");
	if (strncmp(p, "Success", 7) == 0)
		return ATNA_OK;
	return strncmp(p, "PartialSuccess", 14) == 0 ? ATNA_MINOR : ATNA_SERIOUS;
}

static void
ex_audit_done(void *arg, int ok)
{
	struct exchange *ex = arg;

	ex->ex_audit.ea_send(ex, ok);
}

/* Adds the record of the transaction EX received. */
static void
ex_audit_own(struct exchange *ex, int outcome, const char *desc)
{
	struct ex_audit *ea = &ex->ex_audit;
	const struct config *cf = exchange_cf(ex);
	struct atna_record r;

	ex_audit_record(ex, ex_audit_event_of(ex->ex_action->ae_txn), &r);
	r.ar_outcome = outcome;
	r.ar_outcome_desc = desc;
	r.ar_src_user = ex->ex_id.id_name;
	r.ar_src_nap = ea->ea_client[0] != '\0' ? ea->ea_client : NULL;
	r.ar_src_region = ex->ex_id.id_kind == IDENTITY_PEER ? ex->ex_id.id_peer->pr_hcid :
	    cf->cf_hcid;
	r.ar_dst_user = ea->ea_endpoint[0] != '\0' ? ea->ea_endpoint : NULL;
	r.ar_dst_region = cf->cf_hcid;
	ex_audit_subject(ea, &r);
	(void)ex_audit_add(ex, &r);
}

int
ex_audit_precommit(struct exchange *ex, const char *desc, void (*cb)(void *arg, int ok),
    void *arg)
{
	struct ex_audit *ea = &ex->ex_audit;
	struct gw_audit *a = ex->ex_gw->gw_audit;

#ifdef HASHI_BENCH_UNAUDITED
	if (a == NULL) {
		cb(arg, 1);
		return 0;
	}
#endif
	ex_audit_own(ex, ATNA_OK, desc);
	if (a == NULL || ea->ea_failed)
		return -1;
	return gw_audit_wait(a, ea->ea_since != 0 ? ea->ea_since : gw_audit_generation(a), cb,
	    arg);
}

void
ex_audit_finish(struct exchange *ex, int outcome, const char *desc,
    void (*send)(struct exchange *ex, int ok))
{
	struct ex_audit *ea = &ex->ex_audit;
	struct gw_audit *a = ex->ex_gw->gw_audit;

	ea->ea_send = send;
#ifdef HASHI_BENCH_UNAUDITED
	if (a == NULL)
		return send(ex, 1);
#endif
	/* A message that never parsed into a transaction released nothing: its fault needs
	 * no record (and has none of the facts one would hold). */
	/* (a co-signing request is recorded by its handler, with what it decided) */
	if (ex->ex_action != NULL && ex->ex_action->ae_txn != TXN_NONE &&
	    ex->ex_action->ae_txn != TXN_COSIGN)
		ex_audit_own(ex, outcome, desc);
	else if (ea->ea_since == 0 && !ea->ea_failed)
		return send(ex, 1);
	if (a == NULL || ea->ea_failed ||
	    gw_audit_wait(a, ea->ea_since != 0 ? ea->ea_since : gw_audit_generation(a),
	    ex_audit_done, ex) == -1)
		send(ex, 0);
}

void
ex_audit_clear(struct ex_audit *ea)
{
	size_t i;

	for (i = 0; i < ea->ea_npatients; i++)
		free(ea->ea_patients[i]);
	for (i = 0; i < ea->ea_ndocs; i++) {
		free((char *)(uintptr_t)ea->ea_docs[i].ad_uid);
		free((char *)(uintptr_t)ea->ea_docs[i].ad_repo);
		free((char *)(uintptr_t)ea->ea_docs[i].ad_home);
	}
	free(ea->ea_docs);
	free(ea->ea_query_id);
	free(ea->ea_query);
	memset(ea, 0, sizeof(*ea));
}
