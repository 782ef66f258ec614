#!/bin/sh
# hashictl scenario run --netns (issue 8): the federation of a scenario in network
# namespaces with real strongSwan tunnels (gateway/scn_net.h, docs/scenarios.md).
#   1. okayama-shimane: passes; each region in a namespace of its own, a charon each, the
#      clinical CHILD_SA up before the steps and carrying the exchange (charon's counters,
#      both ways, in the progress lines and report.json); the gateways call each other on
#      their inner addresses; the reports say "netns"; nothing left afterwards (no
#      namespace, no process, the host's /run untouched);
#   2. faults with tottori on `vpn: false`: okayama and shimane talk through their tunnel,
#      tottori over the bridge on its outer address; down, slow, garbage (the stand-in in
#      shimane's namespace, behind the tunnel) and a wrong certificate all behave as on
#      loopback, and only the tunnelled pair has tunnels;
#   3. Ctrl-C in the middle: exit 130, every namespace and process gone;
#   4. killed outright (kill -9): its processes die with it; its namespaces are deleted by
#      the next --netns run, which passes;
#   5. where it cannot run (no charon), exit 2 with the reason, before anything is made.
# Skipped (ok # SKIP) where namespaces, TUN or charon are missing or not root, unless
# HASHI_NETNS_REQUIRE=1, which makes that a failure (for CI, which runs as root).
. "$(dirname "$0")/../integ/lib.sh"
. "$(dirname "$0")/lib_netns.sh"

nn_need "hashictl scenario run --netns"

mk_tmp
T=$HASHI_TMP
SC=$HASHI_ROOT/tests/scenarios
# the loader refuses files others may write: the suite runs private copies
for f in okayama-shimane maebashi-sakata consent-lifecycle; do
	cp "$SC/$f.yaml" "$T/$f.yaml" && chmod 600 "$T/$f.yaml"
done
sed 's/^    id_prefix: T$/    id_prefix: T\n    vpn: false/' "$SC/faults.yaml" >"$T/faults-mixed.yaml"
chmod 600 "$T/faults-mixed.yaml"
grep -q '^    vpn: false$' "$T/faults-mixed.yaml" || die "test bug: tottori's vpn: false not set"

# run_ns PID: the namespaces of the run whose runner had PID (one per line).
run_ns() {
	ip netns list 2>/dev/null | awk -v p="hashi-scn-$1-" 'index($1, p) == 1 { print $1 }'
}
# runner_pid DIR: the runner's PID, from the names of the namespaces in DIR/network.log.
runner_pid() {
	sed -n 's/^+ ip netns add hashi-scn-\([0-9]*\)-br$/\1/p' "$1/network.log" 2>/dev/null
}
# procs_in DIR: the number of processes of the run in DIR: its command line names DIR (the
# gateways, swanctl) or its environment has STRONGSWAN_CONF in DIR (the charons, whose
# command line is the bare binary).
procs_in() {
	{
		pgrep -f "$1/"
		grep -lzs "^STRONGSWAN_CONF=$1/" /proc/[0-9]*/environ | sed 's#^/proc/\([0-9]*\)/.*#\1#'
	} | sort -u | wc -l | tr -d ' '
}
# wait_line FILE RE: waits (max 30 s) until FILE has a line matching RE.
wait_line() {
	_wl_i=0
	while ! grep -Eq "$2" "$1" 2>/dev/null && [ "$_wl_i" -lt 300 ]; do
		sleep 0.1
		_wl_i=$((_wl_i + 1))
	done
	grep -Eq "$2" "$1" 2>/dev/null
}
host_run() {
	for f in /run/charon.pid /run/charon.vici /run/charon.ctl; do
		if [ -e "$f" ]; then stat -c '%n %i %Y' "$f"; else echo "$f absent"; fi
	done
}
host_run >"$T/run.before"

# ================================================================ 1. okayama-shimane
OS=$T/os
"$HASHICTL" scenario run "$T/okayama-shimane.yaml" --netns --dir "$OS" --report "$T/rep" \
    >"$T/os.out" 2>&1
rc=$?
is "$rc" 0 "okayama-shimane --netns: passes (exit 0)" || diag_file "$T/os.out"
like "$(head -n 1 "$T/os.out")" "\(network namespaces, strongSwan tunnels\)$" \
    "okayama-shimane --netns: says how the regions are connected"
like "$(cat "$T/os.out")" "^\[5/5\] the doctor retrieves both: ok" "okayama-shimane --netns: every step ok"
pid=$(runner_pid "$OS")
check "the runner made hashi-scn-$pid-br, -1 and -2 (network.log)" \
    grep -q "^+ ip netns add hashi-scn-$pid-2$" "$OS/network.log"
like "$(cat "$OS/okayama/hashid.yaml")" "query_url: https://10\.2\.1\.1:8443/xca" \
    "okayama calls shimane on shimane's inner clinical address"
like "$(cat "$OS/okayama/hashid.yaml")" "^  address: 192\.0\.2\.1$" "okayama's vpn: outer address 192.0.2.1"
like "$(cat "$OS/shimane/hashid.yaml")" "vici_socket: $OS/shimane/charon/charon.vici" \
    "shimane's hashid watches its own charon"
check "okayama's charon loaded the swanctl.conf its hashid.yaml gives" \
    grep -q "remote_addrs = 192.0.2.2" "$OS/okayama/charon/swanctl/swanctl.conf"
check "a CHILD_SA clinical was established (charon's log)" \
    grep -Eq "CHILD_SA clinical\{[0-9]+\} established" "$OS/okayama/charon/charon.log" \
    "$OS/shimane/charon/charon.log"
# the exchange went through the tunnel: charon counted it, both ways
line=$(grep '^  tunnel okayama -> shimane (clinical): ' "$T/os.out")
in=$(echo "$line" | sed -n 's/.*: up, \([0-9]*\) bytes in, \([0-9]*\) out$/\1/p')
out=$(echo "$line" | sed -n 's/.*: up, \([0-9]*\) bytes in, \([0-9]*\) out$/\2/p')
check "okayama's clinical CHILD_SA is up and carried the documents (${in:-?} bytes in, ${out:-?} out)" \
    test "${in:-0}" -gt 1000 -a "${out:-0}" -gt 10000 ||
    diag "$(grep -E '^  tunnel' "$T/os.out")"
# the two ends are read one after the other: a packet in between may count at one only
line=$(grep '^  tunnel shimane -> okayama (clinical): ' "$T/os.out")
bin=$(echo "$line" | sed -n 's/.*: up, \([0-9]*\) bytes in, \([0-9]*\) out$/\1/p')
bout=$(echo "$line" | sed -n 's/.*: up, \([0-9]*\) bytes in, \([0-9]*\) out$/\2/p')
check "shimane's end counted the same bytes the other way (${bin:-?} in, ${bout:-?} out)" \
    test "${bin:-0}" -gt $((${out:-0} - 2048)) -a "${bin:-0}" -lt $((${out:-0} + 2048)) \
    -a "${bout:-0}" -gt $((${in:-0} - 2048)) -a "${bout:-0}" -lt $((${in:-0} + 2048))
like "$(cat "$T/rep/report.json")" '"network": "netns"' "report.json: network netns"
is "$(grep -c '{"region": "[a-z]*", "peer": "[a-z]*", "purpose": "clinical", "state": "up", "bytes_in": [1-9][0-9]*, "bytes_out": [1-9][0-9]*}' "$T/rep/report.json")" 2 \
    "report.json: two tunnel views, both up with bytes"
like "$(cat "$T/rep/report.html")" 'id="tunnels"' "report.html: a Tunnels section"
check "junit.xml: network property" grep -q '<property name="network" value="netns"' "$T/rep/junit.xml"
is "$(run_ns "$pid" | wc -l | tr -d ' ')" 0 "okayama-shimane --netns: no namespace of the run left"
is "$(procs_in "$OS")" 0 "okayama-shimane --netns: no process of the run left"
host_run >"$T/run.after"
check "the host's /run is untouched (charon.pid, vici socket)" cmp -s "$T/run.before" "$T/run.after"

# ================================================================ 2. faults, mixed
FM=$T/fm
"$HASHICTL" scenario run "$T/faults-mixed.yaml" --netns --dir "$FM" >"$T/fm.out" 2>&1
rc=$?
is "$rc" 0 "faults with tottori off the VPN: passes" || diag_file "$T/fm.out"
for s in "Shimane answers garbage" "garbage is no answer" "the impostor is refused before anything is sent" \
    "the query answers at the deadline with Shimane's documents"; do
	like "$(cat "$T/fm.out")" "^\[[0-9]+/[0-9]+\] $s: ok" "faults --netns: $s"
done
like "$(cat "$FM/okayama/hashid.yaml")" "query_url: https://192\.0\.2\.3:[0-9]+/xca" \
    "okayama calls tottori (no vpn) on its outer address"
like "$(cat "$FM/okayama/hashid.yaml")" "query_url: https://10\.2\.1\.1:8443/xca" \
    "and shimane through the tunnel"
check "tottori has no charon" test ! -e "$FM/tottori/charon"
is "$(grep -c '^  tunnel ' "$T/fm.out")" 2 "only okayama <-> shimane is a tunnel"
is "$(grep -c '^  tunnel .*tottori' "$T/fm.out")" 0 "no tunnel to or from tottori"
check "the garbage stand-in listened behind the tunnel (shimane's inner address)" \
    grep -q "answering garbage on .* 10\.2\.1\.1:8443" "$FM/shimane/garbage.log"
fpid=$(runner_pid "$FM")
check "faults --netns: its namespaces were named after its runner (${fpid:-none})" test -n "$fpid"
is "$(run_ns "${fpid:-none}" | wc -l | tr -d ' ')" 0 "faults --netns: no namespace left"

# ================================================================ 3. Ctrl-C
CI_=$T/int
"$HASHICTL" scenario run "$T/consent-lifecycle.yaml" --netns --dir "$CI_" >"$T/int.out" 2>&1 &
rpid=$!
wait_line "$T/int.out" '^\[2/' || diag "no progress line within 30 s"
nbefore=$(run_ns "$rpid" | wc -l | tr -d ' ')
nrun=$(procs_in "$CI_")
kill -INT "$rpid"
wait "$rpid"
is "$?" 130 "interrupted: hashictl exits 130"
is "$nbefore" 4 "interrupted: it had made its 4 namespaces (3 regions and the bridge)"
check "interrupted: while it ran, its 3 gateways and 3 charons were seen ($nrun)" test "$nrun" -ge 6
like "$(cat "$T/int.out")" "run directory \(logs, configurations, PKI\): $CI_$" \
    "interrupted: names the run directory it keeps"
sleep 0.3
is "$(run_ns "$rpid" | wc -l | tr -d ' ')" 0 "interrupted: every namespace deleted"
is "$(procs_in "$CI_")" 0 "interrupted: no charon or gateway left"

# ================================================================ 4. kill -9, then the next run
K9=$T/k9
"$HASHICTL" scenario run "$T/consent-lifecycle.yaml" --netns --dir "$K9" >"$T/k9.out" 2>&1 &
kpid=$!
wait_line "$T/k9.out" '^\[2/' || diag "no progress line within 30 s"
kill -KILL "$kpid"
wait "$kpid" 2>/dev/null
i=0
while [ "$(procs_in "$K9")" -gt 0 ] && [ "$i" -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(procs_in "$K9")" 0 "killed outright: its charons and gateways died with it"
is "$(run_ns "$kpid" | wc -l | tr -d ' ')" 4 "killed outright: its 4 namespaces are left"
"$HASHICTL" scenario run "$T/maebashi-sakata.yaml" --netns --dir "$T/next" >"$T/next.out" 2>&1
is "$?" 0 "the next --netns run passes" || diag_file "$T/next.out"
is "$(run_ns "$kpid" | wc -l | tr -d ' ')" 0 "the next run deleted the dead run's namespaces"

# ================================================================ 5. cannot run here
HASHI_CHARON=/nonexistent/charon "$HASHICTL" scenario run "$T/okayama-shimane.yaml" --netns \
    --dir "$T/no" >"$T/no.out" 2>&1
is "$?" 2 "without charon: exit 2 (not run)"
like "$(cat "$T/no.out")" "--netns cannot run here: /nonexistent/charon not found" \
    "without charon: says why"
check "without charon: nothing made (no network.log, no PKI)" \
    test ! -e "$T/no/network.log" -a ! -e "$T/no/pki"
is "$(procs_in "$T/no")" 0 "without charon: no gateway started"
done_testing
