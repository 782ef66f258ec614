/*
 * gateway/cosign: the origin side of checkpoint co-signing (see cosign.h): after each new
 * checkpoint, every peer with an audit_vkey is asked to co-sign it, and a cosignature that
 * verifies with that key is added to the stored note. Nothing here may block or fail the
 * gateway: requests go out on the event loop, at most one per peer at a time, and every
 * failure is only logged (rate-limited) and tried again with the next checkpoint.
 *
 * The per-peer state is process-wide (one gateway per process): it must outlive a
 * configuration reload, and the checkpoint hook's argument is the struct gw.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit/auditlog.h"
#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "crypto/checkpoint.h"
#include "gateway/gw_audit.h"
#include "gateway/actions.h"
#include "gateway/cosign.h"
#include "gateway/cosign_int.h"
#include "gateway/fanout.h"
#include "gateway/gw.h"
#include "gateway/soap.h"

#define COSIGN_LOG_EVERY_MS	60000	/* log a peer's failures this often at most */
#define COSIGN_CTYPE	"application/soap+xml; charset=UTF-8; action=\"" ACTION_COSIGN "\""

struct cosign_call;

/* What we know of one peer, by configuration name. */
struct cosign_peer {
	char			*cp_name;
	struct cosign_call	*cp_call;	/* the request in flight, or NULL */
	int			 cp_again;	/* a checkpoint came while it was busy */
	int			 cp_failing;	/* the last attempt failed */
	long long		 cp_logged_ms;	/* when a failure was last logged */
	unsigned		 cp_quiet;	/* failures not logged since */
};

/* One request to one peer. */
struct cosign_call {
	struct cosign_peer	*cc_cp;
	struct gw		*cc_gw;
	struct gw_conf		*cc_conf;	/* referenced: cc_peer lives in it */
	const struct peer	*cc_peer;
	struct note_verifier	*cc_v;		/* the peer's key */
	char			 cc_cursor[COSIGN_CURSOR_MAX];
	char			*cc_note;	/* our signed checkpoint */
	size_t			 cc_len;
	uint64_t		 cc_size;
	uint64_t		 cc_old;	/* the size the proof starts at; 0 = none */
	int			 cc_retried;	/* asked again with the witness's size */
	struct fanout		*cc_fo;
};

/* The origin side's state, hung on struct gw (gw_cosign). */
struct cosign {
	struct cosign_peer	**cs_peers;	/* calls point at them: never moved */
	size_t			  cs_n;
};

static void cosign_done(struct fanout *fo, void *arg);
static void cosign_start(struct gw *gw, struct cosign_peer *cp, const struct peer *peer,
    const char *note, size_t len, uint64_t size);

int
cosign_put_b64(struct strbuf *sb, const uint8_t *data, size_t len)
{
	unsigned char *enc;
	int ret;

	if (len > INT_MAX / 2 || (enc = malloc(4 * ((len + 2) / 3) + 1)) == NULL) {
		sb->sb_failed = 1;
		return -1;
	}
	EVP_EncodeBlock(enc, data, (int)len);
	ret = strbuf_puts(sb, (const char *)enc);
	free(enc);
	return ret;
}

struct auditlog *
cosign_log(struct gw *gw)
{
	/* gw_audit owns the handle and may close it after a failure: never keep it. */
	return gw->gw_audit != NULL ? gw_audit_log(gw->gw_audit) : NULL;
}

/* Returns the state of peer NAME, created on first use, or NULL when out of memory. */
static struct cosign_peer *
cosign_peer_get(struct gw *gw, const char *name)
{
	struct cosign_peer **v, *cp;
	struct cosign *cs;
	size_t i;

	if ((cs = gw->gw_cosign) == NULL && (cs = gw->gw_cosign = calloc(1, sizeof(*cs))) == NULL)
		return NULL;
	for (i = 0; i < cs->cs_n; i++)
		if (strcmp(cs->cs_peers[i]->cp_name, name) == 0)
			return cs->cs_peers[i];
	if ((v = reallocarray(cs->cs_peers, cs->cs_n + 1, sizeof(*v))) ==
	    NULL)
		return NULL;
	cs->cs_peers = v;
	if ((cp = calloc(1, sizeof(*cp))) == NULL || (cp->cp_name = str_dup(name)) == NULL) {
		free(cp);
		return NULL;
	}
	return (v[cs->cs_n++] = cp);
}

/* Logs a failure with PEER, at most once a minute per peer (counting the others). */
static void
cosign_trouble(struct cosign_peer *cp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
cosign_trouble(struct cosign_peer *cp, const char *fmt, ...)
{
	char msg[512];
	long long now = gw_now_ms();
	va_list ap;

	cp->cp_failing = 1;
	if (cp->cp_logged_ms != 0 && now - cp->cp_logged_ms < COSIGN_LOG_EVERY_MS) {
		cp->cp_quiet++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cp->cp_quiet > 0)
		log_warnx("cosign: %s: %s (and %u other failure(s) in the last minute)",
		    cp->cp_name, msg, cp->cp_quiet);
	else
		log_warnx("cosign: %s: %s", cp->cp_name, msg);
	cp->cp_logged_ms = now;
	cp->cp_quiet = 0;
}

/* Writes "cosign:<key id>" of VKEY into BUF: the cursor of what that key co-signed. */
static int
cosign_cursor_name(const char *vkey, char *buf, size_t bufsz)
{
	const char *p1 = strchr(vkey, '+'), *p2 = p1 != NULL ? strchr(p1 + 1, '+') : NULL;
	int n;

	if (p2 == NULL)
		return -1;
	n = snprintf(buf, bufsz, COSIGN_CURSOR_PREFIX "%.*s", (int)(p2 - p1 - 1), p1 + 1);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

static void
cosign_call_free(struct cosign_call *cc)
{
	if (cc == NULL)
		return;
	fanout_free(cc->cc_fo);
	note_verifier_free(cc->cc_v);
	gw_conf_put(cc->cc_conf);
	free(cc->cc_note);
	free(cc);
}

/* Builds the request body of CC: the note and, from cc_old, the consistency proof.
 * Returns the SOAP envelope (malloc'd, length in *LEN) or NULL. */
static char *
cosign_request(struct cosign_call *cc, struct auditlog *log, const char *url, size_t *len)
{
	uint8_t (*path)[MERKLE_HASH_LEN] = NULL;
	struct strbuf body = { 0 }, env = { 0 };
	size_t n = 0, i;
	char *out = NULL;

	if (cc->cc_old > 0 && ((path = calloc(MERKLE_MAX_PATH, sizeof(*path))) == NULL ||
	    auditlog_consistency(log, cc->cc_old, cc->cc_size, path, &n) != AUDITLOG_OK))
		goto done;
	strbuf_printf(&body, "<hashi:CosignRequest xmlns:hashi=\"%s\"><hashi:Checkpoint>",
	    COSIGN_NS);
	cosign_put_b64(&body, (const uint8_t *)cc->cc_note, cc->cc_len);
	strbuf_puts(&body, "</hashi:Checkpoint>");
	if (cc->cc_old > 0) {
		strbuf_printf(&body, "<hashi:Consistency old=\"%llu\">",
		    (unsigned long long)cc->cc_old);
		for (i = 0; i < n; i++) {
			strbuf_puts(&body, "<hashi:Hash>");
			cosign_put_b64(&body, path[i], MERKLE_HASH_LEN);
			strbuf_puts(&body, "</hashi:Hash>");
		}
		strbuf_puts(&body, "</hashi:Consistency>");
	}
	strbuf_puts(&body, "</hashi:CosignRequest>");
	if (!body.sb_failed && soap_build_request(&env, ACTION_COSIGN, url, body.sb_data) == 0 &&
	    !env.sb_failed)
		out = strbuf_take(&env, len);
done:
	free(path);
	strbuf_reset(&body);
	strbuf_reset(&env);
	return out;
}

/* Sends CC (its cc_old set). Returns 0, or -1 (the caller frees CC). */
static int
cosign_send(struct cosign_call *cc)
{
	struct auditlog *log = cosign_log(cc->cc_gw);
	const char *url = config_peer_url(cc->cc_peer, "clinical", 0);
	char *env;
	size_t len = 0;

	if (log == NULL || url == NULL)
		return -1;
	if (cc->cc_old > cc->cc_size)
		cc->cc_old = 0;		/* cannot be: let the witness tell its size */
	if ((env = cosign_request(cc, log, url, &len)) == NULL)
		return -1;
	fanout_free(cc->cc_fo);
	if ((cc->cc_fo = fanout_new(cc->cc_gw, cc->cc_conf->gc_cf, "clinical",
	    cc->cc_conf->gc_cf->cf_request_timeout_ms,
	    cosign_done, cc)) == NULL) {
		free(env);
		return -1;
	}
	if (fanout_add(cc->cc_fo, cc->cc_peer, url, COSIGN_CTYPE, env, len, NULL) == NULL)
		return -1;
	fanout_start(cc->cc_fo);
	return 0;
}

/* What came of one answer. */
enum cosign_result {
	COSIGN_STORED,		/* a cosignature verified and is stored */
	COSIGN_CONFLICT,	/* the witness kept another size: ask again with a proof from it */
	COSIGN_FAILED		/* anything else: logged, tried again at the next checkpoint */
};

/* Stores every Cosignature of answer payload P (of MSG) that verifies with the peer's key
 * over our note. Returns COSIGN_STORED, or COSIGN_FAILED (logged). */
static enum cosign_result
cosign_store(struct cosign_call *cc, struct soap_msg *msg, xmlNodePtr p)
{
	struct auditlog *log = cosign_log(cc->cc_gw);
	struct strbuf cand = { 0 };
	const uint8_t *line;
	xmlNodePtr e;
	size_t len;
	int n = 0, stored = 0, rc = AUDITLOG_OK;

	for (e = xml_child(p, COSIGN_NS, "Cosignature"); e != NULL && n < COSIGN_MAX_SIGS &&
	    log != NULL; e = xml_next(e, COSIGN_NS, "Cosignature"), n++) {
		if (soap_element_bytes(msg, e, &line, &len) == -1)
			continue;
		/* only a line of the peer's key over exactly our note text is kept */
		strbuf_reset(&cand);
		if (strbuf_add(&cand, cc->cc_note, cc->cc_len) == -1 ||
		    strbuf_add(&cand, line, len) == -1 ||
		    note_verify(cc->cc_v, cand.sb_data, cand.sb_len, NULL, NULL) != 1)
			continue;
		if ((rc = auditlog_checkpoint_cosign(log, cc->cc_size, cc->cc_v,
		    (const char *)line, len, cc->cc_cursor)) == AUDITLOG_OK)
			stored++;
	}
	strbuf_reset(&cand);
	if (stored > 0)
		return COSIGN_STORED;
	if (log == NULL || rc != AUDITLOG_OK)
		cosign_trouble(cc->cc_cp, "its cosignature of checkpoint %llu could not be "
		    "stored: %s", (unsigned long long)cc->cc_size, log == NULL ?
		    "the audit log is not open" : auditlog_strerror(rc));
	else
		cosign_trouble(cc->cc_cp, "its answer for checkpoint %llu holds no cosignature "
		    "that verifies with its audit_vkey", (unsigned long long)cc->cc_size);
	return COSIGN_FAILED;
}

/* Reads the Refusal R of the witness. Returns COSIGN_CONFLICT with its size in *KNOWN
 * when it asks for a proof from that size, else COSIGN_FAILED (logged). */
static enum cosign_result
cosign_refused(struct cosign_call *cc, xmlNodePtr r, uint64_t *known)
{
	char *reason = xml_attr(r, "reason"), *k = xml_attr(r, "known"), *why = xml_text(r);
	unsigned long long size = cc->cc_size;
	enum cosign_result ret = COSIGN_FAILED;
	long long v = -1;

	if (k != NULL && str_to_ll(k, 0, LLONG_MAX, &v) == -1)
		v = -1;
	if (reason != NULL && strcmp(reason, "conflict") == 0 && v > 0 &&
	    (uint64_t)v <= cc->cc_size) {
		*known = (uint64_t)v;
		ret = COSIGN_CONFLICT;
	} else if (reason != NULL && strcmp(reason, "conflict") == 0 && v > 0) {
		cosign_trouble(cc->cc_cp, "it has co-signed size %lld of OUR audit log, which now "
		    "has only %llu records: this log was rolled back or replaced", v, size);
	} else if (reason != NULL && (strcmp(reason, "fork") == 0 ||
	    strcmp(reason, "rollback") == 0)) {
		cosign_trouble(cc->cc_cp, "REFUSED our checkpoint %llu as a %s (%s): this audit "
		    "log is not the one it co-signed before", size, reason, why ? why : "");
	} else {
		cosign_trouble(cc->cc_cp, "did not co-sign checkpoint %llu: %s: %s", size,
		    reason ? reason : "no reason", why ? why : "");
	}
	free(reason);
	free(k);
	free(why);
	return ret;
}

/* Reads the answer of LEG to CC. Returns what came of it (failures logged). */
static enum cosign_result
cosign_answer(struct cosign_call *cc, const struct fanout_leg *leg, uint64_t *known)
{
	struct soap_limits lim = cc->cc_gw->gw_limits;
	struct soap_fault f;
	struct soap_msg *msg = NULL;
	xmlNodePtr p;
	const char *problem;
	char *status = NULL;
	enum cosign_result ret = COSIGN_FAILED;

	lim.sl_expect_response = 1;
	if ((problem = fanout_leg_problem(leg)) != NULL)
		cosign_trouble(cc->cc_cp, "no answer: %s", problem);
	else if (soap_parse(leg->fl_body, leg->fl_len, leg->fl_content_type, &lim, &msg,
	    &f) == -1)
		cosign_trouble(cc->cc_cp, "malformed answer: %s", f.sf_reason);
	else if (soap_msg_fault(msg, &f))
		cosign_trouble(cc->cc_cp, "answered with a SOAP fault: %s", f.sf_reason);
	else if (!xml_is((p = soap_msg_payload(msg)), COSIGN_NS, "CosignResponse") ||
	    (status = xml_attr(p, "status")) == NULL)
		cosign_trouble(cc->cc_cp, "its answer is not a hashi:CosignResponse");
	else if (strcmp(status, COSIGN_ST_SUCCESS) == 0)
		ret = cosign_store(cc, msg, p);
	else
		ret = cosign_refused(cc, xml_child(p, COSIGN_NS, "Refusal"), known);
	free(status);
	soap_msg_free(msg);
	return ret;
}

/* Asks peer CP again with our latest checkpoint, if it is newer than SIZE. */
static void
cosign_latest(struct gw *gw, struct cosign_peer *cp, uint64_t size)
{
	const struct config *cf = gw->gw_conf->gc_cf;
	struct auditlog *log = cosign_log(gw);
	struct strbuf note = { 0 };
	uint64_t latest = 0;
	size_t i;

	for (i = 0; i < cf->cf_npeers; i++)
		if (strcmp(cf->cf_peers[i].pr_name, cp->cp_name) == 0)
			break;
	/* (a reload may have removed the peer or its key) */
	if (i < cf->cf_npeers && cf->cf_peers[i].pr_audit_vkey != NULL && log != NULL &&
	    auditlog_checkpoint_latest(log, &latest, &note) == AUDITLOG_OK && latest > size &&
	    !note.sb_failed)
		cosign_start(gw, cp, &cf->cf_peers[i], note.sb_data, note.sb_len, latest);
	strbuf_reset(&note);
}

static void
cosign_done(struct fanout *fo, void *arg)
{
	struct cosign_call *cc = arg;
	struct cosign_peer *cp = cc->cc_cp;
	struct gw *gw = cc->cc_gw;
	uint64_t known = 0, size = cc->cc_size;
	enum cosign_result r;

	r = cosign_answer(cc, fanout_leg(fo, 0), &known);
	if (r == COSIGN_CONFLICT && !cc->cc_retried) {
		/* e.g. its answer to us was lost: prove our checkpoint from what it kept */
		if (cp->cp_failing)
			log_debug("cosign: %s: asking again with a proof from size %llu",
			    cp->cp_name, (unsigned long long)known);
		else
			log_info("cosign: %s: asking again with a proof from size %llu",
			    cp->cp_name, (unsigned long long)known);
		cc->cc_retried = 1;
		cc->cc_old = known;
		if (cosign_send(cc) == 0)
			return;
		cosign_trouble(cp, "cannot ask again for checkpoint %llu",
		    (unsigned long long)size);
	} else if (r == COSIGN_CONFLICT) {
		cosign_trouble(cp, "it keeps asking for a proof from size %llu",
		    (unsigned long long)known);
	} else if (r == COSIGN_STORED) {
		if (cp->cp_failing)
			log_info("cosign: %s co-signs our checkpoints again (size %llu)",
			    cp->cp_name, (unsigned long long)size);
		else
			log_debug("cosign: %s co-signed checkpoint %llu", cp->cp_name,
			    (unsigned long long)size);
		cp->cp_failing = 0;
		cp->cp_quiet = 0;
		cp->cp_logged_ms = 0;
	}
	cp->cp_call = NULL;
	cosign_call_free(cc);	/* frees FO too: nothing touches it after this callback */
	if (cp->cp_again) {
		cp->cp_again = 0;
		cosign_latest(gw, cp, size);
	}
}

/* Starts asking PEER (of the current configuration) to co-sign NOTE of tree SIZE. */
static void
cosign_start(struct gw *gw, struct cosign_peer *cp, const struct peer *peer,
    const char *note, size_t len, uint64_t size)
{
	struct auditlog *log = cosign_log(gw);
	struct cosign_call *cc;

	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		cosign_trouble(cp, "out of memory");
		return;
	}
	cc->cc_cp = cp;
	cc->cc_gw = gw;
	cc->cc_conf = gw_conf_get(gw);
	cc->cc_peer = peer;
	cc->cc_size = size;
	cc->cc_len = len;
	if ((cc->cc_note = str_ndup(note, len)) == NULL ||
	    (cc->cc_v = note_verifier_parse(peer->pr_audit_vkey)) == NULL ||
	    cosign_cursor_name(peer->pr_audit_vkey, cc->cc_cursor, sizeof(cc->cc_cursor)) ==
	    -1 || log == NULL || auditlog_cursor(log, cc->cc_cursor, &cc->cc_old) !=
	    AUDITLOG_OK || cosign_send(cc) == -1) {
		cosign_trouble(cp, "cannot ask for a cosignature of checkpoint %llu",
		    (unsigned long long)size);
		cosign_call_free(cc);
		return;
	}
	cp->cp_call = cc;
}

void
cosign_checkpoint(void *arg, const char *note, size_t len, uint64_t size)
{
	struct gw *gw = arg;
	const struct config *cf = gw->gw_conf->gc_cf;
	struct cosign_peer *cp;
	size_t i;

	for (i = 0; i < cf->cf_npeers; i++) {
		if (cf->cf_peers[i].pr_audit_vkey == NULL)
			continue;
		if ((cp = cosign_peer_get(gw, cf->cf_peers[i].pr_name)) == NULL) {
			log_warnx("cosign: %s: out of memory", cf->cf_peers[i].pr_name);
			continue;
		}
		if (cp->cp_call != NULL) {
			cp->cp_again = 1;	/* the latest goes out when this one ends */
			continue;
		}
		cosign_start(gw, cp, &cf->cf_peers[i], note, len, size);
	}
}

void
cosign_stop(struct gw *gw)
{
	struct cosign *cs = gw->gw_cosign;
	size_t i;

	if (cs == NULL)
		return;
	for (i = 0; i < cs->cs_n; i++) {
		cosign_call_free(cs->cs_peers[i]->cp_call);
		free(cs->cs_peers[i]->cp_name);
		free(cs->cs_peers[i]);
	}
	free(cs->cs_peers);
	free(cs);
	gw->gw_cosign = NULL;
}
