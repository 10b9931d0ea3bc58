/* SPDX-License-Identifier: MIT */
/*
 * BPF_PROG_TEST_RUN: runs a loaded program once (or `repeat` times) on
 * input the caller gives, with the context the program type expects, and
 * reports what the kernel reports. Program types get their context as the
 * hooks come; today: BPF_PROG_TYPE_SYSCALL, whose context is plain user
 * memory (ctx_in), written back after the run like the kernel does;
 * XDP, tc (SCHED_CLS, SCHED_ACT) and socket filters over data_in.
 * Runs are checked until the verifier exists.
 *
 * XDP: the packet sits in a page placed below 4 GB, after the kernel's
 * 256 bytes of headroom, so the 32-bit data/data_end/data_meta fields of
 * struct xdp_md are real pointers for unmodified programs. (The kernel's
 * verifier rewrites those loads to 64-bit ones; bpfx's will too, and this
 * placement then stops mattering.) Checked mode bounds every access to the
 * packet and the context.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "api/cmds.h"
#include "api/prog_obj.h"
#include "util/alloc.h"
#include "vm/vm.h"

static inline void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* The kernel's bpf_prog_test_run_syscall. */
static int run_syscall(struct prog_obj *p, union bpf_attr *attr)
{
	uint32_t size = attr->test.ctx_size_in;
	void *ctx = NULL;

	if (attr->test.data_in || attr->test.data_out || attr->test.ctx_out ||
	    attr->test.duration || attr->test.repeat || attr->test.flags ||
	    attr->test.data_size_in || attr->test.data_size_out || attr->test.ctx_size_out)
		return -EINVAL;
	if (size > UINT16_MAX)
		return -EINVAL;
	if (size) {
		if (!attr->test.ctx_in)
			return -EINVAL;
		if (!(ctx = mem_alloc(size)))
			return -ENOMEM;
		memcpy(ctx, uptr(attr->test.ctx_in), size);
	}
	struct bpfx_region region = { ctx, size, true };
	struct bpfx_run_opts ro = {
		.sz = sizeof(ro), .r1 = (uintptr_t)ctx, .checked = true,
		.regions = ctx ? &region : NULL, .region_cnt = ctx ? 1 : 0,
	};
	struct bpfx_run_result res;
	int err = bpfx_prog__run(p->prog, &ro, &res);
	if (!err) {
		attr->test.retval = (uint32_t)res.r0;
		if (size)
			memcpy(uptr(attr->test.ctx_in), ctx, size);
	}
	mem_free(ctx);
	return err;
}

#define XDP_HEADROOM 256u
#define XDP_TAILROOM 320u                 /* the kernel's skb_shared_info */
#define XDP_MAX_LINEAR (4096u - XDP_HEADROOM - XDP_TAILROOM)

/* A page whose addresses fit in 32 bits, or NULL. */
static uint8_t *low_page(void)
{
	void *p = MAP_FAILED;
#ifdef MAP_32BIT
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
#endif
	if (p == MAP_FAILED)
		p = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if ((uintptr_t)p + 4096 > 0xffffffffull) {
		munmap(p, 4096);
		return NULL;
	}
	return p;
}

/* The packet page of a test run, kept per thread between runs: a fresh
 * mmap, its first-touch fault and the munmap cost ~19 us per
 * BPF_PROG_TEST_RUN call on this machine, 50 times the run of a short
 * program. The page is zeroed for each run (the kernel's buffer is
 * zeroed too: headroom and tailroom read as 0) and unmapped when its
 * thread exits. A run that starts while the thread's page is in use (a
 * nested test run) gets a page of its own. */
static __thread uint8_t *thread_page;
static __thread bool thread_page_busy;
static pthread_key_t page_key;
static pthread_once_t page_key_once = PTHREAD_ONCE_INIT;
static bool page_key_ok;

static void page_unmap(void *page)
{
	munmap(page, 4096);
}

static void page_key_init(void)
{
	page_key_ok = pthread_key_create(&page_key, page_unmap) == 0;
}

static uint8_t *page_get(void)
{
	if (thread_page_busy)
		return low_page();
	if (!thread_page) {
		pthread_once(&page_key_once, page_key_init);
		if (!page_key_ok || !(thread_page = low_page()))
			return low_page();
		if (pthread_setspecific(page_key, thread_page)) {
			uint8_t *p = thread_page;
			thread_page = NULL;
			return p; /* not kept: page_put unmaps it */
		}
	}
	thread_page_busy = true;
	memset(thread_page, 0, 4096);
	return thread_page;
}

static void page_put(uint8_t *page)
{
	if (page == thread_page)
		thread_page_busy = false;
	else
		munmap(page, 4096);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Runs the program `repeat` times (stopping at the first error) and
 * returns the mean ns per run in *duration. Like the kernel's
 * bpf_test_timer, the clock is read around the whole loop, not around
 * each run: on a VM a clock read costs as much as a short program. */
static int run_repeat(struct prog_obj *p, const struct bpfx_run_opts *ro,
		      struct bpfx_run_result *res, uint32_t repeat, uint32_t *duration)
{
	int err = 0;
	uint32_t i;
	uint64_t start = now_ns();
	for (i = 0; i < repeat && !err; i++)
		err = bpfx_prog__run(p->prog, ro, res);
	*duration = (uint32_t)((now_ns() - start) / i);
	return err;
}

/* The kernel's bpf_test_finish: data_out (ENOSPC when it is too small, the
 * rest still reported), sizes, retval, duration. */
static int finish(union bpf_attr *attr, const void *data, uint32_t size, uint32_t retval,
		  uint32_t duration)
{
	int err = 0;
	uint32_t copy = size;

	if (attr->test.data_out) {
		if (attr->test.data_size_out && attr->test.data_size_out < copy) {
			copy = attr->test.data_size_out;
			err = -ENOSPC;
		}
		memcpy(uptr(attr->test.data_out), data, copy);
	}
	attr->test.data_size_out = size;
	attr->test.retval = retval;
	attr->test.duration = duration;
	return err;
}

static int run_xdp(struct prog_obj *p, union bpf_attr *attr)
{
	uint32_t size = attr->test.data_size_in, repeat = attr->test.repeat ? attr->test.repeat : 1;
	struct xdp_md md = { 0 };

	if (attr->test.flags & BPF_F_TEST_XDP_LIVE_FRAMES)
		return -EOPNOTSUPP; /* live frames need the packet hooks */
	if (attr->test.ctx_size_in || attr->test.ctx_out)
		return -EOPNOTSUPP; /* a user xdp_md (metadata, ifindex) comes later */
	if (!attr->test.data_in || size < 14 || size > XDP_MAX_LINEAR)
		return -EINVAL;
	uint8_t *page = page_get();
	if (!page)
		return -ENOMEM;

	uint8_t *data = page + XDP_HEADROOM;
	struct bpfx_region regions[2] = { { &md, sizeof(md), false }, { data, size, true } };
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .r1 = (uintptr_t)&md, .checked = true,
				    .regions = regions, .region_cnt = 2 };
	struct bpfx_run_result res;
	uint32_t duration;
	/* Like the kernel, repeated runs share the buffer: a program that
	 * changes its packet sees its own changes the next time. */
	memcpy(data, uptr(attr->test.data_in), size);
	md = (struct xdp_md){ .data = (uint32_t)(uintptr_t)data,
			      .data_end = (uint32_t)(uintptr_t)(data + size),
			      .data_meta = (uint32_t)(uintptr_t)data, .ingress_ifindex = 1 };
	int err = run_repeat(p, &ro, &res, repeat, &duration);
	if (!err) {
		uint8_t *d = (uint8_t *)(uintptr_t)md.data, *end = (uint8_t *)(uintptr_t)md.data_end;
		err = finish(attr, d, (uint32_t)(end - d), (uint32_t)res.r0, duration);
	}
	page_put(page);
	return err;
}

#define SKB_HEADROOM 64u                  /* the kernel's NET_SKB_PAD */
#define SKB_MAX_DATA (4096u - SKB_HEADROOM - XDP_TAILROOM)

/* eth_type_trans's verdict on the destination address, seen from the
 * loopback device (address 00:00:00:00:00:00) test_run uses. */
static uint32_t pkt_type(const uint8_t *mac)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t lo[6] = { 0 };
	if (!memcmp(mac, bcast, 6))
		return 1; /* PACKET_BROADCAST */
	if (mac[0] & 1)
		return 2; /* PACKET_MULTICAST */
	return memcmp(mac, lo, 6) ? 3 /* PACKET_OTHERHOST */ : 0 /* PACKET_HOST */;
}

/* The kernel's bpf_prog_test_run_skb: eth_type_trans pulls the Ethernet
 * header (tc programs get it pushed back: they see the frame from its
 * link-layer header; socket filters from the network header, where
 * LD_ABS offset 0 reads). The packet goes below 4 GB for the same reason
 * as XDP's (__sk_buff data/data_end are 32-bit). */
static int run_skb(struct prog_obj *p, union bpf_attr *attr, bool l2)
{
	uint32_t size = attr->test.data_size_in, repeat = attr->test.repeat ? attr->test.repeat : 1;
	struct __sk_buff skb;

	if (attr->test.flags)
		return -EINVAL;
	if (attr->test.ctx_size_in || attr->test.ctx_out)
		return -EOPNOTSUPP; /* a user __sk_buff (mark, cb, ...) comes later */
	/* An skb needs more than its Ethernet header (XDP takes just one). */
	if (!attr->test.data_in || size <= 14 || size > SKB_MAX_DATA)
		return -EINVAL;
	uint8_t *page = page_get();
	if (!page)
		return -ENOMEM;
	uint8_t *mac = page + SKB_HEADROOM, *data = l2 ? mac : mac + 14;
	memcpy(mac, uptr(attr->test.data_in), size);
	memset(&skb, 0, sizeof(skb));
	skb.len = l2 ? size : size - 14;
	skb.protocol = (uint32_t)(mac[12] | mac[13] << 8); /* __be16 as stored */
	skb.pkt_type = pkt_type(mac);
	skb.ifindex = 1;
	skb.data = (uint32_t)(uintptr_t)data;
	skb.data_end = (uint32_t)(uintptr_t)(data + skb.len);
	skb.data_meta = skb.data;

	struct bpfx_region regions[2] = { { &skb, sizeof(skb), true }, { data, skb.len, true } };
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .r1 = (uintptr_t)&skb, .checked = true,
				    .regions = regions, .region_cnt = 2, .pkt = data,
				    .pkt_len = skb.len, .pkt_l2 = mac, .pkt_l3 = mac + 14 };
	struct bpfx_run_result res;
	uint32_t duration;
	int err = run_repeat(p, &ro, &res, repeat, &duration);
	/* The output starts at the link-layer header either way; for socket
	 * filters the kernel pushes that header back zeroed. */
	if (!err && !l2)
		memset(mac, 0, 14);
	if (!err)
		err = finish(attr, mac, size, (uint32_t)res.r0, duration);
	page_put(page);
	return err;
}

int cmd_prog_test_run(union bpf_attr *attr)
{
	int err = 0;
	struct obj *o = fd_get((int)attr->test.prog_fd, OBJ_PROG, &err);

	if (!o)
		return err;
	struct prog_obj *p = (struct prog_obj *)o;
	if (attr->test.flags & ~(uint32_t)(BPF_F_TEST_RUN_ON_CPU | BPF_F_TEST_XDP_LIVE_FRAMES))
		err = -EINVAL;
	else if (p->type == BPF_PROG_TYPE_SYSCALL)
		err = run_syscall(p, attr);
	else if (p->type == BPF_PROG_TYPE_XDP)
		err = run_xdp(p, attr);
	else if (p->type == BPF_PROG_TYPE_SCHED_CLS || p->type == BPF_PROG_TYPE_SCHED_ACT)
		err = run_skb(p, attr, true);
	else if (p->type == BPF_PROG_TYPE_SOCKET_FILTER)
		err = run_skb(p, attr, false);
	else
		err = -EOPNOTSUPP; /* other program types: their contexts come with the hooks */
	obj_put(o);
	return err;
}
