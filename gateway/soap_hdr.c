/*
 * gateway/soap_hdr: SOAP 1.2 header processing (Part 1 §2.4-2.7: targeting by role,
 * mustUnderstand checked for every targeted block before any is processed) and the
 * WS-Addressing 1.0 headers with the faults of the WS-A SOAP binding §6.4.
 */
#include "gateway/soap_priv.h"

#include <stdlib.h>
#include <string.h>

#include "common/xml.h"

#define WSA_VALUE_MAX	4096	/* longer addressing values are refused, not stored */

static const char *const wsa_understood[] = {
	"Action", "MessageID", "To", "ReplyTo", "RelatesTo", "From", "FaultTo"
};

/* Header blocks that carry one value and may appear once (WS-A Core §3.2). */
enum wsa_hdr { WH_ACTION, WH_MESSAGE_ID, WH_TO, WH_REPLY_TO, WH_FROM, WH_FAULT_TO, WH_N };

static const char *const wsa_once[WH_N] = {
	"Action", "MessageID", "To", "ReplyTo", "From", "FaultTo"
};

/* xs:boolean: 1, 0, or -1 when the lexical form is not one of true/false/1/0. */
static int
hdr_bool(const xmlChar *v)
{
	const char *s = (const char *)v;
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strcspn(s, " \t\r\n");
	if (!soap_is_blank(XC(s + n)))
		return -1;
	if ((n == 4 && strncmp(s, "true", 4) == 0) || (n == 1 && *s == '1'))
		return 1;
	if ((n == 5 && strncmp(s, "false", 5) == 0) || (n == 1 && *s == '0'))
		return 0;
	return -1;
}

/* Returns 1 when header block H is targeted at us, the ultimate receiver (no env:role,
 * role "next" or "ultimateReceiver"); blocks for other roles are neither processed nor
 * checked for mustUnderstand (SOAP 1.2 Part 1 §2.7). */
static int
hdr_targeted(const xmlNode *h)
{
	xmlChar *role = xmlGetNsProp(h, XC("role"), XC(SOAP_NS_ENV));
	int yes;

	if (role == NULL)
		return 1;
	yes = strcmp((const char *)role, SOAP_NS_ENV "/role/next") == 0 ||
	    strcmp((const char *)role, SOAP_NS_ENV "/role/ultimateReceiver") == 0;
	xmlFree(role);
	return yes;
}

static int
hdr_understood(const xmlNode *h, const struct soap_limits *lim)
{
	size_t i;

	for (i = 0; i < sizeof(wsa_understood) / sizeof(wsa_understood[0]); i++)
		if (xml_is(h, SOAP_NS_WSA, wsa_understood[i]))
			return 1;
	if (xml_is(h, SOAP_NS_XCPD, "CorrelationTimeToLive"))
		return 1;
	for (i = 0; i < lim->sl_n_understood; i++)
		if (xml_is(h, lim->sl_understood[i].qn_ns, lim->sl_understood[i].qn_local))
			return 1;
	return 0;
}

/* Reads the mustUnderstand flag of H into *MU. The WS-A-namespace attribute some stacks
 * emit by mistake is refused unless tolerated; when tolerated it counts as the SOAP one so
 * the sender's intent (fail if not understood) is kept. */
static int
hdr_must_understand(const xmlNode *h, const struct soap_limits *lim, int *mu,
    struct soap_fault *fault)
{
	xmlChar *v;
	int b;

	*mu = 0;
	if ((v = xmlGetNsProp(h, XC("mustUnderstand"), XC(SOAP_NS_WSA))) != NULL) {
		b = hdr_bool(v);
		xmlFree(v);
		if (!lim->sl_tolerate_wsa_mustunderstand) {
			soap_fault_set(fault, SOAP_FAULT_SENDER, NULL, "header block %s carries "
			    "wsa:mustUnderstand, which is not a SOAP attribute; use "
			    "mustUnderstand in the SOAP 1.2 envelope namespace", (const char *)h->name);
			return -1;
		}
		if (b == 1)
			*mu = 1;
	}
	if ((v = xmlGetNsProp(h, XC("mustUnderstand"), XC(SOAP_NS_ENV))) != NULL) {
		b = hdr_bool(v);
		xmlFree(v);
		if (b < 0) {
			soap_fault_set(fault, SOAP_FAULT_SENDER, NULL,
			    "invalid env:mustUnderstand value on header block %s",
			    (const char *)h->name);
			return -1;
		}
		if (b == 1)
			*mu = 1;
	}
	return 0;
}

/* First pass: every targeted block marked mustUnderstand must be one we understand. */
static int
hdr_check_all(const struct soap_msg *msg, const struct soap_limits *lim,
    struct soap_fault *fault)
{
	xmlNodePtr h;
	int mu;

	for (h = msg->sm_header->children; h != NULL; h = h->next) {
		if (h->type == XML_TEXT_NODE && !soap_is_blank(h->content)) {
			soap_fault_set(fault, SOAP_FAULT_SENDER, NULL, "text in env:Header");
			return -1;
		}
		if (h->type != XML_ELEMENT_NODE)
			continue;
		if (h->ns == NULL) {
			soap_fault_set(fault, SOAP_FAULT_SENDER, NULL,
			    "header blocks must be namespace-qualified");
			return -1;
		}
		if (hdr_must_understand(h, lim, &mu, fault) == -1)
			return -1;
		if (!mu || !hdr_targeted(h) || hdr_understood(h, lim))
			continue;
		soap_fault_set(fault, SOAP_FAULT_MUST_UNDERSTAND, NULL,
		    "a mandatory header block was not understood");
		if (str_copy(fault->sf_nu_ns, sizeof(fault->sf_nu_ns),
		    (const char *)h->ns->href) == -1 ||
		    str_copy(fault->sf_nu_local, sizeof(fault->sf_nu_local),
		    (const char *)h->name) == -1)
			fault->sf_nu_ns[0] = fault->sf_nu_local[0] = '\0';
		return -1;
	}
	return 0;
}

static void
hdr_fault_wsa(struct soap_fault *f, const char *subcode, const char *subsub,
    const char *local, const char *reason)
{
	soap_fault_set(f, SOAP_FAULT_SENDER, subcode, "%s", reason);
	if (subsub != NULL)
		(void)str_copy(f->sf_subsubcode, sizeof(f->sf_subsubcode), subsub);
	(void)snprintf(f->sf_problem_header, sizeof(f->sf_problem_header), "wsa:%s", local);
}

/* Returns the trimmed text of H, or of its wsa:Address child for an endpoint reference,
 * in *OUT (malloc'd). */
static int
hdr_value(const xmlNode *h, int epr, char **out, struct soap_fault *fault)
{
	const xmlNode *src = h;

	if (epr && (src = xml_child(h, SOAP_NS_WSA, "Address")) == NULL) {
		hdr_fault_wsa(fault, SOAP_WSA_INVALID_HEADER, SOAP_WSA_MISSING_ADDRESS,
		    (const char *)h->name, "endpoint reference without wsa:Address");
		return -1;
	}
	if (xml_child(src, NULL, NULL) != NULL || (*out = xml_text(src)) == NULL ||
	    **out == '\0' || strlen(*out) > WSA_VALUE_MAX) {
		free(*out);
		*out = NULL;
		hdr_fault_wsa(fault, SOAP_WSA_INVALID_HEADER, NULL, (const char *)h->name,
		    "empty, structured or over-long addressing header value");
		return -1;
	}
	return 0;
}

static int
hdr_relates_to(struct soap_msg *msg, const xmlNode *h, struct soap_fault *fault)
{
	char *type = xml_attr(h, "RelationshipType");
	char *v = NULL;
	int reply = type == NULL || strcmp(type, SOAP_NS_WSA "/reply") == 0;

	free(type);
	if (!reply || msg->sm_wsa.wa_relates_to != NULL)
		return 0;
	if (hdr_value(h, 0, &v, fault) == -1)
		return -1;
	msg->sm_wsa.wa_relates_to = v;
	return 0;
}

/* Second pass: stores the WS-A values; each single-valued header at most once. */
static int
hdr_collect(struct soap_msg *msg, const struct soap_limits *lim, struct soap_fault *fault)
{
	char **slot[WH_N] = {
		&msg->sm_wsa.wa_action, &msg->sm_wsa.wa_message_id, &msg->sm_wsa.wa_to,
		&msg->sm_wsa.wa_reply_to, &msg->sm_wsa.wa_from, &msg->sm_wsa.wa_fault_to
	};
	xmlNodePtr h;
	int i;

	for (h = xml_child(msg->sm_header, NULL, NULL); h != NULL; h = xml_next(h, NULL, NULL)) {
		if (!hdr_targeted(h) || !hdr_understood(h, lim))
			continue;
		if (xml_is(h, SOAP_NS_XCPD, "CorrelationTimeToLive")) {
			if (msg->sm_ttl == NULL && (msg->sm_ttl = xml_text(h)) == NULL)
				goto nomem;
			continue;
		}
		if (xml_is(h, SOAP_NS_WSA, "RelatesTo")) {
			if (hdr_relates_to(msg, h, fault) == -1)
				return -1;
			continue;
		}
		for (i = 0; i < WH_N; i++) {
			if (!xml_is(h, SOAP_NS_WSA, wsa_once[i]))
				continue;
			if (*slot[i] != NULL) {
				hdr_fault_wsa(fault, SOAP_WSA_INVALID_HEADER,
				    SOAP_WSA_INVALID_CARDINALITY, wsa_once[i],
				    "addressing header repeated");
				return -1;
			}
			if (hdr_value(h, i == WH_REPLY_TO || i == WH_FROM || i == WH_FAULT_TO,
			    slot[i], fault) == -1)
				return -1;
		}
	}
	return 0;
nomem:
	soap_fault_set(fault, SOAP_FAULT_RECEIVER, NULL, "out of memory");
	return -1;
}

static int
hdr_check_action(struct soap_msg *msg, const struct soap_limits *lim,
    const char *http_action, struct soap_fault *fault)
{
	const char *a = msg->sm_wsa.wa_action;
	const struct action_entry *e;

	if (a == NULL) {
		hdr_fault_wsa(fault, SOAP_WSA_HEADER_REQUIRED, NULL, "Action",
		    "the wsa:Action header is required");
		return -1;
	}
	if (http_action[0] != '\0' && strcmp(http_action, a) != 0) {
		hdr_fault_wsa(fault, SOAP_WSA_INVALID_HEADER, SOAP_WSA_ACTION_MISMATCH, "Action",
		    "the Content-Type action parameter differs from wsa:Action");
		return -1;
	}
	e = lim->sl_expect_response ? action_by_response(a) : action_by_request(a);
	if (e == NULL) {
		soap_fault_set(fault, SOAP_FAULT_SENDER, SOAP_WSA_ACTION_NOT_SUPPORTED,
		    "the wsa:Action is not supported by this endpoint");
		(void)str_copy(fault->sf_problem_action, sizeof(fault->sf_problem_action), a);
		if (strlen(a) >= sizeof(fault->sf_problem_action))
			fault->sf_problem_action[0] = '\0';	/* never a truncated URI */
		return -1;
	}
	msg->sm_txn = e->ae_txn;
	return 0;
}

/* Only the synchronous exchange is served: replies and faults go back on this HTTP
 * connection, so reply endpoints other than anonymous cannot be honoured. */
static int
hdr_check_reply(const struct soap_msg *msg, struct soap_fault *fault)
{
	if (msg->sm_wsa.wa_reply_to != NULL &&
	    strcmp(msg->sm_wsa.wa_reply_to, SOAP_WSA_ANONYMOUS) != 0) {
		hdr_fault_wsa(fault, SOAP_WSA_INVALID_HEADER, SOAP_WSA_ONLY_ANONYMOUS, "ReplyTo",
		    "asynchronous exchange is not supported: wsa:ReplyTo must be the anonymous "
		    "address, the response is returned on the same HTTP connection");
		return -1;
	}
	if (msg->sm_wsa.wa_fault_to != NULL &&
	    strcmp(msg->sm_wsa.wa_fault_to, SOAP_WSA_ANONYMOUS) != 0) {
		hdr_fault_wsa(fault, SOAP_WSA_INVALID_HEADER, SOAP_WSA_ONLY_ANONYMOUS, "FaultTo",
		    "asynchronous exchange is not supported: wsa:FaultTo must be the anonymous "
		    "address, faults are returned on the same HTTP connection");
		return -1;
	}
	return 0;
}

/* Best effort: the faulty message's MessageID, so the fault can relate to it. A value that
 * does not fit is dropped rather than truncated. */
static void
hdr_fault_message_id(const struct soap_msg *msg, struct soap_fault *fault)
{
	char *id = NULL;
	const char *v = msg->sm_wsa.wa_message_id;

	if (v == NULL && msg->sm_header != NULL)
		v = id = xml_text(xml_child(msg->sm_header, SOAP_NS_WSA, "MessageID"));
	if (v != NULL && str_copy(fault->sf_message_id, sizeof(fault->sf_message_id), v) == -1)
		fault->sf_message_id[0] = '\0';
	free(id);
}

int
soap_hdr_process(struct soap_msg *msg, const struct soap_limits *lim,
    const char *http_action, struct soap_fault *fault)
{
	if (msg->sm_header != NULL) {
		if (hdr_check_all(msg, lim, fault) == -1 || hdr_collect(msg, lim, fault) == -1)
			goto fail;
	}
	if (msg->sm_is_fault)	/* a peer's fault may come from a stack without WS-A */
		return 0;
	if (hdr_check_action(msg, lim, http_action, fault) == -1)
		goto fail;
	if (!lim->sl_expect_response && hdr_check_reply(msg, fault) == -1)
		goto fail;
	return 0;
fail:
	hdr_fault_message_id(msg, fault);
	return -1;
}
