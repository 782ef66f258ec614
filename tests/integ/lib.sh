# tests/integ/lib.sh: sourced by the integration tests (tests/integ/test_*.sh) and deploy/demo.sh.
# POSIX sh (dash). Real hashid processes on loopback, a throw-away PKI, TAP output.
#
#   . "$(dirname "$0")/lib.sh"
#   mk_tmp; mk_pki okayama-gw okayama-ehr
#   p=$(free_port); write_config okayama-gw "$p" okayama local=okayama-ehr
#   start_hashid okayama-gw "$(config_of okayama-gw)" || exit 1
#   soap_fill "$SOAP/iti18-find-documents.xml" "$HASHI_TMP/q.xml" PATIENT_ID='P0001^^^&1.2.392.200119.6.1001.1&ISO'
#   code=$(soap_post "https://127.0.0.1:$p/xds" okayama-ehr urn:ihe:iti:2007:RegistryStoredQuery "$HASHI_TMP/q.xml" "$HASHI_TMP/r.xml")
#   is "$code" 200 "ITI-18 answers 200"
#
# TAP: ok / not_ok / is / like / check print "ok N - ..." and "not ok N - ..." lines (no plan;
# tests/run.sh counts them). The counter lives in this shell: results reported from a subshell
# (a pipeline, $(...)) still print but may repeat a number, which run.sh does not mind.
# On exit (normal, error, INT, TERM) every hashid started here gets SIGTERM (SIGKILL after 5 s),
# ASan reports are checked when HASHI_ASAN=1, and the temp dir is removed unless HASHI_KEEP=1.
# Don't set your own EXIT trap; register extra clean-up with add_cleanup 'command'.
#
# Variables: HASHI_ROOT (repo root; tests/run.sh sets it), BUILD (build dir, default build;
# relative to HASHI_ROOT), SHARED (HASHI_ROOT/../shared), HASHID, HASHICTL, SOAP (request
# templates), DATA (tests/data), HASHI_TMP (after mk_tmp), PKI (after mk_pki).

if [ -z "${HASHI_ROOT:-}" ]; then
	HASHI_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
fi
BUILD=${BUILD:-build}
case $BUILD in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$HASHI_ROOT/$BUILD ;;
esac
HASHID=${HASHID:-$BUILD_DIR/hashid}
HASHICTL=${HASHICTL:-$BUILD_DIR/hashictl}
SHARED=${SHARED:-$HASHI_ROOT/../shared}
SOAP=$HASHI_ROOT/tests/integ/soap
DATA=$HASHI_ROOT/tests/data
REGIONS=$DATA/regions.tsv
export HASHI_ROOT BUILD

_tap_n=0
_tap_fail=0
_lib_cleanup=
_lib_asan_checked=0
_lib_started=0
# Never inherited: a test only ever removes the temp dir it made itself.
HASHI_TMP=
PKI=

# ---------------------------------------------------------------- TAP

# ok DESC: reports a pass.
ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

# not_ok DESC: reports a failure.
not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_fail=$((_tap_fail + 1))
	echo "not ok $_tap_n - $*"
}

# diag LINE...: prints each LINE (which may hold newlines) as TAP comment lines ("# ...").
diag() {
	for _dg_l in "$@"; do
		printf '%s\n' "$_dg_l"
	done | sed 's/^/# /'
}

# diag_file FILE [MAXLINES]: prints the last MAXLINES (default 60) lines of FILE as comments.
diag_file() {
	[ -f "$1" ] || { diag "($1: no such file)"; return 0; }
	diag "---- $1 (last ${2:-60} lines)" "$(tail -n "${2:-60}" "$1" | sed 's/^/  /')"
}

# is GOT EXPECTED DESC: passes when the two strings are equal.
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "     got: '$1'" "expected: '$2'"
		return 1
	fi
}

# like GOT ERE DESC: passes when (a line of) GOT matches the extended regular expression ERE.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3"
		diag "     got: '$1'" "expected to match: /$2/"
		return 1
	fi
}

# check DESC CMD...: runs CMD; passes when it exits 0, else shows its output.
check() {
	_ck_desc=$1
	shift
	if _ck_out=$("$@" 2>&1); then
		ok "$_ck_desc"
	else
		not_ok "$_ck_desc"
		diag "command: $*" "$_ck_out"
		return 1
	fi
}

# skip DESC REASON: a test that could not run here (counts as passed, says why).
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

# die MSG: reports MSG as a failure and ends the test (clean-up runs).
die() {
	not_ok "$*"
	exit 1
}

# tap_failures: prints how many not_ok were reported in this shell.
tap_failures() {
	echo "$_tap_fail"
}

# done_testing: ends the test: exit status 1 if any not_ok was reported in this shell, else 0.
done_testing() {
	[ "$_tap_fail" -eq 0 ]
	exit $?
}

# ---------------------------------------------------------------- temp dir, clean-up

# add_cleanup CMD: runs CMD (eval) at exit, before the temp dir goes.
add_cleanup() {
	_lib_cleanup="$_lib_cleanup
$1"
}

_lib_exit() {
	_le_rc=$?
	trap - EXIT INT TERM
	stop_all
	if [ "$_lib_started" -eq 1 ] && [ "$_lib_asan_checked" -eq 0 ] && [ -n "$HASHI_TMP" ]; then
		check_asan "$HASHI_TMP"
	fi
	if [ -n "$_lib_cleanup" ]; then
		eval "$_lib_cleanup"
	fi
	_lib_release_ports
	if [ -n "$HASHI_TMP" ] && [ -d "$HASHI_TMP" ]; then
		if [ "${HASHI_KEEP:-0}" = 1 ]; then
			echo "# kept $HASHI_TMP" >&2
		else
			rm -rf "$HASHI_TMP"
		fi
	fi
	exit "$_le_rc"
}
trap _lib_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mk_tmp: creates this test's own temp dir and sets HASHI_TMP to it (removed at exit unless
# HASHI_KEEP=1). Call it in the test's main shell, not in $(...).
mk_tmp() {
	if [ -n "$HASHI_TMP" ] && [ -d "$HASHI_TMP" ]; then
		return 0
	fi
	HASHI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hashi-integ.XXXXXX") || die "mktemp failed"
	mkdir -p "$HASHI_TMP/asan"
}

# ---------------------------------------------------------------- ports

_lib_portdir() {
	echo "${TMPDIR:-/tmp}/hashi-ports-$(id -u)"
}

# Is anything (listening or connected) using local TCP port $1?
_lib_port_busy() {
	if command -v ss >/dev/null 2>&1; then
		[ -n "$(ss -Htan "sport = :$1" 2>/dev/null)" ]
	else
		awk -v p="$(printf '%04X' "$1")" 'FNR > 1 { split($2, a, ":"); if (a[2] == p) f = 1 }
		    END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
	fi
}

# free_port: prints an unused loopback TCP port. Ports are drawn at random from 20000-60000
# (minus the kernel's ephemeral range when that leaves enough room, so outgoing connections
# cannot take it in the meantime), checked with ss, and reserved by an atomic mkdir in a
# per-user directory so parallel tests never get the same one. Reservations are released at
# exit (with mk_tmp) or expire after 30 minutes.
free_port() {
	_fp_dir=$(_lib_portdir)
	mkdir -p "$_fp_dir" 2>/dev/null
	find "$_fp_dir" -mindepth 1 -maxdepth 1 -type d -mmin +30 -exec rmdir {} + 2>/dev/null
	_fp_lo=20000
	_fp_hi=60000
	if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
		read -r _fp_elo _fp_ehi </proc/sys/net/ipv4/ip_local_port_range
		if [ "$_fp_elo" -gt $((_fp_lo + 5000)) ] && [ "$_fp_elo" -le "$_fp_hi" ]; then
			_fp_hi=$((_fp_elo - 1))
		fi
	fi
	_fp_i=0
	while [ "$_fp_i" -lt 500 ]; do
		_fp_i=$((_fp_i + 1))
		_fp_r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
		_fp_p=$((_fp_lo + _fp_r % (_fp_hi - _fp_lo + 1)))
		_lib_port_busy "$_fp_p" && continue
		mkdir "$_fp_dir/$_fp_p" 2>/dev/null || continue
		if [ -n "$HASHI_TMP" ]; then
			echo "$_fp_p" >>"$HASHI_TMP/.ports"
		fi
		echo "$_fp_p"
		return 0
	done
	echo "free_port: no free port found" >&2
	return 1
}

_lib_release_ports() {
	[ -n "$HASHI_TMP" ] && [ -f "$HASHI_TMP/.ports" ] || return 0
	_rp_dir=$(_lib_portdir)
	while read -r _rp_p; do
		rmdir "$_rp_dir/$_rp_p" 2>/dev/null
	done <"$HASHI_TMP/.ports"
	rm -f "$HASHI_TMP/.ports"
}

# ---------------------------------------------------------------- PKI, regions, config

# mk_pki NAME...: test PKI in $HASHI_TMP/pki (sets PKI): ca.crt, NAME.crt/.key for each NAME
# (subject "CN=NAME,O=Hashi Test,C=JP"), unknown.* (same CA), rogue.* (another CA).
mk_pki() {
	[ -n "$HASHI_TMP" ] || mk_tmp
	PKI=$HASHI_TMP/pki
	if [ ! -f "$HASHI_ROOT/tests/pki/mkpki.sh" ]; then
		die "tests/pki/mkpki.sh is missing"
	fi
	sh "$HASHI_ROOT/tests/pki/mkpki.sh" "$PKI" "$@" || die "mkpki.sh $* failed"
}

# region_info KEY: sets R_KEY R_NAME R_HCID R_AA R_REPO R_PREF R_PREFIX from tests/data/regions.tsv.
region_info() {
	_ri_line=$(awk -F '\t' -v k="$1" '$1 == k { print; exit }' "$REGIONS")
	if [ -z "$_ri_line" ]; then
		echo "region_info: unknown region '$1'" >&2
		return 1
	fi
	IFS='	' read -r R_KEY R_NAME R_HCID R_AA R_REPO R_PREF R_PREFIX <<EOF
$_ri_line
EOF
}

# region_of_hcid HCID: prints the region key whose home_community_id is HCID (empty if none).
region_of_hcid() {
	awk -F '\t' -v h="$1" '$3 == h { print $1; exit }' "$REGIONS"
}

# config_of NAME: prints the path write_config NAME writes.
config_of() {
	echo "$HASHI_TMP/$1.yaml"
}

# write_config NAME PORT REGION [OPTION...]: writes $HASHI_TMP/NAME.yaml for a gateway whose
# TLS identity is $PKI/NAME.crt, listening on 127.0.0.1:PORT, for community REGION (a key of
# tests/data/regions.tsv), state in $HASHI_TMP/NAME.state. Options:
#   local=CERTNAME                 a local system with subject CN=CERTNAME,O=Hashi Test,C=JP
#   peer=CERTNAME@REGION:PORT      a peer community (named REGION in the config) at
#                                  https://127.0.0.1:PORT/xca, certificate CN=CERTNAME
#   map=REGION:LOCALID:REMOTEID    patient_map entry of that peer (ids without the CX suffix)
#   listen=PORT:PURPOSE            one more listener on 127.0.0.1:PORT whose requests have that
#                                  purpose (e.g. listen=40001:emergency); the main listener
#                                  (PORT above, probed by start_hashid) has no purpose key, so
#                                  it is the daemon's default, clinical
#   peerp=REGION:PURPOSE:PORT      under peer REGION, a purposes: entry {name: PURPOSE,
#                                  query_url/retrieve_url https://127.0.0.1:PORT/xca}: that
#                                  peer's endpoints for requests of that purpose
#   SECTION.KEY=VALUE              overrides a default in tls/limits/timeouts/registry/mpi/consent,
#                                  e.g. timeouts.request=3s, tls.allow_tls12=true,
#                                  consent.required=true
# Defaults worth knowing: consent.required is false here (the daemon's default is true), so a
# suite without consents can query across regions; consent.map_size is 64MiB.
write_config() {
	_wc_name=$1
	_wc_port=$2
	_wc_region=$3
	shift 3
	[ -n "$PKI" ] || die "write_config: call mk_pki first"
	region_info "$_wc_region" || die "write_config: unknown region $_wc_region"
	_wc_hcid=$R_HCID
	_wc_aa=$R_AA
	_wc_locals=
	_wc_peers=
	_wc_maps=
	_wc_over=
	_wc_listens=
	_wc_peerps=
	for _wc_o in "$@"; do
		case $_wc_o in
		local=*) _wc_locals="$_wc_locals ${_wc_o#local=}" ;;
		peer=*) _wc_peers="$_wc_peers ${_wc_o#peer=}" ;;
		map=*) _wc_maps="$_wc_maps ${_wc_o#map=}" ;;
		listen=*:*) _wc_listens="$_wc_listens ${_wc_o#listen=}" ;;
		peerp=*:*:*) _wc_peerps="$_wc_peerps ${_wc_o#peerp=}" ;;
		tls.*=* | limits.*=* | timeouts.*=* | registry.*=* | mpi.*=* | consent.*=*) _wc_over="$_wc_over
$_wc_o" ;;
		*) die "write_config: bad option '$_wc_o'" ;;
		esac
	done
	for _wc_l in $_wc_listens; do
		case ${_wc_l%%:*} in
		'' | *[!0-9]*) die "write_config: bad option 'listen=$_wc_l' (PORT:PURPOSE)" ;;
		esac
		[ -n "${_wc_l#*:}" ] || die "write_config: bad option 'listen=$_wc_l' (PORT:PURPOSE)"
	done
	for _wc_q in $_wc_peerps; do
		case " $_wc_peers " in
		*"@${_wc_q%%:*}:"*) ;;
		*) die "write_config: peerp=$_wc_q names no peer= region" ;;
		esac
		case ${_wc_q##*:} in
		'' | *[!0-9]*) die "write_config: bad option 'peerp=$_wc_q' (REGION:PURPOSE:PORT)" ;;
		esac
	done
	_wc_f=$HASHI_TMP/$_wc_name.yaml
	{
		echo "# written by tests/integ/lib.sh write_config for $_wc_name ($_wc_region)"
		echo "community:"
		echo "  name: $R_NAME"
		echo "  home_community_id: $R_HCID"
		echo "  assigning_authority: $R_AA"
		echo "  repository_unique_id: $R_REPO"
		echo "state_dir: $HASHI_TMP/$_wc_name.state"
		echo "listen:"
		echo "  - address: 127.0.0.1"
		echo "    port: $_wc_port"
		for _wc_l in $_wc_listens; do
			echo "  - address: 127.0.0.1"
			echo "    port: ${_wc_l%%:*}"
			echo "    purpose: ${_wc_l#*:}"
		done
		_lib_section tls certificate "$PKI/$_wc_name.crt" private_key "$PKI/$_wc_name.key" \
		    ca "$PKI/ca.crt" allow_tls12 false
		_lib_section limits max_body 16MiB max_mtom_body 256MiB max_xml_depth 64
		_lib_section timeouts connect 2s read 5s request 10s
		_lib_section registry backend embedded map_size 1GiB
		_lib_section mpi map_size 64MiB
		_lib_section consent map_size 64MiB required false
		if [ -n "$_wc_locals" ]; then
			echo "local_systems:"
			for _wc_l in $_wc_locals; do
				echo "  - name: $_wc_l"
				echo "    subject: \"CN=$_wc_l,O=Hashi Test,C=JP\""
			done
		fi
		if [ -n "$_wc_peers" ]; then
			echo "peers:"
			for _wc_p in $_wc_peers; do
				_wc_cn=${_wc_p%%@*}
				_wc_rest=${_wc_p#*@}
				_wc_pr=${_wc_rest%%:*}
				_wc_pp=${_wc_rest#*:}
				region_info "$_wc_pr" || die "write_config: unknown peer region $_wc_pr"
				echo "  - name: $_wc_pr"
				echo "    home_community_id: $R_HCID"
				echo "    assigning_authority: $R_AA"
				echo "    subject: \"CN=$_wc_cn,O=Hashi Test,C=JP\""
				echo "    query_url: https://127.0.0.1:$_wc_pp/xca"
				echo "    retrieve_url: https://127.0.0.1:$_wc_pp/xca"
				_wc_first=1
				for _wc_q in $_wc_peerps; do
					[ "${_wc_q%%:*}" = "$_wc_pr" ] || continue
					_wc_qr=${_wc_q#*:}
					if [ "$_wc_first" -eq 1 ]; then
						echo "    purposes:"
						_wc_first=0
					fi
					echo "      - name: ${_wc_qr%%:*}"
					echo "        query_url: https://127.0.0.1:${_wc_qr#*:}/xca"
					echo "        retrieve_url: https://127.0.0.1:${_wc_qr#*:}/xca"
				done
				_wc_first=1
				for _wc_m in $_wc_maps; do
					[ "${_wc_m%%:*}" = "$_wc_pr" ] || continue
					_wc_ids=${_wc_m#*:}
					if [ "$_wc_first" -eq 1 ]; then
						echo "    patient_map:"
						_wc_first=0
					fi
					echo "      - local: \"${_wc_ids%%:*}^^^&$_wc_aa&ISO\""
					echo "        remote: \"${_wc_ids#*:}^^^&$R_AA&ISO\""
				done
			done
		fi
	} >"$_wc_f"
	chmod 600 "$_wc_f"
	region_info "$_wc_region"
}

# _lib_section SECTION KEY VALUE...: one YAML section, defaults overridden by SECTION.KEY=V
# options collected in $_wc_over; overrides for keys without a default are appended.
_lib_section() {
	_ls_s=$1
	shift
	echo "$_ls_s:"
	_ls_keys=
	while [ $# -ge 2 ]; do
		_ls_v=$2
		_ls_o=$(printf '%s\n' "$_wc_over" | sed -n "s/^$_ls_s\\.$1=//p" | tail -n 1)
		[ -n "$_ls_o" ] && _ls_v=$_ls_o
		echo "  $1: $_ls_v"
		_ls_keys="$_ls_keys $1 "
		shift 2
	done
	printf '%s\n' "$_wc_over" | sed -n "s/^$_ls_s\\.//p" | while IFS='=' read -r _ls_k _ls_v; do
		case $_ls_keys in *" $_ls_k "*) ;; *) echo "  $_ls_k: $_ls_v" ;; esac
	done
}

# hashictl CONFIG ARG...: runs $HASHICTL -f CONFIG ARG... (with HASHI_ASAN=1 its sanitizer
# reports go to $HASHI_TMP/asan/ too, checked at exit).
hashictl() {
	_hc_conf=$1
	shift
	if [ "${HASHI_ASAN:-0}" = 1 ] && [ -n "$HASHI_TMP" ]; then
		_lib_started=1
		mkdir -p "$HASHI_TMP/asan"
		ASAN_OPTIONS="log_path=$HASHI_TMP/asan/asan:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
		UBSAN_OPTIONS="log_path=$HASHI_TMP/asan/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" \
		    "$HASHICTL" -f "$_hc_conf" "$@"
	else
		"$HASHICTL" -f "$_hc_conf" "$@"
	fi
}

# ---------------------------------------------------------------- daemons

# _lib_config_port CONFIG: the first listen port of CONFIG.
_lib_config_port() {
	sed -n 's/^[[:space:]-]*port:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1
}

# tls_ready PORT [CLIENT]: 0 when 127.0.0.1:PORT completes a TLS handshake whose server
# certificate chains to $PKI/ca.crt (client certificate $PKI/CLIENT.* when given).
tls_ready() {
	_tr_cert=
	if [ -n "${2:-}" ] && [ -f "$PKI/$2.crt" ]; then
		_tr_cert="-cert $PKI/$2.crt -key $PKI/$2.key"
	fi
	# shellcheck disable=SC2086
	timeout 3 openssl s_client -connect "127.0.0.1:$1" -CAfile "$PKI/ca.crt" \
	    -verify_return_error -brief $_tr_cert </dev/null 2>&1 |
	    grep -Eq 'Verification: OK|Verify return code: 0'
}

# wait_tls PORT CLIENT: waits (max 5 s) until tls_ready PORT CLIENT, e.g. for a listener of
# a started hashid other than the one start_hashid probes. Returns 1 when it never was.
wait_tls() {
	_wt_i=0
	while [ "$_wt_i" -lt 50 ]; do
		tls_ready "$1" "$2" && return 0
		_wt_i=$((_wt_i + 1))
		sleep 0.1
	done
	return 1
}

# start_hashid NAME CONFIG [PROBE_CLIENT]: starts "$HASHID -d -f CONFIG" in the background,
# stdout+stderr to $HASHI_TMP/NAME.log, and waits (max 10 s) until its first listen port
# completes a TLS handshake (as PROBE_CLIENT, default the first local system or peer of CONFIG
# that has a certificate in $PKI). Prints nothing on success; on failure reports not_ok with
# the log and returns 1. With HASHI_ASAN=1 sanitizer reports go to $HASHI_TMP/asan/;
# HASHI_VERBOSE=1 adds -v (debug logging).
start_hashid() {
	_sh_name=$1
	_sh_conf=$2
	_sh_probe=${3:-}
	_sh_log=$HASHI_TMP/$_sh_name.log
	_sh_port=$(_lib_config_port "$_sh_conf")
	if [ -z "$_sh_probe" ]; then
		for _sh_c in $(sed -n 's/^[[:space:]]*subject:[[:space:]]*"CN=\([^,]*\),.*/\1/p' "$_sh_conf"); do
			if [ -f "$PKI/$_sh_c.crt" ]; then
				_sh_probe=$_sh_c
				break
			fi
		done
	fi
	if [ ! -x "$HASHID" ]; then
		not_ok "start hashid $_sh_name: $HASHID is not built"
		return 1
	fi
	_lib_started=1
	mkdir -p "$HASHI_TMP/asan"
	(
		if [ "${HASHI_ASAN:-0}" = 1 ]; then
			ASAN_OPTIONS="log_path=$HASHI_TMP/asan/asan:detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
			UBSAN_OPTIONS="log_path=$HASHI_TMP/asan/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
			export ASAN_OPTIONS UBSAN_OPTIONS
		fi
		if [ "${HASHI_VERBOSE:-0}" = 1 ]; then
			exec "$HASHID" -d -v -f "$_sh_conf"
		fi
		exec "$HASHID" -d -f "$_sh_conf"
	) >"$_sh_log" 2>&1 &
	_sh_pid=$!
	echo "$_sh_pid $_sh_name" >>"$HASHI_TMP/.pids"
	_sh_t=0
	while [ "$_sh_t" -lt 100 ]; do
		if ! kill -0 "$_sh_pid" 2>/dev/null; then
			wait "$_sh_pid"
			_sh_rc=$?
			not_ok "start hashid $_sh_name: exited with status $_sh_rc before listening on $_sh_port"
			diag_file "$_sh_log"
			return 1
		fi
		if [ -n "$_sh_port" ] && tls_ready "$_sh_port" "$_sh_probe"; then
			return 0
		fi
		sleep 0.1
		_sh_t=$((_sh_t + 1))
	done
	not_ok "start hashid $_sh_name: no TLS on 127.0.0.1:${_sh_port:-?} within 10 s"
	diag_file "$_sh_log"
	return 1
}

# pid_of NAME: prints the pid of the hashid started as NAME (empty if none).
pid_of() {
	[ -f "$HASHI_TMP/.pids" ] && awk -v n="$1" '$2 == n { p = $1 } END { if (p) print p }' "$HASHI_TMP/.pids"
}

# stop_hashid NAME: SIGTERM, wait up to 5 s, then SIGKILL. Reports not_ok when it needed
# SIGKILL or exited with a status other than 0.
stop_hashid() {
	_st_pid=$(pid_of "$1")
	[ -n "$_st_pid" ] || return 0
	_lib_stop_pid "$_st_pid" "$1"
	awk -v p="$_st_pid" '$1 != p' "$HASHI_TMP/.pids" >"$HASHI_TMP/.pids.new"
	mv "$HASHI_TMP/.pids.new" "$HASHI_TMP/.pids"
}

_lib_stop_pid() {
	if ! kill -0 "$1" 2>/dev/null; then
		wait "$1" 2>/dev/null
		_sp_rc=$?
		if [ "$_sp_rc" -ne 0 ] && [ "$_sp_rc" -ne 127 ]; then
			not_ok "hashid $2 had exited with status $_sp_rc"
			diag_file "$HASHI_TMP/$2.log" 30
		fi
		return 0
	fi
	kill -TERM "$1" 2>/dev/null
	_sp_t=0
	while kill -0 "$1" 2>/dev/null && [ "$_sp_t" -lt 50 ]; do
		sleep 0.1
		_sp_t=$((_sp_t + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		not_ok "hashid $2 did not exit within 5 s of SIGTERM (killed)"
		diag_file "$HASHI_TMP/$2.log" 30
		return 0
	fi
	wait "$1" 2>/dev/null
	_sp_rc=$?
	if [ "$_sp_rc" -ne 0 ] && [ "$_sp_rc" -ne 127 ]; then
		not_ok "hashid $2 exited with status $_sp_rc after SIGTERM"
		diag_file "$HASHI_TMP/$2.log" 30
	fi
}

# stop_all: stops every hashid started by this shell (see stop_hashid). Runs at exit too.
stop_all() {
	[ -n "$HASHI_TMP" ] && [ -f "$HASHI_TMP/.pids" ] || return 0
	while read -r _sa_pid _sa_name; do
		_lib_stop_pid "$_sa_pid" "$_sa_name"
	done <"$HASHI_TMP/.pids"
	rm -f "$HASHI_TMP/.pids"
}

# check_asan DIR: with HASHI_ASAN=1, reports one TAP result: not_ok when DIR/asan/ holds a
# sanitizer report or a DIR/*.log has an ASan/LSan/UBSan line. Silent otherwise.
check_asan() {
	_lib_asan_checked=1
	[ "${HASHI_ASAN:-0}" = 1 ] || return 0
	_ca_bad=
	for _ca_f in "$1"/asan/* "$1"/*.log; do
		[ -s "$_ca_f" ] || continue
		case $_ca_f in
		"$1"/asan/*) _ca_bad="$_ca_bad $_ca_f" ;;
		*) grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|UndefinedBehaviorSanitizer' "$_ca_f" &&
			_ca_bad="$_ca_bad $_ca_f" ;;
		esac
	done
	if [ -z "$_ca_bad" ]; then
		ok "no sanitizer reports"
		return 0
	fi
	not_ok "sanitizer reports found"
	for _ca_f in $_ca_bad; do
		diag_file "$_ca_f" 40
	done
	return 1
}

# ---------------------------------------------------------------- SOAP

# new_uuid: prints a fresh urn:uuid.
new_uuid() {
	if [ -r /proc/sys/kernel/random/uuid ]; then
		echo "urn:uuid:$(cat /proc/sys/kernel/random/uuid)"
	else
		od -An -N16 -tx1 /dev/urandom | tr -d ' \n' |
		    sed 's/^\(........\)\(....\).\(...\).\(...\)\(............\)$/urn:uuid:\1-\2-4\3-a\4-\5/'
	fi
}

# soap_fill TEMPLATE OUT KEY=VALUE...: copies TEMPLATE to OUT replacing each {{KEY}} by VALUE,
# XML-escaped. KEY=@FILE takes the value from FILE (trailing newline dropped). MESSAGE_ID
# defaults to a fresh urn:uuid, TO to "urn:hashi:test". Fails on a placeholder without value.
soap_fill() {
	_sf_t=$1
	_sf_o=$2
	shift 2
	LC_ALL=C awk -v tpl="$_sf_t" -v mid="$(new_uuid)" '
	function esc(s) {
		gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
		gsub(/"/, "\\&quot;", s)
		return s
	}
	BEGIN {
		V["MESSAGE_ID"] = mid; V["TO"] = "urn:hashi:test"
		for (a = 1; a < ARGC; a++) {
			k = ARGV[a]; e = index(k, "=")
			if (e == 0) { print "soap_fill: bad argument " k > "/dev/stderr"; exit 2 }
			v = substr(k, e + 1); k = substr(k, 1, e - 1)
			if (substr(v, 1, 1) == "@") {
				f = substr(v, 2); v = ""; sep = ""
				while ((r = (getline line < f)) > 0) { v = v sep line; sep = "\n" }
				if (r < 0) { print "soap_fill: cannot read " f > "/dev/stderr"; exit 2 }
				close(f)
			}
			V[k] = esc(v)
		}
		t = ""
		while ((r = (getline line < tpl)) > 0) t = t line "\n"
		if (r < 0) { print "soap_fill: cannot read " tpl > "/dev/stderr"; exit 2 }
		out = ""
		while ((i = index(t, "{{")) > 0) {
			j = index(substr(t, i + 2), "}}")
			k = substr(t, i + 2, j - 1)
			if (j == 0 || !(k in V)) { print "soap_fill: no value for {{" k "}} in " tpl > "/dev/stderr"; exit 2 }
			out = out substr(t, 1, i - 1) V[k]
			t = substr(t, i + j + 3)
		}
		printf "%s%s", out, t
		exit 0
	}' "$@" >"$_sf_o"
}

# soap_post_ct URL CLIENT CONTENT_TYPE FILE OUT: POSTs FILE to URL with mutual TLS as CLIENT
# ($PKI/CLIENT.crt/.key, server checked against $PKI/ca.crt). Body to OUT, response headers
# to OUT.hdr, curl errors to OUT.err. Prints the HTTP status (000 when there was none);
# returns curl's exit status. SOAP_TIMEOUT (default 30) bounds the whole exchange.
soap_post_ct() {
	curl -sS --max-time "${SOAP_TIMEOUT:-30}" --cacert "$PKI/ca.crt" \
	    --cert "$PKI/$2.crt" --key "$PKI/$2.key" \
	    -H "Content-Type: $3" -H 'Expect:' --data-binary @"$4" \
	    -D "$5.hdr" -o "$5" -w '%{http_code}' "$1" 2>"$5.err"
}

# soap_post URL CLIENT ACTION FILE OUT: soap_post_ct with
# Content-Type: application/soap+xml; charset=UTF-8; action="ACTION".
soap_post() {
	soap_post_ct "$1" "$2" "application/soap+xml; charset=UTF-8; action=\"$3\"" "$4" "$5"
}

# response_content_type OUT: the Content-Type of the final response saved by soap_post in
# OUT.hdr (CR stripped).
response_content_type() {
	tr -d '\r' <"$1.hdr" | sed -n 's/^[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Tt][Yy][Pp][Ee]:[[:space:]]*//p' | tail -n 1
}

# mtom_build ACTION ROOT_XML OUT [CID FILE MIME]...: writes an MTOM/XOP multipart/related body
# to OUT: ROOT_XML as the root part (application/xop+xml), then each FILE as a binary part
# with Content-ID <CID> and Content-Type MIME. Prints the Content-Type header value to use
# with soap_post_ct.
mtom_build() {
	_mb_action=$1
	_mb_root=$2
	_mb_out=$3
	shift 3
	_mb_b="MIMEBoundary_hashi_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	_mb_start="root.message@hashi.test"
	{
		printf '%s\r\n' "--$_mb_b"
		printf 'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n'
		printf 'Content-Transfer-Encoding: binary\r\nContent-ID: <%s>\r\n\r\n' "$_mb_start"
		cat "$_mb_root"
		while [ $# -ge 3 ]; do
			printf '\r\n%s\r\nContent-Type: %s\r\n' "--$_mb_b" "$3"
			printf 'Content-Transfer-Encoding: binary\r\nContent-ID: <%s>\r\n\r\n' "$1"
			cat "$2"
			shift 3
		done
		printf '\r\n%s\r\n' "--$_mb_b--"
	} >"$_mb_out"
	printf 'multipart/related; boundary="%s"; type="application/xop+xml"; start="<%s>"; start-info="application/soap+xml"; action="%s"\n' \
	    "$_mb_b" "$_mb_start" "$_mb_action"
}

# _lib_ct_param CT NAME: the value of parameter NAME (case-insensitive, quotes removed) of CT.
_lib_ct_param() {
	printf '%s\n' "$1" | LC_ALL=C awk -v want="$2" '{
		s = $0
		while ((i = index(s, ";")) > 0) {
			s = substr(s, i + 1); sub(/^[ \t]+/, "", s)
			e = index(s, "="); if (e == 0) continue
			k = tolower(substr(s, 1, e - 1)); v = substr(s, e + 1)
			if (substr(v, 1, 1) == "\"") { v = substr(v, 2); q = index(v, "\""); rest = substr(v, q + 1); v = substr(v, 1, q - 1) }
			else { q = index(v, ";"); rest = q ? substr(v, q) : ""; v = q ? substr(v, 1, q - 1) : v }
			if (k == want) { print v; exit }
			s = rest
		}
	}'
}

# _lib_byte FILE OFFSET: prints the byte at 0-based OFFSET of FILE as octal-escaped od output.
_lib_byte() {
	tail -c +"$(($2 + 1))" "$1" | head -c 1 | od -An -c | tr -d ' '
}

# mtom_extract FILE DIR [CONTENT_TYPE]: splits the multipart/related body FILE (Content-Type
# from CONTENT_TYPE, else from FILE.hdr as saved by soap_post) into DIR/part-N.bin (N from 1),
# DIR/parts.tsv ("N<TAB>content-id<TAB>content-type<TAB>file", content-id without <>) and
# DIR/root.xml (the part named by start=, else the first). Binary-safe: part boundaries are
# found with grep -abo and the bytes copied with tail -c/head -c, never through a text tool.
# base64 parts are decoded. A body that is not multipart is copied to DIR/root.xml.
# Returns 0 on success, 1 when the body is not a well-formed multipart.
mtom_extract() {
	_mx_f=$1
	_mx_d=$2
	_mx_ct=${3:-}
	if [ -z "$_mx_ct" ] && [ -f "$_mx_f.hdr" ]; then
		_mx_ct=$(response_content_type "$_mx_f")
	fi
	mkdir -p "$_mx_d"
	: >"$_mx_d/parts.tsv"
	case $(printf '%s' "$_mx_ct" | tr 'A-Z' 'a-z') in
	multipart/related*) ;;
	*)
		cp "$_mx_f" "$_mx_d/root.xml"
		return 0
		;;
	esac
	_mx_b=$(_lib_ct_param "$_mx_ct" boundary)
	_mx_start=$(_lib_ct_param "$_mx_ct" start | sed 's/^<//; s/>$//')
	if [ -z "$_mx_b" ]; then
		echo "mtom_extract: no boundary in '$_mx_ct'" >&2
		return 1
	fi
	_mx_size=$(wc -c <"$_mx_f")
	_mx_blen=$((${#_mx_b} + 2))
	# Delimiters: "--boundary" at the start of the body or right after a line break.
	_mx_offs=
	for _mx_o in $(LC_ALL=C grep -aboF -e "--$_mx_b" "$_mx_f" | cut -d: -f1); do
		if [ "$_mx_o" -eq 0 ] || [ "$(_lib_byte "$_mx_f" $((_mx_o - 1)))" = '\n' ]; then
			_mx_offs="$_mx_offs $_mx_o"
		fi
	done
	_mx_n=0
	_mx_prev=
	_mx_closed=0
	for _mx_o in $_mx_offs; do
		if [ -n "$_mx_prev" ]; then
			_mx_n=$((_mx_n + 1))
			# the line break before this delimiter belongs to the delimiter
			_mx_end=$((_mx_o - 1))
			if [ "$_mx_o" -ge 2 ] && [ "$(_lib_byte "$_mx_f" $((_mx_o - 2)))" = '\r' ]; then
				_mx_end=$((_mx_o - 2))
			fi
			_mtom_part "$_mx_f" "$_mx_d" "$_mx_n" "$_mx_prev" "$_mx_end" || return 1
		fi
		# "--boundary--" closes the body
		if [ "$(tail -c +$((_mx_o + _mx_blen + 1)) "$_mx_f" | head -c 2)" = "--" ]; then
			_mx_closed=1
			break
		fi
		_mx_prev=$_mx_o
	done
	if [ "$_mx_n" -eq 0 ] || [ "$_mx_closed" -ne 1 ]; then
		echo "mtom_extract: $_mx_f: no parts or no closing delimiter (size $_mx_size)" >&2
		return 1
	fi
	_mx_root=$(awk -F '\t' -v s="$_mx_start" 's != "" && $2 == s { print $4; exit }' "$_mx_d/parts.tsv")
	[ -n "$_mx_root" ] || _mx_root=$_mx_d/part-1.bin
	cp "$_mx_root" "$_mx_d/root.xml"
}

# _mtom_part FILE DIR N DELIM_OFFSET END: one part from the delimiter at DELIM_OFFSET to the
# byte before END (exclusive): headers parsed as text, body copied as bytes.
_mtom_part() {
	_mp_hdr=$(tail -c +$(($4 + 1)) "$1" | head -c 16384 | LC_ALL=C awk '
	{
		n += length($0) + 1
		sub(/\r$/, "")
		if (NR == 1) next
		if ($0 == "") { done = 1; exit }
		if ($0 ~ /^[ \t]/ && last != "") { H[last] = H[last] " " $0; next }
		c = index($0, ":"); if (c == 0) next
		last = tolower(substr($0, 1, c - 1)); v = substr($0, c + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
		H[last] = v
	}
	END {
		if (!done) exit 1
		id = H["content-id"]; sub(/^</, "", id); sub(/>$/, "", id)
		printf "%d\t%s\t%s\t%s\n", n, id, H["content-type"], tolower(H["content-transfer-encoding"])
	}') || {
		echo "mtom_extract: part $3 has no header end" >&2
		return 1
	}
	_mp_skip=$(printf '%s' "$_mp_hdr" | cut -f1)
	_mp_id=$(printf '%s' "$_mp_hdr" | cut -f2)
	_mp_type=$(printf '%s' "$_mp_hdr" | cut -f3)
	_mp_cte=$(printf '%s' "$_mp_hdr" | cut -f4)
	_mp_start=$(($4 + _mp_skip))
	_mp_len=$(($5 - _mp_start))
	[ "$_mp_len" -ge 0 ] || _mp_len=0
	_mp_out=$2/part-$3.bin
	if [ "$_mp_cte" = base64 ]; then
		tail -c +$((_mp_start + 1)) "$1" | head -c "$_mp_len" | base64 -d >"$_mp_out" || return 1
	else
		tail -c +$((_mp_start + 1)) "$1" | head -c "$_mp_len" >"$_mp_out"
	fi
	printf '%s\t%s\t%s\t%s\n' "$3" "$_mp_id" "$_mp_type" "$_mp_out" >>"$2/parts.tsv"
}

# url_decode STRING: decodes %XX escapes (RFC 2392 cid: URLs are URL-encoded Content-IDs).
url_decode() {
	printf '%s\n' "$1" | LC_ALL=C awk '
	function hexval(c) { return c == "" ? -1 : index("0123456789ABCDEF", toupper(c)) - 1 }
	{
		s = $0; out = ""
		while ((i = index(s, "%")) > 0 && i + 2 <= length(s) &&
		    hexval(substr(s, i + 1, 1)) >= 0 && hexval(substr(s, i + 2, 1)) >= 0) {
			out = out substr(s, 1, i - 1) sprintf("%c", hexval(substr(s, i + 1, 1)) * 16 + hexval(substr(s, i + 2, 1)))
			s = substr(s, i + 3)
		}
		print out s
	}'
}

# mtom_part_for DIR HREF: prints the file of the part that HREF ("cid:..." from an xop:Include)
# names, after mtom_extract into DIR. Returns 1 if there is none.
mtom_part_for() {
	_pf_id=$(url_decode "${2#cid:}")
	awk -F '\t' -v id="$_pf_id" '$2 == id { print $4; f = 1; exit } END { exit !f }' "$1/parts.tsv"
}

# mtom_document DIR DOC_UID: after mtom_extract of a Retrieve Document Set response into DIR,
# prints the path of the file holding the bytes of document DOC_UID (an xop:Include part, or
# DIR/inline-DOC_UID.bin decoded from inline base64). Returns 1 if the response has no such
# DocumentResponse.
mtom_document() {
	_md_dr="//*[local-name()='DocumentResponse'][*[local-name()='DocumentUniqueId'][normalize-space()='$2']]/*[local-name()='Document']"
	_md_href=$(xpath "$1/root.xml" "string($_md_dr/*[local-name()='Include']/@href)")
	if [ -n "$_md_href" ]; then
		mtom_part_for "$1" "$_md_href"
		return
	fi
	[ "$(xpath "$1/root.xml" "count($_md_dr)")" -ge 1 ] 2>/dev/null || return 1
	xpath "$1/root.xml" "string($_md_dr)" | base64 -d >"$1/inline-$2.bin" || return 1
	echo "$1/inline-$2.bin"
}

# ---------------------------------------------------------------- XML

# xpath FILE EXPR: evaluates the XPath 1.0 EXPR over FILE with xmllint and prints the result
# (wrap in string() or count() for plain values). Namespaces: xmllint --xpath cannot bind
# prefixes, so write name tests as *[local-name()='X'] (lname helps). Returns xmllint's status
# (10 for an empty node-set).
xpath() {
	xmllint --xpath "$2" "$1" 2>/dev/null
}

# lname PATH: rewrites a simple path such as //ExtrinsicObject[1]/Name/LocalizedString/@value
# into local-name() tests: //*[local-name()='ExtrinsicObject'][1]/*[local-name()='Name']/...
# Only steps that follow a '/' (or start PATH) are rewritten; predicates are left alone.
lname() {
	printf '%s\n' "$1" | sed -E "s#(^|/)([A-Za-z_][A-Za-z0-9_.-]*)#\\1*[local-name()='\\2']#g"
}

# xop_inline ROOT_XML DIR OUT: writes OUT = ROOT_XML with every xop:Include replaced by the
# base64 of the part it names (from mtom_extract into DIR): the reconstituted XOP infoset,
# which is what the schemas describe. An Include naming no part becomes "!missing:HREF".
xop_inline() {
	LC_ALL=C awk -v dir="$2" '
	function hexval(c) { return c == "" ? -1 : index("0123456789ABCDEF", toupper(c)) - 1 }
	function urldecode(s,    out, i) {
		out = ""
		while ((i = index(s, "%")) > 0 && i + 2 <= length(s) &&
		    hexval(substr(s, i + 1, 1)) >= 0 && hexval(substr(s, i + 2, 1)) >= 0) {
			out = out substr(s, 1, i - 1) sprintf("%c", hexval(substr(s, i + 1, 1)) * 16 + hexval(substr(s, i + 2, 1)))
			s = substr(s, i + 3)
		}
		return out s
	}
	BEGIN {
		while ((getline l < (dir "/parts.tsv")) > 0) { split(l, f, "\t"); P[f[2]] = f[4] }
	}
	{
		line = $0
		while (match(line, /<[A-Za-z0-9_.-]*:?Include[ \t][^>]*href="[^"]*"[^>]*(\/>|>[ \t]*<\/[A-Za-z0-9_.-]*:?Include>)/)) {
			el = substr(line, RSTART, RLENGTH)
			h = el; sub(/.*href="/, "", h); sub(/".*/, "", h)
			id = urldecode(substr(h, 1, 4) == "cid:" ? substr(h, 5) : h)
			b = "!missing:" h
			if (id in P) { cmd = "base64 -w0 \"" P[id] "\""; cmd | getline b; close(cmd) }
			line = substr(line, 1, RSTART - 1) b substr(line, RSTART + RLENGTH)
		}
		print line
	}' "$1" >"$3"
}

# validate_envelope FILE [MTOM_DIR]: validates a whole ITI-18/38/39/41/43 SOAP envelope (or a
# bare payload) against $SHARED/conformance/xsd/wrappers/xds-soap12.xsd; with MTOM_DIR (from
# mtom_extract) xop:Includes are first replaced by their parts. Prints the errors as TAP
# comments and returns 1 when invalid.
validate_envelope() {
	_ve_f=$1
	if [ -n "${2:-}" ]; then
		_ve_f=$2/root-inlined.xml
		xop_inline "$1" "$2" "$_ve_f"
	fi
	if _ve_out=$(xmllint --noout --nonet --schema "$SHARED/conformance/xsd/wrappers/xds-soap12.xsd" "$_ve_f" 2>&1); then
		return 0
	fi
	printf '%s\n' "$_ve_out" | grep -v 'Skipping import of schema' | head -n 20 | sed 's/^/# /'
	return 1
}

# pnr_inline FILE DIR OUT: writes OUT = the import-folder PnR FILE with each xop:Include
# replaced by the base64 of the file in DIR that its href names ("!missing:HREF" when absent).
pnr_inline() {
	LC_ALL=C awk -v dir="$2" '
	{
		line = $0
		while (match(line, /<[A-Za-z0-9_.-]*:?Include[ \t][^>]*href="[^"]*"[^>]*(\/>|>[ \t]*<\/[A-Za-z0-9_.-]*:?Include>)/)) {
			el = substr(line, RSTART, RLENGTH)
			h = el; sub(/.*href="/, "", h); sub(/".*/, "", h)
			cmd = "base64 -w0 \"" dir "/" h "\" 2>/dev/null"
			b = ""; if ((cmd | getline b) <= 0) b = "!missing:" h; close(cmd)
			line = substr(line, 1, RSTART - 1) b substr(line, RSTART + RLENGTH)
		}
		print line
	}' "$1" >"$3"
}

# validate_pnr FILE DIR: validates an import-folder PnR (xdsb:ProvideAndRegisterDocumentSetRequest
# whose Documents are xop:Includes naming files in DIR) against XDS.b_DocumentRepository.xsd,
# with each xop:Include replaced by the base64 of its file (pnr_inline). Errors as TAP
# comments; returns 1 if invalid.
validate_pnr() {
	_vp_tmp=${HASHI_TMP:-${TMPDIR:-/tmp}}/validate_pnr.$$.xml
	pnr_inline "$1" "$2" "$_vp_tmp"
	if _vp_out=$(xmllint --noout --nonet --schema "$SHARED/conformance/xsd/ebrs30/XDS.b_DocumentRepository.xsd" "$_vp_tmp" 2>&1); then
		rm -f "$_vp_tmp"
		return 0
	fi
	rm -f "$_vp_tmp"
	printf '%s\n' "$_vp_out" | grep -v 'Skipping import of schema' | head -n 20 | sed 's/^/# /'
	return 1
}
