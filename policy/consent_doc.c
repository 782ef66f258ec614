/* policy/consent_doc: see consent_doc.h. The walk mirrors consent.xsd element by element:
 * every container's children are collected first (stray text, foreign elements and
 * undeclared attributes are refused there), then taken in schema order; whatever is left
 * over is an unexpected element. Times are in consent_time.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "common/str.h"
#include "common/xml.h"
#include "policy/consent_doc.h"

#define CDOC_KIDS_MAX	64	/* element children of one container we look at */
#define CDOC_DEPTH_MAX	16
#define XSI_NS		"http://www.w3.org/2001/XMLSchema-instance"

struct cdoc {
	struct consent_doc		*c_doc;
	struct consent_doc_error	*c_err;
};

/* The element children of one container, taken in order. */
struct cdoc_kids {
	xmlNodePtr	 k_node[CDOC_KIDS_MAX];
	size_t		 k_n, k_pos;
};

static enum consent_doc_err
cdoc_fail(struct cdoc *c, enum consent_doc_err code, const char *element, const char *fmt,
    ...)
{
	va_list ap;

	c->c_err->ce_err = code;
	(void)str_copy(c->c_err->ce_element, sizeof(c->c_err->ce_element),
	    element != NULL ? element : "");
	va_start(ap, fmt);
	(void)vsnprintf(c->c_err->ce_text, sizeof(c->c_err->ce_text), fmt, ap);
	va_end(ap);
	return code;
}

static const char *
cdoc_name(const xmlNode *n)
{
	return (const char *)n->name;
}

/* Refuses attributes other than xsi:* (the schema declares none). */
static enum consent_doc_err
cdoc_attrs(struct cdoc *c, const xmlNode *n)
{
	const xmlAttr *a;

	for (a = n->properties; a != NULL; a = a->next) {
		if (a->ns != NULL && a->ns->href != NULL &&
		    strcmp((const char *)a->ns->href, XSI_NS) == 0)
			continue;
		return cdoc_fail(c, CDOC_E_UNEXPECTED, cdoc_name(n),
		    "unexpected attribute \"%s\" on <%s>", (const char *)a->name, cdoc_name(n));
	}
	return CDOC_OK;
}

static int
cdoc_blank(const xmlChar *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* Collects the element children of P into K. Text other than whitespace (unless
 * TEXT_OK: a leaf), elements of another namespace and too many children are refused. */
static enum consent_doc_err
cdoc_kids(struct cdoc *c, const xmlNode *p, struct cdoc_kids *k, int text_ok)
{
	xmlNodePtr n;
	enum consent_doc_err rc;

	k->k_n = k->k_pos = 0;
	if ((rc = cdoc_attrs(c, p)) != CDOC_OK)
		return rc;
	for (n = p->children; n != NULL; n = n->next) {
		if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE)
			continue;
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
		    (text_ok || cdoc_blank(n->content)))
			continue;
		if (n->type != XML_ELEMENT_NODE)
			return cdoc_fail(c, CDOC_E_UNEXPECTED, cdoc_name(p),
			    "unexpected text in <%s>", cdoc_name(p));
		if (!xml_is(n, CONSENT_NS, NULL))
			return cdoc_fail(c, CDOC_E_UNEXPECTED, cdoc_name(n),
			    "<%s> is not in namespace " CONSENT_NS, cdoc_name(n));
		if (k->k_n == CDOC_KIDS_MAX)
			return cdoc_fail(c, CDOC_E_TOOMANY, cdoc_name(n),
			    "too many elements in <%s>", cdoc_name(p));
		k->k_node[k->k_n++] = n;
	}
	return CDOC_OK;
}

/* Takes the next child if it is NAME; NULL otherwise (nothing consumed). */
static xmlNodePtr
cdoc_take(struct cdoc_kids *k, const char *name)
{
	if (k->k_pos < k->k_n && strcmp(cdoc_name(k->k_node[k->k_pos]), name) == 0)
		return k->k_node[k->k_pos++];
	return NULL;
}

/* Takes required child NAME of PARENT into *OUT. */
static enum consent_doc_err
cdoc_need(struct cdoc *c, struct cdoc_kids *k, const char *parent, const char *name,
    xmlNodePtr *out)
{
	if ((*out = cdoc_take(k, name)) != NULL)
		return CDOC_OK;
	if (k->k_pos < k->k_n)
		return cdoc_fail(c, CDOC_E_MISSING, name, "<%s> expected in <%s>, found <%s>",
		    name, parent, cdoc_name(k->k_node[k->k_pos]));
	return cdoc_fail(c, CDOC_E_MISSING, name, "<%s> missing in <%s>", name, parent);
}

/* Refuses children of PARENT left over after the schema's last one. */
static enum consent_doc_err
cdoc_end(struct cdoc *c, const struct cdoc_kids *k, const char *parent)
{
	if (k->k_pos == k->k_n)
		return CDOC_OK;
	return cdoc_fail(c, CDOC_E_UNEXPECTED, cdoc_name(k->k_node[k->k_pos]),
	    "unexpected <%s> in <%s>", cdoc_name(k->k_node[k->k_pos]), parent);
}

/* An element of empty content (<withdraw/>, <allParticipating/>): as in XSD, not even
 * whitespace inside. */
static enum consent_doc_err
cdoc_empty(struct cdoc *c, const xmlNode *n)
{
	struct cdoc_kids k;
	const xmlNode *t;
	enum consent_doc_err rc;

	if ((rc = cdoc_kids(c, n, &k, 0)) != CDOC_OK || (rc = cdoc_end(c, &k, cdoc_name(n))) != 0)
		return rc;
	for (t = n->children; t != NULL; t = t->next)
		if (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE)
			return cdoc_fail(c, CDOC_E_UNEXPECTED, cdoc_name(n),
			    "<%s> must be empty", cdoc_name(n));
	return CDOC_OK;
}

/* Copies the text of leaf N into OUT (OUTSZ): no element children; surrounding
 * whitespace kept unless TRIM (the schema's xs:string values keep it, dates drop it). */
static enum consent_doc_err
cdoc_leaf(struct cdoc *c, const xmlNode *n, int trim, char *out, size_t outsz)
{
	struct cdoc_kids k;
	enum consent_doc_err rc;
	xmlChar *v;
	char *t;
	int ok;

	if ((rc = cdoc_kids(c, n, &k, 1)) != CDOC_OK)
		return rc;
	if (k.k_n != 0)
		return cdoc_fail(c, CDOC_E_UNEXPECTED, cdoc_name(k.k_node[0]),
		    "unexpected <%s> in <%s>", cdoc_name(k.k_node[0]), cdoc_name(n));
	if (trim) {
		if ((t = xml_text(n)) == NULL)
			return cdoc_fail(c, CDOC_E_NOMEM, cdoc_name(n), "out of memory");
		ok = str_copy(out, outsz, t) == 0;
		free(t);
	} else {
		if ((v = xmlNodeGetContent(n)) == NULL)
			return cdoc_fail(c, CDOC_E_NOMEM, cdoc_name(n), "out of memory");
		ok = str_copy(out, outsz, (const char *)v) == 0;
		xmlFree(v);
	}
	if (!ok)
		return cdoc_fail(c, CDOC_E_VALUE, cdoc_name(n), "<%s> is too long", cdoc_name(n));
	if (out[0] == '\0')
		return cdoc_fail(c, CDOC_E_VALUE, cdoc_name(n), "<%s> is empty", cdoc_name(n));
	return CDOC_OK;
}

/* Value forms of consent.xsd. */
static int
cdoc_chars(const char *s, size_t max, int (*ok)(unsigned char))
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!ok((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
cdoc_graph(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f;
}

static int
cdoc_idch(unsigned char ch)
{
	return cdoc_graph(ch) && strchr("^&~\\|", ch) == NULL;
}

static int
cdoc_tokch(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' || ch == '-';
}

static int
cdoc_token_ok(const char *s)
{
	return cdoc_chars(s, CONSENT_TOKEN_MAX - 1, cdoc_tokch) && strchr("._:-", s[0]) == NULL;
}

/* An OID (common/str.h rules) of at most MAX bytes. */
static int
cdoc_oid_ok(const char *s, size_t max)
{
	return strlen(s) <= max && str_oid_valid(s);
}

static enum consent_doc_err
cdoc_patient(struct cdoc *c, const xmlNode *p)
{
	struct cdoc_kids k;
	xmlNodePtr n;
	char id[MPI_ID_MAX], oid[MPI_ID_MAX];
	enum consent_doc_err rc;
	int len;

	if ((rc = cdoc_kids(c, p, &k, 0)) != CDOC_OK ||
	    (rc = cdoc_need(c, &k, "patient", "id", &n)) != CDOC_OK ||
	    (rc = cdoc_leaf(c, n, 0, id, sizeof(id))) != CDOC_OK)
		return rc;
	if (!cdoc_chars(id, 64, cdoc_idch))
		return cdoc_fail(c, CDOC_E_VALUE, "id", "<id> is not a patient id (1..64 "
		    "printable ASCII characters without spaces and ^ & ~ \\ |)");
	if ((rc = cdoc_need(c, &k, "patient", "assigningAuthority", &n)) != CDOC_OK ||
	    (rc = cdoc_leaf(c, n, 0, oid, sizeof(oid))) != CDOC_OK)
		return rc;
	if (!cdoc_oid_ok(oid, 63))
		return cdoc_fail(c, CDOC_E_VALUE, "assigningAuthority",
		    "<assigningAuthority> is not an OID");
	len = snprintf(c->c_doc->cd_patient, sizeof(c->c_doc->cd_patient), "%s^^^&%s&ISO",
	    id, oid);
	if (len < 0 || (size_t)len >= sizeof(c->c_doc->cd_patient))
		return cdoc_fail(c, CDOC_E_VALUE, "patient", "<patient> id is too long");
	return cdoc_end(c, &k, "patient");
}

/* A list of NAME leaves (at most MAX, each WIDTH bytes into TAB), each checked by OK and
 * unique; *N receives the count. At least one is required. */
static enum consent_doc_err
cdoc_list(struct cdoc *c, struct cdoc_kids *k, const char *parent, const char *name,
    int (*ok)(const char *), char *tab, size_t width, size_t max, size_t *np)
{
	xmlNodePtr n;
	enum consent_doc_err rc;
	size_t i;

	*np = 0;
	if ((rc = cdoc_need(c, k, parent, name, &n)) != CDOC_OK)
		return rc;
	do {
		if (*np == max)
			return cdoc_fail(c, CDOC_E_TOOMANY, name, "more than %zu <%s> in <%s>",
			    max, name, parent);
		if ((rc = cdoc_leaf(c, n, 0, tab + *np * width, width)) != CDOC_OK)
			return rc;
		if (!ok(tab + *np * width))
			return cdoc_fail(c, CDOC_E_VALUE, name, "<%s> \"%.64s\" has the wrong "
			    "form", name, tab + *np * width);
		for (i = 0; i < *np; i++)
			if (strcmp(tab + i * width, tab + *np * width) == 0)
				return cdoc_fail(c, CDOC_E_DUPLICATE, name, "<%s> \"%.64s\" given "
				    "twice", name, tab + *np * width);
		(*np)++;
	} while ((n = cdoc_take(k, name)) != NULL);
	return cdoc_end(c, k, parent);
}

static int
cdoc_hcid_ok(const char *s)
{
	return strncmp(s, "urn:oid:", 8) == 0 && cdoc_oid_ok(s + 8, MPI_HCID_MAX - 9);
}

static enum consent_doc_err
cdoc_regions(struct cdoc *c, const xmlNode *p)
{
	struct consent_doc *d = c->c_doc;
	struct cdoc_kids k;
	xmlNodePtr n;
	enum consent_doc_err rc;

	if ((rc = cdoc_kids(c, p, &k, 0)) != CDOC_OK)
		return rc;
	if ((n = cdoc_take(&k, "allParticipating")) != NULL) {
		d->cd_all_regions = 1;
		if ((rc = cdoc_empty(c, n)) != CDOC_OK)
			return rc;
		return cdoc_end(c, &k, "regions");
	}
	return cdoc_list(c, &k, "regions", "community", cdoc_hcid_ok, &d->cd_regions[0][0],
	    MPI_HCID_MAX, CONSENT_REGIONS_MAX, &d->cd_nregions);
}

/* <purposes> or <documentClasses>: a container of one repeated token leaf. */
static enum consent_doc_err
cdoc_tokens(struct cdoc *c, const xmlNode *p, const char *name, char *tab, size_t max,
    size_t *np)
{
	struct cdoc_kids k;
	enum consent_doc_err rc;

	if ((rc = cdoc_kids(c, p, &k, 0)) != CDOC_OK)
		return rc;
	return cdoc_list(c, &k, cdoc_name(p), name, cdoc_token_ok, tab, CONSENT_TOKEN_MAX,
	    max, np);
}

/* Reads time leaf N (date allowed when DATE_OK) into *OUT. */
static enum consent_doc_err
cdoc_time(struct cdoc *c, const xmlNode *n, int date_ok, int end_of_day, int64_t *out)
{
	char s[64];
	enum consent_doc_err rc;

	if ((rc = cdoc_leaf(c, n, 1, s, sizeof(s))) != CDOC_OK)
		return rc;
	if (consent_time_parse(s, date_ok, end_of_day, out) != 0)
		return cdoc_fail(c, CDOC_E_VALUE, cdoc_name(n), "<%s> \"%.40s\" is not %s",
		    cdoc_name(n), s, date_ok ? "a date or date-time" : "a date-time");
	return CDOC_OK;
}

static enum consent_doc_err
cdoc_validity(struct cdoc *c, const xmlNode *p)
{
	struct consent_doc *d = c->c_doc;
	struct cdoc_kids k;
	xmlNodePtr n;
	enum consent_doc_err rc;

	d->cd_to = CONSENT_TIME_OPEN;
	if ((rc = cdoc_kids(c, p, &k, 0)) != CDOC_OK ||
	    (rc = cdoc_need(c, &k, "validity", "from", &n)) != CDOC_OK ||
	    (rc = cdoc_time(c, n, 1, 0, &d->cd_from)) != CDOC_OK)
		return rc;
	if ((n = cdoc_take(&k, "to")) != NULL &&
	    (rc = cdoc_time(c, n, 1, 1, &d->cd_to)) != CDOC_OK)
		return rc;
	if (d->cd_to < d->cd_from)
		return cdoc_fail(c, CDOC_E_PERIOD, "to", "<to> is before <from>");
	return cdoc_end(c, &k, "validity");
}

static enum consent_doc_err
cdoc_grant(struct cdoc *c, const xmlNode *p)
{
	struct consent_doc *d = c->c_doc;
	struct cdoc_kids k;
	xmlNodePtr n;
	enum consent_doc_err rc;

	d->cd_action = CONSENT_GRANT;
	if ((rc = cdoc_kids(c, p, &k, 0)) != CDOC_OK ||
	    (rc = cdoc_need(c, &k, "grant", "regions", &n)) != CDOC_OK ||
	    (rc = cdoc_regions(c, n)) != CDOC_OK ||
	    (rc = cdoc_need(c, &k, "grant", "purposes", &n)) != CDOC_OK ||
	    (rc = cdoc_tokens(c, n, "purpose", &d->cd_purposes[0][0], CONSENT_PURPOSES_MAX,
	    &d->cd_npurposes)) != CDOC_OK)
		return rc;
	if ((n = cdoc_take(&k, "documentClasses")) != NULL &&
	    (rc = cdoc_tokens(c, n, "class", &d->cd_classes[0][0], CONSENT_CLASSES_MAX,
	    &d->cd_nclasses)) != CDOC_OK)
		return rc;
	if ((rc = cdoc_need(c, &k, "grant", "validity", &n)) != CDOC_OK ||
	    (rc = cdoc_validity(c, n)) != CDOC_OK)
		return rc;
	return cdoc_end(c, &k, "grant");
}

static enum consent_doc_err
cdoc_root(struct cdoc *c, const xmlNode *root)
{
	struct consent_doc *d = c->c_doc;
	struct cdoc_kids k;
	xmlNodePtr n;
	enum consent_doc_err rc;

	if (!xml_is(root, CONSENT_NS, "consent"))
		return cdoc_fail(c, CDOC_E_ROOT, cdoc_name(root),
		    "the root element is not {" CONSENT_NS "}consent");
	if ((rc = cdoc_kids(c, root, &k, 0)) != CDOC_OK)
		return rc;
	if ((n = cdoc_take(&k, "documentId")) != NULL) {
		if ((rc = cdoc_leaf(c, n, 0, d->cd_docid, sizeof(d->cd_docid))) != CDOC_OK)
			return rc;
		if (!cdoc_chars(d->cd_docid, CONSENT_DOCID_MAX - 1, cdoc_graph))
			return cdoc_fail(c, CDOC_E_VALUE, "documentId", "<documentId> has the "
			    "wrong form (1..128 printable ASCII characters, no spaces)");
	}
	if ((rc = cdoc_need(c, &k, "consent", "issued", &n)) != CDOC_OK ||
	    (rc = cdoc_time(c, n, 0, 0, &d->cd_issued)) != CDOC_OK ||
	    (rc = cdoc_need(c, &k, "consent", "patient", &n)) != CDOC_OK ||
	    (rc = cdoc_patient(c, n)) != CDOC_OK)
		return rc;
	if ((n = cdoc_take(&k, "grant")) != NULL)
		rc = cdoc_grant(c, n);
	else if ((n = cdoc_take(&k, "withdraw")) != NULL) {
		d->cd_action = CONSENT_WITHDRAW;
		rc = cdoc_empty(c, n);
	} else
		rc = cdoc_fail(c, CDOC_E_MISSING, "grant", "<grant> or <withdraw> missing in "
		    "<consent>");
	if (rc != CDOC_OK)
		return rc;
	return cdoc_end(c, &k, "consent");
}

enum consent_doc_err
consent_doc_parse(const uint8_t *buf, size_t len, struct consent_doc *doc,
    struct consent_doc_error *err)
{
	const struct xml_limits lim = { CONSENT_DOC_MAX, CDOC_DEPTH_MAX };
	struct consent_doc_error dummy;
	struct cdoc c = { doc, err != NULL ? err : &dummy };
	enum consent_doc_err rc;
	enum xml_err xe;
	xmlDocPtr x;

	memset(doc, 0, sizeof(*doc));
	memset(c.c_err, 0, sizeof(*c.c_err));
	if (buf == NULL || len == 0)
		return cdoc_fail(&c, CDOC_E_XML, NULL, "empty document");
	if ((x = xml_parse_safe((const char *)buf, len, &lim, &xe)) == NULL)
		return cdoc_fail(&c, xe == XML_ERR_NOMEM ? CDOC_E_NOMEM : CDOC_E_XML, NULL,
		    "%s", xml_strerror(xe));
	rc = cdoc_root(&c, xmlDocGetRootElement(x));
	xmlFreeDoc(x);
	if (rc != CDOC_OK)
		memset(doc, 0, sizeof(*doc));
	return rc;
}

const char *
consent_doc_strerror(enum consent_doc_err err)
{
	switch (err) {
	case CDOC_OK: return "no error";
	case CDOC_E_XML: return "not a well-formed XML document within the limits";
	case CDOC_E_ROOT: return "not a consent document (root element or namespace)";
	case CDOC_E_MISSING: return "a required element is missing";
	case CDOC_E_UNEXPECTED: return "an element or text the schema does not allow";
	case CDOC_E_VALUE: return "an element's value has the wrong form";
	case CDOC_E_TOOMANY: return "an element is repeated too often";
	case CDOC_E_DUPLICATE: return "a value is given twice";
	case CDOC_E_PERIOD: return "the validity period ends before it starts";
	case CDOC_E_NOMEM: return "out of memory";
	}
	return "unknown consent document error";
}
