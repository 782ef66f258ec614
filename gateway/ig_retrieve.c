/*
 * gateway/ig_retrieve: the initiating gateway's retrieve path (see ig.h). DocumentRequests
 * are grouped by HomeCommunityId, one ITI-39 per peer, sent concurrently; the answers are
 * merged into one MTOM response. This first version holds each peer's answer in memory
 * (bounded by limits.max_mtom_body) before merging; streaming relay is the next step.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/fanout.h"
#include "gateway/ig.h"
#include "gateway/ig_int.h"
#include "gateway/mtom.h"

struct ig_doc {
	const uint8_t	*id_data;	/* borrowed from the peer's message */
	size_t		 id_len;
	size_t		 id_sent;
	char		 id_cid[80];
	char		*id_mime;
};

struct ig_retrieve {
	struct exchange		*ir_ex;
	struct fanout		*ir_fo;
	struct reg_errors	 ir_errs;
	struct soap_msg		**ir_msgs;	/* peers' answers, kept for their bytes */
	size_t			 ir_nmsgs;
	struct ig_doc		*ir_docs;
	size_t			 ir_ndocs, ir_capdocs;
	struct strbuf		 ir_resp;	/* DocumentResponse elements */
	/* streaming state */
	char			 ir_boundary[80];
	char			*ir_ctype;
	char			*ir_root;
	size_t			 ir_next;	/* next document to send */
	int			 ir_phase;	/* 0 root, 1 doc header, 2 doc bytes, 3 end */
};

static void
ig_retrieve_free(void *arg)
{
	struct ig_retrieve *ir = arg;
	size_t i;

	if (ir == NULL)
		return;
	for (i = 0; i < ir->ir_nmsgs; i++)
		soap_msg_free(ir->ir_msgs[i]);
	for (i = 0; i < ir->ir_ndocs; i++)
		free(ir->ir_docs[i].id_mime);
	free(ir->ir_msgs);
	free(ir->ir_docs);
	regerr_clear(&ir->ir_errs);
	strbuf_reset(&ir->ir_resp);
	free(ir->ir_ctype);
	free(ir->ir_root);
	fanout_free(ir->ir_fo);
	free(ir);
}

static int
ig_retrieve_pull(void *arg, struct evbuffer *out, size_t max)
{
	struct ig_retrieve *ir = arg;
	struct strbuf sb = { 0 };
	struct ig_doc *d;
	size_t n;
	int ret = 0;

	switch (ir->ir_phase) {
	case 0:
		mtom_root_part(&sb, ir->ir_boundary, "root@hashi", ir->ir_root);
		ir->ir_phase = ir->ir_ndocs > 0 ? 1 : 3;
		break;
	case 1:
		d = &ir->ir_docs[ir->ir_next];
		mtom_part_header(&sb, ir->ir_boundary, d->id_cid, d->id_mime);
		ir->ir_phase = 2;
		break;
	case 2:
		d = &ir->ir_docs[ir->ir_next];
		n = d->id_len - d->id_sent < max ? d->id_len - d->id_sent : max;
		if (n > 0 && evbuffer_add(out, d->id_data + d->id_sent, n) != 0)
			return -1;
		d->id_sent += n;
		if (d->id_sent == d->id_len)
			ir->ir_phase = ++ir->ir_next < ir->ir_ndocs ? 1 : 3;
		return 0;
	default:
		mtom_end(&sb, ir->ir_boundary);
		ret = 1;
		break;
	}
	if (sb.sb_failed || evbuffer_add(out, sb.sb_data, sb.sb_len) != 0)
		ret = -1;
	strbuf_reset(&sb);
	return ret;
}

static int
ig_text_child(struct strbuf *sb, const xmlNode *parent, const char *name)
{
	char *t = xml_text(xml_child(parent, NS_XDSB, name));

	if (t == NULL)
		return -1;
	strbuf_printf(sb, "<xdsb:%s>", name);
	strbuf_put_xml(sb, t);
	strbuf_printf(sb, "</xdsb:%s>", name);
	free(t);
	return 0;
}

/* Takes one DocumentResponse of PEER's answer MSG. */
static void
ig_take_doc(struct ig_retrieve *ir, const struct peer *peer, struct soap_msg *msg,
    const xmlNode *dr)
{
	struct ig_doc *d;
	char *home = xml_text(xml_child(dr, NS_XDSB, "HomeCommunityId"));
	char *mime = xml_text(xml_child(dr, NS_XDSB, "mimeType"));

	if (home == NULL || home[0] == '\0') {
		regerr_add(&ir->ir_errs, 0, "XDSMissingHomeCommunityId", peer->pr_hcid,
		    "%s returned a document without HomeCommunityId", peer->pr_name);
		goto done;
	}
	if (strcmp(home, peer->pr_hcid) != 0) {
		regerr_add(&ir->ir_errs, 0, "XDSUnknownCommunity", peer->pr_hcid,
		    "%s returned a document of another community", peer->pr_name);
		goto done;
	}
	if (ir->ir_ndocs == ir->ir_capdocs) {
		size_t cap = ir->ir_capdocs ? ir->ir_capdocs * 2 : 4;
		struct ig_doc *p = reallocarray(ir->ir_docs, cap, sizeof(*p));

		if (p == NULL)
			goto nomem;
		ir->ir_docs = p;
		ir->ir_capdocs = cap;
	}
	d = &ir->ir_docs[ir->ir_ndocs];
	memset(d, 0, sizeof(*d));
	if (mime == NULL || soap_element_bytes(msg, xml_child(dr, NS_XDSB, "Document"),
	    &d->id_data, &d->id_len) == -1) {
		ig_unavailable(&ir->ir_errs, peer, "a DocumentResponse is incomplete");
		goto done;
	}
	snprintf(d->id_cid, sizeof(d->id_cid), "doc%zu@hashi", ir->ir_ndocs + 1);
	d->id_mime = mime;
	mime = NULL;
	ir->ir_ndocs++;
	strbuf_puts(&ir->ir_resp, "<xdsb:DocumentResponse>");
	ig_text_child(&ir->ir_resp, dr, "HomeCommunityId");
	ig_text_child(&ir->ir_resp, dr, "RepositoryUniqueId");
	ig_text_child(&ir->ir_resp, dr, "DocumentUniqueId");
	ig_text_child(&ir->ir_resp, dr, "mimeType");
	strbuf_puts(&ir->ir_resp, "<xdsb:Document>");
	mtom_put_include(&ir->ir_resp, d->id_cid);
	strbuf_puts(&ir->ir_resp, "</xdsb:Document></xdsb:DocumentResponse>");
	goto done;
nomem:
	ir->ir_errs.rl_nomem = 1;
done:
	free(home);
	free(mime);
}

static void
ig_take_answer(struct ig_retrieve *ir, const struct peer *peer, struct soap_msg *msg)
{
	xmlNodePtr resp = soap_msg_payload(msg), rr, dr;

	if (!xml_is(resp, NS_XDSB, "RetrieveDocumentSetResponse") ||
	    (rr = xml_child(resp, NS_RS, "RegistryResponse")) == NULL) {
		ig_unavailable(&ir->ir_errs, peer, "unexpected answer");
		soap_msg_free(msg);
		return;
	}
	ir->ir_msgs[ir->ir_nmsgs++] = msg;
	ig_take_errors(&ir->ir_errs, peer, xml_child(rr, NS_RS, "RegistryErrorList"));
	for (dr = xml_child(resp, NS_XDSB, "DocumentResponse"); dr != NULL;
	    dr = xml_next(dr, NS_XDSB, "DocumentResponse"))
		ig_take_doc(ir, peer, msg, dr);
}

/* Builds the root envelope and hands the merged response to the exchange. */
static void
ig_retrieve_answer(struct ig_retrieve *ir)
{
	struct strbuf body = { 0 }, env = { 0 }, ct = { 0 };
	struct exchange *ex = ir->ir_ex;
	struct body_source *src = NULL;
	const char *action = ex->ex_action->ae_response;

	strbuf_printf(&body, "<xdsb:RetrieveDocumentSetResponse xmlns:xdsb=\"%s\" "
	    "xmlns:rs=\"%s\"><rs:RegistryResponse status=\"%s\">", NS_XDSB, NS_RS,
	    regerr_status(&ir->ir_errs, ir->ir_ndocs > 0));
	regerr_render(&ir->ir_errs, &body);
	strbuf_puts(&body, "</rs:RegistryResponse>");
	if (ir->ir_resp.sb_len > 0)
		strbuf_add(&body, ir->ir_resp.sb_data, ir->ir_resp.sb_len);
	strbuf_puts(&body, "</xdsb:RetrieveDocumentSetResponse>");
	if (body.sb_failed || ir->ir_resp.sb_failed ||
	    soap_build_response(&env, action, soap_msg_wsa(ex->ex_msg)->wa_message_id,
	    body.sb_data) == -1 || mtom_boundary_new(ir->ir_boundary,
	    sizeof(ir->ir_boundary)) == -1 || mtom_content_type(&ct, ir->ir_boundary,
	    "root@hashi", action) == -1 || (src = calloc(1, sizeof(*src))) == NULL)
		goto fail;
	ir->ir_root = strbuf_take(&env, NULL);
	ir->ir_ctype = strbuf_take(&ct, NULL);
	if (ir->ir_root == NULL || ir->ir_ctype == NULL)
		goto fail;
	ir->ir_ex = NULL;
	src->bs_content_type = ir->ir_ctype;
	src->bs_pull = ig_retrieve_pull;
	src->bs_free = ig_retrieve_free;
	src->bs_ctx = ir;
	strbuf_reset(&body);
	exchange_reply_stream(ex, src);
	return;
fail:
	free(src);
	strbuf_reset(&body);
	strbuf_reset(&env);
	strbuf_reset(&ct);
	ir->ir_ex = NULL;
	ig_retrieve_free(ir);
	exchange_reply_internal(ex, "the gateway could not build its answer");
}

static void
ig_retrieve_done(struct fanout *fo, void *arg)
{
	struct ig_retrieve *ir = arg;
	struct soap_msg *msg;
	size_t i;

	ir->ir_msgs = calloc(fanout_nlegs(fo) + 1, sizeof(*ir->ir_msgs));
	for (i = 0; ir->ir_msgs != NULL && i < fanout_nlegs(fo); i++) {
		struct fanout_leg *leg = fanout_leg(fo, i);

		msg = ig_leg_message(leg, &ir->ir_ex->ex_gw->gw_limits, &ir->ir_errs);
		if (msg != NULL)
			ig_take_answer(ir, leg->fl_peer, msg);
	}
	if (ir->ir_msgs == NULL)
		ir->ir_errs.rl_nomem = 1;
	ig_retrieve_answer(ir);
}

/* Adds one leg per community named in SET. */
static int
ig_retrieve_legs(struct ig_retrieve *ir, const struct config *cf,
    const struct retrieve_set *set)
{
	struct strbuf body = { 0 }, env = { 0 };
	size_t p, i, n;
	char *e;
	size_t len;

	for (p = 0; p < cf->cf_npeers; p++) {
		const struct peer *peer = &cf->cf_peers[p];

		strbuf_printf(&body, "<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"%s\">",
		    NS_XDSB);
		for (n = 0, i = 0; i < set->rs_n; i++) {
			const struct retrieve_item *it = &set->rs_item[i];

			if (it->ri_home == NULL || strcmp(it->ri_home, peer->pr_hcid) != 0)
				continue;
			strbuf_puts(&body, "<xdsb:DocumentRequest><xdsb:HomeCommunityId>");
			strbuf_put_xml(&body, it->ri_home);
			strbuf_puts(&body, "</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>");
			strbuf_put_xml(&body, it->ri_repo);
			strbuf_puts(&body, "</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>");
			strbuf_put_xml(&body, it->ri_doc);
			strbuf_puts(&body, "</xdsb:DocumentUniqueId></xdsb:DocumentRequest>");
			n++;
		}
		strbuf_puts(&body, "</xdsb:RetrieveDocumentSetRequest>");
		if (n > 0 && (body.sb_failed || soap_build_request(&env, ACTION_ITI39,
		    peer->pr_retrieve_url, body.sb_data) == -1 ||
		    (e = strbuf_take(&env, &len)) == NULL || fanout_add(ir->ir_fo, peer,
		    peer->pr_retrieve_url, "application/soap+xml; charset=UTF-8; action=\""
		    ACTION_ITI39 "\"", e, len, NULL) == NULL)) {
			strbuf_reset(&body);
			strbuf_reset(&env);
			return -1;
		}
		strbuf_reset(&body);
	}
	return 0;
}

void
ig_retrieve(struct exchange *ex)
{
	const struct config *cf = exchange_cf(ex);
	struct ig_retrieve *ir;
	struct retrieve_set set;
	size_t i;

	if ((ir = calloc(1, sizeof(*ir))) == NULL) {
		exchange_reply_internal(ex, "out of memory");
		return;
	}
	ir->ir_ex = ex;
	ir->ir_fo = fanout_new(ex->ex_gw, cf->cf_request_timeout_ms, ig_retrieve_done, ir);
	memset(&set, 0, sizeof(set));
	if (ir->ir_fo == NULL) {
		ir->ir_errs.rl_nomem = 1;
		ig_retrieve_answer(ir);
		return;
	}
	if (retrieve_parse(soap_msg_payload(ex->ex_msg), &set, &ir->ir_errs) == -1)
		goto answer;
	for (i = 0; i < set.rs_n; i++) {
		const struct retrieve_item *it = &set.rs_item[i];

		if (it->ri_home == NULL)
			regerr_add(&ir->ir_errs, 0, "XDSMissingHomeCommunityId", it->ri_doc,
			    "DocumentRequest without HomeCommunityId");
		else if (config_peer_by_hcid(cf, it->ri_home) == NULL)
			regerr_add(&ir->ir_errs, 0, "XDSUnknownCommunity", it->ri_home,
			    "no route to this community");
	}
	if (ig_retrieve_legs(ir, cf, &set) == -1)
		ir->ir_errs.rl_nomem = 1;
	retrieve_set_free(&set);
	fanout_start(ir->ir_fo);
	return;
answer:
	retrieve_set_free(&set);
	ig_retrieve_done(ir->ir_fo, ir);
}
