/* SPDX-License-Identifier: MIT */
/*
 * Build id + offset entries for user stacks (hooks/user_stack.h), as the
 * kernel's stack_map_get_build_id_offset makes them: for each ip, the
 * mapping of the task that holds it (/proc/TID/maps); when the mapping is
 * backed by an ELF file with a GNU build id note, the entry is VALID with
 * the build id and the file offset (vm_pgoff pages + ip - vm_start),
 * otherwise IP with the ip itself and a zero build id.
 *
 * The file is opened through /proc/TID/map_files/START-END (the mapped
 * file itself, even when deleted or in another mount namespace; root
 * only), else by the path /proc/TID/maps shows. Runs on the program's
 * thread during a hook's stop.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hooks/user_stack.h"

#define NOTE_MAX 4096u

/* The GNU build id of the ELF file fd (64-bit, little endian): its size
 * (1..20) or 0 when there is none. */
static int elf_build_id(int fd, unsigned char id[BPF_BUILD_ID_SIZE])
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum > 256)
		return 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		unsigned char notes[NOTE_MAX];
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) != (ssize_t)sizeof(ph))
			return 0;
		if (ph.p_type != PT_NOTE || ph.p_filesz > NOTE_MAX)
			continue;
		ssize_t n = pread(fd, notes, ph.p_filesz, (off_t)ph.p_offset);
		for (size_t at = 0; n > 0 && at + sizeof(Elf64_Nhdr) <= (size_t)n;) {
			Elf64_Nhdr nh;
			memcpy(&nh, notes + at, sizeof(nh));
			size_t name_at = at + sizeof(nh), desc_at = name_at + ((nh.n_namesz + 3) & ~3u);
			size_t next = desc_at + ((nh.n_descsz + 3) & ~3u);
			if (next > (size_t)n || next <= at)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp(notes + name_at, "GNU", 4) && nh.n_descsz > 0 &&
			    nh.n_descsz <= BPF_BUILD_ID_SIZE) {
				memset(id, 0, BPF_BUILD_ID_SIZE);
				memcpy(id, notes + desc_at, nh.n_descsz);
				return (int)nh.n_descsz;
			}
			at = next;
		}
	}
	return 0;
}

/* The entry of one ip, from the maps line that holds it. */
static void entry_of(pid_t tid, uint64_t ip, FILE *maps, struct bpf_stack_build_id *e)
{
	char line[4096], path[4200];
	unsigned long long s, end, off, inode;
	int name_at = 0;

	memset(e, 0, sizeof(*e));
	e->status = BPF_STACK_BUILD_ID_IP;
	e->ip = ip;
	rewind(maps);
	while (fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%llx-%llx %*s %llx %*x:%*x %llu %n", &s, &end, &off, &inode,
			   &name_at) < 4 || ip < s || ip >= end)
			continue;
		if (!inode)
			return;
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)tid, s, end);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && name_at > 0 && line[name_at] == '/') {
			line[strcspn(line, "\n")] = '\0';
			fd = open(line + name_at, O_RDONLY | O_CLOEXEC);
		}
		if (fd < 0)
			return;
		if (elf_build_id(fd, e->build_id)) {
			e->status = BPF_STACK_BUILD_ID_VALID;
			e->offset = off + ip - s;
		}
		close(fd);
		return;
	}
}

int hook_build_ids(pid_t tid, const uint64_t *ips, uint32_t n, struct bpf_stack_build_id *out)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/maps", (int)tid, (int)tid);
	FILE *maps = fopen(path, "re");
	for (uint32_t i = 0; i < n; i++) {
		if (maps) {
			entry_of(tid, ips[i], maps, &out[i]);
		} else {
			memset(&out[i], 0, sizeof(out[i]));
			out[i].status = BPF_STACK_BUILD_ID_IP;
			out[i].ip = ips[i];
		}
	}
	if (maps)
		fclose(maps);
	return 0;
}
