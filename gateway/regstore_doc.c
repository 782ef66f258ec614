/* gateway/regstore_doc: document bytes in the embedded repository. A document is stored as
 * REGSTORE_CHUNK-sized records so that neither a submission nor a retrieve ever holds
 * more than one chunk of it in memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/log.h"
#include "common/str.h"
#include "gateway/regstore_int.h"

/* doc2info value: size (u64 BE), chunk count (u32 BE), SHA-1 hex (40), mime type. */
#define RS_INFO_FIXED	(8 + 4 + 40)

static void
rs_be_put(uint8_t *p, uint64_t v, int bytes)
{
	int i;

	for (i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)(v & 0xff);
}

static uint64_t
rs_be_get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < bytes; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Builds the doc2chunk key of chunk INDEX of UID into KEY (>= RS_MAX_KEYTEXT + 4). */
static size_t
rs_chunk_key(uint8_t *key, const char *uid, uint32_t index)
{
	size_t n = strlen(uid);

	memcpy(key, uid, n);
	rs_be_put(key + n, index, 4);
	return n + 4;
}

/* Reads up to N bytes, stopping early only at end of file. Returns the count or -1. */
static ssize_t
rs_read_full(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, buf + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int
rs_open_content(const char *path, int *mdbrc)
{
	struct stat sb;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		*mdbrc = errno;
		log_warn("regstore: open %s", path);
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		*mdbrc = EINVAL;
		log_warnx("regstore: %s is not a regular file", path);
		close(fd);
		return -1;
	}
	return fd;
}

static void
rs_hex(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int
rs_doc_stream(struct regstore *rs, MDB_txn *txn, const char *doc_uid,
    const struct regstore_content *c, struct regstore_docinfo *info, int *mdbrc)
{
	uint8_t key[RS_MAX_KEYTEXT + 4], md[EVP_MAX_MD_SIZE], *buf = NULL;
	const uint8_t *p;
	EVP_MD_CTX *mdc = NULL;
	unsigned int mdlen = 0;
	uint64_t size = 0;
	uint32_t idx = 0;
	ssize_t n;
	int fd = -1, ret = -1;

	*mdbrc = ENOMEM;
	if (strlen(doc_uid) > RS_MAX_KEYTEXT) {
		*mdbrc = EINVAL;
		return -1;
	}
	if ((mdc = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex(mdc, EVP_sha1(), NULL))
		goto done;
	if (c->rc_path != NULL) {
		if ((fd = rs_open_content(c->rc_path, mdbrc)) == -1)
			goto done;
		if ((buf = malloc(REGSTORE_CHUNK)) == NULL)
			goto done;
	} else if (c->rc_data == NULL && c->rc_len != 0) {
		*mdbrc = EINVAL;
		goto done;
	}
	for (;;) {
		if (fd != -1) {
			if ((n = rs_read_full(fd, buf, REGSTORE_CHUNK)) == -1) {
				*mdbrc = errno;
				log_warn("regstore: read %s", c->rc_path);
				goto done;
			}
			p = buf;
		} else {
			n = (ssize_t)(c->rc_len - size < REGSTORE_CHUNK ?
			    c->rc_len - size : REGSTORE_CHUNK);
			p = c->rc_data + size;
		}
		if (n == 0)
			break;
		if (idx == UINT32_MAX) {
			*mdbrc = EFBIG;
			goto done;
		}
		if (!EVP_DigestUpdate(mdc, p, (size_t)n))
			goto done;
		if (txn != NULL && (*mdbrc = store_put(txn, RS_DBI(rs, RS_DOC2CHUNK), key,
		    rs_chunk_key(key, doc_uid, idx), p, (size_t)n, 0)) != 0)
			goto done;
		size += (uint64_t)n;
		idx++;
	}
	if (!EVP_DigestFinal_ex(mdc, md, &mdlen) || mdlen != 20)
		goto done;
	rs_hex(md, mdlen, info->rd_sha1);
	info->rd_size = size;
	info->rd_nchunks = idx;
	*mdbrc = 0;
	ret = 0;
done:
	if (fd != -1)
		close(fd);
	free(buf);
	EVP_MD_CTX_free(mdc);
	return ret;
}

int
rs_doc_info_put(struct regstore *rs, MDB_txn *txn, const char *doc_uid,
    const struct regstore_docinfo *info)
{
	uint8_t v[RS_INFO_FIXED + sizeof(info->rd_mime)];
	size_t mlen = strnlen(info->rd_mime, sizeof(info->rd_mime) - 1);

	rs_be_put(v, info->rd_size, 8);
	rs_be_put(v + 8, info->rd_nchunks, 4);
	memcpy(v + 12, info->rd_sha1, 40);
	memcpy(v + RS_INFO_FIXED, info->rd_mime, mlen);
	return store_put(txn, RS_DBI(rs, RS_DOC2INFO), doc_uid, strlen(doc_uid), v,
	    RS_INFO_FIXED + mlen, MDB_NOOVERWRITE);
}

int
rs_doc_info_get(struct regstore *rs, MDB_txn *txn, const char *doc_uid,
    struct regstore_docinfo *info)
{
	const uint8_t *p;
	size_t mlen;
	MDB_val v;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = store_get(txn, RS_DBI(rs, RS_DOC2INFO), doc_uid, strlen(doc_uid), &v);
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc != 0 || v.mv_size < RS_INFO_FIXED) {
		log_warnx("regstore: doc info: %s", rc ? store_strerror(rc) : "damaged record");
		return -1;
	}
	p = v.mv_data;
	info->rd_size = rs_be_get(p, 8);
	info->rd_nchunks = (uint32_t)rs_be_get(p + 8, 4);
	memcpy(info->rd_sha1, p + 12, 40);
	info->rd_sha1[40] = '\0';
	mlen = v.mv_size - RS_INFO_FIXED;
	if (mlen >= sizeof(info->rd_mime))
		mlen = sizeof(info->rd_mime) - 1;
	memcpy(info->rd_mime, p + RS_INFO_FIXED, mlen);
	info->rd_mime[mlen] = '\0';
	return 0;
}

int
regstore_doc_info(struct regstore *rs, const char *doc_uid, struct regstore_docinfo *info)
{
	MDB_txn *txn;
	int rc, ret;

	memset(info, 0, sizeof(*info));
	if (doc_uid == NULL || *doc_uid == '\0' || strlen(doc_uid) > RS_MAX_KEYTEXT)
		return 1;
	if ((rc = store_begin(rs->rs_st, 1, &txn)) != 0) {
		log_warnx("regstore: read txn: %s", store_strerror(rc));
		return -1;
	}
	ret = rs_doc_info_get(rs, txn, doc_uid, info);
	store_abort(txn);
	return ret;
}

int
regstore_doc_chunk(struct regstore *rs, const char *doc_uid, uint32_t index,
    uint8_t *buf, size_t *lenp)
{
	uint8_t key[RS_MAX_KEYTEXT + 4];
	MDB_txn *txn;
	MDB_val v;
	int rc, ret = -1;

	*lenp = 0;
	if (doc_uid == NULL || *doc_uid == '\0' || strlen(doc_uid) > RS_MAX_KEYTEXT)
		return 1;
	if ((rc = store_begin(rs->rs_st, 1, &txn)) != 0) {
		log_warnx("regstore: read txn: %s", store_strerror(rc));
		return -1;
	}
	rc = store_get(txn, RS_DBI(rs, RS_DOC2CHUNK), key, rs_chunk_key(key, doc_uid, index),
	    &v);
	if (rc == MDB_NOTFOUND) {
		ret = 1;
	} else if (rc != 0) {
		log_warnx("regstore: chunk read: %s", store_strerror(rc));
	} else if (v.mv_size > REGSTORE_CHUNK) {
		log_warnx("regstore: chunk of %zu bytes is larger than REGSTORE_CHUNK",
		    v.mv_size);
	} else {
		memcpy(buf, v.mv_data, v.mv_size);
		*lenp = v.mv_size;
		ret = 0;
	}
	store_abort(txn);
	return ret;
}
