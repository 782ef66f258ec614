/* gateway/discover: see discover.h. */
#include "gateway/discover.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/str.h"
#include "gateway/actions.h"
#include "gateway/fanout.h"
#include "gateway/gw.h"
#include "gateway/pidmap.h"
#include "gateway/requester.h"
#include "gateway/soap.h"
#include "gateway/tunnel.h"
#include "gateway/xcpd_msg.h"
#include "mpi/match.h"
#include "mpi/mpi.h"

struct discover {
	struct gw		*d_gw;
	const struct config	*d_cf;
	struct mpi_patient	 d_patient;
	struct match_keys	 d_keys;	/* of d_patient, made once */
	struct fanout		*d_fo;
	struct discover_result	*d_res;
	size_t			 d_n;
	discover_done_fn	 d_done;
	void			*d_arg;
	const char		*d_purpose;	/* borrowed from d_cf */
};

/* "urn:oid:1.2.3" -> "1.2.3"; other forms unchanged. */
static const char *
discover_oid(const char *hcid)
{
	return strncmp(hcid, "urn:oid:", 8) == 0 ? hcid + 8 : hcid;
}

/* Copies the id part of CX ("id^^^&oid&ISO") into OUT. */
static void
discover_cx_id(const char *cx, char *out, size_t outsz)
{
	size_t n = strcspn(cx, "^");

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, cx, n);
	out[n] = '\0';
}

/* PEER's XCPD endpoint for the discovery's purpose: its xcpd_url (clinical), else the
 * purpose's query endpoint; NULL when it has none. */
const char *
discover_url(const struct discover *d, const struct peer *peer)
{
	if (strcmp(d->d_purpose, "clinical") == 0 && peer->pr_xcpd_url != NULL)
		return peer->pr_xcpd_url;
	return config_peer_url(peer, d->d_purpose, 0);
}

/* Builds the ITI-55 envelope asking PEER about the patient. Returns it or NULL. */
static char *
discover_request(const struct discover *d, const struct peer *peer, size_t *lenp)
{
	struct xcpd_query q;
	struct requester rq;
	struct strbuf body = { 0 }, env = { 0 }, hdr = { 0 };
	const char *url = discover_url(d, peer);
	char *out = NULL;

	memset(&q, 0, sizeof(q));
	if (xcpd_ii_uuid(&q.xq_msg_id) == -1 || xcpd_ii_uuid(&q.xq_query_id) == -1)
		return NULL;
	str_copy(q.xq_sender_device.ii_root, sizeof(q.xq_sender_device.ii_root),
	    discover_oid(d->d_cf->cf_hcid));
	str_copy(q.xq_sender_hcid, sizeof(q.xq_sender_hcid), d->d_cf->cf_hcid);
	str_copy(q.xq_receiver_device.ii_root, sizeof(q.xq_receiver_device.ii_root),
	    discover_oid(peer->pr_hcid));
	str_copy(q.xq_receiver_hcid, sizeof(q.xq_receiver_hcid), peer->pr_hcid);
	q.xq_demog = d->d_patient.mp_demog;
	/* our own id of the patient, so that the peer may link back ("query and feed") */
	str_copy(q.xq_ids[0].ii_root, sizeof(q.xq_ids[0].ii_root),
	    d->d_cf->cf_assigning_authority);
	discover_cx_id(d->d_patient.mp_pid, q.xq_ids[0].ii_ext, sizeof(q.xq_ids[0].ii_ext));
	q.xq_nids = 1;
	/* the peer checks that this came through the purpose's tunnel */
	memset(&rq, 0, sizeof(rq));
	str_copy(rq.rq_purpose, sizeof(rq.rq_purpose), d->d_purpose);
	if (xcpd_build_query(&q, &body) == XCPD_OK && !body.sb_failed &&
	    requester_put(&hdr, &rq) == 0 && soap_build_request_hdr(&env, ACTION_ITI55, url,
	    hdr.sb_data, body.sb_data, NULL, 0) == 0)
		out = strbuf_take(&env, lenp);
	strbuf_reset(&body);
	strbuf_reset(&env);
	strbuf_reset(&hdr);
	return out;
}

int
discover_add(struct discover *d, const struct peer *peer)
{
	struct discover_result *res;
	const char *url = discover_url(d, peer);
	char *env;
	size_t len;

	if (url == NULL)
		return 0;	/* not reachable for this purpose: nothing to discover */
	if ((res = realloc(d->d_res, (d->d_n + 1) * sizeof(*res))) == NULL)
		return -1;
	d->d_res = res;
	if (!tunnels_usable(d->d_gw->gw_tunnels, peer, d->d_purpose, NULL, 0)) {
		/* failed at once, without a leg: the caller reports the peer unavailable */
		res[d->d_n].dr_peer = peer;
		res[d->d_n].dr_outcome = DISC_FAILED;
		res[d->d_n].dr_why = "its tunnel for this purpose is down";
		res[d->d_n].dr_ms = 0;
		d->d_n++;
		return 0;
	}
	if ((env = discover_request(d, peer, &len)) == NULL)
		return -1;
	/* the leg's user pointer is the result's index: d_res may move on later adds */
	if (fanout_add(d->d_fo, peer, url, "application/soap+xml; charset=UTF-8; action=\""
	    ACTION_ITI55 "\"", env, len, (void *)(uintptr_t)d->d_n) == NULL)
		return -1;
	res[d->d_n].dr_peer = peer;
	res[d->d_n].dr_outcome = DISC_PENDING;
	res[d->d_n].dr_why = NULL;
	res[d->d_n].dr_ms = 0;
	d->d_n++;
	return 0;
}

/* The link's lifetime: the peer's CorrelationTimeToLive when it sent a valid one, else
 * the peer's configured TTL, else the MPI's. */
static int64_t
discover_ttl(const struct discover *d, const struct peer *peer, const struct soap_msg *msg)
{
	const char *h = soap_msg_correlation_ttl(msg);
	long secs;

	if (h != NULL && xcpd_parse_ttl(h, &secs) == 0 && secs > 0)
		return secs;
	if (peer->pr_ttl_ms > 0)
		return peer->pr_ttl_ms / 1000;
	return d->d_cf->cf_mpi_ttl_ms / 1000;
}

/* Compares match M of PEER with our patient: MATCH_NONE also for a match that is not the
 * peer's to give (another community or assigning authority). */
static enum match_result
discover_compare(struct discover *d, const struct peer *peer, const struct xcpd_match *m,
    struct match_keys *k, unsigned *diff)
{
	char *aa = pidmap_authority(m->xm_pid);
	int ours = aa != NULL && strcmp(aa, peer->pr_assigning_authority) == 0 &&
	    strcmp(m->xm_hcid, peer->pr_hcid) == 0;

	free(aa);
	*diff = 0;
	if (!ours) {
		log_info("discover: %s returned a match outside its community; ignored",
		    peer->pr_name);
		return MATCH_NONE;
	}
	/* an attribute that does not normalise counts as absent: never a strict match */
	(void)match_keys_make(&m->xm_demog, k);
	return match_compare(&d->d_keys, k, diff);
}

/* Queues match M of PEER for the operators. */
static void
discover_queue(struct discover *d, const struct peer *peer, const struct xcpd_match *m,
    unsigned diff, int64_t now)
{
	struct mpi_candidate c;

	memset(&c, 0, sizeof(c));
	str_copy(c.mv_local, sizeof(c.mv_local), d->d_patient.mp_pid);
	str_copy(c.mv_hcid, sizeof(c.mv_hcid), peer->pr_hcid);
	str_copy(c.mv_remote, sizeof(c.mv_remote), m->xm_pid);
	c.mv_demog = m->xm_demog;
	c.mv_diff = diff;
	if (mpi_review_add(d->d_gw->gw_mpi, &c, now, NULL) != MPI_OK)
		log_info("discover: a candidate from %s was not queued (rejected before, or "
		    "the store failed)", peer->pr_name);
}

/* Checks the matches of PEER's answer A against our patient and stores what they prove:
 * exactly one strict match is linked for TTL seconds; every other match that is close
 * enough (or several strict ones: ambiguous) is queued for review. Returns the outcome. */
static enum discover_outcome
discover_judge(struct discover *d, const struct peer *peer, const struct xcpd_answer *a,
    int64_t ttl)
{
	struct match_keys *k;
	const struct xcpd_match *strict = NULL;
	enum match_result r;
	int64_t now = (int64_t)time(NULL);
	size_t i, nstrict = 0, nqueued = 0;
	unsigned diff;
	int linked = 0;

	if ((k = malloc(sizeof(*k))) == NULL)
		return DISC_FAILED;
	for (i = 0; i < a->xa_nmatches; i++)
		if (discover_compare(d, peer, &a->xa_matches[i], k, &diff) == MATCH_AUTO) {
			nstrict++;
			strict = &a->xa_matches[i];
		}
	if (nstrict == 1)
		linked = mpi_link(d->d_gw->gw_mpi, d->d_patient.mp_pid, peer->pr_hcid,
		    strict->xm_pid, MPI_HOW_XCPD, now, now + ttl, peer->pr_name) == MPI_OK;
	if (nstrict > 1)
		log_warnx("discover: %s returned %zu strict matches for one patient; none "
		    "linked", peer->pr_name, nstrict);
	for (i = 0; i < a->xa_nmatches; i++) {
		r = discover_compare(d, peer, &a->xa_matches[i], k, &diff);
		if (r == MATCH_NONE || (r == MATCH_AUTO && linked))
			continue;
		discover_queue(d, peer, &a->xa_matches[i], diff, now);
		nqueued++;
	}
	free(k);
	if (linked)
		return DISC_LINKED;
	return nqueued > 0 ? DISC_CANDIDATE : DISC_NOMATCH;
}

/* Reads the answer of LEG into its result. */
static void
discover_leg(struct discover *d, const struct fanout_leg *leg, struct discover_result *res)
{
	struct soap_limits lim = d->d_gw->gw_limits;
	struct soap_fault f;
	struct soap_msg *msg = NULL;
	struct xcpd_answer a;
	const char *where = NULL;
	enum xcpd_err e;

	xcpd_answer_init(&a);
	res->dr_ms = leg->fl_ms;
	if ((res->dr_why = fanout_leg_problem(leg)) != NULL)
		goto failed;
	lim.sl_expect_response = 1;
	if (soap_parse(leg->fl_body, leg->fl_len, leg->fl_content_type, &lim, &msg, &f) == -1) {
		res->dr_why = "malformed answer";
		goto failed;
	}
	if (soap_msg_fault(msg, &f)) {
		res->dr_why = "answered with a SOAP fault";
		goto failed;
	}
	if ((e = xcpd_parse_answer(soap_msg_payload(msg), &a, &where)) != XCPD_OK) {
		log_info("discover: %s: unusable ITI-55 answer (%s at %s)", leg->fl_peer->pr_name,
		    xcpd_strerror(e), where ? where : "?");
		res->dr_why = "unusable patient discovery answer";
		goto failed;
	}
	if (a.xa_ack != XCPD_ACK_AA || a.xa_qrc == XCPD_QRC_AE || a.xa_qrc == XCPD_QRC_QE) {
		res->dr_why = "patient discovery answered with an error";
		goto failed;
	}
	res->dr_outcome = a.xa_qrc == XCPD_QRC_OK ?
	    discover_judge(d, leg->fl_peer, &a, discover_ttl(d, leg->fl_peer, msg)) :
	    DISC_NOMATCH;
	if (res->dr_outcome == DISC_FAILED)
		res->dr_why = "out of memory";
	goto done;
failed:
	res->dr_outcome = DISC_FAILED;
done:
	xcpd_answer_reset(&a);
	soap_msg_free(msg);
}

static void
discover_done(struct fanout *fo, void *arg)
{
	struct discover *d = arg;
	struct fanout_leg *leg;
	size_t i;

	for (i = 0; i < fanout_nlegs(fo); i++) {
		leg = fanout_leg(fo, i);
		discover_leg(d, leg, &d->d_res[(uintptr_t)leg->fl_user]);
	}
	d->d_done(d, d->d_arg);
}

struct discover *
discover_new(struct gw *gw, const struct config *cf, const struct mpi_patient *p,
    const char *purpose, int deadline_ms, discover_done_fn done, void *arg)
{
	struct discover *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->d_gw = gw;
	d->d_cf = cf;
	d->d_patient = *p;
	d->d_done = done;
	d->d_arg = arg;
	d->d_purpose = purpose != NULL ? purpose : "clinical";
	(void)match_keys_make(&p->mp_demog, &d->d_keys);
	if ((d->d_fo = fanout_new(gw, cf, d->d_purpose, deadline_ms, discover_done, d)) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

void
discover_start(struct discover *d)
{
	fanout_start(d->d_fo);
}

size_t
discover_count(const struct discover *d)
{
	return d->d_n;
}

const struct discover_result *
discover_result(const struct discover *d, size_t i)
{
	return &d->d_res[i];
}

void
discover_free(struct discover *d)
{
	if (d == NULL)
		return;
	fanout_free(d->d_fo);
	free(d->d_res);
	free(d);
}
