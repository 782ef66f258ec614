/* gateway/scenario_steps: the checks of the steps: which keys each kind takes, that every
 * reference resolves, that the steps make sense in their order (a consent is registered
 * before it is withdrawn, a region has a fault before it comes back up), and that each
 * expectation is one the kind can meet. */
#include "gateway/scenario_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/str.h"

/* What each kind takes besides name and do, what it needs, and what its expect: checks
 * (NULL: no expect). Words separated by one blank. */
struct scn_rule {
	const char	*sr_takes;
	const char	*sr_needs;
	const char	*sr_checks;
};

#define ASKS		"as purpose reason patient expect"

static const struct scn_rule scenario_rules[SCN_NKINDS] = {
	[SCN_DISCOVER] = { ASKS, "as patient", "status found errors within audit" },
	[SCN_QUERY] = { ASKS, "as patient", "status documents errors denied within audit" },
	[SCN_RETRIEVE] = { ASKS " documents", "as",
	    "status documents errors denied within audit" },
	[SCN_CONSENT_ADD] = { "consent expect", "consent", "audit" },
	[SCN_CONSENT_WITHDRAW] = { "consent expect", "consent", "audit" },
	[SCN_REGION_DOWN] = { "region", "region", NULL },
	[SCN_REGION_UP] = { "region", "region", NULL },
	[SCN_REGION_SLOW] = { "region delay", "region delay", NULL },
	[SCN_REGION_GARBAGE] = { "region", "region", NULL },
	[SCN_REGION_WRONG_CERT] = { "region", "region", NULL },
	[SCN_WAIT] = { "delay", "delay", NULL },
};
static const char *const scenario_step_keys[] = { "as", "purpose", "reason", "patient",
	"documents", "consent", "region", "delay", "expect", NULL };
static const char *const scenario_expect_keys[] = { "status", "documents", "found", "errors",
	"denied", "within", "audit", NULL };

/* What the order checks remember while walking the steps. */
struct scn_walk {
	struct conf	*w_c;
	struct scenario	*w_s;
	long		*w_added;	/* per consent: the step that adds it, or -1 */
	long		*w_fault;	/* per region: the step that started its fault, or -1 */
};

/* Returns 1 when KEY is one of the blank-separated WORDS. */
static int
scenario_in_words(const char *words, const char *key)
{
	size_t len = strlen(key);
	const char *p;

	for (p = words; p != NULL && *p != '\0'; p += strcspn(p, " "), p += *p == ' ') {
		if (strncmp(p, key, len) == 0 && (p[len] == ' ' || p[len] == '\0'))
			return 1;
	}
	return 0;
}

/* "a b c" as "a, b, c" for messages. */
static const char *
scenario_commas(const char *words, char *buf, size_t bufsz)
{
	struct strbuf sb = { 0 };
	size_t len;

	for (; *words != '\0'; words += len + (words[len] == ' ')) {
		len = strcspn(words, " ");
		strbuf_printf(&sb, "%s%.*s", sb.sb_len ? ", " : "", (int)len, words);
	}
	str_copy(buf, bufsz, sb.sb_data != NULL ? sb.sb_data : "");
	strbuf_reset(&sb);
	return buf;
}

/* Returns 1 when step I has KEY (a key path below the step) in the file; PATH gets it. */
static int
scenario_step_has(struct conf *c, size_t i, const char *key, char *path)
{
	return conf_has(c, scenario_path(path, "steps[%zu].%s", i, key));
}

/* Foreign and missing keys of step I, and expectations its kind cannot check. */
static void
scenario_step_keys_check(struct conf *c, const struct scn_step *st, size_t i)
{
	const struct scn_rule *r = &scenario_rules[st->kind];
	const char *kind = scenario_kind_name(st->kind), *key;
	char path[SCN_PATH_MAX], sub[SCN_PATH_MAX], list[256];
	size_t k;

	for (k = 0; (key = scenario_step_keys[k]) != NULL; k++) {
		if (scenario_step_has(c, i, key, path) && !scenario_in_words(r->sr_takes, key))
			scenario_err(c, path, "%s does not take %s (it takes %s)", kind, key,
			    scenario_commas(r->sr_takes, list, sizeof(list)));
		if (!scenario_step_has(c, i, key, path) && scenario_in_words(r->sr_needs, key))
			scenario_err(c, scenario_path(path, "steps[%zu]", i), "%s needs %s", kind,
			    key);
	}
	if (st->kind == SCN_RETRIEVE && !scenario_step_has(c, i, "patient", path) &&
	    !scenario_step_has(c, i, "documents", path))
		scenario_err(c, scenario_path(path, "steps[%zu]", i),
		    "retrieve needs patient or documents");
	for (k = 0; r->sr_checks != NULL && (key = scenario_expect_keys[k]) != NULL; k++) {
		scenario_path(sub, "expect.%s", key);
		if (scenario_step_has(c, i, sub, path) && !scenario_in_words(r->sr_checks, key))
			scenario_err(c, path, "%s does not check %s (it checks %s)", kind, key,
			    scenario_commas(r->sr_checks, list, sizeof(list)));
	}
}

static char *
scenario_default_name(const struct scn_step *st)
{
	struct strbuf sb = { 0 };
	const char *what = st->patient ? st->patient : st->consent ? st->consent :
	    st->region ? st->region : NULL;

	strbuf_puts(&sb, scenario_kind_name(st->kind));
	if (what != NULL)
		strbuf_printf(&sb, " %s", what);
	else if (st->kind == SCN_RETRIEVE && st->ndocuments > 0)
		strbuf_printf(&sb, " %s%s", st->documents[0], st->ndocuments > 1 ? " ..." : "");
	if (st->kind == SCN_REGION_SLOW || st->kind == SCN_WAIT)
		strbuf_printf(&sb, " %dms", st->delay_ms);
	return strbuf_take(&sb, NULL);
}

/* LIST of N as "a, b, c" for messages (cut to BUFSZ). */
static const char *
scenario_join(char *const *list, size_t n, char *buf, size_t bufsz)
{
	struct strbuf sb = { 0 };
	size_t k;

	for (k = 0; k < n; k++)
		strbuf_printf(&sb, "%s%s", k ? ", " : "", list[k]);
	str_copy(buf, bufsz, sb.sb_data != NULL ? sb.sb_data : "none");
	strbuf_reset(&sb);
	return buf;
}

/* Who asks: "region" or "region/user" (default: the region's first user), and for what. */
static void
scenario_step_asker(struct scn_walk *w, struct scn_step *st, size_t i)
{
	struct conf *c = w->w_c;
	char path[SCN_PATH_MAX], name[SCN_NAME_MAX + 1], list[256];
	const struct scn_region *r;
	const char *user = NULL;

	if (st->purpose == NULL && !conf_has(c, scenario_path(path, "steps[%zu].purpose", i)) &&
	    (st->purpose = str_dup(SCN_DEFAULT_PURPOSE)) == NULL)
		scenario_nomem(c);
	if (st->as == NULL)
		return;
	scenario_path(path, "steps[%zu].as", i);
	if (strchr(st->as, '/') == NULL)
		str_copy(name, sizeof(name), st->as);
	else if (scenario_ref_split(st->as, name, &user) == -1)
		return;
	if ((r = scenario_region(w->w_s, name)) == NULL) {
		scenario_err(c, path, "no region \"%s\"", name);
		return;
	}
	if (user != NULL && !scenario_list_has(r->users, r->nusers, user)) {
		scenario_err(c, path, "%s has no user %s (its users: %s)", r->name, user,
		    scenario_join(r->users, r->nusers, list, sizeof(list)));
		return;
	}
	if (user == NULL && r->nusers > 0)
		user = r->users[0];
	if ((st->as_region = str_dup(r->name)) == NULL ||
	    (user != NULL && (st->as_user = str_dup(user)) == NULL))
		scenario_nomem(c);
	if (st->purpose != NULL && !scenario_list_has(r->purposes, r->npurposes, st->purpose))
		scenario_err(c, scenario_path(path, "steps[%zu].purpose", i),
		    "%s does not serve purpose %s (its purposes: %s)", r->name, st->purpose,
		    scenario_join(r->purposes, r->npurposes, list, sizeof(list)));
}

/* The patient and documents a step asks for. */
static void
scenario_step_refs(struct scn_walk *w, const struct scn_step *st, size_t i)
{
	struct conf *c = w->w_c;
	char path[SCN_PATH_MAX];
	size_t k;

	if (st->patient != NULL && scenario_patient(w->w_s, st->patient, NULL, NULL) == -1)
		scenario_err(c, scenario_path(path, "steps[%zu].patient", i), "no patient %s",
		    st->patient);
	for (k = 0; k < st->ndocuments; k++)
		if (scenario_document(w->w_s, st->documents[k], NULL) == NULL)
			scenario_err(c, scenario_path(path, "steps[%zu].documents", i),
			    "no document %s", st->documents[k]);
	if (st->kind != SCN_RETRIEVE || st->patient == NULL ||
	    conf_has(c, scenario_path(path, "steps[%zu].documents", i)))
		return;
	for (k = 0; k < i; k++)
		if (w->w_s->steps[k].kind == SCN_QUERY && w->w_s->steps[k].patient != NULL &&
		    strcmp(w->w_s->steps[k].patient, st->patient) == 0)
			return;
	scenario_err(c, scenario_path(path, "steps[%zu]", i), "retrieve without documents "
	    "takes what the last query of %s returned, and no earlier step queries it",
	    st->patient);
}

/* Consents added by a step are registered there; the others before the first step. */
static void
scenario_mark_adds(struct scn_walk *w)
{
	const struct scn_step *st;
	const struct scn_consent *cs;
	size_t i, k;

	for (i = 0; i < w->w_s->nsteps; i++) {
		st = &w->w_s->steps[i];
		if (st->kind != SCN_CONSENT_ADD ||
		    (cs = scenario_consent(w->w_s, st->consent)) == NULL)
			continue;
		k = (size_t)(cs - w->w_s->consents);
		if (w->w_added[k] < 0)
			w->w_added[k] = (long)i;
		w->w_s->consents[k].at_start = 0;
	}
}

static void
scenario_step_consent(struct scn_walk *w, const struct scn_step *st, size_t i)
{
	const struct scn_consent *cs;
	char path[SCN_PATH_MAX];
	long added;

	if (st->consent == NULL)
		return;
	scenario_path(path, "steps[%zu].consent", i);
	if ((cs = scenario_consent(w->w_s, st->consent)) == NULL) {
		scenario_err(w->w_c, path, "no consent \"%s\"", st->consent);
		return;
	}
	added = w->w_added[cs - w->w_s->consents];
	if (st->kind == SCN_CONSENT_ADD && added < (long)i)
		scenario_err(w->w_c, path, "%s is already added by steps[%ld]", cs->id, added);
	else if (st->kind == SCN_CONSENT_WITHDRAW && !cs->at_start && added > (long)i)
		scenario_err(w->w_c, path, "%s is not registered yet: steps[%ld] adds it",
		    cs->id, added);
}

/* One fault at a time per region, ended by region_up: the runner undoes exactly one. */
static void
scenario_step_region(struct scn_walk *w, const struct scn_step *st, size_t i)
{
	const struct scn_region *r;
	char path[SCN_PATH_MAX];
	long *fault;

	if (st->region == NULL)
		return;
	scenario_path(path, "steps[%zu].region", i);
	if ((r = scenario_region(w->w_s, st->region)) == NULL) {
		scenario_err(w->w_c, path, "no region \"%s\"", st->region);
		return;
	}
	fault = &w->w_fault[r - w->w_s->regions];
	if (st->kind == SCN_REGION_UP) {
		if (*fault < 0)
			scenario_err(w->w_c, path, "%s has no fault to end (no earlier "
			    "region_down, region_slow, region_garbage or region_wrong_cert)",
			    r->name);
		*fault = -1;
	} else if (*fault >= 0)
		scenario_err(w->w_c, path, "%s already has a fault from steps[%ld] (%s): "
		    "region_up first", r->name, *fault,
		    scenario_kind_name(w->w_s->steps[*fault].kind));
	else
		*fault = (long)i;
}

/* expect.documents: one entry per region, with count or ids of that region's documents. */
static void
scenario_expect_docs(struct scn_walk *w, struct scn_expect *e, size_t i)
{
	struct conf *c = w->w_c;
	struct scn_expect_docs *d;
	char base[SCN_PATH_MAX], path[SCN_PATH_MAX], ref[2 * SCN_ID_MAX + 2];
	int has_count, has_ids;
	size_t k, j;

	for (k = 0; k < e->ndocs; k++) {
		d = &e->docs[k];
		scenario_path(base, "steps[%zu].expect.documents[%zu]", i, k);
		d->line = scenario_line(c, base);
		has_count = conf_has(c, scenario_path(path, "%s.count", base));
		has_ids = conf_has(c, scenario_path(path, "%s.ids", base));
		if (has_count == has_ids)
			scenario_err(c, base, "%s", has_ids ? "give count or ids, not both" :
			    "needs count or ids");
		if (has_ids)
			d->count = -1;
		if (d->region == NULL)
			continue;
		scenario_path(path, "%s.region", base);
		if (scenario_region(w->w_s, d->region) == NULL) {
			scenario_err(c, path, "no region \"%s\"", d->region);
			continue;
		}
		for (j = 0; j < k; j++)
			if (e->docs[j].region != NULL &&
			    strcmp(e->docs[j].region, d->region) == 0) {
				scenario_err(c, path, "%s is already documents[%zu]", d->region, j);
				break;
			}
		for (j = 0; j < d->nids; j++)
			if (snprintf(ref, sizeof(ref), "%s/%s", d->region, d->ids[j]) > 0 &&
			    scenario_document(w->w_s, ref, NULL) == NULL)
				scenario_err(c, scenario_path(path, "%s.ids", base),
				    "%s has no document %s", d->region, d->ids[j]);
	}
}

/* The region of the expectation entry at PATH (errors[k], audit[k]) must exist. */
static void
scenario_expect_region(struct scn_walk *w, const char *region, const char *path)
{
	char at[SCN_PATH_MAX];

	if (region != NULL && scenario_region(w->w_s, region) == NULL)
		scenario_err(w->w_c, scenario_path(at, "%s.region", path), "no region \"%s\"",
		    region);
}

static void
scenario_step_expect(struct scn_walk *w, struct scn_step *st, size_t i)
{
	struct conf *c = w->w_c;
	struct scn_expect *e = &st->expect;
	char path[SCN_PATH_MAX];
	size_t k, want = 0;

	if (!conf_has(c, scenario_path(path, "steps[%zu].expect", i)))
		return;
	e->line = scenario_line(c, path);
	e->has_docs = conf_has(c, scenario_path(path, "steps[%zu].expect.documents", i));
	e->has_found = conf_has(c, scenario_path(path, "steps[%zu].expect.found", i));
	scenario_expect_docs(w, e, i);
	for (k = 0; k < e->nfound; k++)
		if (scenario_region(w->w_s, e->found[k]) == NULL)
			scenario_err(c, scenario_path(path, "steps[%zu].expect.found", i),
			    "no region \"%s\"", e->found[k]);
	for (k = 0; k < e->nerrors; k++) {
		scenario_path(path, "steps[%zu].expect.errors[%zu]", i, k);
		e->errors[k].line = scenario_line(c, path);
		scenario_expect_region(w, e->errors[k].region, path);
	}
	for (k = 0; k < e->naudit; k++) {
		scenario_path(path, "steps[%zu].expect.audit[%zu]", i, k);
		e->audit[k].line = scenario_line(c, path);
		scenario_expect_region(w, e->audit[k].region, path);
	}
	for (k = 0; k < e->ndocs; k++)
		want += e->docs[k].count > 0 ? (size_t)e->docs[k].count : e->docs[k].nids;
	/* Failure means errors and no results (ITI TF-3 §4.2.4.2): never both. */
	if (e->status != NULL && strcmp(e->status, "Failure") == 0 && want > 0)
		scenario_err(c, scenario_path(path, "steps[%zu].expect.status", i),
		    "Failure brings no documents, but expect.documents expects %zu", want);
}

/* The kind as loaded is only meaningful when do: held a valid name. */
static int
scenario_kind_ok(struct conf *c, const struct scn_step *st, size_t i)
{
	char path[SCN_PATH_MAX];
	const char *v = scenario_scalar(c, scenario_path(path, "steps[%zu].do", i));

	return v != NULL && strcmp(v, scenario_kind_name(st->kind)) == 0;
}

static void
scenario_check_step(struct scn_walk *w, struct scn_step *st, size_t i)
{
	char path[SCN_PATH_MAX];

	scenario_step_keys_check(w->w_c, st, i);
	if (st->name == NULL && !conf_has(w->w_c, scenario_path(path, "steps[%zu].name", i)) &&
	    (st->name = scenario_default_name(st)) == NULL)
		scenario_nomem(w->w_c);
	switch (st->kind) {
	case SCN_DISCOVER:
	case SCN_QUERY:
	case SCN_RETRIEVE:
		scenario_step_asker(w, st, i);
		scenario_step_refs(w, st, i);
		break;
	case SCN_CONSENT_ADD:
	case SCN_CONSENT_WITHDRAW:
		scenario_step_consent(w, st, i);
		break;
	case SCN_WAIT:
		break;
	default:
		scenario_step_region(w, st, i);
		break;
	}
	if (scenario_rules[st->kind].sr_checks != NULL)
		scenario_step_expect(w, st, i);
}

void
scenario_check_steps(struct conf *c, struct scenario *s)
{
	struct scn_walk w = { c, s, NULL, NULL };
	char path[SCN_PATH_MAX];
	size_t i;

	if ((w.w_added = calloc(s->nconsents + 1, sizeof(long))) == NULL ||
	    (w.w_fault = calloc(s->nregions + 1, sizeof(long))) == NULL) {
		scenario_nomem(c);
		goto done;
	}
	for (i = 0; i < s->nconsents; i++)
		w.w_added[i] = -1;
	for (i = 0; i < s->nregions; i++)
		w.w_fault[i] = -1;
	scenario_mark_adds(&w);
	for (i = 0; i < s->nsteps; i++) {
		s->steps[i].line = scenario_line(c, scenario_path(path, "steps[%zu]", i));
		if (scenario_kind_ok(c, &s->steps[i], i))
			scenario_check_step(&w, &s->steps[i], i);
	}
done:
	free(w.w_added);
	free(w.w_fault);
}
