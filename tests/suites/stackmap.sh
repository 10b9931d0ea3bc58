#!/usr/bin/env bash
# Stack trace maps, bpf_get_stackid and bpf_get_stack on a traced process
# (tests/stack_progs): chain.c, built with frame pointers, calls getppid
# from f3 <- f2 <- f1 <- main; the program's stacks must resolve, through
# the binary's symbols (nm), to that chain; ids, skips, flags, collisions
# (-EEXIST, BPF_F_REUSE_STACKID) and errnos are checked; the stack map is
# read, walked and emptied from user space. A program of a type the
# kernel does not give these helpers (socket filter) is refused at load.
set -u
cd "$(dirname "$0")/../.."
# shellcheck source=lib/suite.sh
source tests/suites/lib/suite.sh

for tool in clang gcc nm; do
	if ! command -v $tool >/dev/null; then
		echo "stackmap: $tool is missing - skipping" >&2
		echo "stackmap: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done
if ! grep -q '^Seccomp:' /proc/self/status; then
	echo "stackmap: the kernel has no seccomp filters - skipping" >&2
	echo "stackmap: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
objs=$BUILD/tests/stack
mkdir -p "$objs"
clang -O2 -g -target bpf -I"$arch_inc" -c tests/stack_progs/stack.bpf.c -o "$objs/stack.bpf.o" ||
	bad "can't compile stack.bpf.c"
gcc -O0 -fno-omit-frame-pointer -no-pie tests/stack_progs/chain.c -o "$objs/chain" ||
	bad "can't compile chain.c"

# u64 number i (0-based) of a map value, as a signed decimal number.
word() { # PIN KEY I
	local v
	v=$("$BPFX" map lookup pinned "$BPFX_FS/$1" key $2 | sed 's/.*value: //') || return 1
	read -ra b <<<"$v"
	local o=$(($3 * 8))
	echo $((16#${b[o+7]}${b[o+6]}${b[o+5]}${b[o+4]}${b[o+3]}${b[o+2]}${b[o+1]}${b[o]}))
}
# The 4-byte little-endian key of n.
key() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24)); }
# The signed result i of the program.
result() {
	word s/results "$(key "$1")" 0
}
# The function of chain containing address $1 (nm: address, size, name).
nm -S "$objs/chain" | awk 'NF == 4 && $3 ~ /^[tT]$/ { print $1, $2, $4 }' >"$tmp/syms"
sym() {
	local a=$1
	while read -r start size name; do
		s=$((16#$start)); e=$((s + 16#$size))
		if [ "$a" -ge "$s" ] && [ "$a" -lt "$e" ]; then echo "$name"; return; fi
	done <"$tmp/syms"
	echo "?"
}

"$BPFX" trace "$objs/stack.bpf.o" pinmaps s -- "$objs/chain" 2>"$tmp/err" ||
	bad "bpfx trace failed: $(head -3 "$tmp/err")"

id=$(result 0)
if [ "$id" -ge 0 ] 2>/dev/null && [ "$id" -lt 16 ]; then ok; else bad "stackid: $id"; fi
check "the same stack has the same id" "$(result 1)" "$id"
chain=""
for i in 0 1 2 3; do chain+="$(sym "$(word s/stacks "$(key "$id")" $i)") "; done
check "the stack of the id" "$chain" "f3 f2 f1 main "
id2=$(result 2)
if [ "$id2" -ge 0 ] 2>/dev/null; then
	chain=""
	for i in 0 1 2; do chain+="$(sym "$(word s/stacks1 "$(key "$id2")" $i)") "; done
	check "skip 1" "$chain" "f2 f1 main "
else
	bad "stackid with skip 1: $id2"
fi
n=$(result 3)
if [ "$n" -ge 32 ] && [ "$n" -le 48 ] && [ $((n % 8)) = 0 ]; then ok; else bad "bpf_get_stack returned $n"; fi
chain=""
for i in 0 1 2 3; do chain+="$(sym "$(word s/bufs "0 0 0 0" $i)") "; done
check "bpf_get_stack" "$chain" "f3 f2 f1 main "
check "bpf_get_stack skip 2, 2 frames" "$(result 4)" 16
check "skip 2: f1 main" "$(sym "$(word s/bufs "1 0 0 0" 0)") $(sym "$(word s/bufs "1 0 0 0" 1)")" "f1 main"
check "unknown flag" "$(result 5)" -22
check "skip past the stack" "$(result 6)" -14
check "size not a multiple of 8" "$(result 7)" -22
check "a buffer refused is zeroed" "$(word s/bufs "1 0 0 0" 2)" 0
check "first stack in the one-bucket map" "$(result 8)" 0
check "another stack collides" "$(result 9)" -17
# The kernel takes a free element before it frees the old one: with
# max_entries 1 there is none.
check "REUSE_STACKID needs a free element" "$(result 10)" -12
check "FAST_STACK_CMP: the same hash is enough" "$(result 11)" 0
check "the one-bucket map holds the first stack" \
	"$(sym "$(word s/tiny "0 0 0 0" 0)") $(sym "$(word s/tiny "0 0 0 0" 1)")" "f3 f2"

# Build ids: chain's GNU build id and file offsets (no-pie: ip - 0x400000).
bid=$(readelf -n "$objs/chain" 2>/dev/null | awk '/Build ID:/ { print $3 }')
# A build id entry i of a value as "STATUS BUILDID OFFSET".
bentry() { # PIN KEY I
	local v
	v=$("$BPFX" map lookup pinned "$BPFX_FS/$1" key $2 | sed 's/.*value: //')
	read -ra b <<<"$v"
	local o=$(($3 * 32)) id="" j
	for ((j = 4; j < 24; j++)); do id+=${b[o+j]}; done
	printf '%d %s %d' "0x${b[o+3]}${b[o+2]}${b[o+1]}${b[o]}" "$id" \
		"0x${b[o+31]}${b[o+30]}${b[o+29]}${b[o+28]}${b[o+27]}${b[o+26]}${b[o+25]}${b[o+24]}"
}
if [ -n "$bid" ]; then
	while [ ${#bid} -lt 40 ]; do bid+=0; done
	bsid=$(result 12)
	f3ip=$(word s/bufs "0 0 0 0" 0) f2ip=$(word s/bufs "0 0 0 0" 1)
	check "build id stack: f3" "$(bentry s/bstacks "$(key "$bsid")" 0)" "1 $bid $((f3ip - 0x400000))"
	check "build id stack: f2" "$(bentry s/bstacks "$(key "$bsid")" 1)" "1 $bid $((f2ip - 0x400000))"
	check "bpf_get_stack BPF_F_USER_BUILD_ID" "$(result 13) $(bentry s/bids "0 0 0 0" 1)" \
		"64 1 $bid $((f2ip - 0x400000))"
	check "BPF_F_USER_BUILD_ID, size not a multiple of 32" "$(result 14)" -22
else
	echo "stackmap: readelf found no build id in chain: build id checks skipped" >&2
	skip=$((skip + 1))
fi

# bpf_find_vma and task storage at the stop.
check "find_vma of f3's ip: r0, flags r-x, file-backed" \
	"$(word s/vmas "0 0 0 0" 0) $(word s/vmas "0 0 0 0" 3) $(word s/vmas "0 0 0 0" 5)" "0 5 1"
check "find_vma of an unmapped address" "$(word s/vmas "2 0 0 0" 0)" -2
check "find_vma with flags" "$(word s/vmas "3 0 0 0" 0)" -22
st=""
for i in 0 1 2 3 4 5; do st+="$(word s/storage_res "$i 0 0 0" 0) "; done
check "task storage: none, 40+2, bad flags, delete, again, recreated" "$st" "0 42 0 0 -2 0 "

# User space: walk, delete, lookup of a deleted id.
keys=$("$BPFX" -j map dump pinned "$BPFX_FS/s/stacks" 2>/dev/null | grep -o '"key":\[[^]]*\]' | wc -l)
if [ "$keys" -ge 1 ]; then ok; else bad "map dump of the stack map: $keys keys"; fi
"$BPFX" map delete pinned "$BPFX_FS/s/stacks" key $(key "$id") || bad "delete of id $id"
check "a deleted id is gone" \
	"$("$BPFX" map lookup pinned "$BPFX_FS/s/stacks" key $(key "$id") 2>&1 | tail -1)" "Not found"
if "$BPFX" map update pinned "$BPFX_FS/s/stacks" key 0 0 0 0 value $(printf '0 %.0s' {1..32}) \
	>/dev/null 2>&1; then bad "update of a stack map succeeded"; else ok; fi

# ---- the same in the kernel (tests/tools/ktrace), address space layout
# not randomised, so that libc's addresses agree too: the ids (hashes of
# the stacks), the errnos, the stacks' ips and their lengths (libc, built
# without frame pointers, ends the chain after main's caller) must be the
# kernel's, byte for byte; so must what bpf_find_vma finds (chain's text,
# libc, nothing, bad flags) - start, end, protection, page offset, file -
# and what the task storage helpers return for the traced thread.
. tests/suites/lib/raw_dump.sh
kcmd=(/usr/bin/setarch "$(uname -m)" -R "$objs/chain")
if ! setarch "$(uname -m)" -R true 2>/dev/null; then
	echo "stackmap: setarch -R unavailable: kernel comparison skipped" >&2
	skip=$((skip + 1))
else
	kout=$("$BUILD/tests/ktrace" "$objs/stack.bpf.o" results,bufs,vmas,storage_res,bids -- "${kcmd[@]}" 2>"$tmp/kerr")
	case $kout in
	skip:*) skip=$((skip + 1)); echo "stackmap: kernel comparison skipped: ${kout#skip: }" >&2;;
	"") bad "ktrace: $(head -c 300 "$tmp/kerr")";;
	*)
		"$BPFX" trace "$objs/stack.bpf.o" pinmaps kd -- "${kcmd[@]}" 2>"$tmp/err" ||
			bad "bpfx trace (setarch) failed"
		bout=""
		for m in results bufs vmas storage_res bids; do
			bout+="map $m"$'\n'"$(raw_dump "kd/$m")"$'\n'
		done
		bout=${bout%$'\n'}
		if [ "$kout" = "$bout" ]; then ok; else
			bad "the stacks differ from the kernel's"
			diff <(echo "$kout") <(echo "$bout") | head -20 >&2
		fi;;
	esac
fi

# Program types: a socket filter may not call bpf_get_stackid.
cat >"$tmp/sf.bpf.c" <<'C'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct { __uint(type, BPF_MAP_TYPE_STACK_TRACE); __uint(max_entries, 4);
	 __uint(key_size, 4); __uint(value_size, 64); } st SEC(".maps");
SEC("socket") int sf(struct __sk_buff *skb) { return bpf_get_stackid(skb, &st, 0); }
char LICENSE[] SEC("license") = "GPL";
C
clang -O2 -g -target bpf -I"$arch_inc" -c "$tmp/sf.bpf.c" -o "$tmp/sf.bpf.o" || bad "can't compile sf"
if "$BPFX" prog load "$tmp/sf.bpf.o" "$BPFX_FS/sf" 2>"$tmp/err"; then
	bad "a socket filter calling bpf_get_stackid loaded"
else
	if grep -q "cannot use helper bpf_get_stackid#27" "$tmp/err"; then ok; else
		bad "refusal message: $(head -3 "$tmp/err")"; fi
fi

if ls "$tmp"/san.* >/dev/null 2>&1; then
	bad "sanitizer reports:"; head -40 "$tmp"/san.* >&2
else
	ok
fi
if [ "$skip" -gt 0 ]; then
	echo "stackmap: $pass passed, $fail failed, $skip skipped"
else
	echo "stackmap: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
