#!/bin/sh
# The remote registry backend (registry.backend: remote). Region A (okayama) keeps no
# registry of its own: it forwards to "the region's existing XDS.b registry and repository",
# played here by a second hashid (B: embedded registry, okayama's patients, a home and a
# repository id of its own) reached at its /xds endpoint with A's gateway certificate (a
# local system of B). Data is imported into B.
# As A's peer (shimane-gw): ITI-38 FindDocuments/GetDocuments return B's objects with
# home = A's HCID; the XCA home rules are answered by A without asking B; ITI-39 returns the
# bytes unchanged with HomeCommunityId = A's HCID, mixed and homeless requests as the
# embedded backend answers them, B's own RegistryErrors passed through. As A's local system:
# ITI-41 (inline and MTOM) through A's /xds lands in B, ITI-18 and ITI-43 through A find and
# return it, B's rejection comes back as B's RegistryError. B stopped, hung (TLS up, no
# answer), impersonated by a server of another CA, or answering a SOAP fault, garbage, another
# request's response or HTTP 403: Failure with XDSRegistryError / XDSRepositoryError saying
# why, promptly or at timeouts.request; B's text never reaches A's answer or log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw okayama-ehr xdsb-reg xdsb-admin
PA=$(free_port) || die "no free port"
PB=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
region_info shimane
S_HCID=$R_HCID
region_info okayama
A_HCID=$R_HCID
A_AA=$R_AA
# B serves okayama's patients (same assigning authority) but has a home and a repository id
# of its own, so that A's rewriting of them is visible.
B_HCID=$A_HCID.900
B_REPO=$A_AA.900.2

# ---------------------------------------------------------------- B: the "existing" registry
sh "$DATA/gen_demo_data.sh" "$T/data" okayama 3 >/dev/null 2>&1 || die "gen_demo_data.sh failed"
write_config xdsb-reg "$PB" okayama local=okayama-gw local=xdsb-admin
CB=$(config_of xdsb-reg)
sed -e "s|^  home_community_id: $A_HCID\$|  home_community_id: $B_HCID|" \
    -e "s|^  repository_unique_id: .*|  repository_unique_id: $B_REPO|" "$CB" >"$CB.new" &&
    mv "$CB.new" "$CB" && chmod 600 "$CB"
grep -q "home_community_id: $B_HCID\$" "$CB" && grep -q "repository_unique_id: $B_REPO\$" "$CB" ||
    die "test bug: could not give B its own home and repository id"
check "registry import into B (the region's XDS.b registry)" hashictl "$CB" registry import "$T/data"
# debug logging on B: its log then says which transactions reached it
HASHI_VERBOSE=1
start_hashid xdsb-reg "$CB" xdsb-admin || die "B did not start"
HASHI_VERBOSE=0
B_XDS=https://127.0.0.1:$PB/xds

# ---------------------------------------------------------------- A: backend remote
write_config okayama-gw "$PA" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PS" \
    registry.backend=remote timeouts.request=3s
CA=$(config_of okayama-gw)
# write_config has no nested keys: registry.remote goes right after registry.backend
awk -v u="$B_XDS" '{ print } $0 == "  backend: remote" {
	print "  remote:"; print "    registry_url: " u; print "    repository_url: " u }' \
    "$CA" >"$CA.new" && mv "$CA.new" "$CA" && chmod 600 "$CA"
check "hashid -n accepts A's configuration with backend remote" "$HASHID" -n -f "$CA"
start_hashid okayama-gw "$CA" okayama-ehr || die "A did not start"
ok "A (okayama, backend remote, port $PA) and B (embedded, port $PB) started"
XCA=https://127.0.0.1:$PA/xca
XDS=https://127.0.0.1:$PA/xds

# b_calls TXN: how many TXN requests from A's gateway certificate B has logged so far.
b_calls() {
	grep -c "/xds: $1 from okayama-gw" "$T/xdsb-reg.log"
}



# msgid FILE: the wsa:MessageID of request FILE.
msgid() {
	xpath "$1" "normalize-space(//$(fl_l MessageID))"
}

# relates FILE: the wsa:RelatesTo of response FILE.
relates() {
	xpath "$1" "normalize-space(//$(fl_l Header)/$(fl_l RelatesTo))"
}

OPID="P0001^^^&$A_AA&ISO"
awk -F '\t' '$1 == "P0001" { print $2 "\t" $7 }' "$T/data/documents.tsv" | sort >"$T/p0001.tsv"
N_P0001=$(wc -l <"$T/p0001.tsv" | tr -d ' ')
[ "$N_P0001" -ge 2 ] || die "test bug: P0001 has fewer than 2 documents ($N_P0001)"
UID1=$(sed -n 1p "$T/p0001.tsv" | cut -f1)
FILE1=$T/data/$(sed -n 1p "$T/p0001.tsv" | cut -f2)
UID2=$(sed -n 2p "$T/p0001.tsv" | cut -f1)
FILE2=$T/data/$(sed -n 2p "$T/p0001.tsv" | cut -f2)

# ================================================================ ITI-38 through A's /xca
soap_fill "$FLOW/sq-find-documents.xml" "$T/q1.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass PATIENT_ID="$OPID" TO="$XCA"
B18=$(b_calls ITI-18)
if fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q1.xml" "$T/r1.xml" "ITI-38 FindDocuments P0001 via A"; then
	fl_valid "$T/r1.xml" "ITI-38 FindDocuments via A"
	is "$(fl_status "$T/r1.xml")" Success "ITI-38 FindDocuments: status Success"
	is "$(fl_wsa_action "$T/r1.xml")" urn:ihe:iti:2007:CrossGatewayQueryResponse "ITI-38: response wsa:Action"
	is "$(relates "$T/r1.xml")" "$(msgid "$T/q1.xml")" "ITI-38: RelatesTo is the request's MessageID"
	is "$(fl_uids "$T/r1.xml" | tr '\n' ' ')" "$(cut -f1 "$T/p0001.tsv" | tr '\n' ' ')" \
	    "ITI-38: exactly the $N_P0001 documents B holds for P0001"
	is "$(xpath "$T/r1.xml" "count(${FL_EO}[@home='$A_HCID'])")" "$N_P0001" \
	    "ITI-38: every ExtrinsicObject has home = A's HCID"
	is "$(xpath "$T/r1.xml" "count($FL_RP[not(@home='$A_HCID')])")" 0 \
	    "ITI-38: every RegistryPackage has home = A's HCID"
	is "$(xpath "$T/r1.xml" "count(${FL_EO}[$(fl_slot repositoryUniqueId)='$B_REPO'])")" "$N_P0001" \
	    "ITI-38: repositoryUniqueId is B's repository, passed through"
fi
is "$(b_calls ITI-18)" "$((B18 + 1))" "ITI-38 reached B as one ITI-18"

# B itself says home = its own HCID: A's stamping is what makes them A's
soap_fill "$FLOW/sq-find-documents.xml" "$T/q1b.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass PATIENT_ID="$OPID" TO="$B_XDS"
if fl_post "$B_XDS" xdsb-admin "$A_SQ" "$T/q1b.xml" "$T/r1b.xml" "ITI-18 FindDocuments P0001 directly at B"; then
	is "$(xpath "$T/r1b.xml" "count(${FL_EO}[@home='$B_HCID'])")" "$N_P0001" \
	    "B alone answers with its own home (so A did restamp)"
fi

soap_fill "$FLOW/sq-find-documents.xml" "$T/q2.xml" ACTION="$A_XGQ" RETURN_TYPE=ObjectRef PATIENT_ID="$OPID" TO="$XCA"
if fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q2.xml" "$T/r2.xml" "ITI-38 FindDocuments ObjectRef via A"; then
	fl_valid "$T/r2.xml" "ITI-38 ObjectRef via A"
	is "$(xpath "$T/r2.xml" "count(${FL_OREF}[@home='$A_HCID'])"):$(xpath "$T/r2.xml" "count($FL_OREF)")" \
	    "$N_P0001:$N_P0001" "ITI-38 ObjectRef: every ObjectRef has home = A's HCID"
fi

# ---------------------------------------------------------------- XCA home rules, answered by A
B18=$(b_calls ITI-18)
soap_fill "$FLOW/sq-get-documents.xml" "$T/q3.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass DOC_UIDS="$UID1" TO="$XCA"
if fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q3.xml" "$T/r3.xml" "ITI-38 GetDocuments without home"; then
	fl_valid "$T/r3.xml" "ITI-38 GetDocuments without home"
	is "$(fl_status "$T/r3.xml")" Failure "GetDocuments without home: Failure"
	fl_expect_error "$T/r3.xml" XDSMissingHomeCommunityId "GetDocuments without home: XDSMissingHomeCommunityId"
fi
soap_fill "$FLOW/sq-get-documents-home.xml" "$T/q4.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass DOC_UIDS="$UID1" HOME="$S_HCID" TO="$XCA"
if fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q4.xml" "$T/r4.xml" "ITI-38 GetDocuments with another community's home"; then
	is "$(fl_status "$T/r4.xml")" Failure "GetDocuments, foreign home: Failure"
	fl_expect_error "$T/r4.xml" XDSUnknownCommunity "GetDocuments, foreign home: XDSUnknownCommunity"
fi
soap_fill "$FLOW/sq-find-documents-home.xml" "$T/q5.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass PATIENT_ID="$OPID" HOME="$S_HCID" TO="$XCA"
if fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q5.xml" "$T/r5.xml" "ITI-38 FindDocuments with another community's home"; then
	fl_expect_error "$T/r5.xml" XDSUnknownCommunity "FindDocuments, foreign home: XDSUnknownCommunity"
	is "$(xpath "$T/r5.xml" "count($FL_EO|$FL_OREF)")" 0 "FindDocuments, foreign home: no objects"
fi
is "$(b_calls ITI-18)" "$B18" "the refused queries never reached B"
soap_fill "$FLOW/sq-get-documents-home.xml" "$T/q6.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass DOC_UIDS="$UID1" HOME="$A_HCID" TO="$XCA"
if fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q6.xml" "$T/r6.xml" "ITI-38 GetDocuments with A's home"; then
	fl_valid "$T/r6.xml" "ITI-38 GetDocuments with home"
	is "$(fl_status "$T/r6.xml"):$(fl_uids "$T/r6.xml"):$(xpath "$T/r6.xml" "string(${FL_EO}[1]/@home)")" \
	    "Success:$UID1:$A_HCID" "GetDocuments with A's home: the document, home = A's HCID"
fi
is "$(b_calls ITI-18)" "$((B18 + 1))" "the query with A's home reached B (home removed)"

# ================================================================ ITI-39 through A's /xca
B43=$(b_calls ITI-43)
soap_fill "$FLOW/retrieve-two.xml" "$T/q7.xml" ACTION="$A_XGR" HOME1="$A_HCID" REPO1="$B_REPO" DOC_UID1="$UID1" \
    HOME2="$A_HCID" REPO2="$B_REPO" DOC_UID2="$UID2" TO="$XCA"
if fl_post "$XCA" shimane-gw "$A_XGR" "$T/q7.xml" "$T/r7" "ITI-39 of two documents via A"; then
	like "$(response_content_type "$T/r7")" '^multipart/related;' "ITI-39: answered as MTOM"
	if mtom_extract "$T/r7" "$T/m7"; then
		fl_valid "$T/m7/root.xml" "ITI-39 via A" "$T/m7"
		is "$(fl_status "$T/m7/root.xml")" Success "ITI-39: status Success"
		is "$(fl_wsa_action "$T/m7/root.xml")" urn:ihe:iti:2007:CrossGatewayRetrieveResponse "ITI-39: response wsa:Action"
		is "$(relates "$T/m7/root.xml")" "$(msgid "$T/q7.xml")" "ITI-39: RelatesTo is the request's MessageID"
		is "$(xpath "$T/m7/root.xml" "count($FL_DR[normalize-space($(fl_l HomeCommunityId))='$A_HCID'])")" 2 \
		    "ITI-39: both DocumentResponses carry HomeCommunityId = A's HCID"
		is "$(xpath "$T/m7/root.xml" "count($FL_DR[normalize-space($(fl_l RepositoryUniqueId))='$B_REPO'])")" 2 \
		    "ITI-39: RepositoryUniqueId is B's"
		fl_check_doc "$T/m7" "$UID1" "$FILE1" "ITI-39: document 1 bytes identical (sha256)"
		fl_check_doc "$T/m7" "$UID2" "$FILE2" "ITI-39: document 2 bytes identical (sha256)"
	else
		not_ok "ITI-39 via A: well-formed multipart/related"
	fi
fi
is "$(b_calls ITI-43)" "$((B43 + 1))" "the ITI-39 reached B as one ITI-43"

soap_fill "$FLOW/retrieve-two.xml" "$T/q8.xml" ACTION="$A_XGR" HOME1="$A_HCID" REPO1="$B_REPO" DOC_UID1="$UID1" \
    HOME2="$S_HCID" REPO2="$B_REPO" DOC_UID2="$UID2" TO="$XCA"
if fl_post "$XCA" shimane-gw "$A_XGR" "$T/q8.xml" "$T/r8" "ITI-39 one of A, one of another community"; then
	mtom_extract "$T/r8" "$T/m8" || not_ok "ITI-39 mixed: well-formed multipart/related"
	fl_valid "$T/m8/root.xml" "ITI-39 mixed" "$T/m8"
	is "$(fl_status "$T/m8/root.xml")" PartialSuccess "ITI-39 mixed: PartialSuccess"
	fl_expect_error "$T/m8/root.xml" XDSUnknownCommunity "ITI-39 mixed: XDSUnknownCommunity"
	is "$(fl_error_location "$T/m8/root.xml" XDSUnknownCommunity)" "$S_HCID" "ITI-39 mixed: located at the foreign HCID"
	is "$(xpath "$T/m8/root.xml" "count($FL_DR)")" 1 "ITI-39 mixed: the good document only"
	fl_check_doc "$T/m8" "$UID1" "$FILE1" "ITI-39 mixed: its bytes identical"
fi
B43=$(b_calls ITI-43)
soap_fill "$FLOW/retrieve-nohome.xml" "$T/q9.xml" ACTION="$A_XGR" REPO="$B_REPO" DOC_UID="$UID1" TO="$XCA"
if fl_post "$XCA" shimane-gw "$A_XGR" "$T/q9.xml" "$T/r9" "ITI-39 without HomeCommunityId"; then
	mtom_extract "$T/r9" "$T/m9" || not_ok "ITI-39 without home: well-formed multipart/related"
	fl_valid "$T/m9/root.xml" "ITI-39 without home" "$T/m9"
	is "$(fl_status "$T/m9/root.xml")" Failure "ITI-39 without home: Failure"
	fl_expect_error "$T/m9/root.xml" XDSMissingHomeCommunityId "ITI-39 without home: XDSMissingHomeCommunityId"
	is "$(fl_error_location "$T/m9/root.xml" XDSMissingHomeCommunityId)" "$UID1" "ITI-39 without home: located at the document"
fi
is "$(b_calls ITI-43)" "$B43" "the homeless ITI-39 never reached B"
UNK=1.2.392.200119.6.1001.99.404.$(date +%s)
soap_fill "$FLOW/retrieve-two.xml" "$T/q10.xml" ACTION="$A_XGR" HOME1="$A_HCID" REPO1="$B_REPO" DOC_UID1="$UNK" \
    HOME2="$A_HCID" REPO2="$B_REPO" DOC_UID2="$UID2" TO="$XCA"
if fl_post "$XCA" shimane-gw "$A_XGR" "$T/q10.xml" "$T/r10" "ITI-39 of an unknown and a known document"; then
	mtom_extract "$T/r10" "$T/m10" || not_ok "ITI-39 unknown: well-formed multipart/related"
	is "$(fl_status "$T/m10/root.xml")" PartialSuccess "ITI-39 unknown + known: PartialSuccess"
	fl_expect_error "$T/m10/root.xml" XDSDocumentUniqueIdError "ITI-39 unknown: B's XDSDocumentUniqueIdError passed through"
	is "$(fl_error_location "$T/m10/root.xml" XDSDocumentUniqueIdError)" "$UNK" "ITI-39 unknown: B's location kept"
	fl_check_doc "$T/m10" "$UID2" "$FILE2" "ITI-39 unknown + known: the known document's bytes"
fi

# ================================================================ ITI-41 / ITI-18 / ITI-43 through A's /xds
PID="PR0001^^^&$A_AA&ISO"
STAMP=$(date +%s)
DOC_UID=1.2.392.200119.6.1001.99.$STAMP.1
DOCM_UID=1.2.392.200119.6.1001.99.$STAMP.2
SRC=1.2.392.200119.6.1001.97
base64 -w0 "$FILE1" >"$T/doc.b64"
soap_fill "$SOAP/iti41-pnr-inline.xml" "$T/q11.xml" PATIENT_ID="$PID" TITLE="遠隔登録 診療情報提供書" \
    CREATION_TIME=20240401093000 SUBMISSION_TIME=20240401100000 DOC_UID="$DOC_UID" \
    SS_UID="1.2.392.200119.6.1001.98.$STAMP.1" SOURCE_ID="$SRC" DOCUMENT_B64=@"$T/doc.b64" TO="$XDS"
B41=$(b_calls ITI-41)
if fl_post "$XDS" okayama-ehr "$A_PNR" "$T/q11.xml" "$T/r11.xml" "ITI-41 inline via A"; then
	fl_valid "$T/r11.xml" "ITI-41 via A"
	is "$(fl_status "$T/r11.xml")" Success "ITI-41 via A: Success"
	[ "$(fl_status "$T/r11.xml")" = Success ] || diag "$(fl_errors "$T/r11.xml")"
	is "$(fl_wsa_action "$T/r11.xml")" urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse "ITI-41 via A: response wsa:Action"
	is "$(relates "$T/r11.xml")" "$(msgid "$T/q11.xml")" "ITI-41 via A: RelatesTo is the request's MessageID"
fi
is "$(b_calls ITI-41)" "$((B41 + 1))" "ITI-41 via A reached B"
soap_fill "$FLOW/sq-find-documents.xml" "$T/q12.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass PATIENT_ID="$PID" TO="$B_XDS"
if fl_post "$B_XDS" xdsb-admin "$A_SQ" "$T/q12.xml" "$T/r12.xml" "ITI-18 at B for the submitted patient"; then
	is "$(fl_uids "$T/r12.xml")" "$DOC_UID" "B holds the document submitted through A"
	is "$(xpath "$T/r12.xml" "string(${FL_EO}[1]/$(fl_slot hash))")" "$(fl_sha1 "$FILE1")" \
	    "B's hash of it = SHA-1 of the original"
fi
soap_fill "$FLOW/sq-find-documents.xml" "$T/q13.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass PATIENT_ID="$PID" TO="$XDS"
if fl_post "$XDS" okayama-ehr "$A_SQ" "$T/q13.xml" "$T/r13.xml" "ITI-18 via A for the submitted patient"; then
	fl_valid "$T/r13.xml" "ITI-18 via A"
	is "$(fl_wsa_action "$T/r13.xml")" urn:ihe:iti:2007:RegistryStoredQueryResponse "ITI-18 via A: response wsa:Action"
	is "$(fl_status "$T/r13.xml"):$(fl_uids "$T/r13.xml")" "Success:$DOC_UID" "ITI-18 via A finds it"
	is "$(xpath "$T/r13.xml" "string(${FL_EO}[1]/@home)")" "$A_HCID" "ITI-18 via A: home = A's HCID"
fi
soap_fill "$SOAP/iti43-retrieve.xml" "$T/q14.xml" REPO="$B_REPO" DOC_UID="$DOC_UID" TO="$XDS"
if fl_post "$XDS" okayama-ehr "$A_RET" "$T/q14.xml" "$T/r14" "ITI-43 via A of the submitted document"; then
	if mtom_extract "$T/r14" "$T/m14"; then
		fl_valid "$T/m14/root.xml" "ITI-43 via A" "$T/m14"
		is "$(fl_wsa_action "$T/m14/root.xml")" urn:ihe:iti:2007:RetrieveDocumentSetResponse "ITI-43 via A: response wsa:Action"
		is "$(fl_status "$T/m14/root.xml")" Success "ITI-43 via A: Success"
		fl_check_doc "$T/m14" "$DOC_UID" "$FILE1" "ITI-43 via A: bytes identical"
	else
		not_ok "ITI-43 via A: well-formed multipart/related"
	fi
fi

# MTOM submission of a binary-hostile document: A re-packs it into its own MTOM request
{
	printf '<?xml version="1.0" encoding="UTF-8"?>\r\n<ClinicalDocument xmlns="urn:hl7-org:v3">\r\n'
	printf '<!-- \r\n--MIMEBoundary_remote_fake\r\nContent-Type: text/plain\r\n\r\n -->\r\n'
	head -c 3000 /dev/urandom | base64 -w 76 | sed 's/^/<x>/; s/$/<\/x>\r/'
	printf '</ClinicalDocument>\r\n\000\377\r\n'
} >"$T/docm.bin"
soap_fill "$SOAP/iti41-pnr-mtom.xml" "$T/q15-root.xml" PATIENT_ID="$PID" TITLE="MTOM 遠隔登録" \
    CREATION_TIME=20240402093000 SUBMISSION_TIME=20240402100000 DOC_UID="$DOCM_UID" \
    SS_UID="1.2.392.200119.6.1001.98.$STAMP.2" SOURCE_ID="$SRC" DOCUMENT_CID="docm.$STAMP@remote.test" TO="$XDS"
CT=$(mtom_build "$A_PNR" "$T/q15-root.xml" "$T/q15" "docm.$STAMP@remote.test" "$T/docm.bin" text/xml)
code=$(soap_post_ct "$XDS" okayama-ehr "$CT" "$T/q15" "$T/r15")
if is "$code" 200 "ITI-41 MTOM via A: HTTP 200"; then
	is "$(fl_status "$T/r15")" Success "ITI-41 MTOM via A: Success"
	[ "$(fl_status "$T/r15")" = Success ] || diag "$(fl_errors "$T/r15")"
else
	diag "$(cat "$T/r15.err")" "$(head -c 1000 "$T/r15")"
fi
soap_fill "$SOAP/iti43-retrieve.xml" "$T/q16.xml" REPO="$B_REPO" DOC_UID="$DOCM_UID" TO="$B_XDS"
if fl_post "$B_XDS" xdsb-admin "$A_RET" "$T/q16.xml" "$T/r16" "ITI-43 at B of the MTOM document"; then
	mtom_extract "$T/r16" "$T/m16" || not_ok "ITI-43 at B: well-formed multipart/related"
	fl_check_doc "$T/m16" "$DOCM_UID" "$T/docm.bin" "B stored the MTOM document's bytes unchanged"
fi

# a submission B rejects: B's RegistryError comes back through A
sed 's/\(<rim:ExternalIdentifier id="ei01"[^>]*value="\)PR0001/\1PR0002/' "$T/q11.xml" |
    sed "s/$DOC_UID/$DOC_UID.9/" >"$T/q17.xml"
grep -q 'value="PR0002' "$T/q17.xml" || die "test bug: could not derive the bad submission"
if fl_post "$XDS" okayama-ehr "$A_PNR" "$T/q17.xml" "$T/r17.xml" "ITI-41 via A that B rejects"; then
	fl_valid "$T/r17.xml" "ITI-41 rejected"
	is "$(fl_status "$T/r17.xml")" Failure "ITI-41 rejected by B: Failure"
	fl_expect_error "$T/r17.xml" XDSPatientIdDoesNotMatch "ITI-41 rejected by B: B's XDSPatientIdDoesNotMatch passed through"
fi
if grep -q 'PatientIdDoesNotMatch\|PR0002\|DocumentUniqueIdError' "$T/okayama-gw.log"; then
	not_ok "B's RegistryErrors never reach A's log"
	diag_file "$T/okayama-gw.log" 20
else
	ok "B's RegistryErrors never reach A's log"
fi

# ================================================================ B unavailable
# expect_down NAME FILE CODE MAXMS T0 T1: FILE is a Failure with CODE that names the region's
# registry or repository, answered within MAXMS.
expect_down() {
	is "$(fl_status "$2")" Failure "$1: Failure"
	fl_expect_error "$2" "$3" "$1: $3"
	like "$(xpath "$2" "string((${FL_ERR}[@errorCode='$3'])[1]/@codeContext)")" "the region's (registry|repository)" \
	    "$1: codeContext names the region's registry or repository"
	if [ $(($6 - $5)) -le "$4" ]; then
		ok "$1: answered in $(($6 - $5)) ms (<= $4)"
	else
		not_ok "$1: answered in $(($6 - $5)) ms (<= $4)"
	fi
}

# down_all WHAT MAXMS: ITI-38, ITI-39, ITI-18, ITI-43 and ITI-41 through A while B is WHAT.
down_all() {
	t0=$(fl_ms)
	fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q1.xml" "$T/d1.xml" "ITI-38 via A, B $1" &&
	    expect_down "ITI-38, B $1" "$T/d1.xml" XDSRegistryError "$2" "$t0" "$(fl_ms)"
	t0=$(fl_ms)
	if fl_post "$XCA" shimane-gw "$A_XGR" "$T/q7.xml" "$T/d2" "ITI-39 via A, B $1"; then
		t1=$(fl_ms)
		mtom_extract "$T/d2" "$T/md2" || not_ok "ITI-39, B $1: well-formed multipart/related"
		fl_valid "$T/md2/root.xml" "ITI-39, B $1" "$T/md2"
		expect_down "ITI-39, B $1" "$T/md2/root.xml" XDSRepositoryError "$2" "$t0" "$t1"
	fi
	t0=$(fl_ms)
	fl_post "$XDS" okayama-ehr "$A_SQ" "$T/q13.xml" "$T/d3.xml" "ITI-18 via A, B $1" &&
	    expect_down "ITI-18, B $1" "$T/d3.xml" XDSRegistryError "$2" "$t0" "$(fl_ms)"
	soap_fill "$SOAP/iti41-pnr-inline.xml" "$T/q18.xml" PATIENT_ID="$PID" TITLE="届かない登録" \
	    CREATION_TIME=20240403093000 SUBMISSION_TIME=20240403100000 DOC_UID="$DOC_UID.$1" \
	    SS_UID="1.2.392.200119.6.1001.98.$STAMP.$1" SOURCE_ID="$SRC" DOCUMENT_B64=@"$T/doc.b64" TO="$XDS"
	t0=$(fl_ms)
	if fl_post "$XDS" okayama-ehr "$A_PNR" "$T/q18.xml" "$T/d4.xml" "ITI-41 via A, B $1"; then
		t1=$(fl_ms)
		fl_valid "$T/d4.xml" "ITI-41, B $1"
		expect_down "ITI-41, B $1" "$T/d4.xml" XDSRepositoryError "$2" "$t0" "$t1"
	fi
}

stop_hashid xdsb-reg
down_all stopped 1500

# fake_b CERTNAME: an openssl s_server with $PKI/CERTNAME on B's port that completes TLS,
# reads the request (logged to $T/fake-CERTNAME.log) and never answers.
FAKE_PID=
fake_b() {
	rm -f "$T/fake.fifo"
	mkfifo "$T/fake.fifo"
	openssl s_server -accept "$PB" -cert "$PKI/$1.crt" -key "$PKI/$1.key" -CAfile "$PKI/ca.crt" \
	    -quiet <"$T/fake.fifo" >"$T/fake-$1.log" 2>&1 &
	FAKE_PID=$!
	exec 7<>"$T/fake.fifo"
	add_cleanup "kill $FAKE_PID 2>/dev/null"
	_fk_i=0
	while [ "$_fk_i" -lt 50 ]; do
		_lib_port_busy "$PB" && return 0
		sleep 0.1
		_fk_i=$((_fk_i + 1))
	done
	return 1
}
stop_fake() {
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	exec 7>&-
}

if fake_b xdsb-reg; then
	t0=$(fl_ms)
	fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q1.xml" "$T/h1.xml" "ITI-38 via A, B hung" &&
	    expect_down "ITI-38, B hung (timeouts.request=3s)" "$T/h1.xml" XDSRegistryError 5000 "$t0" "$(fl_ms)"
	if [ $(($(fl_ms) - t0)) -ge 2500 ]; then
		ok "B hung: A waited for its deadline"
	else
		not_ok "B hung: A waited for its deadline ($(($(fl_ms) - t0)) ms)"
	fi
	if grep -q '^POST /xds' "$T/fake-xdsb-reg.log"; then
		ok "the hung B did receive the forwarded ITI-18"
	else
		not_ok "the hung B did receive the forwarded ITI-18"
		diag_file "$T/fake-xdsb-reg.log" 10
	fi
	stop_fake
else
	not_ok "fake hung B (openssl s_server) on port $PB"
fi
if fake_b rogue; then
	t0=$(fl_ms)
	fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q1.xml" "$T/i1.xml" "ITI-38 via A, B impersonated (another CA)" &&
	    expect_down "ITI-38, impostor of another CA" "$T/i1.xml" XDSRegistryError 2500 "$t0" "$(fl_ms)"
	if grep -q 'POST\|P0001' "$T/fake-rogue.log"; then
		not_ok "the impostor never saw the query"
		diag_file "$T/fake-rogue.log" 10
	else
		ok "the impostor never saw the query"
	fi
	stop_fake
else
	not_ok "fake impostor B (openssl s_server) on port $PB"
fi

# fake_answer DESC STATUS BODY CODECONTEXT_ERE: B answers the next request with HTTP STATUS
# and BODY (SOAP 1.2); A must answer ITI-38 with XDSRegistryError whose codeContext matches
# CODECONTEXT_ERE, and neither that answer nor A's log may carry B's text (REMOTE-SECRET).
fake_answer() {
	if ! fake_b xdsb-reg; then
		not_ok "$1: fake B (openssl s_server) on port $PB"
		return
	fi
	printf 'HTTP/1.1 %s\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-Length: %d\r\n\r\n%s' \
	    "$2" "$(printf '%s' "$3" | wc -c)" "$3" >&7
	if fl_post "$XCA" shimane-gw "$A_XGQ" "$T/q1.xml" "$T/f.xml" "ITI-38 via A, $1"; then
		is "$(fl_status "$T/f.xml")" Failure "$1: Failure"
		fl_expect_error "$T/f.xml" XDSRegistryError "$1: XDSRegistryError"
		like "$(xpath "$T/f.xml" "string((${FL_ERR}[@errorCode='XDSRegistryError'])[1]/@codeContext)")" "$4" \
		    "$1: codeContext says $4"
		if grep -q REMOTE-SECRET "$T/f.xml" "$T/okayama-gw.log"; then
			not_ok "$1: B's text is neither echoed nor logged"
		else
			ok "$1: B's text is neither echoed nor logged"
		fi
	fi
	stop_fake
}
ENV='<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><env:Header>'
fake_answer "B answers a SOAP fault" "500 Internal Server Error" \
    "$ENV<wsa:Action>http://www.w3.org/2005/08/addressing/soap/fault</wsa:Action></env:Header><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang=\"en\">REMOTE-SECRET</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>" \
    'SOAP fault'
fake_answer "B answers garbage" "200 OK" "REMOTE-SECRET is not XML" 'malformed answer'
fake_answer "B answers another request" "200 OK" \
    "$ENV<wsa:Action>urn:ihe:iti:2007:RegistryStoredQueryResponse</wsa:Action><wsa:RelatesTo>urn:uuid:00000000-0000-4000-8000-000000000000</wsa:RelatesTo></env:Header><env:Body><query:AdhocQueryResponse xmlns:query=\"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0\" status=\"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success\"/></env:Body></env:Envelope>" \
    'another request'
fake_answer "B refuses A's certificate" "403 Forbidden" "REMOTE-SECRET" 'certificate'

stop_hashid okayama-gw

# A's audit log: besides the transactions it answered, the requests it sent to B as the
# region's consumer (ITI-18, ITI-43, ITI-41 with B's URL as the other side)
CA=$(config_of okayama-gw)
if hashictl "$CA" audit export --dir "$T/okayama-gw.state/audit" \
    --vkey "$T/okayama-gw.state/audit-signing.key.pub" --format xml -o "$T/audit.xml" 2>"$T/audit.err"; then
	for ev in ITI-18:110152 ITI-43:110153 ITI-41:110152; do
		n=$(xpath "$T/audit.xml" "count(//AuditMessage[EventIdentification/EventTypeCode/@csd-code='${ev%%:*}'][ActiveParticipant[@UserID='$B_XDS'][RoleIDCode/@csd-code='${ev#*:}']])")
		if [ "${n:-0}" -ge 1 ]; then
			ok "A's audit log records its ${ev%%:*} requests to B ($n), B as role ${ev#*:}"
		else
			not_ok "A's audit log records its ${ev%%:*} requests to B"
		fi
	done
else
	not_ok "audit export of A's log"
	diag_file "$T/audit.err"
fi
done_testing
