/*
 * gateway/soap: soap_parse() and the message accessors. The order of checks follows the
 * SOAP 1.2 processing model: transport framing, envelope version, header blocks
 * (mustUnderstand before anything is processed), WS-Addressing, then the Body.
 */
#include "gateway/soap_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xml.h"

#define SOAP_DEF_MAX_BYTES	((size_t)8 << 20)
#define SOAP_DEF_MAX_MTOM	((size_t)128 << 20)
#define SOAP_DEF_MAX_DEPTH	100

struct soap_input {
	const uint8_t	*xml;		/* the envelope bytes */
	size_t		 xml_len;
	char		 action[1024];	/* Content-Type action parameter, "" if absent */
};

int
soap_is_blank(const xmlChar *s)
{
	if (s == NULL)
		return 1;
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

static void
soap_limits_fill(const struct soap_limits *in, struct soap_limits *out)
{
	if (in != NULL)
		*out = *in;
	else
		memset(out, 0, sizeof(*out));
	if (out->sl_max_bytes == 0)
		out->sl_max_bytes = SOAP_DEF_MAX_BYTES;
	if (out->sl_max_mtom_bytes == 0)
		out->sl_max_mtom_bytes = SOAP_DEF_MAX_MTOM;
	if (out->sl_max_depth <= 0)
		out->sl_max_depth = SOAP_DEF_MAX_DEPTH;
	if (out->sl_max_parts == 0)
		out->sl_max_parts = 100;
}

static int
soap_charset_ok(const char *charset)
{
	return charset[0] == '\0' || strcasecmp(charset, "utf-8") == 0;
}

/* Unsupported media types get HTTP 415 (SOAP 1.2 Part 2 §7.5.1.2); text/xml is SOAP 1.1,
 * so the fault says VersionMismatch to point the sender at the real problem. */
static int
soap_bad_media(struct soap_fault *fault, const struct mtom_ct *ct)
{
	if (ct != NULL && strcmp(ct->ct_type, "text/xml") == 0)
		soap_fault_set(fault, SOAP_FAULT_VERSION_MISMATCH, NULL, "SOAP 1.1 (text/xml) "
		    "is not supported; send SOAP 1.2 as application/soap+xml");
	else
		soap_fault_set(fault, SOAP_FAULT_SENDER, NULL, "unsupported or missing "
		    "Content-Type; expected application/soap+xml or MTOM multipart/related");
	fault->sf_http_status = 415;
	return -1;
}

/* Finds the MTOM root part: the start parameter names it, else it is the first part. */
static int
soap_mtom_root(struct soap_msg *msg, const struct mtom_ct *ct, struct soap_fault *fault)
{
	char start[sizeof(ct->ct_start)];
	size_t i, j, n;
	struct mtom_ct rct;

	msg->sm_root = 0;
	if (ct->ct_start[0] != '\0') {
		(void)str_copy(start, sizeof(start), ct->ct_start);
		n = strlen(start);
		if (n >= 2 && start[0] == '<' && start[n - 1] == '>') {
			memmove(start, start + 1, n - 2);
			start[n - 2] = '\0';
		}
		for (i = 0; i < msg->sm_nparts; i++)
			if (msg->sm_parts[i].mp_cid != NULL &&
			    strcmp(msg->sm_parts[i].mp_cid, start) == 0)
				break;
		if (i == msg->sm_nparts) {
			soap_fault_set(fault, SOAP_FAULT_SENDER, NULL,
			    "the MTOM start part was not found");
			return -1;
		}
		msg->sm_root = i;
	}
	for (i = 0; i < msg->sm_nparts; i++)
		for (j = i + 1; j < msg->sm_nparts; j++)
			if (msg->sm_parts[i].mp_cid != NULL && msg->sm_parts[j].mp_cid != NULL &&
			    strcmp(msg->sm_parts[i].mp_cid, msg->sm_parts[j].mp_cid) == 0) {
				soap_fault_set(fault, SOAP_FAULT_SENDER, NULL,
				    "two MIME parts share a Content-ID");
				return -1;
			}
	if (mtom_ct_parse(msg->sm_parts[msg->sm_root].mp_content_type, &rct) == -1 ||
	    strcmp(rct.ct_type, "application/xop+xml") != 0 ||
	    (rct.ct_xtype[0] != '\0' && !mtom_ct_is(rct.ct_xtype, "application/soap+xml")) ||
	    !soap_charset_ok(rct.ct_charset)) {
		soap_fault_set(fault, SOAP_FAULT_SENDER, NULL, "the MTOM root part must be "
		    "application/xop+xml; type=\"application/soap+xml\" in UTF-8");
		return -1;
	}
	return 0;
}

static int
soap_input_mtom(const uint8_t *body, size_t len, const struct mtom_ct *ct,
    const struct soap_limits *lim, struct soap_msg *msg, struct soap_input *in,
    struct soap_fault *fault)
{
	struct mtom_ct si;
	const char *err = NULL;
	const struct mtom_part *root;

	if (!mtom_ct_is(ct->ct_xtype, "application/xop+xml") || ct->ct_boundary[0] == '\0' ||
	    (ct->ct_start_info[0] != '\0' &&
	    !mtom_ct_is(ct->ct_start_info, "application/soap+xml")))
		return soap_bad_media(fault, ct);
	/* The action may ride on multipart/related (Axis2) or inside start-info. */
	(void)str_copy(in->action, sizeof(in->action), ct->ct_action);
	if (in->action[0] == '\0' && ct->ct_start_info[0] != '\0' &&
	    mtom_ct_parse(ct->ct_start_info, &si) == 0)
		(void)str_copy(in->action, sizeof(in->action), si.ct_action);
	if (len > lim->sl_max_mtom_bytes) {
		soap_fault_set(fault, SOAP_FAULT_SENDER, NULL,
		    "the MTOM message exceeds the size limit");
		return -1;
	}
	if (mtom_parse(body, len, ct->ct_boundary, lim->sl_max_parts, &msg->sm_parts,
	    &msg->sm_nparts, &err) == -1) {
		soap_fault_set(fault, strcmp(err, "out of memory") == 0 ? SOAP_FAULT_RECEIVER :
		    SOAP_FAULT_SENDER, NULL, "malformed MTOM package: %s", err);
		return -1;
	}
	msg->sm_mtom = 1;
	if (soap_mtom_root(msg, ct, fault) == -1)
		return -1;
	root = &msg->sm_parts[msg->sm_root];
	in->xml = root->mp_data;
	in->xml_len = root->mp_len;
	return 0;
}

/* Classifies the transport framing and points IN at the envelope bytes. */
static int
soap_input(const uint8_t *body, size_t len, const char *content_type,
    const struct soap_limits *lim, struct soap_msg *msg, struct soap_input *in,
    struct soap_fault *fault)
{
	struct mtom_ct ct;

	memset(in, 0, sizeof(*in));
	if (content_type == NULL || mtom_ct_parse(content_type, &ct) == -1)
		return soap_bad_media(fault, NULL);
	if (strcmp(ct.ct_type, "multipart/related") == 0)
		return soap_input_mtom(body, len, &ct, lim, msg, in, fault);
	if (strcmp(ct.ct_type, "application/soap+xml") != 0)
		return soap_bad_media(fault, &ct);
	if (!soap_charset_ok(ct.ct_charset)) {
		soap_fault_set(fault, SOAP_FAULT_SENDER, NULL, "only UTF-8 is accepted");
		fault->sf_http_status = 415;
		return -1;
	}
	(void)str_copy(in->action, sizeof(in->action), ct.ct_action);
	in->xml = body;
	in->xml_len = len;
	return 0;
}

static int
soap_parse_xml(struct soap_msg *msg, const struct soap_input *in,
    const struct soap_limits *lim, struct soap_fault *fault)
{
	struct xml_limits xl;
	enum xml_err xe;

	/* Only UTF-8 (WS-I BP 2.0 allows UTF-16 too; nobody sends it here): a NUL byte means
	 * UTF-16/32, which common/xml's byte-level DOCTYPE guard cannot see through. */
	if (in->xml == NULL || in->xml_len == 0 || memchr(in->xml, 0, in->xml_len) != NULL) {
		soap_fault_set(fault, SOAP_FAULT_SENDER, NULL,
		    "the message is empty or not UTF-8 XML");
		return -1;
	}
	xl.xl_max_bytes = lim->sl_max_bytes;
	xl.xl_max_depth = lim->sl_max_depth;
	msg->sm_doc = xml_parse_safe((const char *)in->xml, in->xml_len, &xl, &xe);
	if (msg->sm_doc == NULL) {
		soap_fault_set(fault, xe == XML_ERR_NOMEM ? SOAP_FAULT_RECEIVER :
		    SOAP_FAULT_SENDER, NULL, "%s", xml_strerror(xe));
		return -1;
	}
	if (msg->sm_doc->encoding != NULL &&
	    strcasecmp((const char *)msg->sm_doc->encoding, "UTF-8") != 0) {
		soap_fault_set(fault, SOAP_FAULT_SENDER, NULL, "only UTF-8 is accepted");
		return -1;
	}
	return 0;
}

/* Envelope = [Header] Body, nothing else (SOAP 1.2 Part 1 §5.1). */
static int
soap_envelope(struct soap_msg *msg, struct soap_fault *fault)
{
	xmlNodePtr env = xmlDocGetRootElement(msg->sm_doc), c;

	if (!xml_is(env, SOAP_NS_ENV, "Envelope")) {
		soap_fault_set(fault, SOAP_FAULT_VERSION_MISMATCH, NULL, "%s",
		    xml_is(env, SOAP_NS_ENV11, "Envelope") ? "SOAP 1.1 envelopes are not "
		    "supported; use SOAP 1.2" : "the root element is not a SOAP 1.2 Envelope");
		return -1;
	}
	for (c = env->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE && !soap_is_blank(c->content))
			goto bad;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (msg->sm_body != NULL)
			goto bad;
		if (msg->sm_header == NULL && xml_is(c, SOAP_NS_ENV, "Header"))
			msg->sm_header = c;
		else if (xml_is(c, SOAP_NS_ENV, "Body"))
			msg->sm_body = c;
		else
			goto bad;
	}
	if (msg->sm_body != NULL)
		return 0;
bad:
	soap_fault_set(fault, SOAP_FAULT_SENDER, NULL,
	    "env:Envelope must hold an optional env:Header and one env:Body, nothing else");
	return -1;
}

static int
soap_body(struct soap_msg *msg, struct soap_fault *fault)
{
	xmlNodePtr c;
	int n = 0;

	for (c = msg->sm_body->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE && !soap_is_blank(c->content))
			n = 2;
		if (c->type == XML_ELEMENT_NODE && n++ == 0)
			msg->sm_payload = c;
	}
	if (n != 1) {
		soap_fault_set(fault, SOAP_FAULT_SENDER, NULL,
		    "env:Body must hold exactly one element");
		return -1;
	}
	return 0;
}

/* Every xop:Include anywhere in the envelope must name an attachment we hold. */
static int
soap_check_includes(const struct soap_msg *msg, struct soap_fault *fault)
{
	xmlNodePtr n = xmlDocGetRootElement(msg->sm_doc);
	char cid[512], *href;
	int ok;

	while (n != NULL) {
		if (xml_is(n, MTOM_XOP_NS, "Include")) {
			href = xml_attr(n, "href");
			ok = mtom_cid_from_href(href, cid, sizeof(cid)) == 0 &&
			    soap_attachment(msg, cid) != NULL;
			free(href);
			if (!ok) {
				soap_fault_set(fault, SOAP_FAULT_SENDER, NULL, "an xop:Include does "
				    "not reference a MIME part of this message");
				return -1;
			}
		}
		/* Pre-order walk without recursion. */
		if (n->children != NULL && n->type == XML_ELEMENT_NODE) {
			n = n->children;
			continue;
		}
		while (n != NULL && n->next == NULL)
			n = n->parent != NULL && n->parent->type == XML_ELEMENT_NODE ?
			    n->parent : NULL;
		if (n != NULL)
			n = n->next;
	}
	return 0;
}

int
soap_parse(const uint8_t *body, size_t len, const char *content_type,
    const struct soap_limits *lim_in, struct soap_msg **msgp, struct soap_fault *fault)
{
	struct soap_limits lim;
	struct soap_input in;
	struct soap_msg *msg;
	int ret = -1;

	*msgp = NULL;
	soap_fault_set(fault, SOAP_FAULT_RECEIVER, NULL, "internal error");
	soap_limits_fill(lim_in, &lim);
	if ((msg = calloc(1, sizeof(*msg))) == NULL) {
		soap_fault_set(fault, SOAP_FAULT_RECEIVER, NULL, "out of memory");
		return -1;
	}
	if (soap_input(body, len, content_type, &lim, msg, &in, fault) == -1 ||
	    soap_parse_xml(msg, &in, &lim, fault) == -1 || soap_envelope(msg, fault) == -1)
		goto done;
	if (msg->sm_mtom) {	/* the envelope now lives in the tree */
		free(msg->sm_parts[msg->sm_root].mp_data);
		msg->sm_parts[msg->sm_root].mp_data = NULL;
		msg->sm_parts[msg->sm_root].mp_len = 0;
	}
	/* A received fault is recognised first: it need not carry WS-A headers. */
	if (lim.sl_expect_response && xml_is(xml_child(msg->sm_body, NULL, NULL),
	    SOAP_NS_ENV, "Fault"))
		msg->sm_is_fault = 1;
	if (soap_hdr_process(msg, &lim, in.action, fault) == -1 ||
	    soap_body(msg, fault) == -1 || soap_check_includes(msg, fault) == -1)
		goto done;
	memset(fault, 0, sizeof(*fault));
	*msgp = msg;
	msg = NULL;
	ret = 0;
done:
	soap_msg_free(msg);
	return ret;
}

void
soap_msg_free(struct soap_msg *msg)
{
	struct soap_blob *b, *next;

	if (msg == NULL)
		return;
	xmlFreeDoc(msg->sm_doc);
	free(msg->sm_wsa.wa_action);
	free(msg->sm_wsa.wa_message_id);
	free(msg->sm_wsa.wa_to);
	free(msg->sm_wsa.wa_reply_to);
	free(msg->sm_wsa.wa_fault_to);
	free(msg->sm_wsa.wa_from);
	free(msg->sm_wsa.wa_relates_to);
	free(msg->sm_ttl);
	mtom_parts_free(msg->sm_parts, msg->sm_nparts);
	for (b = msg->sm_blobs; b != NULL; b = next) {
		next = b->sb_next;
		free(b->sb_data);
		free(b);
	}
	free(msg);
}

xmlDocPtr
soap_msg_doc(const struct soap_msg *m)
{
	return m->sm_doc;
}

xmlNodePtr
soap_msg_header(const struct soap_msg *m)
{
	return m->sm_header;
}

xmlNodePtr
soap_msg_body(const struct soap_msg *m)
{
	return m->sm_body;
}

xmlNodePtr
soap_msg_payload(const struct soap_msg *m)
{
	return m->sm_payload;
}

const struct soap_wsa *
soap_msg_wsa(const struct soap_msg *m)
{
	return &m->sm_wsa;
}

enum ihe_txn
soap_msg_txn(const struct soap_msg *m)
{
	return m->sm_txn;
}

int
soap_msg_is_mtom(const struct soap_msg *m)
{
	return m->sm_mtom;
}

const char *
soap_msg_correlation_ttl(const struct soap_msg *m)
{
	return m->sm_ttl;
}
