/* SPDX-License-Identifier: MIT */
/*
 * helper_list: prints "ID NAME" for every built-in helper, one a line, for
 * tests/suites/helper_tests.sh (every helper has a test).
 */
#include <stdio.h>

#include "helpers/helpers.h"

int main(void)
{
	size_t n;
	const struct bpfx_helper *h = helpers_builtin(&n);
	for (size_t i = 0; h && i < n; i++)
		printf("%u %s\n", h[i].id, h[i].name);
	return h ? 0 : 1;
}
