/*
 * gateway/registry: the local registry interface. A backend answers the three things a
 * region's document store must do for the gateway: a stored query (ITI-18 semantics, with
 * XCA rules when asked by a peer), a document retrieve (streamed), and a document
 * submission (ITI-41). Two backends: the embedded LMDB registry (registry_embedded.c) and
 * a remote XDS.b registry/repository reached over TLS (registry_remote.c).
 *
 * Every operation completes through its callback exactly once, possibly before the call
 * returns (embedded) or from the event loop later (remote).
 */
#ifndef HASHI_GATEWAY_REGISTRY_H
#define HASHI_GATEWAY_REGISTRY_H

#include <stddef.h>
#include <libxml/tree.h>

#include "gateway/config.h"
#include "gateway/retrieve.h"
#include "gateway/sq_exec.h"

struct evbuffer;
struct registry;

/* A response body produced piece by piece (an MTOM retrieve response). */
struct body_source {
	const char	*bs_content_type;	/* borrowed from bs_ctx */
	/* Appends about MAX bytes to OUT: 0 more follows, 1 complete, -1 error (abort). */
	int		(*bs_pull)(void *ctx, struct evbuffer *out, size_t max);
	void		(*bs_free)(void *ctx);
	void		 *bs_ctx;
};

/* Receives a response payload element as XML text (ownership passes to the callee; NULL
 * means the backend failed internally and the caller answers with a Receiver fault). */
typedef void (*registry_xml_cb)(void *arg, char *payload);
/* Receives the body of a retrieve response (ownership passes; NULL = internal failure). */
typedef void (*registry_stream_cb)(void *arg, struct body_source *src);

struct registry_ops {
	const char *ro_name;
	void	(*ro_query)(struct registry *reg, xmlNodePtr adhoc_query_request,
		    const struct sq_context *ctx, registry_xml_cb cb, void *arg);
	void	(*ro_retrieve)(struct registry *reg, xmlNodePtr retrieve_request,
		    const struct retrieve_ctx *ctx, registry_stream_cb cb, void *arg);
	/* PNR is the xdsb:ProvideAndRegisterDocumentSetRequest; DOCS its documents. */
	void	(*ro_submit)(struct registry *reg, xmlNodePtr pnr,
		    const struct regstore_content *docs, size_t ndocs, registry_xml_cb cb,
		    void *arg);
	/* The patient (CX) and classCode of document DOC_UID, both malloc'd (the class may
	 * be NULL): 0 found, 1 unknown, -1 error. NULL when the backend cannot tell (the
	 * remote registry: consent-gated retrieves are then refused). */
	int	(*ro_doc_meta)(struct registry *reg, const char *doc_uid, char **patient,
		    char **cls);
	void	(*ro_free)(struct registry *reg);
};

struct registry {
	const struct registry_ops	*rg_ops;
	void				*rg_impl;
};

/* Opens the embedded backend over the LMDB environment in DIR (created if needed) with map
 * size MAPSIZE; REPOSITORY_ID is this repository's uniqueId; submissions must be for
 * patient ids of ASSIGNING_AUTHORITY (else XDSUnknownPatientId). NULL on failure. */
struct registry *registry_embedded_new(const char *dir, size_t mapsize,
    const char *repository_id, const char *assigning_authority);

/* Creates the remote backend: ITI-18 to cf_remote_registry_url and ITI-43 to
 * cf_remote_repository_url over mutual TLS through CLIENT (borrowed; outlives the
 * registry). CF is borrowed only during the call. NULL on failure. */
struct http_client;
struct registry *registry_remote_new(const struct config *cf, struct http_client *client);

/* Returns the embedded backend's store (for hashictl and tests), or NULL for other
 * backends. Borrowed. */
struct regstore *registry_embedded_store(struct registry *reg);

/* Frees REG through its backend; NULL accepted. */
void registry_free(struct registry *reg);

#endif
