/*
 * gateway/xcpd_msg: the HL7 V3 bodies of IHE XCPD Cross Gateway Patient Discovery (ITI-55,
 * ITI TF-2 §3.55; facts in research/ihe-anchors.md §4.6): the query PRPA_IN201305UV02 and
 * the answer PRPA_IN201306UV02, read into plain structs and written from them. Pure
 * functions over libxml2 trees and strbufs: no network, no storage. The SOAP 1.2 envelope
 * is gateway/soap.h's (actions ACTION_ITI55 / ACTION_ITI55_RESP of gateway/actions.h); the
 * xcpd:CorrelationTimeToLive header it reads is converted by xcpd_parse_ttl().
 *
 * Japanese names are HL7 V3 name representations: name/@use "IDE" (kanji) fills md_kanji,
 * "SYL" (kana) fills md_kana; a name with neither (e.g. a plain foreign name) fills md_kanji
 * when no IDE name came, and an "ABC" (romaji) name is ignored. Addresses are read as one
 * text in Japanese order (state, county, city, then the other parts in document order);
 * postalCode goes to md_postal when it is 7 digits once hyphens are removed, and is
 * otherwise ignored (foreign formats). Gender codes M/F/UN read as 'M'/'F'/'U'; 'O' and 'U'
 * are written as UN. A value that does not fit its field is refused (XCPD_ERR_TOO_LONG),
 * never truncated; only free diagnostic text (acknowledgementDetail/text) is cut to fit.
 */
#ifndef HASHI_GATEWAY_XCPD_MSG_H
#define HASHI_GATEWAY_XCPD_MSG_H

#include <stddef.h>

#include <libxml/tree.h>

#include "common/str.h"
#include "mpi/demog.h"

#define XCPD_NS			"urn:hl7-org:v3"
#define XCPD_II_MAX		128	/* bytes of an II root or extension, NUL included */
#define XCPD_CODE_MAX		64	/* bytes of a code or code system */
#define XCPD_TEXT_MAX		256	/* bytes of an acknowledgementDetail text */
#define XCPD_MAX_IDS		8	/* livingSubjectId values in one query */
#define XCPD_MAX_MATCHES	100	/* registrationEvents in one answer */
#define XCPD_MAX_REASONS	8	/* detectedIssueManagement codes in one answer */
#define XCPD_MAX_DETAILS	4	/* acknowledgementDetails in one answer */
#define XCPD_MAX_BYTES		(4u << 20)	/* xcpd_parse_*_buf document limit */

/* Code systems (ITI TF-2 §3.55.4.2.2). */
#define XCPD_CS_REQUESTED	"1.3.6.1.4.1.19376.1.2.27.1"	/* attributes requested */
#define XCPD_CS_HDL		"1.3.6.1.4.1.19376.1.2.27.2"	/* Health Data Locator */
#define XCPD_CS_ERROR		"1.3.6.1.4.1.19376.1.2.27.3"	/* error reasons */
#define XCPD_CS_ACKDETAIL	"2.16.840.1.113883.5.1100"	/* AcknowledgementDetailCode */
/* Codes of XCPD_CS_REQUESTED (more attributes would help, NF answers) ... */
#define XCPD_REQ_GENDER		"LivingSubjectAdministrativeGenderRequested"
#define XCPD_REQ_ADDRESS	"PatientAddressRequested"
#define XCPD_REQ_BIRTHPLACE	"LivingSubjectBirthPlaceNameRequested"
/* ... of XCPD_CS_ERROR (AE answers), and of XCPD_CS_ACKDETAIL. */
#define XCPD_ERRC_INTERNAL	"InternalError"
#define XCPD_ERRC_UNAVAILABLE	"AnswerNotAvailable"
#define XCPD_ERRC_BUSY		"ResponderBusy"
#define XCPD_ACKD_INTERR	"INTERR"

enum xcpd_err {
	XCPD_OK = 0,
	XCPD_ERR_XML,		/* not well-formed, too large or deep, DTD (xml_parse_safe) */
	XCPD_ERR_ROOT,		/* not the expected PRPA element (nor a SOAP Body holding it) */
	XCPD_ERR_MISSING,	/* a required element or attribute is absent or empty */
	XCPD_ERR_VALUE,		/* a code, OID, id or combination that is not acceptable */
	XCPD_ERR_BIRTH,		/* a birthTime that is not a calendar date YYYYMMDD[...] */
	XCPD_ERR_TOO_LONG,	/* a value longer than its field */
	XCPD_ERR_TOO_MANY,	/* more ids, matches, reasons or details than the limits */
	XCPD_ERR_NOMEM
};

/* An HL7 V3 instance identifier; empty strings = absent. */
struct xcpd_ii {
	char	ii_root[XCPD_II_MAX];
	char	ii_ext[XCPD_II_MAX];
};

struct xcpd_code {
	char	xc_code[XCPD_CODE_MAX];
	char	xc_system[XCPD_CODE_MAX];
};

/* xq_flags */
#define XCPD_QF_MISSING		0x01	/* neither name + birthTime nor a livingSubjectId */
#define XCPD_QF_UNSUPPORTED	0x02	/* a parameter we do not use (birth place, mother's
					 * maiden name, care provider, deceased time, birthTime
					 * range, ...) or responsePriorityCode D (deferred) */
#define XCPD_QF_INCOMPLETE	0x04	/* parsing stopped on an error: do not echo */

/* A PRPA_IN201305UV02 query. HCIDs are "urn:oid:..." (empty when absent). */
struct xcpd_query {
	struct xcpd_ii	 xq_msg_id;		/* message id: targetMessage of the answer */
	struct xcpd_ii	 xq_sender_device;
	char		 xq_sender_hcid[MPI_HCID_MAX];	/* initiating community */
	struct xcpd_ii	 xq_receiver_device;
	char		 xq_receiver_hcid[MPI_HCID_MAX];
	struct xcpd_ii	 xq_query_id;
	struct mpi_demog xq_demog;		/* the subject's demographics */
	/* livingSubjectId values; in "demographic query and feed" mode one is the
	 * requester's own id of the patient. */
	struct xcpd_ii	 xq_ids[XCPD_MAX_IDS];
	size_t		 xq_nids;
	unsigned	 xq_flags;		/* XCPD_QF_* (parsing only) */
};

enum xcpd_ack { XCPD_ACK_AA = 0, XCPD_ACK_AE };
enum xcpd_qrc { XCPD_QRC_OK = 0, XCPD_QRC_NF, XCPD_QRC_AE, XCPD_QRC_QE };

/* xm_flags (parsing only): a peer's defect tolerated in one match */
#define XCPD_MF_BAD_BIRTH	0x01	/* birthTime not a date: md_birth left empty */
#define XCPD_MF_NO_HCID		0x02	/* custodian id absent or not an OID: xm_hcid empty */

/* One registrationEvent of an answer. */
struct xcpd_match {
	char		 xm_pid[MPI_ID_MAX];	/* CX "ext^^^&oid&ISO" */
	char		 xm_hcid[MPI_HCID_MAX];	/* custodian, "urn:oid:..." */
	struct mpi_demog xm_demog;
	int		 xm_score;		/* queryMatchObservation 0..100, -1 = none */
	int		 xm_hdl;		/* custodian code SupportsHealthDataLocator */
	unsigned	 xm_flags;		/* XCPD_MF_* */
};

/* One acknowledgementDetail. */
struct xcpd_detail {
	char		 xd_type;		/* 'E', 'W' or 'I' */
	struct xcpd_code xd_code;
	char		 xd_text[XCPD_TEXT_MAX];
};

/* A PRPA_IN201306UV02 answer. Initialise with xcpd_answer_init, release with
 * xcpd_answer_reset. Outcomes (ITI TF-2 §3.55.4.2.3): AA+OK with matches; AA+NF without,
 * optionally with requested-attribute reasons (XCPD_CS_REQUESTED); AE+AE or AE+QE without
 * matches, with details and optionally error reasons (XCPD_CS_ERROR). */
struct xcpd_answer {
	struct xcpd_ii	 xa_msg_id;		/* empty when building: a fresh UUID is used */
	struct xcpd_ii	 xa_device;		/* sender (responder) device id */
	char		 xa_hcid[MPI_HCID_MAX];	/* responding community; custodian default */
	struct xcpd_ii	 xa_target;		/* acknowledgement/targetMessage/id (parsed) */
	struct xcpd_ii	 xa_query_id;		/* queryAck/queryId (parsed) */
	enum xcpd_ack	 xa_ack;
	enum xcpd_qrc	 xa_qrc;
	struct xcpd_match *xa_matches;		/* owned; see xcpd_answer_add */
	size_t		 xa_nmatches;
	struct xcpd_code xa_reasons[XCPD_MAX_REASONS];
	size_t		 xa_nreasons;
	struct xcpd_detail xa_details[XCPD_MAX_DETAILS];
	size_t		 xa_ndetails;
};

/* Returns a short English description of ERR (static). */
const char *xcpd_strerror(enum xcpd_err err);

/* Zeroes A (no matches). */
void xcpd_answer_init(struct xcpd_answer *a);

/* Frees A's matches and zeroes it again; NULL is accepted. */
void xcpd_answer_reset(struct xcpd_answer *a);

/* Appends a zeroed match (xm_score -1) to A and returns it (owned by A), or NULL when out
 * of memory or A already holds XCPD_MAX_MATCHES. */
struct xcpd_match *xcpd_answer_add(struct xcpd_answer *a);

/* Sets II to a fresh random UUID root with no extension, the form used for message and
 * query ids. Returns 0, or -1 when the random source fails. */
int xcpd_ii_uuid(struct xcpd_ii *ii);

/* ---- parsing (xcpd_parse.c) ---- */

/* Reads the PRPA_IN201305UV02 element EL into Q (zeroed first). Missing parameters are not
 * errors: they set XCPD_QF_MISSING / XCPD_QF_UNSUPPORTED for the caller's QE decision. On
 * error Q keeps what was read before it (message id and sender, when found) with
 * XCPD_QF_INCOMPLETE set, so that an error answer can still name the target message;
 * *WHERE (may be NULL) is set to a static name of the offending element. Returns XCPD_OK
 * or the error. */
enum xcpd_err xcpd_parse_query(const xmlNode *el, struct xcpd_query *q, const char **where);

/* Same for the PRPA_IN201306UV02 element EL into A, which must be initialised (it is reset
 * first; xcpd_answer_reset it afterwards in every case). Checks the outcome is consistent (OK has matches, the others none). A match
 * needs a patient id with root OID and extension; a peer's bad birthTime or missing
 * custodian id only flag that match (XCPD_MF_*). */
enum xcpd_err xcpd_parse_answer(const xmlNode *el, struct xcpd_answer *a, const char **where);

/* Parse BUF[0..LEN) with xml_parse_safe (XCPD_MAX_BYTES, depth 64) and read the message it
 * holds: the document element itself or the one child of a SOAP 1.2 Body. Same contracts
 * as above. */
enum xcpd_err xcpd_parse_query_buf(const char *buf, size_t len, struct xcpd_query *q,
    const char **where);
enum xcpd_err xcpd_parse_answer_buf(const char *buf, size_t len, struct xcpd_answer *a,
    const char **where);

/* Converts the xs:duration S (PnYnMnDTnHnMnS, XML whitespace around it allowed, fraction
 * on seconds only, dropped) to seconds, counting a year as 365 days and a month as 30 days
 * (xs:duration has no fixed month length; the correlation lifetime is coarse anyway).
 * Refuses negatives, empty designators ("P", "PT"), wrong order and overflow. Returns 0
 * and *SECONDS, or -1. */
int xcpd_parse_ttl(const char *s, long *seconds);

/* ---- building (xcpd_build.c) ---- */

/* Appends the PRPA_IN201305UV02 element for Q to SB (no XML declaration; the element
 * declares its namespaces). Needs xq_msg_id and xq_query_id (see xcpd_ii_uuid), a device
 * id or HCID for sender and receiver (a device without id is named by its HCID's OID),
 * and a name and birth date or at least one id. HCIDs must be urn:oid. A leading
 * prefecture of md_addr is written as state, the rest as one streetAddressLine. xq_flags
 * is ignored. Returns XCPD_OK, or the error (SB then holds a partial element). */
enum xcpd_err xcpd_build_query(const struct xcpd_query *q, struct strbuf *sb);

/* Appends the PRPA_IN201306UV02 element answering ECHO (the parsed query: its message id
 * is acknowledged, its sender becomes the receiver, its parameters are echoed as we read
 * them unless XCPD_QF_INCOMPLETE; NULL when the query could not be read at all) with A's
 * outcome. The sender is xa_device and/or xa_hcid (one needed); each custodian is
 * xm_hcid, else xa_hcid; custodian/code is written only when xm_hdl is set (we do not
 * offer the Health Data Locator option). xa_ack must agree with xa_qrc (AA for OK/NF,
 * AE for AE/QE); an AE/QE answer without details gets one INTERR detail. Returns XCPD_OK or
 * the error. */
enum xcpd_err xcpd_build_answer(const struct xcpd_query *echo, const struct xcpd_answer *a,
    struct strbuf *sb);

#endif
