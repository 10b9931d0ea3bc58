# bpfx build. `make` builds the library and the CLI into build/;
# `make test`, `make demo`, `make bench` install what is missing first
# (scripts/deps.sh), then build and run. SANITIZE=1 builds into
# build-san/ with AddressSanitizer and UndefinedBehaviorSanitizer.

VERSION := 0.1.0
CC      ?= cc
PREFIX  ?= /usr/local
SANITIZE ?= 0
WERROR  ?= 1

ifeq ($(SANITIZE),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT     := -O1
else ifeq ($(SANITIZE),thread)
BUILD   ?= build-tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
OPT     := -O1
else
BUILD   ?= build
SANFLAGS :=
OPT     := -O2
endif

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS := -std=gnu11 -fPIC $(WARN) $(SANFLAGS) $(CFLAGS) -Iinclude -Isrc -MMD -MP \
	      -DBPFX_VERSION='"$(VERSION)"'
LDFLAGS += $(SANFLAGS)
LDLIBS  := -lelf -lpthread
CLI_LDLIBS := -lpcap -lcapstone  # packet captures; JIT disassembly (prog dump jited)

LIB_SRCS  := $(sort $(wildcard src/*/*.c src/*/*/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_SRCS  := $(sort $(wildcard tools/bpfx/*.c))
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TEST_LIB_SRCS := $(sort $(wildcard tests/lib/*.c))
TEST_LIB_OBJS := $(TEST_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

# Quiet output, one line per step; `make V=1` prints the full commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

LIB_A   := $(BUILD)/libbpfx.a
LIB_SO  := $(BUILD)/libbpfx.so
CLI     := $(BUILD)/bpfx
# Tools the examples and benchmarks use (gen_pcap: the firewall's pcap).
EXAMPLE_BINS := $(BUILD)/examples/gen_pcap

.PHONY: all lib cli examples tests test test-tsan demo bench fuzz install uninstall clean deps
.DEFAULT_GOAL := all

all: lib cli examples
lib: $(LIB_A) $(LIB_SO)
cli: $(CLI)
tests: $(UNIT_BINS) $(TOOL_BINS) $(CLI) $(EXAMPLE_BINS)
examples: $(EXAMPLE_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	$(call say,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libbpfx.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The CLI also disassembles JIT code (prog dump jited) with capstone.
$(CLI): $(CLI_OBJS) $(LIB_A)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB_A) $(LDLIBS) $(CLI_LDLIBS)

$(BUILD)/examples/%: examples/%.c
	@mkdir -p $(dir $@)
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(TEST_LIB_OBJS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/lib $(LDFLAGS) -o $@ $< $(TEST_LIB_OBJS) $(LIB_A) $(LDLIBS)

# Test tools may also ask the kernel through libbpf (objdiff does).
$(BUILD)/tests/%: tests/tools/%.c $(TEST_LIB_OBJS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/lib $(LDFLAGS) -o $@ $< $(TEST_LIB_OBJS) $(LIB_A) -lbpf $(LDLIBS)

# The test library's objects are inputs of pattern rules only; keep them.
.SECONDARY: $(TEST_LIB_OBJS)

# eBPF examples, compiled by clang for the kernel's target (<linux/bpf.h>
# includes <asm/types.h> from the multiarch directory clang does not search).
EXAMPLE_SRCS := $(sort $(wildcard examples/*.bpf.c))
EXAMPLE_OBJS := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%.o)
ARCH_INC := /usr/include/$(shell $(CC) -print-multiarch 2>/dev/null)
examples: $(EXAMPLE_OBJS)
$(BUILD)/examples/%.bpf.o: examples/%.bpf.c
	@mkdir -p $(dir $@)
	$(call say,CLANG,$<)
	$(Q)clang -O2 -g -target bpf -I$(ARCH_INC) -c $< -o $@

deps:
	@scripts/deps.sh

# The test suites; tests/run.sh prints per-suite counts and ends with
# "N passed, M failed". SANITIZE=1 runs the same suites on the sanitizer
# build.
test: deps
	$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) SANFLAGS="$(SANFLAGS)" tests/run.sh

# The suites that run threads or processes against shared maps, rings,
# timers and locks, again under ThreadSanitizer (build-tsan/). Races on
# map values themselves are the kernel's semantics: tests/tsan.supp.
TSAN_TESTS := test_map_hash test_map_handle test_map_lock test_map_lpm test_map_queue test_map_batch \
	      test_ringbuf test_perf_event_array test_prog_array test_pin test_prog_pin \
	      test_helpers_lock test_helpers_timer test_helpers_trace test_hooks \
	      test_task_helpers test_prog_run_page test_stats shared_pins
test-tsan: deps
	$(MAKE) --no-print-directory SANITIZE=thread all tests
	@BUILD=build-tsan TESTS="$(TSAN_TESTS)" \
	 TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp:die_after_fork=0:halt_on_error=1" \
	 tests/run.sh

demo: deps
	$(MAKE) --no-print-directory all examples
	@BUILD=$(BUILD) examples/demo.sh

bench: deps
	$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bench/run.sh
	@BUILD=$(BUILD) bench/packets.sh
	@BUILD=$(BUILD) bench/trace/overhead.sh
	@BUILD=$(BUILD) bench/uprobe/overhead.sh

# libFuzzer runs of the ELF, BTF and program fuzz targets, FUZZ_SECONDS
# (default 60) each; CI runs it after the tests.
fuzz: deps
	$(MAKE) --no-print-directory cli
	@BUILD=$(BUILD) scripts/fuzz.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/include/bpfx $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/bpfx/*.h $(DESTDIR)$(PREFIX)/include/bpfx/
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/libbpfx.so.0
	ln -sf libbpfx.so.0 $(DESTDIR)$(PREFIX)/lib/libbpfx.so
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' scripts/bpfx.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/bpfx.pc

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/include/bpfx
	rm -f $(DESTDIR)$(PREFIX)/lib/libbpfx.a $(DESTDIR)$(PREFIX)/lib/libbpfx.so* \
	      $(DESTDIR)$(PREFIX)/lib/pkgconfig/bpfx.pc $(DESTDIR)$(PREFIX)/bin/bpfx

clean:
	rm -rf build build-san build-tsan build-fuzz

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_LIB_OBJS:.o=.d) $(UNIT_BINS:=.d) $(TOOL_BINS:=.d)
