#!/bin/sh
# The configuration as an operator meets it.
#   hashid -n: the shipped example is OK (exit 0); a file with several errors gets exit 1 and
#   one "FILE:LINE:COL: message" per error at the right place; a YAML syntax error and a
#   missing required key are located too; a group- or world-writable file (or a symlink to
#   one) is refused; `hashid -n -v` prints a configuration that loads again with -n and
#   prints identically (round trip, also for relative paths and awkward strings).
#   A running daemon: SIGHUP with a broken or group-writable file keeps the running
#   configuration and keeps serving; SIGHUP with a new peer makes that peer reachable through
#   /ig (its documents come back); SIGTERM during a slow 16 MiB retrieve lets the transfer
#   finish intact, refuses new connections meanwhile, then the daemon exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_bad.sh"

for tool in xmllint openssl curl sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
[ -x "$HASHID" ] || die "$HASHID is not built"
mk_tmp
T=$HASHI_TMP

# hashid_n NAME FILE [ARGS...]: runs hashid -n [ARGS] -f FILE; stdout to $T/NAME.out, stderr
# to $T/NAME.err; sets RC.
hashid_n() {
	_hn_name=$1
	_hn_file=$2
	shift 2
	RC=0
	"$HASHID" -n "$@" -f "$_hn_file" >"$T/$_hn_name.out" 2>"$T/$_hn_name.err" || RC=$?
}

# ---------------------------------------------------------------- the shipped example
# A copy, so that the checkout's umask cannot make it group-writable.
cp "$HASHI_ROOT/deploy/hashid.example.yaml" "$T/example.yaml"
chmod 600 "$T/example.yaml"
hashid_n example "$T/example.yaml"
is "$RC" 0 "hashid -n on deploy/hashid.example.yaml: exit 0"
like "$(cat "$T/example.err")" '^configuration OK$' "... and it says 'configuration OK'"

# ---------------------------------------------------------------- a broken file
mk_pki okayama-gw shimane-gw okayama-ehr
PO=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
write_config okayama-gw "$PO" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PS" map=shimane:P0001:S0001
GOOD=$(config_of okayama-gw)
hashid_n good "$GOOD"
is "$RC" 0 "hashid -n on a config written by write_config: exit 0"

# Two independent errors on known lines: the port out of range, max_xml_depth below its minimum.
L_PORT=$(grep -n '^    port: ' "$GOOD" | head -n 1 | cut -d: -f1)
L_DEPTH=$(grep -n '^  max_xml_depth: ' "$GOOD" | head -n 1 | cut -d: -f1)
[ -n "$L_PORT" ] && [ -n "$L_DEPTH" ] || die "test bug: no port / max_xml_depth line in $GOOD"
awk -v lp="$L_PORT" -v ld="$L_DEPTH" 'NR == lp { sub(/port: .*/, "port: 99999") } NR == ld { sub(/max_xml_depth: .*/, "max_xml_depth: 5") } { print }' \
    "$GOOD" >"$T/broken.yaml"
chmod 600 "$T/broken.yaml"
C_PORT=$(awk -v l="$L_PORT" 'NR == l { print index($0, "99999") }' "$T/broken.yaml")
C_DEPTH=$(awk -v l="$L_DEPTH" 'NR == l { print index($0, "5") }' "$T/broken.yaml")
hashid_n broken "$T/broken.yaml"
is "$RC" 1 "hashid -n on a file with two errors: exit 1"
like "$(cat "$T/broken.err")" "^$T/broken.yaml:$L_PORT:$C_PORT: .*port.*99999" \
    "... reports $T/broken.yaml:$L_PORT:$C_PORT: the port out of range"
like "$(cat "$T/broken.err")" "^$T/broken.yaml:$L_DEPTH:$C_DEPTH: .*max_xml_depth.*5" \
    "... and $T/broken.yaml:$L_DEPTH:$C_DEPTH: max_xml_depth out of range (both errors at once)"
is "$(grep -c "^$T/broken.yaml:[0-9]*:[0-9]*: " "$T/broken.err")" 2 "... exactly two located messages"
[ "$RC" = 1 ] || diag_file "$T/broken.err"

# A YAML syntax error is located too, with the file name as given on the command line.
cp "$GOOD" "$T/syntax.yaml"
printf 'limits:\n  max_body: [1, 2\n' >>"$T/syntax.yaml"
chmod 600 "$T/syntax.yaml"
L_SYN=$(($(wc -l <"$T/syntax.yaml") + 1))
(cd "$T" && "$HASHID" -n -f syntax.yaml) >"$T/syntax.out" 2>"$T/syntax.err"
RC=$?
is "$RC" 1 "hashid -n on a YAML syntax error: exit 1"
like "$(cat "$T/syntax.err")" "^syntax\\.yaml:($((L_SYN - 1))|$L_SYN):[0-9]+: .*syntax" \
    "... 'syntax.yaml:LINE:COL: syntax error' at the end of the file"

# A missing required key names the key and the line of its section.
grep -v '^  repository_unique_id:' "$GOOD" >"$T/missing.yaml"
chmod 600 "$T/missing.yaml"
hashid_n missing "$T/missing.yaml"
is "$RC" 1 "hashid -n without community.repository_unique_id: exit 1"
like "$(cat "$T/missing.err")" "^$T/missing.yaml:[0-9]+:[0-9]+: .*community\\.repository_unique_id" \
    "... located message naming community.repository_unique_id"

# ---------------------------------------------------------------- permissions
cp "$GOOD" "$T/gw.yaml"
chmod 620 "$T/gw.yaml"
hashid_n gw "$T/gw.yaml"
is "$RC" 1 "hashid -n on a group-writable (0620) file: exit 1"
like "$(cat "$T/gw.err")" 'group- or world-writable' "... refused as group- or world-writable"
chmod 602 "$T/gw.yaml"
hashid_n ww "$T/gw.yaml"
is "$RC" 1 "hashid -n on a world-writable (0602) file: exit 1"
chmod 666 "$T/gw.yaml"
ln -s gw.yaml "$T/link.yaml"
hashid_n link "$T/link.yaml"
is "$RC" 1 "hashid -n through a symlink to a 0666 file: exit 1"
chmod 640 "$T/gw.yaml"
hashid_n g640 "$T/gw.yaml"
is "$RC" 0 "hashid -n on a 0640 file: exit 0 (group-readable is fine)"

# ---------------------------------------------------------------- -n -v round trip
# roundtrip NAME FILE: -n -v FILE > out1 (in another directory), -n out1 OK, -n -v out1 prints
# the same configuration (everything but the header comment naming the file).
roundtrip() {
	mkdir -p "$T/rt-$1"
	hashid_n "rt-$1-1" "$2" -v
	cp "$T/rt-$1-1.out" "$T/rt-$1/out1.yaml"
	chmod 600 "$T/rt-$1/out1.yaml"
	if [ "$RC" != 0 ] || [ ! -s "$T/rt-$1/out1.yaml" ]; then
		not_ok "$1: hashid -n -v prints the configuration"
		diag_file "$T/rt-$1-1.err"
		return 1
	fi
	ok "$1: hashid -n -v prints the configuration ($(wc -l <"$T/rt-$1/out1.yaml") lines)"
	hashid_n "rt-$1-2" "$T/rt-$1/out1.yaml" -v
	if [ "$RC" = 0 ]; then
		ok "$1: the printed configuration loads again with hashid -n"
	else
		not_ok "$1: the printed configuration loads again with hashid -n"
		diag_file "$T/rt-$1-2.err"
	fi
	if diff "$T/rt-$1-1.out" "$T/rt-$1-2.out" | grep -v '^[<>] # hashid configuration, normalised from' |
	    grep -q '^[<>]'; then
		not_ok "$1: printing it again gives the same configuration"
		diag "$(diff "$T/rt-$1-1.out" "$T/rt-$1-2.out")"
	else
		ok "$1: printing it again gives the same configuration"
	fi
}
roundtrip example "$T/example.yaml"
roundtrip written "$GOOD"
# relative paths (from the file's directory), awkward strings, IPv6, fingerprints, durations
mkdir -p "$T/etc/pki"
cat >"$T/etc/awkward.yaml" <<'EOF'
community:
  name: '晴れ "やか" #1: ネット'
  home_community_id: urn:oid:1.2.392.200119.6.1001
  assigning_authority: 1.2.392.200119.6.1001.1
  repository_unique_id: 1.2.392.200119.6.1001.2
state_dir: state
listen:
  - address: 127.0.0.1
    port: 8443
  - address: "::1"
    port: 8444
tls:
  certificate: pki/gw.crt
  private_key: pki/gw.key
  ca: ../ca.crt
limits:
  max_body: 1536KiB
timeouts:
  request: 1500ms
  idle: 1h
local_systems:
  - name: ehr
    subject: "CN=Foo\\, Inc.,O=Hashi Test,C=JP"
  - name: ehr2
    sha256: "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"
peers:
  - name: p1
    home_community_id: urn:oid:1.2.392.200119.6.1002
    assigning_authority: 1.2.392.200119.6.1002.1
    subject: "CN=p1,O=Hashi Test,C=JP"
    query_url: "https://[::1]:9443/xca"
    retrieve_url: https://gw.example:9443/xca
    patient_map:
      - local: "P0001^^^&1.2.392.200119.6.1001.1&ISO"
        remote: "S0001^^^&1.2.392.200119.6.1002.1&ISO"
EOF
chmod 600 "$T/etc/awkward.yaml"
roundtrip awkward "$T/etc/awkward.yaml"
like "$(cat "$T/rt-awkward-1.out")" "^  certificate: \"$T/etc/pki/gw.crt\"\$" \
    "awkward: a relative path is printed resolved from the file's directory"
like "$(cat "$T/rt-awkward-1.out")" '^  name: "晴れ \\"やか\\" #1: ネット"$' "awkward: quotes, '#' and ': ' in a name survive"

# ---------------------------------------------------------------- SIGHUP
# okayama starts without peers; shimane (with data) knows okayama as a peer from the start.
write_config okayama-gw "$PO" okayama local=okayama-ehr
CO=$(config_of okayama-gw)
O_AA=$R_AA
write_config shimane-gw "$PS" shimane peer=okayama-gw@okayama:"$PO" map=okayama:S0001:P0001
CS=$(config_of shimane-gw)
sh "$DATA/gen_demo_data.sh" "$T/data-shimane" shimane 3 >/dev/null 2>&1 || die "gen_demo_data.sh failed"
check "registry import shimane" hashictl "$CS" registry import "$T/data-shimane"
N_S0001=$(awk -F '\t' '$1 == "S0001"' "$T/data-shimane/documents.tsv" | wc -l | tr -d ' ')
start_hashid okayama-gw "$CO" okayama-ehr || die "okayama-gw did not start"
start_hashid shimane-gw "$CS" okayama-gw || die "shimane-gw did not start"
OPID=$(pid_of okayama-gw)
IG=https://127.0.0.1:$PO/ig
XDS=https://127.0.0.1:$PO/xds
EO="//$(bd_l ExtrinsicObject)"

# ig_docs NAME: ITI-38 FindDocuments for P0001 through okayama's /ig; prints "HTTP n docs".
ig_docs() {
	soap_fill "$SOAP/iti38-find-documents.xml" "$T/$1.xml" PATIENT_ID="P0001^^^&$O_AA&ISO" TO="$IG"
	bd_post "$IG" okayama-ehr "$BD_XGQ" "$T/$1.xml" "$1"
	echo "HTTP $BD_CODE $(xpath "$(bd_resp "$1")" "count($EO)") docs"
}
# xds_ok NAME: a local ITI-18 on okayama's /xds answers Success.
xds_ok() {
	soap_fill "$SOAP/iti18-find-documents.xml" "$T/$1.xml" PATIENT_ID="P0001^^^&$O_AA&ISO" TO="$XDS"
	bd_post "$XDS" okayama-ehr "$BD_SQ" "$T/$1.xml" "$1"
	[ "$BD_CODE" = 200 ] && [ "$(bd_status "$(bd_resp "$1")")" = Success ]
}
# hup_and_wait PATTERN DESC: SIGHUP okayama and wait for a log line matching PATTERN that is
# newer than the previous SIGHUP.
hup_and_wait() {
	_hw_n=$(grep -c 'SIGHUP' "$T/okayama-gw.log")
	kill -HUP "$OPID"
	_hw_i=0
	while [ "$_hw_i" -lt 50 ]; do
		if [ "$(grep -c 'SIGHUP' "$T/okayama-gw.log")" -gt "$_hw_n" ] &&
		    sed -n "/SIGHUP/h; /SIGHUP/!H; \${x;p}" "$T/okayama-gw.log" | grep -Eq -- "$1"; then
			ok "$2"
			return 0
		fi
		sleep 0.1
		_hw_i=$((_hw_i + 1))
	done
	not_ok "$2"
	diag_file "$T/okayama-gw.log" 10
	return 1
}

is "$(ig_docs ig0)" "HTTP 200 0 docs" "before the reload okayama has no peer: /ig finds nothing for P0001"

cp "$CO" "$T/okayama-good.yaml"
L_PORT=$(grep -n '^    port: ' "$CO" | head -n 1 | cut -d: -f1)
awk -v l="$L_PORT" 'NR == l { sub(/port: .*/, "port: 99999") } { print }' "$T/okayama-good.yaml" >"$CO"
hup_and_wait 'reload failed' "SIGHUP with a broken config: 'reload failed' logged"
like "$(sed -n '/SIGHUP/h; /SIGHUP/!H; ${x;p}' "$T/okayama-gw.log")" "okayama-gw.yaml:$L_PORT:[0-9]+: " \
    "... with the located error in the log"
if kill -0 "$OPID" 2>/dev/null && xds_ok hup-broken; then
	ok "... and the daemon keeps serving (same pid, /xds answers)"
else
	not_ok "... and the daemon keeps serving (same pid, /xds answers)"
fi

cp "$T/okayama-good.yaml" "$CO"
chmod 660 "$CO"
hup_and_wait 'reload failed' "SIGHUP with a group-writable config: 'reload failed' logged"
if kill -0 "$OPID" 2>/dev/null && xds_ok hup-perm; then
	ok "... and the daemon keeps serving"
else
	not_ok "... and the daemon keeps serving"
fi
is "$(ig_docs ig1)" "HTTP 200 0 docs" "the refused reloads changed nothing: still no peer"

write_config okayama-gw "$PO" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PS" map=shimane:P0001:S0001
hup_and_wait 'reloaded: 1 peer' "SIGHUP with a new peer: 'reloaded: 1 peer(s)' logged"
is "$(ig_docs ig2)" "HTTP 200 $N_S0001 docs" "the new peer is reachable through /ig: shimane's $N_S0001 documents for S0001"
region_info shimane
is "$(xpath "$(bd_resp ig2)" "count(${EO}[@home='$R_HCID'])")" "$N_S0001" "... each with home $R_HCID"
is "$(pid_of okayama-gw)" "$OPID" "same process throughout the reloads"

# ---------------------------------------------------------------- SIGTERM during a slow retrieve
BIG=$T/big.bin
head -c 16777216 /dev/urandom >"$BIG"
STAMP=$(date +%s)
BIG_UID=1.2.392.200119.6.1001.99.$STAMP.1
region_info okayama
soap_fill "$SOAP/iti41-pnr-mtom.xml" "$T/pnr-big.xml" PATIENT_ID="P0002^^^&$O_AA&ISO" TITLE="16 MiB" \
    CREATION_TIME=20240402093000 SUBMISSION_TIME=20240402100000 DOC_UID="$BIG_UID" \
    SS_UID="1.2.392.200119.6.1001.98.$STAMP.1" SOURCE_ID=1.2.392.200119.6.1001.97 \
    DOCUMENT_CID="big.$STAMP@cfg.hashi.test" TO="$XDS" || die "soap_fill iti41-pnr-mtom failed"
ct=$(mtom_build "$BD_PNR" "$T/pnr-big.xml" "$T/pnr-big.mtom" "big.$STAMP@cfg.hashi.test" "$BIG" application/octet-stream)
bd_post_ct "$XDS" okayama-ehr "$ct" "$T/pnr-big.mtom" pnr-big
rm -f "$T/pnr-big.mtom"
is "HTTP $BD_CODE $(bd_status "$(bd_resp pnr-big)")" "HTTP 200 Success" "a 16 MiB document stored with ITI-41 MTOM"

soap_fill "$SOAP/iti43-retrieve.xml" "$T/q43.xml" REPO="$R_REPO" DOC_UID="$BIG_UID" TO="$XDS"
# 16 MiB at 4 MiB/s: about 4 s in flight.
(
	curl -sS --max-time 40 --limit-rate 4M --cacert "$PKI/ca.crt" --cert "$PKI/okayama-ehr.crt" \
	    --key "$PKI/okayama-ehr.key" -H "Content-Type: $BD_SOAP_CT; action=\"$BD_RET\"" -H 'Expect:' \
	    --data-binary @"$T/q43.xml" -D "$T/r43.hdr" -o "$T/r43" -w '%{http_code}' "$XDS" \
	    >"$T/r43.code" 2>"$T/r43.err"
	echo $? >"$T/r43.rc"
) &
CURL_JOB=$!
# killed at exit only while it has not been reaped (its pid is forgotten after the wait)
add_cleanup '[ -n "$CURL_JOB" ] && kill "$CURL_JOB" 2>/dev/null'
# fsize FILE: its size in bytes, 0 when it does not exist yet.
fsize() {
	if [ -f "$1" ]; then wc -c <"$1" | tr -d ' '; else echo 0; fi
}
# wait until the answer is flowing
i=0
while [ "$i" -lt 50 ] && [ "$(fsize "$T/r43")" -lt 1048576 ]; do
	sleep 0.1
	i=$((i + 1))
done
got=$(fsize "$T/r43")
if [ "$got" -ge 1048576 ] && [ ! -f "$T/r43.rc" ]; then
	ok "the retrieve is in flight ($got bytes received so far)"
else
	not_ok "the retrieve is in flight (got $got bytes, finished: $(cat "$T/r43.rc" 2>/dev/null || echo no))"
fi
T_TERM=$(bd_ms)
kill -TERM "$OPID"
bd_wait_log "$T/okayama-gw.log" 'draining' 30 || true
like "$(grep 'signal' "$T/okayama-gw.log" | tail -n 1)" 'draining 1 request' "SIGTERM: 'draining 1 request(s) in flight' logged"
# a new connection during the drain is refused
sleep 0.3
if kill -0 "$OPID" 2>/dev/null; then
	bd_post "$XDS" okayama-ehr "$BD_SQ" "$T/hup-broken.xml" during-drain
	if [ "$BD_CODE" = 000 ] || [ "$BD_CODE" = 503 ]; then
		ok "a new request during the drain is refused (HTTP $BD_CODE: $(head -c 80 "$(bd_resp during-drain).err"))"
	else
		not_ok "a new request during the drain is refused (got HTTP $BD_CODE)"
	fi
	if kill -0 "$OPID" 2>/dev/null; then
		ok "the daemon is still running while the retrieve is in flight"
	else
		not_ok "the daemon is still running while the retrieve is in flight"
	fi
else
	not_ok "the daemon waits for the request in flight (it exited $(($(bd_ms) - T_TERM)) ms after SIGTERM)"
fi
wait "$CURL_JOB" 2>/dev/null
CURL_JOB=
T_CURL=$(bd_ms)
is "$(cat "$T/r43.code" 2>/dev/null) rc=$(cat "$T/r43.rc" 2>/dev/null)" "200 rc=0" "the retrieve in flight completes: HTTP 200, curl OK"
[ "$(cat "$T/r43.rc" 2>/dev/null)" = 0 ] || diag "$(cat "$T/r43.err" 2>/dev/null)"
if mtom_extract "$T/r43" "$T/m43" && d=$(mtom_document "$T/m43" "$BIG_UID") &&
    [ "$(sha256sum <"$d" | cut -d' ' -f1)" = "$(sha256sum <"$BIG" | cut -d' ' -f1)" ]; then
	ok "... and the 16 MiB document arrives intact (sha256)"
else
	not_ok "... and the 16 MiB document arrives intact (sha256)"
fi
rm -rf "$T/m43" "$T/r43"
if bd_wait_exit "$OPID" 50; then
	wait "$OPID"
	rc=$?
	stop_hashid okayama-gw	# forgets the reaped pid at once
	is "$rc" 0 "after the transfer the daemon exits with status 0 ($(($(bd_ms) - T_CURL)) ms after the client finished)"
else
	not_ok "the daemon exits within 5 s after the transfer finished"
fi
like "$(tail -n 3 "$T/okayama-gw.log")" 'drained; exiting' "... logging 'drained; exiting'"
stop_hashid okayama-gw
stop_hashid shimane-gw
done_testing
