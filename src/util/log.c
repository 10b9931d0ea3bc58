/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "util/log.h"

void log_msg(const struct log_sink *sink, enum bpfx_log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!sink || !sink->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sink->fn(sink->ctx, level, line);
}
