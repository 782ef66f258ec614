/*
 * gateway/cosign: peers co-sign each other's audit checkpoints over the existing mutual-TLS
 * links, so that one operator cannot fork or roll back its own log unseen (a witness keeps
 * the latest checkpoint of each peer it co-signed and refuses one that is not consistent
 * with it). A peer takes part when its configuration entry has audit_vkey (peers[].
 * audit_vkey: the peer's checkpoint verifier key, its audit-signing.key.pub).
 *
 * Exchange: a SOAP 1.2 request to the peer's query_url (its /xca), wsa:Action
 * ACTION_COSIGN ("urn:hashi:audit:1:CosignCheckpoint"), answered with ACTION_COSIGN_RESP:
 *
 *   <hashi:CosignRequest xmlns:hashi="urn:hashi:1">
 *     <hashi:Checkpoint>base64 of our signed checkpoint note</hashi:Checkpoint>
 *     <hashi:Consistency old="N">              (absent when we know of no size N)
 *       <hashi:Hash>base64 of 32 bytes</hashi:Hash>...   RFC 9162 proof N -> size
 *     </hashi:Consistency>
 *   </hashi:CosignRequest>
 *
 *   <hashi:CosignResponse xmlns:hashi="urn:hashi:1"
 *       status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success">
 *     <hashi:Cosignature>base64 of one signature line "— <name> <base64>\n"</hashi:Cosignature>
 *   </hashi:CosignResponse>
 *   or status="...:Failure" with
 *     <hashi:Refusal reason="R" known="M">why, in English</hashi:Refusal>
 *   R: conflict | rollback | fork | signature | malformed | not-configured | error;
 *   known: the size the witness co-signed last for that origin, when it has one.
 *
 * The cosignature is an ordinary C2SP signed-note signature (Ed25519, type 0x01) of the
 * witness's audit key over the checkpoint's note text; the origin appends it to its stored
 * note, which then carries two (or more) signatures. Verifiers ignore signatures of other
 * keys, so the note keeps verifying with the origin's key alone.
 *
 * As origin (cosign_checkpoint, after each new checkpoint): for every peer with an
 * audit_vkey, at most one request in flight (a checkpoint that arrives meanwhile is
 * replaced by the latest one when the request ends). N is the size that peer last
 * co-signed for us: cursor "cosign:<key id>" of our audit log, raised in the transaction
 * that stores its cosignature. A returned line is kept only when it verifies with the
 * peer's key over exactly our note. A "conflict" answer (the witness kept another size M,
 * e.g. because its answer to us was lost) is retried once at once with the proof from M;
 * an M beyond our own size means our log was rolled back or replaced. Nothing blocks or
 * fails the gateway: every failure is logged (at most once a minute per peer) and the next
 * checkpoint tries again.
 *
 * As witness (cosign_respond): the caller is a peer (dispatch checked its certificate);
 * without an audit_vkey for it the request is refused. The note must verify with that key
 * and its origin line must be the key's name; then audit/witness.h decides against the
 * checkpoint kept for that origin (first use accepted; smaller: rollback; same size, other
 * root: fork; larger: the proof must start at the kept size, else conflict, and verify,
 * else fork) and keeps the new one. Every decision is an ATNA checkpoint-cosign record
 * (object "origin@size", detail the reason, requesting region the peer's HCID; outcome 0
 * co-signed, 4 conflict, 12 rollback or fork, 8 anything malformed or failed), committed
 * before the answer leaves; a fork or rollback is also logged loudly for the operator.
 */
#ifndef HASHI_GATEWAY_COSIGN_H
#define HASHI_GATEWAY_COSIGN_H

#include <stddef.h>
#include <stdint.h>

struct exchange;
struct gw;

/* gw_audit's checkpoint hook: ARG is the struct gw; NOTE (LEN bytes) the new signed
 * checkpoint of tree size SIZE. Sends it to every peer with an audit_vkey, from the event
 * loop; never blocks and never fails the caller. */
void cosign_checkpoint(void *arg, const char *note, size_t len, uint64_t size);

/* The /xca handler of ACTION_COSIGN: answers and frees EX. */
void cosign_respond(struct exchange *ex);

/* Cancels GW's co-signing requests in flight and frees its per-peer state (gw_cosign).
 * Call at shutdown, before the HTTP client and the audit sink are freed. */
void cosign_stop(struct gw *gw);

#endif
