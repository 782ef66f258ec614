/*
 * gateway/scn_net: see scn_net.h. The namespaces themselves: made with `ip`, entered
 * with setns(2), deleted with umount2 + unlink. Their names carry the runner's PID
 * (hashi-scn-<pid>-<n>, hashi-scn-<pid>-br) so that a later run can tell which are left
 * over from a run that no longer exists.
 */
#define _GNU_SOURCE	/* setns */
#include "gateway/scn_net_int.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"
#include "gateway/scn_proc.h"

#define SCN_NET_DIR	"/run/netns"
#define SCN_NET_PREFIX	"hashi-scn-"
#define SCN_NET_CMD_MS	10000

/* The namespaces this process made, for scn_net_kill_all: written outside signal
 * handlers only (an entry is complete before the count covers it). */
static char scn_net_made[SCN_NET_MAX_REGIONS + 1][64];
static volatile sig_atomic_t scn_net_nmade;

/* Deletes namespace PATH as `ip netns delete` does. Async-signal-safe. */
static void
scn_net_delete_path(const char *path)
{
	(void)umount2(path, MNT_DETACH);
	(void)unlink(path);
}

void
scn_net_kill_all(void)
{
	sig_atomic_t i;

	for (i = scn_net_nmade; i > 0; i--)
		scn_net_delete_path(scn_net_made[i - 1]);
	scn_net_nmade = 0;
}

/* Returns 1 while process PID exists and is not a zombie (a runner killed outright stays
 * one until its parent reaps it, and its namespaces are left over all the same). */
static int
scn_net_alive(long pid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	if (kill((pid_t)pid, 0) == -1 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last parenthesis */
	return (paren = strrchr(buf, ')')) == NULL || paren[1] != ' ' || paren[2] != 'Z';
}

/* Deletes the namespaces of runs whose runner no longer exists. */
static void
scn_net_sweep(void)
{
	char path[sizeof(SCN_NET_DIR) + 300], *end;
	struct dirent *de;
	long pid;
	DIR *d;

	if ((d = opendir(SCN_NET_DIR)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, SCN_NET_PREFIX, strlen(SCN_NET_PREFIX)) != 0)
			continue;
		pid = strtol(de->d_name + strlen(SCN_NET_PREFIX), &end, 10);
		/* our own PID too: nothing is made yet, so that is a dead run's whose PID
		 * came round again */
		if (pid <= 0 || *end != '-' || (pid != getpid() && scn_net_alive(pid)))
			continue;	/* not ours, or its runner still exists */
		snprintf(path, sizeof(path), "%s/%s", SCN_NET_DIR, de->d_name);
		scn_net_delete_path(path);
	}
	closedir(d);
}

/* Runs ARGV (argv[0] found on PATH) to its end with its output in NET's log. Returns 0, or
 * -1 with the command and its status in ERR. */
int
scn_net_run(struct scn_net *net, char *const argv[], char *err, size_t errsz)
{
	struct scn_proc *p;
	struct strbuf cmd = { 0 };
	size_t k;
	int st;

	for (k = 0; argv[k] != NULL; k++)
		strbuf_printf(&cmd, "%s%s", k > 0 ? " " : "", argv[k]);
	if (net->sn_log_fp != NULL) {
		fprintf(net->sn_log_fp, "+ %s\n", cmd.sb_failed ? argv[0] : cmd.sb_data);
		fflush(net->sn_log_fp);
	}
	if ((p = scn_proc_start(argv[0], argv, net->sn_log, err, errsz)) == NULL) {
		strbuf_reset(&cmd);
		return -1;
	}
	st = scn_proc_wait(p, SCN_NET_CMD_MS);
	scn_proc_free(p);
	if (st != 0)
		snprintf(err, errsz, "%s: %s (see %s)", cmd.sb_failed ? argv[0] : cmd.sb_data,
		    st == -1 ? "no end within 10 s" : "failed", net->sn_log);
	strbuf_reset(&cmd);
	return st == 0 ? 0 : -1;
}

/* Runs "ip ARG..." (NULL-terminated) as scn_net_run does. */
static int
scn_net_ip(struct scn_net *net, char *err, size_t errsz, ...)
{
	char *argv[24];
	size_t n = 0;
	va_list ap;

	argv[n++] = (char *)(uintptr_t)"ip";
	va_start(ap, errsz);
	while (n < 23 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return scn_net_run(net, argv, err, errsz);
}

/* Names region I's namespace (I == nregions: the bridge's) into BUF. */
static char *
scn_net_name(const struct scn_net *net, size_t i, char *buf, size_t bufsz)
{
	if (i == net->sn_nregions)
		snprintf(buf, bufsz, "%s%ld-br", SCN_NET_PREFIX, (long)net->sn_pid);
	else
		snprintf(buf, bufsz, "%s%ld-%zu", SCN_NET_PREFIX, (long)net->sn_pid, i + 1);
	return buf;
}

/* Adds namespace I and remembers it for deletion. */
static int
scn_net_add(struct scn_net *net, size_t i, char *err, size_t errsz)
{
	char name[48];
	sig_atomic_t n = scn_net_nmade;

	scn_net_name(net, i, name, sizeof(name));
	if (scn_net_ip(net, err, errsz, "netns", "add", name, (char *)NULL) == -1)
		return -1;
	snprintf(scn_net_made[n], sizeof(scn_net_made[n]), "%s/%s", SCN_NET_DIR, name);
	scn_net_nmade = n + 1;
	return 0;
}

/* The MAC address of region I's eth0: fixed, so that every region knows every other's. */
static void
scn_net_mac(size_t i, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "02:00:c0:00:02:%02x", (unsigned)((i + 1) & 0xff));	/* <= 250 */
}

/* Writes the ip batch that sets up region I inside its namespace into PATH: its addresses,
 * the route that loses what no tunnel carries, and every other region as a permanent
 * neighbour. Permanent because the kernel's ARP table is one for all namespaces and
 * holds 1024 learnt entries by default (gc_thresh3): 47 regions that each learn 46
 * others overflow it ("neighbor table overflow"), and packets are dropped; permanent
 * entries are not counted. */
static int
scn_net_batch(const struct scn_net *net, size_t i, const char *path, char *err, size_t errsz)
{
	char mac[24];
	size_t k;
	FILE *f;
	int bad;

	if ((f = fopen(path, "we")) == NULL) {
		snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "link set lo up\naddr add 192.0.2.%zu/24 dev eth0\nlink set eth0 up\n", i + 1);
	for (k = 0; k < net->sn_npurposes; k++)
		fprintf(f, "addr add 10.%zu.%zu.1/32 dev lo\n", i + 1, k + 1);
	fprintf(f, "neigh add 192.0.2.254 lladdr 02:00:00:00:00:fe dev eth0 nud permanent\n"
	    "route add 10.0.0.0/8 via 192.0.2.254 dev eth0\n");
	for (k = 0; k < net->sn_nregions; k++) {
		if (k == i)
			continue;
		scn_net_mac(k, mac, sizeof(mac));
		fprintf(f, "neigh add 192.0.2.%zu lladdr %s dev eth0 nud permanent\n", k + 1, mac);
	}
	bad = ferror(f);
	if (fclose(f) == EOF || bad) {
		snprintf(err, errsz, "cannot write %s", path);
		return -1;
	}
	return 0;
}

/* Region I: its namespace, its end of a veth on the bridge (the other end moved into the
 * region's namespace: no interface is ever made on the host), and its batch run in it. */
static int
scn_net_region(struct scn_net *net, size_t i, char *err, size_t errsz)
{
	char ns[48], br[48], veth[16], mac[24], batch[1200];

	scn_net_name(net, i, ns, sizeof(ns));
	scn_net_name(net, net->sn_nregions, br, sizeof(br));
	snprintf(veth, sizeof(veth), "v%zu", i + 1);
	scn_net_mac(i, mac, sizeof(mac));
	snprintf(batch, sizeof(batch), "%s/netns-%zu.ip", net->sn_dir, i + 1);
	return scn_net_add(net, i, err, errsz) == -1 ||
	    scn_net_ip(net, err, errsz, "-n", br, "link", "add", veth, "type", "veth", "peer",
	    "name", "eth0", "address", mac, "netns", ns, (char *)NULL) == -1 ||
	    scn_net_ip(net, err, errsz, "-n", br, "link", "set", veth, "master", "br0", "up",
	    (char *)NULL) == -1 ||
	    scn_net_batch(net, i, batch, err, errsz) == -1 ||
	    scn_net_ip(net, err, errsz, "-n", ns, "-batch", batch, (char *)NULL) == -1 ? -1 : 0;
}

struct scn_net *
scn_net_new(size_t nregions, size_t npurposes, const char *dir, char *err, size_t errsz)
{
	struct scn_net *net;
	char br[48], log[1100];
	size_t i;

	if (nregions > SCN_NET_MAX_REGIONS || npurposes > SCN_NET_MAX_PURPOSES) {
		snprintf(err, errsz, "--netns: at most %d regions with %d purposes each",
		    SCN_NET_MAX_REGIONS, SCN_NET_MAX_PURPOSES);
		return NULL;
	}
	if (scn_net_nmade != 0) {
		snprintf(err, errsz, "--netns: one network at a time");
		return NULL;
	}
	if (snprintf(log, sizeof(log), "%s/network.log", dir) >= (int)sizeof(log)) {
		snprintf(err, errsz, "--netns: the run directory's path is too long");
		return NULL;
	}
	if ((net = calloc(1, sizeof(*net))) == NULL ||
	    (net->sn_charons = calloc(nregions + 1, sizeof(*net->sn_charons))) == NULL ||
	    (net->sn_dir = str_dup(dir)) == NULL || (net->sn_log = str_dup(log)) == NULL) {
		snprintf(err, errsz, "out of memory");
		scn_net_free(net);
		return NULL;
	}
	net->sn_nregions = nregions;
	net->sn_npurposes = npurposes;
	net->sn_pid = getpid();
	net->sn_log_fp = fopen(log, "ae");
	if ((net->sn_home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "--netns: cannot open /proc/self/ns/net: %s", strerror(errno));
		goto fail;
	}
	scn_net_sweep();
	scn_net_name(net, nregions, br, sizeof(br));
	if (scn_net_add(net, nregions, err, errsz) == -1 ||
	    scn_net_ip(net, err, errsz, "-n", br, "link", "set", "lo", "up", (char *)NULL) == -1 ||
	    scn_net_ip(net, err, errsz, "-n", br, "link", "add", "br0", "type", "bridge",
	    (char *)NULL) == -1 ||
	    scn_net_ip(net, err, errsz, "-n", br, "link", "set", "br0", "up", (char *)NULL) == -1)
		goto fail;
	for (i = 0; i < nregions; i++)
		if (scn_net_region(net, i, err, errsz) == -1)
			goto fail;
	return net;
fail:
	scn_net_free(net);
	return NULL;
}

void
scn_net_free(struct scn_net *net)
{
	size_t i;

	if (net == NULL)
		return;
	scn_net_leave(net);
	/* every charon told first, then each waited for: they shut down together */
	for (i = 0; net->sn_charons != NULL && i < net->sn_nregions; i++)
		if (net->sn_charons[i].nc_proc != NULL)
			(void)scn_proc_terminate(net->sn_charons[i].nc_proc);
	for (i = 0; net->sn_charons != NULL && i < net->sn_nregions; i++)
		scn_net_charon_free(&net->sn_charons[i]);
	scn_net_kill_all();
	if (net->sn_home > 0)
		close(net->sn_home);
	if (net->sn_log_fp != NULL)
		fclose(net->sn_log_fp);
	free(net->sn_charons);
	free(net->sn_dir);
	free(net->sn_log);
	free(net);
}

const char *
scn_net_outer(size_t i, char *buf, size_t bufsz)
{
	int n;

	if (i >= SCN_NET_MAX_REGIONS)
		return NULL;
	n = snprintf(buf, bufsz, "192.0.2.%zu", i + 1);
	return n < 0 || (size_t)n >= bufsz ? NULL : buf;
}

const char *
scn_net_inner(size_t i, size_t p, char *buf, size_t bufsz)
{
	int n;

	if (i >= SCN_NET_MAX_REGIONS || p >= SCN_NET_MAX_PURPOSES)
		return NULL;
	n = snprintf(buf, bufsz, "10.%zu.%zu.1", i + 1, p + 1);
	return n < 0 || (size_t)n >= bufsz ? NULL : buf;
}

int
scn_net_enter(struct scn_net *net, size_t i)
{
	char name[48], path[sizeof(SCN_NET_DIR) + 64];
	int fd, rc;

	if (net == NULL)
		return 0;
	if (i >= net->sn_nregions) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", SCN_NET_DIR, scn_net_name(net, i, name,
	    sizeof(name)));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	net->sn_entered = rc == 0;
	return rc;
}

void
scn_net_leave(struct scn_net *net)
{
	if (net == NULL || !net->sn_entered)
		return;
	/* the runner's own namespace: failing to get back would send the rest of the run
	 * into a region's network, so it is not ignored */
	if (setns(net->sn_home, CLONE_NEWNET) == -1) {
		dprintf(STDERR_FILENO, "scenario: cannot return to the runner's network: %s\n",
		    strerror(errno));
		scn_proc_kill_all();
		scn_net_kill_all();
		_exit(2);
	}
	net->sn_entered = 0;
}

/* Returns 1 when NAME is an executable on PATH. */
static int
scn_net_on_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	char buf[1024];

	for (p = path != NULL ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *p != '\0';
	    p = *colon != '\0' ? colon + 1 : colon) {
		if ((colon = strchr(p, ':')) == NULL)
			colon = p + strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(colon - p), p, name);
		if (access(buf, X_OK) == 0)
			return 1;
	}
	return 0;
}

const char *
scn_net_unusable(const char *run_dir, char *buf, size_t bufsz)
{
	static const char *const tools[] = { "ip", "unshare", "mount", "sh", "env", "swanctl",
		NULL };
	/* what the charons load (scn_net_charon.c) beyond the core, with their Debian
	 * packages */
	static const char *const plugins[][2] = { { "kernel-libipsec",
		"libcharon-extra-plugins" }, { "kdf", "libstrongswan" }, { "vici",
		"strongswan-swanctl" }, { "gcm", "libstrongswan-standard-plugins" },
		{ "curve25519", "libstrongswan-extra-plugins" }, { "openssl",
		"libstrongswan-standard-plugins" }, { "pem", "libstrongswan" }, { "x509",
		"libstrongswan" }, { NULL, NULL } };
	const char *charon = getenv("HASHI_CHARON");
	char real[4096], plugin[256];
	size_t k;
	int fd;

	if (charon == NULL || charon[0] == '\0')
		charon = SCN_NET_CHARON;
	if (geteuid() != 0) {
		snprintf(buf, bufsz, "not root (network namespaces and charon need root)");
		return buf;
	}
	for (k = 0; tools[k] != NULL; k++)
		if (!scn_net_on_path(tools[k])) {
			snprintf(buf, bufsz, "%s not found on PATH%s", tools[k],
			    strcmp(tools[k], "swanctl") == 0 ? " (strongswan-swanctl)" : "");
			return buf;
		}
	if (access(charon, X_OK) != 0) {
		snprintf(buf, bufsz, "%s not found (strongswan-charon; HASHI_CHARON names "
		    "another)", charon);
		return buf;
	}
	for (k = 0; plugins[k][0] != NULL; k++) {
		snprintf(plugin, sizeof(plugin), "%s/libstrongswan-%s.so", SCN_NET_PLUGINS,
		    plugins[k][0]);
		if (access(plugin, R_OK) != 0) {
			snprintf(buf, bufsz, "strongSwan plugin %s not found (%s; Debian package "
			    "%s)", plugins[k][0], plugin, plugins[k][1]);
			return buf;
		}
	}
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) == -1) {
		snprintf(buf, bufsz, "/dev/net/tun cannot be opened: %s", strerror(errno));
		return buf;
	}
	close(fd);
	/* each charon's /run is a tmpfs of its own: a vici socket under /run would be hidden */
	if (realpath(run_dir, real) != NULL && strncmp(real, "/run/", 5) == 0) {
		snprintf(buf, bufsz, "the run directory %s is under /run (give another --dir)",
		    real);
		return buf;
	}
	return NULL;
}
