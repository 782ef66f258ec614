/*
 * gateway/scn_report_json: a scenario run as one JSON object (RFC 8259), the model of
 * scn_result.h field by field, with "format" and "version" first so that readers can check
 * what they got. Missing strings are null; audit_verified is true, false or null (not
 * checked); hop outcomes are names ("timeout"). "network" and "tunnels" are always there
 * ("loopback" and [] for a run without --netns), so that readers need not guess what a
 * missing key means. One array element a line, for diffs.
 */
#include <stdio.h>

#include "common/str.h"
#include "gateway/scn_report.h"
#include "gateway/scn_report_int.h"

#define SCN_JSON_VERSION	1

/* Appends SEP "KEY": VALUE (string or null). */
static void
kv_str(struct strbuf *sb, const char *sep, const char *key, const char *value)
{
	strbuf_printf(sb, "%s\"%s\": ", sep, key);
	scn_put_json(sb, value);
}

static void
kv_long(struct strbuf *sb, const char *sep, const char *key, long value)
{
	strbuf_printf(sb, "%s\"%s\": %ld", sep, key, value);
}

static void
kv_bool(struct strbuf *sb, const char *sep, const char *key, int value)
{
	strbuf_printf(sb, "%s\"%s\": %s", sep, key, value ? "true" : "false");
}

static void
put_region(struct strbuf *sb, const struct scn_region_result *reg)
{
	kv_str(sb, "{", "name", reg->name);
	kv_str(sb, ", ", "display", reg->display);
	kv_str(sb, ", ", "hcid", reg->hcid);
	strbuf_printf(sb, ", \"audit_verified\": %s", reg->audit_verified == 1 ? "true" :
	    reg->audit_verified == 0 ? "false" : "null");
	kv_str(sb, ", ", "audit_detail", reg->audit_detail);
	kv_str(sb, ", ", "audit_export", reg->audit_export);
	strbuf_puts(sb, "}");
}

/* Appends the arrays of a step: checks, hops, decisions, audit references. */
static void
put_step_lists(struct strbuf *sb, const struct scn_step_result *st)
{
	size_t i;

	strbuf_puts(sb, ",\n      \"checks\": [");
	for (i = 0; i < st->nchecks; i++) {
		strbuf_puts(sb, i > 0 ? ",\n        " : "\n        ");
		kv_str(sb, "{", "what", st->checks[i].what);
		kv_bool(sb, ", ", "ok", st->checks[i].ok);
		kv_str(sb, ", ", "expected", st->checks[i].expected);
		kv_str(sb, ", ", "got", st->checks[i].got);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, st->nchecks > 0 ? "\n      ],\n      \"hops\": [" : "],\n      \"hops\": [");
	for (i = 0; i < st->nhops; i++) {
		strbuf_puts(sb, i > 0 ? ",\n        " : "\n        ");
		kv_str(sb, "{", "from", st->hops[i].from);
		kv_str(sb, ", ", "to", st->hops[i].to);
		kv_str(sb, ", ", "txn", st->hops[i].txn);
		kv_long(sb, ", ", "start_ms", st->hops[i].start_ms);
		kv_long(sb, ", ", "dur_ms", st->hops[i].dur_ms);
		kv_str(sb, ", ", "outcome", scn_hop_outcome_name(st->hops[i].outcome));
		kv_str(sb, ", ", "detail", st->hops[i].detail);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, st->nhops > 0 ? "\n      ],\n      \"decisions\": [" :
	    "],\n      \"decisions\": [");
	for (i = 0; i < st->ndecisions; i++) {
		strbuf_puts(sb, i > 0 ? ",\n        " : "\n        ");
		kv_str(sb, "{", "region", st->decisions[i].region);
		kv_str(sb, ", ", "patient", st->decisions[i].patient);
		kv_str(sb, ", ", "decision", st->decisions[i].decision);
		kv_str(sb, ", ", "reason", st->decisions[i].reason);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, st->ndecisions > 0 ? "\n      ],\n      \"audit\": [" :
	    "],\n      \"audit\": [");
	for (i = 0; i < st->naudit; i++) {
		strbuf_puts(sb, i > 0 ? ",\n        " : "\n        ");
		kv_str(sb, "{", "region", st->audit[i].region);
		strbuf_printf(sb, ", \"seq\": %llu", st->audit[i].seq);
		kv_str(sb, ", ", "event", st->audit[i].event);
		kv_long(sb, ", ", "outcome", st->audit[i].outcome);
		kv_str(sb, ", ", "purpose", st->audit[i].purpose);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, st->naudit > 0 ? "\n      ]" : "]");
}

static void
put_tunnel(struct strbuf *sb, const struct scn_tunnel *t)
{
	kv_str(sb, "{", "region", t->region);
	kv_str(sb, ", ", "peer", t->peer);
	kv_str(sb, ", ", "purpose", t->purpose);
	kv_str(sb, ", ", "state", t->state != NULL ? t->state : "unknown");
	strbuf_printf(sb, ", \"bytes_in\": %llu, \"bytes_out\": %llu}", t->bytes_in,
	    t->bytes_out);
}

static void
put_step(struct strbuf *sb, const struct scn_step_result *st)
{
	kv_str(sb, "{\n      ", "name", st->name);
	kv_str(sb, ",\n      ", "kind", st->kind);
	kv_str(sb, ",\n      ", "as", st->as);
	kv_str(sb, ",\n      ", "purpose", st->purpose);
	kv_long(sb, ",\n      ", "start_ms", st->start_ms);
	kv_long(sb, ",\n      ", "dur_ms", st->dur_ms);
	kv_bool(sb, ",\n      ", "passed", st->passed);
	put_step_lists(sb, st);
	strbuf_puts(sb, "\n    }");
}

int
scn_report_json(const struct scn_result *r, struct strbuf *sb)
{
	size_t i;

	strbuf_printf(sb, "{\n  \"format\": \"hashi-scenario-report\",\n  \"version\": %d",
	    SCN_JSON_VERSION);
	kv_str(sb, ",\n  ", "scenario", r->scenario);
	kv_str(sb, ",\n  ", "file", r->file);
	kv_str(sb, ",\n  ", "started", r->started);
	kv_long(sb, ",\n  ", "total_ms", r->total_ms);
	kv_bool(sb, ",\n  ", "passed", r->passed);
	kv_str(sb, ",\n  ", "network", r->network != NULL ? r->network : "loopback");
	strbuf_puts(sb, ",\n  \"regions\": [");
	for (i = 0; i < r->nregions; i++) {
		strbuf_puts(sb, i > 0 ? ",\n    " : "\n    ");
		put_region(sb, &r->regions[i]);
	}
	strbuf_puts(sb, r->nregions > 0 ? "\n  ],\n  \"steps\": [" : "],\n  \"steps\": [");
	for (i = 0; i < r->nsteps; i++) {
		strbuf_puts(sb, i > 0 ? ",\n    " : "\n    ");
		put_step(sb, &r->steps[i]);
	}
	strbuf_puts(sb, r->nsteps > 0 ? "\n  ],\n  \"tunnels\": [" : "],\n  \"tunnels\": [");
	for (i = 0; i < r->ntunnels; i++) {
		strbuf_puts(sb, i > 0 ? ",\n    " : "\n    ");
		put_tunnel(sb, &r->tunnels[i]);
	}
	strbuf_puts(sb, r->ntunnels > 0 ? "\n  ]\n}\n" : "]\n}\n");
	return sb->sb_failed ? -1 : 0;
}
