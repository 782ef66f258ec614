/* gateway/sq_exec: see sq_exec.h. Entry point, result set and the checks that apply to
 * every query (XCA home rules, single patient); the queries are in sq_find.c / sq_get.c. */
#include "gateway/sq_exec.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xml.h"

int
sq_store_failed(struct sq_exec *ex, int rc, const char *what)
{
	if (rc >= 0)
		return 0;
	if (!ex->se_failed)
		regerr_add(ex->se_errs, 0, "XDSRegistryError", NULL,
		    "Registry storage error while %s", what);
	ex->se_failed = 1;
	return 1;
}

void
sq_obj_free(struct sq_obj *o)
{
	if (o == NULL)
		return;
	free(o->so_id);
	xmlFreeDoc(o->so_doc);
	memset(o, 0, sizeof(*o));
}

xmlNodePtr
sq_obj_root(const struct sq_obj *o)
{
	return o->so_doc != NULL ? xmlDocGetRootElement(o->so_doc) : NULL;
}

int
sq_load(struct sq_exec *ex, const char *id, struct sq_obj *o)
{
	/* Our own fragments, validated at submission: the limits only guard against damage. */
	struct xml_limits lim = { 16 * 1024 * 1024, 256 };
	struct regstore_obj ro;
	enum xml_err err;
	int r;

	memset(o, 0, sizeof(*o));
	r = regstore_get(ex->se_rs, id, &ro);
	if (r == 1)
		return 1;
	if (sq_store_failed(ex, r, "reading an object"))
		return ex->se_errs->rl_nomem ? -1 : 1;
	o->so_doc = xml_parse_safe(ro.ro_xml, ro.ro_xmllen, &lim, &err);
	if (o->so_doc == NULL) {
		regstore_obj_free(&ro);
		if (err == XML_ERR_NOMEM)
			return -1;
		log_warnx("sq: stored object %s does not parse: %s", id, xml_strerror(err));
		sq_store_failed(ex, -1, "reading a damaged object");
		return ex->se_errs->rl_nomem ? -1 : 1;
	}
	o->so_kind = ro.ro_kind;
	o->so_id = ro.ro_id;
	ro.ro_id = NULL;
	regstore_obj_free(&ro);
	return 0;
}

int
sq_has(const struct sq_exec *ex, const char *id)
{
	size_t i;

	for (i = 0; i < ex->se_n; i++)
		if (strcmp(ex->se_obj[i].so_id, id) == 0)
			return 1;
	return 0;
}

int
sq_take(struct sq_exec *ex, struct sq_obj *o)
{
	struct sq_obj *v;
	size_t cap;

	if (ex->se_failed || sq_has(ex, o->so_id)) {
		sq_obj_free(o);
		return 0;
	}
	if (ex->se_ctx->max_results > 0 && ex->se_n >= ex->se_ctx->max_results) {
		sq_obj_free(o);
		ex->se_failed = 1;
		return regerr_add(ex->se_errs, 0, "XDSTooManyResults", NULL,
		    "The query matches more than %zu objects; narrow it",
		    ex->se_ctx->max_results);
	}
	if (ex->se_n == ex->se_cap) {
		cap = ex->se_cap ? ex->se_cap * 2 : 16;
		if ((v = reallocarray(ex->se_obj, cap, sizeof(*v))) == NULL) {
			sq_obj_free(o);
			return -1;
		}
		ex->se_obj = v;
		ex->se_cap = cap;
	}
	ex->se_obj[ex->se_n++] = *o;
	memset(o, 0, sizeof(*o));
	return 0;
}

int
sq_resolve(struct sq_exec *ex, const char *value, int by_uid, enum ebrim_kind kind,
    char **idp)
{
	int r;

	*idp = NULL;
	if (value == NULL)
		return 0;
	if (!by_uid)
		return (*idp = str_dup(value)) != NULL ? 0 : -1;
	r = regstore_by_uid(ex->se_rs, kind, value, idp);
	if (sq_store_failed(ex, r, "looking up a uniqueId"))
		return ex->se_errs->rl_nomem ? -1 : 0;
	return 0;
}

/* ITI-38 homeCommunityId rules (ITI TF-2 §3.38.4.1.2, see sq_exec.h). 0 or -1. */
static int
sq_home_check(const struct sq_params *p, const struct sq_context *ctx,
    struct reg_errors *errs)
{
	const char *home = p->sp_home;

	if (home == NULL || *home == '\0')
		home = sq_param_first(p, SQP_HOME);
	if (home != NULL && *home != '\0') {
		if (ctx->home_hcid != NULL && str_eq_nocase(home, ctx->home_hcid))
			return 0;
		return regerr_add(errs, 0, "XDSUnknownCommunity", NULL,
		    "homeCommunityId %.64s is not served here", home);
	}
	if (sq_query_has_patient(p->sp_query))
		return 0;
	return regerr_add(errs, 0, "XDSMissingHomeCommunityId", NULL,
	    "%s needs the homeCommunityId (AdhocQuery/@home) of this community",
	    sq_query_name(p->sp_query));
}

/* Fails the query when its result belongs to more than one patient. 0 or -1. */
static int
sq_single_patient(struct sq_exec *ex)
{
	char *first = NULL, *pid;
	const char *scheme;
	size_t i;
	int ret = 0;

	for (i = 0; i < ex->se_n && ret == 0 && !ex->se_failed; i++) {
		switch (ex->se_obj[i].so_kind) {
		case EBRIM_DOCUMENT: scheme = UUID_DE_PATIENTID; break;
		case EBRIM_SUBMISSIONSET: scheme = UUID_SS_PATIENTID; break;
		case EBRIM_FOLDER: scheme = UUID_FD_PATIENTID; break;
		default: continue;
		}
		if ((pid = ebrim_external_id(sq_obj_root(&ex->se_obj[i]), scheme)) == NULL)
			continue;
		if (first == NULL) {
			first = pid;
			continue;
		}
		if (strcmp(first, pid) != 0) {
			ex->se_failed = 1;
			ret = regerr_add(ex->se_errs, 0, "XDSResultNotSinglePatient", NULL,
			    "The result would hold objects of more than one patient");
		}
		free(pid);
	}
	free(first);
	return ret;
}

static int
sq_dispatch(struct sq_exec *ex)
{
	switch (ex->se_p->sp_query) {
	case SQ_FIND_DOCUMENTS: return sq_find_documents(ex);
	case SQ_FIND_SUBMISSIONSETS: return sq_find_submissionsets(ex);
	case SQ_FIND_FOLDERS: return sq_find_folders(ex);
	case SQ_FIND_DOCS_BY_REFID: return sq_find_by_refid(ex);
	case SQ_GET_ALL: return sq_get_all(ex);
	case SQ_GET_DOCUMENTS: return sq_get_documents(ex, 0);
	case SQ_GET_DOCS_AND_ASSOCS: return sq_get_documents(ex, 1);
	case SQ_GET_FOLDERS: return sq_get_folders(ex);
	case SQ_GET_ASSOCIATIONS: return sq_get_associations(ex);
	case SQ_GET_SUBMISSIONSETS: return sq_get_submissionsets(ex);
	case SQ_GET_SS_AND_CONTENTS: return sq_get_ss_and_contents(ex);
	case SQ_GET_FOLDER_AND_CONTENTS: return sq_get_folder_and_contents(ex);
	case SQ_GET_FOLDERS_FOR_DOC: return sq_get_folders_for_doc(ex);
	case SQ_GET_RELATED_DOCS: return sq_get_related(ex);
	default: return 0;
	}
}

int
sq_run(struct regstore *rs, xmlNodePtr adhoc_query_request, const struct sq_context *ctx,
    struct strbuf *out)
{
	struct reg_errors errs = { NULL, 0, 0, 0 };
	struct sq_params p;
	struct sq_exec ex;
	size_t i;
	int r, ret = -1;

	memset(&ex, 0, sizeof(ex));
	ex.se_rs = rs;
	ex.se_p = &p;
	ex.se_ctx = ctx;
	ex.se_errs = &errs;
	if ((r = sq_params_parse(adhoc_query_request, &p, &errs)) < 0)
		goto done;
	if (ctx->xca && p.sp_query != SQ_UNKNOWN && sq_home_check(&p, ctx, &errs) != 0)
		goto done;
	if (regerr_nerrors(&errs) == 0) {
		if (sq_dispatch(&ex) != 0 || sq_single_patient(&ex) != 0)
			goto done;
	}
	if (regerr_nerrors(&errs) > 0)
		ex.se_failed = 1;
	log_debug("sq: %s %s: %zu objects, %zu errors", ctx->xca ? "ITI-38" : "ITI-18",
	    sq_query_name(p.sp_query), ex.se_failed ? 0 : ex.se_n, regerr_nerrors(&errs));
	ret = sq_render(&ex, out);
done:
	for (i = 0; i < ex.se_n; i++)
		sq_obj_free(&ex.se_obj[i]);
	free(ex.se_obj);
	sq_params_free(&p);
	regerr_clear(&errs);
	return ret;
}
