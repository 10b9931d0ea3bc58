/* SPDX-License-Identifier: MIT */
/*
 * The ELF object reader (src/loader/elf*.c, sec_names.c): a small valid
 * object built by hand (elf_build.h) and its description; then a corpus
 * of broken objects derived from it, each of which must be refused with
 * the right errno and a log line naming the problem, without crash or
 * leak; linking of cyclic call graphs; BTF-defined maps and .kconfig
 * externs with BTF built by hand; the naming rules; the section table;
 * every allocation failing in turn. When tests/suites/elf.sh has built
 * the compiled objects ($BUILD/tests/elf/<compiler>/<name>.o), they are
 * opened too, checked for internal consistency and truncated.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf_build.h"
#include "elf_build.h"
#include "talloc.h"
#include "tcheck.h"

#include "loader/elf.h"
#include <bpfx/bpfx.h>

static char last_log[512];

static void log_fn(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx;
	if (level == BPFX_LOG_ERROR)
		snprintf(last_log, sizeof(last_log), "%s", msg);
}

static const struct log_sink sink = { log_fn, NULL };
static uint8_t img[65536];

static struct elf_obj *open_img(const uint8_t *p, size_t n, int *err)
{
	last_log[0] = '\0';
	return elf_obj_open_mem(p, n, "t", &sink, err);
}

static struct elf_obj *open_spec(const struct eb *b, int *err)
{
	size_t n = eb_emit(b, img, sizeof(img));
	return open_img(img, n, err);
}

static void expect_fail_img(const char *what, const uint8_t *p, size_t n, int want,
			    const char *substr)
{
	int err = 0;
	struct elf_obj *obj = open_img(p, n, &err);

	CHECK(!obj && err == want && strstr(last_log, substr) && !strncmp(last_log, "t: ", 3),
	      "%s: want %d and a log line with '%s'; got %s, err %d, log '%s'", what, want, substr,
	      obj ? "an object" : "NULL", err, last_log);
	elf_obj_free(obj);
}

static void expect_fail(const char *what, const struct eb *b, int want, const char *substr)
{
	size_t n = eb_emit(b, img, sizeof(img));
	expect_fail_img(what, img, n, want, substr);
}

/* ------------------------------------------------------------------ */

static void test_base(void)
{
	struct eb b;
	int err;

	eb_base(&b);
	struct elf_obj *obj = open_spec(&b, &err);
	if (!CHECK(obj, "base object opens (err %d, log '%s')", err, last_log))
		return;
	CHECK(!strcmp(obj->name, "t") && !strcmp(obj->license, "GPL") && !obj->btf,
	      "name, license, no BTF");
	CHECK(obj->prog_cnt == 1 && obj->map_cnt == 2, "1 program, 2 maps (%u, %u)", obj->prog_cnt,
	      obj->map_cnt);
	const struct elf_prog *p = &obj->progs[0];
	CHECK(!strcmp(p->name, "prog") && !strcmp(p->sec_name, "xdp") &&
	      p->type == BPF_PROG_TYPE_XDP && p->expected_attach_type == BPF_XDP && p->autoload,
	      "program 'prog' in 'xdp' is XDP");
	CHECK(p->insn_cnt == 10 && p->own_insn_cnt == 7 && p->subprog_cnt == 1 &&
	      !strcmp(p->subprogs[0].name, "sub") && p->subprogs[0].off == 7 &&
	      p->subprogs[0].cnt == 3, "sub appended at 7 (%u insns)", p->insn_cnt);
	CHECK(p->insns[4].imm == 2 && p->insns[4].src_reg == BPF_PSEUDO_CALL,
	      "call rewritten to the copy: imm %d", p->insns[4].imm);
	CHECK(p->insns[7].code == (BPF_ALU64 | BPF_MOV | BPF_X), "sub's code copied");
	CHECK(p->reloc_cnt == 2 && p->relocs[0].insn == 0 && p->relocs[0].kind == ELF_RELOC_MAP &&
	      p->relocs[0].map == 0 && p->relocs[1].insn == 2 &&
	      p->relocs[1].kind == ELF_RELOC_MAP_VALUE && p->relocs[1].map == 1 &&
	      p->relocs[1].off == 4, "relocations: map counters at 0, gvar (.data+4) at 2");
	const struct elf_map *m = &obj->maps[0];
	CHECK(!strcmp(m->name, "counters") && m->kind == ELF_MAP_LEGACY &&
	      m->def.type == BPF_MAP_TYPE_ARRAY && m->def.key_size == 4 && m->def.value_size == 8 &&
	      m->def.max_entries == 4, "legacy map 'counters'");
	m = &obj->maps[1];
	CHECK(!strcmp(m->name, "t.data") && !strcmp(m->real_name, ".data") &&
	      m->kind == ELF_MAP_DATA && m->internal && m->def.value_size == 8 &&
	      m->def.max_entries == 1 && m->def.map_flags == 0 && m->data &&
	      ((uint8_t *)m->data)[4] == 42 && !m->frozen, "internal map 't.data' with its bytes");
	CHECK(obj->var_cnt == 2, "vars counters and gvar (%u)", obj->var_cnt);
	CHECK(elf_obj_find_prog(obj, "prog") == 0 && elf_obj_find_map(obj, "t.data") == 1 &&
	      elf_obj_find_map(obj, "nope") == -1, "lookups");
	elf_obj_free(obj);

	/* the same through a file named like a libbpf skeleton's object */
	char dir[] = "/tmp/bpfx-elf-XXXXXX", path[64];
	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/my_object.bpf.o", dir);
	FILE *f = fopen(path, "wb");
	size_t n = eb_emit(&b, img, sizeof(img));
	if (f) {
		fwrite(img, 1, n, f);
		fclose(f);
	}
	obj = elf_obj_open_file(path, &sink, &err);
	CHECK(obj && !strcmp(obj->name, "my_object") && obj->map_cnt == 2 &&
	      !strcmp(obj->maps[1].name, "my_objec.data"), "open_file names the object after "
	      "the file (maps keep 8 chars of it)");
	elf_obj_free(obj);
	unlink(path);
	obj = elf_obj_open_file(path, &sink, &err);
	CHECK(!obj && err == -ENOENT && strstr(last_log, "cannot open"), "missing file: -ENOENT");
	rmdir(dir);
}

static void test_names(void)
{
	static const struct { const char *obj, *sec, *want; } cases[] = {
		{ "my_object_name", ".rodata", "my_objec.rodata" },
		{ "my_object_name", ".bss", "my_objec.bss" },
		{ "my_object_name", ".kconfig", "my_obje.kconfig" },
		{ "my_object_name", ".rodata.abracadabra", ".rodata.abracad" },
		{ "my_object_name", ".data.custom", ".data.custom" },
		{ "x", ".data", "x.data" },
		{ "a-b+c", ".rodata", "a_b_c.rodata" },
		{ "prog", ".rodata.str1.1", ".rodata.str1.1" },
		{ "", ".bss", ".bss" },
	};
	char name[ELF_OBJ_NAME_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		elf_internal_map_name(cases[i].obj, cases[i].sec, name);
		CHECK(!strcmp(name, cases[i].want), "internal map name of %s in %s: '%s', want '%s'",
		      cases[i].sec, cases[i].obj, name, cases[i].want);
	}
	static const struct { const char *path, *want; } paths[] = {
		{ "/a/b/xdp_parser.bpf.o", "xdp_parser" }, { "prog.o", "prog" },
		{ "dir.d/global_variables.o", "global_variable" }, { "/x/.hidden.o", "" },
		{ "noext", "noext" },
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		elf_obj_name_from_path(paths[i].path, name);
		CHECK(!strcmp(name, paths[i].want), "object name of %s: '%s', want '%s'",
		      paths[i].path, name, paths[i].want);
	}
}

/* What SEC() names mean (libbpf's table). */
static const struct {
	const char *sec;
	int type, attach;
	uint32_t flags;
	const char *target;
	bool btf;
} sec_cases[] = {
	{ "xdp", BPF_PROG_TYPE_XDP, BPF_XDP, 0, NULL, false },
	{ "xdp.frags", BPF_PROG_TYPE_XDP, BPF_XDP, BPF_F_XDP_HAS_FRAGS, NULL, false },
	{ "xdp/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, 0, NULL, false },
	{ "xdp.frags/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, BPF_F_XDP_HAS_FRAGS, NULL, 0 },
	{ "tc", BPF_PROG_TYPE_SCHED_CLS, 0, 0, NULL, false },
	{ "tc/ingress", BPF_PROG_TYPE_SCHED_CLS, 46, 0, NULL, false },
	{ "tcx/egress", BPF_PROG_TYPE_SCHED_CLS, 47, 0, NULL, false },
	{ "classifier", BPF_PROG_TYPE_SCHED_CLS, 0, 0, NULL, false },
	{ "action", BPF_PROG_TYPE_SCHED_ACT, 0, 0, NULL, false },
	{ "socket", BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, NULL, false },
	{ "sk_reuseport/migrate", BPF_PROG_TYPE_SK_REUSEPORT,
	  BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0, NULL, false },
	{ "tp/syscalls/sys_enter_execve", BPF_PROG_TYPE_TRACEPOINT, 0, 0,
	  "syscalls/sys_enter_execve", false },
	{ "tracepoint/sched/sched_switch", BPF_PROG_TYPE_TRACEPOINT, 0, 0,
	  "sched/sched_switch", false },
	{ "tracepoint", BPF_PROG_TYPE_TRACEPOINT, 0, 0, NULL, false },
	{ "raw_tp/sys_enter", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, "sys_enter", false },
	{ "raw_tracepoint.w/x", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0, "x", false },
	{ "tp_btf/sched_switch", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, 0, "sched_switch", 1 },
	{ "kprobe/do_unlinkat", BPF_PROG_TYPE_KPROBE, 0, 0, "do_unlinkat", false },
	{ "kretprobe/do_unlinkat", BPF_PROG_TYPE_KPROBE, 0, 0, "do_unlinkat", false },
	{ "kprobe.multi/tcp_*", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0, "tcp_*", 0 },
	{ "uprobe//bin/sh:main", BPF_PROG_TYPE_KPROBE, 0, 0, "/bin/sh:main", false },
	{ "uretprobe.s/libc.so.6:malloc", BPF_PROG_TYPE_KPROBE, 0, BPF_F_SLEEPABLE,
	  "libc.so.6:malloc", false },
	{ "usdt/libc:probe", BPF_PROG_TYPE_KPROBE, 0, 0, "libc:probe", false },
	{ "usdt", BPF_PROG_TYPE_KPROBE, 0, 0, NULL, false },
	{ "sockops", BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, 0, NULL, false },
	{ "sk_skb/stream_parser", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER, 0, NULL, 0 },
	{ "sk_skb/stream_verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT, 0, NULL, 0 },
	{ "sk_skb", BPF_PROG_TYPE_SK_SKB, 0, 0, NULL, false },
	{ "sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, 0, NULL, false },
	{ "cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0, NULL, 0 },
	{ "cgroup/connect6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, 0, NULL,
	  false },
	{ "cgroup/getsockname_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, 53, 0, NULL, false },
	{ "cgroup/setsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 0, NULL, 0 },
	{ "cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0, NULL, 0 },
	{ "cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB, 0, 0, NULL, false },
	{ "lsm/file_open", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, 0, "file_open", true },
	{ "lsm.s/bprm_check_security", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, BPF_F_SLEEPABLE,
	  "bprm_check_security", true },
	{ "fentry/do_unlinkat", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 0, "do_unlinkat", 1 },
	{ "fexit/x", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, 0, "x", true },
	{ "fmod_ret/x", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, 0, "x", true },
	{ "fentry", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 0, NULL, true },
	{ "iter/task", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, 0, "task", true },
	{ "freplace/f", BPF_PROG_TYPE_EXT, 0, 0, "f", true },
	{ "perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, 0, NULL, false },
	{ "syscall", BPF_PROG_TYPE_SYSCALL, 0, BPF_F_SLEEPABLE, NULL, false },
	{ "struct_ops/tcp_init", BPF_PROG_TYPE_STRUCT_OPS, 0, 0, "tcp_init", false },
	{ "flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, 0, NULL, false },
	{ "lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, 0, NULL, false },
	{ "sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, 0, NULL, false },
	{ "netfilter", 32, 45, 0, NULL, false },
};

static void test_sec_names(void)
{
	struct elf_sec_def def;

	for (size_t i = 0; i < sizeof(sec_cases) / sizeof(sec_cases[0]); i++) {
		int err = elf_sec_def_find(sec_cases[i].sec, &def);
		bool tgt = sec_cases[i].target ? def.attach_target &&
			   !strcmp(def.attach_target, sec_cases[i].target) : !def.attach_target;
		CHECK(!err && (int)def.type == sec_cases[i].type &&
		      (int)def.expected_attach_type == sec_cases[i].attach &&
		      def.prog_flags == sec_cases[i].flags && tgt && def.attach_btf == sec_cases[i].btf,
		      "section '%s': err %d type %d attach %d flags %u target '%s'", sec_cases[i].sec, err,
		      def.type, def.expected_attach_type, def.prog_flags,
		      def.attach_target ? def.attach_target : "(none)");
	}
	static const char *const unknown[] = { "xdp_foo", "kprobex", "socket/x", "foo", "",
					       "cgroup/unknown", "tc/other", "sk_msg/x" };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		CHECK(elf_sec_def_find(unknown[i], &def) == -ENOENT, "'%s' is unknown", unknown[i]);
	CHECK(!strcmp(elf_prog_type_str(BPF_PROG_TYPE_SCHED_CLS), "sched_cls") &&
	      !strcmp(elf_map_type_str(BPF_MAP_TYPE_LRU_HASH), "lru_hash") &&
	      !strcmp(elf_attach_type_str(BPF_CGROUP_INET4_CONNECT), "cgroup_inet4_connect") &&
	      !elf_prog_type_str(999) && !elf_map_type_str(999) && !elf_attach_type_str(999),
	      "bpftool's type names");
	/* bpftool's `prog load ... type TYPE`: a section name, else with '/'. */
	enum bpf_prog_type t = 0;
	enum bpf_attach_type a = 0;
	CHECK(!bpfx_prog_type_by_name("xdp", &t, &a) && t == BPF_PROG_TYPE_XDP && a == BPF_XDP,
	      "type xdp: %d %d", t, a);
	CHECK(!bpfx_prog_type_by_name("cgroup/connect4", &t, &a) &&
	      t == BPF_PROG_TYPE_CGROUP_SOCK_ADDR && a == BPF_CGROUP_INET4_CONNECT,
	      "type cgroup/connect4: %d %d", t, a);
	CHECK(!bpfx_prog_type_by_name("kprobe", &t, &a) && t == BPF_PROG_TYPE_KPROBE,
	      "type kprobe: %d", t);
	CHECK(bpfx_prog_type_by_name("nosuch", &t, &a) == -ESRCH &&
	      bpfx_prog_type_by_name("", &t, &a) == -EINVAL, "unknown and empty type names");
}

/* ------------------------------------------------------------------ */
/* Broken objects                                                       */
/* ------------------------------------------------------------------ */

static void test_truncation(void)
{
	struct eb b;
	uint8_t full[8192];
	unsigned bad = 0;

	eb_base(&b);
	size_t n = eb_emit(&b, full, sizeof(full));
	for (size_t len = 0; len < n; len++) {
		int err = 0;
		struct elf_obj *obj = open_img(full, len, &err);
		if (obj || (err != -EINVAL && err != -ENOEXEC) || !last_log[0])
			if (bad++ < 3)
				fprintf(stderr, "truncated to %zu: %p err %d log '%s'\n", len,
					(void *)obj, err, last_log);
		elf_obj_free(obj);
	}
	CHECK(bad == 0, "every truncation of the %zu-byte object is refused with a reason "
	      "(%u were not)", n, bad);
}

static void test_headers(void)
{
	struct eb b;
	size_t n;

	eb_base(&b);
	n = eb_emit(&b, img, sizeof(img));
	eb_ehdr(img)->e_machine = 62; /* EM_X86_64 */
	expect_fail_img("e_machine x86-64", img, n, -ENOEXEC, "not an eBPF object");
	n = eb_emit(&b, img, sizeof(img));
	eb_ehdr(img)->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_fail_img("big endian", img, n, -ENOEXEC, "not a little-endian");
	n = eb_emit(&b, img, sizeof(img));
	eb_ehdr(img)->e_ident[EI_CLASS] = ELFCLASS32;
	expect_fail_img("32-bit class", img, n, -ENOEXEC, "not a 64-bit");
	n = eb_emit(&b, img, sizeof(img));
	eb_ehdr(img)->e_type = ET_EXEC;
	expect_fail_img("ET_EXEC", img, n, -ENOEXEC, "not a relocatable");
	n = eb_emit(&b, img, sizeof(img));
	img[1] = 'X';
	expect_fail_img("bad magic", img, n, -ENOEXEC, "not an ELF file");
	n = eb_emit(&b, img, sizeof(img));
	eb_ehdr(img)->e_shstrndx = 60;
	expect_fail_img("shstrndx out of range", img, n, -EINVAL, "section name table");
	n = eb_emit(&b, img, sizeof(img));
	eb_ehdr(img)->e_shoff = n + 4096;
	expect_fail_img("section headers past the end", img, n, -EINVAL, "");
	expect_fail_img("empty", img, 0, -ENOEXEC, "not an ELF file");
}

static void test_sections(void)
{
	struct eb b;
	size_t n;

	eb_base(&b);
	n = eb_emit(&b, img, sizeof(img));
	eb_shdr(img, EB_TEXT)->sh_offset = 1u << 30;
	expect_fail_img("section offset past the end", img, n, -EINVAL,
			"section '.text': offset 1073741824 + size 24 is past the end");
	n = eb_emit(&b, img, sizeof(img));
	eb_shdr(img, EB_XDP)->sh_size = UINT64_MAX - 8;
	expect_fail_img("huge sh_size", img, n, -EINVAL, "section 'xdp': offset");
	n = eb_emit(&b, img, sizeof(img));
	eb_shdr(img, EB_XDP)->sh_name = 100000;
	expect_fail_img("section name out of range", img, n, -EINVAL, "name offset 100000");
	n = eb_emit(&b, img, sizeof(img));
	eb_shdr(img, EB_RELXDP)->sh_entsize = 24;
	expect_fail_img("REL entry size", img, n, -EINVAL, "section '.relxdp': entry size 24");
	n = eb_emit(&b, img, sizeof(img));
	eb_shdr(img, EB_RELXDP)->sh_info = 70;
	expect_fail_img("REL target", img, n, -EINVAL, "applies to section 70");
	n = eb_emit(&b, img, sizeof(img));
	eb_shdr(img, EB_BTF)->sh_type = SHT_SYMTAB;
	expect_fail_img("two symbol tables", img, n, -EINVAL, "more than one symbol table");
	n = eb_emit(&b, img, sizeof(img));
	eb_shdr(img, EB_SYMTAB)->sh_type = SHT_PROGBITS;
	expect_fail_img("relocations without a symbol table", img, n, -EINVAL,
			"section '.relxdp': symbol table 8 is not the object's");
	eb_shdr(img, EB_RELXDP)->sh_type = SHT_PROGBITS;
	expect_fail_img("no symbol table", img, n, -EINVAL, "no symbol table");
	n = eb_emit(&b, img, sizeof(img));
	eb_shdr(img, EB_SYMTAB)->sh_link = EB_TEXT;
	expect_fail_img("symtab's strtab not a string table", img, n, -EINVAL, "string table 2");

	eb_base(&b);
	b.prog[b.nprog++] = EB_INSN(0, 0, 0, 0, 0);
	b.sym[EB_SYM_PROG].st_size += 8;
	size_t m = eb_emit(&b, img, sizeof(img));
	eb_shdr(img, EB_XDP)->sh_size -= 3;
	expect_fail_img("code size not a multiple of 8", img, m, -EINVAL,
			"section 'xdp': size 61 is not a multiple of 8");
	eb_base(&b);
	b.sec_name[EB_XDP] = "foo";
	expect_fail("unknown program section", &b, -EINVAL,
		    "section 'foo': program 'prog': unknown program type");
	eb_base(&b);
	b.version_size = 3;
	expect_fail("version size", &b, -EINVAL, "section 'version': size 3, expected 4");
	b.version_size = 4;
	int err;
	struct elf_obj *obj = open_spec(&b, &err);
	CHECK(obj && obj->kern_version == 0x060100, "kernel version 0x%x", obj ? obj->kern_version : 0);
	elf_obj_free(obj);
	eb_base(&b);
	b.nmaps = 21;
	b.sym[b.nsym] = eb_sym(STT_OBJECT, STB_GLOBAL, EB_MAPS, 10, 10);
	b.sym_name[b.nsym++] = "counters2";
	expect_fail("legacy maps size", &b, -EINVAL, "2 maps in 21 bytes");
	eb_base(&b);
	b.nmaps = 24;
	b.maps[22] = 1;
	expect_fail("legacy map extra fields", &b, -EINVAL, "'counters' has unknown non-zero fields");
	b.maps[22] = 0;
	obj = open_spec(&b, &err);
	CHECK(obj && obj->maps[0].def.max_entries == 4, "longer legacy definition, zero tail");
	elf_obj_free(obj);
	eb_base(&b);
	b.nbtf = 10;
	expect_fail("malformed .BTF", &b, -EINVAL, "section '.BTF': BTF header");
}

static void test_symbols(void)
{
	struct eb b;

	eb_base(&b);
	b.sym_name[EB_SYM_GVAR] = NULL;
	b.sym[EB_SYM_GVAR].st_name = 99999;
	expect_fail("symbol name out of range", &b, -EINVAL, "symbol 7: name offset 99999");
	eb_base(&b);
	b.sym[EB_SYM_GVAR].st_shndx = 50;
	expect_fail("symbol in a missing section", &b, -EINVAL, "symbol 7 'gvar': section 50 of");
	eb_base(&b);
	b.sym[EB_SYM_SUB].st_value = 4;
	expect_fail("misaligned function", &b, -EINVAL, "function 'sub' at offset 4 size 24");
	eb_base(&b);
	b.sym[EB_SYM_PROG].st_size = 64;
	expect_fail("function past its section", &b, -EINVAL, "function 'prog' at offset 0 size 64");
	eb_base(&b);
	b.sym[EB_SYM_PROG].st_size = 0;
	expect_fail("empty function", &b, -EINVAL, "is misaligned, empty or outside");
	eb_base(&b);
	b.sym[b.nsym] = eb_sym(STT_FUNC, STB_GLOBAL, EB_XDP, 8, 16);
	b.sym_name[b.nsym++] = "overlap";
	expect_fail("overlapping functions", &b, -EINVAL, "functions 'prog' and 'overlap' overlap");
	eb_base(&b);
	b.sym[EB_SYM_PROG].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE);
	int err;
	struct elf_obj *obj = open_spec(&b, &err);
	CHECK(obj && obj->prog_cnt == 0, "code without a function symbol is no program (%d)", err);
	elf_obj_free(obj);
	eb_base(&b);
	b.sym[b.nsym] = eb_sym(STT_NOTYPE, STB_GLOBAL, SHN_UNDEF, 0, 0);
	b.sym_name[b.nsym++] = "some_extern";
	b.rel[1] = eb_rel(16, (uint32_t)b.nsym - 1, 1);
	expect_fail("extern without BTF", &b, -EINVAL, "extern 'some_extern': externs need BTF");
}

static void test_relocations(void)
{
	struct eb b;

	eb_base(&b);
	b.rel[1] = eb_rel(16, 99, 1);
	expect_fail("relocation symbol out of range", &b, -EINVAL,
		    "relocation 1 in '.relxdp' points at symbol 99 of 8");
	eb_base(&b);
	b.rel[2] = eb_rel(56, EB_SYM_SUB, 10);
	expect_fail("relocation past the section", &b, -EINVAL,
		    "relocation 2 in '.relxdp': offset 56 is not an instruction of 'xdp'");
	eb_base(&b);
	b.rel[2] = eb_rel(33, EB_SYM_SUB, 10);
	expect_fail("relocation not 8-aligned", &b, -EINVAL, "offset 33 is not an instruction");
	eb_base(&b);
	b.rel[0] = eb_rel(0, EB_SYM_COUNTERS, 2);
	expect_fail("lddw with ABS64", &b, -EINVAL, "an lddw needs an R_BPF_64_64 relocation");
	eb_base(&b);
	b.rel[2] = eb_rel(32, EB_SYM_SUB, 1);
	expect_fail("call with 64_64", &b, -EINVAL, "a call needs an R_BPF_64_32 relocation");
	eb_base(&b);
	b.rel[2] = eb_rel(40, EB_SYM_SUB, 10);
	expect_fail("relocation on a mov", &b, -EINVAL, "neither a call nor an lddw");
	eb_base(&b);
	b.rel[1] = eb_rel(8, EB_SYM_GVAR, 1);
	expect_fail("relocation on lddw's second half", &b, -EINVAL, "neither a call nor an lddw");
	eb_base(&b);
	b.prog[2].imm = 100;
	expect_fail("data offset out of range", &b, -EINVAL, "offset outside the global data");
	eb_base(&b);
	b.sym[EB_SYM_COUNTERS].st_value = 8;
	expect_fail("legacy map past its section", &b, -EINVAL,
		    "map 'counters' at offset 8 runs past the section (20 bytes)");
	eb_base(&b);
	b.sym[b.nsym] = eb_sym(STT_SECTION, STB_LOCAL, EB_MAPS, 4, 0);
	b.rel[0] = eb_rel(0, (uint32_t)b.nsym++, 1);
	expect_fail("no map there", &b, -EINVAL, "no map at that offset");
	eb_base(&b);
	b.rel[2] = eb_rel(32, 3, 10);
	expect_fail("call into .data", &b, -EINVAL, "call target is not in a code section");
	eb_base(&b);
	b.rel[2] = eb_rel(32, EB_SYM_SUB, 10);
	b.rel[3] = eb_rel(32, EB_SYM_SUB, 10);
	b.nrel = 4;
	expect_fail("two relocations on one insn", &b, -EINVAL, "both apply to insn 4");
	eb_base(&b);
	b.rel[1] = eb_rel(16, 1, 1);
	expect_fail("lddw of an ABS symbol", &b, -EINVAL, "special section");
	eb_base(&b);
	b.prog[b.nprog] = EB_INSN(BPF_LD | BPF_IMM | BPF_DW, 3, 0, 0, 0);
	b.nprog++;
	b.sym[EB_SYM_PROG].st_size = 64;
	b.rel[b.nrel++] = eb_rel(56, EB_SYM_COUNTERS, 1);
	expect_fail("lddw cut in half at the section end", &b, -EINVAL,
		    "lddw is cut in half at the section end");
}

static void test_linking(void)
{
	struct eb b;
	int err;

	eb_base(&b);
	b.rel[2] = eb_rel(32, 2, 10);      /* .text section symbol */
	b.prog[4].imm = 199;               /* target: .text insn 200 */
	expect_fail("call into nowhere", &b, -EINVAL,
		    "call at insn 4 of 'prog' targets insn 200 outside the functions of '.text'");
	eb_base(&b);
	b.nrel = 2;                         /* same-section call, no relocation */
	b.prog[4].imm = 40;
	expect_fail("local call past the section", &b, -EINVAL, "targets insn 45 outside");
	eb_base(&b);
	b.prog[5] = EB_INSN(BPF_JMP | BPF_JA, 0, 0, 5, 0);
	expect_fail("jump out of the function", &b, -EINVAL, "jump at insn 5 of 'prog' leaves");
	eb_base(&b);
	b.prog[6] = EB_INSN(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 0);
	b.prog[7] = EB_INSN(0, 0, 0, 0, 0);
	b.nprog = 8;
	expect_fail("lddw cut at the function end", &b, -EINVAL,
		    "lddw at insn 6 of 'prog' is cut in half at the end of the function");
	eb_base(&b);
	b.prog[5] = EB_INSN(BPF_LD | BPF_IMM | BPF_DW, 0, BPF_PSEUDO_FUNC, 0, 0);
	b.prog[6] = EB_INSN(0, 0, 0, 0, 0);
	b.prog[7] = EB_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	b.nprog = 8;
	b.sym[EB_SYM_PROG].st_size = 64;
	expect_fail("function address without relocation", &b, -EINVAL,
		    "function address at insn 5 of 'prog' has no relocation");

	/* A cycle: prog -> a -> b -> a, b -> b, prog -> prog; each linked once. */
	eb_base(&b);
	b.text[0] = EB_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 2);  /* a: call b */
	b.text[1] = EB_INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	b.text[2] = EB_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	b.text[3] = EB_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -4); /* b: call a */
	b.text[4] = EB_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -2); /* b: call b */
	b.text[5] = EB_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	b.ntext = 6;
	b.sym[EB_SYM_SUB] = eb_sym(STT_FUNC, STB_LOCAL, EB_TEXT, 0, 24);
	b.sym_name[EB_SYM_SUB] = "a";
	b.sym[b.nsym] = eb_sym(STT_FUNC, STB_LOCAL, EB_TEXT, 24, 24);
	b.sym_name[b.nsym++] = "b";
	b.prog[5] = EB_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -6);  /* prog: call prog */
	struct elf_obj *obj = open_spec(&b, &err);
	if (!CHECK(obj, "cyclic calls link (err %d, '%s')", err, last_log))
		return;
	const struct elf_prog *p = &obj->progs[0];
	CHECK(p->insn_cnt == 13 && p->subprog_cnt == 2 && !strcmp(p->subprogs[0].name, "a") &&
	      p->subprogs[0].off == 7 && !strcmp(p->subprogs[1].name, "b") &&
	      p->subprogs[1].off == 10, "a at 7, b at 10, each once (%u insns)", p->insn_cnt);
	CHECK(p->insns[4].imm == 2 && p->insns[5].imm == -6 && p->insns[7].imm == 2 &&
	      p->insns[10].imm == -4 && p->insns[11].imm == -2,
	      "calls point at the copies: %d %d %d %d %d", p->insns[4].imm, p->insns[5].imm,
	      p->insns[7].imm, p->insns[10].imm, p->insns[11].imm);
	elf_obj_free(obj);

	/* A callback: lddw of a .text function becomes BPF_PSEUDO_FUNC. */
	eb_base(&b);
	b.rel[1] = eb_rel(16, 2, 1);       /* .text section symbol, imm 0: sub */
	obj = open_spec(&b, &err);
	if (CHECK(obj, "function address links (err %d, '%s')", err, last_log))
		CHECK(obj->progs[0].insns[2].src_reg == BPF_PSEUDO_FUNC &&
		      obj->progs[0].insns[2].imm == 4 && obj->progs[0].reloc_cnt == 1,
		      "lddw of sub: src %u imm %d", obj->progs[0].insns[2].src_reg,
		      obj->progs[0].insns[2].imm);
	elf_obj_free(obj);
}

/* ------------------------------------------------------------------ */
/* BTF-defined maps and externs (BTF built with btf_build.h)            */
/* ------------------------------------------------------------------ */

static struct bb bb;

enum { MAPS_OK, MAPS_UNKNOWN_FIELD, MAPS_STATIC, MAPS_NO_TYPE, MAPS_KEY_CONFLICT, MAPS_VALUES };

/* A .maps object: `counters` is { type: ARRAY, max_entries: 4, key: int,
 * value: int } plus what `variant` changes. */
static void btf_maps_object(struct eb *b, int variant)
{
	bb_init(&bb);
	uint32_t i32 = bb_int(&bb, "int", 4, BTF_INT_SIGNED, 32);
	uint32_t a2 = bb_array(&bb, i32, i32, BPF_MAP_TYPE_ARRAY);
	uint32_t a4 = bb_array(&bb, i32, i32, 4);
	uint32_t a8 = bb_array(&bb, i32, i32, 8);
	uint32_t p2 = bb_ref(&bb, BTF_KIND_PTR, NULL, a2);
	uint32_t p4 = bb_ref(&bb, BTF_KIND_PTR, NULL, a4);
	uint32_t p8 = bb_ref(&bb, BTF_KIND_PTR, NULL, a8);
	uint32_t pi = bb_ref(&bb, BTF_KIND_PTR, NULL, i32);
	uint32_t a0 = bb_array(&bb, pi, i32, 0);
	bool extra = variant == MAPS_UNKNOWN_FIELD || variant == MAPS_KEY_CONFLICT ||
		     variant == MAPS_VALUES;
	uint32_t st = bb_struct(&bb, BTF_KIND_STRUCT, NULL, 0, extra ? 5 : 4, 40);
	bb_member(&bb, variant == MAPS_NO_TYPE ? "max_entries" : "type", p2, 0);
	bb_member(&bb, "max_entries", p4, 64);
	bb_member(&bb, "key", pi, 128);
	bb_member(&bb, "value", pi, 192);
	if (variant == MAPS_UNKNOWN_FIELD)
		bb_member(&bb, "colour", p4, 256);
	if (variant == MAPS_KEY_CONFLICT)
		bb_member(&bb, "key_size", p8, 256);
	if (variant == MAPS_VALUES)
		bb_member(&bb, "values", a0, 256);
	uint32_t var = bb_var(&bb, "counters", st, variant == MAPS_STATIC ? 0 : 1);
	bb_datasec(&bb, ".maps", 1, 0);
	bb_secinfo(&bb, var, 0, 40);
	eb_base(b);
	b->nbtf = bb_blob(&bb, b->btf, sizeof(b->btf));
	b->sec_name[EB_MAPS] = ".maps";
	memset(b->maps, 0, sizeof(b->maps));
	b->nmaps = 40;
	b->sym[EB_SYM_COUNTERS].st_size = 40;
}

static void test_btf_maps(void)
{
	struct eb b;
	int err;

	btf_maps_object(&b, MAPS_OK);
	struct elf_obj *obj = open_spec(&b, &err);
	if (CHECK(obj, "BTF-defined map (err %d, '%s')", err, last_log)) {
		const struct elf_map *m = &obj->maps[0];
		CHECK(!strcmp(m->name, "counters") && m->kind == ELF_MAP_BTF &&
		      m->def.type == BPF_MAP_TYPE_ARRAY && m->def.max_entries == 4 &&
		      m->def.key_size == 4 && m->def.value_size == 4 && m->def.btf_key_type_id == 1 &&
		      m->def.btf_value_type_id == 1 && obj->progs[0].relocs[0].map == 0,
		      "counters: array, 4 entries, int -> int");
	}
	elf_obj_free(obj);
	btf_maps_object(&b, MAPS_UNKNOWN_FIELD);
	expect_fail("unknown map field", &b, -EOPNOTSUPP, "map 'counters': unknown field 'colour'");
	btf_maps_object(&b, MAPS_STATIC);
	expect_fail("static map", &b, -EOPNOTSUPP, "map 'counters' is not a global variable");
	btf_maps_object(&b, MAPS_NO_TYPE);
	expect_fail("no map type", &b, -EINVAL, "map 'counters': no map type");
	btf_maps_object(&b, MAPS_KEY_CONFLICT);
	expect_fail("key size conflict", &b, -EINVAL, "conflicting key_size 4 != 8");
	btf_maps_object(&b, MAPS_VALUES);
	expect_fail("values of an array", &b, -EOPNOTSUPP, "'values' needs a map of maps");
	btf_maps_object(&b, MAPS_OK);
	b.nbtf = 0;
	expect_fail(".maps without BTF", &b, -EINVAL, "map definitions need BTF");
}

/* Externs CONFIG_A (int), CONFIG_B (long long), CONFIG_C (bool) in
 * .kconfig; the program loads &CONFIG_B. bad: CONFIG_C is a struct. */
static void kconfig_object(struct eb *b, bool bad)
{
	bb_init(&bb);
	uint32_t i32 = bb_int(&bb, "int", 4, BTF_INT_SIGNED, 32);
	uint32_t i64 = bb_int(&bb, "long long", 8, BTF_INT_SIGNED, 64);
	uint32_t bl = bb_int(&bb, "_Bool", 1, BTF_INT_BOOL, 8);
	uint32_t st = bb_struct(&bb, BTF_KIND_STRUCT, "s", 0, 0, 4);
	uint32_t va = bb_var(&bb, "CONFIG_A", i32, BTF_VAR_GLOBAL_EXTERN);
	uint32_t vb = bb_var(&bb, "CONFIG_B", i64, BTF_VAR_GLOBAL_EXTERN);
	uint32_t vc = bb_var(&bb, "CONFIG_C", bad ? st : bl, BTF_VAR_GLOBAL_EXTERN);
	bb_datasec(&bb, ".kconfig", 3, 0);
	bb_secinfo(&bb, va, 0, 4);
	bb_secinfo(&bb, vb, 0, 8);
	bb_secinfo(&bb, vc, 0, 1);
	eb_base(b);
	b->nbtf = bb_blob(&bb, b->btf, sizeof(b->btf));
	static const char *const names[] = { "CONFIG_A", "CONFIG_B", "CONFIG_C" };
	for (int i = 0; i < 3; i++) {
		b->sym[b->nsym] = eb_sym(STT_NOTYPE, i == 2 ? STB_WEAK : STB_GLOBAL, SHN_UNDEF, 0, 0);
		b->sym_name[b->nsym++] = names[i];
	}
	b->rel[1] = eb_rel(16, EB_BASE_SYMS + 1, 1);
}

static void test_kconfig(void)
{
	struct eb b;
	int err;

	kconfig_object(&b, false);
	struct elf_obj *obj = open_spec(&b, &err);
	if (CHECK(obj, ".kconfig externs (err %d, '%s')", err, last_log)) {
		int k = obj->kconfig_map;
		const struct elf_extern *e = obj->externs;
		CHECK(obj->extern_cnt == 3 && !strcmp(e[0].name, "CONFIG_B") && e[0].kcfg_off == 0 &&
		      !strcmp(e[1].name, "CONFIG_A") && e[1].kcfg_off == 8 &&
		      !strcmp(e[2].name, "CONFIG_C") && e[2].kcfg_off == 12 && e[2].is_weak,
		      "layout: B at 0, A at 8, C at 12 (weak)");
		CHECK(k >= 0 && !strcmp(obj->maps[k].name, "t.kconfig") &&
		      obj->maps[k].kind == ELF_MAP_KCONFIG && obj->maps[k].def.value_size == 13 &&
		      obj->maps[k].frozen && (obj->maps[k].def.map_flags & BPF_F_RDONLY_PROG),
		      "kconfig map t.kconfig, 13 bytes, read-only, frozen");
		const struct elf_reloc *r = &obj->progs[0].relocs[1];
		CHECK(r->kind == ELF_RELOC_MAP_VALUE && r->map == k && r->off == 0 && r->ext == 0,
		      "lddw &CONFIG_B: value of the kconfig map at 0");
	}
	elf_obj_free(obj);
	kconfig_object(&b, true);
	expect_fail("kconfig struct", &b, -EOPNOTSUPP, "extern 'CONFIG_C': unsupported .kconfig type");
}

/* ------------------------------------------------------------------ */
/* Allocation failures, compiled objects                                */
/* ------------------------------------------------------------------ */



static void alloc_failures(const char *what, const uint8_t *p, size_t n)
{
	int err;
	long bad = 0;

	bpfx_set_allocator(t_failing_realloc, NULL);
	t_fail_at = -1;
	t_alloc_count = t_alloc_live = 0;
	struct elf_obj *obj = open_img(p, n, &err);
	long total = t_alloc_count;
	elf_obj_free(obj);
	CHECK(obj && t_alloc_live == 0, "%s: opens with %ld allocations, frees them all", what, total);
	for (long i = 0; i < total; i++) {
		t_fail_at = i;
		t_alloc_count = t_alloc_live = 0;
		obj = open_img(p, n, &err);
		if ((obj || err != -ENOMEM || t_alloc_live) && bad++ < 3)
			fprintf(stderr, "%s: allocation %ld failing: %p err %d, %ld blocks left\n",
				what, i, (void *)obj, err, t_alloc_live);
		elf_obj_free(obj);
	}
	bpfx_set_allocator(NULL, NULL);
	CHECK(bad == 0, "%s: each of %ld allocations failing gives -ENOMEM and leaks nothing",
	      what, total);
}

static void test_alloc_failures(void)
{
	struct eb b;
	size_t n;

	eb_base(&b);
	n = eb_emit(&b, img, sizeof(img));
	alloc_failures("base object", img, n);
	btf_maps_object(&b, MAPS_OK);
	n = eb_emit(&b, img, sizeof(img));
	alloc_failures("BTF maps object", img, n);
	kconfig_object(&b, false);
	n = eb_emit(&b, img, sizeof(img));
	alloc_failures("kconfig object", img, n);
}

/* What every description must satisfy. */
static bool consistent(const struct elf_obj *o)
{
	for (uint32_t i = 0; i < o->prog_cnt; i++) {
		const struct elf_prog *p = &o->progs[i];
		for (uint32_t r = 0; r < p->reloc_cnt; r++) {
			const struct elf_reloc *x = &p->relocs[r];
			uint8_t code = x->insn < p->insn_cnt ? p->insns[x->insn].code : 0;
			if ((r && x->insn <= p->relocs[r - 1].insn) || x->map >= (int)o->map_cnt ||
			    x->ext >= (int)o->extern_cnt || (code != (BPF_LD | BPF_IMM | BPF_DW) &&
							     code != (BPF_JMP | BPF_CALL)))
				return false;
		}
		for (uint32_t s = 0; s < p->subprog_cnt; s++)
			if ((uint64_t)p->subprogs[s].off + p->subprogs[s].cnt > p->insn_cnt)
				return false;
		for (uint32_t k = 0; k < p->func_info_cnt; k++)
			if (p->func_info[k].insn_off >= p->insn_cnt)
				return false;
	}
	for (uint32_t i = 0; i < o->map_cnt; i++)
		for (uint32_t s = 0; s < o->maps[i].slot_cnt; s++)
			if (o->maps[i].slots[s].target < 0)
				return false;
	return true;
}

static void test_compiled_objects(void)
{
	const char *build = getenv("BUILD");
	char pattern[512];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/tests/elf/*/*.o", build ? build : "build");
	if (glob(pattern, 0, NULL, &g) || g.gl_pathc == 0) {
		t_skip("no compiled objects in %s (tests/suites/elf.sh builds them)", pattern);
		return;
	}
	unsigned opened = 0, bad_trunc = 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		size_t n;
		char *p = t_read_file(g.gl_pathv[i], &n);
		int err;
		struct elf_obj *obj = p ? open_img((uint8_t *)p, n, &err) : NULL;
		CHECK(obj && consistent(obj), "%s opens and is consistent (err %d, '%s')",
		      g.gl_pathv[i], obj ? 0 : err, last_log);
		opened += obj != NULL;
		elf_obj_free(obj);
		for (size_t len = 0; p && len < n; len += len < 512 ? 1 : 61) {
			obj = open_img((uint8_t *)p, len, &err);
			bad_trunc += obj || !last_log[0];
			elf_obj_free(obj);
		}
		if (p && i < 3)
			alloc_failures(g.gl_pathv[i], (uint8_t *)p, n);
		free(p);
	}
	CHECK(bad_trunc == 0, "truncated compiled objects are refused with a reason (%u not)",
	      bad_trunc);
	printf("elf: %u compiled objects opened\n", opened);
	globfree(&g);
}

int main(void)
{
	test_base();
	test_names();
	test_sec_names();
	test_truncation();
	test_headers();
	test_sections();
	test_symbols();
	test_relocations();
	test_linking();
	test_btf_maps();
	test_kconfig();
	test_alloc_failures();
	test_compiled_objects();
	return t_done("elf");
}
