/* SPDX-License-Identifier: MIT */
/* Context field rules per program type (ctx_access.c). */
#ifndef BPFX_VERIFIER_CTX_ACCESS_H
#define BPFX_VERIFIER_CTX_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

enum vfy_ctx_result { VFY_CTX_SCALAR, VFY_CTX_PKT, VFY_CTX_PKT_META, VFY_CTX_PKT_END };

/* May a program of prog_type load (store: write) `size` bytes at ctx+off?
 * *res says what a load gives. */
bool vfy_ctx_access(uint32_t prog_type, int off, int size, bool write, enum vfy_ctx_result *res);
/* Does vfy_ctx_access know the program type's context? */
bool vfy_ctx_modelled(uint32_t prog_type);
bool vfy_ld_abs_allowed(uint32_t prog_type);
/* May the program type write into its packet? */
bool vfy_pkt_writable(uint32_t prog_type);

#endif
