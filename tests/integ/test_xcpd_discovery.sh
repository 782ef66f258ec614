#!/bin/sh
# XCPD patient discovery, initiating side, with three real regions and one fake peer:
# okayama (晴れやかネット) queries at its /ig for its own patient P0001, whom no static map or
# link names. Shimane holds the same person (S0001, same four attributes): discovery links
# them and the query goes there. Tottori holds the person twice (T0001 and a duplicate
# registration T0006): it answers NF and queues both for its operators; no query goes there.
# The fake peer "hiro" answers OK with a near match (another address): okayama queues it for
# review and sends it no query. The second query uses the cached link (no ITI-55 at shimane);
# after the link's time to live, the next query discovers again. The ITI-55 request okayama
# sent validates against the XCPD schema.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"
. "$(dirname "$0")/lib_fanout.sh"

mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw tottori-gw hiro-gw okayama-ehr
fo_regions "$T/gen" hiro:1004:H || die "fo_regions failed"
PO=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
PT=$(free_port) || die "no free port"
PH=$(free_port) || die "no free port"
for r in okayama shimane tottori hiro; do
	region_info "$r" || die "region $r"
	eval "HCID_$r=\$R_HCID; AA_$r=\$R_AA"
done
TTL=6
for r in okayama shimane tottori; do
	sh "$DATA/gen_demo_data.sh" "$T/data-$r" "$r" 5 >/dev/null 2>&1 || die "gen_demo_data.sh $r failed"
done
# tottori registered its patient 1 twice
sed -n 2p "$T/data-tottori/patients.csv" | sed 's/^T0001/T0006/' >>"$T/data-tottori/patients.csv"
write_config okayama-gw "$PO" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PS" \
    peer=tottori-gw@tottori:"$PT" peer=hiro-gw@hiro:"$PH" mpi.correlation_ttl="${TTL}s" \
    timeouts.request=4s
write_config shimane-gw "$PS" shimane peer=okayama-gw@okayama:"$PO"
write_config tottori-gw "$PT" tottori peer=okayama-gw@okayama:"$PO"
# admin listeners: the responders' request counters tell what reached them
for r in shimane tottori; do
	eval "PA_$r=\$(free_port)" || die "no free port"
	printf 'admin:\n  address: 127.0.0.1\n  port: %s\n' "$(eval "echo \$PA_$r")" >>"$(config_of "$r-gw")"
done
for r in okayama shimane tottori; do
	check "registry import $r" hashictl "$(config_of "$r-gw")" registry import "$T/data-$r"
	check "mpi import $r" hashictl "$(config_of "$r-gw")" mpi import "$T/data-$r/patients.csv"
done
start_hashid shimane-gw "$(config_of shimane-gw)" okayama-gw || die "shimane-gw did not start"
start_hashid tottori-gw "$(config_of tottori-gw)" okayama-gw || die "tottori-gw did not start"
start_hashid okayama-gw "$(config_of okayama-gw)" okayama-ehr || die "okayama-gw did not start"
fo_fake_peer hiro "$PH" hiro-gw canned || die "fake peer hiro did not start"
soap_fill "$SOAP/iti55-near-answer.xml" "$T/near.xml" PID=H0001 AA="$AA_hiro" HCID_OID="${HCID_hiro#urn:oid:}"
{
	printf 'HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-Length: %d\r\n\r\n' \
	    "$(wc -c <"$T/near.xml")"
	cat "$T/near.xml"
} >"$T/fake-hiro/response"
ok "okayama, shimane, tottori and the fake hiro started"

IG=https://127.0.0.1:$PO/ig
OPID="P0001^^^&$AA_okayama&ISO"
SPID="S0001^^^&$AA_shimane&ISO"
awk -F '\t' '$1 == "S0001" { print $2 }' "$T/data-shimane/documents.tsv" | sort >"$T/s0001.txt"
N_S=$(wc -l <"$T/s0001.txt" | tr -d ' ')

# served NAME TXN: requests of transaction TXN (ITI-55, ITI-38) NAME-gw answered so far,
# from its /metrics.
served() {
	curl -sS --max-time 5 "http://127.0.0.1:$(eval "echo \$PA_$1")/metrics" 2>/dev/null |
	    awk -v t="$2" 'index($0, "hashi_requests_total{transaction=\"" t "\"") == 1 { n += $NF }
	    END { print n + 0 }'
}
asked() {
	served "$1" ITI-55
}
# query N: FindDocuments for P0001 at okayama's /ig into $T/rN.xml; checks Success and
# exactly shimane's documents of S0001, each with home = shimane.
query() {
	soap_fill "$FLOW/sq-find-documents.xml" "$T/q$1.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass \
	    PATIENT_ID="$OPID" TO="$IG"
	if fl_post "$IG" okayama-ehr "$A_XGQ" "$T/q$1.xml" "$T/r$1.xml" "query $1: IG FindDocuments P0001"; then
		is "$(fl_status "$T/r$1.xml")" Success "query $1: Success (no peer failed)"
		_q_got=$(xpath "$T/r$1.xml" "count(${FL_EO}[@home='$HCID_shimane'])"):$(xpath "$T/r$1.xml" "count($FL_EO)")
		is "$_q_got" "$N_S:$N_S" "query $1: exactly shimane's $N_S documents of S0001, home shimane"
	fi
}

# ---------------------------------------------------------------- first query: discovery
query 1
is "$(asked shimane):$(asked tottori)" "1:1" "query 1: one ITI-55 at shimane and one at tottori"
if grep -q 'PRPA_IN201305UV02' "$T/fake-hiro.log" 2>/dev/null; then
	ok "query 1: the fake peer hiro was asked with ITI-55"
else
	not_ok "query 1: the fake peer hiro was asked with ITI-55"
fi
if grep -q 'urn:ihe:iti:2007:CrossGatewayQuery' "$T/fake-hiro.log" 2>/dev/null; then
	not_ok "query 1: no ITI-38 to hiro (near match only)"
else
	ok "query 1: no ITI-38 to hiro (near match only)"
fi
is "$(served tottori ITI-38):$(served shimane ITI-38)" "0:1" "query 1: no ITI-38 to tottori (ambiguous there), one to shimane"
hashictl "$(config_of okayama-gw)" mpi show P0001 >"$T/show1.txt" 2>&1
like "$(cat "$T/show1.txt")" "$HCID_shimane.*S0001" "okayama mpi show P0001: linked to S0001 at shimane"
like "$(grep "$HCID_shimane" "$T/show1.txt")" "XCPD" "... made by XCPD"
like "$(grep "$HCID_shimane" "$T/show1.txt")" "fresh" "... and fresh"
if grep -q "$HCID_tottori\|$HCID_hiro" "$T/show1.txt"; then
	not_ok "okayama mpi show P0001: no link to tottori or hiro"
	diag_file "$T/show1.txt" 20
else
	ok "okayama mpi show P0001: no link to tottori or hiro"
fi
hashictl "$(config_of okayama-gw)" mpi review >"$T/review-o.txt" 2>&1
like "$(cat "$T/review-o.txt")" "H0001" "okayama mpi review: hiro's near match H0001 waits for an operator"
is "$(grep -c 'H0001' "$T/review-o.txt")" 1 "... once"
hashictl "$(config_of tottori-gw)" mpi review >"$T/review-t.txt" 2>&1
is "$(grep -c 'P0001' "$T/review-t.txt")" 2 "tottori mpi review: T0001 and T0006 both queued with okayama's P0001"
hashictl "$(config_of shimane-gw)" mpi show S0001 >"$T/show-s.txt" 2>&1
like "$(cat "$T/show-s.txt")" "$HCID_okayama.*P0001" "shimane mpi show S0001: the link okayama fed with its query"

# ---------------------------------------------------------------- second query: cached link
query 2
is "$(asked shimane)" 1 "query 2: shimane got no new ITI-55 (the link is cached)"
is "$(asked tottori)" 2 "query 2: tottori (no link) is asked again"

# ---------------------------------------------------------------- after the time to live
sleep $((TTL + 1))
hashictl "$(config_of okayama-gw)" mpi show P0001 >"$T/show2.txt" 2>&1
like "$(grep "$HCID_shimane" "$T/show2.txt")" "EXPIRED" "after ${TTL}s: okayama's link to shimane is expired"
query 3
is "$(asked shimane)" 2 "query 3: the expired link was refreshed with a new ITI-55 at shimane"
hashictl "$(config_of okayama-gw)" mpi show P0001 >"$T/show3.txt" 2>&1
like "$(grep "$HCID_shimane" "$T/show3.txt")" "fresh" "query 3: the link is fresh again"

# ---------------------------------------------------------------- no discovery for strangers
soap_fill "$FLOW/sq-find-documents.xml" "$T/q9.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass \
    PATIENT_ID="P9999^^^&$AA_okayama&ISO" TO="$IG"
if fl_post "$IG" okayama-ehr "$A_XGQ" "$T/q9.xml" "$T/r9.xml" "IG query for a patient not in okayama's MPI"; then
	is "$(fl_status "$T/r9.xml"):$(xpath "$T/r9.xml" "count($FL_EO)")" "Success:0" "... answers Success with nothing"
	is "$(asked shimane):$(asked tottori)" "2:3" "... and asks no peer with ITI-55"
fi
# the request okayama sent to hiro, as the fake received it: a valid ITI-55 envelope (the
# body is one line without a newline: the fake logs it once okayama closes the connection)
stop_hashid okayama-gw
sleep 1
grep -m 1 '^<?xml' "$T/fake-hiro.log" | sed 's|\(</env:Envelope>\).*|\1|' >"$T/iti55-sent.xml"
if xmllint --noout --nonet --schema "$SHARED/conformance/xsd/wrappers/xcpd-soap12.xsd" "$T/iti55-sent.xml" >"$T/xsd.out" 2>&1; then
	ok "okayama's ITI-55 request validates against xcpd-soap12.xsd"
else
	not_ok "okayama's ITI-55 request validates against xcpd-soap12.xsd"
	diag_file "$T/xsd.out" 10
fi

check_asan
done_testing
