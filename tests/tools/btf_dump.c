/* SPDX-License-Identifier: MIT */
/*
 * btf_dump: the BTF module from the command line, for tests/suites/btf.sh.
 *
 *     btf_dump [-f raw|json|c] [-t] FILE          dump a raw BTF file
 *     btf_dump -e EXTFILE [-t] FILE                list its BTF.ext records
 *     btf_dump -g DIR                              write crafted blobs to DIR
 *
 * FILE is raw BTF (an ELF .BTF section extracted with llvm-objcopy, or
 * /sys/kernel/btf/vmlinux); EXTFILE a .BTF.ext section. Raw, JSON and C
 * output are bpftool 7.1's `btf dump file FILE format raw|c` and `-j`
 * forms. The BTF.ext listing is this tool's own (one line per record,
 * names resolved). -t prints the parse time on stderr. Parse errors go to
 * stderr as "btf_dump: <log line>" and exit 1. -g writes valid BTF blobs
 * built by hand (DIR/NAME.btf) for what clang does not emit: name clashes
 * the C dump must number, forward enums, long chains, odd kinds; the suite
 * dumps them with both tools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../unit/btf_build.h"
#include "loader/btf.h"
#include "tcheck.h"
#include "util/strbuf.h"

static void log_stderr(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "btf_dump: %s\n", msg);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *name_or_anon(const struct btf *btf, uint32_t off)
{
	const char *s = btf_name(btf, off);
	return s && *s ? s : "(anon)";
}

static void list_ext(const struct btf *btf, const struct btf_ext *ext, struct strbuf *sb)
{
	for (int s = 0; s < btf_ext_sec_cnt(ext); s++) {
		const struct btf_ext_sec *sec = btf_ext_sec(ext, s);

		for (uint32_t i = 0; i < sec->func_info.cnt; i++) {
			const struct bpf_func_info *fi = btf_ext_func_info(&sec->func_info, i);
			sb_printf(sb, "%s func_info insn_off=%u type_id=%u %s\n", sec->name, fi->insn_off,
				  fi->type_id, name_or_anon(btf, btf_type_by_id(btf, fi->type_id)->name_off));
		}
		for (uint32_t i = 0; i < sec->line_info.cnt; i++) {
			const struct bpf_line_info *li = btf_ext_line_info(&sec->line_info, i);
			sb_printf(sb, "%s line_info insn_off=%u file=%s line=%u col=%u src=%s\n", sec->name,
				  li->insn_off, btf_name(btf, li->file_name_off),
				  BPF_LINE_INFO_LINE_NUM(li->line_col), BPF_LINE_INFO_LINE_COL(li->line_col),
				  btf_name(btf, li->line_off));
		}
		for (uint32_t i = 0; i < sec->core_relo.cnt; i++) {
			const struct bpf_core_relo *cr = btf_ext_core_relo(&sec->core_relo, i);
			sb_printf(sb, "%s core_relo insn_off=%u type_id=%u access=%s kind=%u\n", sec->name,
				  cr->insn_off, cr->type_id, btf_name(btf, cr->access_str_off), cr->kind);
		}
	}
}

static struct bb bb;

static int write_blob(const char *dir, const char *name)
{
	static uint8_t blob[sizeof(bb.w) + sizeof(bb.s) + 64];
	char path[4096];
	size_t n = bb_blob(&bb, blob, sizeof(blob));
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.btf", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(blob, 1, n, f) != n) {
		fprintf(stderr, "btf_dump: cannot write %s\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	return fclose(f) != 0;
}

/* Names the C dump must disambiguate: two structs, a union and an enum
 * named alike, enumerators named alike, a typedef named like a struct,
 * forward declarations of a defined name, a forward enum. */
static void build_names(void)
{
	uint32_t i, s1, s2, u1, fw, fe, e1, e2, td, p1, p2, t;

	bb_init(&bb);
	i = bb_int(&bb, "int", 4, BTF_INT_SIGNED, 32);
	s1 = bb_struct(&bb, BTF_KIND_STRUCT, "dup", 0, 1, 4);
	bb_member(&bb, "a", i, 0);
	s2 = bb_struct(&bb, BTF_KIND_STRUCT, "dup", 0, 2, 8);
	bb_member(&bb, "a", i, 0);
	bb_member(&bb, "b", i, 32);
	u1 = bb_struct(&bb, BTF_KIND_UNION, "dup", 0, 1, 4);
	bb_member(&bb, "u", i, 0);
	fw = bb_type(&bb, "dup", BTF_KIND_FWD, 0, 0, 0);
	fe = bb_type(&bb, "fenum", BTF_KIND_ENUM, 0, 0, 4);
	e1 = bb_type(&bb, "e", BTF_KIND_ENUM, 0, 2, 4);
	bb_enum_val(&bb, "SAME", 1);
	bb_enum_val(&bb, "ONLY", 2);
	e2 = bb_type(&bb, "e", BTF_KIND_ENUM, 1, 2, 4);
	bb_enum_val(&bb, "SAME", -3);
	bb_enum_val(&bb, "dup", 4);
	td = bb_ref(&bb, BTF_KIND_TYPEDEF, "dup", s2);
	p1 = bb_ref(&bb, BTF_KIND_PTR, NULL, fw);
	p2 = bb_ref(&bb, BTF_KIND_PTR, NULL, fe);
	t = bb_struct(&bb, BTF_KIND_STRUCT, "user", 0, 7, 40);
	bb_member(&bb, "s1", s1, 0);
	bb_member(&bb, "s2", s2, 32);
	bb_member(&bb, "u1", u1, 96);
	bb_member(&bb, "td", td, 128);
	bb_member(&bb, "e1", e1, 192);
	bb_member(&bb, "pf", p1, 256);
	bb_member(&bb, "pe", p2, 256);
	(void)e2;
	(void)t;
}

/* Chains and kinds: a typedef chain, qualifiers on pointers, a 64-bit
 * enum with a negative value, a float, tags, a FUNC and VARs in a DATASEC
 * whose layout is set, an array of function pointers, a vararg proto. */
static void build_kinds(void)
{
	uint32_t i, c, l, td = 0, cst, vol, p, pp, e64, fl, fp, fn, arr, idx, v1, v2, tt, st;

	bb_init(&bb);
	i = bb_int(&bb, "int", 4, BTF_INT_SIGNED, 32);
	c = bb_int(&bb, "char", 1, BTF_INT_CHAR, 8);
	l = bb_int(&bb, "long", 8, BTF_INT_SIGNED, 64);
	idx = bb_int(&bb, "__ARRAY_SIZE_TYPE__", 4, 0, 32);
	td = i;
	for (int k = 0; k < 40; k++) {
		char name[32];
		snprintf(name, sizeof(name), "td%d", k);
		td = bb_ref(&bb, BTF_KIND_TYPEDEF, name, td);
	}
	cst = bb_ref(&bb, BTF_KIND_CONST, NULL, c);
	p = bb_ref(&bb, BTF_KIND_PTR, NULL, cst);
	vol = bb_ref(&bb, BTF_KIND_VOLATILE, NULL, p);
	pp = bb_ref(&bb, BTF_KIND_PTR, NULL, vol);
	e64 = bb_type(&bb, "big", BTF_KIND_ENUM64, 1, 2, 8);
	bb_enum64_val(&bb, "NEG", (uint64_t)-5);
	bb_enum64_val(&bb, "HUGE", 0x7fffffffffffffffull);
	fl = bb_type(&bb, "float", BTF_KIND_FLOAT, 0, 0, 4);
	fp = bb_proto(&bb, i, 2);
	bb_param(&bb, "fmt", p);
	bb_param(&bb, NULL, 0);
	fn = bb_func(&bb, "printk_like", fp, BTF_FUNC_GLOBAL);
	bb_decl_tag(&bb, "tagged", fn, 0);
	p = bb_ref(&bb, BTF_KIND_PTR, NULL, fp);
	arr = bb_array(&bb, p, idx, 3);
	tt = bb_ref(&bb, BTF_KIND_TYPE_TAG, "user", l);
	tt = bb_ref(&bb, BTF_KIND_PTR, NULL, tt);
	st = bb_struct(&bb, BTF_KIND_STRUCT, "kinds", 0, 6, 64);
	bb_member(&bb, "chain", td, 0);
	bb_member(&bb, "pp", pp, 64);
	bb_member(&bb, "e", e64, 128);
	bb_member(&bb, "f", fl, 192);
	bb_member(&bb, "fns", arr, 256);
	bb_member(&bb, "tagged", tt, 448);
	v1 = bb_var(&bb, "g_kinds", st, BTF_VAR_GLOBAL_ALLOCATED);
	v2 = bb_var(&bb, "g_l", l, BTF_VAR_STATIC);
	bb_datasec(&bb, ".data", 2, 72);
	bb_secinfo(&bb, v1, 0, 64);
	bb_secinfo(&bb, v2, 64, 8);
}

static int generate(const char *dir)
{
	build_names();
	if (write_blob(dir, "crafted_names"))
		return 1;
	build_kinds();
	return write_blob(dir, "crafted_kinds");
}

int main(int argc, char **argv)
{
	const char *fmt = "raw", *ext_path = NULL;
	struct log_sink log = { log_stderr, NULL };
	struct strbuf sb = { 0 };
	struct btf_ext *ext = NULL;
	struct btf *btf;
	bool timing = false;
	size_t len, ext_len;
	char *data, *ext_data;
	double t0;
	int opt, err = 0;

	while ((opt = getopt(argc, argv, "f:e:tg:")) != -1) {
		switch (opt) {
		case 'g': return generate(optarg);
		case 'f': fmt = optarg; break;
		case 'e': ext_path = optarg; break;
		case 't': timing = true; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	data = t_read_file(argv[optind], &len);
	if (!data) {
		fprintf(stderr, "btf_dump: cannot read %s\n", argv[optind]);
		return 1;
	}
	t0 = now_ms();
	btf = btf_parse(data, len, &log, &err);
	if (timing)
		fprintf(stderr, "btf_dump: parsed %zu bytes in %.1f ms\n", len, now_ms() - t0);
	free(data);
	if (!btf) {
		fprintf(stderr, "btf_dump: %s: error %d\n", argv[optind], err);
		return 1;
	}
	if (ext_path) {
		ext_data = t_read_file(ext_path, &ext_len);
		if (!ext_data) {
			fprintf(stderr, "btf_dump: cannot read %s\n", ext_path);
			btf_free(btf);
			return 1;
		}
		ext = btf_ext_parse(ext_data, ext_len, btf, &log, &err);
		free(ext_data);
		if (ext)
			list_ext(btf, ext, &sb);
	} else if (!strcmp(fmt, "raw")) {
		err = btf_dump_raw(btf, &sb);
	} else if (!strcmp(fmt, "json")) {
		err = btf_dump_json(btf, &sb);
	} else if (!strcmp(fmt, "c")) {
		err = btf_dump_c(btf, &sb);
	} else {
		btf_free(btf);
		goto usage;
	}
	fwrite(sb_str(&sb), 1, sb.len, stdout);
	sb_free(&sb);
	btf_ext_free(ext);
	btf_free(btf);
	if (err)
		fprintf(stderr, "btf_dump: error %d\n", err);
	return err ? 1 : 0;
usage:
	fprintf(stderr, "usage: btf_dump [-f raw|json|c] [-t] FILE\n"
			"       btf_dump -e EXTFILE [-t] FILE\n"
			"       btf_dump -g DIR\n");
	return 2;
}
