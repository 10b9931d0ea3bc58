/* SPDX-License-Identifier: MIT */
/*
 * link_make {bpfx|kernel} CGROUP_DIR PIN: loads a cgroup_skb program that
 * returns 1, links it to CGROUP_DIR at cgroup_inet_ingress and pins the
 * link at PIN (bpfx: relative to the bpffs root; kernel: a bpffs path).
 * For the links suite, which then looks at the pin from other processes
 * (bpfx link ...) and compares with bpftool's view of the kernel's link.
 * Prints nothing; exit 0 on success, 1 with a line on stderr otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tinsn.h"

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "bpfx") && strcmp(argv[1], "kernel"))) {
		fprintf(stderr, "usage: link_make {bpfx|kernel} CGROUP_DIR PIN\n");
		return 2;
	}
	int (*sys)(int, union bpf_attr *, unsigned int) = argv[1][0] == 'k' ? kbpf_sys : bpfx_bpf;
	struct bpf_insn p[] = { MOV64_IMM(0, 1), EXIT() };
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_CGROUP_SKB, .insn_cnt = 2,
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL" };
	int prog = sys(BPF_PROG_LOAD, &a, sizeof(a));
	int cg = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (prog < 0 || cg < 0) {
		fprintf(stderr, "link_make: load or open %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog;
	a.link_create.target_fd = (uint32_t)cg;
	a.link_create.attach_type = BPF_CGROUP_INET_INGRESS;
	int link = sys(BPF_LINK_CREATE, &a, sizeof(a));
	if (link < 0) {
		fprintf(stderr, "link_make: link_create: %s\n", strerror(errno));
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.pathname = (uintptr_t)argv[3];
	a.bpf_fd = (uint32_t)link;
	if (sys(BPF_OBJ_PIN, &a, sizeof(a))) {
		fprintf(stderr, "link_make: pin %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	return 0;
}
