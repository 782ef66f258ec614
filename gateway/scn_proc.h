/*
 * gateway/scn_proc: the processes a scenario run starts (one hashid per region): started
 * with their output in a log file, waited for until they listen, stopped by their own PID
 * (SIGTERM, then SIGKILL after a grace period), and frozen / thawed to play a hung region.
 * Every process started is on one list, so that the runner's clean-up (also on SIGINT or
 * SIGTERM) stops all of them; nothing outlives the run.
 */
#ifndef HASHI_GATEWAY_SCN_PROC_H
#define HASHI_GATEWAY_SCN_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct scn_proc;

/* Finds a free TCP port on 127.0.0.1 (bound and released: another process may take it
 * before it is used; the caller retries a start that fails to listen). Returns 0 with
 * *PORT set, or -1. */
int scn_free_port(uint16_t *port);

/* Starts ARGV[0] (a path, or a program found on PATH) with ARGV, stdin from /dev/null,
 * stdout and stderr appended to LOG_PATH (created 0600), in its own process group, killed
 * when the runner dies. NAME (copied) names it in messages. Returns the process, or NULL
 * with the reason in ERR. */
struct scn_proc *scn_proc_start(const char *name, char *const argv[], const char *log_path,
    char *err, size_t errsz);

/* As scn_proc_start, but the child runs FN(ARG) instead of a program (a stand-in server
 * of the runner's own); FN must not return (the child exits 127 if it does). */
struct scn_proc *scn_proc_spawn(const char *name, void (*fn)(void *), void *arg,
    const char *log_path, char *err, size_t errsz);

/* Waits up to TIMEOUT_MS until a TCP connection to ADDR (numeric IPv4) PORT succeeds.
 * Returns 0; or -1 with the reason in ERR: the timeout, or the process ended first (with
 * its exit status). */
int scn_proc_wait_port(struct scn_proc *p, const char *addr, uint16_t port, int timeout_ms,
    char *err, size_t errsz);

/* Returns 1 while P runs (not reaped yet), else 0. */
int scn_proc_alive(struct scn_proc *p);

/* Returns P's PID, or -1 once it was reaped. */
pid_t scn_proc_pid(const struct scn_proc *p);

/* Freezes (FROZEN != 0: SIGSTOP) or thaws (SIGCONT) P: a frozen gateway accepts
 * connections (the kernel does) but never answers. Returns 0 or -1. */
int scn_proc_freeze(struct scn_proc *p, int frozen);

/* Sends P SIGCONT and SIGTERM without waiting (scn_proc_stop then waits); returns 0 or
 * -1 when it had been reaped. */
int scn_proc_terminate(struct scn_proc *p);

/* Stops P: SIGCONT (in case it is frozen) and SIGTERM, then SIGKILL when it has not
 * ended after GRACE_MS. Returns its exit status (0..255), 128 + the signal that ended it,
 * or -1 when it had already been reaped. */
int scn_proc_stop(struct scn_proc *p, int grace_ms);

/* Waits up to TIMEOUT_MS for P to end by itself (a command, not a daemon). Returns its exit
 * status as scn_proc_stop does, or -1 when it had not ended in time (it is then killed). */
int scn_proc_wait(struct scn_proc *p, int timeout_ms);

/* Stops (if needed) and frees P; NULL accepted. */
void scn_proc_free(struct scn_proc *p);

/* Stops every process still running, SIGKILL at once; async-signal-safe, for the
 * runner's SIGINT / SIGTERM handler (the process list is only read). */
void scn_proc_kill_all(void);

#endif
