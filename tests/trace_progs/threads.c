/* SPDX-License-Identifier: MIT */
/*
 * threads N CALLS [DELAY_MS]: after DELAY_MS (time for `bpfx trace -p` to
 * attach), starts N threads that each make CALLS getppid system calls,
 * then a child process that makes CALLS more, and waits for them all.
 * Traced by tests/suites/trace.sh with getppid_threads.bpf.c.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long calls;

static void *worker(void *arg)
{
	(void)arg;
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int n = atoi(argv[1]);
	calls = atol(argv[2]);
	if (argc > 3) {
		struct timespec ts = { atoi(argv[3]) / 1000, (atoi(argv[3]) % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	pthread_t t[64];
	for (int i = 0; i < n && i < 64; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < n && i < 64; i++)
		pthread_join(t[i], NULL);
	pid_t child = fork();
	if (child == 0) {
		worker(NULL);
		_exit(0);
	}
	int st;
	waitpid(child, &st, 0);
	return 0;
}
