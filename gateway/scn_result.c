/*
 * gateway/scn_result: building and freeing a scenario run's result (see scn_result.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/str.h"
#include "gateway/scn_result.h"

/* Returns ARR (N elements of SIZE) reallocated to N + 1 elements, or NULL (ARR is then
 * unchanged and still owned by the caller). The caller stores the new element and counts it. */
static void *
grow(void *arr, size_t n, size_t size)
{
	if (n >= ((size_t)-1) / size - 1)
		return NULL;
	return realloc(arr, (n + 1) * size);
}

/* Copies S; a NULL S stays NULL. Returns 0, or -1 when a non-NULL S could not be copied. */
static int
dup_opt(char **dst, const char *s)
{
	*dst = NULL;
	if (s == NULL)
		return 0;
	return (*dst = str_dup(s)) == NULL ? -1 : 0;
}

/* Formats FMT with AP into a malloc'd string in *DST (NULL FMT: *DST NULL). Returns 0 or
 * -1 on allocation failure. */
static int
vfmt_opt(char **dst, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	*dst = NULL;
	if (fmt == NULL)
		return 0;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if ((*dst = malloc((size_t)n + 1)) == NULL)
		return -1;
	vsnprintf(*dst, (size_t)n + 1, fmt, ap);
	return 0;
}

struct scn_result *
scn_result_new(const char *scenario, const char *file, const char *started)
{
	struct scn_result *r;
	char now[32];
	struct tm tm;
	time_t t;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->passed = 1;
	if (started == NULL) {
		t = time(NULL);
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			now[0] = '\0';
		started = now;
	}
	if (dup_opt(&r->scenario, scenario != NULL ? scenario : "") == -1 ||
	    dup_opt(&r->file, file) == -1 || dup_opt(&r->started, started) == -1) {
		scn_result_free(r);
		return NULL;
	}
	return r;
}

static void
step_free(struct scn_step_result *st)
{
	size_t i;

	for (i = 0; i < st->nchecks; i++) {
		free(st->checks[i].what);
		free(st->checks[i].expected);
		free(st->checks[i].got);
	}
	for (i = 0; i < st->nhops; i++) {
		free(st->hops[i].from);
		free(st->hops[i].to);
		free(st->hops[i].txn);
		free(st->hops[i].detail);
	}
	for (i = 0; i < st->ndecisions; i++) {
		free(st->decisions[i].region);
		free(st->decisions[i].patient);
		free(st->decisions[i].decision);
		free(st->decisions[i].reason);
	}
	for (i = 0; i < st->naudit; i++) {
		free(st->audit[i].region);
		free(st->audit[i].event);
		free(st->audit[i].purpose);
	}
	free(st->checks);
	free(st->hops);
	free(st->decisions);
	free(st->audit);
	free(st->name);
	free(st->kind);
	free(st->as);
	free(st->purpose);
}

void
scn_result_free(struct scn_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nregions; i++) {
		free(r->regions[i].name);
		free(r->regions[i].display);
		free(r->regions[i].hcid);
		free(r->regions[i].audit_detail);
		free(r->regions[i].audit_export);
	}
	for (i = 0; i < r->nsteps; i++)
		step_free(&r->steps[i]);
	for (i = 0; i < r->ntunnels; i++) {
		free(r->tunnels[i].region);
		free(r->tunnels[i].peer);
		free(r->tunnels[i].purpose);
		free(r->tunnels[i].state);
	}
	free(r->regions);
	free(r->steps);
	free(r->tunnels);
	free(r->network);
	free(r->scenario);
	free(r->file);
	free(r->started);
	free(r);
}

struct scn_region_result *
scn_result_add_region(struct scn_result *r, const char *name, const char *display,
    const char *hcid)
{
	struct scn_region_result tmp = { .audit_verified = -1 }, *reg;

	if (dup_opt(&tmp.name, name != NULL ? name : "") == -1 ||
	    dup_opt(&tmp.display, display) == -1 || dup_opt(&tmp.hcid, hcid) == -1 ||
	    (reg = grow(r->regions, r->nregions, sizeof(*reg))) == NULL) {
		free(tmp.name);
		free(tmp.display);
		free(tmp.hcid);
		return NULL;
	}
	r->regions = reg;
	reg = &r->regions[r->nregions++];
	*reg = tmp;
	return reg;
}

int
scn_region_set_audit(struct scn_region_result *reg, int verified, const char *export_file,
    const char *fmt, ...)
{
	char *detail = NULL, *exp = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfmt_opt(&detail, fmt, ap);
	va_end(ap);
	if (rc == -1 || dup_opt(&exp, export_file) == -1) {
		free(detail);
		return -1;
	}
	free(reg->audit_detail);
	free(reg->audit_export);
	reg->audit_verified = verified ? 1 : 0;
	reg->audit_detail = detail;
	reg->audit_export = exp;
	return 0;
}

struct scn_region_result *
scn_result_region(const struct scn_result *r, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < r->nregions; i++)
		if (r->regions[i].name != NULL && strcmp(r->regions[i].name, name) == 0)
			return &r->regions[i];
	return NULL;
}

struct scn_step_result *
scn_result_add_step(struct scn_result *r, const char *name, const char *kind, const char *as,
    const char *purpose, long start_ms)
{
	struct scn_step_result tmp = { .passed = 1, .start_ms = start_ms }, *st;

	if (dup_opt(&tmp.name, name != NULL ? name : "") == -1 ||
	    dup_opt(&tmp.kind, kind) == -1 || dup_opt(&tmp.as, as) == -1 ||
	    dup_opt(&tmp.purpose, purpose) == -1 ||
	    (st = grow(r->steps, r->nsteps, sizeof(*st))) == NULL) {
		step_free(&tmp);
		return NULL;
	}
	r->steps = st;
	st = &r->steps[r->nsteps++];
	*st = tmp;
	return st;
}

int
scn_step_add_check(struct scn_step_result *st, int ok, const char *what, const char *expected,
    const char *fmt, ...)
{
	struct scn_check tmp = { .ok = ok ? 1 : 0 }, *c;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfmt_opt(&tmp.got, fmt, ap);
	va_end(ap);
	if (rc == -1 || dup_opt(&tmp.what, what != NULL ? what : "") == -1 ||
	    dup_opt(&tmp.expected, expected) == -1 ||
	    (c = grow(st->checks, st->nchecks, sizeof(*c))) == NULL) {
		free(tmp.got);
		free(tmp.what);
		free(tmp.expected);
		return -1;
	}
	st->checks = c;
	c = &st->checks[st->nchecks++];
	*c = tmp;
	if (!ok)
		st->passed = 0;
	return 0;
}

int
scn_step_add_hop(struct scn_step_result *st, const char *from, const char *to, const char *txn,
    long start_ms, long dur_ms, enum scn_hop_outcome outcome, const char *fmt, ...)
{
	struct scn_hop tmp = { .start_ms = start_ms, .dur_ms = dur_ms, .outcome = outcome }, *h;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfmt_opt(&tmp.detail, fmt, ap);
	va_end(ap);
	if (rc == -1 || dup_opt(&tmp.from, from != NULL ? from : "") == -1 ||
	    dup_opt(&tmp.to, to != NULL ? to : "") == -1 ||
	    dup_opt(&tmp.txn, txn != NULL ? txn : "") == -1 ||
	    (h = grow(st->hops, st->nhops, sizeof(*h))) == NULL) {
		free(tmp.detail);
		free(tmp.from);
		free(tmp.to);
		free(tmp.txn);
		return -1;
	}
	st->hops = h;
	h = &st->hops[st->nhops++];
	*h = tmp;
	return 0;
}

int
scn_step_add_decision(struct scn_step_result *st, const char *region, const char *patient,
    const char *decision, const char *fmt, ...)
{
	struct scn_decision tmp = { 0 }, *d;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfmt_opt(&tmp.reason, fmt, ap);
	va_end(ap);
	if (rc == -1 || dup_opt(&tmp.region, region != NULL ? region : "") == -1 ||
	    dup_opt(&tmp.patient, patient) == -1 ||
	    dup_opt(&tmp.decision, decision != NULL ? decision : "") == -1 ||
	    (d = grow(st->decisions, st->ndecisions, sizeof(*d))) == NULL) {
		free(tmp.reason);
		free(tmp.region);
		free(tmp.patient);
		free(tmp.decision);
		return -1;
	}
	st->decisions = d;
	d = &st->decisions[st->ndecisions++];
	*d = tmp;
	return 0;
}

int
scn_step_add_audit(struct scn_step_result *st, const char *region, unsigned long long seq,
    const char *event, int outcome, const char *purpose)
{
	struct scn_audit_ref tmp = { .seq = seq, .outcome = outcome }, *a;

	if (dup_opt(&tmp.region, region != NULL ? region : "") == -1 ||
	    dup_opt(&tmp.event, event) == -1 || dup_opt(&tmp.purpose, purpose) == -1 ||
	    (a = grow(st->audit, st->naudit, sizeof(*a))) == NULL) {
		free(tmp.region);
		free(tmp.event);
		free(tmp.purpose);
		return -1;
	}
	st->audit = a;
	a = &st->audit[st->naudit++];
	*a = tmp;
	return 0;
}

int
scn_result_set_network(struct scn_result *r, const char *network)
{
	char *n;

	if (dup_opt(&n, network) == -1)
		return -1;
	free(r->network);
	r->network = n;
	return 0;
}

int
scn_result_add_tunnel(struct scn_result *r, const char *region, const char *peer,
    const char *purpose, const char *state, unsigned long long bytes_in,
    unsigned long long bytes_out)
{
	struct scn_tunnel tmp = { .bytes_in = bytes_in, .bytes_out = bytes_out }, *t;

	if (dup_opt(&tmp.region, region != NULL ? region : "") == -1 ||
	    dup_opt(&tmp.peer, peer != NULL ? peer : "") == -1 ||
	    dup_opt(&tmp.purpose, purpose) == -1 ||
	    dup_opt(&tmp.state, state != NULL ? state : "unknown") == -1 ||
	    (t = grow(r->tunnels, r->ntunnels, sizeof(*t))) == NULL) {
		free(tmp.region);
		free(tmp.peer);
		free(tmp.purpose);
		free(tmp.state);
		return -1;
	}
	r->tunnels = t;
	r->tunnels[r->ntunnels++] = tmp;
	return 0;
}

void
scn_step_end(struct scn_step_result *st, long dur_ms)
{
	st->dur_ms = dur_ms;
}

void
scn_result_end(struct scn_result *r, long total_ms)
{
	size_t i;

	r->total_ms = total_ms;
	r->passed = 1;
	for (i = 0; i < r->nsteps; i++)
		if (!r->steps[i].passed)
			r->passed = 0;
	for (i = 0; i < r->nregions; i++)
		if (r->regions[i].audit_verified == 0)
			r->passed = 0;
}

const char *
scn_hop_outcome_name(enum scn_hop_outcome o)
{
	switch (o) {
	case SCN_HOP_OK: return "ok";
	case SCN_HOP_ERROR: return "error";
	case SCN_HOP_TIMEOUT: return "timeout";
	case SCN_HOP_REFUSED: return "refused";
	case SCN_HOP_SKIPPED: return "skipped";
	}
	return "?";
}
