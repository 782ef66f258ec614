/* gateway/sq_render: the query:AdhocQueryResponse of one stored query: status, then
 * rs:RegistryErrorList, then rim:RegistryObjectList (schema order, query.xsd / rs.xsd). */
#include "gateway/sq_exec.h"

#include <stdlib.h>
#include <string.h>

#include "common/xml.h"

/* Returns 1 for the object kinds that carry home (ITI TF-2 §3.38.4.1.3). */
static int
sq_has_home(enum ebrim_kind k)
{
	return k == EBRIM_DOCUMENT || k == EBRIM_SUBMISSIONSET || k == EBRIM_FOLDER;
}

/* Appends object O as LeafClass: its stored fragment, home stamped. 0 or -1. */
static int
sq_render_leaf(const struct sq_exec *ex, const struct sq_obj *o, struct strbuf *out)
{
	const char *home = ex->se_ctx->home_hcid;
	xmlNodePtr root = sq_obj_root(o);
	size_t len;
	char *xml;

	if (root == NULL)
		return -1;
	if (home != NULL && *home != '\0' && sq_has_home(o->so_kind) &&
	    xmlSetProp(root, XC("home"), XC(home)) == NULL)
		return -1;
	if ((xml = xml_dump_node(root, &len)) == NULL)
		return -1;
	strbuf_add(out, xml, len);
	free(xml);
	return out->sb_failed ? -1 : 0;
}

/* Appends object O as an ObjectRef. */
static void
sq_render_ref(const struct sq_exec *ex, const struct sq_obj *o, struct strbuf *out)
{
	const char *home = ex->se_ctx->home_hcid;

	strbuf_puts(out, "<rim:ObjectRef id=\"");
	strbuf_put_xml(out, o->so_id);
	if (home != NULL && *home != '\0') {
		strbuf_puts(out, "\" home=\"");
		strbuf_put_xml(out, home);
	}
	strbuf_puts(out, "\"/>");
}

int
sq_render(const struct sq_exec *ex, struct strbuf *out)
{
	int results = !ex->se_failed && ex->se_n > 0;
	size_t i;

	strbuf_printf(out, "<query:AdhocQueryResponse xmlns:query=\"%s\" xmlns:rim=\"%s\" "
	    "xmlns:rs=\"%s\" status=\"%s\">", NS_QUERY, NS_RIM, NS_RS,
	    regerr_status(ex->se_errs, results));
	if (regerr_render(ex->se_errs, out) != 0)
		return -1;
	strbuf_puts(out, "<rim:RegistryObjectList>");
	for (i = 0; results && i < ex->se_n; i++) {
		if (ex->se_p->sp_objectref)
			sq_render_ref(ex, &ex->se_obj[i], out);
		else if (sq_render_leaf(ex, &ex->se_obj[i], out) != 0)
			return -1;
	}
	strbuf_puts(out, "</rim:RegistryObjectList></query:AdhocQueryResponse>");
	return out->sb_failed ? -1 : 0;
}
