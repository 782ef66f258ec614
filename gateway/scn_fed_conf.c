/*
 * gateway/scn_fed_conf: each region's hashid.yaml for a scenario run. Every other region
 * is a peer, reached on its listener of each purpose (with --netns through a tunnel, on its
 * inner address for that purpose, when both have vpn); patients are found by XCPD (no
 * patient map: the run shows what the wide-area MPI does); the cards of the patients are
 * trusted through the run's JPKI look-alike root with the test-card policy.
 */
#include "gateway/scn_fed_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "common/fdio.h"
#include "common/str.h"
#include "crypto/jpki.h"
#include "gateway/scn_audit.h"
#include "gateway/scn_net.h"

long
scn_fed_purpose(const struct scn_region *r, const char *purpose)
{
	size_t k;

	for (k = 0; k < r->npurposes; k++)
		if (strcmp(r->purposes[k], purpose) == 0)
			return (long)k;
	return -1;
}

/* The URL of region J's listener for its purpose K as region I calls it: on loopback; with
 * --netns through their tunnel (J's inner address) or, without one, on J's outer address. */
static void
scn_conf_url(struct strbuf *sb, const struct scn_fed *fed, size_t i, size_t j, size_t k)
{
	char addr[16] = "127.0.0.1";
	unsigned port = fed->fd_regions[j].fr_ports[k];

	if (scn_fed_tunnelled(fed, i, j)) {
		(void)scn_net_inner(j, k, addr, sizeof(addr));
		port = SCN_NET_INNER_PORT;
	} else if (fed->fd_netns)
		(void)scn_net_outer(j, addr, sizeof(addr));
	strbuf_printf(sb, "https://%s:%u/xca", addr, port);
}

/* Whether region I names purpose K of region J: every purpose, but through a tunnel only
 * those I has too (a CHILD_SA needs both ends). */
static int
scn_conf_names(const struct scn_fed *fed, size_t i, size_t j, size_t k)
{
	return !scn_fed_tunnelled(fed, i, j) ||
	    scn_fed_purpose(fed->fd_regions[i].fr_sr, fed->fd_regions[j].fr_sr->purposes[k]) >= 0;
}

/* The peer entry of region J as region I's configuration names it. */
static void
scn_conf_peer(struct strbuf *sb, const struct scn_fed *fed, size_t i, size_t j)
{
	const struct scn_region *r = fed->fd_regions[j].fr_sr;
	long c = scn_fed_purpose(r, "clinical");
	int first = 1, vpn = scn_fed_tunnelled(fed, i, j);
	char addr[16];
	size_t k;

	if (c >= 0 && !scn_conf_names(fed, i, j, (size_t)c))
		c = -1;
	strbuf_printf(sb, "  - name: %s\n    home_community_id: %s\n    assigning_authority: %s\n"
	    "    subject: \"CN=%s-gw,O=Hashi Test,C=JP\"\n", r->name, r->hcid,
	    r->assigning_authority, r->name);
	if (c >= 0) {
		strbuf_puts(sb, "    query_url: ");
		scn_conf_url(sb, fed, i, j, (size_t)c);
		strbuf_puts(sb, "\n    retrieve_url: ");
		scn_conf_url(sb, fed, i, j, (size_t)c);
		strbuf_puts(sb, "\n");
	}
	if (vpn) {
		/* strongSwan's form of the gateway certificate's subject */
		strbuf_printf(sb, "    vpn:\n      address: %s\n"
		    "      identity: \"C=JP, O=Hashi Test, CN=%s-gw\"\n",
		    scn_net_outer(j, addr, sizeof(addr)), r->name);
		if (c >= 0)
			strbuf_printf(sb, "      inner_address: %s\n",
			    scn_net_inner(j, (size_t)c, addr, sizeof(addr)));
	}
	for (k = 0; k < r->npurposes; k++) {
		if ((long)k == c || !scn_conf_names(fed, i, j, k))
			continue;
		if (first)
			strbuf_puts(sb, "    purposes:\n");
		first = 0;
		strbuf_printf(sb, "      - name: %s\n        query_url: ", r->purposes[k]);
		scn_conf_url(sb, fed, i, j, k);
		strbuf_puts(sb, "\n        retrieve_url: ");
		scn_conf_url(sb, fed, i, j, k);
		strbuf_puts(sb, "\n");
		if (vpn)
			strbuf_printf(sb, "        inner_address: %s\n",
			    scn_net_inner(j, k, addr, sizeof(addr)));
	}
}

/* Region I's vpn: section (--netns, with at least one tunnelled peer): charon's vici
 * socket in its run directory, every purpose on its own inner address, CHILD_SAs brought
 * up by the runner (start_action none) and again by hashid itself when one goes down. */
static void
scn_conf_vpn(struct strbuf *sb, const struct scn_fed *fed, size_t i)
{
	const struct scn_fed_region *fr = &fed->fd_regions[i];
	char addr[16];
	size_t k;

	strbuf_printf(sb, "vpn:\n  address: %s\n  vici_socket: %s/charon/charon.vici\n"
	    "  health_interval: 1s\n  start_action: none\n  purposes:\n",
	    scn_net_outer(i, addr, sizeof(addr)), fr->fr_dir);
	for (k = 0; k < fr->fr_sr->npurposes; k++)
		strbuf_printf(sb, "    - name: %s\n      inner_address: %s\n",
		    fr->fr_sr->purposes[k], scn_net_inner(i, k, addr, sizeof(addr)));
}

/* The text of region I's configuration into SB, its gateway presenting CERT / KEY. */
static void
scn_conf_text(struct strbuf *sb, const struct scn_fed *fed, size_t i, const char *cert,
    const char *key)
{
	const struct scn_fed_region *fr = &fed->fd_regions[i];
	const struct scn_region *r = fr->fr_sr;
	struct scn_fed_listen ls[SCN_FED_MAX_LISTEN];
	int t = fed->fd_sc->timeout_ms, vpn = 0;
	size_t k, n;

	strbuf_printf(sb, "# %s: region %s of scenario %s, written by hashictl scenario run\n"
	    "community:\n  name: ", cert == fr->fr_gw_cert ? fr->fr_config : "(a variant)",
	    r->name, fed->fd_sc->file);
	conf_put_quoted(sb, r->display);
	strbuf_printf(sb, "\n  home_community_id: %s\n  assigning_authority: %s\n"
	    "  repository_unique_id: %s\nstate_dir: %s/state\nlisten:\n", r->hcid,
	    r->assigning_authority, r->repository, fr->fr_dir);
	n = scn_fed_listeners(fed, i, ls, SCN_FED_MAX_LISTEN);
	for (k = 0; k < n; k++)
		strbuf_printf(sb, "  - address: %s\n    port: %u\n    purpose: %s\n",
		    ls[k].fl_addr, (unsigned)ls[k].fl_port, r->purposes[ls[k].fl_purpose]);
	strbuf_printf(sb, "tls:\n  certificate: %s\n  private_key: %s\n  ca: %s\n",
	    cert, key, fed->fd_ca);
	/* a peer may take the whole request deadline: reads wait as long */
	strbuf_printf(sb, "timeouts:\n  connect: 2s\n  read: %dms\n  request: %dms\n", t, t);
	strbuf_puts(sb, "registry:\n  backend: embedded\n  map_size: 256MiB\n"
	    "mpi:\n  map_size: 64MiB\n  discovery: true\n");
	strbuf_printf(sb, "consent:\n  jpki_roots: %s\n  policy_oid: %s\n  map_size: 64MiB\n"
	    "  required: %s\n  emergency: %s\n", fed->fd_jpki_root, JPKI_POLICY_SIGN_TEST,
	    r->consent_required ? "true" : "false", r->emergency ? "true" : "false");
	strbuf_printf(sb, "audit:\n  map_size: %uMiB\n  checkpoint_interval: 2s\n",
	    SCN_AUDIT_MAP_SIZE >> 20);
	strbuf_printf(sb, "admin:\n  address: 127.0.0.1\n  port: %u\n", (unsigned)fr->fr_admin);
	strbuf_printf(sb, "local_systems:\n  - name: %s-ehr\n"
	    "    subject: \"CN=%s-ehr,O=Hashi Test,C=JP\"\n", r->name, r->name);
	for (k = 0; k < fed->fd_nregions; k++)
		vpn |= scn_fed_tunnelled(fed, i, k);
	if (vpn)
		scn_conf_vpn(sb, fed, i);
	if (fed->fd_nregions > 1)
		strbuf_puts(sb, "peers:\n");
	for (k = 0; k < fed->fd_nregions; k++)
		if (k != i)
			scn_conf_peer(sb, fed, i, k);
}

int
scn_fed_write_config(const struct scn_fed *fed, size_t i, const char *path, const char *cert,
    const char *key, char *err, size_t errsz)
{
	const struct scn_fed_region *fr = &fed->fd_regions[i];
	struct strbuf sb = { 0 };
	int ret = -1;

	if (path == NULL) {
		path = fr->fr_config;
		cert = fr->fr_gw_cert;
		key = fr->fr_gw_key;
	}
	scn_conf_text(&sb, fed, i, cert, key);
	if (sb.sb_failed) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto done;
	}
	/* hashid refuses a configuration others may write: 0600 from the start */
	if (fdio_write_file(path, sb.sb_data, sb.sb_len) == -1) {
		snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno));
		goto done;
	}
	ret = 0;
done:
	strbuf_reset(&sb);
	return ret;
}
