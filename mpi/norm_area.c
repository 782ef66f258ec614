/* mpi/norm_area: prefecture + municipality of a normalised address key. See norm.h and the
 * limits in mpi/README.md. Plain UTF-8 prefix tests on the key: the tables are short. */
#include "mpi/norm.h"
#include "mpi/norm_int.h"

#include <stdio.h>
#include <string.h>

/* The 47 prefectures (都道府県) as norm_addr leaves them (no character of theirs folds). */
static const char *const prefectures[] = {
	"北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
	"群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
	"山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
	"兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
	"香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
	"鹿児島県", "沖縄県",
};

/* The 20 designated cities (政令指定都市, since 熊本市 in 2012) and their prefecture: their
 * names are unique in Japan, so an address that starts with one lost only its prefecture. */
static const char *const designated[][2] = {
	{ "札幌市", "北海道" }, { "仙台市", "宮城県" }, { "さいたま市", "埼玉県" },
	{ "千葉市", "千葉県" }, { "横浜市", "神奈川県" }, { "川崎市", "神奈川県" },
	{ "相模原市", "神奈川県" }, { "新潟市", "新潟県" }, { "静岡市", "静岡県" },
	{ "浜松市", "静岡県" }, { "名古屋市", "愛知県" }, { "京都市", "京都府" },
	{ "大阪市", "大阪府" }, { "堺市", "大阪府" }, { "神戸市", "兵庫県" },
	{ "岡山市", "岡山県" }, { "広島市", "広島県" }, { "北九州市", "福岡県" },
	{ "福岡市", "福岡県" }, { "熊本市", "熊本県" },
};

/* Municipalities and counties whose name holds 市 町 村 or 郡 before its end, where the
 * first-suffix rule of muni_len would cut too early. Not complete: see mpi/README.md. */
static const char *const odd_names[] = {
	"四日市市", "廿日市市", "野々市市", "十日町市", "大町市", "大町町", "上市町", "下市町",
	"余市町", "余市郡", "東村山市", "武蔵村山市", "田村市", "田村郡", "羽村市", "大村市",
	"玉村町", "東村山郡", "西村山郡", "北村山郡", "大和郡山市", "小郡市", "市川三郷町",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Bytes of the UTF-8 character at S (the key is valid UTF-8). */
static size_t
char_len(const char *s)
{
	unsigned char b = (unsigned char)*s;

	return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

static int
is_suffix(const char *s, const char *set)
{
	size_t n = char_len(s), i;

	for (i = 0; set[i] != '\0'; i += char_len(set + i))
		if (strncmp(s, set + i, n) == 0 && char_len(set + i) == n)
			return 1;
	return 0;
}

/* Bytes of S that start with one of the N strings of T, or 0. */
static size_t
starts_with(const char *s, const char *const *t, size_t n)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = strlen(t[i]);
		if (strncmp(s, t[i], len) == 0)
			return len;
	}
	return 0;
}

/* Bytes of the name at S that ends with the first character of SET found after its first
 * character (a name is at least two characters: 市川市 is not 市) and within MAX characters
 * (0: no limit), or 0 if none. */
static size_t
name_len(const char *s, const char *set, size_t max)
{
	size_t o, k;

	if (*s == '\0')
		return 0;
	for (o = char_len(s), k = 2; s[o] != '\0' && (max == 0 || k <= max);
	    o += char_len(s + o), k++)
		if (is_suffix(s + o, set))
			return o + char_len(s + o);
	return 0;
}

/* Bytes of the municipality at S (just after the prefecture): a listed odd name, else up to
 * the first 市 区 町 村 郡; after a 郡 the town or village too; after a designated city its
 * ward (区) when one follows within five characters. 0 if none is found. */
static size_t
muni_len(const char *s)
{
	size_t n, m;

	if ((n = starts_with(s, odd_names, NELEM(odd_names))) == 0 &&
	    (n = name_len(s, "市区町村郡", 0)) == 0)
		return 0;
	if (strncmp(s + n - 3, "郡", 3) == 0) {
		if ((m = starts_with(s + n, odd_names, NELEM(odd_names))) == 0)
			m = name_len(s + n, "町村", 0);
		return n + m;
	}
	for (m = 0; m < NELEM(designated); m++)
		if (strlen(designated[m][0]) == n && strncmp(s, designated[m][0], n) == 0)
			return n + name_len(s + n, "区", 5);	/* 保土ヶ谷区 is the longest */
	return n;
}

const char *
norm_area_city_pref(const char *key)
{
	size_t i;

	if (starts_with(key, prefectures, NELEM(prefectures)) != 0)
		return NULL;
	for (i = 0; i < NELEM(designated); i++)
		if (strncmp(key, designated[i][0], strlen(designated[i][0])) == 0)
			return designated[i][1];
	return NULL;
}

int
norm_addr_area_key(const char *key, char *out, size_t outsz)
{
	size_t p, m;
	int n;

	if (key == NULL || (p = starts_with(key, prefectures, NELEM(prefectures))) == 0)
		return norm_fail(out, outsz);
	if ((m = muni_len(key + p)) == 0)
		return norm_fail(out, outsz);
	n = snprintf(out, outsz, "%.*s", (int)(p + m), key);
	if (n < 0 || (size_t)n >= outsz)
		return norm_fail(out, outsz);
	return 0;
}
