/*
 * gateway/scn_run_step: one step of a scenario run. Queries, discoveries and retrieves go
 * to the asking region's /ig as its local EHR; the answer, and the initiating gateway's
 * Server-Timing header (whom it asked, how long, with what outcome), become the step's
 * hops and are checked against the step's expectations. Region faults act on the
 * region's process; consents are signed and registered (scn_run_consent.c).
 */
#include "gateway/scn_run_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "audit/atna.h"
#include "common/str.h"
#include "gateway/scn_audit.h"
#include "gateway/scn_fed.h"
#include "gateway/scn_http.h"
#include "gateway/scn_result.h"

#define SCN_TIMING_MAX	256	/* Server-Timing entries read per answer */
#define SCN_AUDIT_REFS	32	/* records of one region linked from one step */

/* The hop outcome an initiating gateway's Server-Timing description stands for. */
static enum scn_hop_outcome
scn_step_outcome(const char *desc)
{
	if (strcmp(desc, "ok") == 0 || strcmp(desc, "linked") == 0 ||
	    strcmp(desc, "no match") == 0 || strcmp(desc, "PartialSuccess") == 0 ||
	    strcmp(desc, "candidates for review") == 0)
		return SCN_HOP_OK;
	if (strcmp(desc, "Failure") == 0)
		return SCN_HOP_REFUSED;
	if (strstr(desc, "deadline") != NULL || strstr(desc, "timeout") != NULL)
		return SCN_HOP_TIMEOUT;
	if (strncmp(desc, "not sent", 8) == 0)
		return SCN_HOP_SKIPPED;
	return SCN_HOP_ERROR;
}

/* "iti38" -> "ITI-38" into BUF. */
static const char *
scn_step_txn(const char *t, char *buf, size_t bufsz)
{
	if (strncmp(t, "iti", 3) == 0)
		snprintf(buf, bufsz, "ITI-%s", t + 3);
	else
		snprintf(buf, bufsz, "%s", t);
	return buf;
}

/* The hops of one request: the EHR to its gateway, and the gateway's own requests from
 * its Server-Timing (discovery first: the queries wait for it). Appends to FOUND the
 * regions whose discovery linked the patient, space-separated. */
static void
scn_step_hops(struct scn_step_result *st, const char *region, const char *txn,
    const struct scn_http_reply *rep, struct strbuf *found)
{
	struct scn_timing *t;
	char from[96], tx[16];
	long disc = 0, start;
	size_t n, k;

	snprintf(from, sizeof(from), "ehr:%s", region);
	if (rep->sr_status != 0)
		(void)scn_step_add_hop(st, from, region, txn, 0, rep->sr_ms, rep->sr_status ==
		    200 ? SCN_HOP_OK : SCN_HOP_ERROR, "HTTP %d", rep->sr_status);
	else
		(void)scn_step_add_hop(st, from, region, txn, 0, rep->sr_ms, SCN_HOP_TIMEOUT,
		    "%s", rep->sr_err);
	if ((t = calloc(SCN_TIMING_MAX, sizeof(*t))) == NULL)
		return;
	n = scn_timing_parse(rep->sr_timing, t, SCN_TIMING_MAX);
	for (k = 0; k < n; k++)
		if (strcmp(t[k].st_txn, "iti55") == 0 && t[k].st_ms > disc)
			disc = t[k].st_ms;
	for (k = 0; k < n; k++) {
		start = strcmp(t[k].st_txn, "iti55") == 0 ? 0 : disc;
		(void)scn_step_add_hop(st, region, t[k].st_peer, scn_step_txn(t[k].st_txn, tx,
		    sizeof(tx)), start, t[k].st_ms, scn_step_outcome(t[k].st_desc), "%s",
		    t[k].st_desc);
		if (strcmp(t[k].st_txn, "iti55") == 0 && strcmp(t[k].st_desc, "linked") == 0)
			strbuf_printf(found, "%s%s", found->sb_len > 0 ? " " : "", t[k].st_peer);
	}
	free(t);
}

/* The uniqueId of loaded document REF ("region/handle"), or NULL. */
static const struct scn_loaded *
scn_step_doc(const struct scn_runner *r, const char *ref)
{
	size_t i;

	for (i = 0; i < r->sr_ndocs; i++)
		if (strcmp(r->sr_docs[i].ld_ref, ref) == 0)
			return &r->sr_docs[i];
	return NULL;
}

/* The loaded document of uniqueId UID (NULL accepted), or NULL. */
static const struct scn_loaded *
scn_step_doc_uid(const struct scn_runner *r, const char *uid)
{
	size_t i;

	for (i = 0; uid != NULL && i < r->sr_ndocs; i++)
		if (strcmp(r->sr_docs[i].ld_uid, uid) == 0)
			return &r->sr_docs[i];
	return NULL;
}

/* Returns 1 when A has a document of uniqueId UID whose home is HOME. */
static int
scn_step_has_doc(const struct scn_xds_answer *a, const char *home, const char *uid)
{
	size_t i;

	for (i = 0; i < a->ndocs; i++)
		if (a->docs[i].uid != NULL && strcmp(a->docs[i].uid, uid) == 0 &&
		    a->docs[i].home != NULL && strcmp(a->docs[i].home, home) == 0)
			return 1;
	return 0;
}

/* documents: per region, the count (or the named documents) expected from it; 0 from a
 * region not listed. */
static void
scn_step_check_docs(const struct scn_runner *r, struct scn_step_result *st,
    const struct scn_expect *e, const struct scn_xds_answer *a)
{
	const struct scn_expect_docs *ed;
	const struct scn_region *sr;
	const struct scn_loaded *ld;
	char what[320], ref[256], want[32];
	size_t i, k, got;

	for (i = 0; i < r->sr_sc->nregions; i++) {
		sr = &r->sr_sc->regions[i];
		for (ed = NULL, k = 0; k < e->ndocs; k++)
			if (strcmp(e->docs[k].region, sr->name) == 0)
				ed = &e->docs[k];
		got = scn_xds_count_home(a, sr->hcid);
		snprintf(what, sizeof(what), "documents from %s", sr->name);
		snprintf(want, sizeof(want), "%ld", ed == NULL ? 0 : ed->count >= 0 ? ed->count :
		    (long)ed->nids);
		(void)scn_step_add_check(st, (long)got == atol(want), what, want, "%zu", got);
		for (k = 0; ed != NULL && k < ed->nids; k++) {
			snprintf(ref, sizeof(ref), "%s/%s", sr->name, ed->ids[k]);
			ld = scn_step_doc(r, ref);
			snprintf(what, sizeof(what), "document %s", ref);
			(void)scn_step_add_check(st, ld != NULL && scn_step_has_doc(a, sr->hcid,
			    ld->ld_uid), what, "returned", "%s", ld == NULL ? "never loaded" :
			    scn_step_has_doc(a, sr->hcid, ld->ld_uid) ? "returned" : "missing");
		}
	}
}

/* Returns 1 when LOCATION (a RegistryError's) is region SR: its home community id, or
 * the uniqueId of a document it holds (a retrieve's per-document errors). */
static int
scn_step_at_region(const struct scn_runner *r, const char *location,
    const struct scn_region *sr)
{
	const struct scn_loaded *ld;

	if (location == NULL)
		return 0;
	if (strcmp(location, sr->hcid) == 0)
		return 1;
	return (ld = scn_step_doc_uid(r, location)) != NULL &&
	    strcmp(ld->ld_hcid, sr->hcid) == 0;
}

/* errors and denied: each expected RegistryError (code, located at a region, text). */
static void
scn_step_check_errors(const struct scn_runner *r, struct scn_step_result *st,
    const struct scn_expect *e, const struct scn_xds_answer *a)
{
	const struct scn_expect_error *ee;
	const struct scn_region *sr;
	char what[256];
	size_t k, j;
	int ok;

	for (k = 0; k < e->nerrors; k++) {
		ee = &e->errors[k];
		sr = ee->region != NULL ? scenario_region(r->sr_sc, ee->region) : NULL;
		for (ok = 0, j = 0; j < a->nerrors && !ok; j++)
			ok = strcmp(a->errors[j].code, ee->code) == 0 && (sr == NULL ||
			    scn_step_at_region(r, a->errors[j].location, sr)) &&
			    (ee->contains == NULL || (a->errors[j].context != NULL &&
			    strstr(a->errors[j].context, ee->contains) != NULL));
		snprintf(what, sizeof(what), "error %s%s%s", ee->code, sr != NULL ? " at " : "",
		    sr != NULL ? sr->name : "");
		(void)scn_step_add_check(st, ok, what, ee->contains != NULL ? ee->contains :
		    "present", "%zu error(s)%s%s%s%s", a->nerrors, a->nerrors > 0 ? ": " : "",
		    a->nerrors > 0 ? a->errors[0].code : "", a->nerrors > 0 ? " at " : "",
		    a->nerrors > 0 && a->errors[0].location != NULL ? a->errors[0].location : "");
	}
	if (e->denied_reason == NULL)
		return;
	for (ok = 0, j = 0; j < a->nerrors && !ok; j++)
		ok = strstr(a->errors[j].code, "ConsentRequired") != NULL &&
		    a->errors[j].context != NULL &&
		    strstr(a->errors[j].context, e->denied_reason) != NULL;
	(void)scn_step_add_check(st, ok, "denied", e->denied_reason, "%s", ok ? e->denied_reason :
	    a->nerrors > 0 && a->errors[0].context != NULL ? a->errors[0].context : "no denial");
}

/* The decisions the answer shows: documents from a region were released; a consent
 * error located at it is its refusal. */
static void
scn_step_decisions(const struct scn_runner *r, struct scn_step_result *st,
    const char *patient, const struct scn_xds_answer *a)
{
	const struct scn_region *sr;
	size_t i, j;

	for (i = 0; i < r->sr_sc->nregions; i++) {
		sr = &r->sr_sc->regions[i];
		if (scn_xds_count_home(a, sr->hcid) > 0)
			(void)scn_step_add_decision(st, sr->name, patient, "allow",
			    "%zu document(s)", scn_xds_count_home(a, sr->hcid));
		for (j = 0; j < a->nerrors; j++)
			if (strstr(a->errors[j].code, "ConsentRequired") != NULL &&
			    scn_step_at_region(r, a->errors[j].location, sr))
				(void)scn_step_add_decision(st, sr->name, patient, "deny", "%s",
				    a->errors[j].context != NULL ? a->errors[j].context : "");
	}
}

/* The region whose home community is HCID, or "?" (for the progress notes). */
static const char *
scn_step_home(const struct scn_runner *r, const char *hcid)
{
	size_t i;

	for (i = 0; hcid != NULL && i < r->sr_sc->nregions; i++)
		if (strcmp(r->sr_sc->regions[i].hcid, hcid) == 0)
			return r->sr_sc->regions[i].name;
	return "?";
}

/* What came back, for the progress lines: a line per document, then the errors. */
static void
scn_step_notes(struct scn_runner *r, const struct scn_xds_answer *a)
{
	struct strbuf *sb = &r->sr_notes;
	const struct scn_loaded *ld;
	size_t i;

	strbuf_printf(sb, "      %s: %zu document(s)\n", a->status, a->ndocs);
	for (i = 0; i < a->ndocs; i++) {
		ld = scn_step_doc_uid(r, a->docs[i].uid);
		strbuf_printf(sb, "        %-10s %s  %s", scn_step_home(r, a->docs[i].home),
		    a->docs[i].uid != NULL ? a->docs[i].uid : "?", a->docs[i].title != NULL ?
		    a->docs[i].title : ld != NULL ? ld->ld_title : "");
		if (a->docs[i].data != NULL)
			strbuf_printf(sb, " (%zu bytes retrieved)", a->docs[i].len);
		strbuf_puts(sb, "\n");
	}
	for (i = 0; i < a->nerrors; i++)
		strbuf_printf(sb, "        %s at %s: %s\n", a->errors[i].code,
		    a->errors[i].location != NULL ? scn_step_home(r, a->errors[i].location) : "-",
		    a->errors[i].context != NULL ? a->errors[i].context : "");
}

/* Every retrieved document must be byte for byte what its region was given. */
static void
scn_step_check_bytes(const struct scn_runner *r, struct scn_step_result *st,
    const struct scn_xds_answer *a)
{
	const struct scn_loaded *ld;
	uint8_t md[32];
	char what[320];
	size_t i;
	int same;

	for (i = 0; i < a->ndocs; i++) {
		ld = scn_step_doc_uid(r, a->docs[i].uid);
		snprintf(what, sizeof(what), "document %s byte-identical", ld != NULL ?
		    ld->ld_ref : a->docs[i].uid != NULL ? a->docs[i].uid : "?");
		same = ld != NULL && EVP_Digest(a->docs[i].data, a->docs[i].len, md, NULL,
		    EVP_sha256(), NULL) == 1 && memcmp(md, ld->ld_sha256, sizeof(md)) == 0;
		(void)scn_step_add_check(st, same, what, "the bytes submitted", "%s", same ?
		    "the bytes submitted" : ld == NULL ? "a document never submitted" :
		    "other bytes");
	}
}

/* The checks every answered request has: the answer itself, status, latency. */
static int
scn_step_check_answer(struct scn_step_result *st, const struct scn_expect *e,
    const struct scn_http_reply *rep, int parsed, const struct scn_xds_answer *a)
{
	char want[32];

	if (!parsed) {
		(void)scn_step_add_check(st, 0, "answer", "a readable answer", "%s",
		    rep->sr_err[0] != '\0' ? rep->sr_err : a->error);
		return -1;
	}
	if (a->fault) {
		(void)scn_step_add_check(st, 0, "answer", "no SOAP fault", "%s: %s",
		    a->fault_code, a->fault_reason);
		return -1;
	}
	if (e->status != NULL)
		(void)scn_step_add_check(st, strcmp(a->status, e->status) == 0, "status",
		    e->status, "%s", a->status);
	if (e->max_ms > 0) {
		snprintf(want, sizeof(want), "<= %d ms", e->max_ms);
		(void)scn_step_add_check(st, rep->sr_ms <= e->max_ms, "latency", want, "%ld ms",
		    rep->sr_ms);
	}
	return 0;
}

/* Returns 1 when the space-separated words of A and B are the same set. */
static int
scn_step_same_words(const char *a, const char *b)
{
	char wa[1024], wb[1024], *w, *save = NULL;
	size_t na = 0, nb = 0;

	snprintf(wb, sizeof(wb), " %s ", b);
	snprintf(wa, sizeof(wa), "%s", a);
	for (w = strtok_r(wa, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save), na++) {
		char key[300];

		snprintf(key, sizeof(key), " %s ", w);
		if (strstr(wb, key) == NULL)
			return 0;
	}
	snprintf(wa, sizeof(wa), "%s", b);
	for (save = NULL, w = strtok_r(wa, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
		nb++;
	return na == nb;
}

/* Remembers what the query for PATIENT returned, for a later retrieve. */
static void
scn_step_remember(struct scn_runner *r, const char *patient, const struct scn_xds_answer *a)
{
	struct scn_last *l = NULL, *nl;
	size_t i, k;

	for (i = 0; i < r->sr_nlast; i++)
		if (strcmp(r->sr_last[i].sl_patient, patient) == 0)
			l = &r->sr_last[i];
	if (l == NULL) {
		if ((nl = reallocarray(r->sr_last, r->sr_nlast + 1, sizeof(*nl))) == NULL)
			return;
		r->sr_last = nl;
		l = &r->sr_last[r->sr_nlast];
		memset(l, 0, sizeof(*l));
		if ((l->sl_patient = str_dup(patient)) == NULL)
			return;
		r->sr_nlast++;
	}
	for (k = 0; k < l->sl_n * 3; k++)
		free(l->sl_strs[k]);
	free(l->sl_strs);
	free(l->sl_refs);
	l->sl_n = 0;
	if ((l->sl_refs = calloc(a->ndocs + 1, sizeof(*l->sl_refs))) == NULL ||
	    (l->sl_strs = calloc(a->ndocs * 3 + 1, sizeof(*l->sl_strs))) == NULL)
		return;
	for (i = 0; i < a->ndocs; i++) {
		l->sl_strs[3 * i] = str_dup(a->docs[i].home);
		l->sl_strs[3 * i + 1] = str_dup(a->docs[i].repo);
		l->sl_strs[3 * i + 2] = str_dup(a->docs[i].uid);
		l->sl_refs[i].home = l->sl_strs[3 * i];
		l->sl_refs[i].repo = l->sl_strs[3 * i + 1];
		l->sl_refs[i].uid = l->sl_strs[3 * i + 2];
		l->sl_n++;
	}
}

void
scn_run_last_free(struct scn_runner *r)
{
	size_t i, k;

	for (i = 0; i < r->sr_nlast; i++) {
		for (k = 0; k < r->sr_last[i].sl_n * 3; k++)
			free(r->sr_last[i].sl_strs[k]);
		free(r->sr_last[i].sl_strs);
		free(r->sr_last[i].sl_refs);
		free(r->sr_last[i].sl_patient);
	}
	free(r->sr_last);
	r->sr_last = NULL;
	r->sr_nlast = 0;
}

/* The caller of a step: the asking region's EHR on its listener of the step's purpose. */
static int
scn_step_caller(struct scn_runner *r, const struct scn_step *sp, long *ai,
    struct scn_xds_caller *who, char *url, size_t urlsz)
{
	if ((*ai = scn_run_region(r, sp->as_region)) < 0 ||
	    scn_fed_url(r->sr_fed, (size_t)*ai, sp->purpose, "/ig", url, urlsz) == NULL)
		return -1;
	memset(who, 0, sizeof(*who));
	who->to = url;
	who->purpose = sp->purpose;
	who->user = sp->as_user;
	who->reason = sp->reason;
	return 0;
}

/* Sends REQ as region AI's EHR and parses the answer (RETRIEVE: an ITI-39's). */
static int
scn_step_send(struct scn_runner *r, long ai, const char *url, const struct scn_xds_req *req,
    int retrieve, struct scn_http_reply *rep, struct scn_xds_answer *a)
{
	int t = r->sr_sc->timeout_ms + 5000;	/* the gateway's deadline, and some */

	memset(a, 0, sizeof(*a));
	if (scn_fed_post(r->sr_fed, (size_t)ai, url, req->content_type, req->body, req->len, t,
	    rep) == -1)
		return 0;
	return (retrieve ? scn_xds_parse_retrieve : scn_xds_parse_query)(rep->sr_body,
	    rep->sr_len, rep->sr_content_type, req->message_id, a) == 0;
}

/* query and discover: an ITI-38 FindDocuments for the step's patient. */
static int
scn_step_query(struct scn_runner *r, const struct scn_step *sp, struct scn_step_result *st,
    char *err, size_t errsz)
{
	const struct scn_region *pr;
	const struct scn_patient *pp;
	struct scn_xds_caller who;
	struct scn_xds_answer a;
	struct scn_http_reply rep;
	struct scn_xds_req req = { 0 };
	struct strbuf found = { 0 };
	char url[256], cx[320], want[512];
	long ai;
	size_t k;
	int parsed;

	if (scenario_patient(r->sr_sc, sp->patient, &pr, &pp) == -1 ||
	    scn_step_caller(r, sp, &ai, &who, url, sizeof(url)) == -1 ||
	    scn_xds_cx(cx, sizeof(cx), strchr(sp->patient, '/') + 1,
	    pr->assigning_authority) == -1 || scn_xds_query(&who, cx, &req, err, errsz) == -1) {
		(void)scn_step_add_check(st, 0, "request", "sent", "cannot be built: %s", err);
		return 0;
	}
	parsed = scn_step_send(r, ai, url, &req, 0, &rep, &a);
	scn_step_hops(st, sp->as_region, "ITI-38", &rep, &found);
	if (scn_step_check_answer(st, &sp->expect, &rep, parsed, &a) == 0) {
		scn_step_notes(r, &a);
		if (sp->expect.has_docs)
			scn_step_check_docs(r, st, &sp->expect, &a);
		scn_step_check_errors(r, st, &sp->expect, &a);
		scn_step_decisions(r, st, sp->patient, &a);
		scn_step_remember(r, sp->patient, &a);
	}
	if (sp->expect.has_found) {
		for (want[0] = '\0', k = 0; k < sp->expect.nfound; k++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
			    k > 0 ? " " : "", sp->expect.found[k]);
		(void)scn_step_add_check(st, scn_step_same_words(want, found.sb_data != NULL ?
		    found.sb_data : ""), "found by", want, "%s", found.sb_data != NULL ?
		    found.sb_data : "");
	}
	strbuf_reset(&found);
	scn_xds_answer_reset(&a);
	scn_http_reply_reset(&rep);
	scn_xds_req_reset(&req);
	return 0;
}

/* The documents a retrieve asks for: those named, or what the last query of the patient
 * returned. Returns their number (0: none known), REFS borrowed from R. */
static size_t
scn_step_refs(struct scn_runner *r, const struct scn_step *sp, struct scn_xds_docref *refs,
    size_t max)
{
	const struct scn_loaded *ld;
	size_t i, n = 0;

	for (i = 0; i < sp->ndocuments && n < max; i++)
		if ((ld = scn_step_doc(r, sp->documents[i])) != NULL) {
			refs[n].home = ld->ld_hcid;
			refs[n].repo = ld->ld_repo;
			refs[n++].uid = ld->ld_uid;
		}
	if (sp->ndocuments > 0)
		return n == sp->ndocuments ? n : 0;
	for (i = 0; i < r->sr_nlast; i++)
		if (strcmp(r->sr_last[i].sl_patient, sp->patient) == 0)
			for (n = 0; n < r->sr_last[i].sl_n && n < max; n++)
				refs[n] = r->sr_last[i].sl_refs[n];
	return n;
}

/* retrieve: an ITI-39 of the documents. */
static int
scn_step_retrieve(struct scn_runner *r, const struct scn_step *sp, struct scn_step_result *st,
    char *err, size_t errsz)
{
	struct scn_xds_docref *refs;
	struct scn_xds_caller who;
	struct scn_xds_answer a;
	struct scn_http_reply rep;
	struct scn_xds_req req = { 0 };
	struct strbuf found = { 0 };
	char url[256];
	size_t n, max = r->sr_ndocs + 1;
	long ai;
	int parsed;

	if ((refs = calloc(max, sizeof(*refs))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if ((n = scn_step_refs(r, sp, refs, max)) == 0 ||
	    scn_step_caller(r, sp, &ai, &who, url, sizeof(url)) == -1 ||
	    scn_xds_retrieve(&who, refs, n, &req, err, errsz) == -1) {
		(void)scn_step_add_check(st, 0, "request", "sent", "%s", n == 0 ?
		    "no documents to ask for (named ones never loaded, or no query before)" : err);
		free(refs);
		return 0;
	}
	parsed = scn_step_send(r, ai, url, &req, 1, &rep, &a);
	scn_step_hops(st, sp->as_region, "ITI-39", &rep, &found);
	if (scn_step_check_answer(st, &sp->expect, &rep, parsed, &a) == 0) {
		scn_step_notes(r, &a);
		scn_step_check_bytes(r, st, &a);
		if (sp->expect.has_docs)
			scn_step_check_docs(r, st, &sp->expect, &a);
		scn_step_check_errors(r, st, &sp->expect, &a);
	}
	strbuf_reset(&found);
	scn_xds_answer_reset(&a);
	scn_http_reply_reset(&rep);
	scn_xds_req_reset(&req);
	free(refs);
	return 0;
}

/* region_down / region_up / region_slow: the region's process. */
static int
scn_step_region(struct scn_runner *r, const struct scn_step *sp, struct scn_step_result *st,
    char *err, size_t errsz)
{
	long i = scn_run_region(r, sp->region);
	char what[128];
	int ok;

	if (i < 0) {
		snprintf(err, errsz, "no region %s", sp->region);
		return -1;
	}
	switch (sp->kind) {
	case SCN_REGION_DOWN:
		snprintf(what, sizeof(what), "%s stopped", sp->region);
		ok = scn_fed_stop(r->sr_fed, (size_t)i) == 0;
		(void)scn_step_add_check(st, ok, what, "exit 0", "%s", ok ? "exit 0" : "not cleanly");
		return 0;
	case SCN_REGION_UP:
		return scn_fed_restore(r->sr_fed, (size_t)i, err, errsz);
	case SCN_REGION_GARBAGE:
		snprintf(what, sizeof(what), "%s answers garbage", sp->region);
		ok = scn_fed_garbage(r->sr_fed, (size_t)i, err, errsz) == 0;
		(void)scn_step_add_check(st, ok, what, "a stand-in", "%s", ok ? "a stand-in" : err);
		return 0;
	case SCN_REGION_WRONG_CERT:
		snprintf(what, sizeof(what), "%s presents a certificate of another CA", sp->region);
		ok = scn_fed_wrong_cert(r->sr_fed, (size_t)i, err, errsz) == 0;
		(void)scn_step_add_check(st, ok, what, "restarted", "%s", ok ? "restarted" : err);
		return 0;
	default:	/* SCN_REGION_SLOW: hung for DELAY, then itself again */
		snprintf(what, sizeof(what), "%s frozen for %d ms", sp->region, sp->delay_ms);
		ok = scn_fed_freeze_for(r->sr_fed, (size_t)i, sp->delay_ms) == 0;
		(void)scn_step_add_check(st, ok, what, "frozen", "%s", ok ? "frozen" : "failed");
		return 0;
	}
}

/* audit: the records the step expects in the regions' logs, since the step began. */
static void
scn_step_audit(struct scn_runner *r, const struct scn_step *sp, struct scn_step_result *st,
    int64_t since_ms)
{
	const struct scn_expect_audit *ea;
	struct scn_audit_hit hits[1];
	char state[1024], what[160], err[256];
	size_t k, n;
	long i;

	for (k = 0; k < sp->expect.naudit; k++) {
		ea = &sp->expect.audit[k];
		snprintf(what, sizeof(what), "audit %s %s%s%s", ea->region, ea->event,
		    ea->purpose != NULL ? " " : "", ea->purpose != NULL ? ea->purpose : "");
		if ((i = scn_run_region(r, ea->region)) < 0 ||
		    scn_fed_state(r->sr_fed, (size_t)i, state, sizeof(state)) == NULL ||
		    scn_audit_find(state, ea->event, ea->outcome, ea->purpose, since_ms, hits,
		    sizeof(hits) / sizeof(hits[0]), &n, err, sizeof(err)) == -1) {
			(void)scn_step_add_check(st, 0, what, "recorded", "%s", err);
			continue;
		}
		(void)scn_step_add_check(st, n > 0, what, "recorded", "%zu record(s)", n);
	}
}

/* The records every region wrote during the step, for the report's links (the first
 * SCN_AUDIT_REFS of each). */
static void
scn_step_audit_refs(struct scn_runner *r, struct scn_step_result *st, int64_t since_ms)
{
	struct scn_audit_hit hits[SCN_AUDIT_REFS];
	char state[1024], err[256];
	size_t i, j, n;

	for (i = 0; i < r->sr_sc->nregions; i++) {
		if (scn_fed_state(r->sr_fed, i, state, sizeof(state)) == NULL ||
		    scn_audit_find(state, NULL, -1, NULL, since_ms, hits, SCN_AUDIT_REFS, &n,
		    err, sizeof(err)) == -1)
			continue;	/* a region never started has no log yet */
		for (j = 0; j < n && j < SCN_AUDIT_REFS; j++)
			(void)scn_step_add_audit(st, r->sr_sc->regions[i].name, hits[j].ah_seq,
			    hits[j].ah_event, hits[j].ah_outcome, hits[j].ah_purpose);
	}
}

int
scn_run_step(struct scn_runner *r, size_t i, struct scn_step_result *st, char *err,
    size_t errsz)
{
	const struct scn_step *sp = &r->sr_sc->steps[i];
	const struct scn_consent *c;
	struct timespec ts;
	int64_t since = atna_now_ms();	/* records carry their time to the ms */
	int rc = 0;

	switch (sp->kind) {
	case SCN_DISCOVER:
	case SCN_QUERY:
		rc = scn_step_query(r, sp, st, err, errsz);
		break;
	case SCN_RETRIEVE:
		rc = scn_step_retrieve(r, sp, st, err, errsz);
		break;
	case SCN_CONSENT_ADD:
	case SCN_CONSENT_WITHDRAW:
		if ((c = scenario_consent(r->sr_sc, sp->consent)) == NULL ||
		    scn_run_consent(r, c, sp->kind == SCN_CONSENT_WITHDRAW, err, errsz) == -1)
			(void)scn_step_add_check(st, 0, "consent registered", "yes", "%s", err);
		else
			(void)scn_step_add_check(st, 1, "consent registered", "yes", "yes");
		break;
	case SCN_REGION_DOWN:
	case SCN_REGION_UP:
	case SCN_REGION_SLOW:
	case SCN_REGION_GARBAGE:
	case SCN_REGION_WRONG_CERT:
		rc = scn_step_region(r, sp, st, err, errsz);
		break;
	case SCN_WAIT:
		ts.tv_sec = sp->delay_ms / 1000;
		ts.tv_nsec = (long)(sp->delay_ms % 1000) * 1000000;
		nanosleep(&ts, NULL);
		break;
	default:
		(void)scn_step_add_check(st, 0, scenario_kind_name(sp->kind), "supported",
		    "not a step kind of this runner");
		break;
	}
	if (rc == 0) {
		scn_step_audit(r, sp, st, since);
		scn_step_audit_refs(r, st, since);
	}
	return rc;
}
