/* SPDX-License-Identifier: MIT */
/* A producer child's records consumed until they all arrived (tconsume.h). */
#include <signal.h>
#include <sys/wait.h>

#include "tconsume.h"

int t_consume_child(pid_t pid, int (*poll)(void *ctx), void *ctx, const int *cnt, int want)
{
	int status = 0;
	pid_t gone = 0;
	for (int idle = 0; *cnt < want && idle < 100;) {
		if (poll(ctx) > 0)
			idle = 0;
		else if (!gone && (gone = waitpid(pid, &status, WNOHANG)) == 0)
			idle++;
		else
			idle = gone ? idle + 10 : idle + 1; /* producer done: drain a little */
	}
	if (!gone) {
		if (*cnt < want)
			kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return status;
}
