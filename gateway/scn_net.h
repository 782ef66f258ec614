/*
 * gateway/scn_net: the network of a scenario run with --netns, as the regions of a real
 * federation have it: each region in a network namespace of its own, plugged into one
 * bridge (in a namespace of its own too: no interface is ever made on the host), with its
 * outer address 192.0.2.<n>/24 and one inner address 10.<n>.<p>.1/32 per purpose, and a
 * strongSwan charon per region (userspace ESP: kernel-libipsec) that carries the purposes
 * between inner addresses in CHILD_SAs. Every eth0 has a fixed MAC address and every
 * region knows the others' as permanent neighbours (no ARP). A packet for an inner address
 * no CHILD_SA carries is lost (10.0.0.0/8 is routed to a next hop nobody answers for), as
 * on a real network.
 *
 * The namespaces are made with iproute2's `ip` and deleted as `ip netns delete` does
 * (detach the /run/netns mount, unlink), which a signal handler may do too
 * (scn_net_kill_all): a run interrupted by Ctrl-C leaves nothing behind. Namespaces left by
 * a run that was killed outright (named after its PID) are deleted by the next run.
 * Region I is numbered I + 1 in addresses and names; at most SCN_NET_MAX_REGIONS regions.
 */
#ifndef HASHI_GATEWAY_SCN_NET_H
#define HASHI_GATEWAY_SCN_NET_H

#include <stddef.h>

#define SCN_NET_MAX_REGIONS	250
#define SCN_NET_MAX_PURPOSES	250
#define SCN_NET_INNER_PORT	8443	/* the gateways' listeners on their inner addresses */
#define SCN_NET_CHARON		"/usr/lib/ipsec/charon"	/* $HASHI_CHARON overrides */
#define SCN_NET_PLUGINS		"/usr/lib/ipsec/plugins"	/* Debian's, for charon's */

struct scn_net;

/* Writes into BUF why --netns cannot run on this machine (not root, a tool or strongSwan
 * plugin missing, no TUN device, RUN_DIR under /run, which each charon's private /run
 * hides) and returns BUF; returns NULL when it can. */
const char *scn_net_unusable(const char *run_dir, char *buf, size_t bufsz);

/* Makes the namespaces for NREGIONS regions with up to NPURPOSES purposes each (see the
 * top), after deleting those of runs that no longer exist. Every command run and its
 * output go to DIR/network.log, the ip batch of region n to DIR/netns-<n>.ip. Returns
 * the network, or NULL with the reason in ERR (anything made is deleted again). */
struct scn_net *scn_net_new(size_t nregions, size_t npurposes, const char *dir, char *err,
    size_t errsz);

/* Stops every charon and deletes every namespace of NET (the processes started in them
 * must have been stopped), then frees NET. NULL accepted. */
void scn_net_free(struct scn_net *net);

/* Deletes every namespace made by this process, without waiting: for a SIGINT / SIGTERM
 * handler, after scn_proc_kill_all. Async-signal-safe. */
void scn_net_kill_all(void);

/* Region I's outer address, and its inner address for its purpose number P (0-based),
 * as text into BUF. Return BUF, or NULL when out of range. */
const char *scn_net_outer(size_t i, char *buf, size_t bufsz);
const char *scn_net_inner(size_t i, size_t p, char *buf, size_t bufsz);

/* Moves this process into region I's namespace (NET NULL: nothing to do; returns 0):
 * sockets made and processes started until scn_net_leave are in it. Returns 0 or -1. */
int scn_net_enter(struct scn_net *net, size_t i);

/* Back to the runner's own namespace. NET NULL accepted. */
void scn_net_leave(struct scn_net *net);

/* Starts region I's charon (NAME names it in messages) in its namespace, with its files
 * in DIR (made 0700: strongswan.conf, charon.log, the vici socket charon.vici and the
 * swanctl directory), and waits until its vici socket answers. Returns 0, or -1 with the
 * reason in ERR. */
int scn_net_charon_start(struct scn_net *net, size_t i, const char *name, const char *dir,
    char *err, size_t errsz);

/* Region I's vici socket path (borrowed), or NULL before its charon started. */
const char *scn_net_vici(const struct scn_net *net, size_t i);

/* Loads the swanctl.conf text CONF (LEN bytes) into region I's charon, with the private
 * key file KEY linked into its swanctl directory. Returns 0, or -1 with the reason in ERR
 * (swanctl's output is in network.log). */
int scn_net_charon_load(struct scn_net *net, size_t i, const char *conf, size_t len,
    const char *key, char *err, size_t errsz);

/* A CHILD_SA to bring up: CHILD of connection IKE, asked of region NC_REGION's charon. */
struct scn_net_child {
	size_t		 nc_region;
	const char	*nc_ike, *nc_child;
};

/* Brings up the N CHILD_SAs of LIST (with swanctl --initiate, which gives up after 10 s;
 * each is waited for at most 15 s), several at once: two of one connection must not be in
 * the list (both would make an IKE_SA; bring the first of each pair up in one call, the
 * others in the next).
 * Returns 0, or -1 with the first failure in ERR (the others are still waited for). */
int scn_net_initiate_all(struct scn_net *net, const struct scn_net_child *list, size_t n,
    char *err, size_t errsz);

/* Lists the CHILD_SAs of region I's charon with their counters (gateway/vici.h; *CHILDREN
 * malloc'd, caller frees). Returns 0, or -1 with the reason in ERR. */
struct vici_child;
int scn_net_children(struct scn_net *net, size_t i, struct vici_child **children, size_t *n,
    char *err, size_t errsz);

#endif
