/* Unit tests for gateway/swanctl and hashictl deploy swanctl (gateway/ctl_deploy.c): the
 * three-region configuration tests/conf/vpn/hashid.yaml must give the golden file
 * tests/conf/vpn/okayama.swanctl.conf byte for byte; variants (no identity, IPv6, encap
 * off) change exactly what they should; values that would be swanctl syntax are refused.
 * The error cases of the vpn: section are golden cases of test_conf (tests/conf/vpn-*). */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gateway/config.h"
#include "gateway/ctl.h"
#include "gateway/swanctl.h"
#include "tests/unit/tmpdir.h"

static char tmpdir[PATH_MAX];

static const char *
root_dir(void)
{
	const char *r = getenv("HASHI_ROOT");

	return r != NULL && *r != '\0' ? r : ".";
}

/* Returns a malloc'd copy of the file ROOT-relative (REL != 0) or absolute PATH. */
static char *
slurp(const char *path, int rel)
{
	char full[PATH_MAX + 64];
	char *buf = NULL;
	FILE *f;
	long n;

	snprintf(full, sizeof(full), "%s%s%s", rel ? root_dir() : "", rel ? "/" : "", path);
	if ((f = fopen(full, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = calloc(1, (size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Writes TEXT to <tmpdir>/NAME (0600); returns the path (static buffer). */
static const char *
put_file(const char *name, const char *text)
{
	static char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	return path;
}

/* Returns TEXT (malloc'd, freed here) with every FROM replaced by TO; FROM must occur. */
static char *
replace(char *text, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to), n = 0;
	char *out, *p, *q, *hit;

	for (p = text; (hit = strstr(p, from)) != NULL; p = hit + nf)
		n++;
	assert_true(n > 0);	/* the fixture still has what the test changes */
	out = calloc(1, strlen(text) + n * nt + 1);
	assert_non_null(out);
	for (p = text, q = out; (hit = strstr(p, from)) != NULL; p = hit + nf) {
		memcpy(q, p, (size_t)(hit - p));
		q += hit - p;
		memcpy(q, to, nt);
		q += nt;
	}
	memcpy(q, p, strlen(p) + 1);	/* sized above */
	free(text);
	return out;
}

/* Loads TEXT as a configuration; it must load. */
static struct config *
load_text(const char *text)
{
	struct config *cf = config_load(put_file("hashid.yaml", text), stderr);

	assert_non_null(cf);
	return cf;
}

/* Renders CF; returns the text and the diagnostics (caller frees both). */
static char *
render(const struct config *cf, char **diag)
{
	size_t len = 0, dlen = 0;
	FILE *mem = open_memstream(diag, &dlen);
	char *text;

	assert_non_null(mem);
	text = swanctl_render(cf, mem, &len);
	assert_int_equal(fclose(mem), 0);
	if (text != NULL)
		assert_int_equal(strlen(text), len);
	return text;
}

static void
test_golden_three_regions(void **state)
{
	char *yaml = slurp("tests/conf/vpn/hashid.yaml", 1);
	char *golden = slurp("tests/conf/vpn/okayama.swanctl.conf", 1);
	char *text, *diag;
	struct config *cf;

	(void)state;
	assert_non_null(yaml);
	assert_non_null(golden);
	cf = load_text(yaml);
	text = render(cf, &diag);
	assert_non_null(text);
	if (strcmp(text, golden) != 0)
		fail_msg("generated swanctl.conf differs from the golden file:\n%s", text);
	/* tottori offers no imaging: said once, and no such CHILD_SA was written */
	assert_string_equal(diag, "swanctl: warning: peer tottori does not offer imaging: no "
	    "CHILD_SA for it\n");
	assert_non_null(strstr(text, "\t\t\timaging {\n\t\t\t\tlocal_ts = 10.1.3.1/32\n"
	    "\t\t\t\tremote_ts = 10.2.3.1/32\n"));
	assert_null(strstr(strstr(text, "\ttottori {"), "imaging"));
	free(diag);
	free(text);
	/* rendering is a function of the configuration alone */
	text = render(cf, &diag);
	assert_string_equal(text, golden);
	free(diag);
	free(text);
	config_free(cf);
	free(yaml);
	free(golden);
}

/* config_print writes the vpn: sections so that they load again to the same tunnels. */
static void
test_print_round_trip(void **state)
{
	char *yaml = slurp("tests/conf/vpn/hashid.yaml", 1), *printed = NULL, *a, *b, *diag;
	struct config *cf, *again;
	size_t len = 0;
	FILE *mem;

	(void)state;
	assert_non_null(yaml);
	cf = load_text(yaml);
	assert_non_null(mem = open_memstream(&printed, &len));
	config_print(cf, mem);
	assert_int_equal(fclose(mem), 0);
	assert_non_null(strstr(printed, "\nvpn:\n  address: \"192.0.2.1\"\n"));
	again = config_load(put_file("printed.yaml", printed), stderr);
	assert_non_null(again);
	a = render(cf, &diag);
	free(diag);
	b = render(again, &diag);
	free(diag);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(printed);
	config_free(again);
	config_free(cf);
	free(yaml);
}

static void
test_variants(void **state)
{
	char *yaml = slurp("tests/conf/vpn/hashid.yaml", 1), *text, *diag;
	struct config *cf;

	(void)state;
	assert_non_null(yaml);
	yaml = replace(yaml, "  identity: \"C=JP, O=Hashi Test, CN=okayama-vpn\"\n",
	    "  encap: false\n  start_action: start\n");
	yaml = replace(yaml, "inner_address: 10.1.2.1", "inner_address: \"fd00:1::2:1\"");
	yaml = replace(yaml, "inner_address: 10.2.2.1", "inner_address: \"fd00:2::2:1\"");
	yaml = replace(yaml, "inner_address: 10.3.2.1", "inner_address: \"fd00:3::2:1\"");
	cf = load_text(yaml);
	text = render(cf, &diag);
	assert_non_null(text);
	/* without identity charon uses the certificate's subject: no local id line */
	assert_null(strstr(text, "CN=okayama-vpn"));
	assert_non_null(strstr(text, "\t\t\tid = \"C=JP, O=Hashi Test, CN=shimane-vpn\"\n"));
	assert_non_null(strstr(text, "\t\tencap = no\n"));
	assert_null(strstr(text, "encap = yes"));
	assert_null(strstr(text, "start_action = trap"));
	assert_non_null(strstr(text, "\t\t\t\tlocal_ts = fd00:1::2:1/128\n"
	    "\t\t\t\tremote_ts = fd00:3::2:1/128\n"));
	free(diag);
	free(text);
	config_free(cf);
	free(yaml);
}

/* Values the config checks would refuse, put straight into the struct: the generator
 * must refuse them too rather than write swanctl syntax. */
static void
test_injection_refused(void **state)
{
	static const char *const bad[] = { "CN=x\"\n}", "CN=x}", "CN=x # y", " CN=x", NULL };
	char *yaml = slurp("tests/conf/vpn/hashid.yaml", 1), *text, *diag, *saved;
	struct config *cf;
	size_t i;

	(void)state;
	assert_non_null(yaml);
	cf = load_text(yaml);
	saved = cf->cf_peers[0].pr_vpn_identity;
	for (i = 0; bad[i] != NULL; i++) {
		cf->cf_peers[0].pr_vpn_identity = (char *)(uintptr_t)bad[i];
		text = render(cf, &diag);
		if (text != NULL)
			fail_msg("identity %s was written:\n%s", bad[i], text);
		assert_non_null(strstr(diag, "cannot be written safely"));
		free(diag);
	}
	cf->cf_peers[0].pr_vpn_identity = saved;
	saved = cf->cf_peers[1].pr_name;
	cf->cf_peers[1].pr_name = (char *)(uintptr_t)"tottori {";
	text = render(cf, &diag);
	assert_null(text);
	free(diag);
	cf->cf_peers[1].pr_name = saved;
	saved = cf->cf_vpn_address;
	cf->cf_vpn_address = (char *)(uintptr_t)"192.0.2.1 = x";
	text = render(cf, &diag);
	assert_null(text);
	free(diag);
	cf->cf_vpn_address = saved;
	config_free(cf);
	free(yaml);
}

static void
test_no_vpn_section(void **state)
{
	char *yaml = slurp("tests/conf/minimal-valid/hashid.yaml", 1), *text, *diag;
	struct config *cf;

	(void)state;
	assert_non_null(yaml);
	cf = load_text(yaml);
	text = render(cf, &diag);
	assert_null(text);
	assert_non_null(strstr(diag, "no vpn: section"));
	free(diag);
	config_free(cf);
	free(yaml);
}

/* Runs hashictl deploy swanctl ARGS... on CF; returns its exit status. */
static int
deploy(const struct config *cf, const char *a0, const char *a1, const char *a2,
    const char *a3)
{
	char *argv[5] = { (char *)(uintptr_t)a0, (char *)(uintptr_t)a1,
	    (char *)(uintptr_t)a2, (char *)(uintptr_t)a3, NULL };
	int argc = 0;

	while (argc < 4 && argv[argc] != NULL)
		argc++;
	return ctl_deploy_swanctl(cf, argc, argv);
}

static void
test_deploy_cli(void **state)
{
	char *yaml = slurp("tests/conf/vpn/hashid.yaml", 1);
	char *golden = slurp("tests/conf/vpn/okayama.swanctl.conf", 1), *got, *changed;
	char out[PATH_MAX + 64];
	struct config *cf;
	struct stat st;

	(void)state;
	assert_non_null(yaml);
	assert_non_null(golden);
	cf = load_text(yaml);
	snprintf(out, sizeof(out), "%s/swanctl.conf", tmpdir);
	assert_int_equal(deploy(cf, "-o", out, NULL, NULL), 0);
	got = slurp(out, 0);
	assert_non_null(got);
	assert_string_equal(got, golden);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(deploy(cf, "--check", out, NULL, NULL), 0);
	/* one changed selector: --check fails */
	changed = replace(got, "remote_ts = 10.3.2.1/32", "remote_ts = 10.3.2.9/32");
	put_file("swanctl.conf", changed);
	assert_int_equal(deploy(cf, "--check", out, NULL, NULL), 1);
	/* a truncated file too */
	changed[strlen(changed) / 2] = '\0';
	put_file("swanctl.conf", changed);
	assert_int_equal(deploy(cf, "--check", out, NULL, NULL), 1);
	unlink(out);
	assert_int_equal(deploy(cf, "--check", out, NULL, NULL), 1);	/* missing */
	assert_int_equal(deploy(cf, "-o", out, "--check", out), 2);
	assert_int_equal(deploy(cf, "--bogus", NULL, NULL, NULL), 2);
	assert_int_equal(deploy(cf, "-o", NULL, NULL, NULL), 2);
	free(changed);
	config_free(cf);
	free(yaml);
	free(golden);
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-swanctl.XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_three_regions),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_injection_refused),
		cmocka_unit_test(test_no_vpn_section),
		cmocka_unit_test(test_deploy_cli),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
