/* SPDX-License-Identifier: MIT */
/*
 * The Internet checksum (RFC 1071) of a buffer, as an eBPF program.
 *
 * Built by `make demo` with `clang -O2 -target bpf`; its instructions are
 * taken out of the object with llvm-objcopy and run by `bpfx exec`, which
 * passes the buffer in r1 and its length in r2 - the two arguments below.
 * Over an IPv4 header whose checksum field is zero it returns the value to
 * put there; over a header with a correct checksum it returns 0.
 */
__attribute__((section("prog"), used))
unsigned long long ip_checksum(const unsigned char *data, unsigned long len)
{
	unsigned long long sum = 0;
	unsigned long i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (unsigned long long)data[i] << 8 | data[i + 1];
	if (i < len)
		sum += (unsigned long long)data[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}
