/* SPDX-License-Identifier: MIT */
/*
 * BTF test object (tests/suites/btf.sh): CO-RE relocations in BTF.ext.
 * Each `CORE:` comment line lists one relocation clang must emit for the
 * program below (access string and kind, enum bpf_core_relo_kind); the
 * suite compares them with the parsed BTF.ext, as a multiset.
 */
#define SEC(name) __attribute__((section(name), used))
#define PAI __attribute__((preserve_access_index))

struct task { int pid; int tgid; struct { long utime, stime; } times; char comm[16]; } PAI;
struct file { unsigned int flags: 3; unsigned int mode: 5; struct task *owner; } PAI;
enum state { S_RUN = 0, S_SLEEP = 1 };

/*
 * CORE: 0:1 kind=0
 * CORE: 0:2:1 kind=0
 * CORE: 0:3:5 kind=0
 * CORE: 0:2 kind=0
 * CORE: 0:1 kind=1
 * CORE: 0:0 kind=2
 * CORE: 0:0 kind=4
 * CORE: 0:0 kind=5
 * CORE: 0:1 kind=3
 * CORE: 0 kind=8
 * CORE: 0 kind=9
 * CORE: 1 kind=10
 * CORE: 1 kind=11
 */
SEC("raw_tp/sched_switch")
int core_prog(struct task *t, struct file *f)
{
	long r = 0;

	r += t->tgid;
	r += t->times.stime;
	r += t->comm[5];
	r += (long)f->owner;
	r += __builtin_preserve_field_info(t->tgid, 1);
	r += __builtin_preserve_field_info(f->flags, 2);
	r += __builtin_preserve_field_info(f->flags, 4);
	r += __builtin_preserve_field_info(f->flags, 5);
	r += __builtin_preserve_field_info(f->mode, 3);
	r += __builtin_preserve_type_info(*t, 0);
	r += __builtin_preserve_type_info(*f, 1);
	r += __builtin_preserve_enum_value(*(typeof(enum state) *)S_SLEEP, 0);
	r += __builtin_preserve_enum_value(*(typeof(enum state) *)S_SLEEP, 1);
	return r;
}

char _license[] SEC("license") = "GPL";
