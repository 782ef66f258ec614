#!/bin/sh
# tests/integ/test_report_html.sh: the scenario reports (gateway/scn_report*.c) written by
# tests/integ/report_tool.c (compiled here against $BUILD/libhashi.a) for a sample run, then
# report.html opened in a real browser, Debian's headless Chromium:
#   1. the three files are there; junit.xml and report.html are well-formed XML (xmllint);
#   2. --dump-dom: the page loads, every step is there, one <svg> per step with messages,
#      the Japanese names intact, the hostile texts text and not elements, the Tunnels
#      section of the --netns sample with its rows, those not up marked;
#   3. no console message at all (the page has no script, so any message is a fault, such as
#      a Content-Security-Policy violation): checked on Chromium's own log, after a control
#      page with a deliberate error showed that its console lines do reach that log;
#   4. --screenshot: a PNG image.
# Chromium missing or unable to start: those checks are reported as SKIP (deploy/deps.sh
# installs it for CI).
set -u
. "$(dirname "$0")/lib.sh"

for tool in cc pkg-config xmllint; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
mk_tmp
T=$HASHI_TMP

# ---------------------------------------------------------------- 1. the reports
CFL="-std=c11 -D_DEFAULT_SOURCE -I$HASHI_ROOT $(pkg-config --cflags libxml-2.0)"
if [ "${HASHI_ASAN:-0}" = 1 ]; then
	CFL="$CFL -fsanitize=address,undefined -fno-sanitize-recover=all"
fi
# shellcheck disable=SC2086
cc $CFL -o "$T/report_tool" "$HASHI_ROOT/tests/integ/report_tool.c" "$BUILD_DIR/libhashi.a" \
    $(pkg-config --libs libevent libevent_openssl openssl libxml-2.0 yaml-0.1 lmdb) -lm ||
    die "cannot build tests/integ/report_tool.c"
R=$T/report
check "report_tool writes the reports" "$T/report_tool" "$R"
for f in junit.xml report.json report.html; do
	if [ -s "$R/$f" ]; then ok "$f written"; else not_ok "$f written"; fi
done
check "junit.xml is well-formed XML" xmllint --noout "$R/junit.xml"
check "report.html is well-formed XML as well" xmllint --noout "$R/report.html"
is "$(grep -c '<testcase ' "$R/junit.xml")" 7 "junit.xml: 4 steps + 3 audit verifications"
like "$(cat "$R/junit.xml")" '<property name="network" value="netns"/>' \
    "junit.xml: the network property"
like "$(cat "$R/report.json")" '"network": "netns"' "report.json: the network"

# ---------------------------------------------------------------- the browser
. "$(dirname "$0")/lib_chromium.sh"

NBROWSER=13
if [ -z "$CHROMIUM" ]; then
	i=0
	while [ $i -lt $NBROWSER ]; do
		skip "headless Chromium check $((i + 1))" "chromium not installed (deploy/deps.sh)"
		i=$((i + 1))
	done
	done_testing
fi
# The control page: a console error and an uncaught exception, which must show in the log.
printf '%s\n' '<!DOCTYPE html><html><head><meta charset="utf-8"/><title>c</title></head>' \
    '<body><p>control</p><script>console.error("control-error"); noSuchFunction();</script>' \
    '</body></html>' >"$T/control.html"
if ! run_chromium control --dump-dom "file://$T/control.html" ||
    ! grep -q 'control' "$T/control.out"; then
	diag_file "$T/control.log" 20
	i=0
	while [ $i -lt $NBROWSER ]; do
		skip "headless Chromium check $((i + 1))" "chromium does not start here"
		i=$((i + 1))
	done
	done_testing
fi
if grep -q ':CONSOLE.*"control-error"' "$T/control.log" &&
    grep -q ':CONSOLE.*Uncaught ReferenceError' "$T/control.log"; then
	ok "control page: console errors reach Chromium's log (the check below can fail)"
else
	not_ok "control page: console errors reach Chromium's log"
	diag_file "$T/control.log" 20
fi

# ---------------------------------------------------------------- 2, 3. the DOM, the console
start=$(date +%s%N)
run_chromium dom --dump-dom "file://$R/report.html"
is "$?" 0 "chromium --dump-dom report.html exits 0"
DOM=$T/dom.out
is "$(grep -o 'id="step-[0-9]*"' "$DOM" | tr '\n' ' ')" \
    'id="step-1" id="step-2" id="step-3" id="step-4" ' "the rendered page has the 4 steps"
is "$(grep -o '<svg' "$DOM" | wc -l)" 3 "one <svg> diagram per step with messages (3 of 4)"
like "$(cat "$DOM")" '晴れやかネット' "Japanese region names rendered as such"
like "$(cat "$DOM")" 'retrieve &lt;script&gt;alert\("x"\)&lt;/script&gt; &amp; co' \
    "a step name with markup is text"
like "$(cat "$DOM")" 'network namespaces with strongSwan IPsec tunnels' \
    "the header says how the regions were connected"
# the Tunnels section after the steps: 6 rows, 3 of them not up (down, down; idle, unknown)
TUN=$(sed -n '/<section id="tunnels">/,/<\/section>/p' "$DOM")
is "$(printf '%s\n' "$TUN" | grep -o '<tr>' | wc -l)" 7 \
    "the rendered page has the Tunnels section with its 6 rows"
is "$(printf '%s\n' "$TUN" | grep -Eo 'class="(bad|warn)"' | tr '\n' ' ')" \
    'class="bad" class="bad" class="warn" class="warn" ' "tunnels not up are marked"
if grep -Eq '<(script|img|b)[ >]' "$DOM"; then
	not_ok "no script, img or b element in the rendered page"
	diag "$(grep -Eo '.{40}<(script|img|b)[ >].{40}' "$DOM" | head -5)"
else
	ok "no script, img or b element in the rendered page"
fi
if grep -Eq ':CONSOLE|Uncaught' "$T/dom.log"; then
	not_ok "no console message while rendering report.html"
	diag "$(grep -E ':CONSOLE|Uncaught' "$T/dom.log" | head -10)"
else
	ok "no console message while rendering report.html"
fi

# ---------------------------------------------------------------- 4. a screenshot
run_chromium shot --window-size=1300,2400 --screenshot="$T/report.png" "file://$R/report.html"
end=$(date +%s%N)
if [ -s "$T/report.png" ] && [ "$(head -c 8 "$T/report.png" | od -An -tx1 | tr -d ' \n')" = \
    89504e470d0a1a0a ]; then
	ok "--screenshot gives a PNG ($(wc -c <"$T/report.png") bytes)"
else
	not_ok "--screenshot gives a PNG"
	diag_file "$T/shot.log" 20
fi
if grep -Eq ':CONSOLE|Uncaught' "$T/shot.log"; then
	not_ok "no console message while taking the screenshot"
	diag "$(grep -E ':CONSOLE|Uncaught' "$T/shot.log" | head -10)"
else
	ok "no console message while taking the screenshot"
fi
diag "chromium: dump-dom and screenshot in $(( (end - start) / 1000000 )) ms"
if [ -n "${HASHI_REPORT_KEEP:-}" ]; then	# to look at the page and the screenshot
	mkdir -p "$HASHI_REPORT_KEEP" && cp "$R"/* "$T/report.png" "$HASHI_REPORT_KEEP/"
fi

done_testing
