/* Unit tests for mpi/match: the automatic-link rule and every near miss of the issue
 * (different address, missing address or sex, twins, ハシモト/バシモト, 髙橋/高橋, ヴ/ブ),
 * the diff bits, and symmetry. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mpi/match.h"
#include "mpi/norm.h"

static void
name_set(struct mpi_name *n, const char *family, const char *given)
{
	snprintf(n->mn_family, sizeof(n->mn_family), "%s", family);
	snprintf(n->mn_given, sizeof(n->mn_given), "%s", given);
}

/* The reference patient: 高橋 一郎, タカハシ イチロウ, 1980-01-05, male, in 岡山市. */
static void
base(struct mpi_demog *d)
{
	memset(d, 0, sizeof(*d));
	name_set(&d->md_kanji, "高橋", "一郎");
	name_set(&d->md_kana, "タカハシ", "イチロウ");
	snprintf(d->md_birth, sizeof(d->md_birth), "19800105");
	d->md_sex = 'M';
	snprintf(d->md_postal, sizeof(d->md_postal), "7008558");
	snprintf(d->md_addr, sizeof(d->md_addr), "岡山県岡山市北区大供1-2-3");
	snprintf(d->md_phone, sizeof(d->md_phone), "086-200-0000");
}

/* Compares A and B both ways: the result and the diff must not depend on the order. Every
 * comparison also checks the search pre-filter: match_may_match on the quick keys never
 * rules out a pair that match_compare would not answer NONE. */
static enum match_result
cmp(const struct mpi_demog *a, const struct mpi_demog *b, unsigned *diff)
{
	unsigned d1 = 0, d2 = 0;
	enum match_result r1 = match_demog(a, b, &d1), r2 = match_demog(b, a, &d2);
	struct match_keys qa, qb, fa;

	assert_int_equal(r1, r2);
	assert_int_equal(d1, d2);
	(void)match_keys_make_quick(a, &qa);
	(void)match_keys_make_quick(b, &qb);
	(void)match_keys_make(a, &fa);
	if (r1 != MATCH_NONE) {
		assert_int_equal(match_may_match(&qa, &qb), 1);
		assert_int_equal(match_may_match(&fa, &qb), 1);
	}
	*diff = d1;
	return r1;
}

/* The pre-filter does rule out: same birth date, other name and kana; or other birth. */
static void
test_may_match(void **state)
{
	struct mpi_demog a, b;
	struct match_keys ka, kb;

	(void)state;
	base(&a);
	base(&b);
	name_set(&b.md_kanji, "佐藤", "花子");
	name_set(&b.md_kana, "サトウ", "ハナコ");
	(void)match_keys_make_quick(&a, &ka);
	(void)match_keys_make_quick(&b, &kb);
	assert_int_equal(match_may_match(&ka, &kb), 0);
	base(&b);
	snprintf(b.md_birth, sizeof(b.md_birth), "19800106");
	(void)match_keys_make_quick(&b, &kb);
	assert_int_equal(match_may_match(&ka, &kb), 0);
	base(&b);
	name_set(&b.md_kanji, "髙橋", "一郎");	/* a variant: still possible */
	(void)match_keys_make_quick(&b, &kb);
	assert_int_equal(match_may_match(&ka, &kb), 1);
}

static void
test_identical_auto(void **state)
{
	struct mpi_demog a, b;
	struct match_keys k;
	unsigned diff;

	(void)state;
	base(&a);
	base(&b);
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
	assert_int_equal(diff, 0);
	assert_int_equal(match_keys_make(&a, &k), 0);
	assert_string_equal(k.mk_name, "高橋一郎");
	assert_string_equal(k.mk_name_family, "高橋");
	assert_string_equal(k.mk_kana_loose, "タカハシイチロ");
	assert_string_equal(k.mk_addr_area, "岡山県岡山市北区");
	assert_string_equal(k.mk_phone, "0862000000");
	assert_int_equal(k.mk_have, MATCH_K_NAME | MATCH_K_NAME_SPLIT | MATCH_K_KANA |
	    MATCH_K_KANA_SPLIT | MATCH_K_BIRTH | MATCH_K_SEX | MATCH_K_ADDR | MATCH_K_AREA |
	    MATCH_K_POSTAL | MATCH_K_PHONE);
	assert_int_equal(k.mk_bad, 0);
}

/* Notation variants of one person link automatically: 髙/高, a whole name with a full-width
 * space, half-width and hiragana readings, address written with 丁目/番地/号 and full-width
 * digits, 〒 in the postal code. */
static void
test_variants_auto(void **state)
{
	struct mpi_demog a, b;
	unsigned diff;

	(void)state;
	base(&a);
	base(&b);
	name_set(&b.md_kanji, "髙橋", "一郎");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
	name_set(&b.md_kanji, "髙橋　一郎", "");
	name_set(&b.md_kana, "ﾀｶﾊｼ ｲﾁﾛｳ", "");
	snprintf(b.md_addr, sizeof(b.md_addr), "岡山市北区大供一丁目２番地３号");
	snprintf(b.md_postal, sizeof(b.md_postal), "7008558");
	snprintf(b.md_phone, sizeof(b.md_phone), "+81-86-200-0000");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
	assert_int_equal(diff, 0);
	name_set(&b.md_kana, "たかはし", "いちろう");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
	/* 斉藤 and 斎藤 unify (mpi/kanji_variants.c) */
	name_set(&a.md_kanji, "斉藤", "一郎");
	name_set(&b.md_kanji, "齋藤", "一郎");
	name_set(&a.md_kana, "サイトウ", "イチロウ");
	name_set(&b.md_kana, "サイトウ", "イチロウ");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
}

/* Same name, birth and sex at another address: a candidate, never automatic. */
static void
test_address_differs(void **state)
{
	struct mpi_demog a, b;
	unsigned diff;

	(void)state;
	base(&a);
	base(&b);
	snprintf(b.md_addr, sizeof(b.md_addr), "岡山県岡山市北区大供1-2-4");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_ADDR);	/* same area */
	snprintf(b.md_addr, sizeof(b.md_addr), "広島県広島市中区基町1");
	b.md_postal[0] = '\0';
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_ADDR | MATCH_D_AREA);
	/* same address key but another postal code: something is off, no automatic link */
	base(&b);
	snprintf(b.md_postal, sizeof(b.md_postal), "7000001");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_POSTAL);
	/* another phone number alone does not stop the link (people change phones) */
	base(&b);
	snprintf(b.md_phone, sizeof(b.md_phone), "090-1234-5678");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
	assert_int_equal(diff, MATCH_D_PHONE);
}

/* Missing address or sex on one side: never automatic; the diff says what to ask for. */
static void
test_missing(void **state)
{
	struct mpi_demog a, b;
	unsigned diff;

	(void)state;
	base(&a);
	base(&b);
	b.md_addr[0] = '\0';
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_MISSING_ADDR);
	/* addresses of nothing but spaces are absent, not equal */
	snprintf(a.md_addr, sizeof(a.md_addr), "　 ");
	snprintf(b.md_addr, sizeof(b.md_addr), " ");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_MISSING_ADDR);
	base(&a);
	base(&b);
	b.md_sex = 0;
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_MISSING_SEX);
	b.md_sex = 'U';		/* unknown is not known */
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_MISSING_SEX);
	base(&b);
	b.md_kanji.mn_family[0] = b.md_kanji.mn_given[0] = '\0';
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);	/* on the kana alone */
	assert_int_equal(diff, MATCH_D_MISSING_NAME);
	/* a reading on one side only does not stop the link */
	base(&b);
	b.md_kana.mn_family[0] = b.md_kana.mn_given[0] = '\0';
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
	assert_int_equal(diff, MATCH_D_MISSING_KANA);
	/* no birth date: nothing, however much else agrees */
	base(&b);
	b.md_birth[0] = '\0';
	assert_int_equal(cmp(&a, &b, &diff), MATCH_NONE);
	assert_int_equal(diff, MATCH_D_MISSING_BIRTH);
}

/* Another birth date or a contradicting sex: not the same person. */
static void
test_contradictions(void **state)
{
	struct mpi_demog a, b;
	unsigned diff;

	(void)state;
	base(&a);
	base(&b);
	snprintf(b.md_birth, sizeof(b.md_birth), "19800106");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_NONE);
	assert_int_equal(diff, MATCH_D_BIRTH);
	base(&b);
	b.md_sex = 'F';
	assert_int_equal(cmp(&a, &b, &diff), MATCH_NONE);
	assert_int_equal(diff, MATCH_D_SEX);
	base(&b);
	name_set(&b.md_kanji, "田中", "花子");
	name_set(&b.md_kana, "タナカ", "ハナコ");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_NONE);
	assert_int_equal(diff, MATCH_D_NAME | MATCH_D_KANA);
}

/* Twins: same birth, sex, address and surname, another given name. Nothing, unless the
 * readings of the given names meet in the loose key; never automatic. */
static void
test_twins(void **state)
{
	struct mpi_demog a, b;
	unsigned diff;

	(void)state;
	base(&a);
	base(&b);
	name_set(&b.md_kanji, "高橋", "二郎");
	name_set(&b.md_kana, "タカハシ", "ジロウ");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_NONE);
	assert_int_equal(diff, MATCH_D_NAME | MATCH_D_KANA);
	name_set(&a.md_kanji, "高橋", "勇気");
	name_set(&a.md_kana, "タカハシ", "ユウキ");
	name_set(&b.md_kanji, "高橋", "由紀");
	name_set(&b.md_kana, "タカハシ", "ユキ");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_NAME | MATCH_D_KANA | MATCH_D_KANA_NEAR);
	/* without readings they are two people */
	a.md_kana.mn_family[0] = a.md_kana.mn_given[0] = '\0';
	assert_int_equal(cmp(&a, &b, &diff), MATCH_NONE);
}

/* Readings that differ only in voicing or ヴ/ブ: candidates, never automatic. */
static void
test_voicing(void **state)
{
	struct mpi_demog a, b;
	unsigned diff;

	(void)state;
	base(&a);
	base(&b);
	name_set(&a.md_kanji, "橋本", "一郎");
	name_set(&b.md_kanji, "橋本", "一郎");
	name_set(&a.md_kana, "ハシモト", "イチロウ");
	name_set(&b.md_kana, "バシモト", "イチロウ");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_KANA | MATCH_D_KANA_NEAR);
	name_set(&a.md_kanji, "ヴィクトル", "");
	name_set(&b.md_kanji, "ビクトル", "");
	name_set(&a.md_kana, "ヴィクトル", "");
	name_set(&b.md_kana, "ビクトル", "");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_NAME | MATCH_D_KANA | MATCH_D_KANA_NEAR);
	/* サトー and サトウ: the exact key keeps them apart, the loose one brings them together */
	name_set(&a.md_kanji, "佐藤", "");
	name_set(&b.md_kanji, "佐藤", "");
	name_set(&a.md_kana, "サトー", "");
	name_set(&b.md_kana, "サトウ", "");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_KANA | MATCH_D_KANA_NEAR);
}

/* Whole names equal but split differently: the parts must agree for an automatic link. */
static void
test_split(void **state)
{
	struct mpi_demog a, b;
	unsigned diff;

	(void)state;
	base(&a);
	base(&b);
	name_set(&a.md_kanji, "佐藤", "健一郎");
	name_set(&b.md_kanji, "佐藤健", "一郎");
	name_set(&a.md_kana, "サトウ", "ケンイチロウ");
	name_set(&b.md_kana, "サトウ", "ケンイチロウ");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_NAME_SPLIT);
	/* one side unsplit without a space: only the whole is compared */
	name_set(&b.md_kanji, "佐藤健一郎", "");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
	/* two spaces: no split is guessed */
	name_set(&b.md_kanji, "佐藤 健 一郎", "");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
}

/* A field that cannot be normalised is absent, flagged, and rules out an automatic link. */
static void
test_invalid_fields(void **state)
{
	struct mpi_demog a, b;
	struct match_keys k;
	unsigned diff;

	(void)state;
	base(&a);
	base(&b);
	name_set(&b.md_kana, "高橋", "一郎");	/* kanji in the reading field */
	assert_int_equal(match_keys_make(&b, &k), -1);
	assert_int_equal(k.mk_bad, MATCH_K_KANA);
	assert_false(k.mk_have & MATCH_K_KANA);
	assert_true(k.mk_have & MATCH_K_NAME);
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_MISSING_KANA | MATCH_D_INVALID);
	base(&b);
	snprintf(b.md_birth, sizeof(b.md_birth), "20230229");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_NONE);
	assert_int_equal(diff, MATCH_D_MISSING_BIRTH | MATCH_D_INVALID);
	base(&b);
	b.md_sex = 'x';
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_MISSING_SEX | MATCH_D_INVALID);
	base(&b);
	snprintf(b.md_addr, sizeof(b.md_addr), "岡山県\xE3\x81");	/* truncated UTF-8 */
	assert_int_equal(cmp(&a, &b, &diff), MATCH_CANDIDATE);
	assert_int_equal(diff, MATCH_D_MISSING_ADDR | MATCH_D_INVALID);
	/* a phone number with a note is dropped but does not block the link */
	base(&b);
	snprintf(b.md_phone, sizeof(b.md_phone), "086-200-0000 自宅");
	assert_int_equal(cmp(&a, &b, &diff), MATCH_AUTO);
	assert_int_equal(diff, MATCH_D_INVALID);
}

static void
test_empty_and_names(void **state)
{
	struct mpi_demog a, b;
	struct match_keys ka, kb;
	unsigned diff = 0;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(match_keys_make(&a, &ka), 0);
	assert_int_equal(ka.mk_have, 0);
	assert_int_equal(match_keys_make(&b, &kb), 0);
	assert_int_equal(match_compare(&ka, &kb, &diff), MATCH_NONE);
	assert_int_equal(diff, MATCH_D_MISSING_NAME | MATCH_D_MISSING_KANA |
	    MATCH_D_MISSING_BIRTH | MATCH_D_MISSING_SEX | MATCH_D_MISSING_ADDR);
	base(&a);
	assert_int_equal(match_keys_make(&a, &ka), 0);
	assert_int_equal(match_compare(&ka, &ka, NULL), MATCH_AUTO);
	assert_string_equal(match_result_name(MATCH_NONE), "none");
	assert_string_equal(match_result_name(MATCH_CANDIDATE), "candidate");
	assert_string_equal(match_result_name(MATCH_AUTO), "auto");
	assert_string_equal(match_result_name((enum match_result)42), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_auto),
		cmocka_unit_test(test_variants_auto),
		cmocka_unit_test(test_address_differs),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_contradictions),
		cmocka_unit_test(test_twins),
		cmocka_unit_test(test_voicing),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_invalid_fields),
		cmocka_unit_test(test_empty_and_names),
		cmocka_unit_test(test_may_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
