/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the bpfx command line: output mode, errors in bpftool's
 * style ("Error: ..." on stderr, or {"error":"..."} with -j), a small JSON
 * writer, and reading program files. The CLI uses only the public API.
 */
#ifndef BPFX_TOOLS_CLI_H
#define BPFX_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <bpfx/bpfx.h>

extern bool cli_json;    /* -j / --json */
extern bool cli_pretty;  /* -p / --pretty (implies -j) */
extern const char *cli_btf_path; /* --btf FILE: the CO-RE target, or NULL */
extern bool cli_debug;   /* -d / --debug: loader debug lines, verifier logs */

/* Prints one error line and returns 1 (the exit code of a failed command),
 * so commands can `return cli_error(...)`. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file into a malloc'd buffer (NUL-terminated for text).
 * Returns 0 or an errno value, with the error already reported. */
int cli_read_file(const char *path, uint8_t **buf, size_t *len);

/* bpfx_bpf() with the whole attr: the result, or -errno. */
union bpf_attr;
int cli_sys(int cmd, union bpf_attr *a);

/* Whether fd is the object that `id` names (a pin may hold another kind
 * of object): get_fd_by_id is BPF_PROG_GET_FD_BY_ID, BPF_LINK_... */
bool cli_same_object(int fd, int get_fd_by_id, uint32_t id);

/* Reads a program: `.asm`/`.s` files are assembled (bpftool syntax), any
 * other file is raw 8-byte little-endian struct bpf_insn. Reports errors
 * itself and returns non-zero on failure. */
int cli_load_program(const char *path, struct bpf_insn **insns, size_t *cnt);

/* Consumes argv[*i] as a command keyword if it is a prefix of `word` of at
 * least one character (bpftool accepts "prog sh" for "prog show"). */
bool cli_is_prefix(const char *arg, const char *word);

/* Creates DIR and its parents (errors show when pinning into it),
 * relative to the library's bpffs root unless absolute: for `loadall`
 * and `pinmaps DIR`. */
void cli_make_dir(const char *dir);

/* Minimal JSON output to stdout, pretty when cli_pretty. Calls nest like
 * the document; the writer adds commas and indentation. */
void json_begin_object(void);
void json_end_object(void);
void json_key(const char *key);
void json_string(const char *s);
void json_uint(uint64_t v);
void json_int(int64_t v);
void json_bool(bool v);
void json_end_document(void);
/* Writes s as a JSON string (quoted, escaped) to f. */
void json_escape(FILE *f, const char *s);

#endif
