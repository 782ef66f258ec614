/*
 * mpi/mpi: the wide-area patient index store, in its own LMDB environment (<state_dir>/mpi,
 * dir 0700, files 0600): the region's patients (raw demographics AND their normalised keys
 * with the normaliser's version, so that an auditor can re-run any decision), their ids in
 * peer regions (correlations: how, when, trusted until when), candidate links waiting for an
 * operator, and an append-only journal of every change. Sub-databases: mpi_int.h.
 *
 * Ids: a local pid is "id^^^&AUTHORITY&ISO" in the community's assigning authority, or the
 * bare id (printable ASCII without HL7 delimiters, < MPI_LOCAL_ID_MAX bytes); another
 * authority is MPI_E_AUTHORITY. Remote and facility ids are CX with an OID authority, kept
 * as "id^^^&OID&ISO"; HCIDs as "urn:oid:OID". Times: seconds since the epoch, from the caller.
 *
 * Every change is one write transaction updating every index and the journal: a crash
 * leaves all of it or none. Reads use their own read transaction, except the batch reader.
 * Open after any fork, in the process that uses it; one thread at a time per handle. Every
 * int-returning call returns MPI_OK (0) or a negative enum mpi_err.
 */
#ifndef HASHI_MPI_MPI_H
#define HASHI_MPI_MPI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mpi/demog.h"
#include "mpi/match.h"

#define MPI_MAPSIZE_DEFAULT	((size_t)2 << 30)	/* 2 GiB: 1 M patients use ~1 GiB */
#define MPI_LOCAL_ID_MAX	65	/* bytes of a bare local id, NUL included */
#define MPI_FAC_MAX		8	/* facility ids per patient */
#define MPI_KEY_MAX		256	/* bytes of one normalised name key, NUL included */
#define MPI_ACTOR_MAX		64	/* bytes of an event's actor, NUL included */
#define MPI_DETAIL_MAX		512	/* bytes of an event's details, NUL included */
#define MPI_FIND_SCAN_MAX	5000	/* candidates one search may examine */

enum mpi_err {
	MPI_OK = 0,
	MPI_E_NOTFOUND = -1,	/* no such patient / correlation / candidate */
	MPI_E_INVALID = -2,	/* malformed id, CX, HCID, date, or a field too long */
	MPI_E_AUTHORITY = -3,	/* a local pid in another assigning authority */
	MPI_E_CONFLICT = -4,	/* contradicts a stored link or facility id */
	MPI_E_REJECTED = -5,	/* an operator rejected this candidate before */
	MPI_E_TOOMANY = -6,	/* search too broad (> MPI_FIND_SCAN_MAX candidates) */
	MPI_E_IMPORT = -7,	/* the file had errors (reported by line); nothing stored */
	MPI_E_IO = -8,		/* a file could not be opened or read */
	MPI_E_FULL = -9,	/* the map is full: raise the map size */
	MPI_E_BUSY = -10,	/* too many readers: retry */
	MPI_E_CORRUPT = -11,	/* a damaged record or environment */
	MPI_E_STORE = -12,	/* any other storage failure */
	MPI_E_NOMEM = -13
};
/* Returns a short English description of ERR (static). */
const char *mpi_strerror(int err);

struct mpi;
/* Opens (creating if needed) the environment in DIR with a map of MAPSIZE bytes (0 =
 * MPI_MAPSIZE_DEFAULT); AUTHORITY (OID, copied) is the community's assigning authority of
 * local pids. Returns a handle (free with mpi_close) or NULL after logging why. */
struct mpi *mpi_open(const char *dir, size_t mapsize, const char *authority);
/* Closes the environment; NULL accepted. No reader may be open. */
void mpi_close(struct mpi *m);

/* Writes the canonical CX of local pid PID (CX or bare id) into OUT (>= MPI_ID_MAX).
 * Returns MPI_OK, MPI_E_INVALID or MPI_E_AUTHORITY. */
int mpi_pid_cx(const struct mpi *m, const char *pid, char *out, size_t outsz);

/* The normalised keys stored with a record (mpi/norm.h at version mk_version); empty
 * when the raw value was empty. */
struct mpi_keys {
	unsigned	mk_version;			/* NORM_VERSION when stored */
	char		mk_family[MPI_KEY_MAX], mk_given[MPI_KEY_MAX];	/* norm_name */
	char		mk_kfamily[MPI_KEY_MAX], mk_kgiven[MPI_KEY_MAX];	/* norm_kana */
	char		mk_lfamily[MPI_KEY_MAX], mk_lgiven[MPI_KEY_MAX];	/* norm_kana_loose */
	char		mk_birth[9], mk_sex, mk_postal[8], mk_phone[32];
	char		mk_addr[MATCH_ADDR_MAX], mk_area[MATCH_ADDR_MAX];	/* norm_addr(_area) */
};

/* A local patient. In: mp_pid, mp_demog, mp_fac[0..mp_nfac). Out also: the rest. */
struct mpi_patient {
	char		mp_pid[MPI_ID_MAX];		/* out: canonical CX */
	struct mpi_demog mp_demog;			/* raw values, as received */
	char		mp_fac[MPI_FAC_MAX][MPI_ID_MAX];	/* facility CX ids */
	size_t		mp_nfac;
	int64_t		mp_created, mp_updated;
	struct mpi_keys	mp_keys;
};
/* Inserts or replaces patient P (its demographics and facility ids), updating every
 * index and journaling ACTOR (borrowed) at NOW. Birth and sex are required and must
 * normalise. Sets *CREATED (may be NULL) to 1 when new. MPI_E_CONFLICT when a facility id
 * belongs to another patient; MPI_E_INVALID, MPI_E_AUTHORITY, storage errors. */
int mpi_patient_put(struct mpi *m, const struct mpi_patient *p, const char *actor,
    int64_t now, int *created);

/* Copies patient PID (CX or bare) into *OUT. MPI_OK, MPI_E_NOTFOUND, id or storage errors. */
int mpi_patient_get(struct mpi *m, const char *pid, struct mpi_patient *out);

/* Writes the local pid (CX) of facility id FAC_CX into OUT (>= MPI_ID_MAX): the
 * shared-identifier link. MPI_OK, MPI_E_NOTFOUND, MPI_E_INVALID, storage errors. */
int mpi_patient_by_facility(struct mpi *m, const char *fac_cx, char *out, size_t outsz);

/* mpi_find flags (demographic search, mpi_find.c) */
#define MPI_FIND_ALL	0x1	/* also return MATCH_NONE hits (operator search) */
#define MPI_FIND_PREFIX	0x2	/* name / kana keys match as prefixes ("山田" finds 山田太郎) */

struct mpi_hit {
	char			mh_pid[MPI_ID_MAX];	/* CX */
	struct mpi_demog	mh_demog;
	enum match_result	mh_result;
	unsigned		mh_diff;		/* match_compare's diff bits */
};
struct mpi_hits { struct mpi_hit *mh_hit; size_t mh_n; };	/* best first, then by pid */
/* Finds the patients whose name key, kana key or birth(+sex) equals Q's, and compares each
 * with Q by match_compare. Q needs a name, a kana name or a birth date (MPI_E_INVALID
 * otherwise). Fills *OUT (owned; free with mpi_hits_free) with the hits of result
 * CANDIDATE or AUTO (all with MPI_FIND_ALL). MPI_E_TOOMANY when too broad. */
int mpi_find(struct mpi *m, const struct mpi_demog *q, unsigned flags, struct mpi_hits *out);
/* Frees what HITS holds (not HITS itself); NULL accepted. */
void mpi_hits_free(struct mpi_hits *hits);

/* How a correlation (mpi_corr.c) was made. */
enum mpi_how { MPI_HOW_XCPD = 1, MPI_HOW_OPERATOR = 2, MPI_HOW_PIX = 3 };
/* Returns "XCPD", "OPERATOR", "PIX" (static), or "?". */
const char *mpi_how_name(enum mpi_how how);

/* A correlation: LOCAL is REMOTE in community HCID. */
struct mpi_corr {
	char		mc_local[MPI_ID_MAX];	/* CX */
	char		mc_hcid[MPI_HCID_MAX];
	char		mc_remote[MPI_ID_MAX];	/* CX in the peer's authority */
	enum mpi_how	mc_how;
	int64_t		mc_matched_at, mc_expires_at;	/* expires 0 = never */
	int		mc_fresh;		/* 1 when expires_at is 0 or later than now */
};
struct mpi_corrs { struct mpi_corr *mc_corr; size_t mc_n; };	/* by HCID */
/* Links local patient LOCAL (must exist) to REMOTE in community HCID, made by HOW at NOW,
 * trusted until EXPIRES_AT (0 = never). The same link again refreshes it. A fresh link of
 * LOCAL to another remote id, or of REMOTE to another local patient, is MPI_E_CONFLICT
 * (unlink first); an expired one is replaced. Journaled with ACTOR. */
int mpi_link(struct mpi *m, const char *local, const char *hcid, const char *remote,
    enum mpi_how how, int64_t now, int64_t expires_at, const char *actor);
/* Removes the correlation of LOCAL in HCID and its reverse entry. MPI_E_NOTFOUND if none. */
int mpi_unlink(struct mpi *m, const char *local, const char *hcid, const char *actor,
    int64_t now);
/* Copies the correlation of LOCAL in HCID into *OUT, fresh or expired at NOW. */
int mpi_corr_get(struct mpi *m, const char *local, const char *hcid, int64_t now,
    struct mpi_corr *out);
/* Reverse lookup: the correlation whose remote id in HCID is REMOTE, into *OUT. */
int mpi_corr_reverse(struct mpi *m, const char *hcid, const char *remote, int64_t now,
    struct mpi_corr *out);
/* Fills *OUT (owned; free with mpi_corrs_free) with every correlation of LOCAL. */
int mpi_corr_list(struct mpi *m, const char *local, int64_t now, struct mpi_corrs *out);
/* Frees what CORRS holds (not CORRS itself); NULL accepted. */
void mpi_corrs_free(struct mpi_corrs *corrs);

/* A candidate link for operator review (mpi_review.c). */
struct mpi_candidate {
	uint64_t		mv_id;		/* out: its number, from 1 */
	char			mv_local[MPI_ID_MAX];
	char			mv_hcid[MPI_HCID_MAX];
	char			mv_remote[MPI_ID_MAX];
	struct mpi_demog	mv_demog;	/* the remote patient's demographics */
	unsigned		mv_diff;	/* match_compare's diff bits */
	int64_t			mv_found_at;
};
struct mpi_candidates { struct mpi_candidate *mv_cand; size_t mv_n; };	/* by number */
/* Queues candidate C (local patient must exist) found at NOW; sets *IDP (may be NULL) to
 * its number, or 0 when that link exists already (nothing queued). The same (local, HCID,
 * remote) again updates it, same number. MPI_E_REJECTED if an operator rejected it before. */
int mpi_review_add(struct mpi *m, const struct mpi_candidate *c, int64_t now, uint64_t *idp);
/* Fills *OUT (owned; free with mpi_candidates_free) with the pending candidates. */
int mpi_review_list(struct mpi *m, struct mpi_candidates *out);
/* Frees what CANDS holds (not CANDS itself); NULL accepted. */
void mpi_candidates_free(struct mpi_candidates *cands);

/* Confirms candidate ID: it becomes an OPERATOR correlation that never expires (as
 * mpi_link, so MPI_E_CONFLICT is possible) and leaves the list. MPI_E_NOTFOUND. */
int mpi_review_confirm(struct mpi *m, uint64_t id, const char *actor, int64_t now);
/* Rejects candidate ID: it leaves the list and the triple is never queued again. */
int mpi_review_reject(struct mpi *m, uint64_t id, const char *actor, int64_t now);

/* What a CSV import (mpi_import.c; columns in mpi/README.md) did. */
struct mpi_import_stats {
	size_t	mi_rows, mi_added, mi_updated;	/* data rows; new / replaced or refreshed */
};
/* Imports the patients of CSV file PATH in one write transaction: on any error nothing is
 * stored. Every problem is written to ERRS (NULL = stderr) as "PATH:LINE: reason" (at most
 * 20). Fills *ST (may be NULL). MPI_OK, MPI_E_IMPORT, MPI_E_IO or storage errors. */
int mpi_import_patients(struct mpi *m, const char *path, const char *actor, int64_t now,
    FILE *errs, struct mpi_import_stats *st);
/* Imports the cross-references of CSV file PATH (pid, hcid, remote_pid[, how]) as PIX
 * (default) or OPERATOR correlations that never expire; same rules as above. */
int mpi_import_xref(struct mpi *m, const char *path, const char *actor, int64_t now,
    FILE *errs, struct mpi_import_stats *st);

/* The journal (mpi_events.c): one event per committed change. */
enum mpi_event_type {
	MPI_EV_UPSERT = 1, MPI_EV_IMPORT, MPI_EV_XREF, MPI_EV_LINK, MPI_EV_UNLINK,
	MPI_EV_CONFIRM, MPI_EV_REJECT, MPI_EV_REVIEW
};
struct mpi_event {
	uint64_t		me_seq;		/* from 1, gap-free, in commit order */
	enum mpi_event_type	me_type;
	int64_t			me_time;
	char			me_actor[MPI_ACTOR_MAX];
	char			me_details[MPI_DETAIL_MAX];	/* "key=value ..." */
};
/* Returns "upsert", "import", ... (static) for TYPE, or "?". */
const char *mpi_event_name(enum mpi_event_type type);
/* Copies the first event with sequence number > AFTER into *OUT. MPI_E_NOTFOUND at the
 * end of the journal. */
int mpi_event_next(struct mpi *m, uint64_t after, struct mpi_event *out);

struct mpi_stats {
	size_t	ms_patients, ms_facility_ids, ms_correlations, ms_expired, ms_candidates;
	uint64_t ms_events;
	size_t	ms_bytes_used, ms_map_size;
};
/* Counts what the store holds; correlations expired at NOW are counted in ms_expired. */
int mpi_stats(struct mpi *m, int64_t now, struct mpi_stats *out);

/* The batch reader (mpi_read.c): one read transaction over many lookups. What it returns
 * points into the map, valid until mpi_reader_end. */
struct mpi_reader;
struct mpi_summary {
	const char	*ms_id;			/* bare local id */
	const char	*ms_family, *ms_given, *ms_kfamily, *ms_kgiven;	/* "" if unknown */
	const char	*ms_birth;		/* YYYYMMDD */
	char		 ms_sex;
};
struct mpi_remote {
	const char	*mr_remote;		/* CX */
	enum mpi_how	 mr_how;
	int64_t		 mr_matched_at, mr_expires_at;
	int		 mr_fresh;
};
/* Begins a batch of lookups on one snapshot in *RP (free with mpi_reader_end). Keep it
 * short: it pins the pages it sees. */
int mpi_reader_begin(struct mpi *m, struct mpi_reader **rp);
/* Looks up patient PID (CX or bare) into *OUT. MPI_OK, MPI_E_NOTFOUND, MPI_E_INVALID,
 * MPI_E_AUTHORITY, MPI_E_CORRUPT. */
int mpi_reader_lookup(struct mpi_reader *r, const char *pid, struct mpi_summary *out);
/* Looks up the correlation of LOCAL in HCID into *OUT, fresh or not at NOW. */
int mpi_reader_remote(struct mpi_reader *r, const char *local, const char *hcid, int64_t now,
    struct mpi_remote *out);
/* Ends the batch; NULL accepted. */
void mpi_reader_end(struct mpi_reader *r);

#endif
