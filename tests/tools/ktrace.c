/* SPDX-License-Identifier: MIT */
/*
 * ktrace OBJ MAP[,MAP...] -- CMD [ARGS...]: the kernel's side of the trace
 * differential test (tests/suites/trace.sh). Forks CMD (waiting on a pipe
 * until the programs are attached), loads OBJ into the kernel with libbpf
 * and attaches its tracepoint programs, with the object's .rodata
 * `target_tgid` set to CMD's pid so that the programs ignore the rest of
 * the machine; releases CMD, waits for it, and prints each named map as
 * "map NAME" and then what `bpfx map dump` prints ("key: .. ..  value: ..
 * .." lines, then "Found N elements"). CMD must not fork: the kernel programs see only its pid.
 * Prints "skip: REASON" and exits 3 where bpf() is unavailable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kbpf.h"

static void print_hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i ? " " : "", p[i]);
}

/* An ARRAY map, key by key, in bpfx map dump's text format. */
static void dump_array(struct bpf_map *m)
{
	unsigned char val[4096];
	uint32_t n = bpf_map__max_entries(m);
	for (uint32_t k = 0; k < n; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(m), &k, val))
			continue;
		printf("key: ");
		print_hex((const unsigned char *)&k, 4);
		printf("  value: ");
		print_hex(val, bpf_map__value_size(m));
		printf("\n");
	}
	printf("Found %u element%s\n", n, n == 1 ? "" : "s");
}

/* Sets .rodata's target_tgid (the first 4 bytes: the test programs put it
 * there alone) before the load. */
static int set_target(struct bpf_object *obj, pid_t pid)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t sz;
		if (strlen(name) < 7 || strcmp(name + strlen(name) - 7, ".rodata"))
			continue;
		const void *v = bpf_map__initial_value(m, &sz);
		unsigned char data[256];
		if (!v || sz < 4 || sz > sizeof(data))
			return -EINVAL;
		memcpy(data, v, sz);
		memcpy(data, &(uint32_t){ (uint32_t)pid }, 4);
		return bpf_map__set_initial_value(m, data, sz);
	}
	return -ENOENT;
}

int main(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: ktrace OBJ MAP[,MAP...] -- CMD [ARGS...]\n");
		return 2;
	}
	const char *why = kbpf_unavailable();
	if (why) {
		printf("skip: %s\n", why);
		return 3;
	}
	int go[2];
	if (pipe(go))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execv(argv[4], argv + 4);
		_exit(127);
	}
	close(go[0]);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	struct bpf_link *links[16];
	int nl = 0, rc = 1;
	if (!obj || set_target(obj, pid) || bpf_object__load(obj)) {
		fprintf(stderr, "ktrace: can't load %s\n", argv[1]);
		goto out;
	}
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		if (nl == 16 || !(links[nl] = bpf_program__attach(p))) {
			fprintf(stderr, "ktrace: can't attach %s\n", bpf_program__name(p));
			goto out;
		}
		nl++;
	}
	if (write(go[1], "g", 1) != 1)
		goto out;
	int st;
	waitpid(pid, &st, 0);
	pid = 0;
	rc = 0;
	for (char *tok = strtok(argv[2], ","); tok; tok = strtok(NULL, ",")) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, tok);
		if (!m) {
			fprintf(stderr, "ktrace: no map %s\n", tok);
			rc = 1;
			break;
		}
		printf("map %s\n", tok);
		dump_array(m);
	}
out:
	close(go[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	for (int i = 0; i < nl; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return rc;
}
