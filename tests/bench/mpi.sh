#!/bin/sh
# tests/bench/mpi.sh: the MPI part of `make bench` (issue 4). Prints figures, not pass/fail.
# run.sh runs it last; on its own: BUILD=build sh tests/bench/mpi.sh.
#
#   1. BENCH_MPI_PATIENTS (default 1000000) synthetic patients from tests/bench/gen_patients.c
#      (Japanese names in kanji and kana, all 47 prefectures, some half-width kana, old kanji
#      and 丁目/番地 address forms; pids P0001.. in okayama's assigning authority).
#   2. `hashictl mpi import` of them: seconds, patients/s, LMDB size.
#   3. tests/bench/mpi_bench.c on that MPI, one thread: pid -> summary lookups through the batch
#      reader (target >= 1,000,000/s on one core); 10 % of the patients linked to shimane, with
#      mpi_link (one synced write transaction each, as an XCPD feed) for BENCH_MPI_LINK_SECONDS
#      (10) and the rest in one mpi_import_xref; pid + HCID -> remote id lookups; demographic
#      matches with mpi_find for random patients' own demographics and for near misses
#      (another address) (target >= 50,000/s), the LMDB file's real size.
#   4. one hashid (okayama-gw) with that MPI, its XCPD responding gateway (ITI-55 at /xca) driven
#      by hashi-load as the peer shimane-gw, BENCH_CONNS (64) keep-alive connections for
#      BENCH_SECONDS (10) s each: (a) a livingSubjectId in okayama's assigning authority, a
#      random patient of the N each time (the shared-identifier path); (b) the demographics
#      of one patient, the same for every request: hashi-load sends one body and substitutes
#      only an id, so the demographic path is measured on one query (its index pages stay
#      hot, so the figure is an upper bound for varied queries; 3 gives the store's cost of
#      varied ones). Requests/s, p50, p99, hashid CPU. wrk cannot present the client
#      certificate hashid requires; hashi-load (tests/bench/load.c) can.
#
# BENCH_MPI_SUMMARY=FILE: also write the figures as shell assignments to FILE (run.sh reads
# them for its summary table, and this script then prints no table of its own).
# Everything lives in a temp dir removed at the end (HASHI_KEEP=1 keeps it); with the default
# million patients it needs ~1.2 GB of disk for a moment and takes about a minute on 2 cores.
set -u
HASHI_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$HASHI_ROOT/tests/integ/lib.sh"

N=${BENCH_MPI_PATIENTS:-1000000}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
LINK_SECS=${BENCH_MPI_LINK_SECONDS:-10}
OUT=${BENCH_MPI_SUMMARY:-}
BENCH=$HASHI_ROOT/tests/bench
LOAD=$BUILD_DIR/bench/hashi-load
GEN=$BUILD_DIR/bench/gen_patients
MPIB=$BUILD_DIR/bench/mpi_bench

# the helpers of run.sh (this script runs as its own process)
say() { printf '  %s\n' "$*"; }
step() { printf '\n[mpi %s] %s\n' "$1" "$2"; }
die() {
	printf '\nbench (mpi): %s\n' "$*" >&2
	[ -n "$HASHI_TMP" ] && printf 'bench (mpi): logs in %s (kept)\n' "$HASHI_TMP" >&2
	HASHI_KEEP=1
	exit 1
}
now() { date +%s.%N; }
calc() { awk "BEGIN { v = $1; if (v == int(v)) printf \"%d\", v; else printf \"%.2f\", v }"; }
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)

case $N in '' | *[!0-9]*) die "BENCH_MPI_PATIENTS must be a number" ;; esac
if [ "$N" -lt 1 ] || [ "$N" -gt 99999999 ]; then
	die "BENCH_MPI_PATIENTS must be 1..99999999"
fi
for tool in curl openssl xmllint pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (sh deploy/deps.sh)"
done
if [ ! -x "$HASHID" ] || [ ! -x "$HASHICTL" ]; then
	die "$HASHID / $HASHICTL not built (make BUILD=$BUILD all)"
fi

# ---------------------------------------------------------------------------------------
step 1/5 "programs: gen_patients, mpi_bench (Makefile bench rule), hashi-load"
# (the targets as the Makefile names them: $(BUILD)/bench/..., BUILD as given)
make -s -C "$HASHI_ROOT" BUILD="$BUILD" "$BUILD/bench/gen_patients" "$BUILD/bench/mpi_bench" >/dev/null ||
    die "cannot build $GEN and $MPIB (make BUILD=$BUILD bench builds them)"
if [ ! -x "$LOAD" ]; then
	# as run.sh's step 1, when this script runs on its own
	mkdir -p "$BUILD_DIR/bench"
	# shellcheck disable=SC2046
	${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wcast-qual \
	    -Wformat=2 -Wvla -Wmissing-prototypes -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
	    -o "$LOAD" "$BENCH/load.c" $(pkg-config --cflags --libs libevent_openssl libevent openssl) -lm ||
	    die "cannot build the load driver"
fi
say "$GEN, $MPIB, $LOAD"

# ---------------------------------------------------------------------------------------
step 2/5 "$N synthetic patients (tests/bench/gen_patients.c)"
mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw
P=$(free_port) || die "no free port"
PEERPORT=$(free_port) || die "no free port"
region_info shimane
S_OID=${R_HCID#urn:oid:}
region_info okayama
AA=$R_AA
O_OID=${R_HCID#urn:oid:}
# ~1 KiB per patient with its indexes and a link: 4 GiB covers the default million twice
MAPMIB=$((N / 250))
[ "$MAPMIB" -ge 4096 ] || MAPMIB=4096
write_config okayama-gw "$P" okayama peer=shimane-gw@shimane:"$PEERPORT" mpi.map_size="${MAPMIB}MiB" \
    limits.max_connections=4096 timeouts.request=30s timeouts.read=30s
CONF=$(config_of okayama-gw)
MPIDIR=$T/okayama-gw.state/mpi
t0=$(now)
"$GEN" -n "$N" -a "$AA" -x P >"$T/patients.csv" || die "gen_patients failed"
t1=$(now)
GEN_S=$(calc "$t1 - $t0")
say "$N patients, $(($(wc -c <"$T/patients.csv") / 1048576)) MiB of CSV in $GEN_S s; the first three:"
sed -n '2,4p' "$T/patients.csv" | sed 's/^/    /'

# ---------------------------------------------------------------------------------------
step 3/5 "hashictl mpi import"
t0=$(now)
hashictl "$CONF" mpi import "$T/patients.csv" >"$T/import.log" 2>&1 || { tail -n 20 "$T/import.log" >&2; die "mpi import failed"; }
t1=$(now)
IMP_S=$(calc "$t1 - $t0")
IMP_PPS=$(calc "int($N / ($t1 - $t0))")
grep -q ": $N rows: $N added" "$T/import.log" || { cat "$T/import.log" >&2; die "mpi import did not add $N patients"; }
DISK=$(($(stat -c %b "$MPIDIR/data.mdb") * $(stat -c %B "$MPIDIR/data.mdb")))
IMP_MIB=$(calc "$DISK / 1048576")
say "$(cat "$T/import.log")"
say "imported in $IMP_S s: $IMP_PPS patients/s; data.mdb $IMP_MIB MiB on disk ($(calc "$DISK / $N") bytes per patient)"
# the demographic query of 4b: the first patient written plainly (no variant), so that the
# query is what a peer would send for them
# (full-width katakana U+30A1..U+30FC, matched bytewise: E3 82 A1..BF, E3 83 80..BC)
DEMOG=$(LC_ALL=C awk -F, 'NR > 1 && $5 ~ /^(\xe3\x82[\xa1-\xbf]|\xe3\x83[\x80-\xbc])+$/ &&
    $7 ~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/ && ($8 == "M" || $8 == "F") &&
    $9 ~ /^[0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]$/ { print; exit }' "$T/patients.csv")
[ -n "$DEMOG" ] || die "no plainly written patient in the first rows of $T/patients.csv"
rm -f "$T/patients.csv"

# ---------------------------------------------------------------------------------------
step 4/5 "mpi_bench: the store on one thread (tests/bench/mpi_bench.c)"
"$MPIB" -d "$MPIDIR" -a "$AA" -n "$N" -x P -m "$MAPMIB" -T "$LINK_SECS" -X "$T/xref.csv" >"$T/mpi_bench.out" 2>"$T/mpi_bench.err"
rc=$?
grep -v '^mpi_bench: ' "$T/mpi_bench.out"
[ "$rc" -eq 0 ] || { cat "$T/mpi_bench.err" >&2; die "mpi_bench failed (status $rc)"; }
MB=$(sed -n 's/^mpi_bench: //p' "$T/mpi_bench.out")
[ -n "$MB" ] || die "mpi_bench printed no result line"
[ "$(field find_auto "$MB")" = "$(field queries "$MB")" ] ||
    say "NOTE: $(field find_auto "$MB") of $(field queries "$MB") strict queries found their patient AUTO"

# ---------------------------------------------------------------------------------------
step 5/5 "XCPD responding gateway: ITI-55 at okayama-gw's /xca as shimane-gw, $CONNS conns, $SECS s"
start_hashid okayama-gw "$CONF" shimane-gw || die "hashid did not start (log: $T/okayama-gw.log)"
HPID=$(pid_of okayama-gw)
say "hashid pid $HPID on 127.0.0.1:$P, MPI of $N patients, VmRSS $(awk '$1 == "VmRSS:" { print $2 }' "/proc/$HPID/status") kB"
ACT55=urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery
CT55="application/soap+xml; charset=UTF-8; action=\"$ACT55\""
OKQ='queryResponseCode code="OK"'
X_PID="//*[local-name()='registrationEvent']/*[local-name()='subject1']/*[local-name()='patient']/*[local-name()='id']/@extension"
# fill55 KEEP OUT: the template with the @NAME@ values and only the KEEP parameter set
fill55() {
	IFS=, read -r d_pid _ d_fam d_giv d_kfam d_kgiv d_birth d_sex d_postal d_addr _ <<EOF
$DEMOG
EOF
	D_PID=${d_pid%%^*}
	case $1 in id) _f_drop=demog ;; *) _f_drop=id ;; esac
	sed -e "s|@TO@|https://127.0.0.1:$P/xca|" -e "s|@SENDER@|$S_OID|g" -e "s|@RECEIVER@|$O_OID|g" \
	    -e "s|@AA@|$AA|" -e "s|@GENDER@|$d_sex|" -e "s|@BIRTH@|$d_birth|" -e "s|@FAMILY@|$d_fam|" \
	    -e "s|@GIVEN@|$d_giv|" -e "s|@KFAMILY@|$d_kfam|" -e "s|@KGIVEN@|$d_kgiv|" \
	    -e "s|@ADDRESS@|$d_addr|" -e "s|@POSTAL@|$d_postal|" \
	    -e "/<!--$_f_drop{-->/,/<!--}$_f_drop-->/d" "$BENCH/iti55-query.xml" >"$2"
}
# check55 NAME TEMPLATE PATIENT WANT: one request by hand; the answer must be OK for WANT.
check55() {
	sed -e "s/{{PATIENT}}/$3/" -e "s/{{MESSAGE_ID}}/urn:uuid:6861736b-0000-4000-8000-0000000000$1/" \
	    "$2" >"$T/c$1.xml"
	_c_code=$(soap_post_ct "https://127.0.0.1:$P/xca" shimane-gw "$CT55" "$T/c$1.xml" "$T/r$1.xml")
	_c_pid=$(xpath "$T/r$1.xml" "string($X_PID)")
	if [ "$_c_code" != 200 ] || ! grep -q "$OKQ" "$T/r$1.xml" || [ "$_c_pid" != "$4" ]; then
		head -c 2000 "$T/r$1.xml" >&2
		die "ITI-55 check $1: HTTP $_c_code, patient '$_c_pid' (expected 200, OK, $4)"
	fi
	say "check: HTTP 200, queryResponseCode OK, patient $_c_pid; request $(wc -c <"$T/c$1.xml") B, response $(wc -c <"$T/r$1.xml") B"
}
# load55 NAME TEMPLATE: hashi-load as shimane-gw; prints its result line plus cpu_s=.
load55() {
	_l_c0=$(cpu_ticks "$HPID")
	_l_out=$("$LOAD" -u "127.0.0.1:$P" -P /xca -t "$CT55" -b "$2" -C "$PKI/shimane-gw.crt" \
	    -K "$PKI/shimane-gw.key" -A "$PKI/ca.crt" -c "$CONNS" -d "$SECS" -k 1 -n "$N" -x P \
	    -s 200 -m "$OKQ" 2>"$T/load-$1.err")
	_l_rc=$?
	_l_c1=$(cpu_ticks "$HPID")
	if [ "$_l_rc" -ne 0 ] || [ -z "$_l_out" ]; then
		cat "$T/load-$1.err" >&2
		die "hashi-load $1 failed (status $_l_rc)"
	fi
	[ -s "$T/load-$1.err" ] && sed 's/^/  | /' "$T/load-$1.err" | head -n 5 >&2
	printf '%s cpu_s=%s\n' "$_l_out" "$(calc "($_l_c1 - $_l_c0) / $TCK")"
}
report() {
	say "$(field requests "$1") requests ($(field bad "$1") not OK, $(field errors "$1") errors) in $(field seconds "$1") s:" \
	    "$(field rps "$1") req/s, p50 $(field p50_ms "$1") ms, p99 $(field p99_ms "$1") ms, max $(field max_ms "$1") ms," \
	    "hashid CPU $(field cpu_s "$1") s"
	if [ "$(field bad "$1")" -ne 0 ] || [ "$(field errors "$1")" -ne 0 ]; then
		die "not every answer was OK (see $T/okayama-gw.log)"
	fi
}
fill55 id "$T/q55id.tpl"
fill55 demog "$T/q55demog.tpl"
say "(a) shared identifier: livingSubjectId = a random P0001..P$(printf '%04d' "$N") in okayama's assigning authority"
check55 01 "$T/q55id.tpl" P0001 P0001
XID=$(load55 id "$T/q55id.tpl")
report "$XID"
say "(b) demographics of one patient ($D_PID: $d_fam $d_giv $d_kfam $d_kgiv $d_birth $d_sex $d_postal $d_addr), every request the same"
check55 02 "$T/q55demog.tpl" P0000 "$D_PID"
XDEM=$(load55 demog "$T/q55demog.tpl")
report "$XDEM"
stop_all

# ---------------------------------------------------------------------------------------
DISK_MIB=$(calc "$(field disk_bytes "$MB") / 1048576")
USED_MIB=$(calc "$(field used_bytes "$MB") / 1048576")
if [ -n "$OUT" ]; then
	{
		echo "MPI_N='$N'"
		echo "MPI_IMPORT='$IMP_S s, $IMP_PPS patients/s'"
		echo "MPI_SIZE='$DISK_MIB MiB on disk ($(calc "$(field disk_bytes "$MB") / $N") B/patient), $USED_MIB MiB used, $(field correlations "$MB") links'"
		echo "MPI_MB='$MB'"
		echo "MPI_XID='$XID'"
		echo "MPI_XDEM='$XDEM'"
	} >"$OUT"
	exit 0
fi
echo
echo "----------------------------------------------------------------------------------------------"
printf ' %-44s %s\n' "MPI import $N patients" "$IMP_S s, $IMP_PPS patients/s"
printf ' %-44s %s\n' "MPI LMDB size" "$DISK_MIB MiB on disk, $USED_MIB MiB used ($(field correlations "$MB") links)"
printf ' %-44s %s\n' "MPI id lookups/s (1 core)" "$(field lookup_rps "$MB") (CX ids $(field lookup_cx_rps "$MB")); target >= 1000000"
printf ' %-44s %s\n' "MPI pid+HCID lookups/s" "$(field remote_rps "$MB") over $(field linked "$MB") links"
printf ' %-44s %s\n' "MPI mpi_link (1 synced transaction each)" "$(field link_rps "$MB") links/s"
printf ' %-44s %s\n' "MPI demographic matches/s" "$(field find_rps "$MB") strict, $(field near_rps "$MB") near miss; target >= 50000"
printf ' %-44s %s\n' "XCPD responder /xca ($CONNS conns), by id" "$(field rps "$XID") req/s, p50 $(field p50_ms "$XID") ms, p99 $(field p99_ms "$XID") ms"
printf ' %-44s %s\n' "XCPD responder /xca ($CONNS conns), demog." "$(field rps "$XDEM") req/s, p50 $(field p50_ms "$XDEM") ms, p99 $(field p99_ms "$XDEM") ms"
echo "----------------------------------------------------------------------------------------------"
exit 0
