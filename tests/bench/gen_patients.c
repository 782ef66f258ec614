/*
 * tests/bench/gen_patients.c: gen_patients, the synthetic patient generator of the MPI bench
 * (tests/bench/mpi.sh). Writes a patient CSV for `hashictl mpi import` (columns in
 * mpi/README.md) to stdout:
 *
 *   gen_patients [-n count] [-s seed] [-a authority] [-x prefix] [-f facility%]
 *
 * Patient i (1..count) has the pid PREFIX + i printed %04u in the community's assigning
 * authority as a CX ("P0001^^^&1.2.392.200119.6.1001.1&ISO"): the ids tests/bench/load.c
 * substitutes for {{PATIENT}}. Each row is derived from the seed and i alone (splitmix64),
 * so the output is the same on every run and any patient can be regenerated on its own.
 *
 * What a row holds, and why: family names and given names by sex, in kanji with their
 * katakana reading, from lists of common ones (佐藤 and 鈴木 far more often than 錦織) or
 * composed of two parts (so that, as in life, few people share a full name: the name
 * indexes then hold a few patients per key, not hundreds); a birth date between
 * 1925 and 2024 with fewer of the very old; sex; an address in one of the 47 prefectures
 * (weighted by population), a real municipality with its postal code's first three digits,
 * a town with numbers; a phone number of that area or a mobile one; one facility id (a
 * hospital's MRN) for most. Some rows carry the variants the normaliser exists for, so that
 * the bench pays for them the way real data makes it pay: half-width or hiragana readings,
 * old kanji forms (髙 﨑 邊 邉 齋 澤 濱), addresses written "1丁目2番3号", "1丁目2番地3",
 * "一丁目", with full-width digits, with a building, with spaces, a designated city without
 * its prefecture; birth dates as YYYY-MM-DD or YYYY/MM/DD; sex as JPKI 1/2 or 男/女.
 *
 * Test code: not part of libhashi; built by the Makefile's bench rule into $(BUILD)/bench.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROW_MAX		2048

struct jname { const char *kanji, *kana; };
struct cname { char cn_kanji[64], cn_kana[64]; };	/* a name being made */
struct city { const char *name; unsigned postal3; const char *area; };
struct pref { const char *name; unsigned weight; struct city city[4]; };

/* Family names, most common first (the pick is skewed towards the front). */
static const struct jname fam_names[] = {
	{ "佐藤", "サトウ" }, { "鈴木", "スズキ" }, { "高橋", "タカハシ" }, { "田中", "タナカ" },
	{ "伊藤", "イトウ" }, { "渡辺", "ワタナベ" }, { "山本", "ヤマモト" }, { "中村", "ナカムラ" },
	{ "小林", "コバヤシ" }, { "加藤", "カトウ" }, { "吉田", "ヨシダ" }, { "山田", "ヤマダ" },
	{ "佐々木", "ササキ" }, { "山口", "ヤマグチ" }, { "松本", "マツモト" }, { "井上", "イノウエ" },
	{ "木村", "キムラ" }, { "林", "ハヤシ" }, { "斎藤", "サイトウ" }, { "清水", "シミズ" },
	{ "山崎", "ヤマザキ" }, { "森", "モリ" }, { "池田", "イケダ" }, { "橋本", "ハシモト" },
	{ "阿部", "アベ" }, { "石川", "イシカワ" }, { "山下", "ヤマシタ" }, { "中島", "ナカジマ" },
	{ "石井", "イシイ" }, { "小川", "オガワ" }, { "前田", "マエダ" }, { "岡田", "オカダ" },
	{ "長谷川", "ハセガワ" }, { "藤田", "フジタ" }, { "後藤", "ゴトウ" }, { "近藤", "コンドウ" },
	{ "村上", "ムラカミ" }, { "遠藤", "エンドウ" }, { "青木", "アオキ" }, { "坂本", "サカモト" },
	{ "斉藤", "サイトウ" }, { "福田", "フクダ" }, { "太田", "オオタ" }, { "西村", "ニシムラ" },
	{ "藤井", "フジイ" }, { "金子", "カネコ" }, { "岡本", "オカモト" }, { "藤原", "フジワラ" },
	{ "中野", "ナカノ" }, { "三浦", "ミウラ" }, { "原田", "ハラダ" }, { "中川", "ナカガワ" },
	{ "松田", "マツダ" }, { "竹内", "タケウチ" }, { "小野", "オノ" }, { "田村", "タムラ" },
	{ "中山", "ナカヤマ" }, { "和田", "ワダ" }, { "石田", "イシダ" }, { "森田", "モリタ" },
	{ "上田", "ウエダ" }, { "原", "ハラ" }, { "内田", "ウチダ" }, { "柴田", "シバタ" },
	{ "酒井", "サカイ" }, { "宮崎", "ミヤザキ" }, { "横山", "ヨコヤマ" }, { "高木", "タカギ" },
	{ "安藤", "アンドウ" }, { "宮本", "ミヤモト" }, { "大野", "オオノ" }, { "小島", "コジマ" },
	{ "工藤", "クドウ" }, { "谷口", "タニグチ" }, { "今井", "イマイ" }, { "高田", "タカダ" },
	{ "増田", "マスダ" }, { "丸山", "マルヤマ" }, { "杉山", "スギヤマ" }, { "村田", "ムラタ" },
	{ "大塚", "オオツカ" }, { "新井", "アライ" }, { "小山", "コヤマ" }, { "平野", "ヒラノ" },
	{ "藤本", "フジモト" }, { "河野", "コウノ" }, { "上野", "ウエノ" }, { "野口", "ノグチ" },
	{ "武田", "タケダ" }, { "松井", "マツイ" }, { "千葉", "チバ" }, { "岩崎", "イワサキ" },
	{ "菅原", "スガワラ" }, { "木下", "キノシタ" }, { "久保", "クボ" }, { "佐野", "サノ" },
	{ "野村", "ノムラ" }, { "松尾", "マツオ" }, { "市川", "イチカワ" }, { "菊地", "キクチ" },
	{ "杉本", "スギモト" }, { "古川", "フルカワ" }, { "大西", "オオニシ" }, { "島田", "シマダ" },
	{ "水野", "ミズノ" }, { "桜井", "サクライ" }, { "高野", "タカノ" }, { "渡部", "ワタナベ" },
	{ "吉川", "ヨシカワ" }, { "山内", "ヤマウチ" }, { "西田", "ニシダ" }, { "飯田", "イイダ" },
	{ "菅野", "カンノ" }, { "田辺", "タナベ" }, { "沢田", "サワダ" }, { "高山", "タカヤマ" },
	{ "川崎", "カワサキ" }, { "黒崎", "クロサキ" }, { "浜田", "ハマダ" }, { "長浜", "ナガハマ" },
	{ "大沢", "オオサワ" }, { "岡崎", "オカザキ" }, { "宮沢", "ミヤザワ" }, { "高浜", "タカハマ" },
	{ "吉村", "ヨシムラ" }, { "吉岡", "ヨシオカ" }, { "三宅", "ミヤケ" }, { "難波", "ナンバ" },
	{ "守安", "モリヤス" }, { "景山", "カゲヤマ" }, { "門脇", "カドワキ" }, { "安達", "アダチ" },
	{ "比嘉", "ヒガ" }, { "金城", "キンジョウ" }, { "大城", "オオシロ" }, { "佐久間", "サクマ" },
	{ "錦織", "ニシコオリ" }, { "東海林", "ショウジ" }, { "四月一日", "ワタヌキ" },
};
static const struct jname male_names[] = {
	{ "太郎", "タロウ" }, { "一郎", "イチロウ" }, { "健一", "ケンイチ" }, { "誠", "マコト" },
	{ "浩", "ヒロシ" }, { "博", "ヒロシ" }, { "茂", "シゲル" }, { "清", "キヨシ" },
	{ "勇", "イサム" }, { "実", "ミノル" }, { "隆", "タカシ" }, { "健太", "ケンタ" },
	{ "翔太", "ショウタ" }, { "大輔", "ダイスケ" }, { "拓也", "タクヤ" }, { "直樹", "ナオキ" },
	{ "和也", "カズヤ" }, { "達也", "タツヤ" }, { "哲也", "テツヤ" }, { "健二", "ケンジ" },
	{ "修", "オサム" }, { "進", "ススム" }, { "豊", "ユタカ" }, { "明", "アキラ" },
	{ "正", "タダシ" }, { "学", "マナブ" }, { "翔", "ショウ" }, { "大翔", "ヒロト" },
	{ "蓮", "レン" }, { "悠真", "ユウマ" }, { "陽翔", "ハルト" }, { "湊", "ミナト" },
	{ "悠人", "ユウト" }, { "颯太", "ソウタ" }, { "陸", "リク" }, { "大和", "ヤマト" },
	{ "涼", "リョウ" }, { "亮", "リョウ" }, { "剛", "ツヨシ" }, { "聡", "サトシ" },
	{ "康弘", "ヤスヒロ" }, { "和夫", "カズオ" }, { "正男", "マサオ" }, { "三郎", "サブロウ" },
	{ "次郎", "ジロウ" }, { "秀樹", "ヒデキ" }, { "雅之", "マサユキ" }, { "幸雄", "ユキオ" },
	{ "俊介", "シュンスケ" }, { "龍之介", "リュウノスケ" }, { "高志", "タカシ" },
	{ "浩二", "コウジ" }, { "賢治", "ケンジ" }, { "義男", "ヨシオ" }, { "昭", "アキラ" },
};
static const struct jname female_names[] = {
	{ "花子", "ハナコ" }, { "幸子", "サチコ" }, { "洋子", "ヨウコ" }, { "和子", "カズコ" },
	{ "恵子", "ケイコ" }, { "京子", "キョウコ" }, { "美智子", "ミチコ" }, { "節子", "セツコ" },
	{ "久美子", "クミコ" }, { "由美子", "ユミコ" }, { "裕子", "ユウコ" }, { "直美", "ナオミ" },
	{ "恵美", "エミ" }, { "真由美", "マユミ" }, { "明美", "アケミ" }, { "智子", "トモコ" },
	{ "陽子", "ヨウコ" }, { "純子", "ジュンコ" }, { "愛", "アイ" }, { "舞", "マイ" },
	{ "彩", "アヤ" }, { "美咲", "ミサキ" }, { "陽菜", "ヒナ" }, { "結衣", "ユイ" },
	{ "葵", "アオイ" }, { "凛", "リン" }, { "さくら", "サクラ" }, { "美穂", "ミホ" },
	{ "千尋", "チヒロ" }, { "麻衣", "マイ" }, { "加奈子", "カナコ" }, { "香織", "カオリ" },
	{ "紀子", "ノリコ" }, { "文子", "フミコ" }, { "静香", "シズカ" }, { "芽依", "メイ" },
	{ "結菜", "ユイナ" }, { "杏", "アン" }, { "紬", "ツムギ" }, { "澪", "ミオ" },
	{ "優子", "ユウコ" }, { "千代子", "チヨコ" }, { "清子", "キヨコ" }, { "ハル", "ハル" },
	{ "トメ", "トメ" }, { "美和", "ミワ" }, { "早苗", "サナエ" }, { "雅子", "マサコ" },
	{ "由紀", "ユキ" }, { "沙織", "サオリ" }, { "高子", "タカコ" }, { "浜子", "ハマコ" },
};

/* Parts of composed names: real names are far more varied than any list (a million people
 * share a given full name only a few times), so most names are composed from a first and
 * a second element, each pair with one reading (rendaku, the voicing of the second part,
 * fixed per pair: 中島 is always ナカジマ here). */
struct part { const char *kanji, *kana, *voiced; };
static const struct jname fam_first[] = {
	{ "山", "ヤマ" }, { "中", "ナカ" }, { "小", "コ" }, { "大", "オオ" }, { "高", "タカ" },
	{ "石", "イシ" }, { "松", "マツ" }, { "竹", "タケ" }, { "森", "モリ" }, { "吉", "ヨシ" },
	{ "藤", "フジ" }, { "西", "ニシ" }, { "東", "ヒガシ" }, { "北", "キタ" }, { "南", "ミナミ" },
	{ "上", "カミ" }, { "下", "シモ" }, { "岡", "オカ" }, { "川", "カワ" }, { "池", "イケ" },
	{ "宮", "ミヤ" }, { "長", "ナガ" }, { "福", "フク" }, { "原", "ハラ" }, { "前", "マエ" },
	{ "杉", "スギ" }, { "柴", "シバ" }, { "青", "アオ" }, { "黒", "クロ" }, { "白", "シラ" },
	{ "金", "カネ" }, { "岩", "イワ" }, { "浜", "ハマ" }, { "今", "イマ" }, { "古", "フル" },
	{ "秋", "アキ" }, { "平", "ヒラ" }, { "広", "ヒロ" }, { "野", "ノ" }, { "桜", "サクラ" },
	{ "梅", "ウメ" }, { "菊", "キク" }, { "村", "ムラ" }, { "坂", "サカ" }, { "沢", "サワ" },
	{ "寺", "テラ" }, { "神", "カミ" }, { "水", "ミズ" }, { "永", "ナガ" }, { "深", "フカ" },
};
static const struct part fam_second[] = {
	{ "田", "タ", "ダ" }, { "本", "モト", NULL }, { "村", "ムラ", NULL }, { "川", "カワ", "ガワ" },
	{ "野", "ノ", NULL }, { "崎", "サキ", "ザキ" }, { "口", "グチ", NULL }, { "島", "シマ", "ジマ" },
	{ "井", "イ", NULL }, { "山", "ヤマ", NULL }, { "木", "キ", "ギ" }, { "沢", "サワ", "ザワ" },
	{ "原", "ハラ", "バラ" }, { "谷", "タニ", "ダニ" }, { "内", "ウチ", NULL }, { "部", "ベ", NULL },
	{ "尾", "オ", NULL }, { "橋", "ハシ", "バシ" }, { "森", "モリ", NULL }, { "岡", "オカ", NULL },
	{ "浦", "ウラ", NULL }, { "江", "エ", NULL }, { "坂", "サカ", "ザカ" }, { "宮", "ミヤ", NULL },
	{ "城", "シロ", "ジロ" }, { "池", "イケ", NULL }, { "塚", "ツカ", "ヅカ" }, { "瀬", "セ", "ゼ" },
	{ "藤", "トウ", "ドウ" }, { "林", "ハヤシ", "バヤシ" }, { "垣", "カキ", "ガキ" }, { "津", "ツ", NULL },
	{ "葉", "ハ", "バ" }, { "沼", "ヌマ", NULL }, { "畑", "ハタ", "バタ" }, { "辺", "ベ", NULL },
	{ "中", "ナカ", NULL }, { "上", "カミ", "ガミ" },
};
static const struct jname male_first[] = {
	{ "健", "ケン" }, { "大", "ダイ" }, { "翔", "ショウ" }, { "浩", "コウ" }, { "和", "カズ" },
	{ "正", "マサ" }, { "秀", "ヒデ" }, { "雅", "マサ" }, { "勝", "カツ" }, { "信", "ノブ" },
	{ "隆", "タカ" }, { "俊", "トシ" }, { "直", "ナオ" }, { "拓", "タク" }, { "智", "トモ" },
	{ "康", "ヤス" }, { "義", "ヨシ" }, { "英", "ヒデ" }, { "一", "イチ" }, { "裕", "ユウ" },
	{ "悠", "ユウ" }, { "陽", "ハル" }, { "颯", "ソウ" }, { "蒼", "ソウ" }, { "優", "ユウ" },
	{ "真", "シン" }, { "達", "タツ" }, { "哲", "テツ" }, { "光", "コウ" }, { "幸", "ユキ" },
	{ "龍", "リュウ" }, { "誠", "セイ" }, { "恭", "キョウ" }, { "孝", "タカ" }, { "敏", "トシ" },
	{ "昌", "マサ" }, { "賢", "ケン" }, { "修", "シュウ" }, { "晴", "ハル" }, { "航", "コウ" },
};
static const struct part male_second[] = {
	{ "太", "タ", NULL }, { "介", "スケ", NULL }, { "也", "ヤ", NULL }, { "樹", "キ", NULL },
	{ "人", "ト", NULL }, { "斗", "ト", NULL }, { "輔", "スケ", NULL }, { "郎", "ロウ", NULL },
	{ "彦", "ヒコ", NULL }, { "夫", "オ", NULL }, { "男", "オ", NULL }, { "治", "ジ", NULL },
	{ "司", "ジ", NULL }, { "平", "ヘイ", NULL }, { "之", "ユキ", NULL }, { "明", "アキ", NULL },
	{ "志", "シ", NULL }, { "弘", "ヒロ", NULL }, { "成", "ナリ", NULL }, { "朗", "ロウ", NULL },
	{ "生", "キ", NULL }, { "輝", "キ", NULL }, { "吾", "ゴ", NULL }, { "史", "シ", NULL },
	{ "雄", "オ", NULL },
};
static const struct jname female_first[] = {
	{ "美", "ミ" }, { "恵", "ケイ" }, { "由", "ユ" }, { "真", "マ" }, { "智", "チ" },
	{ "千", "チ" }, { "久", "ク" }, { "幸", "サチ" }, { "和", "カズ" }, { "洋", "ヨウ" },
	{ "京", "キョウ" }, { "里", "リ" }, { "結", "ユイ" }, { "陽", "ヒ" }, { "彩", "アヤ" },
	{ "香", "カ" }, { "菜", "ナ" }, { "愛", "アイ" }, { "奈", "ナ" }, { "莉", "リ" },
	{ "沙", "サ" }, { "紗", "サ" }, { "麻", "マ" }, { "早", "サ" }, { "佳", "カ" },
	{ "理", "リ" }, { "絵", "エ" }, { "優", "ユウ" }, { "明", "アケ" }, { "芳", "ヨシ" },
	{ "静", "シズ" }, { "節", "セツ" }, { "文", "フミ" }, { "春", "ハル" }, { "夏", "ナツ" },
	{ "秋", "アキ" }, { "冬", "フユ" }, { "花", "ハナ" }, { "桃", "モモ" }, { "若", "ワカ" },
};
static const struct part female_second[] = {
	{ "子", "コ", NULL }, { "美", "ミ", NULL }, { "恵", "エ", NULL }, { "香", "カ", NULL },
	{ "奈", "ナ", NULL }, { "菜", "ナ", NULL }, { "代", "ヨ", NULL }, { "江", "エ", NULL },
	{ "枝", "エ", NULL }, { "乃", "ノ", NULL }, { "実", "ミ", NULL }, { "希", "キ", NULL },
	{ "衣", "イ", NULL }, { "花", "カ", NULL }, { "穂", "ホ", NULL }, { "里", "リ", NULL },
	{ "紀", "キ", NULL }, { "絵", "エ", NULL }, { "音", "ネ", NULL }, { "佳", "カ", NULL },
	{ "帆", "ホ", NULL }, { "葉", "ハ", NULL }, { "瑠", "ル", NULL }, { "湖", "コ", NULL },
};

/* The 47 prefectures, weight = population in units of 10,000 (2020 census, rounded), each
 * with real municipalities, the first three digits of their postal codes and their phone
 * area code. Designated cities are given with a ward. */
static const struct pref prefs[] = {
	{ "北海道", 522, { { "札幌市中央区", 60, "011" }, { "函館市", 40, "0138" }, { "旭川市", 70, "0166" } } },
	{ "青森県", 124, { { "青森市", 30, "017" }, { "八戸市", 31, "0178" }, { "弘前市", 36, "0172" } } },
	{ "岩手県", 121, { { "盛岡市", 20, "019" }, { "一関市", 21, "0191" } } },
	{ "宮城県", 230, { { "仙台市青葉区", 980, "022" }, { "石巻市", 986, "0225" } } },
	{ "秋田県", 96, { { "秋田市", 10, "018" }, { "横手市", 13, "0182" } } },
	{ "山形県", 107, { { "山形市", 990, "023" }, { "鶴岡市", 997, "0235" } } },
	{ "福島県", 183, { { "福島市", 960, "024" }, { "郡山市", 963, "024" }, { "いわき市", 970, "0246" } } },
	{ "茨城県", 287, { { "水戸市", 310, "029" }, { "つくば市", 305, "029" }, { "日立市", 317, "0294" } } },
	{ "栃木県", 193, { { "宇都宮市", 320, "028" }, { "小山市", 323, "0285" } } },
	{ "群馬県", 194, { { "前橋市", 371, "027" }, { "高崎市", 370, "027" } } },
	{ "埼玉県", 734, { { "さいたま市浦和区", 330, "048" }, { "川越市", 350, "049" },
	    { "川口市", 332, "048" } } },
	{ "千葉県", 628, { { "千葉市中央区", 260, "043" }, { "船橋市", 273, "047" }, { "柏市", 277, "04" } } },
	{ "東京都", 1405, { { "千代田区", 100, "03" }, { "世田谷区", 154, "03" }, { "新宿区", 160, "03" },
	    { "八王子市", 192, "042" } } },
	{ "神奈川県", 924, { { "横浜市中区", 231, "045" }, { "川崎市川崎区", 210, "044" },
	    { "相模原市中央区", 252, "042" }, { "横須賀市", 238, "046" } } },
	{ "新潟県", 220, { { "新潟市中央区", 951, "025" }, { "長岡市", 940, "0258" } } },
	{ "富山県", 103, { { "富山市", 930, "076" }, { "高岡市", 933, "0766" } } },
	{ "石川県", 113, { { "金沢市", 920, "076" }, { "小松市", 923, "0761" } } },
	{ "福井県", 77, { { "福井市", 910, "0776" }, { "敦賀市", 914, "0770" } } },
	{ "山梨県", 81, { { "甲府市", 400, "055" }, { "富士吉田市", 403, "0555" } } },
	{ "長野県", 205, { { "長野市", 380, "026" }, { "松本市", 390, "0263" } } },
	{ "岐阜県", 198, { { "岐阜市", 500, "058" }, { "大垣市", 503, "0584" } } },
	{ "静岡県", 363, { { "静岡市葵区", 420, "054" }, { "浜松市中央区", 430, "053" },
	    { "沼津市", 410, "055" } } },
	{ "愛知県", 754, { { "名古屋市中区", 460, "052" }, { "豊田市", 471, "0565" }, { "豊橋市", 440, "0532" },
	    { "岡崎市", 444, "0564" } } },
	{ "三重県", 177, { { "津市", 514, "059" }, { "四日市市", 510, "059" } } },
	{ "滋賀県", 141, { { "大津市", 520, "077" }, { "草津市", 525, "077" } } },
	{ "京都府", 258, { { "京都市中京区", 604, "075" }, { "宇治市", 611, "0774" } } },
	{ "大阪府", 884, { { "大阪市北区", 530, "06" }, { "堺市堺区", 590, "072" }, { "東大阪市", 577, "06" },
	    { "豊中市", 560, "06" } } },
	{ "兵庫県", 547, { { "神戸市中央区", 650, "078" }, { "姫路市", 670, "079" }, { "西宮市", 662, "0798" },
	    { "尼崎市", 660, "06" } } },
	{ "奈良県", 132, { { "奈良市", 630, "0742" }, { "橿原市", 634, "0744" } } },
	{ "和歌山県", 92, { { "和歌山市", 640, "073" }, { "田辺市", 646, "0739" } } },
	{ "鳥取県", 55, { { "鳥取市", 680, "0857" }, { "米子市", 683, "0859" } } },
	{ "島根県", 67, { { "松江市", 690, "0852" }, { "出雲市", 693, "0853" } } },
	{ "岡山県", 189, { { "岡山市北区", 700, "086" }, { "倉敷市", 710, "086" }, { "津山市", 708, "0868" } } },
	{ "広島県", 280, { { "広島市中区", 730, "082" }, { "福山市", 720, "084" }, { "呉市", 737, "0823" } } },
	{ "山口県", 134, { { "山口市", 753, "083" }, { "下関市", 750, "083" } } },
	{ "徳島県", 72, { { "徳島市", 770, "088" }, { "阿南市", 774, "0884" } } },
	{ "香川県", 95, { { "高松市", 760, "087" }, { "丸亀市", 763, "0877" } } },
	{ "愛媛県", 133, { { "松山市", 790, "089" }, { "今治市", 794, "0898" } } },
	{ "高知県", 69, { { "高知市", 780, "088" }, { "四万十市", 787, "0880" } } },
	{ "福岡県", 514, { { "福岡市博多区", 812, "092" }, { "北九州市小倉北区", 802, "093" },
	    { "久留米市", 830, "0942" } } },
	{ "佐賀県", 81, { { "佐賀市", 840, "0952" }, { "唐津市", 847, "0955" } } },
	{ "長崎県", 131, { { "長崎市", 850, "095" }, { "佐世保市", 857, "0956" } } },
	{ "熊本県", 174, { { "熊本市中央区", 860, "096" }, { "八代市", 866, "0965" } } },
	{ "大分県", 112, { { "大分市", 870, "097" }, { "別府市", 874, "0977" } } },
	{ "宮崎県", 107, { { "宮崎市", 880, "0985" }, { "都城市", 885, "0986" } } },
	{ "鹿児島県", 159, { { "鹿児島市", 890, "099" }, { "霧島市", 899, "0995" } } },
	{ "沖縄県", 147, { { "那覇市", 900, "098" }, { "沖縄市", 904, "098" } } },
};

static const char *const towns[] = {
	"本町", "栄町", "元町", "緑町", "旭町", "幸町", "東町", "西町", "南町", "北町", "新町",
	"錦町", "大手町", "駅前", "松原", "柳町", "朝日町", "昭和町", "平和町", "寿町",
	"住吉町", "花園町", "日吉町", "春日町", "若松町", "中央", "城南", "城北", "桜町",
	"宮町", "泉町", "高砂町", "八幡町", "天神町", "清水町", "白山", "青葉町", "富士見町",
	"港町", "田町", "大字高田", "字浜崎", "沢町", "辺田町",
};
static const char *const buildings[] = {
	"コーポ緑", "ハイツ桜", "メゾン栄", "グランドパレス", "サンハイム", "レジデンス本町",
	"第二高橋ビル", "パークマンション",
};
/* Old or variant kanji written for the common form, as registers and hand-entered data
 * have them; mpi/kanji_variants.c folds each back. */
static const struct { const char *from, *to; } oldforms[] = {
	{ "高", "髙" }, { "崎", "﨑" }, { "辺", "邊" }, { "辺", "邉" }, { "斎", "齋" },
	{ "沢", "澤" }, { "浜", "濱" },
};
/* Half-width forms of U+30A1 (ァ) .. U+30F6 (ヶ). */
static const char *const halfkana[] = {
	"ｧ", "ｱ", "ｨ", "ｲ", "ｩ", "ｳ", "ｪ", "ｴ", "ｫ", "ｵ", "ｶ", "ｶﾞ", "ｷ", "ｷﾞ", "ｸ", "ｸﾞ",
	"ｹ", "ｹﾞ", "ｺ", "ｺﾞ", "ｻ", "ｻﾞ", "ｼ", "ｼﾞ", "ｽ", "ｽﾞ", "ｾ", "ｾﾞ", "ｿ", "ｿﾞ", "ﾀ",
	"ﾀﾞ", "ﾁ", "ﾁﾞ", "ｯ", "ﾂ", "ﾂﾞ", "ﾃ", "ﾃﾞ", "ﾄ", "ﾄﾞ", "ﾅ", "ﾆ", "ﾇ", "ﾈ", "ﾉ", "ﾊ",
	"ﾊﾞ", "ﾊﾟ", "ﾋ", "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ", "ﾍﾞ", "ﾍﾟ", "ﾎ", "ﾎﾞ", "ﾎﾟ", "ﾏ",
	"ﾐ", "ﾑ", "ﾒ", "ﾓ", "ｬ", "ﾔ", "ｭ", "ﾕ", "ｮ", "ﾖ", "ﾗ", "ﾘ", "ﾙ", "ﾚ", "ﾛ", "ﾜ", "ﾜ",
	"ｲ", "ｴ", "ｦ", "ﾝ", "ｳﾞ", "ｶ", "ｹ",
};
static const char *const kanjinum[] = { "〇", "一", "二", "三", "四", "五", "六", "七", "八", "九" };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* One output line being built; overflow is impossible with these tables (ROW_MAX is
 * several times the longest row) but is still caught. */
struct row {
	char	 r_buf[ROW_MAX];
	size_t	 r_len;
	int	 r_over;
};

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static unsigned
rnd(uint64_t *s, unsigned n)
{
	return (unsigned)(splitmix(s) % n);
}

static void
put(struct row *r, const char *s)
{
	size_t n = strlen(s);

	if (r->r_len + n >= sizeof(r->r_buf)) {
		r->r_over = 1;
		return;
	}
	memcpy(r->r_buf + r->r_len, s, n);
	r->r_len += n;
}

static void putf(struct row *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct row *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->r_buf + r->r_len, sizeof(r->r_buf) - r->r_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(r->r_buf) - r->r_len)
		r->r_over = 1;
	else
		r->r_len += (size_t)n;
}

/* Appends S with every FROM replaced by TO. */
static void
put_replaced(struct row *r, const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from);
	const char *p;
	char part[256];

	while ((p = strstr(s, from)) != NULL) {
		if ((size_t)(p - s) >= sizeof(part)) {
			r->r_over = 1;
			return;
		}
		memcpy(part, s, (size_t)(p - s));
		part[p - s] = '\0';
		put(r, part);
		put(r, to);
		s = p + fl;
	}
	put(r, s);
}

/* Appends kanji text S, in an old form (1 in 4 when S has a kanji that has one). */
static void
put_kanji(struct row *r, uint64_t *s, const char *text)
{
	size_t i, cand[NELEM(oldforms)], n = 0;

	for (i = 0; i < NELEM(oldforms); i++)
		if (strstr(text, oldforms[i].from) != NULL)
			cand[n++] = i;
	if (n == 0 || rnd(s, 4) != 0) {
		put(r, text);
		return;
	}
	i = cand[rnd(s, (unsigned)n)];
	put_replaced(r, text, oldforms[i].from, oldforms[i].to);
}

/* Appends katakana S as it is (MODE 0), in half-width forms (1) or as hiragana (2). */
static void
put_kana(struct row *r, const char *text, int mode)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned cp;
	char u[4];

	while (*p != '\0') {
		/* the readings are all three-byte UTF-8 (U+3000..U+FFFF) */
		if ((p[0] & 0xf0) != 0xe0 || p[1] == 0 || p[2] == 0) {
			r->r_over = 1;
			return;
		}
		cp = ((unsigned)(p[0] & 0x0f) << 12) | ((unsigned)(p[1] & 0x3f) << 6) |
		    (p[2] & 0x3f);
		p += 3;
		if (mode == 1 && cp >= 0x30a1 && cp <= 0x30f6) {
			put(r, halfkana[cp - 0x30a1]);
			continue;
		}
		if (mode == 1 && cp == 0x30fc)
			cp = 0xff70;	/* ー -> ｰ */
		else if (mode == 2 && cp >= 0x30a1 && cp <= 0x30f6)
			cp -= 0x60;
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		u[3] = '\0';
		put(r, u);
	}
}

/* Appends the decimal V in full-width digits. */
static void
put_wide(struct row *r, unsigned v)
{
	char d[16], u[4];
	int i, n = snprintf(d, sizeof(d), "%u", v);

	for (i = 0; i < n; i++) {
		u[0] = (char)0xef;
		u[1] = (char)0xbc;
		u[2] = (char)(0x90 + (d[i] - '0'));
		u[3] = '\0';
		put(r, u);
	}
}

/* Index into an array of N names, skewed to the front (density ~ x^-1/3: the first of
 * 139 family names gets ~3.7 % of the draws, the last ~0.5 %). */
static unsigned
pick_skewed(uint64_t *s, unsigned n)
{
	double u = (double)(splitmix(s) >> 11) / 9007199254740992.0;

	return (unsigned)((double)n * u * sqrt(u)) % n;
}

static const struct pref *
pick_pref(uint64_t *s)
{
	static unsigned total;
	unsigned w, i;

	if (total == 0)
		for (i = 0; i < NELEM(prefs); i++)
			total += prefs[i].weight;
	w = rnd(s, total);
	for (i = 0; i < NELEM(prefs) - 1 && w >= prefs[i].weight; i++)
		w -= prefs[i].weight;
	return &prefs[i];
}

static unsigned
days_in(unsigned y, unsigned m)
{
	static const unsigned d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* A name made of one of FIRST and one of SECOND (not the same kanji twice), into OUT. */
static void
compose(uint64_t *s, const struct jname *first, unsigned nf, const struct part *second,
    unsigned ns, struct cname *out)
{
	unsigned a = rnd(s, nf), b = rnd(s, ns);
	const char *kana;

	if (strcmp(first[a].kanji, second[b].kanji) == 0)
		b = (b + 1) % ns;
	kana = second[b].voiced != NULL && (a * 31 + b) % 3 == 0 ? second[b].voiced :
	    second[b].kana;
	snprintf(out->cn_kanji, sizeof(out->cn_kanji), "%s%s", first[a].kanji, second[b].kanji);
	snprintf(out->cn_kana, sizeof(out->cn_kana), "%s%s", first[a].kana, kana);
}

/* A family name: 45 % from the list of common ones (skewed: 佐藤 ~1.5 % of all), the rest
 * composed; a given name: 35 % from the list, the rest composed. Then kanji and kana,
 * with their variants. */
static void
row_names(struct row *r, uint64_t *s, int female)
{
	struct cname f, g;
	const struct jname *j;
	unsigned v;
	int mode;

	if (rnd(s, 100) < 45) {
		j = &fam_names[pick_skewed(s, NELEM(fam_names))];
		snprintf(f.cn_kanji, sizeof(f.cn_kanji), "%s", j->kanji);
		snprintf(f.cn_kana, sizeof(f.cn_kana), "%s", j->kana);
	} else
		compose(s, fam_first, NELEM(fam_first), fam_second, NELEM(fam_second), &f);
	if (rnd(s, 100) < 35) {
		j = female ? &female_names[rnd(s, NELEM(female_names))] :
		    &male_names[rnd(s, NELEM(male_names))];
		snprintf(g.cn_kanji, sizeof(g.cn_kanji), "%s", j->kanji);
		snprintf(g.cn_kana, sizeof(g.cn_kana), "%s", j->kana);
	} else if (female)
		compose(s, female_first, NELEM(female_first), female_second,
		    NELEM(female_second), &g);
	else
		compose(s, male_first, NELEM(male_first), male_second, NELEM(male_second), &g);
	v = rnd(s, 100);
	mode = v < 3 ? 1 : v < 5 ? 2 : 0;	/* 3 % half-width, 2 % hiragana */
	put_kanji(r, s, f.cn_kanji);
	put(r, ",");
	put_kanji(r, s, g.cn_kanji);
	put(r, ",");
	if (v >= 97)
		put(r, ",");	/* 3 % without a reading */
	else {
		put_kana(r, f.cn_kana, mode);
		put(r, ",");
		put_kana(r, g.cn_kana, mode);
	}
	put(r, ",");
}

/* Birth date (1925..2024, fewer past 75) and sex. */
static void
row_birth_sex(struct row *r, uint64_t *s, int female)
{
	unsigned age, y, m, d, v;

	do
		age = rnd(s, 100);
	while (age > 75 && rnd(s, 25) >= 100 - age);
	y = 2024 - age;
	m = 1 + rnd(s, 12);
	d = 1 + rnd(s, days_in(y, m));
	v = rnd(s, 100);
	if (v < 8)
		putf(r, "%04u-%02u-%02u,", y, m, d);
	else if (v < 10)
		putf(r, "%04u/%02u/%02u,", y, m, d);
	else
		putf(r, "%04u%02u%02u,", y, m, d);
	v = rnd(s, 100);
	if (v < 3)
		put(r, female ? "2," : "1,");	/* JPKI */
	else if (v < 5)
		put(r, female ? "女," : "男,");
	else
		put(r, female ? "F," : "M,");
}

/* The numbers of an address: chome C, ban B, go G in one of the forms people write. */
static void
row_numbers(struct row *r, uint64_t *s, unsigned c, unsigned b, unsigned g)
{
	unsigned v = rnd(s, 100);

	if (v < 50) {
		putf(r, "%u-%u-%u", c, b, g);
	} else if (v < 70) {
		putf(r, "%u丁目%u番%u号", c, b, g);
	} else if (v < 80) {
		putf(r, "%u丁目%u番地%u", c, b, g);
	} else if (v < 85) {
		putf(r, "%s丁目%u番%u号", kanjinum[c], b, g);
	} else if (v < 90) {
		put_wide(r, c);
		put(r, "－");
		put_wide(r, b);
		put(r, "－");
		put_wide(r, g);
	} else {
		putf(r, "%u-%u-%u %s%u%02u", c, b, g, buildings[rnd(s, NELEM(buildings))],
		    1 + rnd(s, 8), 1 + rnd(s, 12));
		if (rnd(s, 2))
			put(r, "号室");
	}
}

/* Postal code, address, phone. */
static void
row_address(struct row *r, uint64_t *s)
{
	const struct pref *p = pick_pref(s);
	const struct city *c;
	unsigned ncity = 0, ci, ti, v, postal4;

	while (ncity < NELEM(p->city) && p->city[ncity].name != NULL)
		ncity++;
	ci = rnd(s, ncity);
	c = &p->city[ci];
	ti = rnd(s, NELEM(towns));
	/* one postal code per town, so neighbours share it as they do */
	postal4 = (unsigned)((c->postal3 * 7919u + ti * 104729u + ci * 31u) % 10000u);
	v = rnd(s, 100);
	if (v < 5)
		put(r, ",");	/* unknown */
	else if (v < 25)
		putf(r, "%03u%04u,", c->postal3, postal4);
	else
		putf(r, "%03u-%04u,", c->postal3, postal4);
	v = rnd(s, 100);
	/* a designated city is often written without its prefecture */
	if (!(v < 30 && strstr(c->name, "市") != NULL && strstr(c->name, "区") != NULL))
		put(r, p->name);
	if (v >= 95)
		put(r, " ");
	put(r, c->name);
	if (v >= 95)
		put(r, " ");
	put_kanji(r, s, towns[ti]);
	row_numbers(r, s, 1 + rnd(s, 9), 1 + rnd(s, 30), 1 + rnd(s, 30));
	put(r, ",");
	v = rnd(s, 100);
	if (v < 10)
		return;	/* no phone */
	if (v < 45)
		putf(r, "0%u0-%04u-%04u", 7 + rnd(s, 3), rnd(s, 10000), rnd(s, 10000));
	else
		putf(r, "%s-%0*u-%04u", c->area, (int)(6 - strlen(c->area)), rnd(s,
		    strlen(c->area) == 2 ? 10000 : strlen(c->area) == 3 ? 1000 : 100),
		    rnd(s, 10000));
}

/* Writes patient I. */
static int
gen_row(FILE *out, uint64_t seed, unsigned i, const char *aa, const char *prefix,
    unsigned facpct)
{
	struct row r;
	uint64_t s = seed ^ ((uint64_t)i * 0xD1B54A32D192ED03ULL);
	const struct pref *fp;
	int female;

	r.r_len = 0;
	r.r_over = 0;
	putf(&r, "%s%04u^^^&%s&ISO,", prefix, i, aa);
	if (rnd(&s, 100) < facpct) {
		/* an MRN at one of 40 hospitals of a prefecture (medical institution code
		 * OID 1.2.392.100495.20.3.51.1 + prefecture + code) */
		fp = pick_pref(&s);
		putf(&r, "%08u^^^&1.2.392.100495.20.3.51.1%02u%07u&ISO", i,
		    (unsigned)(fp - prefs) + 1, 1000000u + 1237u * rnd(&s, 40));
	}
	put(&r, ",");
	female = rnd(&s, 100) < 51;
	row_names(&r, &s, female);
	row_birth_sex(&r, &s, female);
	row_address(&r, &s);
	put(&r, "\n");
	if (r.r_over) {
		fprintf(stderr, "gen_patients: row %u too long\n", i);
		return -1;
	}
	return fwrite(r.r_buf, 1, r.r_len, out) == r.r_len ? 0 : -1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen_patients [-n count] [-s seed] [-a authority] [-x prefix] "
	    "[-f facility-percent]\n");
	exit(2);
}

/* The number S, MIN..MAX, or usage(). */
static unsigned long long
num(const char *s, unsigned long long min, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	static const char header[] = "pid,facility_ids,family,given,family_kana,given_kana,"
	    "birth,sex,postal,address,phone\n";
	const char *aa = "1.2.392.200119.6.1001.1", *prefix = "P";
	unsigned long long n = 1000000, facpct = 70, i;
	uint64_t seed = 1;
	static char obuf[1 << 20];
	int ch;

	while ((ch = getopt(argc, argv, "a:f:n:s:x:")) != -1) {
		switch (ch) {
		case 'a': aa = optarg; break;
		case 'f': facpct = num(optarg, 0, 100); break;
		case 'n': n = num(optarg, 1, 99999999); break;
		case 's': seed = num(optarg, 0, UINT64_MAX); break;
		case 'x': prefix = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || strlen(aa) > 64 || strlen(prefix) > 16)
		usage();
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	fputs(header, stdout);
	for (i = 1; i <= n; i++)
		if (gen_row(stdout, seed, (unsigned)i, aa, prefix, (unsigned)facpct) == -1)
			break;
	if (i <= n || fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "gen_patients: %s\n", i <= n ? "failed" : strerror(errno));
		return 1;
	}
	return 0;
}
