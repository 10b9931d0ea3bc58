/* SPDX-License-Identifier: MIT */
/*
 * `bpfx trace`: the records the traced objects' programs send through
 * their RINGBUF and PERF_EVENT_ARRAY maps, printed while the command runs
 * (issue #7: event output while tracing). One consumer thread polls every
 * such map of every object; when tracing ends, what is left in the rings
 * is printed before bpfx exits.
 *
 * A record prints as a hex dump, or, with `format TYPE`, as one line of
 * JSON formatted through the object's BTF type TYPE (the struct the
 * program fills, e.g. `struct event` of examples/execsnoop.bpf.c), the
 * way bpftool formats map values. `-j` prints one JSON object per record.
 * `quiet` prints nothing: the user's own consumer reads the pinned maps.
 *
 * When a program of the objects calls bpf_trace_printk or
 * bpf_trace_vprintk, the lines of the bpffs root's trace pipe are printed
 * too (and consumed, as `bpfx prog tracelog` does).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "trace_events.h"

#define MAX_RINGS 32

struct ring {
	struct trace_events *owner;
	const char *map_name;
	struct bpfx_btf *btf;          /* the object's, for `format` (may be NULL) */
	int32_t type_id;               /* of the format type in it, or < 0 */
	struct bpfx_ringbuf *rb;       /* one of the two */
	struct bpfx_perf_buffer *pb;
};

struct trace_events {
	struct ring rings[MAX_RINGS];
	size_t cnt;
	struct bpfx_btf *btfs[MAX_RINGS];
	size_t btf_cnt;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	bool pipe;                     /* follow the trace pipe too */
	uint64_t printed;
	pthread_mutex_t print_lock;    /* the thread and the final drain */
};

static void print_hex(const uint8_t *b, size_t size)
{
	for (size_t i = 0; i < size; i++)
		printf("%s%02x%s", i % 16 == 0 ? "  " : "", b[i], i % 16 == 15 || i + 1 == size ? "\n" : " ");
}

/* One record of ring r: formatted through BTF when asked and possible. */
static void print_event(struct ring *r, int cpu, const void *data, size_t size)
{
	struct trace_events *ev = r->owner;
	int err = 0;
	char *text = r->type_id > 0 ? bpfx_btf__dump_data(r->btf, (uint32_t)r->type_id, data, size,
							 false, &err) : NULL;
	pthread_mutex_lock(&ev->print_lock);
	if (cli_json) {
		printf("{\"map\":\"%s\"", r->map_name);
		if (cpu >= 0)
			printf(",\"cpu\":%d", cpu);
		printf(",\"size\":%zu,", size);
		if (text) {
			printf("\"formatted\":%s}\n", text);
		} else {
			fputs("\"data\":[", stdout);
			for (size_t i = 0; i < size; i++)
				printf("%s\"0x%02x\"", i ? "," : "", ((const uint8_t *)data)[i]);
			fputs("]}\n", stdout);
		}
	} else if (text) {
		printf("%s: %s\n", r->map_name, text);
	} else {
		printf("%s: %zu bytes", r->map_name, size);
		if (cpu >= 0)
			printf(" (cpu %d)", cpu);
		putchar('\n');
		print_hex(data, size);
	}
	ev->printed++;
	fflush(stdout);
	pthread_mutex_unlock(&ev->print_lock);
	free(text);
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	print_event(ctx, -1, data, size);
	return 0;
}

static void on_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	print_event(ctx, cpu, data, size);
}

static void on_lost(void *ctx, int cpu, uint64_t cnt)
{
	struct ring *r = ctx;
	fprintf(stderr, "bpfx trace: %s: cpu %d lost %llu samples\n", r->map_name, cpu,
		(unsigned long long)cnt);
}

/* Prints the trace pipe's pending lines; returns how many bytes. */
static int print_pipe(struct trace_events *ev)
{
	static char buf[1 << 16];
	int n = bpfx_trace_pipe_read(buf, sizeof(buf));
	if (n <= 0)
		return 0;
	pthread_mutex_lock(&ev->print_lock);
	if (cli_json) {
		for (char *line = buf, *nl; line < buf + n; line = nl + 1) {
			nl = memchr(line, '\n', (size_t)(buf + n - line));
			if (!nl)
				break;
			*nl = '\0';
			fputs("{\"trace_pipe\":", stdout);
			json_escape(stdout, line);
			fputs("}\n", stdout);
		}
	} else {
		fwrite(buf, 1, (size_t)n, stdout);
	}
	fflush(stdout);
	pthread_mutex_unlock(&ev->print_lock);
	return n;
}

/* Does the loaded program call bpf_trace_printk or bpf_trace_vprintk?
 * (Its translated instructions, from the program's info.) */
static bool calls_printk(int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)prog_fd, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	if (bpfx_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) || !info.xlated_prog_len)
		return false;
	uint32_t len = info.xlated_prog_len;
	struct bpf_insn *insns = malloc(len);
	bool found = false;
	if (!insns)
		return false;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = len;
	info.xlated_prog_insns = (uintptr_t)insns;
	if (!bpfx_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)))
		for (uint32_t i = 0; i < len / sizeof(*insns) && !found; i++)
			found = insns[i].code == (BPF_JMP | BPF_CALL) && !insns[i].src_reg &&
				(insns[i].imm == BPF_FUNC_trace_printk ||
				 insns[i].imm == BPF_FUNC_trace_vprintk);
	free(insns);
	return found;
}

static int poll_ring(struct ring *r, int timeout_ms)
{
	return r->rb ? bpfx_ringbuf__poll(r->rb, timeout_ms) : bpfx_perf_buffer__poll(r->pb, timeout_ms);
}

/* The consumer thread: short polls in turn, so that every map is seen
 * within a few milliseconds of its records. */
static void *consume(void *arg)
{
	struct trace_events *ev = arg;
	while (!atomic_load(&ev->stop)) {
		for (size_t i = 0; i < ev->cnt; i++)
			poll_ring(&ev->rings[i], ev->cnt == 1 && !ev->pipe ? 50 : 5);
		if (ev->pipe && !print_pipe(ev) && !ev->cnt) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

/* Adds the event maps of one object. 0 or the exit code. */
static int add_object(struct trace_events *ev, const struct bpfx_object *obj, const char *file,
		      const char *format)
{
	struct bpfx_btf *btf = NULL;
	int32_t type_id = -1;
	int err = 0;

	for (size_t i = 0; i < bpfx_object__program_cnt(obj) && !ev->pipe; i++) {
		int fd = bpfx_program__fd(bpfx_object__program(obj, i));
		ev->pipe = fd >= 0 && calls_printk(fd);
	}

	if (format) {
		btf = bpfx_btf__parse_file(file, NULL, NULL, &err);
		if (btf)
			ev->btfs[ev->btf_cnt++] = btf;
		type_id = btf ? bpfx_btf__find_type(btf, format) : -ENOENT;
	}
	for (size_t i = 0; i < bpfx_object__map_cnt(obj); i++) {
		const struct bpfx_map *m = bpfx_object__map(obj, i);
		enum bpf_map_type type = bpfx_map__type(m);
		if (type != BPF_MAP_TYPE_RINGBUF && type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			continue;
		if (ev->cnt == MAX_RINGS)
			return cli_error("too many event maps (at most %d)", MAX_RINGS);
		if (format && type_id < 0)
			return cli_error("format %s: no such struct in the BTF of %s", format, file);
		struct ring *r = &ev->rings[ev->cnt];
		*r = (struct ring){ ev, bpfx_map__name(m), btf, type_id, NULL, NULL };
		if (type == BPF_MAP_TYPE_RINGBUF)
			r->rb = bpfx_ringbuf__new(bpfx_map__fd(m), on_ringbuf, r, NULL, &err);
		else
			r->pb = bpfx_perf_buffer__new(bpfx_map__fd(m), 16, on_sample, on_lost, r,
						      NULL, &err);
		if (!r->rb && !r->pb)
			return cli_error("can't read the records of map %s: %s", bpfx_map__name(m),
					 strerror(-err));
		ev->cnt++;
	}
	return 0;
}

int trace_events_start(struct trace_events **out, struct bpfx_object *const *objs,
		       const char *const *files, size_t n, const char *format)
{
	struct trace_events *ev = calloc(1, sizeof(*ev));
	int rc = 0;

	*out = NULL;
	if (!ev)
		return cli_error("out of memory");
	pthread_mutex_init(&ev->print_lock, NULL);
	for (size_t i = 0; i < n && !rc; i++)
		rc = add_object(ev, objs[i], files[i], format);
	if (!rc && format && !ev->cnt)
		rc = cli_error("format %s: the objects have no ringbuf or perf event array map",
			       format);
	if (!rc && (ev->cnt || ev->pipe)) {
		if (pthread_create(&ev->thread, NULL, consume, ev))
			rc = cli_error("can't start the event consumer");
		else
			ev->running = true;
	}
	*out = ev;
	return rc;
}

void trace_events_stop(struct trace_events *ev)
{
	if (!ev)
		return;
	atomic_store(&ev->stop, true);
	if (ev->running)
		pthread_join(ev->thread, NULL);
	/* What the programs sent last: drain every ring once more. */
	for (size_t i = 0; i < ev->cnt; i++)
		while (poll_ring(&ev->rings[i], 0) > 0)
			;
	while (ev->pipe && print_pipe(ev) > 0)
		;
	for (size_t i = 0; i < ev->cnt; i++) {
		bpfx_ringbuf__free(ev->rings[i].rb);
		bpfx_perf_buffer__free(ev->rings[i].pb);
	}
	for (size_t i = 0; i < ev->btf_cnt; i++)
		bpfx_btf__free(ev->btfs[i]);
	pthread_mutex_destroy(&ev->print_lock);
	free(ev);
}
