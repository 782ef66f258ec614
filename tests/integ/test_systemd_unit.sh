#!/bin/sh
# The systemd unit as `make install` puts it on a host:
#   make install DESTDIR=<tmp> PREFIX=/opt/hashi BUILD=$BUILD (the unit is rewritten for PREFIX) installs
#   hashid, hashictl, the unit and the example configuration with their modes; every
#   program the unit's Exec lines run exists (under DESTDIR for ours);
#   `systemd-analyze verify` accepts the installed unit - on a copy whose Exec paths point
#   into DESTDIR, since verify insists that ExecStart's binary exists and --root=DESTDIR
#   would need a whole systemd tree there (verify does catch the missing binary otherwise:
#   checked too, when the host has no /usr/local/sbin/hashid of its own);
#   `systemd-analyze security --offline=true` rates it at or under MAX_EXPOSURE.
# MAX_EXPOSURE = 1.2, measured with systemd 252 (Debian 12). What is left, item by item:
#   PrivateNetwork= 0.5, RestrictAddressFamilies AF_INET/AF_INET6 0.3 and IPAddressDeny= 0.2:
#     a gateway listens and calls peers over IP; an address allow list is site-specific
#     (the unit's comment shows the override);
#   RestrictAddressFamilies AF_UNIX 0.1: the journal and charon's vici socket;
#   RootDirectory= 0.1: a chroot would have to hold libc, OpenSSL, /etc/hashi and the state;
#   DeviceAllow= 0.1 (char-rtc:r): added by ProtectClock=yes itself; dropping ProtectClock
#     scores worse (1.3);
#   PrivateUsers= 0.2: left unset so that a port-443 override's capability applies to the
#     host's network stack (PrivateUsers=yes scores 1.1 but could not be tried under a real
#     systemd here).
# Everything else systemd-analyze asks for is set.
# Only a missing systemd-analyze is a SKIP.
. "$(dirname "$0")/lib.sh"

MAX_EXPOSURE=1.2

if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip "systemd-analyze verify on the installed unit" "systemd-analyze not installed"
	skip "systemd-analyze security on the installed unit" "systemd-analyze not installed"
	done_testing
fi
mk_tmp
T=$HASHI_TMP
DEST=$T/root
# not the default, so that the unit must name where the binaries went
PREFIX=/opt/hashi

[ -x "$HASHID" ] && [ -x "$HASHICTL" ] || die "$BUILD_DIR is not built"
# -o all: install the binaries the other suites test, as built, instead of letting the
# install target's "all" prerequisite rebuild them in the middle of a test run.
RC=0
make -C "$HASHI_ROOT" -o all BUILD="$BUILD" DESTDIR="$DEST" PREFIX="$PREFIX" install >"$T/install.log" 2>&1 || RC=$?
is "$RC" 0 "make install DESTDIR=... BUILD=$BUILD: exit 0" || diag_file "$T/install.log" 20
check "... the installed hashid is the one built" cmp "$HASHID" "$DEST$PREFIX/sbin/hashid"
UNIT=$DEST/lib/systemd/system/hashid.service
is "$(stat -c %a "$DEST$PREFIX/sbin/hashid" 2>&1)" 755 "hashid installed in $PREFIX/sbin, 0755"
is "$(stat -c %a "$DEST$PREFIX/bin/hashictl" 2>&1)" 755 "hashictl installed in $PREFIX/bin, 0755"
is "$(stat -c %a "$UNIT" 2>&1)" 644 "the unit installed in /lib/systemd/system, 0644"
is "$(stat -c %a "$DEST/etc/hashi/hashid.example.yaml" 2>&1)" 600 "the example configuration in /etc/hashi, 0600"
[ -f "$UNIT" ] || die "no unit installed"

# Every Exec line's program: ours under DESTDIR, the system's (kill) on this host.
bad=
for prog in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$UNIT" | sort -u); do
	case $prog in
	"$PREFIX"/*) [ -x "$DEST$prog" ] || bad="$bad $prog(not installed)" ;;
	/*) [ -x "$prog" ] || bad="$bad $prog(not on this host)" ;;
	*) bad="$bad $prog(not absolute)" ;;
	esac
done
is "$bad" "" "every program the unit runs is installed (or is the system's)"

mkdir -p "$T/unit"
sed "s#$PREFIX/sbin/hashid#$DEST$PREFIX/sbin/hashid#g" "$UNIT" >"$T/unit/hashid.service"
RC=0
out=$(systemd-analyze verify "$T/unit/hashid.service" 2>&1) || RC=$?
is "$RC:$out" "0:" "systemd-analyze verify: no error, no warning"
if [ -e "$PREFIX/sbin/hashid" ]; then
	skip "... and it does check ExecStart's binary" "this host has its own $PREFIX/sbin/hashid"
else
	out=$(systemd-analyze verify "$UNIT" 2>&1)
	like "$out" "$PREFIX/sbin/hashid is not executable" "... and it does check ExecStart's binary (unrewritten unit refused here)"
fi

RC=0
systemd-analyze security --offline=true "$T/unit/hashid.service" >"$T/security.txt" 2>&1 || RC=$?
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' "$T/security.txt")
diag "exposure score of hashid.service: ${score:-none} (at most $MAX_EXPOSURE)" \
    "$(grep '✗' "$T/security.txt" | sed 's/  */ /g')"
if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
	ok "systemd-analyze security --offline=true: exposure $score <= $MAX_EXPOSURE"
else
	not_ok "systemd-analyze security --offline=true: exposure ${score:-?} <= $MAX_EXPOSURE (exit $RC)"
	diag_file "$T/security.txt" 80
fi

done_testing
