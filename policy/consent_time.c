/* policy/consent_time: the xs:dateTime / xs:date forms of consent documents (consent_doc.h).
 * Own arithmetic instead of timegm/mktime: no dependence on TZ or the C library's range,
 * and a missing zone means Japan time whatever the host is set to. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/civil.h"
#include "policy/consent_doc.h"

#define JST_OFFSET	(9 * 3600)

static int
ct_mdays(int y, int m)
{
	static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return md[m - 1];
}

/* Reads exactly N digits at *P into *V and advances. */
static int
ct_num(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* Reads an optional zone at *P ("", "Z", "+hh:mm", "-hh:mm") into *OFF (seconds east). */
static int
ct_zone(const char *p, int64_t *off)
{
	int hh, mm, sign;

	*off = JST_OFFSET;
	if (*p == '\0')
		return 0;
	if (strcmp(p, "Z") == 0) {
		*off = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (ct_num(&p, 2, &hh) != 0 || *p++ != ':' || ct_num(&p, 2, &mm) != 0 || *p != '\0' ||
	    mm > 59 || hh * 60 + mm > 14 * 60)
		return -1;
	*off = sign * (int64_t)(hh * 3600 + mm * 60);
	return 0;
}

/* Reads "Thh:mm:ss[.f+]" at *P into seconds of the day (86400 for 24:00:00). */
static int
ct_clock(const char **p, int64_t *secs)
{
	int h, mi, s;

	if (**p != 'T')
		return -1;
	(*p)++;
	if (ct_num(p, 2, &h) != 0 || *(*p)++ != ':' || ct_num(p, 2, &mi) != 0 ||
	    *(*p)++ != ':' || ct_num(p, 2, &s) != 0)
		return -1;
	if (**p == '.') {
		(*p)++;
		if (**p < '0' || **p > '9')
			return -1;
		while (**p >= '0' && **p <= '9')
			(*p)++;	/* fractions of a second are dropped */
	}
	if (mi > 59 || s > 59 || h > 24 || (h == 24 && (mi != 0 || s != 0)))
		return -1;
	*secs = (int64_t)h * 3600 + mi * 60 + s;
	return 0;
}

int
consent_time_parse(const char *s, int date_ok, int end_of_day, int64_t *out)
{
	const char *p = s;
	int y, m, d;
	int64_t secs = 0, off;

	if (s == NULL || ct_num(&p, 4, &y) != 0 || *p++ != '-' || ct_num(&p, 2, &m) != 0 ||
	    *p++ != '-' || ct_num(&p, 2, &d) != 0)
		return -1;
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > ct_mdays(y, m))
		return -1;
	if (*p == 'T') {
		if (ct_clock(&p, &secs) != 0)
			return -1;
	} else if (!date_ok)
		return -1;
	else if (end_of_day)
		secs = 86399;
	if (ct_zone(p, &off) != 0)
		return -1;
	*out = civil_days(y, m, d) * 86400 + secs - off;
	return 0;
}

char *
consent_time_format(int64_t t, char *out, size_t outsz)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (outsz == 0)
		return out;
	if (t == CONSENT_TIME_OPEN)
		(void)snprintf(out, outsz, "open");
	else if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(out, outsz, "%lld", (long long)t);
	return out;
}
