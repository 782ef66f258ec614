/* Unit tests for gateway/scn_data: the data a scenario run loads, made from
 * tests/scenarios/okayama-shimane.yaml (copied with mode 0600 into a mkdtemp dir, as
 * common/conf wants). The patients' CSV has the listed row exactly and unique ids, is the
 * same on every call, imports into a real MPI and no synthetic person matches anyone of
 * the other region; every document's CDA is well-formed and carries its uniqueId; every
 * ITI-41 body, in a SOAP 1.2 envelope, validates against xsd/wrappers/xds-soap12.xsd and is
 * accepted by the embedded registry (a real LMDB), which then finds the document by
 * patient and uniqueId; uniqueIds are unique across regions; a scenario document's file
 * is sent as it is; the region's prefecture comes from its name or its patients. */
#define _XOPEN_SOURCE 700	/* nftw, mkdtemp */
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

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/actions.h"
#include "gateway/ebrim.h"
#include "gateway/regstore.h"
#include "gateway/scenario.h"
#include "gateway/scn_data.h"
#include "gateway/soap.h"
#include "mpi/mpi.h"

#include "tests/unit/conformance.h"
#include "tests/unit/tmpdir.h"

#define P0001_ROW	"P0001^^^&1.2.392.200119.6.1001.1&ISO,山田,太郎,ヤマダ,タロウ,1948-05-12," \
			"M,718-0001,岡山県新見市晴天町1-2-3\n"
#define S0001_ROW	"S0001^^^&1.2.392.200119.6.1002.1&ISO,山田,太郎,ヤマダ,タロウ,1948-05-12," \
			"M,718-0001,岡山県新見市晴天町1-2-3\n"
#define CSV_HEADER	"pid,family,given,family_kana,given_kana,birth,sex,postal,address\n"

static char tmpdir[PATH_MAX];
static struct scenario *sc;
static xmlSchemaPtr schema;

static const char *
root_dir(void)
{
	const char *r = getenv("HASHI_ROOT");

	return r != NULL && *r != '\0' ? r : ".";
}

/* Writes LEN bytes of TEXT to <tmpdir>/NAME, mode 0600; the path goes into PATH. */
static void
put_file(const char *name, const void *text, size_t len, char *path, size_t pathsz)
{
	FILE *f;

	snprintf(path, pathsz, "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

/* Loads YAML TEXT as <tmpdir>/NAME; fails the test with the loader's errors. */
static struct scenario *
load_text(const char *name, const char *text)
{
	char path[PATH_MAX + 64], *errs = NULL;
	size_t len = 0;
	struct scenario *s;
	FILE *mem;

	put_file(name, text, strlen(text), path, sizeof(path));
	assert_non_null(mem = open_memstream(&errs, &len));
	s = scenario_load(path, mem);
	assert_int_equal(fclose(mem), 0);
	if (s == NULL)
		fail_msg("%s does not load:\n%s", name, errs);
	free(errs);
	return s;
}

static void
schema_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	print_message("xsd: line %d: %s", e->line, e->message != NULL ? e->message : "?\n");
}

static int
setup(void **state)
{
	char path[PATH_MAX + 64], *text;
	xmlSchemaParserCtxtPtr pc;
	size_t len;
	FILE *f;
	long n;

	(void)state;
	xml_init();
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-scn-data.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/tests/scenarios/okayama-shimane.yaml", root_dir());
	if ((f = fopen(path, "r")) == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0)
		return -1;
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	len = fread(text, 1, (size_t)n, f);
	fclose(f);
	sc = load_text("okayama-shimane.yaml", text);
	free(text);
	if (len != (size_t)n || sc == NULL || sc->nregions != 2)
		return -1;
	snprintf(path, sizeof(path), "%s/xsd/wrappers/xds-soap12.xsd", conformance_dir());
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL)
		return -1;
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	return schema != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	scenario_free(sc);
	xmlSchemaFree(schema);
	xmlCleanupParser();
	return tmpdir_remove(tmpdir);
}

/* Returns region R's CSV (malloc'd). */
static char *
csv_of(const struct scenario *s, const struct scn_region *r)
{
	struct strbuf sb = { 0 };
	char err[256] = "";

	if (scn_data_patients_csv(s, r, &sb, err, sizeof(err)) == -1)
		fail_msg("csv of %s: %s", r->name, err);
	return strbuf_take(&sb, NULL);
}

/* Splits CSV into its lines (NUL-terminated in place); returns how many. */
static size_t
csv_lines(char *csv, char **lines, size_t max)
{
	size_t n = 0;
	char *p, *nl;

	for (p = csv; *p != '\0' && n < max; p = nl + 1) {
		lines[n++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			fail_msg("line %zu has no end", n);
		*nl = '\0';
	}
	return n;
}

static void
test_csv(void **state)
{
	const struct scn_region *ok = scenario_region(sc, "okayama");
	const struct scn_region *sh = scenario_region(sc, "shimane");
	char *a = csv_of(sc, ok), *b = csv_of(sc, ok), *c = csv_of(sc, sh), *lines[64], id[64];
	size_t n, i, j;

	(void)state;
	assert_string_equal(a, b);			/* the same bytes every time */
	assert_true(str_has_prefix(a, CSV_HEADER P0001_ROW));
	assert_true(str_has_prefix(c, CSV_HEADER S0001_ROW));	/* same_as completed */
	assert_string_not_equal(a + strlen(CSV_HEADER P0001_ROW),
	    c + strlen(CSV_HEADER S0001_ROW));
	n = csv_lines(a, lines, 64);
	assert_int_equal(n, 1 + 1 + 20);
	for (i = 2; i < n; i++) {
		/* P0002..P0021, each once, with nine non-empty fields */
		assert_int_equal(scenario_synthetic_id(ok, i - 2, id, sizeof(id)), 0);
		assert_true(str_has_prefix(lines[i], id));
		assert_true(str_has_prefix(lines[i] + strlen(id),
		    "^^^&1.2.392.200119.6.1001.1&ISO,"));
		assert_null(strstr(lines[i], ",,"));
		assert_non_null(strstr(lines[i], ",岡山県"));
		for (j = 1; j < i; j++)
			assert_false(strncmp(lines[i], lines[j], strlen(id) + 1) == 0);
	}
	n = csv_lines(c, lines, 64);
	assert_int_equal(n, 1 + 1 + 20);
	assert_non_null(strstr(lines[5], ",島根県"));
	free(a);
	free(b);
	free(c);
}

/* Imports region R's CSV into a new MPI in DIR (as `hashictl mpi import` does). */
static struct mpi *
mpi_with(const struct scn_region *r, const char *dir)
{
	char *csv = csv_of(sc, r), path[PATH_MAX + 64], mdir[PATH_MAX + 64], name[64];
	struct mpi_import_stats st;
	struct mpi_stats ms;
	struct mpi *m;

	snprintf(name, sizeof(name), "%s.csv", r->name);
	put_file(name, csv, strlen(csv), path, sizeof(path));
	free(csv);
	snprintf(mdir, sizeof(mdir), "%s/%s", tmpdir, dir);
	assert_int_equal(mkdir(mdir, 0700), 0);
	assert_non_null(m = mpi_open(mdir, 16u << 20, r->assigning_authority));
	assert_int_equal(mpi_import_patients(m, path, "test", 1700000000, stderr, &st), MPI_OK);
	assert_int_equal(st.mi_rows, 21);
	assert_int_equal(st.mi_added, 21);
	assert_int_equal(mpi_stats(m, 1700000000, &ms), MPI_OK);
	assert_int_equal(ms.ms_patients, 21);
	return m;
}

/* Imports both regions; every Okayama patient is looked up in Shimane's MPI: only
 * P0001 (whom S0001 is) is found, every synthetic person is no one there. */
static void
test_mpi_import(void **state)
{
	const struct scn_region *ok = scenario_region(sc, "okayama");
	struct mpi *mo = mpi_with(ok, "mpi-okayama");
	struct mpi *ms = mpi_with(scenario_region(sc, "shimane"), "mpi-shimane");
	struct scn_person p;
	struct mpi_patient *mp = calloc(1, sizeof(*mp));
	struct mpi_demog q;
	struct mpi_hits hits;
	char err[256];
	size_t i;

	(void)state;
	assert_non_null(mp);
	assert_int_equal(mpi_patient_get(mo, "P0001", mp), MPI_OK);
	assert_string_equal(mp->mp_demog.md_kanji.mn_family, "山田");
	assert_string_equal(mp->mp_keys.mk_birth, "19480512");
	for (i = 0; i < 21; i++) {
		assert_int_equal(scn_data_person(sc, ok, i, &p, err, sizeof(err)), 0);
		assert_int_equal(p.synthetic, i > 0);
		memset(&q, 0, sizeof(q));
		str_copy(q.md_kanji.mn_family, sizeof(q.md_kanji.mn_family), p.family);
		str_copy(q.md_kanji.mn_given, sizeof(q.md_kanji.mn_given), p.given);
		str_copy(q.md_kana.mn_family, sizeof(q.md_kana.mn_family), p.family_kana);
		str_copy(q.md_kana.mn_given, sizeof(q.md_kana.mn_given), p.given_kana);
		snprintf(q.md_birth, sizeof(q.md_birth), "%.4s%.2s%.2s", p.birth, p.birth + 5,
		    p.birth + 8);
		q.md_sex = p.sex[0];
		str_copy(q.md_addr, sizeof(q.md_addr), p.address);
		assert_int_equal(mpi_find(ms, &q, 0, &hits), MPI_OK);
		if (hits.mh_n != (i == 0))
			fail_msg("%s %s%s %s: %zu hits in Shimane", p.id, p.family, p.given,
			    p.birth, hits.mh_n);
		if (i == 0)
			assert_true(str_has_prefix(hits.mh_hit[0].mh_pid, "S0001^"));
		mpi_hits_free(&hits);
	}
	assert_int_equal(scn_data_person(sc, ok, 21, &p, err, sizeof(err)), -1);
	free(mp);
	mpi_close(mo);
	mpi_close(ms);
}

static int
validate(const char *xml)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
	xmlSchemaValidCtxtPtr vc;
	int rc;

	if (doc == NULL)
		return -1;
	assert_non_null(vc = xmlSchemaNewValidCtxt(schema));
	xmlSchemaSetValidStructuredErrors(vc, schema_error, NULL);
	rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	return rc;
}

/* The CDA of D is well-formed, its id is D's uniqueId and its patient D's. */
static void
check_cda(const struct scn_region *r, const struct scn_doc *d)
{
	enum xml_err xe;
	xmlDocPtr doc = xml_parse_safe((const char *)d->data, d->len, NULL, &xe);
	xmlNodePtr root, n;
	char *v;

	if (doc == NULL)
		fail_msg("%s/%s: CDA not well-formed: %s", r->name, d->handle, xml_strerror(xe));
	assert_non_null(root = xmlDocGetRootElement(doc));
	assert_true(xml_is(root, "urn:hl7-org:v3", "ClinicalDocument"));
	assert_non_null(n = xml_child(root, "urn:hl7-org:v3", "id"));
	assert_non_null(v = xml_attr(n, "root"));
	assert_string_equal(v, d->unique_id);
	free(v);
	assert_non_null(n = xml_child(root, "urn:hl7-org:v3", "recordTarget"));
	assert_non_null(n = xml_child(n, "urn:hl7-org:v3", "patientRole"));
	assert_non_null(n = xml_child(n, "urn:hl7-org:v3", "id"));
	assert_non_null(v = xml_attr(n, "extension"));
	assert_string_equal(v, d->patient.id);
	free(v);
	xmlFreeDoc(doc);
}

/* Submits BODY (a PnR of D) to RS as the gateway does: 0 when accepted (else the errors
 * are printed when VERBOSE). */
static int
submit(struct regstore *rs, const struct scn_region *r, const struct scn_doc *d,
    const char *body, int verbose)
{
	struct regstore_content c = { .rc_entry_id = "Document01" };
	struct reg_errors errs = { 0 };
	struct strbuf sb = { 0 };
	enum xml_err xe;
	xmlDocPtr doc = xml_parse_safe(body, strlen(body), NULL, &xe);
	xmlNodePtr root, sor, de;
	uint8_t *bytes = NULL;
	char *b64;
	int rc;

	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_true(xml_is(root, NS_XDSB, "ProvideAndRegisterDocumentSetRequest"));
	assert_non_null(sor = xml_child(root, NS_LCM, "SubmitObjectsRequest"));
	assert_non_null(de = xml_child(root, NS_XDSB, "Document"));
	assert_non_null(b64 = xml_text(de));
	assert_int_equal(str_b64_decode(b64, &bytes, &c.rc_len), 0);
	free(b64);
	assert_int_equal(c.rc_len, d->len);	/* the bytes travel unchanged */
	assert_memory_equal(bytes, d->data, d->len);
	c.rc_data = bytes;
	rc = regstore_submit(rs, sor, &c, 1, r->repository, &errs);
	if (rc != 0 || regerr_nerrors(&errs) != 0) {
		regerr_render(&errs, &sb);
		if (verbose)
			print_message("%s/%s refused: %s\n", r->name, d->handle, sb.sb_data);
		rc = -1;
	}
	strbuf_reset(&sb);
	regerr_clear(&errs);
	free(bytes);
	xmlFreeDoc(doc);
	return rc;
}

/* Checks that RS holds D: by uniqueId with its size, and among its patient's. */
static void
check_stored(struct regstore *rs, const struct scn_region *r, const struct scn_doc *d)
{
	struct regstore_docinfo info;
	struct regstore_ids ids = { 0 };
	char cx[256], *id = NULL;
	size_t i;

	snprintf(cx, sizeof(cx), "%s^^^&%s&ISO", d->patient.id, r->assigning_authority);
	assert_int_equal(regstore_by_uid(rs, EBRIM_DOCUMENT, d->unique_id, &id), 0);
	assert_int_equal(regstore_doc_info(rs, d->unique_id, &info), 0);
	assert_int_equal(info.rd_size, d->len);
	assert_int_equal(regstore_by_patient(rs, cx, EBRIM_DOCUMENT, &ids), 0);
	for (i = 0; i < ids.ri_n && strcmp(ids.ri_id[i], id) != 0; i++)
		;
	if (i == ids.ri_n)
		fail_msg("%s/%s not found by patient %s", r->name, d->handle, cx);
	regstore_ids_free(&ids);
	free(id);
}

/* Every document of every region: CDA, envelope against the XSD, accepted by the
 * registry, found again; uniqueIds unique over all regions; a second submission of the
 * same document refused. */
static void
test_documents(void **state)
{
	struct regstore *rs;
	struct scn_doc_iter *it;
	struct scn_doc *d;
	struct strbuf body, env;
	char dir[PATH_MAX + 64], err[256], *uids[256], *first = NULL;
	size_t nuids = 0, i, k, nsyn;
	int rc;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/registry", tmpdir);
	assert_non_null(rs = regstore_open(dir, 64u << 20));
	for (k = 0; k < sc->nregions; k++) {
		const struct scn_region *r = &sc->regions[k];

		assert_non_null(it = scn_data_docs_new(sc, r));
		nsyn = 0;
		while ((rc = scn_data_docs_next(it, &d, err, sizeof(err))) == 1) {
			check_cda(r, d);
			memset(&body, 0, sizeof(body));
			memset(&env, 0, sizeof(env));
			assert_int_equal(scn_data_pnr(r, d, &body), 0);
			assert_int_equal(soap_build_request(&env, ACTION_ITI41,
			    "https://127.0.0.1/xds", body.sb_data), 0);
			if (validate(env.sb_data) != 0)
				fail_msg("%s/%s: the envelope does not validate", r->name,
				    d->handle);
			assert_int_equal(submit(rs, r, d, body.sb_data, 1), 0);
			check_stored(rs, r, d);
			for (i = 0; i < nuids; i++)
				assert_string_not_equal(uids[i], d->unique_id);
			assert_true(nuids < 256);
			uids[nuids++] = str_dup(d->unique_id);
			nsyn += d->generated;
			assert_int_equal(d->generated, d->patient.synthetic);
			if (first == NULL)
				first = strbuf_take(&body, NULL);
			strbuf_reset(&body);
			strbuf_reset(&env);
			scn_data_doc_free(d);
		}
		assert_int_equal(rc, 0);
		scn_data_docs_free(it);
		/* 1-2 documents for each of the 20 synthetic patients */
		assert_in_range(nsyn, 20, 40);
	}
	/* the first, okayama/referral, once more: the registry refuses a known uniqueId */
	assert_non_null(it = scn_data_docs_new(sc, &sc->regions[0]));
	assert_int_equal(scn_data_docs_next(it, &d, err, sizeof(err)), 1);
	assert_string_equal(d->handle, "referral");
	assert_string_equal(d->unique_id, "1.2.392.200119.6.1001.3.1");
	assert_int_not_equal(submit(rs, &sc->regions[0], d, first, 0), 0);
	scn_data_doc_free(d);
	scn_data_docs_free(it);
	free(first);
	for (i = 0; i < nuids; i++)
		free(uids[i]);
	regstore_close(rs);
}

/* All the documents of region R, metadata and bytes, as one text. */
static char *
docs_text(const struct scenario *s, const struct scn_region *r)
{
	struct scn_doc_iter *it = scn_data_docs_new(s, r);
	struct strbuf sb = { 0 };
	struct scn_doc *d;
	char err[256];

	assert_non_null(it);
	while (scn_data_docs_next(it, &d, err, sizeof(err)) == 1) {
		strbuf_printf(&sb, "%s %s %s %s %s\n", d->handle, d->unique_id, d->class_code,
		    d->title, d->patient.id);
		assert_int_equal(scn_data_pnr(r, d, &sb), 0);
		scn_data_doc_free(d);
	}
	scn_data_docs_free(it);
	return strbuf_take(&sb, NULL);
}

static void
test_deterministic(void **state)
{
	struct scenario *s2 = load_text("again.yaml", "name: again\nregions:\n"
	    "  - { name: okayama, synthetic: 20, patients: [ { id: P0001, family: 山田, "
	    "given: 太郎, family_kana: ヤマダ, given_kana: タロウ, birth: 1948-05-12, sex: M, "
	    "postal: 718-0001, address: 岡山県新見市晴天町1-2-3 } ], documents: [ "
	    "{ id: referral, patient: P0001 }, "
	    "{ id: discharge, patient: P0001, class: 18842-5 } ] }\n"
	    "  - { name: shimane, id_prefix: S, synthetic: 20, "
	    "patients: [ { id: S0001, same_as: okayama/P0001 } ] }\n"
	    "steps:\n  - { do: wait, delay: 1ms }\n");
	char *a = docs_text(sc, &sc->regions[0]), *b = docs_text(s2, &s2->regions[0]);
	char *c = docs_text(sc, &sc->regions[1]);

	(void)state;
	/* the data depends on the regions and patients only: equal for the same ones */
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_non_null(strstr(a, "referral 1.2.392.200119.6.1001.3.1 57133-1 診療情報提供書 "
	    "P0001\n"));
	assert_non_null(strstr(a, "discharge 1.2.392.200119.6.1001.3.2 18842-5 退院時サマリー "
	    "P0001\n"));
	assert_non_null(strstr(a, "P0002:1 1.2.392.200119.6.1001.3.3 "));
	assert_non_null(strstr(c, "S0002:1 1.2.392.200119.6.1002.3.1 "));
	free(a);
	free(b);
	free(c);
	scenario_free(s2);
}

/* A scenario document with a file is sent as it is; one of a synthetic patient is about
 * that patient; regions' prefectures come from their names, else their patients. */
static void
test_file_and_places(void **state)
{
	static const char cda[] = "<?xml version=\"1.0\"?>\n<ClinicalDocument xmlns=\"urn:hl7-"
	    "org:v3\"><id root=\"1.2.392.200119.6.1001.3.1\"/><title>紹介状</title>"
	    "<recordTarget><patientRole><id extension=\"A0001\"/></patientRole></recordTarget>"
	    "</ClinicalDocument>\n";
	char path[PATH_MAX + 64], err[256], *csv;
	struct scenario *s;
	struct scn_doc_iter *it;
	struct scn_doc *d;
	struct scn_person p;
	size_t i;

	(void)state;
	put_file("letter.xml", cda, sizeof(cda) - 1, path, sizeof(path));
	s = load_text("places.yaml", "name: places\nregions:\n"
	    "  - name: alpha\n    id_prefix: A\n    synthetic: 3\n    patients:\n"
	    "      - { id: A0001, family: 景山, given: 恵子, family_kana: カゲヤマ, "
	    "given_kana: ケイコ, birth: 1950-01-02, sex: F, "
	    "address: \"鳥取県米子市若草町2-2, 若草ハイツ\" }\n"
	    "    documents:\n      - { id: letter, patient: A0001, file: letter.xml, "
	    "title: \"紹介状, 写し\" }\n      - { id: later, patient: A0003, class: 18842-5 }\n"
	    "  - { name: tokyo, id_prefix: T, synthetic: 3 }\n"
	    "steps:\n  - { do: wait, delay: 1ms }\n");
	assert_non_null(it = scn_data_docs_new(s, &s->regions[0]));
	if (scn_data_docs_next(it, &d, err, sizeof(err)) != 1)
		fail_msg("alpha's first document: %s", err);
	assert_string_equal(d->handle, "letter");
	assert_int_equal(d->generated, 0);
	assert_int_equal(d->len, sizeof(cda) - 1);
	assert_memory_equal(d->data, cda, d->len);
	scn_data_doc_free(d);
	assert_int_equal(scn_data_docs_next(it, &d, err, sizeof(err)), 1);
	assert_string_equal(d->handle, "later");
	assert_string_equal(d->patient.id, "A0003");
	assert_int_equal(d->patient.synthetic, 1);
	assert_int_equal(d->generated, 0);
	assert_string_equal(d->meta.facility_type, "HOSP");	/* a discharge summary */
	assert_int_equal(scn_data_person(s, &s->regions[0], 2, &p, err, sizeof(err)), 0);
	assert_string_equal(p.id, "A0003");
	assert_string_equal(p.birth, d->patient.birth);
	check_cda(&s->regions[0], d);
	scn_data_doc_free(d);
	scn_data_docs_free(it);
	for (i = 1; i < 4; i++) {
		assert_int_equal(scn_data_person(s, &s->regions[0], i, &p, err, sizeof(err)), 0);
		assert_true(str_has_prefix(p.address, "鳥取県"));
		assert_int_equal(scn_data_person(s, &s->regions[1], i - 1, &p, err, sizeof(err)),
		    0);
		assert_true(str_has_prefix(p.address, "東京都"));
		assert_string_not_equal(p.birth, "1950-01-02");
	}
	csv = csv_of(s, &s->regions[0]);
	assert_non_null(strstr(csv, ",1950-01-02,F,,\"鳥取県米子市若草町2-2, 若草ハイツ\"\n"));
	free(csv);
	assert_int_equal(scn_data_person(s, &s->regions[1], 3, &p, err, sizeof(err)), -1);
	assert_int_equal(scn_data_doc_uid(&s->regions[1], 0, path, sizeof(path)), -1);
	assert_int_equal(scn_data_doc_uid(&s->regions[1], 7, path, sizeof(path)), 0);
	assert_string_equal(path, "1.2.392.200119.6.1002.3.7");
	scenario_free(s);
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* 6000 synthetic people in three regions: no two share birth date and given name, and
 * none was born on a listed patient's birthday, even where one would have been without
 * that patient (the listed births are those the first two synthetic people had). */
static void
test_unique_people(void **state)
{
	struct scenario *s = load_text("probe.yaml", "name: probe\nregions:\n"
	    "  - { name: kochi, id_prefix: K, synthetic: 2 }\n  - { name: ehime }\n"
	    "steps:\n  - { do: wait, delay: 1ms }\n");
	struct scn_person p0, p1;
	char text[1024], err[256], (*keys)[64] = calloc(6000, sizeof(*keys)), *csv, *p, *f[9];
	size_t n = 0, i, k;

	(void)state;
	assert_non_null(keys);
	assert_int_equal(scn_data_person(s, &s->regions[0], 0, &p0, err, sizeof(err)), 0);
	assert_int_equal(scn_data_person(s, &s->regions[0], 1, &p1, err, sizeof(err)), 0);
	scenario_free(s);
	snprintf(text, sizeof(text), "name: many\nregions:\n"
	    "  - { name: kochi, id_prefix: K, synthetic: 3000, patients: [ "
	    "{ id: K0001, family: 比嘉, given: 結衣, family_kana: ヒガ, given_kana: ユイ, "
	    "birth: %s, sex: F }, { id: K0002, family: 工藤, given: 蓮, "
	    "family_kana: クドウ, given_kana: レン, birth: %s, sex: M } ] }\n"
	    "  - { name: ehime, id_prefix: E, synthetic: 2000 }\n"
	    "  - { name: zeta, id_prefix: Z, synthetic: 1000 }\n"
	    "steps:\n  - { do: wait, delay: 1ms }\n", p0.birth, p1.birth);
	s = load_text("many.yaml", text);
	for (i = 0; i < 3; i++) {
		csv = csv_of(s, &s->regions[i]);
		for (p = strchr(csv, '\n') + 1; *p != '\0'; p++) {	/* rows after the header */
			for (k = 0; k < 9; k++) {
				f[k] = p;
				p += strcspn(p, k < 8 ? "," : "\n");
				if (k < 8)
					*p++ = '\0';
			}
			*p = '\0';	/* the row's newline; the loop steps over it */
			if (strncmp(f[0], "K0001^", 6) == 0 || strncmp(f[0], "K0002^", 6) == 0)
				continue;
			assert_string_not_equal(f[5], p0.birth);
			assert_string_not_equal(f[5], p1.birth);
			assert_true(n < 6000);
			snprintf(keys[n++], sizeof(keys[0]), "%s %s", f[5], f[2]);
		}
		free(csv);
	}
	assert_int_equal(n, 6000);
	qsort(keys, n, sizeof(*keys), cmp_key);
	for (i = 1; i < n; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			fail_msg("two synthetic people born %s", keys[i]);
	free(keys);
	scenario_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_mpi_import),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_file_and_places),
		cmocka_unit_test(test_unique_people),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
