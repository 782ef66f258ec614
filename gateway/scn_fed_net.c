/*
 * gateway/scn_fed_net: the federation's side of --netns (gateway/scn_net.h): which pairs
 * of regions talk through tunnels, what each region listens on, the network and its
 * tunnels brought up before the first gateway starts, the runner's calls made from inside
 * a region's namespace, and each region's view of its tunnels read back from its /status.
 */
#include "gateway/scn_fed_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/str.h"
#include "gateway/admin_client.h"
#include "gateway/config.h"
#include "gateway/scn_http.h"
#include "gateway/scn_net.h"
#include "gateway/swanctl.h"
#include "gateway/vici.h"

#define SCN_ADMIN_MAX	(1024 * 1024)	/* bytes of an admin answer read */
#define SCN_TUNNEL_MAX	4096		/* tunnel views of one region */
#define SCN_TUNNEL_TRIES	8	/* reads of /status while a state is unknown, */
#define SCN_TUNNEL_PAUSE_MS	500	/* this far apart: 3.5 s, health_interval is 1 s */

int
scn_fed_tunnelled(const struct scn_fed *fed, size_t i, size_t j)
{
	return fed->fd_netns && i != j && fed->fd_regions[i].fr_sr->vpn &&
	    fed->fd_regions[j].fr_sr->vpn;
}

/* Returns 1 when region I talks to at least one peer through a tunnel (TUNNELLED != 0),
 * or without one (TUNNELLED == 0). */
static int
scn_fed_has_link(const struct scn_fed *fed, size_t i, int tunnelled)
{
	size_t j;

	for (j = 0; j < fed->fd_nregions; j++)
		if (j != i && scn_fed_tunnelled(fed, i, j) == tunnelled)
			return 1;
	return 0;
}

size_t
scn_fed_listeners(const struct scn_fed *fed, size_t i, struct scn_fed_listen *out, size_t max)
{
	const struct scn_fed_region *fr = &fed->fd_regions[i];
	size_t k, n = 0, np = fr->fr_sr->npurposes;
	int inner = fed->fd_netns && scn_fed_has_link(fed, i, 1);
	int outer = fed->fd_netns && scn_fed_has_link(fed, i, 0);

	for (k = 0; k < np && n < max; k++, n++) {	/* the local EHR's (and loopback peers') */
		snprintf(out[n].fl_addr, sizeof(out[n].fl_addr), "127.0.0.1");
		out[n].fl_port = fr->fr_ports[k];
		out[n].fl_purpose = k;
	}
	for (k = 0; inner && k < np && n < max; k++, n++) {	/* peers through a tunnel */
		(void)scn_net_inner(i, k, out[n].fl_addr, sizeof(out[n].fl_addr));
		out[n].fl_port = SCN_NET_INNER_PORT;
		out[n].fl_purpose = k;
	}
	for (k = 0; outer && k < np && n < max; k++, n++) {	/* peers without one */
		(void)scn_net_outer(i, out[n].fl_addr, sizeof(out[n].fl_addr));
		out[n].fl_port = fr->fr_ports[k];
		out[n].fl_purpose = k;
	}
	return n;
}

/* Region I's charon: started, and loaded with the swanctl.conf hashictl deploy swanctl
 * would write from the region's own hashid.yaml. */
static int
scn_fed_charon(struct scn_fed *fed, size_t i, char *err, size_t errsz)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];
	char dir[1100], *text = NULL, *diag = NULL;
	struct config *cf = NULL;
	size_t len = 0, dlen = 0;
	FILE *df;
	int ret = -1;

	snprintf(dir, sizeof(dir), "%s/charon", fr->fr_dir);
	if (scn_net_charon_start(fed->fd_net, i, fr->fr_sr->name, dir, err, errsz) == -1)
		return -1;
	if ((df = open_memstream(&diag, &dlen)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if ((cf = config_load(fr->fr_config, df)) != NULL)
		text = swanctl_render(cf, df, &len);
	fclose(df);
	if (text == NULL)
		snprintf(err, errsz, "%s: no swanctl.conf from %s: %s", fr->fr_sr->name,
		    fr->fr_config, diag != NULL ? diag : "");
	else
		ret = scn_net_charon_load(fed->fd_net, i, text, len, fr->fr_gw_key, err, errsz);
	free(text);
	free(diag);
	config_free(cf);
	return ret;
}

/* Brings up every CHILD_SA: for each tunnelled pair, from the first region of it, one per
 * purpose both have; in rounds, the P-th common purpose of every pair in round P (two of
 * one pair at once would each make an IKE_SA). */
static int
scn_fed_initiate(struct scn_fed *fed, char *err, size_t errsz)
{
	const struct scn_region *a, *b;
	struct scn_net_child *list;
	size_t i, j, k, n, round, common;
	int ret = 0, more = 1;

	if ((list = calloc(fed->fd_nregions * fed->fd_nregions + 1, sizeof(*list))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (round = 0; more && ret == 0; round++) {
		for (more = 0, n = 0, i = 0; i < fed->fd_nregions; i++)
			for (j = i + 1; j < fed->fd_nregions; j++) {
				if (!scn_fed_tunnelled(fed, i, j))
					continue;
				a = fed->fd_regions[i].fr_sr;
				b = fed->fd_regions[j].fr_sr;
				for (common = 0, k = 0; k < a->npurposes; k++) {
					if (scn_fed_purpose(b, a->purposes[k]) < 0)
						continue;
					if (common++ == round) {
						list[n].nc_region = i;
						list[n].nc_ike = b->name;
						list[n++].nc_child = a->purposes[k];
						more = 1;
					}
				}
			}
		if (n > 0)
			ret = scn_net_initiate_all(fed->fd_net, list, n, err, errsz);
		fed->fd_nchild += ret == 0 ? n : 0;
	}
	free(list);
	return ret;
}

int
scn_fed_net_up(struct scn_fed *fed, char *err, size_t errsz)
{
	size_t i, np = 1;

	if (!fed->fd_netns || fed->fd_net != NULL)
		return 0;
	for (i = 0; i < fed->fd_nregions; i++)
		if (fed->fd_regions[i].fr_sr->npurposes > np)
			np = fed->fd_regions[i].fr_sr->npurposes;
	if ((fed->fd_net = scn_net_new(fed->fd_nregions, np, fed->fd_dir, err, errsz)) == NULL)
		return -1;
	for (i = 0; i < fed->fd_nregions; i++)
		if (scn_fed_has_link(fed, i, 1) && scn_fed_charon(fed, i, err, errsz) == -1)
			return -1;
	return scn_fed_initiate(fed, err, errsz);
}

size_t
scn_fed_child_sas(const struct scn_fed *fed)
{
	return fed->fd_nchild;
}

int
scn_fed_post(struct scn_fed *fed, size_t i, const char *url, const char *content_type,
    const uint8_t *body, size_t len, int timeout_ms, struct scn_http_reply *r)
{
	int rc;

	if (scn_net_enter(fed->fd_net, i) == -1) {
		memset(r, 0, sizeof(*r));
		snprintf(r->sr_err, sizeof(r->sr_err), "cannot enter %s's network namespace: %s",
		    fed->fd_regions[i].fr_sr->name, strerror(errno));
		return -1;
	}
	rc = scn_http_post(url, fed->fd_regions[i].fr_ehr_cert, fed->fd_regions[i].fr_ehr_key,
	    fed->fd_ca, content_type, body, len, timeout_ms, r);
	scn_net_leave(fed->fd_net);
	return rc;
}

int
scn_fed_admin_get(struct scn_fed *fed, size_t i, const char *path, struct strbuf *sb)
{
	char err[256];	/* the caller only needs to know that it did not answer */
	int status;

	if (scn_net_enter(fed->fd_net, i) == -1)
		return -1;
	/* 5 s: a gateway under load (sanitizers) answers late */
	status = admin_get("127.0.0.1", fed->fd_regions[i].fr_admin, path, 5, SCN_ADMIN_MAX, sb,
	    err, sizeof(err));
	scn_net_leave(fed->fd_net);
	return status;
}

/* Copies the JSON string value of KEY in [S, END) into BUF ("" when absent). */
static void
scn_fed_json_str(const char *s, const char *end, const char *key, char *buf, size_t bufsz)
{
	char pat[40];
	const char *p, *q;

	buf[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((p = strstr(s, pat)) == NULL || p >= end)
		return;
	p += strlen(pat);
	if ((q = strchr(p, '"')) != NULL && q < end && (size_t)(q - p) < bufsz) {
		memcpy(buf, p, (size_t)(q - p));
		buf[q - p] = '\0';
	}
}

/* The number value of KEY in [S, END), 0 when absent. */
static unsigned long long
scn_fed_json_num(const char *s, const char *end, const char *key)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(s, pat)) == NULL || p >= end)
		return 0;
	return strtoull(p + strlen(pat), NULL, 10);
}

/* Sets T's counters from charon's CHILD_SAs C (N of them) named after its peer and purpose
 * (a rekeyed one may be listed twice while the old one goes: their counters add up). */
static void
scn_fed_counters(struct scn_fed_tunnel *t, const struct vici_child *c, size_t n)
{
	size_t k;

	t->ft_bytes_in = t->ft_bytes_out = 0;
	for (k = 0; k < n; k++)
		if (strcmp(c[k].ike, t->ft_peer) == 0 && strcmp(c[k].child, t->ft_purpose) == 0) {
			t->ft_bytes_in += c[k].bytes_in;
			t->ft_bytes_out += c[k].bytes_out;
		}
}

/* Reads region I's VPN paths from its /status into OUT (at most MAX); *UNKNOWN counts those
 * whose state hashid does not know (charon not asked yet, or a poll that failed). Returns
 * their number, or -1 when /status could not be read. */
static int
scn_fed_paths(struct scn_fed *fed, size_t i, struct scn_fed_tunnel *out, size_t max,
    size_t *unknown)
{
	struct strbuf sb = { 0 };
	struct scn_fed_tunnel *t;
	const char *p, *end;
	int n = -1;

	*unknown = 0;
	/* each path is a flat object from {"peer": to its last key, "last_ms" (an error text
	 * in between may hold any character, but no quote unescaped) */
	if (scn_fed_admin_get(fed, i, "/status", &sb) == 200 &&
	    (p = strstr(sb.sb_data, "\"paths\":[")) != NULL)
		for (n = 0; (size_t)n < max && (p = strstr(p, "{\"peer\":\"")) != NULL &&
		    (end = strstr(p, "\"last_ms\":")) != NULL; p = end) {
			t = &out[n];
			memset(t, 0, sizeof(*t));
			scn_fed_json_str(p, end, "peer", t->ft_peer, sizeof(t->ft_peer));
			scn_fed_json_str(p, end, "purpose", t->ft_purpose, sizeof(t->ft_purpose));
			scn_fed_json_str(p, end, "tunnel", t->ft_state, sizeof(t->ft_state));
			t->ft_bytes_in = scn_fed_json_num(p, end, "bytes_in");
			t->ft_bytes_out = scn_fed_json_num(p, end, "bytes_out");
			if (t->ft_peer[0] == '\0' || t->ft_state[0] == '\0' ||
			    strcmp(t->ft_state, "none") == 0)	/* none: no VPN on that path */
				continue;
			*unknown += strcmp(t->ft_state, "unknown") == 0;
			n++;
		}
	strbuf_reset(&sb);
	return n;
}

int
scn_fed_tunnels(struct scn_fed *fed, size_t i, scn_fed_tunnel_fn fn, void *arg)
{
	struct timespec pause = { 0, SCN_TUNNEL_PAUSE_MS * 1000 * 1000 };
	struct scn_fed_tunnel *t;
	struct vici_child *c = NULL;
	size_t nc = 0, unknown, k;
	char err[256];
	int n = -1, tries;

	if ((t = calloc(SCN_TUNNEL_MAX, sizeof(*t))) == NULL)
		return -1;
	/* the states as hashid acts on them, once it knows them: a gateway that has not
	 * polled charon yet, or whose poll failed under load, is asked again a little later
	 * (one that does not answer, stopped or frozen, is not) */
	for (tries = 0; tries < SCN_TUNNEL_TRIES && scn_fed_running(fed, i); tries++) {
		if (tries > 0)
			nanosleep(&pause, NULL);
		n = scn_fed_paths(fed, i, t, SCN_TUNNEL_MAX, &unknown);
		if (n == -1 || unknown == 0)
			break;
	}
	/* the counters from charon now (hashid's are as old as its last poll) */
	if (n > 0 && fed->fd_net != NULL &&
	    scn_net_children(fed->fd_net, i, &c, &nc, err, sizeof(err)) == 0)
		for (k = 0; k < (size_t)n; k++)
			scn_fed_counters(&t[k], c, nc);
	for (k = 0; n > 0 && k < (size_t)n; k++)
		fn(arg, &t[k]);
	free(c);
	free(t);
	return n;
}
