/* SPDX-License-Identifier: MIT */
/* Shared by the packet commands (packet.c) and their threaded runs
 * (packet_threads.c). */
#ifndef BPFX_TOOLS_PACKET_H
#define BPFX_TOOLS_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include <bpfx/bpfx.h>

#include "pcapio.h"

/* One command: xdp, tc or socket. names: the verdicts counted (NULL for
 * socket filters, which keep a length). */
struct pkt_kind {
	const char *cmd;
	const char *what;          /* "an XDP" */
	const char *label;         /* "XDP" */
	bool (*match)(uint32_t prog_type);
	const char *const *names;
	unsigned nnames;
};
extern const struct pkt_kind pkt_kinds[3];

struct pkt_args {
	const char *obj, *prog, *in, *out, *pin_dir;
	unsigned threads;          /* 0: stream the file on one thread */
	const char *dev, *dev2;    /* live interfaces (packet_live.c) */
	uint64_t count;            /* live: stop after this many frames (0: never) */
	double duration;           /* live: stop after this many seconds (0: never) */
	bool progress;             /* live: a rate line on stderr even off a tty */
};

struct pkt_stats {
	uint64_t packets;
	uint64_t verdicts[10];
	uint64_t kept, dropped, bytes;   /* socket filters */
	uint64_t skipped, faults;
	uint64_t sent, send_errors;      /* live runs */
};

/* Counts frame idx's outcome (err: bpfx_pkt_runner__run's). net_len:
 * the frame's length after its Ethernet header. */
void pkt_count(struct pkt_stats *st, const struct pkt_kind *k, uint64_t idx, int err,
	       const struct bpfx_pkt_result *res, uint32_t net_len);

/* Whether the frame goes to OUT, and its bytes. */
bool pkt_output(const struct pkt_kind *k, const uint8_t *frame, uint32_t len,
		const struct bpfx_pkt_result *res, const uint8_t **out, uint32_t *out_len);

/* Reads all of `in` into memory, runs `threads` threads over it (frame i
 * on thread i % threads), then counts and writes OUT in file order.
 * *secs: the wall time of the runs alone. Returns 0 or the exit code
 * (error reported). */
int pkt_run_threads(const struct pkt_kind *k, int prog_fd, struct pcapio_in *in,
		    struct pcapio_out *out,
		    unsigned threads, struct pkt_stats *st, double *secs);

/* Runs the program on the frames a->dev (and a->dev2) receive until a
 * signal, a->count frames or a->duration seconds, acting on verdicts
 * (packet_live.c). *secs: the time it listened. 0 or the exit code. */
int pkt_run_live(const struct pkt_kind *k, int prog_fd, const struct pkt_args *a,
		 struct pkt_stats *st, double *secs);

#endif
