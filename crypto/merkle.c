/*
 * crypto/merkle.c: RFC 9162 §2.1 Merkle tree hashes, proofs and verifiers over a store of
 * perfect-subtree nodes. See merkle.h.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/merkle.h"

int
merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_LEN])
{
	static const uint8_t prefix = 0x00;
	EVP_MD_CTX *ctx;
	unsigned int olen = 0;
	int ret = -1;

	/* A context rather than a copy into one buffer: leaf data may be large. */
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, &prefix, 1) != 1 ||
	    (len > 0 && EVP_DigestUpdate(ctx, data, len) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, &olen) != 1 || olen != MERKLE_HASH_LEN)
		goto done;
	ret = 0;
done:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int
merkle_node_hash(const uint8_t l[MERKLE_HASH_LEN], const uint8_t r[MERKLE_HASH_LEN],
    uint8_t out[MERKLE_HASH_LEN])
{
	uint8_t buf[1 + 2 * MERKLE_HASH_LEN];
	unsigned int olen = 0;

	/* Copied first so that OUT may alias L or R. */
	buf[0] = 0x01;
	memcpy(buf + 1, l, MERKLE_HASH_LEN);
	memcpy(buf + 1 + MERKLE_HASH_LEN, r, MERKLE_HASH_LEN);
	if (EVP_Digest(buf, sizeof(buf), out, &olen, EVP_sha256(), NULL) != 1 ||
	    olen != MERKLE_HASH_LEN)
		return -1;
	return 0;
}

/* Largest power of two strictly below N (N >= 2): the RFC's split point k. */
static uint64_t
split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

/*
 * OUT = MTH(D[start : start + m]), m >= 1, where START is a multiple of the smallest power
 * of two >= M (true of every subtree the RFC's recursion visits). Such a range is the
 * perfect subtrees of m's binary digits, largest first, each aligned to its own size, so
 * it costs popcount(m) reads; they are folded right to left as the split rule nests them.
 */
static int
range_hash(uint64_t start, uint64_t m, merkle_get_fn get, void *arg,
    uint8_t out[MERKLE_HASH_LEN])
{
	uint8_t node[MERKLE_HASH_LEN];
	uint64_t lvl[64], idx[64], off = start;
	int cnt = 0, i, level;

	for (level = 63; level >= 0; level--) {
		if ((m >> level) & 1) {
			lvl[cnt] = (uint64_t)level;
			idx[cnt] = off >> level;
			off += (uint64_t)1 << level;
			cnt++;
		}
	}
	if (cnt == 0)
		return -1;
	if (get(arg, lvl[cnt - 1], idx[cnt - 1], out) != 0)
		return -1;
	for (i = cnt - 2; i >= 0; i--) {
		if (get(arg, lvl[i], idx[i], node) != 0 ||
		    merkle_node_hash(node, out, out) != 0)
			return -1;
	}
	return 0;
}

int
merkle_append(uint64_t size, const uint8_t leaf[MERKLE_HASH_LEN], merkle_put_fn put,
    merkle_get_fn get, void *arg)
{
	uint8_t h[MERKLE_HASH_LEN], left[MERKLE_HASH_LEN];
	uint64_t idx = size, level = 0;

	if (size == UINT64_MAX)
		return -1;
	memcpy(h, leaf, MERKLE_HASH_LEN);
	if (put(arg, 0, size, h) != 0)
		return -1;
	/* Each odd index closes a pair: its parent is complete and gets stored. */
	while (idx & 1) {
		if (get(arg, level, idx - 1, left) != 0 ||
		    merkle_node_hash(left, h, h) != 0)
			return -1;
		idx >>= 1;
		level++;
		if (put(arg, level, idx, h) != 0)
			return -1;
	}
	return 0;
}

int
merkle_root(uint64_t size, merkle_get_fn get, void *arg, uint8_t out[MERKLE_HASH_LEN])
{
	unsigned int olen = 0;

	if (size == 0) {
		if (EVP_Digest("", 0, out, &olen, EVP_sha256(), NULL) != 1 ||
		    olen != MERKLE_HASH_LEN)
			return -1;
		return 0;
	}
	return range_hash(0, size, get, arg, out);
}

/* Writes the N hashes of SIB in reverse order after PATH[*pos], innermost first. */
static void
put_reversed(uint8_t (*path)[MERKLE_HASH_LEN], size_t *pos,
    uint8_t (*sib)[MERKLE_HASH_LEN], size_t n)
{
	while (n > 0) {
		n--;
		memcpy(path[*pos], sib[n], MERKLE_HASH_LEN);
		(*pos)++;
	}
}

int
merkle_inclusion_proof(uint64_t index, uint64_t size, merkle_get_fn get, void *arg,
    uint8_t (*path)[MERKLE_HASH_LEN], size_t *n)
{
	uint8_t sib[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	uint64_t m = index, start = 0, len = size, k;
	size_t cnt = 0;

	*n = 0;
	if (index >= size)
		return -1;
	/*
	 * PATH(m, D[start:start+len]) walked from the top down; the RFC lists the siblings
	 * from the leaf up, hence the reversal at the end.
	 */
	while (len > 1) {
		if (cnt >= MERKLE_MAX_PATH)
			return -1;
		k = split_point(len);
		if (m < k) {
			if (range_hash(start + k, len - k, get, arg, sib[cnt]) != 0)
				return -1;
			len = k;
		} else {
			if (range_hash(start, k, get, arg, sib[cnt]) != 0)
				return -1;
			m -= k;
			start += k;
			len -= k;
		}
		cnt++;
	}
	put_reversed(path, n, sib, cnt);
	return 0;
}

int
merkle_consistency_proof(uint64_t old, uint64_t new, merkle_get_fn get, void *arg,
    uint8_t (*path)[MERKLE_HASH_LEN], size_t *n)
{
	uint8_t sib[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
	uint64_t m = old, start = 0, len = new, k;
	size_t cnt = 0;
	int whole = 1;	/* the RFC's b: m is still the whole old tree */

	*n = 0;
	if (old == 0 || old > new)
		return -1;
	if (old == new)
		return 0;
	/* SUBPROOF(m, D[start:start+len], b) walked from the top down (RFC 9162 §2.1.4.1). */
	while (m != len) {
		if (cnt >= MERKLE_MAX_PATH)
			return -1;
		k = split_point(len);
		if (m <= k) {
			if (range_hash(start + k, len - k, get, arg, sib[cnt]) != 0)
				return -1;
			len = k;
		} else {
			if (range_hash(start, k, get, arg, sib[cnt]) != 0)
				return -1;
			m -= k;
			start += k;
			len -= k;
			whole = 0;
		}
		cnt++;
	}
	if (!whole) {
		/* The old tree's own subtree is not known to the verifier: send it first. */
		if (range_hash(start, m, get, arg, path[0]) != 0)
			return -1;
		*n = 1;
	}
	if (*n + cnt > MERKLE_MAX_PATH)
		return -1;
	put_reversed(path, n, sib, cnt);
	return 0;
}

/* Shifts FN and SN right together until FN's low bit is set or FN is 0. */
static void
shift_to_set_bit(uint64_t *fn, uint64_t *sn)
{
	while ((*fn & 1) == 0 && *fn != 0) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

int
merkle_verify_inclusion(const uint8_t leaf[MERKLE_HASH_LEN], uint64_t index,
    uint64_t size, const uint8_t (*path)[MERKLE_HASH_LEN], size_t n,
    const uint8_t root[MERKLE_HASH_LEN])
{
	uint8_t r[MERKLE_HASH_LEN];
	uint64_t fn = index, sn;
	size_t i;

	if (index >= size || n > MERKLE_MAX_PATH || (n > 0 && path == NULL))
		return 0;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH_LEN);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			if (merkle_node_hash(path[i], r, r) != 0)
				return 0;
			if ((fn & 1) == 0)
				shift_to_set_bit(&fn, &sn);
		} else if (merkle_node_hash(r, path[i], r) != 0) {
			return 0;
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && CRYPTO_memcmp(r, root, MERKLE_HASH_LEN) == 0;
}

/* The loop of RFC 9162 §2.1.4.2 step 6 over PATH[1..N) (N >= 1); 0 on a bad shape. */
static int
consistency_fold(uint64_t old, uint64_t new, const uint8_t (*path)[MERKLE_HASH_LEN],
    size_t n, const uint8_t *seed, uint8_t fr[MERKLE_HASH_LEN], uint8_t sr[MERKLE_HASH_LEN])
{
	uint64_t fn = old - 1, sn = new - 1;
	size_t i;

	while ((fn & 1) == 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, seed, MERKLE_HASH_LEN);
	memcpy(sr, seed, MERKLE_HASH_LEN);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			if (merkle_node_hash(path[i], fr, fr) != 0 ||
			    merkle_node_hash(path[i], sr, sr) != 0)
				return 0;
			if ((fn & 1) == 0)
				shift_to_set_bit(&fn, &sn);
		} else if (merkle_node_hash(sr, path[i], sr) != 0) {
			return 0;
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0;
}

int
merkle_verify_consistency(uint64_t old, uint64_t new,
    const uint8_t oldroot[MERKLE_HASH_LEN], const uint8_t newroot[MERKLE_HASH_LEN],
    const uint8_t (*path)[MERKLE_HASH_LEN], size_t n)
{
	uint8_t fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];

	/* As upstream (transparency-dev/merkle): a proof from the empty tree proves nothing. */
	if (old == 0 || old > new || n > MERKLE_MAX_PATH || (n > 0 && path == NULL))
		return 0;
	if (old == new)
		return n == 0 && CRYPTO_memcmp(oldroot, newroot, MERKLE_HASH_LEN) == 0;
	if (n == 0)
		return 0;
	/* A power-of-two old tree is a node of the new one: its head starts the path. */
	if ((old & (old - 1)) == 0) {
		if (!consistency_fold(old, new, path, n, oldroot, fr, sr))
			return 0;
	} else if (!consistency_fold(old, new, path + 1, n - 1, path[0], fr, sr)) {
		return 0;
	}
	return CRYPTO_memcmp(fr, oldroot, MERKLE_HASH_LEN) == 0 &&
	    CRYPTO_memcmp(sr, newroot, MERKLE_HASH_LEN) == 0;
}
