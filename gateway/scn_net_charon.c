/*
 * gateway/scn_net_charon: a strongSwan charon per region of a --netns run (see scn_net.h).
 * Each runs in its region's network namespace and in a private mount namespace whose /run
 * is a tmpfs of its own, because charon writes /var/run/charon.pid whatever its
 * configuration says; its vici socket is a file in the run directory, which the runner
 * (and the region's hashid) reach from any network namespace. Userspace ESP
 * (kernel-libipsec): machines without ESP in the kernel run it too.
 */
#include "gateway/scn_net_int.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/fdio.h"
#include "common/str.h"
#include "gateway/gw.h"
#include "gateway/vici.h"
#include "gateway/scn_proc.h"

#define SCN_CHARON_START_MS	10000
#define SCN_CHARON_STOP_MS	5000

/* The plugins: without kdf no IKE key derivation; kernel-libipsec for ESP in user space. */
#define SCN_CHARON_PLUGINS	"random nonce aes sha1 sha2 hmac kdf gcm curve25519 openssl " \
	"pem pkcs1 pkcs8 x509 revocation constraints pubkey kernel-libipsec kernel-netlink " \
	"socket-default vici"
#define SCN_SWANCTL_PLUGINS	"random nonce aes sha1 sha2 hmac gcm openssl pem pkcs1 pkcs8 " \
	"x509 pubkey"

/* What swanctl wants to find in its directory (it complains of any missing). */
static const char *const scn_swanctl_dirs[] = { "x509", "x509ca", "x509ocsp", "x509aa",
	"x509ac", "x509crl", "pubkey", "private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12",
	NULL };

/* Writes LEN bytes of TEXT to PATH (0600, replaced). Returns 0 or -1 with ERR. */
static int
scn_charon_write(const char *path, const char *text, size_t len, char *err, size_t errsz)
{
	if (fdio_write_file(path, text, len) == -1) {
		snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* C's directory, swanctl directory and strongswan.conf. */
static int
scn_charon_files(struct scn_net_charon *c, char *err, size_t errsz)
{
	struct strbuf sb = { 0 };
	char sub[1200];
	size_t k;
	int ret;

	snprintf(sub, sizeof(sub), "%s/swanctl", c->nc_dir);
	if (mkdir(c->nc_dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "cannot make %s: %s", c->nc_dir, strerror(errno));
		return -1;
	}
	if (mkdir(sub, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "cannot make %s: %s", sub, strerror(errno));
		return -1;
	}
	for (k = 0; scn_swanctl_dirs[k] != NULL; k++) {
		snprintf(sub, sizeof(sub), "%s/swanctl/%s", c->nc_dir, scn_swanctl_dirs[k]);
		if (mkdir(sub, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errsz, "cannot make %s: %s", sub, strerror(errno));
			return -1;
		}
	}
	/* swanctl's syntax: one "key = value" per line */
	strbuf_printf(&sb, "# charon of region %s, written by hashictl scenario run --netns\n"
	    "charon {\n\tload = %s\n\tinstall_virtual_ip = no\n"
	    "\tplugins {\n\t\tvici {\n\t\t\tsocket = unix://%s\n\t\t}\n\t}\n"
	    "\tfilelog {\n\t\tcharon {\n\t\t\tpath = %s/charon.log\n"
	    "\t\t\ttime_format = %%H:%%M:%%S\n\t\t\tflush_line = yes\n\t\t\tdefault = 1\n"
	    "\t\t}\n\t}\n"
	    "\tsyslog {\n\t\tdaemon {\n\t\t\tdefault = -1\n\t\t}\n\t}\n}\n"
	    "swanctl {\n\tload = %s\n\tsocket = unix://%s\n}\n", c->nc_name,
	    SCN_CHARON_PLUGINS, c->nc_vici, c->nc_dir, SCN_SWANCTL_PLUGINS, c->nc_vici);
	ret = sb.sb_failed ? -1 : scn_charon_write(c->nc_conf, sb.sb_data, sb.sb_len, err,
	    errsz);
	strbuf_reset(&sb);
	return ret;
}

/* Returns 1 when PATH's unix socket accepts a connection now. */
static int
scn_charon_answers(const char *path)
{
	struct sockaddr_un sun;
	int fd, ok;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memcpy(sun.sun_path, path, strlen(path));
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

/* Sets C's paths for region NAME with its files in DIR. */
static int
scn_charon_paths(struct scn_net_charon *c, const char *name, const char *dir)
{
	size_t len = strlen(dir) + 32;

	if ((c->nc_dir = str_dup(dir)) == NULL || (c->nc_name = str_dup(name)) == NULL ||
	    (c->nc_conf = malloc(len)) == NULL || (c->nc_vici = malloc(len)) == NULL)
		return -1;
	snprintf(c->nc_conf, len, "%s/strongswan.conf", dir);
	snprintf(c->nc_vici, len, "%s/charon.vici", dir);
	return 0;
}

int
scn_net_charon_start(struct scn_net *net, size_t i, const char *name, const char *dir,
    char *err, size_t errsz)
{
	struct scn_net_charon *c = &net->sn_charons[i];
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	char env[1200], log[1200], *charon = getenv("HASHI_CHARON");
	char *argv[] = { "env", env, "unshare", "-m", "--propagation", "private", "sh", "-c",
		"mount -t tmpfs -o mode=0755 hashi-run /run && exec \"$0\"", NULL, NULL };
	long long end;
	int rc;

	argv[9] = charon != NULL && charon[0] != '\0' ? charon : SCN_NET_CHARON;
	if (c->nc_proc != NULL) {
		snprintf(err, errsz, "%s: charon runs already", name);
		return -1;
	}
	scn_net_charon_free(c);
	if (scn_charon_paths(c, name, dir) == -1) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (strlen(c->nc_vici) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		snprintf(err, errsz, "%s: the vici socket path %s is too long for a unix socket "
		    "(use a shorter --dir)", name, c->nc_vici);
		return -1;
	}
	if (scn_charon_files(c, err, errsz) == -1)
		return -1;
	snprintf(env, sizeof(env), "STRONGSWAN_CONF=%s", c->nc_conf);
	snprintf(log, sizeof(log), "%s/charon.out", dir);
	if (scn_net_enter(net, i) == -1) {
		snprintf(err, errsz, "%s: cannot enter its network namespace: %s", name,
		    strerror(errno));
		return -1;
	}
	c->nc_proc = scn_proc_start("charon", argv, log, err, errsz);
	scn_net_leave(net);
	if (c->nc_proc == NULL)
		return -1;
	for (end = gw_now_ms() + SCN_CHARON_START_MS; gw_now_ms() < end; nanosleep(&pause, NULL)) {
		if (!scn_proc_alive(c->nc_proc)) {
			rc = scn_proc_wait(c->nc_proc, 0);	/* reaped: its status */
			snprintf(err, errsz, "%s: charon ended (status %d) before its vici socket "
			    "answered (see %s and %s/charon.log)", name, rc, log, dir);
			return -1;
		}
		if (scn_charon_answers(c->nc_vici))
			return 0;
	}
	snprintf(err, errsz, "%s: charon's vici socket does not answer after %d ms (see %s/"
	    "charon.log)", name, SCN_CHARON_START_MS, dir);
	return -1;
}

const char *
scn_net_vici(const struct scn_net *net, size_t i)
{
	return net->sn_charons[i].nc_proc != NULL ? net->sn_charons[i].nc_vici : NULL;
}

void
scn_net_swanctl_argv(const struct scn_net_charon *c, char *const args[],
    struct scn_swanctl_argv *a)
{
	size_t n = 0, k;

	snprintf(a->sa_conf, sizeof(a->sa_conf), "STRONGSWAN_CONF=%s", c->nc_conf);
	snprintf(a->sa_dir, sizeof(a->sa_dir), "SWANCTL_DIR=%s/swanctl", c->nc_dir);
	snprintf(a->sa_uri, sizeof(a->sa_uri), "unix://%s", c->nc_vici);
	a->sa_argv[n++] = "env";
	a->sa_argv[n++] = a->sa_conf;
	a->sa_argv[n++] = a->sa_dir;
	a->sa_argv[n++] = "swanctl";
	for (k = 0; args[k] != NULL && n < SCN_SWANCTL_ARGS - 3; k++)
		a->sa_argv[n++] = args[k];
	a->sa_argv[n++] = "--uri";
	a->sa_argv[n++] = a->sa_uri;
	a->sa_argv[n] = NULL;
}

int
scn_net_charon_load(struct scn_net *net, size_t i, const char *conf, size_t len,
    const char *key, char *err, size_t errsz)
{
	struct scn_net_charon *c = &net->sn_charons[i];
	char file[1200], dest[1400];
	const char *base = strrchr(key, '/');
	struct scn_swanctl_argv a;

	if (c->nc_proc == NULL) {
		snprintf(err, errsz, "region %zu: no charon", i + 1);
		return -1;
	}
	snprintf(file, sizeof(file), "%s/swanctl/swanctl.conf", c->nc_dir);
	snprintf(dest, sizeof(dest), "%s/swanctl/private/%s", c->nc_dir,
	    base != NULL ? base + 1 : key);
	/* swanctl loads every key of private/: the region's own, linked (same run directory) */
	(void)unlink(dest);
	if (link(key, dest) == -1) {
		snprintf(err, errsz, "cannot link %s to %s: %s", key, dest, strerror(errno));
		return -1;
	}
	if (scn_charon_write(file, conf, len, err, errsz) == -1)
		return -1;
	scn_net_swanctl_argv(c, (char *[]){ "--load-all", "--noprompt", "--file", file, NULL },
	    &a);
	return scn_net_run(net, a.sa_argv, err, errsz);
}

void
scn_net_charon_free(struct scn_net_charon *c)
{
	if (c->nc_proc != NULL)
		(void)scn_proc_stop(c->nc_proc, SCN_CHARON_STOP_MS);
	scn_proc_free(c->nc_proc);
	free(c->nc_dir);
	free(c->nc_conf);
	free(c->nc_vici);
	free(c->nc_name);
	memset(c, 0, sizeof(*c));
}

/* What one list-sas gave, for scn_net_children. */
struct scn_charon_list {
	struct vici_child	*cl_children;
	size_t			 cl_n;
	char			 cl_err[160];
	int			 cl_done;
};

static void
scn_charon_listed(void *arg, const char *err, const struct vici_child *children, size_t n)
{
	struct scn_charon_list *l = arg;

	l->cl_done = 1;
	if (err != NULL)
		snprintf(l->cl_err, sizeof(l->cl_err), "%s", err);
	else if (n > 0 && (l->cl_children = calloc(n, sizeof(*children))) == NULL)
		snprintf(l->cl_err, sizeof(l->cl_err), "out of memory");
	else {
		if (n > 0)
			memcpy(l->cl_children, children, n * sizeof(*children));
		l->cl_n = n;
	}
}

int
scn_net_children(struct scn_net *net, size_t i, struct vici_child **children, size_t *n,
    char *err, size_t errsz)
{
	const struct scn_net_charon *c = &net->sn_charons[i];
	struct scn_charon_list l = { 0 };
	struct vici_client *vc = NULL;
	struct event_base *base;

	*children = NULL;
	*n = 0;
	if (c->nc_proc == NULL) {
		snprintf(err, errsz, "region %zu: no charon", i + 1);
		return -1;
	}
	/* the gateway's own vici client, on an event loop of this call's own */
	if ((base = event_base_new()) == NULL ||
	    (vc = vici_client_new(base, c->nc_vici, 5000)) == NULL ||
	    vici_list_sas(vc, scn_charon_listed, &l) == -1)
		snprintf(l.cl_err, sizeof(l.cl_err), "out of memory");
	else
		while (!l.cl_done && event_base_loop(base, EVLOOP_ONCE) == 0)
			;
	vici_client_free(vc);
	if (base != NULL)
		event_base_free(base);
	if (!l.cl_done || l.cl_err[0] != '\0') {
		snprintf(err, errsz, "%s: charon: %s", c->nc_name, l.cl_err[0] != '\0' ?
		    l.cl_err : "no answer");
		free(l.cl_children);
		return -1;
	}
	*children = l.cl_children;
	*n = l.cl_n;
	return 0;
}
