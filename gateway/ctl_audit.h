/*
 * gateway/ctl_audit: what the two halves of `hashictl audit` share (ctl_audit.c: keys,
 * verify, proofs; ctl_audit_search.c: search and export): the per-command context, the
 * option parser, and opening a log with the fail-closed "audit log used" record.
 */
#ifndef HASHI_GATEWAY_CTL_AUDIT_H
#define HASHI_GATEWAY_CTL_AUDIT_H

#include <limits.h>
#include <stdio.h>

#include "audit/auditlog.h"
#include "audit/export.h"
#include "audit/search.h"
#include "gateway/config.h"

/* Options a command accepts (bits of ca_allowed). */
enum {
	CA_DIR = 1 << 0, CA_VKEY = 1 << 1, CA_KEY = 1 << 2, CA_NAME = 1 << 3, CA_OUT = 1 << 4,
	CA_SINCE_CKPT = 1 << 5, CA_FILTERS = 1 << 6, CA_FORMAT = 1 << 7
};
#define CA_MAXPOS	2	/* positional arguments */

/* One `hashictl audit` command being run. */
struct ctl_audit {
	const char		*ca_cmd;	/* "verify", ... for messages */
	unsigned		 ca_allowed;
	struct config		*ca_cf;		/* loaded on demand, owned */
	const char		*ca_dir;	/* --dir, or <state_dir>/audit */
	const char		*ca_vkey;	/* --vkey, or the signing key's path + ".pub" */
	const char		*ca_key;	/* --key */
	const char		*ca_name;	/* --name */
	const char		*ca_out;	/* -o */
	const char		*ca_since;	/* verify --since CHECKPOINT_FILE */
	const char		*ca_pos[CA_MAXPOS];
	int			 ca_npos;
	int			 ca_live;	/* the appliance's own log: reads are audited */
	int			 ca_argc;	/* the command's arguments, for the record */
	char			**ca_argv;
	struct search_query	 ca_q;
	enum export_format	 ca_fmt;	/* 0: not given */
	char			 ca_src[ATNA_SUMMARY_FIELD];
	char			 ca_dst[ATNA_SUMMARY_FIELD];
	char			 ca_dirbuf[PATH_MAX];
	char			 ca_vkeybuf[PATH_MAX];
	char			 ca_keybuf[PATH_MAX];
	struct note_verifier	*ca_v;
	struct auditlog		*ca_log;
};

/* Parses ARGV (ARGC) of command CMD, accepting the options ALLOWED and NPOS positional
 * arguments, into *A (zeroed first). Returns 0, or 2 (usage; message printed). */
int ctl_audit_args(struct ctl_audit *a, const char *cmd, unsigned allowed, int npos,
    int argc, char **argv);

/* Resolves the log dir and the vkey (loading the configuration when one of them is not
 * given), loads the verifier, opens the log and, for the live log, appends and commits the
 * "audit log used" record before anything is shown. Returns 0, or 1 (message printed):
 * the command must then refuse. */
int ctl_audit_open(struct ctl_audit *a);

/* Loads the verifier of A's vkey (resolving it first). Returns 0, or 1 (printed). */
int ctl_audit_verifier(struct ctl_audit *a);

/* Opens A's output: -o FILE (created 0600, truncated) or stdout. Returns it or NULL. */
FILE *ctl_audit_output(const struct ctl_audit *a);

/* Closes OUT if it is not stdout. Returns 0, or -1 (message printed) on a write error. */
int ctl_audit_output_close(const struct ctl_audit *a, FILE *out);

/* Releases what A holds. */
void ctl_audit_done(struct ctl_audit *a);

/* Applies the search filter option OPT with value VAL to A. Returns 0 or 2 (printed). */
int ctl_audit_filter(struct ctl_audit *a, const char *opt, const char *val);

#endif
