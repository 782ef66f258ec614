/*
 * mpi/norm: the normalised keys that patient matching compares (Japanese names, kana
 * readings, addresses, dates of birth, sex, postal codes, phone numbers). Pure functions of
 * their input: no allocation, no locale, no library but libc. The keys are for comparison
 * only; the values as received are what is stored and shown (mpi/demog.h).
 *
 * Every function (norm_sex aside) writes a NUL-terminated UTF-8 key into the caller's
 * buffer and returns 0, or returns -1 and leaves the buffer "" (when it has room for that)
 * on invalid UTF-8 (an overlong form, a surrogate, a truncated sequence), a control
 * character, input longer than 512 code points, output that does not fit, or text that is
 * no such value. Never aborts.
 * mpi/README.md lists the steps of each key.
 */
#ifndef HASHI_MPI_NORM_H
#define HASHI_MPI_NORM_H

#include <stddef.h>

/* Version of the key derivation. Stored next to every key so that a decision can be re-run
 * with the rules it was made with; bump it whenever any key of the same input changes. */
#define NORM_VERSION	1

/* Key of a name in any script (normally the kanji name): width folded (full-width ASCII ->
 * ASCII, half-width katakana -> katakana with ﾞﾟ composed), spaces, tabs and ・ removed,
 * variation selectors dropped, hiragana -> katakana, old/variant kanji -> canonical
 * (髙 -> 高, 﨑 -> 崎, 齋/齊/斉 -> 斎, 邊/邉 -> 辺, ... kanji_variants.c), a-z -> A-Z. */
int norm_name(const char *in, char *out, size_t outsz);

/* Key of a kana reading, the one an automatic link compares: the norm_name folding without
 * kanji, then small kana -> large (ァ -> ア, ッ -> ツ, ャ -> ヤ, ヮ -> ワ, ヵ -> カ, ヶ -> ケ),
 * ヂ -> ジ, ヅ -> ズ, ヲ -> オ, ヰ -> イ, ヱ -> エ, iteration marks ヽヾ written out, and every
 * prolonged-sound or dash mark (ー ｰ — ― ─ ━ ‐ － - − 〜 ~) dropped (サトー -> サト, which is
 * not サトウ). Voiced and semi-voiced letters are kept (ハシモト, バシモト and パシモト are
 * three keys) and so is ヴ (ヴ != ブ). -1 also when the text holds anything but kana,
 * spaces, ・ and those marks (a kanji or Latin name given as the reading). */
int norm_kana(const char *in, char *out, size_t outsz);

/* Looser key of a kana reading, to generate candidates only, never to link: norm_kana with
 * the ヴ row folded to the バ row (ヴァ -> バ, ヴィ -> ビ, ヴ -> ブ, ...), then every voiced and
 * semi-voiced mark removed (ガ -> カ, パ -> ハ, so ヴ -> ブ -> フ), then the long vowel
 * written with a letter dropped (ウ or オ after an オ-row letter, ウ after an ウ-row letter:
 * サトウ, サトオ, サトー -> サト; ユウコ, ユーコ -> ユコ). Same failures as norm_kana. */
int norm_kana_loose(const char *in, char *out, size_t outsz);

/* Key of an address: width folded, spaces removed (a space between two numbers becomes
 * '-'), old/variant kanji -> canonical, a leading 〒 and postal code dropped, 大字/小字/字
 * removed, ケ ヶ が ガ ヵ between two kanji -> ヶ (霞ヶ関 = 霞が関 = 霞ケ関) and の between two
 * kanji -> ノ, kanji numbers in number position -> Arabic (二十三番地 -> 23), 丁目 番地 番 号
 * and the hyphen forms after a number -> '-' (一丁目2番地3号 = 1-2-3 = １丁目２番３号 =
 * 1丁目2-3 -> "1-2-3"), a '-' not followed by a digit removed, the building part kept as
 * written after the numbers, a-z -> A-Z, and the prefecture put in front of an address that
 * starts with a designated city (岡山市北区... -> 岡山県岡山市北区...). */
int norm_addr(const char *in, char *out, size_t outsz);

/* Area of an address: the prefecture and municipality of its norm_addr key (都道府県 +
 * 市区町村, a 郡 with its town or village, a designated city with its ward: 岡山県岡山市北区,
 * 東京都千代田区, 愛知県海部郡蟹江町). -1 also when the key starts with no prefecture (nor a
 * designated city); a few municipality names with 市町村郡 inside are listed, others may be
 * cut early (the same way on both sides, so equal areas stay equal). */
int norm_addr_area(const char *in, char *out, size_t outsz);

/* The norm_addr_area of an address whose norm_addr KEY is at hand (no second
 * normalisation). Same results. */
int norm_addr_area_key(const char *key, char *out, size_t outsz);

/* Date of birth as YYYYMMDD into OUT from "YYYYMMDD", "YYYY-MM-DD", "YYYY/MM/DD",
 * "YYYY.MM.DD", "YYYY年M月D日" (1 or 2 digit month and day), those followed by a time
 * ("T..." or " ..."), an HL7 TS "YYYYMMDDhh[mm[ss[.s]]][+zzzz]" (its date part), or the
 * JPKI form "EYYYYMMDD" (E = era 1 明治 2 大正 3 昭和 4 平成 5 令和, 0 unknown, then the
 * Gregorian date; an era that does not contain the date is refused). Full-width digits
 * are accepted. The date must exist (leap years) with a year in 1800..2999. */
int norm_birth(const char *in, char out[9]);

/* Sex as one letter M F O U into *OUT (one char; no NUL is written) from M F O U (any case), male female other unknown,
 * JPKI 1 (male) 2 (female) 3 (unknown -> U), HL7 v3 UN (undifferentiated -> O, as FHIR's
 * concept map does) and UNK (-> U), 男 女 男性 女性 不明 (-> U). -1 on any other text. */
int norm_sex(const char *in, char *out);

/* Postal code as 7 digits into OUT from "700-8558", "7008558", full-width digits, any
 * hyphen form, with or without a leading 〒. -1 otherwise. */
int norm_postal(const char *in, char out[8]);

/* Phone number as digits only into OUT: width folded, separators ( ) - . and spaces
 * removed, "tel:" dropped, +81 -> 0 (with an optional "(0)" after it); another country code
 * keeps its digits without the '+'. -1 on other characters or fewer than 6 or more than
 * 15 digits. */
int norm_phone(const char *in, char *out, size_t outsz);

#endif
