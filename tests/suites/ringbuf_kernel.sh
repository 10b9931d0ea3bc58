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
# The same through a clang-compiled object, libbpf against bpfx_object.
obj=
if command -v clang >/dev/null; then
	arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
	obj=$BUILD/tests/ringbuf_events.bpf.o
	clang -O2 -g -target bpf -I"$arch_inc" -c tests/event_progs/ringbuf_events.bpf.c -o "$obj" ||
		obj=
else
	echo "ringbuf_kernel: clang is missing - the object comparison is left out" >&2
fi
exec "$bin" $obj "$@"
