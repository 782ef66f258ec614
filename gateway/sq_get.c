/* gateway/sq_get: GetAll and the Get* queries (ITI TF-2 §3.18.4.1.2.3.7.4-13), which walk
 * the registry from given objects along their Associations. */
#include "gateway/sq_exec.h"

#include <stdlib.h>
#include <string.h>

#include "common/xml.h"

/* Fills IDS with the Associations whose source (SOURCE = 1) or target is ID.
 * 0 = IDS usable, 1 = storage failure recorded (IDS empty), -1 = out of memory. */
static int
sq_assoc_ids(struct sq_exec *ex, const char *id, int source, struct regstore_ids *ids)
{
	int r = regstore_assocs(ex->se_rs, id, source, ids);

	if (sq_store_failed(ex, r, "looking up associations"))
		return ex->se_errs->rl_nomem ? -1 : 1;
	return 0;
}

/* Returns 1 if A is an Association of type TYPE (NULL = any). */
static int
sq_assoc_is(const struct sq_obj *a, const char *type)
{
	char *t;
	int ok;

	if (a->so_kind != EBRIM_ASSOCIATION)
		return 0;
	if (type == NULL)
		return 1;
	t = xml_attr(sq_obj_root(a), "associationType");
	ok = t != NULL && strcmp(t, type) == 0;
	free(t);
	return ok;
}

/* Returns A's targetObject (TARGET = 1) or sourceObject, malloc'd, or NULL. */
static char *
sq_assoc_end(const struct sq_obj *a, int target)
{
	return xml_attr(sq_obj_root(a), target ? "targetObject" : "sourceObject");
}

/* Loads ID and takes it when it is of KIND. 0 or -1. */
static int
sq_take_id(struct sq_exec *ex, const char *id, enum ebrim_kind kind)
{
	struct sq_obj o;
	int r;

	if (id == NULL || sq_has(ex, id))
		return 0;
	if ((r = sq_load(ex, id, &o)) != 0)
		return r < 0 ? -1 : 0;
	if (o.so_kind != kind) {
		sq_obj_free(&o);
		return 0;
	}
	return sq_take(ex, &o);
}

/* Takes every Association whose source and target are in the result (HasMember only when
 * HASMEMBER). Two passes so that a HasMember from a SubmissionSet to an Association taken in
 * the first pass follows it. 0 or -1. */
static int
sq_assocs_between(struct sq_exec *ex, int hasmember)
{
	struct regstore_ids ids;
	struct sq_obj a;
	size_t i, j, n, before;
	char *tgt;
	int pass, r;

	for (pass = 0; pass < 2 && !ex->se_failed; pass++) {
		before = ex->se_n;
		for (i = 0, n = ex->se_n; i < n && !ex->se_failed; i++) {
			if (ex->se_obj[i].so_kind == EBRIM_ASSOCIATION)
				continue;
			if ((r = sq_assoc_ids(ex, ex->se_obj[i].so_id, 1, &ids)) != 0)
				return r < 0 ? -1 : 0;
			for (j = 0, r = 0; j < ids.ri_n && r == 0 && !ex->se_failed; j++) {
				if (sq_has(ex, ids.ri_id[j]) ||
				    (r = sq_load(ex, ids.ri_id[j], &a)) != 0) {
					r = r < 0 ? -1 : 0;
					continue;
				}
				tgt = sq_assoc_end(&a, 1);
				if (tgt != NULL && sq_has(ex, tgt) &&
				    sq_assoc_is(&a, hasmember ? ASSOC_HASMEMBER : NULL))
					r = sq_take(ex, &a);
				else
					sq_obj_free(&a);
				free(tgt);
			}
			regstore_ids_free(&ids);
			if (r < 0)
				return -1;
		}
		if (ex->se_n == before)
			break;		/* nothing new for a second pass to follow */
	}
	return 0;
}

int
sq_get_all(struct sq_exec *ex)
{
	if (sq_find_kind(ex, SQP_PATIENTID, EBRIM_SUBMISSIONSET, sq_ss_match) != 0 ||
	    sq_find_kind(ex, SQP_PATIENTID, EBRIM_DOCUMENT, sq_de_match) != 0 ||
	    sq_find_kind(ex, SQP_PATIENTID, EBRIM_FOLDER, sq_fd_match) != 0)
		return -1;
	return sq_assocs_between(ex, 0);
}

/* Takes every Association with ID as source and as target. 0 or -1. */
static int
sq_take_assocs_of(struct sq_exec *ex, const char *id)
{
	struct regstore_ids ids;
	size_t i;
	int source, r;

	for (source = 1; source >= 0; source--) {
		if ((r = sq_assoc_ids(ex, id, source, &ids)) != 0)
			return r < 0 ? -1 : 0;
		for (i = 0, r = 0; i < ids.ri_n && r == 0; i++)
			r = sq_take_id(ex, ids.ri_id[i], EBRIM_ASSOCIATION);
		regstore_ids_free(&ids);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Takes the objects of KIND named by the entryUUID parameter UUIDP or the uniqueId
 * parameter UIDP (exactly one is set, sq_params saw to it). 0 or -1. */
static int
sq_take_named(struct sq_exec *ex, enum sq_param uuidp, enum sq_param uidp,
    enum ebrim_kind kind)
{
	const struct sq_value *v = sq_param_get(ex->se_p, uuidp);
	int by_uid = (v == NULL);
	char *id;
	size_t i;
	int r;

	if (v == NULL && (v = sq_param_get(ex->se_p, uidp)) == NULL)
		return 0;
	for (i = 0; i < v->sp_g[0].sg_n && !ex->se_failed; i++) {
		if (sq_resolve(ex, v->sp_g[0].sg_v[i], by_uid, kind, &id) != 0)
			return -1;
		r = sq_take_id(ex, id, kind);
		free(id);
		if (r != 0)
			return -1;
	}
	return 0;
}

int
sq_get_documents(struct sq_exec *ex, int with_assocs)
{
	size_t i, n;

	if (sq_take_named(ex, SQP_DE_UUID, SQP_DE_UID, EBRIM_DOCUMENT) != 0)
		return -1;
	for (i = 0, n = ex->se_n; with_assocs && i < n && !ex->se_failed; i++)
		if (sq_take_assocs_of(ex, ex->se_obj[i].so_id) != 0)
			return -1;
	return 0;
}

int
sq_get_folders(struct sq_exec *ex)
{
	return sq_take_named(ex, SQP_FD_UUID, SQP_FD_UID, EBRIM_FOLDER);
}

int
sq_get_associations(struct sq_exec *ex)
{
	const struct sq_value *v = sq_param_get(ex->se_p, SQP_UUID);
	size_t i;

	for (i = 0; v != NULL && i < v->sp_g[0].sg_n && !ex->se_failed; i++)
		if (sq_take_assocs_of(ex, v->sp_g[0].sg_v[i]) != 0)
			return -1;
	return 0;
}

/* For each Association with ID as its target (TO = 1) or source, of a type in TYPES, whose
 * other end is an object of KIND passing MATCH (NULL = any): takes that object, and the
 * Association too when WITH_ASSOC. 0 or -1. */
static int
sq_follow(struct sq_exec *ex, const char *id, int to, const struct sq_group *types,
    enum ebrim_kind kind, int (*match)(const struct sq_exec *, const struct sq_obj *),
    int with_assoc)
{
	struct regstore_ids ids;
	struct sq_obj a, o;
	char *other, *type;
	size_t i;
	int r, ok;

	if ((r = sq_assoc_ids(ex, id, !to, &ids)) != 0)
		return r < 0 ? -1 : 0;
	for (i = 0, r = 0; i < ids.ri_n && r == 0 && !ex->se_failed; i++) {
		if ((r = sq_load(ex, ids.ri_id[i], &a)) != 0) {
			r = r < 0 ? -1 : 0;
			continue;
		}
		type = xml_attr(sq_obj_root(&a), "associationType");
		other = sq_assoc_end(&a, !to);
		ok = a.so_kind == EBRIM_ASSOCIATION && type != NULL && other != NULL &&
		    sq_group_has(types, type);
		free(type);
		if (ok && (r = sq_load(ex, other, &o)) == 0) {
			if (o.so_kind == kind && (match == NULL || match(ex, &o))) {
				r = sq_take(ex, &o);
				if (r == 0 && with_assoc)
					r = sq_take(ex, &a);
			} else
				sq_obj_free(&o);
		}
		r = r < 0 ? -1 : 0;
		sq_obj_free(&a);
		free(other);
	}
	regstore_ids_free(&ids);
	return r;
}

/* The HasMember type as a one-value group for sq_follow (never written through). */
static char *sq_hasmember_v[] = { ASSOC_HASMEMBER };
static const struct sq_group sq_hasmember = { sq_hasmember_v, 1 };

int
sq_get_submissionsets(struct sq_exec *ex)
{
	const struct sq_value *v = sq_param_get(ex->se_p, SQP_UUID);
	size_t i;

	for (i = 0; v != NULL && i < v->sp_g[0].sg_n && !ex->se_failed; i++)
		if (sq_follow(ex, v->sp_g[0].sg_v[i], 1, &sq_hasmember, EBRIM_SUBMISSIONSET,
		    NULL, 1) != 0)
			return -1;
	return 0;
}

/* Resolves the single entryUUID (UUIDP) or uniqueId (UIDP) parameter to the uuid of an
 * existing object of KIND, which it takes into the result when TAKE. *IDP is NULL when there
 * is none. 0 or -1. */
static int
sq_one(struct sq_exec *ex, enum sq_param uuidp, enum sq_param uidp, enum ebrim_kind kind,
    int take, char **idp)
{
	const char *v = sq_param_first(ex->se_p, uuidp);
	struct sq_obj o;
	int r;

	*idp = NULL;
	if (sq_resolve(ex, v != NULL ? v : sq_param_first(ex->se_p, uidp), v == NULL, kind,
	    idp) != 0)
		return -1;
	if (*idp == NULL)
		return 0;
	if ((r = sq_load(ex, *idp, &o)) == 0 && o.so_kind == kind) {
		if (!take)
			sq_obj_free(&o);
		else if (sq_take(ex, &o) != 0)
			r = -1;
		if (r == 0)
			return 0;
	}
	sq_obj_free(&o);
	free(*idp);
	*idp = NULL;
	return r < 0 ? -1 : 0;
}

int
sq_get_ss_and_contents(struct sq_exec *ex)
{
	char *id;
	int r = 0;

	if (sq_one(ex, SQP_SS_UUID, SQP_SS_UID, EBRIM_SUBMISSIONSET, 1, &id) != 0)
		return -1;
	if (id == NULL)
		return 0;
	if (sq_follow(ex, id, 0, &sq_hasmember, EBRIM_DOCUMENT, sq_de_match, 0) != 0 ||
	    sq_follow(ex, id, 0, &sq_hasmember, EBRIM_FOLDER, NULL, 0) != 0 ||
	    sq_assocs_between(ex, 1) != 0)
		r = -1;
	free(id);
	return r;
}

int
sq_get_folder_and_contents(struct sq_exec *ex)
{
	char *id;
	int r = 0;

	if (sq_one(ex, SQP_FD_UUID, SQP_FD_UID, EBRIM_FOLDER, 1, &id) != 0)
		return -1;
	if (id == NULL)
		return 0;
	if (sq_follow(ex, id, 0, &sq_hasmember, EBRIM_DOCUMENT, sq_de_match, 0) != 0 ||
	    sq_assocs_between(ex, 1) != 0)
		r = -1;
	free(id);
	return r;
}

int
sq_get_folders_for_doc(struct sq_exec *ex)
{
	char *id;
	int r = 0;

	if (sq_one(ex, SQP_DE_UUID, SQP_DE_UID, EBRIM_DOCUMENT, 0, &id) != 0)
		return -1;
	if (id != NULL && sq_follow(ex, id, 1, &sq_hasmember, EBRIM_FOLDER, NULL, 0) != 0)
		r = -1;
	free(id);
	return r;
}

int
sq_get_related(struct sq_exec *ex)
{
	const struct sq_value *types = sq_param_get(ex->se_p, SQP_ASSOC_TYPES);
	char *id;
	int r = 0;

	if (sq_one(ex, SQP_DE_UUID, SQP_DE_UID, EBRIM_DOCUMENT, 1, &id) != 0)
		return -1;
	if (id == NULL || types == NULL)
		goto done;
	if (sq_follow(ex, id, 0, &types->sp_g[0], EBRIM_DOCUMENT, sq_type_match, 1) != 0 ||
	    sq_follow(ex, id, 1, &types->sp_g[0], EBRIM_DOCUMENT, sq_type_match, 1) != 0)
		r = -1;
	/* The document itself is returned only with something related to it. */
	if (r == 0 && ex->se_n == 1) {
		sq_obj_free(&ex->se_obj[0]);
		ex->se_n = 0;
	}
done:
	free(id);
	return r;
}
