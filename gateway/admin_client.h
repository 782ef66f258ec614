/*
 * gateway/admin_client: the client side of hashid's admin listener (gateway/admin.h), for
 * hashictl status and the scenario runner (readiness, tunnel states): one HTTP/1.0 GET,
 * the whole answer read until the listener closes the connection. The answers are small
 * and never kept alive, so no HTTP library is needed.
 */
#ifndef HASHI_GATEWAY_ADMIN_CLIENT_H
#define HASHI_GATEWAY_ADMIN_CLIENT_H

#include <stddef.h>

struct strbuf;

/* GETs PATH from HOST (a name or an address) port PORT into SB (status line, headers and
 * body; at most MAX bytes), each send and read waiting at most TIMEOUT_S seconds. Returns
 * the HTTP status; or -1 with the reason in ERR: "<host>: <resolver error>", "cannot
 * connect to the admin listener at <host> port <port> (is hashid running?)", "cannot send
 * the request", "the answer is too large", "no complete answer from the admin listener"
 * or "unexpected answer from the admin listener" (no HTTP status line). */
int admin_get(const char *host, int port, const char *path, int timeout_s, size_t max,
    struct strbuf *sb, char *err, size_t errsz);

#endif
