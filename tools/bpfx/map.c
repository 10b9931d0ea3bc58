/* SPDX-License-Identifier: MIT */
/*
 * bpfx map { show | list | dump | lookup | update | delete | getnext |
 *            create | pin | freeze | peek | push | pop | enqueue | dequeue |
 *            help }
 *
 * bpftool's grammar and output. MAP := pinned PATH | id ID | name NAME;
 * pinned paths are relative to the bpffs root or under it. Each bpfx
 * process is its own "kernel", so only pinned maps outlive a command.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static void map_usage(FILE *f)
{
	fputs("Usage: bpfx map { show | list } [MAP]\n"
	      "       bpfx map dump MAP\n"
	      "       bpfx map lookup MAP key DATA\n"
	      "       bpfx map update MAP key DATA value VALUE [UPDATE_FLAGS]\n"
	      "       bpfx map delete MAP key DATA\n"
	      "       bpfx map getnext MAP [key DATA]\n"
	      "       bpfx map create FILE type TYPE key KEY_SIZE value VALUE_SIZE \\\n"
	      "                       entries MAX_ENTRIES name NAME [flags FLAGS] [inner_map MAP]\n"
	      "       bpfx map pin MAP FILE\n"
	      "       bpfx map freeze MAP\n"
	      "       bpfx map peek MAP [value DATA]   (value: bloom filters)\n"
	      "       bpfx map { push | enqueue } MAP value DATA [UPDATE_FLAGS]\n"
	      "       bpfx map { pop | dequeue } MAP\n"
	      "\n"
	      "       MAP := { pinned PATH | id ID | name NAME }\n"
	      "       DATA := { [hex] BYTES }   (bytes: 0x0a 10 012, or with hex: 0a 0b)\n"
	      "       VALUE := { DATA | MAP (maps of maps) | PROG (prog arrays) }\n"
	      "       PROG := { pinned PATH | id ID | name NAME }\n"
	      "       UPDATE_FLAGS := { any | exist | noexist }\n"
	      "       TYPE := hash | array | percpu_hash | percpu_array | lru_hash | lru_percpu_hash |\n"
	      "               lpm_trie | queue | stack | bloom_filter |\n"
	      "               ringbuf (key 0 value 0, entries: a power-of-2 number of pages) |\n"
	      "               perf_event_array (key 4 value 4) |\n"
	      "               prog_array | array_of_maps | hash_of_maps\n"
	      "\n"
	      "PATH and FILE are relative to the bpffs root (BPFX_FS, else /run/bpfx for\n"
	      "root, else $XDG_RUNTIME_DIR/bpfx) or absolute paths under it.\n", f);
}

static int sys(int cmd, union bpf_attr *a)
{
	int r = bpfx_bpf(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	memset(info, 0, sizeof(*info));
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(*info),
				       .info = (uintptr_t)info } };
	return sys(BPF_OBJ_GET_INFO_BY_FD, &a);
}

/* MAP := pinned PATH | id ID | name NAME; consumes two arguments. */
static int open_map(int *argc, char ***argv)
{
	if (*argc < 2)
		return cli_error("expected MAP: pinned PATH | id ID | name NAME"), -1;
	const char *how = (*argv)[0], *what = (*argv)[1];
	*argc -= 2;
	*argv += 2;
	if (!strcmp(how, "pinned")) {
		union bpf_attr a = { .pathname = (uintptr_t)what };
		int fd = sys(BPF_OBJ_GET, &a);
		if (fd < 0)
			cli_error("can't open pinned map %s: %s", what, strerror(-fd));
		return fd;
	}
	if (!strcmp(how, "id")) {
		char *end;
		union bpf_attr a = { .map_id = (uint32_t)strtoul(what, &end, 0) };
		int fd = *end ? -EINVAL : sys(BPF_MAP_GET_FD_BY_ID, &a);
		if (fd < 0)
			cli_error("can't get map by id (%s): %s", what, strerror(-fd));
		return fd;
	}
	if (!strcmp(how, "name")) {
		union bpf_attr a = { 0 };
		while (sys(BPF_MAP_GET_NEXT_ID, &a) == 0) {
			union bpf_attr g = { .map_id = a.next_id };
			struct bpf_map_info info;
			int fd = sys(BPF_MAP_GET_FD_BY_ID, &g);
			if (fd >= 0 && map_info(fd, &info) == 0 && !strcmp(info.name, what))
				return fd;
			if (fd >= 0)
				close(fd);
			a.start_id = a.next_id;
		}
		return cli_error("no map named %s (only pinned maps outlive a bpfx command)",
				 what), -1;
	}
	return cli_error("expected pinned, id or name, not '%s'", how), -1;
}

/* DATA := [hex] BYTES, up to the next keyword; exactly `size` bytes. */
static int parse_bytes(int *argc, char ***argv, uint8_t *out, uint32_t size, const char *what)
{
	bool hex = *argc > 0 && !strcmp((*argv)[0], "hex");
	uint32_t n = 0;

	if (hex)
		(*argc)--, (*argv)++;
	while (*argc > 0) {
		const char *t = (*argv)[0];
		if (!strcmp(t, "value") || !strcmp(t, "any") || !strcmp(t, "exist") ||
		    !strcmp(t, "noexist"))
			break;
		char *end;
		unsigned long v = strtoul(t, &end, hex ? 16 : 0);
		if (*end || end == t || v > 255)
			return cli_error("%s: '%s' is not a byte", what, t);
		if (n >= size)
			return cli_error("%s expected %u bytes got more", what, size);
		out[n++] = (uint8_t)v;
		(*argc)--, (*argv)++;
	}
	if (n != size)
		return cli_error("%s expected %u bytes got %u", what, size, n);
	return 0;
}

/* The value of an update: bytes, or for a prog array a PROG and for a
 * map of maps a MAP, whose descriptor becomes the value (bpftool's
 * grammar; `fd N` cannot name anything in a new process). *obj_fd gets
 * the descriptor to close after the update. */
static int parse_value(int *argc, char ***argv, const struct bpf_map_info *info, uint8_t *value,
		       uint32_t size, int *obj_fd)
{
	bool progs = info->type == BPF_MAP_TYPE_PROG_ARRAY;
	bool maps = info->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
		    info->type == BPF_MAP_TYPE_HASH_OF_MAPS;

	if (!progs && !maps)
		return parse_bytes(argc, argv, value, size, "value");
	if (*argc > 0 && !strcmp((*argv)[0], "fd"))
		return cli_error("value fd: a descriptor cannot be passed on a command line; "
				 "use pinned PATH or id ID");
	*obj_fd = progs ? prog_open_arg(argc, argv) : open_map(argc, argv);
	if (*obj_fd < 0)
		return 1;
	uint32_t fd = (uint32_t)*obj_fd;
	memcpy(value, &fd, sizeof(fd));
	return 0;
}

static void print_bytes(const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		printf("%s%02x", i ? " " : "", b[i]);
}

static void json_bytes(const char *key, const uint8_t *b, uint32_t n)
{
	json_key(key);
	fputs("[", stdout);
	for (uint32_t i = 0; i < n; i++)
		printf("%s\"0x%02x\"", i ? "," : "", b[i]);
	fputs("]", stdout);
}

static bool is_percpu(uint32_t t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* The size user space reads a value as: per-CPU maps hold one per slot. */
static uint32_t user_value_size(const struct bpf_map_info *info)
{
	if (is_percpu(info->type)) {
		const char *env = getenv("BPFX_SLOTS");
		long cpus = env ? atol(env) : sysconf(_SC_NPROCESSORS_CONF);
		return ((info->value_size + 7) & ~7u) * (uint32_t)(cpus > 0 ? cpus : 1);
	}
	return info->value_size;
}

static void show_one(int fd)
{
	struct bpf_map_info info;
	if (map_info(fd, &info))
		return;
	const char *type = bpfx_map_type_name(info.type);
	if (cli_json) {
		json_begin_object();
		json_key("id"); json_uint(info.id);
		json_key("type"); json_string(type ? type : "unknown");
		json_key("name"); json_string(info.name);
		json_key("flags"); json_uint(info.map_flags);
		json_key("bytes_key"); json_uint(info.key_size);
		json_key("bytes_value"); json_uint(info.value_size);
		json_key("max_entries"); json_uint(info.max_entries);
		json_end_object();
		return;
	}
	printf("%u: %s  name %s  flags 0x%x\n\tkey %uB  value %uB  max_entries %u\n", info.id,
	       type ? type : "unknown", info.name, info.map_flags, info.key_size, info.value_size,
	       info.max_entries);
}

/* UPDATE_FLAGS := any | exist | noexist; the last argument if any. */
static int parse_update_flags(int argc, char **argv, uint64_t *flags)
{
	*flags = BPF_ANY;
	if (argc == 1 && !strcmp(argv[0], "exist"))
		*flags = BPF_EXIST, argc--;
	else if (argc == 1 && !strcmp(argv[0], "noexist"))
		*flags = BPF_NOEXIST, argc--;
	else if (argc == 1 && !strcmp(argv[0], "any"))
		argc--;
	if (argc)
		return cli_error("unexpected '%s'", argv[0]);
	return 0;
}

static int do_dump(int fd, const struct bpf_map_info *info)
{
	uint32_t vs = user_value_size(info);
	if (info->btf_id && info->btf_value_type_id) {
		uint32_t step = (info->value_size + 7) & ~7u;
		return map_dump_btf(fd, info, is_percpu(info->type) ? vs / step : 1);
	}
	uint8_t *key = calloc(1, info->key_size), *next = calloc(1, info->key_size);
	uint8_t *value = calloc(1, vs);
	unsigned found = 0;
	bool first = true;
	int walk = -ENOENT;

	if (cli_json)
		fputs("[", stdout);
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = 0, .next_key = (uintptr_t)next };
	while (key && next && value && (walk = sys(BPF_MAP_GET_NEXT_KEY, &a)) == 0) {
		memcpy(key, next, info->key_size);
		a.key = (uintptr_t)key;
		union bpf_attr l = { .map_fd = (uint32_t)fd, .key = (uintptr_t)key,
				     .value = (uintptr_t)value };
		if (sys(BPF_MAP_LOOKUP_ELEM, &l))
			continue; /* deleted meanwhile */
		found++;
		if (cli_json) {
			if (!first)
				putchar(',');
			first = false;
			json_begin_object();
			json_bytes("key", key, info->key_size);
			json_bytes("value", value, vs);
			json_end_object();
		} else {
			fputs("key: ", stdout);
			print_bytes(key, info->key_size);
			fputs("  value: ", stdout);
			print_bytes(value, vs);
			putchar('\n');
		}
	}
	if (cli_json)
		puts("]");
	else
		printf("Found %u element%s\n", found, found == 1 ? "" : "s");
	free(key), free(next), free(value);
	/* Like bpftool: maps without keys (queues, stacks, bloom filters)
	 * cannot be walked; the dump is empty and the exit code says so. */
	return walk == -ENOENT ? 0 : 1;
}

/* The value of a keyless map: "value: 01 02" or {"key":[],"value":[...]}. */
static void print_keyless(const uint8_t *value, uint32_t vs)
{
	if (cli_json) {
		json_begin_object();
		json_bytes("key", NULL, 0);
		json_bytes("value", value, vs);
		json_end_object();
		json_end_document();
		return;
	}
	fputs("value: ", stdout);
	print_bytes(value, vs);
	putchar('\n');
}

/* peek, push/enqueue, pop/dequeue: queues and stacks (bpf() maps them to
 * lookup, update and lookup-and-delete without a key), bloom filters
 * (push adds a value, peek MAP value DATA tests one). bpftool's output:
 * the value, "Error: empty map" (null with -j) for an empty pop, "key:
 * ... Not found" (null) for an empty peek or a value not in a filter. */
static int do_keyless(const char *cmd, int fd, const struct bpf_map_info *info, int argc,
		      char **argv)
{
	bool push = !strcmp(cmd, "push") || !strcmp(cmd, "enqueue");
	bool pop = !strcmp(cmd, "pop") || !strcmp(cmd, "dequeue");
	bool probe = info->type == BPF_MAP_TYPE_BLOOM_FILTER && !push && !pop;
	uint8_t *value = calloc(1, info->value_size + 1);
	union bpf_attr a = { .map_fd = (uint32_t)fd, .value = (uintptr_t)value };
	int rc = 1, err;

	if (!value)
		return cli_error("out of memory");
	if (argc > 0 && !strcmp(argv[0], "key")) {
		cli_error("unnecessary key");
		goto out;
	}
	if ((push || probe) && (argc < 1 || strcmp(argv[0], "value"))) {
		cli_error("%s: expected value DATA", cmd);
		goto out;
	}
	if (!push && !probe && argc > 0) {
		cli_error(argc && !strcmp(argv[0], "value") ? "unnecessary value"
							    : "%s: unexpected '%s'", cmd, argv[0]);
		goto out;
	}
	if (push || probe) {
		argc--, argv++;
		if (parse_bytes(&argc, &argv, value, info->value_size, "value"))
			goto out;
	}
	if (push) {
		uint64_t flags;
		if (parse_update_flags(argc, argv, &flags))
			goto out;
		a.flags = flags;
		if ((err = sys(BPF_MAP_UPDATE_ELEM, &a)))
			cli_error("update failed: %s", strerror(-err));
		rc = err != 0;
		goto out;
	}
	err = sys(pop ? BPF_MAP_LOOKUP_AND_DELETE_ELEM : BPF_MAP_LOOKUP_ELEM, &a);
	if (err == -ENOENT && cli_json) {
		puts("null");
	} else if (err == -ENOENT && pop) {
		puts("Error: empty map");
	} else if (err == -ENOENT) {
		/* bpftool's "Not found" after the (empty) key; a filter's probe shows the value */
		fputs(probe ? "value:\n" : "key:\n", stdout);
		print_bytes(value, probe ? info->value_size : 0);
		puts("\n\nNot found");
	} else if (err) {
		cli_error("%s failed: %s", pop ? "pop" : "peek", strerror(-err));
	} else {
		print_keyless(value, info->value_size);
		rc = 0;
	}
out:
	free(value);
	return rc;
}

static int do_elem(const char *cmd, int fd, const struct bpf_map_info *info, int argc, char **argv)
{
	uint32_t vs = user_value_size(info);
	uint8_t *key = calloc(1, info->key_size + 1), *value = calloc(1, vs + 1);
	uint8_t *next = calloc(1, info->key_size + 1);
	bool has_key = argc > 0 && !strcmp(argv[0], "key");
	int rc = 1, err, obj_fd = -1;

	if (!key || !value || !next)
		goto out;
	if (has_key) {
		argc--, argv++;
		if (parse_bytes(&argc, &argv, key, info->key_size, "key"))
			goto out;
	} else if (strcmp(cmd, "getnext")) {
		cli_error("%s: expected key DATA", cmd);
		goto out;
	}
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = has_key ? (uintptr_t)key : 0,
			     .value = (uintptr_t)value };
	if (!strcmp(cmd, "update")) {
		if (argc < 1 || strcmp(argv[0], "value")) {
			cli_error("update: expected value DATA");
			goto out;
		}
		argc--, argv++;
		if (parse_value(&argc, &argv, info, value, vs, &obj_fd))
			goto out;
		uint64_t flags;
		if (parse_update_flags(argc, argv, &flags))
			goto out;
		a.flags = flags;
		if ((err = sys(BPF_MAP_UPDATE_ELEM, &a))) {
			cli_error("update failed: %s", strerror(-err));
			goto out;
		}
	} else if (!strcmp(cmd, "delete")) {
		a.value = 0; /* the kernel's delete reads nothing past the key */
		if ((err = sys(BPF_MAP_DELETE_ELEM, &a))) {
			cli_error("delete failed: %s", strerror(-err));
			goto out;
		}
	} else if (!strcmp(cmd, "lookup")) {
		err = sys(BPF_MAP_LOOKUP_ELEM, &a);
		if (err == -ENOENT) {
			/* bpftool prints the key and "Not found", exit 0 */
			fputs(cli_json ? "" : "key:\n", stdout);
			if (!cli_json) {
				print_bytes(key, info->key_size);
				puts("\n\nNot found");
			} else {
				cli_error("not found");
				goto out;
			}
		} else if (err) {
			cli_error("lookup failed: %s", strerror(-err));
			goto out;
		} else if (cli_json) {
			json_begin_object();
			json_bytes("key", key, info->key_size);
			json_bytes("value", value, vs);
			json_end_object();
			json_end_document();
		} else {
			fputs("key: ", stdout);
			print_bytes(key, info->key_size);
			fputs("  value: ", stdout);
			print_bytes(value, vs);
			putchar('\n');
		}
	} else { /* getnext */
		a.next_key = (uintptr_t)next;
		if ((err = sys(BPF_MAP_GET_NEXT_KEY, &a))) {
			cli_error("can't get next key: %s", strerror(-err));
			goto out;
		}
		if (cli_json) {
			json_begin_object();
			if (has_key)
				json_bytes("key", key, info->key_size);
			json_bytes("next_key", next, info->key_size);
			json_end_object();
			json_end_document();
		} else {
			fputs("key:", stdout);
			if (has_key) {
				putchar('\n');
				print_bytes(key, info->key_size);
				putchar('\n');
			} else {
				puts(" None");
			}
			puts("next key:");
			print_bytes(next, info->key_size);
			putchar('\n');
		}
	}
	rc = 0;
out:
	if (obj_fd >= 0)
		close(obj_fd);
	free(key), free(value), free(next);
	return rc;
}

static int close_inner(int fd, int rc)
{
	if (fd >= 0)
		close(fd);
	return rc;
}

/* map create FILE type TYPE key K value V entries N name NAME [flags F]
 * [inner_map MAP] */
static int do_create(int argc, char **argv)
{
	union bpf_attr a = { 0 };
	const char *file;
	bool have_type = false;
	int inner = -1;

	if (argc < 1)
		return cli_error("create: expected FILE");
	file = argv[0];
	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return close_inner(inner, cli_error("create: '%s' needs a value", argv[i]));
		const char *k = argv[i], *v = argv[i + 1];
		char *end;
		unsigned long n = strtoul(v, &end, 0);
		if (!strcmp(k, "inner_map")) {
			int rest = argc - i - 1;
			char **at = argv + i + 1;
			if (inner >= 0)
				return close_inner(inner, cli_error("create: inner_map given twice"));
			if ((inner = open_map(&rest, &at)) < 0)
				return 1;
			a.inner_map_fd = (uint32_t)inner;
			i++; /* MAP is two words */
			continue;
		}
		if (!strcmp(k, "type")) {
			int t = bpfx_map_type_from_name(v);
			if (t < 0)
				return close_inner(inner, cli_error("unknown map type '%s'", v));
			a.map_type = (uint32_t)t;
			have_type = true;
			continue;
		}
		if (!strcmp(k, "name")) {
			snprintf(a.map_name, sizeof(a.map_name), "%s", v);
			continue;
		}
		if (*end)
			return close_inner(inner, cli_error("create: '%s %s': not a number", k, v));
		if (!strcmp(k, "key"))
			a.key_size = (uint32_t)n;
		else if (!strcmp(k, "value"))
			a.value_size = (uint32_t)n;
		else if (!strcmp(k, "entries"))
			a.max_entries = (uint32_t)n;
		else if (!strcmp(k, "flags"))
			a.map_flags = (uint32_t)n;
		else
			return close_inner(inner, cli_error("create: unknown argument '%s'", k));
	}
	if (!have_type)
		return close_inner(inner, cli_error("create: expected type TYPE"));
	int fd = sys(BPF_MAP_CREATE, &a);
	close_inner(inner, 0);
	if (fd < 0)
		return cli_error("map create failed: %s", strerror(-fd));
	union bpf_attr p = { .pathname = (uintptr_t)file, .bpf_fd = (uint32_t)fd };
	int err = sys(BPF_OBJ_PIN, &p);
	close(fd);
	if (err)
		return cli_error("failed to pin map at %s: %s", file, strerror(-err));
	return 0;
}

int cmd_map(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help")) {
		map_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	const char *cmd = argv[0];
	argc--, argv++;
	if (!strcmp(cmd, "create"))
		return do_create(argc, argv);
	if ((!strcmp(cmd, "show") || !strcmp(cmd, "list")) && argc == 0) {
		union bpf_attr a = { 0 };
		if (cli_json)
			fputs("[", stdout);
		for (bool first = true; sys(BPF_MAP_GET_NEXT_ID, &a) == 0; a.start_id = a.next_id) {
			union bpf_attr g = { .map_id = a.next_id };
			int fd = sys(BPF_MAP_GET_FD_BY_ID, &g);
			if (fd < 0)
				continue;
			if (cli_json && !first)
				putchar(',');
			first = false;
			show_one(fd);
			close(fd);
		}
		if (cli_json)
			puts("]");
		return 0;
	}
	const char *known[] = { "show", "list", "dump", "lookup", "update", "delete", "getnext",
				"pin", "freeze", "peek", "push", "pop", "enqueue", "dequeue" };
	bool ok = false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok |= !strcmp(cmd, known[i]);
	if (!ok)
		return cli_error("unknown map command '%s' (see bpfx map help)", cmd);

	int fd = open_map(&argc, &argv);
	if (fd < 0)
		return 1;
	struct bpf_map_info info;
	int rc = 0, err;
	if ((err = map_info(fd, &info))) {
		rc = cli_error("can't get map info: %s", strerror(-err));
	} else if (!strcmp(cmd, "show") || !strcmp(cmd, "list")) {
		show_one(fd);
		if (cli_json)
			json_end_document();
	} else if (!strcmp(cmd, "dump")) {
		rc = do_dump(fd, &info);
	} else if (!strcmp(cmd, "pin")) {
		union bpf_attr p = { .pathname = argc == 1 ? (uintptr_t)argv[0] : 0,
				     .bpf_fd = (uint32_t)fd };
		if (argc != 1)
			rc = cli_error("pin: expected FILE");
		else if ((err = sys(BPF_OBJ_PIN, &p)))
			rc = cli_error("can't pin at %s: %s", argv[0], strerror(-err));
	} else if (!strcmp(cmd, "freeze")) {
		union bpf_attr f = { .map_fd = (uint32_t)fd };
		if ((err = sys(BPF_MAP_FREEZE, &f)))
			rc = cli_error("failed to freeze map: %s", strerror(-err));
	} else if (!strcmp(cmd, "peek") || !strcmp(cmd, "push") || !strcmp(cmd, "pop") ||
		   !strcmp(cmd, "enqueue") || !strcmp(cmd, "dequeue")) {
		rc = do_keyless(cmd, fd, &info, argc, argv);
	} else if (info.key_size == 0 && (!strcmp(cmd, "lookup") || !strcmp(cmd, "update"))) {
		/* bpftool: a lookup of a map without keys peeks, an update pushes */
		rc = do_keyless(!strcmp(cmd, "lookup") ? "peek" : "push", fd, &info, argc, argv);
	} else {
		rc = do_elem(cmd, fd, &info, argc, argv);
	}
	close(fd);
	return rc;
}
