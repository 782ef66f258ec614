/*
 * gateway/ig_retrieve: the initiating gateway's retrieve path (see ig.h). DocumentRequests
 * are grouped by HomeCommunityId, one ITI-39 per peer, sent concurrently, and the answers
 * merged into one MTOM response without holding any document whole:
 *  1. each peer's MTOM answer is read as a stream; its root part (small XML) is collected
 *     and parsed when it ends, then the peer is paused (TCP back-pressure) until its turn;
 *  2. once every peer's root part arrived, or the deadline fired (the others become
 *     XDSUnavailableCommunity), our root part goes out listing every DocumentResponse
 *     under a Content-ID of ours;
 *  3. each peer's binary parts are then relayed in turn through a bounded buffer.
 * A peer answering plain SOAP (inline base64) is buffered (bounded by the MTOM body limit)
 * and its documents emitted from memory by retrieve_mem before the relayed parts. A document
 * inlined as base64 in a peer's MTOM root part (XOP lets a sender do that with small ones)
 * is decoded when the root part is parsed and queued as a part of ours in the peer's relay
 * buffer (bounded by the SOAP envelope limit).
 * A relayed peer that breaks after our root went out aborts our response (pull -1): the
 * client sees a truncated reply, never a falsely complete one.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/fanout.h"
#include "gateway/http_server.h"
#include "gateway/ig.h"
#include "gateway/ig_int.h"
#include "gateway/mtom.h"
#include "gateway/retrieve_mem.h"
#include "gateway/tunnel.h"

#define IG_RELAY_HIGH	(1024 * 1024)	/* pause a peer holding more than this */
#define IG_RELAY_LOW	(256 * 1024)	/* resume it once the pull drained it to this */

/* A document a peer will send as a part: its cid there and ours. */
struct ig_pdoc {
	char		*pd_peer_cid;
	const char	*pd_cid;	/* borrowed from the retrieve_mem */
	char		*pd_mime;
	int		 pd_seen;
};

struct ig_peer {
	struct ig_retrieve	*pp_ir;
	struct fanout_leg	*pp_leg;
	struct mtom_reader	*pp_rd;
	struct strbuf		 pp_body;	/* the root part, or a plain SOAP body */
	struct evbuffer		*pp_buf;	/* relayed bytes the pull has not taken yet */
	struct ig_pdoc		*pp_doc;
	size_t			 pp_ndoc;
	const char		*pp_why;	/* why the answer is unusable, or NULL */
	int			 pp_mtom;	/* a multipart answer, read by pp_rd */
	int			 pp_nparts;
	int			 pp_in_root;
	int			 pp_relay;	/* the current part is relayed */
	int			 pp_rooted;	/* root parsed, leg settled */
	int			 pp_paused;
	int			 pp_end;	/* 0 running, 1 complete, -1 broken */
};

struct ig_retrieve {
	struct exchange		*ir_ex;
	struct fanout		*ir_fo;
	struct reg_errors	 ir_errs;
	struct retrieve_mem	*ir_mem;	/* documents listed in our root part */
	struct ig_peer		**ir_peer;
	size_t			 ir_npeer;
	char			 ir_boundary[80];
	/* emitting */
	struct body_source	*ir_src;	/* retrieve_mem's: root and in-memory parts */
	int			 ir_phase;	/* 0 retrieve_mem, 1 relays, 2 end */
	size_t			 ir_cur;
	int			 ir_waiting;	/* the pull returned nothing: wake it */
};

static void
ig_peer_free(struct ig_peer *pp)
{
	size_t i;

	if (pp == NULL)
		return;
	mtom_reader_free(pp->pp_rd);
	strbuf_reset(&pp->pp_body);
	if (pp->pp_buf != NULL)
		evbuffer_free(pp->pp_buf);
	for (i = 0; i < pp->pp_ndoc; i++) {
		free(pp->pp_doc[i].pd_peer_cid);
		free(pp->pp_doc[i].pd_mime);
	}
	free(pp->pp_doc);
	free(pp);
}

static void
ig_retrieve_free(struct ig_retrieve *ir)
{
	size_t i;

	if (ir == NULL)
		return;
	fanout_free(ir->ir_fo);		/* first: no stream callback afterwards */
	for (i = 0; i < ir->ir_npeer; i++)
		ig_peer_free(ir->ir_peer[i]);
	free(ir->ir_peer);
	regerr_clear(&ir->ir_errs);
	retrieve_mem_free(ir->ir_mem);
	if (ir->ir_src != NULL) {
		ir->ir_src->bs_free(ir->ir_src->bs_ctx);
		free(ir->ir_src);
	}
	free(ir);
}

/* Asks the http layer to pull again when it found nothing and PP, the peer being
 * relayed, now has something to say. */
static void
ig_wake(struct ig_retrieve *ir, const struct ig_peer *pp)
{
	if (ir->ir_waiting && ir->ir_phase == 1 && ir->ir_cur < ir->ir_npeer &&
	    ir->ir_peer[ir->ir_cur] == pp && ir->ir_ex->ex_req != NULL) {
		ir->ir_waiting = 0;
		http_stream_wake(ir->ir_ex->ex_req);
	}
}

static void
ig_pause(struct ig_peer *pp, int paused)
{
	if (pp->pp_paused != paused) {
		pp->pp_paused = paused;
		fanout_leg_pause(pp->pp_leg, paused);
	}
}

/* Returns 1 when DR names PEER's community; otherwise adds the error and returns 0. */
static int
ig_check_home(struct ig_retrieve *ir, const struct peer *peer, const xmlNode *dr)
{
	char *home = xml_text(xml_child(dr, NS_XDSB, "HomeCommunityId"));
	int ok = 0;

	if (home == NULL || home[0] == '\0')
		regerr_add(&ir->ir_errs, 0, "XDSMissingHomeCommunityId", peer->pr_hcid,
		    "%s returned a document without HomeCommunityId", peer->pr_name);
	else if (strcmp(home, peer->pr_hcid) != 0)
		regerr_add(&ir->ir_errs, 0, "XDSUnknownCommunity", peer->pr_hcid,
		    "%s returned a document of another community", peer->pr_name);
	else
		ok = 1;
	free(home);
	return ok;
}

/* Takes one DocumentResponse of PEER's buffered answer MSG. */
static void
ig_take_doc(struct ig_retrieve *ir, const struct peer *peer, struct soap_msg *msg,
    const xmlNode *dr)
{
	if (!ig_check_home(ir, peer, dr))
		return;
	switch (retrieve_mem_add(ir->ir_mem, msg, dr, peer->pr_hcid)) {
	case 1:
		ig_unavailable(&ir->ir_errs, peer, "a DocumentResponse is incomplete");
		break;
	case -1:
		ir->ir_errs.rl_nomem = 1;
		break;
	}
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

/* Appends the bytes of the xs:base64Binary TEXT to OUT. Returns 0, or -1 when TEXT is not
 * base64 or memory ran out. */
static int
ig_b64_decode(const char *text, struct evbuffer *out)
{
	uint8_t *bytes;
	size_t len;
	int ret;

	if (str_b64_decode(text, &bytes, &len) == -1)
		return -1;
	ret = evbuffer_add(out, bytes, len) == 0 ? 0 : -1;
	free(bytes);
	return ret;
}

/* Takes a DocumentResponse of a streamed root part whose Document holds its bytes as
 * base64 text: they are decoded now and queued in PP's relay buffer as a part of ours,
 * ahead of the parts PP still sends. */
static void
ig_take_inline(struct ig_peer *pp, const xmlNode *dr, const xmlNode *doc)
{
	struct ig_retrieve *ir = pp->pp_ir;
	const struct peer *peer = pp->pp_leg->fl_peer;
	char *text = xml_text(doc), *mime = NULL;
	struct evbuffer *bytes = evbuffer_new();
	struct strbuf sb = { 0 };
	const char *ours;

	if (text == NULL || bytes == NULL) {
		ir->ir_errs.rl_nomem = 1;
		goto done;
	}
	/* decoded before it is listed: a bad one must not be announced */
	if (ig_b64_decode(text, bytes) == -1) {
		ig_unavailable(&ir->ir_errs, peer, "a document is not valid base64");
		goto done;
	}
	switch (retrieve_mem_add_ref(ir->ir_mem, dr, peer->pr_hcid, &ours)) {
	case 0:
		break;
	case 1:
		ig_unavailable(&ir->ir_errs, peer, "a DocumentResponse is incomplete");
		goto done;
	default:
		ir->ir_errs.rl_nomem = 1;
		goto done;
	}
	mime = xml_text(xml_child(dr, NS_XDSB, "mimeType"));
	if (mtom_part_header(&sb, ir->ir_boundary, ours, mtom_safe_mime(mime)) == -1 ||
	    sb.sb_failed || evbuffer_add(pp->pp_buf, sb.sb_data, sb.sb_len) != 0 ||
	    evbuffer_add_buffer(pp->pp_buf, bytes) != 0)
		ir->ir_errs.rl_nomem = 1;	/* listed without its part: fail */
done:
	if (bytes != NULL)
		evbuffer_free(bytes);
	strbuf_reset(&sb);
	free(text);
	free(mime);
}

/* Takes one DocumentResponse of a streamed root part: its bytes come later as the part
 * its xop:Include names, renamed to a cid of ours, or are inline. */
static void
ig_take_ref(struct ig_peer *pp, const xmlNode *dr)
{
	struct ig_retrieve *ir = pp->pp_ir;
	const struct peer *peer = pp->pp_leg->fl_peer;
	const xmlNode *doc = xml_child(dr, NS_XDSB, "Document");
	const xmlNode *inc = xml_child(doc, MTOM_XOP_NS, "Include");
	char *href = xml_attr(inc, "href"), cid[512];
	struct ig_pdoc *d, *p;
	const char *ours;

	if (!ig_check_home(ir, peer, dr))
		goto done;
	if (doc != NULL && xml_child(doc, NULL, NULL) == NULL) {
		ig_take_inline(pp, dr, doc);	/* text only: base64 */
		goto done;
	}
	if (href == NULL || mtom_cid_from_href(href, cid, sizeof(cid)) == -1) {
		ig_unavailable(&ir->ir_errs, peer, "a DocumentResponse is incomplete");
		goto done;
	}
	if ((p = reallocarray(pp->pp_doc, pp->pp_ndoc + 1, sizeof(*p))) == NULL) {
		ir->ir_errs.rl_nomem = 1;
		goto done;
	}
	pp->pp_doc = p;
	d = &p[pp->pp_ndoc];
	memset(d, 0, sizeof(*d));
	switch (retrieve_mem_add_ref(ir->ir_mem, dr, peer->pr_hcid, &ours)) {
	case 0:
		d->pd_cid = ours;
		d->pd_mime = xml_text(xml_child(dr, NS_XDSB, "mimeType"));
		if ((d->pd_peer_cid = str_dup(cid)) == NULL || d->pd_mime == NULL) {
			free(d->pd_peer_cid);
			free(d->pd_mime);
			ir->ir_errs.rl_nomem = 1;	/* listed without its part: fail */
			break;
		}
		pp->pp_ndoc++;
		break;
	case 1:
		ig_unavailable(&ir->ir_errs, peer, "a DocumentResponse is incomplete");
		break;
	default:
		ir->ir_errs.rl_nomem = 1;
		break;
	}
done:
	free(href);
}

/* Parses PP's root part. Returns 0 (the peer is settled and paused until its turn), or
 * -1 when it is unusable (pp_why set). */
static int
ig_peer_root(struct ig_peer *pp)
{
	const struct soap_limits *sl = &pp->pp_ir->ir_ex->ex_gw->gw_limits;
	struct xml_limits xl = { sl->sl_max_bytes, sl->sl_max_depth };
	enum xml_err xe;
	xmlDocPtr doc;
	xmlNodePtr env, body, resp = NULL, rr, dr;

	doc = xml_parse_safe(pp->pp_body.sb_data, pp->pp_body.sb_len, &xl, &xe);
	strbuf_reset(&pp->pp_body);
	env = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (!xml_is(env, SOAP_NS_ENV, "Envelope") ||
	    (body = xml_child(env, SOAP_NS_ENV, "Body")) == NULL) {
		pp->pp_why = "malformed answer";
		goto fail;
	}
	for (resp = body->children; resp != NULL && resp->type != XML_ELEMENT_NODE;
	    resp = resp->next)
		;
	if (!xml_is(resp, NS_XDSB, "RetrieveDocumentSetResponse") ||
	    (rr = xml_child(resp, NS_RS, "RegistryResponse")) == NULL) {
		pp->pp_why = "unexpected answer";
		goto fail;
	}
	regerr_take_list(&pp->pp_ir->ir_errs, xml_child(rr, NS_RS, "RegistryErrorList"),
	    "XDSRepositoryError", pp->pp_leg->fl_peer->pr_hcid);
	for (dr = xml_child(resp, NS_XDSB, "DocumentResponse"); dr != NULL;
	    dr = xml_next(dr, NS_XDSB, "DocumentResponse"))
		ig_take_ref(pp, dr);
	xmlFreeDoc(doc);
	pp->pp_rooted = 1;
	fanout_leg_settle(pp->pp_leg);
	ig_pause(pp, 1);
	return 0;
fail:
	if (doc != NULL)
		xmlFreeDoc(doc);
	return -1;
}

static int
ig_part_begin(void *arg, const struct mtom_part_info *pi)
{
	struct ig_peer *pp = arg;
	struct strbuf sb = { 0 };
	size_t i;
	int ret = 0;

	if (pp->pp_nparts++ == 0) {
		pp->pp_in_root = 1;	/* MTOM sends the root part first */
		return 0;
	}
	pp->pp_relay = 0;
	for (i = 0; pi->pi_content_id != NULL && i < pp->pp_ndoc; i++) {
		struct ig_pdoc *d = &pp->pp_doc[i];

		if (d->pd_seen || strcmp(d->pd_peer_cid, pi->pi_content_id) != 0)
			continue;
		d->pd_seen = 1;
		pp->pp_relay = 1;
		if (mtom_part_header(&sb, pp->pp_ir->ir_boundary, d->pd_cid,
		    mtom_safe_mime(d->pd_mime)) == -1 || sb.sb_failed ||
		    evbuffer_add(pp->pp_buf, sb.sb_data, sb.sb_len) != 0)
			ret = -1;
		break;
	}
	strbuf_reset(&sb);
	return ret;
}

static int
ig_part_data(void *arg, const uint8_t *data, size_t len)
{
	struct ig_peer *pp = arg;

	if (pp->pp_in_root) {
		if (pp->pp_body.sb_len + len > pp->pp_ir->ir_ex->ex_gw->gw_limits.sl_max_bytes)
			return -1;
		return strbuf_add(&pp->pp_body, data, len) == -1 ? -1 : 0;
	}
	if (pp->pp_relay)
		return evbuffer_add(pp->pp_buf, data, len) != 0 ? -1 : 0;
	return 0;
}

static int
ig_part_end(void *arg)
{
	struct ig_peer *pp = arg;

	pp->pp_relay = 0;
	if (!pp->pp_in_root)
		return 0;
	pp->pp_in_root = 0;
	return ig_peer_root(pp);
}

static const struct mtom_callbacks ig_mtom_cb = {
	ig_part_begin, ig_part_data, ig_part_end
};

static void
ig_fs_headers(struct fanout_leg *leg)
{
	struct ig_peer *pp = leg->fl_user;
	struct mtom_ct ct;

	if (leg->fl_status != 200 || leg->fl_content_type == NULL ||
	    !mtom_ct_is(leg->fl_content_type, "multipart/related"))
		return;		/* plain SOAP or a fault: buffered */
	pp->pp_mtom = 1;
	if (mtom_ct_parse(leg->fl_content_type, &ct) == -1 ||
	    (pp->pp_rd = mtom_reader_new(ct.ct_boundary, &ig_mtom_cb, pp)) == NULL)
		pp->pp_why = "malformed answer";
}

/* PP's stream is unusable: before its root part it is simply unavailable; after, the
 * relay fails when it reaches PP. */
static void
ig_peer_broken(struct ig_peer *pp, const char *why)
{
	if (pp->pp_why == NULL)
		pp->pp_why = why;
	if (pp->pp_rooted && pp->pp_end == 0) {
		log_info("ig: %s: retrieve answer broken (%s)", pp->pp_leg->fl_peer->pr_name,
		    why);
		pp->pp_end = -1;
		ig_pause(pp, 1);
		ig_wake(pp->pp_ir, pp);
	}
}

static void
ig_fs_data(struct fanout_leg *leg, const uint8_t *data, size_t len)
{
	struct ig_peer *pp = leg->fl_user;
	const struct soap_limits *sl = &pp->pp_ir->ir_ex->ex_gw->gw_limits;

	if (pp->pp_why != NULL || pp->pp_end != 0)
		return;		/* the rest is discarded */
	if (!pp->pp_mtom) {
		if (pp->pp_body.sb_len + len > sl->sl_max_mtom_bytes)
			pp->pp_why = "answer over the size limit";
		else if (strbuf_add(&pp->pp_body, data, len) == -1)
			pp->pp_why = "out of memory";
		return;
	}
	if (mtom_reader_feed(pp->pp_rd, data, len) == -1) {
		ig_peer_broken(pp, pp->pp_why != NULL ? pp->pp_why : "malformed MIME");
		return;
	}
	if (pp->pp_rooted && evbuffer_get_length(pp->pp_buf) > IG_RELAY_HIGH)
		ig_pause(pp, 1);
	ig_wake(pp->pp_ir, pp);
}

static void
ig_fs_end(struct fanout_leg *leg, enum http_err err)
{
	struct ig_peer *pp = leg->fl_user;
	size_t i;

	if (pp->pp_end != 0)
		return;
	if (err != HTTP_OK) {
		ig_peer_broken(pp, http_err_str(err));
		return;
	}
	if (mtom_reader_finish(pp->pp_rd) == -1) {
		ig_peer_broken(pp, "truncated MIME body");
		return;
	}
	for (i = 0; i < pp->pp_ndoc; i++)
		if (!pp->pp_doc[i].pd_seen) {
			ig_peer_broken(pp, "a listed document part is missing");
			return;
		}
	pp->pp_end = 1;
	ig_wake(pp->pp_ir, pp);
}

static const struct fanout_stream ig_stream = { ig_fs_headers, ig_fs_data, ig_fs_end };

/* Relays the current peer's parts. Returns 0 (more, maybe nothing yet), 1 when every
 * peer is through, -1 when one broke. */
static int
ig_pull_relay(struct ig_retrieve *ir, struct evbuffer *out, size_t max)
{
	struct ig_peer *pp;

	for (; ir->ir_cur < ir->ir_npeer; ir->ir_cur++) {
		pp = ir->ir_peer[ir->ir_cur];
		if (!pp->pp_rooted)
			continue;
		if (evbuffer_get_length(pp->pp_buf) > 0) {
			if (evbuffer_remove_buffer(pp->pp_buf, out, max) < 0)
				return -1;
			if (pp->pp_end == 0 && evbuffer_get_length(pp->pp_buf) <= IG_RELAY_LOW)
				ig_pause(pp, 0);
			return 0;
		}
		if (pp->pp_end == -1) {
			log_info("ig: %s broke off; the retrieve answer is cut",
			    pp->pp_leg->fl_peer->pr_name);
			return -1;
		}
		if (pp->pp_end == 0) {
			ig_pause(pp, 0);
			ir->ir_waiting = 1;
			return 0;
		}
	}
	return 1;
}

static int
ig_pull(void *ctx, struct evbuffer *out, size_t max)
{
	struct ig_retrieve *ir = ctx;
	struct strbuf sb = { 0 };
	int r;

	switch (ir->ir_phase) {
	case 0:
		r = ir->ir_src->bs_pull(ir->ir_src->bs_ctx, out, max);
		if (r == 1)
			ir->ir_phase = 1;
		return r == -1 ? -1 : 0;
	case 1:
		if ((r = ig_pull_relay(ir, out, max)) != 1)
			return r;
		ir->ir_phase = 2;
		/* FALLTHROUGH */
	default:
		r = mtom_end(&sb, ir->ir_boundary) == -1 || sb.sb_failed ||
		    evbuffer_add(out, sb.sb_data, sb.sb_len) != 0 ? -1 : 1;
		strbuf_reset(&sb);
		return r;
	}
}

static void
ig_out_free(void *ctx)
{
	ig_retrieve_free(ctx);
}

/* Takes the answer of a leg that did not stream a root part. */
static void
ig_take_leg(struct ig_retrieve *ir, struct fanout_leg *leg)
{
	struct ig_peer *pp = leg->fl_user;
	struct soap_msg *msg;
	const char *problem;

	if (pp->pp_mtom || pp->pp_why != NULL) {
		problem = fanout_leg_problem(leg);
		ig_unavailable(&ir->ir_errs, leg->fl_peer, problem != NULL ? problem :
		    pp->pp_why != NULL ? pp->pp_why : "malformed answer");
		return;
	}
	if (leg->fl_state == LEG_DONE && leg->fl_body == NULL && pp->pp_body.sb_len > 0)
		leg->fl_body = (uint8_t *)strbuf_take(&pp->pp_body, &leg->fl_len);
	msg = ig_leg_message(leg, &ir->ir_ex->ex_gw->gw_limits, &ir->ir_errs);
	if (msg != NULL)
		ig_take_answer(ir, leg->fl_peer, msg);
}

/* Records the ITI-39 sent to LEG's peer: the documents asked of it and whether it
 * answered (its documents follow in our stream). */
static void
ig_leg_audit(struct ig_retrieve *ir, struct fanout_leg *leg)
{
	struct ex_audit *ea = &ir->ir_ex->ex_audit;
	struct ig_peer *pp = leg->fl_user;
	struct atna_doc *docs;
	const char *why = NULL;
	size_t i, n = 0;

	if ((docs = calloc(ea->ea_ndocs + 1, sizeof(*docs))) == NULL) {
		ea->ea_failed = 1;
		return;
	}
	for (i = 0; i < ea->ea_ndocs; i++)
		if (ea->ea_docs[i].ad_home != NULL &&
		    strcmp(ea->ea_docs[i].ad_home, leg->fl_peer->pr_hcid) == 0)
			docs[n++] = ea->ea_docs[i];
	if (leg->fl_state != LEG_DONE || pp->pp_why != NULL)
		why = pp->pp_why != NULL ? pp->pp_why : fanout_leg_problem(leg) != NULL ?
		    fanout_leg_problem(leg) : "no answer";
	ex_audit_leg(ir->ir_ex, ATNA_ITI39, leg->fl_peer, leg->fl_url, NULL, 0, docs, n,
	    why != NULL ? ATNA_SERIOUS : ATNA_OK, why);
	exchange_timing(ir->ir_ex, "iti39", leg->fl_peer->pr_name, leg->fl_ms,
	    why != NULL ? why : "ok");
	free(docs);
}

/* Every peer's root part is in (or the deadline fired): our root part can go out. */
static void
ig_retrieve_done(struct fanout *fo, void *arg)
{
	struct ig_retrieve *ir = arg;
	struct exchange *ex = ir->ir_ex;
	struct retrieve_mem *rm;
	struct body_source *out;
	size_t i;

	for (i = 0; i < fanout_nlegs(fo); i++) {
		struct fanout_leg *leg = fanout_leg(fo, i);

		if (!((struct ig_peer *)leg->fl_user)->pp_rooted)
			ig_take_leg(ir, leg);
		ig_leg_audit(ir, leg);
	}
	rm = ir->ir_mem;
	ir->ir_mem = NULL;	/* passes into the source, or is freed */
	if (retrieve_mem_leave_open(rm, ir->ir_boundary) == -1)
		retrieve_mem_free(rm);
	else
		ir->ir_src = retrieve_mem_source(rm, ex->ex_action->ae_response,
		    soap_msg_wsa(ex->ex_msg)->wa_message_id, &ir->ir_errs);
	if (ir->ir_src == NULL || (out = calloc(1, sizeof(*out))) == NULL) {
		ig_retrieve_free(ir);
		exchange_reply_stream(ex, NULL);
		return;
	}
	out->bs_content_type = ir->ir_src->bs_content_type;
	out->bs_pull = ig_pull;
	out->bs_free = ig_out_free;
	out->bs_ctx = ir;
	exchange_reply_stream(ex, out);
}

/* Adds one streaming leg for PEER asking for the documents of SET in its community. */
static int
ig_retrieve_leg(struct ig_retrieve *ir, const struct peer *peer,
    const struct retrieve_set *set)
{
	struct strbuf body = { 0 }, env = { 0 }, hdr = { 0 };
	struct ig_peer *pp = NULL, **pv;
	struct fanout_leg *leg;
	size_t i, n, len;
	const char *url = config_peer_url(peer, ir->ir_ex->ex_purpose, 1);
	char *e, why[128];
	int ret = -1;

	if (url == NULL) {
		ig_unavailable(&ir->ir_errs, peer, "no endpoint for this purpose");
		exchange_timing(ir->ir_ex, "iti39", peer->pr_name, 0,
		    "not sent: no endpoint for this purpose");
		return 0;
	}
	if (!tunnels_usable(ir->ir_ex->ex_gw->gw_tunnels, peer, ir->ir_ex->ex_purpose, why,
	    sizeof(why))) {
		ig_unavailable(&ir->ir_errs, peer, why);
		exchange_timing(ir->ir_ex, "iti39", peer->pr_name, 0, "not sent: tunnel down");
		return 0;
	}
	strbuf_printf(&body, "<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"%s\">", NS_XDSB);
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
	if (n == 0) {
		ret = 0;
		goto done;
	}
	if (body.sb_failed || requester_put(&hdr, &ir->ir_ex->ex_requester) == -1 ||
	    soap_build_request_hdr(&env, ACTION_ITI39, url, hdr.sb_data, body.sb_data, NULL,
	    0) == -1 || (e = strbuf_take(&env, &len)) == NULL)
		goto done;
	if ((pp = calloc(1, sizeof(*pp))) == NULL || (pp->pp_buf = evbuffer_new()) == NULL ||
	    (pv = reallocarray(ir->ir_peer, ir->ir_npeer + 1, sizeof(*pv))) == NULL) {
		free(e);
		goto done;
	}
	ir->ir_peer = pv;
	if ((leg = fanout_add(ir->ir_fo, peer, url, "application/soap+xml; "
	    "charset=UTF-8; action=\"" ACTION_ITI39 "\"", e, len, pp)) == NULL)
		goto done;
	pp->pp_ir = ir;
	pp->pp_leg = leg;
	fanout_leg_stream(leg, &ig_stream);
	ir->ir_peer[ir->ir_npeer++] = pp;
	pp = NULL;
	ret = 0;
done:
	ig_peer_free(pp);
	strbuf_reset(&body);
	strbuf_reset(&env);
	strbuf_reset(&hdr);
	return ret;
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
	ir->ir_fo = fanout_new(ex->ex_gw, cf, ex->ex_purpose, cf->cf_request_timeout_ms,
	    ig_retrieve_done, ir);
	ir->ir_mem = retrieve_mem_new();
	memset(&set, 0, sizeof(set));
	if (ir->ir_fo == NULL || ir->ir_mem == NULL ||
	    mtom_boundary_new(ir->ir_boundary, sizeof(ir->ir_boundary)) == -1) {
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
	for (i = 0; i < cf->cf_npeers; i++)
		if (ig_retrieve_leg(ir, &cf->cf_peers[i], &set) == -1)
			ir->ir_errs.rl_nomem = 1;
	retrieve_set_free(&set);
	fanout_start(ir->ir_fo);
	return;
answer:
	retrieve_set_free(&set);
	ig_retrieve_done(ir->ir_fo, ir);
}
