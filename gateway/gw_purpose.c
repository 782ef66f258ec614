/* gateway/gw_purpose: which purpose a request has, from the listener it arrived on. Each
 * purpose has its own listener (and, with the per-purpose VPNs, its own inner address), so
 * the network itself says what a request is for. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/http_server.h"

/* Returns 1 when local address SS (port PORT) is listener LA's, bound on BOUND. */
static int
gw_listener_is(const struct listen_addr *la, uint16_t bound, const struct sockaddr_storage *ss)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		if (ntohs(s4->sin_port) != bound)
			return 0;
		/* a host name or a wildcard address: the port tells */
		if (inet_pton(AF_INET, la->la_address, &a4) != 1 || a4.s_addr == INADDR_ANY)
			return inet_pton(AF_INET6, la->la_address, &a6) != 1 ||
			    IN6_IS_ADDR_UNSPECIFIED(&a6);
		return a4.s_addr == s4->sin_addr.s_addr;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		if (ntohs(s6->sin6_port) != bound)
			return 0;
		if (inet_pton(AF_INET6, la->la_address, &a6) != 1 || IN6_IS_ADDR_UNSPECIFIED(&a6))
			return inet_pton(AF_INET, la->la_address, &a4) != 1 ||
			    a4.s_addr == INADDR_ANY;
		return memcmp(&a6, &s6->sin6_addr, sizeof(a6)) == 0;
	}
	return 0;
}

const char *
gw_request_purpose(const struct gw *gw, const struct config *cf, const struct http_req *req)
{
	struct sockaddr_storage ss;
	size_t i;

	/* a reload does not rebind listeners (a restart does): the bound ports of the
	 * start-up configuration describe CF's first gw_nports listen entries */
	if (http_req_local_addr(req, &ss) == 0)
		for (i = 0; i < cf->cf_nlisten && i < gw->gw_nports; i++)
			if (gw_listener_is(&cf->cf_listen[i], gw->gw_ports[i], &ss))
				return cf->cf_listen[i].la_purpose;
	return "clinical";
}

void
gw_purpose_check_listeners(const struct config *cf)
{
	struct in6_addr want, have;
	const char *inner;
	size_t k, i;
	int af;

	for (k = 0; k < cf->cf_nvpn_purposes; k++) {
		inner = cf->cf_vpn_purposes[k].vp_inner;
		af = strchr(inner, ':') != NULL ? AF_INET6 : AF_INET;
		if (inet_pton(af, inner, &want) != 1)
			continue;
		for (i = 0; i < cf->cf_nlisten; i++)
			if (inet_pton(af, cf->cf_listen[i].la_address, &have) == 1 &&
			    memcmp(&want, &have, af == AF_INET ? 4 : 16) == 0)
				break;
		if (i == cf->cf_nlisten)
			log_warnx("vpn purpose %s: no listener on its inner address %s, so peers "
			    "cannot send %s requests here (only ours go out)",
			    cf->cf_vpn_purposes[k].vp_name, inner, cf->cf_vpn_purposes[k].vp_name);
	}
}
