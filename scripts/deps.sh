#!/usr/bin/env bash
# Installs the Debian packages bpfx needs to build, test, run its demo and
# benchmarks - only those missing, non-interactively. Called by `make test`,
# `make demo`, `make bench` and .ci/run, so one command sets up a fresh
# machine. Without root, it names what is missing and how to install it.
#
#   gcc, make, libc6-dev  the build
#   linux-libc-dev        <linux/bpf.h>: the ABI bpfx implements
#   libelf-dev            reading clang's eBPF object files
#   libpcap-dev           the CLI's packet runs read and write capture files
#   clang, llvm           compiling example and benchmark programs to eBPF
#                         (llvm-objcopy extracts their instructions)
#   bpftool, libbpf-dev   tests compare bpfx with the kernel's own tools
#   pkgconf               tests build an embedding example through bpfx.pc
#   strace                the trace tests compare execve counts with strace -f
#   libcapstone-dev       the CLI disassembles JIT code (prog dump jited)
#   iproute2, iputils-ping  the live-interface tests make namespaces and veths, ping
#   libclang-rt-N-dev     libFuzzer for `make fuzz` (N: the major version of
#                         the default clang, once clang is installed)
set -euo pipefail

packages=(gcc make libc6-dev linux-libc-dev libelf-dev libpcap-dev clang llvm bpftool libbpf-dev pkgconf strace
	  libcapstone-dev)
# the live-interface tests (tests/suites/live.sh): namespaces, veths, ping
packages+=(iproute2 iputils-ping)
# clang's runtime libraries (libFuzzer) come in a package named after its
# major version; known only when clang itself is there.
if command -v clang >/dev/null; then
	clang_major=$(clang -dumpversion | cut -d. -f1)
	apt-cache show "libclang-rt-$clang_major-dev" >/dev/null 2>&1 &&
		packages+=("libclang-rt-$clang_major-dev")
fi
missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "bpfx needs these Debian packages: ${missing[*]}" >&2
	echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "Installing missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
