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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "loader/elf.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/opts.h"

struct bpfx_map {
	const struct elf_map *def;
	int fd;
};

struct bpfx_program {
	const struct elf_prog *def;
	int fd;
};

struct bpfx_object {
	struct elf_obj *elf;
	struct bpfx_map *maps;          /* one per elf map */
	struct bpfx_program *progs;     /* one per elf program */
	struct log_sink log;
	bool loaded;
};

static struct bpfx_object *object_new(struct elf_obj *elf, const struct log_sink *log, int *err)
{
	struct bpfx_object *obj = mem_zalloc(sizeof(*obj));
	if (obj) {
		obj->maps = mem_array(elf->map_cnt + 1, sizeof(*obj->maps));
		obj->progs = mem_array(elf->prog_cnt + 1, sizeof(*obj->progs));
	}
	if (!obj || !obj->maps || !obj->progs) {
		if (obj) {
			mem_free(obj->maps);
			mem_free(obj->progs);
		}
		mem_free(obj);
		elf_obj_free(elf);
		*err = -ENOMEM;
		return NULL;
	}
	obj->elf = elf;
	obj->log = *log;
	for (uint32_t i = 0; i < elf->map_cnt; i++)
		obj->maps[i] = (struct bpfx_map){ &elf->maps[i], -1 };
	for (uint32_t i = 0; i < elf->prog_cnt; i++)
		obj->progs[i] = (struct bpfx_program){ &elf->progs[i], -1 };
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
	return object_new(elf, &log, err);
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
	return object_new(elf, &log, err);
}

/* ---- loading: maps ---- */

static int sys(int cmd, union bpf_attr *attr)
{
	int ret = bpfx_bpf(cmd, attr, sizeof(*attr));
	return ret < 0 ? -errno : ret;
}

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

static int create_map(struct bpfx_object *obj, struct bpfx_map *m)
{
	const struct elf_map *d = m->def;
	union bpf_attr a = {
		.map_type = d->def.type, .key_size = d->def.key_size,
		.value_size = d->def.value_size, .max_entries = d->def.max_entries,
		.map_flags = d->def.map_flags, .numa_node = d->def.numa_node,
		.map_extra = d->def.map_extra,
	};
	snprintf(a.map_name, sizeof(a.map_name), "%s", d->name);
	if (d->inner || d->slot_cnt) {
		log_msg(&obj->log, BPFX_LOG_ERROR, "map '%s': %s are not supported yet", d->name,
			d->inner ? "maps of maps" : "initial slots (__array)");
		return -EOPNOTSUPP;
	}
	m->fd = sys(BPF_MAP_CREATE, &a);
	if (m->fd < 0) {
		int err = m->fd;
		log_msg(&obj->log, BPFX_LOG_ERROR, "map '%s' (type %s): can't create: %s", d->name,
			elf_map_type_str(d->def.type), strerror(-err));
		m->fd = -1;
		return err;
	}
	return d->internal ? init_data_map(obj, m) : 0;
}

static int create_maps(struct bpfx_object *obj)
{
	for (uint32_t i = 0; i < obj->elf->map_cnt; i++) {
		int err = create_map(obj, &obj->maps[i]);
		if (err)
			return err;
	}
	return 0;
}

/* ---- loading: programs ---- */

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

static int load_program(struct bpfx_object *obj, struct bpfx_program *prog)
{
	const struct elf_prog *p = prog->def;
	char log[4096] = "";
	int err;

	struct bpf_insn *insns = mem_array(p->insn_cnt, sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	memcpy(insns, p->insns, p->insn_cnt * sizeof(*insns));
	if ((err = relocate(obj, p, insns))) {
		mem_free(insns);
		return err;
	}
	union bpf_attr a = {
		.prog_type = p->type, .insn_cnt = p->insn_cnt, .insns = (uintptr_t)insns,
		.license = (uintptr_t)obj->elf->license, .log_level = 1,
		.log_buf = (uintptr_t)log, .log_size = sizeof(log),
		.kern_version = obj->elf->kern_version, .prog_flags = p->prog_flags,
		.expected_attach_type = p->expected_attach_type,
	};
	snprintf(a.prog_name, sizeof(a.prog_name), "%s", p->name);
	prog->fd = sys(BPF_PROG_LOAD, &a);
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
	if ((err = create_maps(obj)) || (err = load_programs(obj))) {
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
	mem_free(obj->maps);
	mem_free(obj->progs);
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
enum bpf_prog_type bpfx_program__type(const struct bpfx_program *p) { return p->def->type; }
int bpfx_program__fd(const struct bpfx_program *p) { return p->fd; }
const char *bpfx_map__name(const struct bpfx_map *m) { return m->def->name; }
int bpfx_map__fd(const struct bpfx_map *m) { return m->fd; }
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
