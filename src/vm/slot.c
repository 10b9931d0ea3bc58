/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "vm/slot.h"

#define VM_MAX_SLOTS 4096u

static uint32_t nr_slots;
static pthread_once_t nr_once = PTHREAD_ONCE_INIT;
static atomic_uint next_slot;
static __thread uint32_t my_slot_plus_one;

static void read_nr_slots(void)
{
	const char *env = getenv("BPFX_SLOTS");
	long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_CONF);
	if (n < 1)
		n = 1;
	if (n > (long)VM_MAX_SLOTS)
		n = VM_MAX_SLOTS;
	nr_slots = (uint32_t)n;
}

uint32_t vm_nr_slots(void)
{
	pthread_once(&nr_once, read_nr_slots);
	return nr_slots;
}

uint32_t vm_slot(void)
{
	if (!my_slot_plus_one)
		my_slot_plus_one = atomic_fetch_add(&next_slot, 1) % vm_nr_slots() + 1;
	return my_slot_plus_one - 1;
}
