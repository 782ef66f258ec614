/*
 * gateway/scn_report_html: a scenario run as one self-contained HTML page that a tester can
 * open from a CI artifact or a mail: inline CSS, no script, no font, image or link outside
 * the file (the only links are anchors in the page and the regions' audit export files next
 * to it). The page is also well-formed XML (void elements closed, only the XML entities
 * plus &#39;), so that XML tools can check it.
 *
 * Summary (verdict, how the regions were connected, regions and their audit verification,
 * the steps), then a section per step (checks, sequence diagram from scn_report_svg.c,
 * decisions, audit records), then the IPsec tunnels of a --netns run as each region saw
 * them, then an appendix with every audit record per region, which the steps link to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "gateway/scn_report.h"
#include "gateway/scn_report_int.h"

/* lang="ja": the names in a report are mostly Japanese, and the language selects Japanese
 * rather than Chinese glyph forms for kanji. The Content-Security-Policy makes the browser
 * itself refuse any script or outside resource, should escaping ever fail to. */
static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\"/>\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'\"/>\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
    "<meta name=\"generator\" content=\"hashictl scenario run\"/>\n";

static const char html_style[] =
    "<style>\n"
    "body{font-family:system-ui,\"Noto Sans CJK JP\",\"Hiragino Sans\",\"Yu Gothic\",Meiryo,"
    "\"IPAGothic\",sans-serif;margin:0;padding:20px 32px;color:#1f2328;background:#fff;"
    "line-height:1.45;font-size:14px}\n"
    "h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.25em;margin:.2em 0}"
    "h3{font-size:1em;margin:1em 0 .3em}\n"
    "a{color:#0969da}code{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace}\n"
    "table{border-collapse:collapse;margin:.3em 0 1em}th,td{border:1px solid #d0d7de;"
    "padding:3px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}\n"
    ".badge{display:inline-block;padding:1px 10px;border-radius:10px;color:#fff;"
    "font-weight:600;font-size:.85em;vertical-align:middle}\n"
    ".badge.pass{background:#1a7f37}.badge.fail{background:#cf222e}"
    ".badge.none{background:#8c959f}\n"
    ".good{color:#1a7f37}.bad{color:#cf222e;font-weight:600}.muted{color:#57606a}"
    ".warn{color:#bc4c00;font-weight:600}td.num{text-align:right}\n"
    "dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:.5em 0}"
    "dl.meta dt{color:#57606a}dl.meta dd{margin:0}\n"
    "section.step{border:1px solid #d0d7de;border-left:6px solid #1a7f37;border-radius:6px;"
    "padding:8px 16px 12px;margin:16px 0}section.step.fail{border-left-color:#cf222e}\n"
    "ul.checks{list-style:none;padding-left:0;margin:.2em 0}ul.checks li{margin:2px 0}\n"
    "ul.checks li.good::before{content:\"\\2714\\00a0\"}"
    "ul.checks li.bad::before{content:\"\\2718\\00a0\"}\n"
    "td.allow{color:#1a7f37}td.deny{color:#cf222e;font-weight:600}"
    "td.emergency{color:#bc4c00;font-weight:600}\n"
    ".diagram{overflow-x:auto;border:1px solid #eaeef2;border-radius:4px;background:#fcfcfd;"
    "padding:4px}\n"
    "tr:target{background:#fff8c5}\n"
    "svg.seq{font-size:11px;font-family:inherit;display:block}"
    "svg.seq text{text-anchor:middle;fill:#1f2328}\n"
    "svg.seq .life{stroke:#8c959f;stroke-dasharray:4 3}"
    "svg.seq .party{fill:#ddf4ff;stroke:#54aeff}"
    "svg.seq .pname{font-weight:600;font-size:12px}svg.seq .psub{fill:#57606a}\n"
    "svg.seq .axis{fill:#57606a;font-size:10px}svg.seq text.lanetitle,svg.seq text.from-l"
    "{text-anchor:start}svg.seq text.from-r{text-anchor:end}svg.seq .axisline{stroke:#57606a}"
    "svg.seq .grid{stroke:#d8dee4;stroke-dasharray:2 3}"
    "svg.seq text.t0{text-anchor:end;fill:#57606a;font-size:10px}\n"
    "svg.seq line{stroke-width:1.5}svg.seq line.req{stroke:#0969da}"
    "svg.seq polygon.req{fill:#0969da}"
    "svg.seq line.ans{stroke:#57606a;stroke-dasharray:5 3}svg.seq polygon.ans{fill:#57606a}\n"
    "svg.seq line.err{stroke:#cf222e}svg.seq polygon.err{fill:#cf222e}"
    "svg.seq line.req.tmo{stroke:#cf222e;stroke-width:2;stroke-dasharray:7 4}"
    "svg.seq polygon.tmo{fill:#cf222e}"
    "svg.seq line.ref{stroke:#bc4c00}svg.seq polygon.ref{fill:#bc4c00}"
    "svg.seq line.skip{stroke:#8c959f;stroke-dasharray:2 3}svg.seq polygon.skip{fill:#8c959f}\n"
    "svg.seq .cross{stroke:#cf222e;stroke-width:2.5;fill:none}"
    "svg.seq .act{fill:#fff;stroke:#57606a}"
    "svg.seq .det{fill:#57606a;font-size:10.5px}\n"
    "svg.seq text.lab,svg.seq text.det{paint-order:stroke;stroke:#fcfcfd;stroke-width:3px;"
    "stroke-linejoin:round}\n"
    "svg.seq text.err,svg.seq text.tmo{fill:#cf222e;font-weight:600}"
    "svg.seq text.ref{fill:#bc4c00}svg.seq text.skip{fill:#8c959f}\n"
    "svg.seq rect.bar{fill:#0969da}svg.seq rect.bar.err{fill:#cf222e}"
    "svg.seq rect.bar.tmo{fill:#ffebe9;stroke:#cf222e;stroke-dasharray:4 2}"
    "svg.seq rect.bar.ref{fill:#bc4c00}svg.seq rect.bar.skip{fill:#d0d7de}\n"
    "</style>\n</head>\n";

static const char html_legend[] =
    "<p class=\"muted\">Reading the diagrams: one lifeline per party; one row per message, in "
    "order of start time, with its start and its bar on the step's time axis on the left. "
    "<span style=\"color:#0969da\">Solid arrow</span>: request, labelled transaction and "
    "duration; dashed grey arrow: the answer, with what came back. "
    "<span class=\"bad\">Dashed red arrow ending in \xE2\x9C\x95</span>: timeout; "
    "<span class=\"bad\">red</span>: error; <span style=\"color:#bc4c00\">orange</span>: "
    "refused; <span class=\"muted\">grey dotted</span>: skipped. Hover a row for its full "
    "text.</p>\n";

static void
put_text(struct strbuf *sb, const char *s)
{
	scn_put_xml(sb, s != NULL ? s : "\xE2\x80\x94", 0);
}

/* Appends PATH as an href relative to the report: every byte outside [A-Za-z0-9._~/-] is
 * percent-encoded, so that a file name can neither start a scheme (no ':' survives) nor
 * break out of the attribute; a leading "//" (another host) is kept relative. */
static void
put_href(struct strbuf *sb, const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	if (p[0] == '/' && p[1] == '/')
		strbuf_puts(sb, ".");
	for (; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("._~/-", *p) != NULL)
			strbuf_add(sb, p, 1);
		else
			strbuf_printf(sb, "%%%02X", *p);
	}
}

static void
put_badge(struct strbuf *sb, int passed)
{
	strbuf_puts(sb, passed ? "<span class=\"badge pass\">PASSED</span>" :
	    "<span class=\"badge fail\">FAILED</span>");
}

static void
put_regions(struct strbuf *sb, const struct scn_result *r)
{
	const struct scn_region_result *reg;
	size_t i;

	strbuf_puts(sb, "<h2>Regions</h2>\n<table class=\"regions\"><tr><th>Region</th>"
	    "<th>Name</th><th>HCID</th><th>Audit log</th><th>Audit export</th></tr>\n");
	for (i = 0; i < r->nregions; i++) {
		reg = &r->regions[i];
		strbuf_puts(sb, "<tr><td><code>");
		put_text(sb, reg->name);
		strbuf_puts(sb, "</code></td><td>");
		put_text(sb, reg->display);
		strbuf_puts(sb, "</td><td><code>");
		put_text(sb, reg->hcid);
		strbuf_puts(sb, reg->audit_verified == 1 ? "</code></td><td class=\"good\">verified" :
		    reg->audit_verified == 0 ? "</code></td><td class=\"bad\">FAILED" :
		    "</code></td><td class=\"muted\">not checked");
		if (reg->audit_detail != NULL) {
			strbuf_puts(sb, ": ");
			put_text(sb, reg->audit_detail);
		}
		strbuf_puts(sb, "</td><td>");
		if (reg->audit_export != NULL) {
			strbuf_puts(sb, "<a href=\"");
			put_href(sb, reg->audit_export);
			strbuf_puts(sb, "\">");
			put_text(sb, reg->audit_export);
			strbuf_puts(sb, "</a>");
		}
		strbuf_puts(sb, "</td></tr>\n");
	}
	strbuf_puts(sb, "</table>\n");
}

/* Appends the header's lines on the network: how the regions were connected and, for a
 * run with tunnels, how many were up at the end (linking to the Tunnels section). */
static void
put_network(struct strbuf *sb, const struct scn_result *r)
{
	size_t i, up = 0;

	strbuf_puts(sb, "<dt>Network</dt><dd>");
	if (r->network == NULL || strcmp(r->network, "loopback") == 0)
		strbuf_puts(sb, "loopback (one machine, TLS on 127.0.0.1)");
	else if (strcmp(r->network, "netns") == 0)
		strbuf_puts(sb, "network namespaces with strongSwan IPsec tunnels (one CHILD_SA "
		    "per pair of regions and purpose)");
	else
		put_text(sb, r->network);
	strbuf_puts(sb, "</dd>");
	if (r->ntunnels == 0)
		return;
	for (i = 0; i < r->ntunnels; i++)
		if (strcmp(SCN_NZ(r->tunnels[i].state), "up") == 0)
			up++;
	strbuf_printf(sb, "<dt>Tunnels</dt><dd><a href=\"#tunnels\">%zu up</a>", up);
	if (up < r->ntunnels)
		strbuf_printf(sb, ", <span class=\"bad\">%zu not up</span>", r->ntunnels - up);
	strbuf_puts(sb, "</dd>");
}

static void
put_summary(struct strbuf *sb, const struct scn_result *r)
{
	size_t i, failed = 0;

	for (i = 0; i < r->nsteps; i++)
		if (!r->steps[i].passed)
			failed++;
	strbuf_puts(sb, "<body>\n<header>\n<h1>Scenario <q>");
	put_text(sb, r->scenario);
	strbuf_puts(sb, "</q> ");
	put_badge(sb, r->passed);
	strbuf_puts(sb, "</h1>\n<dl class=\"meta\"><dt>File</dt><dd><code>");
	put_text(sb, r->file);
	strbuf_puts(sb, "</code></dd><dt>Started (UTC)</dt><dd>");
	put_text(sb, r->started);
	strbuf_puts(sb, "</dd><dt>Duration</dt><dd>");
	scn_put_dur(sb, r->total_ms);
	strbuf_puts(sb, "</dd>");
	put_network(sb, r);
	strbuf_printf(sb, "<dt>Steps</dt><dd>%zu passed, %zu failed</dd></dl>\n</header>\n",
	    r->nsteps - failed, failed);
	put_regions(sb, r);
	strbuf_puts(sb, "<h2>Steps</h2>\n<table class=\"steps\"><tr><th>#</th><th>Step</th>"
	    "<th>Kind</th><th>As</th><th>Start</th><th>Duration</th><th>Result</th></tr>\n");
	for (i = 0; i < r->nsteps; i++) {
		const struct scn_step_result *st = &r->steps[i];

		strbuf_printf(sb, "<tr><td>%zu</td><td><a href=\"#step-%zu\">", i + 1, i + 1);
		put_text(sb, st->name);
		strbuf_puts(sb, "</a></td><td>");
		put_text(sb, st->kind);
		strbuf_puts(sb, "</td><td>");
		put_text(sb, st->as);
		strbuf_printf(sb, "</td><td>+%ld ms</td><td>", st->start_ms);
		scn_put_dur(sb, st->dur_ms);
		strbuf_puts(sb, "</td><td>");
		put_badge(sb, st->passed);
		strbuf_puts(sb, "</td></tr>\n");
	}
	strbuf_puts(sb, "</table>\n");
}

static void
put_checks(struct strbuf *sb, const struct scn_step_result *st)
{
	const struct scn_check *c;
	size_t i;

	strbuf_puts(sb, "<h3>Checks</h3>\n");
	if (st->nchecks == 0) {
		strbuf_puts(sb, "<p class=\"muted\">No checks.</p>\n");
		return;
	}
	strbuf_puts(sb, "<ul class=\"checks\">\n");
	for (i = 0; i < st->nchecks; i++) {
		c = &st->checks[i];
		strbuf_puts(sb, c->ok ? "<li class=\"good\">" : "<li class=\"bad\">");
		put_text(sb, c->what);
		if (c->expected != NULL || c->got != NULL) {
			strbuf_puts(sb, c->ok ? " <span class=\"muted\">(" : " (");
			strbuf_puts(sb, "expected <code>");
			put_text(sb, c->expected);
			strbuf_puts(sb, "</code>, got <code>");
			put_text(sb, c->got);
			strbuf_puts(sb, c->ok ? "</code>)</span>" : "</code>)");
		}
		strbuf_puts(sb, "</li>\n");
	}
	strbuf_puts(sb, "</ul>\n");
}

static void
put_decisions(struct strbuf *sb, const struct scn_step_result *st)
{
	const struct scn_decision *d;
	size_t i;

	if (st->ndecisions == 0)
		return;
	strbuf_puts(sb, "<h3>Decisions</h3>\n<table class=\"decisions\"><tr><th>Region</th>"
	    "<th>Patient</th><th>Decision</th><th>Reason</th></tr>\n");
	for (i = 0; i < st->ndecisions; i++) {
		d = &st->decisions[i];
		strbuf_puts(sb, "<tr><td><code>");
		put_text(sb, d->region);
		strbuf_puts(sb, "</code></td><td>");
		put_text(sb, d->patient);
		/* the class only for the three known values: never model text in a class */
		strbuf_printf(sb, "</td><td class=\"%s\">", strcmp(SCN_NZ(d->decision), "allow") == 0 ?
		    "allow" : strcmp(SCN_NZ(d->decision), "deny") == 0 ? "deny" :
		    strcmp(SCN_NZ(d->decision), "emergency") == 0 ? "emergency" : "other");
		put_text(sb, d->decision);
		strbuf_puts(sb, "</td><td>");
		put_text(sb, d->reason);
		strbuf_puts(sb, "</td></tr>\n");
	}
	strbuf_puts(sb, "</table>\n");
}

/* The step's audit records, grouped by region in the order they came: links into the
 * appendix (anchor audit-<step>-<index>) and to the region's export file. */
static void
put_step_audit(struct strbuf *sb, const struct scn_result *r, const struct scn_step_result *st,
    size_t stepno)
{
	const struct scn_region_result *reg;
	size_t i, j;

	if (st->naudit == 0)
		return;
	strbuf_puts(sb, "<h3>Audit records</h3>\n<ul class=\"audit\">\n");
	for (i = 0; i < st->naudit; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(SCN_NZ(st->audit[j].region), SCN_NZ(st->audit[i].region)) == 0)
				break;
		if (j < i)
			continue;	/* region listed already */
		strbuf_puts(sb, "<li><code>");
		put_text(sb, st->audit[i].region);
		strbuf_puts(sb, "</code>:");
		for (j = i; j < st->naudit; j++) {
			if (strcmp(SCN_NZ(st->audit[j].region), SCN_NZ(st->audit[i].region)) != 0)
				continue;
			strbuf_printf(sb, " <a href=\"#audit-%zu-%zu\">#%llu ", stepno, j + 1,
			    st->audit[j].seq);
			put_text(sb, st->audit[j].event);
			strbuf_puts(sb, "</a>");
		}
		reg = scn_result_region(r, st->audit[i].region);
		if (reg != NULL && reg->audit_export != NULL) {
			strbuf_puts(sb, " (<a href=\"");
			put_href(sb, reg->audit_export);
			strbuf_puts(sb, "\">export</a>)");
		}
		strbuf_puts(sb, "</li>\n");
	}
	strbuf_puts(sb, "</ul>\n");
}

static void
put_step(struct strbuf *sb, const struct scn_result *r, const struct scn_step_result *st,
    size_t stepno)
{
	strbuf_printf(sb, "<section class=\"step %s\" id=\"step-%zu\">\n<h2>%zu. ",
	    st->passed ? "pass" : "fail", stepno, stepno);
	put_text(sb, st->name);
	strbuf_puts(sb, " ");
	put_badge(sb, st->passed);
	strbuf_puts(sb, "</h2>\n<p class=\"muted\">");
	put_text(sb, st->kind);
	if (st->as != NULL) {
		strbuf_puts(sb, " as <code>");
		put_text(sb, st->as);
		strbuf_puts(sb, "</code>");
	}
	if (st->purpose != NULL) {
		strbuf_puts(sb, " for ");
		put_text(sb, st->purpose);
	}
	strbuf_printf(sb, ", at +%ld ms, took ", st->start_ms);
	scn_put_dur(sb, st->dur_ms);
	strbuf_puts(sb, "</p>\n");
	put_checks(sb, st);
	strbuf_puts(sb, "<h3>Messages</h3>\n");
	if (st->nhops == 0) {
		strbuf_puts(sb, "<p class=\"muted\">No messages.</p>\n");
	} else {
		strbuf_puts(sb, "<div class=\"diagram\">\n");
		if (scn_svg_step(sb, r, st, stepno) == -1)
			sb->sb_failed = 1;
		strbuf_puts(sb, "</div>\n");
	}
	put_decisions(sb, st);
	put_step_audit(sb, r, st, stepno);
	strbuf_puts(sb, "</section>\n");
}

/* The tunnels as the runner recorded them (in its order: each region's view in turn). A
 * state other than up is marked: down in red, idle or unknown in orange; the class comes
 * from the known values only, never from model text. */
static void
put_tunnels(struct strbuf *sb, const struct scn_result *r)
{
	const struct scn_tunnel *t;
	const char *state;
	size_t i;

	if (r->ntunnels == 0)
		return;
	strbuf_puts(sb, "<section id=\"tunnels\">\n<h2>Tunnels</h2>\n<p class=\"muted\">Each "
	    "region's view of its IPsec CHILD_SAs at the end of the run; bytes are charon's "
	    "counters. Information only: a tunnel that is down does not fail the run.</p>\n"
	    "<table class=\"tunnels\"><tr><th>Region</th><th>Peer</th><th>Purpose</th>"
	    "<th>State</th><th>Bytes in</th><th>Bytes out</th></tr>\n");
	for (i = 0; i < r->ntunnels; i++) {
		t = &r->tunnels[i];
		state = t->state != NULL ? t->state : "unknown";
		strbuf_puts(sb, "<tr><td><code>");
		put_text(sb, t->region);
		strbuf_puts(sb, "</code></td><td><code>");
		put_text(sb, t->peer);
		strbuf_puts(sb, "</code></td><td>");
		put_text(sb, t->purpose);
		strbuf_printf(sb, "</td><td class=\"%s\">", strcmp(state, "up") == 0 ? "good" :
		    strcmp(state, "idle") == 0 || strcmp(state, "unknown") == 0 ? "warn" : "bad");
		put_text(sb, state);
		strbuf_printf(sb, "</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td>"
		    "</tr>\n", t->bytes_in, t->bytes_out);
	}
	strbuf_puts(sb, "</table>\n</section>\n");
}

/* An audit reference and where it came from, for sorting the appendix. */
struct aref {
	const struct scn_audit_ref *a;
	size_t region;		/* index in the result's regions; nregions if unknown */
	size_t step, idx;	/* 1-based, as in the anchors */
};

static int
aref_cmp(const void *pa, const void *pb)
{
	const struct aref *a = pa, *b = pb;
	int c;

	if (a->region != b->region)
		return a->region < b->region ? -1 : 1;
	if ((c = strcmp(SCN_NZ(a->a->region), SCN_NZ(b->a->region))) != 0)
		return c;
	if (a->a->seq != b->a->seq)
		return a->a->seq < b->a->seq ? -1 : 1;
	if (a->step != b->step)
		return a->step < b->step ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void
put_aref_row(struct strbuf *sb, const struct aref *x)
{
	strbuf_printf(sb, "<tr id=\"audit-%zu-%zu\"><td>%llu</td><td>", x->step, x->idx,
	    x->a->seq);
	put_text(sb, x->a->event);
	strbuf_printf(sb, "</td><td class=\"%s\">%d (%s)</td><td>", x->a->outcome == 0 ? "good" :
	    "bad", x->a->outcome, scn_atna_outcome_name(x->a->outcome));
	put_text(sb, x->a->purpose);
	strbuf_printf(sb, "</td><td><a href=\"#step-%zu\">step %zu</a></td></tr>\n", x->step,
	    x->step);
}

/* The appendix: every audit reference, one table per region, ordered by sequence number. */
static int
put_appendix(struct strbuf *sb, const struct scn_result *r)
{
	const struct scn_region_result *reg;
	struct aref *v;
	size_t i, j, n = 0, k;

	for (i = 0; i < r->nsteps; i++)
		n += r->steps[i].naudit;
	if (n == 0)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	for (i = 0, k = 0; i < r->nsteps; i++) {
		for (j = 0; j < r->steps[i].naudit; j++, k++) {
			v[k].a = &r->steps[i].audit[j];
			reg = scn_result_region(r, v[k].a->region);
			v[k].region = reg != NULL ? (size_t)(reg - r->regions) : r->nregions;
			v[k].step = i + 1;
			v[k].idx = j + 1;
		}
	}
	qsort(v, n, sizeof(*v), aref_cmp);
	strbuf_puts(sb, "<section id=\"audit\">\n<h2>Appendix: audit records</h2>\n");
	for (k = 0; k < n; k++) {
		if (k == 0 || strcmp(SCN_NZ(v[k].a->region), SCN_NZ(v[k - 1].a->region)) != 0) {
			strbuf_puts(sb, k == 0 ? "<h3><code>" : "</table>\n<h3><code>");
			put_text(sb, v[k].a->region);
			strbuf_puts(sb, "</code>");
			reg = v[k].region < r->nregions ? &r->regions[v[k].region] : NULL;
			if (reg != NULL && reg->audit_export != NULL) {
				strbuf_puts(sb, " (export: <a href=\"");
				put_href(sb, reg->audit_export);
				strbuf_puts(sb, "\">");
				put_text(sb, reg->audit_export);
				strbuf_puts(sb, "</a>)");
			}
			strbuf_puts(sb, "</h3>\n<table class=\"auditrefs\"><tr><th>Seq</th>"
			    "<th>Event</th><th>Outcome</th><th>Purpose</th><th>Step</th></tr>\n");
		}
		put_aref_row(sb, &v[k]);
	}
	strbuf_puts(sb, "</table>\n</section>\n");
	free(v);
	return 0;
}

int
scn_report_html(const struct scn_result *r, struct strbuf *sb)
{
	size_t i;

	strbuf_puts(sb, html_head);
	strbuf_puts(sb, "<title>");
	put_text(sb, r->scenario);
	strbuf_puts(sb, r->passed ? " \xE2\x80\x94 passed</title>\n" :
	    " \xE2\x80\x94 FAILED</title>\n");
	strbuf_puts(sb, html_style);
	put_summary(sb, r);
	strbuf_puts(sb, "<main>\n");
	if (r->nsteps > 0)
		strbuf_puts(sb, html_legend);
	for (i = 0; i < r->nsteps; i++)
		put_step(sb, r, &r->steps[i], i + 1);
	put_tunnels(sb, r);
	if (put_appendix(sb, r) == -1)
		sb->sb_failed = 1;
	strbuf_puts(sb, "</main>\n<footer class=\"muted\"><p>Written by hashictl scenario run."
	    "</p></footer>\n</body>\n</html>\n");
	return sb->sb_failed ? -1 : 0;
}
