/*
 * gateway/sq_exec: the stored-query engine: runs one of the 14 ITI-18 stored queries over
 * the embedded registry (gateway/regstore) and renders the query:AdhocQueryResponse. The
 * same engine answers ITI-38 as the Responding Gateway (sq_context.xca = 1).
 *
 * Behaviour chosen where the TF leaves room (see also sq_params.h):
 * - home: every returned ExtrinsicObject, RegistryPackage and ObjectRef gets
 *   home = ctx->home_hcid whenever home_hcid is set, for ITI-18 as well as ITI-38: the
 *   objects do live in that community, ITI-38 requires it, the schema allows it on ITI-18,
 *   and an Initiating Gateway merging local results then needs no second pass.
 *   Associations keep their stored attributes.
 * - XCA (ctx->xca): AdhocQuery/@home (or the legacy $homeCommunityId slot) naming another
 *   community -> XDSUnknownCommunity; a query without a patient id parameter and without
 *   home -> XDSMissingHomeCommunityId. $targetCommunityIdList is ignored.
 * - Times: DTM strings of 4..14 digits are compared as the instant they begin, i.e. after
 *   padding to YYYYMMDDhhmmss with 01 for month/day and 00 for the rest; "From" is
 *   inclusive (>=), "To" exclusive (<). An object without the attribute never matches a
 *   time bound. So To=2005 excludes creationTime 2005 and From=200412 includes 20041231.
 * - authorPerson patterns: '%' = any run, '_' = one byte, case-sensitive, whole value.
 * - $XDSDocumentEntryType absent = Stable only (TF); $XDSDocumentEntryDocumentAvailability
 *   absent = no filter; an entry without the slot is Online.
 * - Get* queries return objects whatever their status; only the Find* queries, GetAll and
 *   the statuses named in them filter on availabilityStatus.
 * - Every response is checked for a single patient (DocumentEntry, SubmissionSet and Folder
 *   patient ids): several -> XDSResultNotSinglePatient, no results.
 * - ctx->max_results (0 = no limit) bounds the number of objects in the RegistryObjectList,
 *   Associations included; more -> XDSTooManyResults, no results.
 * - $MetadataLevel is checked but changes nothing: the registry keeps no older versions
 *   (no Metadata Update option), so levels 1 and 2 select the same objects.
 * - Duplicates are found by a linear scan of the result: keep max_results set (a few
 *   thousand) so that a huge GetAll stays cheap.
 * - Any error makes the response Failure with an empty RegistryObjectList: no error here
 *   leaves a meaningful partial result. A storage failure is XDSRegistryError.
 */
#ifndef HASHI_GATEWAY_SQ_EXEC_H
#define HASHI_GATEWAY_SQ_EXEC_H

#include <stddef.h>
#include <libxml/tree.h>

#include "common/str.h"
#include "gateway/ebrim.h"
#include "gateway/regerr.h"
#include "gateway/regstore.h"
#include "gateway/sq_params.h"

struct sq_context {
	const char	*home_hcid;	/* our urn:oid HCID, or NULL */
	int		 xca;		/* 1 = ITI-38 Responding Gateway rules */
	size_t		 max_results;	/* 0 = unlimited */
};

/* Runs the query:AdhocQueryRequest ADHOC_QUERY_REQUEST (borrowed) against RS and appends one
 * complete <query:AdhocQueryResponse> element to OUT. Bad queries are answered in the
 * response (Failure + RegistryError). Returns 0, or -1 only when out of memory (OUT may then
 * hold a partial element: discard it). */
int sq_run(struct regstore *rs, xmlNodePtr adhoc_query_request, const struct sq_context *ctx,
    struct strbuf *out);

/*
 * Internals shared by sq_exec.c, sq_find.c, sq_get.c and sq_render.c only.
 */

/* A registry object taken into a result: its parsed fragment. */
struct sq_obj {
	enum ebrim_kind	 so_kind;
	char		*so_id;
	xmlDocPtr	 so_doc;
};

/* One query execution. */
struct sq_exec {
	struct regstore		*se_rs;
	const struct sq_params	*se_p;
	const struct sq_context	*se_ctx;
	struct reg_errors	*se_errs;
	struct sq_obj		*se_obj;	/* the result, in response order */
	size_t			 se_n, se_cap;
	int			 se_failed;	/* an error was added: no result */
};

/* Loads object ID into *O (parsed). 0 found, 1 not found, -1 out of memory; a storage or
 * parse failure adds XDSRegistryError, sets se_failed and returns 1. */
int sq_load(struct sq_exec *ex, const char *id, struct sq_obj *o);

/* Frees what O holds. */
void sq_obj_free(struct sq_obj *o);

/* Returns the root element of O's fragment. */
xmlNodePtr sq_obj_root(const struct sq_obj *o);

/* Moves O into the result (O is emptied) unless an object with its id is there already
 * (then O is freed). Past ctx->max_results adds XDSTooManyResults and sets se_failed.
 * Returns 0, or -1 out of memory. */
int sq_take(struct sq_exec *ex, struct sq_obj *o);

/* Returns 1 if the result holds an object with id ID. */
int sq_has(const struct sq_exec *ex, const char *id);

/* Checks the result RC of a regstore call: when it is -1, adds XDSRegistryError (WHAT says
 * while doing what), sets se_failed and returns 1; returns 0 when RC >= 0. */
int sq_store_failed(struct sq_exec *ex, int rc, const char *what);

/* Resolves VALUE, an entryUUID (BY_UID = 0) or a uniqueId of an object of KIND (BY_UID = 1),
 * to a uuid: *IDP is malloc'd, or NULL when unknown. Returns 0 or -1 (memory). */
int sq_resolve(struct sq_exec *ex, const char *value, int by_uid, enum ebrim_kind kind,
    char **idp);

/* Filters (sq_find.c). Each returns 1 when object O passes the parameters of the query. */
int sq_de_match(const struct sq_exec *ex, const struct sq_obj *o);
int sq_ss_match(const struct sq_exec *ex, const struct sq_obj *o);
int sq_fd_match(const struct sq_exec *ex, const struct sq_obj *o);
/* Returns 1 if O's status is among parameter ID's values (or ID is absent). */
int sq_status_match(const struct sq_exec *ex, const struct sq_obj *o, enum sq_param id);
/* Returns 1 if O's objectType passes $XDSDocumentEntryType (default Stable). */
int sq_type_match(const struct sq_exec *ex, const struct sq_obj *o);
/* Returns 1 if PATTERN (% and _ wildcards) matches all of S. */
int sq_like(const char *pattern, const char *s);
/* Writes DTM S padded to 14 digits into OUT; returns 0, or -1 when S is not a DTM. */
int sq_dtm_norm(const char *s, char out[15]);

/* Loads each of IDS not yet in the result and takes those MATCH accepts. 0 or -1. */
int sq_take_matching(struct sq_exec *ex, const struct regstore_ids *ids,
    int (*match)(const struct sq_exec *, const struct sq_obj *));
/* Takes the objects of KIND of the patient in parameter PID that MATCH accepts. 0 or -1. */
int sq_find_kind(struct sq_exec *ex, enum sq_param pid, enum ebrim_kind kind,
    int (*match)(const struct sq_exec *, const struct sq_obj *));

/* The queries. Each returns 0 (errors, if any, recorded) or -1 out of memory. */
int sq_find_documents(struct sq_exec *ex);		/* sq_find.c */
int sq_find_submissionsets(struct sq_exec *ex);
int sq_find_folders(struct sq_exec *ex);
int sq_find_by_refid(struct sq_exec *ex);
int sq_get_all(struct sq_exec *ex);			/* sq_get.c */
int sq_get_documents(struct sq_exec *ex, int with_assocs);
int sq_get_folders(struct sq_exec *ex);
int sq_get_associations(struct sq_exec *ex);
int sq_get_submissionsets(struct sq_exec *ex);
int sq_get_ss_and_contents(struct sq_exec *ex);
int sq_get_folder_and_contents(struct sq_exec *ex);
int sq_get_folders_for_doc(struct sq_exec *ex);
int sq_get_related(struct sq_exec *ex);

/* sq_render.c: appends the response for EX (result and EX->se_errs) to OUT. 0 or -1. */
int sq_render(const struct sq_exec *ex, struct strbuf *out);

#endif
