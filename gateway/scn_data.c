/*
 * gateway/scn_data: see scn_data.h. The people, places and documents are drawn from small
 * tables of invented, typical Japanese values (the ideas of tests/data/gen_demo_data.awk)
 * with splitmix64 seeded by the region's name and the patient's or document's number, so
 * that each is a pure function of the scenario and can be made alone, in any order.
 * scn_data_cda.c writes the CDA and the ITI-41 request.
 */
#include "gateway/scn_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/civil.h"
#include "common/str.h"

struct sd_pair {
	const char	*k, *p;		/* kanji, katakana reading */
};

static const struct sd_pair sd_family[] = {
	{ "山田", "ヤマダ" }, { "佐藤", "サトウ" }, { "鈴木", "スズキ" }, { "高橋", "タカハシ" },
	{ "田中", "タナカ" }, { "伊藤", "イトウ" }, { "渡辺", "ワタナベ" }, { "中村", "ナカムラ" },
	{ "小林", "コバヤシ" }, { "加藤", "カトウ" }, { "吉田", "ヨシダ" }, { "山本", "ヤマモト" },
	{ "松本", "マツモト" }, { "井上", "イノウエ" }, { "木村", "キムラ" }, { "林", "ハヤシ" },
	{ "清水", "シミズ" }, { "森", "モリ" }, { "池田", "イケダ" }, { "橋本", "ハシモト" },
	{ "藤原", "フジワラ" }, { "岡田", "オカダ" }, { "石川", "イシカワ" }, { "前田", "マエダ" },
	{ "小川", "オガワ" }, { "三宅", "ミヤケ" }, { "難波", "ナンバ" }, { "守安", "モリヤス" },
	{ "錦織", "ニシコオリ" }, { "福間", "フクマ" }, { "景山", "カゲヤマ" },
	{ "石倉", "イシクラ" }, { "門脇", "カドワキ" }, { "安達", "アダチ" }, { "比嘉", "ヒガ" },
	{ "工藤", "クドウ" },
};

/* SD_GIVEN names per sex: the birth-date bijection below counts on both having as many. */
#define SD_GIVEN	15
static const struct sd_pair sd_male[SD_GIVEN] = {
	{ "太郎", "タロウ" }, { "一郎", "イチロウ" }, { "健一", "ケンイチ" }, { "浩", "ヒロシ" },
	{ "誠", "マコト" }, { "隆", "タカシ" }, { "大輔", "ダイスケ" }, { "翔太", "ショウタ" },
	{ "修", "オサム" }, { "茂", "シゲル" }, { "勇", "イサム" }, { "正男", "マサオ" },
	{ "悠真", "ユウマ" }, { "蓮", "レン" }, { "和夫", "カズオ" },
};
static const struct sd_pair sd_female[SD_GIVEN] = {
	{ "花子", "ハナコ" }, { "洋子", "ヨウコ" }, { "恵子", "ケイコ" }, { "幸子", "サチコ" },
	{ "美咲", "ミサキ" }, { "裕子", "ユウコ" }, { "久美子", "クミコ" }, { "和子", "カズコ" },
	{ "陽菜", "ヒナ" }, { "明美", "アケミ" }, { "直美", "ナオミ" }, { "千代", "チヨ" },
	{ "結衣", "ユイ" }, { "節子", "セツコ" }, { "由美", "ユミ" },
};

static const char *const sd_town[] = {
	"晴天町", "桃園町", "星見台", "青葉町", "若草町", "朝日が丘", "みどり町", "さくら通り",
	"ひばり台", "清流町", "菜の花町", "月見町", "やまびこ台", "白鷺町",
};

/* Institutions: a stem and a kind, e.g. 晴天総合病院; HOSP first (discharge summaries). */
static const char *const sd_fac_stem[] = {
	"晴天", "桃園", "星見", "青葉", "若草", "朝日", "みどり", "さくら", "ひばり", "清流",
};
static const struct sd_pair sd_fac_kind[] = {		/* name, HL7 RoleCode */
	{ "総合病院", "HOSP" }, { "記念病院", "HOSP" }, { "中央病院", "HOSP" },
	{ "クリニック", "OF" }, { "診療所", "OF" }, { "内科医院", "OF" },
};
#define SD_NHOSP	3

/* Diagnoses (ICD-10) with the practice setting (SNOMED CT) that usually writes about them. */
static const struct sd_pair sd_dx[] = {
	{ "2型糖尿病 (E11.9)", "394802001" }, { "本態性高血圧症 (I10)", "394802001" },
	{ "心房細動 (I48.9)", "394579002" }, { "慢性心不全 (I50.9)", "394579002" },
	{ "肺炎 (J18.9)", "394802001" }, { "脳梗塞 (I63.9)", "394591006" },
	{ "大腿骨頸部骨折 (S72.0)", "394801008" }, { "慢性腎臓病 (N18.9)", "394802001" },
	{ "慢性閉塞性肺疾患 (J44.9)", "394802001" }, { "脂質異常症 (E78.5)", "394802001" },
	{ "胃潰瘍 (K25.9)", "394584008" }, { "変形性膝関節症 (M17.9)", "394801008" },
	{ "急性虫垂炎 (K35.8)", "394609007" },
};
static const struct sd_pair sd_dept[] = {	/* code, name; 小児科 last */
	{ "394802001", "内科" }, { "394579002", "循環器内科" }, { "394584008", "消化器内科" },
	{ "394609007", "外科" }, { "394591006", "神経内科" }, { "394801008", "整形外科" },
	{ "394537008", "小児科" },
};

/* The 47 prefectures in JIS X 0401 order (code = index + 1). */
static const struct sd_pair sd_pref[47] = {
	{ "北海道", "hokkaido" }, { "青森県", "aomori" }, { "岩手県", "iwate" },
	{ "宮城県", "miyagi" }, { "秋田県", "akita" }, { "山形県", "yamagata" },
	{ "福島県", "fukushima" }, { "茨城県", "ibaraki" }, { "栃木県", "tochigi" },
	{ "群馬県", "gunma" }, { "埼玉県", "saitama" }, { "千葉県", "chiba" },
	{ "東京都", "tokyo" }, { "神奈川県", "kanagawa" }, { "新潟県", "niigata" },
	{ "富山県", "toyama" }, { "石川県", "ishikawa" }, { "福井県", "fukui" },
	{ "山梨県", "yamanashi" }, { "長野県", "nagano" }, { "岐阜県", "gifu" },
	{ "静岡県", "shizuoka" }, { "愛知県", "aichi" }, { "三重県", "mie" },
	{ "滋賀県", "shiga" }, { "京都府", "kyoto" }, { "大阪府", "osaka" },
	{ "兵庫県", "hyogo" }, { "奈良県", "nara" }, { "和歌山県", "wakayama" },
	{ "鳥取県", "tottori" }, { "島根県", "shimane" }, { "岡山県", "okayama" },
	{ "広島県", "hiroshima" }, { "山口県", "yamaguchi" }, { "徳島県", "tokushima" },
	{ "香川県", "kagawa" }, { "愛媛県", "ehime" }, { "高知県", "kochi" },
	{ "福岡県", "fukuoka" }, { "佐賀県", "saga" }, { "長崎県", "nagasaki" },
	{ "熊本県", "kumamoto" }, { "大分県", "oita" }, { "宮崎県", "miyazaki" },
	{ "鹿児島県", "kagoshima" }, { "沖縄県", "okinawa" },
};

/* Municipalities with the first five characters of their postal codes. */
struct sd_city {
	unsigned char	 pref;		/* JIS code */
	const char	*city, *postal;
};
static const struct sd_city sd_city[] = {
	{ 1, "札幌市中央区", "060-00" }, { 1, "旭川市", "070-00" }, { 1, "函館市", "040-00" },
	{ 2, "青森市", "030-08" }, { 2, "弘前市", "036-83" }, { 3, "盛岡市", "020-00" },
	{ 3, "花巻市", "025-00" }, { 4, "仙台市青葉区", "980-00" }, { 4, "石巻市", "986-00" },
	{ 5, "秋田市", "010-00" }, { 5, "横手市", "013-00" }, { 6, "山形市", "990-00" },
	{ 6, "鶴岡市", "997-00" }, { 6, "酒田市", "998-00" }, { 7, "福島市", "960-80" },
	{ 7, "郡山市", "963-80" }, { 8, "水戸市", "310-00" }, { 8, "つくば市", "305-00" },
	{ 9, "宇都宮市", "320-00" }, { 9, "小山市", "323-00" }, { 10, "前橋市", "371-00" },
	{ 10, "高崎市", "370-00" }, { 11, "さいたま市浦和区", "330-00" },
	{ 11, "川越市", "350-00" }, { 12, "千葉市中央区", "260-00" },
	{ 12, "船橋市", "273-00" }, { 13, "新宿区", "160-00" }, { 13, "世田谷区", "154-00" },
	{ 13, "八王子市", "192-00" }, { 14, "横浜市中区", "231-00" },
	{ 14, "川崎市川崎区", "210-00" }, { 15, "新潟市中央区", "951-80" },
	{ 15, "長岡市", "940-00" }, { 16, "富山市", "930-00" }, { 16, "高岡市", "933-00" },
	{ 17, "金沢市", "920-00" }, { 17, "小松市", "923-00" }, { 18, "福井市", "910-00" },
	{ 18, "敦賀市", "914-00" }, { 19, "甲府市", "400-00" }, { 20, "長野市", "380-00" },
	{ 20, "松本市", "390-00" }, { 21, "岐阜市", "500-80" }, { 21, "大垣市", "503-00" },
	{ 22, "静岡市葵区", "420-00" }, { 22, "沼津市", "410-00" },
	{ 23, "名古屋市中区", "460-00" }, { 23, "豊橋市", "440-00" }, { 24, "津市", "514-00" },
	{ 24, "四日市市", "510-00" }, { 25, "大津市", "520-00" }, { 25, "彦根市", "522-00" },
	{ 26, "京都市中京区", "604-00" }, { 26, "舞鶴市", "624-00" },
	{ 27, "大阪市北区", "530-00" }, { 27, "堺市堺区", "590-00" },
	{ 28, "神戸市中央区", "650-00" }, { 28, "姫路市", "670-00" },
	{ 29, "奈良市", "630-80" }, { 30, "和歌山市", "640-80" }, { 31, "鳥取市", "680-08" },
	{ 31, "米子市", "683-00" }, { 31, "倉吉市", "682-00" }, { 31, "境港市", "684-00" },
	{ 32, "松江市", "690-08" }, { 32, "出雲市", "693-00" }, { 32, "浜田市", "697-00" },
	{ 32, "益田市", "698-00" }, { 32, "大田市", "694-00" }, { 32, "安来市", "692-00" },
	{ 32, "雲南市", "699-13" }, { 33, "岡山市北区", "700-08" },
	{ 33, "岡山市中区", "703-82" }, { 33, "倉敷市", "710-00" }, { 33, "津山市", "708-08" },
	{ 33, "玉野市", "706-00" }, { 33, "総社市", "719-11" }, { 33, "新見市", "718-00" },
	{ 33, "笠岡市", "714-00" }, { 34, "広島市中区", "730-00" }, { 34, "福山市", "720-00" },
	{ 34, "呉市", "737-00" }, { 35, "山口市", "753-00" }, { 35, "下関市", "750-00" },
	{ 36, "徳島市", "770-00" }, { 37, "高松市", "760-00" }, { 37, "丸亀市", "763-00" },
	{ 38, "松山市", "790-00" }, { 38, "今治市", "794-00" }, { 39, "高知市", "780-00" },
	{ 40, "福岡市博多区", "812-00" }, { 40, "北九州市小倉北区", "802-00" },
	{ 40, "久留米市", "830-00" }, { 41, "佐賀市", "840-00" }, { 42, "長崎市", "850-00" },
	{ 42, "佐世保市", "857-00" }, { 43, "熊本市中央区", "860-00" },
	{ 44, "大分市", "870-00" }, { 45, "宮崎市", "880-00" }, { 46, "鹿児島市", "890-00" },
	{ 47, "那覇市", "900-00" }, { 47, "沖縄市", "904-00" },
};
/* Regions named after a demonstration city live there only. */
static const struct sd_pair sd_alias[] = { { "maebashi", "前橋市" }, { "sakata", "酒田市" } };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define SD_NCITY	NELEM(sd_city)

/* Birth dates of synthetic people: day 0 is 1930-01-01, the last 2015-12-31. Each person
 * takes one slot (day, sex, given name) of SD_SLOTS, through a fixed bijection, so that no
 * two share one. */
#define SD_Y0		1930
#define SD_DAYS		31411u	/* 1930-01-01 to 2015-12-31 */
#define SD_SLOTS	(SD_DAYS * 2 * SD_GIVEN)
#define SD_BITS		20	/* the bijection's domain, 2^20 > SD_SLOTS */

/* What making a region's patients and documents needs, computed once. */
struct sd_ctx {
	const struct scenario	*s;
	const struct scn_region	*r;
	uint64_t	 seed;		/* from the region's name */
	uint64_t	 offset;	/* synthetic people of the regions before this one */
	uint32_t	*skip;		/* sorted bijection inputs whose slot is on a listed
					 * patient's birth date */
	size_t		 nskip;
	unsigned	 pref;		/* JIS code */
	unsigned short	 city[SD_NCITY];	/* sd_city rows of the region */
	size_t		 ncity;
};

struct scn_doc_iter {
	struct sd_ctx		 it_c;
	size_t			 it_sdoc;	/* scenario documents given */
	size_t			 it_k;		/* synthetic patient being walked */
	int			 it_kdocs, it_kdone;	/* its documents, and given (0: not made) */
	struct scn_person	 it_kp;
	size_t			 it_n;		/* documents given */
	int			 it_failed;
};

/* ---- randomness: splitmix64, and FNV-1a for names ---- */

struct sd_rng {
	uint64_t	 s;
};

static uint64_t
sd_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
sd_rnd(struct sd_rng *g, uint32_t m)
{
	g->s += 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(sd_mix(g->s) % m);
}

static uint64_t
sd_fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; s != NULL && *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* ---- dates ---- */

/* Reads YYYY-MM-DD (the loader checked it); -1 when it is not that. */
static int
sd_parse_date(const char *s, int *y, int *m, int *d)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    strspn(s, "0123456789-") != 10)
		return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	return 0;
}

/* ---- the slot bijection: a 4-round Feistel network on SD_BITS bits, cycle-walked into
 * [0, SD_SLOTS), so that consecutive people get unrelated birth dates ---- */

#define SD_HALF		((1u << (SD_BITS / 2)) - 1)

static uint32_t
sd_round(int i, uint32_t x)
{
	return (uint32_t)(sd_mix(0x5d1a7a00ULL + ((uint64_t)i << 16) + x) & SD_HALF);
}

static uint32_t
sd_feistel(uint32_t x, int inverse)
{
	uint32_t l = x >> (SD_BITS / 2), r = x & SD_HALF, t;
	int i;

	for (i = 0; i < 4; i++) {
		if (!inverse) {
			t = r;
			r = l ^ sd_round(i, r);
			l = t;
		} else {
			t = l;
			l = r ^ sd_round(3 - i, l);
			r = t;
		}
	}
	return (l << (SD_BITS / 2)) | r;
}

static uint32_t
sd_perm(uint32_t x, int inverse)
{
	do
		x = sd_feistel(x, inverse);
	while (x >= SD_SLOTS);
	return x;
}

static int
sd_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Excludes the slots on every listed patient's birth date, of every region. */
static int
sd_ctx_skips(struct sd_ctx *c)
{
	const struct scenario *s = c->s;
	size_t i, k, n = 0;
	int64_t day, first = civil_days(SD_Y0, 1, 1);
	uint32_t t;
	int y, m, d;

	for (i = 0; i < s->nregions; i++)
		n += s->regions[i].npatients;
	if (n == 0)
		return 0;
	if ((c->skip = calloc(n * 2 * SD_GIVEN, sizeof(*c->skip))) == NULL)
		return -1;
	for (i = 0; i < s->nregions; i++) {
		for (k = 0; k < s->regions[i].npatients; k++) {
			if (sd_parse_date(s->regions[i].patients[k].birth, &y, &m, &d) == -1)
				continue;
			day = civil_days(y, m, d) - first;
			if (day < 0 || (uint64_t)day * 2 * SD_GIVEN >= SD_SLOTS)
				continue;
			for (t = 0; t < 2 * SD_GIVEN; t++)
				c->skip[c->nskip++] = sd_perm((uint32_t)day * 2 * SD_GIVEN + t, 1);
		}
	}
	qsort(c->skip, c->nskip, sizeof(*c->skip), sd_cmp_u32);
	for (i = k = 0; i < c->nskip; i++)	/* two listed patients born the same day */
		if (k == 0 || c->skip[k - 1] != c->skip[i])
			c->skip[k++] = c->skip[i];
	c->nskip = k;
	return 0;
}

/* The region's municipalities: its own (a demonstration city), else its prefecture's by
 * the region's name, else by its first listed patient's address, else one drawn by name. */
static void
sd_ctx_places(struct sd_ctx *c)
{
	const struct scn_region *r = c->r;
	size_t i;

	for (i = 0; i < SD_NCITY * NELEM(sd_alias); i++)
		if (strcmp(sd_alias[i / SD_NCITY].k, r->name) == 0 &&
		    strcmp(sd_alias[i / SD_NCITY].p, sd_city[i % SD_NCITY].city) == 0)
			c->city[c->ncity++] = (unsigned short)(i % SD_NCITY);
	if (c->ncity > 0) {
		c->pref = sd_city[c->city[0]].pref;
		return;
	}
	for (i = 0; i < NELEM(sd_pref) && c->pref == 0; i++)
		if (strcmp(sd_pref[i].p, r->name) == 0)
			c->pref = (unsigned)i + 1;
	for (i = 0; i < NELEM(sd_pref) && c->pref == 0 && r->npatients > 0; i++)
		if (r->patients[0].address != NULL &&
		    str_has_prefix(r->patients[0].address, sd_pref[i].k))
			c->pref = (unsigned)i + 1;
	if (c->pref == 0)
		c->pref = (unsigned)(sd_fnv(r->name) % NELEM(sd_pref)) + 1;
	for (i = 0; i < SD_NCITY; i++)
		if (sd_city[i].pref == c->pref)
			c->city[c->ncity++] = (unsigned short)i;
}

static int
sd_ctx_init(struct sd_ctx *c, const struct scenario *s, const struct scn_region *r)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->s = s;
	c->r = r;
	c->seed = sd_fnv(r->name);
	for (i = 0; i < s->nregions && &s->regions[i] != r; i++)
		c->offset += s->regions[i].synthetic > 0 ? (uint64_t)s->regions[i].synthetic : 0;
	sd_ctx_places(c);
	return sd_ctx_skips(c);
}

static void
sd_ctx_clear(struct sd_ctx *c)
{
	free(c->skip);
	c->skip = NULL;
}

/* ---- people ---- */

static int
sd_set(char *dst, size_t n, const char *v, const char *what, const char *id, char *err,
    size_t errsz)
{
	if (str_copy(dst, n, v != NULL ? v : "") == 0)
		return 0;
	snprintf(err, errsz, "patient %s: %s is longer than %zu bytes", id, what, n - 1);
	return -1;
}

static int
sd_listed(const struct scn_patient *q, struct scn_person *p, char *err, size_t errsz)
{
	memset(p, 0, sizeof(*p));
	if (sd_set(p->id, sizeof(p->id), q->id, "id", q->id, err, errsz) == -1 ||
	    sd_set(p->family, sizeof(p->family), q->family, "family", q->id, err, errsz) == -1 ||
	    sd_set(p->given, sizeof(p->given), q->given, "given", q->id, err, errsz) == -1 ||
	    sd_set(p->family_kana, sizeof(p->family_kana), q->family_kana, "family_kana",
	    q->id, err, errsz) == -1 ||
	    sd_set(p->given_kana, sizeof(p->given_kana), q->given_kana, "given_kana", q->id,
	    err, errsz) == -1 ||
	    sd_set(p->birth, sizeof(p->birth), q->birth, "birth", q->id, err, errsz) == -1 ||
	    sd_set(p->sex, sizeof(p->sex), q->sex, "sex", q->id, err, errsz) == -1 ||
	    sd_set(p->postal, sizeof(p->postal), q->postal, "postal", q->id, err, errsz) == -1 ||
	    sd_set(p->address, sizeof(p->address), q->address, "address", q->id, err,
	    errsz) == -1)
		return -1;
	return 0;
}

/* Synthetic patient K of the context's region; *NDOCS: how many documents they have. */
static int
sd_synthetic(const struct sd_ctx *c, size_t k, struct scn_person *p, int *ndocs)
{
	struct sd_rng g = { sd_mix(c->seed ^ ((uint64_t)(k + 1) << 20)) };
	const struct sd_pair *fam, *giv;
	const struct sd_city *ci;
	uint32_t avail = SD_SLOTS - (uint32_t)c->nskip, j, v, day;
	size_t i;
	int y, m, d, n, female;

	memset(p, 0, sizeof(*p));
	if (scenario_synthetic_id(c->r, k, p->id, sizeof(p->id)) == -1)
		return -1;
	p->synthetic = 1;
	/* the (offset + k)-th slot of the bijection that is not on a listed birth date */
	j = (uint32_t)((c->offset + k) % avail);
	for (i = 0; i < c->nskip && c->skip[i] <= j; i++)
		j++;
	v = sd_perm(j, 0);
	day = v / (2 * SD_GIVEN);
	female = v % (2 * SD_GIVEN) >= SD_GIVEN;
	giv = female ? &sd_female[v % SD_GIVEN] : &sd_male[v % SD_GIVEN];
	p->sex[0] = female ? 'F' : 'M';
	civil_from_days(civil_days(SD_Y0, 1, 1) + day, &y, &m, &d);
	snprintf(p->birth, sizeof(p->birth), "%04u-%02u-%02u", (unsigned)y % 10000,
	    (unsigned)m % 100, (unsigned)d % 100);
	fam = &sd_family[sd_rnd(&g, NELEM(sd_family))];
	str_copy(p->family, sizeof(p->family), fam->k);
	str_copy(p->family_kana, sizeof(p->family_kana), fam->p);
	str_copy(p->given, sizeof(p->given), giv->k);
	str_copy(p->given_kana, sizeof(p->given_kana), giv->p);
	ci = &sd_city[c->city[sd_rnd(&g, (uint32_t)c->ncity)]];
	snprintf(p->postal, sizeof(p->postal), "%s%02u", ci->postal, 1 + sd_rnd(&g, 99));
	n = snprintf(p->address, sizeof(p->address), "%s%s%s%u-%u-%u", sd_pref[ci->pref - 1].k,
	    ci->city, sd_town[sd_rnd(&g, NELEM(sd_town))], 1 + sd_rnd(&g, 5),
	    1 + sd_rnd(&g, 30), 1 + sd_rnd(&g, 20));
	if (ndocs != NULL)
		*ndocs = 1 + (int)sd_rnd(&g, 2);
	return n < 0 || (size_t)n >= sizeof(p->address) ? -1 : 0;
}

static int
sd_person(const struct sd_ctx *c, size_t i, struct scn_person *out, char *err, size_t errsz)
{
	const struct scn_region *r = c->r;

	if (i < r->npatients)
		return sd_listed(&r->patients[i], out, err, errsz);
	if (r->synthetic <= 0 || i - r->npatients >= (size_t)r->synthetic ||
	    sd_synthetic(c, i - r->npatients, out, NULL) == -1) {
		snprintf(err, errsz, "region %s has no patient %zu", r->name, i);
		return -1;
	}
	return 0;
}

int
scn_data_person(const struct scenario *s, const struct scn_region *r, size_t i,
    struct scn_person *out, char *err, size_t errsz)
{
	struct sd_ctx c;
	int ret = -1;

	if (sd_ctx_init(&c, s, r) == -1) {
		snprintf(err, errsz, "out of memory");
		goto done;
	}
	ret = sd_person(&c, i, out, err, errsz);
done:
	sd_ctx_clear(&c);
	return ret;
}

/* ---- the MPI's CSV ---- */

static void
sd_csv_field(struct strbuf *sb, const char *v, int last)
{
	const char *p;

	if (strpbrk(v, ",\"\r\n") == NULL) {
		strbuf_puts(sb, v);
	} else {	/* RFC 4180: quoted, a quote doubled */
		strbuf_puts(sb, "\"");
		for (p = v; *p != '\0'; p++) {
			if (*p == '"')
				strbuf_puts(sb, "\"\"");
			else
				strbuf_add(sb, p, 1);
		}
		strbuf_puts(sb, "\"");
	}
	strbuf_puts(sb, last ? "\n" : ",");
}

static void
sd_csv_row(struct strbuf *sb, const struct scn_region *r, const struct scn_person *p)
{
	strbuf_printf(sb, "%s^^^&%s&ISO,", p->id, r->assigning_authority);
	sd_csv_field(sb, p->family, 0);
	sd_csv_field(sb, p->given, 0);
	sd_csv_field(sb, p->family_kana, 0);
	sd_csv_field(sb, p->given_kana, 0);
	sd_csv_field(sb, p->birth, 0);
	sd_csv_field(sb, p->sex, 0);
	sd_csv_field(sb, p->postal, 0);
	sd_csv_field(sb, p->address, 1);
}

int
scn_data_patients_csv(const struct scenario *s, const struct scn_region *r,
    struct strbuf *out, char *err, size_t errsz)
{
	struct scn_person *p = NULL;
	struct sd_ctx c;
	size_t i, n = r->npatients + (r->synthetic > 0 ? (size_t)r->synthetic : 0);
	int ret = -1;

	if (sd_ctx_init(&c, s, r) == -1 || (p = malloc(sizeof(*p))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto done;
	}
	strbuf_puts(out, "pid,family,given,family_kana,given_kana,birth,sex,postal,address\n");
	for (i = 0; i < n; i++) {
		if (sd_person(&c, i, p, err, errsz) == -1)
			goto done;
		sd_csv_row(out, r, p);
	}
	if (out->sb_failed) {
		snprintf(err, errsz, "out of memory");
		goto done;
	}
	ret = 0;
done:
	free(p);
	sd_ctx_clear(&c);
	return ret;
}

/* ---- documents ---- */

/* Draws who wrote document N of the region about P, where and when; a discharge summary
 * (DISCHARGE) comes from a hospital and covers a stay. */
static void
sd_meta(const struct sd_ctx *c, size_t n, const struct scn_person *p, int discharge,
    struct scn_doc_meta *m)
{
	struct sd_rng g = { sd_mix(c->seed ^ 0xd0c0000000000000ULL ^ (uint64_t)n) };
	unsigned stem = sd_rnd(&g, NELEM(sd_fac_stem));
	unsigned kind = sd_rnd(&g, discharge ? SD_NHOSP : NELEM(sd_fac_kind));
	const struct sd_pair *dx = &sd_dx[sd_rnd(&g, NELEM(sd_dx))], *dept = &sd_dept[0];
	int y = 2022 + (int)sd_rnd(&g, 3), mo = 1 + (int)sd_rnd(&g, 12), d, los;
	int hh = 9 + (int)sd_rnd(&g, 9), mi = (int)sd_rnd(&g, 60), by = atoi(p->birth);
	size_t i;

	memset(m, 0, sizeof(*m));
	snprintf(m->facility, sizeof(m->facility), "%s%s", sd_fac_stem[stem], sd_fac_kind[kind].k);
	snprintf(m->facility_oid, sizeof(m->facility_oid), "1.2.392.200119.6.102.1%02u1%07u",
	    c->pref, 1000000 + stem * 100 + kind);
	m->facility_type = sd_fac_kind[kind].p;
	m->facility_type_name = kind < SD_NHOSP ? "病院" : "診療所";
	if (y < by)		/* a listed patient born after the documents' years */
		y = by;
	if (y - by < 15)	/* children: 肺炎 (sd_dx[4]) or 急性虫垂炎 (the last) */
		dx = &sd_dx[sd_rnd(&g, 2) ? 4 : NELEM(sd_dx) - 1];
	m->dx = dx->k;
	for (i = 0; i < NELEM(sd_dept); i++)	/* children are seen in 小児科 */
		if (y - by < 15 ? i == NELEM(sd_dept) - 1 : strcmp(sd_dept[i].k, dx->p) == 0)
			dept = &sd_dept[i];
	m->dept_code = dept->k;
	m->dept_name = dept->p;
	m->doctor_family = sd_family[sd_rnd(&g, NELEM(sd_family))].k;
	m->doctor_given = sd_rnd(&g, 2) ? sd_male[sd_rnd(&g, SD_GIVEN)].k :
	    sd_female[sd_rnd(&g, SD_GIVEN)].k;
	snprintf(m->doctor_id, sizeof(m->doctor_id), "D%05u", 1 + sd_rnd(&g, 99999));
	snprintf(m->mrn, sizeof(m->mrn), "%08u", 1 + sd_rnd(&g, 9999999));
	d = discharge ? 1 + (int)sd_rnd(&g, 8) : 1 + (int)sd_rnd(&g, 28);
	los = discharge ? 3 + (int)sd_rnd(&g, 18) : 0;
	/* unsigned and bounded, so that the compiler sees that YYYYMMDD fits */
	snprintf(m->start, sizeof(m->start), "%04u%02u%02u", (unsigned)y % 10000u,
	    (unsigned)mo % 100u, (unsigned)d % 100u);
	snprintf(m->stop, sizeof(m->stop), "%04u%02u%02u", (unsigned)y % 10000u,
	    (unsigned)mo % 100u, (unsigned)(d + los) % 100u);
	/* office hours in Japan, 09:00-17:59 +0900, are 00:00-08:59 UTC the same day */
	snprintf(m->effective, sizeof(m->effective), "%s%02d%02d00+0900", m->stop, hh, mi);
	snprintf(m->created, sizeof(m->created), "%s%02d%02d00", m->stop, hh - 9, mi);
	m->seed = sd_mix(g.s + 1);
}

/* Reads the scenario's document FILE into *DATAP (malloc'd, caller frees). */
static int
sd_read_file(const char *file, uint8_t **datap, size_t *lenp, char *err, size_t errsz)
{
	FILE *f = fopen(file, "rb");
	struct stat st;
	uint8_t *buf = NULL;
	int ret = -1;

	if (f == NULL || fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: cannot read it", file);
		goto done;
	}
	if ((uintmax_t)st.st_size > SCN_DATA_DOC_MAX) {
		snprintf(err, errsz, "%s: larger than %u bytes", file, SCN_DATA_DOC_MAX);
		goto done;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL ||
	    fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		snprintf(err, errsz, "%s: cannot read it", file);
		goto done;
	}
	*datap = buf;
	*lenp = (size_t)st.st_size;
	buf = NULL;
	ret = 0;
done:
	free(buf);
	if (f != NULL)
		fclose(f);
	return ret;
}

/* Makes document number IT->it_n + 1 of patient P: the scenario's FILE or a CDA. */
static int
sd_doc_make(struct scn_doc_iter *it, const struct scn_person *p, const char *handle,
    const char *class_code, const char *title, const char *file, struct scn_doc **docp,
    char *err, size_t errsz)
{
	struct scn_doc *d = calloc(1, sizeof(*d));
	struct strbuf sb = { 0 };
	char uid[128];
	int ret = -1;

	if (d == NULL)
		goto nomem;
	d->n = ++it->it_n;
	d->patient = *p;
	if (scn_data_doc_uid(it->it_c.r, d->n, uid, sizeof(uid)) == -1) {
		snprintf(err, errsz, "region %s: no document uniqueId", it->it_c.r->name);
		goto done;
	}
	if ((d->handle = str_dup(handle)) == NULL || (d->unique_id = str_dup(uid)) == NULL ||
	    (d->class_code = str_dup(class_code)) == NULL || (d->title = str_dup(title)) == NULL)
		goto nomem;
	sd_meta(&it->it_c, d->n, p, strcmp(class_code, "18842-5") == 0, &d->meta);
	if (file != NULL) {
		if (sd_read_file(file, &d->data, &d->len, err, errsz) == -1)
			goto done;
	} else if (scn_data_cda(it->it_c.r, d, &sb) == -1 ||
	    (d->data = (uint8_t *)strbuf_take(&sb, &d->len)) == NULL) {
		goto nomem;
	}
	*docp = d;
	d = NULL;
	ret = 0;
	goto done;
nomem:
	snprintf(err, errsz, "out of memory");
done:
	strbuf_reset(&sb);
	scn_data_doc_free(d);
	return ret;
}

/* The patient a scenario document names: listed, or synthetic by its number. */
static int
sd_doc_patient(const struct sd_ctx *c, const char *id, struct scn_person *p, char *err,
    size_t errsz)
{
	const struct scn_region *r = c->r;
	char buf[sizeof(p->id)];
	size_t i;

	for (i = 0; i < r->npatients; i++)
		if (r->patients[i].id != NULL && strcmp(r->patients[i].id, id) == 0)
			return sd_listed(&r->patients[i], p, err, errsz);
	for (i = 0; r->synthetic > 0 && i < (size_t)r->synthetic; i++)
		if (scenario_synthetic_id(r, i, buf, sizeof(buf)) == 0 && strcmp(buf, id) == 0)
			return sd_synthetic(c, i, p, NULL);
	snprintf(err, errsz, "region %s has no patient %s", r->name, id);
	return -1;
}

struct scn_doc_iter *
scn_data_docs_new(const struct scenario *s, const struct scn_region *r)
{
	struct scn_doc_iter *it = calloc(1, sizeof(*it));

	if (it != NULL && sd_ctx_init(&it->it_c, s, r) == -1) {
		scn_data_docs_free(it);
		it = NULL;
	}
	return it;
}

void
scn_data_docs_free(struct scn_doc_iter *it)
{
	if (it == NULL)
		return;
	sd_ctx_clear(&it->it_c);
	free(it);
}

static int
sd_next_listed(struct scn_doc_iter *it, struct scn_doc **docp, char *err, size_t errsz)
{
	const struct scn_document *sd = &it->it_c.r->documents[it->it_sdoc++];
	const char *cls = sd->class_code != NULL ? sd->class_code : "57133-1";
	const char *title = sd->title;
	struct scn_person p;

	if (title == NULL)
		title = strcmp(cls, "57133-1") == 0 ? "診療情報提供書" :
		    strcmp(cls, "18842-5") == 0 ? "退院時サマリー" : cls;
	if (sd_doc_patient(&it->it_c, sd->patient != NULL ? sd->patient : "", &p, err,
	    errsz) == -1)
		return -1;
	return sd_doc_make(it, &p, sd->id != NULL ? sd->id : "", cls, title, sd->file, docp,
	    err, errsz);
}

int
scn_data_docs_next(struct scn_doc_iter *it, struct scn_doc **docp, char *err,
    size_t errsz)
{
	const struct scn_region *r = it->it_c.r;
	struct sd_rng g;
	char handle[sizeof(it->it_kp.id) + 16];
	int discharge;

	*docp = NULL;
	if (it->it_failed)
		return -1;
	if (it->it_sdoc < r->ndocuments) {
		if (sd_next_listed(it, docp, err, errsz) == -1)
			goto fail;
		return 1;
	}
	for (; r->synthetic > 0 && it->it_k < (size_t)r->synthetic; it->it_k++) {
		if (it->it_kdocs == 0 && sd_synthetic(&it->it_c, it->it_k, &it->it_kp,
		    &it->it_kdocs) == -1) {
			snprintf(err, errsz, "region %s: synthetic patient %zu", r->name, it->it_k);
			goto fail;
		}
		if (it->it_kdone < it->it_kdocs)
			break;
		it->it_kdocs = it->it_kdone = 0;
	}
	if (r->synthetic <= 0 || it->it_k >= (size_t)r->synthetic)
		return 0;
	it->it_kdone++;
	g.s = sd_mix(it->it_c.seed ^ 0xc1a5500000000000ULL ^ (uint64_t)(it->it_n + 1));
	discharge = sd_rnd(&g, 2) == 1;
	snprintf(handle, sizeof(handle), "%s:%d", it->it_kp.id, it->it_kdone);
	if (sd_doc_make(it, &it->it_kp, handle, discharge ? "18842-5" : "57133-1",
	    discharge ? "退院時サマリー" : "診療情報提供書", NULL, docp, err, errsz) == -1)
		goto fail;
	(*docp)->generated = 1;
	return 1;
fail:
	it->it_failed = 1;
	return -1;
}
