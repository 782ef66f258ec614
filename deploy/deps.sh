#!/bin/sh
# Installs the Debian packages Hashi needs to build, test and run its demo.
# As root it runs apt-get; otherwise it prints the exact command to run.
# strongSwan (charon with userspace IPsec, swanctl) runs the per-purpose VPNs and the
# real-tunnel tests in tests/netns/; hashid itself talks to charon over its vici socket.
# Chromium (headless) checks the scenario runner's HTML reports; the IPA Gothic font lets
# it draw their Japanese text.
set -u
PKGS="build-essential pkg-config libevent-dev libssl-dev openssl libxml2-dev libxml2-utils
liblmdb-dev lmdb-utils libyaml-dev libcmocka-dev valgrind curl iproute2 procps
strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-extra-plugins
strongswan-pki
chromium fonts-ipafont-gothic"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages:$missing" >&2
    echo "deps.sh: run as root: apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || exit 1
apt-get install -y -qq $missing >&2 || exit 1
