/* mpi/norm_name: the name and kana keys. See norm.h; the steps and why are in mpi/README.md. */
#include "mpi/norm.h"
#include "mpi/norm_int.h"

#include <stdint.h>

#define CP_MIDDOT	0x30FB	/* ・ between the parts of a foreign name: a separator */

/* Small katakana and their large letter (ヵ ヶ are small カ ケ). */
static const uint16_t kana_small[][2] = {
	{ 0x30A1, 0x30A2 }, { 0x30A3, 0x30A4 }, { 0x30A5, 0x30A6 }, { 0x30A7, 0x30A8 },
	{ 0x30A9, 0x30AA }, { 0x30C3, 0x30C4 }, { 0x30E3, 0x30E4 }, { 0x30E5, 0x30E6 },
	{ 0x30E7, 0x30E8 }, { 0x30EE, 0x30EF }, { 0x30F5, 0x30AB }, { 0x30F6, 0x30B1 },
};

/* Letters a reading is written with in more than one way, folded for every kana key:
 * ヂ ヅ are read as ジ ズ, ヲ as オ, the obsolete ヰ ヱ as イ エ. */
static const uint16_t kana_same[][2] = {
	{ 0x30C2, 0x30B8 }, { 0x30C5, 0x30BA }, { 0x30F2, 0x30AA }, { 0x30F0, 0x30A4 },
	{ 0x30F1, 0x30A8 },
};

/* The オ row and ウ row (large letters, voiceless) for the long-vowel rule of the loose key. */
static const uint16_t row_o[] = { 0x30AA, 0x30B3, 0x30BD, 0x30C8, 0x30CE, 0x30DB, 0x30E2,
	0x30E8, 0x30ED };
static const uint16_t row_u[] = { 0x30A6, 0x30AF, 0x30B9, 0x30C4, 0x30CC, 0x30D5, 0x30E0,
	0x30E6, 0x30EB };

static uint32_t
map_pairs(const uint16_t (*t)[2], size_t n, uint32_t cp)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i][0] == cp)
			return t[i][1];
	return cp;
}

static int
in_set(const uint16_t *t, size_t n, uint32_t cp)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i] == cp)
			return 1;
	return 0;
}

int
norm_name(const char *in, char *out, size_t outsz)
{
	struct norm_cps c;
	size_t i, o = 0;

	if (norm_decode(in, NORM_F_KATA | NORM_F_KANJI | NORM_F_UPPER, &c) == -1)
		return norm_fail(out, outsz);
	for (i = 0; i < c.nc_len; i++)
		if (c.nc_cp[i] != CP_MIDDOT && c.nc_cp[i] != 0xB7)
			c.nc_cp[o++] = c.nc_cp[i];
	c.nc_len = o;
	return norm_encode(&c, out, outsz);
}

/* 1 for the marks a reading may hold that the key drops: prolonged sound and dashes
 * (including 〜 and ~, written for a long vowel too) and the middle dot. */
static int
kana_dropped(uint32_t cp)
{
	return norm_is_dash(cp) || cp == 0x301C || cp == '~' || cp == CP_MIDDOT || cp == 0xB7;
}

/* Checks that C is a reading and writes out its iteration marks (ヽ repeats the letter
 * before without its voicing, ヾ with it) and drops the marks of kana_dropped. Returns 0,
 * or -1 when C holds something else. */
static int
kana_clean(struct norm_cps *c)
{
	size_t i, o = 0;
	uint32_t cp, prev;

	for (i = 0; i < c->nc_len; i++) {
		cp = c->nc_cp[i];
		if (kana_dropped(cp))
			continue;
		if (cp == 0x30FD || cp == 0x30FE) {
			if (o == 0)
				return -1;
			prev = norm_unvoiced(c->nc_cp[o - 1]);
			if (cp == 0x30FE && norm_voiced(prev, 0x3099) != 0)
				prev = norm_voiced(prev, 0x3099);
			cp = prev;
		} else if (cp < 0x30A1 || cp > 0x30FA)
			return -1;	/* not katakana (hiragana is already folded) */
		c->nc_cp[o++] = cp;
	}
	c->nc_len = o;
	return 0;
}

/* The folds both kana keys share: small -> large, then the letters of kana_same. */
static uint32_t
kana_fold(uint32_t cp)
{
	cp = map_pairs(kana_small, sizeof(kana_small) / sizeof(kana_small[0]), cp);
	return map_pairs(kana_same, sizeof(kana_same) / sizeof(kana_same[0]), cp);
}

int
norm_kana(const char *in, char *out, size_t outsz)
{
	struct norm_cps c;
	size_t i;

	if (norm_decode(in, NORM_F_KATA, &c) == -1 || kana_clean(&c) == -1)
		return norm_fail(out, outsz);
	for (i = 0; i < c.nc_len; i++)
		c.nc_cp[i] = kana_fold(c.nc_cp[i]);
	return norm_encode(&c, out, outsz);
}

/* The バ-row letter for ヴ followed by NEXT (a small vowel or anything), and whether NEXT
 * was used. ヴァ ヴィ ヴゥ ヴェ ヴォ -> バ ビ ブ ベ ボ; ヴ alone -> ブ. */
static uint32_t
v_row(uint32_t next, int *used)
{
	static const uint16_t vow[][2] = {
		{ 0x30A1, 0x30D0 }, { 0x30A3, 0x30D3 }, { 0x30A5, 0x30D6 }, { 0x30A7, 0x30D9 },
		{ 0x30A9, 0x30DC },
	};
	uint32_t v = map_pairs(vow, sizeof(vow) / sizeof(vow[0]), next);

	*used = v != next;
	return *used ? v : 0x30D6;
}

/* 1 when CP after LAST lengthens its vowel: ウ or オ after the オ row, ウ after the ウ row. */
static int
long_vowel(uint32_t last, uint32_t cp)
{
	if (cp == 0x30A6 || cp == 0x30AA)
		if (in_set(row_o, sizeof(row_o) / sizeof(row_o[0]), last))
			return 1;
	return cp == 0x30A6 && in_set(row_u, sizeof(row_u) / sizeof(row_u[0]), last);
}

int
norm_kana_loose(const char *in, char *out, size_t outsz)
{
	struct norm_cps c;
	size_t i, o = 0;
	uint32_t cp, last = 0;
	int used;

	if (norm_decode(in, NORM_F_KATA, &c) == -1 || kana_clean(&c) == -1)
		return norm_fail(out, outsz);
	for (i = 0; i < c.nc_len; i++) {
		cp = c.nc_cp[i];
		if (cp == 0x30F4) {	/* ヴ: before small -> large makes ヴァ into ヴア */
			cp = v_row(i + 1 < c.nc_len ? c.nc_cp[i + 1] : 0, &used);
			i += used;
		}
		/* ヂ -> ジ before unvoicing, so that ヂ and ジ still meet (at シ) */
		cp = map_pairs(kana_same, 2, cp);
		cp = kana_fold(norm_unvoiced(cp));
		if (o > 0 && long_vowel(last, cp))
			continue;
		c.nc_cp[o++] = cp;
		last = cp;
	}
	c.nc_len = o;
	return norm_encode(&c, out, outsz);
}
