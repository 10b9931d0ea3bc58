/* SPDX-License-Identifier: MIT */
/*
 * The Linux kernel's jhash() and jhash2(): Bob Jenkins' lookup3 hash
 * (hashlittle() over bytes, hashword() over 32-bit words), written here
 * from the algorithm's description. Hash maps use them exactly as the
 * kernel does, so that a map created with BPF_F_ZERO_SEED puts every key
 * in the same bucket as the kernel and iterates in the same order.
 *
 * Pure functions of their arguments; keys need no alignment.
 */
#ifndef BPFX_UTIL_JHASH_H
#define BPFX_UTIL_JHASH_H

#include <stdint.h>
#include <string.h>

/* lookup3's arbitrary starting value */
#define JHASH_INITVAL 0xdeadbeefu

static inline uint32_t jhash_rol32(uint32_t w, unsigned s)
{
	return (w << s) | (w >> (32 - s));
}

/* Mixes three words reversibly (lookup3's mix()). */
#define JHASH_MIX(a, b, c)                                          \
	do {                                                        \
		a -= c; a ^= jhash_rol32(c, 4);  c += b;            \
		b -= a; b ^= jhash_rol32(a, 6);  a += c;            \
		c -= b; c ^= jhash_rol32(b, 8);  b += a;            \
		a -= c; a ^= jhash_rol32(c, 16); c += b;            \
		b -= a; b ^= jhash_rol32(a, 19); a += c;            \
		c -= b; c ^= jhash_rol32(b, 4);  b += a;            \
	} while (0)

/* Final avalanche of three words into c (lookup3's final()). */
#define JHASH_FINAL(a, b, c)                                        \
	do {                                                        \
		c ^= b; c -= jhash_rol32(b, 14);                    \
		a ^= c; a -= jhash_rol32(c, 11);                    \
		b ^= a; b -= jhash_rol32(a, 25);                    \
		c ^= b; c -= jhash_rol32(b, 16);                    \
		a ^= c; a -= jhash_rol32(c, 4);                     \
		b ^= a; b -= jhash_rol32(a, 14);                    \
		c ^= b; c -= jhash_rol32(b, 24);                    \
	} while (0)

static inline uint32_t jhash_word(const unsigned char *p)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w)); /* native order, like the kernel's unaligned read */
	return w;
}

/* Hash of `length` bytes. Whole 12-byte blocks are read as native 32-bit
 * words, the last 1..12 bytes byte by byte, least significant first. */
static inline uint32_t jhash(const void *key, uint32_t length, uint32_t initval)
{
	const unsigned char *k = key;
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + length + initval;
	while (length > 12) {
		a += jhash_word(k);
		b += jhash_word(k + 4);
		c += jhash_word(k + 8);
		JHASH_MIX(a, b, c);
		length -= 12;
		k += 12;
	}
	switch (length) {
	case 12: c += (uint32_t)k[11] << 24; /* fall through */
	case 11: c += (uint32_t)k[10] << 16; /* fall through */
	case 10: c += (uint32_t)k[9] << 8;   /* fall through */
	case 9:  c += k[8];                  /* fall through */
	case 8:  b += (uint32_t)k[7] << 24;  /* fall through */
	case 7:  b += (uint32_t)k[6] << 16;  /* fall through */
	case 6:  b += (uint32_t)k[5] << 8;   /* fall through */
	case 5:  b += k[4];                  /* fall through */
	case 4:  a += (uint32_t)k[3] << 24;  /* fall through */
	case 3:  a += (uint32_t)k[2] << 16;  /* fall through */
	case 2:  a += (uint32_t)k[1] << 8;   /* fall through */
	case 1:  a += k[0];
		JHASH_FINAL(a, b, c);
		break;
	default: /* 0: nothing left, c as it is */
		break;
	}
	return c;
}

/* Hash of `length` 32-bit words (a key whose size is a multiple of 4;
 * `key` need not be aligned). */
static inline uint32_t jhash2(const void *key, uint32_t length, uint32_t initval)
{
	const unsigned char *k = key;
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + (length << 2) + initval;
	while (length > 3) {
		a += jhash_word(k);
		b += jhash_word(k + 4);
		c += jhash_word(k + 8);
		JHASH_MIX(a, b, c);
		length -= 3;
		k += 12;
	}
	switch (length) {
	case 3: c += jhash_word(k + 8); /* fall through */
	case 2: b += jhash_word(k + 4); /* fall through */
	case 1: a += jhash_word(k);
		JHASH_FINAL(a, b, c);
		break;
	default:
		break;
	}
	return c;
}

#endif /* BPFX_UTIL_JHASH_H */
