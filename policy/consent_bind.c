/* policy/consent_bind: see consent_bind.h. The certificate's values are normalised here
 * with the same functions the MPI's keys come from; the record's keys are recomputed
 * (match_keys_make) rather than read from the store so that both sides are always of the
 * same normaliser version. */
#include <string.h>

#include "common/log.h"
#include "mpi/match.h"
#include "mpi/norm.h"
#include "policy/consent_bind.h"

#define BIND_KEY_MAX	1024	/* a key of a 640-byte address grows at most by 4/3 */
#define IDEO_SPACE	"\xe3\x80\x80"	/* U+3000 */

/* The certificate's four items as keys. */
struct bind_keys {
	char	bk_name[BIND_KEY_MAX];
	char	bk_family[BIND_KEY_MAX], bk_given[BIND_KEY_MAX];	/* "" unless split */
	char	bk_birth[9];
	char	bk_sex;
	char	bk_addr[BIND_KEY_MAX];
};

/* Returns 1 when the fixed-size field F (SZ bytes) is NUL-terminated. */
static int
bind_terminated(const char *f, size_t sz)
{
	return memchr(f, '\0', sz) != NULL;
}

/* Returns 1 when FLAGS marks any character as a substitute (anything but '0': a flag
 * string we cannot read is treated as flagged, which only ever changes the reason). */
static int
bind_flagged(const char *flags)
{
	for (; *flags != '\0'; flags++)
		if (*flags != '0')
			return 1;
	return 0;
}

/* Splits NAME at its one U+3000 into the keys of 氏 and 名; leaves both "" when the name
 * has no such single separator between two non-empty parts. */
static int
bind_split(const char *name, struct bind_keys *k)
{
	char part[JPKI_NAME_MAX];
	const char *sp = strstr(name, IDEO_SPACE);
	size_t n;

	k->bk_family[0] = k->bk_given[0] = '\0';
	if (sp == NULL || sp == name || sp[3] == '\0' || strstr(sp + 3, IDEO_SPACE) != NULL)
		return 0;
	n = (size_t)(sp - name);
	memcpy(part, name, n);
	part[n] = '\0';
	if (norm_name(part, k->bk_family, sizeof(k->bk_family)) != 0 ||
	    norm_name(sp + 3, k->bk_given, sizeof(k->bk_given)) != 0)
		return -1;
	return 0;
}

static int
bind_signer_keys(const struct jpki_signer *s, struct bind_keys *k)
{
	char sex[2] = { s->js_sex, '\0' };

	if (!bind_terminated(s->js_name, sizeof(s->js_name)) ||
	    !bind_terminated(s->js_name_flags, sizeof(s->js_name_flags)) ||
	    !bind_terminated(s->js_birth, sizeof(s->js_birth)) ||
	    !bind_terminated(s->js_addr, sizeof(s->js_addr)) ||
	    !bind_terminated(s->js_addr_flags, sizeof(s->js_addr_flags)))
		return -1;
	if (s->js_name[0] == '\0' || s->js_addr[0] == '\0' ||
	    norm_name(s->js_name, k->bk_name, sizeof(k->bk_name)) != 0 ||
	    k->bk_name[0] == '\0' || bind_split(s->js_name, k) != 0 ||
	    norm_birth(s->js_birth, k->bk_birth) != 0 ||
	    strchr("123", s->js_sex) == NULL || s->js_sex == '\0' ||
	    norm_sex(sex, &k->bk_sex) != 0 ||
	    norm_addr(s->js_addr, k->bk_addr, sizeof(k->bk_addr)) != 0 || k->bk_addr[0] == '\0')
		return -1;
	return 0;
}

/* The name compares when the whole keys agree and, where both sides are split into
 * family and given name, the parts agree as well ("山田太　郎" is not "山田　太郎"). */
static int
bind_name_same(const struct bind_keys *k, const struct match_keys *mk)
{
	if (strcmp(k->bk_name, mk->mk_name) != 0)
		return 0;
	if (k->bk_family[0] != '\0' && (mk->mk_have & MATCH_K_NAME_SPLIT) &&
	    (strcmp(k->bk_family, mk->mk_name_family) != 0 ||
	    strcmp(k->bk_given, mk->mk_name_given) != 0))
		return 0;
	return 1;
}

/* Sets the CONSENT_BIND_D_* bits of what differs between K and the record's keys. */
static unsigned
bind_diff(const struct jpki_signer *s, const struct bind_keys *k, const struct match_keys *mk,
    char rsex)
{
	unsigned d = 0;

	if (strcmp(k->bk_birth, mk->mk_birth) != 0)
		d |= CONSENT_BIND_D_BIRTH;
	if (k->bk_sex != rsex)
		d |= CONSENT_BIND_D_SEX;
	if (!bind_name_same(k, mk)) {
		d |= CONSENT_BIND_D_NAME;
		if (bind_flagged(s->js_name_flags))
			d |= CONSENT_BIND_D_SUBST;
	}
	if (strcmp(k->bk_addr, mk->mk_addr) != 0) {
		d |= CONSENT_BIND_D_ADDR;
		if (bind_flagged(s->js_addr_flags))
			d |= CONSENT_BIND_D_SUBST;
	}
	return d;
}

enum consent_bind_reason
consent_bind_record(const struct mpi_patient *p, const struct jpki_signer *s,
    unsigned *diff)
{
	struct bind_keys k;
	struct match_keys mk;
	char rsex = 0, sex[2] = { p->mp_demog.md_sex, '\0' };
	unsigned d;

	if (diff != NULL)
		*diff = 0;
	/* A record field that does not normalise is left out of MK (mk_bad): it then fails
	 * the comparison below or is refused as missing, never matches by accident. */
	(void)match_keys_make(&p->mp_demog, &mk);
	if (!(mk.mk_have & MATCH_K_NAME) || !(mk.mk_have & MATCH_K_ADDR) ||
	    !(mk.mk_have & MATCH_K_BIRTH) || norm_sex(sex, &rsex) != 0)
		return CONSENT_BIND_RECORD;
	if (bind_signer_keys(s, &k) != 0)
		return CONSENT_BIND_SIGNER;
	d = bind_diff(s, &k, &mk, rsex);
	if (diff != NULL)
		*diff = d;
	if (d & CONSENT_BIND_D_BIRTH)
		return CONSENT_BIND_BIRTH;
	if (d & CONSENT_BIND_D_SEX)
		return CONSENT_BIND_SEX;
	/* A difference in an unflagged field is a plain mismatch; only when every
	 * remaining difference is in a flagged field may the operator resolve it. */
	if ((d & CONSENT_BIND_D_NAME) && !bind_flagged(s->js_name_flags))
		return CONSENT_BIND_NAME;
	if ((d & CONSENT_BIND_D_ADDR) && !bind_flagged(s->js_addr_flags))
		return CONSENT_BIND_ADDR;
	if (d & CONSENT_BIND_D_SUBST)
		return CONSENT_BIND_SUBSTITUTE;
	return CONSENT_BIND_OK;
}

enum consent_bind_reason
consent_bind(struct mpi *m, const char *patient, const struct jpki_signer *s,
    unsigned *diff)
{
	struct mpi_patient p;
	int rc;

	if (diff != NULL)
		*diff = 0;
	switch ((rc = mpi_patient_get(m, patient, &p))) {
	case MPI_OK:
		return consent_bind_record(&p, s, diff);
	case MPI_E_NOTFOUND:
	case MPI_E_INVALID:
		return CONSENT_BIND_NO_PATIENT;
	case MPI_E_AUTHORITY:
		return CONSENT_BIND_AUTHORITY;
	default:
		log_warnx("consent: patient index: %s", mpi_strerror(rc));
		return CONSENT_BIND_ERROR;
	}
}

const char *
consent_bind_strerror(enum consent_bind_reason r)
{
	switch (r) {
	case CONSENT_BIND_OK: return "signer is the patient";
	case CONSENT_BIND_NO_PATIENT: return "patient not in MPI";
	case CONSENT_BIND_AUTHORITY: return "patient id of another assigning authority";
	case CONSENT_BIND_BIRTH: return "birth date differs";
	case CONSENT_BIND_SEX: return "sex differs";
	case CONSENT_BIND_NAME: return "name differs";
	case CONSENT_BIND_ADDR: return "address differs";
	case CONSENT_BIND_SUBSTITUTE:
		return "substitute characters: operator confirmation needed";
	case CONSENT_BIND_RECORD: return "MPI record lacks a kanji name, birth date, sex or "
		"address";
	case CONSENT_BIND_SIGNER: return "certificate identity items unreadable";
	case CONSENT_BIND_ERROR: return "patient index error";
	}
	return "unknown binding result";
}
