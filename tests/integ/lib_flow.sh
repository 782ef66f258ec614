# tests/integ/lib_flow.sh: helpers shared by the flow tests (test_local_registry.sh,
# test_xca_two_regions.sh, test_large_retrieve.sh). Source after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/lib_flow.sh"
#
# POSIX sh (dash). Names start with fl_ (functions) or FL_ / A_ (variables).

FLOW=$SOAP/flow

# wsa:Action values
A_PNR=urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b
A_SQ=urn:ihe:iti:2007:RegistryStoredQuery
A_XGQ=urn:ihe:iti:2007:CrossGatewayQuery
A_RET=urn:ihe:iti:2007:RetrieveDocumentSet
A_XGR=urn:ihe:iti:2007:CrossGatewayRetrieve

# ebXML / XDS constants
FL_ST=urn:oasis:names:tc:ebxml-regrep:ResponseStatusType
FL_UID_SCHEME=urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab
FL_PID_SCHEME=urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427
FL_SSUID_SCHEME=urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8

# fl_l NAME: an XPath step matching element NAME in any namespace.
fl_l() {
	printf "*[local-name()='%s']" "$1"
}

# XPath fragments
FL_EO="//$(fl_l ExtrinsicObject)"
FL_RP="//$(fl_l RegistryPackage)"
FL_OREF="//$(fl_l ObjectRef)"
FL_ASSOC="//$(fl_l Association)"
FL_ERR="//$(fl_l RegistryError)"
FL_DR="//$(fl_l DocumentResponse)"

# fl_slot NAME: relative XPath to the Value elements of Slot NAME.
fl_slot() {
	printf "%s[@name='%s']/%s/%s" "$(fl_l Slot)" "$1" "$(fl_l ValueList)" "$(fl_l Value)"
}

# fl_eid SCHEME: relative XPath to the value attribute of the ExternalIdentifier with SCHEME.
fl_eid() {
	printf "%s[@identificationScheme='%s']/@value" "$(fl_l ExternalIdentifier)" "$1"
}

# fl_status FILE: the last component of the status of the RegistryResponse or
# AdhocQueryResponse in FILE (Success, PartialSuccess, Failure; empty if none).
fl_status() {
	_fs_s=$(xpath "$1" "string((//$(fl_l RegistryResponse)|//$(fl_l AdhocQueryResponse))[1]/@status)")
	echo "${_fs_s##*:}"
}

# fl_errors FILE: one line per RegistryError of FILE: "errorCode|codeContext|location|severity"
# (severity shortened to Error/Warning).
fl_errors() {
	_fe_n=$(xpath "$1" "count($FL_ERR)")
	_fe_i=1
	while [ "$_fe_i" -le "${_fe_n:-0}" ]; do
		_fe_e="($FL_ERR)[$_fe_i]"
		_fe_l=$(xpath "$1" "concat($_fe_e/@errorCode, '|', $_fe_e/@codeContext, '|', $_fe_e/@location, '|', substring-after($_fe_e/@severity, 'ErrorSeverityType:'))")
		printf '%s\n' "$_fe_l"
		_fe_i=$((_fe_i + 1))
	done
}

# fl_error_codes FILE: the errorCodes of FILE's RegistryErrors, sorted, space-separated.
fl_error_codes() {
	fl_errors "$1" | cut -d'|' -f1 | sort | tr '\n' ' ' | sed 's/ $//'
}

# fl_has_error FILE CODE: 0 when FILE has a RegistryError with errorCode CODE.
fl_has_error() {
	[ "$(xpath "$1" "count(${FL_ERR}[@errorCode='$2'])")" -ge 1 ] 2>/dev/null
}

# fl_error_location FILE CODE: the location of the first RegistryError with errorCode CODE.
fl_error_location() {
	xpath "$1" "string((${FL_ERR}[@errorCode='$2'])[1]/@location)"
}

# fl_wsa_action FILE: the wsa:Action of the SOAP envelope FILE.
fl_wsa_action() {
	xpath "$1" "normalize-space(//$(fl_l Header)/$(fl_l Action))"
}

# fl_sha256 FILE: the SHA-256 (hex) of FILE.
fl_sha256() {
	sha256sum <"$1" | cut -d' ' -f1
}

# fl_sha1 FILE: the SHA-1 (hex) of FILE.
fl_sha1() {
	sha1sum <"$1" | cut -d' ' -f1
}

# fl_stats CONFIG: `hashictl registry stats` of CONFIG on one line, "documents=N sets=N
# folders=N associations=N contents=N" (empty output and status 1 on error).
fl_stats() {
	_fst_out=$(hashictl "$1" registry stats 2>&1) || {
		printf '%s\n' "$_fst_out" >&2
		return 1
	}
	printf '%s\n' "$_fst_out" | awk -F ':' '
	{ v = $2; gsub(/[ \t]/, "", v) }
	$1 == "documents" { d = v } $1 == "submission sets" { s = v } $1 == "folders" { f = v }
	$1 == "associations" { a = v } $1 == "stored contents" { c = v }
	END { printf "documents=%s sets=%s folders=%s associations=%s contents=%s\n", d, s, f, a, c }'
}

# fl_post URL CLIENT ACTION FILE OUT DESC: soap_post, then reports "DESC: HTTP 200" (ok or
# not_ok with curl's error and the start of the body). Returns 1 when the status was not 200.
fl_post() {
	_fp_code=$(soap_post "$1" "$2" "$3" "$4" "$5")
	if [ "$_fp_code" = 200 ]; then
		ok "$6: HTTP 200"
		return 0
	fi
	not_ok "$6: HTTP 200"
	diag "HTTP $_fp_code" "$(cat "$5.err" 2>/dev/null)" "$(head -c 1500 "$5" 2>/dev/null)"
	return 1
}

# fl_valid FILE DESC [MTOM_DIR]: reports whether FILE (with MTOM_DIR: the root part, XOP
# parts inlined) is a schema-valid SOAP 1.2 envelope (validate_envelope).
fl_valid() {
	if _fv_out=$(validate_envelope "$1" ${3:+"$3"}); then
		ok "$2: response envelope is schema-valid"
	else
		not_ok "$2: response envelope is schema-valid"
		printf '%s\n' "$_fv_out"
	fi
}

# fl_expect_error FILE CODE DESC: reports whether FILE holds a RegistryError CODE (shows the
# errors it has otherwise).
fl_expect_error() {
	if fl_has_error "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		diag "expected RegistryError $2; got: $(fl_errors "$1" | tr '\n' ';')" \
		    "status: $(fl_status "$1")" "$(head -c 800 "$1")"
	fi
}

# fl_ms: milliseconds since the epoch.
fl_ms() {
	date +%s%3N
}

# fl_rss_field PID FIELD: a field of /proc/PID/status (VmHWM, VmRSS, RssAnon, RssFile...) in KiB.
fl_rss_field() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# fl_hwm_reset PID: resets the peak RSS (VmHWM) of PID to its current RSS (clear_refs 5,
# Linux >= 4.0). Returns 1 when that is not possible here.
fl_hwm_reset() {
	{ echo 5 >"/proc/$1/clear_refs"; } 2>/dev/null
}

# fl_sample_start PID FILE: samples RssAnon of PID (KiB) into FILE every ~10 ms in the
# background until fl_sample_stop; sets FL_SAMPLER.
fl_sample_start() {
	: >"$2"
	(
		while [ -r "/proc/$1/status" ]; do
			awk '$1 == "RssAnon:" { print $2 }' "/proc/$1/status" 2>/dev/null
			sleep 0.01
		done
	) >>"$2" &
	FL_SAMPLER=$!
	add_cleanup "kill $FL_SAMPLER 2>/dev/null"
}

# fl_sample_stop FILE: stops the sampler and prints the largest sample of FILE (and how
# many there were, as "PEAK COUNT").
fl_sample_stop() {
	kill "$FL_SAMPLER" 2>/dev/null
	wait "$FL_SAMPLER" 2>/dev/null
	awk 'NF { n++; if ($1 + 0 > m) m = $1 + 0 } END { printf "%d %d\n", m, n }' "$1"
}

# fl_soap_post_rate RATE URL CLIENT ACTION FILE OUT: soap_post with the client reading the
# response no faster than RATE (curl --limit-rate, e.g. 64M): a server without back-pressure
# would have to buffer what the client has not read yet.
fl_soap_post_rate() {
	curl -sS --max-time "${SOAP_TIMEOUT:-30}" --limit-rate "$1" --cacert "$PKI/ca.crt" \
	    --cert "$PKI/$3.crt" --key "$PKI/$3.key" \
	    -H "Content-Type: application/soap+xml; charset=UTF-8; action=\"$4\"" -H 'Expect:' \
	    --data-binary @"$5" -D "$6.hdr" -o "$6" -w '%{http_code}' "$2" 2>"$6.err"
}

# fl_big_retrieve NAME MODE URL CLIENT ACTION OUTNAME TEMPLATE QUERY KEY=VALUE...: one retrieve of the
# big document with memory measured around it (MODE cold or warm); checks bytes and memory;
# removes the big files afterwards. With RATE set the client reads at most RATE per second.
# Uses the caller's T, HPID (the hashid measured), MAX_GROWTH_KIB, BIG_UID, BIG_SIZE and
# BIG_SHA256.
fl_big_retrieve() {
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
	_rt_hwm0=$(fl_rss_field \"$HPID\" VmHWM) _rt_rss0=$(fl_rss_field \"$HPID\" VmRSS) _rt_anon0=$(fl_rss_field \"$HPID\" RssAnon) _rt_file0=$(fl_rss_field \"$HPID\" RssFile)
	fl_sample_start "$HPID" "$T/anon.samples"
	_rt_t0=$(fl_ms)
	if [ -n "$RATE" ]; then
		_rt_code=$(SOAP_TIMEOUT=40 fl_soap_post_rate "$RATE" "$_rt_url" "$_rt_client" "$_rt_action" "$_rt_q" "$_rt_out")
	else
		_rt_code=$(SOAP_TIMEOUT=40 soap_post "$_rt_url" "$_rt_client" "$_rt_action" "$_rt_q" "$_rt_out")
	fi
	_rt_dt=$(($(fl_ms) - _rt_t0))
	_rt_hwm1=$(fl_rss_field \"$HPID\" VmHWM) _rt_rss1=$(fl_rss_field \"$HPID\" VmRSS) _rt_anon1=$(fl_rss_field \"$HPID\" RssAnon) _rt_file1=$(fl_rss_field \"$HPID\" RssFile)
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
			ok "$_rt_name: VmHWM growth beyond the mapped registry file $((_rt_grow - _rt_fgrow)) KiB < $((MAX_GROWTH_KIB / 1024)) MiB"
		else
			not_ok "$_rt_name: VmHWM growth beyond the mapped registry file $((_rt_grow - _rt_fgrow)) KiB >= $((MAX_GROWTH_KIB / 1024)) MiB: not streamed"
		fi
		if [ "$_rt_agrow" -lt "$MAX_GROWTH_KIB" ]; then
			ok "$_rt_name: anonymous memory peak growth $_rt_agrow KiB < $((MAX_GROWTH_KIB / 1024)) MiB"
		else
			not_ok "$_rt_name: anonymous memory peak growth $_rt_agrow KiB >= $((MAX_GROWTH_KIB / 1024)) MiB: not streamed"
		fi
		;;
	warm)
		if [ "$_rt_grow" -lt "$MAX_GROWTH_KIB" ]; then
			ok "$_rt_name: hashid peak RSS (VmHWM) grew by $_rt_grow KiB < $((MAX_GROWTH_KIB / 1024)) MiB: streamed"
		else
			not_ok "$_rt_name: hashid peak RSS (VmHWM) grew by $_rt_grow KiB >= $((MAX_GROWTH_KIB / 1024)) MiB: not streamed"
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

# fl_uids FILE: the DocumentEntry uniqueIds of a query response, sorted, one per line.
fl_uids() {
	_u_n=$(xpath "$1" "count($FL_EO)")
	_u_i=1
	while [ "$_u_i" -le "${_u_n:-0}" ]; do
		printf '%s\n' "$(xpath "$1" "string(($FL_EO)[$_u_i]/$(fl_eid "$FL_UID_SCHEME"))")"
		_u_i=$((_u_i + 1))
	done | sort
}

# fl_check_doc DIR UID FILE DESC: the retrieve response in DIR (mtom_extract) holds UID's
# bytes, equal to FILE's (one TAP line DESC).
fl_check_doc() {
	if _cd_f=$(mtom_document "$1" "$2"); then
		is "$(fl_sha256 "$_cd_f")" "$(fl_sha256 "$3")" "$4"
	else
		not_ok "$4"
		diag "no DocumentResponse for $2" "$(head -c 800 "$1/root.xml" 2>/dev/null)"
	fi
}
