/* mpi/norm_misc: the short keys: date of birth, sex, postal code, phone number. See norm.h. */
#include "mpi/norm.h"
#include "mpi/norm_int.h"

#include <string.h>

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Decodes IN under FLAGS (width folding: full-width digits become ASCII) with every dash
 * form made '-', into S of SSZ bytes. Returns 0 or -1. */
static int
fold_text(const char *in, unsigned flags, char *s, size_t ssz)
{
	struct norm_cps c;
	size_t i;

	if (norm_decode(in, flags, &c) == -1)
		return -1;
	for (i = 0; i < c.nc_len; i++)
		if (norm_is_dash(c.nc_cp[i]))
			c.nc_cp[i] = '-';
	return norm_encode(&c, s, ssz);
}

/* Reads 1..MAX digits at *SP into *V, advancing. Returns the count, or 0. */
static int
digits(const char **sp, int max, int *v)
{
	int n = 0;

	*v = 0;
	while (n < max && is_digit((*sp)[n])) {
		*v = *v * 10 + ((*sp)[n] - '0');
		n++;
	}
	*sp += n;
	return n;
}

static int
date_valid(int y, int m, int d)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1800 || y > 2999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= dim[m - 1] + (m == 2 && leap);
}

/* The first and last day (YYYYMMDD) of the JPKI era digits 1..5. On the day an era changed
 * at an emperor's death (1912-07-30, 1926-12-25) both eras are right. */
static const long eras[5][2] = {
	{ 18680101, 19120730 },	/* 1 明治 */
	{ 19120730, 19261225 },	/* 2 大正 */
	{ 19261225, 19890107 },	/* 3 昭和 */
	{ 19890108, 20190430 },	/* 4 平成 */
	{ 20190501, 29991231 },	/* 5 令和 */
};

/* "YYYY-MM-DD" and its '/', '.' and 年月日 forms at S, month and day of one or two digits,
 * then the end, or a time after 'T' or a space. Returns 0 with Y M D set, or -1. */
static int
birth_sep(const char *s, int *y, int *m, int *d)
{
	const char *sep, *sep2;

	if (digits(&s, 4, y) != 4)
		return -1;
	if (strncmp(s, "年", 3) == 0) {
		sep = "年"; sep2 = "月";
	} else if (*s == '-' || *s == '/' || *s == '.') {
		sep = s[0] == '-' ? "-" : s[0] == '/' ? "/" : "."; sep2 = sep;
	} else
		return -1;
	s += strlen(sep);
	if (digits(&s, 2, m) == 0 || strncmp(s, sep2, strlen(sep2)) != 0)
		return -1;
	s += strlen(sep2);
	if (digits(&s, 2, d) == 0)
		return -1;
	if (strcmp(sep, "年") == 0 && strncmp(s, "日", 3) == 0)
		s += 3;
	return (*s == '\0' || *s == 'T' || *s == ' ') ? 0 : -1;
}

/* An HL7 TS after its date digits at S: [.fraction][+zzzz|-zzzz]. Returns 0 or -1. */
static int
ts_tail(const char *s)
{
	int v;

	if (*s == '.') {
		s++;
		if (digits(&s, 4, &v) == 0)
			return -1;
	}
	if (*s == '+' || *s == '-') {
		s++;
		if (digits(&s, 4, &v) != 4)
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

int
norm_birth(const char *in, char out[9])
{
	char s[64];
	const char *p;
	int y, m, d, era = -1, nd, v;
	long ymd;

	if (fold_text(in, NORM_F_SPACES | NORM_F_UPPER, s, sizeof(s)) == -1)
		return norm_fail(out, 9);
	for (nd = 0; is_digit(s[nd]); nd++)
		;
	p = s;
	if (nd == 4) {
		if (birth_sep(s, &y, &m, &d) == -1)
			return norm_fail(out, 9);
	} else if (nd == 9 && s[9] == '\0') {	/* JPKI EYYYYMMDD */
		era = s[0] - '0';
		p++;
	} else if (!(nd == 8 || nd == 10 || nd == 12 || nd == 14) || ts_tail(s + nd) == -1)
		return norm_fail(out, 9);
	if (nd != 4) {
		digits(&p, 4, &y);
		digits(&p, 2, &m);
		digits(&p, 2, &d);
		for (v = 8; v + 2 <= nd && nd != 9; v += 2)	/* hh mm ss of an HL7 TS */
			if ((s[v] - '0') * 10 + (s[v + 1] - '0') > (v == 8 ? 23 : 59))
				return norm_fail(out, 9);
	}
	if (!date_valid(y, m, d) || era > 5)
		return norm_fail(out, 9);
	ymd = (long)y * 10000 + m * 100 + d;
	if (era > 0 && (ymd < eras[era - 1][0] || ymd > eras[era - 1][1]))
		return norm_fail(out, 9);
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = (char)('0' + m / 10);
	out[5] = (char)('0' + m % 10);
	out[6] = (char)('0' + d / 10);
	out[7] = (char)('0' + d % 10);
	out[8] = '\0';
	return 0;
}

int
norm_sex(const char *in, char *out)
{
	static const char *const words[][2] = {
		{ "M", "M" }, { "MALE", "M" }, { "1", "M" }, { "男", "M" }, { "男性", "M" },
		{ "F", "F" }, { "FEMALE", "F" }, { "2", "F" }, { "女", "F" }, { "女性", "F" },
		{ "O", "O" }, { "OTHER", "O" }, { "UN", "O" },
		{ "U", "U" }, { "UNKNOWN", "U" }, { "UNK", "U" }, { "3", "U" }, { "不明", "U" },
	};
	char s[32];
	size_t i;

	if (out != NULL)
		*out = '\0';
	if (out == NULL || norm_name(in, s, sizeof(s)) == -1)
		return -1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i][0]) == 0) {
			*out = words[i][1][0];
			return 0;
		}
	return -1;
}

int
norm_postal(const char *in, char out[8])
{
	char s[64];
	const char *p = s;
	size_t n = 0;

	if (fold_text(in, 0, s, sizeof(s)) == -1)
		return norm_fail(out, 8);
	if (strncmp(p, "〒", 3) == 0)
		p += 3;
	for (; *p != '\0'; p++) {
		if (n == 3 && *p == '-' && p[-1] != '-')
			continue;	/* one dash after the third digit */
		if (n == 7 || !is_digit(*p))
			return norm_fail(out, 8);
		out[n++] = *p;
	}
	if (n != 7)
		return norm_fail(out, 8);
	out[7] = '\0';
	return 0;
}

int
norm_phone(const char *in, char *out, size_t outsz)
{
	char s[128];
	const char *p = s;
	size_t o = 0;

	if (out == NULL || outsz < 2 || fold_text(in, NORM_F_UPPER, s, sizeof(s)) == -1)
		return norm_fail(out, outsz);
	if (strncmp(p, "TEL:", 4) == 0)
		p += 4;
	if (strncmp(p, "+81", 3) == 0) {
		p += 3;
		while (*p == '-' || *p == '.')
			p++;
		if (strncmp(p, "(0)", 3) == 0)
			p += 3;
		else if (*p == '0')
			p++;	/* +81 03 ...: the trunk 0 written anyway */
		out[o++] = '0';
	} else if (*p == '+')
		p++;
	for (; *p != '\0'; p++) {
		if (is_digit(*p)) {
			if (o + 1 >= outsz || o >= 15)
				return norm_fail(out, outsz);
			out[o++] = *p;
		} else if (*p != '-' && *p != '(' && *p != ')' && *p != '.')
			return norm_fail(out, outsz);
	}
	out[o] = '\0';
	return o >= 6 ? 0 : norm_fail(out, outsz);
}
