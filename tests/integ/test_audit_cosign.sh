#!/bin/sh
# tests/integ/test_audit_cosign.sh: two real gateways, okayama and shimane, co-sign each
# other's audit checkpoints (gateway/cosign.h) over their mutual-TLS /xca link:
#   1. with each other's audit_vkey configured and a 200 ms checkpoint interval, queries on
#      both sides give checkpoints that carry the peer's cosignature: `hashictl audit verify
#      --witness <peer's .pub>` passes on both logs, and each witness recorded its
#      decisions (checkpoint-cosign, outcome 0); a key that never co-signed fails --witness;
#      a peer without audit_vkey and garbage checkpoints are refused (Failure, outcome 8);
#   2. okayama's log is rolled back to an older copy (stopped, audit dir replaced,
#      restarted): its new checkpoints are refused by shimane as a rollback or fork (a
#      checkpoint-cosign record with outcome 12, found by `audit search --outcome failure`,
#      and loud log lines on both sides) and get no cosignature.
# Loopback only; everything is stopped and removed by lib.sh also on failure.
set -u
. "$(dirname "$0")/lib.sh"

mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw tottori-gw
PO=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
PT=$(free_port) || die "no free port"
write_config okayama-gw "$PO" okayama peer=shimane-gw@shimane:"$PS"
# tottori: a peer of shimane without audit_vkey (never started)
write_config shimane-gw "$PS" shimane peer=okayama-gw@okayama:"$PO" peer=tottori-gw@tottori:"$PT"
CO=$(config_of okayama-gw)
CS=$(config_of shimane-gw)
region_info okayama
O_HCID=$R_HCID
region_info shimane
S_HCID=$R_HCID
region_info tottori
X_HCID=$R_HCID

# ---------------------------------------------------------------- keys and configuration
check "keygen okayama" hashictl "$CO" audit keygen
check "keygen shimane" hashictl "$CS" audit keygen
O_PUB=$T/okayama-gw.state/audit-signing.key.pub
S_PUB=$T/shimane-gw.state/audit-signing.key.pub
[ -s "$O_PUB" ] && [ -s "$S_PUB" ] || die "the verifier keys were not written"

# add_vkey CONF PEER VKEYFILE: gives peer PEER of CONF its audit_vkey; a short checkpoint
# interval so that the test does not wait.
add_vkey() {
	_av_key=$(cat "$3")
	awk -v peer="$2" -v key="$_av_key" '
	{ print }
	$0 == "  - name: " peer { print "    audit_vkey: \"" key "\"" }' "$1" >"$1.new" &&
	    mv "$1.new" "$1" && chmod 600 "$1"
	printf 'audit:\n  checkpoint_interval: 200ms\n' >>"$1"
}
add_vkey "$CO" shimane "$S_PUB"
add_vkey "$CS" okayama "$O_PUB"
check "okayama's configuration loads (hashid -n)" "$HASHID" -n -f "$CO"
check "shimane's configuration loads (hashid -n)" "$HASHID" -n -f "$CS"

start_hashid okayama-gw "$CO" shimane-gw || die "okayama-gw did not start"
start_hashid shimane-gw "$CS" okayama-gw || die "shimane-gw did not start"
ok "both gateways started (okayama $PO, shimane $PS)"

# query TO-PORT AS-CERT N: N ITI-38 queries at the /xca of TO-PORT as peer AS-CERT: each
# one is an audit record there.
query() {
	_q_i=0
	while [ "$_q_i" -lt "$3" ]; do
		_q_i=$((_q_i + 1))
		soap_fill "$SOAP/iti38-find-documents.xml" "$T/q.xml" TO="https://127.0.0.1:$1/xca" \
		    PATIENT_ID="NOBODY$_q_i^^^&1.2.392.200119.6.9999&ISO"
		_q_code=$(soap_post "https://127.0.0.1:$1/xca" "$2" urn:ihe:iti:2007:CrossGatewayQuery \
		    "$T/q.xml" "$T/r.xml")
		[ "$_q_code" = 200 ] || { diag "query to $1 as $2: HTTP $_q_code"; return 1; }
	done
}

# witness_line CONF WITNESS_PUB [DIR VKEY]: prints the --witness summary line of verify
# (empty when it fails).
witness_line() {
	if [ $# -ge 4 ]; then
		hashictl "$1" audit verify --dir "$3" --vkey "$4" --witness "$2" 2>/dev/null |
		    grep 'co-signed'
	else
		hashictl "$1" audit verify --witness "$2" 2>/dev/null | grep 'co-signed'
	fi
}

# largest LINE / latest LINE: the sizes in a witness summary line.
largest() {
	printf '%s\n' "$1" | sed -n 's/.*largest co-signed size \([0-9]*\).*/\1/p'
}
latest() {
	printf '%s\n' "$1" | sed -n 's/.*(latest checkpoint \([0-9]*\)).*/\1/p'
}

# wait_cosigned CONF WITNESS_PUB ABOVE: waits (max 15 s) until a checkpoint larger than
# ABOVE carries the witness's cosignature; prints the summary line.
wait_cosigned() {
	_wc_t=0
	while [ "$_wc_t" -lt 75 ]; do
		_wc_l=$(witness_line "$1" "$2")
		if [ -n "$_wc_l" ] && [ "$(largest "$_wc_l")" -gt "$3" ]; then
			printf '%s\n' "$_wc_l"
			return 0
		fi
		sleep 0.2
		_wc_t=$((_wc_t + 1))
	done
	printf '%s\n' "$_wc_l"
	return 1
}

# ---------------------------------------------------------------- 1. co-signing both ways
query "$PS" okayama-gw 3 || not_ok "queries at shimane"
query "$PO" shimane-gw 3 || not_ok "queries at okayama"
if line=$(wait_cosigned "$CO" "$S_PUB" 0); then
	ok "okayama's checkpoints carry shimane's cosignature ($line)"
else
	not_ok "okayama's checkpoints carry shimane's cosignature"
	diag "$line"
	diag_file "$T/okayama-gw.log" 20
	diag_file "$T/shimane-gw.log" 20
fi
if line=$(wait_cosigned "$CS" "$O_PUB" 0); then
	ok "shimane's checkpoints carry okayama's cosignature ($line)"
else
	not_ok "shimane's checkpoints carry okayama's cosignature"
	diag "$line"
fi
out=$(hashictl "$CO" audit verify --witness "$S_PUB" 2>&1)
is "$?" 0 "audit verify --witness <shimane's key> passes on okayama's log"
like "$out" "^auditlog verify: OK" "... and the log itself verifies"
like "$out" "witness .*: [1-9][0-9]* of [0-9]+ checkpoints co-signed" "... counting them"
out=$(hashictl "$CO" audit verify --witness "$O_PUB" 2>&1)
is "$?" 1 "--witness with the log's own key is refused"
hashictl "$CO" audit keygen --key "$T/stranger.key" --name hashi/stranger >/dev/null 2>&1
out=$(hashictl "$CO" audit verify --witness "$T/stranger.key.pub" 2>&1)
is "$?" 1 "--witness with a key that never co-signed fails"
like "$out" "none of the [0-9]+ checkpoints carries a valid cosignature" "... saying so"
out=$(hashictl "$CS" audit search --event checkpoint-cosign --outcome success 2>/dev/null)
like "$out" "checkpoint-cosign outcome=0" "shimane recorded co-signing okayama's checkpoints"
out=$(hashictl "$CO" audit search --event checkpoint-cosign --from-region "$S_HCID" \
    --outcome success 2>/dev/null)
like "$out" "checkpoint-cosign outcome=0" "okayama recorded co-signing shimane's (by region)"
out=$(hashictl "$CS" audit search --event checkpoint-cosign --outcome failure 2>/dev/null)
if printf '%s\n' "$out" | grep -q 'outcome=12'; then
	not_ok "no rollback or fork refused yet"
	diag "$out"
else
	ok "no rollback or fork refused yet"
fi

# cosign_post AS CHECKPOINT_B64 OUT: a CosignRequest to shimane's /xca as peer AS.
cosign_post() {
	{
		printf '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" '
		printf 'xmlns:wsa="http://www.w3.org/2005/08/addressing"><soap:Header>'
		printf '<wsa:Action soap:mustUnderstand="true">urn:hashi:audit:1:CosignCheckpoint</wsa:Action>'
		printf '<wsa:MessageID>%s</wsa:MessageID>' "$(new_uuid)"
		printf '<wsa:To>https://127.0.0.1:%s/xca</wsa:To></soap:Header><soap:Body>' "$PS"
		printf '<hashi:CosignRequest xmlns:hashi="urn:hashi:1"><hashi:Checkpoint>%s' "$2"
		printf '</hashi:Checkpoint></hashi:CosignRequest></soap:Body></soap:Envelope>'
	} >"$T/cq.xml"
	soap_post "https://127.0.0.1:$PS/xca" "$1" urn:hashi:audit:1:CosignCheckpoint "$T/cq.xml" "$3"
}
refusal() {
	printf '%s %s\n' "$(xpath "$1" "string(//*[local-name()='CosignResponse']/@status)")" \
	    "$(xpath "$1" "string(//*[local-name()='Refusal']/@reason)")"
}
code=$(cosign_post tottori-gw "$(printf 'x\n' | base64 -w0)" "$T/c1.xml")
is "$code" 200 "a peer without audit_vkey gets an answer"
like "$(refusal "$T/c1.xml")" "ResponseStatusType:Failure not-configured$" "... refusing: not configured"
code=$(cosign_post okayama-gw "$(printf 'hello\n\ngarbage\n' | base64 -w0)" "$T/c2.xml")
like "$(refusal "$T/c2.xml")" "ResponseStatusType:Failure (signature|malformed)$" \
    "okayama's garbage checkpoint is refused"
code=$(cosign_post okayama-gw "not base64!" "$T/c3.xml")
like "$(refusal "$T/c3.xml")" "ResponseStatusType:Failure malformed$" "... and so is a non-base64 one"
out=$(hashictl "$CS" audit search --event checkpoint-cosign --outcome 8 2>/dev/null)
is "$(printf '%s\n' "$out" | grep -c 'outcome=8')" 3 "shimane recorded the three refusals (outcome 8)"
out=$(hashictl "$CS" audit search --event checkpoint-cosign --outcome 8 --from-region "$X_HCID" \
    2>/dev/null)
like "$out" "checkpoint-cosign outcome=8" "... one of them from tottori"

# ---------------------------------------------------------------- 2. okayama rolls back
stop_hashid okayama-gw
cp -r "$T/okayama-gw.state/audit" "$T/okayama-audit.old" || die "cannot copy the log"
OLD=$(witness_line "$CO" "$S_PUB" "$T/okayama-audit.old" "$O_PUB")
K=$(largest "$OLD")
[ -n "$K" ] || die "the copy has no co-signed checkpoint ($OLD)"
start_hashid okayama-gw-2 "$CO" shimane-gw || die "okayama-gw did not restart"
query "$PO" shimane-gw 8 || not_ok "more queries at okayama"
if line=$(wait_cosigned "$CO" "$S_PUB" "$K"); then
	ok "okayama keeps growing, co-signed beyond the copy's size $K ($line)"
else
	not_ok "okayama keeps growing, co-signed beyond the copy's size $K"
	diag "$line"
fi
M=$(largest "$line")
stop_hashid okayama-gw-2
rm -rf "$T/okayama-gw.state/audit"
mv "$T/okayama-audit.old" "$T/okayama-gw.state/audit" || die "cannot restore the old copy"
start_hashid okayama-gw-3 "$CO" shimane-gw || die "okayama-gw did not restart on the old copy"
query "$PO" shimane-gw 3 || not_ok "queries at the rolled-back okayama"
t=0
refused=
while [ "$t" -lt 75 ]; do
	refused=$(hashictl "$CS" audit search --event checkpoint-cosign --outcome failure \
	    2>/dev/null | grep 'outcome=12')
	[ -n "$refused" ] && break
	sleep 0.2
	t=$((t + 1))
done
if [ -n "$refused" ]; then
	ok "shimane refused okayama's rolled-back checkpoint (outcome 12)"
else
	not_ok "shimane refused okayama's rolled-back checkpoint (outcome 12)"
	diag_file "$T/shimane-gw.log" 20
	diag_file "$T/okayama-gw-3.log" 20
fi
like "$refused" "from=$O_HCID" "... the record names okayama as the requesting region"
like "$(cat "$T/shimane-gw.log")" "REFUSED to co-sign checkpoint hashi/$O_HCID@[0-9]+ of peer okayama: (rollback|fork)" \
    "shimane's operator is told loudly"
like "$(cat "$T/okayama-gw-3.log")" "shimane: REFUSED our checkpoint [0-9]+ as a (rollback|fork)|shimane: it has co-signed size" \
    "okayama's operator is told too"
query "$PO" shimane-gw 3 || not_ok "more queries at the rolled-back okayama"
sleep 1
line=$(witness_line "$CO" "$S_PUB")
is "$(largest "$line")" "$K" "no checkpoint after the rollback is co-signed (largest still $K, not $M)"
if [ "$(latest "$line")" -gt "$K" ] 2>/dev/null; then
	ok "... although okayama has signed newer ones ($line)"
else
	not_ok "... although okayama has signed newer ones"
	diag "$line"
fi
check "okayama's rolled-back log still verifies on its own" hashictl "$CO" audit verify

stop_all
done_testing
