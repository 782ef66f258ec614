/*
 * gateway/cosign: peers co-sign each other's audit checkpoints over the existing mutual-TLS
 * links, so that one operator cannot fork or roll back its own log unseen (a witness keeps
 * the latest checkpoint of each peer it co-signed and refuses one that is not consistent
 * with it). A peer takes part when its configuration entry has audit_vkey (peers[].
 * audit_vkey: the peer's checkpoint verifier key).
 *
 * As origin: after each new checkpoint, hashid sends it (action ACTION_COSIGN to the peer's
 * /xca) with a consistency proof from the size that peer last co-signed, verifies the
 * cosignature that comes back with the peer's key and adds it to the stored note.
 * As witness: cosign_respond checks the origin's signature, the proof against what it
 * co-signed before, records the outcome (ATNA_COSIGN; a fork is a refused, major-failure
 * record) and answers with its own signature line.
 */
#ifndef HASHI_GATEWAY_COSIGN_H
#define HASHI_GATEWAY_COSIGN_H

#include <stddef.h>
#include <stdint.h>

struct exchange;

/* gw_audit's checkpoint hook: ARG is the struct gw; NOTE (LEN bytes) the new signed
 * checkpoint of tree size SIZE. Sends it to every peer with an audit_vkey, from the event
 * loop; never blocks and never fails the caller. */
void cosign_checkpoint(void *arg, const char *note, size_t len, uint64_t size);

/* The /xca handler of ACTION_COSIGN: answers and frees EX. */
void cosign_respond(struct exchange *ex);

#endif
