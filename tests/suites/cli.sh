#!/usr/bin/env bash
# The bpfx command line, end to end: results, JSON, help, and every kind of
# bad input - each must give one clear "Error:" line naming the problem and
# exit code 1 (2 for usage errors), never a crash. Run on the sanitizer
# build too, where a crash would also be reported by ASan/UBSan.
set -u
BUILD=${BUILD:-build}
BPFX=$BUILD/bpfx
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

if [ ! -x "$BPFX" ]; then
	echo "cli: $BPFX is not built" >&2
	echo "cli: 0 passed, 1 failed"
	exit 1
fi

# expect NAME WANT_RC WANT_STDOUT_SUBSTR WANT_STDERR_SUBSTR -- CMD...
expect() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	local out err rc
	out=$("$@" 2>"$tmp/err"); rc=$?
	err=$(cat "$tmp/err")
	if [ "$rc" = "$want_rc" ] && [[ "$out" == *"$want_out"* ]] && [[ "$err" == *"$want_err"* ]] &&
	   ! grep -qE 'AddressSanitizer|runtime error|Segmentation' "$tmp/err"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name: rc=$rc (want $want_rc)" >&2
		echo "  stdout: ${out:0:300}" >&2
		echo "  stderr: ${err:0:300}" >&2
	fi
}

# The tag the kernel gives the first program of OBJ (bpftool loads and pins
# it briefly); empty when the kernel can't be asked.
bpftool_tag() {
	local pin=/sys/fs/bpf/bpfx-cli-tag-$$ t
	[ "$(id -u)" = 0 ] && command -v bpftool >/dev/null || return 0
	mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || return 0
	bpftool prog load "$1" "$pin" 2>/dev/null || return 0
	t=$(bpftool prog show pinned "$pin" | sed -nE 's/.* tag ([0-9a-f]{16}).*/\1/p')
	rm -f "$pin"
	echo "$t"
}

# Raw instruction files from hex bytes (little-endian struct bpf_insn),
# written with bash's printf only: no xxd or python on a fresh machine.
raw() {
	local hex=${2// /} esc=""
	for ((i = 0; i < ${#hex}; i += 2)); do esc+="\\x${hex:i:2}"; done
	printf "$esc" > "$tmp/$1"
}

raw ret42.bin  "b7000000 2a000000 95000000 00000000"
raw unknown.bin "b7000000 00000000 ff000000 00000000 95000000 00000000"
raw jump.bin   "05000500 00000000 95000000 00000000"
raw lddw.bin   "b7000000 00000000 18000000 01000000"
raw r10.bin    "b70a0000 00000000 95000000 00000000"
raw load.bin   "61100000 00000000 95000000 00000000"
printf 'abc' > "$tmp/odd.bin"
: > "$tmp/empty.bin"
head -c 12 "$tmp/ret42.bin" > "$tmp/truncated.bin"

expect "exec result"          0 "0x000000000000002a" "" -- "$BPFX" exec "$tmp/ret42.bin"
expect "exec json"            0 '"retval":42' ""         -- "$BPFX" -j exec "$tmp/ret42.bin"
expect "exec reads memory"    0 "0x0000000004030201" ""  -- "$BPFX" exec "$tmp/load.bin" --mem "01 02 03 04"
printf '\x05\x06\x07\x08' > "$tmp/mem.bin"
expect "exec --mem-file"      0 "0x0000000008070605" ""  -- "$BPFX" exec "$tmp/load.bin" --mem-file "$tmp/mem.bin"
expect "exec --stats"         0 "0x" "2 instructions executed" -- "$BPFX" exec "$tmp/ret42.bin" --stats
expect "truncated file"       1 "" "size 12 is not a multiple of 8" -- "$BPFX" exec "$tmp/truncated.bin"
expect "odd size"             1 "" "size 3 is not a multiple of 8"  -- "$BPFX" exec "$tmp/odd.bin"
expect "empty file"           1 "" "empty file"                     -- "$BPFX" exec "$tmp/empty.bin"
expect "missing file"         1 "" "can't open"                     -- "$BPFX" exec "$tmp/nope.bin"
expect "unknown opcode"       1 "" "insn 1: unknown opcode 0xff"    -- "$BPFX" exec "$tmp/unknown.bin"
expect "jump past the end"    1 "" "insn 0: jump out of range"      -- "$BPFX" exec "$tmp/jump.bin"
expect "lddw cut in half"     1 "" "insn 1: lddw cut in half"       -- "$BPFX" exec "$tmp/lddw.bin"
expect "write to r10"         1 "" "read only"                      -- "$BPFX" exec "$tmp/r10.bin"
expect "read without memory"  1 "" "insn 0: invalid memory access"  -- "$BPFX" exec "$tmp/load.bin"
expect "read past memory"     1 "" "read of 4 bytes"                -- "$BPFX" exec "$tmp/load.bin" --mem "01 02"
expect "bad --mem"            1 "" "not a list of hex bytes"        -- "$BPFX" exec "$tmp/ret42.bin" --mem "zz"
expect "odd --mem"            1 "" "not a list of hex bytes"        -- "$BPFX" exec "$tmp/ret42.bin" --mem "012"
expect "json error"           1 '{"error":' ""                      -- "$BPFX" -j exec "$tmp/unknown.bin"
expect "exec --jit"            0 "0x000000000000002a" ""          -- "$BPFX" exec "$tmp/ret42.bin" --jit
expect "exec --interp"         0 "0x000000000000002a" ""          -- "$BPFX" exec "$tmp/ret42.bin" --interp
expect "exec --jit memory"     0 "0x0000000004030201" ""          -- "$BPFX" exec "$tmp/load.bin" --mem "01 02 03 04" --jit
expect "exec --jit --stats"    0 "0x" "2 instructions executed"   -- "$BPFX" exec "$tmp/ret42.bin" --jit --stats
expect "jit read past memory"  1 "" "insn 0: invalid memory access: read of 4 bytes" -- "$BPFX" exec "$tmp/load.bin" --mem "01 02" --jit
expect "jit out_of_bounds"     1 "" "insn 3: invalid memory access: read of 8 bytes" -- "$BPFX" exec examples/out_of_bounds.asm --mem "01 02 03 04" --jit
expect "interp out_of_bounds"  1 "" "insn 3: invalid memory access: read of 8 bytes" -- "$BPFX" exec examples/out_of_bounds.asm --mem "01 02 03 04" --interp
expect "unknown option"       1 "" "unknown or incomplete option"   -- "$BPFX" exec "$tmp/ret42.bin" --frob
expect "unknown command"      2 "" "unknown command"                -- "$BPFX" frob
expect "help"                 0 "Usage: bpfx" ""                    -- "$BPFX" --help
expect "exec help"            0 "--mem-file" ""                     -- "$BPFX" exec --help
expect "version"              0 "bpfx v" ""                         -- "$BPFX" version

# A program of 1,000,000 instructions (the kernel's maximum) that loops
# forever: 999,999 moves, then a jump back to the start. The budget stops it.
# (gotol: a 16-bit ja cannot reach back that far.)
n=1000000
raw mov.bin "b7000000 01000000"
for _ in $(seq 20); do cat "$tmp/mov.bin" "$tmp/mov.bin" > "$tmp/mov2.bin"; mv "$tmp/mov2.bin" "$tmp/mov.bin"; done
head -c $(((n - 1) * 8)) "$tmp/mov.bin" > "$tmp/loop1m.bin"
raw gotol.bin "06000000 c0bdf0ff"   # imm = -1000000
cat "$tmp/gotol.bin" >> "$tmp/loop1m.bin"
expect "1M-insn infinite loop" 1 "" "instruction budget of 10000000 exceeded" -- "$BPFX" exec "$tmp/loop1m.bin"
expect "custom budget"         1 "" "instruction budget of 5 exceeded" -- "$BPFX" exec "$tmp/loop1m.bin" --budget 5
head -c $(((n + 1) * 8)) "$tmp/mov.bin" > "$tmp/toolong.bin"
expect "over 1M insns"         1 "" "more than the limit"           -- "$BPFX" exec "$tmp/toolong.bin"

# Text programs, disassembly and assembly round trip.
printf 'r0 = 7\nr0 *= 6\nexit\n' > "$tmp/p.asm"
expect "exec .asm"            0 "0x000000000000002a" ""             -- "$BPFX" exec "$tmp/p.asm"
printf 'r0 = 1\nr11 = 2\nexit\n' > "$tmp/bad.asm"
expect "asm error names line" 1 "" "bad.asm:2: unknown register r11" -- "$BPFX" exec "$tmp/bad.asm"
expect "asm writes output"    0 "" ""                               -- "$BPFX" asm "$tmp/p.asm" "$tmp/p.bin"
expect "disasm"               0 "   1: (27) r0 *= 6" ""             -- "$BPFX" disasm "$tmp/p.bin"
expect "disasm llvm"          0 "r0 *= 0x6" ""                      -- "$BPFX" disasm "$tmp/p.bin" --syntax llvm
expect "disasm json"          0 '"text":"r0 = 7"' ""                -- "$BPFX" -j disasm "$tmp/p.bin"
expect "failed asm writes nothing" 1 "" "unknown register"          -- "$BPFX" asm "$tmp/bad.asm" "$tmp/out.bin"
if [ -e "$tmp/out.bin" ] || ls "$tmp"/out.bin.tmp* >/dev/null 2>&1; then
	fail=$((fail + 1)); echo "FAIL failed asm left a file behind" >&2
else
	pass=$((pass + 1))
fi
printf 'mov %%r0, 5\nexit\n' > "$tmp/c.s"
expect "asm conformance"      0 "" ""                               -- "$BPFX" asm "$tmp/c.s" "$tmp/c.bin" --dialect conformance
expect "conformance result"   0 "0x0000000000000005" ""             -- "$BPFX" exec "$tmp/c.bin"

# Maps, each command its own process: pins carry the map between them.
export BPFX_FS=$tmp/bpffs
expect "map create"           0 "" ""                                -- "$BPFX" map create counts type hash key 4 value 8 entries 16 name demo
expect "map create bad type"  1 "" "unknown map type"               -- "$BPFX" map create x type nosuch key 4 value 8 entries 1 name x
expect "map create refused"   1 "" "map create failed: Invalid argument" -- "$BPFX" map create y type array key 8 value 8 entries 1 name y
expect "map create exists"    1 "" "File exists"                     -- "$BPFX" map create counts type hash key 4 value 8 entries 16 name demo
expect "map update"           0 "" ""                                -- "$BPFX" map update pinned counts key 1 0 0 0 value 2 0 0 0 0 0 0 0
expect "map update hex"       0 "" ""                                -- "$BPFX" map update pinned counts key hex 0a 00 00 00 value hex ff 00 00 00 00 00 00 01 noexist
expect "map update noexist"   1 "" "File exists"                     -- "$BPFX" map update pinned counts key 1 0 0 0 value 0 0 0 0 0 0 0 0 noexist
expect "map show"             0 "hash  name demo  flags 0x0" ""      -- "$BPFX" map show pinned counts
expect "map dump"             0 "key: 01 00 00 00  value: 02 00 00 00 00 00 00 00" "" -- "$BPFX" map dump pinned counts
expect "map dump count"       0 "Found 2 elements" ""                -- "$BPFX" map dump pinned counts
expect "map dump json"        0 '"value":["0xff","0x00",' ""         -- "$BPFX" -j map dump pinned counts
expect "map lookup"           0 "value: ff 00 00 00 00 00 00 01" ""  -- "$BPFX" map lookup pinned counts key 10 0 0 0
expect "map lookup missing"   0 "Not found" ""                       -- "$BPFX" map lookup pinned counts key 9 0 0 0
expect "map getnext first"    0 "key: None" ""                       -- "$BPFX" map getnext pinned counts
expect "map delete"           0 "" ""                                -- "$BPFX" map delete pinned counts key 1 0 0 0
expect "map delete missing"   1 "" "delete failed: No such file or directory" -- "$BPFX" map delete pinned counts key 1 0 0 0
expect "map key too short"    1 "" "key expected 4 bytes got 3"      -- "$BPFX" map lookup pinned counts key 1 0 0
expect "map byte too big"     1 "" "'256' is not a byte"             -- "$BPFX" map lookup pinned counts key 256 0 0 0
expect "map pin again"        0 "" ""                                -- "$BPFX" map pin pinned counts counts2
expect "map via 2nd pin"      0 "Found 1 element" ""                 -- "$BPFX" map dump pinned counts2
expect "map freeze"           0 "" ""                                -- "$BPFX" map freeze pinned counts
expect "map frozen update"    1 "" "Operation not permitted"         -- "$BPFX" map update pinned counts key 3 0 0 0 value 0 0 0 0 0 0 0 0
expect "map pin outside"      1 "" "Operation not permitted"         -- "$BPFX" map pin pinned counts /etc/x
expect "map missing pin"      1 "" "can't open pinned map"           -- "$BPFX" map show pinned nope
expect "map help"             0 "MAP := { pinned PATH" ""            -- "$BPFX" map help
# Queues, stacks, bloom filters and LPM tries (bpftool's peek/push/pop).
expect "queue create"         0 "" ""                                -- "$BPFX" map create q type queue key 0 value 4 entries 2 name q
expect "queue push"           0 "" ""                                -- "$BPFX" map push pinned q value 1 0 0 0
expect "queue enqueue"        0 "" ""                                -- "$BPFX" map enqueue pinned q value 2 0 0 0
expect "queue full"           1 "" "update failed: Argument list too long" -- "$BPFX" map push pinned q value 3 0 0 0
expect "queue push exist"     0 "" ""                                -- "$BPFX" map push pinned q value 3 0 0 0 exist
expect "queue peek"           0 "value: 02 00 00 00" ""              -- "$BPFX" map peek pinned q
expect "queue lookup peeks"   0 "value: 02 00 00 00" ""              -- "$BPFX" map lookup pinned q
expect "queue update full"    1 "" "update failed: Argument list too long" -- "$BPFX" map update pinned q value 5 0 0 0
expect "queue peek json"      0 '{"key":[],"value":["0x02",' ""      -- "$BPFX" -j map peek pinned q
expect "queue peek key"       1 "" "unnecessary key"                 -- "$BPFX" map peek pinned q key 1
expect "queue dump"           1 "Found 0 elements" ""                -- "$BPFX" map dump pinned q
expect "queue pop"            0 "value: 02 00 00 00" ""              -- "$BPFX" map pop pinned q
expect "queue dequeue"        0 "value: 03 00 00 00" ""              -- "$BPFX" map dequeue pinned q
expect "queue pop empty"      1 "Error: empty map" ""                -- "$BPFX" map pop pinned q
expect "queue pop empty json" 1 "null" ""                            -- "$BPFX" -j map pop pinned q
expect "stack create"         0 "" ""                                -- "$BPFX" map create s type stack key 0 value 2 entries 4 name s
expect "stack push"           0 "" ""                                -- "$BPFX" map push pinned s value 1 2
expect "stack push 2"         0 "" ""                                -- "$BPFX" map push pinned s value 3 4
expect "stack pop"            0 "value: 03 04" ""                    -- "$BPFX" map pop pinned s
expect "stack show"           0 "stack  name s  flags 0x0" ""        -- "$BPFX" map show pinned s
expect "bloom create"         0 "" ""                                -- "$BPFX" map create b type bloom_filter key 0 value 4 entries 10 name b flags 0x80
expect "bloom push"           0 "" ""                                -- "$BPFX" map push pinned b value 1 2 3 4
expect "bloom peek in"        0 "value: 01 02 03 04" ""              -- "$BPFX" map peek pinned b value 1 2 3 4
expect "bloom peek out"       1 "Not found" ""                       -- "$BPFX" map peek pinned b value 1 2 3 5
expect "bloom pop"            1 "" "pop failed: Unknown error 524"   -- "$BPFX" map pop pinned b
expect "lpm create"           0 "" ""                                -- "$BPFX" map create l type lpm_trie key 8 value 4 entries 8 name l flags 1
expect "lpm no prealloc"      1 "" "map create failed: Invalid argument" -- "$BPFX" map create l2 type lpm_trie key 8 value 4 entries 8 name l2
expect "lpm update /24"       0 "" ""                                -- "$BPFX" map update pinned l key 24 0 0 0 10 0 0 0 value 1 0 0 0
expect "lpm update /8"        0 "" ""                                -- "$BPFX" map update pinned l key 8 0 0 0 10 0 0 0 value 2 0 0 0
expect "lpm longest match"    0 "value: 01 00 00 00" ""              -- "$BPFX" map lookup pinned l key 32 0 0 0 10 0 0 7
expect "lpm shorter match"    0 "value: 02 00 00 00" ""              -- "$BPFX" map lookup pinned l key 32 0 0 0 10 9 0 7
expect "lpm dump order"       0 "key: 18 00 00 00 0a 00 00 00  value: 01 00 00 00" "" -- "$BPFX" map dump pinned l
# Maps of maps and prog arrays: values are objects, named like MAP/PROG.
expect "map create inner"     0 "" ""                                -- "$BPFX" map create inner type array key 4 value 8 entries 2 name inner
expect "map create other"     0 "" ""                                -- "$BPFX" map create wide type array key 4 value 16 entries 2 name wide
expect "map create outer"     0 "" ""                                -- "$BPFX" map create outer type array_of_maps key 4 value 4 entries 4 name outer inner_map pinned inner
expect "map outer show"       0 "array_of_maps  name outer" ""       -- "$BPFX" map show pinned outer
expect "map create hom"       0 "" ""                                -- "$BPFX" map create hom type hash_of_maps key 4 value 4 entries 4 name hom inner_map pinned inner
expect "map outer no inner"   1 "" "map create failed: Invalid argument" -- "$BPFX" map create o2 type array_of_maps key 4 value 4 entries 4 name o2
expect "map outer bad inner"  1 "" "can't open pinned map"           -- "$BPFX" map create o3 type array_of_maps key 4 value 4 entries 4 name o3 inner_map pinned nope
expect "map create jmp"       0 "" ""                                -- "$BPFX" map create jmp type prog_array key 4 value 4 entries 4 name jmp
expect "map update inner"     0 "" ""                                -- "$BPFX" map update pinned outer key 1 0 0 0 value pinned inner
expect "map update hom"       0 "" ""                                -- "$BPFX" map update pinned hom key 7 0 0 0 value pinned inner noexist
expect "map update misfit"    1 "" "update failed: Invalid argument" -- "$BPFX" map update pinned outer key 1 0 0 0 value pinned wide
expect "map update range"     1 "" "update failed: Argument list too long" -- "$BPFX" map update pinned outer key 4 0 0 0 value pinned inner
expect "map update value fd"  1 "" "cannot be passed on a command line" -- "$BPFX" map update pinned outer key 1 0 0 0 value fd 3
expect "map update not prog"  1 "" "is not a program"                -- "$BPFX" map update pinned jmp key 0 0 0 0 value pinned inner
expect "map update prog id"   1 "" "can't get prog by id"            -- "$BPFX" map update pinned jmp key 0 0 0 0 value id 999
expect "map jmp dump"         0 "Found 0 elements" ""                -- "$BPFX" map dump pinned jmp
expect "map jmp lookup"       0 "Not found" ""                       -- "$BPFX" map lookup pinned jmp key 0 0 0 0
# Slots of a pinned array of maps reach the next command (maps/fd_map.c).
expect "map outer lookup"     0 "key: 01 00 00 00  value: " ""       -- "$BPFX" map lookup pinned outer key 1 0 0 0
expect "map outer dump"       0 "Found 1 element" ""                 -- "$BPFX" map dump pinned outer
expect "map outer delete"     0 "" ""                                -- "$BPFX" map delete pinned outer key 1 0 0 0
expect "map outer emptied"    0 "Found 0 elements" ""                -- "$BPFX" map dump pinned outer
unset BPFX_FS

# Programs, each command its own process: pins carry them (and their maps)
# between commands. Needs clang for the objects.
export BPFX_FS=$tmp/bpffs
inc=(-I/usr/include/$(gcc -print-multiarch 2>/dev/null))
if command -v clang >/dev/null &&
   clang -O2 -g -target bpf "${inc[@]}" -c tests/object_progs/globals_counter.bpf.c -o "$tmp/gc.o" 2>/dev/null &&
   clang -O2 -g -target bpf "${inc[@]}" -c tests/elf_progs/xdp_parser.c -o "$tmp/xdp.o" 2>/dev/null &&
   clang -O2 -g -target bpf "${inc[@]}" -Itests/elf_progs -c tests/elf_progs/tail_calls.c -o "$tmp/tc.o" 2>/dev/null; then
	# struct args { u32 key = 5; u32 add = 2; u64 out; }: count() adds
	# add * scale (3) to total (100) and returns it.
	printf '\x05\0\0\0\x02\0\0\0\0\0\0\0\0\0\0\0' > "$tmp/ctx"
	# Ethernet + IPv4 + TCP 1234 -> 80.
	printf '\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\x45\0\0\x28\0\0\0\0\x40\x06\0\0\x0a\0\0\x01\x0a\0\0\x02\x04\xd2\0\x50\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' > "$tmp/pkt"
	expect "prog load"            0 "" ""                                -- "$BPFX" prog load "$tmp/gc.o" cnt
	expect "prog load exists"     1 "" "File exists"                     -- "$BPFX" prog load "$tmp/gc.o" cnt
	# -d: the verifier's log of a program that loads, ending with its statistics
	expect "prog load -d"         0 "" "libbpfx: processed "             -- "$BPFX" -d prog load "$tmp/gc.o" cnt_d
	expect "prog load -d states"  0 "" "R1=ctx()"                        -- "$BPFX" --debug prog load "$tmp/gc.o" cnt_d2
	# The tag is the kernel's (SHA-256 of the code); the pin keeps it.
	tag=$(bpftool_tag "$tmp/gc.o")
	expect "prog show"            0 "syscall  name count  tag ${tag:-}" "" -- "$BPFX" prog show pinned cnt
	expect "prog show tag form"   0 "" ""                                -- bash -c \
		"'$BPFX' prog show pinned cnt | grep -qE 'tag [0-9a-f]{16}  gpl\$'"
	expect "prog show xlated"     0 "	xlated " ""                    -- "$BPFX" prog show pinned cnt
	expect "prog show json"       0 '"type":"syscall","name":"count","tag":"'"${tag:-}" "" -- "$BPFX" -j prog show pinned cnt
	expect "prog show json gpl"   0 '"gpl_compatible":true,"bytes_xlated":' "" -- "$BPFX" -j prog show pinned cnt
	expect "prog bad tag"         1 "" "expected 16 hex digits"          -- "$BPFX" prog show tag 12zz
	expect "prog show jited"      0 "B  jited " ""                   -- "$BPFX" prog show pinned cnt
	expect "prog show json jited" 0 '"jited":true,"bytes_jited":' "" -- "$BPFX" -j prog show pinned cnt
	expect "prog dump xlated"     0 "   0: (bf) r6 = r1" ""            -- "$BPFX" prog dump xlated pinned cnt
	expect "prog dump opcodes"    0 "bf 16 00 00 00 00 00 00" ""       -- "$BPFX" prog dump xlated pinned cnt opcodes
	expect "prog dump jited"      0 "bpf_prog_count:" ""              -- "$BPFX" prog dump jited pinned cnt
	expect "prog dump jited code" 0 "   0:	pushq	%rbp" ""            -- "$BPFX" prog dump jited pinned cnt
	expect "prog dump jited ops"  0 "   0:	pushq	%rbp
	55" ""                                                                -- "$BPFX" prog dump jited pinned cnt opcodes
	expect "prog dump jited json" 0 '[{"pc":"0x0","operation":"pushq","operands":"%rbp"}' "" -- "$BPFX" -j prog dump jited pinned cnt
	expect "prog dump other"      1 "" "expected 'xlated' or 'jited'"  -- "$BPFX" prog dump raw pinned cnt
	expect "prog run ctx"         0 "Return value: 106, duration" ""   -- "$BPFX" prog run pinned cnt ctx_in "$tmp/ctx"
	expect "prog run again"       0 "Return value: 112, duration" ""   -- "$BPFX" prog run pinned cnt ctx_in "$tmp/ctx"
	expect "prog run json"        0 '{"retval":118,"duration":' ""     -- "$BPFX" -j prog run pinned cnt ctx_in "$tmp/ctx"
	expect "prog run no input"    1 "" "expected data_in or ctx_in"    -- "$BPFX" prog run pinned cnt
	expect "prog run bad arg"     1 "" "unknown argument 'foo'"        -- "$BPFX" prog run pinned cnt foo 1
	expect "prog missing pin"     1 "" "can't open pinned program"     -- "$BPFX" prog show pinned nope
	expect "prog map pin is not"  1 "" "incorrect object type"           -- "$BPFX" prog show pinned counts
	expect "prog into prog array" 0 "" ""                              -- "$BPFX" map update pinned jmp key 2 0 0 0 value pinned cnt
	expect "prog array keeps it"  0 "Found 1 element" ""               -- "$BPFX" map dump pinned jmp
	# Tail calls across commands, as bpftool and the kernel answer: an
	# unpinned prog array is emptied when the loading command ends (an
	# ARP frame then passes: 2); with pinmaps it keeps its programs
	# (stage_parse jumps to stage_drop: 1) until a slot is deleted.
	printf '\0\0\0\0\0\0\0\0\0\0\0\0\x08\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' > "$tmp/arp"
	expect "tail loadall"         0 "" ""                              -- "$BPFX" prog loadall "$tmp/tc.o" tc
	expect "tail array emptied"   0 "Return value: 2," ""              -- "$BPFX" prog run pinned tc/dispatch data_in "$tmp/arp"
	expect "tail loadall pinmaps" 0 "" ""                              -- "$BPFX" prog loadall "$tmp/tc.o" tc2 pinmaps tcm
	expect "tail calls run"       0 "Return value: 1," ""              -- "$BPFX" prog run pinned tc2/dispatch data_in "$tmp/arp"
	expect "tail array dump"      0 "Found 2 elements" ""              -- "$BPFX" map dump pinned tcm/jump_table
	expect "tail slot delete"     0 "" ""                              -- "$BPFX" map delete pinned tcm/jump_table key 2 0 0 0
	expect "tail falls through"   0 "Return value: 2," ""              -- "$BPFX" prog run pinned tc2/dispatch data_in "$tmp/arp"
	expect "tail stage hits"      0 '"key": 3,' ""                      -- "$BPFX" map dump pinned tcm/stage_hits
	# map {idx|name} pinned FILE: the loaded program (stage_parse) counts
	# in the pinned map (bpf_map__reuse_fd); a map of another shape is
	# refused.
	before=$("$BPFX" map lookup pinned tcm/stage_hits key 0 0 0 0 2>&1)
	expect "prog load map reuse"  0 "" ""                              -- "$BPFX" prog load "$tmp/tc.o" tc3 map name stage_hits pinned tcm/stage_hits
	expect "reused map run"       0 "Return value: " ""              -- "$BPFX" prog run pinned tc3 data_in "$tmp/arp"
	after=$("$BPFX" map lookup pinned tcm/stage_hits key 0 0 0 0 2>&1)
	if [ -n "$before" ] && [ "$before" != "$after" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL reused map: the pinned stage_hits did not count ('$before' / '$after')" >&2; fi
	expect "prog load map idx"    0 "" ""                              -- "$BPFX" prog load "$tmp/tc.o" tc4 map idx 1 pinned tcm/stage_hits
	expect "prog load map shape"  1 "" "pinned map tcm/stage_hits does not match map 'jump_table'" -- "$BPFX" prog load "$tmp/tc.o" tc5 map name jump_table pinned tcm/stage_hits
	expect "prog load map shape no pin" 1 "" "can't open pinned program" -- "$BPFX" prog show pinned tc5
	expect "prog load map none"   1 "" "no map name nosuch in the object" -- "$BPFX" prog load "$tmp/tc.o" tc5 map name nosuch pinned tcm/stage_hits
	expect "prog load map no pin" 1 "" "can't open pinned map nope"    -- "$BPFX" prog load "$tmp/tc.o" tc5 map name stage_hits pinned nope
	expect "prog load map syntax" 1 "" "expected map {idx N | name NAME} pinned FILE" -- "$BPFX" prog load "$tmp/tc.o" tc5 map name stage_hits
	# The same two loads with bpftool, when the kernel can: same answers.
	kdir=/sys/fs/bpf/bpfx-cli-$$
	if command -v bpftool >/dev/null && [ "$(id -u)" = 0 ] && mountpoint -q /sys/fs/bpf &&
	   mkdir "$kdir" 2>/dev/null &&
	   bpftool prog loadall "$tmp/tc.o" "$kdir/tc" >/dev/null 2>&1 &&
	   bpftool prog loadall "$tmp/tc.o" "$kdir/tc2" pinmaps "$kdir/m" >/dev/null 2>&1; then
		k=$(bpftool prog run pinned "$kdir/tc/dispatch" data_in "$tmp/arp" 2>&1 | grep -o 'Return value: [0-9]*')
		k2=$(bpftool prog run pinned "$kdir/tc2/dispatch" data_in "$tmp/arp" 2>&1 | grep -o 'Return value: [0-9]*')
		if [ "$k" = "Return value: 2" ] && [ "$k2" = "Return value: 1" ]; then pass=$((pass + 1)); else
			fail=$((fail + 1)); echo "FAIL tail calls across commands: bpftool gives '$k' and '$k2'" >&2; fi
		# Reuse of a pinned map on load: the kernel's program counts in the
		# pinned map too.
		kb=$(bpftool map lookup pinned "$kdir/m/stage_hits" key 0 0 0 0 2>&1)
		bpftool prog load "$tmp/tc.o" "$kdir/tc3" map name stage_hits pinned "$kdir/m/stage_hits" >/dev/null 2>&1 &&
			bpftool prog run pinned "$kdir/tc3" data_in "$tmp/arp" >/dev/null 2>&1
		ka=$(bpftool map lookup pinned "$kdir/m/stage_hits" key 0 0 0 0 2>&1)
		if [ -n "$kb" ] && [ "$kb" != "$ka" ]; then pass=$((pass + 1)); else
			fail=$((fail + 1)); echo "FAIL map reuse: the kernel's pinned stage_hits did not count" >&2; fi
	else
		echo "cli: no bpftool, root or /sys/fs/bpf: tail calls across commands not compared with bpftool" >&2
	fi
	rm -rf "$kdir"
	# prog load ... type TYPE: the section's type overridden as bpftool
	# does (a socket filter loaded as XDP; the kernel agrees below).
	printf '__attribute__((section("socket"), used)) int seven(void *c) { return 7; }\nchar l[] __attribute__((section("license"), used)) = "GPL";\n' > "$tmp/seven.c"
	if clang -O2 -g -target bpf -c "$tmp/seven.c" -o "$tmp/seven.o" 2>/dev/null; then
		expect "prog load type"       0 "" ""                      -- "$BPFX" prog load "$tmp/seven.o" seven type xdp
		expect "prog load type show"  0 "xdp  name seven" ""       -- "$BPFX" prog show pinned seven
		expect "prog load type run"   0 "Return value: 7," ""      -- "$BPFX" prog run pinned seven data_in "$tmp/pkt"
		expect "prog loadall type"    0 "" ""                      -- "$BPFX" prog loadall "$tmp/seven.o" seven_tc pinmaps seven_m type action
		expect "prog loadall type show" 0 "sched_act  name seven" "" -- "$BPFX" prog show pinned seven_tc/seven
		expect "prog load no type"    0 "socket_filter  name seven" "" -- bash -c \
			"'$BPFX' prog load '$tmp/seven.o' seven_s && '$BPFX' prog show pinned seven_s"
		expect "prog load bad type"   1 "" "failed to guess program type from name 'nosuch'" -- "$BPFX" prog load "$tmp/seven.o" seven_x type nosuch
		expect "prog load bad type no pin" 1 "" "can't open pinned program" -- "$BPFX" prog show pinned seven_x
		expect "prog load type twice" 1 "" "type given twice"      -- "$BPFX" prog load "$tmp/seven.o" seven_y type xdp type xdp
		expect "prog load type value" 1 "" "type needs a value"    -- "$BPFX" prog load "$tmp/seven.o" seven_y type
		expect "prog load bad option" 1 "" "unknown option 'foo'"  -- "$BPFX" prog load "$tmp/seven.o" seven_y foo 1
		kseven=/sys/fs/bpf/bpfx-cli-seven-$$
		if command -v bpftool >/dev/null && [ "$(id -u)" = 0 ] &&
		   bpftool prog load "$tmp/seven.o" "$kseven" type xdp >/dev/null 2>&1; then
			k=$(bpftool prog show pinned "$kseven" | grep -oE '(xdp|socket_filter)  name seven')
			b=$("$BPFX" prog show pinned seven | grep -oE '(xdp|socket_filter)  name seven')
			rm -f "$kseven"
			if [ -n "$k" ] && [ "$k" = "$b" ]; then pass=$((pass + 1)); else
				fail=$((fail + 1)); echo "FAIL prog load type: bpftool shows '$k', bpfx '$b'" >&2; fi
		else
			echo "cli: no bpftool or root: prog load type not compared with the kernel" >&2
		fi
	fi
	expect "prog loadall"         0 "" ""                              -- "$BPFX" prog loadall "$tmp/xdp.o" xdp
	expect "prog loadall show"    0 "xdp  name xdp_count" ""           -- "$BPFX" prog show pinned xdp/xdp_count
	expect "prog loadall 2nd"     0 "xdp  name xdp_filter" ""          -- "$BPFX" prog show pinned xdp/xdp_filter
	expect "prog run xdp"         0 "Return value: 2, duration (average):" "" -- "$BPFX" prog run pinned xdp/xdp_count data_in "$tmp/pkt" data_out "$tmp/pkt.out" repeat 4
	if cmp -s "$tmp/pkt" "$tmp/pkt.out"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL prog run xdp: data_out differs from data_in" >&2; fi
	printf '\0\0\0\0\0\0\0\0\0\0' > "$tmp/short"
	expect "prog run short pkt"   1 "" "Invalid argument"              -- "$BPFX" prog run pinned xdp/xdp_count data_in "$tmp/short"
	expect "prog help"            0 "PROG := { pinned PATH" ""         -- "$BPFX" prog help
	# The same packet through the kernel, when we may load programs.
	kpin=/sys/fs/bpf/bpfx-cli-$$
	if command -v bpftool >/dev/null && bpftool prog loadall "$tmp/xdp.o" "$kpin" >/dev/null 2>&1; then
		for p in xdp_count xdp_filter; do
			k=$(bpftool prog run pinned "$kpin/$p" data_in "$tmp/pkt" 2>&1 | sed 's/, duration.*//')
			u=$("$BPFX" prog run pinned "xdp/$p" data_in "$tmp/pkt" 2>&1 | sed 's/, duration.*//')
			if [ -n "$k" ] && [ "$k" = "$u" ]; then pass=$((pass + 1)); else
				fail=$((fail + 1)); echo "FAIL prog run $p: kernel '$k', bpfx '$u'" >&2; fi
		done
		rm -rf "$kpin"
	else
		echo "cli: cannot load into the kernel: XDP results not compared with bpftool" >&2
	fi
else
	echo "cli: clang is missing or failed: prog load/show/dump/run not tested" >&2
fi
unset BPFX_FS

# BTF: errors, and bpftool's own output as the oracle where both exist.
expect "btf missing file"     1 "" "no such file"                    -- "$BPFX" btf dump file "$tmp/nope"
expect "btf not BTF"          1 "" "BTF header"                      -- "$BPFX" btf dump file "$tmp/p.asm"
expect "btf bad format"       1 "" "unknown format"                  -- "$BPFX" btf dump file "$tmp/p.asm" format xml
expect "btf help"             0 "format raw|c" ""                    -- "$BPFX" btf help
vmlinux=/sys/kernel/btf/vmlinux
if [ -r "$vmlinux" ] && command -v bpftool >/dev/null; then
	for fmt in raw c; do
		"$BPFX" btf dump file "$vmlinux" format "$fmt" > "$tmp/ours" 2>&1
		bpftool btf dump file "$vmlinux" format "$fmt" > "$tmp/theirs" 2>&1
		if cmp -s "$tmp/ours" "$tmp/theirs"; then pass=$((pass + 1)); else
			fail=$((fail + 1)); echo "FAIL btf dump $fmt of vmlinux differs from bpftool" >&2; fi
	done
else
	echo "cli: no $vmlinux or bpftool: BTF output not compared with bpftool" >&2
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
