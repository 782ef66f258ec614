/*
 * gateway/scn_proc: see scn_proc.h. Children run in their own process group, so that a
 * stop reaches whatever they started too; the PIDs also live in a fixed table that a signal
 * handler may walk without locks or allocation.
 */
#include "gateway/scn_proc.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/str.h"
#include "gateway/gw.h"

#define SCN_PROC_MAX	512	/* processes one run may have at once (47 regions and more) */

struct scn_proc {
	char	*sp_name;
	pid_t	 sp_pid;	/* -1 once reaped */
	int	 sp_status;	/* what scn_proc_stop returns, once reaped */
	size_t	 sp_slot;	/* index in scn_pids */
};

/* Written only outside signal handlers; read by scn_proc_kill_all. */
static volatile pid_t scn_pids[SCN_PROC_MAX];

/* The runner's PID as its children saw it at the fork. */
static pid_t scn_proc_parent;

int
scn_free_port(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, ret = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0) {
		*port = ntohs(sin.sin_port);
		ret = 0;
	}
	close(fd);
	return ret;
}

/* In the child: its own group, stdin /dev/null, output to LOGFD. */
static void
scn_proc_child_setup(int logfd)
{
	int nul;

	(void)setpgid(0, 0);
	/* a runner killed outright (kill -9) takes its gateways, charons and helpers with it:
	 * nothing keeps ports, namespaces or files busy for the next run */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != scn_proc_parent)
		_exit(127);	/* the runner ended before the line above */
	if ((nul = open("/dev/null", O_RDONLY)) != -1) {
		(void)dup2(nul, STDIN_FILENO);
		close(nul);
	}
	(void)dup2(logfd, STDOUT_FILENO);
	(void)dup2(logfd, STDERR_FILENO);
	close(logfd);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
}

/* Forks NAME with its output appended to LOG_PATH; the child runs FN(ARG) (which must not
 * return) or execs ARGV when FN is NULL. */
static struct scn_proc *
scn_proc_launch(const char *name, char *const argv[], void (*fn)(void *), void *arg,
    const char *log_path, char *err, size_t errsz)
{
	struct scn_proc *p;
	size_t slot;
	int logfd;
	pid_t pid;

	for (slot = 0; slot < SCN_PROC_MAX && scn_pids[slot] != 0; slot++)
		;
	if (slot == SCN_PROC_MAX) {
		snprintf(err, errsz, "%s: more than %d processes", name, SCN_PROC_MAX);
		return NULL;
	}
	if ((logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errsz, "%s: cannot open %s: %s", name, log_path, strerror(errno));
		return NULL;
	}
	fflush(NULL);	/* nothing buffered here is written twice by the child */
	scn_proc_parent = getpid();
	/* nothing of ours on the heap across the fork: a child whose exec fails leaks none */
	if ((pid = fork()) == -1) {
		snprintf(err, errsz, "%s: cannot fork: %s", name, strerror(errno));
		close(logfd);
		return NULL;
	}
	if (pid == 0) {
		scn_proc_child_setup(logfd);
		if (fn != NULL)
			fn(arg);
		else {
			execvp(argv[0], argv);
			dprintf(STDERR_FILENO, "scenario: cannot run %s: %s\n", argv[0],
			    strerror(errno));
		}
		_exit(127);
	}
	close(logfd);
	(void)setpgid(pid, pid);	/* also here: no window where a stop misses it */
	scn_pids[slot] = pid;
	if ((p = calloc(1, sizeof(*p))) == NULL || (p->sp_name = str_dup(name)) == NULL) {
		(void)kill(-pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		scn_pids[slot] = 0;
		free(p);
		snprintf(err, errsz, "%s: out of memory", name);
		return NULL;
	}
	p->sp_pid = pid;
	p->sp_slot = slot;
	return p;
}

struct scn_proc *
scn_proc_start(const char *name, char *const argv[], const char *log_path, char *err,
    size_t errsz)
{
	return scn_proc_launch(name, argv, NULL, NULL, log_path, err, errsz);
}

struct scn_proc *
scn_proc_spawn(const char *name, void (*fn)(void *), void *arg, const char *log_path,
    char *err, size_t errsz)
{
	return scn_proc_launch(name, NULL, fn, arg, log_path, err, errsz);
}

/* Reaps P if it ended (BLOCK: wait for it). Returns 1 when reaped (now or before). */
static int
scn_proc_reap(struct scn_proc *p, int block)
{
	int st;
	pid_t r;

	if (p->sp_pid == -1)
		return 1;
	do
		r = waitpid(p->sp_pid, &st, block ? 0 : WNOHANG);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		return 0;
	p->sp_status = r == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) :
	    WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
	scn_pids[p->sp_slot] = 0;
	p->sp_pid = -1;
	return 1;
}

int
scn_proc_alive(struct scn_proc *p)
{
	return !scn_proc_reap(p, 0);
}

pid_t
scn_proc_pid(const struct scn_proc *p)
{
	return p->sp_pid;
}

/* Returns 1 when a TCP connection to ADDR:PORT succeeds now. */
static int
scn_proc_connects(const char *addr, uint16_t port)
{
	struct sockaddr_in sin;
	int fd, ok;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

int
scn_proc_wait_port(struct scn_proc *p, const char *addr, uint16_t port, int timeout_ms,
    char *err, size_t errsz)
{
	long long end = gw_now_ms() + timeout_ms;
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	for (;;) {
		if (scn_proc_reap(p, 0)) {
			snprintf(err, errsz, "%s ended (status %d) before listening on %s port %u",
			    p->sp_name, p->sp_status, addr, (unsigned)port);
			return -1;
		}
		if (scn_proc_connects(addr, port))
			return 0;
		if (gw_now_ms() >= end) {
			snprintf(err, errsz, "%s does not listen on %s port %u after %d ms",
			    p->sp_name, addr, (unsigned)port, timeout_ms);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

int
scn_proc_freeze(struct scn_proc *p, int frozen)
{
	if (p->sp_pid == -1)
		return -1;
	return kill(-p->sp_pid, frozen ? SIGSTOP : SIGCONT);
}

int
scn_proc_terminate(struct scn_proc *p)
{
	if (p->sp_pid == -1)
		return -1;
	(void)kill(-p->sp_pid, SIGCONT);
	return kill(-p->sp_pid, SIGTERM);
}

int
scn_proc_stop(struct scn_proc *p, int grace_ms)
{
	long long end = gw_now_ms() + grace_ms;
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	if (p->sp_pid == -1)
		return -1;
	(void)kill(-p->sp_pid, SIGCONT);
	(void)kill(-p->sp_pid, SIGTERM);
	while (!scn_proc_reap(p, 0)) {
		if (gw_now_ms() >= end) {
			(void)kill(-p->sp_pid, SIGKILL);
			(void)scn_proc_reap(p, 1);
			break;
		}
		nanosleep(&pause, NULL);
	}
	return p->sp_status;
}

int
scn_proc_wait(struct scn_proc *p, int timeout_ms)
{
	long long end = gw_now_ms() + timeout_ms;
	struct timespec pause = { 0, 5 * 1000 * 1000 };

	while (!scn_proc_reap(p, 0)) {
		if (gw_now_ms() >= end) {
			(void)kill(-p->sp_pid, SIGKILL);
			(void)scn_proc_reap(p, 1);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return p->sp_status;
}

void
scn_proc_free(struct scn_proc *p)
{
	if (p == NULL)
		return;
	if (p->sp_pid > 0)
		(void)scn_proc_stop(p, 0);
	free(p->sp_name);
	free(p);
}

void
scn_proc_kill_all(void)
{
	size_t i;
	pid_t pid;

	for (i = 0; i < SCN_PROC_MAX; i++) {
		if ((pid = scn_pids[i]) <= 0)
			continue;
		(void)kill(-pid, SIGKILL);
		(void)kill(-pid, SIGCONT);
	}
}
