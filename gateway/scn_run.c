/*
 * gateway/scn_run: see scn_run.h. The order of a run: federation and PKIs; each region's
 * patients imported and the consents no step adds registered (hashictl, gateways still
 * stopped); every gateway started; each region's documents submitted by its local EHR
 * (ITI-41); the steps; every gateway stopped and its audit log verified; the reports.
 */
#include "gateway/scn_run_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/str.h"
#include "gateway/actions.h"
#include "gateway/gw.h"
#include "gateway/scn_audit.h"
#include "gateway/scn_data.h"
#include "gateway/scn_fed.h"
#include "gateway/scn_http.h"
#include "gateway/scn_proc.h"
#include "gateway/scn_report.h"
#include "gateway/scn_result.h"
#include "gateway/soap.h"

#define SCN_CTL_TIMEOUT_MS	60000	/* a hashictl command of the set-up or a step */
#define SCN_LOAD_TIMEOUT_MS	30000	/* one ITI-41 */

long
scn_run_region(const struct scn_runner *r, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < r->sr_sc->nregions; i++)
		if (strcmp(r->sr_sc->regions[i].name, name) == 0)
			return (long)i;
	return -1;
}

int
scn_run_ctl(const struct scn_runner *r, const char *config, const char *log,
    char *const args[], char *err, size_t errsz)
{
	char *argv[16], f[] = "-f";
	struct scn_proc *p;
	size_t n = 0, k;
	int st;

	argv[n++] = (char *)(uintptr_t)r->sr_o->so_hashictl;
	argv[n++] = f;
	argv[n++] = (char *)(uintptr_t)config;
	for (k = 0; args[k] != NULL && n < sizeof(argv) / sizeof(argv[0]) - 1; k++)
		argv[n++] = args[k];
	argv[n] = NULL;
	if ((p = scn_proc_start("hashictl", argv, log, err, errsz)) == NULL)
		return -1;
	st = scn_proc_wait(p, SCN_CTL_TIMEOUT_MS);
	scn_proc_free(p);
	if (st == 0)
		return 0;
	snprintf(err, errsz, "hashictl %s %s failed (status %d, see %s)", args[0],
	    args[1] != NULL ? args[1] : "", st, log);
	return -1;
}

/* Writes region I's patients to <dir>/<name>/patients.csv and imports them. */
static int
scn_run_patients(struct scn_runner *r, size_t i, char *err, size_t errsz)
{
	const struct scn_region *sr = &r->sr_sc->regions[i];
	struct strbuf csv = { 0 };
	char path[1024], log[1024], imp[] = "import", mpi[] = "mpi";
	char *args[] = { mpi, imp, path, NULL };
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/%s/patients.csv", scn_fed_dir(r->sr_fed), sr->name);
	snprintf(log, sizeof(log), "%s/%s/hashictl.log", scn_fed_dir(r->sr_fed), sr->name);
	if (scn_data_patients_csv(r->sr_sc, sr, &csv, err, errsz) == -1)
		goto done;
	if ((f = fopen(path, "w")) == NULL || fwrite(csv.sb_data, 1, csv.sb_len, f) != csv.sb_len ||
	    fclose(f) != 0) {
		snprintf(err, errsz, "cannot write %s", path);
		goto done;
	}
	ret = scn_run_ctl(r, scn_fed_config(r->sr_fed, i), log, args, err, errsz);
done:
	strbuf_reset(&csv);
	return ret;
}

/* Remembers document D of region SR as loaded. */
static int
scn_run_loaded(struct scn_runner *r, const struct scn_region *sr, const struct scn_doc *d)
{
	struct scn_loaded *l;
	char ref[256];

	if ((l = reallocarray(r->sr_docs, r->sr_ndocs + 1, sizeof(*l))) == NULL)
		return -1;
	r->sr_docs = l;
	l = &r->sr_docs[r->sr_ndocs];
	memset(l, 0, sizeof(*l));
	snprintf(ref, sizeof(ref), "%s/%s", sr->name, d->handle);
	if ((l->ld_ref = str_dup(ref)) == NULL || (l->ld_uid = str_dup(d->unique_id)) == NULL ||
	    (l->ld_title = str_dup(d->title != NULL ? d->title : "")) == NULL ||
	    EVP_Digest(d->data, d->len, l->ld_sha256, NULL, EVP_sha256(), NULL) != 1) {
		free(l->ld_ref);
		free(l->ld_uid);
		free(l->ld_title);
		return -1;
	}
	l->ld_hcid = sr->hcid;
	l->ld_repo = sr->repository;
	r->sr_ndocs++;
	return 0;
}

/* Submits document D to region I as its local EHR would (ITI-41, inline). */
static int
scn_run_submit(struct scn_runner *r, size_t i, const struct scn_doc *d, char *err,
    size_t errsz)
{
	const struct scn_region *sr = &r->sr_sc->regions[i];
	struct strbuf body = { 0 }, env = { 0 }, ct = { 0 };
	struct scn_http_reply rep;
	char url[256];
	int ret = -1;

	if (scn_fed_url(r->sr_fed, i, "clinical", "/xds", url, sizeof(url)) == NULL &&
	    scn_fed_url(r->sr_fed, i, sr->purposes[0], "/xds", url, sizeof(url)) == NULL) {
		snprintf(err, errsz, "%s: no listener", sr->name);
		return -1;
	}
	if (scn_data_pnr(sr, d, &body) == -1 || body.sb_failed ||
	    soap_build_request(&env, ACTION_ITI41, url, body.sb_data) == -1 ||
	    soap_content_type(&ct, ACTION_ITI41) == -1 || ct.sb_failed) {
		snprintf(err, errsz, "%s: cannot build the ITI-41 of %s", sr->name, d->handle);
		goto done;
	}
	if (scn_fed_post(r->sr_fed, i, url, ct.sb_data, (const uint8_t *)env.sb_data, env.sb_len,
	    SCN_LOAD_TIMEOUT_MS, &rep) == -1)
		snprintf(err, errsz, "%s: ITI-41 of %s: %s", sr->name, d->handle, rep.sr_err);
	else if (rep.sr_status != 200 || rep.sr_body == NULL ||
	    strstr((const char *)rep.sr_body, "ResponseStatusType:Success") == NULL)
		snprintf(err, errsz, "%s: ITI-41 of %s refused (HTTP %d): %.200s", sr->name,
		    d->handle, rep.sr_status, rep.sr_body != NULL ? (char *)rep.sr_body : "");
	else
		ret = scn_run_loaded(r, sr, d);
	scn_http_reply_reset(&rep);
done:
	strbuf_reset(&body);
	strbuf_reset(&env);
	strbuf_reset(&ct);
	return ret;
}

/* Submits every document of region I. */
static int
scn_run_documents(struct scn_runner *r, size_t i, char *err, size_t errsz)
{
	struct scn_doc_iter *it;
	struct scn_doc *d = NULL;
	int rc, ret = -1;

	if ((it = scn_data_docs_new(r->sr_sc, &r->sr_sc->regions[i])) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	while ((rc = scn_data_docs_next(it, &d, err, errsz)) == 1) {
		rc = scn_run_submit(r, i, d, err, errsz);
		scn_data_doc_free(d);
		if (rc == -1)
			goto done;
	}
	ret = rc;
done:
	scn_data_docs_free(it);
	return ret;
}

/* Patients and the consents no step adds, while the gateways are stopped. */
static int
scn_run_offline(struct scn_runner *r, char *err, size_t errsz)
{
	const struct scenario *s = r->sr_sc;
	size_t i;

	for (i = 0; i < s->nregions; i++)
		if (scn_run_patients(r, i, err, errsz) == -1)
			return -1;
	for (i = 0; i < s->nconsents; i++)
		if (s->consents[i].at_start &&
		    scn_run_consent(r, &s->consents[i], 0, err, errsz) == -1)
			return -1;
	return 0;
}

/* Every region's documents, once the gateways run. */
static int
scn_run_online(struct scn_runner *r, char *err, size_t errsz)
{
	size_t i;

	for (i = 0; i < r->sr_sc->nregions; i++)
		if (scn_run_documents(r, i, err, errsz) == -1)
			return -1;
	return 0;
}

/* Set-up before the steps: patients and consents, every gateway started, documents. */
static int
scn_run_setup(struct scn_runner *r, char *err, size_t errsz)
{
	FILE *f = r->sr_o->so_progress;
	int64_t t;

	if (scn_run_offline(r, err, errsz) == -1)
		return -1;
	t = gw_now_ms();
	if (r->sr_o->so_netns) {
		if (scn_fed_net_up(r->sr_fed, err, errsz) == -1)
			return -1;
		if (f != NULL)
			fprintf(f, "  network: a namespace for each of %zu regions on a bridge, %zu "
			    "CHILD_SAs up (%lld ms)\n", r->sr_sc->nregions, scn_fed_child_sas(r->sr_fed),
			    (long long)(gw_now_ms() - t));
		t = gw_now_ms();
	}
	if (scn_fed_start_all(r->sr_fed, err, errsz) == -1)
		return -1;
	if (f != NULL)
		fprintf(f, "  gateways: %zu started (%lld ms)\n", r->sr_sc->nregions,
		    (long long)(gw_now_ms() - t));
	return scn_run_online(r, err, errsz);
}

/* Frees what R remembers of loaded documents. */
static void
scn_run_docs_free(struct scn_runner *r)
{
	size_t i;

	for (i = 0; i < r->sr_ndocs; i++) {
		free(r->sr_docs[i].ld_ref);
		free(r->sr_docs[i].ld_uid);
		free(r->sr_docs[i].ld_title);
	}
	free(r->sr_docs);
	r->sr_docs = NULL;
	r->sr_ndocs = 0;
}

int
scn_run_load_patients(const struct scenario *s, const struct scn_run_opts *o,
    struct scn_fed *fed, char *err, size_t errsz)
{
	struct scn_runner r;

	memset(&r, 0, sizeof(r));
	r.sr_sc = s;
	r.sr_o = o;
	r.sr_fed = fed;
	return scn_run_offline(&r, err, errsz);
}

int
scn_run_load_documents(const struct scenario *s, const struct scn_run_opts *o,
    struct scn_fed *fed, char *err, size_t errsz)
{
	struct scn_runner r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.sr_sc = s;
	r.sr_o = o;
	r.sr_fed = fed;
	ret = scn_run_online(&r, err, errsz);
	scn_run_docs_free(&r);
	return ret;
}

#define SCN_RUN_TUNNEL_LINES	24	/* tunnel views listed one by one, at most */

/* Records a tunnel of region ARG's (a struct scn_run_tunnel) in the result. */
struct scn_run_tunnel {
	struct scn_runner	*rt_r;
	const char		*rt_region;
};

static void
scn_run_tunnel(void *arg, const struct scn_fed_tunnel *t)
{
	struct scn_run_tunnel *rt = arg;

	(void)scn_result_add_tunnel(rt->rt_r->sr_res, rt->rt_region, t->ft_peer, t->ft_purpose,
	    t->ft_state, t->ft_bytes_in, t->ft_bytes_out);
}

/* With --netns, each region's view of its tunnels at the end of the steps (from its
 * /status): whether each is up, and what went through it. On the progress stream, a line
 * per tunnel view for a small federation; for a large one (47 regions: 2162 views) a
 * summary and the views not up. */
static void
scn_run_tunnels(struct scn_runner *r)
{
	struct scn_run_tunnel rt = { .rt_r = r };
	const struct scn_tunnel *t;
	FILE *f = r->sr_o->so_progress;
	size_t i, up = 0, used = 0;
	int each;

	if (!r->sr_o->so_netns)
		return;
	for (i = 0; i < r->sr_sc->nregions; i++) {
		rt.rt_region = r->sr_sc->regions[i].name;
		if (scn_fed_tunnels(r->sr_fed, i, scn_run_tunnel, &rt) == -1 && f != NULL)
			fprintf(f, "  tunnels of %s: %s\n", rt.rt_region,
			    scn_fed_running(r->sr_fed, i) ? "its /status cannot be read" :
			    "its gateway is not running");
	}
	if (f == NULL)
		return;
	each = r->sr_res->ntunnels <= SCN_RUN_TUNNEL_LINES;
	for (i = 0; i < r->sr_res->ntunnels; i++) {
		t = &r->sr_res->tunnels[i];
		up += strcmp(t->state, "up") == 0;
		used += t->bytes_in + t->bytes_out > 0;
		if (each || strcmp(t->state, "up") != 0)
			fprintf(f, "  tunnel %s -> %s (%s): %s, %llu bytes in, %llu out\n",
			    t->region, t->peer, t->purpose != NULL ? t->purpose : "-", t->state,
			    t->bytes_in, t->bytes_out);
	}
	if (!each)
		fprintf(f, "  tunnels: %zu views (each region's of each CHILD_SA), %zu up, %zu "
		    "carried traffic\n", r->sr_res->ntunnels, up, used);
}

/* The end: every gateway stopped, then each audit log verified offline. */
static void
scn_run_verify(struct scn_runner *r)
{
	const struct scenario *s = r->sr_sc;
	struct scn_region_result *rr;
	char state[1024], detail[256];
	size_t i;
	int v;

	scn_run_tunnels(r);
	(void)scn_fed_stop_all(r->sr_fed);
	for (i = 0; i < s->nregions; i++) {
		if ((rr = scn_result_region(r->sr_res, s->regions[i].name)) == NULL ||
		    scn_fed_state(r->sr_fed, i, state, sizeof(state)) == NULL)
			continue;
		v = scn_audit_verify(state, detail, sizeof(detail));
		(void)scn_region_set_audit(rr, v == 1 ? 1 : 0, NULL, "%s", detail);
		if (r->sr_o->so_progress != NULL)
			fprintf(r->sr_o->so_progress, "  audit log of %s: %s%s%s\n",
			    s->regions[i].name, v == 1 ? "verified" : "NOT VERIFIED",
			    detail[0] != '\0' ? ": " : "", detail);
	}
}

/* Prints the outcome of step I (its failed checks) on the progress stream. */
static void
scn_run_progress(struct scn_runner *r, size_t i, const struct scn_step_result *st)
{
	FILE *f = r->sr_o->so_progress;
	size_t k;

	if (f == NULL)
		return;
	fprintf(f, "[%zu/%zu] %s: %s (%ld ms)\n", i + 1, r->sr_sc->nsteps, st->name,
	    st->passed ? "ok" : "FAILED", st->dur_ms);
	if (r->sr_notes.sb_len > 0 && !r->sr_notes.sb_failed)
		fputs(r->sr_notes.sb_data, f);
	for (k = 0; !st->passed && k < st->nchecks; k++)
		if (!st->checks[k].ok)
			fprintf(f, "      %s:%d: %s: expected %s, got %s\n", r->sr_sc->file,
			    r->sr_sc->steps[i].line, st->checks[k].what,
			    st->checks[k].expected != NULL ? st->checks[k].expected : "-",
			    st->checks[k].got != NULL ? st->checks[k].got : "-");
	fflush(f);
}

/* The steps, in order. Returns 0, or -1 when the run cannot go on. */
static int
scn_run_steps(struct scn_runner *r, char *err, size_t errsz)
{
	const struct scn_step *sp;
	struct scn_step_result *st;
	int64_t t;
	size_t i;

	for (i = 0; i < r->sr_sc->nsteps; i++) {
		sp = &r->sr_sc->steps[i];
		t = gw_now_ms();
		if ((st = scn_result_add_step(r->sr_res, sp->name, scenario_kind_name(sp->kind),
		    sp->as, sp->purpose, (long)(t - r->sr_t0_ms))) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		strbuf_reset(&r->sr_notes);
		if (scn_run_step(r, i, st, err, errsz) == -1)
			return -1;
		scn_step_end(st, (long)(gw_now_ms() - t));
		scn_run_progress(r, i, st);
	}
	return 0;
}

int
scn_run(const struct scenario *s, const struct scn_run_opts *o, struct scn_result **result,
    char *err, size_t errsz)
{
	struct scn_runner r;
	char rerr[256];
	size_t i;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	r.sr_sc = s;
	r.sr_o = o;
	r.sr_t0_ms = gw_now_ms();
	if (result != NULL)
		*result = NULL;
	if ((r.sr_res = scn_result_new(s->name, s->file, NULL)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (i = 0; i < s->nregions; i++)
		(void)scn_result_add_region(r.sr_res, s->regions[i].name, s->regions[i].display,
		    s->regions[i].hcid);
	(void)scn_result_set_network(r.sr_res, o->so_netns ? "netns" : "loopback");
	if ((r.sr_fed = scn_fed_new(s, o->so_dir, o->so_hashid, o->so_netns, err, errsz)) == NULL)
		goto done;
	if (o->so_progress != NULL)
		fprintf(o->so_progress, "scenario %s: %zu region(s), %zu step(s), in %s%s\n",
		    s->name, s->nregions, s->nsteps, o->so_dir, o->so_netns ?
		    " (network namespaces, strongSwan tunnels)" : "");
	if (scn_run_setup(&r, err, errsz) == -1 || scn_run_steps(&r, err, errsz) == -1)
		goto done;
	scn_run_verify(&r);
	scn_result_end(r.sr_res, (long)(gw_now_ms() - r.sr_t0_ms));
	if (o->so_report != NULL && scn_report_write(r.sr_res, o->so_report, rerr,
	    sizeof(rerr)) == -1) {
		snprintf(err, errsz, "%s", rerr);
		goto done;
	}
	ret = r.sr_res->passed ? 0 : 1;
done:
	scn_fed_free(r.sr_fed);		/* stops whatever still runs */
	scn_run_last_free(&r);
	scn_run_docs_free(&r);
	strbuf_reset(&r.sr_notes);
	if (result != NULL && ret != -1)
		*result = r.sr_res;
	else
		scn_result_free(r.sr_res);
	return ret;
}
