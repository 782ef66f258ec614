/* gateway/ig_query: the initiating gateway's query path (see ig.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/fanout.h"
#include "gateway/ig.h"
#include "gateway/sq_params.h"
#include "gateway/discover.h"
#include "gateway/gw.h"
#include "gateway/ig_int.h"
#include "gateway/objmerge.h"
#include "gateway/pidmap.h"
#include "gateway/tunnel.h"
#include "mpi/mpi.h"
#include "policy/decide.h"

/* Slots that carry the patient id, one per query family (ITI TF-2 §3.18.4.1.2.3.7). */

struct ig_query {
	struct exchange		*iq_ex;
	struct fanout		*iq_fo;
	struct reg_errors	 iq_errs;
	struct objmerge		*iq_objs;	/* what the peers found */
	char			*iq_tpl;	/* the request, serialised once */
	char			*iq_orig;	/* the patient-id value as received */
	size_t			 iq_mark;	/* offset of IG_PID_MARK in iq_tpl */
	struct discover		*iq_disc;	/* XCPD first, for unlinked peers */
	char			*iq_pid;	/* the local patient id, for discovery */
	long long		 iq_t0;		/* monotonic ms at the start */
};

/* Stands in for the patient id in the serialised request until each peer's id is known:
 * the local request is copied and written once, not once per peer. */
#define IG_PID_MARK	"@@hashi-patient-id@@"

/* Serialises the local request once into iq_tpl, with the patient-id value (if any)
 * replaced by IG_PID_MARK and its original text kept in iq_orig. Returns 0 or -1. */
static int
ig_query_template(struct ig_query *iq)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr copy, value;
	char *mark;
	int ret = -1;

	if ((doc = xmlNewDoc(XC("1.0"))) == NULL ||
	    (copy = xmlDocCopyNode(soap_msg_payload(iq->iq_ex->ex_msg), doc, 1)) == NULL)
		goto done;
	xmlDocSetRootElement(doc, copy);
	if ((value = sq_pid_value(xml_child(copy, NS_RIM, "AdhocQuery"))) != NULL) {
		if ((iq->iq_orig = xml_text(value)) == NULL)
			goto done;
		xmlNodeSetContent(value, NULL);
		xmlNodeAddContent(value, XC(IG_PID_MARK));
	}
	if ((iq->iq_tpl = xml_dump_node(copy, NULL)) == NULL)
		goto done;
	/* a request that already contained the mark text is not templated: sent as is */
	mark = strstr(iq->iq_tpl, IG_PID_MARK);
	iq->iq_mark = value != NULL && mark != NULL ? (size_t)(mark - iq->iq_tpl) : SIZE_MAX;
	ret = 0;
done:
	xmlFreeDoc(doc);
	return ret;
}

/* Builds the ITI-38 envelope for PEER from the template, with the patient id replaced by
 * REMOTE_CX when not NULL. Returns the envelope or NULL. */
static char *
ig_query_request(const struct ig_query *iq, const struct peer *peer, const char *remote_cx,
    size_t *lenp)
{
	struct strbuf sb = { 0 }, body = { 0 }, hdr = { 0 };
	const char *tpl = iq->iq_tpl;
	char *env = NULL;

	if (iq->iq_mark == SIZE_MAX) {
		strbuf_puts(&body, tpl);
	} else {
		strbuf_add(&body, tpl, iq->iq_mark);
		if (remote_cx != NULL) {
			strbuf_puts(&body, "'");
			strbuf_put_xml(&body, remote_cx);
			strbuf_puts(&body, "'");
		} else {
			strbuf_put_xml(&body, iq->iq_orig);
		}
		strbuf_puts(&body, tpl + iq->iq_mark + sizeof(IG_PID_MARK) - 1);
	}
	/* who asks and why go on to the peer (gateway/requester.h) */
	if (!body.sb_failed && requester_put(&hdr, &iq->iq_ex->ex_requester) == 0 &&
	    soap_build_request_hdr(&sb, ACTION_ITI38, config_peer_url(peer,
	    iq->iq_ex->ex_purpose, 0), hdr.sb_data, body.sb_data, NULL, 0) == 0)
		env = strbuf_take(&sb, lenp);
	strbuf_reset(&sb);
	strbuf_reset(&body);
	strbuf_reset(&hdr);
	return env;
}

/* Adds a leg for PEER with the patient id REMOTE_CX (NULL = as the local system sent
 * it); returns 0, or -1 on allocation failure. */
static int
ig_query_leg(struct ig_query *iq, const struct peer *peer, const char *remote_cx)
{
	const char *url = config_peer_url(peer, iq->iq_ex->ex_purpose, 0);
	char *env;
	size_t len;

	char *rcx = NULL, why[128];

	if (url == NULL) {	/* the peer has no listener for this purpose */
		ig_unavailable(&iq->iq_errs, peer, "no endpoint for this purpose");
		exchange_timing(iq->iq_ex, "iti38", peer->pr_name, 0,
		    "not sent: no endpoint for this purpose");
		return 0;
	}
	if (!tunnels_usable(iq->iq_ex->ex_gw->gw_tunnels, peer, iq->iq_ex->ex_purpose, why,
	    sizeof(why))) {
		ig_unavailable(&iq->iq_errs, peer, why);
		exchange_timing(iq->iq_ex, "iti38", peer->pr_name, 0, "not sent: tunnel down");
		return 0;
	}

	if ((env = ig_query_request(iq, peer, remote_cx, &len)) == NULL)
		return -1;
	/* the leg keeps the id it asked with, for its audit record */
	if (remote_cx != NULL && (rcx = str_dup(remote_cx)) == NULL) {
		free(env);
		return -1;
	}
	if (fanout_add(iq->iq_fo, peer, url,
	    "application/soap+xml; charset=UTF-8; action=\"" ACTION_ITI38 "\"", env, len,
	    rcx) == NULL) {
		free(rcx);
		return -1;
	}
	return 0;
}

/* Returns 1 when the patient PID signed a consent here that excludes PEER for the
 * request's purpose (then PEER is not asked, and the clinician is told why by a warning);
 * 0 when there is no consent here (the patient's home region decides) or it allows. */
static int
ig_query_excluded(struct ig_query *iq, const struct peer *peer, const char *pid)
{
	struct gw *gw = iq->iq_ex->ex_gw;
	struct decision d;
	char cx[MPI_ID_MAX];

	if (mpi_pid_cx(gw->gw_mpi, pid, cx, sizeof(cx)) != MPI_OK)
		return 0;	/* not one of ours */
	(void)decide(gw->gw_consent, cx, peer->pr_hcid, iq->iq_ex->ex_purpose, NULL,
	    (int64_t)time(NULL), &d);
	if (!d.d_have_consent || d.d_result != DECIDE_DENY)
		return 0;
	regerr_add(&iq->iq_errs, 1, REGERR_CONSENT_REQUIRED, peer->pr_hcid,
	    "patient consent: %s (not asked)", d.d_text);
	return 1;
}

/* Routes the query to PEER: at once when the patient's id there is known; through XCPD
 * discovery first when it is not (or no longer) and the patient is in our MPI; to
 * nobody otherwise, unless mpi.route_all says every peer is asked. Returns 0 or -1. */
static int
ig_query_route(struct ig_query *iq, const struct peer *peer, const char *pid)
{
	const struct config *cf = exchange_cf(iq->iq_ex);
	char *remote = NULL;
	int r;

	if (pid == NULL)
		return ig_query_leg(iq, peer, NULL);
	if (ig_query_excluded(iq, peer, pid))
		return 0;
	r = pidmap_to_peer(iq->iq_ex->ex_gw->gw_mpi, peer, pid, (int64_t)time(NULL), &remote);
	if (r == -1)
		return -1;
	if (r == PIDMAP_LINKED) {
		r = ig_query_leg(iq, peer, remote);
		free(remote);
		return r;
	}
	if (iq->iq_disc != NULL)
		return discover_add(iq->iq_disc, peer);
	return cf->cf_mpi_route_all ? ig_query_leg(iq, peer, NULL) : 0;
}

/* Discovery ended: the peers it linked are asked now, with what is left of the deadline;
 * a peer that gave no usable answer is reported as unavailable. */
static void
ig_query_discovered(struct discover *d, void *arg)
{
	struct ig_query *iq = arg;
	const struct config *cf = exchange_cf(iq->iq_ex);
	const struct discover_result *res;
	char *remote;
	size_t i;
	int r;

	for (i = 0; i < discover_count(d); i++) {
		res = discover_result(d, i);
		ex_audit_leg(iq->iq_ex, ATNA_ITI55, res->dr_peer, discover_url(d, res->dr_peer),
		    (const char *const *)&iq->iq_pid, 1, NULL, 0, res->dr_outcome == DISC_FAILED ?
		    ATNA_SERIOUS : ATNA_OK, res->dr_outcome == DISC_FAILED ? res->dr_why :
		    res->dr_outcome == DISC_LINKED ? "linked" : res->dr_outcome == DISC_NOMATCH ?
		    "no match" : "candidates for review");
		exchange_timing(iq->iq_ex, "iti55", res->dr_peer->pr_name, res->dr_ms,
		    res->dr_outcome == DISC_FAILED ? res->dr_why : res->dr_outcome ==
		    DISC_LINKED ? "linked" : res->dr_outcome == DISC_NOMATCH ? "no match" :
		    "candidates for review");
		if (res->dr_outcome == DISC_FAILED) {
			ig_unavailable(&iq->iq_errs, res->dr_peer, res->dr_why);
			continue;
		}
		r = res->dr_outcome != DISC_LINKED ? PIDMAP_UNLINKED :
		    pidmap_to_peer(iq->iq_ex->ex_gw->gw_mpi, res->dr_peer, iq->iq_pid,
		    (int64_t)time(NULL), &remote);
		if (r == PIDMAP_LINKED) {
			r = ig_query_leg(iq, res->dr_peer, remote);
			free(remote);
		} else if (r != -1 && cf->cf_mpi_route_all) {
			r = ig_query_leg(iq, res->dr_peer, NULL);
		}
		if (r == -1)
			iq->iq_errs.rl_nomem = 1;
	}
	fanout_set_deadline(iq->iq_fo, cf->cf_request_timeout_ms -
	    (int)(gw_now_ms() - iq->iq_t0));
	fanout_start(iq->iq_fo);
}

/* Prepares discovery when the patient PID is ours and in the MPI, and discovery is on:
 * iq_disc stays NULL otherwise. Returns 0 or -1 (out of memory). */
static int
ig_query_discovery(struct ig_query *iq, const char *pid)
{
	const struct config *cf = exchange_cf(iq->iq_ex);
	struct mpi_patient *p;
	int ret = 0;

	if (pid == NULL || !cf->cf_mpi_discovery || iq->iq_ex->ex_gw->gw_mpi == NULL)
		return 0;
	if ((p = malloc(sizeof(*p))) == NULL)
		return -1;
	/* at most half the deadline: the queries that follow need the rest */
	if (mpi_patient_get(iq->iq_ex->ex_gw->gw_mpi, pid, p) == MPI_OK &&
	    (iq->iq_disc = discover_new(iq->iq_ex->ex_gw, cf, p, iq->iq_ex->ex_purpose,
	    cf->cf_request_timeout_ms / 2, ig_query_discovered, iq)) == NULL)
		ret = -1;
	free(p);
	return ret;
}

/* Takes the objects and RegistryErrors of one peer's AdhocQueryResponse. */
static void
ig_query_take(struct ig_query *iq, const struct peer *peer, const xmlNode *resp)
{
	xmlNodePtr list, obj, next;
	char *home;
	int homeless = 0, foreign = 0;

	regerr_take_list(&iq->iq_errs, xml_child(resp, NS_RS, "RegistryErrorList"),
	    "XDSRegistryError", peer->pr_hcid);
	list = xml_child(resp, NS_RIM, "RegistryObjectList");
	for (obj = xml_child(list, NULL, NULL); obj != NULL; obj = next) {
		next = xml_next(obj, NULL, NULL);
		home = xml_attr(obj, "home");
		if (!xml_is(obj, NS_RIM, "Association")) {
			/* A peer answers for its own community only: an object it labels
			 * with another community's id is not believed. */
			if (home == NULL || home[0] == '\0')
				homeless++;
			else if (strcmp(home, peer->pr_hcid) != 0)
				foreign++;
			if (home == NULL || strcmp(home, peer->pr_hcid) != 0) {
				free(home);
				continue;
			}
		}
		free(home);
		if (objmerge_take(iq->iq_objs, obj) == -1)
			iq->iq_errs.rl_nomem = 1;
	}
	if (homeless > 0)
		regerr_add(&iq->iq_errs, 0, "XDSMissingHomeCommunityId", peer->pr_hcid,
		    "%d object(s) from %s came without home and were dropped", homeless,
		    peer->pr_name);
	if (foreign > 0)
		regerr_add(&iq->iq_errs, 0, "XDSUnknownCommunity", peer->pr_hcid,
		    "%d object(s) from %s named another community as home and were dropped",
		    foreign, peer->pr_name);
}

/* Records the ITI-38 sent to LEG's peer with its outcome (MSG: its parsed answer, or
 * NULL when it had none usable), and frees the id the leg asked with. */
static void
ig_query_leg_audit(struct ig_query *iq, struct fanout_leg *leg, const struct soap_msg *msg)
{
	const char *pids[2], *why = NULL;
	size_t n = 0;
	int outcome = ATNA_OK;
	char *status = NULL;

	if (iq->iq_pid != NULL)
		pids[n++] = iq->iq_pid;
	if (leg->fl_user != NULL)
		pids[n++] = leg->fl_user;
	if (msg == NULL) {
		outcome = ATNA_SERIOUS;
		if ((why = fanout_leg_problem(leg)) == NULL)
			why = "unusable answer";
	} else if ((status = xml_attr(soap_msg_payload(msg), "status")) != NULL) {
		if (strstr(status, "PartialSuccess") != NULL)
			outcome = ATNA_MINOR;
		else if (strstr(status, "Failure") != NULL)
			outcome = ATNA_SERIOUS;
	}
	ex_audit_leg(iq->iq_ex, ATNA_ITI38, leg->fl_peer, leg->fl_url, pids, n, NULL, 0,
	    outcome, why);
	exchange_timing(iq->iq_ex, "iti38", leg->fl_peer->pr_name, leg->fl_ms, why != NULL ?
	    why : status != NULL && strstr(status, "PartialSuccess") != NULL ? "PartialSuccess" :
	    status != NULL && strstr(status, "Failure") != NULL ? "Failure" : "ok");
	free(status);
	free(leg->fl_user);
	leg->fl_user = NULL;
}

/* Frees the ids of legs that were never sent. */
static void
ig_query_legs_free(struct fanout *fo)
{
	size_t i;

	for (i = 0; fo != NULL && i < fanout_nlegs(fo); i++) {
		free(fanout_leg(fo, i)->fl_user);
		fanout_leg(fo, i)->fl_user = NULL;
	}
}

static void
ig_query_done(struct fanout *fo, void *arg)
{
	struct ig_query *iq = arg;
	struct strbuf sb = { 0 };
	struct soap_msg *msg;
	size_t i;

	for (i = 0; i < fanout_nlegs(fo); i++) {
		struct fanout_leg *leg = fanout_leg(fo, i);

		msg = ig_leg_message(leg, &iq->iq_ex->ex_gw->gw_limits, &iq->iq_errs);
		ig_query_leg_audit(iq, leg, msg);
		if (msg == NULL)
			continue;
		if (xml_is(soap_msg_payload(msg), NS_QUERY, "AdhocQueryResponse"))
			ig_query_take(iq, leg->fl_peer, soap_msg_payload(msg));
		else
			ig_unavailable(&iq->iq_errs, leg->fl_peer, "unexpected answer");
		soap_msg_free(msg);
	}
	strbuf_printf(&sb, "<query:AdhocQueryResponse xmlns:query=\"%s\" xmlns:rim=\"%s\" "
	    "xmlns:rs=\"%s\" status=\"%s\">", NS_QUERY, NS_RIM, NS_RS,
	    regerr_status(&iq->iq_errs, objmerge_count(iq->iq_objs) > 0));
	regerr_render(&iq->iq_errs, &sb);
	objmerge_write(iq->iq_objs, &sb);
	strbuf_puts(&sb, "</query:AdhocQueryResponse>");
	exchange_reply_payload(iq->iq_ex, sb.sb_failed ? (strbuf_reset(&sb), NULL) :
	    strbuf_take(&sb, NULL));
	regerr_clear(&iq->iq_errs);
	objmerge_free(iq->iq_objs);
	free(iq->iq_tpl);
	free(iq->iq_orig);
	free(iq->iq_pid);
	discover_free(iq->iq_disc);
	fanout_free(iq->iq_fo);
	free(iq);
}

/* Answers at once with the errors collected (no peer to ask). */
static void
ig_query_fail(struct ig_query *iq)
{
	struct strbuf sb = { 0 };

	strbuf_printf(&sb, "<query:AdhocQueryResponse xmlns:query=\"%s\" xmlns:rim=\"%s\" "
	    "xmlns:rs=\"%s\" status=\"%s\">", NS_QUERY, NS_RIM, NS_RS,
	    regerr_status(&iq->iq_errs, 0));
	regerr_render(&iq->iq_errs, &sb);
	strbuf_puts(&sb, "<rim:RegistryObjectList/></query:AdhocQueryResponse>");
	ig_query_legs_free(iq->iq_fo);
	exchange_reply_payload(iq->iq_ex, sb.sb_failed ? (strbuf_reset(&sb), NULL) :
	    strbuf_take(&sb, NULL));
	regerr_clear(&iq->iq_errs);
	objmerge_free(iq->iq_objs);
	free(iq->iq_tpl);
	free(iq->iq_orig);
	free(iq->iq_pid);
	discover_free(iq->iq_disc);
	fanout_free(iq->iq_fo);
	free(iq);
}

void
ig_query(struct exchange *ex)
{
	const struct config *cf = exchange_cf(ex);
	struct ig_query *iq;
	xmlNodePtr adhoc, payload = soap_msg_payload(ex->ex_msg);
	char *home = NULL, *pid = NULL;
	size_t i;

	if ((iq = calloc(1, sizeof(*iq))) == NULL) {
		exchange_reply_internal(ex, "out of memory");
		return;
	}
	iq->iq_ex = ex;
	iq->iq_t0 = gw_now_ms();
	iq->iq_fo = fanout_new(ex->ex_gw, cf, ex->ex_purpose, cf->cf_request_timeout_ms,
	    ig_query_done, iq);
	iq->iq_objs = objmerge_new();
	if (iq->iq_fo == NULL || iq->iq_objs == NULL)
		goto nomem;
	adhoc = xml_child(payload, NS_RIM, "AdhocQuery");
	if (!xml_is(payload, NS_QUERY, "AdhocQueryRequest") || adhoc == NULL) {
		regerr_add(&iq->iq_errs, 0, "XDSRegistryError", NULL,
		    "the body is not an AdhocQueryRequest with an AdhocQuery");
		goto fail;
	}
	if (ig_query_template(iq) == -1)
		goto nomem;
	home = xml_attr(adhoc, "home");
	pid = sq_pid_unquote(sq_pid_value(adhoc));
	if (pid != NULL && (iq->iq_pid = str_dup(pid)) == NULL)
		goto nomem;
	if (ig_query_discovery(iq, pid) == -1)
		goto nomem;
	if (home != NULL && home[0] != '\0') {
		const struct peer *p = config_peer_by_hcid(cf, home);

		if (p == NULL) {
			regerr_add(&iq->iq_errs, 0, "XDSUnknownCommunity", home,
			    "no route to this community");
			goto fail;
		}
		if (ig_query_route(iq, p, pid) == -1)
			goto nomem;
	} else if (pid == NULL) {
		regerr_add(&iq->iq_errs, 0, "XDSMissingHomeCommunityId", NULL,
		    "a query without a patient id must name its community in home");
		goto fail;
	} else {
		for (i = 0; i < cf->cf_npeers; i++)
			if (ig_query_route(iq, &cf->cf_peers[i], pid) == -1)
				goto nomem;
	}
	free(home);
	free(pid);
	if (iq->iq_disc != NULL && discover_count(iq->iq_disc) > 0)
		discover_start(iq->iq_disc);
	else
		fanout_start(iq->iq_fo);
	return;
nomem:
	regerr_add(&iq->iq_errs, 0, "XDSRegistryOutOfResources", NULL, "out of memory");
fail:
	free(home);
	free(pid);
	ig_query_fail(iq);
}
