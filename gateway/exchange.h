/*
 * gateway/exchange: one SOAP request being answered. It holds the caller's identity, the
 * parsed message and a reference on the configuration it started under, and it is freed
 * by whichever reply helper sends the answer. When the client goes away first, ex_req
 * becomes NULL and the answer, once ready, is dropped.
 */
#ifndef HASHI_GATEWAY_EXCHANGE_H
#define HASHI_GATEWAY_EXCHANGE_H

#include "common/str.h"
#include "gateway/actions.h"
#include "gateway/ex_audit.h"
#include "gateway/gw.h"
#include "gateway/identity.h"
#include "gateway/requester.h"
#include "gateway/registry.h"
#include "gateway/soap.h"

struct http_req;

/* The three SOAP endpoints, each for one kind of caller. */
enum endpoint {
	EP_XDS = 0,	/* /xds: local registry and repository, local systems */
	EP_IG,		/* /ig: initiating gateway, local systems */
	EP_XCA		/* /xca: responding gateway, peer gateways */
};

struct exchange {
	struct gw		*ex_gw;
	struct gw_conf		*ex_conf;	/* referenced until the exchange is freed */
	struct http_req		*ex_req;	/* NULL once the client is gone */
	struct soap_msg		*ex_msg;
	struct identity		 ex_id;
	enum endpoint		 ex_ep;
	const struct action_entry *ex_action;	/* the request's action */
	const char		*ex_purpose;	/* of the listener it came on (ex_conf's) */
	int			 ex_consent_logged; /* its consent outcome is logged */
	struct requester	 ex_requester;	/* the clinician and reason, when sent */
	struct ex_audit		 ex_audit;	/* its audit records (ex_audit.h) */
	/* The answer while its audit records are being committed. */
	struct strbuf		 ex_out;
	int			 ex_out_status;
	const char		*ex_out_action;
	int			 ex_out_mo;	/* its enum metrics_outcome, counted when sent */
	struct body_source	*ex_out_src;
	struct strbuf		 ex_timing;	/* Server-Timing entries of its legs */
};

/* Every reply helper below adds the exchange's audit record (ex_audit.h) and sends only
 * once its records are committed; when they cannot be, the answer is replaced by a
 * Receiver fault saying nothing was released. */

/* Notes one leg of EX for the answer's Server-Timing header (W3C Server Timing): metric
 * "<TXN>.<PEER>" (e.g. iti38.shimane), dur=MS, desc=DESC (what came of it: "ok", "timeout",
 * "not sent: ..."; printable ASCII kept, the rest replaced). A local system (or a tester)
 * sees from it whom its request reached and how long each took. */
void exchange_timing(struct exchange *ex, const char *txn, const char *peer, long ms,
    const char *desc);

/* Creates the exchange for REQ and hooks the client-gone notification. NULL on ENOMEM. */
struct exchange *exchange_new(struct gw *gw, struct http_req *req);

/* Returns the configuration the exchange runs under. */
const struct config *exchange_cf(const struct exchange *ex);

/* Answers with a SOAP envelope around PAYLOAD (taken; NULL = internal failure, answered
 * with a Receiver fault), with the response action of the request. Frees EX. */
void exchange_reply_payload(struct exchange *ex, char *payload);

/* Answers with fault F. Frees EX. */
void exchange_reply_fault(struct exchange *ex, const struct soap_fault *f);

/* Answers with an internal-error (Receiver) fault whose reason is REASON. Frees EX. */
void exchange_reply_internal(struct exchange *ex, const char *reason);

/* Streams SRC (taken; NULL = internal failure) as the HTTP body. Frees EX when done. */
void exchange_reply_stream(struct exchange *ex, struct body_source *src);

/* Frees EX without answering (the request is answered elsewhere or the client is gone). */
void exchange_free(struct exchange *ex);

/* Registry callbacks with an exchange as argument: they answer and free it. */
void exchange_payload_cb(void *ex, char *payload);
void exchange_stream_cb(void *ex, struct body_source *src);

#endif
