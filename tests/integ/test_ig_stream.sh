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
mem() { printf '%s' "$(fl_rss_field "$HPID" "$1")"; }

# retrieve NAME MODE URL CLIENT ACTION OUTNAME TEMPLATE QUERY KEY=VALUE...: one retrieve of the
# big document with memory measured around it (MODE cold or warm); checks bytes and memory;
# removes the big files afterwards. With RATE set the client reads at most RATE per second.
retrieve() {
	_rt_name=$1
	_rt_mode=$2
	_rt_url=$3
	_rt_client=$4
	_rt_action=$5
	_rt_out=$T/$6
	_rt_dir=$T/m$6
	shift 6
	_rt_q=$2
	soap_fill "$@" "TO=$_rt_url" || { not_ok "$_rt_name: soap_fill"; return 1; }
	if [ "${HASHI_ASAN:-0}" = 1 ]; then
		# ASan's shadow memory and quarantine make RSS meaningless here
		skip "$_rt_name: memory" "HASHI_ASAN=1"
		_rt_mode=none
	elif [ "$_rt_mode" = warm ]; then
		if ! fl_hwm_reset "$HPID"; then
			skip "$_rt_name: memory" "cannot reset VmHWM (/proc/$HPID/clear_refs)"
			_rt_mode=none
		fi
	fi
	_rt_hwm0=$(mem VmHWM) _rt_rss0=$(mem VmRSS) _rt_anon0=$(mem RssAnon) _rt_file0=$(mem RssFile)
	fl_sample_start "$HPID" "$T/anon.samples"
	_rt_t0=$(fl_ms)
	if [ -n "$RATE" ]; then
		_rt_code=$(SOAP_TIMEOUT=40 fl_soap_post_rate "$RATE" "$_rt_url" "$_rt_client" "$_rt_action" "$_rt_q" "$_rt_out")
	else
		_rt_code=$(SOAP_TIMEOUT=40 soap_post "$_rt_url" "$_rt_client" "$_rt_action" "$_rt_q" "$_rt_out")
	fi
	_rt_dt=$(($(fl_ms) - _rt_t0))
	_rt_hwm1=$(mem VmHWM) _rt_rss1=$(mem VmRSS) _rt_anon1=$(mem RssAnon) _rt_file1=$(mem RssFile)
	read -r _rt_apeak _rt_nsamp <<EOF
$(fl_sample_stop "$T/anon.samples")
EOF
	_rt_apeak=${_rt_apeak:-0}
	_rt_nsamp=${_rt_nsamp:-0}
	[ "$_rt_anon1" -gt "$_rt_apeak" ] && _rt_apeak=$_rt_anon1
	_rt_bytes=$(wc -c <"$_rt_out" | tr -d ' ')
	_rt_grow=$((_rt_hwm1 - _rt_hwm0))
	_rt_fgrow=$((_rt_file1 - _rt_file0))
	_rt_agrow=$((_rt_apeak - _rt_anon0))
	diag "$_rt_name: HTTP $_rt_code, $_rt_bytes bytes in $_rt_dt ms ($(( _rt_dt > 0 ? _rt_bytes * 1000 / 1048576 / _rt_dt : 0 )) MiB/s)" \
	    "$_rt_name ($_rt_mode): hashid VmHWM $_rt_hwm0 -> $_rt_hwm1 KiB (growth $_rt_grow KiB), VmRSS $_rt_rss0 -> $_rt_rss1 KiB" \
	    "$_rt_name ($_rt_mode): RssFile (mapped registry) $_rt_file0 -> $_rt_file1 KiB (growth $_rt_fgrow KiB); RssAnon $_rt_anon0 -> $_rt_anon1 KiB, sampled peak $_rt_apeak KiB ($_rt_nsamp samples, growth $_rt_agrow KiB)"
	if ! is "$_rt_code" 200 "$_rt_name: HTTP 200"; then
		diag "$(cat "$_rt_out.err" 2>/dev/null)" "$(head -c 600 "$_rt_out")"
		rm -f "$_rt_out"
		return 1
	fi
	like "$(response_content_type "$_rt_out")" '^multipart/related;' "$_rt_name: MTOM (multipart/related)"
	case $_rt_mode in
	cold)
		if [ $((_rt_grow - _rt_fgrow)) -lt "$MAX_GROWTH_KIB" ]; then
			ok "$_rt_name: VmHWM growth beyond the mapped registry file $((_rt_grow - _rt_fgrow)) KiB < 16 MiB"
		else
			not_ok "$_rt_name: VmHWM growth beyond the mapped registry file $((_rt_grow - _rt_fgrow)) KiB >= 16 MiB: not streamed"
		fi
		if [ "$_rt_agrow" -lt "$MAX_GROWTH_KIB" ]; then
			ok "$_rt_name: anonymous memory peak growth $_rt_agrow KiB < 16 MiB"
		else
			not_ok "$_rt_name: anonymous memory peak growth $_rt_agrow KiB >= 16 MiB: not streamed"
		fi
		;;
	warm)
		if [ "$_rt_grow" -lt "$MAX_GROWTH_KIB" ]; then
			ok "$_rt_name: hashid peak RSS (VmHWM) grew by $_rt_grow KiB < 16 MiB: streamed"
		else
			not_ok "$_rt_name: hashid peak RSS (VmHWM) grew by $_rt_grow KiB >= 16 MiB: not streamed"
		fi
		;;
	esac
	if mtom_extract "$_rt_out" "$_rt_dir"; then
		rm -f "$_rt_out"
		is "$(fl_status "$_rt_dir/root.xml")" Success "$_rt_name: status Success"
		if _rt_doc=$(mtom_document "$_rt_dir" "$BIG_UID"); then
			is "$(wc -c <"$_rt_doc" | tr -d ' ')" "$BIG_SIZE" "$_rt_name: $BIG_SIZE bytes received"
			is "$(fl_sha256 "$_rt_doc")" "$BIG_SHA256" "$_rt_name: sha256 identical to the imported file"
		else
			not_ok "$_rt_name: a DocumentResponse for $BIG_UID"
		fi
		# validate the envelope with a small stand-in for the big part (the schema does not
		# care about the length of base64Binary, and inlining 64 MiB costs seconds)
		for _rt_p in "$_rt_dir"/part-*.bin; do
			[ "$(wc -c <"$_rt_p")" -gt 1048576 ] && printf 'big part stand-in' >"$_rt_p"
		done
		fl_valid "$_rt_dir/root.xml" "$_rt_name" "$_rt_dir"
	else
		not_ok "$_rt_name: readable multipart/related"
	fi
	rm -rf "$_rt_out" "$_rt_dir"
}

IG=https://127.0.0.1:$PO/ig
RATE=
retrieve "ITI-39 via okayama /ig" cold "$IG" okayama-ehr "$A_XGR" r39 \
    "$SOAP/iti39-retrieve.xml" "$T/qr39.xml" HOME="$HCID" REPO="$REPO" DOC_UID="$BIG_UID"
# a slow reader: okayama must pause shimane's stream, not queue the document in memory
RATE=64M
retrieve "ITI-39 via okayama /ig, client reading at 64 MiB/s" cold "$IG" okayama-ehr "$A_XGR" r39b \
    "$SOAP/iti39-retrieve.xml" "$T/qr39b.xml" HOME="$HCID" REPO="$REPO" DOC_UID="$BIG_UID"

stop_hashid okayama-gw
stop_hashid shimane-gw
done_testing
