#!/bin/sh
# tests/pki/jpki.sh DIR COMMAND [ARG...]
#
# A JPKI look-alike PKI for tests, made with the openssl CLI: roots laid out like the J-LIS
# signing CA and end-entity certificates laid out like the signing certificate of a My Number
# card (research/japan-requirements.md §1.2-1.3). TEST DATA ONLY: every certificate here says
# O=JPKI-TEST and carries the test-card policy 1.2.392.200149.8.5.1.0.20. Production J-LIS
# roots say O=JPKI and are never made by this script; a production verifier must not trust
# anything it makes.
#
# Commands (DIR is created if needed; keys are mode 0600):
#   init
#       root1.crt/.key  signing root, generation 1: "C=JP, O=JPKI-TEST, OU=JPKI for digital
#                       signature, OU=Japan Agency for Local Authority Information Systems",
#                       RSA 2048, CA:TRUE, keyCertSign+cRLSign, SKI, no AKI, CRLDP DirName
#       root2.crt/.key  generation 2: the SAME subject, another key (issuer found by key only)
#       rogue.crt/.key  a third root with the same subject, to be configured nowhere
#       roots.pem       root1 + root2 (what a test configures as trusted)
#       ROOT.db/        the revocation database of each root (openssl ca)
#   issue NAME [key=value...]
#       NAME.crt/.key   a signing certificate; NAME.sha256 its fingerprint exactly as
#                       `openssl x509 -fingerprint -sha256` prints it (after "="); NAME.serial
#                       its serial (upper-case hex as openssl prints it); NAME.ca its root.
#       keys: ca=ROOT (root1)  bits=N (2048)  days=N (365)  md=ALG (sha256, cert signature)
#             ku=LIST (digitalSignature,nonRepudiation)  policy=OID (1.2.392.200149.8.5.1.0.20)
#             pref=ROMANISED (Tokyo-to)  city=ROMANISED (Kiyose-shi)  cn=ID (YYYYMMDDhhmmss +
#             5-digit sequence + "TEST")  san=none (no otherNames at all)
#             name= nameflags= sex= birth= addr= addrflags=  the basic four items: otherNames
#             1.2.392.200149.8.5.5.1..6 in the card's order .1 .4 .3 .5 .2 .6, each value
#             [0] EXPLICIT UTF8String. Defaults: name "山田　太郎" (U+3000 between family and
#             given name), sex 1, birth 319801231 (EYYYYMMDD, era digit 3 = Showa), address
#             "東京都清瀬市上清戸二丁目１番１－１０１号" (no postal code), flags one '0' per
#             character. An empty value (e.g. birth=) leaves that otherName out.
#   sign NAME IN OUT [attached] [pem] [noattr] [nocerts] [md=ALG] [also=NAME2]
#       CMS SignedData over the exact bytes of IN (openssl cms -sign -binary -nosmimecap),
#       detached unless "attached", DER unless "pem", signed attributes contentType,
#       signingTime, messageDigest (none with "noattr"), digest sha256 unless md=, the
#       signer's certificate included unless "nocerts", a second signer NAME2 with also=NAME2.
#   revoke NAME REASON [time=YYMMDDHHMMSSZ]
#       records NAME as revoked in its root's database with REASON (unspecified,
#       keyCompromise, affiliationChanged, superseded, cessationOfOperation, ...), at TIME
#       (UTC) if given, else now. Run "crl" afterwards.
#   crl ROOT [out=BASE] [dp=PREF/CITY] [lastupdate=YYMMDDHHMMSSZ] [nextupdate=YYMMDDHHMMSSZ]
#       BASE.crl (PEM) and BASE.crl.der (BASE defaults to ROOT): a CRL signed by ROOT with
#       AKI, listing what "revoke" recorded; next update in 30 days unless given. A full CRL
#       (no issuingDistributionPoint) unless dp= makes it the partition of one municipality,
#       as JPKI partitions its CRLs: issuingDistributionPoint = the DirName that "issue"
#       writes as crlDistributionPoints for certificates with that pref= and city=.
# Prints nothing on success. Exits 0, 1 on failure, 2 on bad usage.
set -eu

OPENSSL=${OPENSSL:-openssl}
ROOT_SUBJ="/C=JP/O=JPKI-TEST/OU=JPKI for digital signature/OU=Japan Agency for Local Authority Information Systems"
TEST_POLICY=1.2.392.200149.8.5.1.0.20

usage() {
	sed -n '2,/^# Prints nothing/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die() {
	printf 'jpki.sh: %s\n' "$*" >&2
	exit 1
}

# run CMD...: runs CMD quietly; on failure shows its output and exits 1.
run() {
	if ! out=$("$@" 2>&1); then
		echo "jpki.sh: $* failed:" >&2
		printf '%s\n' "$out" >&2
		exit 1
	fi
}

# nchars S: the number of UTF-8 characters of S (bytes that are not continuation bytes).
nchars() {
	printf '%s' "$1" | LC_ALL=C tr -d '\200-\277' | wc -c | tr -d ' '
}

# zeros N: N '0' characters (a substitute-character flag string with no substitutes).
zeros() {
	i=0 z=
	while [ "$i" -lt "$1" ]; do
		z="${z}0"
		i=$((i + 1))
	done
	printf '%s' "$z"
}

# safe WHAT VALUE: refuses characters that openssl config files would interpret.
safe() {
	nl='
'
	case $2 in
	*[\#\$\\\"]*|*"$nl"*)
		die "$1: characters # \$ \\ \" and newlines are not allowed" ;;
	esac
}

[ $# -ge 2 ] || usage
dir=$1
cmd=$2
shift 2
umask 077
mkdir -p "$dir"

write_common_cnf() {
	cat >"$dir/.jpki.cnf" <<'EOF'
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = none
crlDistributionPoints = root_dp
[ root_dp ]
fullname = dirName:root_dn
[ root_dn ]
C = JP
O = JPKI-TEST
0.OU = JPKI for digital signature
1.OU = Japan Agency for Local Authority Information Systems
EOF
	# openssl ca reads $ENV::JPKI_DB when it loads the file, so it has its own file.
	cat >"$dir/.jpki-ca.cnf" <<'EOF'
[ ca ]
default_ca = jpki_ca
[ jpki_ca ]
dir = $ENV::JPKI_DB
database = $dir/index.txt
crlnumber = $dir/crlnumber
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
default_crl_days = 30
unique_subject = no
policy = jpki_policy
crl_extensions = jpki_crl_ext
[ jpki_policy ]
[ jpki_crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
}

# mkroot BASE SERIAL: a self-signed root with the JPKI-TEST signing-CA subject.
mkroot() {
	run "$OPENSSL" req -x509 -new -config "$dir/.jpki.cnf" -extensions v3_root \
	    -newkey rsa:2048 -sha256 -noenc -keyout "$dir/$1.key" -out "$dir/$1.crt" \
	    -days 3650 -set_serial "$2" -subj "$ROOT_SUBJ"
	chmod 600 "$dir/$1.key"
	mkdir -p "$dir/$1.db"
	: >"$dir/$1.db/index.txt"
	echo 01 >"$dir/$1.db/crlnumber"
}

cmd_init() {
	[ $# -eq 0 ] || usage
	write_common_cnf
	mkroot root1 1
	mkroot root2 2
	mkroot rogue 3
	cat "$dir/root1.crt" "$dir/root2.crt" >"$dir/roots.pem"
	echo 4096 >"$dir/.serial"
}

# next_serial: prints and advances the serial counter (decimal).
next_serial() {
	s=$(cat "$dir/.serial" 2>/dev/null || echo 4096)
	echo $((s + 1)) >"$dir/.serial"
	printf '%s' "$s"
}

# ee_cnf FILE: the extension file of one end-entity certificate (variables of cmd_issue).
ee_cnf() {
	{
		printf '[ req ]\ndistinguished_name = req_dn\nprompt = no\n'
		printf '[ req_dn ]\nCN = unused\n[ v3_ee ]\n'
		printf 'keyUsage = critical, %s\n' "$ku"
		printf 'certificatePolicies = critical, @pol\n'
		printf 'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n'
		printf 'issuerAltName = dirName:ian\ncrlDistributionPoints = ee_dp\n'
		[ "$san" = none ] || printf 'subjectAltName = @san\n'
		printf '[ pol ]\npolicyIdentifier = %s\n' "$policy"
		printf 'CPS.1 = "https://jpki-test.invalid/cps"\n'
		printf '[ ian ]\nC = JP\nO = JPKI-TEST\n'
		printf '[ ee_dp ]\nfullname = dirName:ee_dp_dn\n'
		printf '[ ee_dp_dn ]\nC = JP\nO = JPKI-TEST\n0.OU = JPKI for digital signature\n'
		printf '1.OU = CRL Distribution Points\n2.OU = %s\nCN = %s\n' "$pref" "$city"
		printf '[ san ]\n'
		# The real card's order: name, birth, sex, address, name flags, address flags.
		# FORMAT:UTF8 matters: without it openssl reads the bytes as Latin-1 and encodes
		# each one again as UTF-8.
		n=0
		for pair in "1:$name" "4:$birth" "3:$sex" "5:$addr" "2:$nameflags" \
		    "6:$addrflags"; do
			[ -n "${pair#?:}" ] || continue
			n=$((n + 1))
			printf 'otherName.%d = 1.2.392.200149.8.5.5.%s;FORMAT:UTF8,UTF8:%s\n' \
			    "$n" "${pair%%:*}" "${pair#?:}"
		done
	} >"$1"
}

# check_utf8 BASE: fails unless BASE.crt holds the name otherName value as [0] EXPLICIT
# UTF8String of exactly the UTF-8 bytes given (A0 len+2 0C len bytes), not a double encoding.
check_utf8() {
	[ -n "$name" ] && [ "$san" != none ] || return 0
	want=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
	len=$(( ${#want} / 2 ))
	[ "$len" -lt 126 ] || return 0
	der=$("$OPENSSL" x509 -in "$dir/$1.crt" -outform DER | od -An -tx1 | tr -d ' \n' |
	    tr a-f A-F) || die "cannot read $1.crt"
	case $der in
	*"$(printf 'A0%02X0C%02X' $((len + 2)) "$len")$want"*) ;;
	*) die "$1: the name otherName is not [0] EXPLICIT UTF8String of the given bytes" ;;
	esac
}

cmd_issue() {
	[ $# -ge 1 ] || usage
	base=$1
	shift
	case $base in
	''|*[!A-Za-z0-9_-]*|root1|root2|rogue|roots) die "bad name '$base'" ;;
	esac
	ca=root1 bits=2048 days=365 md=sha256 ku="digitalSignature, nonRepudiation"
	policy=$TEST_POLICY pref=Tokyo-to city=Kiyose-shi cn='' san=''
	name="山田　太郎" sex=1 birth=319801231 addr="東京都清瀬市上清戸二丁目１番１－１０１号"
	nameflags=- addrflags=-
	for kv in "$@"; do
		case $kv in
		ca=*) ca=${kv#*=} ;;
		bits=*) bits=${kv#*=} ;;
		days=*) days=${kv#*=} ;;
		md=*) md=${kv#*=} ;;
		ku=*) ku=${kv#*=} ;;
		policy=*) policy=${kv#*=} ;;
		pref=*) pref=${kv#*=} ;;
		city=*) city=${kv#*=} ;;
		cn=*) cn=${kv#*=} ;;
		san=*) san=${kv#*=} ;;
		name=*) name=${kv#*=} ;;
		nameflags=*) nameflags=${kv#*=} ;;
		sex=*) sex=${kv#*=} ;;
		birth=*) birth=${kv#*=} ;;
		addr=*) addr=${kv#*=} ;;
		addrflags=*) addrflags=${kv#*=} ;;
		*) die "issue: unknown argument '$kv'" ;;
		esac
		safe "$kv" "${kv#*=}"
	done
	[ -s "$dir/$ca.crt" ] || die "no root '$ca' (run init)"
	[ "$nameflags" != - ] || nameflags=$(zeros "$(nchars "$name")")
	[ "$addrflags" != - ] || addrflags=$(zeros "$(nchars "$addr")")
	serial=$(next_serial)
	[ -n "$cn" ] || cn="$(date -u +%Y%m%d%H%M%S)$(printf '%05d' $((serial % 100000)))TEST"
	cnf="$dir/.$base.cnf"
	ee_cnf "$cnf"
	run "$OPENSSL" genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" \
	    -out "$dir/$base.key"
	chmod 600 "$dir/$base.key"
	run "$OPENSSL" req -x509 -new -config "$cnf" -extensions v3_ee -key "$dir/$base.key" \
	    -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" -"$md" -days "$days" -set_serial "$serial" \
	    -subj "/C=JP/L=$pref/L=$city/CN=$cn" -out "$dir/$base.crt"
	rm -f "$cnf"
	check_utf8 "$base"
	fp=$("$OPENSSL" x509 -in "$dir/$base.crt" -noout -fingerprint -sha256) || exit 1
	printf '%s\n' "${fp#*=}" >"$dir/$base.sha256"
	sn=$("$OPENSSL" x509 -in "$dir/$base.crt" -noout -serial) || exit 1
	printf '%s\n' "${sn#*=}" >"$dir/$base.serial"
	printf '%s\n' "$ca" >"$dir/$base.ca"
}

cmd_sign() {
	[ $# -ge 3 ] || usage
	base=$1 in=$2 out=$3
	shift 3
	[ -s "$dir/$base.crt" ] || die "no certificate '$base'"
	md=sha256 form=DER detach='' noattr='' nocerts='' also=''
	for a in "$@"; do
		case $a in
		attached) detach=-nodetach ;;
		pem) form=PEM ;;
		noattr) noattr=-noattr ;;
		nocerts) nocerts=-nocerts ;;
		md=*) md=${a#md=} ;;
		also=*) also=${a#also=}
			[ -s "$dir/$also.crt" ] || die "no certificate '$also'" ;;
		*) die "sign: unknown argument '$a'" ;;
		esac
	done
	set -- -sign -binary -nosmimecap -md "$md" -in "$in" -out "$out" -outform "$form" \
	    -signer "$dir/$base.crt" -inkey "$dir/$base.key"
	[ -z "$also" ] || set -- "$@" -signer "$dir/$also.crt" -inkey "$dir/$also.key"
	[ -z "$detach" ] || set -- "$@" "$detach"
	[ -z "$noattr" ] || set -- "$@" "$noattr"
	[ -z "$nocerts" ] || set -- "$@" "$nocerts"
	run "$OPENSSL" cms "$@"
}

cmd_revoke() {
	if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
	base=$1 reason=$2 when=''
	[ $# -lt 3 ] || when=${3#time=}
	if [ ! -s "$dir/$base.crt" ] || [ ! -s "$dir/$base.ca" ]; then
		die "no certificate '$base'"
	fi
	ca=$(cat "$dir/$base.ca")
	case $when in
	''|[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]Z) ;;
	*) die "revoke: time must be YYMMDDHHMMSSZ" ;;
	esac
	JPKI_DB="$dir/$ca.db"
	export JPKI_DB
	run "$OPENSSL" ca -config "$dir/.jpki-ca.cnf" \
	    -cert "$dir/$ca.crt" -keyfile "$dir/$ca.key" -revoke "$dir/$base.crt" \
	    -crl_reason "$reason"
	[ -n "$when" ] || return 0
	# openssl ca always records "now"; the database row is "R, expiry, time[,reason],
	# serial, file, subject", tab-separated, so the time is set there.
	sn=$(cat "$dir/$base.serial")
	db="$dir/$ca.db/index.txt"
	awk -F '\t' -v OFS='\t' -v sn="$sn" -v t="$when" \
	    '$4 == sn && $1 == "R" { sub(/^[0-9]+Z/, t, $3) } { print }' "$db" >"$db.new"
	mv "$db.new" "$db"
}

cmd_crl() {
	[ $# -ge 1 ] || usage
	ca=$1
	shift
	[ -s "$dir/$ca.crt" ] || die "no root '$ca'"
	last='' next='' base=$ca dp=''
	for a in "$@"; do
		case $a in
		dp=*/*) dp=${a#dp=}
			safe "$a" "$dp" ;;
		out=*) base=${a#*=}
			case $base in
			''|*[!A-Za-z0-9_-]*) die "crl: bad name '$base'" ;;
			esac ;;
		lastupdate=*) last=${a#*=} ;;
		nextupdate=*) next=${a#*=} ;;
		*) die "crl: unknown argument '$a'" ;;
		esac
	done
	cnf="$dir/.jpki-ca.cnf"
	if [ -n "$dp" ]; then
		cnf="$dir/.crl-$base.cnf"
		{
			cat "$dir/.jpki-ca.cnf"
			printf '[ idp_ext ]\nauthorityKeyIdentifier = keyid:always\n'
			printf 'issuingDistributionPoint = critical, @idp\n'
			printf '[ idp ]\nfullname = dirName:idp_dn\n'
			printf '[ idp_dn ]\nC = JP\nO = JPKI-TEST\n0.OU = JPKI for digital signature\n'
			printf '1.OU = CRL Distribution Points\n2.OU = %s\nCN = %s\n' \
			    "${dp%%/*}" "${dp#*/}"
		} >"$cnf"
	fi
	set -- -config "$cnf" -gencrl -cert "$dir/$ca.crt" -keyfile "$dir/$ca.key" \
	    -out "$dir/$base.crl"
	[ -z "$dp" ] || set -- "$@" -crlexts idp_ext
	[ -z "$last" ] || set -- "$@" -crl_lastupdate "$last"
	[ -z "$next" ] || set -- "$@" -crl_nextupdate "$next"
	JPKI_DB="$dir/$ca.db"
	export JPKI_DB
	run "$OPENSSL" ca "$@"
	[ -z "$dp" ] || rm -f "$cnf"
	run "$OPENSSL" crl -in "$dir/$base.crl" -outform DER -out "$dir/$base.crl.der"
}

case $cmd in
init) cmd_init "$@" ;;
issue) cmd_issue "$@" ;;
sign) cmd_sign "$@" ;;
revoke) cmd_revoke "$@" ;;
crl) cmd_crl "$@" ;;
*) usage ;;
esac
exit 0
