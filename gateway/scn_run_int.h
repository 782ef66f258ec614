/*
 * gateway/scn_run_int: the state of one scenario run, shared by scn_run.c (set-up, data,
 * the end) and scn_run_step.c (the steps and their checks). Not for other modules.
 */
#ifndef HASHI_GATEWAY_SCN_RUN_INT_H
#define HASHI_GATEWAY_SCN_RUN_INT_H

#include <stdint.h>

#include "common/str.h"
#include "gateway/scn_run.h"
#include "gateway/scn_xds.h"

struct scn_fed;
struct scn_result;
struct scn_step_result;

/* What a query returned for a patient: a later retrieve without documents takes these. */
struct scn_last {
	char			*sl_patient;	/* "region/id" */
	struct scn_xds_docref	*sl_refs;	/* strings owned below */
	char			**sl_strs;
	size_t			 sl_n;
};

/* A document loaded into a region: its scenario handle and where it is. */
struct scn_loaded {
	char	*ld_ref;	/* "region/handle" */
	char	*ld_uid;
	char	*ld_hcid;	/* borrowed from the scenario */
	char	*ld_repo;	/* borrowed from the scenario */
	char	*ld_title;
	uint8_t	 ld_sha256[32];	/* of the bytes submitted */
};

struct scn_runner {
	const struct scenario		*sr_sc;
	const struct scn_run_opts	*sr_o;
	struct scn_fed			*sr_fed;
	struct scn_result		*sr_res;
	int64_t				 sr_t0_ms;	/* monotonic ms at the start */
	struct scn_last			*sr_last;
	size_t				 sr_nlast;
	struct scn_loaded		*sr_docs;
	size_t				 sr_ndocs;
	struct strbuf			 sr_notes;	/* what the last step got, for the
							   progress lines */
};

/* Returns the index of region NAME in the scenario, or -1. */
long scn_run_region(const struct scn_runner *r, const char *name);

/* Runs `hashictl -f CONFIG ARGS...` (the run's own CLI, as an operator would) and waits
 * for it; its output goes to LOG. Returns 0 when it exited 0, else -1 with the reason. */
int scn_run_ctl(const struct scn_runner *r, const char *config, const char *log,
    char *const args[], char *err, size_t errsz);

/* Runs step I, adding its checks, hops and audit references to ST. Returns 0, or -1 when
 * the run cannot go on (a region that cannot be started again, memory): ERR says why. */
int scn_run_step(struct scn_runner *r, size_t i, struct scn_step_result *st, char *err,
    size_t errsz);

/* Signs consent C of a patient (its withdrawal with WITHDRAW) with the patient's test card
 * and registers it in the patient's region with hashictl consent add. Returns 0 or -1. */
int scn_run_consent(struct scn_runner *r, const struct scn_consent *c, int withdraw,
    char *err, size_t errsz);

/* Frees what R remembers of queries. */
void scn_run_last_free(struct scn_runner *r);

#endif
