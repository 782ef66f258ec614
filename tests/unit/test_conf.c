/* Unit tests for common/conf (typed YAML tables) and gateway/config (hashid's schema).
 * Golden cases live in tests/conf/<case>/{hashid.yaml,expected}; they are found through
 * $HASHI_ROOT, else relative to the repo root (the cwd of tests/run.sh). */
#include <dirent.h>
#include <errno.h>
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

#include "common/conf.h"
#include "gateway/config.h"

static char tmpdir[PATH_MAX];	/* as made by mkdtemp */
static char realtmp[PATH_MAX];	/* its realpath, for resolved paths */

static const char *
root_dir(void)
{
	const char *r = getenv("HASHI_ROOT");

	return r != NULL && *r != '\0' ? r : ".";
}

/* Returns a malloc'd copy of a whole file, or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = calloc(1, (size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Writes TEXT to <tmpdir>/NAME with MODE; returns the path (static buffer). */
static const char *
put_file(const char *name, const char *text, mode_t mode)
{
	static char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

/* Loads FILE; returns the config and puts the error text, with "<tmpdir>/" removed from
 * every line, into *ERRS (caller frees). */
static struct config *
load(const char *file, char **errs)
{
	struct config *cf;
	char *buf = NULL, *p, *q;
	size_t len = 0, plen;
	FILE *mem = open_memstream(&buf, &len);
	char prefix[PATH_MAX + 2];

	assert_non_null(mem);
	cf = config_load(file, mem);
	assert_int_equal(fclose(mem), 0);
	snprintf(prefix, sizeof(prefix), "%s/", tmpdir);
	plen = strlen(prefix);
	for (p = q = buf; *p != '\0';) {
		if ((p == buf || p[-1] == '\n') && strncmp(p, prefix, plen) == 0)
			p += plen;
		*q++ = *p++;
	}
	*q = '\0';
	*errs = buf;
	return cf;
}

static const char *
example_path(void)
{
	static char path[PATH_MAX + 64];
	char *text;

	/* Copied with mode 0600: a checkout made under umask 002 would be refused. */
	snprintf(path, sizeof(path), "%s/deploy/hashid.example.yaml", root_dir());
	text = slurp(path);
	assert_non_null(text);
	snprintf(path, sizeof(path), "%s", put_file("example.yaml", text, 0600));
	free(text);
	return path;
}

static void
test_example_loads(void **state)
{
	static const uint8_t fpr0[4] = { 0xab, 0xcd, 0xef, 0x01 };
	struct config *cf;
	char *errs;

	(void)state;
	cf = load(example_path(), &errs);
	assert_string_equal(errs, "");
	assert_non_null(cf);
	assert_string_equal(cf->cf_name, "晴れやかネット");
	assert_string_equal(cf->cf_hcid, "urn:oid:1.2.392.200119.6.1001");
	assert_string_equal(cf->cf_assigning_authority, "1.2.392.200119.6.1001.1");
	assert_string_equal(cf->cf_repository_id, "1.2.392.200119.6.1001.2");
	assert_string_equal(cf->cf_state_dir, "/var/lib/hashi");
	assert_int_equal(cf->cf_nlisten, 2);
	assert_string_equal(cf->cf_listen[0].la_address, "127.0.0.1");
	assert_int_equal(cf->cf_listen[0].la_port, 8443);
	assert_string_equal(cf->cf_listen[0].la_purpose, "clinical");
	assert_int_equal(cf->cf_listen[1].la_port, 8444);
	assert_string_equal(cf->cf_listen[1].la_purpose, "emergency");
	assert_int_equal(cf->cf_consent_required, 1);
	assert_int_equal(cf->cf_consent_emergency, 0);
	assert_string_equal(cf->cf_tls_cert, "/etc/hashi/gateway.crt");
	assert_string_equal(cf->cf_tls_key, "/etc/hashi/gateway.key");
	assert_string_equal(cf->cf_tls_ca, "/etc/hashi/ca.crt");
	assert_int_equal(cf->cf_tls_allow_12, 0);
	assert_int_equal(cf->cf_max_body, 16u << 20);
	assert_int_equal(cf->cf_max_mtom_body, 256u << 20);
	assert_int_equal(cf->cf_max_xml_depth, 64);
	assert_int_equal(cf->cf_max_connections, 1024);
	assert_int_equal(cf->cf_tolerate_wsa_mustunderstand, 0);
	assert_int_equal(cf->cf_connect_timeout_ms, 2000);
	assert_int_equal(cf->cf_read_timeout_ms, 5000);
	assert_int_equal(cf->cf_request_timeout_ms, 10000);
	assert_int_equal(cf->cf_idle_timeout_ms, 60000);
	assert_int_equal(cf->cf_pool_size, 16);
	assert_int_equal(cf->cf_registry, REGISTRY_EMBEDDED);
	assert_true(cf->cf_registry_map_size == (size_t)4 << 30);
	assert_string_equal(cf->cf_remote_registry_url, "https://xds.example:8443/registry");
	assert_string_equal(cf->cf_remote_repository_url, "https://xds.example:8443/repository");
	assert_int_equal(cf->cf_nlocals, 1);
	assert_string_equal(cf->cf_locals[0].ls_name, "okayama-ehr");
	assert_string_equal(cf->cf_locals[0].ls_id.ci_subject, "CN=ehr.okayama,O=Hareyaka-net,C=JP");
	assert_true(cf->cf_locals[0].ls_id.ci_has_sha256);
	assert_memory_equal(cf->cf_locals[0].ls_id.ci_sha256, fpr0, sizeof(fpr0));
	assert_int_equal(cf->cf_locals[0].ls_id.ci_sha256[31], 0x89);
	assert_int_equal(cf->cf_npeers, 1);
	assert_string_equal(cf->cf_peers[0].pr_name, "mame-net");
	assert_string_equal(cf->cf_peers[0].pr_hcid, "urn:oid:1.2.392.200119.6.1002");
	assert_string_equal(cf->cf_peers[0].pr_assigning_authority, "1.2.392.200119.6.1002.1");
	assert_string_equal(cf->cf_peers[0].pr_id.ci_subject, "CN=gw.mame,O=Mame-net,C=JP");
	assert_true(cf->cf_peers[0].pr_id.ci_has_sha256);
	assert_int_equal(cf->cf_peers[0].pr_id.ci_sha256[0], 0x01);
	assert_int_equal(cf->cf_peers[0].pr_id.ci_sha256[31], 0xef);
	assert_string_equal(cf->cf_peers[0].pr_query_url, "https://127.0.0.1:9443/xca");
	assert_string_equal(cf->cf_peers[0].pr_retrieve_url, "https://127.0.0.1:9443/xca");
	/* the peer's endpoints per purpose: clinical is the plain pair */
	assert_string_equal(config_peer_url(&cf->cf_peers[0], "clinical", 0),
	    "https://127.0.0.1:9443/xca");
	assert_string_equal(config_peer_url(&cf->cf_peers[0], "emergency", 1),
	    "https://127.0.0.1:9444/xca");
	assert_null(config_peer_url(&cf->cf_peers[0], "imaging", 0));
	assert_int_equal(cf->cf_peers[0].pr_nmap, 1);
	assert_string_equal(cf->cf_peers[0].pr_map[0].pm_local,
	    "P0001^^^&1.2.392.200119.6.1001.1&ISO");
	assert_string_equal(cf->cf_peers[0].pr_map[0].pm_remote,
	    "S0001^^^&1.2.392.200119.6.1002.1&ISO");
	assert_non_null(cf->cf_file);
	assert_int_equal(cf->cf_file[0], '/');
	free(errs);
	config_free(cf);
}

static void
test_peer_by_hcid(void **state)
{
	struct config *cf;
	char *errs;

	(void)state;
	cf = load(example_path(), &errs);
	assert_non_null(cf);
	assert_ptr_equal(config_peer_by_hcid(cf, "urn:oid:1.2.392.200119.6.1002"),
	    &cf->cf_peers[0]);
	assert_ptr_equal(config_peer_by_hcid(cf, "URN:OID:1.2.392.200119.6.1002"),
	    &cf->cf_peers[0]);
	assert_null(config_peer_by_hcid(cf, "urn:oid:1.2.392.200119.6.1001"));	/* ours */
	assert_null(config_peer_by_hcid(cf, "urn:oid:1.2.392.200119.6.100"));
	assert_null(config_peer_by_hcid(cf, "1.2.392.200119.6.1002"));
	assert_null(config_peer_by_hcid(cf, NULL));
	free(errs);
	config_free(cf);
}

static void
test_defaults_and_relative_paths(void **state)
{
	static const char yaml[] =
	    "community:\n"
	    "  name: テスト\n"
	    "  home_community_id: urn:oid:2.999.1\n"
	    "  assigning_authority: 2.999.1.1\n"
	    "  repository_unique_id: 2.999.1.2\n"
	    "state_dir: ./state//db/\n"
	    "listen: [{address: \"::1\", port: 443}, {address: 0.0.0.0, port: 8443}]\n"
	    "tls: {certificate: gw.crt, private_key: private/../keys/gw.key, ca: ../ca.crt}\n";
	struct config *cf;
	char *errs, want[PATH_MAX + 64], *parent;

	(void)state;
	cf = load(put_file("defaults.yaml", yaml, 0600), &errs);
	assert_string_equal(errs, "");
	assert_non_null(cf);
	snprintf(want, sizeof(want), "%s/state/db", realtmp);
	assert_string_equal(cf->cf_state_dir, want);
	snprintf(want, sizeof(want), "%s/gw.crt", realtmp);
	assert_string_equal(cf->cf_tls_cert, want);
	snprintf(want, sizeof(want), "%s/keys/gw.key", realtmp);
	assert_string_equal(cf->cf_tls_key, want);
	parent = strdup(realtmp);
	assert_non_null(parent);
	*strrchr(parent, '/') = '\0';
	snprintf(want, sizeof(want), "%s/ca.crt", parent);
	assert_string_equal(cf->cf_tls_ca, want);
	free(parent);
	assert_int_equal(cf->cf_nlisten, 2);
	assert_string_equal(cf->cf_listen[0].la_address, "::1");
	assert_int_equal(cf->cf_listen[1].la_port, 8443);
	assert_int_equal(cf->cf_max_body, 16u << 20);
	assert_int_equal(cf->cf_max_mtom_body, 256u << 20);
	assert_int_equal(cf->cf_max_xml_depth, 64);
	assert_int_equal(cf->cf_max_connections, 1024);
	assert_int_equal(cf->cf_connect_timeout_ms, 2000);
	assert_int_equal(cf->cf_read_timeout_ms, 5000);
	assert_int_equal(cf->cf_request_timeout_ms, 10000);
	assert_int_equal(cf->cf_idle_timeout_ms, 60000);
	assert_int_equal(cf->cf_pool_size, 16);
	assert_int_equal(cf->cf_registry, REGISTRY_EMBEDDED);
	assert_true(cf->cf_registry_map_size == (size_t)4 << 30);
	assert_null(cf->cf_remote_registry_url);
	assert_int_equal(cf->cf_nlocals, 0);
	assert_null(cf->cf_locals);
	assert_int_equal(cf->cf_npeers, 0);
	free(errs);
	config_free(cf);
}

/* Error positions in flow style and after multi-byte characters (columns count
 * characters, as libyaml does). */
static void
test_error_positions(void **state)
{
	static const char yaml[] =
	    "community: {name: 晴れやか, home_community_id: urn:oid:2.999.1, colour: 1,\n"
	    "  assigning_authority: 2.999.1.1, repository_unique_id: 2.999.1.2}\n"
	    "listen: [{address: 127.0.0.1, port: 0}, 8443]\n"
	    "tls: {certificate: a, private_key: b}\n"
	    "limits: {max_body: 2GiB}\n";
	struct config *cf;
	char *errs;

	(void)state;
	cf = load(put_file("positions.yaml", yaml, 0600), &errs);
	assert_null(cf);
	assert_string_equal(errs,
	    "positions.yaml:1:61: unknown key \"community.colour\"\n"
	    "positions.yaml:3:37: listen[0].port: 0 is out of range (1..65535)\n"
	    "positions.yaml:3:41: listen[1]: expected a mapping, got \"8443\"\n"
	    "positions.yaml:4:6: missing required key \"tls.ca\"\n"
	    "positions.yaml:5:20: limits.max_body: 2GiB is out of range (1KiB..1GiB)\n");
	free(errs);
}

/* Runs one golden case: the config copied to hashid.yaml (0600), errors compared with
 * "expected" exactly; an empty "expected" means it must load. */
static void
run_golden(const char *casedir, const char *name)
{
	char path[PATH_MAX + 300], *yaml, *expected, *errs;
	struct config *cf;

	snprintf(path, sizeof(path), "%s/%s/hashid.yaml", casedir, name);
	yaml = slurp(path);
	snprintf(path, sizeof(path), "%s/%s/expected", casedir, name);
	expected = slurp(path);
	if (yaml == NULL || expected == NULL)
		fail_msg("golden case %s: missing hashid.yaml or expected", name);
	cf = load(put_file("hashid.yaml", yaml, 0600), &errs);
	if (strcmp(errs, expected) != 0)
		fail_msg("golden case %s:\n--- expected\n%s--- got\n%s", name, expected, errs);
	if ((cf != NULL) != (*expected == '\0'))
		fail_msg("golden case %s: load %s", name, cf ? "succeeded" : "failed");
	config_free(cf);
	free(yaml);
	free(expected);
	free(errs);
}

static void
test_golden_cases(void **state)
{
	char casedir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)state;
	snprintf(casedir, sizeof(casedir), "%s/tests/conf", root_dir());
	d = opendir(casedir);
	if (d == NULL)
		fail_msg("cannot open %s: %s", casedir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
			continue;
		run_golden(casedir, de->d_name);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);	/* the cases were really found */
}

static void
test_writable_refused(void **state)
{
	static const char *modes[] = { "0620", "0602", "0666" };
	static const mode_t bits[] = { 0620, 0602, 0666 };
	struct config *cf;
	char *text, *errs, want[PATH_MAX + 128];
	const char *path;
	size_t i;

	(void)state;
	snprintf(want, sizeof(want), "%s/tests/conf/minimal-valid/hashid.yaml", root_dir());
	text = slurp(want);
	assert_non_null(text);
	for (i = 0; i < 3; i++) {
		path = put_file("writable.yaml", text, bits[i]);
		cf = load(path, &errs);
		assert_null(cf);
		snprintf(want, sizeof(want), "writable.yaml: refusing a group- or world-writable "
		    "configuration file (mode %s; chmod go-w)\n", modes[i]);
		assert_string_equal(errs, want);
		free(errs);
	}
	cf = load(put_file("writable.yaml", text, 0640), &errs);	/* group-readable is fine */
	assert_non_null(cf);
	assert_string_equal(errs, "");
	config_free(cf);
	free(errs);
	cf = load(put_file("writable.yaml", text, 0600), &errs);
	assert_non_null(cf);
	config_free(cf);
	free(errs);
	free(text);
	snprintf(want, sizeof(want), "%s/absent.yaml", tmpdir);
	cf = load(want, &errs);
	assert_null(cf);
	assert_string_equal(errs, "absent.yaml: No such file or directory\n");
	free(errs);
}

static void
assert_identity_equal(const struct cert_identity *a, const struct cert_identity *b)
{
	assert_true((a->ci_subject == NULL) == (b->ci_subject == NULL));
	if (a->ci_subject != NULL)
		assert_string_equal(a->ci_subject, b->ci_subject);
	assert_int_equal(a->ci_has_sha256, b->ci_has_sha256);
	assert_memory_equal(a->ci_sha256, b->ci_sha256, CONFIG_FPR_LEN);
}

#define SAME_STR(f)	do { assert_true((a->f == NULL) == (b->f == NULL)); \
	if (a->f != NULL) assert_string_equal(a->f, b->f); } while (0)
#define SAME_INT(f)	assert_true(a->f == b->f)

static void
assert_config_equal(const struct config *a, const struct config *b)
{
	size_t i, k;

	SAME_STR(cf_name); SAME_STR(cf_hcid); SAME_STR(cf_assigning_authority);
	SAME_STR(cf_repository_id); SAME_STR(cf_state_dir); SAME_STR(cf_tls_cert);
	SAME_STR(cf_tls_key); SAME_STR(cf_tls_ca); SAME_INT(cf_tls_allow_12);
	SAME_INT(cf_max_body); SAME_INT(cf_max_mtom_body); SAME_INT(cf_max_xml_depth);
	SAME_INT(cf_max_connections); SAME_INT(cf_tolerate_wsa_mustunderstand);
	SAME_INT(cf_connect_timeout_ms); SAME_INT(cf_read_timeout_ms);
	SAME_INT(cf_request_timeout_ms); SAME_INT(cf_idle_timeout_ms); SAME_INT(cf_pool_size);
	SAME_INT(cf_registry); SAME_INT(cf_registry_map_size);
	SAME_STR(cf_remote_registry_url); SAME_STR(cf_remote_repository_url);
	SAME_INT(cf_nlisten); SAME_INT(cf_nlocals); SAME_INT(cf_npeers);
	for (i = 0; i < a->cf_nlisten; i++) {
		assert_string_equal(a->cf_listen[i].la_address, b->cf_listen[i].la_address);
		assert_int_equal(a->cf_listen[i].la_port, b->cf_listen[i].la_port);
	}
	for (i = 0; i < a->cf_nlocals; i++) {
		assert_string_equal(a->cf_locals[i].ls_name, b->cf_locals[i].ls_name);
		assert_identity_equal(&a->cf_locals[i].ls_id, &b->cf_locals[i].ls_id);
	}
	for (i = 0; i < a->cf_npeers; i++) {
		const struct peer *p = &a->cf_peers[i], *q = &b->cf_peers[i];

		assert_string_equal(p->pr_name, q->pr_name);
		assert_string_equal(p->pr_hcid, q->pr_hcid);
		assert_string_equal(p->pr_assigning_authority, q->pr_assigning_authority);
		assert_identity_equal(&p->pr_id, &q->pr_id);
		assert_string_equal(p->pr_query_url, q->pr_query_url);
		assert_string_equal(p->pr_retrieve_url, q->pr_retrieve_url);
		assert_int_equal(p->pr_nmap, q->pr_nmap);
		for (k = 0; k < p->pr_nmap; k++) {
			assert_string_equal(p->pr_map[k].pm_local, q->pr_map[k].pm_local);
			assert_string_equal(p->pr_map[k].pm_remote, q->pr_map[k].pm_remote);
		}
	}
}

/* Prints CF to NAME (0600) and returns the text after the first (comment) line. */
static char *
print_to(const struct config *cf, const char *name)
{
	char path[PATH_MAX + 64], *text, *body;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	config_print(cf, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	text = slurp(path);
	assert_non_null(text);
	assert_true(strncmp(text, "# ", 2) == 0);
	body = strdup(strchr(text, '\n') + 1);
	free(text);
	return body;
}

/* Loads FILE, prints it, loads the print: equal configs, identical prints, and every
 * string in MUST (NULL-terminated) appears in the print. */
static void
round_trip(const char *file, const char *const *must)
{
	struct config *a, *b, *c;
	char *errs, *pa, *pb, path[PATH_MAX + 64];

	a = load(file, &errs);
	assert_string_equal(errs, "");
	free(errs);
	assert_non_null(a);
	pa = print_to(a, "printed1.yaml");
	snprintf(path, sizeof(path), "%s/printed1.yaml", tmpdir);
	b = load(path, &errs);
	assert_string_equal(errs, "");
	free(errs);
	assert_non_null(b);
	assert_config_equal(a, b);
	pb = print_to(b, "printed2.yaml");
	assert_string_equal(pa, pb);
	for (; *must != NULL; must++)
		if (strstr(pa, *must) == NULL)
			fail_msg("\"%s\" not in the printed config:\n%s", *must, pa);
	snprintf(path, sizeof(path), "%s/printed2.yaml", tmpdir);
	c = load(path, &errs);	/* and a printed config is as good as the original */
	assert_non_null(c);
	assert_config_equal(a, c);
	free(errs);
	free(pa);
	free(pb);
	config_free(a);
	config_free(b);
	config_free(c);
}

static void
test_round_trip(void **state)
{
	/* Durations print in ms, sizes in bytes, defaults and absent keys included. */
	static const char *const must[] = { "  connect: 2000ms\n", "  idle: 60000ms\n",
	    "  max_body: 16777216\n", "  map_size: 4294967296\n", "  allow_tls12: false\n",
	    "  max_connections: 1024\n", "state_dir: \"/var/lib/hashi\"\n",
	    "    sha256: \"01:23:45:67:89:AB:CD:EF:", "  backend: embedded\n", NULL };

	(void)state;
	round_trip(example_path(), must);
}

static void
test_round_trip_tricky(void **state)
{
	static const char tricky[] =
	    "community:\n"
	    "  name: \"quote \\\" back\\\\slash \\t tab ホーム\"\n"
	    "  home_community_id: urn:oid:2.999.1\n"
	    "  assigning_authority: 2.999.1.1\n"
	    "  repository_unique_id: 2.999.1.2\n"
	    "listen: [{address: 127.0.0.1, port: 1}]\n"
	    "tls: {certificate: a, private_key: b, ca: c, allow_tls12: yes}\n"
	    "limits: {max_body: 16MiB, max_mtom_body: 16GiB, tolerate_wsa_mustunderstand: on}\n"
	    "timeouts: {connect: 2s, read: 10m, request: 90s, idle: 1m, pool_size: 64}\n"
	    "registry: {backend: remote, map_size: 1GiB, remote: {registry_url: \"https://r\","
	    " repository_url: \"https://s:1/x\"}}\n"
	    "local_systems: [{name: only-fpr, sha256: \"00112233445566778899aabbccddeeff"
	    "00112233445566778899AABBCCDDEEFF\"}]\n"
	    "peers: [{name: p, home_community_id: \"urn:oid:2.999.2\", assigning_authority: "
	    "2.999.2.1, subject: \"CN=a\\\\,b,O=x\", query_url: \"https://p\", "
	    "retrieve_url: \"https://p/r\"}]\n";
	static const char *const must[] = { "  name: \"quote \\\" back\\\\slash \\x09 tab ホーム\"\n",
	    "  read: 600000ms\n", "  max_body: 16777216\n", "  allow_tls12: true\n",
	    "    subject: \"CN=a\\\\,b,O=x\"\n", "    patient_map: []\n",
	    "  - name: \"only-fpr\"\n    sha256: \"00:11:", "  backend: remote\n", NULL };
	struct config *cf;
	char *errs;

	(void)state;
	cf = load(put_file("tricky.yaml", tricky, 0600), &errs);
	assert_string_equal(errs, "");
	assert_non_null(cf);
	assert_string_equal(cf->cf_name, "quote \" back\\slash \t tab ホーム");
	assert_string_equal(cf->cf_peers[0].pr_id.ci_subject, "CN=a\\,b,O=x");
	assert_null(cf->cf_locals[0].ls_id.ci_subject);
	assert_int_equal(cf->cf_locals[0].ls_id.ci_sha256[15], 0xff);
	assert_int_equal(cf->cf_peers[0].pr_nmap, 0);
	assert_true(cf->cf_max_mtom_body == (size_t)16 << 30);
	assert_int_equal(cf->cf_read_timeout_ms, 600000);
	assert_int_equal(cf->cf_tls_allow_12, 1);
	config_free(cf);
	free(errs);
	round_trip(put_file("tricky.yaml", tricky, 0600), must);
}

static void
test_parse_units(void **state)
{
	unsigned long long sz;
	long long ms;

	(void)state;
	assert_int_equal(conf_parse_size("0", &sz), 0);
	assert_true(sz == 0);
	assert_int_equal(conf_parse_size("4096", &sz), 0);
	assert_true(sz == 4096);
	assert_int_equal(conf_parse_size("512KiB", &sz), 0);
	assert_true(sz == 512 * 1024);
	assert_int_equal(conf_parse_size(" 64 mib ", &sz), 0);
	assert_true(sz == 64ULL << 20);
	assert_int_equal(conf_parse_size("1GiB", &sz), 0);
	assert_true(sz == 1ULL << 30);
	assert_int_equal(conf_parse_size("2TiB", &sz), 0);
	assert_true(sz == 2ULL << 40);
	assert_int_equal(conf_parse_size("7B", &sz), 0);
	assert_true(sz == 7);
	assert_int_equal(conf_parse_size("99999999999999TiB", &sz), 0);	/* saturates */
	assert_true(sz == ULLONG_MAX);
	assert_int_equal(conf_parse_size("16MB", &sz), -1);
	assert_int_equal(conf_parse_size("1.5GiB", &sz), -1);
	assert_int_equal(conf_parse_size("-1", &sz), -1);
	assert_int_equal(conf_parse_size("MiB", &sz), -1);
	assert_int_equal(conf_parse_size("1 Mi B", &sz), -1);
	assert_int_equal(conf_parse_size("", &sz), -1);

	assert_int_equal(conf_parse_duration("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(conf_parse_duration("10s", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(conf_parse_duration("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(conf_parse_duration("1 h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(conf_parse_duration("60", &ms), -1);	/* a unit is required */
	assert_int_equal(conf_parse_duration("1d", &ms), -1);
	assert_int_equal(conf_parse_duration("1.5s", &ms), -1);
	assert_int_equal(conf_parse_duration("-1s", &ms), -1);
	assert_int_equal(conf_parse_duration("s", &ms), -1);
}

/* The generic layer on its own: odd integer widths, a bounded sequence, lookups, errors
 * placed by schema code, and printing of empty and unset values. */
struct gen_item {
	char	*gi_id;
};

struct gen {
	int8_t		 g_small;
	uint16_t	 g_port;
	int		 g_level;
	struct gen_item	*g_items;
	size_t		 g_nitems;
	char		*g_label;
	char		*g_sub_x;
};

static const struct conf_option gen_item_opts[] = {
	{ .co_key = "id", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = offsetof(struct gen_item, gi_id) },
	{ .co_key = NULL }
};
static const struct conf_table gen_item_table = { "items", gen_item_opts,
	sizeof(struct gen_item) };
static const struct conf_option gen_sub_opts[] = {
	{ .co_key = "x", .co_type = CONF_STRING, .co_off = offsetof(struct gen, g_sub_x) },
	{ .co_key = NULL }
};
static const struct conf_table gen_sub_table = { "sub", gen_sub_opts, 0 };
static const char *const gen_levels[] = { "low", "high", NULL };
static const struct conf_option gen_opts[] = {
	{ .co_key = "small", .co_type = CONF_INT, .co_off = offsetof(struct gen, g_small),
	  .co_width = 1, .co_min = -5, .co_max = 5, .co_default = "-3" },
	{ .co_key = "port", .co_type = CONF_INT, .co_off = offsetof(struct gen, g_port),
	  .co_width = 2, .co_min = 1, .co_max = 65535 },
	{ .co_key = "level", .co_type = CONF_ENUM, .co_off = offsetof(struct gen, g_level),
	  .co_enum = gen_levels, .co_default = "high" },
	{ .co_key = "items", .co_type = CONF_SEQ, .co_table = &gen_item_table,
	  .co_off = offsetof(struct gen, g_items), .co_count_off = offsetof(struct gen, g_nitems),
	  .co_max = 2 },
	{ .co_key = "label", .co_type = CONF_STRING, .co_off = offsetof(struct gen, g_label) },
	{ .co_key = "sub", .co_type = CONF_MAP, .co_table = &gen_sub_table },
	{ .co_key = NULL }
};
static const struct conf_table gen_table = { "gen", gen_opts, sizeof(struct gen) };

static void
test_generic_table(void **state)
{
	struct gen g;
	struct conf *c;
	char *out = NULL, want[PATH_MAX + 200];
	size_t len = 0;
	FILE *mem;

	(void)state;
	memset(&g, 0, sizeof(g));
	c = conf_new(put_file("gen.yaml", "port: 65535\nitems:\n  - id: a\n  - id: b\n", 0600));
	assert_non_null(c);
	assert_int_equal(conf_load(c, &gen_table, &g), 0);
	assert_int_equal(g.g_small, -3);
	assert_int_equal(g.g_port, 65535);
	assert_int_equal(g.g_level, 1);
	assert_int_equal(g.g_nitems, 2);
	assert_string_equal(g.g_items[1].gi_id, "b");
	assert_true(conf_has(c, "items[1].id"));
	assert_false(conf_has(c, "items[2]"));
	assert_false(conf_has(c, "sub.x"));
	assert_true(conf_has(c, ""));
	conf_errorf(c, conf_lookup(c, "items[1].id"), "here");
	conf_errorf(c, conf_lookup(c, "items[7].id"), "there");	/* closest: items */
	conf_errorf(c, NULL, "file");
	assert_int_equal(conf_nerrors(c), 3);
	snprintf(want, sizeof(want), "%s/gen.yaml: file", tmpdir);
	assert_string_equal(conf_error(c, 0), want);
	snprintf(want, sizeof(want), "%s/gen.yaml:3:3: there", tmpdir);
	assert_string_equal(conf_error(c, 1), want);
	snprintf(want, sizeof(want), "%s/gen.yaml:4:9: here", tmpdir);
	assert_string_equal(conf_error(c, 2), want);
	assert_null(conf_error(c, 3));
	conf_free(c);

	mem = open_memstream(&out, &len);
	assert_non_null(mem);
	assert_int_equal(conf_print(&gen_table, &g, mem), 0);
	fclose(mem);
	assert_string_equal(out, "small: -3\nport: 65535\nlevel: high\nitems:\n"
	    "  - id: \"a\"\n  - id: \"b\"\n");
	free(out);
	conf_table_free(&gen_table, &g);
	assert_null(g.g_items);
	assert_int_equal(g.g_nitems, 0);

	/* Too many items, a negative value out of its int8 range, an unknown enum. */
	c = conf_new(put_file("gen.yaml", "small: -6\nport: 1\nlevel: mid\nitems: [{id: a}, "
	    "{id: b}, {id: c}]\nlabel: l\n", 0600));
	assert_int_equal(conf_load(c, &gen_table, &g), -1);
	assert_int_equal(conf_nerrors(c), 3);
	assert_non_null(strstr(conf_error(c, 0), "gen.yaml:1:8: small: -6 is out of range (-5..5)"));
	assert_non_null(strstr(conf_error(c, 1),
	    "gen.yaml:3:8: level: expected one of low, high, got \"mid\""));
	assert_non_null(strstr(conf_error(c, 2),
	    "gen.yaml:4:8: items: allows at most 2 entries, has 3"));
	conf_free(c);
	mem = open_memstream(&out, &len);
	assert_int_equal(conf_print(&gen_table, &g, mem), 0);
	fclose(mem);
	assert_non_null(strstr(out, "label: \"l\"\n"));
	free(out);
	conf_table_free(&gen_table, &g);
	assert_null(g.g_label);
	conf_table_free(&gen_table, NULL);
	conf_free(NULL);
	config_free(NULL);
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-conf.XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL || realpath(tmpdir, realtmp) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test(test_peer_by_hcid),
		cmocka_unit_test(test_defaults_and_relative_paths),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_golden_cases),
		cmocka_unit_test(test_writable_refused),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_tricky),
		cmocka_unit_test(test_parse_units),
		cmocka_unit_test(test_generic_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
