/* SPDX-License-Identifier: MIT */
/*
 * bpfx_bpf(): the bpf() system call's entry, dispatch and the checks every
 * command shares, as the kernel's __sys_bpf does them:
 *   - a size larger than this build's union bpf_attr is accepted only if
 *     the extra bytes are zero (else E2BIG); a smaller one is zero-extended;
 *   - each command reads fields up to its last one; anything after must be
 *     zero (CHECK_ATTR, else EINVAL).
 * Then the command's handler runs; it returns a descriptor, 0, or a
 * negative errno, which becomes -1 and errno here.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <bpfx/bpfx.h>

#include "api/cmds.h"

#define END(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))

struct command {
	int (*run)(union bpf_attr *attr);
	size_t attr_end; /* end of the command's last field */
	bool out_on_error; /* writes results (counts) even when it fails */
};

static const struct command commands[] = {
	[BPF_MAP_CREATE] = { cmd_map_create, END(map_extra) },
	[BPF_MAP_LOOKUP_ELEM] = { cmd_map_lookup, END(flags) },
	[BPF_MAP_UPDATE_ELEM] = { cmd_map_update, END(flags) },
	[BPF_MAP_DELETE_ELEM] = { cmd_map_delete, END(key) },
	[BPF_MAP_GET_NEXT_KEY] = { cmd_map_get_next_key, END(next_key) },
	[BPF_MAP_LOOKUP_AND_DELETE_ELEM] = { cmd_map_lookup_and_delete, END(flags) },
	[BPF_MAP_FREEZE] = { cmd_map_freeze, END(map_fd) },
	[BPF_MAP_GET_NEXT_ID] = { cmd_map_get_next_id, END(next_id) },
	[BPF_MAP_GET_FD_BY_ID] = { cmd_map_get_fd_by_id, END(open_flags) },
	[BPF_OBJ_GET_INFO_BY_FD] = { cmd_obj_get_info_by_fd, END(info.info) },
	/* + log_true_size (Linux 6.4), newer than the headers */
	[BPF_PROG_LOAD] = { cmd_prog_load, END(core_relo_rec_size) + 4 },
	[BPF_OBJ_PIN] = { cmd_obj_pin, END(file_flags) },
	[BPF_OBJ_GET] = { cmd_obj_get, END(file_flags) },
	[BPF_PROG_TEST_RUN] = { cmd_prog_test_run, END(test.batch_size) },
	[BPF_PROG_GET_NEXT_ID] = { cmd_prog_get_next_id, END(next_id) },
	[BPF_PROG_GET_FD_BY_ID] = { cmd_prog_get_fd_by_id, END(prog_id) },
	/* + btf_log_true_size (Linux 6.4), newer than the headers */
	[BPF_BTF_LOAD] = { cmd_btf_load, END(btf_log_level) + 4 },
	[BPF_BTF_GET_NEXT_ID] = { cmd_btf_get_next_id, END(next_id) },
	/* + fd_by_id_token_fd (Linux 6.9), ignored without BPF_F_TOKEN_FD */
	[BPF_BTF_GET_FD_BY_ID] = { cmd_btf_get_fd_by_id, END(open_flags) + 4 },
	[BPF_MAP_LOOKUP_BATCH] = { cmd_map_lookup_batch, END(batch.flags), true },
	[BPF_MAP_LOOKUP_AND_DELETE_BATCH] = { cmd_map_lookup_and_delete_batch, END(batch.flags),
					      true },
	[BPF_MAP_UPDATE_BATCH] = { cmd_map_update_batch, END(batch.flags), true },
	[BPF_MAP_DELETE_BATCH] = { cmd_map_delete_batch, END(batch.flags), true },
	[BPF_LINK_CREATE] = { cmd_link_create, END(link_create) },
	[BPF_LINK_UPDATE] = { cmd_link_update, END(link_update.old_prog_fd) },
	[BPF_LINK_DETACH] = { cmd_link_detach, END(link_detach.link_fd) },
	[BPF_LINK_GET_NEXT_ID] = { cmd_link_get_next_id, END(next_id) },
	[BPF_LINK_GET_FD_BY_ID] = { cmd_link_get_fd_by_id, END(link_id) },
	/* + u32 padding and u64 cookie (Linux 6.10) */
	[BPF_RAW_TRACEPOINT_OPEN] = { cmd_raw_tracepoint_open, END(raw_tracepoint.prog_fd) + 12 },
	/* + padding and u64 expected_revision (Linux 6.6) */
	[BPF_PROG_ATTACH] = { cmd_prog_attach, END(replace_bpf_fd) + 12 },
	[BPF_PROG_DETACH] = { cmd_prog_detach, END(replace_bpf_fd) + 12 },
	/* + link_ids, link_attach_flags, revision (Linux 6.6) */
	[BPF_PROG_QUERY] = { cmd_prog_query, END(query.prog_attach_flags) + 24, true },
	[BPF_ENABLE_STATS] = { cmd_enable_stats, END(enable_stats.type) },
	[BPF_PROG_BIND_MAP] = { cmd_prog_bind_map, END(prog_bind_map.flags) },
};

/* The last command of the UAPI headers bpfx is built with. */
#define CMD_LAST_KNOWN BPF_PROG_BIND_MAP

static bool tail_is_zero(const void *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (((const unsigned char *)p)[i])
			return false;
	return true;
}

int bpfx_bpf(int cmd, union bpf_attr *uattr, unsigned int size)
{
	union bpf_attr attr;
	int ret;

	if (size > sizeof(attr)) {
		/* The kernel's bpf_check_uarg_tail_zero: at most a page. */
		if (!uattr || size > 4096 || !tail_is_zero(uattr, sizeof(attr), size)) {
			errno = uattr ? E2BIG : EFAULT;
			return -1;
		}
		size = sizeof(attr);
	}
	memset(&attr, 0, sizeof(attr));
	if (size) {
		if (!uattr) {
			errno = EFAULT;
			return -1;
		}
		memcpy(&attr, uattr, size);
	}

	if (cmd < 0 || cmd > CMD_LAST_KNOWN) {
		errno = EINVAL;
		return -1;
	}
	const struct command *c = (size_t)cmd < sizeof(commands) / sizeof(commands[0])
					  ? &commands[cmd] : NULL;
	if (!c || !c->run) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (!tail_is_zero(&attr, c->attr_end, sizeof(attr))) {
		errno = EINVAL;
		return -1;
	}
	ret = c->run(&attr);
	/* The batch commands' counts, and a test run whose output did not fit
	 * (sizes and retval), reach the caller even on failure. */
	if (ret < 0 && (c->out_on_error || (ret == -ENOSPC && cmd == BPF_PROG_TEST_RUN)))
		memcpy(uattr, &attr, size);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	/* Commands that write results (info_len, next_id...) write them in
	 * attr; copy back what the caller gave room for. */
	memcpy(uattr, &attr, size);
	return ret;
}
