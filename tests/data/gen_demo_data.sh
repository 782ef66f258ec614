#!/bin/sh
# Writes an import folder of synthetic demo data for one region, for `hashictl registry import`.
#
#   tests/data/gen_demo_data.sh OUTDIR REGION_KEY [N_PATIENTS]
#
# REGION_KEY is a key of tests/data/regions.tsv (okayama, shimane, tottori). N_PATIENTS
# defaults to 20. OUTDIR receives, per patient, 1-3 HL7 CDA R2 documents (ID-N.cda: 診療情報提供書
# LOINC 57133-1 or 退院時サマリー LOINC 18842-5) and one ITI-41 ProvideAndRegisterDocumentSetRequest
# (pnr-ID.xml) whose xdsb:Document elements name the CDA files by xop:Include href, plus
# patients.tsv and documents.tsv describing what was written, and patients.csv for
# `hashictl mpi import`. Patient 1 of every region is the
# same person (山田 太郎, 1948-05-12), so P0001 / S0001 / T0001 can be mapped onto each other.
# The output depends only on the arguments (same bytes every run). All names, addresses and
# institutions are invented. POSIX sh + awk; needs sha1sum.
set -eu

usage() {
	echo "usage: $0 OUTDIR REGION_KEY [N_PATIENTS]" >&2
	exit 2
}
[ $# -ge 2 ] && [ $# -le 3 ] || usage
outdir=$1
key=$2
n=${3:-20}
case $n in '' | *[!0-9]*) usage ;; esac

here=$(cd "$(dirname "$0")" && pwd)
regions="$here/regions.tsv"
# shellcheck disable=SC2016
line=$(awk -F '\t' -v k="$key" '$1 == k { print; exit }' "$regions")
if [ -z "$line" ]; then
	echo "$0: unknown region '$key' (known: $(awk -F '\t' '!/^#/ { printf "%s ", $1 }' "$regions"))" >&2
	exit 2
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
# Remove what an earlier run wrote (and only that), so a smaller N leaves no stale patients.
rm -f "$outdir"/pnr-*.xml "$outdir"/*.cda "$outdir/patients.tsv" "$outdir/patients.csv" "$outdir/documents.tsv"

# Fields: key name hcid aa repo prefecture prefix. C locale: awk counts bytes, not characters.
IFS='	' read -r r_key r_name r_hcid r_aa r_repo r_pref r_prefix <<EOF
$line
EOF
LC_ALL=C exec awk -v key="$r_key" -v name="$r_name" -v hcid="$r_hcid" -v aa="$r_aa" \
    -v repo="$r_repo" -v pref="$r_pref" -v prefix="$r_prefix" -v n="$n" \
    -v outdir="$outdir" -v tpldir="$here/templates" -f "$here/gen_demo_data.awk"
