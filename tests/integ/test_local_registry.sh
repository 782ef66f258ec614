#!/bin/sh
# The embedded XDS.b registry/repository of one region, through /xds as a local system:
# ITI-41 Provide and Register (inline base64 and MTOM/XOP), ITI-18 Registry Stored Query
# (FindDocuments LeafClass and ObjectRef, GetDocuments, GetSubmissionSetAndContents), ITI-43
# Retrieve Document Set (bytes identical), rejected submissions (XDSPatientIdDoesNotMatch,
# XDSRegistryMetadataError) that store nothing, an unknown document (XDSDocumentUniqueIdError)
# and `hashictl registry stats`. Every response envelope is validated against xds-soap12.xsd.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_flow.sh"

mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw okayama-ehr
P=$(free_port) || die "no free port"
write_config okayama-gw "$P" okayama local=okayama-ehr
C=$(config_of okayama-gw)
HCID=$R_HCID
AA=$R_AA
REPO=$R_REPO
start_hashid okayama-gw "$C" okayama-ehr || die "hashid did not start"
U=https://127.0.0.1:$P/xds
ok "hashid started (okayama, port $P)"

is "$(fl_stats "$C")" "documents=0 sets=0 folders=0 associations=0 contents=0" \
    "registry stats: a fresh registry is empty"

PID="PL0001^^^&$AA&ISO"
PID2="PL0002^^^&$AA&ISO"
STAMP=$(date +%s)
DOC1_UID=1.2.392.200119.6.1001.99.$STAMP.1
DOC2_UID=1.2.392.200119.6.1001.99.$STAMP.2
SS1_UID=1.2.392.200119.6.1001.98.$STAMP.1
SS2_UID=1.2.392.200119.6.1001.98.$STAMP.2
SRC=1.2.392.200119.6.1001.97

# ---------------------------------------------------------------- ITI-41 inline
# A CDA document from the synthetic data, sent as base64 text in xdsb:Document.
sh "$DATA/gen_demo_data.sh" "$T/data" okayama 1 >/dev/null 2>&1 || die "gen_demo_data.sh failed"
DOC1=$T/data/P0001-1.cda
[ -s "$DOC1" ] || die "no P0001-1.cda from gen_demo_data.sh"
base64 -w0 "$DOC1" >"$T/doc1.b64"
soap_fill "$SOAP/iti41-pnr-inline.xml" "$T/q41.xml" PATIENT_ID="$PID" TITLE="統合テスト 診療情報提供書" \
    CREATION_TIME=20240401093000 SUBMISSION_TIME=20240401100000 DOC_UID="$DOC1_UID" \
    SS_UID="$SS1_UID" SOURCE_ID="$SRC" DOCUMENT_B64=@"$T/doc1.b64" TO="$U" || die "soap_fill failed"
MID41=$(xpath "$T/q41.xml" "normalize-space(//$(fl_l MessageID))")
if fl_post "$U" okayama-ehr "$A_PNR" "$T/q41.xml" "$T/r41.xml" "ITI-41 inline"; then
	fl_valid "$T/r41.xml" "ITI-41 inline"
	is "$(fl_status "$T/r41.xml")" Success "ITI-41 inline: RegistryResponse status Success"
	is "$(fl_wsa_action "$T/r41.xml")" "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse" \
	    "ITI-41 inline: response wsa:Action"
	is "$(xpath "$T/r41.xml" "normalize-space(//$(fl_l RelatesTo))")" "$MID41" \
	    "ITI-41 inline: wsa:RelatesTo is the request's MessageID"
fi
is "$(fl_stats "$C")" "documents=1 sets=1 folders=0 associations=1 contents=1" \
    "registry stats after one submission"

# ---------------------------------------------------------------- ITI-18 FindDocuments
soap_fill "$FLOW/sq-find-documents.xml" "$T/q18.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass PATIENT_ID="$PID" TO="$U"
if fl_post "$U" okayama-ehr "$A_SQ" "$T/q18.xml" "$T/r18.xml" "ITI-18 FindDocuments LeafClass"; then
	fl_valid "$T/r18.xml" "ITI-18 FindDocuments"
	is "$(fl_status "$T/r18.xml")" Success "FindDocuments: status Success"
	is "$(fl_wsa_action "$T/r18.xml")" "urn:ihe:iti:2007:RegistryStoredQueryResponse" "FindDocuments: response wsa:Action"
	is "$(xpath "$T/r18.xml" "count($FL_EO)")" 1 "FindDocuments: exactly one DocumentEntry for the patient"
	E="${FL_EO}[1]"
	is "$(xpath "$T/r18.xml" "string($E/$(fl_eid "$FL_UID_SCHEME"))")" "$DOC1_UID" "FindDocuments: uniqueId"
	is "$(xpath "$T/r18.xml" "string($E/$(fl_eid "$FL_PID_SCHEME"))")" "$PID" "FindDocuments: patientId"
	is "$(xpath "$T/r18.xml" "string($E/$(fl_l Name)/$(fl_l LocalizedString)/@value)")" "統合テスト 診療情報提供書" \
	    "FindDocuments: title (UTF-8 kept)"
	is "$(xpath "$T/r18.xml" "string($E/$(fl_slot hash))")" "$(fl_sha1 "$DOC1")" \
	    "FindDocuments: hash slot added by the registry = SHA-1 of the document"
	is "$(xpath "$T/r18.xml" "string($E/$(fl_slot size))")" "$(wc -c <"$DOC1" | tr -d ' ')" \
	    "FindDocuments: size slot added by the registry = document length"
	is "$(xpath "$T/r18.xml" "string($E/$(fl_slot repositoryUniqueId))")" "$REPO" \
	    "FindDocuments: repositoryUniqueId slot = our repository"
	is "$(xpath "$T/r18.xml" "string($E/@status)")" "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved" \
	    "FindDocuments: availabilityStatus Approved"
	ENTRY_UUID=$(xpath "$T/r18.xml" "string($E/@id)")
	like "$ENTRY_UUID" '^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' \
	    "FindDocuments: the symbolic id Document01 was replaced by a UUID"
fi

# another patient has nothing
soap_fill "$FLOW/sq-find-documents.xml" "$T/q18b.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass PATIENT_ID="$PID2" TO="$U"
if fl_post "$U" okayama-ehr "$A_SQ" "$T/q18b.xml" "$T/r18b.xml" "ITI-18 FindDocuments for a patient without documents"; then
	is "$(fl_status "$T/r18b.xml"):$(xpath "$T/r18b.xml" "count($FL_EO|$FL_OREF)")" "Success:0" \
	    "FindDocuments for another patient: Success with no objects"
fi

# ObjectRef
soap_fill "$FLOW/sq-find-documents.xml" "$T/q18r.xml" ACTION="$A_SQ" RETURN_TYPE=ObjectRef PATIENT_ID="$PID" TO="$U"
if fl_post "$U" okayama-ehr "$A_SQ" "$T/q18r.xml" "$T/r18r.xml" "ITI-18 FindDocuments ObjectRef"; then
	fl_valid "$T/r18r.xml" "FindDocuments ObjectRef"
	is "$(xpath "$T/r18r.xml" "count($FL_OREF)"):$(xpath "$T/r18r.xml" "count($FL_EO)")" "1:0" \
	    "FindDocuments ObjectRef: one ObjectRef, no ExtrinsicObject"
	is "$(xpath "$T/r18r.xml" "string(${FL_OREF}[1]/@id)")" "${ENTRY_UUID:-?}" \
	    "FindDocuments ObjectRef: its id is the DocumentEntry's entryUUID"
fi

# GetDocuments by uniqueId
soap_fill "$FLOW/sq-get-documents.xml" "$T/q18g.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass DOC_UIDS="$DOC1_UID" TO="$U"
if fl_post "$U" okayama-ehr "$A_SQ" "$T/q18g.xml" "$T/r18g.xml" "ITI-18 GetDocuments"; then
	fl_valid "$T/r18g.xml" "GetDocuments"
	is "$(fl_status "$T/r18g.xml"):$(xpath "$T/r18g.xml" "count($FL_EO)")" "Success:1" \
	    "GetDocuments: Success, one DocumentEntry"
	is "$(xpath "$T/r18g.xml" "string(${FL_EO}[1]/$(fl_eid "$FL_UID_SCHEME"))")" "$DOC1_UID" "GetDocuments: the requested uniqueId"
	is "$(xpath "$T/r18g.xml" "string(${FL_EO}[1]/@id)")" "${ENTRY_UUID:-?}" "GetDocuments: same entryUUID as FindDocuments"
fi

# GetSubmissionSetAndContents
soap_fill "$FLOW/sq-get-ss-and-contents.xml" "$T/q18s.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass SS_UID="$SS1_UID" TO="$U"
if fl_post "$U" okayama-ehr "$A_SQ" "$T/q18s.xml" "$T/r18s.xml" "ITI-18 GetSubmissionSetAndContents"; then
	fl_valid "$T/r18s.xml" "GetSubmissionSetAndContents"
	is "$(fl_status "$T/r18s.xml")" Success "GetSubmissionSetAndContents: status Success"
	is "$(xpath "$T/r18s.xml" "count($FL_RP)")" 1 "GetSubmissionSetAndContents: one RegistryPackage"
	is "$(xpath "$T/r18s.xml" "string(${FL_RP}[1]/$(fl_eid "$FL_SSUID_SCHEME"))")" "$SS1_UID" \
	    "GetSubmissionSetAndContents: the SubmissionSet's uniqueId"
	is "$(xpath "$T/r18s.xml" "count($FL_EO)")" 1 "GetSubmissionSetAndContents: its DocumentEntry"
	is "$(xpath "$T/r18s.xml" "string(${FL_EO}[1]/$(fl_eid "$FL_UID_SCHEME"))")" "$DOC1_UID" \
	    "GetSubmissionSetAndContents: DocumentEntry uniqueId"
	SSID=$(xpath "$T/r18s.xml" "string(${FL_RP}[1]/@id)")
	EOID=$(xpath "$T/r18s.xml" "string(${FL_EO}[1]/@id)")
	is "$(xpath "$T/r18s.xml" "count(${FL_ASSOC}[@associationType='urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember'][@sourceObject='$SSID'][@targetObject='$EOID'])")" 1 \
	    "GetSubmissionSetAndContents: HasMember association SubmissionSet -> DocumentEntry"
fi

# ---------------------------------------------------------------- ITI-43
soap_fill "$SOAP/iti43-retrieve.xml" "$T/q43.xml" REPO="$REPO" DOC_UID="$DOC1_UID" TO="$U"
if fl_post "$U" okayama-ehr "$A_RET" "$T/q43.xml" "$T/r43" "ITI-43 retrieve (inline-submitted document)"; then
	like "$(response_content_type "$T/r43")" '^multipart/related;' "ITI-43: answered as multipart/related (MTOM)"
	if mtom_extract "$T/r43" "$T/m43"; then
		fl_valid "$T/m43/root.xml" "ITI-43" "$T/m43"
		is "$(fl_status "$T/m43/root.xml")" Success "ITI-43: status Success"
		is "$(fl_wsa_action "$T/m43/root.xml")" "urn:ihe:iti:2007:RetrieveDocumentSetResponse" "ITI-43: response wsa:Action"
		is "$(xpath "$T/m43/root.xml" "normalize-space($FL_DR/$(fl_l mimeType))")" "text/xml" "ITI-43: mimeType"
		if d=$(mtom_document "$T/m43" "$DOC1_UID"); then
			is "$(fl_sha256 "$d")" "$(fl_sha256 "$DOC1")" "ITI-43: retrieved bytes identical (sha256)"
		else
			not_ok "ITI-43: a DocumentResponse for $DOC1_UID"
		fi
	else
		not_ok "ITI-43: response is a well-formed multipart/related body"
	fi
fi

# ---------------------------------------------------------------- ITI-41 MTOM
# The document travels in a binary MIME part; it holds CR LF, a fake delimiter line, NUL and
# 0xFF bytes so that a parser that is not binary-safe corrupts it.
{
	printf '<?xml version="1.0" encoding="UTF-8"?>\r\n<ClinicalDocument xmlns="urn:hl7-org:v3">\r\n'
	printf '<!-- \r\n--MIMEBoundary_flow_fake\r\nContent-Type: text/plain\r\n\r\n -->\r\n'
	head -c 3000 /dev/urandom | base64 -w 76 | sed 's/^/<x>/; s/$/<\/x>\r/'
	printf '</ClinicalDocument>\r\n\000\377\r\n'
} >"$T/doc2.bin"
soap_fill "$SOAP/iti41-pnr-mtom.xml" "$T/q41m-root.xml" PATIENT_ID="$PID" TITLE="MTOM 退院時サマリー" \
    CREATION_TIME=20240402093000 SUBMISSION_TIME=20240402100000 DOC_UID="$DOC2_UID" \
    SS_UID="$SS2_UID" SOURCE_ID="$SRC" DOCUMENT_CID="doc2.$STAMP@flow.hashi.test" TO="$U"
B="MIMEBoundary_flow_$STAMP"
{
	printf -- '--%s\r\n' "$B"
	printf 'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n'
	printf 'Content-Transfer-Encoding: binary\r\nContent-ID: <root.%s@flow.hashi.test>\r\n\r\n' "$STAMP"
	cat "$T/q41m-root.xml"
	printf '\r\n--%s\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: binary\r\n' "$B"
	printf 'Content-ID: <doc2.%s@flow.hashi.test>\r\n\r\n' "$STAMP"
	cat "$T/doc2.bin"
	printf '\r\n--%s--\r\n' "$B"
} >"$T/q41m"
CT="multipart/related; boundary=\"$B\"; type=\"application/xop+xml\"; start=\"<root.$STAMP@flow.hashi.test>\"; start-info=\"application/soap+xml\"; action=\"$A_PNR\""
code=$(soap_post_ct "$U" okayama-ehr "$CT" "$T/q41m" "$T/r41m")
if is "$code" 200 "ITI-41 MTOM: HTTP 200"; then
	fl_valid "$T/r41m" "ITI-41 MTOM"
	is "$(fl_status "$T/r41m")" Success "ITI-41 MTOM: status Success"
	[ "$(fl_status "$T/r41m")" = Success ] || diag "$(fl_errors "$T/r41m")"
else
	diag "$(cat "$T/r41m.err")" "$(head -c 1000 "$T/r41m")"
fi
is "$(fl_stats "$C")" "documents=2 sets=2 folders=0 associations=2 contents=2" \
    "registry stats after the MTOM submission"

soap_fill "$FLOW/sq-get-documents.xml" "$T/q18g2.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass DOC_UIDS="$DOC2_UID" TO="$U"
if fl_post "$U" okayama-ehr "$A_SQ" "$T/q18g2.xml" "$T/r18g2.xml" "ITI-18 GetDocuments (MTOM-submitted document)"; then
	E="${FL_EO}[1]"
	is "$(xpath "$T/r18g2.xml" "string($E/$(fl_slot size))"):$(xpath "$T/r18g2.xml" "string($E/$(fl_slot hash))")" \
	    "$(wc -c <"$T/doc2.bin" | tr -d ' '):$(fl_sha1 "$T/doc2.bin")" "MTOM document: size and hash of the bytes of the part"
fi
soap_fill "$FLOW/sq-find-documents.xml" "$T/q18c.xml" ACTION="$A_SQ" RETURN_TYPE=LeafClass PATIENT_ID="$PID" TO="$U"
if fl_post "$U" okayama-ehr "$A_SQ" "$T/q18c.xml" "$T/r18c.xml" "ITI-18 FindDocuments after two submissions"; then
	is "$(xpath "$T/r18c.xml" "count($FL_EO)")" 2 "FindDocuments: both documents of the patient"
fi

soap_fill "$SOAP/iti43-retrieve.xml" "$T/q43m.xml" REPO="$REPO" DOC_UID="$DOC2_UID" TO="$U"
if fl_post "$U" okayama-ehr "$A_RET" "$T/q43m.xml" "$T/r43m" "ITI-43 retrieve (MTOM-submitted document)"; then
	if mtom_extract "$T/r43m" "$T/m43m"; then
		fl_valid "$T/m43m/root.xml" "ITI-43 (MTOM document)" "$T/m43m"
		if d=$(mtom_document "$T/m43m" "$DOC2_UID"); then
			is "$(fl_sha256 "$d")" "$(fl_sha256 "$T/doc2.bin")" "ITI-43: MTOM-submitted bytes identical (sha256)"
		else
			not_ok "ITI-43: a DocumentResponse for $DOC2_UID"
		fi
	else
		not_ok "ITI-43 (MTOM document): well-formed multipart/related"
	fi
fi

# ---------------------------------------------------------------- rejected submissions
# bad_pnr OUT UID SSUID: a fresh, valid inline PnR for PID into OUT.
bad_pnr() {
	soap_fill "$SOAP/iti41-pnr-inline.xml" "$1" PATIENT_ID="$PID" TITLE="不正な登録" \
	    CREATION_TIME=20240403093000 SUBMISSION_TIME=20240403100000 DOC_UID="$2" \
	    SS_UID="$3" SOURCE_ID="$SRC" DOCUMENT_B64=@"$T/doc1.b64" TO="$U"
}
# DocumentEntry.patientId (ei01) of another patient than the SubmissionSet's
sed_pid='s/\(<rim:ExternalIdentifier id="ei01"[^>]*value="\)PL0001/\1PL0002/'
# no classCode Classification (cl02)
awk_nocls='/<rim:Classification id="cl02"/ { skip = 1 } !skip { print } skip && /<\/rim:Classification>/ { skip = 0 }'

BEFORE=$(fl_stats "$C")
bad_pnr "$T/b.xml" "$DOC1_UID.81" "$SS1_UID.81"
sed "$sed_pid" "$T/b.xml" >"$T/bad-pid.xml"
bad_pnr "$T/b.xml" "$DOC1_UID.82" "$SS1_UID.82"
awk "$awk_nocls" "$T/b.xml" >"$T/bad-cls.xml"
bad_pnr "$T/b.xml" "$DOC1_UID.83" "$SS1_UID.83"
sed "$sed_pid" "$T/b.xml" | awk "$awk_nocls" >"$T/bad-both.xml"
if cmp -s "$T/b.xml" "$T/bad-pid.xml" || ! grep -q 'value="PL0002' "$T/bad-pid.xml" ||
    grep -q 'id="cl02"' "$T/bad-cls.xml" || ! grep -q 'id="cl01"' "$T/bad-cls.xml"; then
	die "test bug: could not derive the bad submissions from the template"
fi
for v in pid cls both; do
	if fl_post "$U" okayama-ehr "$A_PNR" "$T/bad-$v.xml" "$T/rbad-$v.xml" "ITI-41 bad metadata ($v)"; then
		fl_valid "$T/rbad-$v.xml" "ITI-41 bad metadata ($v)"
		is "$(fl_status "$T/rbad-$v.xml")" Failure "ITI-41 bad metadata ($v): status Failure"
		case $v in
		pid | both) fl_expect_error "$T/rbad-$v.xml" XDSPatientIdDoesNotMatch \
		    "ITI-41 bad metadata ($v): RegistryError XDSPatientIdDoesNotMatch" ;;
		esac
		case $v in
		cls | both) fl_expect_error "$T/rbad-$v.xml" XDSRegistryMetadataError \
		    "ITI-41 bad metadata ($v): RegistryError XDSRegistryMetadataError" ;;
		esac
	fi
done
# a patient of another region (another assigning authority): the region's registry holds
# its own patients only
FOREIGN_PID='S0001^^^&1.2.392.200119.6.1002.1&ISO'
soap_fill "$SOAP/iti41-pnr-inline.xml" "$T/bad-foreign.xml" PATIENT_ID="$FOREIGN_PID" \
    TITLE="他地域の患者" CREATION_TIME=20240403093000 SUBMISSION_TIME=20240403100000 \
    DOC_UID="$DOC1_UID.84" SS_UID="$SS1_UID.84" SOURCE_ID="$SRC" DOCUMENT_B64=@"$T/doc1.b64" TO="$U"
if fl_post "$U" okayama-ehr "$A_PNR" "$T/bad-foreign.xml" "$T/rbad-foreign.xml" "ITI-41 for another region's patient"; then
	is "$(fl_status "$T/rbad-foreign.xml")" Failure "ITI-41 foreign patient: status Failure"
	fl_expect_error "$T/rbad-foreign.xml" XDSUnknownPatientId "ITI-41 foreign patient: RegistryError XDSUnknownPatientId"
fi
is "$(fl_stats "$C")" "$BEFORE" "rejected submissions stored nothing (registry stats unchanged)"
soap_fill "$FLOW/sq-get-documents.xml" "$T/q18x.xml" ACTION="$A_SQ" RETURN_TYPE=ObjectRef \
    DOC_UIDS="$DOC1_UID.81','$DOC1_UID.82','$DOC1_UID.83" TO="$U"
if fl_post "$U" okayama-ehr "$A_SQ" "$T/q18x.xml" "$T/r18x.xml" "ITI-18 GetDocuments for the rejected uniqueIds"; then
	is "$(xpath "$T/r18x.xml" "count($FL_OREF|$FL_EO)")" 0 "no rejected DocumentEntry is findable"
fi
soap_fill "$SOAP/iti43-retrieve.xml" "$T/q43x.xml" REPO="$REPO" DOC_UID="$DOC1_UID.82" TO="$U"
if fl_post "$U" okayama-ehr "$A_RET" "$T/q43x.xml" "$T/r43x" "ITI-43 of a rejected document"; then
	mtom_extract "$T/r43x" "$T/m43x" >/dev/null 2>&1
	is "$(xpath "$T/m43x/root.xml" "count($FL_DR)")" 0 "no content stored for a rejected document"
fi

# ---------------------------------------------------------------- unknown document
UNK=1.2.392.200119.6.1001.99.$STAMP.404
soap_fill "$SOAP/iti43-retrieve.xml" "$T/q43u.xml" REPO="$REPO" DOC_UID="$UNK" TO="$U"
if fl_post "$U" okayama-ehr "$A_RET" "$T/q43u.xml" "$T/r43u" "ITI-43 of an unknown document"; then
	if mtom_extract "$T/r43u" "$T/m43u"; then
		fl_valid "$T/m43u/root.xml" "ITI-43 unknown document" "$T/m43u"
		is "$(fl_status "$T/m43u/root.xml")" Failure "ITI-43 unknown document: status Failure"
		fl_expect_error "$T/m43u/root.xml" XDSDocumentUniqueIdError "ITI-43 unknown document: XDSDocumentUniqueIdError"
		is "$(fl_error_location "$T/m43u/root.xml" XDSDocumentUniqueIdError)" "$UNK" \
		    "ITI-43 unknown document: error location is the uniqueId"
		is "$(xpath "$T/m43u/root.xml" "count($FL_DR)")" 0 "ITI-43 unknown document: no DocumentResponse"
	else
		not_ok "ITI-43 unknown document: readable response"
	fi
fi

# ---------------------------------------------------------------- stats, final
st=$(hashictl "$C" registry stats 2>&1)
like "$st" '^documents: +2$' "hashictl registry stats prints 'documents: 2'"
like "$st" '^submission sets: +2$' "hashictl registry stats prints 'submission sets: 2'"
like "$st" '^stored contents: +2$' "hashictl registry stats prints 'stored contents: 2'"

stop_hashid okayama-gw
done_testing
