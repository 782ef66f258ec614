#!/bin/sh
# A local facility registers a patient's consent with ITI-41 (gateway/consent_submit.h): the
# DocumentEntry's formatCode is urn:hashi:consent:1 and the document is the attached CMS
# signed with the patient's JPKI card (tests/pki/jpki.sh look-alike).
#   1. a good consent: RegistryResponse Success; `hashictl consent list` has it; the document
#      is in the registry too;
#   2. a consent signed by someone else: Failure with urn:hashi:error:ConsentInvalid at the
#      document, the reason (name differs); no consent stored, nothing of the submission in
#      the registry;
#   3. a consent sent where no JPKI trust is configured: Failure, ConsentInvalid.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

mk_tmp
mk_pki okayama-gw okayama-ehr
T=$HASHI_TMP
J=$T/jpki
JPKI="sh $HASHI_ROOT/tests/pki/jpki.sh $J"
$JPKI init >/dev/null 2>&1 || die "jpki.sh init failed"
$JPKI issue yamada >/dev/null 2>&1 || die "jpki.sh issue yamada failed"
$JPKI issue jiro name='山田　次郎' >/dev/null 2>&1 || die "jpki.sh issue jiro failed"
PO=$(free_port) || die "no free port"
write_config okayama-gw "$PO" okayama local=okayama-ehr consent.jpki_roots="$J/roots.pem" \
    consent.policy_oid=1.2.392.200149.8.5.1.0.20
CONF=$(config_of okayama-gw)
AA=$R_AA
P1="P0001^^^&$AA&ISO"
cat >"$T/patients.csv" <<EOF2
pid,family,given,family_kana,given_kana,birth,sex,postal,address
P0001,山田,太郎,ヤマダ,タロウ,19801231,M,204-0011,東京都清瀬市上清戸二丁目１番１－１０１号
EOF2
check "mpi import" hashictl "$CONF" mpi import "$T/patients.csv"
start_hashid okayama-gw "$CONF" okayama-ehr || die "okayama-gw did not start"
XDS=https://127.0.0.1:$PO/xds

# consent_doc FILE: a grant for P0001 to shimane, clinical.
consent_doc() {
	cat >"$1" <<EOF2
<?xml version="1.0" encoding="UTF-8"?>
<consent xmlns="urn:hashi:consent:1">
  <issued>2024-04-01T09:30:00+09:00</issued>
  <patient><id>P0001</id><assigningAuthority>$AA</assigningAuthority></patient>
  <grant>
    <regions><community>urn:oid:1.2.392.200119.6.1002</community></regions>
    <purposes><purpose>clinical</purpose></purposes>
    <validity><from>2024-04-01</from></validity>
  </grant>
</consent>
EOF2
}
# pnr CMS OUT N: an ITI-41 carrying CMS as a consent document (formatCode urn:hashi:consent:1).
pnr() {
	soap_fill "$SOAP/iti41-pnr-inline.xml" "$OUT_TMP" PATIENT_ID="$P1" DOC_UID="1.2.3.99.$3" \
	    SS_UID="1.2.3.98.$3" SOURCE_ID=1.2.3.97 TITLE=同意書 CREATION_TIME=20240401000000 \
	    SUBMISSION_TIME=20240401000000 DOCUMENT_B64="$(base64 -w0 "$1")" TO="$XDS"
	sed 's|nodeRepresentation="urn:ihe:iti:xds:2017:mimeTypeSufficient"|nodeRepresentation="urn:hashi:consent:1"|' \
	    "$OUT_TMP" >"$2"
}
OUT_TMP=$T/pnr.tmp
docs() {
	hashictl "$CONF" registry stats 2>/dev/null | awk '/^documents:/ { print $2 }'
}
D0=$(docs)

# ---------------------------------------------------------------- 1. a good consent
consent_doc "$T/c1.xml"
$JPKI sign yamada "$T/c1.xml" "$T/c1.p7m" attached >/dev/null 2>&1 || die "jpki.sh sign failed"
pnr "$T/c1.p7m" "$T/pnr1.xml" 1
grep -q 'urn:hashi:consent:1' "$T/pnr1.xml" || die "test bug: formatCode not set"
if fl_post "$XDS" okayama-ehr "$A_PNR" "$T/pnr1.xml" "$T/r1.xml" "ITI-41 with a consent signed by the patient"; then
	is "$(fl_status "$T/r1.xml")" Success "a good consent: Success"
fi
out=$(hashictl "$CONF" consent list "$P1" 2>&1)
like "$out" "^[0-9a-f]{64} valid +grant" "consent list: the consent is registered, valid"
like "$out" "^1 consent\\(s\\)\$" "consent list: exactly one"
is "$(docs)" "$((D0 + 1))" "the consent document is in the registry too"

# ---------------------------------------------------------------- 2. someone else's card
consent_doc "$T/c2.xml"
printf '<!-- 2 -->\n' >>"$T/c2.xml"
$JPKI sign jiro "$T/c2.xml" "$T/c2.p7m" attached >/dev/null 2>&1 || die "jpki.sh sign jiro failed"
pnr "$T/c2.p7m" "$T/pnr2.xml" 2
if fl_post "$XDS" okayama-ehr "$A_PNR" "$T/pnr2.xml" "$T/r2.xml" "ITI-41 with a consent signed by another person"; then
	is "$(fl_status "$T/r2.xml")" Failure "another person's signature: Failure"
	is "$(fl_error_codes "$T/r2.xml")" "urn:hashi:error:ConsentInvalid" "... with ConsentInvalid only"
	like "$(fl_errors "$T/r2.xml")" "name differs" "... saying the name differs"
fi
like "$(hashictl "$CONF" consent list "$P1" 2>&1)" "^1 consent\\(s\\)\$" "no second consent stored"
is "$(docs)" "$((D0 + 1))" "nothing of the refused submission in the registry"

# ---------------------------------------------------------------- 3. no JPKI trust here
stop_hashid okayama-gw
sed '/jpki_roots:/d' "$CONF" >"$T/noroots.yaml"
chmod 600 "$T/noroots.yaml"
start_hashid okayama-gw "$T/noroots.yaml" okayama-ehr || die "okayama-gw did not restart"
consent_doc "$T/c3.xml"
printf '<!-- 3 -->\n' >>"$T/c3.xml"
$JPKI sign yamada "$T/c3.xml" "$T/c3.p7m" attached >/dev/null 2>&1 || die "jpki.sh sign failed"
pnr "$T/c3.p7m" "$T/pnr3.xml" 3
if fl_post "$XDS" okayama-ehr "$A_PNR" "$T/pnr3.xml" "$T/r3.xml" "ITI-41 with a consent where no JPKI roots are configured"; then
	is "$(fl_status "$T/r3.xml"):$(fl_error_codes "$T/r3.xml")" "Failure:urn:hashi:error:ConsentInvalid" \
	    "no JPKI trust: Failure, ConsentInvalid"
fi
is "$(docs)" "$((D0 + 1))" "nothing of it in the registry"
done_testing
