#!/usr/bin/env bash
# Differential test of ringbuf maps against the running kernel
# (tests/tools/kdiff_ringbuf.c): the same program run in both must produce
# the same records in the same order, read with libbpf's ring_buffer on the
# kernel side and bpfx_ringbuf on ours. Skips when bpf() is not usable.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$BUILD/tests/kdiff_ringbuf
if [ ! -x "$bin" ]; then
	echo "ringbuf_kernel: $bin is not built (make tests)" >&2
	echo "ringbuf_kernel: 0 passed, 1 failed"
	exit 1
fi
exec "$bin" "$@"
