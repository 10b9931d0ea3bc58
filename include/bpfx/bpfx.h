/* SPDX-License-Identifier: MIT */
/*
 * bpfx: the Linux eBPF system, in user space.
 *
 * The public API. Everything a tool or an embedding application may use is
 * declared here; everything else is internal. Conventions:
 *   - functions returning int return 0 (or a count) on success and a
 *     negative errno on failure;
 *   - functions returning a pointer return NULL on failure and store the
 *     negative errno in *err when err is not NULL;
 *   - every constructor has a NULL-safe destructor;
 *   - options structs start with `sz` (set it to sizeof the struct) so they
 *     can grow without breaking callers; a zeroed field means "default".
 */
#ifndef BPFX_BPFX_H
#define BPFX_BPFX_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Logging                                                              */
/* ------------------------------------------------------------------ */

enum bpfx_log_level {
	BPFX_LOG_ERROR = 0,
	BPFX_LOG_WARN = 1,
	BPFX_LOG_INFO = 2,
	BPFX_LOG_DEBUG = 3,
};

/* Receives one diagnostic line (no trailing newline). The library never
 * prints; without a callback, diagnostics are dropped. */
typedef void (*bpfx_log_fn)(void *ctx, enum bpfx_log_level level, const char *msg);

/* ------------------------------------------------------------------ */
/* Allocation                                                           */
/* ------------------------------------------------------------------ */

/* Every allocation of the library goes through this hook (realloc
 * semantics: ptr NULL allocates, size 0 frees). NULL restores the
 * default. Not thread-safe against concurrent allocation: set it once,
 * before using the library. */
typedef void *(*bpfx_realloc_fn)(void *ptr, size_t size, void *ctx);
void bpfx_set_allocator(bpfx_realloc_fn fn, void *ctx);

/* ------------------------------------------------------------------ */
/* The instruction set                                                  */
/* ------------------------------------------------------------------ */

/* The kernel's limit on program length (privileged). */
#define BPFX_MAX_INSNS 1000000u

/* Where and why a program is not a valid instruction sequence. */
struct bpfx_isa_diag {
	int insn;          /* index of the first invalid instruction, -1 if none */
	char msg[160];     /* the reason, e.g. "unknown opcode 0xff" */
};

/* Checks that insns[0..cnt) is a well-formed program: known opcodes,
 * registers in range (and r10 never written), reserved fields zero, jumps
 * and calls inside the program and never into the second half of lddw,
 * lddw complete, the last instruction an exit or a jump.
 * Returns 0, or -EINVAL (-E2BIG for more than BPFX_MAX_INSNS) and fills diag. */
int bpfx_isa_check(const struct bpf_insn *insns, size_t cnt, struct bpfx_isa_diag *diag);

enum bpfx_syntax {
	BPFX_SYNTAX_BPFTOOL = 0,   /* r0 = *(u32 *)(r1 +4), if r1 s> r2 goto pc+3 */
	BPFX_SYNTAX_LLVM = 1,      /* r0 = *(u32 *)(r1 + 0x4), if r1 s> r2 goto +0x3 */
};

/* Writes the text of the instruction at insns[idx] (no index prefix, no
 * newline) into buf, truncated to buf_sz. Returns the number of slots the
 * instruction takes (1, or 2 for lddw), or -EINVAL for an instruction that
 * does not decode (buf then holds "invalid insn ..."). `cnt` bounds the
 * read of lddw's second slot. */
int bpfx_disasm_insn(const struct bpf_insn *insns, size_t cnt, size_t idx,
		     enum bpfx_syntax syntax, char *buf, size_t buf_sz);

/* A whole program, one instruction per line, bpftool style:
 * "   0: (b7) r0 = 0". Returns a malloc'd string the caller frees with
 * free(), or NULL (and *err). `opcodes` adds the raw bytes of each insn. */
char *bpfx_disasm(const struct bpf_insn *insns, size_t cnt, enum bpfx_syntax syntax,
		  bool opcodes, int *err);

/* Assembles text in the bpftool syntax (what bpfx_disasm prints, with or
 * without the "N: (op)" prefixes and opcode-byte lines; labels "name:" and
 * `goto name` are also accepted; `;`, `//` and `#` at a line's start or
 * after a blank start comments). `rN = 0x...` (unsigned hex) is an lddw, as
 * the kernel prints lddw; a decimal or negative value is a mov, and a
 * trailing `ll` forces lddw. On success returns 0 and stores a malloc'd
 * array (free() it) and its length. On failure returns -EINVAL (-ENOMEM)
 * and describes the first error in diag: diag->insn is the 1-based source
 * line, diag->msg the reason without the line number. */
int bpfx_asm(const char *text, struct bpf_insn **insns, size_t *cnt,
	     struct bpfx_isa_diag *diag);

/* The same for the dialect of the shared conformance suite
 * (`add32 %r0, 1`, `ldxw %r0, [%r1+4]`, `lock fetch add [%r10-8], %r1`).
 * `swap16/32/64` are aliases of `bswap16/32/64` and `call %rN` is callx;
 * immediates from 2^31 to 2^32-1 wrap to the 32-bit pattern; a jump to the
 * undefined label `exit` goes to the program's first exit instruction. */
int bpfx_asm_conformance(const char *text, struct bpf_insn **insns, size_t *cnt,
			 struct bpfx_isa_diag *diag);

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* The state of one program run, as a helper sees it. Opaque. */
struct bpfx_run_ctx;
struct bpfx_task;

/* A helper: the five argument registers, and the run it is called from. */
typedef uint64_t (*bpfx_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3,
				   uint64_t r4, uint64_t r5, struct bpfx_run_ctx *run);

/* Argument and return types, for the verifier (kernel: bpf_arg_type and
 * bpf_return_type). Extended as helpers need them. */
enum bpfx_arg_type {
	BPFX_ARG_NONE = 0,        /* no argument in this position */
	BPFX_ARG_ANYTHING,        /* any initialised value */
	BPFX_ARG_CONST_MAP_PTR,
	BPFX_ARG_PTR_TO_MAP_KEY,
	BPFX_ARG_PTR_TO_MAP_VALUE,
	BPFX_ARG_PTR_TO_MEM,      /* followed by BPFX_ARG_CONST_SIZE */
	BPFX_ARG_PTR_TO_UNINIT_MEM,
	BPFX_ARG_CONST_SIZE,
	BPFX_ARG_CONST_SIZE_OR_ZERO,
	BPFX_ARG_PTR_TO_CTX,
	BPFX_ARG_PTR_TO_UNINIT_MAP_VALUE, /* written by the helper (pop, peek) */
	BPFX_ARG_CONST_ALLOC_SIZE_OR_ZERO, /* bpf_ringbuf_reserve's size */
	BPFX_ARG_PTR_TO_RINGBUF_MEM,       /* a reserved record, released by the call */
	BPFX_ARG_PTR_TO_MEM_OR_NULL,    /* followed by BPFX_ARG_CONST_SIZE_OR_ZERO */
	BPFX_ARG_PTR_TO_CONST_STR,      /* a NUL-terminated string in a read-only map */
	BPFX_ARG_PTR_TO_LONG,           /* 8 writable, aligned bytes (strtol's result) */
	BPFX_ARG_PTR_TO_FUNC,           /* a callback: lddw of a BPF_PSEUDO_FUNC */
	BPFX_ARG_PTR_TO_STACK_OR_NULL,  /* a callback's context */
	BPFX_ARG_PTR_TO_SPIN_LOCK,      /* struct bpf_spin_lock in a map value */
	BPFX_ARG_PTR_TO_TIMER,          /* struct bpf_timer in a map value */
};

enum bpfx_ret_type {
	BPFX_RET_INTEGER = 0,
	BPFX_RET_VOID,
	BPFX_RET_PTR_TO_MAP_VALUE_OR_NULL,
	BPFX_RET_PTR_TO_RINGBUF_MEM_OR_NULL, /* bpf_ringbuf_reserve */
};

struct bpfx_helper {
	uint32_t id;                   /* number the program calls (enum bpf_func_id) */
	const char *name;              /* "bpf_map_lookup_elem" */
	bpfx_helper_fn fn;
	enum bpfx_ret_type ret;
	enum bpfx_arg_type args[5];
};

/* The largest helper id a program may call. */
#define BPFX_MAX_HELPER_ID 1023u

/* From inside a helper: stops the program at once; the run returns r0.
 * Used by helpers that end the program. (Tail calls do not stop the run:
 * the built-in bpf_tail_call hands the run to the next program.) */
void bpfx_run_ctx__stop(struct bpfx_run_ctx *run, uint64_t r0);

/* From inside a helper: may the program's run access [ptr, ptr + size)
 * (write: for writing)? In checked runs, helpers must ask before they
 * touch memory a program hands them; in trusted (verified) runs this is
 * always true. */
bool bpfx_run_ctx__mem_ok(const struct bpfx_run_ctx *run, const void *ptr, size_t size,
			  bool write);

/* From inside a helper: stops the program with an error (err a negative
 * errno, -EFAULT if not) and a reason; the run returns err and reports the
 * calling instruction. */
void bpfx_run_ctx__fault(struct bpfx_run_ctx *run, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* From inside a helper: the `user` pointer given in bpfx_run_opts. */
void *bpfx_run_ctx__user(struct bpfx_run_ctx *run);

/* From inside a helper: makes [ptr, ptr+len) accessible to the program
 * (checked mode) until the run ends, e.g. the value a lookup returns.
 * Returns 0 or -ENOSPC when too many regions are registered. */
int bpfx_run_ctx__add_region(struct bpfx_run_ctx *run, void *ptr, size_t len, bool writable);

/* ------------------------------------------------------------------ */
/* Programs                                                             */
/* ------------------------------------------------------------------ */

struct bpfx_prog;

struct bpfx_prog_opts {
	size_t sz;                         /* sizeof(struct bpfx_prog_opts) */
	const struct bpfx_helper *helpers; /* helpers the program may call ... */
	size_t helper_cnt;                 /* ... in addition to the built-in ones */
	bool no_builtin_helpers;           /* only `helpers` are callable */
	bpfx_log_fn log;                   /* diagnostics of the load */
	void *log_ctx;
};

/* Builds a runnable program from raw instructions: validates them
 * (bpfx_isa_check), binds helper calls, and pre-decodes them for the
 * interpreter. The instructions are copied. Returns NULL and *err =
 * -EINVAL for an invalid program (the reason goes to opts->log), -ENOENT
 * for a call to a helper that does not exist, -EOPNOTSUPP for what this
 * build cannot run (map references before the loader exists, kfuncs). */
struct bpfx_prog *bpfx_prog__new(const struct bpf_insn *insns, size_t cnt,
				 const struct bpfx_prog_opts *opts, int *err);
void bpfx_prog__free(struct bpfx_prog *prog);

size_t bpfx_prog__insn_cnt(const struct bpfx_prog *prog);
const struct bpf_insn *bpfx_prog__insns(const struct bpfx_prog *prog);

enum bpfx_exec_mode {
	BPFX_EXEC_DEFAULT = 0,   /* the JIT where available, else the interpreter */
	BPFX_EXEC_INTERP,
	BPFX_EXEC_JIT,
};

/* A memory region a program may access in checked mode. */
struct bpfx_region {
	void *ptr;
	size_t len;
	bool writable;
};

struct bpfx_run_opts {
	size_t sz;                  /* sizeof(struct bpfx_run_opts) */
	uint64_t r1, r2;            /* initial argument registers (r3-r5 are 0) */
	/* Checked mode: every load and store is checked against the stack, the
	 * regions below and those helpers add; a violation stops the program
	 * with -EFAULT. Also enforces insn_budget. Unchecked ("trusted") runs
	 * are only for verified programs. */
	bool checked;
	uint64_t insn_budget;       /* checked mode: executed-insn limit; 0 = 10,000,000 */
	const struct bpfx_region *regions;
	size_t region_cnt;
	/* Packet for LD_ABS/LD_IND (socket filters); NULL = none. Offsets
	 * from 0 are relative to pkt; the kernel's negative offsets
	 * SKF_NET_OFF + n and SKF_LL_OFF + n to the network and link-layer
	 * headers, which may lie before pkt (NULL: at pkt). Nothing before the
	 * lowest of the three nor at or past pkt + pkt_len is readable. */
	const void *pkt;
	size_t pkt_len;
	const void *pkt_l2;
	const void *pkt_l3;
	enum bpfx_exec_mode mode;
	void *user;                 /* handed to helpers: bpfx_run_ctx__user() */
	/* The task the run is about (the kernel's `current`): what
	 * bpf_get_current_pid_tgid and the other task helpers describe, whose
	 * memory bpf_probe_read_user reads, to which bpf_send_signal sends.
	 * NULL: the calling thread. Hooks set it (see struct bpfx_task). */
	const struct bpfx_task *task;
	uint64_t attach_cookie;     /* what bpf_get_attach_cookie returns */
	/* What bpf_get_func_ip returns: the probed function's address
	 * (uprobes, at entry and at return), 0 where there is none. */
	uint64_t func_ip;
};

struct bpfx_run_result {
	uint64_t r0;                /* the program's return value */
	uint64_t insns;             /* instructions executed (checked mode only) */
	int fault_insn;             /* on failure: index of the faulting insn, else -1 */
	char fault_msg[192];        /* on failure: why, one line */
};

/* Runs the program once on the calling thread. Returns 0 when it reached
 * exit (result->r0 holds its value), or a negative errno when it was stopped:
 * -EFAULT (checked mode memory violation, or a call stack deeper than 8
 * frames), -ELOOP (insn_budget exceeded), -EINVAL (callx of an unknown
 * helper); result->fault_insn and fault_msg say where and why.
 * Thread-safe: a program may run on many threads at once. */
int bpfx_prog__run(const struct bpfx_prog *prog, const struct bpfx_run_opts *opts,
		   struct bpfx_run_result *result);

/* ------------------------------------------------------------------ */
/* BTF                                                                  */
/* ------------------------------------------------------------------ */

/* Parsed, validated BTF type information. Opaque. */
struct bpfx_btf;

/* Reads BTF from a file: raw BTF (as /sys/kernel/btf/vmlinux) or the .BTF
 * section of an ELF object (as clang -g writes), like `bpftool btf dump
 * file`. Returns NULL and *err (-ENOENT no such file or no .BTF section,
 * -EINVAL malformed BTF: the reason goes to log) on failure. */
struct bpfx_btf *bpfx_btf__parse_file(const char *path, bpfx_log_fn log, void *log_ctx,
				      int *err);
/* The same from memory (raw BTF only; the data is copied). */
struct bpfx_btf *bpfx_btf__parse_raw(const void *data, size_t size, bpfx_log_fn log,
				     void *log_ctx, int *err);
void bpfx_btf__free(struct bpfx_btf *btf);

enum bpfx_btf_format {
	BPFX_BTF_RAW = 0,   /* bpftool's `format raw`: "[1] INT 'int' size=4 ..." */
	BPFX_BTF_C,         /* bpftool's `format c`: a C header of every type */
	BPFX_BTF_JSON,      /* bpftool -j's raw format: {"types":[...]} */
};

/* The whole BTF as text, byte for byte what bpftool 7.1 prints. Returns a
 * malloc'd string the caller free()s, or NULL and *err. */
char *bpfx_btf__dump(const struct bpfx_btf *btf, enum bpfx_btf_format format, int *err);

/* A value of BTF type `type_id` held in data[0..size), as one line of
 * compact JSON formatted the way bpftool formats map contents ("formatted"
 * in `bpftool -j map dump`; plain_text: the variant its text output uses:
 * bitfields and 128-bit numbers unquoted in hex, pointers as addresses).
 * Returns a malloc'd string the caller free()s, or NULL and *err (-EINVAL:
 * data too short for the type, or a kind bpftool cannot format). */
char *bpfx_btf__dump_data(const struct bpfx_btf *btf, uint32_t type_id, const void *data,
			  size_t size, bool plain_text, int *err);

/* The id of the struct (or union, or typedef) named `name`, or a negative
 * errno (-ENOENT: no such type). */
int32_t bpfx_btf__find_type(const struct bpfx_btf *btf, const char *name);

/* ------------------------------------------------------------------ */
/* The bpf() command set                                                */
/* ------------------------------------------------------------------ */

/* The bpf() system call, in user space: takes the Linux UAPI union
 * bpf_attr and behaves like the kernel's - same checks of the attribute
 * size and of unused fields, same errnos - returning -1 with errno set on
 * failure and, for commands that create objects, a real file descriptor of
 * the process (close() it like any other). Implemented so far: MAP_CREATE,
 * MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM, MAP_DELETE_ELEM, MAP_GET_NEXT_KEY,
 * MAP_LOOKUP_AND_DELETE_ELEM, MAP_FREEZE, MAP_GET_NEXT_ID, MAP_GET_FD_BY_ID,
 * PROG_LOAD, PROG_TEST_RUN (syscall, XDP, tc, socket filter programs),
 * PROG_GET_NEXT_ID, PROG_GET_FD_BY_ID, BTF_LOAD, BTF_GET_NEXT_ID,
 * BTF_GET_FD_BY_ID, OBJ_GET_INFO_BY_FD (maps, programs, BTF),
 * OBJ_PIN and OBJ_GET (maps and programs; paths relative to, or under,
 * the bpffs root: see bpfx_bpffs_root). Other
 * commands give EOPNOTSUPP until they exist (docs/ARCHITECTURE.md lists
 * them); unknown commands EINVAL. Thread-safe. */
int bpfx_bpf(int cmd, union bpf_attr *attr, unsigned int size);

/* ------------------------------------------------------------------ */
/* Objects: what clang compiled                                         */
/* ------------------------------------------------------------------ */

/* An eBPF object file (clang -O2 -g -target bpf) opened and, after
 * bpfx_object__load, with its maps created and its programs loaded. The
 * maps and programs it holds are real bpf() objects: their descriptors
 * work with bpfx_bpf(). Not thread-safe while loading; afterwards its
 * programs may run on any number of threads. */
struct bpfx_object;
struct bpfx_program;   /* a program of an object (not struct bpfx_prog) */
struct bpfx_map;

struct bpfx_object_opts {
	size_t sz;                 /* sizeof(struct bpfx_object_opts) */
	const char *object_name;   /* default: the file's name up to its first '.' */
	bpfx_log_fn log;           /* why opening or loading failed */
	void *log_ctx;
	/* CO-RE relocations resolve against this BTF file (raw, or an ELF
	 * object's .BTF); NULL: the running kernel's /sys/kernel/btf/vmlinux
	 * when readable, else the object's own types. */
	const char *btf_custom_path;
	/* Non-zero: programs load with this verifier log level (1, 2, | 4
	 * statistics) and the whole log reaches `log` at BPFX_LOG_DEBUG, line
	 * by line, also when they load (libbpf's kernel_log_level). */
	uint32_t kernel_log_level;
};

/* Reads and checks the object; creates nothing yet. NULL and *err on
 * failure (-ENOENT no file, -ENOEXEC not an eBPF object, -EINVAL
 * malformed: the log says which section and what is wrong). */
struct bpfx_object *bpfx_object__open(const char *path, const struct bpfx_object_opts *opts,
				      int *err);
struct bpfx_object *bpfx_object__open_mem(const void *buf, size_t size,
					  const struct bpfx_object_opts *opts, int *err);

/* Creates the maps (global data initialised, .rodata frozen) and loads
 * every program. All or nothing: on failure everything created is
 * released and a negative errno returned (the log says what failed). */
int bpfx_object__load(struct bpfx_object *obj);

/* Closes every descriptor the object holds; maps and programs live on
 * while other references (descriptors, programs) hold them. NULL-safe. */
void bpfx_object__close(struct bpfx_object *obj);

const char *bpfx_object__name(const struct bpfx_object *obj);
size_t bpfx_object__program_cnt(const struct bpfx_object *obj);
struct bpfx_program *bpfx_object__program(const struct bpfx_object *obj, size_t i);
size_t bpfx_object__map_cnt(const struct bpfx_object *obj);
struct bpfx_map *bpfx_object__map(const struct bpfx_object *obj, size_t i);
/* By function name / map name; NULL when absent. */
struct bpfx_program *bpfx_object__find_program(const struct bpfx_object *obj, const char *name);
struct bpfx_map *bpfx_object__find_map(const struct bpfx_object *obj, const char *name);

const char *bpfx_program__name(const struct bpfx_program *prog);
const char *bpfx_program__section(const struct bpfx_program *prog);
enum bpf_prog_type bpfx_program__type(const struct bpfx_program *prog);
int bpfx_program__fd(const struct bpfx_program *prog);   /* -1 before load */
/* Before bpfx_object__load: load the program as `type` (and
 * expected_attach_type) instead of what its section says, like
 * bpf_program__set_type. 0, -EINVAL for an unknown type, -EBUSY once loaded. */
int bpfx_program__set_type(struct bpfx_program *prog, enum bpf_prog_type type,
			   enum bpf_attach_type expected_attach_type);
/* What a section name ("xdp", "kprobe", "cgroup/skb") means, as
 * libbpf_prog_type_by_name; tried again with a '/' appended. 0, -ESRCH
 * when no section convention matches, -EINVAL for an empty name. */
int bpfx_prog_type_by_name(const char *name, enum bpf_prog_type *type,
			   enum bpf_attach_type *expected_attach_type);

const char *bpfx_map__name(const struct bpfx_map *map);
int bpfx_map__fd(const struct bpfx_map *map);             /* -1 before load */
/* Before bpfx_object__load: the object uses the existing map fd refers
 * to (a pin, bpftool's `map name N pinned P`) instead of creating one, as
 * bpf_map__reuse_fd; it must have the declared type, key and value
 * sizes, max_entries and flags. 0, -EINVAL (another shape or no map),
 * -EBUSY once the map exists. */
int bpfx_map__reuse_fd(struct bpfx_map *map, int fd);
uint32_t bpfx_map__key_size(const struct bpfx_map *map);
uint32_t bpfx_map__value_size(const struct bpfx_map *map);
enum bpf_map_type bpfx_map__type(const struct bpfx_map *map);

/* BPF_PROG_TEST_RUN of a loaded program: the attributes of the command
 * (struct bpf_attr's `test` part, prog_fd filled in for you). Returns 0 or
 * a negative errno; results are written back into *test. */
int bpfx_program__test_run(const struct bpfx_program *prog, union bpf_attr *test);

/* ------------------------------------------------------------------ */
/* Packet runs                                                          */
/* ------------------------------------------------------------------ */

/* Runs a loaded XDP, tc (SCHED_CLS, SCHED_ACT) or socket filter program
 * over frames one at a time, each exactly as BPF_PROG_TEST_RUN runs it
 * (the same context, helpers and checks) but reusing one packet buffer,
 * so a runner is cheap per frame. A runner belongs to one thread at a
 * time; make one per thread to run a program on several. Maps are the
 * program's, shared by all runners and kept from frame to frame. */
struct bpfx_pkt_runner;

struct bpfx_pkt_result {
	uint32_t verdict;          /* r0: the XDP action, TC_ACT_*, or a socket
				    * filter's kept length */
	const uint8_t *data;       /* the frame after the run, from its link-layer
				    * header (XDP: without metadata); valid until
				    * the runner's next run */
	uint32_t len;
	uint32_t redirect_ifindex; /* bpf_redirect's target, for a redirect verdict */
	char fault_msg[192];       /* a run stopped by checked mode: why */
};

/* A runner for the program behind prog_fd (a bpfx descriptor). NULL and
 * *err: -EINVAL when it is not a packet program, -EBADF, -ENOMEM. The
 * runner holds a reference to the program. */
struct bpfx_pkt_runner *bpfx_pkt_runner__new(int prog_fd, int *err);
void bpfx_pkt_runner__free(struct bpfx_pkt_runner *r);
enum bpf_prog_type bpfx_pkt_runner__prog_type(const struct bpfx_pkt_runner *r);

/* Runs the program on one Ethernet frame. 0 with *res filled, or a
 * negative errno: what test_run answers for a frame it refuses (-EINVAL:
 * shorter than an Ethernet header, an skb without its network header or
 * longer than a page; -ENOMEM: an XDP frame needing more than 17
 * fragments), or the error of
 * a run checked mode stopped (res->fault_msg says why). */
int bpfx_pkt_runner__run(struct bpfx_pkt_runner *r, const void *frame, uint32_t len,
			 struct bpfx_pkt_result *res);

/* bpftool's names of map and program types ("hash", "percpu_array",
 * "xdp", "sched_cls"), NULL for unknown numbers; and back, -1 for
 * unknown names. */
const char *bpfx_map_type_name(uint32_t type);
int bpfx_map_type_from_name(const char *name);
const char *bpfx_prog_type_name(uint32_t type);

/* The bpffs root, where pins live: BPFX_FS if set, else /run/bpfx for
 * root, else $XDG_RUNTIME_DIR/bpfx, else /tmp/bpfx-UID; created on first
 * use. NULL when it cannot be created (nothing is pinnable then). */
const char *bpfx_bpffs_root(void);

/* ------------------------------------------------------------------ */
/* Event consumers: ring buffers and perf buffers                       */
/* ------------------------------------------------------------------ */

/* Reads the records programs write to a BPF_MAP_TYPE_RINGBUF map with
 * bpf_ringbuf_output / bpf_ringbuf_reserve + submit, in order, like
 * libbpf's ring_buffer. The producers may be other threads or other
 * processes that use the same pinned map. One consumer per ring at a time
 * (as with the kernel, two would race for the records). */
struct bpfx_ringbuf;

/* Called once per record, on the consumer's thread; `data` is valid only
 * during the call. A negative return stops the consume (the record counts
 * as consumed) and is returned by __consume/__poll. */
typedef int (*bpfx_ringbuf_sample_fn)(void *ctx, void *data, size_t size);

struct bpfx_ringbuf_opts {
	size_t sz;                 /* sizeof(struct bpfx_ringbuf_opts) */
};

/* A consumer of the ringbuf map `map_fd` (which it keeps alive). NULL and
 * *err: -EBADF, -EINVAL (not a ringbuf map), -ENOMEM, or the errno of
 * inotify/epoll setup (-EMFILE...). */
struct bpfx_ringbuf *bpfx_ringbuf__new(int map_fd, bpfx_ringbuf_sample_fn sample_cb,
				       void *ctx, const struct bpfx_ringbuf_opts *opts,
				       int *err);
/* Calls sample_cb for every committed record, skipping discarded ones,
 * and releases their space. Returns the number of records delivered, or
 * the callback's negative return (-EINVAL when the ring's memory holds a
 * record no producer wrote). Never blocks. */
int bpfx_ringbuf__consume(struct bpfx_ringbuf *rb);
/* Consumes; when there was nothing, waits up to timeout_ms (-1: no
 * limit) for a producer's wake-up, then consumes again. Returns the
 * number of records delivered (0 on timeout), or a negative errno
 * (-EINTR when a signal interrupted the wait). */
int bpfx_ringbuf__poll(struct bpfx_ringbuf *rb, int timeout_ms);
/* An epoll descriptor that becomes readable when producers wake the
 * consumer: add it to your own epoll set, then call __consume. */
int bpfx_ringbuf__epoll_fd(const struct bpfx_ringbuf *rb);
void bpfx_ringbuf__free(struct bpfx_ringbuf *rb);

/* Reads the samples programs write with bpf_perf_event_output into a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY map, like libbpf's perf_buffer. There are
 * no perf events in user space: each index of the map has a buffer in the
 * map itself, and this consumer opens (enables) one per runner slot - the
 * "CPUs" of bpfx, indexes 0 .. min(slots, max_entries) - 1 - with
 * page_cnt pages each (a power of 2, at most 256 pages of 4 KiB). Until
 * an index is open, bpf_perf_event_output to it gives -ENOENT, as an
 * empty slot of the kernel's map does. The producers may be other
 * processes using the same pinned map. */
struct bpfx_perf_buffer;

/* A sample: `cpu` is the index (slot) it was written to; `size` counts
 * perf's padding of the raw data to 8 bytes (with the u32 size before
 * it), as the kernel reports it. */
typedef void (*bpfx_perf_sample_fn)(void *ctx, int cpu, void *data, uint32_t size);
/* Samples lost because the buffer of `cpu` was full. */
typedef void (*bpfx_perf_lost_fn)(void *ctx, int cpu, uint64_t cnt);

struct bpfx_perf_buffer_opts {
	size_t sz;                 /* sizeof(struct bpfx_perf_buffer_opts) */
};

/* NULL and *err: -EBADF, -EINVAL (not a perf event array, page_cnt not a
 * power of 2, no sample_cb), -E2BIG (page_cnt too large), -ENOMEM, or
 * inotify/epoll errors. lost_cb may be NULL. */
struct bpfx_perf_buffer *bpfx_perf_buffer__new(int map_fd, size_t page_cnt,
					       bpfx_perf_sample_fn sample_cb,
					       bpfx_perf_lost_fn lost_cb, void *ctx,
					       const struct bpfx_perf_buffer_opts *opts, int *err);
/* Delivers every sample (and lost count) of every open index. Returns
 * how many records it handled. Never blocks. */
int bpfx_perf_buffer__consume(struct bpfx_perf_buffer *pb);
/* Consumes, waiting up to timeout_ms (-1: no limit) when there was
 * nothing. Returns the records handled (0: timeout) or a negative errno. */
int bpfx_perf_buffer__poll(struct bpfx_perf_buffer *pb, int timeout_ms);
int bpfx_perf_buffer__epoll_fd(const struct bpfx_perf_buffer *pb);
/* Closes the indexes it opened (producers get -ENOENT again). */
void bpfx_perf_buffer__free(struct bpfx_perf_buffer *pb);
/* The trace pipe: the file of the bpffs root to which bpf_trace_printk
 * and bpf_trace_vprintk append their lines, in the kernel's trace_pipe
 * format, from every process using the root. Writes its path into out;
 * 0, -ENOENT (no bpffs root) or -ENAMETOOLONG. */
int bpfx_trace_pipe_path(char *out, size_t out_sz);

/* Takes the lines waiting in the trace pipe, as a reader of the kernel's
 * trace_pipe does: whole lines, at most out_sz bytes, which no other
 * reader will see again (not NUL-terminated). Returns the number of bytes,
 * 0 when no line waits, or a negative errno (-ENOSPC: the first line is
 * longer than out_sz; 2048 bytes always hold one). Safe against writers and
 * other readers in any process of the root. */
int bpfx_trace_pipe_read(char *out, size_t out_sz);
/* Tasks and system-call tracing (src/hooks)                            */
/* ------------------------------------------------------------------ */

/* A task (thread) of this machine, as a run's `current`. */
struct bpfx_task {
	int32_t tgid;   /* its process (thread group) id */
	int32_t tid;    /* its thread id */
};

/* A syscall tracer: runs a command (or attaches to a process) under
 * ptrace, with all its threads and descendants, and runs the attached
 * programs at the system calls they hook, with the kernel's contexts:
 *   tp/syscalls/sys_enter_NAME, tracepoint/syscalls/sys_enter_NAME,
 *   tp/syscalls/sys_exit_NAME, tp/raw_syscalls/sys_enter|sys_exit,
 *   raw_tp/sys_enter, raw_tp/sys_exit (and raw_tracepoint/...).
 * Only hooked system calls stop the tracee (a seccomp filter installed in
 * the command before exec); a process attached by pid has no filter and
 * stops at every system call (PTRACE_SYSCALL). Programs run in checked
 * mode on the tracer's thread; a program that faults is reported through
 * the log and the tracee goes on. docs/HOOKS.md has the details.
 * One tracer per process at a time; not thread-safe. */
struct bpfx_tracer;

struct bpfx_tracer_opts {
	size_t sz;                 /* sizeof(struct bpfx_tracer_opts) */
	bpfx_log_fn log;           /* attach errors; program faults (WARN, first per program) */
	void *log_ctx;
};

struct bpfx_tracer *bpfx_tracer__new(const struct bpfx_tracer_opts *opts, int *err);
/* Stops tracing if needed (a spawned command is killed, an attached
 * process detached), releases the programs. NULL-safe. */
void bpfx_tracer__free(struct bpfx_tracer *t);

/* Attaches a loaded program by its section. Returns 0, -EOPNOTSUPP for a
 * section that is not a system-call hook, -ENOENT for an unknown system
 * call, -EINVAL for a program type that does not match its section, -EBUSY
 * once tracing started (the log names the section). */
int bpfx_tracer__attach(struct bpfx_tracer *t, const struct bpfx_program *prog);
/* Attaches a kprobe-type program (e.g. a bare SEC("uprobe")) as a uprobe,
 * or a uretprobe, at target "PATH:FUNC[+OFFSET]" (PATH absolute;
 * /proc/self/exe: the command's executable). 0 or a negative errno (the
 * log says why: an unknown function or file, another program type). */
int bpfx_tracer__attach_uprobe(struct bpfx_tracer *t, const struct bpfx_program *prog,
			       const char *target, bool retprobe);

/* Starts argv (execvp) as a traced child that keeps bpfx's stdin, stdout,
 * stderr and process group. Returns its pid or a negative errno. */
int bpfx_tracer__spawn(struct bpfx_tracer *t, char *const argv[]);
/* Attaches to every thread of a running process. Returns 0 or a negative
 * errno (-ESRCH no such process, -EPERM not allowed). */
int bpfx_tracer__attach_pid(struct bpfx_tracer *t, int pid);

/* Traces until every traced task is gone, or until bpfx_tracer__stop.
 * Waits with waitpid(-1, __WALL): a child of the calling process that
 * is not traced and ends meanwhile is reaped too (its status is lost), so
 * run it where no other child may end (the bpfx CLI).
 * *status gets the wait status (waitpid's) of the spawned command or of
 * the attached process, or -1 when tracing stopped before it ended (an
 * attached process is then detached and keeps running). Returns 0 or a
 * negative errno. */
int bpfx_tracer__run(struct bpfx_tracer *t, int *status);
/* Asks run() to stop: async-signal-safe (call it from a SIGINT handler).
 * A spawned command cannot run without its tracer (its filter would fail
 * its hooked system calls), so it is killed (SIGKILL). */
void bpfx_tracer__stop(struct bpfx_tracer *t);

struct bpfx_tracer_stats {
	uint64_t stops;    /* tracee stops handled at hooked system calls */
	uint64_t runs;     /* program runs */
	uint64_t faults;   /* runs stopped by a fault (checked mode) */
};
void bpfx_tracer__stats(const struct bpfx_tracer *t, struct bpfx_tracer_stats *stats);
/* JIT                                                                  */
/* ------------------------------------------------------------------ */

/* What the JIT made of a program for one mode (checked: the code that
 * checks every access, for unverified runs). */
struct bpfx_jit_info {
	size_t sz;                  /* sizeof(struct bpfx_jit_info) */
	size_t code_size;           /* bytes of machine code and tables */
	size_t text_size;           /* of which instructions (tables follow them) */
	const void *code;           /* where it is (read+execute memory) */
	uint64_t compile_ns;        /* CPU time the compilation took */
	unsigned passes;            /* lowering passes until jumps settled */
};

/* Compiles the program for the mode now unless a run already did (the
 * code is kept with the program) and describes it. Returns 0, -EOPNOTSUPP
 * where there is no JIT (not x86-64), -ENOMEM, or -EINVAL for a bad
 * argument. */
int bpfx_prog__jit(const struct bpfx_prog *prog, bool checked, struct bpfx_jit_info *info);

/* ---- links ------------------------------------------------------- */

/* bpftool's names of attach types ("cgroup_inet_ingress", "xdp",
 * "tcx_ingress") and of link types ("cgroup", "xdp", "raw_tracepoint",
 * "tcx"); NULL for unknown numbers. */
const char *bpfx_attach_type_name(uint32_t type);
const char *bpfx_link_type_name(uint32_t type);

/* ------------------------------------------------------------------ */
/* Direct map access: no descriptor check, no system call               */
/* ------------------------------------------------------------------ */

/* A map held by reference, taken once from a descriptor. The operations
 * do what MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM and MAP_DELETE_ELEM do through
 * bpfx_bpf() (same checks, same errnos, same values: a per-CPU value is
 * one 8-byte-rounded slot per possible CPU), but without re-validating a
 * descriptor on every call, which costs bpfx_bpf() a system call (fstat).
 * The handle keeps the map alive after its descriptor is closed, until
 * bpfx_map_handle__put. Thread-safe; returns 0 or a negative errno. */
struct bpfx_map_handle;

/* NULL and *err: -EBADF (not an open descriptor), -EINVAL (not a map). */
struct bpfx_map_handle *bpfx_map_handle__get(int map_fd, int *err);
void bpfx_map_handle__put(struct bpfx_map_handle *h);
int bpfx_map_handle__lookup(struct bpfx_map_handle *h, const void *key, void *value,
			    uint64_t flags);
int bpfx_map_handle__update(struct bpfx_map_handle *h, const void *key, const void *value,
			    uint64_t flags);
int bpfx_map_handle__delete(struct bpfx_map_handle *h, const void *key);

/* Version of the library, "MAJOR.MINOR.PATCH". */
const char *bpfx_version(void);

/* ------------------------------------------------------------------ */
/* The verifier                                                         */
/* ------------------------------------------------------------------ */

struct bpfx_verify_opts {
	size_t sz;                 /* sizeof(struct bpfx_verify_opts) */
	uint32_t prog_type;        /* enum bpf_prog_type; 0 = socket filter */
	uint32_t log_level;        /* 0, 1, 2 (| 4 statistics, | 8 fixed log) */
	char *log_buf;             /* the kernel's log format; NULL: no log */
	uint32_t log_size;
};

/* Verifies a program that references no maps, with bpfx's built-in
 * helpers, by the kernel's rules for privileged programs (see
 * docs/VERIFIER.md). Returns 0 when it is safe, else the kernel's
 * negative errno: -EACCES (unsafe), -EINVAL (malformed, unreachable code,
 * unknown helper, endless loop), -E2BIG (over the complexity limit),
 * -ENOSPC (the log did not fit). Thread-safe. */
int bpfx_verify(const struct bpf_insn *insns, size_t cnt, const struct bpfx_verify_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* BPFX_BPFX_H */
