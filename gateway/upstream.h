/*
 * gateway/upstream: one SOAP call to a remote XDS.b actor (a region's registry or
 * repository) over the gateway's HTTPS client, under one deadline, answered by the parsed
 * SOAP response or by a short English reason why there is none. The server is trusted
 * through the client's TLS context (the configured CA), not through a peer identity as
 * gateway/fanout does for peer gateways. No retries.
 *
 * The whole response is buffered by the HTTP client (bounded by its hc_max_body) and then
 * parsed, attachments included: callers that relay documents hold them in memory.
 */
#ifndef HASHI_GATEWAY_UPSTREAM_H
#define HASHI_GATEWAY_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/actions.h"
#include "gateway/http_client.h"
#include "gateway/soap.h"

struct upstream_call;

/* What to send. Everything is borrowed until upstream_post returns. */
struct upstream_req {
	const char	*uq_url;		/* https://host[:port]/path */
	const char	*uq_content_type;	/* HTTP Content-Type of the body */
	const uint8_t	*uq_body;
	size_t		 uq_len;
	/* The wsa:MessageID sent (soap_build_request_id): a response whose wsa:RelatesTo
	 * names another message is refused. NULL = not checked. */
	const char	*uq_msgid;
	enum ihe_txn	 uq_txn;		/* the response must be of this transaction */
	int		 uq_deadline_ms;	/* whole call, queueing included */
	const char	*uq_what;		/* for logs, e.g. "the region's registry" */
	const struct soap_limits *uq_limits;	/* depth, tolerances; NULL = defaults */
};

/* Receives the outcome: MSG is the parsed response (taken: free with soap_msg_free), or
 * NULL with WHY, a static English reason fit for a codeContext ("no answer within the
 * deadline", "answered with a SOAP fault", ...). Remote text never reaches WHY or the logs. */
typedef void (*upstream_done_fn)(void *arg, struct soap_msg *msg, const char *why);

/* Starts the call on CL (borrowed; outlives the call). DONE runs exactly once, later, from
 * the event loop (also when the call could not even start), unless upstream_cancel came
 * first. Returns the handle, valid until DONE is called or upstream_cancel; NULL only when
 * out of memory (DONE will not run). */
struct upstream_call *upstream_post(struct http_client *cl, const struct upstream_req *rq,
    upstream_done_fn done, void *arg);

/* Abandons UC: DONE will not run; its connection is closed. NULL accepted. Not from within
 * UC's own DONE (the handle is already gone then). */
void upstream_cancel(struct upstream_call *uc);

#endif
