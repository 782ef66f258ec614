/*
 * gateway/fanout: asks several peer gateways at once on the event loop, under one
 * deadline. Each leg is one HTTPS POST over the peer's keep-alive pool; the server must
 * present the certificate configured for that peer. When every leg has finished, or the
 * deadline fires first (unfinished legs are then cancelled and their connections closed),
 * the done callback runs exactly once. No retries: a clinician's request is never resent.
 */
#ifndef HASHI_GATEWAY_FANOUT_H
#define HASHI_GATEWAY_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/config.h"
#include "gateway/http_client.h"

struct gw;
struct fanout;

enum fanout_state {
	LEG_PENDING = 0,
	LEG_DONE,	/* a response arrived: see fl_status and the body */
	LEG_FAILED,	/* transport error: see fl_err */
	LEG_TIMEOUT	/* the overall deadline fired first */
};

struct fanout_leg {
	const struct peer	*fl_peer;	/* borrowed from the exchange's config */
	void			*fl_user;	/* caller's per-leg data */
	enum fanout_state	 fl_state;
	enum http_err		 fl_err;
	int			 fl_status;
	char			*fl_content_type;
	uint8_t			*fl_body;
	size_t			 fl_len;
	long			 fl_ms;
	/* internal */
	struct fanout		*fl_fo;
	struct http_call	*fl_call;
	char			*fl_url;
	char			*fl_ctype_out;
	char			*fl_req;
	size_t			 fl_reqlen;
	const struct fanout_stream *fl_stream;
	int			 fl_settled;
};

typedef void (*fanout_done_fn)(struct fanout *fo, void *arg);

/* Creates a fan-out on GW's client with a deadline of DEADLINE_MS from fanout_start, for
 * requests of PURPOSE (NULL = clinical) under configuration CF (borrowed, like PURPOSE,
 * until fanout_free; NULL = no VPN). A peer reached through PURPOSE's CHILD_SA is called
 * from our inner address for PURPOSE (config_vpn_source). */
struct fanout *fanout_new(struct gw *gw, const struct config *cf, const char *purpose,
    int deadline_ms, fanout_done_fn done, void *arg);

/* Adds a leg: POST BODY (taken) of LEN bytes with CONTENT_TYPE to URL of PEER. USER is
 * stored in the leg. Returns the leg, or NULL on allocation failure (BODY is freed). */
struct fanout_leg *fanout_add(struct fanout *fo, const struct peer *peer, const char *url,
    const char *content_type, char *body, size_t len, void *user);

/* Streaming legs: the response body is handed to the caller piece by piece and never
 * buffered by the fan-out (fl_body stays NULL unless the caller sets it, with malloc'd
 * bytes the fan-out then frees). Each callback runs from the event loop; fanout functions
 * other than fanout_free may be called from them. */
struct fanout_stream {
	/* The response head arrived (fl_status and fl_content_type are set before). */
	void	(*fs_headers)(struct fanout_leg *leg);
	/* A piece of the body, valid during the call only. */
	void	(*fs_data)(struct fanout_leg *leg, const uint8_t *data, size_t len);
	/* The call of a settled leg ended: ERR is HTTP_OK when the body is complete. */
	void	(*fs_end)(struct fanout_leg *leg, enum http_err err);
};

/* Makes LEG (not yet started) a streaming leg calling FS (borrowed, e.g. static). */
void fanout_leg_stream(struct fanout_leg *leg, const struct fanout_stream *fs);

/* Counts the pending streaming LEG as answered (LEG_DONE) although its body is still
 * coming: the deadline no longer applies to it, and DONE runs (from the loop) once every
 * leg is answered. The call goes on; its end is reported by fs_end. */
void fanout_leg_settle(struct fanout_leg *leg);

/* Stops (PAUSED != 0) or resumes reading LEG's response (http_call_pause); no-op once
 * its call ended. */
void fanout_leg_pause(struct fanout_leg *leg, int paused);

/* Changes the deadline of FO before fanout_start (what is left of a caller's own
 * deadline after an earlier step); a negative DEADLINE_MS counts as 0. */
void fanout_set_deadline(struct fanout *fo, int deadline_ms);

/* Sends every leg. DONE runs later from the event loop (also when there are no legs). */
void fanout_start(struct fanout *fo);

/* Leg access for the done callback. */
size_t fanout_nlegs(const struct fanout *fo);
struct fanout_leg *fanout_leg(struct fanout *fo, size_t i);

/* Returns a short English description of why LEG has no usable answer, or NULL when it
 * answered with HTTP 200 or a SOAP fault status. */
const char *fanout_leg_problem(const struct fanout_leg *leg);

/* Cancels what is still running and frees FO; NULL accepted. */
void fanout_free(struct fanout *fo);

#endif
