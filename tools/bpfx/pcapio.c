/* SPDX-License-Identifier: MIT */
/* pcapio.h over libpcap (pcap and pcapng input, pcap output). */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "pcapio.h"

struct pcapio_in {
	pcap_t *p;
};

struct pcapio_out {
	pcap_t *dead;
	pcap_dumper_t *d;
};

struct pcapio_in *pcapio_open(const char *path, char *err, size_t err_sz)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline(path, errbuf);
	if (!p) {
		snprintf(err, err_sz, "%s", errbuf);
		return NULL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		const char *n = pcap_datalink_val_to_name(pcap_datalink(p));
		snprintf(err, err_sz, "link type %s, not Ethernet", n ? n : "unknown");
		pcap_close(p);
		return NULL;
	}
	struct pcapio_in *in = malloc(sizeof(*in));
	if (!in) {
		snprintf(err, err_sz, "out of memory");
		pcap_close(p);
		return NULL;
	}
	in->p = p;
	return in;
}

int pcapio_next(struct pcapio_in *in, struct pcapio_frame *f, char *err, size_t err_sz)
{
	struct pcap_pkthdr *h;
	const u_char *bytes;
	int rc = pcap_next_ex(in->p, &h, &bytes);
	if (rc == 1) {
		*f = (struct pcapio_frame){ h->ts.tv_sec, h->ts.tv_usec, h->caplen, h->len, bytes };
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	snprintf(err, err_sz, "%s", pcap_geterr(in->p));
	return -1;
}

void pcapio_close(struct pcapio_in *in)
{
	if (!in)
		return;
	pcap_close(in->p);
	free(in);
}

struct pcapio_out *pcapio_create(const char *path, char *err, size_t err_sz)
{
	struct pcapio_out *o = calloc(1, sizeof(*o));
	if (!o || !(o->dead = pcap_open_dead(DLT_EN10MB, 262144))) {
		snprintf(err, err_sz, "out of memory");
		free(o);
		return NULL;
	}
	if (!(o->d = pcap_dump_open(o->dead, path))) {
		snprintf(err, err_sz, "%s", pcap_geterr(o->dead));
		pcap_close(o->dead);
		free(o);
		return NULL;
	}
	return o;
}

void pcapio_write(struct pcapio_out *o, const struct pcapio_frame *f)
{
	struct pcap_pkthdr h = { .caplen = f->caplen, .len = f->len };
	h.ts.tv_sec = f->sec;
	h.ts.tv_usec = f->usec;
	pcap_dump((u_char *)o->d, &h, f->data);
}

void pcapio_close_out(struct pcapio_out *o)
{
	if (!o)
		return;
	pcap_dump_close(o->d);
	pcap_close(o->dead);
	free(o);
}
