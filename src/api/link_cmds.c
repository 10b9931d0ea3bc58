/* SPDX-License-Identifier: MIT */
/*
 * Links: LINK_CREATE, LINK_UPDATE, LINK_DETACH, RAW_TRACEPOINT_OPEN, the
 * link ids and bpf_link_info. A link is an object (a descriptor, an id)
 * holding one attachment (api/attach.c) of its program at its target.
 *
 * What is attachable in user space: cgroups (a cgroup v2 directory given
 * by descriptor, identified by its cgroup id), network devices by ifindex
 * (XDP, TCX: the host's interfaces, so that ifindex means what it means to
 * the kernel) and raw tracepoints by name. Other kinds of links (perf
 * events, kprobes, fentry/LSM through BTF, netns, sockmaps, netfilter)
 * need the kernel's objects and answer EOPNOTSUPP once their attributes
 * passed the kernel's common checks. The checks and their order follow
 * the kernel's link_create() and the per-type attach functions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "api/cmds.h"
#include "api/link_obj.h"
#include "api/prog_obj.h"
#include "util/alloc.h"

#define CGROUP2_MAGIC 0x63677270
#define XDP_MODES (2u | 4u | 8u) /* XDP_FLAGS_SKB_MODE | _DRV_MODE | _HW_MODE */
/* BPF_F_BEFORE, _AFTER, _ID and BPF_F_LINK (Linux 6.6): multi-program
 * ordering, which bpfx does not do (attachments run in attach order). */
#define MPROG_ORDER_FLAGS ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 13))

static inline void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

int link_cgroup_id(int fd, uint64_t *id)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if (sfs.f_type != CGROUP2_MAGIC || !S_ISDIR(st.st_mode))
		return -EBADF;
	*id = st.st_ino;
	return 0;
}

uint64_t link_tp_target(const char *name)
{
	/* FNV-1a: names are short and few; a collision would only merge two
	 * tracepoints' attachment lists, so 64 bits make it negligible. */
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ull;
	return h;
}

/* The kernel's attach_type_to_prog_type(). */
static uint32_t attach_prog_type(uint32_t at)
{
	switch (at) {
	case BPF_CGROUP_INET_INGRESS: case BPF_CGROUP_INET_EGRESS:
		return BPF_PROG_TYPE_CGROUP_SKB;
	case BPF_CGROUP_INET_SOCK_CREATE: case BPF_CGROUP_INET_SOCK_RELEASE:
	case BPF_CGROUP_INET4_POST_BIND: case BPF_CGROUP_INET6_POST_BIND:
		return BPF_PROG_TYPE_CGROUP_SOCK;
	case BPF_CGROUP_INET4_BIND: case BPF_CGROUP_INET6_BIND:
	case BPF_CGROUP_INET4_CONNECT: case BPF_CGROUP_INET6_CONNECT:
	case BPF_CGROUP_INET4_GETPEERNAME: case BPF_CGROUP_INET6_GETPEERNAME:
	case BPF_CGROUP_INET4_GETSOCKNAME: case BPF_CGROUP_INET6_GETSOCKNAME:
	case BPF_CGROUP_UDP4_SENDMSG: case BPF_CGROUP_UDP6_SENDMSG:
	case BPF_CGROUP_UDP4_RECVMSG: case BPF_CGROUP_UDP6_RECVMSG:
		return BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	case BPF_CGROUP_SOCK_OPS: return BPF_PROG_TYPE_SOCK_OPS;
	case BPF_CGROUP_DEVICE: return BPF_PROG_TYPE_CGROUP_DEVICE;
	case BPF_SK_MSG_VERDICT: return BPF_PROG_TYPE_SK_MSG;
	case BPF_SK_SKB_STREAM_PARSER: case BPF_SK_SKB_STREAM_VERDICT:
	case BPF_SK_SKB_VERDICT:
		return BPF_PROG_TYPE_SK_SKB;
	case BPF_LIRC_MODE2: return BPF_PROG_TYPE_LIRC_MODE2;
	case BPF_FLOW_DISSECTOR: return BPF_PROG_TYPE_FLOW_DISSECTOR;
	case BPF_CGROUP_SYSCTL: return BPF_PROG_TYPE_CGROUP_SYSCTL;
	case BPF_CGROUP_GETSOCKOPT: case BPF_CGROUP_SETSOCKOPT:
		return BPF_PROG_TYPE_CGROUP_SOCKOPT;
	case BPF_TRACE_ITER: return BPF_PROG_TYPE_TRACING;
	case BPF_PERF_EVENT: return BPF_PROG_TYPE_PERF_EVENT;
	case BPF_TRACE_KPROBE_MULTI: return BPF_PROG_TYPE_KPROBE;
	case BPF_SK_LOOKUP: return BPF_PROG_TYPE_SK_LOOKUP;
	case BPF_XDP: return BPF_PROG_TYPE_XDP;
	case BPF_LSM_CGROUP: return BPF_PROG_TYPE_LSM;
	case BPF_TCX_INGRESS: case BPF_TCX_EGRESS: return BPF_PROG_TYPE_SCHED_CLS;
	default: return BPF_PROG_TYPE_UNSPEC;
	}
}

static bool cgroup_prog_type(uint32_t t)
{
	return t == BPF_PROG_TYPE_CGROUP_SKB || t == BPF_PROG_TYPE_CGROUP_SOCK ||
	       t == BPF_PROG_TYPE_CGROUP_SOCK_ADDR || t == BPF_PROG_TYPE_SOCK_OPS ||
	       t == BPF_PROG_TYPE_CGROUP_DEVICE || t == BPF_PROG_TYPE_CGROUP_SYSCTL ||
	       t == BPF_PROG_TYPE_CGROUP_SOCKOPT;
}

/* The kernel's bpf_prog_attach_check_attach_type(): 0 or -EINVAL. */
static int check_attach_type(const struct prog_obj *p, uint32_t at)
{
	switch (p->type) {
	case BPF_PROG_TYPE_CGROUP_SOCK: case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT: case BPF_PROG_TYPE_SK_LOOKUP:
		return at == p->expected_attach_type ? 0 : -EINVAL;
	case BPF_PROG_TYPE_CGROUP_SKB: case BPF_PROG_TYPE_EXT:
		return 0;
	case BPF_PROG_TYPE_PERF_EVENT: case BPF_PROG_TYPE_TRACEPOINT:
		return at == BPF_PERF_EVENT ? 0 : -EINVAL;
	case BPF_PROG_TYPE_KPROBE:
		return at == BPF_PERF_EVENT || at == BPF_TRACE_KPROBE_MULTI ? 0 : -EINVAL;
	case BPF_PROG_TYPE_SCHED_CLS:
		return at == BPF_TCX_INGRESS || at == BPF_TCX_EGRESS ? 0 : -EINVAL;
	default: {
		uint32_t t = attach_prog_type(at);
		return t == BPF_PROG_TYPE_UNSPEC || t != p->type ? -EINVAL : 0;
	}
	}
}

/* ---- the link object ---- */

static void link_destroy(struct obj *o)
{
	struct link_obj *l = (struct link_obj *)o;
	attach_del_link(l);
	obj_put(&l->prog->obj);
	mem_free(l->tp_name);
	mem_free(l->pin_path);
	mem_free(l);
}

/* A new link of `type` for prog (a reference taken), not attached yet;
 * NULL and *err on failure. */
static struct link_obj *link_new(uint32_t type, uint32_t attach_type, struct prog_obj *prog,
				 uint64_t target, int *err)
{
	struct link_obj *l = mem_zalloc(sizeof(*l));
	if (!l) {
		*err = -ENOMEM;
		return NULL;
	}
	int file = memfd_create("bpfx-link", MFD_CLOEXEC);
	if (file < 0) {
		*err = -errno;
		mem_free(l);
		return NULL;
	}
	if ((*err = obj_init(&l->obj, OBJ_LINK, file, link_destroy))) {
		close(file);
		mem_free(l);
		return NULL;
	}
	obj_get(&prog->obj);
	l->prog = prog;
	l->type = type;
	l->attach_type = attach_type;
	l->target = target;
	return l;
}

/* Attaches a new link with attach flags `flags` and returns its descriptor
 * (or a negative errno; the link is then freed). */
static int link_attach(struct link_obj *l, uint32_t flags)
{
	int err = attach_add(l->attach_type, l->target, l->prog, l, flags, NULL);
	if (!err) {
		l->attached = true;
		err = fd_new(&l->obj);
	}
	obj_put(&l->obj);
	return err;
}

int link_rebuild(uint32_t type, uint32_t attach_type, struct prog_obj *prog, uint64_t target,
		 const char *tp_name, bool attach)
{
	int err = 0;
	struct link_obj *l = link_new(type, attach_type, prog, target, &err);

	if (!l)
		return err;
	if (tp_name && !(l->tp_name = mem_strdup(tp_name))) {
		obj_put(&l->obj);
		return -ENOMEM;
	}
	if (attach) /* XDP: one program per device (EBUSY); the others: many */
		return link_attach(l, type == BPF_LINK_TYPE_XDP ? 0 : BPF_F_ALLOW_MULTI);
	int fd = fd_new(&l->obj);
	obj_put(&l->obj);
	return fd;
}

static int link_create_target(struct prog_obj *p, const union bpf_attr *attr)
{
	uint32_t at = attr->link_create.attach_type, flags = attr->link_create.flags;
	uint32_t ltype;
	uint64_t target;
	char ifname[IF_NAMESIZE];
	int err = 0;

	if (cgroup_prog_type(p->type)) {
		if (flags & ~MPROG_ORDER_FLAGS)
			return -EINVAL;
		if ((err = link_cgroup_id((int)attr->link_create.target_fd, &target)))
			return err;
		if (attach_prog_type(at) != p->type)
			return -EINVAL; /* to_cgroup_bpf_attach_type */
		if (flags)
			return -EOPNOTSUPP;
		ltype = BPF_LINK_TYPE_CGROUP;
	} else if (p->type == BPF_PROG_TYPE_XDP) {
		if (flags & ~(uint32_t)XDP_MODES)
			return -EINVAL;
		if (!if_indextoname(attr->link_create.target_ifindex, ifname))
			return -EINVAL;
		target = attr->link_create.target_ifindex;
		ltype = BPF_LINK_TYPE_XDP;
	} else if (p->type == BPF_PROG_TYPE_SCHED_CLS) {
		if (flags & ~(MPROG_ORDER_FLAGS | BPF_F_REPLACE))
			return -EINVAL;
		if (!if_indextoname(attr->link_create.target_ifindex, ifname))
			return -ENODEV;
		if (flags)
			return -EOPNOTSUPP;
		target = attr->link_create.target_ifindex;
		ltype = LINK_TYPE_TCX;
	} else {
		switch (p->type) {
		case BPF_PROG_TYPE_EXT: case BPF_PROG_TYPE_LSM: case BPF_PROG_TYPE_TRACING:
		case BPF_PROG_TYPE_FLOW_DISSECTOR: case BPF_PROG_TYPE_SK_LOOKUP:
		case BPF_PROG_TYPE_SK_MSG: case BPF_PROG_TYPE_SK_SKB:
		case BPF_PROG_TYPE_PERF_EVENT: case BPF_PROG_TYPE_TRACEPOINT:
		case BPF_PROG_TYPE_KPROBE:
			return -EOPNOTSUPP; /* kernel objects: see the file comment */
		default:
			return -EINVAL;
		}
	}
	return link_rebuild(ltype, at, p, target, NULL, true);
}

int cmd_link_create(union bpf_attr *attr)
{
	int err = 0;
	struct obj *o = fd_get((int)attr->link_create.prog_fd, OBJ_PROG, &err);
	if (!o)
		return err;
	struct prog_obj *p = (struct prog_obj *)o;
	err = check_attach_type(p, attr->link_create.attach_type);
	if (!err)
		err = link_create_target(p, attr);
	obj_put(o);
	return err;
}

int cmd_raw_tracepoint_open(union bpf_attr *attr)
{
	int err = 0;
	struct obj *o = fd_get((int)attr->raw_tracepoint.prog_fd, OBJ_PROG, &err);
	if (!o)
		return err;
	struct prog_obj *p = (struct prog_obj *)o;
	const char *name = uptr(attr->raw_tracepoint.name);
	if (p->type == BPF_PROG_TYPE_TRACING || p->type == BPF_PROG_TYPE_EXT ||
	    p->type == BPF_PROG_TYPE_LSM)
		err = -EOPNOTSUPP; /* attached through BTF ids of the kernel */
	else if (p->type != BPF_PROG_TYPE_RAW_TRACEPOINT &&
		 p->type != BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE)
		err = -EINVAL;
	else if (!name)
		err = -EFAULT;
	else if (!name[0] || strnlen(name, 128) == 128)
		err = -ENOENT; /* no tracepoint has that name */
	else
		err = link_rebuild(BPF_LINK_TYPE_RAW_TRACEPOINT, BPF_TRACE_RAW_TP, p,
				   link_tp_target(name), name, true);
	obj_put(o);
	return err;
}

/* ---- update, detach ---- */

int cmd_link_update(union bpf_attr *attr)
{
	uint32_t flags = attr->link_update.flags;
	struct obj *lo, *no, *oo = NULL;
	int err = 0;

	if (flags & ~(uint32_t)BPF_F_REPLACE)
		return -EINVAL;
	if (!(lo = fd_get((int)attr->link_update.link_fd, OBJ_LINK, &err)))
		return err;
	if (!(no = fd_get((int)attr->link_update.new_prog_fd, OBJ_PROG, &err)))
		goto out;
	if (flags & BPF_F_REPLACE)
		oo = fd_get((int)attr->link_update.old_prog_fd, OBJ_PROG, &err);
	else if (attr->link_update.old_prog_fd)
		err = -EINVAL;
	if (err)
		goto out;
	struct link_obj *l = (struct link_obj *)lo;
	struct prog_obj *np = (struct prog_obj *)no;
	if (l->type == BPF_LINK_TYPE_RAW_TRACEPOINT)
		err = -EINVAL; /* no update_prog */
	else if (!l->attached)
		err = -ENOLINK;
	else if (oo && oo != &l->prog->obj)
		err = -EPERM;
	else if (np->type != l->prog->type ||
		 (l->type == BPF_LINK_TYPE_XDP &&
		  np->expected_attach_type != l->prog->expected_attach_type))
		err = -EINVAL;
	if (!err && np != l->prog) {
		attach_set_link_prog(l, np);
		obj_get(no);
		obj_put(&l->prog->obj);
		l->prog = np;
	}
out:
	obj_put(oo);
	obj_put(no);
	obj_put(lo);
	return err;
}

int cmd_link_detach(union bpf_attr *attr)
{
	int err = 0;
	struct obj *o = fd_get((int)attr->link_detach.link_fd, OBJ_LINK, &err);
	if (!o)
		return err;
	struct link_obj *l = (struct link_obj *)o;
	if (l->type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
		err = -EOPNOTSUPP; /* the kernel's raw tracepoint links have no detach */
	} else {
		attach_del_link(l);
		l->attached = false;
		link_pin_detached(l);
	}
	obj_put(o);
	return err;
}

/* ---- ids and info ---- */

int cmd_link_get_next_id(union bpf_attr *attr)
{
	return cmd_next_id(OBJ_LINK, attr);
}

int cmd_link_get_fd_by_id(union bpf_attr *attr)
{
	return cmd_fd_by_id(OBJ_LINK, attr->link_id);
}

/* The raw tracepoint's name into the caller's buffer, as the kernel's
 * bpf_raw_tp_link_fill_link_info: -ENOSPC (after a truncated copy) when
 * it does not fit. */
static int tp_name_info(const struct link_obj *l, struct bpf_link_info *info)
{
	char *ubuf = uptr(info->raw_tracepoint.tp_name);
	uint32_t ulen = info->raw_tracepoint.tp_name_len;
	size_t len = strlen(l->tp_name);

	if (!ulen != !ubuf)
		return -EINVAL;
	info->raw_tracepoint.tp_name_len = (uint32_t)len + 1;
	if (!ubuf)
		return 0;
	if (len < ulen) {
		memcpy(ubuf, l->tp_name, len + 1);
		return 0;
	}
	memcpy(ubuf, l->tp_name, ulen - 1);
	ubuf[ulen - 1] = '\0';
	return -ENOSPC;
}

int link_info(struct link_obj *l, union bpf_attr *attr)
{
	struct bpf_link_info info;
	int len = info_len(attr, sizeof(info)), err = 0;

	if (len < 0)
		return len;
	/* Like the kernel: the caller's struct is read first, so what the
	 * link type does not fill keeps the caller's values. */
	memset(&info, 0, sizeof(info));
	memcpy(&info, uptr(attr->info.info), (size_t)len);
	info.type = l->type;
	info.id = l->obj.id;
	info.prog_id = l->prog->obj.id;
	switch (l->type) {
	case BPF_LINK_TYPE_CGROUP:
		info.cgroup.cgroup_id = l->attached ? l->target : 0;
		info.cgroup.attach_type = l->attach_type;
		break;
	case BPF_LINK_TYPE_XDP:
		info.xdp.ifindex = l->attached ? (uint32_t)l->target : 0;
		break;
	case LINK_TYPE_TCX: /* { u32 ifindex; u32 attach_type; } */
		info.netns.netns_ino = l->attached ? (uint32_t)l->target : 0;
		info.netns.attach_type = l->attach_type;
		break;
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		err = tp_name_info(l, &info);
		break;
	}
	if (err)
		return err;
	memcpy(uptr(attr->info.info), &info, (size_t)len);
	attr->info.info_len = (uint32_t)len;
	return 0;
}

/* ---- PROG_ATTACH, PROG_DETACH, PROG_QUERY (cgroups) ---- */

/* BPF_F_ALLOW_OVERRIDE | _ALLOW_MULTI | _REPLACE and BPF_F_PREORDER (6.15) */
#define ATTACH_BASE_FLAGS (BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI | BPF_F_REPLACE | (1u << 6))

/* The program of a descriptor, which must be of `type`: NULL and *err
 * (-EBADF, or -EINVAL for another kind or type: bpf_prog_get_type). */
static struct prog_obj *prog_of_type(uint32_t fd, uint32_t type, int *err)
{
	struct obj *o = fd_get((int)fd, OBJ_PROG, err);
	if (o && ((struct prog_obj *)o)->type != type) {
		obj_put(o);
		*err = -EINVAL;
		return NULL;
	}
	return (struct prog_obj *)o;
}

/* attr->expected_revision (Linux 6.6), after replace_bpf_fd and padding */
static uint64_t attach_revision(const union bpf_attr *attr)
{
	uint64_t r;
	memcpy(&r, (const char *)attr + 24, sizeof(r));
	return r;
}

int cmd_prog_attach(union bpf_attr *attr)
{
	uint32_t ptype = attach_prog_type(attr->attach_type), flags = attr->attach_flags;
	struct prog_obj *p, *replace = NULL;
	uint64_t cgid;
	int err = 0;

	if (ptype == BPF_PROG_TYPE_UNSPEC)
		return -EINVAL;
	if (cgroup_prog_type(ptype) ? flags & ~(ATTACH_BASE_FLAGS | MPROG_ORDER_FLAGS)
				    : flags & ~ATTACH_BASE_FLAGS)
		return -EINVAL;
	if (!(p = prog_of_type(attr->attach_bpf_fd, ptype, &err)))
		return err;
	if (check_attach_type(p, attr->attach_type))
		err = -EINVAL;
	else if (!cgroup_prog_type(ptype))
		err = -EOPNOTSUPP; /* sockmaps, flow dissector, lirc, tcx: kernel objects */
	else if (!(err = link_cgroup_id((int)attr->target_fd, &cgid)) &&
		 (flags & BPF_F_REPLACE) && attr->replace_bpf_fd)
		replace = prog_of_type(attr->replace_bpf_fd, ptype, &err);
	if (!err && ((flags & (MPROG_ORDER_FLAGS | (1u << 6))) || attach_revision(attr)))
		err = -EOPNOTSUPP; /* ordering and revisions: not in bpfx */
	if (!err)
		err = attach_add(attr->attach_type, cgid, p, NULL, flags, replace);
	obj_put(replace ? &replace->obj : NULL);
	obj_put(&p->obj);
	return err;
}

int cmd_prog_detach(union bpf_attr *attr)
{
	uint32_t ptype = attach_prog_type(attr->attach_type);
	struct prog_obj *p = NULL;
	uint64_t cgid;
	int err = 0;

	if (attr->attach_flags || attr->replace_bpf_fd)
		return -EINVAL;
	if (!cgroup_prog_type(ptype) && attach_revision(attr))
		return -EINVAL;
	if (attr->attach_bpf_fd && !(p = prog_of_type(attr->attach_bpf_fd, ptype, &err)))
		return err;
	if (!cgroup_prog_type(ptype))
		err = ptype == BPF_PROG_TYPE_UNSPEC ? -EINVAL : -EOPNOTSUPP;
	else if (!(err = link_cgroup_id((int)attr->target_fd, &cgid)))
		err = attach_del_prog(attr->attach_type, cgid, p);
	obj_put(p ? &p->obj : NULL);
	return err;
}

int cmd_prog_query(union bpf_attr *attr)
{
	uint32_t *uids = uptr(attr->query.prog_ids), *uflags = uptr(attr->query.prog_attach_flags);
	bool effective = attr->query.query_flags & BPF_F_QUERY_EFFECTIVE;
	uint32_t flags, ptype = attach_prog_type(attr->query.attach_type);
	uint64_t cgid;
	int err;

	if (attr->query.query_flags & ~(uint32_t)BPF_F_QUERY_EFFECTIVE)
		return -EINVAL;
	if (!cgroup_prog_type(ptype))
		return ptype == BPF_PROG_TYPE_UNSPEC ? -EINVAL : -EOPNOTSUPP;
	if ((err = link_cgroup_id((int)attr->query.target_fd, &cgid)))
		return err;
	if (effective && uflags)
		return -EINVAL;
	/* Effective = this cgroup's own programs: bpfx attaches nothing to
	 * the ancestors of a cgroup on its behalf. */
	uint32_t want = uids ? attr->query.prog_cnt : 0;
	int n = attach_query(attr->query.attach_type, cgid, &flags, uids, want);
	attr->query.attach_flags = effective ? 0 : flags;
	attr->query.prog_cnt = (uint32_t)n;
	if (!want || !n)
		return 0;
	if (uflags)
		for (uint32_t i = 0; i < want && i < (uint32_t)n; i++)
			uflags[i] = flags;
	return want < (uint32_t)n ? -ENOSPC : 0;
}
