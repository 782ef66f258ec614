/*
 * tests/unit/sor_builder.h: writes lcm:SubmitObjectsRequest documents for the regstore and
 * regimport tests: a SubmissionSet (classified by a sibling Classification), 1-3
 * DocumentEntries, a Folder (nested classification node) and the HasMember associations,
 * with Japanese names, optionally spoiled by one fault. A header of static functions,
 * not a .c helper, because the Makefile links every tests/unit helper .c into every test
 * binary. Include after <cmocka.h>.
 */
#ifndef HASHI_TESTS_SOR_BUILDER_H
#define HASHI_TESTS_SOR_BUILDER_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"
#include "gateway/ebrim.h"

#define REPO	"1.2.392.200119.6.102.9"
#define PID	"P00123^^^&1.2.392.100495.20.3.51.1&ISO"
#define PID2	"P00999^^^&1.2.392.100495.20.3.51.1&ISO"
/* not a CX, and long enough that a %.64s in an error message cuts a character in two */
#define BAD_PID	"患者番号一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
#define REFID	"ORDER-77^^^&1.2.392.200119.6.102.7&urn:ihe:iti:xds:2013:order"

/* One way to spoil an otherwise valid submission. */
enum fault {
	F_NONE, F_NO_CLASSCODE, F_NO_CODINGSCHEME, F_BAD_CREATIONTIME, F_NO_DOC_PID,
	F_PID_MISMATCH, F_NO_SS_MEMBER, F_BAD_SS_STATUS, F_TWO_SS, F_NO_SOURCEID, F_BAD_PID,
	F_DANGLING, F_NO_MIME, F_BAD_OBJECTTYPE, F_DUP_UID_IN_MSG, F_NO_FOLDER_MEMBER,
	F_FOLDER_PID
};

struct sub {
	int		 ndocs;		/* 1..3 */
	int		 uuids;		/* 1: top-level ids are urn:uuid, else symbolic */
	char		 base[64];	/* uniqueId root: documents .1-.3, set .100, folder .200 */
	const char	*pid;
	enum fault	 fault;
	const char	*rplc;		/* registry DocumentEntry replaced by document 0 */
	const char	*hash0, *size0;	/* size/hash slots of document 0 */
	char		 id[12][64];	/* 0-2 documents, 3 set, 4 folder, 5.. associations */
};

static unsigned int uid_seq;

static inline void
sub_init(struct sub *s, int ndocs)
{
	static const char *const sym[12] = { "Document01", "Document02", "Document03",
	    "SubmissionSet01", "Folder01", "as-ss-d0", "as-ss-d1", "as-ss-d2", "as-ss-fd",
	    "as-fd-d0", "as-ss-as", "as-rplc" };
	int i;

	memset(s, 0, sizeof(*s));
	s->ndocs = ndocs;
	s->pid = PID;
	snprintf(s->base, sizeof(s->base), "1.2.392.200119.6.102.1.%u.%u", (unsigned)getpid(),
	    ++uid_seq);
	for (i = 0; i < 12; i++)
		str_copy(s->id[i], sizeof(s->id[i]), sym[i]);
}

static inline void
sub_use_uuids(struct sub *s)
{
	int i;

	s->uuids = 1;
	for (i = 0; i < 12; i++)
		assert_int_equal(str_uuid_urn(s->id[i], sizeof(s->id[i])), 0);
}

static inline void
slot(struct strbuf *b, const char *name, const char *value)
{
	strbuf_printf(b, "<rim:Slot name=\"%s\"><rim:ValueList><rim:Value>", name);
	strbuf_put_xml(b, value);
	strbuf_puts(b, "</rim:Value></rim:ValueList></rim:Slot>");
}

static inline void
code(struct strbuf *b, const char *obj, const char *scheme, const char *value, int with_cs)
{
	static unsigned int n;

	strbuf_printf(b, "<rim:Classification id=\"cl-%u\" classificationScheme=\"%s\" "
	    "classifiedObject=\"%s\" nodeRepresentation=\"%s\">", ++n, scheme, obj, value);
	if (with_cs)
		slot(b, "codingScheme", "1.2.392.200119.5.1");
	strbuf_puts(b, "<rim:Name><rim:LocalizedString value=\"名称\"/></rim:Name>"
	    "</rim:Classification>");
}

static inline void
extid(struct strbuf *b, const char *obj, const char *scheme, const char *value)
{
	strbuf_printf(b, "<rim:ExternalIdentifier id=\"ei-%s-%.8s\" identificationScheme=\"%s\" "
	    "registryObject=\"%s\" value=\"", obj, scheme + 9, scheme, obj);
	strbuf_put_xml(b, value);
	strbuf_puts(b, "\"/>");
}

static inline void
document(struct strbuf *b, const struct sub *s, int i)
{
	const char *id = s->id[i], *f = s->fault == F_NO_MIME && i == 0 ? "" :
	    " mimeType=\"text/xml\"";
	char uid[96];

	strbuf_printf(b, "\n<rim:ExtrinsicObject id=\"%s\"%s objectType=\"%s\">", id, f,
	    s->fault == F_BAD_OBJECTTYPE && i == 0 ? UUID_FOLDER : UUID_DE_STABLE);
	slot(b, "creationTime", s->fault == F_BAD_CREATIONTIME && i == 0 ? "2024-04-01" :
	    "20240401093000");
	slot(b, "languageCode", "ja-JP");
	slot(b, "sourcePatientId", "L-555^^^&1.2.392.200119.6.102.2&ISO");
	slot(b, "sourcePatientInfo", "PID-5|山田^太郎^^^");
	if (i == 0 && s->hash0 != NULL)
		slot(b, "hash", s->hash0);
	if (i == 0 && s->size0 != NULL)
		slot(b, "size", s->size0);
	if (i == 0)
		slot(b, "urn:ihe:iti:xds:2013:referenceIdList", REFID);
	strbuf_printf(b, "<rim:Name><rim:LocalizedString value=\"診療情報提供書 %d\"/>"
	    "</rim:Name>", i);
	if (!(s->fault == F_NO_CLASSCODE && i == 0))
		code(b, id, UUID_DE_CLASSCODE, "11", 1);
	code(b, id, UUID_DE_TYPECODE, "18842-5", !(s->fault == F_NO_CODINGSCHEME && i == 0));
	code(b, id, UUID_DE_FORMATCODE, "1.2.392.200250.2.1.1", 1);
	code(b, id, UUID_DE_CONFCODE, "N", 1);
	code(b, id, UUID_DE_HCFTYPECODE, "1", 1);
	code(b, id, UUID_DE_PRACTICECODE, "01", 1);
	code(b, id, UUID_DE_EVENTCODE, "E1", 1);
	if (!(s->fault == F_NO_DOC_PID && i == 0))
		extid(b, id, UUID_DE_PATIENTID, s->fault == F_PID_MISMATCH && i == 0 ? PID2 :
		    s->fault == F_BAD_PID && i == 0 ? BAD_PID : s->pid);
	snprintf(uid, sizeof(uid), "%s.%d", s->base, s->fault == F_DUP_UID_IN_MSG ? 1 : i + 1);
	extid(b, id, UUID_DE_UNIQUEID, uid);
	strbuf_puts(b, "</rim:ExtrinsicObject>");
}

static inline void
package(struct strbuf *b, const struct sub *s, int folder, const char *id)
{
	char uid[96];

	snprintf(uid, sizeof(uid), "%s.%d", s->base, folder ? 200 : 100 + (id != s->id[3]));
	strbuf_printf(b, "\n<rim:RegistryPackage id=\"%s\">", id);
	if (!folder)
		slot(b, "submissionTime", "20240401100000");
	strbuf_printf(b, "<rim:Name><rim:LocalizedString value=\"%s\"/></rim:Name>",
	    folder ? "紹介状フォルダ" : "晴れやかネット登録");
	if (folder) {	/* nested classification node; the set uses a sibling one */
		strbuf_printf(b, "<rim:Classification id=\"cn-%s\" classifiedObject=\"%s\" "
		    "classificationNode=\"%s\"/>", id, id, UUID_FOLDER);
		code(b, id, UUID_FD_CODELIST, "C1", 1);
		extid(b, id, UUID_FD_PATIENTID, s->fault == F_FOLDER_PID ? PID2 : s->pid);
		extid(b, id, UUID_FD_UNIQUEID, uid);
	} else {
		code(b, id, UUID_SS_CONTENTTYPE, "CT1", 1);
		extid(b, id, UUID_SS_UNIQUEID, uid);
		if (s->fault != F_NO_SOURCEID)
			extid(b, id, UUID_SS_SOURCEID, "1.2.392.200119.6.102.3");
		extid(b, id, UUID_SS_PATIENTID, s->pid);
	}
	strbuf_puts(b, "</rim:RegistryPackage>");
	if (!folder)
		strbuf_printf(b, "<rim:Classification id=\"cn-%s\" classifiedObject=\"%s\" "
		    "classificationNode=\"%s\"/>", id, id, UUID_SUBMISSIONSET);
}

static inline void
assoc(struct strbuf *b, const char *id, const char *type, const char *src, const char *tgt,
    const char *status)
{
	strbuf_printf(b, "\n<rim:Association id=\"%s\" associationType=\"%s\" sourceObject=\"%s\" "
	    "targetObject=\"%s\">", id, type, src, tgt);
	if (status != NULL)
		slot(b, "SubmissionSetStatus", status);
	strbuf_puts(b, "</rim:Association>");
}

/* Writes the lcm:SubmitObjectsRequest of S (malloc'd). */
static inline char *
sub_xml(const struct sub *s)
{
	struct strbuf b = { 0 };
	int i;

	strbuf_puts(&b, "<lcm:SubmitObjectsRequest xmlns:lcm=\"" NS_LCM "\" xmlns:rim=\""
	    NS_RIM "\"><rim:RegistryObjectList>");
	package(&b, s, 0, s->id[3]);
	if (s->fault == F_TWO_SS)
		package(&b, s, 0, "SubmissionSet02");
	for (i = 0; i < s->ndocs; i++)
		document(&b, s, i);
	package(&b, s, 1, s->id[4]);
	for (i = 0; i < s->ndocs; i++) {
		if (s->fault == F_NO_SS_MEMBER && i == 0)
			continue;
		assoc(&b, s->id[5 + i], ASSOC_HASMEMBER, s->id[3], s->id[i],
		    s->fault == F_BAD_SS_STATUS && i == 0 ? "Copy" : "Original");
	}
	if (s->fault != F_NO_FOLDER_MEMBER)
		assoc(&b, s->id[8], ASSOC_HASMEMBER, s->id[3], s->id[4], NULL);
	assoc(&b, s->id[9], ASSOC_HASMEMBER, s->id[4], s->id[0], NULL);
	assoc(&b, s->id[10], ASSOC_HASMEMBER, s->id[3], s->fault == F_DANGLING ? "Nowhere" :
	    s->id[9], NULL);
	if (s->rplc != NULL)
		assoc(&b, s->id[11], ASSOC_RPLC, s->id[0], s->rplc, NULL);
	strbuf_puts(&b, "</rim:RegistryObjectList></lcm:SubmitObjectsRequest>");
	assert_false(b.sb_failed);
	return strbuf_take(&b, NULL);
}

static inline void
content_text(const struct sub *s, int i, char *buf, size_t sz)
{
	snprintf(buf, sz, "<ClinicalDocument>%s 文書 %d</ClinicalDocument>", s->base, i);
}

static inline char *
uid_of(const struct sub *s, int i, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s.%d", s->base, i);
	return buf;
}

#endif
