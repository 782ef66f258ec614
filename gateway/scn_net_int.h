/*
 * gateway/scn_net_int: what scn_net.c (namespaces), scn_net_charon.c (a charon per region)
 * and scn_net_initiate.c (the CHILD_SAs brought up) share. Not for other modules.
 */
#ifndef HASHI_GATEWAY_SCN_NET_INT_H
#define HASHI_GATEWAY_SCN_NET_INT_H

#include <stdio.h>
#include <sys/types.h>

#include "gateway/scn_net.h"

struct scn_proc;

struct scn_net_charon {
	struct scn_proc	*nc_proc;	/* NULL when not started */
	char		*nc_dir;	/* its files */
	char		*nc_conf;	/* <dir>/strongswan.conf */
	char		*nc_vici;	/* <dir>/charon.vici */
	char		*nc_name;	/* the region's name */
};

struct scn_net {
	size_t			 sn_nregions, sn_npurposes;
	pid_t			 sn_pid;	/* the runner's: in the namespaces' names */
	int			 sn_home;	/* the runner's own network namespace */
	int			 sn_entered;	/* in a region's namespace now */
	char			*sn_dir;	/* for its files: the run directory */
	char			*sn_log;	/* the commands' output: <dir>/network.log */
	FILE			*sn_log_fp;	/* the same file, for the command lines */
	struct scn_net_charon	*sn_charons;	/* one per region */
};

/* Runs ARGV (argv[0] found on PATH) to its end (at most 10 s), its output in NET's log.
 * Returns 0, or -1 with the command and why in ERR. */
int scn_net_run(struct scn_net *net, char *const argv[], char *err, size_t errsz);

/* A swanctl command line against one charon, with the buffers it points into. */
#define SCN_SWANCTL_ARGS	20
struct scn_swanctl_argv {
	char	 sa_conf[1200], sa_dir[1200], sa_uri[1200];
	char	*sa_argv[SCN_SWANCTL_ARGS];
};

/* Fills A with "env STRONGSWAN_CONF=.. SWANCTL_DIR=.. swanctl ARGS... --uri unix://<vici>"
 * for C's charon (ARGS NULL-terminated, at most 14; borrowed by A). */
void scn_net_swanctl_argv(const struct scn_net_charon *c, char *const args[],
    struct scn_swanctl_argv *a);

/* Stops C's charon (if running) and frees what C holds. */
void scn_net_charon_free(struct scn_net_charon *c);

#endif
