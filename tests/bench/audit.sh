#!/bin/sh
# tests/bench/audit.sh: the audit log part of `make bench` (issue 6). Prints figures, not
# pass/fail, except that the log must verify. run.sh runs it as step 12; on its own:
# BUILD=build sh tests/bench/audit.sh (after make BUILD=build all).
#
#   1. tests/bench/audit_bench.c, one thread, every commit durable (LMDB defaults), ATNA
#      records of audit/atna.c (a traffic mix of 100,000 patients, ~3.5 KB each) with their
#      index keys:
#      a. appends at 64 and 256 records per transaction for BENCH_AUDIT_SECONDS (3) each
#         on the clock, interleaved: raw LMDB puts of the records (baseline), the same plus
#         the index puts, the log (auditlog_add_indexed + group commit + an Ed25519-signed
#         checkpoint every second; target >= 50,000 records/s), and raw+index with
#         MDB_NOSYNC with mdb_env_sync timed apart (the fdatasync cost of a commit);
#      b. a log of BENCH_AUDIT_RECORDS (1000000) records, 4096 per transaction, a
#         checkpoint every second; then auditlog_verify (target <= 10 s; the step fails if
#         it does not say OK) against a cursor over the records that hashes each leaf;
#         data.mdb's size per record;
#      c. inclusion proofs (path size, auditlog_inclusion, fetch + verify) and consistency
#         proofs on that log; a one-bit change in a small log must be found by the verifier;
#      d. appends at 64 and 256 per transaction on the big log (large indexes).
#   2. `hashictl audit verify` of the big log (it holds the records of 1b and 1d), timed,
#      when hashictl has that command; it must say OK.
#
# The work dir must be on a real disk (it is fsync that is measured): TMPDIR, or
# BENCH_AUDIT_TMPDIR, not tmpfs. It needs ~5 KB per record (~5 GB with the defaults) for a
# moment and is removed at the end, on failure too (HASHI_KEEP=1 keeps it). About 2 to 3
# minutes on 2 cores with the defaults.
# BENCH_AUDIT_SUMMARY=FILE: also write the figures as shell assignments to FILE (run.sh reads
# them for its summary table, and this script then prints no table of its own).
set -u
HASHI_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$HASHI_ROOT/tests/integ/lib.sh"

N=${BENCH_AUDIT_RECORDS:-1000000}
SECS=${BENCH_AUDIT_SECONDS:-3}
OUT=${BENCH_AUDIT_SUMMARY:-}
AB=$BUILD_DIR/bench/audit_bench

say() { printf '  %s\n' "$*"; }
step() { printf '\n[audit %s] %s\n' "$1" "$2"; }
# die MSG: unlike the other steps, the temp dir (gigabytes) goes on failure too.
die() {
	printf '\nbench (audit): %s\n' "$*" >&2
	exit 1
}
now() { date +%s.%N; }
calc() { awk "BEGIN { v = $1; if (v == int(v)) printf \"%d\", v; else printf \"%.2f\", v }"; }
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "NOT met"; fi; }

case $N in '' | *[!0-9]*) die "BENCH_AUDIT_RECORDS must be a number" ;; esac
case $SECS in '' | *[!0-9]*) die "BENCH_AUDIT_SECONDS must be a whole number" ;; esac
[ "$N" -ge 1000 ] && [ "$N" -le 100000000 ] || die "BENCH_AUDIT_RECORDS must be 1000..100000000"
[ "$SECS" -ge 1 ] || die "BENCH_AUDIT_SECONDS must be >= 1"

# ---------------------------------------------------------------------------------------
step 1/2 "audit_bench (tests/bench/audit_bench.c): appends, a log of $N records, verify, proofs"
make -s -C "$HASHI_ROOT" BUILD="$BUILD" "$BUILD/bench/audit_bench" >/dev/null ||
    die "cannot build $AB (make BUILD=$BUILD bench builds it)"
[ -n "${BENCH_AUDIT_TMPDIR:-}" ] && TMPDIR=$BENCH_AUDIT_TMPDIR && export TMPDIR
mk_tmp
T=$HASHI_TMP
mkdir -p "$T/work" "$T/state" || die "mkdir failed"
chmod 700 "$T/state"
FS=$(df -PT "$T" | awk 'NR == 2 { print $2 " (" $1 ")" }')
FREE_KB=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
NEED_KB=$((N * 5 + 1000000))
[ "$FREE_KB" -ge "$NEED_KB" ] || die "$T: $((FREE_KB / 1024)) MiB free, ~$((NEED_KB / 1024)) MiB needed (BENCH_AUDIT_TMPDIR elsewhere, or fewer BENCH_AUDIT_RECORDS)"
FS_NOTE=
case $FS in tmpfs* | ramfs*) FS_NOTE="the work dir is on $FS: fsync costs nothing there, the figures are not a disk's" ;; esac
say "work dir $T on $FS${FS_NOTE:+; NOTE: $FS_NOTE}"
# in the background, so that an interrupt stops it at once (and the clean-up then removes
# what it wrote)
"$AB" -w "$T/work" -L "$T/state/audit" -K "$T/state/audit-signing.key" -n "$N" -T "$SECS" \
    >"$T/audit_bench.out" 2>"$T/audit_bench.err" &
ABPID=$!
add_cleanup "kill $ABPID 2>/dev/null; wait $ABPID 2>/dev/null"
t0=$(now)
wait "$ABPID"
rc=$?
t1=$(now)
grep -v '^audit_bench: ' "$T/audit_bench.out"
if [ "$rc" -ne 0 ]; then
	cat "$T/audit_bench.err" >&2
	die "audit_bench failed (status $rc): see the messages above"
fi
AB_R=$(sed -n 's/^audit_bench: //p' "$T/audit_bench.out")
[ -n "$AB_R" ] || die "audit_bench printed no result line"
say "(audit_bench ran $(calc "$t1 - $t0") s)"

# ---------------------------------------------------------------------------------------
step 2/2 "hashictl audit verify of the same log"
CLI=
if [ -x "$HASHICTL" ] && "$HASHICTL" -h 2>/dev/null | grep -q '^  audit verify'; then
	t0=$(now)
	"$HASHICTL" audit verify --dir "$T/state/audit" --vkey "$T/state/audit-signing.key.pub" \
	    >"$T/cli.out" 2>&1
	rc=$?
	t1=$(now)
	sed 's/^/  | /' "$T/cli.out" | head -n 5
	[ "$rc" -eq 0 ] || die "hashictl audit verify failed (status $rc) on a log auditlog_verify found OK"
	CLI_N=$(sed -n 's/.*OK, \([0-9]*\) records.*/\1/p' "$T/cli.out" | head -n 1)
	CLI="$(calc "$t1 - $t0") s for ${CLI_N:-?} records (process start to exit)"
	say "hashictl audit verify: $CLI"
else
	CLI="not measured: $HASHICTL has no audit verify command (make BUILD=$BUILD all)"
	say "$CLI"
fi

# ---------------------------------------------------------------------------------------
A64=$(field a64_log "$AB_R")
A256=$(field a256_log "$AB_R")
VER=$(field verify_s "$AB_R")
R64I=$(calc "$A64 / $(field a64_idx "$AB_R")")
R64R=$(calc "$A64 / $(field a64_raw "$AB_R")")
R256I=$(calc "$A256 / $(field a256_idx "$AB_R")")
R256R=$(calc "$A256 / $(field a256_raw "$AB_R")")
PER_REC=$(calc "int($(field disk_bytes "$AB_R") / $N)")
if [ -n "$OUT" ]; then
	{
		echo "AUDIT_N='$N'"
		echo "AUDIT_AB='$AB_R'"
		echo "AUDIT_CLI='$CLI'"
		echo "AUDIT_FS='$FS'"
		echo "AUDIT_FS_NOTE='$FS_NOTE'"
	} >"$OUT"
	exit 0
fi
echo
echo "----------------------------------------------------------------------------------------------"
printf ' %-44s %-22s %-14s %s\n' "measurement" "figure" "target" "verdict / baseline"
printf ' %-44s %-22s %-14s %s\n' "audit appends/s, 64 per commit (1 core)" "$A64" ">= 50000" \
    "$(verdict "$(calc "$A64 >= 50000")"); / raw+index $R64I, / raw records $R64R"
printf ' %-44s %-22s %-14s %s\n' "audit appends/s, 256 per commit" "$A256" ">= 50000" \
    "$(verdict "$(calc "$A256 >= 50000")"); / raw+index $R256I, / raw records $R256R"
printf ' %-44s %s\n' "audit commit p50/p99, 64 | 256 per commit" \
    "$(field a64_log_p50 "$AB_R")/$(field a64_log_p99 "$AB_R") | $(field a256_log_p50 "$AB_R")/$(field a256_log_p99 "$AB_R") ms (durable)"
printf ' %-44s %s\n' "fdatasync per commit, 64 | 256 per commit" \
    "$(field sync64_ms "$AB_R") | $(field sync256_ms "$AB_R") ms (raw+index NOSYNC commit: $(field a64_nosync_p50 "$AB_R") | $(field a256_nosync_p50 "$AB_R") ms p50)"
printf ' %-44s %s\n' "audit appends/s on the $N-record log" "$(field scale64 "$AB_R") (64 per commit), $(field scale256 "$AB_R") (256)"
printf ' %-44s %s\n' "audit log build, $N records" "$(field build_wall_s "$AB_R") s ($(field build_rps "$AB_R")/s on the clock, $(field build_batch "$AB_R") per commit)"
printf ' %-44s %-22s %-14s %s\n' "auditlog_verify, $N records" "$VER s" "<= 10 s" \
    "$(verdict "$(calc "$VER <= 10")"); cursor + leaf hashes $(field scan_s "$AB_R") s"
printf ' %-44s %s\n' "hashictl audit verify" "$CLI"
printf ' %-44s %s\n' "log size on disk" "$PER_REC B a record ($(field rec_bytes "$AB_R") B of record bytes), $FS"
printf ' %-44s %s\n' "inclusion proof, n = $N" "$(field incl_max "$AB_R") hashes ($(calc "$(field incl_max "$AB_R") * 32") B); $(field incl_us "$AB_R") us to make, $(field inclv_us "$AB_R") us to fetch + verify"
printf ' %-44s %s\n' "consistency proof to n = $N" "$(field cons_hashes "$AB_R") hashes on average; $(field cons_us "$AB_R") us to make, $(field consv_us "$AB_R") us to verify"
[ -n "$FS_NOTE" ] && printf ' NOTE: %s\n' "$FS_NOTE"
echo "----------------------------------------------------------------------------------------------"
exit 0
