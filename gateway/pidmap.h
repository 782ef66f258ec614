/*
 * gateway/pidmap: which id a patient of this region has in a peer region. Until the
 * wide-area MPI lands this is the static patient_map of each peer in the configuration;
 * the MPI will answer the same question behind this interface (cache, then XCPD).
 */
#ifndef HASHI_GATEWAY_PIDMAP_H
#define HASHI_GATEWAY_PIDMAP_H

#include "gateway/config.h"

/* Sets *OUT to a malloc'd CX of the patient LOCAL_CX in PEER's region. An id already in
 * the peer's assigning authority passes through unchanged. Returns 0 when known, 1 when
 * PEER is not known to hold the patient, -1 on allocation failure. */
int pidmap_to_peer(const struct peer *peer, const char *local_cx, char **out);

/* Returns the assigning authority OID of CX ("id^^^&OID&ISO") as a malloc'd string, or
 * NULL when CX is not in that form. */
char *pidmap_authority(const char *cx);

#endif
