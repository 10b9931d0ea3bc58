/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "tlog.h"

char t_last_log[1024];
unsigned t_log_lines;

static void capture(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx, (void)level;
	snprintf(t_last_log, sizeof(t_last_log), "%s", msg);
	t_log_lines++;
}

const struct log_sink t_log_sink = { capture, NULL };

void t_log_reset(void)
{
	t_last_log[0] = '\0';
	t_log_lines = 0;
}
