/* SPDX-License-Identifier: MIT */
/*
 * Runner slots: what "CPU" means in bpfx. Per-CPU maps hold one value per
 * slot and bpf_get_smp_processor_id() returns the calling thread's slot.
 * Each thread gets a slot the first time it asks, round robin, so up to
 * vm_nr_slots() threads have one each. The number of slots is the number
 * of CPUs unless BPFX_SLOTS sets it (read once, at first use).
 */
#ifndef BPFX_VM_SLOT_H
#define BPFX_VM_SLOT_H

#include <stdint.h>

uint32_t vm_nr_slots(void);
uint32_t vm_slot(void);

#endif
