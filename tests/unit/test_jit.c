/* SPDX-License-Identifier: MIT */
/*
 * The JIT: the x86-64 encoder against byte sequences from an independent
 * assembler (llvm-mc, recorded here), jump encodings, a disassembler's
 * view of the encoder's output (objdump, when installed), every operation
 * of the opcode table compiled in both modes, W^X images, compile time,
 * and the lazy compilation under concurrent first runs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "isa/isa.h"
#include "jit/jit.h"
#include "jit/x86_64/emit.h"
#include "tcheck.h"
#include "tinsn.h"

static void check_bytes(const struct jit_buf *b, const uint8_t *want, size_t n, const char *what)
{
	char got[64] = "", exp[64] = "";
	for (size_t i = 0; i < b->len && i < 20; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%02x ", b->p[i]);
	for (size_t i = 0; i < n && i < 20; i++)
		snprintf(exp + strlen(exp), sizeof(exp) - strlen(exp), "%02x ", want[i]);
	CHECK(!b->err && b->len == n && !memcmp(b->p, want, n), "%s: got %s, want %s", what,
	      got, exp);
}

/* One case: its bytes alone, checked; or, with `all`, appended to the
 * buffer and counted (for the disassembler). */
static bool all;
static size_t cases;
#define E(CALL, TEXT, ...)                                                      \
	do {                                                                    \
		static const uint8_t want[] = { __VA_ARGS__ };                  \
		if (!all)                                                       \
			b->len = 0;                                             \
		CALL;                                                           \
		if (!all)                                                       \
			check_bytes(b, want, sizeof(want), TEXT);               \
		cases++;                                                        \
	} while (0)

/* Byte sequences from llvm-mc-19 -show-encoding for the Intel syntax given. */
static void test_encodings(struct jit_buf *b)
{
	E(x86_alu_rr(b, X86_ADD, true, X86_RAX, X86_RDI),
	  "add rax, rdi", 0x48, 0x01, 0xf8);
	E(x86_alu_rr(b, X86_SUB, false, X86_R13, X86_R8),
	  "sub r13d, r8d", 0x45, 0x29, 0xc5);
	E(x86_alu_rr(b, X86_XOR, false, X86_RBX, X86_RBX),
	  "xor ebx, ebx", 0x31, 0xdb);
	E(x86_alu_ri(b, X86_AND, true, X86_RDI, 5),
	  "and rdi, 5", 0x48, 0x83, 0xe7, 0x05);
	E(x86_alu_ri(b, X86_OR, false, X86_R15, 0x12345),
	  "or r15d, 0x12345", 0x41, 0x81, 0xcf, 0x45, 0x23, 0x01, 0x00);
	E(x86_alu_ri(b, X86_CMP, true, X86_RSI, -1),
	  "cmp rsi, -1", 0x48, 0x83, 0xfe, 0xff);
	E(x86_alu_mi(b, X86_CMP, true, X86_R12, 0x40, 0),
	  "cmp qword ptr [r12+0x40], 0", 0x49, 0x83, 0x7c, 0x24, 0x40, 0x00);
	E(x86_alu_mi(b, X86_SUB, true, X86_R12, 0x200, 1),
	  "sub qword ptr [r12+0x200], 1", 0x49, 0x83, 0xac, 0x24, 0x00, 0x02, 0x00, 0x00, 0x01);
	E(x86_alu_rm(b, X86_SUB, true, X86_R10, X86_R12, 0x88),
	  "sub r10, qword ptr [r12+0x88]", 0x4d, 0x2b, 0x94, 0x24, 0x88, 0x00, 0x00, 0x00);
	E(x86_alu_mr(b, X86_ADD, true, true, X86_R11, 0, X86_RSI),
	  "lock add qword ptr [r11], rsi", 0xf0, 0x49, 0x01, 0x33);
	E(x86_alu_mr(b, X86_XOR, false, true, X86_RBP, 0, X86_RAX),
	  "lock xor dword ptr [rbp], eax", 0xf0, 0x31, 0x45, 0x00);
	E(x86_test_rr(b, true, X86_RCX, X86_RDX),
	  "test rcx, rdx", 0x48, 0x85, 0xd1);
	E(x86_test_ri(b, false, X86_R11, 7),
	  "test r11d, 7", 0x41, 0xf7, 0xc3, 0x07, 0x00, 0x00, 0x00);
	E(x86_mov_rr(b, true, X86_RBP, X86_RCX),
	  "mov rbp, rcx", 0x48, 0x89, 0xcd);
	E(x86_mov_rr(b, false, X86_RAX, X86_RAX),
	  "mov eax, eax", 0x89, 0xc0);
	E(x86_mov_ri(b, X86_R8, 0),
	  "xor r8d, r8d", 0x45, 0x31, 0xc0);
	E(x86_mov_ri(b, X86_RDI, 0x7fffffff),
	  "mov edi, 0x7fffffff", 0xbf, 0xff, 0xff, 0xff, 0x7f);
	E(x86_mov_ri(b, X86_R14, 0xffffffffffffff00ull),
	  "mov r14, -256", 0x49, 0xc7, 0xc6, 0x00, 0xff, 0xff, 0xff);
	E(x86_mov_ri(b, X86_RBX, 0x123456789abcdef0ull),
	  "movabs rbx, 0x123456789abcdef0", 0x48, 0xbb, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12);
	E(x86_mov_ri32(b, X86_R10, 0x10),
	  "mov r10d, 0x10", 0x41, 0xba, 0x10, 0x00, 0x00, 0x00);
	E(x86_imul_rr(b, true, X86_RDX, X86_R9),
	  "imul rdx, r9", 0x49, 0x0f, 0xaf, 0xd1);
	E(x86_imul_rri(b, false, X86_RCX, X86_RCX, 100000),
	  "imul ecx, ecx, 100000", 0x69, 0xc9, 0xa0, 0x86, 0x01, 0x00);
	E(x86_imul_rri(b, true, X86_R13, X86_R13, -3),
	  "imul r13, r13, -3", 0x4d, 0x6b, 0xed, 0xfd);
	E(x86_grp3(b, X86_NEG, true, X86_R15),
	  "neg r15", 0x49, 0xf7, 0xdf);
	E(x86_grp3(b, X86_DIV, false, X86_R11),
	  "div r11d", 0x41, 0xf7, 0xf3);
	E(x86_grp3(b, X86_IDIV, true, X86_R11),
	  "idiv r11", 0x49, 0xf7, 0xfb);
	E(x86_shift_ri(b, X86_SHL, true, X86_RSI, 1),
	  "shl rsi, 1", 0x48, 0xd1, 0xe6);
	E(x86_shift_ri(b, X86_SAR, false, X86_R8, 31),
	  "sar r8d, 31", 0x41, 0xc1, 0xf8, 0x1f);
	E(x86_shift_cl(b, X86_SHR, true, X86_R11),
	  "shr r11, cl", 0x49, 0xd3, 0xeb);
	E(x86_shiftx(b, X86_SHL, true, X86_R11, X86_RAX, X86_RCX),
	  "shlx r11, rax, rcx", 0xc4, 0x62, 0xf1, 0xf7, 0xd8);
	E(x86_shiftx(b, X86_SHR, false, X86_RDI, X86_R13, X86_R8),
	  "shrx edi, r13d, r8d", 0xc4, 0xc2, 0x3b, 0xf7, 0xfd);
	E(x86_shiftx(b, X86_SAR, true, X86_RBX, X86_RBX, X86_RSI),
	  "sarx rbx, rbx, rsi", 0xc4, 0xe2, 0xca, 0xf7, 0xdb);
	E(x86_rol16(b, X86_RSI, 8),
	  "rol si, 8", 0x66, 0xc1, 0xc6, 0x08);
	E(x86_bswap(b, false, X86_R14),
	  "bswap r14d", 0x41, 0x0f, 0xce);
	E(x86_bswap(b, true, X86_RDX),
	  "bswap rdx", 0x48, 0x0f, 0xca);
	E(x86_movx_rr(b, 8, false, false, X86_RDX, X86_R10),
	  "movzx edx, r10b", 0x41, 0x0f, 0xb6, 0xd2);
	E(x86_movx_rr(b, 8, true, false, X86_RAX, X86_RSI),
	  "movsx eax, sil", 0x40, 0x0f, 0xbe, 0xc6);
	E(x86_movx_rr(b, 8, true, true, X86_RBP, X86_RDI),
	  "movsx rbp, dil", 0x48, 0x0f, 0xbe, 0xef);
	E(x86_movx_rr(b, 16, true, true, X86_R8, X86_RBX),
	  "movsx r8, bx", 0x4c, 0x0f, 0xbf, 0xc3);
	E(x86_movx_rr(b, 32, true, true, X86_RSI, X86_R11),
	  "movsxd rsi, r11d", 0x49, 0x63, 0xf3);
	E(x86_movx_rr(b, 16, false, false, X86_RCX, X86_RCX),
	  "movzx ecx, cx", 0x0f, 0xb7, 0xc9);
	E(x86_load(b, 1, false, X86_RAX, X86_RDI, 3),
	  "movzx eax, byte ptr [rdi+3]", 0x0f, 0xb6, 0x47, 0x03);
	E(x86_load(b, 2, true, X86_R13, X86_RBP, -8),
	  "movsx r13, word ptr [rbp-8]", 0x4c, 0x0f, 0xbf, 0x6d, 0xf8);
	E(x86_load(b, 4, true, X86_RDX, X86_R12, 0),
	  "movsxd rdx, dword ptr [r12]", 0x49, 0x63, 0x14, 0x24);
	E(x86_load(b, 4, false, X86_RCX, X86_R13, 0),
	  "mov ecx, dword ptr [r13]", 0x41, 0x8b, 0x4d, 0x00);
	E(x86_load(b, 8, false, X86_RSP, X86_R12, 0x100),
	  "mov rsp, qword ptr [r12+0x100]", 0x49, 0x8b, 0xa4, 0x24, 0x00, 0x01, 0x00, 0x00);
	E(x86_store_r(b, 1, X86_RBP, -1, X86_RSI),
	  "mov byte ptr [rbp-1], sil", 0x40, 0x88, 0x75, 0xff);
	E(x86_store_r(b, 2, X86_R11, 0, X86_R8),
	  "mov word ptr [r11], r8w", 0x66, 0x45, 0x89, 0x03);
	E(x86_store_r(b, 4, X86_RCX, 32767, X86_R15),
	  "mov dword ptr [rcx+32767], r15d", 0x44, 0x89, 0xb9, 0xff, 0x7f, 0x00, 0x00);
	E(x86_store_r(b, 8, X86_RSP, 0, X86_RAX),
	  "mov qword ptr [rsp], rax", 0x48, 0x89, 0x04, 0x24);
	E(x86_store_i(b, 1, X86_RDI, 7, -1),
	  "mov byte ptr [rdi+7], -1", 0xc6, 0x47, 0x07, 0xff);
	E(x86_store_i(b, 2, X86_RBP, -300, 0x1234),
	  "mov word ptr [rbp-300], 0x1234", 0x66, 0xc7, 0x85, 0xd4, 0xfe, 0xff, 0xff, 0x34, 0x12);
	E(x86_store_i(b, 4, X86_R12, 0x90, 6),
	  "mov dword ptr [r12+0x90], 6", 0x41, 0xc7, 0x84, 0x24, 0x90, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00);
	E(x86_store_i(b, 8, X86_RBX, 16, -2),
	  "mov qword ptr [rbx+16], -2", 0x48, 0xc7, 0x43, 0x10, 0xfe, 0xff, 0xff, 0xff);
	E(x86_lea(b, X86_R11, X86_RBP, -512),
	  "lea r11, [rbp-512]", 0x4c, 0x8d, 0x9d, 0x00, 0xfe, 0xff, 0xff);
	E(x86_xadd_m(b, false, X86_R11, 0, X86_RDI),
	  "lock xadd dword ptr [r11], edi", 0xf0, 0x41, 0x0f, 0xc1, 0x3b);
	E(x86_xchg_m(b, true, X86_R11, 0, X86_R15),
	  "xchg qword ptr [r11], r15", 0x4d, 0x87, 0x3b);
	E(x86_cmpxchg_m(b, true, X86_R11, 0, X86_R10),
	  "lock cmpxchg qword ptr [r11], r10", 0xf0, 0x4d, 0x0f, 0xb1, 0x13);
	E(x86_push(b, X86_R12),
	  "push r12", 0x41, 0x54);
	E(x86_pop(b, X86_RBX),
	  "pop rbx", 0x5b);
	E(x86_call_reg(b, X86_R11),
	  "call r11", 0x41, 0xff, 0xd3);
	E(x86_ret(b),
	  "ret", 0xc3);
	E(x86_cqo(b, true),
	  "cqo", 0x48, 0x99);
	E(x86_cqo(b, false),
	  "cdq", 0x99);
}

static void test_jumps(struct jit_buf *b)
{
	E(x86_jcc(b, X86_CC_E, 0x40, true), "je +0x40 (short)", 0x74, 0x3e);
	E(x86_jcc(b, X86_CC_A, 0x1000, false), "ja +0x1000 (near)", 0x0f, 0x87, 0xfa, 0x0f, 0, 0);
	E(x86_jcc(b, X86_CC_NE, 0x10, false), "jne forced near", 0x0f, 0x85, 0x0a, 0, 0, 0);
	E(x86_jmp(b, 0, true), "jmp to itself", 0xeb, 0xfe);
	E(x86_jmp(b, 0x82, false), "jmp +0x82 (near)", 0xe9, 0x7d, 0, 0, 0);
	E(x86_call(b, 0x105), "call +0x105", 0xe8, 0x00, 0x01, 0, 0);
	E(x86_lea_rip(b, X86_R10, 0x20), "lea r10, [rip+0x19]", 0x4c, 0x8d, 0x15, 0x19, 0, 0, 0);
	b->len = 0;
	size_t hole = x86_jcc8_fwd(b, X86_CC_B);
	x86_ret(b);
	x86_patch8(b, hole);
	static const uint8_t fwd[] = { 0x72, 0x01, 0xc3 };
	check_bytes(b, fwd, sizeof(fwd), "forward rel8 patched over ret");
	b->len = 0;
	hole = x86_jmp8_fwd(b);
	for (int i = 0; i < 130; i++)
		x86_ret(b);
	x86_patch8(b, hole);
	CHECK(b->err == -E2BIG, "a forward rel8 beyond 127 bytes is an error (%d)", b->err);
	b->err = 0;
}

/* objdump's reading of everything test_encodings emits: as many
 * instructions, none undecodable. */
static void test_objdump(struct jit_buf *b, size_t expect_insns)
{
	char path[] = "/tmp/bpfx-jit-emit-XXXXXX", cmd[256], line[256];
	if (system("objdump --version >/dev/null 2>&1") != 0) {
		t_skip("objdump not installed: disassembler cross-check skipped");
		return;
	}
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, b->p, b->len) != (ssize_t)b->len) {
		CHECK(0, "cannot write %s", path);
		return;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "objdump -D -b binary -mi386:x86-64 -M intel %s", path);
	FILE *f = popen(cmd, "r");
	size_t insns = 0, bad = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned addr;
		char c;
		const char *tab = strchr(line, '\t');
		/* "addr:<tab>bytes<tab>mnemonic"; long encodings continue on
		 * lines without a mnemonic */
		if (sscanf(line, " %x:%c", &addr, &c) == 2 && tab && strchr(tab + 1, '\t')) {
			insns++;
			bad += strstr(line, "(bad)") != NULL;
		}
	}
	if (f)
		pclose(f);
	unlink(path);
	CHECK(insns == expect_insns && bad == 0,
	      "objdump decodes the encoder's output: %zu instructions (want %zu), %zu bad",
	      insns, expect_insns, bad);
}

/* A small valid program around one operation of the table. */
static size_t program_with(int op, struct bpf_insn *p)
{
	const struct isa_info *info = &isa_table[op];
	size_t n = 0;

	p[n] = (struct bpf_insn){ .code = info->code, .dst_reg = 1, .src_reg = 2, .imm = 1 };
	switch (info->shape) {
	case SH_ALU_K: case SH_JMP_K: case SH_ST: case SH_END:
		p[n].src_reg = 0;
		break;
	case SH_NEG: case SH_CALLX:
		p[n].src_reg = 0;
		p[n].imm = 0;
		break;
	case SH_LDABS:
		p[n].src_reg = p[n].dst_reg = 0;
		break;
	case SH_JA: case SH_JA32: case SH_MAY_GOTO: case SH_EXIT:
		p[n].src_reg = p[n].dst_reg = 0;
		break;
	case SH_CALL:
		p[n].dst_reg = 0;
		p[n].imm = op == ISA_OP_CALL_LOCAL ? 1 : BPF_FUNC_ktime_get_ns;
		break;
	case SH_LDDW:
		p[n].src_reg = 0;
		p[++n] = (struct bpf_insn){ .imm = 2 };
		break;
	}
	if (info->shape == SH_ALU_X || info->shape == SH_JMP_X || info->shape == SH_LDX ||
	    info->shape == SH_STX || info->shape == SH_MOVSX || info->shape == SH_CALLX ||
	    info->shape == SH_LDIND || info->shape == SH_ATOMIC)
		p[n].imm = 0;
	if (info->shape == SH_JA32 || info->shape == SH_JA || info->shape == SH_EXIT ||
	    info->shape == SH_MAY_GOTO)
		p[n].imm = 0;
	if (info->shape == SH_LDX || info->shape == SH_ATOMIC || info->shape == SH_LDIND)
		p[n].dst_reg = info->shape == SH_LDIND ? 0 : 1;
	switch (info->match) {
	case M_OFF: p[n].off = (int16_t)info->val; break;
	case M_IMM: p[n].imm = info->val; break;
	case M_SRC: p[n].src_reg = (uint8_t)info->val; break;
	}
	n++;
	p[n++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K };
	p[n++] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	return n;
}

static int read_maps_perms(const void *addr, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			found = 1;
			break;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static void test_every_op(void)
{
	unsigned compiled = 0, wx_ok = 0;
	for (int op = 0; op < ISA_OP_COUNT; op++) {
		struct bpf_insn p[4];
		size_t n = program_with(op, p);
		int err = 0;
		struct bpfx_prog *prog = bpfx_prog__new(p, n, NULL, &err);
		if (op == ISA_OP_CALL_KFUNC) {
			CHECK(!prog, "kfunc calls are refused before the JIT sees them");
			bpfx_prog__free(prog);
			continue;
		}
		if (!CHECK(prog, "%s: test program builds (%d)", isa_table[op].name, err))
			continue;
		for (int checked = 0; checked < 2; checked++) {
			struct jit_image *img = jit_compile(prog, checked, &err);
			char perms[5] = "";
			if (!CHECK(img, "%s: compiles (%s, err %d)", isa_table[op].name,
				   checked ? "checked" : "trusted", err))
				continue;
			compiled++;
			wx_ok += read_maps_perms(img->mem, perms) && !strcmp(perms, "r-xp");
			jit_image_free(img);
		}
		bpfx_prog__free(prog);
	}
	CHECK(compiled == 2 * (ISA_OP_COUNT - 1), "every operation compiles in both modes (%u)",
	      compiled);
	CHECK(wx_ok == compiled, "every image is read+execute, never writable (%u of %u)",
	      wx_ok, compiled);
}

static void print_log(void *ctx, enum bpfx_log_level level, const char *msg)
{
	fprintf(stderr, "log: %s\n", msg);
}

/* Compile time of a long straight-line program with branches. */
static void test_compile_time(void)
{
	enum { N = 10000 };
	struct bpf_insn *p = calloc(N, sizeof(*p));
	for (int i = 0; i < N - 1; i++) {
		switch (i % 4) {
		case 0: p[i] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K, .imm = i }; break;
		case 1: p[i] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 3 }; break;
		case 2: p[i] = (struct bpf_insn){ .code = BPF_JMP | BPF_JGT | BPF_K, .dst_reg = 3,
						  .imm = 7, .off = (int16_t)(i % 3 && i < N - 2) }; break;
		default: p[i] = (struct bpf_insn){ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = 10,
						   .off = -8, .src_reg = 3 }; break;
		}
	}
	p[N - 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	/* a far forward and a far backward branch (rel32) */
	p[5] = (struct bpf_insn){ .code = BPF_JMP | BPF_JGT | BPF_K, .dst_reg = 0,
				  .imm = 0x7fffffff, .off = N - 7 };
	p[N - 3] = (struct bpf_insn){ .code = BPF_JMP | BPF_JLT | BPF_K, .dst_reg = 0,
				      .imm = 0x1000000, .off = -(N - 10) };
	int err;
	struct bpfx_prog_opts po = { .sz = sizeof(po), .log = print_log };
	struct bpfx_prog *prog = bpfx_prog__new(p, N, &po, &err);
	struct jit_image *img = prog ? jit_compile(prog, false, &err) : NULL;
	if (CHECK(img, "a %d-instruction program compiles (%d)", N, err)) {
		printf("compile: %d insns in %.1f us (%.1f us per 1000), %u passes, %zu bytes\n", N,
		       img->compile_ns / 1e3, img->compile_ns / 1e3 / (N / 1000), img->passes,
		       img->code_size);
		CHECK(img->passes >= 2 && img->passes < 10, "passes settle (%u)", img->passes);
		struct bpfx_run_opts ro = { .sz = sizeof(ro), .mode = BPFX_EXEC_INTERP };
		struct bpfx_run_result a, j;
		int ea = bpfx_prog__run(prog, &ro, &a);
		ro.mode = BPFX_EXEC_JIT;
		int ej = bpfx_prog__run(prog, &ro, &j);
		CHECK(ea == 0 && ej == 0 && a.r0 == j.r0 && a.r0 > 0x1000000,
		      "long branches: jit r0 0x%llx = interpreter's 0x%llx",
		      (unsigned long long)j.r0, (unsigned long long)a.r0);
	}
	jit_image_free(img);
	bpfx_prog__free(prog);
	free(p);
}

/* Concurrent first runs: one image wins, every run is right. */
static struct bpfx_prog *shared_prog;
static void *first_run(void *arg)
{
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .r1 = (uintptr_t)arg, .mode = BPFX_EXEC_JIT };
	struct bpfx_run_result res;
	int err = bpfx_prog__run(shared_prog, &ro, &res);
	return (void *)(uintptr_t)(err == 0 && res.r0 == (uintptr_t)arg * 3);
}

static void test_lazy_threads(void)
{
	struct bpf_insn p[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = 1 },
		{ .code = BPF_ALU64 | BPF_MUL | BPF_K, .dst_reg = 0, .imm = 3 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int err, good = 0;
	pthread_t t[4];
	shared_prog = bpfx_prog__new(p, 3, NULL, &err);
	for (uintptr_t i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, first_run, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		void *ok;
		pthread_join(t[i], &ok);
		good += ok != NULL;
	}
	CHECK(good == 4, "4 threads' first runs compile once and agree (%d good)", good);
	bpfx_prog__free(shared_prog);
}

int main(void)
{
	struct jit_buf b = { 0 };

	test_encodings(&b);
	b.len = 0;
	/* everything again into one buffer, for the disassembler */
	all = true;
	cases = 0;
	test_encodings(&b);
	test_objdump(&b, cases);
	all = false;
	test_jumps(&b);
	free(b.p);
	test_every_op();
	test_compile_time();
	test_lazy_threads();
	return t_done("jit");
}
