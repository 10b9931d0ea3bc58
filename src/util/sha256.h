/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4), for what the kernel hashes with it: since Linux
 * 6.18 a program's digest, whose first 8 bytes are its tag.
 */
#ifndef BPFX_UTIL_SHA256_H
#define BPFX_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_SIZE]);

#endif
