/*
 * gateway/retrieve: answers a Retrieve Document Set (ITI-43, local systems) or a Cross
 * Gateway Retrieve (ITI-39, peers) from the embedded repository as an MTOM/XOP response
 * that is produced chunk by chunk: the root part first, then each document's bytes read
 * one stored chunk per LMDB read transaction. Memory stays O(chunk) whatever the size of
 * the documents.
 */
#ifndef HASHI_GATEWAY_RETRIEVE_H
#define HASHI_GATEWAY_RETRIEVE_H

#include <stddef.h>
#include <libxml/tree.h>

#include "gateway/regerr.h"
#include "gateway/regstore.h"

struct evbuffer;

/* One xdsb:DocumentRequest. */
struct retrieve_item {
	char	*ri_home;	/* HomeCommunityId, or NULL */
	char	*ri_repo;	/* RepositoryUniqueId */
	char	*ri_doc;	/* DocumentUniqueId */
};

struct retrieve_set {
	struct retrieve_item	*rs_item;
	size_t			 rs_n;
};

/* Parses the DocumentRequests of REQUEST (an xdsb:RetrieveDocumentSetRequest element,
 * borrowed) into SET. Structural problems (no DocumentRequest, an empty
 * RepositoryUniqueId or DocumentUniqueId) are added to ERRS. Returns 0 when SET holds at
 * least one request, -1 otherwise. */
int retrieve_parse(const xmlNode *request, struct retrieve_set *set, struct reg_errors *errs);

/* Frees what SET holds. */
void retrieve_set_free(struct retrieve_set *set);

/* Applies the HomeCommunityId rules to IT for a repository of community HOME: with XCA
 * (ITI-39) it is required (XDSMissingHomeCommunityId at the document), and when given it
 * must be HOME (XDSUnknownCommunity at the given id). Returns 1 when IT may be served, 0
 * after adding the error to ERRS. */
int retrieve_home_ok(const struct retrieve_item *it, int xca, const char *home,
    struct reg_errors *errs);

/* What the answering side is. */
struct retrieve_ctx {
	const char	*rc_home;	/* our HCID */
	const char	*rc_repo;	/* our repositoryUniqueId */
	int		 rc_xca;	/* 1 = ITI-39 rules (HomeCommunityId required) */
	const char	*rc_action;	/* response wsa:Action */
	const char	*rc_relates_to;	/* request MessageID, or NULL */
	/* Consent (responding gateway): asked for each requested document this repository
	 * holds; NULL releases it, a short reason refuses it with a RegistryError
	 * REGERR_CONSENT_REQUIRED at its uniqueId. A NULL function releases everything. */
	const char	*(*rc_release)(void *arg, const char *doc_uid);
	void		*rc_release_arg;
};

struct retrieve_stream;

/* Checks every request of SET against CTX and the store (unknown community, repository or
 * document each become a RegistryError located at the request) and prepares the response.
 * ERRS holds errors found earlier (e.g. by retrieve_parse); they are reported too and ERRS
 * is left empty. SET and RS are borrowed and must outlive the stream. Returns NULL on
 * internal failure. */
struct retrieve_stream *retrieve_stream_new(struct regstore *rs, const struct retrieve_set *set,
    const struct retrieve_ctx *ctx, struct reg_errors *errs);

/* Returns the HTTP Content-Type of the response (multipart/related ...). Borrowed. */
const char *retrieve_stream_content_type(const struct retrieve_stream *st);

/* Returns the number of documents that will be returned. */
size_t retrieve_stream_ndocs(const struct retrieve_stream *st);

/* Appends the next part of the body, at most about MAX bytes, to OUT. Returns 0 when
 * more follows, 1 when the body is complete, -1 when a stored chunk could not be read
 * (the caller must abort the transfer so the client sees a truncated body). */
int retrieve_stream_pull(struct retrieve_stream *st, struct evbuffer *out, size_t max);

/* Frees ST; NULL accepted. */
void retrieve_stream_free(struct retrieve_stream *st);

#endif
