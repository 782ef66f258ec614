/*
 * gateway/tunnel: the paths to the peers, one per peer and purpose, and for each path
 * that runs through a per-purpose VPN the state of its CHILD_SA as charon reports it
 * over the vici socket (polled every vpn.health_interval). A request for a purpose whose
 * tunnel to a peer is known to be down is not sent there: the caller reports that peer
 * as unavailable at once instead of waiting for a timeout. With vpn.initiate (default)
 * charon is asked to bring a missing CHILD_SA up again. Under start_action trap a missing
 * CHILD_SA is idle, not down: the first packet brings it up; it is down only once charon
 * failed to initiate it.
 *
 * While charon cannot be asked (not running, socket missing) a tunnel's state is
 * unknown and requests are still sent: the monitor is not allowed to become the reason
 * nothing works; status and metrics say that the state is unknown and why.
 *
 * Every call to a peer is also noted here per path (last success, last error, the TLS
 * outcome, latency), for hashictl status.
 */
#ifndef HASHI_GATEWAY_TUNNEL_H
#define HASHI_GATEWAY_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/str.h"
#include "gateway/config.h"
#include "gateway/http_client.h"

struct event_base;
struct tunnels;

/* NONE: not through a VPN. IDLE: no CHILD_SA, but charon's trap policy brings it up with
 * the first packet (start_action trap), so requests go. DOWN: no CHILD_SA and nothing will
 * bring it up by itself (start_action start or none, or charon failed to initiate it). */
enum tunnel_state { TUNNEL_NONE = 0, TUNNEL_UNKNOWN, TUNNEL_UP, TUNNEL_IDLE, TUNNEL_DOWN };

/* Returns the paths of CF on BASE, polling charon when CF has a vpn section; NULL on
 * allocation failure. */
struct tunnels *tunnels_new(struct event_base *base, const struct config *cf);

/* Stops polling (no callback afterwards) and frees T; NULL accepted. */
void tunnels_free(struct tunnels *t);

/* Takes the paths of a reloaded CF: a path that stays keeps its state and figures, a
 * new one starts unknown, and charon is asked again at once. Returns 0 or -1. */
int tunnels_reconfigure(struct tunnels *t, const struct config *cf);

/* Returns 1 when a request for PURPOSE may go to PEER now, 0 when its tunnel is known
 * to be down (then WHY, if not NULL, gets a short reason for the clinician's error). */
int tunnels_usable(const struct tunnels *t, const struct peer *peer, const char *purpose,
    char *why, size_t whysz);

/* Returns the state of PEER's tunnel for PURPOSE (TUNNEL_NONE: not through a VPN, or
 * no such path). */
enum tunnel_state tunnels_state(const struct tunnels *t, const char *peer,
    const char *purpose);

/* Notes the end of one call to PEER (by name) for PURPOSE: ERR and the HTTP STATUS it
 * got after MS milliseconds; WHAT is the short cause of a failure. */
void tunnels_note_call(struct tunnels *t, const char *peer, const char *purpose,
    enum http_err err, int status, long ms, const char *what);

/* The renderings (tunnel_render.c): Prometheus lines (hashi_tunnel_up and the CHILD_SA
 * byte counters per peer and purpose), a JSON array for /status, and the table of
 * hashictl status. Return 0, or -1 when OUT failed. */
int tunnels_prom(const struct tunnels *t, struct strbuf *out);
int tunnels_json(const struct tunnels *t, struct strbuf *out);
int tunnels_table(const struct tunnels *t, struct strbuf *out);

#endif
