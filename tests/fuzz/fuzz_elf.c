/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: arbitrary bytes as an eBPF object file.
 *
 * Whatever the bytes, the ELF object reader must refuse them with an
 * error and a log line, or return a description whose every index and
 * offset is consistent (checked below; a violation traps, which the
 * fuzzer reports as a crash); AddressSanitizer turns any read outside
 * the input or the description into a crash.
 *
 * Built as a libFuzzer target with
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZ_LIBFUZZER \
 *         -Iinclude -Isrc tests/fuzz/fuzz_elf.c src/[a-z]*[a-z]/[a-z]*.c -lelf -lpthread
 * (seed corpus: the objects tests/suites/elf.sh compiles), and included
 * by tests/unit/test_fuzz_elf.c, which feeds it mutated objects from
 * fixed seeds in every `make test`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpfx/bpfx.h>

#include "loader/elf.h"

int fuzz_elf_one(const uint8_t *data, size_t size);

static int fuzz_log_lines;

static void fuzz_log(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx;
	(void)msg;
	if (level == BPFX_LOG_ERROR)
		fuzz_log_lines++;
}

#define FUZZ_REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_prog(const struct elf_obj *o, const struct elf_prog *p)
{
	volatile uint64_t sum = 0;

	FUZZ_REQUIRE(p->name && p->sec_name && p->insn_cnt >= p->own_insn_cnt && p->own_insn_cnt);
	for (uint32_t i = 0; i < p->insn_cnt; i++)
		sum += p->insns[i].code;
	for (uint32_t i = 0; i < p->subprog_cnt; i++)
		FUZZ_REQUIRE((uint64_t)p->subprogs[i].off + p->subprogs[i].cnt <= p->insn_cnt);
	for (uint32_t i = 0; i < p->reloc_cnt; i++) {
		const struct elf_reloc *r = &p->relocs[i];
		FUZZ_REQUIRE(r->insn < p->insn_cnt && r->map < (int32_t)o->map_cnt &&
			     r->ext < (int32_t)o->extern_cnt);
		FUZZ_REQUIRE(i == 0 || r->insn > p->relocs[i - 1].insn);
		uint8_t code = p->insns[r->insn].code;
		FUZZ_REQUIRE(code == (BPF_LD | BPF_IMM | BPF_DW) || code == (BPF_JMP | BPF_CALL));
		if (code == (BPF_LD | BPF_IMM | BPF_DW))
			FUZZ_REQUIRE(r->insn + 1 < p->insn_cnt);
		if (r->kind == ELF_RELOC_MAP || r->kind == ELF_RELOC_MAP_VALUE)
			FUZZ_REQUIRE(r->map >= 0);
		if (r->kind == ELF_RELOC_MAP_VALUE)
			FUZZ_REQUIRE(r->off <= o->maps[r->map].def.value_size);
	}
	for (uint32_t i = 0; i < p->func_info_cnt; i++)
		FUZZ_REQUIRE(p->func_info[i].insn_off < p->insn_cnt);
	for (uint32_t i = 0; i < p->line_info_cnt; i++)
		FUZZ_REQUIRE(p->line_info[i].insn_off < p->insn_cnt);
	for (uint32_t i = 0; i < p->core_relo_cnt; i++)
		FUZZ_REQUIRE(p->core_relos[i].insn_off / 8 < p->insn_cnt);
	(void)sum;
}

static void check_obj(const struct elf_obj *o)
{
	FUZZ_REQUIRE(o->license && (o->kconfig_map < (int32_t)o->map_cnt));
	for (uint32_t i = 0; i < o->prog_cnt; i++)
		check_prog(o, &o->progs[i]);
	for (uint32_t i = 0; i < o->map_cnt; i++) {
		const struct elf_map *m = &o->maps[i];
		FUZZ_REQUIRE(m->name && m->real_name);
		if (m->data) {
			/* every byte of the initial value is readable (ASan) */
			volatile uint8_t x = 0;
			for (uint32_t j = 0; j < m->def.value_size; j++)
				x ^= ((const uint8_t *)m->data)[j];
			(void)x;
		}
		for (uint32_t s = 0; s < m->slot_cnt; s++) {
			int32_t t = m->slots[s].target;
			FUZZ_REQUIRE(t >= 0 && (m->def.type == BPF_MAP_TYPE_PROG_ARRAY ?
						(uint32_t)t < o->prog_cnt : (uint32_t)t < o->map_cnt));
		}
	}
	for (uint32_t i = 0; i < o->var_cnt; i++) {
		const struct elf_var *v = &o->vars[i];
		FUZZ_REQUIRE(v->name && v->sec && v->map >= -1 && (v->map < 0 ||
								     (uint32_t)v->map < o->map_cnt));
		FUZZ_REQUIRE((uint64_t)v->off + v->size <= v->sec_size);
	}
	for (uint32_t i = 0; i < o->extern_cnt; i++)
		FUZZ_REQUIRE(o->externs[i].name != NULL);
}

/* Returns 1 when the bytes were accepted, 0 when refused properly. */
int fuzz_elf_one(const uint8_t *data, size_t size)
{
	struct log_sink sink = { fuzz_log, NULL };
	int err = 0;

	fuzz_log_lines = 0;
	struct elf_obj *obj = elf_obj_open_mem(data, size, "fuzz", &sink, &err);
	if (!obj) {
		/* every refusal says why; -ENOMEM only when memory runs out */
		FUZZ_REQUIRE(err < 0 && (fuzz_log_lines > 0 || err == -ENOMEM));
		return 0;
	}
	check_obj(obj);
	elf_obj_free(obj);
	return 1;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_elf_one(data, size);
	return 0;
}
#endif
