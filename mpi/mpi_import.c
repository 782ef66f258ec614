/*
 * mpi/mpi_import: CSV import of the region's patients and of PIX-style cross-references
 * (columns: mpi/README.md). All or nothing: the whole file is one write transaction, so a
 * file with one bad line stores nothing, and two imports running at once (two hashictl
 * processes) simply take turns on LMDB's writer lock. Errors are collected (up to
 * IMP_MAX_ERRORS) so that an operator can fix a file in one pass; values from the file
 * are echoed only when they are clean text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/store.h"
#include "common/log.h"
#include "common/str.h"
#include "mpi/mpi_int.h"
#include "mpi/norm.h"

#define IMP_MAX_ERRORS	20

enum imp_col {
	C_PID, C_FAC, C_FAMILY, C_GIVEN, C_KFAMILY, C_KGIVEN, C_BIRTH, C_SEX, C_POSTAL,
	C_ADDR, C_PHONE, C_NCOLS
};
static const char *const imp_names[C_NCOLS] = {
	"pid", "facility_ids", "family", "given", "family_kana", "given_kana", "birth", "sex",
	"postal", "address", "phone"
};

enum xref_col { X_PID, X_HCID, X_REMOTE, X_HOW, X_NCOLS };
static const char *const xref_names[X_NCOLS] = { "pid", "hcid", "remote_pid", "how" };

/* One import in progress. */
struct imp {
	struct mpi	*i_m;
	MDB_txn		*i_txn;
	struct mpi_csv	*i_csv;
	const char	*i_path;
	FILE		*i_errs;
	int		 i_nerr;
	int		 i_fatal;	/* storage failed (its mpi_err): the transaction is unusable */
	int		 i_col[C_NCOLS];	/* column of each field in the file, -1 absent */
	char		 i_empty[1];	/* what an absent column reads as */
	struct mpi_import_stats i_st;
};

static void imp_error(struct imp *im, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports one problem at LINE. */
static void
imp_error(struct imp *im, size_t line, const char *fmt, ...)
{
	va_list ap;

	if (++im->i_nerr > IMP_MAX_ERRORS)
		return;
	fprintf(im->i_errs, "%s:%zu: ", im->i_path, line);
	va_start(ap, fmt);
	vfprintf(im->i_errs, fmt, ap);
	va_end(ap);
	fputc('\n', im->i_errs);
	if (im->i_nerr == IMP_MAX_ERRORS)
		fprintf(im->i_errs, "%s:%zu: too many errors; stopping\n", im->i_path, line);
}

/* Returns V if it is clean, short text to echo in a message, else a placeholder. */
static const char *
imp_show(const char *v)
{
	return strlen(v) <= 80 && mpi_text_ok(v, strlen(v)) ? v : "(not printable)";
}

/* Field COL of the current record, without surrounding spaces (edited in place); an
 * absent column reads as an empty field. */
static char *
imp_field(struct imp *im, int col)
{
	char *s, *e;

	im->i_empty[0] = '\0';
	if (col < 0 || (s = mpi_csv_field(im->i_csv, (size_t)col)) == NULL)
		return im->i_empty;
	while (*s == ' ')
		s++;
	for (e = s + strlen(s); e > s && e[-1] == ' '; e--)
		;
	*e = '\0';
	return s;
}

/* Maps the header record onto the NCOLS NAMES into COL. Returns 0, -1 after reporting. */
static int
imp_header(struct imp *im, const char *const *names, int ncols, int *col)
{
	size_t i;
	int j;

	for (j = 0; j < ncols; j++)
		col[j] = -1;
	for (i = 0; i < im->i_csv->c_nf; i++) {
		const char *h = imp_field(im, (int)i);

		for (j = 0; j < ncols && strcasecmp(h, names[j]) != 0; j++)
			;
		if (j == ncols) {
			imp_error(im, 1, "unknown column \"%s\" (a header line naming the "
			    "columns is required; see mpi/README.md)", imp_show(h));
			return -1;
		}
		if (col[j] != -1) {
			imp_error(im, 1, "column \"%s\" appears twice", names[j]);
			return -1;
		}
		col[j] = (int)i;
	}
	return 0;
}

/* Copies V into the DST of size SZ; reports NAME too long. */
static int
imp_copy(struct imp *im, const char *name, const char *v, char *dst, size_t sz)
{
	if (str_copy(dst, sz, v) == 0)
		return 0;
	imp_error(im, im->i_csv->c_rec_line, "%s: too long (at most %zu bytes)", name, sz - 1);
	return -1;
}

/* Splits the ';'-separated facility ids of V into P. */
static int
imp_facs(struct imp *im, char *v, struct mpi_patient *p)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(v, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		if (p->mp_nfac == MPI_FAC_MAX) {
			imp_error(im, im->i_csv->c_rec_line, "facility_ids: more than %d",
			    MPI_FAC_MAX);
			return -1;
		}
		if (imp_copy(im, "facility_ids", tok, p->mp_fac[p->mp_nfac++], MPI_ID_MAX))
			return -1;
	}
	return 0;
}

/* Fills P's demographics from the current record; birth, sex and postal code are
 * normalised to the forms of mpi/demog.h. Returns 0, -1 after reporting. */
static int
imp_demog(struct imp *im, struct mpi_patient *p)
{
	struct mpi_demog *d = &p->mp_demog;
	size_t line = im->i_csv->c_rec_line;
	const char *v;
	char sex[2] = { 0, 0 };

	if (imp_copy(im, "family", imp_field(im, im->i_col[C_FAMILY]), d->md_kanji.mn_family,
	    MPI_NAME_MAX) || imp_copy(im, "given", imp_field(im, im->i_col[C_GIVEN]),
	    d->md_kanji.mn_given, MPI_NAME_MAX) || imp_copy(im, "family_kana",
	    imp_field(im, im->i_col[C_KFAMILY]), d->md_kana.mn_family, MPI_NAME_MAX) ||
	    imp_copy(im, "given_kana", imp_field(im, im->i_col[C_KGIVEN]),
	    d->md_kana.mn_given, MPI_NAME_MAX) || imp_copy(im, "address",
	    imp_field(im, im->i_col[C_ADDR]), d->md_addr, MPI_ADDR_MAX) ||
	    imp_copy(im, "phone", imp_field(im, im->i_col[C_PHONE]), d->md_phone,
	    sizeof(d->md_phone)))
		return -1;
	v = imp_field(im, im->i_col[C_BIRTH]);
	if (*v == '\0' || norm_birth(v, d->md_birth) != 0) {
		imp_error(im, line, "birth: \"%s\" is not a date (YYYYMMDD or YYYY-MM-DD)",
		    imp_show(v));
		return -1;
	}
	v = imp_field(im, im->i_col[C_SEX]);
	if (*v == '\0' || norm_sex(v, sex) != 0 || sex[0] == '\0') {
		imp_error(im, line, "sex: \"%s\" is not M, F, O or U", imp_show(v));
		return -1;
	}
	d->md_sex = sex[0];
	v = imp_field(im, im->i_col[C_POSTAL]);
	if (*v != '\0' && norm_postal(v, d->md_postal) != 0) {
		imp_error(im, line, "postal: \"%s\" is not a 7-digit postal code", imp_show(v));
		return -1;
	}
	return imp_facs(im, imp_field(im, im->i_col[C_FAC]), p);
}

/* Notes that ID is on LINE of this file; reports it when it was seen before. */
static int
imp_once(struct imp *im, const char *key, size_t line)
{
	uint8_t buf[8];
	MDB_val v;
	int rc;

	rc = store_get(im->i_txn, MPI_DBI(im->i_m, MPI_DB_SCRATCH), key, strlen(key), &v);
	if (rc == 0 && v.mv_size == 8) {
		imp_error(im, line, "\"%s\" appears again (first on line %llu)", key,
		    (unsigned long long)store_get_be64(v.mv_data));
		return -1;
	}
	store_put_be64(buf, line);
	if ((rc = store_put(im->i_txn, MPI_DBI(im->i_m, MPI_DB_SCRATCH), key, strlen(key),
	    buf, 8, 0)) != 0) {
		imp_error(im, line, "%s", store_strerror(rc));
		im->i_fatal = mpi_store_err(rc);
		return -1;
	}
	return 0;
}

/* Reports a failed store step of LINE; marks a storage failure fatal. */
static void
imp_failed(struct imp *im, size_t line, int rc, const char *why)
{
	if (rc != MPI_E_INVALID && rc != MPI_E_CONFLICT && rc != MPI_E_AUTHORITY &&
	    rc != MPI_E_NOTFOUND)
		im->i_fatal = rc;
	imp_error(im, line, "%s", why != NULL ? why : mpi_strerror(rc));
}

/* Imports the current record as a patient. */
static void
imp_patient_row(struct imp *im, int64_t now)
{
	size_t line = im->i_csv->c_rec_line;
	char id[MPI_LOCAL_ID_MAX];
	struct mpi_patient *p;
	const char *v = imp_field(im, im->i_col[C_PID]), *why = NULL;
	int rc, created;

	if ((rc = mpi_local_id(im->i_m, v, id)) != MPI_OK) {
		imp_error(im, line, rc == MPI_E_AUTHORITY ? "pid: \"%s\" is not in the "
		    "community's assigning authority %s" : "pid: \"%s\" is not an id or a CX "
		    "id^^^&%s&ISO", imp_show(v), im->i_m->m_authority);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		imp_failed(im, line, MPI_E_NOMEM, NULL);
		return;
	}
	if (imp_demog(im, p) == 0 && imp_once(im, id, line) == 0) {
		rc = mpi_put_txn(im->i_m, im->i_txn, p, id, now, &created, &why);
		if (rc != MPI_OK)
			imp_failed(im, line, rc, why);
		else if (created)
			im->i_st.mi_added++;
		else
			im->i_st.mi_updated++;
	}
	free(p);
}

/* Imports the current record as a cross-reference. */
static void
imp_xref_row(struct imp *im, int64_t now)
{
	size_t line = im->i_csv->c_rec_line;
	char id[MPI_LOCAL_ID_MAX], hcid[MPI_HCID_MAX], remote[MPI_ID_MAX];
	const char *v, *why = NULL;
	enum mpi_how how = MPI_HOW_PIX;
	int rc, created;

	if (mpi_local_id(im->i_m, (v = imp_field(im, im->i_col[X_PID])), id) != MPI_OK) {
		imp_error(im, line, "pid: \"%s\" is not an id or a CX of the community's "
		    "assigning authority %s", imp_show(v), im->i_m->m_authority);
		return;
	}
	if (mpi_hcid_canon((v = imp_field(im, im->i_col[X_HCID])), hcid, sizeof(hcid))) {
		imp_error(im, line, "hcid: \"%s\" is not urn:oid:OID", imp_show(v));
		return;
	}
	v = imp_field(im, im->i_col[X_REMOTE]);
	if (mpi_cx_canon(v, remote, sizeof(remote)) != MPI_OK) {
		imp_error(im, line, "remote_pid: \"%s\" is not a CX id^^^&OID&ISO",
		    imp_show(v));
		return;
	}
	v = imp_field(im, im->i_col[X_HOW]);
	if (strcasecmp(v, "OPERATOR") == 0)
		how = MPI_HOW_OPERATOR;
	else if (*v != '\0' && strcasecmp(v, "PIX") != 0) {
		imp_error(im, line, "how: \"%s\" is not PIX or OPERATOR", imp_show(v));
		return;
	}
	rc = mpi_link_txn(im->i_m, im->i_txn, id, hcid, remote, how, now, 0, &created, &why);
	if (rc != MPI_OK)
		imp_failed(im, line, rc, why);
	else if (created)
		im->i_st.mi_added++;
	else
		im->i_st.mi_updated++;
}

/* Reads the records after the header, calling ROW for each non-empty one. */
static void
imp_rows(struct imp *im, void (*row)(struct imp *, int64_t), size_t nreq, int64_t now)
{
	const char *why = NULL;
	int rc;

	while (im->i_nerr < IMP_MAX_ERRORS && !im->i_fatal &&
	    (rc = mpi_csv_next(im->i_csv, &why)) != 0) {
		if (rc < 0) {
			imp_error(im, im->i_csv->c_rec_line, "%s", rc == MPI_E_INVALID ? why :
			    mpi_strerror(rc));
			return;
		}
		if (im->i_csv->c_nf == 1 && *imp_field(im, 0) == '\0')
			continue;	/* an empty line */
		im->i_st.mi_rows++;
		if (im->i_csv->c_nf != nreq) {
			imp_error(im, im->i_csv->c_rec_line, "%zu fields, the header has %zu",
			    im->i_csv->c_nf, nreq);
			continue;
		}
		row(im, now);
	}
}

/* Reads and checks the header. Returns 0, -1 after reporting. */
static int
imp_start(struct imp *im, int xref)
{
	const char *why = NULL;
	int rc, *col = im->i_col;

	if ((rc = mpi_csv_next(im->i_csv, &why)) <= 0) {
		imp_error(im, 1, "%s", rc == 0 ? "empty file (a header line is required)" :
		    rc == MPI_E_INVALID ? why : mpi_strerror(rc));
		return -1;
	}
	if (imp_header(im, xref ? xref_names : imp_names, xref ? X_NCOLS : C_NCOLS, col))
		return -1;
	if (xref && (col[X_PID] < 0 || col[X_HCID] < 0 || col[X_REMOTE] < 0)) {
		imp_error(im, 1, "the header needs the columns pid, hcid and remote_pid");
		return -1;
	}
	if (!xref && (col[C_PID] < 0 || col[C_BIRTH] < 0 || col[C_SEX] < 0 ||
	    (col[C_FAMILY] < 0 && col[C_KFAMILY] < 0))) {
		imp_error(im, 1, "the header needs the columns pid, birth, sex and family "
		    "or family_kana");
		return -1;
	}
	return 0;
}

/* Runs one import of PATH (patients, or cross-references when XREF). */
static int
imp_run(struct mpi *m, const char *path, int xref, const char *actor, int64_t now,
    FILE *errs, struct mpi_import_stats *st)
{
	struct imp im;
	size_t nreq;
	int rc;

	memset(&im, 0, sizeof(im));
	im.i_m = m;
	im.i_path = path;
	im.i_errs = errs != NULL ? errs : stderr;
	if ((im.i_csv = malloc(sizeof(*im.i_csv))) == NULL)
		return MPI_E_NOMEM;
	if (mpi_csv_open(im.i_csv, path) != MPI_OK) {
		fprintf(im.i_errs, "%s: cannot open: %s\n", path, strerror(errno));
		free(im.i_csv);
		return MPI_E_IO;
	}
	/* The writer lock is taken before the first line is read: a concurrent import
	 * waits here, then sees this one's patients as existing ones. */
	if ((rc = mpi_begin(m, 0, &im.i_txn)) != MPI_OK ||
	    (rc = mpi_store_err(mdb_drop(im.i_txn, MPI_DBI(m, MPI_DB_SCRATCH), 0))) != 0)
		goto done;
	if (imp_start(&im, xref) == 0) {
		nreq = im.i_csv->c_nf;
		imp_rows(&im, xref ? imp_xref_row : imp_patient_row, nreq, now);
	}
	rc = im.i_nerr == 0 ? MPI_OK : im.i_fatal != 0 ? im.i_fatal : MPI_E_IMPORT;
	if (rc == MPI_OK && (rc = mpi_store_err(mdb_drop(im.i_txn,
	    MPI_DBI(m, MPI_DB_SCRATCH), 0))) == MPI_OK)
		rc = mpi_event_add(m, im.i_txn, xref ? MPI_EV_XREF : MPI_EV_IMPORT, now, actor,
		    "file=%s rows=%zu added=%zu updated=%zu", path, im.i_st.mi_rows,
		    im.i_st.mi_added, im.i_st.mi_updated);
	if (rc == MPI_OK) {
		rc = mpi_commit(im.i_txn);
		im.i_txn = NULL;
	}
done:
	store_abort(im.i_txn);
	mpi_csv_close(im.i_csv);
	free(im.i_csv);
	if (st != NULL)
		*st = rc == MPI_OK ? im.i_st : (struct mpi_import_stats){ im.i_st.mi_rows, 0, 0 };
	return rc;
}

int
mpi_import_patients(struct mpi *m, const char *path, const char *actor, int64_t now,
    FILE *errs, struct mpi_import_stats *st)
{
	return imp_run(m, path, 0, actor, now, errs, st);
}

int
mpi_import_xref(struct mpi *m, const char *path, const char *actor, int64_t now,
    FILE *errs, struct mpi_import_stats *st)
{
	return imp_run(m, path, 1, actor, now, errs, st);
}
