/* SPDX-License-Identifier: MIT */
/*
 * bpfx link { show | list | pin | detach | help }, bpftool's grammar and
 * output. LINK := pinned PATH | id ID. As with programs, a link outlives
 * a command only as a pin (written by the library's OBJ_PIN, e.g. by an
 * embedder or `link pin`); opening the pin makes the link again, attached
 * where it was, and `detach` records in the pin that it is detached.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static void link_usage(FILE *f)
{
	fputs("Usage: bpfx link { show | list } [LINK]\n"
	      "       bpfx link pin LINK FILE\n"
	      "       bpfx link detach LINK\n"
	      "\n"
	      "       LINK := { pinned PATH | id ID }\n"
	      "\n"
	      "Links outlive a command only when pinned: use `pinned PATH`.\n", f);
}

#define sys cli_sys

/* The link's info, with the tracepoint name (if any) in name[]. */
static int link_info(int fd, struct bpf_link_info *info, char *name, uint32_t name_sz)
{
	memset(info, 0, sizeof(*info));
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(*info),
				       .info = (uintptr_t)info } };
	int err = sys(BPF_OBJ_GET_INFO_BY_FD, &a);
	if (err || info->type != BPF_LINK_TYPE_RAW_TRACEPOINT)
		return err;
	info->raw_tracepoint.tp_name = (uintptr_t)name;
	info->raw_tracepoint.tp_name_len = name_sz;
	return sys(BPF_OBJ_GET_INFO_BY_FD, &a);
}

/* Whether fd is a link: its id must open this very object. */
static bool is_link(int fd)
{
	struct bpf_link_info info;
	char name[256];

	return link_info(fd, &info, name, sizeof(name)) == 0 &&
	       cli_same_object(fd, BPF_LINK_GET_FD_BY_ID, info.id);
}

/* LINK := pinned PATH | id ID; consumes two arguments. */
static int open_link(int *argc, char ***argv)
{
	if (*argc < 2)
		return cli_error("expected LINK: pinned PATH | id ID"), -1;
	const char *how = (*argv)[0], *what = (*argv)[1];
	union bpf_attr a = { 0 };
	int fd;

	*argc -= 2;
	*argv += 2;
	if (!strcmp(how, "pinned")) {
		a.pathname = (uintptr_t)what;
		if ((fd = sys(BPF_OBJ_GET, &a)) < 0)
			return cli_error("can't open pinned link %s: %s", what, strerror(-fd)), -1;
		if (!is_link(fd)) {
			close(fd);
			return cli_error("incorrect object type: %s is not a link", what), -1;
		}
		return fd;
	}
	if (!strcmp(how, "id")) {
		char *end;
		a.link_id = (uint32_t)strtoul(what, &end, 0);
		if (*end || (fd = sys(BPF_LINK_GET_FD_BY_ID, &a)) < 0)
			return cli_error("can't get link by id (%s): %s", what, strerror(ENOENT)), -1;
		return fd;
	}
	return cli_error("expected pinned or id, not '%s'", how), -1;
}

static void show_plain(const struct bpf_link_info *info, const char *tp)
{
	const char *type = bpfx_link_type_name(info->type);
	const char *at = bpfx_attach_type_name(info->cgroup.attach_type);
	char ifname[IF_NAMESIZE], dev[2 * IF_NAMESIZE + 16] = "(unknown)";

	printf("%u: ", info->id);
	if (type)
		printf("%s  ", type);
	else
		printf("type %u  ", info->type);
	printf("prog %u  ", info->prog_id);
	switch (info->type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		printf("\n\ttp '%s'  ", tp);
		break;
	case BPF_LINK_TYPE_CGROUP:
		printf("\n\tcgroup_id %llu  ", (unsigned long long)info->cgroup.cgroup_id);
		at ? printf("attach_type %s  ", at) : printf("attach_type %u  ", info->cgroup.attach_type);
		break;
	case BPF_LINK_TYPE_XDP:
	case 11: /* tcx: { ifindex, attach_type } */
		if (!info->xdp.ifindex)
			snprintf(dev, sizeof(dev), "(detached)");
		else if (if_indextoname(info->xdp.ifindex, ifname))
			snprintf(dev, sizeof(dev), "%s(%u)", ifname, info->xdp.ifindex);
		printf("\n\tifindex %s  ", dev);
		at = bpfx_attach_type_name(info->netns.attach_type);
		if (info->type != BPF_LINK_TYPE_XDP)
			at ? printf("attach_type %s  ", at)
			   : printf("attach_type %u  ", info->netns.attach_type);
		break;
	}
	printf("\n");
}

static void json_attach_type(uint32_t t)
{
	const char *at = bpfx_attach_type_name(t);
	json_key("attach_type");
	if (at)
		json_string(at);
	else
		json_uint(t);
}

static void show_json(const struct bpf_link_info *info, const char *tp)
{
	const char *type = bpfx_link_type_name(info->type);
	char ifname[IF_NAMESIZE];

	json_begin_object();
	json_key("id");
	json_uint(info->id);
	json_key("type");
	if (type)
		json_string(type);
	else
		json_uint(info->type);
	json_key("prog_id");
	json_uint(info->prog_id);
	switch (info->type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		json_key("tp_name");
		json_string(tp);
		break;
	case BPF_LINK_TYPE_CGROUP:
		json_key("cgroup_id");
		json_uint(info->cgroup.cgroup_id);
		json_attach_type(info->cgroup.attach_type);
		break;
	case BPF_LINK_TYPE_XDP:
	case 11:
		if (info->xdp.ifindex && if_indextoname(info->xdp.ifindex, ifname)) {
			json_key("devname");
			json_string(ifname);
		}
		json_key("ifindex");
		json_uint(info->xdp.ifindex);
		if (info->type != BPF_LINK_TYPE_XDP)
			json_attach_type(info->netns.attach_type);
		break;
	}
	json_end_object();
	json_end_document();
}

static int do_show(int fd)
{
	struct bpf_link_info info;
	char tp[256] = "";
	int err = link_info(fd, &info, tp, sizeof(tp));
	if (err)
		return cli_error("can't get link info: %s", strerror(-err));
	if (cli_json)
		show_json(&info, tp);
	else
		show_plain(&info, tp);
	return 0;
}

static int do_pin(int fd, int argc, char **argv)
{
	if (argc != 1)
		return cli_error("expected FILE after LINK");
	union bpf_attr a = { .pathname = (uintptr_t)argv[0], .bpf_fd = (uint32_t)fd };
	int err = sys(BPF_OBJ_PIN, &a);
	if (err)
		return cli_error("can't pin the object (%s): %s", argv[0], strerror(-err));
	if (cli_json) {
		fputs("null", stdout);
		json_end_document();
	}
	return 0;
}

static int do_detach(int fd)
{
	union bpf_attr a = { .link_detach = { .link_fd = (uint32_t)fd } };
	int err = sys(BPF_LINK_DETACH, &a);
	if (err)
		return cli_error("failed link detach: %s", strerror(-err));
	if (cli_json) {
		fputs("null", stdout);
		json_end_document();
	}
	return 0;
}

int cmd_link(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help")) {
		link_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	const char *cmd = argv[0];
	argc--, argv++;
	bool show = !strcmp(cmd, "show") || !strcmp(cmd, "list");
	if (!show && strcmp(cmd, "pin") && strcmp(cmd, "detach"))
		return cli_error("unknown link command '%s' (see bpfx link help)", cmd);
	if (show && argc == 0)
		return cli_json ? (puts("[]"), 0) : 0; /* no link outlives a command */
	int fd = open_link(&argc, &argv);
	if (fd < 0)
		return 1;
	int rc;
	if (show)
		rc = argc ? cli_error("unexpected '%s' after LINK", argv[0]) : do_show(fd);
	else if (!strcmp(cmd, "pin"))
		rc = do_pin(fd, argc, argv);
	else
		rc = argc ? cli_error("unexpected '%s' after LINK", argv[0]) : do_detach(fd);
	close(fd);
	return rc;
}
