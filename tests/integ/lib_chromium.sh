# tests/integ/lib_chromium.sh: Debian's headless Chromium for the suites that check a page
# in a real browser (test_report_html.sh, test_scenario_run.sh). Sourced after lib.sh and
# mk_tmp; T is the suite's temp dir. CHROMIUM is empty when it is not installed.
CHROMIUM=$(command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null)
# Flags from .library/env/machines/c.md: no sandbox (root), no GPU, and nothing that would
# reach for the network; a fresh profile for each run.
run_chromium() {	# run_chromium NAME ARGS... : stdout to $T/NAME.out, stderr to $T/NAME.log
	_rc_name=$1
	shift
	_rc_prof=$(mktemp -d "$T/profile.XXXXXX")
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
	    --no-first-run --disable-background-networking --disable-component-update \
	    --disable-sync --disable-extensions --user-data-dir="$_rc_prof" \
	    --enable-logging=stderr --v=0 "$@" >"$T/$_rc_name.out" 2>"$T/$_rc_name.log"
	_rc=$?
	rm -rf "$_rc_prof"
	return $_rc
}
