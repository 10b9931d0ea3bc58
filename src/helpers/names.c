/* SPDX-License-Identifier: MIT */
/*
 * The helper name table, generated from the UAPI header's own list
 * (__BPF_FUNC_MAPPER), so a newer <linux/bpf.h> brings its new names
 * with it. The mapper calls FN(name) in every header version (newer ones
 * go through ___BPF_FUNC_MAPPER(FN, id) but keep this form too).
 */
#include <linux/bpf.h>
#include <string.h>

#include "helpers/names.h"

#define HELPER_NAME(x) [BPF_FUNC_##x] = "bpf_" #x
static const char *const names[] = {
	__BPF_FUNC_MAPPER(HELPER_NAME)
};
#undef HELPER_NAME

/* Helpers of kernels newer than the installed header (the list has been
 * frozen since 6.2 at these two); used only for ids the header lacks. */
static const struct {
	uint32_t id;
	const char *name;
} late_names[] = {
	{ 210, "bpf_cgrp_storage_get" },
	{ 211, "bpf_cgrp_storage_delete" },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *helper_name(uint32_t id)
{
	if (id < ARRAY_LEN(names))
		return names[id];
	for (size_t i = 0; i < ARRAY_LEN(late_names); i++)
		if (late_names[i].id == id)
			return late_names[i].name;
	return NULL;
}

static int name_is(const char *known, const char *name, size_t len)
{
	return known && strlen(known) == len && !memcmp(known, name, len);
}

int helper_id(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (name_is(names[i], name, len))
			return (int)i;
	for (size_t i = 0; i < ARRAY_LEN(late_names); i++)
		if (late_names[i].id >= ARRAY_LEN(names) &&
		    name_is(late_names[i].name, name, len))
			return (int)late_names[i].id;
	return -1;
}
