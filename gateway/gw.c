/* gateway/gw: see gw.h. */
#include "gateway/gw.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/log.h"
#include "mpi/mpi.h"
#include "policy/consent_store.h"
#include "crypto/tls.h"
#include "gateway/admin.h"
#include "gateway/dispatch.h"
#include "gateway/cosign.h"
#include "gateway/gw_audit.h"
#include "gateway/http_client.h"
#include "gateway/http_server.h"
#include "gateway/metrics.h"
#include "gateway/registry.h"
#include "gateway/tunnel.h"

#define GW_DRAIN_CHECK_MS	100
#define GW_DRAIN_MIN_MS		30000	/* a drain waits at least this long ... */
#define GW_DRAIN_REQUESTS	3	/* ... or this many request timeouts */

long long
gw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct gw_conf *
gw_conf_new(struct config *cf)
{
	struct gw_conf *gc = calloc(1, sizeof(*gc));

	if (gc == NULL)
		return NULL;
	gc->gc_cf = cf;
	gc->gc_refs = 1;
	return gc;
}

struct gw_conf *
gw_conf_get(struct gw *gw)
{
	gw->gw_conf->gc_refs++;
	return gw->gw_conf;
}

void
gw_conf_put(struct gw_conf *gc)
{
	if (gc == NULL || --gc->gc_refs > 0)
		return;
	config_free(gc->gc_cf);
	free(gc);
}

static struct registry *
gw_registry_open(struct gw *gw, const struct config *cf)
{
	char dir[4096];
	int n;

	if (cf->cf_registry == REGISTRY_REMOTE)
		return registry_remote_new(cf, gw->gw_client);
	n = snprintf(dir, sizeof(dir), "%s/registry", cf->cf_state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		log_warnx("state_dir is too long");
		return NULL;
	}
	return registry_embedded_new(dir, cf->cf_registry_map_size, cf->cf_repository_id,
	    cf->cf_assigning_authority);
}

/* The MPI lives in <state_dir>/mpi, whatever the registry backend. */
static struct mpi *
gw_mpi_open(const struct config *cf)
{
	char dir[4096];
	int n;

	n = snprintf(dir, sizeof(dir), "%s/mpi", cf->cf_state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		log_warnx("state_dir is too long");
		return NULL;
	}
	return mpi_open(dir, cf->cf_mpi_map_size, cf->cf_assigning_authority);
}

static int
gw_listen(struct gw *gw, const struct config *cf)
{
	size_t i;
	uint16_t port;

	if ((gw->gw_ports = calloc(cf->cf_nlisten, sizeof(*gw->gw_ports))) == NULL)
		return -1;
	for (i = 0; i < cf->cf_nlisten; i++) {
		if (http_server_listen(gw->gw_http, cf->cf_listen[i].la_address,
		    cf->cf_listen[i].la_port, &port) == -1) {
			log_warnx("cannot listen on %s port %u", cf->cf_listen[i].la_address,
			    cf->cf_listen[i].la_port);
			return -1;
		}
		gw->gw_ports[i] = port;
		gw->gw_nports = i + 1;
		log_info("listening on %s port %u (%s)", cf->cf_listen[i].la_address, port,
		    cf->cf_listen[i].la_purpose);
	}
	return 0;
}

/* The consents live in <state_dir>/policy, next to the CRLs `hashictl consent crl add`
 * keeps (the gateway only reads decisions: no RSA on a request's path). */
static struct consent_store *
gw_consent_open(const struct config *cf)
{
	char dir[4096];
	int n;

	n = snprintf(dir, sizeof(dir), "%s/policy", cf->cf_state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		log_warnx("state_dir is too long");
		return NULL;
	}
	return consent_store_open(dir, cf->cf_consent_map_size);
}

static void
gw_drain_check(evutil_socket_t fd, short what, void *arg)
{
	struct gw *gw = arg;

	(void)fd;
	(void)what;
	if (http_server_inflight(gw->gw_http) == 0) {
		log_info("drained; exiting");
		event_base_loopexit(gw->gw_base, NULL);
	} else if (gw_now_ms() > gw->gw_drain_deadline) {
		/* A client that reads a stream slowly must not hold the shutdown forever. */
		log_warnx("drain limit reached; abandoning %u request(s)",
		    http_server_inflight(gw->gw_http));
		event_base_loopexit(gw->gw_base, NULL);
	}
}

static void
gw_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct gw *gw = arg;
	struct timeval tv = { 0, GW_DRAIN_CHECK_MS * 1000 };

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading %s", gw->gw_conf->gc_cf->cf_file);
		gw_reload(gw);
		return;
	}
	if (gw->gw_draining) {
		log_info("second signal: exiting without waiting");
		event_base_loopbreak(gw->gw_base);
		return;
	}
	log_info("signal %d: draining %u request(s) in flight", (int)sig,
	    http_server_inflight(gw->gw_http));
	gw->gw_draining = 1;
	gw->gw_drain_deadline = gw_now_ms() + GW_DRAIN_MIN_MS;
	if ((long long)gw->gw_conf->gc_cf->cf_request_timeout_ms * GW_DRAIN_REQUESTS >
	    GW_DRAIN_MIN_MS)
		gw->gw_drain_deadline = gw_now_ms() +
		    (long long)gw->gw_conf->gc_cf->cf_request_timeout_ms * GW_DRAIN_REQUESTS;
	http_server_stop_accepting(gw->gw_http);
	gw->gw_ev_drain = event_new(gw->gw_base, -1, EV_PERSIST, gw_drain_check, gw);
	if (gw->gw_ev_drain == NULL || event_add(gw->gw_ev_drain, &tv) == -1)
		event_base_loopbreak(gw->gw_base);
	else	/* a first check now: an idle gateway need not wait a whole period */
		event_active(gw->gw_ev_drain, EV_TIMEOUT, 0);
}

static int
gw_setup_signals(struct gw *gw)
{
	signal(SIGPIPE, SIG_IGN);	/* OpenSSL writes with write(2) */
	gw->gw_ev_term = evsignal_new(gw->gw_base, SIGTERM, gw_on_signal, gw);
	gw->gw_ev_int = evsignal_new(gw->gw_base, SIGINT, gw_on_signal, gw);
	gw->gw_ev_hup = evsignal_new(gw->gw_base, SIGHUP, gw_on_signal, gw);
	if (gw->gw_ev_term == NULL || gw->gw_ev_int == NULL || gw->gw_ev_hup == NULL ||
	    evsignal_add(gw->gw_ev_term, NULL) == -1 ||
	    evsignal_add(gw->gw_ev_int, NULL) == -1 ||
	    evsignal_add(gw->gw_ev_hup, NULL) == -1)
		return -1;
	return 0;
}

void
gw_soap_limits(const struct config *cf, struct soap_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->sl_max_bytes = cf->cf_max_body;
	lim->sl_max_mtom_bytes = cf->cf_max_mtom_body;
	lim->sl_max_depth = cf->cf_max_xml_depth;
	lim->sl_tolerate_wsa_mustunderstand = cf->cf_tolerate_wsa_mustunderstand;
}

struct gw *
gw_new(struct config *cf)
{
	struct gw *gw;
	struct http_server_opts so;
	struct http_client_opts co;

	if ((gw = calloc(1, sizeof(*gw))) == NULL || (gw->gw_conf = gw_conf_new(cf)) == NULL) {
		free(gw);
		config_free(cf);
		return NULL;
	}
	gw_soap_limits(cf, &gw->gw_limits);
	gw->gw_started = gw_now_ms() / 1000;
	if ((gw->gw_base = event_base_new()) == NULL || (gw->gw_metrics = metrics_new()) == NULL)
		goto fail;
	gw->gw_server_tls = tls_server_ctx_new(cf->cf_tls_cert, cf->cf_tls_key, cf->cf_tls_ca,
	    cf->cf_tls_allow_12);
	gw->gw_client_tls = tls_client_ctx_new(cf->cf_tls_cert, cf->cf_tls_key, cf->cf_tls_ca,
	    cf->cf_tls_allow_12);
	if (gw->gw_server_tls == NULL || gw->gw_client_tls == NULL)
		goto fail;
	memset(&so, 0, sizeof(so));
	/* The HTTP layer bounds the whole body; soap_parse then applies the finer limits. */
	so.hs_max_body = cf->cf_max_mtom_body > cf->cf_max_body ? cf->cf_max_mtom_body :
	    cf->cf_max_body;
	so.hs_read_timeout_ms = cf->cf_idle_timeout_ms;
	so.hs_max_connections = (unsigned)cf->cf_max_connections;
	gw->gw_http = http_server_new(gw->gw_base, gw->gw_server_tls, &so, dispatch_request, gw);
	if (gw->gw_http == NULL || gw_listen(gw, cf) == -1)
		goto fail;
	gw_purpose_check_listeners(cf);
	memset(&co, 0, sizeof(co));
	co.hc_connect_timeout_ms = cf->cf_connect_timeout_ms;
	co.hc_read_timeout_ms = cf->cf_read_timeout_ms;
	co.hc_pool_size = (unsigned)cf->cf_pool_size;
	co.hc_max_body = cf->cf_max_mtom_body;
	if ((gw->gw_client = http_client_new(gw->gw_base, gw->gw_client_tls, &co)) == NULL)
		goto fail;
	if ((gw->gw_registry = gw_registry_open(gw, cf)) == NULL)
		goto fail;
	if ((gw->gw_tunnels = tunnels_new(gw->gw_base, cf)) == NULL)
		goto fail;
	if ((gw->gw_mpi = gw_mpi_open(cf)) == NULL ||
	    (gw->gw_consent = gw_consent_open(cf)) == NULL)
		goto fail;
#ifndef HASHI_BENCH_UNAUDITED	/* defined for make bench's comparison binary only */
	if ((gw->gw_audit = gw_audit_new(gw->gw_base, cf, gw->gw_mpi,
	    gw->gw_client_tls)) == NULL)
		goto fail;
	gw_audit_on_checkpoint(gw->gw_audit, cosign_checkpoint, gw);
#endif
	if (cf->cf_admin_address != NULL && (gw->gw_admin = admin_new(gw)) == NULL)
		goto fail;
	if (gw_setup_signals(gw) == -1)
		goto fail;
	return gw;
fail:
	gw_free(gw);
	return NULL;
}

int
gw_run(struct gw *gw)
{
	event_base_dispatch(gw->gw_base);
	return 0;
}

void
gw_free(struct gw *gw)
{
	if (gw == NULL)
		return;
	if (gw->gw_ev_term != NULL)
		event_free(gw->gw_ev_term);
	if (gw->gw_ev_int != NULL)
		event_free(gw->gw_ev_int);
	if (gw->gw_ev_hup != NULL)
		event_free(gw->gw_ev_hup);
	if (gw->gw_ev_drain != NULL)
		event_free(gw->gw_ev_drain);
	admin_free(gw->gw_admin);
	/* co-signing calls in flight are cancelled; answers waiting for their audit commit
	 * go out (or are refused) */
	cosign_stop(gw);
	gw_audit_free(gw->gw_audit);
	http_server_free(gw->gw_http);
	tunnels_free(gw->gw_tunnels);
	registry_free(gw->gw_registry);
	mpi_close(gw->gw_mpi);
	consent_store_close(gw->gw_consent);
	free(gw->gw_ports);
	http_client_free(gw->gw_client);
	SSL_CTX_free(gw->gw_server_tls);
	SSL_CTX_free(gw->gw_client_tls);
	if (gw->gw_base != NULL)
		event_base_free(gw->gw_base);
	metrics_free(gw->gw_metrics);
	gw_conf_put(gw->gw_conf);
	free(gw);
}

/* Returns 1 when two optional strings differ. */
static int
gw_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* Records a configuration reload (or a refused one) of file CF->cf_file. */
static void
gw_reload_audit(struct gw *gw, const struct config *cf, int outcome, const char *why)
{
	struct atna_record r;

	memset(&r, 0, sizeof(r));
	r.ar_event = ATNA_CONFIG_RELOAD;
	r.ar_time_ms = atna_now_ms();
	r.ar_outcome = outcome;
	r.ar_outcome_desc = why;
	r.ar_source_id = cf->cf_hcid;
	r.ar_site = cf->cf_name;
	r.ar_human = "SIGHUP";
	r.ar_object_id = cf->cf_file;
	(void)gw_audit_add(gw->gw_audit, &r, NULL);
}

int
gw_reload(struct gw *gw)
{
	const struct config *old = gw->gw_conf->gc_cf;
	struct config *cf;
	struct gw_conf *gc;

	if ((cf = config_load(old->cf_file, NULL)) == NULL) {
		log_warnx("reload failed; keeping the running configuration");
		if (gw->gw_audit != NULL)
			gw_reload_audit(gw, old, ATNA_SERIOUS, "invalid configuration; kept the "
			    "running one");
		return -1;
	}
	if ((gc = gw_conf_new(cf)) == NULL) {
		config_free(cf);
		return -1;
	}
	/* Listeners, TLS files, storage and identity of the community are set up once;
	 * the peer and local-system tables and the timeouts of new requests change now. */
	if (gw_differs(cf->cf_hcid, old->cf_hcid) || gw_differs(cf->cf_tls_cert,
	    old->cf_tls_cert) || gw_differs(cf->cf_state_dir, old->cf_state_dir) ||
	    cf->cf_nlisten != old->cf_nlisten || cf->cf_registry != old->cf_registry ||
	    gw_differs(cf->cf_audit_fwd_address, old->cf_audit_fwd_address) ||
	    gw_differs(cf->cf_audit_key, old->cf_audit_key))
		log_warnx("reload: changes to the community, listeners, TLS, storage, audit key "
		    "or audit forwarding take effect at the next restart");
	gw_conf_put(gw->gw_conf);
	gw->gw_conf = gc;
	if (tunnels_reconfigure(gw->gw_tunnels, cf) == -1)
		log_warnx("reload: out of memory for the tunnel table");
	if (gw->gw_audit != NULL) {
		gw_audit_reconfigure(gw->gw_audit, cf);
		gw_reload_audit(gw, cf, ATNA_OK, NULL);
	}
	log_info("reloaded: %zu peer(s), %zu local system(s)", cf->cf_npeers, cf->cf_nlocals);
	return 0;
}
