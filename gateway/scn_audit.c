/* gateway/scn_audit: see scn_audit.h. */
#include "gateway/scn_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/atna.h"
#include "audit/auditlog.h"
#include "audit/search.h"
#include "common/str.h"
#include "crypto/checkpoint.h"

/* The verifier key of STATE's log (first line of audit-signing.key.pub). */
static struct note_verifier *
scn_audit_vkey(const char *state, char *err, size_t errsz)
{
	struct note_verifier *v = NULL;
	char path[1024], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/audit-signing.key.pub", state);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "no verifier key %s", path);
		return NULL;
	}
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		v = note_verifier_parse(line);
	}
	fclose(f);
	if (v == NULL)
		snprintf(err, errsz, "%s: not a verifier key", path);
	return v;
}

struct scn_audit_collect {
	struct scn_audit_hit	*ac_hits;
	size_t			 ac_max, ac_n;
};

static int
scn_audit_hit(void *arg, const struct search_hit *h)
{
	struct scn_audit_collect *c = arg;
	struct scn_audit_hit *o;
	const char *ev;

	if (h->sh_status == SEARCH_INTEGRITY || h->sh_summary == NULL)
		return 0;	/* counted by search_run, reported by its return */
	if (c->ac_n < c->ac_max) {
		o = &c->ac_hits[c->ac_n];
		memset(o, 0, sizeof(*o));
		o->ah_seq = h->sh_seq;
		ev = atna_event_code(h->sh_summary->as_event);
		str_copy(o->ah_event, sizeof(o->ah_event), ev != NULL ? ev : "");
		o->ah_outcome = h->sh_summary->as_outcome;
		str_copy(o->ah_purpose, sizeof(o->ah_purpose), h->sh_summary->as_purpose);
		o->ah_time_ms = h->sh_summary->as_time_ms;
	}
	c->ac_n++;
	return 0;
}

int
scn_audit_find(const char *state, const char *event, int outcome, const char *purpose,
    int64_t since_ms, struct scn_audit_hit *hits, size_t max, size_t *n, char *err,
    size_t errsz)
{
	struct scn_audit_collect c = { hits, max, 0 };
	struct note_verifier *v = NULL;
	struct auditlog *log = NULL;
	struct search_query q;
	char dir[1024];
	int rc, ret = -1;

	*n = 0;
	search_query_init(&q);
	if (event != NULL && (q.sq_event = atna_event_by_code(event)) == 0) {
		snprintf(err, errsz, "unknown audit event %s", event);
		return -1;
	}
	q.sq_outcome = outcome < 0 ? SEARCH_OUTCOME_ANY : outcome;
	q.sq_purpose = purpose;
	q.sq_since_ms = since_ms;
	snprintf(dir, sizeof(dir), "%s/audit", state);
	if ((v = scn_audit_vkey(state, err, errsz)) == NULL)
		goto done;
	if ((log = auditlog_open(dir, SCN_AUDIT_MAP_SIZE)) == NULL) {
		snprintf(err, errsz, "cannot open the audit log %s", dir);
		goto done;
	}
	rc = search_run(log, v, &q, scn_audit_hit, &c, NULL, err, errsz);
	if (rc == 1)
		snprintf(err, errsz, "integrity errors in the audit log %s", dir);
	else if (rc == 0) {
		*n = c.ac_n;
		ret = 0;
	}
done:
	auditlog_close(log);
	note_verifier_free(v);
	return ret;
}

int
scn_audit_verify(const char *state, char *detail, size_t detailsz)
{
	struct note_verifier *v;
	char dir[1024], *buf = NULL;
	size_t len = 0;
	FILE *report;
	int rc;

	detail[0] = '\0';
	if ((v = scn_audit_vkey(state, detail, detailsz)) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s/audit", state);
	if ((report = open_memstream(&buf, &len)) == NULL) {
		note_verifier_free(v);
		snprintf(detail, detailsz, "out of memory");
		return -1;
	}
	rc = auditlog_verify(dir, v, report);
	fclose(report);
	note_verifier_free(v);
	if (buf != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(detail, detailsz, "%s", buf);
	}
	free(buf);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}
