/*
 * gateway/ig: the XCA Initiating Gateway. A local system's query (ITI-18 or ITI-38) goes
 * to the peer named by AdhocQuery/@home, or to every peer that knows the patient, with the
 * patient id translated per region; a retrieve (ITI-43 or ITI-39) goes to the peers named
 * by each DocumentRequest's HomeCommunityId. Peers are asked concurrently on the event
 * loop, under one deadline; the answers are merged, each peer that failed becoming an
 * XDSUnavailableCommunity RegistryError located at its HCID.
 */
#ifndef HASHI_GATEWAY_IG_H
#define HASHI_GATEWAY_IG_H

#include "gateway/exchange.h"

/* Answers the query in EX (an AdhocQueryRequest from a local system); frees EX. */
void ig_query(struct exchange *ex);

/* Answers the retrieve in EX (a RetrieveDocumentSetRequest from a local system); frees EX. */
void ig_retrieve(struct exchange *ex);

#endif
