#!/bin/sh
# check_readme.sh: README.md must not drift from the code.
#
# 1. Every code block marked "<!-- code: FILE RANGE -->" equals the source
#    lines it quotes (common/snippets.sh; `make snippets` refreshes them).
# 2. Every command shown in a ```console block as "$ command" runs and
#    exits as shown, and prints the lines shown under it: each in its
#    shape, numbers aside, and exactly where marked so (common/outputs.sh
#    says how; `make outputs` refreshes them).
# 3. No command names a folder in build/: their names depend on the
#    compiler and its flags, and a reader's build may differ (step 6's
#    programs are in step6_bin/).
set -u
cd "$(dirname "$0")/.." || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0 failed=0 skipped=0

# Add the counts of the closing line "name: N passed, M failed[, K skipped]".
tally() {
    line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    [ -n "$line" ] || { failed=$((failed + 1)); return; }
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
}

sh common/snippets.sh check README.md > "$log"
grep -v '^snippets:' "$log" | grep -v '^ok '
tally

awk '/^```console/ { inside = 1; next }
     /^```/        { inside = 0; next }
     inside && /^\$ .*build\//' README.md > "$log"
while IFS= read -r cmd; do
    failed=$((failed + 1))
    printf "FAIL %s: names a folder in build/, %s\n" "$cmd" \
           "whose name depends on the compiler and its flags"
done < "$log"

sh common/outputs.sh check README.md > "$log"
grep -v '^outputs:' "$log"
tally

if [ "$skipped" -gt 0 ]; then
    echo "readme: $passed passed, $failed failed, $skipped skipped"
else
    echo "readme: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
