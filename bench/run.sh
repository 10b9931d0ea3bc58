#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/run.sh -- the benchmark behind `make bench`.
#
# Compares, on one machine in one run, five small programs run by
#   - the bpfx interpreter, trusted (unchecked) and checked mode,
#   - the bpfx JIT (trusted code; its compile time per 1,000 insns too),
#   - native code: the same C source compiled by gcc -O2,
#   - the Linux kernel: BPF_PROG_TEST_RUN of the same program as XDP
#     (JIT on or off as the machine has it; skipped when bpf() is not
#     usable, e.g. without root),
# and times `bpfx exec` start-up. Prints a table of medians and ratios and
# the MET / NOT MET status of the performance targets, and writes the same
# data to $BUILD/bench/results.json.
#
# The programs (bench/progs/*.c) are written once. Each is compiled
#   clang -O2 -target bpf            -> section "bpfx": f(r1 = mem, r2 = len)
#   clang -O2 -target bpf -DBENCH_KERNEL -> section "xdp": the same body on
#                                       the packet of struct xdp_md
#   gcc -O2 -DBENCH_NATIVE           -> linked into the harness
# and the raw instructions of the two BPF sections are cut out with
# llvm-objcopy (after checking that nothing needs relocating). The harness
# refuses to time anything unless native, interpreter and checked mode
# return the same value for every program.
#
# Usage: BUILD=build bench/run.sh   (after `make BUILD=build all`; the
# library $BUILD/libbpfx.a is required, the CLI $BUILD/bpfx is optional).
# Everything it builds goes to $BUILD/bench/. Knobs (environment):
#   BENCH_ROUNDS=7       rounds; every (program, mode) is sampled once per
#                        round and the median over the rounds is reported
#   BENCH_SAMPLE_MS=40   minimum wall time of one sample
#   BENCH_EXEC_RUNS=200  `bpfx exec` invocations for the start-up figure
#   BENCH_RB_ROUNDS=5    rounds of the ringbuf rate (bench/ringbuf.c)
# Needs clang (with the BPF target), llvm-objcopy, llvm-readelf and gcc;
# scripts/deps.sh installs them. Takes 15 to 30 seconds.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench
PROGS="fnv1a crc32 alumix xdp_parse empty"
WARN=(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror)

die() {
	echo "bench: $*" >&2
	exit 1
}

# The first of the names that is installed.
find_tool() {
	local t
	for t in "$@"; do
		if command -v "$t" >/dev/null 2>&1; then
			command -v "$t"
			return 0
		fi
	done
	return 1
}

CLANG=$(find_tool clang clang-19 clang-14) ||
	die "clang not found (needed to compile bench/progs for BPF; scripts/deps.sh installs it)"
OBJCOPY=$(find_tool llvm-objcopy llvm-objcopy-19 llvm-objcopy-14) ||
	die "llvm-objcopy not found (needed to extract raw instructions; scripts/deps.sh installs llvm)"
READELF=$(find_tool llvm-readelf llvm-readelf-19 llvm-readelf-14) ||
	die "llvm-readelf not found (needed to check for relocations; scripts/deps.sh installs llvm)"
GCC=$(find_tool gcc) || die "gcc not found (the native baseline is gcc -O2)"
"$CLANG" -print-targets 2>/dev/null | grep -w bpf >/dev/null ||
	die "$CLANG has no BPF target"
[ -f "$BUILD/libbpfx.a" ] ||
	die "$BUILD/libbpfx.a not found: build the library first (make BUILD=$BUILD all)"

mkdir -p "$OUT/progs" "$OUT/native" "$OUT/obj"

# check_section OBJ SECTION: the object holds SECTION and nothing that
# would need the loader: no relocations, no code outside SECTION (a
# function clang did not inline), no global data.
check_section() {
	local obj=$1 sec=$2 bad
	bad=$("$READELF" -S --wide "$obj" | sed -n 's/^ *\[ *[0-9]*\] //p' |
		awk -v sec="$sec" '
			$1 ~ /^\.rel/ { print "relocations (" $1 ")" }
			$1 ~ /^\.(rodata|data|bss)/ { print "global data (" $1 ")" }
			$1 == ".text" && $5 !~ /^0+$/ { print "code outside the entry (.text)" }
			$1 == sec { found = 1 }
			END { if (!found) print "no section " sec }')
	[ -z "$bad" ] || die "$obj: $(echo "$bad" | head -1): keep the program one function" \
		"(always_inline helpers), without maps or globals"
}

for p in $PROGS; do
	src=bench/progs/$p.c
	for v in bpfx xdp; do
		obj=$OUT/progs/$p.$v.o
		def=
		[ "$v" = xdp ] && def=-DBENCH_KERNEL
		"$CLANG" -O2 -target bpf -g0 -Wall -Wextra -Werror $def -c "$src" -o "$obj"
		check_section "$obj" "$v"
		"$OBJCOPY" -O binary --only-section="$v" "$obj" "$OUT/progs/$p.$v.bin"
	done
	"$GCC" -std=gnu11 -O2 "${WARN[@]}" -DBENCH_NATIVE -c "$src" -o "$OUT/native/$p.o"
done

for f in harness kernel startup report inputs; do
	"$GCC" -std=gnu11 -O2 -g "${WARN[@]}" -Iinclude -c "bench/$f.c" -o "$OUT/obj/$f.o"
done
"$GCC" -o "$OUT/harness" "$OUT"/obj/*.o "$OUT"/native/*.o "$BUILD/libbpfx.a" -lpthread -lm

# The ringbuf rate (bench/ringbuf.c): bpfx and the kernel (through libbpf's
# consumer) side by side.
"$GCC" -std=gnu11 -O2 -g "${WARN[@]}" -Iinclude bench/ringbuf.c -o "$OUT/ringbuf_bench" \
	"$BUILD/libbpfx.a" -lbpf -lelf -lpthread

"$OUT/harness" --progs "$OUT/progs" --out "$OUT" --cli "$BUILD/bpfx" \
	--rounds "${BENCH_ROUNDS:-7}" --sample-ms "${BENCH_SAMPLE_MS:-40}" \
	--exec-runs "${BENCH_EXEC_RUNS:-200}"
BUILD=$BUILD bench/maps.sh
exec "$OUT/ringbuf_bench" --rounds "${BENCH_RB_ROUNDS:-5}"
