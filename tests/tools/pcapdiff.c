/* SPDX-License-Identifier: MIT */
/*
 * pcapdiff KIND OBJ PROG IN OUT JSON PINDIR: checks what
 * `bpfx KIND OBJ prog PROG --pcap IN --out OUT pinmaps PINDIR -j` left
 * (OUT, its JSON output saved in the file JSON, the maps pinned under
 * PINDIR in $BPFX_FS) against the kernel running the same program on the
 * same frames through BPF_PROG_TEST_RUN (loaded with libbpf, used only to
 * ask the kernel): the same verdict counts, the same frames passed, byte
 * for byte and in order, the same final maps. KIND is xdp, tc or socket.
 * Reads classic little-endian pcap files itself (what gen_pcap and
 * libpcap write here). Without bpf(), checks only that bpfx counted every
 * frame, and skips the rest saying why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "mapdump.h"
#include "tcheck.h"

struct frames {
	size_t n;
	uint8_t **data;
	uint32_t *len;
};

static void frames_add(struct frames *f, const uint8_t *p, uint32_t len)
{
	f->data = realloc(f->data, (f->n + 1) * sizeof(*f->data));
	f->len = realloc(f->len, (f->n + 1) * sizeof(*f->len));
	f->data[f->n] = malloc(len ? len : 1);
	memcpy(f->data[f->n], p, len);
	f->len[f->n++] = len;
}

static void frames_free(struct frames *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->data[i]);
	free(f->data);
	free(f->len);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool read_pcap(const char *path, struct frames *f)
{
	size_t size;
	uint8_t *b = (uint8_t *)t_read_file(path, &size);
	if (!CHECK(b && size >= 24 && (le32(b) == 0xa1b2c3d4 || le32(b) == 0xa1b23c4d),
		   "%s is a little-endian pcap file", path)) {
		free(b);
		return false;
	}
	for (size_t off = 24; off + 16 <= size;) {
		uint32_t caplen = le32(b + off + 8);
		if (off + 16 + caplen > size) {
			CHECK(false, "%s: frame %zu is cut short", path, f->n + 1);
			break;
		}
		frames_add(f, b + off + 16, caplen);
		off += 16 + caplen;
	}
	free(b);
	return true;
}

/* The verdict table the CLI prints, and whether a frame goes to OUT; an
 * independent statement of docs/HOOKS.md's rules. */
static const char *const xdp_names[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					 "XDP_REDIRECT" };
static const char *const tc_names[] = { "TC_ACT_UNSPEC", "TC_ACT_OK", "TC_ACT_RECLASSIFY",
					"TC_ACT_SHOT", "TC_ACT_PIPE", "TC_ACT_STOLEN",
					"TC_ACT_QUEUED", "TC_ACT_REPEAT", "TC_ACT_REDIRECT",
					"TC_ACT_TRAP" };

struct expect {
	uint64_t counts[10], packets, kept, dropped, bytes;
	struct frames out;
};

static void kernel_frame(const char *kind, int fd, const uint8_t *p, uint32_t len,
			 struct expect *e)
{
	static uint8_t out[16384];
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)fd, .data_in = (uintptr_t)p,
				       .data_size_in = len, .data_out = (uintptr_t)out,
				       .data_size_out = sizeof(out) } };
	if (kbpf_sys(BPF_PROG_TEST_RUN, &t, sizeof(t)))
		CHECK(false, "kernel test_run of frame %llu: %s",
		      (unsigned long long)e->packets + 1, strerror(errno));
	uint32_t v = t.test.retval;
	e->packets++;
	if (!strcmp(kind, "xdp")) {
		e->counts[v <= 4 ? v : 0]++;
		if (v >= 2 && v <= 4)
			frames_add(&e->out, out, t.test.data_size_out);
	} else if (!strcmp(kind, "tc")) {
		int32_t s = (int32_t)v;
		e->counts[s >= -1 && s <= 8 ? s + 1 : 0]++;
		if (s != 2 && s != 4 && s != 8)
			frames_add(&e->out, out, t.test.data_size_out);
	} else {
		uint32_t net = len - 14, kept = v < net ? v : net;
		if (!kept) {
			e->dropped++;
			return;
		}
		e->kept++;
		e->bytes += kept;
		frames_add(&e->out, p, 14 + kept);
	}
}

static void expected_json(const char *kind, const struct expect *e, char *d, size_t room)
{
	int n = snprintf(d, room, "{\"packets\":%llu", (unsigned long long)e->packets);
	if (!strcmp(kind, "socket")) {
		snprintf(d + n, room - (size_t)n, ",\"kept\":%llu,\"dropped\":%llu,\"bytes\":%llu}",
			 (unsigned long long)e->kept, (unsigned long long)e->dropped,
			 (unsigned long long)e->bytes);
		return;
	}
	bool xdp = !strcmp(kind, "xdp");
	const char *const *names = xdp ? xdp_names : tc_names;
	n += snprintf(d + n, room - (size_t)n, ",\"verdicts\":{");
	for (int i = 0; i < (xdp ? 5 : 10); i++)
		n += snprintf(d + n, room - (size_t)n, "%s\"%s\":%llu", i ? "," : "", names[i],
			      (unsigned long long)e->counts[i]);
	snprintf(d + n, room - (size_t)n, "}}");
}

static void compare_maps(struct bpf_object *obj, const char *pindir, uint32_t ncpus)
{
	static char mine[4096], theirs[4096];
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", pindir, bpf_map__name(map));
		union bpf_attr a = { .pathname = (uintptr_t)path };
		int fd = bpfx_bpf(BPF_OBJ_GET, &a, sizeof(a));
		if (!CHECK(fd >= 0, "bpfx pinned map %s: %s", path, strerror(errno)))
			continue;
		dump_map(kbpf_sys, bpf_map__fd(map), bpf_map__name(map), bpf_map__type(map),
			 bpf_map__key_size(map), bpf_map__value_size(map), ncpus, theirs);
		dump_map(bpfx_bpf, fd, bpf_map__name(map), bpf_map__type(map),
			 bpf_map__key_size(map), bpf_map__value_size(map), ncpus, mine);
		CHECK(!strcmp(mine, theirs), "map %.200s\n  kernel: %.200s", mine, theirs);
		close(fd);
	}
}

static void compare_out(const struct frames *mine, const struct frames *theirs)
{
	size_t differ = 0;
	for (size_t i = 0; i < mine->n && i < theirs->n; i++)
		if (mine->len[i] != theirs->len[i] ||
		    memcmp(mine->data[i], theirs->data[i], mine->len[i])) {
			if (!differ++)
				fprintf(stderr, "  first differing output frame: %zu (%u vs %u bytes)\n",
					i + 1, mine->len[i], theirs->len[i]);
		}
	CHECK(mine->n == theirs->n && !differ, "output frames: bpfx %zu, kernel %zu, %zu differ",
	      mine->n, theirs->n, differ);
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: pcapdiff KIND OBJ PROG IN OUT JSON PINDIR\n");
		return 2;
	}
	const char *kind = argv[1], *objp = argv[2], *prog = argv[3];
	struct frames in = { 0 }, out = { 0 };
	struct expect e = { 0 };
	size_t jlen;
	char *json = t_read_file(argv[6], &jlen);
	if (!read_pcap(argv[4], &in) || !read_pcap(argv[5], &out) ||
	    !CHECK(json != NULL, "bpfx's JSON output in %s", argv[6]))
		goto done;
	json[strcspn(json, "\n")] = '\0';
	char want[1024];
	snprintf(want, sizeof(want), "{\"packets\":%zu,", in.n);
	CHECK(!strncmp(json, want, strlen(want)), "bpfx counted every frame: %s", json);
	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of %s over %s: %s", prog, argv[4], why);
		goto done;
	}
	libbpf_set_print(NULL);
	struct bpf_object *obj = bpf_object__open_file(objp, NULL);
	if (!CHECK(obj && !bpf_object__load(obj), "the kernel loads %s", objp))
		goto done;
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	if (CHECK(p != NULL, "%s has %s", objp, prog)) {
		for (size_t i = 0; i < in.n; i++)
			kernel_frame(kind, bpf_program__fd(p), in.data[i], in.len[i], &e);
		expected_json(kind, &e, want, sizeof(want));
		CHECK(!strcmp(json, want), "verdicts\n  bpfx:   %s\n  kernel: %s", json, want);
		compare_out(&out, &e.out);
		compare_maps(obj, argv[7], kbpf_possible_cpus());
	}
	bpf_object__close(obj);
done:
	free(json);
	frames_free(&in);
	frames_free(&out);
	frames_free(&e.out);
	return t_done("pcapdiff");
}
