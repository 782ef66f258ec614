#!/bin/sh
# Hostile and broken input against one running gateway (okayama, 3 synthetic patients), each
# answered with the standard error: malformed XML, an entity bomb, XXE (general, parameter,
# UTF-16, inside MTOM), XInclude, too deep nesting, bodies over limits.max_body /
# max_mtom_body (Content-Length and chunked), wrong Content-Types (text/plain, SOAP 1.1's
# text/xml, a foreign charset), SOAP 1.1 envelopes, WS-Addressing errors (no Action, unknown
# Action, Action served elsewhere, Content-Type action mismatch, non-anonymous ReplyTo),
# mustUnderstand on an unknown header, stored-query errors, an ITI-41 with inconsistent
# metadata, TLS without / with a foreign / with an unconfigured client certificate, plain
# HTTP, wrong method and path. Every SOAP answer is checked against xds-soap12.xsd, no
# answer ever contains /etc/passwd, and after all of it the daemon is still the same process,
# its memory did not balloon and it answers a valid query with the right documents.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_bad.sh"

for tool in xmllint openssl curl iconv; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
mk_tmp
T=$HASHI_TMP
mk_pki okayama-gw shimane-gw okayama-ehr
P=$(free_port) || die "no free port"
PP=$(free_port) || die "no free port"
# Small limits so that "too large" costs little: max_body 64 KiB, max_mtom_body 1 MiB, depth 32.
write_config okayama-gw "$P" okayama local=okayama-ehr peer=shimane-gw@shimane:"$PP" \
    limits.max_body=64KiB limits.max_mtom_body=1MiB limits.max_xml_depth=32
C=$(config_of okayama-gw)
AA=$R_AA
REPO=$R_REPO
sh "$DATA/gen_demo_data.sh" "$T/data" okayama 3 >/dev/null 2>&1 || die "gen_demo_data.sh failed"
check "registry import of 3 synthetic patients" hashictl "$C" registry import "$T/data"
start_hashid okayama-gw "$C" okayama-ehr || die "hashid did not start"
DPID=$(pid_of okayama-gw)
X=https://127.0.0.1:$P/xds
XCA=https://127.0.0.1:$P/xca
PID="P0001^^^&$AA&ISO"
EO="//$(bd_l ExtrinsicObject)"
UID_EI="$(bd_l ExternalIdentifier)[@identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value"
awk -F '\t' '$1 == "P0001" { print $2 }' "$T/data/documents.tsv" | sort >"$T/p0001.uids"
[ -s "$T/p0001.uids" ] || die "test bug: no documents for P0001 in the synthetic data"

# valid_query NAME DESC: FindDocuments for P0001 answers exactly P0001's documents.
valid_query() {
	soap_fill "$SOAP/iti18-find-documents.xml" "$T/$1.xml" PATIENT_ID="$PID" TO="$X"
	bd_post "$X" okayama-ehr "$BD_SQ" "$T/$1.xml" "$1"
	_vq_f=$(bd_resp "$1")
	_vq_n=$(xpath "$_vq_f" "count($EO)")
	_vq_i=1
	while [ "$_vq_i" -le "${_vq_n:-0}" ]; do
		printf '%s\n' "$(xpath "$_vq_f" "string(($EO)[$_vq_i]/$UID_EI)")"
		_vq_i=$((_vq_i + 1))
	done | sort >"$T/$1.uids"
	if [ "$BD_CODE" = 200 ] && [ "$(bd_status "$_vq_f")" = Success ] &&
	    cmp -s "$T/$1.uids" "$T/p0001.uids"; then
		ok "$2"
		return 0
	fi
	not_ok "$2"
	diag "HTTP $BD_CODE, status '$(bd_status "$_vq_f")', uniqueIds:" "$(cat "$T/$1.uids")" \
	    "expected:" "$(cat "$T/p0001.uids")" "$(head -c 600 "$_vq_f")"
	return 1
}

valid_query q0 "baseline: FindDocuments for P0001 returns its $(wc -l <"$T/p0001.uids") documents"
RSS0=$(bd_rss "$DPID")

# fill TEMPLATE OUT: soap_fill with the usual keys.
fill() {
	soap_fill "$1" "$2" PATIENT_ID="$PID" TO="$X" || die "soap_fill $1 failed"
}

# ---------------------------------------------------------------- malformed XML
fill "$BAD/malformed.xml" "$T/malformed.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/malformed.xml" malformed
bd_expect_fault malformed 400 env:Sender "" "malformed XML: env:Sender, HTTP 400"

printf '' >"$T/empty.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/empty.xml" empty
bd_expect_fault empty 400 env:Sender "" "empty body: env:Sender, HTTP 400"

printf '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>' >"$T/trunc.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/trunc.xml" truncated
bd_expect_fault truncated 400 env:Sender "" "truncated envelope: env:Sender, HTTP 400"

# ---------------------------------------------------------------- entity bomb
fill "$BAD/billion-laughs.xml" "$T/lol.xml"
t0=$(bd_ms)
bd_post "$X" okayama-ehr "$BD_SQ" "$T/lol.xml" lol
t1=$(bd_ms)
bd_expect_fault lol 400 env:Sender "" "billion laughs: env:Sender, HTTP 400"
if [ $((t1 - t0)) -lt 2000 ]; then
	ok "billion laughs: answered in $((t1 - t0)) ms (< 2 s)"
else
	not_ok "billion laughs: answered in $((t1 - t0)) ms (< 2 s)"
fi
RSS1=$(bd_rss "$DPID")
if [ -n "$RSS1" ] && [ "$RSS1" -lt $((RSS0 + 51200)) ]; then
	ok "billion laughs: daemon RSS ${RSS0} KiB -> ${RSS1} KiB (grew < 50 MiB)"
else
	not_ok "billion laughs: daemon RSS ${RSS0} KiB -> ${RSS1:-gone} KiB (grew < 50 MiB)"
fi

# ---------------------------------------------------------------- XXE / XInclude
fill "$BAD/xxe-file.xml" "$T/xxe-file.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/xxe-file.xml" xxe-file
bd_expect_fault xxe-file 400 env:Sender "" "XXE (SYSTEM file:///etc/passwd entity): env:Sender, HTTP 400"

fill "$BAD/xxe-param.xml" "$T/xxe-param.xml"
t0=$(bd_ms)
bd_post "$X" okayama-ehr "$BD_SQ" "$T/xxe-param.xml" xxe-param
t1=$(bd_ms)
bd_expect_fault xxe-param 400 env:Sender "" "XXE (external DTD, parameter entity): env:Sender, HTTP 400"
if [ $((t1 - t0)) -lt 2000 ]; then
	ok "XXE (parameter entity): answered in $((t1 - t0)) ms, nothing fetched"
else
	not_ok "XXE (parameter entity): answered in $((t1 - t0)) ms (< 2 s)"
fi

# The same XXE in UTF-16: a byte-level DOCTYPE check that only knows ASCII would miss it.
sed '1s/encoding="UTF-8"/encoding="UTF-16"/' "$T/xxe-file.xml" | iconv -f UTF-8 -t UTF-16 >"$T/xxe-utf16.xml" ||
    die "iconv failed"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/xxe-utf16.xml" xxe-utf16
bd_expect_fault xxe-utf16 400 env:Sender "" "XXE in UTF-16: env:Sender, HTTP 400"

# The XXE as the root part of an MTOM package.
ct=$(bd_mtom_of "$T/xxe-file.xml" "$T/xxe-mtom" "$BD_SQ")
bd_post_ct "$X" okayama-ehr "$ct" "$T/xxe-mtom" xxe-mtom
bd_expect_fault xxe-mtom 400 env:Sender "" "XXE in an MTOM root part: env:Sender, HTTP 400"

# XInclude is legal XML but must never be processed: the Value is then no patient id literal.
fill "$BAD/xinclude.xml" "$T/xinclude.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/xinclude.xml" xinclude
if [ "$BD_CODE" = 200 ] && [ "$(bd_status "$(bd_resp xinclude)")" = Failure ]; then
	ok "XInclude not processed: the query fails (status Failure: $(bd_error_codes "$(bd_resp xinclude)"))"
else
	not_ok "XInclude not processed: the query fails"
	diag "HTTP $BD_CODE" "$(head -c 800 "$(bd_resp xinclude)")"
fi

# ---------------------------------------------------------------- depth
{
	sed -n '1,/<soap:Body>/p' "$T/q0.xml"
	i=0
	while [ $i -lt 40 ]; do printf '<d:n xmlns:d="urn:example:deep">'; i=$((i + 1)); done
	while [ $i -gt 0 ]; do printf '</d:n>'; i=$((i - 1)); done
	sed -n '/<\/soap:Body>/,$p' "$T/q0.xml"
} >"$T/deep.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/deep.xml" deep
bd_expect_fault deep 400 env:Sender "" "nesting deeper than limits.max_xml_depth (32): env:Sender, HTTP 400"

# ---------------------------------------------------------------- sizes
# pad_query OUT BYTES: the baseline query with an XML comment of BYTES bytes at the start of
# the Body (still a valid request, just bigger).
pad_query() {
	{
		sed -n '1,/<soap:Body>/p' "$T/q0.xml"
		printf '<!-- '
		head -c "$2" /dev/zero | tr '\0' 'x'
		printf ' -->\n'
		sed -n '/<soap:Body>/,$p' "$T/q0.xml" | sed 1d
	} >"$1"
}
pad_query "$T/big100k.xml" 100000
bd_post "$X" okayama-ehr "$BD_SQ" "$T/big100k.xml" big-plain
bd_expect_fault big-plain 400 env:Sender "" "plain SOAP of 100 KB > limits.max_body (64 KiB): env:Sender, HTTP 400"
like "$(bd_fault_reason "$(bd_resp big-plain)")" 'size|large|limit' "... and the reason says it is too large"

pad_query "$T/small.xml" 30000
bd_post "$X" okayama-ehr "$BD_SQ" "$T/small.xml" small-plain
if [ "$BD_CODE" = 200 ] && [ "$(bd_status "$(bd_resp small-plain)")" = Success ]; then
	ok "control: the same query padded to 30 KB (< max_body) is answered"
else
	not_ok "control: the same query padded to 30 KB (< max_body) is answered"
	diag "HTTP $BD_CODE" "$(head -c 600 "$(bd_resp small-plain)")"
fi

pad_query "$T/big2m.xml" 2000000
bd_post "$X" okayama-ehr "$BD_SQ" "$T/big2m.xml" big-2m
bd_expect_refused big-2m 413 'Too Large|too large' "plain body of 2 MB > limits.max_mtom_body (1 MiB): HTTP 413"

mkdir -p "$T/resp"
BD_RC=0
BD_CODE=$(curl -sS --max-time 30 --cacert "$PKI/ca.crt" --cert "$PKI/okayama-ehr.crt" \
    --key "$PKI/okayama-ehr.key" -H "Content-Type: $BD_SOAP_CT; action=\"$BD_SQ\"" -H 'Expect:' \
    -H 'Transfer-Encoding: chunked' --data-binary @"$T/big2m.xml" -D "$T/resp/big-chunked.hdr" \
    -o "$T/resp/big-chunked" -w '%{http_code}' "$X" 2>"$T/resp/big-chunked.err") || BD_RC=$?
# libevent answers an oversized chunked body with 413 and closes at once instead of draining
# it (no lingering close for chunked bodies): the client may see the reset before the 413.
# Accepted here as long as nothing but a refusal comes back (see the report: daemon bug).
if [ "$BD_CODE" = 000 ] && grep -Eq 'Broken pipe|reset|Send failure' "$T/resp/big-chunked.err"; then
	ok "chunked body of 2 MB > limits.max_mtom_body: refused (connection closed before the 413 was read)"
	diag "note: $(cat "$T/resp/big-chunked.err")"
else
	bd_expect_refused big-chunked 413 'Too Large|too large' "chunked body of 2 MB > limits.max_mtom_body: HTTP 413"
fi

# MTOM: a 300 KB attachment is fine (between max_body and max_mtom_body) ...
STAMP=$(date +%s)
head -c 300000 /dev/urandom >"$T/att.bin"
printf 'x' | base64 >"$T/x.b64"
soap_fill "$SOAP/iti41-pnr-mtom.xml" "$T/pnr-mtom.xml" PATIENT_ID="P0003^^^&$AA&ISO" TITLE="MTOM 300 KB" \
    CREATION_TIME=20240402093000 SUBMISSION_TIME=20240402100000 DOC_UID="1.2.392.200119.6.1001.99.$STAMP.1" \
    SS_UID="1.2.392.200119.6.1001.98.$STAMP.1" SOURCE_ID=1.2.392.200119.6.1001.97 \
    DOCUMENT_CID="att.$STAMP@bad.hashi.test" TO="$X" || die "soap_fill iti41-pnr-mtom failed"
ct=$(mtom_build "$BD_PNR" "$T/pnr-mtom.xml" "$T/mtom-ok" "att.$STAMP@bad.hashi.test" "$T/att.bin" application/octet-stream)
bd_post_ct "$X" okayama-ehr "$ct" "$T/mtom-ok" mtom-ok
if [ "$BD_CODE" = 200 ] && [ "$(bd_status "$(bd_resp mtom-ok)")" = Success ]; then
	ok "control: ITI-41 MTOM of 300 KB (> max_body, < max_mtom_body) is stored"
else
	not_ok "control: ITI-41 MTOM of 300 KB (> max_body, < max_mtom_body) is stored"
	diag "HTTP $BD_CODE" "$(head -c 800 "$(bd_resp mtom-ok)")"
fi
# ... a 2 MB one is not
head -c 2000000 /dev/urandom >"$T/att2m.bin"
ct=$(mtom_build "$BD_PNR" "$T/pnr-mtom.xml" "$T/mtom-big" "att.$STAMP@bad.hashi.test" "$T/att2m.bin" application/octet-stream)
bd_post_ct "$X" okayama-ehr "$ct" "$T/mtom-big" mtom-big
bd_expect_refused mtom-big 413 'Too Large|too large' "MTOM body of 2 MB > limits.max_mtom_body (1 MiB): HTTP 413"
# ... and an MTOM root part above max_body is refused even though the package is small enough
ct=$(bd_mtom_of "$T/big100k.xml" "$T/mtom-bigroot" "$BD_SQ")
bd_post_ct "$X" okayama-ehr "$ct" "$T/mtom-bigroot" mtom-bigroot
bd_expect_fault mtom-bigroot 400 env:Sender "" "MTOM root part of 100 KB > limits.max_body: env:Sender, HTTP 400"
# ... and so is a package of 150 MIME parts
{
	set --
	i=0
	while [ $i -lt 150 ]; do
		printf 'part %d\n' $i >"$T/part$i.txt"
		set -- "$@" "p$i@bad.hashi.test" "$T/part$i.txt" text/plain
		i=$((i + 1))
	done
	mtom_build "$BD_SQ" "$T/q0.xml" "$T/mtom-parts" "$@" >"$T/mtom-parts.ct"
}
bd_post_ct "$X" okayama-ehr "$(cat "$T/mtom-parts.ct")" "$T/mtom-parts" mtom-parts
bd_expect_fault mtom-parts 400 env:Sender "" "MTOM package of 151 MIME parts (> 100): env:Sender, HTTP 400"

# ---------------------------------------------------------------- media types, SOAP version
bd_post_ct "$X" okayama-ehr "text/plain" "$T/q0.xml" ct-plain
bd_expect_fault ct-plain 415 env:Sender "" "Content-Type text/plain: env:Sender, HTTP 415"

bd_post_ct "$X" okayama-ehr "text/xml; charset=UTF-8" "$T/q0.xml" ct-textxml
bd_expect_fault ct-textxml 415 env:VersionMismatch "" "Content-Type text/xml (SOAP 1.1): env:VersionMismatch, HTTP 415"
is "$(xpath "$(bd_resp ct-textxml)" "count(/$(bd_l Envelope)/$(bd_l Header)/$(bd_l Upgrade)/$(bd_l SupportedEnvelope))")" 1 \
    "... with an env:Upgrade header naming the supported envelope"

bd_post_ct "$X" okayama-ehr "application/soap+xml; charset=ISO-8859-1; action=\"$BD_SQ\"" "$T/q0.xml" ct-latin1
bd_expect_fault ct-latin1 415 env:Sender "" "charset ISO-8859-1: env:Sender, HTTP 415"

fill "$BAD/soap11.xml" "$T/soap11.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/soap11.xml" soap11
bd_expect_fault soap11 500 env:VersionMismatch "" "SOAP 1.1 envelope as application/soap+xml: env:VersionMismatch, HTTP 500"

bd_post_ct "$X" okayama-ehr "text/xml; charset=UTF-8" "$T/soap11.xml" soap11-textxml
bd_expect_fault soap11-textxml 415 env:VersionMismatch "" "SOAP 1.1 envelope as text/xml: env:VersionMismatch, HTTP 415"

# ---------------------------------------------------------------- WS-Addressing
grep -v '<wsa:Action' "$T/q0.xml" >"$T/noaction.xml"
bd_post_ct "$X" okayama-ehr "$BD_SOAP_CT" "$T/noaction.xml" noaction
bd_expect_fault noaction 400 env:Sender wsa:MessageAddressingHeaderRequired \
    "no wsa:Action: env:Sender / wsa:MessageAddressingHeaderRequired"
is "$(xpath "$(bd_resp noaction)" "normalize-space(//$(bd_l Detail)/$(bd_l ProblemHeaderQName))")" wsa:Action \
    "... with Detail wsa:ProblemHeaderQName wsa:Action"

sed 's#>urn:ihe:iti:2007:RegistryStoredQuery<#>urn:example:hashi:NoSuchAction<#' "$T/q0.xml" >"$T/unkaction.xml"
bd_post "$X" okayama-ehr urn:example:hashi:NoSuchAction "$T/unkaction.xml" unkaction
bd_expect_fault unkaction 400 env:Sender wsa:ActionNotSupported "unknown wsa:Action: env:Sender / wsa:ActionNotSupported"
is "$(xpath "$(bd_resp unkaction)" "normalize-space(//$(bd_l Detail)/$(bd_l ProblemAction)/$(bd_l Action))")" \
    urn:example:hashi:NoSuchAction "... with Detail wsa:ProblemAction naming it"

soap_fill "$SOAP/iti38-find-documents.xml" "$T/q38.xml" PATIENT_ID="$PID" TO="$X" || die "soap_fill iti38 failed"
bd_post "$X" okayama-ehr "$BD_XGQ" "$T/q38.xml" xgq-on-xds
bd_expect_fault xgq-on-xds 400 env:Sender wsa:ActionNotSupported \
    "ITI-38 CrossGatewayQuery sent to /xds: env:Sender / wsa:ActionNotSupported"

bd_post "$X" okayama-ehr "$BD_RET" "$T/q0.xml" ctaction-mismatch
bd_expect_fault ctaction-mismatch 400 env:Sender wsa:InvalidAddressingHeader \
    "Content-Type action differs from wsa:Action: env:Sender / wsa:InvalidAddressingHeader"

awk '/<wsa:Action/ { print } { print }' "$T/q0.xml" >"$T/dupaction.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/dupaction.xml" dupaction
bd_expect_fault dupaction 400 env:Sender wsa:InvalidAddressingHeader \
    "wsa:Action twice: env:Sender / wsa:InvalidAddressingHeader"
is "$(xpath "$(bd_resp dupaction)" "normalize-space(//$(bd_l Code)/$(bd_l Subcode)/$(bd_l Subcode)/$(bd_l Value))")" \
    wsa:InvalidCardinality "... / wsa:InvalidCardinality"

# a 4 KB action URI is refused without being echoed whole
LONG=urn:example:hashi:$(head -c 4000 /dev/zero | tr '\0' 'a')
sed "s#>urn:ihe:iti:2007:RegistryStoredQuery<#>$LONG<#" "$T/q0.xml" >"$T/longaction.xml"
bd_post_ct "$X" okayama-ehr "$BD_SOAP_CT" "$T/longaction.xml" longaction
bd_expect_fault longaction 400 env:Sender wsa:ActionNotSupported "a 4 KB wsa:Action: env:Sender / wsa:ActionNotSupported"
if [ "$(wc -c <"$(bd_resp longaction)")" -lt 3000 ]; then
	ok "... and the fault does not echo it ($(wc -c <"$(bd_resp longaction)") bytes)"
else
	not_ok "... and the fault does not echo it ($(wc -c <"$(bd_resp longaction)") bytes)"
fi

sed 's#<wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address>#<wsa:Address>https://attacker.example/cb</wsa:Address>#' \
    "$T/q0.xml" >"$T/replyto.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/replyto.xml" replyto
bd_expect_fault replyto 400 env:Sender wsa:InvalidAddressingHeader \
    "non-anonymous wsa:ReplyTo: env:Sender / wsa:InvalidAddressingHeader"

# ---------------------------------------------------------------- mustUnderstand
fill "$BAD/mu-unknown.xml" "$T/mu.xml"
MU_MID=$(xpath "$T/mu.xml" "normalize-space(//$(bd_l MessageID))")
bd_post "$X" okayama-ehr "$BD_SQ" "$T/mu.xml" mu
bd_expect_fault mu 500 env:MustUnderstand "" "unknown header with mustUnderstand=\"true\": env:MustUnderstand, HTTP 500"
nu=$(xpath "$(bd_resp mu)" "string(/$(bd_l Envelope)/$(bd_l Header)/$(bd_l NotUnderstood)/@qname)")
nu_ns=$(grep -o "xmlns:${nu%%:*}=\"[^\"]*\"" "$(bd_resp mu)" | head -n 1)
is "${nu#*:} $nu_ns" "Unknown xmlns:${nu%%:*}=\"urn:example:hashi:unknown-header\"" \
    "... with env:NotUnderstood naming {urn:example:hashi:unknown-header}Unknown"
# WS-Addressing 1.0 Core §3.4 and soap.h (sf_message_id: "pass it as RELATES_TO"): a fault
# answering a message whose wsa:MessageID could be read relates to it.
is "$(xpath "$(bd_resp mu)" "normalize-space(/$(bd_l Envelope)/$(bd_l Header)/$(bd_l RelatesTo))")" "$MU_MID" \
    "... and its wsa:RelatesTo is the request's wsa:MessageID"

# ---------------------------------------------------------------- stored query errors
sed 's#urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d#urn:uuid:0badc0de-0000-4000-8000-000000000000#' "$T/q0.xml" >"$T/unksq.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/unksq.xml" unksq
bd_expect_regerr unksq Failure XDSUnknownStoredQuery "unknown stored query id: Failure, XDSUnknownStoredQuery"

grep -v 'XDSDocumentEntryStatus' "$T/q0.xml" >"$T/nostatus.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/nostatus.xml" nostatus
bd_expect_regerr nostatus Failure XDSStoredQueryMissingParam \
    "FindDocuments without \$XDSDocumentEntryStatus: Failure, XDSStoredQueryMissingParam"
is "$(xpath "$(bd_resp nostatus)" "string(//$(bd_l RegistryError)/@location)")" '$XDSDocumentEntryStatus' \
    "... located at \$XDSDocumentEntryStatus"

grep -v 'XDSDocumentEntryPatientId' "$T/q0.xml" >"$T/nopid.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/nopid.xml" nopid
bd_expect_regerr nopid Failure XDSStoredQueryMissingParam \
    "FindDocuments without \$XDSDocumentEntryPatientId: Failure, XDSStoredQueryMissingParam"

sed "s#<rim:Value>'P0001#<rim:Value>'P0002^^^\&amp;$AA\&amp;ISO'</rim:Value><rim:Value>'P0001#" "$T/q0.xml" >"$T/twopid.xml"
grep -q "P0002" "$T/twopid.xml" || die "test bug: could not add a second patient id"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/twopid.xml" twopid
bd_expect_regerr twopid Failure XDSStoredQueryParamNumber \
    "FindDocuments with two patient ids: Failure, XDSStoredQueryParamNumber"

sed 's#</rim:AdhocQuery>#<rim:Slot name="$XDSDocumentEntryStatus"><rim:ValueList><rim:Value>(\x27urn:oasis:names:tc:ebxml-regrep:StatusType:Approved\x27)</rim:Value></rim:ValueList></rim:Slot></rim:AdhocQuery>#' \
    "$T/q0.xml" >"$T/twostatus.xml"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/twostatus.xml" twostatus
bd_expect_regerr twostatus Failure XDSStoredQueryParamNumber \
    "FindDocuments with the \$XDSDocumentEntryStatus Slot twice: Failure, XDSStoredQueryParamNumber"

# ---------------------------------------------------------------- ITI-41 inconsistent metadata
# A valid inline PnR for a new patient P0099, then broken: the HasMember association names an
# object that is not in the submission.
printf 'inconsistent\n' | base64 -w0 >"$T/doc.b64"
PX="P0099^^^&$AA&ISO"
soap_fill "$SOAP/iti41-pnr-inline.xml" "$T/pnr.xml" PATIENT_ID="$PX" TITLE="不整合" \
    CREATION_TIME=20240403093000 SUBMISSION_TIME=20240403100000 DOC_UID="1.2.392.200119.6.1001.99.$STAMP.2" \
    SS_UID="1.2.392.200119.6.1001.98.$STAMP.2" SOURCE_ID=1.2.392.200119.6.1001.97 \
    DOCUMENT_B64=@"$T/doc.b64" TO="$X" || die "soap_fill iti41-pnr-inline failed"
sed 's#targetObject="Document01"#targetObject="Document99"#' "$T/pnr.xml" >"$T/pnr-dangling.xml"
grep -q 'targetObject="Document99"' "$T/pnr-dangling.xml" || die "test bug: no association to break"
bd_post "$X" okayama-ehr "$BD_PNR" "$T/pnr-dangling.xml" pnr-dangling
bd_expect_regerr pnr-dangling Failure "UnresolvedReferenceException XDSRegistryMetadataError" \
    "ITI-41 whose association names a missing object: Failure, UnresolvedReferenceException + XDSRegistryMetadataError"
# a classCode-less DocumentEntry (required metadata missing)
awk '/<rim:Classification id="cl02"/ { skip = 1 } !skip { print } skip && /<\/rim:Classification>/ { skip = 0 }' \
    "$T/pnr.xml" >"$T/pnr-nocls.xml"
bd_post "$X" okayama-ehr "$BD_PNR" "$T/pnr-nocls.xml" pnr-nocls
bd_expect_regerr pnr-nocls Failure XDSRegistryMetadataError \
    "ITI-41 without the DocumentEntry's classCode: Failure, XDSRegistryMetadataError"
soap_fill "$SOAP/iti18-find-documents.xml" "$T/qx.xml" PATIENT_ID="$PX" TO="$X"
bd_post "$X" okayama-ehr "$BD_SQ" "$T/qx.xml" pnr-after
is "$(bd_status "$(bd_resp pnr-after)"):$(xpath "$(bd_resp pnr-after)" "count($EO)")" "Success:0" \
    "the refused submissions stored nothing for P0099"

# ---------------------------------------------------------------- TLS and identity
# no_http NAME DESC CURL_ARGS...: an exchange that must not get any HTTP answer.
no_http() {
	_nh_n=$1
	_nh_d=$2
	shift 2
	mkdir -p "$T/resp"
	BD_RC=0
	BD_CODE=$(curl -sS --max-time 10 -H "Content-Type: $BD_SOAP_CT; action=\"$BD_SQ\"" \
	    --data-binary @"$T/q0.xml" -o "$T/resp/$_nh_n" -w '%{http_code}' "$@" 2>"$T/resp/$_nh_n.err") ||
	    BD_RC=$?
	bd_expect_no_http "$_nh_n" "$_nh_d"
}
no_http tls-nocert "TLS without a client certificate: refused, no HTTP answer" --cacert "$PKI/ca.crt" "$X"
no_http tls-rogue "TLS with a certificate of another CA (rogue): refused, no HTTP answer" \
    --cacert "$PKI/ca.crt" --cert "$PKI/rogue.crt" --key "$PKI/rogue.key" "$X"
no_http plain-http "plain HTTP on the TLS port: no HTTP answer" "http://127.0.0.1:$P/xds"

bd_post "$X" unknown "$BD_SQ" "$T/q0.xml" tls-unknown
bd_expect_refused tls-unknown 403 . "certificate of our CA but not configured (unknown): HTTP 403"
bd_post "$X" shimane-gw "$BD_SQ" "$T/q0.xml" peer-on-xds
bd_expect_refused peer-on-xds 403 . "a peer gateway's certificate on /xds (local systems only): HTTP 403"
bd_post "$XCA" okayama-ehr "$BD_XGQ" "$T/q38.xml" local-on-xca
bd_expect_refused local-on-xca 403 . "a local system's certificate on /xca (peers only): HTTP 403"

# ---------------------------------------------------------------- method, path
BD_RC=0
BD_CODE=$(curl -sS --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/okayama-ehr.crt" \
    --key "$PKI/okayama-ehr.key" -D "$T/resp/get.hdr" -o "$T/resp/get" -w '%{http_code}' "$X" \
    2>"$T/resp/get.err") || BD_RC=$?
bd_expect_refused get 405 . "GET /xds: HTTP 405"
like "$(tr -d '\r' <"$T/resp/get.hdr")" '^[Aa]llow: *POST' "... with Allow: POST"
BD_CODE=$(curl -sS --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/okayama-ehr.crt" \
    --key "$PKI/okayama-ehr.key" -X PUT --data-binary @"$T/q0.xml" -o "$T/resp/put" -w '%{http_code}' "$X" \
    2>"$T/resp/put.err") || BD_RC=$?
like "$BD_CODE" '^(405|501)$' "PUT /xds: HTTP 405 or 501 (got $BD_CODE)"
bd_post "https://127.0.0.1:$P/nowhere" okayama-ehr "$BD_SQ" "$T/q0.xml" nopath
bd_expect_refused nopath 404 . "POST to an unknown path: HTTP 404"
bd_post "https://127.0.0.1:$P/xds/../xca" okayama-ehr "$BD_SQ" "$T/q0.xml" dotpath
like "$BD_CODE" '^(400|403|404)$' "POST to /xds/../xca: refused (HTTP $BD_CODE)"

# ---------------------------------------------------------------- after all of it
if kill -0 "$DPID" 2>/dev/null && [ "$(pid_of okayama-gw)" = "$DPID" ]; then
	ok "the daemon is still running (same pid $DPID)"
else
	not_ok "the daemon is still running (pid $DPID)"
	diag_file "$T/okayama-gw.log" 30
fi
RSS2=$(bd_rss "$DPID")
if [ -n "$RSS2" ] && [ "$RSS2" -lt $((RSS0 + 102400)) ]; then
	ok "daemon RSS ${RSS0} KiB at the start, ${RSS2} KiB after every case (grew < 100 MiB)"
else
	not_ok "daemon RSS ${RSS0} KiB at the start, ${RSS2:-gone} KiB after every case (grew < 100 MiB)"
fi
valid_query qend "after every case: FindDocuments for P0001 still returns exactly its documents"
bd_all_responses_valid "every SOAP envelope the daemon sent validates against xds-soap12.xsd"
bd_no_response_has "root:" "no response ever contains \"root:\" (no /etc/passwd leak)"
bd_no_response_has "/bin/" "no response ever contains \"/bin/\" (no /etc/passwd leak)"
if grep -Eq 'segfault|Sanitizer|assert|fatal' "$T/okayama-gw.log"; then
	not_ok "the daemon log shows no crash, assertion or fatal error"
	diag_file "$T/okayama-gw.log" 20
else
	ok "the daemon log shows no crash, assertion or fatal error"
fi
stop_hashid okayama-gw
done_testing
