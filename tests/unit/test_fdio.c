/* Unit tests for common/fdio: whole buffers written through a pipe's short writes, files
 * made 0600 and truncated, symbolic links refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common/fdio.h"

/* More than a pipe holds (64 KiB): the writer sees short writes while a child reads. */
static void
test_write_all_pipe(void **state)
{
	size_t len = 1 << 20, got = 0;
	unsigned char *buf, *back;
	int fds[2], st;
	ssize_t n;
	pid_t pid;

	(void)state;
	assert_non_null(buf = malloc(len));
	assert_non_null(back = malloc(len));
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	assert_int_equal(pipe(fds), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		close(fds[0]);
		st = fdio_write_all(fds[1], buf, len);
		free(buf);	/* valgrind follows the child too */
		free(back);
		_exit(st == 0 ? 0 : 1);
	}
	close(fds[1]);
	while ((n = read(fds[0], back + got, len - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(got, len);
	assert_memory_equal(back, buf, len);
	free(buf);
	free(back);
}

static void
test_write_all_bad_fd(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(fdio_write_all(-1, "x", 1), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(fdio_write_all(-1, "", 0), 0);	/* nothing to write */
}

static void
test_write_file(void **state)
{
	char dir[] = "/tmp/test_fdio.XXXXXX", path[64], link_[64], buf[32];
	struct stat st;
	mode_t old = umask(0);
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(link_, sizeof(link_), "%s/l", dir);
	assert_int_equal(fdio_write_file(path, "a longer first text", 19), 0);
	assert_int_equal(fdio_write_file(path, "short", 5), 0);	/* truncated, not left over */
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);	/* whatever the umask */
	assert_int_equal(st.st_size, 5);
	assert_non_null(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "short", 5);
	/* a symbolic link at the path is refused and its target left alone */
	assert_int_equal(symlink(path, link_), 0);
	errno = 0;
	assert_int_equal(fdio_write_file(link_, "evil", 4), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 5);
	unlink(link_);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_all_pipe),
		cmocka_unit_test(test_write_all_bad_fd),
		cmocka_unit_test(test_write_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
