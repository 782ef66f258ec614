#!/bin/sh
# tests/integ/test_audit_cli.sh: `hashictl audit ...` with the real binary, no daemon. Logs
# are written by tests/integ/audit_tool.c (compiled here against $BUILD/libhashi.a), which
# appends records as hashid does and damages copies directly in LMDB:
#   1. keygen / pubkey with the configuration (0600 key, PATH.pub, never overwritten);
#   2. the live log (<state_dir>/audit): verify and search record an "audit log used" read
#      by the operator before showing anything; a full log refuses the read (fail closed);
#   3. verify on copies (--dir, no configuration): untouched OK; a flipped leaf, a deleted
#      entry, a truncated log, two reordered entries, a re-signed checkpoint fail naming
#      the sequence / checkpoint; a rollback to an earlier copy and a fork are caught by
#      --since with a checkpoint kept from the later state;
#   4. prove / consistency / check-proof round trips, a damaged proof, a wrong vkey;
#   5. search filters, an integrity error in search, export formats parsed by xmllint, and
#      (awk) JSON lines and CSV.
set -u
. "$(dirname "$0")/lib.sh"

for tool in cc pkg-config xmllint; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
mk_tmp
mk_pki okayama-gw
T=$HASHI_TMP

# ---------------------------------------------------------------- the test tool
CFL="-std=c11 -D_DEFAULT_SOURCE -I$HASHI_ROOT $(pkg-config --cflags lmdb openssl libxml-2.0)"
if [ "${HASHI_ASAN:-0}" = 1 ]; then
	CFL="$CFL -fsanitize=address,undefined -fno-sanitize-recover=all"
fi
# shellcheck disable=SC2086
cc $CFL -o "$T/audit_tool" "$HASHI_ROOT/tests/integ/audit_tool.c" "$BUILD_DIR/libhashi.a" \
    $(pkg-config --libs libevent libevent_openssl openssl libxml-2.0 yaml-0.1 lmdb) -lm ||
    die "cannot build tests/integ/audit_tool.c"
TOOL=$T/audit_tool
NOCONF=$T/none.yaml		# never written: --dir / --vkey need no configuration

write_config okayama-gw "$(free_port)" okayama
CONF=$(config_of okayama-gw)
STATE=$T/okayama-gw.state
ME=$(id -un)

# ---------------------------------------------------------------- 1. keys
out=$(hashictl "$CONF" audit keygen 2>/dev/null)
is "$?" 0 "audit keygen (configured path) exits 0"
KEY=$STATE/audit-signing.key
VKEY=$(cat "$KEY.pub")
is "$out" "$VKEY" "keygen prints the vkey written to KEY.pub"
is "$(stat -c %a "$KEY")" 600 "the signing key is 0600"
ORIGIN=${VKEY%%+*}
like "$ORIGIN" '^hashi/urn:oid:' "the key is named after the checkpoint origin"
out=$(hashictl "$CONF" audit keygen 2>&1)
is "$?" 1 "keygen refuses to overwrite"
like "$out" "audit-signing.key: exists, not overwritten" "... naming the file"
is "$(hashictl "$CONF" audit pubkey 2>&1)" "$VKEY" "audit pubkey prints the vkey"
check "keygen --key --name without a configuration" \
    hashictl "$NOCONF" audit keygen --key "$T/other.pem" --name "$ORIGIN"
out=$(hashictl "$CONF" audit keygen --bogus 1 2>&1)
is "$?" 2 "an unknown option is a usage error (2)"

# ---------------------------------------------------------------- 2. the live log
"$TOOL" gen "$STATE/audit" "$KEY" "$ORIGIN" 0 20 8 || die "audit_tool gen failed"
out=$(hashictl "$CONF" audit verify 2>&1)
is "$?" 0 "live verify exits 0"
like "$out" "OK, 21 records, 3 checkpoints" "live verify saw its own audit-log-used record"
out=$(hashictl "$CONF" audit search --event audit-log-used 2>/dev/null)
is "$?" 0 "live search exits 0"
is "$(printf '%s\n' "$out" | grep -c "audit-log-used")" 2 \
    "two reads recorded (the verify and this search)"
like "$out" "^21 .* audit-log-used outcome=0 user=$ME .*not yet checkpointed" \
    "the search's own read is recorded with the operator before results"
out=$(hashictl "$CONF" audit search --user "$ME" --format json 2>/dev/null)
like "$out" '"event":"audit-log-used"' "the read records are indexed by operator"

write_config full-gw "$(free_port)" okayama
CONF2=$(config_of full-gw)
printf 'audit:\n  map_size: 1MiB\n' >>"$CONF2"
hashictl "$CONF2" audit keygen >/dev/null 2>&1 || die "keygen for full-gw failed"
"$TOOL" fill "$T/full-gw.state/audit" 1048576 2>/dev/null || die "audit_tool fill failed"
out=$(hashictl "$CONF2" audit search 2>"$T/full.err")
is "$?" 1 "a live read that cannot be recorded is refused (exit 1)"
is "$out" "" "... and shows nothing"
like "$(cat "$T/full.err")" "refused: this read of the audit log could not be recorded" \
    "... saying why"

# ---------------------------------------------------------------- 3. verify on copies
P=$T/pristine
"$TOOL" gen "$P" "$KEY" "$ORIGIN" 0 20 8 || die "audit_tool gen failed"
V="--vkey $KEY.pub"
fresh() {
	rm -rf "$T/c"
	cp -r "$P" "$T/c"
}
verify_copy() {
	hashictl "$NOCONF" audit verify --dir "$T/c" $V "$@" 2>&1
}

fresh
out=$(verify_copy)
is "$?" 0 "an untouched copy verifies without a configuration"
like "$out" "OK, 20 records, 3 checkpoints" "... all records and checkpoints"

# tampered WHAT EXPECTED-ERE DESC TOOL-ARGS...: damage a fresh copy, verify must fail.
tampered() {
	_t_re=$1
	_t_desc=$2
	shift 2
	fresh
	"$TOOL" "$@" || die "audit_tool $* failed"
	out=$(verify_copy)
	is "$?" 1 "$_t_desc: verify exits 1"
	like "$out" "$_t_re" "$_t_desc: the message names it"
}
tampered "TAMPERED at seq 5: .*leaf hash" "a flipped byte in leaf 5" flip "$T/c" 5
tampered "TAMPERED at seq 7: record missing" "entry 7 deleted" delete "$T/c" 7
tampered "TAMPERED at seq 12: log truncated: checkpoint at size 16" "log truncated to 12" \
    truncate "$T/c" 12
tampered "TAMPERED at seq 3: .*reordered" "entries 3 and 4 swapped" swap "$T/c" 3 4
tampered "TAMPERED at seq 16: checkpoint at size 16: signature does not verify" \
    "checkpoint 16 re-signed with another key" resign "$T/c" 16 "$T/other.pem" "$ORIGIN"

# Rollback: the auditor kept the checkpoint of the later state; the log is replaced by an
# earlier, internally consistent copy.
R=$T/roll
"$TOOL" gen "$R" "$KEY" "$ORIGIN" 0 12 8 || die "audit_tool gen failed"
cp -r "$R" "$T/roll-early"
"$TOOL" gen "$R" "$KEY" "$ORIGIN" 12 8 8 || die "audit_tool gen failed"
check "audit checkpoint keeps the latest signed checkpoint" \
    hashictl "$NOCONF" audit checkpoint --dir "$R" $V -o "$T/kept.ckpt"
like "$(sed -n 2p "$T/kept.ckpt")" '^20$' "the kept checkpoint is for size 20"
out=$(hashictl "$NOCONF" audit verify --dir "$R" $V --since "$T/kept.ckpt" 2>&1)
is "$?" 0 "the later log is consistent with the kept checkpoint"
like "$out" "consistent with checkpoint .*kept.ckpt \\(size 20\\)" "... saying so"
rm -rf "$R"
mv "$T/roll-early" "$R"
out=$(hashictl "$NOCONF" audit verify --dir "$R" $V 2>&1)
is "$?" 0 "a rolled-back copy verifies on its own (the documented limit)"
out=$(hashictl "$NOCONF" audit verify --dir "$R" $V --since "$T/kept.ckpt" 2>&1)
is "$?" 1 "rollback detected with --since: exit 1"
like "$out" "checkpoint .*kept.ckpt was signed at tree size 20 but the log has 12 records" \
    "... naming the kept checkpoint and sizes"
F=$T/fork
"$TOOL" gen "$F" "$KEY" "$ORIGIN" 100 20 8 || die "audit_tool gen failed"
out=$(hashictl "$NOCONF" audit verify --dir "$F" $V --since "$T/kept.ckpt" 2>&1)
is "$?" 1 "a fork of the same size detected with --since: exit 1"
like "$out" "first 20 records are not those of checkpoint .*kept.ckpt \\(forked" "... named"
out=$(hashictl "$NOCONF" audit verify --dir "$P" --vkey "$T/other.pem.pub" 2>&1)
is "$?" 1 "verify with another key's vkey fails"

# ---------------------------------------------------------------- 4. proofs
fresh
check "prove 5 on a copy" hashictl "$NOCONF" audit prove 5 --dir "$T/c" $V -o "$T/p5.txt"
out=$(hashictl "$NOCONF" audit check-proof "$T/p5.txt" $V 2>&1)
is "$?" 0 "check-proof of the inclusion proof exits 0"
like "$out" "^OK: record 5 .* of size 20" "... record 5 in the tree of size 20"
sed 's/^seq 5$/seq 6/' "$T/p5.txt" >"$T/p6.txt"
out=$(hashictl "$NOCONF" audit check-proof "$T/p6.txt" $V 2>&1)
is "$?" 1 "a proof claiming another seq fails"
like "$out" "p6.txt: .*not at seq 6" "... naming the file"
sed '3s/20/21/' "$T/p5.txt" >"$T/p7.txt"
out=$(hashictl "$NOCONF" audit check-proof "$T/p7.txt" $V 2>&1)
like "$out" "p7.txt: line 3: size 21 is not the checkpoint's" "a wrong size names line 3"
out=$(hashictl "$NOCONF" audit check-proof "$T/p5.txt" --vkey "$T/other.pem.pub" 2>&1)
is "$?" 1 "check-proof with another key's vkey fails"
like "$out" "signature does not verify" "... the signature"
check "consistency 8 20" hashictl "$NOCONF" audit consistency 8 20 --dir "$T/c" $V \
    -o "$T/c8.txt"
out=$(hashictl "$NOCONF" audit check-proof "$T/c8.txt" $V 2>&1)
like "$out" "^OK: the log .* at size 8 is a prefix of the log at size 20" \
    "check-proof of the consistency proof"
out=$(hashictl "$NOCONF" audit consistency 8 9 --dir "$T/c" $V 2>&1)
is "$?" 1 "consistency to a size without a checkpoint fails"
like "$out" "no stored checkpoint of size 9" "... saying which"
"$TOOL" gen "$T/c" "$KEY" "$ORIGIN" 20 1 0 || die "audit_tool gen failed"
out=$(hashictl "$NOCONF" audit prove 20 --dir "$T/c" $V 2>&1)
is "$?" 1 "a record after the last checkpoint cannot be proved yet"
like "$out" "not covered by a signed checkpoint yet" "... saying so"
out=$(hashictl "$NOCONF" audit prove x --dir "$T/c" $V 2>&1)
is "$?" 2 "prove of a non-number is a usage error"

# ---------------------------------------------------------------- 5. search and export
S="hashictl $NOCONF audit search --dir $T/c $V"
out=$($S --outcome failure 2>/dev/null)
is "$(printf '%s\n' "$out" | cut -d' ' -f1 | tr '\n' ' ')" "6 13 20 " "search --outcome failure"
out=$($S --since 2024-05-01T05:00Z --until 2024-05-01T09:00+00:00 --event ITI-39 2>/dev/null)
is "$(printf '%s\n' "$out" | cut -d' ' -f1 | tr '\n' ' ')" "5 9 " "time range and event"
out=$($S --patient 'P0001^^^&1.2.392.200119.6.1001.1&ISO' --from-region 1.2.392.200119.6.1002 \
    2>/dev/null)
is "$(printf '%s\n' "$out" | cut -d' ' -f1 | tr '\n' ' ')" "1 11 " "patient and bare-OID region"
out=$($S --user dr-2 --since 2024-05-01T19:00Z 2>&1)
like "$out" "^20 .*not yet checkpointed" "a record after the last checkpoint is marked"
out=$($S --outcome maybe 2>&1)
is "$?" 2 "a bad --outcome is a usage error"

hashictl "$NOCONF" audit export --dir "$T/c" $V --format xml -o "$T/all.xml" 2>/dev/null
is "$?" 0 "export xml exits 0"
check "the XML export is well-formed" xmllint --noout "$T/all.xml"
is "$(xmllint --xpath 'count(/AuditMessages/AuditMessage)' "$T/all.xml")" 21 \
    "... with all 21 AuditMessages"
hashictl "$NOCONF" audit export --dir "$T/c" $V --format json -o "$T/all.json" 2>/dev/null
# json_lines FILE: each line one object {"seq":N,...,"patients":[...],...} with N counting
# from 0, quotes balanced outside escapes; prints the number of lines, or "bad LINE".
json_lines() {
	awk '{
		line = $0; q = 0
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			if (q && c == "\\") { i++; continue }
			if (c == "\"") q = !q
		}
		if (q || line !~ "^\\{\"seq\":" (NR - 1) "," || line !~ /"patients":\[[^]]*\]/ ||
		    line !~ /\}$/) { print "bad " NR; exit }
		n++
	} END { if (!q) print n + 0 }' "$1"
}
is "$(json_lines "$T/all.json")" 21 "every JSON line is an object with its seq and patients"
hashictl "$NOCONF" audit export --dir "$T/c" $V --format csv --event consent-decision \
    -o "$T/cd.csv" 2>/dev/null
# csv_shape FILE: "FIRST-HEADER-FIELD ROWS COLUMNS-OF-EACH-ROW... EVENTS" for RFC 4180 CSV
# (quoted fields may hold commas and doubled quotes).
csv_shape() {
	awk '{
		nf = 0; f = ""; q = 0; line = $0
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			if (q) {
				if (c == "\"" && substr(line, i + 1, 1) == "\"") { f = f c; i++ }
				else if (c == "\"") q = 0
				else f = f c
			} else if (c == "\"") q = 1
			else if (c == ",") { fld[++nf] = f; f = "" }
			else f = f c
		}
		fld[++nf] = f
		if (NR == 1) head = fld[1]
		else ev = ev " " fld[4]
		cols = cols " " nf
	} END { print head, NR, cols, "|" ev }' "$1"
}
is "$(csv_shape "$T/cd.csv")" \
    "seq 6  11 11 11 11 11 11 | consent-decision consent-decision consent-decision consent-decision consent-decision" \
    "the CSV has a header and 11 columns per row, 5 consent decisions"
is "$(stat -c %a "$T/cd.csv")" 600 "exports are written 0600"
out=$(hashictl "$NOCONF" audit export --dir "$T/c" $V 2>&1)
is "$?" 2 "export without --format is a usage error"

"$TOOL" flip "$T/c" 11 || die "audit_tool flip failed"
out=$($S --patient 'P0001^^^&1.2.392.200119.6.1001.1&ISO' 2>"$T/s.err")
is "$?" 1 "search over a damaged record exits 1"
is "$(printf '%s\n' "$out" | cut -d' ' -f1 | tr '\n' ' ')" "1 6 16 " \
    "... and never shows the damaged record"
like "$(cat "$T/s.err")" "INTEGRITY ERROR at seq 11: not in the signed tree" \
    "... reporting it as an integrity error"

done_testing
