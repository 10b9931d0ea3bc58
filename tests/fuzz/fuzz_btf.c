/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: arbitrary bytes as BTF, and as BTF + BTF.ext.
 *
 * An input starting with "BTFX" is a u32 length L, then L bytes of BTF,
 * then a BTF.ext blob; any other input is BTF alone (a raw .BTF section
 * is a good seed). Whatever the bytes, the parsers must refuse them with
 * one log line or accept them, and everything accepted must be usable:
 * every query and dump on it runs without touching memory it should not
 * (AddressSanitizer turns an escape into a crash) and keeps the promises
 * of btf.h, which are checked here (a broken promise aborts, so libFuzzer
 * reports logic bugs too).
 *
 * Built as a libFuzzer target with
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZ_LIBFUZZER \
 *         -Iinclude -Isrc tests/fuzz/fuzz_btf.c src/loader/btf*.c \
 *         src/util/[a-z]*.c -o fuzz_btf
 * and included by tests/unit/test_fuzz_btf.c, which feeds it mutated valid
 * blobs from fixed seeds in every `make test`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/btf.h"
#include "util/strbuf.h"

int fuzz_btf_one(const uint8_t *data, size_t size);

struct fuzz_btf_stats {
	unsigned btf_ok, btf_bad;          /* parse results */
	unsigned ext_ok, ext_bad;
	unsigned silent;                   /* rejections without exactly one log line */
};

struct fuzz_log {
	unsigned lines;
	size_t len;
};

static void fuzz_log_fn(void *ctx, enum bpfx_log_level level, const char *msg)
{
	struct fuzz_log *l = ctx;

	(void)level;
	l->lines++;
	l->len = strlen(msg);
}

static void fuzz_assert(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_btf: broken promise: %s\n", what);
		abort();
	}
}

/* What btf.h promises about parsed BTF. */
static void fuzz_btf_queries(const struct btf *btf)
{
	uint32_t cnt = btf_type_cnt(btf);
	uint64_t sz;

	fuzz_assert(cnt >= 1 && btf_type_by_id(btf, 0) && !btf_type_by_id(btf, cnt), "type count");
	for (uint32_t id = 1; id < cnt; id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		uint32_t r = btf_skip_modifiers(btf, id);
		int kind = btf_kind(t);

		fuzz_assert(btf_name(btf, t->name_off) != NULL, "name offset in range");
		fuzz_assert(r < cnt && !btf_is_modifier(btf_type_by_id(btf, r)), "modifiers end");
		if (btf_is_composite(t)) {
			for (uint32_t i = 0; i < btf_vlen(t); i++)
				fuzz_assert(btf_members(t)[i].type < cnt &&
					    btf_name(btf, btf_members(t)[i].name_off), "member refs");
			fuzz_assert(!btf_resolve_size(btf, id, &sz) && sz == t->size, "struct size");
		}
		if (kind == BTF_KIND_PTR)
			fuzz_assert(!btf_resolve_size(btf, id, &sz) && sz == 8, "pointer size");
		if (kind == BTF_KIND_ARRAY)
			fuzz_assert(!btf_resolve_size(btf, id, &sz) && sz <= UINT32_MAX, "array size");
		if (kind == BTF_KIND_FUNC)
			fuzz_assert(btf_kind(btf_type_by_id(btf, t->type)) == BTF_KIND_FUNC_PROTO,
				    "func proto");
		if (t->name_off && id < 64)
			fuzz_assert(btf_find_by_name_kind(btf, btf_name(btf, t->name_off), kind) >= 1,
				    "find by name");
	}
}

static void fuzz_btf_dumps(const struct btf *btf)
{
	struct strbuf sb = { 0 };
	int err;

	err = btf_dump_raw(btf, &sb);
	fuzz_assert(!err || err == -ENOMEM, "raw dump");
	sb_reset(&sb);
	err = btf_dump_json(btf, &sb);
	fuzz_assert(!err || err == -ENOMEM, "json dump");
	sb_reset(&sb);
	err = btf_dump_c(btf, &sb);
	fuzz_assert(!err || err == -ENOMEM || err == -ELOOP || err == -E2BIG, "C dump");
	/* Values of every type formatted from bytes that may be too few:
	 * refused or formatted, never read past the buffer (ASan). */
	static const uint8_t bytes[24] = { 1, 0x80, 0xff, 'a', 0, 7, 0x7f, 0x41, 0x42, 0, 9, 9 };
	for (uint32_t id = 1; id < btf_type_cnt(btf) && id < 64; id++)
		for (size_t len = 0; len <= sizeof(bytes); len += 12) {
			sb_reset(&sb);
			err = btf_dump_data(btf, id, bytes, len, len == 12, &sb);
			fuzz_assert(!err || err == -EINVAL || err == -E2BIG || err == -ENOMEM,
				    "data dump");
		}
	/* The BTF_LOAD log, whole or up to the type the kernel would refuse. */
	sb_reset(&sb);
	const char *why = NULL;
	uint32_t bad = btf_check_loadable(btf, &why);
	fuzz_assert(bad < btf_type_cnt(btf) && (!bad || why), "loadable check");
	btf_log_types(btf, bad, why, &sb);
	fuzz_assert(sb_error(&sb) || !strncmp(sb_str(&sb), "magic: 0x", 9), "load log");
	sb_free(&sb);
}

static void fuzz_ext(const struct btf *btf, const uint8_t *data, size_t size,
		     struct fuzz_btf_stats *st)
{
	struct fuzz_log l = { 0 };
	struct log_sink sink = { fuzz_log_fn, &l };
	struct btf_ext *ext;
	int err = 0;

	ext = btf_ext_parse(data, size, btf, &sink, &err);
	if (!ext) {
		if (st) {
			st->ext_bad++;
			st->silent += err == -EINVAL && (l.lines != 1 || !l.len);
		}
		return;
	}
	if (st)
		st->ext_ok++;
	for (int s = 0; s < btf_ext_sec_cnt(ext); s++) {
		const struct btf_ext_sec *sec = btf_ext_sec(ext, s);

		fuzz_assert(sec && btf_ext_find_sec(ext, sec->name), "ext section");
		for (uint32_t i = 0; i < sec->func_info.cnt; i++) {
			const struct bpf_func_info *fi = btf_ext_func_info(&sec->func_info, i);
			fuzz_assert(btf_kind(btf_type_by_id(btf, fi->type_id)) == BTF_KIND_FUNC, "func_info");
		}
		for (uint32_t i = 0; i < sec->line_info.cnt; i++) {
			const struct bpf_line_info *li = btf_ext_line_info(&sec->line_info, i);
			fuzz_assert(btf_name(btf, li->file_name_off) && btf_name(btf, li->line_off),
				    "line_info");
		}
		for (uint32_t i = 0; i < sec->core_relo.cnt; i++) {
			const struct bpf_core_relo *cr = btf_ext_core_relo(&sec->core_relo, i);
			fuzz_assert(btf_type_by_id(btf, cr->type_id) &&
				    btf_name(btf, cr->access_str_off), "core_relo");
		}
	}
	btf_ext_free(ext);
}

static int fuzz_btf_run(const uint8_t *data, size_t size, struct fuzz_btf_stats *st)
{
	struct fuzz_log l = { 0 };
	struct log_sink sink = { fuzz_log_fn, &l };
	const uint8_t *ext = NULL;
	size_t ext_size = 0;
	struct btf *btf;
	int err = 0;

	if (size >= 8 && !memcmp(data, "BTFX", 4)) {
		uint32_t len;

		memcpy(&len, data + 4, 4);
		data += 8;
		size -= 8;
		if (len < size) {
			ext = data + len;
			ext_size = size - len;
			size = len;
		}
	}
	btf = btf_parse(data, size, &sink, &err);
	if (!btf) {
		fuzz_assert(err == -EINVAL || err == -ENOMEM, "parse error code");
		if (st) {
			st->btf_bad++;
			st->silent += err == -EINVAL && (l.lines != 1 || !l.len);
		}
		return 0;
	}
	if (st)
		st->btf_ok++;
	fuzz_btf_queries(btf);
	fuzz_btf_dumps(btf);
	if (ext)
		fuzz_ext(btf, ext, ext_size, st);
	btf_free(btf);
	return 0;
}

int fuzz_btf_one(const uint8_t *data, size_t size)
{
	return fuzz_btf_run(data, size, NULL);
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_btf_one(data, size);
}
#endif
