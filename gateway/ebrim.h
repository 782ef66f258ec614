/*
 * gateway/ebrim: the XDS metadata vocabulary (ebRIM 3.0 as profiled by ITI TF-3 §4.2)
 * and accessors over parsed libxml2 trees: slots, classifications, external identifiers,
 * names. Shared by submission (ITI-41 validation), the stored-query engine and XCA.
 * Pure functions over trees; nothing here allocates global state.
 */
#ifndef HASHI_GATEWAY_EBRIM_H
#define HASHI_GATEWAY_EBRIM_H

#include <stddef.h>
#include <libxml/tree.h>

#define NS_RIM		"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
#define NS_QUERY	"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
#define NS_RS		"urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
#define NS_LCM		"urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
#define NS_XDSB		"urn:ihe:iti:xds-b:2007"
#define NS_XOP		"http://www.w3.org/2004/08/xop/include"

#define STATUS_APPROVED		"urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"
#define STATUS_DEPRECATED	"urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated"
#define STATUS_SUBMITTED	"urn:oasis:names:tc:ebxml-regrep:StatusType:Submitted"

/* DocumentEntry objectType */
#define UUID_DE_STABLE		"urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
#define UUID_DE_ONDEMAND	"urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248"
/* RegistryPackage kinds (classification node) */
#define UUID_SUBMISSIONSET	"urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
#define UUID_FOLDER		"urn:uuid:d9d542f3-6cc4-48b6-8870-ea235fbc94c2"
/* DocumentEntry classification schemes */
#define UUID_DE_AUTHOR		"urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
#define UUID_DE_CLASSCODE	"urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
#define UUID_DE_CONFCODE	"urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
#define UUID_DE_EVENTCODE	"urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4"
#define UUID_DE_FORMATCODE	"urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
#define UUID_DE_HCFTYPECODE	"urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
#define UUID_DE_PRACTICECODE	"urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
#define UUID_DE_TYPECODE	"urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
#define UUID_DE_PATIENTID	"urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
#define UUID_DE_UNIQUEID	"urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
/* SubmissionSet */
#define UUID_SS_AUTHOR		"urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
#define UUID_SS_CONTENTTYPE	"urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
#define UUID_SS_PATIENTID	"urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
#define UUID_SS_SOURCEID	"urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
#define UUID_SS_UNIQUEID	"urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
/* Folder */
#define UUID_FD_CODELIST	"urn:uuid:1ba97051-7806-41a8-a48b-8fce7af683c5"
#define UUID_FD_PATIENTID	"urn:uuid:f64ffdf0-4b97-4e06-b79f-a52b38ec2f8a"
#define UUID_FD_UNIQUEID	"urn:uuid:75df8f67-9973-4fbe-a900-df66cefecc5a"
/* Association types */
#define ASSOC_HASMEMBER		"urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
#define ASSOC_RPLC		"urn:ihe:iti:2007:AssociationType:RPLC"
#define ASSOC_XFRM		"urn:ihe:iti:2007:AssociationType:XFRM"
#define ASSOC_APND		"urn:ihe:iti:2007:AssociationType:APND"
#define ASSOC_XFRM_RPLC		"urn:ihe:iti:2007:AssociationType:XFRM_RPLC"
#define ASSOC_SIGNS		"urn:ihe:iti:2007:AssociationType:signs"

/* What kind of registry object a node is. */
enum ebrim_kind {
	EBRIM_OTHER = 0,
	EBRIM_DOCUMENT,		/* rim:ExtrinsicObject */
	EBRIM_SUBMISSIONSET,	/* rim:RegistryPackage classified as SubmissionSet */
	EBRIM_FOLDER,		/* rim:RegistryPackage classified as Folder */
	EBRIM_ASSOCIATION	/* rim:Association */
};

/* Classifies NODE. A RegistryPackage is a SubmissionSet or Folder when a rim:Classification
 * (child, or sibling in the same RegistryObjectList with classifiedObject = its id) says so;
 * pass the list node as SCOPE to look for siblings, or NULL. */
enum ebrim_kind ebrim_kind_of(const xmlNode *node, const xmlNode *scope);

/* Returns the values of slot NAME of OBJ as a NULL-terminated array of malloc'd strings
 * (free with ebrim_strv_free), or NULL when the slot is absent. */
char **ebrim_slot_values(const xmlNode *obj, const char *name);

/* Returns a malloc'd copy of the first value of slot NAME, or NULL. */
char *ebrim_slot_first(const xmlNode *obj, const char *name);

/* Returns the first rim:Classification child of OBJ with classificationScheme SCHEME,
 * starting after PREV (NULL = from the start), or NULL. Borrowed. */
xmlNodePtr ebrim_classification(const xmlNode *obj, const char *scheme, const xmlNode *prev);

/* For a coded classification, returns "code^^scheme" (nodeRepresentation^^value of its
 * codingScheme slot), malloc'd, or NULL if incomplete. */
char *ebrim_code_of(const xmlNode *classification);

/* Returns a malloc'd copy of the value of the rim:ExternalIdentifier of OBJ whose
 * identificationScheme is SCHEME, or NULL. */
char *ebrim_external_id(const xmlNode *obj, const char *scheme);

/* Returns a malloc'd copy of the first LocalizedString value under OBJ/rim:Name, or NULL. */
char *ebrim_name(const xmlNode *obj);

/* Frees a NULL-terminated string vector; NULL is accepted. */
void ebrim_strv_free(char **v);

/* Returns 1 if S is "urn:uuid:" followed by a well-formed UUID, else 0. */
int ebrim_is_uuid_urn(const char *s);

/* Returns 1 if S is a dotted-decimal OID (ITU-T X.660 form: no leading zeros, >= 2 arcs,
 * <= 64 chars), else 0. */
int ebrim_is_oid(const char *s);

/* Returns 1 if S is a CX patient id "id^^^&OID&ISO" with a non-empty id and valid OID. */
int ebrim_is_cx(const char *s);

/* Returns 1 if S is a DTM of 4, 6, 8, 10, 12 or 14 digits (YYYY[MM[DD[hh[mm[ss]]]]]). */
int ebrim_is_dtm(const char *s);

#endif
