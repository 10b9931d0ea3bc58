#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/uprobe/overhead.sh -- the per-hit cost of a uprobe.
#
# Times a loop calling a tiny function (bench/uprobe/func_loop.c), side by
# side in one run: not traced; under `bpfx trace` with an empty uprobe on
# the function (a breakpoint: a ptrace stop, the program, a single step);
# with the same object attached by the kernel (libbpf's uprobe, through
# bench/trace/kernel_attach.c) when bpf() is usable. Medians of
# BENCH_UPROBE_ROUNDS (5) runs, ns per call; the per-hit overhead is the
# difference with the plain loop.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$(realpath -m "$BUILD/bench/uprobe")
ROUNDS=${BENCH_UPROBE_ROUNDS:-5}
mkdir -p "$OUT"
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
gcc -O2 -o "$OUT/func_loop" bench/uprobe/func_loop.c
clang -O2 -g -target bpf -I"$arch_inc" -DTARGET="\"$OUT/func_loop\"" \
	-c bench/uprobe/probe_empty.bpf.c -o "$OUT/probe_empty.o"
kernel=0
if gcc -O2 -o "$OUT/kernel_attach" bench/trace/kernel_attach.c -lbpf 2>/dev/null &&
   "$OUT/kernel_attach" "$OUT/probe_empty.o" true 2>/dev/null; then
	kernel=1
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() { # CALLS CMD...: the median ns/call of the loop under CMD
	local calls=$1
	shift
	for _ in $(seq "$ROUNDS"); do "$@" "$OUT/func_loop" "$calls" 2>/dev/null | tail -n 1; done | median
}
BPFX=$BUILD/bpfx
plain=$(measure 10000000)
hooked=$(measure 20000 "$BPFX" trace "$OUT/probe_empty.o" --)
[ $kernel = 1 ] && khooked=$(measure 200000 "$OUT/kernel_attach" "$OUT/probe_empty.o")

row() { printf '  %-34s %10s ns/call   %s\n' "$1" "$2" "$3"; }
over() { awk -v a="$1" -v b="$plain" 'BEGIN { printf "%+.0f ns per hit", a - b }'; }
echo "Uprobe overhead (a loop calling one function, median of $ROUNDS runs)"
row "not traced" "$plain" ""
row "bpfx trace, empty uprobe" "$hooked" "$(over "$hooked") (breakpoint + step)"
if [ $kernel = 1 ]; then
	row "kernel uprobe, empty program" "$khooked" "$(over "$khooked")"
	awk -v b="$hooked" -v k="$khooked" -v p="$plain" \
		'BEGIN { printf "  bpfx per-hit overhead / kernel per-hit overhead: %.1fx\n", (b - p) / (k - p) }'
else
	echo "  (kernel: bpf() not usable here, skipped)"
fi
