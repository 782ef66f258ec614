/* Unit tests for mpi/norm: real-world variants of names, readings, addresses, dates, sex,
 * postal codes and phone numbers, invalid UTF-8, short output buffers, and the soundness of
 * the kanji tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mpi/norm.h"
#include "mpi/norm_int.h"

typedef int (*norm_fn)(const char *, char *, size_t);

/* One case: FN(IN) gives WANT, or fails when WANT is NULL. */
struct ncase {
	norm_fn		 fn;
	const char	*in;
	const char	*want;
};

static int
birth_fn(const char *in, char *out, size_t outsz)
{
	(void)outsz;
	return norm_birth(in, out);
}

static int
sex_fn(const char *in, char *out, size_t outsz)
{
	int r = norm_sex(in, out);

	if (outsz > 1)
		out[r == 0 ? 1 : 0] = '\0';
	return r;
}

static int
postal_fn(const char *in, char *out, size_t outsz)
{
	(void)outsz;
	return norm_postal(in, out);
}

static void
run_cases(const struct ncase *c, size_t n)
{
	char out[1024];
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		memset(out, 'x', sizeof(out));
		r = c[i].fn(c[i].in, out, sizeof(out));
		if (c[i].want == NULL) {
			if (r != -1 || out[0] != '\0')
				fail_msg("case %zu \"%s\": want failure, got %d \"%s\"", i, c[i].in, r,
				    out);
		} else if (r != 0 || strcmp(out, c[i].want) != 0)
			fail_msg("case %zu \"%s\": want \"%s\", got %d \"%s\"", i, c[i].in,
			    c[i].want, r, r == 0 ? out : "");
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_name(void **state)
{
	static const struct ncase c[] = {
		{ norm_name, "ｶﾞｯｺｳ", "ガッコウ" },		/* half-width, ﾞ composed */
		{ norm_name, "ガッコウ", "ガッコウ" },			/* full-width: same key */
		{ norm_name, "がっこう", "ガッコウ" },			/* hiragana */
		{ norm_name, "ﾊﾟﾊﾟ", "パパ" },
		{ norm_name, "\u304b\u3099", "ガ" },			/* decomposed が */
		{ norm_name, "ＡＢＣ abc", "ABCABC" },
		{ norm_name, "髙橋　一郎", "高橋一郎" },		/* U+3000 */
		{ norm_name, "高橋 一郎", "高橋一郎" },
		{ norm_name, "高橋\t一郎 ", "高橋一郎" },
		{ norm_name, "\uFA11", "崎" },			/* 﨑 */
		{ norm_name, "山﨑", "山崎" },
		{ norm_name, "宮嵜", "宮崎" },
		{ norm_name, "齋藤", "斎藤" }, { norm_name, "齊藤", "斎藤" },
		{ norm_name, "斉藤", "斎藤" }, { norm_name, "斎藤", "斎藤" },
		{ norm_name, "渡邊", "渡辺" }, { norm_name, "渡邉", "渡辺" },
		{ norm_name, "渡辺", "渡辺" },
		{ norm_name, "澤田", "沢田" }, { norm_name, "濱田", "浜田" },
		{ norm_name, "濵田", "浜田" }, { norm_name, "櫻井", "桜井" },
		{ norm_name, "廣瀨", "広瀬" }, { norm_name, "國分", "国分" },
		{ norm_name, "冨田", "富田" }, { norm_name, "眞理", "真理" },
		{ norm_name, "惠子", "恵子" }, { norm_name, "德川", "徳川" },
		{ norm_name, "嶋田", "島田" }, { norm_name, "龍馬", "竜馬" },
		{ norm_name, "黑田", "黒田" }, { norm_name, "中邨", "中村" },
		{ norm_name, "篭橋", "籠橋" }, { norm_name, "增田", "増田" },
		{ norm_name, "一條", "一条" }, { norm_name, "太郞", "太郎" },
		{ norm_name, "\U00020BB7野", "吉野" },		/* 𠮷 */
		{ norm_name, "\uFA19\uFA1B", "神福" },		/* compatibility ideographs */
		{ norm_name, "葛\U000E0100飾", "葛飾" },		/* IVS dropped */
		{ norm_name, "辻\uFE00", "辻" },
		{ norm_name, "ジョン・スミス", "ジョンスミス" },
		{ norm_name, "ｼﾞｮﾝ･ｽﾐｽ", "ジョンスミス" },
		{ norm_name, "   ", "" },
		{ norm_name, NULL, NULL },
	};

	(void)state;
	run_cases(c, N(c));
}

static void
test_kana(void **state)
{
	static const struct ncase c[] = {
		{ norm_kana, "ｶﾞｯｺｳ", "ガツコウ" },		/* small ッ -> ツ */
		{ norm_kana, "がっこう", "ガツコウ" },
		{ norm_kana, "ヤマダ　タロウ", "ヤマダタロウ" },
		{ norm_kana, "ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ" },
		{ norm_kana, "ヂヅヲヰヱ", "ジズオイエ" },
		{ norm_kana, "ヴ", "ヴ" }, { norm_kana, "ブ", "ブ" },	/* kept apart */
		{ norm_kana, "ヴァイオリン", "ヴアイオリン" },
		{ norm_kana, "ハシモト", "ハシモト" }, { norm_kana, "バシモト", "バシモト" },
		{ norm_kana, "パシモト", "パシモト" },
		{ norm_kana, "サトー", "サト" }, { norm_kana, "ｻﾄｰ", "サト" },	/* not サトウ */
		{ norm_kana, "サトウ", "サトウ" },
		{ norm_kana, "サト—", "サト" }, { norm_kana, "サト―", "サト" },
		{ norm_kana, "サト─", "サト" }, { norm_kana, "サト━", "サト" },
		{ norm_kana, "サト‐", "サト" }, { norm_kana, "サト－", "サト" },
		{ norm_kana, "サト〜", "サト" }, { norm_kana, "サト-", "サト" },
		{ norm_kana, "サヽキ", "ササキ" }, { norm_kana, "イスヾ", "イスズ" },
		{ norm_kana, "さゝき", "ササキ" },
		{ norm_kana, "ジョン・スミス", "ジヨンスミス" },
		{ norm_kana, "山田", NULL },		/* kanji given as the reading */
		{ norm_kana, "YAMADA", NULL },
		{ norm_kana, "ヤマダ1", NULL },
		{ norm_kana, "ヽ", NULL },		/* an iteration mark with nothing before */
	};

	(void)state;
	run_cases(c, N(c));
}

static void
test_kana_loose(void **state)
{
	static const struct ncase c[] = {
		{ norm_kana_loose, "ヴァイオリン", "ハイオリン" },
		{ norm_kana_loose, "バイオリン", "ハイオリン" },
		{ norm_kana_loose, "ヴ", "フ" }, { norm_kana_loose, "ブ", "フ" },
		{ norm_kana_loose, "ヴィクトル", "ヒクトル" },
		{ norm_kana_loose, "ビクトル", "ヒクトル" },
		{ norm_kana_loose, "ガッコウ", "カツコ" },
		{ norm_kana_loose, "ハシモト", "ハシモト" },
		{ norm_kana_loose, "バシモト", "ハシモト" },
		{ norm_kana_loose, "パシモト", "ハシモト" },
		{ norm_kana_loose, "サトウ", "サト" }, { norm_kana_loose, "サトー", "サト" },
		{ norm_kana_loose, "サトオ", "サト" },
		{ norm_kana_loose, "オオタ", "オタ" }, { norm_kana_loose, "オータ", "オタ" },
		{ norm_kana_loose, "ユウコ", "ユコ" }, { norm_kana_loose, "ユーコ", "ユコ" },
		{ norm_kana_loose, "ヂ", "シ" }, { norm_kana_loose, "ジ", "シ" },
		{ norm_kana_loose, "ウエノ", "ウエノ" },	/* ウ first: no vowel before it */
		{ norm_kana_loose, "山田", NULL },
	};

	(void)state;
	run_cases(c, N(c));
}

static void
test_addr(void **state)
{
	static const char *const same[] = {
		"岡山県岡山市北区大供一丁目2番地3号",
		"岡山県岡山市北区大供1-2-3",
		"岡山県岡山市北区大供１丁目２番３号",
		"岡山県岡山市北区大供1丁目2-3",
		"岡山県岡山市北区大供１－２－３",
		"岡山県岡山市北区大供1ー2ー3",
		"岡山県 岡山市北区 大供 1‐2‐3",
		"〒700-8558 岡山県岡山市北区大供1-2-3",
		"岡山市北区大供1-2-3",		/* designated city: prefecture added */
		"岡山県岡山市北区大供一丁目二番三号",
		"岡山県岡山市北区大供1丁目2番地の3",
	};
	static const struct ncase c[] = {
		{ norm_addr, "東京都千代田区霞が関1-1-1", "東京都千代田区霞ヶ関1-1-1" },
		{ norm_addr, "東京都千代田区霞ケ関1-1-1", "東京都千代田区霞ヶ関1-1-1" },
		{ norm_addr, "東京都千代田区霞ヶ関1-1-1", "東京都千代田区霞ヶ関1-1-1" },
		{ norm_addr, "岡山県倉敷市大字西阿知二十三番地", "岡山県倉敷市西阿知23" },
		{ norm_addr, "岡山県倉敷市字西阿知23", "岡山県倉敷市西阿知23" },
		{ norm_addr, "北海道札幌市中央区北一条西二丁目", "北海道札幌市中央区北1条西2" },
		{ norm_addr, "北海道札幌市中央区北1条西2丁目", "北海道札幌市中央区北1条西2" },
		{ norm_addr, "千葉県千葉市中央区千葉港1-1", "千葉県千葉市中央区千葉港1-1" },
		{ norm_addr, "三重県四日市市諏訪町1番5号", "三重県四日市市諏訪町1-5" },
		{ norm_addr, "東京都千代田区九段南一丁目", "東京都千代田区九段南1" },
		{ norm_addr, "岩手県一関市大手町2番地", "岩手県一関市大手町2" },
		{ norm_addr, "東京都千代田区四番町5-9", "東京都千代田区4番町5-9" },
		{ norm_addr, "1丁目2番3号 ハイツ山田 101号室", "1-2-3ハイツ山田101号室" },
		{ norm_addr, "1丁目2番3号 101", "1-2-3-101" },
		{ norm_addr, "二千三百四番地", "2304" }, { norm_addr, "十番地", "10" },
		{ norm_addr, "旗の台3", "旗ノ台3" },
		{ norm_addr, "神奈川県横浜市保土ケ谷区", "神奈川県横浜市保土ヶ谷区" },
		{ norm_addr, "東京都澤井1", "東京都沢井1" },
		{ norm_addr, "", "" },
	};
	char want[512], got[512];
	size_t i;

	(void)state;
	assert_int_equal(norm_addr(same[0], want, sizeof(want)), 0);
	assert_string_equal(want, "岡山県岡山市北区大供1-2-3");
	for (i = 1; i < N(same); i++) {
		assert_int_equal(norm_addr(same[i], got, sizeof(got)), 0);
		if (strcmp(got, want) != 0)
			fail_msg("\"%s\" gave \"%s\"", same[i], got);
	}
	run_cases(c, N(c));
}

static void
test_addr_area(void **state)
{
	static const struct ncase c[] = {
		{ norm_addr_area, "岡山県岡山市北区大供1-2-3", "岡山県岡山市北区" },
		{ norm_addr_area, "岡山市北区大供一丁目2番3号", "岡山県岡山市北区" },
		{ norm_addr_area, "東京都千代田区霞が関1-1-1", "東京都千代田区" },
		{ norm_addr_area, "愛知県海部郡蟹江町学戸1", "愛知県海部郡蟹江町" },
		{ norm_addr_area, "三重県四日市市諏訪町1-5", "三重県四日市市" },
		{ norm_addr_area, "東京都町田市森野2", "東京都町田市" },
		{ norm_addr_area, "千葉県市川市八幡1", "千葉県市川市" },
		{ norm_addr_area, "東京都東村山市本町1", "東京都東村山市" },
		{ norm_addr_area, "奈良県大和郡山市北郡山町248", "奈良県大和郡山市" },
		{ norm_addr_area, "岡山県倉敷市西阿知23", "岡山県倉敷市" },
		{ norm_addr_area, "北海道札幌市中央区北1条西2", "北海道札幌市中央区" },
		{ norm_addr_area, "霞が関1-1-1", NULL },	/* no prefecture */
		{ norm_addr_area, "岡山県", NULL },
	};

	(void)state;
	run_cases(c, N(c));
}

static void
test_birth(void **state)
{
	static const struct ncase c[] = {
		{ birth_fn, "19800105", "19800105" }, { birth_fn, "1980-01-05", "19800105" },
		{ birth_fn, "1980/01/05", "19800105" }, { birth_fn, "1980/1/5", "19800105" },
		{ birth_fn, "1980年1月5日", "19800105" }, { birth_fn, "１９８０－０１－０５", "19800105" },
		{ birth_fn, "1980-01-05T10:00:00+09:00", "19800105" },
		{ birth_fn, "19800105123000+0900", "19800105" },	/* HL7 TS */
		{ birth_fn, "198001051230", "19800105" },
		{ birth_fn, "319800105", "19800105" },	/* JPKI: 3 = 昭和 */
		{ birth_fn, "019800105", "19800105" },	/* 0 = era unknown */
		{ birth_fn, "419890108", "19890108" }, { birth_fn, "319890107", "19890107" },
		{ birth_fn, "520190501", "20190501" },
		{ birth_fn, "419800105", NULL },		/* 平成 does not hold 1980 */
		{ birth_fn, "419890107", NULL }, { birth_fn, "619800105", NULL },
		{ birth_fn, "20240229", "20240229" }, { birth_fn, "20000229", "20000229" },
		{ birth_fn, "20230229", NULL }, { birth_fn, "19000229", NULL },
		{ birth_fn, "2023-02-30", NULL }, { birth_fn, "2023-13-01", NULL },
		{ birth_fn, "2023-04-31", NULL }, { birth_fn, "1980", NULL },
		{ birth_fn, "198001", NULL }, { birth_fn, "1980010", NULL },
		{ birth_fn, "19800105250000", NULL }, { birth_fn, "1980-01-05x", NULL },
		{ birth_fn, "17990101", NULL }, { birth_fn, "", NULL },
	};

	(void)state;
	run_cases(c, N(c));
}

static void
test_sex_postal_phone(void **state)
{
	static const struct ncase c[] = {
		{ sex_fn, "M", "M" }, { sex_fn, "f", "F" }, { sex_fn, "male", "M" },
		{ sex_fn, "Female", "F" }, { sex_fn, "other", "O" }, { sex_fn, "unknown", "U" },
		{ sex_fn, "1", "M" }, { sex_fn, "2", "F" }, { sex_fn, "3", "U" },
		{ sex_fn, "男", "M" }, { sex_fn, "女", "F" }, { sex_fn, "男性", "M" },
		{ sex_fn, "UN", "O" }, { sex_fn, "UNK", "U" }, { sex_fn, "Ｍ", "M" },
		{ sex_fn, "X", NULL }, { sex_fn, "4", NULL }, { sex_fn, "", NULL },
		{ postal_fn, "700-8558", "7008558" }, { postal_fn, "7008558", "7008558" },
		{ postal_fn, "〒700-8558", "7008558" }, { postal_fn, "〒 ７００－８５５８", "7008558" },
		{ postal_fn, "700ー8558", "7008558" },
		{ postal_fn, "700--8558", NULL }, { postal_fn, "70-08558", NULL },
		{ postal_fn, "700855", NULL }, { postal_fn, "70085580", NULL },
		{ postal_fn, "ABC-DEFG", NULL },
		{ norm_phone, "03-1234-5678", "0312345678" },
		{ norm_phone, "+81-3-1234-5678", "0312345678" },
		{ norm_phone, "+81 (0)3 1234 5678", "0312345678" },
		{ norm_phone, "０９０（１２３４）５６７８", "09012345678" },
		{ norm_phone, "tel:+81312345678", "0312345678" },
		{ norm_phone, "03-1234-5678 自宅", NULL }, { norm_phone, "123", NULL },
		{ norm_phone, "0123456789012345", NULL },
	};

	(void)state;
	run_cases(c, N(c));
}

/* Invalid UTF-8 and control characters are refused by every text key, leaving "". */
static void
test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\xC0\xAF", "\xC1\x81", "\xE0\x80\xAF", "\xF0\x80\x80\xAF",	/* overlong */
		"\xE3\x81", "\xE3", "\xF0\x9F\x98",				/* truncated */
		"\xED\xA0\x80", "\xED\xBF\xBF",					/* surrogates */
		"\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80",			/* > U+10FFFF */
		"\x80", "\xBF", "\xFE", "\xFF",					/* stray bytes */
		"\xE3\x82\xA2\x80",						/* ア + stray */
		"ア\x01", "\x7F",						/* controls */
	};
	static const norm_fn fns[] = {
		norm_name, norm_kana, norm_kana_loose, norm_addr, norm_addr_area, norm_phone,
	};
	char out[64], b9[9];
	size_t i, j;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		for (j = 0; j < N(fns); j++) {
			memset(out, 'x', sizeof(out));
			if (fns[j](bad[i], out, sizeof(out)) != -1 || out[0] != '\0')
				fail_msg("bad input %zu accepted by function %zu", i, j);
		}
		assert_int_equal(norm_birth(bad[i], b9), -1);
		assert_int_equal(norm_postal(bad[i], b9), -1);
		assert_int_equal(norm_sex(bad[i], b9), -1);
	}
}

/* Output that does not fit fails whole (no truncated key), and fits exactly at the size. */
static void
test_output_size(void **state)
{
	char out[64], big[2100];

	(void)state;
	assert_int_equal(norm_name("高橋", out, 7), 0);	/* 6 bytes + NUL */
	assert_string_equal(out, "高橋");
	memset(out, 'x', sizeof(out));
	assert_int_equal(norm_name("高橋", out, 6), -1);
	assert_string_equal(out, "");
	assert_int_equal(norm_name("高橋", out, 0), -1);
	assert_int_equal(norm_kana("タカハシ", out, 12), -1);
	assert_int_equal(norm_kana("タカハシ", out, 13), 0);
	assert_int_equal(norm_addr("岡山県岡山市北区大供1-2-3", out, 10), -1);
	assert_string_equal(out, "");
	assert_int_equal(norm_addr("岡山市北区大供1-2-3", out, 30), -1);	/* with 岡山県 */
	assert_int_equal(norm_addr_area("岡山県岡山市北区大供1-2-3", out, 12), -1);
	assert_int_equal(norm_phone("03-1234-5678", out, 10), -1);
	assert_int_equal(norm_phone("03-1234-5678", out, 11), 0);
	/* more than NORM_CP_MAX code points */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(norm_name(big, out, sizeof(out)), -1);
	big[NORM_CP_MAX] = '\0';
	assert_int_equal(norm_kana(big, out, sizeof(out)), -1);
}

/* The tables are sorted, chain-free, and every pair folds both sides to one key. */
static void
test_kanji_tables(void **state)
{
	uint32_t from, to;
	char a[16], b[16], ka[16], kb[16], k2[16];
	size_t i;
	struct norm_cps c;

	(void)state;
	assert_int_equal(kanji_variants_check(), 0);
	assert_true(kanji_variants_count() >= 100);
	assert_int_equal(kanji_variants_pair(kanji_variants_count(), &from, &to), -1);
	for (i = 0; i < kanji_variants_count(); i++) {
		assert_int_equal(kanji_variants_pair(i, &from, &to), 0);
		c.nc_len = 0;
		norm_push(&c, from);
		assert_int_equal(norm_encode(&c, a, sizeof(a)), 0);
		c.nc_len = 0;
		norm_push(&c, to);
		assert_int_equal(norm_encode(&c, b, sizeof(b)), 0);
		assert_int_equal(norm_name(a, ka, sizeof(ka)), 0);
		assert_int_equal(norm_name(b, kb, sizeof(kb)), 0);
		if (strcmp(ka, kb) != 0 || strcmp(kb, b) != 0)
			fail_msg("pair %zu %s -> %s gave %s and %s", i, a, b, ka, kb);
		assert_int_equal(norm_name(ka, k2, sizeof(k2)), 0);	/* idempotent */
		assert_string_equal(k2, ka);
	}
	assert_int_equal(norm_compat_fold(0xFA11), 0xFA11);	/* 﨑: unified, no decomposition */
	assert_int_equal(norm_compat_fold(0xFA19), 0x795E);
	assert_int_equal(norm_compat_fold(0x2F800), 0x4E3D);
	assert_int_equal(norm_compat_fold(0x4E00), 0x4E00);
}

/* Keys are stable: a second pass over any key changes nothing. */
static void
test_idempotent(void **state)
{
	static const char *const in[] = {
		"ｶﾞｯｺｳ", "髙橋　一郎", "サトー", "ヴァイオリン", "岡山市北区大供一丁目2番地3号",
		"東京都千代田区霞が関1-1-1", "北海道札幌市中央区北一条西二丁目",
	};
	char k1[256], k2[256];
	size_t i;

	(void)state;
	for (i = 0; i < N(in); i++) {
		if (norm_name(in[i], k1, sizeof(k1)) == 0) {
			assert_int_equal(norm_name(k1, k2, sizeof(k2)), 0);
			assert_string_equal(k1, k2);
		}
		if (norm_kana_loose(in[i], k1, sizeof(k1)) == 0) {
			assert_int_equal(norm_kana_loose(k1, k2, sizeof(k2)), 0);
			assert_string_equal(k1, k2);
		}
		assert_int_equal(norm_addr(in[i], k1, sizeof(k1)), 0);
		assert_int_equal(norm_addr(k1, k2, sizeof(k2)), 0);
		assert_string_equal(k1, k2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_kana),
		cmocka_unit_test(test_kana_loose),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_addr_area),
		cmocka_unit_test(test_birth),
		cmocka_unit_test(test_sex_postal_phone),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_output_size),
		cmocka_unit_test(test_kanji_tables),
		cmocka_unit_test(test_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
