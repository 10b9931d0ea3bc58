/* SPDX-License-Identifier: MIT */
/* Building raw instructions in tests (the kernel's filter.h macros are
 * not part of the UAPI headers). */
#ifndef BPFX_TESTS_TINSN_H
#define BPFX_TESTS_TINSN_H

#include <linux/bpf.h>

#define RAW(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define ALU64_IMM(op, d, i)  RAW(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU64_REG(op, d, s)  RAW(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32_IMM(op, d, i)  RAW(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define ALU32_REG(op, d, s)  RAW(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i)      ALU64_IMM(BPF_MOV, d, i)
#define MOV64_REG(d, s)      ALU64_REG(BPF_MOV, d, s)
#define JMP_IMM(op, d, i, o) RAW(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JMP_REG(op, d, s, o) RAW(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define JA(o)                RAW(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define LDX(sz, d, s, o)     RAW(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o)     RAW(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i)      RAW(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define CALL(id)             RAW(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL(rel)      RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)
#define EXIT()               RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LDDW_LO(d, v)        RAW(BPF_LD | BPF_IMM | BPF_DW, d, 0, 0, (int)(uint32_t)(v))
#define LDDW_HI(v)           RAW(0, 0, 0, 0, (int)(uint32_t)((uint64_t)(v) >> 32))

#endif
