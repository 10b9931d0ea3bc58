/* SPDX-License-Identifier: MIT */
/*
 * For the packet helpers: the packet context of the running program
 * (hooks/packet.h), found through the run and checked against the context
 * pointer the program passed. A helper called outside a packet run of its
 * kind, or with another pointer than the program's context, stops the
 * program with a fault (the kernel's verifier makes both impossible).
 */
#ifndef BPFX_HELPERS_PKT_CTX_H
#define BPFX_HELPERS_PKT_CTX_H

#include <errno.h>
#include <stddef.h>

#include "hooks/packet.h"
#include "vm/vm.h"

static inline struct pkt_xdp *helper_xdp(struct bpfx_run_ctx *run, uint64_t ctx, const char *name)
{
	struct pkt_hook *h = run->hook;
	if (!h || h->kind != PKT_XDP) {
		bpfx_run_ctx__fault(run, -EINVAL, "%s: called outside an XDP run", name);
		return NULL;
	}
	struct pkt_xdp *x = (struct pkt_xdp *)((char *)h - offsetof(struct pkt_xdp, hook));
	if (ctx != (uintptr_t)&x->md) {
		bpfx_run_ctx__fault(run, -EFAULT, "%s: r1 (0x%llx) is not the program's context",
				    name, (unsigned long long)ctx);
		return NULL;
	}
	return x;
}

static inline struct pkt_skb *helper_skb(struct bpfx_run_ctx *run, uint64_t ctx, const char *name)
{
	struct pkt_hook *h = run->hook;
	if (!h || h->kind != PKT_SKB) {
		bpfx_run_ctx__fault(run, -EINVAL, "%s: called outside a tc or socket filter run",
				    name);
		return NULL;
	}
	struct pkt_skb *s = (struct pkt_skb *)((char *)h - offsetof(struct pkt_skb, hook));
	if (ctx != (uintptr_t)&s->skb) {
		bpfx_run_ctx__fault(run, -EFAULT, "%s: r1 (0x%llx) is not the program's context",
				    name, (unsigned long long)ctx);
		return NULL;
	}
	return s;
}

/* Checked mode: may the program read (write) [ptr, ptr + len)? Faults
 * the run when not. */
static inline bool helper_mem(struct bpfx_run_ctx *run, uint64_t ptr, uint64_t len, bool write,
			      const char *name)
{
	if (bpfx_run_ctx__mem_ok(run, (const void *)(uintptr_t)ptr, len, write))
		return true;
	bpfx_run_ctx__fault(run, -EFAULT, "%s: %llu bytes at 0x%llx are not memory the program "
			    "may %s", name, (unsigned long long)len, (unsigned long long)ptr,
			    write ? "write" : "read");
	return false;
}

#define HELPER_ERR(e) ((uint64_t)(int64_t)(e))

#endif /* BPFX_HELPERS_PKT_CTX_H */
