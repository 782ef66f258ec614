/* gateway/metrics_audit: the audit log's part of /metrics and /status (see metrics.h). */
#include "gateway/metrics.h"

#include "common/str.h"

void
metrics_audit_prom(const struct metrics_info *mi, struct strbuf *out)
{
	if (!mi->mi_audit)
		return;
	strbuf_printf(out, "# HELP hashi_audit_healthy 1 when the audit log takes records; "
	    "0 means every request is refused (fail closed).\n# TYPE hashi_audit_healthy gauge\n"
	    "hashi_audit_healthy %d\n", mi->mi_audit_healthy);
	strbuf_printf(out, "# HELP hashi_audit_records Records in the signed audit log.\n"
	    "# TYPE hashi_audit_records gauge\nhashi_audit_records %llu\n"
	    "# HELP hashi_audit_checkpoint_size Tree size of the latest signed checkpoint.\n"
	    "# TYPE hashi_audit_checkpoint_size gauge\nhashi_audit_checkpoint_size %llu\n",
	    mi->mi_audit_size, mi->mi_audit_checkpoint);
	strbuf_printf(out, "# HELP hashi_audit_commit_failures_total Audit commits that "
	    "failed.\n# TYPE hashi_audit_commit_failures_total counter\n"
	    "hashi_audit_commit_failures_total %lu\n# HELP hashi_audit_refused_total Answers "
	    "refused because their audit records could not be written.\n"
	    "# TYPE hashi_audit_refused_total counter\nhashi_audit_refused_total %lu\n",
	    mi->mi_audit_failures, mi->mi_audit_refused);
	if (!mi->mi_audit_fwd)
		return;
	strbuf_printf(out, "# HELP hashi_audit_forward_connected 1 while the audit record "
	    "repository's TLS connection is up.\n# TYPE hashi_audit_forward_connected gauge\n"
	    "hashi_audit_forward_connected %d\n# HELP hashi_audit_forward_backlog Records not yet "
	    "delivered to the audit record repository.\n"
	    "# TYPE hashi_audit_forward_backlog gauge\nhashi_audit_forward_backlog %llu\n",
	    mi->mi_audit_fwd_connected, mi->mi_audit_fwd_backlog);
}

void
metrics_audit_json(const struct metrics_info *mi, struct strbuf *out)
{
	if (!mi->mi_audit)
		return;
	strbuf_printf(out, "\"healthy\":%s,\"audit\":{\"healthy\":%s,\"records\":%llu,"
	    "\"checkpoint\":%llu,\"commit_failures\":%lu,\"refused\":%lu,\"error\":",
	    mi->mi_audit_healthy ? "true" : "false", mi->mi_audit_healthy ? "true" : "false",
	    mi->mi_audit_size, mi->mi_audit_checkpoint, mi->mi_audit_failures,
	    mi->mi_audit_refused);
	metrics_put_json(out, mi->mi_audit_error != NULL && mi->mi_audit_error[0] != '\0' ?
	    mi->mi_audit_error : NULL);
	if (mi->mi_audit_fwd)
		strbuf_printf(out, ",\"forward\":{\"connected\":%s,\"backlog\":%llu,"
		    "\"saved\":%s}", mi->mi_audit_fwd_connected ? "true" : "false",
		    mi->mi_audit_fwd_backlog, mi->mi_audit_fwd_saved ? "true" : "false");
	strbuf_puts(out, "},");
}

void
metrics_audit_table(const struct metrics_info *mi, struct strbuf *out)
{
	if (!mi->mi_audit)
		return;
	if (mi->mi_audit_healthy)
		strbuf_printf(out, "audit log: ok, %llu record(s), last checkpoint at %llu\n\n",
		    mi->mi_audit_size, mi->mi_audit_checkpoint);
	else
		strbuf_printf(out, "audit log: FAILING (%s): requests are refused; %lu "
		    "refused so far\n\n", mi->mi_audit_error ? mi->mi_audit_error : "?",
		    mi->mi_audit_refused);
}
