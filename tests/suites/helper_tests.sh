#!/usr/bin/env bash
# Every built-in helper has a test: its name (bpf_xxx) or its id
# (BPF_FUNC_xxx) appears in a test source - a unit test calling it, or a
# program of tests/*_progs that a suite runs - other than this suite and
# the lists of names (tests/tools/helper_list.c prints the registry).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$BUILD/tests/helper_list
if [ ! -x "$bin" ]; then
	echo "helper_tests: $bin is not built (make tests)" >&2
	echo "helper_tests: 0 passed, 1 failed"
	exit 1
fi
pass=0 fail=0
list=$("$bin") || { echo "helper_tests: helper_list failed"; echo "helper_tests: 0 passed, 1 failed"; exit 1; }
while read -r id name; do
	f=${name#bpf_}
	if grep -rqE --exclude=helper_tests.sh --exclude=helper_list.c \
		"\\b$name\\b|\\bBPF_FUNC_$f\\b" tests/unit tests/*_progs tests/suites tests/asm; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL helper $id ($name) has no test" >&2
	fi
done <<<"$list"
echo "helper_tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
