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

/* Prints one error line and returns 1 (the exit code of a failed command),
 * so commands can `return cli_error(...)`. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file into a malloc'd buffer (NUL-terminated for text).
 * Returns 0 or an errno value, with the error already reported. */
int cli_read_file(const char *path, uint8_t **buf, size_t *len);

/* Reads a program: `.asm`/`.s` files are assembled (bpftool syntax), any
 * other file is raw 8-byte little-endian struct bpf_insn. Reports errors
 * itself and returns non-zero on failure. */
int cli_load_program(const char *path, struct bpf_insn **insns, size_t *cnt);

/* Creates DIR (for pins) when missing: one level, relative to the
 * library's bpffs root unless absolute; errors show at the pins. */
void cli_make_bpffs_dir(const char *dir);

/* Consumes argv[*i] as a command keyword if it is a prefix of `word` of at
 * least one character (bpftool accepts "prog sh" for "prog show"). */
bool cli_is_prefix(const char *arg, const char *word);

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

#endif
