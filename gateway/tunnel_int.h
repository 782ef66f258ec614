/*
 * gateway/tunnel_int: the path table shared by tunnel.c (state, polling, calls) and
 * tunnel_render.c (status and metrics). Not for other modules.
 */
#ifndef HASHI_GATEWAY_TUNNEL_INT_H
#define HASHI_GATEWAY_TUNNEL_INT_H

#include <sys/queue.h>

#include <time.h>

#include "gateway/tunnel.h"

struct event;
struct vici_client;

/* One peer and purpose. Names are copied: a reload frees the configuration. */
struct tunnel_path {
	char		 *tp_peer;
	char		 *tp_purpose;
	int		  tp_vpn;		/* 1 = through a CHILD_SA of charon's */
	enum tunnel_state tp_state;
	time_t		  tp_since;		/* unix time the state began; 0 = never seen */
	unsigned long long tp_bytes_in;		/* the CHILD_SA's counters (reset on rekey) */
	unsigned long long tp_bytes_out;
	int		  tp_seen;		/* found in the poll being collected */
	/* calls */
	time_t		  tp_last_ok;
	time_t		  tp_last_err;
	char		  tp_last_what[64];
	long		  tp_last_ms;		/* -1 = no call yet */
	int		  tp_tls;		/* 1 = handshake done, -1 = refused, 0 = n/a */
	long long	  tp_last_initiate;	/* monotonic s charon was last asked; 0 never */
	int		  tp_init_failed;	/* charon's last initiate failed (until up) */
	char		  tp_init_err[96];	/* its error, logged once per change */
};

/* An initiate in flight; owned by the table so that freeing it frees them too. */
struct tunnel_init {
	LIST_ENTRY(tunnel_init)	 ti_entry;
	struct tunnels		*ti_t;
	char			*ti_peer;
	char			*ti_purpose;
};

struct tunnels {
	struct event_base	*tn_base;
	struct tunnel_path	*tn_paths;
	size_t			 tn_npaths;
	int			 tn_vpn;		/* the config has a vpn section */
	char			*tn_vici_path;
	int			 tn_interval_ms;
	int			 tn_initiate;		/* vpn.initiate */
	int			 tn_trap;		/* vpn.start_action trap: charon brings a
							   CHILD_SA up at its first packet */
	struct vici_client	*tn_vici;
	struct event		*tn_timer;
	int			 tn_polling;		/* a list-sas is in flight */
	int			 tn_repoll;		/* asked for another meanwhile: its answer
							   may predate what changed */
	char			 tn_error[160];		/* why charon could not be asked; "" */
	time_t			 tn_last_poll;		/* unix time of the last answer */
	LIST_HEAD(, tunnel_init) tn_inits;
};

/* Returns the path of PEER and PURPOSE, or NULL. */
struct tunnel_path *tunnels_find(const struct tunnels *t, const char *peer,
    const char *purpose);

#endif
