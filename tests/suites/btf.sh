#!/usr/bin/env bash
# The BTF module against bpftool (tests/tools/btf_dump.c is bpfx's side).
#
# Compiles tests/unit/btf_progs/*.c with clang -O2 -g -target bpf (with
# `clang` and every other clang-N in PATH, so newer compilers bring newer
# kinds such as ENUM64) into $BUILD/tests/btf/, extracts the .BTF and
# .BTF.ext sections with llvm-objcopy, and checks, per object:
#   raw    btf_dump FILE.btf          == bpftool btf dump file X.o format raw
#   json   btf_dump -f json FILE.btf  == bpftool -j btf dump file X.o
#   c      btf_dump -f c FILE.btf     == bpftool btf dump file X.o format c
#   funcs  BTF.ext func_info          == the object's function symbols
#                                        (section, name, offset)
#   lines  BTF.ext line_info          == the source lines they quote
#   core   BTF.ext CO-RE relocations  == the `CORE:` lines of the source
# then the same raw/json/c comparisons for blobs built by hand (btf_dump -g:
# name clashes, long chains, odd kinds), and for the running kernel's
# /sys/kernel/btf/vmlinux when readable, plus its parse time (< 1 s).
# Ends with "btf_vs_bpftool: N passed, M failed" (tests/run.sh sums it); skips when
# clang, llvm-objcopy or bpftool is missing.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tool=$BUILD/tests/btf_dump
out=$BUILD/tests/btf
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL $1" >&2
	[ -n "${2:-}" ] && head -n 20 "$2" >&2
	return 0
}

skip_all() {
	echo "btf_vs_bpftool: $1 - skipping" >&2
	echo "btf_vs_bpftool: 0 passed, 0 failed, 1 skipped"
	exit 0
}

if [ ! -x "$tool" ]; then
	echo "btf_vs_bpftool: $tool is not built (make tests)" >&2
	echo "btf_vs_bpftool: 0 passed, 1 failed"
	exit 1
fi
PATH=$PATH:/usr/sbin:/sbin
command -v bpftool >/dev/null || skip_all "bpftool not found"
command -v llvm-objcopy >/dev/null || skip_all "llvm-objcopy not found"
command -v clang >/dev/null || skip_all "clang not found"

# clang, then each other installed clang-N (different binaries only).
compilers=(clang)
seen=$(readlink -f "$(command -v clang)")
for cc in $(compgen -c clang- | grep -E '^clang-[0-9]+$' | sort -u); do
	real=$(readlink -f "$(command -v "$cc")")
	case " $seen " in *" $real "*) continue ;; esac
	seen="$seen $real"
	compilers+=("$cc")
done

rm -rf "$out"
mkdir -p "$out"

# compare NAME EXPECTED-FILE ACTUAL-FILE
compare() {
	if cmp -s "$2" "$3"; then
		ok
	else
		diff "$2" "$3" > "$3.diff"
		bad "$1: differs from bpftool (diff in $3.diff)" "$3.diff"
	fi
}

# Dumps raw BTF file $2 (bpftool reads $3: the object or the same file).
compare_dumps() {
	local n=$1 btf=$2 src=$3
	bpftool btf dump file "$src" format raw > "$n.bpftool.raw" 2>&1
	"$tool" -f raw "$btf" > "$n.bpfx.raw" 2>&1
	compare "$(basename "$n") raw" "$n.bpftool.raw" "$n.bpfx.raw"
	bpftool -j btf dump file "$src" > "$n.bpftool.json" 2>&1
	"$tool" -f json "$btf" > "$n.bpfx.json" 2>&1
	compare "$(basename "$n") json" "$n.bpftool.json" "$n.bpfx.json"
	bpftool btf dump file "$src" format c > "$n.bpftool.c" 2>&1
	"$tool" -f c "$btf" > "$n.bpfx.c" 2>&1
	compare "$(basename "$n") c" "$n.bpftool.c" "$n.bpfx.c"
}

# func_info records against the function symbols of the object.
check_funcs() {
	local n=$1 obj=$2
	grep ' func_info ' "$n.ext.txt" |
		sed -E 's/^(.*) func_info insn_off=([0-9]+) type_id=[0-9]+ (.*)$/\1 \3 \2/' |
		sort > "$n.funcs.bpfx"
	llvm-objdump -t "$obj" | while IFS=$'\t' read -r left right; do
		case "$left" in *" F "*) ;; *) continue ;; esac
		sec=${left##* }
		[ "$sec" = "*UND*" ] && continue
		echo "$sec ${right#* } $((16#${left%% *}))"
	done | sort > "$n.funcs.elf"
	if [ -s "$n.funcs.elf" ] && cmp -s "$n.funcs.elf" "$n.funcs.bpfx"; then
		ok
	else
		diff "$n.funcs.elf" "$n.funcs.bpfx" > "$n.funcs.diff"
		bad "$(basename "$n") funcs: func_info differs from the symbol table" "$n.funcs.diff"
	fi
}

# line_info records quote their source line.
check_lines() {
	local n=$1 errs=0 cnt=0 l file num src want
	while IFS= read -r l; do
		case "$l" in *" line_info "*) ;; *) continue ;; esac
		cnt=$((cnt + 1))
		file=${l#* file=}
		file=${file%% line=*}
		num=${l#* line=}
		num=${num%% *}
		src=${l#* src=}
		want=""
		[ "$num" -gt 0 ] && want=$(sed -n "${num}p" "$file")
		if [ "$want" != "$src" ]; then
			errs=$((errs + 1))
			echo "$l (source line: '$want')" >> "$n.lines.diff"
		fi
	done < "$n.ext.txt"
	if [ "$cnt" -gt 0 ] && [ "$errs" = 0 ]; then
		ok
	else
		bad "$(basename "$n") lines: $errs of $cnt line_info records do not match" "$n.lines.diff"
	fi
}

# CO-RE relocations: the multiset of "access kind=K" the source declares.
check_core() {
	local n=$1 src=$2
	grep -oE 'CORE: [0-9:]+ kind=[0-9]+' "$src" | sed 's/^CORE: //' | sort > "$n.core.want"
	grep ' core_relo ' "$n.ext.txt" | sed -E 's/.* access=([0-9:]+) kind=([0-9]+)$/\1 kind=\2/' |
		sort > "$n.core.got"
	if cmp -s "$n.core.want" "$n.core.got"; then
		ok
	else
		diff "$n.core.want" "$n.core.got" > "$n.core.diff"
		bad "$(basename "$n") core: CO-RE relocations differ from the CORE: lines" "$n.core.diff"
	fi
}

for cc in "${compilers[@]}"; do
	for src in tests/unit/btf_progs/*.c; do
		n=$out/$(basename "$src" .c)-$cc
		if ! "$cc" -O2 -g -target bpf -c "$src" -o "$n.o" 2> "$n.cc.log"; then
			bad "$(basename "$n"): $cc failed" "$n.cc.log"
			continue
		fi
		if ! llvm-objcopy --dump-section ".BTF=$n.btf" --dump-section ".BTF.ext=$n.btf.ext" \
			"$n.o" "$n.stripped.o" 2> "$n.objcopy.log"; then
			bad "$(basename "$n"): llvm-objcopy failed" "$n.objcopy.log"
			continue
		fi
		compare_dumps "$n" "$n.btf" "$n.o"
		if ! "$tool" -e "$n.btf.ext" "$n.btf" > "$n.ext.txt" 2> "$n.ext.log"; then
			bad "$(basename "$n") ext: BTF.ext rejected" "$n.ext.log"
			continue
		fi
		check_funcs "$n" "$n.o"
		check_lines "$n"
		check_core "$n" "$src"
	done
done

if "$tool" -g "$out"; then
	for f in "$out"/crafted_*.btf; do
		compare_dumps "${f%.btf}" "$f" "$f"
	done
else
	bad "btf_dump -g failed"
fi

vmlinux=/sys/kernel/btf/vmlinux
if [ -r "$vmlinux" ]; then
	compare_dumps "$out/vmlinux" "$vmlinux" "$vmlinux"
	ms=$("$tool" -t -f raw "$vmlinux" 2>&1 >/dev/null | sed -nE 's/.* in ([0-9.]+) ms$/\1/p')
	echo "btf_vs_bpftool: vmlinux ($(stat -c %s "$vmlinux") bytes) parsed in ${ms:-?} ms" >&2
	if [ -n "$ms" ] && awk "BEGIN { exit !($ms < 1000) }"; then
		ok
	else
		bad "vmlinux parse time ${ms:-?} ms (limit 1000 ms)"
	fi
else
	echo "btf_vs_bpftool: $vmlinux not readable, kernel BTF not compared" >&2
fi

echo "btf_vs_bpftool: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
