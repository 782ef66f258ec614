/* Unit tests for gateway/sq_params: literal syntax, the NIST negative samples, arity,
 * required / either-or parameters, AND/OR slots. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/sq_params.h"

#include "tests/unit/conformance.h"

#define PID	"'c4d77e21d0dd487^^^&amp;1.3.6.1.4.1.21367.2005.3.7&amp;ISO'"
#define APPROVED "('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')"

static xmlDocPtr
load_file(const char *rel)
{
	xmlDocPtr doc;
	enum xml_err err;
	size_t n;
	char *buf = conformance_read(rel, &n);

	doc = xml_parse_safe(buf, n, NULL, &err);
	free(buf);
	assert_non_null(doc);
	return doc;
}

/* Returns the AdhocQueryRequest of DOC, inside a SOAP Body or as the root. */
static xmlNodePtr
find_req(xmlDocPtr doc)
{
	xmlNodePtr r = xmlDocGetRootElement(doc), b;

	if (xml_is(r, "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0", "AdhocQueryRequest"))
		return r;
	b = xml_child(r, "http://www.w3.org/2003/05/soap-envelope", "Body");
	return xml_child(b, "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0", "AdhocQueryRequest");
}

/* Builds and parses a request for query ID with return type RT and the Slot XML SLOTS. */
static xmlDocPtr
make_req(const char *id, const char *rt, const char *slots)
{
	struct strbuf sb = { 0 };
	enum xml_err err;
	xmlDocPtr doc;

	strbuf_printf(&sb, "<query:AdhocQueryRequest "
	    "xmlns:query=\"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0\" "
	    "xmlns:rim=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\">"
	    "<query:ResponseOption returnComposedObjects=\"true\" returnType=\"%s\"/>"
	    "<rim:AdhocQuery id=\"%s\">%s</rim:AdhocQuery></query:AdhocQueryRequest>",
	    rt, id, slots);
	doc = xml_parse_safe(sb.sb_data, sb.sb_len, NULL, &err);
	strbuf_reset(&sb);
	assert_non_null(doc);
	return doc;
}

/* Parses DOC's request; returns the parse result and leaves P and ERRS to the caller. */
static int
parse(xmlDocPtr doc, struct sq_params *p, struct reg_errors *errs)
{
	return sq_params_parse(find_req(doc), p, errs);
}

/* Asserts ERRS holds exactly one error CODE with location LOC (NULL = any). */
static void
assert_one_error(const struct reg_errors *errs, const char *code, const char *loc)
{
	assert_int_equal(errs->rl_n, 1);
	assert_string_equal(errs->rl_err[0].re_code, code);
	if (loc != NULL) {
		assert_non_null(errs->rl_err[0].re_location);
		assert_string_equal(errs->rl_err[0].re_location, loc);
	}
}

static void
test_literals(void **state)
{
	struct sq_lits l;

	(void)state;
	assert_int_equal(sq_literal_parse("'a''b'", &l), 0);
	assert_int_equal(l.sl_n, 1);
	assert_string_equal(l.sl_v[0].sl_text, "a'b");
	assert_true(l.sl_v[0].sl_quoted);
	assert_false(l.sl_list);
	sq_lits_free(&l);

	assert_int_equal(sq_literal_parse(" ( 'x' ,'y,z' ,\n'it''s' ) ", &l), 0);
	assert_int_equal(l.sl_n, 3);
	assert_true(l.sl_list);
	assert_string_equal(l.sl_v[1].sl_text, "y,z");
	assert_string_equal(l.sl_v[2].sl_text, "it's");
	sq_lits_free(&l);

	assert_int_equal(sq_literal_parse("20061224", &l), 0);
	assert_false(l.sl_v[0].sl_quoted);
	assert_string_equal(l.sl_v[0].sl_text, "20061224");
	sq_lits_free(&l);

	assert_int_equal(sq_literal_parse("''", &l), 0);
	assert_string_equal(l.sl_v[0].sl_text, "");
	sq_lits_free(&l);

	assert_int_equal(sq_literal_parse("''''", &l), 0);	/* one escaped quote */
	assert_string_equal(l.sl_v[0].sl_text, "'");
	sq_lits_free(&l);

	/* Malformed: unterminated, trailing text, empty list, dangling comma, bare word. */
	assert_int_equal(sq_literal_parse("'abc", &l), 1);
	assert_int_equal(sq_literal_parse("'a''", &l), 1);
	assert_int_equal(sq_literal_parse("'a' 'b'", &l), 1);
	assert_int_equal(sq_literal_parse("'a' or 1=1", &l), 1);
	assert_int_equal(sq_literal_parse("()", &l), 1);
	assert_int_equal(sq_literal_parse("('a',)", &l), 1);
	assert_int_equal(sq_literal_parse("('a'", &l), 1);
	assert_int_equal(sq_literal_parse("('a'))", &l), 1);
	assert_int_equal(sq_literal_parse("abc", &l), 1);
	assert_int_equal(sq_literal_parse("12a", &l), 1);
	assert_int_equal(sq_literal_parse("", &l), 1);
	assert_int_equal(l.sl_n, 0);
}

static void
test_nist_good(void **state)
{
	const char *files[] = { "samples/nist-toolkit/sq-req.xml",
	    "samples/nist-toolkit/soap-sq-req.xml", "samples/nist-toolkit/soap-xcq-req.xml" };
	struct reg_errors errs = { 0 };
	struct sq_params p;
	const struct sq_value *v;
	xmlDocPtr doc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		doc = load_file(files[i]);
		assert_int_equal(parse(doc, &p, &errs), 0);
		assert_int_equal(errs.rl_n, 0);
		assert_int_equal(p.sp_query, SQ_FIND_DOCUMENTS);
		assert_int_equal(p.sp_objectref, 0);
		assert_null(p.sp_home);
		assert_string_equal(sq_param_first(&p, SQP_DE_PATIENTID),
		    "c4d77e21d0dd487^^^&1.3.6.1.4.1.21367.2005.3.7&ISO");
		assert_string_equal(sq_param_first(&p, SQP_DE_STATUS),
		    "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved");
		v = sq_param_get(&p, SQP_DE_CLASSCODE);
		assert_non_null(v);
		assert_int_equal(v->sp_ng, 1);
		assert_int_equal(v->sp_g[0].sg_n, 1);
		assert_string_equal(v->sp_g[0].sg_v[0], "value^^scheme");
		assert_null(sq_param_get(&p, SQP_DE_TYPECODE));
		sq_params_free(&p);
		xmlFreeDoc(doc);
	}
}

static void
test_nist_negatives(void **state)
{
	static const struct {
		const char *file, *code, *loc;
	} cases[] = {
		{ "samples/nist-toolkit/sq-req-bad-code.xml", "XDSRegistryError",
		    "$XDSDocumentEntryClassCode" },
		{ "samples/nist-toolkit/sq-req-bad-pid-format.xml", "XDSRegistryError",
		    "$XDSDocumentEntryPatientId" },
		{ "samples/nist-toolkit/sq-req-missing-stat.xml", "XDSStoredQueryMissingParam",
		    "$XDSDocumentEntryStatus" },
		/* IPF's sample: an SQL-injection tail makes the patient id literal unterminated;
		 * its quoted CreationTimeFrom and unquoted CreationTimeTo are both accepted. */
		{ "samples/ipf/iti18request.xml", "XDSRegistryError",
		    "$XDSDocumentEntryPatientId" },
	};
	struct reg_errors errs = { 0 };
	struct sq_params p;
	xmlDocPtr doc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		doc = load_file(cases[i].file);
		assert_int_equal(parse(doc, &p, &errs), 1);
		assert_one_error(&errs, cases[i].code, cases[i].loc);
		sq_params_free(&p);
		regerr_clear(&errs);
		xmlFreeDoc(doc);
	}
}

/* Runs one FindDocuments request with extra SLOTS and checks the single error (CODE NULL =
 * must succeed). */
static void
check_fd(const char *slots, const char *code, const char *loc)
{
	struct reg_errors errs = { 0 };
	struct sq_params p;
	struct strbuf sb = { 0 };
	xmlDocPtr doc;

	strbuf_printf(&sb, "<rim:Slot name=\"$XDSDocumentEntryPatientId\"><rim:ValueList>"
	    "<rim:Value>%s</rim:Value></rim:ValueList></rim:Slot>"
	    "<rim:Slot name=\"$XDSDocumentEntryStatus\"><rim:ValueList><rim:Value>%s"
	    "</rim:Value></rim:ValueList></rim:Slot>%s", PID, APPROVED, slots);
	doc = make_req(SQ_ID_FIND_DOCUMENTS, "LeafClass", sb.sb_data);
	strbuf_reset(&sb);
	if (code == NULL) {
		assert_int_equal(parse(doc, &p, &errs), 0);
		assert_int_equal(errs.rl_n, 0);
	} else {
		assert_int_equal(parse(doc, &p, &errs), 1);
		assert_one_error(&errs, code, loc);
	}
	sq_params_free(&p);
	regerr_clear(&errs);
	xmlFreeDoc(doc);
}

#define SLOT(n, v)	"<rim:Slot name=\"" n "\"><rim:ValueList><rim:Value>" v \
			"</rim:Value></rim:ValueList></rim:Slot>"

static void
test_values(void **state)
{
	(void)state;
	check_fd("", NULL, NULL);
	/* times: number, quoted number; not a DTM */
	check_fd(SLOT("$XDSDocumentEntryCreationTimeFrom", "2004") 
	    SLOT("$XDSDocumentEntryCreationTimeTo", "'20050101120000'"), NULL, NULL);
	check_fd(SLOT("$XDSDocumentEntryCreationTimeFrom", "20041"), "XDSRegistryError",
	    "$XDSDocumentEntryCreationTimeFrom");
	/* code without quotes, without code, with an extra ^ */
	check_fd(SLOT("$XDSDocumentEntryFormatCode", "(value^^scheme)"), "XDSRegistryError",
	    "$XDSDocumentEntryFormatCode");
	check_fd(SLOT("$XDSDocumentEntryFormatCode", "('^^scheme')"), "XDSRegistryError", NULL);
	check_fd(SLOT("$XDSDocumentEntryFormatCode", "('a^^b^c')"), "XDSRegistryError", NULL);
	/* status and objectType must be the URNs */
	check_fd(SLOT("$XDSDocumentEntryType", "('urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248',"
	    "'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1')"), NULL, NULL);
	check_fd(SLOT("$XDSDocumentEntryType", "('stable')"), "XDSRegistryError", NULL);
	check_fd(SLOT("$XDSDocumentEntryDocumentAvailability",
	    "('urn:ihe:iti:2010:DocumentAvailability:Offline')"), NULL, NULL);
	/* $MetadataLevel is a number, 1 or 2 */
	check_fd(SLOT("$MetadataLevel", "1"), NULL, NULL);
	check_fd(SLOT("$MetadataLevel", "'1'"), "XDSRegistryError", "$MetadataLevel");
	check_fd(SLOT("$MetadataLevel", "3"), "XDSRegistryError", "$MetadataLevel");
	/* unknown names ignored; names matched case-insensitively */
	check_fd(SLOT("$XDSFolderStatus", "garbage") SLOT("$Nonsense", "'x'"), NULL, NULL);
	check_fd(SLOT("$xdsdocumententryclasscode", "('a^^b')")
	    SLOT("$XDSDocumentEntryClassCode", "('c^^d')"), "XDSStoredQueryParamNumber",
	    "$XDSDocumentEntryClassCode");
}

static void
test_arity(void **state)
{
	struct reg_errors errs = { 0 };
	struct sq_params p;
	const struct sq_value *v;
	xmlDocPtr doc;

	(void)state;
	/* a single-valued parameter in two Slots, or with two values */
	check_fd(SLOT("$XDSDocumentEntryPatientId", PID), "XDSStoredQueryParamNumber",
	    "$XDSDocumentEntryPatientId");
	check_fd(SLOT("$XDSDocumentEntryCreationTimeFrom", "(2004, 2005)"),
	    "XDSStoredQueryParamNumber", "$XDSDocumentEntryCreationTimeFrom");
	/* two rim:Value of one Slot form one ORed list */
	check_fd("<rim:Slot name=\"$XDSDocumentEntryTypeCode\"><rim:ValueList>"
	    "<rim:Value>('a^^b')</rim:Value><rim:Value>('c^^d')</rim:Value>"
	    "</rim:ValueList></rim:Slot>", NULL, NULL);
	/* an empty ValueList */
	check_fd("<rim:Slot name=\"$XDSDocumentEntryTypeCode\"><rim:ValueList/></rim:Slot>",
	    "XDSRegistryError", "$XDSDocumentEntryTypeCode");

	/* AND of ORs for the event code list */
	doc = make_req(SQ_ID_FIND_DOCUMENTS, "ObjectRef",
	    SLOT("$XDSDocumentEntryPatientId", PID) SLOT("$XDSDocumentEntryStatus", APPROVED)
	    SLOT("$XDSDocumentEntryEventCodeList", "('a^^s','b^^s')")
	    SLOT("$XDSDocumentEntryEventCodeList", "('c^^s')"));
	assert_int_equal(parse(doc, &p, &errs), 0);
	assert_int_equal(p.sp_objectref, 1);
	v = sq_param_get(&p, SQP_DE_EVENTCODE);
	assert_non_null(v);
	assert_int_equal(v->sp_ng, 2);
	assert_int_equal(v->sp_g[0].sg_n, 2);
	assert_true(sq_group_has(&v->sp_g[0], "b^^s"));
	assert_false(sq_group_has(&v->sp_g[0], "c^^s"));
	assert_true(sq_group_has(&v->sp_g[1], "c^^s"));
	sq_params_free(&p);
	xmlFreeDoc(doc);
}

static void
test_choice_and_ids(void **state)
{
	struct reg_errors errs = { 0 };
	struct sq_params p;
	xmlDocPtr doc;

	(void)state;
	/* GetDocuments: both, neither, one (with home) */
	doc = make_req(SQ_ID_GET_DOCUMENTS, "LeafClass",
	    SLOT("$XDSDocumentEntryEntryUUID", "('urn:uuid:a')")
	    SLOT("$XDSDocumentEntryUniqueId", "('1.2.3')"));
	assert_int_equal(parse(doc, &p, &errs), 1);
	assert_one_error(&errs, "XDSStoredQueryParamNumber", NULL);
	sq_params_free(&p);
	regerr_clear(&errs);
	xmlFreeDoc(doc);

	doc = make_req(SQ_ID_GET_DOCUMENTS, "LeafClass", "");
	assert_int_equal(parse(doc, &p, &errs), 1);
	assert_one_error(&errs, "XDSStoredQueryMissingParam", NULL);
	sq_params_free(&p);
	regerr_clear(&errs);
	xmlFreeDoc(doc);

	/* GetRelatedDocuments: the uuid is single-valued, $AssociationTypes required */
	doc = make_req(SQ_ID_GET_RELATED_DOCS, "LeafClass",
	    SLOT("$XDSDocumentEntryEntryUUID", "('urn:uuid:a','urn:uuid:b')"));
	assert_int_equal(parse(doc, &p, &errs), 1);
	assert_int_equal(errs.rl_n, 2);
	assert_string_equal(errs.rl_err[0].re_code, "XDSStoredQueryParamNumber");
	assert_string_equal(errs.rl_err[1].re_code, "XDSStoredQueryMissingParam");
	assert_string_equal(errs.rl_err[1].re_location, "$AssociationTypes");
	sq_params_free(&p);
	regerr_clear(&errs);
	xmlFreeDoc(doc);

	/* upper-case id, @home kept */
	doc = make_req("URN:UUID:5C4F972B-D56B-40AC-A5FC-C8CA9B40B9D4\" home=\"urn:oid:1.2.3",
	    "ObjectRef", SLOT("$XDSDocumentEntryUniqueId", "('1.2.3', '1.2.4')"));
	assert_int_equal(parse(doc, &p, &errs), 0);
	assert_int_equal(p.sp_query, SQ_GET_DOCUMENTS);
	assert_string_equal(p.sp_home, "urn:oid:1.2.3");
	assert_int_equal(sq_param_get(&p, SQP_DE_UID)->sp_g[0].sg_n, 2);
	assert_false(sq_query_has_patient(p.sp_query));
	sq_params_free(&p);
	xmlFreeDoc(doc);
}

static void
test_query_and_return_type(void **state)
{
	struct reg_errors errs = { 0 };
	struct sq_params p;
	xmlDocPtr doc;

	(void)state;
	doc = make_req("urn:uuid:00000000-0000-0000-0000-000000000000", "LeafClass", "");
	assert_int_equal(parse(doc, &p, &errs), 1);
	assert_one_error(&errs, "XDSUnknownStoredQuery", NULL);
	assert_int_equal(p.sp_query, SQ_UNKNOWN);
	sq_params_free(&p);
	regerr_clear(&errs);
	xmlFreeDoc(doc);

	doc = make_req(SQ_ID_GET_FOLDERS, "RegistryObject",
	    SLOT("$XDSFolderEntryUUID", "('urn:uuid:a')"));
	assert_int_equal(parse(doc, &p, &errs), 1);
	assert_one_error(&errs, "XDSRegistryError", NULL);
	assert_non_null(strstr(errs.rl_err[0].re_context, "returnType"));
	sq_params_free(&p);
	regerr_clear(&errs);
	xmlFreeDoc(doc);

	assert_int_equal(sq_query_by_id(SQ_ID_FIND_DOCS_BY_REFID), SQ_FIND_DOCS_BY_REFID);
	assert_string_equal(sq_query_name(SQ_GET_SS_AND_CONTENTS),
	    "GetSubmissionSetAndContents");
	assert_true(sq_query_has_patient(SQ_GET_ALL));
	assert_string_equal(sq_param_name(SQP_PATIENTID), "$patientId");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_nist_good),
		cmocka_unit_test(test_nist_negatives),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_arity),
		cmocka_unit_test(test_choice_and_ids),
		cmocka_unit_test(test_query_and_return_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
