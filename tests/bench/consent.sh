#!/bin/sh
# tests/bench/consent.sh: the consent part of `make bench` (issue 5). Prints figures, not
# pass/fail. run.sh runs it as step 11; on its own: BUILD=build sh tests/bench/consent.sh.
#
#   1. `openssl speed -seconds 2 rsa2048` (one core): RSA-2048 verify/s, the yardstick.
#   2. a JPKI look-alike PKI (tests/pki/jpki.sh): BENCH_CONSENT_CERTS (20) signing
#      certificates of 20 people (distinct names and birth dates), an empty CRL of each
#      root; BENCH_CONSENT_K (200) consent documents (grants to shimane, clinical) of those
#      people, each person's with different issue times, signed detached.
#   3. tests/bench/consent_bench.c (one thread): an MPI of BENCH_CONSENT_PATIENTS (1000)
#      patients (the 20 people among them); the K registrations through
#      policy_consent_register (verify + parse + bind + store; only those calls timed) and
#      jpki_verify alone -> verifications/s, target >= 0.3 x the RSA verify/s of 1; then a
#      store of the consents of BENCH_CONSENT_DECIDE (100000) patients and random decide()
#      and decide_r() calls for BENCH_CONSENT_SECONDS (2) s -> decisions/s, target >= 500000.
#
# The work dir is on /dev/shm when it is writable (BENCH_CONSENT_TMPDIR overrides): every
# registration and every stored consent is one synced LMDB commit, and on a disk the
# figures would measure fsync, not verification or lookup. It holds ~0.5 GB for a moment.
# BENCH_CONSENT_SUMMARY=FILE: also write the figures as shell assignments to FILE (run.sh reads
# them for its summary table, and this script then prints no table of its own).
# Everything lives in a temp dir removed at the end (HASHI_KEEP=1 keeps it).
set -u
HASHI_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$HASHI_ROOT/tests/integ/lib.sh"

NCERT=${BENCH_CONSENT_CERTS:-20}
K=${BENCH_CONSENT_K:-200}
NPAT=${BENCH_CONSENT_PATIENTS:-1000}
M=${BENCH_CONSENT_DECIDE:-100000}
SECS=${BENCH_CONSENT_SECONDS:-2}
OUT=${BENCH_CONSENT_SUMMARY:-}
CB=$BUILD_DIR/bench/consent_bench
AA=1.2.392.200119.6.1001.1

say() { printf '  %s\n' "$*"; }
step() { printf '\n[consent %s] %s\n' "$1" "$2"; }
die() {
	printf '\nbench (consent): %s\n' "$*" >&2
	[ -n "$HASHI_TMP" ] && printf 'bench (consent): logs in %s (kept)\n' "$HASHI_TMP" >&2
	HASHI_KEEP=1
	exit 1
}
calc() { awk "BEGIN { v = $1; if (v == int(v)) printf \"%d\", v; else printf \"%.2f\", v }"; }
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

for v in "$NCERT" "$K" "$NPAT" "$M"; do
	case $v in '' | *[!0-9]*) die "BENCH_CONSENT_* counts must be numbers" ;; esac
done
[ "$NCERT" -ge 1 ] && [ "$NCERT" -le 60 ] || die "BENCH_CONSENT_CERTS must be 1..60"
[ "$K" -ge 1 ] && [ "$K" -le 9999 ] || die "BENCH_CONSENT_K must be 1..9999"
[ "$NPAT" -ge "$NCERT" ] || die "BENCH_CONSENT_PATIENTS must be >= BENCH_CONSENT_CERTS"
command -v openssl >/dev/null 2>&1 || die "openssl not found"

# ---------------------------------------------------------------------------------------
step 1/3 "openssl speed -seconds 2 rsa2048 (one core)"
make -s -C "$HASHI_ROOT" BUILD="$BUILD" "$BUILD/bench/consent_bench" >/dev/null ||
    die "cannot build $CB (make BUILD=$BUILD bench builds it)"
SPEED=$(openssl speed -seconds 2 rsa2048 2>/dev/null) || die "openssl speed failed"
# the column headed verify/s of the line "rsa 2048 bits ..." (the header has no "rsa 2048 bits")
RSA_V=$(printf '%s\n' "$SPEED" | awk '
	/verify\/s/ { for (i = 1; i <= NF; i++) if ($i == "verify/s") col = i }
	$1 == "rsa" && $2 == "2048" && $3 == "bits" && col { print $(col + 3); exit }')
case $RSA_V in '' | *[!0-9.]*) printf '%s\n' "$SPEED" >&2; die "no rsa2048 verify/s in openssl speed's output" ;; esac
say "$(printf '%s\n' "$SPEED" | grep -E 'sign/s|^rsa +2048')"
say "RSA-2048 verify/s: $RSA_V ($(openssl version))"

# ---------------------------------------------------------------------------------------
step 2/3 "JPKI look-alike PKI: $NCERT certificates, $K signed consents"
_save_tmpdir=${TMPDIR-}
if [ -n "${BENCH_CONSENT_TMPDIR:-}" ]; then
	TMPDIR=$BENCH_CONSENT_TMPDIR
elif [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
fi
export TMPDIR
mk_tmp
if [ -n "$_save_tmpdir" ]; then TMPDIR=$_save_tmpdir; else unset TMPDIR; fi
T=$HASHI_TMP
J=$T/jpki
S=$T/sigs
mkdir -p "$S" "$T/work" || die "mkdir failed"
JPKI="sh $HASHI_ROOT/tests/pki/jpki.sh $J"
FAMS="山田 鈴木 佐藤 田中 伊藤 渡辺 中村 小林 加藤 吉田 山本 松本 井上 木村 林 斎藤 清水 山口 森 池田"
GIVS="太郎 花子 一郎 美咲 健太 陽子 大輔 恵子 翔太 由美"
ADDR='東京都清瀬市上清戸二丁目１番１－１０１号'
t0=$(date +%s.%N)
$JPKI init || die "jpki.sh init failed"
: >"$S/people.tsv"
i=1
while [ "$i" -le "$NCERT" ]; do
	fam=$(printf '%s\n' $FAMS | sed -n "$(((i - 1) % 20 + 1))p")
	giv=$(printf '%s\n' $GIVS | sed -n "$(((i - 1) % 10 + 1))p")
	sex=$((i % 2 + 1))
	birth=$(printf '19%02d%02d%02d' $((50 + i % 30)) $((1 + i % 12)) $((1 + i % 28)))
	pid=$(printf 'C%04d' "$i")
	$JPKI issue "p$i" name="$fam　$giv" sex="$sex" birth="3$birth" addr="$ADDR" ||
	    die "jpki.sh issue p$i failed"
	case $sex in 1) msex=M ;; *) msex=F ;; esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$pid" "$fam" "$giv" "$birth" "$msex" "$ADDR" >>"$S/people.tsv"
	i=$((i + 1))
done
$JPKI crl root1 || die "jpki.sh crl root1 failed"
$JPKI crl root2 || die "jpki.sh crl root2 failed"
t1=$(date +%s.%N)
c=0
while [ "$c" -lt "$K" ]; do
	i=$((c % NCERT + 1))
	n=$(printf '%04d' "$c")
	# issue times a minute apart: each person's consents differ in time (and bytes)
	cat >"$S/c$n.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<consent xmlns="urn:hashi:consent:1">
  <issued>$(date -u -d "@$((1711931400 + c * 60))" +%Y-%m-%dT%H:%M:%SZ)</issued>
  <patient>
    <id>$(printf 'C%04d' "$i")</id>
    <assigningAuthority>$AA</assigningAuthority>
  </patient>
  <grant>
    <regions>
      <community>urn:oid:1.2.392.200119.6.1002</community>
    </regions>
    <purposes>
      <purpose>clinical</purpose>
    </purposes>
    <validity>
      <from>2024-04-01</from>
    </validity>
  </grant>
</consent>
EOF
	$JPKI sign "p$i" "$S/c$n.xml" "$S/c$n.p7s" || die "jpki.sh sign c$n failed"
	c=$((c + 1))
done
t2=$(date +%s.%N)
say "$NCERT certificates + 2 CRLs in $(calc "$t1 - $t0") s, $K signatures in $(calc "$t2 - $t1") s ($(wc -c <"$S/c0000.p7s") B each, certificate included); work dir on $(df -P "$T" | awk 'NR == 2 { print $1 }')"

# ---------------------------------------------------------------------------------------
step 3/3 "consent_bench: registration and decisions on one thread (tests/bench/consent_bench.c)"
"$CB" -w "$T/work" -j "$J" -s "$S" -a "$AA" -n "$NPAT" -k "$K" -M "$M" -T "$SECS" \
    >"$T/consent_bench.out" 2>"$T/consent_bench.err"
rc=$?
grep -v '^consent_bench: ' "$T/consent_bench.out"
[ "$rc" -eq 0 ] || { cat "$T/consent_bench.err" >&2; die "consent_bench failed (status $rc)"; }
CBR=$(sed -n 's/^consent_bench: //p' "$T/consent_bench.out")
[ -n "$CBR" ] || die "consent_bench printed no result line"

REG=$(field register_rps "$CBR")
VER=$(field verify_rps "$CBR")
DEC=$(field decide_rps "$CBR")
DECR=$(field decide_r_rps "$CBR")
R_REG=$(calc "$REG / $RSA_V")
R_VER=$(calc "$VER / $RSA_V")
DMIB=$(calc "int($(field decide_disk_bytes "$CBR") / 1048576)")
if [ -n "$OUT" ]; then
	{
		echo "CONSENT_RSA_V='$RSA_V'"
		echo "CONSENT_CB='$CBR'"
		echo "CONSENT_R_REG='$R_REG'"
		echo "CONSENT_R_VER='$R_VER'"
		echo "CONSENT_DMIB='$DMIB'"
	} >"$OUT"
	exit 0
fi
echo
echo "----------------------------------------------------------------------------------------------"
printf ' %-44s %s\n' "openssl speed rsa2048 verify/s (1 core)" "$RSA_V"
printf ' %-44s %s\n' "consent verifications/s (registration)" "$REG: ratio $R_REG; target >= 0.3"
printf ' %-44s %s\n' "jpki_verify alone/s" "$VER: ratio $R_VER"
printf ' %-44s %s\n' "consent decisions/s (1 core)" "$DEC decide(), $DECR decide_r(); target >= 500000"
printf ' %-44s %s\n' "decision store" "$(field decide_consents "$CBR") consents of $(field decide_patients "$CBR") patients, $DMIB MiB"
echo "----------------------------------------------------------------------------------------------"
exit 0
