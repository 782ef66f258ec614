/*
 * gateway/hashid_main: the hashid daemon. Loads the configuration (-n checks it and
 * exits), starts logging (stderr with -d, else syslog after detaching), builds the
 * gateway and runs its event loop until SIGTERM has drained the requests in flight.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xml.h"
#include "gateway/config.h"
#include "gateway/gw.h"

#define HASHID_DEFAULT_CONFIG	"/etc/hashi/hashid.yaml"

static void
usage(void)
{
	fprintf(stderr, "usage: hashid [-dnv] [-f file]\n"
	    "  -f file  configuration (default " HASHID_DEFAULT_CONFIG ")\n"
	    "  -n       check the configuration and exit (with -v: print it normalised)\n"
	    "  -d       stay in the foreground and log to stderr\n"
	    "  -v       more verbose logging\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *file = HASHID_DEFAULT_CONFIG;
	struct config *cf;
	struct gw *gw;
	int ch, check = 0, foreground = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd': foreground = 1; break;
		case 'f': file = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("hashid", 1, verbose);
	xml_init();
	if ((cf = config_load(file, stderr)) == NULL) {
		if (check)
			fprintf(stderr, "hashid: %s: configuration has errors\n", file);
		return 1;
	}
	if (check) {
		if (verbose)
			config_print(cf, stdout);
		fprintf(stderr, "configuration OK\n");
		config_free(cf);
		return 0;
	}
	if (!foreground) {
		log_init("hashid", 0, verbose);
		if (daemon(0, 0) == -1)
			fatal("daemon");
	}
	/* LMDB environments are opened inside gw_new, i.e. after the fork of daemon(). */
	if ((gw = gw_new(cf)) == NULL)
		fatalx("cannot start the gateway");
	log_info("%s (%s) started", gw->gw_conf->gc_cf->cf_name, gw->gw_conf->gc_cf->cf_hcid);
	gw_run(gw);
	gw_free(gw);
	return 0;
}
