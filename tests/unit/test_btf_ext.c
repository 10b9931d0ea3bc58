/* SPDX-License-Identifier: MIT */
/*
 * BTF.ext (src/loader/btf_ext.c) on blobs built by hand: a valid blob with
 * func_info, line_info and CO-RE records in two sections and the queries
 * on it; a header without the CO-RE part; broken headers, subsections and
 * records, each refused with -EINVAL and one log line naming the
 * subsection, section and record; and every allocation failing in turn.
 * BTF.ext of compiled objects is checked in tests/suites/btf.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_build.h"
#include "loader/btf.h"
#include "talloc.h"
#include "tcheck.h"
#include "tlog.h"

static struct bb b;
static uint8_t blob[4096];

static struct btf *parse_ok(const char *what)
{
	size_t len = bb_blob(&b, blob, sizeof(blob));
	struct btf *btf;
	int err = 0;

	btf = btf_parse(blob, len, &t_log_sink, &err);
	CHECK(btf && !err, "%s: accepted (err %d, log '%s')", what, err, t_last_log);
	return btf;
}

static uint32_t base(void)
{
	bb_init(&b);
	return bb_int(&b, "int", 4, BTF_INT_SIGNED, 32);
}

/* The BTF the ext blobs refer to: int, proto, FUNCs f1 f2 f3, struct s. */
static struct btf *ext_btf;
static uint32_t o_text, o_xdp, o_file, o_line, o_acc;
static uint32_t ext[256];
static uint32_t ext_words;

static void build_ext_btf(void)
{
	base();
	bb_proto(&b, 1, 0);
	bb_func(&b, "f1", 2, 1);
	bb_func(&b, "f2", 2, 0);
	bb_func(&b, "f3", 2, 1);
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 2, 8);
	bb_member(&b, "a", 1, 0);
	bb_member(&b, "b", 1, 32);
	o_text = bb_str(&b, ".text");
	o_xdp = bb_str(&b, "xdp");
	o_file = bb_str(&b, "/src/prog.c");
	o_line = bb_str(&b, "\treturn s->b;");
	o_acc = bb_str(&b, "0:1");
	ext_btf = parse_ok("BTF for BTF.ext");
}

static void e32(uint32_t v)
{
	ext[ext_words++] = v;
}

/* Header (32 bytes), then func_info: .text {f1 at 0, f2 at 16}, xdp {f3 at
 * 0}; line_info: xdp {2 records}; core_relo: xdp {1 record}. */
static size_t build_ext(void)
{
	uint32_t func, line, core;

	ext_words = 8;
	func = ext_words;
	e32(8);
	e32(o_text); e32(2); e32(0); e32(3); e32(16); e32(4);
	e32(o_xdp); e32(1); e32(0); e32(5);
	line = ext_words;
	e32(16);
	e32(o_xdp); e32(2);
	e32(0); e32(o_file); e32(o_line); e32(12u << 10 | 2);
	e32(8); e32(o_file); e32(o_line); e32(13u << 10 | 9);
	core = ext_words;
	e32(16);
	e32(o_xdp); e32(1); e32(8); e32(6); e32(o_acc); e32(BPF_CORE_FIELD_BYTE_OFFSET);
	ext[0] = BTF_MAGIC | 1u << 16;
	ext[1] = 32;
	ext[2] = 0;
	ext[3] = (line - func) * 4;
	ext[4] = (line - 8) * 4;
	ext[5] = (core - line) * 4;
	ext[6] = (core - 8) * 4;
	ext[7] = (ext_words - core) * 4;
	return ext_words * 4;
}

static void expect_bad_ext(const char *what, size_t len, const char *want)
{
	struct btf_ext *e;
	int err = 0;

	t_last_log[0] = '\0';
	t_log_lines = 0;
	e = btf_ext_parse(ext, len, ext_btf, &t_log_sink, &err);
	CHECK(!e && err == -EINVAL, "%s: BTF.ext refused with -EINVAL (got %p, err %d)", what,
	      (void *)e, err);
	CHECK(t_log_lines == 1 && strstr(t_last_log, want), "%s: one log line mentioning '%s' (got %u: "
	      "'%s')", what, want, t_log_lines, t_last_log);
	btf_ext_free(e);
}

static void test_ext_valid(void)
{
	const struct btf_ext_sec *sec;
	struct btf_ext *e;
	size_t len = build_ext();
	int err = 0;

	e = btf_ext_parse(ext, len, ext_btf, &t_log_sink, &err);
	CHECK(e && !err, "valid BTF.ext accepted (err %d, log '%s')", err, t_last_log);
	if (!e)
		return;
	CHECK(btf_ext_sec_cnt(e) == 2, "two sections (%d)", btf_ext_sec_cnt(e));
	sec = btf_ext_sec(e, 0);
	CHECK(sec && !strcmp(sec->name, ".text") && sec->func_info.cnt == 2 &&
	      sec->func_info.rec_size == 8 && !sec->line_info.cnt && !sec->core_relo.cnt,
	      ".text: 2 func_info");
	CHECK(sec && btf_ext_func_info(&sec->func_info, 1)->insn_off == 16 &&
	      btf_ext_func_info(&sec->func_info, 1)->type_id == 4, ".text func_info[1]");
	sec = btf_ext_find_sec(e, "xdp");
	CHECK(sec == btf_ext_sec(e, 1) && sec->func_info.cnt == 1 && sec->line_info.cnt == 2 &&
	      sec->core_relo.cnt == 1, "xdp: 1 func_info, 2 line_info, 1 core_relo");
	if (sec) {
		const struct bpf_line_info *li = btf_ext_line_info(&sec->line_info, 1);
		const struct bpf_core_relo *cr = btf_ext_core_relo(&sec->core_relo, 0);

		CHECK(li->insn_off == 8 && BPF_LINE_INFO_LINE_NUM(li->line_col) == 13 &&
		      !strcmp(btf_name(ext_btf, li->line_off), "\treturn s->b;"), "line_info[1]");
		CHECK(cr->type_id == 6 && cr->kind == BPF_CORE_FIELD_BYTE_OFFSET &&
		      !strcmp(btf_name(ext_btf, cr->access_str_off), "0:1"), "core_relo[0]");
	}
	CHECK(!btf_ext_find_sec(e, "nope") && !btf_ext_sec(e, 2) && !btf_ext_sec(e, -1),
	      "no other sections");
	btf_ext_free(e);
	btf_ext_free(NULL);

	/* a 24-byte header: no CO-RE subsection */
	build_ext();
	memmove(&ext[6], &ext[8], (ext_words - 8) * 4);
	ext[1] = 24;
	ext[7 - 2] = 0;
	e = btf_ext_parse(ext, (ext_words - 2) * 4, ext_btf, &t_log_sink, &err);
	CHECK(e && btf_ext_sec_cnt(e) == 2 && !btf_ext_find_sec(e, "xdp")->core_relo.cnt,
	      "24-byte header without core_relo (log '%s')", t_last_log);
	btf_ext_free(e);
}

static void test_ext_bad(void)
{
	size_t len = build_ext();
	uint32_t func = 8, line = 8 + ext[3] / 4, core = 8 + ext[5] / 4 + ext[3] / 4;

	expect_bad_ext("truncated header", 10, "BTF.ext header truncated");
	ext[0] = 0x1234 | 1u << 16;
	expect_bad_ext("bad magic", len, "bad magic 0x1234");
	len = build_ext();
	ext[1] = 20;
	expect_bad_ext("hdr_len 20", len, "hdr_len 20");
	len = build_ext();
	ext[2] = 2;
	expect_bad_ext("unaligned func_info", len, "func_info at offset 2");
	len = build_ext();
	ext[3] = 4000;
	expect_bad_ext("func_info past the end", len, "func_info at offset 0, 4000 bytes");
	len = build_ext();
	ext[func] = 4;
	expect_bad_ext("func_info record size 4", len, "func_info: record size 4");
	len = build_ext();
	ext[line] = 18;
	expect_bad_ext("line_info record size 18", len, "line_info: record size 18");
	len = build_ext();
	ext[func + 2] = 30;
	expect_bad_ext("too many records", len, "func_info '.text': 30 records of 8 bytes go past");
	len = build_ext();
	ext[func + 2] = 0;
	expect_bad_ext("no records", len, "func_info '.text': no records");
	len = build_ext();
	ext[func + 1] = 60000;
	expect_bad_ext("section name offset", len, "func_info: section name offset 60000");
	len = build_ext();
	ext[func + 4] = 1;
	expect_bad_ext("func_info of an int", len, "func_info '.text' record 0: type id 1 is not a FUNC");
	len = build_ext();
	ext[func + 5] = 12;
	expect_bad_ext("insn_off not a multiple of 8", len, "record 1: insn_off 12 is not a multiple of 8");
	len = build_ext();
	ext[func + 5] = 0;
	expect_bad_ext("func_info out of order", len, "record 1: insn_off 0 before");
	len = build_ext();
	ext[line + 4] = 99999;
	expect_bad_ext("line_info file name", len, "line_info 'xdp' record 0: file name offset 99999");
	len = build_ext();
	ext[core + 4] = 99;
	expect_bad_ext("core_relo type id", len, "core_relo 'xdp' record 0: type id 99 out of range");
	len = build_ext();
	ext[core + 5] = o_file;
	expect_bad_ext("core_relo access string", len, "access string at");
	len = build_ext();
	ext[core + 6] = 13;
	expect_bad_ext("core_relo kind", len, "core_relo 'xdp' record 0: unknown kind 13");
	len = build_ext();
	ext[func + 7] = o_text;
	expect_bad_ext("section twice", len, "func_info: section '.text' appears twice");
	len = build_ext();
	expect_bad_ext("truncated subsection", len - 4, "core_relo at offset");
	(void)func;
}

/* ------------------------------------------------------------------ */
/* Allocation failures                                                  */
/* ------------------------------------------------------------------ */



static int op_ext(void)
{
	int err = 0;
	struct btf_ext *e = btf_ext_parse(ext, ext_words * 4, ext_btf, NULL, &err);

	btf_ext_free(e);
	return e ? 0 : err;
}

/* Allocation n failing, for every n btf_ext_parse makes: -ENOMEM and
 * nothing left allocated. */
static void test_alloc_fail(void)
{
	long total;
	int err;

	build_ext();
	bpfx_set_allocator(t_failing_realloc, NULL);
	t_fail_at = -1;
	t_alloc_count = t_alloc_live = 0;
	err = op_ext();
	total = t_alloc_count;
	CHECK(!err && t_alloc_live == 0 && total > 0, "btf_ext_parse succeeds with %ld allocations", total);
	for (long n = 0; n < total; n++) {
		t_fail_at = n;
		t_alloc_count = t_alloc_live = 0;
		err = op_ext();
		if (!CHECK(err == -ENOMEM && t_alloc_live == 0, "btf_ext_parse with allocation %ld failing: "
			   "err %d, %ld blocks left", n, err, t_alloc_live))
			break;
	}
	bpfx_set_allocator(NULL, NULL);
}

int main(void)
{
	build_ext_btf();
	if (ext_btf) {
		test_ext_valid();
		test_ext_bad();
		test_alloc_fail();
	}
	btf_free(ext_btf);
	return t_done("btf_ext");
}
