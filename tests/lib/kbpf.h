/* SPDX-License-Identifier: MIT */
/*
 * A tiny wrapper around the real kernel's bpf() system call, for the
 * differential tests (tests/tools/kdiff.c and later map and verifier
 * comparisons). Raw syscalls only: no libbpf.
 *
 * Every function is synchronous, keeps no state besides the cached probe
 * result, and returns a negative errno on failure, never exits.
 */
#ifndef BPFX_TESTS_KBPF_H
#define BPFX_TESTS_KBPF_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

/* The program type the differential tests load into the kernel: its
 * test_run hands back r0 unchanged (low 32 bits) and its verifier puts no
 * range on the return value. */
#define KBPF_PROG_TYPE BPF_PROG_TYPE_SOCKET_FILTER

/* Size of the data test_run gives the program (an skb needs at least an
 * Ethernet header). */
#define KBPF_DATA_LEN 64

/* Where, in that data, the packet of a socket filter starts: test_run
 * pulls the Ethernet header, so LD_ABS offset 0 reads data[14] (and the
 * kernel's SKF_NET_OFF points there too; SKF_LL_OFF points at data[0]). */
#define KBPF_PKT_OFF 14

/* The data every test_run here passes: byte i is i (so a loaded value
 * tells where it came from). */
const unsigned char *kbpf_data(void);

/* The kernel's bpf() system call itself, shaped like bpfx_bpf(). */
int kbpf_sys(int cmd, union bpf_attr *attr, unsigned int size);

/* Probes once per process whether bpf() can load and test-run a trivial
 * program here. Returns NULL when it can, else one line saying why not
 * (not root, no bpf() syscall, not permitted, ...). */
const char *kbpf_unavailable(void);

/* Loads a GPL program of `type`. Returns its descriptor, or -errno. When
 * the load fails and `log` is not NULL, loads it again with the verifier
 * log on so that log[0..log_sz) holds the kernel's reasons
 * (NUL-terminated; empty when the kernel gave none). */
int kbpf_prog_load(enum bpf_prog_type type, const struct bpf_insn *insns, size_t cnt,
		   char *log, size_t log_sz);

/* Runs a loaded program once on kbpf_data() through
 * BPF_PROG_TEST_RUN. Returns 0 and stores the program's (32-bit) return
 * value in *retval, or -errno. */
int kbpf_test_run(int fd, uint32_t *retval);

/* The kernel's number of possible CPUs (/sys/devices/system/cpu/possible):
 * how many values a per-CPU map holds per key. */
uint32_t kbpf_possible_cpus(void);

/* The start of the last `lines` lines of a verifier log (the kernel puts
 * the reason for a rejection at the end). */
const char *kbpf_log_tail(const char *log, int lines);

/* The last line of a verifier log that is not a statistics line
 * ("processed N insns ...", "verification time ...", "stack depth ..."):
 * usually the reason for a rejection. Copied into a static buffer (not
 * thread-safe), without its newline. */
const char *kbpf_log_reason(const char *log);

#endif
