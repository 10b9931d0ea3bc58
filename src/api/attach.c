/* SPDX-License-Identifier: MIT */
/*
 * The registry of attachments (see api/link_obj.h): one array in attach
 * order under a mutex. Each entry holds a reference on its program; a
 * link's entry is removed by the link (detach, destroy), a PROG_ATTACH
 * entry by PROG_DETACH. The kernel's cgroup rules for a group (type,
 * target) are applied here: all entries of a group share the attach flags
 * of the first one.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "api/link_obj.h"
#include "api/prog_obj.h"
#include "util/alloc.h"

#define GROUP_MAX 64 /* the kernel's BPF_CGROUP_MAX_PROGS */

struct attachment {
	uint32_t type;
	uint64_t target;
	uint32_t flags;
	struct prog_obj *prog;
	struct link_obj *link; /* NULL for PROG_ATTACH */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct attachment *entries;
static size_t cnt, cap;

static bool in_group(const struct attachment *a, uint32_t type, uint64_t target)
{
	return a->type == type && a->target == target;
}

/* The first entry of a group and the group's size. Caller holds lock. */
static struct attachment *group(uint32_t type, uint64_t target, size_t *n)
{
	struct attachment *first = NULL;
	*n = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (!in_group(&entries[i], type, target))
			continue;
		if (!first)
			first = &entries[i];
		(*n)++;
	}
	return first;
}

static void remove_at(size_t i)
{
	obj_put(&entries[i].prog->obj);
	memmove(&entries[i], &entries[i + 1], (cnt - i - 1) * sizeof(*entries));
	cnt--;
	if (!cnt) {
		mem_free(entries);
		entries = NULL;
		cap = 0;
	}
}

/* Checks of a new attachment in a non-empty group with `multi` set;
 * returns the entry to replace (BPF_F_REPLACE), NULL, or an ERR as *err. */
static struct attachment *multi_find(uint32_t type, uint64_t target, struct prog_obj *prog,
				     struct link_obj *link, struct prog_obj *replace, int *err)
{
	struct attachment *found = NULL;
	for (size_t i = 0; i < cnt; i++) {
		struct attachment *a = &entries[i];
		if (!in_group(a, type, target))
			continue;
		if ((!link && !a->link && a->prog == prog && prog != replace) ||
		    (link && a->link == link)) {
			*err = -EINVAL; /* the same program twice */
			return NULL;
		}
		if (replace && a->prog == replace && !found)
			found = a;
	}
	if (replace && !found)
		*err = -ENOENT;
	return found;
}

static int append(const struct attachment *a)
{
	if (cnt == cap) {
		size_t ncap = cap ? cap * 2 : 8;
		struct attachment *n = mem_realloc(entries, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		entries = n;
		cap = ncap;
	}
	entries[cnt++] = *a;
	obj_get(&a->prog->obj);
	return 0;
}

int attach_add(uint32_t type, uint64_t target, struct prog_obj *prog, struct link_obj *link,
	       uint32_t flags, struct prog_obj *replace)
{
	bool multi = flags & BPF_F_ALLOW_MULTI;
	struct attachment a = { type, target, flags, prog, link }, *at = NULL;
	size_t n;
	int err = 0;

	if ((flags & BPF_F_ALLOW_OVERRIDE) && multi)
		return -EINVAL;
	if ((flags & BPF_F_REPLACE) && !multi)
		return -EINVAL;
	a.flags &= ~(uint32_t)BPF_F_REPLACE;
	pthread_mutex_lock(&lock);
	struct attachment *first = group(type, target, &n);
	if (first && first->flags != a.flags) {
		err = -EPERM;
	} else if (n >= GROUP_MAX) {
		err = -E2BIG;
	} else if (multi) {
		at = multi_find(type, target, prog, link, replace, &err);
	} else {
		at = first; /* a single program: the new one replaces it */
		if (at && at->link)
			err = -EBUSY;
	}
	if (!err && at) {
		obj_get(&prog->obj);
		obj_put(&at->prog->obj);
		at->prog = prog;
		at->link = link;
	} else if (!err) {
		err = append(&a);
	}
	pthread_mutex_unlock(&lock);
	return err;
}

int attach_del_prog(uint32_t type, uint64_t target, struct prog_obj *prog)
{
	int err = -ENOENT;
	size_t n;

	pthread_mutex_lock(&lock);
	struct attachment *first = group(type, target, &n);
	if (first && !(first->flags & BPF_F_ALLOW_MULTI)) {
		/* One program: detached whatever descriptor was given, as the
		 * kernel does for compatibility. */
		remove_at((size_t)(first - entries));
		err = 0;
	} else if (first && !prog) {
		err = -EINVAL; /* which one? the kernel asks for the program */
	}
	for (size_t i = 0; first && prog && i < cnt && err == -ENOENT; i++) {
		struct attachment *a = &entries[i];
		if (!in_group(a, type, target) || a->link || a->prog != prog)
			continue;
		remove_at(i);
		err = 0;
	}
	pthread_mutex_unlock(&lock);
	return err;
}

void attach_del_link(struct link_obj *link)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < cnt; i++) {
		if (entries[i].link == link) {
			remove_at(i);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

void attach_set_link_prog(struct link_obj *link, struct prog_obj *prog)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < cnt; i++) {
		if (entries[i].link == link) {
			obj_get(&prog->obj);
			obj_put(&entries[i].prog->obj);
			entries[i].prog = prog;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

int attach_query(uint32_t type, uint64_t target, uint32_t *flags, uint32_t *ids, uint32_t max)
{
	uint32_t n = 0;

	*flags = 0;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < cnt; i++) {
		if (!in_group(&entries[i], type, target))
			continue;
		if (!n)
			*flags = entries[i].flags;
		if (n < max)
			ids[n] = entries[i].prog->obj.id;
		n++;
	}
	pthread_mutex_unlock(&lock);
	return (int)n;
}

int link_attached_progs(enum bpf_attach_type type, uint64_t target, struct prog_obj **progs,
			int max)
{
	int n = 0;

	if (max < 0 || (max && !progs))
		return -EINVAL;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < cnt; i++) {
		if (!in_group(&entries[i], type, target))
			continue;
		if (n < max) {
			obj_get(&entries[i].prog->obj);
			progs[n] = entries[i].prog;
		}
		n++;
	}
	pthread_mutex_unlock(&lock);
	return n;
}
