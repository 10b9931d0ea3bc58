# Sourced by the suites that compile eBPF objects from C. Not a suite.
#
# OBJECT_SOURCES: the realistic programs the object suites load in bpfx
# and in the kernel (tests/object_progs) and the packet programs of the
# ELF tests.
# compile_bpf SRC OBJ: clang -O2 -g -target bpf with the include paths the
# sources need. A source may say `COMPILER: clang-19 -mcpu=v4` (built with
# clang-19 only; returns 2 when it is missing) or `/* CFLAGS: ... */`.
OBJECT_SOURCES=(tests/object_progs/*.bpf.c tests/elf_progs/xdp_parser.c
		tests/elf_progs/tc_classifier.c tests/elf_progs/socket_filter.c
		tests/elf_progs/tail_calls.c tests/elf_progs/map_in_map.c)

compile_bpf() {
	local src=$1 obj=$2 cc=(clang) extra=()
	# <linux/bpf.h> includes <asm/types.h>, which lives in the multiarch
	# directory that clang -target bpf does not search by itself.
	local arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
	if grep -q 'COMPILER: clang-19 -mcpu=v4' "$src"; then
		command -v clang-19 >/dev/null || return 2
		cc=(clang-19 -mcpu=v4)
	fi
	read -r -a extra <<<"$(sed -nE 's|.*/\* CFLAGS: (.*) \*/.*|\1|p' "$src" | head -n 1)"
	"${cc[@]}" "${extra[@]}" -O2 -g -target bpf -I"$arch_inc" -Itests/elf_progs -c "$src" -o "$obj"
}
