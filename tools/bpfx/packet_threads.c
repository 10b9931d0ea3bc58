/* SPDX-License-Identifier: MIT */
/*
 * --threads N: the pcap file read into memory once, then N threads, each
 * with its own runner (and so its own per-CPU slot), over frames i, i+N,
 * ... Each thread records verdicts and, when OUT is asked for, copies of
 * the frames it passes; the main thread then counts and writes them in
 * file order, so the output does not depend on scheduling (maps shared
 * by the threads may).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "packet.h"

/* One frame of the file and its run's outcome, kept small: a million
 * frames live in memory at once. */
struct frame {
	long sec, usec;
	uint32_t caplen, len;
	size_t off;                     /* in the file's data */
	int err;
	uint32_t verdict;
	bool faulted;
	uint8_t *out;                   /* a malloc'd copy of the passed frame, or NULL */
	uint32_t out_len;
};

struct job {
	const struct pkt_kind *k;
	int prog_fd;
	const uint8_t *data;
	struct frame *frames;
	size_t n;
	unsigned step, first;
	bool keep_output;
	int err;                        /* creating the runner */
	char fault_msg[192];            /* the thread's first fault */
};

static void *run_part(void *arg)
{
	struct job *j = arg;
	struct bpfx_pkt_runner *r = bpfx_pkt_runner__new(j->prog_fd, &j->err);
	if (!r)
		return NULL;
	for (size_t i = j->first; i < j->n; i += j->step) {
		struct frame *f = &j->frames[i];
		const uint8_t *bytes = j->data + f->off, *o;
		struct bpfx_pkt_result res;
		uint32_t olen;
		f->err = bpfx_pkt_runner__run(r, bytes, f->caplen, &res);
		f->verdict = res.verdict;
		f->faulted = res.fault_msg[0] != '\0';
		if (f->faulted && !j->fault_msg[0])
			memcpy(j->fault_msg, res.fault_msg, sizeof(j->fault_msg));
		if (!f->err && j->keep_output && pkt_output(j->k, bytes, f->caplen, &res, &o, &olen) &&
		    (f->out = malloc(olen ? olen : 1))) {
			memcpy(f->out, o, olen);
			f->out_len = olen;
		}
	}
	bpfx_pkt_runner__free(r);
	return NULL;
}

/* The whole file: frame headers and one buffer of their bytes. */
static int read_all(struct pcapio_in *in, struct frame **frames, size_t *n, uint8_t **data)
{
	size_t cap = 0, dcap = 0, dlen = 0;
	struct pcapio_frame fr, *h = &fr;
	char why[512];
	int rc;
	*frames = NULL, *n = 0, *data = NULL;
	while ((rc = pcapio_next(in, &fr, why, sizeof(why))) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			void *p = realloc(*frames, cap * sizeof(**frames));
			if (!p)
				return cli_error("out of memory reading the capture");
			*frames = p;
		}
		while (dlen + h->caplen > dcap) {
			dcap = dcap ? dcap * 2 : 1 << 20;
			void *p = realloc(*data, dcap);
			if (!p)
				return cli_error("out of memory reading the capture");
			*data = p;
		}
		memcpy(*data + dlen, fr.data, h->caplen);
		(*frames)[(*n)++] = (struct frame){ .sec = h->sec, .usec = h->usec,
						    .caplen = h->caplen, .len = h->len, .off = dlen };
		dlen += h->caplen;
	}
	if (rc < 0)
		return cli_error("can't read frame %zu: %s", *n + 1, why);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int pkt_run_threads(const struct pkt_kind *k, int prog_fd, struct pcapio_in *in,
		    struct pcapio_out *out,
		    unsigned threads, struct pkt_stats *st, double *secs)
{
	struct frame *frames;
	uint8_t *data;
	size_t n;
	int rc = read_all(in, &frames, &n, &data);
	struct job *jobs = rc ? NULL : calloc(threads, sizeof(*jobs));
	pthread_t *tids = jobs ? calloc(threads, sizeof(*tids)) : NULL;
	if (!rc && !tids)
		rc = cli_error("out of memory");
	unsigned started = 0;
	double t0 = now_s();
	for (unsigned t = 0; !rc && t < threads; t++) {
		jobs[t] = (struct job){ .k = k, .prog_fd = prog_fd, .data = data, .frames = frames,
					.n = n, .step = threads, .first = t, .keep_output = out != NULL };
		if (pthread_create(&tids[t], NULL, run_part, &jobs[t]))
			rc = cli_error("can't start thread %u", t + 1);
		else
			started++;
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	*secs = now_s() - t0;
	for (unsigned t = 0; !rc && t < threads; t++)
		if (jobs[t].err)
			rc = cli_error("can't run the program: %s", strerror(-jobs[t].err));
	for (size_t i = 0; i < n; i++) {
		struct frame *f = &frames[i];
		if (!rc) {
			struct bpfx_pkt_result res = { .verdict = f->verdict };
			if (f->faulted)
				memcpy(res.fault_msg, jobs[i % threads].fault_msg, sizeof(res.fault_msg));
			pkt_count(st, k, i, f->err, &res, f->caplen > 14 ? f->caplen - 14 : 0);
		}
		if (!rc && f->out) {
			struct pcapio_frame of = { f->sec, f->usec, f->out_len,
						   f->out_len + (f->len - f->caplen), f->out };
			pcapio_write(out, &of);
		}
		free(f->out);
	}
	free(tids);
	free(jobs);
	free(frames);
	free(data);
	return rc;
}
