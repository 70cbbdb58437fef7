#!/bin/sh
# run_tests.sh STEP...: run each step's test program, then the README's
# checks, and add up their counts into one closing line.
#
# Called by `make test` with BUILD (the build folder), TEST_RUNNER (empty,
# or qemu for a cross build), TEST_ENVS_<N>, README_CHECK (yes or no) and
# RUN (empty, or a word: only the tests whose name contains it run).
# Every test program ends with "name: N passed, M failed[, K skipped]".
set -u
passed=0 failed=0 skipped=0
mkdir -p "$BUILD"

# Add the counts of the last count line in log $1 (for a program that
# exited with status $2); a program that died without one counts as failed.
tally() {
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [ -z "$line" ] || [ "$2" -ne 0 ] &&
       ! echo "$line" | grep -qE ' [1-9][0-9]* failed'; then
        echo "FAIL $1: exit status $2 and no failure counted: counted as one"
        failed=$((failed + 1))
    fi
    [ -z "$line" ] && return
    p=$(echo "$line" | sed -E 's/(^|.* )([0-9]+) passed.*/\2/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
}

# run LOG COMMAND...: show the command's output as it comes, keep a copy.
run() {
    log=$1
    shift
    { "$@" 2>&1; echo $? > "$log.status"; } | tee "$log"
    tally "$log" "$(cat "$log.status")"
}

# A step may ask for its tests to run once per environment, such as
# "GOMAXPROCS=1 GOMAXPROCS=2" (step<N>_TEST_ENVS in its step.mk).
for n in "$@"; do
    eval "envs=\${TEST_ENVS_$n:-}"
    for assignment in ${envs:-STEP=$n}; do
        echo "--- step $n${envs:+ with $assignment}"
        run "$BUILD/step$n/test_$assignment.log" \
            env STEP_BIN="$BUILD/step$n/step$n" "$assignment" \
            $TEST_RUNNER "$BUILD/step$n/test_step$n" ${RUN:+"$RUN"}
    done
done
if [ "$README_CHECK" = yes ]; then
    echo "--- README.md"
    run "$BUILD/readme.log" sh common/check_readme.sh
fi

echo
# As `go test -run`, a word that no test's name contains runs nothing
# and fails nothing; say so, or "0 passed" looks like a result.
if [ -n "${RUN:-}" ] && [ $((passed + failed + skipped)) -eq 0 ]; then
    echo "warning: no test's name contains \"$RUN\""
fi
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
