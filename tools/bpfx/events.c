/* SPDX-License-Identifier: MIT */
/*
 * bpfx ringbuf MAP / bpfx perf MAP: print the records programs send
 * through a pinned BPF_MAP_TYPE_RINGBUF or BPF_MAP_TYPE_PERF_EVENT_ARRAY
 * map as they arrive, as a hex dump (or one JSON object per record with
 * -j), until Ctrl-C or `count N` records. The producers are other
 * processes using the same pin; the consumer is the library's
 * (bpfx_ringbuf, bpfx_perf_buffer: 16 pages per runner slot; while it
 * runs, the map's indexes are open and programs' outputs to them land).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static volatile sig_atomic_t stop;

struct printer {
	uint64_t seen, limit;      /* limit 0: until interrupted */
	bool perf;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void events_usage(FILE *f, const char *what)
{
	fprintf(f, "Usage: bpfx %s [pinned] PATH [count N]\n"
		"\n"
		"Prints the records of the pinned %s map PATH as they arrive (hex\n"
		"dump; -j: one JSON object per record) until Ctrl-C or N records.\n",
		what, strcmp(what, "perf") ? "ringbuf" : "perf event array");
}

static void print_record(struct printer *p, int cpu, const void *data, size_t size, uint64_t lost)
{
	const uint8_t *b = data;
	if (cli_json) {
		json_begin_object();
		json_key("record"); json_uint(p->seen);
		if (p->perf) {
			json_key("cpu"); json_int(cpu);
		}
		if (lost) {
			json_key("lost"); json_uint(lost);
		} else {
			json_key("size"); json_uint(size);
			json_key("data");
			fputs("[", stdout);
			for (size_t i = 0; i < size; i++)
				printf("%s\"0x%02x\"", i ? "," : "", b[i]);
			fputs("]", stdout);
		}
		json_end_object();
		json_end_document();
	} else if (lost) {
		printf("record %llu: cpu %d lost %llu samples\n", (unsigned long long)p->seen, cpu,
		       (unsigned long long)lost);
	} else {
		printf("record %llu:", (unsigned long long)p->seen);
		if (p->perf)
			printf(" cpu %d", cpu);
		printf(" %zu bytes\n", size);
		for (size_t i = 0; i < size; i++)
			printf("%s%02x%s", i % 16 == 0 ? "  " : "", b[i],
			       i % 16 == 15 || i + 1 == size ? "\n" : " ");
	}
	p->seen++;
	if (p->limit && p->seen >= p->limit)
		stop = 1;
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct printer *p = ctx;
	print_record(p, -1, data, size, 0);
	return stop ? -EINTR : 0;
}

/* Common arguments: [pinned] PATH [count N]; opens the map. */
static int open_events_map(int argc, char **argv, const char *what, struct printer *p)
{
	if (argc > 0 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help"))) {
		events_usage(stdout, what);
		return -2;
	}
	if (argc > 0 && !strcmp(argv[0], "pinned"))
		argc--, argv++;
	if (argc != 1 && !(argc == 3 && !strcmp(argv[1], "count"))) {
		events_usage(stderr, what);
		return -3;
	}
	if (argc == 3) {
		char *end;
		p->limit = strtoull(argv[2], &end, 0);
		if (*end || !p->limit)
			return cli_error("count: '%s' is not a positive number", argv[2]), -1;
	}
	union bpf_attr a = { .pathname = (uintptr_t)argv[0] };
	int fd = bpfx_bpf(BPF_OBJ_GET, &a, sizeof(a));
	if (fd < 0)
		return cli_error("can't open pinned map %s: %s", argv[0], strerror(errno)), -1;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return fd;
}

/* The exit code for what open_events_map returned. */
static int open_failure(int r)
{
	return r == -2 ? 0 : r == -3 ? 2 : 1;
}

int cmd_ringbuf(int argc, char **argv)
{
	struct printer p = { 0 };
	int err = 0, fd = open_events_map(argc, argv, "ringbuf", &p);
	if (fd < 0)
		return open_failure(fd);
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(fd, on_ringbuf, &p, NULL, &err);
	close(fd);
	if (!rb)
		return cli_error("can't read %s: %s", argv[argc > 0 && !strcmp(argv[0], "pinned")],
				 strerror(-err));
	while (!stop) {
		int r = bpfx_ringbuf__poll(rb, 200);
		fflush(stdout);
		if (r < 0 && r != -EINTR) {
			err = r;
			break;
		}
	}
	bpfx_ringbuf__free(rb);
	return err ? cli_error("reading records: %s", strerror(-err)) : 0;
}

static void on_perf_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	if (!stop)
		print_record(ctx, cpu, data, size, 0);
}

static void on_perf_lost(void *ctx, int cpu, uint64_t cnt)
{
	if (!stop)
		print_record(ctx, cpu, NULL, 0, cnt);
}

int cmd_perf(int argc, char **argv)
{
	struct printer p = { .perf = true };
	int err = 0, fd = open_events_map(argc, argv, "perf", &p);
	if (fd < 0)
		return open_failure(fd);
	struct bpfx_perf_buffer *pb = bpfx_perf_buffer__new(fd, 16, on_perf_sample, on_perf_lost,
							    &p, NULL, &err);
	close(fd);
	if (!pb)
		return cli_error("can't read %s: %s", argv[argc > 0 && !strcmp(argv[0], "pinned")],
				 strerror(-err));
	while (!stop) {
		int r = bpfx_perf_buffer__poll(pb, 200);
		fflush(stdout);
		if (r < 0 && r != -EINTR) {
			err = r;
			break;
		}
	}
	bpfx_perf_buffer__free(pb);
	return err ? cli_error("reading records: %s", strerror(-err)) : 0;
}
