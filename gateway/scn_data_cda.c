/*
 * gateway/scn_data_cda: the HL7 CDA R2 documents and ITI-41 requests of scn_data.h, in the
 * shape of tests/data/templates (a JP realm CDA with recordTarget, author, custodian and
 * a structured body; an ITI-41 request with the metadata the embedded registry checks,
 * gateway/regstore_valid.c). Every value goes through strbuf_put_xml.
 */
#include "gateway/scn_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "gateway/ebrim.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define OID_LOINC	"2.16.840.1.113883.6.1"
#define OID_SNOMED	"2.16.840.1.113883.6.96"
#define OID_CONF	"2.16.840.1.113883.5.25"
#define OID_HCF		"2.16.840.1.113883.5.111"
#define OID_FORMAT	"1.3.6.1.4.1.19376.1.2.3"
#define FORMAT_CODE	"urn:ihe:iti:xds:2017:mimeTypeSufficient"

static const char *const cda_meds[] = {
	"アムロジピン錠5mg 1回1錠 1日1回 朝食後",
	"メトホルミン塩酸塩錠250mg 1回1錠 1日2回 朝夕食後",
	"アトルバスタチン錠10mg 1回1錠 1日1回 夕食後", "エドキサバン錠30mg 1回1錠 1日1回 朝食後",
	"フロセミド錠20mg 1回1錠 1日1回 朝食後", "ランソプラゾールOD錠15mg 1回1錠 1日1回 朝食後",
	"アセトアミノフェン錠200mg 1回2錠 疼痛時", "カンデサルタン錠4mg 1回1錠 1日1回 朝食後",
};
static const char *const cda_reasons[] = {
	"精査・加療のお願い", "今後の外来診療の継続のお願い", "専門的治療のご検討のお願い",
	"在宅療養への移行に伴う情報提供", "リハビリテーション継続のお願い",
};
static const char *const cda_past[] = {
	"特記事項なし", "虫垂炎手術 (20歳代)", "白内障手術 (両眼)",
	"胆石症 (腹腔鏡下胆嚢摘出術後)", "結核 (治癒)", "子宮筋腫 (経過観察)",
};
static const char *const cda_instr[] = {
	"塩分6g/日未満の食事を継続してください。", "2週間後に外来を受診してください。",
	"毎朝体重を測定し、2kg以上の増加があれば受診してください。",
	"転倒に注意し、自宅での歩行訓練を続けてください。", "血糖自己測定を1日2回行ってください。",
};
static const char *const cda_recipients[] = {
	"みどり台クリニック", "ひばり台内科医院", "青葉総合病院", "桃園記念病院", "清流診療所",
};

/* splitmix64 again (scn_data.c has the same): the text is drawn from the document's seed. */
static uint32_t
cda_rnd(uint64_t *s, uint32_t m)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) % m);
}

/* Appends <TAG>TEXT</TAG> with TEXT escaped. */
static void
cda_el(struct strbuf *sb, const char *tag, const char *text)
{
	strbuf_printf(sb, "<%s>", tag);
	strbuf_put_xml(sb, text);
	strbuf_printf(sb, "</%s>", tag);
}

/* Appends a birth date YYYY-MM-DD as YYYYMMDD. */
static void
cda_date(struct strbuf *sb, const char *ymd)
{
	for (; *ymd != '\0'; ymd++)
		if (*ymd != '-')
			strbuf_add(sb, ymd, 1);
}

static void
cda_patient(struct strbuf *sb, const struct scn_region *r, const struct scn_doc *d)
{
	const struct scn_person *p = &d->patient;
	const struct scn_doc_meta *m = &d->meta;

	strbuf_puts(sb, "  <recordTarget>\n    <patientRole>\n      <id root=\"");
	strbuf_put_xml(sb, r->assigning_authority);
	strbuf_puts(sb, "\" extension=\"");
	strbuf_put_xml(sb, p->id);
	strbuf_printf(sb, "\"/>\n      <id root=\"%s.1\" extension=\"%s\"/>\n", m->facility_oid,
	    m->mrn);
	if (p->address[0] != '\0' || p->postal[0] != '\0') {
		strbuf_puts(sb, "      <addr use=\"H\">");
		if (p->postal[0] != '\0')
			cda_el(sb, "postalCode", p->postal);
		if (p->address[0] != '\0')
			cda_el(sb, "streetAddressLine", p->address);
		strbuf_puts(sb, "</addr>\n");
	}
	strbuf_puts(sb, "      <patient>\n        <name use=\"IDE\">");
	cda_el(sb, "family", p->family);
	cda_el(sb, "given", p->given);
	strbuf_puts(sb, "</name>\n        <name use=\"SYL\">");
	cda_el(sb, "family", p->family_kana);
	cda_el(sb, "given", p->given_kana);
	strbuf_printf(sb, "</name>\n        <administrativeGenderCode code=\"%s\" "
	    "codeSystem=\"2.16.840.1.113883.5.1\"/>\n        <birthTime value=\"",
	    strcmp(p->sex, "M") == 0 || strcmp(p->sex, "F") == 0 ? p->sex : "UN");
	cda_date(sb, p->birth);
	strbuf_puts(sb, "\"/>\n      </patient>\n    </patientRole>\n  </recordTarget>\n");
}

static void
cda_author(struct strbuf *sb, const struct scn_doc_meta *m)
{
	strbuf_printf(sb, "  <author>\n    <time value=\"%s\"/>\n    <assignedAuthor>\n"
	    "      <id root=\"%s.2\" extension=\"%s\"/>\n      <assignedPerson><name use=\"IDE\">",
	    m->effective, m->facility_oid, m->doctor_id);
	cda_el(sb, "family", m->doctor_family);
	cda_el(sb, "given", m->doctor_given);
	strbuf_printf(sb, "</name></assignedPerson>\n      <representedOrganization>\n"
	    "        <id root=\"%s\"/>\n        <name>", m->facility_oid);
	strbuf_put_xml(sb, m->facility);
	strbuf_puts(sb, " ");
	strbuf_put_xml(sb, m->dept_name);
	strbuf_printf(sb, "</name>\n      </representedOrganization>\n    </assignedAuthor>\n"
	    "  </author>\n  <custodian>\n    <assignedCustodian>\n"
	    "      <representedCustodianOrganization>\n        <id root=\"%s\"/>\n        ",
	    m->facility_oid);
	cda_el(sb, "name", m->facility);
	strbuf_puts(sb, "\n      </representedCustodianOrganization>\n    </assignedCustodian>\n"
	    "  </custodian>\n");
}

/* A section: LOINC CODE, its display name, the title and either TEXT or a <list> of the
 * N items ITEMS. */
static void
cda_section(struct strbuf *sb, const char *code, const char *display, const char *title,
    const char *text, const char *const *items, size_t n)
{
	size_t i;

	strbuf_printf(sb, "      <component>\n        <section>\n          <code code=\"%s\" "
	    "codeSystem=\"" OID_LOINC "\" displayName=\"%s\"/>\n          ", code, display);
	cda_el(sb, "title", title);
	strbuf_puts(sb, "\n          <text>");
	if (text != NULL)
		strbuf_put_xml(sb, text);
	for (i = 0; i < n; i++) {
		strbuf_puts(sb, i == 0 ? "<list>" : "");
		cda_el(sb, "item", items[i]);
		strbuf_puts(sb, i + 1 == n ? "</list>" : "");
	}
	strbuf_puts(sb, "</text>\n        </section>\n      </component>\n");
}

/* The medications: one to three different ones. */
static size_t
cda_meds_pick(uint64_t *seed, const char **out)
{
	size_t n = 1 + cda_rnd(seed, 3), i, k = 0, j;
	const char *v;

	for (i = 0; i < n; i++) {
		v = cda_meds[cda_rnd(seed, NELEM(cda_meds))];
		for (j = 0; j < k && out[j] != v; j++)
			;
		if (j == k)
			out[k++] = v;
	}
	return k;
}

static void
cda_discharge(struct strbuf *sb, const struct scn_doc *d, uint64_t *seed)
{
	const struct scn_doc_meta *m = &d->meta;
	const char *meds[3];
	size_t nmeds = cda_meds_pick(seed, meds);
	char course[512];

	strbuf_printf(sb, "  <componentOf>\n    <encompassingEncounter>\n      <effectiveTime>"
	    "<low value=\"%s\"/><high value=\"%s\"/></effectiveTime>\n"
	    "    </encompassingEncounter>\n  </componentOf>\n"
	    "  <component>\n    <structuredBody>\n", m->start, m->stop);
	snprintf(course, sizeof(course), "%.4s年%.2s月%.2s日、%sの診断にて当院%sに入院。入院後は"
	    "薬物療法とリハビリテーションを行い、全身状態は改善した。%.4s年%.2s月%.2s日に自宅退院"
	    "となった。", m->start, m->start + 4, m->start + 6, m->dx, m->dept_name, m->stop,
	    m->stop + 4, m->stop + 6);
	cda_section(sb, "46241-6", "入院時診断", "入院時診断", NULL, &m->dx, 1);
	cda_section(sb, "11535-2", "退院時診断", "退院時診断", NULL, &m->dx, 1);
	cda_section(sb, "8648-8", "入院経過", "入院経過", course, NULL, 0);
	cda_section(sb, "10183-2", "退院時処方", "退院時処方", NULL, meds, nmeds);
	cda_section(sb, "8653-8", "退院時指示", "退院後の指示",
	    cda_instr[cda_rnd(seed, NELEM(cda_instr))], NULL, 0);
}

static void
cda_referral(struct strbuf *sb, const struct scn_doc *d, uint64_t *seed)
{
	const struct scn_doc_meta *m = &d->meta;
	const char *meds[3];
	size_t nmeds;
	char illness[512];

	strbuf_puts(sb, "  <informationRecipient>\n    <intendedRecipient>\n"
	    "      <informationRecipient><name>ご担当医 御侍史</name></informationRecipient>\n"
	    "      <receivedOrganization>");
	cda_el(sb, "name", cda_recipients[cda_rnd(seed, NELEM(cda_recipients))]);
	strbuf_puts(sb, "</receivedOrganization>\n    </intendedRecipient>\n"
	    "  </informationRecipient>\n  <component>\n    <structuredBody>\n");
	snprintf(illness, sizeof(illness), "%d年頃より%sにて当院%sに通院中。最近の経過をご報告"
	    "いたします。ご高診のほどよろしくお願い申し上げます。",
	    atoi(m->start) / 10000 - 1 - (int)cda_rnd(seed, 10),
	    m->dx, m->dept_name);
	cda_section(sb, "42349-1", "紹介目的", "紹介目的",
	    cda_reasons[cda_rnd(seed, NELEM(cda_reasons))], NULL, 0);
	cda_section(sb, "11450-4", "傷病名", "傷病名", NULL, &m->dx, 1);
	cda_section(sb, "11348-0", "既往歴", "既往歴", cda_past[cda_rnd(seed, NELEM(cda_past))],
	    NULL, 0);
	cda_section(sb, "10164-2", "現病歴", "症状経過・現病歴", illness, NULL, 0);
	nmeds = cda_meds_pick(seed, meds);
	cda_section(sb, "10160-0", "処方", "現在の処方", NULL, meds, nmeds);
}

int
scn_data_cda(const struct scn_region *r, const struct scn_doc *d, struct strbuf *out)
{
	uint64_t seed = d->meta.seed;

	strbuf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- 合成テストデータ "
	    "(synthetic test data, Hashi): 実在の人物・医療機関とは関係ありません -->\n"
	    "<ClinicalDocument xmlns=\"urn:hl7-org:v3\">\n  <realmCode code=\"JP\"/>\n"
	    "  <typeId root=\"2.16.840.1.113883.1.3\" extension=\"POCD_HD000040\"/>\n"
	    "  <id root=\"");
	strbuf_put_xml(out, d->unique_id);
	strbuf_puts(out, "\"/>\n  <code code=\"");
	strbuf_put_xml(out, d->class_code);
	strbuf_puts(out, "\" codeSystem=\"" OID_LOINC "\" codeSystemName=\"LOINC\" "
	    "displayName=\"");
	strbuf_put_xml(out, d->title);
	strbuf_puts(out, "\"/>\n  ");
	cda_el(out, "title", d->title);
	strbuf_printf(out, "\n  <effectiveTime value=\"%s\"/>\n  <confidentialityCode code=\"N\" "
	    "codeSystem=\"" OID_CONF "\"/>\n  <languageCode code=\"ja-JP\"/>\n",
	    d->meta.effective);
	cda_patient(out, r, d);
	cda_author(out, &d->meta);
	if (strcmp(d->class_code, "18842-5") == 0)
		cda_discharge(out, d, &seed);
	else
		cda_referral(out, d, &seed);
	strbuf_puts(out, "    </structuredBody>\n  </component>\n</ClinicalDocument>\n");
	return out->sb_failed ? -1 : 0;
}

/* ---- documents ---- */

int
scn_data_doc_uid(const struct scn_region *r, size_t n, char *buf, size_t bufsz)
{
	const char *oid = r->hcid;
	int len;

	if (n == 0 || oid == NULL)
		return -1;
	if (str_has_prefix(oid, "urn:oid:"))
		oid += 8;
	len = snprintf(buf, bufsz, "%s.3.%zu", oid, n);
	return len < 0 || (size_t)len >= bufsz ? -1 : 0;
}

void
scn_data_doc_free(struct scn_doc *d)
{
	if (d == NULL)
		return;
	free(d->handle);
	free(d->unique_id);
	free(d->class_code);
	free(d->title);
	free(d->data);
	free(d);
}

/* ---- the ITI-41 request ---- */

/* Appends V with the HL7 v2 delimiters escaped (a name in sourcePatientInfo). */
static void
pnr_v2(struct strbuf *sb, const char *v)
{
	static const char *const esc[] = { "\\F\\", "\\S\\", "\\T\\", "\\R\\", "\\E\\" };
	const char *delims = "|^&~\\", *q;
	struct strbuf t = { 0 };

	for (; *v != '\0'; v++) {
		if ((q = strchr(delims, *v)) != NULL)
			strbuf_puts(&t, esc[q - delims]);
		else
			strbuf_add(&t, v, 1);
	}
	strbuf_put_xml(sb, t.sb_data != NULL ? t.sb_data : "");
	if (t.sb_failed)
		sb->sb_failed = 1;
	strbuf_reset(&t);
}

static void
pnr_slot(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_printf(sb, "<rim:Slot name=\"%s\"><rim:ValueList><rim:Value>", name);
	strbuf_put_xml(sb, value);
	strbuf_puts(sb, "</rim:Value></rim:ValueList></rim:Slot>\n");
}

static void
pnr_name(struct strbuf *sb, const char *value)
{
	strbuf_puts(sb, "<rim:Name><rim:LocalizedString xml:lang=\"ja-JP\" value=\"");
	strbuf_put_xml(sb, value);
	strbuf_puts(sb, "\"/></rim:Name>\n");
}

/* A coded Classification ID of OBJ: SCHEME, CODE in CODING, shown as DISPLAY. */
static void
pnr_code(struct strbuf *sb, const char *id, const char *obj, const char *scheme,
    const char *code, const char *coding, const char *display)
{
	strbuf_printf(sb, "<rim:Classification id=\"%s\" classificationScheme=\"%s\" "
	    "classifiedObject=\"%s\" nodeRepresentation=\"", id, scheme, obj);
	strbuf_put_xml(sb, code);
	strbuf_puts(sb, "\">\n");
	pnr_slot(sb, "codingScheme", coding);
	pnr_name(sb, display);
	strbuf_puts(sb, "</rim:Classification>\n");
}

static void
pnr_extid(struct strbuf *sb, const char *id, const char *obj, const char *scheme,
    const char *value, const char *name)
{
	strbuf_printf(sb, "<rim:ExternalIdentifier id=\"%s\" identificationScheme=\"%s\" "
	    "registryObject=\"%s\" value=\"", id, scheme, obj);
	strbuf_put_xml(sb, value);
	strbuf_printf(sb, "\">\n<rim:Name><rim:LocalizedString value=\"%s\"/></rim:Name>\n"
	    "</rim:ExternalIdentifier>\n", name);
}

static void
pnr_author(struct strbuf *sb, const char *id, const char *obj, const char *scheme,
    const struct scn_doc_meta *m)
{
	char v[320];

	strbuf_printf(sb, "<rim:Classification id=\"%s\" classificationScheme=\"%s\" "
	    "classifiedObject=\"%s\" nodeRepresentation=\"\">\n", id, scheme, obj);
	snprintf(v, sizeof(v), "%s^%s^%s^^^^^^&%s.2&ISO", m->doctor_id, m->doctor_family,
	    m->doctor_given, m->facility_oid);
	pnr_slot(sb, "authorPerson", v);
	snprintf(v, sizeof(v), "%s^^^^^^^^^%s", m->facility, m->facility_oid);
	pnr_slot(sb, "authorInstitution", v);
	pnr_slot(sb, "authorRole", "主治医");
	pnr_slot(sb, "authorSpecialty", m->dept_name);
	strbuf_puts(sb, "</rim:Classification>\n");
}

static void
pnr_patient_info(struct strbuf *sb, const struct scn_doc *d, const char *src)
{
	const struct scn_person *p = &d->patient;

	strbuf_puts(sb, "<rim:Slot name=\"sourcePatientInfo\"><rim:ValueList>\n<rim:Value>PID-3|");
	strbuf_put_xml(sb, src);
	strbuf_puts(sb, "</rim:Value>\n<rim:Value>PID-5|");
	pnr_v2(sb, p->family);
	strbuf_puts(sb, "^");
	pnr_v2(sb, p->given);
	strbuf_puts(sb, "^^^^^L^I</rim:Value>\n<rim:Value>PID-5|");
	pnr_v2(sb, p->family_kana);
	strbuf_puts(sb, "^");
	pnr_v2(sb, p->given_kana);
	strbuf_puts(sb, "^^^^^L^P</rim:Value>\n<rim:Value>PID-7|");
	cda_date(sb, p->birth);
	strbuf_printf(sb, "</rim:Value>\n<rim:Value>PID-8|%s</rim:Value>\n", p->sex);
	if (p->address[0] != '\0' || p->postal[0] != '\0') {
		strbuf_puts(sb, "<rim:Value>PID-11|");
		pnr_v2(sb, p->address);
		strbuf_puts(sb, "^^^^");
		pnr_v2(sb, p->postal);
		strbuf_puts(sb, "^JPN^H</rim:Value>\n");
	}
	strbuf_puts(sb, "</rim:ValueList></rim:Slot>\n");
}

static void
pnr_entry(struct strbuf *sb, const struct scn_doc *d, const char *cx)
{
	const struct scn_doc_meta *m = &d->meta;
	const char *e = "Document01";
	char src[128], size[24];

	snprintf(src, sizeof(src), "%s^^^&%s.1&ISO", m->mrn, m->facility_oid);
	snprintf(size, sizeof(size), "%zu", d->len);
	strbuf_printf(sb, "<rim:ExtrinsicObject id=\"%s\" mimeType=\"text/xml\" "
	    "objectType=\"%s\">\n", e, UUID_DE_STABLE);
	pnr_slot(sb, "creationTime", m->created);
	pnr_slot(sb, "languageCode", "ja-JP");
	pnr_slot(sb, "serviceStartTime", m->start);
	pnr_slot(sb, "serviceStopTime", m->stop);
	pnr_slot(sb, "size", size);
	pnr_slot(sb, "sourcePatientId", src);
	pnr_patient_info(sb, d, src);
	pnr_name(sb, d->title);
	pnr_author(sb, "cl-author", e, UUID_DE_AUTHOR, m);
	pnr_code(sb, "cl-class", e, UUID_DE_CLASSCODE, d->class_code, OID_LOINC, d->title);
	pnr_code(sb, "cl-conf", e, UUID_DE_CONFCODE, "N", OID_CONF, "通常");
	pnr_code(sb, "cl-format", e, UUID_DE_FORMATCODE, FORMAT_CODE, OID_FORMAT,
	    "mimeType Sufficient");
	pnr_code(sb, "cl-hcf", e, UUID_DE_HCFTYPECODE, m->facility_type, OID_HCF,
	    m->facility_type_name);
	pnr_code(sb, "cl-practice", e, UUID_DE_PRACTICECODE, m->dept_code, OID_SNOMED,
	    m->dept_name);
	pnr_code(sb, "cl-type", e, UUID_DE_TYPECODE, d->class_code, OID_LOINC, d->title);
	pnr_extid(sb, "ei-pid", e, UUID_DE_PATIENTID, cx, "XDSDocumentEntry.patientId");
	pnr_extid(sb, "ei-uid", e, UUID_DE_UNIQUEID, d->unique_id, "XDSDocumentEntry.uniqueId");
	strbuf_puts(sb, "</rim:ExtrinsicObject>\n");
}

static void
pnr_set(struct strbuf *sb, const struct scn_region *r, const struct scn_doc *d,
    const char *cx)
{
	const char *ss = "SubmissionSet01", *oid = r->hcid;
	char v[160];

	if (str_has_prefix(oid, "urn:oid:"))
		oid += 8;
	strbuf_printf(sb, "<rim:RegistryPackage id=\"%s\">\n", ss);
	pnr_slot(sb, "submissionTime", d->meta.created);
	snprintf(v, sizeof(v), "地域医療連携 文書登録 %s", d->patient.id);
	pnr_name(sb, v);
	pnr_author(sb, "cl-ss-author", ss, UUID_SS_AUTHOR, &d->meta);
	pnr_code(sb, "cl-ss-content", ss, UUID_SS_CONTENTTYPE, d->class_code, OID_LOINC,
	    d->title);
	snprintf(v, sizeof(v), "%s.4.%zu", oid, d->n);
	pnr_extid(sb, "ei-ss-uid", ss, UUID_SS_UNIQUEID, v, "XDSSubmissionSet.uniqueId");
	snprintf(v, sizeof(v), "%s.5.1", oid);
	pnr_extid(sb, "ei-ss-src", ss, UUID_SS_SOURCEID, v, "XDSSubmissionSet.sourceId");
	pnr_extid(sb, "ei-ss-pid", ss, UUID_SS_PATIENTID, cx, "XDSSubmissionSet.patientId");
	strbuf_printf(sb, "</rim:RegistryPackage>\n<rim:Classification id=\"cl-ss\" "
	    "classifiedObject=\"%s\" classificationNode=\"%s\"/>\n", ss, UUID_SUBMISSIONSET);
	strbuf_printf(sb, "<rim:Association id=\"as-member\" associationType=\"%s\" "
	    "sourceObject=\"%s\" targetObject=\"Document01\">\n", ASSOC_HASMEMBER, ss);
	pnr_slot(sb, "SubmissionSetStatus", "Original");
	strbuf_puts(sb, "</rim:Association>\n");
}

/* Appends DATA in base64, in lines of 76 characters. */
static void
pnr_base64(struct strbuf *sb, const uint8_t *data, size_t len)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[4];
	uint32_t v;
	size_t i;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)data[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		out[0] = abc[v >> 18];
		out[1] = abc[(v >> 12) & 63];
		out[2] = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		out[3] = i + 2 < len ? abc[v & 63] : '=';
		strbuf_add(sb, out, 4);
		if ((i / 3 + 1) % 19 == 0 && i + 3 < len)
			strbuf_puts(sb, "\n");
	}
}

int
scn_data_pnr(const struct scn_region *r, const struct scn_doc *d, struct strbuf *out)
{
	char cx[256];
	int n;

	n = snprintf(cx, sizeof(cx), "%s^^^&%s&ISO", d->patient.id, r->assigning_authority);
	if (n < 0 || (size_t)n >= sizeof(cx))
		return -1;
	strbuf_puts(out, "<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb=\"" NS_XDSB
	    "\" xmlns:lcm=\"" NS_LCM "\" xmlns:rim=\"" NS_RIM "\">\n<lcm:SubmitObjectsRequest>\n"
	    "<rim:RegistryObjectList>\n");
	pnr_entry(out, d, cx);
	pnr_set(out, r, d, cx);
	strbuf_puts(out, "</rim:RegistryObjectList>\n</lcm:SubmitObjectsRequest>\n"
	    "<xdsb:Document id=\"Document01\">");
	pnr_base64(out, d->data, d->len);
	strbuf_puts(out, "</xdsb:Document>\n</xdsb:ProvideAndRegisterDocumentSetRequest>");
	return out->sb_failed ? -1 : 0;
}
