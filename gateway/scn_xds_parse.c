/*
 * gateway/scn_xds_parse: reading the initiating gateway's ITI-38 and ITI-39 answers for the
 * scenario runner (scn_xds.h). The envelope (and MTOM packaging) goes through soap_parse in
 * response mode, exactly as the gateway reads its peers' answers, so the runner judges the
 * gateway by the rules the gateway applies to others. The runner's report shows what was
 * wrong: our own short English text, with at most a bounded, printable-ASCII echo of a
 * peer's value (a status or an action), never its free text.
 */
#include "gateway/scn_xds.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/actions.h"
#include "gateway/ebrim.h"
#include "gateway/regerr.h"
#include "gateway/soap.h"

#define XDS_SHOW_MAX	64	/* bytes of a peer's value echoed in an error */

/* Writes a printable-ASCII rendering of S (NULL: "(none)") into OUT of size N >= 8: other
 * bytes become '?', and a longer value is cut at XDS_SHOW_MAX bytes with "...". */
static const char *
xds_show(const char *s, char *out, size_t n)
{
	size_t i, max = n - 4 < XDS_SHOW_MAX ? n - 4 : XDS_SHOW_MAX;

	if (s == NULL)
		return "(none)";
	for (i = 0; s[i] != '\0' && i < max; i++)
		out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ? '?' : s[i];
	out[i] = '\0';
	if (s[i] != '\0')
		(void)str_copy(out + i, n - i, "...");
	return out;
}

/* Makes S, UTF-8 text cut to fit a fixed buffer, safe for a report: control characters
 * become spaces and a character cut in two at the end is dropped. */
static void
xds_clean(char *s)
{
	size_t n = strlen(s), i, start;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	if (n == 0 || ((unsigned char)s[n - 1] & 0x80) == 0)
		return;
	start = n - 1;	/* the lead byte of the last character */
	while (start > 0 && ((unsigned char)s[start] & 0xc0) == 0x80 && n - start < 4)
		start--;
	i = (unsigned char)s[start] >= 0xf0 ? 4 : (unsigned char)s[start] >= 0xe0 ? 3 :
	    (unsigned char)s[start] >= 0xc0 ? 2 : 1;
	if (n - start < i)
		s[start] = '\0';
}

/* Frees what A holds, sets A->error from FMT and returns -1. */
static int
xds_fail(struct scn_xds_answer *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
xds_fail(struct scn_xds_answer *a, const char *fmt, ...)
{
	char msg[sizeof(a->error)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	scn_xds_answer_reset(a);
	(void)str_copy(a->error, sizeof(a->error), msg);
	xds_clean(a->error);
	return -1;
}

static const char *
xds_fault_name(enum soap_fault_code c)
{
	switch (c) {
	case SOAP_FAULT_SENDER: return "Sender";
	case SOAP_FAULT_RECEIVER: return "Receiver";
	case SOAP_FAULT_MUST_UNDERSTAND: return "MustUnderstand";
	case SOAP_FAULT_VERSION_MISMATCH: return "VersionMismatch";
	case SOAP_FAULT_DATA_ENCODING_UNKNOWN: return "DataEncodingUnknown";
	}
	return "Receiver";
}

/* Parses the envelope. Returns 0 with *MSGP for an answer of transaction TXN, 1 when it
 * was a SOAP fault (A filled, *MSGP NULL), -1 after xds_fail. */
static int
xds_open(const uint8_t *body, size_t len, const char *content_type, enum ihe_txn txn,
    const char *relates_to, struct scn_xds_answer *a, struct soap_msg **msgp)
{
	struct soap_limits lim = { 0 };
	struct soap_fault f;
	struct soap_msg *msg = NULL;
	const struct soap_wsa *wsa;
	char show[XDS_SHOW_MAX + 8];

	*msgp = NULL;
	scn_xds_answer_reset(a);
	if (body == NULL || len == 0)
		return xds_fail(a, "empty answer");
	if (len > SCN_XDS_MAX_BYTES)
		return xds_fail(a, "answer larger than %u MiB", SCN_XDS_MAX_BYTES >> 20);
	if (content_type == NULL)
		return xds_fail(a, "answer without Content-Type");
	lim.sl_max_bytes = SCN_XDS_MAX_ENVELOPE;
	lim.sl_max_mtom_bytes = SCN_XDS_MAX_BYTES;
	lim.sl_max_parts = SCN_XDS_MAX_ITEMS + 1;
	lim.sl_expect_response = 1;
	if (soap_parse(body, len, content_type, &lim, &msg, &f) == -1)
		return xds_fail(a, "malformed answer: %s", f.sf_reason);
	a->mtom = soap_msg_is_mtom(msg);
	if (soap_msg_fault(msg, &f)) {
		soap_msg_free(msg);
		a->fault = 1;
		(void)str_copy(a->fault_code, sizeof(a->fault_code), xds_fault_name(f.sf_code));
		(void)str_copy(a->fault_reason, sizeof(a->fault_reason), f.sf_reason);
		xds_clean(a->fault_reason);
		return 1;
	}
	wsa = soap_msg_wsa(msg);
	if (soap_msg_txn(msg) != txn) {
		xds_fail(a, "wrong wsa:Action %s (expected %s)",
		    xds_show(wsa->wa_action, show, sizeof(show)),
		    action_response_for(action_request_for(txn)));
	} else if (relates_to != NULL && (wsa->wa_relates_to == NULL ||
	    strcmp(wsa->wa_relates_to, relates_to) != 0)) {
		xds_fail(a, "wsa:RelatesTo %s is not the request's MessageID",
		    xds_show(wsa->wa_relates_to, show, sizeof(show)));
	} else {
		*msgp = msg;
		return 0;
	}
	soap_msg_free(msg);
	return -1;
}

/* Sets A->status to the short form of the ebRS status URN S. Returns 0 or -1 (xds_fail). */
static int
xds_status(struct scn_xds_answer *a, const char *s)
{
	char show[XDS_SHOW_MAX + 8];
	const char *v = NULL;

	if (s == NULL)
		return xds_fail(a, "the answer has no status");
	if (strcmp(s, RS_STATUS_SUCCESS) == 0)
		v = "Success";
	else if (strcmp(s, RS_STATUS_FAILURE) == 0)
		v = "Failure";
	else if (strcmp(s, RS_STATUS_PARTIAL) == 0 || strcmp(s, RS_STATUS_PARTIAL_OASIS) == 0)
		v = "PartialSuccess";
	if (v == NULL)
		return xds_fail(a, "unknown status %s", xds_show(s, show, sizeof(show)));
	(void)str_copy(a->status, sizeof(a->status), v);
	return 0;
}

/* Counts the element children of PARENT in NS named NAME into *NP; any other element child
 * is refused when STRICT. Returns 0, or -1 (xds_fail) past SCN_XDS_MAX_ITEMS. */
static int
xds_count(struct scn_xds_answer *a, const xmlNode *parent, const char *ns, const char *name,
    int strict, size_t *np)
{
	xmlNodePtr c;

	*np = 0;
	for (c = xml_child(parent, NULL, NULL); c != NULL; c = xml_next(c, NULL, NULL)) {
		if (!xml_is(c, ns, name)) {
			if (strict)
				return xds_fail(a, "unexpected element in the %s list", name);
			continue;
		}
		if (++*np > SCN_XDS_MAX_ITEMS)
			return xds_fail(a, "more than %d %s elements", SCN_XDS_MAX_ITEMS, name);
	}
	return 0;
}

/* Reads the rs:RegistryErrors of LIST (an rs:RegistryErrorList, or NULL) into A.
 * Returns 0 or -1 (xds_fail). */
static int
xds_errors(struct scn_xds_answer *a, const xmlNode *list)
{
	xmlNodePtr e;
	size_t n, i = 0;
	char *sev;
	int bad;

	if (list == NULL)
		return 0;
	if (xds_count(a, list, NS_RS, "RegistryError", 1, &n) == -1)
		return -1;
	if (n == 0)
		return xds_fail(a, "empty RegistryErrorList");
	if ((a->errors = calloc(n, sizeof(*a->errors))) == NULL)
		return xds_fail(a, "out of memory");
	a->nerrors = n;
	for (e = xml_child(list, NS_RS, "RegistryError"); e != NULL;
	    e = xml_next(e, NS_RS, "RegistryError"), i++) {
		struct scn_xds_error *re = &a->errors[i];

		re->code = xml_attr(e, "errorCode");
		re->context = xml_attr(e, "codeContext");
		re->location = xml_attr(e, "location");
		if (re->code == NULL || re->code[0] == '\0')
			return xds_fail(a, "RegistryError %zu has no errorCode", i + 1);
		if (re->context == NULL)
			return xds_fail(a, "RegistryError %zu has no codeContext", i + 1);
		/* severity defaults to Error (rs.xsd) */
		sev = xml_attr(e, "severity");
		bad = sev != NULL && strcmp(sev, RS_SEVERITY_ERROR) != 0 &&
		    strcmp(sev, RS_SEVERITY_WARNING) != 0;
		re->warning = sev != NULL && strcmp(sev, RS_SEVERITY_WARNING) == 0;
		free(sev);
		if (bad)
			return xds_fail(a, "RegistryError %zu has an unknown severity", i + 1);
	}
	return 0;
}

/* Reads DocumentEntry EO (the I-th, from 1) into D. Returns 0 or -1 (xds_fail). */
static int
xds_entry(struct scn_xds_answer *a, struct scn_xds_doc *d, const xmlNode *eo, size_t i)
{
	const char *missing = NULL;

	d->home = xml_attr(eo, "home");
	d->uid = ebrim_external_id(eo, UUID_DE_UNIQUEID);
	d->repo = ebrim_slot_first(eo, "repositoryUniqueId");
	d->patient = ebrim_external_id(eo, UUID_DE_PATIENTID);
	d->class_code = xml_attr(ebrim_classification(eo, UUID_DE_CLASSCODE, NULL),
	    "nodeRepresentation");
	d->title = ebrim_name(eo);
	d->mime = xml_attr(eo, "mimeType");
	if (d->home == NULL || d->home[0] == '\0')
		missing = "home";
	else if (d->uid == NULL || d->uid[0] == '\0')
		missing = "uniqueId";
	else if (d->repo == NULL || d->repo[0] == '\0')
		missing = "repositoryUniqueId";
	else if (d->patient == NULL || d->patient[0] == '\0')
		missing = "patientId";
	if (missing != NULL)
		return xds_fail(a, "DocumentEntry %zu has no %s", i, missing);
	return 0;
}

/* Reads the AdhocQueryResponse RESP into A. Returns 0 or -1 (xds_fail). */
static int
xds_query_payload(struct scn_xds_answer *a, const xmlNode *resp)
{
	xmlNodePtr list, eo;
	size_t n, i = 0;
	char *status;
	int rc;

	if (!xml_is(resp, NS_QUERY, "AdhocQueryResponse"))
		return xds_fail(a, "the answer is not an AdhocQueryResponse");
	status = xml_attr(resp, "status");
	rc = xds_status(a, status);
	free(status);
	if (rc == -1 || xds_errors(a, xml_child(resp, NS_RS, "RegistryErrorList")) == -1)
		return -1;
	list = xml_child(resp, NS_RIM, "RegistryObjectList");
	if (xds_count(a, list, NS_RIM, "ExtrinsicObject", 0, &n) == -1)
		return -1;
	if (n == 0)
		return 0;
	if ((a->docs = calloc(n, sizeof(*a->docs))) == NULL)
		return xds_fail(a, "out of memory");
	a->ndocs = n;
	for (eo = xml_child(list, NS_RIM, "ExtrinsicObject"); eo != NULL;
	    eo = xml_next(eo, NS_RIM, "ExtrinsicObject"), i++)
		if (xds_entry(a, &a->docs[i], eo, i + 1) == -1)
			return -1;
	return 0;
}

int
scn_xds_parse_query(const uint8_t *body, size_t len, const char *content_type,
    const char *relates_to, struct scn_xds_answer *a)
{
	struct soap_msg *msg;
	int rc;

	if ((rc = xds_open(body, len, content_type, TXN_ITI38, relates_to, a, &msg)) != 0)
		return rc == 1 ? 0 : -1;
	rc = xds_query_payload(a, soap_msg_payload(msg));
	soap_msg_free(msg);
	return rc;
}

/* Returns a malloc'd copy of the text of DR's child NAME when non-empty, else NULL. */
static char *
xds_dr_text(const xmlNode *dr, const char *name)
{
	char *t = xml_text(xml_child(dr, NS_XDSB, name));

	if (t != NULL && t[0] == '\0') {
		free(t);
		t = NULL;
	}
	return t;
}

/* Reads DocumentResponse DR (the I-th, from 1) of MSG into D, its bytes copied. Returns 0
 * or -1 (xds_fail). */
static int
xds_docresp(struct scn_xds_answer *a, struct soap_msg *msg, struct scn_xds_doc *d,
    const xmlNode *dr, size_t i)
{
	const xmlNode *doc = xml_child(dr, NS_XDSB, "Document");
	const char *missing = NULL;
	const uint8_t *data;
	size_t len;

	d->home = xds_dr_text(dr, "HomeCommunityId");
	d->repo = xds_dr_text(dr, "RepositoryUniqueId");
	d->uid = xds_dr_text(dr, "DocumentUniqueId");
	d->mime = xds_dr_text(dr, "mimeType");
	if (d->home == NULL)
		missing = "HomeCommunityId";
	else if (d->repo == NULL)
		missing = "RepositoryUniqueId";
	else if (d->uid == NULL)
		missing = "DocumentUniqueId";
	else if (d->mime == NULL)
		missing = "mimeType";
	else if (doc == NULL)
		missing = "Document";
	if (missing != NULL)
		return xds_fail(a, "DocumentResponse %zu has no %s", i, missing);
	if (soap_element_bytes(msg, doc, &data, &len) == -1)
		return xds_fail(a, "DocumentResponse %zu: its Document is neither a resolvable "
		    "xop:Include nor base64", i);
	if (len > 0) {
		if ((d->data = malloc(len)) == NULL)
			return xds_fail(a, "out of memory");
		memcpy(d->data, data, len);
		d->len = len;
	}
	return 0;
}

/* Reads the RetrieveDocumentSetResponse of MSG into A. Returns 0 or -1 (xds_fail). */
static int
xds_retrieve_payload(struct scn_xds_answer *a, struct soap_msg *msg)
{
	xmlNodePtr resp = soap_msg_payload(msg), rr, dr;
	size_t n, i = 0;
	char *status;
	int rc;

	if (!xml_is(resp, NS_XDSB, "RetrieveDocumentSetResponse"))
		return xds_fail(a, "the answer is not a RetrieveDocumentSetResponse");
	if ((rr = xml_child(resp, NS_RS, "RegistryResponse")) == NULL)
		return xds_fail(a, "the answer has no RegistryResponse");
	status = xml_attr(rr, "status");
	rc = xds_status(a, status);
	free(status);
	if (rc == -1 || xds_errors(a, xml_child(rr, NS_RS, "RegistryErrorList")) == -1 ||
	    xds_count(a, resp, NS_XDSB, "DocumentResponse", 0, &n) == -1)
		return -1;
	if (n == 0)
		return 0;
	if ((a->docs = calloc(n, sizeof(*a->docs))) == NULL)
		return xds_fail(a, "out of memory");
	a->ndocs = n;
	for (dr = xml_child(resp, NS_XDSB, "DocumentResponse"); dr != NULL;
	    dr = xml_next(dr, NS_XDSB, "DocumentResponse"), i++)
		if (xds_docresp(a, msg, &a->docs[i], dr, i + 1) == -1)
			return -1;
	return 0;
}

int
scn_xds_parse_retrieve(const uint8_t *body, size_t len, const char *content_type,
    const char *relates_to, struct scn_xds_answer *a)
{
	struct soap_msg *msg;
	int rc;

	if ((rc = xds_open(body, len, content_type, TXN_ITI39, relates_to, a, &msg)) != 0)
		return rc == 1 ? 0 : -1;
	rc = xds_retrieve_payload(a, msg);
	soap_msg_free(msg);
	return rc;
}
