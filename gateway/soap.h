/*
 * gateway/soap: SOAP 1.2 envelopes with WS-Addressing 1.0 (ITI TF-2 Appendix V), plain
 * (application/soap+xml) or MTOM/XOP packaged. soap_parse() turns an HTTP body into a
 * message or into the exact SOAP fault to send back; the builders write envelopes and
 * faults. Only the synchronous exchange is served: a non-anonymous wsa:ReplyTo/FaultTo is
 * answered with a fault that says so. Fault reasons are our own short English text and
 * never copy peer input beyond a bounded QName or action URI.
 */
#ifndef HASHI_GATEWAY_SOAP_H
#define HASHI_GATEWAY_SOAP_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "common/str.h"
#include "gateway/actions.h"
#include "gateway/mtom.h"

#define SOAP_NS_ENV	"http://www.w3.org/2003/05/soap-envelope"
#define SOAP_NS_ENV11	"http://schemas.xmlsoap.org/soap/envelope/"
#define SOAP_NS_WSA	"http://www.w3.org/2005/08/addressing"
#define SOAP_NS_XCPD	"urn:ihe:iti:xcpd:2009"
#define SOAP_WSA_ANONYMOUS "http://www.w3.org/2005/08/addressing/anonymous"

/* HTTP Content-Type of a plain SOAP 1.2 message (add the action with soap_content_type). */
#define SOAP_CONTENT_TYPE	"application/soap+xml; charset=UTF-8"

/* WS-Addressing 1.0 SOAP binding (§6.4) fault subcodes, with the prefix our faults bind. */
#define SOAP_WSA_INVALID_HEADER		"wsa:InvalidAddressingHeader"
#define SOAP_WSA_HEADER_REQUIRED	"wsa:MessageAddressingHeaderRequired"
#define SOAP_WSA_ACTION_NOT_SUPPORTED	"wsa:ActionNotSupported"
/* ... and the subsubcodes of wsa:InvalidAddressingHeader we use */
#define SOAP_WSA_INVALID_CARDINALITY	"wsa:InvalidCardinality"
#define SOAP_WSA_ACTION_MISMATCH	"wsa:ActionMismatch"
#define SOAP_WSA_MISSING_ADDRESS	"wsa:MissingAddressInEPR"
#define SOAP_WSA_ONLY_ANONYMOUS		"wsa:OnlyAnonymousAddressSupported"

enum soap_fault_code {
	SOAP_FAULT_SENDER = 0,
	SOAP_FAULT_RECEIVER,
	SOAP_FAULT_MUST_UNDERSTAND,
	SOAP_FAULT_VERSION_MISMATCH,
	SOAP_FAULT_DATA_ENCODING_UNKNOWN
};

/* A SOAP 1.2 fault. Empty string = absent. Subcodes are QNames with prefix "wsa" (the one
 * prefix our fault envelopes bind besides "env"). */
struct soap_fault {
	enum soap_fault_code sf_code;
	char	sf_subcode[96];
	char	sf_subsubcode[96];
	char	sf_reason[256];
	char	sf_nu_ns[256];		/* MustUnderstand: the header block not understood */
	char	sf_nu_local[128];
	char	sf_problem_header[64];	/* Detail wsa:ProblemHeaderQName, e.g. "wsa:Action" */
	char	sf_problem_action[256];	/* Detail wsa:ProblemAction/wsa:Action */
	int	sf_http_status;		/* 0 = derived from sf_code (soap_fault_http_status) */
	/* Set by soap_parse when the faulty message's wsa:MessageID was read: pass it as
	 * RELATES_TO to soap_build_fault. */
	char	sf_message_id[256];
};

/* A header block QName the caller processes itself (e.g. wsse:Security once XUA lands). */
struct soap_qname {
	const char	*qn_ns;
	const char	*qn_local;
};

/* Parsing limits and options. Zero fields take the defaults in brackets. */
struct soap_limits {
	size_t	 sl_max_bytes;		/* SOAP envelope bytes [8 MiB] */
	size_t	 sl_max_mtom_bytes;	/* whole multipart body [128 MiB] */
	int	 sl_max_depth;		/* element nesting [100] */
	size_t	 sl_max_parts;		/* MIME parts [100] */
	/* Accept the NIST defect wsa:mustUnderstand (WS-A namespace) as if it were
	 * soap:mustUnderstand; when 0 it is refused with env:Sender. [0] */
	int	 sl_tolerate_wsa_mustunderstand;
	/* 0: parse a request we serve (actions by action_by_request; a non-anonymous
	 * ReplyTo/FaultTo is refused). 1: parse a response to our request (actions by
	 * action_by_response; an env:Fault body is accepted whatever its action, even none:
	 * see soap_msg_fault). [0] */
	int	 sl_expect_response;
	const struct soap_qname *sl_understood;	/* extra header blocks understood */
	size_t	 sl_n_understood;
};

/* The WS-Addressing message information headers as received; NULL when absent. */
struct soap_wsa {
	char	*wa_action;
	char	*wa_message_id;
	char	*wa_to;
	char	*wa_reply_to;		/* the ReplyTo Address */
	char	*wa_fault_to;		/* the FaultTo Address */
	char	*wa_from;		/* the From Address */
	char	*wa_relates_to;		/* the first RelatesTo of type reply */
};

struct soap_msg;

/* Parses the HTTP body BODY[0..LEN) whose Content-Type header is CONTENT_TYPE under LIM
 * (NULL = defaults). Accepts application/soap+xml (charset UTF-8 if given) and MTOM
 * (multipart/related; type="application/xop+xml"): the root part is found by the start
 * parameter (else the first part), the others become attachments and every xop:Include
 * must resolve. Only UTF-8 XML is accepted. A MustUnderstand fault names the first block
 * not understood. On success returns 0 and *MSGP (free with soap_msg_free). On failure
 * returns -1, *MSGP = NULL and FAULT filled with the fault to send. */
int soap_parse(const uint8_t *body, size_t len, const char *content_type,
    const struct soap_limits *lim, struct soap_msg **msgp, struct soap_fault *fault);

/* Frees MSG, its document, attachments and decoded buffers; NULL is accepted. */
void soap_msg_free(struct soap_msg *msg);

/* Accessors; every pointer is borrowed from MSG and lives as long as it. */
xmlDocPtr soap_msg_doc(const struct soap_msg *msg);
xmlNodePtr soap_msg_header(const struct soap_msg *msg);	/* env:Header or NULL */
xmlNodePtr soap_msg_body(const struct soap_msg *msg);	/* env:Body */
xmlNodePtr soap_msg_payload(const struct soap_msg *msg);	/* Body's one element child */
const struct soap_wsa *soap_msg_wsa(const struct soap_msg *msg);
enum ihe_txn soap_msg_txn(const struct soap_msg *msg);		/* TXN_NONE for a fault */
int soap_msg_is_mtom(const struct soap_msg *msg);
/* The xcpd:CorrelationTimeToLive header value (xs:duration text), or NULL. */
const char *soap_msg_correlation_ttl(const struct soap_msg *msg);

/* Returns 1 when the payload is env:Fault (only possible with sl_expect_response) and
 * fills OUT (code, subcodes with a "wsa:" prefix when in the WS-A namespace, first reason
 * text truncated to fit); returns 0 and leaves OUT alone otherwise. */
int soap_msg_fault(const struct soap_msg *msg, struct soap_fault *out);

/* Returns the MTOM attachment (not the root part) whose Content-ID is CID (no brackets,
 * no "cid:"), or NULL. Borrowed from MSG. */
const struct mtom_part *soap_attachment(const struct soap_msg *msg, const char *cid);

/* Returns in *DATAP and *LENP the bytes carried by element EL of MSG's document: those of the
 * attachment its only child xop:Include references, or else its text base64-decoded (the
 * buffer is kept by MSG until soap_msg_free). Returns 0, or -1 when EL holds other
 * elements, an unresolvable include or invalid base64. */
int soap_element_bytes(struct soap_msg *msg, const xmlNode *el, const uint8_t **datap,
    size_t *lenp);

/* ---- building (soap_build.c) ---- */

/* Sets F to CODE with SUBCODE (NULL = none) and a printf-style reason; clears the rest. */
void soap_fault_set(struct soap_fault *f, enum soap_fault_code code, const char *subcode,
    const char *reason_fmt, ...) __attribute__((format(printf, 4, 5)));

/* Returns the HTTP status for F: sf_http_status when set, else per SOAP 1.2 Part 2
 * §7.5.2: 400 for env:Sender, 500 for every other code. */
int soap_fault_http_status(const struct soap_fault *f);

/* Appends 'application/soap+xml; charset=UTF-8; action="ACTION"' (no action when NULL).
 * Returns 0, or -1 on allocation failure or an ACTION with quote/backslash/controls. */
int soap_content_type(struct strbuf *sb, const char *action);

/* Appends a SOAP 1.2 response envelope: wsa:Action ACTION (env:mustUnderstand="1"), a
 * fresh wsa:MessageID, wsa:RelatesTo RELATES_TO (omitted when NULL) and BODY_XML (a
 * well-formed fragment, inserted verbatim; NULL = empty Body). Returns 0 or -1. */
int soap_build_response(struct strbuf *sb, const char *action, const char *relates_to,
    const char *body_xml);

/* Appends a request envelope: wsa:Action, a fresh wsa:MessageID, wsa:ReplyTo anonymous,
 * wsa:To TO (omitted when NULL) and BODY_XML. Returns 0 or -1. */
int soap_build_request(struct strbuf *sb, const char *action, const char *to,
    const char *body_xml);

/* Same, and copies the MessageID written into MSGID (size N >= 46) so the caller can
 * check the response's RelatesTo. Returns 0 or -1. */
int soap_build_request_id(struct strbuf *sb, const char *action, const char *to,
    const char *body_xml, char *msgid, size_t n);

/* Same, with HEADER_XML (a complete header block, or NULL) appended to the header: what
 * a gateway passes on from the request it serves (gateway/requester.h). */
int soap_build_request_hdr(struct strbuf *sb, const char *action, const char *to,
    const char *header_xml, const char *body_xml, char *msgid, size_t n);

/* Appends a fault envelope for F: wsa:Action .../addressing/soap/fault, a fresh MessageID,
 * RelatesTo RELATES_TO (omitted when NULL), env:NotUnderstood for MustUnderstand,
 * env:Upgrade for VersionMismatch, Code/Value with nested Subcodes, Reason/Text
 * xml:lang="en", and Detail with ProblemHeaderQName / ProblemAction when set.
 * Returns 0 or -1. */
int soap_build_fault(struct strbuf *sb, const struct soap_fault *f, const char *relates_to);

#endif
