/*
 * gateway/scn_fed_fault: a scenario's region faults (see scn_fed.h): garbage answers from
 * a stand-in on the region's ports, and the region's gateway presenting a certificate that
 * chains to another CA under the same names. A fault state is remembered per region so
 * that region_up puts back exactly the region itself.
 */
#include "gateway/scn_fed_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/testpki.h"
#include "gateway/scn_fake.h"
#include "gateway/scn_net.h"
#include "gateway/scn_proc.h"

int
scn_fed_garbage(struct scn_fed *fed, size_t i, char *err, size_t errsz)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];
	/* read by the child, which has its own copy */
	static struct scn_fake_addr addrs[SCN_FED_MAX_LISTEN];
	static struct scn_fake f;
	struct scn_fed_listen ls[SCN_FED_MAX_LISTEN];
	char log[1100];
	size_t k, n;
	int rc;

	n = scn_fed_listeners(fed, i, ls, SCN_FED_MAX_LISTEN);
	if (n == 0 || n > SCN_FAKE_MAX_ADDRS) {
		snprintf(err, errsz, "%s: a stand-in cannot serve its %zu listeners (1 to %d)",
		    fr->fr_sr->name, n, SCN_FAKE_MAX_ADDRS);
		return -1;
	}
	(void)scn_fed_stop(fed, i);
	for (k = 0; k < n; k++) {
		memcpy(addrs[k].fa_ip, ls[k].fl_addr, sizeof(addrs[k].fa_ip));
		addrs[k].fa_port = ls[k].fl_port;
	}
	f.sf_cert = fr->fr_gw_cert;
	f.sf_key = fr->fr_gw_key;
	f.sf_ca = fed->fd_ca;
	f.sf_addrs = addrs;
	f.sf_naddrs = n;
	snprintf(log, sizeof(log), "%s/garbage.log", fr->fr_dir);
	/* in the region's network (--netns), where its peers reach it */
	if (scn_net_enter(fed->fd_net, i) == -1) {
		snprintf(err, errsz, "%s: cannot enter its network namespace", fr->fr_sr->name);
		return -1;
	}
	fr->fr_fake = scn_proc_spawn("garbage", scn_fake_serve, &f, log, err, errsz);
	/* listening on its last address means it is serving */
	rc = fr->fr_fake == NULL ? -1 : scn_proc_wait_port(fr->fr_fake,
	    ls[n - 1].fl_addr, ls[n - 1].fl_port, 5000, err, errsz);
	scn_net_leave(fed->fd_net);
	return rc;
}

int
scn_fed_wrong_cert(struct scn_fed *fed, size_t i, char *err, size_t errsz)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];
	char dir[1024], name[128], cert[1200], key[1200], conf[1100], fpr[TESTPKI_FPR_MAX];
	struct testpki_ca *rogue;

	snprintf(dir, sizeof(dir), "%s/pki-rogue", fed->fd_dir);
	snprintf(name, sizeof(name), "%s-gw", fr->fr_sr->name);
	snprintf(cert, sizeof(cert), "%s/%s.crt", dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	snprintf(conf, sizeof(conf), "%s/hashid-wrong-cert.yaml", fr->fr_dir);
	/* the same CA name and the same gateway name: only the keys differ */
	if ((rogue = testpki_ca_new(dir, "ca", "Hashi Scenario CA", time(NULL))) == NULL ||
	    testpki_issue(rogue, TESTPKI_GATEWAY, name, NULL, fpr) == -1) {
		testpki_ca_free(rogue);
		snprintf(err, errsz, "%s: cannot make the rogue certificate", fr->fr_sr->name);
		return -1;
	}
	testpki_ca_free(rogue);
	if (scn_fed_write_config(fed, i, conf, cert, key, err, errsz) == -1)
		return -1;
	(void)scn_fed_stop(fed, i);
	return scn_fed_start_with(fed, i, conf, err, errsz);
}

int
scn_fed_restore(struct scn_fed *fed, size_t i, char *err, size_t errsz)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];

	/* frozen only: thawed, and it is itself again */
	if (fr->fr_fake == NULL && fr->fr_proc != NULL && fr->fr_thaw != NULL) {
		(void)scn_fed_freeze(fed, i, 0);
		scn_proc_free(fr->fr_thaw);	/* its later thaw is not needed */
		fr->fr_thaw = NULL;
		return 0;
	}
	(void)scn_fed_stop(fed, i);	/* a stand-in or a wrong certificate goes too */
	return scn_fed_start(fed, i, err, errsz);
}
