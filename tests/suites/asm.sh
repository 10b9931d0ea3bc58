#!/usr/bin/env bash
# bpfx's own data-driven instruction tests (tests/asm/*.data, the format of
# the shared conformance suite plus `-- error` for negative tests; see the
# comment at the top of tests/tools/run_data.c), run in the interpreter and
# the JIT (checked; programs that run cleanly also unchecked in the JIT).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
if [ ! -x "$BUILD/tests/run_data" ]; then
	echo "asm: $BUILD/tests/run_data is not built (make tests)" >&2
	echo "insn_data: 0 passed, 1 failed"
	exit 1
fi
exec "$BUILD/tests/run_data" --mode both insn_data tests/asm
