# remarkup_check.awk - checks a Remarkup document against the Phabricator rules revtrace's
# report must keep, printing one line per violation (no output: it conforms).
#   tables: a run of lines starting with '|' is one table; its second row is the header
#     separator and Phabricator takes it as one only when every cell is dashes alone (no
#     alignment colons); no other row may look like a separator (a row of ---: cells).
#   code blocks: ``` opens and closes; every line inside is at most 100 columns (a comment
#     shows 100 unscrolled) and plain ASCII; the document ends outside a block.
function cells(line, out,    n, i, t) {
    n = split(line, t, "|")
    # "| a | b |" splits into "", " a ", " b ", "": the cells are 2 .. n-1
    for (i = 2; i < n; i++) { out[i - 1] = t[i]; gsub(/^ +| +$/, "", out[i - 1]) }
    return n - 2
}
function sepcells(line,    c, n, i, dash, colon) {
    n = cells(line, c); dash = 1; colon = 0
    for (i = 1; i <= n; i++) {
        if (c[i] !~ /^-+$/) dash = 0
        if (c[i] ~ /^:?-+:?$/ && c[i] ~ /:/) colon = 1
    }
    return dash ? 1 : colon ? 2 : 0
}
/^```/ { incode = !incode; next }
incode {
    if (length($0) > 100) printf "%d: code line of %d columns\n", NR, length($0)
    if ($0 ~ /[^\t -~]/) printf "%d: non-ASCII in a code block\n", NR
    next
}
/^\|/ {
    row++
    k = sepcells($0)
    if (row == 2 && k != 1) printf "%d: table separator row is not dashes alone: %s\n", NR, $0
    if (row != 2 && k == 2) printf "%d: a row of alignment cells: %s\n", NR, $0
    next
}
{ if (row == 1) printf "%d: table without a separator row\n", NR - 1; row = 0 }
END { if (incode) print "unclosed code block"; if (row == 1) print "table without a separator row" }
