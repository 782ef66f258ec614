/*
 * mpi/match: the rules that decide whether two demographic records are the same patient.
 * Pure: each record is reduced once to its normalised keys (mpi/norm.h), and two key sets
 * compare with string equality only, so one comparison costs a few strcmp.
 *
 * An automatic link is made only when it is nearly certain to be right: a wrong link shows
 * one patient's records as another's, the worst failure of a patient index (the 7,312
 * wrong insurance links of 2021-23 came from linking without all four basic items). So:
 *
 *   MATCH_AUTO       the kanji name key, date of birth, sex and full address key are present
 *                    on both sides and equal; where both have a kana reading, its exact key
 *                    is equal too; where both sides split a name into family and given
 *                    name, the parts agree as well; no field of either side was invalid and
 *                    the postal codes, when both are known, are equal.
 *   MATCH_CANDIDATE  not AUTO, the dates of birth are equal, the sexes do not contradict
 *                    each other, and the name key, the kana key or the loose kana key is
 *                    equal: a potential match for a person to confirm (XCPD "potential
 *                    match", the review list).
 *   MATCH_NONE       otherwise.
 *
 * mpi/README.md lists the near misses and what each gives.
 */
#ifndef HASHI_MPI_MATCH_H
#define HASHI_MPI_MATCH_H

#include "mpi/demog.h"

/* Key buffer sizes: a key may be up to 4/3 of its input (a compatibility ideograph of 3
 * bytes becomes a 4-byte one) and the address gains its prefecture. */
#define MATCH_NAME_MAX	(2 * MPI_NAME_MAX * 4 / 3 + 16)
#define MATCH_PART_MAX	(MPI_NAME_MAX * 4 / 3 + 16)
#define MATCH_ADDR_MAX	(MPI_ADDR_MAX * 4 / 3 + 32)

/* Which keys a struct match_keys holds (mk_have) or could not derive from a value that was
 * given (mk_bad: the field is then treated as absent, and no link is automatic). */
#define MATCH_K_NAME		0x001	/* kanji name, whole */
#define MATCH_K_NAME_SPLIT	0x002	/* kanji name as family + given, both non-empty */
#define MATCH_K_KANA		0x004	/* kana name, whole (and loose) */
#define MATCH_K_KANA_SPLIT	0x008	/* kana name as family + given */
#define MATCH_K_BIRTH		0x010
#define MATCH_K_SEX		0x020	/* M, F or O; U (unknown) counts as absent */
#define MATCH_K_ADDR		0x040
#define MATCH_K_AREA		0x080	/* prefecture + municipality could be told */
#define MATCH_K_POSTAL		0x100
#define MATCH_K_PHONE		0x200

/* The normalised keys of one struct mpi_demog. Plain data, no ownership. */
struct match_keys {
	unsigned	mk_have;			/* MATCH_K_* */
	unsigned	mk_bad;				/* MATCH_K_* given but not normalisable */
	char		mk_name[MATCH_NAME_MAX];	/* norm_name(family + given) */
	char		mk_name_family[MATCH_PART_MAX];
	char		mk_name_given[MATCH_PART_MAX];
	char		mk_kana[MATCH_NAME_MAX];	/* norm_kana(family + given) */
	char		mk_kana_family[MATCH_PART_MAX];
	char		mk_kana_given[MATCH_PART_MAX];
	char		mk_kana_loose[MATCH_NAME_MAX];	/* norm_kana_loose(family + given) */
	char		mk_birth[9];			/* YYYYMMDD */
	char		mk_sex;				/* 'M', 'F', 'O' or 0 */
	char		mk_postal[8];
	char		mk_phone[32];
	char		mk_addr[MATCH_ADDR_MAX];
	char		mk_addr_area[MATCH_ADDR_MAX];
};

/* Fills K with the keys of D (normalisation version NORM_VERSION). A name given whole in
 * the family part with one run of spaces inside ("山田 太郎", "山田　太郎") is split there.
 * Returns 0, or -1 when some given field could not be normalised: K is still complete,
 * that field absent and its bit set in mk_bad. */
int match_keys_make(const struct mpi_demog *d, struct match_keys *k);

/* Fills only the name, kana and birth keys of K (everything else absent): enough for
 * match_may_match, at a fraction of match_keys_make's cost (no address). Returns as
 * match_keys_make. */
int match_keys_make_quick(const struct mpi_demog *d, struct match_keys *k);

/* Returns 0 when keys A and B (from either maker) can only compare MATCH_NONE: the birth
 * dates are missing or differ, or none of the kanji name, kana and loose kana keys is
 * equal; else 1 (then compare full keys with match_compare). */
int match_may_match(const struct match_keys *a, const struct match_keys *b);

enum match_result {
	MATCH_NONE,
	MATCH_CANDIDATE,
	MATCH_AUTO,
};

/* What differs or is missing between two key sets (the diff of match_compare): for the
 * review list, and for the XCPD responder to ask the initiator for more attributes
 * (PatientAddressRequested on MATCH_D_MISSING_ADDR, LivingSubjectAdministrativeGender-
 * Requested on MATCH_D_MISSING_SEX). "Missing" means absent on at least one side. */
#define MATCH_D_NAME		0x00001	/* kanji name keys differ */
#define MATCH_D_NAME_SPLIT	0x00002	/* whole names equal, family/given parts differ */
#define MATCH_D_KANA		0x00004	/* exact kana keys differ */
#define MATCH_D_KANA_NEAR	0x00008	/* ... but the loose kana keys are equal */
#define MATCH_D_KANA_SPLIT	0x00010	/* whole kana equal, family/given parts differ */
#define MATCH_D_BIRTH		0x00020
#define MATCH_D_SEX		0x00040	/* both known and different */
#define MATCH_D_ADDR		0x00080	/* full address keys differ */
#define MATCH_D_AREA		0x00100	/* ... and so do the areas (both known) */
#define MATCH_D_POSTAL		0x00200
#define MATCH_D_PHONE		0x00400
#define MATCH_D_MISSING_NAME	0x00800
#define MATCH_D_MISSING_KANA	0x01000
#define MATCH_D_MISSING_BIRTH	0x02000
#define MATCH_D_MISSING_SEX	0x04000
#define MATCH_D_MISSING_ADDR	0x08000
#define MATCH_D_INVALID		0x10000	/* a field of either side could not be normalised */

/* Compares the key sets A and B by the rules above. When DIFF is not NULL, sets *DIFF to
 * the MATCH_D_* bits of everything that differs or is missing, whatever the result. */
enum match_result match_compare(const struct match_keys *a, const struct match_keys *b,
    unsigned *diff);

/* match_keys_make on both, then match_compare. Fields that cannot be normalised count as
 * absent (MATCH_D_INVALID). Uses about 8 KiB of stack. */
enum match_result match_demog(const struct mpi_demog *a, const struct mpi_demog *b,
    unsigned *diff);

/* "none", "candidate" or "auto" (static string; "?" for an unknown value). */
const char *match_result_name(enum match_result r);

#endif
