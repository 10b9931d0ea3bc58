#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of tests/fuzz/ with clang
# (AddressSanitizer + UndefinedBehaviorSanitizer) and runs each for
# FUZZ_SECONDS (default 60) from a seed corpus of real inputs: the eBPF
# objects of tests/elf_progs compiled by clang (ELF), their .BTF sections
# (BTF), and the instruction tests' programs (exec). Every target must run
# its whole time without a crash, a leak or a broken promise (the targets
# trap on one); a finding is kept in $OUT/<target>/crash-* and fails the
# run. The closing line has the test runner's shape:
# "fuzz: N passed, M failed".
#
# A finding, once fixed, goes to tests/fuzz/regressions/<target>/ (the
# input file as libFuzzer wrote it): every fuzz run starts from those, and
# the deterministic unit test of the target replays them in `make test`.
#
# FUZZ_TARGETS picks targets (default "elf btf exec"); the corpus grows
# in $OUT/<target>/corpus across runs of the same build directory.
# FUZZ_SEED (default 1) makes a run repeatable - CI's verdict does not
# depend on luck; FUZZ_SEED=0 lets libFuzzer pick a new one each run.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${FUZZ_SECONDS:-60}
SEED=${FUZZ_SEED:-1}
TARGETS=${FUZZ_TARGETS:-elf btf exec}
OUT=${FUZZ_OUT:-build-fuzz}
CLANG=${CLANG:-clang}
LLVM_OBJCOPY=$(command -v llvm-objcopy || command -v llvm-objcopy-19 || true)
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
mkdir -p "$OUT"

if ! command -v "$CLANG" >/dev/null; then
	echo "fuzz: $CLANG not found (scripts/deps.sh installs it)" >&2
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

# The library's sources, without the CLI; the targets include the parts
# they exercise through the library's internal headers.
mapfile -t LIB_SRCS < <(ls src/*/*.c src/*/*/*.c 2>/dev/null)

build_target() {
	local name=$1 bin=$OUT/fuzz_$1
	if [ -x "$bin" ] && [ -z "$(find src include tests/fuzz -newer "$bin" -name '*.[ch]' | head -n 1)" ]; then
		return 0
	fi
	echo "fuzz: building $bin"
	"$CLANG" -g -O1 $SAN -DFUZZ_LIBFUZZER -DBPFX_VERSION='"fuzz"' -std=gnu11 \
		-Iinclude -Isrc -o "$bin" "tests/fuzz/fuzz_$name.c" "${LIB_SRCS[@]}" \
		-lelf -lpthread
}

# Seeds: objects compiled from tests/elf_progs (ELF), their .BTF and
# .BTF.ext sections (BTF: plain, and in the "BTFX" combined form), the
# instructions of tests/asm programs assembled by the CLI (exec).
seed_corpus() {
	local name=$1 dir=$OUT/$1/corpus
	mkdir -p "$dir"
	[ -n "$(ls -A "$dir")" ] && return 0
	local objs=$OUT/seed-objs
	mkdir -p "$objs"
	for c in tests/elf_progs/*.c; do
		grep -q 'COMPILER: clang-19' "$c" && continue
		"$CLANG" -O2 -g -target bpf -D__TARGET_ARCH_x86 -I"/usr/include/$(uname -m)-linux-gnu" \
			-c "$c" -o "$objs/$(basename "$c" .c).o" 2>/dev/null || true
	done
	case $name in
	elf) cp "$objs"/*.o "$dir"/ ;;
	btf)
		[ -n "$LLVM_OBJCOPY" ] || { echo "fuzz: no llvm-objcopy: BTF starts without seeds" >&2; return 0; }
		for o in "$objs"/*.o; do
			local b=$dir/$(basename "$o" .o)
			"$LLVM_OBJCOPY" --dump-section .BTF="$b.btf" "$o" /dev/null 2>/dev/null || continue
			if "$LLVM_OBJCOPY" --dump-section .BTF.ext="$b.ext" "$o" /dev/null 2>/dev/null; then
				{ printf 'BTFX'; python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<I', $(stat -c %s "$b.btf")))"
				  cat "$b.btf" "$b.ext"; } > "$b.btfx"
				rm -f "$b.ext"
			fi
		done ;;
	exec)
		local cli=${BUILD:-build}/bpfx
		if [ -x "$cli" ]; then
			for data in tests/asm/*.data; do
				sed -n '/^-- asm/,/^--/p' "$data" | sed '1d;$d' > "$OUT/seed.asm"
				"$cli" asm "$OUT/seed.asm" "$OUT/seed.bin" --dialect conformance \
					2>/dev/null || continue
				{ head -c 32 /dev/zero; cat "$OUT/seed.bin"; } \
					> "$dir/$(basename "$data" .data).bin"
			done
		fi ;;
	esac
}

pass=0 fail=0
for t in $TARGETS; do
	if ! build_target "$t"; then
		echo "fuzz_$t: build failed"
		fail=$((fail + 1))
		continue
	fi
	seed_corpus "$t"
	dir=$OUT/$t
	# Inputs that once found a bug run first, every time.
	[ -d "tests/fuzz/regressions/$t" ] && cp tests/fuzz/regressions/"$t"/* "$dir/corpus/" 2>/dev/null
	echo "fuzz_$t: running ${SECONDS_EACH}s from $(ls "$dir/corpus" | wc -l) seeds"
	if "$OUT/fuzz_$t" -max_total_time="$SECONDS_EACH" -seed="$SEED" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$dir/" -print_final_stats=1 \
		"$dir/corpus" > "$dir/log" 2>&1; then
		runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$dir/log" | grep -oE '[0-9]+$')
		cov=$(grep -oE 'cov: [0-9]+' "$dir/log" | tail -n 1)
		echo "fuzz_$t: ${runs:-?} inputs in ${SECONDS_EACH}s, ${cov:-cov: ?}, no finding"
		pass=$((pass + 1))
	else
		echo "fuzz_$t: FINDING - see $dir/log and $dir/crash-*"
		grep -E 'ERROR|SUMMARY|==[0-9]+==' "$dir/log" | head -n 5
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
