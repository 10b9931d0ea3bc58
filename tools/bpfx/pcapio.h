/* SPDX-License-Identifier: MIT */
/*
 * Packet capture files through libpcap, behind a small interface of our
 * own: libpcap's <pcap/bpf.h> defines a classic-BPF struct bpf_insn that
 * clashes with <linux/bpf.h>, so only pcapio.c includes libpcap.
 */
#ifndef BPFX_TOOLS_PCAPIO_H
#define BPFX_TOOLS_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

struct pcapio_in;
struct pcapio_out;

struct pcapio_frame {
	long sec, usec;            /* the capture's timestamp */
	uint32_t caplen, len;      /* bytes captured, bytes on the wire */
	const uint8_t *data;       /* valid until the next read */
};

/* Opens a pcap or pcapng file of Ethernet frames. NULL with a reason in
 * err (a missing or unreadable file, another link type). */
struct pcapio_in *pcapio_open(const char *path, char *err, size_t err_sz);
/* 1: a frame; 0: the end; -1: a damaged file (reason in err). */
int pcapio_next(struct pcapio_in *in, struct pcapio_frame *f, char *err, size_t err_sz);
void pcapio_close(struct pcapio_in *in);

/* Creates a pcap file of Ethernet frames; NULL with a reason in err. */
struct pcapio_out *pcapio_create(const char *path, char *err, size_t err_sz);
void pcapio_write(struct pcapio_out *out, const struct pcapio_frame *f);
void pcapio_close_out(struct pcapio_out *out);

#endif
