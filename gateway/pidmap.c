/* gateway/pidmap: see pidmap.h. */
#include "gateway/pidmap.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/str.h"
#include "mpi/mpi.h"

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

/* The static map of the configuration. */
static int
pidmap_static(const struct peer *peer, const char *local_cx, char **out)
{
	size_t i;

	for (i = 0; i < peer->pr_nmap; i++) {
		if (strcmp(peer->pr_map[i].pm_local, local_cx) == 0)
			return (*out = str_dup(peer->pr_map[i].pm_remote)) == NULL ? -1 :
			    PIDMAP_LINKED;
	}
	return PIDMAP_UNLINKED;
}

int
pidmap_to_peer(struct mpi *m, const struct peer *peer, const char *local_cx, int64_t now,
    char **out)
{
	struct mpi_corr c;
	char *aa;
	int same, r;

	*out = NULL;
	aa = pidmap_authority(local_cx);
	same = aa != NULL && peer->pr_assigning_authority != NULL &&
	    strcmp(aa, peer->pr_assigning_authority) == 0;
	free(aa);
	if (same)
		return (*out = str_dup(local_cx)) == NULL ? -1 : PIDMAP_LINKED;
	r = m == NULL ? MPI_E_NOTFOUND : mpi_corr_get(m, local_cx, peer->pr_hcid, now, &c);
	if (r == MPI_OK && c.mc_fresh)
		return (*out = str_dup(c.mc_remote)) == NULL ? -1 : PIDMAP_LINKED;
	if (r == MPI_OK)
		return PIDMAP_EXPIRED;
	/* an id the MPI cannot read (another authority, malformed) has no link there */
	if (r != MPI_E_NOTFOUND && r != MPI_E_INVALID && r != MPI_E_AUTHORITY) {
		log_warnx("pidmap: %s", mpi_strerror(r));
		return -1;
	}
	return pidmap_static(peer, local_cx, out);
}
