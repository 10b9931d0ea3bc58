#!/usr/bin/env bash
# Helpers against the kernel: compiles tests/helper_progs/*.bpf.c with
# clang and has tests/tools/helperdiff run each object's syscall programs
# in bpfx and in the kernel and compare return values, outputs and trace
# lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$BUILD/tests/helper_progs
mkdir -p "$out"
if ! command -v clang >/dev/null; then
	echo "helpers: clang is missing - skipping" >&2
	echo "helpers: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
pass=0 fail=0 skip=0
for src in tests/helper_progs/*.bpf.c; do
	obj=$out/$(basename "$src" .c).o
	if ! clang -O2 -g -target bpf -I"$arch_inc" -c "$src" -o "$obj"; then
		echo "helpers: can't compile $src" >&2
		fail=$((fail + 1))
		continue
	fi
	line=$("$BUILD/tests/helperdiff" "$obj" | tail -n 1)
	p=$(sed -nE 's/.*: ([0-9]+) passed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
	s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	[ -z "$p" ] && { echo "helpers: helperdiff $obj gave no result" >&2; fail=$((fail + 1)); continue; }
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
done
if [ "$skip" -gt 0 ]; then
	echo "helpers: $pass passed, $fail failed, $skip skipped"
else
	echo "helpers: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
