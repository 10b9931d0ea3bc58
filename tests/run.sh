#!/usr/bin/env bash
# Runs every test suite of bpfx and sums their closing lines
# ("<suite>: N passed, M failed[, K skipped]") into the final line
# "N passed, M failed" (", K skipped" when any were skipped).
# Each suite is a binary in $BUILD/tests (test_*: unit tests, run_*:
# data-driven and differential runners); a suite that crashes or prints
# no closing line counts as one failure.
#
# TESTS="name..." runs only the suites named (test_* binaries or
# tests/suites/*.sh, without the .sh): `make test-tsan` uses it.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CONFORMANCE=${BPFX_CONFORMANCE:-../shared/conformance/tests}
export BPFX_CONFORMANCE=$CONFORMANCE BUILD SANFLAGS=${SANFLAGS:-}
total_pass=0 total_fail=0 total_skip=0
ONLY=" ${TESTS:-} "

selected() {
	[ "$ONLY" = "  " ] || [[ "$ONLY" == *" $1 "* ]]
}

run_suite() {
	local name=$1; shift
	local out rc line
	out=$("$@" 2> >(sed "s/^/  [$name] /" >&2)); rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^[A-Za-z0-9_./ -]+: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
	printf '%s\n' "$out" | grep -vE '^[A-Za-z0-9_./ -]+: [0-9]+ passed, [0-9]+ failed' | sed "s/^/  [$name] /"
	if [ -z "$line" ]; then
		echo "$name: no result line (exit $rc) - counted as 1 failure"
		total_fail=$((total_fail + 1))
		return
	fi
	echo "$line"
	local p f s
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
	if [ "$f" = 0 ] && [ "$rc" != 0 ]; then
		echo "$name: exited $rc with no failed check - counted as 1 failure"
		total_fail=$((total_fail + 1))
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && selected "$(basename "$t")" || continue
	run_suite "$(basename "$t")" "$t"
done
for t in tests/suites/*.sh; do
	[ -f "$t" ] && selected "$(basename "$t" .sh)" || continue
	run_suite "$(basename "$t" .sh)" bash "$t"
done

if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
