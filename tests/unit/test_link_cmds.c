/* SPDX-License-Identifier: MIT */
/*
 * Links and cgroup attachments, differentially: one scenario of
 * LINK_CREATE / LINK_UPDATE / LINK_DETACH / link ids and info /
 * PROG_ATTACH / PROG_QUERY / PROG_DETACH / RAW_TRACEPOINT_OPEN runs in the
 * kernel and in bpfx against the same real cgroup v2 directory (created
 * here under /sys/fs/cgroup, removed at the end); every result, errno and
 * queried program order must be the same. Program ids differ between the
 * two, so queries record which of the scenario's programs they name.
 * XDP is compared only for refused attributes (nothing is attached to lo
 * in the kernel). The bpfx side is also checked against the kernel's
 * answers written down, so the test stands without a kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tcheck.h"
#include "tinsn.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define STEPS 96

struct result {
	int ret[STEPS], err[STEPS];
	uint64_t data[STEPS];
	int n;
};

static char cg_path[320];
static uint64_t cg_id;

static void rec(struct result *r, int ret, uint64_t data)
{
	if (r->n < STEPS) {
		r->ret[r->n] = ret < 0 ? -1 : ret > 0 ? 1 : 0;
		r->err[r->n] = ret < 0 ? errno : 0;
		r->data[r->n] = data;
		r->n++;
	}
}

static int load(bpf_fn sys, uint32_t type, uint32_t eat, int r0)
{
	struct bpf_insn p[] = { MOV64_IMM(0, r0), EXIT() };
	union bpf_attr a = { .prog_type = type, .insn_cnt = 2, .insns = (uintptr_t)p,
			     .license = (uintptr_t)"GPL", .expected_attach_type = eat };
	return sys(BPF_PROG_LOAD, &a, sizeof(a));
}

static int link_create(bpf_fn sys, int prog, uint32_t target, uint32_t at, uint32_t flags)
{
	union bpf_attr a = { .link_create = { .prog_fd = prog, .target_fd = target,
					      .attach_type = at, .flags = flags } };
	return sys(BPF_LINK_CREATE, &a, sizeof(a));
}

static int attach(bpf_fn sys, int cmd, int cg, int prog, uint32_t at, uint32_t flags, int repl)
{
	union bpf_attr a = { .target_fd = cg, .attach_bpf_fd = prog, .attach_type = at,
			     .attach_flags = flags, .replace_bpf_fd = repl };
	return sys(cmd, &a, sizeof(a));
}

static uint32_t obj_id(bpf_fn sys, int fd)
{
	struct bpf_prog_info info; /* id is the second word of every info */
	memset(&info, 0, sizeof(info));
	union bpf_attr a = { .info = { .bpf_fd = fd, .info_len = 8, .info = (uintptr_t)&info } };
	return sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) ? 0 : info.id;
}

/* Queries (cg, at) with room for `room` ids; records the result and, as
 * data, the attach flags and which of progs[] the ids are (a digit each,
 * 9 for none of them), and the count. */
static void query(bpf_fn sys, struct result *r, int cg, uint32_t at, uint32_t room,
		  const int *progs, int nprogs)
{
	uint32_t ids[8] = { 0 };
	union bpf_attr a = { .query = { .target_fd = cg, .attach_type = at,
					.prog_ids = (uintptr_t)ids, .prog_cnt = room } };
	int ret = sys(BPF_PROG_QUERY, &a, sizeof(a));
	uint64_t d = (uint64_t)a.query.attach_flags * 100 + a.query.prog_cnt;
	for (uint32_t i = 0; i < room && i < a.query.prog_cnt && i < 8; i++) {
		int which = 9;
		for (int k = 0; k < nprogs; k++)
			if (ids[i] && obj_id(sys, progs[k]) == ids[i])
				which = k;
		d = d * 10 + (uint64_t)which;
	}
	rec(r, ret, d);
}

static void link_info(bpf_fn sys, struct result *r, int link, int prog)
{
	struct bpf_link_info info;
	memset(&info, 0, sizeof(info));
	union bpf_attr a = { .info = { .bpf_fd = link, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	int ret = sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
	rec(r, ret, (uint64_t)info.type << 48 | (uint64_t)(info.prog_id == obj_id(sys, prog)) << 40 |
			    (uint64_t)(info.cgroup.cgroup_id == cg_id) << 32 |
			    (uint64_t)(info.cgroup.cgroup_id == 0) << 31 | info.cgroup.attach_type);
}

static int link_update(bpf_fn sys, int link, int prog, uint32_t flags, int old)
{
	union bpf_attr a = { .link_update = { .link_fd = link, .new_prog_fd = prog,
					      .flags = flags, .old_prog_fd = old } };
	return sys(BPF_LINK_UPDATE, &a, sizeof(a));
}

static int tp_open(bpf_fn sys, int prog, const char *name)
{
	union bpf_attr a = { .raw_tracepoint = { .name = (uintptr_t)name, .prog_fd = prog } };
	return sys(BPF_RAW_TRACEPOINT_OPEN, &a, sizeof(a));
}

static void link_ids(bpf_fn sys, struct result *r, int link)
{
	uint32_t id = obj_id(sys, link);
	union bpf_attr a = { .start_id = id - 1 };
	int ret = sys(BPF_LINK_GET_NEXT_ID, &a, sizeof(a));
	rec(r, ret, a.next_id == id);
	memset(&a, 0, sizeof(a));
	a.link_id = id;
	int fd = sys(BPF_LINK_GET_FD_BY_ID, &a, sizeof(a));
	rec(r, fd, fd >= 0 && obj_id(sys, fd) == id);
	if (fd >= 0)
		close(fd);
	a.open_flags = 1;
	rec(r, sys(BPF_LINK_GET_FD_BY_ID, &a, sizeof(a)), 0);
	memset(&a, 0, sizeof(a));
	rec(r, sys(BPF_LINK_GET_FD_BY_ID, &a, sizeof(a)), 0); /* id 0 */
}

static void multi_attach(bpf_fn sys, struct result *r, int cg, const int *p)
{
	const uint32_t eg = BPF_CGROUP_INET_EGRESS, M = BPF_F_ALLOW_MULTI;
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[0], eg, M, 0), 0);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[0], eg, M, 0), 0); /* twice */
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[1], eg, M, 0), 0);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[1], eg, 0, 0), 0); /* flags differ */
	query(sys, r, cg, eg, 8, p, 4);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[2], eg, BPF_F_REPLACE, p[0]), 0);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[2], eg, M | BPF_F_REPLACE, p[0]), 0);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[0], eg, M | BPF_F_REPLACE, p[3]), 0);
	query(sys, r, cg, eg, 8, p, 4);
	query(sys, r, cg, eg, 1, p, 4); /* ENOSPC, count 2 */
	rec(r, attach(sys, BPF_PROG_DETACH, cg, 0, eg, 0, 0), 0);    /* which? */
	rec(r, attach(sys, BPF_PROG_DETACH, cg, p[0], eg, 0, 0), 0); /* not there */
	rec(r, attach(sys, BPF_PROG_DETACH, cg, p[2], eg, 0, 0), 0);
	rec(r, attach(sys, BPF_PROG_DETACH, cg, p[1], eg, 0, 0), 0);
	rec(r, attach(sys, BPF_PROG_DETACH, cg, p[1], eg, 0, 0), 0);
	query(sys, r, cg, eg, 8, p, 4);
}

static void single_attach(bpf_fn sys, struct result *r, int cg, const int *p)
{
	const uint32_t eg = BPF_CGROUP_INET_EGRESS;
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[0], eg, BPF_F_ALLOW_MULTI | BPF_F_ALLOW_OVERRIDE,
		      0), 0);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[0], eg, 0, 0), 0);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[1], eg, 0, 0), 0); /* replaces */
	query(sys, r, cg, eg, 8, p, 4);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[1], eg, BPF_F_ALLOW_OVERRIDE, 0), 0);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[3], eg, 0, 0), 0); /* wrong type */
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[0], eg, 1u << 9, 0), 0);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[0], 0x7fff, 0, 0), 0);
	rec(r, attach(sys, BPF_PROG_DETACH, cg, 0, eg, 0, 0), 0); /* the only one */
	query(sys, r, cg, eg, 8, p, 4);
	rec(r, attach(sys, BPF_PROG_DETACH, cg, 0, eg, 0, 0), 0);
}

static void links(bpf_fn sys, struct result *r, int cg, const int *p, int null)
{
	const uint32_t in = BPF_CGROUP_INET_INGRESS;
	rec(r, link_create(sys, 9999, cg, in, 0), 0);
	rec(r, link_create(sys, p[0], null, in, 0), 0);       /* not a cgroup */
	rec(r, link_create(sys, p[0], cg, in, 1), 0);         /* flags */
	rec(r, link_create(sys, p[0], cg, BPF_XDP, 0), 0);    /* attach type */
	rec(r, link_create(sys, p[3], cg, BPF_CGROUP_INET4_POST_BIND, 0), 0);
	rec(r, link_create(sys, p[4], 0, BPF_XDP, 0), 0);     /* ifindex 0 */
	rec(r, link_create(sys, p[4], 1, BPF_XDP, 0x100), 0); /* XDP flags */
	rec(r, link_create(sys, p[5], cg, 0, 0), 0);          /* socket filter */
	int l = link_create(sys, p[0], cg, in, 0);
	rec(r, l, 0);
	int l2 = link_create(sys, p[0], cg, in, 0); /* the same program again: fine */
	rec(r, l2, 0);
	query(sys, r, cg, in, 8, p, 4);
	rec(r, attach(sys, BPF_PROG_ATTACH, cg, p[1], in, 0, 0), 0); /* links are multi */
	link_info(sys, r, l, p[0]);
	rec(r, link_update(sys, l, p[1], 0, 0), 0);
	rec(r, link_update(sys, l, p[2], BPF_F_REPLACE, p[0]), 0); /* not its program */
	rec(r, link_update(sys, l, p[2], 0, p[1]), 0);             /* old without flag */
	rec(r, link_update(sys, l, p[2], 4, 0), 0);
	rec(r, link_update(sys, l, p[3], 0, 0), 0); /* another type */
	rec(r, link_update(sys, l, p[2], BPF_F_REPLACE, p[1]), 0);
	query(sys, r, cg, in, 8, p, 4);
	link_info(sys, r, l, p[2]);
	link_ids(sys, r, l);
	union bpf_attr d = { .link_detach = { .link_fd = l } };
	rec(r, sys(BPF_LINK_DETACH, &d, sizeof(d)), 0);
	link_info(sys, r, l, p[2]);
	rec(r, link_update(sys, l, p[1], 0, 0), 0);
	rec(r, sys(BPF_LINK_DETACH, &d, sizeof(d)), 0);
	d.link_detach.link_fd = p[0];
	rec(r, sys(BPF_LINK_DETACH, &d, sizeof(d)), 0);
	query(sys, r, cg, in, 8, p, 4);
	if (l >= 0)
		close(l);
	if (l2 >= 0)
		close(l2);
}

static void raw_tp(bpf_fn sys, struct result *r, const int *p)
{
	rec(r, tp_open(sys, p[6], NULL), 0);
	rec(r, tp_open(sys, p[0], "sys_enter"), 0);
	int l = tp_open(sys, p[6], "sys_enter");
	rec(r, l, 0);
	char name[6] = "xxxxx";
	struct bpf_link_info info;
	memset(&info, 0, sizeof(info));
	info.raw_tracepoint.tp_name = (uintptr_t)name;
	info.raw_tracepoint.tp_name_len = sizeof(name);
	union bpf_attr a = { .info = { .bpf_fd = l, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	int ret = sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
	rec(r, ret, (uint64_t)name[4] << 8 | (uint8_t)name[5]);
	info.raw_tracepoint.tp_name_len = 0;
	rec(r, sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)), 0); /* name without length */
	info.raw_tracepoint.tp_name = 0;
	ret = sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
	rec(r, ret, (uint64_t)info.type << 32 | info.raw_tracepoint.tp_name_len);
	rec(r, link_update(sys, l, p[6], 0, 0), 0);
	if (l >= 0)
		close(l);
}

static int bind(bpf_fn sys, int prog, int map, uint32_t flags)
{
	union bpf_attr a = { .prog_bind_map = { .prog_fd = prog, .map_fd = map, .flags = flags } };
	return sys(BPF_PROG_BIND_MAP, &a, sizeof(a));
}

/* PROG_BIND_MAP: the program holds the map (info lists it) after the
 * map's descriptor is gone; binding twice lists it once. */
static void bind_map(bpf_fn sys, struct result *r, int prog)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8,
			     .max_entries = 1 };
	int map = sys(BPF_MAP_CREATE, &a, sizeof(a));
	rec(r, map, 0);
	rec(r, bind(sys, prog, map, 1), 0);
	rec(r, bind(sys, 9999, map, 0), 0);
	rec(r, bind(sys, map, map, 0), 0);
	rec(r, bind(sys, prog, prog, 0), 0);
	rec(r, bind(sys, prog, map, 0), 0);
	rec(r, bind(sys, prog, map, 0), 0);
	uint32_t map_id = obj_id(sys, map), ids[4] = { 0 };
	if (map >= 0)
		close(map);
	struct bpf_prog_info info;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 4;
	info.map_ids = (uintptr_t)ids;
	union bpf_attr g = { .info = { .bpf_fd = prog, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	int ret = sys(BPF_OBJ_GET_INFO_BY_FD, &g, sizeof(g));
	rec(r, ret, (uint64_t)info.nr_map_ids << 32 | (ids[0] == map_id && map_id));
}

static void scenario(bpf_fn sys, struct result *r)
{
	int p[7];
	p[0] = load(sys, BPF_PROG_TYPE_CGROUP_SKB, 0, 1);
	p[1] = load(sys, BPF_PROG_TYPE_CGROUP_SKB, 0, 1);
	p[2] = load(sys, BPF_PROG_TYPE_CGROUP_SKB, 0, 1);
	p[3] = load(sys, BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 1);
	p[4] = load(sys, BPF_PROG_TYPE_XDP, 0, 2);
	p[5] = load(sys, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0);
	p[6] = load(sys, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0);
	for (size_t i = 0; i < N(p); i++)
		rec(r, p[i], 0);
	int cg = open(cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (cg < 0 || null < 0) {
		CHECK(0, "open %s: %s", cg_path, strerror(errno));
	} else {
		links(sys, r, cg, p, null);
		multi_attach(sys, r, cg, p);
		single_attach(sys, r, cg, p);
		raw_tp(sys, r, p);
		bind_map(sys, r, p[5]);
		/* whatever a failed step left attached in the kernel */
		for (int i = 0; i < 4; i++)
			attach(sys, BPF_PROG_DETACH, cg, p[i], BPF_CGROUP_INET_EGRESS, 0, 0);
	}
	if (cg >= 0)
		close(cg);
	if (null >= 0)
		close(null);
	for (size_t i = 0; i < N(p); i++)
		if (p[i] >= 0)
			close(p[i]);
}

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid
 * systems): 0, or -1 when it is nowhere. */
static int cgroup2_root(char *buf, size_t sz)
{
	char dev[256], dir[256], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");
	int ret = -1;

	while (f && ret && fscanf(f, "%255s %255s %63s %*[^\n]", dev, dir, type) == 3)
		if (!strcmp(type, "cgroup2") && (size_t)snprintf(buf, sz, "%s", dir) < sz)
			ret = 0;
	if (f)
		fclose(f);
	return ret;
}

int main(void)
{
	char root[256];
	static struct result mine, theirs;
	struct stat st;

	if (cgroup2_root(root, sizeof(root))) {
		t_skip("links: cgroup v2 is not mounted");
		return t_done("link_cmds");
	}
	snprintf(cg_path, sizeof(cg_path), "%s/bpfx-test-links-%d", root, (int)getpid());
	if (mkdir(cg_path, 0755) < 0 || stat(cg_path, &st) < 0) {
		t_skip("links: no cgroup v2 directory (%s: %s)", cg_path, strerror(errno));
		return t_done("link_cmds");
	}
	cg_id = st.st_ino;
	scenario(bpfx_bpf, &mine);

	/* What the kernel (6.18) answers, written down. */
	static const int want_err[] = {
		0, 0, 0, 0, 0, 0, 0, EBADF, EBADF, EINVAL, EINVAL, EINVAL, EINVAL, EINVAL, EINVAL,
		0, 0, 0, EPERM, 0, 0, EPERM, EINVAL, EINVAL, EINVAL, 0, 0, 0, 0, 0, EINVAL, ENOENT,
		0, 0, ENOLINK, 0, EINVAL, 0, 0, EINVAL, 0, EPERM, 0, EINVAL, 0, EINVAL, 0, ENOSPC,
		EINVAL, ENOENT, 0, 0, ENOENT, 0, EINVAL, 0, 0, 0, EPERM, EINVAL, EINVAL, EINVAL, 0,
		0, ENOENT, EFAULT, EINVAL, 0, ENOSPC, EINVAL, 0, EINVAL,
		0, EINVAL, EBADF, EINVAL, EINVAL, 0, 0, 0,
	};
	CHECK(mine.n == (int)N(want_err), "steps: %d", mine.n);
	for (int i = 0; i < mine.n && i < (int)N(want_err); i++)
		CHECK(mine.err[i] == want_err[i], "bpfx step %d: errno %d, want %d", i, mine.err[i],
		      want_err[i]);
	CHECK(mine.data[68] == ('e' << 8), "a tracepoint name cut to the buffer, NUL-terminated");
	CHECK(mine.data[70] == ((uint64_t)BPF_LINK_TYPE_RAW_TRACEPOINT << 32 | 10),
	      "raw tracepoint link: type and name length");
	CHECK(mine.data[79] == (1ull << 32 | 1), "a bound map: listed once, kept alive");

	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of links: %s", why);
	} else {
		scenario(kbpf_sys, &theirs);
		CHECK(mine.n == theirs.n, "same steps: %d vs %d", mine.n, theirs.n);
		for (int i = 0; i < mine.n && i < theirs.n; i++)
			CHECK(mine.ret[i] == theirs.ret[i] && mine.err[i] == theirs.err[i] &&
				      mine.data[i] == theirs.data[i],
			      "step %d: bpfx %d/%d/%llx, kernel %d/%d/%llx", i, mine.ret[i],
			      mine.err[i], (unsigned long long)mine.data[i], theirs.ret[i],
			      theirs.err[i], (unsigned long long)theirs.data[i]);
	}
	rmdir(cg_path);
	return t_done("link_cmds");
}
