# deploy/demo_lib.sh: the plain-text harness of the demos (demo.sh, demo_vpn.sh), sourced
# after tests/integ/lib.sh, whose TAP reporting it replaces: a demo prints OK / NG lines
# per step for a person, and stops at the first failure that leaves nothing to show.
NFAIL=0
ok() { printf '      OK  %s\n' "$*"; }
not_ok() {
	NFAIL=$((NFAIL + 1))
	printf '      NG  %s\n' "$*"
}
diag() {
	for _l in "$@"; do printf '%s\n' "$_l"; done | sed 's/^/          | /'
}
step() { printf '\n[%s] %s\n' "$1" "$2"; }
say() { printf '      %s\n' "$*"; }
# fail MSG: the step failed and nothing after it can work: keep the logs, stop, exit 1.
fail() {
	not_ok "$*"
	HASHI_KEEP=1
	printf '\nデモ失敗 / DEMO FAILED: %s\n' "$*"
	[ -n "$HASHI_TMP" ] && printf 'ログ / logs: %s\n' "$HASHI_TMP"
	exit 1
}
# the harness's fatal errors are the demo's too
die() { fail "$*"; }
