#!/usr/bin/env bash
# Differential tests of LPM tries, queues, stacks, bloom filters and the
# batch commands against the running kernel (tests/tools/kdiff_mapsq.c),
# through bpf() on both sides. Skips when bpf() is not usable here. Runs
# like maps_kernel.sh (which sets BPFX_SLOTS for the per-CPU maps).
cd "$(dirname "$0")/../.."
KDIFF_TOOL=kdiff_mapsq exec bash tests/suites/maps_kernel.sh "$@"
