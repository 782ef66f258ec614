#!/bin/sh
# The signed audit trail of a cross-region scenario (issue 6). okayama (initiating, local system
# okayama-ehr) and shimane (responding, consent.required, break-glass on its emergency
# listener); no patient_map: okayama links its patients to shimane's by XCPD discovery.
#   1. P0001 without consent: discovery (ITI-55) links P0001 -> S0001, the ITI-38 is denied;
#   2. emergency: P0001 through the emergency listeners, with the clinician and reason in
#      hashi:Requester: released by break-glass (the link is cached: no discovery);
#   3. a signed grant for S0001 (okayama, clinical) is registered with hashictl consent add;
#   4. P0001 again: allowed; 5. one of S0001's documents retrieved;
#   6. P0002, whom shimane does not know: discovery finds no match, no query is sent.
# Then, both gateways stopped: `hashictl audit verify` passes for both logs; search by patient
# gives exactly the records the scenario implies (event and outcome, in order), by user the
# clinician's records only, by event the one emergency access; every record of both logs is
# schema-valid (DICOM PS3.15, dicom2017c.xsd); a search against the live log is itself
# recorded (Audit Log Used), one on a copy is not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

for tool in openssl xmllint curl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
XSD=$HASHI_ROOT/../shared/conformance/audit/atna/ipf/dicom2017c.xsd
[ -f "$XSD" ] || die "missing $XSD"
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

PO=$(free_port) || die "no free port"
POE=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
PSE=$(free_port) || die "no free port"

sh "$DATA/gen_demo_data.sh" "$T/data-okayama" okayama 5 >/dev/null 2>&1 || die "gen_demo_data.sh okayama failed"
sh "$DATA/gen_demo_data.sh" "$T/data-shimane" shimane 5 >/dev/null 2>&1 || die "gen_demo_data.sh shimane failed"
$JPKI init || die "jpki.sh init failed"

write_config okayama-gw "$PO" okayama local=okayama-ehr listen="$POE":emergency \
    peer=shimane-gw@shimane:"$PS" peerp=shimane:emergency:"$PSE"
write_config shimane-gw "$PS" shimane listen="$PSE":emergency peer=okayama-gw@okayama:"$PO" \
    consent.required=true consent.jpki_roots="$J/roots.pem" consent.policy_oid=$TEST_OID \
    consent.emergency=true
CO=$(config_of okayama-gw)
CS=$(config_of shimane-gw)
for r in okayama shimane; do
	c=$(config_of "$r-gw")
	check "registry import $r" hashictl "$c" registry import "$T/data-$r"
	check "mpi import $r" hashictl "$c" mpi import "$T/data-$r/patients.csv"
done

. "$(dirname "$0")/lib_consent.sh"
docs_of S0001 >"$T/s0001.tsv"
UID1=$(sed -n 1p "$T/s0001.tsv" | cut -f1)
[ -n "$UID1" ] || die "test bug: S0001 has no document"

start_hashid shimane-gw "$CS" okayama-gw || die "shimane-gw did not start"
wait_tls "$PSE" okayama-gw || die "shimane's emergency listener has no TLS"
start_hashid okayama-gw "$CO" okayama-ehr || die "okayama-gw did not start"
wait_tls "$POE" okayama-ehr || die "okayama's emergency listener has no TLS"
IG=https://127.0.0.1:$PO/ig
IGE=https://127.0.0.1:$POE/ig
OPID1="P0001^^^&$O_AA&ISO"
OPID2="P0002^^^&$O_AA&ISO"
SPID1="S0001^^^&$S_AA&ISO"

# ================================================================ the scenario
if xq "$IG" "$OPID1" "$T/r1.xml" "1. IG ITI-38 P0001 without consent"; then
	denied "$T/r1.xml" "no consent" "1. without consent"
fi
DR=dr-tanaka@hareyaka
REQUESTER="<hashi:Requester xmlns:hashi=\"urn:hashi:1\"><hashi:user>$DR</hashi:user><hashi:reason>意識不明で救急搬送</hashi:reason></hashi:Requester>"
if xq "$IGE" "$OPID1" "$T/r2.xml" "2. IG (emergency listener) ITI-38 P0001, no consent"; then
	is "$(fl_status "$T/r2.xml"):$(fl_uids "$T/r2.xml")" "Success:$(cut -f1 "$T/s0001.tsv")" \
	    "2. emergency: S0001's documents released"
fi
REQUESTER=
cert yamada S0001
consent_doc "$T/c3.xml" 2024-04-01T09:30:00+09:00 S0001 "$(grant "$O_HCID" clinical)"
register yamada "$T/c3.xml" "3. grant for okayama, clinical"
if xq "$IG" "$OPID1" "$T/r4.xml" "4. IG ITI-38 P0001 with consent"; then
	is "$(fl_status "$T/r4.xml")" Success "4. with consent: Success"
fi
if retrieve "$IG" "$T/m5" "5. IG ITI-39 of one of S0001's documents" "$S_HCID" "$S_REPO" "$UID1"; then
	is "$(fl_status "$T/m5/root.xml")" Success "5. retrieve: Success"
fi
if xq "$IG" "$OPID2" "$T/r6.xml" "6. IG ITI-38 P0002, unknown at shimane"; then
	is "$(fl_status "$T/r6.xml"):$(xpath "$T/r6.xml" "count($FL_EO)")" "Success:0" "6. nothing found"
fi
stop_hashid okayama-gw
stop_hashid shimane-gw

# ================================================================ the trail
# audit NAME ARGS...: hashictl audit ARGS on NAME's log (its config).
audit() {
	_a_n=$1
	shift
	hashictl "$(config_of "$_a_n")" audit "$@"
}
# events NAME ARGS...: "event:outcome" of each record a search on a copy of NAME's log finds,
# in log order, space-separated.
events() {
	_e_n=$1
	shift
	audit "$_e_n" search --dir "$T/copy-$_e_n" --format json "$@" 2>"$T/events.err" |
	    awk '/^\{/ { e = $0; sub(/.*"event":"/, "", e); sub(/".*/, "", e)
		o = $0; sub(/.*"outcome":/, "", o); sub(/[,}].*/, "", o)
		printf "%s%s:%s", n++ ? " " : "", e, o }'
}
for r in okayama shimane; do
	if out=$(audit "$r-gw" verify 2>&1); then
		ok "$r: hashictl audit verify passes"
	else
		not_ok "$r: hashictl audit verify passes"
		diag "$out"
	fi
	rm -rf "$T/copy-$r-gw"
	cp -a "$T/$r-gw.state/audit" "$T/copy-$r-gw"
done

# shimane: discovery answered (S0001 matched) and the link stored from okayama's id; then per
# request the decisions (made while answering) before the request's own record: the denial,
# the break-glass release with its emergency record, the registration, the allowed query,
# the retrieve's decision on the document.
is "$(events shimane-gw --patient "$SPID1")" \
    "ITI-55:0 mpi-link:0 consent-decision:4 ITI-38:8 consent-decision:0 emergency-access:0 ITI-38:0 consent-register:0 consent-decision:0 ITI-38:0 consent-decision:0 ITI-39:0" \
    "shimane: search --patient S0001 gives exactly the scenario's records"
# okayama: the discovery leg and the link it made, then per request the leg to shimane and
# the local request: denied (Failure), break-glass, allowed; the retrieve names documents.
is "$(events okayama-gw --patient "$OPID1")" \
    "ITI-55:0 mpi-link:0 ITI-38:8 ITI-38:8 ITI-38:0 ITI-38:0 ITI-38:0 ITI-38:0" \
    "okayama: search --patient P0001 gives exactly the scenario's records"
is "$(events shimane-gw --user "$DR")" "consent-decision:0 emergency-access:0 ITI-38:0" \
    "shimane: search --user gives the clinician's break-glass query, decision and emergency record"
is "$(events shimane-gw --event emergency-access --patient "$SPID1")" "emergency-access:0" \
    "shimane: one emergency access, for S0001"
is "$(events okayama-gw --patient "$OPID2")" "ITI-55:0 ITI-38:0" \
    "okayama: P0002's discovery found no match at shimane, and no query went out"
is "$(events shimane-gw --purpose emergency --event ITI-38)" "ITI-38:0" \
    "shimane: one ITI-38 of purpose emergency"
is "$(events shimane-gw --from-region "$O_HCID" --event ITI-39)" "ITI-39:0" \
    "shimane: one ITI-39 from okayama"

# every record of both logs against the DICOM schema
for r in okayama shimane; do
	mkdir -p "$T/x-$r"
	if audit "$r-gw" export --dir "$T/copy-$r-gw" --format xml -o "$T/x-$r/all.xml" 2>"$T/x-$r/err"; then
		n=$(xmllint --xpath 'count(/*/*[local-name()="AuditMessage"])' "$T/x-$r/all.xml" 2>/dev/null)
		bad=0
		i=1
		while [ "$i" -le "${n:-0}" ]; do
			xmllint --xpath "(/*/*[local-name()='AuditMessage'])[$i]" "$T/x-$r/all.xml" >"$T/x-$r/m.xml" 2>/dev/null
			xmllint --noout --schema "$XSD" "$T/x-$r/m.xml" >/dev/null 2>&1 || bad=$((bad + 1))
			i=$((i + 1))
		done
		if [ "${n:-0}" -ge 8 ] && [ "$bad" = 0 ]; then
			ok "$r: all $n records are valid DICOM AuditMessages"
		else
			not_ok "$r: all ${n:-0} records are valid DICOM AuditMessages ($bad invalid)"
		fi
	else
		not_ok "$r: audit export --format xml"
		diag_file "$T/x-$r/err"
	fi
done

# reading the live log is recorded (the verify above read it once); reading a copy is not
is "$(events shimane-gw --event audit-log-used)" "audit-log-used:0" \
    "the verify of the live log is recorded, the searches of the copy are not"
audit shimane-gw search --patient "$SPID1" --format json >/dev/null 2>"$T/live.err" ||
    { not_ok "search of the live log"; diag_file "$T/live.err"; }
rm -rf "$T/copy-shimane-gw"
cp -a "$T/shimane-gw.state/audit" "$T/copy-shimane-gw"
is "$(events shimane-gw --event audit-log-used)" "audit-log-used:0 audit-log-used:0" \
    "a search of the live log is itself recorded (Audit Log Used)"
like "$(audit shimane-gw search --dir "$T/copy-shimane-gw" --event audit-log-used --format json 2>&1)" \
    "\"user\": *\"$(id -un)\"" "... naming the operator"
done_testing
