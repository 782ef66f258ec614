/* Unit tests for gateway/scn_proc: the processes of a scenario run (started with a log,
 * waited for until they listen, frozen, stopped by PID, all killed at once). */
#define _XOPEN_SOURCE 700	/* nftw, in tmpdir.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "gateway/scn_proc.h"
#include "tests/unit/tmpdir.h"

static char T[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(T, sizeof(T), "/tmp/test_scn_proc.XXXXXX");
	return mkdtemp(T) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	tmpdir_remove(T);
	return 0;
}

static struct scn_proc *
start_sh(const char *name, const char *script, char *log, size_t logsz)
{
	char sh[] = "/bin/sh", c[] = "-c", *copy = strdup(script);
	char *argv[] = { sh, c, copy, NULL };
	char err[256];
	struct scn_proc *p;

	assert_non_null(copy);
	snprintf(log, logsz, "%s/%s.log", T, name);
	p = scn_proc_start(name, argv, log, err, sizeof(err));
	free(copy);
	if (p == NULL)
		fail_msg("start %s: %s", name, err);
	return p;
}

/* The state letter of PID in /proc (R, S, T, ...), or '?'. */
static char
proc_state(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : '?';
}

static int
file_has(const char *path, const char *text)
{
	char buf[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

static void
test_free_port(void **state)
{
	struct sockaddr_in sin;
	uint16_t port = 0;
	int fd;

	(void)state;
	assert_int_equal(scn_free_port(&port), 0);
	assert_true(port > 0);
	/* it is free: we can listen on it */
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	close(fd);
}

/* Output goes to the log; SIGTERM ends it; the status says so. */
static void
test_start_stop(void **state)
{
	char log[320];
	struct scn_proc *p;

	(void)state;
	p = start_sh("sleeper", "echo hello-from-child; exec sleep 30", log, sizeof(log));
	assert_true(scn_proc_alive(p));
	usleep(200 * 1000);
	assert_true(file_has(log, "hello-from-child"));
	assert_int_equal(scn_proc_stop(p, 2000), 128 + 15);
	assert_false(scn_proc_alive(p));
	assert_int_equal(scn_proc_pid(p), -1);
	assert_int_equal(scn_proc_stop(p, 100), -1);	/* reaped already */
	scn_proc_free(p);
}

/* A process that ignores SIGTERM is killed after the grace period. */
static void
test_stop_kills(void **state)
{
	char log[320];
	struct scn_proc *p;

	(void)state;
	p = start_sh("stubborn", "trap '' TERM; echo ready; while :; do sleep 0.05; done", log,
	    sizeof(log));
	usleep(200 * 1000);
	assert_true(file_has(log, "ready"));
	assert_int_equal(scn_proc_stop(p, 300), 128 + 9);
	scn_proc_free(p);
}

static void
test_wait_port(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char log[320], err[256];
	struct scn_proc *p;
	uint16_t port;
	int fd;

	(void)state;
	/* a process that ends first: its status is in the reason */
	p = start_sh("quitter", "exit 3", log, sizeof(log));
	assert_int_equal(scn_proc_wait_port(p, "127.0.0.1", 1, 3000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ended (status 3)"));
	scn_proc_free(p);
	/* nobody listens: a timeout */
	assert_int_equal(scn_free_port(&port), 0);
	p = start_sh("idle", "exec sleep 30", log, sizeof(log));
	assert_int_equal(scn_proc_wait_port(p, "127.0.0.1", port, 200, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not listen"));
	/* a listener: at once */
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(scn_proc_wait_port(p, "127.0.0.1", ntohs(sin.sin_port), 2000, err,
	    sizeof(err)), 0);
	close(fd);
	scn_proc_free(p);
}

static void
test_freeze(void **state)
{
	char log[320];
	struct scn_proc *p;
	pid_t pid;

	(void)state;
	p = start_sh("frozen", "exec sleep 30", log, sizeof(log));
	pid = scn_proc_pid(p);
	usleep(100 * 1000);
	assert_int_equal(scn_proc_freeze(p, 1), 0);
	usleep(100 * 1000);
	assert_int_equal(proc_state(pid), 'T');
	assert_int_equal(scn_proc_freeze(p, 0), 0);
	usleep(100 * 1000);
	assert_int_equal(proc_state(pid), 'S');
	/* a frozen process is stopped too (it is thawed to take the SIGTERM) */
	assert_int_equal(scn_proc_freeze(p, 1), 0);
	assert_int_equal(scn_proc_stop(p, 2000), 128 + 15);
	scn_proc_free(p);
}

static void
test_kill_all(void **state)
{
	char log[320];
	struct scn_proc *a, *b;

	(void)state;
	a = start_sh("a", "exec sleep 30", log, sizeof(log));
	b = start_sh("b", "trap '' TERM; while :; do sleep 0.05; done", log, sizeof(log));
	scn_proc_kill_all();
	usleep(100 * 1000);
	assert_false(scn_proc_alive(a));
	assert_false(scn_proc_alive(b));
	scn_proc_free(a);
	scn_proc_free(b);
}

static void
test_wait(void **state)
{
	char log[320];
	struct scn_proc *p;

	(void)state;
	p = start_sh("command", "echo done; exit 4", log, sizeof(log));
	assert_int_equal(scn_proc_wait(p, 3000), 4);
	assert_true(file_has(log, "done"));
	scn_proc_free(p);
	p = start_sh("slow", "exec sleep 30", log, sizeof(log));
	assert_int_equal(scn_proc_wait(p, 100), -1);	/* killed */
	assert_false(scn_proc_alive(p));
	scn_proc_free(p);
}

static void
test_exec_fails(void **state)
{
	char missing[] = "/nonexistent/hashid";
	char *argv[] = { missing, NULL };
	char log[320], err[256];
	struct scn_proc *p;

	(void)state;
	snprintf(log, sizeof(log), "%s/missing.log", T);
	assert_non_null(p = scn_proc_start("missing", argv, log, err, sizeof(err)));
	assert_int_equal(scn_proc_wait_port(p, "127.0.0.1", 1, 3000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "status 127"));
	assert_true(file_has(log, "cannot run /nonexistent/hashid"));
	scn_proc_free(p);
	/* a log that cannot be opened: no process */
	assert_null(scn_proc_start("nolog", argv, "/nonexistent/dir/x.log", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_port),
		cmocka_unit_test(test_start_stop),
		cmocka_unit_test(test_stop_kills),
		cmocka_unit_test(test_wait_port),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_kill_all),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_exec_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
