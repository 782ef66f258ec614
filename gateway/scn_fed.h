/*
 * gateway/scn_fed: the federation a scenario describes, made real on this machine: in a run
 * directory, a test PKI (a TLS CA with each region's gateway and local-EHR certificates, a
 * JPKI look-alike root for the patients' cards), one hashid.yaml per region (a listener per
 * purpose on loopback ports, every other region a peer with its endpoints per purpose,
 * consent and break-glass as the scenario says, an admin listener), and one real hashid
 * process per region, started, stopped and frozen on demand. Nothing here talks SOAP: the
 * runner (scn_run.c) drives the regions through their public interfaces.
 */
#ifndef HASHI_GATEWAY_SCN_FED_H
#define HASHI_GATEWAY_SCN_FED_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/scenario.h"

struct scn_fed;
struct testpki_ca;

/* Makes the run directory DIR (0700; must not exist yet, or be empty), the PKIs and every
 * region's configuration for scenario S (borrowed until scn_fed_free). HASHID is the
 * daemon binary to run. With NETNS, the regions live in network namespaces with strongSwan
 * tunnels between those with vpn (gateway/scn_net.h; made by the first scn_fed_start_all).
 * Returns the federation (no process started yet), or NULL with the reason in ERR. */
struct scn_fed *scn_fed_new(const struct scenario *s, const char *dir, const char *hashid,
    int netns, char *err, size_t errsz);

/* Stops every region still running (SIGTERM, SIGKILL after 5 s) and frees FED; the run
 * directory stays. NULL accepted. */
void scn_fed_free(struct scn_fed *fed);

/* Starts region I's hashid (log: <dir>/<name>/hashid.log) and waits until every listener
 * of it accepts connections (at most 20 s). Returns 0, or -1 with the reason in ERR. */
int scn_fed_start(struct scn_fed *fed, size_t i, char *err, size_t errsz);

/* Starts every region, in order; with --netns, first (once) the network, a charon per
 * region with tunnels, and every CHILD_SA. Returns 0, or -1 at the first that fails. */
int scn_fed_start_all(struct scn_fed *fed, char *err, size_t errsz);

/* Stops every region at once (each is told first, then waited for): the end of a run.
 * Returns the number that did not exit cleanly. */
int scn_fed_stop_all(struct scn_fed *fed);

/* Stops region I (as scn_fed_free does). Returns its exit status, or -1 when it was not
 * running. */
int scn_fed_stop(struct scn_fed *fed, size_t i);

/* Freezes (FROZEN != 0) or thaws region I: frozen, it accepts connections but never
 * answers. Returns 0 or -1. */
int scn_fed_freeze(struct scn_fed *fed, size_t i, int frozen);

/* Freezes region I now and thaws it MS milliseconds later by itself (a helper process),
 * whatever the runner is doing then: a slow region. Returns 0 or -1. */
int scn_fed_freeze_for(struct scn_fed *fed, size_t i, int ms);

/* Region I's faults (scn_fed_fault.c): its gateway replaced by a stand-in that answers
 * every request with garbage on its ports; or restarted presenting a certificate of
 * another CA with the same name (made once, in <dir>/pki-rogue). scn_fed_restore ends any
 * fault (stand-in, wrong certificate, freeze, stop) and runs the region as itself again.
 * Each returns 0, or -1 with the reason in ERR. */
int scn_fed_garbage(struct scn_fed *fed, size_t i, char *err, size_t errsz);
int scn_fed_wrong_cert(struct scn_fed *fed, size_t i, char *err, size_t errsz);
int scn_fed_restore(struct scn_fed *fed, size_t i, char *err, size_t errsz);

/* Returns 1 while region I's hashid runs. */
int scn_fed_running(struct scn_fed *fed, size_t i);

/* Paths and addresses of region I (borrowed from FED). */
const char *scn_fed_dir(const struct scn_fed *fed);
const char *scn_fed_config(const struct scn_fed *fed, size_t i);	/* its hashid.yaml */
const char *scn_fed_log(const struct scn_fed *fed, size_t i);	/* its hashid's output */
const char *scn_fed_ca(const struct scn_fed *fed);		/* the TLS CA certificate */
const char *scn_fed_jpki_dir(const struct scn_fed *fed);	/* the JPKI root and cards */
const char *scn_fed_jpki_root(const struct scn_fed *fed);	/* its certificate */
const char *scn_fed_ehr_cert(const struct scn_fed *fed, size_t i);	/* local EHR's */
const char *scn_fed_ehr_key(const struct scn_fed *fed, size_t i);

/* The JPKI look-alike root (borrowed from FED), to issue the patients' cards in
 * scn_fed_jpki_dir with crypto/testpki.h. */
struct testpki_ca *scn_fed_jpki(const struct scn_fed *fed);

/* Writes region I's state directory (<dir>/<name>/state) into BUF. Returns BUF, or NULL
 * when it does not fit. */
const char *scn_fed_state(const struct scn_fed *fed, size_t i, char *buf, size_t bufsz);

/* Writes into BUF the https URL of region I's listener for PURPOSE and path PATH ("/ig",
 * "/xds", "/xca"). Returns BUF, or NULL when the region has no such purpose or BUF is too
 * small. */
const char *scn_fed_url(const struct scn_fed *fed, size_t i, const char *purpose,
    const char *path, char *buf, size_t bufsz);

/* Region I's admin listener port (plain HTTP on 127.0.0.1: /status, /metrics). */
uint16_t scn_fed_admin_port(const struct scn_fed *fed, size_t i);

/* With --netns, makes the network, starts a charon per region with tunnels and brings up
 * every CHILD_SA (scn_fed_start_all does it first if not done yet), once. Returns 0 (also
 * without --netns), or -1 with the reason in ERR. */
int scn_fed_net_up(struct scn_fed *fed, char *err, size_t errsz);

/* The number of CHILD_SAs scn_fed_net_up brought up (0 without --netns). */
size_t scn_fed_child_sas(const struct scn_fed *fed);

/* POSTs BODY/LEN as CONTENT_TYPE to URL as region I's local EHR (its client certificate),
 * from inside region I's network: scn_http_post otherwise. */
struct scn_http_reply;
int scn_fed_post(struct scn_fed *fed, size_t i, const char *url, const char *content_type,
    const uint8_t *body, size_t len, int timeout_ms, struct scn_http_reply *r);

/* GETs PATH from region I's admin listener into SB (status line, headers and body).
 * Returns the HTTP status, or -1 when it did not answer. */
struct strbuf;
int scn_fed_admin_get(struct scn_fed *fed, size_t i, const char *path, struct strbuf *sb);

/* Returns 1 when regions I and J talk through a tunnel (--netns, both with vpn). */
int scn_fed_tunnelled(const struct scn_fed *fed, size_t i, size_t j);

/* A tunnel as region I's hashid reports it (/status paths[]). */
struct scn_fed_tunnel {
	char			ft_peer[64], ft_purpose[64];
	char			ft_state[16];	/* up, down, idle, unknown */
	unsigned long long	ft_bytes_in, ft_bytes_out;
};
typedef void (*scn_fed_tunnel_fn)(void *arg, const struct scn_fed_tunnel *t);

/* Calls FN(ARG, tunnel) for each VPN path of region I's running hashid. Returns the number
 * of tunnels, or -1 when its /status could not be read. */
int scn_fed_tunnels(struct scn_fed *fed, size_t i, scn_fed_tunnel_fn fn, void *arg);

#endif
