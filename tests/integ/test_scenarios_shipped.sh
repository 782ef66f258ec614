#!/bin/sh
# Every scenario shipped in tests/scenarios/ passes with `hashictl scenario run` (issue 8),
# one TAP line per scenario, with the run's output as diagnostics when it fails. Not here:
# okayama-shimane and maebashi-sakata (test_scenario_run.sh checks them, reports and all).
# japan-47 (47 gateways on this machine, about 15 s) runs here too. A scenario added to
# the directory is picked up without touching this file.
# The loader refuses files others may write, so each runs from a private 0600 copy, in a
# run directory under this test's temp dir (kept by the runner on a failure, removed with
# the temp dir). A run that hangs is stopped after HASHI_SCENARIO_TIMEOUT seconds (300):
# the runner stops its gateways on SIGTERM.
. "$(dirname "$0")/lib.sh"

mk_tmp
T=$HASHI_TMP
SC=$HASHI_ROOT/tests/scenarios
LIMIT=${HASHI_SCENARIO_TIMEOUT:-300}
[ -x "$HASHICTL" ] || die "$HASHICTL not built"
if command -v timeout >/dev/null 2>&1; then
	TIMEOUT="timeout $LIMIT"
else
	TIMEOUT=
fi

n=0
for f in "$SC"/*.yaml; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .yaml)
	case $name in
	okayama-shimane | maebashi-sakata) continue ;;
	esac
	n=$((n + 1))
	copy=$T/$name.yaml
	if ! cp "$f" "$copy" || ! chmod 600 "$copy"; then
		not_ok "scenario $name: cannot make a private copy"
		continue
	fi
	start=$(date +%s)
	# shellcheck disable=SC2086 # TIMEOUT is a command and its argument, or nothing
	$TIMEOUT "$HASHICTL" scenario run "$copy" --dir "$T/run-$name" >"$T/$name.out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ] && tail -n 5 "$T/$name.out" | grep -q 'PASSED$'; then
		ok "scenario $name passes (${secs} s)"
	else
		not_ok "scenario $name passes (${secs} s)"
		[ "$rc" -eq 124 ] && diag "stopped after ${LIMIT} s (HASHI_SCENARIO_TIMEOUT)"
		diag "hashictl scenario run $name.yaml: exit $rc"
		diag_file "$T/$name.out" 200
	fi
done
[ "$n" -gt 0 ] || skip "shipped scenarios" "none besides okayama-shimane, maebashi-sakata and japan-47"
done_testing
