/*
 * audit/atna_int.h: what the record builder (atna.c) and the record parser (atna_parse.c)
 * share: the code systems and codes Hashi writes, the record limits, the role rule and the
 * text normalisation. Not for use outside audit/atna*.c.
 */
#ifndef HASHI_AUDIT_ATNA_INT_H
#define HASHI_AUDIT_ATNA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "audit/atna.h"

/* Code systems. */
#define ATNA_CS_DCM		"DCM"
#define ATNA_CS_IHE		"IHE Transactions"
#define ATNA_CS_RFC3881		"RFC-3881"
#define ATNA_CS_HASHI		"urn:hashi:audit:1"
#define ATNA_CS_PURPOSE		"urn:hashi:purpose"

/* ActiveParticipant RoleIDCode codes. */
#define ATNA_ROLE_SOURCE	"110153"	/* DCM Source Role ID */
#define ATNA_ROLE_DEST		"110152"	/* DCM Destination Role ID */
#define ATNA_ROLE_APP		"110150"	/* DCM Application */
#define ATNA_ROLE_HUMAN		"human-requestor"	/* ATNA_CS_HASHI */

/* ParticipantObjectIDTypeCode codes. */
#define ATNA_OBJ_PATIENT	"2"		/* RFC-3881 Patient Number */
#define ATNA_OBJ_DOC		"9"		/* RFC-3881 Report Number */
#define ATNA_OBJ_SRC_REGION	"src-region"	/* ATNA_CS_HASHI */
#define ATNA_OBJ_DST_REGION	"dst-region"	/* ATNA_CS_HASHI */
#define ATNA_OBJ_QUERY_ROLE	"24"		/* ParticipantObjectTypeCodeRole Query */

/* PurposeOfUse code (ATNA_CS_HASHI) whose originalText is the human's stated reason. */
#define ATNA_REASON_CODE	"requester-reason"

/* ParticipantObjectDetail types. */
#define ATNA_DET_REPO		"Repository Unique Id"
#define ATNA_DET_HOME		"ihe:homeCommunityID"
#define ATNA_DET_XCA_HOME	"urn:ihe:iti:xca:2010:homeCommunityId"
#define ATNA_DET_ENCODING	"QueryEncoding"
#define ATNA_DET_DETAIL		"detail"

/* The UserID written for a Source or Destination whose user is not known (as IPF does). */
#define ATNA_USER_UNKNOWN	"unknown"

/* Largest record atna_build writes (and atna_parse_summary reads): below libxml2's 10 MB
 * text and attribute limits, so every built record parses back. */
#define ATNA_RECORD_MAX		(8u * 1024 * 1024)

/* EventDateTime range: 1970-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z. Not before
 * 1970, so that the time keys (big-endian ms) sort by time. */
#define ATNA_TIME_MAX		253402300799999LL

/* Returns 1 if R is a valid description (what atna_build accepts), else 0. */
int atna_record_valid(const struct atna_record *r);

/* Returns 1 for the retrieves (ITI-39, ITI-43), where the responding side (the document
 * holder) is the Source and the requesting side the Destination; else 0. */
int atna_is_retrieve(enum atna_event event);

/* Returns 1 if the initiator of EVENT records the EventID Import (retrieves), 0 if it
 * records Export (ITI-41), -1 if the role does not change the EventID. */
int atna_initiator_imports(enum atna_event event);

/* Appends S to SB as well-formed XML 1.0 text: bytes that are not UTF-8, and characters
 * XML 1.0 forbids, become U+FFFD. Returns 0 or -1 (allocation). */
int atna_text_clean(struct strbuf *sb, const char *s);

/* Writes S (NULL = "") into DST as atna_text_clean would, cut at a character boundary to at
 * most DSTSZ - 1 bytes, NUL-terminated. */
void atna_text_cut(char *dst, size_t dstsz, const char *s);

#endif
