#!/bin/sh
# XCPD (ITI-55) responding gateway, gateway/xcpd_resp.c, against a real hashid on loopback
# with real mutual TLS: "shimane-gw" (region shimane), its MPI imported from gen_demo_data's
# patients.csv plus a few rows for special cases, is asked at /xca with the certificate of its
# configured peer okayama-gw (no okayama daemon is needed). The requests are built from
# soap/iti55-query.xml (SOAP 1.2 + WS-Addressing, PRPA_IN201305UV02 with kanji IDE + kana SYL
# names, birthTime, gender, address; sender HCID okayama's; okayama's own id of the patient as
# a livingSubjectId: "demographic query and feed").
#   1. S0001's exact demographics: AA / OK, one registrationEvent (S0001 in shimane's AA,
#      custodian = shimane's HCID); the fed link to okayama's id shows in `hashictl mpi show`.
#   2. width / kana variants of the same person (half-width kana, hiragana, full-width digits,
#      丁目/番/号, the address in one line): still OK; control: タロー for タロウ is NF.
#   3. same name + birth + sex, another address: NF (queued for review).
#   4. ハシモト vs バシモト: NF (control: ハシモト is OK).
#   5. no address and/or no gender: NF with the requested-attribute reasons xcpd_resp.c emits.
#   6. two strict matches (duplicate registration): NF, both queued for review with okayama's id.
#   7. malformed HL7 V3 (no controlActProcess; wrong or foreign Body element): HTTP 200 with
#      AE / QE; an empty Body or XML that is not well-formed: SOAP fault env:Sender (400); the
#      daemon survives and a valid query after them still answers OK.
#   8. no name, birth or id: AE / QE.
#   9. the IPF sample request (a bare PRPA: env:VersionMismatch as is, so wrapped): NF; its
#      patient imported by hand: still NF asking for the address (the sample sends none);
#      with the sample's shared identifier as a facility id: OK.
#   -  a livingSubjectId of ours is answered directly; no feed when the sender HCID is not the
#      calling peer's; an id without name/birth gets NF without asking for attributes it
#      carried; an id of ours with another person's demographics is not believed (no link);
#      a non-peer certificate gets 403.
#  10. every response validates against xsd/wrappers/xcpd-soap12.xsd.
#  11. every request sent as valid validates against the same schema; the malformed don't.
#  12. `hashictl mpi import`: a broken line stores nothing and is named FILE:LINE; two
#      concurrent imports both succeed and the count is the sum (the daemon finds one).
. "$(dirname "$0")/lib.sh"

for tool in xmllint openssl curl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
XSD=$SHARED/conformance/xsd/wrappers/xcpd-soap12.xsd
IPF=$SHARED/conformance/samples/ipf
[ -f "$XSD" ] || die "no XCPD schema at $XSD"
[ -f "$IPF/iti55-sample-request.xml" ] || die "no IPF ITI-55 sample in $IPF"

ACT_REQ=urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery
ACT_RESP=urn:hl7-org:v3:PRPA_IN201306UV02:CrossGatewayPatientDiscovery
CS_REQUESTED=1.3.6.1.4.1.19376.1.2.27.1

mk_tmp
T=$HASHI_TMP
mk_pki shimane-gw okayama-gw
region_info okayama || die "region okayama"
O_HCID=$R_HCID
O_OID=${R_HCID#urn:oid:}
O_AA=$R_AA
PS=$(free_port) || die "no free port"
PO=$(free_port) || die "no free port"
write_config shimane-gw "$PS" shimane peer=okayama-gw@okayama:"$PO"
S_OID=${R_HCID#urn:oid:}
S_AA=$R_AA
CONF=$(config_of shimane-gw)
URL=https://127.0.0.1:$PS/xca

# ---------------------------------------------------------------- the MPI
sh "$DATA/gen_demo_data.sh" "$T/data" shimane 20 >/dev/null 2>&1 || die "gen_demo_data.sh shimane failed"
CSV=$T/data/patients.csv
grep -q "^S0001^^^&$S_AA&ISO,山田,太郎,ヤマダ,タロウ,19480512,M,718-0001,岡山県新見市晴天町1-2-3\$" "$CSV" ||
    die "test bug: patients.csv does not hold S0001 as expected"
# special cases: 橋本 健一 (ハシモト, for the バシモト query) and a person registered twice
cat >>"$CSV" <<EOF
S9041^^^&$S_AA&ISO,橋本,健一,ハシモト,ケンイチ,19550303,M,690-0887,島根県松江市殿町1-5
S9061^^^&$S_AA&ISO,佐々木,花子,ササキ,ハナコ,19700101,F,693-0001,島根県出雲市今市町2-3-4
S9062^^^&$S_AA&ISO,佐々木,花子,ササキ,ハナコ,19700101,F,693-0001,島根県出雲市今市町2-3-4
EOF
if out=$(hashictl "$CONF" mpi import "$CSV" 2>&1); then
	like "$out" ': 23 rows: 23 added, 0 updated$' "mpi import of gen_demo_data's patients.csv + 3 rows: 23 added"
else
	die "mpi import of $CSV failed: $out"
fi

start_hashid shimane-gw "$CONF" okayama-gw || die "shimane-gw did not start"
ok "shimane-gw started on port $PS (peer okayama-gw)"

# ---------------------------------------------------------------- helpers
X_ACK="//*[local-name()='acknowledgement']/*[local-name()='typeCode']/@code"
X_QRC="//*[local-name()='queryAck']/*[local-name()='queryResponseCode']/@code"
X_REG="//*[local-name()='registrationEvent']"
X_PAT="$X_REG/*[local-name()='subject1']/*[local-name()='patient']"
X_CUST="$X_REG/*[local-name()='custodian']/*[local-name()='assignedEntity']/*[local-name()='id']"
X_DIM="//*[local-name()='detectedIssueManagement']/*[local-name()='code']"
X_ACTION="/*[local-name()='Envelope']/*[local-name()='Header']/*[local-name()='Action']"
N_REQ=0

# q55 NAME [-PARAM...] [KEY=VALUE...]: writes $T/NAME.req.xml from soap/iti55-query.xml with
# S0001's demographics (山田 太郎) and feed id P0001 as defaults; KEY=VALUE overrides one,
# -PARAM removes a parameter (gender, birth, id, name, kana, addr).
q55() {
	_q_out=$T/$1.req.xml
	shift
	_q_drop=
	while [ $# -gt 0 ]; do
		case $1 in
		-*) _q_drop="$_q_drop ${1#-}" ;;
		*) break ;;
		esac
		shift
	done
	N_REQ=$((N_REQ + 1))
	soap_fill "$SOAP/iti55-query.xml" "$_q_out.tmp" TO="$URL" SENDER_OID="$O_OID" \
	    RECEIVER_OID="$S_OID" MSG_EXT="m$N_REQ" QUERY_EXT="q$N_REQ" GENDER=M BIRTH=19480512 \
	    FEED_ROOT="$O_AA" FEED_EXT=P0001 FAMILY=山田 GIVEN=太郎 KFAMILY=ヤマダ KGIVEN=タロウ \
	    STATE=岡山県 CITY=新見市 STREET=晴天町1-2-3 POSTAL=718-0001 "$@" ||
	    die "test bug: soap_fill for $_q_out"
	for _q_p in $_q_drop; do
		sed -i "/<!--$_q_p{-->/,/<!--}$_q_p-->/d" "$_q_out.tmp"
	done
	mv "$_q_out.tmp" "$_q_out"
}

# post55 NAME [malformed]: POSTs $T/NAME.req.xml to shimane's /xca as okayama-gw; the answer
# goes to $T/NAME.resp.xml. Both are kept in $T/sent/ (N-NAME.req.xml / N-NAME.resp.xml) for
# the schema checks of 10 and 11; "malformed" marks a request that must NOT validate. Sets
# CODE, ACTION, ACK, QRC, NREG.
N_POST=0
mkdir -p "$T/sent"
post55() {
	CODE=$(soap_post "$URL" okayama-gw "$ACT_REQ" "$T/$1.req.xml" "$T/$1.resp.xml")
	N_POST=$((N_POST + 1))
	_p_n=$(printf '%02d' "$N_POST")
	cp "$T/$1.req.xml" "$T/sent/$_p_n-$1.req${2:+.$2}.xml"
	cp "$T/$1.resp.xml" "$T/sent/$_p_n-$1.resp.xml"
	ACTION=$(xpath "$T/$1.resp.xml" "normalize-space($X_ACTION)")
	ACK=$(xpath "$T/$1.resp.xml" "string($X_ACK)")
	QRC=$(xpath "$T/$1.resp.xml" "string($X_QRC)")
	NREG=$(xpath "$T/$1.resp.xml" "count($X_REG)")
}

# expect NAME ACK QRC NREG DESC: the answer to NAME was HTTP 200 with the ITI-55 response
# action, acknowledgement ACK, queryResponseCode QRC and NREG registrationEvents.
expect() {
	if ! is "$CODE $ACTION $ACK $QRC $NREG" "200 $ACT_RESP $2 $3 $4" "$5"; then
		diag_file "$T/$1.resp.xml" 40
		return 1
	fi
}

# expect_fault NAME STATUS CODE DESC: the answer to NAME was a SOAP 1.2 fault with HTTP
# STATUS and fault code CODE (env:Sender, env:VersionMismatch, ...).
expect_fault() {
	_ef_code=$(xpath "$T/$1.resp.xml" "normalize-space(//*[local-name()='Fault']/*[local-name()='Code']/*[local-name()='Value'])")
	if ! is "$CODE $ACTION $_ef_code" "$2 http://www.w3.org/2005/08/addressing/soap/fault $3" "$4"; then
		diag_file "$T/$1.resp.xml" 20
		return 1
	fi
}

# reasons NAME: the detectedIssueManagement codes of the answer, "code@system" space-separated.
reasons() {
	_r_n=$(xpath "$T/$1.resp.xml" "count($X_DIM)")
	_r_i=1
	_r_out=
	while [ "$_r_i" -le "${_r_n:-0}" ]; do
		_r_out="$_r_out $(xpath "$T/$1.resp.xml" "string(($X_DIM)[$_r_i]/@code)")@$(xpath "$T/$1.resp.xml" "string(($X_DIM)[$_r_i]/@codeSystem)")"
		_r_i=$((_r_i + 1))
	done
	echo "${_r_out# }"
}

# xsd_check FILE: 0 when FILE validates against the XCPD schema; errors as TAP comments.
xsd_check() {
	if _xc_out=$(xmllint --noout --nonet --schema "$XSD" "$1" 2>&1); then
		return 0
	fi
	printf '%s\n' "$_xc_out" | grep -v 'Skipping import of schema' | head -n 15 | sed 's/^/# /'
	return 1
}

# wrap FILE OUT: the bare PRPA FILE in a SOAP 1.2 envelope with WS-A headers.
wrap() {
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n'
		printf '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">'
		printf '<soap:Header><wsa:Action soap:mustUnderstand="true">%s</wsa:Action>' "$ACT_REQ"
		printf '<wsa:MessageID>%s</wsa:MessageID>' "$(new_uuid)"
		printf '<wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>'
		printf '</soap:Header><soap:Body>\n'
		sed '1{/^<?xml/d;}' "$1"
		printf '\n</soap:Body></soap:Envelope>\n'
	} >"$2"
	xmllint --noout "$2" 2>/dev/null || die "test bug: wrapping $1 gave no well-formed XML"
}

# mpi_count: the patient count of `hashictl mpi stats`.
mpi_count() {
	hashictl "$CONF" mpi stats 2>/dev/null | sed -n 's/^patients:[[:space:]]*//p'
}

# ---------------------------------------------------------------- 1. exact match, query and feed
q55 exact
post55 exact
expect exact AA OK 1 "1. S0001's exact demographics: HTTP 200, $ACT_RESP, AA / OK, one registrationEvent"
is "$(xpath "$T/exact.resp.xml" "string($X_PAT/*[local-name()='id']/@root)") $(xpath "$T/exact.resp.xml" "string($X_PAT/*[local-name()='id']/@extension)")" \
    "$S_AA S0001" "1. ... its patient id is S0001 in shimane's assigning authority"
is "$(xpath "$T/exact.resp.xml" "string($X_CUST/@root)")" "$S_OID" "1. ... custodian id root = shimane's HCID OID"
mid=$(xpath "$T/exact.req.xml" "normalize-space(//*[local-name()='MessageID'])")
is "$(xpath "$T/exact.resp.xml" "normalize-space(//*[local-name()='RelatesTo'])")" "${mid:-no MessageID in the request}" \
    "1. ... wsa:RelatesTo = our wsa:MessageID"
is "$(xpath "$T/exact.resp.xml" "string(//*[local-name()='acknowledgement']/*[local-name()='targetMessage']/*[local-name()='id']/@extension)") $(xpath "$T/exact.resp.xml" "string(//*[local-name()='queryAck']/*[local-name()='queryId']/@extension)")" \
    "m$N_REQ q$N_REQ" "1. ... targetMessage and queryAck/queryId name our message and query"
show=$(hashictl "$CONF" mpi show S0001 2>&1)
like "$show" "^  $O_HCID -> P0001\\^\\^\\^&$O_AA&ISO  XCPD, .*fresh\$" \
    "1. mpi show S0001: fed link to okayama's P0001 (XCPD, fresh)" || diag "$show"
link=$(printf '%s\n' "$show" | grep -F -- "-> P0001^^^&$O_AA&ISO")
matched=$(printf '%s\n' "$link" | sed -n 's/.*matched \([^,]*\), expires \([^,]*\),.*/\1/p')
expires=$(printf '%s\n' "$link" | sed -n 's/.*matched \([^,]*\), expires \([^,]*\),.*/\2/p')
is "$(($(date -u -d "$expires" +%s 2>/dev/null || echo 0) - $(date -u -d "$matched" +%s 2>/dev/null || echo 0)))" 86400 \
    "1. ... trusted for 24 h (mpi.correlation_ttl default, the peer states none)" || diag "$link"

# ---------------------------------------------------------------- 2. normalisation
# (a) half-width kana reading, full-width digits and hyphens in the street
q55 halfwidth KFAMILY=ﾔﾏﾀﾞ KGIVEN=ﾀﾛｳ STREET=晴天町１－２－３
post55 halfwidth
expect halfwidth AA OK 1 "2a. half-width kana ﾔﾏﾀﾞ ﾀﾛｳ, full-width digits in the address: AA / OK, one match"
is "$(xpath "$T/halfwidth.resp.xml" "string($X_PAT/*[local-name()='id']/@extension)")" S0001 "2a. ... and it is S0001"
# (b) hiragana reading, 丁目/番/号 with kanji and full-width numbers
q55 hiragana KFAMILY=やまだ KGIVEN=たろう STREET=晴天町一丁目２番３号
post55 hiragana
expect hiragana AA OK 1 "2b. hiragana やまだ たろう, 晴天町一丁目２番３号: AA / OK, one match"
is "$(xpath "$T/hiragana.resp.xml" "string($X_PAT/*[local-name()='id']/@extension)")" S0001 "2b. ... and it is S0001"
# (c) the whole address in one streetAddressLine (no state or city part), 丁目 and a hyphen
q55 oneline STATE= CITY= STREET=岡山県新見市晴天町1丁目2-3
post55 oneline
expect oneline AA OK 1 "2c. whole address in one streetAddressLine (岡山県新見市晴天町1丁目2-3): AA / OK"
# control: normalisation is not "anything goes": the long vowel mark タロー is not タロウ
q55 longvowel KGIVEN=タロー
post55 longvowel
expect longvowel AA NF 0 "2d. control: reading ヤマダ タロー (not the same exact kana key as タロウ): AA / NF"

# ---------------------------------------------------------------- 3. another address
q55 otheraddr STREET=晴天町9-9-9 FEED_EXT=P0003
post55 otheraddr
expect otheraddr AA NF 0 "3. same name, birth and sex, another address (晴天町9-9-9): AA / NF, no match"
is "$(reasons otheraddr)" "" "3. ... and no requested attribute (the address was given: it differs)"

# ---------------------------------------------------------------- 4. ハシモト vs バシモト
q55 hashimoto FAMILY=橋本 GIVEN=健一 KFAMILY=ハシモト KGIVEN=ケンイチ BIRTH=19550303 \
    STATE=島根県 CITY=松江市 STREET=殿町1-5 POSTAL=690-0887 FEED_EXT=P9041
post55 hashimoto
expect hashimoto AA OK 1 "4. control: 橋本 健一 ハシモト ケンイチ (S9041 exactly): AA / OK"
q55 bashimoto FAMILY=橋本 GIVEN=健一 KFAMILY=バシモト KGIVEN=ケンイチ BIRTH=19550303 \
    STATE=島根県 CITY=松江市 STREET=殿町1-5 POSTAL=690-0887 FEED_EXT=P9042
post55 bashimoto
expect bashimoto AA NF 0 "4. the same with reading バシモト (voiced: another kana key): AA / NF"

# ---------------------------------------------------------------- 5. attributes that would help
q55 noaddr -addr -gender FEED_EXT=P0005
post55 noaddr
expect noaddr AA NF 0 "5. S0001's name and birth without address and gender: AA / NF"
is "$(reasons noaddr)" "PatientAddressRequested@$CS_REQUESTED LivingSubjectAdministrativeGenderRequested@$CS_REQUESTED" \
    "5. ... detectedIssueManagement PatientAddressRequested and LivingSubjectAdministrativeGenderRequested ($CS_REQUESTED)"
X_DIE="//*[local-name()='reasonOf']/*[local-name()='detectedIssueEvent']/*[local-name()='code']"
is "$(xpath "$T/noaddr.resp.xml" "string($X_DIE/@code)") $(xpath "$T/noaddr.resp.xml" "string($X_DIE/@codeSystem)")" \
    "ActAdministrativeDetectedIssueCode 2.16.840.1.113883.5.4" "5. ... under detectedIssueEvent ActAdministrativeDetectedIssueCode (2.16.840.1.113883.5.4)"
q55 noaddr2 -addr FEED_EXT=P0005
post55 noaddr2
expect noaddr2 AA NF 0 "5b. S0001 with gender but without address: AA / NF"
is "$(reasons noaddr2)" "PatientAddressRequested@$CS_REQUESTED" "5b. ... only PatientAddressRequested is requested"
q55 nogender -gender FEED_EXT=P0005
post55 nogender
expect nogender AA NF 0 "5c. S0001 with address but without gender: AA / NF"
is "$(reasons nogender)" "LivingSubjectAdministrativeGenderRequested@$CS_REQUESTED" \
    "5c. ... only LivingSubjectAdministrativeGenderRequested is requested"

# ---------------------------------------------------------------- 6. ambiguous: two strict matches
q55 twice FAMILY=佐々木 GIVEN=花子 KFAMILY=ササキ KGIVEN=ハナコ BIRTH=19700101 GENDER=F \
    STATE=島根県 CITY=出雲市 STREET=今市町2-3-4 POSTAL=693-0001 FEED_EXT=P9061
post55 twice
expect twice AA NF 0 "6. 佐々木 花子, registered twice (S9061, S9062), both strict matches: AA / NF (ambiguous)"
is "$(reasons twice)" "" "6. ... with no requested attribute (none would help)"
review=$(hashictl "$CONF" mpi review 2>&1)
cands=$(printf '%s\n' "$review" | sed -n "s/^#[0-9]* \\(.*\\) ~ P9061^^^&$O_AA&ISO in $O_HCID .*/\\1/p" | sort | tr '\n' ' ')
is "$cands" "S9061^^^&$S_AA&ISO S9062^^^&$S_AA&ISO " \
    "6. mpi review: two candidates S9061 and S9062 for okayama's P9061" || diag "$review"
# the near misses of 3 and 4 were queued the same way (xcpd_resp.c: xcpd_queue)
like "$review" "^#[0-9]+ S0001\\^\\^\\^&$S_AA&ISO ~ P0003\\^\\^\\^&$O_AA&ISO in $O_HCID " \
    "3. ... mpi review: S0001 queued as a candidate for okayama's P0003"
like "$review" "^#[0-9]+ S9041\\^\\^\\^&$S_AA&ISO ~ P9042\\^\\^\\^&$O_AA&ISO in $O_HCID " \
    "4. ... mpi review: S9041 queued as a candidate for okayama's P9042"
show=$(hashictl "$CONF" mpi show S9061 2>&1)
like "$show" "^  no correlations\$" "6. ... and S9061 was not linked" || diag "$show"

# ---------------------------------------------------------------- 7. malformed HL7 V3
# (a) PRPA_IN201305UV02 without controlActProcess
q55 nocap
sed -i '/<controlActProcess/,/<\/controlActProcess>/d' "$T/nocap.req.xml"
grep -q controlActProcess "$T/nocap.req.xml" && die "test bug: controlActProcess still in nocap"
post55 nocap malformed
expect nocap AE QE 0 "7a. PRPA_IN201305UV02 without controlActProcess: HTTP 200, AE / QE"
X_DET="//*[local-name()='acknowledgement']/*[local-name()='acknowledgementDetail']"
like "$(xpath "$T/nocap.resp.xml" "string($X_DET/@typeCode)") $(xpath "$T/nocap.resp.xml" "string($X_DET/*[local-name()='text'])")" \
    '^E .*controlActProcess' "7a. ... acknowledgementDetail E naming controlActProcess"
is "$(xpath "$T/nocap.resp.xml" "string(//*[local-name()='targetMessage']/*[local-name()='id']/@extension)")" "m$N_REQ" \
    "7a. ... and acknowledging our message id"
# (b) a PRPA_IN201306UV02 (an answer) as the Body's element
q55 wrongroot
sed -i 's/<PRPA_IN201305UV02 /<PRPA_IN201306UV02 /; s#</PRPA_IN201305UV02>#</PRPA_IN201306UV02>#' "$T/wrongroot.req.xml"
[ "$(xpath "$T/wrongroot.req.xml" "local-name(//*[local-name()='Body']/*)")" = PRPA_IN201306UV02 ] ||
    die "test bug: wrongroot has no PRPA_IN201306UV02 in its Body"
post55 wrongroot malformed
expect wrongroot AE QE 0 "7b. PRPA_IN201306UV02 as the Body's element of an ITI-55 request: HTTP 200, AE / QE"
like "$(xpath "$T/wrongroot.resp.xml" "string($X_DET/*[local-name()='text'])")" 'PRPA_IN201305UV02' \
    "7b. ... acknowledgementDetail naming the expected PRPA_IN201305UV02"
# (c) a foreign element
q55 foreign
awk '/<PRPA_IN201305UV02 /{ print "<x:Query xmlns:x=\"urn:example:not-hl7\"/>"; skip = 1 } !skip { print } /<\/PRPA_IN201305UV02>/{ skip = 0 }' \
    "$T/foreign.req.xml" >"$T/foreign.tmp" && mv "$T/foreign.tmp" "$T/foreign.req.xml"
post55 foreign
expect foreign AE QE 0 "7c. a non-HL7 element as the Body's element: HTTP 200, AE / QE"
# (d) an empty Body, (e) XML that is not well-formed: refused by the SOAP layer before XCPD
q55 emptybody
sed -i '/<soap:Body>/,/<\/soap:Body>/c\  <soap:Body></soap:Body>' "$T/emptybody.req.xml"
post55 emptybody malformed
expect_fault emptybody 400 env:Sender "7d. an empty soap:Body: SOAP fault env:Sender, HTTP 400 (soap layer, not XCPD)"
q55 notwf
sed -i 's#</PRPA_IN201305UV02>#</PRPA_IN201305UV0>#' "$T/notwf.req.xml"
post55 notwf malformed
expect_fault notwf 400 env:Sender "7e. XML that is not well-formed: SOAP fault env:Sender, HTTP 400"
# (f) still serving
if kill -0 "$(pid_of shimane-gw)" 2>/dev/null; then
	ok "7. shimane-gw still running after the malformed requests"
else
	not_ok "7. shimane-gw still running after the malformed requests"
	diag_file "$T/shimane-gw.log" 20
fi
q55 after
post55 after
expect after AA OK 1 "7. a valid query after them: AA / OK"

# ---------------------------------------------------------------- 8. missing demographics
q55 nodemog -name -birth -id
post55 nodemog
expect nodemog AE QE 0 "8. only gender and address (no name, birth or id): AE / QE"
like "$(xpath "$T/nodemog.resp.xml" "string($X_DET/*[local-name()='text'])")" 'name and birth date, or a patient id' \
    "8. ... acknowledgementDetail saying what is needed"
q55 nobirth -birth -id
post55 nobirth
expect nobirth AE QE 0 "8b. a name without birth date or id: AE / QE"

# ---------------------------------------------------------------- 9. the IPF sample
# The sample is a bare PRPA_IN201305UV02 (no envelope). As is, the SOAP layer refuses it: a
# root that is no SOAP 1.2 Envelope is env:VersionMismatch, HTTP 500 (SOAP 1.2 part 1 5.4.7,
# part 2 7.5.1.2).
cp "$IPF/iti55-sample-request.xml" "$T/ipfbare.req.xml"
post55 ipfbare malformed
expect_fault ipfbare 500 env:VersionMismatch \
    "9. IPF iti55-sample-request.xml posted as is (a bare PRPA, no envelope): env:VersionMismatch, HTTP 500 (SOAP 1.2)"
wrap "$IPF/iti55-sample-request.xml" "$T/ipf.req.xml"
post55 ipf
expect ipf AA NF 0 "9. the same in a SOAP 1.2 envelope (Jimmy Jones 1963-08-05 M, not shimane's): AA / NF"
is "$(reasons ipf)" "" "9. ... with no requested attribute (no candidate at all)"
# Its patient, by hand: name Jones / Jimmy (a PN without use: the IDE name), birth 19630805,
# sex M. The sample has no address: the row gets one of ours.
printf 'pid,family,given,family_kana,given_kana,birth,sex,postal,address\nS9091,Jones,Jimmy,,,19630805,M,690-0001,島根県松江市東朝日町1-1\n' >"$T/ipf1.csv"
check "9. mpi import of the sample's patient (S9091 Jones Jimmy 19630805 M)" hashictl "$CONF" mpi import "$T/ipf1.csv"
post55 ipf
expect ipf AA NF 0 "9. the sample again: still NF (it sends no address, needed for an automatic match)"
is "$(reasons ipf)" "PatientAddressRequested@$CS_REQUESTED" "9. ... asking for the address (PatientAddressRequested)"
# The sample also sends a shared (national) identifier, 58910 in 2.16.840.1.113883.4.1: once
# S9091 holds it as a facility id, the patient is found by it.
printf 'pid,facility_ids,family,given,family_kana,given_kana,birth,sex,postal,address\nS9091,58910^^^&2.16.840.1.113883.4.1&ISO,Jones,Jimmy,,,19630805,M,690-0001,島根県松江市東朝日町1-1\n' >"$T/ipf2.csv"
check "9. mpi import of S9091 with the sample's identifier 58910^^^&2.16.840.1.113883.4.1&ISO" hashictl "$CONF" mpi import "$T/ipf2.csv"
post55 ipf
expect ipf AA OK 1 "9. the sample again: AA / OK"
is "$(xpath "$T/ipf.resp.xml" "string($X_PAT/*[local-name()='id']/@extension)") $(xpath "$T/ipf.resp.xml" "string($X_CUST/@root)")" \
    "S9091 $S_OID" "9. ... the match is S9091, custodian shimane"
is "$(xpath "$T/ipf.resp.xml" "string(//*[local-name()='receiver']//*[local-name()='representedOrganization']/*[local-name()='id']/@root)")" \
    1.2.3.928.955 "9. ... addressed to the sample's sender community 1.2.3.928.955"

# ---------------------------------------------------------------- shared identifier, feed rules
# xcpd_resp.h: a livingSubjectId in our own assigning authority is answered directly.
q55 ownid -name -birth -addr -gender FEED_ROOT="$S_AA" FEED_EXT=S0002
post55 ownid
expect ownid AA OK 1 "a livingSubjectId in shimane's assigning authority (S0002) alone: AA / OK"
is "$(xpath "$T/ownid.resp.xml" "string($X_PAT/*[local-name()='id']/@extension)")" S0002 "... the match is S0002"
# An id of ours that comes with another person's demographics is not believed: our id S0005
# (加藤 明美 F 1941-03-14) as a livingSubjectId, S0001's demographics (山田 太郎 M 1948-05-12) and
# okayama's P0123: the answer is S0001 (the strict demographic match), S0005 is never linked
# to P0123, and S0001's fresh link to P0001 (block 1) is not replaced by the fed P0123.
q55 twoids FEED_EXT=P0123
sed -i "s#<value root=\"$O_AA\" extension=\"P0123\"/>#<value root=\"$S_AA\" extension=\"S0005\"/><semanticsText>LivingSubject.id</semanticsText></livingSubjectId><livingSubjectId><value root=\"$O_AA\" extension=\"P0123\"/>#" \
    "$T/twoids.req.xml"
[ "$(xpath "$T/twoids.req.xml" "count(//*[local-name()='livingSubjectId'])")" = 2 ] || die "test bug: twoids has not two ids"
post55 twoids
expect twoids AA OK 1 "our id S0005 + okayama's P0123 + S0001's demographics: AA / OK"
is "$(xpath "$T/twoids.resp.xml" "string($X_PAT/*[local-name()='id']/@extension)")" S0001 \
    "... the match is S0001 (the contradicted id S0005 is not believed)"
show=$(hashictl "$CONF" mpi show S0005 2>&1)
like "$show" "^  no correlations\$" "... S0005 is not linked to P0123" ||
    diag "$(printf '%s\n' "$show" | tail -n 1)"
show=$(hashictl "$CONF" mpi show S0001 2>&1)
case $show in
*P0123*) not_ok "... S0001 keeps its fresh link to P0001: a fed id never replaces it" ;;
*P0001*) ok "... S0001 keeps its fresh link to P0001: a fed id never replaces it" ;;
*) not_ok "... S0001 keeps its fresh link to P0001: a fed id never replaces it" ;;
esac
# The feed is stored only when the sender HCID is the calling peer's own.
region_info tottori || die "region tottori"
q55 claim SENDER_OID="${R_HCID#urn:oid:}" FAMILY=安達 GIVEN=勇 KFAMILY=アダチ KGIVEN=イサム BIRTH=19380421 \
    STATE=島根県 CITY=益田市 STREET=白鷺町4-28-19 POSTAL=698-0031 FEED_EXT=P0002
post55 claim
expect claim AA OK 1 "okayama's certificate, sender HCID tottori's, S0002's demographics: AA / OK"
show=$(hashictl "$CONF" mpi show S0002 2>&1)
like "$show" "^  no correlations\$" "... but no link is fed (the sender is not the peer that called)" || diag "$show"
# A query with an unknown id, gender and address but no name or birth date: NF, and no
# request for attributes the query already carries.
q55 idonly -name -birth FEED_EXT=P0099
post55 idonly
expect idonly AA NF 0 "okayama id P0099 unknown here, gender and address, no name or birth: AA / NF"
is "$(reasons idonly)" "" "... without requesting the address or gender it carried"

# ---------------------------------------------------------------- authorisation
q55 stranger
code=$(soap_post "$URL" unknown "$ACT_REQ" "$T/stranger.req.xml" "$T/stranger.resp.xml")
is "$code" 403 "a certificate of our CA that is no configured peer: HTTP 403, no XCPD answer"

# ---------------------------------------------------------------- 12. mpi import
before=$(mpi_count)
like "$before" '^[0-9]+$' "12. mpi stats: $before patients"
H=pid,family,given,family_kana,given_kana,birth,sex,postal,address
{
	echo "$H"
	echo "B0001,青木,一,アオキ,ハジメ,19800101,M,690-0001,島根県松江市東朝日町2-1"
	echo "B0002,青木,二,アオキ,ツギ,19800202,F,690-0001,島根県松江市東朝日町2-2"
	echo "B0003,青木,三,アオキ,ミツ,19801332,M,690-0001,島根県松江市東朝日町2-3"
	echo "B0004,青木,四,アオキ,ヨツ,19800404,F,690-0001,島根県松江市東朝日町2-4"
} >"$T/broken.csv"
if out=$(hashictl "$CONF" mpi import "$T/broken.csv" 2>&1); then
	not_ok "12. mpi import of a CSV with a bad birth date on line 4 fails"
	diag "$out"
else
	ok "12. mpi import of a CSV with a bad birth date on line 4 fails"
	like "$out" "^$T/broken.csv:4: birth" "12. ... naming $T/broken.csv:4" || diag "$out"
fi
is "$(mpi_count)" "$before" "12. ... mpi stats: patient count unchanged ($before)"
if hashictl "$CONF" mpi show B0001 >/dev/null 2>&1; then
	not_ok "12. ... B0001 (line 2, valid) was not stored either"
else
	ok "12. ... B0001 (line 2, valid) was not stored either"
fi
for k in C D; do
	{
		echo "$H"
		i=1
		while [ "$i" -le 1000 ]; do
			printf '%s%04d,試験,%s%d,シケン,タロウ,19%02d0%d1%d,%s,690-0001,島根県松江市東朝日町%d-%d\n' \
			    "$k" "$i" "$k" "$i" $((i % 100)) $((i % 9 + 1)) $((i % 10)) M $((i % 7 + 1)) "$i"
			i=$((i + 1))
		done
	} >"$T/conc-$k.csv"
done
hashictl "$CONF" mpi import "$T/conc-C.csv" >"$T/conc-C.out" 2>&1 &
pc=$!
hashictl "$CONF" mpi import "$T/conc-D.csv" >"$T/conc-D.out" 2>&1 &
pd=$!
wait "$pc"
rc=$?
wait "$pd"
rd=$?
is "$rc $rd" "0 0" "12. two concurrent mpi imports (1000 + 1000 patients) both succeed" ||
    diag "$(cat "$T/conc-C.out" "$T/conc-D.out")"
is "$(sed -n 's/.*: \([0-9]* rows: .*\)/\1/p' "$T/conc-C.out") | $(sed -n 's/.*: \([0-9]* rows: .*\)/\1/p' "$T/conc-D.out")" \
    "1000 rows: 1000 added, 0 updated | 1000 rows: 1000 added, 0 updated" "12. ... each added its 1000"
is "$(mpi_count)" $((before + 2000)) "12. ... mpi stats: $before + 2000 patients"
q55 conc FAMILY=試験 GIVEN=D7 KFAMILY=シケン KGIVEN=タロウ BIRTH=19070817 STATE= CITY= STREET=島根県松江市東朝日町1-7 \
    POSTAL=690-0001 FEED_EXT=P7007
post55 conc
expect conc AA OK 1 "12. ... and the running gateway finds an imported patient (D0007): AA / OK"

# ---------------------------------------------------------------- 10. every response is valid
n=0
bad=
for f in "$T"/sent/*.resp.xml; do
	n=$((n + 1))
	xsd_check "$f" || bad="$bad ${f##*/}"
done
if [ "$n" -ge 20 ] && [ -z "$bad" ]; then
	ok "10. all $n responses shimane sent validate against xcpd-soap12.xsd"
else
	not_ok "10. all $n responses shimane sent validate against xcpd-soap12.xsd"
	diag "invalid:$bad"
fi

# ---------------------------------------------------------------- 11. the requests are valid
n=0
bad=
for f in "$T"/sent/*.req.xml; do
	n=$((n + 1))
	xsd_check "$f" >/dev/null || bad="$bad ${f##*/}"
done
is "$bad" "" "11. the $n ITI-55 requests sent as valid validate against xcpd-soap12.xsd" ||
    for f in "$T"/sent/*.req.xml; do xsd_check "$f"; done
xsd_check "$T"/sent/*-nocap.req.malformed.xml >/dev/null 2>&1
r1=$?
xsd_check "$T"/sent/*-wrongroot.req.malformed.xml >/dev/null 2>&1
r2=$?
xsd_check "$T"/sent/*-notwf.req.malformed.xml >/dev/null 2>&1
r3=$?
is "$r1 $r2 $r3" "1 1 1" "11. ... and the malformed ones of 7a, 7b and 7e do not"

if kill -0 "$(pid_of shimane-gw)" 2>/dev/null; then
	ok "shimane-gw still running"
else
	not_ok "shimane-gw still running"
	diag_file "$T/shimane-gw.log" 20
fi

stop_all
done_testing
