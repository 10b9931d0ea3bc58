#!/usr/bin/env bash
# Differential test of perf event arrays against the running kernel
# (tests/tools/kdiff_perf.c): bpf_perf_event_output from XDP programs in
# both, samples read with libbpf's perf_buffer and bpfx_perf_buffer (the
# tool gives bpfx one runner slot per possible CPU). Skips when bpf() is
# not usable.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$BUILD/tests/kdiff_perf
if [ ! -x "$bin" ]; then
	echo "perf_kernel: $bin is not built (make tests)" >&2
	echo "perf_kernel: 0 passed, 1 failed"
	exit 1
fi
exec "$bin" "$@"
