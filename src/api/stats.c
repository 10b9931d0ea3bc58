/* SPDX-License-Identifier: MIT */
/*
 * BPF_ENABLE_STATS: while a descriptor it returned is open, program runs
 * are counted and timed (vm/interp.c). The descriptor is a memfd given to
 * the user; closing it cannot be observed, so stats_sweep() notices
 * it later - the descriptor number no longer open, or naming another file
 * - when ENABLE_STATS or a program's info runs, and every ~100 ms of
 * counted runs. Until then stats stay on (they only cost time).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/cmds.h"
#include "util/alloc.h"
#include "vm/stats.h"

struct stats_fd {
	int fd;        /* the user's descriptor */
	dev_t dev;     /* and its file's identity */
	ino_t ino;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct stats_fd *fds;
static size_t cnt;

void stats_sweep(void)
{
	struct stat st;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < cnt;) {
		if (fstat(fds[i].fd, &st) == 0 && st.st_dev == fds[i].dev &&
		    st.st_ino == fds[i].ino) {
			i++;
			continue;
		}
		fds[i] = fds[--cnt];
		atomic_fetch_sub(&vm_stats_users, 1);
	}
	if (!cnt) {
		mem_free(fds);
		fds = NULL;
	}
	pthread_mutex_unlock(&lock);
}

int cmd_enable_stats(union bpf_attr *attr)
{
	struct stat st;
	int err = 0, fd;

	if (attr->enable_stats.type != BPF_STATS_RUN_TIME)
		return -EINVAL;
	stats_sweep();
	if ((fd = memfd_create("bpf-stats", MFD_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	pthread_mutex_lock(&lock);
	struct stats_fd *n = mem_realloc(fds, (cnt + 1) * sizeof(*n));
	if (n) {
		fds = n;
		fds[cnt++] = (struct stats_fd){ fd, st.st_dev, st.st_ino };
		atomic_fetch_add(&vm_stats_users, 1);
		atomic_store(&vm_stats_check, stats_sweep);
	}
	pthread_mutex_unlock(&lock);
	if (!n) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}
