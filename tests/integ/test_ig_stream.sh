#!/bin/sh
# The initiating gateway streams a peer's MTOM answer: a 64 MiB document imported into
# shimane (hashictl registry import) is retrieved through okayama's /ig by okayama-ehr. The
# bytes must be identical and okayama's anonymous memory (RssAnon sampled every ~10 ms) may
# grow by less than 16 MiB: the document passes through okayama chunk by chunk.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

BIG_SIZE=67108864	# 64 MiB
MAX_GROWTH_KIB=16384	# 16 MiB

mk_tmp
T=$HASHI_TMP
# the big files go at the latest with the temp dir; removed as soon as they are checked
add_cleanup "rm -f '$T/import/big.bin' '$T/r39' '$T/r39b'; rm -rf '$T/mr39' '$T/mr39b'"
# at most ~200 MiB at once: the registry's copy, one response and the part cut out of it
free_kib=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
if [ "${free_kib:-0}" -lt 524288 ]; then
	skip "64 MiB retrieve" "less than 512 MiB free in $T"
	done_testing
fi
mk_pki shimane-gw shimane-ehr okayama-gw okayama-ehr
P=$(free_port) || die "no free port"
PO=$(free_port) || die "no free port"
write_config shimane-gw "$P" shimane local=shimane-ehr peer=okayama-gw@okayama:"$PO"
C=$(config_of shimane-gw)
HCID=$R_HCID
REPO=$R_REPO
write_config okayama-gw "$PO" okayama local=okayama-ehr peer=shimane-gw@shimane:"$P"
CO=$(config_of okayama-gw)

# ---------------------------------------------------------------- the import folder
t0=$(fl_ms)
sh "$DATA/gen_demo_data.sh" "$T/gen" shimane 2 >/dev/null 2>&1 || die "gen_demo_data.sh failed"
SRC=
for f in "$T"/gen/pnr-*.xml; do
	if [ "$(xpath "$f" "count($FL_EO)")" = 1 ]; then
		SRC=$f
		break
	fi
done
[ -n "$SRC" ] || die "test bug: no generated PnR with exactly one document"
BIG_UID=$(xpath "$SRC" "string($FL_EO/$(fl_eid "$FL_UID_SCHEME"))")
SMALL=$(xpath "$SRC" "string(//$(fl_l Document)/$(fl_l Include)/@href)")
mkdir -p "$T/import"
# no hash or size slot (the registry computes them), binary MIME type, the big file's name
awk -v small="$SMALL" '
	/<rim:Slot name="(hash|size)">/ { next }
	/<rim:ExtrinsicObject / { sub(/mimeType="[^"]*"/, "mimeType=\"application/octet-stream\"") }
	/<xop:Include / { sub("href=\"" small "\"", "href=\"big.bin\"") }
	{ print }' "$SRC" >"$T/import/pnr-big.xml"
is "$(xpath "$T/import/pnr-big.xml" "count($FL_EO/$(fl_l Slot)[@name='hash' or @name='size'])"):$(xpath "$T/import/pnr-big.xml" "string(//$(fl_l Include)/@href)")" \
    "0:big.bin" "import PnR: no hash/size slot, xop:Include href=big.bin"
# the metadata is still schema-valid (checked with a small stand-in for big.bin)
cp "$T/gen/$SMALL" "$T/import/big.bin"
check "import PnR is schema-valid (XDS.b_DocumentRepository.xsd)" validate_pnr "$T/import/pnr-big.xml" "$T/import"
head -c "$BIG_SIZE" /dev/urandom >"$T/import/big.bin" || die "cannot write big.bin"
is "$(wc -c <"$T/import/big.bin" | tr -d ' ')" "$BIG_SIZE" "big.bin is $BIG_SIZE bytes"
BIG_SHA256=$(fl_sha256 "$T/import/big.bin")
BIG_SHA1=$(fl_sha1 "$T/import/big.bin")

t1=$(fl_ms)
if out=$(hashictl "$C" registry import "$T/import" 2>&1); then
	ok "hashictl registry import of the 64 MiB document ($(($(fl_ms) - t1)) ms)"
else
	not_ok "hashictl registry import of the 64 MiB document"
	diag "$out"
	done_testing
fi
like "$out" 'pnr-big.xml: 1 documents? stored' "import reports the submission stored"
like "$(fl_stats "$C")" '^documents=1 .*contents=1$' "registry stats: one document, one stored content"
diag "prepared in $(($(fl_ms) - t0)) ms"
rm -f "$T/import/big.bin"	# the registry has its own copy now

start_hashid shimane-gw "$C" shimane-ehr || die "hashid did not start"
start_hashid okayama-gw "$CO" okayama-ehr || die "okayama's hashid did not start"
HPID=$(pid_of okayama-gw)
if [ -z "$HPID" ] || [ ! -r "/proc/$HPID/status" ]; then
	die "no /proc/$HPID/status for hashid"
fi
like "$(tr '\0' ' ' <"/proc/$HPID/cmdline")" 'hashid' "pid $HPID is hashid itself (VmHWM is its own)"

# the registry filled in size and hash
XDS=https://127.0.0.1:$P/xds
soap_fill "$FLOW/sq-get-documents.xml" "$T/q18.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass DOC_UIDS="$BIG_UID" TO="$XDS"
if fl_post "$XDS" shimane-ehr "$A_SQ" "$T/q18.xml" "$T/r18.xml" "ITI-18 GetDocuments of the big document"; then
	is "$(xpath "$T/r18.xml" "string($FL_EO/$(fl_slot size))")" "$BIG_SIZE" "size slot filled in by the registry: $BIG_SIZE"
	is "$(xpath "$T/r18.xml" "string($FL_EO/$(fl_slot hash))")" "$BIG_SHA1" "hash slot filled in by the registry: SHA-1 of the file"
	is "$(xpath "$T/r18.xml" "string($FL_EO/@mimeType)")" "application/octet-stream" "mimeType kept"
fi

# Memory of okayama's hashid, which holds no registry file for this document: its VmHWM
# growth and the peak of its anonymous memory (RssAnon sampled every ~10 ms) must stay below
# 16 MiB during each retrieve. A gateway that buffered the peer's answer would hold 64 MiB
# or more of heap.
IG=https://127.0.0.1:$PO/ig
RATE=
fl_big_retrieve "ITI-39 via okayama /ig" cold "$IG" okayama-ehr "$A_XGR" r39 \
    "$SOAP/iti39-retrieve.xml" "$T/qr39.xml" HOME="$HCID" REPO="$REPO" DOC_UID="$BIG_UID"
# a slow reader: okayama must pause shimane's stream, not queue the document in memory
RATE=64M
fl_big_retrieve "ITI-39 via okayama /ig, client reading at 64 MiB/s" cold "$IG" okayama-ehr "$A_XGR" r39b \
    "$SOAP/iti39-retrieve.xml" "$T/qr39b.xml" HOME="$HCID" REPO="$REPO" DOC_UID="$BIG_UID"

stop_hashid okayama-gw
stop_hashid shimane-gw
done_testing
