/* SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "talloc.h"

long t_fail_at = -1;
long t_alloc_count;
long t_alloc_live;

void *t_failing_realloc(void *ptr, size_t size, void *ctx)
{
	(void)ctx;
	if (size == 0) {
		if (ptr)
			t_alloc_live--;
		free(ptr);
		return NULL;
	}
	if (t_alloc_count++ == t_fail_at)
		return NULL;
	void *p = realloc(ptr, size);
	if (p && !ptr)
		t_alloc_live++;
	return p;
}
