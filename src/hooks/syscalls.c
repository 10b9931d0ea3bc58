/* SPDX-License-Identifier: MIT */
/*
 * System-call hooks by name: sections to hook kinds, syscall names to
 * numbers, and what the running kernel's tracefs says about each event.
 * Called while attaching, on the caller's thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hooks/hook.h"

int hook_syscall_nr(const char *name)
{
	for (int nr = 0; nr < HOOK_NR_SYSCALLS; nr++)
		if (hook_syscalls[nr].name && !strcmp(hook_syscalls[nr].name, name))
			return nr;
	return -ENOENT;
}

static const char *const tracefs_dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

/* Reads events/<group>/<event>/<file> into buf; -ENOENT if the event is
 * absent from a readable tracefs, -ENODEV when no tracefs is readable. */
static int tracefs_read(const char *group, const char *event, const char *file, char *buf,
			size_t size)
{
	for (size_t i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/events/%s", tracefs_dirs[i], group);
		if (access(path, R_OK))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s/%s/%s", tracefs_dirs[i], group, event,
			 file);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -ENOENT;
		ssize_t n = read(fd, buf, size - 1);
		close(fd);
		if (n < 0)
			return -ENOENT;
		buf[n] = '\0';
		return 0;
	}
	return -ENODEV;
}

/* Returns -ENODEV without a readable tracefs (id 0, nargs 6 then). */
static int tracefs_group_event(const char *group, const char *event, uint16_t *id,
			       int *nargs)
{
	char buf[4096];
	int err = tracefs_read(group, event, "id", buf, sizeof(buf));

	*id = 0;
	*nargs = 6;
	if (err)
		return err;
	*id = (uint16_t)strtoul(buf, NULL, 10);
	if (tracefs_read(group, event, "format", buf, sizeof(buf)))
		return 0;
	/* Syscall arguments are the 8-byte fields from offset 16 on. */
	int n = 0;
	for (char *p = buf; (p = strstr(p, "offset:")); p += 7)
		if (atoi(p + 7) >= 16)
			n++;
	*nargs = n;
	return 0;
}

int hook_tracefs_event(const char *event, uint16_t *id, int *nargs)
{
	int err = tracefs_group_event("syscalls", event, id, nargs);
	return err == -ENODEV ? 0 : err;
}

/* "sys_enter_NAME" / "sys_exit_NAME" after the group. */
static int parse_syscalls(const char *ev, struct hook_target *t, const char **why)
{
	const char *name;
	if (!strncmp(ev, "sys_enter_", 10)) {
		t->kind = HOOK_SYS_ENTER;
		name = ev + 10;
	} else if (!strncmp(ev, "sys_exit_", 9)) {
		t->kind = HOOK_SYS_EXIT;
		name = ev + 9;
	} else {
		*why = "syscalls tracepoints are sys_enter_NAME or sys_exit_NAME";
		return -EOPNOTSUPP;
	}
	t->nr = hook_syscall_nr(name);
	int err = t->nr < 0 ? -ENOENT : tracefs_group_event("syscalls", ev, &t->event_id,
							      &t->nargs);
	if (err == -ENODEV && hook_syscalls[t->nr].nargs >= 0)
		t->nargs = hook_syscalls[t->nr].nargs; /* no tracefs: the built-in count */
	else if (err && err != -ENODEV) {
		*why = "no such system call tracepoint";
		return -ENOENT;
	}
	if (t->kind == HOOK_SYS_EXIT)
		t->nargs = 1; /* ret */
	return 0;
}

int hook_parse_section(const char *sec, struct hook_target *t, const char **why)
{
	const char *rest;

	memset(t, 0, sizeof(*t));
	t->nr = -1;
	t->nargs = 6;
	*why = "not a system-call hook (tp/syscalls/sys_enter_NAME, tp/syscalls/"
	       "sys_exit_NAME, tp/raw_syscalls/sys_enter|sys_exit, raw_tp/sys_enter|sys_exit)";
	if (!strncmp(sec, "tp/", 3) || !strncmp(sec, "tracepoint/", 11)) {
		rest = strchr(sec, '/') + 1;
		if (!strncmp(rest, "syscalls/", 9))
			return parse_syscalls(rest + 9, t, why);
		if (!strcmp(rest, "raw_syscalls/sys_enter") || !strcmp(rest, "raw_syscalls/sys_exit")) {
			bool enter = !strcmp(rest + 13, "sys_enter");
			t->kind = enter ? HOOK_RAW_SYS_ENTER : HOOK_RAW_SYS_EXIT;
			int nargs, err = tracefs_group_event("raw_syscalls", rest + 13,
							     &t->event_id, &nargs);
			return err == -ENODEV ? 0 : err;
		}
		return -EOPNOTSUPP;
	}
	if (!strncmp(sec, "raw_tp/", 7) || !strncmp(sec, "raw_tracepoint/", 15)) {
		rest = strchr(sec, '/') + 1;
		if (!strcmp(rest, "sys_enter") || !strcmp(rest, "sys_exit")) {
			t->kind = !strcmp(rest, "sys_enter") ? HOOK_RAWTP_SYS_ENTER : HOOK_RAWTP_SYS_EXIT;
			return 0;
		}
	}
	return -EOPNOTSUPP;
}
