#!/bin/sh
# A peer breaking while the initiating gateway relays its retrieve answer (issue 3). okayama's
# /ig has two peers, in this order: shimane, a real hashid with 5 documents, and brk, a fake
# peer (lib_fanout.sh fo_fake_peer: openssl s_server) whose answer is written here: a valid
# MTOM ITI-39 answer listing one 200 KiB document, sent whole or cut short, after which the
# test kills the fake's s_server (the connection closes mid-answer) or lets it stall.
# One retrieve asks for the 5 shimane documents and brk's (6 listed: more than retrieve_mem's
# first allocation, so the Content-IDs it handed out must survive its array growing; under
# make asan a use after free there fails this test). What ig_retrieve does:
#  - break inside brk's root part (before okayama's own root part went out): a complete,
#    well-formed, schema-valid MTOM answer, PartialSuccess, shimane's documents
#    byte-identical, brk's document reported as XDSUnavailableCommunity located at its HCID;
#  - break inside brk's document part (our root part, listing brk's document, is out, and the
#    peers are relayed in turn): shimane's parts relayed intact, then brk's part up to the
#    break, then the HTTP reply is aborted: no last chunk (curl exit 18) and no closing MIME
#    delimiter, so the caller can tell the answer is cut; a stall there ends the same way at
#    the read timeout (timeouts.read=2s), not a hang;
#  - inline base64 in brk's MTOM root part is relayed as a part of ours;
# and afterwards /ig still answers, and its fd count is back to what it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"
. "$(dirname "$0")/lib_fanout.sh"

mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw okayama-ehr shimane-gw brk-gw
fo_regions "$T/gen" brk:1021:K || die "fo_regions failed"
PO=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
PB=$(free_port) || die "no free port"
region_info shimane
S_HCID=$R_HCID
S_REPO=$R_REPO
region_info brk
B_HCID=$R_HCID
B_REPO=$R_REPO
B_UID=$B_REPO.3.1
B_UID2=$B_REPO.3.2
A_XGR_RESP=${A_XGR}Response

sh "$T/gen/gen_demo_data.sh" "$T/data-shimane" shimane 3 >/dev/null 2>&1 || die "gen_demo_data.sh shimane failed"
write_config okayama-gw "$PO" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PS" \
    peer=brk-gw@brk:"$PB" timeouts.read=2s
write_config shimane-gw "$PS" shimane peer=okayama-gw@okayama:"$PO"
CO=$(config_of okayama-gw)
check "registry import shimane" hashictl "$(config_of shimane-gw)" registry import "$T/data-shimane"
start_hashid shimane-gw "$(config_of shimane-gw)" okayama-gw || die "shimane-gw did not start"
start_hashid okayama-gw "$CO" okayama-ehr || die "okayama-gw did not start"
OPID=$(pid_of okayama-gw)
IG=https://127.0.0.1:$PO/ig
# mode "relay": fo_response has nothing for it, the answer is the file written by brk_answer
fo_fake_peer brk "$PB" brk-gw relay || die "fake peer brk did not start"

# the documents: shimane's 5 (uid, file) and brk's 200 KiB
awk -F '\t' '!/^#/ { print $2 "\t" $7 }' "$T/data-shimane/documents.tsv" >"$T/shimane.tsv"
N_S=$(wc -l <"$T/shimane.tsv" | tr -d ' ')
[ "$N_S" -ge 5 ] || die "test bug: only $N_S shimane documents"
head -c 204800 /dev/urandom >"$T/doc-b.bin"
head -c 102400 /dev/urandom >"$T/doc-c.bin"
set --
while IFS='	' read -r u _; do
	set -- "$@" "$S_HCID" "$S_REPO" "$u"
done <"$T/shimane.tsv"
fo_retrieve3 "$T/q39.xml" "$A_XGR" "$IG" "$@" "$B_HCID" "$B_REPO" "$B_UID"
fo_retrieve3 "$T/q39s.xml" "$A_XGR" "$IG" "$@"
fo_retrieve3 "$T/q39m.xml" "$A_XGR" "$IG" "$@" "$B_HCID" "$B_REPO" "$B_UID" "$B_HCID" "$B_REPO" "$B_UID2"

# ---------------------------------------------------------------- the fake's answers

# brk_answer MODE: the HTTP answer the fake sends from now on, by MODE:
#   full      MTOM: root part listing brk's document as an xop:Include, the document part
#   rootcut   the same, cut 300 bytes into the root part (Content-Length still of the whole)
#   doccut    the same, cut 150 KiB before the end, i.e. 50 KiB into the document part
#   inline    MTOM whose root part carries the document as base64 text (76-column lines),
#             and a second one, B_UID2 (doc-c.bin), as an xop:Include and its part
#   badinline the document as base64 text that is not base64
brk_answer() {
	_ba_d=$T/fake-brk
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n'
		printf '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">'
		printf '<env:Header><wsa:Action env:mustUnderstand="true">%s</wsa:Action><wsa:MessageID>%s</wsa:MessageID></env:Header>' \
		    "$A_XGR_RESP" "$(new_uuid)"
		printf '<env:Body><xdsb:RetrieveDocumentSetResponse xmlns:xdsb="urn:ihe:iti:xds-b:2007" xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0">'
		printf '<rs:RegistryResponse status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>'
		printf '<xdsb:DocumentResponse><xdsb:HomeCommunityId>%s</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>%s</xdsb:RepositoryUniqueId>' "$B_HCID" "$B_REPO"
		printf '<xdsb:DocumentUniqueId>%s</xdsb:DocumentUniqueId><xdsb:mimeType>application/octet-stream</xdsb:mimeType><xdsb:Document>' "$B_UID"
		case $1 in
		inline) base64 -w 76 "$T/doc-b.bin" ;;
		badinline) printf 'QUJD\n-----not base64-----' ;;
		*) printf '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:doc-b%%40fake"/>' ;;
		esac
		printf '</xdsb:Document></xdsb:DocumentResponse>'
		if [ "$1" = inline ]; then
			printf '<xdsb:DocumentResponse><xdsb:HomeCommunityId>%s</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>%s</xdsb:RepositoryUniqueId>' "$B_HCID" "$B_REPO"
			printf '<xdsb:DocumentUniqueId>%s</xdsb:DocumentUniqueId><xdsb:mimeType>image/png</xdsb:mimeType><xdsb:Document>' "$B_UID2"
			printf '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:doc-c@fake"/></xdsb:Document></xdsb:DocumentResponse>'
		fi
		printf '</xdsb:RetrieveDocumentSetResponse></env:Body></env:Envelope>'
	} >"$_ba_d/root.xml"
	case $1 in
	inline) _ba_ct=$(mtom_build "$A_XGR_RESP" "$_ba_d/root.xml" "$_ba_d/body" doc-c@fake "$T/doc-c.bin" image/png) ;;
	badinline) _ba_ct=$(mtom_build "$A_XGR_RESP" "$_ba_d/root.xml" "$_ba_d/body") ;;
	*) _ba_ct=$(mtom_build "$A_XGR_RESP" "$_ba_d/root.xml" "$_ba_d/body" doc-b@fake "$T/doc-b.bin" application/octet-stream) ;;
	esac
	_ba_n=$(wc -c <"$_ba_d/body" | tr -d ' ')
	case $1 in
	rootcut) _ba_send=300 ;;
	doccut) _ba_send=$((_ba_n - 153600)) ;;
	*) _ba_send=$_ba_n ;;
	esac
	{
		printf 'HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %s\r\n\r\n' "$_ba_ct" "$_ba_n"
		head -c "$_ba_send" "$_ba_d/body"
	} >"$_ba_d/response.new"
	mv "$_ba_d/response.new" "$_ba_d/response"
}

# brk_listening: waits (max 5 s) until the fake's next s_server listens.
brk_listening() {
	_bl_i=0
	until [ -n "$(ss -Htln "sport = :$PB" 2>/dev/null)" ]; do
		_bl_i=$((_bl_i + 1))
		[ "$_bl_i" -lt 50 ] || return 1
		sleep 0.1
	done
}

# brk_posts: how many requests the fake has seen.
brk_posts() {
	grep -c 'POST /xca' "$T/fake-brk.log" 2>/dev/null || echo 0
}

# retrieve NAME [cut] [QUERY]: the 6-document retrieve (or QUERY) through /ig into $T/NAME
# (body, .hdr, .err); sets CODE (HTTP status), RC (curl's exit status) and MS (duration). With
# "cut", the fake's s_server is killed 1 s after the request reached it.
retrieve() {
	_rv_n=$(brk_posts)
	_rv_t0=$(fl_ms)
	(
		_rv_code=$(SOAP_TIMEOUT=20 soap_post "$IG" okayama-ehr "$A_XGR" "${3:-$T/q39.xml}" "$T/$1")
		echo "$? $_rv_code" >"$T/$1.rc"
	) &
	_rv_job=$!
	if [ "${2:-}" = cut ]; then
		_rv_i=0
		while [ "$(brk_posts)" -le "$_rv_n" ] && [ "$_rv_i" -lt 100 ]; do
			sleep 0.1
			_rv_i=$((_rv_i + 1))
		done
		sleep 1
		kill "$(cat "$T/fake-brk/spid")" 2>/dev/null
	fi
	wait "$_rv_job"
	MS=$(($(fl_ms) - _rv_t0))
	read -r RC CODE <"$T/$1.rc"
	diag "$1: HTTP $CODE, curl exit $RC, $(wc -c <"$T/$1" | tr -d ' ') bytes in $MS ms"
}

# shimane_docs DIR DESC: every shimane document of the answer extracted into DIR is
# byte-identical to the file imported.
shimane_docs() {
	_sd_bad=
	while IFS='	' read -r _sd_u _sd_f; do
		_sd_p=$(mtom_document "$1" "$_sd_u") || _sd_p=/nonexistent
		[ "$(fl_sha256 "$_sd_p" 2>/dev/null)" = "$(fl_sha256 "$T/data-shimane/$_sd_f")" ] ||
			_sd_bad="$_sd_bad $_sd_u"
	done <"$T/shimane.tsv"
	if [ -z "$_sd_bad" ]; then
		ok "$2: shimane's $N_S documents byte-identical"
	else
		not_ok "$2: shimane's $N_S documents byte-identical"
		diag "missing or different:$_sd_bad"
	fi
}

# ---------------------------------------------------------------- healthy first
brk_answer full
retrieve r0
if is "$RC:$CODE" 0:200 "both peers healthy: HTTP 200, complete" && mtom_extract "$T/r0" "$T/m0"; then
	fl_valid "$T/m0/root.xml" "both peers healthy" "$T/m0"
	is "$(fl_status "$T/m0/root.xml"):$(xpath "$T/m0/root.xml" "count($FL_DR)")" "Success:$((N_S + 1))" \
	    "both peers healthy: Success, $((N_S + 1)) DocumentResponses"
	shimane_docs "$T/m0" "both peers healthy"
	df=$(mtom_document "$T/m0" "$B_UID") || df=/nonexistent
	is "$(fl_sha256 "$df" 2>/dev/null)" "$(fl_sha256 "$T/doc-b.bin")" "both peers healthy: brk's document byte-identical"
else
	not_ok "both peers healthy: readable multipart/related"
	diag "$(head -c 600 "$T/r0")"
fi
sleep 0.5
FD0=$(fo_fds "$OPID")

# ---------------------------------------------------------------- break in the root part
brk_listening || die "fake peer brk is not listening"
brk_answer rootcut
retrieve r1 cut
if is "$RC:$CODE" 0:200 "break in brk's root part: HTTP 200, complete" && mtom_extract "$T/r1" "$T/m1"; then
	ok "break in brk's root part: well-formed multipart/related with its closing delimiter"
	fl_valid "$T/m1/root.xml" "break in brk's root part" "$T/m1"
	is "$(fl_status "$T/m1/root.xml"):$(xpath "$T/m1/root.xml" "count($FL_DR)")" "PartialSuccess:$N_S" \
	    "break in brk's root part: PartialSuccess, shimane's $N_S DocumentResponses only"
	is "$(fl_errors "$T/m1/root.xml" | cut -d'|' -f1,3,4)" "XDSUnavailableCommunity|$B_HCID|Error" \
	    "break in brk's root part: one XDSUnavailableCommunity error located at brk's HCID"
	shimane_docs "$T/m1" "break in brk's root part"
else
	not_ok "break in brk's root part: readable multipart/related"
	diag "$(head -c 600 "$T/r1")"
fi
if [ "$MS" -lt 6000 ]; then
	ok "break in brk's root part: answered in $MS ms (< 6 s), not at the deadline"
else
	not_ok "break in brk's root part: answered in $MS ms (< 6 s), not at the deadline"
fi

# ---------------------------------------------------------------- break in the document part
# cut_check NAME DESC: the answer in $T/NAME was cut after brk's part began: no last chunk,
# no closing delimiter; closed by hand, shimane's parts are whole and brk's is a strict
# prefix of its document.
cut_check() {
	is "$RC:$CODE" 18:200 "$2: HTTP 200 head, then the reply is aborted (curl exit 18: no last chunk)"
	if mtom_extract "$T/$1" "$T/m$1" 2>"$T/$1.extract"; then
		not_ok "$2: no closing MIME delimiter"
	else
		ok "$2: no closing MIME delimiter"
	fi
	_cc_b=$(_lib_ct_param "$(response_content_type "$T/$1")" boundary)
	cp "$T/$1" "$T/$1.closed"
	printf '\r\n--%s--\r\n' "$_cc_b" >>"$T/$1.closed"
	rm -rf "$T/m$1"
	if mtom_extract "$T/$1.closed" "$T/m$1" "$(response_content_type "$T/$1")"; then
		is "$(xpath "$T/m$1/root.xml" "count($FL_DR)")" "$((N_S + 1))" \
		    "$2: our root part (sent before the break) lists the $((N_S + 1)) documents"
		shimane_docs "$T/m$1" "$2"
		_cc_p=$(mtom_document "$T/m$1" "$B_UID") || _cc_p=/nonexistent
		_cc_n=$(wc -c <"$_cc_p" 2>/dev/null | tr -d ' ')
		if [ "${_cc_n:-0}" -gt 0 ] && [ "$_cc_n" -lt 204800 ] && cmp -s -n "$_cc_n" "$_cc_p" "$T/doc-b.bin"; then
			ok "$2: brk's part is the first $_cc_n bytes of its document, then the cut"
		else
			not_ok "$2: brk's part is a strict prefix of its document (got ${_cc_n:-no} bytes)"
		fi
	else
		not_ok "$2: the answer up to the cut is well-formed MTOM"
		diag "$(cat "$T/$1.extract")"
	fi
}

brk_listening || die "fake peer brk is not listening"
brk_answer doccut
retrieve r2 cut
cut_check r2 "break in brk's document part"
like "$(cat "$T/okayama-gw.log")" "brk broke off; the retrieve answer is cut" "break in brk's document part: logged"

# ---------------------------------------------------------------- stall in the document part
brk_listening || die "fake peer brk is not listening"
brk_answer doccut
retrieve r3
cut_check r3 "stall in brk's document part"
if [ "$MS" -ge 1500 ] && [ "$MS" -lt 8000 ]; then
	ok "stall in brk's document part: cut at the 2 s read timeout ($MS ms), not a hang"
else
	not_ok "stall in brk's document part: cut at the 2 s read timeout ($MS ms), not a hang"
fi

# ---------------------------------------------------------------- inline base64
brk_listening || die "fake peer brk is not listening"
brk_answer inline
retrieve r4 "" "$T/q39m.xml"
if is "$RC:$CODE" 0:200 "inline base64 in brk's MTOM root: HTTP 200, complete" && mtom_extract "$T/r4" "$T/m4"; then
	fl_valid "$T/m4/root.xml" "inline base64 in brk's MTOM root" "$T/m4"
	is "$(fl_status "$T/m4/root.xml"):$(xpath "$T/m4/root.xml" "count($FL_DR)")" "Success:$((N_S + 2))" \
	    "inline base64 in brk's MTOM root: Success, $((N_S + 2)) DocumentResponses"
	is "$(xpath "$T/m4/root.xml" "count(${FL_DR}[normalize-space($(fl_l DocumentUniqueId))='$B_UID']/$(fl_l Document)/$(fl_l Include))")" 1 \
	    "inline base64 in brk's MTOM root: relayed as an MTOM part of ours (xop:Include)"
	df=$(mtom_document "$T/m4" "$B_UID") || df=/nonexistent
	is "$(fl_sha256 "$df" 2>/dev/null)" "$(fl_sha256 "$T/doc-b.bin")" "inline base64 in brk's MTOM root: the inline document byte-identical"
	df=$(mtom_document "$T/m4" "$B_UID2") || df=/nonexistent
	is "$(fl_sha256 "$df" 2>/dev/null)" "$(fl_sha256 "$T/doc-c.bin")" "inline base64 in brk's MTOM root: its xop:Include document byte-identical"
	is "$(awk -F '\t' -v f="$df" '$4 == f { print $3 }' "$T/m4/parts.tsv")" image/png \
	    "inline base64 in brk's MTOM root: the included part keeps its type"
	shimane_docs "$T/m4" "inline base64 in brk's MTOM root"
else
	not_ok "inline base64 in brk's MTOM root: readable multipart/related"
	diag "$(head -c 600 "$T/r4")"
fi
brk_answer badinline
retrieve r4b
if is "$RC:$CODE" 0:200 "invalid inline base64: HTTP 200, complete" && mtom_extract "$T/r4b" "$T/m4b"; then
	is "$(fl_status "$T/m4b/root.xml"):$(xpath "$T/m4b/root.xml" "count($FL_DR)")" "PartialSuccess:$N_S" \
	    "invalid inline base64: PartialSuccess, shimane's $N_S DocumentResponses only"
	is "$(fl_errors "$T/m4b/root.xml" | cut -d'|' -f1,3)" "XDSUnavailableCommunity|$B_HCID" \
	    "invalid inline base64: XDSUnavailableCommunity at brk's HCID (not silently truncated)"
else
	not_ok "invalid inline base64: readable multipart/related"
fi

# ---------------------------------------------------------------- /ig keeps serving
brk_listening || die "fake peer brk is not listening"
brk_answer full
retrieve r5
if is "$RC:$CODE" 0:200 "after the breaks: HTTP 200, complete" && mtom_extract "$T/r5" "$T/m5"; then
	is "$(fl_status "$T/m5/root.xml"):$(xpath "$T/m5/root.xml" "count($FL_DR)")" "Success:$((N_S + 1))" \
	    "after the breaks: Success, $((N_S + 1)) DocumentResponses"
	shimane_docs "$T/m5" "after the breaks"
	df=$(mtom_document "$T/m5" "$B_UID") || df=/nonexistent
	is "$(fl_sha256 "$df" 2>/dev/null)" "$(fl_sha256 "$T/doc-b.bin")" "after the breaks: brk's document byte-identical"
else
	not_ok "after the breaks: readable multipart/related"
	diag "$(head -c 600 "$T/r5")"
fi
code=$(soap_post "$IG" okayama-ehr "$A_XGR" "$T/q39s.xml" "$T/r6")
if is "$code" 200 "after the breaks: a shimane-only retrieve: HTTP 200" && mtom_extract "$T/r6" "$T/m6"; then
	is "$(fl_status "$T/m6/root.xml")" Success "after the breaks: a shimane-only retrieve: Success"
	shimane_docs "$T/m6" "after the breaks, shimane only"
fi

# ---------------------------------------------------------------- no fd leak
fd1=
i=0
while [ "$i" -lt 20 ]; do
	fd1=$(fo_fds "$OPID")
	[ "$fd1" -le "$FD0" ] && break
	sleep 0.25
	i=$((i + 1))
done
if [ "$fd1" -le "$FD0" ]; then
	ok "okayama-gw's fds back to their count after the healthy retrieve ($fd1 <= $FD0)"
else
	not_ok "okayama-gw's fds back to their count after the healthy retrieve ($fd1 > $FD0)"
	diag "$(ls -l "/proc/$OPID/fd" 2>/dev/null | tail -n 20)"
fi

fo_stop_fake brk
stop_hashid okayama-gw
stop_hashid shimane-gw
done_testing
