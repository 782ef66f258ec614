#!/bin/sh
# deploy/demo_vpn.sh: the two-region demo over a real IPsec tunnel. Run by `make demo VPN=1`
# (BUILD = build dir); needs root, /dev/net/tun and strongSwan (charon, swanctl,
# libcharon-extra-plugins for userspace ESP).
#
# 晴れやかネット (Okayama) and まめネット (Shimane) each get a network namespace of their own
# with their own charon and hashid; the two namespaces meet only on a bridge (192.0.2.0/24).
# Each gateway's swanctl.conf is generated from its hashid.yaml by `hashictl deploy swanctl`:
# one IKE_SA between the regions, one CHILD_SA per purpose (clinical, emergency, imaging)
# between the purposes' inner addresses (10.R.P.1). Okayama's clinic system (okayama-ehr)
# asks its gateway for P0001's documents (ITI-38): Okayama finds the patient in Shimane by
# XCPD (ITI-55), queries Shimane's clinical listener through the clinical CHILD_SA, and one
# document is retrieved (ITI-39, MTOM) and compared byte for byte with the original. Then
# the tunnel's counters: the clinical CHILD_SA carried all of it, the others nothing. Consent
# is not required here (deploy/demo.sh shows the consent flow). Everything is stopped and
# removed at the end, also on failure or Ctrl-C (HASHI_KEEP=1 keeps the temp dir).
# Exit status 0 only when every step succeeded.
set -u
HASHI_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$HASHI_ROOT/tests/integ/lib.sh"
. "$HASHI_ROOT/tests/integ/lib_flow.sh"
. "$HASHI_ROOT/tests/netns/lib_netns.sh"

. "$HASHI_ROOT/deploy/demo_lib.sh"

cat <<'EOF'
==============================================================================
 Hashi デモ (VPN): 地域間の文書照会を目的別IPsecトンネル経由で
 Hashi demo (VPN): cross-community query and retrieve through per-purpose IPsec tunnels
==============================================================================
EOF

why=$(nn_skip_reason)
[ -z "$why" ] || fail "このマシンでは実行できません / cannot run here: $why"
[ -x "$HASHID" ] && [ -x "$HASHICTL" ] || fail "$HASHID / $HASHICTL がありません (make all) / not built"
mk_tmp
T=$HASHI_TMP

# ---------------------------------------------------------------------------
step 1/7 "PKI・名前空間・ブリッジ / test PKI, network namespaces and bridge"
mk_pki okayama-gw shimane-gw okayama-ehr
region_info okayama; O_NAME=$R_NAME; O_AA=$R_AA
region_info shimane; S_NAME=$R_NAME; S_HCID=$R_HCID
nn_net_up a b 2>"$T/net.err" || { diag "$(cat "$T/net.err")"; fail "namespaces"; }
ok "$O_NAME: namespace $(nn_ns a), outer 192.0.2.1, inner clinical $(nn_inner a clinical), emergency $(nn_inner a emergency), imaging $(nn_inner a imaging)"
ok "$S_NAME: namespace $(nn_ns b), outer 192.0.2.2, inner clinical $(nn_inner b clinical), emergency $(nn_inner b emergency), imaging $(nn_inner b imaging)"
say "bridge br0 in $(nn_ns br); nothing is configured on the host"

# ---------------------------------------------------------------------------
step 2/7 "設定とswanctl.confの生成 / hashid.yaml and swanctl.conf (hashictl deploy swanctl)"
NN_VPN_EXTRA="vici_socket: @DIR@/charon.vici"
write_both() {
	nn_write_config a "$T/okayama.yaml" peer=b local=okayama-ehr
	nn_write_config b "$T/shimane.yaml" peer=a
}
write_both
if ! "$HASHID" -n -f "$T/okayama.yaml" >/dev/null 2>&1; then
	# a hashid without tunnel health does not know vpn.vici_socket yet
	NN_VPN_EXTRA=
	write_both
fi
for k in a b; do
	nn_region "$k"
	c=$T/$NN_R.yaml
	out=$("$HASHID" -n -f "$c" 2>&1) || { diag "$out"; fail "hashid -n rejects $c"; }
	out=$(hashictl "$c" deploy swanctl -o "$(nn_swanconf "$k")" 2>&1) ||
	    { diag "$out"; fail "hashictl deploy swanctl ($NN_R)"; }
	ok "$NN_R: $c -> $(nn_swanconf "$k")"
done
say "--- $(nn_swanconf a) (抜粋 / excerpt) ---"
sed -n '/^connections/,/^\t\t\tclinical {/p' "$(nn_swanconf a)" | sed '$d' |
    sed '/^\t\tlocal {/,/^\t\t}/d; /^\t\tremote {/,/^\t\t}/d' |
    sed 's/\t/  /g; s/^/      | /'
sed -n '/^\t\t\tclinical {/,/^\t\t\t}/p' "$(nn_swanconf a)" | sed 's/\t/  /g; s/^/      | /'
say "  ... emergency, imaging likewise"

# ---------------------------------------------------------------------------
step 3/7 "トンネル確立 / charon per namespace, CHILD_SA per purpose"
for k in a b; do
	nn_region "$k"
	nn_charon_start "$k" || fail "charon in $(nn_ns "$k") did not start"
	out=$(nn_load "$k" "$(nn_swanconf "$k")" "$PKI/$NN_R-gw.key" 2>&1) ||
	    { diag "$out"; fail "swanctl --load-all ($NN_R)"; }
	ok "$NN_R: charon pid $(nn_charon_pid "$k"), vici $(nn_dir "$k")/charon.vici, $(printf '%s\n' "$out" | grep -c 'loaded connection') connection(s) loaded"
done
t0=$(fl_ms)
for p in $NN_PURPOSES; do
	out=$(nn_swanctl a --initiate --ike shimane --child "$p" --timeout 10 2>&1) ||
	    { diag "$(printf '%s\n' "$out" | tail -n 5)"; fail "swanctl --initiate --child $p"; }
done
ok "IKE_SA and 3 CHILD_SAs up in $(($(fl_ms) - t0)) ms"
nn_swanctl a --list-sas 2>/dev/null | grep -E '^[a-z]|^  [a-z]+: #|local |remote ' | grep -v "^  (local|remote)" |
    sed 's/^/      | /'

# ---------------------------------------------------------------------------
step 4/7 "データ取り込みとゲートウェイ起動 / import data, start both gateways in their namespaces"
for r in okayama shimane; do
	sh "$DATA/gen_demo_data.sh" "$T/data-$r" "$r" 5 >/dev/null 2>&1 || fail "gen_demo_data.sh $r"
	out=$(hashictl "$T/$r.yaml" registry import "$T/data-$r" 2>&1) || { diag "$out"; fail "registry import $r"; }
	out=$(hashictl "$T/$r.yaml" mpi import "$T/data-$r/patients.csv" 2>&1) || { diag "$out"; fail "mpi import $r"; }
	ok "$r: $(grep -vc '^#' "$T/data-$r/documents.tsv") documents, MPI $(printf '%s' "$out" | tail -n 1)"
done
nn_start_hashid a "$T/okayama.yaml" okayama-gw || fail "okayama's hashid did not start"
nn_start_hashid b "$T/shimane.yaml" shimane-gw || fail "shimane's hashid did not start"
ok "okayama-gw pid $(pid_of okayama-gw) in $(nn_ns a), shimane-gw pid $(pid_of shimane-gw) in $(nn_ns b)"

# counters KEY: "CHILD in/out" for each purpose of KEY's connection to the other region.
counters() {
	for _c_p in $NN_PURPOSES; do
		printf '%s %s\n' "$_c_p" "$(nn_child a shimane "$_c_p")"
	done
}
counters >"$T/before.txt"

# ---------------------------------------------------------------------------
step 5/7 "文書照会 / ITI-38 for P0001 from okayama-ehr (XCPD discovery, then the query)"
IG=https://127.0.0.1:$NN_PORT_EHR/ig
soap_fill "$FLOW/sq-find-documents.xml" "$T/q38.xml" ACTION="$A_XGQ" RETURN_TYPE=LeafClass \
    PATIENT_ID="P0001^^^&$O_AA&ISO" TO="$IG"
say "okayama-ehr -> $O_NAME /ig (127.0.0.1 in $(nn_ns a)) -> clinical CHILD_SA -> $S_NAME https://$(nn_inner b clinical):$NN_PORT_INNER/xca"
t0=$(fl_ms)
code=$(nn_soap a "$IG" okayama-ehr "$A_XGQ" "$T/q38.xml" "$T/r38.xml")
t1=$(fl_ms)
[ "$code" = 200 ] || { diag "$(cat "$T/r38.xml.err")" "$(head -c 800 "$T/r38.xml")"; fail "ITI-38: HTTP $code"; }
n=$(xpath "$T/r38.xml" "count($FL_EO)")
ok "HTTP 200 in $((t1 - t0)) ms: status $(fl_status "$T/r38.xml"), $n document(s)"
LS="*[local-name()='Name']/*[local-name()='LocalizedString']/@value"
i=1
while [ "$i" -le "${n:-0}" ]; do
	e="($FL_EO)[$i]"
	printf '  [%d] %s\n      uniqueId %s  home %s  patient %s\n' "$i" \
	    "$(xpath "$T/r38.xml" "string($e/$LS)")" \
	    "$(xpath "$T/r38.xml" "string($e/$(fl_eid "$FL_UID_SCHEME"))")" \
	    "$(xpath "$T/r38.xml" "string($e/@home)")" \
	    "$(xpath "$T/r38.xml" "string($e/$(fl_eid "$FL_PID_SCHEME"))")"
	i=$((i + 1))
done
want=$(awk -F '\t' '$1 == "S0001" { print $2 }' "$T/data-shimane/documents.tsv" | sort | tr '\n' ' ')
if [ "$(fl_uids "$T/r38.xml" | tr '\n' ' ')" = "$want" ]; then
	ok "まめネットにある S0001 の文書すべて / exactly the documents Shimane holds for S0001"
else
	not_ok "expected S0001's documents $want"
fi
if hashictl "$T/okayama.yaml" mpi show P0001 2>&1 | grep -F "$S_HCID" | grep -q S0001; then
	ok "名寄せ / P0001 linked to S0001 by XCPD over the tunnel"
else
	not_ok "Okayama's MPI has no link of P0001 to S0001"
fi

# ---------------------------------------------------------------------------
step 6/7 "文書取得 / ITI-39 of document [1] through the tunnel"
uid=$(fl_uids "$T/r38.xml" | head -n 1)
repo=$(xpath "$T/r38.xml" "string(($FL_EO)[$(fl_l ExternalIdentifier)[@value='$uid']]/$(fl_slot repositoryUniqueId))")
soap_fill "$SOAP/iti39-retrieve.xml" "$T/q39.xml" HOME="$S_HCID" REPO="$repo" DOC_UID="$uid" TO="$IG"
t0=$(fl_ms)
code=$(nn_soap a "$IG" okayama-ehr "$A_XGR" "$T/q39.xml" "$T/r39.body")
t1=$(fl_ms)
[ "$code" = 200 ] || { diag "$(head -c 800 "$T/r39.body")"; fail "ITI-39: HTTP $code"; }
mtom_extract "$T/r39.body" "$T/r39" || fail "the retrieve response is not readable multipart/related"
doc=$(mtom_document "$T/r39" "$uid") || fail "no DocumentResponse for $uid"
orig=$T/data-shimane/$(awk -F '\t' -v u="$uid" '$2 == u { print $7; exit }' "$T/data-shimane/documents.tsv")
ok "HTTP 200 in $((t1 - t0)) ms, $(wc -c <"$doc" | tr -d ' ') bytes: $(xpath "$doc" "string(/*/*[local-name()='title'])")"
if [ "$(fl_sha256 "$doc")" = "$(fl_sha256 "$orig")" ]; then
	ok "取得した文書は原本と一致 / identical to the original (SHA-256 $(fl_sha256 "$doc"))"
else
	not_ok "the retrieved document differs from $orig"
fi

# ---------------------------------------------------------------------------
step 7/7 "トンネルのカウンタ / the CHILD_SAs' counters at Okayama (swanctl --list-sas)"
counters >"$T/after.txt"
printf '      %-10s %-10s %12s %12s %12s %12s\n' purpose state "in before" "in after" "out before" "out after"
while read -r p _ bin bout; do
	read -r _ st2 ain aout <<EOF
$(grep "^$p " "$T/after.txt")
EOF
	printf '      %-10s %-10s %12s %12s %12s %12s\n' "$p" "$st2" "$bin" "$ain" "$bout" "$aout"
	case $p in
	clinical) [ "$ain" -gt "$bin" ] && [ "$aout" -gt "$bout" ] && c_ok=1 ;;
	*) [ "$ain:$aout" = "$bin:$bout" ] || o_bad="${o_bad:-} $p" ;;
	esac
done <"$T/before.txt"
if [ "${c_ok:-0}" = 1 ] && [ -z "${o_bad:-}" ]; then
	ok "目的別に分離 / all of it went through the clinical CHILD_SA, none through emergency or imaging"
else
	not_ok "clinical grew: ${c_ok:-0}; others that moved:${o_bad:- none}"
fi

echo
say "停止 / stopping gateways and charons, removing the namespaces"
stop_all
check_asan "$T"
echo
if [ "$NFAIL" -eq 0 ]; then
	echo "デモ成功 / DEMO PASSED"
	exit 0
fi
HASHI_KEEP=1
echo "デモ失敗 / DEMO FAILED: $NFAIL check(s) failed; logs in $T"
exit 1
