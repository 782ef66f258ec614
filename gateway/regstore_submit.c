/* gateway/regstore_submit: one ITI-41 / import submission, from request to committed
 * write transaction. The request is copied first so that the edits (fresh uuids, status,
 * registry-computed slots) never touch the caller's tree. The checks themselves are in
 * regstore_valid.c. */
#include "gateway/regstore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/str.h"
#include "common/xml.h"
#include "gateway/regstore_int.h"

/* Attributes that hold (or reference) an object id: where symbolic ids are replaced. */
static const char *const rs_ref_attrs[] = {
	"id", "lid", "sourceObject", "targetObject", "classifiedObject", "registryObject"
};

void
rs_sub_free(struct rs_sub *sub)
{
	size_t i;

	for (i = 0; i < sub->s_nobj; i++) {
		free(sub->s_obj[i].o_id);
		free(sub->s_obj[i].o_uuid);
		free(sub->s_obj[i].o_uid);
		free(sub->s_obj[i].o_pid);
	}
	free(sub->s_obj);
	for (i = 0; i < sub->s_nmap; i++) {
		free(sub->s_map[i].m_from);
		free(sub->s_map[i].m_to);
	}
	free(sub->s_map);
	for (i = 0; i < sub->s_ndepr; i++)
		free(sub->s_depr[i]);
	free(sub->s_depr);
	xmlFreeDoc(sub->s_doc);
	memset(sub, 0, sizeof(*sub));
}

struct rs_obj *
rs_sub_find(const struct rs_sub *sub, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < sub->s_nobj; i++)
		if (strcmp(sub->s_obj[i].o_id, id) == 0)
			return &sub->s_obj[i];
	return NULL;
}

static int
rs_map_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rs_idmap *)a)->m_from, ((const struct rs_idmap *)b)->m_from);
}

static const char *
rs_map_get(const struct rs_sub *sub, const char *from)
{
	struct rs_idmap k, *m;

	k.m_from = (char *)(uintptr_t)from;
	m = bsearch(&k, sub->s_map, sub->s_nmap, sizeof(k), rs_map_cmp);
	return m != NULL ? m->m_to : NULL;
}

/* Records the id of NODE in the map (symbolic ids get a fresh urn:uuid); a nested
 * object without an id gets one, since ebRIM requires it. */
static int
rs_map_node(struct rs_sub *sub, xmlNodePtr node)
{
	char uuid[64], *id;
	struct rs_idmap *m;
	int ret = -1;

	if ((id = xml_attr(node, "id")) == NULL || *id == '\0') {
		free(id);
		if (str_uuid_urn(uuid, sizeof(uuid)) == -1)
			return -1;
		return xmlSetProp(node, XC("id"), XC(uuid)) != NULL ? 0 : -1;
	}
	if ((m = reallocarray(sub->s_map, sub->s_nmap + 1, sizeof(*m))) == NULL)
		goto done;
	sub->s_map = m;
	m = &sub->s_map[sub->s_nmap];
	if (!ebrim_is_uuid_urn(id) && str_uuid_urn(uuid, sizeof(uuid)) == -1)
		goto done;
	m->m_to = str_dup(ebrim_is_uuid_urn(id) ? id : uuid);
	m->m_from = id;
	if (m->m_to == NULL)
		goto done;
	id = NULL;
	sub->s_nmap++;
	ret = 0;
done:
	free(id);
	return ret;
}

static int
rs_map_tree(struct rs_sub *sub, xmlNodePtr node)
{
	xmlNodePtr c;

	for (c = xml_child(node, NULL, NULL); c != NULL; c = xml_next(c, NULL, NULL)) {
		/* only identifiable objects carry ids; Slot, Name, ValueList ... do not */
		if (!xml_is(c, NS_RIM, "ExtrinsicObject") && !xml_is(c, NS_RIM, "RegistryPackage") &&
		    !xml_is(c, NS_RIM, "Association") && !xml_is(c, NS_RIM, "Classification") &&
		    !xml_is(c, NS_RIM, "ExternalIdentifier") && !xml_is(c, NS_RIM, "ObjectRef"))
			continue;
		if (rs_map_node(sub, c) == -1 || rs_map_tree(sub, c) == -1)
			return -1;
	}
	return 0;
}

static int
rs_map_build(struct rs_sub *sub, struct reg_errors *errs)
{
	size_t i;

	if (rs_map_tree(sub, sub->s_list) == -1)
		return -1;
	if (sub->s_nmap > 1)
		qsort(sub->s_map, sub->s_nmap, sizeof(*sub->s_map), rs_map_cmp);
	for (i = 1; i < sub->s_nmap; i++)
		if (strcmp(sub->s_map[i - 1].m_from, sub->s_map[i].m_from) == 0)
			rs_err(errs, "XDSRegistryMetadataError", sub->s_map[i].m_from,
			    "id is used by more than one object of the submission");
	return 0;
}

/* Moves a top-level Classification or ExternalIdentifier into the object it is about, so
 * that each stored fragment carries all of its metadata (e.g. the SubmissionSet node). */
static void
rs_adopt(struct rs_sub *sub, xmlNodePtr node, struct reg_errors *errs)
{
	int is_cl = xml_is(node, NS_RIM, "Classification");
	char *id = xml_attr(node, "id");
	char *target = xml_attr(node, is_cl ? "classifiedObject" : "registryObject");
	struct rs_obj *o = rs_sub_find(sub, target);
	xmlNodePtr before;

	if (o == NULL) {
		rs_err(errs, "UnresolvedReferenceException", id,
		    "%s refers to %.64s, which is not an object of this submission",
		    is_cl ? "Classification" : "ExternalIdentifier", target ? target : "nothing");
		goto done;
	}
	xmlUnlinkNode(node);
	/* schema order: ... Classification*, ExternalIdentifier* */
	before = is_cl ? xml_child(o->o_node, NS_RIM, "ExternalIdentifier") : NULL;
	if (before != NULL)
		xmlAddPrevSibling(before, node);
	else
		xmlAddChild(o->o_node, node);
done:
	free(id);
	free(target);
}

static int
rs_add_obj(struct rs_sub *sub, xmlNodePtr node, struct reg_errors *errs)
{
	struct rs_obj *o;
	char *id = xml_attr(node, "id");

	if (id == NULL || *id == '\0') {
		free(id);
		rs_err(errs, "XDSRegistryMetadataError", NULL,
		    "a %s has no id", (const char *)node->name);
		return 0;
	}
	if ((o = reallocarray(sub->s_obj, sub->s_nobj + 1, sizeof(*o))) == NULL) {
		free(id);
		return -1;
	}
	sub->s_obj = o;
	o = &sub->s_obj[sub->s_nobj++];
	memset(o, 0, sizeof(*o));
	o->o_node = node;
	o->o_id = id;
	return 0;
}

/* Fills kind, uniqueId and patientId of every object once the tree is in final shape. */
static void
rs_describe(struct rs_sub *sub, struct reg_errors *errs)
{
	static const char *const uid_scheme[] = {
		[EBRIM_DOCUMENT] = UUID_DE_UNIQUEID, [EBRIM_SUBMISSIONSET] = UUID_SS_UNIQUEID,
		[EBRIM_FOLDER] = UUID_FD_UNIQUEID
	};
	static const char *const pid_scheme[] = {
		[EBRIM_DOCUMENT] = UUID_DE_PATIENTID, [EBRIM_SUBMISSIONSET] = UUID_SS_PATIENTID,
		[EBRIM_FOLDER] = UUID_FD_PATIENTID
	};
	struct rs_obj *o;
	size_t i;

	for (i = 0; i < sub->s_nobj; i++) {
		o = &sub->s_obj[i];
		o->o_kind = ebrim_kind_of(o->o_node, NULL);
		if (o->o_kind == EBRIM_OTHER) {
			rs_err(errs, "XDSRegistryMetadataError", o->o_id,
			    "RegistryPackage is classified neither as SubmissionSet nor as Folder");
			continue;
		}
		if (o->o_kind == EBRIM_ASSOCIATION)
			continue;
		o->o_uid = ebrim_external_id(o->o_node, uid_scheme[o->o_kind]);
		o->o_pid = ebrim_external_id(o->o_node, pid_scheme[o->o_kind]);
		if (o->o_kind == EBRIM_SUBMISSIONSET)
			sub->s_ss = sub->s_ss == NULL ? o : sub->s_ss;
	}
}

int
rs_sub_load(struct rs_sub *sub, const xmlNode *sor, struct reg_errors *errs)
{
	xmlNodePtr root, c, next;

	memset(sub, 0, sizeof(*sub));
	if (!xml_is(sor, NS_LCM, "SubmitObjectsRequest")) {
		rs_err(errs, "XDSRegistryMetadataError", NULL,
		    "request is not an lcm:SubmitObjectsRequest");
		return -1;
	}
	if ((sub->s_doc = xmlNewDoc(XC("1.0"))) == NULL ||
	    (root = xmlDocCopyNode((xmlNodePtr)(uintptr_t)sor, sub->s_doc, 1)) == NULL)
		return -1;
	xmlDocSetRootElement(sub->s_doc, root);
	if ((sub->s_list = xml_child(root, NS_RIM, "RegistryObjectList")) == NULL) {
		rs_err(errs, "XDSRegistryMetadataError", NULL,
		    "SubmitObjectsRequest has no rim:RegistryObjectList");
		return -1;
	}
	for (c = xml_child(sub->s_list, NULL, NULL); c != NULL; c = xml_next(c, NULL, NULL)) {
		if (xml_is(c, NS_RIM, "ExtrinsicObject") || xml_is(c, NS_RIM, "RegistryPackage") ||
		    xml_is(c, NS_RIM, "Association")) {
			if (rs_add_obj(sub, c, errs) == -1)
				return -1;
		} else if (!xml_is(c, NS_RIM, "Classification") &&
		    !xml_is(c, NS_RIM, "ExternalIdentifier") && !xml_is(c, NS_RIM, "ObjectRef")) {
			rs_err(errs, "XDSRegistryMetadataError", NULL,
			    "unsupported object %.64s in RegistryObjectList",
			    (const char *)c->name);
		}
	}
	for (c = xml_child(sub->s_list, NULL, NULL); c != NULL; c = next) {
		next = xml_next(c, NULL, NULL);
		if (xml_is(c, NS_RIM, "Classification") || xml_is(c, NS_RIM, "ExternalIdentifier"))
			rs_adopt(sub, c, errs);
	}
	rs_describe(sub, errs);
	return rs_map_build(sub, errs);
}

/* Replaces every reference to a submitted id by its final urn:uuid. */
static int
rs_remap(const struct rs_sub *sub, xmlNodePtr node)
{
	xmlNodePtr c;
	const char *to;
	char *v;
	size_t i;

	for (i = 0; i < sizeof(rs_ref_attrs) / sizeof(rs_ref_attrs[0]); i++) {
		if ((v = xml_attr(node, rs_ref_attrs[i])) == NULL)
			continue;
		to = rs_map_get(sub, v);
		free(v);
		if (to != NULL && xmlSetProp(node, XC(rs_ref_attrs[i]), XC(to)) == NULL)
			return -1;
	}
	for (c = xml_child(node, NULL, NULL); c != NULL; c = xml_next(c, NULL, NULL))
		if (rs_remap(sub, c) == -1)
			return -1;
	return 0;
}

/* Sets slot NAME of OBJ to the single VALUE, replacing any slot of that name, keeping
 * the schema order (Slot* first). */
static int
rs_slot_set(xmlNodePtr obj, const char *name, const char *value)
{
	xmlNodePtr s, next, last = NULL, slot, vl;
	xmlChar *n;

	for (s = xml_child(obj, NS_RIM, "Slot"); s != NULL; s = next) {
		next = xml_next(s, NS_RIM, "Slot");
		n = xmlGetNoNsProp(s, XC("name"));
		if (n != NULL && strcmp((const char *)n, name) == 0) {
			xmlUnlinkNode(s);
			xmlFreeNode(s);
		} else {
			last = s;
		}
		xmlFree(n);
	}
	if ((slot = xmlNewDocNode(obj->doc, obj->ns, XC("Slot"), NULL)) == NULL)
		return -1;
	if (xmlNewProp(slot, XC("name"), XC(name)) == NULL ||
	    (vl = xmlNewChild(slot, obj->ns, XC("ValueList"), NULL)) == NULL ||
	    xmlNewTextChild(vl, obj->ns, XC("Value"), XC(value)) == NULL) {
		xmlFreeNode(slot);
		return -1;
	}
	if (last != NULL)
		xmlAddNextSibling(last, slot);
	else if (xml_child(obj, NULL, NULL) != NULL)
		xmlAddPrevSibling(xml_child(obj, NULL, NULL), slot);
	else
		xmlAddChild(obj, slot);
	return 0;
}

/* The registry's own edits: final ids, status Approved, lid, repositoryUniqueId and a
 * folder's lastUpdateTime. Size and hash follow once the bytes are stored. */
static int
rs_rewrite(struct rs_sub *sub, const char *repository_id)
{
	char now[16];
	struct tm tm;
	time_t t = time(NULL);
	struct rs_obj *o;
	size_t i;

	if (gmtime_r(&t, &tm) == NULL || strftime(now, sizeof(now), "%Y%m%d%H%M%S", &tm) == 0)
		return -1;
	if (rs_remap(sub, sub->s_list) == -1)
		return -1;
	for (i = 0; i < sub->s_nobj; i++) {
		o = &sub->s_obj[i];
		if ((o->o_uuid = str_dup(rs_map_get(sub, o->o_id))) == NULL)
			return -1;
		if (xmlSetProp(o->o_node, XC("status"), XC(STATUS_APPROVED)) == NULL)
			return -1;
		if (!xmlHasProp(o->o_node, XC("lid")) &&
		    xmlSetProp(o->o_node, XC("lid"), XC(o->o_uuid)) == NULL)
			return -1;
		if (o->o_kind == EBRIM_DOCUMENT &&
		    rs_slot_set(o->o_node, "repositoryUniqueId", repository_id) == -1)
			return -1;
		if (o->o_kind == EBRIM_FOLDER &&
		    rs_slot_set(o->o_node, "lastUpdateTime", now) == -1)
			return -1;
	}
	return 0;
}

/* Checks the size and hash slots of document O against its stored bytes and adds them
 * when absent (an on-demand entry has neither). */
static int
rs_doc_slots(struct rs_obj *o, struct reg_errors *errs)
{
	char *size = ebrim_slot_first(o->o_node, "size");
	char *hash = ebrim_slot_first(o->o_node, "hash");
	char buf[32];
	long long n;
	int ret = -1;

	if (size != NULL && (str_to_ll(size, 0, INT64_MAX, &n) == -1 ||
	    (uint64_t)n != o->o_info.rd_size)) {
		rs_err(errs, "XDSNonIdenticalSize", o->o_id,
		    "size slot of document %.80s is %.24s, the document has %llu bytes",
		    o->o_uid, size, (unsigned long long)o->o_info.rd_size);
		ret = 0;
	}
	if (hash != NULL && !str_eq_nocase(hash, o->o_info.rd_sha1)) {
		rs_err(errs, "XDSNonIdenticalHash", o->o_id,
		    "hash slot of document %.80s does not match the SHA-1 of its bytes (%s)",
		    o->o_uid, o->o_info.rd_sha1);
		ret = 0;
	}
	if (ret == 0)
		goto done;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)o->o_info.rd_size);
	if (!o->o_ondemand && ((size == NULL && rs_slot_set(o->o_node, "size", buf) == -1) ||
	    (hash == NULL && rs_slot_set(o->o_node, "hash", o->o_info.rd_sha1) == -1)))
		goto done;
	ret = 1;
done:
	free(size);
	free(hash);
	return ret;
}

/* Stores every document's bytes and info record and finishes its size/hash slots. */
static int
rs_write_docs(struct regstore *rs, MDB_txn *txn, struct rs_sub *sub, struct reg_errors *errs)
{
	struct rs_obj *o;
	char *mime;
	size_t i;
	int rc, r;

	for (i = 0; i < sub->s_nobj; i++) {
		o = &sub->s_obj[i];
		if (o->o_kind != EBRIM_DOCUMENT)
			continue;
		if (rs_doc_stream(rs, txn, o->o_uid, o->o_content, &o->o_info, &rc) == -1) {
			rs_store_error(errs, rc, o->o_id, "storing document content");
			return -1;
		}
		if ((r = rs_doc_slots(o, errs)) != 1)
			return -1;
		mime = xml_attr(o->o_node, "mimeType");
		str_copy(o->o_info.rd_mime, sizeof(o->o_info.rd_mime), mime ? mime : "");
		free(mime);
		if ((rc = rs_doc_info_put(rs, txn, o->o_uid, &o->o_info)) != 0 ||
		    (rc = rs_count_add(rs, txn, RS_META_CONTENTS, 1)) != 0) {
			rs_store_error(errs, rc, o->o_id, "storing document information");
			return -1;
		}
	}
	return 0;
}

/* Adds the index entries of object O (uniqueId, patient, association ends, reference
 * ids). Returns an LMDB code. */
static int
rs_index_obj(struct regstore *rs, MDB_txn *txn, const struct rs_obj *o)
{
	uint8_t key[RS_MAX_KEYTEXT + 1];
	char *src = NULL, *tgt = NULL, **refs = NULL;
	size_t n, i;
	int rc = 0;

	if (o->o_uid != NULL) {
		n = strlen(o->o_uid);
		key[0] = (uint8_t)o->o_kind;
		memcpy(key + 1, o->o_uid, n);
		if ((rc = store_put(txn, RS_DBI(rs, RS_UID2ID), key, n + 1, o->o_uuid,
		    strlen(o->o_uuid), MDB_NOOVERWRITE)) != 0)
			return rc;
	}
	if (o->o_pid != NULL) {
		n = strlen(o->o_pid);
		memcpy(key, o->o_pid, n);
		key[n] = (uint8_t)o->o_kind;
		if ((rc = store_put(txn, RS_DBI(rs, RS_PID2ID), key, n + 1, o->o_uuid,
		    strlen(o->o_uuid), 0)) != 0)
			return rc;
	}
	if (o->o_kind == EBRIM_ASSOCIATION) {
		src = xml_attr(o->o_node, "sourceObject");
		tgt = xml_attr(o->o_node, "targetObject");
		if (src == NULL || tgt == NULL)
			rc = EINVAL;
		else if ((rc = store_put(txn, RS_DBI(rs, RS_SRC2ASSOC), src, strlen(src),
		    o->o_uuid, strlen(o->o_uuid), 0)) == 0)
			rc = store_put(txn, RS_DBI(rs, RS_TGT2ASSOC), tgt, strlen(tgt),
			    o->o_uuid, strlen(o->o_uuid), 0);
	}
	if (o->o_kind == EBRIM_DOCUMENT)
		refs = ebrim_slot_values(o->o_node, RS_SLOT_REFIDLIST);
	for (i = 0; rc == 0 && refs != NULL && refs[i] != NULL; i++)
		if (*refs[i] != '\0')
			rc = store_put(txn, RS_DBI(rs, RS_REF2ID), refs[i], strlen(refs[i]),
			    o->o_uuid, strlen(o->o_uuid), 0);
	ebrim_strv_free(refs);
	free(src);
	free(tgt);
	return rc;
}

/* Stores VALUE as the record of object ID (kind byte + fragment). */
static int
rs_put_record(struct regstore *rs, MDB_txn *txn, const char *id, enum ebrim_kind kind,
    const char *xml, size_t len, unsigned int flags)
{
	uint8_t *v;
	int rc;

	if ((v = malloc(len + 1)) == NULL)
		return ENOMEM;
	v[0] = (uint8_t)kind;
	memcpy(v + 1, xml, len);
	rc = store_put(txn, RS_DBI(rs, RS_ID2OBJ), id, strlen(id), v, len + 1, flags);
	free(v);
	return rc;
}

static int
rs_write_objs(struct regstore *rs, MDB_txn *txn, struct rs_sub *sub, struct reg_errors *errs)
{
	struct rs_obj *o;
	char *xml;
	size_t i, len;
	int rc;

	for (i = 0; i < sub->s_nobj; i++) {
		o = &sub->s_obj[i];
		if ((xml = xml_dump_node(o->o_node, &len)) == NULL)
			return -1;
		rc = rs_put_record(rs, txn, o->o_uuid, o->o_kind, xml, len, MDB_NOOVERWRITE);
		free(xml);
		if (rc == 0)
			rc = rs_index_obj(rs, txn, o);
		if (rc == 0)
			rc = rs_count_add(rs, txn, (uint8_t)o->o_kind, 1);
		if (rc != 0) {
			rs_store_error(errs, rc, o->o_id, "storing registry objects");
			return -1;
		}
	}
	return 0;
}

/* Marks each DocumentEntry replaced by this submission Deprecated, in the same write
 * transaction as the replacement. */
static int
rs_deprecate(struct regstore *rs, MDB_txn *txn, struct rs_sub *sub, struct reg_errors *errs)
{
	struct regstore_obj obj;
	xmlDocPtr doc = NULL;
	char *xml = NULL;
	size_t i, len;
	int rc = 0, ret = -1;

	memset(&obj, 0, sizeof(obj));
	for (i = 0; i < sub->s_ndepr; i++) {
		if (rs_get(rs, txn, sub->s_depr[i], &obj) != 0)
			goto done;
		doc = rs_parse_fragment(obj.ro_xml, obj.ro_xmllen);
		if (doc == NULL || xmlSetProp(xmlDocGetRootElement(doc), XC("status"),
		    XC(STATUS_DEPRECATED)) == NULL ||
		    (xml = xml_dump_node(xmlDocGetRootElement(doc), &len)) == NULL)
			goto done;
		rc = rs_put_record(rs, txn, obj.ro_id, obj.ro_kind, xml, len, 0);
		regstore_obj_free(&obj);
		xmlFreeDoc(doc);
		doc = NULL;
		free(xml);
		xml = NULL;
		if (rc != 0) {
			rs_store_error(errs, rc, sub->s_depr[i],
			    "deprecating a replaced document");
			goto done;
		}
	}
	ret = 0;
done:
	if (ret == -1)
		regstore_obj_free(&obj);
	xmlFreeDoc(doc);
	free(xml);
	return ret;
}

int
regstore_submit(struct regstore *rs, xmlNodePtr sor,
    const struct regstore_content *docs, size_t ndocs, const char *repository_id,
    struct reg_errors *errs)
{
	struct rs_sub sub;
	MDB_txn *txn = NULL;
	size_t base = regerr_nerrors(errs);
	int rc, ret = -1;

	memset(&sub, 0, sizeof(sub));
	if (repository_id == NULL || !ebrim_is_oid(repository_id)) {
		rs_err(errs, "XDSRegistryError", NULL,
		    "the repository has no valid repositoryUniqueId configured");
		return -1;
	}
	if (rs_sub_load(&sub, sor, errs) == -1 || regerr_nerrors(errs) != base)
		goto done;
	if ((rc = store_begin(rs->rs_st, 0, &txn)) != 0) {
		rs_store_error(errs, rc, NULL, "starting the submission");
		goto done;
	}
	if (rs_validate(rs, txn, &sub, docs, ndocs, errs) == -1 ||
	    regerr_nerrors(errs) != base)
		goto done;
	if (rs_rewrite(&sub, repository_id) == -1 ||
	    rs_write_docs(rs, txn, &sub, errs) == -1 ||
	    rs_write_objs(rs, txn, &sub, errs) == -1 ||
	    rs_deprecate(rs, txn, &sub, errs) == -1)
		goto done;
	rc = store_commit(txn);
	txn = NULL;
	if (rc != 0) {
		rs_store_error(errs, rc, NULL, "committing the submission");
		goto done;
	}
	ret = 0;
done:
	store_abort(txn);	/* on any error: nothing of the submission is written */
	rs_sub_free(&sub);
	if (ret == -1 && regerr_nerrors(errs) == base)
		rs_err(errs, "XDSRegistryError", NULL,
		    "internal error while storing the submission");
	return ret;
}
