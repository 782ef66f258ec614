/*
 * gateway/retrieve_mem: a retrieve answer re-packaged from documents already in memory,
 * i.e. from other actors' answers (peer gateways for the initiating gateway, the region's
 * repository for the remote backend). It keeps those answers alive, collects their
 * DocumentResponses under the HomeCommunityId the caller vouches for, and emits one MTOM
 * response with our action, RelatesTo and RegistryErrors.
 */
#ifndef HASHI_GATEWAY_RETRIEVE_MEM_H
#define HASHI_GATEWAY_RETRIEVE_MEM_H

#include <stddef.h>
#include <libxml/tree.h>

#include "gateway/regerr.h"
#include "gateway/registry.h"
#include "gateway/soap.h"

struct retrieve_mem;

/* Returns an empty answer, or NULL when out of memory. */
struct retrieve_mem *retrieve_mem_new(void);

/* Frees RM and the messages it keeps; NULL accepted. */
void retrieve_mem_free(struct retrieve_mem *rm);

/* Keeps MSG (taken, also on failure) as long as RM: the document bytes added from it are
 * borrowed from it. Returns 0, or -1 when out of memory (MSG is then freed). */
int retrieve_mem_keep(struct retrieve_mem *rm, struct soap_msg *msg);

/* Adds the document of DR, an xdsb:DocumentResponse of MSG (kept with retrieve_mem_keep),
 * as a document of community HOME: RepositoryUniqueId, DocumentUniqueId, the optional
 * New* ids and mimeType are copied, the bytes (MTOM part or inline base64) borrowed.
 * Returns 0, 1 when DR lacks an id, the mimeType or its bytes (nothing added), or -1 when
 * out of memory. */
int retrieve_mem_add(struct retrieve_mem *rm, struct soap_msg *msg, const xmlNode *dr,
    const char *home);

/* Returns the number of documents added. */
size_t retrieve_mem_ndocs(const struct retrieve_mem *rm);

/* Turns RM into a response body: status from ERRS and the documents, RegistryErrors from
 * ERRS, wsa:Action ACTION, RelatesTo RELATES_TO (NULL = none). RM passes into the source
 * (freed with it). Returns NULL on failure, RM then freed. */
struct body_source *retrieve_mem_source(struct retrieve_mem *rm, const char *action,
    const char *relates_to, const struct reg_errors *errs);

#endif
