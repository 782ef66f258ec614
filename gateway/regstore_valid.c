/* gateway/regstore_valid: the ITI TF-3 §4.2 / ITI-42 checks of a submission before any
 * byte is written. Every problem becomes a RegistryError located at the object's id as
 * the submitter sent it (symbolic or urn:uuid), so that the submitter can find it. All
 * checks run even after a failure, so one answer lists every problem found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/regstore_int.h"

#define CODE_META	"XDSRegistryMetadataError"
#define CODE_PID	"XDSPatientIdDoesNotMatch"

#define rs_meta(errs, loc, ...)	rs_err((errs), CODE_META, (loc), __VA_ARGS__)

/* The end of an association, in the submission or in the registry. */
struct rs_ref {
	enum ebrim_kind	 r_kind;
	struct rs_obj	*r_obj;		/* in the submission, or NULL */
	char		*r_pid;		/* registry objects: their patient id */
	int		 r_approved;	/* registry objects: status is Approved */
};

static const char *
rs_pid_scheme(enum ebrim_kind kind)
{
	switch (kind) {
	case EBRIM_DOCUMENT: return UUID_DE_PATIENTID;
	case EBRIM_SUBMISSIONSET: return UUID_SS_PATIENTID;
	case EBRIM_FOLDER: return UUID_FD_PATIENTID;
	default: return "";
	}
}

static const char *
rs_ref_pid(const struct rs_ref *r)
{
	return r->r_obj != NULL ? r->r_obj->o_pid : r->r_pid;
}

/* Resolves ID: 0 found, 1 not found, -1 error. */
static int
rs_resolve(struct regstore *rs, MDB_txn *txn, struct rs_sub *sub, const char *id,
    struct rs_ref *r)
{
	struct regstore_obj obj;
	xmlDocPtr doc;
	xmlNodePtr root;
	char *st;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((r->r_obj = rs_sub_find(sub, id)) != NULL) {
		r->r_kind = r->r_obj->o_kind;
		r->r_approved = 1;
		return 0;
	}
	if (!ebrim_is_uuid_urn(id))
		return 1;	/* a symbolic id can only name an object of this submission */
	if ((rc = rs_get(rs, txn, id, &obj)) != 0)
		return rc;
	r->r_kind = obj.ro_kind;
	doc = rs_parse_fragment(obj.ro_xml, obj.ro_xmllen);
	if ((root = doc != NULL ? xmlDocGetRootElement(doc) : NULL) != NULL) {
		st = xml_attr(root, "status");
		r->r_approved = st != NULL && strcmp(st, STATUS_APPROVED) == 0;
		free(st);
		r->r_pid = ebrim_external_id(root, rs_pid_scheme(r->r_kind));
	}
	xmlFreeDoc(doc);
	regstore_obj_free(&obj);
	return root != NULL ? 0 : -1;
}

/* Counts the coded classifications SCHEME of O (NAME in messages): each needs a code and
 * a codingScheme slot, and there must be MIN..MAX of them (MAX 0 = unbounded). */
static void
rs_check_codes(const struct rs_obj *o, const char *scheme, const char *name, int min,
    int max, struct reg_errors *errs)
{
	xmlNodePtr c = NULL;
	char *code;
	int n = 0;

	while ((c = ebrim_classification(o->o_node, scheme, c)) != NULL) {
		n++;
		if ((code = ebrim_code_of(c)) == NULL)
			rs_meta(errs, o->o_id, "%s classification needs a nodeRepresentation and "
			    "a codingScheme slot", name);
		free(code);
	}
	if (n < min)
		rs_meta(errs, o->o_id, "%s (classificationScheme %s) is missing", name, scheme);
	else if (max > 0 && n > max)
		rs_meta(errs, o->o_id, "%s occurs %d times, at most %d allowed", name, n, max);
}

enum rs_fmt { RS_ANY, RS_DTM, RS_CX, RS_DIGITS };

static int
rs_fmt_ok(const char *v, enum rs_fmt fmt)
{
	switch (fmt) {
	case RS_DTM: return ebrim_is_dtm(v);
	case RS_CX: return ebrim_is_cx(v);
	case RS_DIGITS: return *v != '\0' && strspn(v, "0123456789") == strlen(v);
	default: return *v != '\0';
	}
}

/* Checks slot NAME of O: REQUIRED or not, exactly one value of format FMT. */
static void
rs_check_slot(const struct rs_obj *o, const char *name, int required, enum rs_fmt fmt,
    struct reg_errors *errs)
{
	static const char *const what[] = { "a value", "a DTM", "a CX id^^^&OID&ISO",
	    "a decimal number" };
	char **v = ebrim_slot_values(o->o_node, name);

	if (v == NULL) {
		if (required)
			rs_meta(errs, o->o_id, "slot %s is missing", name);
		return;
	}
	if (v[0] == NULL || v[1] != NULL)
		rs_meta(errs, o->o_id, "slot %s must have exactly one value", name);
	else if (!rs_fmt_ok(v[0], fmt))
		rs_meta(errs, o->o_id, "slot %s value '%.64s' is not %s", name, v[0], what[fmt]);
	ebrim_strv_free(v);
}

/* Nested Classifications and ExternalIdentifiers may only be about their parent. */
static void
rs_check_nested(const struct rs_obj *o, struct reg_errors *errs)
{
	xmlNodePtr c;
	char *ref;

	for (c = xml_child(o->o_node, NS_RIM, NULL); c != NULL; c = xml_next(c, NS_RIM, NULL)) {
		if (xml_is(c, NS_RIM, "Classification"))
			ref = xml_attr(c, "classifiedObject");
		else if (xml_is(c, NS_RIM, "ExternalIdentifier"))
			ref = xml_attr(c, "registryObject");
		else
			continue;
		if (ref != NULL && strcmp(ref, o->o_id) != 0)
			rs_meta(errs, o->o_id, "nested %s refers to %.64s instead of its parent",
			    (const char *)c->name, ref);
		free(ref);
	}
}

/* Checks patientId (present, CX, equal to the SubmissionSet's) and uniqueId format. */
static void
rs_check_ids(const struct rs_sub *sub, const struct rs_obj *o, const char *what,
    struct reg_errors *errs)
{
	const char *caret = o->o_uid != NULL ? strchr(o->o_uid, '^') : NULL;
	char root[80];

	if (o->o_pid == NULL)
		rs_meta(errs, o->o_id, "%s.patientId is missing", what);
	else if (!ebrim_is_cx(o->o_pid) || strlen(o->o_pid) > RS_MAX_KEYTEXT)
		rs_meta(errs, o->o_id, "%s.patientId '%.64s' is not a CX id^^^&OID&ISO", what,
		    o->o_pid);
	else if (sub->s_ss != NULL && o != sub->s_ss && sub->s_ss->o_pid != NULL &&
	    strcmp(o->o_pid, sub->s_ss->o_pid) != 0)
		rs_err(errs, CODE_PID, o->o_id, "%s.patientId '%.64s' differs from the "
		    "SubmissionSet's '%.64s'", what, o->o_pid, sub->s_ss->o_pid);
	if (o->o_uid == NULL) {
		rs_meta(errs, o->o_id, "%s.uniqueId is missing", what);
		return;
	}
	/* A DocumentEntry's uniqueId may be OID^extension (extension <= 16 chars). */
	snprintf(root, sizeof(root), "%.*s", caret != NULL ? (int)(caret - o->o_uid) : 79,
	    o->o_uid);
	if (!ebrim_is_oid(root) || (caret != NULL && (o->o_kind != EBRIM_DOCUMENT ||
	    caret[1] == '\0' || strlen(caret + 1) > 16 || strpbrk(caret + 1, "^ \t\r\n"))))
		rs_meta(errs, o->o_id, "%s.uniqueId '%.80s' is not an OID%s", what, o->o_uid,
		    o->o_kind == EBRIM_DOCUMENT ? " or OID^extension" : "");
}

static void
rs_check_document(const struct rs_sub *sub, struct rs_obj *o, struct reg_errors *errs)
{
	char *ot = xml_attr(o->o_node, "objectType"), *mime = xml_attr(o->o_node, "mimeType");
	char **refs = ebrim_slot_values(o->o_node, RS_SLOT_REFIDLIST);
	size_t i;

	if (ot == NULL || (strcmp(ot, UUID_DE_STABLE) != 0 && strcmp(ot, UUID_DE_ONDEMAND) != 0))
		rs_meta(errs, o->o_id, "objectType must be the stable or on-demand "
		    "DocumentEntry type");
	o->o_ondemand = ot != NULL && strcmp(ot, UUID_DE_ONDEMAND) == 0;
	if (mime == NULL || *mime == '\0' || strlen(mime) >= 128 || !strchr(mime, '/'))
		rs_meta(errs, o->o_id, "mimeType is missing or not a MIME type");
	rs_check_ids(sub, o, "XDSDocumentEntry", errs);
	rs_check_codes(o, UUID_DE_CLASSCODE, "classCode", 1, 1, errs);
	rs_check_codes(o, UUID_DE_TYPECODE, "typeCode", 1, 1, errs);
	rs_check_codes(o, UUID_DE_FORMATCODE, "formatCode", 1, 1, errs);
	rs_check_codes(o, UUID_DE_CONFCODE, "confidentialityCode", 1, 0, errs);
	rs_check_codes(o, UUID_DE_HCFTYPECODE, "healthcareFacilityTypeCode", 1, 1, errs);
	rs_check_codes(o, UUID_DE_PRACTICECODE, "practiceSettingCode", 1, 1, errs);
	rs_check_codes(o, UUID_DE_EVENTCODE, "eventCodeList", 0, 0, errs);
	rs_check_slot(o, "creationTime", 1, RS_DTM, errs);
	rs_check_slot(o, "languageCode", 1, RS_ANY, errs);
	rs_check_slot(o, "sourcePatientId", 1, RS_CX, errs);
	rs_check_slot(o, "serviceStartTime", 0, RS_DTM, errs);
	rs_check_slot(o, "serviceStopTime", 0, RS_DTM, errs);
	rs_check_slot(o, "size", 0, RS_DIGITS, errs);
	rs_check_slot(o, "hash", 0, RS_ANY, errs);
	for (i = 0; refs != NULL && refs[i] != NULL; i++)
		if (strlen(refs[i]) > RS_MAX_KEYTEXT)
			rs_meta(errs, o->o_id, "referenceIdList value is longer than %d bytes",
			    RS_MAX_KEYTEXT);
	rs_check_nested(o, errs);
	ebrim_strv_free(refs);
	free(ot);
	free(mime);
}

static void
rs_check_package(const struct rs_sub *sub, struct rs_obj *o, struct reg_errors *errs)
{
	char *src;

	if (o->o_kind == EBRIM_SUBMISSIONSET) {
		rs_check_ids(sub, o, "XDSSubmissionSet", errs);
		rs_check_slot(o, "submissionTime", 1, RS_DTM, errs);
		rs_check_codes(o, UUID_SS_CONTENTTYPE, "contentTypeCode", 1, 1, errs);
		if ((src = ebrim_external_id(o->o_node, UUID_SS_SOURCEID)) == NULL ||
		    !ebrim_is_oid(src))
			rs_meta(errs, o->o_id, "XDSSubmissionSet.sourceId is missing or not "
			    "an OID");
		free(src);
	} else {
		rs_check_ids(sub, o, "XDSFolder", errs);
		rs_check_codes(o, UUID_FD_CODELIST, "codeList", 1, 0, errs);
	}
	rs_check_nested(o, errs);
}

/* HasMember: from this submission's SubmissionSet (to DocumentEntries with a
 * SubmissionSetStatus, Folders, Associations) or from a Folder to DocumentEntries. */
static void
rs_check_member(struct rs_sub *sub, const struct rs_obj *a, const struct rs_ref *s,
    const struct rs_ref *t, struct reg_errors *errs)
{
	char *st;

	if (s->r_kind == EBRIM_FOLDER) {
		if (t->r_kind != EBRIM_DOCUMENT)
			rs_meta(errs, a->o_id, "a Folder can only have DocumentEntries as members");
		else if (rs_ref_pid(s) != NULL && rs_ref_pid(t) != NULL &&
		    strcmp(rs_ref_pid(s), rs_ref_pid(t)) != 0)
			rs_err(errs, CODE_PID, a->o_id, "Folder patientId '%.64s' differs "
			    "from its member's '%.64s'", rs_ref_pid(s), rs_ref_pid(t));
		return;
	}
	if (s->r_kind != EBRIM_SUBMISSIONSET) {
		rs_meta(errs, a->o_id, "HasMember must come from a SubmissionSet or a Folder");
		return;
	}
	if (s->r_obj == NULL || s->r_obj != sub->s_ss) {
		rs_meta(errs, a->o_id, "HasMember from a SubmissionSet of another submission");
		return;
	}
	if (t->r_obj != NULL)
		t->r_obj->o_in_ss = 1;
	if (t->r_kind == EBRIM_SUBMISSIONSET) {
		rs_meta(errs, a->o_id, "a SubmissionSet cannot contain a SubmissionSet");
		return;
	}
	if (t->r_kind != EBRIM_DOCUMENT)
		return;
	st = ebrim_slot_first(a->o_node, "SubmissionSetStatus");
	if (st == NULL || (strcmp(st, "Original") != 0 && strcmp(st, "Reference") != 0))
		rs_meta(errs, a->o_id, "HasMember from the SubmissionSet to a DocumentEntry "
		    "needs a SubmissionSetStatus slot of Original or Reference");
	else if (strcmp(st, "Original") == 0 && t->r_obj == NULL)
		rs_meta(errs, a->o_id, "SubmissionSetStatus Original names a DocumentEntry "
		    "that is not in this submission");
	else if (strcmp(st, "Reference") == 0 && t->r_obj != NULL)
		rs_meta(errs, a->o_id, "SubmissionSetStatus Reference names a DocumentEntry "
		    "of this submission");
	free(st);
}

static int
rs_depr_add(struct rs_sub *sub, const char *id)
{
	char **p;
	size_t i;

	for (i = 0; i < sub->s_ndepr; i++)
		if (strcmp(sub->s_depr[i], id) == 0)
			return 0;
	if ((p = reallocarray(sub->s_depr, sub->s_ndepr + 1, sizeof(*p))) == NULL)
		return -1;
	sub->s_depr = p;
	if ((p[sub->s_ndepr] = str_dup(id)) == NULL)
		return -1;
	sub->s_ndepr++;
	return 0;
}

/* RPLC, XFRM, APND, XFRM_RPLC, signs: from a new DocumentEntry to one in the registry,
 * which must be Approved and of the same patient; a replaced one becomes Deprecated. */
static int
rs_check_relation(struct rs_sub *sub, const struct rs_obj *a, const char *type,
    const char *tgt, const struct rs_ref *s, const struct rs_ref *t, struct reg_errors *errs)
{
	const char *name = strrchr(type, ':') + 1;

	if (s->r_obj == NULL || s->r_kind != EBRIM_DOCUMENT) {
		rs_meta(errs, a->o_id, "the source of %s must be a DocumentEntry of this "
		    "submission", name);
		return 0;
	}
	if (t->r_kind != EBRIM_DOCUMENT) {
		rs_meta(errs, a->o_id, "the target of %s must be a DocumentEntry", name);
		return 0;
	}
	if (strcmp(type, ASSOC_SIGNS) == 0)
		return 0;
	if (t->r_obj != NULL) {
		rs_meta(errs, a->o_id, "the target of %s must be a DocumentEntry already in "
		    "the registry", name);
		return 0;
	}
	if (!t->r_approved) {
		rs_err(errs, "XDSRegistryDeprecatedDocumentError", a->o_id,
		    "%s targets DocumentEntry %.64s, which is not Approved", name, tgt);
		return 0;
	}
	if (rs_ref_pid(s) != NULL && rs_ref_pid(t) != NULL &&
	    strcmp(rs_ref_pid(s), rs_ref_pid(t)) != 0) {
		rs_err(errs, CODE_PID, a->o_id, "%s: patientId '%.64s' differs from "
		    "the target's '%.64s'", name, rs_ref_pid(s), rs_ref_pid(t));
		return 0;
	}
	if (strcmp(type, ASSOC_RPLC) == 0 || strcmp(type, ASSOC_XFRM_RPLC) == 0)
		return rs_depr_add(sub, tgt);
	return 0;
}

static int
rs_check_assoc(struct regstore *rs, MDB_txn *txn, struct rs_sub *sub, const struct rs_obj *a,
    struct reg_errors *errs)
{
	char *type = xml_attr(a->o_node, "associationType");
	char *src = xml_attr(a->o_node, "sourceObject");
	char *tgt = xml_attr(a->o_node, "targetObject");
	struct rs_ref s, t;
	int rcs = 1, rct = 1, ret = -1;

	memset(&s, 0, sizeof(s));
	memset(&t, 0, sizeof(t));
	if (type == NULL || src == NULL || tgt == NULL) {
		rs_meta(errs, a->o_id, "Association needs associationType, sourceObject and "
		    "targetObject");
		ret = 0;
		goto done;
	}
	if ((rcs = rs_resolve(rs, txn, sub, src, &s)) == -1 ||
	    (rct = rs_resolve(rs, txn, sub, tgt, &t)) == -1)
		goto done;
	if (rcs == 1)
		rs_err(errs, "UnresolvedReferenceException", a->o_id, "sourceObject "
		    "%.64s is neither in this submission nor in the registry", src);
	if (rct == 1)
		rs_err(errs, "UnresolvedReferenceException", a->o_id, "targetObject "
		    "%.64s is neither in this submission nor in the registry", tgt);
	ret = 0;
	if (rcs != 0 || rct != 0)
		goto done;
	if (strcmp(type, ASSOC_HASMEMBER) == 0)
		rs_check_member(sub, a, &s, &t, errs);
	else if (strcmp(type, ASSOC_RPLC) == 0 || strcmp(type, ASSOC_XFRM) == 0 ||
	    strcmp(type, ASSOC_APND) == 0 || strcmp(type, ASSOC_XFRM_RPLC) == 0 ||
	    strcmp(type, ASSOC_SIGNS) == 0)
		ret = rs_check_relation(sub, a, type, tgt, &s, &t, errs);
	else
		rs_meta(errs, a->o_id, "associationType %.80s is not supported", type);
done:
	free(s.r_pid);
	free(t.r_pid);
	free(type);
	free(src);
	free(tgt);
	return ret;
}

/* Pairs each offered document with its ExtrinsicObject, both ways. */
static void
rs_check_contents(struct rs_sub *sub, const struct regstore_content *docs, size_t ndocs,
    struct reg_errors *errs)
{
	struct rs_obj *o;
	size_t i;

	for (i = 0; i < ndocs; i++) {
		o = rs_sub_find(sub, docs[i].rc_entry_id);
		if (o == NULL || o->o_kind != EBRIM_DOCUMENT)
			rs_err(errs, "XDSMissingDocumentMetadata", docs[i].rc_entry_id,
			    "a document was given for %.64s, which is not a DocumentEntry of "
			    "this submission", docs[i].rc_entry_id ? docs[i].rc_entry_id : "no id");
		else if (o->o_content != NULL)
			rs_meta(errs, o->o_id, "more than one document for this DocumentEntry");
		else
			o->o_content = &docs[i];
	}
	for (i = 0; i < sub->s_nobj; i++) {
		o = &sub->s_obj[i];
		if (o->o_kind == EBRIM_DOCUMENT && o->o_content == NULL)
			rs_err(errs, "XDSMissingDocument", o->o_id, "DocumentEntry "
			    "%.80s has no document", o->o_uid ? o->o_uid : o->o_id);
	}
}

/* A DocumentEntry uniqueId already registered: XDS tells a changed document (hash,
 * size) apart from a plain resubmission; both are refused. */
static int
rs_check_dup_doc(struct regstore *rs, MDB_txn *txn, const struct rs_obj *o,
    struct reg_errors *errs)
{
	struct regstore_docinfo old, now;
	int rc;

	memset(&now, 0, sizeof(now));
	if (rs_doc_info_get(rs, txn, o->o_uid, &old) == -1)
		return -1;
	if (o->o_content != NULL && rs_doc_stream(rs, NULL, o->o_uid, o->o_content, &now,
	    &rc) == -1)
		return -1;
	if (o->o_content != NULL && strcmp(now.rd_sha1, old.rd_sha1) != 0)
		rs_err(errs, "XDSNonIdenticalHash", o->o_id, "document %.80s is already "
		    "registered with a different hash", o->o_uid);
	else if (o->o_content != NULL && now.rd_size != old.rd_size)
		rs_err(errs, "XDSNonIdenticalSize", o->o_id, "document %.80s is already "
		    "registered with a different size", o->o_uid);
	else
		rs_err(errs, "XDSDuplicateUniqueIdInRegistry", o->o_id, "document "
		    "%.80s is already registered", o->o_uid);
	return 0;
}

/* uniqueIds: unique within the submission and new to the registry; urn:uuid ids too. */
static int
rs_check_unique(struct regstore *rs, MDB_txn *txn, struct rs_sub *sub,
    struct reg_errors *errs)
{
	uint8_t key[RS_MAX_KEYTEXT + 1];
	struct rs_obj *o;
	size_t i, j, n;
	MDB_val v;
	int rc;

	for (i = 0; i < sub->s_nobj; i++) {
		o = &sub->s_obj[i];
		if (ebrim_is_uuid_urn(o->o_id) && (rc = store_get(txn, RS_DBI(rs, RS_ID2OBJ),
		    o->o_id, strlen(o->o_id), &v)) != MDB_NOTFOUND) {
			if (rc != 0)
				return -1;
			rs_meta(errs, o->o_id, "id is already used by an object in the registry");
		}
		if (o->o_uid == NULL || (n = strlen(o->o_uid)) > RS_MAX_KEYTEXT)
			continue;
		for (j = 0; j < i; j++)
			if (sub->s_obj[j].o_uid != NULL && strcmp(sub->s_obj[j].o_uid, o->o_uid) == 0)
				break;
		if (j < i) {
			rs_err(errs, "XDSRegistryDuplicateUniqueIdInMessage", o->o_id,
			    "uniqueId %.80s is used more than once in the submission", o->o_uid);
			continue;
		}
		key[0] = (uint8_t)o->o_kind;
		memcpy(key + 1, o->o_uid, n);
		rc = store_get(txn, RS_DBI(rs, RS_UID2ID), key, n + 1, &v);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return -1;
		if (rc == 0 && o->o_kind == EBRIM_DOCUMENT) {
			if (rs_check_dup_doc(rs, txn, o, errs) == -1)
				return -1;
		} else if (rc == 0) {
			rs_err(errs, "XDSDuplicateUniqueIdInRegistry", o->o_id, "uniqueId "
			    "%.80s is already used by a %s in the registry", o->o_uid,
			    o->o_kind == EBRIM_FOLDER ? "Folder" : "SubmissionSet");
		}
	}
	return 0;
}

int
rs_validate(struct regstore *rs, MDB_txn *txn, struct rs_sub *sub,
    const struct regstore_content *docs, size_t ndocs, struct reg_errors *errs)
{
	struct rs_obj *o;
	size_t i, nss = 0;

	for (i = 0; i < sub->s_nobj; i++) {
		o = &sub->s_obj[i];
		if (o->o_kind == EBRIM_SUBMISSIONSET && ++nss > 1)
			rs_meta(errs, o->o_id, "a submission has exactly one SubmissionSet");
		if (o->o_kind == EBRIM_DOCUMENT)
			rs_check_document(sub, o, errs);
		else if (o->o_kind == EBRIM_SUBMISSIONSET || o->o_kind == EBRIM_FOLDER)
			rs_check_package(sub, o, errs);
	}
	if (nss == 0)
		rs_meta(errs, NULL, "the submission has no SubmissionSet");
	for (i = 0; i < sub->s_nobj; i++)
		if (sub->s_obj[i].o_kind == EBRIM_ASSOCIATION &&
		    rs_check_assoc(rs, txn, sub, &sub->s_obj[i], errs) == -1)
			return -1;
	for (i = 0; i < sub->s_nobj; i++) {
		o = &sub->s_obj[i];
		if ((o->o_kind == EBRIM_DOCUMENT || o->o_kind == EBRIM_FOLDER) && !o->o_in_ss)
			rs_meta(errs, o->o_id, "no HasMember Association from the SubmissionSet "
			    "reaches this %s", o->o_kind == EBRIM_FOLDER ? "Folder" :
			    "DocumentEntry");
	}
	rs_check_contents(sub, docs, ndocs, errs);
	if (rs_check_unique(rs, txn, sub, errs) == -1)
		return -1;
	if (rs->rs_pid_known != NULL && sub->s_ss != NULL && sub->s_ss->o_pid != NULL &&
	    !rs->rs_pid_known(rs->rs_pid_arg, sub->s_ss->o_pid))
		rs_err(errs, "XDSUnknownPatientId", sub->s_ss->o_id, "patient %.64s is "
		    "not known to this community", sub->s_ss->o_pid);
	return 0;
}
