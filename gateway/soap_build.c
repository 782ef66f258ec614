/*
 * gateway/soap_build: writing SOAP 1.2 envelopes and faults. Prefixes are fixed: "env" for
 * the SOAP envelope namespace and "wsa" for WS-Addressing, both declared on env:Envelope,
 * which is why fault subcodes are stored as "wsa:..." QNames.
 */
#include "gateway/soap_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SOAP_ENV_OPEN \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>" \
	"<env:Envelope xmlns:env=\"" SOAP_NS_ENV "\" xmlns:wsa=\"" SOAP_NS_WSA "\">"

void
soap_fault_set(struct soap_fault *f, enum soap_fault_code code, const char *subcode,
    const char *reason_fmt, ...)
{
	va_list ap;

	memset(f, 0, sizeof(*f));
	f->sf_code = code;
	if (subcode != NULL)
		(void)str_copy(f->sf_subcode, sizeof(f->sf_subcode), subcode);
	va_start(ap, reason_fmt);
	(void)vsnprintf(f->sf_reason, sizeof(f->sf_reason), reason_fmt, ap);
	va_end(ap);
}

int
soap_fault_http_status(const struct soap_fault *f)
{
	if (f->sf_http_status != 0)
		return f->sf_http_status;
	return f->sf_code == SOAP_FAULT_SENDER ? 400 : 500;
}

/* A value for a quoted HTTP header parameter: printable ASCII without quote/backslash. */
static int
soap_param_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"' ||
		    *s == '\\')
			return 0;
	return 1;
}

int
soap_content_type(struct strbuf *sb, const char *action)
{
	if (action != NULL && !soap_param_ok(action))
		return -1;
	if (strbuf_puts(sb, SOAP_CONTENT_TYPE) == -1)
		return -1;
	return action == NULL ? 0 : strbuf_printf(sb, "; action=\"%s\"", action);
}

/* Appends <wsa:NAME[ env:mustUnderstand="1"]>escaped VALUE</wsa:NAME>. */
static int
soap_put_wsa(struct strbuf *sb, const char *name, int mu, const char *value)
{
	if (strbuf_printf(sb, "<wsa:%s%s>", name, mu ? " env:mustUnderstand=\"1\"" : "") == -1 ||
	    strbuf_put_xml(sb, value) == -1)
		return -1;
	return strbuf_printf(sb, "</wsa:%s>", name);
}

static int
soap_put_body(struct strbuf *sb, const char *body_xml)
{
	if (strbuf_puts(sb, "</env:Header><env:Body>") == -1 ||
	    (body_xml != NULL && strbuf_puts(sb, body_xml) == -1))
		return -1;
	return strbuf_puts(sb, "</env:Body></env:Envelope>");
}

int
soap_build_response(struct strbuf *sb, const char *action, const char *relates_to,
    const char *body_xml)
{
	char id[64];

	if (action == NULL || str_uuid_urn(id, sizeof(id)) == -1)
		return -1;
	/* wsa:To is omitted: the reply goes to the anonymous address (WS-A SOAP §3.5). */
	if (strbuf_puts(sb, SOAP_ENV_OPEN "<env:Header>") == -1 ||
	    soap_put_wsa(sb, "Action", 1, action) == -1 ||
	    soap_put_wsa(sb, "MessageID", 0, id) == -1 ||
	    (relates_to != NULL && soap_put_wsa(sb, "RelatesTo", 0, relates_to) == -1))
		return -1;
	return soap_put_body(sb, body_xml);
}

int
soap_build_request_id(struct strbuf *sb, const char *action, const char *to,
    const char *body_xml, char *msgid, size_t n)
{
	return soap_build_request_hdr(sb, action, to, NULL, body_xml, msgid, n);
}

int
soap_build_request_hdr(struct strbuf *sb, const char *action, const char *to,
    const char *header_xml, const char *body_xml, char *msgid, size_t n)
{
	char id[64];

	if (action == NULL || str_uuid_urn(id, sizeof(id)) == -1)
		return -1;
	if (msgid != NULL && str_copy(msgid, n, id) == -1)
		return -1;
	if (strbuf_puts(sb, SOAP_ENV_OPEN "<env:Header>") == -1 ||
	    soap_put_wsa(sb, "Action", 1, action) == -1 ||
	    soap_put_wsa(sb, "MessageID", 0, id) == -1 ||
	    strbuf_puts(sb, "<wsa:ReplyTo env:mustUnderstand=\"1\"><wsa:Address>"
	    SOAP_WSA_ANONYMOUS "</wsa:Address></wsa:ReplyTo>") == -1 ||
	    (to != NULL && soap_put_wsa(sb, "To", 1, to) == -1) ||
	    (header_xml != NULL && strbuf_puts(sb, header_xml) == -1))
		return -1;
	return soap_put_body(sb, body_xml);
}

int
soap_build_request(struct strbuf *sb, const char *action, const char *to,
    const char *body_xml)
{
	return soap_build_request_id(sb, action, to, body_xml, NULL, 0);
}

static const char *
soap_code_qname(enum soap_fault_code c)
{
	switch (c) {
	case SOAP_FAULT_SENDER: return "env:Sender";
	case SOAP_FAULT_RECEIVER: return "env:Receiver";
	case SOAP_FAULT_MUST_UNDERSTAND: return "env:MustUnderstand";
	case SOAP_FAULT_VERSION_MISMATCH: return "env:VersionMismatch";
	case SOAP_FAULT_DATA_ENCODING_UNKNOWN: return "env:DataEncodingUnknown";
	}
	return "env:Receiver";
}

/* The fault-specific header blocks of SOAP 1.2 Part 1 §5.4.8 and §5.4.7. */
static int
soap_fault_headers(struct strbuf *sb, const struct soap_fault *f)
{
	if (f->sf_code == SOAP_FAULT_MUST_UNDERSTAND && f->sf_nu_ns[0] != '\0' &&
	    f->sf_nu_local[0] != '\0') {
		if (strbuf_puts(sb, "<env:NotUnderstood qname=\"nu:") == -1 ||
		    strbuf_put_xml(sb, f->sf_nu_local) == -1 ||
		    strbuf_puts(sb, "\" xmlns:nu=\"") == -1 ||
		    strbuf_put_xml(sb, f->sf_nu_ns) == -1 || strbuf_puts(sb, "\"/>") == -1)
			return -1;
	}
	if (f->sf_code == SOAP_FAULT_VERSION_MISMATCH &&
	    strbuf_puts(sb, "<env:Upgrade><env:SupportedEnvelope qname=\"env:Envelope\"/>"
	    "</env:Upgrade>") == -1)
		return -1;
	return 0;
}

static int
soap_fault_code(struct strbuf *sb, const struct soap_fault *f)
{
	int sub = f->sf_subcode[0] != '\0';
	int subsub = sub && f->sf_subsubcode[0] != '\0';

	if (strbuf_printf(sb, "<env:Code><env:Value>%s</env:Value>",
	    soap_code_qname(f->sf_code)) == -1)
		return -1;
	if (sub && (strbuf_puts(sb, "<env:Subcode><env:Value>") == -1 ||
	    strbuf_put_xml(sb, f->sf_subcode) == -1 || strbuf_puts(sb, "</env:Value>") == -1))
		return -1;
	if (subsub && (strbuf_puts(sb, "<env:Subcode><env:Value>") == -1 ||
	    strbuf_put_xml(sb, f->sf_subsubcode) == -1 ||
	    strbuf_puts(sb, "</env:Value></env:Subcode>") == -1))
		return -1;
	if (sub && strbuf_puts(sb, "</env:Subcode>") == -1)
		return -1;
	return strbuf_puts(sb, "</env:Code>");
}

static int
soap_fault_detail(struct strbuf *sb, const struct soap_fault *f)
{
	if (f->sf_problem_header[0] == '\0' && f->sf_problem_action[0] == '\0')
		return 0;
	if (strbuf_puts(sb, "<env:Detail>") == -1)
		return -1;
	if (f->sf_problem_header[0] != '\0' &&
	    (strbuf_puts(sb, "<wsa:ProblemHeaderQName>") == -1 ||
	    strbuf_put_xml(sb, f->sf_problem_header) == -1 ||
	    strbuf_puts(sb, "</wsa:ProblemHeaderQName>") == -1))
		return -1;
	if (f->sf_problem_action[0] != '\0' &&
	    (strbuf_puts(sb, "<wsa:ProblemAction>") == -1 ||
	    soap_put_wsa(sb, "Action", 0, f->sf_problem_action) == -1 ||
	    strbuf_puts(sb, "</wsa:ProblemAction>") == -1))
		return -1;
	return strbuf_puts(sb, "</env:Detail>");
}

int
soap_build_fault(struct strbuf *sb, const struct soap_fault *f, const char *relates_to)
{
	char id[64];

	if (str_uuid_urn(id, sizeof(id)) == -1)
		return -1;
	if (strbuf_puts(sb, SOAP_ENV_OPEN "<env:Header>") == -1 ||
	    soap_put_wsa(sb, "Action", 1, ACTION_WSA_SOAP_FAULT) == -1 ||
	    soap_put_wsa(sb, "MessageID", 0, id) == -1 ||
	    (relates_to != NULL && relates_to[0] != '\0' &&
	    soap_put_wsa(sb, "RelatesTo", 0, relates_to) == -1) ||
	    soap_fault_headers(sb, f) == -1 ||
	    strbuf_puts(sb, "</env:Header><env:Body><env:Fault>") == -1 ||
	    soap_fault_code(sb, f) == -1 ||
	    strbuf_puts(sb, "<env:Reason><env:Text xml:lang=\"en\">") == -1 ||
	    strbuf_put_xml(sb, f->sf_reason[0] != '\0' ? f->sf_reason : "fault") == -1 ||
	    strbuf_puts(sb, "</env:Text></env:Reason>") == -1 ||
	    soap_fault_detail(sb, f) == -1)
		return -1;
	return strbuf_puts(sb, "</env:Fault></env:Body></env:Envelope>");
}
