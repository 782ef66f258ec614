/*
 * audit/atna: the event table and the AuditMessage builder (see atna.h). The layout of
 * every record is in audit/README.md ("Records"); atna_parse.c reads exactly this layout
 * back, and holds the summaries and index keys.
 */
#include "audit/atna.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "audit/atna_int.h"
#include "common/str.h"

/* An EventID with the EventActionCode that goes with it. */
struct atna_evid {
	const char	*ei_code;
	const char	*ei_text;
	const char	*ei_action;
};

enum { EV_QUERY, EV_EXPORT, EV_IMPORT, EV_PR_EXEC, EV_PR_CREATE, EV_PR_DELETE,
    EV_ALERT, EV_APP, EV_LOG_USED };

static const struct atna_evid atna_evids[] = {
	[EV_QUERY] = { "110112", "Query", "E" },
	[EV_EXPORT] = { "110106", "Export", "R" },
	[EV_IMPORT] = { "110107", "Import", "C" },
	[EV_PR_EXEC] = { "110110", "Patient Record", "E" },
	[EV_PR_CREATE] = { "110110", "Patient Record", "C" },
	[EV_PR_DELETE] = { "110110", "Patient Record", "D" },
	[EV_ALERT] = { "110113", "Security Alert", "E" },
	[EV_APP] = { "110100", "Application Activity", "E" },
	[EV_LOG_USED] = { "110101", "Audit Log Used", "R" },
};

enum atna_kind { K_QUERY, K_RETRIEVE, K_SUBMIT, K_HASHI };

/* One event: its EventTypeCode, EventID (as responder/recipient, and as initiator) and
 * the IDTypeCode and role of the ParticipantObject made from ar_object_id / ar_detail. */
struct atna_evdef {
	const char	*ed_code;
	const char	*ed_sys;
	const char	*ed_text;
	enum atna_kind	 ed_kind;
	int		 ed_evid;
	int		 ed_evid_init;
	const char	*ed_obj_code;
	const char	*ed_obj_text;
	const char	*ed_obj_role;
};

#define ITI(c, t, k, e, ei)	{ c, ATNA_CS_IHE, t, k, e, ei, "object", "Object", "4" }
#define HASHI(c, t, e, oc, ot, or) { c, ATNA_CS_HASHI, t, K_HASHI, e, e, oc, ot, or }

static const struct atna_evdef atna_events[ATNA_NEVENTS] = {
	[ATNA_ITI18] = ITI("ITI-18", "Registry Stored Query", K_QUERY, EV_QUERY, EV_QUERY),
	[ATNA_ITI38] = ITI("ITI-38", "Cross Gateway Query", K_QUERY, EV_QUERY, EV_QUERY),
	[ATNA_ITI39] = ITI("ITI-39", "Cross Gateway Retrieve", K_RETRIEVE, EV_EXPORT,
	    EV_IMPORT),
	[ATNA_ITI41] = ITI("ITI-41", "Provide and Register Document Set-b", K_SUBMIT,
	    EV_IMPORT, EV_EXPORT),
	[ATNA_ITI43] = ITI("ITI-43", "Retrieve Document Set", K_RETRIEVE, EV_EXPORT,
	    EV_IMPORT),
	[ATNA_ITI55] = ITI("ITI-55", "Cross Gateway Patient Discovery", K_QUERY, EV_QUERY,
	    EV_QUERY),
	[ATNA_CONSENT_DECISION] = HASHI("consent-decision", "Consent Decision", EV_PR_EXEC,
	    "consent", "Consent", "3"),
	[ATNA_CONSENT_REGISTER] = HASHI("consent-register", "Consent Registration",
	    EV_PR_CREATE, "consent", "Consent", "3"),
	[ATNA_CONSENT_WITHDRAW] = HASHI("consent-withdraw", "Consent Withdrawal",
	    EV_PR_DELETE, "consent", "Consent", "3"),
	[ATNA_EMERGENCY] = HASHI("emergency-access", "Emergency Access", EV_ALERT,
	    "accessed-resource", "Accessed Resource", "4"),
	[ATNA_MPI_LINK] = HASHI("mpi-link", "Patient Link", EV_PR_CREATE, "patient-link",
	    "Patient Correlation", "5"),
	[ATNA_MPI_UNLINK] = HASHI("mpi-unlink", "Patient Unlink", EV_PR_DELETE,
	    "patient-link", "Patient Correlation", "5"),
	[ATNA_CONFIG_RELOAD] = HASHI("config-reload", "Configuration Reload", EV_APP,
	    "config-file", "Configuration File", "4"),
	[ATNA_LOG_USED] = HASHI("audit-log-used", "Audit Log Used", EV_LOG_USED,
	    "audit-command", "Audit Log Command", "13"),
	[ATNA_COSIGN] = HASHI("checkpoint-cosign", "Checkpoint Co-signature", EV_ALERT,
	    "checkpoint", "Signed Checkpoint", "13"),
};

/* The output, and a scratch buffer for cleaned text. Errors are sticky: strbuf appends
 * after a failed allocation are no-ops, so the builder checks once at the end. */
struct atna_w {
	struct strbuf	*out;
	struct strbuf	 tmp;
	int		 failed;
};

/* ---- text ---- */

/* Returns the length of the UTF-8 character at P if it is well-formed and allowed by
 * XML 1.0 (Char production), else 0. A NUL byte is never part of a character. */
static size_t
atna_char_len(const unsigned char *p)
{
	uint32_t cp;
	size_t n, i;

	if (p[0] < 0x80)
		return (p[0] >= 0x20 || p[0] == '\t' || p[0] == '\n' || p[0] == '\r') ? 1 : 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

#define ATNA_REPL	"\xef\xbf\xbd"	/* U+FFFD */

int
atna_text_clean(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n;

	while (*p != '\0') {
		if ((n = atna_char_len(p)) > 0) {
			p += n;
			continue;
		}
		if (strbuf_add(sb, run, (size_t)(p - run)) == -1 ||
		    strbuf_add(sb, ATNA_REPL, 3) == -1)
			return -1;
		run = ++p;
	}
	return strbuf_add(sb, run, (size_t)(p - run));
}

void
atna_text_cut(char *dst, size_t dstsz, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t o = 0, n;

	while (*p != '\0') {
		n = atna_char_len(p);
		if (o + (n > 0 ? n : 3) + 1 > dstsz)
			break;
		memcpy(dst + o, n > 0 ? (const void *)p : ATNA_REPL, n > 0 ? n : 3);
		o += n > 0 ? n : 3;
		p += n > 0 ? n : 1;
	}
	dst[o] = '\0';
}

/* ---- writing ---- */

static void
atna_puts(struct atna_w *w, const char *s)
{
	strbuf_puts(w->out, s);
}

/* Appends S cleaned and escaped. Tab, LF and CR become character references so that an
 * attribute value or text keeps them through the parser's normalisation. */
static void
atna_esc(struct atna_w *w, const char *s)
{
	char *p, *run;
	char c;

	w->tmp.sb_len = 0;
	if (atna_text_clean(&w->tmp, s) == -1) {
		w->failed = 1;
		return;
	}
	if (w->tmp.sb_len == 0)
		return;
	run = w->tmp.sb_data;
	for (p = run; *p != '\0'; p++) {
		if (*p != '\t' && *p != '\n' && *p != '\r')
			continue;
		c = *p;
		*p = '\0';
		strbuf_put_xml(w->out, run);
		strbuf_printf(w->out, "&#%d;", c);
		run = p + 1;
	}
	strbuf_put_xml(w->out, run);
}

/* Appends ` NAME="VALUE"` unless VALUE is NULL. */
static void
atna_attr(struct atna_w *w, const char *name, const char *value)
{
	if (value == NULL)
		return;
	strbuf_printf(w->out, " %s=\"", name);
	atna_esc(w, value);
	atna_puts(w, "\"");
}

/* Appends the base64 of DATA/LEN, in chunks of whole 3-byte groups. */
static void
atna_b64(struct atna_w *w, const uint8_t *data, size_t len)
{
	unsigned char enc[4 * 256 + 1];
	size_t n;

	while (len > 0) {
		n = len < 3 * 256 ? len : 3 * 256;
		EVP_EncodeBlock(enc, data, (int)n);
		strbuf_puts(w->out, (const char *)enc);
		data += n;
		len -= n;
	}
}

/* Appends a coded value element <ELEM csd-code codeSystemName originalText/>. */
static void
atna_code(struct atna_w *w, const char *elem, const char *code, const char *sys,
    const char *text)
{
	strbuf_printf(w->out, "<%s", elem);
	atna_attr(w, "csd-code", code);
	atna_attr(w, "codeSystemName", sys);
	atna_attr(w, "originalText", text);
	atna_puts(w, "/>");
}

/* Appends a ParticipantObjectDetail TYPE whose value is the base64 of TEXT as cleaned
 * text (skipped when TEXT is NULL). */
static void
atna_detail(struct atna_w *w, const char *type, const char *text)
{
	if (text == NULL)
		return;
	atna_puts(w, "<ParticipantObjectDetail");
	atna_attr(w, "type", type);
	w->tmp.sb_len = 0;
	if (atna_text_clean(&w->tmp, text) == -1)
		w->failed = 1;
	atna_puts(w, " value=\"");
	if (!w->failed)
		atna_b64(w, (const uint8_t *)w->tmp.sb_data, w->tmp.sb_len);
	atna_puts(w, "\"/>");
}

static void
atna_put_time(struct atna_w *w, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		w->failed = 1;
		return;
	}
	strbuf_printf(w->out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static const struct atna_evid *
atna_evid_of(const struct atna_record *r, const struct atna_evdef *d)
{
	return &atna_evids[r->ar_initiator ? d->ed_evid_init : d->ed_evid];
}

static void
atna_put_event(struct atna_w *w, const struct atna_record *r, const struct atna_evdef *d)
{
	const struct atna_evid *e = atna_evid_of(r, d);

	atna_puts(w, "<AuditMessage><EventIdentification");
	atna_attr(w, "EventActionCode", e->ei_action);
	atna_puts(w, " EventDateTime=\"");
	atna_put_time(w, r->ar_time_ms);
	strbuf_printf(w->out, "\" EventOutcomeIndicator=\"%d\">", r->ar_outcome);
	atna_code(w, "EventID", e->ei_code, ATNA_CS_DCM, e->ei_text);
	atna_code(w, "EventTypeCode", d->ed_code, d->ed_sys, d->ed_text);
	if (r->ar_outcome_desc != NULL) {
		atna_puts(w, "<EventOutcomeDescription>");
		atna_esc(w, r->ar_outcome_desc);
		atna_puts(w, "</EventOutcomeDescription>");
	}
	if (r->ar_purpose != NULL)
		atna_code(w, "PurposeOfUse", r->ar_purpose, ATNA_CS_PURPOSE, r->ar_purpose);
	if (r->ar_human_reason != NULL)
		atna_code(w, "PurposeOfUse", ATNA_REASON_CODE, ATNA_CS_HASHI,
		    r->ar_human_reason);
	atna_puts(w, "</EventIdentification>");
}

/* Appends one ActiveParticipant. NAP is typed 2 (IP address) when it parses as one, else
 * 1 (machine name). */
static void
atna_put_actor(struct atna_w *w, const char *user, const char *nap, int requestor,
    const char *role, const char *sys, const char *text)
{
	unsigned char a[16];

	atna_puts(w, "<ActiveParticipant");
	atna_attr(w, "UserID", user != NULL ? user : ATNA_USER_UNKNOWN);
	atna_attr(w, "UserIsRequestor", requestor ? "true" : "false");
	atna_attr(w, "NetworkAccessPointID", nap);
	if (nap != NULL)
		atna_attr(w, "NetworkAccessPointTypeCode", inet_pton(AF_INET, nap, a) == 1 ||
		    inet_pton(AF_INET6, nap, a) == 1 ? "2" : "1");
	atna_puts(w, ">");
	atna_code(w, "RoleIDCode", role, sys, text);
	atna_puts(w, "</ActiveParticipant>");
}

/* Source, Destination, the human requestor, and for Hashi events this application. The
 * requesting side is the requestor; for retrieves it is the Destination. */
static void
atna_put_actors(struct atna_w *w, const struct atna_record *r, const struct atna_evdef *d)
{
	int hashi = d->ed_kind == K_HASHI;

	if (d->ed_kind == K_RETRIEVE) {
		atna_put_actor(w, r->ar_dst_user, r->ar_dst_nap, 0, ATNA_ROLE_SOURCE,
		    ATNA_CS_DCM, "Source Role ID");
		atna_put_actor(w, r->ar_src_user, r->ar_src_nap, 1, ATNA_ROLE_DEST,
		    ATNA_CS_DCM, "Destination Role ID");
	} else {
		if (!hashi || r->ar_src_user != NULL || r->ar_src_nap != NULL)
			atna_put_actor(w, r->ar_src_user, r->ar_src_nap, 1,
			    ATNA_ROLE_SOURCE, ATNA_CS_DCM, "Source Role ID");
		if (!hashi || r->ar_dst_user != NULL || r->ar_dst_nap != NULL)
			atna_put_actor(w, r->ar_dst_user, r->ar_dst_nap, 0,
			    ATNA_ROLE_DEST, ATNA_CS_DCM, "Destination Role ID");
	}
	if (r->ar_human != NULL)
		atna_put_actor(w, r->ar_human, NULL, 1, ATNA_ROLE_HUMAN, ATNA_CS_HASHI,
		    "Human Requestor");
	if (hashi)
		atna_put_actor(w, r->ar_source_id, NULL, 0, ATNA_ROLE_APP, ATNA_CS_DCM,
		    "Application");
	atna_puts(w, "<AuditSourceIdentification");
	atna_attr(w, "AuditSourceID", r->ar_source_id);
	atna_attr(w, "AuditEnterpriseSiteID", r->ar_site);
	atna_puts(w, "><AuditSourceTypeCode csd-code=\"4\" codeSystemName=\"DCM\" "
	    "originalText=\"Application Server Process or Thread\"/>"
	    "</AuditSourceIdentification>");
}

/* Opens a ParticipantObjectIdentification (ID and ROLE left out when NULL) with its
 * IDTypeCode. */
static void
atna_obj(struct atna_w *w, const char *id, const char *type, const char *role,
    const char *code, const char *sys, const char *text)
{
	atna_puts(w, "<ParticipantObjectIdentification");
	atna_attr(w, "ParticipantObjectID", id);
	atna_attr(w, "ParticipantObjectTypeCode", type);
	atna_attr(w, "ParticipantObjectTypeCodeRole", role);
	atna_puts(w, ">");
	atna_code(w, "ParticipantObjectIDTypeCode", code, sys, text);
}

#define ATNA_OBJ_END	"</ParticipantObjectIdentification>"

static void
atna_put_query(struct atna_w *w, const struct atna_record *r, const struct atna_evdef *d)
{
	int q = d->ed_kind == K_QUERY;

	if (!q && r->ar_query_id == NULL && r->ar_query_len == 0)
		return;
	atna_obj(w, r->ar_query_id, "2", ATNA_OBJ_QUERY_ROLE, q ? d->ed_code : "query",
	    q ? ATNA_CS_IHE : ATNA_CS_HASHI, q ? d->ed_text : "Query");
	if (r->ar_query_len > 0) {
		atna_puts(w, "<ParticipantObjectQuery>");
		atna_b64(w, r->ar_query, r->ar_query_len);
		atna_puts(w, "</ParticipantObjectQuery>");
	}
	atna_detail(w, ATNA_DET_ENCODING, "UTF-8");
	/* The community queried: IPF's XCA key, or XCPD's. */
	atna_detail(w, r->ar_event == ATNA_ITI55 ? ATNA_DET_HOME : ATNA_DET_XCA_HOME,
	    r->ar_dst_region);
	atna_puts(w, ATNA_OBJ_END);
}

static void
atna_put_objects(struct atna_w *w, const struct atna_record *r, const struct atna_evdef *d)
{
	size_t i;

	for (i = 0; i < r->ar_npatients; i++) {
		atna_obj(w, r->ar_patients[i], "1", "1", ATNA_OBJ_PATIENT, ATNA_CS_RFC3881,
		    "Patient Number");
		atna_puts(w, ATNA_OBJ_END);
	}
	atna_put_query(w, r, d);
	for (i = 0; i < r->ar_ndocs; i++) {
		atna_obj(w, r->ar_docs[i].ad_uid, "2", "3", ATNA_OBJ_DOC, ATNA_CS_RFC3881,
		    "Report Number");
		atna_detail(w, ATNA_DET_REPO, r->ar_docs[i].ad_repo);
		atna_detail(w, ATNA_DET_HOME, r->ar_docs[i].ad_home);
		atna_puts(w, ATNA_OBJ_END);
	}
	if (r->ar_object_id != NULL || r->ar_detail != NULL) {
		atna_obj(w, r->ar_object_id, "2", d->ed_obj_role, d->ed_obj_code,
		    ATNA_CS_HASHI, d->ed_obj_text);
		atna_detail(w, ATNA_DET_DETAIL, r->ar_detail);
		atna_puts(w, ATNA_OBJ_END);
	}
	if (r->ar_src_region != NULL) {
		atna_obj(w, r->ar_src_region, "3", NULL, ATNA_OBJ_SRC_REGION, ATNA_CS_HASHI,
		    "Requesting Region");
		atna_puts(w, ATNA_OBJ_END);
	}
	if (r->ar_dst_region != NULL) {
		atna_obj(w, r->ar_dst_region, "3", NULL, ATNA_OBJ_DST_REGION, ATNA_CS_HASHI,
		    "Responding Region");
		atna_puts(w, ATNA_OBJ_END);
	}
	atna_puts(w, "</AuditMessage>");
}

/* Returns the definition of R's event, or NULL if R is not a valid description. */
static const struct atna_evdef *
atna_check(const struct atna_record *r)
{
	size_t i;

	if (r == NULL || (int)r->ar_event < ATNA_ITI18 || (int)r->ar_event >= ATNA_NEVENTS ||
	    r->ar_source_id == NULL)
		return NULL;
	if (r->ar_outcome != ATNA_OK && r->ar_outcome != ATNA_MINOR &&
	    r->ar_outcome != ATNA_SERIOUS && r->ar_outcome != ATNA_MAJOR)
		return NULL;
	if (r->ar_time_ms < 0 || r->ar_time_ms > ATNA_TIME_MAX)
		return NULL;
	if ((r->ar_npatients > 0 && r->ar_patients == NULL) ||
	    (r->ar_ndocs > 0 && r->ar_docs == NULL) ||
	    (r->ar_query_len > 0 && r->ar_query == NULL))
		return NULL;
	for (i = 0; i < r->ar_npatients; i++)
		if (r->ar_patients[i] == NULL)
			return NULL;
	for (i = 0; i < r->ar_ndocs; i++)
		if (r->ar_docs[i].ad_uid == NULL)
			return NULL;
	return &atna_events[r->ar_event];
}

int
atna_build(const struct atna_record *r, struct strbuf *out)
{
	const struct atna_evdef *d;
	struct atna_w w = { .out = out };
	size_t mark;

	if (out == NULL || out->sb_failed || (d = atna_check(r)) == NULL)
		return -1;
	mark = out->sb_len;
	atna_put_event(&w, r, d);
	atna_put_actors(&w, r, d);
	atna_put_objects(&w, r, d);
	strbuf_reset(&w.tmp);
	if (w.failed || out->sb_failed || out->sb_len - mark > ATNA_RECORD_MAX) {
		/* Leave OUT as it was: the failed appends wrote nothing, the others are cut. */
		out->sb_failed = 0;
		out->sb_len = mark;
		if (out->sb_data != NULL)
			out->sb_data[mark] = '\0';
		return -1;
	}
	return 0;
}

/* ---- events ---- */

int
atna_record_valid(const struct atna_record *r)
{
	return atna_check(r) != NULL;
}

int
atna_is_retrieve(enum atna_event event)
{
	return (int)event >= ATNA_ITI18 && (int)event < ATNA_NEVENTS &&
	    atna_events[event].ed_kind == K_RETRIEVE;
}

int
atna_initiator_imports(enum atna_event event)
{
	if ((int)event < ATNA_ITI18 || (int)event >= ATNA_NEVENTS)
		return -1;
	if (atna_events[event].ed_kind == K_RETRIEVE)
		return 1;
	return atna_events[event].ed_kind == K_SUBMIT ? 0 : -1;
}

int64_t
atna_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
atna_event_code(enum atna_event event)
{
	if ((int)event < ATNA_ITI18 || (int)event >= ATNA_NEVENTS)
		return NULL;
	return atna_events[event].ed_code;
}

enum atna_event
atna_event_by_code(const char *code)
{
	int i;

	for (i = ATNA_ITI18; code != NULL && i < ATNA_NEVENTS; i++)
		if (strcmp(atna_events[i].ed_code, code) == 0)
			return (enum atna_event)i;
	return (enum atna_event)0;
}
