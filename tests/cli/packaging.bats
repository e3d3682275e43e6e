#!/usr/bin/env bats
# packaging.bats: the Debian package (packaging/debian) builds, is
# lintian-clean, and installs a working flightrec with its man pages,
# completions and unit; the RPM (packaging/rpm/flightrec.spec) builds and
# holds the same; the systemd unit passes systemd-analyze. Both packages
# are built once, side by side, from a copy of the working tree (what git
# tracks or would track), never in the tree itself.

load ../common

# $1: a tool. Missing, the test is skipped, loudly; in CI, it fails.
need() {
	command -v "$1" >/dev/null && return 0
	if [ "${CI:-}" = true ]; then
		echo "$1 is not installed (make deps installs it)" >&2
		return 1
	fi
	skip "$1 is not installed: SKIPPING this packaging check (make deps installs it)"
}

# copy the sources to $1: the files git tracks or would track, as they are
# in the working tree; without git (a tree from make dist), all but the
# build's outputs
copy_sources() {
	local repo=$1 dest=$2
	mkdir -p "$dest"
	if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$repo" && git ls-files -z -co --exclude-standard |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			tar -cf - --null -T -) | tar -C "$dest" -xf -
	else
		tar -C "$repo" -cf - --exclude=./build --exclude=./flightrec --exclude=./debian \
			--exclude='./flightrec-*.tar.gz' --exclude='./*.frec' . | tar -C "$dest" -xf -
	fi
}

setup_file() {
	local repo v
	repo=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	v=$(sed -n 's/^VERSION *:= *//p' "$repo/Makefile")
	export PKG="$BATS_FILE_TMPDIR" PKG_VERSION=$v
	copy_sources "$repo" "$PKG/src/flightrec-$v"

	# the .deb: packaging/debian as debian/ in a copy of its own
	if command -v dpkg-buildpackage >/dev/null; then
		mkdir -p "$PKG/deb"
		cp -a "$PKG/src/flightrec-$v" "$PKG/deb/"
		cp -a "$PKG/deb/flightrec-$v/packaging/debian" "$PKG/deb/flightrec-$v/debian"
		(
			rc=0
			cd "$PKG/deb/flightrec-$v" &&
				dpkg-buildpackage -us -uc -b -j"$(nproc)" >"$PKG/deb.log" 2>&1 || rc=$?
			echo "$rc" >"$PKG/deb.rc"
		) &
	fi
	# the .rpm: from a tarball of the sources, as make dist writes it
	if command -v rpmbuild >/dev/null; then
		mkdir -p "$PKG/rpm/tmp"
		tar -C "$PKG/src" -czf "$PKG/rpm/flightrec-$v.tar.gz" "flightrec-$v"
		(
			rc=0
			rpmbuild -bb --nodeps --define "_topdir $PKG/rpm" --define "_sourcedir $PKG/rpm" \
				--define "_tmppath $PKG/rpm/tmp" \
				"$PKG/src/flightrec-$v/packaging/rpm/flightrec.spec" >"$PKG/rpm.log" 2>&1 || rc=$?
			echo "$rc" >"$PKG/rpm.rc"
		) &
	fi
	wait
}

setup() {
	common_setup
	ROOT="$BATS_TEST_DIRNAME/../.."
	V=$PKG_VERSION
	DEB="$PKG/deb/flightrec_${V}_amd64.deb"
	RPM="$PKG/rpm/RPMS/x86_64/flightrec-$V-1.x86_64.rpm"
}

# $1: deb or rpm. The build's status, and its log's end when it failed.
built() {
	if [ "$(cat "$PKG/$1.rc" 2>/dev/null)" != 0 ]; then
		echo "the $1 build failed (status $(cat "$PKG/$1.rc" 2>/dev/null)):" >&2
		tail -n 40 "$PKG/$1.log" >&2
		return 1
	fi
}

@test "deb: dpkg-buildpackage builds it and lintian reports no error and no warning" {
	need dpkg-buildpackage
	need lintian
	built deb
	[ -f "$DEB" ]
	run --separate-stderr lintian --fail-on error,warning "$DEB"
	echo "$output"
	[ "$status" -eq 0 ]
	run ! grep -E '^[EW]: ' <<<"$output"
}

@test "deb: it holds the binary, every man page, the completions, the unit and the docs" {
	need dpkg-buildpackage
	built deb
	run -0 dpkg-deb -c "$DEB"
	list=$(awk '{ print $6 }' <<<"$output")
	for f in ./usr/bin/flightrec \
		./usr/share/bash-completion/completions/flightrec \
		./usr/share/zsh/vendor-completions/_flightrec \
		./usr/share/fish/vendor_completions.d/flightrec.fish \
		./usr/lib/systemd/system/flightrec@.service \
		./usr/share/doc/flightrec/copyright; do
		grep -qx -- "$f" <<<"$list" || { echo "$f is not in the package" >&2; return 1; }
	done
	for p in "$ROOT"/man/*.8 "$ROOT"/docs/*.md; do
		case $p in
		*.8) f=./usr/share/man/man8/${p##*/}.gz ;;
		*) f=./usr/share/doc/flightrec/${p##*/} ;;
		esac
		grep -qxE -- "$f(\\.gz)?" <<<"$list" || { echo "$f is not in the package" >&2; return 1; }
	done
	# nothing enables or starts an instance of the template on installation
	run -0 dpkg-deb -f "$DEB" Depends
	[[ "$output" == *libbpf* ]]
	mkdir "$T/ctl"
	dpkg-deb -e "$DEB" "$T/ctl"
	run ! grep -qs 'flightrec@' "$T"/ctl/{preinst,postinst,prerm,postrm}
}

@test "deb: unpacked into a throwaway root, its flightrec runs and its unit runs it" {
	need dpkg-buildpackage
	built deb
	dpkg -x "$DEB" "$T/root"
	run -0 "$T/root/usr/bin/flightrec" --version
	[ "${lines[0]}" = "flightrec $V" ]
	run -0 "$T/root/usr/bin/flightrec" dump --help
	grep -q '^ExecStart=/usr/bin/flightrec record ' "$T/root/usr/lib/systemd/system/flightrec@.service"
	grep -q '^ExecStart=/usr/bin/flightrec ' "$T/root/usr/lib/systemd/system/flightrec@.service"
	zcat "$T/root/usr/share/man/man8/flightrec-record.8.gz" | grep -q '^\.TH'
}

@test "rpm: rpmbuild builds it from a tarball, with the binary, every man page, the completions and the unit" {
	need rpmbuild
	built rpm
	[ -f "$RPM" ]
	run -0 rpm -qpl "$RPM"
	list=$output
	for f in /usr/bin/flightrec \
		/usr/share/bash-completion/completions/flightrec \
		/usr/share/fish/vendor_completions.d/flightrec.fish \
		/usr/lib/systemd/system/flightrec@.service; do
		grep -qx -- "$f" <<<"$list" || { echo "$f is not in the package" >&2; return 1; }
	done
	grep -qE '^/usr/share/zsh/[a-z-]+/_flightrec$' <<<"$list"
	for p in "$ROOT"/man/*.8; do
		grep -qxE -- "/usr/share/man/man8/${p##*/}(\\.gz)?" <<<"$list" ||
			{ echo "${p##*/} is not in the package" >&2; return 1; }
	done
	run -0 rpm -qp --requires "$RPM"
	[[ "$output" == *libbpf.so* ]]
	run -0 rpm -qp --qf '%{VERSION} %{LICENSE}\n' "$RPM"
	[ "$output" = "$V GPL-2.0-only" ]
}

@test "systemd-analyze verify passes on the unit, its binary and its man pages" {
	need systemd-analyze
	# the unit as make install writes it, with the binary of this tree
	mkdir -p "$T/unit" "$T/man/man8"
	sed "s|/usr/bin/flightrec|$(cd "$(dirname "$FR")" && pwd)/flightrec|g" "$ROOT/packaging/systemd/flightrec@.service" \
		>"$T/unit/flightrec@.service"
	cp "$ROOT"/man/*.8 "$T/man/man8/"
	# Documentation= names man pages: verify looks them up with man
	run env MANPATH="$T/man" systemd-analyze verify "$T/unit/flightrec@.service"
	echo "$output"
	[ "$status" -eq 0 ]
	# warnings (an unknown key, a bad value) do not change the status
	[ -z "$output" ]
}

@test "systemd-analyze security rates the unit's exposure 2.0 or better" {
	need systemd-analyze
	mkdir -p "$T/unit"
	cp "$ROOT/packaging/systemd/flightrec@.service" "$T/unit/flightrec@default.service"
	run systemd-analyze security --offline=yes --threshold=20 "$T/unit/flightrec@default.service"
	grep 'Overall exposure' <<<"$output"
	[ "$status" -eq 0 ]
}
