/* SPDX-License-Identifier: MIT */
/*
 * The bpf() commands on BTF: BTF_LOAD, BTF_GET_NEXT_ID, BTF_GET_FD_BY_ID
 * and OBJ_GET_INFO_BY_FD for BTF objects. Run on the caller's thread.
 *
 * BTF_LOAD validates the whole blob (loader/btf.c: the kernel's rules)
 * before anything refers to it; a rejection puts the reason, one line, in
 * btf_log_buf when the caller asked for a log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api/btf_obj.h"
#include "api/cmds.h"
#include "loader/btf.h"
#include "util/alloc.h"
#include "util/strbuf.h"

#define BTF_MAX_SIZE (16u * 1024 * 1024)  /* the kernel's limit on a blob */

static inline void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* btf_log_true_size (Linux 6.4) follows btf_log_level; the UAPI headers
 * bpfx builds with may predate it. */
#define BTF_LOG_TRUE_SIZE_OFF (offsetof(union bpf_attr, btf_log_level) + 4)

static void set_log_true_size(union bpf_attr *attr, uint32_t size)
{
	memcpy((char *)attr + BTF_LOG_TRUE_SIZE_OFF, &size, sizeof(size));
}

/* The BTF log: the kernel's rules for its attributes (those of the
 * verifier log since Linux 6.4), and its text (loader/btf_log.c): the
 * header and every type when the blob is accepted, the header and the
 * reason when it is not. */
struct btf_log {
	bool on;            /* a log level was given */
	bool fixed;         /* BPF_LOG_FIXED (8): keep the start, not the end */
	char *buf;          /* the caller's buffer, NULL when none */
	uint32_t size;
	struct strbuf text;
	char reason[256];   /* the parser's first complaint */
};

static int btf_log_init(struct btf_log *l, const union bpf_attr *attr)
{
	memset(l, 0, sizeof(*l));
	if (attr->btf_log_level & ~15u) /* LEVEL1 | LEVEL2 | STATS | FIXED */
		return -EINVAL;
	if (!!attr->btf_log_buf != !!attr->btf_log_size || attr->btf_log_size > (UINT32_MAX >> 2))
		return -EINVAL;
	if (!attr->btf_log_level && attr->btf_log_buf)
		return -EINVAL;
	l->on = attr->btf_log_level != 0;
	l->fixed = attr->btf_log_level & 8;
	l->buf = uptr(attr->btf_log_buf);
	l->size = attr->btf_log_size;
	return 0;
}

static void btf_log_fn(void *ctx, enum bpfx_log_level level, const char *msg)
{
	struct btf_log *l = ctx;
	(void)level;
	if (!l->reason[0])
		snprintf(l->reason, sizeof(l->reason), "%s", msg);
}

/* Hands the log to the caller. Like the kernel's rotating log, a buffer
 * too small keeps the end of the text (the start with BPF_LOG_FIXED) and
 * fails the command with ENOSPC; btf_log_true_size says how much room the
 * whole log needed. A level without a buffer just drops the text. */
static int btf_log_finish(struct btf_log *l, union bpf_attr *attr)
{
	if (!l->on)
		return 0;
	if (sb_error(&l->text))
		return -ENOMEM;
	const char *text = sb_str(&l->text);
	size_t len = strlen(text);
	set_log_true_size(attr, len ? (uint32_t)len + 1 : 0);
	if (!len)
		return 0;
	if (!l->buf)
		return 0;
	size_t keep = len < l->size ? len : l->size - 1;
	memcpy(l->buf, l->fixed ? text : text + len - keep, keep);
	l->buf[keep] = '\0';
	return len >= l->size ? -ENOSPC : 0;
}

static void btf_destroy(struct obj *o)
{
	struct btf_obj *b = (struct btf_obj *)o;
	btf_free(b->btf);
	mem_free(b);
}

/* The object's file: the raw blob, in memory. */
static int btf_file(const void *data, uint32_t size)
{
	int fd = memfd_create("bpfx-btf", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, data, size) != (ssize_t)size) {
		int err = errno ? -errno : -EIO;
		close(fd);
		return err;
	}
	return fd;
}

struct btf_obj *btf_obj_new(struct btf *btf, const void *raw, uint32_t size, int *err)
{
	struct btf_obj *b = mem_zalloc(sizeof(*b));
	int file = b ? btf_file(raw, size) : -ENOMEM;
	if (file < 0 || (*err = obj_init(&b->obj, OBJ_BTF, file, btf_destroy))) {
		if (file >= 0)
			close(file);
		else
			*err = file;
		btf_free(btf);
		mem_free(b);
		return NULL;
	}
	b->btf = btf;
	return b;
}

int cmd_btf_load(union bpf_attr *attr)
{
	struct btf_log log;
	int err;

	if ((err = btf_log_init(&log, attr)))
		return err;
	if (attr->btf_size > BTF_MAX_SIZE)
		return -E2BIG;
	if (!attr->btf || !attr->btf_size)
		return -EINVAL;

	struct log_sink sink = { btf_log_fn, &log };
	struct btf *btf = btf_parse(uptr(attr->btf), attr->btf_size, &sink, &err);
	if (!btf) {
		int lerr = 0;
		if (log.on) {
			btf_log_header(uptr(attr->btf), attr->btf_size, &log.text);
			sb_puts(&log.text, log.reason);
			lerr = btf_log_finish(&log, attr);
			sb_free(&log.text);
		}
		return err == -ENOMEM ? err : lerr ? lerr : -EINVAL;
	}
	const char *why = NULL;
	uint32_t bad = btf_check_loadable(btf, &why);
	if (log.on)
		btf_log_types(btf, bad, why, &log.text);
	err = btf_log_finish(&log, attr);
	sb_free(&log.text);
	if (err || bad) {
		btf_free(btf);
		return err ? err : -EINVAL;
	}
	struct btf_obj *b = btf_obj_new(btf, uptr(attr->btf), attr->btf_size, &err);
	if (!b)
		return err;
	int fd = fd_new(&b->obj);
	obj_put(&b->obj);
	return fd;
}

int cmd_btf_get_next_id(union bpf_attr *attr)
{
	return cmd_next_id(OBJ_BTF, attr);
}

int cmd_btf_get_fd_by_id(union bpf_attr *attr)
{
	if (attr->open_flags)
		return -EINVAL;
	return cmd_fd_by_id(OBJ_BTF, attr->btf_id);
}

struct btf_obj *btf_obj_get(int fd, int *err)
{
	return (struct btf_obj *)fd_get(fd, OBJ_BTF, err);
}

/* The kernel's bpf_btf_get_info_by_fd: the blob (as much as btf_size
 * allows, btf_size then says how big it is), the id, and no name (BTF
 * loaded by users has none; only the kernel's and modules' are named). */
int btf_info(struct btf_obj *b, union bpf_attr *attr)
{
	struct bpf_btf_info info, *u = uptr(attr->info.info);
	int len = info_len(attr, sizeof(info));
	size_t size;
	const void *raw = btf_raw_data(b->btf, &size);

	if (len < 0)
		return len;
	memset(&info, 0, sizeof(info));
	memcpy(&info, u, (size_t)len);
	if (info.btf_size && info.btf)
		memcpy(uptr(info.btf), raw, info.btf_size < size ? info.btf_size : size);
	info.btf_size = (uint32_t)size;
	info.id = b->obj.id;
	if (info.name && info.name_len)
		*(char *)uptr(info.name) = '\0';
	info.name_len = 0;
	info.kernel_btf = 0;
	memcpy(u, &info, (size_t)len);
	attr->info.info_len = (uint32_t)len;
	return 0;
}
