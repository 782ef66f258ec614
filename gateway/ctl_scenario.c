/*
 * gateway/ctl_scenario: "hashictl scenario check FILE" (load and check a scenario, every
 * error as file:line:col) and "hashictl scenario run FILE [--netns] [--report DIR]
 * [--dir DIR] [--keep] [--hashid PATH]" (gateway/scn_run.h). A run works in a fresh directory (a
 * temporary one by default, removed after a run that passed unless --keep; kept, and
 * named, when it failed; one given with --dir always stays). SIGINT, SIGTERM and SIGHUP stop every gateway of the run at
 * once before hashictl exits.
 */
#define _XOPEN_SOURCE 700	/* nftw */
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"
#include "gateway/ctl.h"
#include "gateway/scenario.h"
#include "gateway/scn_net.h"
#include "gateway/scn_proc.h"
#include "gateway/scn_result.h"
#include "gateway/scn_run.h"

int
ctl_scenario_check(const struct config *cf, int argc, char **argv)
{
	struct scenario *s;

	(void)cf;
	(void)argc;
	if ((s = scenario_load(argv[0], stderr)) == NULL)
		return 1;
	printf("%s: %s: %zu region(s), %zu consent(s), %zu step(s)\n", argv[0], s->name,
	    s->nregions, s->nconsents, s->nsteps);
	scenario_free(s);
	return 0;
}

/* What the handler says, written before it is installed (it may not format). */
static char ctl_scenario_msg[PATH_MAX + 128];

static void
ctl_scenario_signal(int sig)
{
	scn_proc_kill_all();
	scn_net_kill_all();	/* after the processes: a namespace goes with its last one */
	if (write(STDERR_FILENO, ctl_scenario_msg, strlen(ctl_scenario_msg)) < 0)
		_exit(128 + sig);
	_exit(128 + sig);
}

static int
ctl_scenario_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The daemon next to this program (a build directory), or in ../sbin (an install). */
static int
ctl_scenario_hashid(char *buf, size_t bufsz, char *self, size_t selfsz)
{
	char *slash;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", self, selfsz - 1)) <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	snprintf(buf, bufsz, "%.*s/hashid", (int)(slash - self), self);
	if (access(buf, X_OK) == 0)
		return 0;
	snprintf(buf, bufsz, "%.*s/../sbin/hashid", (int)(slash - self), self);
	return access(buf, X_OK) == 0 ? 0 : -1;
}

static void
ctl_scenario_signals(const char *dir)
{
	struct sigaction sa;

	snprintf(ctl_scenario_msg, sizeof(ctl_scenario_msg), "hashictl: scenario interrupted: "
	    "every gateway stopped; run directory (logs, configurations, PKI): %s\n", dir);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ctl_scenario_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
ctl_scenario_run(const struct config *cf, int argc, char **argv)
{
	struct scn_run_opts o = { 0 };
	struct scenario *s;
	char hashid[PATH_MAX], self[PATH_MAX], tmp[PATH_MAX], err[512];
	const char *dir = NULL;
	int i, keep = 0, made = 0, rc;

	(void)cf;
	o.so_hashid = NULL;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--keep") == 0)
			keep = 1;
		else if (strcmp(argv[i], "--netns") == 0)
			o.so_netns = 1;
		else if (i + 1 < argc && strcmp(argv[i], "--report") == 0)
			o.so_report = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--dir") == 0)
			dir = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--hashid") == 0)
			o.so_hashid = argv[++i];
		else {
			fprintf(stderr, "hashictl: scenario run: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (ctl_scenario_hashid(hashid, sizeof(hashid), self, sizeof(self)) == -1 &&
	    o.so_hashid == NULL) {
		fprintf(stderr, "hashictl: scenario run: no hashid next to %s (give --hashid)\n",
		    self);
		return 2;
	}
	if (o.so_hashid == NULL)
		o.so_hashid = hashid;
	o.so_hashictl = self;
	if ((s = scenario_load(argv[0], stderr)) == NULL)
		return 2;
	if (dir == NULL) {
		snprintf(tmp, sizeof(tmp), "%s/hashi-scenario.XXXXXX",
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
		if ((dir = mkdtemp(tmp)) == NULL) {
			fprintf(stderr, "hashictl: scenario run: cannot make %s\n", tmp);
			scenario_free(s);
			return 2;
		}
		made = 1;
	}
	o.so_dir = dir;
	o.so_progress = stdout;
	ctl_scenario_signals(dir);
	rc = scn_run(s, &o, NULL, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "hashictl: scenario run: %s\n", err);
	printf("%s: %s\n", s->name, rc == 0 ? "PASSED" : rc == 1 ? "FAILED" : "NOT RUN");
	if (o.so_report != NULL && rc != -1)
		printf("reports: %s/report.html, junit.xml, report.json\n", o.so_report);
	if (rc == 0 && !keep && made)	/* a directory given with --dir stays */
		(void)nftw(dir, ctl_scenario_rm, 16, FTW_DEPTH | FTW_PHYS);
	else
		printf("run directory (logs, configurations, PKI): %s\n", dir);
	scenario_free(s);
	return rc == 0 ? 0 : rc == 1 ? 1 : 2;
}
