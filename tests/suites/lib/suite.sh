# What a shell suite needs first, sourced after `cd` to the repository:
# BUILD and BPFX, a temporary directory $tmp (removed on exit) holding the
# bpffs root BPFX_FS, sanitizer reports sent to files there (bpfx's
# stderr is often captured), the $pass/$fail/$skip counters, and
#   ok, bad WHAT          count a passed / failed step
#   check NAME GOT WANT   a step that passes when GOT equals WANT
BUILD=${BUILD:-build}
BPFX=$BUILD/bpfx
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BPFX_FS=$tmp/fs
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$tmp/san"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$tmp/san:print_stacktrace=1"
mkdir -p "$BPFX_FS"
pass=0 fail=0 skip=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*" >&2; }
check() {
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
