/*
 * gateway/xcpd_build: writing PRPA_IN201305UV02 and PRPA_IN201306UV02 (see xcpd_msg.h). The
 * element order is the HL7 V3 2008 Normative Edition schemas' (multicacheschemas
 * PRPA_IN201305UV02 / PRPA_IN201306UV02), which the unit tests validate against. Every
 * text goes through strbuf_put_xml; C0 control characters, which XML 1.0 cannot carry,
 * make the build fail instead of producing a document the peer would reject.
 */
#include "gateway/xcpd_msg.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gateway/ebrim.h"

#define XB_XSI		"http://www.w3.org/2001/XMLSchema-instance"
#define XB_OID_INTERACTION "2.16.840.1.113883.1.6"
#define XB_OID_GENDER	"2.16.840.1.113883.5.1"
#define XB_OID_ISSUE	"2.16.840.1.113883.5.4"	/* ActCode: ActAdministrativeDetectedIssueCode */
#define XB_DEVICE	" classCode=\"DEV\" determinerCode=\"INSTANCE\""

/* A writer that remembers its first error, so sequences of puts are checked once. */
struct xb {
	struct strbuf	*b_sb;
	enum xcpd_err	 b_err;
};

static void
xb_puts(struct xb *b, const char *s)
{
	if (b->b_err == XCPD_OK && strbuf_puts(b->b_sb, s) == -1)
		b->b_err = XCPD_ERR_NOMEM;
}

/* Escaped text (or attribute value) S. */
static void
xb_text(struct xb *b, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; b->b_err == XCPD_OK && *p != '\0'; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			b->b_err = XCPD_ERR_VALUE;
	if (b->b_err == XCPD_OK && strbuf_put_xml(b->b_sb, s) == -1)
		b->b_err = XCPD_ERR_NOMEM;
}

static void
xb_fail(struct xb *b, enum xcpd_err e)
{
	if (b->b_err == XCPD_OK)
		b->b_err = e;
}

/* "<" TAG: tags are our constants, never escaped. */
static void
xb_open(struct xb *b, const char *tag)
{
	xb_puts(b, "<");
	xb_puts(b, tag);
}

/* "</" TAG ">" */
static void
xb_close(struct xb *b, const char *tag)
{
	xb_puts(b, "</");
	xb_puts(b, tag);
	xb_puts(b, ">");
}

/* PRE, escaped S, POST. */
static void
xb_wrap(struct xb *b, const char *pre, const char *s, const char *post)
{
	xb_puts(b, pre);
	xb_text(b, s);
	xb_puts(b, post);
}

/* <NAME root=".." extension=".."/>; nullFlavor UNK when II has no root. */
static void
xb_ii(struct xb *b, const char *name, const struct xcpd_ii *ii)
{
	xb_open(b, name);
	if (ii == NULL || ii->ii_root[0] == '\0') {
		xb_puts(b, " nullFlavor=\"UNK\"/>");
		return;
	}
	xb_wrap(b, " root=\"", ii->ii_root, "\"");
	if (ii->ii_ext[0] != '\0')
		xb_wrap(b, " extension=\"", ii->ii_ext, "\"");
	xb_puts(b, "/>");
}

/* <NAME code=".." codeSystem=".."/> */
static void
xb_code(struct xb *b, const char *name, const char *code, const char *system)
{
	xb_open(b, name);
	xb_wrap(b, " code=\"", code, "\"");
	if (system != NULL && system[0] != '\0')
		xb_wrap(b, " codeSystem=\"", system, "\"");
	xb_puts(b, "/>");
}

/* Returns the OID of HCID "urn:oid:OID", or NULL when it is not one. */
static const char *
xb_hcid_oid(const char *hcid)
{
	if (!str_has_prefix(hcid, "urn:oid:") || !ebrim_is_oid(hcid + 8))
		return NULL;
	return hcid + 8;
}

/* <receiver|sender typeCode=..><device><id/>[asAgent with HCID]</device></...>. A device
 * without an id of its own is named by its community's OID. */
static void
xb_party(struct xb *b, const char *tag, const char *type, const struct xcpd_ii *dev,
    const char *hcid)
{
	const char *oid = NULL;
	struct xcpd_ii fallback;

	if (hcid != NULL && hcid[0] != '\0' && (oid = xb_hcid_oid(hcid)) == NULL)
		xb_fail(b, XCPD_ERR_VALUE);
	if ((dev == NULL || dev->ii_root[0] == '\0') && oid != NULL) {
		memset(&fallback, 0, sizeof(fallback));
		(void)str_copy(fallback.ii_root, sizeof(fallback.ii_root), oid);
		dev = &fallback;
	}
	xb_open(b, tag);
	xb_wrap(b, " typeCode=\"", type, "\"><device" XB_DEVICE ">");
	xb_ii(b, "id", dev);
	if (oid != NULL)
		xb_wrap(b, "<asAgent classCode=\"AGNT\"><representedOrganization classCode=\"ORG\" "
		    "determinerCode=\"INSTANCE\"><id root=\"", oid, "\"/></representedOrganization>"
		    "</asAgent>");
	xb_puts(b, "</device>");
	xb_close(b, tag);
}

/* The start of the transmission wrapper: the message element, id, creationTime,
 * interactionId and the processing and accept-acknowledgement codes. */
static void
xb_head(struct xb *b, const char *interaction, const struct xcpd_ii *msg_id,
    const char *ack_code)
{
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);

	if (gmtime_r(&now, &tm) == NULL || strftime(ts, sizeof(ts), "%Y%m%d%H%M%S+0000",
	    &tm) == 0) {
		xb_fail(b, XCPD_ERR_VALUE);
		return;
	}
	xb_open(b, interaction);
	xb_puts(b, " xmlns=\"" XCPD_NS "\" xmlns:xsi=\"" XB_XSI "\" "
	    "ITSVersion=\"XML_1.0\">");
	xb_ii(b, "id", msg_id);
	xb_wrap(b, "<creationTime value=\"", ts, "\"/>");
	xb_wrap(b, "<interactionId root=\"" XB_OID_INTERACTION "\" extension=\"", interaction,
	    "\"/><processingCode code=\"P\"/><processingModeCode code=\"T\"/>");
	xb_wrap(b, "<acceptAckCode code=\"", ack_code, "\"/>");
}

/* Writes a name as EN/PN parts under TAG (value or name) with use USE. */
static void
xb_name(struct xb *b, const char *tag, const char *use, const struct mpi_name *nm)
{
	if (nm->mn_family[0] == '\0' && nm->mn_given[0] == '\0')
		return;
	xb_open(b, tag);
	xb_wrap(b, " use=\"", use, "\">");
	if (nm->mn_family[0] != '\0')
		xb_wrap(b, "<family>", nm->mn_family, "</family>");
	if (nm->mn_given[0] != '\0')
		xb_wrap(b, "<given>", nm->mn_given, "</given>");
	xb_close(b, tag);
}

/* Length in bytes of the prefecture at the start of ADDR, or 0: two kanji + 都/道/府/県,
 * or three kanji + 県 (神奈川県, 和歌山県, 鹿児島県). Kanji are 3 bytes in UTF-8. */
static size_t
xb_prefecture(const char *addr)
{
	static const char *const suffix[] = { "都", "道", "府", "県" };
	size_t i, len = strlen(addr);

	if (((unsigned char)addr[0] & 0x80) == 0)
		return 0;
	for (i = 0; i < 4 && len >= 9; i++)
		if (memcmp(addr + 6, suffix[i], 3) == 0)
			return 9;
	if (len >= 12 && memcmp(addr + 9, "県", 3) == 0)
		return 12;
	return 0;
}

/* Writes D's address as AD under TAG: the prefecture as state when it leads the text, the
 * rest as one streetAddressLine (the reader joins them back unchanged), the postal code
 * as NNN-NNNN. Nothing when D has no address. */
static void
xb_addr(struct xb *b, const char *tag, const struct mpi_demog *d)
{
	char pref[16];
	size_t n = xb_prefecture(d->md_addr);

	if (d->md_addr[0] == '\0' && d->md_postal[0] == '\0')
		return;
	xb_open(b, tag);
	xb_puts(b, ">");
	if (n > 0) {
		memcpy(pref, d->md_addr, n);
		pref[n] = '\0';
		xb_wrap(b, "<state>", pref, "</state>");
	}
	if (d->md_addr[n] != '\0')
		xb_wrap(b, "<streetAddressLine>", d->md_addr + n, "</streetAddressLine>");
	if (strlen(d->md_postal) == 7) {
		snprintf(pref, sizeof(pref), "%.3s-%.4s", d->md_postal, d->md_postal + 3);
		xb_wrap(b, "<postalCode>", pref, "</postalCode>");
	} else if (d->md_postal[0] != '\0') {
		xb_wrap(b, "<postalCode>", d->md_postal, "</postalCode>");
	}
	xb_close(b, tag);
}

static int
xb_has_name(const struct mpi_demog *d)
{
	return d->md_kanji.mn_family[0] != '\0' || d->md_kanji.mn_given[0] != '\0' ||
	    d->md_kana.mn_family[0] != '\0' || d->md_kana.mn_given[0] != '\0';
}

static const char *
xb_gender(char sex)
{
	switch (sex) {
	case 'M': return "M";
	case 'F': return "F";
	case 'O':
	case 'U': return "UN";	/* AdministrativeGender has no "other" */
	}
	return NULL;
}

/* Ends query parameter NAME: its semanticsText (required by the schema), then the end
 * tag. */
static void
xb_param_close(struct xb *b, const char *name, const char *sem)
{
	xb_wrap(b, "<semanticsText>", sem, "</semanticsText>");
	xb_close(b, name);
}

static void
xb_params(struct xb *b, const struct xcpd_query *q)
{
	const struct mpi_demog *d = &q->xq_demog;
	const char *g = xb_gender(d->md_sex);
	size_t i;

	xb_puts(b, "<parameterList>");
	if (g != NULL) {
		xb_puts(b, "<livingSubjectAdministrativeGender>");
		xb_code(b, "value", g, XB_OID_GENDER);
		xb_param_close(b, "livingSubjectAdministrativeGender",
		    "LivingSubject.administrativeGender");
	}
	if (d->md_birth[0] != '\0') {
		xb_wrap(b, "<livingSubjectBirthTime><value value=\"", d->md_birth, "\"/>");
		xb_param_close(b, "livingSubjectBirthTime", "LivingSubject.birthTime");
	}
	for (i = 0; i < q->xq_nids && i < XCPD_MAX_IDS; i++) {
		xb_puts(b, "<livingSubjectId>");
		xb_ii(b, "value", &q->xq_ids[i]);
		xb_param_close(b, "livingSubjectId", "LivingSubject.id");
	}
	if (xb_has_name(d)) {
		xb_puts(b, "<livingSubjectName>");
		xb_name(b, "value", "IDE", &d->md_kanji);
		xb_name(b, "value", "SYL", &d->md_kana);
		xb_param_close(b, "livingSubjectName", "LivingSubject.name");
	}
	if (d->md_addr[0] != '\0' || d->md_postal[0] != '\0') {
		xb_puts(b, "<patientAddress>");
		xb_addr(b, "value", d);
		xb_param_close(b, "patientAddress", "Patient.addr");
	}
	if (d->md_phone[0] != '\0') {
		xb_wrap(b, "<patientTelecom><value value=\"tel:", d->md_phone, "\"/>");
		xb_param_close(b, "patientTelecom", "Patient.telecom");
	}
	xb_puts(b, "</parameterList>");
}

static void
xb_query_by_parameter(struct xb *b, const struct xcpd_query *q)
{
	xb_puts(b, "<queryByParameter>");
	xb_ii(b, "queryId", &q->xq_query_id);
	xb_puts(b, "<statusCode code=\"new\"/><responseModalityCode code=\"R\"/>"
	    "<responsePriorityCode code=\"I\"/>");
	xb_params(b, q);
	xb_puts(b, "</queryByParameter>");
}

int
xcpd_ii_uuid(struct xcpd_ii *ii)
{
	char urn[64];

	memset(ii, 0, sizeof(*ii));
	if (str_uuid_urn(urn, sizeof(urn)) == -1)
		return -1;
	return str_copy(ii->ii_root, sizeof(ii->ii_root), urn + 9);	/* after "urn:uuid:" */
}

enum xcpd_err
xcpd_build_query(const struct xcpd_query *q, struct strbuf *sb)
{
	struct xb b = { sb, XCPD_OK };
	const struct mpi_demog *d = &q->xq_demog;

	if (q->xq_msg_id.ii_root[0] == '\0' || q->xq_query_id.ii_root[0] == '\0' ||
	    (q->xq_sender_device.ii_root[0] == '\0' && q->xq_sender_hcid[0] == '\0') ||
	    (q->xq_receiver_device.ii_root[0] == '\0' && q->xq_receiver_hcid[0] == '\0'))
		return XCPD_ERR_MISSING;
	if (q->xq_nids == 0 && (d->md_birth[0] == '\0' || !xb_has_name(d)))
		return XCPD_ERR_MISSING;
	if (q->xq_nids > XCPD_MAX_IDS)
		return XCPD_ERR_TOO_MANY;
	xb_head(&b, "PRPA_IN201305UV02", &q->xq_msg_id, "AL");
	xb_party(&b, "receiver", "RCV", &q->xq_receiver_device, q->xq_receiver_hcid);
	xb_party(&b, "sender", "SND", &q->xq_sender_device, q->xq_sender_hcid);
	xb_puts(&b, "<controlActProcess classCode=\"CACT\" moodCode=\"EVN\">"
	    "<code code=\"PRPA_TE201305UV02\" codeSystem=\"" XB_OID_INTERACTION "\"/>");
	xb_query_by_parameter(&b, q);
	xb_puts(&b, "</controlActProcess></PRPA_IN201305UV02>");
	return b.b_err;
}

/* ---- the answer ---- */

/* The patient role of match M: CX split back into II, person, match score. */
static void
xb_patient(struct xb *b, const struct xcpd_match *m)
{
	const struct mpi_demog *d = &m->xm_demog;
	const char *caret = strstr(m->xm_pid, "^^^&"), *g = xb_gender(d->md_sex);
	char ext[MPI_ID_MAX], oid[MPI_ID_MAX], score[16];
	size_t n;

	if (!ebrim_is_cx(m->xm_pid) || caret == NULL) {
		xb_fail(b, XCPD_ERR_VALUE);
		return;
	}
	n = (size_t)(caret - m->xm_pid);
	memcpy(ext, m->xm_pid, n);
	ext[n] = '\0';
	(void)str_copy(oid, sizeof(oid), caret + 4);
	oid[strcspn(oid, "&")] = '\0';
	xb_wrap(b, "<subject1 typeCode=\"SBJ\"><patient classCode=\"PAT\"><id root=\"", oid, "\"");
	xb_wrap(b, " extension=\"", ext, "\"/><statusCode code=\"active\"/>"
	    "<patientPerson classCode=\"PSN\" determinerCode=\"INSTANCE\">");
	xb_name(b, "name", "IDE", &d->md_kanji);
	xb_name(b, "name", "SYL", &d->md_kana);
	if (!xb_has_name(d))
		xb_puts(b, "<name nullFlavor=\"UNK\"/>");	/* name is 1..* */
	if (d->md_phone[0] != '\0')
		xb_wrap(b, "<telecom value=\"tel:", d->md_phone, "\"/>");
	if (g != NULL)
		xb_code(b, "administrativeGenderCode", g, XB_OID_GENDER);
	if (d->md_birth[0] != '\0')
		xb_wrap(b, "<birthTime value=\"", d->md_birth, "\"/>");
	xb_addr(b, "addr", d);
	xb_puts(b, "</patientPerson><subjectOf1><queryMatchObservation classCode=\"COND\" "
	    "moodCode=\"EVN\"><code code=\"IHE_PDQ\"/>");
	if (m->xm_score >= 0 && m->xm_score <= 100) {
		snprintf(score, sizeof(score), "%d", m->xm_score);
		xb_wrap(b, "<value xsi:type=\"INT\" value=\"", score, "\"/>");
	} else {
		xb_puts(b, "<value xsi:type=\"INT\" nullFlavor=\"NI\"/>");
	}
	xb_puts(b, "</queryMatchObservation></subjectOf1></patient></subject1>");
}

static void
xb_match(struct xb *b, const struct xcpd_answer *a, const struct xcpd_match *m)
{
	const char *oid = xb_hcid_oid(m->xm_hcid[0] != '\0' ? m->xm_hcid : a->xa_hcid);

	if (oid == NULL) {
		xb_fail(b, XCPD_ERR_VALUE);
		return;
	}
	xb_puts(b, "<subject typeCode=\"SUBJ\"><registrationEvent classCode=\"REG\" "
	    "moodCode=\"EVN\"><id nullFlavor=\"NA\"/><statusCode code=\"active\"/>");
	xb_patient(b, m);
	/* custodian/assignedEntity/id/@root is the responding community (ITI TF-2 §3.55);
	 * its code is only written for the Health Data Locator option, which we do not
	 * offer ourselves. */
	xb_wrap(b, "<custodian typeCode=\"CST\"><assignedEntity classCode=\"ASSIGNED\">"
	    "<id root=\"", oid, "\"/>");
	if (m->xm_hdl)
		xb_code(b, "code", "SupportsHealthDataLocator", XCPD_CS_HDL);
	xb_puts(b, "</assignedEntity></custodian></registrationEvent></subject>");
}

static void
xb_ack(struct xb *b, const struct xcpd_query *echo, const struct xcpd_answer *a)
{
	static const struct xcpd_detail interr = { 'E', { XCPD_ACKD_INTERR, XCPD_CS_ACKDETAIL },
	    "" };
	const struct xcpd_detail *d;
	char type[2] = { 0, 0 };
	size_t i, n = a->xa_ndetails;

	xb_puts(b, a->xa_ack == XCPD_ACK_AA ? "<acknowledgement><typeCode code=\"AA\"/>" :
	    "<acknowledgement><typeCode code=\"AE\"/>");
	xb_puts(b, "<targetMessage>");
	xb_ii(b, "id", echo != NULL ? &echo->xq_msg_id : NULL);
	xb_puts(b, "</targetMessage>");
	if (a->xa_ack == XCPD_ACK_AE && n == 0)
		n = 1;
	for (i = 0; i < n && i < XCPD_MAX_DETAILS; i++) {
		d = a->xa_ndetails > 0 ? &a->xa_details[i] : &interr;
		type[0] = d->xd_type != 0 ? d->xd_type : 'E';
		xb_wrap(b, "<acknowledgementDetail typeCode=\"", type, "\">");
		if (d->xd_code.xc_code[0] != '\0')
			xb_code(b, "code", d->xd_code.xc_code, d->xd_code.xc_system);
		if (d->xd_text[0] != '\0')
			xb_wrap(b, "<text>", d->xd_text, "</text>");
		xb_puts(b, "</acknowledgementDetail>");
	}
	xb_puts(b, "</acknowledgement>");
}

static void
xb_reasons(struct xb *b, const struct xcpd_answer *a)
{
	size_t i;

	if (a->xa_nreasons == 0)
		return;
	xb_puts(b, "<reasonOf typeCode=\"RSON\"><detectedIssueEvent classCode=\"ALRT\" "
	    "moodCode=\"EVN\"><code code=\"ActAdministrativeDetectedIssueCode\" codeSystem=\""
	    XB_OID_ISSUE "\"/>");
	for (i = 0; i < a->xa_nreasons && i < XCPD_MAX_REASONS; i++) {
		xb_puts(b, "<mitigatedBy typeCode=\"MITGT\"><detectedIssueManagement "
		    "classCode=\"ACT\" moodCode=\"EVN\">");
		xb_code(b, "code", a->xa_reasons[i].xc_code, a->xa_reasons[i].xc_system);
		xb_puts(b, "</detectedIssueManagement></mitigatedBy>");
	}
	xb_puts(b, "</detectedIssueEvent></reasonOf>");
}

static void
xb_query_ack(struct xb *b, const struct xcpd_query *echo, const struct xcpd_answer *a)
{
	static const char *const qrc[] = { "OK", "NF", "AE", "QE" };
	char n[24];

	xb_puts(b, "<queryAck>");
	if (echo != NULL && echo->xq_query_id.ii_root[0] != '\0')
		xb_ii(b, "queryId", &echo->xq_query_id);
	xb_puts(b, a->xa_qrc <= XCPD_QRC_NF ? "<statusCode code=\"deliveredResponse\"/>" :
	    "<statusCode code=\"aborted\"/>");
	xb_wrap(b, "<queryResponseCode code=\"", qrc[a->xa_qrc], "\"/>");
	if (a->xa_qrc <= XCPD_QRC_NF) {
		snprintf(n, sizeof(n), "%zu", a->xa_nmatches);
		xb_wrap(b, "<resultTotalQuantity value=\"", n, "\"/>");
		xb_wrap(b, "<resultCurrentQuantity value=\"", n, "\"/>");
		xb_puts(b, "<resultRemainingQuantity value=\"0\"/>");
	}
	xb_puts(b, "</queryAck>");
}

enum xcpd_err
xcpd_build_answer(const struct xcpd_query *echo, const struct xcpd_answer *a,
    struct strbuf *sb)
{
	struct xb b = { sb, XCPD_OK };
	struct xcpd_ii msg_id = a->xa_msg_id;
	int ok = a->xa_qrc == XCPD_QRC_OK, aa = ok || a->xa_qrc == XCPD_QRC_NF;
	size_t i;

	if ((unsigned)a->xa_qrc > XCPD_QRC_QE || (a->xa_ack == XCPD_ACK_AA) != aa ||
	    ok != (a->xa_nmatches > 0))
		return XCPD_ERR_VALUE;
	if (a->xa_device.ii_root[0] == '\0' && a->xa_hcid[0] == '\0')
		return XCPD_ERR_MISSING;
	if (a->xa_nmatches > XCPD_MAX_MATCHES || a->xa_nreasons > XCPD_MAX_REASONS ||
	    a->xa_ndetails > XCPD_MAX_DETAILS)
		return XCPD_ERR_TOO_MANY;
	if (msg_id.ii_root[0] == '\0' && xcpd_ii_uuid(&msg_id) == -1)
		return XCPD_ERR_VALUE;
	xb_head(&b, "PRPA_IN201306UV02", &msg_id, "NE");
	xb_party(&b, "receiver", "RCV", echo != NULL ? &echo->xq_sender_device : NULL,
	    echo != NULL ? echo->xq_sender_hcid : NULL);
	xb_party(&b, "sender", "SND", &a->xa_device, a->xa_hcid);
	xb_ack(&b, echo, a);
	xb_puts(&b, "<controlActProcess classCode=\"CACT\" moodCode=\"EVN\">"
	    "<code code=\"PRPA_TE201306UV02\" codeSystem=\"" XB_OID_INTERACTION "\"/>");
	for (i = 0; i < a->xa_nmatches; i++)
		xb_match(&b, a, &a->xa_matches[i]);
	xb_reasons(&b, a);
	xb_query_ack(&b, echo, a);
	if (echo != NULL && !(echo->xq_flags & XCPD_QF_INCOMPLETE) &&
	    echo->xq_query_id.ii_root[0] != '\0')
		xb_query_by_parameter(&b, echo);
	xb_puts(&b, "</controlActProcess></PRPA_IN201306UV02>");
	return b.b_err;
}
