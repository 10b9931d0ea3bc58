/* SPDX-License-Identifier: MIT */
/*
 * Objects: an ELF description (loader/elf.h) turned into maps and
 * programs. Like libbpf over the system call, this layer uses only
 * bpfx_bpf(): what it creates is exactly what a user could create.
 *
 * Runs on the thread that opens and loads; the object is not shared until
 * bpfx_object__load returns.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "api/obj.h"
#include "loader/btf.h"
#include "loader/core.h"
#include "loader/elf.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/opts.h"
#include "vm/slot.h"

struct bpfx_map {
	const struct elf_map *def;
	int fd;
	bool reused;    /* fd given by bpfx_map__reuse_fd: not created at load */
};

struct bpfx_program {
	const struct elf_prog *def;
	int fd;
	/* Set by bpfx_program__set_type before load (bpftool's `prog load
	 * ... type TYPE`): loaded as this type instead of the section's. */
	bool type_set;
	enum bpf_prog_type type;
	enum bpf_attach_type expected_attach_type;
};

struct bpfx_object {
	struct elf_obj *elf;
	struct bpfx_map *maps;          /* one per elf map */
	struct bpfx_program *progs;     /* one per elf program */
	struct log_sink log;
	char *btf_custom_path;          /* CO-RE target (opts), or NULL */
	uint32_t kernel_log_level;      /* opts: log every program's verification */
	struct bpfx_btf *core_target;   /* loaded on the first CO-RE relocation */
	int btf_fd;                     /* its BTF once loaded, else -1 */
	bool loaded;
};

static struct bpfx_object *object_new(struct elf_obj *elf, const struct bpfx_object_opts *o,
				      int *err)
{
	const struct log_sink sink = { o->log, o->log_ctx }, *log = &sink;
	struct bpfx_object *obj = mem_zalloc(sizeof(*obj));
	if (obj) {
		obj->maps = mem_array(elf->map_cnt + 1, sizeof(*obj->maps));
		obj->progs = mem_array(elf->prog_cnt + 1, sizeof(*obj->progs));
		if (o->btf_custom_path)
			obj->btf_custom_path = mem_strdup(o->btf_custom_path);
		obj->kernel_log_level = o->kernel_log_level;
	}
	if (!obj || !obj->maps || !obj->progs || (o->btf_custom_path && !obj->btf_custom_path)) {
		if (obj) {
			mem_free(obj->maps);
			mem_free(obj->progs);
			mem_free(obj->btf_custom_path);
		}
		mem_free(obj);
		elf_obj_free(elf);
		*err = -ENOMEM;
		return NULL;
	}
	obj->elf = elf;
	obj->log = *log;
	obj->btf_fd = -1;
	for (uint32_t i = 0; i < elf->map_cnt; i++)
		obj->maps[i] = (struct bpfx_map){ .def = &elf->maps[i], .fd = -1 };
	for (uint32_t i = 0; i < elf->prog_cnt; i++)
		obj->progs[i] = (struct bpfx_program){ .def = &elf->progs[i], .fd = -1 };
	return obj;
}

struct bpfx_object *bpfx_object__open(const char *path, const struct bpfx_object_opts *opts,
				      int *err)
{
	struct bpfx_object_opts o;
	struct log_sink log;
	struct elf_obj *elf;
	int e = opts_copy(&o, sizeof(o), opts);

	if (e) {
		*err = e;
		return NULL;
	}
	log = (struct log_sink){ o.log, o.log_ctx };
	elf = elf_obj_open_file(path, &log, &e);
	if (elf && o.object_name)
		snprintf(elf->name, sizeof(elf->name), "%s", o.object_name);
	if (!elf) {
		*err = e;
		return NULL;
	}
	return object_new(elf, &o, err);
}

struct bpfx_object *bpfx_object__open_mem(const void *buf, size_t size,
					  const struct bpfx_object_opts *opts, int *err)
{
	struct bpfx_object_opts o;
	int e = opts_copy(&o, sizeof(o), opts);

	if (e) {
		*err = e;
		return NULL;
	}
	struct log_sink log = { o.log, o.log_ctx };
	struct elf_obj *elf = elf_obj_open_mem(buf, size, o.object_name ? o.object_name : "obj",
					       &log, &e);
	if (!elf) {
		*err = e;
		return NULL;
	}
	return object_new(elf, &o, err);
}

static int sys(int cmd, union bpf_attr *attr)
{
	int ret = bpfx_bpf(cmd, attr, sizeof(*attr));
	return ret < 0 ? -errno : ret;
}

/* ---- loading: BTF ---- */

/* The object's BTF, fixed up and loaded, for its maps (and, later, its
 * programs). Optional, as in libbpf: an object without .BTF, or whose BTF
 * the load refuses, goes on without it (with a warning and the reason). */
static int load_btf(struct bpfx_object *obj)
{
	void *blob;
	size_t size;
	int err;

	if (!obj->elf->btf)
		return 0;
	if ((err = elf_btf_for_load(obj->elf, &blob, &size)))
		return err;
	union bpf_attr a = { .btf = (uintptr_t)blob, .btf_size = (uint32_t)size };
	obj->btf_fd = sys(BPF_BTF_LOAD, &a);
	if (obj->btf_fd < 0 && obj->btf_fd != -ENOMEM) {
		/* Again with a log for the reason: its last line (the log
		 * rotates, so the end is kept however long it is). */
		static __thread char log[4096];
		log[0] = '\0';
		a.btf_log_buf = (uintptr_t)log;
		a.btf_log_size = sizeof(log);
		a.btf_log_level = 1;
		int again = sys(BPF_BTF_LOAD, &a);
		if (again >= 0)
			close(again);
		size_t n = strlen(log);
		while (n && log[n - 1] == '\n')
			log[--n] = '\0';
		const char *last = strrchr(log, '\n');
		log_msg(&obj->log, BPFX_LOG_WARN, "object '%s': BTF not loaded (%s%s%s); going on "
			"without it", obj->elf->name, strerror(-obj->btf_fd), n ? ": " : "",
			last ? last + 1 : log);
	}
	mem_free(blob);
	if (obj->btf_fd == -ENOMEM)
		return -ENOMEM;
	if (obj->btf_fd < 0)
		obj->btf_fd = -1;
	return 0;
}

/* ---- loading: maps ---- */

/* Global data gets its initial value and .rodata is frozen, as libbpf
 * does; the kernel then refuses writes to it from user space too. */
static int init_data_map(struct bpfx_object *obj, struct bpfx_map *m)
{
	uint32_t zero = 0;
	int err;

	if (m->def->data) {
		union bpf_attr a = { .map_fd = (uint32_t)m->fd, .key = (uintptr_t)&zero,
				     .value = (uintptr_t)m->def->data };
		if ((err = sys(BPF_MAP_UPDATE_ELEM, &a)) < 0) {
			log_msg(&obj->log, BPFX_LOG_ERROR, "map '%s': can't set its initial value: %s",
				m->def->name, strerror(-err));
			return err;
		}
	}
	if (m->def->frozen) {
		union bpf_attr f = { .map_fd = (uint32_t)m->fd };
		if ((err = sys(BPF_MAP_FREEZE, &f)) < 0)
			return err;
	}
	return 0;
}

/* MAP_CREATE with the map's BTF types when the object has BTF (global
 * data: a keyless DATASEC value); like libbpf, a map the kernel refuses
 * with its BTF is created again without. */
static int create_with_btf(struct bpfx_object *obj, union bpf_attr *a, const struct elf_map *d)
{
	if (obj->btf_fd >= 0 && d->def.btf_value_type_id) {
		a->btf_fd = (uint32_t)obj->btf_fd;
		a->btf_key_type_id = d->internal ? 0 : d->def.btf_key_type_id;
		a->btf_value_type_id = d->def.btf_value_type_id;
		int fd = sys(BPF_MAP_CREATE, a);
		if (fd >= 0 || fd == -ENOMEM)
			return fd;
		log_msg(&obj->log, BPFX_LOG_WARN, "map '%s': not created with BTF (%s); retrying "
			"without", d->name, strerror(-fd));
		a->btf_fd = a->btf_key_type_id = a->btf_value_type_id = 0;
	}
	return sys(BPF_MAP_CREATE, a);
}


/* MAP_CREATE of one definition; inner_fd: the template of a map of maps
 * (-1: none). The descriptor, or a negative errno (logged). */
static int create_def(struct bpfx_object *obj, const struct elf_map *d, int inner_fd)
{
	union bpf_attr a = {
		.map_type = d->def.type, .key_size = d->def.key_size,
		.value_size = d->def.value_size, .max_entries = d->def.max_entries,
		.map_flags = d->def.map_flags, .numa_node = d->def.numa_node,
		.map_extra = d->def.map_extra,
		.inner_map_fd = inner_fd >= 0 ? (uint32_t)inner_fd : 0,
	};
	/* libbpf sizes a perf event array without max_entries to the
	 * possible CPUs: here, the runner slots (what "CPU" means in bpfx). */
	if (a.map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && !a.max_entries)
		a.max_entries = vm_nr_slots();
	snprintf(a.map_name, sizeof(a.map_name), "%s", d->name);
	int fd = create_with_btf(obj, &a, d);
	if (fd < 0)
		log_msg(&obj->log, BPFX_LOG_ERROR, "map '%s' (type %s): can't create: %s", d->name,
			elf_map_type_str(d->def.type), strerror(-fd));
	return fd;
}

static bool is_map_in_map(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* A map of maps gets its inner template created first and closed once
 * the outer map exists (libbpf's order); the template's name is
 * "<map>.inner". */
static int create_map(struct bpfx_object *obj, struct bpfx_map *m)
{
	const struct elf_map *d = m->def;
	int inner_fd = -1;

	if (m->reused)
		return 0; /* libbpf: no creation, initial value or slots */

	if (is_map_in_map(d->def.type) && !d->inner) {
		log_msg(&obj->log, BPFX_LOG_ERROR, "map '%s': a map of maps needs its inner map "
			"declared (__array(values, struct {...}))", d->name);
		return -EINVAL;
	}
	if (d->inner && (inner_fd = create_def(obj, d->inner, -1)) < 0)
		return inner_fd;
	m->fd = create_def(obj, d, inner_fd);
	if (inner_fd >= 0)
		close(inner_fd);
	if (m->fd < 0) {
		int err = m->fd;
		m->fd = -1;
		return err;
	}
	return d->internal ? init_data_map(obj, m) : 0;
}

/* The initial slots `__array(values, ...)` gives a map: programs of the
 * object for a prog array (after they are loaded), maps for a map of
 * maps (once every map exists), as libbpf fills them. */
static int fill_slots(struct bpfx_object *obj, bool prog_arrays)
{
	for (uint32_t i = 0; i < obj->elf->map_cnt; i++) {
		const struct elf_map *d = obj->maps[i].def;
		if ((d->def.type == BPF_MAP_TYPE_PROG_ARRAY) != prog_arrays ||
		    (!prog_arrays && obj->maps[i].reused))
			continue;
		for (uint32_t s = 0; s < d->slot_cnt; s++) {
			int32_t t = d->slots[s].target;
			int fd = prog_arrays ? obj->progs[t].fd : obj->maps[t].fd;
			uint32_t key = d->slots[s].slot, value = (uint32_t)fd;
			union bpf_attr a = { .map_fd = (uint32_t)obj->maps[i].fd, .key = (uintptr_t)&key,
					     .value = (uintptr_t)&value };
			int err = fd < 0 ? -EBADF : sys(BPF_MAP_UPDATE_ELEM, &a);
			if (err < 0) {
				log_msg(&obj->log, BPFX_LOG_ERROR, "map '%s': can't set slot %u to %s "
					"'%s': %s", d->name, key, prog_arrays ? "program" : "map",
					prog_arrays ? obj->progs[t].def->name : obj->maps[t].def->name,
					strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

static int create_maps(struct bpfx_object *obj)
{
	for (uint32_t i = 0; i < obj->elf->map_cnt; i++) {
		int err = create_map(obj, &obj->maps[i]);
		if (err)
			return err;
	}
	return fill_slots(obj, false);
}

/* ---- loading: programs ---- */

/* The BTF CO-RE relocations resolve against: the file the caller named,
 * else the running kernel's, else (none readable) the object's own. */
static const struct btf *core_target(struct bpfx_object *obj, int *err)
{
	static const char vmlinux[] = "/sys/kernel/btf/vmlinux";
	if (obj->core_target)
		return btf_of_public(obj->core_target);
	const char *path = obj->btf_custom_path;
	if (!path && access(vmlinux, R_OK) == 0)
		path = vmlinux;
	if (!path)
		return obj->elf->btf;
	obj->core_target = bpfx_btf__parse_file(path, obj->log.fn, obj->log.ctx, err);
	if (!obj->core_target) {
		log_msg(&obj->log, BPFX_LOG_ERROR, "CO-RE target BTF %s: %s", path, strerror(-*err));
		return NULL;
	}
	return btf_of_public(obj->core_target);
}

/* Points each relocated instruction at the map it names. */
static int relocate(struct bpfx_object *obj, const struct elf_prog *p, struct bpf_insn *insns)
{
	for (uint32_t i = 0; i < p->reloc_cnt; i++) {
		const struct elf_reloc *r = &p->relocs[i];
		struct bpf_insn *in = &insns[r->insn];
		switch (r->kind) {
		case ELF_RELOC_MAP:
			in->src_reg = BPF_PSEUDO_MAP_FD;
			in->imm = obj->maps[r->map].fd;
			break;
		case ELF_RELOC_MAP_VALUE:
			in->src_reg = BPF_PSEUDO_MAP_VALUE;
			in->imm = obj->maps[r->map].fd;
			in[1].imm = (int32_t)r->off;
			break;
		default:
			log_msg(&obj->log, BPFX_LOG_ERROR, "program '%s': insn %u refers to a kernel "
				"symbol (.ksyms), which bpfx does not have", p->name, r->insn);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/* kernel_log_level: loads the program once more with that log level and
 * hands the whole log to the object's log, line by line (the program has
 * loaded, so this copy only explains it). */
static void log_verification(struct bpfx_object *obj, union bpf_attr *a)
{
	enum { LOG_SIZE = 4 << 20 };
	char *log = mem_zalloc(LOG_SIZE);
	if (!log)
		return;
	a->log_level = obj->kernel_log_level;
	a->log_buf = (uintptr_t)log;
	a->log_size = LOG_SIZE;
	int fd = sys(BPF_PROG_LOAD, a);
	if (fd >= 0)
		close(fd);
	for (char *l = log, *e; *l; l = e + (*e != '\0')) {
		if (!(e = strchr(l, '\n')))
			e = l + strlen(l);
		log_msg(&obj->log, BPFX_LOG_DEBUG, "%.*s", (int)(e - l), l);
	}
	mem_free(log);
	a->log_level = 0, a->log_buf = 0, a->log_size = 0;
}

static int load_program(struct bpfx_object *obj, struct bpfx_program *prog)
{
	const struct elf_prog *p = prog->def;
	static __thread char log[64 * 1024];
	int err;

	struct bpf_insn *insns = mem_array(p->insn_cnt, sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	memcpy(insns, p->insns, p->insn_cnt * sizeof(*insns));
	const struct btf *target = NULL;
	if ((err = relocate(obj, p, insns)) ||
	    (p->core_relo_cnt && !(target = core_target(obj, &err))) ||
	    (p->core_relo_cnt && (err = core_relocate(obj->elf->btf, target, insns, p->insn_cnt,
						      p->core_relos, p->core_relo_cnt,
						      &obj->log, p->name)))) {
		mem_free(insns);
		return err;
	}
	union bpf_attr a = {
		.prog_type = bpfx_program__type(prog), .insn_cnt = p->insn_cnt,
		.insns = (uintptr_t)insns, .license = (uintptr_t)obj->elf->license,
		.kern_version = obj->elf->kern_version, .prog_flags = p->prog_flags,
		.expected_attach_type = prog->type_set ? prog->expected_attach_type
						       : p->expected_attach_type,
	};
	snprintf(a.prog_name, sizeof(a.prog_name), "%s", p->name);
	/* As libbpf: without a log first (a long verifier log must not fail
	 * the load), and again with one only to tell why it failed; the log
	 * rotates, so its end - the reason - is kept. */
	log[0] = '\0';
	prog->fd = sys(BPF_PROG_LOAD, &a);
	if (prog->fd < 0 && prog->fd != -ENOMEM) {
		a.log_level = 1;
		a.log_buf = (uintptr_t)log;
		a.log_size = sizeof(log);
		int again = sys(BPF_PROG_LOAD, &a);
		if (again >= 0)
			close(again);
	}
	if (prog->fd >= 0 && obj->kernel_log_level)
		log_verification(obj, &a);
	mem_free(insns);
	if (prog->fd < 0) {
		err = prog->fd;
		prog->fd = -1;
		size_t n = strlen(log);
		while (n && log[n - 1] == '\n')
			log[--n] = '\0';
		/* the reason (the log's last line before the verifier's
		 * statistics) first, then the whole log */
		const char *last = strrchr(log, '\n'), *reason = last ? last + 1 : log;
		if (last && !strncmp(reason, "processed ", 10)) {
			const char *prev = last;
			while (prev > log && prev[-1] != '\n')
				prev--;
			reason = prev;
		}
		log_msg(&obj->log, BPFX_LOG_ERROR, "program '%s' (section '%s'): load failed: %s%s%.*s",
			p->name, p->sec_name, strerror(-err), log[0] ? ": " : "",
			(int)strcspn(reason, "\n"), reason);
		for (char *l = log, *e; last && *l; l = e + (*e != '\0')) {
			if (!(e = strchr(l, '\n')))
				e = l + strlen(l);
			log_msg(&obj->log, BPFX_LOG_DEBUG, "%.*s", (int)(e - l), l);
		}
		return err;
	}
	return 0;
}

static int load_programs(struct bpfx_object *obj)
{
	for (uint32_t i = 0; i < obj->elf->prog_cnt; i++) {
		if (!obj->progs[i].def->autoload)
			continue;
		int err = load_program(obj, &obj->progs[i]);
		if (err)
			return err;
	}
	return 0;
}

static void unload(struct bpfx_object *obj)
{
	if (obj->btf_fd >= 0) {
		close(obj->btf_fd);
		obj->btf_fd = -1;
	}
	for (uint32_t i = 0; i < obj->elf->prog_cnt; i++)
		if (obj->progs[i].fd >= 0) {
			close(obj->progs[i].fd);
			obj->progs[i].fd = -1;
		}
	for (uint32_t i = 0; i < obj->elf->map_cnt; i++)
		if (obj->maps[i].fd >= 0) {
			close(obj->maps[i].fd);
			obj->maps[i].fd = -1;
		}
}

/* The whole load, stage after stage. */
int bpfx_object__load(struct bpfx_object *obj)
{
	int err;

	if (!obj)
		return -EINVAL;
	if (obj->loaded) {
		log_msg(&obj->log, BPFX_LOG_ERROR, "object '%s' is already loaded", obj->elf->name);
		return -EINVAL;
	}
	if ((err = load_btf(obj)) || (err = create_maps(obj)) || (err = load_programs(obj)) ||
	    (err = fill_slots(obj, true))) {
		unload(obj);
		return err;
	}
	obj->loaded = true;
	return 0;
}

void bpfx_object__close(struct bpfx_object *obj)
{
	if (!obj)
		return;
	unload(obj);
	/* The kernel notices closed descriptors at once; bpfx at its next
	 * sweep, done now: what only the object held is released, and its
	 * prog arrays are emptied unless pinned (the kernel's uref rule). */
	fd_sweep();
	mem_free(obj->maps);
	mem_free(obj->progs);
	mem_free(obj->btf_custom_path);
	bpfx_btf__free(obj->core_target);
	elf_obj_free(obj->elf);
	mem_free(obj);
}

/* ---- accessors ---- */

const char *bpfx_object__name(const struct bpfx_object *obj) { return obj->elf->name; }
size_t bpfx_object__program_cnt(const struct bpfx_object *obj) { return obj->elf->prog_cnt; }
size_t bpfx_object__map_cnt(const struct bpfx_object *obj) { return obj->elf->map_cnt; }

struct bpfx_program *bpfx_object__program(const struct bpfx_object *obj, size_t i)
{
	return i < obj->elf->prog_cnt ? &obj->progs[i] : NULL;
}

struct bpfx_map *bpfx_object__map(const struct bpfx_object *obj, size_t i)
{
	return i < obj->elf->map_cnt ? &obj->maps[i] : NULL;
}

struct bpfx_program *bpfx_object__find_program(const struct bpfx_object *obj, const char *name)
{
	int i = elf_obj_find_prog(obj->elf, name);
	return i < 0 ? NULL : &obj->progs[i];
}

struct bpfx_map *bpfx_object__find_map(const struct bpfx_object *obj, const char *name)
{
	int i = elf_obj_find_map(obj->elf, name);
	return i < 0 ? NULL : &obj->maps[i];
}

const char *bpfx_program__name(const struct bpfx_program *p) { return p->def->name; }
const char *bpfx_program__section(const struct bpfx_program *p) { return p->def->sec_name; }
enum bpf_prog_type bpfx_program__type(const struct bpfx_program *p)
{
	return p->type_set ? p->type : p->def->type;
}

int bpfx_program__set_type(struct bpfx_program *p, enum bpf_prog_type type,
			   enum bpf_attach_type expected_attach_type)
{
	if (p->fd >= 0)
		return -EBUSY;
	if (type <= BPF_PROG_TYPE_UNSPEC || type > BPF_PROG_TYPE_SYSCALL)
		return -EINVAL;
	p->type_set = true;
	p->type = type;
	p->expected_attach_type = expected_attach_type;
	return 0;
}

/* libbpf_prog_type_by_name as bpftool's `type` uses it: a section name,
 * then the same with a '/' appended ("kprobe" -> "kprobe/"). */
int bpfx_prog_type_by_name(const char *name, enum bpf_prog_type *type,
			   enum bpf_attach_type *expected_attach_type)
{
	struct elf_sec_def def;
	char with_slash[256];

	if (!name || !*name || strlen(name) + 2 > sizeof(with_slash))
		return -EINVAL;
	snprintf(with_slash, sizeof(with_slash), "%s/", name);
	if (elf_sec_def_find(name, &def) && elf_sec_def_find(with_slash, &def))
		return -ESRCH;
	*type = def.type;
	*expected_attach_type = def.expected_attach_type;
	return 0;
}
int bpfx_program__fd(const struct bpfx_program *p) { return p->fd; }
const char *bpfx_map__name(const struct bpfx_map *m) { return m->def->name; }
int bpfx_map__fd(const struct bpfx_map *m) { return m->fd; }

/* Runs before load: the object's map becomes the map fd refers to (a
 * duplicate of fd), which must have the definition the object declares -
 * its programs were compiled for it - as libbpf checks a pinned map's
 * (type, key and value sizes, max_entries, flags). 0, -EBUSY once the
 * map exists, -EINVAL for a map of another shape, or the errno of
 * OBJ_GET_INFO_BY_FD (-EBADF, -EINVAL for no map). */
int bpfx_map__reuse_fd(struct bpfx_map *m, int fd)
{
	struct bpf_map_info info = { 0 };
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	const struct elf_map_def *d = &m->def->def;
	int err;

	if (m->fd >= 0)
		return -EBUSY;
	if ((err = sys(BPF_OBJ_GET_INFO_BY_FD, &a)) < 0)
		return err;
	if (a.info.info_len < offsetof(struct bpf_map_info, map_flags) + sizeof(info.map_flags))
		return -EINVAL; /* not a map */
	if (info.type != d->type || info.key_size != d->key_size ||
	    info.value_size != d->value_size || info.max_entries != d->max_entries ||
	    info.map_flags != d->map_flags)
		return -EINVAL;
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0)
		return -errno;
	m->fd = dup;
	m->reused = true;
	return 0;
}
uint32_t bpfx_map__key_size(const struct bpfx_map *m) { return m->def->def.key_size; }
uint32_t bpfx_map__value_size(const struct bpfx_map *m) { return m->def->def.value_size; }
enum bpf_map_type bpfx_map__type(const struct bpfx_map *m) { return m->def->def.type; }

int bpfx_program__test_run(const struct bpfx_program *p, union bpf_attr *test)
{
	if (p->fd < 0)
		return -EBADF;
	test->test.prog_fd = (uint32_t)p->fd;
	int ret = bpfx_bpf(BPF_PROG_TEST_RUN, test, sizeof(*test));
	return ret < 0 ? -errno : 0;
}
