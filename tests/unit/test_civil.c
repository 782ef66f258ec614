/* Unit tests for common/civil: known day numbers, leap years, and the round trip over
 * the years the consents and the scenario runner use (and beyond, both ways). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/civil.h"

static void
test_known_days(void **state)
{
	(void)state;
	assert_int_equal(civil_days(1970, 1, 1), 0);
	assert_int_equal(civil_days(1969, 12, 31), -1);
	assert_int_equal(civil_days(2000, 3, 1), 11017);	/* after a 400-year leap day */
	assert_int_equal(civil_days(2024, 2, 29), 19782);
	assert_int_equal(civil_days(2024, 3, 1) - civil_days(2024, 2, 28), 2);
	assert_int_equal(civil_days(2100, 3, 1) - civil_days(2100, 2, 28), 1);	/* no 2100-02-29 */
	assert_int_equal(civil_days(1926, 12, 25), -15713);	/* 昭和元年 */
}

static void
test_round_trip(void **state)
{
	int64_t z;
	int y, m, d;

	(void)state;
	for (z = civil_days(1600, 1, 1); z <= civil_days(2400, 12, 31); z++) {
		civil_from_days(z, &y, &m, &d);
		assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		assert_int_equal(civil_days(y, m, d), z);
	}
	civil_from_days(19782, &y, &m, &d);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_days),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
