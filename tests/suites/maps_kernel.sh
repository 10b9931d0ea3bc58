#!/usr/bin/env bash
# Differential tests of the hash maps against the running kernel
# (tests/tools/kdiff_maps.c): the same operation sequences on a kernel map
# and a bpfx map must give the same results. Skips when bpf() is not
# usable here. Extra arguments go to kdiff_maps (--count N, --seed S).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$BUILD/tests/${KDIFF_TOOL:-kdiff_maps}
if [ ! -x "$bin" ]; then
	echo "maps_kernel: $bin is not built (make tests)" >&2
	echo "maps_kernel: 0 passed, 1 failed"
	exit 1
fi
# Per-CPU maps hold one value per possible CPU in the kernel: give bpfx as
# many slots (unless the caller chose).
if [ -z "${BPFX_SLOTS:-}" ] && [ -r /sys/devices/system/cpu/possible ]; then
	n=0
	IFS=, read -ra ranges < /sys/devices/system/cpu/possible
	for r in "${ranges[@]}"; do
		lo=${r%-*} hi=${r#*-}
		n=$((n + hi - lo + 1))
	done
	export BPFX_SLOTS=$n
fi
exec "$bin" "$@"
