/*
 * tests/unit/tmpdir.h: removing a unit test's mkdtemp directory with everything in it.
 * Static functions in a header, not a .c helper, because the Makefile links every
 * tests/unit helper .c into every test binary. Define _XOPEN_SOURCE 700 (nftw) before any
 * include in the test file.
 */
#ifndef HASHI_TESTS_TMPDIR_H
#define HASHI_TESTS_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static inline int
tmpdir_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

/* Removes DIR and everything below it (not following symbolic links). Returns 0 or -1. */
static inline int
tmpdir_remove(const char *dir)
{
	return nftw(dir, tmpdir_rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
