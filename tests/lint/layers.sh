#!/bin/sh
# tests/lint/layers.sh: checks the include layers of STYLE.md in every .c and .h of our folders.
#
#   common   includes none of ours
#   crypto   common                    mpi     common
#   policy   common crypto mpi         audit   common crypto
#   gateway  all of them
#   tests/   anything; nothing outside gateway/ and tests/ includes gateway/
#
# A local include must name its folder from the repo root ("mpi/kana.h"): a bare "kana.h" or a
# "../x.h" would slip past the layers, so both are violations too, as is a folder that is not
# one of ours. System includes (<...>) are not checked. Prints each violation as
# file:line: message and exits 1 if there is any, 0 otherwise. No exceptions file, by design.
set -u
cd "$(dirname "$0")/../.." || exit 2

# may_include FOLDER: the folders FOLDER may include (its own always).
may_include() {
	case $1 in
	common) echo "common" ;;
	crypto) echo "common crypto" ;;
	mpi) echo "common mpi" ;;
	policy) echo "common crypto mpi policy" ;;
	audit) echo "common crypto audit" ;;
	gateway) echo "common crypto mpi policy audit gateway" ;;
	esac
}

FOLDERS="common crypto mpi policy audit gateway"
out=$(mktemp "${TMPDIR:-/tmp}/hashi-layers.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT

for dir in $FOLDERS; do
	[ -d "$dir" ] || continue
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -f "$f" ] || continue
		LC_ALL=C awk -v file="$f" -v self="$dir" -v allowed=" $(may_include "$dir") " \
		    -v ours=" $FOLDERS " '
		/^[ \t]*#[ \t]*include[ \t]*"/ {
			s = $0
			sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", s)
			sub(/".*/, "", s)
			if (index(s, "..") > 0) {
				printf "%s:%d: include \"%s\" climbs with ..; use the path from the repo root\n", file, FNR, s
				next
			}
			if (index(s, "/") == 0) {
				printf "%s:%d: include \"%s\" has no folder; use the path from the repo root (\"%s/%s\")\n", file, FNR, s, self, s
				next
			}
			top = substr(s, 1, index(s, "/") - 1)
			if (index(ours, " " top " ") == 0) {
				printf "%s:%d: include \"%s\": %s/ is not one of our folders (%s)\n", file, FNR, s, top, substr(ours, 2, length(ours) - 2)
				next
			}
			if (index(allowed, " " top " ") == 0) {
				if (top == "gateway")
					printf "%s:%d: %s/ includes \"%s\": nothing outside gateway/ and tests/ includes gateway/\n", file, FNR, self, s
				else
					printf "%s:%d: %s/ includes \"%s\": %s/ may include only %s\n", file, FNR, self, s, self, substr(allowed, 2, length(allowed) - 2)
			}
		}' "$f" >>"$out"
	done
done

if [ -s "$out" ]; then
	cat "$out"
	echo "layers: $(wc -l <"$out") violation(s)" >&2
	exit 1
fi
exit 0
