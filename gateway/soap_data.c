/*
 * gateway/soap_data: getting bytes out of a parsed message (MTOM attachments or inline
 * base64) and reading a fault a peer sent us.
 */
#include "gateway/soap_priv.h"

#include <stdlib.h>
#include <string.h>

#include "common/xml.h"

const struct mtom_part *
soap_attachment(const struct soap_msg *msg, const char *cid)
{
	size_t i;

	if (cid == NULL)
		return NULL;
	for (i = 0; i < msg->sm_nparts; i++) {
		if (i == msg->sm_root || msg->sm_parts[i].mp_cid == NULL)
			continue;
		if (strcmp(msg->sm_parts[i].mp_cid, cid) == 0)
			return &msg->sm_parts[i];
	}
	return NULL;
}

static int
soap_include_bytes(const struct soap_msg *msg, const xmlNode *inc, const uint8_t **datap,
    size_t *lenp)
{
	char cid[512], *href = xml_attr(inc, "href");
	const struct mtom_part *p;
	int rc = mtom_cid_from_href(href, cid, sizeof(cid));

	free(href);
	if (rc == -1 || (p = soap_attachment(msg, cid)) == NULL)
		return -1;
	*datap = p->mp_data != NULL ? p->mp_data : (const uint8_t *)"";
	*lenp = p->mp_len;
	return 0;
}

int
soap_element_bytes(struct soap_msg *msg, const xmlNode *el, const uint8_t **datap,
    size_t *lenp)
{
	const xmlNode *c, *inc = NULL;
	struct soap_blob *b;
	xmlChar *text;
	int rc;

	if (el == NULL || el->type != XML_ELEMENT_NODE)
		return -1;
	for (c = el->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (inc != NULL || !xml_is(c, MTOM_XOP_NS, "Include"))
			return -1;
		inc = c;
	}
	if (inc != NULL) {
		for (c = el->children; c != NULL; c = c->next)	/* no text beside it */
			if (c->type == XML_TEXT_NODE && !soap_is_blank(c->content))
				return -1;
		return soap_include_bytes(msg, inc, datap, lenp);
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	text = xmlNodeGetContent(el);
	rc = text != NULL ? str_b64_decode((const char *)text, &b->sb_data, &b->sb_len) : -1;
	xmlFree(text);
	if (rc == -1) {
		free(b);
		return -1;
	}
	b->sb_next = msg->sm_blobs;
	msg->sm_blobs = b;
	*datap = b->sb_data;
	*lenp = b->sb_len;
	return 0;
}

/* Copies the QName text of NODE into OUT: "wsa:Local" when it resolves to the WS-A
 * namespace, "env:Local" for the SOAP one, else the text as written. */
static void
soap_qname_text(xmlNodePtr node, char *out, size_t n)
{
	char *text = xml_text(node);
	const char *colon, *local;
	char prefix[64];
	xmlNsPtr ns = NULL;

	out[0] = '\0';
	if (text == NULL)
		return;
	colon = strchr(text, ':');
	local = colon != NULL ? colon + 1 : text;
	if (colon != NULL && (size_t)(colon - text) < sizeof(prefix)) {
		memcpy(prefix, text, (size_t)(colon - text));
		prefix[colon - text] = '\0';
		ns = xmlSearchNs(node->doc, node, XC(prefix));
	}
	if (ns != NULL && strcmp((const char *)ns->href, SOAP_NS_WSA) == 0)
		(void)snprintf(out, n, "wsa:%s", local);
	else if (ns != NULL && strcmp((const char *)ns->href, SOAP_NS_ENV) == 0)
		(void)snprintf(out, n, "env:%s", local);
	else
		(void)snprintf(out, n, "%s", text);
	free(text);
}

int
soap_msg_fault(const struct soap_msg *msg, struct soap_fault *out)
{
	static const struct {
		const char		*qname;
		enum soap_fault_code	 code;
	} codes[] = {
		{ "env:Sender", SOAP_FAULT_SENDER },
		{ "env:Receiver", SOAP_FAULT_RECEIVER },
		{ "env:MustUnderstand", SOAP_FAULT_MUST_UNDERSTAND },
		{ "env:VersionMismatch", SOAP_FAULT_VERSION_MISMATCH },
		{ "env:DataEncodingUnknown", SOAP_FAULT_DATA_ENCODING_UNKNOWN },
	};
	xmlNodePtr f, code, sub;
	char q[128], *reason;
	size_t i;

	if (!msg->sm_is_fault)
		return 0;
	memset(out, 0, sizeof(*out));
	out->sf_code = SOAP_FAULT_RECEIVER;	/* an unknown code is the peer's problem */
	f = msg->sm_payload;
	code = xml_child(f, SOAP_NS_ENV, "Code");
	soap_qname_text(xml_child(code, SOAP_NS_ENV, "Value"), q, sizeof(q));
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(q, codes[i].qname) == 0)
			out->sf_code = codes[i].code;
	sub = xml_child(code, SOAP_NS_ENV, "Subcode");
	soap_qname_text(xml_child(sub, SOAP_NS_ENV, "Value"), out->sf_subcode,
	    sizeof(out->sf_subcode));
	sub = xml_child(sub, SOAP_NS_ENV, "Subcode");
	soap_qname_text(xml_child(sub, SOAP_NS_ENV, "Value"), out->sf_subsubcode,
	    sizeof(out->sf_subsubcode));
	reason = xml_text(xml_child(xml_child(f, SOAP_NS_ENV, "Reason"), SOAP_NS_ENV, "Text"));
	if (reason != NULL)
		(void)snprintf(out->sf_reason, sizeof(out->sf_reason), "%s", reason);
	free(reason);
	return 1;
}
