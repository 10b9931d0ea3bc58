/* SPDX-License-Identifier: MIT */
/*
 * Shared by the test objects of tests/suites/elf.sh: the UAPI and libbpf
 * headers every program uses, and small packet helpers. Compiled with
 * clang -O2 -g -target bpf (see the suite for the include paths).
 */
#ifndef ELF_PROGS_COMMON_H
#define ELF_PROGS_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* A bounds check the verifier accepts: [p, p + n) inside [.., end). */
#define PKT_OK(p, n, end) ((void *)(p) + (n) <= (void *)(end))

#endif
