/* SPDX-License-Identifier: MIT */
/*
 * bpfx prog { load | loadall | show | list | dump xlated | dump jited | run | tracelog |
 *             help }
 *
 * bpftool's grammar and output. Each bpfx process is its own "kernel", so
 * a program outlives a command only as a pin: `load` pins what it loads,
 * and the other commands take PROG := pinned PATH (id and name only find
 * programs of the same process, which a command line never has).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <capstone/capstone.h>

#include "cli.h"
#include "commands.h"

static void prog_usage(FILE *f)
{
	fputs("Usage: bpfx prog { show | list } PROG\n"
	      "       bpfx prog dump xlated PROG [opcodes]\n"
	      "       bpfx prog dump jited PROG [opcodes]\n"
	      "       bpfx prog load OBJ PATH [type TYPE] [map {idx N | name NAME} pinned FILE]...\n"
	      "                              [pinmaps MAP_DIR]\n"
	      "       bpfx prog loadall OBJ DIR [type TYPE] [map ...]... [pinmaps MAP_DIR]\n"
	      "       bpfx prog run PROG data_in FILE [data_out FILE] [ctx_in FILE]\n"
	      "                          [ctx_out FILE] [repeat N]\n"
	      "       bpfx prog tracelog\n"
	      "\n"
	      "       PROG := { pinned PATH | id ID | name NAME | tag TAG }\n"
	      "\n"
	      "PATH and DIR are relative to the bpffs root (BPFX_FS, else /run/bpfx for\n"
	      "root, else $XDG_RUNTIME_DIR/bpfx) or absolute paths under it. Programs\n"
	      "outlive a command only when pinned: use `pinned PATH`.\n", f);
}

static int sys(int cmd, union bpf_attr *a)
{
	int r = bpfx_bpf(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	memset(info, 0, sizeof(*info));
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(*info),
				       .info = (uintptr_t)info } };
	return sys(BPF_OBJ_GET_INFO_BY_FD, &a);
}

/* Whether fd is a program: a pin may hold a map. The program with the id
 * that info reports must be this very object (the same file). */
static bool is_prog(int fd)
{
	struct bpf_prog_info info;

	return !prog_info(fd, &info) && cli_same_object(fd, BPF_PROG_GET_FD_BY_ID, info.id);
}

/* A tag as bpftool prints it: 16 hex digits. */
static bool parse_tag(const char *s, uint8_t tag[BPF_TAG_SIZE])
{
	if (strlen(s) != 2 * BPF_TAG_SIZE || strspn(s, "0123456789abcdefABCDEF") != strlen(s))
		return false;
	for (int i = 0; i < BPF_TAG_SIZE; i++)
		sscanf(s + 2 * i, "%2hhx", &tag[i]);
	return true;
}

static void format_tag(const uint8_t tag[BPF_TAG_SIZE], char out[2 * BPF_TAG_SIZE + 1])
{
	for (int i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(out + 2 * i, "%02x", tag[i]);
}

/* PROG := pinned PATH | id ID | name NAME | tag TAG; consumes two
 * arguments. Names and tags take the first program that has them. */
static int open_prog(int *argc, char ***argv)
{
	if (*argc < 2)
		return cli_error("expected PROG: pinned PATH | id ID | name NAME"), -1;
	const char *how = (*argv)[0], *what = (*argv)[1];
	union bpf_attr a = { 0 };
	int fd = -ENOENT;

	*argc -= 2;
	*argv += 2;
	if (!strcmp(how, "pinned")) {
		a.pathname = (uintptr_t)what;
		if ((fd = sys(BPF_OBJ_GET, &a)) < 0)
			cli_error("can't open pinned program %s: %s", what, strerror(-fd));
		else if (!is_prog(fd)) {
			close(fd);
			fd = -1;
			cli_error("incorrect object type: %s is not a program", what);
		}
		return fd;
	}
	if (!strcmp(how, "id")) {
		char *end;
		a.prog_id = (uint32_t)strtoul(what, &end, 0);
		if (*end || (fd = sys(BPF_PROG_GET_FD_BY_ID, &a)) < 0)
			cli_error("can't get prog by id (%s): %s", what, strerror(ENOENT));
		return fd;
	}
	if (!strcmp(how, "name") || !strcmp(how, "tag")) {
		uint8_t tag[BPF_TAG_SIZE];
		bool by_tag = how[0] == 't';
		if (by_tag && !parse_tag(what, tag))
			return cli_error("can't parse tag %s: expected 16 hex digits", what), -1;
		while (sys(BPF_PROG_GET_NEXT_ID, &a) == 0) {
			union bpf_attr g = { .prog_id = a.next_id };
			struct bpf_prog_info info;
			fd = sys(BPF_PROG_GET_FD_BY_ID, &g);
			if (fd >= 0 && prog_info(fd, &info) == 0 &&
			    (by_tag ? !memcmp(info.tag, tag, sizeof(tag)) : !strcmp(info.name, what)))
				return fd;
			if (fd >= 0)
				close(fd);
			a.start_id = a.next_id;
		}
		return cli_error("no program with %s %s (only pinned programs outlive a bpfx "
				 "command)", how, what), -1;
	}
	return cli_error("expected pinned, id, name or tag, not '%s'", how), -1;
}

int prog_open_arg(int *argc, char ***argv)
{
	return open_prog(argc, argv);
}

/* ---- show ---- */

static void show_plain(const struct bpf_prog_info *info)
{
	const char *type = bpfx_prog_type_name(info->type);
	printf("%u: ", info->id);
	if (type)
		printf("%s  ", type);
	else
		printf("type %u  ", info->type);
	if (info->name[0])
		printf("name %s  ", info->name);
	char tag[2 * BPF_TAG_SIZE + 1];
	format_tag(info->tag, tag);
	printf("tag %s%s", tag, info->gpl_compatible ? "  gpl" : "");
	if (info->run_time_ns) /* stats were on (BPF_ENABLE_STATS) */
		printf(" run_time_ns %llu run_cnt %llu", (unsigned long long)info->run_time_ns,
		       (unsigned long long)info->run_cnt);
	printf("\n");
	if (info->jited_prog_len)
		printf("\txlated %uB  jited %uB\n", info->xlated_prog_len, info->jited_prog_len);
	else
		printf("\txlated %uB  not jited\n", info->xlated_prog_len);
}

static void show_json(const struct bpf_prog_info *info)
{
	const char *type = bpfx_prog_type_name(info->type);
	json_begin_object();
	json_key("id");
	json_uint(info->id);
	json_key("type");
	if (type)
		json_string(type);
	else
		json_uint(info->type);
	if (info->name[0]) {
		json_key("name");
		json_string(info->name);
	}
	char tag[2 * BPF_TAG_SIZE + 1];
	format_tag(info->tag, tag);
	json_key("tag");
	json_string(tag);
	json_key("gpl_compatible");
	json_bool(info->gpl_compatible);
	if (info->run_time_ns) {
		json_key("run_time_ns");
		json_uint(info->run_time_ns);
		json_key("run_cnt");
		json_uint(info->run_cnt);
	}
	json_key("bytes_xlated");
	json_uint(info->xlated_prog_len);
	json_key("jited");
	json_bool(info->jited_prog_len != 0);
	if (info->jited_prog_len) {
		json_key("bytes_jited");
		json_uint(info->jited_prog_len);
	}
	json_end_object();
	json_end_document();
}

static int do_show(int fd)
{
	struct bpf_prog_info info;
	int err = prog_info(fd, &info);
	if (err)
		return cli_error("can't get prog info: %s", strerror(-err));
	if (cli_json)
		show_json(&info);
	else
		show_plain(&info);
	return 0;
}

/* ---- dump xlated ---- */

static int do_dump(int fd, int argc, char **argv)
{
	bool opcodes = argc == 1 && !strcmp(argv[0], "opcodes");
	struct bpf_prog_info info;
	int err;

	if (argc > 1 || (argc == 1 && !opcodes))
		return cli_error("expected nothing or 'opcodes' after PROG");
	if ((err = prog_info(fd, &info)))
		return cli_error("can't get prog info: %s", strerror(-err));
	uint32_t len = info.xlated_prog_len;
	struct bpf_insn *insns = calloc(1, len ? len : 1);
	if (!insns)
		return cli_error("out of memory");
	struct bpf_prog_info want = { .xlated_prog_len = len, .xlated_prog_insns = (uintptr_t)insns };
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(want),
				       .info = (uintptr_t)&want } };
	char *text = NULL;
	if ((err = sys(BPF_OBJ_GET_INFO_BY_FD, &a)) == 0)
		text = bpfx_disasm(insns, len / sizeof(*insns), BPFX_SYNTAX_BPFTOOL, opcodes, &err);
	free(insns);
	if (!text)
		return cli_error("can't dump the instructions: %s", strerror(-err));
	fputs(text, stdout);
	free(text);
	return 0;
}

/* ---- dump jited ---- */

/* Prints one instruction like bpftool: "%4x:\tmnemonic operands", with
 * opcodes its bytes on the next line; -j: {"pc", "operation", "operands"}. */
static void print_jited_insn(const cs_insn *in, bool opcodes, bool first)
{
	if (cli_json) {
		printf("%s{\"pc\":\"0x%llx\",\"operation\":", first ? "" : ",",
		       (unsigned long long)in->address);
		json_string(in->mnemonic);
		printf(",\"operands\":");
		json_string(in->op_str);
		printf("}");
		return;
	}
	printf("%4llx:\t%s%s%s\n", (unsigned long long)in->address, in->mnemonic,
	       in->op_str[0] ? "\t" : "", in->op_str);
	if (opcodes) {
		printf("\t");
		for (uint16_t i = 0; i < in->size; i++)
			printf("%s%02x", i ? " " : "", in->bytes[i]);
		printf("\n");
	}
}

/* The machine code test runs use, disassembled by capstone (AT&T syntax,
 * as bpftool prints it); the data after the code (callx's table) is not
 * code, so disassembly stops where decoding does. */
static int do_dump_jited(int fd, int argc, char **argv)
{
	bool opcodes = argc == 1 && !strcmp(argv[0], "opcodes");
	struct bpf_prog_info info;
	csh cs;
	cs_insn *insns = NULL;
	int err;

	if (argc > 1 || (argc == 1 && !opcodes))
		return cli_error("expected nothing or 'opcodes' after PROG");
	if ((err = prog_info(fd, &info)))
		return cli_error("can't get prog info: %s", strerror(-err));
	if (!info.jited_prog_len)
		return cli_error("no instructions returned (not jited: no JIT for this machine)");
	uint8_t *code = calloc(1, info.jited_prog_len);
	if (!code)
		return cli_error("out of memory");
	struct bpf_prog_info want = { .jited_prog_len = info.jited_prog_len,
				      .jited_prog_insns = (uintptr_t)code };
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(want),
				       .info = (uintptr_t)&want } };
	if ((err = sys(BPF_OBJ_GET_INFO_BY_FD, &a))) {
		free(code);
		return cli_error("can't get the code: %s", strerror(-err));
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		free(code);
		return cli_error("can't start the disassembler (capstone)");
	}
	cs_option(cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	size_t n = cs_disasm(cs, code, want.jited_prog_len, 0, 0, &insns);
	if (cli_json)
		printf("[");
	else
		printf("bpf_prog_%s:\n", info.name[0] ? info.name : "jited");
	for (size_t i = 0; i < n; i++)
		print_jited_insn(&insns[i], opcodes, i == 0);
	if (cli_json)
		printf("]\n");
	cs_free(insns, n);
	cs_close(&cs);
	free(code);
	return 0;
}

/* ---- run ---- */

struct run_args {
	const char *data_in, *data_out, *ctx_in, *ctx_out;
	uint32_t repeat;
};

static int parse_run(int argc, char **argv, struct run_args *r)
{
	memset(r, 0, sizeof(*r));
	r->repeat = 0; /* 0: once, and what syscall programs require */
	for (int i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return cli_error("missing value after '%s'", argv[i]);
		const char *v = argv[i + 1];
		if (!strcmp(argv[i], "data_in"))
			r->data_in = v;
		else if (!strcmp(argv[i], "data_out"))
			r->data_out = v;
		else if (!strcmp(argv[i], "ctx_in"))
			r->ctx_in = v;
		else if (!strcmp(argv[i], "ctx_out"))
			r->ctx_out = v;
		else if (!strcmp(argv[i], "repeat"))
			r->repeat = (uint32_t)strtoul(v, NULL, 0);
		else
			return cli_error("unknown argument '%s'", argv[i]);
	}
	return 0;
}

static int write_out(const char *path, const void *buf, uint32_t len)
{
	FILE *f = !strcmp(path, "-") ? stdout : fopen(path, "wb");
	if (!f)
		return cli_error("can't open %s: %s", path, strerror(errno));
	size_t n = fwrite(buf, 1, len, f);
	if (f != stdout)
		fclose(f);
	return n == len ? 0 : cli_error("can't write %s", path);
}

/* Output buffers get the input's size plus room to grow (XDP may). */
static int run_test(int fd, const struct run_args *r, uint8_t *din, size_t dlen, uint8_t *cin,
		    size_t clen)
{
	size_t dout_sz = dlen + 4096, cout_sz = clen + 4096;
	uint8_t *dout = r->data_out ? calloc(1, dout_sz) : NULL;
	uint8_t *cout = r->ctx_out ? calloc(1, cout_sz) : NULL;
	union bpf_attr a = { .test = {
		.prog_fd = (uint32_t)fd, .repeat = r->repeat,
		.data_in = (uintptr_t)din, .data_size_in = (uint32_t)dlen,
		.data_out = (uintptr_t)dout, .data_size_out = dout ? (uint32_t)dout_sz : 0,
		.ctx_in = (uintptr_t)cin, .ctx_size_in = (uint32_t)clen,
		.ctx_out = (uintptr_t)cout, .ctx_size_out = cout ? (uint32_t)cout_sz : 0 } };
	int err = sys(BPF_PROG_TEST_RUN, &a), rc = 0;
	if (err)
		rc = cli_error("failed to run program: %s", strerror(-err));
	if (!rc && dout)
		rc = write_out(r->data_out, dout, a.test.data_size_out);
	if (!rc && cout)
		rc = write_out(r->ctx_out, cout, a.test.ctx_size_out);
	if (!rc && cli_json) {
		json_begin_object();
		json_key("retval");
		json_uint(a.test.retval);
		json_key("duration");
		json_uint(a.test.duration);
		json_end_object();
		json_end_document();
	} else if (!rc) {
		printf("Return value: %u, duration%s: %uns\n", a.test.retval,
		       r->repeat > 1 ? " (average)" : "", a.test.duration);
	}
	free(dout);
	free(cout);
	return rc;
}

static int do_run(int fd, int argc, char **argv)
{
	struct run_args r;
	uint8_t *din = NULL, *cin = NULL;
	size_t dlen = 0, clen = 0;
	int rc;

	if (parse_run(argc, argv, &r))
		return 1;
	if (!r.data_in && !r.ctx_in)
		return cli_error("run: expected data_in or ctx_in");
	if ((r.data_in && cli_read_file(r.data_in, &din, &dlen)) ||
	    (r.ctx_in && cli_read_file(r.ctx_in, &cin, &clen)))
		rc = 1;
	else
		rc = run_test(fd, &r, din, dlen, cin, clen);
	free(din);
	free(cin);
	return rc;
}

/* ---- load, loadall ---- */

static int pin_fd(int fd, const char *path)
{
	union bpf_attr a = { .pathname = (uintptr_t)path, .bpf_fd = (uint32_t)fd };
	int err = sys(BPF_OBJ_PIN, &a);
	if (err)
		cli_error("failed to pin program at %s: %s%s", path, strerror(-err),
			  err == -EPERM ? " (its maps must live in the bpffs root)" : "");
	return err;
}

/* The loader's reasons, on stderr as bpftool shows libbpf's ("libbpf:
 * ..."), before the command's one-line error. */
static void loader_log(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx;
	if (level <= BPFX_LOG_WARN || cli_debug)
		fprintf(stderr, "libbpfx: %s\n", msg);
}

/* pinmaps DIR: every map of the object pinned as DIR/<map name>, dots
 * made underscores ("xdp_pars.bss" -> DIR/xdp_pars_bss), as libbpf's
 * bpf_object__pin_maps names them (a pinned prog array keeps its programs
 * for later commands; an unpinned one is emptied when the loading command
 * ends). */
static int pin_maps(const struct bpfx_object *obj, const char *dir)
{
	cli_make_dir(dir);
	for (size_t i = 0; i < bpfx_object__map_cnt(obj); i++) {
		const struct bpfx_map *m = bpfx_object__map(obj, i);
		char path[4096];
		int n = snprintf(path, sizeof(path), "%s/", dir);
		for (const char *c = bpfx_map__name(m); *c && n < (int)sizeof(path) - 1; c++)
			path[n++] = *c == '.' ? '_' : *c;
		path[n] = '\0';
		union bpf_attr a = { .pathname = (uintptr_t)path, .bpf_fd = (uint32_t)bpfx_map__fd(m) };
		int err = sys(BPF_OBJ_PIN, &a);
		if (err)
			return cli_error("failed to pin map at %s: %s", path, strerror(-err));
	}
	return 0;
}

/* `map {idx N | name NAME} pinned FILE` of load: an existing map the
 * object uses instead of creating its own. */
struct map_reuse {
	const char *idx, *name, *pin;
};
#define MAX_REUSE 64

struct load_opts {
	const char *type, *pinmaps;
	struct map_reuse reuse[MAX_REUSE];
	int reuse_cnt;
};

/* `map idx N pinned FILE` at argv[i] (argv[i] == "map"); returns the
 * arguments it took (5), or -1 after printing the error. */
static int reuse_opt(int argc, char **argv, int i, struct load_opts *o)
{
	if (i + 4 >= argc || (strcmp(argv[i + 1], "idx") && strcmp(argv[i + 1], "name")) ||
	    strcmp(argv[i + 3], "pinned"))
		return cli_error("expected map {idx N | name NAME} pinned FILE"), -1;
	if (o->reuse_cnt == MAX_REUSE)
		return cli_error("more than %d maps to reuse", MAX_REUSE), -1;
	struct map_reuse *r = &o->reuse[o->reuse_cnt++];
	*r = (struct map_reuse){ .pin = argv[i + 4] };
	if (!strcmp(argv[i + 1], "idx"))
		r->idx = argv[i + 2];
	else
		r->name = argv[i + 2];
	return 5;
}

/* The options after `load OBJ PATH`: `type TYPE` (every program loaded
 * as that type, bpftool's section-name guess), `map ... pinned FILE`
 * (repeatable) and `pinmaps DIR`, in any order. Returns 0 or 1 after
 * printing the error. */
static int load_opts(int argc, char **argv, struct load_opts *o)
{
	for (int i = 2, n; i < argc; i += n) {
		if (!strcmp(argv[i], "map")) {
			if ((n = reuse_opt(argc, argv, i, o)) < 0)
				return 1;
			continue;
		}
		const char **slot = !strcmp(argv[i], "type")	? &o->type
				    : !strcmp(argv[i], "pinmaps") ? &o->pinmaps
								  : NULL;
		if (!slot)
			return cli_error("unknown option '%s' (expected type, map or pinmaps)",
					 argv[i]);
		if (i + 1 >= argc)
			return cli_error("%s needs a value", argv[i]);
		if (*slot)
			return cli_error("%s given twice", argv[i]);
		*slot = argv[i + 1];
		n = 2;
	}
	return 0;
}

/* Points the object's maps named by `map ... pinned FILE` at the pinned
 * maps (bpf_map__reuse_fd). Returns 0 or 1 after printing the error. */
static int reuse_maps(struct bpfx_object *obj, const struct load_opts *o)
{
	for (int i = 0; i < o->reuse_cnt; i++) {
		const struct map_reuse *r = &o->reuse[i];
		struct bpfx_map *m;
		char *end;
		if (r->idx) {
			unsigned long n = strtoul(r->idx, &end, 0);
			m = *r->idx && !*end ? bpfx_object__map(obj, n) : NULL;
		} else {
			m = bpfx_object__find_map(obj, r->name);
		}
		if (!m)
			return cli_error("no map %s %s in the object", r->idx ? "idx" : "name",
					 r->idx ? r->idx : r->name);
		union bpf_attr a = { .pathname = (uintptr_t)r->pin };
		int fd = sys(BPF_OBJ_GET, &a);
		if (fd < 0)
			return cli_error("can't open pinned map %s: %s", r->pin, strerror(-fd));
		int err = bpfx_map__reuse_fd(m, fd);
		close(fd);
		if (err == -EINVAL)
			return cli_error("pinned map %s does not match map '%s' of the object "
					 "(type, key or value size, max_entries or flags differ)",
					 r->pin, bpfx_map__name(m));
		if (err)
			return cli_error("can't reuse pinned map %s for map '%s': %s", r->pin,
					 bpfx_map__name(m), strerror(-err));
	}
	return 0;
}

/* Sets every program of obj to the type TYPE names (as bpftool). */
static int set_types(struct bpfx_object *obj, const char *type)
{
	enum bpf_prog_type t;
	enum bpf_attach_type eat;
	if (bpfx_prog_type_by_name(type, &t, &eat))
		return cli_error("failed to guess program type from name '%s'", type);
	for (size_t i = 0; i < bpfx_object__program_cnt(obj); i++)
		if (bpfx_program__set_type(bpfx_object__program(obj, i), t, eat))
			return cli_error("cannot set the type of program %s",
					 bpfx_program__name(bpfx_object__program(obj, i)));
	return 0;
}

/* Runs for `load OBJ PATH` (all == false: pins the first program at
 * PATH) and `loadall OBJ DIR` (pins each as DIR/<function name>), each
 * with optional `type TYPE` and `pinmaps DIR`. */
static int do_load(int argc, char **argv, bool all)
{
	struct load_opts lo = { 0 };
	if (argc < 2)
		return cli_error("expected OBJ and %s [type TYPE] [map {idx N | name NAME} pinned "
				 "FILE]... [pinmaps DIR]", all ? "DIR" : "PATH");
	if (load_opts(argc, argv, &lo))
		return 1;
	const char *pinmaps = lo.pinmaps;
	int err = 0;
	struct bpfx_object_opts o = { .sz = sizeof(o), .btf_custom_path = cli_btf_path,
				      .log = loader_log,
				      /* bpftool -d: every program's verifier log */
				      .kernel_log_level = cli_debug ? 1 + 2 + 4 : 0 };
	struct bpfx_object *obj = bpfx_object__open(argv[0], &o, &err);
	if (!obj)
		return cli_error("failed to open object file %s: %s", argv[0], strerror(-err));
	if ((lo.type && set_types(obj, lo.type)) || reuse_maps(obj, &lo)) {
		bpfx_object__close(obj);
		return 1;
	}
	if ((err = bpfx_object__load(obj))) {
		bpfx_object__close(obj);
		return cli_error("failed to load object file %s: %s", argv[0], strerror(-err));
	}
	size_t n = bpfx_object__program_cnt(obj);
	if (!n)
		err = cli_error("object file %s has no programs", argv[0]);
	if (!err && pinmaps)
		err = pin_maps(obj, pinmaps);
	if (!err && all) {
		cli_make_dir(argv[1]);
		for (size_t i = 0; i < n && !err; i++) {
			const struct bpfx_program *p = bpfx_object__program(obj, i);
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[1], bpfx_program__name(p));
			err = pin_fd(bpfx_program__fd(p), path) ? 1 : 0;
		}
	} else if (!err) {
		err = pin_fd(bpfx_program__fd(bpfx_object__program(obj, 0)), argv[1]) ? 1 : 0;
	}
	bpfx_object__close(obj);
	if (!err && cli_json)
		json_end_document();
	return err ? 1 : 0;
}

int cmd_prog(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help")) {
		prog_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	const char *cmd = argv[0];
	argc--, argv++;
	if (!strcmp(cmd, "load") || !strcmp(cmd, "loadall"))
		return do_load(argc, argv, !strcmp(cmd, "loadall"));
	if (!strcmp(cmd, "tracelog"))
		return cmd_prog_tracelog(argc, argv);
	bool dump = !strcmp(cmd, "dump"), jited = false;
	if (dump) {
		if (argc < 1 || (strcmp(argv[0], "xlated") && strcmp(argv[0], "jited")))
			return cli_error("expected 'xlated' or 'jited' after dump");
		jited = !strcmp(argv[0], "jited");
		argc--, argv++;
	}
	bool show = !strcmp(cmd, "show") || !strcmp(cmd, "list"), run = !strcmp(cmd, "run");
	if (!show && !dump && !run)
		return cli_error("unknown prog command '%s' (see bpfx prog help)", cmd);
	if (show && argc == 0)
		return cli_json ? (puts("[]"), 0) : 0; /* no program outlives a command */
	int fd = open_prog(&argc, &argv);
	if (fd < 0)
		return 1;
	int rc;
	if (show)
		rc = argc ? cli_error("unexpected '%s' after PROG", argv[0]) : do_show(fd);
	else if (dump)
		rc = jited ? do_dump_jited(fd, argc, argv) : do_dump(fd, argc, argv);
	else
		rc = do_run(fd, argc, argv);
	close(fd);
	return rc;
}
