#!/usr/bin/env bash
# One map, three processes: the first bpfx command loads an object and
# pins its program and map; a second runs the pinned program a few million
# times (atomic counters in the map); while it runs, a third updates
# another key of the same map again and again. Afterwards a fourth sees
# both: the exact count of the runs and the third's value. Each command is
# its own process, sharing nothing but the pins.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BPFX=$PWD/$BUILD/bpfx
tmp=$(mktemp -d)
trap 'kill "${runner:-}" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0

. tests/suites/lib/check.sh

if ! command -v clang >/dev/null; then
	echo "shared_pins: clang is missing - skipping" >&2
	echo "shared_pins: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
. tests/suites/lib/bpf_objects.sh
export BPFX_FS=$tmp/bpffs
mkdir -p "$BPFX_FS"
compile_bpf tests/object_progs/xdp_atomic_stats.bpf.c "$tmp/stats.o"
check $? "compile xdp_atomic_stats"

# 1: load and pin.
"$BPFX" prog loadall "$tmp/stats.o" progs pinmaps maps
check $? "process 1: prog loadall ... pinmaps"

# 2: run the pinned program RUNS times on an IPv4 frame (EtherType 0x0800).
RUNS=3000000
printf '\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\x45\0\0\x28\0\0\0\0\x40\x06\0\0\x0a\0\0\x01\x0a\0\0\x02\x04\xd2\0\x50\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' > "$tmp/pkt"
"$BPFX" prog run pinned progs/atomic_stats data_in "$tmp/pkt" repeat "$RUNS" > "$tmp/run.out" &
runner=$!

# 3: meanwhile, write key 0x1234 (struct stats: packets = i, the rest 0).
overlapped=0
for i in $(seq 1 20); do
	"$BPFX" map update pinned maps/per_ethertype key 0x34 0x12 \
		value "$i" 0 0 0 0 0 0 0 $(printf '0 %.0s' $(seq 1 32)) ||
		{ check 1 "process 3: update $i"; break; }
	kill -0 "$runner" 2>/dev/null && overlapped=$((overlapped + 1))
done
check $((overlapped == 0)) "process 3 updated the map while process 2 ran ($overlapped of 20 updates overlapped)"
wait "$runner"
check $? "process 2: prog run repeat $RUNS"
grep -q "Return value: 2" "$tmp/run.out"
check $? "process 2: XDP_PASS ($(cat "$tmp/run.out"))"

# 4: one map: the runs' exact count and process 3's last value.
out=$("$BPFX" -j map dump pinned maps/per_ethertype)
grep -q "\"key\":2048,\"value\":{\"packets\":$RUNS," <<<"$out"
check $? "all $RUNS runs counted exactly: $out"
grep -q '"key":4660,"value":{"packets":20,' <<<"$out"
check $? "process 3's last update seen: $out"

echo "shared_pins: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
