/* SPDX-License-Identifier: MIT */
/*
 * The public face of the BTF module: parsing from a file (raw BTF or the
 * .BTF section of an ELF object) and dumping as bpftool does. Runs on the
 * caller's thread; the result is immutable.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "loader/btf.h"
#include "util/alloc.h"
#include "util/strbuf.h"

struct bpfx_btf {
	struct btf *btf;
};

struct bpfx_btf *bpfx_btf__parse_raw(const void *data, size_t size, bpfx_log_fn log,
				     void *log_ctx, int *err)
{
	struct log_sink sink = { log, log_ctx };
	int e = 0;
	struct bpfx_btf *b = mem_zalloc(sizeof(*b));

	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!(b->btf = btf_parse(data, size, &sink, &e))) {
		mem_free(b);
		*err = e;
		return NULL;
	}
	return b;
}

const struct btf *btf_of_public(const struct bpfx_btf *b)
{
	return b->btf;
}

void bpfx_btf__free(struct bpfx_btf *b)
{
	if (!b)
		return;
	btf_free(b->btf);
	mem_free(b);
}

/* The .BTF section of an ELF file, or -ENOENT. libelf checks the section
 * table's bounds; the section's data is copied by btf_parse. */
static struct bpfx_btf *parse_elf(int fd, bpfx_log_fn log, void *log_ctx, int *err)
{
	struct bpfx_btf *b = NULL;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	*err = -EINVAL;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		goto out;
	*err = -ENOENT;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(name, ".BTF") || sh.sh_type == SHT_NOBITS)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (d && d->d_buf)
			b = bpfx_btf__parse_raw(d->d_buf, d->d_size, log, log_ctx, err);
		else
			*err = -EINVAL;
		break;
	}
out:
	elf_end(elf);
	return b;
}

/* sysfs (vmlinux BTF) hands a large file out in page-sized pieces. */
static int read_all(int fd, void *buf, size_t size)
{
	size_t done = 0;
	while (done < size) {
		ssize_t n = pread(fd, (char *)buf + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

struct bpfx_btf *bpfx_btf__parse_file(const char *path, bpfx_log_fn log, void *log_ctx,
				      int *err)
{
	struct bpfx_btf *b = NULL;
	unsigned char magic[4] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	    !memcmp(magic, ELFMAG, SELFMAG)) {
		elf_version(EV_CURRENT);
		b = parse_elf(fd, log, log_ctx, err);
	} else {
		struct stat st;
		void *buf = NULL;
		if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (1 << 30)) {
			*err = st.st_size <= 0 ? -EINVAL : -E2BIG;
		} else if (!(buf = malloc((size_t)st.st_size))) {
			*err = -ENOMEM;
		} else if (read_all(fd, buf, (size_t)st.st_size) != 0) {
			*err = -EIO;
		} else {
			b = bpfx_btf__parse_raw(buf, (size_t)st.st_size, log, log_ctx, err);
		}
		free(buf);
	}
	close(fd);
	return b;
}

char *bpfx_btf__dump_data(const struct bpfx_btf *b, uint32_t type_id, const void *data,
			  size_t size, bool plain_text, int *err)
{
	struct strbuf sb = { 0 };
	int e = btf_dump_data(b->btf, type_id, data, size, plain_text, &sb);
	if (e) {
		sb_free(&sb);
		*err = e;
		return NULL;
	}
	char *out = strdup(sb_str(&sb));
	sb_free(&sb);
	if (!out)
		*err = -ENOMEM;
	return out;
}

char *bpfx_btf__dump(const struct bpfx_btf *b, enum bpfx_btf_format format, int *err)
{
	struct strbuf sb = { 0 };
	int e;

	switch (format) {
	case BPFX_BTF_RAW: e = btf_dump_raw(b->btf, &sb); break;
	case BPFX_BTF_C: e = btf_dump_c(b->btf, &sb); break;
	case BPFX_BTF_JSON: e = btf_dump_json(b->btf, &sb); break;
	default: e = -EINVAL;
	}
	char *out = NULL;
	if (!e && !(out = strdup(sb_str(&sb) ? sb_str(&sb) : "")))
		e = -ENOMEM;
	sb_free(&sb);
	if (e)
		*err = e;
	return out;
}

int32_t bpfx_btf__find_type(const struct bpfx_btf *b, const char *name)
{
	static const int kinds[] = { BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF };

	if (!b || !name)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int32_t id = btf_find_by_name_kind(b->btf, name, kinds[i]);
		if (id > 0)
			return id;
	}
	return -ENOENT;
}
