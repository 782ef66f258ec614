/*
 * gateway/xcpd_int: what the files of the xcpd_msg module share (xcpd_parse.c reads the
 * query and the values both messages carry, xcpd_parse_answer.c the answer). Not for use
 * outside them. The readers copy a peer's value into a fixed field or return a typed
 * error: XCPD_ERR_TOO_LONG when it does not fit, never a truncated copy.
 */
#ifndef HASHI_GATEWAY_XCPD_INT_H
#define HASHI_GATEWAY_XCPD_INT_H

#include "gateway/xcpd_msg.h"

/* Fails the current function with error E at element name W (a static string): sets ret
 * and *where, then goes to done. */
#define XCPD_FAIL(e, w)	do { ret = (e); *where = (w); goto done; } while (0)

/* Copies SRC (NULL = "") into DST of size N. */
enum xcpd_err xcpd_rd_copy(char *dst, size_t n, const char *src);

/* Copies attribute NAME of EL into DST (empty when EL or the attribute is absent). */
enum xcpd_err xcpd_rd_attr(const xmlNode *el, const char *name, char *dst, size_t n);

/* Reads II element EL (NULL = absent: both parts empty). */
enum xcpd_err xcpd_rd_ii(const xmlNode *el, struct xcpd_ii *ii);

/* Reads the HCID "urn:oid:" + @root of id element EL into DST; empty when absent;
 * XCPD_ERR_VALUE when the root is not an OID. */
enum xcpd_err xcpd_rd_hcid(const xmlNode *el, char *dst, size_t n);

/* Checks that the HL7 TS starts with a calendar date and writes YYYYMMDD to OUT (9 bytes);
 * XCPD_ERR_BIRTH otherwise. */
enum xcpd_err xcpd_rd_birth(const char *ts, char *out);

/* Reads the AdministrativeGender code of EL into *OUT ('M', 'F', 'U'; 0 when absent). */
enum xcpd_err xcpd_rd_gender(const xmlNode *el, char *out);

/* Takes a tel: TEL value of EL as D's phone when D has none yet. */
enum xcpd_err xcpd_rd_tel(const xmlNode *el, struct mpi_demog *d);

/* Reads name EN into the kanji or kana name of D by its use (xcpd_msg.h). *PRIO tracks how
 * md_kanji was filled; start it at 0 for each person. */
enum xcpd_err xcpd_rd_name(const xmlNode *en, struct mpi_demog *d, int *prio);

/* Reads AD element AD into D's address and postal code unless D has one already. */
enum xcpd_err xcpd_rd_addr(const xmlNode *ad, struct mpi_demog *d);

/* Reads the device id under sender/receiver EL (root required) and its HCID. */
enum xcpd_err xcpd_rd_device(const xmlNode *el, struct xcpd_ii *dev, char *hcid, size_t n);

/* Parses BUF under the module's limits; *ELP is the document element or the one child of a
 * SOAP 1.2 Body. The caller frees *DOCP (set even when *ELP is NULL). */
enum xcpd_err xcpd_rd_doc(const char *buf, size_t len, xmlDocPtr *docp, xmlNodePtr *elp);

#endif
