/* Unit tests for gateway/scn_fed: a scenario's federation on this machine (run directory,
 * test PKIs, one hashid.yaml per region that the daemon's own loader accepts, real hashid
 * processes started, frozen and stopped). */
#define _XOPEN_SOURCE 700	/* nftw, in tmpdir.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include "common/log.h"
#include "gateway/config.h"
#include "gateway/scenario.h"
#include "gateway/scn_fed.h"
#include "tests/unit/tmpdir.h"

static char T[256];
static struct scenario *S;

/* Copies SRC to T/NAME with mode 0600 (the loader refuses files others may write). */
static int
copy_private(const char *src, const char *name, char *out, size_t outsz)
{
	char buf[8192];
	FILE *in, *o;
	size_t n;

	snprintf(out, outsz, "%s/%s", T, name);
	if ((in = fopen(src, "rb")) == NULL || (o = fopen(out, "wb")) == NULL) {
		if (in != NULL)
			fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, o);
	fclose(in);
	fclose(o);
	return chmod(out, 0600);
}

static int
setup(void **state)
{
	const char *root = getenv("HASHI_ROOT");
	char src[512], file[320];

	(void)state;
	log_init("test_scn_fed", 1, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(T, sizeof(T), "/tmp/test_scn_fed.XXXXXX");
	if (mkdtemp(T) == NULL)
		return -1;
	snprintf(src, sizeof(src), "%s/tests/scenarios/okayama-shimane.yaml",
	    root != NULL ? root : ".");
	if (copy_private(src, "s.yaml", file, sizeof(file)) == -1)
		return -1;
	return (S = scenario_load(file, stderr)) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	scenario_free(S);
	tmpdir_remove(T);
	return 0;
}

static int
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* The run directory: PKIs, keys 0600, configurations the daemon accepts with every other
 * region as a peer on its own ports. */
static void
test_layout(void **state)
{
	char dir[320], err[256], path[512], url[128], url2[128];
	struct scn_fed *fed;
	struct config *cf;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run1", T);
	assert_non_null(fed = scn_fed_new(S, dir, "/nonexistent/hashid", 0, err, sizeof(err)));
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(scn_fed_ca(fed)), 0644);
	assert_int_equal(mode_of(scn_fed_jpki_root(fed)), 0644);
	assert_int_equal(mode_of(scn_fed_ehr_key(fed, 0)), 0600);
	snprintf(path, sizeof(path), "%s/pki/shimane-gw.key", dir);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(mode_of(scn_fed_config(fed, 1)), 0600);
	assert_non_null(cf = config_load(scn_fed_config(fed, 0), stderr));
	assert_string_equal(cf->cf_hcid, S->regions[0].hcid);
	assert_int_equal(cf->cf_npeers, 1);
	assert_string_equal(cf->cf_peers[0].pr_name, "shimane");
	assert_string_equal(cf->cf_peers[0].pr_hcid, S->regions[1].hcid);
	assert_non_null(scn_fed_url(fed, 1, "clinical", "/xca", url, sizeof(url)));
	assert_string_equal(cf->cf_peers[0].pr_query_url, url);
	assert_int_equal(cf->cf_nlocals, 1);
	assert_string_equal(cf->cf_locals[0].ls_name, "okayama-ehr");
	assert_int_equal(cf->cf_consent_required, S->regions[0].consent_required);
	config_free(cf);
	/* each region listens on ports of its own */
	assert_non_null(scn_fed_url(fed, 0, "clinical", "/ig", url2, sizeof(url2)));
	assert_string_not_equal(url, url2);
	assert_null(scn_fed_url(fed, 0, "no-such-purpose", "/ig", url, sizeof(url)));
	assert_true(scn_fed_admin_port(fed, 0) != scn_fed_admin_port(fed, 1));
	/* a binary that does not exist: the start fails and says why */
	assert_int_equal(scn_fed_start(fed, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "status 127"));
	scn_fed_free(fed);
	/* a run directory that holds something is refused */
	assert_null(scn_fed_new(S, dir, "/x", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "must not exist, or be empty"));
}

/* Real gateways: started (listening), frozen and thawed, stopped cleanly by SIGTERM. */
static void
test_processes(void **state)
{
	const char *root = getenv("HASHI_ROOT"), *build = getenv("BUILD");
	char dir[320], err[256], hashid[512];
	struct scn_fed *fed;

	(void)state;
	snprintf(hashid, sizeof(hashid), "%s/%s/hashid", root != NULL ? root : ".",
	    build != NULL ? build : "build");
	if (access(hashid, X_OK) != 0)
		skip();
	snprintf(dir, sizeof(dir), "%s/run2", T);
	assert_non_null(fed = scn_fed_new(S, dir, hashid, 0, err, sizeof(err)));
	if (scn_fed_start_all(fed, err, sizeof(err)) == -1)
		fail_msg("start: %s", err);
	assert_true(scn_fed_running(fed, 0));
	assert_true(scn_fed_running(fed, 1));
	assert_int_equal(scn_fed_freeze(fed, 1, 1), 0);
	assert_int_equal(scn_fed_freeze(fed, 1, 0), 0);
	assert_int_equal(scn_fed_stop(fed, 1), 0);
	assert_false(scn_fed_running(fed, 1));
	assert_int_equal(scn_fed_stop(fed, 1), -1);
	/* and again: a region comes back on the same ports with its state */
	if (scn_fed_start(fed, 1, err, sizeof(err)) == -1)
		fail_msg("restart: %s", err);
	assert_true(scn_fed_running(fed, 1));
	scn_fed_free(fed);	/* stops both */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_processes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
