/*
 * gateway/scn_data: the data a scenario run loads into each region (docs/scenarios.md):
 * its patients as the CSV `hashictl mpi import` reads, and its documents, each as an HL7
 * CDA R2 document and the ITI-41 ProvideAndRegisterDocumentSetRequest that submits it.
 *
 * Listed patients are written as the scenario gives them (same_as already completed by the
 * loader). Synthetic patients and the documents of synthetic patients are invented
 * (Japanese names, readings, addresses in the region's prefecture, institutions, doctors,
 * diagnoses) and depend only on the scenario's regions and patients: the same file gives
 * the same bytes on every run, and nothing reads the clock. Every synthetic person of a
 * scenario has a birth date and given name pair of their own, different from each other's
 * and from every listed patient's birth date (up to about 940,000 synthetic patients per
 * scenario, beyond which pairs repeat), so that no two of them can match in the MPI.
 *
 * Identifiers, with OID the region's home community id without "urn:oid:":
 *   document n (1-based, the region's scenario documents first, in file order, then the
 *   generated ones, patient by patient)   uniqueId OID.3.n, its SubmissionSet OID.4.n;
 *   every SubmissionSet's sourceId          OID.5.1.
 */
#ifndef HASHI_GATEWAY_SCN_DATA_H
#define HASHI_GATEWAY_SCN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "common/str.h"
#include "gateway/scenario.h"

#define SCN_DATA_NAME_MAX	128	/* bytes of a name part, NUL included (the MPI's) */
#define SCN_DATA_ADDR_MAX	384	/* bytes of an address, NUL included (the MPI's) */
#define SCN_DATA_DOC_MAX	(64u << 20)	/* bytes of a scenario's document file */

/* One patient of a region, listed or synthetic. Text is UTF-8; "" when absent. */
struct scn_person {
	char	 id[65];			/* the region's id, e.g. P0001 */
	char	 family[SCN_DATA_NAME_MAX], given[SCN_DATA_NAME_MAX];
	char	 family_kana[SCN_DATA_NAME_MAX], given_kana[SCN_DATA_NAME_MAX];
	char	 birth[11];			/* YYYY-MM-DD */
	char	 sex[2];			/* M, F or U */
	char	 postal[9];			/* NNN-NNNN */
	char	 address[SCN_DATA_ADDR_MAX];	/* prefecture first */
	int	 synthetic;			/* 1: generated */
};

/* Fills *OUT with patient I of region R of S: I < R->npatients is listed patient I, the
 * next R->synthetic are the synthetic ones in id order. Returns 0, or -1 with the reason
 * in ERR (size ERRSZ) when I is out of range or a listed value does not fit. */
int scn_data_person(const struct scenario *s, const struct scn_region *r, size_t i,
    struct scn_person *out, char *err, size_t errsz);

/* Appends to OUT the patients of region R of S as the CSV `hashictl mpi import` reads
 * (mpi/README.md): the header "pid,family,given,family_kana,given_kana,birth,sex,postal,
 * address", then one row per patient, listed first, each pid a CX in the region's assigning
 * authority. Returns 0, or -1 with the reason in ERR (OUT may then hold part of it). */
int scn_data_patients_csv(const struct scenario *s, const struct scn_region *r,
    struct strbuf *out, char *err, size_t errsz);

/* Writes the uniqueId of document N (1-based, see above) of region R into BUF.
 * Returns 0, or -1 when N is 0 or BUF is too small. */
int scn_data_doc_uid(const struct scn_region *r, size_t n, char *buf, size_t bufsz);

/* Who wrote a document, where and when: drawn for each document so that its CDA and its
 * XDS metadata agree. The const char * fields point to static tables. */
struct scn_doc_meta {
	char		 facility[96];		/* institution name */
	char		 facility_oid[64];
	const char	*facility_type;		/* HOSP or OF (HL7 v3 RoleCode) */
	const char	*facility_type_name;	/* 病院 or 診療所 */
	const char	*dept_code, *dept_name;	/* practice setting, SNOMED CT */
	const char	*dx;			/* main diagnosis, with its ICD-10 code */
	const char	*doctor_family, *doctor_given;
	char		 doctor_id[8];
	char		 mrn[9];		/* the patient's number at the facility */
	char		 start[9], stop[9];	/* service dates, YYYYMMDD (Japan) */
	char		 created[15];		/* creationTime, YYYYMMDDhhmmss UTC */
	char		 effective[20];		/* the CDA's effectiveTime, Japan time */
	uint64_t	 seed;			/* draws the CDA's text */
};

/* One document of a region. Everything belongs to it: free with scn_data_doc_free. */
struct scn_doc {
	char		*handle;	/* the scenario's id, or "<patient>:<1|2>" generated */
	size_t		 n;		/* its number in the region (uniqueId OID.3.n) */
	char		*unique_id;
	char		*class_code;	/* LOINC, e.g. 57133-1 */
	char		*title;
	uint8_t		*data;		/* the scenario's file, or the generated CDA */
	size_t		 len;
	int		 generated;	/* 1: of a synthetic patient, not in the scenario */
	struct scn_person	patient;
	struct scn_doc_meta	meta;
};

/* Frees D and everything it holds; NULL accepted. */
void scn_data_doc_free(struct scn_doc *d);

/* Walks the documents of one region in number order (opaque). */
struct scn_doc_iter;

/* Starts a walk over the documents of region R of S (both borrowed for the walk's life).
 * Returns the walk (free with scn_data_docs_free), or NULL when memory ran out. */
struct scn_doc_iter *scn_data_docs_new(const struct scenario *s, const struct scn_region *r);

/* Sets *DOCP to the next document (the caller owns it: scn_data_doc_free). Returns 1, 0
 * at the end, or -1 with the reason in ERR (a file that cannot be read, a patient's
 * value that does not fit, memory); the walk cannot go on after -1. */
int scn_data_docs_next(struct scn_doc_iter *it, struct scn_doc **docp, char *err,
    size_t errsz);

/* Frees the walk; NULL accepted. */
void scn_data_docs_free(struct scn_doc_iter *it);

/* Appends to OUT the HL7 CDA R2 document (UTF-8, with XML declaration) that D describes:
 * what D->data holds for a document the scenario gives no file for. Returns 0 or -1. */
int scn_data_cda(const struct scn_region *r, const struct scn_doc *d, struct strbuf *out);

/* Appends to OUT the xdsb:ProvideAndRegisterDocumentSetRequest element (no XML
 * declaration: the body to wrap with soap_build_request) that submits D alone to region
 * R's gateway: a SubmissionSet, the DocumentEntry (patientId "<id>^^^&<aa>&ISO", classCode
 * and typeCode D's class, sourcePatientId at the facility, author, size, mimeType
 * text/xml, ...), the HasMember Association and the bytes inline in base64. Symbolic ids;
 * the registry gives them uuids. Returns 0 or -1. */
int scn_data_pnr(const struct scn_region *r, const struct scn_doc *d, struct strbuf *out);

#endif
