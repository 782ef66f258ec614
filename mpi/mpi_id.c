/* mpi/mpi_id: the id rules of mpi.h (local pids, CX, HCIDs) and the checks every stored
 * text passes. Ids are keys: two spellings of one id must become one key, and nothing that
 * could confuse an HL7 v2 or CX consumer downstream may get in. */
#include <string.h>
#include <strings.h>

#include "common/str.h"
#include "mpi/mpi_int.h"

/* Returns 1 when C may appear in an id: printable ASCII except space and the HL7 v2
 * delimiters ^ & ~ \ | (they would split the CX of whoever reads it back). */
static int
mpi_id_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("^&~\\|", c) == NULL;
}

/* Returns 1 when S is an OID short enough for our keys. */
static int
mpi_oid_ok(const char *s)
{
	return strlen(s) < MPI_OID_MAX && str_oid_valid(s);
}

/* Strips an "urn:oid:" prefix (any case). */
static const char *
mpi_oid_strip(const char *s)
{
	if (strlen(s) >= 8 && strncasecmp(s, "urn:oid:", 8) == 0)
		return s + 8;
	return s;
}

/* Splits CX "id^^^ns&OID&ISO[^...]" into ID and OID (empty when CX is a bare id).
 * MPI_E_INVALID on a malformed CX or id. */
static int
mpi_cx_split(const char *cx, char *id, size_t idsz, char *oid, size_t oidsz)
{
	const char *caret, *auth, *amp1, *amp2, *end;
	size_t n;

	if (cx == NULL)
		return MPI_E_INVALID;
	caret = strchr(cx, '^');
	n = caret != NULL ? (size_t)(caret - cx) : strlen(cx);
	if (n == 0 || n >= idsz)
		return MPI_E_INVALID;
	for (size_t i = 0; i < n; i++)
		if (!mpi_id_char((unsigned char)cx[i]))
			return MPI_E_INVALID;
	memcpy(id, cx, n);
	id[n] = '\0';
	oid[0] = '\0';
	if (caret == NULL)
		return MPI_OK;
	/* CX.4 is after the third caret: "id^check^scheme^authority" */
	if (strncmp(caret, "^^^", 3) != 0)
		return MPI_E_INVALID;
	auth = caret + 3;
	end = strchr(auth, '^');
	if (end == NULL)
		end = auth + strlen(auth);
	if ((amp1 = memchr(auth, '&', (size_t)(end - auth))) == NULL)
		return MPI_E_INVALID;
	amp2 = memchr(amp1 + 1, '&', (size_t)(end - amp1 - 1));
	if (amp2 == NULL)
		amp2 = end;
	else if (!((end - amp2 == 4 && strncmp(amp2, "&ISO", 4) == 0) || end - amp2 == 1))
		return MPI_E_INVALID;	/* a universal id type other than ISO */
	n = (size_t)(amp2 - amp1 - 1);
	if (n == 0 || n >= oidsz)
		return MPI_E_INVALID;
	memcpy(oid, amp1 + 1, n);
	oid[n] = '\0';
	memmove(oid, mpi_oid_strip(oid), strlen(mpi_oid_strip(oid)) + 1);
	return mpi_oid_ok(oid) ? MPI_OK : MPI_E_INVALID;
}

int
mpi_local_id(const struct mpi *m, const char *pid, char *id)
{
	char oid[MPI_OID_MAX + 8];
	int rc;

	if ((rc = mpi_cx_split(pid, id, MPI_LOCAL_ID_MAX, oid, sizeof(oid))) != MPI_OK)
		return rc;
	if (strchr(pid, '^') != NULL && strcmp(oid, m->m_authority) != 0)
		return MPI_E_AUTHORITY;
	return MPI_OK;
}

int
mpi_cx_canon(const char *cx, char *out, size_t outsz)
{
	char id[MPI_ID_MAX], oid[MPI_OID_MAX + 8];
	int rc, n;

	if ((rc = mpi_cx_split(cx, id, sizeof(id), oid, sizeof(oid))) != MPI_OK)
		return rc;
	if (oid[0] == '\0')
		return MPI_E_INVALID;	/* a remote or facility id needs its authority */
	n = snprintf(out, outsz, "%s^^^&%s&ISO", id, oid);
	return n < 0 || (size_t)n >= outsz ? MPI_E_INVALID : MPI_OK;
}

int
mpi_hcid_canon(const char *hcid, char *out, size_t outsz)
{
	const char *oid;
	size_t n;

	if (hcid == NULL)
		return MPI_E_INVALID;
	oid = mpi_oid_strip(hcid);
	if (!mpi_oid_ok(oid) || (n = strlen(oid)) + 9 > outsz)
		return MPI_E_INVALID;
	/* no snprintf: the batch reader canonicalises an HCID per lookup */
	memcpy(out, "urn:oid:", 8);
	memcpy(out + 8, oid, n + 1);
	return MPI_OK;
}

int
mpi_pid_cx(const struct mpi *m, const char *pid, char *out, size_t outsz)
{
	char id[MPI_LOCAL_ID_MAX];
	int rc, n;

	if ((rc = mpi_local_id(m, pid, id)) != MPI_OK)
		return rc;
	n = snprintf(out, outsz, "%s^^^&%s&ISO", id, m->m_authority);
	return n < 0 || (size_t)n >= outsz ? MPI_E_INVALID : MPI_OK;
}

int
mpi_text_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	uint32_t cp;
	size_t len, i;

	while (p < e) {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		len = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
		    (*p & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0 || (size_t)(e - p) < len)
			return 0;
		cp = *p & (0xff >> (len + 1));
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF, C1 controls */
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff || (cp >= 0x80 && cp <= 0x9f))
			return 0;
		p += len;
	}
	return 1;
}

/* Checks one text field of fixed size SZ. */
static int
mpi_field_ok(const char *f, size_t sz)
{
	const char *nul = memchr(f, '\0', sz);

	return nul != NULL && mpi_text_ok(f, (size_t)(nul - f));
}

/* Returns 1 when F is empty or exactly N ASCII digits. */
static int
mpi_digits_ok(const char *f, size_t n)
{
	size_t i;

	if (f[0] == '\0')
		return 1;
	for (i = 0; i < n; i++)
		if (f[i] < '0' || f[i] > '9')
			return 0;
	return f[n] == '\0';
}

int
mpi_demog_check(const struct mpi_demog *d, const char **why)
{
	*why = NULL;
	if (!mpi_field_ok(d->md_kanji.mn_family, MPI_NAME_MAX))
		*why = "family name is not clean UTF-8 text";
	else if (!mpi_field_ok(d->md_kanji.mn_given, MPI_NAME_MAX))
		*why = "given name is not clean UTF-8 text";
	else if (!mpi_field_ok(d->md_kana.mn_family, MPI_NAME_MAX))
		*why = "family kana is not clean UTF-8 text";
	else if (!mpi_field_ok(d->md_kana.mn_given, MPI_NAME_MAX))
		*why = "given kana is not clean UTF-8 text";
	else if (!mpi_field_ok(d->md_birth, sizeof(d->md_birth)) ||
	    !mpi_digits_ok(d->md_birth, 8))
		*why = "birth is not YYYYMMDD";
	else if (d->md_sex != 0 && strchr("MFOU", d->md_sex) == NULL)
		*why = "sex is not M, F, O or U";
	else if (!mpi_field_ok(d->md_postal, sizeof(d->md_postal)) ||
	    !mpi_digits_ok(d->md_postal, 7))
		*why = "postal code is not 7 digits";
	else if (!mpi_field_ok(d->md_addr, sizeof(d->md_addr)))
		*why = "address is not clean UTF-8 text";
	else if (!mpi_field_ok(d->md_phone, sizeof(d->md_phone)))
		*why = "phone is not clean UTF-8 text";
	return *why == NULL ? MPI_OK : MPI_E_INVALID;
}
