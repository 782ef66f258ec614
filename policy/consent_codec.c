/* policy/consent_codec: the decision entry and record codecs (layouts in consent_int.h).
 * Everything read back is checked against its own lengths: a damaged value is refused as
 * CONSENT_E_CORRUPT and never read past. */
#include <stdlib.h>
#include <string.h>

#include "policy/consent_int.h"

enum cs_tag { T_ENTRY = 1, T_PATIENT, T_DOCID, T_SERIAL, T_ISSUER, T_WHY, T_DOC, T_SIG };

#define REC_MAGIC	'R'
#define REC_VERSION	1
#define REC_HDR		80
#define IDX_MAGIC	'I'
#define IDX_VERSION	1

static int
cs_strings(struct strbuf *sb, const char *tab, size_t width, size_t n)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		/* a row that fills its whole array has no NUL: refuse, never read past it */
		if ((len = strnlen(tab + i * width, width)) == width ||
		    strbuf_add(sb, tab + i * width, len + 1) != 0)
			return -1;
	}
	return 0;
}

int
cs_entry_encode(const struct consent_doc *d, const uint8_t *id, uint64_t seq, int status,
    struct strbuf *sb)
{
	uint8_t h[CS_ENTRY_HDR];
	size_t start = sb->sb_len, len;

	if (d->cd_nregions > CONSENT_REGIONS_MAX || d->cd_npurposes > CONSENT_PURPOSES_MAX ||
	    d->cd_nclasses > CONSENT_CLASSES_MAX)
		return CONSENT_E_INVALID;
	memset(h, 0, sizeof(h));
	h[2] = (uint8_t)status;
	h[3] = (uint8_t)d->cd_action;
	h[4] = d->cd_all_regions ? CS_F_ALL : 0;
	h[5] = (uint8_t)d->cd_nregions;
	h[6] = (uint8_t)d->cd_npurposes;
	h[7] = (uint8_t)d->cd_nclasses;
	memcpy(h + 8, id, CONSENT_ID_LEN);
	store_put_be64(h + 40, (uint64_t)d->cd_issued);
	store_put_be64(h + 48, (uint64_t)d->cd_from);
	store_put_be64(h + 56, (uint64_t)d->cd_to);
	store_put_be64(h + 64, seq);
	if (strbuf_add(sb, h, sizeof(h)) != 0 ||
	    cs_strings(sb, &d->cd_regions[0][0], MPI_HCID_MAX, d->cd_nregions) != 0 ||
	    cs_strings(sb, &d->cd_purposes[0][0], CONSENT_TOKEN_MAX, d->cd_npurposes) != 0 ||
	    cs_strings(sb, &d->cd_classes[0][0], CONSENT_TOKEN_MAX, d->cd_nclasses) != 0)
		return sb->sb_failed ? CONSENT_E_NOMEM : CONSENT_E_INVALID;
	if ((len = sb->sb_len - start) > 0xffff)
		return CONSENT_E_INVALID;
	sb->sb_data[start] = (char)(len >> 8);
	sb->sb_data[start + 1] = (char)len;
	return CONSENT_OK;
}

int
cs_entry_view(const uint8_t *p, size_t len, struct cs_entry *e)
{
	size_t nuls = 0, i, want;

	if (len < CS_ENTRY_HDR || (((size_t)p[0] << 8) | p[1]) != len)
		return -1;
	e->ce_off = 0;
	e->ce_len = len;
	e->ce_status = p[2], e->ce_action = p[3], e->ce_flags = p[4];
	e->ce_nreg = p[5], e->ce_npur = p[6], e->ce_ncls = p[7];
	e->ce_id = p + 8;
	e->ce_issued = (int64_t)store_get_be64(p + 40);
	e->ce_from = (int64_t)store_get_be64(p + 48);
	e->ce_to = (int64_t)store_get_be64(p + 56);
	e->ce_seq = store_get_be64(p + 64);
	e->ce_strings = (const char *)p + CS_ENTRY_HDR;
	e->ce_slen = len - CS_ENTRY_HDR;
	/* The strings must be exactly the announced number, each NUL-terminated, so that a
	 * reader walking them with strlen stays inside the entry. */
	want = (size_t)e->ce_nreg + e->ce_npur + e->ce_ncls;
	for (i = 0; i < e->ce_slen; i++)
		nuls += e->ce_strings[i] == '\0';
	if (nuls != want || (e->ce_slen > 0 && e->ce_strings[e->ce_slen - 1] != '\0'))
		return -1;
	if (e->ce_status > CONSENT_VOID ||
	    (e->ce_action != CONSENT_GRANT && e->ce_action != CONSENT_WITHDRAW))
		return -1;
	return 0;
}

int
cs_index_check(const uint8_t *v, size_t len, size_t *count)
{
	if (len < CS_INDEX_HDR || v[0] != IDX_MAGIC || v[1] != IDX_VERSION)
		return -1;
	*count = ((size_t)v[2] << 8) | v[3];
	return 0;
}

int
cs_entry_next(const uint8_t *v, size_t len, size_t *off, struct cs_entry *e)
{
	size_t elen;

	if (*off == len)
		return 0;
	if (*off > len || len - *off < 2)
		return -1;
	elen = ((size_t)v[*off] << 8) | v[*off + 1];
	if (elen > len - *off || cs_entry_view(v + *off, elen, e) != 0)
		return -1;
	e->ce_off = *off;
	*off += elen;
	return 1;
}

/* Copies N strings from *S (advanced) into TAB (N rows of WIDTH). -1 if one is too long. */
static int
cs_take_strings(const char **s, char *tab, size_t width, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (str_copy(tab + i * width, width, *s) != 0)
			return -1;
		*s += strlen(*s) + 1;
	}
	return 0;
}

int
cs_entry_doc(const struct cs_entry *e, struct consent_doc *d)
{
	const char *s = e->ce_strings;

	if (e->ce_nreg > CONSENT_REGIONS_MAX || e->ce_npur > CONSENT_PURPOSES_MAX ||
	    e->ce_ncls > CONSENT_CLASSES_MAX)
		return -1;
	d->cd_action = (enum consent_action)e->ce_action;
	d->cd_all_regions = (e->ce_flags & CS_F_ALL) != 0;
	d->cd_issued = e->ce_issued;
	d->cd_from = e->ce_from;
	d->cd_to = e->ce_to;
	d->cd_nregions = e->ce_nreg;
	d->cd_npurposes = e->ce_npur;
	d->cd_nclasses = e->ce_ncls;
	if (cs_take_strings(&s, &d->cd_regions[0][0], MPI_HCID_MAX, e->ce_nreg) != 0 ||
	    cs_take_strings(&s, &d->cd_purposes[0][0], CONSENT_TOKEN_MAX, e->ce_npur) != 0 ||
	    cs_take_strings(&s, &d->cd_classes[0][0], CONSENT_TOKEN_MAX, e->ce_ncls) != 0)
		return -1;
	return 0;
}

static int
cs_tag_put(struct strbuf *sb, uint8_t tag, const void *p, size_t n)
{
	uint8_t h[5] = { tag, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
	    (uint8_t)n };

	if (n > 0xffffffffu || (n > 0 && p == NULL))
		return -1;
	if (n == 0)
		return 0;
	if (strbuf_add(sb, h, sizeof(h)) != 0 || strbuf_add(sb, p, n) != 0)
		return -1;
	return 0;
}

int
cs_rec_encode(const struct consent_info *ci, const uint8_t *entry, size_t elen,
    const uint8_t *doc, size_t doclen, const uint8_t *sig, size_t siglen,
    struct strbuf *sb)
{
	uint8_t h[REC_HDR];
	uint32_t reason = (uint32_t)ci->ci_revoked_reason;

	memset(h, 0, sizeof(h));
	h[0] = REC_MAGIC;
	h[1] = REC_VERSION;
	h[2] = (uint8_t)ci->ci_status;
	h[4] = (uint8_t)(reason >> 24), h[5] = (uint8_t)(reason >> 16);
	h[6] = (uint8_t)(reason >> 8), h[7] = (uint8_t)reason;
	store_put_be64(h + 8, ci->ci_seq);
	store_put_be64(h + 16, (uint64_t)ci->ci_verified_at);
	store_put_be64(h + 24, (uint64_t)ci->ci_signing_time);
	store_put_be64(h + 32, (uint64_t)ci->ci_voided_at);
	store_put_be64(h + 40, (uint64_t)ci->ci_revoked_at);
	memcpy(h + 48, ci->ci_cert_sha256, JPKI_SHA256_LEN);
	if (strbuf_add(sb, h, sizeof(h)) != 0 ||
	    cs_tag_put(sb, T_ENTRY, entry, elen) != 0 ||
	    cs_tag_put(sb, T_PATIENT, ci->ci_doc.cd_patient, strlen(ci->ci_doc.cd_patient)) ||
	    cs_tag_put(sb, T_DOCID, ci->ci_doc.cd_docid, strlen(ci->ci_doc.cd_docid)) != 0 ||
	    cs_tag_put(sb, T_SERIAL, ci->ci_serial, strlen(ci->ci_serial)) != 0 ||
	    cs_tag_put(sb, T_ISSUER, ci->ci_issuer, strlen(ci->ci_issuer)) != 0 ||
	    cs_tag_put(sb, T_WHY, ci->ci_void_why, strlen(ci->ci_void_why)) != 0 ||
	    cs_tag_put(sb, T_DOC, doc, doclen) != 0 || cs_tag_put(sb, T_SIG, sig, siglen) != 0)
		return sb->sb_failed ? CONSENT_E_NOMEM : CONSENT_E_INVALID;
	return CONSENT_OK;
}

/* Copies text field P[0..N) into OUT (OUTSZ, NUL added). -1 when too long or has a NUL. */
static int
cs_text(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	if (n >= outsz || memchr(p, '\0', n) != NULL)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
cs_blob(const uint8_t *p, size_t n, struct consent_blob *b)
{
	if (b == NULL)
		return 0;
	free(b->cb_data);
	if ((b->cb_data = malloc(n)) == NULL)
		return -1;
	memcpy(b->cb_data, p, n);
	b->cb_len = n;
	return 0;
}

/* Decodes tagged field TAG = P[0..N) into CI / DOC / SIG. CONSENT_OK or an error. */
static int
cs_rec_field(uint8_t tag, const uint8_t *p, size_t n, struct consent_info *ci,
    struct consent_blob *doc, struct consent_blob *sig)
{
	struct consent_doc *d = &ci->ci_doc;
	struct cs_entry e;

	switch (tag) {
	case T_ENTRY:
		if (cs_entry_view(p, n, &e) != 0 || cs_entry_doc(&e, d) != 0)
			return CONSENT_E_CORRUPT;
		ci->ci_status = (enum consent_status)e.ce_status;
		return CONSENT_OK;
	case T_PATIENT:
		return cs_text(p, n, d->cd_patient, sizeof(d->cd_patient)) ? CONSENT_E_CORRUPT : 0;
	case T_DOCID:
		return cs_text(p, n, d->cd_docid, sizeof(d->cd_docid)) ? CONSENT_E_CORRUPT : 0;
	case T_SERIAL:
		return cs_text(p, n, ci->ci_serial, sizeof(ci->ci_serial)) ? CONSENT_E_CORRUPT : 0;
	case T_ISSUER:
		return cs_text(p, n, ci->ci_issuer, sizeof(ci->ci_issuer)) ? CONSENT_E_CORRUPT : 0;
	case T_WHY:
		return cs_text(p, n, ci->ci_void_why, sizeof(ci->ci_void_why)) ?
		    CONSENT_E_CORRUPT : 0;
	case T_DOC:
		return cs_blob(p, n, doc) ? CONSENT_E_NOMEM : CONSENT_OK;
	case T_SIG:
		return cs_blob(p, n, sig) ? CONSENT_E_NOMEM : CONSENT_OK;
	}
	return CONSENT_OK;	/* a tag of a later version */
}

int
cs_rec_decode(const uint8_t *v, size_t len, struct consent_info *ci,
    struct consent_blob *doc, struct consent_blob *sig)
{
	size_t off = REC_HDR, n;
	int rc, seen_entry = 0;

	memset(ci, 0, sizeof(*ci));
	if (len < REC_HDR || v[0] != REC_MAGIC || v[1] != REC_VERSION)
		return CONSENT_E_CORRUPT;
	ci->ci_revoked_reason = (int)(int32_t)(((uint32_t)v[4] << 24) |
	    ((uint32_t)v[5] << 16) | ((uint32_t)v[6] << 8) | v[7]);
	ci->ci_seq = store_get_be64(v + 8);
	ci->ci_verified_at = (int64_t)store_get_be64(v + 16);
	ci->ci_signing_time = (int64_t)store_get_be64(v + 24);
	ci->ci_voided_at = (int64_t)store_get_be64(v + 32);
	ci->ci_revoked_at = (int64_t)store_get_be64(v + 40);
	memcpy(ci->ci_cert_sha256, v + 48, JPKI_SHA256_LEN);
	while (off < len) {
		if (len - off < 5)
			return CONSENT_E_CORRUPT;
		n = ((size_t)v[off + 1] << 24) | ((size_t)v[off + 2] << 16) |
		    ((size_t)v[off + 3] << 8) | v[off + 4];
		if (n > len - off - 5)
			return CONSENT_E_CORRUPT;
		seen_entry |= v[off] == T_ENTRY;
		if ((rc = cs_rec_field(v[off], v + off + 5, n, ci, doc, sig)) != CONSENT_OK)
			return rc;
		off += 5 + n;
	}
	/* The header's status byte is authoritative for the record; the entry's must agree. */
	if (!seen_entry || (uint8_t)ci->ci_status != v[2])
		return CONSENT_E_CORRUPT;
	return CONSENT_OK;
}
