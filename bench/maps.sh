#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/maps.sh -- the map benchmark (bench/maps.c), called by bench/run.sh:
# hash/array lookups from a program and from user space, bpfx and the
# kernel side by side, 1 vs 2 threads, and the issue #4 map targets.
# Usage: BUILD=build bench/maps.sh (after the library is built).
# Knob: BENCH_MAP_ROUNDS=5.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD/bench"
gcc -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror \
	-Iinclude bench/maps.c -o "$BUILD/bench/maps_bench" "$BUILD/libbpfx.a" -lpthread
exec "$BUILD/bench/maps_bench" --rounds "${BENCH_MAP_ROUNDS:-5}"
