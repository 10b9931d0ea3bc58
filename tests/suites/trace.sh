#!/usr/bin/env bash
# bpfx trace end to end: the execve counter counts what strace -f counts;
# traced commands keep their exit status, stdin/stdout and signals; the
# task helpers describe the traced task (pid, tgid, uid/gid, comm, memory
# through bpf_probe_read_user_str); sys_exit, raw_syscalls and raw_tp
# contexts; bpf_send_signal; a faulting program does not stop the tracee;
# -p attaches and Ctrl-C detaches, leaving the process running.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BPFX=$BUILD/bpfx
tmp=$(mktemp -d)
bg_pids=()
cleanup() {
	for p in "${bg_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ -n "${cgdir:-}" ] && rmdir "$cgdir/sub" "$cgdir" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export BPFX_FS=$tmp/fs
# Sanitizer builds: reports go to files, checked at the end (stderr of
# bpfx is often captured or discarded here).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$tmp/san"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$tmp/san:print_stacktrace=1"
mkdir -p "$BPFX_FS"
pass=0 fail=0 skip=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*" >&2; }
check() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}

for tool in clang strace; do
	if ! command -v $tool >/dev/null; then
		echo "trace: $tool is missing - skipping" >&2
		echo "trace: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done
if ! grep -q '^Seccomp:' /proc/self/status; then
	echo "trace: the kernel has no seccomp filters - skipping" >&2
	echo "trace: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
objs=$BUILD/tests/trace
mkdir -p "$objs"
for src in examples/execve_counter.bpf.c tests/trace_progs/*.bpf.c; do
	if ! clang -O2 -g -target bpf -I"$arch_inc" -c "$src" -o "$objs/$(basename "$src" .c).o"; then
		bad "can't compile $src"
	fi
done
counter=$objs/execve_counter.bpf.o

# The little-endian u64 in a map slot, as a decimal number.
slot() { # PIN KEY
	local v
	v=$("$BPFX" map lookup pinned "$1" key "$2" 0 0 0 | sed 's/.*value: //') || return 1
	read -ra b <<<"$v"
	printf '%d' "0x${b[7]}${b[6]}${b[5]}${b[4]}${b[3]}${b[2]}${b[1]}${b[0]}"
}
# The NUL-terminated string in a map value.
str() { # PIN KEY
	local v out=""
	v=$("$BPFX" map lookup pinned "$1" key "$2" 0 0 0 | sed 's/.*value: //')
	for h in $v; do
		[ "$h" = 00 ] && break
		out+=$(printf "\\x$h")
	done
	printf '%s' "$out"
}

# ---- the execve counter against strace -f ----
cat >"$tmp/script.sh" <<'EOF'
echo start
ls / >/dev/null
/bin/true | cat >/dev/null
x=$(date +%s)
( /bin/echo sub >/dev/null )
sh -c 'uname >/dev/null; /nonexistent/cmd 2>/dev/null; exit 0'
for i in 1 2 3; do /bin/true & done; wait
echo end
EOF
n=0
# A parent that ends before its child: the child is still followed.
echo '(sleep 0.2; /bin/true) & exit 0' >"$tmp/orphan.sh"
for cmd in "sh $tmp/script.sh" "sh $tmp/orphan.sh" "/bin/true" "sh -c /nonexistent/x" "env true"; do
	n=$((n + 1))
	rm -rf "$BPFX_FS/c$n"
	# shellcheck disable=SC2086 # word-split on purpose
	"$BPFX" trace "$counter" pinmaps "c$n" -- $cmd >"$tmp/out" 2>"$tmp/err"
	got=$(slot "c$n/exec_count_map" 0)
	# shellcheck disable=SC2086
	strace -f -qq -e trace=execve -o "$tmp/strace" $cmd >/dev/null 2>&1
	want=$(grep -c 'execve(' "$tmp/strace")
	check "execve count of '$cmd' (strace says $want)" "$got" "$want"
done
"$BPFX" trace "$counter" -- sh "$tmp/script.sh" >"$tmp/out"
check "stdout of the script" "$(tr '\n' ' ' <"$tmp/out")" "start end "

# ---- exit status, stdin/stdout, signals ----
"$BPFX" trace "$counter" -- sh -c 'exit 7'
check "exit status" "$?" 7
# The exit code a child shell sees (bash would report the death itself).
status_of() { sh -c '"$@" 2>/dev/null; echo $?' sh "$@" 2>/dev/null; }
check "death by SIGTERM" "$(status_of "$BPFX" trace "$counter" -- sh -c 'kill -TERM $$')" 143
check "death by SIGKILL" "$(status_of "$BPFX" trace "$counter" -- sh -c 'kill -KILL $$')" 137
got=$(printf 'line1\nline2\n' | "$BPFX" trace "$counter" -- sh -c 'cat; echo out')
check "stdin and stdout pass through" "$(echo $got)" "line1 line2 out"
got=$("$BPFX" trace "$counter" -- sh -c 'trap "echo caught" USR1; kill -USR1 $$; echo after')
check "a handled signal reaches its handler" "$(echo $got)" "caught after"
got=$("$BPFX" trace "$counter" -- sh -c 'sleep 5 & p=$!; kill -STOP $p; sleep 0.1;
	grep -q "^State:.*[tT]" /proc/$p/status && echo stopped; kill -CONT $p; kill $p; wait $p; echo $?' 2>/dev/null)
check "job control: a stopped child stays stopped, then dies of SIGTERM" "$(echo $got)" "stopped 143"
"$BPFX" trace "$counter" -- /nonexistent/cmd 2>"$tmp/err"
rc=$?
check "a command that does not exist" "$rc:$(grep -c 'Error: can.t start /nonexistent/cmd' "$tmp/err")" "1:1"

# ---- task helpers and probe_read_user_str ----
probe=$objs/task_probe.bpf.o
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	"$BPFX" trace "$probe" pinmaps t1 -- sh -c 'echo $$ >'"$tmp/pid"'; exec setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true'
	pid=$(cat "$tmp/pid")
	check "pid_tgid of the last execve" "$(slot t1/vals 0)" $(((pid << 32) | pid))
	check "uid_gid after setpriv" "$(slot t1/vals 1)" $(((65534 << 32) | 65534))
	check "execve's filename by probe_read_user_str" "$(str t1/strs 0)" "/bin/true"
	check "probe_read_user_str returns the length with the NUL" "$(slot t1/vals 2)" 10
	check "comm of the task" "$(str t1/strs 1)" "setpriv"
	check "__syscall_nr" "$(slot t1/vals 4)" 59
else
	skip=$((skip + 1)); echo "trace: setpriv missing or not root: uid/gid test skipped" >&2
fi
"$BPFX" trace "$probe" pinmaps t2 -- sh -c 'echo $$ >'"$tmp/pid"'; exec /bin/true'
pid=$(cat "$tmp/pid")
check "pid_tgid of sh's exec" "$(slot t2/vals 0)" $(((pid << 32) | pid))
check "uid_gid of the traced task" "$(slot t2/vals 1)" $((($(id -g) << 32) | $(id -u)))
check "comm of sh" "$(str t2/strs 1)" "sh"
check "filename" "$(str t2/strs 0)" "/bin/true"

# ---- sys_exit, raw_syscalls, raw_tp ----
"$BPFX" trace "$objs/raw_exit.bpf.o" pinmaps r1 -- sh -c 'echo $$ >'"$tmp/pid"'; /nonexistent/x 2>/dev/null; exec /bin/true'
check "sys_exit_execve runs at each execve exit" "$(slot r1/cnt 0)" 3
check "failed execve: ret < 0 once" "$(slot r1/cnt 1)" 1
check "sys_exit ret of the last execve" "$(slot r1/cnt 2)" 0
check "sys_exit __syscall_nr" "$(slot r1/cnt 7)" 59
check "raw_syscalls/sys_enter sees 3 execve" "$(slot r1/cnt 3)" 3
check "raw_tp/sys_enter sees 3 execve" "$(slot r1/cnt 4)" 3
check "raw_tp pt_regs di is execve's first argument" "$(slot r1/cnt 5)" 3
check "raw_syscalls args[1] (argv) non-NULL" "$(slot r1/cnt 6)" 3

# ---- the same programs in the kernel (tests/tools/ktrace) ----
# One process that execs four times (one execve fails): the kernel's
# programs filter on its pid (.rodata target_tgid), bpfx's see only it.
# The maps must be identical, byte for byte, but for the pid and a stack
# address (vals keys 0 and 5), which differ between any two runs.
kcmd=(/bin/sh -c 'exec /usr/bin/env PATH=/nonexistent:/bin true')
# In a cgroup two levels down when cgroup v2 allows it, so that the cgroup
# ids (bpf_get_current_cgroup_id, ancestors) are not just the root's.
cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cgdir=${cg2:+$cg2/bpfx-trace-$$}
if [ -n "$cgdir" ] && mkdir -p "$cgdir/sub" 2>/dev/null; then
	kcmd=(/bin/sh -c "echo \$\$ >$cgdir/sub/cgroup.procs && exec /usr/bin/env PATH=/nonexistent:/bin true")
else
	cgdir=""
fi
mask() { awk '/^map /{m=$2} !(m=="vals" && $1=="key:" && ($2=="00"||$2=="05"))'; }
. tests/suites/lib/raw_dump.sh
kdiff() { # OBJ MAPS
	local obj=$1 maps=$2 kout
	kout=$("$BUILD/tests/ktrace" "$obj" "$maps" -- "${kcmd[@]}" 2>"$tmp/kerr")
	case $kout in
	skip:*) skip=$((skip + 1)); echo "trace: kernel comparison skipped: ${kout#skip: }" >&2; return;;
	esac
	if [ -z "$kout" ]; then bad "ktrace $obj: $(head -c 300 "$tmp/kerr")"; return; fi
	rm -rf "$BPFX_FS/kd"
	"$BPFX" trace "$obj" pinmaps kd -- "${kcmd[@]}"
	local bout="" m
	for m in ${maps//,/ }; do
		bout+="map $m"$'\n'"$(raw_dump "kd/$m")"$'\n'
	done
	if [ "$(mask <<<"$kout")" = "$(mask <<<"$bout")" ]; then ok; else
		bad "$obj: maps differ from the kernel's"
		diff <(mask <<<"$kout") <(mask <<<"$bout") | head -20 >&2
	fi
}
kdiff "$probe" vals,strs
kdiff "$objs/raw_exit.bpf.o" cnt
if [ -n "$cgdir" ]; then
	"$BPFX" trace "$probe" pinmaps kc -- "${kcmd[@]}"
	check "the cgroup id is the sub-cgroup's inode" "$(slot kc/vals 8)" "$(stat -c %i "$cgdir/sub")"
	check "ancestor 1 is the test's cgroup" "$(slot kc/vals 10)" "$(stat -c %i "$cgdir")"
	rmdir "$cgdir/sub" "$cgdir" 2>/dev/null
fi

# ---- send_signal, a faulting program ----
got=$("$BPFX" trace "$objs/kill_true.bpf.o" -- sh -c '/bin/true; echo "status $?"' 2>"$tmp/err")
check "bpf_send_signal killed /bin/true" "$got" "status 143"
check "the faulting program is reported once, naming it" \
	"$(grep -c "Warning: program 'read_past_ctx' (section 'tp/syscalls/sys_enter_execve') faulted" "$tmp/err")" 1

# May this shell's children attach to each other (Yama ptrace_scope 0, or
# CAP_SYS_PTRACE)? Otherwise the -p tests are skipped.
sleep 5 &
probe_pid=$!
bg_pids+=("$probe_pid")
can_attach=1
if ! timeout 0.5 "$BPFX" trace "$counter" -p "$probe_pid" 2>"$tmp/err" >/dev/null &&
   grep -q 'Operation not permitted' "$tmp/err"; then
	can_attach=0
	skip=$((skip + 1))
	echo "trace: ptrace of a non-child is not permitted here: -p tests skipped" >&2
fi
kill "$probe_pid" 2>/dev/null

# ---- threads and children: every getppid counted, entry and exit ----
if ! gcc -O2 -pthread -o "$objs/threads" tests/trace_progs/threads.c; then
	bad "can't compile tests/trace_progs/threads.c"
else
	"$BPFX" trace "$objs/getppid_threads.bpf.o" pinmaps th1 -- "$objs/threads" 4 300
	check "threads: exit status" "$?" 0
	check "4 threads and a child: entries" "$(slot th1/calls 0)" 1500
	check "entries from non-leader threads" "$(slot th1/calls 1)" 1200
	check "exits (sys_exit after a seccomp stop)" "$(slot th1/calls 2)" 1500
fi
if [ $can_attach = 1 ] && [ -x "$objs/threads" ]; then
	"$objs/threads" 4 300 1000 &
	target=$!
	bg_pids+=("$target")
	sleep 0.1
	"$BPFX" trace "$objs/getppid_threads.bpf.o" pinmaps th2 -p "$target"
	check "-p: the process's exit status" "$?" 0
	check "-p: entries" "$(slot th2/calls 0)" 1500
	check "-p: exits" "$(slot th2/calls 2)" 1500
fi

# ---- errors ----
"$BPFX" trace "$objs/not_syscall.bpf.o" -- true 2>"$tmp/err"
rc=$?
check "a non-syscall section is refused, naming it" \
	"$rc:$(grep -c "section 'tp/sched/sched_switch'.*not a system-call hook" "$tmp/err")" "1:1"
"$BPFX" trace "$counter" 2>"$tmp/err"
check "no command" "$?" 2
"$BPFX" trace "$counter" -p 999999999 2>"$tmp/err"
check "no such process" "$?:$(grep -c 'No such process' "$tmp/err")" "1:1"

rm -rf "$BPFX_FS/e1"
"$BPFX" trace "$counter" pinmaps e1 -- /nonexistent/cmd 2>/dev/null
check "a command that can't start leaves no pins" "$(ls "$BPFX_FS/e1" 2>/dev/null)" ""
"$BPFX" trace "$counter" pinmaps c1 -- /bin/true 2>"$tmp/err"
check "a pin that exists already: error before the command runs" \
	"$?:$(grep -c "can't pin map exec_count_map.*File exists" "$tmp/err")" "1:1"

# ---- -p: attach, count, Ctrl-C detaches ----
if [ $can_attach = 1 ]; then
sh -c 'while :; do /bin/true; sleep 0.05; done' &
target=$!
bg_pids+=("$target")
"$BPFX" trace "$counter" pinmaps p1 -p "$target" &
tracer=$!
bg_pids+=("$tracer")
sleep 1
kill -INT "$tracer"
wait "$tracer"
check "Ctrl-C detaches with status 0" "$?" 0
sleep 0.3
if kill -0 "$target" 2>/dev/null && ! grep -q '^State:.*[tT]' "/proc/$target/status" &&
   grep -q '^TracerPid:[[:space:]]*0$' "/proc/$target/status"; then ok; else
	bad "the attached process runs on, untraced, after the detach"; fi
c=$(slot p1/exec_count_map 0)
if [ "$c" -ge 4 ]; then ok; else bad "-p counted $c execve in 1 s (want >= 4)"; fi
kill "$target"
fi

if ls "$tmp"/san.* >/dev/null 2>&1; then
	bad "sanitizer reports:"; head -40 "$tmp"/san.* >&2
else
	ok
fi

if [ "$skip" -gt 0 ]; then
	echo "trace: $pass passed, $fail failed, $skip skipped"
else
	echo "trace: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
