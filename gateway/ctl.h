/*
 * gateway/ctl: hashictl's command table. Each command group lives in its own ctl_*.c and
 * only parses its arguments and calls module APIs; hashictl_main.c only dispatches.
 */
#ifndef HASHI_GATEWAY_CTL_H
#define HASHI_GATEWAY_CTL_H

#include "gateway/config.h"

/* What a command gets: the loaded configuration (NULL for commands that need none) and
 * its arguments after the command words. Returns the process exit status. */
typedef int (*ctl_fn)(const struct config *cf, int argc, char **argv);

struct ctl_cmd {
	const char	*cc_words[3];	/* command words, NULL-terminated */
	int		 cc_min_args;
	int		 cc_max_args;
	int		 cc_needs_config;
	ctl_fn		 cc_fn;
	const char	*cc_usage;	/* arguments, for the help text */
	const char	*cc_help;
};

/* The table, terminated by an entry whose cc_words[0] is NULL. */
extern const struct ctl_cmd ctl_cmds[];

/* Registry commands (ctl_registry.c). */
int ctl_registry_import(const struct config *cf, int argc, char **argv);
int ctl_registry_stats(const struct config *cf, int argc, char **argv);

/* MPI commands (ctl_mpi.c): import, xref, show, search, stats, review, link, unlink,
 * confirm, reject. Each opens <state_dir>/mpi, changes are journaled with the operator. */
int ctl_mpi_import(const struct config *cf, int argc, char **argv);
int ctl_mpi_xref(const struct config *cf, int argc, char **argv);
int ctl_mpi_show(const struct config *cf, int argc, char **argv);
int ctl_mpi_search(const struct config *cf, int argc, char **argv);
int ctl_mpi_stats(const struct config *cf, int argc, char **argv);
int ctl_mpi_review(const struct config *cf, int argc, char **argv);
int ctl_mpi_link(const struct config *cf, int argc, char **argv);
int ctl_mpi_unlink(const struct config *cf, int argc, char **argv);
int ctl_mpi_confirm(const struct config *cf, int argc, char **argv);
int ctl_mpi_reject(const struct config *cf, int argc, char **argv);

/* Consent commands (ctl_consent.c): add, list, show, void, crl add. Each opens
 * <state_dir>/policy (and, for add, the MPI); add and crl add need consent.jpki_roots and
 * read the CRLs kept in <state_dir>/policy/crl/. A patient withdraws by signing a withdraw
 * document, registered with add; void is the operator's correction of a mistake. */
int ctl_consent_add(const struct config *cf, int argc, char **argv);
int ctl_consent_list(const struct config *cf, int argc, char **argv);
int ctl_consent_show(const struct config *cf, int argc, char **argv);
int ctl_consent_void(const struct config *cf, int argc, char **argv);
int ctl_consent_crl_add(const struct config *cf, int argc, char **argv);

/* Audit commands (ctl_audit*.c): keygen, pubkey, verify, checkpoint, prove, check-proof,
 * consistency, search, export. They take no loaded configuration (cc_needs_config 0): with
 * --dir (and --vkey) they work on a copy of a log without one; otherwise they load
 * ctl_config_file themselves and use <state_dir>/audit, recording every read of that live
 * log (ATNA "audit log used") before showing anything, or refusing. */
int ctl_audit_keygen(const struct config *cf, int argc, char **argv);
int ctl_audit_pubkey(const struct config *cf, int argc, char **argv);
int ctl_audit_verify(const struct config *cf, int argc, char **argv);
int ctl_audit_checkpoint(const struct config *cf, int argc, char **argv);
int ctl_audit_prove(const struct config *cf, int argc, char **argv);
int ctl_audit_check_proof(const struct config *cf, int argc, char **argv);
int ctl_audit_consistency(const struct config *cf, int argc, char **argv);
int ctl_audit_search(const struct config *cf, int argc, char **argv);
int ctl_audit_export(const struct config *cf, int argc, char **argv);

/* The configuration file hashictl was given (-f, or the default), for commands that load
 * it only when they need it. Set by hashictl_main.c before any command runs. */
extern const char *ctl_config_file;

/* Status command (ctl_status.c): prints the running hashid's per-peer table, fetched from
 * its admin listener. Returns 0, or 1 when there is no admin section or no answer. */
int ctl_status(const struct config *cf, int argc, char **argv);

/* Deploy command (ctl_deploy.c): "deploy swanctl [-o FILE] [--check FILE]" writes the
 * swanctl.conf generated from the vpn: sections (gateway/swanctl.h) to stdout or FILE
 * (atomically, 0644), or with --check exits 0 when FILE equals it, else 1 after printing
 * the first differing line as a unified diff hunk. 2 on bad arguments. */
int ctl_deploy_swanctl(const struct config *cf, int argc, char **argv);

/* PKI commands (ctl_pki.c, ctl_pki_dn.c, ctl_pki_show.c), no loaded configuration
 * (cc_needs_config 0): "pki key -o FILE [--force]" writes a new EC P-256 key (PEM, 0600,
 * atomically, refusing to replace FILE without --force); "pki csr --key FILE [--subject DN]
 * [--san DNS:N|IP:A]... [--for tls|vpn] -o FILE [--force]" writes a PKCS#10 request (0644),
 * loading ctl_config_file only for the default subject; "pki show CERT" prints the
 * certificate's facts and the subject / sha256 / vpn identity lines for hashid.yaml,
 * warnings to stderr. Each returns 0, 1 on failure (printed, naming the file), 2 on bad
 * arguments. */
int ctl_pki_key(const struct config *cf, int argc, char **argv);
int ctl_pki_csr(const struct config *cf, int argc, char **argv);
int ctl_pki_show(const struct config *cf, int argc, char **argv);

/* "scenario check FILE" and "scenario run FILE [--netns] [--report DIR] [--dir DIR]
 * [--keep] [--hashid PATH]" (ctl_scenario.c), no configuration: check loads FILE and prints what it
 * holds, or every error as file:line:col (1); run runs it (gateway/scn_run.h), a line per
 * step, and returns 0 when every expectation held, 1 when one failed, 2 when it could not
 * be run. */
int ctl_scenario_check(const struct config *cf, int argc, char **argv);
int ctl_scenario_run(const struct config *cf, int argc, char **argv);

#endif
