#!/usr/bin/env bats
# layers.bats: the layers of lib/ include only what docs/architecture.md
# says they may, and no source file grows past its bound without a reason.

load ../common

setup() {
	common_setup
	ROOT="$BATS_TEST_DIRNAME/../.."
}

# the project headers layer $1 includes, one per line ("base/util.h")
includes() {
	grep -rhoE '^#include "[^"]+"' "$ROOT/lib/$1" | sed -E 's/#include "([^"]+)"/\1/' | sort -u
}

# fail when layer $1 includes a header of a layer not among $2...
only() {
	local layer=$1 bad
	shift
	bad=$(includes "$layer" | grep -vE "^($(IFS='|'; echo "$*"))/" | grep -vx 'flightrec.h' | grep -v '\.skel\.h$' || true)
	[ -z "$bad" ] || {
		echo "lib/$layer includes what it may not: $bad" >&2
		return 1
	}
}

@test "each layer of lib/ includes only the layers below it" {
	only base base
	only capture base capture
	only analysis base capture analysis
	only control base control
	only report base capture analysis report
	only record base capture record
	only detect base capture analysis record detect
}

@test "the capture format and the renderers know no BPF and no command line" {
	for l in base capture analysis report control; do
		! grep -rlE '#include (<bpf/|"[a-z_]+\.skel\.h")' "$ROOT/lib/$l" || {
			echo "lib/$l uses BPF" >&2
			return 1
		}
	done
	# no layer parses a command line or includes a command's header
	! grep -rlE '#include (<argp\.h>|"(cmd|format|live|live_client|session)\.h")' "$ROOT/lib"
}

@test "the BPF skeletons are used by the recording layer only" {
	[ -z "$(grep -rlE '\.skel\.h"' "$ROOT/lib" "$ROOT/cmd" | grep -v '/lib/record/')" ]
}

@test "no source file over about 800 lines (820), no function over 120, without a reason at its top" {
	long=$(cd "$ROOT" && for f in lib/*/*.c lib/*/*/*.c cmd/*.c; do
		awk -v F="$f" '
			/^{/ { s = NR; name = prev; reason = recent ~ /long:/ }
			/^}/ { if (s && NR - s > 120 && !reason) printf "%s:%d %s (%d lines)\n", F, s, name, NR - s; s = 0 }
			# the comment just above a function may say why it is long
			/^\/\*/ { recent = "" }
			{ recent = recent $0; prev = $0 }
			END { if (NR > 820) printf "%s: %d lines\n", F, NR }' "$f"
	done)
	[ -z "$long" ] || {
		echo "$long" >&2
		return 1
	}
}
