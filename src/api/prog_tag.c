/* SPDX-License-Identifier: MIT */
/*
 * A program's tag, as the kernel computes it at load (bpf_prog_calc_tag):
 * the first 8 bytes of the SHA-256 of its instructions as given (Linux
 * 6.18; earlier kernels used SHA-1, so tags differ between them), with the
 * immediates of lddw map references (BPF_PSEUDO_MAP_FD and
 * BPF_PSEUDO_MAP_VALUE, both halves) zeroed, so that the same code gets
 * the same tag whichever descriptors its maps had.
 */
#include <errno.h>
#include <string.h>

#include "api/prog_obj.h"
#include "util/alloc.h"
#include "util/sha256.h"

int prog_calc_tag(const struct bpf_insn *insns, uint32_t cnt, uint8_t tag[BPF_TAG_SIZE])
{
	struct bpf_insn *copy = mem_array(cnt, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, insns, (size_t)cnt * sizeof(*copy));

	bool in_map_ld = false;
	for (uint32_t i = 0; i < cnt; i++) {
		struct bpf_insn *in = &copy[i];
		if (!in_map_ld && in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE)) {
			in_map_ld = true;
			in->imm = 0;
		} else if (in_map_ld && !in->code && !in->dst_reg && !in->src_reg && !in->off) {
			/* lddw's second half */
			in_map_ld = false;
			in->imm = 0;
		} else {
			in_map_ld = false;
		}
	}
	uint8_t digest[SHA256_DIGEST_SIZE];
	sha256(copy, (size_t)cnt * sizeof(*copy), digest);
	memcpy(tag, digest, BPF_TAG_SIZE);
	mem_free(copy);
	return 0;
}
