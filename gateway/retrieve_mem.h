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

/* Adds DR like retrieve_mem_add, but its bytes are not in memory: they will be relayed
 * by the caller as a part with Content-ID *CIDP (set to a fresh cid owned by RM), after
 * the parts of RM's own documents. Returns 0, 1 when DR lacks an id or the mimeType, or
 * -1 when out of memory. */
int retrieve_mem_add_ref(struct retrieve_mem *rm, const xmlNode *dr, const char *home,
    const char **cidp);

/* Makes the source (built later) use BOUNDARY (copied) and end after the parts of RM's
 * own documents, without the closing delimiter: the caller then appends its parts and
 * mtom_end. Returns 0, or -1 when BOUNDARY is too long. */
int retrieve_mem_leave_open(struct retrieve_mem *rm, const char *boundary);

/* Returns the number of documents added. */
size_t retrieve_mem_ndocs(const struct retrieve_mem *rm);

/* Turns RM into a response body: status from ERRS and the documents, RegistryErrors from
 * ERRS, wsa:Action ACTION, RelatesTo RELATES_TO (NULL = none). RM passes into the source
 * (freed with it). Returns NULL on failure, RM then freed. */
struct body_source *retrieve_mem_source(struct retrieve_mem *rm, const char *action,
    const char *relates_to, const struct reg_errors *errs);

#endif
