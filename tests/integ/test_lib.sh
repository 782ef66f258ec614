#!/bin/sh
# Self-test of tests/integ/lib.sh, the harness every integration test stands on: TAP helpers,
# free_port, soap_fill + the request templates in tests/integ/soap/ (schema-valid once filled),
# mtom_build / mtom_extract (binary-safe round trip, a real Axis2 capture), write_config (and,
# when build/hashid is a real daemon, that `hashid -n` accepts what it writes). No daemon runs.
. "$(dirname "$0")/lib.sh"
mk_tmp
T=$HASHI_TMP

# ---- TAP helpers: run a child test that uses them and look at what it printed
cat >"$T/child.sh" <<EOF
HASHI_ROOT='$HASHI_ROOT'
. '$HASHI_ROOT/tests/integ/lib.sh'
ok "one"
is x x "two"
is x y "three"
like "abc" '^a.c\$' "four"
like "abc" '^b' "five"
check "six" true
check "seven" sh -c 'echo out-of-seven; exit 4'
skip "eight" "not here"
done_testing
EOF
sh "$T/child.sh" >"$T/child.out" 2>&1
rc=$?
is "$rc" 1 "done_testing exits 1 after failures"
is "$(grep -E '^(not )?ok ' "$T/child.out" | sed 's/ -.*//' | tr '\n' ',')" \
    "ok 1,ok 2,not ok 3,ok 4,not ok 5,ok 6,not ok 7,ok 8," "ok/is/like/check/skip number and grade results"
like "$(cat "$T/child.out")" "# +got: 'x'" "is explains a mismatch"
like "$(cat "$T/child.out")" "# out-of-seven" "check shows the failing command's output"
like "$(grep '^ok 8' "$T/child.out")" '# SKIP not here' "skip says why"
printf '%s\n' ". '$HASHI_ROOT/tests/integ/lib.sh'" 'ok "fine"' done_testing >"$T/child2.sh"
HASHI_ROOT=$HASHI_ROOT sh "$T/child2.sh" >/dev/null 2>&1
is "$?" 0 "done_testing exits 0 without failures"

# ---- mk_tmp clean-up
cat >"$T/child3.sh" <<EOF
HASHI_ROOT='$HASHI_ROOT'
. '$HASHI_ROOT/tests/integ/lib.sh'
mk_tmp
echo "\$HASHI_TMP"
touch "\$HASHI_TMP/x"
exit 3
EOF
d=$(sh "$T/child3.sh" 2>/dev/null)
rc=$?
is "$rc" 3 "the exit status survives the EXIT trap"
[ -n "$d" ] && [ ! -e "$d" ] && ok "mk_tmp dir removed at exit" || not_ok "mk_tmp dir removed at exit ($d)"
d=$(HASHI_KEEP=1 sh "$T/child3.sh" 2>/dev/null)
[ -n "$d" ] && [ -f "$d/x" ] && ok "HASHI_KEEP=1 keeps it" || not_ok "HASHI_KEEP=1 keeps it ($d)"
rm -rf "$d"

# ---- check_asan: silent without HASHI_ASAN, one result with it
cat >"$T/child4.sh" <<EOF
HASHI_ROOT='$HASHI_ROOT'
. '$HASHI_ROOT/tests/integ/lib.sh'
mk_tmp
check_asan "\$HASHI_TMP"
echo "==="
printf 'x\\n' >"\$HASHI_TMP/hashid.log"
check_asan "\$HASHI_TMP"
echo "==="
printf '==1==ERROR: AddressSanitizer: heap-use-after-free\\n' >"\$HASHI_TMP/asan/asan.4242"
check_asan "\$HASHI_TMP"
EOF
is "$(HASHI_ASAN=0 sh "$T/child4.sh" 2>&1 | tr '\n' ';')" "===;===;" "check_asan is silent unless HASHI_ASAN=1"
out=$(HASHI_ASAN=1 sh "$T/child4.sh" 2>&1)
like "$(printf '%s\n' "$out" | grep -E '^(not )?ok' | tr '\n' ';')" '^ok 1 - no sanitizer reports;ok 2 - no sanitizer reports;not ok 3 - sanitizer reports found;$' \
    "check_asan passes clean logs and fails on a report file"
like "$out" '#   ==1==ERROR: AddressSanitizer: heap-use-after-free' "check_asan shows the report"

# ---- free_port
p1=$(free_port)
p2=$(free_port)
like "$p1" '^[0-9]+$' "free_port prints a port"
[ "$p1" -ge 20000 ] && [ "$p1" -le 60000 ] && ok "port $p1 in 20000-60000" || not_ok "port $p1 in 20000-60000"
[ "$p1" != "$p2" ] && ok "two calls give two ports" || not_ok "two calls give two ports ($p1 $p2)"
[ -d "$(_lib_portdir)/$p1" ] && ok "the port is reserved for parallel tests" || not_ok "the port is reserved"
[ -z "$(ss -Htan "sport = :$p1" 2>/dev/null)" ] && ok "nothing uses port $p1" || not_ok "nothing uses port $p1"
# a listening port is never handed out: occupy one with openssl s_server and reserve the rest
mk_pki lib-test
busy=$(free_port)
openssl s_server -accept "127.0.0.1:$busy" -cert "$PKI/lib-test.crt" -key "$PKI/lib-test.key" \
    -naccept 1 -quiet >/dev/null 2>&1 &
spid=$!
i=0
while [ $i -lt 50 ] && ! _lib_port_busy "$busy"; do sleep 0.1; i=$((i + 1)); done
_lib_port_busy "$busy" && ok "_lib_port_busy sees a listening socket" || not_ok "_lib_port_busy sees a listening socket"
tls_ready "$busy" && ok "tls_ready completes a handshake against the test CA" || not_ok "tls_ready against s_server"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
tls_ready "$(free_port)" && not_ok "tls_ready fails on a closed port" || ok "tls_ready fails on a closed port"

# ---- start_hashid / stop_all with a stand-in daemon (openssl s_server behind the same CLI)
cat >"$T/fake-hashid" <<'FAKE'
#!/bin/sh
# stand-in for hashid -d -f CONFIG: TLS on the configured port; exits 0 on SIGTERM unless
# FAKE_STUBBORN=1 (then it ignores SIGTERM); exits 1 at once if FAKE_FAIL=1.
conf=$3
[ "${FAKE_FAIL:-0}" = 1 ] && { echo "fake-hashid: cannot bind" >&2; exit 1; }
v() { sed -n "s/^ *$1: *//p" "$conf" | head -n 1; }
echo "fake-hashid: listening on $(v port)" >&2
openssl s_server -accept "127.0.0.1:$(v port)" -cert "$(v certificate)" -key "$(v private_key)" \
    -CAfile "$(v ca)" -Verify 1 -quiet </dev/null >/dev/null 2>&1 &
pid=$!
echo "$pid" >"$conf.spid"
if [ "${FAKE_STUBBORN:-0}" = 1 ]; then
	trap '' TERM
else
	trap 'kill $pid; wait $pid; echo "fake-hashid: drained" >&2; exit 0' TERM
fi
wait $pid
while :; do sleep 1; done
FAKE
chmod +x "$T/fake-hashid"
pf=$(free_port)
write_config lib-test "$pf" okayama local=lib-test
cat >"$T/child5.sh" <<CHILD
HASHI_ROOT='$HASHI_ROOT'
HASHID='$T/fake-hashid'
. '$HASHI_ROOT/tests/integ/lib.sh'
mk_tmp
PKI='$PKI'
start_hashid fake '$(config_of lib-test)' && echo "started \$(pid_of fake)"
tls_ready $pf lib-test && echo "ready"
[ -n "\${STOP:-}" ] && stop_all && echo "stopped"
echo "log: \$(tr '\n' ' ' <"\$HASHI_TMP/fake.log")"
CHILD
out=$(STOP=1 sh "$T/child5.sh" 2>&1)
like "$out" 'started [0-9]+' "start_hashid returns once the port completes a TLS handshake"
like "$out" 'ready' "the stand-in serves TLS with the configured certificate"
like "$out" 'stopped' "stop_all returns"
like "$out" 'log: fake-hashid: listening on [0-9]+ .*fake-hashid: drained' \
    "stdout/stderr go to NAME.log; SIGTERM reached the daemon"
if printf '%s\n' "$out" | grep -q '^not ok'; then
	not_ok "a daemon that exits 0 on SIGTERM is not reported"
	diag "$out"
else
	ok "a daemon that exits 0 on SIGTERM is not reported"
fi
out=$(sh "$T/child5.sh" 2>&1)
like "$out" 'started' "a daemon left running at exit ..."
i=0
while [ $i -lt 20 ] && [ -n "$(ss -Htln "sport = :$pf")" ]; do sleep 0.1; i=$((i + 1)); done
[ -z "$(ss -Htln "sport = :$pf")" ] && ok "... is stopped by the EXIT trap (port closed)" ||
    not_ok "... is stopped by the EXIT trap (port still open)"
out=$(FAKE_FAIL=1 sh "$T/child5.sh" 2>&1)
like "$out" 'not ok 1 - start hashid fake: exited with status 1 before listening' "a daemon that dies at start fails the test"
like "$out" '#   fake-hashid: cannot bind' "with its log"
out=$(FAKE_STUBBORN=1 STOP=1 sh "$T/child5.sh" 2>&1)
like "$out" 'not ok [0-9]+ - hashid fake did not exit within 5 s of SIGTERM \(killed\)' \
    "a daemon that ignores SIGTERM is killed after 5 s and reported"
# the stubborn stand-in's s_server outlives its SIGKILLed parent: end it by its pid
spid=$(cat "$(config_of lib-test).spid" 2>/dev/null)
[ -n "$spid" ] && kill "$spid" 2>/dev/null

# ---- request templates: filled, they are schema-valid SOAP 1.2 envelopes
PID='P0001^^^&1.2.392.200119.6.1001.1&ISO'
for spec in \
    "iti18-find-documents.xml|PATIENT_ID=$PID" \
    "iti38-find-documents.xml|PATIENT_ID=$PID" \
    "iti38-get-documents.xml|HOME=urn:oid:1.2.392.200119.6.1002|DOC_UID=1.2.392.200119.6.1002.3.1" \
    "iti39-retrieve.xml|HOME=urn:oid:1.2.392.200119.6.1002|REPO=1.2.392.200119.6.1002.2|DOC_UID=1.2.392.200119.6.1002.3.1" \
    "iti43-retrieve.xml|REPO=1.2.392.200119.6.1001.2|DOC_UID=1.2.392.200119.6.1001.3.1"; do
	f=${spec%%|*}
	args=${spec#*|}
	old_ifs=$IFS
	IFS='|'
	# shellcheck disable=SC2086
	soap_fill "$SOAP/$f" "$T/$f" TO=https://127.0.0.1:1/ig $args
	IFS=$old_ifs
	if validate_envelope "$T/$f"; then ok "$f filled is a valid envelope"; else not_ok "$f filled is a valid envelope"; fi
done
like "$(xpath "$T/iti38-find-documents.xml" "string(//*[local-name()='Slot'][@name='\$XDSDocumentEntryPatientId']//*[local-name()='Value'])")" \
    "^'P0001\\^\\^\\^&1\\.2\\.392\\.200119\\.6\\.1001\\.1&ISO'\$" "soap_fill XML-escapes values (CX & survives)"
like "$(xpath "$T/iti38-find-documents.xml" "string(//*[local-name()='MessageID'])")" \
    '^urn:uuid:[0-9a-f-]{36}$' "soap_fill gives every message a fresh MessageID"
soap_fill "$SOAP/iti43-retrieve.xml" "$T/x.xml" DOC_UID=1 2>/dev/null
is "$?" 2 "soap_fill refuses a template placeholder without value"
is "$(xpath "$T/iti39-retrieve.xml" "string($(lname //DocumentRequest/HomeCommunityId))")" \
    "urn:oid:1.2.392.200119.6.1002" "lname turns a plain path into local-name() tests"

sh "$DATA/gen_demo_data.sh" "$T/data" okayama 2 >/dev/null
base64 -w0 "$T/data/P0001-1.cda" >"$T/b64"
PNR="PATIENT_ID=$PID DOC_UID=1.2.392.200119.6.1001.3.9001 SS_UID=1.2.392.200119.6.1001.4.9001 SOURCE_ID=1.2.392.200119.6.1001.5.1 CREATION_TIME=20240501010000 SUBMISSION_TIME=20240501020000 TITLE=診療情報提供書"
# shellcheck disable=SC2086
soap_fill "$SOAP/iti41-pnr-inline.xml" "$T/pnr-inline.xml" $PNR DOCUMENT_B64=@"$T/b64"
if validate_envelope "$T/pnr-inline.xml"; then ok "ITI-41 inline PnR is a valid envelope"; else not_ok "ITI-41 inline PnR is a valid envelope"; fi
is "$(xpath "$T/pnr-inline.xml" "string(//*[local-name()='Document'])" | base64 -d | sha256sum)" \
    "$(sha256sum <"$T/data/P0001-1.cda")" "the inline Document carries the CDA bytes"

# ---- MTOM: build, extract (binary-safe), reconstitute, validate
# shellcheck disable=SC2086
soap_fill "$SOAP/iti41-pnr-mtom.xml" "$T/pnr-mtom-root.xml" $PNR DOCUMENT_CID='cda 1@hashi.test'
head -c 2000000 /dev/urandom >"$T/bin"
printf 'x\r\n--MIMEBoundary_hashi_fake\r\n\r\n\000--\n' >>"$T/bin"
head -c 777 /dev/urandom >>"$T/bin"
: >"$T/empty"
ct=$(mtom_build urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b "$T/pnr-mtom-root.xml" "$T/mtom.body" \
    'cda 1@hashi.test' "$T/data/P0001-1.cda" text/xml 'blob@x' "$T/bin" application/octet-stream \
    'empty@x' "$T/empty" application/pdf)
like "$ct" '^multipart/related; boundary="MIMEBoundary_hashi_[0-9a-f]+"; type="application/xop\+xml"; start="<root.message@hashi.test>"; start-info="application/soap\+xml"; action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"$' \
    "mtom_build prints the MTOM Content-Type"
printf 'HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: 1\r\n\r\n' "$ct" >"$T/mtom.body.hdr"
if mtom_extract "$T/mtom.body" "$T/mx"; then ok "mtom_extract splits it (Content-Type from the saved headers)"; else not_ok "mtom_extract splits it"; fi
is "$(cut -f1-3 "$T/mx/parts.tsv" | tr '\t\n' '|;')" \
    '1|root.message@hashi.test|application/xop+xml; charset=UTF-8; type="application/soap+xml";2|cda 1@hashi.test|text/xml;3|blob@x|application/octet-stream;4|empty@x|application/pdf;' \
    "parts.tsv lists every part with its Content-ID and type"
check "root.xml is the root part, byte for byte" cmp "$T/pnr-mtom-root.xml" "$T/mx/root.xml"
check "a text part survives byte for byte" cmp "$T/data/P0001-1.cda" "$T/mx/part-2.bin"
check "a 2 MB binary part with CRLF, NUL and a fake delimiter survives" cmp "$T/bin" "$T/mx/part-3.bin"
check "an empty part stays empty" cmp "$T/empty" "$T/mx/part-4.bin"
is "$(mtom_part_for "$T/mx" 'cid:cda%201%40hashi.test')" "$T/mx/part-2.bin" "mtom_part_for decodes a URL-encoded cid: href"
if validate_envelope "$T/mx/root.xml" "$T/mx"; then ok "the MTOM PnR is valid once its xop:Include is inlined"; else not_ok "MTOM PnR valid after inlining"; fi
if validate_envelope "$T/mx/root.xml" >/dev/null; then not_ok "validate_envelope rejects an un-inlined xop:Include"; else ok "validate_envelope rejects an un-inlined xop:Include"; fi

# a Retrieve Document Set response in MTOM, as the gateway sends it: mtom_document finds the bytes
cat >"$T/ret-root.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">urn:ihe:iti:2007:CrossGatewayRetrieveResponse</a:Action><a:RelatesTo>urn:uuid:0fbfdced-6c01-4d09-a110-2201afedaa02</a:RelatesTo></s:Header><s:Body><xdsb:RetrieveDocumentSetResponse xmlns:xdsb="urn:ihe:iti:xds-b:2007"><rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/><xdsb:DocumentResponse><xdsb:HomeCommunityId>urn:oid:1.2.392.200119.6.1001</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>1.2.392.200119.6.1001.2</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>1.2.392.200119.6.1001.3.1</xdsb:DocumentUniqueId><xdsb:mimeType>text/xml</xdsb:mimeType><xdsb:Document><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:1.2.392.200119.6.1001.3.1%40hashi"/></xdsb:Document></xdsb:DocumentResponse><xdsb:DocumentResponse><xdsb:HomeCommunityId>urn:oid:1.2.392.200119.6.1001</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>1.2.392.200119.6.1001.2</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>1.2.392.200119.6.1001.3.2</xdsb:DocumentUniqueId><xdsb:mimeType>application/octet-stream</xdsb:mimeType><xdsb:Document>aGVsbG8=</xdsb:Document></xdsb:DocumentResponse></xdsb:RetrieveDocumentSetResponse></s:Body></s:Envelope>
EOF
ct=$(mtom_build urn:ihe:iti:2007:CrossGatewayRetrieveResponse "$T/ret-root.xml" "$T/ret.body" \
    '1.2.392.200119.6.1001.3.1@hashi' "$T/data/P0001-1.cda" text/xml)
mtom_extract "$T/ret.body" "$T/rx" "$ct"
is "$(mtom_document "$T/rx" 1.2.392.200119.6.1001.3.1)" "$T/rx/part-2.bin" "mtom_document finds an xop:Include part by DocumentUniqueId"
f=$(mtom_document "$T/rx" 1.2.392.200119.6.1001.3.2)
is "$(cat "$f" 2>/dev/null)" "hello" "mtom_document decodes an inline base64 Document"
mtom_document "$T/rx" 9.9.9 >/dev/null && not_ok "mtom_document fails for an absent document" || ok "mtom_document fails for an absent document"
if validate_envelope "$T/rx/root.xml" "$T/rx"; then ok "the retrieve response is valid once inlined"; else not_ok "retrieve response valid once inlined"; fi

# a real capture (Axis2 via the NIST toolkit): LF line ends, transport padding after delimiters
cap=$SHARED/conformance/samples/nist-toolkit/http-mtom-pnr.txt
if [ -f "$cap" ]; then
	ct=$(sed -n 's/^Content-Type: //p' "$cap" | head -n 1 | tr -d '\r')
	awk 'f { print } /^\r?$/ && !f { f = 1 }' "$cap" >"$T/nist.body"
	mtom_extract "$T/nist.body" "$T/nx" "$ct"
	is "$(cut -f2 "$T/nx/parts.tsv" | tr '\n' ' ')" \
	    "0.urn:uuid:3D4B161591CD1DEC0C1286850962203@apache.org 1.urn:uuid:3D4B161591CD1DEC0C1286850962319@apache.org " \
	    "mtom_extract reads the NIST/Axis2 MTOM capture"
	like "$(head -c 60 "$T/nx/part-2.bin")" '^Four score and seven years ago' "its document part starts where it should"
	like "$(tail -c 20 "$T/nx/part-2.bin")" 'the earth\.$' "and ends without the delimiter's line break"
else
	skip "NIST MTOM capture" "$cap not found"
fi
printf 'plain' >"$T/plain"
mtom_extract "$T/plain" "$T/px" "application/soap+xml; charset=UTF-8"
is "$(cat "$T/px/root.xml")" "plain" "a non-multipart body is taken as the root as is"
printf -- '--b\r\nContent-Type: text/plain\r\n\r\nno end' >"$T/trunc"
mtom_extract "$T/trunc" "$T/tx" 'multipart/related; boundary=b' 2>/dev/null &&
    not_ok "a truncated multipart is an error" || ok "a truncated multipart is an error"

# ---- write_config
p3=$(free_port)
mk_pki okayama-gw shimane-gw okayama-ehr
write_config okayama-gw "$p1" okayama local=okayama-ehr peer=shimane-gw@shimane:"$p3" \
    map=shimane:P0001:S0001 timeouts.request=3s tls.allow_tls12=true limits.max_connections=64
cf=$(config_of okayama-gw)
check "write_config writes a 0600 file" test "$(stat -c %a "$cf")" = 600
like "$(cat "$cf")" "port: $p1" "listen port"
like "$(cat "$cf")" 'home_community_id: urn:oid:1\.2\.392\.200119\.6\.1002' "peer community from regions.tsv"
like "$(cat "$cf")" "query_url: https://127.0.0.1:$p3/xca" "peer URL"
like "$(cat "$cf")" 'remote: "S0001\^\^\^&1\.2\.392\.200119\.6\.1002\.1&ISO"' "patient_map in the peer's assigning authority"
like "$(cat "$cf")" 'local: "P0001\^\^\^&1\.2\.392\.200119\.6\.1001\.1&ISO"' "patient_map local id in ours"
like "$(cat "$cf")" 'request: 3s' "timeouts.request override"
like "$(cat "$cf")" 'allow_tls12: true' "tls override"
like "$(cat "$cf")" 'max_connections: 64' "an override without default is added to its section"
like "$(cat "$cf")" 'subject: "CN=okayama-ehr,O=Hashi Test,C=JP"' "local system subject"
is "$(_lib_config_port "$cf")" "$p1" "the port start_hashid will probe"
if [ -x "$HASHID" ] && "$HASHID" -n -f "$cf" >"$T/n.log" 2>&1; then
	ok "hashid -n accepts the config write_config wrote"
elif [ -x "$HASHID" ] && grep -q 'not assembled' "$T/n.log"; then
	skip "hashid -n accepts the config" "hashid not assembled yet"
elif [ -x "$HASHID" ]; then
	not_ok "hashid -n accepts the config write_config wrote"
	diag_file "$T/n.log"
else
	skip "hashid -n accepts the config" "$HASHID not built"
fi

done_testing
