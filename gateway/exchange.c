/* gateway/exchange: see exchange.h. */
#include "gateway/exchange.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/log.h"
#include "common/str.h"
#include "gateway/http_server.h"
#include "gateway/metrics.h"

#define EXCHANGE_PULL_MAX	(256 * 1024)

static void
exchange_client_gone(void *arg)
{
	struct exchange *ex = arg;

	log_debug("exchange: client went away before the answer");
	ex->ex_req = NULL;
}

struct exchange *
exchange_new(struct gw *gw, struct http_req *req)
{
	struct exchange *ex;

	if ((ex = calloc(1, sizeof(*ex))) == NULL)
		return NULL;
	ex->ex_gw = gw;
	ex->ex_conf = gw_conf_get(gw);
	ex->ex_req = req;
	ex->ex_purpose = "clinical";
	http_req_set_cancel(req, exchange_client_gone, ex);
	return ex;
}

const struct config *
exchange_cf(const struct exchange *ex)
{
	return ex->ex_conf->gc_cf;
}

void
exchange_free(struct exchange *ex)
{
	if (ex == NULL)
		return;
	if (ex->ex_req != NULL)
		http_req_set_cancel(ex->ex_req, NULL, NULL);
	if (ex->ex_out_src != NULL) {
		ex->ex_out_src->bs_free(ex->ex_out_src->bs_ctx);
		free(ex->ex_out_src);
	}
	strbuf_reset(&ex->ex_out);
	strbuf_reset(&ex->ex_timing);
	ex_audit_clear(&ex->ex_audit);
	soap_msg_free(ex->ex_msg);
	gw_conf_put(ex->ex_conf);
	free(ex);
}

static const char *
exchange_relates_to(const struct exchange *ex)
{
	const struct soap_wsa *wsa = ex->ex_msg ? soap_msg_wsa(ex->ex_msg) : NULL;

	return wsa != NULL ? wsa->wa_message_id : NULL;
}

/* Counts the answer in the metrics by transaction, endpoint and outcome. */
static void
exchange_count(const struct exchange *ex, enum metrics_outcome o)
{
	static const char *const ep[] = { "xds", "ig", "xca" };

	(void)metrics_request(ex->ex_gw->gw_metrics, ex->ex_action != NULL ?
	    action_txn_name(ex->ex_action->ae_txn) : "none",
	    (unsigned)ex->ex_ep < 3 ? ep[ex->ex_ep] : "other", o);
}

/* The outcome of an answer for the metrics, from its audit outcome (ex_audit_outcome). */
static enum metrics_outcome
exchange_outcome(int atna)
{
	return atna == ATNA_OK ? MO_SUCCESS : atna == ATNA_MINOR ? MO_PARTIAL : MO_FAILURE;
}

/* Copies the first errorCode of PAYLOAD's RegistryErrors into BUF ("" if none): the
 * audit record says why a request failed. */
static void
exchange_error_code(const char *payload, char *buf, size_t bufsz)
{
	const char *p = strstr(payload, "errorCode=\""), *e;
	size_t n;

	buf[0] = '\0';
	if (p == NULL)
		return;
	p += strlen("errorCode=\"");
	if ((e = strchr(p, '"')) == NULL || (n = (size_t)(e - p)) >= bufsz)
		return;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

void
exchange_timing(struct exchange *ex, const char *txn, const char *peer, long ms,
    const char *desc)
{
	struct strbuf *sb = &ex->ex_timing;
	const char *s;

	strbuf_printf(sb, "%s%s.%s;dur=%ld;desc=\"", sb->sb_len > 0 ? ", " : "", txn, peer,
	    ms < 0 ? 0 : ms);
	/* a quoted-string of our own words: no quote, backslash or non-ASCII byte */
	for (s = desc != NULL ? desc : ""; *s != '\0'; s++)
		strbuf_printf(sb, "%c", *s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\' ?
		    *s : '_');
	strbuf_puts(sb, "\"");
}

/* Adds the Server-Timing header of EX's legs, if it has any. */
static void
exchange_timing_header(struct exchange *ex)
{
	if (ex->ex_req != NULL && ex->ex_timing.sb_len > 0 && !ex->ex_timing.sb_failed)
		(void)http_req_add_header(ex->ex_req, "Server-Timing", ex->ex_timing.sb_data);
}

/* Replaces the held answer of EX by the refusal of a request whose audit records could
 * not be committed. */
static void
exchange_refusal(struct exchange *ex)
{
	struct soap_fault f;

	soap_fault_set(&f, SOAP_FAULT_RECEIVER, NULL, "the audit log cannot be written; "
	    "nothing was released (try again later)");
	strbuf_reset(&ex->ex_out);
	soap_build_fault(&ex->ex_out, &f, exchange_relates_to(ex));
	ex->ex_out_status = soap_fault_http_status(&f);
	ex->ex_out_action = ACTION_WSA_SOAP_FAULT;
	ex->ex_out_mo = MO_FAULT;
}

/* Sends the held envelope once its audit records are committed (OK), else the refusal. */
static void
exchange_send_now(struct exchange *ex, int ok)
{
	struct strbuf ct = { 0 };

	if (!ok)
		exchange_refusal(ex);
	exchange_count(ex, ex->ex_out_mo);	/* what was answered, once */
	if (ex->ex_req == NULL)
		goto done;
	if (ex->ex_out.sb_failed || soap_content_type(&ct, ex->ex_out_action) == -1 ||
	    ct.sb_failed) {
		http_reply(ex->ex_req, 500, "text/plain", (const uint8_t *)"internal error\n",
		    15);
		goto done;
	}
	exchange_timing_header(ex);
	http_reply(ex->ex_req, ex->ex_out_status, ct.sb_data,
	    (const uint8_t *)ex->ex_out.sb_data, ex->ex_out.sb_len);
done:
	strbuf_reset(&ct);
	exchange_free(ex);
}

/* Holds the complete envelope ENV (taken) with HTTP STATUS and ACTION until the records
 * of EX, its own with OUTCOME and DESC, are committed. */
static void
exchange_send(struct exchange *ex, int status, const char *action, struct strbuf *env,
    int outcome, const char *desc, enum metrics_outcome mo)
{
	ex->ex_out_mo = mo;
	ex->ex_out = *env;
	memset(env, 0, sizeof(*env));
	ex->ex_out_status = status;
	ex->ex_out_action = action;
	ex_audit_finish(ex, outcome, desc, exchange_send_now);
}

void
exchange_reply_fault(struct exchange *ex, const struct soap_fault *f)
{
	struct strbuf env = { 0 };
	const char *relates_to = exchange_relates_to(ex);

	/* A message that failed to parse may still have shown its MessageID. */
	if (relates_to == NULL && f->sf_message_id[0] != '\0')
		relates_to = f->sf_message_id;
	soap_build_fault(&env, f, relates_to);
	exchange_send(ex, soap_fault_http_status(f), ACTION_WSA_SOAP_FAULT, &env, ATNA_SERIOUS,
	    f->sf_reason, MO_FAULT);
}

void
exchange_reply_internal(struct exchange *ex, const char *reason)
{
	struct soap_fault f;

	soap_fault_set(&f, SOAP_FAULT_RECEIVER, NULL, "%s", reason);
	exchange_reply_fault(ex, &f);
}

void
exchange_reply_payload(struct exchange *ex, char *payload)
{
	struct strbuf env = { 0 };
	const char *action = ex->ex_action ? ex->ex_action->ae_response : NULL;
	char desc[128];
	int outcome;

	if (payload == NULL || action == NULL) {
		free(payload);
		exchange_reply_internal(ex, "the gateway could not build its answer");
		return;
	}
	outcome = ex_audit_outcome(payload);
	exchange_error_code(payload, desc, sizeof(desc));
	soap_build_response(&env, action, exchange_relates_to(ex), payload);
	free(payload);
	exchange_send(ex, 200, action, &env, outcome, desc[0] != '\0' ? desc : NULL,
	    exchange_outcome(outcome));
}

struct exchange_stream {
	struct exchange		*es_ex;
	struct body_source	*es_src;
};

static int
exchange_stream_pull(void *arg, struct evbuffer *out)
{
	struct exchange_stream *es = arg;

	return es->es_src->bs_pull(es->es_src->bs_ctx, out, EXCHANGE_PULL_MAX);
}

static void
exchange_stream_done(void *arg, int ok)
{
	struct exchange_stream *es = arg;

	if (!ok)
		log_info("exchange: a streamed answer did not complete");
	/* the http layer owns and frees the request once the stream ends */
	es->es_ex->ex_req = NULL;
	es->es_src->bs_free(es->es_src->bs_ctx);
	free(es->es_src);
	exchange_free(es->es_ex);
	free(es);
}

/* Starts the held stream once the records of EX are committed (OK), else refuses. */
static void
exchange_stream_now(struct exchange *ex, int ok)
{
	struct body_source *src = ex->ex_out_src;
	struct exchange_stream *es;

	ex->ex_out_src = NULL;
	if (!ok) {
		src->bs_free(src->bs_ctx);
		free(src);
		exchange_send_now(ex, 0);
		return;
	}
	exchange_count(ex, ex->ex_out_mo);
	if (ex->ex_req == NULL || (es = calloc(1, sizeof(*es))) == NULL) {
		src->bs_free(src->bs_ctx);
		free(src);
		exchange_free(ex);
		return;
	}
	es->es_ex = ex;
	es->es_src = src;
	http_req_set_cancel(ex->ex_req, NULL, NULL);
	exchange_timing_header(ex);
	if (http_reply_stream(ex->ex_req, 200, src->bs_content_type, exchange_stream_pull,
	    exchange_stream_done, es) == -1) {
		/* the request must not be touched after a refused stream */
		ex->ex_req = NULL;
		free(es);
		src->bs_free(src->bs_ctx);
		free(src);
		exchange_free(ex);
	}
}

void
exchange_reply_stream(struct exchange *ex, struct body_source *src)
{
	if (src == NULL) {
		exchange_reply_internal(ex, "the repository could not answer");
		return;
	}
	ex->ex_out_src = src;
	ex->ex_out_mo = MO_SUCCESS;	/* a streamed retrieve: documents are coming */
	ex_audit_finish(ex, ATNA_OK, NULL, exchange_stream_now);
}

void
exchange_payload_cb(void *ex, char *payload)
{
	exchange_reply_payload(ex, payload);
}

void
exchange_stream_cb(void *ex, struct body_source *src)
{
	exchange_reply_stream(ex, src);
}
