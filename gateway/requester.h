/*
 * gateway/requester: who asks, and why, when a clinician's request crosses regions. A local
 * system names the requesting user and the reason in a Hashi SOAP header block
 *   <hashi:Requester xmlns:hashi="urn:hashi:1"><hashi:user>…</hashi:user>
 *   <hashi:reason>…</hashi:reason></hashi:Requester>
 * (no mustUnderstand: gateways that do not know it ignore it); the initiating gateway passes
 * it on to the peers, and a responding gateway records it with every emergency
 * (break-glass) access, which it refuses without one. Text is kept as received, cut to the
 * field size at a UTF-8 boundary, with control characters replaced (it goes into logs).
 *
 * The purpose of a request is declared in a second block,
 *   <hashi:PurposeOfUse xmlns:hashi="urn:hashi:1">emergency</hashi:PurposeOfUse>
 * which the initiating gateway adds to every request it sends to a peer. The responding
 * gateway takes the purpose from the listener (the tunnel) a request arrived on, and
 * refuses a request whose declared purpose is another one (dispatch.c).
 */
#ifndef HASHI_GATEWAY_REQUESTER_H
#define HASHI_GATEWAY_REQUESTER_H

#include "common/str.h"

#define REQUESTER_NS		"urn:hashi:1"
#define REQUESTER_USER_MAX	128
#define REQUESTER_REASON_MAX	256
#define REQUESTER_PURPOSE_MAX	65	/* a purpose name (64, config_check_name) + NUL */

struct soap_msg;

struct requester {
	char	rq_user[REQUESTER_USER_MAX];
	char	rq_reason[REQUESTER_REASON_MAX];
	int	rq_present;	/* 1 when both user and reason are non-empty */
	char	rq_purpose[REQUESTER_PURPOSE_MAX];	/* declared purpose; "" = none */
};

/* Reads the Requester header block of MSG into R (user and reason zeroed when absent or
 * incomplete) and its PurposeOfUse block into rq_purpose ("" when absent). */
void requester_read(const struct soap_msg *msg, struct requester *r);

/* Appends R's header blocks to SB: Requester when present, PurposeOfUse when rq_purpose
 * is set. Returns 0 or -1. */
int requester_put(struct strbuf *sb, const struct requester *r);

#endif
