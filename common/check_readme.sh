#!/bin/sh
# check_readme.sh: README.md must not drift from the code.
#
# 1. Every code block marked "<!-- code: FILE RANGE -->" equals the source
#    lines it quotes (common/snippets.sh).
# 2. Every command shown in a ```console block as "$ command" runs, from
#    the repository's root, and exits 0, or N when the line ends with
#    "# exit N". Each output line shown under it that holds no digit (the
#    digits are measurements, different on every machine) must appear in
#    what the command printed now. `make test` itself is not run again;
#    a command that runs a Go program of step 6 (or says "# needs Go") is
#    skipped when Go is not installed. No command may name a folder in
#    build/: their names depend on the compiler and its flags, and a
#    reader's build may differ (step 6's programs are in step6_bin/).
set -u
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

sh common/snippets.sh check README.md > "$log"
grep -v '^snippets:' "$log"
passed=$(sed -nE 's/^snippets: ([0-9]+) passed.*/\1/p' "$log")
failed=$(sed -nE 's/^snippets: [0-9]+ passed, ([0-9]+) failed/\1/p' "$log")

# The console blocks as lines "C <command>" and "L <shown output line>".
awk '
/^```console/ { inside = 1; next }
/^```/        { inside = 0; next }
inside && /^\$ / { print "C " substr($0, 3); next }
inside && !/[0-9]/ && !/^ *(\.\.\.|…)? *$/ { print "L " $0 }
' README.md > "$log.cmds"

# Check the command in $cmd against the shown lines gathered for it.
finish() {
    [ -z "$cmd" ] && return
    case "$cmd" in
    "make test"*) echo "note $cmd: not run again from inside make test"
                  return ;;
    *build/*)   failed=$((failed + 1))
                printf "FAIL \$ %s: names a folder in build/, %s\n" "$cmd" \
                       "whose name depends on the compiler and its flags"
                return ;;
    *"# needs Go"*|*step6_bin/go/*)
                if ! command -v go > /dev/null; then
                    skipped=$((skipped + 1))
                    printf "skip \$ %s: needs Go, not installed\n" "$cmd"
                    return
                fi ;;
    esac
    want=0
    case "$cmd" in *"# exit "*) want=${cmd##*# exit } ;; esac
    timeout 900 sh -c "$cmd" < /dev/null > "$log.out" 2>&1
    got=$?
    problem=""
    [ "$got" -ne "$want" ] && problem="exit status $got, want $want"
    while IFS= read -r shown; do
        [ -n "$shown" ] || continue
        grep -qxF -- "$shown" "$log.out" ||
            problem="${problem:+$problem; }no line \"$shown\" in its output"
    done < "$log.want"
    if [ -z "$problem" ]; then
        passed=$((passed + 1))
        printf "ok   \$ %s\n" "$cmd"
    else
        failed=$((failed + 1))
        printf "FAIL \$ %s: %s\n" "$cmd" "$problem"
        sed 's/^/    | /' "$log.out" | tail -n 20
    fi
}

cmd=""
: > "$log.want"
while IFS= read -r entry; do
    case "$entry" in
    "C "*) finish; cmd=${entry#C }; : > "$log.want" ;;
    "L "*) echo "${entry#L }" >> "$log.want" ;;
    esac
done < "$log.cmds"
finish
rm -f "$log.cmds" "$log.out" "$log.want"

if [ "$skipped" -gt 0 ]; then
    echo "readme: $passed passed, $failed failed, $skipped skipped"
else
    echo "readme: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
