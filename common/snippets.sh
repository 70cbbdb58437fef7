#!/bin/sh
# snippets.sh check|update FILE: keep the code shown in a Markdown file
# identical to the sources it comes from.
#
# A code block preceded by a line such as
#     <!-- code: step2_go_macro/go.h /^#define go(/,/^$/ -->
# shows the lines that `sed -n '/^#define go(/,/^$/p' step2_go_macro/go.h`
# prints (trailing blank lines dropped). "update" rewrites every such block
# from its source; "check" prints one line per block, ok or STALE, and
# exits 1 if any is stale. Code is found by a pattern, not a line number,
# so it moves with the source.
set -u
mode=$1 file=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
awk -v mode="$mode" -v out="$out" '
function source_lines(src, range,    cmd, line, n, i, text) {
    cmd = "sed -n \047" range "p\047 " src
    n = 0
    while ((cmd | getline line) > 0)
        lines[++n] = line
    close(cmd)
    while (n > 0 && lines[n] == "")
        n--
    text = ""
    for (i = 1; i <= n; i++)
        text = text lines[i] "\n"
    return text
}
{
    print > out
    if (!match($0, /^<!-- code: [^ ]+ .* -->$/))
        next
    spec = substr($0, 12, length($0) - 15)
    src = substr(spec, 1, index(spec, " ") - 1)
    range = substr(spec, index(spec, " ") + 1)
    want = source_lines(src, range)
    if (want == "") {
        printf "FAIL %s: no lines match %s\n", src, range
        bad++
    }
    if ((getline fence) <= 0 || fence !~ /^```/) {
        printf "FAIL %s: no code block after line %d\n", FILENAME, NR
        bad++
        next
    }
    print fence > out
    have = ""
    while ((getline line) > 0 && line != "```")
        have = have line "\n"
    printf "%s", (mode == "update" ? want : have) > out
    print "```" > out
    if (mode == "check") {
        printf "%s %s %s\n", (have == want ? "ok  " : "FAIL"), src, range
        if (have != want)
            bad++
        else
            good++
    }
}
END {
    if (mode == "check")
        printf "snippets: %d passed, %d failed\n", good, bad
    exit bad > 0
}' "$file"
status=$?
if [ "$mode" = update ] && [ $status -eq 0 ]; then
    cat "$out" > "$file"
fi
exit $status
