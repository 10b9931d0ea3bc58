/* SPDX-License-Identifier: MIT */
/*
 * The verifier's driver: structure, control flow, exploration of every
 * path, stack limits of the call chains, then the log's closing line.
 * Each stage is a file of its own (see vfy.h).
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"
#include "isa/isa.h"
#include "util/alloc.h"
#include "util/opts.h"
#include "verifier/vfy.h"

static int check_structure(struct vfy_env *env)
{
	struct bpfx_isa_diag d;
	int err = isa_check(env->insns, (size_t)env->cnt, &d);
	if (err)
		vfy_log(env, "%s\n", d.msg);
	return err;
}

static void env_free(struct vfy_env *env)
{
	vfy_prune_free(env);
	vfy_state_free(&env->cur);
	for (int i = 0; i < env->nstack; i++)
		vfy_state_free(&env->stack[i].st);
	mem_free(env->stack);
	mem_free(env->ckpts);
	mem_free(env->flags);
	mem_free(env->log.buf);
	mem_free(env);
}

int vfy_verify(const struct bpf_insn *insns, size_t cnt, const struct vfy_input *in,
	       struct vfy_stats *stats)
{
	if (!cnt || cnt > BPFX_MAX_INSNS)
		return -E2BIG;
	struct vfy_env *env = mem_zalloc(sizeof(*env));
	if (!env)
		return -ENOMEM;
	env->insns = insns;
	env->cnt = (int)cnt;
	env->in = in;
	/* bits 1-2: instruction and state lines; 4: statistics; any: errors */
	env->log.level = in->log_buf ? in->log_level & 7 : 0;
	env->flags = mem_zalloc(cnt);
	env->ckpts = mem_zalloc(cnt * sizeof(*env->ckpts));
	int err = env->flags && env->ckpts ? 0 : -ENOMEM;

	if (!err)
		err = check_structure(env);
	if (!err)
		err = vfy_cfg(env);
	if (!err)
		err = vfy_explore(env);
	if (!err)
		err = vfy_check_stack_depth(env);

	/* level 1 keeps only a rejection's path; the statistics line ends
	 * every log (level 4 alone gives only it) */
	if ((env->log.level & 3) == 1 && !err)
		env->log.len = 0;
	vfy_log(env, "processed %llu insns (limit %d) max_states_per_insn %u total_states %u peak_states %u mark_read 0\n",
		(unsigned long long)env->processed, in->insn_limit ? (int)in->insn_limit : VFY_INSN_LIMIT, env->max_states_per_insn,
		env->total_states, env->peak_states);
	if (stats) {
		stats->processed = env->processed;
		stats->total_states = env->total_states;
		stats->peak_states = env->peak_states;
		stats->max_states_per_insn = env->max_states_per_insn;
	}
	err = vfy_log_finish(env, err);
	env_free(env);
	return err;
}

int bpfx_verify(const struct bpf_insn *insns, size_t cnt, const struct bpfx_verify_opts *opts)
{
	struct bpfx_verify_opts o;
	size_t hcnt;
	int err = opts_copy(&o, sizeof(o), opts);
	if (err)
		return err;
	if (!insns)
		return -EINVAL;
	const struct bpfx_helper *h = helpers_builtin(&hcnt);
	if (!h)
		return -ENOMEM;
	struct vfy_input in = {
		.prog_type = o.prog_type ? o.prog_type : BPF_PROG_TYPE_SOCKET_FILTER,
		.helpers = h, .helper_cnt = hcnt, .log_level = o.log_level,
		.log_buf = o.log_buf, .log_size = o.log_size,
	};
	return vfy_verify(insns, cnt, &in, NULL);
}
