#!/bin/sh
# tests/integ/test_lint.sh: `make check` enforces `make lint`. Runs tests/lint/layers.sh and
# tests/lint/sizes.sh over the tree (tests 1 and 2), then checks that each script really
# catches what it is meant to catch, on a small fake tree in a temp dir (tests 3 on), so a
# linter that silently stopped looking cannot pass.
set -u
. "$(dirname "$0")/lib.sh"

LINT=$HASHI_ROOT/tests/lint

if out=$(sh "$LINT/layers.sh" 2>&1); then ok "include layers"; else not_ok "include layers"; diag "$out"; fi
if out=$(sh "$LINT/sizes.sh" 2>&1); then ok "file and function sizes"; else not_ok "file and function sizes"; diag "$out"; fi

# ---- the linters on a fake tree: FAKE/tests/lint/*.sh look at FAKE/{common,...}
mk_tmp
F=$HASHI_TMP/tree
mkdir -p "$F/tests/lint" "$F/common" "$F/crypto" "$F/mpi" "$F/policy" "$F/audit" "$F/gateway"
cp "$LINT/layers.sh" "$LINT/sizes.sh" "$F/tests/lint/"

# fn NAME LINES: a house-style function whose "{" ... "}" spans LINES lines.
fn() {
	printf 'static int\n%s(int a,\n    int b)\n{\n' "$1"
	_fn_i=2
	while [ "$_fn_i" -lt $(($2 - 1)) ]; do
		echo "	a += b;"
		_fn_i=$((_fn_i + 1))
	done
	printf '\treturn a;\n}\n\n'
}

# a clean tree first: every allowed include, functions at the limit
printf '#include <stdio.h>\n#include "common/log.h"\n' >"$F/common/log.c"
printf '#include "common/log.h"\n#include "crypto/tls.h"\n' >"$F/crypto/tls.c"
printf '#include "common/log.h"\n#include "mpi/kana.h"\n' >"$F/mpi/kana.c"
printf '#include "common/log.h"\n#include "crypto/tls.h"\n#include "mpi/kana.h"\n' >"$F/policy/consent.c"
printf '#include "common/log.h"\n#include "crypto/tls.h"\n' >"$F/audit/auditlog.c"
printf '#include "%s"\n' common/a.h crypto/b.h mpi/c.h policy/d.h audit/e.h gateway/f.h >"$F/gateway/gw.c"
fn at_limit 80 >>"$F/gateway/gw.c"
printf 'int proto(int a);\nint\nshort_one(void)\n{\n\treturn 0;\n}\n' >>"$F/gateway/gw.c"
i=0
while [ "$i" -lt 230 ]; do echo "/* $i */"; i=$((i + 1)); done >"$F/mpi/kana.h"
check "layers.sh passes a tree that keeps the layers" sh "$F/tests/lint/layers.sh"
check "sizes.sh passes a tree within the limits (an 80-line function)" sh "$F/tests/lint/sizes.sh"

# layers: one violation of each kind
printf '#include "mpi/kana.h"\n' >>"$F/common/log.c"
printf '#include "policy/consent.h"\n' >>"$F/crypto/tls.c"
printf '\n#include "gateway/gw.h"\n' >>"$F/mpi/kana.c"
printf '#include "audit/auditlog.h"\n' >>"$F/policy/consent.c"
printf '#include "mpi/kana.h"\n' >>"$F/audit/auditlog.c"
printf '#include "gw.h"\n#include "../common/log.h"\n#  include "vendor/x.h"\n' >>"$F/gateway/gw.c"
out=$(sh "$F/tests/lint/layers.sh" 2>&1)
rc=$?
is "$rc" 1 "layers.sh exits 1 on violations"
like "$out" '^common/log\.c:3: common/ includes "mpi/kana\.h"' "common may not include mpi/"
like "$out" '^crypto/tls\.c:3: crypto/ includes "policy/consent\.h"' "crypto may not include policy/"
like "$out" '^mpi/kana\.c:4: mpi/ includes "gateway/gw\.h": nothing outside gateway/' "mpi may not include gateway/ (file:line)"
like "$out" '^policy/consent\.c:4: policy/ includes "audit/auditlog\.h"' "policy may not include audit/"
like "$out" '^audit/auditlog\.c:3: audit/ includes "mpi/kana\.h"' "audit may not include mpi/"
like "$out" '^gateway/gw\.c:[0-9]+: include "gw\.h" has no folder' "a bare local include is flagged"
like "$out" '^gateway/gw\.c:[0-9]+: include "\.\./common/log\.h" climbs' "a ../ include is flagged"
like "$out" '^gateway/gw\.c:[0-9]+: include "vendor/x\.h": vendor/ is not one of our folders' "an unknown folder is flagged"
is "$(printf '%s\n' "$out" | grep -c '^[a-z]*/[a-z]*\.c:[0-9]*: ')" 8 "exactly the 8 violations, no more"

# sizes: one violation of each kind
fn too_long 81 >>"$F/crypto/tls.c"
i=0
while [ "$i" -lt 21 ]; do echo "#include \"common/x$i.h\""; i=$((i + 1)); done >"$F/audit/auditlog.c"
i=0
while [ "$i" -lt 801 ]; do echo "/* $i */"; i=$((i + 1)); done >"$F/policy/consent.c"
echo "/* 231..251 */" >>"$F/mpi/kana.h"
i=0
while [ "$i" -lt 20 ]; do echo "/* $i */"; i=$((i + 1)); done >>"$F/mpi/kana.h"
out=$(sh "$F/tests/lint/sizes.sh" 2>&1)
rc=$?
is "$rc" 1 "sizes.sh exits 1 on violations"
like "$out" '^crypto/tls\.c:[0-9]+: function too_long\(\) is 81 lines \(max 80\)' "an 81-line function is flagged at its name"
like "$out" '^policy/consent\.c:801: 801 lines \(max 800' "an 801-line .c is flagged"
like "$out" '^mpi/kana\.h:251: 251 lines \(max 250' "a 251-line .h is flagged"
like "$out" '^audit/auditlog\.c:1: 21 local includes \(max 20\)' "21 local includes are flagged"
is "$(printf '%s\n' "$out" | grep -c '^[a-z]*/[a-z]*\.[ch]:[0-9]*: ')" 4 "exactly the 4 violations, no more"

done_testing
