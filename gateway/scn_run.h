/*
 * gateway/scn_run: runs a scenario (docs/scenarios.md) on this machine: its federation
 * (gateway/scn_fed.h) with real hashid processes, its data loaded through the public
 * interfaces (`hashictl mpi import`, ITI-41 from each region's local EHR, `hashictl consent
 * add` with consents signed by the patients' test cards), then its steps, each answer
 * checked against the step's expectations (status, documents per region, regions that
 * found the patient, RegistryErrors, denial reasons, latency, audit records), and at the
 * end every region's audit log verified offline. The outcome is a struct scn_result
 * (gateway/scn_result.h), written as JUnit, JSON and HTML reports when asked.
 * Every process started is stopped, also when the run fails (and, through
 * scn_proc_kill_all, when the runner is interrupted).
 */
#ifndef HASHI_GATEWAY_SCN_RUN_H
#define HASHI_GATEWAY_SCN_RUN_H

#include <stdio.h>

#include "gateway/scenario.h"

struct scn_fed;
struct scn_result;

struct scn_run_opts {
	const char	*so_hashid;	/* the daemon binary */
	const char	*so_hashictl;	/* the CLI binary, run as an operator would */
	const char	*so_dir;	/* the run directory (must not exist, or be empty) */
	const char	*so_report;	/* report directory, or NULL */
	FILE		*so_progress;	/* a line per step, or NULL */
	int		 so_netns;	/* regions in network namespaces, with tunnels */
};

/* Runs S with O. On return *RESULT (when not NULL) holds the result (caller frees with
 * scn_result_free). Returns 0 when every expectation held and every audit log verified,
 * 1 when one did not, -1 when the run could not be made (the reason in ERR). */
int scn_run(const struct scenario *s, const struct scn_run_opts *o,
    struct scn_result **result, char *err, size_t errsz);

/* The set-up of scn_run in its two parts, for a tool that drives a federation itself and
 * must load it as a run does (tests/bench/j47_bench.c). First, with every gateway of FED
 * (made by scn_fed_new for S) stopped: each region's patients imported with `hashictl mpi
 * import`, and every consent no step adds signed with the patient's test card and
 * registered with `hashictl consent add` (O->so_hashictl; the other options are not
 * used). Returns 0, or -1 with the reason in ERR. */
int scn_run_load_patients(const struct scenario *s, const struct scn_run_opts *o,
    struct scn_fed *fed, char *err, size_t errsz);

/* Then, with every gateway of FED running: each region's documents submitted by its local
 * EHR with ITI-41. Returns 0, or -1 with the reason in ERR. */
int scn_run_load_documents(const struct scenario *s, const struct scn_run_opts *o,
    struct scn_fed *fed, char *err, size_t errsz);

#endif
