/* Unit tests for mpi/mpi (store, indexes, search, correlations, review, journal, batch
 * reader) against a real LMDB environment in a temporary directory. The import tests are in
 * test_mpi_import.c. */
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
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/str.h"
#include "mpi/mpi.h"
#include "mpi/norm.h"

#define AA	"1.2.392.200000.10.1"
#define PEER	"urn:oid:1.2.392.200000.20"
#define PEER2	"urn:oid:1.2.392.200000.30"
#define RAA	"1.2.392.200000.20.1"	/* the peer's assigning authority */
#define FAA	"1.2.392.100495.20.3.51.11312345670"	/* a facility's */
#define NOW	1700000000

static char tmpdir[256], envdir[300];
static struct mpi *m;


static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-mpi.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(envdir, sizeof(envdir), "%s/mpi", tmpdir);
	m = mpi_open(envdir, 64 << 20, AA);
	return m == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	mpi_close(m);
	m = NULL;
	return tmpdir_remove(tmpdir);
}

/* Fills P with a patient. */
static void
mkpat(struct mpi_patient *p, const char *pid, const char *fam, const char *giv,
    const char *kfam, const char *kgiv, const char *birth, char sex, const char *addr)
{
	memset(p, 0, sizeof(*p));
	str_copy(p->mp_pid, sizeof(p->mp_pid), pid);
	str_copy(p->mp_demog.md_kanji.mn_family, MPI_NAME_MAX, fam);
	str_copy(p->mp_demog.md_kanji.mn_given, MPI_NAME_MAX, giv);
	str_copy(p->mp_demog.md_kana.mn_family, MPI_NAME_MAX, kfam);
	str_copy(p->mp_demog.md_kana.mn_given, MPI_NAME_MAX, kgiv);
	str_copy(p->mp_demog.md_birth, sizeof(p->mp_demog.md_birth), birth);
	p->mp_demog.md_sex = sex;
	str_copy(p->mp_demog.md_addr, sizeof(p->mp_demog.md_addr), addr);
}

static void
put_yamada(const char *pid)
{
	struct mpi_patient p;

	mkpat(&p, pid, "山田", "太郎", "ヤマダ", "タロウ", "19800102", 'M',
	    "東京都千代田区千代田1-1");
	assert_int_equal(mpi_patient_put(m, &p, "test", NOW, NULL), MPI_OK);
}

static void
test_roundtrip(void **state)
{
	struct mpi_patient p, q;
	int created = -1;

	(void)state;
	mkpat(&p, "P001", "髙橋", "花子", "タカハシ", "ハナコ", "19900315", 'F',
	    "大阪府大阪市北区梅田1丁目2-3");
	str_copy(p.mp_demog.md_postal, 8, "5300001");
	str_copy(p.mp_demog.md_phone, 32, "06-1234-5678");
	str_copy(p.mp_fac[0], MPI_ID_MAX, "MRN77^^^&" FAA "&ISO");
	p.mp_nfac = 1;
	assert_int_equal(mpi_patient_put(m, &p, "test", NOW, &created), MPI_OK);
	assert_int_equal(created, 1);
	assert_int_equal(mpi_patient_get(m, "P001^^^&" AA "&ISO", &q), MPI_OK);
	assert_string_equal(q.mp_pid, "P001^^^&" AA "&ISO");
	assert_memory_equal(&q.mp_demog, &p.mp_demog, sizeof(p.mp_demog));
	assert_int_equal(q.mp_nfac, 1);
	assert_string_equal(q.mp_fac[0], "MRN77^^^&" FAA "&ISO");
	assert_int_equal(q.mp_created, NOW);
	assert_int_equal(q.mp_keys.mk_version, NORM_VERSION);
	assert_string_equal(q.mp_keys.mk_birth, "19900315");
	assert_int_equal(q.mp_keys.mk_sex, 'F');
	assert_true(q.mp_keys.mk_family[0] != '\0' && q.mp_keys.mk_kfamily[0] != '\0');
	/* an update keeps the creation time */
	assert_int_equal(mpi_patient_put(m, &p, "test", NOW + 50, &created), MPI_OK);
	assert_int_equal(created, 0);
	assert_int_equal(mpi_patient_get(m, "P001", &q), MPI_OK);
	assert_int_equal(q.mp_created, NOW);
	assert_int_equal(q.mp_updated, NOW + 50);
}

static void
test_pid_rules(void **state)
{
	struct mpi_patient p, q;
	char out[MPI_ID_MAX];

	(void)state;
	put_yamada("P1");
	assert_int_equal(mpi_patient_get(m, "P1^^^&1.9.9&ISO", &q), MPI_E_AUTHORITY);
	assert_int_equal(mpi_patient_get(m, "P 1", &q), MPI_E_INVALID);
	assert_int_equal(mpi_patient_get(m, "", &q), MPI_E_INVALID);
	assert_int_equal(mpi_patient_get(m, "P2", &q), MPI_E_NOTFOUND);
	assert_int_equal(mpi_patient_get(m, "P1^^^&urn:oid:" AA "&ISO", &q), MPI_OK);
	assert_int_equal(mpi_pid_cx(m, "P1", out, sizeof(out)), MPI_OK);
	assert_string_equal(out, "P1^^^&" AA "&ISO");
	mkpat(&p, "P9^^^&1.9.9&ISO", "a", "", "", "", "19800102", 'M', "");
	assert_int_equal(mpi_patient_put(m, &p, "t", NOW, NULL), MPI_E_AUTHORITY);
	mkpat(&p, "P9", "a", "", "", "", "19801302", 'M', "");	/* month 13 */
	assert_int_equal(mpi_patient_put(m, &p, "t", NOW, NULL), MPI_E_INVALID);
	mkpat(&p, "P9", "a\x01", "", "", "", "19800102", 'M', "");
	assert_int_equal(mpi_patient_put(m, &p, "t", NOW, NULL), MPI_E_INVALID);
	mkpat(&p, "P9", "a", "", "", "", "19800102", 0, "");
	assert_int_equal(mpi_patient_put(m, &p, "t", NOW, NULL), MPI_E_INVALID);
	assert_int_equal(mpi_patient_get(m, "P9", &q), MPI_E_NOTFOUND);
}

/* Returns how many hits of a name-only (kanji) search for FAM GIV are PID. */
static int
name_hits(const char *fam, const char *giv, const char *pid)
{
	struct mpi_demog q;
	struct mpi_hits h;
	char cx[MPI_ID_MAX];
	size_t i;
	int n = 0;

	memset(&q, 0, sizeof(q));
	str_copy(q.md_kanji.mn_family, MPI_NAME_MAX, fam);
	str_copy(q.md_kanji.mn_given, MPI_NAME_MAX, giv);
	assert_int_equal(mpi_find(m, &q, MPI_FIND_ALL, &h), MPI_OK);
	assert_int_equal(mpi_pid_cx(m, pid, cx, sizeof(cx)), MPI_OK);
	for (i = 0; i < h.mh_n; i++)
		n += strcmp(h.mh_hit[i].mh_pid, cx) == 0;
	mpi_hits_free(&h);
	return n;
}

static void
test_index_update(void **state)
{
	struct mpi_patient p;
	char out[MPI_ID_MAX];

	(void)state;
	mkpat(&p, "P1", "山田", "太郎", "ヤマダ", "タロウ", "19800102", 'M', "");
	str_copy(p.mp_fac[0], MPI_ID_MAX, "A1^^^&" FAA "&ISO");
	p.mp_nfac = 1;
	assert_int_equal(mpi_patient_put(m, &p, "t", NOW, NULL), MPI_OK);
	assert_int_equal(name_hits("山田", "太郎", "P1"), 1);
	/* unsplit spelling gives the same key */
	assert_int_equal(name_hits("山田太郎", "", "P1"), 1);
	mkpat(&p, "P1", "佐藤", "太郎", "サトウ", "タロウ", "19800102", 'M', "");
	str_copy(p.mp_fac[0], MPI_ID_MAX, "A2^^^&" FAA "&ISO");
	p.mp_nfac = 1;
	assert_int_equal(mpi_patient_put(m, &p, "t", NOW + 1, NULL), MPI_OK);
	assert_int_equal(name_hits("山田", "太郎", "P1"), 0);
	assert_int_equal(name_hits("佐藤", "太郎", "P1"), 1);
	assert_int_equal(mpi_patient_by_facility(m, "A1^^^&" FAA "&ISO", out, sizeof(out)),
	    MPI_E_NOTFOUND);
	assert_int_equal(mpi_patient_by_facility(m, "A2^^^&" FAA "&ISO", out, sizeof(out)),
	    MPI_OK);
	assert_string_equal(out, "P1^^^&" AA "&ISO");
	/* a facility id belongs to one patient only */
	mkpat(&p, "P2", "鈴木", "一郎", "スズキ", "イチロウ", "19700101", 'M', "");
	str_copy(p.mp_fac[0], MPI_ID_MAX, "A2^^^&" FAA "&ISO");
	p.mp_nfac = 1;
	assert_int_equal(mpi_patient_put(m, &p, "t", NOW, NULL), MPI_E_CONFLICT);
	assert_int_equal(mpi_patient_get(m, "P2", &p), MPI_E_NOTFOUND);
}

/* Searches with Q and returns the result for PID (-1 when not among the hits). */
static int
result_for(const struct mpi_demog *q, const char *pid)
{
	struct mpi_hits h;
	char cx[MPI_ID_MAX];
	size_t i;
	int r = -1;

	assert_int_equal(mpi_find(m, q, MPI_FIND_ALL, &h), MPI_OK);
	mpi_pid_cx(m, pid, cx, sizeof(cx));
	for (i = 0; i < h.mh_n; i++)
		if (strcmp(h.mh_hit[i].mh_pid, cx) == 0)
			r = (int)h.mh_hit[i].mh_result;
	mpi_hits_free(&h);
	return r;
}

static void
test_find_rules(void **state)
{
	struct mpi_patient p;
	struct mpi_demog q;
	struct mpi_hits h;

	(void)state;
	put_yamada("P1");
	/* 同姓同名, same birth and sex, another town */
	mkpat(&p, "P2", "山田", "太郎", "ヤマダ", "タロウ", "19800102", 'M',
	    "北海道札幌市中央区北1条西2丁目");
	assert_int_equal(mpi_patient_put(m, &p, "t", NOW, NULL), MPI_OK);
	mkpat(&p, "Q", "山田", "太郎", "ヤマダ", "タロウ", "19800102", 'M',
	    "東京都千代田区千代田1-1");
	q = p.mp_demog;
	assert_int_equal(result_for(&q, "P1"), MATCH_AUTO);
	assert_int_not_equal(result_for(&q, "P2"), MATCH_AUTO);
	assert_int_not_equal(result_for(&q, "P2"), -1);
	/* three attributes are never enough */
	q.md_addr[0] = '\0';
	assert_int_not_equal(result_for(&q, "P1"), MATCH_AUTO);
	q = p.mp_demog;
	q.md_sex = 'F';
	assert_int_not_equal(result_for(&q, "P1"), MATCH_AUTO);
	q = p.mp_demog;
	str_copy(q.md_birth, 9, "19800103");
	assert_int_not_equal(result_for(&q, "P1"), MATCH_AUTO);
	/* the best hit first; without MPI_FIND_ALL no MATCH_NONE */
	q = p.mp_demog;
	assert_int_equal(mpi_find(m, &q, 0, &h), MPI_OK);
	assert_true(h.mh_n >= 1);
	assert_int_equal(h.mh_hit[0].mh_result, MATCH_AUTO);
	assert_string_equal(h.mh_hit[0].mh_pid, "P1^^^&" AA "&ISO");
	for (size_t i = 0; i < h.mh_n; i++)
		assert_int_not_equal(h.mh_hit[i].mh_result, MATCH_NONE);
	mpi_hits_free(&h);
	/* nothing to look up by */
	memset(&q, 0, sizeof(q));
	q.md_sex = 'M';
	assert_int_equal(mpi_find(m, &q, MPI_FIND_ALL, &h), MPI_E_INVALID);
	/* prefix search by family name */
	memset(&q, 0, sizeof(q));
	str_copy(q.md_kanji.mn_family, MPI_NAME_MAX, "山田");
	assert_int_equal(mpi_find(m, &q, MPI_FIND_ALL | MPI_FIND_PREFIX, &h), MPI_OK);
	assert_int_equal(h.mh_n, 2);
	mpi_hits_free(&h);
	assert_int_equal(mpi_find(m, &q, MPI_FIND_ALL, &h), MPI_OK);
	assert_int_equal(h.mh_n, 0);
	mpi_hits_free(&h);
}

static void
test_corr_fresh_expired(void **state)
{
	struct mpi_corr c;
	struct mpi_corrs cs;

	(void)state;
	put_yamada("P1");
	assert_int_equal(mpi_link(m, "P1", PEER, "R1^^^&" RAA "&ISO", MPI_HOW_XCPD, NOW,
	    NOW + 100, "gw"), MPI_OK);
	assert_int_equal(mpi_corr_get(m, "P1", PEER, NOW + 99, &c), MPI_OK);
	assert_int_equal(c.mc_fresh, 1);
	assert_string_equal(c.mc_remote, "R1^^^&" RAA "&ISO");
	assert_string_equal(c.mc_local, "P1^^^&" AA "&ISO");
	assert_int_equal(c.mc_how, MPI_HOW_XCPD);
	assert_int_equal(c.mc_matched_at, NOW);
	assert_int_equal(c.mc_expires_at, NOW + 100);
	assert_int_equal(mpi_corr_get(m, "P1", PEER, NOW + 100, &c), MPI_OK);
	assert_int_equal(c.mc_fresh, 0);
	assert_int_equal(mpi_corr_get(m, "P1", PEER2, NOW, &c), MPI_E_NOTFOUND);
	/* HCID without the urn:oid: prefix is the same community */
	assert_int_equal(mpi_corr_get(m, "P1", "1.2.392.200000.20", NOW, &c), MPI_OK);
	assert_int_equal(mpi_link(m, "P1", PEER2, "Z9^^^&1.2.392.200000.30.1&ISO",
	    MPI_HOW_PIX, NOW, 0, "gw"), MPI_OK);
	assert_int_equal(mpi_corr_list(m, "P1", NOW + 500, &cs), MPI_OK);
	assert_int_equal(cs.mc_n, 2);
	assert_string_equal(cs.mc_corr[0].mc_hcid, PEER);
	assert_int_equal(cs.mc_corr[0].mc_fresh, 0);
	assert_string_equal(cs.mc_corr[1].mc_hcid, PEER2);
	assert_int_equal(cs.mc_corr[1].mc_fresh, 1);
	mpi_corrs_free(&cs);
	/* a patient that does not exist cannot be linked */
	assert_int_equal(mpi_link(m, "NOPE", PEER, "R2^^^&" RAA "&ISO", MPI_HOW_XCPD, NOW,
	    0, "gw"), MPI_E_NOTFOUND);
	/* a remote id needs its authority */
	assert_int_equal(mpi_link(m, "P1", PEER, "R2", MPI_HOW_XCPD, NOW, 0, "gw"),
	    MPI_E_INVALID);
}

static void
test_corr_conflict_reverse(void **state)
{
	struct mpi_corr c;

	(void)state;
	put_yamada("P1");
	put_yamada("P2");
	assert_int_equal(mpi_link(m, "P1", PEER, "R1^^^&" RAA "&ISO", MPI_HOW_XCPD, NOW,
	    NOW + 100, "gw"), MPI_OK);
	assert_int_equal(mpi_corr_reverse(m, PEER, "R1^^^&urn:oid:" RAA "&ISO", NOW, &c),
	    MPI_OK);
	assert_string_equal(c.mc_local, "P1^^^&" AA "&ISO");
	assert_int_equal(mpi_corr_reverse(m, PEER, "R2^^^&" RAA "&ISO", NOW, &c),
	    MPI_E_NOTFOUND);
	/* fresh links are not replaced, in either direction */
	assert_int_equal(mpi_link(m, "P1", PEER, "R2^^^&" RAA "&ISO", MPI_HOW_XCPD, NOW, 0,
	    "gw"), MPI_E_CONFLICT);
	assert_int_equal(mpi_link(m, "P2", PEER, "R1^^^&" RAA "&ISO", MPI_HOW_XCPD, NOW, 0,
	    "gw"), MPI_E_CONFLICT);
	/* once expired, another patient may take the remote id */
	assert_int_equal(mpi_link(m, "P2", PEER, "R1^^^&" RAA "&ISO", MPI_HOW_XCPD,
	    NOW + 200, NOW + 300, "gw"), MPI_OK);
	assert_int_equal(mpi_corr_get(m, "P1", PEER, NOW + 200, &c), MPI_E_NOTFOUND);
	assert_int_equal(mpi_corr_reverse(m, PEER, "R1^^^&" RAA "&ISO", NOW + 200, &c),
	    MPI_OK);
	assert_string_equal(c.mc_local, "P2^^^&" AA "&ISO");
	/* an expired link of the patient itself is replaced, both directions */
	assert_int_equal(mpi_link(m, "P2", PEER, "R3^^^&" RAA "&ISO", MPI_HOW_XCPD,
	    NOW + 400, NOW + 500, "gw"), MPI_OK);
	assert_int_equal(mpi_corr_get(m, "P2", PEER, NOW + 400, &c), MPI_OK);
	assert_string_equal(c.mc_remote, "R3^^^&" RAA "&ISO");
	assert_int_equal(mpi_corr_reverse(m, PEER, "R1^^^&" RAA "&ISO", NOW + 400, &c),
	    MPI_E_NOTFOUND);
	assert_int_equal(mpi_corr_reverse(m, PEER, "R3^^^&" RAA "&ISO", NOW + 400, &c),
	    MPI_OK);
	assert_string_equal(c.mc_local, "P2^^^&" AA "&ISO");
	/* an operator's link is not downgraded by an XCPD rediscovery */
	assert_int_equal(mpi_link(m, "P1", PEER, "R5^^^&" RAA "&ISO", MPI_HOW_OPERATOR, NOW,
	    0, "op"), MPI_OK);
	assert_int_equal(mpi_link(m, "P1", PEER, "R5^^^&" RAA "&ISO", MPI_HOW_XCPD, NOW + 1,
	    NOW + 10, "gw"), MPI_OK);
	assert_int_equal(mpi_corr_get(m, "P1", PEER, NOW + 1000, &c), MPI_OK);
	assert_int_equal(c.mc_how, MPI_HOW_OPERATOR);
	assert_int_equal(c.mc_expires_at, 0);
	assert_int_equal(c.mc_fresh, 1);
}

static void
test_unlink(void **state)
{
	struct mpi_corr c;
	struct mpi_event ev;
	struct mpi_stats st;

	(void)state;
	put_yamada("P1");
	assert_int_equal(mpi_link(m, "P1", PEER, "R1^^^&" RAA "&ISO", MPI_HOW_OPERATOR, NOW,
	    0, "op"), MPI_OK);
	assert_int_equal(mpi_unlink(m, "P1^^^&" AA "&ISO", PEER, "op2", NOW + 5), MPI_OK);
	assert_int_equal(mpi_corr_get(m, "P1", PEER, NOW, &c), MPI_E_NOTFOUND);
	assert_int_equal(mpi_corr_reverse(m, PEER, "R1^^^&" RAA "&ISO", NOW, &c),
	    MPI_E_NOTFOUND);
	assert_int_equal(mpi_unlink(m, "P1", PEER, "op2", NOW + 6), MPI_E_NOTFOUND);
	/* the remote id is free again */
	put_yamada("P2");
	assert_int_equal(mpi_link(m, "P2", PEER, "R1^^^&" RAA "&ISO", MPI_HOW_OPERATOR, NOW,
	    0, "op"), MPI_OK);
	/* journal: upsert, link, unlink, upsert, link */
	assert_int_equal(mpi_event_next(m, 2, &ev), MPI_OK);
	assert_int_equal(ev.me_seq, 3);
	assert_int_equal(ev.me_type, MPI_EV_UNLINK);
	assert_string_equal(ev.me_actor, "op2");
	assert_int_equal(ev.me_time, NOW + 5);
	assert_non_null(strstr(ev.me_details, "remote=R1^^^&" RAA "&ISO"));
	assert_int_equal(mpi_event_next(m, 5, &ev), MPI_E_NOTFOUND);
	assert_int_equal(mpi_stats(m, NOW, &st), MPI_OK);
	assert_int_equal(st.ms_patients, 2);
	assert_int_equal(st.ms_correlations, 1);
	assert_int_equal(st.ms_events, 5);
}

static void
test_review(void **state)
{
	struct mpi_candidate c;
	struct mpi_candidates cs;
	struct mpi_corr corr;
	struct mpi_event ev;
	uint64_t id = 0, id2 = 0;

	(void)state;
	put_yamada("P1");
	memset(&c, 0, sizeof(c));
	str_copy(c.mv_local, MPI_ID_MAX, "P1");
	str_copy(c.mv_hcid, MPI_HCID_MAX, PEER);
	str_copy(c.mv_remote, MPI_ID_MAX, "R7^^^&" RAA "&ISO");
	str_copy(c.mv_demog.md_kanji.mn_family, MPI_NAME_MAX, "山田");
	str_copy(c.mv_demog.md_kana.mn_family, MPI_NAME_MAX, "ヤマダ");
	str_copy(c.mv_demog.md_birth, 9, "19800102");
	c.mv_demog.md_sex = 'M';
	c.mv_diff = 0x10;
	assert_int_equal(mpi_review_add(m, &c, NOW, &id), MPI_OK);
	assert_int_equal(id, 1);
	assert_int_equal(mpi_review_add(m, &c, NOW + 1, &id2), MPI_OK);
	assert_int_equal(id2, 1);
	str_copy(c.mv_remote, MPI_ID_MAX, "R8^^^&" RAA "&ISO");
	assert_int_equal(mpi_review_add(m, &c, NOW + 2, &id2), MPI_OK);
	assert_int_equal(id2, 2);
	assert_int_equal(mpi_review_list(m, &cs), MPI_OK);
	assert_int_equal(cs.mv_n, 2);
	assert_int_equal(cs.mv_cand[0].mv_id, 1);
	assert_string_equal(cs.mv_cand[0].mv_local, "P1^^^&" AA "&ISO");
	assert_string_equal(cs.mv_cand[0].mv_remote, "R7^^^&" RAA "&ISO");
	assert_string_equal(cs.mv_cand[0].mv_demog.md_kanji.mn_family, "山田");
	assert_int_equal(cs.mv_cand[0].mv_diff, 0x10);
	assert_int_equal(cs.mv_cand[0].mv_found_at, NOW + 1);
	mpi_candidates_free(&cs);
	/* confirm #1: an OPERATOR correlation that never expires */
	assert_int_equal(mpi_review_confirm(m, 1, "op", NOW + 10), MPI_OK);
	assert_int_equal(mpi_corr_get(m, "P1", PEER, NOW + 999999, &corr), MPI_OK);
	assert_string_equal(corr.mc_remote, "R7^^^&" RAA "&ISO");
	assert_int_equal(corr.mc_how, MPI_HOW_OPERATOR);
	assert_int_equal(corr.mc_expires_at, 0);
	assert_int_equal(mpi_review_confirm(m, 1, "op", NOW + 10), MPI_E_NOTFOUND);
	/* #2 now conflicts with the confirmed link; reject it, and it never comes back */
	assert_int_equal(mpi_review_confirm(m, 2, "op", NOW + 11), MPI_E_CONFLICT);
	assert_int_equal(mpi_review_reject(m, 2, "op", NOW + 12), MPI_OK);
	assert_int_equal(mpi_review_list(m, &cs), MPI_OK);
	assert_int_equal(cs.mv_n, 0);
	mpi_candidates_free(&cs);
	assert_int_equal(mpi_review_add(m, &c, NOW + 13, &id2), MPI_E_REJECTED);
	/* a candidate already linked is not queued */
	str_copy(c.mv_remote, MPI_ID_MAX, "R7^^^&" RAA "&ISO");
	assert_int_equal(mpi_review_add(m, &c, NOW + 14, &id2), MPI_OK);
	assert_int_equal(id2, 0);
	assert_int_equal(mpi_event_next(m, 0, &ev), MPI_OK);
	while (ev.me_type != MPI_EV_CONFIRM)
		assert_int_equal(mpi_event_next(m, ev.me_seq, &ev), MPI_OK);
	assert_string_equal(ev.me_actor, "op");
	assert_int_equal(mpi_event_next(m, ev.me_seq, &ev), MPI_OK);
	assert_int_equal(ev.me_type, MPI_EV_REJECT);
}

static void
test_reader(void **state)
{
	struct mpi_reader *r;
	struct mpi_summary s;
	struct mpi_remote rm;
	struct timespec t0, t1;
	char pid[32];
	double secs;
	int i, n = 200000;

	(void)state;
	put_yamada("P1");
	put_yamada("P2");
	assert_int_equal(mpi_link(m, "P1", PEER, "R1^^^&" RAA "&ISO", MPI_HOW_XCPD, NOW,
	    NOW + 10, "gw"), MPI_OK);
	assert_int_equal(mpi_reader_begin(m, &r), MPI_OK);
	assert_int_equal(mpi_reader_lookup(r, "P1^^^&" AA "&ISO", &s), MPI_OK);
	assert_string_equal(s.ms_id, "P1");
	assert_string_equal(s.ms_family, "山田");
	assert_string_equal(s.ms_kgiven, "タロウ");
	assert_string_equal(s.ms_birth, "19800102");
	assert_int_equal(s.ms_sex, 'M');
	assert_int_equal(mpi_reader_lookup(r, "P3", &s), MPI_E_NOTFOUND);
	assert_int_equal(mpi_reader_lookup(r, "P1^^^&1.2.3&ISO", &s), MPI_E_AUTHORITY);
	assert_int_equal(mpi_reader_remote(r, "P1", PEER, NOW, &rm), MPI_OK);
	assert_string_equal(rm.mr_remote, "R1^^^&" RAA "&ISO");
	assert_int_equal(rm.mr_fresh, 1);
	assert_int_equal(mpi_reader_remote(r, "P1", PEER, NOW + 10, &rm), MPI_OK);
	assert_int_equal(rm.mr_fresh, 0);
	assert_int_equal(mpi_reader_remote(r, "P2", PEER, NOW, &rm), MPI_E_NOTFOUND);
	/* the snapshot does not see later writes */
	put_yamada("P3");
	assert_int_equal(mpi_reader_lookup(r, "P3", &s), MPI_E_NOTFOUND);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "P%d", 1 + (i & 1));
		assert_int_equal(mpi_reader_lookup(r, pid, &s), MPI_OK);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	mpi_reader_end(r);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("# reader: %.0f lookups/s\n", n / secs);
	assert_int_equal(mpi_reader_begin(m, &r), MPI_OK);
	assert_int_equal(mpi_reader_lookup(r, "P3", &s), MPI_OK);
	mpi_reader_end(r);
	mpi_reader_end(NULL);
}

static void
test_reopen_and_perms(void **state)
{
	struct mpi_patient q;
	struct stat sb;
	char path[400];

	(void)state;
	put_yamada("P1");
	mpi_close(m);
	assert_null(mpi_open(envdir, 0, "not-an-oid"));
	m = mpi_open(envdir, 64 << 20, "urn:oid:" AA);
	assert_non_null(m);
	assert_int_equal(mpi_patient_get(m, "P1", &q), MPI_OK);
	assert_int_equal(stat(envdir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/data.mdb", envdir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_string_equal(mpi_strerror(MPI_E_AUTHORITY),
	    "patient id of another assigning authority");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corr_fresh_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corr_conflict_reverse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_review, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_and_perms, setup, teardown),
	};

	log_init("test_mpi", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
