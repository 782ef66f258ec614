/*
 * audit/atna: the audit records. One IHE ATNA AuditMessage (DICOM PS3.15 A.5.1, the XML
 * the 2017c schema in shared/conformance/audit/atna/ipf describes) per transaction in
 * either role (ITI-18/38/39/41/43/55) and per Hashi event (consent decision, consent
 * registration and withdrawal, emergency access, MPI link/unlink, configuration reload,
 * audit log read). The record bytes built here are the leaves of the signed log, so a
 * record is built once, deterministically, and never re-serialised.
 *
 * The caller describes an event in request terms: the requesting side ("src") sent the
 * request, the responding side ("dst") answered it. The builder applies the ATNA role
 * rules, e.g. for retrieves (ITI-39, ITI-43) the document holder is the Source (110153).
 *
 * A record summary is what search and the indexes use: atna_record_summary (from the
 * description, when writing) and atna_parse_summary (from the stored bytes, when checking
 * a search hit) give the same summary for the same record; the indexes are derived from it
 * by atna_index_keys. The indexes are untrusted helpers: a hit is re-parsed from the record
 * bytes, whose inclusion in the signed tree is checked.
 */
#ifndef HASHI_AUDIT_ATNA_H
#define HASHI_AUDIT_ATNA_H

#include <stddef.h>
#include <stdint.h>

#include "common/str.h"

/* What happened. The EventID / EventActionCode / EventTypeCode of each are in atna.c and
 * audit/README.md. */
enum atna_event {
	ATNA_ITI18 = 1,		/* Registry Stored Query */
	ATNA_ITI38,		/* Cross Gateway Query */
	ATNA_ITI39,		/* Cross Gateway Retrieve */
	ATNA_ITI41,		/* Provide and Register Document Set-b */
	ATNA_ITI43,		/* Retrieve Document Set */
	ATNA_ITI55,		/* Cross Gateway Patient Discovery */
	ATNA_CONSENT_DECISION,	/* a release allowed or denied by consent (outcome, reason) */
	ATNA_CONSENT_REGISTER,	/* a signed consent registered */
	ATNA_CONSENT_WITHDRAW,	/* a consent voided / withdrawn */
	ATNA_EMERGENCY,		/* break-glass access, with the requester and reason */
	ATNA_MPI_LINK,		/* a patient correlation made */
	ATNA_MPI_UNLINK,	/* a patient correlation removed */
	ATNA_CONFIG_RELOAD,	/* configuration reloaded (or a reload refused) */
	ATNA_LOG_USED,		/* the audit log was read (DCM 110101) */
	ATNA_COSIGN,		/* a peer's checkpoint co-signed, or refused as a fork */
	ATNA_NEVENTS
};

/* EventOutcomeIndicator values (DICOM). */
enum atna_outcome {
	ATNA_OK = 0,		/* success (also: an allowed decision) */
	ATNA_MINOR = 4,		/* minor failure: PartialSuccess, a denial by policy */
	ATNA_SERIOUS = 8,	/* serious failure: the request failed */
	ATNA_MAJOR = 12		/* major failure: the action was not performed */
};

/* A document of a retrieve or submission. */
struct atna_doc {
	const char	*ad_uid;	/* DocumentUniqueId */
	const char	*ad_repo;	/* RepositoryUniqueId, NULL if unknown */
	const char	*ad_home;	/* homeCommunityId, NULL if unknown */
};

/* An event, as described by the code that saw it. Every string is borrowed and may be
 * NULL (left out of the record) unless said otherwise. Strings are UTF-8 text; the builder
 * escapes them. */
struct atna_record {
	enum atna_event	 ar_event;			/* required */
	int		 ar_outcome;			/* enum atna_outcome */
	const char	*ar_outcome_desc;		/* why, e.g. "consent: no consent" */
	int64_t		 ar_time_ms;			/* EventDateTime, Unix ms (UTC) */
	const char	*ar_purpose;			/* Hashi purpose ("clinical") */
	int		 ar_initiator;			/* 1: this appliance sent it */
	/* The requesting side. */
	const char	*ar_src_user;			/* its UserID: endpoint/reply-to/name */
	const char	*ar_src_nap;			/* its address (IP or host) */
	const char	*ar_src_region;			/* its homeCommunityId (OID URN) */
	/* The responding side. */
	const char	*ar_dst_user;			/* its UserID: endpoint URI */
	const char	*ar_dst_nap;
	const char	*ar_dst_region;
	/* The human requestor (hashi:Requester), and for operator events the operator. */
	const char	*ar_human;
	const char	*ar_human_reason;
	/* This appliance: AuditSourceID (its homeCommunityId) and AuditEnterpriseSiteID. */
	const char	*ar_source_id;			/* required */
	const char	*ar_site;
	/* Patients in HL7 CX form "id^^^&oid&ISO". */
	const char *const *ar_patients;
	size_t		 ar_npatients;
	/* The query (ITI-18/38/55): its id (stored query UUID, or "ext@root") and the bytes
	 * of the query element (base64'd into ParticipantObjectQuery). */
	const char	*ar_query_id;
	const uint8_t	*ar_query;
	size_t		 ar_query_len;
	/* Documents (ITI-39/41/43, consent decisions on a retrieve). */
	const struct atna_doc *ar_docs;
	size_t		 ar_ndocs;
	/* Hashi events: the object acted on (consent id, "pid->hcid:remote", config path,
	 * audit command) and a free-text detail. */
	const char	*ar_object_id;
	const char	*ar_detail;
};

/* Builds the AuditMessage of R and appends its bytes (UTF-8 XML, no XML declaration, no
 * trailing newline) to OUT. Deterministic: the same R gives the same bytes.
 * Returns 0, or -1 if R is invalid (no event or source id, outcome not one of the four,
 * documents without uid) or memory ran out (OUT is then left as it was). */
int atna_build(const struct atna_record *r, struct strbuf *out);

/* Returns the wall clock in Unix milliseconds: what ar_time_ms (EventDateTime) of a record
 * made now holds, and what searches by time compare with. */
int64_t atna_now_ms(void);

/* Returns the EventTypeCode code of EVENT ("ITI-38", "consent-decision", ...; static), or
 * NULL for an unknown value. */
const char *atna_event_code(enum atna_event event);

/* Returns the event whose EventTypeCode code is CODE, or 0 if none. */
enum atna_event atna_event_by_code(const char *code);

#define ATNA_SUMMARY_MAX_PATIENTS	16	/* more are kept in the record, not indexed */
#define ATNA_SUMMARY_FIELD		256	/* longer values are cut (at a UTF-8 boundary) */

/* What search knows of a record. */
struct atna_summary {
	enum atna_event	 as_event;
	int		 as_outcome;
	int64_t		 as_time_ms;
	char		 as_purpose[ATNA_SUMMARY_FIELD];
	char		 as_user[ATNA_SUMMARY_FIELD];	/* human requestor, else "" */
	char		 as_src_region[ATNA_SUMMARY_FIELD];
	char		 as_dst_region[ATNA_SUMMARY_FIELD];
	char		 as_patients[ATNA_SUMMARY_MAX_PATIENTS][ATNA_SUMMARY_FIELD];
	size_t		 as_npatients;
};

/* Fills S from the description R (what the writer indexes). Returns 0 or -1 (invalid R). */
int atna_record_summary(const struct atna_record *r, struct atna_summary *s);

/* Fills S from record bytes REC/LEN as stored in the log (parsed with common/xml's safe
 * parser). Returns 0, or -1 if the bytes are not an AuditMessage built by atna_build. */
int atna_parse_summary(const uint8_t *rec, size_t len, struct atna_summary *s);

/* Index key kinds: the first byte of a key. */
enum atna_key_kind {
	ATNA_KEY_PATIENT = 'p',
	ATNA_KEY_USER = 'u',
	ATNA_KEY_SRC_REGION = 's',
	ATNA_KEY_DST_REGION = 'd',
	ATNA_KEY_PURPOSE = 'y',
	ATNA_KEY_OUTCOME = 'o',
	ATNA_KEY_EVENT = 'e',
	ATNA_KEY_TIME = 't'		/* 't' || be64(time_ms): range scans */
};

/* Writes into KEY (room for ATNA_KEY_MAX bytes) the index key of KIND for VALUE (text;
 * for ATNA_KEY_TIME VALUE is ignored and TIME_MS used) and returns its length. */
#define ATNA_KEY_MAX	(1 + ATNA_SUMMARY_FIELD)
size_t atna_key(enum atna_key_kind kind, const char *value, int64_t time_ms,
    uint8_t key[ATNA_KEY_MAX]);

/* Calls EMIT(ARG, key, len) for every index key of S: one per patient, the user, both
 * regions, the purpose, the outcome, the event and the time (empty fields give no key).
 * Returns 0, or the first non-zero value EMIT returned. */
int atna_index_keys(const struct atna_summary *s,
    int (*emit)(void *arg, const uint8_t *key, size_t len), void *arg);

#endif
