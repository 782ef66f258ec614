/*
 * gateway/scn_fake: a stand-in for a region that answers garbage (a scenario's
 * region_garbage step), run in a child process by scn_proc_spawn.
 */
#ifndef HASHI_GATEWAY_SCN_FAKE_H
#define HASHI_GATEWAY_SCN_FAKE_H

#include <stddef.h>
#include <stdint.h>

#define SCN_FAKE_MAX_ADDRS	64	/* addresses one stand-in listens on */

/* An address (numeric IPv4) and port the stand-in listens on. */
struct scn_fake_addr {
	char		fa_ip[16];
	uint16_t	fa_port;
};

/* What the stand-in serves with: the region's certificate, key and the CA its callers'
 * certificates chain to (it asks for one, as a gateway does), and its listeners (the
 * region's). Borrowed. */
struct scn_fake {
	const char			*sf_cert, *sf_key, *sf_ca;
	const struct scn_fake_addr	*sf_addrs;
	size_t				 sf_naddrs;
};

/* Listens on every address of ARG (a struct scn_fake) and answers every request
 * with HTTP 200 and bytes that are no SOAP envelope, one connection at a time. Never
 * returns; exits 1 when it cannot listen or load the certificate. */
void scn_fake_serve(void *arg);

#endif
