/*
 * common/civil: proleptic Gregorian dates as day numbers (H. Hinnant's days_from_civil and
 * civil_from_days), without timegm/mktime: no dependence on TZ or the C library's range.
 */
#ifndef HASHI_COMMON_CIVIL_H
#define HASHI_COMMON_CIVIL_H

#include <stdint.h>

/* Returns the days from 1970-01-01 to Y-M-D (negative before it). M is 1..12, D 1..31;
 * the caller has checked them (D beyond the month's end counts on into the next). */
int64_t civil_days(int64_t y, int m, int d);

/* The date Z days after 1970-01-01 (the inverse of civil_days) into *Y, *M, *D. */
void civil_from_days(int64_t z, int *y, int *m, int *d);

#endif
