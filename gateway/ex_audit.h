/*
 * gateway/ex_audit: the audit records of one exchange. While a request is handled, the
 * code that learns something the record needs adds it here (a patient, a document), and
 * the code that makes a decision or asks a peer adds that record at once (consent
 * decisions, emergency access, one record per peer leg). When the answer is ready, the
 * exchange's own record (the transaction as received, with its outcome) is added and the
 * answer waits for the group commit of all of them: no byte leaves before its records are
 * durable, and when they cannot be written the answer is replaced by a refusal.
 */
#ifndef HASHI_GATEWAY_EX_AUDIT_H
#define HASHI_GATEWAY_EX_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "audit/atna.h"

struct exchange;
struct peer;

#define EX_AUDIT_MAX_PATIENTS	8
#define EX_AUDIT_ADDR		64
#define EX_AUDIT_URL		160

struct ex_audit {
	uint64_t	 ea_since;	/* generation of its first record; 0 = none yet */
	int		 ea_failed;	/* a record could not be built: refuse */
	char		 ea_client[EX_AUDIT_ADDR];	/* the caller's IP address */
	char		 ea_endpoint[EX_AUDIT_URL];	/* https://our-address:port/path */
	char		*ea_patients[EX_AUDIT_MAX_PATIENTS];
	size_t		 ea_npatients;
	struct atna_doc	*ea_docs;	/* strings owned */
	size_t		 ea_ndocs;
	char		*ea_query_id;
	char		*ea_query;	/* the serialised request payload, for queries */
	size_t		 ea_query_len;
	void		(*ea_send)(struct exchange *ex, int ok);
};

/* Notes where the request came from and arrived, and what the request names (patient,
 * documents, query), from the parsed message of EX. Call once the action is known. */
void ex_audit_begin(struct exchange *ex);

/* Adds patient CX (copied; duplicates ignored) to EX's own record. */
void ex_audit_patient(struct exchange *ex, const char *cx);

/* Fills the fields every record of EX shares: time, purpose, the human requestor, this
 * appliance. R is zeroed first. */
void ex_audit_record(const struct exchange *ex, enum atna_event event, struct atna_record *r);

/* Adds record R of EX to the pending batch. Returns 0, or -1 (EX will be refused). */
int ex_audit_add(struct exchange *ex, const struct atna_record *r);

/* Adds the record of one request this gateway sent on behalf of EX: EVENT to PEER at URL,
 * for patients PIDS (NPIDS) or documents DOCS (NDOCS), with OUTCOME and WHY. */
void ex_audit_leg(struct exchange *ex, enum atna_event event, const struct peer *peer,
    const char *url, const char *const *pids, size_t npids, const struct atna_doc *docs,
    size_t ndocs, int outcome, const char *why);

/* Adds the record of the request the gateway sent to the region's own XDS registry or
 * repository (registry.backend remote) for EX: EVENT (ITI-18, ITI-43, ITI-41) to URL, with
 * EX's patients and documents and OUTCOME. */
void ex_audit_backend(struct exchange *ex, enum atna_event event, const char *url,
    int outcome);

/* The outcome of an answer PAYLOAD (NULL: none): the ebRS status Success, PartialSuccess
 * (minor) or anything else (serious); XCPD's AE/QE (serious); no status at all: ok. */
int ex_audit_outcome(const char *payload);

/* For a request that changes state (ITI-41: documents stored, consents registered): adds
 * EX's own record now, "received", described by DESC, and calls CB(ARG, ok) from the
 * event loop once it is committed (ok = 1: apply the change; ok = 0: refuse, nothing
 * applied). The answer's record with the outcome follows as usual. Returns 0, or -1 (CB
 * not called: refuse). */
int ex_audit_precommit(struct exchange *ex, const char *desc,
    void (*cb)(void *arg, int ok), void *arg);

/* Adds EX's own record with OUTCOME (enum atna_outcome) and DESC (may be NULL), then
 * calls SEND(ex, ok) from the event loop once every record of EX is committed (ok = 1) or
 * could not be (ok = 0: SEND must refuse). SEND owns EX from then on. */
void ex_audit_finish(struct exchange *ex, int outcome, const char *desc,
    void (*send)(struct exchange *ex, int ok));

/* Frees what EA holds. */
void ex_audit_clear(struct ex_audit *ea);

#endif
