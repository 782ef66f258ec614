/*
 * gateway/discover: XCPD patient discovery (ITI-55), initiating side. For a patient of
 * this region that a peer has no fresh link for, asks those peers at once (one fan-out,
 * one deadline) with the patient's demographics and local id ("demographic query and
 * feed"), and checks every match a peer returns against the local record with the same
 * rules as any other link (mpi/match.h): only a strict match is linked, with the peer's
 * CorrelationTimeToLive or the configured one; anything weaker goes to the operators'
 * review list. A peer's word is never stored unchecked: its match must name a patient in
 * its own assigning authority, in its own community.
 */
#ifndef HASHI_GATEWAY_DISCOVER_H
#define HASHI_GATEWAY_DISCOVER_H

#include <stddef.h>

#include "gateway/config.h"

struct gw;
struct mpi_patient;
struct discover;

enum discover_outcome {
	DISC_PENDING = 0,
	DISC_LINKED,		/* one strict match: the link is stored */
	DISC_NOMATCH,		/* the peer knows no such patient (NF) */
	DISC_CANDIDATE,		/* weaker or ambiguous matches: queued for review only */
	DISC_FAILED		/* no usable answer: see dr_why */
};

struct discover_result {
	const struct peer	*dr_peer;	/* borrowed from the caller's config */
	enum discover_outcome	 dr_outcome;
	const char		*dr_why;	/* static English, for DISC_FAILED */
	long			 dr_ms;		/* how long the peer took; 0 = not asked */
};

typedef void (*discover_done_fn)(struct discover *d, void *arg);

/* Starts a discovery for patient P (copied) of configuration CF (borrowed; must outlive
 * D) on GW, for PURPOSE (borrowed; NULL = clinical: the peers' endpoints of that purpose
 * are asked), to end within DEADLINE_MS of discover_start. Returns NULL when out of
 * memory. */
struct discover *discover_new(struct gw *gw, const struct config *cf,
    const struct mpi_patient *p, const char *purpose, int deadline_ms,
    discover_done_fn done, void *arg);

/* Adds PEER (not when it has no endpoint for the purpose); returns 0, or -1 when out of
 * memory or the query cannot be built. */
int discover_add(struct discover *d, const struct peer *peer);

/* Sends every query; DONE runs later from the event loop, once. */
void discover_start(struct discover *d);

/* Results, in the order the peers were added; valid until discover_free. */
size_t discover_count(const struct discover *d);
const struct discover_result *discover_result(const struct discover *d, size_t i);

/* Returns PEER's XCPD endpoint for D's purpose (its xcpd_url for clinical, else that
 * purpose's query URL), or NULL when it has none. Borrowed. */
const char *discover_url(const struct discover *d, const struct peer *peer);

/* Cancels what still runs and frees D; NULL accepted. */
void discover_free(struct discover *d);

#endif
