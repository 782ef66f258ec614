/* mpi/norm_addr: the address key. See norm.h; the steps and their limits are in
 * mpi/README.md. Works on code points (norm_int.h) in a few passes, each a small function. */
#include "mpi/norm.h"
#include "mpi/norm_int.h"

#include <stdio.h>
#include <string.h>

#define CP_YUBIN	0x3012	/* 〒 */
#define CP_KE_SMALL	0x30F6	/* ヶ */
#define CP_NO_KATA	0x30CE	/* ノ */
#define CP_NO_HIRA	0x306E	/* の */

/* Kanji digits (〇 and 零 are zero). */
static const uint32_t kanji_digits[10][2] = {
	{ 0x3007, 0x96F6 }, { 0x4E00, 0 }, { 0x4E8C, 0 }, { 0x4E09, 0 }, { 0x56DB, 0 },
	{ 0x4E94, 0 }, { 0x516D, 0 }, { 0x4E03, 0 }, { 0x516B, 0 }, { 0x4E5D, 0 },
};

#define CP_JU		0x5341	/* 十 */
#define CP_HYAKU	0x767E	/* 百 */
#define CP_SEN		0x5343	/* 千 */

static int
kanji_digit(uint32_t cp)
{
	int d;

	for (d = 0; d < 10; d++)
		if (kanji_digits[d][0] == cp || (kanji_digits[d][1] != 0 && kanji_digits[d][1] == cp))
			return d;
	return -1;
}

static int
kanji_mult(uint32_t cp)
{
	return cp == CP_JU ? 10 : cp == CP_HYAKU ? 100 : cp == CP_SEN ? 1000 : 0;
}

static int
is_numeral(uint32_t cp)
{
	return kanji_digit(cp) >= 0 || kanji_mult(cp) != 0;
}

static int
is_digit(uint32_t cp)
{
	return cp >= '0' && cp <= '9';
}

/* Code point I of C, or 0 past the end: lets the passes look ahead without bounds tests. */
static uint32_t
at(const struct norm_cps *c, size_t i)
{
	return i < c->nc_len ? c->nc_cp[i] : 0;
}

/* Removes N code points at I. */
static void
cut(struct norm_cps *c, size_t i, size_t n)
{
	memmove(c->nc_cp + i, c->nc_cp + i + n, (c->nc_len - i - n) * sizeof(c->nc_cp[0]));
	c->nc_len -= n;
}

/* A leading "〒700-8558": the postal code has its own field. */
static void
drop_postal(struct norm_cps *c)
{
	size_t n = 0;

	if (at(c, 0) != CP_YUBIN)
		return;
	for (n = 1; n < c->nc_len; n++)
		if (!is_digit(c->nc_cp[n]) && !norm_is_dash(c->nc_cp[n]) && c->nc_cp[n] != ' ')
			break;
	cut(c, 0, n);
}

/* 大字, 小字 and 字 name the kind of area that follows and are written or left out freely.
 * (A place name that contains 字 loses it too, on both sides alike.) */
static void
drop_aza(struct norm_cps *c)
{
	size_t i;

	for (i = 0; i < c->nc_len; i++) {
		if (c->nc_cp[i] != 0x5B57)	/* 字 */
			continue;
		if (i > 0 && (c->nc_cp[i - 1] == 0x5927 || c->nc_cp[i - 1] == 0x5C0F)) {
			cut(c, i - 1, 2);	/* 大字, 小字 */
			i -= 1;
		} else
			cut(c, i, 1);
		i--;	/* the loop's i++ looks at what moved into place */
	}
}

/* Drops every space but one between two numbers (Arabic or kanji), which numbers() turns
 * into '-' ("1-2-3 101"): so that the other passes see the neighbours a reader sees. */
static void
squeeze_spaces(struct norm_cps *c)
{
	size_t i, o = 0;
	uint32_t prev, next;

	for (i = 0; i < c->nc_len; i++) {
		if (c->nc_cp[i] == ' ') {
			prev = o > 0 ? c->nc_cp[o - 1] : 0;
			next = at(c, i + 1);
			if (!(is_digit(prev) || is_numeral(prev)) || !(is_digit(next) || is_numeral(next)))
				continue;
		}
		c->nc_cp[o++] = c->nc_cp[i];
	}
	c->nc_len = o;
}

/* Between two kanji, ケ ヶ ヵ が ガ are the same particle (霞ヶ関, 霞が関, 霞ケ関) and so are
 * の and ノ (旗の台, 旗ノ台). */
static void
unify_particles(struct norm_cps *c)
{
	size_t i;
	uint32_t cp;

	for (i = 1; i + 1 < c->nc_len; i++) {
		if (!norm_is_kanji(c->nc_cp[i - 1]) || !norm_is_kanji(c->nc_cp[i + 1]))
			continue;
		cp = c->nc_cp[i];
		if (cp == 0x30B1 || cp == CP_KE_SMALL || cp == 0x30F5 || cp == 0x304C || cp == 0x30AC)
			c->nc_cp[i] = CP_KE_SMALL;
		else if (cp == CP_NO_HIRA || cp == CP_NO_KATA)
			c->nc_cp[i] = CP_NO_KATA;
	}
}

/* Writes the value of the kanji number P[0..N) as ASCII digits into D. Without 十百千 the
 * digits are positional (二〇三 = 203); with them additive (二千三百四 = 2304, 十 = 10).
 * Returns 0, or -1 when malformed (十十, 百十百 ...) or too long. */
static int
numeral_value(const uint32_t *p, size_t n, struct norm_cps *d)
{
	int total = 0, cur = -1, last_mult = 10000, m, v;
	size_t i;
	char buf[16];

	for (i = 0; i < n; i++)
		if (kanji_mult(p[i]) != 0)
			break;
	if (i == n) {	/* positional */
		if (n > 8)
			return -1;
		for (i = 0; i < n; i++)
			if (norm_push(d, (uint32_t)('0' + kanji_digit(p[i]))) == -1)
				return -1;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if ((m = kanji_mult(p[i])) != 0) {
			if (m >= last_mult)
				return -1;
			total += (cur < 0 ? 1 : cur) * m;
			last_mult = m;
			cur = -1;
		} else {
			if (cur >= 0)
				return -1;	/* two digits in a row within 十百千 form */
			cur = kanji_digit(p[i]);
		}
	}
	v = total + (cur < 0 ? 0 : cur);
	snprintf(buf, sizeof(buf), "%d", v);
	for (i = 0; buf[i] != '\0'; i++)
		if (norm_push(d, (uint32_t)buf[i]) == -1)
			return -1;
	return 0;
}

/* 1 if a code point is a compass direction (北一条西二丁目 in Hokkaido). */
static int
is_direction(uint32_t cp)
{
	return cp == 0x6771 || cp == 0x897F || cp == 0x5357 || cp == 0x5317;
}

/* 1 when the kanji number at C[I..I+N) stands in number position and should become
 * Arabic: after a number or '-' (LASTOUT) or 第, before a unit (丁目 番 号 地割), a dash,
 * a space, の + number, or the end; or before 条/線 in the Hokkaido grid (北1条西2丁目).
 * Elsewhere it is part of a name (千葉, 三鷹, 四日市, 八丁堀, 一ノ関) and stays. */
static int
numeral_in_place(const struct norm_cps *c, size_t i, size_t n, uint32_t lastout)
{
	uint32_t prev = i > 0 ? c->nc_cp[i - 1] : 0, next = at(c, i + n), after = at(c, i + n + 1);

	if (is_digit(lastout) || lastout == '-' || prev == 0x7B2C)	/* 第 */
		return 1;
	if (next == 0 || next == ' ' || norm_is_dash(next) || next == 0x756A || next == 0x53F7)
		return 1;	/* end, space, dash, 番, 号 */
	if ((next == 0x4E01 && after == 0x76EE) || (next == 0x5730 && after == 0x5272))
		return 1;	/* 丁目, 地割 */
	if ((next == CP_NO_HIRA || next == CP_NO_KATA) && (is_numeral(after) || is_digit(after)))
		return 1;
	if (next == 0x6761 || next == 0x7DDA)	/* 条, 線 */
		return is_direction(prev) || is_direction(after) || after == 0x901A;	/* 通 */
	return 0;
}

/* Appends '-' to D unless D is empty or already ends with one. */
static int
push_dash(struct norm_cps *d)
{
	if (d->nc_len == 0 || d->nc_cp[d->nc_len - 1] == '-')
		return 0;
	return norm_push(d, '-');
}

/* How many code points at C[I] form a unit word that follows a number and becomes '-':
 * 丁目 番地 番 号 (not 番町 番館 号室 号棟 号館, which are names), の/ノ before a number,
 * a dash, a space between numbers. 0 if none. */
static size_t
unit_len(const struct norm_cps *c, size_t i)
{
	uint32_t cp = c->nc_cp[i], next = at(c, i + 1);

	if (cp == 0x4E01 && next == 0x76EE)
		return 2;	/* 丁目 */
	if (cp == 0x756A)	/* 番 */
		return next == 0x5730 ? 2 : (next == 0x753A || next == 0x9928) ? 0 : 1;
	if (cp == 0x53F7)	/* 号 */
		return (next == 0x5BA4 || next == 0x68DF || next == 0x9928) ? 0 : 1;
	if (cp == CP_NO_HIRA || cp == CP_NO_KATA || cp == ' ')
		return (is_digit(next) || is_numeral(next)) ? 1 : 0;
	return norm_is_dash(cp) ? 1 : 0;
}

/* The pass over numbers: kanji numbers in place -> Arabic, ①..⑳ -> digits, units and dashes
 * after a number -> one '-', other spaces dropped. Reads C, writes D. Returns 0 or -1. */
static int
numbers(const struct norm_cps *c, struct norm_cps *d)
{
	size_t i = 0, n;
	uint32_t cp, last;
	int r;

	d->nc_len = 0;
	while (i < c->nc_len) {
		cp = c->nc_cp[i];
		last = d->nc_len > 0 ? d->nc_cp[d->nc_len - 1] : 0;
		for (n = 0; i + n < c->nc_len && is_numeral(c->nc_cp[i + n]); n++)
			;
		if (n > 0 && numeral_in_place(c, i, n, last) && numeral_value(c->nc_cp + i, n, d) == 0) {
			i += n;
			continue;
		}
		if (n > 0) {	/* part of a name: copy the run as it is */
			while (n-- > 0)
				if (norm_push(d, c->nc_cp[i++]) == -1)
					return -1;
			continue;
		}
		if (cp >= 0x2460 && cp <= 0x2473) {	/* ① .. ⑳ */
			r = (int)(cp - 0x2460 + 1);
			if ((r >= 10 && norm_push(d, (uint32_t)('0' + r / 10)) == -1) ||
			    norm_push(d, (uint32_t)('0' + r % 10)) == -1)
				return -1;
			i++;
			continue;
		}
		/* after '-' too, so that a second pass over a key changes nothing */
		if ((is_digit(last) || last == '-') && (n = unit_len(c, i)) > 0) {
			if (push_dash(d) == -1)
				return -1;
			i += n;
			continue;
		}
		i++;
		if (cp == ' ' || (norm_is_dash(cp) && last == '-'))
			continue;	/* "1-ー" is one separator */
		if (norm_is_dash(cp) && cp != 0x30FC && cp != 0x2500 && cp != 0x2501)
			cp = '-';	/* a dash that is no long vowel: '-' wherever it stands */
		if ((cp == '-' ? push_dash(d) : norm_push(d, cp)) == -1)
			return -1;
	}
	return 0;
}

/* Drops every '-' that no digit follows: the end of the numbers ("1-2-3-" from 3号) and
 * the seam before a building name. */
static void
drop_loose_dashes(struct norm_cps *c)
{
	size_t i, o = 0;

	for (i = 0; i < c->nc_len; i++)
		if (c->nc_cp[i] != '-' || is_digit(at(c, i + 1)))
			c->nc_cp[o++] = c->nc_cp[i];
	c->nc_len = o;
}

int
norm_addr(const char *in, char *out, size_t outsz)
{
	struct norm_cps c, d;
	char key[NORM_CP_MAX * 4 + 1];
	const char *pref;
	int n;

	if (norm_decode(in, NORM_F_KANJI | NORM_F_UPPER | NORM_F_SPACES, &c) == -1)
		return norm_fail(out, outsz);
	drop_aza(&c);
	drop_postal(&c);
	squeeze_spaces(&c);
	unify_particles(&c);
	if (numbers(&c, &d) == -1)
		return norm_fail(out, outsz);
	drop_loose_dashes(&d);
	if (norm_encode(&d, key, sizeof(key)) == -1)
		return norm_fail(out, outsz);
	pref = norm_area_city_pref(key);
	n = snprintf(out, outsz, "%s%s", pref != NULL ? pref : "", key);
	if (n < 0 || (size_t)n >= outsz)
		return norm_fail(out, outsz);
	return 0;
}

int
norm_addr_area(const char *in, char *out, size_t outsz)
{
	char key[NORM_CP_MAX * 4 + 32];

	if (norm_addr(in, key, sizeof(key)) == -1)
		return norm_fail(out, outsz);
	return norm_addr_area_key(key, out, outsz);
}
