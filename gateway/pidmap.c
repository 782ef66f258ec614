/* gateway/pidmap: see pidmap.h. */
#include "gateway/pidmap.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"

char *
pidmap_authority(const char *cx)
{
	const char *p = strstr(cx, "^^^&");
	const char *e;

	if (p == NULL)
		return NULL;
	p += 4;
	if ((e = strchr(p, '&')) == NULL || e == p)
		return NULL;
	return str_ndup(p, (size_t)(e - p));
}

int
pidmap_to_peer(const struct peer *peer, const char *local_cx, char **out)
{
	char *aa;
	size_t i;
	int same;

	*out = NULL;
	aa = pidmap_authority(local_cx);
	same = aa != NULL && peer->pr_assigning_authority != NULL &&
	    strcmp(aa, peer->pr_assigning_authority) == 0;
	free(aa);
	if (same)
		return (*out = str_dup(local_cx)) == NULL ? -1 : 0;
	for (i = 0; i < peer->pr_nmap; i++) {
		if (strcmp(peer->pr_map[i].pm_local, local_cx) == 0)
			return (*out = str_dup(peer->pr_map[i].pm_remote)) == NULL ? -1 : 0;
	}
	return 1;
}
