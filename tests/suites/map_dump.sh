#!/usr/bin/env bash
# The same objects in bpftool + the kernel and in the bpfx CLI, command
# for command: `prog loadall OBJ DIR pinmaps DIR`, every program run on
# the same inputs with `prog run`, then every map dumped in text, -j and
# -p. The outputs must be identical byte for byte - BTF-formatted values
# included. Without a kernel to ask (not root, no bpftool, no bpffs) the
# comparison is skipped, saying why; the bpfx side still has to work.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BPFX=$PWD/$BUILD/bpfx
tmp=$(mktemp -d)
kpin=/sys/fs/bpf/bpfx-map-dump-$$
trap 'rm -rf "$tmp" "$kpin"' EXIT
pass=0 fail=0 skip=0

if ! command -v clang >/dev/null; then
	echo "map_dump: clang is missing - skipping" >&2
	echo "map_dump: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
PATH=$PATH:/usr/sbin:/sbin
kernel=1 why=""
if [ "$(id -u)" != 0 ]; then
	kernel=0 why="not root"
elif ! command -v bpftool >/dev/null; then
	kernel=0 why="bpftool not found"
elif ! mount | grep -q ' /sys/fs/bpf type bpf' && ! mount -t bpf bpf /sys/fs/bpf 2>/dev/null; then
	kernel=0 why="cannot mount bpffs"
fi
[ "$kernel" = 0 ] && echo "map_dump: kernel comparison skipped: $why" >&2

export BPFX_FS=$tmp/bpffs
[ "$kernel" = 1 ] && mkdir -p "$kpin"
mkdir -p "$BPFX_FS"
. tests/suites/lib/bpf_objects.sh

# Inputs: an Ethernet + IPv4 + TCP 1234 -> 80 packet and one UDP to 53.
printf '\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\x45\0\0\x28\0\0\0\0\x40\x06\0\0\x0a\0\0\x01\x0a\0\0\x02\x04\xd2\0\x50\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' > "$tmp/tcp"
printf '\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\x45\0\0\x1c\0\0\0\0\x40\x11\0\0\x0a\0\0\x01\x0a\0\0\x02\x30\x39\0\x35\0\x08\0\0' > "$tmp/udp"

# run TOOL PIN: the program at PIN on every input that fits its type, on
# CPU 0 (the kernel runs a test on the caller's CPU, bpfx in the calling
# thread's slot, the first one), so per-CPU values land in the same place.
run() {
	local tool="taskset -c 0 $1" pin=$2
	# bpftool 7.1 can't run syscall programs (it always sends `repeat`,
	# which they refuse), so only their initial state is compared.
	if ! $tool prog show pinned "$pin" 2>/dev/null | grep -q ': syscall '; then
		$tool prog run pinned "$pin" data_in "$tmp/tcp" >/dev/null 2>&1
		$tool prog run pinned "$pin" data_in "$tmp/udp" >/dev/null 2>&1
		$tool prog run pinned "$pin" data_in "$tmp/tcp" repeat 3 >/dev/null 2>&1
	fi
}

# Entry order: a hash map lists its entries in bucket order, and the
# kernel seeds its hash randomly, so for hash maps the entries are
# compared as sets (each entry, its lines joined, sorted); array maps and
# everything inside an entry byte for byte.
entries() {
	awk 'BEGIN { RS = "(},{|\\n    },{\\n)" } { gsub(/\n/, "\001"); print }' "$1" |
		sed -e 's/^\[{//' -e 's/^\x01//' -e 's/\x01    }\x01\]\x01*$//' \
		    -e 's/}\]\x01*$//' | sort
}

same() {
	local what=$1 mine=$2 theirs=$3 hash=$4
	if [ "$hash" = 1 ]; then
		entries "$mine" > "$mine.sorted"
		entries "$theirs" > "$theirs.sorted"
		mine=$mine.sorted theirs=$theirs.sorted
	fi
	if cmp -s "$mine" "$theirs"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $what: bpfx and bpftool differ" >&2
		diff "$mine" "$theirs" | head -n 10 | cut -c 1-160 | sed 's/^/  /' >&2
	fi
}

for src in "${OBJECT_SOURCES[@]}"; do
	name=$(basename "$src" .c)
	name=${name%.bpf}
	if [ "$name" = tail_chain ]; then
		# Its hash of maps keeps slots only in the process that filled
		# them (docs/ARCHITECTURE.md), so across commands its inner map
		# cannot match; tests/suites/objects.sh compares it in-process.
		echo "map_dump: $name skipped: hash-of-maps slots do not cross processes" >&2
		skip=$((skip + 1))
		continue
	fi
	obj=$tmp/$name.o
	compile_bpf "$src" "$obj"
	case $? in
	0) ;;
	2) echo "map_dump: $src needs clang-19 - skipping it" >&2; skip=$((skip + 1)); continue ;;
	*) fail=$((fail + 1)); echo "map_dump: can't compile $src" >&2; continue ;;
	esac
	if ! "$BPFX" prog loadall "$obj" "$name" pinmaps "$name/maps"; then
		fail=$((fail + 1)); echo "FAIL bpfx prog loadall $name pinmaps" >&2; continue
	fi
	pass=$((pass + 1))
	for p in "$BPFX_FS/$name"/*; do
		[ -f "$p" ] && run "$BPFX" "$name/$(basename "$p")"
	done
	if [ "$kernel" = 1 ]; then
		bpftool prog loadall "$obj" "$kpin/$name" pinmaps "$kpin/$name/maps" ||
			{ fail=$((fail + 1)); echo "map_dump: bpftool can't load $obj" >&2; continue; }
		for p in "$kpin/$name"/*; do
			[ -f "$p" ] && run bpftool "$p"
		done
	fi
	for m in "$BPFX_FS/$name/maps"/*; do
		map=$(basename "$m")
		hash=0 show=$("$BPFX" map show pinned "$name/maps/$map")
		grep -q '^[0-9]*: [a-z_]*hash ' <<<"$show" && hash=1
		# Values that are object ids differ between two systems by design.
		grep -qE '^[0-9]+: (prog_array|array_of_maps|hash_of_maps) ' <<<"$show" && continue
		for mode in "" -j -p; do
			# Output is compared, not exit status: bpftool fails the dump
			# of a keyless map (a queue) after printing it, with codes of
			# its own.
			"$BPFX" $mode map dump pinned "$name/maps/$map" > "$tmp/mine" 2> "$tmp/err"
			if [ ! -s "$tmp/mine" ]; then
				fail=$((fail + 1)); echo "FAIL bpfx $mode map dump $name/$map: $(cat "$tmp/err")" >&2
				continue
			fi
			if [ "$kernel" = 1 ]; then
				bpftool $mode map dump pinned "$kpin/$name/maps/$map" > "$tmp/theirs" 2>/dev/null
				same "$name/$map dump ${mode:-text}" "$tmp/mine" "$tmp/theirs" "$hash"
			else
				pass=$((pass + 1)); skip=$((skip + 1))
			fi
		done
	done
done

if [ "$skip" -gt 0 ]; then
	echo "map_dump: $pass passed, $fail failed, $skip skipped"
else
	echo "map_dump: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
