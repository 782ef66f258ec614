/* Unit tests for gateway/scenario: the shipped scenarios and every complete example of
 * docs/scenarios.md (its ```yaml blocks) load; every invalid file of tests/scenarios/bad
 * gives exactly the lines of its .expected; loaded values, defaults and derived values are
 * what the file says; unknown keys are errors. Files are found through $HASHI_ROOT, else
 * relative to the repo root (the cwd of tests/run.sh), and copied into a temp dir with mode
 * 0600 (common/conf refuses group-writable files, and a checkout may be). */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gateway/scenario.h"
#include "tests/unit/tmpdir.h"

static char tmpdir[PATH_MAX];

static const char *
root_dir(void)
{
	const char *r = getenv("HASHI_ROOT");

	return r != NULL && *r != '\0' ? r : ".";
}

/* Returns a malloc'd copy of a whole file, or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = calloc(1, (size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Writes TEXT to <tmpdir>/NAME, mode 0600; returns the path (static buffer). */
static const char *
put_file(const char *name, const char *text)
{
	static char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	return path;
}

/* Loads FILE; the error text goes to *ERRS (caller frees) with "<tmpdir>/" removed from
 * the start of every line. */
static struct scenario *
load(const char *file, char **errs)
{
	struct scenario *s;
	char *buf = NULL, *p, *q, prefix[PATH_MAX + 2];
	size_t len = 0, plen;
	FILE *mem = open_memstream(&buf, &len);

	assert_non_null(mem);
	s = scenario_load(file, mem);
	assert_int_equal(fclose(mem), 0);
	snprintf(prefix, sizeof(prefix), "%s/", tmpdir);
	plen = strlen(prefix);
	for (p = q = buf; *p != '\0';) {
		if ((p == buf || p[-1] == '\n') && strncmp(p, prefix, plen) == 0)
			p += plen;
		*q++ = *p++;
	}
	*q = '\0';
	*errs = buf;
	return s;
}

/* Loads TEXT as NAME; returns the scenario or NULL, errors in *ERRS. */
static struct scenario *
load_text(const char *name, const char *text, char **errs)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s", put_file(name, text));
	return load(path, errs);
}

/* Loads the repo file REL (copied under its base name) and requires it to load. */
static void
must_load(const char *rel, const char *text)
{
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	struct scenario *s;
	char *errs;

	s = load_text(base, text, &errs);
	if (s == NULL || *errs != '\0')
		fail_msg("%s does not load:\n%s", rel, errs);
	scenario_free(s);
	free(errs);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-scn.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmpdir);
}

static void
test_shipped_scenarios_load(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], *text;
	struct dirent *de;
	size_t len;
	DIR *d;
	int n = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/scenarios", root_dir());
	if ((d = opendir(dir)) == NULL)
		fail_msg("cannot open %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_non_null(text = slurp(path));
		must_load(path, text);
		free(text);
		n++;
	}
	closedir(d);
	assert_true(n >= 2);	/* okayama-shimane and maebashi-sakata at least */
}

/* Every ```yaml block of docs/scenarios.md is a complete scenario; fragments are written
 * in blocks without a language. */
static void
test_doc_examples_load(void **state)
{
	char path[PATH_MAX + 64], name[64], *doc, *p, *end;
	int n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/scenarios.md", root_dir());
	assert_non_null(doc = slurp(path));
	for (p = doc; (p = strstr(p, "\n```yaml\n")) != NULL; p = end + 4) {
		p += strlen("\n```yaml\n");
		if ((end = strstr(p, "\n```\n")) == NULL)
			fail_msg("docs/scenarios.md: unterminated ```yaml block");
		end[1] = '\0';
		snprintf(name, sizeof(name), "doc-example-%d.yaml", ++n);
		must_load(name, p);
		end[1] = '`';
	}
	free(doc);
	assert_true(n >= 2);	/* the worked example and the compact one */
}

/* The worked example is the shipped file, and the invalid example gives what the page
 * says it gives. */
static void
test_doc_matches(void **state)
{
	char path[PATH_MAX + 64], *doc, *file, *p, *end, *want;
	struct scenario *s;
	char *errs;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/scenarios.md", root_dir());
	assert_non_null(doc = slurp(path));
	snprintf(path, sizeof(path), "%s/tests/scenarios/okayama-shimane.yaml", root_dir());
	assert_non_null(file = slurp(path));
	assert_non_null(p = strstr(doc, "\n```yaml\n"));
	p += strlen("\n```yaml\n");
	assert_non_null(end = strstr(p, "\n```\n"));
	end[1] = '\0';
	assert_string_equal(p, file);
	assert_non_null(p = strstr(end + 2, "\n```\nname: typo\n"));
	p += strlen("\n```\n");
	assert_non_null(end = strstr(p, "\n```\n"));
	end[1] = '\0';
	assert_non_null(want = strstr(end + 2, "\n```\ntypo.yaml:"));
	want += strlen("\n```\n");
	assert_non_null(end = strstr(want, "\n```\n"));
	end[1] = '\0';
	s = load_text("typo.yaml", p, &errs);
	assert_null(s);
	assert_string_equal(errs, want);
	free(errs);
	free(file);
	free(doc);
}

/* Each tests/scenarios/bad/NAME.yaml gives exactly the lines of NAME.expected. */
static void
test_bad_scenarios(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], *text, *want, *errs;
	struct scenario *s;
	struct dirent *de;
	size_t len;
	DIR *d;
	int n = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/scenarios/bad", root_dir());
	if ((d = opendir(dir)) == NULL)
		fail_msg("cannot open %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_non_null(text = slurp(path));
		snprintf(path, sizeof(path), "%s/%.*sexpected", dir, (int)(len - 4), de->d_name);
		if ((want = slurp(path)) == NULL || *want == '\0')
			fail_msg("%s: missing or empty", path);
		s = load_text(de->d_name, text, &errs);
		if (strcmp(errs, want) != 0)
			fail_msg("bad/%s:\n--- expected\n%s--- got\n%s", de->d_name, want, errs);
		if (s != NULL)
			fail_msg("bad/%s loaded", de->d_name);
		free(text);
		free(want);
		free(errs);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

static const char *const small =
	"name: Small\n"
	"defaults:\n"
	"  synthetic: 5\n"
	"  users: dr-a, dr-b\n"
	"regions:\n"
	"  - name: okayama\n"
	"    display: 晴れやかネット\n"
	"    purposes: clinical emergency\n"
	"    emergency: true\n"
	"    patients:\n"
	"      - { id: P0001, family: 髙橋, given: 一郎, family_kana: ﾀｶﾊｼ,\n"
	"          given_kana: イチロウ, birth: 1950-02-28, sex: M,\n"
	"          address: 岡山県岡山市北区大供1-1-1 }\n"
	"    documents:\n"
	"      - { id: d1, patient: P0001 }\n"
	"      - { id: d2, patient: P0006, class: 18842-5, title: 退院時要約 }\n"
	"  - name: tottori\n"
	"    home_community_id: urn:oid:2.999.7\n"
	"    synthetic: 0\n"
	"    users: nurse\n"
	"    patients:\n"
	"      - { id: T1, same_as: okayama/P0001, address: 鳥取県鳥取市1-2 }\n"
	"consents:\n"
	"  - { id: c1, patient: okayama/P0001, allow: tottori, classes: 57133-1,\n"
	"      to: 2030-03-31 }\n"
	"  - { id: c2, patient: okayama/P0001 }\n"
	"steps:\n"
	"  - do: query\n"
	"    as: tottori\n"
	"    patient: tottori/T1\n"
	"    expect:\n"
	"      documents: [ { region: okayama, ids: d1 }, { region: tottori, count: 0 } ]\n"
	"      audit: [ { region: okayama, event: ITI-38 } ]\n"
	"  - { do: consent_add, consent: c1 }\n"
	"  - { name: slow, do: region_slow, region: okayama, delay: 1500ms }\n"
	"  - { do: region_up, region: okayama }\n"
	"  - { do: retrieve, as: okayama/dr-b, purpose: emergency, reason: 救急搬送,\n"
	"      documents: okayama/d1 okayama/d2 }\n"
	"  - { do: wait, delay: 2s }\n";

static void
test_values(void **state)
{
	const struct scn_region *ok, *tt;
	const struct scn_step *st;
	struct scenario *s;
	char *errs;

	(void)state;
	s = load_text("small.yaml", small, &errs);
	assert_string_equal(errs, "");
	assert_non_null(s);
	free(errs);
	assert_string_equal(s->name, "Small");
	assert_null(s->description);
	assert_int_equal(s->timeout_ms, 10000);
	assert_int_equal(s->nregions, 2);
	ok = &s->regions[0];
	tt = &s->regions[1];
	assert_string_equal(ok->display, "晴れやかネット");
	assert_string_equal(tt->display, "tottori");
	/* derived identifiers, and those from a given HCID */
	assert_string_equal(ok->hcid, "urn:oid:1.2.392.200119.6.1001");
	assert_string_equal(ok->assigning_authority, "1.2.392.200119.6.1001.1");
	assert_string_equal(ok->repository, "1.2.392.200119.6.1001.2");
	assert_string_equal(tt->hcid, "urn:oid:2.999.7");
	assert_string_equal(tt->assigning_authority, "2.999.7.1");
	assert_string_equal(tt->repository, "2.999.7.2");
	/* lists, defaults: and a region's own value over them */
	assert_int_equal(ok->npurposes, 2);
	assert_string_equal(ok->purposes[1], "emergency");
	assert_int_equal(tt->npurposes, 1);
	assert_string_equal(tt->purposes[0], "clinical");
	assert_int_equal(ok->nusers, 2);
	assert_string_equal(ok->users[1], "dr-b");
	assert_int_equal(tt->nusers, 1);
	assert_string_equal(tt->users[0], "nurse");
	assert_int_equal(ok->synthetic, 5);
	assert_int_equal(tt->synthetic, 0);
	assert_true(ok->emergency && ok->consent_required && ok->vpn);
	assert_false(tt->emergency);
	assert_string_equal(ok->id_prefix, "P");
	/* patients: as written, and same_as completed except what the file gives */
	assert_string_equal(ok->patients[0].family, "髙橋");
	assert_string_equal(ok->patients[0].family_kana, "ﾀｶﾊｼ");
	assert_null(ok->patients[0].postal);
	assert_int_equal(ok->patients[0].line, 11);
	assert_string_equal(tt->patients[0].same_as, "okayama/P0001");
	assert_string_equal(tt->patients[0].given, "一郎");
	assert_string_equal(tt->patients[0].birth, "1950-02-28");
	assert_string_equal(tt->patients[0].address, "鳥取県鳥取市1-2");
	/* documents: class and title defaults */
	assert_string_equal(ok->documents[0].class_code, "57133-1");
	assert_string_equal(ok->documents[0].title, "診療情報提供書");
	assert_string_equal(ok->documents[1].title, "退院時要約");
	assert_null(ok->documents[1].file);
	/* consents */
	assert_string_equal(s->consents[0].region, "okayama");
	assert_string_equal(s->consents[0].allow[0], "tottori");
	assert_int_equal(s->consents[0].npurposes, 0);
	assert_string_equal(s->consents[0].not_after, "2030-03-31");
	assert_null(s->consents[0].not_before);
	assert_false(s->consents[0].at_start);
	assert_true(s->consents[1].at_start);
	/* steps */
	assert_int_equal(s->nsteps, 6);
	st = &s->steps[0];
	assert_int_equal(st->kind, SCN_QUERY);
	assert_string_equal(st->name, "query tottori/T1");
	assert_string_equal(st->as_region, "tottori");
	assert_string_equal(st->as_user, "nurse");
	assert_string_equal(st->purpose, "clinical");
	assert_int_equal(st->line, 28);
	assert_true(st->expect.has_docs);
	assert_false(st->expect.has_found);
	assert_int_equal(st->expect.ndocs, 2);
	assert_int_equal(st->expect.docs[0].count, -1);
	assert_string_equal(st->expect.docs[0].ids[0], "d1");
	assert_int_equal(st->expect.docs[1].count, 0);
	assert_int_equal(st->expect.audit[0].outcome, -1);
	assert_null(st->expect.status);
	assert_int_equal(st->expect.line, 32);
	assert_string_equal(s->steps[1].name, "consent_add c1");
	assert_null(s->steps[1].purpose);
	assert_string_equal(s->steps[2].name, "slow");
	assert_int_equal(s->steps[2].delay_ms, 1500);
	st = &s->steps[4];
	assert_int_equal(st->kind, SCN_RETRIEVE);
	assert_string_equal(st->as_user, "dr-b");
	assert_string_equal(st->reason, "救急搬送");
	assert_int_equal(st->ndocuments, 2);
	assert_string_equal(st->documents[1], "okayama/d2");
	assert_string_equal(st->name, "retrieve okayama/d1 ...");
	assert_int_equal(s->steps[5].kind, SCN_WAIT);
	assert_int_equal(s->steps[5].delay_ms, 2000);
	assert_string_equal(s->steps[5].name, "wait 2000ms");
	scenario_free(s);
}

static void
test_lookups(void **state)
{
	const struct scn_region *r;
	const struct scn_patient *p;
	struct scenario *s;
	char *errs, id[16];

	(void)state;
	s = load_text("small.yaml", small, &errs);
	assert_non_null(s);
	free(errs);
	assert_ptr_equal(scenario_region(s, "tottori"), &s->regions[1]);
	assert_null(scenario_region(s, "shimane"));
	assert_int_equal(scenario_patient(s, "okayama/P0001", &r, &p), 0);
	assert_ptr_equal(p, &s->regions[0].patients[0]);
	assert_ptr_equal(r, &s->regions[0]);
	/* synthetic: numbered after the one listed patient, P0002..P0006 */
	assert_int_equal(scenario_patient(s, "okayama/P0002", &r, &p), 0);
	assert_null(p);
	assert_int_equal(scenario_patient(s, "okayama/P0006", NULL, NULL), 0);
	assert_int_equal(scenario_patient(s, "okayama/P0007", NULL, NULL), -1);
	assert_int_equal(scenario_patient(s, "okayama/P006", NULL, NULL), -1);
	assert_int_equal(scenario_patient(s, "okayama/P00006", NULL, NULL), -1);
	assert_int_equal(scenario_patient(s, "okayama/P+006", NULL, NULL), -1);
	assert_int_equal(scenario_patient(s, "tottori/P0002", NULL, NULL), -1);
	assert_int_equal(scenario_patient(s, "okayama", NULL, NULL), -1);
	assert_int_equal(scenario_synthetic_id(&s->regions[0], 0, id, sizeof(id)), 0);
	assert_string_equal(id, "P0002");
	assert_int_equal(scenario_synthetic_id(&s->regions[0], 4, id, sizeof(id)), 0);
	assert_string_equal(id, "P0006");
	assert_int_equal(scenario_synthetic_id(&s->regions[0], 5, id, sizeof(id)), -1);
	assert_int_equal(scenario_synthetic_id(&s->regions[0], 0, id, 5), -1);
	assert_ptr_equal(scenario_document(s, "okayama/d2", &r), &s->regions[0].documents[1]);
	assert_null(scenario_document(s, "tottori/d2", NULL));
	assert_ptr_equal(scenario_consent(s, "c2"), &s->consents[1]);
	assert_null(scenario_consent(s, "c3"));
	assert_string_equal(scenario_kind_name(SCN_REGION_WRONG_CERT), "region_wrong_cert");
	assert_string_equal(scenario_kind_name(SCN_NKINDS), "?");
	scenario_free(s);
	scenario_free(NULL);
}

/* A misspelt key anywhere must be an error, never silently ignored. */
static void
test_unknown_keys(void **state)
{
	struct scenario *s;
	char *errs;

	(void)state;
	s = load_text("typo.yaml",
	    "name: t\n"
	    "region:\n"
	    "  - name: a\n"
	    "regions:\n"
	    "  - { name: a, synthetc: 3 }\n"
	    "  - { name: b }\n"
	    "steps:\n"
	    "  - do: query\n"
	    "    as: a\n"
	    "    patient: a/P0001\n"
	    "    paitent: a/P0001\n"
	    "    expect: { stauts: Success }\n", &errs);
	assert_null(s);
	assert_string_equal(errs,
	    "typo.yaml:2:1: unknown key \"region\"\n"
	    "typo.yaml:5:16: unknown key \"regions[0].synthetc\"\n"
	    "typo.yaml:10:14: steps[0].patient: no patient a/P0001\n"
	    "typo.yaml:11:5: unknown key \"steps[0].paitent\"\n"
	    "typo.yaml:12:15: unknown key \"steps[0].expect.stauts\"\n");
	free(errs);
}

static void
test_file_errors(void **state)
{
	struct scenario *s;
	char *errs, path[PATH_MAX + 64];

	(void)state;
	snprintf(path, sizeof(path), "%s/absent.yaml", tmpdir);
	s = load(path, &errs);
	assert_null(s);
	assert_string_equal(errs, "absent.yaml: No such file or directory\n");
	free(errs);
	/* a document file is checked, relative to the scenario */
	put_file("referral.xml", "<ClinicalDocument/>");
	s = load_text("files.yaml",
	    "name: f\n"
	    "regions:\n"
	    "  - name: a\n"
	    "    synthetic: 1\n"
	    "    documents:\n"
	    "      - { id: d1, patient: P0001, file: referral.xml }\n"
	    "      - { id: d2, patient: P0001, file: missing.xml }\n"
	    "  - name: b\n"
	    "steps:\n"
	    "  - { do: wait, delay: 1s }\n", &errs);
	assert_null(s);
	assert_string_equal(errs,
	    "files.yaml:7:41: regions[0].documents[1].file: cannot read it: No such file or "
	    "directory\n");
	free(errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_scenarios_load),
		cmocka_unit_test(test_doc_examples_load),
		cmocka_unit_test(test_doc_matches),
		cmocka_unit_test(test_bad_scenarios),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_file_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
