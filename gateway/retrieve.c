/* gateway/retrieve: see retrieve.h. */
#include "gateway/retrieve.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/mtom.h"
#include "gateway/soap.h"

enum retrieve_phase {
	PHASE_ROOT = 0,		/* root part (SOAP envelope) not yet sent */
	PHASE_HEADER,		/* next: MIME header of document `cur` */
	PHASE_BYTES,		/* sending chunks of document `cur` */
	PHASE_END,		/* closing delimiter */
	PHASE_DONE
};

struct retrieve_doc {
	const struct retrieve_item	*rd_item;
	struct regstore_docinfo		 rd_info;
	char				 rd_cid[96];
};

struct retrieve_stream {
	struct regstore		*st_rs;
	struct retrieve_doc	*st_doc;	/* documents found, in request order */
	size_t			 st_ndoc;
	size_t			 st_cur;
	uint32_t		 st_chunk;
	enum retrieve_phase	 st_phase;
	char			 st_boundary[80];
	char			 st_start[96];
	char			*st_ctype;
	char			*st_root;	/* envelope XML of the root part */
	uint8_t			*st_buf;	/* one stored chunk */
};

static char *
retrieve_child_text(const xmlNode *parent, const char *name)
{
	return xml_text(xml_child(parent, NS_XDSB, name));
}

int
retrieve_parse(const xmlNode *request, struct retrieve_set *set, struct reg_errors *errs)
{
	xmlNodePtr dr;
	struct retrieve_item *it;
	size_t n = 0;

	memset(set, 0, sizeof(*set));
	for (dr = xml_child(request, NS_XDSB, "DocumentRequest"); dr != NULL;
	    dr = xml_next(dr, NS_XDSB, "DocumentRequest"))
		n++;
	if (n == 0) {
		regerr_add(errs, 0, "XDSRepositoryError", NULL,
		    "RetrieveDocumentSetRequest has no DocumentRequest");
		return -1;
	}
	if ((set->rs_item = calloc(n, sizeof(*set->rs_item))) == NULL)
		return -1;
	for (dr = xml_child(request, NS_XDSB, "DocumentRequest"); dr != NULL;
	    dr = xml_next(dr, NS_XDSB, "DocumentRequest")) {
		it = &set->rs_item[set->rs_n++];
		it->ri_home = retrieve_child_text(dr, "HomeCommunityId");
		it->ri_repo = retrieve_child_text(dr, "RepositoryUniqueId");
		it->ri_doc = retrieve_child_text(dr, "DocumentUniqueId");
		if (it->ri_home != NULL && it->ri_home[0] == '\0') {
			free(it->ri_home);
			it->ri_home = NULL;
		}
		if (it->ri_repo == NULL || it->ri_repo[0] == '\0' ||
		    it->ri_doc == NULL || it->ri_doc[0] == '\0') {
			regerr_add(errs, 0, "XDSRepositoryError", NULL,
			    "DocumentRequest %zu lacks RepositoryUniqueId or "
			    "DocumentUniqueId", set->rs_n);
			retrieve_set_free(set);
			return -1;
		}
	}
	return 0;
}

void
retrieve_set_free(struct retrieve_set *set)
{
	size_t i;

	for (i = 0; i < set->rs_n; i++) {
		free(set->rs_item[i].ri_home);
		free(set->rs_item[i].ri_repo);
		free(set->rs_item[i].ri_doc);
	}
	free(set->rs_item);
	memset(set, 0, sizeof(*set));
}

int
retrieve_home_ok(const struct retrieve_item *it, int xca, const char *home,
    struct reg_errors *errs)
{
	if (it->ri_home == NULL && xca) {
		regerr_add(errs, 0, "XDSMissingHomeCommunityId", it->ri_doc,
		    "HomeCommunityId is required in a Cross Gateway Retrieve");
		return 0;
	}
	if (it->ri_home != NULL && strcmp(it->ri_home, home) != 0) {
		regerr_add(errs, 0, "XDSUnknownCommunity", it->ri_home,
		    "this gateway answers for %s only", home);
		return 0;
	}
	return 1;
}

/* Decides whether item IT can be served; adds the RegistryError when not. Returns 1 when
 * the document is here (INFO filled), 0 when not, -1 on a store error. */
static int
retrieve_check(struct regstore *rs, const struct retrieve_item *it,
    const struct retrieve_ctx *ctx, struct regstore_docinfo *info, struct reg_errors *errs)
{
	const char *why;
	int r;

	if (!retrieve_home_ok(it, ctx->rc_xca, ctx->rc_home, errs))
		return 0;
	if (strcmp(it->ri_repo, ctx->rc_repo) != 0) {
		regerr_add(errs, 0, "XDSUnknownRepositoryId", it->ri_repo,
		    "unknown repository");
		return 0;
	}
	r = regstore_doc_info(rs, it->ri_doc, info);
	if (r == 1) {
		regerr_add(errs, 0, "XDSDocumentUniqueIdError", it->ri_doc,
		    "no document with this uniqueId in the repository");
		return 0;
	}
	if (r == -1) {
		regerr_add(errs, 0, "XDSRepositoryError", it->ri_doc,
		    "the repository could not be read");
		return -1;
	}
	if (ctx->rc_release != NULL && (why = ctx->rc_release(ctx->rc_release_arg,
	    it->ri_doc)) != NULL) {
		regerr_add(errs, 0, REGERR_CONSENT_REQUIRED, it->ri_doc, "patient consent: %s",
		    why);
		return 0;
	}
	return 1;
}

static void
retrieve_doc_response(struct strbuf *sb, const struct retrieve_doc *d,
    const struct retrieve_ctx *ctx)
{
	strbuf_puts(sb, "<xdsb:DocumentResponse><xdsb:HomeCommunityId>");
	strbuf_put_xml(sb, ctx->rc_home);
	strbuf_puts(sb, "</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>");
	strbuf_put_xml(sb, ctx->rc_repo);
	strbuf_puts(sb, "</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>");
	strbuf_put_xml(sb, d->rd_item->ri_doc);
	strbuf_puts(sb, "</xdsb:DocumentUniqueId><xdsb:mimeType>");
	strbuf_put_xml(sb, d->rd_info.rd_mime);
	strbuf_printf(sb, "</xdsb:mimeType><xdsb:Document><xop:Include xmlns:xop=\"%s\" "
	    "href=\"cid:%s\"/></xdsb:Document></xdsb:DocumentResponse>", NS_XOP, d->rd_cid);
}

/* Builds the SOAP envelope of the root part from the documents found and ERRS. */
static int
retrieve_build_root(struct retrieve_stream *st, const struct retrieve_ctx *ctx,
    const struct reg_errors *errs)
{
	struct strbuf body = { 0 }, env = { 0 };
	size_t i;
	int ret = -1;

	strbuf_printf(&body, "<xdsb:RetrieveDocumentSetResponse xmlns:xdsb=\"%s\" "
	    "xmlns:rs=\"%s\"><rs:RegistryResponse status=\"%s\">", NS_XDSB, NS_RS,
	    regerr_status(errs, st->st_ndoc > 0));
	regerr_render(errs, &body);
	strbuf_puts(&body, "</rs:RegistryResponse>");
	for (i = 0; i < st->st_ndoc; i++)
		retrieve_doc_response(&body, &st->st_doc[i], ctx);
	strbuf_puts(&body, "</xdsb:RetrieveDocumentSetResponse>");
	if (body.sb_failed)
		goto done;
	if (soap_build_response(&env, ctx->rc_action, ctx->rc_relates_to,
	    body.sb_data) == -1 || env.sb_failed)
		goto done;
	st->st_root = strbuf_take(&env, NULL);
	ret = 0;
done:
	strbuf_reset(&body);
	strbuf_reset(&env);
	return ret;
}

struct retrieve_stream *
retrieve_stream_new(struct regstore *rs, const struct retrieve_set *set,
    const struct retrieve_ctx *ctx, struct reg_errors *earlier)
{
	struct retrieve_stream *st;
	struct reg_errors errs = { 0 };
	struct strbuf ct = { 0 };
	struct retrieve_doc *d;
	size_t i;
	int r;

	regerr_move(&errs, earlier);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		goto fail;
	st->st_rs = rs;
	if ((st->st_doc = calloc(set->rs_n + 1, sizeof(*st->st_doc))) == NULL ||
	    (st->st_buf = malloc(REGSTORE_CHUNK)) == NULL)
		goto fail;
	for (i = 0; i < set->rs_n; i++) {
		d = &st->st_doc[st->st_ndoc];
		r = retrieve_check(rs, &set->rs_item[i], ctx, &d->rd_info, &errs);
		if (r != 1)
			continue;
		d->rd_item = &set->rs_item[i];
		snprintf(d->rd_cid, sizeof(d->rd_cid), "doc%zu@hashi", st->st_ndoc + 1);
		st->st_ndoc++;
	}
	if (mtom_boundary_new(st->st_boundary, sizeof(st->st_boundary)) == -1)
		goto fail;
	snprintf(st->st_start, sizeof(st->st_start), "root@hashi");
	if (mtom_content_type(&ct, st->st_boundary, st->st_start, ctx->rc_action) == -1 ||
	    ct.sb_failed)
		goto fail;
	st->st_ctype = strbuf_take(&ct, NULL);
	if (retrieve_build_root(st, ctx, &errs) == -1)
		goto fail;
	regerr_clear(&errs);
	return st;
fail:
	regerr_clear(&errs);
	strbuf_reset(&ct);
	retrieve_stream_free(st);
	return NULL;
}

const char *
retrieve_stream_content_type(const struct retrieve_stream *st)
{
	return st->st_ctype;
}

size_t
retrieve_stream_ndocs(const struct retrieve_stream *st)
{
	return st->st_ndoc;
}

/* Moves the text built in SB into OUT. */
static int
retrieve_flush(struct strbuf *sb, struct evbuffer *out)
{
	int ret = (sb->sb_failed || evbuffer_add(out, sb->sb_data, sb->sb_len) != 0) ? -1 : 0;

	strbuf_reset(sb);
	return ret;
}

int
retrieve_stream_pull(struct retrieve_stream *st, struct evbuffer *out, size_t max)
{
	struct strbuf sb = { 0 };
	struct retrieve_doc *d;
	size_t added = 0, len;
	int r;

	while (added < max) {
		switch (st->st_phase) {
		case PHASE_ROOT:
			if (mtom_root_part(&sb, st->st_boundary, st->st_start,
			    st->st_root) == -1)
				return -1;
			added += sb.sb_len;
			if (retrieve_flush(&sb, out) == -1)
				return -1;
			st->st_phase = st->st_ndoc > 0 ? PHASE_HEADER : PHASE_END;
			break;
		case PHASE_HEADER:
			d = &st->st_doc[st->st_cur];
			if (mtom_part_header(&sb, st->st_boundary, d->rd_cid,
			    d->rd_info.rd_mime) == -1)
				return -1;
			added += sb.sb_len;
			if (retrieve_flush(&sb, out) == -1)
				return -1;
			st->st_chunk = 0;
			st->st_phase = PHASE_BYTES;
			break;
		case PHASE_BYTES:
			d = &st->st_doc[st->st_cur];
			if (st->st_chunk >= d->rd_info.rd_nchunks) {
				st->st_cur++;
				st->st_phase = st->st_cur < st->st_ndoc ? PHASE_HEADER :
				    PHASE_END;
				break;
			}
			r = regstore_doc_chunk(st->st_rs, d->rd_item->ri_doc, st->st_chunk,
			    st->st_buf, &len);
			if (r != 0) {
				log_warnx("retrieve: chunk %u of a document is missing",
				    st->st_chunk);
				return -1;
			}
			if (evbuffer_add(out, st->st_buf, len) != 0)
				return -1;
			added += len;
			st->st_chunk++;
			break;
		case PHASE_END:
			if (mtom_end(&sb, st->st_boundary) == -1 ||
			    retrieve_flush(&sb, out) == -1)
				return -1;
			st->st_phase = PHASE_DONE;
			return 1;
		case PHASE_DONE:
			return 1;
		}
	}
	return 0;
}

void
retrieve_stream_free(struct retrieve_stream *st)
{
	if (st == NULL)
		return;
	free(st->st_doc);
	free(st->st_ctype);
	free(st->st_root);
	free(st->st_buf);
	free(st);
}
