/* gateway/xcpd_resp: see xcpd_resp.h. */
#include "gateway/xcpd_resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/str.h"
#include "gateway/exchange.h"
#include "gateway/gw.h"
#include "gateway/xcpd_msg.h"
#include "mpi/match.h"
#include "mpi/mpi.h"

/* What the MPI said about the query's patient. */
struct xcpd_found {
	int			 xf_n;		/* strict matches (answer only when 1) */
	struct mpi_patient	 xf_patient;	/* the one match */
	unsigned		 xf_missing;	/* MATCH_D_MISSING_* of the near matches */
	int			 xf_broad;	/* the demographics match too many to judge */
	struct mpi_hits		 xf_hits;	/* strict and near matches */
};

/* Looks for a shared identifier among the query's ids: our own regional id, or a
 * facility id we hold. Returns 1 and fills XF->xf_patient when one names a patient. */
static int
xcpd_by_id(struct mpi *m, const struct config *cf, const struct xcpd_query *q,
    struct xcpd_found *xf)
{
	char cx[MPI_ID_MAX], pid[MPI_ID_MAX];
	size_t i;
	int n;

	for (i = 0; i < q->xq_nids; i++) {
		n = snprintf(cx, sizeof(cx), "%s^^^&%s&ISO", q->xq_ids[i].ii_ext,
		    q->xq_ids[i].ii_root);
		if (n < 0 || (size_t)n >= sizeof(cx) || q->xq_ids[i].ii_ext[0] == '\0')
			continue;
		if (strcmp(q->xq_ids[i].ii_root, cf->cf_assigning_authority) == 0) {
			if (mpi_patient_get(m, cx, &xf->xf_patient) == MPI_OK)
				return 1;
		} else if (mpi_patient_by_facility(m, cx, pid, sizeof(pid)) == MPI_OK &&
		    mpi_patient_get(m, pid, &xf->xf_patient) == MPI_OK) {
			return 1;
		}
	}
	return 0;
}

/* Matches the query's demographics. Returns 0, or -1 when the MPI failed. */
static int
xcpd_by_demographics(struct mpi *m, const struct xcpd_query *q, struct xcpd_found *xf)
{
	const struct mpi_hit *h;
	size_t i;
	int r;

	r = mpi_find(m, &q->xq_demog, 0, &xf->xf_hits);
	if (r == MPI_E_TOOMANY)
		xf->xf_broad = 1;
	if (r == MPI_E_TOOMANY || r == MPI_E_INVALID)	/* too broad / nothing to search by */
		return 0;
	if (r != MPI_OK)
		return -1;
	for (i = 0; i < xf->xf_hits.mh_n; i++) {
		h = &xf->xf_hits.mh_hit[i];
		if (h->mh_result == MATCH_AUTO) {
			if (++xf->xf_n == 1 && mpi_patient_get(m, h->mh_pid, &xf->xf_patient) !=
			    MPI_OK)
				return -1;
		} else {
			xf->xf_missing |= h->mh_diff & (MATCH_D_MISSING_ADDR | MATCH_D_MISSING_SEX);
		}
	}
	return 0;
}

/* Writes into CX the id the peer sent of its own patient (in its assigning authority).
 * Returns 1 when there is one. */
static int
xcpd_feed_id(const struct peer *peer, const struct xcpd_query *q, char *cx, size_t cxsz)
{
	size_t i;
	int n;

	if (peer == NULL || strcmp(q->xq_sender_hcid, peer->pr_hcid) != 0)
		return 0;
	for (i = 0; i < q->xq_nids; i++) {
		if (strcmp(q->xq_ids[i].ii_root, peer->pr_assigning_authority) != 0)
			continue;
		n = snprintf(cx, cxsz, "%s^^^&%s&ISO", q->xq_ids[i].ii_ext, q->xq_ids[i].ii_root);
		if (n > 0 && (size_t)n < cxsz && q->xq_ids[i].ii_ext[0] != '\0')
			return 1;
	}
	return 0;
}

/* Not one strict match, but the peer told us its id of the patient: each of our patients
 * that matched strictly (a duplicate registration) or nearly is queued for our operators
 * with that id, so that one of them can confirm the right link. */
static void
xcpd_queue(struct mpi *m, const struct peer *peer, const struct xcpd_query *q,
    const struct xcpd_found *xf)
{
	struct mpi_candidate c;
	const struct mpi_hit *h;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	memset(&c, 0, sizeof(c));
	if (!xcpd_feed_id(peer, q, c.mv_remote, sizeof(c.mv_remote)))
		return;
	str_copy(c.mv_hcid, sizeof(c.mv_hcid), peer->pr_hcid);
	c.mv_demog = q->xq_demog;
	for (i = 0; i < xf->xf_hits.mh_n; i++) {
		h = &xf->xf_hits.mh_hit[i];
		str_copy(c.mv_local, sizeof(c.mv_local), h->mh_pid);
		c.mv_diff = h->mh_diff;
		if (mpi_review_add(m, &c, now, NULL) != MPI_OK)
			log_info("xcpd: a candidate for %s was not queued", peer->pr_name);
	}
}

/* Stores the peer's own id of the patient it sent with the query: we matched the patient
 * ourselves, so the link is ours to make. */
static void
xcpd_feed(struct mpi *m, const struct peer *peer, const struct config *cf,
    const struct xcpd_query *q, const char *local)
{
	char cx[MPI_ID_MAX];
	int64_t now = (int64_t)time(NULL), ttl;
	int r;

	if (!xcpd_feed_id(peer, q, cx, sizeof(cx)))
		return;
	ttl = peer->pr_ttl_ms > 0 ? peer->pr_ttl_ms / 1000 : cf->cf_mpi_ttl_ms / 1000;
	r = mpi_link(m, local, peer->pr_hcid, cx, MPI_HOW_XCPD, now, now + ttl, peer->pr_name);
	if (r != MPI_OK)
		log_info("xcpd: link fed by %s not stored: %s", peer->pr_name, mpi_strerror(r));
}

/* Returns 1 when the demographics Q sent contradict patient P's (a name, kana, birth date
 * or sex both sides know and that differ): an id that comes with another person's
 * demographics is not believed. */
static int
xcpd_contradicts(const struct mpi_demog *q, const struct mpi_demog *p)
{
	unsigned diff = 0;

	(void)match_demog(q, p, &diff);
	return (diff & (MATCH_D_NAME | MATCH_D_KANA | MATCH_D_BIRTH | MATCH_D_SEX)) != 0;
}

/* Fills A with the outcome for XF, found for query Q. */
static int
xcpd_outcome(const struct config *cf, const struct xcpd_query *q, const struct xcpd_found *xf,
    struct xcpd_answer *a)
{
	struct xcpd_match *m;

	a->xa_ack = XCPD_ACK_AA;
	if (xf->xf_n != 1) {
		a->xa_qrc = XCPD_QRC_NF;
		/* ambiguous or near: ask for what the query lacked and would let us decide */
		if (((xf->xf_missing & MATCH_D_MISSING_ADDR) || xf->xf_broad) &&
		    q->xq_demog.md_addr[0] == '\0') {
			str_copy(a->xa_reasons[a->xa_nreasons].xc_code, XCPD_CODE_MAX,
			    XCPD_REQ_ADDRESS);
			str_copy(a->xa_reasons[a->xa_nreasons++].xc_system, XCPD_CODE_MAX,
			    XCPD_CS_REQUESTED);
		}
		if (((xf->xf_missing & MATCH_D_MISSING_SEX) || xf->xf_broad) &&
		    q->xq_demog.md_sex == 0) {
			str_copy(a->xa_reasons[a->xa_nreasons].xc_code, XCPD_CODE_MAX,
			    XCPD_REQ_GENDER);
			str_copy(a->xa_reasons[a->xa_nreasons++].xc_system, XCPD_CODE_MAX,
			    XCPD_CS_REQUESTED);
		}
		return 0;
	}
	a->xa_qrc = XCPD_QRC_OK;
	if ((m = xcpd_answer_add(a)) == NULL)
		return -1;
	str_copy(m->xm_pid, sizeof(m->xm_pid), xf->xf_patient.mp_pid);
	str_copy(m->xm_hcid, sizeof(m->xm_hcid), cf->cf_hcid);
	m->xm_demog = xf->xf_patient.mp_demog;
	m->xm_score = 100;
	return 0;
}

/* Fills A with an AE/QE outcome saying WHY. */
static void
xcpd_error(struct xcpd_answer *a, enum xcpd_qrc qrc, const char *why)
{
	a->xa_ack = XCPD_ACK_AE;
	a->xa_qrc = qrc;
	a->xa_ndetails = 1;
	a->xa_details[0].xd_type = 'E';
	str_copy(a->xa_details[0].xd_text, sizeof(a->xa_details[0].xd_text), why);
}

void
xcpd_respond(struct exchange *ex)
{
	const struct config *cf = exchange_cf(ex);
	struct mpi *m = ex->ex_gw->gw_mpi;
	struct xcpd_query q;
	struct xcpd_answer a;
	struct xcpd_found *xf = NULL;
	struct strbuf sb = { 0 };
	const char *where = NULL;
	char why[XCPD_TEXT_MAX];
	enum xcpd_err e;

	xcpd_answer_init(&a);
	str_copy(a.xa_device.ii_root, sizeof(a.xa_device.ii_root),
	    strncmp(cf->cf_hcid, "urn:oid:", 8) == 0 ? cf->cf_hcid + 8 : cf->cf_hcid);
	str_copy(a.xa_hcid, sizeof(a.xa_hcid), cf->cf_hcid);
	if ((e = xcpd_parse_query(soap_msg_payload(ex->ex_msg), &q, &where)) != XCPD_OK) {
		snprintf(why, sizeof(why), "%s (%s)", xcpd_strerror(e), where ? where : "query");
		xcpd_error(&a, e == XCPD_ERR_NOMEM ? XCPD_QRC_AE : XCPD_QRC_QE, why);
	} else if (q.xq_flags & XCPD_QF_MISSING) {
		xcpd_error(&a, XCPD_QRC_QE, "a name and birth date, or a patient id, is needed");
	} else if ((xf = calloc(1, sizeof(*xf))) == NULL) {
		xcpd_error(&a, XCPD_QRC_AE, "out of memory");
	} else if (xcpd_by_id(m, cf, &q, xf) &&
	    !xcpd_contradicts(&q.xq_demog, &xf->xf_patient.mp_demog)) {
		xf->xf_n = 1;
	} else if (xcpd_by_demographics(m, &q, xf) == -1) {
		xcpd_error(&a, XCPD_QRC_AE, "the patient index failed");
	}
	if (a.xa_ack == XCPD_ACK_AA && xcpd_outcome(cf, &q, xf, &a) == -1)
		xcpd_error(&a, XCPD_QRC_AE, "out of memory");
	if (a.xa_ack == XCPD_ACK_AA && a.xa_qrc == XCPD_QRC_OK) {
		/* the patient released in the answer goes into its audit record */
		ex_audit_patient(ex, xf->xf_patient.mp_pid);
		xcpd_feed(m, ex->ex_id.id_peer, cf, &q, xf->xf_patient.mp_pid);
	}
	else if (a.xa_ack == XCPD_ACK_AA)
		xcpd_queue(m, ex->ex_id.id_peer, &q, xf);
	log_info("xcpd: %s asked; answered %s", ex->ex_id.id_name,
	    a.xa_qrc == XCPD_QRC_OK ? "OK" : a.xa_qrc == XCPD_QRC_NF ? "NF" : "AE/QE");
	/* a query read only in part is acknowledged, not echoed (XCPD_QF_INCOMPLETE) */
	e = xcpd_build_answer(&q, &a, &sb);
	if (xf != NULL)
		mpi_hits_free(&xf->xf_hits);
	free(xf);
	xcpd_answer_reset(&a);
	if (e != XCPD_OK || sb.sb_failed) {
		strbuf_reset(&sb);
		exchange_reply_internal(ex, "the patient discovery answer could not be built");
		return;
	}
	exchange_reply_payload(ex, strbuf_take(&sb, NULL));
}
