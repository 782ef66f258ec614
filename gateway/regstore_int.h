/*
 * gateway/regstore_int: what the regstore_*.c files share and nobody else may use: the
 * handle's layout, the key encodings, the submission being built, and the steps of a
 * submission (load, validate, write) that live in separate files by role.
 */
#ifndef HASHI_GATEWAY_REGSTORE_INT_H
#define HASHI_GATEWAY_REGSTORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>
#include <libxml/tree.h>

#include "common/store.h"
#include "gateway/ebrim.h"
#include "gateway/regerr.h"
#include "gateway/regstore.h"

/* Sub-databases, in store_open order (names in regstore.c). */
enum rs_db {
	RS_ID2OBJ = 0, RS_UID2ID, RS_PID2ID, RS_SRC2ASSOC, RS_TGT2ASSOC, RS_REF2ID,
	RS_DOC2INFO, RS_DOC2CHUNK, RS_META, RS_NDBS
};

/* Longest uniqueId / patient id / reference id accepted, so that every key fits under
 * LMDB's default 511-byte key limit with its suffix. */
#define RS_MAX_KEYTEXT		256
#define RS_UUID_LEN		45	/* "urn:uuid:" + 36 */
#define RS_SLOT_REFIDLIST	"urn:ihe:iti:xds:2013:referenceIdList"
#define RS_META_CONTENTS	'C'	/* meta key for the content count; kinds use 1..4 */

struct regstore {
	struct store	*rs_st;
	regstore_pid_known_fn rs_pid_known;
	void		*rs_pid_arg;
};

#define RS_DBI(rs, db)	store_dbi((rs)->rs_st, (db))

/* One top-level object of a submission. */
struct rs_obj {
	xmlNodePtr	 o_node;
	enum ebrim_kind	 o_kind;
	char		*o_id;		/* id as submitted: error locations use it */
	char		*o_uuid;	/* final urn:uuid */
	char		*o_uid;		/* uniqueId (documents, sets, folders) */
	char		*o_pid;		/* patientId (documents, sets, folders) */
	int		 o_in_ss;	/* a HasMember from the SubmissionSet reaches it */
	int		 o_ondemand;	/* on-demand DocumentEntry: no size/hash slots */
	const struct regstore_content *o_content;	/* documents */
	struct regstore_docinfo o_info;	/* documents, once stored */
};

/* An id as submitted and its final urn:uuid (sorted by from, for bsearch). */
struct rs_idmap {
	char	*m_from;
	char	*m_to;
};

struct rs_sub {
	xmlDocPtr	 s_doc;		/* private copy of the request: edited freely */
	xmlNodePtr	 s_list;	/* its rim:RegistryObjectList */
	struct rs_obj	*s_obj;
	size_t		 s_nobj;
	struct rs_obj	*s_ss;		/* the SubmissionSet */
	struct rs_idmap	*s_map;
	size_t		 s_nmap;
	char		**s_depr;	/* registry DocumentEntries to deprecate (uuids) */
	size_t		 s_ndepr;
};

/* regstore_submit.c: loads SOR into SUB (copy, top-level objects, sibling
 * classifications moved into their objects, id map). 0 or -1 with ERRS filled. */
int rs_sub_load(struct rs_sub *sub, const xmlNode *sor, struct reg_errors *errs);
void rs_sub_free(struct rs_sub *sub);
/* Returns the object of SUB whose submitted id is ID, or NULL. */
struct rs_obj *rs_sub_find(const struct rs_sub *sub, const char *id);

/* regstore_valid.c: every ITI TF-3 check of SUB against itself, DOCS and the registry as
 * seen by TXN. Adds errors to ERRS; returns -1 only on internal failure. */
int rs_validate(struct regstore *rs, MDB_txn *txn, struct rs_sub *sub,
    const struct regstore_content *docs, size_t ndocs, struct reg_errors *errs);

/* regstore_doc.c: streams C's bytes, computing size and SHA-1 into INFO (rd_mime is left
 * alone). With TXN, also stores them as the chunks of DOC_UID. Returns 0, -1 with *MDBRC
 * set (an LMDB or errno code). Never holds more than one chunk in memory. */
int rs_doc_stream(struct regstore *rs, MDB_txn *txn, const char *doc_uid,
    const struct regstore_content *c, struct regstore_docinfo *info, int *mdbrc);
/* Writes INFO as the doc2info record of DOC_UID. Returns an LMDB code. */
int rs_doc_info_put(struct regstore *rs, MDB_txn *txn, const char *doc_uid,
    const struct regstore_docinfo *info);
/* Reads the doc2info record of DOC_UID: 0, 1 (absent) or -1. */
int rs_doc_info_get(struct regstore *rs, MDB_txn *txn, const char *doc_uid,
    struct regstore_docinfo *info);

/* regstore.c: reads the object ID within TXN into OUT (like regstore_get). */
int rs_get(struct regstore *rs, MDB_txn *txn, const char *id, struct regstore_obj *out);
/* Adds DELTA to the meta counter KEY. Returns an LMDB code. */
int rs_count_add(struct regstore *rs, MDB_txn *txn, uint8_t key, int64_t delta);
/* Parses a stored fragment (the caller frees the document). NULL when malformed. */
xmlDocPtr rs_parse_fragment(const char *xml, size_t len);

/* Adds an Error with CODE at LOC (NULL = none) and a printf-style context. Values from
 * the request cut by a precision (%.64s) may end in half a UTF-8 character: such bytes
 * become '?' so that the rendered RegistryError stays well-formed XML. */
void rs_err(struct reg_errors *errs, const char *code, const char *loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Adds an XDSRegistryOutOfResources or XDSRegistryError at LOC for LMDB / errno code RC. */
void rs_store_error(struct reg_errors *errs, int rc, const char *loc, const char *what);

#endif
