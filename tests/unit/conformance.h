/*
 * tests/unit/conformance.h: where the shared conformance data (XSDs, samples) is, and
 * reading one of its files, for the unit tests that use it. Static functions in a header,
 * not a .c helper, because the Makefile links every tests/unit helper .c into every test
 * binary. Include after <cmocka.h>.
 */
#ifndef HASHI_TESTS_CONFORMANCE_H
#define HASHI_TESTS_CONFORMANCE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* shared/conformance: $HASHI_CONFORMANCE, else beside the repository ($HASHI_ROOT/../shared,
 * as CI lays it out, or ../shared from the repository root), else its usual place. */
static inline const char *
conformance_dir(void)
{
	static char buf[1024];
	const char *root = getenv("HASHI_ROOT");

	if (getenv("HASHI_CONFORMANCE") != NULL)
		return getenv("HASHI_CONFORMANCE");
	if (root != NULL) {
		snprintf(buf, sizeof(buf), "%s/../shared/conformance", root);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	if (access("../shared/conformance", R_OK) == 0)
		return "../shared/conformance";
	return "/work/shared/conformance";
}

/* Returns the bytes of conformance file REL (e.g. "samples/nist-toolkit/sq-req.xml"),
 * NUL-terminated and malloc'd, with their length in *LENP; fails the test if unreadable. */
static inline char *
conformance_read(const char *rel, size_t *lenp)
{
	char path[1200];
	char *buf;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", conformance_dir(), rel);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*lenp = (size_t)n;
	return buf;
}

#endif
