/* Unit tests for the CSV imports of mpi/mpi (patients and cross-references): quoting, BOM,
 * CRLF, line-numbered errors, all-or-nothing, authority checks, and two importing
 * processes at once. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/tmpdir.h"

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/str.h"
#include "mpi/mpi.h"

#define AA	"1.2.392.200000.10.1"
#define PEER	"urn:oid:1.2.392.200000.20"
#define RAA	"1.2.392.200000.20.1"
#define FAA	"1.2.392.100495.20.3.51.11312345670"
#define NOW	1700000000
#define HDR	"pid,facility_ids,family,given,family_kana,given_kana,birth,sex,postal," \
		"address,phone\n"

static char tmpdir[256], envdir[300], csv[300];
static struct mpi *m;
static char *errtext;
static size_t errlen;
static FILE *errs;


static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-mpiimp.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(envdir, sizeof(envdir), "%s/mpi", tmpdir);
	snprintf(csv, sizeof(csv), "%s/in.csv", tmpdir);
	if ((errs = open_memstream(&errtext, &errlen)) == NULL)
		return -1;
	m = mpi_open(envdir, 64 << 20, AA);
	return m == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	mpi_close(m);
	m = NULL;
	fclose(errs);
	free(errtext);
	errtext = NULL;
	return tmpdir_remove(tmpdir);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* The error text written so far. */
static const char *
err_text(void)
{
	fflush(errs);
	return errtext != NULL ? errtext : "";
}

static size_t
npatients(void)
{
	struct mpi_stats st;

	assert_int_equal(mpi_stats(m, NOW, &st), MPI_OK);
	return st.ms_patients;
}

static void
test_import_ok(void **state)
{
	struct mpi_import_stats st;
	struct mpi_patient p;
	char out[MPI_ID_MAX];

	(void)state;
	/* BOM, CRLF, quoted fields with a comma, an escaped quote and a line break-free
	 * address, a CX pid, columns in another order, spaces around values */
	write_file(csv, "\xef\xbb\xbf" "sex,birth,pid,family,given,family_kana,given_kana,"
	    "address,facility_ids\r\n"
	    "M,1980-01-02,P1,山田,太郎,ヤマダ,タロウ,\"東京都千代田区千代田1-1, \"\"A\"\"棟\","
	    "\"F1^^^&" FAA "&ISO;F2^^^&" FAA "&ISO\"\r\n"
	    "F,19900315, P2^^^&" AA "&ISO ,髙橋,花子,タカハシ,ハナコ,,\r\n"
	    "\r\n");
	assert_int_equal(mpi_import_patients(m, csv, "op", NOW, errs, &st), MPI_OK);
	assert_string_equal(err_text(), "");
	assert_int_equal(st.mi_rows, 2);
	assert_int_equal(st.mi_added, 2);
	assert_int_equal(st.mi_updated, 0);
	assert_int_equal(mpi_patient_get(m, "P1", &p), MPI_OK);
	assert_string_equal(p.mp_demog.md_addr, "東京都千代田区千代田1-1, \"A\"棟");
	assert_string_equal(p.mp_demog.md_birth, "19800102");
	assert_int_equal(p.mp_demog.md_sex, 'M');
	assert_string_equal(p.mp_demog.md_kana.mn_given, "タロウ");
	assert_int_equal(p.mp_nfac, 2);
	assert_int_equal(mpi_patient_by_facility(m, "F2^^^&" FAA "&ISO", out, sizeof(out)),
	    MPI_OK);
	assert_string_equal(out, "P1^^^&" AA "&ISO");
	assert_int_equal(mpi_patient_get(m, "P2", &p), MPI_OK);
	assert_string_equal(p.mp_demog.md_kanji.mn_family, "髙橋");
	/* the same file again updates */
	assert_int_equal(mpi_import_patients(m, csv, "op", NOW + 1, errs, &st), MPI_OK);
	assert_int_equal(st.mi_added, 0);
	assert_int_equal(st.mi_updated, 2);
	assert_int_equal(npatients(), 2);
}

static void
test_import_all_or_nothing(void **state)
{
	struct mpi_import_stats st;
	struct mpi_patient p;
	struct mpi_event ev;
	char want[400];

	(void)state;
	write_file(csv, HDR
	    "P1,,山田,太郎,ヤマダ,タロウ,19800102,M,100-0001,東京都千代田区,03-1\n"
	    "P2,,佐藤,次郎,サトウ,ジロウ,19801301,M,,,\n"		/* month 13 */
	    "P3,,鈴木,三郎,スズキ,サブロウ,19800102,X,,,\n"		/* sex X */
	    "P4,,田中,四郎,タナカ,シロウ,19800102,M,,,\n");
	assert_int_equal(mpi_import_patients(m, csv, "op", NOW, errs, &st), MPI_E_IMPORT);
	snprintf(want, sizeof(want), "%s:3: birth", csv);
	assert_non_null(strstr(err_text(), want));
	snprintf(want, sizeof(want), "%s:4: sex", csv);
	assert_non_null(strstr(err_text(), want));
	assert_null(strstr(err_text(), ":2:"));
	assert_int_equal(npatients(), 0);
	assert_int_equal(mpi_patient_get(m, "P1", &p), MPI_E_NOTFOUND);
	assert_int_equal(mpi_patient_get(m, "P4", &p), MPI_E_NOTFOUND);
	assert_int_equal(mpi_event_next(m, 0, &ev), MPI_E_NOTFOUND);
}

static void
test_import_syntax(void **state)
{
	char want[400];

	(void)state;
	/* an unterminated quote starting on line 3 swallows the rest of the file */
	write_file(csv, HDR
	    "P1,,山田,太郎,ヤマダ,タロウ,19800102,M,,,\n"
	    "P2,,\"佐藤,次郎,サトウ,ジロウ,19800101,M,,,\n"
	    "P3,,鈴木,三郎,スズキ,サブロウ,19800102,M,,,\n");
	assert_int_equal(mpi_import_patients(m, csv, "op", NOW, errs, NULL), MPI_E_IMPORT);
	snprintf(want, sizeof(want), "%s:3: unterminated quoted field", csv);
	assert_non_null(strstr(err_text(), want));
	assert_int_equal(npatients(), 0);
	/* a quote inside an unquoted field; a short row */
	write_file(csv, HDR
	    "P1,,山\"田,太郎,ヤマダ,タロウ,19800102,M,,,\n"
	    "P2,,佐藤,次郎\n");
	assert_int_equal(mpi_import_patients(m, csv, "op", NOW, errs, NULL), MPI_E_IMPORT);
	snprintf(want, sizeof(want), "%s:2: quote inside an unquoted field", csv);
	assert_non_null(strstr(err_text(), want));
	/* no header */
	write_file(csv, "P1,,山田,太郎,ヤマダ,タロウ,19800102,M,,,\n");
	assert_int_equal(mpi_import_patients(m, csv, "op", NOW, errs, NULL), MPI_E_IMPORT);
	snprintf(want, sizeof(want), "%s:1: unknown column", csv);
	assert_non_null(strstr(err_text(), want));
	write_file(csv, "");
	assert_int_equal(mpi_import_patients(m, csv, "op", NOW, errs, NULL), MPI_E_IMPORT);
	assert_non_null(strstr(err_text(), "header line is required"));
	assert_int_equal(mpi_import_patients(m, "/nonexistent/x.csv", "op", NOW, errs, NULL),
	    MPI_E_IO);
	assert_int_equal(npatients(), 0);
}

static void
test_import_authority(void **state)
{
	char want[400];

	(void)state;
	write_file(csv, HDR
	    "P1,,山田,太郎,ヤマダ,タロウ,19800102,M,,,\n"
	    "P2^^^&1.9.9&ISO,,佐藤,次郎,サトウ,ジロウ,19800101,M,,,\n"
	    "P3,,鈴木,三郎,スズキ,サブロウ,19800102,M,,,\n"
	    "P1,,山田,太郎,ヤマダ,タロウ,19800102,M,,,\n"
	    "P5,X^^^&" AA "&ISO,田中,四郎,タナカ,シロウ,19800102,M,,,\n");
	assert_int_equal(mpi_import_patients(m, csv, "op", NOW, errs, NULL), MPI_E_IMPORT);
	snprintf(want, sizeof(want), "%s:3: pid: \"P2^^^&1.9.9&ISO\" is not in the "
	    "community's assigning authority " AA, csv);
	assert_non_null(strstr(err_text(), want));
	snprintf(want, sizeof(want), "%s:5: \"P1\" appears again (first on line 2)", csv);
	assert_non_null(strstr(err_text(), want));
	snprintf(want, sizeof(want), "%s:6: facility id is in the community's own", csv);
	assert_non_null(strstr(err_text(), want));
	assert_int_equal(npatients(), 0);
}

static void
test_import_xref(void **state)
{
	struct mpi_import_stats st;
	struct mpi_corr c;
	char want[400];

	(void)state;
	write_file(csv, HDR
	    "P1,,山田,太郎,ヤマダ,タロウ,19800102,M,,,\n"
	    "P2,,佐藤,次郎,サトウ,ジロウ,19800101,M,,,\n");
	assert_int_equal(mpi_import_patients(m, csv, "op", NOW, errs, NULL), MPI_OK);
	write_file(csv, "pid,hcid,remote_pid,how\n"
	    "P1," PEER ",R1^^^&" RAA "&ISO,\n"
	    "P2,1.2.392.200000.20,R2^^^&" RAA "&ISO,OPERATOR\n");
	assert_int_equal(mpi_import_xref(m, csv, "op", NOW, errs, &st), MPI_OK);
	assert_int_equal(st.mi_added, 2);
	assert_int_equal(mpi_corr_get(m, "P1", PEER, NOW + 1000000, &c), MPI_OK);
	assert_int_equal(c.mc_how, MPI_HOW_PIX);
	assert_int_equal(c.mc_fresh, 1);
	assert_int_equal(mpi_corr_get(m, "P2", PEER, NOW, &c), MPI_OK);
	assert_int_equal(c.mc_how, MPI_HOW_OPERATOR);
	/* unknown local patient, conflicting link, bad HCID: nothing of it is stored */
	write_file(csv, "pid,hcid,remote_pid\n"
	    "P3," PEER ",R3^^^&" RAA "&ISO\n"
	    "P1," PEER ",R9^^^&" RAA "&ISO\n"
	    "P2,nonsense,R2^^^&" RAA "&ISO\n"
	    "P2,urn:oid:1.2.392.200000.40,R4^^^&1.2.392.200000.40.1&ISO\n");
	assert_int_equal(mpi_import_xref(m, csv, "op", NOW, errs, &st), MPI_E_IMPORT);
	snprintf(want, sizeof(want), "%s:2: no such local patient", csv);
	assert_non_null(strstr(err_text(), want));
	snprintf(want, sizeof(want), "%s:3: the patient is linked to another id", csv);
	assert_non_null(strstr(err_text(), want));
	snprintf(want, sizeof(want), "%s:4: hcid", csv);
	assert_non_null(strstr(err_text(), want));
	assert_int_equal(mpi_corr_get(m, "P2", "urn:oid:1.2.392.200000.40", NOW, &c),
	    MPI_E_NOTFOUND);
}

#define NCONC	400

/* Writes the patients FROM..TO-1 into PATH; GIVEN tells the two files apart. */
static void
write_batch(const char *path, int from, int to, const char *given)
{
	FILE *f = fopen(path, "w");
	int i;

	assert_non_null(f);
	fputs(HDR, f);
	for (i = from; i < to; i++)
		fprintf(f, "C%d,F%d^^^&" FAA "&ISO,山田%d,%s,ヤマダ,タロウ,19800102,M,,,\n", i, i,
		    i, given);
	assert_int_equal(fclose(f), 0);
}

/* In a child: opens its own environment (after the fork, as LMDB requires) and imports. */
static void
child_import(const char *path)
{
	struct mpi *cm;
	int rc;

	if ((cm = mpi_open(envdir, 64 << 20, AA)) == NULL)
		_exit(10);
	rc = mpi_import_patients(cm, path, "child", NOW, stderr, NULL);
	mpi_close(cm);
	_exit(rc == MPI_OK ? 0 : 11);
}

/* Counts the hits of a name-only search (FAMILY GIVEN) that are patient C<I>. */
static int
hits_for(int i, const char *given)
{
	struct mpi_demog q;
	struct mpi_hits h;
	char cx[MPI_ID_MAX];
	size_t k;
	int n = 0;

	memset(&q, 0, sizeof(q));
	snprintf(q.md_kanji.mn_family, MPI_NAME_MAX, "山田%d", i);
	str_copy(q.md_kanji.mn_given, MPI_NAME_MAX, given);
	assert_int_equal(mpi_find(m, &q, MPI_FIND_ALL, &h), MPI_OK);
	snprintf(cx, sizeof(cx), "C%d^^^&" AA "&ISO", i);
	for (k = 0; k < h.mh_n; k++)
		n += strcmp(h.mh_hit[k].mh_pid, cx) == 0;
	mpi_hits_free(&h);
	return n;
}

static void
test_import_concurrent(void **state)
{
	char a[320], b[320], out[MPI_ID_MAX];
	struct mpi_patient p;
	struct mpi_stats st;
	pid_t pa, pb;
	int sa, sb, i, ia;

	(void)state;
	snprintf(a, sizeof(a), "%s/a.csv", tmpdir);
	snprintf(b, sizeof(b), "%s/b.csv", tmpdir);
	write_batch(a, 0, NCONC, "一郎");
	write_batch(b, NCONC / 2, NCONC + NCONC / 2, "二郎");	/* half overlaps a */
	mpi_close(m);
	m = NULL;
	fflush(NULL);
	if ((pa = fork()) == 0)
		child_import(a);
	if ((pb = fork()) == 0)
		child_import(b);
	assert_true(pa > 0 && pb > 0);
	assert_int_equal(waitpid(pa, &sa, 0), pa);
	assert_int_equal(waitpid(pb, &sb, 0), pb);
	assert_true(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
	assert_true(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);
	m = mpi_open(envdir, 64 << 20, AA);
	assert_non_null(m);
	assert_int_equal(mpi_stats(m, NOW, &st), MPI_OK);
	assert_int_equal(st.ms_patients, NCONC + NCONC / 2);
	assert_int_equal(st.ms_facility_ids, NCONC + NCONC / 2);
	assert_int_equal(st.ms_events, 2);
	/* each overlapping patient is wholly one file's, and its index entries agree */
	for (i = 0; i < NCONC + NCONC / 2; i++) {
		char pid[MPI_ID_MAX];

		snprintf(pid, sizeof(pid), "C%d", i);
		assert_int_equal(mpi_patient_get(m, pid, &p), MPI_OK);
		ia = strcmp(p.mp_demog.md_kanji.mn_given, "一郎") == 0;
		assert_int_equal(hits_for(i, "一郎"), ia);
		assert_int_equal(hits_for(i, "二郎"), !ia);
		snprintf(pid, sizeof(pid), "F%d^^^&" FAA "&ISO", i);
		assert_int_equal(mpi_patient_by_facility(m, pid, out, sizeof(out)), MPI_OK);
	}
}

static void
test_import_map_full(void **state)
{
	struct mpi_patient p;
	char big[320];
	int rc;

	(void)state;
	/* a map far too small: the import fails cleanly, and the store still works */
	mpi_close(m);
	m = mpi_open(envdir, 256 * 1024, AA);
	assert_non_null(m);
	snprintf(big, sizeof(big), "%s/big.csv", tmpdir);
	write_batch(big, 0, 3000, "一郎");
	rc = mpi_import_patients(m, big, "op", NOW, errs, NULL);
	assert_int_equal(rc, MPI_E_FULL);
	assert_non_null(strstr(err_text(), "full"));
	assert_int_equal(npatients(), 0);
	write_batch(big, 0, 2, "一郎");
	assert_int_equal(mpi_import_patients(m, big, "op", NOW, errs, NULL), MPI_OK);
	assert_int_equal(mpi_patient_get(m, "C1", &p), MPI_OK);
}

static void
test_import_killed(void **state)
{
	struct mpi_stats st;
	char big[320];
	pid_t pid;
	int status, i, found = 0;

	(void)state;
	/* an import killed at some point: afterwards all of it or none of it is there */
	snprintf(big, sizeof(big), "%s/big.csv", tmpdir);
	write_batch(big, 0, 20000, "一郎");
	mpi_close(m);
	m = NULL;
	fflush(NULL);
	if ((pid = fork()) == 0)
		child_import(big);
	assert_true(pid > 0);
	usleep(100 * 1000);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	m = mpi_open(envdir, 64 << 20, AA);
	assert_non_null(m);
	assert_int_equal(mpi_stats(m, NOW, &st), MPI_OK);
	print_message("# killed import left %zu patients\n", st.ms_patients);
	assert_true(st.ms_patients == 0 || st.ms_patients == 20000);
	for (i = 0; i < 20000; i += 997)
		found += hits_for(i, "一郎");
	assert_int_equal(found, st.ms_patients == 0 ? 0 : 21);
	assert_int_equal(st.ms_events, st.ms_patients == 0 ? 0 : 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_authority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_xref, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_map_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_killed, setup, teardown),
	};

	log_init("test_mpi_import", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
