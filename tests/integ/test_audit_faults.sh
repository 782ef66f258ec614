#!/bin/sh
# The audit log's fail-closed faults (issue 6), with real hashid processes (region okayama,
# embedded registry with demo data, local system okayama-ehr querying /xds with ITI-18):
#   1. map too small: audit.map_size 1MiB; queries until one is refused: the refusal is the
#      audit SOAP fault (HTTP 500) with no registry object in it; /health 503, /status and
#      /metrics say unhealthy, hashictl status says FAILING; the daemon keeps running and
#      keeps refusing (sequential and parallel requests, never data). audit.map_size raised
#      in the file + SIGHUP: the next query is answered with its documents, healthy again.
#      The log (copy, after stop) verifies and holds exactly one ITI-18 record per answered
#      query, per patient, plus the config-reload record; none for a refused one.
#   2. disk full (root and a working `mount -t tmpfs` only, else skipped): the audit
#      directory on a 2 MiB tmpfs, map_size 64MiB; a filler file takes all the space but
#      256 KiB; queries until the full disk refuses one, then refusals; the filler removed,
#      the next query is answered and health returns by itself; the log verifies, records =
#      answers.
#      The tmpfs is always unmounted (add_cleanup), also on failure.
#   3. kill -9 mid-load: 8 parallel query loops, each query for a distinct unknown patient
#      (K<loop>N<i>, which becomes the record's ParticipantObject); the daemon is killed
#      with SIGKILL halfway; restarted on the same state, it starts and answers; the log
#      verifies and every acknowledged (HTTP 200) query's patient is in it.
# Queries in 1 and 2 carry an 8 KiB XML comment inside the AdhocQuery: the record keeps the
# query's bytes, so fewer queries fill the small log (runtime).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

for tool in openssl xmllint curl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
mk_tmp
T=$HASHI_TMP
mk_pki full-gw disk-gw kill-gw okayama-ehr
region_info okayama
AA=$R_AA
NOCONF=$T/none.yaml	# never written: audit verify/search with --dir and --vkey need none
REFUSAL='the audit log cannot be written; nothing was released'
PAD=$(printf '%8192s' '' | tr ' ' x)
NPAT=5

sh "$DATA/gen_demo_data.sh" "$T/data" okayama "$NPAT" >/dev/null 2>&1 ||
    die "gen_demo_data.sh okayama failed"

# ---------------------------------------------------------------- helpers
cx() {	# cx ID: the patient CX of local id ID in okayama
	printf '%s^^^&%s&ISO' "$1" "$AA"
}

# mkq FILE PORT ID [PAD]: an ITI-18 FindDocuments for patient ID to FILE; with PAD the
# padding comment goes inside the AdhocQuery.
mkq() {
	soap_fill "$SOAP/iti18-find-documents.xml" "$1" PATIENT_ID="$(cx "$3")" \
	    TO="https://127.0.0.1:$2/xds" || die "soap_fill for $3 failed"
	if [ -n "${4:-}" ]; then
		sed -i "s|<rim:AdhocQuery [^>]*>|&<!-- $4 -->|" "$1"
		grep -q "<!-- x" "$1" || die "test bug: no padding in $1"
	fi
}

# q18 PORT QFILE OUT: posts QFILE to PORT's /xds as okayama-ehr; prints the HTTP status.
q18() {
	soap_post "https://127.0.0.1:$1/xds" okayama-ehr "$A_SQ" "$2" "$3"
}

# ndocs ID: how many documents the demo data holds for patient ID.
ndocs() {
	awk -F '\t' -v p="$1" '$1 == p { n++ } END { print n + 0 }' "$T/data/documents.tsv"
}

# objects FILE: how many registry objects or documents FILE holds.
objects() {
	_ob=$(xpath "$1" "count(//$(fl_l RegistryObjectList)|$FL_EO|$FL_OREF|$FL_RP|$FL_ASSOC|//$(fl_l Document))")
	echo "${_ob:-0}"
}

# is_refusal FILE: 0 when FILE is the audit refusal: a SOAP Receiver fault with that
# reason, no registry object and none of the demo documents' uniqueIds.
is_refusal() {
	[ "$(xpath "$1" "normalize-space(//$(fl_l Fault)/$(fl_l Code)/$(fl_l Value))")" = \
	    env:Receiver ] || return 1
	xpath "$1" "string(//$(fl_l Fault)/$(fl_l Reason)/$(fl_l Text))" | grep -qF "$REFUSAL" ||
	    return 1
	[ "$(objects "$1")" = 0 ] || return 1
	! grep -qF -f "$T/uids" "$1"
}
cut -f2 "$T/data/documents.tsv" | grep -v '^document' | grep . >"$T/uids"

# kind CODE FILE ID: "data" (Success with ID's documents), "empty" (Success, nothing),
# "refused" (HTTP 500 and is_refusal) or "other ...".
kind() {
	if [ "$1" = 200 ]; then
		_k_st=$(fl_status "$2")
		_k_n=$(xpath "$2" "count($FL_EO)")
		if [ "$_k_st" = Success ] && [ "${_k_n:-0}" -gt 0 ] && [ "$_k_n" = "$(ndocs "$3")" ]; then
			echo data
		elif [ "$_k_st" = Success ] && [ "$(objects "$2")" = 0 ] && [ "$(ndocs "$3")" = 0 ]; then
			echo empty
		else
			echo "other HTTP 200 status $_k_st, $_k_n ExtrinsicObjects"
		fi
	elif [ "$1" = 500 ] && is_refusal "$2"; then
		echo refused
	else
		echo "other HTTP $1"
	fi
}

# admin PORT PATH OUT: GET http://127.0.0.1:PORT/PATH into OUT; prints the HTTP status.
admin() {
	curl -sS --max-time 5 -o "$3" -w '%{http_code}' "http://127.0.0.1:$1$2" 2>"$3.err"
}

# metric NAME FILE: the value of sample NAME in the /metrics text FILE.
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$2"
}

# wait_health PORT CODE: polls /health until it answers CODE (max 5 s).
wait_health() {
	_wh_i=0
	while [ "$_wh_i" -lt 50 ]; do
		[ "$(admin "$1" /health "$T/wh.txt")" = "$2" ] && return 0
		_wh_i=$((_wh_i + 1))
		sleep 0.1
	done
	return 1
}

# unhealthy NAME PORT ERROR: /health, /status and /metrics of NAME's admin listener PORT
# say the audit log failed with ERROR.
unhealthy() {
	is "$(admin "$2" /health "$T/h.txt")" 503 "$1: GET /health answers 503"
	is "$(cat "$T/h.txt")" "unhealthy: audit log: $3" "$1: /health says why"
	admin "$2" /status "$T/s.json" >/dev/null
	like "$(cat "$T/s.json")" "\"healthy\":false,\"audit\":\\{\"healthy\":false,[^}]*\"error\":\"$3\"" \
	    "$1: /status: healthy false, audit error '$3'"
	is "$(admin "$2" /metrics "$T/m.txt")" 200 "$1: GET /metrics answers 200"
	is "$(metric hashi_audit_healthy "$T/m.txt")" 0 "$1: hashi_audit_healthy 0"
	like "$(metric hashi_audit_commit_failures_total "$T/m.txt")" '^[1-9][0-9]*$' \
	    "$1: hashi_audit_commit_failures_total >= 1"
}

# healthy NAME PORT: /health 200, /metrics hashi_audit_healthy 1, /status healthy.
healthy() {
	is "$(admin "$2" /health "$T/h.txt")" 200 "$1: GET /health answers 200"
	admin "$2" /metrics "$T/m.txt" >/dev/null
	is "$(metric hashi_audit_healthy "$T/m.txt")" 1 "$1: hashi_audit_healthy 1"
	admin "$2" /status "$T/s.json" >/dev/null
	like "$(cat "$T/s.json")" '"healthy":true,"audit":\{"healthy":true,[^}]*"error":null' \
	    "$1: /status: healthy true, no audit error"
}

# alive NAME: the hashid started as NAME still runs.
alive() {
	if kill -0 "$(pid_of "$1")" 2>/dev/null; then
		ok "$1: hashid still running"
	else
		not_ok "$1: hashid still running"
		diag_file "$T/$1.log" 30
	fi
}

# verify_copy NAME DIR: hashictl audit verify of the copy DIR with NAME's verifier key;
# reports, and sets NREC to the number of records it checked.
verify_copy() {
	NREC=
	if _vc_out=$(hashictl "$NOCONF" audit verify --dir "$2" \
	    --vkey "$T/$1.state/audit-signing.key.pub" 2>&1); then
		ok "$1: hashictl audit verify passes on the log"
		NREC=$(printf '%s\n' "$_vc_out" | sed -n 's/.*OK, \([0-9][0-9]*\) records.*/\1/p' | head -n 1)
		diag "$_vc_out"
	else
		not_ok "$1: hashictl audit verify passes on the log"
		diag "$_vc_out"
	fi
}

# nfound NAME DIR FILTER...: how many records of the copy DIR a search with FILTER finds.
nfound() {
	_nf_n=$1
	_nf_d=$2
	shift 2
	hashictl "$NOCONF" audit search --dir "$_nf_d" --vkey "$T/$_nf_n.state/audit-signing.key.pub" \
	    --format json "$@" 2>"$T/search.err" | grep -c '^{'
}

# stop_copy NAME: stops NAME's hashid (SIGTERM, reported) and copies its log to
# $T/NAME.copy (the copy is read: the live log would record the read).
stop_copy() {
	stop_hashid "$1"
	rm -rf "$T/$1.copy"
	cp -a "$T/$1.state/audit" "$T/$1.copy" || not_ok "$1: copy of the audit log"
}

# setup NAME PORT ADMIN_PORT MAP_SIZE: config for NAME (okayama, local okayama-ehr, admin
# listener, audit.map_size MAP_SIZE; write_config has no audit.* overrides) with the demo
# data imported.
setup() {
	write_config "$1" "$2" okayama local=okayama-ehr
	printf 'admin:\n  address: 127.0.0.1\n  port: %s\naudit:\n  map_size: %s\n' "$3" "$4" \
	    >>"$(config_of "$1")"
	hashictl "$(config_of "$1")" registry import "$T/data" >"$T/$1.import" 2>&1 ||
	    { diag_file "$T/$1.import"; die "$1: registry import failed"; }
}

# ================================================================ 1. map too small
N=full-gw
P1=$(free_port) || die "no free port"
A1=$(free_port) || die "no free port"
setup "$N" "$P1" "$A1" 1MiB
C1=$(config_of "$N")
start_hashid "$N" "$C1" okayama-ehr || die "$N did not start"
i=1
while [ "$i" -le "$NPAT" ]; do
	mkq "$T/pq$i.xml" "$P1" "P000$i" "$PAD"
	i=$((i + 1))
done
healthy "$N (start)" "$A1"

# answered patient: a line per query answered with data
: >"$T/full.answered"
REFUSED=0
n=0
first=
while [ "$n" -lt 400 ]; do
	k=$((n % NPAT + 1))
	n=$((n + 1))
	code=$(q18 "$P1" "$T/pq$k.xml" "$T/r.xml")
	kd=$(kind "$code" "$T/r.xml" "P000$k")
	case $kd in
	data) echo "P000$k" >>"$T/full.answered" ;;
	refused)
		first=P000$k
		REFUSED=1
		cp "$T/r.xml" "$T/full-refused.xml"
		cp "$T/r.xml.hdr" "$T/full-refused.xml.hdr"
		break ;;
	*)
		not_ok "$N: query $n ($kd)"
		diag "$(head -c 800 "$T/r.xml")"
		break ;;
	esac
done
ANSWERED=$(wc -l <"$T/full.answered" | tr -d ' ')
diag "$N: $ANSWERED queries answered with data before query $n was refused"
if [ -n "$first" ]; then
	ok "$N: query $n refused once the 1 MiB map was full ($ANSWERED answered with data before)"
	is "$(tr -d '\r' <"$T/full-refused.xml.hdr" | sed -n 's/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' | tail -n 1)" \
	    500 "$N: the refusal is HTTP 500"
	like "$(response_content_type "$T/full-refused.xml")" '^application/soap\+xml' \
	    "$N: ... a SOAP 1.2 message"
	like "$(xpath "$T/full-refused.xml" "string(//$(fl_l Fault)/$(fl_l Reason)/$(fl_l Text))")" \
	    "$REFUSAL" "$N: ... the audit fault (Receiver, 'nothing was released')"
	is "$(objects "$T/full-refused.xml")" 0 "$N: ... with no registry object or document"
	if grep -qF -f "$T/uids" "$T/full-refused.xml"; then
		not_ok "$N: ... and no document uniqueId of $first"
	else
		ok "$N: ... and no document uniqueId of $first"
	fi
	fl_valid "$T/full-refused.xml" "$N: the refusal"
else
	not_ok "$N: a query was refused within 400 (map full)"
fi
if [ "$ANSWERED" -ge 1 ]; then
	ok "$N: queries were answered before the map was full"
else
	not_ok "$N: queries were answered before the map was full"
fi

unhealthy "$N" "$A1" "audit log full"
if hashictl "$C1" status >"$T/ctl.out" 2>&1; then
	like "$(cat "$T/ctl.out")" '^audit log: FAILING \(audit log full\): requests are refused' \
	    "$N: hashictl status says the audit log is FAILING"
else
	not_ok "$N: hashictl status"
	diag_file "$T/ctl.out"
fi
like "$(cat "$T/$N.log")" 'audit: cannot write the audit log: audit log full; refusing requests' \
    "$N: hashid logs why it refuses"

# keeps refusing: known patients, unknown patients (never in the log), a parallel burst
bad=0
for k in 1 2 3; do
	code=$(q18 "$P1" "$T/pq$k.xml" "$T/r.xml")
	kd=$(kind "$code" "$T/r.xml" "P000$k")
	[ "$kd" = refused ] || { bad=1; diag "P000$k while unhealthy: $kd" "$(head -c 600 "$T/r.xml")"; }
	REFUSED=$((REFUSED + 1))
done
for z in Z0001 Z0002 Z0003; do
	mkq "$T/zq.xml" "$P1" "$z" "$PAD"
	code=$(q18 "$P1" "$T/zq.xml" "$T/r.xml")
	kd=$(kind "$code" "$T/r.xml" "$z")
	[ "$kd" = refused ] || { bad=1; diag "$z while unhealthy: $kd" "$(head -c 600 "$T/r.xml")"; }
	REFUSED=$((REFUSED + 1))
done
is "$bad" 0 "$N: 6 more queries while unhealthy are all refused, no data"
BURST=
for k in 1 2 3 4; do
	( q18 "$P1" "$T/pq$k.xml" "$T/b$k.xml" >"$T/b$k.code" ) &
	BURST="$BURST $!"
done
for b in $BURST; do	# not a bare wait: the daemons are children of this shell too
	wait "$b"
done
bad=0
for k in 1 2 3 4; do
	kd=$(kind "$(cat "$T/b$k.code")" "$T/b$k.xml" "P000$k")
	[ "$kd" = refused ] || { bad=1; diag "parallel P000$k: $kd" "$(head -c 600 "$T/b$k.xml")"; }
	REFUSED=$((REFUSED + 1))
done
is "$bad" 0 "$N: 4 parallel queries while unhealthy are all refused, no data"
alive "$N"
admin "$A1" /metrics "$T/m.txt" >/dev/null
is "$(metric hashi_audit_refused_total "$T/m.txt")" "$REFUSED" \
    "$N: hashi_audit_refused_total = $REFUSED (every refused query counted)"
is "$(metric hashi_audit_healthy "$T/m.txt")" 0 "$N: still unhealthy (hashi_audit_healthy 0)"

# raise the map size, SIGHUP
is "$(grep -c '^  map_size: 1MiB$' "$C1")" 1 "test bug check: one audit map_size line"
sed -i 's/^  map_size: 1MiB$/  map_size: 16MiB/' "$C1"
kill -HUP "$(pid_of "$N")"
if wait_health "$A1" 200; then
	ok "$N: healthy again after audit.map_size 16MiB + SIGHUP"
else
	not_ok "$N: healthy again after audit.map_size 16MiB + SIGHUP"
	diag "$(cat "$T/wh.txt")"
	diag_file "$T/$N.log" 20
fi
code=$(q18 "$P1" "$T/pq1.xml" "$T/r.xml")
kd=$(kind "$code" "$T/r.xml" P0001)
if is "$kd" data "$N: the next query is answered with P0001's $(ndocs P0001) documents"; then
	echo P0001 >>"$T/full.answered"
else
	diag "$(head -c 800 "$T/r.xml")"
fi
healthy "$N (after reload)" "$A1"
like "$(cat "$T/$N.log")" 'audit: the audit log is writable again' "$N: hashid logs the recovery"
alive "$N"
stop_copy "$N"

ANSWERED=$(wc -l <"$T/full.answered" | tr -d ' ')
verify_copy "$N" "$T/$N.copy"
RELOADS=$(nfound "$N" "$T/$N.copy" --event config-reload)
is "$RELOADS" 1 "$N: the SIGHUP's config-reload record"
is "$(nfound "$N" "$T/$N.copy" --event ITI-18)" "$ANSWERED" \
    "$N: one ITI-18 record per query answered with data ($ANSWERED), none for the $REFUSED refused"
is "$NREC" "$((ANSWERED + RELOADS))" "$N: the log holds nothing else ($ANSWERED + $RELOADS records)"
bad=
k=1
while [ "$k" -le "$NPAT" ]; do
	want=$(grep -c "^P000$k\$" "$T/full.answered")
	got=$(nfound "$N" "$T/$N.copy" --patient "$(cx "P000$k")")
	[ "$want" = "$got" ] || bad="$bad P000$k:$got/$want"
	k=$((k + 1))
done
is "$bad" "" "$N: per patient, records = answered queries (search --patient)"
is "$(nfound "$N" "$T/$N.copy" --patient "$(cx Z0001)"):$(nfound "$N" "$T/$N.copy" --patient "$(cx Z0002)"):$(nfound "$N" "$T/$N.copy" --patient "$(cx Z0003)")" \
    0:0:0 "$N: the patients only queried while unhealthy are not in the log"

# ================================================================ 2. disk full
N=disk-gw
P2=$(free_port) || die "no free port"
A2=$(free_port) || die "no free port"
setup "$N" "$P2" "$A2" 64MiB
C2=$(config_of "$N")
AD=$T/$N.state/audit
mkdir -p "$AD"
chmod 700 "$T/$N.state" "$AD"
if [ "$(id -u)" != 0 ]; then
	skip "$N: disk full on a tmpfs" "not root (mount -t tmpfs needs it)"
elif ! mount -t tmpfs -o size=2m,mode=0700 hashi-audit-test "$AD" 2>"$T/mount.err"; then
	skip "$N: disk full on a tmpfs" "mount -t tmpfs failed: $(head -n 1 "$T/mount.err")"
else
	add_cleanup "if mountpoint -q '$AD'; then umount '$AD' || umount -l '$AD'; fi"
	start_hashid "$N" "$C2" okayama-ehr || die "$N did not start"
	i=1
	while [ "$i" -le "$NPAT" ]; do
		mkq "$T/dq$i.xml" "$P2" "P000$i" "$PAD"
		i=$((i + 1))
	done
	: >"$T/disk.answered"
	code=$(q18 "$P2" "$T/dq1.xml" "$T/r.xml")
	is "$(kind "$code" "$T/r.xml" P0001)" data "$N: a query answered with data on the tmpfs log"
	echo P0001 >>"$T/disk.answered"
	# the filler takes all the free space, then gives a little back
	dd if=/dev/zero of="$AD/filler" bs=4096 >/dev/null 2>&1
	like "$(df -k "$AD" | awk 'NR == 2 { print $4 }')" '^0$' "$N: the filler filled the tmpfs"
	truncate -s -256K "$AD/filler"
	diag "$N: tmpfs $(df -k "$AD" | awk 'NR == 2 { print $3 " KiB used, " $4 " KiB free" }')"
	first=
	REFUSED=0
	n=0
	while [ "$n" -lt 200 ]; do
		k=$((n % NPAT + 1))
		n=$((n + 1))
		code=$(q18 "$P2" "$T/dq$k.xml" "$T/r.xml")
		kd=$(kind "$code" "$T/r.xml" "P000$k")
		case $kd in
		data) echo "P000$k" >>"$T/disk.answered" ;;
		refused)
			first=P000$k
			REFUSED=1
			break ;;
		*)
			not_ok "$N: query $n ($kd)"
			diag "$(head -c 800 "$T/r.xml")"
			break ;;
		esac
	done
	if [ -n "$first" ]; then
		ok "$N: query $n refused when the disk was full ($(($(wc -l <"$T/disk.answered") - 1)) answered in the last 256 KiB)"
	else
		not_ok "$N: a query was refused within 200 (disk full)"
	fi
	# LMDB turns a short write (the last pages that fit) into EIO, a failed one into ENOSPC
	like "$(cat "$T/$N.log")" 'auditlog: commit: (No space left on device|Input/output error)' \
	    "$N: hashid logs the failed write"
	unhealthy "$N" "$A2" "audit log failure: the file system is full"
	bad=0
	for k in 2 3; do
		code=$(q18 "$P2" "$T/dq$k.xml" "$T/r.xml")
		kd=$(kind "$code" "$T/r.xml" "P000$k")
		[ "$kd" = refused ] || { bad=1; diag "P000$k while the disk is full: $kd"; }
		REFUSED=$((REFUSED + 1))
	done
	is "$bad" 0 "$N: queries while the disk is full are refused, no data"
	alive "$N"
	admin "$A2" /metrics "$T/m.txt" >/dev/null
	is "$(metric hashi_audit_refused_total "$T/m.txt")" "$REFUSED" "$N: hashi_audit_refused_total = $REFUSED"
	rm -f "$AD/filler"
	code=$(q18 "$P2" "$T/dq4.xml" "$T/r.xml")
	kd=$(kind "$code" "$T/r.xml" P0004)
	if is "$kd" data "$N: space freed: the next query is answered with data"; then
		echo P0004 >>"$T/disk.answered"
	fi
	healthy "$N (space freed)" "$A2"
	like "$(cat "$T/$N.log")" 'audit: the audit log is writable again' "$N: hashid logs the recovery"
	stop_copy "$N"
	if umount "$AD"; then
		ok "$N: tmpfs unmounted"
	else
		not_ok "$N: tmpfs unmounted"
	fi
	ANSWERED=$(wc -l <"$T/disk.answered" | tr -d ' ')
	verify_copy "$N" "$T/$N.copy"
	is "$NREC" "$ANSWERED" "$N: records = queries answered with data ($ANSWERED), none for the $REFUSED refused"
	is "$(nfound "$N" "$T/$N.copy" --event ITI-18)" "$ANSWERED" "$N: all of them ITI-18"
fi

# ================================================================ 3. kill -9 mid-load
N=kill-gw
P3=$(free_port) || die "no free port"
A3=$(free_port) || die "no free port"
setup "$N" "$P3" "$A3" 256MiB
C3=$(config_of "$N")
start_hashid "$N" "$C3" okayama-ehr || die "$N did not start"
HPID=$(pid_of "$N")
LOOPS=
END=$(($(fl_ms) + 3000))
j=1
while [ "$j" -le 8 ]; do
	(
		i=0
		while [ "$(fl_ms)" -lt "$END" ]; do
			i=$((i + 1))
			mkq "$T/k$j.xml" "$P3" "K${j}N$i"
			code=$(q18 "$P3" "$T/k$j.xml" "$T/k$j.r")
			echo "K${j}N$i $code"
			[ "$code" = 000 ] && break	# the daemon is gone
		done
	) >"$T/load.$j" 2>/dev/null &
	LOOPS="$LOOPS $!"
	j=$((j + 1))
done
add_cleanup "kill$LOOPS 2>/dev/null"
sleep 1.5
kill -KILL "$HPID"
wait "$HPID"
is "$?" 137 "$N: hashid killed with SIGKILL mid-load"
stop_hashid "$N"	# forgets the killed process (already reaped: nothing reported)
for l in $LOOPS; do
	wait "$l"
done
cat "$T"/load.* >"$T/load.all"
awk '$2 == 200 { print $1 }' "$T/load.all" | sort >"$T/acked"
ACKED=$(wc -l <"$T/acked" | tr -d ' ')
diag "$N: $(wc -l <"$T/load.all" | tr -d ' ') queries sent, $ACKED acknowledged (HTTP 200)"
like "$ACKED" '^[1-9][0-9]+$' "$N: at least 10 queries acknowledged before the kill"
like "$(awk '$2 != 200' "$T/load.all" | wc -l)" '^[1-9]' "$N: some queries were cut off by the kill"
is "$(awk '$2 != 200 && $2 != "000" { print }' "$T/load.all")" "" \
    "$N: every answer before the kill was HTTP 200"

start_hashid "$N" "$C3" okayama-ehr || die "$N did not restart on the same state"
ok "$N: restarted on the same state"
mkq "$T/after.xml" "$P3" P0002
code=$(q18 "$P3" "$T/after.xml" "$T/r.xml")
is "$(kind "$code" "$T/r.xml" P0002)" data "$N: the restarted daemon answers with data"
healthy "$N (restarted)" "$A3"
stop_copy "$N"
verify_copy "$N" "$T/$N.copy"
hashictl "$NOCONF" audit export --dir "$T/$N.copy" --vkey "$T/$N.state/audit-signing.key.pub" \
    --format json -o "$T/kill.json" 2>"$T/export.err" || { not_ok "$N: audit export"; diag_file "$T/export.err"; }
grep -o '"patients":\[[^]]*\]' "$T/kill.json" | grep -o 'K[0-9]*N[0-9]*\^' | tr -d '^' |
    sort -u >"$T/logged"
missing=$(comm -23 "$T/acked" "$T/logged")
is "$missing" "" "$N: every acknowledged query's patient ($ACKED) is in the log"
diag "$N: $(comm -13 "$T/acked" "$T/logged" | wc -l | tr -d ' ') unacknowledged queries are in the log too"
is "$(grep -c '"event":"ITI-18"' "$T/kill.json")" "$NREC" "$N: the log holds only ITI-18 records"
like "$NREC" '^[0-9]+$' "$N: verify counted the records"
if [ "${NREC:-0}" -ge $((ACKED + 1)) ]; then
	ok "$N: records ($NREC) >= acknowledged + 1 after restart"
else
	not_ok "$N: records (${NREC:-?}) >= acknowledged + 1 after restart ($((ACKED + 1)))"
fi
K1=$(head -n 1 "$T/acked")
KL=$(tail -n 1 "$T/acked")
is "$(nfound "$N" "$T/$N.copy" --patient "$(cx "$K1")" --event ITI-18):$(nfound "$N" "$T/$N.copy" --patient "$(cx "$KL")" --event ITI-18)" \
    1:1 "$N: search --patient finds acknowledged $K1 and $KL once each"

stop_all
check_asan "$T"
done_testing
