/* common/xml: see xml.h. */
#include "common/xml.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlsave.h>

#include "common/str.h"

static int xml_initialised;

static void
xml_silent_error(void *ctx, const char *msg, ...)
{
	/* libxml2 would otherwise print peer-controlled text to stderr. */
	(void)ctx;
	(void)msg;
}

void
xml_init(void)
{
	if (xml_initialised)
		return;
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, xml_silent_error);
	xml_initialised = 1;
}

/* Returns 1 when the prolog declares a DOCTYPE. Checked on the raw bytes before parsing so
 * that nothing from an internal subset is ever processed. */
static int
xml_has_doctype(const char *buf, size_t len)
{
	static const char needle[] = "<!DOCTYPE";
	size_t n = sizeof(needle) - 1;
	size_t i;

	for (i = 0; i + n <= len; i++) {
		if (buf[i] == '<' && memcmp(buf + i, needle, n) == 0)
			return 1;
		if (buf[i] == '<' && i + 1 < len && buf[i + 1] != '?' &&
		    buf[i + 1] != '!')
			return 0;	/* first element reached: no prolog DTD */
	}
	return 0;
}

static int
xml_depth_ok(const xmlNode *node, int depth, int max)
{
	const xmlNode *c;

	if (depth > max)
		return 0;
	for (c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && !xml_depth_ok(c, depth + 1, max))
			return 0;
	}
	return 1;
}

xmlDocPtr
xml_parse_safe(const char *buf, size_t len, const struct xml_limits *lim,
    enum xml_err *err)
{
	xmlDocPtr doc = NULL;
	int depth = (lim != NULL && lim->xl_max_depth > 0) ? lim->xl_max_depth : 256;
	/* No NOENT (entities stay unexpanded), no DTDLOAD/DTDATTR, NONET; NOBLANKS is not
	 * used because C14N and signatures need the bytes' whitespace. */
	int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA;

	xml_init();
	*err = XML_OK;
	if (buf == NULL || len == 0) {
		*err = XML_ERR_MALFORMED;
		return NULL;
	}
	if (lim != NULL && lim->xl_max_bytes > 0 && len > lim->xl_max_bytes) {
		*err = XML_ERR_TOO_LARGE;
		return NULL;
	}
	if (len > 0x7fffffff) {
		*err = XML_ERR_TOO_LARGE;
		return NULL;
	}
	if (xml_has_doctype(buf, len)) {
		*err = XML_ERR_DTD;
		return NULL;
	}
	doc = xmlReadMemory(buf, (int)len, NULL, NULL, opts);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		*err = XML_ERR_MALFORMED;
		goto fail;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		*err = XML_ERR_DTD;
		goto fail;
	}
	if (!xml_depth_ok(xmlDocGetRootElement(doc), 1, depth)) {
		*err = XML_ERR_TOO_DEEP;
		goto fail;
	}
	return doc;
fail:
	xmlFreeDoc(doc);
	return NULL;
}

const char *
xml_strerror(enum xml_err err)
{
	switch (err) {
	case XML_OK: return "no error";
	case XML_ERR_MALFORMED: return "XML is not well-formed";
	case XML_ERR_TOO_LARGE: return "XML document exceeds the size limit";
	case XML_ERR_TOO_DEEP: return "XML nesting exceeds the depth limit";
	case XML_ERR_DTD: return "DTDs and entity declarations are not allowed";
	case XML_ERR_NOMEM: return "out of memory";
	}
	return "unknown XML error";
}

int
xml_is(const xmlNode *node, const char *ns, const char *name)
{
	if (node == NULL || node->type != XML_ELEMENT_NODE)
		return 0;
	if (name != NULL && strcmp((const char *)node->name, name) != 0)
		return 0;
	if (ns == NULL)
		return node->ns == NULL || name == NULL;
	return node->ns != NULL && node->ns->href != NULL &&
	    strcmp((const char *)node->ns->href, ns) == 0;
}

xmlNodePtr
xml_child(const xmlNode *parent, const char *ns, const char *name)
{
	xmlNodePtr c;

	if (parent == NULL)
		return NULL;
	for (c = parent->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (name == NULL || xml_is(c, ns, name))
			return c;
	}
	return NULL;
}

xmlNodePtr
xml_next(const xmlNode *node, const char *ns, const char *name)
{
	xmlNodePtr c;

	if (node == NULL)
		return NULL;
	for (c = node->next; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (name == NULL || xml_is(c, ns, name))
			return c;
	}
	return NULL;
}

char *
xml_attr(const xmlNode *node, const char *name)
{
	xmlChar *v;
	char *copy;

	if (node == NULL)
		return NULL;
	v = xmlGetNoNsProp(node, XC(name));
	if (v == NULL)
		return NULL;
	copy = str_dup((const char *)v);
	xmlFree(v);
	return copy;
}

static int
xml_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *
xml_text(const xmlNode *node)
{
	xmlChar *v;
	const char *s, *e;
	char *copy;

	if (node == NULL)
		return NULL;
	v = xmlNodeGetContent(node);
	if (v == NULL)
		return NULL;
	s = (const char *)v;
	while (xml_is_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && xml_is_space(e[-1]))
		e--;
	copy = str_ndup(s, (size_t)(e - s));
	xmlFree(v);
	return copy;
}

char *
xml_dump_node(xmlNodePtr node, size_t *lenp)
{
	xmlBufferPtr xb;
	xmlSaveCtxtPtr sc;
	char *out = NULL;

	if ((xb = xmlBufferCreate()) == NULL)
		return NULL;
	sc = xmlSaveToBuffer(xb, "UTF-8", XML_SAVE_NO_DECL);
	if (sc == NULL)
		goto done;
	/* xmlSaveTree writes namespace declarations inherited from ancestors only when the
	 * node is reconciled first, so copy it into a fresh document. */
	{
		xmlDocPtr d = xmlNewDoc(XC("1.0"));
		xmlNodePtr copy = d ? xmlDocCopyNode(node, d, 1) : NULL;

		if (copy != NULL) {
			xmlDocSetRootElement(d, copy);
			xmlReconciliateNs(d, copy);
			xmlSaveTree(sc, copy);
		}
		xmlSaveClose(sc);
		xmlFreeDoc(d);
		if (copy == NULL)
			goto done;
	}
	out = str_ndup((const char *)xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
	if (out != NULL && lenp != NULL)
		*lenp = (size_t)xmlBufferLength(xb);
done:
	xmlBufferFree(xb);
	return out;
}
