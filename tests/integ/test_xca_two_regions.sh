#!/bin/sh
# XCA between two regions, okayama (晴れやかネット) and shimane (まめネット), as in deploy/demo.sh.
# Responding gateway (shimane's /xca, called with okayama's gateway certificate): ITI-38
# FindDocuments with home on every object, GetDocuments without patient id needs home
# (XDSMissingHomeCommunityId) and a foreign home is refused (XDSUnknownCommunity); ITI-39
# with and without HomeCommunityId. Initiating gateway (okayama's /ig, called by okayama-ehr):
# ITI-38 and ITI-18 with patient id translation P0001 -> S0001, unknown community, retrieve of
# two documents, unknown community alone and mixed (PartialSuccess). Endpoint access by
# certificate (403). A stopped, a hung and an impostor peer give XDSUnavailableCommunity
# promptly, and the impostor never sees the query; a peer's object without home is dropped
# with XDSMissingHomeCommunityId.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw okayama-ehr
PO=$(free_port) || die "no free port"
PS=$(free_port) || die "no free port"
region_info okayama
O_HCID=$R_HCID
O_AA=$R_AA
region_info shimane
S_HCID=$R_HCID
S_AA=$R_AA
S_REPO=$R_REPO
region_info tottori
X_HCID=$R_HCID
X_REPO=$R_REPO

sh "$DATA/gen_demo_data.sh" "$T/data-okayama" okayama 3 >/dev/null 2>&1 || die "gen_demo_data.sh okayama failed"
sh "$DATA/gen_demo_data.sh" "$T/data-shimane" shimane 5 >/dev/null 2>&1 || die "gen_demo_data.sh shimane failed"
# okayama answers a hung peer within 3 s (timeouts.request); everything else is the default
write_config okayama-gw "$PO" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PS" \
    map=shimane:P0001:S0001 timeouts.request=3s
write_config shimane-gw "$PS" shimane peer=okayama-gw@okayama:"$PO" map=okayama:S0001:P0001
CO=$(config_of okayama-gw)
CS=$(config_of shimane-gw)
check "registry import okayama" hashictl "$CO" registry import "$T/data-okayama"
check "registry import shimane" hashictl "$CS" registry import "$T/data-shimane"
start_hashid okayama-gw "$CO" okayama-ehr || die "okayama-gw did not start"
start_hashid shimane-gw "$CS" okayama-gw || die "shimane-gw did not start"
ok "both gateways started (okayama $PO, shimane $PS)"

XCA=https://127.0.0.1:$PS/xca
IG=https://127.0.0.1:$PO/ig
SPID="S0001^^^&$S_AA&ISO"
OPID="P0001^^^&$O_AA&ISO"
# S0001's documents at shimane: uniqueId and file, sorted by uniqueId
awk -F '\t' '$1 == "S0001" { print $2 "\t" $7 }' "$T/data-shimane/documents.tsv" | sort >"$T/s0001.tsv"
N_S0001=$(wc -l <"$T/s0001.tsv" | tr -d ' ')
[ "$N_S0001" -ge 2 ] || die "test bug: S0001 has fewer than 2 documents ($N_S0001)"
UID1=$(sed -n 1p "$T/s0001.tsv" | cut -f1)
FILE1=$T/data-shimane/$(sed -n 1p "$T/s0001.tsv" | cut -f2)
UID2=$(sed -n 2p "$T/s0001.tsv" | cut -f1)
FILE2=$T/data-shimane/$(sed -n 2p "$T/s0001.tsv" | cut -f2)



# ================================================================ responding gateway, direct
soap_fill "$FLOW/sq-find-documents.xml" "$T/q1.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass PATIENT_ID="$SPID" TO="$XCA"
if fl_post "$XCA" okayama-gw "$A_XGQ" "$T/q1.xml" "$T/r1.xml" "RG ITI-38 FindDocuments S0001"; then
	fl_valid "$T/r1.xml" "RG ITI-38 FindDocuments"
	is "$(fl_status "$T/r1.xml")" Success "RG FindDocuments: status Success"
	is "$(fl_wsa_action "$T/r1.xml")" "urn:ihe:iti:2007:CrossGatewayQueryResponse" "RG FindDocuments: response wsa:Action"
	is "$(fl_uids "$T/r1.xml")" "$(cut -f1 "$T/s0001.tsv")" "RG FindDocuments: exactly the $N_S0001 documents shimane holds for S0001"
	is "$(xpath "$T/r1.xml" "count(${FL_EO}[@home='$S_HCID'])")" "$N_S0001" "RG FindDocuments: every ExtrinsicObject has home=$S_HCID"
	is "$(xpath "$T/r1.xml" "count(//*[@home and @home!='$S_HCID'])")" 0 "RG FindDocuments: no object with another home"
fi
soap_fill "$FLOW/sq-find-documents.xml" "$T/q1r.xml" ACTION="$A_XGQ" RETURN_TYPE=ObjectRef PATIENT_ID="$SPID" TO="$XCA"
if fl_post "$XCA" okayama-gw "$A_XGQ" "$T/q1r.xml" "$T/r1r.xml" "RG ITI-38 FindDocuments ObjectRef"; then
	fl_valid "$T/r1r.xml" "RG ITI-38 ObjectRef"
	is "$(xpath "$T/r1r.xml" "count($FL_OREF)"):$(xpath "$T/r1r.xml" "count(${FL_OREF}[@home='$S_HCID'])")" "$N_S0001:$N_S0001" \
	    "RG FindDocuments ObjectRef: $N_S0001 ObjectRefs, each with home=$S_HCID"
fi

# GetDocuments: no patient id, no home
soap_fill "$FLOW/sq-get-documents.xml" "$T/q2.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass DOC_UIDS="$UID1" TO="$XCA"
if fl_post "$XCA" okayama-gw "$A_XGQ" "$T/q2.xml" "$T/r2.xml" "RG ITI-38 GetDocuments without home"; then
	fl_valid "$T/r2.xml" "RG GetDocuments without home"
	fl_expect_error "$T/r2.xml" XDSMissingHomeCommunityId "RG GetDocuments without home: XDSMissingHomeCommunityId"
	is "$(fl_status "$T/r2.xml"):$(xpath "$T/r2.xml" "count($FL_EO|$FL_OREF)")" "Failure:0" \
	    "RG GetDocuments without home: Failure, no objects"
fi
soap_fill "$FLOW/sq-get-documents-home.xml" "$T/q3.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass DOC_UIDS="$UID1" HOME="$X_HCID" TO="$XCA"
if fl_post "$XCA" okayama-gw "$A_XGQ" "$T/q3.xml" "$T/r3.xml" "RG ITI-38 GetDocuments with a foreign home"; then
	fl_valid "$T/r3.xml" "RG GetDocuments foreign home"
	fl_expect_error "$T/r3.xml" XDSUnknownCommunity "RG GetDocuments with home=$X_HCID: XDSUnknownCommunity"
	is "$(fl_status "$T/r3.xml"):$(xpath "$T/r3.xml" "count($FL_EO|$FL_OREF)")" "Failure:0" \
	    "RG GetDocuments foreign home: Failure, no objects"
fi
soap_fill "$FLOW/sq-get-documents-home.xml" "$T/q3g.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass DOC_UIDS="$UID1" HOME="$S_HCID" TO="$XCA"
if fl_post "$XCA" okayama-gw "$A_XGQ" "$T/q3g.xml" "$T/r3g.xml" "RG ITI-38 GetDocuments with its own home"; then
	is "$(fl_status "$T/r3g.xml"):$(fl_uids "$T/r3g.xml")" "Success:$UID1" "RG GetDocuments with home=$S_HCID: the document"
fi

# ITI-39 with HomeCommunityId: two documents
soap_fill "$FLOW/retrieve-two.xml" "$T/q4.xml" ACTION="$A_XGR" HOME1="$S_HCID" REPO1="$S_REPO" DOC_UID1="$UID1" \
    HOME2="$S_HCID" REPO2="$S_REPO" DOC_UID2="$UID2" TO="$XCA"
if fl_post "$XCA" okayama-gw "$A_XGR" "$T/q4.xml" "$T/r4" "RG ITI-39 two documents"; then
	like "$(response_content_type "$T/r4")" '^multipart/related;' "RG ITI-39: MTOM (multipart/related)"
	if mtom_extract "$T/r4" "$T/m4"; then
		fl_valid "$T/m4/root.xml" "RG ITI-39" "$T/m4"
		is "$(fl_status "$T/m4/root.xml")" Success "RG ITI-39: status Success"
		is "$(fl_wsa_action "$T/m4/root.xml")" "urn:ihe:iti:2007:CrossGatewayRetrieveResponse" "RG ITI-39: response wsa:Action"
		is "$(xpath "$T/m4/root.xml" "count($FL_DR)"):$(xpath "$T/m4/root.xml" "count(${FL_DR}[normalize-space($(fl_l HomeCommunityId))='$S_HCID'])")" \
		    "2:2" "RG ITI-39: two DocumentResponses, HomeCommunityId $S_HCID"
		fl_check_doc "$T/m4" "$UID1" "$FILE1" "RG ITI-39: document 1 identical to its source file"
		fl_check_doc "$T/m4" "$UID2" "$FILE2" "RG ITI-39: document 2 identical to its source file"
	else
		not_ok "RG ITI-39: readable multipart/related"
	fi
fi
soap_fill "$FLOW/retrieve-nohome.xml" "$T/q5.xml" ACTION="$A_XGR" REPO="$S_REPO" DOC_UID="$UID1" TO="$XCA"
if fl_post "$XCA" okayama-gw "$A_XGR" "$T/q5.xml" "$T/r5" "RG ITI-39 without HomeCommunityId"; then
	if mtom_extract "$T/r5" "$T/m5"; then
		fl_valid "$T/m5/root.xml" "RG ITI-39 without HomeCommunityId" "$T/m5"
		fl_expect_error "$T/m5/root.xml" XDSMissingHomeCommunityId "RG ITI-39 without HomeCommunityId: XDSMissingHomeCommunityId"
		is "$(fl_status "$T/m5/root.xml"):$(xpath "$T/m5/root.xml" "count($FL_DR)")" "Failure:0" \
		    "RG ITI-39 without HomeCommunityId: Failure, no document"
	else
		not_ok "RG ITI-39 without HomeCommunityId: readable response"
	fi
fi

# ================================================================ initiating gateway
soap_fill "$FLOW/sq-find-documents.xml" "$T/q6.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass PATIENT_ID="$OPID" TO="$IG"
if fl_post "$IG" okayama-ehr "$A_XGQ" "$T/q6.xml" "$T/r6.xml" "IG ITI-38 FindDocuments P0001"; then
	fl_valid "$T/r6.xml" "IG ITI-38"
	is "$(fl_status "$T/r6.xml")" Success "IG ITI-38: status Success"
	is "$(fl_wsa_action "$T/r6.xml")" "urn:ihe:iti:2007:CrossGatewayQueryResponse" "IG ITI-38: response wsa:Action"
	is "$(fl_uids "$T/r6.xml")" "$(cut -f1 "$T/s0001.tsv")" "IG ITI-38: P0001 -> S0001 gives shimane's $N_S0001 documents"
	is "$(xpath "$T/r6.xml" "count(${FL_EO}[@home='$S_HCID'])")" "$N_S0001" "IG ITI-38: each with home=$S_HCID"
	is "$(xpath "$T/r6.xml" "count(${FL_EO}[$(fl_eid "$FL_PID_SCHEME")='$SPID'])")" "$N_S0001" \
	    "IG ITI-38: shimane was asked for S0001 (the documents' patientId)"
fi
soap_fill "$FLOW/sq-find-documents.xml" "$T/q7.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass PATIENT_ID="$OPID" TO="$IG"
if fl_post "$IG" okayama-ehr "$A_SQ" "$T/q7.xml" "$T/r7.xml" "IG ITI-18 FindDocuments P0001"; then
	fl_valid "$T/r7.xml" "IG ITI-18"
	is "$(fl_wsa_action "$T/r7.xml")" "urn:ihe:iti:2007:RegistryStoredQueryResponse" "IG ITI-18: response action RegistryStoredQueryResponse"
	is "$(fl_status "$T/r7.xml"):$(fl_uids "$T/r7.xml" | tr '\n' ' ')" "Success:$(cut -f1 "$T/s0001.tsv" | tr '\n' ' ')" \
	    "IG ITI-18: Success with shimane's documents"
fi
soap_fill "$FLOW/sq-find-documents-home.xml" "$T/q8.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass PATIENT_ID="$OPID" HOME="$X_HCID" TO="$IG"
if fl_post "$IG" okayama-ehr "$A_XGQ" "$T/q8.xml" "$T/r8.xml" "IG ITI-38 with home of an unknown community"; then
	fl_valid "$T/r8.xml" "IG unknown community"
	fl_expect_error "$T/r8.xml" XDSUnknownCommunity "IG query home=$X_HCID: XDSUnknownCommunity"
	is "$(fl_status "$T/r8.xml"):$(xpath "$T/r8.xml" "count($FL_EO|$FL_OREF)")" "Failure:0" "IG unknown community: Failure, no objects"
fi

# retrieve two documents through the IG
soap_fill "$FLOW/retrieve-two.xml" "$T/q9.xml" ACTION="$A_XGR" HOME1="$S_HCID" REPO1="$S_REPO" DOC_UID1="$UID1" \
    HOME2="$S_HCID" REPO2="$S_REPO" DOC_UID2="$UID2" TO="$IG"
if fl_post "$IG" okayama-ehr "$A_XGR" "$T/q9.xml" "$T/r9" "IG ITI-39 two documents"; then
	if mtom_extract "$T/r9" "$T/m9"; then
		fl_valid "$T/m9/root.xml" "IG ITI-39" "$T/m9"
		is "$(fl_status "$T/m9/root.xml"):$(xpath "$T/m9/root.xml" "count($FL_DR)")" "Success:2" "IG ITI-39: Success, two documents"
		fl_check_doc "$T/m9" "$UID1" "$FILE1" "IG ITI-39: document 1 identical to shimane's file"
		fl_check_doc "$T/m9" "$UID2" "$FILE2" "IG ITI-39: document 2 identical to shimane's file"
	else
		not_ok "IG ITI-39: readable multipart/related"
	fi
fi
# the same as ITI-43 (a local system's Retrieve Document Set) through the IG
soap_fill "$FLOW/retrieve-two.xml" "$T/q9b.xml" ACTION="$A_RET" HOME1="$S_HCID" REPO1="$S_REPO" DOC_UID1="$UID1" \
    HOME2="$S_HCID" REPO2="$S_REPO" DOC_UID2="$UID2" TO="$IG"
if fl_post "$IG" okayama-ehr "$A_RET" "$T/q9b.xml" "$T/r9b" "IG ITI-43 two documents"; then
	if mtom_extract "$T/r9b" "$T/m9b"; then
		fl_valid "$T/m9b/root.xml" "IG ITI-43" "$T/m9b"
		is "$(fl_wsa_action "$T/m9b/root.xml")" "urn:ihe:iti:2007:RetrieveDocumentSetResponse" "IG ITI-43: response wsa:Action"
		fl_check_doc "$T/m9b" "$UID2" "$FILE2" "IG ITI-43: document identical to shimane's file"
	else
		not_ok "IG ITI-43: readable multipart/related"
	fi
fi

# unknown community alone, then mixed with a good document
soap_fill "$SOAP/iti39-retrieve.xml" "$T/q10.xml" HOME="$X_HCID" REPO="$X_REPO" DOC_UID="$X_REPO.3.1" TO="$IG"
if fl_post "$IG" okayama-ehr "$A_XGR" "$T/q10.xml" "$T/r10" "IG ITI-39 of an unknown community"; then
	if mtom_extract "$T/r10" "$T/m10"; then
		fl_valid "$T/m10/root.xml" "IG ITI-39 unknown community" "$T/m10"
		fl_expect_error "$T/m10/root.xml" XDSUnknownCommunity "IG ITI-39 unknown community: XDSUnknownCommunity"
		is "$(fl_status "$T/m10/root.xml"):$(xpath "$T/m10/root.xml" "count($FL_DR)")" "Failure:0" \
		    "IG ITI-39 unknown community: Failure, no document"
	else
		not_ok "IG ITI-39 unknown community: readable response"
	fi
fi
soap_fill "$FLOW/retrieve-two.xml" "$T/q11.xml" ACTION="$A_XGR" HOME1="$S_HCID" REPO1="$S_REPO" DOC_UID1="$UID1" \
    HOME2="$X_HCID" REPO2="$X_REPO" DOC_UID2="$X_REPO.3.1" TO="$IG"
if fl_post "$IG" okayama-ehr "$A_XGR" "$T/q11.xml" "$T/r11" "IG ITI-39 good + unknown community"; then
	if mtom_extract "$T/r11" "$T/m11"; then
		fl_valid "$T/m11/root.xml" "IG ITI-39 mixed" "$T/m11"
		is "$(fl_status "$T/m11/root.xml")" PartialSuccess "IG ITI-39 mixed: status PartialSuccess"
		fl_expect_error "$T/m11/root.xml" XDSUnknownCommunity "IG ITI-39 mixed: XDSUnknownCommunity for the unknown one"
		is "$(xpath "$T/m11/root.xml" "count($FL_DR)")" 1 "IG ITI-39 mixed: one DocumentResponse"
		fl_check_doc "$T/m11" "$UID1" "$FILE1" "IG ITI-39 mixed: the good document, identical"
	else
		not_ok "IG ITI-39 mixed: readable response"
	fi
fi

# ================================================================ endpoint access
# code_of URL CLIENT ACTION FILE: the HTTP status only.
code_of() {
	soap_post "$1" "$2" "$3" "$4" "$T/acc.out"
}
is "$(code_of "$XCA" okayama-ehr "$A_XGQ" "$T/q1.xml")" 403 "okayama-ehr (not a peer of shimane) calling shimane /xca: 403"
is "$(code_of "https://127.0.0.1:$PS/xds" okayama-gw "$A_SQ" "$T/q7.xml")" 403 "peer gateway okayama-gw calling shimane /xds: 403"
is "$(code_of "https://127.0.0.1:$PS/ig" okayama-gw "$A_XGQ" "$T/q6.xml")" 403 "peer gateway okayama-gw calling shimane /ig: 403"
is "$(code_of "$IG" shimane-gw "$A_XGQ" "$T/q6.xml")" 403 "peer gateway shimane-gw calling okayama /ig: 403"
is "$(code_of "https://127.0.0.1:$PO/xds" shimane-gw "$A_SQ" "$T/q7.xml")" 403 "peer gateway shimane-gw calling okayama /xds: 403"
is "$(code_of "https://127.0.0.1:$PO/xca" okayama-ehr "$A_XGQ" "$T/q1.xml")" 403 "local system okayama-ehr calling its own /xca: 403"
is "$(code_of "$IG" unknown "$A_XGQ" "$T/q6.xml")" 403 "a certificate of the right CA but not configured: 403"

# ================================================================ unavailable peers
# ig_unavailable DESC MAX_MS: ITI-38 for P0001 and ITI-39 of UID1 through the IG must fail with
# XDSUnavailableCommunity located at shimane's HCID, each answered within MAX_MS.
ig_unavailable() {
	soap_fill "$FLOW/sq-find-documents.xml" "$T/qu.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass PATIENT_ID="$OPID" TO="$IG"
	_iu_t0=$(fl_ms)
	_iu_code=$(soap_post "$IG" okayama-ehr "$A_XGQ" "$T/qu.xml" "$T/ru.xml")
	_iu_dt=$(($(fl_ms) - _iu_t0))
	diag "$1: ITI-38 answered in $_iu_dt ms"
	if is "$_iu_code" 200 "$1: IG ITI-38 HTTP 200"; then
		fl_valid "$T/ru.xml" "$1: IG ITI-38"
		is "$(fl_status "$T/ru.xml")" Failure "$1: IG ITI-38 status Failure"
		fl_expect_error "$T/ru.xml" XDSUnavailableCommunity "$1: IG ITI-38 XDSUnavailableCommunity"
		is "$(fl_error_location "$T/ru.xml" XDSUnavailableCommunity)" "$S_HCID" "$1: error located at shimane's HCID"
	fi
	if [ "$_iu_dt" -le "$2" ]; then
		ok "$1: IG ITI-38 answered promptly ($_iu_dt ms <= $2 ms)"
	else
		not_ok "$1: IG ITI-38 answered promptly ($_iu_dt ms > $2 ms)"
	fi
	soap_fill "$SOAP/iti39-retrieve.xml" "$T/qu39.xml" HOME="$S_HCID" REPO="$S_REPO" DOC_UID="$UID1" TO="$IG"
	_iu_t0=$(fl_ms)
	_iu_code=$(soap_post "$IG" okayama-ehr "$A_XGR" "$T/qu39.xml" "$T/ru39")
	_iu_dt=$(($(fl_ms) - _iu_t0))
	diag "$1: ITI-39 answered in $_iu_dt ms"
	rm -rf "$T/mu39"
	if [ "$_iu_code" = 200 ] && mtom_extract "$T/ru39" "$T/mu39"; then
		is "$(fl_status "$T/mu39/root.xml"):$(fl_error_location "$T/mu39/root.xml" XDSUnavailableCommunity)" \
		    "Failure:$S_HCID" "$1: IG ITI-39 Failure, XDSUnavailableCommunity at shimane's HCID"
	else
		not_ok "$1: IG ITI-39 Failure, XDSUnavailableCommunity at shimane's HCID"
		diag "HTTP $_iu_code" "$(head -c 600 "$T/ru39")"
	fi
	if [ "$_iu_dt" -le "$2" ]; then
		ok "$1: IG ITI-39 answered promptly ($_iu_dt ms <= $2 ms)"
	else
		not_ok "$1: IG ITI-39 answered promptly ($_iu_dt ms > $2 ms)"
	fi
}

stop_hashid shimane-gw
ig_unavailable "shimane stopped" 2500

# fake_peer CERTNAME: an openssl s_server with $PKI/CERTNAME on shimane's port that completes
# TLS, reads the request (logged to $T/fake-CERTNAME.log) and never answers.
fake_peer() {
	rm -f "$T/fake.fifo"
	mkfifo "$T/fake.fifo"
	openssl s_server -accept "$PS" -cert "$PKI/$1.crt" -key "$PKI/$1.key" -CAfile "$PKI/ca.crt" \
	    -quiet <"$T/fake.fifo" >"$T/fake-$1.log" 2>&1 &
	FAKE_PID=$!
	exec 7<>"$T/fake.fifo"
	add_cleanup "kill $FAKE_PID 2>/dev/null"
	_fk_i=0
	while [ "$_fk_i" -lt 50 ]; do
		tls_ready "$PS" okayama-gw && return 0
		_fk_i=$((_fk_i + 1))
		sleep 0.1
	done
	return 1
}
stop_fake() {
	exec 7>&-
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
}

if fake_peer shimane-gw; then
	ig_unavailable "shimane hung (TLS up, no answer; timeouts.request=3s)" 5000
	like "$(tr -d '\r' <"$T/ru.xml.hdr" | sed -n 's/^[Ss]erver-[Tt]iming: //p')" \
	    '^iti38\.shimane;dur=3000;desc="no answer within the deadline"$' \
	    "Server-Timing: the hung peer's leg took the whole deadline and timed out"
	if grep -q '^POST /xca' "$T/fake-shimane-gw.log"; then
		ok "the hung peer did receive the forwarded request"
	else
		not_ok "the hung peer did receive the forwarded request"
		diag_file "$T/fake-shimane-gw.log" 10
	fi
	stop_fake
else
	not_ok "fake hung peer (openssl s_server) on port $PS"
fi
if fake_peer unknown; then
	ig_unavailable "impostor on shimane's address (certificate CN=unknown)" 2500
	if grep -q 'POST\|S0001\|P0001' "$T/fake-unknown.log"; then
		not_ok "the impostor never saw the query"
		diag_file "$T/fake-unknown.log" 10
	else
		ok "the impostor never saw the query"
	fi
	stop_fake
else
	not_ok "fake impostor peer (openssl s_server) on port $PS"
fi

# a peer whose answer carries an object without home: the IG must drop it and say so
if fake_peer shimane-gw; then
	body='<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><env:Header><wsa:Action>urn:ihe:iti:2007:CrossGatewayQueryResponse</wsa:Action></env:Header><env:Body><query:AdhocQueryResponse xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><rim:RegistryObjectList><rim:ObjectRef id="urn:uuid:0b1ec7ed-0000-4000-8000-00000000f1a6"/></rim:RegistryObjectList></query:AdhocQueryResponse></env:Body></env:Envelope>'
	# s_server sends what it reads from its stdin to the next client that connects
	printf 'HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=UTF-8; action="urn:ihe:iti:2007:CrossGatewayQueryResponse"\r\nContent-Length: %d\r\n\r\n%s' \
	    "$(printf '%s' "$body" | wc -c)" "$body" >&7
	soap_fill "$FLOW/sq-find-documents.xml" "$T/qh.xml" ACTION="$A_XGQ" RETURN_TYPE=ObjectRef PATIENT_ID="$OPID" TO="$IG"
	if fl_post "$IG" okayama-ehr "$A_XGQ" "$T/qh.xml" "$T/rh.xml" "IG ITI-38, peer answers an object without home"; then
		fl_valid "$T/rh.xml" "IG homeless object"
		fl_expect_error "$T/rh.xml" XDSMissingHomeCommunityId "IG homeless object: XDSMissingHomeCommunityId"
		is "$(fl_error_location "$T/rh.xml" XDSMissingHomeCommunityId)" "$S_HCID" "IG homeless object: error names the peer's HCID"
		is "$(fl_status "$T/rh.xml"):$(xpath "$T/rh.xml" "count($FL_OREF|$FL_EO)")" "Failure:0" \
		    "IG homeless object: the object is not passed on, status Failure"
	fi
	stop_fake
else
	not_ok "fake peer (openssl s_server) on port $PS"
fi

# a peer that labels an object with another community's id: not believed, dropped
if fake_peer shimane-gw; then
	body='<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><env:Header><wsa:Action>urn:ihe:iti:2007:CrossGatewayQueryResponse</wsa:Action></env:Header><env:Body><query:AdhocQueryResponse xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><rim:RegistryObjectList><rim:ObjectRef id="urn:uuid:0b1ec7ed-0000-4000-8000-00000000f1a7" home="urn:oid:1.2.392.200119.6.1003"/><rim:ObjectRef id="urn:uuid:0b1ec7ed-0000-4000-8000-00000000f1a8" home="'"$S_HCID"'"/></rim:RegistryObjectList></query:AdhocQueryResponse></env:Body></env:Envelope>'
	printf 'HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=UTF-8; action="urn:ihe:iti:2007:CrossGatewayQueryResponse"\r\nContent-Length: %d\r\n\r\n%s' \
	    "$(printf '%s' "$body" | wc -c)" "$body" >&7
	soap_fill "$FLOW/sq-find-documents.xml" "$T/qf.xml" ACTION="$A_XGQ" RETURN_TYPE=ObjectRef PATIENT_ID="$OPID" TO="$IG"
	if fl_post "$IG" okayama-ehr "$A_XGQ" "$T/qf.xml" "$T/rf.xml" "IG ITI-38, peer labels an object with another community"; then
		fl_valid "$T/rf.xml" "IG foreign-home object"
		fl_expect_error "$T/rf.xml" XDSUnknownCommunity "IG foreign-home object: XDSUnknownCommunity"
		is "$(fl_status "$T/rf.xml"):$(xpath "$T/rf.xml" "count($FL_OREF)")" "PartialSuccess:1" \
		    "IG foreign-home object: only the peer's own object is passed on, PartialSuccess"
	fi
	stop_fake
else
	not_ok "fake peer (openssl s_server) on port $PS"
fi

stop_hashid okayama-gw
done_testing
