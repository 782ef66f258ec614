# Helpers for the suites that run the consent scenarios between okayama (initiating) and
# shimane (responding, consent.required) — test_consent_gate.sh and test_audit_trail.sh.
# Sourced after lib.sh and lib_flow.sh, once the suite has set: T (its temp dir), JPKI (the
# tests/pki/jpki.sh command with its directory), S_AA and S_HCID (shimane's assigning
# authority and home community), CS (shimane's config), CLASS_SCHEME, E_CONSENT.

# documents of a shimane patient: "uniqueId<TAB>file<TAB>classCode", sorted by uniqueId
docs_of() {
	awk -F '\t' -v p="$1" '$1 == p { print $2 "\t" $7 "\t" $4 }' "$T/data-shimane/documents.tsv" | sort
}
# class_of FILE UID: the classCode of DocumentEntry UID in the query response FILE.
class_of() {
	xpath "$1" "string(${FL_EO}[$(fl_l ExternalIdentifier)[@identificationScheme='$FL_UID_SCHEME'][@value='$2']]/$(fl_l Classification)[@classificationScheme='$CLASS_SCHEME']/@nodeRepresentation)"
}

# REQUESTER: when set, the hashi:Requester header block (user, reason) that xq and retrieve
# put into their requests (gateway/requester.h): break-glass needs it.
REQUESTER=
# with_requester FILE: inserts $REQUESTER into request FILE's SOAP header.
with_requester() {
	[ -n "$REQUESTER" ] || return 0
	awk -v r="$REQUESTER" '{ print } /<soap:Header>/ { print r }' "$1" >"$1.rq" && mv "$1.rq" "$1"
}

# xq URL LOCALPID OUT DESC: ITI-38 FindDocuments for LOCALPID (okayama id) at URL as
# okayama-ehr (or, for shimane's /xca, as okayama-gw), answer in OUT, schema-checked.
# Returns 1 when there was no HTTP 200.
xq() {
	_f_client=okayama-ehr
	case $1 in *"/xca") _f_client=okayama-gw ;; esac
	soap_fill "$FLOW/sq-find-documents.xml" "$3.q" ACTION="$A_XGQ" RETURN_TYPE=LeafClass PATIENT_ID="$2" TO="$1"
	with_requester "$3.q"
	fl_post "$1" "$_f_client" "$A_XGQ" "$3.q" "$3" "$4" || return 1
	fl_valid "$3" "$4"
}

# retrieve URL DIR DESC HOME REPO UID [HOME2 REPO2 UID2]: ITI-39 at URL as okayama-ehr,
# multipart answer split into DIR (mtom_extract), root part schema-checked.
retrieve() {
	_r_url=$1
	_r_dir=$2
	_r_desc=$3
	shift 3
	if [ $# -ge 6 ]; then
		soap_fill "$FLOW/retrieve-two.xml" "$_r_dir.q" ACTION="$A_XGR" HOME1="$1" REPO1="$2" DOC_UID1="$3" \
		    HOME2="$4" REPO2="$5" DOC_UID2="$6" TO="$_r_url"
	else
		soap_fill "$SOAP/iti39-retrieve.xml" "$_r_dir.q" HOME="$1" REPO="$2" DOC_UID="$3" TO="$_r_url"
	fi
	with_requester "$_r_dir.q"
	fl_post "$_r_url" okayama-ehr "$A_XGR" "$_r_dir.q" "$_r_dir.out" "$_r_desc" || return 1
	rm -rf "$_r_dir"
	if ! mtom_extract "$_r_dir.out" "$_r_dir"; then
		not_ok "$_r_desc: readable response"
		diag "$(head -c 800 "$_r_dir.out")"
		return 1
	fi
	fl_valid "$_r_dir/root.xml" "$_r_desc" "$_r_dir"
}


# denied FILE REASON DESC [LOCATION]: FILE (a query or retrieve response) is Failure with no
# object and no document, and holds RegistryError ConsentRequired whose codeContext is
# "patient consent: " followed by a text containing REASON, located at LOCATION (default
# shimane's HCID, as for ITI-38; an ITI-39 error names the document, as the other per-document
# retrieve errors do: ihe-anchors.md §4.2).
denied() {
	is "$(fl_status "$1"):$(xpath "$1" "count($FL_EO|$FL_OREF|$FL_DR)")" "Failure:0" "$3: Failure, nothing released"
	if fl_has_error "$1" "$E_CONSENT"; then
		_dn_e=$(fl_errors "$1" | grep -F "$E_CONSENT|" | head -n 1)
		_dn_ctx=$(printf '%s' "$_dn_e" | cut -d'|' -f2)
		_dn_loc=$(printf '%s' "$_dn_e" | cut -d'|' -f3)
		like "$_dn_ctx" "^patient consent: .*$2" "$3: $E_CONSENT, codeContext 'patient consent: ...$2...'"
		if [ -n "${4:-}" ]; then
			is "$_dn_loc" "$4" "$3: the error's location is the denied document's uniqueId"
		else
			is "$_dn_loc" "$S_HCID" "$3: the error's location is shimane's HCID"
		fi
	else
		not_ok "$3: RegistryError $E_CONSENT"
		diag "errors: $(fl_errors "$1" | tr '\n' ';')" "$(head -c 1200 "$1")"
	fi
}

# cert NAME PID: a JPKI signing certificate NAME whose basic four items are shimane patient
# PID's demographics (patients.tsv: family, given, birth YYYYMMDD, sex M/F, address).
cert() {
	_ct_l=$(awk -F '\t' -v p="$2" '$1 == p { print; exit }' "$T/data-shimane/patients.tsv")
	[ -n "$_ct_l" ] || die "test bug: $2 not in patients.tsv"
	_ct_fam=$(printf '%s' "$_ct_l" | cut -f3)
	_ct_giv=$(printf '%s' "$_ct_l" | cut -f4)
	_ct_birth=$(printf '%s' "$_ct_l" | cut -f7)
	_ct_sex=$(printf '%s' "$_ct_l" | cut -f8)
	_ct_addr=$(printf '%s' "$_ct_l" | cut -f10)
	# the era digit of JPKI's EYYYYMMDD: 1 Meiji, 2 Taisho, 3 Showa, 4 Heisei, 5 Reiwa
	if [ "$_ct_birth" -lt 19120730 ]; then _ct_era=1
	elif [ "$_ct_birth" -lt 19261225 ]; then _ct_era=2
	elif [ "$_ct_birth" -lt 19890108 ]; then _ct_era=3
	elif [ "$_ct_birth" -lt 20190501 ]; then _ct_era=4
	else _ct_era=5
	fi
	case $_ct_sex in M) _ct_sex=1 ;; F) _ct_sex=2 ;; *) _ct_sex=3 ;; esac
	$JPKI issue "$1" name="$_ct_fam　$_ct_giv" sex="$_ct_sex" birth="$_ct_era$_ct_birth" addr="$_ct_addr" ||
	    die "jpki.sh issue $1 ($2) failed"
}

# consent_doc FILE ISSUED PID BODY: a consent document of shimane patient PID; BODY is the
# <grant>...</grant> or <withdraw/> element.
consent_doc() {
	cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<consent xmlns="urn:hashi:consent:1">
  <issued>$2</issued>
  <patient>
    <id>$3</id>
    <assigningAuthority>$S_AA</assigningAuthority>
  </patient>
  $4
</consent>
EOF
}

# grant REGION PURPOSE [CLASS]: a <grant> element for one community, one purpose, one class.
grant() {
	_g_cls=
	[ -n "${3:-}" ] && _g_cls="<documentClasses><class>$3</class></documentClasses>"
	printf '<grant><regions><community>%s</community></regions><purposes><purpose>%s</purpose></purposes>%s<validity><from>2024-04-01</from></validity></grant>' \
	    "$1" "$2" "$_g_cls"
}

# register CERT DOC DESC: signs DOC detached with CERT and registers it at shimane.
register() {
	$JPKI sign "$1" "$2" "$2.p7s" || die "jpki.sh sign $1 failed"
	if _rg_out=$(hashictl "$CS" consent add "$2" "$2.p7s" 2>&1); then
		like "$_rg_out" '^[0-9a-f]{64} registered: ' "$3: registered"
	else
		not_ok "$3: registered"
		diag "$_rg_out"
	fi
}
