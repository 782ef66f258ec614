#!/bin/sh
# tests/integ/test_consent_cli.sh: `hashictl consent ...` with the real binary, no daemon.
# A JPKI look-alike PKI (tests/pki/jpki.sh), two MPI patients whose demographics are their
# certificates' basic four items, consent documents signed detached and attached:
#   1. add detached: id printed (= SHA-256 of the signature), exit 0; list and show it; the
#      fingerprint shown is the certificate's; the same signature again is refused;
#   2. add attached (another patient); an edited document is refused (signature); another
#      person's certificate is refused (name differs); the production policy refuses a test
#      card; no consent.jpki_roots is an error naming the key;
#   3. keyCompromise + `consent crl add`: 1 voided, show says void; affiliationChanged after
#      verification: 0 voided, stays valid; a CRL of an unconfigured root is refused;
#   4. `consent void`: operator void with the reason shown.
set -u
. "$(dirname "$0")/lib.sh"

for tool in openssl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
mk_tmp
mk_pki okayama-gw
T=$HASHI_TMP
J=$T/jpki
JPKI="sh $HASHI_ROOT/tests/pki/jpki.sh $J"
TEST_OID=1.2.392.200149.8.5.1.0.20

$JPKI init || die "jpki.sh init failed"
$JPKI issue yamada || die "jpki.sh issue yamada failed"
ADDR2='岡山県岡山市北区大供一丁目１番１号'
$JPKI issue suzuki name='鈴木　花子' sex=2 birth=319750505 addr="$ADDR2" ||
    die "jpki.sh issue suzuki failed"
$JPKI issue jiro name='山田　次郎' || die "jpki.sh issue jiro failed"

write_config okayama-gw "$(free_port)" okayama consent.jpki_roots="$J/roots.pem" \
    consent.policy_oid=$TEST_OID
CONF=$(config_of okayama-gw)
AA=$R_AA
P1="P0001^^^&$AA&ISO"
P2="P0002^^^&$AA&ISO"

cat >"$T/patients.csv" <<EOF
pid,family,given,family_kana,given_kana,birth,sex,postal,address
P0001,山田,太郎,ヤマダ,タロウ,19801231,M,204-0011,東京都清瀬市上清戸二丁目１番１－１０１号
P0002,鈴木,花子,スズキ,ハナコ,19750505,F,700-0913,$ADDR2
EOF
check "mpi import of the two patients" hashictl "$CONF" mpi import "$T/patients.csv"

# consent PID FILE: a grant for PID (bare id) to shimane, clinical.
consent() {
	cat >"$2" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<consent xmlns="urn:hashi:consent:1">
  <issued>2024-04-01T09:30:00+09:00</issued>
  <patient>
    <id>$1</id>
    <assigningAuthority>$AA</assigningAuthority>
  </patient>
  <grant>
    <regions>
      <community>urn:oid:1.2.392.200119.6.1002</community>
    </regions>
    <purposes>
      <purpose>clinical</purpose>
    </purposes>
    <validity>
      <from>2024-04-01</from>
    </validity>
  </grant>
</consent>
EOF
}

# ---------------------------------------------------------------- 1. detached
consent P0001 "$T/c1.xml"
$JPKI sign yamada "$T/c1.xml" "$T/c1.p7s" || die "jpki.sh sign failed"
ID1=$(openssl dgst -sha256 -r "$T/c1.p7s" | cut -d' ' -f1)
out=$(hashictl "$CONF" consent add "$T/c1.xml" "$T/c1.p7s" 2>&1)
is "$?" 0 "consent add (detached) exits 0"
like "$out" "^$ID1 registered: grant for P0001\\^\\^\\^&$AA&ISO\$" \
    "consent add prints the id (SHA-256 of the signature) and the patient"
out=$(hashictl "$CONF" consent list "$P1" 2>&1)
like "$out" "^$ID1 valid +grant +issued 2024-04-01T00:30:00Z P0001" "consent list PATIENT shows it, valid"
like "$out" "^1 consent\\(s\\)\$" "consent list PATIENT counts 1"
out=$(hashictl "$CONF" consent show "$ID1" 2>&1)
like "$out" "signer sha256: $(cat "$J/yamada.sha256")\$" "consent show: the signer's fingerprint is the certificate's"
like "$out" "signer serial: $(cat "$J/yamada.serial")\$" "consent show: the signer's serial"
like "$out" "status: +valid" "consent show: valid"
like "$out" "verified at: +20[0-9-]+T" "consent show: verification time"
like "$out" "region: +urn:oid:1.2.392.200119.6.1002" "consent show: the grant's region"
out=$(hashictl "$CONF" consent add "$T/c1.xml" "$T/c1.p7s" 2>&1)
is "$?" 1 "the same signature again exits 1"
like "$out" "refused: .*already registered" "the same signature again: already registered"

# ---------------------------------------------------------------- 2. attached, refusals
consent P0002 "$T/c2.xml"
$JPKI sign suzuki "$T/c2.xml" "$T/c2.p7m" attached || die "jpki.sh sign attached failed"
out=$(hashictl "$CONF" consent add "$T/c2.p7m" 2>&1)
is "$?" 0 "consent add (attached) exits 0"
ID2=$(printf '%s\n' "$out" | sed -n 's/^\([0-9a-f]\{64\}\) registered: .*/\1/p')
like "$out" "registered: grant for P0002" "attached: registered for P0002"

sed 's/clinical/research/' "$T/c1.xml" >"$T/c1-edited.xml"
out=$(hashictl "$CONF" consent add "$T/c1-edited.xml" "$T/c1.p7s" 2>&1)
is "$?" 1 "a document edited after signing exits 1"
like "$out" "refused: .*signature" "a document edited after signing: the reason names the signature"

consent P0001 "$T/c3.xml"
printf '<!-- signed by someone else -->\n' >>"$T/c3.xml"
$JPKI sign jiro "$T/c3.xml" "$T/c3.p7s" || die "jpki.sh sign jiro failed"
out=$(hashictl "$CONF" consent add "$T/c3.xml" "$T/c3.p7s" 2>&1)
is "$?" 1 "another person's certificate exits 1"
like "$out" "refused: .*name differs" "another person's certificate: name differs"

write_config prod "$(free_port)" okayama consent.jpki_roots="$J/roots.pem"
out=$(hashictl "$(config_of prod)" consent add "$T/c3.xml" "$T/c3.p7s" 2>&1)
is "$?" 1 "the production policy (default consent.policy_oid) refuses a test card"
like "$out" "refused: .*signature" "production policy: refused as a signature problem"

write_config noroots "$(free_port)" okayama
out=$(hashictl "$(config_of noroots)" consent add "$T/c1.xml" "$T/c1.p7s" 2>&1)
is "$?" 1 "no consent.jpki_roots: consent add exits 1"
like "$out" "consent\\.jpki_roots is not set" "no consent.jpki_roots: the error names the key"
out=$(hashictl "$(config_of noroots)" consent crl add "$J/root1.crl" 2>&1)
is "$?" 1 "no consent.jpki_roots: consent crl add exits 1"

# ---------------------------------------------------------------- 3. CRLs
$JPKI revoke yamada keyCompromise || die "jpki.sh revoke failed"
$JPKI crl root1 || die "jpki.sh crl failed"
out=$(hashictl "$CONF" consent crl add "$J/root1.crl" 2>&1)
is "$?" 0 "consent crl add exits 0"
like "$out" "^1 consent\\(s\\) voided\$" "keyCompromise: 1 consent voided"
mode=$(stat -c %a "$T/okayama-gw.state/policy/crl")
is "$mode" 700 "the CRL directory is 0700"
mode=$(stat -c %a "$T/okayama-gw.state/policy/crl/"*.crl)
is "$mode" 600 "the kept CRL is 0600"
out=$(hashictl "$CONF" consent show "$ID1" 2>&1)
like "$out" "status: +void" "the revoked signer's consent is void"
like "$out" "void reason: certificate revoked: keyCompromise" "the void reason names keyCompromise"

sleep 1	# a newer thisUpdate, so that the second CRL replaces the first
$JPKI revoke suzuki affiliationChanged || die "jpki.sh revoke suzuki failed"
$JPKI crl root1 out=second || die "jpki.sh crl (second) failed"
out=$(hashictl "$CONF" consent crl add "$J/second.crl.der" 2>&1)
is "$?" 0 "consent crl add (DER, second) exits 0"
like "$out" "^0 consent\\(s\\) voided\$" "affiliationChanged after verification: nothing voided"
out=$(hashictl "$CONF" consent show "$ID2" 2>&1)
like "$out" "status: +valid" "affiliationChanged after verification: the consent stays valid"
n=$(ls "$T/okayama-gw.state/policy/crl" | wc -l)
is "$n" 2 "both CRLs are kept"

# a CRL of a root that is not configured is refused and not kept
$JPKI issue other ca=rogue 2>/dev/null
$JPKI crl rogue || die "jpki.sh crl rogue failed"
out=$(hashictl "$CONF" consent crl add "$J/rogue.crl" 2>&1)
is "$?" 1 "a CRL of an unconfigured root exits 1"
like "$out" "consent\\.jpki_roots" "a CRL of an unconfigured root: says so"
n=$(ls "$T/okayama-gw.state/policy/crl" | wc -l)
is "$n" 2 "the rogue CRL is not kept"

# registration still works with the kept CRLs loaded (and a revoked signer is refused)
consent P0001 "$T/c4.xml"
printf '<!-- signed after the revocation -->\n' >>"$T/c4.xml"
$JPKI sign yamada "$T/c4.xml" "$T/c4.p7s" || die "jpki.sh sign (c4) failed"
out=$(hashictl "$CONF" consent add "$T/c4.xml" "$T/c4.p7s" 2>&1)
is "$?" 1 "a signer revoked in a kept CRL cannot register a new consent"
like "$out" "refused: .*revoked" "the kept CRLs are loaded: the reason says revoked"

# ---------------------------------------------------------------- 4. operator void
out=$(hashictl "$CONF" consent void "$ID2" "registered for the wrong visit" 2>&1)
is "$?" 0 "consent void exits 0"
out=$(hashictl "$CONF" consent show "$ID2" 2>&1)
like "$out" "void reason: operator: registered for the wrong visit" "consent void: the reason is shown"
out=$(hashictl "$CONF" consent list 2>&1)
like "$out" "^2 consent\\(s\\)\$" "consent list (all) counts 2"
out=$(hashictl "$CONF" consent show 00 2>&1)
is "$?" 1 "consent show of a malformed id exits 1"

done_testing
