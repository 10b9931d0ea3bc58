#!/usr/bin/env bash
# bpfx on live interfaces (`bpfx xdp|tc OBJ --dev IFACE [--dev2 IFACE2]`):
# network namespaces joined by veth pairs,
#   ns_a (a0) <-> ns_b (a1 | bpfx | b1) <-> ns_c (c0)
# a1 and b1 have no addresses, so only what bpfx sends crosses ns_b. ping
# from ns_a is the traffic; IPv6 is off and ARP entries static where the
# counts must be exact. Checks: the firewall example answers echo
# requests itself (XDP_TX) and drops a blocklisted source, with its
# counters exactly the pings sent; a pass-all XDP program and a tc
# program bridge a1 and b1 (ping ns_a -> ns_c works only through them);
# bpf_redirect sends frames out of another interface; Ctrl-C ends a run
# cleanly. Skips when not root or namespaces/veths are unavailable.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BPFX=$PWD/$BUILD/bpfx
pass=0 fail=0 skip=0
done_line() { echo "live: $pass passed, $fail failed, $skip skipped"; exit 0; }
skip_all() {
	echo "live: $1 - skipping" >&2
	skip=1
	done_line
}
[ "$(id -u)" = 0 ] || skip_all "not root"
for t in ip ping clang timeout; do
	command -v $t >/dev/null || skip_all "$t is missing"
done
tmp=$(mktemp -d)
sfx=$$
A=bpfxa$sfx B=bpfxb$sfx C=bpfxc$sfx
cleanup() {
	for n in $A $B $C; do ip netns del $n 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export BPFX_FS=$tmp/bpffs

ok() { pass=$((pass + 1)); }
bad() { echo "live: FAIL: $*" >&2; fail=$((fail + 1)); }
check() { # check NAME GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}

setup() {
	ip netns add $A && ip netns add $B && ip netns add $C || return 1
	ip link add a0 netns $A type veth peer name a1 netns $B || return 1
	ip link add c0 netns $C type veth peer name b1 netns $B || return 1
	for n in $A $B $C; do
		ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
		ip -n $n link set lo up
	done
	ip -n $A addr add 10.0.0.1/24 dev a0 && ip -n $A addr add 10.0.0.13/24 dev a0 &&
	ip -n $C addr add 10.0.0.2/24 dev c0 || return 1
	ip -n $A link set a0 up && ip -n $C link set c0 up &&
	ip -n $B link set a1 up && ip -n $B link set b1 up || return 1
	# Static neighbours: no ARP during the counted pings.
	ip -n $A neigh replace 10.0.0.2 lladdr "$(mac $C c0)" dev a0 nud permanent &&
	ip -n $C neigh replace 10.0.0.1 lladdr "$(mac $A a0)" dev c0 nud permanent
}
mac() { ip -n $1 -o link show $2 | sed -nE 's/.*link\/ether ([0-9a-f:]+).*/\1/p'; }
setup 2>"$tmp/setup.err" || skip_all "can't make namespaces and veths: $(head -1 "$tmp/setup.err")"

arch_inc=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
b1_ifindex=$(ip -n $B -o link show b1 | cut -d: -f1)
cc_bpf() { clang -O2 -g -target bpf -I"$arch_inc" "${@:3}" -c "$1" -o "$2"; }
cc_bpf tests/live_progs/live.bpf.c "$tmp/live.o" || { bad "compile live.bpf.c"; done_line; }
cc_bpf tests/live_progs/live.bpf.c "$tmp/redir.o" -DOUT_IFINDEX="$b1_ifindex" ||
	{ bad "compile live.bpf.c (redirect)"; done_line; }
fw=$BUILD/examples/xdp_firewall.bpf.o

# A u64 map slot as a decimal number: VALUE bytes are little-endian.
slot() { # slot PIN KEY
	"$BPFX" map lookup pinned "$1" key "$2" 0 0 0 |
		sed -nE 's/.*value: (.*)/\1/p' | tr ' ' '\n' | grep . | tac | tr -d '\n' |
		{ read -r h; echo $((16#${h:-0})); }
}
# Starts bpfx in ns_b (args: command line), its output in $tmp/run.out.
start() {
	ip netns exec $B "$BPFX" -j "$@" >"$tmp/run.out" 2>"$tmp/run.err" &
	pid=$!
	sleep 0.5
}
# Stops it with SIGINT and checks a clean exit.
stop() {
	kill -INT $pid 2>/dev/null
	wait $pid
	check "$1: exit after SIGINT" $? 0
}
json_num() { grep -oE "\"$1\":[0-9]+" "$tmp/run.out" | head -1 | cut -d: -f2; }
pings() { # pings NS N [ping args]: how many replies came back
	ip netns exec "$1" ping -n -q -c "$2" -i 0.2 -W 1 "${@:3}" 2>/dev/null |
		sed -nE 's/.* ([0-9]+) received.*/\1/p'
}

# Without bpfx nothing crosses ns_b.
check "no bridge: ping fails" "$(pings $A 1 10.0.0.2)" 0

# 1. The firewall example on a1 alone: echo requests answered with
# XDP_TX, the blocklisted source 10.0.0.13 dropped.
start xdp "$fw" --dev a1 pinmaps fw
check "firewall: allowed pings answered by XDP_TX" "$(pings $A 3 10.0.0.2)" 3
check "firewall: blocklisted pings dropped" "$(pings $A 2 -I 10.0.0.13 10.0.0.2)" 0
stop firewall
check "firewall: XDP_TX verdicts" "$(json_num XDP_TX)" 3
check "firewall: XDP_DROP verdicts" "$(json_num XDP_DROP)" 2
check "firewall: frames sent" "$(json_num sent)" 3
check "firewall: proto_count ICMP" "$(slot fw/proto_count 2)" 3
check "firewall: proto_count blocked" "$(slot fw/proto_count 5)" 2
check "firewall: proto_count echo replied" "$(slot fw/proto_count 6)" 3

# 2. A pass-all XDP program bridges a1 and b1.
start xdp "$tmp/live.o" prog xdp_pass_count --dev a1 --dev2 b1 pinmaps xb
check "xdp bridge: ping crosses" "$(pings $A 4 10.0.0.2)" 4
stop "xdp bridge"
check "xdp bridge: requests counted" "$(slot xb/icmp_count 0)" 4
check "xdp bridge: replies counted" "$(slot xb/icmp_count 1)" 4
check "xdp bridge: XDP_PASS verdicts" "$(json_num XDP_PASS)" 8
check "xdp bridge: frames sent" "$(json_num sent)" 8

# 3. The same with a tc program (TC_ACT_OK forwards); --count ends it.
start tc "$tmp/live.o" --dev a1 --peer b1 --count 6 pinmaps tb
check "tc bridge: ping crosses" "$(pings $A 3 10.0.0.2)" 3
timeout 10 tail --pid=$pid -f /dev/null
wait $pid
check "tc bridge: exit after --count" $? 0
check "tc bridge: TC_ACT_OK verdicts" "$(json_num TC_ACT_OK)" 6
check "tc bridge: requests counted" "$(slot tb/icmp_count 0)" 3

# 4. bpf_redirect out of b1: ns_c sees the requests (a second bpfx there
# counts them), its replies go nowhere.
ip netns exec $C timeout 15 "$BPFX" -j xdp "$tmp/live.o" prog xdp_pass_count --dev c0 \
	--count 3 >"$tmp/c.out" 2>"$tmp/c.err" &
cpid=$!
start xdp "$tmp/redir.o" prog xdp_redirect_out --dev a1
check "redirect: no replies" "$(pings $A 3 10.0.0.2)" 0
stop redirect
check "redirect: XDP_REDIRECT verdicts" "$(json_num XDP_REDIRECT)" 3
check "redirect: frames sent" "$(json_num sent)" 3
wait $cpid
check "redirect: ns_c received them" "$(grep -oE '"XDP_PASS":[0-9]+' "$tmp/c.out" | cut -d: -f2)" 3

# 5. --duration ends a run; bad interfaces and options are refused.
ip netns exec $B timeout 10 "$BPFX" xdp "$fw" --dev a1 --duration 0.3 >"$tmp/d.out" 2>&1
check "duration: exit" $? 0
check "duration: table printed" "$(grep -c '^XDP_PASS' "$tmp/d.out")" 1
ip netns exec $B "$BPFX" xdp "$fw" --dev nosuchif0 >/dev/null 2>"$tmp/e.err"
check "unknown interface: exit code" $? 1
check "unknown interface: message" "$(grep -c "no interface named 'nosuchif0'" "$tmp/e.err")" 1
"$BPFX" xdp "$fw" --dev a1 --pcap x.pcap >/dev/null 2>"$tmp/e.err"
check "--dev with --pcap refused" "$(grep -c 'no --pcap' "$tmp/e.err")" 1
"$BPFX" xdp "$fw" --dev2 a1 >/dev/null 2>"$tmp/e.err"
check "--dev2 alone refused" "$(grep -c 'wants --dev' "$tmp/e.err")" 1
"$BPFX" xdp "$fw" --dev a1 --count 0 >/dev/null 2>"$tmp/e.err"
check "--count 0 refused" "$(grep -c 'positive number' "$tmp/e.err")" 1
done_line
