/* mpi/norm_utf8: strict UTF-8 in and out, and the width folding every key starts from. See
 * norm_int.h. The mappings are the Unicode NFKC decompositions of the half-width and
 * full-width forms block (U+FF00..U+FFEF) and the kana voicing compositions of
 * UnicodeData.txt, written out as tables. */
#include "mpi/norm_int.h"

#include <string.h>

/* NFKC of U+FF61..U+FF9F (half-width CJK punctuation and katakana). ﾞ and ﾟ become the
 * combining marks U+3099/U+309A, which norm_decode composes with the letter before. */
static const uint16_t halfwidth_kana[] = {
	0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3,
	0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC,
	0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF,
	0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF,
	0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD,
	0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE, 0x30DF,
	0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9, 0x30EA,
	0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x3099, 0x309A,
};

/* Katakana that take the voiced mark and their composition (UnicodeData.txt canonical
 * decompositions with U+3099) outside the regular カ..ト and ハ..ホ rows. */
static const uint16_t voiced_odd[][2] = {
	{ 0x30A6, 0x30F4 },	/* ウ ヴ */
	{ 0x30EF, 0x30F7 },	/* ワ ヷ */
	{ 0x30F0, 0x30F8 },	/* ヰ ヸ */
	{ 0x30F1, 0x30F9 },	/* ヱ ヹ */
	{ 0x30F2, 0x30FA },	/* ヲ ヺ */
	{ 0x30FD, 0x30FE },	/* ヽ ヾ */
};

#define CP_VOICED	0x3099
#define CP_SEMIVOICED	0x309A

/* Reads one code point at *SP, advancing it. Returns 1, 0 at the end, -1 when invalid. */
static int
utf8_next(const char **sp, uint32_t *cpp)
{
	const unsigned char *s = (const unsigned char *)*sp;
	uint32_t cp, min;
	int n, i;

	if (s[0] == 0)
		return 0;
	if (s[0] < 0x80) {
		*cpp = s[0];
		*sp += 1;
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 1; cp = s[0] & 0x1F; min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 2; cp = s[0] & 0x0F; min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 3; cp = s[0] & 0x07; min = 0x10000;
	} else
		return -1;	/* a continuation byte or 0xF8..0xFF where a character starts */
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;	/* truncated (the NUL stops here too) */
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;	/* overlong, out of range, or a surrogate */
	*cpp = cp;
	*sp += n + 1;
	return 1;
}

static int
is_space(uint32_t cp)
{
	return cp == 0x20 || cp == 0x09 || cp == 0x0A || cp == 0x0D || cp == 0xA0 ||
	    (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Characters with no weight in a key: zero-width ones, the BOM, the variation selectors
 * (U+FE00..FE0F, and the ideographic variation selectors U+E0100..E01EF of IVS). */
static int
is_ignorable(uint32_t cp)
{
	return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF ||
	    (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

/* Width folding of one code point (the NFKC mappings that matter for Japanese text). */
static uint32_t
width_fold(uint32_t cp)
{
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		return cp - 0xFEE0;	/* full-width ASCII */
	if (cp >= 0xFF61 && cp <= 0xFF9F)
		return halfwidth_kana[cp - 0xFF61];
	if (cp == 0x309B)
		return CP_VOICED;	/* spacing ゛: composed like the combining mark */
	if (cp == 0x309C)
		return CP_SEMIVOICED;
	return cp;
}

uint32_t
norm_voiced(uint32_t cp, uint32_t mark)
{
	uint32_t k = cp, v = 0;
	size_t i;
	int hira = cp >= 0x3041 && cp <= 0x3096;

	if (cp == 0x309D)
		return mark == CP_VOICED ? 0x309E : 0;	/* ゝ ゞ */
	if (hira)
		k = cp + 0x60;
	if (mark == CP_VOICED) {
		if (k >= 0x30AB && k <= 0x30C1 && (k - 0x30AB) % 2 == 0)
			v = k + 1;	/* カ キ ク ... チ: every other code point */
		else if (k == 0x30C4 || k == 0x30C6 || k == 0x30C8)
			v = k + 1;	/* ツ テ ト (the small ッ shifts the parity) */
		else if (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0)
			v = k + 1;	/* ハ ヒ フ ヘ ホ */
		else
			for (i = 0; i < sizeof(voiced_odd) / sizeof(voiced_odd[0]); i++)
				if (voiced_odd[i][0] == k)
					v = voiced_odd[i][1];
	} else if (mark == CP_SEMIVOICED) {
		if (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0)
			v = k + 2;	/* パ ピ プ ペ ポ */
	}
	if (v != 0 && hira)
		return v <= 0x30F6 ? v - 0x60 : 0;	/* ヷ ヸ ヹ ヺ have no hiragana */
	return v;
}

uint32_t
norm_unvoiced(uint32_t cp)
{
	size_t i;

	if (cp >= 0x30AC && cp <= 0x30C2 && (cp - 0x30AC) % 2 == 0)
		return cp - 1;	/* ガ..ヂ */
	if (cp == 0x30C5 || cp == 0x30C7 || cp == 0x30C9)
		return cp - 1;	/* ヅ デ ド */
	if (cp >= 0x30D0 && cp <= 0x30DD) {
		if ((cp - 0x30CF) % 3 == 1)
			return cp - 1;	/* バ.. */
		if ((cp - 0x30CF) % 3 == 2)
			return cp - 2;	/* パ.. */
	}
	for (i = 0; i < sizeof(voiced_odd) / sizeof(voiced_odd[0]); i++)
		if (voiced_odd[i][1] == cp)
			return voiced_odd[i][0];
	return cp;
}

int
norm_is_kanji(uint32_t cp)
{
	return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
	    (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF) ||
	    cp == 0x3005 || cp == 0x3007;
}

int
norm_is_dash(uint32_t cp)
{
	return cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2043 || cp == 0x2212 ||
	    cp == 0x30FC || cp == 0x2500 || cp == 0x2501 || cp == 0xFE63 || cp == 0xFF70;
}

int
norm_push(struct norm_cps *c, uint32_t cp)
{
	if (c->nc_len >= NORM_CP_MAX)
		return -1;
	c->nc_cp[c->nc_len++] = cp;
	return 0;
}

/* Adds one decoded, width-folded CP to C under FLAGS. Returns 0 or -1 when C is full. */
static int
decode_add(struct norm_cps *c, uint32_t cp, unsigned flags)
{
	uint32_t v;

	if (is_space(cp)) {
		if (!(flags & NORM_F_SPACES) || (c->nc_len > 0 && c->nc_cp[c->nc_len - 1] == ' '))
			return 0;
		return norm_push(c, ' ');
	}
	if (cp == CP_VOICED || cp == CP_SEMIVOICED) {
		/* compose with the letter before; a mark with nothing to compose stays, as the
		 * spacing form, so that ア゛ never equals ア */
		if (c->nc_len > 0 && (v = norm_voiced(c->nc_cp[c->nc_len - 1], cp)) != 0) {
			c->nc_cp[c->nc_len - 1] = v;
			return 0;
		}
		return norm_push(c, cp + 2);
	}
	if ((flags & NORM_F_KATA) && ((cp >= 0x3041 && cp <= 0x3096) || cp == 0x309D ||
	    cp == 0x309E))
		cp += 0x60;
	if ((flags & NORM_F_UPPER) && cp >= 'a' && cp <= 'z')
		cp -= 'a' - 'A';
	if ((flags & NORM_F_KANJI) && cp >= 0x3400)
		cp = kanji_variant_fold(cp);
	return norm_push(c, cp);
}

int
norm_decode(const char *in, unsigned flags, struct norm_cps *c)
{
	uint32_t cp;
	int r;

	c->nc_len = 0;
	if (in == NULL)
		return -1;
	while ((r = utf8_next(&in, &cp)) == 1) {
		if ((cp < 0x20 && cp != 0x09 && cp != 0x0A && cp != 0x0D) ||
		    (cp >= 0x7F && cp <= 0x9F))
			return -1;	/* control characters are no part of a name or address */
		if (is_ignorable(cp))
			continue;
		if (decode_add(c, width_fold(cp), flags) == -1)
			return -1;
	}
	if (r == -1)
		return -1;
	/* a trailing space (kept with NORM_F_SPACES) carries nothing */
	if (c->nc_len > 0 && c->nc_cp[c->nc_len - 1] == ' ')
		c->nc_len--;
	if (c->nc_len > 0 && c->nc_cp[0] == ' ')
		memmove(c->nc_cp, c->nc_cp + 1, --c->nc_len * sizeof(c->nc_cp[0]));
	return 0;
}

int
norm_fail(char *out, size_t outsz)
{
	if (out != NULL && outsz > 0)
		out[0] = '\0';
	return -1;
}

int
norm_encode(const struct norm_cps *c, char *out, size_t outsz)
{
	size_t i, o = 0, n;
	uint32_t cp;
	unsigned char b[4];

	if (out == NULL || outsz == 0)
		return -1;
	for (i = 0; i < c->nc_len; i++) {
		cp = c->nc_cp[i];
		if (cp < 0x80) {
			b[0] = (unsigned char)cp; n = 1;
		} else if (cp < 0x800) {
			b[0] = (unsigned char)(0xC0 | (cp >> 6));
			b[1] = (unsigned char)(0x80 | (cp & 0x3F)); n = 2;
		} else if (cp < 0x10000) {
			b[0] = (unsigned char)(0xE0 | (cp >> 12));
			b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			b[2] = (unsigned char)(0x80 | (cp & 0x3F)); n = 3;
		} else {
			b[0] = (unsigned char)(0xF0 | (cp >> 18));
			b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
			b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			b[3] = (unsigned char)(0x80 | (cp & 0x3F)); n = 4;
		}
		if (o + n >= outsz)
			return norm_fail(out, outsz);
		memcpy(out + o, b, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}
