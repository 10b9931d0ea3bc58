/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include <bpfx/bpfx.h>

#include "util/alloc.h"

static void *default_realloc(void *ptr, size_t size, void *ctx)
{
	(void)ctx;
	if (size == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

static bpfx_realloc_fn hook = default_realloc;
static void *hook_ctx;

void bpfx_set_allocator(bpfx_realloc_fn fn, void *ctx)
{
	hook = fn ? fn : default_realloc;
	hook_ctx = fn ? ctx : NULL;
}

void *mem_realloc(void *ptr, size_t size)
{
	return hook(ptr, size, hook_ctx);
}

void *mem_alloc(size_t size)
{
	return hook(NULL, size ? size : 1, hook_ctx);
}

void *mem_zalloc(size_t size)
{
	void *p = mem_alloc(size);
	if (p)
		memset(p, 0, size ? size : 1);
	return p;
}

void *mem_array(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return mem_zalloc(n * size);
}

void mem_free(void *ptr)
{
	if (ptr)
		hook(ptr, 0, hook_ctx);
}

char *mem_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = mem_alloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}
