/*
 * gateway/registry_remote: the backend that forwards to a region's existing XDS.b registry
 * (ITI-18, registry.remote.registry_url) and repository (ITI-43 and ITI-41,
 * registry.remote.repository_url) over the gateway's HTTPS client: mutual TLS with the
 * gateway's certificate, the server verified against the configured CA (there is no
 * configured identity of the remote server beyond that CA and the URL).
 *
 * Every call runs on the event loop under timeouts.request (as configured at start) and
 * is never retried: a submission that timed out may still have been stored remotely.
 * Whatever goes wrong on the way (no connection, TLS, timeout, SOAP fault, garbage) is
 * answered as the transaction's own Failure with XDSRegistryError (query) or
 * XDSRepositoryError (retrieve, submit) whose codeContext is our short English reason;
 * remote text is never logged. As Responding Gateway (ITI-38/39) the XCA homeCommunityId
 * rules are applied here, before anything is forwarded, and the answers carry our HCID.
 * Queries: registry_remote.c; retrieve: registry_remote_ret.c; rewriting:
 * registry_remote_msg.c; the HTTPS call with its deadline: gateway/upstream.c.
 */
#include "gateway/registry_remote_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/gw.h"

struct remote_xml_op {
	struct remote_op	 xo_op;
	registry_xml_cb		 xo_cb;
	void			*xo_arg;
	char			*xo_home;	/* stamped on query answers; NULL for submit */
};

/* ---------------------------------------------------------------- operations */

int
remote_op_send(struct registry_remote *rr, struct remote_op *op, const char *url,
    const char *ctype, const struct strbuf *body, const char *msgid, enum ihe_txn txn,
    const char *what, upstream_done_fn done)
{
	struct upstream_req uq;

	memset(&uq, 0, sizeof(uq));
	uq.uq_url = url;
	uq.uq_content_type = ctype;
	uq.uq_body = (const uint8_t *)body->sb_data;
	uq.uq_len = body->sb_len;
	uq.uq_msgid = msgid;
	uq.uq_txn = txn;
	uq.uq_deadline_ms = rr->rr_deadline_ms;
	uq.uq_limits = &rr->rr_limits;
	uq.uq_what = what;
	op->op_rr = rr;
	if ((op->op_call = upstream_post(rr->rr_client, &uq, done, op)) == NULL)
		return -1;
	TAILQ_INSERT_TAIL(&rr->rr_ops, op, op_entry);
	return 0;
}

void
remote_op_done(struct remote_op *op)
{
	TAILQ_REMOVE(&op->op_rr->rr_ops, op, op_entry);
	op->op_call = NULL;
}

static void
remote_xml_op_free(struct remote_op *op)
{
	struct remote_xml_op *xo = (struct remote_xml_op *)op;

	free(xo->xo_home);
	free(xo);
}

/* Hands SB (a complete payload element) to CB, or NULL when it could not be built. */
static void
remote_reply(registry_xml_cb cb, void *arg, struct strbuf *sb)
{
	cb(arg, sb->sb_failed ? (strbuf_reset(sb), NULL) : strbuf_take(sb, NULL));
}

/* ---------------------------------------------------------------- query (ITI-18/38) */

/* Answers a query with ERRS only (cleared). */
static void
remote_query_fail(registry_xml_cb cb, void *arg, struct reg_errors *errs)
{
	struct strbuf sb = { 0 };

	strbuf_printf(&sb, "<query:AdhocQueryResponse xmlns:query=\"%s\" xmlns:rim=\"%s\" "
	    "xmlns:rs=\"%s\" status=\"%s\">", NS_QUERY, NS_RIM, NS_RS, regerr_status(errs, 0));
	regerr_render(errs, &sb);
	strbuf_puts(&sb, "<rim:RegistryObjectList/></query:AdhocQueryResponse>");
	regerr_clear(errs);
	remote_reply(cb, arg, &sb);
}

/* The registry's answer, with home stamped, as a payload; NULL with *WHYP when unusable. */
static char *
remote_query_payload(struct remote_xml_op *xo, struct soap_msg *msg, const char **whyp)
{
	xmlNodePtr resp = soap_msg_payload(msg);
	char *status;

	if (!xml_is(resp, NS_QUERY, "AdhocQueryResponse") ||
	    (status = xml_attr(resp, "status")) == NULL) {
		log_info("remote: %s answered ITI-18 with another element", REMOTE_REGISTRY);
		*whyp = "unexpected answer";
		return NULL;
	}
	free(status);
	*whyp = "internal error";
	if (xo->xo_home != NULL && remote_stamp_home(resp, xo->xo_home) == -1)
		return NULL;
	return xml_dump_node(resp, NULL);
}

static void
remote_query_done(void *arg, struct soap_msg *msg, const char *why)
{
	struct remote_xml_op *xo = arg;
	struct reg_errors errs = { 0 };
	char *payload = NULL;

	remote_op_done(&xo->xo_op);
	if (msg != NULL)
		payload = remote_query_payload(xo, msg, &why);
	soap_msg_free(msg);
	if (payload != NULL)
		xo->xo_cb(xo->xo_arg, payload);
	else {
		regerr_add(&errs, 0, "XDSRegistryError", xo->xo_home,
		    "no usable answer from %s: %s", REMOTE_REGISTRY, why);
		remote_query_fail(xo->xo_cb, xo->xo_arg, &errs);
	}
	remote_xml_op_free(&xo->xo_op);
}

/* The ITI-18 envelope for the remote registry: REQ copied, home removed under XCA. */
static int
remote_query_envelope(const struct registry_remote *rr, xmlNodePtr req, int xca,
    struct strbuf *env, char *msgid, size_t n)
{
	xmlDocPtr doc;
	xmlNodePtr copy;
	char *xml = NULL;
	int ret = -1;

	if ((doc = xmlNewDoc(XC("1.0"))) == NULL)
		return -1;
	if ((copy = xmlDocCopyNode(req, doc, 1)) == NULL)
		goto done;
	xmlDocSetRootElement(doc, copy);
	if (xca)
		remote_strip_home(copy);
	if ((xml = xml_dump_node(copy, NULL)) == NULL)
		goto done;
	ret = soap_build_request_id(env, ACTION_ITI18, rr->rr_registry_url, xml, msgid, n);
done:
	free(xml);
	xmlFreeDoc(doc);
	return ret;
}

static void
remote_query(struct registry *reg, xmlNodePtr req, const struct sq_context *ctx,
    registry_xml_cb cb, void *arg)
{
	struct registry_remote *rr = reg->rg_impl;
	struct reg_errors errs = { 0 };
	struct strbuf env = { 0 };
	struct remote_xml_op *xo = NULL;
	char msgid[64];
	int r;

	if (!xml_is(req, NS_QUERY, "AdhocQueryRequest") ||
	    xml_child(req, NS_RIM, "AdhocQuery") == NULL) {
		regerr_add(&errs, 0, "XDSRegistryError", NULL,
		    "Request is not an AdhocQueryRequest with an AdhocQuery");
		remote_query_fail(cb, arg, &errs);
		return;
	}
	/* A community that is not ours is refused before the registry hears of it. */
	if (ctx->xca && (r = remote_home_check(req, ctx->home_hcid, &errs)) != 0) {
		if (r == -1)
			goto nomem;
		remote_query_fail(cb, arg, &errs);
		return;
	}
	if ((xo = calloc(1, sizeof(*xo))) == NULL ||
	    (ctx->home_hcid != NULL && (xo->xo_home = str_dup(ctx->home_hcid)) == NULL) ||
	    remote_query_envelope(rr, req, ctx->xca, &env, msgid, sizeof(msgid)) == -1 ||
	    env.sb_failed)
		goto nomem;
	xo->xo_op.op_free = remote_xml_op_free;
	xo->xo_cb = cb;
	xo->xo_arg = arg;
	if (remote_op_send(rr, &xo->xo_op, rr->rr_registry_url, SOAP_CONTENT_TYPE
	    "; action=\"" ACTION_ITI18 "\"", &env, msgid, TXN_ITI18, REMOTE_REGISTRY,
	    remote_query_done) == -1)
		goto nomem;
	strbuf_reset(&env);
	return;
nomem:
	if (xo != NULL)
		remote_xml_op_free(&xo->xo_op);
	strbuf_reset(&env);
	regerr_clear(&errs);
	cb(arg, NULL);
}

/* ---------------------------------------------------------------- submit (ITI-41) */

static void
remote_submit_done(void *arg, struct soap_msg *msg, const char *why)
{
	struct remote_xml_op *xo = arg;
	struct reg_errors errs = { 0 };
	struct strbuf sb = { 0 };
	xmlNodePtr resp = msg != NULL ? soap_msg_payload(msg) : NULL;
	char *status = NULL, *payload = NULL;

	remote_op_done(&xo->xo_op);
	if (msg != NULL) {
		if (!xml_is(resp, NS_RS, "RegistryResponse") ||
		    (status = xml_attr(resp, "status")) == NULL) {
			log_info("remote: %s answered ITI-41 with another element",
			    REMOTE_REPOSITORY);
			why = "unexpected answer";
		} else if ((payload = xml_dump_node(resp, NULL)) == NULL)
			why = "internal error";
	}
	free(status);
	soap_msg_free(msg);
	if (payload != NULL)
		xo->xo_cb(xo->xo_arg, payload);
	else {
		regerr_add(&errs, 0, "XDSRepositoryError", NULL,
		    "no usable answer from %s: %s", REMOTE_REPOSITORY, why);
		remote_registry_response(&sb, &errs);
		regerr_clear(&errs);
		remote_reply(xo->xo_cb, xo->xo_arg, &sb);
	}
	remote_xml_op_free(&xo->xo_op);
}

static void
remote_submit(struct registry *reg, xmlNodePtr pnr, const struct regstore_content *docs,
    size_t ndocs, registry_xml_cb cb, void *arg)
{
	struct registry_remote *rr = reg->rg_impl;
	struct reg_errors errs = { 0 };
	struct strbuf body = { 0 }, ct = { 0 }, sb = { 0 };
	struct remote_xml_op *xo = NULL;
	char msgid[64];
	int r;

	/* DOCS lives only during this call: the whole request is built now. */
	r = remote_pnr_build(pnr, docs, ndocs, rr->rr_repository_url, &body, &ct, msgid,
	    sizeof(msgid), &errs);
	if (r == 1) {
		remote_registry_response(&sb, &errs);
		regerr_clear(&errs);
		strbuf_reset(&body);
		strbuf_reset(&ct);
		remote_reply(cb, arg, &sb);
		return;
	}
	if (r == -1 || (xo = calloc(1, sizeof(*xo))) == NULL)
		goto nomem;
	xo->xo_op.op_free = remote_xml_op_free;
	xo->xo_cb = cb;
	xo->xo_arg = arg;
	if (remote_op_send(rr, &xo->xo_op, rr->rr_repository_url, ct.sb_data, &body, msgid,
	    TXN_ITI41, REMOTE_REPOSITORY, remote_submit_done) == -1)
		goto nomem;
	strbuf_reset(&body);
	strbuf_reset(&ct);
	return;
nomem:
	if (xo != NULL)
		remote_xml_op_free(&xo->xo_op);
	regerr_clear(&errs);
	strbuf_reset(&body);
	strbuf_reset(&ct);
	cb(arg, NULL);
}

/* ---------------------------------------------------------------- backend */

static void
remote_free(struct registry *reg)
{
	struct registry_remote *rr = reg->rg_impl;
	struct remote_op *op;

	/* Only at shutdown: what is still in flight is dropped unanswered. */
	while ((op = TAILQ_FIRST(&rr->rr_ops)) != NULL) {
		TAILQ_REMOVE(&rr->rr_ops, op, op_entry);
		upstream_cancel(op->op_call);
		op->op_free(op);
	}
	free(rr->rr_registry_url);
	free(rr->rr_repository_url);
	free(rr);
	free(reg);
}

static const struct registry_ops remote_ops = {
	.ro_name = "remote",
	.ro_query = remote_query,
	.ro_retrieve = remote_retrieve,
	.ro_submit = remote_submit,
	.ro_free = remote_free,
};

struct registry *
registry_remote_new(const struct config *cf, struct http_client *client)
{
	struct registry *reg = NULL;
	struct registry_remote *rr = NULL;

	if (client == NULL || cf->cf_remote_registry_url == NULL ||
	    cf->cf_remote_repository_url == NULL) {
		log_warnx("%s: registry backend \"remote\" needs registry.remote.registry_url "
		    "and registry.remote.repository_url", cf->cf_file);
		return NULL;
	}
	if ((reg = calloc(1, sizeof(*reg))) == NULL || (rr = calloc(1, sizeof(*rr))) == NULL)
		goto fail;
	TAILQ_INIT(&rr->rr_ops);
	rr->rr_client = client;
	rr->rr_deadline_ms = cf->cf_request_timeout_ms;
	gw_soap_limits(cf, &rr->rr_limits);
	if ((rr->rr_registry_url = str_dup(cf->cf_remote_registry_url)) == NULL ||
	    (rr->rr_repository_url = str_dup(cf->cf_remote_repository_url)) == NULL)
		goto fail;
	reg->rg_ops = &remote_ops;
	reg->rg_impl = rr;
	log_info("registry: remote, registry %s, repository %s", rr->rr_registry_url,
	    rr->rr_repository_url);
	return reg;
fail:
	if (rr != NULL) {
		free(rr->rr_registry_url);
		free(rr->rr_repository_url);
	}
	free(rr);
	free(reg);
	log_warnx("registry: out of memory");
	return NULL;
}
