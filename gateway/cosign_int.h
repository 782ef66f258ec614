/*
 * gateway/cosign_int: what the two halves of checkpoint co-signing share (cosign.c: the
 * origin side; cosign_witness.c: the witness side): the wire names of gateway/cosign.h
 * and small helpers. Not for other modules.
 */
#ifndef HASHI_GATEWAY_COSIGN_INT_H
#define HASHI_GATEWAY_COSIGN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/str.h"

struct auditlog;
struct gw;

#define COSIGN_NS		"urn:hashi:1"
#define COSIGN_ST_SUCCESS	"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
#define COSIGN_ST_FAILURE	"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"
#define COSIGN_CURSOR_PREFIX	"cosign:"
#define COSIGN_CURSOR_MAX	32	/* AUDITLOG_CURSOR_MAX + NUL fits */
#define COSIGN_MAX_SIGS		4	/* Cosignature elements read from one answer */
/* Refusal reasons that are not witness verdicts (audit/witness.h names the others). */
#define COSIGN_R_NOT_CONFIGURED	"not-configured"

/* Appends the canonical base64 of DATA (LEN bytes) to SB. Returns 0 or -1. */
int cosign_put_b64(struct strbuf *sb, const uint8_t *data, size_t len);

/* Returns GW's audit log (borrowed, valid during the current event-loop turn only), or
 * NULL when it is not open (after a failure it is reopened by the next commit). */
struct auditlog *cosign_log(struct gw *gw);

#endif
