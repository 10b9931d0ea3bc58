/* SPDX-License-Identifier: MIT */
/*
 * Raw bpf() calls for the differential tests. Linked into every test
 * binary (like everything in tests/lib), so it depends on nothing but
 * libc and the UAPI headers, and does nothing until called.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kbpf.h"

static long sys_bpf(int cmd, union bpf_attr *attr)
{
#ifdef __NR_bpf
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
#else
	(void)cmd;
	(void)attr;
	errno = ENOSYS;
	return -1;
#endif
}

static int load_once(enum bpf_prog_type type, const struct bpf_insn *insns, size_t cnt,
		     char *log, size_t log_sz)
{
	static const char license[] = "GPL";
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)cnt;
	attr.license = (uint64_t)(uintptr_t)license;
	if (type == BPF_PROG_TYPE_SYSCALL) /* the kernel accepts only sleepable ones */
		attr.prog_flags = BPF_F_SLEEPABLE;
	if (log && log_sz) {
		log[0] = '\0';
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)log_sz;
		attr.log_level = 1;
	}
	long fd = sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : (int)fd;
}

int kbpf_prog_load(enum bpf_prog_type type, const struct bpf_insn *insns, size_t cnt,
		   char *log, size_t log_sz)
{
	/* The first attempt runs without a log: it is much faster, and a
	 * log that is too small would fail an otherwise valid load. */
	int fd = load_once(type, insns, cnt, NULL, 0);

	if (fd >= 0 || !log || !log_sz)
		return fd;
	int again = load_once(type, insns, cnt, log, log_sz);
	if (again >= 0) {
		/* Accepted the second time: report the first error anyway. */
		close(again);
		snprintf(log, log_sz, "(accepted when loaded again with the log on)");
	}
	log[log_sz - 1] = '\0';
	return fd;
}

const unsigned char *kbpf_data(void)
{
	static unsigned char data[KBPF_DATA_LEN];

	if (!data[1])
		for (unsigned i = 0; i < KBPF_DATA_LEN; i++)
			data[i] = (unsigned char)i;
	return data;
}

int kbpf_test_run(int fd, uint32_t *retval)
{
	unsigned char data[KBPF_DATA_LEN];
	union bpf_attr attr;

	/* A copy: the kernel may write the packet back (data_out is unset
	 * here, but a program may change its skb). */
	memcpy(data, kbpf_data(), sizeof(data));
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)fd;
	attr.test.data_in = (uint64_t)(uintptr_t)data;
	attr.test.data_size_in = sizeof(data);
	attr.test.repeat = 1;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0)
		return -errno;
	*retval = attr.test.retval;
	return 0;
}

const char *kbpf_log_tail(const char *log, int lines)
{
	size_t n = strlen(log);

	/* Ignore the trailing newline, then walk back `lines` line starts. */
	while (n > 0 && log[n - 1] == '\n')
		n--;
	while (n > 0) {
		if (log[n - 1] == '\n' && --lines == 0)
			break;
		n--;
	}
	return log + n;
}

static int is_stats_line(const char *line, size_t len)
{
	static const char *const prefixes[] = { "processed ", "verification time ", "stack depth " };

	if (len == 0)
		return 1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(line, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

const char *kbpf_log_reason(const char *log)
{
	static char line[256];
	size_t end = strlen(log);

	line[0] = '\0';
	while (end > 0) {
		size_t start = end;

		while (start > 0 && log[start - 1] != '\n')
			start--;
		size_t len = end - start;
		if (len && log[start + len - 1] == '\n')
			len--;
		if (!is_stats_line(log + start, len)) {
			snprintf(line, sizeof(line), "%.*s", (int)len, log + start);
			break;
		}
		end = start ? start - 1 : 0;
	}
	return line;
}

/* Runs once, on the first call: tries the real thing, since neither being
 * root nor having the syscall guarantees that loading works (seccomp,
 * lockdown, containers). */
static const char *probe(void)
{
	static char why[160];
	const struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0x2a },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	uint32_t ret = 0;
	int fd, err;

	if (geteuid() != 0)
		return "not running as root";
	fd = kbpf_prog_load(KBPF_PROG_TYPE, prog, 2, NULL, 0);
	if (fd == -ENOSYS)
		return "the kernel has no bpf() system call (ENOSYS)";
	if (fd == -EPERM)
		return "bpf() is not permitted here (EPERM: seccomp, lockdown or a container?)";
	if (fd < 0) {
		snprintf(why, sizeof(why), "loading a trivial program failed: %s", strerror(-fd));
		return why;
	}
	err = kbpf_test_run(fd, &ret);
	close(fd);
	if (err) {
		snprintf(why, sizeof(why), "BPF_PROG_TEST_RUN failed: %s", strerror(-err));
		return why;
	}
	if (ret != 0x2a) {
		snprintf(why, sizeof(why), "test_run returned %u for a program returning 42", ret);
		return why;
	}
	return NULL;
}

const char *kbpf_unavailable(void)
{
	static int done;
	static const char *why;

	if (!done) {
		why = probe();
		done = 1;
	}
	return why;
}

uint32_t kbpf_possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	unsigned lo = 0, hi = 0;

	if (!f)
		return (uint32_t)sysconf(_SC_NPROCESSORS_CONF);
	if (fscanf(f, "%u-%u", &lo, &hi) < 2)
		hi = lo;
	fclose(f);
	return hi + 1;
}

int kbpf_sys(int cmd, union bpf_attr *attr, unsigned int size)
{
	return (int)syscall(__NR_bpf, cmd, attr, size);
}
