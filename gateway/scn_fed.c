/*
 * gateway/scn_fed: see scn_fed.h. Layout of a run directory:
 *   pki/ca.crt, pki/<region>-gw.{crt,key}, pki/<region>-ehr.{crt,key}   TLS
 *   jpki/root.{crt,key}                                                 patients' cards
 *   <region>/hashid.yaml, <region>/hashid.log, <region>/state/          each gateway
 */
#include "gateway/scn_fed_int.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/str.h"
#include "crypto/testpki.h"
#include "gateway/scn_net.h"
#include "gateway/scn_proc.h"

#define SCN_FED_START_MS	20000
#define SCN_FED_STOP_MS		5000

/* Returns a malloc'd "<a>/<fmt ...>", or NULL. */
static char *
scn_fed_path(const char *a, const char *fmt, ...)
{
	char rest[512], *p;
	size_t len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	len = strlen(a) + 1 + (size_t)n + 1;
	if (n < 0 || (size_t)n >= sizeof(rest) || (p = malloc(len)) == NULL)
		return NULL;
	(void)snprintf(p, len, "%s/%s", a, rest);
	return p;
}

/* Creates DIR (0700); an existing empty directory is fine. */
static int
scn_fed_mkdir(const char *dir, char *err, size_t errsz)
{
	if (mkdir(dir, 0700) == 0 || (errno == EEXIST && rmdir(dir) == 0 && mkdir(dir, 0700) == 0))
		return 0;
	snprintf(err, errsz, "cannot make %s: %s (it must not exist, or be empty)", dir,
	    strerror(errno));
	return -1;
}

/* Sets *PORT to a free loopback port no other listener of the run has (*PORT itself may
 * be one of the run's fields: it is written only once chosen). */
static int
scn_fed_port(struct scn_fed *fed, uint16_t *port)
{
	const struct scn_fed_region *fr;
	uint16_t p;
	int tries, dup;
	size_t i, k;

	for (tries = 0; tries < 100; tries++) {
		if (scn_free_port(&p) == -1)
			return -1;
		for (dup = 0, i = 0; i < fed->fd_nregions && !dup; i++) {
			fr = &fed->fd_regions[i];
			dup = fr->fr_admin == p;
			for (k = 0; fr->fr_ports != NULL && k < fr->fr_sr->npurposes; k++)
				dup |= fr->fr_ports[k] == p;
		}
		if (!dup) {
			*port = p;
			return 0;
		}
	}
	return -1;
}

/* Paths, ports and certificates of region I. */
static int
scn_fed_region(struct scn_fed *fed, struct testpki_ca *ca, size_t i, char *err, size_t errsz)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];
	const char *name = fr->fr_sr->name;
	char fpr[TESTPKI_FPR_MAX], base[128];
	size_t k;

	if ((fr->fr_dir = scn_fed_path(fed->fd_dir, "%s", name)) == NULL ||
	    (fr->fr_config = scn_fed_path(fr->fr_dir, "hashid.yaml")) == NULL ||
	    (fr->fr_log = scn_fed_path(fr->fr_dir, "hashid.log")) == NULL ||
	    (fr->fr_gw_cert = scn_fed_path(fed->fd_dir, "pki/%s-gw.crt", name)) == NULL ||
	    (fr->fr_gw_key = scn_fed_path(fed->fd_dir, "pki/%s-gw.key", name)) == NULL ||
	    (fr->fr_ehr_cert = scn_fed_path(fed->fd_dir, "pki/%s-ehr.crt", name)) == NULL ||
	    (fr->fr_ehr_key = scn_fed_path(fed->fd_dir, "pki/%s-ehr.key", name)) == NULL ||
	    (fr->fr_ports = calloc(fr->fr_sr->npurposes + 1, sizeof(*fr->fr_ports))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (scn_fed_mkdir(fr->fr_dir, err, errsz) == -1)
		return -1;
	for (k = 0; k < fr->fr_sr->npurposes; k++)
		if (scn_fed_port(fed, &fr->fr_ports[k]) == -1)
			goto noport;
	if (scn_fed_port(fed, &fr->fr_admin) == -1)
		goto noport;
	snprintf(base, sizeof(base), "%s-gw", name);
	if (testpki_issue(ca, TESTPKI_GATEWAY, base, NULL, fpr) == -1)
		goto nocert;
	snprintf(base, sizeof(base), "%s-ehr", name);
	if (testpki_issue(ca, TESTPKI_CLIENT, base, NULL, fpr) == -1)
		goto nocert;
	return 0;
noport:
	snprintf(err, errsz, "%s: no free loopback port", name);
	return -1;
nocert:
	snprintf(err, errsz, "%s: cannot make its certificates (see the log)", name);
	return -1;
}

/* The run's PKIs: the TLS CA (its regions' certificates are made per region) and the
 * JPKI look-alike root. Returns the TLS CA, or NULL. */
static struct testpki_ca *
scn_fed_pki(struct scn_fed *fed, char *err, size_t errsz)
{
	struct testpki_ca *ca = NULL, *root = NULL;	/* root: kept in FED */
	char *pki = scn_fed_path(fed->fd_dir, "pki");
	time_t now = time(NULL);

	if (pki == NULL || (fed->fd_ca = scn_fed_path(pki, "ca.crt")) == NULL ||
	    (fed->fd_jpki_dir = scn_fed_path(fed->fd_dir, "jpki")) == NULL ||
	    (fed->fd_jpki_root = scn_fed_path(fed->fd_jpki_dir, "root.crt")) == NULL)
		snprintf(err, errsz, "out of memory");
	else if ((ca = testpki_ca_new(pki, "ca", "Hashi Scenario CA", now)) == NULL ||
	    (root = testpki_jpki_root_new(fed->fd_jpki_dir, "root", 1, now)) == NULL) {
		snprintf(err, errsz, "cannot make the test PKIs in %s (see the log)", fed->fd_dir);
		testpki_ca_free(ca);
		ca = NULL;
	} else
		fed->fd_jpki = root;
	free(pki);
	return ca;
}

struct scn_fed *
scn_fed_new(const struct scenario *s, const char *dir, const char *hashid, int netns,
    char *err, size_t errsz)
{
	struct scn_fed *fed;
	struct testpki_ca *ca = NULL;
	char why[256], *abs;
	size_t i;

	if ((fed = calloc(1, sizeof(*fed))) == NULL ||
	    (fed->fd_regions = calloc(s->nregions + 1, sizeof(*fed->fd_regions))) == NULL ||
	    (fed->fd_dir = str_dup(dir)) == NULL || (fed->fd_hashid = str_dup(hashid)) == NULL) {
		snprintf(err, errsz, "out of memory");
		scn_fed_free(fed);
		return NULL;
	}
	fed->fd_sc = s;
	fed->fd_nregions = s->nregions;
	fed->fd_netns = netns;
	for (i = 0; i < s->nregions; i++)
		fed->fd_regions[i].fr_sr = &s->regions[i];
	if (scn_fed_mkdir(dir, err, errsz) == -1)
		goto fail;
	/* absolute from here on: the paths go into configurations read elsewhere (swanctl
	 * reads a relative certificate path from its own directory) */
	if ((abs = realpath(dir, NULL)) == NULL) {
		snprintf(err, errsz, "cannot resolve %s: %s", dir, strerror(errno));
		goto fail;
	}
	free(fed->fd_dir);
	fed->fd_dir = abs;
	dir = abs;
	/* before anything is made: a run that cannot have its network does not start */
	if (netns && scn_net_unusable(dir, why, sizeof(why)) != NULL) {
		snprintf(err, errsz, "--netns cannot run here: %s", why);
		goto fail;
	}
	for (i = 0; netns && i < s->nregions; i++)
		if (strlen(dir) + strlen(s->regions[i].name) + sizeof("//charon/charon.vici") >
		    sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
			snprintf(err, errsz, "--netns cannot run here: %s/%s/charon/charon.vici, "
			    "charon's vici socket, is too long for a unix socket (give a shorter "
			    "--dir)", dir, s->regions[i].name);
			goto fail;
		}
	if ((ca = scn_fed_pki(fed, err, errsz)) == NULL)
		goto fail;
	for (i = 0; i < s->nregions; i++)
		if (scn_fed_region(fed, ca, i, err, errsz) == -1)
			goto fail;
	for (i = 0; i < s->nregions; i++)
		if (scn_fed_write_config(fed, i, NULL, NULL, NULL, err, errsz) == -1)
			goto fail;
	testpki_ca_free(ca);
	return fed;
fail:
	testpki_ca_free(ca);
	scn_fed_free(fed);
	return NULL;
}

void
scn_fed_free(struct scn_fed *fed)
{
	struct scn_fed_region *fr;
	size_t i;

	if (fed == NULL)
		return;
	if (fed->fd_regions != NULL)
		(void)scn_fed_stop_all(fed);
	for (i = 0; fed->fd_regions != NULL && i < fed->fd_nregions; i++) {
		fr = &fed->fd_regions[i];
		(void)scn_fed_stop(fed, i);
		free(fr->fr_dir);
		free(fr->fr_config);
		free(fr->fr_log);
		free(fr->fr_gw_cert);
		free(fr->fr_gw_key);
		free(fr->fr_ehr_cert);
		free(fr->fr_ehr_key);
		free(fr->fr_ports);
	}
	scn_net_free(fed->fd_net);	/* its charons, then its namespaces */
	free(fed->fd_regions);
	free(fed->fd_dir);
	free(fed->fd_hashid);
	free(fed->fd_ca);
	free(fed->fd_jpki_dir);
	free(fed->fd_jpki_root);
	testpki_ca_free(fed->fd_jpki);
	free(fed);
}

/* Waits until region FR's event loop answers (its admin listener): only then are its
 * signal handlers in place, so that a stop is a clean shutdown. */
static int
scn_fed_wait_ready(struct scn_fed *fed, size_t i, int timeout_ms, char *err, size_t errsz)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct strbuf sb = { 0 };
	int waited, status;

	for (waited = 0; waited < timeout_ms; waited += 20) {
		if (!scn_proc_alive(fr->fr_proc)) {
			snprintf(err, errsz, "%s ended before it was ready (see %s)",
			    fr->fr_sr->name, fr->fr_log);
			return -1;
		}
		status = scn_fed_admin_get(fed, i, "/health", &sb);	/* any status */
		strbuf_reset(&sb);
		if (status > 0)
			return 0;
		nanosleep(&pause, NULL);
	}
	snprintf(err, errsz, "%s is not ready after %d ms (see %s)", fr->fr_sr->name,
	    timeout_ms, fr->fr_log);
	return -1;
}

int
scn_fed_start(struct scn_fed *fed, size_t i, char *err, size_t errsz)
{
	return scn_fed_start_with(fed, i, fed->fd_regions[i].fr_config, err, errsz);
}

int
scn_fed_start_with(struct scn_fed *fed, size_t i, const char *config, char *err,
    size_t errsz)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];
	char d[] = "-d", f[] = "-f";
	char *argv[] = { fed->fd_hashid, d, f, (char *)(uintptr_t)config, NULL };
	struct scn_fed_listen ls[SCN_FED_MAX_LISTEN];
	size_t k, n;
	int rc = 0;

	if (fr->fr_proc != NULL) {
		snprintf(err, errsz, "%s is running already", fr->fr_sr->name);
		return -1;
	}
	/* in the region's network (--netns), the gateway and the checks that it listens */
	if (scn_net_enter(fed->fd_net, i) == -1) {
		snprintf(err, errsz, "%s: cannot enter its network namespace: %s",
		    fr->fr_sr->name, strerror(errno));
		return -1;
	}
	fr->fr_proc = scn_proc_start(fr->fr_sr->name, argv, fr->fr_log, err, errsz);
	n = scn_fed_listeners(fed, i, ls, SCN_FED_MAX_LISTEN);
	for (k = 0; fr->fr_proc != NULL && rc == 0 && k < n; k++)
		rc = scn_proc_wait_port(fr->fr_proc, ls[k].fl_addr, ls[k].fl_port,
		    SCN_FED_START_MS, err, errsz);
	scn_net_leave(fed->fd_net);
	if (fr->fr_proc == NULL)
		return -1;
	if (rc == -1 || scn_fed_wait_ready(fed, i, SCN_FED_START_MS, err, errsz) == -1) {
		(void)scn_fed_stop(fed, i);
		return -1;
	}
	return 0;
}

int
scn_fed_start_all(struct scn_fed *fed, char *err, size_t errsz)
{
	size_t i;

	if (scn_fed_net_up(fed, err, errsz) == -1)
		return -1;
	for (i = 0; i < fed->fd_nregions; i++)
		if (scn_fed_start(fed, i, err, errsz) == -1)
			return -1;
	return 0;
}

int
scn_fed_stop_all(struct scn_fed *fed)
{
	struct scn_fed_region *fr;
	size_t i;
	int bad = 0;

	for (i = 0; i < fed->fd_nregions; i++) {
		fr = &fed->fd_regions[i];
		if (fr->fr_proc != NULL)
			(void)scn_proc_terminate(fr->fr_proc);	/* all drain together */
	}
	for (i = 0; i < fed->fd_nregions; i++)
		if (fed->fd_regions[i].fr_proc != NULL && scn_fed_stop(fed, i) != 0)
			bad++;
	return bad;
}

int
scn_fed_stop(struct scn_fed *fed, size_t i)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];
	int st;

	scn_proc_free(fr->fr_thaw);	/* a pending thaw: the region is stopped anyway */
	fr->fr_thaw = NULL;
	scn_proc_free(fr->fr_fake);	/* a stand-in is stopped with it */
	fr->fr_fake = NULL;
	if (fr->fr_proc == NULL)
		return -1;
	st = scn_proc_stop(fr->fr_proc, SCN_FED_STOP_MS);
	scn_proc_free(fr->fr_proc);
	fr->fr_proc = NULL;
	return st;
}

int
scn_fed_freeze(struct scn_fed *fed, size_t i, int frozen)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];

	return fr->fr_proc != NULL ? scn_proc_freeze(fr->fr_proc, frozen) : -1;
}

int
scn_fed_freeze_for(struct scn_fed *fed, size_t i, int ms)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];
	char sh[] = "/bin/sh", c[] = "-c", script[128], log[1100], err[256];
	char *argv[] = { sh, c, script, NULL };
	struct scn_proc *thaw;

	if (fr->fr_proc == NULL || scn_proc_pid(fr->fr_proc) <= 0)
		return -1;
	snprintf(script, sizeof(script), "sleep %d.%03d; kill -CONT -%d", ms / 1000, ms % 1000,
	    (int)scn_proc_pid(fr->fr_proc));
	snprintf(log, sizeof(log), "%s.thaw", fr->fr_log);
	scn_proc_free(fr->fr_thaw);	/* an earlier pending thaw is replaced */
	fr->fr_thaw = NULL;
	if (scn_fed_freeze(fed, i, 1) == -1 ||
	    (thaw = scn_proc_start("thaw", argv, log, err, sizeof(err))) == NULL)
		return -1;
	/* the helper is forgotten here: kill_all and its own end take care of it; its
	 * handle only waits for it */
	fr->fr_thaw = thaw;
	return 0;
}

int
scn_fed_running(struct scn_fed *fed, size_t i)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];

	return fr->fr_proc != NULL && scn_proc_alive(fr->fr_proc);
}

const char *
scn_fed_dir(const struct scn_fed *fed)
{
	return fed->fd_dir;
}

const char *
scn_fed_config(const struct scn_fed *fed, size_t i)
{
	return fed->fd_regions[i].fr_config;
}

const char *
scn_fed_log(const struct scn_fed *fed, size_t i)
{
	return fed->fd_regions[i].fr_log;
}

const char *
scn_fed_ca(const struct scn_fed *fed)
{
	return fed->fd_ca;
}

const char *
scn_fed_jpki_dir(const struct scn_fed *fed)
{
	return fed->fd_jpki_dir;
}

const char *
scn_fed_jpki_root(const struct scn_fed *fed)
{
	return fed->fd_jpki_root;
}

struct testpki_ca *
scn_fed_jpki(const struct scn_fed *fed)
{
	return fed->fd_jpki;
}

const char *
scn_fed_state(const struct scn_fed *fed, size_t i, char *buf, size_t bufsz)
{
	int n = snprintf(buf, bufsz, "%s/state", fed->fd_regions[i].fr_dir);

	return n < 0 || (size_t)n >= bufsz ? NULL : buf;
}

const char *
scn_fed_ehr_cert(const struct scn_fed *fed, size_t i)
{
	return fed->fd_regions[i].fr_ehr_cert;
}

const char *
scn_fed_ehr_key(const struct scn_fed *fed, size_t i)
{
	return fed->fd_regions[i].fr_ehr_key;
}

const char *
scn_fed_url(const struct scn_fed *fed, size_t i, const char *purpose, const char *path,
    char *buf, size_t bufsz)
{
	const struct scn_fed_region *fr = &fed->fd_regions[i];
	long k = scn_fed_purpose(fr->fr_sr, purpose != NULL ? purpose : "clinical");
	int n;

	if (k < 0)
		return NULL;
	n = snprintf(buf, bufsz, "https://127.0.0.1:%u%s", (unsigned)fr->fr_ports[k], path);
	return n < 0 || (size_t)n >= bufsz ? NULL : buf;
}

uint16_t
scn_fed_admin_port(const struct scn_fed *fed, size_t i)
{
	return fed->fd_regions[i].fr_admin;
}
