/* SPDX-License-Identifier: MIT */
/* `bpfx trace`: printing the traced objects' ringbuf and perf records
 * while the command runs (trace_events.c). */
#ifndef BPFX_CLI_TRACE_EVENTS_H
#define BPFX_CLI_TRACE_EVENTS_H

#include <stddef.h>

#include <bpfx/bpfx.h>

struct trace_events;

/* Starts consuming the event maps of the loaded objects objs[0..n) (read
 * from files[i]); format: a BTF type of the objects to print records
 * through, or NULL for hex. *out is set even on failure (stop it).
 * 0, or the exit code after an error message. */
int trace_events_start(struct trace_events **out, struct bpfx_object *const *objs,
		       const char *const *files, size_t n, const char *format);
/* Stops the consumer, prints what is left in the rings, frees. NULL-safe. */
void trace_events_stop(struct trace_events *ev);

#endif
