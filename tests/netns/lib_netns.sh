# tests/netns/lib_netns.sh: real strongSwan tunnels between network namespaces, for
# tests/netns/test_*.sh. Source after tests/integ/lib.sh (and lib_flow.sh). POSIX sh
# (dash). Names start with nn_ (functions) or NN_ (variables).
#
# What it builds (see /work/shared/research/strongswan-netns.md for why it is built so):
#   - one namespace per region key (a, b, c ...: nn_region), named hashi-<PID>-<key>, with
#     the outer address 192.0.2.<n>/24 on eth0 and the inner addresses 10.<n>.<p>.1/32 on lo
#     (p = 1 clinical, 2 emergency, 3 imaging);
#   - a fourth namespace hashi-<PID>-br holding the bridge br0 all eth0s are plugged into;
#   - in each region namespace, 10.0.0.0/8 routed to a next hop that swallows everything
#     (a permanent neighbour entry with a MAC nobody has): a packet for a peer's inner
#     address that no CHILD_SA carries is lost, as on a real network, instead of failing
#     at once with "network unreachable" (so a test can tell fail-fast from a timeout);
#   - one charon per region namespace, in a private mount namespace with its own /run
#     (charon writes /var/run/charon.pid whatever its configuration says), with userspace
#     ESP (kernel-libipsec: the kernel here has no ESP xfrm), its own strongswan.conf, log
#     and vici socket $HASHI_TMP/ns-<key>/charon.vici; swanctl credentials (the private
#     key) in $HASHI_TMP/ns-<key>/swanctl (SWANCTL_DIR).
# Everything is stopped by its own PID and the namespaces deleted at exit (add_cleanup).
# Nothing is created outside the namespaces except files under $HASHI_TMP.
#
#   nn_skip_reason            why this cannot run here (empty: it can)
#   nn_need WHAT              skip (or fail, in CI) the suite when it cannot
#   nn_net_up KEY...          namespaces, bridge, addresses
#   nn_charon_start KEY       charon of KEY's namespace (waits for its vici socket)
#   nn_swanctl KEY ARG...     swanctl against KEY's charon
#   nn_child KEY IKE CHILD    "STATE BYTES_IN BYTES_OUT" of that CHILD_SA ("NONE 0 0")
#   nn_write_config KEY FILE [OPTION...]   a hashid.yaml for KEY's gateway (see there)
#   nn_start_hashid KEY CONF  hashid inside KEY's namespace (waits for TLS)
#   nn_soap KEY URL CLIENT ACTION FILE OUT [CURL_ARG...]   soap_post from KEY's namespace

NN_PFX=hashi-$$
NN_CHARON=${NN_CHARON:-/usr/lib/ipsec/charon}
NN_SWANCTL=${NN_SWANCTL:-swanctl}
NN_PLUGINS=${NN_PLUGINS:-/usr/lib/ipsec/plugins}
# ports inside every region namespace (each has its own stack: no clash with the host)
NN_PORT_INNER=8443	# the per-purpose listeners on the inner addresses
NN_PORT_EHR=9443	# loopback, for the local EHR's /ig calls (clinical)
NN_PORT_EHR_EMERG=9444	# loopback, emergency
NN_PORT_ADMIN=9090	# loopback admin listener (status, metrics)
NN_PURPOSES="clinical emergency imaging"
NN_NETS=
NN_CHARONS=

# nn_region KEY: sets NN_N (the region number 1..3) and NN_R (its tests/data/regions.tsv key)
# for region key a, b or c.
nn_region() {
	case $1 in
	a) NN_N=1 NN_R=okayama ;;
	b) NN_N=2 NN_R=shimane ;;
	c) NN_N=3 NN_R=tottori ;;
	*) echo "nn_region: unknown region key '$1'" >&2; return 1 ;;
	esac
}

# nn_purpose_n PURPOSE: the inner address's third byte for PURPOSE.
nn_purpose_n() {
	case $1 in
	clinical) echo 1 ;;
	emergency) echo 2 ;;
	imaging) echo 3 ;;
	*) return 1 ;;
	esac
}

# nn_inner KEY PURPOSE: KEY's inner address for PURPOSE.
nn_inner() {
	nn_region "$1" && echo "10.$NN_N.$(nn_purpose_n "$2").1"
}

# nn_ns KEY: the namespace of region KEY (or of the bridge, br).
nn_ns() {
	echo "$NN_PFX-$1"
}

# nn_dir KEY: KEY's directory under $HASHI_TMP (charon's files, the swanctl directory).
nn_dir() {
	echo "$HASHI_TMP/ns-$1"
}

# nn_skip_reason: prints why real tunnels cannot be built here; nothing when they can.
nn_skip_reason() {
	if [ "$(id -u)" != 0 ]; then
		echo "not root (network namespaces, TUN and charon need root)"
		return 0
	fi
	for _sr_t in ip unshare mount curl openssl xmllint "$NN_SWANCTL"; do
		command -v "$_sr_t" >/dev/null 2>&1 || { echo "$_sr_t not found"; return 0; }
	done
	if [ ! -x "$NN_CHARON" ]; then
		echo "$NN_CHARON not found (strongswan-charon)"
		return 0
	fi
	for _sr_p in kernel-libipsec kdf vici gcm curve25519 openssl x509 pem; do
		if [ ! -f "$NN_PLUGINS/libstrongswan-$_sr_p.so" ]; then
			echo "strongSwan plugin $_sr_p not found in $NN_PLUGINS (libcharon-extra-plugins?)"
			return 0
		fi
	done
	if [ ! -c /dev/net/tun ] || ! { : <>/dev/net/tun; } 2>/dev/null; then
		echo "/dev/net/tun cannot be opened"
		return 0
	fi
	_sr_ns=$NN_PFX-probe
	if ! ip netns add "$_sr_ns" 2>/dev/null; then
		echo "cannot create network namespaces"
		return 0
	fi
	_sr_ok=1
	ip -n "$_sr_ns" link add nnbr type bridge 2>/dev/null || _sr_ok=0
	ip netns del "$_sr_ns" 2>/dev/null
	[ "$_sr_ok" -eq 1 ] || echo "cannot create a bridge in a network namespace"
}

# nn_need WHAT: ends the suite when real tunnels cannot be built here (nn_skip_reason):
# skipped (ok # SKIP, WHAT and the reason), or failed under HASHI_NETNS_REQUIRE=1 (CI, which
# runs as root). Then requires hashid and hashictl to be built.
nn_need() {
	_nd_why=$(nn_skip_reason)
	if [ -n "$_nd_why" ]; then
		[ "${HASHI_NETNS_REQUIRE:-0}" = 1 ] && die "real tunnels cannot run here: $_nd_why"
		skip "$1" "$_nd_why"
		exit 0
	fi
	[ -x "$HASHID" ] && [ -x "$HASHICTL" ] || die "$HASHID or $HASHICTL is not built"
}

# nn_net_up KEY...: the bridge namespace and one namespace per region KEY (see the top).
# Returns 1 (with the failing command on stderr) when something could not be made.
nn_net_up() {
	add_cleanup nn_cleanup
	# lib.sh cleans up on EXIT, INT and TERM; namespaces and daemons must not outlive a
	# hang-up or a reader that went away either (| head): both exit through the clean-up.
	# (Caught, not ignored: an ignored SIGPIPE would be inherited by every pipeline's
	# commands, which would then complain about EPIPE instead of ending quietly.)
	trap 'exit 129' HUP
	trap 'exit 141' PIPE
	_nu_br=$(nn_ns br)
	ip netns add "$_nu_br" || return 1
	NN_NETS="$NN_NETS $_nu_br"
	ip -n "$_nu_br" link set lo up &&
	    ip -n "$_nu_br" link add br0 type bridge &&
	    ip -n "$_nu_br" link set br0 up || return 1
	for _nu_k in "$@"; do
		nn_region "$_nu_k" || return 1
		_nu_ns=$(nn_ns "$_nu_k")
		ip netns add "$_nu_ns" || return 1
		NN_NETS="$NN_NETS $_nu_ns"
		# the veth is made in the bridge's namespace and its other end moved into the
		# region's: no interface ever exists on the host
		ip -n "$_nu_br" link add "v$NN_N" type veth peer name eth0 netns "$_nu_ns" &&
		    ip -n "$_nu_br" link set "v$NN_N" master br0 up &&
		    ip -n "$_nu_ns" link set lo up &&
		    ip -n "$_nu_ns" addr add "192.0.2.$NN_N/24" dev eth0 &&
		    ip -n "$_nu_ns" link set eth0 up || return 1
		for _nu_p in $NN_PURPOSES; do
			ip -n "$_nu_ns" addr add "$(nn_inner "$_nu_k" "$_nu_p")/32" dev lo || return 1
		done
		# charon's files and the swanctl directory (swanctl complains of missing subdirs)
		for _nu_s in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa \
		    bliss pkcs8 pkcs12; do
			mkdir -p "$(nn_dir "$_nu_k")/swanctl/$_nu_s" || return 1
		done
		ip -n "$_nu_ns" neigh add 192.0.2.254 lladdr 02:00:00:00:00:fe dev eth0 nud permanent &&
		    ip -n "$_nu_ns" route add 10.0.0.0/8 via 192.0.2.254 dev eth0 || return 1
	done
}

# nn_cleanup: stops every charon (by PID), then deletes every namespace made here.
nn_cleanup() {
	nn_charon_stop_all
	for _nc_ns in $NN_NETS; do
		ip netns del "$_nc_ns" 2>/dev/null
	done
	NN_NETS=
}

# nn_charon_conf KEY: writes KEY's strongswan.conf (charon and swanctl) into nn_dir KEY.
nn_charon_conf() {
	_cc_d=$(nn_dir "$1")
	# swanctl's format: one key = value per line
	cat >"$_cc_d/strongswan.conf" <<EOF
# charon of namespace $(nn_ns "$1"), written by tests/netns/lib_netns.sh
charon {
	load = random nonce aes sha1 sha2 hmac kdf gcm curve25519 openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey kernel-libipsec kernel-netlink socket-default vici
	install_virtual_ip = no
	plugins {
		vici {
			socket = unix://$_cc_d/charon.vici
		}
	}
	filelog {
		charon {
			path = $_cc_d/charon.log
			time_format = %H:%M:%S
			default = 1
			ike = 1
			cfg = 1
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
}
swanctl {
	load = random nonce aes sha1 sha2 hmac gcm openssl pem pkcs1 pkcs8 x509 pubkey
	socket = unix://$_cc_d/charon.vici
}
EOF
}

# nn_charon_start KEY: starts charon in KEY's namespace, in a private mount namespace whose
# /run is its own tmpfs, and waits (max 10 s) until its vici socket answers. Returns 1
# (with the log as TAP comments) when it does not.
nn_charon_start() {
	_cs_d=$(nn_dir "$1")
	_cs_ns=$(nn_ns "$1")
	nn_charon_conf "$1"
	# ip netns exec, unshare and sh each exec the next: $! is charon's own PID
	STRONGSWAN_CONF=$_cs_d/strongswan.conf ip netns exec "$_cs_ns" \
	    unshare -m --propagation private sh -c \
	    'mount -t tmpfs -o mode=0755 hashi-run /run && exec "$0"' "$NN_CHARON" \
	    >"$_cs_d/charon.out" 2>&1 </dev/null &
	_cs_pid=$!
	echo "$_cs_pid" >"$_cs_d/charon.pid"
	NN_CHARONS="$NN_CHARONS $_cs_pid"
	_cs_i=0
	while [ "$_cs_i" -lt 100 ]; do
		if ! kill -0 "$_cs_pid" 2>/dev/null; then
			diag "charon of $_cs_ns exited" "$(cat "$_cs_d/charon.out" 2>/dev/null)"
			diag_file "$_cs_d/charon.log" 20
			return 1
		fi
		if [ -S "$_cs_d/charon.vici" ] && nn_swanctl "$1" --stats >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
		_cs_i=$((_cs_i + 1))
	done
	diag "charon of $_cs_ns: no vici socket within 5 s"
	diag_file "$_cs_d/charon.log" 20
	return 1
}

# nn_charon_pid KEY: the PID of KEY's charon.
nn_charon_pid() {
	cat "$(nn_dir "$1")/charon.pid" 2>/dev/null
}

# nn_charon_stop_all: SIGTERM to every charon started here, SIGKILL after 5 s.
nn_charon_stop_all() {
	for _ca_p in $NN_CHARONS; do
		kill -TERM "$_ca_p" 2>/dev/null
	done
	for _ca_p in $NN_CHARONS; do
		_ca_i=0
		while kill -0 "$_ca_p" 2>/dev/null && [ "$_ca_i" -lt 50 ]; do
			sleep 0.1
			_ca_i=$((_ca_i + 1))
		done
		if kill -0 "$_ca_p" 2>/dev/null; then
			kill -KILL "$_ca_p" 2>/dev/null
		fi
		wait "$_ca_p" 2>/dev/null
	done
	NN_CHARONS=
}

# nn_swanctl KEY ARG...: swanctl ARG... against KEY's charon (its vici socket), run in KEY's
# namespace with KEY's swanctl directory.
nn_swanctl() {
	_sw_d=$(nn_dir "$1")
	_sw_ns=$(nn_ns "$1")
	shift
	SWANCTL_DIR=$_sw_d/swanctl STRONGSWAN_CONF=$_sw_d/strongswan.conf \
	    ip netns exec "$_sw_ns" "$NN_SWANCTL" "$@" --uri "unix://$_sw_d/charon.vici"
}

# nn_child KEY IKE CHILD: prints "STATE BYTES_IN BYTES_OUT" of KEY's CHILD_SA CHILD of its
# connection IKE, from swanctl --list-sas ("NONE 0 0" when there is none; the first
# INSTALLED one when there are several).
nn_child() {
	nn_swanctl "$1" --list-sas --ike "$2" 2>/dev/null | awk -v ike="$2" -v child="$3" '
	/^[^ \t]/ { cur = $1; sub(/:$/, "", cur); inc = 0; next }
	cur == ike && /^  [^ ]/ {
		n = $1; sub(/:$/, "", n); inc = 0
		if (n == child) {
			st = $5; sub(/,$/, "", st)
			if (best == "" || (st == "INSTALLED" && bst != "INSTALLED")) { inc = 1; cand = st }
		}
		next
	}
	inc && $1 == "in" { bin = $3 }
	inc && $1 == "out" { bout = $3; best = 1; bst = cand; rin = bin; rout = bout }
	END {
		if (best == "") print "NONE 0 0"
		else print bst, rin + 0, rout + 0
	}'
}

# nn_load KEY SWANCTL_CONF KEYFILE: puts KEYFILE into KEY's swanctl private/ directory and
# loads SWANCTL_CONF (connections, authorities, credentials) into KEY's charon. swanctl
# takes the credential directories from where the file is: SWANCTL_CONF is copied to
# nn_swanconf KEY first unless it is already there.
nn_load() {
	_ld_d=$(nn_dir "$1")
	if [ "$2" != "$(nn_swanconf "$1")" ]; then
		cp "$2" "$(nn_swanconf "$1")" || return 1
	fi
	cp "$3" "$_ld_d/swanctl/private/" && chmod 600 "$_ld_d/swanctl/private/"* || return 1
	nn_swanctl "$1" --load-all --noprompt --file "$(nn_swanconf "$1")"
}

# nn_swanconf KEY: where KEY's swanctl.conf belongs (in its swanctl directory).
nn_swanconf() {
	echo "$(nn_dir "$1")/swanctl/swanctl.conf"
}

# nn_write_config KEY FILE [OPTION...]: writes a hashid.yaml for region KEY's gateway to FILE:
# TLS as $PKI/<region>-gw, state in $HASHI_TMP/<region>.state; listeners: one per purpose
# on KEY's inner addresses (port NN_PORT_INNER), 127.0.0.1:NN_PORT_EHR (clinical) and
# 127.0.0.1:NN_PORT_EHR_EMERG (emergency) for the local EHR, the admin listener on
# 127.0.0.1:NN_PORT_ADMIN; vpn: outer address 192.0.2.N, one inner address per purpose,
# start_action none (only the test brings CHILD_SAs up or down; NN_START_ACTION, when set,
# instead), plus NN_VPN_EXTRA (lines
# of "key: value" added to vpn:, e.g. vici_socket); every other region key given as
# peer=KEY2 becomes a peer with vpn: and purposes whose URLs are KEY2's inner addresses.
# Options:
#   peer=KEY2                       a peer (its gateway certificate $PKI/<region2>-gw)
#   map=KEY2:LOCALID:REMOTEID       a patient_map entry of that peer (ids without the CX suffix)
#   local=CERTNAME                  a local system (the EHR calling /ig)
#   timeouts.X=V                    overrides connect 5s, read 10s, request 20s
nn_write_config() {
	_wn_k=$1
	_wn_f=$2
	shift 2
	_wn_peers=
	_wn_maps=
	_wn_locals=
	_wn_tc=5s
	_wn_tr=10s
	_wn_tq=20s
	for _wn_o in "$@"; do
		case $_wn_o in
		peer=*) _wn_peers="$_wn_peers ${_wn_o#peer=}" ;;
		map=*) _wn_maps="$_wn_maps ${_wn_o#map=}" ;;
		local=*) _wn_locals="$_wn_locals ${_wn_o#local=}" ;;
		timeouts.connect=*) _wn_tc=${_wn_o#*=} ;;
		timeouts.read=*) _wn_tr=${_wn_o#*=} ;;
		timeouts.request=*) _wn_tq=${_wn_o#*=} ;;
		*) die "nn_write_config: bad option '$_wn_o'" ;;
		esac
	done
	nn_region "$_wn_k" || die "nn_write_config: bad region key $_wn_k"
	_wn_n=$NN_N
	_wn_r=$NN_R
	region_info "$_wn_r" || die "nn_write_config: unknown region $_wn_r"
	_wn_aa=$R_AA
	{
		echo "# written by tests/netns/lib_netns.sh for $_wn_r (namespace $(nn_ns "$_wn_k"))"
		echo "community:"
		echo "  name: $R_NAME"
		echo "  home_community_id: $R_HCID"
		echo "  assigning_authority: $R_AA"
		echo "  repository_unique_id: $R_REPO"
		echo "state_dir: $HASHI_TMP/$_wn_r.state"
		echo "listen:"
		echo "  - address: 127.0.0.1"
		echo "    port: $NN_PORT_EHR"
		echo "  - address: 127.0.0.1"
		echo "    port: $NN_PORT_EHR_EMERG"
		echo "    purpose: emergency"
		for _wn_p in $NN_PURPOSES; do
			echo "  - address: $(nn_inner "$_wn_k" "$_wn_p")"
			echo "    port: $NN_PORT_INNER"
			echo "    purpose: $_wn_p"
		done
		echo "admin:"
		echo "  address: 127.0.0.1"
		echo "  port: $NN_PORT_ADMIN"
		echo "tls:"
		echo "  certificate: $PKI/$_wn_r-gw.crt"
		echo "  private_key: $PKI/$_wn_r-gw.key"
		echo "  ca: $PKI/ca.crt"
		echo "  allow_tls12: false"
		echo "limits:"
		echo "  max_body: 16MiB"
		echo "  max_mtom_body: 256MiB"
		echo "  max_xml_depth: 64"
		echo "timeouts:"
		echo "  connect: $_wn_tc"
		echo "  read: $_wn_tr"
		echo "  request: $_wn_tq"
		echo "registry:"
		echo "  backend: embedded"
		echo "  map_size: 256MiB"
		echo "mpi:"
		echo "  map_size: 64MiB"
		echo "consent:"
		echo "  map_size: 64MiB"
		echo "  required: false"
		echo "vpn:"
		echo "  address: 192.0.2.$_wn_n"
		echo "  start_action: ${NN_START_ACTION:-none}"
		if [ -n "${NN_VPN_EXTRA:-}" ]; then
			printf '%s\n' "$NN_VPN_EXTRA" | sed "s#@DIR@#$(nn_dir "$_wn_k")#g; s/^/  /"
		fi
		echo "  purposes:"
		for _wn_p in $NN_PURPOSES; do
			echo "    - name: $_wn_p"
			echo "      inner_address: $(nn_inner "$_wn_k" "$_wn_p")"
		done
		if [ -n "$_wn_locals" ]; then
			echo "local_systems:"
			for _wn_l in $_wn_locals; do
				echo "  - name: $_wn_l"
				echo "    subject: \"CN=$_wn_l,O=Hashi Test,C=JP\""
			done
		fi
		[ -n "$_wn_peers" ] && echo "peers:"
		for _wn_q in $_wn_peers; do
			nn_region "$_wn_q" || die "nn_write_config: bad peer key $_wn_q"
			region_info "$NN_R"
			_wn_cn=$NN_R-gw
			echo "  - name: $NN_R"
			echo "    home_community_id: $R_HCID"
			echo "    assigning_authority: $R_AA"
			echo "    subject: \"CN=$_wn_cn,O=Hashi Test,C=JP\""
			echo "    query_url: https://$(nn_inner "$_wn_q" clinical):$NN_PORT_INNER/xca"
			echo "    retrieve_url: https://$(nn_inner "$_wn_q" clinical):$NN_PORT_INNER/xca"
			echo "    vpn:"
			echo "      address: 192.0.2.$NN_N"
			echo "      identity: \"C=JP, O=Hashi Test, CN=$_wn_cn\""
			echo "      inner_address: $(nn_inner "$_wn_q" clinical)"
			echo "    purposes:"
			for _wn_p in $NN_PURPOSES; do
				[ "$_wn_p" = clinical ] && continue
				echo "      - name: $_wn_p"
				echo "        query_url: https://$(nn_inner "$_wn_q" "$_wn_p"):$NN_PORT_INNER/xca"
				echo "        retrieve_url: https://$(nn_inner "$_wn_q" "$_wn_p"):$NN_PORT_INNER/xca"
				echo "        inner_address: $(nn_inner "$_wn_q" "$_wn_p")"
			done
			_wn_first=1
			for _wn_m in $_wn_maps; do
				[ "${_wn_m%%:*}" = "$_wn_q" ] || continue
				_wn_ids=${_wn_m#*:}
				if [ "$_wn_first" -eq 1 ]; then
					echo "    patient_map:"
					_wn_first=0
				fi
				echo "      - local: \"${_wn_ids%%:*}^^^&$_wn_aa&ISO\""
				echo "        remote: \"${_wn_ids#*:}^^^&$R_AA&ISO\""
			done
		done
	} >"$_wn_f"
	chmod 600 "$_wn_f"
}

# nn_tls_ready KEY PORT CLIENT: 0 when 127.0.0.1:PORT in KEY's namespace completes a TLS
# handshake (client certificate $PKI/CLIENT) whose server certificate chains to the test CA.
nn_tls_ready() {
	timeout 3 ip netns exec "$(nn_ns "$1")" openssl s_client -connect "127.0.0.1:$2" \
	    -CAfile "$PKI/ca.crt" -verify_return_error -brief \
	    -cert "$PKI/$3.crt" -key "$PKI/$3.key" </dev/null 2>&1 |
	    grep -Eq 'Verification: OK|Verify return code: 0'
}

# nn_start_hashid KEY CONF NAME: starts hashid -d -f CONF inside KEY's namespace (output to
# $HASHI_TMP/NAME.log), registered with lib.sh's list so that stop_hashid NAME and the exit
# clean-up stop it by its PID; waits (max 10 s) for TLS on its loopback EHR listener.
# Reports not_ok and returns 1 when it does not start.
nn_start_hashid() {
	_nh_ns=$(nn_ns "$1")
	_nh_log=$HASHI_TMP/$3.log
	_lib_started=1
	(
		if [ "${HASHI_ASAN:-0}" = 1 ]; then
			ASAN_OPTIONS="log_path=$HASHI_TMP/asan/asan:detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
			UBSAN_OPTIONS="log_path=$HASHI_TMP/asan/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
			export ASAN_OPTIONS UBSAN_OPTIONS
		fi
		if [ "${HASHI_VERBOSE:-0}" = 1 ]; then
			exec ip netns exec "$_nh_ns" "$HASHID" -d -v -f "$2"
		fi
		exec ip netns exec "$_nh_ns" "$HASHID" -d -f "$2"
	) >"$_nh_log" 2>&1 &
	_nh_pid=$!
	echo "$_nh_pid $3" >>"$HASHI_TMP/.pids"
	_nh_t=0
	while [ "$_nh_t" -lt 100 ]; do
		if ! kill -0 "$_nh_pid" 2>/dev/null; then
			wait "$_nh_pid"
			not_ok "start hashid $3 in $_nh_ns: exited with status $? before listening"
			diag_file "$_nh_log"
			return 1
		fi
		if nn_tls_ready "$1" "$NN_PORT_EHR" "$3"; then
			return 0
		fi
		sleep 0.1
		_nh_t=$((_nh_t + 1))
	done
	not_ok "start hashid $3 in $_nh_ns: no TLS on 127.0.0.1:$NN_PORT_EHR within 10 s"
	diag_file "$_nh_log"
	return 1
}

# nn_soap KEY URL CLIENT ACTION FILE OUT [CURL_ARG...]: lib.sh's soap_post, with curl run in
# KEY's namespace and the extra CURL_ARGs (e.g. --interface, --resolve) added.
nn_soap() {
	_ns_ns=$(nn_ns "$1")
	_ns_url=$2
	_ns_cl=$3
	_ns_act=$4
	_ns_in=$5
	_ns_out=$6
	shift 6
	ip netns exec "$_ns_ns" curl -sS --max-time "${SOAP_TIMEOUT:-30}" --cacert "$PKI/ca.crt" \
	    --cert "$PKI/$_ns_cl.crt" --key "$PKI/$_ns_cl.key" \
	    -H "Content-Type: application/soap+xml; charset=UTF-8; action=\"$_ns_act\"" -H 'Expect:' \
	    --data-binary @"$_ns_in" -D "$_ns_out.hdr" -o "$_ns_out" -w '%{http_code}' \
	    "$@" "$_ns_url" 2>"$_ns_out.err"
}

# nn_admin KEY PATH OUT: GET http://127.0.0.1:NN_PORT_ADMIN/PATH in KEY's namespace into OUT;
# prints the HTTP status.
nn_admin() {
	ip netns exec "$(nn_ns "$1")" curl -sS --max-time 5 -o "$3" -w '%{http_code}' \
	    "http://127.0.0.1:$NN_PORT_ADMIN$2" 2>"$3.err"
}
