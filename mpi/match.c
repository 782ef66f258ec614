/* mpi/match: the matching rules. See match.h; the near misses are listed in mpi/README.md. */
#include "mpi/match.h"
#include "mpi/norm.h"

#include <stdio.h>
#include <string.h>

/* Fields whose invalid value on either side rules out an automatic link: the data that
 * should have been compared is unreadable. A phone number written with a note in it
 * ("03-1234-5678 自宅") does not. */
#define MATCH_K_STRICT	(MATCH_K_NAME | MATCH_K_KANA | MATCH_K_BIRTH | MATCH_K_SEX | \
    MATCH_K_ADDR | MATCH_K_POSTAL)

/* The differences that rule out an automatic link. */
#define MATCH_D_NOAUTO	(MATCH_D_NAME | MATCH_D_NAME_SPLIT | MATCH_D_KANA | \
    MATCH_D_KANA_SPLIT | MATCH_D_BIRTH | MATCH_D_SEX | MATCH_D_ADDR | MATCH_D_POSTAL)

/* The keys an automatic link needs on both sides. */
#define MATCH_K_AUTO	(MATCH_K_NAME | MATCH_K_BIRTH | MATCH_K_SEX | MATCH_K_ADDR)

typedef int (*norm_fn)(const char *, char *, size_t);

/* Bytes of the space (U+0020, tab, U+3000) at S, or 0. */
static size_t
space_at(const char *s)
{
	if (*s == ' ' || *s == '\t')
		return 1;
	return strncmp(s, "\u3000", 3) == 0 ? 3 : 0;
}

/* Where S has exactly one run of spaces between non-space text, copies the text before it
 * to A and after it to B (each SZ bytes) and returns 1; returns 0 otherwise. The way a
 * name given whole ("山田 太郎", JPKI "山田　太郎") shows its family/given boundary.
 * (Stepping bytewise is safe: no UTF-8 continuation byte equals a space's first byte.) */
static int
split_at_space(const char *s, char *a, char *b, size_t sz)
{
	size_t i = 0, w, lead, rs = 0, re = 0, runs = 0, start;

	while ((w = space_at(s + i)) > 0)
		i += w;
	lead = i;
	while (s[i] != '\0') {
		if (space_at(s + i) == 0) {
			i++;
			continue;
		}
		start = i;
		while ((w = space_at(s + i)) > 0)
			i += w;
		if (s[i] == '\0')
			break;	/* trailing spaces */
		runs++;
		rs = start;
		re = i;
	}
	if (runs != 1 || rs - lead >= sz || strlen(s + re) >= sz)
		return 0;
	memcpy(a, s + lead, rs - lead);
	a[rs - lead] = '\0';
	memcpy(b, s + re, strlen(s + re) + 1);
	return 1;
}

/* Derives the keys of name N with FN: the whole name into WHOLE (and its loose kana key
 * into LOOSE when not NULL), family and given parts into FAM and GIV when N has both (or
 * its family part splits at a space; *SPLIT is then 1). Returns 1 when the name is
 * present, 0 when absent, -1 when it cannot be normalised. */
static int
name_keys(const struct mpi_name *n, norm_fn fn, char *whole, char *fam, char *giv,
    char *loose, int *split)
{
	char f[MPI_NAME_MAX], g[MPI_NAME_MAX], all[2 * MPI_NAME_MAX];
	const char *pf = n->mn_family, *pg = n->mn_given;

	*split = 0;
	if (pg[0] == '\0' && split_at_space(pf, f, g, sizeof(f))) {
		pf = f;
		pg = g;
	}
	snprintf(all, sizeof(all), "%.*s%.*s", MPI_NAME_MAX - 1, pf, MPI_NAME_MAX - 1, pg);
	if (fn(all, whole, MATCH_NAME_MAX) == -1)
		return -1;
	if (whole[0] == '\0')
		return 0;	/* nothing but spaces */
	if (loose != NULL && norm_kana_loose(all, loose, MATCH_NAME_MAX) == -1)
		return -1;
	if (fam != NULL && pf[0] != '\0' && pg[0] != '\0') {
		if (fn(pf, fam, MATCH_PART_MAX) == -1 || fn(pg, giv, MATCH_PART_MAX) == -1)
			return -1;
		*split = fam[0] != '\0' && giv[0] != '\0';
	}
	return 1;
}

/* Records in K the outcome R (1 present, 0 absent, -1 invalid) of the key BIT. */
static void
keys_note(struct match_keys *k, int r, unsigned bit)
{
	if (r == 1)
		k->mk_have |= bit;
	else if (r == -1)
		k->mk_bad |= bit;
}

/* Outcome of a one-value key: absent when IN is empty or normalises to nothing (an address
 * of spaces must not equal another), else from the normaliser's R. */
static int
field(const char *in, int r, const char *key)
{
	if (in[0] == '\0' || (r == 0 && key[0] == '\0'))
		return 0;
	return r == 0 ? 1 : -1;
}

/* The name, kana and birth keys of D into K (zeroed first); with PARTS the family and
 * given parts too (match_compare wants them, match_may_match does not). */
static void
keys_names_birth(const struct mpi_demog *d, struct match_keys *k, int parts)
{
	char v[MPI_ADDR_MAX];
	int r, split;

	memset(k, 0, sizeof(*k));
	r = name_keys(&d->md_kanji, norm_name, k->mk_name, parts ? k->mk_name_family : NULL,
	    k->mk_name_given, NULL, &split);
	keys_note(k, r, MATCH_K_NAME | (r == 1 && split ? MATCH_K_NAME_SPLIT : 0));
	r = name_keys(&d->md_kana, norm_kana, k->mk_kana, parts ? k->mk_kana_family : NULL,
	    k->mk_kana_given, k->mk_kana_loose, &split);
	keys_note(k, r, MATCH_K_KANA | (r == 1 && split ? MATCH_K_KANA_SPLIT : 0));
	snprintf(v, sizeof(v), "%.*s", (int)sizeof(d->md_birth) - 1, d->md_birth);
	r = norm_birth(v, k->mk_birth);
	keys_note(k, field(v, r, k->mk_birth), MATCH_K_BIRTH);
}

int
match_keys_make_quick(const struct mpi_demog *d, struct match_keys *k)
{
	keys_names_birth(d, k, 0);
	return k->mk_bad != 0 ? -1 : 0;
}

int
match_may_match(const struct match_keys *a, const struct match_keys *b)
{
	unsigned both = a->mk_have & b->mk_have;

	/* match_compare's AUTO needs equal names and birth dates, its CANDIDATE equal birth
	 * dates and one of the three name keys equal: without those it answers NONE */
	if (!(both & MATCH_K_BIRTH) || strcmp(a->mk_birth, b->mk_birth) != 0)
		return 0;
	return ((both & MATCH_K_NAME) && strcmp(a->mk_name, b->mk_name) == 0) ||
	    ((both & MATCH_K_KANA) && (strcmp(a->mk_kana, b->mk_kana) == 0 ||
	    strcmp(a->mk_kana_loose, b->mk_kana_loose) == 0));
}

int
match_keys_make(const struct mpi_demog *d, struct match_keys *k)
{
	char sex[2] = { d->md_sex, '\0' }, v[MPI_ADDR_MAX];
	int r;

	keys_names_birth(d, k, 1);
	if (d->md_sex != '\0') {
		r = norm_sex(sex, &k->mk_sex) == -1 ? -1 : k->mk_sex != 'U';
		if (r != 1)
			k->mk_sex = '\0';	/* 'U' is not known: absent */
		keys_note(k, r, MATCH_K_SEX);
	}
	snprintf(v, sizeof(v), "%.*s", (int)sizeof(d->md_addr) - 1, d->md_addr);
	r = norm_addr(v, k->mk_addr, sizeof(k->mk_addr));
	keys_note(k, field(v, r, k->mk_addr), MATCH_K_ADDR);
	if ((k->mk_have & MATCH_K_ADDR) &&
	    norm_addr_area_key(k->mk_addr, k->mk_addr_area, sizeof(k->mk_addr_area)) == 0)
		k->mk_have |= MATCH_K_AREA;
	snprintf(v, sizeof(v), "%.*s", (int)sizeof(d->md_postal) - 1, d->md_postal);
	r = norm_postal(v, k->mk_postal);
	keys_note(k, field(v, r, k->mk_postal), MATCH_K_POSTAL);
	snprintf(v, sizeof(v), "%.*s", (int)sizeof(d->md_phone) - 1, d->md_phone);
	r = norm_phone(v, k->mk_phone, sizeof(k->mk_phone));
	keys_note(k, field(v, r, k->mk_phone), MATCH_K_PHONE);
	return k->mk_bad != 0 ? -1 : 0;
}

/* DBIT when both sides split the name (BOTH has KSPLIT) and the parts differ, else 0. */
static unsigned
parts_differ(unsigned both, unsigned ksplit, const char *af, const char *ag, const char *bf,
    const char *bg, unsigned dbit)
{
	if (!(both & ksplit))
		return 0;
	return strcmp(af, bf) != 0 || strcmp(ag, bg) != 0 ? dbit : 0;
}

/* The MATCH_D_* bits of the one-value key BIT: DBIT when both have it and A != B,
 * MISSING (may be 0) when either lacks it. */
static unsigned
value_diff(unsigned both, unsigned bit, const char *a, const char *b, unsigned dbit,
    unsigned missing)
{
	if (!(both & bit))
		return missing;
	return strcmp(a, b) != 0 ? dbit : 0;
}

/* The MATCH_D_* bits of the names of A and B (BOTH: keys on both sides); sets *NAME_EQ,
 * *KANA_EQ, *LOOSE_EQ when the whole keys are equal. */
static unsigned
names_diff(const struct match_keys *a, const struct match_keys *b, unsigned both,
    int *name_eq, int *kana_eq, int *loose_eq)
{
	unsigned d = 0;

	*name_eq = (both & MATCH_K_NAME) && strcmp(a->mk_name, b->mk_name) == 0;
	*kana_eq = (both & MATCH_K_KANA) && strcmp(a->mk_kana, b->mk_kana) == 0;
	*loose_eq = (both & MATCH_K_KANA) && strcmp(a->mk_kana_loose, b->mk_kana_loose) == 0;
	if (!(both & MATCH_K_NAME))
		d |= MATCH_D_MISSING_NAME;
	else if (!*name_eq)
		d |= MATCH_D_NAME;
	else
		d |= parts_differ(both, MATCH_K_NAME_SPLIT, a->mk_name_family, a->mk_name_given,
		    b->mk_name_family, b->mk_name_given, MATCH_D_NAME_SPLIT);
	if (!(both & MATCH_K_KANA))
		d |= MATCH_D_MISSING_KANA;
	else if (!*kana_eq)
		d |= MATCH_D_KANA | (*loose_eq ? MATCH_D_KANA_NEAR : 0);
	else
		d |= parts_differ(both, MATCH_K_KANA_SPLIT, a->mk_kana_family, a->mk_kana_given,
		    b->mk_kana_family, b->mk_kana_given, MATCH_D_KANA_SPLIT);
	return d;
}

enum match_result
match_compare(const struct match_keys *a, const struct match_keys *b, unsigned *diff)
{
	unsigned both = a->mk_have & b->mk_have, d;
	char sa[2] = { a->mk_sex, '\0' }, sb[2] = { b->mk_sex, '\0' };
	int name_eq, kana_eq, loose_eq;
	enum match_result r = MATCH_NONE;

	d = names_diff(a, b, both, &name_eq, &kana_eq, &loose_eq);
	d |= value_diff(both, MATCH_K_BIRTH, a->mk_birth, b->mk_birth, MATCH_D_BIRTH,
	    MATCH_D_MISSING_BIRTH);
	d |= value_diff(both, MATCH_K_SEX, sa, sb, MATCH_D_SEX, MATCH_D_MISSING_SEX);
	d |= value_diff(both, MATCH_K_ADDR, a->mk_addr, b->mk_addr, MATCH_D_ADDR,
	    MATCH_D_MISSING_ADDR);
	if (d & MATCH_D_ADDR)
		d |= value_diff(both, MATCH_K_AREA, a->mk_addr_area, b->mk_addr_area,
		    MATCH_D_AREA, 0);
	d |= value_diff(both, MATCH_K_POSTAL, a->mk_postal, b->mk_postal, MATCH_D_POSTAL, 0);
	d |= value_diff(both, MATCH_K_PHONE, a->mk_phone, b->mk_phone, MATCH_D_PHONE, 0);
	if ((a->mk_bad | b->mk_bad) != 0)
		d |= MATCH_D_INVALID;

	if ((both & MATCH_K_AUTO) == MATCH_K_AUTO && (d & MATCH_D_NOAUTO) == 0 &&
	    ((a->mk_bad | b->mk_bad) & MATCH_K_STRICT) == 0)
		r = MATCH_AUTO;
	else if ((both & MATCH_K_BIRTH) && !(d & (MATCH_D_BIRTH | MATCH_D_SEX)) &&
	    (name_eq || kana_eq || loose_eq))
		r = MATCH_CANDIDATE;
	if (diff != NULL)
		*diff = d;
	return r;
}

enum match_result
match_demog(const struct mpi_demog *a, const struct mpi_demog *b, unsigned *diff)
{
	struct match_keys ka, kb;

	(void)match_keys_make(a, &ka);	/* an invalid field is absent and flagged in mk_bad */
	(void)match_keys_make(b, &kb);
	return match_compare(&ka, &kb, diff);
}

const char *
match_result_name(enum match_result r)
{
	switch (r) {
	case MATCH_NONE:
		return "none";
	case MATCH_CANDIDATE:
		return "candidate";
	case MATCH_AUTO:
		return "auto";
	}
	return "?";
}
