#!/usr/bin/env bash
# `make demo`: the whole path of a program through bpfx, today's part of it.
# 1. clang compiles examples/ip_checksum.bpf.c for the eBPF target;
# 2. its instructions are taken out of the object file;
# 3. `bpfx disasm` shows them as bpftool would;
# 4. `bpfx exec` runs them over an IPv4 header, and again over the header
#    with the checksum filled in (the result must then be 0);
# 5. a program that reads past its input is stopped by checked mode;
# 6. the execve counter (examples/execve_counter.bpf.c, built by
#    `make examples`) traces a small shell script under `bpfx trace` and
#    counts its execve calls; strace -f counts the same, when installed.
# 7. execsnoop prints who runs what, from a ring buffer, as it happens;
# 8. the XDP firewall example over a generated pcap: verdicts and counters.
# 9. the firewall's program through every stage: the verifier's log
#    (`bpfx -d prog load`), the translated instructions and the JIT's
#    machine code.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BPFX=$BUILD/bpfx
out=$BUILD/examples
mkdir -p "$out"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. clang -O2 -target bpf -c examples/ip_checksum.bpf.c"
clang -O2 -target bpf -c examples/ip_checksum.bpf.c -o "$out/ip_checksum.o"
llvm-objcopy -O binary --only-section=prog "$out/ip_checksum.o" "$out/ip_checksum.bin"
echo "$(($(stat -c %s "$out/ip_checksum.bin") / 8)) instructions in $out/ip_checksum.bin"

step "2. bpfx disasm $out/ip_checksum.bin"
"$BPFX" disasm "$out/ip_checksum.bin"

# An IPv4 header (20 bytes: 10.0.0.1 -> 10.0.0.2, UDP) with its checksum
# field (bytes 10-11) zeroed.
hdr="45 00 00 54 1c 46 40 00 40 11 00 00 0a 00 00 01 0a 00 00 02"
step "3. bpfx exec --mem '<IPv4 header, checksum zeroed>'"
sum=$("$BPFX" exec "$out/ip_checksum.bin" --mem "$hdr" --stats)
echo "r0 = $sum  (the checksum to put in the header)"

c=$((sum & 0xffff))
filled=$(printf '%s' "$hdr" | awk -v hi=$((c >> 8)) -v lo=$((c & 0xff)) \
	'{ $11 = sprintf("%02x", hi); $12 = sprintf("%02x", lo); print }')
step "4. bpfx exec --mem '<the same header, checksum filled in>'"
check=$("$BPFX" exec "$out/ip_checksum.bin" --mem "$filled")
echo "r0 = $check"
if [ $((check)) -ne 0 ]; then
	echo "demo: a header with its checksum filled in must sum to 0" >&2
	exit 1
fi
echo "a correct header sums to 0: the program computed the right checksum"

step "5. bpfx exec examples/out_of_bounds.asm --mem '01 02 03 04'"
"$BPFX" disasm examples/out_of_bounds.asm
if "$BPFX" exec examples/out_of_bounds.asm --mem "01 02 03 04"; then
	echo "demo: the out-of-bounds read was not caught" >&2
	exit 1
fi
echo "(exit code 1: checked mode stopped the program at the bad read)"

step "6. bpfx trace $out/execve_counter.bpf.o pinmaps demo -- sh examples/exec_demo.sh"
demo_fs=$(mktemp -d)
trap 'rm -rf "$demo_fs"' EXIT
export BPFX_FS=$demo_fs
"$BPFX" trace "$out/execve_counter.bpf.o" pinmaps demo -- sh examples/exec_demo.sh
"$BPFX" map dump pinned demo/exec_count_map
count=$("$BPFX" -j map lookup pinned demo/exec_count_map key 0 0 0 0 |
	sed -E 's/.*"value":\["([^"]*)","([^"]*)".*/\2\1/; s/0x//g')
count=$((16#$count))
echo "exec_count_map[0] = $count execve calls"
if command -v strace >/dev/null; then
	want=$(strace -f -qq -e trace=execve -o /dev/stdout sh examples/exec_demo.sh 2>/dev/null |
	       grep -c 'execve(')
	echo "strace -f -e trace=execve counts $want"
	if [ "$count" -ne "$want" ]; then
		echo "demo: bpfx counted $count execve calls, strace $want" >&2
		exit 1
	fi
fi

# 7. execsnoop (examples/execsnoop.bpf.c): a record per execve through a
#    ring buffer, printed by bpfx trace as it arrives, through the
#    object's BTF type struct event.
step "7. bpfx trace $out/execsnoop.bpf.o format event -- sh examples/exec_demo.sh"
"$BPFX" trace "$out/execsnoop.bpf.o" format event -- sh examples/exec_demo.sh

# 8. The XDP firewall example over a capture the build generates: a
#    blocklist drops some sources, ICMP echo requests are answered with
#    XDP_TX, the rest passes; the counters are the program's map, pinned.
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
step "8. bpfx xdp $out/xdp_firewall.o --pcap $out/firewall.pcap --out $out/passed.pcap pinmaps firewall"
clang -O2 -g -target bpf -I"$arch_inc" -c examples/xdp_firewall.bpf.c -o "$out/xdp_firewall.o"
"$BUILD/examples/gen_pcap" "$out/firewall.pcap" 1000
export BPFX_FS=$PWD/$out/bpffs
rm -rf "$BPFX_FS" && mkdir -p "$BPFX_FS"
"$BPFX" xdp "$out/xdp_firewall.o" --pcap "$out/firewall.pcap" --out "$out/passed.pcap" \
	pinmaps firewall
echo
echo "counters (bpfx map dump pinned firewall/proto_count, formatted through BTF):"
"$BPFX" -j map dump pinned firewall/proto_count |
	grep -oE '"formatted":\{"key":[0-9]+,"value":[0-9]+' | tr -dc '0-9,\n' | awk -F, '
	BEGIN { split("tcp udp icmp other-ip non-ip blocked echo-replied", name, " ") }
	{ printf "  %-14s %6d\n", name[$1 + 1], $2 }'
echo "blocklist (an LPM trie, seeded by the program):"
"$BPFX" -j map dump pinned firewall/blocklist |
	grep -oE '"formatted":\{"key":\{"prefixlen":[0-9]+,"addr":[0-9]+' | tr -dc '0-9,\n' |
	awk -F, '{ a = $2; printf "  %d.%d.%d.%d/%d\n", a % 256, int(a / 256) % 256,
		  int(a / 65536) % 256, int(a / 16777216), $1 }'

# 9. One program, every stage: what the verifier proved (its log, level 2:
#    the state after each instruction), what runs (xlated) and the x86-64
#    code the JIT made of it.
step "9. bpfx -d prog load $out/xdp_firewall.o firewall/prog; prog dump xlated|jited; prog show"
"$BPFX" -d prog load "$out/xdp_firewall.o" firewall/prog 2>"$out/verifier.log"
sed -n 's/^libbpfx: //; 1,8p' "$out/verifier.log"
echo "  ... ($(wc -l < "$out/verifier.log") lines in $out/verifier.log; its end:)"
sed 's/^libbpfx: //' "$out/verifier.log" | tail -n 3
echo
"$BPFX" prog dump xlated pinned firewall/prog | sed -n '1,8p'
echo "  ..."
echo
"$BPFX" prog dump jited pinned firewall/prog | sed -n '1,12p'
echo "  ..."
echo
"$BPFX" prog show pinned firewall/prog
