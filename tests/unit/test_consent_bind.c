/* Unit tests for policy/consent_bind: the JPKI basic four items of a signer (built by
 * hand, no crypto) against the record of a real MPI in a temporary directory. Each
 * mismatch gives its own reason; substitute-character flags turn a differing name or
 * address into "operator confirmation needed", never into a match. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/str.h"
#include "mpi/mpi.h"
#include "policy/consent_bind.h"

#define AA	"1.2.392.200119.6.102.33.1"
#define NOW	1700000000

static char tmpdir[256], envdir[300];
static struct mpi *m;


static void
put(const char *pid, const char *fam, const char *giv, const char *birth, char sex,
    const char *addr)
{
	struct mpi_patient p;

	memset(&p, 0, sizeof(p));
	str_copy(p.mp_pid, sizeof(p.mp_pid), pid);
	str_copy(p.mp_demog.md_kanji.mn_family, MPI_NAME_MAX, fam);
	str_copy(p.mp_demog.md_kanji.mn_given, MPI_NAME_MAX, giv);
	str_copy(p.mp_demog.md_kana.mn_family, MPI_NAME_MAX, "ヤマダ");
	str_copy(p.mp_demog.md_birth, sizeof(p.mp_demog.md_birth), birth);
	p.mp_demog.md_sex = sex;
	str_copy(p.mp_demog.md_addr, sizeof(p.mp_demog.md_addr), addr);
	assert_int_equal(mpi_patient_put(m, &p, "test", NOW, NULL), MPI_OK);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-bind.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(envdir, sizeof(envdir), "%s/mpi", tmpdir);
	if ((m = mpi_open(envdir, 16 << 20, AA)) == NULL)
		return -1;
	put("P001", "山田", "太郎", "19800102", 'M', "東京都千代田区千代田1-1");
	put("P002", "髙橋", "花子", "19900315", 'F', "大阪府大阪市北区梅田1丁目2-3");
	put("P003", "山田", "太郎", "19800102", 'M', "");	/* no address */
	put("P004", "SMITH", "JOHN", "19750505", 'M', "東京都港区六本木6-10-1");
	put("P005", "佐藤", "光", "20000101", 'U', "北海道札幌市中央区北1条西2丁目");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mpi_close(m);
	m = NULL;
	return tmpdir_remove(tmpdir);
}

/* A signer for 山田　太郎 as the certificate writes him. */
static void
yamada(struct jpki_signer *s)
{
	memset(s, 0, sizeof(*s));
	str_copy(s->js_name, sizeof(s->js_name), "山田　太郎");
	str_copy(s->js_name_flags, sizeof(s->js_name_flags), "00000");
	s->js_sex = '1';
	str_copy(s->js_birth, sizeof(s->js_birth), "319800102");	/* 昭和, 1980 */
	str_copy(s->js_addr, sizeof(s->js_addr), "東京都千代田区千代田一丁目１番");
	str_copy(s->js_addr_flags, sizeof(s->js_addr_flags), "000000000000000");
}

static enum consent_bind_reason
bind(const char *pid, const struct jpki_signer *s, unsigned *diff)
{
	return consent_bind(m, pid, s, diff);
}

static void
test_match(void **state)
{
	struct jpki_signer s;
	unsigned diff = 99;

	(void)state;
	yamada(&s);
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_OK);
	assert_int_equal(diff, 0);
	/* the CX form of the same id; a certificate without flags */
	s.js_name_flags[0] = s.js_addr_flags[0] = '\0';
	assert_int_equal(bind("P001^^^&" AA "&ISO", &s, NULL), CONSENT_BIND_OK);
	/* old/new kanji and width are normalised: 高橋 in the certificate, 髙橋 in the MPI */
	memset(&s, 0, sizeof(s));
	str_copy(s.js_name, sizeof(s.js_name), "高橋　花子");
	s.js_sex = '2';
	str_copy(s.js_birth, sizeof(s.js_birth), "419900315");	/* 平成2 */
	str_copy(s.js_addr, sizeof(s.js_addr), "大阪府大阪市北区梅田一丁目２番３号");
	assert_int_equal(bind("P002", &s, &diff), CONSENT_BIND_OK);
	/* a name without 氏/名 separator compares whole (foreign resident) */
	memset(&s, 0, sizeof(s));
	str_copy(s.js_name, sizeof(s.js_name), "SMITH JOHN");
	s.js_sex = '1';
	str_copy(s.js_birth, sizeof(s.js_birth), "319750505");
	str_copy(s.js_addr, sizeof(s.js_addr), "東京都港区六本木六丁目10番1号");
	assert_int_equal(bind("P004", &s, NULL), CONSENT_BIND_OK);
	/* JPKI 3 (unknown) is the MPI's U */
	memset(&s, 0, sizeof(s));
	str_copy(s.js_name, sizeof(s.js_name), "佐藤　光");
	s.js_sex = '3';
	str_copy(s.js_birth, sizeof(s.js_birth), "420000101");
	str_copy(s.js_addr, sizeof(s.js_addr), "北海道札幌市中央区北一条西二丁目");
	assert_int_equal(bind("P005", &s, NULL), CONSENT_BIND_OK);
}

static void
test_mismatch(void **state)
{
	struct jpki_signer s;
	unsigned diff;

	(void)state;
	yamada(&s);
	str_copy(s.js_name, sizeof(s.js_name), "山田　次郎");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_NAME);
	assert_int_equal(diff, CONSENT_BIND_D_NAME);
	/* same letters, other split: 山田太 / 郎 is not 山田 / 太郎 */
	str_copy(s.js_name, sizeof(s.js_name), "山田太　郎");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_NAME);

	yamada(&s);
	str_copy(s.js_birth, sizeof(s.js_birth), "319800103");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_BIRTH);
	assert_int_equal(diff, CONSENT_BIND_D_BIRTH);

	yamada(&s);
	s.js_sex = '2';
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_SEX);
	s.js_sex = '3';		/* unknown is not male */
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_SEX);

	yamada(&s);
	str_copy(s.js_addr, sizeof(s.js_addr), "東京都千代田区千代田一丁目２番");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_ADDR);
	assert_int_equal(diff, CONSENT_BIND_D_ADDR);

	/* everything differs: birth is reported, the diff says all */
	str_copy(s.js_name, sizeof(s.js_name), "鈴木　一郎");
	str_copy(s.js_birth, sizeof(s.js_birth), "319700101");
	s.js_sex = '2';
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_BIRTH);
	assert_int_equal(diff, CONSENT_BIND_D_BIRTH | CONSENT_BIND_D_SEX | CONSENT_BIND_D_NAME |
	    CONSENT_BIND_D_ADDR);
}

static void
test_substitute(void **state)
{
	struct jpki_signer s;
	unsigned diff;

	(void)state;
	/* a flagged name that still matches is a match */
	yamada(&s);
	str_copy(s.js_name_flags, sizeof(s.js_name_flags), "01000");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_OK);
	/* a flagged name that differs needs an operator, not "name differs" */
	str_copy(s.js_name, sizeof(s.js_name), "山由　太郎");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_SUBSTITUTE);
	assert_int_equal(diff, CONSENT_BIND_D_NAME | CONSENT_BIND_D_SUBST);
	assert_string_equal(consent_bind_strerror(CONSENT_BIND_SUBSTITUTE),
	    "substitute characters: operator confirmation needed");
	/* but a birth date that differs is still just that */
	str_copy(s.js_birth, sizeof(s.js_birth), "319800103");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_BIRTH);
	/* and so is an unflagged address that differs */
	yamada(&s);
	str_copy(s.js_name_flags, sizeof(s.js_name_flags), "01000");
	str_copy(s.js_name, sizeof(s.js_name), "山由　太郎");
	str_copy(s.js_addr, sizeof(s.js_addr), "東京都千代田区千代田一丁目２番");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_ADDR);
	/* a flagged address that differs */
	yamada(&s);
	str_copy(s.js_addr_flags, sizeof(s.js_addr_flags), "000000100000000");
	str_copy(s.js_addr, sizeof(s.js_addr), "東京都千代田区千伐田一丁目１番");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_SUBSTITUTE);
	assert_int_equal(diff, CONSENT_BIND_D_ADDR | CONSENT_BIND_D_SUBST);
	/* flags that are not 0/1 count as flagged (only the reason can change) */
	yamada(&s);
	str_copy(s.js_name_flags, sizeof(s.js_name_flags), "0?000");
	str_copy(s.js_name, sizeof(s.js_name), "山由　太郎");
	assert_int_equal(bind("P001", &s, &diff), CONSENT_BIND_SUBSTITUTE);
}

static void
test_no_record(void **state)
{
	struct jpki_signer s;

	(void)state;
	yamada(&s);
	assert_int_equal(bind("P999", &s, NULL), CONSENT_BIND_NO_PATIENT);
	assert_string_equal(consent_bind_strerror(CONSENT_BIND_NO_PATIENT),
	    "patient not in MPI");
	assert_int_equal(bind("P001^^^&1.2.3.4&ISO", &s, NULL), CONSENT_BIND_AUTHORITY);
	assert_int_equal(bind("", &s, NULL), CONSENT_BIND_NO_PATIENT);
	/* a record without an address cannot be bound: the address is one of the four */
	assert_int_equal(bind("P003", &s, NULL), CONSENT_BIND_RECORD);
}

static void
test_bad_signer(void **state)
{
	struct jpki_signer s;

	(void)state;
	yamada(&s);
	str_copy(s.js_birth, sizeof(s.js_birth), "419800102");	/* 平成 has no 1980 */
	assert_int_equal(bind("P001", &s, NULL), CONSENT_BIND_SIGNER);
	yamada(&s);
	s.js_sex = 'M';		/* not a JPKI value */
	assert_int_equal(bind("P001", &s, NULL), CONSENT_BIND_SIGNER);
	yamada(&s);
	s.js_name[0] = '\0';
	assert_int_equal(bind("P001", &s, NULL), CONSENT_BIND_SIGNER);
	yamada(&s);
	s.js_addr[0] = '\0';
	assert_int_equal(bind("P001", &s, NULL), CONSENT_BIND_SIGNER);
	yamada(&s);
	memset(s.js_name, 'A', sizeof(s.js_name));	/* not terminated */
	assert_int_equal(bind("P001", &s, NULL), CONSENT_BIND_SIGNER);
	yamada(&s);
	str_copy(s.js_name, sizeof(s.js_name), "山田\x01太郎");
	assert_int_equal(bind("P001", &s, NULL), CONSENT_BIND_SIGNER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_substitute),
		cmocka_unit_test(test_no_record),
		cmocka_unit_test(test_bad_signer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
