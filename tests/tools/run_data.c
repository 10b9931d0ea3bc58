/* SPDX-License-Identifier: MIT */
/*
 * run_data: the data-driven instruction test runner.
 *
 *     run_data [--mode interp|jit|both] [--verbose] SUITE PATH...
 *
 * Runs every `.data` file named, or found (sorted, not recursively) in the
 * directories named, and ends with the line "SUITE: N passed, M failed"
 * (tests/lib/tcheck.h) that tests/run.sh sums. One check per file.
 *
 * File format (../shared/conformance/README.md): lines starting with `--`
 * open a section; `#` starts a comment in every section but `-- c` and
 * `-- error`. Sections:
 *   -- asm      the program in the conformance dialect (bpfx_asm_conformance)
 *   -- raw      the program as 64-bit words, one per line, `imm << 32 |
 *               off << 16 | src << 12 | dst << 8 | opcode`; replaces asm.
 *               When both are present the asm must assemble to the same
 *               words (a check of the assembler).
 *   -- mem      hex bytes: the input buffer. The run gets r1 = a pointer
 *               to a writable copy, r2 = its length, and may access it
 *               (checked mode); without it r1 = r2 = 0.
 *   -- result   the expected r0 after exit, a 64-bit number (hex with 0x,
 *               decimal, or negative decimal)
 *   -- error    bpfx's own negative tests, instead of `-- result`: the
 *               program must be refused (by the assembler, with its
 *               message, or at load, with the load log) or stop with an
 *               error at run time (with the fault message); the first
 *               non-empty line of the section, trimmed, must be a
 *               substring of that message.
 *   -- c, -- no register offset   informational, ignored; any other
 *               section is ignored with a warning.
 *
 * Programs are built with bpfx_prog__new without the built-in helpers and
 * with one helper, id 5 "unwind" (the suite's call_unwind_fail.data and
 * callx.data): when its first argument is 0 it stops the program at once
 * with r0 = 0; otherwise it returns its first argument and the program goes
 * on. They run in checked mode (every access checked, the default
 * instruction budget), in the interpreter or, with --mode jit, the JIT: a
 * run the JIT refuses with -EOPNOTSUPP (no JIT here) counts as skipped. In
 * the JIT a program that ran cleanly runs again unchecked (trusted code),
 * one more check: same r0. --mode both runs everything in both engines,
 * each run its own check.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpfx/bpfx.h>

#include "tcheck.h"

struct runner {
	const char *suite;
	enum bpfx_exec_mode mode;       /* this run's mode */
	bool both;                      /* --mode both: every file in both */
	bool verbose;
	unsigned programs;
};

/* The sections of one file, as spans of its text (NUL-terminated copies
 * where a parser needs them). */
struct data {
	char *asm_text;          /* malloc'd, or NULL */
	int asm_line;            /* file line of the first asm line */
	struct bpf_insn *raw;    /* malloc'd, or NULL */
	size_t raw_cnt;
	bool has_raw;
	uint8_t *mem;            /* malloc'd, or NULL */
	size_t mem_len;
	bool has_mem;
	bool has_result;
	uint64_t result;
	int result_line;
	char *error;             /* malloc'd expected error text, or NULL */
	int error_line;
};

static void data_free(struct data *d)
{
	free(d->asm_text);
	free(d->raw);
	free(d->mem);
	free(d->error);
}

/* ---- parsing a .data file ---- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static void strip_comment(char *s)
{
	char *h = strchr(s, '#');
	if (h)
		*h = '\0';
}

/* A 64-bit number: 0x hex, decimal, or negative decimal. */
static bool parse_u64(const char *s, uint64_t *v)
{
	const char *start = s;
	char *end;

	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		start = s + 2;
		*v = strtoull(start, &end, 16);
	} else if (s[0] == '-') {
		*v = (uint64_t)strtoll(s, &end, 10);
	} else {
		*v = strtoull(s, &end, 10);
	}
	return !errno && end != start && *end == '\0' && *start != '-' && *start != '+';
}

static bool add_raw_word(struct data *d, uint64_t w)
{
	struct bpf_insn *p = realloc(d->raw, (d->raw_cnt + 1) * sizeof(*p));
	if (!p)
		return false;
	d->raw = p;
	p[d->raw_cnt++] = (struct bpf_insn){
		.code = (uint8_t)w,
		.dst_reg = (uint8_t)(w >> 8) & 0xf,
		.src_reg = (uint8_t)(w >> 12) & 0xf,
		.off = (int16_t)(uint16_t)(w >> 16),
		.imm = (int32_t)(uint32_t)(w >> 32),
	};
	return true;
}

static bool add_mem_bytes(struct data *d, char *line)
{
	for (char *tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t")) {
		char *end;
		unsigned long b = strtoul(tok, &end, 16);
		uint8_t *p;
		if (*end || b > 0xff || end == tok)
			return false;
		p = realloc(d->mem, d->mem_len + 1);
		if (!p)
			return false;
		d->mem = p;
		d->mem[d->mem_len++] = (uint8_t)b;
	}
	return true;
}

/* Appends one line of the asm section, keeping line numbers. */
static bool add_asm_line(struct data *d, const char *line)
{
	size_t old = d->asm_text ? strlen(d->asm_text) : 0;
	size_t n = strlen(line);
	char *p = realloc(d->asm_text, old + n + 2);
	if (!p)
		return false;
	memcpy(p + old, line, n);
	p[old + n] = '\n';
	p[old + n + 1] = '\0';
	d->asm_text = p;
	return true;
}

enum section { S_NONE, S_ASM, S_RAW, S_MEM, S_RESULT, S_ERROR, S_IGNORED };

static enum section section_of(const char *path, int lineno, const char *name)
{
	static const struct {
		const char *name;
		enum section s;
	} known[] = {
		{ "asm", S_ASM }, { "raw", S_RAW }, { "mem", S_MEM }, { "result", S_RESULT },
		{ "error", S_ERROR }, { "c", S_IGNORED }, { "no register offset", S_IGNORED },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i].name) == 0)
			return known[i].s;
	fprintf(stderr, "warning: %s:%d: unknown section '-- %s' ignored\n", path, lineno, name);
	return S_IGNORED;
}

/* Takes one line of a section. Returns NULL or what is wrong with it. */
static const char *take_line(struct data *d, enum section s, char *line, int lineno)
{
	char *t;

	if (s == S_ASM)
		return add_asm_line(d, line) ? NULL : "out of memory";
	if (s == S_ERROR) {
		t = trim(line);
		if (*t && !d->error && !(d->error = strdup(t)))
			return "out of memory";
		if (*t && d->error_line == 0)
			d->error_line = lineno;
		return NULL;
	}
	if (s == S_NONE || s == S_IGNORED)
		return NULL;
	strip_comment(line);
	t = trim(line);
	if (!*t)
		return NULL;
	switch (s) {
	case S_RAW: {
		uint64_t w;
		if (!parse_u64(t, &w))
			return "invalid raw instruction word";
		return add_raw_word(d, w) ? NULL : "out of memory";
	}
	case S_MEM:
		return add_mem_bytes(d, t) ? NULL : "invalid mem byte";
	case S_RESULT:
		if (d->has_result)
			return "more than one result";
		if (!parse_u64(t, &d->result))
			return "invalid result";
		d->has_result = true;
		d->result_line = lineno;
		return NULL;
	default:
		return NULL;
	}
}

/* Splits the text into sections. Returns NULL or what is wrong, with
 * *bad_line its line. */
static const char *parse_data(const char *path, char *text, struct data *d, int *bad_line)
{
	enum section s = S_NONE;
	int lineno = 0;

	for (char *p = text; *p; ) {
		char *nl = strchr(p, '\n');
		char *line = p;
		const char *why;

		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : p + strlen(p);
		lineno++;
		if (line[0] == '-' && line[1] == '-') {
			s = section_of(path, lineno, trim(line + 2));
			if (s == S_ASM && !d->asm_text)
				d->asm_line = lineno + 1;
			d->has_raw |= s == S_RAW;
			d->has_mem |= s == S_MEM;
			continue;
		}
		if ((why = take_line(d, s, line, lineno))) {
			*bad_line = lineno;
			return why;
		}
	}
	*bad_line = 0;
	if (d->error && d->has_result)
		return "both -- result and -- error";
	if (!d->error && !d->has_result)
		return "no -- result (or -- error) section";
	if (!d->asm_text && !d->has_raw)
		return "no -- asm or -- raw section";
	if (d->has_raw && d->raw_cnt == 0)
		return "empty -- raw section";
	return NULL;
}

/* ---- running one program ---- */

static uint64_t helper_unwind(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			      uint64_t r5, struct bpfx_run_ctx *run)
{
	if (r1 == 0)
		bpfx_run_ctx__stop(run, 0);
	return r1;
}

static const struct bpfx_helper unwind_helper = {
	.id = 5,
	.name = "unwind",
	.fn = helper_unwind,
	.args = { BPFX_ARG_ANYTHING },
};

struct loadlog {
	char buf[512];
};

/* Load diagnostics, joined by "; ". */
static void collect_log(void *ctx, enum bpfx_log_level level, const char *msg)
{
	struct loadlog *l = ctx;
	size_t n = strlen(l->buf);

	snprintf(l->buf + n, sizeof(l->buf) - n, "%s%s", n ? "; " : "", msg);
}

/* The symbolic name of an errno value, for messages. */
static const char *errname(int err)
{
	switch (err) {
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case ELOOP: return "ELOOP";
	case ENOENT: return "ENOENT";
	case ENOMEM: return "ENOMEM";
	case E2BIG: return "E2BIG";
	case EACCES: return "EACCES";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return strerror(err);
	}
}

/* The outcome of one file: an error message, or r0. */
struct outcome {
	int err;                /* 0: ran to exit */
	uint64_t r0;
	char msg[640];
	const char *stage;      /* "assembly", "load", "run" */
};

/* Gets the instructions of d: raw, or assembled (checking both agree). */
static int program_of(const struct data *d, struct bpf_insn **insns, size_t *cnt,
		      struct outcome *out)
{
	struct bpfx_isa_diag diag;
	struct bpf_insn *asm_insns = NULL;
	size_t asm_cnt = 0;
	int err = 0;

	if (d->asm_text)
		err = bpfx_asm_conformance(d->asm_text, &asm_insns, &asm_cnt, &diag);
	if (!d->has_raw && err) {
		out->stage = "assembly";
		snprintf(out->msg, sizeof(out->msg), "line %d: %s", d->asm_line + diag.insn - 1,
			 diag.msg);
		return err;
	}
	if (!d->has_raw) {
		*insns = asm_insns;
		*cnt = asm_cnt;
		return 0;
	}
	if (d->asm_text && (err || asm_cnt != d->raw_cnt ||
			    memcmp(asm_insns, d->raw, asm_cnt * sizeof(*asm_insns)))) {
		free(asm_insns);
		out->stage = "assembly";
		snprintf(out->msg, sizeof(out->msg), "the asm section %s the raw section",
			 err ? "does not assemble, unlike" : "assembles differently from");
		return -EINVAL;
	}
	free(asm_insns);
	*insns = malloc(d->raw_cnt * sizeof(**insns));
	if (!*insns)
		return -ENOMEM;
	memcpy(*insns, d->raw, d->raw_cnt * sizeof(**insns));
	*cnt = d->raw_cnt;
	return 0;
}

static void load_and_run(const struct runner *rn, const struct data *d, bool checked,
			 struct outcome *out)
{
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	struct loadlog log = { "" };
	struct bpfx_prog_opts po = {
		.sz = sizeof(po), .helpers = &unwind_helper, .helper_cnt = 1,
		.no_builtin_helpers = true, .log = collect_log, .log_ctx = &log,
	};
	struct bpfx_prog *prog;
	struct bpfx_run_result res = { .fault_insn = -1 };

	if ((out->err = program_of(d, &insns, &cnt, out)))
		return;
	prog = bpfx_prog__new(insns, cnt, &po, &out->err);
	free(insns);
	if (!prog) {
		out->stage = "load";
		snprintf(out->msg, sizeof(out->msg), "%s (-%s)", log.buf, errname(-out->err));
		return;
	}

	uint8_t *mem = d->has_mem ? malloc(d->mem_len ? d->mem_len : 1) : NULL;
	struct bpfx_region region = { mem, d->mem_len, true };
	struct bpfx_run_opts ro = {
		.sz = sizeof(ro), .r1 = (uintptr_t)mem, .r2 = mem ? d->mem_len : 0,
		.checked = checked, .regions = mem ? &region : NULL, .region_cnt = mem ? 1 : 0,
		.mode = rn->mode,
	};
	if (d->has_mem && !mem) {
		out->err = -ENOMEM;
	} else {
		if (d->mem_len)
			memcpy(mem, d->mem, d->mem_len);
		out->err = bpfx_prog__run(prog, &ro, &res);
	}
	free(mem);
	bpfx_prog__free(prog);
	out->stage = "run";
	out->r0 = res.r0;
	if (out->err)
		snprintf(out->msg, sizeof(out->msg), "%s (-%s at insn %d)", res.fault_msg,
			 errname(-out->err), res.fault_insn);
}

/* The check of a `-- error` file. */
static void check_error(const struct runner *rn, const char *path, const struct data *d,
			const struct outcome *out)
{
	if (!out->err) {
		t_check(false, path, d->error_line,
			"expected an error containing '%s', but the program returned 0x%llx",
			d->error, (unsigned long long)out->r0);
		return;
	}
	if (t_check(strstr(out->msg, d->error) != NULL, path, d->error_line,
		    "expected an error containing '%s', got %s error: %s",
		    d->error, out->stage, out->msg) && rn->verbose)
		printf("PASS %s: %s error: %s\n", path, out->stage, out->msg);
}

/* Runs one file and records its check. */
static void run_file(struct runner *rn, const char *path)
{
	struct data d = { 0 };
	struct outcome out = { 0 };
	char *text = t_read_file(path, NULL);
	const char *why;
	int bad_line;

	rn->programs++;
	if (!text) {
		t_check(false, path, 0, "cannot read: %s", strerror(errno));
		return;
	}
	why = parse_data(path, text, &d, &bad_line);
	free(text);
	if (why) {
		t_check(false, path, bad_line, "malformed test file: %s", why);
		data_free(&d);
		return;
	}
	load_and_run(rn, &d, true, &out);

	if (rn->mode == BPFX_EXEC_JIT && out.err == -EOPNOTSUPP && !strcmp(out.stage, "run")) {
		t_skip("%s: JIT unavailable: %s", path, out.msg);
	} else if (d.error) {
		check_error(rn, path, &d, &out);
	} else if (out.err) {
		t_check(false, path, d.result_line, "%s error: %s", out.stage, out.msg);
	} else if (t_check(out.r0 == d.result, path, d.result_line,
			   "expected 0x%llx, got 0x%llx", (unsigned long long)d.result,
			   (unsigned long long)out.r0) && rn->verbose) {
		printf("PASS %s: r0 = 0x%llx\n", path, (unsigned long long)out.r0);
	}
	/* A program that ran cleanly in checked mode takes the same path
	 * unchecked: the JIT's trusted code must give the same r0. */
	if (rn->mode == BPFX_EXEC_JIT && !d.error && !out.err) {
		struct outcome trusted = { 0 };
		load_and_run(rn, &d, false, &trusted);
		t_check(!trusted.err && trusted.r0 == out.r0, path, d.result_line,
			"unchecked JIT code: r0 0x%llx, err %d (checked: 0x%llx)",
			(unsigned long long)trusted.r0, trusted.err, (unsigned long long)out.r0);
	}
	data_free(&d);
}

/* ---- walking the arguments ---- */

static int is_data_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 5 && strcmp(e->d_name + n - 5, ".data") == 0;
}

static void run_path(struct runner *rn, const char *path)
{
	struct stat st;
	struct dirent **list;
	int n;

	if (stat(path, &st) != 0) {
		t_check(false, path, 0, "cannot open: %s", strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(rn, path);
		return;
	}
	n = scandir(path, &list, is_data_file, alphasort);
	if (n < 0) {
		t_check(false, path, 0, "cannot list: %s", strerror(errno));
		return;
	}
	if (n == 0)
		t_check(false, path, 0, "no .data files in the folder");
	for (int i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(list[i]->d_name) + 2;
		char *file = malloc(len);
		if (file) {
			snprintf(file, len, "%s/%s", path, list[i]->d_name);
			run_file(rn, file);
			free(file);
		} else {
			t_check(false, path, 0, "out of memory");
		}
		free(list[i]);
	}
	free(list);
}

static int usage(void)
{
	fprintf(stderr, "usage: run_data [--mode interp|jit|both] [--verbose] SUITE PATH...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct runner rn = { .mode = BPFX_EXEC_INTERP };
	const char *paths[256];
	int npaths = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			rn.verbose = true;
		} else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			const char *m = argv[++i];
			if (!strcmp(m, "interp"))
				rn.mode = BPFX_EXEC_INTERP;
			else if (!strcmp(m, "jit"))
				rn.mode = BPFX_EXEC_JIT;
			else if (!strcmp(m, "both"))
				rn.both = true;
			else
				return usage();
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return usage();
		} else if (!rn.suite) {
			rn.suite = argv[i];
		} else if (npaths < (int)(sizeof(paths) / sizeof(paths[0]))) {
			paths[npaths++] = argv[i];
		} else {
			return usage();
		}
	}
	if (!rn.suite || npaths == 0)
		return usage();
	for (int pass = 0; pass < (rn.both ? 2 : 1); pass++) {
		if (rn.both)
			rn.mode = pass ? BPFX_EXEC_JIT : BPFX_EXEC_INTERP;
		for (int i = 0; i < npaths; i++)
			run_path(&rn, paths[i]);
	}
	printf("%s: ran %u programs (%s)\n", rn.suite, rn.programs,
	       rn.both ? "interpreter, then jit checked and unchecked" :
	       rn.mode == BPFX_EXEC_JIT ? "jit checked and unchecked" : "interpreter");
	return t_done(rn.suite);
}
