/* SPDX-License-Identifier: MIT */
/* The CLI's access to bpf() objects shared by its commands (see cli.h). */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_sys(int cmd, union bpf_attr *a)
{
	int r = bpfx_bpf(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

bool cli_same_object(int fd, int get_fd_by_id, uint32_t id)
{
	union bpf_attr g = { .prog_id = id }; /* prog_id, link_id...: one field */
	struct stat a, b;
	int other = cli_sys(get_fd_by_id, &g);

	if (other < 0)
		return false;
	bool same = fstat(fd, &a) == 0 && fstat(other, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino;
	close(other);
	return same;
}
