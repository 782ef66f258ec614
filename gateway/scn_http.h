/*
 * gateway/scn_http: the scenario runner's client side: one HTTPS POST at a time, as a
 * region's local system (its client certificate), on a private event loop, with a deadline;
 * and the reading of the initiating gateway's Server-Timing header into hops (whom it
 * asked, for what, how long, with what outcome).
 */
#ifndef HASHI_GATEWAY_SCN_HTTP_H
#define HASHI_GATEWAY_SCN_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* What a POST gave. Free the buffers with scn_http_reply_reset. */
struct scn_http_reply {
	int	 sr_status;		/* HTTP status; 0 when no response came */
	char	*sr_content_type;	/* NULL if absent */
	uint8_t	*sr_body;		/* NUL-terminated copy; NULL if none */
	size_t	 sr_len;
	char	*sr_timing;		/* the Server-Timing header; NULL if absent */
	long	 sr_ms;			/* from the POST to the end of the answer */
	char	 sr_err[160];		/* "" when a response came, else why not */
};

/* POSTs BODY/LEN as CONTENT_TYPE to URL (https) with client certificate CERT / KEY,
 * trusting CA, waiting at most TIMEOUT_MS. Returns 0 when a complete response arrived
 * (whatever its status), else -1 with R->sr_err set. R is always initialised. */
int scn_http_post(const char *url, const char *cert, const char *key, const char *ca,
    const char *content_type, const uint8_t *body, size_t len, int timeout_ms,
    struct scn_http_reply *r);

/* Frees what R holds and zeroes it. */
void scn_http_reply_reset(struct scn_http_reply *r);

/* One entry of a Server-Timing header as the initiating gateway writes it
 * ("iti38.shimane;dur=45;desc=\"ok\""): transaction, peer, duration, outcome. */
struct scn_timing {
	char	st_txn[16];		/* e.g. iti38 */
	char	st_peer[80];		/* the peer's configured name */
	long	st_ms;
	char	st_desc[160];
};

/* Parses HEADER (NULL = none) into at most MAX entries of OUT; entries of another shape
 * are skipped. Returns the number stored. */
size_t scn_timing_parse(const char *header, struct scn_timing *out, size_t max);

#endif
