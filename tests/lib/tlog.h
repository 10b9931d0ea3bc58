/* SPDX-License-Identifier: MIT */
/* A log sink for tests: keeps the last line and counts them. */
#ifndef BPFX_TESTS_TLOG_H
#define BPFX_TESTS_TLOG_H

#include "util/log.h"

extern char t_last_log[1024];
extern unsigned t_log_lines;
extern const struct log_sink t_log_sink;

/* Forgets what was captured. */
void t_log_reset(void);

#endif
