/*
 * tests/unit/test_checkpoint: C2SP signed notes (Ed25519) and tlog-checkpoint bodies,
 * against the C2SP examples in shared/conformance/audit/checkpoint and with keys made at
 * test time in a mkdtemp directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"
#include "crypto/checkpoint.h"
#include "conformance.h"

#define EX_DIR	"audit/checkpoint/"

static const uint8_t sofa_root[32] = {
	0x0a, 0xc5, 0x18, 0x6a, 0x91, 0x86, 0x3e, 0x8e, 0x1d, 0x90, 0xc8, 0x08, 0x01, 0x4a,
	0xa8, 0x9b, 0xf5, 0xda, 0x8e, 0x3e, 0xe1, 0xd9, 0xf0, 0x76, 0x30, 0xf0, 0x37, 0x8f,
	0x68, 0xf1, 0xab, 0x62
};

/* The example vkey file without its final newline, as a verifier. */
static struct note_verifier *
example_verifier(void)
{
	struct note_verifier *v;
	size_t len;
	char *vkey = conformance_read(EX_DIR "c2sp-signed-note-example.vkey", &len);

	while (len > 0 && vkey[len - 1] == '\n')
		vkey[--len] = '\0';
	v = note_verifier_parse(vkey);
	free(vkey);
	assert_non_null(v);
	return v;
}

/* Verifies the NUL-terminated NOTE with V. */
static int
verify_str(const struct note_verifier *v, const char *note)
{
	return note_verify(v, note, strlen(note), NULL, NULL);
}

static void
test_example_verifies(void **state)
{
	struct note_verifier *v = example_verifier();
	const char *body = NULL;
	size_t len, bodylen = 0;
	char *note = conformance_read(EX_DIR "c2sp-signed-note-example.note", &len);

	(void)state;
	assert_int_equal(note_verify(v, note, len, &body, &bodylen), 1);
	assert_ptr_equal(body, note);
	assert_int_equal(bodylen, 28);
	assert_memory_equal(body, "This is an example message.\n", 28);

	note[5] ^= 0x20;		/* one byte of the text */
	assert_int_equal(note_verify(v, note, len, NULL, NULL), 0);
	note[5] ^= 0x20;
	assert_int_equal(note_verify(v, note, len, NULL, NULL), 1);
	/* "— example.com/foo " is 20 bytes after the 29-byte text and blank line; 12 base64
	 * characters further is inside the signature, past the key ID. */
	assert_true(note[29 + 20 + 12] != 'A');
	note[29 + 20 + 12] = 'A';
	assert_int_equal(note_verify(v, note, len, NULL, NULL), 0);
	free(note);
	note_verifier_free(v);
}

static void
test_example_other_key_same_name(void **state)
{
	char dir[] = "/tmp/hashi-ckpt-XXXXXX", path[64];
	struct strbuf vk = { 0 };
	struct note_verifier *v;
	size_t len;
	char *note = conformance_read(EX_DIR "c2sp-signed-note-example.note", &len);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.pem", dir);
	assert_int_equal(note_keygen("example.com/foo", path, &vk), 0);
	assert_non_null(v = note_verifier_parse(vk.sb_data));
	assert_int_equal(note_verify(v, note, len, NULL, NULL), 0);
	note_verifier_free(v);
	strbuf_reset(&vk);
	free(note);
	unlink(path);
	rmdir(dir);
}

static void
test_tlog_example_parses(void **state)
{
	struct checkpoint c;
	struct strbuf sb = { 0 };
	size_t len, bodylen;
	char *note = conformance_read(EX_DIR "c2sp-tlog-checkpoint-example.note", &len);
	char *sep = strstr(note, "\n\n");

	(void)state;
	assert_non_null(sep);
	bodylen = (size_t)(sep - note) + 1;
	assert_int_equal(checkpoint_parse(note, bodylen, &c), 0);
	assert_string_equal(c.origin, "example.com/behind-the-sofa");
	assert_true(c.size == 20852163);
	assert_memory_equal(c.root, sofa_root, 32);
	/* Formatting gives back the same bytes. */
	assert_int_equal(checkpoint_format(&c, &sb), 0);
	assert_int_equal(sb.sb_len, bodylen);
	assert_memory_equal(sb.sb_data, note, bodylen);
	strbuf_reset(&sb);
	free(note);
}

static void
test_checkpoint_parse_rules(void **state)
{
	static const char *bad[] = {
		"o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",	/* leading 0 */
		"\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",	/* empty origin */
		"o\n1\n",						/* no root */
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n",	/* 31 bytes */
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",	/* non-canonical */
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",	/* empty ext */
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",	/* no newline */
		"o\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n1 \nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	};
	const char *ext = "o\n0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\nx y\n";
	const char *max = "o\n18446744073709551615\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
	struct checkpoint c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (checkpoint_parse(bad[i], strlen(bad[i]), &c) != -1)
			fail_msg("accepted bad checkpoint %zu", i);
	assert_int_equal(checkpoint_parse(ext, strlen(ext), &c), 0);
	assert_true(c.size == 0);
	assert_int_equal(checkpoint_parse(max, strlen(max), &c), 0);
	assert_true(c.size == UINT64_MAX);
}

/* Makes a key in a fresh temp dir, signs a checkpoint, and returns the pieces. */
struct rt {
	char		 dir[32];
	char		 path[64];
	struct strbuf	 vkey;
	struct strbuf	 note;
	struct checkpoint c;
};

static void
rt_make(struct rt *rt)
{
	struct note_signer *s;
	struct strbuf body = { 0 };
	size_t i;

	memset(rt, 0, sizeof(*rt));
	snprintf(rt->dir, sizeof(rt->dir), "/tmp/hashi-ckpt-XXXXXX");
	assert_non_null(mkdtemp(rt->dir));
	snprintf(rt->path, sizeof(rt->path), "%s/audit.pem", rt->dir);
	assert_int_equal(note_keygen("audit.gw1.kanto.example", rt->path, &rt->vkey), 0);
	snprintf(rt->c.origin, sizeof(rt->c.origin), "audit.gw1.kanto.example");
	rt->c.size = 1234567;
	for (i = 0; i < sizeof(rt->c.root); i++)
		rt->c.root[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(checkpoint_format(&rt->c, &body), 0);
	assert_non_null(s = note_signer_load("audit.gw1.kanto.example", rt->path));
	assert_int_equal(note_sign(s, body.sb_data, body.sb_len, &rt->note), 0);
	note_signer_free(s);
	strbuf_reset(&body);
}

static void
rt_free(struct rt *rt)
{
	strbuf_reset(&rt->vkey);
	strbuf_reset(&rt->note);
	unlink(rt->path);
	rmdir(rt->dir);
}

static void
test_roundtrip(void **state)
{
	struct rt rt;
	struct stat st;
	struct note_verifier *v;
	struct checkpoint got;
	struct strbuf again = { 0 };
	const char *body;
	size_t bodylen;

	(void)state;
	rt_make(&rt);
	assert_int_equal(stat(rt.path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(str_has_prefix(rt.vkey.sb_data, "audit.gw1.kanto.example+"));
	assert_non_null(v = note_verifier_parse(rt.vkey.sb_data));
	assert_int_equal(note_verify(v, rt.note.sb_data, rt.note.sb_len, &body, &bodylen), 1);
	assert_int_equal(checkpoint_parse(body, bodylen, &got), 0);
	assert_string_equal(got.origin, rt.c.origin);
	assert_true(got.size == rt.c.size);
	assert_memory_equal(got.root, rt.c.root, 32);
	/* An existing key file is never overwritten. */
	assert_int_equal(note_keygen("x.example", rt.path, &again), -1);
	assert_null(again.sb_data);
	/* A group-readable key file is refused. */
	assert_int_equal(chmod(rt.path, 0640), 0);
	assert_null(note_signer_load("audit.gw1.kanto.example", rt.path));
	note_verifier_free(v);
	rt_free(&rt);
}

/* Returns a malloc'd copy of S with the first occurrence of FROM replaced by TO. */
static char *
replace(const char *s, const char *from, const char *to)
{
	struct strbuf sb = { 0 };
	const char *p = strstr(s, from);

	assert_non_null(p);
	strbuf_add(&sb, s, (size_t)(p - s));
	strbuf_puts(&sb, to);
	strbuf_puts(&sb, p + strlen(from));
	return strbuf_take(&sb, NULL);
}

static void
expect_reject(const struct note_verifier *v, char *note, const char *what)
{
	if (verify_str(v, note) != 0)
		fail_msg("accepted note with %s", what);
	free(note);
}

static void
test_malformed(void **state)
{
	char unknown[128], a91[92];
	struct note_verifier *v;
	struct strbuf sb = { 0 };
	struct rt rt;
	const char *n;
	char *sigline, *m;
	size_t i;

	(void)state;
	/* An unknown key's line: 91 'A' and one '=' decode to 68 bytes. */
	memset(a91, 'A', 91);
	a91[91] = '\0';
	snprintf(unknown, sizeof(unknown), "\xe2\x80\x94 other.example %s=\n", a91);
	rt_make(&rt);
	assert_non_null(v = note_verifier_parse(rt.vkey.sb_data));
	n = rt.note.sb_data;
	assert_int_equal(verify_str(v, n), 1);
	sigline = strstr(n, "\n\n") + 2;

	expect_reject(v, str_ndup(n, strlen(n) - 1), "no final newline");
	expect_reject(v, replace(n, "\n\n", "\n"), "no blank line");
	expect_reject(v, replace(n, "\xe2\x80\x94 ", "- "), "hyphen for em dash");
	expect_reject(v, replace(n, "\xe2\x80\x94 ", "\xe2\x80\x94"), "no space after dash");
	expect_reject(v, replace(n, "example ", "example  "), "two spaces");
	expect_reject(v, replace(n, "kanto.example\n", "kan\tto.example\n"), "control char");
	expect_reject(v, replace(n, "kanto.example\n", "kan\xff" "to.example\n"), "bad UTF-8");
	expect_reject(v, replace(n, sigline, ""), "no signature line");
	m = replace(sigline, "=\n", "=\n\n");
	strbuf_add(&sb, n, (size_t)(sigline - n));
	strbuf_puts(&sb, m);
	free(m);
	expect_reject(v, strbuf_take(&sb, NULL), "trailing blank line");
	m = replace(sigline, "=\n", "\n");
	strbuf_add(&sb, n, (size_t)(sigline - n));
	strbuf_puts(&sb, m);
	free(m);
	expect_reject(v, strbuf_take(&sb, NULL), "unpadded base64");
	expect_reject(v, replace(n, sigline, "\xe2\x80\x94 a+b AAAAAAA=\n"), "'+' in name");
	expect_reject(v, replace(n, sigline, "\xe2\x80\x94 x.example AAAAAA==\n"), "short sig");
	/* A second, failing signature of the known key rejects the note. */
	m = replace(sigline, "=\n", "");
	m[strlen(m) - 3] = m[strlen(m) - 3] == 'A' ? 'B' : 'A';
	strbuf_puts(&sb, n);
	strbuf_puts(&sb, m);
	strbuf_puts(&sb, "=\n");
	free(m);
	expect_reject(v, strbuf_take(&sb, NULL), "a bad known signature");
	/* Unknown signatures are ignored; 16 must be accepted, more than 100 are refused. */
	strbuf_puts(&sb, n);
	for (i = 0; i < 15; i++)
		strbuf_puts(&sb, unknown);
	assert_int_equal(verify_str(v, sb.sb_data), 1);
	for (; i < NOTE_MAX_SIGS; i++)
		strbuf_puts(&sb, unknown);
	expect_reject(v, strbuf_take(&sb, NULL), "too many signatures");
	note_verifier_free(v);
	rt_free(&rt);
}

static void
test_vkey_rules(void **state)
{
	static const char *bad[] = {
		"example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", /* ID */
		"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k\n",
		"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",
		"example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
		"+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
		"example.com/foo+530d903a",
		"example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", /* name */
		"example.com/foo+530d903a+AXh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4", /* key */
		"example.com/foo+530d903a+Aukyerrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", /* type */
	};
	struct note_verifier *v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if ((v = note_verifier_parse(bad[i])) != NULL) {
			note_verifier_free(v);
			fail_msg("accepted bad vkey %zu", i);
		}
	v = note_verifier_parse(
	    "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
	assert_non_null(v);
	note_verifier_free(v);
	assert_int_equal(note_name_valid("a\xc2\xa0" "b"), 0);	/* U+00A0 */
	assert_int_equal(note_name_valid("a\xe3\x80\x80" "b"), 0);	/* U+3000 */
	assert_int_equal(note_name_valid("監査.example"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_verifies),
		cmocka_unit_test(test_example_other_key_same_name),
		cmocka_unit_test(test_tlog_example_parses),
		cmocka_unit_test(test_checkpoint_parse_rules),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_vkey_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
