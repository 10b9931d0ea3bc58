/* SPDX-License-Identifier: MIT */
/*
 * bpfx prog tracelog: prints the lines bpf_trace_printk leaves in the
 * trace pipe of the bpffs root as they arrive, until SIGINT or SIGTERM,
 * like `bpftool prog tracelog` reading the kernel's trace_pipe: lines are
 * consumed (another reader will not see them), lines written while no
 * reader ran are printed first, and -j prints a JSON array of the lines,
 * closed when interrupted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"

#define POLL_NS 20000000L          /* how often an idle pipe is looked at */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Prints buf[0..n), whole lines: plain, or each line as a JSON string. */
static void print_lines(char *buf, int n, bool *first)
{
	if (!cli_json) {
		fwrite(buf, 1, (size_t)n, stdout);
		return;
	}
	for (char *line = buf; line < buf + n;) {
		char *nl = memchr(line, '\n', (size_t)(buf + n - line));
		char saved = nl[1];
		nl[1] = '\0';
		fputs(*first ? "" : ",", stdout);
		json_escape(stdout, line);
		*first = false;
		nl[1] = saved;
		line = nl + 1;
	}
}

int cmd_prog_tracelog(int argc, char **argv)
{
	static char buf[1 << 16];
	struct sigaction sa = { .sa_handler = on_signal };
	bool first = true;
	int err = 0;

	if (argc > 0)
		return cli_error("unexpected '%s' after tracelog", argv[0]);
	sigaction(SIGINT, &sa, NULL);  /* no SA_RESTART: the sleep ends at once */
	sigaction(SIGTERM, &sa, NULL);
	if (cli_json)
		putchar('[');
	fflush(stdout);
	while (!stop) {
		/* Leaves room for print_lines' look past a line's end. */
		int n = bpfx_trace_pipe_read(buf, sizeof(buf) - 1);
		if (n < 0) {
			err = n;
			break;
		}
		if (n > 0) {
			print_lines(buf, n, &first);
			fflush(stdout);
			continue;
		}
		struct timespec ts = { 0, POLL_NS };
		nanosleep(&ts, NULL);
	}
	if (cli_json) {
		puts("]");
		fflush(stdout);
	}
	if (err)
		return cli_error("failed to read content from trace pipe: %s", strerror(-err));
	return 0;
}
