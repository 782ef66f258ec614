/*
 * mpi/kanji_variants: old (旧字体) and variant (異体字) kanji folded to one canonical form for
 * the matching keys (norm_name, norm_addr): 370 pairs. Never applied to what is stored or
 * displayed. Checked against the Unicode data files and KANJIDIC2 when written; no data
 * file is read at run time.
 *
 * Where the entries come from (the letter after each pair in the comments):
 *
 *   A  The Unicode Han database (Unihan 15.0, Unihan_OtherMappings.txt), fields
 *      kJinmeiyoKanji "2010:U+xxxx" (the 人名用漢字 of 戸籍法施行規則 別表第二: the old forms
 *      allowed in names next to their 常用 form, e.g. 亞 for 亜, 冨 for 富, 嶋 for 島) and
 *      kJoyoKanji "U+xxxx" (the four 常用漢字表 2010 characters whose form differs from the
 *      JIS X 0208 one: 剝/剥, 𠮟/叱, 塡/填, 頰/頬). The fold goes to the 常用 character; when
 *      neither is 常用 (both are 人名用) to the one whose Unihan entry carries the link (桧
 *      for 檜, 槙 for 槇, 凜 for 凛, 遥 for 遙, 亘 for 亙), and for the four above to the
 *      JIS X 0208 form that systems actually hold (剥, 叱, 填, 頬).
 *   B  常用漢字表 (内閣告示 2010-11-30): the 康熙字典体 printed in parentheses after a 常用 kanji
 *      (澤 for 沢, 邊 for 辺, 齋 for 斎, 學 for 学, 郞 for 郎, ...), each pair checked to be
 *      linked in Unihan_Variants.txt (kSemanticVariant, kZVariant, kTraditionalVariant,
 *      kSimplifiedVariant) or in KANJIDIC2's variant fields.
 *   C  Common 俗字/異体字 of names and place names that are in neither list (髙 for 高, 﨑 and
 *      嵜 for 崎, 邉 for 辺, 濵 for 浜, 𠮷 for 吉, 桒 for 桑, 舘 for 館, 渕 for 淵, 栁 for 柳,
 *      嶌 for 島, 邨 for 村, 篭 for 籠, 圀 for 国, 驒 for 騨, ...), each checked as above (𠮷 is
 *      linked as kSpoofingVariant only: same character, different glyph).
 *   D  Project decisions, not variants in Unihan:
 *      - 斉 and 齊 fold to 斎 (as 齋 does). Officially 斉 (齊) and 斎 (齋) are two different
 *        常用 kanji, and 斉藤 and 斎藤 are two registered family names; but both read サイ,
 *        are confused constantly in data entry, and the people concerned often cannot say
 *        which their register holds. A key that keeps them apart would split the same person
 *        far more often than it separates two people: an automatic link still needs the
 *        kana, birth date, sex and full address to agree (mpi/match.h).
 *      - 淸, 靑, 姬 fold to 清, 青, 姫: the same characters in 康熙字典 form, not linked in
 *        Unihan but found in old registers.
 *   龍 folds to 竜 (A and B: 竜 is the 常用 kanji and 龍 its parenthesised form), although
 *   both are in use in names today; same reasoning as 斉.
 *
 * Not here, because the key already unifies them: the CJK compatibility ideographs with a
 * canonical decomposition (U+FA19 -> 神 U+795E, and 都, 福, 隆, 猪 ... see norm_compat.c), and
 * glyph variants written as ideographic variation sequences (the many 葛, 辻 or 邊 forms
 * of the MJ list: norm_decode drops the selector). Not folded on purpose: different
 * characters that look alike (埼/崎, 籐/藤, 祇/祗), whose confusion is left to review.
 *
 * The table is sorted by source code point (binary search); every target is canonical, so
 * folding twice changes nothing (kanji_variants_check, run by the unit tests). Changing an
 * entry changes keys: bump NORM_VERSION (mpi/norm.h).
 */
#include "mpi/norm_int.h"

struct kanji_pair {
	uint32_t	kp_from;
	uint32_t	kp_to;
};

static const struct kanji_pair kanji_variants[] = {
	{ 0x4E58, 0x4E57 }, { 0x4E82, 0x4E71 },	/* 乘→乗 A  亂→乱 B */
	{ 0x4E99, 0x4E98 }, { 0x4E9E, 0x4E9C },	/* 亙→亘 A  亞→亜 A */
	{ 0x4EB0, 0x4EAC }, { 0x4F5B, 0x4ECF },	/* 亰→京 C  佛→仏 A */
	{ 0x4F86, 0x6765 }, { 0x5047, 0x4EEE },	/* 來→来 A  假→仮 B */
	{ 0x50B3, 0x4F1D }, { 0x50DE, 0x507D },	/* 傳→伝 A  僞→偽 A */
	{ 0x50F9, 0x4FA1 }, { 0x5109, 0x5039 },	/* 價→価 A  儉→倹 A */
	{ 0x5152, 0x5150 }, { 0x5154, 0x514E },	/* 兒→児 A  兔→兎 C */
	{ 0x5169, 0x4E21 }, { 0x519D, 0x5B9C },	/* 兩→両 B  冝→宜 C */
	{ 0x51A8, 0x5BCC }, { 0x51B0, 0x6C37 },	/* 冨→富 A  冰→氷 C */
	{ 0x51C9, 0x6DBC }, { 0x51DB, 0x51DC },	/* 凉→涼 A  凛→凜 A */
	{ 0x525D, 0x5265 }, { 0x5269, 0x5270 },	/* 剝→剥 A  剩→剰 A */
	{ 0x528D, 0x5263 }, { 0x5291, 0x5264 },	/* 劍→剣 A  劑→剤 B */
	{ 0x52DE, 0x52B4 }, { 0x52F3, 0x52F2 },	/* 勞→労 B  勳→勲 A */
	{ 0x52F5, 0x52B1 }, { 0x52F8, 0x52E7 },	/* 勵→励 B  勸→勧 B */
	{ 0x5340, 0x533A }, { 0x5377, 0x5DFB },	/* 區→区 B  卷→巻 A */
	{ 0x537D, 0x5373 }, { 0x53C3, 0x53C2 },	/* 卽→即 A  參→参 B */
	{ 0x5433, 0x5449 }, { 0x55AE, 0x5358 },	/* 吳→呉 C  單→単 A */
	{ 0x56B4, 0x53B3 }, { 0x56D1, 0x5631 },	/* 嚴→厳 A  囑→嘱 B */
	{ 0x5700, 0x56FD }, { 0x5708, 0x570F },	/* 圀→国 C  圈→圏 A */
	{ 0x570B, 0x56FD }, { 0x570D, 0x56F2 },	/* 國→国 A  圍→囲 B */
	{ 0x5713, 0x5186 }, { 0x5716, 0x56F3 },	/* 圓→円 A  圖→図 B */
	{ 0x5718, 0x56E3 }, { 0x57DC, 0x91CE },	/* 團→団 A  埜→野 A */
	{ 0x582F, 0x5C2D }, { 0x5861, 0x586B },	/* 堯→尭 A  塡→填 A */
	{ 0x589E, 0x5897 }, { 0x58AE, 0x5815 },	/* 增→増 A  墮→堕 B */
	{ 0x58D3, 0x5727 }, { 0x58D8, 0x5841 },	/* 壓→圧 B  壘→塁 A */
	{ 0x58DE, 0x58CA }, { 0x58E4, 0x58CC },	/* 壞→壊 A  壤→壌 B */
	{ 0x58EF, 0x58EE }, { 0x58F9, 0x58F1 },	/* 壯→壮 A  壹→壱 B */
	{ 0x58FD, 0x5BFF }, { 0x5967, 0x5965 },	/* 壽→寿 A  奧→奥 A */
	{ 0x596C, 0x5968 }, { 0x59EC, 0x59EB },	/* 奬→奨 A  姬→姫 D */
	{ 0x5B43, 0x5B22 }, { 0x5B78, 0x5B66 },	/* 孃→嬢 A  學→学 B */
	{ 0x5BE2, 0x5BDD }, { 0x5BE6, 0x5B9F },	/* 寢→寝 A  實→実 A */
	{ 0x5BEB, 0x5199 }, { 0x5BEC, 0x5BDB },	/* 寫→写 B  寬→寛 A */
	{ 0x5BF6, 0x5B9D }, { 0x5C07, 0x5C06 },	/* 寶→宝 B  將→将 A */
	{ 0x5C08, 0x5C02 }, { 0x5C0D, 0x5BFE },	/* 專→専 A  對→対 B */
	{ 0x5C46, 0x5C4A }, { 0x5C6C, 0x5C5E },	/* 屆→届 B  屬→属 B */
	{ 0x5CE9, 0x5CE8 }, { 0x5CEF, 0x5CF0 },	/* 峩→峨 C  峯→峰 A */
	{ 0x5CFD, 0x5CE1 }, { 0x5D5C, 0x5D0E },	/* 峽→峡 A  嵜→崎 C */
	{ 0x5D8B, 0x5CF6 }, { 0x5D8C, 0x5CF6 },	/* 嶋→島 A  嶌→島 C */
	{ 0x5DBD, 0x5CB3 }, { 0x5DD6, 0x5DCC },	/* 嶽→岳 B  巖→巌 A */
	{ 0x5DE2, 0x5DE3 }, { 0x5E36, 0x5E2F },	/* 巢→巣 A  帶→帯 A */
	{ 0x5EE2, 0x5EC3 }, { 0x5EE3, 0x5E83 },	/* 廢→廃 B  廣→広 A */
	{ 0x5EF3, 0x5E81 }, { 0x5EF8, 0x8FEA },	/* 廳→庁 A  廸→迪 C */
	{ 0x5F48, 0x5F3E }, { 0x5F4C, 0x5F25 },	/* 彈→弾 A  彌→弥 A */
	{ 0x5F65, 0x5F66 }, { 0x5F91, 0x5F84 },	/* 彥→彦 C  徑→径 B */
	{ 0x5F9E, 0x5F93 }, { 0x5FB5, 0x5FB4 },	/* 從→従 A  徵→徴 A */
	{ 0x5FB7, 0x5FB3 }, { 0x6046, 0x6052 },	/* 德→徳 A  恆→恒 A */
	{ 0x60E0, 0x6075 }, { 0x60E1, 0x60AA },	/* 惠→恵 A  惡→悪 A */
	{ 0x60F1, 0x60A9 }, { 0x613C, 0x614E },	/* 惱→悩 B  愼→慎 A */
	{ 0x6158, 0x60E8 }, { 0x61C9, 0x5FDC },	/* 慘→惨 B  應→応 A */
	{ 0x61F7, 0x61D0 }, { 0x6200, 0x604B },	/* 懷→懐 A  戀→恋 B */
	{ 0x6230, 0x6226 }, { 0x6232, 0x622F },	/* 戰→戦 A  戲→戯 A */
	{ 0x6236, 0x6238 }, { 0x62C2, 0x6255 },	/* 戶→戸 C  拂→払 A */
	{ 0x62D4, 0x629C }, { 0x62DC, 0x62DD },	/* 拔→抜 A  拜→拝 A */
	{ 0x633E, 0x631F }, { 0x63D2, 0x633F },	/* 挾→挟 B  插→挿 B */
	{ 0x63ED, 0x63B2 }, { 0x6416, 0x63FA },	/* 揭→掲 A  搖→揺 A */
	{ 0x641C, 0x635C }, { 0x64C7, 0x629E },	/* 搜→捜 A  擇→択 B */
	{ 0x64CA, 0x6483 }, { 0x64D4, 0x62C5 },	/* 擊→撃 A  擔→担 B */
	{ 0x64DA, 0x62E0 }, { 0x64E7, 0x6319 },	/* 據→拠 B  擧→挙 B */
	{ 0x64F4, 0x62E1 }, { 0x651D, 0x6442 },	/* 擴→拡 B  攝→摂 A */
	{ 0x652A, 0x64B9 }, { 0x6536, 0x53CE },	/* 攪→撹 C  收→収 A */
	{ 0x6548, 0x52B9 }, { 0x654D, 0x53D9 },	/* 效→効 B  敍→叙 A */
	{ 0x654E, 0x6559 }, { 0x6578, 0x6570 },	/* 敎→教 C  數→数 B */
	{ 0x6589, 0x658E }, { 0x65B7, 0x65AD },	/* 斉→斎 D  斷→断 B */
	{ 0x663B, 0x6602 }, { 0x6644, 0x6643 },	/* 昻→昂 C  晄→晃 A */
	{ 0x6649, 0x664B }, { 0x665A, 0x6669 },	/* 晉→晋 C  晚→晩 A */
	{ 0x665D, 0x663C }, { 0x66C6, 0x66A6 },	/* 晝→昼 A  曆→暦 A */
	{ 0x66C9, 0x6681 }, { 0x66FA, 0x66F9 },	/* 曉→暁 A  曺→曹 C */
	{ 0x66FB, 0x6607 }, { 0x66FE, 0x66FD },	/* 曻→昇 C  曾→曽 A */
	{ 0x6703, 0x4F1A }, { 0x6801, 0x67F3 },	/* 會→会 B  栁→柳 C */
	{ 0x6852, 0x6851 }, { 0x689D, 0x6761 },	/* 桒→桑 C  條→条 A */
	{ 0x68E7, 0x685F }, { 0x69AE, 0x6804 },	/* 棧→桟 B  榮→栄 A */
	{ 0x69C7, 0x69D9 }, { 0x69EA, 0x6982 },	/* 槇→槙 A  槪→概 C */
	{ 0x6A02, 0x697D }, { 0x6A13, 0x697C },	/* 樂→楽 A  樓→楼 B */
	{ 0x6A1E, 0x67A2 }, { 0x6A23, 0x69D8 },	/* 樞→枢 B  樣→様 A */
	{ 0x6A6B, 0x6A2A }, { 0x6A9C, 0x6867 },	/* 橫→横 A  檜→桧 A */
	{ 0x6AA2, 0x691C }, { 0x6AFB, 0x685C },	/* 檢→検 A  櫻→桜 A */
	{ 0x6B0A, 0x6A29 }, { 0x6B50, 0x6B27 },	/* 權→権 B  歐→欧 B */
	{ 0x6B61, 0x6B53 }, { 0x6B65, 0x6B69 },	/* 歡→歓 B  步→歩 A */
	{ 0x6B77, 0x6B74 }, { 0x6B78, 0x5E30 },	/* 歷→歴 A  歸→帰 B */
	{ 0x6B98, 0x6B8B }, { 0x6BC6, 0x6BB4 },	/* 殘→残 B  毆→殴 B */
	{ 0x6BCF, 0x6BCE }, { 0x6C23, 0x6C17 },	/* 每→毎 A  氣→気 A */
	{ 0x6C92, 0x6CA1 }, { 0x6D89, 0x6E09 },	/* 沒→没 B  涉→渉 A */
	{ 0x6DDA, 0x6D99 }, { 0x6DE8, 0x6D44 },	/* 淚→涙 A  淨→浄 A */
	{ 0x6DF8, 0x6E05 }, { 0x6DFA, 0x6D45 },	/* 淸→清 D  淺→浅 B */
	{ 0x6E15, 0x6DF5 }, { 0x6E34, 0x6E07 },	/* 渕→淵 C  渴→渇 A */
	{ 0x6EAA, 0x6E13 }, { 0x6EAB, 0x6E29 },	/* 溪→渓 B  溫→温 A */
	{ 0x6EEF, 0x6EDE }, { 0x6EFF, 0x6E80 },	/* 滯→滞 A  滿→満 B */
	{ 0x6F5B, 0x6F5C }, { 0x6F81, 0x6E0B },	/* 潛→潜 B  澁→渋 A */
	{ 0x6FA4, 0x6CA2 }, { 0x6FD5, 0x6E7F },	/* 澤→沢 B  濕→湿 A */
	{ 0x6FDF, 0x6E08 }, { 0x6FF1, 0x6D5C },	/* 濟→済 B  濱→浜 B */
	{ 0x6FF5, 0x6D5C }, { 0x7006, 0x6D9C },	/* 濵→浜 C  瀆→涜 C */
	{ 0x7027, 0x6EDD }, { 0x7028, 0x702C },	/* 瀧→滝 A  瀨→瀬 A */
	{ 0x7063, 0x6E7E }, { 0x7155, 0x7199 },	/* 灣→湾 B  煕→熙 C */
	{ 0x71C8, 0x706F }, { 0x71D2, 0x713C },	/* 燈→灯 A  燒→焼 A */
	{ 0x71DF, 0x55B6 }, { 0x7210, 0x7089 },	/* 營→営 B  爐→炉 B */
	{ 0x722D, 0x4E89 }, { 0x7232, 0x70BA },	/* 爭→争 A  爲→為 A */
	{ 0x72A7, 0x72A0 }, { 0x72C0, 0x72B6 },	/* 犧→犠 B  狀→状 A */
	{ 0x72F9, 0x72ED }, { 0x7368, 0x72EC },	/* 狹→狭 A  獨→独 B */
	{ 0x7375, 0x731F }, { 0x7378, 0x7363 },	/* 獵→猟 B  獸→獣 A */
	{ 0x737B, 0x732E }, { 0x74E3, 0x5F01 },	/* 獻→献 B  瓣→弁 B */
	{ 0x7501, 0x74F6 }, { 0x756B, 0x753B },	/* 甁→瓶 B  畫→画 B */
	{ 0x7576, 0x5F53 }, { 0x758A, 0x7573 },	/* 當→当 B  疊→畳 A */
	{ 0x7626, 0x75E9 }, { 0x7661, 0x75F4 },	/* 瘦→痩 A  癡→痴 B */
	{ 0x767C, 0x767A }, { 0x76C3, 0x676F },	/* 發→発 B  盃→杯 A */
	{ 0x76DC, 0x76D7 }, { 0x76E1, 0x5C3D },	/* 盜→盗 A  盡→尽 A */
	{ 0x771E, 0x771F }, { 0x788E, 0x7815 },	/* 眞→真 A  碎→砕 A */
	{ 0x792A, 0x783A }, { 0x7955, 0x79D8 },	/* 礪→砺 C  祕→秘 A */
	{ 0x797F, 0x7984 }, { 0x79AA, 0x7985 },	/* 祿→禄 A  禪→禅 A */
	{ 0x79AE, 0x793C }, { 0x79B0, 0x7962 },	/* 禮→礼 A  禰→祢 A */
	{ 0x79B1, 0x7977 }, { 0x7A31, 0x79F0 },	/* 禱→祷 A  稱→称 B */
	{ 0x7A3B, 0x7A32 }, { 0x7A57, 0x7A42 },	/* 稻→稲 A  穗→穂 A */
	{ 0x7A69, 0x7A4F }, { 0x7A70, 0x7A63 },	/* 穩→穏 B  穰→穣 A */
	{ 0x7AC8, 0x7AC3 }, { 0x7ACA, 0x7A83 },	/* 竈→竃 C  竊→窃 B */
	{ 0x7ADD, 0x4E26 }, { 0x7B7A, 0x7B50 },	/* 竝→並 B  筺→筐 C */
	{ 0x7BED, 0x7C60 }, { 0x7CB9, 0x7C8B },	/* 篭→籠 C  粹→粋 A */
	{ 0x7D72, 0x7CF8 }, { 0x7D93, 0x7D4C },	/* 絲→糸 B  經→経 B */
	{ 0x7DA0, 0x7DD1 }, { 0x7DD6, 0x7DD2 },	/* 綠→緑 A  緖→緒 A */
	{ 0x7DE3, 0x7E01 }, { 0x7E23, 0x770C },	/* 緣→縁 A  縣→県 A */
	{ 0x7E31, 0x7E26 }, { 0x7E3D, 0x7DCF },	/* 縱→縦 A  總→総 B */
	{ 0x7E69, 0x7E04 }, { 0x7E6A, 0x7D75 },	/* 繩→縄 B  繪→絵 B */
	{ 0x7E7C, 0x7D99 }, { 0x7E8C, 0x7D9A },	/* 繼→継 B  續→続 B */
	{ 0x7E96, 0x7E4A }, { 0x7F3A, 0x6B20 },	/* 纖→繊 A  缺→欠 B */
	{ 0x7F50, 0x7F36 }, { 0x8070, 0x8061 },	/* 罐→缶 B  聰→聡 C */
	{ 0x8072, 0x58F0 }, { 0x807D, 0x8074 },	/* 聲→声 B  聽→聴 A */
	{ 0x8085, 0x7C9B }, { 0x8166, 0x8133 },	/* 肅→粛 B  腦→脳 B */
	{ 0x81BD, 0x80C6 }, { 0x81DF, 0x81D3 },	/* 膽→胆 B  臟→臓 A */
	{ 0x81FA, 0x53F0 }, { 0x8207, 0x4E0E },	/* 臺→台 B  與→与 A */
	{ 0x820A, 0x65E7 }, { 0x820D, 0x820E },	/* 舊→旧 B  舍→舎 C */
	{ 0x8216, 0x8217 }, { 0x8218, 0x9928 },	/* 舖→舗 B  舘→館 C */
	{ 0x838A, 0x8358 }, { 0x8396, 0x830E },	/* 莊→荘 A  莖→茎 B */
	{ 0x8420, 0x840C }, { 0x842C, 0x4E07 },	/* 萠→萌 A  萬→万 A */
	{ 0x8597, 0x5712 }, { 0x85AE, 0x85EA },	/* 薗→園 A  薮→藪 C */
	{ 0x85B0, 0x85AB }, { 0x85CF, 0x8535 },	/* 薰→薫 A  藏→蔵 A */
	{ 0x85DD, 0x82B8 }, { 0x85E5, 0x85AC },	/* 藝→芸 A  藥→薬 A */
	{ 0x8606, 0x82A6 }, { 0x8655, 0x51E6 },	/* 蘆→芦 C  處→処 B */
	{ 0x865B, 0x865A }, { 0x865F, 0x53F7 },	/* 虛→虚 A  號→号 B */
	{ 0x87A2, 0x86CD }, { 0x87F2, 0x866B },	/* 螢→蛍 B  蟲→虫 B */
	{ 0x881F, 0x874B }, { 0x8836, 0x8695 },	/* 蠟→蝋 C  蠶→蚕 B */
	{ 0x883B, 0x86EE }, { 0x885E, 0x885B },	/* 蠻→蛮 B  衞→衛 A */
	{ 0x88DD, 0x88C5 }, { 0x89BA, 0x899A },	/* 裝→装 A  覺→覚 B */
	{ 0x89BD, 0x89A7 }, { 0x89C0, 0x89B3 },	/* 覽→覧 A  觀→観 B */
	{ 0x89F8, 0x89E6 }, { 0x8B20, 0x8B21 },	/* 觸→触 B  謠→謡 A */
	{ 0x8B49, 0x8A3C }, { 0x8B6F, 0x8A33 },	/* 證→証 B  譯→訳 B */
	{ 0x8B7D, 0x8A89 }, { 0x8B80, 0x8AAD },	/* 譽→誉 B  讀→読 B */
	{ 0x8B8A, 0x5909 }, { 0x8B93, 0x8B72 },	/* 變→変 B  讓→譲 A */
	{ 0x8C50, 0x8C4A }, { 0x8C6B, 0x4E88 },	/* 豐→豊 B  豫→予 B */
	{ 0x8CB3, 0x5F10 }, { 0x8CE3, 0x58F2 },	/* 貳→弐 B  賣→売 A */
	{ 0x8CF4, 0x983C }, { 0x8D0A, 0x8CDB },	/* 賴→頼 A  贊→賛 B */
	{ 0x8E10, 0x8DF5 }, { 0x8F15, 0x8EFD },	/* 踐→践 B  輕→軽 B */
	{ 0x8F49, 0x8EE2 }, { 0x8FA8, 0x5F01 },	/* 轉→転 A  辨→弁 B */
	{ 0x8FAD, 0x8F9E }, { 0x8FAF, 0x5F01 },	/* 辭→辞 B  辯→弁 B */
	{ 0x9059, 0x9065 }, { 0x905E, 0x9013 },	/* 遙→遥 A  遞→逓 B */
	{ 0x9072, 0x9045 }, { 0x9089, 0x8FBA },	/* 遲→遅 B  邉→辺 C */
	{ 0x908A, 0x8FBA }, { 0x90A8, 0x6751 },	/* 邊→辺 B  邨→村 C */
	{ 0x90DE, 0x90CE }, { 0x9115, 0x90F7 },	/* 郞→郎 A  鄕→郷 B */
	{ 0x9189, 0x9154 }, { 0x91AB, 0x533B },	/* 醉→酔 A  醫→医 B */
	{ 0x91AC, 0x91A4 }, { 0x91C0, 0x91B8 },	/* 醬→醤 C  釀→醸 A */
	{ 0x91CB, 0x91C8 }, { 0x9304, 0x9332 },	/* 釋→釈 B  錄→録 A */
	{ 0x9322, 0x92AD }, { 0x934A, 0x932C },	/* 錢→銭 B  鍊→錬 A */
	{ 0x93AD, 0x93AE }, { 0x9435, 0x9244 },	/* 鎭→鎮 A  鐵→鉄 B */
	{ 0x9444, 0x92F3 }, { 0x945B, 0x9271 },	/* 鑄→鋳 A  鑛→鉱 B */
	{ 0x95DC, 0x95A2 }, { 0x9677, 0x9665 },	/* 關→関 B  陷→陥 A */
	{ 0x96A8, 0x968F }, { 0x96AA, 0x967A },	/* 隨→随 B  險→険 A */
	{ 0x96B1, 0x96A0 }, { 0x96D9, 0x53CC },	/* 隱→隠 B  雙→双 B */
	{ 0x96DC, 0x96D1 }, { 0x9748, 0x970A },	/* 雜→雑 A  靈→霊 B */
	{ 0x974F, 0x9DB4 }, { 0x9751, 0x9752 },	/* 靏→鶴 C  靑→青 D */
	{ 0x975C, 0x9759 }, { 0x9771, 0x976D },	/* 靜→静 A  靱→靭 C */
	{ 0x9830, 0x982C }, { 0x984F, 0x9854 },	/* 頰→頬 A  顏→顔 B */
	{ 0x986F, 0x9855 }, { 0x98DC, 0x7FFB },	/* 顯→顕 A  飜→翻 A */
	{ 0x9918, 0x4F59 }, { 0x99C8, 0x99C6 },	/* 餘→余 B  駈→駆 A */
	{ 0x9A37, 0x9A12 }, { 0x9A45, 0x99C6 },	/* 騷→騒 A  驅→駆 B */
	{ 0x9A52, 0x9A28 }, { 0x9A57, 0x9A13 },	/* 驒→騨 C  驗→験 A */
	{ 0x9A5B, 0x99C5 }, { 0x9AD3, 0x9AC4 },	/* 驛→駅 B  髓→髄 B */
	{ 0x9AD4, 0x4F53 }, { 0x9AD9, 0x9AD8 },	/* 體→体 B  髙→高 C */
	{ 0x9AEE, 0x9AEA }, { 0x9B2A, 0x95D8 },	/* 髮→髪 A  鬪→闘 C */
	{ 0x9B2D, 0x95D8 }, { 0x9DC4, 0x9D8F },	/* 鬭→闘 B  鷄→鶏 A */
	{ 0x9DD7, 0x9D0E }, { 0x9E7D, 0x5869 },	/* 鷗→鴎 C  鹽→塩 B */
	{ 0x9EA5, 0x9EA6 }, { 0x9EB4, 0x9EB9 },	/* 麥→麦 B  麴→麹 C */
	{ 0x9EC3, 0x9EC4 }, { 0x9ED1, 0x9ED2 },	/* 黃→黄 A  黑→黒 A */
	{ 0x9ED8, 0x9ED9 }, { 0x9EDE, 0x70B9 },	/* 默→黙 A  點→点 B */
	{ 0x9EE8, 0x515A }, { 0x9F4A, 0x658E },	/* 黨→党 B  齊→斎 D */
	{ 0x9F4B, 0x658E }, { 0x9F52, 0x6B6F },	/* 齋→斎 B  齒→歯 B */
	{ 0x9F61, 0x9F62 }, { 0x9F8D, 0x7ADC },	/* 齡→齢 B  龍→竜 A */
	{ 0x9F9C, 0x4E80 }, { 0xFA11, 0x5D0E },	/* 龜→亀 B  﨑→崎 C */
	{ 0x20B9F, 0x53F1 }, { 0x20BB7, 0x5409 },	/* 𠮟→叱 A  𠮷→吉 C */
};

#define NVARIANTS (sizeof(kanji_variants) / sizeof(kanji_variants[0]))

uint32_t
kanji_variant_fold(uint32_t cp)
{
	size_t lo = 0, hi = NVARIANTS, mid;

	cp = norm_compat_fold(cp);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (kanji_variants[mid].kp_from == cp)
			return kanji_variants[mid].kp_to;
		if (kanji_variants[mid].kp_from < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return cp;
}

size_t
kanji_variants_count(void)
{
	return NVARIANTS;
}

int
kanji_variants_pair(size_t i, uint32_t *from, uint32_t *to)
{
	if (i >= NVARIANTS)
		return -1;
	*from = kanji_variants[i].kp_from;
	*to = kanji_variants[i].kp_to;
	return 0;
}

int
kanji_variants_check(void)
{
	size_t i;

	for (i = 0; i < NVARIANTS; i++) {
		if (i > 0 && kanji_variants[i - 1].kp_from >= kanji_variants[i].kp_from)
			return -1;	/* unsorted or duplicate: the binary search would miss */
		if (kanji_variant_fold(kanji_variants[i].kp_to) != kanji_variants[i].kp_to)
			return -1;	/* a chain: folding would not be idempotent */
		if (norm_compat_fold(kanji_variants[i].kp_from) != kanji_variants[i].kp_from)
			return -1;	/* unreachable: the compatibility fold runs first */
	}
	return norm_compat_check();
}
