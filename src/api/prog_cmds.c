/* SPDX-License-Identifier: MIT */
/*
 * The bpf() commands on programs: PROG_LOAD, PROG_TEST_RUN, ids and info.
 *
 * PROG_LOAD checks the attributes like the kernel (flags, sizes, name, log
 * buffer), resolves the program's references to maps (lddw with
 * BPF_PSEUDO_MAP_FD/_VALUE/_IDX/_IDX_VALUE) and builds it. Until the
 * verifier exists every program runs in checked mode, so a program that
 * the kernel would refuse cannot harm the host either; its log says so.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "api/cmds.h"
#include "api/prog_obj.h"
#include "helpers/helpers.h"
#include "helpers/names.h"
#include "maps/fd_map.h"
#include "maps/map.h"
#include "util/alloc.h"
#include "verifier/verifier.h"
#include "vm/stats.h"
#include "vm/vm.h"

#ifndef offsetofend
#define offsetofend(T, f) (offsetof(T, f) + sizeof(((T *)0)->f))
#endif

/* The verifier's self-check of register bounds (Linux 6.8): accepted and
 * ignored, as bpfx's verifier checks its bounds in its own tests. */
#define PROG_F_TEST_REG_INVARIANTS (1u << 7)
#define PROG_LOAD_FLAGS (BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_STATE_FREQ | \
			 BPF_F_SLEEPABLE | BPF_F_TEST_RND_HI32 | BPF_F_XDP_HAS_FRAGS | \
			 PROG_F_TEST_REG_INVARIANTS)

static inline void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* ---- the load log (log_buf / log_size / log_level) ---- */

struct load_log {
	char *buf;
	uint32_t size, len;
	bool truncated;
};

static void load_log_line(void *ctx, enum bpfx_log_level level, const char *msg)
{
	struct load_log *l = ctx;
	(void)level;
	if (!l->buf)
		return;
	int n = snprintf(l->buf + l->len, l->size - l->len, "%s\n", msg);
	if (n < 0 || (uint32_t)n >= l->size - l->len) {
		l->truncated = true;
		l->len = l->size - 1;
	} else {
		l->len += (uint32_t)n;
	}
}

/* The kernel's rules for log attributes (since Linux 6.4): buffer and size
 * come together, a buffer needs a level, a level without a buffer is
 * allowed (the log is dropped). */
static int log_init(struct load_log *l, const union bpf_attr *attr)
{
	memset(l, 0, sizeof(*l));
	if (attr->log_level & ~7u)
		return -EINVAL;
	if (!!attr->log_buf != !!attr->log_size || attr->log_size > (UINT32_MAX >> 2))
		return -EINVAL;
	if (!attr->log_level && attr->log_buf)
		return -EINVAL;
	if (attr->log_level && attr->log_buf) {
		l->buf = uptr(attr->log_buf);
		l->size = attr->log_size;
		l->buf[0] = '\0';
	}
	return 0;
}

/* ---- resolving references to maps ---- */

struct resolve_ctx {
	struct prog_obj *p;
	const int *fd_array;
	struct load_log *log;
};

/* Adds m (the caller's reference, taken over) to the program's maps;
 * its index there in *index. */
static int keep_map(struct prog_obj *p, struct map *m, uint32_t *index)
{
	for (uint32_t i = 0; i < p->map_cnt; i++)
		if (p->maps[i] == m) {
			obj_put(&m->obj); /* already held */
			*index = i;
			return 0;
		}
	struct map **n = mem_realloc(p->maps, (p->map_cnt + 1) * sizeof(*n));
	if (!n) {
		obj_put(&m->obj);
		return -ENOMEM;
	}
	*index = p->map_cnt;
	n[p->map_cnt++] = m;
	p->maps = n;
	return 0;
}

/* Records in the pin copy of the instructions which map lddw `idx` got. */
static void pin_ld(struct prog_obj *p, size_t idx, uint32_t index)
{
	struct bpf_insn *in = &p->pin_insns[idx];
	bool value = in->src_reg == BPF_PSEUDO_MAP_VALUE || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE;
	in->src_reg = value ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_IDX;
	in->imm = (int32_t)index;
}

static int resolve_ld(void *ctx, const struct bpf_insn *in, size_t idx, uint64_t *value,
		      struct vm_mem_owner *owner)
{
	struct resolve_ctx *rc = ctx;
	int fd, err = 0;

	switch (in->src_reg) {
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_VALUE:
		fd = in->imm;
		break;
	case BPF_PSEUDO_MAP_IDX:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		if (!rc->fd_array) {
			load_log_line(rc->log, BPFX_LOG_ERROR, "fd_array not set for map index");
			return -EINVAL;
		}
		fd = rc->fd_array[in->imm];
		break;
	default:
		load_log_line(rc->log, BPFX_LOG_ERROR, "BTF objects in lddw are not supported yet");
		return -EOPNOTSUPP;
	}
	struct obj *o = fd_get(fd, OBJ_MAP, &err);
	if (!o) {
		char line[96];
		snprintf(line, sizeof(line), "fd %d is not pointing to valid bpf_map", fd);
		load_log_line(rc->log, BPFX_LOG_ERROR, line);
		return err == -EINVAL ? -EINVAL : -EBADF;
	}
	struct map *m = map_of(o);
	if (in->src_reg == BPF_PSEUDO_MAP_VALUE || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
		uint32_t off = (uint32_t)(in + 1)->imm;
		/* Direct value access: arrays of one element, like the kernel. */
		if (m->type != BPF_MAP_TYPE_ARRAY || m->max_entries != 1 || off >= m->value_size) {
			load_log_line(rc->log, BPFX_LOG_ERROR,
				      "direct value access on this map is not supported");
			obj_put(o);
			return -EINVAL;
		}
		*value = (uintptr_t)m->data + off;
	} else {
		*value = (uintptr_t)m;
	}
	if ((err = prog_array_owner(m, rc->p))) {
		load_log_line(rc->log, BPFX_LOG_ERROR, "prog array holds programs of another type "
			      "(or attach type, or sleepable/frags flags)");
		obj_put(o);
		return err;
	}
	owner->owner = m;
	owner->contains = map_value_contains;
	uint32_t index;
	if ((err = keep_map(rc->p, m, &index)))
		return err;
	if (idx < rc->p->insn_cnt)
		pin_ld(rc->p, idx, index);
	return 0;
}

/* ---- PROG_LOAD ---- */

static void prog_destroy(struct obj *o)
{
	struct prog_obj *p = (struct prog_obj *)o;
	bpfx_prog__free(p->prog);
	for (uint32_t i = 0; i < p->map_cnt; i++)
		obj_put(&p->maps[i]->obj);
	mem_free(p->maps);
	mem_free(p->pin_insns);
	mem_free(p);
}

static bool known_prog_type(uint32_t type)
{
	return type > BPF_PROG_TYPE_UNSPEC && type <= BPF_PROG_TYPE_SYSCALL;
}

static int check_load_attr(const union bpf_attr *attr, char *license, size_t license_sz)
{
	if (attr->prog_flags & ~(uint32_t)PROG_LOAD_FLAGS)
		return -EINVAL;
	if (attr->insn_cnt == 0 || attr->insn_cnt > BPFX_MAX_INSNS)
		return -E2BIG;
	if (!known_prog_type(attr->prog_type))
		return -EINVAL;
	if (attr->prog_type == BPF_PROG_TYPE_SYSCALL && !(attr->prog_flags & BPF_F_SLEEPABLE))
		return -EINVAL; /* "Syscall programs can only be sleepable" */
	for (size_t i = 0; i < BPF_OBJ_NAME_LEN; i++) {
		char c = attr->prog_name[i];
		if (!c)
			break;
		if (!isalnum((unsigned char)c) && c != '_' && c != '.')
			return -EINVAL;
		if (i == BPF_OBJ_NAME_LEN - 1)
			return -EINVAL;
	}
	license[0] = '\0';
	if (attr->license)
		snprintf(license, license_sz, "%s", (const char *)uptr(attr->license));
	if (attr->prog_btf_fd || attr->func_info_cnt || attr->line_info_cnt ||
	    attr->attach_btf_id || attr->core_relo_cnt || attr->prog_ifindex)
		return -EOPNOTSUPP; /* BTF, CO-RE and offload come later */
	return 0;
}

static bool license_is_gpl(const char *l)
{
	static const char *const gpl[] = { "GPL", "GPL v2", "GPL and additional rights",
					    "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" };
	for (size_t i = 0; i < sizeof(gpl) / sizeof(gpl[0]); i++)
		if (!strcmp(l, gpl[i]))
			return true;
	return false;
}

static int prog_file(const union bpf_attr *attr)
{
	int fd = memfd_create(attr->prog_name[0] ? attr->prog_name : "bpfx-prog", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = (size_t)attr->insn_cnt * sizeof(struct bpf_insn);
	if (write(fd, uptr(attr->insns), len) != (ssize_t)len) {
		int err = errno ? -errno : -EIO;
		close(fd);
		return err;
	}
	return fd;
}

/* ---- the verifier ---- */

/* Loads are verified unless the environment says BPFX_VERIFY=0 (the
 * user asks for unverified programs, which run checked). A rejected
 * program is refused with the kernel's errno and log. */
static bool verifier_enabled(void)
{
	const char *v = getenv("BPFX_VERIFY");
	return !v || !*v || strcmp(v, "0");
}

#define VFY_KERNEL_INSN_LIMIT 1000000u /* what vfy_input.insn_limit 0 means */

/* Appends one line to the caller's log buffer, if there is room. */
static void log_note(const union bpf_attr *attr, const char *line)
{
	char *buf = uptr(attr->log_buf);
	if (!attr->log_level || !buf || !attr->log_size)
		return;
	size_t used = strnlen(buf, attr->log_size);
	if (used + 1 < attr->log_size)
		snprintf(buf + used, attr->log_size - used, "%s\n", line);
}

/* Runs the verifier on the loaded program: its instructions as pinned
 * (every map reference as BPF_PSEUDO_MAP_IDX* into p->maps), its maps and
 * its helpers; the log goes straight to the caller's buffer. */
static int verify_prog(struct prog_obj *p, const union bpf_attr *attr)
{
	struct vfy_map *maps = mem_zalloc((p->map_cnt + 1) * sizeof(*maps));
	if (!maps)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->map_cnt; i++) {
		const struct map *m = p->maps[i];
		maps[i] = (struct vfy_map){ m->type, m->key_size, m->value_size, m->max_entries,
					    m->map_flags, m->hdr->name, NULL };
		if (m->type == BPF_MAP_TYPE_ARRAY && (m->map_flags & BPF_F_RDONLY_PROG) &&
		    atomic_load(&m->hdr->frozen))
			maps[i].rodata = m->data;
	}
	struct vfy_input in = {
		.prog_type = attr->prog_type, .maps = maps, .map_cnt = p->map_cnt,
		.helpers = p->prog->helpers, .helper_cnt = p->prog->helper_cnt,
		.log_level = attr->log_level, .log_buf = uptr(attr->log_buf),
		.log_size = attr->log_size,
	};
	struct vfy_stats stats = { 0 };
	int err = vfy_verify(p->pin_insns, p->insn_cnt, &in, &stats);
	mem_free(maps);
	bool gave_up = err == -E2BIG && stats.processed > VFY_KERNEL_INSN_LIMIT;
	/* What the verifier cannot judge yet (a feature it does not model) and
	 * what it gave up on at its instruction limit (it prunes less than
	 * the kernel: a program the kernel takes may exceed it here) load
	 * unverified, with a note in the log: such programs always run
	 * checked, so they still cannot touch memory they were not given.
	 * BPFX_VERIFY=strict refuses them instead. */
	const char *v = getenv("BPFX_VERIFY");
	if ((err == -EOPNOTSUPP || gave_up) && strcmp(v ? v : "", "strict")) {
		log_note(attr, gave_up ? "bpfx: the verifier stopped at its instruction limit; "
					 "loaded unverified, runs are checked"
				       : "bpfx: loaded unverified, runs are checked");
		return 0;
	}
	return err;
}

/* Helpers the kernel gives only to some program types (the verifier's
 * get_func_proto): refused at load with the kernel's message and errno. */
static int check_helper_types(const union bpf_attr *attr, struct load_log *log)
{
	const struct bpf_insn *in = uptr(attr->insns);
	char msg[128];

	for (uint32_t i = 0; i < attr->insn_cnt; i++) {
		if (in[i].code != (BPF_JMP | BPF_CALL) || in[i].src_reg ||
		    helper_prog_type_ok(attr->prog_type, (uint32_t)in[i].imm))
			continue;
		const char *name = helper_name((uint32_t)in[i].imm);
		snprintf(msg, sizeof(msg), "program of this type cannot use helper %s#%d",
			 name ? name : "unknown", in[i].imm);
		load_log_line(log, BPFX_LOG_ERROR, msg);
		return -EINVAL;
	}
	return 0;
}

int cmd_prog_load(union bpf_attr *attr)
{
	struct load_log log;
	char license[128];
	struct prog_obj *p;
	int err, file;

	/* The kernel checks the attributes before the log's. */
	if ((err = check_load_attr(attr, license, sizeof(license))) || (err = log_init(&log, attr)))
		return err;
	if (!(p = mem_zalloc(sizeof(*p))))
		return -ENOMEM;
	if ((file = prog_file(attr)) < 0) {
		mem_free(p);
		return file;
	}
	if ((err = obj_init(&p->obj, OBJ_PROG, file, prog_destroy))) {
		close(file);
		mem_free(p);
		return err;
	}
	p->type = attr->prog_type;
	p->expected_attach_type = attr->expected_attach_type;
	p->prog_flags = attr->prog_flags;
	p->gpl = license_is_gpl(license);
	memcpy(p->name, attr->prog_name, sizeof(p->name));
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	p->load_time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;

	size_t len = (size_t)attr->insn_cnt * sizeof(struct bpf_insn);
	if (!(p->pin_insns = mem_zalloc(len))) {
		obj_put(&p->obj);
		return -ENOMEM;
	}
	memcpy(p->pin_insns, uptr(attr->insns), len);
	p->insn_cnt = attr->insn_cnt;
	if ((err = prog_calc_tag(p->pin_insns, p->insn_cnt, p->tag))) {
		obj_put(&p->obj);
		return err;
	}

	if ((err = check_helper_types(attr, &log))) {
		obj_put(&p->obj);
		return err;
	}
	struct resolve_ctx rc = { p, uptr(attr->fd_array), &log };
	struct vm_ld_resolver resolver = { resolve_ld, &rc };
	struct bpfx_prog_opts po = { .sz = sizeof(po), .log = load_log_line, .log_ctx = &log };
	p->prog = vm_prog_build(uptr(attr->insns), attr->insn_cnt, &po, &resolver, &err);
	if (!p->prog) {
		obj_put(&p->obj);
		/* The kernel's verifier answers EINVAL for invalid code and for
		 * calls to helpers it does not know. */
		return err == -ENOENT ? -EINVAL : err;
	}
	if (log.truncated) {
		obj_put(&p->obj);
		return -ENOSPC;
	}
	if (verifier_enabled() && (err = verify_prog(p, attr))) {
		obj_put(&p->obj);
		return err;
	}
	int fd = fd_new(&p->obj);
	obj_put(&p->obj);
	return fd;
}

/* ---- PROG_BIND_MAP ---- */

/* Guards p->maps against a bind while info or another bind reads it
 * (PROG_LOAD fills it before the program is visible). */
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;

/* The program keeps a reference on the map, as if its code used it (the
 * kernel's used_maps); binding a map it has already is a no-op. */
int cmd_prog_bind_map(union bpf_attr *attr)
{
	uint32_t index;
	int err = 0;

	if (attr->prog_bind_map.flags)
		return -EINVAL;
	struct obj *o = fd_get((int)attr->prog_bind_map.prog_fd, OBJ_PROG, &err);
	if (!o)
		return err;
	struct map *m = map_cmd_get(attr->prog_bind_map.map_fd, &err);
	if (m) {
		pthread_mutex_lock(&maps_lock);
		err = keep_map((struct prog_obj *)o, m, &index); /* takes m's reference */
		pthread_mutex_unlock(&maps_lock);
	}
	obj_put(o);
	return err;
}

/* ---- ids and info ---- */

int cmd_prog_get_next_id(union bpf_attr *attr)
{
	return cmd_next_id(OBJ_PROG, attr);
}

int cmd_prog_get_fd_by_id(union bpf_attr *attr)
{
	if (attr->open_flags)
		return -EINVAL;
	return cmd_fd_by_id(OBJ_PROG, attr->prog_id);
}

int prog_info(struct prog_obj *p, union bpf_attr *attr)
{
	struct bpf_prog_info info;
	int len = info_len(attr, sizeof(info));
	struct bpf_prog_info *u = uptr(attr->info.info);

	if (len < 0)
		return len;
	memset(&info, 0, sizeof(info));
	info.type = p->type;
	info.id = p->obj.id;
	memcpy(info.name, p->name, sizeof(info.name));
	info.gpl_compatible = p->gpl;
	stats_sweep();
	vm_stats_get(p->prog, (uint64_t *)&info.run_cnt, (uint64_t *)&info.run_time_ns);
	info.load_time = p->load_time_ns;
	memcpy(info.tag, p->tag, sizeof(info.tag));
	info.xlated_prog_len = (uint32_t)(bpfx_prog__insn_cnt(p->prog) * sizeof(struct bpf_insn));
	info.nr_map_ids = p->map_cnt;
	/* The instructions of the code test runs use (checked until the
	 * verifier exists), compiled now if no run did yet; none where there
	 * is no JIT. */
	struct bpfx_jit_info ji = { .sz = sizeof(ji) };
	if (bpfx_prog__jit(p->prog, true, &ji) == 0)
		info.jited_prog_len = (uint32_t)ji.text_size;
	if ((size_t)len >= offsetofend(struct bpf_prog_info, jited_prog_insns) &&
	    u->jited_prog_insns && u->jited_prog_len && info.jited_prog_len) {
		uint32_t n = u->jited_prog_len < info.jited_prog_len ? u->jited_prog_len
								    : info.jited_prog_len;
		memcpy(uptr(u->jited_prog_insns), ji.code, n);
		info.jited_prog_insns = u->jited_prog_insns;
	}
	/* Arrays the caller asked for: filled up to the room it gave. */
	if ((size_t)len >= offsetofend(struct bpf_prog_info, xlated_prog_insns) &&
	    u->xlated_prog_insns && u->xlated_prog_len) {
		uint32_t n = u->xlated_prog_len < info.xlated_prog_len ? u->xlated_prog_len
								      : info.xlated_prog_len;
		memcpy(uptr(u->xlated_prog_insns), bpfx_prog__insns(p->prog), n);
		info.xlated_prog_insns = u->xlated_prog_insns;
	}
	if ((size_t)len >= offsetofend(struct bpf_prog_info, map_ids) && u->map_ids &&
	    u->nr_map_ids) {
		uint32_t *ids = uptr(u->map_ids);
		pthread_mutex_lock(&maps_lock);
		info.nr_map_ids = p->map_cnt;
		for (uint32_t i = 0; i < p->map_cnt && i < u->nr_map_ids; i++)
			ids[i] = p->maps[i]->obj.id;
		pthread_mutex_unlock(&maps_lock);
		info.map_ids = u->map_ids;
	}
	memcpy(u, &info, (size_t)len);
	attr->info.info_len = (uint32_t)len;
	return 0;
}
