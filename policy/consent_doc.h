/*
 * policy/consent_doc: a patient's consent document (namespace urn:hashi:consent:1, schema
 * policy/consent.xsd, format in policy/README.md) parsed from its exact bytes into plain
 * fixed-size fields. The parser is strict: it accepts what the schema accepts (element
 * order, counts, value forms) and refuses anything else with the name of the element at
 * fault, so that what is enforced is exactly what the patient signed.
 *
 * Times are seconds since the epoch (UTC). A date or a time without a zone is Japan time
 * (+09:00): the documents are written and signed in Japan.
 */
#ifndef HASHI_POLICY_CONSENT_DOC_H
#define HASHI_POLICY_CONSENT_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "mpi/demog.h"

#define CONSENT_NS		"urn:hashi:consent:1"
#define CONSENT_DOC_MAX		(64 * 1024)	/* bytes of a consent document */
#define CONSENT_DOCID_MAX	129	/* bytes of documentId, NUL included */
#define CONSENT_REGIONS_MAX	32	/* community elements of one grant */
#define CONSENT_PURPOSES_MAX	16	/* purpose elements */
#define CONSENT_CLASSES_MAX	32	/* class elements */
#define CONSENT_TOKEN_MAX	65	/* bytes of a purpose or class code, NUL included */
#define CONSENT_TIME_OPEN	INT64_MAX	/* cd_to of a grant without an end */

enum consent_action {
	CONSENT_GRANT = 1,	/* <grant>: sharing allowed within its scope and period */
	CONSENT_WITHDRAW = 2	/* <withdraw/>: every earlier consent of the patient ends */
};

/* A parsed consent document. Plain data, no ownership. Scope fields are for a grant only
 * (zero for a withdrawal). */
struct consent_doc {
	char			cd_docid[CONSENT_DOCID_MAX];	/* "" when absent */
	int64_t			cd_issued;
	char			cd_patient[MPI_ID_MAX];	/* "id^^^&OID&ISO" */
	enum consent_action	cd_action;
	int			cd_all_regions;		/* <allParticipating/> */
	size_t			cd_nregions;
	char			cd_regions[CONSENT_REGIONS_MAX][MPI_HCID_MAX];	/* urn:oid:... */
	size_t			cd_npurposes;
	char			cd_purposes[CONSENT_PURPOSES_MAX][CONSENT_TOKEN_MAX];
	size_t			cd_nclasses;		/* 0 = every document class */
	char			cd_classes[CONSENT_CLASSES_MAX][CONSENT_TOKEN_MAX];
	int64_t			cd_from, cd_to;		/* inclusive; to may be TIME_OPEN */
};

enum consent_doc_err {
	CDOC_OK = 0,
	CDOC_E_XML,		/* not well-formed, too large, too deep, or has a DTD */
	CDOC_E_ROOT,		/* the root is not {urn:hashi:consent:1}consent */
	CDOC_E_MISSING,		/* a required element is missing (ce_element says which) */
	CDOC_E_UNEXPECTED,	/* an element (or text) where the schema allows none */
	CDOC_E_VALUE,		/* an element's value has the wrong form or length */
	CDOC_E_TOOMANY,		/* more repetitions of an element than the schema allows */
	CDOC_E_DUPLICATE,	/* the same community, purpose or class twice */
	CDOC_E_PERIOD,		/* validity/to is before validity/from */
	CDOC_E_NOMEM
};

/* Why a document was refused. ce_element is the local name of the element at fault ("" for
 * the document as a whole), ce_text a short English sentence for logs and operators. */
struct consent_doc_error {
	enum consent_doc_err	ce_err;
	char			ce_element[32];
	char			ce_text[160];
};

/* Parses the consent document BUF[0..LEN) (untrusted bytes, at most CONSENT_DOC_MAX) into
 * *DOC. Returns CDOC_OK, or another enum consent_doc_err with *ERR (may be NULL) filled;
 * *DOC is then unspecified. Allocates nothing that outlives the call. */
enum consent_doc_err consent_doc_parse(const uint8_t *buf, size_t len,
    struct consent_doc *doc, struct consent_doc_error *err);

/* Returns a short English description of ERR (static). */
const char *consent_doc_strerror(enum consent_doc_err err);

/* Parses an xs:dateTime ("2024-04-01T09:00:00", optional ".fraction", optional "Z" or
 * "+hh:mm"/"-hh:mm"; no zone = +09:00) or, when DATE_OK, an xs:date ("2024-04-01", optional
 * zone) into seconds since the epoch. A date alone means its first second, or its last
 * second when END_OF_DAY. Years 1900..9999. Returns 0, or -1 when S is no such value. */
int consent_time_parse(const char *s, int date_ok, int end_of_day, int64_t *out);

/* Writes T as "YYYY-MM-DDThh:mm:ssZ" into OUT (>= 21 bytes; "open" for CONSENT_TIME_OPEN).
 * Returns OUT. */
char *consent_time_format(int64_t t, char *out, size_t outsz);

#endif
