/* gateway/tunnel_render: the paths' part of /metrics, /status and hashictl status. */
#include "gateway/tunnel.h"
#include "gateway/tunnel_int.h"

#include <time.h>

#include "common/str.h"
#include "gateway/metrics.h"

static const char *
tunnel_state_name(enum tunnel_state s)
{
	switch (s) {
	case TUNNEL_UP:
		return "up";
	case TUNNEL_DOWN:
		return "down";
	case TUNNEL_IDLE:
		return "idle";
	case TUNNEL_UNKNOWN:
		return "unknown";
	default:
		return "none";
	}
}

/* METRIC{peer="..",purpose=".."EXTRA} */
static void
tunnels_prom_labels(struct strbuf *out, const char *metric, const struct tunnel_path *tp,
    const char *extra)
{
	strbuf_printf(out, "%s{peer=\"", metric);
	metrics_put_label(out, tp->tp_peer);
	strbuf_puts(out, "\",purpose=\"");
	metrics_put_label(out, tp->tp_purpose);
	strbuf_printf(out, "\"%s}", extra);
}

int
tunnels_prom(const struct tunnels *t, struct strbuf *out)
{
	const struct tunnel_path *tp;
	size_t i;

	if (t == NULL || !t->tn_vpn)
		return 0;
	strbuf_printf(out, "# HELP hashi_vici_up 1 when charon answered the last tunnel poll "
	    "over its vici socket.\n# TYPE hashi_vici_up gauge\nhashi_vici_up %d\n",
	    t->tn_error[0] == '\0' && t->tn_last_poll != 0);
	strbuf_puts(out, "# HELP hashi_tunnel_up 1 when the purpose's CHILD_SA to the peer is "
	    "up, 0 when it is not (down, idle until its trap fires, or unknown).\n"
	    "# TYPE hashi_tunnel_up gauge\n");
	for (i = 0; i < t->tn_npaths; i++) {
		if (!(tp = &t->tn_paths[i])->tp_vpn)
			continue;
		tunnels_prom_labels(out, "hashi_tunnel_up", tp, "");
		strbuf_printf(out, " %d\n", tp->tp_state == TUNNEL_UP);
	}
	strbuf_puts(out, "# HELP hashi_tunnel_bytes Bytes through the purpose's CHILD_SA to the "
	    "peer, as charon counts them (they restart at a rekey).\n"
	    "# TYPE hashi_tunnel_bytes gauge\n");
	for (i = 0; i < t->tn_npaths; i++) {
		if (!(tp = &t->tn_paths[i])->tp_vpn)
			continue;
		tunnels_prom_labels(out, "hashi_tunnel_bytes", tp, ",direction=\"in\"");
		strbuf_printf(out, " %llu\n", tp->tp_bytes_in);
		tunnels_prom_labels(out, "hashi_tunnel_bytes", tp, ",direction=\"out\"");
		strbuf_printf(out, " %llu\n", tp->tp_bytes_out);
	}
	return out->sb_failed ? -1 : 0;
}

int
tunnels_json(const struct tunnels *t, struct strbuf *out)
{
	const struct tunnel_path *tp;
	size_t i;

	strbuf_puts(out, "\"vici\":");
	metrics_put_json(out, t == NULL || !t->tn_vpn ? NULL : t->tn_error[0] != '\0' ?
	    t->tn_error : t->tn_last_poll == 0 ? "not asked yet" : "ok");
	strbuf_puts(out, ",\"paths\":[");
	for (i = 0; t != NULL && i < t->tn_npaths; i++) {
		tp = &t->tn_paths[i];
		strbuf_puts(out, i > 0 ? ",{\"peer\":" : "{\"peer\":");
		metrics_put_json(out, tp->tp_peer);
		strbuf_puts(out, ",\"purpose\":");
		metrics_put_json(out, tp->tp_purpose);
		strbuf_printf(out, ",\"tunnel\":\"%s\",\"since\":%lld,\"bytes_in\":%llu,"
		    "\"bytes_out\":%llu,\"tls\":%s,\"last_ok\":%lld,\"last_error\":%lld,"
		    "\"last_error_what\":", tunnel_state_name(tp->tp_state),
		    (long long)tp->tp_since, tp->tp_bytes_in, tp->tp_bytes_out,
		    tp->tp_tls > 0 ? "\"ok\"" : tp->tp_tls < 0 ? "\"refused\"" : "null",
		    (long long)tp->tp_last_ok, (long long)tp->tp_last_err);
		metrics_put_json(out, tp->tp_last_err != 0 ? tp->tp_last_what : NULL);
		strbuf_printf(out, ",\"last_ms\":%ld}", tp->tp_last_ms);
	}
	strbuf_puts(out, "]");
	return out->sb_failed ? -1 : 0;
}

/* "up 3m12s" / "down 40s" / "unknown" / "-" (no VPN) into BUF. */
static const char *
tunnel_state_text(const struct tunnel_path *tp, char *buf, size_t bufsz)
{
	long long age = (long long)(time(NULL) - tp->tp_since);

	if (tp->tp_state == TUNNEL_NONE)
		return "-";
	if (tp->tp_state == TUNNEL_UNKNOWN || tp->tp_since == 0 || age < 0)
		return tunnel_state_name(tp->tp_state);
	if (age < 120)
		snprintf(buf, bufsz, "%s %llds", tunnel_state_name(tp->tp_state), age);
	else if (age < 7200)
		snprintf(buf, bufsz, "%s %lldm", tunnel_state_name(tp->tp_state), age / 60);
	else
		snprintf(buf, bufsz, "%s %lldh", tunnel_state_name(tp->tp_state), age / 3600);
	return buf;
}

int
tunnels_table(const struct tunnels *t, struct strbuf *out)
{
	const struct tunnel_path *tp;
	char state[32], ms[24];
	size_t i;

	if (t == NULL || t->tn_npaths == 0)
		return 0;
	if (t->tn_vpn && t->tn_error[0] != '\0')
		strbuf_printf(out, "VPN: charon cannot be asked: %s (tunnel states unknown)\n",
		    t->tn_error);
	strbuf_printf(out, "%-16s %-12s %-12s %-8s %8s %-20s %s\n", "PEER", "PURPOSE", "TUNNEL",
	    "TLS", "LAST-ms", "LAST-OK", "LAST-ERROR");
	for (i = 0; i < t->tn_npaths; i++) {
		tp = &t->tn_paths[i];
		if (tp->tp_last_ms < 0)
			snprintf(ms, sizeof(ms), "-");
		else
			snprintf(ms, sizeof(ms), "%ld", tp->tp_last_ms);
		strbuf_printf(out, "%-16s %-12s %-12s %-8s %8s", tp->tp_peer, tp->tp_purpose,
		    tunnel_state_text(tp, state, sizeof(state)),
		    tp->tp_tls > 0 ? "ok" : tp->tp_tls < 0 ? "refused" : "-", ms);
		metrics_table_time(out, tp->tp_last_ok);
		if (tp->tp_last_err != 0) {
			metrics_table_time(out, tp->tp_last_err);
			strbuf_printf(out, " %s", tp->tp_last_what);
		}
		strbuf_puts(out, "\n");
	}
	strbuf_puts(out, "\n");
	return out->sb_failed ? -1 : 0;
}
