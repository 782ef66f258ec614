/*
 * common/log: the daemon's and the CLI's only way to report. Lines carry the process
 * name; in the foreground they go to stderr, otherwise to syslog(3). Logging never
 * changes errno. Never pass a secret (key, password, document body) to these functions.
 */
#ifndef HASHI_COMMON_LOG_H
#define HASHI_COMMON_LOG_H

#include <stdarg.h>

/* Starts logging as NAME (borrowed; must outlive logging). FOREGROUND != 0 logs to
 * stderr, otherwise to syslog with LOG_DAEMON. VERBOSE > 0 enables log_debug. */
void log_init(const char *name, int foreground, int verbose);

/* Changes the verbosity at run time (e.g. after a reload). */
void log_setverbose(int verbose);

/* Returns the current verbosity. */
int log_getverbose(void);

/* Warning with strerror(errno) appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning without errno. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs and exits(1): only at start-up or for a broken internal invariant, never for input. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
