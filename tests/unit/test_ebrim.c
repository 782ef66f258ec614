/* Unit tests for gateway/ebrim: accessors over parsed ebRIM trees and format checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/xml.h"
#include "gateway/ebrim.h"

#define RIM "xmlns:rim=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\""

static const char list_xml[] =
    "<rim:RegistryObjectList " RIM ">"
    "<rim:ExtrinsicObject id=\"urn:uuid:11111111-2222-3333-4444-555555555555\" "
    " objectType=\"" UUID_DE_STABLE "\" mimeType=\"text/xml\">"
    "<rim:Slot name=\"creationTime\"><rim:ValueList><rim:Value> 20240401 </rim:Value>"
    "</rim:ValueList></rim:Slot>"
    "<rim:Slot name=\"sourcePatientInfo\"><rim:ValueList><rim:Value>PID-5|山田^太郎</rim:Value>"
    "<rim:Value>PID-7|19700101</rim:Value></rim:ValueList></rim:Slot>"
    "<rim:Slot name=\"empty\"><rim:ValueList/></rim:Slot>"
    "<rim:Name><rim:LocalizedString xml:lang=\"ja-JP\" value=\"診療情報提供書\"/></rim:Name>"
    "<rim:Classification id=\"c1\" classificationScheme=\"" UUID_DE_CONFCODE "\""
    " nodeRepresentation=\"N\"><rim:Slot name=\"codingScheme\"><rim:ValueList>"
    "<rim:Value>2.16.840.1.113883.5.25</rim:Value></rim:ValueList></rim:Slot></rim:Classification>"
    "<rim:Classification id=\"c2\" classificationScheme=\"" UUID_DE_CLASSCODE "\""
    " nodeRepresentation=\"11\"/>"
    "<rim:Classification id=\"c3\" classificationScheme=\"" UUID_DE_CONFCODE "\""
    " nodeRepresentation=\"R\"><rim:Slot name=\"codingScheme\"><rim:ValueList>"
    "<rim:Value>JHPN</rim:Value></rim:ValueList></rim:Slot></rim:Classification>"
    "<rim:ExternalIdentifier id=\"e1\" identificationScheme=\"" UUID_DE_PATIENTID "\""
    " value=\"P1^^^&amp;1.2.392.100495.20.3.51.1&amp;ISO\"/>"
    "</rim:ExtrinsicObject>"
    "<rim:RegistryPackage id=\"ss\"><rim:Classification classificationNode=\""
    UUID_SUBMISSIONSET "\" classifiedObject=\"ss\" id=\"c4\"/></rim:RegistryPackage>"
    "<rim:RegistryPackage id=\"fd\"/>"
    "<rim:RegistryPackage id=\"other\"/>"
    "<rim:Classification classificationNode=\"" UUID_FOLDER "\" classifiedObject=\"fd\""
    " id=\"c5\"/>"
    "<rim:Association id=\"a1\" associationType=\"" ASSOC_HASMEMBER "\"/>"
    "</rim:RegistryObjectList>";

static xmlDocPtr doc;
static xmlNodePtr list, eo, ss, fd, other, assoc;

static int
setup(void **state)
{
	enum xml_err err;

	(void)state;
	doc = xml_parse_safe(list_xml, sizeof(list_xml) - 1, NULL, &err);
	if (doc == NULL)
		return -1;
	list = xmlDocGetRootElement(doc);
	eo = xml_child(list, NS_RIM, "ExtrinsicObject");
	ss = xml_child(list, NS_RIM, "RegistryPackage");
	fd = xml_next(ss, NS_RIM, "RegistryPackage");
	other = xml_next(fd, NS_RIM, "RegistryPackage");
	assoc = xml_child(list, NS_RIM, "Association");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	xmlFreeDoc(doc);
	return 0;
}

static void
test_kind_of(void **state)
{
	(void)state;
	assert_int_equal(ebrim_kind_of(eo, NULL), EBRIM_DOCUMENT);
	assert_int_equal(ebrim_kind_of(assoc, NULL), EBRIM_ASSOCIATION);
	assert_int_equal(ebrim_kind_of(ss, NULL), EBRIM_SUBMISSIONSET);
	/* the Folder is classified by a sibling: only found with a scope */
	assert_int_equal(ebrim_kind_of(fd, NULL), EBRIM_OTHER);
	assert_int_equal(ebrim_kind_of(fd, list), EBRIM_FOLDER);
	assert_int_equal(ebrim_kind_of(other, list), EBRIM_OTHER);
	assert_int_equal(ebrim_kind_of(list, list), EBRIM_OTHER);
}

static void
test_slots(void **state)
{
	char **v, *s;

	(void)state;
	v = ebrim_slot_values(eo, "sourcePatientInfo");
	assert_non_null(v);
	assert_string_equal(v[0], "PID-5|山田^太郎");
	assert_string_equal(v[1], "PID-7|19700101");
	assert_null(v[2]);
	ebrim_strv_free(v);
	v = ebrim_slot_values(eo, "empty");
	assert_non_null(v);
	assert_null(v[0]);
	ebrim_strv_free(v);
	assert_null(ebrim_slot_values(eo, "absent"));
	s = ebrim_slot_first(eo, "creationTime");
	assert_string_equal(s, "20240401");	/* trimmed */
	free(s);
	assert_null(ebrim_slot_first(eo, "absent"));
	assert_null(ebrim_slot_first(eo, "empty"));
	ebrim_strv_free(NULL);
}

static void
test_classifications(void **state)
{
	xmlNodePtr c;
	char *code;

	(void)state;
	c = ebrim_classification(eo, UUID_DE_CONFCODE, NULL);
	assert_non_null(c);
	code = ebrim_code_of(c);
	assert_string_equal(code, "N^^2.16.840.1.113883.5.25");
	free(code);
	c = ebrim_classification(eo, UUID_DE_CONFCODE, c);
	assert_non_null(c);
	code = ebrim_code_of(c);
	assert_string_equal(code, "R^^JHPN");
	free(code);
	assert_null(ebrim_classification(eo, UUID_DE_CONFCODE, c));
	/* no codingScheme: incomplete */
	c = ebrim_classification(eo, UUID_DE_CLASSCODE, NULL);
	assert_non_null(c);
	assert_null(ebrim_code_of(c));
	assert_null(ebrim_classification(eo, UUID_DE_TYPECODE, NULL));
}

static void
test_external_id_and_name(void **state)
{
	char *s;

	(void)state;
	s = ebrim_external_id(eo, UUID_DE_PATIENTID);
	assert_string_equal(s, "P1^^^&1.2.392.100495.20.3.51.1&ISO");
	free(s);
	assert_null(ebrim_external_id(eo, UUID_DE_UNIQUEID));
	s = ebrim_name(eo);
	assert_string_equal(s, "診療情報提供書");
	free(s);
	assert_null(ebrim_name(ss));
}

static void
test_uuid_urn(void **state)
{
	(void)state;
	assert_true(ebrim_is_uuid_urn("urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"));
	assert_true(ebrim_is_uuid_urn("urn:uuid:7EDCA82F-054D-47F2-A032-9B2A5B5186C1"));
	assert_false(ebrim_is_uuid_urn("7edca82f-054d-47f2-a032-9b2a5b5186c1"));
	assert_false(ebrim_is_uuid_urn("urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c"));
	assert_false(ebrim_is_uuid_urn("urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1x"));
	assert_false(ebrim_is_uuid_urn("urn:uuid:7edca82f_054d-47f2-a032-9b2a5b5186c1"));
	assert_false(ebrim_is_uuid_urn("urn:uuid:7edca82g-054d-47f2-a032-9b2a5b5186c1"));
	assert_false(ebrim_is_uuid_urn("Document01"));
	assert_false(ebrim_is_uuid_urn(NULL));
}

static void
test_oid(void **state)
{
	(void)state;
	assert_true(ebrim_is_oid("1.2.392.100495.20.3.51.1"));
	assert_true(ebrim_is_oid("2.16.840.1.113883.5.25"));
	assert_true(ebrim_is_oid("1.0"));
	assert_true(ebrim_is_oid("0.0"));
	assert_false(ebrim_is_oid("1"));
	assert_false(ebrim_is_oid("1.02"));
	assert_false(ebrim_is_oid("01.2"));
	assert_false(ebrim_is_oid("1..2"));
	assert_false(ebrim_is_oid("1.2."));
	assert_false(ebrim_is_oid(".1.2"));
	assert_false(ebrim_is_oid("1.2a"));
	assert_false(ebrim_is_oid(""));
	assert_false(ebrim_is_oid(NULL));
	/* 64 characters is the limit */
	assert_int_equal(strlen("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.5"), 64);
	assert_true(ebrim_is_oid("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.5"));
	assert_false(ebrim_is_oid("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.56"));
}

static void
test_cx(void **state)
{
	(void)state;
	assert_true(ebrim_is_cx("P1^^^&1.2.392.100495.20.3.51.1&ISO"));
	assert_true(ebrim_is_cx("89765a87b^^^&3.4.5&ISO"));
	assert_false(ebrim_is_cx("^^^&1.2.3&ISO"));		/* empty id */
	assert_false(ebrim_is_cx("P1^^^&1.2.3"));		/* no &ISO */
	assert_false(ebrim_is_cx("P1^^^&1.2.3&ISO^PI"));	/* trailing component */
	assert_false(ebrim_is_cx("P1^^^&1.02.3&ISO"));	/* bad OID */
	assert_false(ebrim_is_cx("P1^^^1.2.3&ISO"));
	assert_false(ebrim_is_cx("P^1^^^&1.2.3&ISO"));
	assert_false(ebrim_is_cx("P&1^^^&1.2.3&ISO"));
	assert_false(ebrim_is_cx("P1^^^&&ISO"));
	assert_false(ebrim_is_cx(NULL));
}

static void
test_dtm(void **state)
{
	(void)state;
	assert_true(ebrim_is_dtm("2024"));
	assert_true(ebrim_is_dtm("202404"));
	assert_true(ebrim_is_dtm("20240401"));
	assert_true(ebrim_is_dtm("2024040123"));
	assert_true(ebrim_is_dtm("202404012359"));
	assert_true(ebrim_is_dtm("20240401235959"));
	assert_false(ebrim_is_dtm("202"));
	assert_false(ebrim_is_dtm("20240"));
	assert_false(ebrim_is_dtm("2024040123595"));
	assert_false(ebrim_is_dtm("202404012359590"));
	assert_false(ebrim_is_dtm("20241301"));		/* month 13 */
	assert_false(ebrim_is_dtm("20240400"));		/* day 0 */
	assert_false(ebrim_is_dtm("2024040124"));	/* hour 24 */
	assert_false(ebrim_is_dtm("2024-04-01"));
	assert_false(ebrim_is_dtm(""));
	assert_false(ebrim_is_dtm(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_of),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_classifications),
		cmocka_unit_test(test_external_id_and_name),
		cmocka_unit_test(test_uuid_urn),
		cmocka_unit_test(test_oid),
		cmocka_unit_test(test_cx),
		cmocka_unit_test(test_dtm),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
