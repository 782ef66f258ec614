/*
 * gateway/cosign_witness: the witness side of checkpoint co-signing (cosign_respond, see
 * cosign.h): a peer sends its new checkpoint, we check it against what we co-signed for
 * it before (audit/witness.h), record the decision and answer with our cosignature or
 * the reason we refuse.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/witness.h"
#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "crypto/checkpoint.h"
#include "gateway/cosign.h"
#include "gateway/cosign_int.h"
#include "gateway/exchange.h"
#include "gateway/gw_audit.h"

/* A parsed CosignRequest; the note points into the message. */
struct cosign_req {
	const char	*cr_note;
	size_t		 cr_len;
	uint64_t	 cr_old;
	uint8_t		 cr_proof[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	size_t		 cr_nproof;
};

/* What we decided and answer. */
struct cosign_decision {
	const char	*cd_reason;	/* wire reason: a witness verdict name, ... */
	int		 cd_outcome;	/* enum atna_outcome of the record */
	char		 cd_why[320];
	char		 cd_object[CHECKPOINT_ORIGIN_MAX + 24];	/* "origin@size" */
	int		 cd_has_known;
	uint64_t	 cd_known;	/* the size we co-signed before */
	struct strbuf	 cd_line;	/* our cosignature line when co-signed */
};

/* Reads the hashes of the Consistency element C into Q. Returns NULL or the problem. */
static const char *
cosign_parse_proof(struct exchange *ex, xmlNodePtr c, struct cosign_req *q)
{
	xmlNodePtr h;
	const uint8_t *data;
	size_t len;
	long long old;
	char *s = xml_attr(c, "old");
	int bad = s == NULL || str_to_ll(s, 1, LLONG_MAX, &old) == -1;

	free(s);
	if (bad)
		return "Consistency has no valid old size";
	q->cr_old = (uint64_t)old;
	for (h = xml_child(c, COSIGN_NS, "Hash"); h != NULL; h = xml_next(h, COSIGN_NS, "Hash")) {
		if (q->cr_nproof == MERKLE_MAX_PATH)
			return "a consistency proof of more than 64 hashes";
		if (soap_element_bytes(ex->ex_msg, h, &data, &len) == -1 ||
		    len != MERKLE_HASH_LEN)
			return "a Hash is not the base64 of 32 bytes";
		memcpy(q->cr_proof[q->cr_nproof++], data, MERKLE_HASH_LEN);
	}
	return NULL;
}

/* Parses the request payload of EX into Q. Returns NULL, or what is wrong with it. */
static const char *
cosign_parse_request(struct exchange *ex, struct cosign_req *q)
{
	xmlNodePtr p = soap_msg_payload(ex->ex_msg), c;
	const uint8_t *data;
	size_t len;

	memset(q, 0, sizeof(*q));
	if (!xml_is(p, COSIGN_NS, "CosignRequest"))
		return "the body is not a hashi:CosignRequest";
	if ((c = xml_child(p, COSIGN_NS, "Checkpoint")) == NULL ||
	    soap_element_bytes(ex->ex_msg, c, &data, &len) == -1 || len == 0)
		return "no base64 Checkpoint";
	q->cr_note = (const char *)data;
	q->cr_len = len;
	if ((c = xml_child(p, COSIGN_NS, "Consistency")) != NULL)
		return cosign_parse_proof(ex, c, q);
	return NULL;
}

/* Maps verdict V to the decision's reason and record outcome. */
static void
cosign_verdict(struct cosign_decision *d, enum witness_verdict v)
{
	d->cd_reason = witness_verdict_name(v);
	switch (v) {
	case WITNESS_COSIGNED:
		d->cd_outcome = ATNA_OK;
		break;
	case WITNESS_CONFLICT:
		d->cd_outcome = ATNA_MINOR;	/* not a fork: the origin asks again */
		break;
	case WITNESS_ROLLBACK:
	case WITNESS_FORK:
		d->cd_outcome = ATNA_MAJOR;
		break;
	default:
		d->cd_outcome = ATNA_SERIOUS;
		break;
	}
}

/* Witnesses request Q of PEER into D (verdict, reason, our cosignature). */
static void
cosign_witness(struct exchange *ex, const struct peer *peer, const struct cosign_req *q,
    struct cosign_decision *d)
{
	struct auditlog *log = cosign_log(ex->ex_gw);
	struct note_verifier *v = NULL;
	struct witness_request wq;
	struct witness_result wr;
	char keyname[CHECKPOINT_ORIGIN_MAX];

	if ((v = note_verifier_parse(peer->pr_audit_vkey)) == NULL || log == NULL ||
	    witness_vkey_name(peer->pr_audit_vkey, keyname, sizeof(keyname)) == NULL) {
		cosign_verdict(d, WITNESS_ERROR);
		snprintf(d->cd_why, sizeof(d->cd_why), "%s", log == NULL ? "our audit log is "
		    "not available" : "the configured audit_vkey is unusable");
		goto done;
	}
	snprintf(d->cd_object, sizeof(d->cd_object), "%s@?", keyname);
	memset(&wq, 0, sizeof(wq));
	wq.wq_note = q->cr_note;
	wq.wq_len = q->cr_len;
	wq.wq_old = q->cr_old;
	wq.wq_proof = (const uint8_t (*)[MERKLE_HASH_LEN])q->cr_proof;
	wq.wq_nproof = q->cr_nproof;
	cosign_verdict(d, witness_check(log, v, keyname, &wq, &wr));
	str_copy(d->cd_why, sizeof(d->cd_why), wr.wr_why);
	if (wr.wr_parsed)
		snprintf(d->cd_object, sizeof(d->cd_object), "%s@%llu", wr.wr_ckpt.origin,
		    (unsigned long long)wr.wr_ckpt.size);
	d->cd_has_known = wr.wr_known;
	d->cd_known = wr.wr_known_size;
	if (wr.wr_verdict == WITNESS_COSIGNED && (ex->ex_gw->gw_audit == NULL ||
	    witness_cosign(gw_audit_signer(ex->ex_gw->gw_audit), wr.wr_body, wr.wr_bodylen,
	    &d->cd_line) == -1 || d->cd_line.sb_failed)) {
		cosign_verdict(d, WITNESS_ERROR);
		snprintf(d->cd_why, sizeof(d->cd_why), "accepted, but our cosignature could "
		    "not be made");
	}
done:
	note_verifier_free(v);
}

/* Builds the answer payload of D. Returns it (malloc'd) or NULL. */
static char *
cosign_answer(const struct cosign_decision *d)
{
	struct strbuf sb = { 0 };
	int ok = d->cd_outcome == ATNA_OK;

	strbuf_printf(&sb, "<hashi:CosignResponse xmlns:hashi=\"%s\" status=\"%s\">", COSIGN_NS,
	    ok ? COSIGN_ST_SUCCESS : COSIGN_ST_FAILURE);
	if (ok) {
		strbuf_puts(&sb, "<hashi:Cosignature>");
		cosign_put_b64(&sb, (const uint8_t *)d->cd_line.sb_data, d->cd_line.sb_len);
		strbuf_puts(&sb, "</hashi:Cosignature>");
	} else {
		strbuf_printf(&sb, "<hashi:Refusal reason=\"%s\"", d->cd_reason);
		if (d->cd_has_known)
			strbuf_printf(&sb, " known=\"%llu\"", (unsigned long long)d->cd_known);
		strbuf_puts(&sb, ">");
		strbuf_put_xml(&sb, d->cd_why);
		strbuf_puts(&sb, "</hashi:Refusal>");
	}
	strbuf_puts(&sb, "</hashi:CosignResponse>");
	if (sb.sb_failed) {
		strbuf_reset(&sb);
		return NULL;
	}
	return strbuf_take(&sb, NULL);
}

/* Adds the ATNA checkpoint-cosign record of decision D about PEER's request. */
static void
cosign_record(struct exchange *ex, const struct peer *peer, const struct cosign_decision *d)
{
	const struct config *cf = exchange_cf(ex);
	struct ex_audit *ea = &ex->ex_audit;
	struct atna_record r;

	ex_audit_record(ex, ATNA_COSIGN, &r);
	r.ar_outcome = d->cd_outcome;
	r.ar_outcome_desc = d->cd_reason;
	r.ar_src_user = ex->ex_id.id_name;
	r.ar_src_nap = ea->ea_client[0] != '\0' ? ea->ea_client : NULL;
	r.ar_src_region = peer != NULL ? peer->pr_hcid : NULL;
	r.ar_dst_user = ea->ea_endpoint[0] != '\0' ? ea->ea_endpoint : NULL;
	r.ar_dst_region = cf->cf_hcid;
	r.ar_object_id = d->cd_object;
	r.ar_detail = d->cd_why;
	(void)ex_audit_add(ex, &r);
}

/* Tells the operator; a fork or rollback loudly: a peer's log was rewritten. */
static void
cosign_log_decision(const struct exchange *ex, const struct cosign_decision *d)
{
	if (d->cd_outcome == ATNA_MAJOR)
		log_warnx("cosign: REFUSED to co-sign checkpoint %s of peer %s: %s. Its audit "
		    "log was forked or rolled back: ask its operator", d->cd_object,
		    ex->ex_id.id_name, d->cd_why);
	else if (d->cd_outcome == ATNA_OK || d->cd_outcome == ATNA_MINOR)	/* conflict */
		log_debug("cosign: %s checkpoint %s of peer %s (%s)", d->cd_reason, d->cd_object,
		    ex->ex_id.id_name, d->cd_why);
	else
		log_info("cosign: did not co-sign checkpoint %s of peer %s: %s", d->cd_object,
		    ex->ex_id.id_name, d->cd_why);
}

void
cosign_respond(struct exchange *ex)
{
	const struct peer *peer = ex->ex_id.id_peer;
	struct cosign_decision d;
	struct cosign_req *q = NULL;
	const char *problem;

	memset(&d, 0, sizeof(d));
	snprintf(d.cd_object, sizeof(d.cd_object), "%s@?", ex->ex_id.id_name != NULL ?
	    ex->ex_id.id_name : "?");
	if (peer == NULL || peer->pr_audit_vkey == NULL) {
		d.cd_reason = COSIGN_R_NOT_CONFIGURED;
		d.cd_outcome = ATNA_SERIOUS;
		snprintf(d.cd_why, sizeof(d.cd_why), "no audit_vkey is configured here for "
		    "peer %s: its checkpoints are not co-signed", ex->ex_id.id_name != NULL ?
		    ex->ex_id.id_name : "?");
	} else if ((q = malloc(sizeof(*q))) == NULL) {
		cosign_verdict(&d, WITNESS_ERROR);
		str_copy(d.cd_why, sizeof(d.cd_why), "out of memory");
	} else if ((problem = cosign_parse_request(ex, q)) != NULL) {
		cosign_verdict(&d, WITNESS_MALFORMED);
		snprintf(d.cd_why, sizeof(d.cd_why), "malformed request: %s", problem);
	} else {
		cosign_witness(ex, peer, q, &d);
	}
	free(q);
	cosign_log_decision(ex, &d);
	/* the record is committed before the answer leaves (exchange_reply_payload) */
	cosign_record(ex, peer, &d);
	exchange_reply_payload(ex, cosign_answer(&d));
	strbuf_reset(&d.cd_line);
}
