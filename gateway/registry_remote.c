/*
 * gateway/registry_remote: the backend that forwards to a region's existing XDS.b
 * registry (ITI-18) and repository (ITI-43). Not finished: the daemon refuses to start
 * with backend "remote" and says so, rather than pretending to serve.
 */
#include "common/log.h"
#include "gateway/registry.h"

struct registry *
registry_remote_new(const struct config *cf, struct http_client *client)
{
	(void)client;
	log_warnx("%s: registry backend \"remote\" is not available in this build yet",
	    cf->cf_file);
	return NULL;
}
