/*
 * gateway/ctl_status: "hashictl status". Asks the running hashid's admin listener (the
 * admin section of the configuration) for GET /status?format=text over a plain loopback
 * socket and prints its tables: per path (peer and purpose: tunnel, TLS, last outcome) and
 * per peer. A tiny HTTP/1.0 GET: the answer is small, the server closes the connection, so
 * no HTTP library is needed.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"
#include "gateway/config.h"
#include "gateway/ctl.h"

#define CTL_STATUS_MAX		(1024 * 1024)	/* bytes of an answer we accept */
#define CTL_STATUS_TIMEOUT_S	5

/* Returns a socket connected to HOST:PORT, or -1 after printing why. */
static int
ctl_status_connect(const char *host, int port)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = { CTL_STATUS_TIMEOUT_S, 0 };
	char serv[16];
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%d", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		fprintf(stderr, "hashictl: %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		fprintf(stderr, "hashictl: cannot connect to the admin listener at %s port %d "
		    "(is hashid running?)\n", host, port);
	return fd;
}

/* Sends the GET and reads the whole answer into SB. Returns 0 or -1 after printing why. */
static int
ctl_status_fetch(int fd, const char *host, const char *path, struct strbuf *sb)
{
	char buf[4096];
	ssize_t n;
	int len;

	len = snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: hashictl\r\nConnection: close\r\n\r\n", path, host);
	if (len < 0 || (size_t)len >= sizeof(buf) || write(fd, buf, (size_t)len) != len) {
		fprintf(stderr, "hashictl: cannot send the request\n");
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (sb->sb_len + (size_t)n > CTL_STATUS_MAX || strbuf_add(sb, buf, (size_t)n)) {
			fprintf(stderr, "hashictl: the answer is too large\n");
			return -1;
		}
	}
	if (n < 0) {
		fprintf(stderr, "hashictl: no complete answer from the admin listener\n");
		return -1;
	}
	return strbuf_add(sb, "", 1);	/* NUL-terminate */
}

int
ctl_status(const struct config *cf, int argc, char **argv)
{
	struct strbuf sb = { 0 };
	const char *body;
	int fd, ret = 1;

	(void)argc;
	(void)argv;
	if (cf->cf_admin_address == NULL) {
		fprintf(stderr, "hashictl: %s has no admin section: hashid runs no status "
		    "listener\n", cf->cf_file);
		return 1;
	}
	if ((fd = ctl_status_connect(cf->cf_admin_address, cf->cf_admin_port)) == -1)
		return 1;
	if (ctl_status_fetch(fd, cf->cf_admin_address, "/status?format=text", &sb) == -1)
		goto done;
	if (sb.sb_len < 12 || strncmp(sb.sb_data, "HTTP/1.", 7) != 0 ||
	    strncmp(sb.sb_data + 9, "200", 3) != 0 ||
	    (body = strstr(sb.sb_data, "\r\n\r\n")) == NULL) {
		fprintf(stderr, "hashictl: unexpected answer from the admin listener\n");
		goto done;
	}
	fputs(body + 4, stdout);
	ret = 0;
done:
	close(fd);
	strbuf_reset(&sb);
	return ret;
}
