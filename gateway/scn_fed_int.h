/*
 * gateway/scn_fed_int: what scn_fed.c (PKI, ports, processes) and scn_fed_conf.c (each
 * region's hashid.yaml) share. Not for other modules.
 */
#ifndef HASHI_GATEWAY_SCN_FED_INT_H
#define HASHI_GATEWAY_SCN_FED_INT_H

#include "gateway/scn_fed.h"

struct scn_proc;
struct testpki_ca;

struct scn_fed_region {
	const struct scn_region	*fr_sr;		/* the scenario's, borrowed */
	char			*fr_dir;	/* <run>/<name> */
	char			*fr_config;	/* <run>/<name>/hashid.yaml */
	char			*fr_log;	/* <run>/<name>/hashid.log */
	char			*fr_gw_cert, *fr_gw_key;	/* <run>/pki/<name>-gw.* */
	char			*fr_ehr_cert, *fr_ehr_key;	/* <run>/pki/<name>-ehr.* */
	uint16_t		*fr_ports;	/* one listener per purpose, in its order */
	uint16_t		 fr_admin;
	struct scn_proc		*fr_proc;	/* NULL when not running */
	struct scn_proc		*fr_thaw;	/* the helper that thaws it, or NULL */
	struct scn_proc		*fr_fake;	/* a stand-in answering garbage, or NULL */
};

/* One listener of a region: the local EHR's on loopback, and with --netns those of its
 * peers on its inner (tunnelled) or outer addresses. */
struct scn_fed_listen {
	char		fl_addr[16];
	uint16_t	fl_port;
	size_t		fl_purpose;	/* index in the region's purposes */
};
#define SCN_FED_MAX_LISTEN	(3 * 64)

struct scn_net;

struct scn_fed {
	const struct scenario	*fd_sc;
	char			*fd_dir;
	char			*fd_hashid;
	char			*fd_ca;		/* <run>/pki/ca.crt */
	char			*fd_jpki_dir;	/* <run>/jpki */
	char			*fd_jpki_root;	/* <run>/jpki/root.crt */
	struct testpki_ca	*fd_jpki;	/* that root, to issue the patients' cards */
	struct scn_fed_region	*fd_regions;
	size_t			 fd_nregions;
	int			 fd_netns;	/* --netns */
	struct scn_net		*fd_net;	/* its network, once up */
	size_t			 fd_nchild;	/* CHILD_SAs brought up */
};

/* Region I's listeners into OUT (at most MAX). Returns their number. */
size_t scn_fed_listeners(const struct scn_fed *fed, size_t i, struct scn_fed_listen *out,
    size_t max);


/* Writes region I's configuration (0600): its hashid.yaml when PATH is NULL, else PATH
 * with its gateway presenting CERT / KEY (a wrong certificate). Returns 0, or -1 with
 * the reason in ERR. */
int scn_fed_write_config(const struct scn_fed *fed, size_t i, const char *path,
    const char *cert, const char *key, char *err, size_t errsz);

/* Starts region I's hashid with CONFIG (its own, or a variant) as scn_fed_start does. */
int scn_fed_start_with(struct scn_fed *fed, size_t i, const char *config, char *err,
    size_t errsz);

/* Returns the index of PURPOSE among region R's purposes, or -1. */
long scn_fed_purpose(const struct scn_region *r, const char *purpose);

#endif
