#!/usr/bin/env bats
# build.bats: the build and install contract: vmlinux.h fallback without
# kernel BTF, make install honouring PREFIX and DESTDIR.

load ../common

setup() {
	common_setup
	ROOT="$BATS_TEST_DIRNAME/../.."
}

@test "without kernel BTF at build time the BPF object builds from the kept vmlinux.h" {
	run -0 make -C "$ROOT" --no-print-directory B="$T/b" BTF_VMLINUX=/nonexistent "$T/b/flightrec.skel.h"
	[[ "$output" == *"no kernel BTF here: using bpf/vmlinux/vmlinux_x86_64.h"* ]]
	cmp "$T/b/vmlinux.h" "$ROOT/bpf/vmlinux/vmlinux_x86_64.h"
	grep -q 'flightrec_bpf__open' "$T/b/flightrec.skel.h"
}

@test "make install honours PREFIX and DESTDIR, and uninstall removes it all" {
	run -0 make -C "$ROOT" --no-print-directory install DESTDIR="$T/root" PREFIX=/usr
	[ -x "$T/root/usr/bin/flightrec" ]
	for p in flightrec flightrec-record flightrec-dump; do
		[ -f "$T/root/usr/share/man/man8/$p.8" ]
	done
	[ -f "$T/root/usr/share/bash-completion/completions/flightrec" ]
	[ -f "$T/root/usr/share/zsh/vendor-completions/_flightrec" ]
	[ -f "$T/root/usr/share/fish/vendor_completions.d/flightrec.fish" ]
	[ -f "$T/root/usr/share/doc/flightrec/control.md" ]
	# the unit runs the binary where it was installed
	grep -q '^ExecStart=/usr/bin/flightrec record' "$T/root/usr/lib/systemd/system/flightrec@.service"
	"$T/root/usr/bin/flightrec" --help >/dev/null
	run -0 make -C "$ROOT" --no-print-directory uninstall DESTDIR="$T/root" PREFIX=/usr
	[ -z "$(find "$T/root" -type f)" ]
}

@test "make dist: a tarball of the sources that builds on its own" {
	git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
	run -0 make -C "$ROOT" --no-print-directory dist DISTDIR="$T"
	v=$("$FR" --version | awk 'NR == 1 { print $2 }')
	[ -f "$T/flightrec-$v.tar.gz" ]
	mkdir "$T/x"
	tar -C "$T/x" -xzf "$T/flightrec-$v.tar.gz"
	[ -f "$T/x/flightrec-$v/Makefile" ] && [ -f "$T/x/flightrec-$v/packaging/systemd/flightrec@.service" ]
	[ ! -e "$T/x/flightrec-$v/.git" ]
	run -0 make -C "$T/x/flightrec-$v" --no-print-directory flightrec
	run -0 "$T/x/flightrec-$v/flightrec" --version
	[[ "${lines[0]}" == "flightrec $v"* ]]
}
