/* gateway/retrieve_mem: see retrieve_mem.h. */
#include "gateway/retrieve_mem.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/mtom.h"

#define RETRIEVE_MEM_ROOT_CID	"root@hashi"

struct mem_doc {
	const uint8_t	*md_data;	/* borrowed from a kept message */
	size_t		 md_len;
	size_t		 md_sent;
	char		*md_mime;
	char		*md_cid;	/* own allocation: add_ref hands it out, and the
					   array moves when it grows */
	int		 md_ref;	/* bytes relayed by the caller, not ours */
};

enum mem_phase { MEM_ROOT = 0, MEM_HEADER, MEM_BYTES, MEM_END };

struct retrieve_mem {
	struct soap_msg	**rm_msg;
	size_t		  rm_nmsg, rm_capmsg;
	struct mem_doc	 *rm_doc;
	size_t		  rm_ndoc, rm_capdoc;
	struct strbuf	  rm_resp;	/* our DocumentResponse elements */
	/* emitting */
	char		  rm_boundary[80];
	char		 *rm_ctype;
	char		 *rm_root;
	size_t		  rm_next;
	enum mem_phase	  rm_phase;
	int		  rm_open;	/* no closing delimiter: the caller adds parts */
};

struct retrieve_mem *
retrieve_mem_new(void)
{
	return calloc(1, sizeof(struct retrieve_mem));
}

void
retrieve_mem_free(struct retrieve_mem *rm)
{
	size_t i;

	if (rm == NULL)
		return;
	for (i = 0; i < rm->rm_nmsg; i++)
		soap_msg_free(rm->rm_msg[i]);
	for (i = 0; i < rm->rm_ndoc; i++) {
		free(rm->rm_doc[i].md_mime);
		free(rm->rm_doc[i].md_cid);
	}
	free(rm->rm_msg);
	free(rm->rm_doc);
	strbuf_reset(&rm->rm_resp);
	free(rm->rm_ctype);
	free(rm->rm_root);
	free(rm);
}

int
retrieve_mem_keep(struct retrieve_mem *rm, struct soap_msg *msg)
{
	if (rm->rm_nmsg == rm->rm_capmsg) {
		size_t cap = rm->rm_capmsg ? rm->rm_capmsg * 2 : 4;
		struct soap_msg **p = reallocarray(rm->rm_msg, cap, sizeof(*p));

		if (p == NULL) {
			soap_msg_free(msg);
			return -1;
		}
		rm->rm_msg = p;
		rm->rm_capmsg = cap;
	}
	rm->rm_msg[rm->rm_nmsg++] = msg;
	return 0;
}

static void
mem_put_el(struct strbuf *sb, const char *name, const char *text)
{
	strbuf_printf(sb, "<xdsb:%s>", name);
	strbuf_put_xml(sb, text);
	strbuf_printf(sb, "</xdsb:%s>", name);
}

/* Copies the optional element NAME of DR. */
static void
mem_copy_el(struct strbuf *sb, const xmlNode *dr, const char *name)
{
	char *t = xml_text(xml_child(dr, NS_XDSB, name));

	if (t != NULL && t[0] != '\0')
		mem_put_el(sb, name, t);
	free(t);
}

static int
mem_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* Adds DR: with its bytes from MSG, or as a reference (MSG NULL) relayed by the caller. */
static int
mem_add(struct retrieve_mem *rm, struct soap_msg *msg, const xmlNode *dr,
    const char *home, const char **cidp)
{
	char *repo = xml_text(xml_child(dr, NS_XDSB, "RepositoryUniqueId"));
	char *uid = xml_text(xml_child(dr, NS_XDSB, "DocumentUniqueId"));
	char *mime = xml_text(xml_child(dr, NS_XDSB, "mimeType"));
	struct mem_doc *d;
	char cid[32];
	int ret = -1;

	if (rm->rm_ndoc == rm->rm_capdoc) {
		size_t cap = rm->rm_capdoc ? rm->rm_capdoc * 2 : 4;
		struct mem_doc *p = reallocarray(rm->rm_doc, cap, sizeof(*p));

		if (p == NULL)
			goto done;
		rm->rm_doc = p;
		rm->rm_capdoc = cap;
	}
	d = &rm->rm_doc[rm->rm_ndoc];
	memset(d, 0, sizeof(*d));
	if (mem_empty(repo) || mem_empty(uid) || mem_empty(mime) || (msg != NULL &&
	    soap_element_bytes(msg, xml_child(dr, NS_XDSB, "Document"), &d->md_data,
	    &d->md_len) == -1)) {
		ret = 1;
		goto done;
	}
	(void)snprintf(cid, sizeof(cid), "doc%zu@hashi", rm->rm_ndoc + 1);
	if ((d->md_cid = str_dup(cid)) == NULL)
		goto done;
	d->md_ref = msg == NULL;
	if (cidp != NULL)
		*cidp = d->md_cid;
	d->md_mime = mime;
	mime = NULL;
	rm->rm_ndoc++;
	strbuf_puts(&rm->rm_resp, "<xdsb:DocumentResponse>");
	mem_put_el(&rm->rm_resp, "HomeCommunityId", home);
	mem_put_el(&rm->rm_resp, "RepositoryUniqueId", repo);
	mem_put_el(&rm->rm_resp, "DocumentUniqueId", uid);
	mem_copy_el(&rm->rm_resp, dr, "NewRepositoryUniqueId");
	mem_copy_el(&rm->rm_resp, dr, "NewDocumentUniqueId");
	mem_put_el(&rm->rm_resp, "mimeType", d->md_mime);
	strbuf_puts(&rm->rm_resp, "<xdsb:Document>");
	mtom_put_include(&rm->rm_resp, d->md_cid);
	strbuf_puts(&rm->rm_resp, "</xdsb:Document></xdsb:DocumentResponse>");
	ret = rm->rm_resp.sb_failed ? -1 : 0;
done:
	free(repo);
	free(uid);
	free(mime);
	return ret;
}

int
retrieve_mem_add(struct retrieve_mem *rm, struct soap_msg *msg, const xmlNode *dr,
    const char *home)
{
	return msg == NULL ? 1 : mem_add(rm, msg, dr, home, NULL);
}

int
retrieve_mem_add_ref(struct retrieve_mem *rm, const xmlNode *dr, const char *home,
    const char **cidp)
{
	return mem_add(rm, NULL, dr, home, cidp);
}

int
retrieve_mem_leave_open(struct retrieve_mem *rm, const char *boundary)
{
	rm->rm_open = 1;
	return str_copy(rm->rm_boundary, sizeof(rm->rm_boundary), boundary);
}

/* The phase after the documents before index I: the next of our own parts, or the end. */
static enum mem_phase
mem_next(struct retrieve_mem *rm, size_t i)
{
	while (i < rm->rm_ndoc && rm->rm_doc[i].md_ref)
		i++;
	rm->rm_next = i;
	return i < rm->rm_ndoc ? MEM_HEADER : MEM_END;
}

size_t
retrieve_mem_ndocs(const struct retrieve_mem *rm)
{
	return rm->rm_ndoc;
}

static int
mem_pull(void *arg, struct evbuffer *out, size_t max)
{
	struct retrieve_mem *rm = arg;
	struct strbuf sb = { 0 };
	struct mem_doc *d;
	size_t n;
	int ret = 0;

	switch (rm->rm_phase) {
	case MEM_ROOT:
		mtom_root_part(&sb, rm->rm_boundary, RETRIEVE_MEM_ROOT_CID, rm->rm_root);
		rm->rm_phase = mem_next(rm, 0);
		break;
	case MEM_HEADER:
		d = &rm->rm_doc[rm->rm_next];
		mtom_part_header(&sb, rm->rm_boundary, d->md_cid, mtom_safe_mime(d->md_mime));
		rm->rm_phase = MEM_BYTES;
		break;
	case MEM_BYTES:
		d = &rm->rm_doc[rm->rm_next];
		n = d->md_len - d->md_sent < max ? d->md_len - d->md_sent : max;
		if (n > 0 && evbuffer_add(out, d->md_data + d->md_sent, n) != 0)
			return -1;
		d->md_sent += n;
		if (d->md_sent == d->md_len)
			rm->rm_phase = mem_next(rm, rm->rm_next + 1);
		return 0;
	case MEM_END:
		if (!rm->rm_open)
			mtom_end(&sb, rm->rm_boundary);
		ret = 1;
		break;
	}
	if (sb.sb_failed || (sb.sb_len > 0 && evbuffer_add(out, sb.sb_data, sb.sb_len) != 0))
		ret = -1;
	strbuf_reset(&sb);
	return ret;
}

static void
mem_source_free(void *arg)
{
	retrieve_mem_free(arg);
}

struct body_source *
retrieve_mem_source(struct retrieve_mem *rm, const char *action, const char *relates_to,
    const struct reg_errors *errs)
{
	struct strbuf body = { 0 }, env = { 0 }, ct = { 0 };
	struct body_source *src = NULL;

	strbuf_printf(&body, "<xdsb:RetrieveDocumentSetResponse xmlns:xdsb=\"%s\" "
	    "xmlns:rs=\"%s\"><rs:RegistryResponse status=\"%s\">", NS_XDSB, NS_RS,
	    regerr_status(errs, rm->rm_ndoc > 0));
	regerr_render(errs, &body);
	strbuf_puts(&body, "</rs:RegistryResponse>");
	if (rm->rm_resp.sb_len > 0)
		strbuf_add(&body, rm->rm_resp.sb_data, rm->rm_resp.sb_len);
	strbuf_puts(&body, "</xdsb:RetrieveDocumentSetResponse>");
	if (body.sb_failed || rm->rm_resp.sb_failed ||
	    soap_build_response(&env, action, relates_to, body.sb_data) == -1 ||
	    (rm->rm_boundary[0] == '\0' &&
	    mtom_boundary_new(rm->rm_boundary, sizeof(rm->rm_boundary)) == -1) ||
	    mtom_content_type(&ct, rm->rm_boundary, RETRIEVE_MEM_ROOT_CID, action) == -1 ||
	    env.sb_failed || ct.sb_failed || (src = calloc(1, sizeof(*src))) == NULL)
		goto fail;
	rm->rm_root = strbuf_take(&env, NULL);
	rm->rm_ctype = strbuf_take(&ct, NULL);
	strbuf_reset(&body);
	src->bs_content_type = rm->rm_ctype;
	src->bs_pull = mem_pull;
	src->bs_free = mem_source_free;
	src->bs_ctx = rm;
	return src;
fail:
	strbuf_reset(&body);
	strbuf_reset(&env);
	strbuf_reset(&ct);
	retrieve_mem_free(rm);
	return NULL;
}
