#!/bin/sh
# Status and metrics: okayama's hashid with an admin listener on loopback, one live peer
# (shimane) and one down peer (tottori: nothing listens on its port). Three ITI-38
# FindDocuments through /ig fan out to both, each PartialSuccess; then GET /metrics has the
# request, per-peer and histogram counters, GET /status is one well-formed JSON object
# naming both peers, and "hashictl status" prints both. The configuration refuses a
# non-loopback admin address unless admin.allow_remote is true.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw tottori-gw okayama-ehr
PO=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
PT=$(free_port) || die "no free port"
PA=$(free_port) || die "no free port"
region_info okayama
O_AA=$R_AA

sh "$DATA/gen_demo_data.sh" "$T/data-shimane" shimane 3 >/dev/null 2>&1 || die "gen_demo_data.sh shimane failed"
write_config okayama-gw "$PO" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PS" \
    peer=tottori-gw@tottori:"$PT" map=shimane:P0001:S0001 map=tottori:P0001:T0001
write_config shimane-gw "$PS" shimane peer=okayama-gw@okayama:"$PO" map=okayama:S0001:P0001
CO=$(config_of okayama-gw)
CS=$(config_of shimane-gw)
printf 'admin:\n  address: 127.0.0.1\n  port: %s\n' "$PA" >>"$CO"

# --- configuration: loopback only unless allow_remote
sed "s/^  address: 127.0.0.1\$/  address: 192.0.2.1/" "$CO" >"$T/remote.yaml"
chmod 600 "$T/remote.yaml"
"$HASHID" -n -f "$T/remote.yaml" >"$T/remote.out" 2>&1
is "$?" 1 "hashid -n refuses a non-loopback admin address"
like "$(cat "$T/remote.out")" "admin.address: must be a loopback address" "... and says why"
printf '  allow_remote: true\n' >>"$T/remote.yaml"
check "hashid -n accepts it with admin.allow_remote: true" "$HASHID" -n -f "$T/remote.yaml"
check "hashid -n accepts the loopback admin section" "$HASHID" -n -f "$CO"
"$HASHID" -n -v -f "$CO" >"$T/print.yaml" 2>&1
like "$(cat "$T/print.yaml")" "admin:" "hashid -n -v prints the admin section"

check "registry import shimane" hashictl "$CS" registry import "$T/data-shimane"
start_hashid shimane-gw "$CS" okayama-gw || die "shimane-gw did not start"
start_hashid okayama-gw "$CO" okayama-ehr || die "okayama-gw did not start"
ok "gateways started (okayama $PO admin $PA, shimane $PS, tottori down at $PT)"

ADMIN=http://127.0.0.1:$PA
IG=https://127.0.0.1:$PO/ig
OPID="P0001^^^&$O_AA&ISO"
for i in 1 2 3; do
	soap_fill "$FLOW/sq-find-documents.xml" "$T/q$i.xml" ACTION="$A_XGQ" \
	    RETURN_TYPE=LeafClass PATIENT_ID="$OPID" TO="$IG"
	if fl_post "$IG" okayama-ehr "$A_XGQ" "$T/q$i.xml" "$T/r$i.xml" "IG ITI-38 query $i"; then
		is "$(fl_status "$T/r$i.xml")" PartialSuccess "query $i: PartialSuccess (tottori down)"
	fi
done

# --- /metrics
code=$(curl -sS --max-time 10 -o "$T/metrics.txt" -w '%{http_code}' "$ADMIN/metrics" 2>"$T/metrics.err")
is "$code" 200 "GET /metrics: 200"
metric() {	# metric 'NAME{LABELS}': its value
	awk -v k="$1" '$1 == k { print $2 }' "$T/metrics.txt"
}
is "$(metric 'hashi_up')" 1 "hashi_up 1"
is "$(metric 'hashi_requests_total{transaction="ITI-38",endpoint="ig",outcome="partial"}')" 3 \
    "hashi_requests_total ITI-38 ig partial = 3"
is "$(metric 'hashi_requests_total{transaction="ITI-38",endpoint="ig",outcome="success"}')" 0 \
    "hashi_requests_total ITI-38 ig success = 0"
is "$(metric 'hashi_peer_requests_total{peer="shimane",outcome="ok"}')" 3 "shimane: 3 ok"
is "$(metric 'hashi_peer_requests_total{peer="shimane",outcome="error"}')" 0 "shimane: 0 errors"
is "$(metric 'hashi_peer_requests_total{peer="tottori",outcome="error"}')" 3 "tottori: 3 errors"
is "$(metric 'hashi_peer_latency_seconds_count{peer="shimane"}')" 3 "shimane latency count 3"
is "$(metric 'hashi_peer_latency_seconds_bucket{peer="shimane",le="+Inf"}')" 3 "shimane +Inf bucket 3"
is "$(metric 'hashi_peer_latency_seconds_bucket{peer="shimane",le="10"}')" 3 "shimane le=10 bucket 3"
is "$(metric 'hashi_peer_in_flight{peer="tottori"}')" 0 "tottori: nothing in flight"
is "$(metric 'hashi_peer_timeouts_total{peer="tottori"}')" 0 "tottori: refused, not timed out"
like "$(metric 'hashi_inflight_requests')" '^[0-9]+$' "hashi_inflight_requests is a number"
is "$(grep -c '^# TYPE hashi_peer_latency_seconds histogram$' "$T/metrics.txt")" 1 "histogram TYPE line"
# every sample line is NAME{...} VALUE or NAME VALUE (text format 0.0.4)
is "$(grep -v '^#' "$T/metrics.txt" | grep -cvE '^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$')" 0 \
    "every sample line is well formed"

# --- /status
code=$(curl -sS --max-time 10 -o "$T/status.json" -w '%{http_code}' "$ADMIN/status" 2>"$T/status.err")
is "$code" 200 "GET /status: 200"
S=$(cat "$T/status.json")
like "$S" '^\{"community":\{"name":"[^"]+","hcid":"urn:oid:[0-9.]+"\},"uptime_s":[0-9]+,"draining":false,' \
    "/status: community, uptime, draining"
like "$S" '\{"name":"shimane","hcid":"urn:oid:[0-9.]+","in_flight":0,"requests":3,' "/status: shimane, 3 requests"
like "$S" '"name":"shimane"[^}]*"last_success":[0-9]+,"last_error":null' "/status: shimane last_success, no error"
like "$S" '"name":"tottori"[^}]*"last_success":null,"last_error":\{"time":[0-9]+,"what":"[^"]+"\}' \
    "/status: tottori last_error"
like "$S" '"latency_ms":\{"window":3,"p50":[0-9.]+,"p90":[0-9.]+,"p99":[0-9.]+\}' "/status: percentiles"
# well formed: braces and brackets balance (no string in it holds one) and nothing follows
is "$(printf '%s' "$S" | awk '{ o = gsub(/[{[]/, "&"); c = gsub(/[]}]/, "&"); d += o - c
    if (d < 0) bad = 1 } END { print (bad || d) ? "unbalanced" : "balanced" }')" balanced \
    "/status: braces and brackets balance"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$ADMIN/nothing" 2>/dev/null)
is "$code" 404 "GET /nothing: 404"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -d x "$ADMIN/status" 2>/dev/null)
like "$code" '^4[0-9][0-9]$' "POST /status refused (4xx)"

# --- hashictl status
if hashictl "$CO" status >"$T/ctl.out" 2>"$T/ctl.err"; then
	ok "hashictl status"
else
	not_ok "hashictl status"
	diag_file "$T/ctl.err"
fi
like "$(grep '^shimane ' "$T/ctl.out")" '^shimane +0 +3 +0 +0 ' "hashictl status: shimane row (0 in flight, 3 calls)"
like "$(grep '^tottori ' "$T/ctl.out")" '^tottori +0 +3 +3 +0 .*connect' "hashictl status: tottori row (3 errors, last error)"
sed '/^admin:/,$d' "$CO" >"$T/noadmin.yaml"
chmod 600 "$T/noadmin.yaml"
hashictl "$T/noadmin.yaml" status >/dev/null 2>"$T/ctl2.err"
is "$?" 1 "hashictl status without an admin section fails"
like "$(cat "$T/ctl2.err")" "no admin section" "... and says so"

stop_all
check_asan
done_testing
