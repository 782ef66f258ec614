/*
 * gateway/scn_xds: see scn_xds.h. The request builders, and what the answers share
 * (reset, look-ups). The parsers are in scn_xds_parse.c.
 *
 * The query body is the one tests/integ/soap/flow/sq-find-documents.xml sends, so the
 * runner exercises the same path as the shell tests. The envelope is written by
 * soap_build_request_hdr, as the gateway writes its own requests to peers.
 */
#include "gateway/scn_xds.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "gateway/actions.h"
#include "gateway/ebrim.h"
#include "gateway/requester.h"
#include "gateway/soap.h"
#include "gateway/sq_params.h"

#define SCN_XDS_EMERGENCY	"emergency"

static const struct scn_xds_caller xds_nobody;	/* WHO NULL: no To, no header blocks */

static void
xds_err(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
xds_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Returns 1 when S is non-empty, at most SCN_XDS_MAX_ID bytes of printable ASCII without
 * space: what OIDs, urn:oid HCIDs and uniqueIds (OID^extension) are made of. */
static int
xds_id_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= SCN_XDS_MAX_ID || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int
scn_xds_cx(char *buf, size_t n, const char *id, const char *aa)
{
	size_t i;
	int len;

	if (id == NULL || aa == NULL || id[0] == '\0' || !str_oid_valid(aa) ||
	    strlen(id) > SCN_XDS_MAX_ID)
		return -1;
	/* the separators would change the CX's meaning; a quote would end the query's
	 * '...' string literal */
	for (i = 0; id[i] != '\0'; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f || strchr("^&~\\|'", id[i]))
			return -1;
	len = snprintf(buf, n, "%s^^^&%s&ISO", id, aa);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* Checks WHO against the sizes of the gateway's fields (gateway/requester.h): a value the
 * gateway would cut is refused here, so that the report never shows text that was not
 * sent. Returns 0 or -1 with ERR set. */
static int
xds_who_ok(const struct scn_xds_caller *who, char *err, size_t errsz)
{
	const char *p = who->purpose;

	if (p != NULL && (strlen(p) >= REQUESTER_PURPOSE_MAX || p[strspn(p,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] != '\0')) {
		xds_err(err, errsz, "purpose must be at most %d letters, digits, '.', '_' or "
		    "'-'", REQUESTER_PURPOSE_MAX - 1);
		return -1;
	}
	if (who->user != NULL && strlen(who->user) >= REQUESTER_USER_MAX) {
		xds_err(err, errsz, "user is longer than %d bytes", REQUESTER_USER_MAX - 1);
		return -1;
	}
	if (who->reason != NULL && strlen(who->reason) >= REQUESTER_REASON_MAX) {
		xds_err(err, errsz, "reason is longer than %d bytes", REQUESTER_REASON_MAX - 1);
		return -1;
	}
	return 0;
}

static int
xds_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* Appends the Hashi header blocks for WHO: PurposeOfUse when a purpose is given;
 * Requester when the step gives a reason, or asks for the emergency purpose (break-glass
 * needs the clinician named: without a reason the gateway is meant to refuse, and the
 * scenario can check that it does). Written here rather than with requester_put, which
 * leaves out an incomplete Requester. Returns 0 or -1. */
static int
xds_put_header(struct strbuf *sb, const struct scn_xds_caller *who)
{
	int requester = xds_set(who->reason) ||
	    (xds_set(who->purpose) && strcmp(who->purpose, SCN_XDS_EMERGENCY) == 0);

	if (xds_set(who->purpose)) {
		strbuf_puts(sb, "<hashi:PurposeOfUse xmlns:hashi=\"" REQUESTER_NS "\">");
		strbuf_put_xml(sb, who->purpose);
		strbuf_puts(sb, "</hashi:PurposeOfUse>");
	}
	if (requester && (xds_set(who->user) || xds_set(who->reason))) {
		strbuf_puts(sb, "<hashi:Requester xmlns:hashi=\"" REQUESTER_NS "\">");
		if (xds_set(who->user)) {
			strbuf_puts(sb, "<hashi:user>");
			strbuf_put_xml(sb, who->user);
			strbuf_puts(sb, "</hashi:user>");
		}
		if (xds_set(who->reason)) {
			strbuf_puts(sb, "<hashi:reason>");
			strbuf_put_xml(sb, who->reason);
			strbuf_puts(sb, "</hashi:reason>");
		}
		strbuf_puts(sb, "</hashi:Requester>");
	}
	return sb->sb_failed ? -1 : 0;
}

/* Wraps BODY (a complete payload element) into REQ's envelope and Content-Type. */
static int
xds_envelope(const struct scn_xds_caller *who, const char *action, const char *body,
    struct scn_xds_req *req, char *err, size_t errsz)
{
	struct strbuf env = { 0 }, hdr = { 0 }, ct = { 0 };
	int ret = -1;

	if (xds_put_header(&hdr, who) == -1 ||
	    soap_build_request_hdr(&env, action, who->to, hdr.sb_data, body,
	    req->message_id, sizeof(req->message_id)) == -1 ||
	    soap_content_type(&ct, action) == -1) {
		xds_err(err, errsz, "cannot build the request (out of memory)");
		goto done;
	}
	req->body = (uint8_t *)strbuf_take(&env, &req->len);
	req->content_type = strbuf_take(&ct, NULL);
	ret = 0;
done:
	strbuf_reset(&env);
	strbuf_reset(&hdr);
	strbuf_reset(&ct);
	return ret;
}

int
scn_xds_query(const struct scn_xds_caller *who, const char *patient_cx,
    struct scn_xds_req *req, char *err, size_t errsz)
{
	struct strbuf body = { 0 };
	int ret = -1;

	memset(req, 0, sizeof(*req));
	if (who == NULL)
		who = &xds_nobody;
	/* a quote would end the '...' literal the value is written in */
	if (patient_cx == NULL || !ebrim_is_cx(patient_cx) ||
	    strchr(patient_cx, '\'') != NULL) {
		xds_err(err, errsz, "the patient is not a CX id^^^&OID&ISO");
		return -1;
	}
	if (xds_who_ok(who, err, errsz) == -1)
		return -1;
	strbuf_puts(&body, "<query:AdhocQueryRequest xmlns:query=\"" NS_QUERY "\" "
	    "xmlns:rim=\"" NS_RIM "\"><query:ResponseOption returnType=\"LeafClass\" "
	    "returnComposedObjects=\"true\"/><rim:AdhocQuery id=\"" SQ_ID_FIND_DOCUMENTS "\">"
	    "<rim:Slot name=\"$XDSDocumentEntryPatientId\"><rim:ValueList><rim:Value>'");
	strbuf_put_xml(&body, patient_cx);
	strbuf_puts(&body, "'</rim:Value></rim:ValueList></rim:Slot>"
	    "<rim:Slot name=\"$XDSDocumentEntryStatus\"><rim:ValueList><rim:Value>('"
	    STATUS_APPROVED "')</rim:Value></rim:ValueList></rim:Slot>"
	    "</rim:AdhocQuery></query:AdhocQueryRequest>");
	if (body.sb_failed)
		xds_err(err, errsz, "cannot build the request (out of memory)");
	else
		ret = xds_envelope(who, ACTION_ITI38, body.sb_data, req, err, errsz);
	strbuf_reset(&body);
	if (ret == -1)
		scn_xds_req_reset(req);
	return ret;
}

int
scn_xds_retrieve(const struct scn_xds_caller *who, const struct scn_xds_docref *docs,
    size_t n, struct scn_xds_req *req, char *err, size_t errsz)
{
	struct strbuf body = { 0 };
	size_t i;
	int ret = -1;

	memset(req, 0, sizeof(*req));
	if (who == NULL)
		who = &xds_nobody;
	if (n == 0 || docs == NULL) {
		xds_err(err, errsz, "no document to retrieve");
		return -1;
	}
	if (xds_who_ok(who, err, errsz) == -1)
		return -1;
	strbuf_puts(&body, "<xdsb:RetrieveDocumentSetRequest xmlns:xdsb=\"" NS_XDSB "\">");
	for (i = 0; i < n; i++) {
		if (!xds_id_ok(docs[i].home) || !xds_id_ok(docs[i].repo) ||
		    !xds_id_ok(docs[i].uid)) {
			xds_err(err, errsz, "document %zu: home, repository and uniqueId must "
			    "be 1 to %d printable characters", i + 1, SCN_XDS_MAX_ID);
			goto done;
		}
		strbuf_puts(&body, "<xdsb:DocumentRequest><xdsb:HomeCommunityId>");
		strbuf_put_xml(&body, docs[i].home);
		strbuf_puts(&body, "</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>");
		strbuf_put_xml(&body, docs[i].repo);
		strbuf_puts(&body, "</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>");
		strbuf_put_xml(&body, docs[i].uid);
		strbuf_puts(&body, "</xdsb:DocumentUniqueId></xdsb:DocumentRequest>");
	}
	strbuf_puts(&body, "</xdsb:RetrieveDocumentSetRequest>");
	if (body.sb_failed)
		xds_err(err, errsz, "cannot build the request (out of memory)");
	else
		ret = xds_envelope(who, ACTION_ITI39, body.sb_data, req, err, errsz);
done:
	strbuf_reset(&body);
	if (ret == -1)
		scn_xds_req_reset(req);
	return ret;
}

void
scn_xds_req_reset(struct scn_xds_req *req)
{
	if (req == NULL)
		return;
	free(req->body);
	free(req->content_type);
	memset(req, 0, sizeof(*req));
}

void
scn_xds_answer_reset(struct scn_xds_answer *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; a->docs != NULL && i < a->ndocs; i++) {
		free(a->docs[i].home);
		free(a->docs[i].uid);
		free(a->docs[i].repo);
		free(a->docs[i].patient);
		free(a->docs[i].class_code);
		free(a->docs[i].title);
		free(a->docs[i].mime);
		free(a->docs[i].data);
	}
	for (i = 0; a->errors != NULL && i < a->nerrors; i++) {
		free(a->errors[i].code);
		free(a->errors[i].context);
		free(a->errors[i].location);
	}
	free(a->docs);
	free(a->errors);
	memset(a, 0, sizeof(*a));
}

size_t
scn_xds_count_home(const struct scn_xds_answer *a, const char *home)
{
	size_t i, n = 0;

	for (i = 0; home != NULL && i < a->ndocs; i++)
		if (a->docs[i].home != NULL && strcmp(a->docs[i].home, home) == 0)
			n++;
	return n;
}

const struct scn_xds_error *
scn_xds_find_error(const struct scn_xds_answer *a, const char *code, const char *location)
{
	size_t i;

	for (i = 0; code != NULL && i < a->nerrors; i++) {
		const struct scn_xds_error *e = &a->errors[i];

		if (strcmp(e->code, code) != 0)
			continue;
		if (location == NULL ||
		    (e->location != NULL && strcmp(e->location, location) == 0))
			return e;
	}
	return NULL;
}
