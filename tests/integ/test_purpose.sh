#!/bin/sh
# Purposes and their tunnels on loopback (issue 7), without charon: what hashid does itself.
#   okayama: listeners clinical (main), emergency and imaging; a vpn: section whose clinical
#   inner address is 127.0.1.1, charon's vici socket absent. shimane: clinical (main) and
#   emergency listeners. okayama sends emergency to shimane's emergency listener, and imaging
#   (misrouted on purpose) to shimane's clinical listener.
#   1. the initiating gateway declares each request's purpose (hashi:PurposeOfUse): clinical
#      and emergency queries come back with shimane's documents;
#   2. the misrouted imaging query is refused by shimane ("declared purpose imaging"), which
#      okayama reports as XDSUnavailableCommunity; shimane's log holds the refusal under
#      purpose imaging with a failure outcome;
#   3. a peer's ITI-38 declaring emergency straight at shimane's clinical listener: SOAP
#      Sender fault naming both purposes; a declared purpose that is no name is not echoed;
#   4. okayama's clinical connections to shimane come from its clinical inner address
#      (127.0.1.1, as shimane's audit record shows), the others from 127.0.0.1;
#   (okayama has no listener on 127.0.1.1: it warns that peers cannot send it clinical
#   requests through the tunnel; a listener there with another purpose would be refused by
#   the configuration check, see tests/conf/vpn-errors)
#   5. with charon not reachable, the tunnel state is unknown — said in /status, /metrics and
#      hashictl status — and requests still go (the monitor never blocks traffic).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

for tool in openssl xmllint curl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw okayama-ehr
region_info okayama
O_AA=$R_AA
region_info shimane
S_HCID=$R_HCID
S_AA=$R_AA

PO=$(free_port) || die "no free port"
POE=$(free_port) || die "no free port"
POI=$(free_port) || die "no free port"
POA=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
PSE=$(free_port) || die "no free port"
PSA=$(free_port) || die "no free port"

sh "$DATA/gen_demo_data.sh" "$T/data-shimane" shimane 3 >/dev/null 2>&1 || die "gen_demo_data.sh shimane failed"
write_config okayama-gw "$PO" okayama local=okayama-ehr listen="$POE":emergency listen="$POI":imaging \
    peer=shimane-gw@shimane:"$PS" peerp=shimane:emergency:"$PSE" peerp=shimane:imaging:"$PS" \
    map=shimane:P0001:S0001
CO=$(config_of okayama-gw)
# shimane (the last peer) is reached through okayama's clinical CHILD_SA: its vpn mapping
# goes at the end of its entry, then okayama's own vpn and admin sections
cat >>"$CO" <<EOF
    vpn:
      address: 192.0.2.2
      identity: "C=JP, O=Hashi Test, CN=shimane-gw"
      inner_address: 127.0.0.1
vpn:
  address: 192.0.2.1
  vici_socket: $T/no-charon.vici
  health_interval: 200ms
  purposes:
    - name: clinical
      inner_address: 127.0.1.1
admin:
  address: 127.0.0.1
  port: $POA
EOF
write_config shimane-gw "$PS" shimane listen="$PSE":emergency peer=okayama-gw@okayama:"$PO"
CS=$(config_of shimane-gw)
printf 'admin:\n  address: 127.0.0.1\n  port: %s\n' "$PSA" >>"$CS"
check "okayama's configuration with vpn: loads" "$HASHID" -n -f "$CO"
check "registry import shimane" hashictl "$CS" registry import "$T/data-shimane"

start_hashid shimane-gw "$CS" okayama-gw || die "shimane-gw did not start"
wait_tls "$PSE" okayama-gw || die "shimane's emergency listener has no TLS"
start_hashid okayama-gw "$CO" okayama-ehr || die "okayama-gw did not start"
wait_tls "$POE" okayama-ehr || die "okayama's emergency listener has no TLS"
wait_tls "$POI" okayama-ehr || die "okayama's imaging listener has no TLS"

like "$(cat "$T/okayama-gw.log")" "vpn purpose clinical: no listener on its inner address 127.0.1.1" \
    "okayama warns that peers cannot reach it on its clinical inner address (it only asks)"

OPID="P0001^^^&$O_AA&ISO"
N_S0001=$(awk -F '\t' '$1 == "S0001"' "$T/data-shimane/documents.tsv" | wc -l | tr -d ' ')
[ "$N_S0001" -ge 1 ] || die "test bug: S0001 has no document"

# query URL OUT DESC: ITI-38 FindDocuments for P0001 at okayama's /ig listener URL.
query() {
	soap_fill "$FLOW/sq-find-documents.xml" "$2.q" ACTION="$A_XGQ" RETURN_TYPE=LeafClass \
	    PATIENT_ID="$OPID" TO="$1"
	fl_post "$1" okayama-ehr "$A_XGQ" "$2.q" "$2" "$3"
}
# ================================================================ 1. declared and matching
query "https://127.0.0.1:$PO/ig" "$T/clin.xml" "clinical query" &&
    is "$(fl_status "$T/clin.xml"):$(xpath "$T/clin.xml" "count($FL_EO)")" "Success:$N_S0001" \
    "clinical: shimane's documents, Success (declared clinical, arrived on clinical)"
# server_timing OUT: the Server-Timing header of the answer saved in OUT (CR stripped)
server_timing() {
	tr -d '\r' <"$1.hdr" | sed -n 's/^[Ss]erver-[Tt]iming: //p'
}
like "$(server_timing "$T/clin.xml")" '^iti38\.shimane;dur=[0-9]+;desc="ok"$' \
    "the IG's answer says in Server-Timing whom it asked and how long that took"
query "https://127.0.0.1:$POE/ig" "$T/emer.xml" "emergency query" &&
    is "$(fl_status "$T/emer.xml"):$(xpath "$T/emer.xml" "count($FL_EO)")" "Success:$N_S0001" \
    "emergency: shimane's documents through its emergency listener"

# ================================================================ 2. misrouted
query "https://127.0.0.1:$POI/ig" "$T/img.xml" "imaging query" && {
	is "$(xpath "$T/img.xml" "count($FL_EO)")" 0 "imaging misrouted to shimane's clinical listener: nothing released"
	like "$(fl_errors "$T/img.xml")" "^XDSUnavailableCommunity[|]shimane: answered with a SOAP fault[|]$S_HCID[|]" \
	    "okayama reports shimane unavailable (it answered with a fault)"
}
like "$(server_timing "$T/img.xml")" '^iti38\.shimane;dur=[0-9]+;desc="unusable answer"$' \
    "Server-Timing: the refused leg"
like "$(cat "$T/shimane-gw.log")" "declared purpose imaging, but it came through the clinical listener" \
    "shimane logs the refusal with both purposes"
json=$(hashictl "$CS" audit search --purpose imaging --format json 2>"$T/search.err")
like "$json" '"event":"ITI-38","outcome":8,"purpose":"imaging"' \
    "shimane's audit log: the refused ITI-38 under purpose imaging, outcome 8"

# ================================================================ 3. direct, wrong tunnel
soap_fill "$FLOW/sq-find-documents.xml" "$T/direct.q" ACTION="$A_XGQ" RETURN_TYPE=LeafClass \
    PATIENT_ID="S0001^^^&$S_AA&ISO" TO="https://127.0.0.1:$PS/xca"
# declare_purpose IN OUT TEXT: IN with a PurposeOfUse block TEXT in its SOAP header
declare_purpose() {
	awk -v p="$3" '{ print } /<soap:Header>/ { print "<h:PurposeOfUse xmlns:h=\"urn:hashi:1\">" p "</h:PurposeOfUse>" }' \
	    "$1" >"$2"
}
declare_purpose "$T/direct.q" "$T/direct-em.q" emergency
code=$(soap_post "https://127.0.0.1:$PS/xca" okayama-gw "$A_XGQ" "$T/direct-em.q" "$T/direct-em.xml")
is "$code" 400 "emergency declared at the clinical listener: HTTP 400"
like "$(cat "$T/direct-em.xml")" "Sender.*declared purpose emergency is not the purpose of the listener [(]tunnel[)] it arrived on: clinical<" \
    "a SOAP Sender fault naming both purposes"
declare_purpose "$T/direct.q" "$T/direct-x.q" 'em ergency&lt;x&gt;'
soap_post "https://127.0.0.1:$PS/xca" okayama-gw "$A_XGQ" "$T/direct-x.q" "$T/direct-x.xml" >/dev/null
like "$(cat "$T/direct-x.xml")" "declared purpose [(]not a purpose name[)] is not" "a purpose that is no name is not echoed"
declare_purpose "$T/direct.q" "$T/direct-cl.q" clinical
code=$(soap_post "https://127.0.0.1:$PS/xca" okayama-gw "$A_XGQ" "$T/direct-cl.q" "$T/direct-cl.xml")
is "$code:$(fl_status "$T/direct-cl.xml")" "200:Success" "clinical declared at the clinical listener: answered"

# ================================================================ 4. source addresses
xml=$(hashictl "$CS" audit export --event ITI-38 --format xml 2>"$T/export.err")
like "$xml" 'NetworkAccessPointID="127.0.1.1"' \
    "shimane saw okayama's clinical query come from okayama's clinical inner address"
like "$xml" 'NetworkAccessPointID="127.0.0.1"' "and the other purposes' from 127.0.0.1"

# ================================================================ 5. charon unreachable
sleep 0.5	# a few health intervals
status=$(curl -sS --max-time 5 "http://127.0.0.1:$POA/status" 2>&1)
like "$status" '"vici":"charon not running: [^"]*no-charon.vici' "/status: charon cannot be asked, and why"
like "$status" '\{"peer":"shimane","purpose":"clinical","tunnel":"unknown"' "/status: shimane's clinical tunnel is unknown"
like "$status" '\{"peer":"shimane","purpose":"emergency","tunnel":"none"' "/status: emergency does not go through a VPN"
like "$status" '"purpose":"clinical","tunnel":"unknown"[^}]*"tls":"ok"' "/status: the clinical path's TLS is ok"
metrics=$(curl -sS --max-time 5 "http://127.0.0.1:$POA/metrics" 2>&1)
like "$metrics" '^hashi_vici_up 0$' "/metrics: hashi_vici_up 0"
like "$metrics" '^hashi_tunnel_up\{peer="shimane",purpose="clinical"\} 0$' "/metrics: hashi_tunnel_up 0 for the unknown tunnel"
case $metrics in
*'hashi_tunnel_up{peer="shimane",purpose="emergency"'*) not_ok "/metrics: no tunnel metric for a path without VPN" ;;
*) ok "/metrics: no tunnel metric for a path without VPN" ;;
esac
table=$(hashictl "$CO" status 2>&1)
like "$table" "VPN: charon cannot be asked: charon not running" "hashictl status: says charon cannot be asked"
like "$table" "shimane +clinical +unknown +ok +[0-9]+ " "hashictl status: shimane clinical, tunnel unknown, TLS ok, latency"
query "https://127.0.0.1:$PO/ig" "$T/clin2.xml" "clinical query, tunnel state unknown" &&
    is "$(fl_status "$T/clin2.xml")" Success "an unknown tunnel state does not block requests"
done_testing
