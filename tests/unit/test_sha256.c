/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 against the FIPS 180-4 / NIST example vectors, including the
 * lengths where padding needs a second block (55, 56 and 64 bytes), so
 * program tags are right even without a kernel to compare with.
 */
#include <stdio.h>
#include <string.h>

#include "tcheck.h"
#include "util/sha256.h"

static void hex(const uint8_t *d, char out[65])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check(const char *msg, size_t len, const char *want)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char got[65];
	sha256(msg, len, d);
	hex(d, got);
	CHECK(!strcmp(got, want), "sha256 of %zu bytes: %s, want %s", len, got, want);
}

int main(void)
{
	check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	static char a[1000000];
	memset(a, 'a', sizeof(a));
	check(a, sizeof(a), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	check(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	check(a, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	check(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
	return t_done("sha256");
}
