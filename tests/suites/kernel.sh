#!/usr/bin/env bash
# Differential tests against the running kernel (tests/tools/kdiff.c):
# the bpfx interpreter and the kernel run the same programs and must
# return the same r0. Skips (exit 0) when bpf() is not usable here. Extra
# arguments go to kdiff (--count N, --seed S, --no-minimize).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$BUILD/tests/kdiff
if [ ! -x "$bin" ]; then
	echo "kernel: $bin is not built (make tests)" >&2
	echo "kernel: 0 passed, 1 failed"
	exit 1
fi
exec "$bin" --fail-dir "$BUILD/tests/kdiff-failures" "$@"
