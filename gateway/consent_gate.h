/*
 * gateway/consent_gate: the responding gateway releases a patient's records to a peer
 * only with the patient's consent for that community and purpose (policy/decide.h). The
 * purpose is the one of the listener the request arrived on. ITI-38 answers are checked
 * after the registry answered (whatever the backend): a denied patient's objects never
 * leave, the peer gets Failure with a REGERR_CONSENT_REQUIRED RegistryError saying why;
 * a consent limited to document classes lets only those DocumentEntries through. ITI-39
 * asks per document (struct retrieve_ctx's rc_release). Break-glass: with
 * consent.emergency, a request on an "emergency" listener is released without consent
 * (unless the patient withdrew, and only for a request that names the clinician and the
 * reason: gateway/requester.h) and logged as EMERGENCY with them and counted. Every
 * decision fails closed: a store error, or records whose patient cannot be told, deny.
 */
#ifndef HASHI_GATEWAY_CONSENT_GATE_H
#define HASHI_GATEWAY_CONSENT_GATE_H

struct exchange;

/* Returns the AdhocQueryResponse to send for the registry's answer PAYLOAD (taken; NULL
 * passes through) to the peer of EX: PAYLOAD itself when consent is not required or
 * allows everything, else a filtered or refusing answer (malloc'd; NULL when out of
 * memory, which the caller answers with a Receiver fault). */
char *consent_gate_query(struct exchange *ex, char *payload);

/* struct retrieve_ctx's rc_release for the peer of EX (ARG): NULL releases document
 * DOC_UID, else a short static reason. */
const char *consent_gate_release(void *arg, const char *doc_uid);

#endif
