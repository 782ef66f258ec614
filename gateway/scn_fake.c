/*
 * gateway/scn_fake: a region that answers garbage, for a scenario's region_garbage step: in
 * a child process of the runner, on the region's own listener ports, with its own
 * certificate (so that the TLS handshake and the peer's identity check pass), every
 * request read and answered "HTTP 200, application/soap+xml" with bytes that are no SOAP
 * envelope. What the peers make of that (a malformed answer, the region unavailable) is
 * what the step checks.
 */
#include "gateway/scn_fake.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "crypto/tls.h"

#define SCN_FAKE_MAX_REQ	(16u << 20)	/* bytes of a request read before answering */

static const char scn_fake_body[] =
    "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Body>"
    "\x01\x02 this region answers garbage <<<&&&";

/* Listens on ADDR:PORT; returns the socket or -1. */
static int
scn_fake_listen(const char *addr, uint16_t port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 || listen(fd, 64) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one request (head and Content-Length body) from SSL; returns 0 or -1. */
static int
scn_fake_read(SSL *ssl)
{
	char buf[16384], *head = NULL;
	size_t have = 0, want = SCN_FAKE_MAX_REQ;
	const char *cl;
	int n;

	while (have < want && (n = SSL_read(ssl, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (head == NULL && (head = strstr(buf, "\r\n\r\n")) != NULL) {
			cl = strstr(buf, "Content-Length:");
			if (cl == NULL)
				cl = strstr(buf, "content-length:");
			want = (size_t)(head + 4 - buf) + (cl != NULL ?
			    strtoul(cl + 15, NULL, 10) : 0);
		}
		have += (size_t)n;
	}
	return have > 0 ? 0 : -1;
}

/* Serves one connection FD. */
static void
scn_fake_conn(SSL_CTX *ctx, int fd)
{
	struct timeval tv = { 5, 0 };
	char head[256];
	SSL *ssl;
	int n;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((ssl = SSL_new(ctx)) == NULL) {
		close(fd);
		return;
	}
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1 && scn_fake_read(ssl) == 0) {
		n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: "
		    "application/soap+xml; charset=UTF-8\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n", sizeof(scn_fake_body) - 1);
		if (SSL_write(ssl, head, n) > 0)
			(void)SSL_write(ssl, scn_fake_body, (int)sizeof(scn_fake_body) - 1);
		(void)SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	close(fd);
}

void
scn_fake_serve(void *arg)
{
	const struct scn_fake *f = arg;
	struct pollfd pfd[SCN_FAKE_MAX_ADDRS];
	SSL_CTX *ctx;
	size_t i, n = f->sf_naddrs < SCN_FAKE_MAX_ADDRS ? f->sf_naddrs : SCN_FAKE_MAX_ADDRS;
	int c;

	if ((ctx = tls_server_ctx_new(f->sf_cert, f->sf_key, f->sf_ca, 0)) == NULL) {
		fprintf(stderr, "fake: cannot load %s\n", f->sf_cert);
		_exit(1);
	}
	for (i = 0; i < n; i++) {
		if ((pfd[i].fd = scn_fake_listen(f->sf_addrs[i].fa_ip,
		    f->sf_addrs[i].fa_port)) == -1) {
			fprintf(stderr, "fake: cannot listen on %s port %u\n",
			    f->sf_addrs[i].fa_ip, (unsigned)f->sf_addrs[i].fa_port);
			_exit(1);
		}
		pfd[i].events = POLLIN;
	}
	fprintf(stderr, "fake: answering garbage on");
	for (i = 0; i < n; i++)
		fprintf(stderr, " %s:%u", f->sf_addrs[i].fa_ip, (unsigned)f->sf_addrs[i].fa_port);
	fprintf(stderr, "\n");
	for (;;) {
		if (poll(pfd, n, -1) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if ((pfd[i].revents & POLLIN) && (c = accept(pfd[i].fd, NULL, NULL)) != -1)
				scn_fake_conn(ctx, c);
	}
}
