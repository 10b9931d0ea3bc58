/* SPDX-License-Identifier: MIT */
/*
 * bpfx xdp | tc | socket OBJ [prog NAME] --pcap IN [--out OUT]
 *      [pinmaps DIR] [--threads N]
 *
 * Runs a packet program of an object over every frame of a pcap or pcapng
 * file (libpcap), in order, maps kept across frames; each frame runs as
 * BPF_PROG_TEST_RUN would run it (bpfx_pkt_runner). Frames the program
 * passes or sends on (XDP_PASS, XDP_TX, XDP_REDIRECT; tc verdicts other
 * than SHOT, STOLEN and TRAP; what a socket filter keeps), as modified, go
 * to OUT. Prints the verdict counts. --threads N first reads the file
 * into memory and runs N threads over it (each its own runner and per-CPU
 * slot), and reports the packet rate.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "packet.h"

static const char *const xdp_names[] = {
	"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT",
};
static const char *const tc_names[] = {
	"TC_ACT_UNSPEC", "TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE",
	"TC_ACT_STOLEN", "TC_ACT_QUEUED", "TC_ACT_REPEAT", "TC_ACT_REDIRECT", "TC_ACT_TRAP",
};

static bool type_xdp(uint32_t t) { return t == BPF_PROG_TYPE_XDP; }
static bool type_tc(uint32_t t) { return t == BPF_PROG_TYPE_SCHED_CLS || t == BPF_PROG_TYPE_SCHED_ACT; }
static bool type_socket(uint32_t t) { return t == BPF_PROG_TYPE_SOCKET_FILTER; }

const struct pkt_kind pkt_kinds[3] = {
	{ "xdp", "an XDP", "XDP", type_xdp, xdp_names, 5 },
	{ "tc", "a tc", "tc", type_tc, tc_names, 10 },
	{ "socket", "a socket filter", "socket filter", type_socket, NULL, 0 },
};

/* The slot of a verdict in the kind's table. XDP: an unknown action is
 * an abort (the kernel warns and drops it); tc: TC_ACT_UNSPEC (-1) is
 * slot 0, an unknown value counts as UNSPEC, as cls_bpf treats it. */
static unsigned verdict_slot(const struct pkt_kind *k, uint32_t v)
{
	if (k->names == xdp_names)
		return v <= 4 ? v : 0;
	int32_t s = (int32_t)v;
	return s >= -1 && s <= 8 ? (unsigned)(s + 1) : 0;
}

/* Does the frame go on (to OUT)? */
static bool verdict_passes(const struct pkt_kind *k, uint32_t v)
{
	if (k->names == xdp_names)
		return v >= 2 && v <= 4;
	if (k->names == tc_names)
		return v != 2 && v != 4 && v != 8; /* SHOT, STOLEN, TRAP */
	return v != 0;
}

static void usage(const struct pkt_kind *k, FILE *f)
{
	fprintf(f, "Usage: bpfx %s OBJ [prog NAME] --pcap IN [--out OUT] [pinmaps DIR]\n"
		   "       [--threads N]\n"
		   "   or: bpfx %s OBJ [prog NAME] --dev IFACE [--dev2 IFACE2] [--count N]\n"
		   "       [--duration S] [--progress] [pinmaps DIR]\n"
		   "runs %s program of OBJ over every frame of IN (pcap or pcapng), maps\n"
		   "kept across frames; frames it passes go to OUT (pcap). -j prints JSON.\n"
		   "--threads N runs N threads over an in-memory copy and reports the rate.\n"
		   "--dev runs it on the frames IFACE receives (AF_PACKET) until Ctrl-C,\n"
		   "N frames or S seconds: drops are dropped, XDP_TX goes back out of\n"
		   "IFACE, redirects out of their target, passed frames out of IFACE2\n"
		   "(with one interface the kernel has delivered them already).\n",
		k->cmd, k->cmd, k->what);
}

static int parse(const struct pkt_kind *k, int argc, char **argv, struct pkt_args *a)
{
	memset(a, 0, sizeof(*a));
	if (argc < 1)
		return usage(k, stderr), 2;
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help"))
		return usage(k, stdout), -1;
	a->obj = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "prog") || !strcmp(o, "--pcap") || !strcmp(o, "--out") ||
		    !strcmp(o, "pinmaps") || !strcmp(o, "--threads") || !strcmp(o, "--dev") ||
		    !strcmp(o, "--dev2") || !strcmp(o, "--peer") || !strcmp(o, "--count") ||
		    !strcmp(o, "--duration")) {
			if (!v)
				return cli_error("expected a value after '%s'", o);
			i++;
		} else if (!strcmp(o, "--progress")) {
			a->progress = true;
			continue;
		} else {
			return cli_error("unknown argument '%s' (see bpfx %s help)", o, k->cmd);
		}
		if (!strcmp(o, "prog"))
			a->prog = v;
		else if (!strcmp(o, "--pcap"))
			a->in = v;
		else if (!strcmp(o, "--out"))
			a->out = v;
		else if (!strcmp(o, "pinmaps"))
			a->pin_dir = v;
		else if (!strcmp(o, "--dev"))
			a->dev = v;
		else if (!strcmp(o, "--dev2") || !strcmp(o, "--peer"))
			a->dev2 = v;
		else if (!strcmp(o, "--count") || !strcmp(o, "--duration")) {
			char *end;
			double d = strtod(v, &end);
			if (*end || !(d > 0) || d > 1e12)
				return cli_error("%s wants a positive number, not '%s'", o, v);
			if (o[2] == 'c')
				a->count = (uint64_t)d;
			else
				a->duration = d;
		} else {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			if (*end || !n || n > 256)
				return cli_error("--threads wants a number from 1 to 256, not '%s'", v);
			a->threads = (unsigned)n;
		}
	}
	if (a->dev && (a->in || a->out || a->threads))
		return cli_error("--dev runs on an interface: no --pcap, --out or --threads");
	if (a->dev2 && !a->dev)
		return cli_error("--dev2 wants --dev too");
	if (!a->in && !a->dev)
		return cli_error("expected --pcap FILE or --dev IFACE (see bpfx %s help)", k->cmd);
	return 0;
}

/* The program to run: `prog NAME`, else the first of the kind. */
static int pick_prog(const struct pkt_kind *k, struct bpfx_object *obj, const struct pkt_args *a,
		     int *fd)
{
	struct bpfx_program *p = NULL;
	if (a->prog) {
		p = bpfx_object__find_program(obj, a->prog);
		if (!p)
			return cli_error("no program named '%s' in %s", a->prog, a->obj);
		if (!k->match(bpfx_program__type(p)))
			return cli_error("program '%s' is not %s program (its type is %s)", a->prog,
					 k->what, bpfx_prog_type_name(bpfx_program__type(p)));
	} else {
		for (size_t i = 0; !p && i < bpfx_object__program_cnt(obj); i++)
			if (k->match(bpfx_program__type(bpfx_object__program(obj, i))))
				p = bpfx_object__program(obj, i);
		if (!p)
			return cli_error("%s has no %s program", a->obj, k->label);
	}
	*fd = bpfx_program__fd(p);
	return 0;
}

static int pin_maps(struct bpfx_object *obj, const char *dir)
{
	cli_make_dir(dir);
	for (size_t i = 0; i < bpfx_object__map_cnt(obj); i++) {
		struct bpfx_map *m = bpfx_object__map(obj, i);
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, bpfx_map__name(m));
		union bpf_attr at = { .pathname = (uintptr_t)path,
				      .bpf_fd = (uint32_t)bpfx_map__fd(m) };
		if (bpfx_bpf(BPF_OBJ_PIN, &at, sizeof(at)))
			return cli_error("failed to pin map %s at %s: %s", bpfx_map__name(m), path,
					 strerror(errno));
	}
	return 0;
}

/* Counts one frame's outcome; warns once per kind of trouble. */
void pkt_count(struct pkt_stats *st, const struct pkt_kind *k, uint64_t idx, int err,
	       const struct bpfx_pkt_result *res, uint32_t net_len)
{
	st->packets++;
	if (err && !res->fault_msg[0]) {
		if (!st->skipped++)
			fprintf(stderr, "warning: frame %llu not run: test_run refuses it (%s)\n",
				(unsigned long long)idx + 1, strerror(-err));
		return;
	}
	if (err) {
		if (!st->faults++)
			fprintf(stderr, "warning: frame %llu: the program faulted: %s\n",
				(unsigned long long)idx + 1, res->fault_msg);
		if (k->names)
			st->verdicts[k->names == tc_names ? 3 : 0]++; /* SHOT / ABORTED */
		else
			st->dropped++;
		return;
	}
	if (k->names) {
		st->verdicts[verdict_slot(k, res->verdict)]++;
		return;
	}
	uint32_t kept = res->verdict < net_len ? res->verdict : net_len;
	if (kept) {
		st->kept++;
		st->bytes += kept;
	} else {
		st->dropped++;
	}
}

/* The bytes a passed frame leaves: socket filters keep the original
 * link-layer header and the first `verdict` bytes after it. */
bool pkt_output(const struct pkt_kind *k, const uint8_t *frame, uint32_t len,
		const struct bpfx_pkt_result *res, const uint8_t **out, uint32_t *out_len)
{
	if (!verdict_passes(k, res->verdict))
		return false;
	if (k->names) {
		*out = res->data, *out_len = res->len;
		return true;
	}
	uint32_t net = len - 14;
	*out = frame;
	*out_len = 14 + (res->verdict < net ? res->verdict : net);
	return true;
}

static void print_stats(const struct pkt_kind *k, const struct pkt_stats *st, double secs,
			unsigned threads)
{
	if (cli_json) {
		json_begin_object();
		json_key("packets");
		json_uint(st->packets);
		if (k->names) {
			json_key("verdicts");
			json_begin_object();
			for (unsigned i = 0; i < k->nnames; i++) {
				json_key(k->names[i]);
				json_uint(st->verdicts[i]);
			}
			json_end_object();
		} else {
			json_key("kept");
			json_uint(st->kept);
			json_key("dropped");
			json_uint(st->dropped);
			json_key("bytes");
			json_uint(st->bytes);
		}
		if (st->skipped) {
			json_key("skipped");
			json_uint(st->skipped);
		}
		if (st->faults) {
			json_key("faults");
			json_uint(st->faults);
		}
		if (st->sent || st->send_errors) {
			json_key("sent");
			json_uint(st->sent);
			json_key("send_errors");
			json_uint(st->send_errors);
		}
		if (threads) {
			json_key("threads");
			json_uint(threads);
			json_key("packets_per_second");
			json_uint((uint64_t)(secs > 0 ? st->packets / secs : 0));
		}
		json_end_object();
		json_end_document();
		return;
	}
	printf("%-16s %12llu\n", "packets", (unsigned long long)st->packets);
	for (unsigned i = 0; i < k->nnames; i++)
		printf("%-16s %12llu\n", k->names[i], (unsigned long long)st->verdicts[i]);
	if (!k->names) {
		printf("%-16s %12llu\n", "kept", (unsigned long long)st->kept);
		printf("%-16s %12llu\n", "dropped", (unsigned long long)st->dropped);
		printf("%-16s %12llu\n", "bytes kept", (unsigned long long)st->bytes);
	}
	if (st->skipped)
		printf("%-16s %12llu\n", "not run", (unsigned long long)st->skipped);
	if (st->faults)
		printf("%-16s %12llu\n", "faults", (unsigned long long)st->faults);
	if (st->sent || st->send_errors) {
		printf("%-16s %12llu\n", "sent", (unsigned long long)st->sent);
		printf("%-16s %12llu\n", "send errors", (unsigned long long)st->send_errors);
	}
	if (threads)
		printf("%-16s %12.0f  (%u thread%s, %.3f s)\n", "packets/s",
		       secs > 0 ? st->packets / secs : 0.0, threads, threads > 1 ? "s" : "", secs);
}

/* Streams the file: one runner, frames in order, a progress line on a
 * terminal every 64Ki frames. */
static int run_stream(const struct pkt_kind *k, int fd, struct pcapio_in *in,
		      struct pcapio_out *out, struct pkt_stats *st)
{
	int err = 0, rc;
	char why[512];
	struct bpfx_pkt_runner *r = bpfx_pkt_runner__new(fd, &err);
	if (!r)
		return cli_error("can't run the program: %s", strerror(-err));
	struct pcapio_frame f;
	bool progress = isatty(STDERR_FILENO) && !cli_json;
	while ((rc = pcapio_next(in, &f, why, sizeof(why))) == 1) {
		struct bpfx_pkt_result res;
		uint64_t idx = st->packets;
		err = bpfx_pkt_runner__run(r, f.data, f.caplen, &res);
		pkt_count(st, k, idx, err, &res, f.caplen > 14 ? f.caplen - 14 : 0);
		const uint8_t *o;
		uint32_t olen;
		if (!err && out && pkt_output(k, f.data, f.caplen, &res, &o, &olen)) {
			struct pcapio_frame of = { f.sec, f.usec, olen, olen + (f.len - f.caplen), o };
			pcapio_write(out, &of);
		}
		if (progress && !(st->packets & 0xffff))
			fprintf(stderr, "\r%llu packets", (unsigned long long)st->packets);
	}
	if (progress && st->packets > 0xffff)
		fprintf(stderr, "\r\033[K");
	bpfx_pkt_runner__free(r);
	if (rc < 0)
		return cli_error("can't read frame %llu: %s", (unsigned long long)st->packets + 1,
				 why);
	return 0;
}

static int run_file(const struct pkt_kind *k, const struct pkt_args *a, int fd,
		    struct pkt_stats *st, double *secs)
{
	char why[512];
	struct pcapio_in *in = pcapio_open(a->in, why, sizeof(why));
	if (!in)
		return cli_error("can't read %s: %s", a->in, why);
	struct pcapio_out *out = NULL;
	if (a->out && !(out = pcapio_create(a->out, why, sizeof(why)))) {
		pcapio_close(in);
		return cli_error("can't write %s: %s", a->out, why);
	}
	int rc = a->threads ? pkt_run_threads(k, fd, in, out, a->threads, st, secs)
			    : run_stream(k, fd, in, out, st);
	pcapio_close_out(out);
	pcapio_close(in);
	return rc;
}

static int run_kind(const struct pkt_kind *k, int argc, char **argv)
{
	struct pkt_args a;
	int rc = parse(k, argc, argv, &a), err = 0, fd = -1;
	if (rc)
		return rc < 0 ? 0 : rc;
	struct bpfx_object_opts o = { .sz = sizeof(o) };
	struct bpfx_object *obj = bpfx_object__open(a.obj, &o, &err);
	if (!obj)
		return cli_error("failed to open object file %s: %s", a.obj, strerror(-err));
	if ((err = bpfx_object__load(obj)))
		rc = cli_error("failed to load object file %s: %s", a.obj, strerror(-err));
	if (!rc)
		rc = pick_prog(k, obj, &a, &fd);
	struct pkt_stats st = { 0 };
	double secs = 0;
	if (!rc)
		rc = a.dev ? pkt_run_live(k, fd, &a, &st, &secs) : run_file(k, &a, fd, &st, &secs);
	if (!rc && a.pin_dir)
		rc = pin_maps(obj, a.pin_dir);
	if (!rc)
		print_stats(k, &st, secs, a.threads);
	bpfx_object__close(obj);
	return rc;
}

int cmd_xdp(int argc, char **argv)
{
	return run_kind(&pkt_kinds[0], argc, argv);
}

int cmd_tc(int argc, char **argv)
{
	return run_kind(&pkt_kinds[1], argc, argv);
}

int cmd_socket(int argc, char **argv)
{
	return run_kind(&pkt_kinds[2], argc, argv);
}
