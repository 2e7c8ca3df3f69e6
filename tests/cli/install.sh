#!/bin/sh
# install: the Unix habits.  revtrace(1) and the bash completion are generated from the option
# tables that make --help: every option of every command's --help is in both, the page renders
# under man(1) without a warning, `revtrace capture --ra<TAB>` offers --ramp and --rate.
# `make install` (into a DESTDIR) puts the binary, the page, the completion, README.md with
# docs/ beside it (the README's links resolve) and the sample data (with the published locust
# table) where the Dockerfile and docs/kubernetes.md say.
. tests/lib.sh

CMDS="capture replay analyze emulate synth"
"$REVTRACE" --help-man >"$T/revtrace.1"
expect_eq "--help-man exits 0" "$?" 0
"$REVTRACE" --help-completion >"$T/revtrace.bash"
expect_eq "--help-completion exits 0" "$?" 0

# --- the page ----------------------------------------------------------------------------------
warn=$(MANWIDTH=100 man --warnings -l "$T/revtrace.1" 2>&1 >/dev/null)
expect_eq "man renders revtrace.1 without a warning" "$warn" ""
MANWIDTH=100 man -l "$T/revtrace.1" 2>/dev/null >"$T/man.txt"
for sec in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" FILES EXAMPLE; do
    check "the page has $sec" grep -q "^$sec\$" "$T/man.txt"
done
for st in 0 1 2 3 130 143; do
    check "the page explains exit status $st" grep -q "^       $st  *[a-z]" "$T/man.txt"
done
missing="" nopts=0
for c in $CMDS; do
    check "the page has a section for $c" grep -q "^   revtrace $c " "$T/man.txt"
    words=$(sed -n "s/^        $c) words=\"\(.*\)\" ;;\$/\1/p" "$T/revtrace.bash")
    for o in $("$REVTRACE" $c --help | sed -n 's/^ *\(-., \)\{0,1\}\(--[a-z0-9-]*\).*/\2/p'); do
        nopts=$((nopts + 1))
        grep -q -- "$o" "$T/man.txt" || missing="$missing man:$c$o"
        case " $words " in *" $o "*) ;; *) missing="$missing completion:$c$o" ;; esac
    done
done
expect_eq "every --help option ($nopts) is in the page and the completion" "$missing" ""
expect_cmp "the options were found in --help" "$nopts" -ge 90

# --- the completion ----------------------------------------------------------------------------
# complete WORDS...: what _revtrace offers for the last word.
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _revtrace
             [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' sh "$T/revtrace.bash" "$@"
}
expect_eq "capture --ra<TAB> offers --ramp and --rate" "$(complete_words revtrace capture --ra)" \
    "--ramp --rate "
expect_eq "an<TAB> offers analyze" "$(complete_words revtrace an)" "analyze "
expect_eq "analyze --phab<TAB> offers the Phabricator options" \
    "$(complete_words revtrace analyze --phab)" "--phab-task --phab-token-file --phab-url "
expect_eq "a value is left to file-name completion" "$(complete_words revtrace capture --revids d)" ""

# --- make install -------------------------------------------------------------------------------
D="$T/inst"
make --no-print-directory -s install DESTDIR="$D" PREFIX=/usr BIN="$REVTRACE" GEN="$T/gen" \
    >"$T/install.log" 2>&1
expect_eq "make install exits 0" "$?" 0
for f in usr/bin/revtrace usr/share/man/man1/revtrace.1 \
         usr/share/bash-completion/completions/revtrace usr/share/doc/revtrace/README.md \
         usr/share/doc/revtrace/docs/analyze.md usr/share/doc/revtrace/Dockerfile \
         usr/share/revtrace/data/revids.csv \
         usr/share/revtrace/data/wikidata-synthetic-1h.csv.gz \
         usr/share/revtrace/data/phab-locust-runs.csv usr/share/revtrace/data/README.md; do
    check "installed: /$f" test -s "$D/$f"
done
expect_eq "the installed doc's data/ points to the data" \
    "$(readlink "$D/usr/share/doc/revtrace/data")" /usr/share/revtrace/data
check "the installed page names the installed data" \
    grep -q '^\.I /usr/share/revtrace/data$' "$D/usr/share/man/man1/revtrace.1"
warn=$(MANWIDTH=100 man --warnings -l "$D/usr/share/man/man1/revtrace.1" 2>&1 >/dev/null)
expect_eq "the installed page renders without a warning" "$warn" ""
# Every relative link of the installed README and docs resolves (data/ through the link).
bad=""
for md in "$D"/usr/share/doc/revtrace/README.md "$D"/usr/share/doc/revtrace/docs/*.md; do
    dir=$(dirname "$md")
    for l in $(grep -o '](\([^)#:]*\)' "$md" | sed 's/^](//'); do
        t=$(echo "$dir/$l" | sed "s|$D/usr/share/doc/revtrace/data|$D/usr/share/revtrace/data|;
                                  s|/docs/\.\./data/|/data/|")
        case $t in */data/*) t=$(echo "$t" | sed "s|.*/data/|$D/usr/share/revtrace/data/|") ;; esac
        [ -e "$t" ] || bad="$bad $(basename "$md"):$l"
    done
done
expect_eq "every relative link of the installed docs resolves" "$bad" ""

# --- the Dockerfile installs the same way, to the paths the docs use -----------------------------
check "the Dockerfile runs make install with PREFIX=/usr" \
    grep -q 'make -C /src install PREFIX=/usr DESTDIR=/out' Dockerfile
check "docs/kubernetes.md's trace path is the installed one" \
    test -s "$D$(grep -o '/usr/share/revtrace/data/wikidata-synthetic-1h.csv.gz' docs/kubernetes.md | head -n1)"
finish
