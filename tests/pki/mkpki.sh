#!/bin/sh
# tests/pki/mkpki.sh [-v] DIR NAME...
#
# Makes a throw-away test PKI in DIR with the openssl CLI (EC P-256, 2 days validity):
#   ca.crt ca.key               the test CA, the only trust anchor the tests configure
#   NAME.crt NAME.key           for each NAME: "CN=NAME,O=Hashi Test,C=JP" (RFC 2253 order),
#                               EKU serverAuth+clientAuth, SAN DNS:NAME, IP:127.0.0.1, DNS:localhost
#   NAME.sha256                 its SHA-256 fingerprint, colon-separated upper-case hex
#   unknown.*                   signed by the test CA but configured nowhere
#   rogue-ca.crt rogue-ca.key   a second, unrelated CA
#   rogue.*                     a certificate issued by rogue-ca
# Keys are mode 0600. Existing files are kept (a new CA re-issues its certificates).
# Prints nothing on success unless -v. Exits 0, 1 on failure, 2 on bad usage.
set -eu

verbose=0
if [ "${1:-}" = "-v" ]; then
	verbose=1
	shift
fi
if [ $# -lt 1 ]; then
	echo "usage: mkpki.sh [-v] DIR NAME..." >&2
	exit 2
fi
dir=$1
shift
for n in "$@"; do
	# Names become file names and DNS names: keep them to that alphabet.
	case "$n" in
	''|*[!A-Za-z0-9.-]*|.*|-*|ca|rogue-ca|rogue)
		echo "mkpki.sh: bad name '$n'" >&2
		exit 2 ;;
	esac
done

umask 077
mkdir -p "$dir"
cnf="$dir/.mkpki.cnf"
trap 'rm -f "$cnf"' EXIT

cat >"$cnf" <<'EOF'
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

say() {
	if [ "$verbose" -eq 1 ]; then
		echo "mkpki: $*"
	fi
}

# run CMD...: runs openssl quietly; on failure shows its output and exits 1.
run() {
	if ! out=$("$@" 2>&1); then
		echo "mkpki.sh: $* failed:" >&2
		echo "$out" >&2
		exit 1
	fi
}

# mkca BASE CN: a self-signed CA. Returns 0 if it was (re)made, 1 if it already existed.
mkca() {
	if [ -s "$dir/$1.crt" ] && [ -s "$dir/$1.key" ]; then
		return 1
	fi
	run openssl req -x509 -new -config "$cnf" -extensions v3_ca \
	    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
	    -keyout "$dir/$1.key" -out "$dir/$1.crt" -days 2 \
	    -subj "/C=JP/O=Hashi Test/CN=$2"
	chmod 600 "$dir/$1.key"
	say "created $1 ($2)"
	return 0
}

# mkleaf NAME CA FORCE: NAME.crt/.key issued by CA, plus NAME.sha256.
mkleaf() {
	if [ "$3" -eq 1 ] || [ ! -s "$dir/$1.crt" ] || [ ! -s "$dir/$1.key" ]; then
		rm -f "$dir/$1.sha256"
		run openssl req -x509 -new -config "$cnf" -extensions v3_leaf \
		    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
		    -keyout "$dir/$1.key" -out "$dir/$1.crt" -days 2 \
		    -CA "$dir/$2.crt" -CAkey "$dir/$2.key" \
		    -subj "/C=JP/O=Hashi Test/CN=$1" \
		    -addext "subjectAltName = DNS:$1, IP:127.0.0.1, DNS:localhost"
		chmod 600 "$dir/$1.key"
		say "created $1 (issued by $2)"
	fi
	if [ ! -s "$dir/$1.sha256" ]; then
		fp=$(openssl x509 -in "$dir/$1.crt" -noout -fingerprint -sha256) || exit 1
		printf '%s\n' "${fp#*=}" >"$dir/$1.sha256"
	fi
}

force=0
if mkca ca "Hashi Test CA"; then force=1; fi
for n in "$@" unknown; do
	mkleaf "$n" ca "$force"
done
force=0
if mkca rogue-ca "Hashi Rogue CA"; then force=1; fi
mkleaf rogue rogue-ca "$force"
exit 0
