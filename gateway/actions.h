/*
 * gateway/actions: the WS-Addressing action URIs of the IHE transactions Hashi speaks
 * (ITI TF-2 Appendix V; table in research/ihe-anchors.md §4.1), the transaction each one
 * belongs to, and the request → response mapping. Dispatch is by wsa:Action only.
 */
#ifndef HASHI_GATEWAY_ACTIONS_H
#define HASHI_GATEWAY_ACTIONS_H

/* ITI-18 Registry Stored Query */
#define ACTION_ITI18		"urn:ihe:iti:2007:RegistryStoredQuery"
#define ACTION_ITI18_RESP	"urn:ihe:iti:2007:RegistryStoredQueryResponse"
/* CONNECT's "async" ITI-18 request action: accepted as ITI-18, never emitted. */
#define ACTION_ITI18_ASYNC	"urn:ihe:iti:2008:RegistryStoredQueryAsync"
/* ITI-38 Cross Gateway Query */
#define ACTION_ITI38		"urn:ihe:iti:2007:CrossGatewayQuery"
#define ACTION_ITI38_RESP	"urn:ihe:iti:2007:CrossGatewayQueryResponse"
/* ITI-39 Cross Gateway Retrieve */
#define ACTION_ITI39		"urn:ihe:iti:2007:CrossGatewayRetrieve"
#define ACTION_ITI39_RESP	"urn:ihe:iti:2007:CrossGatewayRetrieveResponse"
/* ITI-41 Provide and Register Document Set-b */
#define ACTION_ITI41		"urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
#define ACTION_ITI41_RESP	"urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse"
/* ITI-43 Retrieve Document Set */
#define ACTION_ITI43		"urn:ihe:iti:2007:RetrieveDocumentSet"
#define ACTION_ITI43_RESP	"urn:ihe:iti:2007:RetrieveDocumentSetResponse"
/* ITI-55 Cross Gateway Patient Discovery (synchronous) */
#define ACTION_ITI55		"urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery"
#define ACTION_ITI55_RESP	"urn:hl7-org:v3:PRPA_IN201306UV02:CrossGatewayPatientDiscovery"
/* ITI-55 Deferred Response option: known, not served (they are not in the lookup table,
 * so a request with them is answered with wsa:ActionNotSupported). */
#define ACTION_ITI55_DEFERRED	"urn:hl7-org:v3:PRPA_IN201305UV02:Deferred:CrossGatewayPatientDiscovery"
#define ACTION_ITI55_DEFERRED_RESP "urn:hl7-org:v3:PRPA_IN201306UV02:Deferred:CrossGatewayPatientDiscovery"
#define ACTION_HL7_ACK		"urn:hl7-org:v3:MCCI_IN000002UV01"
/* WS-Addressing 1.0 SOAP binding: the action of every SOAP fault we send. */
/* Hashi between its own gateways (over /xca): a peer co-signs our audit checkpoint. */
#define ACTION_COSIGN		"urn:hashi:audit:1:CosignCheckpoint"
#define ACTION_COSIGN_RESP	"urn:hashi:audit:1:CosignCheckpointResponse"

#define ACTION_WSA_SOAP_FAULT	"http://www.w3.org/2005/08/addressing/soap/fault"
/* The generic WS-Addressing fault action some stacks use; accepted on responses. */
#define ACTION_WSA_FAULT	"http://www.w3.org/2005/08/addressing/fault"

enum ihe_txn {
	TXN_NONE = 0,
	TXN_ITI18,
	TXN_ITI38,
	TXN_ITI39,
	TXN_ITI41,
	TXN_ITI43,
	TXN_ITI55,
	TXN_COSIGN	/* Hashi: checkpoint co-signing between peers (gateway/cosign.h) */
};

struct action_entry {
	const char	*ae_request;	/* request wsa:Action */
	const char	*ae_response;	/* wsa:Action of its response */
	enum ihe_txn	 ae_txn;
	int		 ae_alias;	/* 1 = accepted on input only, never emitted */
};

/* Returns the table entry whose request action is URI (exact, case-sensitive match as
 * URIs compare), or NULL when we do not serve it. Borrowed static data. */
const struct action_entry *action_by_request(const char *uri);

/* Returns the entry whose response action is URI, or NULL. Borrowed static data. */
const struct action_entry *action_by_response(const char *uri);

/* Returns the response action for request action URI, or NULL when unknown. Static. */
const char *action_response_for(const char *request_uri);

/* Returns the canonical request action we emit for TXN, or NULL for TXN_NONE. Static. */
const char *action_request_for(enum ihe_txn txn);

/* Returns the transaction of a request or response action URI, or TXN_NONE. */
enum ihe_txn action_txn(const char *uri);

/* Returns "ITI-38" etc. for logs and audit, "none" for TXN_NONE. Static. */
const char *action_txn_name(enum ihe_txn txn);

#endif
