/* SPDX-License-Identifier: MIT */
/*
 * The kernel's side of bench/trace/overhead.sh: loads OBJ into the kernel
 * with libbpf, attaches its programs (tracepoints), runs CMD, detaches.
 * The kernel's per-hit cost of an empty tracepoint program is then
 * CMD's time with and without it.
 *
 *   kernel_attach OBJ CMD [ARGS...]
 */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: kernel_attach OBJ CMD [ARGS...]\n");
		return 2;
	}
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "kernel_attach: can't load %s\n", argv[1]);
		return 1;
	}
	struct bpf_link *links[16];
	int n = 0;
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		if (n < 16 && !(links[n] = bpf_program__attach(p))) {
			fprintf(stderr, "kernel_attach: can't attach %s\n", bpf_program__name(p));
			return 1;
		}
		n++;
	}
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	for (int i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
