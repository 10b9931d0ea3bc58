#!/usr/bin/env bash
# `bpfx trace` prints the records programs send through ringbuf and perf
# event array maps while the command runs: the execsnoop example's records
# name exactly the execve calls strace -f sees (filenames, in any order:
# children run at once), as hex, formatted through BTF (`format event`)
# and as JSON (-j); the last records are printed before bpfx exits;
# `quiet` prints none; perf samples arrive one per execve; bpf_printk
# lines come from the trace pipe, naming the traced task; a format type
# the object lacks is a clear error.
set -u
cd "$(dirname "$0")/../.."
# shellcheck source=lib/suite.sh
source tests/suites/lib/suite.sh

for tool in clang strace; do
	if ! command -v $tool >/dev/null || ! grep -q '^Seccomp:' /proc/self/status; then
		echo "trace_events: $tool or seccomp is missing - skipping" >&2
		echo "trace_events: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done
arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
for src in examples/execsnoop.bpf.c tests/trace_progs/perf_execve.bpf.c \
	   tests/trace_progs/printk_execve.bpf.c; do
	clang -O2 -g -target bpf -I"$arch_inc" -c "$src" -o "$tmp/$(basename "$src" .c).o" ||
		bad "can't compile $src"
done
snoop=$tmp/execsnoop.bpf.o

cat >"$tmp/script.sh" <<'SCRIPT'
ls / >/dev/null
/bin/true | cat >/dev/null
sh -c 'uname >/dev/null; /nonexistent/cmd 2>/dev/null; exit 0'
for i in 1 2 3; do /bin/true & done; wait
date >/dev/null
SCRIPT
strace -f -qq -e trace=execve -o "$tmp/strace" sh "$tmp/script.sh" >/dev/null 2>&1
sed -nE 's/.*execve\("([^"]*)".*/\1/p' "$tmp/strace" | sort >"$tmp/want"
want_n=$(wc -l <"$tmp/want")

# format event: one line per record, "events: {...,"filename":"..."}"
"$BPFX" trace "$snoop" format event -- sh "$tmp/script.sh" >"$tmp/out" 2>"$tmp/err"
check "exit status with format event" "$?" 0
sed -nE 's/^events: \{.*"filename":"([^"]*)"\}$/\1/p' "$tmp/out" | sort >"$tmp/got"
check "execsnoop saw strace's $want_n execve calls (filenames)" "$(cat "$tmp/got")" "$(cat "$tmp/want")"
pids=$(sed -nE 's/^events: \{"pid":([0-9]+),"tid":([0-9]+),"comm":"[^"]*".*/\1 \2/p' "$tmp/out" |
       awk '$1 != $2 || $1 == 0 { bad++ } END { print bad + 0 }')
check "every record: pid = tid (single-threaded processes), not 0" "$pids" 0
grep -q '"comm":"bpfx","filename":"/usr/bin/sh"\|"filename":"/bin/sh"' "$tmp/out"
check "the first exec is the traced command's own" "$?" 0

# hex (no format): a header line per record, 152 bytes each
"$BPFX" trace "$snoop" -- sh "$tmp/script.sh" >"$tmp/out" 2>"$tmp/err"
check "hex records" "$(grep -c '^events: 152 bytes$' "$tmp/out")" "$want_n"

# -j: one JSON object per record
"$BPFX" -j trace "$snoop" format event -- sh "$tmp/script.sh" >"$tmp/out" 2>"$tmp/err"
check "-j records" "$(grep -c '^{"map":"events","size":152,"formatted":{"pid":' "$tmp/out")" "$want_n"

# The last record comes just before the command ends: still printed.
"$BPFX" trace "$snoop" format event -- sh -c 'exec /bin/true' >"$tmp/out" 2>"$tmp/err"
check "the last exec's record before exit" "$(grep -c '"filename":"/bin/true"' "$tmp/out")" 1

# quiet: nothing printed; the records stay for a consumer of the pin.
"$BPFX" trace "$snoop" quiet pinmaps q -- sh "$tmp/script.sh" >"$tmp/out" 2>"$tmp/err"
check "quiet prints nothing" "$(wc -c <"$tmp/out")" 0
"$BPFX" ringbuf pinned q/events count "$want_n" >"$tmp/out" 2>"$tmp/err"
check "quiet: the pinned ring holds every record" "$(grep -c '^record' "$tmp/out")" "$want_n"

# perf event array: one sample per execve, in sequence
"$BPFX" trace "$tmp/perf_execve.bpf.o" format sample -- sh "$tmp/script.sh" >"$tmp/out" 2>"$tmp/err"
seqs=$(sed -nE 's/^samples: \{"pid":[0-9]+,"seq":([0-9]+)\}$/\1/p' "$tmp/out" | sort -n | tr '\n' ' ')
check "perf samples: one per execve, seq 0..n-1" "$seqs" "$(seq 0 $((want_n - 1)) | tr '\n' ' ')"

# bpf_printk: the trace pipe's lines, in the kernel's format, naming the
# traced task (COMM-TID) that made the system call.
"$BPFX" trace "$tmp/printk_execve.bpf.o" -- sh "$tmp/script.sh" >"$tmp/out" 2>"$tmp/err"
lines=$(grep -cE '^ *[^ ]+-([0-9]+) +\[[0-9]{3}\] \.{5} +[0-9]+\.[0-9]{6}: bpf_trace_printk: execve by [0-9]+$' "$tmp/out")
check "trace_printk lines, one per execve" "$lines" "$want_n"
same=$(sed -nE 's/^ *[^ ]+-([0-9]+) .*execve by ([0-9]+)$/\1 \2/p' "$tmp/out" | awk '$1 != $2' | wc -l)
check "each line names the traced task" "$same" 0

# Errors: a type the object does not have; format without a type.
"$BPFX" trace "$snoop" format nosuch -- /bin/true >"$tmp/out" 2>"$tmp/err"
rc=$?
grep -q '^Error: format nosuch: no such struct' "$tmp/err"
check "format of a missing type: exit 1, clear error ($(cat "$tmp/err"))" "$rc/$?" "1/0"
"$BPFX" trace "$snoop" format >"$tmp/out" 2>"$tmp/err"
check "format without a type: usage error" "$?" 2

if ls "$tmp"/san.* >/dev/null 2>&1; then
	bad "sanitizer reports:"; head -40 "$tmp"/san.* >&2
fi
echo "trace_events: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
