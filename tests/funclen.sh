#!/bin/sh
# funclen.sh - the length of every function definition in C sources, longest first:
#     LINES FILE:LINE NAME
# LINES counts from the line where the signature starts to the function's closing brace, both
# included; FILE:LINE is the signature's first line.
#
# Usage: sh tests/funclen.sh [FILE|DIR...]   (run from the top of the tree; a DIR means its
#        *.c and *.h; default: revtrace.c, core, tool and the Makefile's command folders)
#
# It relies on the house style, not on a C parser: a function's braces are in column 0 and
# its signature starts in column 0 with a name (the return type); everything inside is
# indented.  Comments and literals are blanked first (tests/cstrip.awk), so a brace in a
# string or a comment counts for nothing.  A definition with its "{" at the end of the
# signature line is recognised too.
set -u
here=$(dirname "$0")
[ $# -gt 0 ] || set -- revtrace.c core tool $(sed -n 's/^CMDS *:= *//p' Makefile)
files=$(for a in "$@"; do
    if [ -d "$a" ]; then find "$a" -type f \( -name '*.c' -o -name '*.h' \); else echo "$a"; fi
done | sort)
[ -n "$files" ] || exit 0
for f in $files; do
    awk -f "$here/cstrip.awk" "$f" | awk -v file="$f" '
        # Outside a function, sig is the first line of the declaration being read (0: none).
        !infn && /^[A-Za-z_]/ && !sig { sig = FNR; text = "" }
        !infn && sig { text = text " " $0 }
        !infn && sig && /^\{/ { start(); next }
        !infn && sig && /^[A-Za-z_]/ && /\)[ \t]*\{[ \t]*$/ && text !~ /=/ { start(); next }
        !infn && /;[ \t]*$/ { sig = 0 }
        !infn && /^\}/ { sig = 0 }
        infn && /^\}/ { print FNR - sig + 1, file ":" sig, name; infn = 0; sig = 0 }
        function start() {
            if (text !~ /\(/ || substr(text, 1, index(text, "(")) ~ /=/) {
                sig = 0
                return
            }
            name = substr(text, 1, index(text, "(") - 1)
            sub(/[ \t]+$/, "", name)
            sub(/.*[^A-Za-z0-9_]/, "", name)
            infn = 1
        }'
done | sort -k1,1nr -k2,2
