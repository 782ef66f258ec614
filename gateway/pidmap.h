/*
 * gateway/pidmap: which id a patient of this region has in a peer region. The wide-area
 * MPI answers first (a link found by XCPD, confirmed by an operator or imported from a
 * PIX cross-reference); the static patient_map of a peer in the configuration is the
 * fallback for networks that keep their links there. An id already in the peer's
 * assigning authority needs no translation.
 */
#ifndef HASHI_GATEWAY_PIDMAP_H
#define HASHI_GATEWAY_PIDMAP_H

#include <stdint.h>

#include "gateway/config.h"

struct mpi;

enum pidmap_link {
	PIDMAP_LINKED = 0,	/* *out is the patient's id there */
	PIDMAP_UNLINKED,	/* no link: the peer is not known to hold the patient */
	PIDMAP_EXPIRED		/* the MPI's link is past its time to live: rediscover */
};

/* Sets *OUT to a malloc'd CX of the patient LOCAL_CX in PEER's region, as known at NOW
 * (seconds since the epoch) to the MPI M (NULL = none) or to PEER's static map. Returns
 * an enum pidmap_link (*OUT set only for PIDMAP_LINKED), or -1 on allocation or storage
 * failure. */
int pidmap_to_peer(struct mpi *m, const struct peer *peer, const char *local_cx,
    int64_t now, char **out);

/* Returns the assigning authority OID of CX ("id^^^&OID&ISO") as a malloc'd string, or
 * NULL when CX is not in that form. */
char *pidmap_authority(const char *cx);

#endif
