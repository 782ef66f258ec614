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

#include <event2/buffer.h>

#include "common/log.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/mtom.h"

#define REMOTE_RET_ROOT_CID	"root@hashi"

struct remote_doc {
	const uint8_t	*rd_data;	/* borrowed from rt_msg */
	size_t		 rd_len;
	size_t		 rd_sent;
	char		*rd_mime;
	char		 rd_cid[32];
};

struct remote_ret {
	struct remote_op	 rt_op;		/* first: the op is the retrieve */
	registry_stream_cb	 rt_cb;
	void			*rt_arg;
	char			*rt_home;
	char			*rt_action;
	char			*rt_relates;	/* NULL = no RelatesTo */
	int			 rt_xca;
	struct reg_errors	 rt_errs;
	struct soap_msg		*rt_msg;	/* the repository's answer, for its bytes */
	struct remote_doc	*rt_docs;
	size_t			 rt_ndocs, rt_cap;
	struct strbuf		 rt_resp;	/* our DocumentResponse elements */
	/* streaming */
	char			 rt_boundary[80];
	char			*rt_ctype;
	char			*rt_root;
	size_t			 rt_next;	/* next document to send */
	int			 rt_phase;	/* 0 root, 1 doc header, 2 doc bytes, 3 end */
};

void
remote_ret_free(struct remote_ret *rt)
{
	size_t i;

	if (rt == NULL)
		return;
	for (i = 0; i < rt->rt_ndocs; i++)
		free(rt->rt_docs[i].rd_mime);
	free(rt->rt_docs);
	soap_msg_free(rt->rt_msg);
	regerr_clear(&rt->rt_errs);
	strbuf_reset(&rt->rt_resp);
	free(rt->rt_home);
	free(rt->rt_action);
	free(rt->rt_relates);
	free(rt->rt_ctype);
	free(rt->rt_root);
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
	rt->rt_home = str_dup(ctx->rc_home != NULL ? ctx->rc_home : "");
	rt->rt_action = str_dup(ctx->rc_action != NULL ? ctx->rc_action :
	    (ctx->rc_xca ? ACTION_ITI39_RESP : ACTION_ITI43_RESP));
	if (ctx->rc_relates_to != NULL)
		rt->rt_relates = str_dup(ctx->rc_relates_to);
	if (rt->rt_home == NULL || rt->rt_action == NULL ||
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
	size_t i;
	int n = 0, failed;

	if (retrieve_parse(req, &set, &rt->rt_errs) == -1)
		return regerr_nerrors(&rt->rt_errs) == 0 || rt->rt_errs.rl_nomem ? -1 : 0;
	strbuf_printf(&sb, "<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"%s\">", NS_XDSB);
	for (i = 0; i < set.rs_n; i++) {
		const struct retrieve_item *it = &set.rs_item[i];

		/* The same rules and locations as the embedded repository (retrieve.c). */
		if (it->ri_home == NULL && rt->rt_xca) {
			regerr_add(&rt->rt_errs, 0, "XDSMissingHomeCommunityId", it->ri_doc,
			    "HomeCommunityId is required in a Cross Gateway Retrieve");
			continue;
		}
		if (it->ri_home != NULL && strcmp(it->ri_home, rt->rt_home) != 0) {
			regerr_add(&rt->rt_errs, 0, "XDSUnknownCommunity", it->ri_home,
			    "this gateway answers for %s only", rt->rt_home);
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

/* Copies the optional element NAME of DR into our DocumentResponse. */
static void
remote_copy_el(struct strbuf *sb, const xmlNode *dr, const char *name)
{
	char *t = xml_text(xml_child(dr, NS_XDSB, name));

	if (t != NULL && t[0] != '\0')
		remote_put_el(sb, name, t);
	free(t);
}

/* Takes one DocumentResponse DR of the repository's answer. */
static void
remote_ret_doc(struct remote_ret *rt, const xmlNode *dr)
{
	char *repo = xml_text(xml_child(dr, NS_XDSB, "RepositoryUniqueId"));
	char *uid = xml_text(xml_child(dr, NS_XDSB, "DocumentUniqueId"));
	char *mime = xml_text(xml_child(dr, NS_XDSB, "mimeType"));
	struct remote_doc *d;

	if (rt->rt_ndocs == rt->rt_cap) {
		size_t cap = rt->rt_cap ? rt->rt_cap * 2 : 4;
		struct remote_doc *p = reallocarray(rt->rt_docs, cap, sizeof(*p));

		if (p == NULL) {
			rt->rt_errs.rl_nomem = 1;
			goto done;
		}
		rt->rt_docs = p;
		rt->rt_cap = cap;
	}
	d = &rt->rt_docs[rt->rt_ndocs];
	memset(d, 0, sizeof(*d));
	if (repo == NULL || repo[0] == '\0' || uid == NULL || uid[0] == '\0' ||
	    mime == NULL || mime[0] == '\0' || soap_element_bytes(rt->rt_msg,
	    xml_child(dr, NS_XDSB, "Document"), &d->rd_data, &d->rd_len) == -1) {
		regerr_add(&rt->rt_errs, 0, "XDSRepositoryError", uid != NULL && uid[0] != '\0' ?
		    uid : rt->rt_home, "%s returned an incomplete DocumentResponse",
		    REMOTE_REPOSITORY);
		goto done;
	}
	(void)snprintf(d->rd_cid, sizeof(d->rd_cid), "doc%zu@hashi", rt->rt_ndocs + 1);
	d->rd_mime = mime;
	mime = NULL;
	rt->rt_ndocs++;
	strbuf_puts(&rt->rt_resp, "<xdsb:DocumentResponse>");
	remote_put_el(&rt->rt_resp, "HomeCommunityId", rt->rt_home);
	remote_put_el(&rt->rt_resp, "RepositoryUniqueId", repo);
	remote_put_el(&rt->rt_resp, "DocumentUniqueId", uid);
	remote_copy_el(&rt->rt_resp, dr, "NewRepositoryUniqueId");
	remote_copy_el(&rt->rt_resp, dr, "NewDocumentUniqueId");
	remote_put_el(&rt->rt_resp, "mimeType", d->rd_mime);
	strbuf_puts(&rt->rt_resp, "<xdsb:Document>");
	mtom_put_include(&rt->rt_resp, d->rd_cid);
	strbuf_puts(&rt->rt_resp, "</xdsb:Document></xdsb:DocumentResponse>");
done:
	free(repo);
	free(uid);
	free(mime);
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
	rt->rt_msg = msg;
	remote_take_errors(&rt->rt_errs, xml_child(rr, NS_RS, "RegistryErrorList"),
	    "XDSRepositoryError");
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
		remote_ret_doc(rt, dr);
}

static int
remote_ret_pull(void *arg, struct evbuffer *out, size_t max)
{
	struct remote_ret *rt = arg;
	struct strbuf sb = { 0 };
	struct remote_doc *d;
	size_t n;
	int ret = 0;

	switch (rt->rt_phase) {
	case 0:
		mtom_root_part(&sb, rt->rt_boundary, REMOTE_RET_ROOT_CID, rt->rt_root);
		rt->rt_phase = rt->rt_ndocs > 0 ? 1 : 3;
		break;
	case 1:
		d = &rt->rt_docs[rt->rt_next];
		mtom_part_header(&sb, rt->rt_boundary, d->rd_cid, remote_header_mime(d->rd_mime));
		rt->rt_phase = 2;
		break;
	case 2:
		d = &rt->rt_docs[rt->rt_next];
		n = d->rd_len - d->rd_sent < max ? d->rd_len - d->rd_sent : max;
		if (n > 0 && evbuffer_add(out, d->rd_data + d->rd_sent, n) != 0)
			return -1;
		d->rd_sent += n;
		if (d->rd_sent == d->rd_len)
			rt->rt_phase = ++rt->rt_next < rt->rt_ndocs ? 1 : 3;
		return 0;
	default:
		mtom_end(&sb, rt->rt_boundary);
		ret = 1;
		break;
	}
	if (sb.sb_failed || evbuffer_add(out, sb.sb_data, sb.sb_len) != 0)
		ret = -1;
	strbuf_reset(&sb);
	return ret;
}

static void
remote_ret_source_free(void *arg)
{
	remote_ret_free(arg);
}

struct body_source *
remote_ret_source(struct remote_ret *rt)
{
	struct strbuf body = { 0 }, env = { 0 }, ct = { 0 };
	struct body_source *src = NULL;

	strbuf_printf(&body, "<xdsb:RetrieveDocumentSetResponse xmlns:xdsb=\"%s\" "
	    "xmlns:rs=\"%s\"><rs:RegistryResponse status=\"%s\">", NS_XDSB, NS_RS,
	    regerr_status(&rt->rt_errs, rt->rt_ndocs > 0));
	regerr_render(&rt->rt_errs, &body);
	strbuf_puts(&body, "</rs:RegistryResponse>");
	if (rt->rt_resp.sb_len > 0)
		strbuf_add(&body, rt->rt_resp.sb_data, rt->rt_resp.sb_len);
	strbuf_puts(&body, "</xdsb:RetrieveDocumentSetResponse>");
	if (body.sb_failed || rt->rt_resp.sb_failed ||
	    soap_build_response(&env, rt->rt_action, rt->rt_relates, body.sb_data) == -1 ||
	    mtom_boundary_new(rt->rt_boundary, sizeof(rt->rt_boundary)) == -1 ||
	    mtom_content_type(&ct, rt->rt_boundary, REMOTE_RET_ROOT_CID, rt->rt_action) == -1 ||
	    env.sb_failed || ct.sb_failed || (src = calloc(1, sizeof(*src))) == NULL)
		goto fail;
	rt->rt_root = strbuf_take(&env, NULL);
	rt->rt_ctype = strbuf_take(&ct, NULL);
	strbuf_reset(&body);
	src->bs_content_type = rt->rt_ctype;
	src->bs_pull = remote_ret_pull;
	src->bs_free = remote_ret_source_free;
	src->bs_ctx = rt;
	return src;
fail:
	strbuf_reset(&body);
	strbuf_reset(&env);
	strbuf_reset(&ct);
	remote_ret_free(rt);
	return NULL;
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
