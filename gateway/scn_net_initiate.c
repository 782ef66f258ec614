/*
 * gateway/scn_net_initiate: brings up the CHILD_SAs of a --netns run (see scn_net.h),
 * several swanctl at once: one after the other, the 1081 IKE_SAs of 47 regions took 40 s,
 * most of it each swanctl starting and waiting for its round trips.
 */
#include "gateway/scn_net_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/gw.h"
#include "gateway/scn_proc.h"

#define SCN_INITIATE_PARALLEL	8
/* per charon: each swanctl --initiate holds one of charon's worker threads until its
 * CHILD_SA is up, and with 8 at once hokkaido's charon had none left to read the
 * answers (they waited for the 10 s timeout) */
#define SCN_INITIATE_PER_CHARON	2
#define SCN_INITIATE_MS		15000	/* swanctl gives up after 10 s by itself */

struct scn_initiating {
	struct scn_proc	*ni_proc;	/* NULL: the slot is free */
	size_t		 ni_item;	/* its index in the list */
	long long	 ni_started;
};

/* Starts swanctl --initiate for item K of LIST in slot S. Returns 0 or -1 with ERR. */
static int
scn_initiate_start(struct scn_net *net, const struct scn_net_child *list, size_t k,
    struct scn_initiating *s, char *err, size_t errsz)
{
	const struct scn_net_charon *c = &net->sn_charons[list[k].nc_region];
	struct scn_swanctl_argv a;
	char log[1200];

	if (c->nc_proc == NULL) {
		snprintf(err, errsz, "region %zu: no charon", list[k].nc_region + 1);
		return -1;
	}
	scn_net_swanctl_argv(c, (char *[]){ "--initiate", "--ike",
	    (char *)(uintptr_t)list[k].nc_ike, "--child", (char *)(uintptr_t)list[k].nc_child,
	    "--timeout", "10", NULL }, &a);
	/* each region's in its own log, next to its charon's */
	snprintf(log, sizeof(log), "%s/initiate.log", c->nc_dir);
	if ((s->ni_proc = scn_proc_start("swanctl", a.sa_argv, log, err, errsz)) == NULL)
		return -1;
	s->ni_item = k;
	s->ni_started = gw_now_ms();
	return 0;
}

/* Checks slot S: when its swanctl ended (or ran too long: killed), frees the slot and
 * returns 1, with the failure in ERR if it failed (and ERR was empty); else 0. */
static int
scn_initiate_check(struct scn_net *net, const struct scn_net_child *list,
    struct scn_initiating *s, char *err, size_t errsz)
{
	const struct scn_net_child *it = &list[s->ni_item];
	int late = gw_now_ms() - s->ni_started > SCN_INITIATE_MS, st;

	if (!late && scn_proc_alive(s->ni_proc))
		return 0;
	st = late ? (scn_proc_stop(s->ni_proc, 0), -1) : scn_proc_wait(s->ni_proc, 0);
	scn_proc_free(s->ni_proc);
	s->ni_proc = NULL;
	if (st != 0 && err[0] == '\0')
		snprintf(err, errsz, "%s: CHILD_SA %s to %s not established (%s; see %s/"
		    "initiate.log and charon.log)", net->sn_charons[it->nc_region].nc_name,
		    it->nc_child, it->nc_ike, late ? "no end within 15 s" : "swanctl failed",
		    net->sn_charons[it->nc_region].nc_dir);
	return 1;
}

/* Returns the first item of LIST not started yet (STARTED) whose charon has fewer than
 * SCN_INITIATE_PER_CHARON running in RUN, or N when none may start now. */
static size_t
scn_initiate_next(const struct scn_net_child *list, size_t n, const unsigned char *started,
    const struct scn_initiating *run)
{
	size_t i, k, same;

	for (i = 0; i < n; i++) {
		if (started[i])
			continue;
		for (same = 0, k = 0; k < SCN_INITIATE_PARALLEL; k++)
			same += run[k].ni_proc != NULL &&
			    list[run[k].ni_item].nc_region == list[i].nc_region;
		if (same < SCN_INITIATE_PER_CHARON)
			return i;
	}
	return n;
}

int
scn_net_initiate_all(struct scn_net *net, const struct scn_net_child *list, size_t n,
    char *err, size_t errsz)
{
	struct scn_initiating run[SCN_INITIATE_PARALLEL];
	struct timespec pause = { 0, 2 * 1000 * 1000 };
	size_t left = n, busy = 0, k, i;
	unsigned char *started;

	if ((started = calloc(n + 1, 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	memset(run, 0, sizeof(run));
	err[0] = '\0';
	while (busy > 0 || (left > 0 && err[0] == '\0')) {
		for (k = 0; k < SCN_INITIATE_PARALLEL && left > 0 && err[0] == '\0'; k++) {
			if (run[k].ni_proc != NULL ||
			    (i = scn_initiate_next(list, n, started, run)) == n)
				continue;
			started[i] = 1;
			left--;
			if (scn_initiate_start(net, list, i, &run[k], err, errsz) == 0)
				busy++;
		}
		for (k = 0; k < SCN_INITIATE_PARALLEL; k++)
			if (run[k].ni_proc != NULL && scn_initiate_check(net, list, &run[k], err,
			    errsz))
				busy--;
		nanosleep(&pause, NULL);
	}
	free(started);
	return err[0] == '\0' ? 0 : -1;
}
