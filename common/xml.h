/*
 * common/xml: the one place Hashi parses untrusted XML. libxml2 is told never to expand
 * entities, load a DTD or touch the network; a document that declares a DOCTYPE is refused
 * outright (SOAP 1.2 forbids DTDs), which also stops billion-laughs and XXE. Size and nesting
 * depth are bounded by the caller's limits. Also small helpers to walk parsed trees by
 * namespace and local name.
 */
#ifndef HASHI_COMMON_XML_H
#define HASHI_COMMON_XML_H

#include <stddef.h>
#include <libxml/tree.h>

/* libxml2's BAD_CAST drops const, which -Wcast-qual rejects: use XC("text") instead. */
#define XC(s)	((const xmlChar *)(s))

enum xml_err {
	XML_OK = 0,
	XML_ERR_MALFORMED,	/* not well-formed, or empty */
	XML_ERR_TOO_LARGE,	/* more bytes than the limit */
	XML_ERR_TOO_DEEP,	/* element nesting deeper than the limit */
	XML_ERR_DTD,		/* a DOCTYPE / entity declaration was present */
	XML_ERR_NOMEM
};

struct xml_limits {
	size_t	xl_max_bytes;	/* 0 = no byte limit */
	int	xl_max_depth;	/* 0 = libxml2's own default (256) */
};

/* Calls xmlInitParser once and installs a silent generic error handler. Idempotent. */
void xml_init(void);

/* Parses BUF[0..LEN) under the rules above. Returns a document the caller frees with
 * xmlFreeDoc, or NULL with *ERR set. */
xmlDocPtr xml_parse_safe(const char *buf, size_t len, const struct xml_limits *lim,
    enum xml_err *err);

/* Returns a short English description of ERR (static). */
const char *xml_strerror(enum xml_err err);

/* Returns 1 if NODE is an element with namespace NS (NULL = no namespace) and local NAME. */
int xml_is(const xmlNode *node, const char *ns, const char *name);

/* Returns the first element child of PARENT matching NS/NAME (NAME NULL = any element),
 * or NULL. Borrowed from the tree. */
xmlNodePtr xml_child(const xmlNode *parent, const char *ns, const char *name);

/* Returns the next element sibling after NODE matching NS/NAME (NAME NULL = any), or NULL. */
xmlNodePtr xml_next(const xmlNode *node, const char *ns, const char *name);

/* Returns a malloc'd copy of attribute NAME (no namespace) of NODE, or NULL (caller frees
 * with free()). */
char *xml_attr(const xmlNode *node, const char *name);

/* Returns a malloc'd copy of the text content of NODE with leading and trailing XML
 * whitespace trimmed, or NULL (caller frees with free()). */
char *xml_text(const xmlNode *node);

/* Serialises NODE (with the namespace declarations it needs) to a malloc'd UTF-8 string
 * without an XML declaration. Returns NULL on failure. Caller frees with free(). */
char *xml_dump_node(xmlNodePtr node, size_t *lenp);

#endif
