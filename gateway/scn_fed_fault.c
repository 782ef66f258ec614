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
#include "gateway/scn_proc.h"

int
scn_fed_garbage(struct scn_fed *fed, size_t i, char *err, size_t errsz)
{
	struct scn_fed_region *fr = &fed->fd_regions[i];
	static struct scn_fake f;	/* read by the child, which has its own copy */
	char log[1100];

	(void)scn_fed_stop(fed, i);
	f.sf_cert = fr->fr_gw_cert;
	f.sf_key = fr->fr_gw_key;
	f.sf_ca = fed->fd_ca;
	f.sf_ports = fr->fr_ports;
	f.sf_nports = fr->fr_sr->npurposes;
	snprintf(log, sizeof(log), "%s/garbage.log", fr->fr_dir);
	if ((fr->fr_fake = scn_proc_spawn("garbage", scn_fake_serve, &f, log, err,
	    errsz)) == NULL)
		return -1;
	/* listening on the first port means it is serving */
	return scn_proc_wait_port(fr->fr_fake, "127.0.0.1", fr->fr_ports[0], 5000, err, errsz);
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
