/*
 * gateway/gw: the running gateway, what one hashid process holds: its configuration
 * (reference counted, so that a SIGHUP reload can swap the peer table while requests that
 * started under the old one finish with it), the event loop, TLS contexts, the HTTPS server
 * and client, and the local registry backend.
 */
#ifndef HASHI_GATEWAY_GW_H
#define HASHI_GATEWAY_GW_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "gateway/config.h"
#include "gateway/soap.h"

struct event_base;
struct event;
struct http_server;
struct http_client;
struct registry;
struct metrics;
struct admin;
struct mpi;
struct consent_store;
struct gw_audit;
struct cosign;
struct http_req;
struct tunnels;

/* A configuration in use; freed when the last request holding it ends. */
struct gw_conf {
	struct config	*gc_cf;
	int		 gc_refs;
};

struct gw {
	struct gw_conf		*gw_conf;	/* current; requests hold their own ref */
	struct event_base	*gw_base;
	SSL_CTX			*gw_server_tls;
	SSL_CTX			*gw_client_tls;
	struct http_server	*gw_http;
	struct http_client	*gw_client;
	struct registry		*gw_registry;
	struct mpi		*gw_mpi;	/* the wide-area patient index */
	struct soap_limits	 gw_limits;
	int			 gw_draining;	/* SIGTERM seen: no new work, exit when idle */
	long long		 gw_drain_deadline; /* monotonic ms: exit even if not idle */
	struct event		*gw_ev_term;
	struct event		*gw_ev_int;
	struct event		*gw_ev_hup;
	struct event		*gw_ev_drain;
	struct metrics		*gw_metrics;	/* what the admin listener reports */
	struct admin		*gw_admin;	/* NULL when no admin section */
	long long		 gw_started;	/* monotonic seconds at start */
	uint16_t		*gw_ports;	/* bound port of each cf_listen entry */
	size_t			 gw_nports;
	struct consent_store	*gw_consent;	/* patients' consents (<state_dir>/policy) */
	struct gw_audit		*gw_audit;	/* the signed audit log (<state_dir>/audit) */
	struct cosign		*gw_cosign;	/* peers co-signing our checkpoints */
	struct tunnels		*gw_tunnels;	/* paths per peer and purpose, VPN state */
};

/* Builds everything from CF (takes ownership) on a new event base: TLS contexts, the
 * registry backend (opened here, i.e. after any fork), the HTTP server listening on every
 * configured address, the client, the metrics, the tunnel table and the admin listener if
 * configured. Returns NULL after logging why. */
struct gw *gw_new(struct config *cf);

/* Warns about each VPN purpose of CF with no listener on its inner address: peers could
 * not send requests of that purpose here (a region may only ask, so it is no error). */
void gw_purpose_check_listeners(const struct config *cf);

/* Returns the purpose of REQ: that of the configured listener it arrived on (CF's), or
 * "clinical" when it cannot be told. Borrowed from CF. */
const char *gw_request_purpose(const struct gw *gw, const struct config *cf,
    const struct http_req *req);

/* Milliseconds of the monotonic clock. */
long long gw_now_ms(void);

/* Fills LIM with the SOAP parsing limits and tolerances configured in CF. */
void gw_soap_limits(const struct config *cf, struct soap_limits *lim);

/* Runs the event loop until SIGTERM/SIGINT has drained in-flight requests. Returns 0. */
int gw_run(struct gw *gw);

/* Frees GW; NULL accepted. */
void gw_free(struct gw *gw);

/* Takes a reference on the current configuration. */
struct gw_conf *gw_conf_get(struct gw *gw);

/* Drops a reference taken with gw_conf_get; frees the configuration when unused. */
void gw_conf_put(struct gw_conf *gc);

/* Re-reads the configuration file and swaps in its peer and local-system tables; on any
 * error the old configuration stays and the errors are logged. Returns 0 or -1. */
int gw_reload(struct gw *gw);

#endif
