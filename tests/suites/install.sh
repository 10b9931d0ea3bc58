#!/usr/bin/env bash
# `make install` into a scratch prefix, then build examples/embed.c against
# the installed headers and libraries through pkg-config, statically and
# shared, and run both.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $*" >&2; fi; }

if ! command -v pkg-config >/dev/null; then
	echo "install: pkg-config is missing (scripts/deps.sh installs it)" >&2
	echo "install: 0 passed, 1 failed"
	exit 1
fi
san=""
[ -n "${SANFLAGS:-}" ] && san="SANITIZE=1"
check make --no-print-directory -s install $san BUILD="$BUILD" PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig
check test -x "$tmp/prefix/bin/bpfx"
check test -f "$tmp/prefix/include/bpfx/bpfx.h"
sanflags=${SANFLAGS:-}   # from the Makefile: the library's sanitizer flags
# shellcheck disable=SC2046
check cc -Wall -Wextra -Werror $sanflags examples/embed.c $(pkg-config --cflags bpfx) \
	"$tmp/prefix/lib/libbpfx.a" -lelf -lpthread -o "$tmp/embed_static"
# shellcheck disable=SC2046
check cc -Wall -Wextra -Werror $sanflags examples/embed.c $(pkg-config --cflags --libs bpfx) \
	-Wl,-rpath,"$tmp/prefix/lib" -o "$tmp/embed_shared"
for v in static shared; do
	out=$("$tmp/embed_$v" 2>&1)
	check test "$out" = "sum of bytes x 10 = 150"
done
check test "$("$tmp/prefix/bin/bpfx" version)" = "bpfx v$(sed -n 's/^Version: //p' "$PKG_CONFIG_PATH/bpfx.pc")"

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
