/* gateway/ebrim: see ebrim.h. */
#include "gateway/ebrim.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "common/xml.h"

/* Returns 1 when attribute NAME of NODE equals VALUE. */
static int
ebrim_attr_is(const xmlNode *node, const char *name, const char *value)
{
	xmlChar *v = xmlGetNoNsProp(node, XC(name));
	int eq;

	if (v == NULL)
		return 0;
	eq = strcmp((const char *)v, value) == 0;
	xmlFree(v);
	return eq;
}

/* Returns the package kind named by classification CL of the object with id ID (NULL =
 * do not check classifiedObject), or EBRIM_OTHER. */
static enum ebrim_kind
ebrim_package_kind(const xmlNode *cl, const char *id)
{
	if (id != NULL && !ebrim_attr_is(cl, "classifiedObject", id))
		return EBRIM_OTHER;
	if (ebrim_attr_is(cl, "classificationNode", UUID_SUBMISSIONSET))
		return EBRIM_SUBMISSIONSET;
	if (ebrim_attr_is(cl, "classificationNode", UUID_FOLDER))
		return EBRIM_FOLDER;
	return EBRIM_OTHER;
}

enum ebrim_kind
ebrim_kind_of(const xmlNode *node, const xmlNode *scope)
{
	enum ebrim_kind k = EBRIM_OTHER;
	xmlNodePtr c;
	char *id;

	if (xml_is(node, NS_RIM, "ExtrinsicObject"))
		return EBRIM_DOCUMENT;
	if (xml_is(node, NS_RIM, "Association"))
		return EBRIM_ASSOCIATION;
	if (!xml_is(node, NS_RIM, "RegistryPackage"))
		return EBRIM_OTHER;
	/* A nested classification needs no classifiedObject check: it can only be about
	 * its parent (and some senders leave the attribute out). */
	for (c = xml_child(node, NS_RIM, "Classification"); c != NULL && k == EBRIM_OTHER;
	    c = xml_next(c, NS_RIM, "Classification"))
		k = ebrim_package_kind(c, NULL);
	if (k != EBRIM_OTHER || scope == NULL)
		return k;
	if ((id = xml_attr(node, "id")) == NULL)
		return EBRIM_OTHER;
	for (c = xml_child(scope, NS_RIM, "Classification"); c != NULL && k == EBRIM_OTHER;
	    c = xml_next(c, NS_RIM, "Classification"))
		k = ebrim_package_kind(c, id);
	free(id);
	return k;
}

static xmlNodePtr
ebrim_slot(const xmlNode *obj, const char *name)
{
	xmlNodePtr s;

	for (s = xml_child(obj, NS_RIM, "Slot"); s != NULL; s = xml_next(s, NS_RIM, "Slot"))
		if (ebrim_attr_is(s, "name", name))
			return s;
	return NULL;
}

char **
ebrim_slot_values(const xmlNode *obj, const char *name)
{
	xmlNodePtr slot, vl, v;
	char **out = NULL, **p;
	size_t n = 0;

	if (obj == NULL || (slot = ebrim_slot(obj, name)) == NULL)
		return NULL;
	if ((out = calloc(1, sizeof(*out))) == NULL)
		return NULL;
	vl = xml_child(slot, NS_RIM, "ValueList");
	for (v = xml_child(vl, NS_RIM, "Value"); v != NULL; v = xml_next(v, NS_RIM, "Value")) {
		if ((p = reallocarray(out, n + 2, sizeof(*out))) == NULL)
			goto fail;
		out = p;
		if ((out[n] = xml_text(v)) == NULL)
			goto fail;
		out[++n] = NULL;
	}
	return out;
fail:
	ebrim_strv_free(out);
	return NULL;
}

char *
ebrim_slot_first(const xmlNode *obj, const char *name)
{
	xmlNodePtr slot, vl;

	if (obj == NULL || (slot = ebrim_slot(obj, name)) == NULL)
		return NULL;
	vl = xml_child(slot, NS_RIM, "ValueList");
	return xml_text(xml_child(vl, NS_RIM, "Value"));
}

xmlNodePtr
ebrim_classification(const xmlNode *obj, const char *scheme, const xmlNode *prev)
{
	xmlNodePtr c;

	if (obj == NULL)
		return NULL;
	c = prev != NULL ? xml_next(prev, NS_RIM, "Classification") :
	    xml_child(obj, NS_RIM, "Classification");
	for (; c != NULL; c = xml_next(c, NS_RIM, "Classification"))
		if (ebrim_attr_is(c, "classificationScheme", scheme))
			return c;
	return NULL;
}

char *
ebrim_code_of(const xmlNode *classification)
{
	char *code = NULL, *scheme = NULL, *out = NULL;
	struct strbuf sb = { 0 };

	if (classification == NULL)
		return NULL;
	code = xml_attr(classification, "nodeRepresentation");
	scheme = ebrim_slot_first(classification, "codingScheme");
	if (code == NULL || scheme == NULL || *code == '\0' || *scheme == '\0')
		goto done;
	strbuf_puts(&sb, code);
	strbuf_puts(&sb, "^^");
	strbuf_puts(&sb, scheme);
	if (!sb.sb_failed)
		out = strbuf_take(&sb, NULL);
	strbuf_reset(&sb);
done:
	free(code);
	free(scheme);
	return out;
}

char *
ebrim_external_id(const xmlNode *obj, const char *scheme)
{
	xmlNodePtr e;

	if (obj == NULL)
		return NULL;
	for (e = xml_child(obj, NS_RIM, "ExternalIdentifier"); e != NULL;
	    e = xml_next(e, NS_RIM, "ExternalIdentifier"))
		if (ebrim_attr_is(e, "identificationScheme", scheme))
			return xml_attr(e, "value");
	return NULL;
}

char *
ebrim_name(const xmlNode *obj)
{
	xmlNodePtr name;

	if (obj == NULL || (name = xml_child(obj, NS_RIM, "Name")) == NULL)
		return NULL;
	return xml_attr(xml_child(name, NS_RIM, "LocalizedString"), "value");
}

void
ebrim_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static int
ebrim_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int
ebrim_is_uuid_urn(const char *s)
{
	static const char pfx[] = "urn:uuid:";
	size_t i;

	if (s == NULL || strncmp(s, pfx, sizeof(pfx) - 1) != 0)
		return 0;
	s += sizeof(pfx) - 1;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!ebrim_is_hex(s[i])) {
			return 0;
		}
	}
	return s[36] == '\0';
}

int
ebrim_is_oid(const char *s)
{
	size_t len, arcs = 0, digits = 0;
	const char *p;

	if (s == NULL || (len = strlen(s)) == 0 || len > 64)
		return 0;
	for (p = s; ; p++) {
		if (*p >= '0' && *p <= '9') {
			/* X.660: no leading zeros, so "0" is an arc but "01" is not */
			if (digits == 1 && p[-1] == '0')
				return 0;
			digits++;
			continue;
		}
		if ((*p != '.' && *p != '\0') || digits == 0)
			return 0;
		arcs++;
		digits = 0;
		if (*p == '\0')
			break;
	}
	return arcs >= 2;
}

int
ebrim_is_cx(const char *s)
{
	const char *caret, *oid_end;
	char oid[65];
	size_t n;

	if (s == NULL || (caret = strstr(s, "^^^&")) == NULL || caret == s)
		return 0;
	if (memchr(s, '&', (size_t)(caret - s)) != NULL ||
	    memchr(s, '^', (size_t)(caret - s)) != NULL)
		return 0;
	caret += 4;
	if ((oid_end = strchr(caret, '&')) == NULL || strcmp(oid_end, "&ISO") != 0)
		return 0;
	if ((n = (size_t)(oid_end - caret)) >= sizeof(oid))
		return 0;
	memcpy(oid, caret, n);
	oid[n] = '\0';
	return ebrim_is_oid(oid);
}

/* Returns the two-digit number at S. */
static int
ebrim_2d(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int
ebrim_is_dtm(const char *s)
{
	size_t i, n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n < 4 || n > 14 || n % 2 != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	/* Field ranges, so that "20231399" is not taken for a date. */
	if (n >= 6 && (ebrim_2d(s + 4) < 1 || ebrim_2d(s + 4) > 12))
		return 0;
	if (n >= 8 && (ebrim_2d(s + 6) < 1 || ebrim_2d(s + 6) > 31))
		return 0;
	if (n >= 10 && ebrim_2d(s + 8) > 23)
		return 0;
	if (n >= 12 && ebrim_2d(s + 10) > 59)
		return 0;
	if (n >= 14 && ebrim_2d(s + 12) > 60)	/* 60: leap second */
		return 0;
	return 1;
}
