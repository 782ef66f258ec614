/*
 * mpi/norm_int: what the norm_*.c files and kanji_variants.c share: strict UTF-8 decoding into
 * a fixed array of code points with the width folding every key starts from, encoding back,
 * the kana voicing tables and the kanji folding. Not for other modules: use mpi/norm.h.
 */
#ifndef HASHI_MPI_NORM_INT_H
#define HASHI_MPI_NORM_INT_H

#include <stddef.h>
#include <stdint.h>

/* Longest text a key is derived from, in code points (a demographic field is at most 383
 * bytes). Longer input is refused like invalid input. */
#define NORM_CP_MAX	512

/* A text as code points. Fixed size so that no key needs malloc. */
struct norm_cps {
	uint32_t	nc_cp[NORM_CP_MAX];
	size_t		nc_len;
};

/* norm_decode flags */
#define NORM_F_KATA	0x01	/* hiragana -> katakana (ゝゞ -> ヽヾ) */
#define NORM_F_KANJI	0x02	/* CJK compatibility ideographs and old/variant kanji -> canonical */
#define NORM_F_UPPER	0x04	/* ASCII a-z -> A-Z */
#define NORM_F_SPACES	0x08	/* keep one U+0020 for each run of spaces (default: drop them) */

/* Decodes IN (strict UTF-8: no overlong forms, surrogates, code points past U+10FFFF or
 * truncated sequences; no control character but tab, CR, LF which count as spaces) into C,
 * applying on the way: full-width ASCII -> ASCII, U+3000 and the other Unicode spaces ->
 * space, half-width katakana -> katakana with ﾞ/ﾟ (and U+3099..U+309C) composed into the
 * voiced letter before them, variation selectors and zero-width characters dropped, then
 * FLAGS. Returns 0, or -1 on invalid input or more than NORM_CP_MAX code points. */
int norm_decode(const char *in, unsigned flags, struct norm_cps *c);

/* Encodes C as UTF-8 into OUT of OUTSZ bytes. Returns 0, or -1 (OUT is then "") when it
 * does not fit. */
int norm_encode(const struct norm_cps *c, char *out, size_t outsz);

/* Sets OUT to "" when OUTSZ allows and returns -1: the common failure exit. */
int norm_fail(char *out, size_t outsz);

/* Appends CP to C. Returns 0, or -1 when C is full. */
int norm_push(struct norm_cps *c, uint32_t cp);

/* The katakana (or hiragana) CP with the voiced (MARK U+3099) or semi-voiced (U+309A) sound
 * mark, or 0 when CP takes no such mark. */
uint32_t norm_voiced(uint32_t cp, uint32_t mark);

/* The katakana CP without its voiced or semi-voiced mark (ガ -> カ, パ -> ハ, ヴ -> ウ), or CP. */
uint32_t norm_unvoiced(uint32_t cp);

/* 1 if CP is a CJK ideograph (any block), 々 or 〇; 0 otherwise. */
int norm_is_kanji(uint32_t cp);

/* 1 if CP is one of the hyphen or dash forms written between address numbers or as a long
 * vowel (ASCII '-', ‐ ‑ ‒ – — ― − ー ─ ━ ﹣ ...); 0 otherwise. */
int norm_is_dash(uint32_t cp);

/* norm_compat.c: the canonical decomposition of a CJK compatibility ideograph (U+F900..FAD9,
 * U+2F800..2FA1D), or CP itself. */
uint32_t norm_compat_fold(uint32_t cp);

/* norm_compat.c: 0 when no decomposition is itself decomposable, -1 otherwise (tests). */
int norm_compat_check(void);

/* kanji_variants.c: the canonical form of kanji CP (compatibility ideograph decomposed, then
 * old/variant form replaced), or CP itself. */
uint32_t kanji_variant_fold(uint32_t cp);

/* kanji_variants.c: checks the tables: sorted, no duplicate, every target canonical (no
 * chain). Returns 0 when sound, -1 otherwise. For the unit tests. */
int kanji_variants_check(void);

/* kanji_variants.c: the number of variant pairs and pair I (source, target) for the tests.
 * Returns 0, or -1 when I is out of range. */
size_t kanji_variants_count(void);
int kanji_variants_pair(size_t i, uint32_t *from, uint32_t *to);

/* norm_area.c: the prefecture of the designated city KEY starts with (UTF-8, e.g. "岡山県"),
 * NULL when KEY starts with a prefecture or with no designated city. */
const char *norm_area_city_pref(const char *key);

#endif
