/* SPDX-License-Identifier: MIT */
/*
 * Copying a caller's sized options struct (first field `size_t sz`) into
 * the library's own definition, so that old callers (smaller sz) get
 * defaults for the new fields and new callers (larger sz) are accepted as
 * long as the fields this build does not know are zero, like libbpf and
 * the kernel's bpf_attr.
 */
#ifndef BPFX_UTIL_OPTS_H
#define BPFX_UTIL_OPTS_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Copies *src (NULL means all defaults) into dst. Returns 0 or -EINVAL
 * (sz smaller than the sz field itself, or unknown non-zero tail). */
static inline int opts_copy(void *dst, size_t dst_sz, const void *src)
{
	memset(dst, 0, dst_sz);
	if (!src)
		return 0;
	size_t sz = *(const size_t *)src;
	if (sz < sizeof(size_t))
		return -EINVAL;
	for (size_t i = dst_sz; i < sz; i++)
		if (((const unsigned char *)src)[i])
			return -EINVAL;
	memcpy(dst, src, sz < dst_sz ? sz : dst_sz);
	return 0;
}

#endif /* BPFX_UTIL_OPTS_H */
