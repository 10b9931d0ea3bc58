/* SPDX-License-Identifier: MIT */
/*
 * The current task of a run, as the kernel's task helpers see it: ids,
 * credentials, name, cgroup and memory, read from /proc and with
 * process_vm_readv. Called from helpers on the program's thread, while
 * the traced thread is stopped (so what /proc says cannot change under
 * us, except for other threads of the process).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hooks/hook.h"
#include "vm/vm.h"

void hook_task_of(const struct bpfx_run_ctx *run, struct bpfx_task *out)
{
	if (run && run->task) {
		*out = *run->task;
		return;
	}
	out->tgid = (int32_t)getpid();
	out->tid = (int32_t)gettid();
}

size_t hook_read_task(pid_t tid, void *dst, uint64_t addr, size_t len)
{
	size_t done = 0;

	/* process_vm_readv stops at the first unreadable page of an iovec:
	 * what it returns is exactly the readable prefix. */
	while (done < len) {
		struct iovec local = { (char *)dst + done, len - done };
		struct iovec remote = { (void *)(uintptr_t)(addr + done), len - done };
		ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

/* Reads /proc/TID/NAME into buf (NUL-terminated); returns its length or
 * a negative errno. */
static ssize_t read_proc(pid_t tid, const char *name, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	return n;
}

int hook_task_comm(pid_t tid, char comm[16])
{
	char buf[64];
	ssize_t n = read_proc(tid, "comm", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	memset(comm, 0, 16);
	memcpy(comm, buf, strnlen(buf, 15));
	return 0;
}

/* The numbers after `key` in /proc/TID/status, up to max of them. */
static int status_numbers(pid_t tid, const char *key, long *v, int max)
{
	char buf[4096];
	ssize_t n = read_proc(tid, "status", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	size_t kl = strlen(key);
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, kl))
			continue;
		char *p = line + kl, *end;
		int cnt = 0;
		while (cnt < max) {
			long x = strtol(p, &end, 10);
			if (end == p)
				break;
			v[cnt++] = x;
			p = end;
		}
		return cnt;
	}
	return -ENOENT;
}

int hook_task_uid_gid(pid_t tid, uint32_t *uid, uint32_t *gid)
{
	long u[4], g[4];
	if (status_numbers(tid, "Uid:", u, 4) < 1 || status_numbers(tid, "Gid:", g, 4) < 1)
		return -ESRCH;
	*uid = (uint32_t)u[0]; /* the real ids, as current_uid_gid() */
	*gid = (uint32_t)g[0];
	return 0;
}

int hook_task_ns_ids(pid_t tid, uint64_t *dev, uint64_t *ino, int32_t *pid, int32_t *tgid)
{
	char path[64];
	struct stat st;
	long p[32], t[32];

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)tid);
	if (stat(path, &st))
		return -errno;
	int np = status_numbers(tid, "NSpid:", p, 32), nt = status_numbers(tid, "NStgid:", t, 32);
	if (np < 1 || nt < 1)
		return -ESRCH;
	*dev = st.st_dev;
	*ino = st.st_ino;
	*pid = (int32_t)p[np - 1];   /* the innermost namespace: the task's own */
	*tgid = (int32_t)t[nt - 1];
	return 0;
}

/* Where cgroup2 is mounted (first such mount), into buf. */
static int cgroup2_mount(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		char mnt[512];
		if (!sep || strncmp(sep, " - cgroup2 ", 11))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 && strlen(mnt) < size) {
			strcpy(buf, mnt);
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int hook_task_cgroup_id(pid_t tid, int level, uint64_t *id)
{
	char buf[4096], path[4096 + 512];
	ssize_t n = read_proc(tid, "cgroup", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	char *line = strstr(buf, "0::");
	if (line != buf && (!line || line[-1] != '\n'))
		return -ENOENT; /* no cgroup v2 hierarchy */
	char *rel = line + 3;
	rel[strcspn(rel, "\n")] = '\0';
	if (level >= 0) {
		/* Keep the first `level` components of rel ("/a/b/c"). */
		char *p = rel;
		int l = 0;
		while (l < level && p[0] == '/' && p[1]) {
			p = strchrnul(p + 1, '/');
			l++;
		}
		if (l < level) {
			*id = 0; /* deeper than the task's cgroup: the kernel's 0 */
			return 0;
		}
		if (level == 0)
			rel[1] = '\0';
		else
			*p = '\0';
	}
	size_t ml;
	if (cgroup2_mount(path, 512))
		return -ENOENT;
	ml = strlen(path);
	snprintf(path + ml, sizeof(path) - ml, "%s", rel);
	struct stat st;
	if (stat(path, &st))
		return -errno;
	*id = st.st_ino; /* the kernfs node id, which the kernel calls the cgroup id */
	return 0;
}
