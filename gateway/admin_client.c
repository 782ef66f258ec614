/* gateway/admin_client: see admin_client.h. */
#include "gateway/admin_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"

/* Returns a socket connected to HOST:PORT, or -1 with the reason in ERR. */
static int
admin_connect(const char *host, int port, int timeout_s, char *err, size_t errsz)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = { timeout_s, 0 };
	char serv[16];
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%d", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		snprintf(err, errsz, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		snprintf(err, errsz, "cannot connect to the admin listener at %s port %d "
		    "(is hashid running?)", host, port);
	return fd;
}

int
admin_get(const char *host, int port, const char *path, int timeout_s, size_t max,
    struct strbuf *sb, char *err, size_t errsz)
{
	char buf[4096];
	ssize_t n;
	int fd, len, status = -1;

	if ((fd = admin_connect(host, port, timeout_s, err, errsz)) == -1)
		return -1;
	len = snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: hashictl\r\nConnection: close\r\n\r\n", path, host);
	if (len < 0 || (size_t)len >= sizeof(buf) || write(fd, buf, (size_t)len) != len) {
		snprintf(err, errsz, "cannot send the request");
		goto done;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (sb->sb_len + (size_t)n > max || strbuf_add(sb, buf, (size_t)n) == -1) {
			snprintf(err, errsz, "the answer is too large");
			goto done;
		}
	if (n < 0)
		snprintf(err, errsz, "no complete answer from the admin listener");
	else if (sb->sb_len < 12 || strncmp(sb->sb_data, "HTTP/1.", 7) != 0 ||
	    (status = atoi(sb->sb_data + 9)) <= 0) {
		snprintf(err, errsz, "unexpected answer from the admin listener");
		status = -1;
	}
done:
	close(fd);
	return status;
}
