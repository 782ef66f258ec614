/*
 * mpi/demog: a patient's demographics as the MPI, the matching rules and the XCPD messages
 * exchange them. Plain fixed-size UTF-8 strings so that a record can be copied, compared
 * and stored without ownership questions; an empty string means "not known". The values
 * are kept as received (NFC, for display and audit); matching derives its own keys from
 * them (mpi/norm.h, mpi/match.h).
 */
#ifndef HASHI_MPI_DEMOG_H
#define HASHI_MPI_DEMOG_H

#define MPI_NAME_MAX	128	/* bytes of one name part, NUL included */
#define MPI_ADDR_MAX	384	/* bytes of the address text, NUL included */
#define MPI_ID_MAX	160	/* bytes of a CX "id^^^&oid&ISO", NUL included */
#define MPI_HCID_MAX	96	/* bytes of a home community id "urn:oid:...", NUL included */

/* A person's name in one representation. When the source does not split family and given
 * name, the whole name is in family and given is empty. */
struct mpi_name {
	char	mn_family[MPI_NAME_MAX];
	char	mn_given[MPI_NAME_MAX];
};

struct mpi_demog {
	struct mpi_name	md_kanji;		/* 漢字氏名 (HL7 IDE / JPKI name) */
	struct mpi_name	md_kana;		/* カナ氏名 (HL7 SYL), katakana or hiragana */
	char		md_birth[9];		/* YYYYMMDD */
	char		md_sex;			/* 'M', 'F', 'O', 'U'; 0 = not known */
	char		md_postal[8];		/* 7 digits, no hyphen */
	char		md_addr[MPI_ADDR_MAX];	/* prefecture + city + rest, as one text */
	char		md_phone[32];		/* digits as written */
};

#endif
