/* SPDX-License-Identifier: MIT */
/* Formatting a diagnostic line for a caller-supplied log callback. */
#ifndef BPFX_UTIL_LOG_H
#define BPFX_UTIL_LOG_H

#include <bpfx/bpfx.h>

struct log_sink {
	bpfx_log_fn fn;   /* NULL: diagnostics are dropped */
	void *ctx;
};

void log_msg(const struct log_sink *sink, enum bpfx_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* BPFX_UTIL_LOG_H */
