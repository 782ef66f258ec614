/* gateway/objmerge: see objmerge.h. */
#include "gateway/objmerge.h"

#include <stdlib.h>

#include "common/xml.h"
#include "gateway/ebrim.h"

struct objmerge {
	xmlDocPtr	om_doc;		/* root: the rim:RegistryObjectList */
	size_t		om_count;
};

struct objmerge *
objmerge_new(void)
{
	struct objmerge *om;
	xmlNodePtr list;
	xmlNsPtr ns;

	if ((om = calloc(1, sizeof(*om))) == NULL)
		return NULL;
	if ((om->om_doc = xmlNewDoc(XC("1.0"))) == NULL ||
	    (list = xmlNewDocNode(om->om_doc, NULL, XC("RegistryObjectList"), NULL)) == NULL) {
		objmerge_free(om);
		return NULL;
	}
	xmlDocSetRootElement(om->om_doc, list);
	if ((ns = xmlNewNs(list, XC(NS_RIM), XC("rim"))) == NULL) {
		objmerge_free(om);
		return NULL;
	}
	xmlSetNs(list, ns);
	return om;
}

void
objmerge_free(struct objmerge *om)
{
	if (om == NULL)
		return;
	xmlFreeDoc(om->om_doc);
	free(om);
}

int
objmerge_take(struct objmerge *om, xmlNodePtr obj)
{
	xmlNodePtr list = xmlDocGetRootElement(om->om_doc);
	xmlDocPtr src = obj->doc;

	xmlUnlinkNode(obj);
	/* Re-homes the subtree's names and dictionary strings; a namespace it used from the
	 * peer's envelope is found again by URI on the list (rim) or declared on the
	 * object itself (any other), so the object serialises correctly on its own. */
	if (xmlDOMWrapAdoptNode(NULL, src, obj, om->om_doc, list, 0) != 0) {
		xmlFreeNode(obj);
		return -1;
	}
	if (xmlAddChild(list, obj) == NULL) {
		xmlFreeNode(obj);
		return -1;
	}
	om->om_count++;
	return 0;
}

size_t
objmerge_count(const struct objmerge *om)
{
	return om->om_count;
}

int
objmerge_write(const struct objmerge *om, struct strbuf *sb)
{
	xmlBufferPtr xb;
	int ret = -1;

	if ((xb = xmlBufferCreate()) != NULL &&
	    xmlNodeDump(xb, om->om_doc, xmlDocGetRootElement(om->om_doc), 0, 0) >= 0 &&
	    strbuf_add(sb, xmlBufferContent(xb), (size_t)xmlBufferLength(xb)) == 0)
		ret = 0;
	xmlBufferFree(xb);
	if (ret == -1)
		sb->sb_failed = 1;
	return ret;
}
