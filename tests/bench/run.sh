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
#   6. initiating gateway: a second hashid (shimane) whose only peer is the first one,
#      queried at its /ig as a local system, same load as 2: req/s, p50, p99, ratio to 2.
#   7. nginx (Debian package; apt-get installed when missing and root, else skipped) as a
#      plain TLS reverse proxy in front of the same /xca (no client certificate asked of the
#      driver; shimane-gw's certificate toward hashid, keep-alive upstream), same load; the
#      ratio initiating gateway / nginx has the issue-3 target >= 0.5. nginx runs from a
#      config in the temp dir as a non-daemon child and is stopped at the end of the step.
#   8. fan-out latency: a third hashid (tottori) at /ig with 1 peer, then with 8 peers (eight
#      more hashids, small regions of BENCH_FAN_PATIENTS (200) patients each, T0001 mapped
#      to patient 1 of each), one connection, sequential queries for BENCH_FAN_SECONDS (3) s;
#      p50/p99 for 1 and 8 peers, target 8/1 < 2. Then the peak RSS (VmHWM) of each hashid.
#  10. the MPI (issue 4), once every hashid above has stopped: tests/bench/mpi.sh, its own
#      process and temp dir. BENCH_MPI_PATIENTS (1000000; 0 skips it) synthetic patients
#      imported with `hashictl mpi import`, then tests/bench/mpi_bench.c on the store (id
#      lookups/s on one core, target >= 1,000,000; pid + HCID lookups/s; demographic
#      matches/s, target >= 50,000; LMDB size), then the XCPD responding gateway (ITI-55 at
#      /xca) with that MPI under hashi-load: by shared identifier, and by demographics.
#  11. consent (issue 5): tests/bench/consent.sh, its own process and temp dir (BENCH_CONSENT=0
#      skips it). `openssl speed rsa2048` verify/s, then tests/bench/consent_bench.c on one
#      thread: policy_consent_register of 200 JPKI-signed consents (verifications/s, target
#      >= 0.3 x RSA-2048 verify/s) and decide() over the consents of 100000 patients
#      (decisions/s, target >= 500,000).
#  12. the audit log (issue 6): tests/bench/audit.sh, its own process and temp dir (BENCH_AUDIT=0
#      skips it; on a real disk: it measures durable commits), about 2.5 minutes and ~5 GB for
#      a moment. tests/bench/audit_bench.c on one thread: appends/s at 64 and 256 records per
#      commit with a signed checkpoint every second (target >= 50,000), against raw LMDB puts
#      of the same records with and without the index; a log of BENCH_AUDIT_RECORDS (1000000)
#      records, auditlog_verify of it (target <= 10 s) and `hashictl audit verify`; size per
#      record; inclusion and consistency proof sizes and times.
#  13. japan-47 (issue 8): tests/bench/japan47.sh, its own process and temp dir (BENCH_J47=0
#      skips it; BENCH_J47_QUERIES, 100). The 47 gateways of tests/scenarios/japan-47.yaml
#      started and loaded as `hashictl scenario run` does (tests/bench/j47_bench.c): start
#      time, the sum of their VmRSS (target < 1.5 GiB), national fan-out p50/p99 from tokyo
#      for a patient linked in 3 prefectures vs. one known nowhere else (XCPD to 46). ~40 s.
#
# The load driver is tests/bench/load.c (hashi-load), built here into $BUILD/bench: wrk and
# h2load cannot present a TLS client certificate, and hashid answers nobody without one.
# Needs the libevent/OpenSSL development packages `make` already needs, plus curl.
# Everything runs in a temp dir that is removed at the end (HASHI_KEEP=1 keeps it); total
# time is about 80 s with the defaults on 2 cores, plus about 70 s for the MPI part and 20 s
# for the consent part.
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
step 1/13 "load driver (tests/bench/load.c)"
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
step 2/13 "PKI, configuration, $N synthetic patients, hashictl registry import"
mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw okayama-ehr shimane-ehr nginx-proxy tottori-gw tottori-ehr \
    f1-gw f2-gw f3-gw f4-gw f5-gw f6-gw f7-gw f8-gw
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
step 3/13 "hashid"
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
step 4/13 "ITI-38 FindDocuments at /xca: $CONNS connections, keep-alive, $SECS s, random patient of $N"
Q=$(run_load query "$T/q38.tpl" "$CT38" 200 'ResponseStatusType:Success' 1 "$CONNS" "$SECS")
report "$Q"
Q1=$(run_load query1 "$T/q38.tpl" "$CT38" 200 'ResponseStatusType:Success' 1 1 2)
report "$Q1"
NAGLE=
if [ "$(calc "$(field p50_ms "$Q1") >= 35")" = 1 ]; then
	NAGLE="lone requests wait ~40 ms: Nagle + delayed ACK (no TCP_NODELAY on hashid's sockets?)"
	say "NOTE: $NAGLE"
fi

step 5/13 "baselines: SOAP fault (no registry work), then new TLS connections"
F=$(run_load fault "$T/fault.tpl" "$CTF" "$FCODE" ActionNotSupported 1 "$CONNS" "$SECS")
report "$F"
HS_SECS=$(calc "$SECS / 2")
H=$(run_load handshake "$T/fault.tpl" "$CTF" "$FCODE" ActionNotSupported 0 16 "$HS_SECS")
report "$H"
say "after the load runs: $(mem "$HPID")"

# ---------------------------------------------------------------------------------------
step 6/13 "one $BIG_MIB MiB document: ITI-41 submit, ITI-43 retrieve (MTOM, /xds, as okayama-ehr)"
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

# load_at NAME HOST:PORT PATH CLIENT TEMPLATE MATCH CONNS SECONDS NPATIENTS PREFIX PID: like
# run_load, keep-alive, for any endpoint: CLIENT is the certificate the driver presents,
# PID the process whose CPU time is added as cpu_s= (the gateway under test).
load_at() {
	_la_c0=$(cpu_ticks "${11}")
	_la_out=$("$LOAD" -u "$2" -P "$3" -t "$CT38" -b "$5" -C "$PKI/$4.crt" -K "$PKI/$4.key" \
	    -A "$PKI/ca.crt" -c "$7" -d "$8" -k 1 -n "$9" -x "${10}" -s 200 -m "$6" 2>"$T/load-$1.err")
	_la_rc=$?
	_la_c1=$(cpu_ticks "${11}")
	if [ "$_la_rc" -ne 0 ] || [ -z "$_la_out" ]; then
		cat "$T/load-$1.err" >&2
		die "hashi-load $1 failed (status $_la_rc)"
	fi
	[ -s "$T/load-$1.err" ] && sed 's/^/  | /' "$T/load-$1.err" | head -n 5 >&2
	printf '%s cpu_s=%s\n' "$_la_out" "$(calc "($_la_c1 - $_la_c0) / $TCK")"
}
# good_or_die NAME LINE: a run where not every response was the expected one cannot be used.
good_or_die() {
	[ -n "$2" ] || die "$1: no figures (see the messages above)"
	if [ "$(field good "$2")" -lt 1 ] || [ "$(field bad "$2")" -ne 0 ] || [ "$(field errors "$2")" -ne 0 ]; then
		die "$1: $(field bad "$2") unexpected responses, $(field errors "$2") errors (see $T/*.log)"
	fi
}
# verdict OK: "met" or "NOT met".
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "NOT met"; fi; }
SUCCESS='ResponseStatusType:Success'

# ---------------------------------------------------------------------------------------
step 7/13 "initiating gateway: ITI-38 via shimane's /ig (its only peer: okayama-gw), $CONNS conns, $SECS s"
# shimane-gw is already okayama-gw's configured peer; as an initiating gateway it passes the
# okayama patient ids through unchanged (same assigning authority as the peer's).
write_config shimane-gw "$PEERPORT" shimane local=shimane-ehr peer=okayama-gw@okayama:"$P" \
    limits.max_connections=4096 timeouts.request=30s timeouts.read=30s
start_hashid shimane-gw "$(config_of shimane-gw)" shimane-ehr || die "initiating hashid did not start (log: $T/shimane-gw.log)"
IGPID=$(pid_of shimane-gw)
sed -e "s|@TO@|https://127.0.0.1:$PEERPORT/ig|" -e "s|@AA@|$AA|" \
    -e 's|@ACTION@|urn:ihe:iti:2007:CrossGatewayQuery|' "$BENCH/iti38-find.xml" >"$T/qig.tpl"
sed -e 's/{{PATIENT}}/P0001/' -e 's/{{MESSAGE_ID}}/urn:uuid:6861736b-0000-4000-8000-000000000003/' "$T/qig.tpl" >"$T/qig.xml"
code=$(soap_post_ct "https://127.0.0.1:$PEERPORT/ig" shimane-ehr "$CT38" "$T/qig.xml" "$T/rig.xml")
ndoc=$(xpath "$T/rig.xml" "count(//*[local-name()='ExtrinsicObject'])")
# P0001 has the step 6 document too
if [ "$code" != 200 ] || ! grep -q "$SUCCESS" "$T/rig.xml" || [ "$ndoc" != "$((want + 1))" ]; then
	head -c 2000 "$T/rig.xml" >&2
	die "ITI-38 via /ig check: HTTP $code, $ndoc documents (expected 200, Success, $((want + 1)))"
fi
say "check: P0001 via /ig -> HTTP 200 Success, $ndoc documents"
OKCPU0=$(cpu_ticks "$HPID")
IG=$(load_at ig "127.0.0.1:$PEERPORT" /ig shimane-ehr "$T/qig.tpl" "$SUCCESS" "$CONNS" "$SECS" "$N" P "$IGPID")
OKCPU1=$(cpu_ticks "$HPID")
good_or_die "ITI-38 via /ig" "$IG"
report "$IG"
say "(responding okayama-gw CPU in that run: $(calc "($OKCPU1 - $OKCPU0) / $TCK") s)"
# The cost of auditing end to end: both gateways again as hashid-unaudited (the same code
# without the audit log, built for this comparison only), same load; then back to hashid.
UNAUD=$BUILD_DIR/bench/hashid-unaudited
[ -x "$UNAUD" ] || die "$UNAUD not built (make BUILD=$BUILD bench builds it)"
stop_hashid shimane-gw
stop_hashid okayama-gw
HASHID_AUDITED=$HASHID
HASHID=$UNAUD
start_hashid okayama-gw "$CONF" shimane-gw || die "unaudited okayama-gw did not start"
start_hashid shimane-gw "$(config_of shimane-gw)" shimane-ehr || die "unaudited shimane-gw did not start"
IGU=$(load_at igu "127.0.0.1:$PEERPORT" /ig shimane-ehr "$T/qig.tpl" "$SUCCESS" "$CONNS" "$SECS" "$N" P "$(pid_of shimane-gw)")
good_or_die "ITI-38 via /ig, unaudited" "$IGU"
say "the same without the audit log (hashid-unaudited, both gateways):"
report "$IGU"
AUDIT_IG_RATIO=$(calc "$(field rps "$IG") / $(field rps "$IGU")")
say "throughput with audit / without: $AUDIT_IG_RATIO"
stop_hashid shimane-gw
stop_hashid okayama-gw
HASHID=$HASHID_AUDITED
start_hashid okayama-gw "$CONF" shimane-gw || die "hashid did not restart (log: $T/okayama-gw.log)"
HPID=$(pid_of okayama-gw)
start_hashid shimane-gw "$(config_of shimane-gw)" shimane-ehr || die "initiating hashid did not restart"
IGPID=$(pid_of shimane-gw)

# ---------------------------------------------------------------------------------------
step 8/13 "nginx as a TLS reverse proxy to okayama-gw's /xca, $CONNS conns, $SECS s"
NG=
NGINX_NOTE=
NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null)
if [ -z "$NGINX" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	say "nginx missing: apt-get install nginx"
	# policy-rc.d-less hosts would start the packaged service: nothing here needs it
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >"$T/apt.log" 2>&1 ||
	    say "apt-get install nginx failed (see $T/apt.log)"
	NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null)
fi
if [ -z "$NGINX" ]; then
	NGINX_NOTE="nginx not installed (and not root to apt-get it): skipped"
	say "$NGINX_NOTE"
else
	NGPORT=$(free_port) || die "no free port"
	NGD=$T/nginx
	mkdir -p "$NGD/tmp"
	# a plain TLS reverse proxy: no client certificate asked of the driver; toward hashid
	# it presents shimane-gw's (a configured peer) and keeps upstream connections alive
	cat >"$NGD/nginx.conf" <<NGX
daemon off;
master_process on;
worker_processes auto;
pid $NGD/nginx.pid;
error_log $NGD/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $NGD/tmp/body;
	proxy_temp_path $NGD/tmp/proxy;
	fastcgi_temp_path $NGD/tmp/fastcgi;
	uwsgi_temp_path $NGD/tmp/uwsgi;
	scgi_temp_path $NGD/tmp/scgi;
	keepalive_requests 1000000;
	keepalive_timeout 60s;
	upstream hashi_xca {
		server 127.0.0.1:$P;
		keepalive 128;
		keepalive_requests 1000000;
	}
	server {
		listen 127.0.0.1:$NGPORT ssl;
		ssl_certificate $PKI/nginx-proxy.crt;
		ssl_certificate_key $PKI/nginx-proxy.key;
		ssl_protocols TLSv1.3;
		location /xca {
			proxy_pass https://hashi_xca;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_ssl_certificate $PKI/shimane-gw.crt;
			proxy_ssl_certificate_key $PKI/shimane-gw.key;
			proxy_ssl_trusted_certificate $PKI/ca.crt;
			proxy_ssl_verify on;
			proxy_ssl_name localhost;
			proxy_ssl_protocols TLSv1.3;
			proxy_read_timeout 30s;
		}
	}
}
NGX
	"$NGINX" -p "$NGD" -c "$NGD/nginx.conf" -e "$NGD/error.log" >"$NGD/stdout.log" 2>&1 &
	NGPID=$!
	add_cleanup "kill -TERM $NGPID 2>/dev/null; wait $NGPID 2>/dev/null"
	i=0
	while [ "$i" -lt 50 ] && ! tls_ready "$NGPORT"; do
		kill -0 "$NGPID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if ! tls_ready "$NGPORT"; then
		cat "$NGD/error.log" "$NGD/stdout.log" >&2
		die "nginx did not start on 127.0.0.1:$NGPORT"
	fi
	say "nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'), pid $NGPID, on 127.0.0.1:$NGPORT -> 127.0.0.1:$P/xca"
	code=$(soap_post_ct "https://127.0.0.1:$NGPORT/xca" shimane-ehr "$CT38" "$T/q38.xml" "$T/rng.xml")
	if [ "$code" != 200 ] || ! grep -q "$SUCCESS" "$T/rng.xml"; then
		head -c 2000 "$T/rng.xml" >&2
		cat "$NGD/error.log" >&2
		die "ITI-38 through nginx check: HTTP $code"
	fi
	say "check: P0001 through nginx -> HTTP 200 Success"
	NG=$(load_at nginx "127.0.0.1:$NGPORT" /xca shimane-ehr "$T/q38.tpl" "$SUCCESS" "$CONNS" "$SECS" "$N" P "$HPID")
	good_or_die "ITI-38 through nginx" "$NG"
	report "$NG"
	NGCPU=0
	for w in $NGPID $(pgrep -P "$NGPID"); do
		NGCPU=$((NGCPU + $(cpu_ticks "$w")))
	done
	say "(nginx CPU, master + workers, whole life: $(calc "$NGCPU / $TCK") s; the hashid CPU above is okayama-gw's)"
	kill -TERM "$NGPID" 2>/dev/null
	wait "$NGPID" 2>/dev/null
fi

# ---------------------------------------------------------------------------------------
FAN_N=${BENCH_FAN_PATIENTS:-200}
FAN_SECS=${BENCH_FAN_SECONDS:-3}
step 9/13 "fan-out: tottori's /ig with 1 peer, then 8 peers ($FAN_N patients each), 1 connection, sequential"
. "$HASHI_ROOT/tests/integ/lib_fanout.sh"
FANS="f1 f2 f3 f4 f5 f6 f7 f8"
# eight small regions (a copy of regions.tsv; the generator lends them tottori's place names)
fo_regions "$T/gen" f1:2001:A f2:2002:B f3:2003:C f4:2004:D f5:2005:E f6:2006:F f7:2007:G \
    f8:2008:H || die "fo_regions failed"
PT=$(free_port) || die "no free port"
PT1=$(free_port) || die "no free port"
region_info tottori
TAA=$R_AA
t0=$(now)
for r in $FANS; do
	eval "P_$r=\$(free_port)" || die "no free port"
	region_info "$r" || die "region $r"
	eval "PFX_$r=\$R_PREFIX"
done
fport() { eval "echo \$P_$1"; }
fpfx() { eval "echo \$PFX_$1"; }
JOBS=
for r in $FANS; do
	(
		sh "$T/gen/gen_demo_data.sh" "$T/data-$r" "$r" "$FAN_N" >"$T/gen-$r.log" 2>&1 || exit 1
		write_config "$r-gw" "$(fport "$r")" "$r" peer=tottori-gw@tottori:"$PT" limits.max_connections=4096
		hashictl "$(config_of "$r-gw")" registry import "$T/data-$r" >"$T/import-$r.log" 2>&1
	) &
	JOBS="$JOBS $!"
	# two at a time: the host has few cores (and a bare wait would wait for the hashids)
	case $r in f2 | f4 | f6 | f8) for j in $JOBS; do wait "$j"; done; JOBS= ;; esac
done
FAN_WANT=0
for r in $FANS; do
	[ "$(grep -c stored "$T/import-$r.log")" -eq "$FAN_N" ] || die "registry import $r failed (see $T/import-$r.log, $T/gen-$r.log)"
	start_hashid "$r-gw" "$(config_of "$r-gw")" tottori-gw || die "$r-gw did not start (log: $T/$r-gw.log)"
	FAN_WANT=$((FAN_WANT + $(awk -F '\t' -v p="$(fpfx "$r")0001" '$1 == p' "$T/data-$r/documents.tsv" | wc -l)))
done
t1=$(now)
say "8 regions of $FAN_N patients generated, imported and started in $(calc "$t1 - $t0") s"
F1WANT=$(awk -F '\t' -v p="$(fpfx f1)0001" '$1 == p' "$T/data-f1/documents.tsv" | wc -l)
# fan1: T0001 mapped to f1's patient 1 only; tottori-gw: to patient 1 of each of the 8
write_config tottori-gw "$PT1" tottori local=tottori-ehr peer=f1-gw@f1:"$(fport f1)" map=f1:T0001:"$(fpfx f1)0001"
sed -e "s|$T/tottori-gw.state|$T/fan1.state|" "$(config_of tottori-gw)" >"$T/fan1.yaml"
opts=
for r in $FANS; do
	opts="$opts peer=$r-gw@$r:$(fport "$r") map=$r:T0001:$(fpfx "$r")0001"
done
# shellcheck disable=SC2086
write_config tottori-gw "$PT" tottori local=tottori-ehr $opts
sed -e "s|@AA@|$TAA|" -e 's|@ACTION@|urn:ihe:iti:2007:CrossGatewayQuery|' "$BENCH/iti38-find.xml" >"$T/qfan.tpl"
# fan_run NAME CONFIG PORT EXPECTED: starts the initiating gateway, checks one query, then
# FAN_SECS s of sequential queries on one connection; prints the result line, sets FANPID.
fan_run() {
	start_hashid "$1" "$2" tottori-ehr >&2 || die "$1 did not start (log: $T/$1.log)"
	FANPID=$(pid_of "$1")
	sed -e "s|@TO@|https://127.0.0.1:$3/ig|" "$T/qfan.tpl" >"$T/qfan-$1.tpl"
	sed -e 's/{{PATIENT}}/T0001/' -e 's/{{MESSAGE_ID}}/urn:uuid:6861736b-0000-4000-8000-000000000004/' \
	    "$T/qfan-$1.tpl" >"$T/qfan-$1.xml"
	_fr_code=$(soap_post_ct "https://127.0.0.1:$3/ig" tottori-ehr "$CT38" "$T/qfan-$1.xml" "$T/rfan-$1.xml")
	_fr_n=$(xpath "$T/rfan-$1.xml" "count(//*[local-name()='ExtrinsicObject'])")
	if [ "$_fr_code" != 200 ] || ! grep -q "$SUCCESS" "$T/rfan-$1.xml" || [ "$_fr_n" != "$4" ]; then
		head -c 2000 "$T/rfan-$1.xml" >&2
		die "$1 check: HTTP $_fr_code, $_fr_n documents (expected 200, Success, $4)"
	fi
	load_at "$1" "127.0.0.1:$3" /ig tottori-ehr "$T/qfan-$1.tpl" "$SUCCESS" 1 "$FAN_SECS" 1 T "$FANPID"
}
# fan_cpu: CPU ticks of the eight responding hashids so far.
fan_cpu() {
	_fc=0
	for _fc_r in $FANS; do
		_fc=$((_fc + $(cpu_ticks "$(pid_of "$_fc_r-gw")")))
	done
	echo "$_fc"
}
# fan_floor LINE RTICKS: "CPU per query: initiating X ms + responding Y ms; on NCPU cores >= Z ms"
fan_floor() {
	_ff_q=$(field requests "$1")
	_ff_i=$(calc "$(field cpu_s "$1") * 1000 / $_ff_q")
	_ff_r=$(calc "$2 * 1000 / $TCK / $_ff_q")
	echo "CPU per query: initiating $_ff_i ms + responding $_ff_r ms, so >= $(calc "($_ff_i + $_ff_r) / $(nproc)") ms on $(nproc) cores"
}
FC0=$(fan_cpu)
FAN1=$(fan_run fan1 "$T/fan1.yaml" "$PT1" "$F1WANT")
FC1=$(fan_cpu)
good_or_die "fan-out, 1 peer" "$FAN1"
FAN1PID=$(pid_of fan1)
say "1 peer ($F1WANT documents):"
report "$FAN1"
FLOOR1=$(fan_floor "$FAN1" $((FC1 - FC0)))
say "$FLOOR1"
FC2=$(fan_cpu)
FAN8=$(fan_run tottori-gw "$(config_of tottori-gw)" "$PT" "$FAN_WANT")
FC3=$(fan_cpu)
good_or_die "fan-out, 8 peers" "$FAN8"
FAN8PID=$(pid_of tottori-gw)
say "8 peers ($FAN_WANT documents):"
report "$FAN8"
FLOOR8=$(fan_floor "$FAN8" $((FC3 - FC2)))
say "$FLOOR8"

# peak RSS of every hashid, before they stop
HWM_OK=$(proc_kb "$HPID" VmHWM)
HWM_IG=$(proc_kb "$IGPID" VmHWM)
HWM_F1=$(proc_kb "$FAN1PID" VmHWM)
HWM_F8=$(proc_kb "$FAN8PID" VmHWM)
HWM_R=
for r in $FANS; do
	HWM_R="$HWM_R $(proc_kb "$(pid_of "$r-gw")" VmHWM)"
done

# ---------------------------------------------------------------------------------------
stop_all
MPI_N=${BENCH_MPI_PATIENTS:-1000000}
MPI_NOTE=
step 10/13 "the MPI: tests/bench/mpi.sh with $MPI_N patients"
if [ "$MPI_N" = 0 ]; then
	MPI_NOTE="skipped (BENCH_MPI_PATIENTS=0)"
	say "$MPI_NOTE"
elif BENCH_MPI_PATIENTS=$MPI_N BENCH_MPI_SUMMARY="$T/mpi.sum" sh "$BENCH/mpi.sh" &&
    [ -s "$T/mpi.sum" ]; then
	. "$T/mpi.sum"
else
	MPI_NOTE="tests/bench/mpi.sh failed (see above)"
fi
CONSENT_NOTE=
step 11/13 "consent: tests/bench/consent.sh"
if [ "${BENCH_CONSENT:-1}" = 0 ]; then
	CONSENT_NOTE="skipped (BENCH_CONSENT=0)"
	say "$CONSENT_NOTE"
elif BENCH_CONSENT_SUMMARY="$T/consent.sum" sh "$BENCH/consent.sh" && [ -s "$T/consent.sum" ]; then
	. "$T/consent.sum"
else
	CONSENT_NOTE="tests/bench/consent.sh failed (see above)"
fi
AUDIT_NOTE=
step 12/13 "audit log: tests/bench/audit.sh"
if [ "${BENCH_AUDIT:-1}" = 0 ]; then
	AUDIT_NOTE="skipped (BENCH_AUDIT=0)"
	say "$AUDIT_NOTE"
elif BENCH_AUDIT_SUMMARY="$T/audit.sum" sh "$BENCH/audit.sh" && [ -s "$T/audit.sum" ]; then
	. "$T/audit.sum"
else
	AUDIT_NOTE="tests/bench/audit.sh failed (see above)"
fi
J47_NOTE=
step 13/13 "japan-47: tests/bench/japan47.sh"
if [ "${BENCH_J47:-1}" = 0 ]; then
	J47_NOTE="skipped (BENCH_J47=0)"
	say "$J47_NOTE"
elif BENCH_J47_SUMMARY="$T/j47.sum" sh "$BENCH/japan47.sh" && [ -s "$T/j47.sum" ]; then
	. "$T/j47.sum"
else
	J47_NOTE="tests/bench/japan47.sh failed (see above)"
fi
# mpi_label N: 1000000 -> 1M, 100000 -> 100k, else N.
mpi_label() {
	case $1 in
	*000000) echo "${1%000000}M" ;;
	*000) echo "${1%000}k" ;;
	*) echo "$1" ;;
	esac
}
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
echo "----------------------------------------------------------------------------------------------"
printf ' %-44s %10s %9s %9s %11s\n' "ITI-38 via /ig initiating gw ($CONNS conns)" "$(field rps "$IG")" \
    "$(field p50_ms "$IG")" "$(field p99_ms "$IG")" "$(calc "$(field cpu_s "$IG") * 100 / $(field seconds "$IG")")%"
if [ -n "$NG" ]; then
	printf ' %-44s %10s %9s %9s %11s\n' "ITI-38 /xca through nginx ($CONNS conns)*" "$(field rps "$NG")" \
	    "$(field p50_ms "$NG")" "$(field p99_ms "$NG")" "$(calc "$(field cpu_s "$NG") * 100 / $(field seconds "$NG")")%"
fi
[ -n "$NG" ] && echo " * hashid CPU: the responding okayama-gw behind nginx; for the /ig rows: the initiating gateway"
printf ' %-44s %10s %9s %9s %11s\n' "fan-out /ig, 1 peer (1 conn, sequential)" "$(field rps "$FAN1")" \
    "$(field p50_ms "$FAN1")" "$(field p99_ms "$FAN1")" "$(calc "$(field cpu_s "$FAN1") * 100 / $(field seconds "$FAN1")")%"
printf ' %-44s %10s %9s %9s %11s\n' "fan-out /ig, 8 peers (1 conn, sequential)" "$(field rps "$FAN8")" \
    "$(field p50_ms "$FAN8")" "$(field p99_ms "$FAN8")" "$(calc "$(field cpu_s "$FAN8") * 100 / $(field seconds "$FAN8")")%"
echo "----------------------------------------------------------------------------------------------"
printf ' %-44s %-22s %-14s %s\n' "ratio" "figure" "target" "verdict"
printf ' %-44s %-22s %-14s %s\n' "initiating gw / direct /xca, req/s" "$(calc "$(field rps "$IG") / $QR")" "-" "(cost of the extra hop)"
printf ' %-44s %-22s %-14s %s\n' "via /ig with audit / without, req/s" "$AUDIT_IG_RATIO" "-" \
    "(audited $(field rps "$IG"), unaudited $(field rps "$IGU") req/s; p99 $(field p99_ms "$IG") vs $(field p99_ms "$IGU") ms)"
if [ -n "$NG" ]; then
	R_NG=$(calc "$(field rps "$IG") / $(field rps "$NG")")
	printf ' %-44s %-22s %-14s %s\n' "initiating gw / nginx proxy, req/s" "$R_NG" ">= 0.5" "$(verdict "$(calc "$R_NG >= 0.5")")"
	printf ' %-44s %-22s %-14s %s\n' "nginx proxy / direct /xca, req/s" "$(calc "$(field rps "$NG") / $QR")" "-" ""
else
	printf ' %-44s %-22s %-14s %s\n' "initiating gw / nginx proxy, req/s" "-" ">= 0.5" "not measured: $NGINX_NOTE"
fi
R_F50=$(calc "$(field p50_ms "$FAN8") / $(field p50_ms "$FAN1")")
R_F99=$(calc "$(field p99_ms "$FAN8") / $(field p99_ms "$FAN1")")
printf ' %-44s %-22s %-14s %s\n' "fan-out latency 8 peers / 1 peer, p50" "$R_F50" "< 2" "$(verdict "$(calc "$R_F50 < 2")")"
printf ' %-44s %-22s %-14s %s\n' "fan-out latency 8 peers / 1 peer, p99" "$R_F99" "< 2" "$(verdict "$(calc "$R_F99 < 2")")"
printf ' %-44s %s\n' "fan-out, 1 peer" "$FLOOR1"
printf ' %-44s %s\n' "fan-out, 8 peers" "$FLOOR8"
echo "  (all nine hashids and the driver share this host's cores: 8-peer latency here includes"
echo "   waiting for CPU, which peers on their own hosts would not)"
echo "----------------------------------------------------------------------------------------------"
printf ' %-44s %s\n' "peak RSS (VmHWM) okayama-gw (responding)" "$HWM_OK kB since the HWM $R1 before ITI-43 (ITI-41 peak $HWM41 kB)"
printf ' %-44s %s\n' "peak RSS shimane-gw (initiating, 1 peer)" "$HWM_IG kB"
printf ' %-44s %s\n' "peak RSS fan1 / tottori-gw (IG 1 / 8 peers)" "$HWM_F1 / $HWM_F8 kB"
printf ' %-44s %s\n' "peak RSS f1..f8-gw (responding, $FAN_N pat.)" "$(echo "${HWM_R# }" | tr ' ' '/') kB"
echo "----------------------------------------------------------------------------------------------"
if [ -n "$MPI_NOTE" ]; then
	printf ' %-44s %s\n' "MPI (issue 4)" "$MPI_NOTE"
else
	MPI_LU=$(field lookup_rps "$MPI_MB")
	MPI_DM=$(field find_rps "$MPI_MB")
	printf ' %-44s %s\n' "MPI import $(mpi_label "$MPI_N") patients" "$MPI_IMPORT"
	printf ' %-44s %s\n' "MPI LMDB size" "$MPI_SIZE"
	printf ' %-44s %-22s %-14s %s\n' "MPI id lookups/s (1 core)" "$MPI_LU" ">= 1000000" \
	    "$(verdict "$(calc "$MPI_LU >= 1000000")") (CX ids: $(field lookup_cx_rps "$MPI_MB")/s)"
	printf ' %-44s %s\n' "MPI pid+HCID lookups/s" \
	    "$(field remote_rps "$MPI_MB") over $(field linked "$MPI_MB") links (mpi_link: $(field link_rps "$MPI_MB")/s, one synced transaction each)"
	printf ' %-44s %-22s %-14s %s\n' "MPI demographic matches/s" "$MPI_DM" ">= 50000" \
	    "$(verdict "$(calc "$MPI_DM >= 50000")") (near misses: $(field near_rps "$MPI_MB")/s; $(field find_cands "$MPI_MB") patients examined per query)"
	printf ' %-44s %10s %9s %9s %11s\n' "XCPD responder /xca ($CONNS conns), by id" "$(field rps "$MPI_XID")" \
	    "$(field p50_ms "$MPI_XID")" "$(field p99_ms "$MPI_XID")" "$(calc "$(field cpu_s "$MPI_XID") * 100 / $(field seconds "$MPI_XID")")%"
	printf ' %-44s %10s %9s %9s %11s\n' "XCPD responder /xca ($CONNS conns), demog.*" "$(field rps "$MPI_XDEM")" \
	    "$(field p50_ms "$MPI_XDEM")" "$(field p99_ms "$MPI_XDEM")" "$(calc "$(field cpu_s "$MPI_XDEM") * 100 / $(field seconds "$MPI_XDEM")")%"
	echo " * XCPD by id: livingSubjectId in our assigning authority, a random patient each time; demog.: one"
	echo "   patient's name, kana, birth, sex and address, the same query every time (hashi-load sends one body)"
fi
echo "----------------------------------------------------------------------------------------------"
if [ -n "$CONSENT_NOTE" ]; then
	printf ' %-44s %s\n' "consent (issue 5)" "$CONSENT_NOTE"
else
	CON_DR=$(field decide_rps "$CONSENT_CB")
	printf ' %-44s %-22s %-14s %s\n' "consent verifications/s (registration)" \
	    "$(field register_rps "$CONSENT_CB") = $CONSENT_R_REG x" ">= 0.3" \
	    "$(verdict "$(calc "$CONSENT_R_REG >= 0.3")") (openssl rsa2048 verify/s $CONSENT_RSA_V; jpki_verify alone $(field verify_rps "$CONSENT_CB")/s = $CONSENT_R_VER x)"
	printf ' %-44s %-22s %-14s %s\n' "consent decisions/s (1 core)" "$CON_DR" ">= 500000" \
	    "$(verdict "$(calc "$CON_DR >= 500000")") (decide_r: $(field decide_r_rps "$CONSENT_CB")/s; $(field decide_consents "$CONSENT_CB") consents of $(field decide_patients "$CONSENT_CB") patients, $CONSENT_DMIB MiB)"
fi
echo "----------------------------------------------------------------------------------------------"
if [ -n "$AUDIT_NOTE" ]; then
	printf ' %-44s %s\n' "audit log (issue 6)" "$AUDIT_NOTE"
else
	AU64=$(field a64_log "$AUDIT_AB")
	AU256=$(field a256_log "$AUDIT_AB")
	AUVER=$(field verify_s "$AUDIT_AB")
	printf ' %-44s %-22s %-14s %s\n' "audit appends/s, 64 | 256 per commit" "$AU64 | $AU256" ">= 50000" \
	    "$(verdict "$(calc "$AU64 >= 50000 && $AU256 >= 50000")") (/ raw LMDB puts + index: $(calc "$AU64 / $(field a64_idx "$AUDIT_AB")") | $(calc "$AU256 / $(field a256_idx "$AUDIT_AB")"); fdatasync $(field sync64_ms "$AUDIT_AB") | $(field sync256_ms "$AUDIT_AB") ms a commit)"
	printf ' %-44s %-22s %-14s %s\n' "audit verify, $(mpi_label "$AUDIT_N") records" "$AUVER s" "<= 10 s" \
	    "$(verdict "$(calc "$AUVER <= 10")") (leaf hashes alone $(field scan_s "$AUDIT_AB") s; hashictl: $AUDIT_CLI)"
	printf ' %-44s %s\n' "audit log on disk, inclusion proof" \
	    "$(calc "int($(field disk_bytes "$AUDIT_AB") / $AUDIT_N)") B a record ($AUDIT_FS); proof $(field incl_max "$AUDIT_AB") hashes, $(field incl_us "$AUDIT_AB") + $(field inclv_us "$AUDIT_AB") us"
	[ -n "$AUDIT_FS_NOTE" ] && printf ' NOTE: %s\n' "$AUDIT_FS_NOTE"
fi
echo "----------------------------------------------------------------------------------------------"
if [ -n "$J47_NOTE" ]; then
	printf ' %-44s %s\n' "japan-47 (issue 8)" "$J47_NOTE"
else
	printf ' %-44s %s\n' "japan-47: start of 47 gateways" \
	    "$(calc "$(field start_ms "$J47_JB") / 1000") s, one after the other (each p50 $(field start_p50_ms "$J47_JB") ms)"
	printf ' %-44s %-22s %-14s %s\n' "japan-47: VmRSS of the 47 gateways" "$J47_RSS_MIB MiB = $J47_R_MEM x" \
	    "< 1536 MiB" "$(verdict "$(field met "$J47_JB")") ($J47_PER_GW MiB a gateway; Pss $(calc "$(field pss_kb "$J47_JB") / 1024") MiB)"
	printf ' %-44s %10s %9s %9s\n' "japan-47 fan-out (a) 3 prefectures, cached" "" \
	    "$(field a_p50_ms "$J47_JB")" "$(field a_p99_ms "$J47_JB")"
	printf ' %-44s %10s %9s %9s\n' "japan-47 fan-out (b) none cached (46 XCPD)" "" \
	    "$(field b_p50_ms "$J47_JB")" "$(field b_p99_ms "$J47_JB")"
	printf ' %-44s %s\n' "japan-47 fan-out ratios" \
	    "(a)/(b) p50 $J47_R_AB50, p99 $J47_R_AB99; (a)/base $J47_R_A, (b)/base $J47_R_B (base: nobody asked, $(field base_p50_ms "$J47_JB") ms)"
fi
[ -n "$NAGLE" ] && printf ' NOTE: %s\n' "$NAGLE"
echo "=============================================================================================="
exit 0
