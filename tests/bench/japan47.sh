#!/bin/sh
# tests/bench/japan47.sh: the japan-47 part of `make bench` (issue 8). Prints figures, not
# pass/fail. run.sh runs it as a step of its own; on its own:
# BUILD=build sh tests/bench/japan47.sh (after make BUILD=build all).
#
# tests/bench/j47_bench.c on tests/scenarios/japan-47.yaml (47 prefectures, one real hashid
# each on this machine, every other region a peer of each):
#   1. the federation made with gateway/scn_fed and loaded as `hashictl scenario run` loads
#      it (patients with hashictl mpi import, consents with hashictl consent add, documents
#      with ITI-41); the 47 gateways started one after the other, each start timed;
#   2. memory: the sum of VmRSS of the 47 hashid processes (target < BENCH_J47_TARGET_MIB,
#      1536 MiB = 1.5 GiB, about 32 MiB a gateway), with RssAnon, RssFile and Pss (shared
#      library pages counted once); after the start, after the documents, after the queries;
#   3. national fan-out from tokyo as its local EHR, BENCH_J47_QUERIES (100) sequential
#      queries per mode, each on a new TLS connection to tokyo's /ig (as the runner sends
#      them), every answer checked, the peers asked counted from its Server-Timing header:
#        base  an id tokyo's MPI does not know: nobody is asked (the EHR -> gateway cost);
#        (a)   tokyo/P0001, known in aomori and miyagi too, after a first query linked him:
#              ITI-38 to the 2 linked prefectures, and XCPD again to the 44 others;
#        (b)   a fresh patient of tokyo each query, known nowhere else: XCPD to all 46;
#        (b')  one such patient, every time: shows that nothing is cached;
#   4. every gateway stopped (timed), and none left: the script also stops, by PID, any
#      process still running from its run directory, and then fails.
#
# Ratios compare figures of this run only. The run directory is under TMPDIR (the gateways'
# LMDB stores commit durably: on tmpfs the figures are lower). About 40 s with the defaults
# on 2 cores; ~120 MB of disk for a moment.
# BENCH_J47_SUMMARY=FILE: also write the figures as shell assignments to FILE (run.sh reads
# them for its summary table, and this script then prints no table of its own).
# Everything lives in a temp dir removed at the end (HASHI_KEEP=1 keeps it).
set -u
HASHI_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$HASHI_ROOT/tests/integ/lib.sh"

NQ=${BENCH_J47_QUERIES:-100}
TARGET=${BENCH_J47_TARGET_MIB:-1536}
OUT=${BENCH_J47_SUMMARY:-}
JB=$BUILD_DIR/bench/j47_bench
SCN=$HASHI_ROOT/tests/scenarios/japan-47.yaml

say() { printf '  %s\n' "$*"; }
step() { printf '\n[japan-47 %s] %s\n' "$1" "$2"; }
die() {
	printf '\nbench (japan-47): %s\n' "$*" >&2
	[ -n "$HASHI_TMP" ] && printf 'bench (japan-47): logs in %s (kept)\n' "$HASHI_TMP" >&2
	HASHI_KEEP=1	# read by lib.sh at exit
	export HASHI_KEEP
	exit 1
}
calc() { awk "BEGIN { v = $1; if (v == int(v)) printf \"%d\", v; else printf \"%.2f\", v }"; }
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "NOT met"; fi; }

# leftovers DIR: the PIDs of processes whose command line names a path under DIR.
leftovers() {
	for _lo in /proc/[0-9]*; do
		# a process may end between the glob and the read: its error is no finding
		{ tr '\0' '\n' <"$_lo/cmdline"; } 2>/dev/null | grep -q "^$1/" && echo "${_lo#/proc/}"
	done
}
# stop_leftovers DIR: SIGTERM (then SIGKILL) to each of them, by PID; prints how many.
stop_leftovers() {
	_sl=$(leftovers "$1")
	[ -n "$_sl" ] || { echo 0; return; }
	# shellcheck disable=SC2086
	kill $_sl 2>/dev/null
	sleep 1
	# shellcheck disable=SC2086
	kill -9 $_sl 2>/dev/null
	echo "$_sl" | wc -w
}

case $NQ in '' | *[!0-9]*) die "BENCH_J47_QUERIES must be a number" ;; esac
case $TARGET in '' | *[!0-9]*) die "BENCH_J47_TARGET_MIB must be a number" ;; esac
# 3 N + 1 national queries write ~160 KB each to tokyo's audit log (a 256 MiB map in a run)
if [ "$NQ" -lt 1 ] || [ "$NQ" -gt 500 ]; then die "BENCH_J47_QUERIES must be 1..500"; fi
if [ ! -x "$HASHID" ] || [ ! -x "$HASHICTL" ]; then
	die "$HASHID / $HASHICTL not built (make BUILD=$BUILD all)"
fi
[ -f "$SCN" ] || die "$SCN not found"

# ---------------------------------------------------------------------------------------
step 1/1 "j47_bench (tests/bench/j47_bench.c): 47 gateways, memory, national fan-out ($NQ queries a mode)"
make -s -C "$HASHI_ROOT" BUILD="$BUILD" "$BUILD/bench/j47_bench" >/dev/null ||
    die "cannot build $JB (make BUILD=$BUILD bench builds it)"
mk_tmp
T=$HASHI_TMP
RUN=$T/run
# shellcheck disable=SC2016 # expanded at exit
add_cleanup 'stop_leftovers "$RUN" >/dev/null'
# the loader refuses a scenario file others may write: a private copy
if ! cp "$SCN" "$T/japan-47.yaml" || ! chmod 600 "$T/japan-47.yaml"; then
	die "cannot copy $SCN"
fi
say "run directory on $(df -P "$T" | awk 'NR == 2 { print $1 }') ($(df -T "$T" | awk 'NR == 2 { print $2 }')), $(nproc) CPU(s)"
"$JB" -s "$T/japan-47.yaml" -d "$RUN" -D "$HASHID" -C "$HASHICTL" -n "$NQ" -T "$TARGET" \
    >"$T/j47_bench.out" 2>"$T/j47_bench.err"
rc=$?
grep -v '^j47_bench: ' "$T/j47_bench.out"
left=$(stop_leftovers "$RUN")
[ "$left" -eq 0 ] || die "$left process(es) of the run were still running (stopped now)"
[ "$rc" -eq 0 ] || { cat "$T/j47_bench.err" >&2; die "j47_bench failed (status $rc)"; }
R=$(sed -n 's/^j47_bench: //p' "$T/j47_bench.out")
[ -n "$R" ] || die "j47_bench printed no result line"

# ratios of this run's figures
RSS_MIB=$(calc "$(field rss_kb "$R") / 1024")
PER_GW=$(calc "$(field rss_kb "$R") / 1024 / $(field regions "$R")")
R_MEM=$(calc "$(field rss_kb "$R") / $(field target_kb "$R")")
R_A=$(calc "$(field a_p50_ms "$R") / $(field base_p50_ms "$R")")
R_B=$(calc "$(field b_p50_ms "$R") / $(field base_p50_ms "$R")")
R_AB50=$(calc "$(field a_p50_ms "$R") / $(field b_p50_ms "$R")")
R_AB99=$(calc "$(field a_p99_ms "$R") / $(field b_p99_ms "$R")")
R_REP=$(calc "$(field rep_p50_ms "$R") / $(field b_p50_ms "$R")")
if [ -n "$OUT" ]; then
	{
		echo "J47_JB='$R'"
		echo "J47_RSS_MIB='$RSS_MIB'"
		echo "J47_PER_GW='$PER_GW'"
		echo "J47_R_MEM='$R_MEM'"
		echo "J47_R_A='$R_A'"
		echo "J47_R_B='$R_B'"
		echo "J47_R_AB50='$R_AB50'"
		echo "J47_R_AB99='$R_AB99'"
		echo "J47_R_REP='$R_REP'"
	} >"$OUT"
	exit 0
fi
echo
echo "----------------------------------------------------------------------------------------------"
printf ' %-44s %s\n' "japan-47: start of $(field regions "$R") gateways" \
    "$(calc "$(field start_ms "$R") / 1000") s, one after the other (each p50 $(field start_p50_ms "$R") ms, max $(field start_max_ms "$R") ms)"
printf ' %-44s %s\n' "japan-47: load (as hashictl scenario run)" \
    "PKIs $(field fed_new_ms "$R") ms, patients + consents $(field patients_ms "$R") ms, documents $(field docs_ms "$R") ms"
printf ' %-44s %-22s %-14s %s\n' "japan-47: VmRSS of all gateways" "$RSS_MIB MiB = $R_MEM x" \
    "< $TARGET MiB" "$(verdict "$(field met "$R")") ($PER_GW MiB a gateway, largest $(calc "$(field rss_max_kb "$R") / 1024") MiB; Pss $(calc "$(field pss_kb "$R") / 1024") MiB, anon $(calc "$(field anon_kb "$R") / 1024") MiB)"
printf ' %-44s %s\n' "japan-47: idle federation CPU" "$(field idle_cpu_pct "$R")% of one core"
printf ' %-44s %9s %9s %s\n' "japan-47: fan-out from tokyo ($(field queries "$R") each)" "p50 ms" "p99 ms" "peers asked per query"
printf ' %-44s %9s %9s %s\n' "  base: unknown patient, nobody asked" "$(field base_p50_ms "$R")" "$(field base_p99_ms "$R")" "0"
printf ' %-44s %9s %9s %s\n' "  (a) known in 3 prefectures, links cached" "$(field a_p50_ms "$R")" "$(field a_p99_ms "$R")" \
    "XCPD $(field a_xcpd "$R"), ITI-38 $(field a_iti38 "$R")"
printf ' %-44s %9s %9s %s\n' "  (b) fresh patient, none cached" "$(field b_p50_ms "$R")" "$(field b_p99_ms "$R")" \
    "XCPD $(field b_xcpd "$R"), ITI-38 $(field b_iti38 "$R")"
printf ' %-44s %9s %9s %s\n' "  (b') same uncached patient" "$(field rep_p50_ms "$R")" "$(field rep_p99_ms "$R")" \
    "XCPD $(field rep_xcpd "$R"), ITI-38 $(field rep_iti38 "$R")"
printf ' %-44s %s\n' "  first query of (a): new peer connections" "$(field first_ms "$R") ms"
printf ' %-44s %s\n' "  ratios p50: (a) / base, (b) / base" "$R_A, $R_B"
printf ' %-44s %s\n' "  ratio (a) / (b), p50 | p99" "$R_AB50 | $R_AB99"
printf ' %-44s %s\n' "  ratio (b') / (b), p50" "$R_REP"
printf ' %-44s %s\n' "japan-47: stop of every gateway" "$(calc "$(field stop_ms "$R") / 1000") s, all told at once"
echo "----------------------------------------------------------------------------------------------"
exit 0
