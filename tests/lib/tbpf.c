/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>

#include <bpfx/bpfx.h>

#include "tbpf.h"
#include "tinsn.h"

int t_sys(int cmd, union bpf_attr *a)
{
	int r = bpfx_bpf(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

int t_pin(int fd, const char *path)
{
	union bpf_attr a = { .pathname = (uintptr_t)path, .bpf_fd = (uint32_t)fd };
	return t_sys(BPF_OBJ_PIN, &a);
}

int t_get(const char *path)
{
	union bpf_attr a = { .pathname = (uintptr_t)path };
	return t_sys(BPF_OBJ_GET, &a);
}

int t_map_create(uint32_t type, uint32_t max_entries)
{
	union bpf_attr a = { .map_type = type, .key_size = 4, .value_size = 8,
			     .max_entries = max_entries };
	return t_sys(BPF_MAP_CREATE, &a);
}

int t_update(int fd, uint32_t key, uint64_t value)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key,
			     .value = (uintptr_t)&value };
	return t_sys(BPF_MAP_UPDATE_ELEM, &a);
}

uint64_t t_lookup(int fd, uint32_t key)
{
	uint64_t v = 0xdead;
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key, .value = (uintptr_t)&v };
	return t_sys(BPF_MAP_LOOKUP_ELEM, &a) ? 0xdead : v;
}

int t_load_adder(int map_fd, int32_t retval, const char *name)
{
	struct bpf_insn p[] = {
		ST(BPF_W, 10, -4, 0),
		RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, map_fd), RAW(0, 0, 0, 0, 0),
		MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, 0, 0, 3),
		MOV64_IMM(1, 1),
		RAW(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_ADD),
		MOV64_IMM(0, retval),
		EXIT(),
	};
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SYSCALL, .insn_cnt = sizeof(p) / sizeof(p[0]),
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL",
			     .prog_flags = BPF_F_SLEEPABLE };
	if (name)
		snprintf(a.prog_name, sizeof(a.prog_name), "%s", name);
	return t_sys(BPF_PROG_LOAD, &a);
}
