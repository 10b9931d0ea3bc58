/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sys/stat.h>

#include "cli.h"

bool cli_json;
bool cli_pretty;
const char *cli_btf_path;
bool cli_debug;

void json_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int cli_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cli_json) {
		/* bpftool prints JSON errors on stdout */
		fputs("{\"error\":", stdout);
		json_escape(stdout, msg);
		fputs("}\n", stdout);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
	return 1;
}

int cli_read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return cli_error("can't open %s: %s", path, strerror(errno)), errno;
	for (;;) {
		if (cap - n < 65536 + 1) {
			cap = cap ? cap * 2 : 65536 * 2;
			uint8_t *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				return cli_error("%s: out of memory", path), ENOMEM;
			}
			b = nb;
		}
		size_t r = fread(b + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		free(b);
		fclose(f);
		return cli_error("can't read %s: %s", path, strerror(e)), e;
	}
	fclose(f);
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int cli_load_program(const char *path, struct bpf_insn **insns, size_t *cnt)
{
	uint8_t *buf;
	size_t len;
	int err = cli_read_file(path, &buf, &len);

	if (err)
		return err;
	if (has_suffix(path, ".asm") || has_suffix(path, ".s")) {
		struct bpfx_isa_diag diag;
		err = bpfx_asm((const char *)buf, insns, cnt, &diag);
		free(buf);
		if (err)
			return cli_error("%s:%d: %s", path, diag.insn, diag.msg);
		return 0;
	}
	if (len == 0) {
		free(buf);
		return cli_error("%s: empty file, no instructions", path);
	}
	if (len % sizeof(struct bpf_insn)) {
		free(buf);
		return cli_error("%s: size %zu is not a multiple of 8 bytes (struct bpf_insn); "
				 "a text program needs the .asm suffix", path, len);
	}
	*insns = (struct bpf_insn *)buf;
	*cnt = len / sizeof(struct bpf_insn);
	return 0;
}

bool cli_is_prefix(const char *arg, const char *word)
{
	size_t n = strlen(arg);
	return n > 0 && n <= strlen(word) && strncmp(arg, word, n) == 0;
}

/* ---- JSON writer ---- */

static int depth;
static bool need_comma[64];
static bool after_key;

static void json_indent(void)
{
	if (!cli_pretty)
		return;
	putchar('\n');
	for (int i = 0; i < depth; i++)
		fputs("    ", stdout);
}

static void json_value_prefix(void)
{
	if (after_key) {
		after_key = false;
		return;
	}
	if (depth > 0 && need_comma[depth])
		putchar(',');
	if (depth > 0)
		json_indent();
	need_comma[depth] = true;
}

void json_begin_object(void)
{
	json_value_prefix();
	putchar('{');
	if (depth < 63)
		depth++;
	need_comma[depth] = false;
}

void json_end_object(void)
{
	bool had = need_comma[depth];
	if (depth > 0)
		depth--;
	if (had)
		json_indent();
	putchar('}');
}

void json_key(const char *key)
{
	if (need_comma[depth])
		putchar(',');
	json_indent();
	need_comma[depth] = true;
	json_escape(stdout, key);
	fputs(cli_pretty ? ": " : ":", stdout);
	after_key = true;
}

void json_string(const char *s)
{
	json_value_prefix();
	json_escape(stdout, s);
}

void json_uint(uint64_t v)
{
	json_value_prefix();
	printf("%llu", (unsigned long long)v);
}

void json_int(int64_t v)
{
	json_value_prefix();
	printf("%lld", (long long)v);
}

void json_bool(bool v)
{
	json_value_prefix();
	fputs(v ? "true" : "false", stdout);
}

void json_end_document(void)
{
	putchar('\n');
}

void cli_make_dir(const char *dir)
{
	char path[4096];
	const char *root = bpfx_bpffs_root();
	size_t from;

	if (dir[0] == '/')
		from = 1, snprintf(path, sizeof(path), "%s", dir);
	else if (root)
		from = strlen(root) + 1, snprintf(path, sizeof(path), "%s/%s", root, dir);
	else
		return;
	for (char *p = path + from; (p = strchr(p, '/')); p++) {
		*p = '\0';
		(void)mkdir(path, 0700);
		*p = '/';
	}
	(void)mkdir(path, 0700);
}
