/*
 * gateway/admin: hashid's local status listener, plain HTTP on the event loop (libevent's
 * evhttp, no TLS). GET /status answers the JSON of metrics_render_status (with
 * "?format=text" the table that hashictl status prints) and GET /metrics the Prometheus
 * text format 0.0.4. It carries no patient data, but has no authentication either, which
 * is why the configuration only accepts a loopback address unless admin.allow_remote.
 */
#ifndef HASHI_GATEWAY_ADMIN_H
#define HASHI_GATEWAY_ADMIN_H

struct gw;
struct admin;

/* Listens on the configured admin address and port of GW's configuration (borrowed; GW
 * must outlive the listener). Returns NULL after logging why. */
struct admin *admin_new(struct gw *gw);

/* Stops listening and frees AD; NULL accepted. */
void admin_free(struct admin *ad);

#endif
