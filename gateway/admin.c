/* gateway/admin: see admin.h. */
#include "gateway/admin.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/log.h"
#include "common/str.h"
#include "gateway/gw.h"
#include "gateway/gw_audit.h"
#include "gateway/http_server.h"
#include "gateway/metrics.h"

struct admin {
	struct gw		*ad_gw;
	struct evhttp		*ad_http;
	struct gw_audit_stats	 ad_audit;	/* what the last rendering showed */
};

/* Configured peers are listed even before their first call; a peer removed by a reload
 * keeps its figures (they are counters, and Prometheus expects them not to vanish). */
static void
admin_fill(struct admin *ad, struct metrics_info *mi)
{
	const struct config *cf = ad->ad_gw->gw_conf->gc_cf;
	struct timespec ts;
	size_t i;

	for (i = 0; i < cf->cf_npeers; i++)
		(void)metrics_peer(ad->ad_gw->gw_metrics, cf->cf_peers[i].pr_name,
		    cf->cf_peers[i].pr_hcid);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	memset(mi, 0, sizeof(*mi));
	mi->mi_name = cf->cf_name;
	mi->mi_hcid = cf->cf_hcid;
	mi->mi_uptime_s = (long long)ts.tv_sec - ad->ad_gw->gw_started;
	mi->mi_draining = ad->ad_gw->gw_draining;
	mi->mi_inflight = http_server_inflight(ad->ad_gw->gw_http);
	mi->mi_tunnels = ad->ad_gw->gw_tunnels;
	if (ad->ad_gw->gw_audit != NULL) {
		gw_audit_stats(ad->ad_gw->gw_audit, &ad->ad_audit);
		mi->mi_audit = 1;
		mi->mi_audit_healthy = ad->ad_audit.gs_healthy;
		mi->mi_audit_size = ad->ad_audit.gs_size;
		mi->mi_audit_checkpoint = ad->ad_audit.gs_checkpoint;
		mi->mi_audit_failures = ad->ad_audit.gs_failures;
		mi->mi_audit_refused = ad->ad_audit.gs_refused;
		mi->mi_audit_error = ad->ad_audit.gs_error;
		mi->mi_audit_fwd = ad->ad_audit.gs_forward;
		mi->mi_audit_fwd_connected = ad->ad_audit.gs_fwd_connected;
		mi->mi_audit_fwd_backlog = ad->ad_audit.gs_fwd_backlog;
		mi->mi_audit_fwd_saved = ad->ad_audit.gs_fwd_saved;
	}
}

static void
admin_reply(struct evhttp_request *req, int code, const char *ctype, struct strbuf *sb)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	if (sb->sb_failed || evbuffer_add(out, sb->sb_data, sb->sb_len) == -1)
		evhttp_send_error(req, 500, "Internal Server Error");
	else
		evhttp_send_reply(req, code, code == 200 ? "OK" : code == 503 ?
		    "Service Unavailable" : "Not Found", NULL);
	strbuf_reset(sb);
}

static void
admin_on_request(struct evhttp_request *req, void *arg)
{
	struct admin *ad = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	struct metrics_info mi;
	struct strbuf sb = { 0 };

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	admin_fill(ad, &mi);
	if (path != NULL && strcmp(path, "/metrics") == 0) {
		metrics_render_prom(ad->ad_gw->gw_metrics, &mi, &sb);
		admin_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", &sb);
	} else if (path != NULL && strcmp(path, "/status") == 0 && query != NULL &&
	    strcmp(query, "format=text") == 0) {
		metrics_render_table(ad->ad_gw->gw_metrics, &mi, &sb);
		admin_reply(req, 200, "text/plain; charset=utf-8", &sb);
	} else if (path != NULL && strcmp(path, "/health") == 0) {
		/* for monitors and load balancers: 503 while requests are being refused */
		if (mi.mi_audit && !mi.mi_audit_healthy) {
			strbuf_printf(&sb, "unhealthy: audit log: %s\n", mi.mi_audit_error);
			admin_reply(req, 503, "text/plain", &sb);
		} else {
			strbuf_puts(&sb, mi.mi_draining ? "draining\n" : "ok\n");
			admin_reply(req, 200, "text/plain", &sb);
		}
	} else if (path != NULL && strcmp(path, "/status") == 0) {
		metrics_render_status(ad->ad_gw->gw_metrics, &mi, &sb);
		admin_reply(req, 200, "application/json", &sb);
	} else {
		strbuf_puts(&sb, "not found: try /status, /health or /metrics\n");
		admin_reply(req, 404, "text/plain", &sb);
	}
}

struct admin *
admin_new(struct gw *gw)
{
	const struct config *cf = gw->gw_conf->gc_cf;
	struct admin *ad;

	if ((ad = calloc(1, sizeof(*ad))) == NULL)
		return NULL;
	ad->ad_gw = gw;
	if ((ad->ad_http = evhttp_new(gw->gw_base)) == NULL)
		goto fail;
	evhttp_set_allowed_methods(ad->ad_http, EVHTTP_REQ_GET);
	evhttp_set_max_headers_size(ad->ad_http, 8192);
	evhttp_set_max_body_size(ad->ad_http, 0);
	evhttp_set_timeout(ad->ad_http, 10);
	evhttp_set_gencb(ad->ad_http, admin_on_request, ad);
	if (evhttp_bind_socket(ad->ad_http, cf->cf_admin_address,
	    (uint16_t)cf->cf_admin_port) == -1) {
		log_warnx("admin: cannot listen on %s port %d", cf->cf_admin_address,
		    cf->cf_admin_port);
		goto fail;
	}
	log_info("admin: status and metrics on http://%s:%d/", cf->cf_admin_address,
	    cf->cf_admin_port);
	return ad;
fail:
	admin_free(ad);
	return NULL;
}

void
admin_free(struct admin *ad)
{
	if (ad == NULL)
		return;
	if (ad->ad_http != NULL)
		evhttp_free(ad->ad_http);
	free(ad);
}
