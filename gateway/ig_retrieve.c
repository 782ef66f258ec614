/*
 * gateway/ig_retrieve: the initiating gateway's retrieve path (see ig.h). DocumentRequests
 * are grouped by HomeCommunityId, one ITI-39 per peer, sent concurrently; the answers are
 * merged into one MTOM response. This first version holds each peer's answer in memory
 * (bounded by limits.max_mtom_body) before merging; streaming relay is the next step.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/fanout.h"
#include "gateway/ig.h"
#include "gateway/ig_int.h"
#include "gateway/retrieve_mem.h"

struct ig_retrieve {
	struct exchange		*ir_ex;
	struct fanout		*ir_fo;
	struct reg_errors	 ir_errs;
	struct retrieve_mem	*ir_mem;	/* the peers' answers and their documents */
};

static void
ig_retrieve_free(struct ig_retrieve *ir)
{
	if (ir == NULL)
		return;
	regerr_clear(&ir->ir_errs);
	retrieve_mem_free(ir->ir_mem);
	fanout_free(ir->ir_fo);
	free(ir);
}

/* Takes one DocumentResponse of PEER's answer MSG. */
static void
ig_take_doc(struct ig_retrieve *ir, const struct peer *peer, struct soap_msg *msg,
    const xmlNode *dr)
{
	char *home = xml_text(xml_child(dr, NS_XDSB, "HomeCommunityId"));

	if (home == NULL || home[0] == '\0')
		regerr_add(&ir->ir_errs, 0, "XDSMissingHomeCommunityId", peer->pr_hcid,
		    "%s returned a document without HomeCommunityId", peer->pr_name);
	else if (strcmp(home, peer->pr_hcid) != 0)
		regerr_add(&ir->ir_errs, 0, "XDSUnknownCommunity", peer->pr_hcid,
		    "%s returned a document of another community", peer->pr_name);
	else switch (retrieve_mem_add(ir->ir_mem, msg, dr, peer->pr_hcid)) {
	case 1:
		ig_unavailable(&ir->ir_errs, peer, "a DocumentResponse is incomplete");
		break;
	case -1:
		ir->ir_errs.rl_nomem = 1;
		break;
	}
	free(home);
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
	if (retrieve_mem_keep(ir->ir_mem, msg) == -1) {
		ir->ir_errs.rl_nomem = 1;
		return;
	}
	regerr_take_list(&ir->ir_errs, xml_child(rr, NS_RS, "RegistryErrorList"),
	    "XDSRepositoryError", peer->pr_hcid);
	for (dr = xml_child(resp, NS_XDSB, "DocumentResponse"); dr != NULL;
	    dr = xml_next(dr, NS_XDSB, "DocumentResponse"))
		ig_take_doc(ir, peer, msg, dr);
}

/* Hands the merged response to the exchange and frees IR. */
static void
ig_retrieve_answer(struct ig_retrieve *ir)
{
	struct exchange *ex = ir->ir_ex;
	struct body_source *src;

	src = retrieve_mem_source(ir->ir_mem, ex->ex_action->ae_response,
	    soap_msg_wsa(ex->ex_msg)->wa_message_id, &ir->ir_errs);
	ir->ir_mem = NULL;	/* now owned by the source, or freed */
	ig_retrieve_free(ir);
	exchange_reply_stream(ex, src);
}

static void
ig_retrieve_done(struct fanout *fo, void *arg)
{
	struct ig_retrieve *ir = arg;
	struct soap_msg *msg;
	size_t i;

	for (i = 0; i < fanout_nlegs(fo); i++) {
		struct fanout_leg *leg = fanout_leg(fo, i);

		msg = ig_leg_message(leg, &ir->ir_ex->ex_gw->gw_limits, &ir->ir_errs);
		if (msg != NULL)
			ig_take_answer(ir, leg->fl_peer, msg);
	}
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
	ir->ir_mem = retrieve_mem_new();
	memset(&set, 0, sizeof(set));
	if (ir->ir_fo == NULL || ir->ir_mem == NULL) {
		ig_retrieve_free(ir);
		exchange_reply_internal(ex, "out of memory");
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
