/*
 * gateway/registry_remote_ret: the remote backend's retrieve (ITI-43 from local systems,
 * ITI-39 as Responding Gateway). The HomeCommunityId rules are checked per DocumentRequest
 * first; the good requests go to the region's repository as one ITI-43 without
 * HomeCommunityId, and its answer (MTOM or inline base64) is re-emitted as our own MTOM
 * response: our wsa:Action and RelatesTo, every DocumentResponse carrying our HCID, the
 * repository's RegistryErrors and ours together.
 *
 * This version holds the repository's whole answer in memory (bounded by the HTTP
 * client's hc_max_body, i.e. limits.max_mtom_body) between receiving and re-emitting it,
 * as ig_retrieve.c does for peers; relaying the parts as they arrive is the next step.
 */
#include "gateway/registry_remote_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/retrieve_mem.h"

struct remote_ret {
	struct remote_op	 rt_op;		/* first: the op is the retrieve */
	registry_stream_cb	 rt_cb;
	void			*rt_arg;
	char			*rt_home;
	char			*rt_action;
	char			*rt_relates;	/* NULL = no RelatesTo */
	int			 rt_xca;
	struct reg_errors	 rt_errs;
	const char		*(*rt_release)(void *arg, const char *doc_uid);
	void			*rt_release_arg;
	struct retrieve_mem	*rt_mem;	/* the repository's answer and documents */
};

void
remote_ret_free(struct remote_ret *rt)
{
	if (rt == NULL)
		return;
	retrieve_mem_free(rt->rt_mem);
	regerr_clear(&rt->rt_errs);
	free(rt->rt_home);
	free(rt->rt_action);
	free(rt->rt_relates);
	free(rt);
}

static void
remote_ret_op_free(struct remote_op *op)
{
	remote_ret_free((struct remote_ret *)op);
}

struct remote_ret *
remote_ret_new(const struct retrieve_ctx *ctx)
{
	struct remote_ret *rt = calloc(1, sizeof(*rt));

	if (rt == NULL)
		return NULL;
	rt->rt_op.op_free = remote_ret_op_free;
	rt->rt_xca = ctx->rc_xca;
	rt->rt_release = ctx->rc_release;
	rt->rt_release_arg = ctx->rc_release_arg;
	rt->rt_home = str_dup(ctx->rc_home != NULL ? ctx->rc_home : "");
	rt->rt_action = str_dup(ctx->rc_action != NULL ? ctx->rc_action :
	    (ctx->rc_xca ? ACTION_ITI39_RESP : ACTION_ITI43_RESP));
	if (ctx->rc_relates_to != NULL)
		rt->rt_relates = str_dup(ctx->rc_relates_to);
	rt->rt_mem = retrieve_mem_new();
	if (rt->rt_home == NULL || rt->rt_action == NULL || rt->rt_mem == NULL ||
	    (ctx->rc_relates_to != NULL && rt->rt_relates == NULL)) {
		remote_ret_free(rt);
		return NULL;
	}
	return rt;
}

static void
remote_put_el(struct strbuf *sb, const char *name, const char *text)
{
	strbuf_printf(sb, "<xdsb:%s>", name);
	strbuf_put_xml(sb, text);
	strbuf_printf(sb, "</xdsb:%s>", name);
}

int
remote_ret_request(struct remote_ret *rt, const xmlNode *req, struct strbuf *body)
{
	struct strbuf sb = { 0 };
	struct retrieve_set set;
	const char *why;
	size_t i;
	int n = 0, failed;

	if (retrieve_parse(req, &set, &rt->rt_errs) == -1)
		return regerr_nerrors(&rt->rt_errs) == 0 || rt->rt_errs.rl_nomem ? -1 : 0;
	strbuf_printf(&sb, "<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"%s\">", NS_XDSB);
	for (i = 0; i < set.rs_n; i++) {
		const struct retrieve_item *it = &set.rs_item[i];

		/* The same rules and locations as the embedded repository. */
		if (!retrieve_home_ok(it, rt->rt_xca, rt->rt_home, &rt->rt_errs))
			continue;
		if (rt->rt_release != NULL &&
		    (why = rt->rt_release(rt->rt_release_arg, it->ri_doc)) != NULL) {
			regerr_add(&rt->rt_errs, 0, REGERR_CONSENT_REQUIRED, it->ri_doc,
			    "patient consent: %s", why);
			continue;
		}
		strbuf_puts(&sb, "<xdsb:DocumentRequest>");
		remote_put_el(&sb, "RepositoryUniqueId", it->ri_repo);
		remote_put_el(&sb, "DocumentUniqueId", it->ri_doc);
		strbuf_puts(&sb, "</xdsb:DocumentRequest>");
		n++;
	}
	strbuf_puts(&sb, "</xdsb:RetrieveDocumentSetRequest>");
	retrieve_set_free(&set);
	failed = sb.sb_failed || rt->rt_errs.rl_nomem;
	if (n > 0 && !failed)
		failed = strbuf_add(body, sb.sb_data, sb.sb_len) == -1;
	strbuf_reset(&sb);
	return failed ? -1 : n;
}

/* Takes one DocumentResponse DR of the repository's answer MSG. */
static void
remote_ret_doc(struct remote_ret *rt, struct soap_msg *msg, const xmlNode *dr)
{
	char *uid;

	switch (retrieve_mem_add(rt->rt_mem, msg, dr, rt->rt_home)) {
	case 1:
		uid = xml_text(xml_child(dr, NS_XDSB, "DocumentUniqueId"));
		regerr_add(&rt->rt_errs, 0, "XDSRepositoryError", uid != NULL &&
		    uid[0] != '\0' ? uid : rt->rt_home,
		    "%s returned an incomplete DocumentResponse", REMOTE_REPOSITORY);
		free(uid);
		break;
	case -1:
		rt->rt_errs.rl_nomem = 1;
		break;
	}
}

void
remote_ret_take(struct remote_ret *rt, struct soap_msg *msg, const char *why)
{
	xmlNodePtr resp, rr, dr;
	size_t before = rt->rt_errs.rl_n;
	char *status;

	if (msg == NULL) {
		regerr_add(&rt->rt_errs, 0, "XDSRepositoryError", rt->rt_home,
		    "no usable answer from %s: %s", REMOTE_REPOSITORY, why ? why : "unknown");
		return;
	}
	resp = soap_msg_payload(msg);
	if (!xml_is(resp, NS_XDSB, "RetrieveDocumentSetResponse") ||
	    (rr = xml_child(resp, NS_RS, "RegistryResponse")) == NULL) {
		log_info("remote: %s answered ITI-43 with another element", REMOTE_REPOSITORY);
		regerr_add(&rt->rt_errs, 0, "XDSRepositoryError", rt->rt_home,
		    "no usable answer from %s: unexpected answer", REMOTE_REPOSITORY);
		soap_msg_free(msg);
		return;
	}
	if (retrieve_mem_keep(rt->rt_mem, msg) == -1) {
		rt->rt_errs.rl_nomem = 1;
		return;
	}
	regerr_take_list(&rt->rt_errs, xml_child(rr, NS_RS, "RegistryErrorList"),
	    "XDSRepositoryError", NULL);
	/* A status short of Success must be explained by an error, else ours would say
	 * Success. */
	status = xml_attr(rr, "status");
	if ((status == NULL || strcmp(status, RS_STATUS_SUCCESS) != 0) &&
	    rt->rt_errs.rl_n == before)
		regerr_add(&rt->rt_errs, 0, "XDSRepositoryError", rt->rt_home,
		    "%s reported no success and no RegistryError", REMOTE_REPOSITORY);
	free(status);
	for (dr = xml_child(resp, NS_XDSB, "DocumentResponse"); dr != NULL;
	    dr = xml_next(dr, NS_XDSB, "DocumentResponse"))
		remote_ret_doc(rt, msg, dr);
}

struct body_source *
remote_ret_source(struct remote_ret *rt)
{
	struct body_source *src;

	src = retrieve_mem_source(rt->rt_mem, rt->rt_action, rt->rt_relates, &rt->rt_errs);
	rt->rt_mem = NULL;	/* now owned by the source, or freed */
	remote_ret_free(rt);
	return src;
}

static void
remote_ret_done(void *arg, struct soap_msg *msg, const char *why)
{
	struct remote_ret *rt = arg;
	registry_stream_cb cb = rt->rt_cb;
	void *cbarg = rt->rt_arg;

	remote_op_done(&rt->rt_op);
	remote_ret_take(rt, msg, why);
	cb(cbarg, remote_ret_source(rt));
}

void
remote_retrieve(struct registry *reg, xmlNodePtr req, const struct retrieve_ctx *ctx,
    registry_stream_cb cb, void *arg)
{
	struct registry_remote *rr = reg->rg_impl;
	struct strbuf body = { 0 }, env = { 0 };
	struct remote_ret *rt;
	char msgid[64];
	int n;

	if ((rt = remote_ret_new(ctx)) == NULL) {
		cb(arg, NULL);
		return;
	}
	rt->rt_cb = cb;
	rt->rt_arg = arg;
	if ((n = remote_ret_request(rt, req, &body)) == -1)
		goto nomem;
	if (n == 0) {		/* nothing to ask: the errors are the answer */
		cb(arg, remote_ret_source(rt));
		return;
	}
	if (soap_build_request_id(&env, ACTION_ITI43, rr->rr_repository_url, body.sb_data,
	    msgid, sizeof(msgid)) == -1 || env.sb_failed ||
	    remote_op_send(rr, &rt->rt_op, rr->rr_repository_url, SOAP_CONTENT_TYPE
	    "; action=\"" ACTION_ITI43 "\"", &env, msgid, TXN_ITI43, REMOTE_REPOSITORY,
	    remote_ret_done) == -1)
		goto nomem;
	strbuf_reset(&body);
	strbuf_reset(&env);
	return;
nomem:
	strbuf_reset(&body);
	strbuf_reset(&env);
	remote_ret_free(rt);
	cb(arg, NULL);
}
