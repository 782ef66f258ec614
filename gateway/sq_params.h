/*
 * gateway/sq_params: reads one ebRS AdhocQueryRequest (ITI-18 / ITI-38) into typed stored-query
 * parameters: the query (one of the 14 of ITI TF-2 §3.18.4.1.2.3.7), the return type, the
 * AdhocQuery/@home attribute and every known Slot, checked against the query's parameter table.
 *
 * Value syntax (ITI TF-2 §3.18.4.1.2.3.4-5), as accepted here:
 *   value  := item | '(' item (',' item)* ')'      blanks around tokens are ignored
 *   item   := "'" chars "'"  (a quote inside is written '')  |  digits
 * A multi-valued parameter may spread its list over several rim:Value elements of one Slot.
 * Codes are 'code^^scheme' (both parts required, neither may contain '^'). Patient ids are
 * quoted CX (id^^^&OID&ISO). Times are DTM numbers; a quoted DTM is accepted too (seen in the
 * wild, unambiguous). A single-valued parameter written as a one-element list, and a
 * multi-valued one written as a bare 'item', are accepted (the NIST toolkit rejects both;
 * neither is ambiguous). Every query also accepts $homeCommunityId (the pre-CP-429 slot form
 * of AdhocQuery/@home) and $MetadataLevel (1 or 2).
 *
 * Errors (added to the caller's reg_errors, codeContext never echoes more than 64 bytes):
 *   unknown query id                          XDSUnknownStoredQuery
 *   required parameter absent                 XDSStoredQueryMissingParam (location = name)
 *   neither of an either/or pair given        XDSStoredQueryMissingParam
 *   several values or Slots for a
 *   single-valued parameter, a repeated Slot
 *   for a multi-valued one without AND/OR
 *   semantics, or both of an either/or pair   XDSStoredQueryParamNumber
 *   bad literal, code, CX, DTM, status,
 *   objectType, availability, returnType      XDSRegistryError (as the NIST toolkit does)
 * Slots whose names are not parameters of the query are ignored (ebRS treats absent
 * parameters as pruned predicates and neither the TF nor the NIST/IPF validators reject
 * extra names; many consumers send $XDSDocumentEntryType or $MetadataLevel everywhere).
 * Slot names are matched ASCII case-insensitively ($XDSDocumentEntryPatientID occurs).
 * Repeated Slots of the AND/OR parameters (event code, confidentiality code, folder code
 * list, reference id list) are ANDed; values inside one Slot are ORed.
 */
#ifndef HASHI_GATEWAY_SQ_PARAMS_H
#define HASHI_GATEWAY_SQ_PARAMS_H

#include <stddef.h>
#include <libxml/tree.h>

#include "gateway/regerr.h"

/* Stored query ids (ITI TF-2 §3.18.4.1.2.3.7). */
#define SQ_ID_FIND_DOCUMENTS		"urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
#define SQ_ID_FIND_SUBMISSIONSETS	"urn:uuid:f26abbcb-ac74-4422-8a30-edb644bbc1a9"
#define SQ_ID_FIND_FOLDERS		"urn:uuid:958f3006-baad-4929-a4de-ff1114824431"
#define SQ_ID_GET_ALL			"urn:uuid:10b545ea-725c-446d-9b95-8aeb444eddf3"
#define SQ_ID_GET_DOCUMENTS		"urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4"
#define SQ_ID_GET_FOLDERS		"urn:uuid:5737b14c-8a1a-4539-b659-e03a34a5e1e4"
#define SQ_ID_GET_ASSOCIATIONS		"urn:uuid:a7ae438b-4bc2-4642-93e9-be891f7bb155"
#define SQ_ID_GET_DOCS_AND_ASSOCS	"urn:uuid:bab9529a-4a10-40b3-a01f-f68a615d247a"
#define SQ_ID_GET_SUBMISSIONSETS	"urn:uuid:51224314-5390-4169-9b91-b1980040715a"
#define SQ_ID_GET_SS_AND_CONTENTS	"urn:uuid:e8e3cb2c-e39c-46b9-99e4-c12f57260b83"
#define SQ_ID_GET_FOLDER_AND_CONTENTS	"urn:uuid:b909a503-523d-4517-8acf-8e5834dfc4c7"
#define SQ_ID_GET_FOLDERS_FOR_DOC	"urn:uuid:10cae35a-c7f9-4cf5-b61e-fc3278ffb578"
#define SQ_ID_GET_RELATED_DOCS		"urn:uuid:d90e5407-b356-4d91-a89f-873917b4b0e6"
#define SQ_ID_FIND_DOCS_BY_REFID	"urn:uuid:12941a89-e02e-4be5-967c-ce4bfc8fe492"

#define SQ_AVAIL_ONLINE		"urn:ihe:iti:2010:DocumentAvailability:Online"
#define SQ_AVAIL_OFFLINE	"urn:ihe:iti:2010:DocumentAvailability:Offline"

enum sq_query {
	SQ_UNKNOWN = 0,
	SQ_FIND_DOCUMENTS,
	SQ_FIND_SUBMISSIONSETS,
	SQ_FIND_FOLDERS,
	SQ_GET_ALL,
	SQ_GET_DOCUMENTS,
	SQ_GET_FOLDERS,
	SQ_GET_ASSOCIATIONS,
	SQ_GET_DOCS_AND_ASSOCS,
	SQ_GET_SUBMISSIONSETS,
	SQ_GET_SS_AND_CONTENTS,
	SQ_GET_FOLDER_AND_CONTENTS,
	SQ_GET_FOLDERS_FOR_DOC,
	SQ_GET_RELATED_DOCS,
	SQ_FIND_DOCS_BY_REFID,
	SQ__NQUERIES
};

/* Every parameter name any of the 14 queries knows. */
enum sq_param {
	SQP_DE_PATIENTID = 0,	/* $XDSDocumentEntryPatientId */
	SQP_DE_CLASSCODE,
	SQP_DE_TYPECODE,
	SQP_DE_PRACTICECODE,
	SQP_DE_CREATION_FROM,
	SQP_DE_CREATION_TO,
	SQP_DE_SSTART_FROM,
	SQP_DE_SSTART_TO,
	SQP_DE_SSTOP_FROM,
	SQP_DE_SSTOP_TO,
	SQP_DE_HCFTYPECODE,
	SQP_DE_EVENTCODE,
	SQP_DE_CONFCODE,
	SQP_DE_AUTHOR,
	SQP_DE_FORMATCODE,
	SQP_DE_STATUS,
	SQP_DE_TYPE,		/* objectType: stable / on-demand */
	SQP_DE_AVAIL,
	SQP_DE_REFIDS,
	SQP_DE_UUID,
	SQP_DE_UID,
	SQP_SS_PATIENTID,
	SQP_SS_SOURCEID,
	SQP_SS_TIME_FROM,
	SQP_SS_TIME_TO,
	SQP_SS_AUTHOR,
	SQP_SS_CONTENTTYPE,
	SQP_SS_STATUS,
	SQP_SS_UUID,
	SQP_SS_UID,
	SQP_FD_PATIENTID,
	SQP_FD_UPDATE_FROM,
	SQP_FD_UPDATE_TO,
	SQP_FD_CODES,
	SQP_FD_STATUS,
	SQP_FD_UUID,
	SQP_FD_UID,
	SQP_PATIENTID,		/* $patientId (GetAll) */
	SQP_UUID,		/* $uuid */
	SQP_ASSOC_TYPES,
	SQP_HOME,		/* $homeCommunityId: pre-CP-429 slot form of @home */
	SQP_METADATA_LEVEL,
	SQP__NPARAMS
};

/* One ORed group of values (unquoted, '' unescaped). */
struct sq_group {
	char	**sg_v;
	size_t	  sg_n;
};

/* A parameter's value: SP_NG ANDed groups; SP_NG == 0 means absent. */
struct sq_value {
	struct sq_group	*sp_g;
	size_t		 sp_ng;
};

struct sq_params {
	enum sq_query	 sp_query;
	int		 sp_objectref;	/* 1 = returnType ObjectRef, 0 = LeafClass */
	char		*sp_home;	/* AdhocQuery/@home, or NULL */
	struct sq_value	 sp_v[SQP__NPARAMS];
};

/* Parses the query:AdhocQueryRequest element REQ (borrowed) into *OUT (zeroed first; free
 * with sq_params_free whatever the result). Adds every problem found to ERRS.
 * Returns 0 when the query may run, 1 when errors were added, -1 when out of memory. */
int sq_params_parse(const xmlNode *req, struct sq_params *out, struct reg_errors *errs);

/* Frees what P holds (not P); NULL accepted. */
void sq_params_free(struct sq_params *p);

/* Returns the parameter ID of P if present, else NULL. Borrowed from P. */
const struct sq_value *sq_param_get(const struct sq_params *p, enum sq_param id);

/* Returns the first value of parameter ID (the value of a single-valued one), or NULL. */
const char *sq_param_first(const struct sq_params *p, enum sq_param id);

/* Returns 1 if VALUE equals one of the values of group G (exact, case-sensitive). */
int sq_group_has(const struct sq_group *g, const char *value);

/* Returns the query name (e.g. "FindDocuments") for Q, or "unknown"; static. */
const char *sq_query_name(enum sq_query q);

/* Returns the query for the stored-query id ID (case-insensitive), or SQ_UNKNOWN. */
enum sq_query sq_query_by_id(const char *id);

/* Returns 1 if query Q carries a patient id parameter (Find*, GetAll), else 0. */
int sq_query_has_patient(enum sq_query q);

/* Returns the Slot name of parameter ID; static. */
const char *sq_param_name(enum sq_param id);

/* One literal of a parameter value, as written. */
struct sq_lit {
	char	*sl_text;	/* content, quotes removed and '' unescaped (malloc'd) */
	int	 sl_quoted;	/* 1 = was a 'string', 0 = a number */
};

struct sq_lits {
	struct sq_lit	*sl_v;
	size_t		 sl_n;
	int		 sl_list;	/* 1 = written as ( ... ) */
};

/* Parses the text of one rim:Value per the grammar above into *OUT (zeroed first; free with
 * sq_lits_free). Returns 0, 1 on a syntax error (OUT left empty), -1 when out of memory. */
int sq_literal_parse(const char *text, struct sq_lits *out);

/* Frees what L holds; NULL accepted. */
void sq_lits_free(struct sq_lits *l);

/* Returns the rim:Value element of the patient-id slot of the rim:AdhocQuery ADHOC
 * ($XDSDocumentEntryPatientId, $XDSSubmissionSetPatientId, $XDSFolderPatientId,
 * $patientId), or NULL. Borrowed from ADHOC (sq_pid.c). */
xmlNodePtr sq_pid_value(const xmlNode *adhoc);

/* Returns the unquoted CX of a patient-id VALUE ('id^^^&oid&ISO'), malloc'd, or NULL
 * when VALUE is NULL or not quoted. */
char *sq_pid_unquote(const xmlNode *value);

#endif
