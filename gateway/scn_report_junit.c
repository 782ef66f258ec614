/*
 * gateway/scn_report_junit: a scenario run as JUnit XML, in the shape that Jenkins (xunit
 * junit-10.xsd), GitLab and the Ant formatter share: testsuites / testsuite (properties,
 * testcase*, system-out, system-err) / testcase (failure*, system-out). One testsuite for the
 * scenario, one testcase per step, and one per region whose audit log was verified, so that
 * a run failed only by its audit verification is red in CI too.
 */
#include <stdio.h>
#include <string.h>

#include "common/str.h"
#include "gateway/scn_report.h"
#include "gateway/scn_report_int.h"

/* Appends " NAME=\"seconds\"" for MS milliseconds (JUnit times are decimal seconds). */
static void
put_secs(struct strbuf *sb, const char *name, long ms)
{
	if (ms < 0)
		ms = 0;
	strbuf_printf(sb, " %s=\"%ld.%03ld\"", name, ms / 1000, ms % 1000);
}

/* Appends " NAME=\"VALUE\"" with VALUE escaped. */
static void
put_attr(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_printf(sb, " %s=\"", name);
	scn_put_xml(sb, value != NULL ? value : "", 1);
	strbuf_puts(sb, "\"");
}

static int
step_failed_checks(const struct scn_step_result *st)
{
	int n = 0;
	size_t i;

	for (i = 0; i < st->nchecks; i++)
		if (!st->checks[i].ok)
			n++;
	return n;
}

/* Appends the <failure> of a failed step: the message names the failed checks, the body
 * gives each one's expected and actual value. */
static void
put_failure(struct strbuf *sb, const struct scn_step_result *st)
{
	struct strbuf msg = { 0 };
	int nfail = step_failed_checks(st);
	size_t i;

	if (nfail == 0)
		strbuf_puts(&msg, "step failed");
	else
		strbuf_printf(&msg, "%d of %zu checks failed:", nfail, st->nchecks);
	for (i = 0; i < st->nchecks; i++)
		if (!st->checks[i].ok)
			strbuf_printf(&msg, " %s;", SCN_NZ(st->checks[i].what));
	if (msg.sb_len > 0 && msg.sb_data[msg.sb_len - 1] == ';')
		msg.sb_data[--msg.sb_len] = '\0';
	if (msg.sb_failed)
		sb->sb_failed = 1;
	strbuf_puts(sb, "      <failure type=\"expectation\"");
	put_attr(sb, "message", msg.sb_data);
	strbuf_puts(sb, ">");
	strbuf_reset(&msg);
	for (i = 0; i < st->nchecks; i++) {
		if (st->checks[i].ok)
			continue;
		scn_put_xml(sb, st->checks[i].what, 0);
		strbuf_puts(sb, "\n  expected: ");
		scn_put_xml(sb, st->checks[i].expected != NULL ? st->checks[i].expected : "-", 0);
		strbuf_puts(sb, "\n  got:      ");
		scn_put_xml(sb, st->checks[i].got != NULL ? st->checks[i].got : "-", 0);
		strbuf_puts(sb, "\n");
	}
	strbuf_puts(sb, "</failure>\n");
}

/* Appends the <system-out> of a step: who asked, its messages, decisions and audit records,
 * as lines a CI log viewer shows as they are. */
static void
put_step_out(struct strbuf *sb, const struct scn_step_result *st)
{
	size_t i;

	strbuf_puts(sb, "      <system-out>");
	strbuf_puts(sb, "kind: ");
	scn_put_xml(sb, st->kind != NULL ? st->kind : "-", 0);
	if (st->as != NULL) {
		strbuf_puts(sb, "\nas: ");
		scn_put_xml(sb, st->as, 0);
	}
	if (st->purpose != NULL) {
		strbuf_puts(sb, "\npurpose: ");
		scn_put_xml(sb, st->purpose, 0);
	}
	for (i = 0; i < st->nchecks; i++) {
		strbuf_puts(sb, st->checks[i].ok ? "\ncheck ok: " : "\ncheck FAILED: ");
		scn_put_xml(sb, st->checks[i].what, 0);
	}
	for (i = 0; i < st->nhops; i++) {
		const struct scn_hop *h = &st->hops[i];

		strbuf_printf(sb, "\nhop +%ld ms ", h->start_ms);
		scn_put_xml(sb, h->from, 0);
		strbuf_puts(sb, " -&gt; ");
		scn_put_xml(sb, h->to, 0);
		strbuf_puts(sb, " ");
		scn_put_xml(sb, h->txn, 0);
		strbuf_printf(sb, " %ld ms %s", h->dur_ms, scn_hop_outcome_name(h->outcome));
		if (h->detail != NULL) {
			strbuf_puts(sb, ": ");
			scn_put_xml(sb, h->detail, 0);
		}
	}
	for (i = 0; i < st->ndecisions; i++) {
		const struct scn_decision *d = &st->decisions[i];

		strbuf_puts(sb, "\ndecision ");
		scn_put_xml(sb, d->region, 0);
		strbuf_puts(sb, " patient ");
		scn_put_xml(sb, d->patient != NULL ? d->patient : "-", 0);
		strbuf_puts(sb, ": ");
		scn_put_xml(sb, d->decision, 0);
		if (d->reason != NULL) {
			strbuf_puts(sb, " (");
			scn_put_xml(sb, d->reason, 0);
			strbuf_puts(sb, ")");
		}
	}
	for (i = 0; i < st->naudit; i++) {
		strbuf_puts(sb, "\naudit ");
		scn_put_xml(sb, st->audit[i].region, 0);
		strbuf_printf(sb, " #%llu ", st->audit[i].seq);
		scn_put_xml(sb, st->audit[i].event != NULL ? st->audit[i].event : "-", 0);
		strbuf_printf(sb, " outcome %d", st->audit[i].outcome);
	}
	strbuf_puts(sb, "\n</system-out>\n");
}

static void
put_step(struct strbuf *sb, const struct scn_result *r, const struct scn_step_result *st)
{
	strbuf_puts(sb, "    <testcase");
	put_attr(sb, "name", st->name);
	put_attr(sb, "classname", r->scenario);
	put_secs(sb, "time", st->dur_ms);
	strbuf_puts(sb, ">\n");
	if (!st->passed || step_failed_checks(st) > 0)
		put_failure(sb, st);
	put_step_out(sb, st);
	strbuf_puts(sb, "    </testcase>\n");
}

/* Appends the testcase of a region's audit verification (only for a region verified). */
static void
put_region(struct strbuf *sb, const struct scn_result *r, const struct scn_region_result *reg)
{
	struct strbuf name = { 0 };

	strbuf_puts(&name, "audit log verified: ");
	strbuf_puts(&name, SCN_NZ(reg->name));
	strbuf_puts(sb, "    <testcase");
	put_attr(sb, "name", name.sb_data);
	if (name.sb_failed)
		sb->sb_failed = 1;
	strbuf_reset(&name);
	put_attr(sb, "classname", r->scenario);
	strbuf_puts(sb, " time=\"0.000\">\n");
	if (!reg->audit_verified) {
		strbuf_puts(sb, "      <failure type=\"audit\"");
		put_attr(sb, "message", reg->audit_detail != NULL ? reg->audit_detail :
		    "audit log verification failed");
		strbuf_puts(sb, "/>\n");
	}
	if (reg->audit_detail != NULL) {
		strbuf_puts(sb, "      <system-out>");
		scn_put_xml(sb, reg->audit_detail, 0);
		strbuf_puts(sb, "</system-out>\n");
	}
	strbuf_puts(sb, "    </testcase>\n");
}

/* Appends the timestamp attribute: Ant's pattern has no zone, so the 'Z' of STARTED (UTC)
 * is left out here; the full value is in the "started" property. */
static void
put_timestamp(struct strbuf *sb, const char *started)
{
	char ts[20];

	if (started == NULL || strlen(started) < 19)
		return;
	memcpy(ts, started, 19);
	ts[19] = '\0';
	put_attr(sb, "timestamp", ts);
}

/* Appends a line per tunnel to the suite's system-out: information, never a testcase (a
 * fault scenario may leave a tunnel down on purpose). */
static void
put_tunnels_out(struct strbuf *sb, const struct scn_result *r)
{
	const struct scn_tunnel *t;
	size_t i;

	for (i = 0; i < r->ntunnels; i++) {
		t = &r->tunnels[i];
		strbuf_puts(sb, "tunnel ");
		scn_put_xml(sb, t->region, 0);
		strbuf_puts(sb, " -&gt; ");
		scn_put_xml(sb, t->peer, 0);
		strbuf_puts(sb, " purpose ");
		scn_put_xml(sb, t->purpose != NULL ? t->purpose : "-", 0);
		strbuf_puts(sb, ": ");
		scn_put_xml(sb, t->state != NULL ? t->state : "unknown", 0);
		strbuf_printf(sb, ", %llu bytes in, %llu bytes out\n", t->bytes_in, t->bytes_out);
	}
}

int
scn_report_junit(const struct scn_result *r, struct strbuf *sb)
{
	size_t i, tests = r->nsteps, failures = 0;

	for (i = 0; i < r->nsteps; i++)
		if (!r->steps[i].passed || step_failed_checks(&r->steps[i]) > 0)
			failures++;
	for (i = 0; i < r->nregions; i++) {
		if (r->regions[i].audit_verified != -1)
			tests++;
		if (r->regions[i].audit_verified == 0)
			failures++;
	}
	strbuf_puts(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	put_attr(sb, "name", r->scenario);
	strbuf_printf(sb, " tests=\"%zu\" failures=\"%zu\" errors=\"0\"", tests, failures);
	put_secs(sb, "time", r->total_ms);
	strbuf_puts(sb, ">\n  <testsuite");
	put_attr(sb, "name", r->scenario);
	strbuf_printf(sb, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\"", tests,
	    failures);
	put_secs(sb, "time", r->total_ms);
	put_timestamp(sb, r->started);
	strbuf_puts(sb, " hostname=\"localhost\" id=\"0\" package=\"hashi.scenario\">\n");
	strbuf_puts(sb, "    <properties>\n      <property name=\"file\"");
	put_attr(sb, "value", r->file);
	strbuf_puts(sb, "/>\n      <property name=\"started\"");
	put_attr(sb, "value", r->started);
	strbuf_puts(sb, "/>\n      <property name=\"network\"");
	put_attr(sb, "value", r->network != NULL ? r->network : "loopback");
	strbuf_puts(sb, "/>\n    </properties>\n");
	for (i = 0; i < r->nsteps; i++)
		put_step(sb, r, &r->steps[i]);
	for (i = 0; i < r->nregions; i++)
		if (r->regions[i].audit_verified != -1)
			put_region(sb, r, &r->regions[i]);
	strbuf_puts(sb, "    <system-out>");
	for (i = 0; i < r->nregions; i++) {
		const struct scn_region_result *reg = &r->regions[i];

		strbuf_puts(sb, "region ");
		scn_put_xml(sb, reg->name, 0);
		strbuf_puts(sb, " (");
		scn_put_xml(sb, reg->display != NULL ? reg->display : "-", 0);
		strbuf_puts(sb, ") hcid ");
		scn_put_xml(sb, reg->hcid != NULL ? reg->hcid : "-", 0);
		strbuf_puts(sb, reg->audit_verified == 1 ? ": audit verified\n" :
		    reg->audit_verified == 0 ? ": audit verification FAILED\n" :
		    ": audit not checked\n");
	}
	put_tunnels_out(sb, r);
	strbuf_puts(sb, "</system-out>\n    <system-err/>\n  </testsuite>\n</testsuites>\n");
	return sb->sb_failed ? -1 : 0;
}
