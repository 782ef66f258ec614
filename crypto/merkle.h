/*
 * crypto/merkle: the Merkle tree math of RFC 9162 §2.1 (same hashing as RFC 6962): leaf and
 * node hashes, the tree head of the first n leaves, inclusion and consistency proofs and
 * their verifiers. Facts: research/audit-consent-anchors.md (A2).
 *
 * Hashing: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), the tree
 * of no leaves has root SHA-256(""), a tree of n > 1 leaves is split at the largest power
 * of two k < n.
 *
 * Storage-independent: the caller keeps the hashes of the perfect subtrees, addressed as
 * (level, index): level 0 holds the leaf hashes, node (l, i) is the root of leaves
 * [i * 2^l, (i + 1) * 2^l). merkle_append writes the nodes a new leaf completes (at most
 * log2 n + 1 writes); merkle_root and the proof builders read O(log n) of them. Nothing
 * here allocates or keeps state, so every function is safe to call from any thread that
 * may use the callbacks.
 */
#ifndef HASHI_CRYPTO_MERKLE_H
#define HASHI_CRYPTO_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN	32
#define MERKLE_MAX_PATH	64	/* longest inclusion or consistency proof, in hashes */

/*
 * Reads the stored hash of perfect subtree node (LEVEL, INDEX) into OUT. ARG is the
 * caller's. Returns 0, or -1 if the node cannot be read (missing, storage error); the
 * failure is passed on to the caller of the merkle function.
 */
typedef int (*merkle_get_fn)(void *arg, uint64_t level, uint64_t index,
    uint8_t out[MERKLE_HASH_LEN]);

/* Stores HASH as node (LEVEL, INDEX). Returns 0, or -1 on a storage error. */
typedef int (*merkle_put_fn)(void *arg, uint64_t level, uint64_t index,
    const uint8_t hash[MERKLE_HASH_LEN]);

/*
 * OUT = SHA-256(0x00 || DATA[0..LEN)). DATA may be NULL when LEN is 0.
 * Returns 0, or -1 if OpenSSL fails (OUT is then undefined).
 */
int	merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_LEN]);

/*
 * OUT = SHA-256(0x01 || L || R). OUT may alias L or R.
 * Returns 0, or -1 if OpenSSL fails.
 */
int	merkle_node_hash(const uint8_t l[MERKLE_HASH_LEN], const uint8_t r[MERKLE_HASH_LEN],
	    uint8_t out[MERKLE_HASH_LEN]);

/*
 * Stores leaf hash LEAF as node (0, SIZE) of a tree that holds SIZE leaves, then every
 * perfect subtree node the new leaf completes (read back with GET, written with PUT). The
 * caller makes the writes atomic (one store transaction) and then counts SIZE + 1 leaves.
 * Returns 0, or -1 on a callback or OpenSSL failure or if SIZE is UINT64_MAX.
 */
int	merkle_append(uint64_t size, const uint8_t leaf[MERKLE_HASH_LEN], merkle_put_fn put,
	    merkle_get_fn get, void *arg);

/*
 * OUT = the tree head (MTH) of the first SIZE leaves, from the stored nodes.
 * SIZE 0 gives SHA-256(""). Returns 0, or -1 on a callback or OpenSSL failure.
 */
int	merkle_root(uint64_t size, merkle_get_fn get, void *arg, uint8_t out[MERKLE_HASH_LEN]);

/*
 * The audit path (RFC 9162 §2.1.3.1) of leaf INDEX in the tree of the first SIZE leaves,
 * written to PATH (room for MERKLE_MAX_PATH hashes, caller-owned), its length to *N
 * (0 for a one-leaf tree). Returns 0, or -1 if INDEX >= SIZE or a callback fails.
 */
int	merkle_inclusion_proof(uint64_t index, uint64_t size, merkle_get_fn get, void *arg,
	    uint8_t (*path)[MERKLE_HASH_LEN], size_t *n);

/*
 * The consistency proof (RFC 9162 §2.1.4.1) from the tree of the first OLD leaves to the
 * tree of the first NEW leaves, written to PATH (room for MERKLE_MAX_PATH hashes), its
 * length to *N; OLD == NEW gives the empty proof. Returns 0, or -1 if OLD is 0, OLD > NEW
 * or a callback fails.
 */
int	merkle_consistency_proof(uint64_t old, uint64_t new, merkle_get_fn get, void *arg,
	    uint8_t (*path)[MERKLE_HASH_LEN], size_t *n);

/*
 * RFC 9162 §2.1.3.2: whether PATH[0..N) proves leaf hash LEAF at INDEX in the tree of SIZE
 * leaves with head ROOT. For offline auditors: never aborts on any input.
 * Returns 1 valid, 0 invalid (including INDEX >= SIZE, a wrong length, OpenSSL failure).
 */
int	merkle_verify_inclusion(const uint8_t leaf[MERKLE_HASH_LEN], uint64_t index,
	    uint64_t size, const uint8_t (*path)[MERKLE_HASH_LEN], size_t n,
	    const uint8_t root[MERKLE_HASH_LEN]);

/*
 * RFC 9162 §2.1.4.2: whether PATH[0..N) proves that the tree of OLD leaves with head
 * OLDROOT is a prefix of the tree of NEW leaves with head NEWROOT. OLD == NEW is valid
 * only with an empty proof and equal heads; OLD == 0 (even with NEW == 0) and OLD > NEW
 * are invalid.
 * Returns 1 valid, 0 invalid; never aborts.
 */
int	merkle_verify_consistency(uint64_t old, uint64_t new,
	    const uint8_t oldroot[MERKLE_HASH_LEN], const uint8_t newroot[MERKLE_HASH_LEN],
	    const uint8_t (*path)[MERKLE_HASH_LEN], size_t n);

#endif
