/* Unit tests for policy/consent_doc: valid documents (each also validated against
 * policy/consent.xsd with libxml2's schema validator) parse into the right fields; each
 * malformed document is refused with its error and element, and the schema agrees that it
 * is invalid (except the one rule XSD 1.0 cannot say). Also the time forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "common/str.h"
#include "common/xml.h"
#include "policy/consent_doc.h"

#define AA	"1.2.392.200119.6.102.33.1"
#define PEER1	"urn:oid:1.2.392.200119.6.102.34"
#define PEER2	"urn:oid:1.2.392.200119.6.102.35"

/* The full grant of policy/README.md. */
static const char GRANT[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<consent xmlns=\"urn:hashi:consent:1\">\n"
    "  <documentId>urn:uuid:6f1c1f4e-8d8b-4b1e-9a43-1f6f7c3d2a10</documentId>\n"
    "  <issued>2024-04-01T09:30:00+09:00</issued>\n"
    "  <patient>\n"
    "    <id>P0001</id>\n"
    "    <assigningAuthority>" AA "</assigningAuthority>\n"
    "  </patient>\n"
    "  <grant>\n"
    "    <regions>\n"
    "      <community>" PEER1 "</community>\n"
    "      <community>" PEER2 "</community>\n"
    "    </regions>\n"
    "    <purposes>\n"
    "      <purpose>clinical</purpose>\n"
    "      <purpose>emergency</purpose>\n"
    "    </purposes>\n"
    "    <documentClasses>\n"
    "      <class>11488-4</class>\n"
    "      <class>34133-9</class>\n"
    "    </documentClasses>\n"
    "    <validity>\n"
    "      <from>2024-04-01</from>\n"
    "      <to>2025-03-31</to>\n"
    "    </validity>\n"
    "  </grant>\n"
    "</consent>\n";

static const char MINIMAL[] =
    "<c:consent xmlns:c=\"urn:hashi:consent:1\"><!-- a comment is fine -->"
    "<c:issued>2024-04-01T00:30:00Z</c:issued>"
    "<c:patient><c:id>P0001</c:id><c:assigningAuthority>" AA "</c:assigningAuthority>"
    "</c:patient><c:grant><c:regions><c:allParticipating/></c:regions>"
    "<c:purposes><c:purpose>clinical</c:purpose></c:purposes>"
    "<c:validity><c:from>2024-04-01T09:00:00.250</c:from></c:validity></c:grant>"
    "</c:consent>";

static const char WITHDRAW[] =
    "<consent xmlns=\"urn:hashi:consent:1\"><issued>2024-05-01T10:00:00+09:00</issued>"
    "<patient><id>P0001</id><assigningAuthority>" AA "</assigningAuthority></patient>"
    "<withdraw/></consent>";

static xmlSchemaPtr schema;

static int
setup(void **state)
{
	char path[1024];
	const char *root = getenv("HASHI_ROOT") != NULL ? getenv("HASHI_ROOT") : ".";
	xmlSchemaParserCtxtPtr pc;

	(void)state;
	xml_init();
	snprintf(path, sizeof(path), "%s/policy/consent.xsd", root);
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL)
		return -1;
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	return schema == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	xmlSchemaFree(schema);
	xmlCleanupParser();
	return 0;
}

/* Returns 1 when XML is well-formed and valid against consent.xsd. */
static int
xsd_valid(const char *xml)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlSchemaValidCtxtPtr vc;
	int rc;

	if (doc == NULL)
		return 0;
	assert_non_null(vc = xmlSchemaNewValidCtxt(schema));
	rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	return rc == 0;
}

static enum consent_doc_err
parse(const char *xml, struct consent_doc *d, struct consent_doc_error *e)
{
	return consent_doc_parse((const uint8_t *)xml, strlen(xml), d, e);
}

/* Returns a malloc'd copy of S with its first OLD replaced by NEW; fails if OLD is absent. */
static char *
replace(const char *s, const char *old, const char *new)
{
	const char *p = strstr(s, old);
	struct strbuf sb = { 0 };

	if (p == NULL)
		fail_msg("\"%s\" not in the document", old);
	strbuf_add(&sb, s, (size_t)(p - s));
	strbuf_puts(&sb, new);
	strbuf_puts(&sb, p + strlen(old));
	assert_false(sb.sb_failed);
	return strbuf_take(&sb, NULL);
}

static int64_t
t(const char *s)
{
	int64_t v = 0;

	assert_int_equal(consent_time_parse(s, 1, 0, &v), 0);
	return v;
}

static void
test_full_grant(void **state)
{
	struct consent_doc d;
	struct consent_doc_error e;

	(void)state;
	assert_true(xsd_valid(GRANT));
	assert_int_equal(parse(GRANT, &d, &e), CDOC_OK);
	assert_string_equal(d.cd_docid, "urn:uuid:6f1c1f4e-8d8b-4b1e-9a43-1f6f7c3d2a10");
	assert_int_equal(d.cd_issued, 1711931400);	/* 2024-04-01T00:30:00Z */
	assert_string_equal(d.cd_patient, "P0001^^^&" AA "&ISO");
	assert_int_equal(d.cd_action, CONSENT_GRANT);
	assert_int_equal(d.cd_all_regions, 0);
	assert_int_equal(d.cd_nregions, 2);
	assert_string_equal(d.cd_regions[0], PEER1);
	assert_string_equal(d.cd_regions[1], PEER2);
	assert_int_equal(d.cd_npurposes, 2);
	assert_string_equal(d.cd_purposes[0], "clinical");
	assert_string_equal(d.cd_purposes[1], "emergency");
	assert_int_equal(d.cd_nclasses, 2);
	assert_string_equal(d.cd_classes[1], "34133-9");
	/* dates are Japan time: from = 2024-03-31T15:00:00Z, to = 2025-03-31T14:59:59Z */
	assert_int_equal(d.cd_from, 1711897200);
	assert_int_equal(d.cd_to, 1743433199);
}

static void
test_minimal_and_withdraw(void **state)
{
	struct consent_doc d;

	(void)state;
	assert_true(xsd_valid(MINIMAL));
	assert_int_equal(parse(MINIMAL, &d, NULL), CDOC_OK);
	assert_string_equal(d.cd_docid, "");
	assert_int_equal(d.cd_all_regions, 1);
	assert_int_equal(d.cd_nregions, 0);
	assert_int_equal(d.cd_nclasses, 0);
	assert_int_equal(d.cd_from, 1711929600);	/* 09:00 JST, fraction dropped */
	assert_true(d.cd_to == CONSENT_TIME_OPEN);

	assert_true(xsd_valid(WITHDRAW));
	assert_int_equal(parse(WITHDRAW, &d, NULL), CDOC_OK);
	assert_int_equal(d.cd_action, CONSENT_WITHDRAW);
	assert_int_equal(d.cd_issued, 1714525200);
	assert_string_equal(d.cd_patient, "P0001^^^&" AA "&ISO");
	assert_int_equal(d.cd_npurposes, 0);
}

static void
test_times(void **state)
{
	int64_t v;
	char buf[32];

	(void)state;
	assert_true(t("2024-04-01T09:30:00+09:00") == t("2024-04-01T00:30:00Z"));
	assert_true(t("2024-04-01T09:30:00") == t("2024-04-01T00:30:00Z"));	/* JST */
	assert_true(t("2024-04-01T00:30:00-05:00") == t("2024-04-01T05:30:00Z"));
	assert_true(t("2024-04-01T24:00:00Z") == t("2024-04-02T00:00:00Z"));
	assert_true(t("2024-04-01Z") == t("2024-04-01T00:00:00Z"));
	assert_true(t("2024-02-29") == t("2024-02-28T15:00:00Z"));
	assert_true(t("1970-01-01T00:00:00Z") == 0);
	assert_int_equal(consent_time_parse("2024-04-01", 1, 1, &v), 0);
	assert_true(v == t("2024-04-01T23:59:59"));
	/* refused */
	assert_int_equal(consent_time_parse("2024-04-01", 0, 0, &v), -1);	/* date-time only */
	assert_int_equal(consent_time_parse("2023-02-29", 1, 0, &v), -1);
	assert_int_equal(consent_time_parse("1899-12-31", 1, 0, &v), -1);
	assert_int_equal(consent_time_parse("2024-04-01T09:30", 1, 0, &v), -1);
	assert_int_equal(consent_time_parse("2024-04-01T09:60:00", 1, 0, &v), -1);
	assert_int_equal(consent_time_parse("2024-04-01T24:00:01", 1, 0, &v), -1);
	assert_int_equal(consent_time_parse("2024-04-01T09:00:00+15:00", 1, 0, &v), -1);
	assert_int_equal(consent_time_parse("2024-04-01T09:00:00.", 1, 0, &v), -1);
	assert_int_equal(consent_time_parse("2024-4-01", 1, 0, &v), -1);
	assert_int_equal(consent_time_parse("2024-04-01 ", 1, 0, &v), -1);
	assert_string_equal(consent_time_format(t("2024-04-01T00:30:00Z"), buf, sizeof(buf)),
	    "2024-04-01T00:30:00Z");
	assert_string_equal(consent_time_format(CONSENT_TIME_OPEN, buf, sizeof(buf)), "open");
}

/* One malformed variant: the text OLD of BASE becomes NEW. */
struct bad {
	const char		*name;
	const char		*base;
	const char		*old, *new;
	enum consent_doc_err	 err;
	const char		*element;
	int			 xsd_valid;	/* what the schema says */
};

static const struct bad bads[] = {
	{ "not well-formed", GRANT, "</consent>", "</consen>", CDOC_E_XML, "", 0 },
	/* valid for the schema, but a DTD is never accepted (common/xml.h) */
	{ "doctype", GRANT, "<consent ", "<!DOCTYPE consent [<!ENTITY x \"y\">]><consent ",
	    CDOC_E_XML, "", 1 },
	{ "root tags differ", GRANT, "<consent ", "<agreement ", CDOC_E_XML, "", 0 },
	{ "namespace", GRANT, "consent:1\"", "consent:2\"", CDOC_E_ROOT, "consent", 0 },
	{ "issued missing", GRANT, "<issued>2024-04-01T09:30:00+09:00</issued>", "",
	    CDOC_E_MISSING, "issued", 0 },
	{ "issued a date", GRANT, "2024-04-01T09:30:00+09:00", "2024-04-01", CDOC_E_VALUE,
	    "issued", 0 },
	{ "issued no such day", GRANT, "2024-04-01T09:30", "2024-02-30T09:30", CDOC_E_VALUE,
	    "issued", 0 },
	{ "patient id missing", GRANT, "<id>P0001</id>", "", CDOC_E_MISSING, "id", 0 },
	{ "patient id delimiter", GRANT, "<id>P0001</id>", "<id>P^0001</id>", CDOC_E_VALUE,
	    "id", 0 },
	{ "patient id space", GRANT, "<id>P0001</id>", "<id> P0001</id>", CDOC_E_VALUE, "id",
	    0 },
	{ "authority urn", GRANT, "<assigningAuthority>", "<assigningAuthority>urn:oid:",
	    CDOC_E_VALUE, "assigningAuthority", 0 },
	{ "no grant or withdraw", WITHDRAW, "<withdraw/>", "", CDOC_E_MISSING, "grant", 0 },
	{ "grant and withdraw", GRANT, "</grant>", "</grant><withdraw/>", CDOC_E_UNEXPECTED,
	    "withdraw", 0 },
	{ "withdraw not empty", WITHDRAW, "<withdraw/>", "<withdraw> </withdraw>",
	    CDOC_E_UNEXPECTED, "withdraw", 0 },
	{ "unknown element", GRANT, "</grant>", "</grant><note>x</note>", CDOC_E_UNEXPECTED,
	    "note", 0 },
	{ "foreign namespace", GRANT, "</validity>", "</validity><x:y xmlns:x=\"urn:x\"/>",
	    CDOC_E_UNEXPECTED, "y", 0 },
	{ "attribute", GRANT, "<grant>", "<grant scope=\"all\">", CDOC_E_UNEXPECTED, "grant",
	    0 },
	{ "stray text", GRANT, "<patient>", "<patient>hello", CDOC_E_UNEXPECTED, "patient",
	    0 },
	{ "order", GRANT, "<regions>", "<purposes><purpose>x</purpose></purposes><regions>",
	    CDOC_E_MISSING, "regions", 0 },
	{ "community not urn:oid", GRANT, "<community>urn:oid:", "<community>",
	    CDOC_E_VALUE, "community", 0 },
	{ "community bad oid", GRANT, PEER2, "urn:oid:1.02.3", CDOC_E_VALUE, "community",
	    0 },
	{ "all and community", MINIMAL, "<c:allParticipating/>",
	    "<c:allParticipating/><c:community>" PEER1 "</c:community>", CDOC_E_UNEXPECTED,
	    "community", 0 },
	{ "no purpose", GRANT, "<purpose>clinical</purpose>\n      <purpose>emergency</purpose>",
	    "", CDOC_E_MISSING, "purpose", 0 },
	{ "purpose form", GRANT, "<purpose>clinical<", "<purpose>clinical care<",
	    CDOC_E_VALUE, "purpose", 0 },
	{ "duplicate purpose", GRANT, "<purpose>emergency<", "<purpose>clinical<",
	    CDOC_E_DUPLICATE, "purpose", 0 },
	{ "duplicate community", GRANT, PEER2, PEER1, CDOC_E_DUPLICATE, "community", 0 },
	{ "empty classes", GRANT, "<class>11488-4</class>\n      <class>34133-9</class>", "",
	    CDOC_E_MISSING, "class", 0 },
	{ "empty class", GRANT, "<class>11488-4</class>", "<class></class>", CDOC_E_VALUE,
	    "class", 0 },
	{ "from missing", GRANT, "<from>2024-04-01</from>", "", CDOC_E_MISSING, "from", 0 },
	{ "to bad month", GRANT, "2025-03-31", "2025-13-01", CDOC_E_VALUE, "to", 0 },
	{ "to before from", GRANT, "2025-03-31", "2024-03-31", CDOC_E_PERIOD, "to", 1 },
	{ "validity missing", MINIMAL, "<c:validity><c:from>2024-04-01T09:00:00.250</c:from>"
	    "</c:validity>", "", CDOC_E_MISSING, "validity", 0 },
	{ "documentId space", GRANT, "urn:uuid:6f1c", "urn:uuid 6f1c", CDOC_E_VALUE,
	    "documentId", 0 },
	{ "element in leaf", GRANT, "<id>P0001</id>", "<id>P0001<b/></id>",
	    CDOC_E_UNEXPECTED, "b", 0 },
};

static void
test_malformed(void **state)
{
	struct consent_doc d;
	struct consent_doc_error e;
	enum consent_doc_err rc;
	size_t i;
	char *xml;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		xml = replace(bads[i].base, bads[i].old, bads[i].new);
		rc = parse(xml, &d, &e);
		if (rc != bads[i].err || strcmp(e.ce_element, bads[i].element) != 0 ||
		    xsd_valid(xml) != bads[i].xsd_valid) {
			print_error("%s: got %d <%s> \"%s\" (xsd %d), want %d <%s>\n", bads[i].name,
			    rc, e.ce_element, e.ce_text, xsd_valid(xml), bads[i].err,
			    bads[i].element);
			free(xml);
			fail();
		}
		assert_true(e.ce_text[0] != '\0');
		free(xml);
	}
}

/* A well-formed document with another root element. */
static void
test_wrong_root(void **state)
{
	struct consent_doc_error e;
	struct consent_doc d;
	char *half = replace(GRANT, "<consent ", "<agreement ");
	char *xml = replace(half, "</consent>", "</agreement>");

	(void)state;
	free(half);
	assert_int_equal(parse(xml, &d, &e), CDOC_E_ROOT);
	assert_string_equal(e.ce_element, "agreement");
	assert_false(xsd_valid(xml));
	free(xml);
}

static void
test_limits(void **state)
{
	struct consent_doc d;
	struct consent_doc_error e;
	struct strbuf sb = { 0 };
	char *xml;
	int i;

	(void)state;
	/* 33 communities: one more than allowed */
	for (i = 0; i < CONSENT_REGIONS_MAX + 1; i++)
		strbuf_printf(&sb, "<c:community>urn:oid:1.2.3.%d</c:community>", i);
	xml = replace(MINIMAL, "<c:allParticipating/>", sb.sb_data);
	assert_int_equal(parse(xml, &d, &e), CDOC_E_TOOMANY);
	assert_string_equal(e.ce_element, "community");
	assert_false(xsd_valid(xml));
	free(xml);
	strbuf_reset(&sb);
	/* 32 are fine */
	for (i = 0; i < CONSENT_REGIONS_MAX; i++)
		strbuf_printf(&sb, "<c:community>urn:oid:1.2.3.%d</c:community>", i);
	xml = replace(MINIMAL, "<c:allParticipating/>", sb.sb_data);
	assert_true(xsd_valid(xml));
	assert_int_equal(parse(xml, &d, &e), CDOC_OK);
	assert_int_equal(d.cd_nregions, CONSENT_REGIONS_MAX);
	assert_string_equal(d.cd_regions[31], "urn:oid:1.2.3.31");
	free(xml);
	strbuf_reset(&sb);
	/* over CONSENT_DOC_MAX bytes */
	strbuf_puts(&sb, "<!--");
	for (i = 0; i < CONSENT_DOC_MAX / 8; i++)
		strbuf_puts(&sb, "........");
	strbuf_puts(&sb, "--></consent>");
	xml = replace(GRANT, "</consent>", sb.sb_data);
	assert_true(xsd_valid(xml));
	assert_int_equal(parse(xml, &d, &e), CDOC_E_XML);
	free(xml);
	strbuf_reset(&sb);
	assert_int_equal(consent_doc_parse(NULL, 0, &d, &e), CDOC_E_XML);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_grant),
		cmocka_unit_test(test_minimal_and_withdraw),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_wrong_root),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
