/* SPDX-License-Identifier: MIT */
/*
 * Uprobes by breakpoints (uprobe.h). Runs on the tracer thread only.
 *
 * The tracer keeps, per traced process (tgid), the breakpoints it wrote:
 * the address, the byte int3 replaced, the uprobe programs attached there
 * and how many calls are waiting to return there (uretprobes). Pending
 * returns are kept per thread with the stack pointer the return will
 * leave, so a recursive function's returns match their own calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/prog_obj.h"
#include "hooks/tracer.h"
#include "hooks/uprobe.h"
#include "util/alloc.h"

#define INT3 0xccu
#define BP_MAX_ATTACH 16

struct uprobe_bp {
	pid_t tgid;
	uint64_t addr;
	uint8_t orig;                 /* the byte under the int3 */
	uint8_t n_entry;              /* attach indices of entry programs here */
	uint16_t entry[BP_MAX_ATTACH];
	uint32_t returns;             /* pending returns to this address */
};

struct uprobe_ret {
	pid_t tid;
	uint64_t addr;                /* the return address */
	uint64_t sp;                  /* the stack pointer after the return */
	uint64_t func;                /* the probed address (bpf_get_func_ip) */
	uint16_t att;                 /* the uretprobe program */
};

struct uprobe_state {
	struct uprobe_bp *bps;
	size_t bp_cnt, bp_cap;
	struct uprobe_ret *rets;
	size_t ret_cnt, ret_cap;
	pid_t *armed;                 /* processes armed at least once */
	size_t armed_cnt, armed_cap;
};

/* ---- sections and symbols ---- */

bool uprobe_section(const char *sec)
{
	return !strncmp(sec, "uprobe/", 7) || !strncmp(sec, "uretprobe/", 10);
}

/* The file offset of vaddr: through the PT_LOAD segment holding it. */
static int vaddr_to_off(Elf *e, uint64_t vaddr, uint64_t *off)
{
	size_t n;
	if (elf_getphdrnum(e, &n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr < ph.p_vaddr + ph.p_memsz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

/* FUNC's address in the symbol tables (.symtab, then .dynsym). */
static int find_symbol(Elf *e, const char *func, uint64_t *vaddr)
{
	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB) || !sh.sh_entsize)
				continue;
			Elf_Data *d = elf_getdata(scn, NULL);
			size_t cnt = d ? d->d_size / sh.sh_entsize : 0;
			for (size_t i = 0; i < cnt; i++) {
				GElf_Sym s;
				const char *name;
				if (!gelf_getsym(d, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
				    !s.st_value || !(name = elf_strptr(e, sh.sh_link, s.st_name)))
					continue;
				/* versioned dynamic names: "getpid@@GLIBC_2.2.5" */
				size_t len = strcspn(name, "@");
				if (len == strlen(func) && !strncmp(name, func, len)) {
					*vaddr = s.st_value;
					return 0;
				}
			}
		}
	}
	return -ENOENT;
}

/* Resolves u->func in the file at path into u->file_off. */
static int resolve(struct uprobe_spec *u, const char *path, const char **why)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	uint64_t vaddr = 0;

	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		*why = "can't open the file";
		if (fd >= 0)
			close(fd);
		return err;
	}
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		err = -ENOEXEC, *why = "not an ELF file";
	} else if (find_symbol(e, u->func, &vaddr)) {
		err = -ENOENT, *why = "no such function in the file's symbols";
	} else if (vaddr_to_off(e, vaddr + u->func_off, &u->file_off)) {
		err = -ENOENT, *why = "the function is in no loadable segment";
	}
	if (e)
		elf_end(e);
	close(fd);
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	return err;
}

int uprobe_parse(const char *sec, struct uprobe_spec *u, const char **why)
{
	memset(u, 0, sizeof(*u));
	u->ret = !strncmp(sec, "uretprobe/", 10);
	const char *rest = sec + (u->ret ? 10 : 7);
	const char *colon = strrchr(rest, ':');
	if (!colon || colon == rest || !colon[1]) {
		*why = "expected uprobe/PATH:FUNC[+OFFSET]";
		return -EINVAL;
	}
	if (rest[0] != '/' || (size_t)(colon - rest) >= sizeof(u->path)) {
		*why = "PATH must be an absolute path";
		return -EINVAL;
	}
	memcpy(u->path, rest, (size_t)(colon - rest));
	const char *plus = strchr(colon + 1, '+');
	size_t flen = plus ? (size_t)(plus - colon - 1) : strlen(colon + 1);
	if (!flen || flen >= sizeof(u->func)) {
		*why = "expected a function name after ':'";
		return -EINVAL;
	}
	memcpy(u->func, colon + 1, flen);
	if (plus) {
		char *end;
		u->func_off = strtoull(plus + 1, &end, 0);
		if (*end || end == plus + 1) {
			*why = "bad offset after '+'";
			return -EINVAL;
		}
	}
	u->self_exe = !strcmp(u->path, "/proc/self/exe");
	return u->self_exe ? 0 : resolve(u, u->path, why);
}

int uprobe_check_exe(struct bpfx_tracer *t, const char *exe)
{
	for (size_t i = 0; i < t->att_cnt; i++) {
		struct uprobe_spec *u = t->att[i].up;
		const char *why = NULL;
		if (!u || !u->self_exe)
			continue;
		struct uprobe_spec probe = *u;
		int err = resolve(&probe, exe, &why);
		if (err == -ENOEXEC)
			return 0; /* a script: its interpreter runs, probes find their binary later */
		if (err) {
			log_msg(&t->log, BPFX_LOG_ERROR, "program '%s' (section '%s'): can't attach: "
				"%s: %s", t->att[i].name, t->att[i].sec, exe, why);
			return err;
		}
	}
	return 0;
}

/* ---- tables ---- */

static struct uprobe_state *state(struct bpfx_tracer *t)
{
	if (!t->uprobes)
		t->uprobes = mem_zalloc(sizeof(*t->uprobes));
	return t->uprobes;
}

void uprobe_free(struct bpfx_tracer *t)
{
	if (!t->uprobes)
		return;
	mem_free(t->uprobes->bps);
	mem_free(t->uprobes->rets);
	mem_free(t->uprobes->armed);
	mem_free(t->uprobes);
	t->uprobes = NULL;
}

static struct uprobe_bp *bp_find(struct uprobe_state *s, pid_t tgid, uint64_t addr)
{
	for (size_t i = 0; i < s->bp_cnt; i++)
		if (s->bps[i].tgid == tgid && s->bps[i].addr == addr)
			return &s->bps[i];
	return NULL;
}

static void *grow(void *arr, size_t *cap, size_t cnt, size_t elem)
{
	if (cnt < *cap)
		return arr;
	size_t n = *cap ? *cap * 2 : 16;
	void *p = mem_realloc(arr, n * elem);
	if (p)
		*cap = n;
	return p;
}

static bool armed(struct uprobe_state *s, pid_t tgid)
{
	for (size_t i = 0; i < s->armed_cnt; i++)
		if (s->armed[i] == tgid)
			return true;
	return false;
}

bool uprobe_armed(struct bpfx_tracer *t, pid_t tgid)
{
	return t->uprobes && armed(t->uprobes, tgid);
}

static void set_armed(struct uprobe_state *s, pid_t tgid)
{
	pid_t *p;
	if (armed(s, tgid) || !(p = grow(s->armed, &s->armed_cap, s->armed_cnt, sizeof(*p))))
		return;
	s->armed = p;
	s->armed[s->armed_cnt++] = tgid;
}

/* ---- memory of the tracee ---- */

static int poke_byte(pid_t tid, uint64_t addr, uint8_t byte, uint8_t *old)
{
	errno = 0;
	long w = ptrace(PTRACE_PEEKTEXT, tid, (void *)(uintptr_t)addr, 0);
	if (errno)
		return -errno;
	if (old)
		*old = (uint8_t)w;
	w = (long)(((unsigned long)w & ~0xfful) | byte);
	return ptrace(PTRACE_POKETEXT, tid, (void *)(uintptr_t)addr, (void *)w) ? -errno : 0;
}

/* A breakpoint at addr in tgid for attach index att (entry programs), or
 * for a pending return (att < 0). NULL when it can't be written. */
static struct uprobe_bp *bp_add(struct uprobe_state *s, pid_t tid, pid_t tgid, uint64_t addr,
				int att)
{
	struct uprobe_bp *bp = bp_find(s, tgid, addr);
	if (!bp) {
		uint8_t orig;
		struct uprobe_bp *arr = grow(s->bps, &s->bp_cap, s->bp_cnt, sizeof(*arr));
		if (!arr || poke_byte(tid, addr, INT3, &orig))
			return NULL;
		s->bps = arr;
		bp = &s->bps[s->bp_cnt++];
		*bp = (struct uprobe_bp){ .tgid = tgid, .addr = addr, .orig = orig };
	}
	if (att >= 0) {
		for (size_t i = 0; i < bp->n_entry; i++)
			if (bp->entry[i] == att)
				return bp;
		if (bp->n_entry < BP_MAX_ATTACH)
			bp->entry[bp->n_entry++] = (uint16_t)att;
	}
	return bp;
}

/* ---- arming ---- */

/* For each executable mapping of the process: its range, file offset and
 * file identity (from /proc/PID/maps). */
static void arm_mapping(struct bpfx_tracer *t, pid_t tid, pid_t tgid, uint64_t start,
			uint64_t end, uint64_t off, dev_t dev, ino_t ino, const struct stat *exe)
{
	for (size_t i = 0; i < t->att_cnt; i++) {
		struct uprobe_spec *u = t->att[i].up;
		if (!u)
			continue;
		dev_t d = u->self_exe ? exe->st_dev : u->dev;
		ino_t n = u->self_exe ? exe->st_ino : u->ino;
		if (d != dev || n != ino || u->file_off < off || u->file_off >= off + (end - start))
			continue;
		bp_add(t->uprobes, tid, tgid, start + (u->file_off - off), (int)i);
	}
}

/* Resolves /proc/self/exe probes for this process's executable. */
static void resolve_self(struct bpfx_tracer *t, pid_t tgid, struct stat *exe)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)tgid);
	if (stat(path, exe))
		memset(exe, 0, sizeof(*exe));
	for (size_t i = 0; i < t->att_cnt; i++) {
		struct uprobe_spec *u = t->att[i].up;
		const char *why;
		if (u && u->self_exe && (u->dev != exe->st_dev || u->ino != exe->st_ino) &&
		    !resolve(u, path, &why))
			u->dev = exe->st_dev, u->ino = exe->st_ino;
	}
}

void uprobe_arm(struct bpfx_tracer *t, struct tracer_thread *th)
{
	struct uprobe_state *s = state(t);
	pid_t tgid = th->tgid ? th->tgid : th->tid;
	char path[64], line[4096];
	struct stat exe;

	if (!s)
		return;
	resolve_self(t, tgid, &exe);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tgid);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off, inode;
		unsigned maj, min;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &off, &maj,
			   &min, &inode) == 7 && perms[2] == 'x' && inode)
			arm_mapping(t, th->tid, tgid, start, end, off, makedev(maj, min),
				    (ino_t)inode, &exe);
	}
	if (f)
		fclose(f);
	set_armed(s, tgid);
}

void uprobe_fork(struct bpfx_tracer *t, struct tracer_thread *parent, pid_t child_tgid)
{
	struct uprobe_state *s = t->uprobes;
	pid_t ptgid = parent->tgid ? parent->tgid : parent->tid;
	if (!s || child_tgid == ptgid)
		return;
	for (size_t i = 0, n = s->bp_cnt; i < n; i++) {
		if (s->bps[i].tgid != ptgid)
			continue;
		struct uprobe_bp *arr = grow(s->bps, &s->bp_cap, s->bp_cnt, sizeof(*arr));
		if (!arr)
			break;
		s->bps = arr;
		s->bps[s->bp_cnt] = s->bps[i];
		s->bps[s->bp_cnt].tgid = child_tgid;
		s->bps[s->bp_cnt++].returns = 0;
	}
	set_armed(s, child_tgid);
}

void uprobe_exec(struct bpfx_tracer *t, pid_t tgid)
{
	struct uprobe_state *s = t->uprobes;
	if (!s)
		return;
	for (size_t i = 0; i < s->bp_cnt;)
		if (s->bps[i].tgid == tgid)
			s->bps[i] = s->bps[--s->bp_cnt];
		else
			i++;
	for (size_t i = 0; i < s->armed_cnt; i++)
		if (s->armed[i] == tgid)
			s->armed[i] = s->armed[--s->armed_cnt];
}

/* ---- hits ---- */

static void run_probe(struct bpfx_tracer *t, size_t att, struct tracer_thread *th,
		      struct hook_regs *regs, uint64_t func_ip)
{
	struct hook_regs ctx = *regs;
	struct bpfx_task task = { th->tgid ? th->tgid : th->tid, th->tid };
	struct bpfx_region region = { &ctx, sizeof(ctx), false };
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .r1 = (uintptr_t)&ctx, .checked = true,
				    .regions = &region, .region_cnt = 1, .task = &task,
				    .func_ip = func_ip };

	tracer_run(t, &t->att[att], &ro);
}

/* Entry of a probed function: entry programs, and returns to watch. */
static void on_entry(struct bpfx_tracer *t, struct tracer_thread *th, struct uprobe_bp *bp,
		     struct hook_regs *regs)
{
	struct uprobe_state *s = t->uprobes;
	uint16_t atts[BP_MAX_ATTACH];
	size_t n = bp->n_entry;
	pid_t tgid = bp->tgid;

	memcpy(atts, bp->entry, n * sizeof(atts[0]));
	for (size_t i = 0; i < n; i++) {
		struct uprobe_spec *u = t->att[atts[i]].up;
		if (!u->ret) {
			run_probe(t, atts[i], th, regs, regs->ip);
			continue;
		}
		errno = 0;
		long ret_addr = ptrace(PTRACE_PEEKDATA, th->tid, (void *)(uintptr_t)regs->sp, 0);
		struct uprobe_ret *r = grow(s->rets, &s->ret_cap, s->ret_cnt, sizeof(*r));
		if (errno || !r)
			continue;
		s->rets = r;
		struct uprobe_bp *rb = bp_add(s, th->tid, tgid, (uint64_t)ret_addr, -1);
		if (!rb)
			continue;
		rb->returns++;
		s->rets[s->ret_cnt++] = (struct uprobe_ret){ th->tid, (uint64_t)ret_addr,
							     regs->sp + 8, regs->ip, atts[i] };
	}
}

/* A return to addr: the uretprobes of the calls this return ends. */
static void on_return(struct bpfx_tracer *t, struct tracer_thread *th, uint64_t addr,
		      struct hook_regs *regs)
{
	struct uprobe_state *s = t->uprobes;
	for (size_t i = 0; i < s->ret_cnt;) {
		struct uprobe_ret r = s->rets[i];
		if (r.tid != th->tid || r.addr != addr || r.sp != regs->sp) {
			i++;
			continue;
		}
		s->rets[i] = s->rets[--s->ret_cnt];
		run_probe(t, r.att, th, regs, r.func);
		struct uprobe_bp *bp = bp_find(s, th->tgid ? th->tgid : th->tid, addr);
		if (bp && bp->returns)
			bp->returns--;
	}
}

/* Executes the instruction under the breakpoint at addr: the original
 * byte back, one step, the int3 again (if still wanted). */
static int step_over(struct bpfx_tracer *t, struct tracer_thread *th, uint64_t addr,
		     int *pending_sig)
{
	pid_t tgid = th->tgid ? th->tgid : th->tid;
	struct uprobe_bp *bp = bp_find(t->uprobes, tgid, addr);
	int st;

	/* A breakpoint stays once written, even where no return is awaited
	 * any more: another thread may have trapped on it already, and its
	 * stop, still queued, must find it (a removed one would leave that
	 * thread one byte into an instruction). */
	if (!bp)
		return 0;
	if (poke_byte(th->tid, addr, bp->orig, NULL))
		return -1;
	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, th->tid, 0, 0))
			return -1;
		if (waitpid(th->tid, &st, __WALL) < 0 && errno != EINTR)
			return -1;
		if (!WIFSTOPPED(st))
			return -1; /* gone */
		if (WSTOPSIG(st) == SIGTRAP && !(st >> 16))
			break;
		if (!(st >> 16))
			*pending_sig = WSTOPSIG(st); /* delivered after the step */
	}
	/* The table may have moved meanwhile: find it again. */
	if ((bp = bp_find(t->uprobes, tgid, addr)))
		poke_byte(th->tid, addr, INT3, NULL);
	return 0;
}

bool uprobe_hit(struct bpfx_tracer *t, struct tracer_thread *th, int *pending_sig)
{
	struct uprobe_state *s = t->uprobes;
	struct user_regs_struct ur;
	struct hook_regs regs;

	*pending_sig = 0;
	if (!s || ptrace(PTRACE_GETREGS, th->tid, 0, &ur))
		return false;
	uint64_t addr = ur.rip - 1;
	pid_t tgid = th->tgid ? th->tgid : th->tid;
	struct uprobe_bp *bp = bp_find(s, tgid, addr);
	if (!bp)
		return false;
	t->stats.stops++;
	ur.rip = addr;
	memcpy(&regs, &ur, sizeof(regs));
	if (bp->returns)
		on_return(t, th, addr, &regs);
	if ((bp = bp_find(s, tgid, addr)) && bp->n_entry)
		on_entry(t, th, bp, &regs);
	if (ptrace(PTRACE_SETREGS, th->tid, 0, &ur))
		return true;
	step_over(t, th, addr, pending_sig);
	return true;
}
