/* SPDX-License-Identifier: MIT */
/*
 * objdiff OBJ: loads an object into bpfx (bpfx_object) and into the kernel
 * (libbpf, used only to ask the kernel), runs its syscall programs on the
 * same inputs, and compares return values, the contexts written back and,
 * at the end, every map's contents (as sorted key=value lists: iteration
 * order may differ, contents may not). Written for
 * tests/object_progs/globals_counter.bpf.c, whose programs take struct
 * args; packet programs (XDP, tc, socket filters) of any object get a
 * fixed set of frames (good and
 * malformed IPv4, VLAN, IPv6, ARP) and their verdicts and output packets
 * are compared too. The kernel side is skipped, saying why, where bpf() is
 * unavailable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "mapdump.h"
#include "tcheck.h"



struct args {
	uint32_t key;
	uint32_t add;
	uint64_t out;
};

static const struct { const char *prog; uint32_t key, add; } steps[] = {
	{ "count", 1, 5 }, { "count", 1, 7 }, { "count", 9, 1 }, { "count", 17, 2 },
	{ "count", 2, 100 }, { "forget", 9, 0 }, { "forget", 9, 0 }, { "count", 9, 4 },
	{ "count", 1, 0 }, { "forget", 63, 0 },
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))
#define MAX_MAPS 16
#define MAX_XDP 64
#define MAX_PROGS 16

static uint32_t ncpus;   /* the kernel's possible CPUs = bpfx's slots */

/* Frames for XDP programs: Ethernet + IPv4/IPv6/VLAN/ARP, good and bad. */
static uint8_t packets[8][128];
static uint32_t packet_len[8];
#define NPACKETS 8

static uint32_t put_ipv4(uint8_t *p, uint8_t proto, uint16_t sport, uint16_t dport, uint8_t ihl)
{
	static const uint8_t ip[20] = { 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0,
					10, 0, 0, 1, 10, 0, 0, 2 };
	memcpy(p, ip, 20);
	p[0] = (uint8_t)(0x40 | ihl);
	p[9] = proto;
	p[20] = (uint8_t)(sport >> 8), p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
	return 40;
}

static void build_packets(void)
{
	static const uint8_t eth[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	for (int i = 0; i < NPACKETS; i++) {
		uint8_t *p = packets[i];
		memcpy(p, eth, 12);
		p[12] = 0x08, p[13] = 0x00; /* IPv4 */
		switch (i) {
		case 0: packet_len[i] = 14 + put_ipv4(p + 14, 6, 1234, 22, 5); break;
		case 1: packet_len[i] = 14 + put_ipv4(p + 14, 6, 1234, 25, 5); break;
		case 2: packet_len[i] = 14 + put_ipv4(p + 14, 17, 5353, 53, 5); break;
		case 3: /* VLAN 42, then IPv4/UDP to 123 */
			p[12] = 0x81, p[13] = 0x00, p[14] = 0, p[15] = 42, p[16] = 0x08, p[17] = 0;
			packet_len[i] = 18 + put_ipv4(p + 18, 17, 999, 123, 5);
			break;
		case 4: /* IPv6/TCP to 443 */
			p[12] = 0x86, p[13] = 0xdd;
			memset(p + 14, 0, 40);
			p[14] = 0x60, p[18] = 0, p[19] = 20, p[20] = 6, p[21] = 64;
			p[37] = 1, p[53] = 2;
			p[54] = 0x30, p[55] = 0x39, p[56] = 0x01, p[57] = 0xbb;
			packet_len[i] = 74;
			break;
		case 5: packet_len[i] = 14; break;                      /* Ethernet only */
		case 6: p[12] = 0x08, p[13] = 0x06; packet_len[i] = 42; break; /* ARP */
		default: packet_len[i] = 14 + 24; put_ipv4(p + 14, 6, 1, 2, 15); break; /* IHL too big */
		}
	}
}

static bool is_packet_prog(uint32_t type)
{
	return type == BPF_PROG_TYPE_XDP || type == BPF_PROG_TYPE_SCHED_CLS ||
	       type == BPF_PROG_TYPE_SCHED_ACT || type == BPF_PROG_TYPE_SOCKET_FILTER;
}

/* One packet run (XDP, tc, socket filter) as text: program, packet, errno, verdict, output bytes. */
static void xdp_step(bpf_fn sys, int fd, const char *prog, int pkt, char *d)
{
	uint8_t out[256];
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)fd,
				       .data_in = (uintptr_t)packets[pkt],
				       .data_size_in = packet_len[pkt], .data_out = (uintptr_t)out,
				       .data_size_out = sizeof(out) } };
	int ret = sys(BPF_PROG_TEST_RUN, &t, sizeof(t));
	int n = snprintf(d, 600, "%s pkt%d: err %d ret %u len %u ", prog, pkt, ret < 0 ? errno : 0,
			 t.test.retval, t.test.data_size_out);
	for (uint32_t i = 0; ret == 0 && i < t.test.data_size_out && i < sizeof(out) && n < 590; i++)
		n += snprintf(d + n, (size_t)(600 - n), "%02x", out[i]);
}

/* What one side did: per step, and the final maps by name. */
struct side {
	int err[NSTEPS];
	uint32_t retval[NSTEPS];
	struct args ctx[NSTEPS];
	char maps[MAX_MAPS][4096];
	int nmaps;
	char xdp[MAX_XDP][600];
	int nxdp;
	char tags[MAX_PROGS][64];   /* "name tag", one per program */
	int ntags;
	uint8_t btf[1 << 16];       /* the BTF the loader gave the maps */
	uint32_t btf_len;
	char map_btf[MAX_MAPS][96]; /* "name key_id value_id has_btf" */
};

/* The BTF blob a map refers to (the object's, as its loader loaded it)
 * and the map's type ids; a libbpf/kernel and a bpfx load of one object
 * must agree byte for byte. */
static void map_btf(bpf_fn sys, int fd, const char *name, struct side *s, int i)
{
	struct bpf_map_info mi;
	memset(&mi, 0, sizeof(mi));
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(mi),
				       .info = (uintptr_t)&mi } };
	if (sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)))
		return;
	snprintf(s->map_btf[i], sizeof(s->map_btf[i]), "%s key %u value %u btf %d", name,
		 mi.btf_key_type_id, mi.btf_value_type_id, mi.btf_id != 0);
	if (!mi.btf_id || s->btf_len)
		return;
	union bpf_attr g = { .btf_id = mi.btf_id };
	int bfd = sys(BPF_BTF_GET_FD_BY_ID, &g, sizeof(g));
	if (bfd < 0)
		return;
	struct bpf_btf_info bi;
	memset(&bi, 0, sizeof(bi));
	bi.btf = (uintptr_t)s->btf;
	bi.btf_size = sizeof(s->btf);
	union bpf_attr b = { .info = { .bpf_fd = (uint32_t)bfd, .info_len = sizeof(bi),
				       .info = (uintptr_t)&bi } };
	if (!sys(BPF_OBJ_GET_INFO_BY_FD, &b, sizeof(b)) && bi.btf_size <= sizeof(s->btf))
		s->btf_len = bi.btf_size;
	close(bfd);
}

/* "name tag" of a loaded program, the tag read back through
 * OBJ_GET_INFO_BY_FD: equal only if both loaders hand the kernel the
 * same instructions (relocated, linked, map references aside). */
static void prog_tag_text(bpf_fn sys, int fd, const char *name, char *out)
{
	struct bpf_prog_info info;
	memset(&info, 0, sizeof(info));
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	int n = snprintf(out, 64, "%s ", name);
	if (sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)))
		snprintf(out + n, 64 - (size_t)n, "(no info)");
	else
		for (int i = 0; i < BPF_TAG_SIZE; i++)
			n += snprintf(out + n, 64 - (size_t)n, "%02x", info.tag[i]);
}

static int run_step(bpf_fn sys, int prog_fd, size_t i, struct side *s)
{
	s->ctx[i] = (struct args){ steps[i].key, steps[i].add, 0 };
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)prog_fd,
				       .ctx_in = (uintptr_t)&s->ctx[i],
				       .ctx_size_in = sizeof(s->ctx[i]) } };
	int ret = sys(BPF_PROG_TEST_RUN, &t, sizeof(t));
	s->retval[i] = t.test.retval;
	return ret < 0 ? -errno : 0;
}

static void log_line(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx, (void)level;
	fprintf(stderr, "  bpfx: %s\n", msg);
}

static bool run_bpfx(const char *path, struct side *s)
{
	struct bpfx_object_opts oo = { .sz = sizeof(oo), .log = log_line };
	int err = 0;
	struct bpfx_object *obj = bpfx_object__open(path, &oo, &err);
	if (!CHECK(obj != NULL, "bpfx opens %s: %d", path, err))
		return false;
	err = bpfx_object__load(obj);
	bool ok = CHECK(err == 0, "bpfx loads %s: %d", path, err);
	for (size_t i = 0; ok && i < NSTEPS; i++) {
		struct bpfx_program *p = bpfx_object__find_program(obj, steps[i].prog);
		s->err[i] = p ? run_step(bpfx_bpf, bpfx_program__fd(p), i, s) : -ENOENT;
	}
	for (size_t i = 0; ok && i < bpfx_object__program_cnt(obj); i++) {
		struct bpfx_program *p = bpfx_object__program(obj, i);
		if (s->ntags < MAX_PROGS)
			prog_tag_text(bpfx_bpf, bpfx_program__fd(p), bpfx_program__name(p),
				      s->tags[s->ntags++]);
		if (!is_packet_prog(bpfx_program__type(p)))
			continue;
		for (int k = 0; k < NPACKETS && s->nxdp < MAX_XDP; k++)
			xdp_step(bpfx_bpf, bpfx_program__fd(p), bpfx_program__name(p), k,
				 s->xdp[s->nxdp++]);
	}
	for (size_t m = 0; ok && m < bpfx_object__map_cnt(obj) && s->nmaps < MAX_MAPS; m++) {
		struct bpfx_map *map = bpfx_object__map(obj, m);
		map_btf(bpfx_bpf, bpfx_map__fd(map), bpfx_map__name(map), s, s->nmaps);
		dump_map(bpfx_bpf, bpfx_map__fd(map), bpfx_map__name(map), bpfx_map__type(map),
			 bpfx_map__key_size(map), bpfx_map__value_size(map), ncpus,
			 s->maps[s->nmaps++]);
	}
	bpfx_object__close(obj);
	return ok;
}

static bool run_kernel(const char *path, struct side *s)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!CHECK(obj != NULL, "libbpf opens %s", path))
		return false;
	bool ok = CHECK(bpf_object__load(obj) == 0, "the kernel loads %s", path);
	for (size_t i = 0; ok && i < NSTEPS; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, steps[i].prog);
		s->err[i] = p ? run_step(kbpf_sys, bpf_program__fd(p), i, s) : -ENOENT;
	}
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (ok && s->ntags < MAX_PROGS)
			prog_tag_text(kbpf_sys, bpf_program__fd(prog), bpf_program__name(prog),
				      s->tags[s->ntags++]);
		if (!ok || !is_packet_prog(bpf_program__type(prog)))
			continue;
		for (int k = 0; k < NPACKETS && s->nxdp < MAX_XDP; k++)
			xdp_step(kbpf_sys, bpf_program__fd(prog), bpf_program__name(prog), k,
				 s->xdp[s->nxdp++]);
	}
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		if (!ok || s->nmaps >= MAX_MAPS)
			break;
		map_btf(kbpf_sys, bpf_map__fd(map), bpf_map__name(map), s, s->nmaps);
		dump_map(kbpf_sys, bpf_map__fd(map), bpf_map__name(map), bpf_map__type(map),
			 bpf_map__key_size(map), bpf_map__value_size(map), ncpus,
			 s->maps[s->nmaps++]);
	}
	bpf_object__close(obj);
	return ok;
}

/* The map of the same name on the other side, or NULL. */
static const char *find_dump(const struct side *s, const char *dump)
{
	size_t n = strcspn(dump, ":") + 1;
	for (int i = 0; i < s->nmaps; i++)
		if (!strncmp(s->maps[i], dump, n))
			return s->maps[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static struct side mine, theirs;

	if (argc != 2) {
		fprintf(stderr, "usage: objdiff OBJ\n");
		return 2;
	}
	ncpus = kbpf_possible_cpus();
	char slots[16];
	snprintf(slots, sizeof(slots), "%u", ncpus);
	setenv("BPFX_SLOTS", slots, 1);
	build_packets();
	if (!run_bpfx(argv[1], &mine))
		return t_done("objects");
	if (strstr(argv[1], "globals_counter")) {
		/* Written down: key 1 got 3*5 then 3*7; total starts at 100. */
		CHECK(mine.err[0] == 0 && mine.retval[0] == 115 && mine.retval[1] == 136,
		      "count returns total: %u %u (err %d)", mine.retval[0], mine.retval[1],
		      mine.err[0]);
		CHECK(mine.retval[5] == 0 && mine.retval[6] == (uint32_t)-ENOENT,
		      "forget: 0 then -ENOENT (%d)", (int)mine.retval[6]);
	}
	/* Every frame but the bare Ethernet header (pkt5, too short for an skb)
	 * runs. */
	for (int i = 0; i < mine.nxdp; i++)
		CHECK(strstr(mine.xdp[i], ": err 0 ret ") || strstr(mine.xdp[i], "pkt5: err 22"),
		      "bpfx packet run: %s", mine.xdp[i]);
	if (getenv("OBJDIFF_VERBOSE")) {
		for (int i = 0; i < mine.nxdp; i++)
			fprintf(stderr, "%.100s\n", mine.xdp[i]);
		for (int i = 0; i < mine.nmaps; i++)
			fprintf(stderr, "%.160s\n", mine.maps[i]);
	}

	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of objects: %s", why);
		return t_done("objects");
	}
	libbpf_set_print(NULL);
	if (!run_kernel(argv[1], &theirs))
		return t_done("objects");
	for (size_t i = 0; i < NSTEPS; i++)
		CHECK(mine.err[i] == theirs.err[i] && mine.retval[i] == theirs.retval[i] &&
		      !memcmp(&mine.ctx[i], &theirs.ctx[i], sizeof(mine.ctx[i])),
		      "step %zu (%s %u %u): bpfx err %d ret %u out %llu, kernel err %d ret %u out %llu",
		      i, steps[i].prog, steps[i].key, steps[i].add, mine.err[i], mine.retval[i],
		      (unsigned long long)mine.ctx[i].out, theirs.err[i], theirs.retval[i],
		      (unsigned long long)theirs.ctx[i].out);
	CHECK(mine.nxdp == theirs.nxdp, "XDP runs: %d vs %d", mine.nxdp, theirs.nxdp);
	for (int i = 0; i < mine.nxdp && i < theirs.nxdp; i++)
		CHECK(!strcmp(mine.xdp[i], theirs.xdp[i]), "packet\n  bpfx:   %s\n  kernel: %s",
		      mine.xdp[i], theirs.xdp[i]);
	CHECK(mine.ntags == theirs.ntags, "programs: %d vs %d", mine.ntags, theirs.ntags);
	for (int i = 0; i < mine.ntags && i < theirs.ntags; i++)
		CHECK(!strcmp(mine.tags[i], theirs.tags[i]), "program tag\n  bpfx:   %s\n  kernel: %s",
		      mine.tags[i], theirs.tags[i]);
	CHECK(mine.btf_len && mine.btf_len == theirs.btf_len &&
	      !memcmp(mine.btf, theirs.btf, mine.btf_len),
	      "the maps' BTF: %u bytes in bpfx, %u in the kernel, %s", mine.btf_len, theirs.btf_len,
	      mine.btf_len == theirs.btf_len && !memcmp(mine.btf, theirs.btf, mine.btf_len)
		      ? "same" : "different");
	for (int i = 0; i < mine.nmaps && i < theirs.nmaps; i++)
		CHECK(!strcmp(mine.map_btf[i], theirs.map_btf[i]), "map BTF: bpfx %s, kernel %s",
		      mine.map_btf[i], theirs.map_btf[i]);
	CHECK(mine.nmaps == theirs.nmaps, "maps: %d vs %d", mine.nmaps, theirs.nmaps);
	for (int i = 0; i < mine.nmaps; i++) {
		const char *other = find_dump(&theirs, mine.maps[i]);
		CHECK(other && !strcmp(other, mine.maps[i]), "map %s\n  kernel: %s", mine.maps[i],
		      other ? other : "(no such map)");
	}
	return t_done("objects");
}
