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

if [ "$skip" -gt 0 ]; then
	echo "packets: $pass passed, $fail failed, $skip skipped"
else
	echo "packets: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
