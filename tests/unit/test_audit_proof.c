/*
 * tests/unit/test_audit_proof: audit/proof files. Inclusion and consistency proofs written
 * from a real log round trip through the checker; every single-byte change (three bit
 * patterns at every offset) and every truncation of a proof file fails the check; another
 * key's vkey fails; the writer refuses records not yet checkpointed and logs whose latest
 * checkpoint or records were tampered with. Everything in a mkdtemp dir.
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
#include <unistd.h>

#include "audit/auditlog.h"
#include "audit/auditlog_int.h"
#include "audit/proof.h"
#include "common/store.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "tests/unit/auditlog_raw.h"
#include "tests/unit/tmpdir.h"

#define MAPSIZE		((size_t)16 << 20)
#define ORIGIN		"hashi.test/proof"

struct fx {
	char			 tmp[64];
	char			 dir[96];
	struct note_signer	*s;
	struct note_verifier	*v;
	struct note_verifier	*v2;	/* another key of the same name */
	struct auditlog		*log;
};

static struct note_verifier *
keygen(struct fx *fx, const char *file, struct note_signer **s)
{
	struct strbuf vkey = { 0 };
	struct note_verifier *v;
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", fx->tmp, file);
	assert_int_equal(note_keygen(ORIGIN, path, &vkey), 0);
	assert_non_null(v = note_verifier_parse(vkey.sb_data));
	strbuf_reset(&vkey);
	if (s != NULL)
		assert_non_null(*s = note_signer_load(ORIGIN, path));
	return v;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->tmp, sizeof(fx->tmp), "/tmp/test_audit_proof.XXXXXX");
	assert_non_null(mkdtemp(fx->tmp));
	snprintf(fx->dir, sizeof(fx->dir), "%s/audit", fx->tmp);
	fx->v = keygen(fx, "key.pem", &fx->s);
	fx->v2 = keygen(fx, "key2.pem", NULL);
	assert_non_null(fx->log = auditlog_open(fx->dir, MAPSIZE));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	auditlog_close(fx->log);
	note_signer_free(fx->s);
	note_verifier_free(fx->v);
	note_verifier_free(fx->v2);
	assert_int_equal(tmpdir_remove(fx->tmp), 0);
	free(fx);
	return 0;
}

/* Record I: a short text. */
static size_t
make_record(uint64_t i, char *buf, size_t max)
{
	int n = snprintf(buf, max, "<AuditMessage n=\"%llu\"/>", (unsigned long long)i);

	assert_true(n > 0 && (size_t)n < max);
	return (size_t)n;
}

/* Appends records FROM..FROM+COUNT-1, then signs a checkpoint if CKPT. */
static void
append(struct fx *fx, uint64_t from, uint64_t count, int ckpt)
{
	struct auditlog_batch b;
	struct strbuf note = { 0 };
	char buf[64];
	uint64_t i;

	assert_int_equal(auditlog_begin(fx->log, &b), AUDITLOG_OK);
	for (i = from; i < from + count; i++)
		assert_int_equal(auditlog_add(&b, (const uint8_t *)buf,
		    make_record(i, buf, sizeof(buf)), NULL), AUDITLOG_OK);
	assert_int_equal(auditlog_commit(&b), AUDITLOG_OK);
	if (ckpt)
		assert_int_equal(auditlog_checkpoint(fx->log, fx->s, ORIGIN, &note), AUDITLOG_OK);
	strbuf_reset(&note);
}

/* 13 records, checkpoints at 5 and 11, two records after the last one. */
static void
build(struct fx *fx)
{
	append(fx, 0, 5, 1);
	append(fx, 5, 6, 1);
	append(fx, 11, 2, 0);
}

static int
check(struct fx *fx, const struct strbuf *file, struct proof_info *pi, char *err,
    size_t errsz)
{
	return proof_check(file->sb_data, file->sb_len, fx->v, pi, err, errsz);
}

/* Every byte of FILE changed by each of three masks, and every prefix, must fail. */
static void
expect_tamper_evident(struct fx *fx, const struct strbuf *file)
{
	static const uint8_t masks[] = { 0x01, 0x20, 0x80 };
	struct proof_info pi;
	char *copy, err[256];
	size_t i, m;

	assert_non_null(copy = malloc(file->sb_len));
	for (i = 0; i < file->sb_len; i++)
		for (m = 0; m < sizeof(masks); m++) {
			memcpy(copy, file->sb_data, file->sb_len);
			copy[i] ^= (char)masks[m];
			if (proof_check(copy, file->sb_len, fx->v, &pi, err, sizeof(err)) ==
			    PROOF_OK)
				fail_msg("byte %zu ^ 0x%02x still checks", i, masks[m]);
			proof_info_free(&pi);
		}
	for (i = 0; i < file->sb_len; i++) {
		assert_int_equal(proof_check(file->sb_data, i, fx->v, &pi, err, sizeof(err)),
		    PROOF_INVALID);
		proof_info_free(&pi);
	}
	free(copy);
}

static void
test_inclusion_round_trip(void **state)
{
	struct fx *fx = *state;
	struct strbuf file = { 0 };
	struct proof_info pi;
	char err[256], buf[64];
	uint64_t seq;
	size_t len;

	build(fx);
	for (seq = 0; seq < 11; seq++) {
		assert_int_equal(proof_inclusion_write(fx->log, fx->v, seq, &file, err,
		    sizeof(err)), PROOF_OK);
		assert_int_equal(check(fx, &file, &pi, err, sizeof(err)), PROOF_OK);
		assert_int_equal(pi.pi_kind, PROOF_INCLUSION);
		assert_int_equal(pi.pi_seq, seq);
		assert_int_equal(pi.pi_size, 11);
		assert_string_equal(pi.pi_origin, ORIGIN);
		len = make_record(seq, buf, sizeof(buf));
		assert_int_equal(pi.pi_record_len, len);
		assert_memory_equal(pi.pi_record, buf, len);
		proof_info_free(&pi);
		/* Another key's vkey of the same name does not check it. */
		assert_int_equal(proof_check(file.sb_data, file.sb_len, fx->v2, &pi, err,
		    sizeof(err)), PROOF_INVALID);
		assert_non_null(strstr(err, "signature does not verify"));
		proof_info_free(&pi);
		strbuf_reset(&file);
	}
	/* Not yet checkpointed, and beyond the log: no proof, OUT untouched. */
	assert_int_equal(proof_inclusion_write(fx->log, fx->v, 11, &file, err, sizeof(err)),
	    PROOF_ERROR);
	assert_non_null(strstr(err, "not covered by a signed checkpoint"));
	assert_int_equal(proof_inclusion_write(fx->log, fx->v, 13, &file, err, sizeof(err)),
	    PROOF_ERROR);
	assert_int_equal(file.sb_len, 0);
	/* A proof against a key that signed nothing. */
	assert_int_equal(proof_inclusion_write(fx->log, fx->v2, 3, &file, err, sizeof(err)),
	    PROOF_ERROR);
	strbuf_reset(&file);
}

static void
test_inclusion_tamper_evident(void **state)
{
	struct fx *fx = *state;
	struct strbuf file = { 0 };
	char err[256];

	build(fx);
	assert_int_equal(proof_inclusion_write(fx->log, fx->v, 6, &file, err, sizeof(err)),
	    PROOF_OK);
	expect_tamper_evident(fx, &file);
	strbuf_reset(&file);
}

static void
test_consistency(void **state)
{
	struct fx *fx = *state;
	struct strbuf file = { 0 };
	struct proof_info pi;
	char err[256];

	build(fx);
	assert_int_equal(proof_consistency_write(fx->log, fx->v, 5, 11, &file, err,
	    sizeof(err)), PROOF_OK);
	assert_int_equal(check(fx, &file, &pi, err, sizeof(err)), PROOF_OK);
	assert_int_equal(pi.pi_kind, PROOF_CONSISTENCY);
	assert_int_equal(pi.pi_old, 5);
	assert_int_equal(pi.pi_size, 11);
	proof_info_free(&pi);
	assert_int_equal(proof_check(file.sb_data, file.sb_len, fx->v2, &pi, err, sizeof(err)),
	    PROOF_INVALID);
	proof_info_free(&pi);
	expect_tamper_evident(fx, &file);
	strbuf_reset(&file);
	/* Equal sizes: the empty proof. */
	assert_int_equal(proof_consistency_write(fx->log, fx->v, 11, 11, &file, err,
	    sizeof(err)), PROOF_OK);
	assert_int_equal(check(fx, &file, &pi, err, sizeof(err)), PROOF_OK);
	proof_info_free(&pi);
	strbuf_reset(&file);
	/* Sizes without a stored checkpoint, or backwards. */
	assert_int_equal(proof_consistency_write(fx->log, fx->v, 5, 12, &file, err,
	    sizeof(err)), PROOF_ERROR);
	assert_non_null(strstr(err, "no stored checkpoint of size 12"));
	assert_int_equal(proof_consistency_write(fx->log, fx->v, 11, 5, &file, err,
	    sizeof(err)), PROOF_ERROR);
	assert_int_equal(proof_consistency_write(fx->log, fx->v, 0, 5, &file, err,
	    sizeof(err)), PROOF_ERROR);
	assert_int_equal(file.sb_len, 0);
}

/* Two genuine checkpoints of two different logs do not make a consistency proof. */
static void
test_consistency_swapped_notes(void **state)
{
	struct fx *fx = *state;
	struct strbuf file = { 0 }, forged = { 0 };
	struct proof_info pi;
	char err[256];
	const char *p;

	build(fx);
	assert_int_equal(proof_consistency_write(fx->log, fx->v, 5, 11, &file, err,
	    sizeof(err)), PROOF_OK);
	/* Claim 11 -> 5 by swapping the header numbers: the notes then disagree. */
	assert_non_null(p = strstr(file.sb_data, "old 5\nnew 11\n"));
	strbuf_add(&forged, file.sb_data, (size_t)(p - file.sb_data));
	strbuf_puts(&forged, "old 11\nnew 5\n");
	strbuf_puts(&forged, p + strlen("old 5\nnew 11\n"));
	assert_int_equal(proof_check(forged.sb_data, forged.sb_len, fx->v, &pi, err,
	    sizeof(err)), PROOF_INVALID);
	assert_non_null(strstr(err, "line "));
	proof_info_free(&pi);
	strbuf_reset(&file);
	strbuf_reset(&forged);
}

static void
test_garbage(void **state)
{
	static const char *files[] = {
		"", "\n", "hashi-audit-proof inclusion v1", "hashi-audit-proof inclusion v1\n",
		"hashi-audit-proof inclusion v1\nseq 01\n",
		"hashi-audit-proof inclusion v1\nseq 1\nsize 99999999999999999999999\n",
		"hashi-audit-proof inclusion v1\nseq 1\nsize 2\nrecord ====\n",
		"hashi-audit-proof inclusion v1\nseq 1\nsize 2\nrecord QQ==\npath 65\n",
		"hashi-audit-proof inclusion v1\nseq 1\nsize 2\nrecord QQ==\npath 0\n"
		    "checkpoint 999\nx\n",
		"hashi-audit-proof consistency v1\nold 1\nnew 2\npath 0\ncheckpoint 0\n",
		"something else\n",
	};
	struct fx *fx = *state;
	struct proof_info pi;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(proof_check(files[i], strlen(files[i]), fx->v, &pi, err,
		    sizeof(err)), PROOF_INVALID);
		assert_true(err[0] != '\0');
		proof_info_free(&pi);
	}
	assert_int_equal(proof_check(files[4], strlen(files[4]), fx->v, &pi, err,
	    sizeof(err)), PROOF_INVALID);
	assert_string_equal(err, "line 2: bad number after \"seq\"");
	proof_info_free(&pi);
}

/* A record altered in LMDB: the writer's own check refuses to hand out a proof. */
static void
test_writer_refuses_tampered(void **state)
{
	struct fx *fx = *state;
	struct strbuf file = { 0 };
	struct store *st;
	MDB_txn *txn;
	MDB_val v;
	uint8_t key[8], *copy;
	char err[256];

	build(fx);
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(key, 4);
	assert_int_equal(store_get(txn, store_dbi(st, AUDITLOG_DB_REC), key, 8, &v), 0);
	assert_non_null(copy = malloc(v.mv_size));
	memcpy(copy, v.mv_data, v.mv_size);
	copy[1] ^= 0x01;
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_REC), key, 8, copy,
	    v.mv_size, 0), 0);
	free(copy);
	auditlog_raw_close(st, txn, &fx->log, fx->dir, MAPSIZE);
	assert_int_equal(proof_inclusion_write(fx->log, fx->v, 4, &file, err, sizeof(err)),
	    PROOF_INVALID);
	assert_non_null(strstr(err, "does not prove"));
	assert_int_equal(file.sb_len, 0);
	assert_int_equal(proof_inclusion_write(fx->log, fx->v, 3, &file, err, sizeof(err)),
	    PROOF_OK);
	strbuf_reset(&file);
}

/* The latest checkpoint re-signed by another key: no proof from a suspect log, but the
 * latest valid checkpoint is still found (and the bad one counted). */
#define FORGED	ORIGIN "\n11\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
static void
test_bad_latest_checkpoint(void **state)
{
	struct fx *fx = *state;
	struct strbuf file = { 0 }, note = { 0 };
	struct note_signer *s2;
	struct checkpoint c;
	struct store *st;
	MDB_txn *txn;
	char path[128], err[256];
	uint64_t skipped;
	uint8_t key[8];

	build(fx);
	snprintf(path, sizeof(path), "%s/key2.pem", fx->tmp);
	assert_non_null(s2 = note_signer_load(ORIGIN, path));
	st = auditlog_raw_open(&fx->log, fx->dir, MAPSIZE, &txn);
	store_put_be64(key, 11);
	assert_int_equal(note_sign(s2, FORGED, strlen(FORGED), &note), 0);
	assert_int_equal(store_put(txn, store_dbi(st, AUDITLOG_DB_NOTE), key, 8, note.sb_data,
	    note.sb_len, 0), 0);
	strbuf_reset(&note);
	note_signer_free(s2);
	auditlog_raw_close(st, txn, &fx->log, fx->dir, MAPSIZE);
	assert_int_equal(proof_checkpoint_latest(fx->log, fx->v, &note, &c, &skipped), PROOF_OK);
	assert_int_equal(c.size, 5);
	assert_int_equal(skipped, 1);
	strbuf_reset(&note);
	assert_int_equal(proof_inclusion_write(fx->log, fx->v, 2, &file, err, sizeof(err)),
	    PROOF_INVALID);
	assert_non_null(strstr(err, "do not verify"));
	assert_int_equal(proof_consistency_write(fx->log, fx->v, 5, 11, &file, err,
	    sizeof(err)), PROOF_INVALID);
	assert_int_equal(file.sb_len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inclusion_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inclusion_tamper_evident, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consistency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consistency_swapped_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_refuses_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_latest_checkpoint, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
