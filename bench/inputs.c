/* SPDX-License-Identifier: MIT */
/*
 * The inputs of the benchmark programs: fixed pseudo-random bytes (the
 * same on every run, so results can be compared between runs), the same
 * bytes twice over, and a 98-byte ICMP echo request.
 */
#include <string.h>

#include "bench.h"

/* xorshift64*: deterministic bytes. */
void bench_fill_random(uint8_t *mem, size_t len)
{
	uint64_t x = 0x853c49e6748fea9bull;

	for (size_t i = 0; i < len; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		mem[i] = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> 56);
	}
}

/* Random bytes in the first half, repeated in the second. */
void bench_fill_twice(uint8_t *mem, size_t len)
{
	bench_fill_random(mem, len / 2);
	memcpy(mem + len / 2, mem, len / 2);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* What `ping` sends: Ethernet, IPv4 (20 bytes, valid checksum, DF),
 * ICMP echo request with 56 bytes of payload: 98 bytes in all. */
void bench_fill_ping(uint8_t *mem, size_t len)
{
	static const uint8_t eth[14] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02,     /* destination */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,     /* source */
		0x08, 0x00,                             /* IPv4 */
	};
	static const uint8_t ip[20] = {
		0x45, 0x00, 0x00, 84,                   /* v4, IHL 5, total length */
		0x12, 0x34, 0x40, 0x00,                 /* id, DF */
		64, 1, 0x00, 0x00,                      /* ttl, ICMP, checksum */
		10, 0, 0, 1,
		10, 0, 0, 2,
	};
	uint8_t *p = mem;
	uint32_t sum = 0;

	if (len < 98)
		return;
	memcpy(p, eth, sizeof(eth));
	memcpy(p + 14, ip, sizeof(ip));
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)p[14 + i] << 8 | p[15 + i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	put16(p + 24, ~sum & 0xffff);
	p += 34;
	p[0] = 8;                                       /* echo request */
	p[1] = 0;
	put16(p + 2, 0);                                /* ICMP checksum: unchecked */
	put16(p + 4, 0x4242);                           /* id */
	put16(p + 6, 7);                                /* sequence */
	for (int i = 0; i < 56; i++)
		p[8 + i] = (uint8_t)i;
}
