/*
 * gateway/ctl_status: "hashictl status". Asks the running hashid's admin listener (the
 * admin section of the configuration) for GET /status?format=text (gateway/admin_client.h)
 * and prints its tables: per path (peer and purpose: tunnel, TLS, last outcome) and per
 * peer.
 */
#include <stdio.h>
#include <string.h>

#include "common/str.h"
#include "gateway/admin_client.h"
#include "gateway/config.h"
#include "gateway/ctl.h"

#define CTL_STATUS_MAX		(1024 * 1024)	/* bytes of an answer we accept */
#define CTL_STATUS_TIMEOUT_S	5

int
ctl_status(const struct config *cf, int argc, char **argv)
{
	struct strbuf sb = { 0 };
	const char *body;
	char err[256];
	int status, ret = 1;

	(void)argc;
	(void)argv;
	if (cf->cf_admin_address == NULL) {
		fprintf(stderr, "hashictl: %s has no admin section: hashid runs no status "
		    "listener\n", cf->cf_file);
		return 1;
	}
	status = admin_get(cf->cf_admin_address, cf->cf_admin_port, "/status?format=text",
	    CTL_STATUS_TIMEOUT_S, CTL_STATUS_MAX, &sb, err, sizeof(err));
	if (status == -1)
		fprintf(stderr, "hashictl: %s\n", err);
	else if (status != 200 || (body = strstr(sb.sb_data, "\r\n\r\n")) == NULL)
		fprintf(stderr, "hashictl: unexpected answer from the admin listener\n");
	else {
		fputs(body + 4, stdout);
		ret = 0;
	}
	strbuf_reset(&sb);
	return ret;
}
