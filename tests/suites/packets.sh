#!/usr/bin/env bash
# Packet hooks end to end: the packet helpers of tests/packet_progs/ run
# in bpfx and in the kernel through BPF_PROG_TEST_RUN on the same packets
# (tests/tools/pktdiff), then the pcap runner (`bpfx xdp|tc|socket`) over a
# generated pcap, compared packet by packet and map by map with the
# kernel's test_run of the same program (tests/tools/pcapdiff), and the
# runner's errors.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
out=$BUILD/tests/packets
mkdir -p "$out"
pass=0 fail=0 skip=0
if ! command -v clang >/dev/null; then
	echo "packets: clang is missing - skipping" >&2
	echo "packets: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

# Adds the counts of a closing line "name: N passed, M failed[, K skipped]".
add_counts() {
	local line=$1 p f s
	p=$(sed -nE 's/.*: ([0-9]+) passed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
	s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	if [ -z "$p" ]; then
		echo "packets: no result from: $2" >&2
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

compile() {
	clang -O2 -g -target bpf -I"$arch_inc" -Itests/elf_progs -c "$1" -o "$2"
}

for src in tests/packet_progs/*.bpf.c; do
	obj=$out/$(basename "$src" .c).o
	if ! compile "$src" "$obj"; then
		echo "packets: can't compile $src" >&2
		fail=$((fail + 1))
		continue
	fi
	add_counts "$("$BUILD/tests/pktdiff" "$obj" | tail -n 1)" "pktdiff $obj"
done

# ---- the pcap runner against the kernel ----
pcap=$out/mix.pcap
"$BUILD/examples/gen_pcap" "$pcap" 1000
export BPFX_FS=$PWD/$out/bpffs
rm -rf "$BPFX_FS"; mkdir -p "$BPFX_FS"
# Per-CPU maps hold one value per slot; the kernel has one per possible CPU.
possible=$(cat /sys/devices/system/cpu/possible 2>/dev/null || echo 0)
export BPFX_SLOTS=$(( ${possible##*-} + 1 ))
compile examples/xdp_firewall.bpf.c "$out/xdp_firewall.o" || fail=$((fail + 1))
for src in tests/elf_progs/xdp_parser.c tests/elf_progs/tc_classifier.c \
	   tests/elf_progs/socket_filter.c; do
	compile "$src" "$out/$(basename "$src" .c).o" || fail=$((fail + 1))
done

# pcap_case NAME KIND OBJ PROG [--threads N]: runs the CLI, then pcapdiff.
pcap_case() {
	local name=$1 kind=$2 obj=$3 prog=$4; shift 4
	local json=$out/$name.json res=$out/$name.out.pcap
	if ! "$BUILD/bpfx" -j "$kind" "$obj" prog "$prog" --pcap "$pcap" --out "$res" \
			pinmaps "$name" "$@" >"$json"; then
		echo "packets: bpfx $kind $obj prog $prog failed" >&2
		fail=$((fail + 1))
		return
	fi
	# --threads adds the rate; the counts before it are what pcapdiff checks.
	sed -i -E 's/,"threads":.*$/}/' "$json"
	add_counts "$("$BUILD/tests/pcapdiff" "$kind" "$obj" "$prog" "$pcap" "$res" "$json" \
		"$name" | tail -n 1)" "pcapdiff $name"
}
pcap_case firewall xdp "$out/xdp_firewall.o" xdp_firewall
pcap_case firewall_mt xdp "$out/xdp_firewall.o" xdp_firewall --threads 2
pcap_case parser xdp "$out/xdp_parser.o" xdp_filter
pcap_case classifier tc "$out/tc_classifier.o" tc_mark
pcap_case socket socket "$out/socket_filter.o" port_filter
pcap_case socket_keep socket "$out/sk_keep.bpf.o" sk_keep

# The text table: one line per verdict.
table=$("$BUILD/bpfx" xdp "$out/xdp_firewall.o" --pcap "$pcap")
if grep -qE '^packets +1000$' <<<"$table" && grep -qE '^XDP_TX +[1-9]' <<<"$table"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); echo "packets: unexpected table: $table" >&2
fi

# ---- bad input: one "Error:" line on stderr, exit code 1 ----
printf 'not a capture file at all' >"$out/garbage.pcap"
head -c 500 "$pcap" >"$out/cut.pcap"
# A pcap of raw IP frames (link type 101), not Ethernet.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x65\0\0\0' >"$out/raw.pcap"
bad_case() {
	local what=$1; shift
	local err rc
	err=$("$BUILD/bpfx" "$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" -eq 1 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && [[ $err == Error:* ]]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "packets: $what: exit $rc, stderr: $err" >&2
	fi
}
fw=$out/xdp_firewall.o
bad_case "missing pcap" xdp "$fw" --pcap "$out/nope.pcap"
bad_case "garbage pcap" xdp "$fw" --pcap "$out/garbage.pcap"
bad_case "truncated pcap" xdp "$fw" --pcap "$out/cut.pcap"
bad_case "not Ethernet" xdp "$fw" --pcap "$out/raw.pcap"
bad_case "unknown program" xdp "$fw" prog nosuch --pcap "$pcap"
bad_case "wrong program type" xdp "$out/tc_classifier.o" prog tc_mark --pcap "$pcap"
bad_case "no program of the kind" tc "$fw" --pcap "$pcap"
bad_case "missing object" xdp "$out/nope.o" --pcap "$pcap"
bad_case "no --pcap" xdp "$fw"
bad_case "bad --threads" xdp "$fw" --pcap "$pcap" --threads 0
bad_case "unwritable --out" xdp "$fw" --pcap "$pcap" --out /nonexistent/dir/x.pcap

if [ "$skip" -gt 0 ]; then
	echo "packets: $pass passed, $fail failed, $skip skipped"
else
	echo "packets: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
