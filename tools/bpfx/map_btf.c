/* SPDX-License-Identifier: MIT */
/*
 * `bpfx map dump` of a map that has BTF: bpftool's output, byte for byte.
 * Text mode prints a pretty JSON array of {"key": ..., "value": ...}
 * formatted through the map's types; -j prints each entry's bytes in hex
 * with the same formatting under "formatted"; per-CPU maps list one value
 * per CPU under "values". The entries are assembled as compact JSON
 * (values from bpfx_btf__dump_data) and printed by jw_print, which
 * indents like bpftool's JSON writer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static int sys(int cmd, union bpf_attr *a)
{
	int r = bpfx_bpf(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

/* ---- bpftool's JSON layout ---- */

/* Prints compact JSON (strings, numbers, true/false, nesting) the way
 * bpftool's json_writer does: pretty puts each object member on its own
 * line indented by 4 spaces per level and leaves array elements on the
 * line ("[{", "},{", "[1,2]"); not pretty prints it as it is. */
static void jw_print(const char *s, bool pretty)
{
	bool has_item[128] = { false }, after_key = false;
	int depth = 0;

	if (!pretty) {
		fputs(s, stdout);
		return;
	}
	while (*s) {
		char c = *s;
		if (c == ',' || c == ':') {
			s++;
			continue;
		}
		if (c == '}' || c == ']') {
			bool had = has_item[depth];
			if (depth > 0)
				depth--;
			if (had) {
				putchar('\n');
				for (int i = 0; i < depth; i++)
					fputs("    ", stdout);
			}
			putchar(c);
			s++;
			continue;
		}
		/* the token: a string (maybe a key) or a bare word */
		const char *end = s + 1;
		if (c == '"') {
			while (*end && *end != '"')
				end += *end == '\\' && end[1] ? 2 : 1;
			end += *end == '"';
		} else if (c != '{' && c != '[') {
			end = s + strcspn(s, ",:]}");
		}
		bool key = c == '"' && *end == ':';
		if (!after_key && has_item[depth])
			putchar(',');
		has_item[depth] = true;
		if (key) {
			putchar('\n');
			for (int i = 0; i < depth; i++)
				fputs("    ", stdout);
		}
		fwrite(s, 1, (size_t)(end - s), stdout);
		after_key = key;
		if (key)
			fputs(": ", stdout);
		if (c == '{' || c == '[') {
			if (depth < 127)
				depth++;
			has_item[depth] = false;
		}
		s = end;
	}
}

/* ---- the entries ---- */

struct text {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void put(struct text *t, const char *s)
{
	size_t n = strlen(s);
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->cap + n + 1) * 2;
		char *b = realloc(t->buf, cap);
		if (!b) {
			t->oom = true;
			return;
		}
		t->buf = b, t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

static void put_hex(struct text *t, const uint8_t *b, uint32_t n)
{
	char item[8];
	put(t, "[");
	for (uint32_t i = 0; i < n; i++) {
		snprintf(item, sizeof(item), "%s\"0x%02x\"", i ? "," : "", b[i]);
		put(t, item);
	}
	put(t, "]");
}

static bool put_value(struct text *t, const struct bpfx_btf *btf, uint32_t type,
		      const void *data, size_t size, bool plain)
{
	int err;
	char *v = bpfx_btf__dump_data(btf, type, data, size, plain, &err);
	if (!v)
		return false;
	put(t, v);
	free(v);
	return true;
}

struct map_view {
	const struct bpf_map_info *info;
	const struct bpfx_btf *btf;
	uint32_t cpus;          /* values per key: possible CPUs for per-CPU maps, else 1 */
	uint32_t step;          /* bytes between them */
};

/* {"key":K,"value":V} or {"key":K,"values":[{"cpu":0,"value":V},...]};
 * the key only when the map has a key type. */
static bool put_formatted(struct text *t, const struct map_view *m, const uint8_t *key,
			  const uint8_t *value, bool plain)
{
	const struct bpf_map_info *info = m->info;
	bool ok = true;
	put(t, "{");
	if (info->btf_key_type_id) {
		put(t, "\"key\":");
		ok = put_value(t, m->btf, info->btf_key_type_id, key, info->key_size, plain);
		put(t, ",");
	}
	if (m->cpus == 1) {
		put(t, "\"value\":");
		ok = ok && put_value(t, m->btf, info->btf_value_type_id, value, info->value_size,
				     plain);
	} else {
		put(t, "\"values\":[");
		for (uint32_t c = 0; ok && c < m->cpus; c++) {
			char head[48];
			snprintf(head, sizeof(head), "%s{\"cpu\":%u,\"value\":", c ? "," : "", c);
			put(t, head);
			ok = put_value(t, m->btf, info->btf_value_type_id, value + c * m->step,
				       info->value_size, plain);
			put(t, "}");
		}
		put(t, "]");
	}
	put(t, "}");
	return ok;
}

/* -j: the bytes in hex, then "formatted". */
static bool put_json_entry(struct text *t, const struct map_view *m, const uint8_t *key,
			   const uint8_t *value)
{
	put(t, "{\"key\":");
	put_hex(t, key, m->info->key_size);
	if (m->cpus == 1) {
		put(t, ",\"value\":");
		put_hex(t, value, m->info->value_size);
	} else {
		put(t, ",\"values\":[");
		for (uint32_t c = 0; c < m->cpus; c++) {
			char head[40];
			snprintf(head, sizeof(head), "%s{\"cpu\":%u,\"value\":", c ? "," : "", c);
			put(t, head);
			put_hex(t, value + c * m->step, m->info->value_size);
			put(t, "}");
		}
		put(t, "]");
	}
	put(t, ",\"formatted\":");
	bool ok = put_formatted(t, m, key, value, false);
	put(t, "}");
	return ok;
}

/* The map's BTF, read back by id. NULL when it can't be had. */
static struct bpfx_btf *map_btf(const struct bpf_map_info *info)
{
	union bpf_attr g = { .btf_id = info->btf_id };
	int fd = sys(BPF_BTF_GET_FD_BY_ID, &g);
	if (fd < 0)
		return NULL;
	struct bpf_btf_info bi;
	memset(&bi, 0, sizeof(bi));
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(bi),
				       .info = (uintptr_t)&bi } };
	void *raw = NULL;
	struct bpfx_btf *btf = NULL;
	int err;
	if (!sys(BPF_OBJ_GET_INFO_BY_FD, &a) && bi.btf_size && (raw = malloc(bi.btf_size))) {
		bi.btf = (uintptr_t)raw;
		if (!sys(BPF_OBJ_GET_INFO_BY_FD, &a))
			btf = bpfx_btf__parse_raw(raw, bi.btf_size, NULL, NULL, &err);
	}
	free(raw);
	close(fd);
	return btf;
}

int map_dump_btf(int fd, const struct bpf_map_info *info, unsigned int cpus)
{
	struct bpfx_btf *btf = map_btf(info);
	if (!btf)
		return cli_error("can't get the BTF of map %u", info->id);
	struct map_view m = { info, btf, cpus, (info->value_size + 7) & ~7u };
	uint8_t *key = calloc(1, info->key_size + 1), *next = calloc(1, info->key_size + 1);
	uint8_t *value = calloc(cpus, m.step + 1);
	struct text t = { 0 };
	bool ok = key && next && value;

	put(&t, "[");
	union bpf_attr a = { .map_fd = (uint32_t)fd, .next_key = (uintptr_t)next };
	for (bool first = true; ok && sys(BPF_MAP_GET_NEXT_KEY, &a) == 0;) {
		memcpy(key, next, info->key_size);
		a.key = (uintptr_t)key;
		union bpf_attr l = { .map_fd = (uint32_t)fd, .key = (uintptr_t)key,
				     .value = (uintptr_t)value };
		if (sys(BPF_MAP_LOOKUP_ELEM, &l))
			continue; /* deleted meanwhile */
		if (!first)
			put(&t, ",");
		first = false;
		ok = cli_json ? put_json_entry(&t, &m, key, value)
			      : put_formatted(&t, &m, key, value, true);
	}
	put(&t, "]");
	int rc = 0;
	if (!ok || t.oom)
		rc = cli_error("can't format map %u through its BTF", info->id);
	else {
		jw_print(t.buf, cli_pretty || !cli_json);
		putchar('\n');
	}
	free(t.buf), free(key), free(next), free(value);
	bpfx_btf__free(btf);
	return rc;
}
