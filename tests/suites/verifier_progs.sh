#!/usr/bin/env bash
# The repository's programs through bpfx's verifier: every object of
# tests/elf_progs (clang, and clang-19 -mcpu=v4 when installed),
# tests/object_progs and bench/progs (as the kernel's XDP variant) that
# bpfx loads without the verifier (BPFX_VERIFY=0) must also load with it,
# and when bpftool can ask the kernel, a program the verifier rejects
# must be rejected by the kernel too. This is the condition for turning
# the verifier on by default (docs/VERIFIER.md).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bpfx=$BUILD/bpfx
out=$BUILD/tests/verifier_progs
if ! command -v clang >/dev/null; then
	echo "verifier_progs: clang is missing - skipping" >&2
	echo "verifier_progs: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
PATH=$PATH:/usr/sbin:/sbin
rm -rf "$out"
mkdir -p "$out/fs"
export BPFX_FS=$PWD/$out/fs
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
kernel=0
if [ "$(id -u)" = 0 ] && command -v bpftool >/dev/null && [ -d /sys/fs/bpf ]; then
	kernel=1
fi
pass=0 fail=0 skip=0

# check OBJ: compares the loads with and without the verifier.
check() {
	local obj=$1 name
	name=$(basename "$obj" .o)
	rm -rf "$BPFX_FS/p"
	if ! BPFX_VERIFY=0 "$bpfx" prog loadall "$obj" p >/dev/null 2>&1; then
		skip=$((skip + 1))   # bpfx cannot load it yet (helpers, map types...)
		return
	fi
	rm -rf "$BPFX_FS/p"
	if BPFX_VERIFY=1 "$bpfx" prog loadall "$obj" p >"$out/$name.log" 2>&1; then
		pass=$((pass + 1))
		return
	fi
	if [ "$kernel" = 1 ]; then
		local pin=/sys/fs/bpf/bpfx_vfy_$$
		if ! bpftool prog loadall "$obj" "$pin" >/dev/null 2>&1; then
			rm -rf "$pin"
			pass=$((pass + 1))   # the kernel refuses it as well
			return
		fi
		rm -rf "$pin"
	fi
	fail=$((fail + 1))
	echo "verifier_progs: the verifier rejects $obj:" >&2
	tail -n 5 "$out/$name.log" >&2
}

build() { # build OUT SRC CLANG-ARGS...
	local o=$1 src=$2
	shift 2
	"$@" -O2 -g -target bpf -D__TARGET_ARCH_x86 -I"$arch_inc" -Itests/elf_progs -Ibench/progs \
		-c "$src" -o "$o" 2>/dev/null
}

for src in tests/elf_progs/*.c tests/object_progs/*.bpf.c; do
	n=$(basename "$src" .c)
	if ! grep -q "COMPILER: clang-19 -mcpu=v4" "$src" && build "$out/$n.o" "$src" clang; then
		check "$out/$n.o"
	fi
	if command -v clang-19 >/dev/null && build "$out/$n.v4.o" "$src" clang-19 -mcpu=v4; then
		check "$out/$n.v4.o"
	fi
done
for src in bench/progs/*.c; do
	n=bench_$(basename "$src" .c)
	build "$out/$n.o" "$src" clang -DBENCH_KERNEL && check "$out/$n.o"
done
if [ "$skip" -gt 0 ]; then
	echo "verifier_progs: $pass passed, $fail failed, $skip skipped"
else
	echo "verifier_progs: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
