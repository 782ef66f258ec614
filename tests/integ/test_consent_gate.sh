#!/bin/sh
# Consent gate (issue 5) across two regions: okayama's /ig (local system okayama-ehr) asks
# shimane's /xca, which releases a patient's records only with a JPKI-signed consent that
# allows okayama and the purpose (consent.required=true). Both regions have an extra
# listener of purpose "emergency"; okayama sends what arrives on its emergency listener to
# shimane's emergency listener (peers[].purposes), where break-glass is on
# (consent.emergency=true). Certificates: tests/pki/jpki.sh, each matching the patient's
# demographics in shimane's MPI (gen_demo_data's patients.tsv).
#   1. no consent: ITI-38 for P0001 -> Failure, RegistryError urn:hashi:error:ConsentRequired
#      located at shimane, "patient consent: no consent", no objects (direct at /xca too);
#   2. ITI-39 of one of S0001's documents: no document, ConsentRequired located at the document;
#   3. a signed grant (okayama, clinical): exactly S0001's documents, Success; the document
#      byte-identical; a retrieve of S0001's + S0002's (no consent) documents gives the first
#      and ConsentRequired for the second (PartialSuccess);
#   4. a newer grant for one document class: only documents of that class, and a document of
#      another class is not retrieved;
#   5. a newer signed withdrawal: denied, "withdrawn";
#   6. emergency: without a hashi:Requester header (clinician, reason) -> denied; with it,
#      S0002 (no consent) through okayama's emergency listener -> its documents,
#      EMERGENCY in shimane's log, hashi_emergency_access_total >= 1 on /metrics; the same
#      through the clinical listener -> "no consent"; S0001 (withdrawn) through the emergency
#      listener -> "withdrawn", not counted;
#   7. a grant for tottori only (S0003) -> "region not allowed"; a grant for purpose imaging
#      only (S0004) -> "purpose not allowed";
#   8. a purpose shimane has no endpoints for (okayama's imaging listener) ->
#      XDSUnavailableCommunity; shimane restarted with consent.emergency=false -> the
#      emergency request for S0002 is denied, "no consent".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

for tool in openssl xmllint curl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw okayama-ehr
J=$T/jpki
JPKI="sh $HASHI_ROOT/tests/pki/jpki.sh $J"
TEST_OID=1.2.392.200149.8.5.1.0.20
E_CONSENT=urn:hashi:error:ConsentRequired
CLASS_SCHEME=urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a

region_info okayama
O_HCID=$R_HCID
O_AA=$R_AA
region_info shimane
S_HCID=$R_HCID
S_AA=$R_AA
S_REPO=$R_REPO
region_info tottori
X_HCID=$R_HCID

PO=$(free_port) || die "no free port"
POE=$(free_port) || die "no free port"
POI=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
PSE=$(free_port) || die "no free port"
PSA=$(free_port) || die "no free port"

sh "$DATA/gen_demo_data.sh" "$T/data-okayama" okayama 5 >/dev/null 2>&1 || die "gen_demo_data.sh okayama failed"
sh "$DATA/gen_demo_data.sh" "$T/data-shimane" shimane 5 >/dev/null 2>&1 || die "gen_demo_data.sh shimane failed"

$JPKI init || die "jpki.sh init failed"

write_config okayama-gw "$PO" okayama local=okayama-ehr listen="$POE":emergency listen="$POI":imaging \
    peer=shimane-gw@shimane:"$PS" peerp=shimane:emergency:"$PSE" \
    map=shimane:P0001:S0001 map=shimane:P0002:S0002 map=shimane:P0003:S0003 map=shimane:P0004:S0004
# shimane_config EMERGENCY: (re)writes shimane's configuration, break-glass on or off.
shimane_config() {
	write_config shimane-gw "$PS" shimane listen="$PSE":emergency peer=okayama-gw@okayama:"$PO" \
	    consent.required=true consent.jpki_roots="$J/roots.pem" consent.policy_oid=$TEST_OID \
	    consent.emergency="$1"
	printf 'admin:\n  address: 127.0.0.1\n  port: %s\n' "$PSA" >>"$(config_of shimane-gw)"
}
shimane_config true
CO=$(config_of okayama-gw)
CS=$(config_of shimane-gw)
like "$(grep -A1 "port: $POE\$" "$CO" | tr '\n' ' ')" "^    port: $POE +purpose: emergency \$" \
    "write_config listen=PORT:PURPOSE: an extra listener with that purpose"
like "$(grep -A3 '^    purposes:' "$CO" | tr '\n' ' ')" \
    "^ +purposes: +- name: emergency +query_url: https://127.0.0.1:$PSE/xca +retrieve_url: https://127.0.0.1:$PSE/xca \$" \
    "write_config peerp=: the peer's emergency endpoints"
like "$(sed -n '/^consent:/,/^[a-z]/p' "$CO")" '^  required: false$' "write_config: consent.required false by default"
like "$(sed -n '/^consent:/,/^[a-z]/p' "$CS")" '^  required: true$' "write_config: consent.required=true overrides it"

check "registry import okayama" hashictl "$CO" registry import "$T/data-okayama"
check "registry import shimane" hashictl "$CS" registry import "$T/data-shimane"
check "mpi import okayama" hashictl "$CO" mpi import "$T/data-okayama/patients.csv"
check "mpi import shimane" hashictl "$CS" mpi import "$T/data-shimane/patients.csv"

# start_shimane [NAME]: starts shimane's gateway as NAME (default shimane-gw; its log is
# $T/NAME.log), waits for its emergency listener.
start_shimane() {
	start_hashid "${1:-shimane-gw}" "$CS" okayama-gw || die "shimane-gw did not start"
	wait_tls "$PSE" okayama-gw || die "shimane's emergency listener ($PSE) has no TLS"
}
start_shimane
start_hashid okayama-gw "$CO" okayama-ehr || die "okayama-gw did not start"
wait_tls "$POE" okayama-ehr || die "okayama's emergency listener ($POE) has no TLS"
wait_tls "$POI" okayama-ehr || die "okayama's imaging listener ($POI) has no TLS"
ok "both gateways started (okayama $PO/$POE/$POI, shimane $PS/$PSE)"

XCA=https://127.0.0.1:$PS/xca
IG=https://127.0.0.1:$PO/ig
IGE=https://127.0.0.1:$POE/ig
IGI=https://127.0.0.1:$POI/ig

. "$(dirname "$0")/lib_consent.sh"
docs_of S0001 >"$T/s0001.tsv"
docs_of S0002 >"$T/s0002.tsv"
N_S0001=$(wc -l <"$T/s0001.tsv" | tr -d ' ')
[ "$N_S0001" -ge 2 ] || die "test bug: S0001 has fewer than 2 documents"
[ "$(cut -f3 "$T/s0001.tsv" | sort -u | wc -l)" -ge 2 ] || die "test bug: S0001's documents have one class only"
[ -s "$T/s0002.tsv" ] || die "test bug: S0002 has no document"
UID1=$(sed -n 1p "$T/s0001.tsv" | cut -f1)
FILE1=$T/data-shimane/$(sed -n 1p "$T/s0001.tsv" | cut -f2)
S2UID=$(sed -n 1p "$T/s0002.tsv" | cut -f1)
S2FILE=$T/data-shimane/$(sed -n 1p "$T/s0002.tsv" | cut -f2)

# emergency_count: the sum of hashi_emergency_access_total on shimane's /metrics (0 when the
# metric is absent).
emergency_count() {
	curl -sS --max-time 5 "http://127.0.0.1:$PSA/metrics" 2>/dev/null |
	    awk '/^hashi_emergency_access_total([{ ]|$)/ { n += $NF } END { print n + 0 }'
}

OPID1="P0001^^^&$O_AA&ISO"
OPID2="P0002^^^&$O_AA&ISO"
OPID3="P0003^^^&$O_AA&ISO"
OPID4="P0004^^^&$O_AA&ISO"

# ================================================================ 1. no consent
if xq "$XCA" "S0001^^^&$S_AA&ISO" "$T/r1x.xml" "1. RG ITI-38 S0001 without consent"; then
	denied "$T/r1x.xml" "no consent" "1. RG ITI-38 S0001 without consent"
	is "$(fl_errors "$T/r1x.xml" | grep -F "$E_CONSENT|" | cut -d'|' -f2)" "patient consent: no consent" \
	    "1. RG: codeContext is exactly 'patient consent: no consent'"
fi
if xq "$IG" "$OPID1" "$T/r1.xml" "1. IG ITI-38 P0001 without consent"; then
	denied "$T/r1.xml" "no consent" "1. IG ITI-38 P0001 without consent"
fi

# ================================================================ 2. retrieve, no consent
if retrieve "$IG" "$T/m2" "2. IG ITI-39 of S0001's document without consent" "$S_HCID" "$S_REPO" "$UID1"; then
	denied "$T/m2/root.xml" "no consent" "2. IG ITI-39 without consent" "$UID1"
fi

# ================================================================ 3. a grant
cert yamada S0001
consent_doc "$T/c3.xml" 2024-04-01T09:30:00+09:00 S0001 "$(grant "$O_HCID" clinical)"
register yamada "$T/c3.xml" "3. grant for okayama, clinical, signed by 山田 太郎"
if xq "$IG" "$OPID1" "$T/r3.xml" "3. IG ITI-38 P0001 with consent"; then
	is "$(fl_status "$T/r3.xml")" Success "3. IG ITI-38 with consent: Success"
	is "$(fl_uids "$T/r3.xml")" "$(cut -f1 "$T/s0001.tsv")" "3. IG ITI-38 with consent: exactly S0001's $N_S0001 documents"
	is "$(fl_errors "$T/r3.xml")" "" "3. IG ITI-38 with consent: no RegistryError"
fi
if retrieve "$IG" "$T/m3" "3. IG ITI-39 of S0001's document with consent" "$S_HCID" "$S_REPO" "$UID1"; then
	is "$(fl_status "$T/m3/root.xml"):$(xpath "$T/m3/root.xml" "count($FL_DR)")" "Success:1" "3. IG ITI-39: Success, one document"
	fl_check_doc "$T/m3" "$UID1" "$FILE1" "3. IG ITI-39: the document is byte-identical to shimane's file"
fi
if retrieve "$IG" "$T/m3b" "3. IG ITI-39 of S0001's (consent) and S0002's (none) documents" \
    "$S_HCID" "$S_REPO" "$UID1" "$S_HCID" "$S_REPO" "$S2UID"; then
	is "$(fl_status "$T/m3b/root.xml"):$(xpath "$T/m3b/root.xml" "count($FL_DR)")" "PartialSuccess:1" \
	    "3. mixed retrieve: PartialSuccess, one document"
	fl_check_doc "$T/m3b" "$UID1" "$FILE1" "3. mixed retrieve: S0001's document comes, identical"
	is "$(mtom_document "$T/m3b" "$S2UID" >/dev/null 2>&1 && echo released || echo withheld)" withheld \
	    "3. mixed retrieve: S0002's document is withheld"
	is "$(fl_errors "$T/m3b/root.xml" | grep -F "$E_CONSENT|" | cut -d'|' -f2,3)" "patient consent: no consent|$S2UID" \
	    "3. mixed retrieve: one $E_CONSENT error, 'no consent', located at S0002's document"
fi

# ================================================================ 4. one document class
CLS=$(class_of "$T/r3.xml" "$UID1")
[ -n "$CLS" ] || CLS=$(sed -n 1p "$T/s0001.tsv" | cut -f3)
is "$CLS" "$(sed -n 1p "$T/s0001.tsv" | cut -f3)" "4. the classCode shimane reports for $UID1 is the one it was registered with"
awk -F '\t' -v c="$CLS" '$3 == c { print $1 }' "$T/s0001.tsv" >"$T/s0001-cls.txt"
OTHER=$(awk -F '\t' -v c="$CLS" '$3 != c { print $1 "\t" $2; exit }' "$T/s0001.tsv")
OUID=$(printf '%s' "$OTHER" | cut -f1)
[ -n "$OUID" ] || die "test bug: no S0001 document of another class than $CLS"
consent_doc "$T/c4.xml" 2024-05-01T09:30:00+09:00 S0001 "$(grant "$O_HCID" clinical "$CLS")"
register yamada "$T/c4.xml" "4. newer grant for class $CLS only"
if xq "$IG" "$OPID1" "$T/r4.xml" "4. IG ITI-38 P0001, class $CLS only"; then
	is "$(fl_status "$T/r4.xml")" Success "4. class-limited: Success"
	is "$(fl_uids "$T/r4.xml")" "$(cat "$T/s0001-cls.txt")" "4. class-limited: exactly S0001's documents of class $CLS"
	is "$(xpath "$T/r4.xml" "count(${FL_EO}[$(fl_l Classification)[@classificationScheme='$CLASS_SCHEME'][@nodeRepresentation!='$CLS']])")" 0 \
	    "4. class-limited: no DocumentEntry of another class"
fi
if retrieve "$IG" "$T/m4" "4. IG ITI-39 of S0001's document of another class" "$S_HCID" "$S_REPO" "$OUID"; then
	is "$(xpath "$T/m4/root.xml" "count($FL_DR)")" 0 "4. a document of a class the consent does not list is not retrieved"
	is "$(fl_status "$T/m4/root.xml"):$(fl_errors "$T/m4/root.xml" | grep -F "$E_CONSENT|" | cut -d'|' -f3)" "Failure:$OUID" \
	    "4. ... Failure, with $E_CONSENT located at that document"
fi
if retrieve "$IG" "$T/m4b" "4. IG ITI-39 of S0001's document of class $CLS" "$S_HCID" "$S_REPO" "$UID1"; then
	fl_check_doc "$T/m4b" "$UID1" "$FILE1" "4. a document of the listed class is still retrieved, identical"
fi

# ================================================================ 5. withdrawal
consent_doc "$T/c5.xml" 2024-06-01T09:30:00+09:00 S0001 "<withdraw/>"
register yamada "$T/c5.xml" "5. newer signed withdrawal"
if xq "$IG" "$OPID1" "$T/r5.xml" "5. IG ITI-38 P0001 after the withdrawal"; then
	denied "$T/r5.xml" "withdrawn" "5. IG ITI-38 after the withdrawal"
fi
if retrieve "$IG" "$T/m5" "5. IG ITI-39 after the withdrawal" "$S_HCID" "$S_REPO" "$UID1"; then
	denied "$T/m5/root.xml" "withdrawn" "5. IG ITI-39 after the withdrawal" "$UID1"
fi

# ================================================================ 6. emergency
n_log0=$(grep -c EMERGENCY "$T/shimane-gw.log")
is "$n_log0" 0 "6. no EMERGENCY line in shimane's log before any emergency request"
is "$(emergency_count)" 0 "6. hashi_emergency_access_total is 0 (or absent) before any emergency request"
# break-glass only for a named clinician with a reason
if xq "$IGE" "$OPID2" "$T/r6n.xml" "6. IG (emergency listener) ITI-38 P0002 without a Requester header"; then
	denied "$T/r6n.xml" "needs the requesting user" "6. emergency without the clinician and reason"
fi
is "$(emergency_count):$(grep -c EMERGENCY "$T/shimane-gw.log")" "0:0" "6. ... not counted, not logged as an access"
REQUESTER='<hashi:Requester xmlns:hashi="urn:hashi:1"><hashi:user>dr-tanaka@hareyaka</hashi:user><hashi:reason>意識不明で救急搬送</hashi:reason></hashi:Requester>'
if xq "$IGE" "$OPID2" "$T/r6.xml" "6. IG (emergency listener) ITI-38 P0002, no consent"; then
	is "$(fl_status "$T/r6.xml")" Success "6. emergency: Success"
	is "$(fl_uids "$T/r6.xml")" "$(cut -f1 "$T/s0002.tsv")" "6. emergency: S0002's documents come back"
fi
if grep EMERGENCY "$T/shimane-gw.log" | grep -q 'dr-tanaka@hareyaka.*意識不明で救急搬送'; then
	ok "6. shimane's log has an EMERGENCY line naming the clinician and the reason"
	diag "$(grep EMERGENCY "$T/shimane-gw.log" | head -n 3)"
else
	not_ok "6. shimane's log has an EMERGENCY line naming the clinician and the reason"
	diag_file "$T/shimane-gw.log" 20
fi
m1=$(emergency_count)
if [ "$m1" -ge 1 ]; then
	ok "6. shimane's /metrics: hashi_emergency_access_total = $m1 (>= 1)"
else
	not_ok "6. shimane's /metrics: hashi_emergency_access_total >= 1"
	diag "got '$m1'" "$(curl -sS --max-time 5 "http://127.0.0.1:$PSA/metrics" 2>&1 | grep -i emerg)"
fi
if retrieve "$IGE" "$T/m6" "6. IG (emergency listener) ITI-39 of S0002's document" "$S_HCID" "$S_REPO" "$S2UID"; then
	fl_check_doc "$T/m6" "$S2UID" "$S2FILE" "6. emergency retrieve: S0002's document, identical"
fi
m2=$(emergency_count)
is "$m2:$(grep -c EMERGENCY "$T/shimane-gw.log")" "$((m1 + 1)):2" \
    "6. the emergency retrieve is one more access: counted and logged (EMERGENCY) too"
if xq "$IG" "$OPID2" "$T/r6c.xml" "6. IG (clinical listener) ITI-38 P0002"; then
	denied "$T/r6c.xml" "no consent" "6. clinical listener, S0002 without consent"
fi
if xq "$IGE" "$OPID1" "$T/r6w.xml" "6. IG (emergency listener) ITI-38 P0001 (withdrawn)"; then
	denied "$T/r6w.xml" "withdrawn" "6. emergency listener, S0001 withdrawn"
fi
if retrieve "$IGE" "$T/m6w" "6. IG (emergency listener) ITI-39 of S0001's document (withdrawn)" "$S_HCID" "$S_REPO" "$UID1"; then
	denied "$T/m6w/root.xml" "withdrawn" "6. emergency retrieve, S0001 withdrawn" "$UID1"
fi
is "$(emergency_count)" "$m2" "6. the denied requests are not counted as emergency accesses"

# ================================================================ 7. region, purpose
cert adachi S0003
consent_doc "$T/c7a.xml" 2024-04-01T09:30:00+09:00 S0003 "$(grant "$X_HCID" clinical)"
register adachi "$T/c7a.xml" "7. S0003's grant for tottori only"
if xq "$IG" "$OPID3" "$T/r7a.xml" "7. IG ITI-38 P0003 (consent for tottori only)"; then
	denied "$T/r7a.xml" "region not allowed" "7. consent for tottori only"
fi
cert s4 S0004
consent_doc "$T/c7b.xml" 2024-04-01T09:30:00+09:00 S0004 "$(grant "$O_HCID" imaging)"
register s4 "$T/c7b.xml" "7. S0004's grant for okayama, purpose imaging only"
if xq "$IG" "$OPID4" "$T/r7b.xml" "7. IG ITI-38 P0004 (consent for imaging only)"; then
	denied "$T/r7b.xml" "purpose not allowed" "7. consent for imaging only"
fi

# ================================================================ 8. unknown purpose, break-glass off
if xq "$IGI" "$OPID4" "$T/r8.xml" "8. IG (imaging listener, shimane has no imaging endpoint) ITI-38 P0004"; then
	fl_expect_error "$T/r8.xml" XDSUnavailableCommunity "8. no imaging endpoint: XDSUnavailableCommunity"
	is "$(fl_error_location "$T/r8.xml" XDSUnavailableCommunity)" "$S_HCID" "8. ... located at shimane's HCID"
	is "$(xpath "$T/r8.xml" "count($FL_EO|$FL_OREF)")" 0 "8. ... no objects"
fi
stop_hashid shimane-gw
shimane_config false
start_shimane shimane-gw2
if xq "$IGE" "$OPID2" "$T/r8e.xml" "8. consent.emergency=false: IG (emergency listener) ITI-38 P0002"; then
	denied "$T/r8e.xml" "no consent" "8. consent.emergency=false: emergency request without consent"
fi
is "$(emergency_count):$(grep -c EMERGENCY "$T/shimane-gw2.log")" 0:0 \
    "8. consent.emergency=false: no emergency access counted or logged"

stop_hashid okayama-gw
stop_hashid shimane-gw2
done_testing
