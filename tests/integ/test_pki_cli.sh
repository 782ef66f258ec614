#!/bin/sh
# hashictl pki, as an operator uses it to join a network:
#   pki key: the key is EC P-256, mode 0600 whatever the umask, never replaced without
#   --force (the old bytes stay, no temporary file is left behind), replaced with it.
#   pki csr: the request verifies (`openssl req -verify`), carries the subject and SANs
#   asked for, or the default subject from the configuration (C=JP, O=<community.name>,
#   CN=<host>-gw; for --for vpn the configuration's vpn.identity).
#   pki show: on a certificate a throwaway CA issued from that request (`openssl x509
#   -req`) it prints openssl's SHA-256 fingerprint and RFC 2253 subject; pasted into
#   hashid.yaml as a peer's sha256 and a local system's subject + sha256, `hashid -n`
#   accepts them (a one-digit change is refused) and a running hashid admits a client
#   with that certificate - with a non-ASCII organisation, whose RFC 2253 form has \XX
#   escapes; the vpn identity line, pasted as a peer's vpn.identity, is accepted too.
#   Errors name the file: missing or unreadable key, wrong key type, encrypted key, bad DN,
#   DN in RFC 2253 order, bad SAN, no configuration for the default subject, not a
#   certificate; expired and not-yet-valid certificates get a warning.
. "$(dirname "$0")/lib.sh"

for tool in openssl curl xmllint; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
[ -x "$HASHICTL" ] || die "$HASHICTL is not built"
[ -x "$HASHID" ] || die "$HASHID is not built"
mk_tmp
T=$HASHI_TMP
W=$T/work
mkdir -p "$W"

# pki NAME ARG...: runs hashictl ARG..., stdout to $T/NAME.out, stderr to $T/NAME.err; sets RC.
pki() {
	_pk_name=$1
	shift
	RC=0
	"$HASHICTL" "$@" >"$T/$_pk_name.out" 2>"$T/$_pk_name.err" || RC=$?
}

# fails NAME ERE DESC ARG...: hashictl ARG... must exit non-zero with stderr matching ERE.
fails() {
	_fl_name=$1
	_fl_re=$2
	_fl_desc=$3
	shift 3
	pki "$_fl_name" "$@"
	if [ "$RC" -ne 0 ] && grep -Eq -- "$_fl_re" "$T/$_fl_name.err"; then
		ok "$_fl_desc"
	else
		not_ok "$_fl_desc"
		diag "exit $RC" "$(cat "$T/$_fl_name.err" "$T/$_fl_name.out")"
	fi
}

# show_field FILE LABEL: the value after "LABEL:" in pki show's output FILE.
show_field() {
	sed -n "s/^$2:[[:space:]]*//p" "$1" | head -n 1
}

# ---------------------------------------------------------------- pki key
KEY=$W/gw.key
RC=0
(umask 000 && "$HASHICTL" pki key -o "$KEY") >"$T/key.out" 2>"$T/key.err" || RC=$?
is "$RC" 0 "pki key -o FILE: exit 0 (under umask 000)"
is "$(stat -c %a "$KEY" 2>/dev/null)" 600 "... the key file is mode 0600"
like "$(openssl pkey -in "$KEY" -noout -text 2>&1)" 'NIST CURVE: P-256|ASN1 OID: prime256v1' \
    "... and an EC P-256 private key (openssl pkey)"
check "... which openssl reads as unencrypted PEM" openssl pkey -in "$KEY" -passin pass: -noout
SUM=$(sha256sum <"$KEY")
fails key-again "$KEY exists.*--force" "pki key on an existing file: refused, naming it" pki key -o "$KEY"
is "$(sha256sum <"$KEY")" "$SUM" "... and the key is unchanged"
is "$(ls -A "$W" | wc -l)" 1 "... and no temporary file is left beside it"
pki key-force pki key -o "$KEY" --force
is "$RC" 0 "pki key --force: exit 0"
[ "$(sha256sum <"$KEY")" != "$SUM" ] && ok "... the key was replaced" || not_ok "... the key was replaced"
is "$(stat -c %a "$KEY")" 600 "... still mode 0600"
fails key-nodir "$W/nodir/k.key" "pki key into a missing directory: error naming the path" \
    pki key -o "$W/nodir/k.key"
fails key-noarg "required" "pki key without -o: usage error" pki key --force

# ---------------------------------------------------------------- pki csr --subject --san
CSR=$W/gw.csr
pki csr pki csr --key "$KEY" --subject "C=JP, O=晴れやかネット, CN=okayama-gw" \
    --san DNS:okayama-gw.example.jp --san IP:127.0.0.1 --san IP:2001:db8::1 -o "$CSR"
is "$RC" 0 "pki csr --subject --san: exit 0"
like "$(openssl req -in "$CSR" -verify -noout 2>&1)" 'verify OK|verify ok' \
    "... openssl req -verify: the request's signature verifies"
check "... with the key's public key" sh -c "[ \"\$(openssl req -in '$CSR' -noout -pubkey)\" = \"\$(openssl pkey -in '$KEY' -pubout)\" ]"
is "$(openssl req -in "$CSR" -noout -subject -nameopt RFC2253,-esc_msb 2>&1)" \
    "subject=CN=okayama-gw,O=晴れやかネット,C=JP" "... the subject asked for (UTF-8 organisation)"
REQTXT=$(openssl req -in "$CSR" -noout -text 2>&1)
like "$REQTXT" 'DNS:okayama-gw.example.jp, IP Address:127.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1' \
    "... the SANs asked for"
like "$REQTXT" 'TLS Web Server Authentication, TLS Web Client Authentication' \
    "... and, for TLS, serverAuth + clientAuth requested"
fails csr-again "$CSR exists" "pki csr on an existing file: refused" \
    pki csr --key "$KEY" --subject "CN=x" -o "$CSR"

# ---------------------------------------------------------------- sign, show, paste
mk_pki okayama-gw
openssl x509 -req -in "$CSR" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 2 -copy_extensions copyall -out "$W/gw.crt" >"$T/sign.err" 2>&1 ||
    die "openssl x509 -req failed: $(cat "$T/sign.err")"
pki show pki show "$W/gw.crt"
is "$RC" 0 "pki show CERT: exit 0"
FPR_OSSL=$(openssl x509 -in "$W/gw.crt" -noout -fingerprint -sha256 | sed 's/^[^=]*=//')
is "$(show_field "$T/show.out" sha256)" "$FPR_OSSL" "... its sha256 is what openssl x509 -fingerprint -sha256 prints"
is "$(show_field "$T/show.out" subject)" \
    "$(openssl x509 -in "$W/gw.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
    "... its subject is openssl's RFC 2253 form (with \\XX escapes)"
like "$(show_field "$T/show.out" readable)" '^C=JP, O=晴れやかネット, CN=okayama-gw$' \
    "... and also printed legibly"
like "$(show_field "$T/show.out" issuer)" '^CN=Hashi Test CA,O=Hashi Test,C=JP$' "... the issuer"
like "$(show_field "$T/show.out" 'alt. names')" '^DNS:okayama-gw.example.jp, IP:127.0.0.1, IP:2001:db8::1$' "... the SANs"
like "$(show_field "$T/show.out" key)" '^EC P-256$' "... the key type"
like "$(show_field "$T/show.out" 'not after')" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC$' "... the validity"
like "$(cat "$T/show.out")" '^# not usable as a vpn.identity' "... and that a UTF-8 subject cannot be a vpn.identity"

# Paste the YAML lines pki show printed: sha256 into a peer, subject + sha256 into a local system.
SUBJ_LINE=$(grep "^    subject: '" "$T/show.out")
SHA_LINE=$(grep "^    sha256: '" "$T/show.out")
[ -n "$SUBJ_LINE" ] && [ -n "$SHA_LINE" ] || die "pki show printed no subject/sha256 lines"
PO=$(free_port) || die "no free port"
write_config okayama-gw "$PO" okayama
CONF=$(config_of okayama-gw)
# paste_config OUT [SHA_LINE]: CONF plus a local system (the pasted subject and sha256) and,
# with SHA_LINE, a peer identified by SHA_LINE alone.
paste_config() {
	(
		cat "$CONF"
		echo "local_systems:"
		echo "  - name: clinic-ehr"
		echo "$SUBJ_LINE"
		echo "$SHA_LINE"
		[ -n "${2:-}" ] || exit 0
		echo "peers:"
		echo "  - name: shimane"
		echo "    home_community_id: urn:oid:1.2.392.200119.6.1002"
		echo "    assigning_authority: 1.2.392.200119.6.1002.1"
		echo "$2"
		echo "    query_url: https://127.0.0.1:9/xca"
		echo "    retrieve_url: https://127.0.0.1:9/xca"
	) >"$1"
	chmod 600 "$1"
}
paste_config "$T/pasted.yaml" "$SHA_LINE"
RC=0
"$HASHID" -n -f "$T/pasted.yaml" >"$T/n.out" 2>"$T/n.err" || RC=$?
is "$RC" 0 "hashid -n accepts the pasted subject and sha256 lines"
BAD_SHA=$(printf '%s\n' "$SHA_LINE" | sed "s/'\(.\)/'\1\1/")
paste_config "$T/pasted-bad.yaml" "$BAD_SHA"
RC=0
"$HASHID" -n -f "$T/pasted-bad.yaml" >"$T/nbad.out" 2>"$T/nbad.err" || RC=$?
like "$RC:$(cat "$T/nbad.err")" '^1:.*pasted-bad.yaml:[0-9]+:[0-9]+: .*sha256' \
    "... and refuses it with one hex digit too many, at its line"

# A running hashid admits the certificate as that local system (both criteria must match;
# without the peer, which would make the certificate ambiguous).
cp "$W/gw.crt" "$PKI/clinic-ehr.crt"
cp "$KEY" "$PKI/clinic-ehr.key"
paste_config "$T/pasted-local.yaml"
if start_hashid okayama-gw "$T/pasted-local.yaml" clinic-ehr; then
	soap_fill "$SOAP/iti18-find-documents.xml" "$T/q.xml" \
	    PATIENT_ID='P0001^^^&1.2.392.200119.6.1001.1&ISO'
	code=$(soap_post "https://127.0.0.1:$PO/xds" clinic-ehr \
	    urn:ihe:iti:2007:RegistryStoredQuery "$T/q.xml" "$T/r.xml")
	is "$code" 200 "hashid admits the certificate as the pasted local system (ITI-18 200, not 403)"
	code=$(soap_post "https://127.0.0.1:$PO/xds" unknown \
	    urn:ihe:iti:2007:RegistryStoredQuery "$T/q.xml" "$T/r2.xml")
	is "$code" 403 "... while another certificate of the same CA gets 403"
	stop_hashid okayama-gw
fi

# ---------------------------------------------------------------- default subjects
HOST=$(uname -n | cut -d. -f1 | tr 'A-Z' 'a-z')
pki csr-default -f "$CONF" pki csr --key "$KEY" -o "$W/default.csr"
is "$RC" 0 "pki csr without --subject: exit 0"
is "$(openssl req -in "$W/default.csr" -noout -subject -nameopt RFC2253,-esc_msb)" \
    "subject=CN=$HOST-gw,O=晴れやかネット,C=JP" \
    "... subject C=JP, O=<community.name>, CN=<host>-gw"
fails csr-vpn-utf8 'cannot be a VPN identity.*vpn.identity' \
    "pki csr --for vpn with a UTF-8 community name and no vpn.identity: refused, with what to do" \
    -f "$CONF" pki csr --key "$KEY" --for vpn -o "$W/v0.csr"
{
	cat "$CONF"
	echo "vpn:"
	echo "  address: 192.0.2.1"
	echo '  identity: "C=JP, O=Hareyaka-net, CN=okayama-vpn"'
	echo "  purposes:"
	echo "    - {name: clinical, inner_address: 10.1.1.1}"
} >"$T/vpn.yaml"
chmod 600 "$T/vpn.yaml"
pki csr-vpn -f "$T/vpn.yaml" pki csr --key "$KEY" --for vpn -o "$W/vpn.csr"
is "$RC" 0 "pki csr --for vpn: exit 0"
is "$(openssl req -in "$W/vpn.csr" -noout -subject -nameopt oneline,-space_eq)" \
    "subject=C=JP, O=Hareyaka-net, CN=okayama-vpn" "... its subject is the configuration's vpn.identity"
openssl x509 -req -in "$W/vpn.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 2 -copy_extensions copyall -out "$W/vpn.crt" >"$T/sign2.err" 2>&1 ||
    die "openssl x509 -req failed: $(cat "$T/sign2.err")"
pki show-vpn pki show "$W/vpn.crt"
ID_LINE=$(grep "^      identity: '" "$T/show-vpn.out")
is "$ID_LINE" "      identity: 'C=JP, O=Hareyaka-net, CN=okayama-vpn'" \
    "pki show prints the identity line for a peer's vpn: mapping"
{
	cat "$T/vpn.yaml"
	echo "peers:"
	echo "  - name: okayama-twin"
	echo "    home_community_id: urn:oid:1.2.392.200119.6.1002"
	echo "    assigning_authority: 1.2.392.200119.6.1002.1"
	grep "^    sha256: '" "$T/show-vpn.out"
	echo "    query_url: https://10.2.1.1:8443/xca"
	echo "    retrieve_url: https://10.2.1.1:8443/xca"
	echo "    vpn:"
	echo "      address: 192.0.2.2"
	echo "$ID_LINE"
	echo "      inner_address: 10.2.1.1"
} >"$T/vpn-peer.yaml"
chmod 600 "$T/vpn-peer.yaml"
check "... which hashid -n accepts as peers[].vpn.identity" "$HASHID" -n -f "$T/vpn-peer.yaml"

# ---------------------------------------------------------------- errors
fails err-nokey "cannot read key $W/none.key" "missing key: error naming it" \
    pki csr --key "$W/none.key" --subject "CN=x" -o "$W/e.csr"
fails err-dirkey "$W: not a key file" "a directory as key: error naming it" \
    pki csr --key "$W" --subject "CN=x" -o "$W/e.csr"
fails err-certkey "$W/gw.crt: not an unencrypted PEM private key" "a certificate as key: error naming it" \
    pki csr --key "$W/gw.crt" --subject "CN=x" -o "$W/e.csr"
openssl genpkey -algorithm ed25519 -out "$W/ed.key" 2>/dev/null
fails err-ed25519 "$W/ed.key: wrong key type \\(ED25519" "an Ed25519 key: wrong key type, naming the file" \
    pki csr --key "$W/ed.key" --subject "CN=x" -o "$W/e.csr"
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:secp521r1 -out "$W/p521.key" 2>/dev/null
fails err-p521 "$W/p521.key: EC key on curve secp521r1" "an EC P-521 key: refused, naming the curve" \
    pki csr --key "$W/p521.key" --subject "CN=x" -o "$W/e.csr"
openssl pkey -in "$KEY" -aes128 -passout pass:secret -out "$W/enc.key" 2>/dev/null
fails err-enc "$W/enc.key: not an unencrypted PEM private key" "an encrypted key: refused without a prompt" \
    pki csr --key "$W/enc.key" --subject "CN=x" -o "$W/e.csr" </dev/null
fails err-dn1 'bad DN syntax: unknown attribute type "XX"' "DN with an unknown attribute type" \
    pki csr --key "$KEY" --subject "C=JP, XX=1" -o "$W/e.csr"
fails err-dn2 'bad DN syntax at "O": expected TYPE=VALUE' "DN with an attribute without '='" \
    pki csr --key "$KEY" --subject "C=JP, O" -o "$W/e.csr"
fails err-dn3 'value "JPN" of C' "DN with a three-letter country" \
    pki csr --key "$KEY" --subject "C=JPN, CN=x" -o "$W/e.csr"
fails err-dn4 'RFC 2253 order' "DN in RFC 2253 order (CN first): refused with the hint" \
    pki csr --key "$KEY" --subject "CN=x,O=y,C=JP" -o "$W/e.csr"
fails err-san1 'bad --san "DNS:-x"' "a bad DNS SAN" \
    pki csr --key "$KEY" --subject "CN=x" --san DNS:-x -o "$W/e.csr"
fails err-san2 'bad --san "IP:10.1.1"' "a bad IP SAN" \
    pki csr --key "$KEY" --subject "CN=x" --san IP:10.1.1 -o "$W/e.csr"
fails err-san3 'bad --san "URI:x"' "a SAN of another kind" \
    pki csr --key "$KEY" --subject "CN=x" --san URI:x -o "$W/e.csr"
fails err-for 'bad argument --for' "--for with something else than tls or vpn" \
    pki csr --key "$KEY" --subject "CN=x" --for ipsec -o "$W/e.csr"
fails err-noconf "default subject needs the configuration $T/none.yaml" \
    "no --subject and no configuration: says what is missing" \
    -f "$T/none.yaml" pki csr --key "$KEY" -o "$W/e.csr"
[ ! -e "$W/e.csr" ] && ok "... and no failed csr wrote a file" || not_ok "... and no failed csr wrote a file"
fails err-show1 "$KEY: not a certificate" "pki show on a key: error naming it" pki show "$KEY"
fails err-show2 "cannot read $W/none.crt" "pki show on a missing file: error naming it" pki show "$W/none.crt"

# Certificates out of their validity: openssl ca sets the dates that openssl x509 cannot.
mkdir -p "$T/ca/new"
: >"$T/ca/index.txt"
cat >"$T/ca/ca.cnf" <<EOF
[ ca ]
default_ca = test
[ test ]
database = $T/ca/index.txt
new_certs_dir = $T/ca/new
serial = $T/ca/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[ any ]
commonName = supplied
EOF
echo 01 >"$T/ca/serial"
openssl ca -batch -config "$T/ca/ca.cnf" -cert "$PKI/ca.crt" -keyfile "$PKI/ca.key" \
    -in "$CSR" -startdate 20200101000000Z -enddate 20200102000000Z -out "$W/old.crt" \
    >"$T/ca.log" 2>&1 || die "openssl ca failed: $(cat "$T/ca.log")"
openssl ca -batch -config "$T/ca/ca.cnf" -cert "$PKI/ca.crt" -keyfile "$PKI/ca.key" \
    -in "$CSR" -startdate 20990101000000Z -enddate 20990102000000Z -out "$W/future.crt" \
    >"$T/ca.log" 2>&1 || die "openssl ca failed: $(cat "$T/ca.log")"
pki show-old pki show "$W/old.crt"
like "$RC:$(cat "$T/show-old.err")" "^0:.*warning: $W/old.crt has expired" "pki show warns about an expired certificate (and still shows it)"
pki show-future pki show "$W/future.crt"
like "$(cat "$T/show-future.err")" "warning: $W/future.crt is not yet valid" "pki show warns about a certificate not yet valid"
pki show-ca pki show "$PKI/ca.crt"
like "$(cat "$T/show-ca.err")" "warning: $PKI/ca.crt is a CA certificate" "pki show warns about a CA certificate"
openssl req -x509 -new -key "$KEY" -subj "/CN=signer" -days 2 -addext "keyUsage=critical,keyCertSign" \
    -addext "extendedKeyUsage=emailProtection" -out "$W/ku.crt" 2>/dev/null
pki show-ku pki show "$W/ku.crt"
like "$(cat "$T/show-ku.err")" "$W/ku.crt: key usage lacks digitalSignature" "pki show warns about a key usage without digitalSignature"
like "$(cat "$T/show-ku.err")" "$W/ku.crt: extended key usage lacks serverAuth or clientAuth" "... and about an extended key usage without serverAuth/clientAuth"
pki show-good pki show "$W/gw.crt"
if grep -Eq 'expired|not yet valid|lacks|CA certificate' "$T/show-good.err"; then
	not_ok "no such warning for the gateway's own certificate"
	diag "$(cat "$T/show-good.err")"
else
	ok "no such warning for the gateway's own certificate"
fi

done_testing
