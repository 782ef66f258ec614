/*
 * gateway/regstore: the embedded XDS.b registry and repository in LMDB, in its own
 * environment (<state_dir>/registry, files 0600). Registry objects (DocumentEntries,
 * SubmissionSets, Folders, Associations) are kept as their ebRIM XML fragments, exactly
 * as validated at submission, with indexes for the stored queries. Document bytes are
 * stored in fixed chunks so that a retrieve streams them out one chunk per read
 * transaction and never holds a whole document in memory.
 *
 * Sub-databases (key -> value):
 *   id2obj      object uuid            -> kind byte + XML fragment
 *   uid2id      kind byte + uniqueId   -> object uuid
 *   pid2id      patient CX + kind byte -> object uuid   (DUPSORT)
 *   src2assoc   source uuid            -> association uuid (DUPSORT)
 *   tgt2assoc   target uuid            -> association uuid (DUPSORT)
 *   ref2id      referenceIdList value  -> DocumentEntry uuid (DUPSORT)
 *   doc2info    document uniqueId      -> size, sha1, mime type, chunk count
 *   doc2chunk   document uniqueId + chunk index (big endian u32) -> bytes
 *   meta        kind byte (1..4) or 'C' (contents) -> object count (u64), for stats
 *
 * Every submission is one write transaction that updates every index: a crash leaves
 * either all of it or none of it. Read helpers never keep a transaction open after they
 * return.
 */
#ifndef HASHI_GATEWAY_REGSTORE_H
#define HASHI_GATEWAY_REGSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <libxml/tree.h>

#include "gateway/ebrim.h"
#include "gateway/regerr.h"

#define REGSTORE_CHUNK	(256 * 1024)	/* bytes per stored document chunk */

struct regstore;

/* Opens (creating if needed, mode 0700 dir / 0600 files) the environment in DIR with
 * map size MAPSIZE bytes. Returns NULL and logs on failure. Call after any fork. */
struct regstore *regstore_open(const char *dir, size_t mapsize);

/* Closes the environment; NULL accepted. */
void regstore_close(struct regstore *rs);

/* Tells whether patient PID (CX) is known to this community: 1 known, 0 unknown. */
typedef int (*regstore_pid_known_fn)(void *arg, const char *pid);

/* Sets (FN not NULL) or clears the patient filter: a submission whose SubmissionSet
 * patientId FN reports unknown fails with XDSUnknownPatientId. ARG is passed to FN. */
void regstore_set_patient_filter(struct regstore *rs, regstore_pid_known_fn fn, void *arg);

/* One document's bytes offered with a submission: either in memory or in a file that
 * regstore copies chunk by chunk (import of large documents). */
struct regstore_content {
	const char	*rc_entry_id;	/* the ExtrinsicObject's id (urn:uuid or symbolic) */
	const uint8_t	*rc_data;	/* in memory, or NULL when rc_path is set */
	size_t		 rc_len;
	const char	*rc_path;	/* file to read, or NULL */
};

/* Validates and stores one ITI-41 / import submission: SOR is the lcm:SubmitObjectsRequest
 * element (borrowed). Symbolic ids are replaced by fresh urn:uuid ids; size, hash (SHA-1)
 * and repositoryUniqueId slots are checked against the bytes or filled in when absent.
 * Every problem is added to ERRS with its standard code (XDSRegistryMetadataError,
 * XDSMissingDocument, XDSMissingDocumentMetadata, XDSNonIdenticalHash,
 * XDSNonIdenticalSize, XDSPatientIdDoesNotMatch, XDSDuplicateUniqueIdInRegistry,
 * XDSRegistryDuplicateUniqueIdInMessage, XDSRegistryDeprecatedDocumentError,
 * UnresolvedReferenceException, XDSUnknownPatientId (when a patient filter is set),
 * XDSRegistryOutOfResources (map full), XDSRegistryError) with the offending object's id,
 * as submitted, as location. A DocumentEntry uniqueId already registered is refused even
 * with identical bytes (XDSNonIdenticalHash / XDSNonIdenticalSize when they differ,
 * else XDSDuplicateUniqueIdInRegistry). SOR itself is never modified (a copy is edited).
 * RPLC / XFRM_RPLC targets become Deprecated in the same transaction. Returns 0 when
 * stored, -1 when nothing was stored. */
int regstore_submit(struct regstore *rs, xmlNodePtr sor,
    const struct regstore_content *docs, size_t ndocs, const char *repository_id,
    struct reg_errors *errs);

/* A stored object, copied out of LMDB (owned by the caller; free with regstore_obj_free). */
struct regstore_obj {
	enum ebrim_kind	 ro_kind;
	char		*ro_id;		/* urn:uuid:... */
	char		*ro_xml;	/* the ebRIM fragment, NUL-terminated */
	size_t		 ro_xmllen;
};

/* Returns the object with uuid ID in *OUT: 0 found, 1 not found, -1 error. */
int regstore_get(struct regstore *rs, const char *id, struct regstore_obj *out);

/* Frees what an object holds (not OBJ itself). */
void regstore_obj_free(struct regstore_obj *obj);

/* A list of uuids (owned; free with regstore_ids_free). */
struct regstore_ids {
	char	**ri_id;
	size_t	  ri_n;
};
void regstore_ids_free(struct regstore_ids *ids);

/* Fills IDS with the uuids of objects of KIND for patient PID (CX). 0 or -1. */
int regstore_by_patient(struct regstore *rs, const char *pid, enum ebrim_kind kind,
    struct regstore_ids *ids);

/* Looks up the uuid of the object of KIND with uniqueId UID: 0 found, 1 not, -1 error. */
int regstore_by_uid(struct regstore *rs, enum ebrim_kind kind, const char *uid,
    char **idp);

/* Fills IDS with the uuids of Associations whose sourceObject (SOURCE = 1) or
 * targetObject (SOURCE = 0) is ID. 0 or -1. */
int regstore_assocs(struct regstore *rs, const char *id, int source,
    struct regstore_ids *ids);

/* Fills IDS with DocumentEntry uuids whose referenceIdList contains REF. 0 or -1. */
int regstore_by_reference(struct regstore *rs, const char *ref, struct regstore_ids *ids);

/* Stored document bytes, by document uniqueId. */
struct regstore_docinfo {
	uint64_t	 rd_size;
	uint32_t	 rd_nchunks;
	char		 rd_sha1[41];		/* lower-case hex */
	char		 rd_mime[128];
};

/* Fills *INFO for document DOC_UID: 0 found, 1 not found, -1 error. */
int regstore_doc_info(struct regstore *rs, const char *doc_uid, struct regstore_docinfo *info);

/* Copies chunk INDEX of DOC_UID into BUF (>= REGSTORE_CHUNK bytes), setting *LENP.
 * Opens and closes its own read transaction. 0, 1 (no such chunk) or -1. */
int regstore_doc_chunk(struct regstore *rs, const char *doc_uid, uint32_t index,
    uint8_t *buf, size_t *lenp);

/* Counts of stored objects by kind and documents, for status and tests. */
struct regstore_stats {
	size_t	rs_documents, rs_submissionsets, rs_folders, rs_associations, rs_contents;
};
int regstore_stats(struct regstore *rs, struct regstore_stats *st);

#endif
