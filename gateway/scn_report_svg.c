/*
 * gateway/scn_report_svg: the sequence diagram of one step as inline SVG, for report.html.
 *
 * One lifeline per party, in the order they first appear; one row per hop, in order of start
 * time, so that concurrent hops (a fan-out) stay readable instead of overlapping: the request
 * arrow labelled "txn · duration", the answer as a dashed arrow back with the detail under
 * it. Timeouts are a dashed red arrow ending in a cross, errors red, refusals orange, skipped
 * hops grey and dotted. The real timing is on the left, before the lifelines: a time axis
 * with one bar per row, so that what ran in parallel and what waited is visible. Arrowheads are drawn as polygons
 * (no <marker> ids, which would clash between the diagrams of one page), and every hop has
 * a <title> with its full text (a tooltip in browsers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "gateway/scn_report_int.h"

#define LEFT		70	/* the row start times */
#define COLW		170	/* between lifelines */
#define COLW_MANY	130	/* ... when there are more than MANY parties */
#define MANY		6
#define BOXH		38
#define TOP		8
#define AXIS_Y		(TOP + BOXH + 18)	/* the time axis labels */
#define ROW0		(AXIS_Y + 30)		/* the first request arrow */
#define ROWH		50
#define GAP		36	/* the time lane to the lifelines */
#define LANEW		240
#define PXCOL		6.6	/* average width of a display column at 11px */

#define C_REQ		"#0969da"
#define C_ANS		"#57606a"
#define C_ERR		"#cf222e"
#define C_REFUSED	"#bc4c00"
#define C_SKIP		"#8c959f"

struct layout {
	const char	**party;	/* borrowed from the hops */
	size_t		  nparty;
	size_t		 *order;	/* hop indices by start time */
	long		  tmax, tstep;	/* axis end and tick step, ms */
	double		  lane0;	/* x of the time lane */
	double		  life0;	/* x of the first column of lifelines */
	double		  colw;
};

static size_t
party_index(struct layout *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nparty; i++)
		if (strcmp(l->party[i], name) == 0)
			return i;
	l->party[l->nparty] = name;
	return l->nparty++;
}

static double
party_x(const struct layout *l, size_t i)
{
	return l->life0 + l->colw / 2 + (double)i * l->colw;
}

/* The tick step: 1, 2 or 5 times a power of ten, for at most about five ticks. */
static long
nice_step(long tmax)
{
	long mag = 1, raw = tmax / 5 + 1;

	while (mag <= raw / 10)
		mag *= 10;
	if (mag >= raw)
		return mag;
	if (2 * mag >= raw)
		return 2 * mag;
	if (5 * mag >= raw)
		return 5 * mag;
	return 10 * mag;
}

static int
layout_make(struct layout *l, const struct scn_step_result *st)
{
	size_t i, j, k;
	long end, tmax = 1;

	memset(l, 0, sizeof(*l));
	l->party = calloc(2 * st->nhops, sizeof(*l->party));
	l->order = calloc(st->nhops, sizeof(*l->order));
	if (l->party == NULL || l->order == NULL)
		return -1;
	for (i = 0; i < st->nhops; i++) {
		party_index(l, SCN_NZ(st->hops[i].from));
		party_index(l, SCN_NZ(st->hops[i].to));
		end = st->hops[i].start_ms + (st->hops[i].dur_ms > 0 ? st->hops[i].dur_ms : 0);
		if (end > tmax)
			tmax = end;
		/* insertion sort, stable: hops come nearly ordered and are few */
		for (j = i; j > 0 && st->hops[l->order[j - 1]].start_ms > st->hops[i].start_ms; j--)
			l->order[j] = l->order[j - 1];
		l->order[j] = i;
	}
	l->tstep = nice_step(tmax);
	k = (size_t)((tmax + l->tstep - 1) / l->tstep);
	l->tmax = (long)k * l->tstep;
	/* the time lane comes first, left of the lifelines: with a national fan-out the
	 * diagram is many screens wide, and the timings should not be at its far end */
	l->lane0 = LEFT;
	l->life0 = LEFT + LANEW + GAP;
	l->colw = l->nparty > MANY ? COLW_MANY : COLW;
	return 0;
}

static double
time_x(const struct layout *l, long ms)
{
	if (ms < 0)
		ms = 0;
	return l->lane0 + (double)ms * LANEW / (double)l->tmax;
}

/* The party boxes and lifelines. A party that is a region shows its display name; a local
 * system ("ehr:<region>") says so. */
static void
put_parties(struct strbuf *sb, const struct scn_result *r, const struct layout *l, double h)
{
	const struct scn_region_result *reg;
	const char *sub;
	double x, boxw = l->colw - 20;
	size_t i, cols = (size_t)(boxw / 7);	/* display columns of 12px bold text */

	for (i = 0; i < l->nparty; i++) {
		x = party_x(l, i);
		reg = scn_result_region(r, l->party[i]);
		sub = reg != NULL ? reg->display : NULL;
		if (reg == NULL && str_has_prefix(l->party[i], "ehr:"))
			sub = "local EHR system";
		strbuf_printf(sb, "<line class=\"life\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
		    "y2=\"%.1f\"/>\n", x, TOP + BOXH, x, h - 6);
		strbuf_printf(sb, "<rect class=\"party\" x=\"%.1f\" y=\"%d\" width=\"%.0f\" "
		    "height=\"%d\" rx=\"5\"/>\n", x - boxw / 2, TOP, boxw, BOXH);
		strbuf_printf(sb, "<text class=\"pname\" x=\"%.1f\" y=\"%d\"><title>", x,
		    sub != NULL ? TOP + 16 : TOP + 24);
		scn_put_xml(sb, l->party[i], 0);
		strbuf_puts(sb, "</title>");
		scn_put_xml_cut(sb, l->party[i], cols);
		strbuf_puts(sb, "</text>\n");
		if (sub != NULL) {
			strbuf_printf(sb, "<text class=\"psub\" x=\"%.1f\" y=\"%d\">", x, TOP + 31);
			scn_put_xml_cut(sb, sub, cols + 1);
			strbuf_puts(sb, "</text>\n");
		}
	}
}

/* The time lane's axis: ticks, their labels and light grid lines through the rows. */
static void
put_axis(struct strbuf *sb, const struct layout *l, double h)
{
	long t;
	double x;

	strbuf_printf(sb, "<text class=\"axis lanetitle\" x=\"%.1f\" y=\"%d\">"
	    "time since the step started</text>\n", l->lane0, TOP + 22);
	strbuf_printf(sb, "<line class=\"axisline\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
	    "y2=\"%d\"/>\n", l->lane0, AXIS_Y + 6, time_x(l, l->tmax), AXIS_Y + 6);
	for (t = 0; t <= l->tmax; t += l->tstep) {
		x = time_x(l, t);
		strbuf_printf(sb, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
		    "y2=\"%.1f\"/>\n", x, AXIS_Y + 2, x, h - 6);
		strbuf_printf(sb, "<text class=\"axis\" x=\"%.1f\" y=\"%d\">", x, AXIS_Y);
		/* the unit only on the last tick: the labels are close together */
		if (l->tmax >= 10000 && l->tstep % 1000 == 0)
			strbuf_printf(sb, "%ld", t / 1000);
		else if (l->tmax >= 10000)
			strbuf_printf(sb, "%ld.%ld", t / 1000, (t % 1000) / 100);
		else
			strbuf_printf(sb, "%ld", t);
		strbuf_puts(sb, t + l->tstep > l->tmax ? (l->tmax >= 10000 ? " s</text>\n" :
		    " ms</text>\n") : "</text>\n");
	}
}

/* An arrow from X1 to X2 at Y in class CLS: a line and a filled head at X2. */
static void
put_arrow(struct strbuf *sb, double x1, double x2, double y, const char *cls)
{
	double d = x2 > x1 ? -8 : 8;

	strbuf_printf(sb, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
	    "<polygon class=\"%s head\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n", cls,
	    x1, y, x2 + d / 4, y, cls, x2, y, x2 + d, y - 4, x2 + d, y + 4);
}

static const char *
hop_class(enum scn_hop_outcome o)
{
	switch (o) {
	case SCN_HOP_OK: return "ok";
	case SCN_HOP_ERROR: return "err";
	case SCN_HOP_TIMEOUT: return "tmo";
	case SCN_HOP_REFUSED: return "ref";
	default: return "skip";
	}
}

/* The tooltip of a hop: everything, uncut. */
static void
put_hop_title(struct strbuf *sb, const struct scn_hop *h)
{
	strbuf_puts(sb, "<title>");
	scn_put_xml(sb, h->from, 0);
	strbuf_puts(sb, " \xE2\x86\x92 ");
	scn_put_xml(sb, h->to, 0);
	strbuf_puts(sb, " ");
	scn_put_xml(sb, h->txn, 0);
	strbuf_printf(sb, " at +%ld ms, ", h->start_ms);
	scn_put_dur(sb, h->dur_ms);
	strbuf_printf(sb, ": %s", scn_hop_outcome_name(h->outcome));
	if (h->detail != NULL) {
		strbuf_puts(sb, " (");
		scn_put_xml(sb, h->detail, 0);
		strbuf_puts(sb, ")");
	}
	strbuf_puts(sb, "</title>");
}

/* The label above a request arrow: "txn · 175 ms", or "txn · timeout after 2000 ms"; on a
 * long arrow (POS not "") it sits at the arrow's start and names the target, which may be
 * screens away in a national fan-out: "txn → region · 175 ms". */
static void
put_hop_label(struct strbuf *sb, const struct scn_hop *h, double x, double y, size_t maxw,
    const char *pos)
{
	struct strbuf lab = { 0 };

	strbuf_puts(&lab, SCN_NZ(h->txn));
	if (*pos != '\0') {
		strbuf_puts(&lab, " \xE2\x86\x92 ");
		strbuf_puts(&lab, SCN_NZ(h->to));
	}
	strbuf_puts(&lab, " \xC2\xB7 ");
	if (h->outcome == SCN_HOP_TIMEOUT)
		strbuf_puts(&lab, "timeout after ");
	if (h->outcome == SCN_HOP_SKIPPED)
		strbuf_puts(&lab, "skipped");
	else
		scn_put_dur(&lab, h->dur_ms);
	strbuf_printf(sb, "<text class=\"lab %s%s\" x=\"%.1f\" y=\"%.1f\">",
	    hop_class(h->outcome), pos, x, y);
	scn_put_xml_cut(sb, lab.sb_data, maxw);
	strbuf_puts(sb, "</text>\n");
	if (lab.sb_failed)
		sb->sb_failed = 1;
	strbuf_reset(&lab);
}

/* One row: the hop's arrows and labels, its start time on the left and its bar on the
 * time lane. */
static void
put_hop(struct strbuf *sb, const struct layout *l, const struct scn_hop *h, size_t row,
    size_t fi, size_t ti)
{
	double y = ROW0 + (double)row * ROWH, x1 = party_x(l, fi), x2 = party_x(l, ti), mid;
	double span, dir;
	const char *cls = hop_class(h->outcome), *pos = "";
	char c[16];
	int answered = h->outcome == SCN_HOP_OK || h->outcome == SCN_HOP_ERROR ||
	    h->outcome == SCN_HOP_REFUSED;

	if (fi == ti)		/* to itself: a short arrow out to the right and back */
		x2 = x1 + l->colw * 0.45;
	mid = (x1 + x2) / 2;
	dir = x2 >= x1 ? 1 : -1;
	span = (x2 - x1) * dir;
	if (span > 2.5 * l->colw) {	/* labels at the start: see put_hop_label */
		mid = x1 + 14 * dir;
		pos = dir > 0 ? " from-l" : " from-r";
	}
	strbuf_printf(sb, "<g class=\"hop %s\">", cls);
	put_hop_title(sb, h);
	strbuf_printf(sb, "<text class=\"t0\" x=\"%d\" y=\"%.1f\">+%ld ms</text>\n", LEFT - 6,
	    y + 4, h->start_ms);
	if (answered)
		strbuf_printf(sb, "<rect class=\"act\" x=\"%.1f\" y=\"%.1f\" width=\"8\" "
		    "height=\"16\"/>\n", x2 - 4, y);
	put_hop_label(sb, h, mid, y - 6, (size_t)(span / PXCOL), pos);
	snprintf(c, sizeof(c), "req %s", cls);
	put_arrow(sb, x1, answered ? x2 - 4 * dir : x2, y, c);
	if (h->outcome == SCN_HOP_TIMEOUT)
		strbuf_printf(sb, "<path class=\"cross\" d=\"M%.1f %.1fl10 10m0 -10l-10 10\"/>\n",
		    x2 - 5, y - 5);
	if (answered) {
		snprintf(c, sizeof(c), "ans %s", cls);
		put_arrow(sb, x2 - 4 * dir, x1, y + 16, c);
	}
	if (h->detail != NULL) {
		strbuf_printf(sb, "<text class=\"det %s%s\" x=\"%.1f\" y=\"%.1f\">", cls, pos,
		    mid, y + (answered ? 29 : 15));
		scn_put_xml_cut(sb, h->detail, (size_t)(span / (PXCOL * 0.95)));
		strbuf_puts(sb, "</text>\n");
	}
	strbuf_printf(sb, "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"12\"/></g>\n", cls, time_x(l, h->start_ms), y - 4,
	    time_x(l, h->start_ms + (h->dur_ms > 0 ? h->dur_ms : 0)) - time_x(l, h->start_ms) +
	    2);
}

int
scn_svg_step(struct strbuf *sb, const struct scn_result *r, const struct scn_step_result *st,
    size_t stepno)
{
	struct layout l;
	double w, h;
	size_t i, row;
	int ret = -1;

	if (st->nhops == 0)
		return 0;
	if (layout_make(&l, st) == -1) {
		sb->sb_failed = 1;
		goto done;
	}
	w = l.life0 + (double)l.nparty * l.colw + 10;
	h = ROW0 + (double)st->nhops * ROWH;
	strbuf_printf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"seq\" "
	    "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	    "aria-label=\"Sequence diagram of step %zu\"><title>Messages of step %zu: ", w, h, w,
	    h, stepno, stepno);
	scn_put_xml(sb, st->name, 0);
	strbuf_puts(sb, "</title>\n");
	put_axis(sb, &l, h);
	put_parties(sb, r, &l, h);
	for (row = 0; row < st->nhops; row++) {
		const struct scn_hop *hp = &st->hops[l.order[row]];
		size_t fi = 0, ti = 0;

		for (i = 0; i < l.nparty; i++) {
			if (strcmp(l.party[i], SCN_NZ(hp->from)) == 0)
				fi = i;
			if (strcmp(l.party[i], SCN_NZ(hp->to)) == 0)
				ti = i;
		}
		put_hop(sb, &l, hp, row, fi, ti);
	}
	strbuf_puts(sb, "</svg>\n");
	ret = sb->sb_failed ? -1 : 0;
done:
	free(l.party);
	free(l.order);
	return ret;
}
