# tests/integ/lib_fanout.sh: fake XCA peers and extra regions for test_fanout_faults.sh.
# Source after lib.sh and lib_flow.sh. POSIX sh (dash). Names start with fo_ / FO_.

# fo_regions DIR KEY:HCIDSUFFIX:PREFIX...: copies the demo data generator (gen_demo_data.sh,
# its awk and templates) to DIR with a regions.tsv extended by one line per argument
# (community urn:oid:1.2.392.200119.6.SUFFIX, AA ...SUFFIX.1, repository ...SUFFIX.2,
# patient id prefix PREFIX), and points lib.sh's REGIONS at it. The copied generator gives
# extra regions tottori's place and facility names.
fo_regions() {
	_fr_d=$1
	shift
	mkdir -p "$_fr_d" || return 1
	cp -R "$DATA/gen_demo_data.sh" "$DATA/gen_demo_data.awk" "$DATA/templates" "$_fr_d/" || return 1
	cp "$DATA/regions.tsv" "$_fr_d/regions.tsv" || return 1
	# the generator only has place names for the three real regions: extra ones borrow tottori's
	sed 's/} else if (key == "tottori") {/} else if (key == "tottori" || key != "") {/' \
	    "$DATA/gen_demo_data.awk" >"$_fr_d/gen_demo_data.awk" || return 1
	grep -q 'key == "tottori" || key != ""' "$_fr_d/gen_demo_data.awk" || return 1
	for _fr_a in "$@"; do
		_fr_k=${_fr_a%%:*}
		_fr_r=${_fr_a#*:}
		_fr_s=${_fr_r%%:*}
		_fr_p=${_fr_r#*:}
		_fr_o=1.2.392.200119.6.$_fr_s
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$_fr_k" "テスト$_fr_k" "urn:oid:$_fr_o" "$_fr_o.1" "$_fr_o.2" \
		    "テスト県" "$_fr_p" >>"$_fr_d/regions.tsv"
	done
	REGIONS=$_fr_d/regions.tsv
}

# fo_fake_peer NAME PORT CERT MODE [DELAY]: a fake peer gateway on 127.0.0.1:PORT presenting
# $PKI/CERT (openssl s_server, one process per connection, restarted in a loop). What the
# peer sent is appended to $HASHI_TMP/fake-NAME.log. For each request line "POST /xca" it
# sees on a connection it does, by MODE:
#   hang    nothing (TLS up, request read, never an answer)
#   late    answers a valid empty AdhocQueryResponse after DELAY seconds
#   badxml  answers HTTP 200 application/soap+xml with a malformed XML body at once
#   fault   answers HTTP 500 with a SOAP 1.2 Receiver fault at once
# Returns 1 when the port does not complete a TLS handshake within 5 s.
fo_fake_peer() {
	_ff_name=$1
	_ff_port=$2
	_ff_cert=$3
	_ff_mode=$4
	_ff_delay=${5:-0}
	_ff_dir=$HASHI_TMP/fake-$_ff_name
	mkdir -p "$_ff_dir"
	fo_response "$_ff_mode" >"$_ff_dir/response"
	: >"$_ff_dir/run"
	(
		# Fresh fifo per connection: a late answer can never leak into the next connection.
		while [ -f "$_ff_dir/run" ]; do
			rm -f "$_ff_dir/in" "$_ff_dir/out"
			mkfifo "$_ff_dir/in" "$_ff_dir/out" || exit 1
			openssl s_server -naccept 1 -accept "$_ff_port" -cert "$PKI/$_ff_cert.crt" \
			    -key "$PKI/$_ff_cert.key" -CAfile "$PKI/ca.crt" -quiet \
			    <"$_ff_dir/in" >"$_ff_dir/out" 2>>"$_ff_dir/stderr" &
			echo "$!" >"$_ff_dir/spid"
			(
				exec 8>"$_ff_dir/in"
				while IFS= read -r _ff_l; do
					printf '%s\n' "$_ff_l" >>"$HASHI_TMP/fake-$_ff_name.log"
					case $_ff_l in
					*"POST /xca"*)
						case $_ff_mode in
						hang) ;;
						late) (sleep "$_ff_delay"; cat "$_ff_dir/response" >&8) 2>/dev/null & ;;
						*) cat "$_ff_dir/response" >&8 2>/dev/null ;;
						esac
						;;
					esac
				done <"$_ff_dir/out"
			)
			wait
		done
	) >/dev/null 2>&1 &
	echo "$!" >"$_ff_dir/pid"
	add_cleanup "fo_stop_fake '$_ff_name'"
	_ff_i=0
	while [ "$_ff_i" -lt 50 ]; do
		# probing consumes the one connection of this s_server; the loop starts the next
		if tls_ready "$_ff_port" okayama-gw; then
			sleep 0.3
			return 0
		fi
		_ff_i=$((_ff_i + 1))
		sleep 0.1
	done
	return 1
}

# fo_response MODE: the HTTP response a fake peer sends in MODE.
fo_response() {
	case $1 in
	late)
		_fo_b='<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><env:Header><wsa:Action>urn:ihe:iti:2007:CrossGatewayQueryResponse</wsa:Action></env:Header><env:Body><query:AdhocQueryResponse xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><rim:RegistryObjectList/></query:AdhocQueryResponse></env:Body></env:Envelope>'
		_fo_st='200 OK'
		;;
	badxml)
		_fo_b='<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><query:AdhocQueryResponse xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><rim:RegistryObjectList></env:Body>'
		_fo_st='200 OK'
		;;
	fault)
		_fo_b='<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><env:Header><wsa:Action>http://www.w3.org/2005/08/addressing/soap/fault</wsa:Action></env:Header><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang="en">registry down for maintenance</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>'
		_fo_st='500 Internal Server Error'
		;;
	*) return 0 ;;
	esac
	printf 'HTTP/1.1 %s\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-Length: %d\r\n\r\n%s' \
	    "$_fo_st" "$(printf '%s' "$_fo_b" | wc -c)" "$_fo_b"
}

# fo_stop_fake NAME: stops the fake peer NAME (its loop, then its current s_server, by pid).
fo_stop_fake() {
	[ -f "$HASHI_TMP/fake-$1/run" ] || return 0
	rm -f "$HASHI_TMP/fake-$1/run"
	kill "$(cat "$HASHI_TMP/fake-$1/pid")" 2>/dev/null
	kill "$(cat "$HASHI_TMP/fake-$1/spid" 2>/dev/null)" 2>/dev/null
}

# fo_fds PID: number of open file descriptors of PID.
fo_fds() {
	ls "/proc/$1/fd" 2>/dev/null | wc -l | tr -d ' '
}

# fo_retrieve3 OUT ACTION TO H1 R1 U1 H2 R2 U2 H3 R3 U3: writes a Retrieve Document Set request
# for three documents (HomeCommunityId, RepositoryUniqueId, DocumentUniqueId each) to OUT.
fo_retrieve3() {
	_fr3_o=$1
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><soap:Header>'
		printf '<wsa:Action soap:mustUnderstand="true">%s</wsa:Action><wsa:MessageID>%s</wsa:MessageID>' "$2" "$(new_uuid)"
		printf '<wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>'
		printf '<wsa:To soap:mustUnderstand="true">%s</wsa:To></soap:Header><soap:Body>' "$3"
		printf '<xdsb:RetrieveDocumentSetRequest xmlns:xdsb="urn:ihe:iti:xds-b:2007">'
		shift 3
		while [ $# -ge 3 ]; do
			printf '<xdsb:DocumentRequest><xdsb:HomeCommunityId>%s</xdsb:HomeCommunityId>' "$1"
			printf '<xdsb:RepositoryUniqueId>%s</xdsb:RepositoryUniqueId>' "$2"
			printf '<xdsb:DocumentUniqueId>%s</xdsb:DocumentUniqueId></xdsb:DocumentRequest>' "$3"
			shift 3
		done
		printf '</xdsb:RetrieveDocumentSetRequest></soap:Body></soap:Envelope>\n'
	} >"$_fr3_o"
}
