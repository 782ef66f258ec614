#!/bin/sh
# tests/bench/run.sh: `make bench`. Prints figures, not pass/fail: one hashid on loopback with
# the embedded registry, loaded and measured. BUILD names the build dir (as for make).
#
#   1. registry import: BENCH_PATIENTS (default 1000, at most 9999) synthetic patients of
#      tests/data/gen_demo_data.sh, loaded with `hashictl registry import` (one ITI-41 file
#      per patient).
#   2. ITI-38 FindDocuments at /xca as a peer gateway: BENCH_CONNS (64) keep-alive
#      connections for BENCH_SECONDS (10) s, a ~3 KB query for a random patient each time
#      (tests/bench/iti38-find.xml); requests/s, p50, p99, hashid CPU. Then the same on one
#      connection for 2 s: the latency of a lone request, with nothing queued before it.
#   3. baseline: the same body with an action /xca does not serve (ITI-18's), which hashid
#      answers with a SOAP fault after TLS, HTTP and the full SOAP parse but before any
#      registry work. hashid's CPU time per request in 2 and 3 tells what the registry
#      costs (throughputs compare only when both runs are CPU-bound).
#   4. new connections: the fault request on a fresh connection each time (full TLS 1.3
#      handshake with client certificate; hashid resumes no sessions by design).
#   5. one BENCH_RETRIEVE_MIB (64) MiB document submitted with ITI-41 (MTOM) and retrieved
#      with ITI-43 (MTOM) at /xds as a local system: seconds, MB/s, hashid's peak RSS
#      (VmHWM, reset before each step through /proc/PID/clear_refs where the kernel allows).
#
# The load driver is tests/bench/load.c (hashi-load), built here into $BUILD/bench: wrk and
# h2load cannot present a TLS client certificate, and hashid answers nobody without one.
# Needs the libevent/OpenSSL development packages `make` already needs, plus curl.
# Everything runs in a temp dir that is removed at the end (HASHI_KEEP=1 keeps it); total
# time is about 40 s with the defaults on 2 cores.
set -u
HASHI_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$HASHI_ROOT/tests/integ/lib.sh"

N=${BENCH_PATIENTS:-1000}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
BIG_MIB=${BENCH_RETRIEVE_MIB:-64}
BENCH=$HASHI_ROOT/tests/bench
LOAD=$BUILD_DIR/bench/hashi-load

say() { printf '  %s\n' "$*"; }
step() { printf '\n[%s] %s\n' "$1" "$2"; }
# die MSG: the bench cannot go on (lib.sh's helpers call it too).
die() {
	printf '\nbench: %s\n' "$*" >&2
	[ -n "$HASHI_TMP" ] && printf 'bench: logs in %s (kept)\n' "$HASHI_TMP" >&2
	HASHI_KEEP=1
	exit 1
}
now() { date +%s.%N; }
# calc EXPR: floating-point arithmetic (awk), printed with up to 2 decimals.
calc() { awk "BEGIN { v = $1; if (v == int(v)) printf \"%d\", v; else printf \"%.2f\", v }"; }
# field KEY LINE: the value of KEY=... in a hashi-load result line.
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# proc_kb PID FIELD: a "FIELD: N kB" value of /proc/PID/status.
proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
# mem PID: "VmRSS N kB (anon N, file N), VmHWM N kB".
mem() {
	printf 'VmRSS %s kB (anon %s, file %s), VmHWM %s kB' "$(proc_kb "$1" VmRSS)" \
	    "$(proc_kb "$1" RssAnon)" "$(proc_kb "$1" RssFile)" "$(proc_kb "$1" VmHWM)"
}
# cpu_ticks PID: user + system clock ticks of PID so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)

case $N in '' | *[!0-9]*) die "BENCH_PATIENTS must be a number" ;; esac
# gen_demo_data.sh numbers patients P0001..P9999
if [ "$N" -lt 1 ] || [ "$N" -gt 9999 ]; then
	die "BENCH_PATIENTS must be 1..9999 (tests/data/gen_demo_data.sh's range)"
fi

for tool in curl openssl xmllint pkg-config sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (sh deploy/deps.sh)"
done
if [ ! -x "$HASHID" ] || [ ! -x "$HASHICTL" ]; then
	die "$HASHID / $HASHICTL not built (make BUILD=$BUILD all)"
fi

printf 'Hashi bench: %s, %s CPU(s), %s, %s\n' "$(basename "$BUILD_DIR")" "$(nproc)" \
    "$(uname -r)" "$(date -u '+%Y-%m-%d %H:%M UTC')"

# ---------------------------------------------------------------------------------------
step 1/6 "load driver (tests/bench/load.c)"
if [ ! -x "$LOAD" ] || [ -n "$(find "$BENCH/load.c" -newer "$LOAD")" ]; then
	mkdir -p "$BUILD_DIR/bench"
	# shellcheck disable=SC2046
	${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wcast-qual \
	    -Wformat=2 -Wvla -Wmissing-prototypes -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
	    -o "$LOAD" "$BENCH/load.c" $(pkg-config --cflags --libs libevent_openssl libevent openssl) -lm ||
	    die "cannot build the load driver"
	say "built $LOAD"
else
	say "$LOAD is up to date"
fi
say "(wrk and h2load cannot present a TLS client certificate, which hashid requires)"

# ---------------------------------------------------------------------------------------
step 2/6 "PKI, configuration, $N synthetic patients, hashictl registry import"
mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw okayama-ehr
P=$(free_port) || die "no free port"
PEERPORT=$(free_port) || die "no free port"
region_info okayama
AA=$R_AA
REPO=$R_REPO
write_config okayama-gw "$P" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PEERPORT" \
    registry.map_size=16GiB limits.max_mtom_body=1GiB limits.max_connections=4096 \
    timeouts.request=30s timeouts.read=30s
CONF=$(config_of okayama-gw)
"$HASHID" -n -f "$CONF" >"$T/check.log" 2>&1 || { cat "$T/check.log" >&2; die "hashid -n rejects $CONF"; }
t0=$(now)
sh "$DATA/gen_demo_data.sh" "$T/data" okayama "$N" >"$T/gen.log" 2>&1 || { cat "$T/gen.log" >&2; die "gen_demo_data.sh failed"; }
t1=$(now)
NDOCS=$(grep -vc '^#' "$T/data/documents.tsv")
DATA_MB=$(du -sm "$T/data" | cut -f1)
say "generated $N patients, $NDOCS documents ($DATA_MB MB) in $(calc "$t1 - $t0") s"
t0=$(now)
hashictl "$CONF" registry import "$T/data" >"$T/import.log" 2>&1 || { tail -n 20 "$T/import.log" >&2; die "registry import failed"; }
t1=$(now)
IMP_S=$(calc "$t1 - $t0")
NSUB=$(grep -c 'stored' "$T/import.log")
[ "$NSUB" -eq "$N" ] || die "import stored $NSUB submissions, expected $N (see $T/import.log)"
IMP_PPS=$(calc "$N / ($t1 - $t0)")
IMP_DPS=$(calc "$NDOCS / ($t1 - $t0)")
say "imported $NSUB submissions ($NDOCS documents) in $IMP_S s: $IMP_PPS patients/s, $IMP_DPS documents/s"
say "registry on disk: $(du -sh "$T/okayama-gw.state" | cut -f1) (LMDB, $(df -T "$T" | awk 'NR == 2 { print $2 }'))"

# ---------------------------------------------------------------------------------------
step 3/6 "hashid"
start_hashid okayama-gw "$CONF" shimane-gw || die "hashid did not start (log: $T/okayama-gw.log)"
HPID=$(pid_of okayama-gw)
say "pid $HPID on 127.0.0.1:$P, VmRSS $(proc_kb "$HPID" VmRSS) kB"

sed -e "s|@TO@|https://127.0.0.1:$P/xca|" -e "s|@AA@|$AA|" \
    -e 's|@ACTION@|urn:ihe:iti:2007:CrossGatewayQuery|' "$BENCH/iti38-find.xml" >"$T/q38.tpl"
sed -e 's|@ACTION@|urn:ihe:iti:2007:RegistryStoredQuery|' -e "s|@TO@|https://127.0.0.1:$P/xca|" \
    -e "s|@AA@|$AA|" "$BENCH/iti38-find.xml" >"$T/fault.tpl"
CT38='application/soap+xml; charset=UTF-8; action="urn:ihe:iti:2007:CrossGatewayQuery"'
CTF='application/soap+xml; charset=UTF-8; action="urn:ihe:iti:2007:RegistryStoredQuery"'

# One of each by hand first: the bench must measure answers that are right.
sed -e 's/{{PATIENT}}/P0001/' -e 's/{{MESSAGE_ID}}/urn:uuid:6861736b-0000-4000-8000-000000000001/' "$T/q38.tpl" >"$T/q38.xml"
code=$(soap_post_ct "https://127.0.0.1:$P/xca" shimane-gw "$CT38" "$T/q38.xml" "$T/r38.xml")
st=$(xpath "$T/r38.xml" "string(//*[local-name()='AdhocQueryResponse']/@status)")
ndoc=$(xpath "$T/r38.xml" "count(//*[local-name()='ExtrinsicObject'])")
want=$(awk -F '\t' '$1 == "P0001"' "$T/data/documents.tsv" | wc -l)
if [ "$code" != 200 ] || [ "${st##*:}" != Success ] || [ "$ndoc" != "$want" ]; then
	head -c 2000 "$T/r38.xml" >&2
	die "ITI-38 check: HTTP $code, status '${st##*:}', $ndoc documents (expected 200, Success, $want)"
fi
RESP38=$(wc -c <"$T/r38.xml")
say "ITI-38 check: P0001 -> HTTP 200 Success, $ndoc of $want documents, request $(wc -c <"$T/q38.xml") B, response $RESP38 B"
sed -e 's/{{PATIENT}}/P0001/' -e 's/{{MESSAGE_ID}}/urn:uuid:6861736b-0000-4000-8000-000000000002/' "$T/fault.tpl" >"$T/fault.xml"
FCODE=$(soap_post_ct "https://127.0.0.1:$P/xca" shimane-gw "$CTF" "$T/fault.xml" "$T/rf.xml")
grep -q 'ActionNotSupported' "$T/rf.xml" || { head -c 1500 "$T/rf.xml" >&2; die "the baseline request did not get an ActionNotSupported fault (HTTP $FCODE)"; }
say "fault check: ITI-18 action at /xca -> HTTP $FCODE ActionNotSupported, response $(wc -c <"$T/rf.xml") B"

# run_load NAME TEMPLATE CONTENT_TYPE STATUS MATCH KEEPALIVE CONNS SECONDS: runs hashi-load,
# prints its result line, adds hashid's CPU seconds as cpu_s=.
run_load() {
	_rl_c0=$(cpu_ticks "$HPID")
	_rl_out=$("$LOAD" -u "127.0.0.1:$P" -P /xca -t "$3" -b "$2" -C "$PKI/shimane-gw.crt" \
	    -K "$PKI/shimane-gw.key" -A "$PKI/ca.crt" -c "$7" -d "$8" -k "$6" -n "$N" -x P \
	    -s "$4" -m "$5" 2>"$T/load-$1.err")
	_rl_rc=$?
	_rl_c1=$(cpu_ticks "$HPID")
	if [ "$_rl_rc" -ne 0 ] || [ -z "$_rl_out" ]; then
		cat "$T/load-$1.err" >&2
		die "hashi-load $1 failed (status $_rl_rc)"
	fi
	[ -s "$T/load-$1.err" ] && sed 's/^/  | /' "$T/load-$1.err" | head -n 5
	printf '%s cpu_s=%s\n' "$_rl_out" "$(calc "($_rl_c1 - $_rl_c0) / $TCK")"
}

# report LINE: one summary line for a run.
report() {
	say "$(field requests "$1") requests ($(field bad "$1") unexpected, $(field errors "$1") errors) in $(field seconds "$1") s:" \
	    "$(field rps "$1") req/s, p50 $(field p50_ms "$1") ms, p99 $(field p99_ms "$1") ms, max $(field max_ms "$1") ms," \
	    "hashid CPU $(field cpu_s "$1") s"
}

# ---------------------------------------------------------------------------------------
step 4/6 "ITI-38 FindDocuments at /xca: $CONNS connections, keep-alive, $SECS s, random patient of $N"
Q=$(run_load query "$T/q38.tpl" "$CT38" 200 'ResponseStatusType:Success' 1 "$CONNS" "$SECS")
report "$Q"
Q1=$(run_load query1 "$T/q38.tpl" "$CT38" 200 'ResponseStatusType:Success' 1 1 2)
report "$Q1"
NAGLE=
if [ "$(calc "$(field p50_ms "$Q1") >= 35")" = 1 ]; then
	NAGLE="lone requests wait ~40 ms: Nagle + delayed ACK (no TCP_NODELAY on hashid's sockets?)"
	say "NOTE: $NAGLE"
fi

step 5/6 "baselines: SOAP fault (no registry work), then new TLS connections"
F=$(run_load fault "$T/fault.tpl" "$CTF" "$FCODE" ActionNotSupported 1 "$CONNS" "$SECS")
report "$F"
HS_SECS=$(calc "$SECS / 2")
H=$(run_load handshake "$T/fault.tpl" "$CTF" "$FCODE" ActionNotSupported 0 16 "$HS_SECS")
report "$H"
say "after the load runs: $(mem "$HPID")"

# ---------------------------------------------------------------------------------------
step 6/6 "one $BIG_MIB MiB document: ITI-41 submit, ITI-43 retrieve (MTOM, /xds, as okayama-ehr)"
# reset_hwm: VmHWM := VmRSS (Linux clear_refs 5); prints "reset" or "not reset".
reset_hwm() {
	if (echo 5 >"/proc/$HPID/clear_refs") 2>/dev/null; then echo reset; else echo "not reset"; fi
}
head -c $((BIG_MIB * 1048576)) /dev/urandom >"$T/big.bin"
BIG_BYTES=$(wc -c <"$T/big.bin")
BIG_UID=1.2.392.200119.6.1001.3.990001
soap_fill "$SOAP/iti41-pnr-mtom.xml" "$T/pnr-root.xml" PATIENT_ID="P0001^^^&$AA&ISO" \
    DOC_UID=$BIG_UID SS_UID=1.2.392.200119.6.1001.4.990001 SOURCE_ID=1.2.392.200119.6.1001.5.1 \
    CREATION_TIME=20240501010000 SUBMISSION_TIME=20240501020000 TITLE="bench $BIG_MIB MiB" \
    DOCUMENT_CID=big@hashi.bench || die "soap_fill iti41-pnr-mtom.xml failed"
sed -i 's|mimeType="text/xml"|mimeType="application/octet-stream"|' "$T/pnr-root.xml"
ct=$(mtom_build urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b "$T/pnr-root.xml" "$T/pnr.body" \
    big@hashi.bench "$T/big.bin" application/octet-stream)
HWM0=$(proc_kb "$HPID" VmHWM)
R0=$(reset_hwm)
RSS41=$(proc_kb "$HPID" VmRSS)
t0=$(now)
code=$(SOAP_TIMEOUT=120 soap_post_ct "https://127.0.0.1:$P/xds" okayama-ehr "$ct" "$T/pnr.body" "$T/r41.xml")
t1=$(now)
grep -q 'ResponseStatusType:Success' "$T/r41.xml" || { head -c 1500 "$T/r41.xml" >&2; die "ITI-41 of the $BIG_MIB MiB document: HTTP $code, not Success"; }
S41=$(calc "$t1 - $t0")
MB41=$(calc "$BIG_BYTES / 1000000 / ($t1 - $t0)")
HWM41=$(proc_kb "$HPID" VmHWM)
say "ITI-41: HTTP $code Success in $S41 s, $MB41 MB/s; VmRSS before $RSS41 kB, VmHWM after $HWM41 kB (HWM $R0; was $HWM0 kB)"
say "        now $(mem "$HPID")"

soap_fill "$SOAP/iti43-retrieve.xml" "$T/q43.xml" REPO="$REPO" DOC_UID=$BIG_UID TO="https://127.0.0.1:$P/xds" ||
    die "soap_fill iti43-retrieve.xml failed"
R1=$(reset_hwm)
RSS43=$(proc_kb "$HPID" VmRSS)
HWM43B=$(proc_kb "$HPID" VmHWM)
t0=$(now)
code=$(SOAP_TIMEOUT=120 soap_post "https://127.0.0.1:$P/xds" okayama-ehr urn:ihe:iti:2007:RetrieveDocumentSet "$T/q43.xml" "$T/r43.body")
t1=$(now)
HWM43=$(proc_kb "$HPID" VmHWM)
S43=$(calc "$t1 - $t0")
MB43=$(calc "$BIG_BYTES / 1000000 / ($t1 - $t0)")
[ "$code" = 200 ] || { head -c 1500 "$T/r43.body" >&2; die "ITI-43: HTTP $code"; }
mtom_extract "$T/r43.body" "$T/r43" || die "the ITI-43 response is not a readable multipart/related body"
doc=$(mtom_document "$T/r43" "$BIG_UID") || die "no DocumentResponse for $BIG_UID"
if cmp -s "$doc" "$T/big.bin"; then SAME="identical"; else SAME="DIFFERENT"; fi
say "ITI-43: HTTP 200 in $S43 s, $MB43 MB/s, $(wc -c <"$T/r43.body") bytes, document $SAME to the one submitted"
say "        VmRSS before $RSS43 kB, VmHWM before $HWM43B kB ($R1) -> after $HWM43 kB"
say "        now $(mem "$HPID")"
[ "$SAME" = identical ] || die "the retrieved document differs from the submitted one"
rm -f "$T/big.bin" "$T/pnr.body" "$T/r43.body" "$doc"

# ---------------------------------------------------------------------------------------
stop_all
QR=$(field rps "$Q")
FR=$(field rps "$F")
echo
echo "=============================================================================================="
printf ' Hashi bench summary: %s patients (%s documents), %s CPU(s), load driver on the same host\n' "$N" "$NDOCS" "$(nproc)"
echo "----------------------------------------------------------------------------------------------"
printf ' %-44s %10s %9s %9s %11s\n' "measurement" "req/s" "p50 ms" "p99 ms" "hashid CPU"
printf ' %-44s %10s %9s %9s %11s\n' "ITI-38 FindDocuments /xca ($CONNS conns, k-a)" "$QR" \
    "$(field p50_ms "$Q")" "$(field p99_ms "$Q")" "$(calc "$(field cpu_s "$Q") * 100 / $(field seconds "$Q")")%"
printf ' %-44s %10s %9s %9s %11s\n' "ITI-38 FindDocuments /xca (1 conn, k-a)" "$(field rps "$Q1")" \
    "$(field p50_ms "$Q1")" "$(field p99_ms "$Q1")" "$(calc "$(field cpu_s "$Q1") * 100 / $(field seconds "$Q1")")%"
printf ' %-44s %10s %9s %9s %11s\n' "SOAP fault, same body ($CONNS conns, k-a)" "$FR" \
    "$(field p50_ms "$F")" "$(field p99_ms "$F")" "$(calc "$(field cpu_s "$F") * 100 / $(field seconds "$F")")%"
printf ' %-44s %10s %9s %9s %11s\n' "new TLS connection + fault (16 conns)" "$(field rps "$H")" \
    "$(field p50_ms "$H")" "$(field p99_ms "$H")" "$(calc "$(field cpu_s "$H") * 100 / $(field seconds "$H")")%"
echo "----------------------------------------------------------------------------------------------"
CPUQ=$(calc "$(field cpu_s "$Q") * 1000000 / $(field good "$Q")")
CPUF=$(calc "$(field cpu_s "$F") * 1000000 / $(field good "$F")")
printf ' %-44s %s\n' "hashid CPU per request, query / fault" "$CPUQ / $CPUF us: the registry's share of a query is $(calc "(1 - $CPUF / $CPUQ) * 100")%"
printf ' %-44s %s\n' "throughput, query / fault" "$(calc "$QR / $FR") (meaningful only when both runs are CPU-bound)"
printf ' %-44s %s\n' "registry import (hashictl)" "$IMP_PPS patients/s, $IMP_DPS documents/s ($N in $IMP_S s)"
printf ' %-44s %s\n' "ITI-41 submit $BIG_MIB MiB (MTOM)" "$S41 s, $MB41 MB/s, hashid VmHWM $HWM41 kB"
printf ' %-44s %s\n' "ITI-43 retrieve $BIG_MIB MiB (MTOM)" "$S43 s, $MB43 MB/s, hashid VmHWM $HWM43B -> $HWM43 kB"
[ -n "$NAGLE" ] && printf ' NOTE: %s\n' "$NAGLE"
echo "=============================================================================================="
exit 0
