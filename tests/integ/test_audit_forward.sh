#!/bin/sh
# Forwarding of the audit records to an ATNA audit record repository (issue 6): hashid with
# audit.forward set sends every record of its signed log over TLS (client certificate, the
# repository's certificate checked against the CA and its name), RFC 5424 messages in RFC 5425
# octet-counting frames. The repository here is `openssl s_server` requiring a client
# certificate, writing what it receives to a file.
#   1. started while the repository is down: hashid serves anyway (requests are never
#      blocked: the signed log is the record of truth), /status shows the backlog;
#   2. the repository comes up: the records written meanwhile arrive, then a new query's
#      record; every frame's length is right, PRI 85, version 1, MSGID IHE+RFC-3881, BOM,
#      and its message is the record's XML exactly as the log holds it (export);
#   3. /status: connected, backlog 0;
#   4. hashid killed (-9) and restarted: a new repository connection gets only the new
#      query's record (the delivered position was stored with the log's batches).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

for tool in openssl curl xmllint; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw okayama-ehr arr
P=$(free_port) || die "no free port"
PA=$(free_port) || die "no free port"
PR=$(free_port) || die "no free port"
write_config okayama-gw "$P" okayama local=okayama-ehr
C=$(config_of okayama-gw)
cat >>"$C" <<EOF
admin:
  address: 127.0.0.1
  port: $PA
audit:
  forward:
    address: 127.0.0.1
    port: $PR
    server_name: arr
EOF
region_info okayama
PID="P0001^^^&$R_AA&ISO"
U=https://127.0.0.1:$P/xds
A_SQ=urn:ihe:iti:2007:RegistryStoredQuery

# query N: one ITI-18 FindDocuments for patient PID (answered, nothing found: no data loaded)
query() {
	soap_fill "$FLOW/sq-find-documents.xml" "$T/q$1.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass \
	    PATIENT_ID="$PID" TO="$U"
	fl_post "$U" okayama-ehr "$A_SQ" "$T/q$1.xml" "$T/r$1.xml" "ITI-18 #$1"
}
status() {
	curl -sS --max-time 5 "http://127.0.0.1:$PA/status" 2>/dev/null
}

start_hashid okayama-gw "$C" okayama-ehr || die "okayama-gw did not start"
query 1
query 2
like "$(status)" '"forward":\{"connected":false,"backlog":[1-9][0-9]*,"saved":(true|false)\}' \
    "1. repository down: requests served, the records wait (backlog on /status)"

# the repository: TLS, client certificate required and checked against the CA (s_server ends
# the connection at EOF on its stdin: a fifo held open keeps it)
mkfifo "$T/arr.in"
openssl s_server -quiet -accept "$PR" -cert "$PKI/arr.crt" -key "$PKI/arr.key" \
    -CAfile "$PKI/ca.crt" -Verify 2 -verify_return_error -naccept 1 <"$T/arr.in" \
    >"$T/arr.bin" 2>"$T/arr.err" &
ARR=$!
exec 9>"$T/arr.in"
add_cleanup "exec 9>&-; kill $ARR 2>/dev/null"
# frames FILE: the number of complete octet-counted frames at the start of FILE, or "bad
# OFFSET" at the first that is not "LEN SP <85>1 ... IHE+RFC-3881 - BOM<"
frames() {
	od -An -v -tu1 "$1" | tr -s ' ' '\n' | awk 'NF {
		b[n++] = $1 } END {
		i = 0; k = 0
		while (i < n) {
			len = 0; j = i
			while (j < n && b[j] >= 48 && b[j] <= 57) { len = len * 10 + b[j] - 48; j++ }
			if (j == i || j >= n || b[j] != 32) { print "bad " i; exit }
			if (j + len >= n) break	# not complete yet
			s = ""
			for (m = j + 1; m <= j + 40 && m <= j + len; m++) s = s sprintf("%c", b[m])
			if (substr(s, 1, 7) != "<85>1 2") { print "bad " i; exit }
			i = j + 1 + len; k++
		}
		print k }'
}
n=0
i=0
while [ "$i" -lt 100 ]; do
	n=$(frames "$T/arr.bin")
	[ "$n" -ge 2 ] 2>/dev/null && break
	i=$((i + 1))
	sleep 0.1
done
is "$n" 2 "2. repository up: the two records written while it was down arrive, framed"
query 3
i=0
while [ "$i" -lt 50 ]; do
	n=$(frames "$T/arr.bin")
	[ "$n" -ge 3 ] 2>/dev/null && break
	i=$((i + 1))
	sleep 0.1
done
is "$n" 3 "2. a new query's record follows"
i=0
# saved: the delivered position is committed (it goes with the log writer's next job, so
# backlog 0 alone does not yet mean a kill -9 loses nothing of it)
while [ "$i" -lt 50 ] && ! status | grep -q '"forward":{"connected":true,"backlog":0,"saved":true}'; do
	i=$((i + 1))
	sleep 0.1
done
like "$(status)" '"forward":\{"connected":true,"backlog":0,"saved":true\}' \
    "3. /status: connected, nothing left to send, the delivered position saved"
# kill -9: no goodbye; what the writer stored with its batches says how far delivery got
kill -9 "$(pid_of okayama-gw)"
wait "$(pid_of okayama-gw)" 2>/dev/null
awk -v p="$(pid_of okayama-gw)" '$1 != p' "$T/.pids" >"$T/.pids.new" && mv "$T/.pids.new" "$T/.pids"
exec 9>&-
wait "$ARR" 2>/dev/null
# 4. a new repository connection after a restart gets only what is new (the cursor held)
mkfifo "$T/arr2.in"
openssl s_server -quiet -accept "$PR" -cert "$PKI/arr.crt" -key "$PKI/arr.key" \
    -CAfile "$PKI/ca.crt" -Verify 2 -verify_return_error -naccept 1 <"$T/arr2.in" \
    >"$T/arr2.bin" 2>"$T/arr2.err" &
ARR2=$!
exec 8>"$T/arr2.in"
add_cleanup "exec 8>&-; kill $ARR2 2>/dev/null"
start_hashid okayama-gw "$C" okayama-ehr || die "okayama-gw did not restart"
query 4
i=0
while [ "$i" -lt 100 ]; do
	n=$(frames "$T/arr2.bin")
	[ "$n" -ge 1 ] 2>/dev/null && break
	i=$((i + 1))
	sleep 0.1
done
sleep 0.5
is "$(frames "$T/arr2.bin"):$(grep -c 'ITI-18' "$T/arr2.bin")" "1:1" \
    "4. after kill -9 and a restart: only the new record is sent (the delivered position was stored)"
stop_hashid okayama-gw

# each message is the record as the log holds it: header, BOM, the exact XML
hashictl "$C" audit export --dir "$T/okayama-gw.state/audit" \
    --vkey "$T/okayama-gw.state/audit-signing.key.pub" --format xml -o "$T/all.xml" 2>/dev/null
m=1
good=0
while [ "$m" -le 3 ]; do
	xmllint --xpath "(/*/*[local-name()='AuditMessage'])[$m]" "$T/all.xml" 2>/dev/null | tr -d '\n' >"$T/rec$m.xml"
	# the frame's message after the header and the UTF-8 BOM, newlines removed as above
	awk -v m="$m" 'BEGIN { RS = "\357\273\277<"; ORS = "" } NR == m + 1 {
		sub(/[0-9]+ <85>1 .*$/, ""); print "<" $0 }' "$T/arr.bin" | tr -d '\n' >"$T/msg$m.xml"
	cmp -s "$T/rec$m.xml" "$T/msg$m.xml" && good=$((good + 1))
	m=$((m + 1))
done
is "$good" 3 "every forwarded message is exactly its record (after the BOM)"
like "$(head -c 200 "$T/arr.bin" | tr -d '\000')" '^[0-9]+ <85>1 [0-9T:.-]+Z [^ ]+ hashid [0-9]+ IHE\+RFC-3881 - ' \
    "RFC 5424 header: PRI 85, version 1, timestamp, host, APP-NAME hashid, PROCID, MSGID IHE+RFC-3881, no structured data"
done_testing
