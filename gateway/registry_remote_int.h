/*
 * gateway/registry_remote_int: what registry_remote.c (backend, query, submit),
 * registry_remote_ret.c (retrieve) and registry_remote_msg.c (message rewriting) share,
 * and the pure pieces the unit tests drive directly. Not for other modules.
 */
#ifndef HASHI_GATEWAY_REGISTRY_REMOTE_INT_H
#define HASHI_GATEWAY_REGISTRY_REMOTE_INT_H

#include <sys/queue.h>

#include <stddef.h>

#include <libxml/tree.h>

#include "common/str.h"
#include "gateway/regerr.h"
#include "gateway/registry.h"
#include "gateway/soap.h"
#include "gateway/upstream.h"

/* One forwarded operation in flight. Each kind embeds it first. */
struct remote_op {
	TAILQ_ENTRY(remote_op)	 op_entry;
	struct registry_remote	*op_rr;
	struct upstream_call	*op_call;
	/* Frees the whole operation without answering (backend shutdown). */
	void			(*op_free)(struct remote_op *op);
};

struct registry_remote {
	struct http_client	*rr_client;		/* borrowed */
	char			*rr_registry_url;	/* ITI-18 */
	char			*rr_repository_url;	/* ITI-43, ITI-41 */
	int			 rr_deadline_ms;
	struct soap_limits	 rr_limits;		/* as configured for hashid */
	TAILQ_HEAD(, remote_op)	 rr_ops;		/* in flight */
};

/* What the remote side is called in codeContexts and logs. */
#define REMOTE_REGISTRY		"the region's registry"
#define REMOTE_REPOSITORY	"the region's repository"

/* ---- registry_remote.c ---- */

/* POSTs BODY (LEN bytes, CTYPE; copied) to URL for OP (added to RR's list of operations in
 * flight), expecting a TXN response relating to MSGID; WHAT names the server in logs. DONE
 * receives OP as its argument and must call remote_op_done first. Returns 0, or -1 when
 * out of memory (OP untouched, DONE will not run). */
int remote_op_send(struct registry_remote *rr, struct remote_op *op, const char *url,
    const char *ctype, const struct strbuf *body, const char *msgid, enum ihe_txn txn,
    const char *what, upstream_done_fn done);

/* Takes OP off its backend's list of operations in flight. */
void remote_op_done(struct remote_op *op);

/* ---- registry_remote_msg.c: rewriting requests and answers ---- */

/* ITI-38 homeCommunityId rules on the query:AdhocQueryRequest REQ (ITI TF-2 §3.38.4.1.2, as
 * gateway/sq_exec applies them): AdhocQuery/@home, or else the legacy $homeCommunityId
 * slot, naming another community than HOME_HCID -> XDSUnknownCommunity; no home in a query
 * without a patient id parameter -> XDSMissingHomeCommunityId. An unknown query id passes
 * (the remote registry answers it). Returns 0 when the query may go on, 1 when an error was
 * added to ERRS, -1 when out of memory. */
int remote_home_check(const xmlNode *req, const char *home_hcid, struct reg_errors *errs);

/* Removes AdhocQuery/@home and the $homeCommunityId slot from REQ (a copy about to be sent
 * as ITI-18: the community was checked already and a registry has no home of its own). */
void remote_strip_home(xmlNodePtr req);

/* Sets home = HOME on every rim:ExtrinsicObject, rim:RegistryPackage and rim:ObjectRef of
 * the RegistryObjectList of the query:AdhocQueryResponse RESP. Returns how many objects were
 * stamped, or -1 when out of memory. */
long remote_stamp_home(xmlNodePtr resp, const char *home);

/* Builds the ITI-41 request for the repository at TO: an MTOM/XOP message whose root part is
 * a copy of PNR (borrowed) with every xdsb:Document replaced by an xop:Include of a binary
 * part holding the bytes of DOCS (matched on Document/@id). Appends the HTTP body to BODY,
 * the Content-Type to CTYPE and writes the MessageID into MSGID (N >= 46). Returns 0, 1 when
 * a Document has no content in DOCS or a content has no bytes in memory (error added to
 * ERRS), -1 when out of memory. */
int remote_pnr_build(xmlNodePtr pnr, const struct regstore_content *docs, size_t ndocs,
    const char *to, struct strbuf *body, struct strbuf *ctype, char *msgid, size_t n,
    struct reg_errors *errs);

/* Appends an <rs:RegistryResponse> with status Failure and ERRS (xmlns:rs declared). */
int remote_registry_response(struct strbuf *sb, const struct reg_errors *errs);

/* ---- registry_remote_ret.c: retrieve ---- */

struct remote_ret;

/* A retrieve answering as CTX says (strings copied). NULL when out of memory. */
struct remote_ret *remote_ret_new(const struct retrieve_ctx *ctx);

/* Checks the DocumentRequests of REQ (HomeCommunityId rules: missing under ITI-39 ->
 * XDSMissingHomeCommunityId, another community -> XDSUnknownCommunity; request errors) and
 * appends to BODY the xdsb:RetrieveDocumentSetRequest of the good ones, without
 * HomeCommunityId. Returns how many requests are to be forwarded (BODY untouched when 0),
 * or -1 when out of memory. */
int remote_ret_request(struct remote_ret *rt, const xmlNode *req, struct strbuf *body);

/* Takes the repository's answer MSG (taken), or its absence and WHY. */
void remote_ret_take(struct remote_ret *rt, struct soap_msg *msg, const char *why);

/* Builds the response from what RT holds and returns it as a body source that owns RT, or
 * NULL (RT freed) when out of memory. */
struct body_source *remote_ret_source(struct remote_ret *rt);

/* Frees RT; NULL accepted. */
void remote_ret_free(struct remote_ret *rt);

/* The backend's ro_retrieve. */
void remote_retrieve(struct registry *reg, xmlNodePtr req, const struct retrieve_ctx *ctx,
    registry_stream_cb cb, void *arg);

#endif
