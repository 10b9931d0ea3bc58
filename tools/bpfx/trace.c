/* SPDX-License-Identifier: MIT */
/*
 * bpfx trace OBJ... [pinmaps DIR] [format TYPE | quiet] [stats]
 *            [-p PID | -- CMD ARGS...]
 *
 * Loads the objects, attaches every system-call tracepoint program, and
 * traces CMD (or the running process PID) with all its threads and
 * descendants. bpfx ends when CMD does, with CMD's exit status (or dying
 * of the same signal). Ctrl-C reaches CMD from the terminal as usual;
 * with -p, Ctrl-C (or SIGTERM) detaches and the process keeps running.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "trace_events.h"

#define MAX_OBJS 32

static void trace_usage(FILE *f)
{
	fputs("Usage: bpfx trace OBJ... [pinmaps DIR] [format TYPE | quiet] [stats]\n"
	      "                  [{uprobe | uretprobe} PROG PATH:FUNC[+OFF]]...\n"
	      "                  { -p PID | -- CMD [ARGS...] }\n"
	      "\n"
	      "Runs CMD (or attaches to process PID) and runs the objects' system-call\n"
	      "programs at the system calls they hook, in CMD and all its threads and\n"
	      "descendants. Sections: tp/syscalls/sys_enter_NAME, tp/syscalls/sys_exit_NAME,\n"
	      "tp/raw_syscalls/sys_enter|sys_exit, raw_tp/sys_enter|sys_exit (tracepoint/\n"
	      "and raw_tracepoint/ too); uprobe/PATH:FUNC[+OFF] and uretprobe/PATH:FUNC\n"
	      "at entry and return of function FUNC of file PATH (absolute; /proc/self/exe:\n"
	      "CMD's executable); uprobe PROG PATH:FUNC attaches program PROG there\n"
	      "whatever its section (a bare SEC(\"uprobe\") needs it). pinmaps DIR pins\n"
	      "every map as DIR/NAME (relative\n"
	      "to the bpffs root), where they stay after bpfx ends. stats prints how many\n"
	      "stops and runs there were. bpfx exits with CMD's status; with -p, Ctrl-C\n"
	      "detaches and leaves the process running.\n"
	      "\n"
	      "Records the programs send through ringbuf and perf event array maps are\n"
	      "printed as they arrive (what is left when CMD ends, too), as hex, or with\n"
	      "format TYPE as one JSON line each through the object's BTF type TYPE\n"
	      "(e.g. format event for a struct event); -j prints one JSON object per\n"
	      "record. quiet prints none (read the pinned maps yourself).\n", f);
}

/* The library's last error line, for the one error line a failure
 * prints; warnings (program faults while tracing) go out at once. */
static char last_error[512];

static void log_cb(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx;
	if (level == BPFX_LOG_ERROR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
	else if (level == BPFX_LOG_WARN)
		fprintf(stderr, "Warning: %s\n", msg);
}

/* One error line: what the library said, else the errno's text. */
static int lib_error(const char *what, const char *file, int err)
{
	if (last_error[0] && strstr(last_error, file))
		return cli_error("%s", last_error);
	if (last_error[0])
		return cli_error("%s: %s", file, last_error);
	return cli_error("%s %s: %s", what, file, strerror(-err));
}

static struct bpfx_tracer *active;

static void on_stop_signal(int sig)
{
	(void)sig;
	if (active)
		bpfx_tracer__stop(active);
}

/* The terminal sends Ctrl-C to CMD too: CMD decides, bpfx follows it. */
static void on_ignored_signal(int sig)
{
	(void)sig;
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa = { .sa_handler = fn }; /* no SA_RESTART: wake waitpid */
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* The pins this command made, removed again when the command fails. */
static char *pins[256];
static size_t pin_cnt;

static void unpin_all(void)
{
	const char *root = bpfx_bpffs_root();
	char path[4096];
	for (size_t i = 0; i < pin_cnt; i++) {
		if (pins[i][0] == '/')
			snprintf(path, sizeof(path), "%s", pins[i]);
		else
			snprintf(path, sizeof(path), "%s/%s", root ? root : ".", pins[i]);
		unlink(path);
		free(pins[i]);
	}
	pin_cnt = 0;
}

static int pin_maps(struct bpfx_object *obj, const char *dir)
{
	char path[4096];

	cli_make_dir(dir);
	for (size_t i = 0; i < bpfx_object__map_cnt(obj); i++) {
		const struct bpfx_map *m = bpfx_object__map(obj, i);
		snprintf(path, sizeof(path), "%s/%s", dir, bpfx_map__name(m));
		union bpf_attr a = { .pathname = (uintptr_t)path, .bpf_fd = (uint32_t)bpfx_map__fd(m) };
		if (pin_cnt == sizeof(pins) / sizeof(pins[0]))
			return cli_error("too many maps to pin");
		if (bpfx_bpf(BPF_OBJ_PIN, &a, sizeof(a)) < 0)
			return cli_error("can't pin map %s at %s: %s", bpfx_map__name(m), path,
					 strerror(errno));
		if (!(pins[pin_cnt] = strdup(path)))
			return cli_error("out of memory");
		pin_cnt++;
	}
	return 0;
}

struct trace_args;
static int attach_one(struct bpfx_tracer *t, const struct trace_args *a,
		      const struct bpfx_program *p);

/* Opens, loads and attaches one object; 0 or the exit code. */
static int add_object(struct bpfx_tracer *t, const struct trace_args *args, const char *file,
		      struct bpfx_object **out, size_t *attached)
{
	int err = 0;
	struct bpfx_object_opts o = { .sz = sizeof(o), .log = log_cb };
	struct bpfx_object *obj = bpfx_object__open(file, &o, &err);

	if (!obj)
		return lib_error("failed to open object file", file, err);
	*out = obj;
	if ((err = bpfx_object__load(obj)))
		return lib_error("failed to load object file", file, err);
	for (size_t i = 0; i < bpfx_object__program_cnt(obj); i++) {
		const struct bpfx_program *p = bpfx_object__program(obj, i);
		if (bpfx_program__fd(p) < 0)
			continue; /* not loaded (autoload off) */
		if ((err = attach_one(t, args, p)))
			return lib_error("can't attach a program of", file, err);
		(*attached)++;
	}
	return 0;
}

/* Ends like CMD: the same exit code, or death by the same signal. */
static int exit_like(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		sigset_t set;
		fflush(NULL);
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		return 128 + sig; /* the signal does not kill (SIGCHLD, ...) */
	}
	return 1;
}

struct trace_args {
	const char *objs[MAX_OBJS];
	size_t obj_cnt;
	const char *pindir;
	const char *format;            /* format TYPE: records through BTF */
	struct {                       /* uprobe|uretprobe NAME PATH:FUNC */
		const char *prog, *target;
		bool ret;
	} probes[MAX_OBJS];
	size_t probe_cnt;
	bool stats, quiet;
	int pid;
	char **cmd;
};

/* A program named on the command line (uprobe NAME PATH:FUNC) attaches
 * there; any other by its section. A bare SEC("uprobe") needs a name. */
static int attach_one(struct bpfx_tracer *t, const struct trace_args *a,
		      const struct bpfx_program *p)
{
	const char *sec = bpfx_program__section(p);
	for (size_t i = 0; i < a->probe_cnt; i++)
		if (!strcmp(a->probes[i].prog, bpfx_program__name(p)))
			return bpfx_tracer__attach_uprobe(t, p, a->probes[i].target, a->probes[i].ret);
	if (!strcmp(sec, "uprobe") || !strcmp(sec, "uretprobe")) {
		snprintf(last_error, sizeof(last_error), "program '%s' (section '%s'): can't attach: "
			 "no target: give one with %s %s PATH:FUNC", bpfx_program__name(p), sec, sec,
			 bpfx_program__name(p));
		return -EINVAL;
	}
	return bpfx_tracer__attach(t, p);
}

static int parse_args(int argc, char **argv, struct trace_args *a)
{
	int i = 0;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			a->cmd = argv + i + 1;
			if (i + 1 >= argc)
				return cli_error("expected a command after --");
			return 0;
		} else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pid")) {
			char *end;
			if (i + 1 >= argc || (a->pid = (int)strtol(argv[i + 1], &end, 10)) <= 0 || *end)
				return cli_error("expected a process id after %s", argv[i]);
			i++;
		} else if (!strcmp(argv[i], "pinmaps")) {
			if (++i >= argc)
				return cli_error("expected a directory after pinmaps");
			a->pindir = argv[i];
		} else if (!strcmp(argv[i], "stats")) {
			a->stats = true;
		} else if (!strcmp(argv[i], "uprobe") || !strcmp(argv[i], "uretprobe")) {
			if (i + 2 >= argc)
				return cli_error("expected a program name and PATH:FUNC after %s",
						 argv[i]);
			if (a->probe_cnt == MAX_OBJS)
				return cli_error("too many uprobe targets (at most %d)", MAX_OBJS);
			a->probes[a->probe_cnt].ret = argv[i][1] == 'r';
			a->probes[a->probe_cnt].prog = argv[i + 1];
			a->probes[a->probe_cnt++].target = argv[i + 2];
			i += 2;
		} else if (!strcmp(argv[i], "quiet")) {
			a->quiet = true;
		} else if (!strcmp(argv[i], "format")) {
			if (++i >= argc)
				return cli_error("expected a BTF type name after format");
			a->format = argv[i];
		} else if (a->obj_cnt < MAX_OBJS) {
			a->objs[a->obj_cnt++] = argv[i];
		} else {
			return cli_error("too many objects (at most %d)", MAX_OBJS);
		}
	}
	if (!a->obj_cnt)
		return cli_error("expected at least one object file");
	if (!a->pid)
		return cli_error("expected -p PID or -- CMD [ARGS...]");
	return 0;
}

/* Starts CMD or attaches to PID, with the signal handling each needs. */
static int trace_start(struct bpfx_tracer *t, const struct trace_args *a)
{
	int err;

	if (a->cmd) {
		last_error[0] = '\0';
		err = bpfx_tracer__spawn(t, a->cmd);
		if (err < 0 && last_error[0]) /* the library said why (a uprobe) */
			return cli_error("%s", last_error);
		if (err < 0)
			return cli_error("can't start %s: %s", a->cmd[0], strerror(-err));
		set_handler(SIGINT, on_ignored_signal);
		set_handler(SIGQUIT, on_ignored_signal);
	} else if ((last_error[0] = '\0', err = bpfx_tracer__attach_pid(t, a->pid))) {
		if (last_error[0])
			return cli_error("%s", last_error);
		return cli_error("can't attach to process %d: %s", a->pid, strerror(-err));
	} else {
		set_handler(SIGINT, on_stop_signal);
	}
	active = t;
	set_handler(SIGTERM, on_stop_signal);
	set_handler(SIGHUP, on_stop_signal);
	return 0;
}

/* Traces to the end; returns bpfx's exit code. */
static int trace_wait(struct bpfx_tracer *t, const struct trace_args *a)
{
	int status, err = bpfx_tracer__run(t, &status);

	active = NULL;
	if (err)
		return cli_error("tracing failed: %s", strerror(-err));
	if (a->stats) {
		struct bpfx_tracer_stats s;
		bpfx_tracer__stats(t, &s);
		fprintf(stderr, "bpfx trace: %llu stops, %llu runs, %llu faults\n",
			(unsigned long long)s.stops, (unsigned long long)s.runs,
			(unsigned long long)s.faults);
	}
	if (status == -1) {
		if (a->cmd)
			return cli_error("tracing stopped: %s was killed", a->cmd[0]);
		return 0; /* detached: the process goes on */
	}
	return exit_like(status);
}

int cmd_trace(int argc, char **argv)
{
	struct trace_args a = { 0 };
	struct bpfx_object *objs[MAX_OBJS] = { 0 };
	size_t attached = 0;
	int rc, err = 0;

	if (argc < 1 || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help")) {
		trace_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	if (parse_args(argc, argv, &a))
		return 2;
	struct bpfx_tracer_opts o = { .sz = sizeof(o), .log = log_cb };
	struct bpfx_tracer *t = bpfx_tracer__new(&o, &err);
	if (!t)
		return cli_error("can't create a tracer: %s", strerror(-err));
	rc = 0;
	for (size_t i = 0; i < a.obj_cnt && !rc; i++)
		rc = add_object(t, &a, a.objs[i], &objs[i], &attached);
	if (!rc && !attached)
		rc = cli_error("no system-call or uprobe programs to attach");
	/* Pins first, so that a clash is reported before CMD starts; a
	 * command that can't start leaves no pins behind. */
	for (size_t i = 0; i < a.obj_cnt && !rc && a.pindir; i++)
		rc = pin_maps(objs[i], a.pindir);
	/* The event maps' records print while CMD runs (unless quiet). */
	struct trace_events *events = NULL;
	if (!rc && !a.quiet)
		rc = trace_events_start(&events, objs, a.objs, a.obj_cnt, a.format);
	if (!rc)
		rc = trace_start(t, &a);
	if (rc)
		unpin_all();
	else
		rc = trace_wait(t, &a);
	trace_events_stop(events);
	for (size_t i = 0; i < pin_cnt; i++)
		free(pins[i]);
	bpfx_tracer__free(t);
	for (size_t i = 0; i < a.obj_cnt; i++)
		bpfx_object__close(objs[i]);
	return rc;
}
