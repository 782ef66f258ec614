/*
 * gateway/registry_remote_msg: the message rewriting of the remote backend (see
 * registry_remote_int.h): the XCA home rules on a query before it leaves, home on the
 * objects of the answer, the ITI-41 request rebuilt as MTOM, RegistryErrors passed through.
 * Pure functions over trees and buffers, driven directly by tests/unit/test_registry_remote.c.
 */
#include "gateway/registry_remote_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/mtom.h"
#include "gateway/sq_params.h"

#define REMOTE_HOME_SLOT	"$homeCommunityId"
#define REMOTE_ROOT_CID		"root@hashi"

static int
remote_is_home_slot(const xmlNode *slot)
{
	char *name = xml_attr(slot, "name");
	int r = name != NULL && str_eq_nocase(name, REMOTE_HOME_SLOT);

	free(name);
	return r;
}

/* Returns the first value of the legacy $homeCommunityId slot of AQ, unquoted, malloc'd;
 * NULL when absent. A value that does not parse is returned as written: it then names no
 * community we know, which is the right answer for it. */
static char *
remote_home_slot(const xmlNode *aq)
{
	xmlNodePtr slot, v;
	struct sq_lits lits;
	char *text, *out = NULL;

	for (slot = xml_child(aq, NS_RIM, "Slot"); slot != NULL;
	    slot = xml_next(slot, NS_RIM, "Slot"))
		if (remote_is_home_slot(slot))
			break;
	if (slot == NULL || (v = xml_child(xml_child(slot, NS_RIM, "ValueList"), NS_RIM,
	    "Value")) == NULL || (text = xml_text(v)) == NULL)
		return NULL;
	if (sq_literal_parse(text, &lits) == 0 && lits.sl_n > 0) {
		out = str_dup(lits.sl_v[0].sl_text);
		sq_lits_free(&lits);
		free(text);
		return out;
	}
	return text;
}

int
remote_home_check(const xmlNode *req, const char *home_hcid, struct reg_errors *errs)
{
	xmlNodePtr aq = xml_child(req, NS_RIM, "AdhocQuery");
	char *id, *home = NULL;
	enum sq_query q;
	int ret = 0;

	if (aq == NULL)
		return 0;
	id = xml_attr(aq, "id");
	q = sq_query_by_id(id);
	free(id);
	if (q == SQ_UNKNOWN)
		return 0;
	home = xml_attr(aq, "home");
	if (home == NULL || home[0] == '\0') {
		free(home);
		home = remote_home_slot(aq);
	}
	if (home != NULL && home[0] != '\0') {
		if (home_hcid == NULL || !str_eq_nocase(home, home_hcid))
			ret = regerr_add(errs, 0, "XDSUnknownCommunity", NULL,
			    "homeCommunityId %.64s is not served here", home) == 0 ? 1 : -1;
	} else if (!sq_query_has_patient(q)) {
		ret = regerr_add(errs, 0, "XDSMissingHomeCommunityId", NULL,
		    "%s needs the homeCommunityId (AdhocQuery/@home) of this community",
		    sq_query_name(q)) == 0 ? 1 : -1;
	}
	free(home);
	return ret;
}

void
remote_strip_home(xmlNodePtr req)
{
	xmlNodePtr aq = xml_child(req, NS_RIM, "AdhocQuery"), slot, next;

	if (aq == NULL)
		return;
	(void)xmlUnsetProp(aq, XC("home"));
	for (slot = xml_child(aq, NS_RIM, "Slot"); slot != NULL; slot = next) {
		next = xml_next(slot, NS_RIM, "Slot");
		if (remote_is_home_slot(slot)) {
			xmlUnlinkNode(slot);
			xmlFreeNode(slot);
		}
	}
}

long
remote_stamp_home(xmlNodePtr resp, const char *home)
{
	xmlNodePtr list = xml_child(resp, NS_RIM, "RegistryObjectList"), obj;
	long n = 0;

	for (obj = xml_child(list, NULL, NULL); obj != NULL; obj = xml_next(obj, NULL, NULL)) {
		if (!xml_is(obj, NS_RIM, "ExtrinsicObject") &&
		    !xml_is(obj, NS_RIM, "RegistryPackage") && !xml_is(obj, NS_RIM, "ObjectRef"))
			continue;
		if (xmlSetProp(obj, XC("home"), XC(home)) == NULL)
			return -1;
		n++;
	}
	return n;
}

/* The mimeType of the ExtrinsicObject whose id is ID in the SubmitObjectsRequest of PNR,
 * malloc'd, or NULL. */
static char *
remote_eo_mime(const xmlNode *pnr, const char *id)
{
	xmlNodePtr list = xml_child(xml_child(pnr, NS_LCM, "SubmitObjectsRequest"), NS_RIM,
	    "RegistryObjectList"), eo;
	char *eid;
	int hit;

	for (eo = xml_child(list, NS_RIM, "ExtrinsicObject"); eo != NULL;
	    eo = xml_next(eo, NS_RIM, "ExtrinsicObject")) {
		eid = xml_attr(eo, "id");
		hit = eid != NULL && strcmp(eid, id) == 0;
		free(eid);
		if (hit)
			return xml_attr(eo, "mimeType");
	}
	return NULL;
}

struct remote_part {
	const struct regstore_content	*rp_content;
	char				*rp_mime;
	char				 rp_cid[32];
};

/* Replaces the content of every xdsb:Document of COPY by an xop:Include of its part and
 * fills PARTS (room for NDOCS). Returns the number of parts, -1 when out of memory, -2 when
 * a Document has no usable content (error added). */
static long
remote_pnr_includes(xmlNodePtr copy, const struct regstore_content *docs, size_t ndocs,
    struct remote_part *parts, struct reg_errors *errs)
{
	xmlNodePtr d, inc;
	xmlNsPtr ns;
	char *id, href[40];
	size_t n = 0, i;

	for (d = xml_child(copy, NS_XDSB, "Document"); d != NULL;
	    d = xml_next(d, NS_XDSB, "Document")) {
		id = xml_attr(d, "id");
		for (i = 0; id != NULL && i < ndocs; i++)
			if (docs[i].rc_entry_id != NULL && strcmp(docs[i].rc_entry_id, id) == 0)
				break;
		if (id == NULL || i == ndocs || n == ndocs ||
		    (docs[i].rc_data == NULL && docs[i].rc_len > 0) || docs[i].rc_path != NULL) {
			free(id);
			return regerr_add(errs, 0, "XDSRepositoryError", NULL,
			    "a Document has no content to forward") == 0 ? -2 : -1;
		}
		parts[n].rp_content = &docs[i];
		parts[n].rp_mime = remote_eo_mime(copy, id);
		free(id);
		(void)snprintf(parts[n].rp_cid, sizeof(parts[n].rp_cid), "doc%zu@hashi", n + 1);
		(void)snprintf(href, sizeof(href), "cid:%s", parts[n].rp_cid);
		n++;
		xmlNodeSetContent(d, NULL);
		if ((inc = xmlNewChild(d, NULL, XC("Include"), NULL)) == NULL ||
		    (ns = xmlNewNs(inc, XC(NS_XOP), XC("xop"))) == NULL)
			return -1;
		xmlSetNs(inc, ns);
		if (xmlSetProp(inc, XC("href"), XC(href)) == NULL)
			return -1;
	}
	return (long)n;
}

/* Appends the MTOM body: root part ENV, then each part's bytes. */
static int
remote_pnr_mtom(struct strbuf *body, struct strbuf *ctype, const char *env,
    const struct remote_part *parts, size_t n)
{
	char boundary[80];
	size_t i;

	if (mtom_boundary_new(boundary, sizeof(boundary)) == -1 ||
	    mtom_content_type(ctype, boundary, REMOTE_ROOT_CID, ACTION_ITI41) == -1 ||
	    mtom_root_part(body, boundary, REMOTE_ROOT_CID, env) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		const struct regstore_content *c = parts[i].rp_content;

		if (mtom_part_header(body, boundary, parts[i].rp_cid,
		    mtom_safe_mime(parts[i].rp_mime)) == -1)
			return -1;
		if (c->rc_len > 0 && strbuf_add(body, c->rc_data, c->rc_len) == -1)
			return -1;
	}
	if (mtom_end(body, boundary) == -1 || body->sb_failed || ctype->sb_failed)
		return -1;
	return 0;
}

int
remote_pnr_build(xmlNodePtr pnr, const struct regstore_content *docs, size_t ndocs,
    const char *to, struct strbuf *body, struct strbuf *ctype, char *msgid, size_t n,
    struct reg_errors *errs)
{
	struct remote_part *parts = NULL;
	struct strbuf env = { 0 };
	xmlDocPtr doc = NULL;
	xmlNodePtr copy;
	char *xml = NULL;
	long np = 0, i;
	int ret = -1;

	if ((parts = calloc(ndocs + 1, sizeof(*parts))) == NULL ||
	    (doc = xmlNewDoc(XC("1.0"))) == NULL ||
	    (copy = xmlDocCopyNode(pnr, doc, 1)) == NULL)
		goto done;
	xmlDocSetRootElement(doc, copy);
	if ((np = remote_pnr_includes(copy, docs, ndocs, parts, errs)) < 0) {
		ret = np == -2 ? 1 : -1;
		np = (long)ndocs;	/* free whatever mime types were taken */
		goto done;
	}
	if ((xml = xml_dump_node(copy, NULL)) == NULL ||
	    soap_build_request_id(&env, ACTION_ITI41, to, xml, msgid, n) == -1 ||
	    env.sb_failed)
		goto done;
	/* The XML copy goes before the bytes are copied: peak memory is the request we got
	 * plus the one we send. */
	free(xml);
	xml = NULL;
	xmlFreeDoc(doc);
	doc = NULL;
	if (remote_pnr_mtom(body, ctype, env.sb_data, parts, (size_t)np) == -1)
		goto done;
	ret = 0;
done:
	for (i = 0; parts != NULL && i < np; i++)
		free(parts[i].rp_mime);
	free(parts);
	free(xml);
	xmlFreeDoc(doc);
	strbuf_reset(&env);
	return ret;
}

int
remote_registry_response(struct strbuf *sb, const struct reg_errors *errs)
{
	strbuf_printf(sb, "<rs:RegistryResponse xmlns:rs=\"%s\" status=\"%s\">", NS_RS,
	    regerr_status(errs, 0));
	regerr_render(errs, sb);
	strbuf_puts(sb, "</rs:RegistryResponse>");
	return sb->sb_failed ? -1 : 0;
}

