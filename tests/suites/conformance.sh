#!/usr/bin/env bash
# The shared ISA conformance suite (../shared/conformance, 313 programs):
# every program is assembled by bpfx_asm_conformance, run in the
# interpreter and in the JIT (checked mode; programs that run cleanly also
# unchecked in the JIT), and its r0 compared with the expected result.
# The folder is not vendored (see its README); when it is absent the suite
# says so and counts one skip. BPFX_CONFORMANCE (set by tests/run.sh)
# points at the tests/ folder; BUILD at the build directory.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DIR=${BPFX_CONFORMANCE:-../shared/conformance/tests}

if [ ! -d "$DIR" ]; then
	echo "conformance: $DIR not found; skipping the shared conformance suite" >&2
	echo "conformance: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
if [ ! -x "$BUILD/tests/run_data" ]; then
	echo "conformance: $BUILD/tests/run_data is not built (make tests)" >&2
	echo "conformance: 0 passed, 1 failed"
	exit 1
fi
exec "$BUILD/tests/run_data" --mode both conformance "$DIR"
