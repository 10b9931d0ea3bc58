#!/bin/sh
# A small script for `make demo`: bpfx traces it with the execve counter.
# Each external command is one execve (the shell's builtins are none).
echo "hello from a traced script"
ls / > /dev/null
date +%Y > /dev/null
uname -s | tr a-z A-Z > /dev/null
sh -c 'id -u > /dev/null'
