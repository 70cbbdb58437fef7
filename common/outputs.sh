#!/bin/sh
# outputs.sh check|update FILE: keep the outputs shown in a Markdown file's
# ```console blocks in step with what their commands print now.
#
# A line "$ command" in a console block is run from the repository's root
# (with `sh -c`, stdout and stderr together, stdio line-buffered as on a
# terminal, make's own messages silenced); the lines under it, up to the
# next "$ " line or the block's end, are what it printed. It must exit 0,
# or N when the line ends with "# exit N".
#
# How a shown line is compared with a printed one:
# - By shape (the default): every number (1,000 or 4.4 or 0x7ff0) stands
#   for any number (and -1 for 0), and any unit of bytes (KiB, MiB, GiB)
#   for any other; runs of spaces for one space. Timings, addresses
#   and counts of CPUs differ from machine to machine; the words do not.
# - Exactly, for numbers that do not depend on the machine (a stack size, a
#   result, a count of goroutines): the comment line right above the block
#       <!-- output: exact -->           compares every line exactly;
#       <!-- output: exact /ERE/ -->     the parts of shown lines that
#                                        match ERE (each must be printed
#                                        as shown), the rest by shape.
# - A line "..." stands for any number of printed lines, none included.
#   Every other printed line must be shown, in order: a new line in the
#   program's output is a stale README.
# - <!-- output: not run, REASON --> above the block: not run at all.
#   Commands that start with "make test" are not run either (the README
#   check runs inside make test), and those that need Go (step6_bin/go/ or
#   "# needs Go") or gdb are skipped where they are not installed (or
#   where gdb may not trace a process).
#
# "check" prints one line per command (ok, FAIL with the first line that
# differs, skip) and a closing count, and exits 1 if any failed. "update"
# runs the same commands and rewrites the shown lines with what they
# printed (keeping the "..." lines); where the shape no longer matches it
# writes the whole output, to be trimmed by hand. It also rewrites the line
# after "<!-- machine -->", which names the machine the outputs come from.
set -u
mode=$1 file=$2
case "$mode" in check|update) ;; *)
    echo "usage: outputs.sh check|update FILE" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One line for the "<!-- machine -->" marker: CPU, cores, OS, compilers.
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
vm=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor: *//p' | head -n 1)
os=$(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release 2>/dev/null)
cc_version=$(${CC:-cc} --version 2>/dev/null | head -n 1)
go_version=$(go version 2>/dev/null | cut -d' ' -f3)
machine="${cpu:-unknown CPU}, $(nproc) CPUs${vm:+ (a $vm guest)}, $os"
machine="$machine, Linux $(uname -r | cut -d- -f1)"
machine="$machine, $(uname -m); $cc_version${go_version:+; $go_version}"

# The commands' own `make`s run silent (-s), with the variables given to
# the make that runs us (make test CC=clang), but not its jobserver.
case " ${MAKEFLAGS:-} " in
*" -- "*) make_vars=${MAKEFLAGS#* -- } ;;
*)        make_vars="" ;;
esac
export OUTPUTS_MAKEFLAGS="s${make_vars:+ -- $make_vars}"

command -v go > /dev/null && have_go=1 || have_go=0
# gdb counts only where it may trace a process (a container may refuse).
gdb -nx -batch -ex run --args /bin/true 2>&1 | grep -q 'exited normally' &&
    have_gdb=1 || have_gdb=0
command -v stdbuf > /dev/null && linebuf="stdbuf -oL -eL" || linebuf=""

awk -v mode="$mode" -v tmp="$tmp" -v machine="$machine" \
    -v have_go="$have_go" -v have_gdb="$have_gdb" -v linebuf="$linebuf" '
# A line as its shape: numbers become "#", runs of spaces one space.
function shape(s) {
    gsub(/0x[0-9a-fA-F]+/, "#", s)
    gsub(/-?[0-9]+([.,][0-9]+)*/, "#", s)
    gsub(/# [KMGT]iB/, "# B", s)  # 900.0 KiB here, 1.1 MiB there
    gsub(/  +/, " ", s)
    sub(/ +$/, "", s)
    return s
}
function trim(s) { sub(/ +$/, "", s); return s }
function is_ellipsis(s) { return s ~ /^ *(\.\.\.|…) *$/ }
function same(i, j,    a, b) {
    a = shown[i]; b = printed[j]
    if (exact_all)
        return trim(a) == trim(b)
    if (shape(a) != shape(b))
        return 0
    # Each part of the shown line that matches ERE is printed as shown.
    while (exact_ere != "" && a != "" && match(a, exact_ere) && RLENGTH > 0) {
        if (!index(b, substr(a, RSTART, RLENGTH)))
            return 0
        a = substr(a, RSTART + RLENGTH)
    }
    return 1
}

# Match shown[1..n] against printed[1..m], "..." as a wildcard (the
# classic glob match with backtracking to the last star). On success
# at[i] is the printed line that shown line i stands for; on failure
# bad_i and bad_j are the furthest lines that did not match.
function match_lines(n, m,    i, j, star, mark) {
    i = 1; j = 1; star = 0; mark = 0; bad_i = 0; bad_j = 0
    while (j <= m) {
        if (i <= n && !is_ellipsis(shown[i]) && same(i, j)) {
            at[i++] = j++
        } else if (i <= n && is_ellipsis(shown[i])) {
            star = i++; mark = j
        } else {
            if (i > bad_i || (i == bad_i && j > bad_j)) { bad_i = i; bad_j = j }
            if (!star)
                return 0
            i = star + 1; j = ++mark
        }
    }
    while (i <= n && is_ellipsis(shown[i]))
        i++
    if (i <= n) {
        if (i > bad_i) { bad_i = i; bad_j = m + 1 }
        return 0
    }
    return 1
}

function run(cmd,    script, want, got, line, m, n_shown, problem, i, tag) {
    want = 0
    if (cmd ~ /# exit [0-9]+ *$/) {
        want = cmd; sub(/.*# exit /, "", want); want += 0
    }
    if (not_run != "" || cmd ~ /^make test/) {
        printf "note $ %s: not run (%s)\n", cmd,
               not_run != "" ? not_run : "the README check runs inside make test"
        return 0
    }
    if ((cmd ~ /step6_bin\/go\/|# needs Go/ && !have_go) ||
        (cmd ~ /(^|[ (;|&])gdb / && !have_gdb)) {
        printf "skip $ %s: needs %s, not here\n", cmd,
               cmd ~ /gdb / ? "gdb (and ptrace)" : "Go"
        skipped++
        return 0
    }
    script = tmp "/cmd"
    printf "%s\n", cmd > script
    close(script)
    system("MAKEFLAGS=\"$OUTPUTS_MAKEFLAGS\" timeout 900 " linebuf " sh " script \
           " < /dev/null > " tmp "/out 2>&1; echo $? > " tmp "/status")
    getline got < (tmp "/status"); close(tmp "/status")
    m = 0
    while ((getline line < (tmp "/out")) > 0)
        printed[++m] = line
    close(tmp "/out")

    problem = ""
    if (got + 0 != want)
        problem = "exit status " got ", want " want
    else if (!match_lines(n_out, m)) {
        if (bad_i > n_out)
            problem = "printed a line the README does not show: \"" printed[bad_j] "\""
        else if (bad_j > m)
            problem = "shows \"" shown[bad_i] "\", printed no such line (or not there)"
        else
            problem = "shows \"" shown[bad_i] "\", printed \"" printed[bad_j] "\""
        if (mode == "update") {
            # The shape changed: show the whole output, to be trimmed.
            n_new = 0
            for (i = 1; i <= m; i++)
                new_out[++n_new] = printed[i]
            rewrote++
            printf "NEW  $ %s: %s; wrote its whole output\n", cmd, problem
            return 1
        }
    }
    if (problem == "") {
        passed++
        if (mode == "update") {
            n_new = 0
            for (i = 1; i <= n_out; i++)
                new_out[++n_new] = is_ellipsis(shown[i]) ? shown[i] : printed[at[i]]
        }
        printf "ok   $ %s\n", cmd
        return 1
    }
    failed++
    printf "FAIL $ %s: %s\n", cmd, problem
    if (mode == "check")
        for (i = (m > 15 ? m - 14 : 1); i <= m; i++)
            printf "    | %s\n", printed[i]
    return 0
}

# Print the command and its shown lines: new ones if run() made them.
function flush_command(    i, ok) {
    if (cmd == "")
        return
    ok = run(cmd)
    print "$ " cmd > out
    if (mode == "update" && ok) {
        for (i = 1; i <= n_new; i++)
            print new_out[i] > out
    } else {
        for (i = 1; i <= n_out; i++)
            print shown[i] > out
    }
    cmd = ""; n_out = 0
}

BEGIN { out = tmp "/file" }
inside && /^```/ {
    flush_command()
    inside = 0
    print > out
    next
}
inside && /^\$ / {
    flush_command()
    cmd = substr($0, 3); n_out = 0
    next
}
inside {
    if (cmd == "")
        print > out
    else
        shown[++n_out] = $0
    next
}
/^```console/ {
    inside = 1
    exact_all = 0; exact_ere = ""; not_run = ""
    if (previous ~ /^<!-- output: exact -->$/)
        exact_all = 1
    else if (previous ~ /^<!-- output: exact \/.*\/ -->$/) {
        exact_ere = previous
        sub(/^<!-- output: exact \//, "", exact_ere)
        sub(/\/ -->$/, "", exact_ere)
    } else if (previous ~ /^<!-- output: not run, .* -->$/) {
        not_run = previous
        sub(/^<!-- output: not run, /, "", not_run)
        sub(/ -->$/, "", not_run)
    } else if (previous ~ /^<!-- output:/)
        printf "FAIL line %d: unknown \"%s\"\n", NR - 1, previous
    print > out
    previous = $0
    next
}
{
    if (previous == "<!-- machine -->" && mode == "update")
        print "The outputs shown come from one machine: " machine "." > out
    else
        print > out
    previous = $0
}
END {
    if (skipped)
        printf "outputs: %d passed, %d failed, %d skipped\n", passed, failed, skipped
    else
        printf "outputs: %d passed, %d failed\n", passed, failed
    exit (failed > 0)
}' "$file" > "$tmp/log"
status=$?
cat "$tmp/log"
if [ "$mode" = update ]; then
    cat "$tmp/file" > "$file"
    grep -q '^NEW ' "$tmp/log" &&
        echo "outputs: whole outputs written where the shape changed: trim them, mark '...'"
fi
exit $status
