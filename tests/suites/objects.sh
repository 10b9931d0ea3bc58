#!/usr/bin/env bash
# Objects end to end: compiles tests/object_progs/*.bpf.c with clang and
# has tests/tools/objdiff load each into bpfx and into the kernel and
# compare everything they leave behind.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$BUILD/tests/objects
mkdir -p "$out"
if ! command -v clang >/dev/null; then
	echo "objects: clang is missing - skipping" >&2
	echo "objects: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
# <linux/bpf.h> includes <asm/types.h>, which lives in the multiarch
# directory that clang -target bpf does not search by itself.
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
pass=0 fail=0 skip=0
# Also the packet parsers of the ELF tests: packets in both, maps compared.
for src in tests/object_progs/*.bpf.c tests/elf_progs/xdp_parser.c \
	   tests/elf_progs/tc_classifier.c tests/elf_progs/socket_filter.c \
	   tests/elf_progs/tail_calls.c tests/elf_progs/map_in_map.c; do
	obj=$out/$(basename "$src" .c).o
	inc=(-I"$arch_inc" -Itests/elf_progs)
	if ! clang -O2 -g -target bpf "${inc[@]}" -c "$src" -o "$obj"; then
		echo "objects: can't compile $src" >&2
		fail=$((fail + 1))
		continue
	fi
	line=$("$BUILD/tests/objdiff" "$obj" | tail -n 1)
	p=$(sed -nE 's/.*: ([0-9]+) passed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
	s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	[ -z "$p" ] && { echo "objects: objdiff $obj gave no result" >&2; fail=$((fail + 1)); continue; }
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
done
# The embedding example of docs/EMBEDDING.md, built and run as documented.
ex=$out/run_object
# shellcheck disable=SC2086 # SANFLAGS (from the Makefile) is a word list
if cc -Wall -Wextra -Werror ${SANFLAGS:-} -Iinclude examples/run_object.c "$BUILD/libbpfx.a" \
      -lelf -lpthread -o "$ex" &&
   [ "$("$ex" "$out/globals_counter.bpf.o" count 1 5)" = "retval 115, out 3585" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); echo "objects: examples/run_object.c does not print what EMBEDDING.md says" >&2
fi
if [ "$skip" -gt 0 ]; then
	echo "objects: $pass passed, $fail failed, $skip skipped"
else
	echo "objects: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
