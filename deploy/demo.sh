#!/bin/sh
# deploy/demo.sh: Hashi in five minutes, on loopback. Run by `make demo` (BUILD = build dir).
#
# Two regional EHR networks, each with its own Hashi gateway and synthetic patients:
#   晴れやかネット (Okayama, urn:oid:1.2.392.200119.6.1001)   まめネット (Shimane, urn:oid:1.2.392.200119.6.1002)
# Patient P0001 of Okayama is S0001 of Shimane: each region's patient list is loaded into its
# MPI (hashictl mpi import), and no one links the two ids by hand. A clinic system of Okayama
# (okayama-ehr) asks its own gateway (/ig) for P0001's documents with an ITI-38 Cross Gateway
# Query; Okayama finds the patient in Shimane with XCPD (ITI-55, all four basic attributes
# must match), stores the link, translates the id and asks Shimane's responding gateway
# (/xca). Shimane releases nothing without the patient's consent: the first query is refused
# (ConsentRequired); the patient then signs a consent with the JPKI signing certificate of
# their My Number card (a test look-alike, tests/pki/jpki.sh), Shimane registers it
# (hashictl consent add), and the same query returns the documents. Then one
# document is fetched with an ITI-39 Cross Gateway Retrieve (MTOM) and checked byte for byte
# against the original. At the end, with both gateways stopped, Shimane's signed audit log is
# verified offline and searched for the patient: every query, decision, the consent's
# registration and the retrieve are in it. Everything runs in a fresh temp dir and is stopped and removed at the
# end, also on failure or Ctrl-C (HASHI_KEEP=1 keeps it; it is kept anyway when a step fails).
# Exit status 0 only when every step succeeded.
set -u
HASHI_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$HASHI_ROOT/tests/integ/lib.sh"

# Plain-text output instead of TAP: the harness reports through ok / not_ok / diag.
. "$HASHI_ROOT/deploy/demo_lib.sh"
ms() { date +%s%3N; }

# jst DTM: "YYYY-MM-DD hh:mm JST" for a UTC DTM (14 digits); the DTM itself if unparseable.
jst() {
	case $1 in
	[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*)
		TZ=JST-9 date -d "$(echo "$1" | sed 's/^\(....\)\(..\)\(..\)\(..\)\(..\).*/\1-\2-\3 \4:\5 UTC/')" \
		    '+%Y-%m-%d %H:%M JST' 2>/dev/null || echo "$1" ;;
	*) echo "$1" ;;
	esac
}

cat <<'EOF'
==============================================================================
 Hashi デモ: 地域医療連携ネットワーク間の文書照会 (IHE XCA)
 Hashi demo: cross-community document query and retrieve between two regions
==============================================================================
EOF

for tool in xmllint openssl curl sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool が見つかりません / $tool not found"
done
[ -x "$HASHID" ] || fail "$HASHID がありません (make all) / not built"
[ -x "$HASHICTL" ] || fail "$HASHICTL がありません (make all) / not built"
mk_tmp
T=$HASHI_TMP

# ---------------------------------------------------------------------------
step 1/8 "テスト用PKIとポート / test PKI and ports"
mk_pki okayama-gw shimane-gw okayama-ehr
PO=$(free_port) || fail "no free port"
PS=$(free_port) || fail "no free port"
region_info okayama; O_NAME=$R_NAME; O_HCID=$R_HCID; O_AA=$R_AA
region_info shimane; S_NAME=$R_NAME; S_HCID=$R_HCID; S_AA=$R_AA; S_REPO=$R_REPO
say "CA: $PKI/ca.crt  (okayama-gw, shimane-gw, okayama-ehr: CN=...,O=Hashi Test,C=JP)"
say "$O_NAME (岡山 / okayama)  $O_HCID  https://127.0.0.1:$PO"
say "$S_NAME (島根 / shimane)  $S_HCID  https://127.0.0.1:$PS"
J=$T/jpki
JPKI="sh $HASHI_ROOT/tests/pki/jpki.sh $J"
# 山田 太郎 (patient 1 of the demo data): the card's four items are his MPI record's
$JPKI init >/dev/null 2>&1 || fail "jpki.sh init failed"
$JPKI issue yamada name='山田　太郎' sex=1 birth=319480512 addr='岡山県新見市晴天町一丁目２番３号' \
    >/dev/null 2>&1 || fail "jpki.sh issue failed"
say "JPKI look-alike (O=JPKI-TEST): signing certificate of 山田 太郎 with the card's profile"

# ---------------------------------------------------------------------------
step 2/8 "合成データの生成 / generating synthetic patients and CDA documents"
for r in okayama shimane; do
	out=$(sh "$DATA/gen_demo_data.sh" "$T/data-$r" "$r" 20 2>&1) || fail "gen_demo_data.sh $r: $out"
	say "$out"
done
P1=$(awk -F '\t' '$1 == "P0001" { print $3 " " $4 " (" $5 " " $6 "), " substr($7, 1, 4) "-" substr($7, 5, 2) "-" substr($7, 7, 2) ", " $8 ", " $10 }' "$T/data-okayama/patients.tsv")
say "P0001 = S0001: $P1"

# ---------------------------------------------------------------------------
step 3/8 "設定 / configuration (hashid -n)"
write_config okayama-gw "$PO" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PS"
write_config shimane-gw "$PS" shimane peer=okayama-gw@okayama:"$PO" consent.required=true \
    consent.jpki_roots="$J/roots.pem" consent.policy_oid=1.2.392.200149.8.5.1.0.20
for g in okayama-gw shimane-gw; do
	if out=$("$HASHID" -n -f "$(config_of "$g")" 2>&1); then
		ok "$(config_of "$g")"
	else
		diag "$out"
		fail "hashid -n rejects $(config_of "$g")"
	fi
done
say "no patient_map: the ids are linked by XCPD discovery at the first query"

# ---------------------------------------------------------------------------
step 4/8 "既存文書と患者の取り込み / registry and MPI import (hashictl registry import, mpi import)"
for r in okayama shimane; do
	if hashictl "$(config_of "$r-gw")" registry import "$T/data-$r" >"$T/import-$r.log" 2>&1; then
		n=$(grep -c 'stored' "$T/import-$r.log")
		d=$(grep -v '^#' "$T/data-$r/documents.tsv" | wc -l)
		ok "$r: $n submissions, $d documents"
	else
		diag "$(tail -n 15 "$T/import-$r.log")"
		fail "hashictl registry import $r failed"
	fi
	if out=$(hashictl "$(config_of "$r-gw")" mpi import "$T/data-$r/patients.csv" 2>&1); then
		ok "$r: MPI $(printf '%s' "$out" | tail -n 1)"
	else
		diag "$out"
		fail "hashictl mpi import $r failed"
	fi
done

# ---------------------------------------------------------------------------
step 5/8 "ゲートウェイ起動 / starting both gateways"
start_hashid okayama-gw "$(config_of okayama-gw)" okayama-ehr || fail "okayama-gw did not start"
ok "okayama-gw  pid $(pid_of okayama-gw)  log $T/okayama-gw.log"
start_hashid shimane-gw "$(config_of shimane-gw)" okayama-gw || fail "shimane-gw did not start"
ok "shimane-gw  pid $(pid_of shimane-gw)  log $T/shimane-gw.log"

# ---------------------------------------------------------------------------
step 6/8 "文書照会 / ITI-38 Cross Gateway Query: FindDocuments for P0001"
PID="P0001^^^&$O_AA&ISO"
say "okayama-ehr -> $O_NAME /ig -> XCPD (P0001 => ?) -> $S_NAME /xca"
soap_fill "$SOAP/iti38-find-documents.xml" "$T/q38.xml" PATIENT_ID="$PID" TO="https://127.0.0.1:$PO/ig"
# first without consent: Shimane must refuse
code=$(soap_post "https://127.0.0.1:$PO/ig" okayama-ehr urn:ihe:iti:2007:CrossGatewayQuery "$T/q38.xml" "$T/r38-denied.xml")
ERR="//*[local-name()='RegistryError']"
denied=$(xpath "$T/r38-denied.xml" "concat(($ERR)[1]/@errorCode, ' ', ($ERR)[1]/@codeContext)")
nd=$(xpath "$T/r38-denied.xml" "count(//*[local-name()='ExtrinsicObject'])")
case "$code:$nd:$denied" in
200:0:urn:hashi:error:ConsentRequired*) ok "同意なし / no consent yet: $S_NAME refuses ($denied)" ;;
*) fail "without consent Shimane should refuse: HTTP $code, $nd documents, '$denied'" ;;
esac
# the patient signs a consent with the card; Shimane registers it
cat >"$T/consent.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<consent xmlns="urn:hashi:consent:1">
  <issued>$(date -u +%Y-%m-%dT%H:%M:%SZ)</issued>
  <patient><id>S0001</id><assigningAuthority>$S_AA</assigningAuthority></patient>
  <grant>
    <regions><community>$O_HCID</community></regions>
    <purposes><purpose>clinical</purpose></purposes>
    <validity><from>$(date -u +%Y-%m-%d)</from></validity>
  </grant>
</consent>
EOF
$JPKI sign yamada "$T/consent.xml" "$T/consent.p7s" >/dev/null 2>&1 || fail "jpki.sh sign failed"
if out=$(hashictl "$(config_of shimane-gw)" consent add "$T/consent.xml" "$T/consent.p7s" \
    2>"$T/consent.err"); then
	ok "患者の同意 (JPKI署名) を登録 / consent signed with the card registered at $S_NAME"
	say "$out"
else
	diag "$out" "$(cat "$T/consent.err")"
	fail "hashictl consent add failed"
fi
say "the same query again:"
t0=$(ms)
code=$(soap_post "https://127.0.0.1:$PO/ig" okayama-ehr urn:ihe:iti:2007:CrossGatewayQuery "$T/q38.xml" "$T/r38.xml")
t1=$(ms)
if [ "$code" != 200 ]; then
	diag "$(cat "$T/r38.xml.err" 2>/dev/null)" "$(head -c 1500 "$T/r38.xml" 2>/dev/null)"
	fail "ITI-38: HTTP $code"
fi
ok "HTTP 200 in $((t1 - t0)) ms"
if validate_envelope "$T/r38.xml" >"$T/r38.xsd" 2>&1; then
	ok "response is a schema-valid SOAP 1.2 envelope (xds-soap12.xsd)"
else
	not_ok "response does not validate against xds-soap12.xsd"
	diag "$(cat "$T/r38.xsd")"
fi
EO="//*[local-name()='ExtrinsicObject']"
status=$(xpath "$T/r38.xml" "string(//*[local-name()='AdhocQueryResponse']/@status)")
n=$(xpath "$T/r38.xml" "count($EO)")
say "status: ${status##*:}   documents: $n"
nerr=$(xpath "$T/r38.xml" "count(//*[local-name()='RegistryError'])")
i=1
while [ "$i" -le "${nerr:-0}" ]; do
	say "RegistryError: $(xpath "$T/r38.xml" "concat((//*[local-name()='RegistryError'])[$i]/@errorCode, ' ', (//*[local-name()='RegistryError'])[$i]/@codeContext, ' @', (//*[local-name()='RegistryError'])[$i]/@location)")"
	i=$((i + 1))
done
[ "${n:-0}" -ge 1 ] || fail "ITI-38 returned no documents for P0001"
expected=$(awk -F '\t' '$1 == "S0001"' "$T/data-shimane/documents.tsv" | wc -l)
if [ "$n" = "$expected" ]; then
	ok "まめネットにある S0001 の文書すべて / all $expected documents Shimane holds for S0001"
else
	not_ok "expected $expected documents (Shimane holds that many for S0001), got $n"
fi

slot() { printf "*[local-name()='Slot'][@name='%s']/*[local-name()='ValueList']/*[local-name()='Value']" "$1"; }
CLASS="*[local-name()='Classification'][@classificationScheme='urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a']"
UID_EI="*[local-name()='ExternalIdentifier'][@identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']"
PID_EI="*[local-name()='ExternalIdentifier'][@identificationScheme='urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427']"
LS="*[local-name()='Name']/*[local-name()='LocalizedString']/@value"
echo
i=1
: >"$T/docs.txt"
while [ "$i" -le "$n" ]; do
	e="($EO)[$i]"
	line=$(xpath "$T/r38.xml" "concat($e/$LS, '|', $e/$CLASS/$LS, '|', $e/$CLASS/@nodeRepresentation, '|', $e/$(slot creationTime), '|', $e/$UID_EI/@value, '|', $e/@home, '|', $e/$(slot repositoryUniqueId), '|', $e/$PID_EI/@value)")
	echo "$line" >>"$T/docs.txt"
	IFS='|' read -r title cname ccode ctime uid home repo dpid <<EOF
$line
EOF
	hr=$(region_of_hcid "$home")
	[ -n "$hr" ] && { region_info "$hr"; hname="$R_NAME ($hr)"; } || hname="?"
	printf '  [%d] %s\n' "$i" "$title"
	printf '      文書種別 class      : %s (LOINC %s)\n' "$cname" "$ccode"
	printf '      作成日時 created    : %s  (%s UTC)\n' "$(jst "$ctime")" "$ctime"
	printf '      文書ID   uniqueId   : %s\n' "$uid"
	printf '      回答地域 home       : %s  %s\n' "$home" "$hname"
	printf '      リポジトリ repository: %s\n' "$repo"
	printf '      患者ID   patientId  : %s\n' "$dpid"
	i=$((i + 1))
done
homes=$(cut -d'|' -f6 "$T/docs.txt" | sort -u | tr '\n' ' ')
if [ "$homes" = "$S_HCID " ]; then
	ok "回答したのは $S_NAME / answered by $S_NAME ($S_HCID)"
else
	not_ok "documents carry home '$homes', expected $S_HCID"
fi
link=$(hashictl "$(config_of okayama-gw)" mpi show P0001 2>&1 | grep -F "$S_HCID")
case $link in
*S0001*XCPD*) ok "名寄せ / link found by XCPD and kept in Okayama's MPI:$link" ;;
*) not_ok "Okayama's MPI has no XCPD link of P0001 to Shimane (got: $link)" ;;
esac

# ---------------------------------------------------------------------------
step 7/8 "文書取得 / ITI-39 Cross Gateway Retrieve (MTOM) of document [1]"
IFS='|' read -r title cname ccode ctime uid home repo dpid <"$T/docs.txt"
[ -n "$repo" ] || repo=$S_REPO
say "HomeCommunityId $home  RepositoryUniqueId $repo  DocumentUniqueId $uid"
soap_fill "$SOAP/iti39-retrieve.xml" "$T/q39.xml" HOME="$home" REPO="$repo" DOC_UID="$uid" TO="https://127.0.0.1:$PO/ig"
t0=$(ms)
code=$(soap_post "https://127.0.0.1:$PO/ig" okayama-ehr urn:ihe:iti:2007:CrossGatewayRetrieve "$T/q39.xml" "$T/r39.body")
t1=$(ms)
if [ "$code" != 200 ]; then
	diag "$(cat "$T/r39.body.err" 2>/dev/null)" "$(head -c 1500 "$T/r39.body" 2>/dev/null)"
	fail "ITI-39: HTTP $code"
fi
ct=$(response_content_type "$T/r39.body")
ok "HTTP 200 in $((t1 - t0)) ms, $(wc -c <"$T/r39.body") bytes, ${ct%%;*}"
mtom_extract "$T/r39.body" "$T/r39" || fail "the retrieve response is not a readable multipart/related body"
rstatus=$(xpath "$T/r39/root.xml" "string(//*[local-name()='RegistryResponse']/@status)")
say "status: ${rstatus##*:}"
if validate_envelope "$T/r39/root.xml" "$T/r39" >"$T/r39.xsd" 2>&1; then
	ok "response is a schema-valid SOAP 1.2 envelope (XOP parts inlined)"
else
	not_ok "response does not validate against xds-soap12.xsd"
	diag "$(cat "$T/r39.xsd")"
fi
rhome=$(xpath "$T/r39/root.xml" "string(//*[local-name()='DocumentResponse']/*[local-name()='HomeCommunityId'])")
if [ "$rhome" = "$S_HCID" ]; then
	ok "DocumentResponse HomeCommunityId $rhome"
else
	not_ok "DocumentResponse HomeCommunityId '$rhome', expected $S_HCID"
fi
doc=$(mtom_document "$T/r39" "$uid") || fail "no DocumentResponse for $uid in the response"

orig_file=$(awk -F '\t' -v u="$uid" '$2 == u { print $7; exit }' "$T/data-shimane/documents.tsv")
orig=$T/data-shimane/$orig_file
echo
say "---- $orig_file ($(wc -c <"$doc") bytes) ----"
sed -n '1,/<birthTime/p' "$doc" | head -n 24 | sed 's/^/      | /'
say "----"
ctitle=$(xpath "$doc" "string(/*/*[local-name()='title'])")
cname=$(xpath "$doc" "concat(//*[local-name()='patient']/*[local-name()='name'][@use='IDE']/*[local-name()='family'], ' ', //*[local-name()='patient']/*[local-name()='name'][@use='IDE']/*[local-name()='given'], ' (', //*[local-name()='patient']/*[local-name()='name'][@use='SYL']/*[local-name()='family'], ' ', //*[local-name()='patient']/*[local-name()='name'][@use='SYL']/*[local-name()='given'], ')')")
say "表題 title: $ctitle    患者 patient: $cname"
got_sha=$(sha256sum <"$doc" | cut -d' ' -f1)
want_sha=$(sha256sum <"$orig" | cut -d' ' -f1)
got_size=$(wc -c <"$doc")
want_size=$(wc -c <"$orig")
say "size    $got_size bytes (original $want_size)"
say "SHA-256 $got_sha"
say "        $want_sha (original)"
if [ "$got_sha" = "$want_sha" ] && [ "$got_size" -eq "$want_size" ]; then
	ok "取得した文書は原本と一致 / the retrieved document is identical to the original"
else
	not_ok "the retrieved document differs from $orig"
fi

# ---------------------------------------------------------------------------
echo
say "停止 / stopping gateways (SIGTERM)"
stop_all
check_asan "$T"

# ---------------------------------------------------------------------------
step 8/8 "監査ログ / Shimane's signed audit log: verify (offline), then search for S0001"
CSD=$(config_of shimane-gw)
if out=$(hashictl "$CSD" audit verify 2>&1); then
	ok "hashictl audit verify: $(printf '%s' "$out" | tail -n 1)"
else
	not_ok "hashictl audit verify failed"
	diag "$out"
fi
if out=$(hashictl "$CSD" audit search --patient "S0001^^^&$S_AA&ISO" 2>&1); then
	printf '%s\n' "$out" | sed -e 's/ from=[^ ]*//' -e 's/ to=[^ ]*//' -e 's/ patients=.*//' \
	    -e 's/^/      /'
	case $out in
	*consent-decision\ outcome=4*consent-register*ITI-39\ outcome=0*)
		ok "アクセス記録 / the refusal, the consent's registration and the release are recorded" ;;
	*)	not_ok "the audit log lacks records of this demo" ;;
	esac
else
	not_ok "hashictl audit search failed"
	diag "$out"
fi
echo
if [ "$NFAIL" -eq 0 ]; then
	echo "デモ成功 / DEMO PASSED"
	exit 0
fi
HASHI_KEEP=1
echo "デモ失敗 / DEMO FAILED: $NFAIL check(s) failed; logs in $T"
exit 1
