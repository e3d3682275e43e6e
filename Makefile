# flightrec: build, deps, check, install.
#   make            build ./flightrec
#   make deps       install the Debian packages the build and tests need
#   make check      run every test (unit, CLI, BPF) and print the totals
#   make install    install under $(DESTDIR)$(PREFIX)
#   make dist       flightrec-VERSION.tar.gz, which builds on its own

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    ?= $(PREFIX)/bin
DATADIR   ?= $(PREFIX)/share
MANDIR    ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR    ?= $(DATADIR)/doc/flightrec
DISTDIR   ?= .

CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
LLVM_STRIP ?= llvm-strip
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BTF_VMLINUX ?= /sys/kernel/btf/vmlinux

B         := build
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Werror
override CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -DFR_VERSION='"$(VERSION)"' -I$(B) -Ibpf -Ilib
LDLIBS    := -lbpf -lelf -lz -lzstd -lcjson -lm

DEB_PKGS  := make gcc clang llvm libbpf-dev bpftool libelf-dev libcjson-dev libzstd-dev \
             zlib1g-dev bats pkg-config jq libclang-rt-dev man-db strace prometheus \
             debhelper devscripts lintian fakeroot rpm zsh fish systemd
# the peers the benchmarks measure against, and their workload
BENCH_PKGS := linux-perf bpftrace stress-ng gnuplot-nox

LIB_SRCS  := $(wildcard lib/*/*.c lib/*/*/*.c)
LIB_HDRS  := $(wildcard lib/*/*.h lib/*/*/*.h)
CMD_SRCS  := $(wildcard cmd/*.c)
# the recorder's object is flightrec.bpf.c with the group sources it includes;
# the profiler is an object of its own, loaded only by trigger
BPF_SRCS  := $(filter-out bpf/profile.bpf.c,$(wildcard bpf/*.bpf.c)) bpf/common.bpf.h bpf/flightrec.h
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/%.o)
CMD_OBJS  := $(CMD_SRCS:%.c=$(B)/%.o)

# the unit tests link the library without BPF, so they build and run anywhere
# (the capture writers, snapshot.o and stream.o, included: they take a
# ring and counters, not the recorder)
UNIT_LIB  := $(filter-out $(B)/lib/record/recorder.o $(B)/lib/record/recorder_ctl.o $(B)/lib/record/recorder_counters.o $(B)/lib/record/traces.o $(B)/lib/record/writers.o $(B)/lib/record/sweep.o $(B)/lib/record/features.o $(B)/lib/record/profile.o,$(LIB_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
HELPERS   := $(B)/tests/frhelper $(B)/tests/frfuse $(B)/tests/mkcapture

.PHONY: all deps demo check check-unit fuzz bench install uninstall dist clean
.DELETE_ON_ERROR:

all: flightrec

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing" $$missing; \
		if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# vmlinux.h: from the running kernel's BTF when it has one, else the copy
# kept in the tree, so machines without BTF at build time still build
$(B)/vmlinux.h:
	@mkdir -p $(B)
	@if [ -r $(BTF_VMLINUX) ] && command -v $(BPFTOOL) >/dev/null; then \
		echo "  GEN     $@ (from $(BTF_VMLINUX))"; \
		$(BPFTOOL) btf dump file $(BTF_VMLINUX) format c > $@.tmp && mv $@.tmp $@; \
	else \
		echo "  GEN     $@ (no kernel BTF here: using bpf/vmlinux/vmlinux_x86_64.h)"; \
		cp bpf/vmlinux/vmlinux_x86_64.h $@; \
	fi

$(B)/flightrec.bpf.o: $(BPF_SRCS) $(B)/vmlinux.h
	@echo "  BPF     $@"
	@$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-I$(B) -Ibpf -c bpf/flightrec.bpf.c -o $@
	@$(LLVM_STRIP) -g $@

$(B)/flightrec.skel.h: $(B)/flightrec.bpf.o
	@echo "  SKEL    $@"
	@$(BPFTOOL) gen skeleton $< name flightrec_bpf > $@

$(B)/profile.bpf.o: bpf/profile.bpf.c $(B)/vmlinux.h
	@echo "  BPF     $@"
	@$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-I$(B) -Ibpf -c bpf/profile.bpf.c -o $@
	@$(LLVM_STRIP) -g $@

$(B)/profile.skel.h: $(B)/profile.bpf.o
	@echo "  SKEL    $@"
	@$(BPFTOOL) gen skeleton $< name profile_bpf > $@

$(B)/%.o: %.c $(LIB_HDRS) $(wildcard cmd/*.h) bpf/flightrec.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(B)/lib/record/recorder.o $(B)/lib/record/recorder_counters.o $(B)/lib/record/traces.o: $(B)/flightrec.skel.h
$(B)/lib/record/profile.o: $(B)/profile.skel.h

flightrec: $(CMD_OBJS) $(LIB_OBJS)
	@echo "  LD      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the main job on a fresh machine: install what is missing, build, record
# the whole machine for a few seconds, show the start of it
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory flightrec
	@if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
	$$SUDO ./flightrec record --duration 5s --force -o $(B)/demo.frec && \
	./flightrec dump $(B)/demo.frec | head -n 40

# ---- tests ----

$(B)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(UNIT_LIB)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(UNIT_LIB) $(LDLIBS)

$(B)/tests/frhelper: tests/helpers/frhelper.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -fno-omit-frame-pointer -pthread -o $@ $<

$(B)/tests/frfuse: tests/helpers/frfuse.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

$(B)/tests/mkcapture: tests/helpers/mkcapture.c tests/unit/synth.h $(UNIT_LIB)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(UNIT_LIB) $(LDLIBS)

check-unit: $(UNIT_BINS)

# ---- benchmarks: timing lives here, never in make check ----

BENCH_BINS := $(B)/bench/loop $(B)/bench/storm $(B)/bench/churn

$(B)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

# BENCH_QUICK=1: fewer repetitions and shorter runs, to try the scripts
bench:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DEB_PKGS) $(BENCH_PKGS)"
	@$(MAKE) --no-print-directory flightrec $(BENCH_BINS) $(HELPERS)
	@bash bench/run.sh

# ---- fuzzing: libFuzzer (clang) on the capture reader and decoder, and on
# the parser of --when and --fail-if conditions ----
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	       -std=gnu11 -D_GNU_SOURCE -DFR_VERSION='"$(VERSION)"' -Ibpf -Ilib -Wall -Wextra -Werror
# the readers of a capture: the format, the renderers, the stats pass
FUZZ_LIB_SRCS := $(wildcard lib/capture/*.c lib/base/*.c lib/analysis/*.c lib/report/*.c)

$(B)/fuzz/fuzz_capture: tests/fuzz/fuzz_capture.c $(FUZZ_LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(LDLIBS)

# the one parser of conditions, with trigger's and stats' grammars
FUZZ_EXPR_SRCS := lib/base/cond.c lib/base/cond_text.c lib/detect/expr.c lib/detect/metrics.c \
		  lib/report/gate.c lib/capture/event.c lib/capture/syscalls_x86_64.c \
		  lib/base/util.c lib/base/log.c

$(B)/fuzz/fuzz_expr: tests/fuzz/fuzz_expr.c $(FUZZ_EXPR_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_EXPR_SRCS)

FUZZ_CONTROL_SRCS := lib/control/control.c

$(B)/fuzz/fuzz_control: tests/fuzz/fuzz_control.c $(FUZZ_CONTROL_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_CONTROL_SRCS) -lcjson

# run for FUZZ_SECONDS from the kept corpus (tests/fuzz/corpus), seeded with
# real and synthetic captures; inputs that crashed once stay there as tests
fuzz: $(B)/fuzz/fuzz_capture $(B)/tests/mkcapture
	@mkdir -p $(B)/fuzz/work
	@$(B)/tests/mkcapture $(B)/fuzz/seed.frec 40 >/dev/null
	@cp $(B)/fuzz/seed.frec $(B)/fuzz/work/
	@$(B)/fuzz/fuzz_capture -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=$(B)/fuzz/ \
		-print_final_stats=1 $(B)/fuzz/work tests/fuzz/corpus 2>&1 | tail -n 12

# everything the test suites need, then all of them, with one total at the end
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory flightrec check-unit $(HELPERS)
	@$(MAKE) --no-print-directory $(B)/fuzz/fuzz_capture $(B)/fuzz/fuzz_expr $(B)/fuzz/fuzz_control
	@$(MAKE) --no-print-directory B=build/asan \
		CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		LDFLAGS='-fsanitize=address,undefined' check-unit
	@tests/run.sh

install: flightrec
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(DOCDIR)
	install -m 0755 flightrec $(DESTDIR)$(BINDIR)/flightrec
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 completions/flightrec.bash $(DESTDIR)$(BASHCOMPDIR)/flightrec
	install -m 0644 completions/_flightrec $(DESTDIR)$(ZSHCOMPDIR)/_flightrec
	install -m 0644 completions/flightrec.fish $(DESTDIR)$(FISHCOMPDIR)/flightrec.fish
	sed 's|/usr/bin/flightrec|$(BINDIR)/flightrec|g' packaging/systemd/flightrec@.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/flightrec@.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/flightrec@.service
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/flightrec $(DESTDIR)$(BASHCOMPDIR)/flightrec
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_flightrec $(DESTDIR)$(FISHCOMPDIR)/flightrec.fish
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/flightrec@.service
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard man/*.8)))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,README.md $(notdir $(wildcard docs/*.md)))
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

# the sources git knows, under flightrec-VERSION/; it builds on its own
# (make, make check) with no git and no network but Debian's archive
dist:
	@command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 || \
		{ echo "make dist: needs a git checkout" >&2; exit 1; }
	git archive --format=tar.gz --prefix=flightrec-$(VERSION)/ -o $(DISTDIR)/flightrec-$(VERSION).tar.gz HEAD
	@echo "  DIST    $(DISTDIR)/flightrec-$(VERSION).tar.gz"

clean:
	rm -rf $(B) flightrec flightrec-*.tar.gz
