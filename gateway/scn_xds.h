/*
 * gateway/scn_xds: the scenario runner's XDS messages, as a region's local EHR sends them to
 * its gateway's /ig endpoint (initiating gateway) and reads the answers.
 *
 * Requests are complete SOAP 1.2 envelopes with wsa:Action, a fresh wsa:MessageID,
 * wsa:ReplyTo anonymous and wsa:To, plus the Hashi header blocks (gateway/requester.h):
 * hashi:PurposeOfUse with the step's purpose, and hashi:Requester with the clinician when the
 * step gives a reason or asks for the emergency purpose. A discover step is sent as the same
 * ITI-38 query (the initiating gateway runs XCPD itself).
 *
 * Answers are parsed strictly with the SOAP layer the gateway itself uses (soap_parse in
 * response mode, MTOM included): the action must be the transaction's response action, the
 * status one of the three ebRS statuses, every DocumentEntry / DocumentResponse and
 * RegistryError complete. Anything else is refused with an English reason; nothing a peer
 * sends can crash the parser, and sizes and counts are bounded (below).
 */
#ifndef HASHI_GATEWAY_SCN_XDS_H
#define HASHI_GATEWAY_SCN_XDS_H

#include <stddef.h>
#include <stdint.h>

#define SCN_XDS_MAX_BYTES	(256u << 20)	/* an answer body, MTOM included */
#define SCN_XDS_MAX_ENVELOPE	(32u << 20)	/* the SOAP envelope (MTOM root part) */
#define SCN_XDS_MAX_ITEMS	10000		/* documents, or RegistryErrors, per answer */
#define SCN_XDS_MAX_ID		256		/* an identifier we send (rim:LongName) */

/* Who sends a request, and where. Every field may be NULL (= absent); a NULL caller is
 * one with every field absent. */
struct scn_xds_caller {
	const char	*to;		/* wsa:To: the /ig URL */
	const char	*purpose;	/* hashi:PurposeOfUse, e.g. "clinical" */
	const char	*user;		/* the clinician (hashi:Requester user) */
	const char	*reason;	/* why (hashi:Requester reason) */
};

/* One document to retrieve. */
struct scn_xds_docref {
	const char	*home;		/* homeCommunityId, urn:oid:... */
	const char	*repo;		/* repositoryUniqueId */
	const char	*uid;		/* DocumentEntry uniqueId */
};

/* A built request. Owned by the caller: free its contents with scn_xds_req_reset. */
struct scn_xds_req {
	uint8_t	*body;			/* the envelope, NUL-terminated */
	size_t	 len;
	char	*content_type;		/* the HTTP Content-Type, with the action */
	char	 message_id[64];	/* the wsa:MessageID, to compare with RelatesTo */
};

/* A document in an answer. Strings are NUL-terminated UTF-8, NULL when absent. */
struct scn_xds_doc {
	char	*home;		/* query: ExtrinsicObject/@home; retrieve: HomeCommunityId */
	char	*uid;		/* uniqueId / DocumentUniqueId */
	char	*repo;		/* repositoryUniqueId */
	char	*patient;	/* query: patientId (CX); retrieve: NULL */
	char	*class_code;	/* query: classCode (its code only), or NULL */
	char	*title;		/* query: the entry's Name, or NULL */
	char	*mime;		/* mimeType (query: attribute, retrieve: element) */
	uint8_t	*data;		/* retrieve: the document's bytes (NULL when empty) */
	size_t	 len;
};

/* A RegistryError (or Warning) in an answer. */
struct scn_xds_error {
	char	*code;		/* errorCode, e.g. XDSUnavailableCommunity */
	char	*context;	/* codeContext */
	char	*location;	/* location, or NULL when absent */
	int	 warning;	/* 1 = severity Warning, 0 = Error */
};

/* A parsed answer. Zero-initialise; scn_xds_parse_* fill it and scn_xds_answer_reset frees
 * what it holds. Everything in it is owned by it. */
struct scn_xds_answer {
	int	 fault;			/* 1: the answer was a SOAP fault (only fault_* set) */
	char	 fault_code[32];	/* "Sender", "Receiver", ... */
	char	 fault_reason[256];	/* its first Reason text (may be empty) */
	char	 status[16];		/* Success, PartialSuccess or Failure */
	struct scn_xds_doc	*docs;		size_t ndocs;	/* in answer order */
	struct scn_xds_error	*errors;	size_t nerrors;	/* in answer order */
	int	 mtom;			/* the answer was multipart/related (MTOM) */
	char	 error[256];		/* why the answer was refused; "" after success */
};

/* Writes the CX "<ID>^^^&<AA>&ISO" into BUF (size N). ID must be non-empty without the
 * HL7 separators ^ & ~ \ | nor quote or control characters; AA a dotted OID. Returns 0,
 * or -1 when either is unfit or BUF is too small. */
int scn_xds_cx(char *buf, size_t n, const char *id, const char *aa);

/* Builds into *REQ an ITI-38 Cross Gateway Query FindDocuments for PATIENT_CX (see
 * scn_xds_cx), status Approved, returnType LeafClass, sent by WHO. REQ is overwritten
 * (zeroed first). Returns 0, or -1 with the reason in ERR (size ERRSZ, may be 0) when an
 * argument is unfit (a missing patient, a user, reason or purpose too long for the
 * gateway's fields) or memory ran out; REQ is then empty. */
int scn_xds_query(const struct scn_xds_caller *who, const char *patient_cx,
    struct scn_xds_req *req, char *err, size_t errsz);

/* Builds into *REQ an ITI-39 Cross Gateway Retrieve of the N (>= 1) documents DOCS, in
 * that order, sent by WHO. Each id must be non-empty, printable and at most
 * SCN_XDS_MAX_ID bytes. Returns 0, or -1 as scn_xds_query. */
int scn_xds_retrieve(const struct scn_xds_caller *who, const struct scn_xds_docref *docs,
    size_t n, struct scn_xds_req *req, char *err, size_t errsz);

/* Frees what REQ holds and zeroes it; NULL accepted. */
void scn_xds_req_reset(struct scn_xds_req *req);

/* Parses an ITI-38 answer: BODY[0..LEN) as received with HTTP header CONTENT_TYPE
 * (NULL = absent). RELATES_TO (NULL = not checked) is the request's MessageID, which a
 * non-fault answer must name in wsa:RelatesTo. Reads the AdhocQueryResponse's status,
 * each rim:ExtrinsicObject of its RegistryObjectList (home, uniqueId, repositoryUniqueId
 * and patientId required) and each RegistryError (errorCode and codeContext required); a
 * SOAP fault sets A->fault and its code and reason. A is reset first. Returns 0 when the
 * answer (or fault) was read, else -1 with A->error set and nothing else in A. */
int scn_xds_parse_query(const uint8_t *body, size_t len, const char *content_type,
    const char *relates_to, struct scn_xds_answer *a);

/* Parses an ITI-39 answer as scn_xds_parse_query does: MTOM (multipart/related) or plain
 * SOAP; the RetrieveDocumentSetResponse's RegistryResponse status and RegistryErrors, and
 * each DocumentResponse (HomeCommunityId, RepositoryUniqueId, DocumentUniqueId, mimeType
 * and Document required) with its bytes, from the MTOM part its xop:Include names or
 * from inline base64, copied into the answer. Returns 0 or -1 as scn_xds_parse_query. */
int scn_xds_parse_retrieve(const uint8_t *body, size_t len, const char *content_type,
    const char *relates_to, struct scn_xds_answer *a);

/* Frees what A holds and zeroes it; NULL accepted. */
void scn_xds_answer_reset(struct scn_xds_answer *a);

/* Returns the number of documents of A whose home is HOME (compared exactly). */
size_t scn_xds_count_home(const struct scn_xds_answer *a, const char *home);

/* Returns the first RegistryError of A with errorCode CODE and, unless NULL, location
 * LOCATION, or NULL. Borrowed from A. */
const struct scn_xds_error *scn_xds_find_error(const struct scn_xds_answer *a,
    const char *code, const char *location);

#endif
