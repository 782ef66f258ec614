/* gateway/dispatch: see dispatch.h. */
#include "gateway/dispatch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/exchange.h"
#include "gateway/http_server.h"
#include "gateway/consent_gate.h"
#include "gateway/consent_submit.h"
#include "gateway/cosign.h"
#include "gateway/ig.h"
#include "gateway/xcpd_resp.h"
#include "gateway/registry.h"

#define DISPATCH_MAX_DOCS	1000	/* xdsb:Document elements in one ITI-41 */

static void
dispatch_plain(struct http_req *req, int status, const char *text)
{
	http_reply(req, status, "text/plain; charset=UTF-8", (const uint8_t *)text,
	    strlen(text));
}

/* With registry.backend remote, the request the gateway made to the region's registry or
 * repository is recorded too (as the consumer it then is). */
static int
dispatch_remote(const struct exchange *ex)
{
	return exchange_cf(ex)->cf_registry == REGISTRY_REMOTE;
}

static void
dispatch_query_done(void *arg, char *payload)
{
	struct exchange *ex = arg;

	if (dispatch_remote(ex))
		ex_audit_backend(ex, ATNA_ITI18, exchange_cf(ex)->cf_remote_registry_url,
		    ex_audit_outcome(payload));
	exchange_payload_cb(ex, payload);
}

/* A peer's query answer passes the consent gate before it leaves. */
static void
dispatch_query_gated(void *arg, char *payload)
{
	struct exchange *ex = arg;

	if (dispatch_remote(ex))
		ex_audit_backend(ex, ATNA_ITI18, exchange_cf(ex)->cf_remote_registry_url,
		    ex_audit_outcome(payload));
	exchange_payload_cb(ex, consent_gate_query(ex, payload));
}

static void
dispatch_retrieve_done(void *arg, struct body_source *src)
{
	struct exchange *ex = arg;

	if (dispatch_remote(ex))
		ex_audit_backend(ex, ATNA_ITI43, exchange_cf(ex)->cf_remote_repository_url,
		    src != NULL ? ATNA_OK : ATNA_SERIOUS);
	exchange_stream_cb(ex, src);
}

static void
dispatch_submit_done(void *arg, char *payload)
{
	struct exchange *ex = arg;

	if (dispatch_remote(ex))
		ex_audit_backend(ex, ATNA_ITI41, exchange_cf(ex)->cf_remote_repository_url,
		    ex_audit_outcome(payload));
	exchange_payload_cb(ex, payload);
}

static void
dispatch_query(struct exchange *ex, int xca)
{
	const struct config *cf = exchange_cf(ex);
	struct sq_context ctx = { cf->cf_hcid, xca, 0 };
	struct registry *reg = ex->ex_gw->gw_registry;

	reg->rg_ops->ro_query(reg, soap_msg_payload(ex->ex_msg), &ctx,
	    xca ? dispatch_query_gated : dispatch_query_done, ex);
}

static void
dispatch_retrieve(struct exchange *ex, int xca)
{
	const struct config *cf = exchange_cf(ex);
	struct registry *reg = ex->ex_gw->gw_registry;
	struct retrieve_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.rc_home = cf->cf_hcid;
	ctx.rc_repo = cf->cf_repository_id;
	ctx.rc_xca = xca;
	ctx.rc_action = ex->ex_action->ae_response;
	ctx.rc_relates_to = soap_msg_wsa(ex->ex_msg)->wa_message_id;
	if (xca) {
		ctx.rc_release = consent_gate_release;
		ctx.rc_release_arg = ex;
	}
	reg->rg_ops->ro_retrieve(reg, soap_msg_payload(ex->ex_msg), &ctx, dispatch_retrieve_done,
	    ex);
}

static void
dispatch_docs_free(struct regstore_content *docs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((char *)(uintptr_t)docs[i].rc_entry_id);
	free(docs);
}

/* Answers a submission refused before the registry saw it: Failure with ERRS (cleared). */
static void
dispatch_refuse_submission(struct exchange *ex, struct reg_errors *errs)
{
	struct strbuf sb = { 0 };

	strbuf_printf(&sb, "<rs:RegistryResponse xmlns:rs=\"%s\" status=\"%s\">", NS_RS,
	    RS_STATUS_FAILURE);
	regerr_render(errs, &sb);
	strbuf_puts(&sb, "</rs:RegistryResponse>");
	regerr_clear(errs);
	exchange_reply_payload(ex, sb.sb_failed ? (strbuf_reset(&sb), NULL) :
	    strbuf_take(&sb, NULL));
}

/* An ITI-41 waiting for its "received" record: its documents (ids owned, bytes borrowed
 * from the message). */
struct dispatch_submission {
	struct exchange		*ds_ex;
	struct regstore_content	*ds_docs;
	size_t			 ds_n;
};

/* The "received" record is committed (OK): the patients' consents among the documents are
 * registered, then the submission is stored. */
static void
dispatch_submit_apply(void *arg, int ok)
{
	struct dispatch_submission *ds = arg;
	struct exchange *ex = ds->ds_ex;
	struct registry *reg = ex->ex_gw->gw_registry;
	xmlNodePtr pnr = soap_msg_payload(ex->ex_msg);
	struct reg_errors errs = { 0 };

	if (!ok)
		exchange_reply_internal(ex, "the audit log cannot be written; nothing was stored");
	else if (consent_submit(ex, pnr, ds->ds_docs, ds->ds_n, &errs) == -1)
		dispatch_refuse_submission(ex, &errs);
	else
		reg->rg_ops->ro_submit(reg, pnr, ds->ds_docs, ds->ds_n, dispatch_submit_done, ex);
	dispatch_docs_free(ds->ds_docs, ds->ds_n);
	free(ds);
}

/* ITI-41: collects the documents (inline base64 or MTOM attachments); once the submission
 * is on record, registers the patients' consents among them and submits. */
static void
dispatch_submit(struct exchange *ex)
{
	xmlNodePtr pnr = soap_msg_payload(ex->ex_msg), d;
	struct regstore_content *docs = NULL;
	struct dispatch_submission *ds;
	struct soap_fault f;
	char *id;
	size_t n = 0;

	if (!xml_is(pnr, NS_XDSB, "ProvideAndRegisterDocumentSetRequest")) {
		soap_fault_set(&f, SOAP_FAULT_SENDER, NULL,
		    "the body is not a ProvideAndRegisterDocumentSetRequest");
		exchange_reply_fault(ex, &f);
		return;
	}
	if ((docs = calloc(DISPATCH_MAX_DOCS, sizeof(*docs))) == NULL) {
		exchange_reply_internal(ex, "out of memory");
		return;
	}
	for (d = xml_child(pnr, NS_XDSB, "Document"); d != NULL;
	    d = xml_next(d, NS_XDSB, "Document")) {
		if (n == DISPATCH_MAX_DOCS) {
			soap_fault_set(&f, SOAP_FAULT_SENDER, NULL,
			    "more than %d documents in one submission", DISPATCH_MAX_DOCS);
			goto fault;
		}
		if ((id = xml_attr(d, "id")) == NULL) {
			soap_fault_set(&f, SOAP_FAULT_SENDER, NULL, "a Document has no id");
			goto fault;
		}
		docs[n].rc_entry_id = id;
		n++;
		if (soap_element_bytes(ex->ex_msg, d, &docs[n - 1].rc_data,
		    &docs[n - 1].rc_len) == -1) {
			soap_fault_set(&f, SOAP_FAULT_SENDER, NULL, "a Document holds invalid "
			    "base64 or an unresolvable xop:Include");
			goto fault;
		}
	}
	/* the submission is on record before anything is stored or registered */
	if ((ds = calloc(1, sizeof(*ds))) == NULL) {
		dispatch_docs_free(docs, n);
		exchange_reply_internal(ex, "out of memory");
		return;
	}
	ds->ds_ex = ex;
	ds->ds_docs = docs;
	ds->ds_n = n;
	if (ex_audit_precommit(ex, "received; to be stored", dispatch_submit_apply, ds) == -1) {
		free(ds);
		dispatch_docs_free(docs, n);
		exchange_reply_internal(ex, "the audit log cannot be written; nothing was stored");
	}
	return;
fault:
	dispatch_docs_free(docs, n);
	exchange_reply_fault(ex, &f);
}

/* Routes a parsed request; EX is answered and freed on every path. */
static void
dispatch_route(struct exchange *ex)
{
	enum ihe_txn txn = ex->ex_action->ae_txn;
	struct soap_fault f;

	switch (ex->ex_ep) {
	case EP_XDS:
		if (txn == TXN_ITI41)
			return dispatch_submit(ex);
		if (txn == TXN_ITI18)
			return dispatch_query(ex, 0);
		if (txn == TXN_ITI43)
			return dispatch_retrieve(ex, 0);
		break;
	case EP_XCA:
		if (txn == TXN_ITI38)
			return dispatch_query(ex, 1);
		if (txn == TXN_ITI39)
			return dispatch_retrieve(ex, 1);
		if (txn == TXN_ITI55)
			return xcpd_respond(ex);
		if (txn == TXN_COSIGN)
			return cosign_respond(ex);
		break;
	case EP_IG:
		if (txn == TXN_ITI18 || txn == TXN_ITI38)
			return ig_query(ex);
		if (txn == TXN_ITI39 || txn == TXN_ITI43)
			return ig_retrieve(ex);
		break;
	}
	soap_fault_set(&f, SOAP_FAULT_SENDER, SOAP_WSA_ACTION_NOT_SUPPORTED,
	    "%s is not served at this endpoint", action_txn_name(txn));
	str_copy(f.sf_problem_action, sizeof(f.sf_problem_action), ex->ex_action->ae_request);
	exchange_reply_fault(ex, &f);
}

/* Maps the path to an endpoint; -1 when unknown. */
static int
dispatch_endpoint(const char *path)
{
	if (strcmp(path, "/xds") == 0)
		return EP_XDS;
	if (strcmp(path, "/ig") == 0)
		return EP_IG;
	if (strcmp(path, "/xca") == 0)
		return EP_XCA;
	return -1;
}

/* The purpose of a request is that of the listener, i.e. the tunnel, it arrived on; a
 * request that declares another one (requester.h) came through the wrong tunnel and is
 * refused, recorded under the purpose it declared. Returns 0 to go on, -1 when refused.
 * Requests passed on to peers declare the purpose they have here. */
static int
dispatch_purpose(struct exchange *ex)
{
	const char *declared = ex->ex_requester.rq_purpose;
	struct soap_fault f;
	size_t n = strlen(declared);

	if (n == 0 || strcmp(declared, ex->ex_purpose) == 0) {
		str_copy(ex->ex_requester.rq_purpose, sizeof(ex->ex_requester.rq_purpose),
		    ex->ex_purpose);
		return 0;
	}
	/* a fault reason echoes a peer's text only when it is a plain purpose name */
	if (strspn(declared, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
	    != n)
		declared = "(not a purpose name)";
	log_warnx("refused %s from %s: declared purpose %s, but it came through the %s "
	    "listener", action_txn_name(ex->ex_action->ae_txn), ex->ex_id.id_name, declared,
	    ex->ex_purpose);
	soap_fault_set(&f, SOAP_FAULT_SENDER, NULL, "declared purpose %s is not the purpose of "
	    "the listener (tunnel) it arrived on: %s", declared, ex->ex_purpose);
	ex->ex_purpose = ex->ex_requester.rq_purpose;
	exchange_reply_fault(ex, &f);
	return -1;
}

void
dispatch_request(struct http_req *req, void *arg)
{
	struct gw *gw = arg;
	struct exchange *ex;
	struct soap_fault f;
	const uint8_t *body;
	size_t len;
	int ep;

	if (gw->gw_draining) {
		dispatch_plain(req, 503, "shutting down\n");
		return;
	}
	if ((ex = exchange_new(gw, req)) == NULL) {
		dispatch_plain(req, 503, "out of memory\n");
		return;
	}
	if (identity_resolve(exchange_cf(ex), http_req_ssl(req), &ex->ex_id) == -1) {
		log_warnx("refused %s: its certificate maps to no configured peer or local "
		    "system", http_req_peer(req));
		dispatch_plain(req, 403, "client certificate not authorised\n");
		goto drop;
	}
	if ((ep = dispatch_endpoint(http_req_path(req))) == -1) {
		dispatch_plain(req, 404, "no such endpoint\n");
		goto drop;
	}
	if ((ep == EP_XCA) != (ex->ex_id.id_kind == IDENTITY_PEER)) {
		log_warnx("refused %s (%s): endpoint %s is not for it", ex->ex_id.id_name,
		    http_req_peer(req), http_req_path(req));
		dispatch_plain(req, 403, "this endpoint is not for your certificate\n");
		goto drop;
	}
	if (strcmp(http_req_method(req), "POST") != 0) {
		http_req_add_header(req, "Allow", "POST");
		dispatch_plain(req, 405, "SOAP endpoints take POST\n");
		goto drop;
	}
	ex->ex_ep = ep;
	ex->ex_purpose = gw_request_purpose(gw, exchange_cf(ex), req);
	body = http_req_body(req, &len);
	if (soap_parse(body, len, http_req_header(req, "Content-Type"), &gw->gw_limits,
	    &ex->ex_msg, &f) == -1) {
		log_info("%s: SOAP fault to %s: %s", http_req_path(req), ex->ex_id.id_name,
		    f.sf_reason);
		exchange_reply_fault(ex, &f);
		return;
	}
	ex->ex_action = action_by_request(soap_msg_wsa(ex->ex_msg)->wa_action);
	requester_read(ex->ex_msg, &ex->ex_requester);
	ex_audit_begin(ex);
	if (dispatch_purpose(ex) == -1)
		return;
	log_debug("%s: %s from %s", http_req_path(req), action_txn_name(ex->ex_action->ae_txn),
	    ex->ex_id.id_name);
	dispatch_route(ex);
	return;
drop:
	exchange_free(ex);
}
