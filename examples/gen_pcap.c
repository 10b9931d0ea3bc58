/* SPDX-License-Identifier: MIT */
/*
 * gen_pcap OUT [N]: writes a pcap file of N (default 1000) Ethernet
 * frames for the XDP firewall example and the packet benchmarks: IPv4
 * TCP, UDP and ICMP echo requests from 10.0.0.1-10.0.0.60 and
 * 192.168.1.1-192.168.1.100 (some of them on the example's blocklist),
 * IPv6 UDP and ARP, with valid checksums. Deterministic: the same N
 * always gives the same file. Plain C, no libpcap, no network.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t seed = 2024;

static uint32_t next(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void put32le(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	fwrite(b, 1, 4, f);
}

/* An IPv4 packet after the Ethernet header; returns its length. */
static size_t ipv4(uint8_t *p, uint8_t proto, size_t payload)
{
	size_t l4 = proto == 6 ? 20 : 8, tot = 20 + l4 + payload;
	memset(p, 0, tot);
	p[0] = 0x45, p[8] = 64, p[9] = proto;
	put16(p + 2, (uint32_t)tot);
	put16(p + 4, next() & 0xffff);
	if (next() % 2) {
		p[12] = 10, p[15] = (uint8_t)(1 + next() % 60);
	} else {
		p[12] = 192, p[13] = 168, p[14] = 1, p[15] = (uint8_t)(1 + next() % 100);
	}
	p[16] = 10, p[17] = 1, p[18] = 0, p[19] = 1;
	put16(p + 10, csum(p, 20));
	uint8_t *l = p + 20;
	for (size_t i = 0; i < payload; i++)
		l[l4 + i] = (uint8_t)next();
	if (proto == 1) {                     /* echo request */
		l[0] = 8;
		put16(l + 4, next() & 0xffff);
		put16(l + 6, next() & 0xff);
		put16(l + 2, csum(l, l4 + payload));
	} else {
		put16(l, 1024 + next() % 60000);
		static const uint16_t ports[] = { 22, 53, 80, 443, 8080, 123 };
		put16(l + 2, ports[next() % 6]);
		if (proto == 6)
			l[12] = 0x50, l[13] = 0x10;
		else
			put16(l + 4, (uint32_t)(8 + payload));
	}
	return tot;
}

static size_t frame(uint8_t *f)
{
	static const uint8_t mac[12] = { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02 };
	memcpy(f, mac, 12);
	uint32_t kind = next() % 10;
	if (kind < 5 || kind == 5 || kind == 6 || kind == 7) {
		put16(f + 12, 0x0800);
		uint8_t proto = kind < 5 ? 6 : kind < 7 ? 17 : 1;
		return 14 + ipv4(f + 14, proto, next() % 200);
	}
	if (kind == 8) {                      /* IPv6/UDP */
		put16(f + 12, 0x86dd);
		memset(f + 14, 0, 48);
		f[14] = 0x60, f[19] = 8, f[20] = 17, f[21] = 64;
		f[22] = 0xfd, f[37] = (uint8_t)(next() % 250), f[38] = 0xfd, f[53] = 1;
		put16(f + 54, 5353), put16(f + 56, 5353), put16(f + 58, 8);
		return 62;
	}
	put16(f + 12, 0x0806);                /* ARP request */
	memset(f + 14, 0, 28);
	put16(f + 14, 1), put16(f + 16, 0x0800), f[18] = 6, f[19] = 4, put16(f + 20, 1);
	memset(f, 0xff, 6);
	return 42;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gen_pcap OUT [N]\n");
		return 2;
	}
	unsigned long n = argc == 3 ? strtoul(argv[2], NULL, 10) : 1000;
	FILE *f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	/* The classic pcap header: microseconds, version 2.4, Ethernet. */
	put32le(f, 0xa1b2c3d4);
	put32le(f, 0x00040002);
	put32le(f, 0);
	put32le(f, 0);
	put32le(f, 65535);
	put32le(f, 1);
	uint8_t buf[1600];
	for (unsigned long i = 0; i < n; i++) {
		size_t len = frame(buf);
		put32le(f, (uint32_t)(1700000000 + i / 1000));
		put32le(f, (uint32_t)(i % 1000) * 1000);
		put32le(f, (uint32_t)len);
		put32le(f, (uint32_t)len);
		fwrite(buf, 1, len, f);
	}
	if (fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
