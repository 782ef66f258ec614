# tests/integ/lib_bad.sh: helpers of the negative and conformance tests (test_bad_input.sh,
# test_conformance.sh, test_config_check.sh). Source after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/lib_bad.sh"
#
# POSIX sh (dash). Functions start with bd_, variables with BD_. Every response saved by
# bd_post is listed in $HASHI_TMP/responses.list so that a test can check them all at the end
# (bd_all_responses_valid, bd_no_response_has).

BAD=$HASHI_ROOT/tests/integ/bad
BD_SQ=urn:ihe:iti:2007:RegistryStoredQuery
BD_XGQ=urn:ihe:iti:2007:CrossGatewayQuery
BD_XGR=urn:ihe:iti:2007:CrossGatewayRetrieve
BD_RET=urn:ihe:iti:2007:RetrieveDocumentSet
BD_PNR=urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b
BD_SOAP_CT="application/soap+xml; charset=UTF-8"
BD_STATUS=urn:oasis:names:tc:ebxml-regrep:ResponseStatusType

# bd_l NAME: an XPath step matching element NAME in any namespace.
bd_l() {
	printf "*[local-name()='%s']" "$1"
}

# bd_post_ct URL CLIENT CONTENT_TYPE FILE NAME: soap_post_ct to $HASHI_TMP/resp/NAME (headers in
# NAME.hdr, curl errors in NAME.err); the response is listed for the final checks. Sets
# BD_CODE (HTTP status, 000 when there was none) and BD_RC (curl's exit status). Call it in
# the test's own shell, not in $(...).
bd_post_ct() {
	mkdir -p "$HASHI_TMP/resp"
	BD_RC=0
	BD_CODE=$(soap_post_ct "$1" "$2" "$3" "$4" "$HASHI_TMP/resp/$5") || BD_RC=$?
	echo "$5" >>"$HASHI_TMP/responses.list"
}

# bd_post URL CLIENT ACTION FILE NAME: bd_post_ct with a SOAP 1.2 Content-Type carrying ACTION.
bd_post() {
	bd_post_ct "$1" "$2" "$BD_SOAP_CT; action=\"$3\"" "$4" "$5"
}

# bd_resp NAME: the path of the response NAME.
bd_resp() {
	echo "$HASHI_TMP/resp/$1"
}

# bd_xml NAME: the path of the SOAP envelope of the response NAME: the response itself, or
# for a multipart/related (MTOM) answer its root part (extracted once into NAME.parts/).
bd_xml() {
	_bx_r=$HASHI_TMP/resp/$1
	case $(response_content_type "$_bx_r" 2>/dev/null | tr 'A-Z' 'a-z') in
	multipart/related*)
		[ -f "$_bx_r.parts/root.xml" ] || mtom_extract "$_bx_r" "$_bx_r.parts" >/dev/null 2>&1
		echo "$_bx_r.parts/root.xml"
		;;
	*) echo "$_bx_r" ;;
	esac
}

# bd_payload FILE: the local name of the Body's first element child in envelope FILE.
bd_payload() {
	xpath "$1" "local-name(/$(bd_l Envelope)/$(bd_l Body)/*[1])"
}

# bd_fault_code FILE: the env:Code/env:Value of the SOAP fault in FILE ("" when not a fault).
bd_fault_code() {
	xpath "$1" "normalize-space(/$(bd_l Envelope)/$(bd_l Body)/$(bd_l Fault)/$(bd_l Code)/$(bd_l Value))"
}

# bd_fault_subcode FILE: the first env:Subcode/env:Value of the fault in FILE.
bd_fault_subcode() {
	xpath "$1" "normalize-space(/$(bd_l Envelope)/$(bd_l Body)/$(bd_l Fault)/$(bd_l Code)/$(bd_l Subcode)/$(bd_l Value))"
}

# bd_fault_reason FILE: the first env:Reason/env:Text of the fault in FILE.
bd_fault_reason() {
	xpath "$1" "normalize-space(/$(bd_l Envelope)/$(bd_l Body)/$(bd_l Fault)/$(bd_l Reason)/$(bd_l Text))"
}

# bd_status FILE: the last component of the status of the (first) RegistryResponse or
# AdhocQueryResponse in FILE (Success, PartialSuccess, Failure; empty when none).
bd_status() {
	_bs_s=$(xpath "$1" "string((//$(bd_l RegistryResponse)|//$(bd_l AdhocQueryResponse))[1]/@status)")
	echo "${_bs_s##*:}"
}

# bd_error_codes FILE: the errorCodes of the RegistryErrors of FILE, sorted and unique,
# space-separated.
bd_error_codes() {
	_be_n=$(xpath "$1" "count(//$(bd_l RegistryError))")
	_be_i=1
	while [ "$_be_i" -le "${_be_n:-0}" ]; do
		printf '%s\n' "$(xpath "$1" "string((//$(bd_l RegistryError))[$_be_i]/@errorCode)")"
		_be_i=$((_be_i + 1))
	done | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# bd_is_fault FILE: 0 when FILE is a SOAP envelope whose Body holds an env:Fault.
bd_is_fault() {
	[ "$(xpath "$1" "count(/$(bd_l Envelope)/$(bd_l Body)/$(bd_l Fault))")" = 1 ]
}

# bd_expect_fault NAME HTTP CODE SUBCODE DESC: the response NAME is a SOAP 1.2 fault with
# HTTP status HTTP, env:Code/Value CODE (e.g. env:Sender) and first Subcode SUBCODE ("" =
# none expected, "*" = any), and it validates against xds-soap12.xsd. Reports one result.
bd_expect_fault() {
	_bf_f=$(bd_resp "$1")
	_bf_got="HTTP $BD_CODE"
	if [ -s "$_bf_f" ] && bd_is_fault "$_bf_f"; then
		_bf_got="$_bf_got $(bd_fault_code "$_bf_f")"
		_bf_sub=$(bd_fault_subcode "$_bf_f")
		if [ "$4" = "*" ]; then
			_bf_want="HTTP $2 $3"
		else
			_bf_want="HTTP $2 $3${4:+ / $4}"
			[ -n "$_bf_sub" ] && _bf_got="$_bf_got / $_bf_sub"
		fi
	else
		_bf_want="HTTP $2 $3${4:+ / $4}"
		_bf_got="$_bf_got (no SOAP fault)"
	fi
	if [ "$_bf_got" != "$_bf_want" ]; then
		not_ok "$5"
		diag "     got: $_bf_got" "expected: $_bf_want" "$(head -c 800 "$_bf_f" 2>/dev/null)" \
		    "$(cat "$_bf_f.err" 2>/dev/null)"
		return 1
	fi
	if _bf_v=$(validate_envelope "$_bf_f"); then
		ok "$5"
		return 0
	fi
	not_ok "$5 (the fault envelope does not validate against xds-soap12.xsd)"
	diag "$_bf_v"
	return 1
}

# bd_expect_regerr NAME STATUS CODES DESC [PAYLOAD]: the response NAME (plain or MTOM) is HTTP
# 200, not a fault, has status STATUS and exactly the RegistryError codes CODES (sorted,
# unique, space-separated; "" = none), its Body holds a PAYLOAD element (local name, default
# any) and it validates against xds-soap12.xsd. Reports one result.
bd_expect_regerr() {
	_br_f=$(bd_xml "$1")
	_br_d=
	[ "$_br_f" = "$(bd_resp "$1")" ] || _br_d=$(dirname "$_br_f")
	_br_got="HTTP $BD_CODE $(bd_status "$_br_f") [$(bd_error_codes "$_br_f")]"
	_br_want="HTTP 200 $2 [$3]"
	if [ -n "${5:-}" ]; then
		_br_got="$_br_got $(bd_payload "$_br_f")"
		_br_want="$_br_want $5"
	fi
	if bd_is_fault "$_br_f"; then
		_br_got="$_br_got fault $(bd_fault_code "$_br_f")"
	fi
	if [ "$_br_got" != "$_br_want" ]; then
		not_ok "$4"
		diag "     got: $_br_got" "expected: $_br_want" "$(head -c 1500 "$_br_f" 2>/dev/null)" \
		    "$(cat "$(bd_resp "$1").err" 2>/dev/null)"
		return 1
	fi
	if _br_v=$(validate_envelope "$_br_f" $_br_d); then
		ok "$4"
		return 0
	fi
	not_ok "$4 (the response envelope does not validate against xds-soap12.xsd)"
	diag "$_br_v"
	return 1
}

# bd_expect_refused NAME HTTP BODY_ERE DESC: the response NAME has HTTP status HTTP and a
# body matching BODY_ERE (a plain-text or HTML answer from the HTTP layer, not SOAP).
bd_expect_refused() {
	_bx_f=$(bd_resp "$1")
	if [ "$BD_CODE" = "$2" ] && grep -Eq -- "$3" "$_bx_f" 2>/dev/null; then
		ok "$4"
		return 0
	fi
	not_ok "$4"
	diag "     got: HTTP $BD_CODE, body '$(head -c 300 "$_bx_f" 2>/dev/null)'" \
	    "expected: HTTP $2, body matching /$3/" "$(cat "$_bx_f.err" 2>/dev/null)"
	return 1
}

# bd_expect_no_http NAME DESC: the exchange NAME got no HTTP response at all (TLS refused):
# status 000, curl failed, nothing received.
bd_expect_no_http() {
	_bn_f=$(bd_resp "$1")
	if [ "$BD_CODE" = 000 ] && [ "$BD_RC" -ne 0 ] && [ ! -s "$_bn_f" ]; then
		ok "$2"
		return 0
	fi
	not_ok "$2"
	diag "got HTTP $BD_CODE, curl status $BD_RC" "$(head -c 300 "$_bn_f" 2>/dev/null)" \
	    "$(cat "$_bn_f.err" 2>/dev/null)"
	return 1
}

# bd_mtom_of ROOT_XML OUT ACTION: packs ROOT_XML alone into an MTOM body OUT (mtom_build) and
# prints its Content-Type.
bd_mtom_of() {
	mtom_build "$3" "$1" "$2"
}

# bd_rss PID: the resident set size of PID in KiB (empty when gone).
bd_rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# bd_ms: milliseconds since the epoch.
bd_ms() {
	date +%s%3N
}

# bd_all_responses_valid DESC: every response listed by bd_post that is an XML SOAP envelope
# (plain or the root part of a multipart) validates against xds-soap12.xsd. Plain-text and
# HTML answers of the HTTP layer and empty responses are skipped. Reports one result.
bd_all_responses_valid() {
	_ba_bad=
	_ba_n=0
	[ -f "$HASHI_TMP/responses.list" ] || { not_ok "$1 (no response recorded)"; return 1; }
	for _ba_r in $(sort -u "$HASHI_TMP/responses.list"); do
		_ba_f=$HASHI_TMP/resp/$_ba_r
		[ -s "$_ba_f" ] || continue
		case $(response_content_type "$_ba_f" | tr 'A-Z' 'a-z') in
		multipart/related*)
			mtom_extract "$_ba_f" "$_ba_f.parts" >/dev/null 2>&1 || {
				_ba_bad="$_ba_bad $_ba_r(multipart)"
				continue
			}
			_ba_x=$_ba_f.parts/root.xml
			_ba_d=$_ba_f.parts
			;;
		application/soap+xml*) _ba_x=$_ba_f; _ba_d= ;;
		*) continue ;;
		esac
		_ba_n=$((_ba_n + 1))
		if ! _ba_out=$(validate_envelope "$_ba_x" $_ba_d); then
			_ba_bad="$_ba_bad $_ba_r"
			diag "$_ba_r:" "$_ba_out"
		fi
	done
	if [ -z "$_ba_bad" ] && [ "$_ba_n" -gt 0 ]; then
		ok "$1 ($_ba_n envelopes)"
		return 0
	fi
	not_ok "$1"
	diag "invalid:${_ba_bad:- (none checked)}"
	return 1
}

# bd_no_response_has STRING DESC: no response body or header listed by bd_post contains the
# fixed STRING. Reports one result.
bd_no_response_has() {
	_bh_hits=
	if [ -d "$HASHI_TMP/resp" ]; then
		_bh_hits=$(grep -rlF -- "$1" "$HASHI_TMP/resp" 2>/dev/null | sed "s#^$HASHI_TMP/resp/##")
	fi
	if [ -z "$_bh_hits" ]; then
		ok "$2"
		return 0
	fi
	not_ok "$2"
	diag "found in: $_bh_hits"
	return 1
}

# bd_wait_log FILE ERE [TENTHS]: waits until a line of FILE matches ERE (default 50 tenths
# of a second). Returns 1 on timeout.
bd_wait_log() {
	_bw_i=0
	while [ "$_bw_i" -lt "${3:-50}" ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_bw_i=$((_bw_i + 1))
	done
	return 1
}

# bd_wait_exit PID [TENTHS]: waits until PID is gone (default 50 tenths of a second).
# Returns 1 if it is still running.
bd_wait_exit() {
	_bz_i=0
	while kill -0 "$1" 2>/dev/null && [ "$_bz_i" -lt "${2:-50}" ]; do
		sleep 0.1
		_bz_i=$((_bz_i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# bd_fake_peer PORT CERTNAME RESPONSE CONTENT_TYPE: starts an HTTPS server (openssl s_server,
# certificate $PKI/CERTNAME, client certificates of $PKI/ca.crt required) on 127.0.0.1:PORT that
# answers the first request after start-up with the bytes of file RESPONSE as an HTTP/1.1 200
# with CONTENT_TYPE and "Connection: close". A {{RELATES_TO}} in RESPONSE becomes the
# request's wsa:MessageID. What it received goes to $HASHI_TMP/fake-PORT.log. Returns 1 when
# it does not come up within 5 s. Stop it with bd_fake_peer_stop. Uses file descriptor 7.
bd_fake_peer() {
	_fp_log=$HASHI_TMP/fake-$1.log
	rm -f "$HASHI_TMP/fake.fifo" "$_fp_log"
	mkfifo "$HASHI_TMP/fake.fifo" || return 1
	openssl s_server -accept "$1" -cert "$PKI/$2.crt" -key "$PKI/$2.key" -CAfile "$PKI/ca.crt" \
	    -Verify 2 -quiet <"$HASHI_TMP/fake.fifo" >"$_fp_log" 2>&1 &
	BD_FAKE_PID=$!
	exec 7<>"$HASHI_TMP/fake.fifo"
	if [ -z "${_bd_fake_cleanup:-}" ]; then
		add_cleanup bd_fake_peer_stop
		_bd_fake_cleanup=1
	fi
	_fp_i=0
	until tls_ready "$1" "$2"; do
		_fp_i=$((_fp_i + 1))
		[ "$_fp_i" -lt 50 ] || return 1
		sleep 0.1
	done
	# The probe's connection is over; answer the next request once its envelope is complete.
	(
		bd_wait_log "$_fp_log" 'Envelope>' 150 || exit 0
		_fp_mid=$(grep -o 'MessageID>[^<]*<' "$_fp_log" | head -n 1 | sed 's/^MessageID>//; s/<$//')
		sed "s|{{RELATES_TO}}|$_fp_mid|g" "$3" >"$_fp_log.resp"
		printf 'HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %s\r\nConnection: close\r\n\r\n' \
		    "$4" "$(wc -c <"$_fp_log.resp" | tr -d ' ')"
		cat "$_fp_log.resp"
	) >&7 &
	BD_FAKE_RESPONDER=$!
	return 0
}

# bd_fake_peer_stop: stops the server of bd_fake_peer (and its responder), if running. Also
# registered as a clean-up: the pids are forgotten once reaped, so nothing else is ever hit.
bd_fake_peer_stop() {
	if [ -n "${BD_FAKE_RESPONDER:-}" ]; then
		kill "$BD_FAKE_RESPONDER" 2>/dev/null
		wait "$BD_FAKE_RESPONDER" 2>/dev/null
		BD_FAKE_RESPONDER=
	fi
	exec 7>&-
	if [ -n "${BD_FAKE_PID:-}" ]; then
		kill "$BD_FAKE_PID" 2>/dev/null
		wait "$BD_FAKE_PID" 2>/dev/null
		BD_FAKE_PID=
	fi
}
