/* Unit tests for common/str: the strict xs:base64Binary decoder shared by the SOAP layer,
 * the initiating gateway's relay and the registry import, and the OID check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/str.h"

/* Decodes S and compares with WANT[0..N); WANT NULL means S must be refused. */
static void
check(const char *s, const char *want, size_t n)
{
	uint8_t *out = NULL;
	size_t len = 0;
	int rc = str_b64_decode(s, &out, &len);

	if (want == NULL) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(len, n);
	assert_memory_equal(out, want, n);
	free(out);
}

static void
test_b64_valid(void **state)
{
	(void)state;
	check("", "", 0);
	check("TWFu", "Man", 3);
	check("TWE=", "Ma", 2);
	check("TQ==", "M", 1);
	check(" T W\nF u\r\n\t", "Man", 3);		/* XML white space anywhere */
	check("AP8A/w==", "\x00\xff\x00\xff", 4);
	check("5bGx55Sw", "山田", 6);
}

static void
test_b64_refused(void **state)
{
	(void)state;
	check("TWF", NULL, 0);		/* no padding */
	check("TQ=", NULL, 0);		/* short padding */
	check("T===", NULL, 0);		/* too much padding */
	check("TQ==TWFu", NULL, 0);	/* padding in the middle */
	check("TW-u", NULL, 0);		/* base64url / PEM armour */
	check("TW_u", NULL, 0);
	check("TWFu!", NULL, 0);
	check("=TWF", NULL, 0);
}

static void
test_oid(void **state)
{
	(void)state;
	assert_int_equal(str_oid_valid("1.2.392.200119.6.1001.1"), 1);
	assert_int_equal(str_oid_valid("2.16.840.1.113883.4.1"), 1);
	assert_int_equal(str_oid_valid("0.0"), 1);
	assert_int_equal(str_oid_valid(""), 0);
	assert_int_equal(str_oid_valid("1"), 0);		/* one arc */
	assert_int_equal(str_oid_valid("3.1"), 0);		/* first arc > 2 */
	assert_int_equal(str_oid_valid("1..2"), 0);
	assert_int_equal(str_oid_valid("1.2."), 0);
	assert_int_equal(str_oid_valid("1.02"), 0);		/* leading zero */
	assert_int_equal(str_oid_valid("1.2.a"), 0);
	assert_int_equal(str_oid_valid("urn:oid:1.2"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_valid),
		cmocka_unit_test(test_b64_refused),
		cmocka_unit_test(test_oid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
