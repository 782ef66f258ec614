/* Unit tests for gateway/regstore (submission, validation, lookups, content chunks),
 * against a real LMDB environment in a temporary directory. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/regstore.h"

#include "tests/unit/sor_builder.h"

static char tmpdir[256], envdir[300];
static struct regstore *rs;

/* Submits S with the NC contents C and checks that the caller's tree was not edited.
 * Returns regstore_submit's result. */
static int
submit_c(const struct sub *s, const struct regstore_content *c, size_t nc,
    struct reg_errors *errs)
{
	char *xml = sub_xml(s), *before, *after;
	enum xml_err xerr;
	xmlDocPtr doc;
	int ret;

	doc = xml_parse_safe(xml, strlen(xml), NULL, &xerr);
	assert_non_null(doc);
	memset(errs, 0, sizeof(*errs));
	before = xml_dump_node(xmlDocGetRootElement(doc), NULL);
	ret = regstore_submit(rs, xmlDocGetRootElement(doc), c, nc, REPO, errs);
	after = xml_dump_node(xmlDocGetRootElement(doc), NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
	xmlFreeDoc(doc);
	free(xml);
	return ret;
}

/* Submits S with its default in-memory contents. */
static int
submit(const struct sub *s, struct reg_errors *errs)
{
	struct regstore_content c[3];
	char text[3][160];
	int i;

	memset(c, 0, sizeof(c));
	for (i = 0; i < s->ndocs; i++) {
		content_text(s, i, text[i], sizeof(text[i]));
		c[i].rc_entry_id = s->id[i];
		c[i].rc_data = (const uint8_t *)text[i];
		c[i].rc_len = strlen(text[i]);
	}
	return submit_c(s, c, (size_t)s->ndocs, errs);
}

static const struct reg_error *
find_err(const struct reg_errors *e, const char *code, const char *loc)
{
	size_t i;

	for (i = 0; i < e->rl_n; i++)
		if (strcmp(e->rl_err[i].re_code, code) == 0 && (loc == NULL ||
		    (e->rl_err[i].re_location && strcmp(e->rl_err[i].re_location, loc) == 0)))
			return &e->rl_err[i];
	return NULL;
}

/* Submits S and expects it to be stored. */
static void
submit_ok(const struct sub *s)
{
	struct reg_errors e;

	assert_int_equal(submit(s, &e), 0);
	assert_int_equal(e.rl_n, 0);
	regerr_clear(&e);
}

/* Submits S and expects refusal with error CODE at LOC. */
static void
submit_fails(const struct sub *s, const char *code, const char *loc)
{
	struct reg_errors e;
	size_t i;

	assert_int_equal(submit(s, &e), -1);
	for (i = 0; i < e.rl_n; i++)	/* rendered into XML: must stay valid UTF-8 */
		assert_true(xmlCheckUTF8((const xmlChar *)e.rl_err[i].re_context));
	if (find_err(&e, code, loc) == NULL)
		fail_msg("no %s at %s (first: %s at %s: %s)", code, loc, e.rl_n ?
		    e.rl_err[0].re_code : "-", e.rl_n && e.rl_err[0].re_location ?
		    e.rl_err[0].re_location : "-", e.rl_n ? e.rl_err[0].re_context : "-");
	regerr_clear(&e);
}

static void
sha1_hex(const void *data, size_t len, char out[41])
{
	static const char hx[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	assert_true(EVP_Digest(data, len, md, &n, EVP_sha1(), NULL));
	for (i = 0; i < n; i++) {
		out[2 * i] = hx[md[i] >> 4];
		out[2 * i + 1] = hx[md[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Reads object ID and parses its fragment standalone (caller frees). */
static xmlDocPtr
get_parsed(const char *id, enum ebrim_kind kind)
{
	struct regstore_obj o;
	enum xml_err xerr;
	xmlDocPtr d;

	assert_int_equal(regstore_get(rs, id, &o), 0);
	assert_int_equal(o.ro_kind, kind);
	assert_string_equal(o.ro_id, id);
	assert_int_equal(strlen(o.ro_xml), o.ro_xmllen);
	d = xml_parse_safe(o.ro_xml, o.ro_xmllen, NULL, &xerr);
	assert_non_null(d);
	assert_int_equal(ebrim_kind_of(xmlDocGetRootElement(d), NULL), kind);
	regstore_obj_free(&o);
	return d;
}


static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-regstore.XXXXXX", t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(envdir, sizeof(envdir), "%s/registry", tmpdir);
	rs = regstore_open(envdir, 64 * 1024 * 1024);
	return rs != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	regstore_close(rs);
	rs = NULL;
	return tmpdir_remove(tmpdir);
}

/* No id as written by the submitter survives in a stored fragment. */
static void
assert_no_symbolic(const char *id)
{
	static const char *const sym[] = { "\"Document0", "\"SubmissionSet0", "\"Folder01\"",
	    "\"as-", "\"cl-", "\"ei-", "\"cn-" };
	struct regstore_obj o;
	size_t i;

	assert_int_equal(regstore_get(rs, id, &o), 0);
	for (i = 0; i < sizeof(sym) / sizeof(sym[0]); i++)
		if (strstr(o.ro_xml, sym[i]) != NULL)
			fail_msg("%s still holds %s", id, sym[i]);
	regstore_obj_free(&o);
}

static void
assert_slot(const xmlNode *obj, const char *name, const char *want)
{
	char *v = ebrim_slot_first(obj, name);

	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void
check_document(const struct sub *s, const char *id, int i)
{
	xmlDocPtr d = get_parsed(id, EBRIM_DOCUMENT);
	xmlNodePtr root = xmlDocGetRootElement(d), c;
	char text[160], sha[41], num[32], *v;

	content_text(s, i, text, sizeof(text));
	sha1_hex(text, strlen(text), sha);
	snprintf(num, sizeof(num), "%zu", strlen(text));
	v = xml_attr(root, "status");
	assert_string_equal(v, STATUS_APPROVED);
	free(v);
	v = xml_attr(root, "id");
	assert_string_equal(v, id);
	free(v);
	assert_slot(root, "repositoryUniqueId", REPO);
	assert_slot(root, "hash", sha);
	assert_slot(root, "size", num);
	v = ebrim_external_id(root, UUID_DE_PATIENTID);
	assert_string_equal(v, s->pid);
	free(v);
	v = ebrim_name(root);
	snprintf(text, sizeof(text), "診療情報提供書 %d", i);
	assert_string_equal(v, text);
	free(v);
	for (c = xml_child(root, NS_RIM, NULL); c != NULL; c = xml_next(c, NS_RIM, NULL)) {
		if (!xml_is(c, NS_RIM, "Classification") && !xml_is(c, NS_RIM, "ExternalIdentifier"))
			continue;
		v = xml_attr(c, xml_is(c, NS_RIM, "Classification") ? "classifiedObject" :
		    "registryObject");
		assert_string_equal(v, id);
		free(v);
		v = xml_attr(c, "id");
		assert_true(ebrim_is_uuid_urn(v));
		free(v);
	}
	xmlFreeDoc(d);
	assert_no_symbolic(id);
}

/* Submits a valid set with 3 documents into the empty store and returns it in S. */
static void
submit_three(struct sub *s)
{
	struct regstore_stats st;
	struct reg_errors e;

	sub_init(s, 3);
	assert_int_equal(submit(s, &e), 0);
	assert_int_equal(e.rl_n, 0);
	regerr_clear(&e);
	assert_int_equal(regstore_stats(rs, &st), 0);
	assert_int_equal(st.rs_documents, 3);
	assert_int_equal(st.rs_submissionsets, 1);
	assert_int_equal(st.rs_folders, 1);
	assert_int_equal(st.rs_associations, 6);
	assert_int_equal(st.rs_contents, 3);
}

/* Returns the uuid of the only object of KIND for PID (malloc'd). */
static char *
only_of(const char *pid, enum ebrim_kind kind)
{
	struct regstore_ids ids;
	char *id;

	assert_int_equal(regstore_by_patient(rs, pid, kind, &ids), 0);
	assert_int_equal(ids.ri_n, 1);
	id = str_dup(ids.ri_id[0]);
	regstore_ids_free(&ids);
	return id;
}

static void
test_submit_documents(void **state)
{
	struct regstore_ids ids;
	struct sub s;
	char uid[96], *id;
	int i;

	(void)state;
	submit_three(&s);
	for (i = 0; i < 3; i++) {
		assert_int_equal(regstore_by_uid(rs, EBRIM_DOCUMENT, uid_of(&s, i + 1, uid,
		    sizeof(uid)), &id), 0);
		assert_true(ebrim_is_uuid_urn(id));	/* "Document0N" was replaced */
		check_document(&s, id, i);
		free(id);
	}
	assert_int_equal(regstore_by_patient(rs, PID, EBRIM_DOCUMENT, &ids), 0);
	assert_int_equal(ids.ri_n, 3);
	regstore_ids_free(&ids);
	assert_int_equal(regstore_by_patient(rs, PID2, EBRIM_DOCUMENT, &ids), 0);
	assert_int_equal(ids.ri_n, 0);
	regstore_ids_free(&ids);
	assert_int_equal(regstore_by_uid(rs, EBRIM_FOLDER, uid, &id), 1);	/* kind matters */
	assert_int_equal(regstore_get(rs, "urn:uuid:00000000-0000-0000-0000-000000000000",
	    &(struct regstore_obj){ 0 }), 1);
}

static void
test_submit_packages(void **state)
{
	struct sub s;
	char uid[96], *id, *v;
	xmlDocPtr d;

	(void)state;
	submit_three(&s);
	/* the folder: its own classification node, lastUpdateTime set by the registry */
	id = only_of(PID, EBRIM_FOLDER);
	d = get_parsed(id, EBRIM_FOLDER);
	v = ebrim_slot_first(xmlDocGetRootElement(d), "lastUpdateTime");
	assert_true(ebrim_is_dtm(v) && strlen(v) == 14);
	free(v);
	xmlFreeDoc(d);
	assert_no_symbolic(id);
	free(id);
	/* the set was classified by a sibling Classification: now inside its fragment */
	id = only_of(PID, EBRIM_SUBMISSIONSET);
	xmlFreeDoc(get_parsed(id, EBRIM_SUBMISSIONSET));
	assert_no_symbolic(id);
	snprintf(uid, sizeof(uid), "%s.100", s.base);
	assert_int_equal(regstore_by_uid(rs, EBRIM_SUBMISSIONSET, uid, &v), 0);
	assert_string_equal(v, id);
	free(v);
	free(id);
}

static void
test_submit_associations(void **state)
{
	struct regstore_ids ids, as;
	struct regstore_obj o;
	struct sub s;
	char uid[96], *id0, *ssid, *v;
	xmlDocPtr d;
	size_t i;

	(void)state;
	submit_three(&s);
	ssid = only_of(PID, EBRIM_SUBMISSIONSET);
	assert_int_equal(regstore_by_uid(rs, EBRIM_DOCUMENT, uid_of(&s, 1, uid, sizeof(uid)),
	    &id0), 0);
	/* 3 documents + folder + the folder membership, from the set */
	assert_int_equal(regstore_assocs(rs, ssid, 1, &as), 0);
	assert_int_equal(as.ri_n, 5);
	for (i = 0; i < as.ri_n; i++) {
		d = get_parsed(as.ri_id[i], EBRIM_ASSOCIATION);
		v = xml_attr(xmlDocGetRootElement(d), "sourceObject");
		assert_string_equal(v, ssid);
		free(v);
		v = xml_attr(xmlDocGetRootElement(d), "targetObject");
		assert_int_equal(regstore_get(rs, v, &o), 0);	/* resolves in the registry */
		regstore_obj_free(&o);
		free(v);
		xmlFreeDoc(d);
		assert_no_symbolic(as.ri_id[i]);
	}
	regstore_ids_free(&as);
	assert_int_equal(regstore_assocs(rs, id0, 0, &as), 0);
	assert_int_equal(as.ri_n, 2);	/* from the set and from the folder */
	regstore_ids_free(&as);
	assert_int_equal(regstore_assocs(rs, id0, 1, &as), 0);
	assert_int_equal(as.ri_n, 0);
	regstore_ids_free(&as);
	assert_int_equal(regstore_by_reference(rs, REFID, &ids), 0);
	assert_int_equal(ids.ri_n, 1);
	assert_string_equal(ids.ri_id[0], id0);
	regstore_ids_free(&ids);
	assert_int_equal(regstore_by_reference(rs, "nothing", &ids), 0);
	assert_int_equal(ids.ri_n, 0);
	free(id0);
	free(ssid);
}

static void
test_submit_bytes(void **state)
{
	struct regstore_docinfo info;
	struct sub s;
	char uid[96], text[160], sha[41];
	uint8_t buf[REGSTORE_CHUNK];
	size_t len;

	(void)state;
	submit_three(&s);
	content_text(&s, 0, text, sizeof(text));
	sha1_hex(text, strlen(text), sha);
	assert_int_equal(regstore_doc_info(rs, uid_of(&s, 1, uid, sizeof(uid)), &info), 0);
	assert_int_equal(info.rd_size, strlen(text));
	assert_int_equal(info.rd_nchunks, 1);
	assert_string_equal(info.rd_sha1, sha);
	assert_string_equal(info.rd_mime, "text/xml");
	assert_int_equal(regstore_doc_chunk(rs, uid, 0, buf, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(buf, text, len);
	assert_int_equal(regstore_doc_chunk(rs, uid, 1, buf, &len), 1);
	assert_int_equal(regstore_doc_info(rs, "1.2.3", &info), 1);
	assert_int_equal(regstore_doc_chunk(rs, "1.2.3", 0, buf, &len), 1);
}

static void
test_uuid_ids_kept(void **state)
{
	struct regstore_obj o;
	struct sub s;
	int i;

	(void)state;
	sub_init(&s, 2);
	sub_use_uuids(&s);
	submit_ok(&s);
	for (i = 0; i < 11; i++) {
		if (i == 2 || i == 7)
			continue;	/* no third document */
		assert_int_equal(regstore_get(rs, s.id[i], &o), 0);
		regstore_obj_free(&o);
	}
	/* the same urn:uuid ids again: refused, they belong to stored objects */
	submit_fails(&s, "XDSRegistryMetadataError", s.id[0]);
}

static void
write_pattern(const char *path, size_t len)
{
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < len; i++)
		fputc((int)((i * 31 + 7) & 0xff), f);
	assert_int_equal(fclose(f), 0);
}

static void
test_multichunk_path(void **state)
{
	const size_t size = 1024 * 1024 + 17;
	struct regstore_docinfo info;
	struct regstore_content c;
	struct reg_errors e;
	struct sub s;
	char path[400], uid[96], sha[41];
	uint8_t *all, *buf;
	size_t len, off = 0;
	uint32_t k;

	(void)state;
	snprintf(path, sizeof(path), "%s/big.bin", tmpdir);
	write_pattern(path, size);
	sub_init(&s, 1);
	c = (struct regstore_content){ s.id[0], NULL, 0, path };
	assert_int_equal(submit_c(&s, &c, 1, &e), 0);
	regerr_clear(&e);
	all = malloc(size);
	buf = malloc(REGSTORE_CHUNK);
	for (off = 0; off < size; off++)
		all[off] = (uint8_t)((off * 31 + 7) & 0xff);
	sha1_hex(all, size, sha);
	assert_int_equal(regstore_doc_info(rs, uid_of(&s, 1, uid, sizeof(uid)), &info), 0);
	assert_int_equal(info.rd_size, size);
	assert_int_equal(info.rd_nchunks, 5);
	assert_string_equal(info.rd_sha1, sha);
	for (k = 0, off = 0; k < info.rd_nchunks; k++) {
		assert_int_equal(regstore_doc_chunk(rs, uid, k, buf, &len), 0);
		assert_int_equal(len, k < 4 ? REGSTORE_CHUNK : 17);
		assert_memory_equal(buf, all + off, len);
		off += len;
	}
	assert_int_equal(off, size);
	assert_int_equal(regstore_doc_chunk(rs, uid, 5, buf, &len), 1);
	free(all);
	free(buf);
}

static void
assert_unchanged(const struct regstore_stats *before)
{
	struct regstore_stats now;

	assert_int_equal(regstore_stats(rs, &now), 0);
	assert_memory_equal(&now, before, sizeof(now));
}

static void
test_validation_errors(void **state)
{
	static const struct { enum fault f; const char *code; const char *loc; } cases[] = {
		{ F_NO_CLASSCODE, "XDSRegistryMetadataError", "Document01" },
		{ F_NO_CODINGSCHEME, "XDSRegistryMetadataError", "Document01" },
		{ F_BAD_CREATIONTIME, "XDSRegistryMetadataError", "Document01" },
		{ F_NO_DOC_PID, "XDSRegistryMetadataError", "Document01" },
		{ F_PID_MISMATCH, "XDSPatientIdDoesNotMatch", "Document01" },
		{ F_FOLDER_PID, "XDSPatientIdDoesNotMatch", "Folder01" },
		{ F_NO_SS_MEMBER, "XDSRegistryMetadataError", "Document01" },
		{ F_BAD_SS_STATUS, "XDSRegistryMetadataError", "as-ss-d0" },
		{ F_TWO_SS, "XDSRegistryMetadataError", "SubmissionSet02" },
		{ F_NO_SOURCEID, "XDSRegistryMetadataError", "SubmissionSet01" },
		{ F_BAD_PID, "XDSRegistryMetadataError", "Document01" },
		{ F_DANGLING, "UnresolvedReferenceException", "as-ss-as" },
		{ F_NO_MIME, "XDSRegistryMetadataError", "Document01" },
		{ F_BAD_OBJECTTYPE, "XDSRegistryMetadataError", "Document01" },
		{ F_DUP_UID_IN_MSG, "XDSRegistryDuplicateUniqueIdInMessage", "Document02" },
		{ F_NO_FOLDER_MEMBER, "XDSRegistryMetadataError", "Folder01" },
	};
	struct regstore_stats before;
	struct sub s;
	char uid[96], *id;
	size_t i;

	(void)state;
	sub_init(&s, 1);
	submit_ok(&s);	/* a non-empty store */
	assert_int_equal(regstore_stats(rs, &before), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sub_init(&s, 2);
		s.fault = cases[i].f;
		submit_fails(&s, cases[i].code, cases[i].loc);
		assert_unchanged(&before);
		assert_int_equal(regstore_by_uid(rs, EBRIM_DOCUMENT, uid_of(&s, 2, uid,
		    sizeof(uid)), &id), 1);
	}
}

static void
test_missing_documents(void **state)
{
	struct regstore_stats before;
	struct regstore_content c[2];
	struct reg_errors e;
	struct sub s;

	(void)state;
	assert_int_equal(regstore_stats(rs, &before), 0);
	sub_init(&s, 2);
	c[0] = (struct regstore_content){ s.id[0], (const uint8_t *)"a", 1, NULL };
	c[1] = (struct regstore_content){ "Nope", (const uint8_t *)"b", 1, NULL };
	assert_int_equal(submit_c(&s, c, 2, &e), -1);
	assert_non_null(find_err(&e, "XDSMissingDocument", "Document02"));
	assert_non_null(find_err(&e, "XDSMissingDocumentMetadata", "Nope"));
	assert_null(find_err(&e, "XDSMissingDocument", "Document01"));
	regerr_clear(&e);
	assert_unchanged(&before);
}

static void
test_duplicates(void **state)
{
	struct regstore_stats before;
	struct regstore_content c;
	struct reg_errors e;
	struct sub s;

	(void)state;
	sub_init(&s, 1);
	submit_ok(&s);
	assert_int_equal(regstore_stats(rs, &before), 0);
	/* the very same submission again: identical bytes are still refused */
	assert_int_equal(submit(&s, &e), -1);
	assert_non_null(find_err(&e, "XDSDuplicateUniqueIdInRegistry", "Document01"));
	assert_non_null(find_err(&e, "XDSDuplicateUniqueIdInRegistry", "SubmissionSet01"));
	assert_non_null(find_err(&e, "XDSDuplicateUniqueIdInRegistry", "Folder01"));
	regerr_clear(&e);
	/* same document uniqueId, other bytes */
	c = (struct regstore_content){ s.id[0], (const uint8_t *)"changed", 7, NULL };
	assert_int_equal(submit_c(&s, &c, 1, &e), -1);
	assert_non_null(find_err(&e, "XDSNonIdenticalHash", "Document01"));
	regerr_clear(&e);
	assert_unchanged(&before);
}

static void
test_rplc(void **state)
{
	struct regstore_stats before;
	struct regstore_ids as;
	struct sub a, b, c;
	char uid[96], *old, *new, *v;
	xmlDocPtr d;

	(void)state;
	sub_init(&a, 1);
	submit_ok(&a);
	assert_int_equal(regstore_by_uid(rs, EBRIM_DOCUMENT, uid_of(&a, 1, uid, sizeof(uid)),
	    &old), 0);
	sub_init(&b, 1);
	b.rplc = old;
	submit_ok(&b);
	d = get_parsed(old, EBRIM_DOCUMENT);	/* deprecated in the same transaction */
	v = xml_attr(xmlDocGetRootElement(d), "status");
	assert_string_equal(v, STATUS_DEPRECATED);
	free(v);
	xmlFreeDoc(d);
	assert_int_equal(regstore_by_uid(rs, EBRIM_DOCUMENT, uid_of(&b, 1, uid, sizeof(uid)),
	    &new), 0);
	check_document(&b, new, 0);	/* Approved */
	assert_int_equal(regstore_assocs(rs, old, 0, &as), 0);
	assert_int_equal(as.ri_n, 3);	/* set, folder, RPLC */
	regstore_ids_free(&as);
	assert_int_equal(regstore_stats(rs, &before), 0);

	/* a deprecated document cannot be replaced again */
	sub_init(&c, 1);
	c.rplc = old;
	submit_fails(&c, "XDSRegistryDeprecatedDocumentError", "as-rplc");
	/* another patient's document cannot be replaced */
	sub_init(&c, 1);
	c.rplc = new;
	c.pid = PID2;
	submit_fails(&c, "XDSPatientIdDoesNotMatch", "as-rplc");
	/* nor one that does not exist */
	sub_init(&c, 1);
	c.rplc = "urn:uuid:00000000-0000-4000-8000-000000000000";
	submit_fails(&c, "UnresolvedReferenceException", "as-rplc");
	assert_unchanged(&before);
	free(old);
	free(new);
}

static int
count_slots(const char *id, const char *name)
{
	xmlDocPtr d = get_parsed(id, EBRIM_DOCUMENT);
	xmlNodePtr sl;
	char *v;
	int n = 0;

	for (sl = xml_child(xmlDocGetRootElement(d), NS_RIM, "Slot"); sl != NULL;
	    sl = xml_next(sl, NS_RIM, "Slot")) {
		v = xml_attr(sl, "name");
		n += strcmp(v, name) == 0;
		free(v);
	}
	xmlFreeDoc(d);
	return n;
}

static void
test_hash_size_slots(void **state)
{
	struct regstore_stats before;
	struct sub s;
	char text[160], sha[41], num[32], uid[96], *id;

	(void)state;
	assert_int_equal(regstore_stats(rs, &before), 0);
	sub_init(&s, 1);
	s.hash0 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
	submit_fails(&s, "XDSNonIdenticalHash", "Document01");
	/* its chunks were written before the hash was known: the abort removed them */
	assert_int_equal(regstore_doc_chunk(rs, uid_of(&s, 1, uid, sizeof(uid)), 0,
	    (uint8_t[REGSTORE_CHUNK]){ 0 }, &(size_t){ 0 }), 1);
	sub_init(&s, 1);
	s.size0 = "1";
	submit_fails(&s, "XDSNonIdenticalSize", "Document01");
	assert_unchanged(&before);
	/* right values (hash in upper case) are kept, not duplicated */
	sub_init(&s, 1);
	content_text(&s, 0, text, sizeof(text));
	sha1_hex(text, strlen(text), sha);
	for (id = sha; *id; id++)
		*id = (char)(*id >= 'a' && *id <= 'f' ? *id - 32 : *id);
	snprintf(num, sizeof(num), "%zu", strlen(text));
	s.hash0 = sha;
	s.size0 = num;
	submit_ok(&s);
	assert_int_equal(regstore_by_uid(rs, EBRIM_DOCUMENT, uid_of(&s, 1, uid, sizeof(uid)),
	    &id), 0);
	assert_int_equal(count_slots(id, "hash"), 1);
	assert_int_equal(count_slots(id, "size"), 1);
	assert_int_equal(count_slots(id, "repositoryUniqueId"), 1);
	free(id);
}

static void
test_map_full(void **state)
{
	struct regstore *saved = rs;
	struct regstore_stats st;
	struct regstore_content c;
	struct reg_errors e;
	struct sub s;
	char dir[400];
	uint8_t *big;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/small", tmpdir);
	rs = regstore_open(dir, 256 * 1024);
	assert_non_null(rs);
	big = calloc(1, 1024 * 1024);
	sub_init(&s, 1);
	c = (struct regstore_content){ s.id[0], big, 1024 * 1024, NULL };
	assert_int_equal(submit_c(&s, &c, 1, &e), -1);
	assert_non_null(find_err(&e, "XDSRegistryOutOfResources", NULL));
	regerr_clear(&e);
	assert_int_equal(regstore_stats(rs, &st), 0);
	assert_int_equal(st.rs_documents + st.rs_contents + st.rs_associations, 0);
	/* the environment is still usable for what fits */
	sub_init(&s, 1);
	submit_ok(&s);
	assert_int_equal(regstore_stats(rs, &st), 0);
	assert_int_equal(st.rs_documents, 1);
	free(big);
	regstore_close(rs);
	rs = saved;
}

static void
test_file_modes(void **state)
{
	struct regstore *r;
	struct stat sb;
	char dir[400], f[500];
	mode_t old;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/modes", tmpdir);
	old = umask(0);		/* the modes must not depend on the caller's umask */
	r = regstore_open(dir, 1024 * 1024);
	umask(old);
	assert_non_null(r);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(f, sizeof(f), "%s/data.mdb", dir);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(f, sizeof(f), "%s/lock.mdb", dir);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	regstore_close(r);
	/* an existing directory open to others is tightened */
	assert_int_equal(chmod(dir, 0755), 0);
	r = regstore_open(dir, 1024 * 1024);
	assert_non_null(r);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	regstore_close(r);
}

static int
only_pid(void *arg, const char *pid)
{
	return strcmp(pid, (const char *)arg) == 0;
}

static void
test_patient_filter(void **state)
{
	struct sub s;

	(void)state;
	regstore_set_patient_filter(rs, only_pid, (void *)(uintptr_t)PID);
	sub_init(&s, 1);
	s.pid = PID2;
	submit_fails(&s, "XDSUnknownPatientId", "SubmissionSet01");
	sub_init(&s, 1);
	submit_ok(&s);
	regstore_set_patient_filter(rs, NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_submit_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_packages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_associations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uuid_ids_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multichunk_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rplc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_size_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patient_filter, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
