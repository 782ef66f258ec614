/* gateway/scenario: the scenario file's option tables over common/conf, loading, freeing
 * and look-ups. The checks that involve more than one value are in scenario_check.c
 * (regions, patients, documents, consents) and scenario_steps.c (steps). */
#include "gateway/scenario.h"
#include "gateway/scenario_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/str.h"
#include "gateway/config_int.h"

#define OFF(type, member)	offsetof(type, member)
#define SEC	1000LL
#define MIN	(60 * SEC)

/* A list is a char ** directly followed by its size_t count (scenario_set_* rely on it). */
#define LIST_PAIR(type, v, n) \
	_Static_assert(offsetof(type, n) == offsetof(type, v) + sizeof(char **), #type "." #n)
LIST_PAIR(struct scn_region, purposes, npurposes);
LIST_PAIR(struct scn_region, users, nusers);
LIST_PAIR(struct scn_consent, allow, nallow);
LIST_PAIR(struct scn_consent, purposes, npurposes);
LIST_PAIR(struct scn_consent, classes, nclasses);
LIST_PAIR(struct scn_expect_docs, ids, nids);
LIST_PAIR(struct scn_expect, found, nfound);
LIST_PAIR(struct scn_step, documents, ndocuments);
_Static_assert(sizeof(enum scn_step_kind) == sizeof(int), "CONF_ENUM stores an int");

/* What the file holds: the scenario, and the defaults: mapping applied to every region.
 * The scenario comes first, so that scenario_free can get back to the whole. */
struct scn_file {
	struct scenario		sf_s;
	struct scn_region	sf_defaults;
};

#define LIST(key, type, member, setter, def, doc) \
	{ .co_key = key, .co_type = CONF_CUSTOM, .co_off = OFF(type, member), \
	  .co_set = setter, .co_free = scenario_list_free, .co_default = def, .co_doc = doc }

static const struct conf_option patient_opts[] = {
	{ .co_key = "id", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_patient, id), .co_check = scenario_check_id,
	  .co_doc = "the region's patient id" },
	{ .co_key = "same_as", .co_type = CONF_STRING, .co_off = OFF(struct scn_patient, same_as),
	  .co_check = scenario_check_ref,
	  .co_doc = "region/id of the same person: absent keys from it" },
	{ .co_key = "family", .co_type = CONF_STRING, .co_off = OFF(struct scn_patient, family),
	  .co_check = scenario_check_text, .co_doc = "family name (kanji)" },
	{ .co_key = "given", .co_type = CONF_STRING, .co_off = OFF(struct scn_patient, given),
	  .co_check = scenario_check_text, .co_doc = "given name (kanji)" },
	{ .co_key = "family_kana", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_patient, family_kana), .co_check = scenario_check_kana,
	  .co_doc = "family name reading" },
	{ .co_key = "given_kana", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_patient, given_kana), .co_check = scenario_check_kana,
	  .co_doc = "given name reading" },
	{ .co_key = "birth", .co_type = CONF_STRING, .co_off = OFF(struct scn_patient, birth),
	  .co_check = scenario_check_birth, .co_doc = "date of birth YYYY-MM-DD" },
	{ .co_key = "sex", .co_type = CONF_STRING, .co_off = OFF(struct scn_patient, sex),
	  .co_check = scenario_check_sex, .co_doc = "M, F or U" },
	{ .co_key = "postal", .co_type = CONF_STRING, .co_off = OFF(struct scn_patient, postal),
	  .co_check = scenario_check_postal, .co_doc = "postal code NNN-NNNN" },
	{ .co_key = "address", .co_type = CONF_STRING, .co_off = OFF(struct scn_patient, address),
	  .co_check = scenario_check_address, .co_doc = "address, prefecture first" },
	{ .co_key = NULL }
};
static const struct conf_table patient_table = { "patients", patient_opts,
	sizeof(struct scn_patient) };

static const struct conf_option document_opts[] = {
	{ .co_key = "id", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_document, id), .co_check = scenario_check_id,
	  .co_doc = "handle, unique in the region" },
	{ .co_key = "patient", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_document, patient), .co_check = scenario_check_id,
	  .co_doc = "id of a patient of the region" },
	{ .co_key = "class", .co_type = CONF_STRING, .co_default = "57133-1",
	  .co_off = OFF(struct scn_document, class_code), .co_check = scenario_check_token,
	  .co_doc = "document class code (LOINC)" },
	{ .co_key = "title", .co_type = CONF_STRING, .co_off = OFF(struct scn_document, title),
	  .co_doc = "title; default from the class" },
	{ .co_key = "file", .co_type = CONF_PATH, .co_off = OFF(struct scn_document, file),
	  .co_doc = "CDA file, relative to the scenario" },
	{ .co_key = NULL }
};
static const struct conf_table document_table = { "documents", document_opts,
	sizeof(struct scn_document) };

/* The keys a region shares with defaults:; the two tables list them alike. */
#define REGION_COMMON(dflt_purposes, dflt_users, dflt_true, dflt_false, dflt_prefix, dflt_0) \
	LIST("purposes", struct scn_region, purposes, scenario_set_purposes, dflt_purposes, \
	    "purposes its gateway serves"), \
	{ .co_key = "consent_required", .co_type = CONF_BOOL, .co_default = dflt_true, \
	  .co_off = OFF(struct scn_region, consent_required), \
	  .co_doc = "records only with the patient's consent" }, \
	{ .co_key = "emergency", .co_type = CONF_BOOL, .co_default = dflt_false, \
	  .co_off = OFF(struct scn_region, emergency), \
	  .co_doc = "break-glass without consent on its emergency listener" }, \
	{ .co_key = "vpn", .co_type = CONF_BOOL, .co_default = dflt_true, \
	  .co_off = OFF(struct scn_region, vpn), .co_doc = "tunnels with --netns" }, \
	{ .co_key = "id_prefix", .co_type = CONF_STRING, .co_default = dflt_prefix, \
	  .co_off = OFF(struct scn_region, id_prefix), .co_check = scenario_check_prefix, \
	  .co_doc = "prefix of synthetic patient ids" }, \
	LIST("users", struct scn_region, users, scenario_set_users, dflt_users, \
	    "clinicians of its local EHR"), \
	{ .co_key = "synthetic", .co_type = CONF_INT, .co_default = dflt_0, \
	  .co_off = OFF(struct scn_region, synthetic), .co_width = sizeof(int), \
	  .co_min = 0, .co_max = 100000, .co_doc = "generated patients" }

static const struct conf_option region_opts[] = {
	{ .co_key = "name", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_region, name), .co_check = scenario_check_region_name,
	  .co_doc = "short ASCII name" },
	{ .co_key = "display", .co_type = CONF_STRING, .co_off = OFF(struct scn_region, display),
	  .co_doc = "community name (UTF-8)" },
	{ .co_key = "home_community_id", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_region, hcid), .co_check = config_check_hcid,
	  .co_doc = "urn:oid:...; derived when absent" },
	{ .co_key = "assigning_authority", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_region, assigning_authority), .co_check = config_check_oid,
	  .co_doc = "OID of its patient ids" },
	{ .co_key = "repository_unique_id", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_region, repository), .co_check = config_check_oid,
	  .co_doc = "OID of its repository" },
	REGION_COMMON(SCN_DEFAULT_PURPOSE, SCN_DEFAULT_USER, "true", "false", "P", "0"),
	{ .co_key = "patients", .co_type = CONF_SEQ, .co_table = &patient_table,
	  .co_off = OFF(struct scn_region, patients),
	  .co_count_off = OFF(struct scn_region, npatients), .co_doc = "listed patients" },
	{ .co_key = "documents", .co_type = CONF_SEQ, .co_table = &document_table,
	  .co_off = OFF(struct scn_region, documents),
	  .co_count_off = OFF(struct scn_region, ndocuments), .co_doc = "listed documents" },
	{ .co_key = NULL }
};
static const struct conf_table region_table = { "regions", region_opts,
	sizeof(struct scn_region) };

static const struct conf_option defaults_opts[] = {
	REGION_COMMON(NULL, NULL, NULL, NULL, NULL, NULL),
	{ .co_key = NULL }
};
static const struct conf_table defaults_table = { "defaults", defaults_opts, 0 };

static const struct conf_option consent_opts[] = {
	{ .co_key = "id", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_consent, id), .co_check = scenario_check_id,
	  .co_doc = "handle" },
	{ .co_key = "patient", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_consent, patient), .co_check = scenario_check_ref,
	  .co_doc = "region/id of the patient who signs" },
	LIST("allow", struct scn_consent, allow, scenario_set_regions, NULL,
	    "regions allowed; absent = all"),
	LIST("purposes", struct scn_consent, purposes, scenario_set_purposes, NULL,
	    "purposes allowed; absent = all"),
	LIST("classes", struct scn_consent, classes, scenario_set_classes, NULL,
	    "document classes; absent = all"),
	{ .co_key = "from", .co_type = CONF_STRING, .co_off = OFF(struct scn_consent, not_before),
	  .co_check = scenario_check_time, .co_doc = "valid from (date or dateTime)" },
	{ .co_key = "to", .co_type = CONF_STRING, .co_off = OFF(struct scn_consent, not_after),
	  .co_check = scenario_check_time, .co_doc = "valid until (date or dateTime)" },
	{ .co_key = NULL }
};
static const struct conf_table consent_table = { "consents", consent_opts,
	sizeof(struct scn_consent) };

static const struct conf_option edocs_opts[] = {
	{ .co_key = "region", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_expect_docs, region), .co_check = scenario_check_region_name },
	{ .co_key = "count", .co_type = CONF_INT, .co_off = OFF(struct scn_expect_docs, count),
	  .co_width = sizeof(long), .co_min = 0, .co_max = 1000000 },
	LIST("ids", struct scn_expect_docs, ids, scenario_set_ids, NULL, "document handles"),
	{ .co_key = NULL }
};
static const struct conf_table edocs_table = { "documents", edocs_opts,
	sizeof(struct scn_expect_docs) };

static const struct conf_option eerr_opts[] = {
	{ .co_key = "code", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_expect_error, code), .co_check = scenario_check_regerr },
	{ .co_key = "region", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_expect_error, region), .co_check = scenario_check_region_name },
	{ .co_key = "contains", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_expect_error, contains) },
	{ .co_key = NULL }
};
static const struct conf_table eerr_table = { "errors", eerr_opts,
	sizeof(struct scn_expect_error) };

static const struct conf_option eaudit_opts[] = {
	{ .co_key = "region", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_expect_audit, region), .co_check = scenario_check_region_name },
	{ .co_key = "event", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_expect_audit, event), .co_check = scenario_check_event },
	{ .co_key = "outcome", .co_type = CONF_CUSTOM, .co_default = "any",
	  .co_off = OFF(struct scn_expect_audit, outcome), .co_set = scenario_set_outcome },
	{ .co_key = "purpose", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_expect_audit, purpose), .co_check = scenario_check_purpose },
	{ .co_key = NULL }
};
static const struct conf_table eaudit_table = { "audit", eaudit_opts,
	sizeof(struct scn_expect_audit) };

static const struct conf_option expect_opts[] = {
	{ .co_key = "status", .co_type = CONF_STRING, .co_off = OFF(struct scn_expect, status),
	  .co_check = scenario_check_status },
	{ .co_key = "documents", .co_type = CONF_SEQ, .co_table = &edocs_table,
	  .co_off = OFF(struct scn_expect, docs), .co_count_off = OFF(struct scn_expect, ndocs) },
	LIST("found", struct scn_expect, found, scenario_set_regions, NULL,
	    "regions that find the patient"),
	{ .co_key = "errors", .co_type = CONF_SEQ, .co_table = &eerr_table,
	  .co_off = OFF(struct scn_expect, errors),
	  .co_count_off = OFF(struct scn_expect, nerrors) },
	{ .co_key = "denied", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_expect, denied_reason), .co_check = scenario_check_denied },
	{ .co_key = "within", .co_type = CONF_DURATION, .co_off = OFF(struct scn_expect, max_ms),
	  .co_min = 1, .co_max = 10 * MIN },
	{ .co_key = "audit", .co_type = CONF_SEQ, .co_table = &eaudit_table,
	  .co_off = OFF(struct scn_expect, audit), .co_count_off = OFF(struct scn_expect, naudit) },
	{ .co_key = NULL }
};
static const struct conf_table expect_table = { "expect", expect_opts, 0 };

static const char *const step_kinds[] = { "discover", "query", "retrieve", "consent_add",
	"consent_withdraw", "region_down", "region_up", "region_slow", "region_garbage",
	"region_wrong_cert", "wait", NULL };
_Static_assert(sizeof(step_kinds) / sizeof(step_kinds[0]) == SCN_NKINDS + 1, "step_kinds");

static const struct conf_option step_opts[] = {
	{ .co_key = "name", .co_type = CONF_STRING, .co_off = OFF(struct scn_step, name) },
	{ .co_key = "do", .co_type = CONF_ENUM, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_step, kind), .co_enum = step_kinds },
	{ .co_key = "as", .co_type = CONF_STRING, .co_off = OFF(struct scn_step, as),
	  .co_check = scenario_check_as },
	{ .co_key = "purpose", .co_type = CONF_STRING, .co_off = OFF(struct scn_step, purpose),
	  .co_check = scenario_check_purpose },
	{ .co_key = "reason", .co_type = CONF_STRING, .co_off = OFF(struct scn_step, reason) },
	{ .co_key = "patient", .co_type = CONF_STRING, .co_off = OFF(struct scn_step, patient),
	  .co_check = scenario_check_ref },
	LIST("documents", struct scn_step, documents, scenario_set_refs, NULL, "region/docid"),
	{ .co_key = "consent", .co_type = CONF_STRING, .co_off = OFF(struct scn_step, consent),
	  .co_check = scenario_check_id },
	{ .co_key = "region", .co_type = CONF_STRING, .co_off = OFF(struct scn_step, region),
	  .co_check = scenario_check_region_name },
	{ .co_key = "delay", .co_type = CONF_DURATION, .co_off = OFF(struct scn_step, delay_ms),
	  .co_min = 1, .co_max = 10 * MIN },
	{ .co_key = "expect", .co_type = CONF_MAP, .co_table = &expect_table,
	  .co_off = OFF(struct scn_step, expect) },
	{ .co_key = NULL }
};
static const struct conf_table step_table = { "steps", step_opts, sizeof(struct scn_step) };

static const struct conf_option file_opts[] = {
	{ .co_key = "name", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct scn_file, sf_s.name), .co_doc = "title of the scenario" },
	{ .co_key = "description", .co_type = CONF_STRING,
	  .co_off = OFF(struct scn_file, sf_s.description) },
	{ .co_key = "timeout", .co_type = CONF_DURATION, .co_default = "10s",
	  .co_off = OFF(struct scn_file, sf_s.timeout_ms), .co_min = 100, .co_max = 10 * MIN,
	  .co_doc = "per-request deadline of the gateways" },
	{ .co_key = "defaults", .co_type = CONF_MAP, .co_table = &defaults_table,
	  .co_off = OFF(struct scn_file, sf_defaults), .co_doc = "region keys for every region" },
	{ .co_key = "regions", .co_type = CONF_SEQ, .co_flags = CONF_REQUIRED,
	  .co_table = &region_table, .co_off = OFF(struct scn_file, sf_s.regions),
	  .co_count_off = OFF(struct scn_file, sf_s.nregions), .co_min = 2, .co_max = 100 },
	{ .co_key = "consents", .co_type = CONF_SEQ, .co_table = &consent_table,
	  .co_off = OFF(struct scn_file, sf_s.consents),
	  .co_count_off = OFF(struct scn_file, sf_s.nconsents) },
	{ .co_key = "steps", .co_type = CONF_SEQ, .co_flags = CONF_REQUIRED,
	  .co_table = &step_table, .co_off = OFF(struct scn_file, sf_s.steps),
	  .co_count_off = OFF(struct scn_file, sf_s.nsteps), .co_min = 1 },
	{ .co_key = NULL }
};
static const struct conf_table file_table = { "scenario", file_opts, sizeof(struct scn_file) };

const char *
scenario_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, SCN_PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= SCN_PATH_MAX)
		buf[0] = '\0';
	return buf;
}

int
scenario_line(const struct conf *c, const char *path)
{
	return conf_line(c, path);
}

const char *
scenario_scalar(const struct conf *c, const char *path)
{
	return conf_scalar(c, path);
}

void
scenario_nomem(struct conf *c)
{
	conf_errorf(c, NULL, "out of memory");
}

/* Copies one key of defaults: into region I when the region does not set it itself. The
 * keys are strings, lists (char ** and count) and ints (booleans, counts). */
static void
scenario_default_key(struct conf *c, const struct conf_option *o, struct scn_region *dst,
    const struct scn_region *src, size_t i)
{
	char path[SCN_PATH_MAX], *str, **v;
	char *const *from;
	void *field = (char *)dst + o->co_off;
	const void *orig = (const char *)src + o->co_off;
	size_t n, k;

	if (!conf_has(c, scenario_path(path, "defaults.%s", o->co_key)) ||
	    conf_has(c, scenario_path(path, "regions[%zu].%s", i, o->co_key)))
		return;
	switch (o->co_type) {
	case CONF_STRING:
		memcpy(&str, orig, sizeof(str));
		if ((str = str_dup(str)) == NULL)
			goto nomem;
		free(*(char **)field);
		*(char **)field = str;
		break;
	case CONF_CUSTOM:
		memcpy(&from, orig, sizeof(from));
		memcpy(&n, (const char *)orig + sizeof(char **), sizeof(n));
		if ((v = calloc(n, sizeof(*v))) == NULL)
			goto nomem;
		scenario_list_free(field);
		memcpy(field, &v, sizeof(v));
		memcpy((char *)field + sizeof(char **), &n, sizeof(n));
		for (k = 0; k < n; k++)
			if ((v[k] = str_dup(from[k])) == NULL)
				goto nomem;
		break;
	default:
		memcpy(field, orig, sizeof(int));
		break;
	}
	return;
nomem:
	scenario_nomem(c);
}

static void
scenario_apply_defaults(struct conf *c, struct scn_file *f)
{
	const struct conf_option *o;
	size_t i;

	if (!conf_has(c, "defaults"))
		return;
	for (i = 0; i < f->sf_s.nregions; i++)
		for (o = defaults_opts; o->co_key != NULL; o++)
			scenario_default_key(c, o, &f->sf_s.regions[i], &f->sf_defaults, i);
}

struct scenario *
scenario_load(const char *file, FILE *errs)
{
	struct scn_file *f = NULL;
	struct scenario *ret = NULL;
	struct conf *c = NULL;

	if ((c = conf_new(file)) == NULL || (f = calloc(1, sizeof(*f))) == NULL ||
	    (f->sf_s.file = str_dup(file)) == NULL) {
		if (errs != NULL)
			fprintf(errs, "%s: out of memory\n", file);
		else
			log_warnx("%s: out of memory", file);
		goto done;
	}
	conf_load(c, &file_table, f);
	/* The checks run whenever a document was parsed, so that one run shows all. */
	if (conf_lookup(c, "") != NULL) {
		scenario_apply_defaults(c, f);
		scenario_check_regions(c, &f->sf_s);
		scenario_check_consents(c, &f->sf_s);
		scenario_check_steps(c, &f->sf_s);
	}
	if (conf_nerrors(c) > 0) {
		conf_report(c, errs);
		goto done;
	}
	ret = &f->sf_s;
	f = NULL;
done:
	scenario_free(f != NULL ? &f->sf_s : NULL);
	conf_free(c);
	return ret;
}

void
scenario_free(struct scenario *s)
{
	struct scn_file *f = (struct scn_file *)(void *)s;	/* sf_s is its first member */
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; s->steps != NULL && i < s->nsteps; i++) {
		free(s->steps[i].as_region);
		free(s->steps[i].as_user);
	}
	for (i = 0; s->consents != NULL && i < s->nconsents; i++)
		free(s->consents[i].region);
	free(s->file);
	conf_table_free(&file_table, f);
	free(f);
}

const struct scn_region *
scenario_region(const struct scenario *s, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < s->nregions; i++)
		if (s->regions[i].name != NULL && strcmp(s->regions[i].name, name) == 0)
			return &s->regions[i];
	return NULL;
}

int
scenario_is_synthetic(const struct scn_region *r, const char *id)
{
	size_t plen = r->id_prefix != NULL ? strlen(r->id_prefix) : 0, dlen;
	long long num;

	/* Only the spelling scenario_synthetic_id writes: at least four digits, no more
	 * leading zeros than that takes. */
	if (plen == 0 || strncmp(id, r->id_prefix, plen) != 0)
		return 0;
	dlen = strlen(id + plen);
	if (dlen < 4 || strspn(id + plen, "0123456789") != dlen ||
	    (dlen > 4 && id[plen] == '0') || str_to_ll(id + plen, 1, LLONG_MAX, &num) == -1)
		return 0;
	return num > (long long)r->npatients &&
	    num <= (long long)r->npatients + r->synthetic;
}

int
scenario_patient(const struct scenario *s, const char *ref,
    const struct scn_region **region, const struct scn_patient **patient)
{
	char name[SCN_NAME_MAX + 1];
	const struct scn_region *r;
	const char *id;
	size_t i;

	if (ref == NULL || scenario_ref_split(ref, name, &id) == -1 ||
	    (r = scenario_region(s, name)) == NULL)
		return -1;
	if (region != NULL)
		*region = r;
	if (patient != NULL)
		*patient = NULL;
	for (i = 0; i < r->npatients; i++) {
		if (r->patients[i].id != NULL && strcmp(r->patients[i].id, id) == 0) {
			if (patient != NULL)
				*patient = &r->patients[i];
			return 0;
		}
	}
	return scenario_is_synthetic(r, id) ? 0 : -1;
}

const struct scn_document *
scenario_document(const struct scenario *s, const char *ref,
    const struct scn_region **region)
{
	char name[SCN_NAME_MAX + 1];
	const struct scn_region *r;
	const char *id;
	size_t i;

	if (ref == NULL || scenario_ref_split(ref, name, &id) == -1 ||
	    (r = scenario_region(s, name)) == NULL)
		return NULL;
	for (i = 0; i < r->ndocuments; i++) {
		if (r->documents[i].id != NULL && strcmp(r->documents[i].id, id) == 0) {
			if (region != NULL)
				*region = r;
			return &r->documents[i];
		}
	}
	return NULL;
}

const struct scn_consent *
scenario_consent(const struct scenario *s, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < s->nconsents; i++)
		if (s->consents[i].id != NULL && strcmp(s->consents[i].id, id) == 0)
			return &s->consents[i];
	return NULL;
}

int
scenario_synthetic_id(const struct scn_region *r, size_t k, char *buf, size_t bufsz)
{
	int n;

	if (r->synthetic < 0 || k >= (size_t)r->synthetic || r->id_prefix == NULL)
		return -1;
	n = snprintf(buf, bufsz, "%s%04zu", r->id_prefix, r->npatients + k + 1);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

const char *
scenario_kind_name(enum scn_step_kind kind)
{
	if ((int)kind < 0 || kind >= SCN_NKINDS)
		return "?";
	return step_kinds[kind];
}
