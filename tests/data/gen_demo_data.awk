# Synthetic demo data for one region: HL7 CDA R2 documents (診療情報提供書, 退院時サマリー) and
# one ITI-41 ProvideAndRegisterDocumentSetRequest per patient referring to them by xop:Include.
# Run by gen_demo_data.sh (which sets LC_ALL=C so that length() counts bytes) with -v:
#   region key name hcid aa repo pref prefix n outdir tpldir
# Everything is derived from the region and a counter through a fixed PRNG (Park-Miller), so
# the output is byte-identical from run to run and from awk to awk. No input is read.

BEGIN {
	if (n < 1 || n > 9999) die("N_PATIENTS must be 1..9999")
	base = hcid; sub(/^urn:oid:/, "", base)
	hcidnum = base; sub(/.*\./, "", hcidnum); hcidnum += 0
	seed = hcidnum * 7919 % 2147483647; if (seed == 0) seed = 1
	load_tables()
	T_REF = slurp(tpldir "/cda-referral.xml")
	T_DIS = slurp(tpldir "/cda-discharge.xml")
	T_PNR = slurp(tpldir "/pnr.xml")
	T_ENT = slurp(tpldir "/pnr-entry.xml")
	T_ASC = slurp(tpldir "/pnr-assoc.xml")
	T_DOC = slurp(tpldir "/pnr-document.xml")

	pat_tsv = outdir "/patients.tsv"
	pat_csv = outdir "/patients.csv"
	doc_tsv = outdir "/documents.tsv"
	printf "# id\tpatient CX\tfamily\tgiven\tfamily (kana)\tgiven (kana)\tbirth\tsex\tpostal\taddress\n" > pat_tsv
	# the same patients for the MPI (`hashictl mpi import`; columns in mpi/README.md)
	printf "pid,family,given,family_kana,given_kana,birth,sex,postal,address\n" > pat_csv
	ndoc = 0
	for (p = 1; p <= n; p++)
		make_patient(p)
	close(pat_tsv)
	close(pat_csv)
	hash_files()
	printf "# patient\tdocument uniqueId\tentryUUID\ttypeCode\ttitle\tcreationTime\tfile\tsize\tsha1\n" > doc_tsv
	for (p = 1; p <= n; p++)
		make_pnr(p)
	close(doc_tsv)
	printf "%s: %d patients, %d documents in %s\n", key, n, ndoc, outdir
}

function die(msg) { printf "gen_demo_data: %s\n", msg > "/dev/stderr"; exit 1 }

# Park-Miller minimal standard generator: products stay below 2^53, so exact in any awk.
function rnd(m) { seed = (seed * 16807) % 2147483647; return seed % m }
function pick(arr, cnt) { return arr[1 + rnd(cnt)] }

function slurp(f,    s, line, r) {
	s = ""
	while ((r = (getline line < f)) > 0) s = s line "\n"
	if (r < 0) die("cannot read " f)
	close(f)
	return s
}

function esc(s) {
	gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	return s
}
function setv(k, v) { V[k] = esc(v) }
function setraw(k, v) { V[k] = v }

# Replaces every {{KEY}} in T by V[KEY]; an unknown key is a bug in a template.
function fill(t,    out, i, j, k) {
	out = ""
	while ((i = index(t, "{{")) > 0) {
		j = index(substr(t, i + 2), "}}")
		if (j == 0) die("unterminated placeholder")
		k = substr(t, i + 2, j - 1)
		if (!(k in V)) die("template placeholder {{" k "}} has no value")
		out = out substr(t, 1, i - 1) V[k]
		t = substr(t, i + j + 3)
	}
	return out t
}

function shq(s) { gsub(/'/, "'\\''", s); return "'" s "'" }

function uuid(pat, doc, role) {
	return sprintf("urn:uuid:%08x-%04x-4%03x-a%03x-%012x", hcidnum, pat, doc, role, ++uc)
}

function split_into(str, arr) { return split(str, arr, ";") }

function load_tables(    i, parts) {
	# family names kanji:kana (common nationally, plus a few typical of the three prefectures)
	nfam = split_into("山田:ヤマダ;佐藤:サトウ;鈴木:スズキ;高橋:タカハシ;田中:タナカ;伊藤:イトウ;渡辺:ワタナベ;" \
	    "中村:ナカムラ;小林:コバヤシ;加藤:カトウ;吉田:ヨシダ;山本:ヤマモト;松本:マツモト;井上:イノウエ;" \
	    "木村:キムラ;林:ハヤシ;清水:シミズ;森:モリ;池田:イケダ;橋本:ハシモト;藤原:フジワラ;岡田:オカダ;" \
	    "石川:イシカワ;前田:マエダ;小川:オガワ;三宅:ミヤケ;難波:ナンバ;守安:モリヤス;錦織:ニシコオリ;" \
	    "福間:フクマ;景山:カゲヤマ;石倉:イシクラ;門脇:カドワキ;安達:アダチ", FAM)
	nmale = split_into("太郎:タロウ;一郎:イチロウ;健一:ケンイチ;浩:ヒロシ;誠:マコト;隆:タカシ;大輔:ダイスケ;" \
	    "翔太:ショウタ;修:オサム;茂:シゲル;勇:イサム;正男:マサオ;悠真:ユウマ;蓮:レン;和夫:カズオ", MALE)
	nfemale = split_into("花子:ハナコ;洋子:ヨウコ;恵子:ケイコ;幸子:サチコ;美咲:ミサキ;裕子:ユウコ;" \
	    "久美子:クミコ;和子:カズコ;陽菜:ヒナ;明美:アケミ;直美:ナオミ;千代:チヨ;結衣:ユイ;節子:セツコ", FEMALE)
	ntown = split_into("晴天町;桃園町;星見台;青葉町;若草町;朝日が丘;みどり町;さくら通り;" \
	    "ひばり台;清流町;菜の花町;月見町;やまびこ台;白鷺町", TOWN)
	# practice settings: SNOMED CT code:表示名
	ndept = split_into("394802001:内科;394579002:循環器内科;394584008:消化器内科;394609007:外科;" \
	    "394591006:神経内科;394801008:整形外科;394537008:小児科", DEPT)
	for (i = 1; i <= ndept; i++) { split(DEPT[i], parts, ":"); DEPTN[parts[1]] = parts[2] }
	# diagnoses (ICD-10) with the practice setting that usually writes about them
	ndx = split_into("2型糖尿病 (E11.9):394802001;本態性高血圧症 (I10):394802001;心房細動 (I48.9):394579002;" \
	    "慢性心不全 (I50.9):394579002;肺炎 (J18.9):394802001;脳梗塞 (I63.9):394591006;" \
	    "大腿骨頸部骨折 (S72.0):394801008;慢性腎臓病 (N18.9):394802001;慢性閉塞性肺疾患 (J44.9):394802001;" \
	    "脂質異常症 (E78.5):394802001;胃潰瘍 (K25.9):394584008;変形性膝関節症 (M17.9):394801008;" \
	    "急性虫垂炎 (K35.8):394609007", DX_DEPT)
	for (i = 1; i <= ndx; i++) { split(DX_DEPT[i], parts, ":"); DX[i] = parts[1]; DXD[i] = parts[2] }
	nmed = split_into("アムロジピン錠5mg 1回1錠 1日1回 朝食後;メトホルミン塩酸塩錠250mg 1回1錠 1日2回 朝夕食後;" \
	    "アトルバスタチン錠10mg 1回1錠 1日1回 夕食後;エドキサバン錠30mg 1回1錠 1日1回 朝食後;" \
	    "フロセミド錠20mg 1回1錠 1日1回 朝食後;ランソプラゾールOD錠15mg 1回1錠 1日1回 朝食後;" \
	    "アセトアミノフェン錠200mg 1回2錠 疼痛時;カンデサルタン錠4mg 1回1錠 1日1回 朝食後", MED)
	nreason = split_into("精査・加療のお願い;今後の外来診療の継続のお願い;専門的治療のご検討のお願い;" \
	    "在宅療養への移行に伴う情報提供;リハビリテーション継続のお願い", REASON)
	npast = split_into("特記事項なし;虫垂炎手術 (20歳代);白内障手術 (両眼);胆石症 (腹腔鏡下胆嚢摘出術後);" \
	    "結核 (治癒);子宮筋腫 (経過観察)", PAST)
	ninstr = split_into("塩分6g/日未満の食事を継続してください。;2週間後に外来を受診してください。;" \
	    "毎朝体重を測定し、2kg以上の増加があれば受診してください。;転倒に注意し、自宅での歩行訓練を続けてください。;" \
	    "血糖自己測定を1日2回行ってください。", INSTR)
	if (key == "okayama") {
		ncity = split_into("岡山市北区:700-08;岡山市中区:703-82;倉敷市:710-00;津山市:708-08;玉野市:706-00;" \
		    "総社市:719-11;新見市:718-00;笠岡市:714-00", CITY)
		nfac = split_into("晴天総合病院:0100011:HOSP;桃園記念病院:0100029:HOSP;倉敷みなと病院:2100013:HOSP;" \
		    "津山高原クリニック:4100045:OF;吉備ひかり診療所:1100078:OF", FAC)
		pref_code = 33
	} else if (key == "shimane") {
		ncity = split_into("松江市:690-08;出雲市:693-00;浜田市:697-00;益田市:698-00;大田市:694-00;" \
		    "安来市:692-00;雲南市:699-13", CITY)
		nfac = split_into("松江湖畔病院:0100016:HOSP;出雲ひかり病院:2100024:HOSP;浜田海浜病院:3100030:HOSP;" \
		    "益田あおい診療所:4100041:OF;宍道さざなみクリニック:0100057:OF", FAC)
		pref_code = 32
	} else if (key == "tottori") {
		ncity = split_into("鳥取市:680-08;米子市:683-00;倉吉市:682-00;境港市:684-00", CITY)
		nfac = split_into("砂丘記念病院:0100019:HOSP;米子なぎさ病院:2100027:HOSP;倉吉白壁クリニック:3100033:OF", FAC)
		pref_code = 31
	} else
		die("no demo content for region " key)
}

# Patient 1 of every region is the same person (山田 太郎), so that P0001 (岡山), S0001 (島根)
# and T0001 (鳥取) can be mapped onto each other; everyone else is drawn from the PRNG.
function make_patient(p,    f, g, parts, c, y, m, d) {
	PID[p] = sprintf("%s%04d", prefix, p)
	PCX[p] = PID[p] "^^^&" aa "&ISO"
	if (p == 1) {
		PFK[p] = "山田"; PFP[p] = "ヤマダ"; PGK[p] = "太郎"; PGP[p] = "タロウ"
		PSEX[p] = "M"; PBIRTH[p] = "19480512"
		PSTATE[p] = "岡山県"; PCITY[p] = "新見市"; PSTREET[p] = "晴天町1-2-3"; PPOST[p] = "718-0001"
	} else {
		split(pick(FAM, nfam), parts, ":"); PFK[p] = parts[1]; PFP[p] = parts[2]
		PSEX[p] = rnd(2) ? "F" : "M"
		if (PSEX[p] == "M") split(pick(MALE, nmale), parts, ":")
		else split(pick(FEMALE, nfemale), parts, ":")
		PGK[p] = parts[1]; PGP[p] = parts[2]
		y = 1930 + rnd(86); m = 1 + rnd(12); d = 1 + rnd(28)
		PBIRTH[p] = sprintf("%04d%02d%02d", y, m, d)
		split(pick(CITY, ncity), parts, ":")
		PSTATE[p] = pref; PCITY[p] = parts[1]
		PPOST[p] = sprintf("%s%02d", parts[2], 1 + rnd(99))
		PSTREET[p] = sprintf("%s%d-%d-%d", pick(TOWN, ntown), 1 + rnd(5), 1 + rnd(30), 1 + rnd(20))
	}
	printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s%s%s\n", PID[p], PCX[p], PFK[p], PGK[p], PFP[p],
	    PGP[p], PBIRTH[p], PSEX[p], PPOST[p], PSTATE[p], PCITY[p], PSTREET[p] >> pat_tsv
	printf "%s,%s,%s,%s,%s,%s,%s,%s,%s%s%s\n", PCX[p], PFK[p], PGK[p], PFP[p], PGP[p],
	    PBIRTH[p], PSEX[p], PPOST[p], PSTATE[p], PCITY[p], PSTREET[p] >> pat_csv
	PFIRST[p] = ndoc + 1
	PNDOC[p] = (p == 1) ? 3 : 1 + rnd(3)
	for (c = 1; c <= PNDOC[p]; c++)
		make_cda(p, c)
}

function patient_values(p) {
	setv("PID", PID[p]); setv("AA", aa); setv("PATIENT_CX", PCX[p])
	setv("FAMILY_K", PFK[p]); setv("GIVEN_K", PGK[p]); setv("FAMILY_P", PFP[p]); setv("GIVEN_P", PGP[p])
	setv("SEX", PSEX[p]); setv("BIRTH", PBIRTH[p])
	setv("STATE", PSTATE[p]); setv("CITY", PCITY[p]); setv("STREET", PSTREET[p]); setv("POSTAL", PPOST[p])
}

function list_of(arr, cnt, k, skip,    s, i, seen, v) {
	s = "<list>"
	seen[skip] = 1
	for (i = 0; i < k; i++) {
		v = pick(arr, cnt)
		if (v in seen) continue
		seen[v] = 1
		s = s "<item>" esc(v) "</item>"
	}
	return s "</list>"
}

function make_cda(p, c,    dis, parts, fi, k, y, mo, d, hh, mi, los, dx1, tpl, body) {
	ndoc++
	D_P[ndoc] = p
	D_C[ndoc] = c
	# patient 1: referral, discharge summary, referral; others at random
	dis = (p == 1) ? (c == 2) : rnd(2)
	do {
		fi = 1 + rnd(nfac)
		split(FAC[fi], parts, ":")
	} while (dis && parts[3] != "HOSP")
	D_FAC[ndoc] = parts[1]
	D_FOID[ndoc] = "1.2.392.200119.6.102.1" pref_code "1" parts[2]
	D_FTYPE[ndoc] = parts[3]
	D_FTYPEN[ndoc] = (parts[3] == "HOSP") ? "病院" : "診療所"
	# the main diagnosis decides the department; children are seen in 小児科
	k = 1 + rnd(ndx); dx1 = DX[k]
	y = 2022 + rnd(3); mo = 1 + rnd(12); hh = 9 + rnd(9); mi = rnd(60)
	D_DEPTC[ndoc] = (y - substr(PBIRTH[p], 1, 4) < 15) ? "394537008" : DXD[k]
	D_DEPTN[ndoc] = DEPTN[D_DEPTC[ndoc]]
	split(pick(FAM, nfam), parts, ":"); D_DRF[ndoc] = parts[1]
	if (rnd(2)) split(pick(MALE, nmale), parts, ":")
	else split(pick(FEMALE, nfemale), parts, ":")
	D_DRG[ndoc] = parts[1]
	D_DRID[ndoc] = sprintf("D%05d", 1 + rnd(99999))
	D_MRN[ndoc] = sprintf("%08d", 1 + rnd(9999999))
	if (dis) {
		d = 1 + rnd(8); los = 3 + rnd(18)
		D_START[ndoc] = sprintf("%04d%02d%02d", y, mo, d)
		d += los
	} else {
		d = 1 + rnd(28)
		D_START[ndoc] = sprintf("%04d%02d%02d", y, mo, d)
	}
	D_STOP[ndoc] = sprintf("%04d%02d%02d", y, mo, d)
	# JST 09:00-17:59 is UTC 00:00-08:59 of the same day
	D_EFF[ndoc] = sprintf("%s%02d%02d00+0900", D_STOP[ndoc], hh, mi)
	D_CTIME[ndoc] = sprintf("%s%02d%02d00", D_STOP[ndoc], hh - 9, mi)
	D_UID[ndoc] = base ".3." ndoc
	D_ENTRY[ndoc] = uuid(p, c, 1)
	D_TYPE[ndoc] = dis ? "18842-5" : "57133-1"
	D_TITLE[ndoc] = dis ? "退院時サマリー" : "診療情報提供書"
	D_FILE[ndoc] = sprintf("%s-%d.cda", PID[p], c)

	split("", V)
	patient_values(p)
	setv("DOC_UID", D_UID[ndoc]); setv("EFFECTIVE", D_EFF[ndoc]); setv("MRN", D_MRN[ndoc])
	setv("FAC_OID", D_FOID[ndoc]); setv("FAC_NAME", D_FAC[ndoc]); setv("DEPT_NAME", D_DEPTN[ndoc])
	setv("DOCTOR_ID", D_DRID[ndoc]); setv("DOCTOR_FAMILY", D_DRF[ndoc]); setv("DOCTOR_GIVEN", D_DRG[ndoc])
	setraw("DIAGNOSES", "<list><item>" esc(dx1) "</item>" substr(list_of(DX, ndx, rnd(3), dx1), 7))
	setraw("MEDICATIONS", list_of(MED, nmed, 1 + rnd(3)))
	if (dis) {
		setv("ADMIT_DATE", D_START[ndoc]); setv("DISCHARGE_DATE", D_STOP[ndoc])
		setraw("ADMIT_DX", "<list><item>" esc(dx1) "</item></list>")
		setv("COURSE", sprintf("%s年%d月%d日、%sの診断にて当院%sに入院。入院後は薬物療法と" \
		    "リハビリテーションを行い、全身状態は改善した。入院期間%d日にて自宅退院となった。",
		    substr(D_START[ndoc], 1, 4), mo, substr(D_START[ndoc], 7, 2) + 0, dx1, D_DEPTN[ndoc], los))
		setv("INSTRUCTIONS", pick(INSTR, ninstr))
		tpl = T_DIS
	} else {
		split(FAC[1 + rnd(nfac)], parts, ":")
		setv("RECIPIENT", "ご担当医 御侍史"); setv("RECIPIENT_ORG", parts[1])
		setv("REASON", pick(REASON, nreason))
		setv("PAST_HISTORY", pick(PAST, npast))
		setv("PRESENT_ILLNESS", sprintf("%d年頃より%sにて当院%sに通院中。最近の経過を" \
		    "ご報告いたします。ご高診のほどよろしくお願い申し上げます。", y - 1 - rnd(10), dx1, D_DEPTN[ndoc]))
		tpl = T_REF
	}
	body = fill(tpl)
	D_SIZE[ndoc] = length(body)
	printf "%s", body > (outdir "/" D_FILE[ndoc])
	close(outdir "/" D_FILE[ndoc])
}

# XDS hash is SHA-1 in lower-case hex: one sha1sum per 1000 documents (a command line has
# to stay well below the kernel's 128 KiB limit for one argument of sh -c).
function hash_files(    cmd, i, j, line, f) {
	for (i = 1; i <= ndoc; i += 1000) {
		cmd = "cd " shq(outdir) " && sha1sum"
		for (j = i; j <= ndoc && j < i + 1000; j++) cmd = cmd " " D_FILE[j]
		while ((cmd | getline line) > 0) {
			f = line; sub(/^[0-9a-f]+ [ *]/, "", f)
			SHA1[f] = substr(line, 1, 40)
		}
		close(cmd)
	}
	for (i = 1; i <= ndoc; i++)
		if (length(SHA1[D_FILE[i]]) != 40) die("sha1sum failed for " D_FILE[i])
}

function author_values(i) {
	setv("AUTHOR_PERSON", D_DRID[i] "^" D_DRF[i] "^" D_DRG[i] "^^^^^^&" D_FOID[i] ".2&ISO")
	setv("AUTHOR_INSTITUTION", D_FAC[i] "^^^^^^^^^" D_FOID[i])
	setv("AUTHOR_ROLE", "主治医")
	setv("AUTHOR_SPECIALTY", D_DEPTN[i])
}

function make_pnr(p,    i, c, first, latest, entries, assocs, docs, ss) {
	entries = assocs = docs = ""
	first = 0; latest = ""
	split("", V)
	ss = uuid(p, 0, 2)
	for (i = PFIRST[p]; i < PFIRST[p] + PNDOC[p]; i++) {
		if (!first) first = i
		if (D_CTIME[i] > latest) latest = D_CTIME[i]
		split("", V)
		patient_values(p)
		author_values(i)
		setv("SS_ID", ss); setv("ENTRY_ID", D_ENTRY[i]); setv("DOC_UID", D_UID[i])
		setv("CREATION_TIME", D_CTIME[i]); setv("HASH", SHA1[D_FILE[i]]); setv("SIZE", D_SIZE[i])
		setv("SERVICE_START", D_START[i]); setv("SERVICE_STOP", D_STOP[i])
		setv("SOURCE_PATIENT_ID", D_MRN[i] "^^^&" D_FOID[i] ".1&ISO")
		setv("TITLE", D_TITLE[i]); setv("TYPE_CODE", D_TYPE[i])
		setv("FAC_TYPE_CODE", D_FTYPE[i]); setv("FAC_TYPE_NAME", D_FTYPEN[i])
		setv("DEPT_CODE", D_DEPTC[i]); setv("DEPT_NAME", D_DEPTN[i])
		setv("FILE", D_FILE[i])
		c = D_C[i]
		setv("ID_AUTHOR", uuid(p, c, 3)); setv("ID_CLASS", uuid(p, c, 4)); setv("ID_CONF", uuid(p, c, 5))
		setv("ID_FORMAT", uuid(p, c, 6)); setv("ID_HCF", uuid(p, c, 7)); setv("ID_PRACTICE", uuid(p, c, 8))
		setv("ID_TYPE", uuid(p, c, 9)); setv("ID_XPID", uuid(p, c, 10)); setv("ID_XUID", uuid(p, c, 11))
		setv("ASSOC_ID", uuid(p, c, 12))
		entries = entries fill(T_ENT)
		assocs = assocs fill(T_ASC)
		docs = docs fill(T_DOC)
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", PID[p], D_UID[i], D_ENTRY[i], D_TYPE[i],
		    D_TITLE[i], D_CTIME[i], D_FILE[i], D_SIZE[i], SHA1[D_FILE[i]] >> doc_tsv
	}
	split("", V)
	patient_values(p)
	author_values(first)
	setv("SS_ID", ss); setv("SS_UID", base ".4." p); setv("SOURCE_ID", base ".5.1")
	setv("SUBMISSION_TIME", latest)
	setv("CONTENT_CODE", D_TYPE[first]); setv("CONTENT_NAME", D_TITLE[first])
	setv("SS_ID_AUTHOR", uuid(p, 0, 3)); setv("SS_ID_CONTENT", uuid(p, 0, 4))
	setv("SS_ID_XUID", uuid(p, 0, 5)); setv("SS_ID_XSRC", uuid(p, 0, 6)); setv("SS_ID_XPID", uuid(p, 0, 7))
	setv("SS_ID_NODE", uuid(p, 0, 8))
	setraw("ENTRIES", entries); setraw("ASSOCIATIONS", assocs); setraw("DOCUMENTS", docs)
	printf "%s", fill(T_PNR) > (outdir "/pnr-" PID[p] ".xml")
	close(outdir "/pnr-" PID[p] ".xml")
}
