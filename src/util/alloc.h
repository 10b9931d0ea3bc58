/* SPDX-License-Identifier: MIT */
/*
 * The one allocation path of the library (DESIGN habit 6). Everything the
 * library allocates goes through mem_realloc, which calls the hook set by
 * bpfx_set_allocator(), so a test can fail the Nth allocation for every N.
 * Memory handed to the user to free() (bpfx_disasm, bpfx_asm results) is
 * the exception: it comes from plain malloc, as the API promises.
 */
#ifndef BPFX_UTIL_ALLOC_H
#define BPFX_UTIL_ALLOC_H

#include <stddef.h>

void *mem_realloc(void *ptr, size_t size);
void *mem_alloc(size_t size);
void *mem_zalloc(size_t size);            /* zero-filled */
void *mem_array(size_t n, size_t size);   /* zero-filled, NULL on overflow */
void mem_free(void *ptr);                 /* NULL-safe */
char *mem_strdup(const char *s);

#endif /* BPFX_UTIL_ALLOC_H */
