# cstrip.awk - C source with its comments and the insides of its string and character
# literals blanked, so that a grep for calls or names sees only code (POSIX awk).
#
# Every line keeps its number and its length: a comment becomes spaces, a literal keeps its
# quotes ("   "), so "file:line" found in the output points into the real file.  The path of
# an #include line is code, not a literal, and is kept.  A literal left open at the end of a
# line is closed there unless the line ends with a backslash (a continued literal).
#
#   awk -f tests/cstrip.awk FILE...              to stdout
#   awk -v dest=DIR -f tests/cstrip.awk FILE...  each FILE to DIR/FILE (its folders must exist)

FNR == 1 {
    if (dest != "") {
        if (out != "")
            close(out)
        out = dest "/" FILENAME
    }
    in_comment = 0
    in_lit = ""
}

{
    line = $0
    n = length(line)
    keep = line ~ /^[ \t]*#[ \t]*include/
    s = ""
    i = 1
    while (i <= n) {
        c = substr(line, i, 1)
        c2 = substr(line, i, 2)
        if (in_comment) {
            if (c2 == "*/") {
                in_comment = 0
                s = s "  "
                i += 2
            } else {
                s = s " "
                i++
            }
        } else if (in_lit != "") {
            if (c == "\\") {
                s = s (keep ? c2 : "  ")
                i += 2
            } else if (c == in_lit) {
                in_lit = ""
                s = s c
                i++
            } else {
                s = s (keep ? c : " ")
                i++
            }
        } else if (c2 == "/*") {
            in_comment = 1
            s = s "  "
            i += 2
        } else if (c2 == "//") {
            while (i <= n) {
                s = s " "
                i++
            }
        } else {
            if (c == "\"" || c == "'")
                in_lit = c
            s = s c
            i++
        }
    }
    if (in_lit != "" && substr(line, n, 1) != "\\")
        in_lit = ""
    s = substr(s, 1, n)
    if (dest != "")
        print s > out
    else
        print s
}
