/* Unit tests for the stored-query engine (gateway/sq_exec): the 14 ITI-18 queries over a
 * real regstore in a temporary directory, ObjectRef and LeafClass, home stamping, the ITI-38
 * home errors and the limits. Every response is validated against query.xsd with xmllint. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/regstore.h"
#include "gateway/sq_exec.h"

#include "tests/unit/conformance.h"

#define HCID	"urn:oid:1.2.392.100.1"
#define PIDA	"pidA^^^&amp;1.2.392.200.1&amp;ISO"
#define PIDB	"pidB^^^&amp;1.2.392.200.1&amp;ISO"
#define U(n)	"urn:uuid:5e0b0000-0000-4000-8000-0000000000" n
#define SS1	U("01")
#define SS2	U("02")
#define SS3	U("03")
#define DE1	U("11")
#define DE2	U("12")
#define DE3	U("13")
#define DE4	U("14")
#define DE5	U("15")
#define F1	U("21")
#define A_SS1_DE1 U("31")
#define A_SS1_DE2 U("32")
#define A_SS1_DE3 U("33")
#define A_SS1_F1 U("34")
#define A_F1_DE1 U("35")
#define A_SS1_AF U("36")
#define A_SS2_DE4 U("37")
#define A_RPLC	U("38")
#define A_SS3_DE5 U("39")
#define REF1	"acc1^^^&amp;1.2.392.300&amp;ISO^urn:ihe:iti:xds:2013:accession"

static const struct {
	const char *name, *uuid;
} names[] = {
	{ "SS1", SS1 }, { "SS2", SS2 }, { "SS3", SS3 }, { "DE1", DE1 }, { "DE2", DE2 },
	{ "DE3", DE3 }, { "DE4", DE4 }, { "DE5", DE5 }, { "F1", F1 },
	{ "a:ss1-de1", A_SS1_DE1 }, { "a:ss1-de2", A_SS1_DE2 }, { "a:ss1-de3", A_SS1_DE3 },
	{ "a:ss1-f1", A_SS1_F1 }, { "a:f1-de1", A_F1_DE1 }, { "a:ss1-af", A_SS1_AF },
	{ "a:ss2-de4", A_SS2_DE4 }, { "a:rplc", A_RPLC }, { "a:ss3-de5", A_SS3_DE5 },
};

static struct regstore *rs;
static char dir[256];
static int nid;

/* ---- building the registry ---- */

static void
put_code(struct strbuf *sb, const char *obj, const char *scheme, const char *code,
    const char *coding)
{
	strbuf_printf(sb, "<rim:Classification id=\"c%d\" classificationScheme=\"%s\" "
	    "classifiedObject=\"%s\" nodeRepresentation=\"%s\"><rim:Slot name=\"codingScheme\">"
	    "<rim:ValueList><rim:Value>%s</rim:Value></rim:ValueList></rim:Slot>"
	    "<rim:Name><rim:LocalizedString value=\"%s\"/></rim:Name></rim:Classification>",
	    nid++, scheme, obj, code, coding, code);
}

static void
put_author(struct strbuf *sb, const char *obj, const char *scheme, const char *person)
{
	strbuf_printf(sb, "<rim:Classification id=\"c%d\" classificationScheme=\"%s\" "
	    "classifiedObject=\"%s\" nodeRepresentation=\"\"><rim:Slot name=\"authorPerson\">"
	    "<rim:ValueList><rim:Value>%s</rim:Value></rim:ValueList></rim:Slot>"
	    "</rim:Classification>", nid++, scheme, obj, person);
}

static void
put_extid(struct strbuf *sb, const char *obj, const char *scheme, const char *value)
{
	strbuf_printf(sb, "<rim:ExternalIdentifier id=\"e%d\" registryObject=\"%s\" "
	    "identificationScheme=\"%s\" value=\"%s\"><rim:Name><rim:LocalizedString "
	    "value=\"id\"/></rim:Name></rim:ExternalIdentifier>", nid++, obj, scheme, value);
}

static void
put_slot(struct strbuf *sb, const char *name, const char *value)
{
	if (value != NULL)
		strbuf_printf(sb, "<rim:Slot name=\"%s\"><rim:ValueList><rim:Value>%s"
		    "</rim:Value></rim:ValueList></rim:Slot>", name, value);
}

struct de {
	const char *id, *pid, *uid, *klass, *format, *conf, *ev1, *ev2, *ctime, *author, *ref;
	int ondemand;
};

static void
put_de(struct strbuf *sb, const struct de *d)
{
	strbuf_printf(sb, "<rim:ExtrinsicObject id=\"%s\" mimeType=\"text/plain\" "
	    "objectType=\"%s\">", d->id, d->ondemand ? UUID_DE_ONDEMAND : UUID_DE_STABLE);
	put_slot(sb, "creationTime", d->ctime);
	put_slot(sb, "languageCode", "ja-JP");
	put_slot(sb, "serviceStartTime", "20231231");
	put_slot(sb, "serviceStopTime", "202401021030");
	put_slot(sb, "sourcePatientId", "local1^^^&amp;1.2.392.200.9&amp;ISO");
	put_slot(sb, "urn:ihe:iti:xds:2013:referenceIdList", d->ref);
	strbuf_puts(sb, "<rim:Name><rim:LocalizedString value=\"doc\"/></rim:Name>");
	put_author(sb, d->id, UUID_DE_AUTHOR, d->author);
	put_code(sb, d->id, UUID_DE_CLASSCODE, d->klass, "S");
	put_code(sb, d->id, UUID_DE_CONFCODE, d->conf, "C");
	if (d->ev1 != NULL)
		put_code(sb, d->id, UUID_DE_EVENTCODE, d->ev1, "S");
	if (d->ev2 != NULL)
		put_code(sb, d->id, UUID_DE_EVENTCODE, d->ev2, "S");
	put_code(sb, d->id, UUID_DE_FORMATCODE, d->format, "S");
	put_code(sb, d->id, UUID_DE_HCFTYPECODE, "H1", "S");
	put_code(sb, d->id, UUID_DE_PRACTICECODE, "P1", "S");
	put_code(sb, d->id, UUID_DE_TYPECODE, "T1", "S");
	put_extid(sb, d->id, UUID_DE_PATIENTID, d->pid);
	put_extid(sb, d->id, UUID_DE_UNIQUEID, d->uid);
	strbuf_puts(sb, "</rim:ExtrinsicObject>");
}

/* A SubmissionSet, classified by a sibling Classification as most senders do. */
static void
put_ss(struct strbuf *sb, const char *id, const char *pid, const char *uid,
    const char *time, const char *author)
{
	strbuf_printf(sb, "<rim:RegistryPackage id=\"%s\">", id);
	put_slot(sb, "submissionTime", time);
	put_author(sb, id, UUID_SS_AUTHOR, author);
	put_code(sb, id, UUID_SS_CONTENTTYPE, "CT1", "S");
	put_extid(sb, id, UUID_SS_UNIQUEID, uid);
	put_extid(sb, id, UUID_SS_SOURCEID, "1.2.392.400.1");
	put_extid(sb, id, UUID_SS_PATIENTID, pid);
	strbuf_printf(sb, "</rim:RegistryPackage><rim:Classification id=\"c%d\" "
	    "classifiedObject=\"%s\" classificationNode=\"%s\"/>", nid++, id, UUID_SUBMISSIONSET);
}

/* A Folder, classified by a nested Classification. */
static void
put_fd(struct strbuf *sb, const char *id, const char *pid, const char *uid)
{
	strbuf_printf(sb, "<rim:RegistryPackage id=\"%s\">", id);
	strbuf_printf(sb, "<rim:Classification id=\"c%d\" classifiedObject=\"%s\" "
	    "classificationNode=\"%s\"/>", nid++, id, UUID_FOLDER);
	put_code(sb, id, UUID_FD_CODELIST, "FC1", "S");
	put_extid(sb, id, UUID_FD_UNIQUEID, uid);
	put_extid(sb, id, UUID_FD_PATIENTID, pid);
	strbuf_puts(sb, "</rim:RegistryPackage>");
}

static void
put_assoc(struct strbuf *sb, const char *id, const char *type, const char *src,
    const char *tgt, const char *ssstatus)
{
	strbuf_printf(sb, "<rim:Association id=\"%s\" associationType=\"%s\" "
	    "sourceObject=\"%s\" targetObject=\"%s\">", id, type, src, tgt);
	put_slot(sb, "SubmissionSetStatus", ssstatus);
	strbuf_puts(sb, "</rim:Association>");
}

static void
submit(const char *objects, const char *const *docids, size_t ndocs)
{
	struct regstore_content c[8];
	struct reg_errors errs = { 0 };
	struct strbuf sb = { 0 };
	enum xml_err err;
	xmlDocPtr doc;
	size_t i;

	memset(c, 0, sizeof(c));
	for (i = 0; i < ndocs; i++) {
		c[i].rc_entry_id = docids[i];
		c[i].rc_data = (const uint8_t *)docids[i];
		c[i].rc_len = strlen(docids[i]);
	}
	strbuf_printf(&sb, "<lcm:SubmitObjectsRequest xmlns:lcm=\"%s\" xmlns:rim=\"%s\">"
	    "<rim:RegistryObjectList>%s</rim:RegistryObjectList></lcm:SubmitObjectsRequest>",
	    NS_LCM, NS_RIM, objects);
	doc = xml_parse_safe(sb.sb_data, sb.sb_len, NULL, &err);
	assert_non_null(doc);
	if (regstore_submit(rs, xmlDocGetRootElement(doc), c, ndocs, "1.2.392.500.1", &errs)
	    != 0) {
		for (i = 0; i < errs.rl_n; i++)
			print_error("submit: %s %s %s\n", errs.rl_err[i].re_code,
			    errs.rl_err[i].re_location ? errs.rl_err[i].re_location : "",
			    errs.rl_err[i].re_context);
		fail_msg("regstore_submit failed");
	}
	regerr_clear(&errs);
	xmlFreeDoc(doc);
	strbuf_reset(&sb);
}

static int
setup(void **state)
{
	static const char *const docs1[] = { DE1, DE2, DE3 }, *const docs2[] = { DE4 },
	    *const docs3[] = { DE5 };
	struct strbuf sb = { 0 };
	struct de d1 = { DE1, PIDA, "1.2.392.600.1", "C1", "F1", "N", "E1", "E2", "20240101",
	    "^Yamada^Taro^^^", REF1, 0 };
	struct de d2 = { DE2, PIDA, "1.2.392.600.2", "C2", "F2", "R", "E1", NULL,
	    "20240601120000", "^Suzuki^Hanako^^^", NULL, 0 };
	struct de d3 = { DE3, PIDA, "1.2.392.600.3", "C1", "F1", "N", NULL, NULL, "20240201",
	    "^Yamada^Taro^^^", NULL, 1 };
	struct de d4 = { DE4, PIDA, "1.2.392.600.4", "C1", "F1", "N", NULL, NULL, "20240701",
	    "^Yamada^Taro^^^", NULL, 0 };
	struct de d5 = { DE5, PIDB, "1.2.392.600.5", "C1", "F1", "N", NULL, NULL, "20240101",
	    "^Sato^Jiro^^^", REF1, 0 };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/sqtest.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") :
	    "/tmp");
	if (mkdtemp(dir) == NULL || (rs = regstore_open(dir, 64 << 20)) == NULL)
		return -1;
	put_ss(&sb, SS1, PIDA, "1.2.392.700.1", "20240101120000", "^Yamada^Taro^^^");
	put_de(&sb, &d1);
	put_de(&sb, &d2);
	put_de(&sb, &d3);
	put_fd(&sb, F1, PIDA, "1.2.392.800.1");
	put_assoc(&sb, A_SS1_DE1, ASSOC_HASMEMBER, SS1, DE1, "Original");
	put_assoc(&sb, A_SS1_DE2, ASSOC_HASMEMBER, SS1, DE2, "Original");
	put_assoc(&sb, A_SS1_DE3, ASSOC_HASMEMBER, SS1, DE3, "Original");
	put_assoc(&sb, A_SS1_F1, ASSOC_HASMEMBER, SS1, F1, NULL);
	put_assoc(&sb, A_F1_DE1, ASSOC_HASMEMBER, F1, DE1, NULL);
	put_assoc(&sb, A_SS1_AF, ASSOC_HASMEMBER, SS1, A_F1_DE1, NULL);
	submit(sb.sb_data, docs1, 3);
	strbuf_reset(&sb);
	/* DE4 replaces DE1, which becomes Deprecated. */
	put_ss(&sb, SS2, PIDA, "1.2.392.700.2", "20240701120000", "^Suzuki^Hanako^^^");
	put_de(&sb, &d4);
	put_assoc(&sb, A_SS2_DE4, ASSOC_HASMEMBER, SS2, DE4, "Original");
	put_assoc(&sb, A_RPLC, ASSOC_RPLC, DE4, DE1, NULL);
	submit(sb.sb_data, docs2, 1);
	strbuf_reset(&sb);
	put_ss(&sb, SS3, PIDB, "1.2.392.700.3", "20240101120000", "^Sato^Jiro^^^");
	put_de(&sb, &d5);
	put_assoc(&sb, A_SS3_DE5, ASSOC_HASMEMBER, SS3, DE5, "Original");
	submit(sb.sb_data, docs3, 1);
	strbuf_reset(&sb);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	regstore_close(rs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- running queries ---- */

/* Validates RESP against query.xsd with xmllint (through a temporary file). */
static void
validate(const char *resp, size_t len)
{
	char file[300], cmd[2600];
	FILE *f;
	int rc;

	snprintf(file, sizeof(file), "%s/resp.xml", dir);
	f = fopen(file, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(resp, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --nonet --schema %s/xsd/ebrs30/query.xsd "
	    "%s 2>%s/xmllint.err", conformance_dir(), file, dir);
	rc = system(cmd);
	if (rc != 0) {
		print_error("%.*s\n", (int)(len > 4000 ? 4000 : len), resp);
		snprintf(cmd, sizeof(cmd), "cat %s/xmllint.err >&2", dir);
		if (system(cmd) != 0)
			print_error("(no xmllint output)\n");
		fail_msg("response does not validate against query.xsd");
	}
	unlink(file);
	snprintf(file, sizeof(file), "%s/xmllint.err", dir);
	unlink(file);
}

/* What a response says, in short. */
struct res {
	char	status[32];	/* Success, Failure, PartialSuccess */
	char	objs[1024];	/* sorted short names of the returned objects */
	char	errs[512];	/* error codes, in order */
	int	nref;		/* rim:ObjectRef children */
	int	nhome;		/* children with home = HCID */
	int	nobj;
};

static const char *
short_name(const char *uuid)
{
	size_t i;

	for (i = 0; uuid != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].uuid, uuid) == 0)
			return names[i].name;
	return "?";
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends S to the comma-separated list in BUF. */
static void
append(char *buf, size_t sz, const char *s)
{
	size_t n = strlen(buf);

	snprintf(buf + n, sz - n, "%s%s", n > 0 ? "," : "", s);
}

static void
summarise(xmlDocPtr doc, struct res *r)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), el, c;
	const char *list[64];
	char *v;
	size_t n = 0, i;

	memset(r, 0, sizeof(*r));
	v = xml_attr(root, "status");
	assert_non_null(v);
	snprintf(r->status, sizeof(r->status), "%s", strrchr(v, ':') + 1);
	free(v);
	el = xml_child(root, NS_RS, "RegistryErrorList");
	for (c = xml_child(el, NS_RS, "RegistryError"); c != NULL;
	    c = xml_next(c, NS_RS, "RegistryError")) {
		v = xml_attr(c, "errorCode");
		append(r->errs, sizeof(r->errs), v);
		free(v);
	}
	el = xml_child(root, NS_RIM, "RegistryObjectList");
	assert_non_null(el);
	for (c = xml_child(el, NULL, NULL); c != NULL && n < 64; c = xml_next(c, NULL, NULL)) {
		v = xml_attr(c, "id");
		list[n++] = short_name(v);
		free(v);
		if (xml_is(c, NS_RIM, "ObjectRef"))
			r->nref++;
		v = xml_attr(c, "home");
		if (v != NULL && strcmp(v, HCID) == 0)
			r->nhome++;
		free(v);
	}
	r->nobj = (int)n;
	qsort(list, n, sizeof(list[0]), cmp_str);
	for (i = 0; i < n; i++)
		append(r->objs, sizeof(r->objs), list[i]);
}

/* Runs query QID (returnType RT, AdhocQuery attributes ATTRS, Slots SLOTS) with CTX. */
static void
q(struct res *r, const struct sq_context *ctx, const char *qid, const char *rt,
    const char *attrs, const char *slots)
{
	struct strbuf req = { 0 }, out = { 0 };
	enum xml_err err;
	xmlDocPtr doc, rdoc;

	strbuf_printf(&req, "<query:AdhocQueryRequest xmlns:query=\"%s\" xmlns:rim=\"%s\">"
	    "<query:ResponseOption returnComposedObjects=\"true\" returnType=\"%s\"/>"
	    "<rim:AdhocQuery id=\"%s\"%s>%s</rim:AdhocQuery></query:AdhocQueryRequest>",
	    NS_QUERY, NS_RIM, rt, qid, attrs, slots);
	doc = xml_parse_safe(req.sb_data, req.sb_len, NULL, &err);
	assert_non_null(doc);
	assert_int_equal(sq_run(rs, xmlDocGetRootElement(doc), ctx, &out), 0);
	assert_non_null(out.sb_data);
	validate(out.sb_data, out.sb_len);
	rdoc = xml_parse_safe(out.sb_data, out.sb_len, NULL, &err);
	assert_non_null(rdoc);
	summarise(rdoc, r);
	xmlFreeDoc(rdoc);
	xmlFreeDoc(doc);
	strbuf_reset(&req);
	strbuf_reset(&out);
}

static const struct sq_context ctx18 = { HCID, 0, 0 };
static const struct sq_context ctx38 = { HCID, 1, 0 };
static const struct sq_context ctx_nohome = { NULL, 0, 0 };

#define SLOT(n, v)	"<rim:Slot name=\"" n "\"><rim:ValueList><rim:Value>" v \
			"</rim:Value></rim:ValueList></rim:Slot>"
#define APPROVED	"'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved'"
#define DEPRECATED	"'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated'"
#define FD_A		SLOT("$XDSDocumentEntryPatientId", "'" PIDA "'")
#define ST_A		SLOT("$XDSDocumentEntryStatus", "(" APPROVED ")")
#define ST_AD		SLOT("$XDSDocumentEntryStatus", "(" APPROVED "," DEPRECATED ")")

/* Runs a FindDocuments for patient A with statuses ST and extra SLOTS; checks the objects. */
static void
fd_expect(const char *st, const char *slots, const char *objs)
{
	struct res r;
	struct strbuf sb = { 0 };

	strbuf_printf(&sb, "%s%s%s", FD_A, st, slots);
	q(&r, &ctx18, SQ_ID_FIND_DOCUMENTS, "LeafClass", "", sb.sb_data);
	strbuf_reset(&sb);
	assert_string_equal(r.status, "Success");
	assert_string_equal(r.objs, objs);
}

static void
test_find_documents(void **state)
{
	struct res r;

	(void)state;
	/* DE1 is Deprecated (replaced by DE4), DE3 is on-demand. */
	fd_expect(ST_A, "", "DE2,DE4");
	fd_expect(SLOT("$XDSDocumentEntryStatus", "(" DEPRECATED ")"), "", "DE1");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryType", "('" UUID_DE_ONDEMAND "','"
	    UUID_DE_STABLE "')"), "DE1,DE2,DE3,DE4");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryType", "('" UUID_DE_ONDEMAND "')"), "DE3");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryClassCode", "('C2^^S')"), "DE2");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryClassCode", "('C2^^X')"), "");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryFormatCode", "('F1^^S','F9^^S')"), "DE1,DE4");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryConfidentialityCode", "('R^^C')"), "DE2");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryTypeCode", "('T1^^S')")
	    SLOT("$XDSDocumentEntryPracticeSettingCode", "('P1^^S')")
	    SLOT("$XDSDocumentEntryHealthcareFacilityTypeCode", "('H1^^S')"), "DE1,DE2,DE4");
	/* event codes: (E1 or E9) and (E2) -> only DE1 has both */
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryEventCodeList", "('E1^^S','E9^^S')"),
	    "DE1,DE2");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryEventCodeList", "('E1^^S','E9^^S')")
	    SLOT("$XDSDocumentEntryEventCodeList", "('E2^^S')"), "DE1");
	/* times: From inclusive, To exclusive, lower precision = the instant it begins */
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryCreationTimeFrom", "20240601120000"),
	    "DE2,DE4");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryCreationTimeFrom", "202406")
	    SLOT("$XDSDocumentEntryCreationTimeTo", "20240701"), "DE2");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryCreationTimeTo", "2024"), "");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryServiceStartTimeFrom", "20231231")
	    SLOT("$XDSDocumentEntryServiceStartTimeTo", "2024")
	    SLOT("$XDSDocumentEntryServiceStopTimeFrom", "202401021030")
	    SLOT("$XDSDocumentEntryServiceStopTimeTo", "20240102103001"), "DE1,DE2,DE4");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryServiceStopTimeTo", "202401021030"), "");
	/* authorPerson: % and _ wildcards, ORed */
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryAuthorPerson", "('%Suzuki%')"), "DE2");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryAuthorPerson", "('^Yamad_^Taro^^^','x')"),
	    "DE1,DE4");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryAuthorPerson", "('Yamada%')"), "");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryDocumentAvailability",
	    "('urn:ihe:iti:2010:DocumentAvailability:Online')"), "DE1,DE2,DE4");
	fd_expect(ST_AD, SLOT("$XDSDocumentEntryDocumentAvailability",
	    "('urn:ihe:iti:2010:DocumentAvailability:Offline')"), "");

	/* another patient; an unknown one */
	q(&r, &ctx18, SQ_ID_FIND_DOCUMENTS, "ObjectRef", "",
	    SLOT("$XDSDocumentEntryPatientId", "'" PIDB "'") ST_A);
	assert_string_equal(r.objs, "DE5");
	assert_int_equal(r.nref, 1);
	q(&r, &ctx18, SQ_ID_FIND_DOCUMENTS, "ObjectRef", "",
	    SLOT("$XDSDocumentEntryPatientId", "'nobody^^^&amp;1.2.3&amp;ISO'") ST_A);
	assert_string_equal(r.status, "Success");
	assert_string_equal(r.objs, "");
	/* the NIST missing-status negative, answered */
	q(&r, &ctx18, SQ_ID_FIND_DOCUMENTS, "LeafClass", "", FD_A);
	assert_string_equal(r.status, "Failure");
	assert_string_equal(r.errs, "XDSStoredQueryMissingParam");
	assert_string_equal(r.objs, "");
}

static void
test_find_submissionsets_folders(void **state)
{
	struct res r;
#define SS_A	SLOT("$XDSSubmissionSetPatientId", "'" PIDA "'") \
		SLOT("$XDSSubmissionSetStatus", "(" APPROVED ")")
#define FO_A	SLOT("$XDSFolderPatientId", "'" PIDA "'") \
		SLOT("$XDSFolderStatus", "(" APPROVED ")")

	(void)state;
	q(&r, &ctx18, SQ_ID_FIND_SUBMISSIONSETS, "LeafClass", "", SS_A);
	assert_string_equal(r.objs, "SS1,SS2");
	q(&r, &ctx18, SQ_ID_FIND_SUBMISSIONSETS, "LeafClass", "", SS_A
	    SLOT("$XDSSubmissionSetSubmissionTimeFrom", "202402")
	    SLOT("$XDSSubmissionSetAuthorPerson", "'%Hanako%'")
	    SLOT("$XDSSubmissionSetSourceId", "('1.2.392.400.1')")
	    SLOT("$XDSSubmissionSetContentType", "('CT1^^S')"));
	assert_string_equal(r.objs, "SS2");
	q(&r, &ctx18, SQ_ID_FIND_SUBMISSIONSETS, "LeafClass", "", SS_A
	    SLOT("$XDSSubmissionSetSourceId", "('1.2.392.400.2')"));
	assert_string_equal(r.objs, "");
	q(&r, &ctx18, SQ_ID_FIND_SUBMISSIONSETS, "LeafClass", "", SS_A
	    SLOT("$XDSSubmissionSetSubmissionTimeTo", "20240101120000"));
	assert_string_equal(r.objs, "");

	q(&r, &ctx18, SQ_ID_FIND_FOLDERS, "LeafClass", "", FO_A
	    SLOT("$XDSFolderCodeList", "('FC1^^S')") SLOT("$XDSFolderLastUpdateTimeFrom", "2000"));
	assert_string_equal(r.objs, "F1");
	assert_int_equal(r.nhome, 1);
	q(&r, &ctx18, SQ_ID_FIND_FOLDERS, "LeafClass", "", FO_A
	    SLOT("$XDSFolderLastUpdateTimeTo", "2000"));
	assert_string_equal(r.objs, "");
	q(&r, &ctx18, SQ_ID_FIND_FOLDERS, "LeafClass", "", FO_A
	    SLOT("$XDSFolderCodeList", "('FC1^^S')") SLOT("$XDSFolderCodeList", "('FC2^^S')"));
	assert_string_equal(r.objs, "");
}

static void
test_get_all(void **state)
{
	struct res r;
#define GA_ST	SLOT("$XDSSubmissionSetStatus", "(" APPROVED ")") \
		SLOT("$XDSFolderStatus", "(" APPROVED ")")

	(void)state;
	q(&r, &ctx18, SQ_ID_GET_ALL, "LeafClass", "", SLOT("$patientId", "'" PIDA "'")
	    SLOT("$XDSDocumentEntryStatus", "(" APPROVED ")") GA_ST);
	assert_string_equal(r.status, "Success");
	/* the Deprecated DE1 and every association touching it are left out */
	assert_string_equal(r.objs, "DE2,DE4,F1,SS1,SS2,a:ss1-de2,a:ss1-f1,a:ss2-de4");
	q(&r, &ctx18, SQ_ID_GET_ALL, "ObjectRef", "", SLOT("$patientId", "'" PIDA "'")
	    SLOT("$XDSDocumentEntryStatus", "(" APPROVED "," DEPRECATED ")") GA_ST);
	assert_string_equal(r.objs, "DE1,DE2,DE4,F1,SS1,SS2,a:f1-de1,a:rplc,a:ss1-af,"
	    "a:ss1-de1,a:ss1-de2,a:ss1-f1,a:ss2-de4");
	assert_int_equal(r.nref, r.nobj);
	assert_int_equal(r.nhome, r.nobj);
	q(&r, &ctx18, SQ_ID_GET_ALL, "ObjectRef", "", SLOT("$patientId", "'" PIDA "'")
	    SLOT("$XDSDocumentEntryStatus", "(" APPROVED ")") GA_ST
	    SLOT("$XDSDocumentEntryFormatCode", "('F2^^S')"));
	assert_string_equal(r.objs, "DE2,F1,SS1,SS2,a:ss1-de2,a:ss1-f1");
	q(&r, &ctx18, SQ_ID_GET_ALL, "ObjectRef", "", SLOT("$patientId", "'" PIDA "'"));
	assert_string_equal(r.status, "Failure");
	assert_string_equal(r.errs, "XDSStoredQueryMissingParam,XDSStoredQueryMissingParam,"
	    "XDSStoredQueryMissingParam");
}

static void
test_get_documents(void **state)
{
	struct res r;

	(void)state;
	q(&r, &ctx18, SQ_ID_GET_DOCUMENTS, "LeafClass", "",
	    SLOT("$XDSDocumentEntryEntryUUID", "('" DE1 "','" DE2 "','" SS1 "','"
	    "urn:uuid:00000000-0000-4000-8000-000000000000')"));
	assert_string_equal(r.objs, "DE1,DE2");
	assert_int_equal(r.nhome, 2);
	q(&r, &ctx18, SQ_ID_GET_DOCUMENTS, "ObjectRef", "",
	    SLOT("$XDSDocumentEntryUniqueId", "('1.2.392.600.3','1.2.392.600.4','9.9')"));
	assert_string_equal(r.objs, "DE3,DE4");
	q(&r, &ctx18, SQ_ID_GET_DOCUMENTS, "ObjectRef", "",
	    SLOT("$XDSDocumentEntryEntryUUID", "('" DE1 "','" DE5 "')"));
	assert_string_equal(r.status, "Failure");
	assert_string_equal(r.errs, "XDSResultNotSinglePatient");
	assert_string_equal(r.objs, "");

	q(&r, &ctx18, SQ_ID_GET_DOCS_AND_ASSOCS, "LeafClass", "",
	    SLOT("$XDSDocumentEntryEntryUUID", "('" DE2 "')"));
	assert_string_equal(r.objs, "DE2,a:ss1-de2");
	q(&r, &ctx18, SQ_ID_GET_DOCS_AND_ASSOCS, "ObjectRef", "",
	    SLOT("$XDSDocumentEntryUniqueId", "('1.2.392.600.1')"));
	assert_string_equal(r.objs, "DE1,a:f1-de1,a:rplc,a:ss1-de1");
	q(&r, &ctx18, SQ_ID_GET_DOCS_AND_ASSOCS, "ObjectRef", "",
	    SLOT("$XDSDocumentEntryUniqueId", "('1.2.392.600.1')")
	    SLOT("$XDSDocumentEntryEntryUUID", "('" DE2 "')"));
	assert_string_equal(r.errs, "XDSStoredQueryParamNumber");
}

static void
test_get_folders_associations(void **state)
{
	struct res r;

	(void)state;
	q(&r, &ctx18, SQ_ID_GET_FOLDERS, "LeafClass", "",
	    SLOT("$XDSFolderEntryUUID", "('" F1 "','" DE1 "')"));
	assert_string_equal(r.objs, "F1");
	q(&r, &ctx18, SQ_ID_GET_FOLDERS, "LeafClass", "",
	    SLOT("$XDSFolderUniqueId", "('1.2.392.800.1')"));
	assert_string_equal(r.objs, "F1");
	q(&r, &ctx18, SQ_ID_GET_FOLDERS, "LeafClass", "",
	    SLOT("$XDSFolderUniqueId", "('1.2.392.800.9')"));
	assert_string_equal(r.status, "Success");
	assert_string_equal(r.objs, "");

	q(&r, &ctx18, SQ_ID_GET_ASSOCIATIONS, "LeafClass", "", SLOT("$uuid", "('" DE1 "')"));
	assert_string_equal(r.objs, "a:f1-de1,a:rplc,a:ss1-de1");
	assert_int_equal(r.nhome, 0);	/* Associations keep their attributes */
	q(&r, &ctx18, SQ_ID_GET_ASSOCIATIONS, "ObjectRef", "",
	    SLOT("$uuid", "('" F1 "','" DE5 "')"));
	assert_string_equal(r.objs, "a:f1-de1,a:ss1-f1,a:ss3-de5");
	q(&r, &ctx18, SQ_ID_GET_ASSOCIATIONS, "ObjectRef", "",
	    SLOT("$uuid", "('urn:uuid:00000000-0000-4000-8000-000000000000')"));
	assert_string_equal(r.objs, "");
	q(&r, &ctx18, SQ_ID_GET_ASSOCIATIONS, "ObjectRef", "", "");
	assert_string_equal(r.errs, "XDSStoredQueryMissingParam");
}

static void
test_get_submissionsets(void **state)
{
	struct res r;

	(void)state;
	q(&r, &ctx18, SQ_ID_GET_SUBMISSIONSETS, "LeafClass", "", SLOT("$uuid", "('" DE4 "')"));
	assert_string_equal(r.objs, "SS2,a:ss2-de4");
	q(&r, &ctx18, SQ_ID_GET_SUBMISSIONSETS, "ObjectRef", "",
	    SLOT("$uuid", "('" DE1 "','" F1 "')"));
	assert_string_equal(r.objs, "SS1,a:ss1-de1,a:ss1-f1");
	q(&r, &ctx18, SQ_ID_GET_SUBMISSIONSETS, "ObjectRef", "", SLOT("$uuid", "('" SS1 "')"));
	assert_string_equal(r.objs, "");

	q(&r, &ctx18, SQ_ID_GET_SS_AND_CONTENTS, "LeafClass", "",
	    SLOT("$XDSSubmissionSetEntryUUID", "'" SS1 "'"));
	assert_string_equal(r.objs, "DE1,DE2,F1,SS1,a:f1-de1,a:ss1-af,a:ss1-de1,a:ss1-de2,"
	    "a:ss1-f1");
	assert_int_equal(r.nhome, 4);
	q(&r, &ctx18, SQ_ID_GET_SS_AND_CONTENTS, "ObjectRef", "",
	    SLOT("$XDSSubmissionSetUniqueId", "'1.2.392.700.1'")
	    SLOT("$XDSDocumentEntryFormatCode", "('F2^^S')"));
	assert_string_equal(r.objs, "DE2,F1,SS1,a:ss1-de2,a:ss1-f1");
	q(&r, &ctx18, SQ_ID_GET_SS_AND_CONTENTS, "ObjectRef", "",
	    SLOT("$XDSSubmissionSetEntryUUID", "'" SS1 "'")
	    SLOT("$XDSDocumentEntryType", "('" UUID_DE_ONDEMAND "')"));
	assert_string_equal(r.objs, "DE3,F1,SS1,a:ss1-de3,a:ss1-f1");
	q(&r, &ctx18, SQ_ID_GET_SS_AND_CONTENTS, "ObjectRef", "",
	    SLOT("$XDSSubmissionSetEntryUUID", "'" DE1 "'"));
	assert_string_equal(r.objs, "");
}

static void
test_get_folder_contents(void **state)
{
	struct res r;

	(void)state;
	q(&r, &ctx18, SQ_ID_GET_FOLDER_AND_CONTENTS, "LeafClass", "",
	    SLOT("$XDSFolderEntryUUID", "'" F1 "'"));
	assert_string_equal(r.objs, "DE1,F1,a:f1-de1");
	q(&r, &ctx18, SQ_ID_GET_FOLDER_AND_CONTENTS, "LeafClass", "",
	    SLOT("$XDSFolderUniqueId", "'1.2.392.800.1'")
	    SLOT("$XDSDocumentEntryConfidentialityCode", "('R^^C')"));
	assert_string_equal(r.objs, "F1");

	q(&r, &ctx18, SQ_ID_GET_FOLDERS_FOR_DOC, "LeafClass", "",
	    SLOT("$XDSDocumentEntryUniqueId", "'1.2.392.600.1'"));
	assert_string_equal(r.objs, "F1");
	q(&r, &ctx18, SQ_ID_GET_FOLDERS_FOR_DOC, "LeafClass", "",
	    SLOT("$XDSDocumentEntryEntryUUID", "'" DE2 "'"));
	assert_string_equal(r.objs, "");
}

static void
test_get_related(void **state)
{
	struct res r;

	(void)state;
	q(&r, &ctx18, SQ_ID_GET_RELATED_DOCS, "LeafClass", "",
	    SLOT("$XDSDocumentEntryEntryUUID", "'" DE1 "'")
	    SLOT("$AssociationTypes", "('" ASSOC_RPLC "','" ASSOC_APND "')"));
	assert_string_equal(r.objs, "DE1,DE4,a:rplc");
	q(&r, &ctx18, SQ_ID_GET_RELATED_DOCS, "ObjectRef", "",
	    SLOT("$XDSDocumentEntryUniqueId", "'1.2.392.600.4'")
	    SLOT("$AssociationTypes", "('" ASSOC_RPLC "')"));
	assert_string_equal(r.objs, "DE1,DE4,a:rplc");
	q(&r, &ctx18, SQ_ID_GET_RELATED_DOCS, "ObjectRef", "",
	    SLOT("$XDSDocumentEntryEntryUUID", "'" DE1 "'")
	    SLOT("$AssociationTypes", "('" ASSOC_APND "')"));
	assert_string_equal(r.status, "Success");
	assert_string_equal(r.objs, "");
}

static void
test_find_by_refid(void **state)
{
	struct res r;

	(void)state;
	q(&r, &ctx18, SQ_ID_FIND_DOCS_BY_REFID, "ObjectRef", "", FD_A ST_AD
	    SLOT("$XDSDocumentEntryReferenceIdList", "('" REF1 "')"));
	assert_string_equal(r.objs, "DE1");
	q(&r, &ctx18, SQ_ID_FIND_DOCS_BY_REFID, "ObjectRef", "", FD_A ST_A
	    SLOT("$XDSDocumentEntryReferenceIdList", "('" REF1 "')"));
	assert_string_equal(r.objs, "");
	q(&r, &ctx18, SQ_ID_FIND_DOCS_BY_REFID, "ObjectRef", "",
	    SLOT("$XDSDocumentEntryPatientId", "'" PIDB "'") ST_A
	    SLOT("$XDSDocumentEntryReferenceIdList", "('x','" REF1 "')"));
	assert_string_equal(r.objs, "DE5");
	q(&r, &ctx18, SQ_ID_FIND_DOCS_BY_REFID, "ObjectRef", "", FD_A ST_AD);
	assert_string_equal(r.errs, "XDSStoredQueryMissingParam");
}

static void
test_home_and_xca(void **state)
{
	struct res r;
#define BY_UUID	SLOT("$XDSDocumentEntryEntryUUID", "('" DE2 "')")

	(void)state;
	/* home stamped on LeafClass and ObjectRef; not without a configured HCID */
	q(&r, &ctx38, SQ_ID_GET_DOCUMENTS, "LeafClass", " home=\"" HCID "\"", BY_UUID);
	assert_string_equal(r.objs, "DE2");
	assert_int_equal(r.nhome, 1);
	q(&r, &ctx38, SQ_ID_GET_DOCUMENTS, "ObjectRef", " home=\"" HCID "\"", BY_UUID);
	assert_int_equal(r.nref, 1);
	assert_int_equal(r.nhome, 1);
	q(&r, &ctx_nohome, SQ_ID_GET_DOCUMENTS, "LeafClass", "", BY_UUID);
	assert_string_equal(r.objs, "DE2");
	assert_int_equal(r.nhome, 0);
	/* ITI-38: another community; no home on a query without patient id */
	q(&r, &ctx38, SQ_ID_GET_DOCUMENTS, "LeafClass", " home=\"urn:oid:1.2.3\"", BY_UUID);
	assert_string_equal(r.status, "Failure");
	assert_string_equal(r.errs, "XDSUnknownCommunity");
	assert_string_equal(r.objs, "");
	q(&r, &ctx38, SQ_ID_GET_DOCUMENTS, "LeafClass", "", BY_UUID);
	assert_string_equal(r.errs, "XDSMissingHomeCommunityId");
	q(&r, &ctx38, SQ_ID_GET_DOCUMENTS, "LeafClass", "",
	    BY_UUID SLOT("$homeCommunityId", "'" HCID "'"));
	assert_string_equal(r.objs, "DE2");
	/* ITI-18 ignores both rules; FindDocuments needs no home under ITI-38 */
	q(&r, &ctx18, SQ_ID_GET_DOCUMENTS, "LeafClass", " home=\"urn:oid:1.2.3\"", BY_UUID);
	assert_string_equal(r.objs, "DE2");
	q(&r, &ctx38, SQ_ID_FIND_DOCUMENTS, "ObjectRef", "", FD_A ST_A);
	assert_string_equal(r.objs, "DE2,DE4");
	q(&r, &ctx38, SQ_ID_FIND_DOCUMENTS, "ObjectRef", " home=\"urn:oid:9.9\"", FD_A ST_A);
	assert_string_equal(r.errs, "XDSUnknownCommunity");
}

static void
test_limits_and_errors(void **state)
{
	struct sq_context small = { HCID, 0, 2 };
	struct res r;

	(void)state;
	q(&r, &small, SQ_ID_FIND_DOCUMENTS, "ObjectRef", "", FD_A ST_A);
	assert_string_equal(r.objs, "DE2,DE4");
	q(&r, &small, SQ_ID_FIND_DOCUMENTS, "ObjectRef", "", FD_A ST_AD);
	assert_string_equal(r.status, "Failure");
	assert_string_equal(r.errs, "XDSTooManyResults");
	assert_string_equal(r.objs, "");
	q(&r, &ctx18, "urn:uuid:00000000-0000-4000-8000-000000000000", "LeafClass", "", "");
	assert_string_equal(r.errs, "XDSUnknownStoredQuery");
	q(&r, &ctx18, SQ_ID_FIND_DOCUMENTS, "LeafClassWithRepositoryItem", "", FD_A ST_A);
	assert_string_equal(r.errs, "XDSRegistryError");
	q(&r, &ctx18, SQ_ID_FIND_DOCUMENTS, "LeafClass", "", FD_A ST_A
	    SLOT("$XDSDocumentEntryClassCode", "('value^^')"));
	assert_string_equal(r.errs, "XDSRegistryError");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_documents),
		cmocka_unit_test(test_find_submissionsets_folders),
		cmocka_unit_test(test_get_all),
		cmocka_unit_test(test_get_documents),
		cmocka_unit_test(test_get_folders_associations),
		cmocka_unit_test(test_get_submissionsets),
		cmocka_unit_test(test_get_folder_contents),
		cmocka_unit_test(test_get_related),
		cmocka_unit_test(test_find_by_refid),
		cmocka_unit_test(test_home_and_xca),
		cmocka_unit_test(test_limits_and_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
