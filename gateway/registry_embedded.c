/*
 * gateway/registry_embedded: the default backend, the embedded XDS.b registry and
 * repository in LMDB (gateway/regstore). Every operation completes synchronously.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/pidmap.h"
#include "gateway/registry.h"
#include "gateway/regstore.h"

struct registry_embedded {
	struct regstore	*re_store;
	char		*re_repo;
	char		*re_authority;	/* assigning authority of the region's patient ids */
};

/* The region's registry holds the region's patients: a submission for an id of another
 * assigning authority is refused with XDSUnknownPatientId. */
static int
embedded_pid_known(void *arg, const char *pid)
{
	struct registry_embedded *re = arg;
	char *aa = pidmap_authority(pid);
	int known = aa != NULL && strcmp(aa, re->re_authority) == 0;

	free(aa);
	return known;
}

struct stream_ctx {
	struct retrieve_set	 sc_set;
	struct retrieve_stream	*sc_stream;
};

static void
embedded_query(struct registry *reg, xmlNodePtr req, const struct sq_context *ctx,
    registry_xml_cb cb, void *arg)
{
	struct registry_embedded *re = reg->rg_impl;
	struct strbuf sb = { 0 };

	if (sq_run(re->re_store, req, ctx, &sb) == -1 || sb.sb_failed) {
		strbuf_reset(&sb);
		cb(arg, NULL);
		return;
	}
	cb(arg, strbuf_take(&sb, NULL));
}

static int
stream_pull(void *ctx, struct evbuffer *out, size_t max)
{
	struct stream_ctx *sc = ctx;

	return retrieve_stream_pull(sc->sc_stream, out, max);
}

static void
stream_free(void *ctx)
{
	struct stream_ctx *sc = ctx;

	if (sc == NULL)
		return;
	retrieve_stream_free(sc->sc_stream);
	retrieve_set_free(&sc->sc_set);
	free(sc);
}

static void
embedded_retrieve(struct registry *reg, xmlNodePtr req, const struct retrieve_ctx *ctx,
    registry_stream_cb cb, void *arg)
{
	struct registry_embedded *re = reg->rg_impl;
	struct reg_errors errs = { 0 };
	struct stream_ctx *sc;
	struct body_source *src = NULL;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		goto fail;
	/* A request that could not be parsed still gets a well-formed answer: the
	 * stream is built over an empty set and carries the errors only. */
	retrieve_parse(req, &sc->sc_set, &errs);
	sc->sc_stream = retrieve_stream_new(re->re_store, &sc->sc_set, ctx, &errs);
	if (sc->sc_stream == NULL)
		goto fail;
	if ((src = calloc(1, sizeof(*src))) == NULL)
		goto fail;
	src->bs_content_type = retrieve_stream_content_type(sc->sc_stream);
	src->bs_pull = stream_pull;
	src->bs_free = stream_free;
	src->bs_ctx = sc;
	cb(arg, src);
	return;
fail:
	regerr_clear(&errs);
	stream_free(sc);
	cb(arg, NULL);
}

static void
embedded_submit(struct registry *reg, xmlNodePtr pnr, const struct regstore_content *docs,
    size_t ndocs, registry_xml_cb cb, void *arg)
{
	struct registry_embedded *re = reg->rg_impl;
	struct reg_errors errs = { 0 };
	struct strbuf sb = { 0 };
	xmlNodePtr sor = xml_child(pnr, NS_LCM, "SubmitObjectsRequest");

	if (sor == NULL)
		regerr_add(&errs, 0, "XDSRegistryMetadataError", NULL,
		    "ProvideAndRegisterDocumentSetRequest lacks SubmitObjectsRequest");
	else
		regstore_submit(re->re_store, sor, docs, ndocs, re->re_repo, &errs);
	strbuf_printf(&sb, "<rs:RegistryResponse xmlns:rs=\"%s\" status=\"%s\">", NS_RS,
	    regerr_nerrors(&errs) == 0 ? RS_STATUS_SUCCESS : RS_STATUS_FAILURE);
	regerr_render(&errs, &sb);
	strbuf_puts(&sb, "</rs:RegistryResponse>");
	regerr_clear(&errs);
	cb(arg, sb.sb_failed ? (strbuf_reset(&sb), NULL) : strbuf_take(&sb, NULL));
}

static void
embedded_free(struct registry *reg)
{
	struct registry_embedded *re = reg->rg_impl;

	regstore_close(re->re_store);
	free(re->re_repo);
	free(re->re_authority);
	free(re);
	free(reg);
}

static int
embedded_doc_meta(struct registry *reg, const char *doc_uid, char **patient, char **cls)
{
	struct registry_embedded *re = reg->rg_impl;
	struct regstore_obj obj = { 0 };
	struct xml_limits lim = { 0 };
	enum xml_err xe;
	xmlDocPtr doc = NULL;
	char *id = NULL, *code;
	int r;

	*patient = *cls = NULL;
	if ((r = regstore_by_uid(re->re_store, EBRIM_DOCUMENT, doc_uid, &id)) != 0)
		return r;
	r = regstore_get(re->re_store, id, &obj);
	free(id);
	if (r != 0)
		return r;
	lim.xl_max_bytes = obj.ro_xmllen + 1;
	if ((doc = xml_parse_safe(obj.ro_xml, obj.ro_xmllen, &lim, &xe)) != NULL) {
		*patient = ebrim_external_id(xmlDocGetRootElement(doc), UUID_DE_PATIENTID);
		/* "code^^scheme": consents list class codes */
		code = ebrim_code_of(ebrim_classification(xmlDocGetRootElement(doc),
		    UUID_DE_CLASSCODE, NULL));
		if (code != NULL)
			code[strcspn(code, "^")] = '\0';
		*cls = code;
	}
	xmlFreeDoc(doc);
	regstore_obj_free(&obj);
	return *patient != NULL ? 0 : -1;
}

static const struct registry_ops embedded_ops = {
	.ro_name = "embedded",
	.ro_query = embedded_query,
	.ro_retrieve = embedded_retrieve,
	.ro_submit = embedded_submit,
	.ro_doc_meta = embedded_doc_meta,
	.ro_free = embedded_free,
};

struct registry *
registry_embedded_new(const char *dir, size_t mapsize, const char *repository_id,
    const char *assigning_authority)
{
	struct registry *reg = calloc(1, sizeof(*reg));
	struct registry_embedded *re = calloc(1, sizeof(*re));

	if (reg == NULL || re == NULL)
		goto fail;
	if ((re->re_repo = str_dup(repository_id)) == NULL ||
	    (re->re_authority = str_dup(assigning_authority)) == NULL)
		goto fail;
	if ((re->re_store = regstore_open(dir, mapsize)) == NULL)
		goto fail;
	regstore_set_patient_filter(re->re_store, embedded_pid_known, re);
	reg->rg_ops = &embedded_ops;
	reg->rg_impl = re;
	return reg;
fail:
	if (re != NULL) {
		free(re->re_repo);
		free(re->re_authority);
	}
	free(re);
	free(reg);
	return NULL;
}

struct regstore *
registry_embedded_store(struct registry *reg)
{
	if (reg == NULL || reg->rg_ops != &embedded_ops)
		return NULL;
	return ((struct registry_embedded *)reg->rg_impl)->re_store;
}

void
registry_free(struct registry *reg)
{
	if (reg != NULL)
		reg->rg_ops->ro_free(reg);
}
