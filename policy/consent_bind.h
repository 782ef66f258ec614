/*
 * policy/consent_bind: is the signer of a consent the patient it names? The basic four
 * items of the JPKI signing certificate (struct jpki_signer) are compared with the MPI
 * record of the document's patient, all four after the MPI's Japanese normalisation
 * (mpi/norm.h; the MPI side's keys are recomputed with the current normaliser):
 *
 *   birth    norm_birth(EYYYYMMDD) = the record's birth date
 *   sex      norm_sex('1' '2' '3' -> M F U) = the record's sex, exactly
 *   name     norm_name of the whole name = that of the record's kanji family + given name;
 *            when the certificate splits 氏 and 名 with U+3000 and the record has both
 *            parts, each part must agree too
 *   address  norm_addr of both equal; a record without an address cannot be bound
 *
 * Substitute characters (代替文字): a '1' in the certificate's name or address flags marks a
 * character J-LIS replaced because the real one is outside its character set. Such a field
 * may fail to compare although it is the same person, never the reverse (a substitute
 * makes the texts differ, not agree). So a flagged field that still matches counts as a
 * match, and a flagged field that differs is refused with CONSENT_BIND_SUBSTITUTE
 * ("substitute characters: operator confirmation needed") instead of "name differs": the
 * operator compares the card with the record. No automatic fuzzy rule: a wrong binding
 * would let one person consent for another.
 *
 * A substitute refusal is given only when every other item agrees: birth and sex (which
 * substitutes cannot affect) and the unflagged one of name / address.
 */
#ifndef HASHI_POLICY_CONSENT_BIND_H
#define HASHI_POLICY_CONSENT_BIND_H

#include "crypto/jpki.h"
#include "mpi/mpi.h"

enum consent_bind_reason {
	CONSENT_BIND_OK = 0,
	CONSENT_BIND_NO_PATIENT,	/* "patient not in MPI" */
	CONSENT_BIND_AUTHORITY,		/* the patient id is of another assigning authority */
	CONSENT_BIND_BIRTH,		/* "birth date differs" */
	CONSENT_BIND_SEX,		/* "sex differs" */
	CONSENT_BIND_NAME,		/* "name differs" */
	CONSENT_BIND_ADDR,		/* "address differs" */
	CONSENT_BIND_SUBSTITUTE,	/* a flagged name or address differs */
	CONSENT_BIND_RECORD,		/* the MPI record has no kanji name or no address */
	CONSENT_BIND_SIGNER,		/* a certificate value does not normalise */
	CONSENT_BIND_ERROR		/* the MPI could not be read */
};

/* Bits of *DIFF: every item that differs, whatever the reason returned. */
#define CONSENT_BIND_D_BIRTH	0x01
#define CONSENT_BIND_D_SEX	0x02
#define CONSENT_BIND_D_NAME	0x04
#define CONSENT_BIND_D_ADDR	0x08
#define CONSENT_BIND_D_SUBST	0x10	/* a differing name or address carries flags */

/* Compares signer S with MPI record P (as mpi_patient_get returns it). Pure. Sets *DIFF
 * (may be NULL) to the CONSENT_BIND_D_* bits. Returns CONSENT_BIND_OK or the first reason
 * in the order RECORD, SIGNER, BIRTH, SEX, NAME (unflagged), ADDR (unflagged),
 * SUBSTITUTE. */
enum consent_bind_reason consent_bind_record(const struct mpi_patient *p,
    const struct jpki_signer *s, unsigned *diff);

/* Looks up PATIENT (CX or bare id) in M and compares it with S as above. Returns
 * CONSENT_BIND_NO_PATIENT, CONSENT_BIND_AUTHORITY or CONSENT_BIND_ERROR (logged) when
 * there is no record to compare with. */
enum consent_bind_reason consent_bind(struct mpi *m, const char *patient,
    const struct jpki_signer *s, unsigned *diff);

/* Returns the short English reason text of R ("name differs", ...), static. */
const char *consent_bind_strerror(enum consent_bind_reason r);

#endif
