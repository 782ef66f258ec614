#!/bin/sh
# deploy/examples/*.yaml, the two-region pair an operator starts from:
#   each passes `hashid -n` and `hashictl deploy swanctl` renders its tunnels;
#   the pair agrees: okayama's connection to shimane is shimane's to okayama mirrored
#   (addresses, IKE identities, each purpose's traffic selectors), and each side listens
#   with a purpose on every inner address it has for it.
# What `hashid -n` does not check, said honestly: it validates the configuration's values
# but opens none of the files it names (certificates, keys, CA, JPKI roots) - hashid only
# reads them when it starts. So the examples pass here although /etc/hashi/... is absent,
# and a test below pins that behaviour (if -n starts opening the files, it fails and this
# test must then provide them). The TLS files are exercised by the suites that start
# hashid (e.g. test_pki_cli.sh with certificates from hashictl pki).
. "$(dirname "$0")/lib.sh"

[ -x "$HASHID" ] || die "$HASHID is not built"
[ -x "$HASHICTL" ] || die "$HASHICTL is not built"
mk_tmp
T=$HASHI_TMP
EX=$HASHI_ROOT/deploy/examples

[ -f "$EX/okayama.yaml" ] && [ -f "$EX/shimane.yaml" ] || die "deploy/examples/okayama.yaml or shimane.yaml is missing"

for r in okayama shimane; do
	# a copy: the checkout's umask must not make it group-writable, which hashid refuses
	cp "$EX/$r.yaml" "$T/$r.yaml"
	chmod 600 "$T/$r.yaml"
	RC=0
	"$HASHID" -n -f "$T/$r.yaml" >"$T/$r.n.out" 2>"$T/$r.n.err" || RC=$?
	is "$RC:$(cat "$T/$r.n.err")" "0:configuration OK" "hashid -n on deploy/examples/$r.yaml: configuration OK"
	RC=0
	"$HASHICTL" -f "$T/$r.yaml" deploy swanctl -o "$T/$r.swanctl.conf" 2>"$T/$r.sw.err" || RC=$?
	is "$RC:$(cat "$T/$r.sw.err")" "0:" "hashictl deploy swanctl on $r.yaml: written, no warning"

	# every file path the example names, moved to a directory that does not exist
	sed "s#/etc/hashi/#$T/absent/#g" "$T/$r.yaml" >"$T/$r.absent.yaml"
	chmod 600 "$T/$r.absent.yaml"
	RC=0
	"$HASHID" -n -f "$T/$r.absent.yaml" >/dev/null 2>"$T/$r.absent.err" || RC=$?
	is "$RC" 0 "hashid -n on $r.yaml does not open the files it names (they need not exist for the check)"
done

# sw_facts FILE: one line per fact of the single connection in a generated swanctl.conf:
# "local_addrs A", "remote_addrs B", "local_id X", "remote_id Y", "child NAME LOCAL REMOTE".
sw_facts() {
	awk '
	/^\t[a-z][^ ]* \{$/ { depth = 1 }
	/^\t\tlocal \{$/ { side = "local" }
	/^\t\tremote \{$/ { side = "remote" }
	/^\t\t\t[a-z]+ \{$/ && in_children { child = $1 }
	/^\t\tchildren \{$/ { in_children = 1; side = "" }
	/local_addrs = / { print "local_addrs " $3 }
	/remote_addrs = / { print "remote_addrs " $3 }
	/^\t\t\tid = / { sub(/^\t\t\tid = /, ""); print side "_id " $0 }
	/local_ts = / { lts = $3 }
	/remote_ts = / { print "child " child " " lts " " $3 }
	' "$1" | sort
}

# mirror: swaps local and remote in sw_facts output.
mirror() {
	awk '
	$1 == "local_addrs" { print "remote_addrs " $2; next }
	$1 == "remote_addrs" { print "local_addrs " $2; next }
	$1 == "local_id" { $1 = "remote_id"; print; next }
	$1 == "remote_id" { $1 = "local_id"; print; next }
	$1 == "child" { print "child " $2 " " $4 " " $3; next }
	' | sort
}

sw_facts "$T/okayama.swanctl.conf" >"$T/o.facts"
sw_facts "$T/shimane.swanctl.conf" | mirror >"$T/s.mirrored"
is "$(grep -c '^child ' "$T/o.facts")" 2 "okayama has a CHILD_SA per purpose to shimane (clinical, emergency)"
if [ -s "$T/o.facts" ] && cmp -s "$T/o.facts" "$T/s.mirrored"; then
	ok "the pair agrees: shimane's tunnel is okayama's mirrored (addresses, identities, selectors)"
else
	not_ok "the pair agrees: shimane's tunnel is okayama's mirrored (addresses, identities, selectors)"
	diag "okayama:" "$(cat "$T/o.facts")" "shimane, mirrored:" "$(cat "$T/s.mirrored")"
fi

# Each side listens on each inner address with that purpose (hashid -n -v prints the
# normalised configuration: listen entries and vpn.purposes).
for r in okayama shimane; do
	"$HASHID" -n -v -f "$T/$r.yaml" >"$T/$r.norm" 2>/dev/null
	missing=$(awk '
	/^listen:/ { sec = "listen"; next }
	/^vpn:/ { sec = "vpn"; next }
	/^[a-z]/ { sec = "" }
	sec == "listen" && /address:/ { a = $NF }
	sec == "listen" && /purpose:/ { L[a " " $NF] = 1 }
	sec == "vpn" && /name:/ { n = $NF }
	sec == "vpn" && /inner_address:/ { V[$NF " " n] = 1 }
	END { for (k in V) if (!(k in L)) print k }' "$T/$r.norm" | tr -d '"')
	is "$missing" "" "$r listens on each of its inner addresses with that purpose"
done

done_testing
