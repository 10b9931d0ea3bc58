#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/packets.sh -- packet rates, part of `make bench`.
#
# Runs `bpfx xdp --threads N` (an in-memory copy of a generated pcap of
# BENCH_PACKETS frames, default 1,000,000) for the smallest XDP program
# (bench/packets/xdp_pass.bpf.c) and the firewall example, with 1 and 2
# threads, and prints packets per second. Beside them, the kernel's rate
# for the same programs: BPF_PROG_TEST_RUN repeated on one frame of the
# pcap (bpftool prog run ... repeat, the kernel's own per-run duration);
# skipped without bpf(). Median of BENCH_PKT_ROUNDS (default 3) runs.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench/packets
BPFX=$BUILD/bpfx
N=${BENCH_PACKETS:-1000000}
ROUNDS=${BENCH_PKT_ROUNDS:-3}
mkdir -p "$OUT"
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

"$BUILD/examples/gen_pcap" "$OUT/frames.pcap" "$N"
clang -O2 -g -target bpf -I"$arch_inc" -c bench/packets/xdp_pass.bpf.c -o "$OUT/xdp_pass.o"
clang -O2 -g -target bpf -I"$arch_inc" -c examples/xdp_firewall.bpf.c -o "$OUT/xdp_firewall.o"
# One frame for the kernel: the first of the pcap (after the 24-byte file
# header and the 16-byte record header).
len=$(od -An -tu4 -j32 -N4 "$OUT/frames.pcap" | tr -d ' ')
dd if="$OUT/frames.pcap" of="$OUT/frame.bin" bs=1 skip=40 count="$len" status=none

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

bpfx_rate() { # OBJ THREADS
	for _ in $(seq "$ROUNDS"); do
		"$BPFX" -j xdp "$1" --pcap "$OUT/frames.pcap" --threads "$2" |
			sed -nE 's/.*"packets_per_second":([0-9]+).*/\1/p'
	done | median
}

kernel_rate() { # OBJ PROG
	local pin=/sys/fs/bpf/bpfx_bench_$$
	if ! bpftool prog loadall "$1" "$pin" >/dev/null 2>&1; then
		echo "-"
		return
	fi
	for _ in $(seq "$ROUNDS"); do
		bpftool prog run pinned "$pin/$2" data_in "$OUT/frame.bin" repeat 1000000 |
			sed -nE "s/.*duration[^:]*: ([0-9]+)ns.*/\\1/p"
	done | median | awk '{ printf "%d\n", ($1 > 0) ? 1e9 / $1 : 0 }'
	rm -rf "$pin"
}

printf '\npacket rates (%s frames, in memory; median of %s)\n' "$N" "$ROUNDS"
printf '%-14s %14s %14s %18s\n' program "bpfx 1 thread" "bpfx 2 threads" "kernel test_run"
for p in xdp_pass xdp_firewall; do
	printf '%-14s %14s %14s %18s\n' "$p" "$(bpfx_rate "$OUT/$p.o" 1)" \
		"$(bpfx_rate "$OUT/$p.o" 2)" "$(kernel_rate "$OUT/$p.o" "$p")"
done
echo "(packets per second; the kernel's figure is one frame repeated, without"
echo " reading a capture; target: xdp_pass at 5,000,000 or more on 1 thread)"
