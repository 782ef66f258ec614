#!/bin/sh
# tests/lint/sizes.sh: the size limits of STYLE.md in common crypto mpi policy audit gateway
# (not tests/):
#
#   a .c file has at most 800 lines, a .h at most 250;
#   a function has at most 80 lines, counted from its "{" line to its "}" line inclusive;
#   a .c file has at most 20 local includes (#include "...").
#
# Functions are found the way the house style writes them (style(9)): the name at column 0
# ("name(" after the return type line), then a line that is just "{" at column 0, up to the
# next line that starts with "}" at column 0. A definition written another way is not seen,
# which review catches. Prints each violation as file:line: message (the line of the name for
# a function) and exits 1 if there is any, 0 otherwise. No exceptions file, by design.
set -u
cd "$(dirname "$0")/../.." || exit 2

MAX_C=800
MAX_H=250
MAX_FN=80
MAX_INC=20
FOLDERS="common crypto mpi policy audit gateway"
out=$(mktemp "${TMPDIR:-/tmp}/hashi-sizes.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT

for dir in $FOLDERS; do
	[ -d "$dir" ] || continue
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -f "$f" ] || continue
		case $f in
		*.c) max=$MAX_C ;;
		*) max=$MAX_H ;;
		esac
		LC_ALL=C awk -v file="$f" -v max="$max" -v maxfn="$MAX_FN" -v maxinc="$MAX_INC" '
		/^[ \t]*#[ \t]*include[ \t]*"/ { ninc++ }
		# a candidate function name: an identifier at column 0 directly followed by "("
		!infn && /^[A-Za-z_][A-Za-z0-9_]*\(/ {
			name = $0; sub(/\(.*/, "", name); nameline = FNR
			if ($0 ~ /;[ \t]*$/)
				name = ""	# a prototype or a macro call
			next
		}
		!infn && /^\{[ \t]*$/ {
			if (name != "") { infn = 1; start = FNR }
			next
		}
		infn && /^}/ {
			len = FNR - start + 1
			if (len > maxfn)
				printf "%s:%d: function %s() is %d lines (max %d)\n", file, nameline, name, len, maxfn
			infn = 0; name = ""
			next
		}
		# any other line at column 0 between a name and its "{" means it was no definition
		!infn && /^[^ \t]/ { name = "" }
		END {
			if (FNR > max)
				printf "%s:%d: %d lines (max %d for a .%s file)\n", file, FNR, FNR, max, substr(file, length(file))
			if (file ~ /\.c$/ && ninc > maxinc)
				printf "%s:1: %d local includes (max %d)\n", file, ninc, maxinc
		}' "$f" >>"$out"
	done
done

if [ -s "$out" ]; then
	cat "$out"
	echo "sizes: $(wc -l <"$out") violation(s)" >&2
	exit 1
fi
exit 0
