#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/trace/overhead.sh -- the per-hit cost of a system-call hook.
#
# Times a loop of getppid system calls (bench/trace/syscall_loop.c), in one
# run, side by side:
#   plain            not traced
#   bpfx, other      under `bpfx trace` with a program on another syscall:
#                    getppid passes the seccomp filter without stopping
#   bpfx, hooked     under `bpfx trace` with an empty program on
#                    sys_enter_getppid: each call stops the tracee
#   kernel, hooked   the same object attached by the kernel (libbpf),
#                    when bpf() is usable
#   strace           strace -f -e trace=getppid, for scale
# Each figure is the median of BENCH_TRACE_ROUNDS (5) runs, in ns per call;
# the per-hit overhead is the difference with the plain loop.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench/trace
ROUNDS=${BENCH_TRACE_ROUNDS:-5}
mkdir -p "$OUT"
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
gcc -O2 -o "$OUT/syscall_loop" bench/trace/syscall_loop.c
for p in getppid_empty other_empty; do
	clang -O2 -g -target bpf -I"$arch_inc" -c "bench/trace/$p.bpf.c" -o "$OUT/$p.o"
done
kernel=0
if gcc -O2 -o "$OUT/kernel_attach" bench/trace/kernel_attach.c -lbpf 2>/dev/null &&
   "$OUT/kernel_attach" "$OUT/getppid_empty.o" true 2>/dev/null; then
	kernel=1
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# NAME CALLS CMD... : the median ns/call of CMD over the rounds.
measure() {
	local calls=$1
	shift
	for _ in $(seq "$ROUNDS"); do "$@" "$OUT/syscall_loop" "$calls" 2>/dev/null | tail -n 1; done | median
}
BPFX=$BUILD/bpfx
plain=$(measure 1000000)
other=$(measure 1000000 "$BPFX" trace "$OUT/other_empty.o" --)
hooked=$(measure 50000 "$BPFX" trace "$OUT/getppid_empty.o" --)
straced=$(measure 20000 strace -f -qq -e trace=getppid -o /dev/null)
[ $kernel = 1 ] && khooked=$(measure 1000000 "$OUT/kernel_attach" "$OUT/getppid_empty.o")

row() { printf '  %-34s %10s ns/call   %s\n' "$1" "$2" "$3"; }
over() { awk -v a="$1" -v b="$plain" 'BEGIN { printf "%+.0f ns per call", a - b }'; }
echo "System-call hook overhead (getppid loop, median of $ROUNDS runs)"
row "not traced" "$plain" ""
row "bpfx trace, program on another call" "$other" "$(over "$other") (seccomp filter only)"
row "bpfx trace, empty program on it" "$hooked" "$(over "$hooked") (a ptrace stop per hit)"
if [ $kernel = 1 ]; then
	row "kernel tracepoint, empty program" "$khooked" "$(over "$khooked")"
	awk -v b="$hooked" -v k="$khooked" -v p="$plain" \
		'BEGIN { printf "  bpfx per-hit overhead / kernel per-hit overhead: %.0fx\n", (b - p) / (k - p) }'
else
	echo "  (kernel: bpf() not usable here, skipped)"
fi
row "strace -f -e trace=getppid" "$straced" "$(over "$straced")"
