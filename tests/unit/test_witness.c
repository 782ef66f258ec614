/*
 * tests/unit/test_witness: the witness of peers' checkpoints (audit/witness.h) on temp
 * audit environments: an origin log, a forked copy of it and the witness's own log, each
 * in a mkdtemp dir. First use is accepted, consistent growth and the same checkpoint again
 * are co-signed; a rollback, a fork at the same size, a fork behind a bogus or foreign
 * proof, another key, another origin line and garbage are refused and leave the kept
 * checkpoint alone. Also: the cosignature line and storing it with the origin's note
 * (auditlog_checkpoint_cosign, auditlog_checkpoint_each).
 */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/auditlog.h"
#include "audit/witness.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "tmpdir.h"

#define MAPSIZE		((size_t)8 << 20)
#define ORIGIN		"hashi.test/origin"
#define WNAME		"hashi.test/witness"
#define CURSOR		"cosign:0badf00d"

struct fx {
	char			 tmp[64];
	struct note_signer	*so, *sw, *sx;	/* origin, witness, another ORIGIN key */
	struct note_verifier	*vo, *vw, *vx;
	char			 vkey_o[512];
	struct auditlog		*olog, *flog, *wlog;	/* origin, fork, witness */
};

static void
key(struct fx *fx, const char *name, const char *file, struct note_signer **s,
    struct note_verifier **v, char *vkey, size_t vkeysz)
{
	struct strbuf sb = { 0 };
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", fx->tmp, file);
	assert_int_equal(note_keygen(name, path, &sb), 0);
	assert_non_null(*s = note_signer_load(name, path));
	assert_non_null(*v = note_verifier_parse(sb.sb_data));
	if (vkey != NULL)
		snprintf(vkey, vkeysz, "%s", sb.sb_data);
	strbuf_reset(&sb);
}

static struct auditlog *
open_log(struct fx *fx, const char *name)
{
	char dir[128];
	struct auditlog *log;

	snprintf(dir, sizeof(dir), "%s/%s", fx->tmp, name);
	assert_non_null(log = auditlog_open(dir, MAPSIZE));
	return log;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->tmp, sizeof(fx->tmp), "/tmp/test_witness.XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	key(fx, ORIGIN, "origin.key", &fx->so, &fx->vo, fx->vkey_o, sizeof(fx->vkey_o));
	key(fx, WNAME, "witness.key", &fx->sw, &fx->vw, NULL, 0);
	key(fx, ORIGIN, "other.key", &fx->sx, &fx->vx, NULL, 0);
	fx->olog = open_log(fx, "origin");
	fx->flog = open_log(fx, "fork");
	fx->wlog = open_log(fx, "witness");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	auditlog_close(fx->olog);
	auditlog_close(fx->flog);
	auditlog_close(fx->wlog);
	note_signer_free(fx->so);
	note_signer_free(fx->sw);
	note_signer_free(fx->sx);
	note_verifier_free(fx->vo);
	note_verifier_free(fx->vw);
	note_verifier_free(fx->vx);
	assert_int_equal(tmpdir_remove(fx->tmp), 0);
	free(fx);
	return 0;
}

/* Appends records FROM..TO-1 of flavour SALT to LOG (the fork differs in SALT). */
static void
append(struct auditlog *log, uint64_t from, uint64_t to, int salt)
{
	struct auditlog_batch b;
	char rec[64];
	uint64_t i;
	int n;

	assert_int_equal(auditlog_begin(log, &b), AUDITLOG_OK);
	for (i = from; i < to; i++) {
		n = snprintf(rec, sizeof(rec), "record %llu flavour %d", (unsigned long long)i,
		    salt);
		assert_int_equal(auditlog_add(&b, (const uint8_t *)rec, (size_t)n, NULL),
		    AUDITLOG_OK);
	}
	assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
}

/* Signs LOG's current tree with S as origin ORIG into NOTE (reset first). */
static void
checkpoint(struct auditlog *log, const struct note_signer *s, const char *orig,
    struct strbuf *note)
{
	strbuf_reset(note);
	assert_int_equal(auditlog_checkpoint(log, s, orig, note), AUDITLOG_OK);
}

/* Witnesses NOTE with proof PATH[0..N) from OLD, as the origin key V named ORIGIN. */
static enum witness_verdict
witness(struct fx *fx, const struct note_verifier *v, const struct strbuf *note,
    uint64_t old, uint8_t (*path)[MERKLE_HASH_LEN], size_t n, struct witness_result *r)
{
	struct witness_request q;

	memset(&q, 0, sizeof(q));
	q.wq_note = note->sb_data;
	q.wq_len = note->sb_len;
	q.wq_old = old;
	q.wq_proof = (const uint8_t (*)[MERKLE_HASH_LEN])path;
	q.wq_nproof = n;
	return witness_check(fx->wlog, v, ORIGIN, &q, r);
}

/* Asserts that the witness keeps SIZE with LOG's root at SIZE for ORIGIN. */
static void
assert_kept(struct fx *fx, struct auditlog *log, uint64_t size)
{
	uint8_t want[MERKLE_HASH_LEN], got[MERKLE_HASH_LEN];
	uint64_t kept;

	assert_int_equal(witness_get(fx->wlog, ORIGIN, &kept, got), AUDITLOG_OK);
	assert_int_equal(kept, size);
	assert_int_equal(auditlog_root(log, size, want), AUDITLOG_OK);
	assert_memory_equal(got, want, MERKLE_HASH_LEN);
}

static void
test_first_use(void **state)
{
	struct fx *fx = *state;
	struct strbuf note = { 0 };
	struct witness_result r;
	uint64_t kept;

	assert_int_equal(witness_get(fx->wlog, ORIGIN, &kept, NULL), AUDITLOG_ENOTFOUND);
	append(fx->olog, 0, 5, 0);
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	/* a proof from a size the witness never kept is ignored on first use */
	assert_int_equal(witness(fx, fx->vo, &note, 3, NULL, 0, &r), WITNESS_COSIGNED);
	assert_int_equal(r.wr_known, 0);
	assert_true(r.wr_parsed);
	assert_int_equal(r.wr_ckpt.size, 5);
	assert_string_equal(r.wr_ckpt.origin, ORIGIN);
	assert_non_null(strstr(r.wr_why, "first"));
	assert_kept(fx, fx->olog, 5);
	strbuf_reset(&note);
}

static void
test_growth_and_again(void **state)
{
	struct fx *fx = *state;
	struct strbuf note = { 0 };
	struct witness_result r;
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	size_t n;

	append(fx->olog, 0, 5, 0);
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_COSIGNED);
	/* the same checkpoint again: co-signed, nothing changes */
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_COSIGNED);
	assert_int_equal(r.wr_known, 1);
	assert_int_equal(r.wr_known_size, 5);
	assert_kept(fx, fx->olog, 5);
	append(fx->olog, 5, 13, 0);
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	/* no proof, or one from another size: the witness names the size it kept */
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_CONFLICT);
	assert_int_equal(r.wr_known_size, 5);
	assert_int_equal(auditlog_consistency(fx->olog, 4, 13, path, &n), AUDITLOG_OK);
	assert_int_equal(witness(fx, fx->vo, &note, 4, path, n, &r), WITNESS_CONFLICT);
	assert_kept(fx, fx->olog, 5);
	assert_int_equal(auditlog_consistency(fx->olog, 5, 13, path, &n), AUDITLOG_OK);
	assert_int_equal(witness(fx, fx->vo, &note, 5, path, n, &r), WITNESS_COSIGNED);
	assert_int_equal(r.wr_known_size, 5);
	assert_kept(fx, fx->olog, 13);
	/* and once more at the same size with the same root: idempotent */
	assert_int_equal(witness(fx, fx->vo, &note, 5, path, n, &r), WITNESS_COSIGNED);
	assert_kept(fx, fx->olog, 13);
	strbuf_reset(&note);
}

static void
test_rollback(void **state)
{
	struct fx *fx = *state;
	struct strbuf old = { 0 }, note = { 0 };
	struct witness_result r;

	append(fx->olog, 0, 5, 0);
	checkpoint(fx->olog, fx->so, ORIGIN, &old);
	append(fx->olog, 5, 10, 0);
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_COSIGNED);
	assert_int_equal(witness(fx, fx->vo, &old, 0, NULL, 0, &r), WITNESS_ROLLBACK);
	assert_int_equal(r.wr_known_size, 10);
	assert_non_null(strstr(r.wr_why, "rollback"));
	assert_kept(fx, fx->olog, 10);
	strbuf_reset(&old);
	strbuf_reset(&note);
}

static void
test_fork_same_size(void **state)
{
	struct fx *fx = *state;
	struct strbuf note = { 0 }, fork = { 0 };
	struct witness_result r;

	append(fx->olog, 0, 6, 0);
	append(fx->flog, 0, 3, 0);
	append(fx->flog, 3, 6, 1);	/* rewritten from record 3 on */
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	checkpoint(fx->flog, fx->so, ORIGIN, &fork);
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_COSIGNED);
	assert_int_equal(witness(fx, fx->vo, &fork, 0, NULL, 0, &r), WITNESS_FORK);
	assert_non_null(strstr(r.wr_why, "fork"));
	assert_kept(fx, fx->olog, 6);
	strbuf_reset(&note);
	strbuf_reset(&fork);
}

static void
test_fork_bad_proof(void **state)
{
	struct fx *fx = *state;
	struct strbuf note = { 0 }, fork = { 0 };
	struct witness_result r;
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	size_t n;

	append(fx->olog, 0, 6, 0);
	append(fx->flog, 0, 3, 0);
	append(fx->flog, 3, 6, 1);
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_COSIGNED);
	/* the real log grows: a damaged proof is refused, the good one accepted below */
	append(fx->olog, 6, 11, 0);
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	assert_int_equal(auditlog_consistency(fx->olog, 6, 11, path, &n), AUDITLOG_OK);
	assert_true(n > 0);
	path[n - 1][0] ^= 1;
	assert_int_equal(witness(fx, fx->vo, &note, 6, path, n, &r), WITNESS_FORK);
	assert_int_equal(witness(fx, fx->vo, &note, 6, path, 0, &r), WITNESS_FORK);
	/* the fork grows too: its own proof is valid in its tree, not against ours */
	append(fx->flog, 6, 11, 1);
	checkpoint(fx->flog, fx->so, ORIGIN, &fork);
	assert_int_equal(auditlog_consistency(fx->flog, 6, 11, path, &n), AUDITLOG_OK);
	assert_int_equal(witness(fx, fx->vo, &fork, 6, path, n, &r), WITNESS_FORK);
	assert_kept(fx, fx->olog, 6);
	assert_int_equal(auditlog_consistency(fx->olog, 6, 11, path, &n), AUDITLOG_OK);
	assert_int_equal(witness(fx, fx->vo, &note, 6, path, n, &r), WITNESS_COSIGNED);
	assert_kept(fx, fx->olog, 11);
	strbuf_reset(&note);
	strbuf_reset(&fork);
}

static void
test_wrong_key_or_origin(void **state)
{
	struct fx *fx = *state;
	struct strbuf note = { 0 };
	struct witness_result r;
	uint64_t kept;

	append(fx->olog, 0, 4, 0);
	/* another key of the same name */
	checkpoint(fx->olog, fx->sx, ORIGIN, &note);
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_BADSIG);
	/* the origin's key, but the checkpoint names another log */
	checkpoint(fx->olog, fx->so, "hashi.test/evil", &note);
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_BADSIG);
	assert_non_null(strstr(r.wr_why, "hashi.test/evil"));
	/* the right note, checked against the witness's own key */
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	assert_int_equal(witness(fx, fx->vw, &note, 0, NULL, 0, &r), WITNESS_BADSIG);
	assert_int_equal(witness_get(fx->wlog, ORIGIN, &kept, NULL), AUDITLOG_ENOTFOUND);
	assert_int_equal(witness_get(fx->wlog, "hashi.test/evil", &kept, NULL),
	    AUDITLOG_ENOTFOUND);
	strbuf_reset(&note);
}

static void
test_garbage(void **state)
{
	struct fx *fx = *state;
	static const char *const junk[] = { "", "x", "hello\n", "\n\n",
	    "hashi.test/origin\n5\nAAAA\n\n\xe2\x80\x94 hashi.test/origin AAAA\n" };
	struct strbuf note = { 0 };
	struct witness_result r;
	uint8_t path[MERKLE_MAX_PATH + 1][MERKLE_HASH_LEN];
	uint64_t kept;
	size_t i;
	enum witness_verdict v;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		strbuf_reset(&note);
		strbuf_puts(&note, junk[i]);
		v = witness(fx, fx->vo, &note, 0, NULL, 0, &r);
		assert_true(v == WITNESS_MALFORMED || v == WITNESS_BADSIG);
		assert_int_equal(r.wr_parsed, 0);
	}
	/* signed by the right key, but not a checkpoint */
	strbuf_reset(&note);
	assert_int_equal(note_sign(fx->so, "hello\nworld\n", 12, &note), 0);
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_MALFORMED);
	/* a real checkpoint with a proof longer than any tree needs */
	append(fx->olog, 0, 3, 0);
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	memset(path, 0, sizeof(path));
	assert_int_equal(witness(fx, fx->vo, &note, 1, path, MERKLE_MAX_PATH + 1, &r),
	    WITNESS_MALFORMED);
	assert_int_equal(witness_get(fx->wlog, ORIGIN, &kept, NULL), AUDITLOG_ENOTFOUND);
	strbuf_reset(&note);
}

/* What count_cosigned counts. */
struct walk {
	const struct note_verifier	*w_origin, *w_witness;
	int				 w_notes, w_cosigned;
};

/* auditlog_checkpoint_each callback: counts notes and those the witness co-signed. */
static int
count_cosigned(void *arg, uint64_t size, const char *note, size_t len)
{
	struct walk *w = arg;

	(void)size;
	w->w_notes++;
	if (note_verify(w->w_origin, note, len, NULL, NULL) == 1 &&
	    note_verify(w->w_witness, note, len, NULL, NULL) == 1)
		w->w_cosigned++;
	return 0;
}

static void
test_cosign_stored(void **state)
{
	struct fx *fx = *state;
	struct strbuf note = { 0 }, line = { 0 }, other = { 0 }, stored = { 0 };
	struct witness_result r;
	struct walk walk;
	uint64_t cursor;
	size_t before;

	append(fx->olog, 0, 7, 0);
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	append(fx->olog, 7, 9, 0);
	checkpoint(fx->olog, fx->so, ORIGIN, &note);
	assert_int_equal(witness(fx, fx->vo, &note, 0, NULL, 0, &r), WITNESS_COSIGNED);
	assert_int_equal(witness_cosign(fx->sw, r.wr_body, r.wr_bodylen, &line), 0);
	assert_true(str_has_prefix(line.sb_data, "\xe2\x80\x94 " WNAME " "));
	assert_int_equal(line.sb_data[line.sb_len - 1], '\n');
	assert_null(memchr(line.sb_data, '\n', line.sb_len - 1));
	/* a line of another key, or over another text, is refused */
	assert_int_equal(witness_cosign(fx->sx, r.wr_body, r.wr_bodylen, &other), 0);
	assert_int_equal(auditlog_checkpoint_cosign(fx->olog, 9, fx->vw, other.sb_data,
	    other.sb_len, CURSOR), AUDITLOG_EFAIL);
	strbuf_reset(&other);
	assert_int_equal(witness_cosign(fx->sw, "x\n", 2, &other), 0);
	assert_int_equal(auditlog_checkpoint_cosign(fx->olog, 9, fx->vw, other.sb_data,
	    other.sb_len, CURSOR), AUDITLOG_EFAIL);
	assert_int_equal(auditlog_checkpoint_cosign(fx->olog, 8, fx->vw, line.sb_data,
	    line.sb_len, CURSOR), AUDITLOG_ENOTFOUND);
	assert_int_equal(auditlog_cursor(fx->olog, CURSOR, &cursor), AUDITLOG_OK);
	assert_int_equal(cursor, 0);
	/* the good one is stored, once, and the note verifies with both keys */
	assert_int_equal(auditlog_checkpoint_cosign(fx->olog, 9, fx->vw, line.sb_data,
	    line.sb_len, CURSOR), AUDITLOG_OK);
	assert_int_equal(auditlog_checkpoint_get(fx->olog, 9, &stored), AUDITLOG_OK);
	assert_int_equal(stored.sb_len, note.sb_len + line.sb_len);
	assert_int_equal(note_verify(fx->vo, stored.sb_data, stored.sb_len, NULL, NULL), 1);
	assert_int_equal(note_verify(fx->vw, stored.sb_data, stored.sb_len, NULL, NULL), 1);
	before = stored.sb_len;
	assert_int_equal(auditlog_checkpoint_cosign(fx->olog, 9, fx->vw, line.sb_data,
	    line.sb_len, CURSOR), AUDITLOG_OK);
	strbuf_reset(&stored);
	assert_int_equal(auditlog_checkpoint_get(fx->olog, 9, &stored), AUDITLOG_OK);
	assert_int_equal(stored.sb_len, before);
	assert_int_equal(auditlog_cursor(fx->olog, CURSOR, &cursor), AUDITLOG_OK);
	assert_int_equal(cursor, 9);
	/* two checkpoints, one co-signed */
	memset(&walk, 0, sizeof(walk));
	walk.w_origin = fx->vo;
	walk.w_witness = fx->vw;
	assert_int_equal(auditlog_checkpoint_each(fx->olog, count_cosigned, &walk),
	    AUDITLOG_OK);
	assert_int_equal(walk.w_notes, 2);
	assert_int_equal(walk.w_cosigned, 1);
	strbuf_reset(&note);
	strbuf_reset(&line);
	strbuf_reset(&other);
	strbuf_reset(&stored);
}

static void
test_vkey_name(void **state)
{
	struct fx *fx = *state;
	char buf[CHECKPOINT_ORIGIN_MAX];

	assert_non_null(witness_vkey_name(fx->vkey_o, buf, sizeof(buf)));
	assert_string_equal(buf, ORIGIN);
	assert_null(witness_vkey_name("noplus", buf, sizeof(buf)));
	assert_null(witness_vkey_name("+abc+def", buf, sizeof(buf)));
	assert_null(witness_vkey_name(fx->vkey_o, buf, 4));
	assert_string_equal(witness_verdict_name(WITNESS_FORK), "fork");
	assert_string_equal(witness_verdict_name(WITNESS_CONFLICT), "conflict");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growth_and_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_same_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_bad_proof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key_or_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cosign_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vkey_name, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
