/* gateway/metrics: see metrics.h. */
#include "gateway/metrics.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/tunnel.h"

const double metrics_buckets[METRICS_NBUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

static const char *const metrics_outcome_names[MO__N] = {
	"success", "partial", "failure", "fault"
};
static const char *const metrics_peer_outcome_names[MPO__N] = { "ok", "error", "timeout" };

struct metrics_req {
	char			*mr_txn;
	char			*mr_ep;
	unsigned long long	 mr_n[MO__N];
};

struct metrics_peer {
	char			*mp_name;
	char			*mp_hcid;
	unsigned		 mp_inflight;
	unsigned long long	 mp_n[MPO__N];
	long long		 mp_last_ok;	/* unix time, 0 = never */
	long long		 mp_last_err;
	char			*mp_last_what;
	unsigned long long	 mp_bucket[METRICS_NBUCKETS + 1];	/* not cumulative */
	double			 mp_sum_s;
	double			 mp_ring[METRICS_RING];	/* ms */
	size_t			 mp_ring_n, mp_ring_next;
};

struct metrics {
	struct metrics_req	*m_req;
	size_t			 m_nreq;
	struct metrics_peer	**m_peer;
	size_t			 m_npeer;
	unsigned long long	 m_consent[METRICS_CONSENT__N];
};

void
metrics_consent(struct metrics *m, enum metrics_consent what)
{
	if (m != NULL && what < METRICS_CONSENT__N)
		m->m_consent[what]++;
}

unsigned long long
metrics_consent_count(const struct metrics *m, enum metrics_consent what)
{
	return what < METRICS_CONSENT__N ? m->m_consent[what] : 0;
}

struct metrics *
metrics_new(void)
{
	return calloc(1, sizeof(struct metrics));
}

void
metrics_free(struct metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->m_nreq; i++) {
		free(m->m_req[i].mr_txn);
		free(m->m_req[i].mr_ep);
	}
	for (i = 0; i < m->m_npeer; i++) {
		free(m->m_peer[i]->mp_name);
		free(m->m_peer[i]->mp_hcid);
		free(m->m_peer[i]->mp_last_what);
		free(m->m_peer[i]);
	}
	free(m->m_req);
	free(m->m_peer);
	free(m);
}

static struct metrics_req *
metrics_req_find(const struct metrics *m, const char *txn, const char *ep)
{
	size_t i;

	for (i = 0; i < m->m_nreq; i++)
		if (strcmp(m->m_req[i].mr_txn, txn) == 0 && strcmp(m->m_req[i].mr_ep, ep) == 0)
			return &m->m_req[i];
	return NULL;
}

int
metrics_request(struct metrics *m, const char *txn, const char *endpoint,
    enum metrics_outcome o)
{
	struct metrics_req *r, *p;

	if (m == NULL || (unsigned)o >= MO__N)
		return -1;
	if ((r = metrics_req_find(m, txn, endpoint)) == NULL) {
		if ((p = reallocarray(m->m_req, m->m_nreq + 1, sizeof(*p))) == NULL)
			return -1;
		m->m_req = p;
		r = &m->m_req[m->m_nreq];
		memset(r, 0, sizeof(*r));
		r->mr_txn = str_dup(txn);
		r->mr_ep = str_dup(endpoint);
		if (r->mr_txn == NULL || r->mr_ep == NULL) {
			free(r->mr_txn);
			free(r->mr_ep);
			return -1;
		}
		m->m_nreq++;
	}
	r->mr_n[o]++;
	return 0;
}

unsigned long long
metrics_request_count(const struct metrics *m, const char *txn, const char *endpoint,
    enum metrics_outcome o)
{
	const struct metrics_req *r = metrics_req_find(m, txn, endpoint);

	return r != NULL && (unsigned)o < MO__N ? r->mr_n[o] : 0;
}

struct metrics_peer *
metrics_peer(struct metrics *m, const char *name, const char *hcid)
{
	struct metrics_peer *p, **pp;
	size_t i;
	char *h;

	if (m == NULL || name == NULL)
		return NULL;
	for (i = 0; i < m->m_npeer; i++) {
		p = m->m_peer[i];
		if (strcmp(p->mp_name, name) != 0)
			continue;
		if (hcid != NULL && (p->mp_hcid == NULL || strcmp(p->mp_hcid, hcid) != 0) &&
		    (h = str_dup(hcid)) != NULL) {
			free(p->mp_hcid);
			p->mp_hcid = h;
		}
		return p;
	}
	if ((pp = reallocarray(m->m_peer, m->m_npeer + 1, sizeof(*pp))) == NULL)
		return NULL;
	m->m_peer = pp;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->mp_name = str_dup(name)) == NULL ||
	    (hcid != NULL && (p->mp_hcid = str_dup(hcid)) == NULL)) {
		free(p->mp_name);
		free(p);
		return NULL;
	}
	m->m_peer[m->m_npeer++] = p;
	return p;
}

void
metrics_peer_begin(struct metrics_peer *p)
{
	if (p != NULL)
		p->mp_inflight++;
}

void
metrics_peer_end(struct metrics_peer *p, enum metrics_peer_outcome o, double ms,
    long long now, const char *what)
{
	char *w;

	if (p == NULL || (unsigned)o >= MPO__N)
		return;
	if (p->mp_inflight > 0)
		p->mp_inflight--;
	if (ms < 0)
		ms = 0;
	p->mp_n[o]++;
	p->mp_bucket[metrics_bucket(ms / 1000.0)]++;
	p->mp_sum_s += ms / 1000.0;
	p->mp_ring[p->mp_ring_next] = ms;
	p->mp_ring_next = (p->mp_ring_next + 1) % METRICS_RING;
	if (p->mp_ring_n < METRICS_RING)
		p->mp_ring_n++;
	if (o == MPO_OK) {
		p->mp_last_ok = now;
		return;
	}
	p->mp_last_err = now;
	if ((w = str_dup(what != NULL ? what : metrics_peer_outcome_names[o])) != NULL) {
		free(p->mp_last_what);
		p->mp_last_what = w;
	}
}

unsigned long long
metrics_peer_count(const struct metrics_peer *p, enum metrics_peer_outcome o)
{
	return (unsigned)o < MPO__N ? p->mp_n[o] : 0;
}

unsigned
metrics_peer_inflight(const struct metrics_peer *p)
{
	return p->mp_inflight;
}

static int
metrics_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
metrics_percentile(double *v, size_t n, double q)
{
	size_t rank;

	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), metrics_cmp_double);
	/* nearest rank: the smallest value with at least q% of the values at or below it */
	rank = (size_t)(q / 100.0 * (double)n + 0.999999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

double
metrics_peer_percentile(const struct metrics_peer *p, double q)
{
	double tmp[METRICS_RING];

	memcpy(tmp, p->mp_ring, p->mp_ring_n * sizeof(double));
	return metrics_percentile(tmp, p->mp_ring_n, q);
}

size_t
metrics_bucket(double seconds)
{
	size_t i;

	for (i = 0; i < METRICS_NBUCKETS; i++)
		if (seconds <= metrics_buckets[i])
			return i;
	return METRICS_NBUCKETS;
}

/* Prometheus label values escape backslash, double quote and newline (format 0.0.4). */
void
metrics_put_label(struct strbuf *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			strbuf_puts(out, "\\n");
		else
			strbuf_add(out, s, 1);
	}
}

void
metrics_put_json(struct strbuf *out, const char *s)
{
	if (s == NULL) {
		strbuf_puts(out, "null");
		return;
	}
	strbuf_puts(out, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_printf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			strbuf_printf(out, "\\u%04x", (unsigned)(unsigned char)*s);
		else
			strbuf_add(out, s, 1);
	}
	strbuf_puts(out, "\"");
}

static void
metrics_prom_peer(const struct metrics_peer *p, struct strbuf *out)
{
	unsigned long long cum = 0, total = 0;
	size_t i;

	for (i = 0; i < MPO__N; i++)
		total += p->mp_n[i];
	for (i = 0; i <= METRICS_NBUCKETS; i++) {
		cum += p->mp_bucket[i];
		strbuf_puts(out, "hashi_peer_latency_seconds_bucket{peer=\"");
		metrics_put_label(out, p->mp_name);
		if (i < METRICS_NBUCKETS)
			strbuf_printf(out, "\",le=\"%g\"} %llu\n", metrics_buckets[i], cum);
		else
			strbuf_printf(out, "\",le=\"+Inf\"} %llu\n", cum);
	}
	strbuf_puts(out, "hashi_peer_latency_seconds_sum{peer=\"");
	metrics_put_label(out, p->mp_name);
	strbuf_printf(out, "\"} %.6f\n", p->mp_sum_s);
	strbuf_puts(out, "hashi_peer_latency_seconds_count{peer=\"");
	metrics_put_label(out, p->mp_name);
	strbuf_printf(out, "\"} %llu\n", total);
}

/* Writes one "name{peer="..."} value" line per peer for a per-peer gauge or counter. */
static void
metrics_prom_per_peer(const struct metrics *m, struct strbuf *out, const char *name,
    int which)
{
	size_t i;

	for (i = 0; i < m->m_npeer; i++) {
		const struct metrics_peer *p = m->m_peer[i];

		strbuf_printf(out, "%s{peer=\"", name);
		metrics_put_label(out, p->mp_name);
		strbuf_printf(out, "\"} %llu\n", which == 0 ? (unsigned long long)p->mp_inflight :
		    p->mp_n[MPO_TIMEOUT]);
	}
}

int
metrics_render_prom(const struct metrics *m, const struct metrics_info *mi,
    struct strbuf *out)
{
	size_t i, o;

	strbuf_puts(out, "# HELP hashi_up 1 when hashid is serving.\n# TYPE hashi_up gauge\n"
	    "hashi_up 1\n");
	strbuf_printf(out, "# HELP hashi_consent_denials_total Patients' records refused to "
	    "peers for want of consent.\n# TYPE hashi_consent_denials_total counter\n"
	    "hashi_consent_denials_total %llu\n# HELP hashi_emergency_access_total Records "
	    "released without consent (break-glass), each flagged for review.\n"
	    "# TYPE hashi_emergency_access_total counter\nhashi_emergency_access_total %llu\n",
	    m->m_consent[METRICS_CONSENT_DENIED], m->m_consent[METRICS_CONSENT_EMERGENCY]);
	metrics_audit_prom(mi, out);
	(void)tunnels_prom(mi->mi_tunnels, out);
	strbuf_printf(out, "# HELP hashi_inflight_requests Requests being served.\n"
	    "# TYPE hashi_inflight_requests gauge\nhashi_inflight_requests %u\n",
	    mi->mi_inflight);
	strbuf_puts(out, "# HELP hashi_requests_total Answered SOAP requests.\n"
	    "# TYPE hashi_requests_total counter\n");
	for (i = 0; i < m->m_nreq; i++)
		for (o = 0; o < MO__N; o++) {
			strbuf_puts(out, "hashi_requests_total{transaction=\"");
			metrics_put_label(out, m->m_req[i].mr_txn);
			strbuf_puts(out, "\",endpoint=\"");
			metrics_put_label(out, m->m_req[i].mr_ep);
			strbuf_printf(out, "\",outcome=\"%s\"} %llu\n", metrics_outcome_names[o],
			    m->m_req[i].mr_n[o]);
		}
	strbuf_puts(out, "# HELP hashi_peer_requests_total Calls to peer gateways.\n"
	    "# TYPE hashi_peer_requests_total counter\n");
	for (i = 0; i < m->m_npeer; i++)
		for (o = 0; o < MPO__N; o++) {
			strbuf_puts(out, "hashi_peer_requests_total{peer=\"");
			metrics_put_label(out, m->m_peer[i]->mp_name);
			strbuf_printf(out, "\",outcome=\"%s\"} %llu\n",
			    metrics_peer_outcome_names[o], m->m_peer[i]->mp_n[o]);
		}
	strbuf_puts(out, "# HELP hashi_peer_latency_seconds Time to a peer's answer.\n"
	    "# TYPE hashi_peer_latency_seconds histogram\n");
	for (i = 0; i < m->m_npeer; i++)
		metrics_prom_peer(m->m_peer[i], out);
	strbuf_puts(out, "# HELP hashi_peer_timeouts_total Peer calls cut by the deadline.\n"
	    "# TYPE hashi_peer_timeouts_total counter\n");
	metrics_prom_per_peer(m, out, "hashi_peer_timeouts_total", 1);
	strbuf_puts(out, "# HELP hashi_peer_in_flight Calls to the peer in flight.\n"
	    "# TYPE hashi_peer_in_flight gauge\n");
	metrics_prom_per_peer(m, out, "hashi_peer_in_flight", 0);
	return out->sb_failed ? -1 : 0;
}

static void
metrics_json_time(struct strbuf *out, long long t)
{
	if (t == 0)
		strbuf_puts(out, "null");
	else
		strbuf_printf(out, "%lld", t);
}

static void
metrics_json_peer(const struct metrics_peer *p, struct strbuf *out)
{
	unsigned long long total = p->mp_n[MPO_OK] + p->mp_n[MPO_ERROR] + p->mp_n[MPO_TIMEOUT];
	static const double q[3] = { 50, 90, 99 };
	size_t i;

	strbuf_puts(out, "{\"name\":");
	metrics_put_json(out, p->mp_name);
	strbuf_puts(out, ",\"hcid\":");
	metrics_put_json(out, p->mp_hcid);
	strbuf_printf(out, ",\"in_flight\":%u,\"requests\":%llu,\"errors\":%llu,"
	    "\"timeouts\":%llu,\"last_success\":", p->mp_inflight, total, p->mp_n[MPO_ERROR],
	    p->mp_n[MPO_TIMEOUT]);
	metrics_json_time(out, p->mp_last_ok);
	strbuf_puts(out, ",\"last_error\":");
	if (p->mp_last_err == 0)
		strbuf_puts(out, "null");
	else {
		strbuf_printf(out, "{\"time\":%lld,\"what\":", p->mp_last_err);
		metrics_put_json(out, p->mp_last_what);
		strbuf_puts(out, "}");
	}
	strbuf_printf(out, ",\"latency_ms\":{\"window\":%zu", p->mp_ring_n);
	for (i = 0; i < 3; i++) {
		if (p->mp_ring_n == 0)
			strbuf_printf(out, ",\"p%g\":null", q[i]);
		else
			strbuf_printf(out, ",\"p%g\":%.1f", q[i], metrics_peer_percentile(p, q[i]));
	}
	strbuf_puts(out, "}}");
}

int
metrics_render_status(const struct metrics *m, const struct metrics_info *mi,
    struct strbuf *out)
{
	size_t i;

	strbuf_puts(out, "{\"community\":{\"name\":");
	metrics_put_json(out, mi->mi_name);
	strbuf_puts(out, ",\"hcid\":");
	metrics_put_json(out, mi->mi_hcid);
	strbuf_printf(out, "},\"uptime_s\":%lld,\"draining\":%s,\"in_flight\":%u,",
	    mi->mi_uptime_s, mi->mi_draining ? "true" : "false", mi->mi_inflight);
	metrics_audit_json(mi, out);
	(void)tunnels_json(mi->mi_tunnels, out);
	strbuf_puts(out, ",\"peers\":[");
	for (i = 0; i < m->m_npeer; i++) {
		if (i > 0)
			strbuf_puts(out, ",");
		metrics_json_peer(m->m_peer[i], out);
	}
	strbuf_puts(out, "]}\n");
	return out->sb_failed ? -1 : 0;
}

void
metrics_table_time(struct strbuf *out, long long t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char buf[32];

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strbuf_printf(out, " %-20s", "-");
	else
		strbuf_printf(out, " %-20s", buf);
}

int
metrics_render_table(const struct metrics *m, const struct metrics_info *mi,
    struct strbuf *out)
{
	size_t i;

	strbuf_printf(out, "community %s (%s), up %llds%s, %u request(s) in flight\n\n",
	    mi->mi_name ? mi->mi_name : "-", mi->mi_hcid ? mi->mi_hcid : "-",
	    mi->mi_uptime_s, mi->mi_draining ? ", DRAINING" : "", mi->mi_inflight);
	metrics_audit_table(mi, out);
	(void)tunnels_table(mi->mi_tunnels, out);
	strbuf_printf(out, "%-20s %-9s %8s %8s %8s %8s %8s %8s %-20s %s\n", "PEER", "IN-FLIGHT",
	    "CALLS", "ERRORS", "TIMEOUTS", "P50ms", "P90ms", "P99ms", "LAST-OK",
	    "LAST-ERROR");
	for (i = 0; i < m->m_npeer; i++) {
		const struct metrics_peer *p = m->m_peer[i];

		strbuf_printf(out, "%-20s %9u %8llu %8llu %8llu", p->mp_name, p->mp_inflight,
		    p->mp_n[0] + p->mp_n[1] + p->mp_n[2], p->mp_n[MPO_ERROR],
		    p->mp_n[MPO_TIMEOUT]);
		if (p->mp_ring_n == 0)
			strbuf_printf(out, " %8s %8s %8s", "-", "-", "-");
		else
			strbuf_printf(out, " %8.1f %8.1f %8.1f", metrics_peer_percentile(p, 50),
			    metrics_peer_percentile(p, 90), metrics_peer_percentile(p, 99));
		metrics_table_time(out, p->mp_last_ok);
		if (p->mp_last_err != 0) {
			metrics_table_time(out, p->mp_last_err);
			strbuf_printf(out, " %s", p->mp_last_what ? p->mp_last_what : "");
		}
		strbuf_puts(out, "\n");
	}
	if (m->m_npeer == 0)
		strbuf_puts(out, "(no peer called yet)\n");
	return out->sb_failed ? -1 : 0;
}
