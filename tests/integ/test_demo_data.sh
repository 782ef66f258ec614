#!/bin/sh
# The synthetic demo data (tests/data/gen_demo_data.sh): fast, deterministic, every ITI-41
# PnR schema-valid with complete DocumentEntry / SubmissionSet metadata, every CDA well-formed
# and consistent with its metadata, patient 1 identical across regions. Needs no daemon.
. "$(dirname "$0")/lib.sh"
mk_tmp
GEN=$DATA/gen_demo_data.sh
T=$HASHI_TMP

ms() { date +%s%3N; }

# ---- generation, speed, determinism
t0=$(ms)
sh "$GEN" "$T/okayama" okayama 20 >"$T/gen.log" 2>&1 &&
    sh "$GEN" "$T/shimane" shimane 20 >>"$T/gen.log" 2>&1
rc=$?
t1=$(ms)
is "$rc" 0 "generator runs for okayama and shimane (20 patients each)"
[ "$rc" -eq 0 ] || { diag_file "$T/gen.log"; done_testing; }
if [ $((t1 - t0)) -lt 3000 ]; then
	ok "2 x 20 patients generated in $((t1 - t0)) ms (< 3 s)"
else
	not_ok "2 x 20 patients took $((t1 - t0)) ms (limit 3 s)"
fi
sh "$GEN" "$T/okayama2" okayama 20 >/dev/null 2>&1
check "same arguments give byte-identical output" diff -r "$T/okayama" "$T/okayama2"
sh "$GEN" "$T/okayama2" okayama 5 >/dev/null 2>&1
is "$(ls "$T/okayama2"/pnr-*.xml | wc -l)" 5 "a rerun with fewer patients leaves no stale files"
check "tottori (third region) generates" sh "$GEN" "$T/tottori" tottori 3
sh "$GEN" "$T/bad" nowhere 3 >/dev/null 2>&1
is "$?" 2 "unknown region is refused with status 2"
sh "$GEN" "$T/bad" okayama 0 >/dev/null 2>&1
isnt_zero=$?
[ "$isnt_zero" -ne 0 ] && ok "N_PATIENTS 0 is refused" || not_ok "N_PATIENTS 0 is refused"

# ---- per region: files, schema, metadata, CDA
L() { printf "*[local-name()='%s']" "$1"; }
E="//$(L ExtrinsicObject)"
SS="//$(L RegistryPackage)"
VAL="$(L ValueList)/$(L Value)"
slot() { printf "%s[@name='%s']" "$(L Slot)" "$1"; }
cls() { printf "%s[@classificationScheme='urn:uuid:%s']" "$(L Classification)" "$1"; }
coded() { printf "%s[@nodeRepresentation!=''][%s/%s!=''][%s/%s/@value!='']" "$(cls "$1")" \
    "$(slot codingScheme)" "$VAL" "$(L Name)" "$(L LocalizedString)"; }
eid() { printf "%s[@identificationScheme='urn:uuid:%s'][@value!=''][%s/%s/@value='%s']" \
    "$(L ExternalIdentifier)" "$1" "$(L Name)" "$(L LocalizedString)" "$2"; }
SSID="$SS/@id"
SSPID="$SS/$(eid 6b5aea1a-874d-4603-a4bc-96a0a7b38446 XDSSubmissionSet.patientId)/@value"

# Each check: description|XPath counting the objects that violate it (must be 0 in every PnR).
checks() {
	cat <<EOF
DocumentEntry objectType stable and mimeType text/xml|count($E[@objectType!='urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1' or @mimeType!='text/xml'])
DocumentEntry creationTime (DTM, UTC)|count($E[string-length($(slot creationTime)/$VAL) != 14])
DocumentEntry languageCode ja-JP|count($E[not($(slot languageCode)/$VAL='ja-JP')])
DocumentEntry hash (SHA-1 hex) and size|count($E[string-length($(slot hash)/$VAL) != 40 or not($(slot size)/$VAL > 0)])
DocumentEntry serviceStartTime/serviceStopTime|count($E[not($(slot serviceStartTime)/$VAL) or not($(slot serviceStopTime)/$VAL)])
DocumentEntry sourcePatientId|count($E[not(contains($(slot sourcePatientId)/$VAL, '^^^&'))])
DocumentEntry sourcePatientInfo PID-3 = sourcePatientId|count($E[not(concat('PID-3|', $(slot sourcePatientId)/$VAL) = $(slot sourcePatientInfo)/$VAL)])
DocumentEntry sourcePatientInfo PID-5 kanji and kana|count($E[count($(slot sourcePatientInfo)/$VAL[starts-with(., 'PID-5|')]) != 2])
DocumentEntry sourcePatientInfo PID-7, PID-8, PID-11|count($E[not($(slot sourcePatientInfo)/$VAL[starts-with(., 'PID-7|')]) or not($(slot sourcePatientInfo)/$VAL[starts-with(., 'PID-8|')]) or not($(slot sourcePatientInfo)/$VAL[starts-with(., 'PID-11|')])])
DocumentEntry title (rim:Name)|count($E[not($(L Name)/$(L LocalizedString)/@value != '')])
DocumentEntry author (authorPerson, authorInstitution)|count($E[not($(cls 93606bcf-9494-43ec-9b4e-a7748d1a838d)[$(slot authorPerson)/$VAL!=''][$(slot authorInstitution)/$VAL!=''])])
DocumentEntry classCode|count($E[not($(coded 41a5887f-8865-4c09-adf7-e362475b143a))])
DocumentEntry typeCode (LOINC 57133-1 or 18842-5)|count($E[not($(coded f0306f51-975f-434e-a61c-c59651d33983)[@nodeRepresentation='57133-1' or @nodeRepresentation='18842-5'])])
DocumentEntry formatCode|count($E[not($(coded a09d5840-386c-46f2-b5ad-9c3699a4309d))])
DocumentEntry confidentialityCode|count($E[not($(coded f4f85eac-e6cb-4883-b524-f2705394840f))])
DocumentEntry healthcareFacilityTypeCode|count($E[not($(coded f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1))])
DocumentEntry practiceSettingCode|count($E[not($(coded cccf5598-8b07-4b77-a05e-ae952c785ead))])
DocumentEntry patientId (XDSDocumentEntry.patientId) = SubmissionSet patientId|count($E[not($(eid 58a6f841-87b3-4a3e-92fd-a8ffeff98427 XDSDocumentEntry.patientId)/@value = $SSPID)])
DocumentEntry uniqueId (XDSDocumentEntry.uniqueId)|count($E[not($(eid 2e82c1f6-a085-4c72-9da3-8640a32e42ab XDSDocumentEntry.uniqueId))])
exactly one SubmissionSet with its classification node|count($SS) - 1 + count(//$(L Classification)[@classificationNode='urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd'][@classifiedObject = $SSID]) - 1
SubmissionSet submissionTime|count($SS[string-length($(slot submissionTime)/$VAL) != 14])
SubmissionSet author|count($SS[not($(cls a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d)[$(slot authorPerson)/$VAL!=''])])
SubmissionSet contentTypeCode|count($SS[not($(coded aa543740-bdda-424e-8c96-df4873be8500))])
SubmissionSet uniqueId, sourceId, patientId|count($SS[not($(eid 96fdda7c-d067-4183-912e-bf5ee74998a8 XDSSubmissionSet.uniqueId)) or not($(eid 554ac39e-e3fe-47fe-b233-965d2a147832 XDSSubmissionSet.sourceId)) or not($(eid 6b5aea1a-874d-4603-a4bc-96a0a7b38446 XDSSubmissionSet.patientId))])
HasMember association (SubmissionSetStatus Original) per DocumentEntry|count($E[not(@id = //$(L Association)[@associationType='urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember'][@sourceObject = $SSID][$(slot SubmissionSetStatus)/$VAL='Original']/@targetObject)])
one xdsb:Document with an xop:Include per DocumentEntry|count($E[not(@id = //$(L Document)[$(L Include)/@href!='']/@id)]) + count(//$(L Document)) - count($E)
EOF
}

checks >"$T/checks"
for r in okayama shimane; do
	d=$T/$r
	region_info "$r"
	npnr=$(ls "$d"/pnr-*.xml | wc -l)
	is "$npnr" 20 "$r: one PnR per patient"
	ncda=$(ls "$d"/*.cda | wc -l)
	ndoc=$(grep -vc '^#' "$d/documents.tsv")
	is "$ndoc" "$ncda" "$r: documents.tsv lists every CDA file ($ncda)"
	if [ "$ncda" -ge 20 ] && [ "$ncda" -le 60 ]; then
		ok "$r: 1-3 documents per patient ($ncda for 20)"
	else
		not_ok "$r: 1-3 documents per patient ($ncda for 20)"
	fi

	# schema: every PnR with its xop:Includes inlined (the XOP infoset), one xmllint run
	mkdir -p "$T/inl-$r"
	for f in "$d"/pnr-*.xml; do
		pnr_inline "$f" "$d" "$T/inl-$r/$(basename "$f")"
	done
	xmllint --noout --nonet --schema "$SHARED/conformance/xsd/ebrs30/XDS.b_DocumentRepository.xsd" \
	    "$T/inl-$r"/pnr-*.xml >"$T/xsd-$r.log" 2>&1
	for f in "$T/inl-$r"/pnr-*.xml; do
		b=$(basename "$f")
		if grep -qxF "$f validates" "$T/xsd-$r.log"; then
			ok "$r: $b valid against XDS.b_DocumentRepository.xsd (xop:Include inlined)"
		else
			not_ok "$r: $b valid against XDS.b_DocumentRepository.xsd (xop:Include inlined)"
			grep -F "$f" "$T/xsd-$r.log" | head -n 10 | sed 's/^/# /'
		fi
	done

	# metadata: all checks in one XPath per PnR (a line of violation counts), then one TAP line
	# per check naming the PnRs that violate it
	expr="concat(''"
	while IFS='|' read -r desc x; do
		expr="$expr, ' ', $x"
	done <"$T/checks"
	expr="$expr)"
	: >"$T/counts-$r"
	for f in "$d"/pnr-*.xml; do
		printf '%s %s\n' "$(basename "$f")" "$(xmllint --xpath "$expr" "$f" 2>/dev/null || echo unreadable)" >>"$T/counts-$r"
	done
	i=1
	while IFS='|' read -r desc x; do
		i=$((i + 1))
		bad=$(awk -v i="$i" '$i != "0" { printf " %s=%s", $1, $i }' "$T/counts-$r")
		if [ -z "$bad" ]; then
			ok "$r: $desc"
		else
			not_ok "$r: $desc"
			diag "violations (file=count):$bad"
		fi
	done <"$T/checks"

	# every xop:Include href names an existing file
	missing=$(sed -n 's/.*<xop:Include [^>]*href="\([^"]*\)".*/\1/p' "$d"/pnr-*.xml |
	    while read -r h; do [ -f "$d/$h" ] || echo "$h"; done)
	is "$missing" "" "$r: every xop:Include href names a file in the folder"
	# hash and size: documents.tsv against the bytes, and each DocumentEntry's slots against both
	(cd "$d" && sha1sum -- *.cda && wc -c -- *.cda) >"$T/sums-$r"
	cat "$d"/pnr-*.xml >"$T/pnrs-$r"
	bad=$(awk -F '\t' -v sums="$T/sums-$r" -v pnrs="$T/pnrs-$r" '
	BEGIN {
		while ((getline l < sums) > 0) {
			n = split(l, a, " ")
			if (length(a[1]) == 40) SHA[a[n]] = a[1]; else if (a[n] != "total") SIZE[a[n]] = a[1]
		}
		while ((getline l < pnrs) > 0) {
			if (l ~ /<rim:ExtrinsicObject /) { id = l; sub(/.* id="/, "", id); sub(/".*/, "", id) }
			if (l ~ /name="hash"/) { v = l; sub(/.*<rim:Value>/, "", v); sub(/<.*/, "", v); H[id] = v }
			if (l ~ /name="size"/) { v = l; sub(/.*<rim:Value>/, "", v); sub(/<.*/, "", v); Z[id] = v }
		}
	}
	/^#/ { next }
	{
		if (SHA[$7] != $9) print "sha1 " $7
		if (SIZE[$7] != $8) print "size " $7
		if (H[$3] != $9) print "hash slot " $3
		if (Z[$3] != $8) print "size slot " $3
	}' "$d/documents.tsv")
	is "$bad" "" "$r: hash (SHA-1) and size slots match the CDA bytes"

	# uniqueIds: OIDs (no leading zeros, <= 64 chars), unique, derived from the region
	bad=$(grep -v '^#' "$d/documents.tsv" | cut -f2 | awk -v base="${R_HCID#urn:oid:}" '
	    length($0) > 64 || $0 !~ /^[0-2](\.(0|[1-9][0-9]*))+$/ || index($0, base ".3.") != 1 { print "bad " $0 }
	    seen[$0]++ == 1 { print "dup " $0 }')
	is "$bad" "" "$r: document uniqueIds are unique OIDs under ${R_HCID#urn:oid:}.3"
	bad=$(grep -v '^#' "$d/documents.tsv" | cut -f3 |
	    grep -Ev '^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')
	is "$bad" "" "$r: entryUUIDs are well-formed urn:uuid"

	# CDA: well-formed, HL7 v3 namespace, id/code/patient consistent with the metadata
	if out=$(xmllint --noout --nonet "$d"/*.cda 2>&1); then
		ok "$r: every CDA document is well-formed XML"
	else
		not_ok "$r: every CDA document is well-formed XML"
		diag "$out"
	fi
	files=$(grep -v '^#' "$d/documents.tsv" | cut -f7 | sed "s#^#$d/#")
	# shellcheck disable=SC2086
	xmllint --xpath "concat(namespace-uri(/*), '|', local-name(/*), '|', /*/*[local-name()='id']/@root, '|', /*/*[local-name()='code']/@code, '|', /*/*[local-name()='title'], '|', //*[local-name()='patientRole']/*[local-name()='id'][1]/@extension)" \
	    $files >"$T/cda-$r" 2>/dev/null
	bad=$(grep -v '^#' "$d/documents.tsv" | awk -F '\t' -v got="$T/cda-$r" '{
		getline g < got
		if (g != "urn:hl7-org:v3|ClinicalDocument|" $2 "|" $4 "|" $5 "|" $1) print $7 ": " g
	}' | head -n 10)
	is "$bad" "" "$r: each CDA is an urn:hl7-org:v3 ClinicalDocument whose id, code, title and patient match its DocumentEntry"
	enc=$(head -n 1 "$d/${R_PREFIX}0001-1.cda")
	like "$enc" 'encoding="UTF-8"' "$r: CDA declares UTF-8"
	name=$(xpath "$d/${R_PREFIX}0001-1.cda" "concat(//*[local-name()='name'][@use='IDE']/*[local-name()='family'], ' ', //*[local-name()='name'][@use='IDE']/*[local-name()='given'], ' / ', //*[local-name()='name'][@use='SYL']/*[local-name()='family'], ' ', //*[local-name()='name'][@use='SYL']/*[local-name()='given'])")
	is "$name" "山田 太郎 / ヤマダ タロウ" "$r: patient 1 is 山田 太郎 / ヤマダ タロウ in kanji and katakana"
done

# ---- cross-region facts the demo relies on
o=$(awk -F '\t' '$1 == "P0001" { print $3, $4, $5, $6, $7, $8, $9, $10 }' "$T/okayama/patients.tsv")
s=$(awk -F '\t' '$1 == "S0001" { print $3, $4, $5, $6, $7, $8, $9, $10 }' "$T/shimane/patients.tsv")
is "$s" "$o" "S0001 (shimane) has the same demographics as P0001 (okayama)"
pi_o=$(grep -o 'PID-[578]|[^<]*\|PID-11|[^<]*' "$T/okayama/pnr-P0001.xml" | sort -u)
pi_s=$(grep -o 'PID-[578]|[^<]*\|PID-11|[^<]*' "$T/shimane/pnr-S0001.xml" | sort -u)
is "$pi_s" "$pi_o" "S0001 and P0001 carry the same sourcePatientInfo PID-5/7/8/11"
like "$(grep -c . "$T/shimane/documents.tsv")" '^[2-9]' "shimane has documents for S0001"
dups=$(cat "$T/okayama/documents.tsv" "$T/shimane/documents.tsv" | grep -v '^#' | cut -f2 | sort | uniq -d)
is "$dups" "" "document uniqueIds do not collide across regions"
check "patient ids of okayama use its assigning authority" \
    grep -q 'P0001^^^&amp;1.2.392.200119.6.1001.1&amp;ISO' "$T/okayama/pnr-P0001.xml"
check "patient ids of shimane use its assigning authority" \
    grep -q 'S0001^^^&amp;1.2.392.200119.6.1002.1&amp;ISO' "$T/shimane/pnr-S0001.xml"

done_testing
