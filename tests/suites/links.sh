#!/usr/bin/env bash
# Link pins across processes, and bpftool's view of links: one process
# (tests/tools/link_make) links a cgroup_skb program to a cgroup v2
# directory and pins the link; separate `bpfx link` processes show it,
# pin it again, detach it (which the pin records) and refuse bad LINKs.
# The same link made in the kernel and shown by bpftool must print the
# same text and JSON, ids aside.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BPFX=$PWD/$BUILD/bpfx
MAKE_LINK=$PWD/$BUILD/tests/link_make
tmp=$(mktemp -d)
cg=
kpin=
cleanup() {
	[ -n "$kpin" ] && rm -f "$kpin"
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0 skip=0

. tests/suites/lib/check.sh

root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ -z "$root" ] || ! mkdir "$root/bpfx-links-$$" 2>/dev/null; then
	echo "links: no writable cgroup v2 mount - skipping" >&2
	echo "links: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
cg=$root/bpfx-links-$$
cgid=$(stat -c %i "$cg")
export BPFX_FS=$tmp/bpffs
mkdir -p "$BPFX_FS"

"$MAKE_LINK" bpfx "$cg" cglink
check $? "link_make: a pinned cgroup link"

out=$("$BPFX" link show pinned cglink)
check $? "link show pinned"
# Ids come from the bpffs root's counters: each process that opens the pin
# gives the link and its program new ones, never one seen before.
link_id=$(sed -nE '1s/^([0-9]+): .*/\1/p' <<<"$out")
prog_id=$(sed -nE '1s/.*  prog ([0-9]+)  $/\1/p' <<<"$out")
want=$(printf '%s: cgroup  prog %s  \n\tcgroup_id %s  attach_type cgroup_inet_ingress  ' \
	"$link_id" "$prog_id" "$cgid")
[ -n "$link_id" ] && [ -n "$prog_id" ] && [ "$out" = "$want" ]
check $? "link show: [$out]"
out=$("$BPFX" -j link show pinned cglink)
grep -qxE "\\{\"id\":[0-9]+,\"type\":\"cgroup\",\"prog_id\":[0-9]+,\"cgroup_id\":$cgid,\"attach_type\":\"cgroup_inet_ingress\"\\}" <<<"$out"
check $? "link show -j: $out"
out2=$("$BPFX" link show pinned cglink | sed -nE '1s/^([0-9]+): .*/\1/p')
[ -n "$out2" ] && [ "$out2" != "$link_id" ]
check $? "ids are unique within the bpffs root: two processes, two ids ($link_id, $out2)"

"$BPFX" link pin pinned cglink again && [ -f "$BPFX_FS/again" ]
check $? "link pin LINK FILE"
"$BPFX" link show pinned again | grep -q "cgroup_id $cgid "
check $? "the second pin names the same attachment"
"$BPFX" link pin pinned cglink again 2>"$tmp/err"
[ $? = 1 ] && grep -q '^Error: .*File exists' "$tmp/err"
check $? "pinning over a pin: $(cat "$tmp/err")"

"$BPFX" link detach pinned cglink
check $? "link detach"
"$BPFX" link show pinned cglink | grep -q "cgroup_id 0 "
check $? "a detached link stays detached for the next process"
"$BPFX" link show pinned again | grep -q "cgroup_id $cgid "
check $? "the other pin is another link, still attached"

"$BPFX" link show pinned nothing 2>"$tmp/err"
[ $? = 1 ] && grep -q '^Error: can.t open pinned link' "$tmp/err"
check $? "missing pin: $(cat "$tmp/err")"
"$BPFX" link show id 1 2>"$tmp/err"
[ $? = 1 ] && grep -q '^Error: ' "$tmp/err"
check $? "ids do not outlive a process: $(cat "$tmp/err")"
"$BPFX" -j link show | grep -qx '\[\]'
check $? "link list: no links of its own"
"$BPFX" link frob 2>"$tmp/err"
[ $? = 1 ] && grep -q '^Error: unknown link command' "$tmp/err"
check $? "unknown subcommand"
printf 'garbage' > "$BPFX_FS/junk"
"$BPFX" link show pinned junk 2>"$tmp/err"
[ $? = 1 ] && grep -q '^Error: ' "$tmp/err"
check $? "a file that is no pin: $(cat "$tmp/err")"

# The kernel's link, through bpftool: the same output, ids aside.
bpffs=$(awk '$3 == "bpf" { print $2; exit }' /proc/self/mounts)
if ! command -v bpftool >/dev/null || [ -z "$bpffs" ] ||
	! "$MAKE_LINK" kernel "$cg" "$bpffs/bpfx-links-$$" 2>"$tmp/err"; then
	echo "links: no kernel links here (bpftool, bpffs or bpf() missing: $(cat "$tmp/err")) - skipping the comparison" >&2
	skip=$((skip + 1))
else
	kpin=$bpffs/bpfx-links-$$
	norm() { sed -E 's/^[0-9]+: /ID: /; s/prog [0-9]+/prog P/; s/"id":[0-9]+/"id":I/; s/"prog_id":[0-9]+/"prog_id":P/'; }
	"$BPFX" link show pinned again | norm > "$tmp/mine"
	bpftool link show pinned "$kpin" | norm > "$tmp/theirs"
	cmp -s "$tmp/mine" "$tmp/theirs"
	check $? "text as bpftool's: $(cat "$tmp/mine") vs $(cat "$tmp/theirs")"
	"$BPFX" -j link show pinned again | norm > "$tmp/mine"
	bpftool -j link show pinned "$kpin" | norm > "$tmp/theirs"
	cmp -s "$tmp/mine" "$tmp/theirs"
	check $? "JSON as bpftool's: $(cat "$tmp/mine") vs $(cat "$tmp/theirs")"
	bpftool link detach pinned "$kpin" && "$BPFX" link detach pinned again
	"$BPFX" link show pinned again | norm > "$tmp/mine"
	bpftool link show pinned "$kpin" | norm > "$tmp/theirs"
	cmp -s "$tmp/mine" "$tmp/theirs"
	check $? "detached, as bpftool shows it: $(cat "$tmp/mine") vs $(cat "$tmp/theirs")"
fi

echo "links: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
