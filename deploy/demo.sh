#!/bin/sh
# deploy/demo.sh: `make demo` (BUILD = build dir), a thin wrapper over the Okayama–Shimane
# scenario (tests/scenarios/okayama-shimane.yaml, the 2017 demonstration pair):
#   晴れやかネット (Okayama) and まめネット (Shimane) on loopback, each a real hashid with its
#   embedded registry, its MPI and 20 synthetic patients with HL7 CDA documents; a test PKI
#   and a JPKI look-alike for the patient's card made for the run. Shimane's doctor finds
#   the patient in Okayama (XCPD), is refused (no consent), the patient signs a consent
#   with the card and Okayama registers it, the query returns the documents and both are
#   retrieved, byte for byte as submitted; at the end both audit logs are verified offline.
# With VPN=1 (`make demo VPN=1`, root), the same two regions each in a network namespace,
# their gateways talking through a real strongSwan IPsec tunnel (hashictl scenario run
# --netns); the end of the run shows the bytes the clinical CHILD_SA carried.
# Everything runs in a temporary directory and is stopped and removed at the end (kept and
# named when a step fails). The HTML report with a sequence diagram per step is written to
# $BUILD/demo-report/report.html. Exit status 0 only when every step passed.
set -u
VPN=${VPN:-}
HASHI_ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B=$HASHI_ROOT/$BUILD ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hashi-demo.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# the loader, like hashid's, refuses a file others may write: run a private copy
cp "$HASHI_ROOT/tests/scenarios/okayama-shimane.yaml" "$tmp/okayama-shimane.yaml" &&
    chmod 600 "$tmp/okayama-shimane.yaml" || exit 1
if [ "$VPN" = 1 ]; then
	how="in network namespaces through a strongSwan tunnel"
	set -- --netns
else
	how="real gateways on loopback"
	set --
fi
echo "=============================================================================="
echo " Hashi (橋) demo: 晴れやかネット (Okayama) ⇄ まめネット (Shimane), $how"
echo "=============================================================================="
"$B/hashictl" scenario run "$tmp/okayama-shimane.yaml" "$@" --report "$B/demo-report"
rc=$?
if [ "$rc" -eq 0 ]; then
	echo
	echo "デモ成功 / DEMO PASSED — report: $B/demo-report/report.html"
else
	echo
	echo "デモ失敗 / DEMO FAILED (exit $rc)"
fi
exit "$rc"
