/* gateway/scenario_check: the checks of regions, patients, documents and consents that
 * involve more than one value, and the values derived from others (identifiers, same_as,
 * titles). */
#include "gateway/scenario_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/str.h"
#include "gateway/config_int.h"
#include "policy/consent_doc.h"

#define HCID_OFF	(sizeof(HCID_PREFIX) - 1)

/* Fills *FIELD with OID + SUFFIX when the file left KEY out (a value given but refused is
 * already reported). */
static void
scenario_derive(struct conf *c, size_t i, const char *key, char **field, const char *oid,
    const char *suffix)
{
	char path[SCN_PATH_MAX], buf[128];

	scenario_path(path, "regions[%zu].%s", i, key);
	if (*field != NULL || conf_has(c, path))
		return;
	snprintf(buf, sizeof(buf), "%s%s", oid, suffix);
	if (config_check_oid(buf) != NULL) {
		scenario_err(c, path, "%s%s, derived from home_community_id, is not an OID of "
		    "at most 64 characters: give one", oid, suffix);
		return;
	}
	if ((*field = str_dup(buf)) == NULL)
		scenario_nomem(c);
}

/* Region identifiers the file leaves out (SCN_ARC in scenario.h). */
static void
scenario_region_ids(struct conf *c, struct scn_region *r, size_t i)
{
	char path[SCN_PATH_MAX], buf[128];

	if (r->hcid == NULL) {
		if (conf_has(c, scenario_path(path, "regions[%zu].home_community_id", i)))
			return;
		snprintf(buf, sizeof(buf), HCID_PREFIX "%s.%zu", SCN_ARC, SCN_ARC_BASE + 1 + i);
		if ((r->hcid = str_dup(buf)) == NULL) {
			scenario_nomem(c);
			return;
		}
	}
	scenario_derive(c, i, "assigning_authority", &r->assigning_authority, r->hcid + HCID_OFF,
	    ".1");
	scenario_derive(c, i, "repository_unique_id", &r->repository, r->hcid + HCID_OFF, ".2");
}

/* Routing is by homeCommunityId and patients by authority: each names one region. */
static void
scenario_unique_ids(struct conf *c, const struct scenario *s, size_t i)
{
	static const char *const keys[] = { "home_community_id", "assigning_authority",
		"repository_unique_id" };
	const struct scn_region *r = &s->regions[i], *o;
	char path[SCN_PATH_MAX];
	const char *mine[3] = { r->hcid, r->assigning_authority, r->repository };
	const char *theirs[3];
	size_t j, k;

	for (j = 0; j < i; j++) {
		o = &s->regions[j];
		theirs[0] = o->hcid;
		theirs[1] = o->assigning_authority;
		theirs[2] = o->repository;
		/* the same HCID makes the same derived OIDs: one error says it all */
		for (k = 0; k < 3; k++) {
			if (mine[k] == NULL || theirs[k] == NULL || strcmp(mine[k], theirs[k]) != 0)
				continue;
			scenario_err(c, scenario_path(path, "regions[%zu].%s", i, keys[k]),
			    "%s is also the %s of regions[%zu]", mine[k], keys[k], j);
			break;
		}
	}
}

static const char *const scenario_demog_keys[] = { "family", "given", "family_kana",
	"given_kana", "birth", "sex", "postal", "address" };
#define SCN_NDEMOG	8
#define SCN_NREQUIRED	6	/* the first six */

static char **
scenario_demog_field(struct scn_patient *p, size_t k)
{
	char **f[SCN_NDEMOG] = { &p->family, &p->given, &p->family_kana, &p->given_kana,
		&p->birth, &p->sex, &p->postal, &p->address };

	return f[k];
}

static const char *
scenario_demog_get(const struct scn_patient *p, size_t k)
{
	const char *v[SCN_NDEMOG] = { p->family, p->given, p->family_kana, p->given_kana,
		p->birth, p->sex, p->postal, p->address };

	return v[k];
}

/* Completes patient K of region I from its same_as; 0 when it resolved (or has none). */
static int
scenario_same_as(struct conf *c, struct scenario *s, size_t i, size_t k)
{
	struct scn_patient *p = &s->regions[i].patients[k];
	const struct scn_patient *q;
	char path[SCN_PATH_MAX], key[SCN_PATH_MAX];
	size_t f;

	scenario_path(path, "regions[%zu].patients[%zu].same_as", i, k);
	if (p->same_as == NULL)		/* absent, or refused and already reported */
		return conf_has(c, path) ? -1 : 0;
	if (scenario_patient(s, p->same_as, NULL, &q) == -1) {
		scenario_err(c, path, "no patient %s", p->same_as);
		return -1;
	}
	if (q == NULL || q == p || q->same_as != NULL) {
		scenario_err(c, path, "%s %s", p->same_as, q == NULL ?
		    "is a synthetic patient: name a listed one" : q == p ? "is this patient" :
		    "has a same_as itself: name the patient it refers to");
		return -1;
	}
	for (f = 0; f < SCN_NDEMOG; f++) {
		const char *from = scenario_demog_get(q, f);

		scenario_path(key, "regions[%zu].patients[%zu].%s", i, k, scenario_demog_keys[f]);
		if (*scenario_demog_field(p, f) != NULL || conf_has(c, key) || from == NULL)
			continue;
		if ((*scenario_demog_field(p, f) = str_dup(from)) == NULL)
			scenario_nomem(c);
	}
	return 0;
}

/* The demographics matching and consent binding need, unless same_as gives them; one
 * message for all that are missing. */
static void
scenario_patient_required(struct conf *c, struct scn_patient *p, const char *path)
{
	struct strbuf sb = { 0 };
	char key[SCN_PATH_MAX];
	size_t f;

	for (f = 0; f < SCN_NREQUIRED; f++)
		if (*scenario_demog_field(p, f) == NULL &&
		    !conf_has(c, scenario_path(key, "%s.%s", path, scenario_demog_keys[f])))
			strbuf_printf(&sb, "%s%s", sb.sb_len ? ", " : "", scenario_demog_keys[f]);
	if (sb.sb_failed)
		scenario_nomem(c);
	else if (sb.sb_len > 0)
		scenario_err(c, path, "needs %s (or same_as)", sb.sb_data);
	strbuf_reset(&sb);
}

static void
scenario_check_patients(struct conf *c, struct scenario *s, size_t i)
{
	struct scn_region *r = &s->regions[i];
	struct scn_patient *p;
	char path[SCN_PATH_MAX], key[SCN_PATH_MAX], last[SCN_ID_MAX + 16];
	size_t k, j;

	for (k = 0; k < r->npatients; k++) {
		p = &r->patients[k];
		p->line = scenario_line(c, scenario_path(path, "regions[%zu].patients[%zu]", i, k));
		for (j = 0; p->id != NULL && j < k; j++)
			if (r->patients[j].id != NULL && strcmp(r->patients[j].id, p->id) == 0) {
				scenario_err(c, scenario_path(key, "%s.id", path),
				    "\"%s\" is already patients[%zu]", p->id, j);
				break;
			}
		if (p->id != NULL && scenario_is_synthetic(r, p->id) &&
		    scenario_synthetic_id(r, (size_t)r->synthetic - 1, last, sizeof(last)) == 0)
			scenario_err(c, scenario_path(key, "%s.id", path), "\"%s\" is also the "
			    "id of a synthetic patient (%s%04zu to %s): choose another", p->id,
			    r->id_prefix, r->npatients + 1, last);
		if (scenario_same_as(c, s, i, k) == -1)
			continue;
		scenario_patient_required(c, p, path);
	}
}

static const char *
scenario_class_title(const char *class_code)
{
	if (strcmp(class_code, "57133-1") == 0)
		return "診療情報提供書";
	if (strcmp(class_code, "18842-5") == 0)
		return "退院時サマリー";
	return class_code;
}

static void
scenario_check_documents(struct conf *c, struct scenario *s, size_t i)
{
	struct scn_region *r = &s->regions[i];
	struct scn_document *d;
	char path[SCN_PATH_MAX], key[SCN_PATH_MAX], ref[2 * SCN_ID_MAX + 2];
	size_t k, j;

	for (k = 0; k < r->ndocuments; k++) {
		d = &r->documents[k];
		scenario_path(path, "regions[%zu].documents[%zu]", i, k);
		d->line = scenario_line(c, path);
		for (j = 0; d->id != NULL && j < k; j++)
			if (r->documents[j].id != NULL && strcmp(r->documents[j].id, d->id) == 0) {
				scenario_err(c, scenario_path(key, "%s.id", path),
				    "\"%s\" is already documents[%zu]", d->id, j);
				break;
			}
		if (d->patient != NULL && r->name != NULL &&
		    snprintf(ref, sizeof(ref), "%s/%s", r->name, d->patient) > 0 &&
		    scenario_patient(s, ref, NULL, NULL) == -1)
			scenario_err(c, scenario_path(key, "%s.patient", path),
			    "%s has no patient %s", r->name, d->patient);
		if (d->title == NULL && d->class_code != NULL &&
		    (d->title = str_dup(scenario_class_title(d->class_code))) == NULL)
			scenario_nomem(c);
		if (d->file != NULL && access(d->file, R_OK) == -1)
			scenario_err(c, scenario_path(key, "%s.file", path), "cannot read it: %s",
			    strerror(errno));
	}
}

void
scenario_check_regions(struct conf *c, struct scenario *s)
{
	struct scn_region *r;
	char path[SCN_PATH_MAX];
	size_t i, j;

	for (i = 0; i < s->nregions; i++) {
		r = &s->regions[i];
		r->line = scenario_line(c, scenario_path(path, "regions[%zu]", i));
		for (j = 0; r->name != NULL && j < i; j++)
			if (s->regions[j].name != NULL && strcmp(s->regions[j].name, r->name) == 0) {
				scenario_err(c, scenario_path(path, "regions[%zu].name", i),
				    "\"%s\" is already regions[%zu]", r->name, j);
				break;
			}
		if (r->display == NULL && r->name != NULL &&
		    (r->display = str_dup(r->name)) == NULL)
			scenario_nomem(c);
		scenario_region_ids(c, r, i);
		scenario_unique_ids(c, s, i);
		/* hashid reaches every peer on its clinical listener (a peer's query_url); an
		 * empty list was reported as such */
		if (r->npurposes > 0 && !scenario_list_has(r->purposes, r->npurposes, "clinical"))
			scenario_err(c, scenario_path(path, "regions[%zu].purposes", i),
			    "every gateway serves clinical (its peers' default purpose): add "
			    "clinical to purposes");
		if (r->emergency && !scenario_list_has(r->purposes, r->npurposes, "emergency"))
			scenario_err(c, scenario_path(path, "regions[%zu].emergency", i),
			    "break-glass needs an emergency listener: add emergency to purposes");
	}
	/* Patients and documents refer across regions (same_as): all names come first. */
	for (i = 0; i < s->nregions; i++) {
		scenario_check_patients(c, s, i);
		scenario_check_documents(c, s, i);
	}
}

/* Returns 1 when some region serves PURPOSE. */
static int
scenario_purpose_served(const struct scenario *s, const char *purpose)
{
	size_t i;

	for (i = 0; i < s->nregions; i++)
		if (scenario_list_has(s->regions[i].purposes, s->regions[i].npurposes, purpose))
			return 1;
	return 0;
}

/* The scope lists: what a consent document can say (policy/consent_doc.h limits). */
static void
scenario_consent_scope(struct conf *c, const struct scenario *s, size_t k)
{
	const struct scn_consent *cs = &s->consents[k];
	char path[SCN_PATH_MAX];
	size_t j;

	scenario_path(path, "consents[%zu].allow", k);
	for (j = 0; j < cs->nallow; j++)
		if (scenario_region(s, cs->allow[j]) == NULL)
			scenario_err(c, path, "no region \"%s\"", cs->allow[j]);
	if (cs->nallow > CONSENT_REGIONS_MAX)
		scenario_err(c, path, "a consent names at most %d regions, has %zu (leave allow "
		    "out for every region)", CONSENT_REGIONS_MAX, cs->nallow);
	scenario_path(path, "consents[%zu].purposes", k);
	for (j = 0; j < cs->npurposes; j++)
		if (!scenario_purpose_served(s, cs->purposes[j]))
			scenario_err(c, path, "no region serves purpose \"%s\"", cs->purposes[j]);
	if (cs->npurposes > CONSENT_PURPOSES_MAX)
		scenario_err(c, path, "a consent names at most %d purposes, has %zu",
		    CONSENT_PURPOSES_MAX, cs->npurposes);
	if (cs->nclasses > CONSENT_CLASSES_MAX)
		scenario_err(c, scenario_path(path, "consents[%zu].classes", k), "a consent "
		    "names at most %d document classes, has %zu", CONSENT_CLASSES_MAX,
		    cs->nclasses);
}

void
scenario_check_consents(struct conf *c, struct scenario *s)
{
	struct scn_consent *cs;
	const struct scn_region *r;
	const struct scn_patient *p;
	char path[SCN_PATH_MAX];
	int64_t from, to;
	size_t k, j;

	for (k = 0; k < s->nconsents; k++) {
		cs = &s->consents[k];
		cs->line = scenario_line(c, scenario_path(path, "consents[%zu]", k));
		cs->at_start = 1;	/* until a consent_add step names it */
		for (j = 0; cs->id != NULL && j < k; j++)
			if (s->consents[j].id != NULL && strcmp(s->consents[j].id, cs->id) == 0) {
				scenario_err(c, scenario_path(path, "consents[%zu].id", k),
				    "\"%s\" is already consents[%zu]", cs->id, j);
				break;
			}
		scenario_path(path, "consents[%zu].patient", k);
		if (cs->patient != NULL && scenario_patient(s, cs->patient, &r, &p) == -1)
			scenario_err(c, path, "no patient %s", cs->patient);
		else if (cs->patient != NULL) {
			if ((cs->region = str_dup(r->name)) == NULL)
				scenario_nomem(c);
			/* hashictl consent add binds the card to the MPI record's address */
			if (p != NULL && p->address == NULL)
				scenario_err(c, path, "%s has no address: a consent is bound to "
				    "the address on the card", cs->patient);
		}
		scenario_consent_scope(c, s, k);
		if (cs->not_before != NULL && cs->not_after != NULL &&
		    consent_time_parse(cs->not_before, 1, 0, &from) == 0 &&
		    consent_time_parse(cs->not_after, 1, 1, &to) == 0 && to < from)
			scenario_err(c, scenario_path(path, "consents[%zu].to", k),
			    "is before from");
	}
}
