/* SPDX-License-Identifier: MIT */
/* Transcripts of bpf() commands (tscript.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tcheck.h"
#include "tscript.h"

int ts_rec(struct ts_transcript *t, const char *what, int ret, const void *out, size_t out_len)
{
	struct ts_step *s = &t->s[t->n < TS_MAX_STEPS ? t->n++ : TS_MAX_STEPS - 1];
	snprintf(s->what, sizeof(s->what), "%s", what);
	s->ret = ret < 0 ? -1 : ret > 0 ? 1 : 0;
	s->err = ret < 0 ? errno : 0;
	memset(s->out, 0, sizeof(s->out));
	if (out && ret == 0)
		memcpy(s->out, out, out_len < sizeof(s->out) ? out_len : sizeof(s->out));
	return ret;
}

void ts_check_expect(const struct ts_transcript *t, const struct ts_expect *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (int k = 0; k < t->n; k++) {
			const struct ts_step *s = &t->s[k];
			if (strcmp(s->what, e[i].what))
				continue;
			found = true;
			CHECK(s->ret == e[i].ret && s->err == e[i].err &&
			      !memcmp(s->out, e[i].out, sizeof(s->out)),
			      "bpfx %s: ret %d errno %d out %x %x %x %x", s->what, s->ret, s->err,
			      s->out[0], s->out[1], s->out[2], s->out[3]);
		}
		CHECK(found, "step %s ran", e[i].what);
	}
}

void ts_compare(const struct ts_transcript *mine, const struct ts_transcript *kernel)
{
	CHECK(mine->n == kernel->n, "same steps: %d vs %d", mine->n, kernel->n);
	for (int i = 0; i < mine->n && i < kernel->n; i++) {
		const struct ts_step *a = &mine->s[i], *b = &kernel->s[i];
		CHECK(a->ret == b->ret && a->err == b->err && !memcmp(a->out, b->out, sizeof(a->out)),
		      "%s: bpfx %d errno %d out %x %x %x %x, kernel %d errno %d out %x %x %x %x",
		      a->what, a->ret, a->err, a->out[0], a->out[1], a->out[2], a->out[3], b->ret,
		      b->err, b->out[0], b->out[1], b->out[2], b->out[3]);
	}
}
