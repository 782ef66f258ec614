#!/bin/sh
# shellcheck disable=SC2086,SC2154 # word-split peer lists; per-region variables set by eval
# Initiating gateway fan-out with faulty peers (issue 3). okayama's /ig has nine peers: three
# real hashid regions with data (shimane, tottori, hiroshima: a fourth region added to a copy
# of regions.tsv) and six fakes: down (connection refused), hang (TLS up, never answers), late
# (answers after the deadline), badxml (malformed XML), fault (SOAP fault), impostor (another
# certificate of the same CA than the configured one). timeouts.request=2s.
# Checks: FindDocuments for P0001 is PartialSuccess with exactly the live regions' documents,
# each with its region's home, one XDSUnavailableCommunity per failed peer located at its
# HCID and nothing else, within deadline + 250 ms; a retrieve spanning the three live regions
# returns every document byte-identical; 200 concurrent requests while peers hang are all
# answered PartialSuccess within deadline + 1 s, the daemon's fd count returns to its baseline
# and its anonymous RSS (heap) stays flat; with the live peers stopped the query is Failure.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"
. "$(dirname "$0")/lib_fanout.sh"

DEADLINE_MS=2000
# parallel clients in the 200-request test
CONC_P=${FO_CONC_P:-25}
mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw tottori-gw hiroshima-gw okayama-ehr \
    down-gw hang-gw late-gw badxml-gw fault-gw imp-gw
fo_regions "$T/gen" hiroshima:1004:H down:1011:D hang:1012:G late:1013:L badxml:1014:B \
    fault:1015:F imp:1016:I || die "fo_regions failed"

LIVE="shimane tottori hiroshima"
FAKES="down hang late badxml fault imp"
for r in okayama $LIVE $FAKES; do
	eval "P_$r=\$(free_port)" || die "no free port"
	region_info "$r" || die "region $r"
	eval "HCID_$r=\$R_HCID; AA_$r=\$R_AA; REPO_$r=\$R_REPO; PFX_$r=\$R_PREFIX"
done
hcid() { eval "echo \$HCID_$1"; }
port() { eval "echo \$P_$1"; }
repo() { eval "echo \$REPO_$1"; }
pfx() { eval "echo \$PFX_$1"; }

# okayama: every region a peer, P0001 mapped to patient 1 of each
opts="local=okayama-ehr timeouts.request=2s timeouts.connect=1s"
for r in $LIVE $FAKES; do
	opts="$opts peer=$r-gw@$r:$(port "$r") map=$r:P0001:$(pfx "$r")0001"
done
# the impostor's address presents CN=unknown, not the configured CN=imp-gw
# shellcheck disable=SC2086
write_config okayama-gw "$(port okayama)" okayama $opts
CO=$(config_of okayama-gw)
for r in $LIVE; do
	sh "$T/gen/gen_demo_data.sh" "$T/data-$r" "$r" 3 >/dev/null 2>&1 || die "gen_demo_data.sh $r failed"
	write_config "$r-gw" "$(port "$r")" "$r" peer=okayama-gw@okayama:"$(port okayama)" \
	    map=okayama:"$(pfx "$r")0001":P0001
	check "registry import $r" hashictl "$(config_of "$r-gw")" registry import "$T/data-$r"
done
start_hashid okayama-gw "$CO" okayama-ehr || die "okayama-gw did not start"
for r in $LIVE; do
	start_hashid "$r-gw" "$(config_of "$r-gw")" okayama-gw || die "$r-gw did not start"
done
# fake peers; down has a reserved port with nothing listening
fo_fake_peer hang "$(port hang)" hang-gw hang || die "fake peer hang did not start"
fo_fake_peer late "$(port late)" late-gw late 3 || die "fake peer late did not start"
fo_fake_peer badxml "$(port badxml)" badxml-gw badxml || die "fake peer badxml did not start"
fo_fake_peer fault "$(port fault)" fault-gw fault || die "fake peer fault did not start"
fo_fake_peer imp "$(port imp)" unknown hang || die "fake peer imp did not start"
ok "okayama + 3 live regions + 5 fake peers started"
OPID="P0001^^^&$AA_okayama&ISO"
IG=https://127.0.0.1:$(port okayama)/ig
OPID_N=$(pid_of okayama-gw)

# expected: patient 1's documents in each live region
: >"$T/expect.tsv"
for r in $LIVE; do
	awk -F '\t' -v p="$(pfx "$r")0001" -v r="$r" '$1 == p { print $2 "\t" r "\t" $7 }' \
	    "$T/data-$r/documents.tsv" >>"$T/expect.tsv"
done
sort -o "$T/expect.tsv" "$T/expect.tsv"
N_EXP=$(wc -l <"$T/expect.tsv" | tr -d ' ')
[ "$N_EXP" -ge 3 ] || die "test bug: only $N_EXP documents expected"

# uid_home FILE: "uniqueId home" per ExtrinsicObject of a query response, sorted.
uid_home() {
	_uh_n=$(xpath "$1" "count($FL_EO)")
	_uh_i=1
	while [ "$_uh_i" -le "${_uh_n:-0}" ]; do
		printf '%s\n' "$(xpath "$1" "concat(($FL_EO)[$_uh_i]/$(fl_eid "$FL_UID_SCHEME"), ' ', ($FL_EO)[$_uh_i]/@home)")"
		_uh_i=$((_uh_i + 1))
	done | sort
}
# expected_errors PEER...: "XDSUnavailableCommunity|HCID" per PEER, sorted.
expected_errors() {
	for _ee in "$@"; do
		echo "XDSUnavailableCommunity|$(hcid "$_ee")"
	done | sort
}
EXP_UH=$(while IFS='	' read -r u r f; do echo "$u $(hcid "$r")"; done <"$T/expect.tsv" | sort)

# ================================================================ PartialSuccess query
soap_fill "$FLOW/sq-find-documents.xml" "$T/q.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass PATIENT_ID="$OPID" TO="$IG"
t0=$(date +%s%N)
code=$(soap_post "$IG" okayama-ehr "$A_XGQ" "$T/q.xml" "$T/r.xml")
dt=$((($(date +%s%N) - t0) / 1000000))
diag "PartialSuccess query answered in $dt ms (deadline $DEADLINE_MS ms)"
if is "$code" 200 "IG FindDocuments P0001 with 6 faulty peers: HTTP 200"; then
	fl_valid "$T/r.xml" "IG fan-out with faulty peers"
	is "$(fl_status "$T/r.xml")" PartialSuccess "status PartialSuccess"
	is "$(uid_home "$T/r.xml")" "$EXP_UH" "exactly the $N_EXP documents of the 3 live regions, each with home = its region"
	is "$(xpath "$T/r.xml" "count(//*[@home][not(@home='$HCID_shimane' or @home='$HCID_tottori' or @home='$HCID_hiroshima')])")" 0 \
	    "no object with a home other than a live region's"
	is "$(fl_errors "$T/r.xml" | cut -d'|' -f1,3 | sort)" "$(expected_errors $FAKES)" \
	    "exactly one XDSUnavailableCommunity per failed peer (down hang late badxml fault imp) at its HCID, nothing else"
fi
if [ "$dt" -ge $((DEADLINE_MS - 100)) ] && [ "$dt" -le $((DEADLINE_MS + 250)) ]; then
	ok "answer at the deadline: $dt ms in [$((DEADLINE_MS - 100)), $((DEADLINE_MS + 250))]"
else
	not_ok "answer at the deadline: $dt ms in [$((DEADLINE_MS - 100)), $((DEADLINE_MS + 250))]"
fi
if grep -q 'POST /xca' "$T/fake-imp.log" 2>/dev/null; then
	not_ok "the impostor (CN=unknown) never saw the query"
	diag_file "$T/fake-imp.log" 10
else
	ok "the impostor (CN=unknown) never saw the query"
fi
for r in hang late badxml fault; do
	if grep -q 'POST /xca' "$T/fake-$r.log" 2>/dev/null; then
		ok "fake peer $r received the forwarded query"
	else
		not_ok "fake peer $r received the forwarded query"
	fi
done

# ================================================================ retrieve across 3 regions
set --
for r in $LIVE; do
	u=$(awk -F '\t' -v r="$r" '$2 == r { print $1; exit }' "$T/expect.tsv")
	set -- "$@" "$(hcid "$r")" "$(repo "$r")" "$u"
done
fo_retrieve3 "$T/q39.xml" "$A_XGR" "$IG" "$@"
if fl_post "$IG" okayama-ehr "$A_XGR" "$T/q39.xml" "$T/r39" "IG ITI-39 of 3 documents in 3 regions"; then
	if mtom_extract "$T/r39" "$T/m39"; then
		fl_valid "$T/m39/root.xml" "IG ITI-39 3 regions" "$T/m39"
		is "$(fl_status "$T/m39/root.xml"):$(xpath "$T/m39/root.xml" "count($FL_DR)")" "Success:3" \
		    "IG ITI-39 3 regions: Success, 3 DocumentResponses"
		for r in $LIVE; do
			u=$(awk -F '\t' -v r="$r" '$2 == r { print $1; exit }' "$T/expect.tsv")
			f=$(awk -F '\t' -v r="$r" '$2 == r { print $3; exit }' "$T/expect.tsv")
			if df=$(mtom_document "$T/m39" "$u"); then
				is "$(fl_sha256 "$df")" "$(fl_sha256 "$T/data-$r/$f")" "IG ITI-39: $r's document byte-identical"
			else
				not_ok "IG ITI-39: $r's document byte-identical"
				diag "no DocumentResponse for $u"
			fi
			is "$(xpath "$T/m39/root.xml" "normalize-space(${FL_DR}[normalize-space($(fl_l DocumentUniqueId))='$u']/$(fl_l HomeCommunityId))")" \
			    "$(hcid "$r")" "IG ITI-39: $r's document has HomeCommunityId $(hcid "$r")"
		done
	else
		not_ok "IG ITI-39 3 regions: readable multipart/related"
	fi
fi

# the same three documents plus one in each faulty community: PartialSuccess at the deadline
set -- "$@"
for r in $FAKES; do
	set -- "$@" "$(hcid "$r")" "$(repo "$r")" "$(repo "$r").3.1"
done
fo_retrieve3 "$T/q39f.xml" "$A_XGR" "$IG" "$@"
t0=$(date +%s%N)
code=$(soap_post "$IG" okayama-ehr "$A_XGR" "$T/q39f.xml" "$T/r39f")
dt=$((($(date +%s%N) - t0) / 1000000))
diag "ITI-39 with 6 faulty communities answered in $dt ms"
if is "$code" 200 "IG ITI-39 live + faulty communities: HTTP 200" && mtom_extract "$T/r39f" "$T/m39f"; then
	fl_valid "$T/m39f/root.xml" "IG ITI-39 live + faulty" "$T/m39f"
	is "$(fl_status "$T/m39f/root.xml"):$(xpath "$T/m39f/root.xml" "count($FL_DR)")" "PartialSuccess:3" \
	    "IG ITI-39 live + faulty: PartialSuccess, the 3 live documents"
	is "$(fl_errors "$T/m39f/root.xml" | cut -d'|' -f1,3 | sort)" "$(expected_errors $FAKES)" \
	    "IG ITI-39 live + faulty: one XDSUnavailableCommunity per faulty community at its HCID, nothing else"
	for r in $LIVE; do
		u=$(awk -F '\t' -v r="$r" '$2 == r { print $1; exit }' "$T/expect.tsv")
		f=$(awk -F '\t' -v r="$r" '$2 == r { print $3; exit }' "$T/expect.tsv")
		df=$(mtom_document "$T/m39f" "$u") || df=/nonexistent
		is "$(fl_sha256 "$df" 2>/dev/null)" "$(fl_sha256 "$T/data-$r/$f")" "IG ITI-39 live + faulty: $r's document byte-identical"
	done
else
	not_ok "IG ITI-39 live + faulty: readable response"
	diag "$(head -c 600 "$T/r39f")"
fi
if [ "$dt" -le $((DEADLINE_MS + 250)) ]; then
	ok "IG ITI-39 live + faulty: answered within deadline + 250 ms ($dt ms)"
else
	not_ok "IG ITI-39 live + faulty: answered within deadline + 250 ms ($dt ms)"
fi

# ================================================================ 200 concurrent requests
# conc_batch N PAR DIR: N concurrent FindDocuments P0001 through the IG, PAR at a time (xargs
# -P); DIR/sI holds "HTTP_CODE TIME_TOTAL", DIR/rI.xml the body of request I.
conc_batch() {
	mkdir -p "$3"
	seq 1 "$1" | xargs -P "$2" -I{} sh -c '
		curl -sS --max-time 10 --cacert "$1/ca.crt" --cert "$1/okayama-ehr.crt" --key "$1/okayama-ehr.key" \
		    -H "Content-Type: application/soap+xml; charset=UTF-8; action=\"$3\"" -H "Expect:" \
		    --data-binary @"$4" -o "$5/r{}.xml" -w "%{http_code} %{time_total} %{time_pretransfer}\n" "$2" >"$5/s{}" 2>"$5/e{}"
		exit 0' sh "$PKI" "$IG" "$A_XGQ" "$T/q.xml" "$3"
}
# warm-up: one wave of 50 fills the peer connection pools and the allocator; then the baseline
conc_batch 50 50 "$T/warm"
sleep 1
FD0=$(fo_fds "$OPID_N")
# RssAnon, the heap: the audit log's LMDB pages the daemon maps grow with every record by
# design (file-backed, counted in VmRSS) and are not a leak
RSS0=$(fl_rss_field "$OPID_N" RssAnon)
cpu0=$(awk '{ print $14 + $15 }' "/proc/$OPID_N/stat")
conc_batch 200 "$CONC_P" "$T/conc"
cpu1=$(awk '{ print $14 + $15 }' "/proc/$OPID_N/stat")
diag "okayama-gw used $((cpu1 - cpu0)) clock ticks (1/$(getconf CLK_TCK) s) of CPU for the 200 requests"
n200=0
npart=0
nslow=0
nslow_srv=0
maxt=0
maxs=0
for i in $(seq 1 200); do
	read -r c tt tp <"$T/conc/s$i" 2>/dev/null || c=none
	[ "$c" = 200 ] && n200=$((n200 + 1))
	grep -q 'ResponseStatusType:PartialSuccess' "$T/conc/r$i.xml" 2>/dev/null && npart=$((npart + 1))
	# ms: whole exchange (TCP + TLS to hashid + request + answer); srv: request sent -> answer
	ms=$(awk -v t="${tt:-99}" 'BEGIN { printf "%d", t * 1000 }')
	srv=$(awk -v t="${tt:-99}" -v p="${tp:-0}" 'BEGIN { printf "%d", (t - p) * 1000 }')
	[ "$ms" -gt "$maxt" ] && maxt=$ms
	[ "$srv" -gt "$maxs" ] && maxs=$srv
	[ "$ms" -gt $((DEADLINE_MS + 1000)) ] && nslow=$((nslow + 1))
	[ "$srv" -gt $((DEADLINE_MS + 1000)) ] && nslow_srv=$((nslow_srv + 1))
done
diag "200 concurrent (xargs -P $CONC_P): $n200 x HTTP 200, $npart x PartialSuccess," \
    "slowest whole exchange $maxt ms ($nslow over $((DEADLINE_MS + 1000)) ms)," \
    "slowest request-sent-to-answer $maxs ms ($nslow_srv over)"
is "$n200" 200 "200 concurrent requests while peers hang: all HTTP 200"
is "$npart" 200 "200 concurrent requests: all PartialSuccess"
is "$nslow_srv" 0 "200 concurrent requests: each answered within deadline + 1 s of being sent (slowest $maxs ms)"
is "$nslow" 0 "200 concurrent requests: each whole exchange incl. TLS handshake within deadline + 1 s (slowest $maxt ms)"
# fds back to the baseline (pooled keep-alive connections may linger: slack 4)
fd1=
i=0
while [ "$i" -lt 10 ]; do
	fd1=$(fo_fds "$OPID_N")
	[ "$fd1" -le $((FD0 + 4)) ] && break
	sleep 0.5
	i=$((i + 1))
done
RSS1=$(fl_rss_field "$OPID_N" RssAnon)
diag "okayama-gw fds: $FD0 before, $fd1 after; RssAnon $RSS0 KiB before, $RSS1 KiB after"
if [ "$fd1" -le $((FD0 + 4)) ]; then
	ok "fd count back to baseline ($fd1 <= $FD0 + 4)"
else
	not_ok "fd count back to baseline ($fd1 > $FD0 + 4)"
	diag "$(ls -l "/proc/$OPID_N/fd" 2>/dev/null | tail -n 20)"
fi
if [ "${HASHI_ASAN:-0}" = 1 ]; then
	# ASan's quarantine and shadow memory make RSS say nothing about our own heap.
	skip "anonymous RSS grew by at most 6 MiB" "HASHI_ASAN=1"
elif [ $((RSS1 - RSS0)) -le 6144 ]; then
	ok "anonymous RSS grew by at most 6 MiB ($((RSS1 - RSS0)) KiB)"
else
	not_ok "anonymous RSS grew by at most 6 MiB ($((RSS1 - RSS0)) KiB)"
fi

# ================================================================ all live peers stopped
for r in $LIVE; do
	stop_hashid "$r-gw"
done
soap_fill "$FLOW/sq-find-documents.xml" "$T/qf.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass PATIENT_ID="$OPID" TO="$IG"
t0=$(date +%s%N)
code=$(soap_post "$IG" okayama-ehr "$A_XGQ" "$T/qf.xml" "$T/rf.xml")
dt=$((($(date +%s%N) - t0) / 1000000))
diag "Failure query answered in $dt ms"
if is "$code" 200 "IG FindDocuments with every peer failing: HTTP 200"; then
	fl_valid "$T/rf.xml" "IG all peers failing"
	is "$(fl_status "$T/rf.xml"):$(xpath "$T/rf.xml" "count($FL_EO|$FL_OREF)")" Failure:0 "all peers failing: Failure, no objects"
	is "$(fl_errors "$T/rf.xml" | cut -d'|' -f1,3 | sort)" "$(expected_errors $LIVE $FAKES)" \
	    "all peers failing: one XDSUnavailableCommunity per peer (9) at its HCID, nothing else"
fi
if [ "$dt" -le $((DEADLINE_MS + 250)) ]; then
	ok "all peers failing: answered within deadline + 250 ms ($dt ms)"
else
	not_ok "all peers failing: answered within deadline + 250 ms ($dt ms)"
fi

for r in $FAKES; do
	[ "$r" = down ] || fo_stop_fake "$r"
done
stop_hashid okayama-gw
done_testing
