/* Unit tests for gateway/objmerge: objects moved out of peers' answers, whatever prefixes
 * the peers used, come out as one namespace-correct rim:RegistryObjectList. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/objmerge.h"

/* rim declared on the envelope under the prefix r, the object two levels below. */
static const char peer_a[] =
    "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:r=\"" NS_RIM "\">"
    "<e:Body><q:AdhocQueryResponse xmlns:q=\"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0\">"
    "<r:RegistryObjectList><r:ExtrinsicObject id=\"a1\" home=\"urn:oid:1.2.3\">"
    "<r:Slot name=\"x\"><r:ValueList><r:Value>山田</r:Value></r:ValueList></r:Slot>"
    "</r:ExtrinsicObject></r:RegistryObjectList></q:AdhocQueryResponse></e:Body></e:Envelope>";

/* rim as the default namespace of the list; an extension attribute in a namespace
 * declared on the Body only. */
static const char peer_b[] =
    "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\">"
    "<e:Body xmlns:ext=\"urn:example:ext\"><RegistryObjectList xmlns=\"" NS_RIM "\">"
    "<ObjectRef id=\"b1\" home=\"urn:oid:4.5.6\" ext:flag=\"1\"/>"
    "<ExtrinsicObject id=\"b2\" home=\"urn:oid:4.5.6\"><Name><LocalizedString value=\"v\"/>"
    "</Name></ExtrinsicObject></RegistryObjectList></e:Body></e:Envelope>";

static xmlDocPtr
parse(const char *s)
{
	enum xml_err err;
	xmlDocPtr d = xml_parse_safe(s, strlen(s), NULL, &err);

	assert_non_null(d);
	return d;
}

/* Moves every element child of the first element named LIST (local name) in DOC. */
static void
take_all(struct objmerge *om, xmlDocPtr doc)
{
	xmlNodePtr n = xmlDocGetRootElement(doc), obj, next;

	while (n != NULL && !xmlStrEqual(n->name, XC("RegistryObjectList")))
		n = xmlFirstElementChild(n);
	assert_non_null(n);
	for (obj = xmlFirstElementChild(n); obj != NULL; obj = next) {
		next = xmlNextElementSibling(obj);
		assert_int_equal(objmerge_take(om, obj), 0);
	}
}

static void
test_merge_foreign_prefixes(void **state)
{
	struct objmerge *om = objmerge_new();
	struct strbuf sb = { 0 };
	xmlDocPtr a = parse(peer_a), b = parse(peer_b), out;
	xmlXPathContextPtr xp;
	xmlXPathObjectPtr r;
	enum xml_err err;
	char *s;

	(void)state;
	assert_non_null(om);
	take_all(om, a);
	take_all(om, b);
	/* the peers' documents go away before the list is written */
	xmlFreeDoc(a);
	xmlFreeDoc(b);
	assert_int_equal(objmerge_count(om), 3);
	assert_int_equal(objmerge_write(om, &sb), 0);
	s = strbuf_take(&sb, NULL);
	assert_non_null(s);
	/* it stands alone: parses as a namespace-well-formed document */
	out = xml_parse_safe(s, strlen(s), NULL, &err);
	assert_non_null(out);
	xp = xmlXPathNewContext(out);
	xmlXPathRegisterNs(xp, XC("rim"), XC(NS_RIM));
	xmlXPathRegisterNs(xp, XC("ext"), XC("urn:example:ext"));
	r = xmlXPathEvalExpression(XC("count(/rim:RegistryObjectList/rim:ExtrinsicObject"
	    "[@id='a1']/rim:Slot/rim:ValueList/rim:Value[.='山田'])"), xp);
	assert_true(r != NULL && r->floatval == 1.0);
	xmlXPathFreeObject(r);
	r = xmlXPathEvalExpression(XC("count(/rim:RegistryObjectList/rim:ObjectRef"
	    "[@id='b1'][@ext:flag='1'])"), xp);
	assert_true(r != NULL && r->floatval == 1.0);
	xmlXPathFreeObject(r);
	r = xmlXPathEvalExpression(XC("count(/rim:RegistryObjectList/*)"), xp);
	assert_true(r != NULL && r->floatval == 3.0);
	xmlXPathFreeObject(r);
	/* order kept: a1, b1, b2 */
	r = xmlXPathEvalExpression(XC("string(/rim:RegistryObjectList/*[3]/@id)"), xp);
	assert_non_null(r);
	assert_string_equal((const char *)r->stringval, "b2");
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(xp);
	xmlFreeDoc(out);
	free(s);
	objmerge_free(om);
}

static void
test_merge_empty(void **state)
{
	struct objmerge *om = objmerge_new();
	struct strbuf sb = { 0 };
	enum xml_err err;
	xmlDocPtr out;
	char *s;

	(void)state;
	assert_int_equal(objmerge_count(om), 0);
	assert_int_equal(objmerge_write(om, &sb), 0);
	s = strbuf_take(&sb, NULL);
	out = xml_parse_safe(s, strlen(s), NULL, &err);
	assert_non_null(out);
	assert_true(xml_is(xmlDocGetRootElement(out), NS_RIM, "RegistryObjectList"));
	assert_null(xmlFirstElementChild(xmlDocGetRootElement(out)));
	xmlFreeDoc(out);
	free(s);
	objmerge_free(om);
	objmerge_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_foreign_prefixes),
		cmocka_unit_test(test_merge_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
