#!/bin/sh
# layers.sh - the architecture as checks that can fail (no build, no server):
#   core/ is the library: it prints nothing to stdout/stderr, never exits or aborts, installs
#   no signal handler, parses no command line, and includes nothing of tool/ or the commands;
#   tool/ includes nothing of the commands; a command folder includes nothing of another;
#   only the store (core/store.c) names sqlite3; no function is over 100 lines; and the engine
#   (core/engine.c) includes core and system headers only.
#
# Each rule lists its offenders as "FILE:LINE: what"; a rule with none is "ok", else "not ok"
# with the first offender and a "#" line for each.  The code is grepped with its comments and
# literals blanked (tests/cstrip.awk), so `/* printf */` or "exit(" in a string counts for
# nothing, and snprintf into a buffer is not printing.  Function lengths are tests/funclen.sh's.
#
# The rules are first run on a small planted tree: each must name exactly the planted lines,
# none of the decoys beside them, so a rule that cannot fail fails here.  Then on the tree.
. tests/lib.sh

TOP=$(pwd)
# The command folders are the Makefile's (one archive each), so a new one cannot escape.
CMDS=$(sed -n 's/^CMDS *:= *//p' "$TOP/Makefile")
SCOPE="revtrace.c core tool $CMDS"
STORE=core/store.c
ENGINE=core/engine.c
FUNC_MAX=100

# ---- finding code

# The C sources of SCOPE under the current directory, one per line.
sources() {
    for a in $SCOPE; do
        [ -e "$a" ] && find "$a" -type f \( -name '*.c' -o -name '*.h' \)
    done | sort
}

# mirror DIR: the sources, stripped, at the same paths under DIR (code_grep reads there).
mirror() {
    files=$(sources)
    for f in $files; do mkdir -p "$1/$(dirname "$f")" && : > "$1/$f"; done   # awk skips empty files
    [ -z "$files" ] || awk -v dest="$1" -f "$TOP/tests/cstrip.awk" $files
}

# code_grep ERE PATH...: "FILE:LINE: source line" for each line under PATH whose code (as
# stripped in the mirror) matches ERE; the line shown is the real one.
code_grep() {
    re=$1; shift
    (cd "$M" && for p in "$@"; do [ -e "$p" ] && find "$p" -type f; done | sort |
        xargs grep -nE "$re" /dev/null) | cut -d: -f1,2 | awk -F: '
        $1 != f { if (f != "") close(f); f = $1; n = 0 }
        { while (n < $2 && (getline t < f) > 0) n++
          sub(/^[ \t]+/, "", t); print $1 ":" $2 ": " t }'
}

# Every #include of the sources as "FILE:LINE LAYER PATH".  LAYER is "system" for <...>,
# else the folder the quoted path lands in (a bare name is looked up beside the including
# file first, as the compiler does), or the name itself for a header at the top (commands.h).
includes() {
    (cd "$M" && sources | xargs awk '
        function exists(f,   junk, r) { r = (getline junk < f) >= 0; close(f); return r }
        function layer(file, p,   d) {
            d = file
            if (!sub(/\/[^\/]*$/, "", d))
                d = ""
            while (p ~ /^\.\//)
                p = substr(p, 3)
            if (p ~ /^\.\.\//) {
                while (p ~ /^\.\.\//) {
                    p = substr(p, 4)
                    if (!sub(/\/[^\/]*$/, "", d))
                        d = ""
                }
                if (d != "")
                    p = d "/" p
            } else if (p !~ /\// && d != "" && exists(d "/" p)) {
                p = d "/" p
            }
            sub(/\/.*/, "", p)
            return p
        }
        /^[ \t]*#[ \t]*include/ {
            if (match($0, /"[^"]*"/))
                print FILENAME ":" FNR, layer(FILENAME, substr($0, RSTART + 1, RLENGTH - 2)), \
                      substr($0, RSTART + 1, RLENGTH - 2)
            else if (match($0, /<[^>]*>/))
                print FILENAME ":" FNR, "system", substr($0, RSTART + 1, RLENGTH - 2)
        }')
}

# include_rule AWK-CONDITION: "FILE:LINE: includes PATH" for each include where it holds;
# the condition sees file (the including file), from (its folder), to (the LAYER), path, and
# cmd[x] / bad[x] for the commands and for what neither core nor tool may include.
include_rule() {
    includes | awk -v cmds="$CMDS" -v engine="$ENGINE" '
        BEGIN {
            n = split(cmds, c, " ")
            for (i = 1; i <= n; i++) { cmd[c[i]] = 1; bad[c[i]] = 1 }
            bad["tool"] = 1
            bad["commands.h"] = 1
        }
        {
            file = $1; sub(/:.*/, "", file)
            from = file; if (!sub(/\/.*/, "", from)) from = ""
            to = $2; path = $3
            if ('"$1"') print $1 ": includes \"" path "\""
        }'
}

# ---- the rules: each prints its offenders, one "FILE:LINE: what" a line

# Names as whole words: NOT_ID before a call (not a longer name, not a member: s->exit),
# WORD around a name that is not called.
NOT_ID='(^|[^A-Za-z0-9_.>])'
WORD_L='(^|[^A-Za-z0-9_])'
WORD_R='([^A-Za-z0-9_]|$)'
CALL='[[:space:]]*\('
rule_core_prints() {
    code_grep "$NOT_ID"'(printf|vprintf|puts|putchar|perror|dprintf)'"$CALL|\
$WORD_L"'(stdout|stderr|STDOUT_FILENO|STDERR_FILENO)'"$WORD_R" core
}
rule_core_exits() {
    code_grep "$NOT_ID"'(exit|_exit|_Exit|quick_exit|abort)'"$CALL" core
}
rule_core_signals() {
    code_grep "$NOT_ID"'(signal|sigaction)'"$CALL" core
}
rule_core_options() {
    code_grep "$NOT_ID"'(getopt|getopt_long|getopt_long_only)'"$CALL|\
$WORD_L"'(optarg|optind|opterr|optopt|rt_opt|rt_opt_table|rt_cmd_spec)'"$WORD_R|\
"'<getopt\.h>|struct[[:space:]]+option'"$WORD_R" core
}
rule_core_includes() {
    include_rule 'from == "core" && (to in bad)'
}
rule_tool_includes() {
    include_rule 'from == "tool" && (to in cmd || to == "commands.h")'
}
rule_cmd_includes() {
    include_rule '(from in cmd) && (to in cmd) && to != from'
}
# One line per file: where it first names sqlite3, and how many lines do.
rule_sqlite_in_store() {
    code_grep '(^|[^A-Za-z0-9_])sqlite3([^A-Za-z0-9]|$)' $SCOPE | grep -v "^$STORE:" |
        awk -F: '!($1 in n) { at[$1] = $2; order[++k] = $1 }
                 { n[$1]++ }
                 END { for (i = 1; i <= k; i++)
                           print order[i] ":" at[order[i]] ": " n[order[i]] " line(s) name sqlite3" }'
}
rule_function_length() {
    sh "$TOP/tests/funclen.sh" $(for a in $SCOPE; do [ -e "$a" ] && echo "$a"; done) |
        awk -v max=$FUNC_MAX '$1 > max { print $2 ": " $3 " is " $1 " lines" }'
}
rule_engine_includes() {
    if [ ! -f "$ENGINE" ]; then echo "$ENGINE:0: not found"; return; fi
    include_rule 'file == engine && to != "core" && to != "system"'
}

RULES="core_prints core_exits core_signals core_options core_includes tool_includes \
cmd_includes sqlite_in_store function_length engine_includes"

describe() {
    case $1 in
    core_prints)     echo "core/ prints nothing to stdout or stderr" ;;
    core_exits)      echo "core/ never calls exit, _exit or abort" ;;
    core_signals)    echo "core/ installs no signal handler (signal, sigaction)" ;;
    core_options)    echo "core/ parses no command line (getopt, option tables)" ;;
    core_includes)   echo "core/ includes nothing from tool/ or a command folder" ;;
    tool_includes)   echo "tool/ includes nothing from a command folder" ;;
    cmd_includes)    echo "a command folder includes nothing from another" ;;
    sqlite_in_store) echo "only $STORE names sqlite3 (include, type or call)" ;;
    function_length) echo "no function is over $FUNC_MAX lines" ;;
    engine_includes) echo "$ENGINE includes only core and system headers" ;;
    esac
}

# ---- the rules on a planted tree: exactly the planted lines, no decoy

F="$T/planted"
mkdir -p "$F/core" "$F/tool" "$F/capture" "$F/replay" "$F/analyze"
cat > "$F/core/a.c" <<'EOF'
/* decoys: printf("x"); exit(1); signal(2, f); getopt(0, 0, ""); sqlite3_open() */
#include <stdio.h>
#include "core/a.h"
#include "tool/cli.h"
// #include "capture/schedule.h" fprintf(stderr, ...) abort();
static const char *msg = "exit( printf( stderr getopt( sqlite3_step( '\"'";
int a(char *b, size_t n)
{
    snprintf(b, n, "%d", rt_exit_code(s->exit(1)) + vsnprintf(b, n, "x", 0));
    fprintf(stderr, "x\n");
    puts("y");
    signal(SIGPIPE, SIG_IGN);
    if (getopt_long(0, 0, "", 0, 0) < 0)
        abort();
    return write_to(stdout, '"', "/* not a comment */") + optind;
}
EOF
cat > "$F/core/a.h" <<'EOF'
/* sqlite3 is only named in this comment; "tool/cli.h" too. */
#include "a.h"
EOF
cat > "$F/core/engine.c" <<'EOF'
#include "core/engine.h"
#include <curl/curl.h>
#include "tool/progress.h"
#include "commands.h"
#include "a.h"
EOF
cat > "$F/core/store.c" <<'EOF'
#include <sqlite3.h>
int s(sqlite3 *db) { return sqlite3_close(db); }
EOF
cat > "$F/tool/t.c" <<'EOF'
#include "tool/cli.h"
#include "core/a.h"
#include "capture/schedule.h"
EOF
cat > "$F/capture/c.c" <<'EOF'
#include "capture/schedule.h"
#include "schedule.h"
#include "../replay/replayplan.h"
#include "tool/cli.h"
#include <sqlite3.h>
int c(void)
{
    return sqlite3_threadsafe() + sqlite3x();
}
EOF
: > "$F/capture/schedule.h"
{
    echo "static int fits(void)"
    echo "{"
    i=0; while [ $i -lt 97 ]; do echo "    n++;"; i=$((i + 1)); done
    echo "}"
    echo "static const struct x table[] = {"
    echo "    { \"}\" },"
    echo "};"
    echo "struct y {"
    echo "    int (*f)(int);"
    echo "};"
    echo "int too_long(int a,"
    echo "             int b)"
    echo "{"
    echo "/*"
    echo "} a brace in column 0 of a comment does not end the function"
    echo "*/"
    i=0; while [ $i -lt 94 ]; do echo "    n++;"; i=$((i + 1)); done
    echo "}"
} > "$F/analyze/long.c"

planted() {
    case $1 in
    core_prints)     echo "core/a.c:10 core/a.c:11 core/a.c:15" ;;
    core_exits)      echo "core/a.c:14" ;;
    core_signals)    echo "core/a.c:12" ;;
    core_options)    echo "core/a.c:13 core/a.c:15" ;;
    core_includes)   echo "core/a.c:4 core/engine.c:3 core/engine.c:4" ;;
    tool_includes)   echo "tool/t.c:3" ;;
    cmd_includes)    echo "capture/c.c:3" ;;
    sqlite_in_store) echo "capture/c.c:5" ;;
    function_length) echo "analyze/long.c:107" ;;
    engine_includes) echo "core/engine.c:3 core/engine.c:4" ;;
    esac
}

M="$T/planted.stripped"
for r in $RULES; do
    got=$( (cd "$F" && mirror "$M" && "rule_$r") | sed 's/^\([^:]*:[0-9]*\):.*/\1/' | tr '\n' ' ')
    rm -rf "$M"
    expect_eq "planted tree: '$(describe "$r")' finds exactly the planted lines" \
        "${got% }" "$(planted "$r")"
done
lengths=$( (cd "$F" && sh "$TOP/tests/funclen.sh" analyze) | tr '\n' ' ')
expect_eq "planted tree: funclen.sh measures signature to closing brace, longest first" \
    "${lengths% }" "101 analyze/long.c:107 too_long 100 analyze/long.c:1 fits"

# ---- the rules on the tree

expect_cmp "the Makefile names the command folders ($CMDS)" "$(echo $CMDS | wc -w)" -ge 5
n=$(sources | wc -l)
expect_cmp "the tree has C sources to check ($n files)" "$n" -gt 50
M="$T/stripped"
mirror "$M"
for r in $RULES; do
    "rule_$r" > "$T/offenders"
    if [ ! -s "$T/offenders" ]; then
        ok "$(describe "$r")"
    else
        # printf, not notok: echo in dash would expand a "\n" of the quoted source line.
        printf 'not ok - %s: %d offender(s), first %s\n' "$(describe "$r")" \
               "$(wc -l < "$T/offenders")" "$(head -n 1 "$T/offenders")"
        RT_FAILED=1
        sed 's/^/#   /' "$T/offenders"
    fi
done
finish
