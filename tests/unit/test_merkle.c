/*
 * tests/unit/test_merkle.c: crypto/merkle against the RFC 6962 vectors in
 * shared/conformance/audit/rfc6962 (reference tree, transparency-dev/merkle probes, the real
 * Argon 2020 CT log) and a property test over an in-memory node store.
 *
 * The vectors are JSON of a few fixed shapes; a small reader for exactly those shapes is
 * below (no JSON library in the project).
 */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/merkle.h"
#include "conformance.h"

#define H MERKLE_HASH_LEN
#define RFC "audit/rfc6962"

/* ---- in-memory node store ---------------------------------------------------------- */

#define MEM_LEVELS	10
#define MEM_WIDTH	256

struct mem {
	uint8_t	 node[MEM_LEVELS][MEM_WIDTH][H];
	uint8_t	 set[MEM_LEVELS][MEM_WIDTH];
	uint64_t limit;		/* reads of nodes reaching past this many leaves fail */
	int	 fail_put;
};

static int
mem_get(void *arg, uint64_t level, uint64_t index, uint8_t out[H])
{
	struct mem *m = arg;

	if (level >= MEM_LEVELS || index >= MEM_WIDTH || !m->set[level][index])
		return -1;
	if (((index + 1) << level) > m->limit)
		return -1;
	memcpy(out, m->node[level][index], H);
	return 0;
}

static int
mem_put(void *arg, uint64_t level, uint64_t index, const uint8_t hash[H])
{
	struct mem *m = arg;

	if (m->fail_put || level >= MEM_LEVELS || index >= MEM_WIDTH)
		return -1;
	memcpy(m->node[level][index], hash, H);
	m->set[level][index] = 1;
	return 0;
}

static struct mem *
mem_new(void)
{
	struct mem *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->limit = UINT64_MAX;
	return m;
}

/* ---- tiny readers for the vector shapes --------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static size_t
hex_decode(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (s[0] != '\0') {
		assert_true(hexval(s[0]) >= 0 && hexval(s[1]) >= 0 && n < cap);
		out[n++] = (uint8_t)(hexval(s[0]) * 16 + hexval(s[1]));
		s += 2;
	}
	return n;
}

static int
b64val(int c)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(tab, c) : NULL;

	return p ? (int)(p - tab) : -1;
}

/* Standard base64 with padding; fails the test on anything else. */
static size_t
b64_decode(const char *s, uint8_t *out, size_t cap)
{
	size_t len = strlen(s), n = 0, i;
	uint32_t acc = 0;
	int bits = 0, v;

	assert_int_equal(len % 4, 0);
	for (i = 0; i < len; i++) {
		if (s[i] == '=')
			break;
		v = b64val((unsigned char)s[i]);
		assert_true(v >= 0);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			assert_true(n < cap);
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

/* Pointer just past `"KEY":` (and blanks) in BUF, or NULL. */
static const char *
json_key(const char *buf, const char *key)
{
	char pat[80];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	if ((p = strstr(buf, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	while (isspace((unsigned char)*p))
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

static uint64_t
json_u64(const char *buf, const char *key)
{
	const char *p = json_key(buf, key);

	assert_non_null(p);
	assert_true(isdigit((unsigned char)*p));
	return strtoull(p, NULL, 10);
}

static int
json_bool(const char *buf, const char *key)
{
	const char *p = json_key(buf, key);

	assert_non_null(p);
	if (strncmp(p, "true", 4) == 0)
		return 1;
	assert_int_equal(strncmp(p, "false", 5), 0);
	return 0;
}

/* Copies the string at P (at a '"', no escapes in these files) to OUT; returns past it. */
static const char *
json_str_at(const char *p, char *out, size_t cap)
{
	const char *e;

	assert_int_equal(*p, '"');
	e = strchr(p + 1, '"');
	assert_non_null(e);
	assert_true((size_t)(e - p - 1) < cap);
	memcpy(out, p + 1, (size_t)(e - p - 1));
	out[e - p - 1] = '\0';
	return e + 1;
}

/* Inside an array at P: the next string into OUT and a pointer past it, or NULL at ']'. */
static const char *
json_arr_next(const char *p, char *out, size_t cap)
{
	while (isspace((unsigned char)*p) || *p == ',' || *p == '[')
		p++;
	if (*p == ']')
		return NULL;
	return json_str_at(p, out, cap);
}

/* A decoded hash of any length (bad probes carry short or empty ones). */
struct bhash {
	uint8_t	b[64];
	size_t	len;
};

static void
json_b64(const char *buf, const char *key, struct bhash *out)
{
	char s[128];
	const char *p = json_key(buf, key);

	assert_non_null(p);
	json_str_at(p, s, sizeof(s));
	out->len = b64_decode(s, out->b, sizeof(out->b));
}

/* The array of base64 hashes at KEY (or null) into PATH; returns the count. */
static size_t
json_hashes(const char *buf, const char *key, struct bhash *path, size_t cap)
{
	char s[128];
	const char *p = json_key(buf, key);
	size_t n = 0;

	assert_non_null(p);
	if (strncmp(p, "null", 4) == 0)
		return 0;
	assert_int_equal(*p, '[');
	while ((p = json_arr_next(p, s, sizeof(s))) != NULL) {
		assert_true(n < cap);
		path[n].len = b64_decode(s, path[n].b, sizeof(path[n].b));
		n++;
	}
	return n;
}

/* Copies PATH into fixed-size hashes; 0 if any is not 32 bytes or there are too many. */
static int
fixed_path(const struct bhash *in, size_t n, uint8_t (*out)[H])
{
	size_t i;

	if (n > MERKLE_MAX_PATH)
		return 0;
	for (i = 0; i < n; i++) {
		if (in[i].len != H)
			return 0;
		memcpy(out[i], in[i].b, H);
	}
	return 1;
}

/* ---- the reference tree -------------------------------------------------------------- */

struct ref {
	struct mem *store;
	uint8_t	 root[9][H];
};

static void
ref_load(struct ref *r)
{
	char *buf, s[128];
	uint8_t data[64], leaf[H], want[H];
	const char *p, *q;
	size_t len, dlen, n = 0, lvl, i;

	buf = conformance_read(RFC "/reference-tree.json", &len);
	r->store = mem_new();
	p = json_key(buf, "leaf_inputs_hex");
	assert_non_null(p);
	while ((p = json_arr_next(p, s, sizeof(s))) != NULL) {
		dlen = hex_decode(s, data, sizeof(data));
		assert_int_equal(merkle_leaf_hash(data, dlen, leaf), 0);
		assert_int_equal(merkle_append(n, leaf, mem_put, mem_get, r->store), 0);
		n++;
	}
	assert_int_equal(n, 8);
	p = json_key(buf, "root_by_size");
	assert_non_null(p);
	for (i = 0; (p = json_arr_next(p, s, sizeof(s))) != NULL; i++) {
		assert_true(i < 9);
		assert_int_equal(hex_decode(s, r->root[i], H), H);
	}
	assert_int_equal(i, 9);
	/* Every stored node equals the published node hash of its level. */
	p = json_key(buf, "node_hashes_by_level");
	assert_non_null(p);
	p++;
	for (lvl = 0; lvl < 4; lvl++) {
		p = strchr(p, '[');
		assert_non_null(p);
		q = p;
		for (i = 0; (q = json_arr_next(q, s, sizeof(s))) != NULL; i++) {
			assert_int_equal(hex_decode(s, want, H), H);
			assert_true(i < 8 && r->store->set[lvl][i]);
			assert_memory_equal(r->store->node[lvl][i], want, H);
		}
		assert_int_equal(i, (size_t)8 >> lvl);
		p = strchr(p, ']') + 1;	/* the strings hold no ']' */
	}
	free(buf);
}

static void
test_reference_tree(void **state)
{
	struct ref r;
	uint8_t got[H], want[H];
	uint64_t n;

	(void)state;
	ref_load(&r);
	for (n = 0; n <= 8; n++) {
		r.store->limit = n;
		assert_int_equal(merkle_root(n, mem_get, r.store, got), 0);
		assert_memory_equal(got, r.root[n], H);
	}
	/* Hasher vectors (the N123/N456 one uses 4-byte children, outside this API). */
	hex_decode("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", want, H);
	assert_int_equal(merkle_leaf_hash(NULL, 0, got), 0);
	assert_memory_equal(got, want, H);
	hex_decode("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56", want, H);
	assert_int_equal(merkle_leaf_hash((const uint8_t *)"L123456", 7, got), 0);
	assert_memory_equal(got, want, H);
	hex_decode("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, H);
	assert_memory_equal(r.root[0], want, H);
	free(r.store);
}

/* ---- transparency-dev/merkle probes -------------------------------------------------- */

struct tally {
	int	files, good, bad, generated, deviations;
};

typedef void (*probe_fn)(const char *name, const char *json, struct ref *r, struct tally *t);

static void
probe_inclusion(const char *name, const char *json, struct ref *r, struct tally *t)
{
	struct bhash root, leaf, path[80];
	uint8_t fpath[MERKLE_MAX_PATH][H], gen[MERKLE_MAX_PATH][H];
	uint64_t idx = json_u64(json, "leafIdx"), size = json_u64(json, "treeSize");
	size_t n = json_hashes(json, "proof", path, 80), gn;
	int want = !json_bool(json, "wantErr"), ok, got = 0;

	json_b64(json, "root", &root);
	json_b64(json, "leafHash", &leaf);
	ok = root.len == H && leaf.len == H && fixed_path(path, n, fpath);
	if (ok)
		got = merkle_verify_inclusion(leaf.b, idx, size, (const uint8_t (*)[H])fpath,
		    n, root.b);
	if (got != want)
		fail_msg("%s: verifier says %d, vector wants %d", name, got, want);
	want ? t->good++ : t->bad++;
	/* A good probe on the reference tree: our own proof must be the same bytes. */
	if (want && size <= 8 && memcmp(root.b, r->root[size], H) == 0) {
		r->store->limit = size;
		assert_int_equal(merkle_inclusion_proof(idx, size, mem_get, r->store, gen, &gn), 0);
		assert_int_equal(gn, n);
		assert_memory_equal(gen, fpath, n * H);
		t->generated++;
	}
}

static void
probe_consistency(const char *name, const char *json, struct ref *r, struct tally *t)
{
	struct bhash r1, r2, path[80];
	uint8_t fpath[MERKLE_MAX_PATH][H], gen[MERKLE_MAX_PATH][H];
	uint64_t s1 = json_u64(json, "size1"), s2 = json_u64(json, "size2");
	size_t n = json_hashes(json, "proof", path, 80), gn;
	int want = !json_bool(json, "wantErr"), ok, got = 0;

	json_b64(json, "root1", &r1);
	json_b64(json, "root2", &r2);
	ok = r1.len == H && r2.len == H && fixed_path(path, n, fpath);
	if (ok)
		got = merkle_verify_consistency(s1, s2, r1.b, r2.b,
		    (const uint8_t (*)[H])fpath, n);
	/*
	 * Intended deviation (audit-consent-anchors.md A2.6): upstream accepts equal sizes
	 * with equal 12-byte "roots"; heads here are 32 bytes by type, so it is refused.
	 */
	if (strstr(name, "additional/sizes-are-equal-one-and-proof-is-empty.json") != NULL) {
		assert_true(want && !ok && !got);
		t->deviations++;
		return;
	}
	if (got != want)
		fail_msg("%s: verifier says %d, vector wants %d", name, got, want);
	want ? t->good++ : t->bad++;
	if (want && s2 <= 8 && memcmp(r2.b, r->root[s2], H) == 0 &&
	    memcmp(r1.b, r->root[s1], H) == 0) {
		r->store->limit = s2;
		assert_int_equal(merkle_consistency_proof(s1, s2, mem_get, r->store, gen, &gn),
		    0);
		assert_int_equal(gn, n);
		assert_memory_equal(gen, fpath, n * H);
		t->generated++;
	}
}

/* Runs FN on every .json file under REL (relative to the conformance folder), at any depth. */
static void
probe_dir(const char *rel, probe_fn fn, struct ref *r, struct tally *t)
{
	char path[1200], sub[1200];
	struct dirent *d;
	size_t len;
	char *json;
	DIR *dir;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", conformance_dir(), rel) >=
	    sizeof(path))
		fail_msg("path too long");
	if ((dir = opendir(path)) == NULL)
		fail_msg("cannot open %s", path);
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' || strcmp(d->d_name, "LICENSE") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel, d->d_name) >= sizeof(sub))
			fail_msg("path too long");
		len = strlen(d->d_name);
		if (len > 5 && strcmp(d->d_name + len - 5, ".json") == 0) {
			json = conformance_read(sub, &len);
			fn(sub, json, r, t);
			t->files++;
			free(json);
		} else {
			probe_dir(sub, fn, r, t);
		}
	}
	closedir(dir);
}

static void
test_probes(void **state)
{
	struct tally ti = { 0 }, tc = { 0 };
	struct ref r;

	(void)state;
	ref_load(&r);
	probe_dir(RFC "/transparency-dev-merkle/inclusion", probe_inclusion, &r, &ti);
	probe_dir(RFC "/transparency-dev-merkle/consistency", probe_consistency, &r, &tc);
	print_message("inclusion: %d files, %d good, %d bad, %d proofs regenerated\n",
	    ti.files, ti.good, ti.bad, ti.generated);
	print_message("consistency: %d files, %d good, %d bad, %d proofs regenerated, "
	    "%d intended deviation\n", tc.files, tc.good, tc.bad, tc.generated, tc.deviations);
	assert_int_equal(ti.files, 98);
	assert_int_equal(tc.files, 98);
	assert_int_equal(tc.deviations, 1);
	assert_true(ti.generated >= 5 && tc.generated >= 5);
	free(r.store);
}

/* ---- Argon 2020: a real CT log of 961 984 013 leaves ----------------------------------- */

/* Flipping any byte of any hash of PATH must make CHECK fail. */
static void
flip_each(uint8_t (*path)[H], size_t n, int (*check)(uint8_t (*)[H], size_t, const void *),
    const void *ctx)
{
	size_t i, b;

	for (i = 0; i < n; i++)
		for (b = 0; b < H; b += 7) {
			path[i][b] ^= 0x01;
			assert_int_equal(check(path, n, ctx), 0);
			path[i][b] ^= 0x01;
		}
	assert_int_equal(check(path, n, ctx), 1);
}

struct argon {
	uint8_t	 leaf[H], root[H], oldroot[H];
	uint64_t idx, size, oldsize;
};

static int
argon_incl(uint8_t (*path)[H], size_t n, const void *ctx)
{
	const struct argon *a = ctx;

	return merkle_verify_inclusion(a->leaf, a->idx, a->size, (const uint8_t (*)[H])path, n,
	    a->root);
}

static int
argon_cons(uint8_t (*path)[H], size_t n, const void *ctx)
{
	const struct argon *a = ctx;

	return merkle_verify_consistency(a->oldsize, a->size, a->oldroot, a->root,
	    (const uint8_t (*)[H])path, n);
}

static void
test_argon2020(void **state)
{
	struct argon a;
	struct bhash h, path[80];
	uint8_t fpath[MERKLE_MAX_PATH][H], data[2048];
	char *sth, *ent, *prf, *cons, s[2048];
	size_t len, n, dlen;
	const char *p;

	(void)state;
	sth = conformance_read(RFC "/go-sumdb-argon2020/sth.json", &len);
	ent = conformance_read(RFC "/go-sumdb-argon2020/entries.json", &len);
	prf = conformance_read(RFC "/go-sumdb-argon2020/proof.json", &len);
	cons = conformance_read(RFC "/go-sumdb-argon2020/consistency.json", &len);
	a.size = json_u64(sth, "tree_size");
	assert_int_equal(a.size, 961984013);
	json_b64(sth, "sha256_root_hash", &h);
	assert_int_equal(h.len, H);
	memcpy(a.root, h.b, H);
	/* leaf_input is the CT MerkleTreeLeaf: the bytes that get the 0x00 prefix. */
	p = json_key(ent, "leaf_input");
	assert_non_null(p);
	json_str_at(p, s, sizeof(s));
	dlen = b64_decode(s, data, sizeof(data));
	assert_int_equal(merkle_leaf_hash(data, dlen, a.leaf), 0);
	a.idx = json_u64(prf, "leaf_index");
	assert_int_equal(a.idx, 10000);
	n = json_hashes(prf, "audit_path", path, 80);
	assert_int_equal(n, 30);
	assert_true(fixed_path(path, n, fpath));
	assert_int_equal(argon_incl(fpath, n, &a), 1);
	flip_each(fpath, n, argon_incl, &a);
	a.idx = 10001;
	assert_int_equal(argon_incl(fpath, n, &a), 0);
	a.idx = 10000;
	assert_int_equal(argon_incl(fpath, n - 1, &a), 0);
	/* Old tree head of get-sth-consistency first=3654490 (conformance/audit/SOURCES.md). */
	a.oldsize = 3654490;
	assert_int_equal(b64_decode("AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=", a.oldroot,
	    H), H);
	n = json_hashes(cons, "consistency", path, 80);
	assert_int_equal(n, 30);
	assert_true(fixed_path(path, n, fpath));
	assert_int_equal(argon_cons(fpath, n, &a), 1);
	flip_each(fpath, n, argon_cons, &a);
	a.oldsize++;
	assert_int_equal(argon_cons(fpath, n, &a), 0);
	free(sth);
	free(ent);
	free(prf);
	free(cons);
}

/* ---- property test: every proof of every prefix of a 200-leaf tree ------------------- */

#define PROP_MAX 200

/* MTH(LEAVES[0..N)) by the recursive definition of RFC 9162 §2.1.1, for comparison. */
static void
naive_mth(uint8_t (*leaves)[H], uint64_t n, uint8_t out[H])
{
	uint8_t l[H], r[H];
	uint64_t k = 1;

	if (n == 1) {
		memcpy(out, leaves[0], H);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	naive_mth(leaves, k, l);
	naive_mth(leaves + k, n - k, r);
	assert_int_equal(merkle_node_hash(l, r, out), 0);
}

static void
test_property(void **state)
{
	static uint8_t leaves[PROP_MAX][H], roots[PROP_MAX + 1][H];
	uint8_t path[MERKLE_MAX_PATH][H], naive[H], data[8];
	struct mem *m = mem_new();
	uint64_t n, i, k;
	size_t len;
	int checked = 0;

	(void)state;
	for (n = 0; n < PROP_MAX; n++) {
		memcpy(data, &n, sizeof(n));
		assert_int_equal(merkle_leaf_hash(data, sizeof(data), leaves[n]), 0);
		assert_int_equal(merkle_append(n, leaves[n], mem_put, mem_get, m), 0);
		m->limit = n + 1;
		assert_int_equal(merkle_root(n + 1, mem_get, m, roots[n + 1]), 0);
		naive_mth(leaves, n + 1, naive);
		assert_memory_equal(roots[n + 1], naive, H);
	}
	for (n = 1; n <= PROP_MAX; n++) {
		m->limit = n;	/* a proof for size n may not read past leaf n */
		for (i = 0; i < n; i++) {
			assert_int_equal(merkle_inclusion_proof(i, n, mem_get, m, path, &len), 0);
			assert_int_equal(merkle_verify_inclusion(leaves[i], i, n,
			    (const uint8_t (*)[H])path, len, roots[n]), 1);
			if (len > 0) {
				path[i % len][i % H] ^= 0x80;
				assert_int_equal(merkle_verify_inclusion(leaves[i], i, n,
				    (const uint8_t (*)[H])path, len, roots[n]), 0);
			}
			if (i + 1 < n)
				assert_int_equal(merkle_verify_inclusion(leaves[i + 1], i, n,
				    (const uint8_t (*)[H])path, len, roots[n]), 0);
			checked++;
		}
		for (k = 1; k <= n; k++) {
			assert_int_equal(merkle_consistency_proof(k, n, mem_get, m, path, &len),
			    0);
			assert_int_equal(merkle_verify_consistency(k, n, roots[k], roots[n],
			    (const uint8_t (*)[H])path, len), 1);
			if (len > 0) {
				path[k % len][k % H] ^= 0x01;
				assert_int_equal(merkle_verify_consistency(k, n, roots[k],
				    roots[n], (const uint8_t (*)[H])path, len), 0);
			} else {
				assert_int_equal(k, n);
			}
			checked++;
		}
	}
	assert_int_equal(checked, PROP_MAX * (PROP_MAX + 1));
	free(m);
}

/* ---- bad sizes and failing stores ---------------------------------------------------- */

static void
test_edges(void **state)
{
	uint8_t path[MERKLE_MAX_PATH][H], h[H] = { 0 }, (*one)[H];
	struct mem *m = mem_new();
	size_t len = 99;
	uint64_t i;

	(void)state;
	assert_int_equal(merkle_inclusion_proof(0, 0, mem_get, m, path, &len), -1);
	assert_int_equal(len, 0);
	assert_int_equal(merkle_consistency_proof(0, 3, mem_get, m, path, &len), -1);
	assert_int_equal(merkle_consistency_proof(4, 3, mem_get, m, path, &len), -1);
	/* Nothing stored yet: reads fail and the failure is passed on. */
	assert_int_equal(merkle_root(3, mem_get, m, h), -1);
	assert_int_equal(merkle_inclusion_proof(0, 2, mem_get, m, path, &len), -1);
	assert_int_equal(merkle_consistency_proof(1, 3, mem_get, m, path, &len), -1);
	assert_int_equal(merkle_append(UINT64_MAX, h, mem_put, mem_get, m), -1);
	m->fail_put = 1;
	assert_int_equal(merkle_append(0, h, mem_put, mem_get, m), -1);
	m->fail_put = 0;
	for (i = 0; i < 4; i++)
		assert_int_equal(merkle_append(i, h, mem_put, mem_get, m), 0);
	assert_true(m->set[2][0]);
	/* Verifiers: out-of-range index or sizes, and an oversized path, are invalid. */
	assert_int_equal(merkle_verify_inclusion(h, 0, 0, NULL, 0, h), 0);
	assert_int_equal(merkle_verify_inclusion(h, 5, 4, NULL, 0, h), 0);
	assert_int_equal(merkle_verify_inclusion(h, 0, 1, NULL, 0, h), 1);
	assert_int_equal(merkle_verify_inclusion(h, 0, 1, (const uint8_t (*)[H])path,
	    MERKLE_MAX_PATH + 1, h), 0);
	assert_int_equal(merkle_verify_consistency(0, 0, h, h, NULL, 0), 0);
	assert_int_equal(merkle_verify_consistency(2, 1, h, h, NULL, 0), 0);
	assert_int_equal(merkle_verify_consistency(1, 2, h, h, NULL, 0), 0);
	assert_int_equal(merkle_verify_consistency(3, 3, h, h, NULL, 0), 1);
	/* An empty proof must not be read (valgrind sees a read past this one-hash buffer). */
	one = calloc(1, H);
	assert_non_null(one);
	assert_int_equal(merkle_verify_consistency(3, 4, h, h, (const uint8_t (*)[H])one, 0),
	    0);
	free(one);
	assert_int_equal(merkle_verify_consistency(3, 3, h, h, (const uint8_t (*)[H])path, 1),
	    0);
	/* Huge sizes do not overflow or loop: a short path for 2^63 leaves fails. */
	assert_int_equal(merkle_verify_inclusion(h, (uint64_t)1 << 62, UINT64_MAX,
	    (const uint8_t (*)[H])path, 3, h), 0);
	assert_int_equal(merkle_verify_consistency(UINT64_MAX - 1, UINT64_MAX, h, h,
	    (const uint8_t (*)[H])path, 3), 0);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_tree),
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_argon2020),
		cmocka_unit_test(test_property),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
