/*
 * mpi/mpi_rec: the patient record as stored in pid2rec, and the normalised keys it carries.
 *
 * Layout (version 1): 'P', version byte, NORM_VERSION (u16 BE), created (i64 BE), updated
 * (i64 BE), then tagged fields: tag (u8), length (u16 BE), bytes ending in a NUL (so that a
 * batch reader can hand out pointers into the map without copying). Empty values are left
 * out. A reader skips tags it does not know, so later versions may add fields without
 * rewriting old records.
 *
 * The summary (pid2sum) is a derived copy of what the batch reader returns, kept small so
 * that a million random lookups a second stay within reach of the CPU caches (a full
 * record is ~500 bytes, a summary ~60): 'S', version, sex, birth (8 bytes + NUL), then
 * id, family, given, family kana, given kana, each NUL-terminated. The raw values and the keys derived from them are both kept: the
 * keys say exactly what the indexes and the matching saw, under which normaliser version.
 */
#include <stddef.h>
#include <string.h>

#include "common/store.h"
#include "common/str.h"
#include "mpi/mpi_int.h"
#include "mpi/norm.h"

#define REC_MAGIC	'P'
#define REC_VERSION	1
#define REC_HDR		20
#define SUM_MAGIC	'S'

enum rec_tag {
	T_ID = 1, T_FAMILY, T_GIVEN, T_KFAMILY, T_KGIVEN, T_BIRTH, T_SEX, T_POSTAL, T_ADDR,
	T_PHONE, T_FAC,
	K_FAMILY = 32, K_GIVEN, K_KFAMILY, K_KGIVEN, K_LFAMILY, K_LGIVEN, K_BIRTH, K_SEX,
	K_POSTAL, K_ADDR, K_AREA, K_PHONE
};

/* Where each single-valued text tag lives: in struct mpi_demog (T_*) or struct mpi_keys
 * (K_*), at RF_OFF, in an array of RF_SIZE bytes. */
static const struct rec_field {
	uint8_t	rf_tag;
	size_t	rf_off;
	size_t	rf_size;
} rec_fields[] = {
	{ T_FAMILY, offsetof(struct mpi_demog, md_kanji.mn_family), MPI_NAME_MAX },
	{ T_GIVEN, offsetof(struct mpi_demog, md_kanji.mn_given), MPI_NAME_MAX },
	{ T_KFAMILY, offsetof(struct mpi_demog, md_kana.mn_family), MPI_NAME_MAX },
	{ T_KGIVEN, offsetof(struct mpi_demog, md_kana.mn_given), MPI_NAME_MAX },
	{ T_BIRTH, offsetof(struct mpi_demog, md_birth), 9 },
	{ T_POSTAL, offsetof(struct mpi_demog, md_postal), 8 },
	{ T_ADDR, offsetof(struct mpi_demog, md_addr), MPI_ADDR_MAX },
	{ T_PHONE, offsetof(struct mpi_demog, md_phone), 32 },
	{ K_FAMILY, offsetof(struct mpi_keys, mk_family), MPI_KEY_MAX },
	{ K_GIVEN, offsetof(struct mpi_keys, mk_given), MPI_KEY_MAX },
	{ K_KFAMILY, offsetof(struct mpi_keys, mk_kfamily), MPI_KEY_MAX },
	{ K_KGIVEN, offsetof(struct mpi_keys, mk_kgiven), MPI_KEY_MAX },
	{ K_LFAMILY, offsetof(struct mpi_keys, mk_lfamily), MPI_KEY_MAX },
	{ K_LGIVEN, offsetof(struct mpi_keys, mk_lgiven), MPI_KEY_MAX },
	{ K_BIRTH, offsetof(struct mpi_keys, mk_birth), 9 },
	{ K_POSTAL, offsetof(struct mpi_keys, mk_postal), 8 },
	{ K_ADDR, offsetof(struct mpi_keys, mk_addr), MPI_ADDR_MAX },
	{ K_AREA, offsetof(struct mpi_keys, mk_area), MPI_ADDR_MAX },
	{ K_PHONE, offsetof(struct mpi_keys, mk_phone), 32 },
};
#define REC_NFIELDS	(sizeof(rec_fields) / sizeof(rec_fields[0]))

/* Normalises IN with FN into OUT unless IN is empty (then OUT is empty). */
static int
mpi_norm1(int (*fn)(const char *, char *, size_t), const char *in, char *out, size_t outsz)
{
	out[0] = '\0';
	if (in[0] == '\0')
		return 0;
	return fn(in, out, outsz);
}

int
mpi_keys_make(const struct mpi_demog *d, int strict, struct mpi_keys *k, const char **why)
{
	char sex[2] = { d->md_sex, '\0' }, sexk[2] = { 0, 0 };

	memset(k, 0, sizeof(*k));
	k->mk_version = NORM_VERSION;
	*why = NULL;
	if (strict > 0 && d->md_kanji.mn_family[0] == '\0' && d->md_kana.mn_family[0] == '\0')
		*why = "a family name (kanji or kana) is required";
	else if ((strict > 0 || d->md_birth[0] != '\0') &&
	    (d->md_birth[0] == '\0' || norm_birth(d->md_birth, k->mk_birth) != 0))
		*why = "birth is missing or not a date";
	else if ((strict > 0 || d->md_sex != 0) &&
	    (d->md_sex == 0 || norm_sex(sex, sexk) != 0 || sexk[0] == '\0'))
		*why = "sex is missing or not M, F, O or U";
	else if (mpi_norm1(norm_name, d->md_kanji.mn_family, k->mk_family, MPI_KEY_MAX) ||
	    mpi_norm1(norm_name, d->md_kanji.mn_given, k->mk_given, MPI_KEY_MAX))
		*why = "name does not normalise";
	else if (mpi_norm1(norm_kana, d->md_kana.mn_family, k->mk_kfamily, MPI_KEY_MAX) ||
	    mpi_norm1(norm_kana, d->md_kana.mn_given, k->mk_kgiven, MPI_KEY_MAX) ||
	    mpi_norm1(norm_kana_loose, d->md_kana.mn_family, k->mk_lfamily, MPI_KEY_MAX) ||
	    mpi_norm1(norm_kana_loose, d->md_kana.mn_given, k->mk_lgiven, MPI_KEY_MAX))
		*why = "kana name does not normalise (not kana?)";
	else if (strict < 0)
		;	/* the index keys only: a search needs no more */
	else if (d->md_postal[0] != '\0' && norm_postal(d->md_postal, k->mk_postal) != 0)
		*why = "postal code does not normalise";
	else if (mpi_norm1(norm_addr, d->md_addr, k->mk_addr, MPI_ADDR_MAX))
		*why = "address does not normalise";
	/* An address whose area cannot be told, or a phone written with words, is still a
	 * patient's address or phone: the key stays empty and matching does without it. */
	if (*why == NULL && strict >= 0 &&
	    mpi_norm1(norm_addr_area, d->md_addr, k->mk_area, MPI_ADDR_MAX))
		k->mk_area[0] = '\0';
	if (*why == NULL && strict >= 0 && mpi_norm1(norm_phone, d->md_phone, k->mk_phone,
	    sizeof(k->mk_phone)))
		k->mk_phone[0] = '\0';
	k->mk_sex = sexk[0];
	return *why == NULL ? MPI_OK : MPI_E_INVALID;
}

/* Appends tagged field TAG = S (left out when empty). */
static int
rec_put(uint8_t *buf, size_t cap, size_t *off, uint8_t tag, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n == 1)
		return MPI_OK;
	if (n > 0xffff || cap - *off < 3 + n)
		return MPI_E_INVALID;
	buf[*off] = tag;
	buf[*off + 1] = (uint8_t)(n >> 8);
	buf[*off + 2] = (uint8_t)n;
	memcpy(buf + *off + 3, s, n);
	*off += 3 + n;
	return MPI_OK;
}

int
mpi_rec_put_demog(uint8_t *buf, size_t cap, size_t *off, const struct mpi_demog *d)
{
	char sex[2] = { d->md_sex, '\0' };
	size_t i;
	int rc;

	rc = rec_put(buf, cap, off, T_SEX, sex);
	for (i = 0; i < REC_NFIELDS && rec_fields[i].rf_tag < K_FAMILY && rc == MPI_OK; i++)
		rc = rec_put(buf, cap, off, rec_fields[i].rf_tag,
		    (const char *)d + rec_fields[i].rf_off);
	return rc;
}

int
mpi_rec_encode(const struct mpi_patient *p, const char *id, uint8_t *buf, size_t *lenp)
{
	const struct mpi_keys *k = &p->mp_keys;
	char sexk[2] = { k->mk_sex, '\0' };
	size_t off = REC_HDR, i;
	int rc;

	buf[0] = REC_MAGIC;
	buf[1] = REC_VERSION;
	buf[2] = (uint8_t)(k->mk_version >> 8);
	buf[3] = (uint8_t)k->mk_version;
	store_put_be64(buf + 4, (uint64_t)p->mp_created);
	store_put_be64(buf + 12, (uint64_t)p->mp_updated);
	if ((rc = rec_put(buf, MPI_REC_MAX, &off, T_ID, id)) != MPI_OK ||
	    (rc = mpi_rec_put_demog(buf, MPI_REC_MAX, &off, &p->mp_demog)) != MPI_OK)
		return rc;
	for (i = 0; i < p->mp_nfac && i < MPI_FAC_MAX; i++)
		if ((rc = rec_put(buf, MPI_REC_MAX, &off, T_FAC, p->mp_fac[i])) != MPI_OK)
			return rc;
	for (i = 0; i < REC_NFIELDS; i++) {
		if (rec_fields[i].rf_tag < K_FAMILY)
			continue;
		rc = rec_put(buf, MPI_REC_MAX, &off, rec_fields[i].rf_tag,
		    (const char *)k + rec_fields[i].rf_off);
		if (rc != MPI_OK)
			return rc;
	}
	if ((rc = rec_put(buf, MPI_REC_MAX, &off, K_SEX, sexk)) != MPI_OK)
		return rc;
	*lenp = off;
	return MPI_OK;
}

/* Steps to the next field of REC[0..LEN) at *OFF: tag, value (NUL-terminated) and its
 * length with the NUL. Returns 1 for a field, 0 at the end, -1 when damaged. */
static int
rec_next(const uint8_t *rec, size_t len, size_t *off, uint8_t *tag, const char **val,
    size_t *n)
{
	if (*off == len)
		return 0;
	if (len - *off < 3)
		return -1;
	*tag = rec[*off];
	*n = ((size_t)rec[*off + 1] << 8) | rec[*off + 2];
	if (*n == 0 || len - *off - 3 < *n || rec[*off + 3 + *n - 1] != '\0')
		return -1;
	*val = (const char *)rec + *off + 3;
	*off += 3 + *n;
	return 1;
}

/* Copies field TAG = VAL[0..N) into P. Returns 0, or -1 when it does not fit. */
static int
rec_take(struct mpi_patient *p, uint8_t tag, const char *val, size_t n)
{
	char *base;
	size_t i;

	switch (tag) {
	case T_ID:
		return n <= MPI_LOCAL_ID_MAX ? str_copy(p->mp_pid, sizeof(p->mp_pid), val) : -1;
	case T_SEX:
		p->mp_demog.md_sex = val[0];
		return 0;
	case K_SEX:
		p->mp_keys.mk_sex = val[0];
		return 0;
	case T_FAC:
		if (p->mp_nfac >= MPI_FAC_MAX)
			return -1;
		return str_copy(p->mp_fac[p->mp_nfac++], MPI_ID_MAX, val);
	}
	for (i = 0; i < REC_NFIELDS; i++) {
		if (rec_fields[i].rf_tag != tag)
			continue;
		base = tag < K_FAMILY ? (char *)&p->mp_demog : (char *)&p->mp_keys;
		if (n > rec_fields[i].rf_size)
			return -1;
		return str_copy(base + rec_fields[i].rf_off, rec_fields[i].rf_size, val);
	}
	return 0;	/* a tag of a later version: skipped */
}

int
mpi_rec_decode(const uint8_t *rec, size_t len, struct mpi_patient *p)
{
	const char *val;
	size_t off = REC_HDR, n;
	uint8_t tag;
	int r;

	memset(p, 0, sizeof(*p));
	if (len < REC_HDR || rec[0] != REC_MAGIC || rec[1] != REC_VERSION)
		return MPI_E_CORRUPT;
	p->mp_keys.mk_version = ((unsigned)rec[2] << 8) | rec[3];
	p->mp_created = (int64_t)store_get_be64(rec + 4);
	p->mp_updated = (int64_t)store_get_be64(rec + 12);
	while ((r = rec_next(rec, len, &off, &tag, &val, &n)) == 1)
		if (rec_take(p, tag, val, n) == -1)
			return MPI_E_CORRUPT;
	return r == 0 && p->mp_pid[0] != '\0' ? MPI_OK : MPI_E_CORRUPT;
}

int
mpi_rec_get_demog(const uint8_t *buf, size_t len, struct mpi_demog *d)
{
	struct mpi_patient p;
	const char *val;
	size_t off = 0, n;
	uint8_t tag;
	int r;

	memset(&p, 0, sizeof(p));
	while ((r = rec_next(buf, len, &off, &tag, &val, &n)) == 1)
		if (tag < K_FAMILY && tag != T_ID && tag != T_FAC &&
		    rec_take(&p, tag, val, n) == -1)
			return MPI_E_CORRUPT;
	*d = p.mp_demog;
	return r == 0 ? MPI_OK : MPI_E_CORRUPT;
}

int
mpi_sum_encode(const struct mpi_patient *p, const char *id, uint8_t *buf, size_t *lenp)
{
	const struct mpi_demog *d = &p->mp_demog;
	const char *f[5] = { id, d->md_kanji.mn_family, d->md_kanji.mn_given,
	    d->md_kana.mn_family, d->md_kana.mn_given };
	size_t off = 12, i, n;

	buf[0] = SUM_MAGIC;
	buf[1] = REC_VERSION;
	buf[2] = (uint8_t)d->md_sex;
	memset(buf + 3, 0, 9);
	memcpy(buf + 3, d->md_birth, strnlen(d->md_birth, 8));
	for (i = 0; i < 5; i++) {
		if ((n = strlen(f[i]) + 1) > MPI_SUM_MAX - off)
			return MPI_E_INVALID;
		memcpy(buf + off, f[i], n);
		off += n;
	}
	*lenp = off;
	return MPI_OK;
}

int
mpi_sum_decode(const uint8_t *v, size_t len, struct mpi_summary *s)
{
	const char *f[5], *p = (const char *)v + 12, *e = (const char *)v + len, *nul;
	size_t i;

	if (len < 12 + 5 || v[0] != SUM_MAGIC || v[1] != REC_VERSION || v[11] != '\0')
		return MPI_E_CORRUPT;
	for (i = 0; i < 5; i++) {
		if ((nul = memchr(p, '\0', (size_t)(e - p))) == NULL)
			return MPI_E_CORRUPT;
		f[i] = p;
		p = nul + 1;
	}
	s->ms_sex = (char)v[2];
	s->ms_birth = (const char *)v + 3;
	s->ms_id = f[0];
	s->ms_family = f[1];
	s->ms_given = f[2];
	s->ms_kfamily = f[3];
	s->ms_kgiven = f[4];
	return MPI_OK;
}

/* Writes A‖B into OUT, cut at MPI_IDXKEY_CUT bytes; returns the length. */
static size_t
mpi_idx_cat(char *out, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na > MPI_IDXKEY_CUT)
		na = MPI_IDXKEY_CUT;
	if (nb > MPI_IDXKEY_CUT - na)
		nb = MPI_IDXKEY_CUT - na;
	memcpy(out, a, na);
	memcpy(out + na, b, nb);
	out[na + nb] = '\0';
	return na + nb;
}

void
mpi_idx_make(const struct mpi_keys *k, struct mpi_idx *ix)
{
	/* Family and given are concatenated without a separator: a source that does not
	 * split the name (all in family) then gives the same key as one that does, and a
	 * family name alone is a prefix of the key. */
	ix->ix_namelen = mpi_idx_cat(ix->ix_name, k->mk_family, k->mk_given);
	ix->ix_kanalen = mpi_idx_cat(ix->ix_kana, k->mk_lfamily, k->mk_lgiven);
	ix->ix_bslen = 0;
	if (strlen(k->mk_birth) == 8) {
		memcpy(ix->ix_bs, k->mk_birth, 8);
		ix->ix_bs[8] = k->mk_sex;
		ix->ix_bs[9] = '\0';
		ix->ix_bslen = k->mk_sex != 0 ? 9 : 8;
	}
}
