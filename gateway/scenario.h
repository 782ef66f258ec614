/*
 * gateway/scenario: an interconnect scenario (docs/scenarios.md) loaded from its YAML file
 * for `hashictl scenario run`: the regions of a federation with their patients, documents
 * and clinicians, the consents the patients sign, and the steps to run with what each must
 * give. The file goes through common/conf's option tables, then every reference and rule
 * is checked, so that one load names every problem as "file:line:col: message".
 *
 * Everything is filled in after a successful load: defaults applied, region identifiers
 * derived when absent (SCN_ARC below), patients written with same_as completed, each step's
 * "as" split. Every string and array belongs to the struct scenario; free it with
 * scenario_free. Lists are NULL with a count of 0 when empty. Line numbers are 1-based
 * positions in the file, for messages.
 */
#ifndef HASHI_GATEWAY_SCENARIO_H
#define HASHI_GATEWAY_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

/* Identifiers of region i (0-based, in file order) when the file gives none: HCID
 * urn:oid:SCN_ARC.(SCN_ARC_BASE + 1 + i), its patients' assigning authority that OID + ".1",
 * its repositoryUniqueId that OID + ".2": the arc and layout of tests/data/regions.tsv. */
#define SCN_ARC		"1.2.392.200119.6"
#define SCN_ARC_BASE	1000

#define SCN_DEFAULT_PURPOSE	"clinical"
#define SCN_DEFAULT_USER	"doctor"

struct scn_patient {			/* a patient of one region */
	char	*id;			/* the region's patient id, e.g. P0001 */
	char	*same_as;		/* "region/id" this person is also, as written; or NULL */
	char	*family, *given;	/* UTF-8 (kanji) */
	char	*family_kana, *given_kana;	/* any kana norm_kana reads */
	char	*birth;			/* YYYY-MM-DD */
	char	*sex;			/* M, F or U */
	char	*postal, *address;	/* NULL when absent */
	int	 line;
};

struct scn_document {
	char	*id;			/* handle used by steps, unique in the region */
	char	*patient;		/* id of a patient of the region (listed or synthetic) */
	char	*class_code;		/* document class (LOINC), default 57133-1 */
	char	*title;			/* default from the class: 診療情報提供書, 退院時サマリー */
	char	*file;			/* CDA/XML file, absolute; NULL = the runner writes one */
	int	 line;
};

struct scn_region {
	char	*name;			/* short ASCII name, unique: okayama */
	char	*display;		/* e.g. 晴れやかネット (default = name) */
	char	*hcid;			/* urn:oid:...; derived from SCN_ARC when absent */
	char	*assigning_authority;	/* OID; default <hcid OID>.1 */
	char	*repository;		/* repositoryUniqueId OID; default <hcid OID>.2 */
	char	**purposes; size_t npurposes;	/* default: clinical */
	int	 consent_required;	/* default true */
	int	 emergency;		/* break-glass on its emergency listener; default false */
	int	 vpn;			/* with --netns: tunnels; default true */
	char	*id_prefix;		/* synthetic patient ids: <id_prefix>NNNN; default P */
	struct scn_patient *patients; size_t npatients;
	int	 synthetic;		/* this many extra patients, numbered after the listed */
	struct scn_document *documents; size_t ndocuments;
	char	**users; size_t nusers;	/* clinicians of its local EHR; default: doctor */
	int	 line;
};

struct scn_consent {			/* signed at run time with the test JPKI look-alike card */
	char	*id;			/* handle */
	char	*patient;		/* "region/id" as written */
	char	*region;		/* the patient's region, where it is registered */
	char	**allow; size_t nallow;		/* regions allowed; empty = all */
	char	**purposes; size_t npurposes;	/* empty = all */
	char	**classes; size_t nclasses;	/* document class codes; empty = all */
	char	*not_before, *not_after;	/* dates or dateTimes as written, or NULL */
	int	 at_start;		/* 1: registered before the first step (no consent_add) */
	int	 line;
};

enum scn_step_kind {	/* the order of the names in the file's "do:" (scenario.c) */
	SCN_DISCOVER, SCN_QUERY, SCN_RETRIEVE, SCN_CONSENT_ADD, SCN_CONSENT_WITHDRAW,
	SCN_REGION_DOWN, SCN_REGION_UP, SCN_REGION_SLOW, SCN_REGION_GARBAGE,
	SCN_REGION_WRONG_CERT, SCN_WAIT, SCN_NKINDS
};

struct scn_expect_docs {		/* documents expected from one region */
	char	*region;
	long	 count;			/* -1 when ids are given */
	char	**ids; size_t nids;	/* document handles of that region */
	int	 line;
};

struct scn_expect_error {		/* a RegistryError expected in the answer */
	char	*code;			/* e.g. XDSUnavailableCommunity */
	char	*region;		/* the region it is about, or NULL = any */
	char	*contains;		/* text its codeContext contains, or NULL */
	int	 line;
};

struct scn_expect_audit {		/* an audit record expected in a region's log */
	char	*region;
	char	*event;			/* EventTypeCode: ITI-38, consent-decision, ... */
	int	 outcome;		/* 0, 4, 8, 12; -1 = any */
	char	*purpose;		/* or NULL = any */
	int	 line;
};

struct scn_expect {
	char	*status;		/* Success, PartialSuccess, Failure; NULL = not checked */
	struct scn_expect_docs *docs; size_t ndocs;	/* regions not listed: 0 expected */
	int	 has_docs;		/* 1 when documents: was given (even empty) */
	char	**found; size_t nfound;	/* discover: regions that find the patient */
	int	 has_found;		/* 1 when found: was given; other regions must not */
	struct scn_expect_error *errors; size_t nerrors;
	char	*denied_reason;		/* consent denial reason text contained: "no consent" */
	int	 max_ms;		/* latency bound, 0 = none */
	struct scn_expect_audit *audit; size_t naudit;
	int	 line;			/* of expect:, 0 when absent */
};

struct scn_step {
	char	*name;			/* default: "<do> <what>" */
	enum scn_step_kind kind;
	char	*as;			/* as written: "region" or "region/user" */
	char	*as_region, *as_user;	/* who asks (query/retrieve/discover); user defaults
					 * to the region's first */
	char	*purpose;		/* default clinical (query/retrieve/discover) */
	char	*reason;		/* emergency reason (hashi:Requester), or NULL */
	char	*patient;		/* "region/id" */
	char	**documents; size_t ndocuments;	/* retrieve: "region/docid"; empty = what
						 * the last query of this patient returned */
	char	*consent;		/* consent_add/withdraw: a consents[] id */
	char	*region;		/* region_down/up/slow/garbage/wrong_cert */
	int	 delay_ms;		/* region_slow: added delay; wait: how long */
	struct scn_expect expect;
	int	 line;
};

struct scenario {
	char	*file;			/* as given to scenario_load */
	char	*name, *description;	/* description may be NULL */
	int	 timeout_ms;		/* per-request deadline the gateways use (default 10s) */
	struct scn_region *regions; size_t nregions;
	struct scn_consent *consents; size_t nconsents;
	struct scn_step *steps; size_t nsteps;
};

/* Loads and checks the scenario FILE. Every error is written to ERRS as one line
 * "file:line:col: message" (in file order; to the log when ERRS is NULL). Returns the
 * scenario (free with scenario_free), or NULL when there was any error. */
struct scenario *scenario_load(const char *file, FILE *errs);

/* Frees S and everything it holds; NULL is accepted. */
void scenario_free(struct scenario *s);

/* Returns the region named NAME, or NULL. Borrowed from S. */
const struct scn_region *scenario_region(const struct scenario *s, const char *name);

/* Resolves REF "region/id" to its region (*REGION) and listed patient (*PATIENT, NULL for a
 * synthetic one); either pointer may be NULL. Returns 0, or -1 when REF names no patient. */
int scenario_patient(const struct scenario *s, const char *ref,
    const struct scn_region **region, const struct scn_patient **patient);

/* Returns the document REF "region/docid" (its region through *REGION, may be NULL), or
 * NULL. Borrowed from S. */
const struct scn_document *scenario_document(const struct scenario *s, const char *ref,
    const struct scn_region **region);

/* Returns the consent with handle ID, or NULL. Borrowed from S. */
const struct scn_consent *scenario_consent(const struct scenario *s, const char *id);

/* Writes the id of synthetic patient K (0-based, K < R->synthetic) of R into BUF:
 * id_prefix and the number npatients + K + 1 in at least four digits. Returns 0, or -1
 * when K is out of range or BUF is too small. */
int scenario_synthetic_id(const struct scn_region *r, size_t k, char *buf, size_t bufsz);

/* Returns the name of KIND as written after "do:" ("query", "region_down", ...; static),
 * or "?" for an invalid value. */
const char *scenario_kind_name(enum scn_step_kind kind);

#endif
