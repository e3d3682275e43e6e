# common.bash: shared set-up for the bats suites.

FR="$BATS_TEST_DIRNAME/../../flightrec"
HELPER="$BATS_TEST_DIRNAME/../../build/tests/frhelper"
MKCAP="$BATS_TEST_DIRNAME/../../build/tests/mkcapture"

common_setup() {
	bats_require_minimum_version 1.5.0
	export TZ=UTC LC_ALL=C
	# files are root's unless a test says it ran under sudo
	unset SUDO_UID SUDO_GID
	T="$BATS_TEST_TMPDIR"
	# control sockets of the recorders a test starts: its own directory
	export FLIGHTREC_RUNDIR="$T/run"
}

# Wait (bounded) for a line matching $2 in file $1: an event, not a delay.
wait_for_line() {
	local file=$1 pattern=$2 i
	for ((i = 0; i < 300; i++)); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$pattern' in $file:" >&2
	cat "$file" >&2
	return 1
}

# ndjson of a capture, for jq
events() {
	"$FR" dump -F ndjson "$@"
}

# A refused condition (trigger --when, stats --fail-if): run "$@" with the
# condition $1 last; exit 2, nothing on stdout, and on stderr, in at most 80
# columns: "flightrec CMD: bad OPTION: MESSAGE" (wrapped), the condition,
# a caret line under the token at column $2 (from 0) of width $3, and at the
# end a line of examples. $4: a part of the message (unwrapped). Sets
# cond_msg to the whole message.
bad_condition() {
	local cond=$1 col=$2 width=$3 msg=$4 prefix=$5 i=0 n want
	shift 5
	run -2 --separate-stderr "$@" "$cond"
	[ -z "$output" ]
	[[ "${stderr_lines[0]}" == "$prefix"* ]] || {
		echo "got: ${stderr_lines[0]}" >&2
		return 1
	}
	# the message: up to the condition's line, continued four columns in
	n=${#stderr_lines[@]}
	cond_msg=${stderr_lines[0]#"$prefix"}
	for ((i = 1; i < n; i++)); do
		[[ "${stderr_lines[i]}" == "    "* ]] || break
		cond_msg="$cond_msg ${stderr_lines[i]#    }"
	done
	[[ "$cond_msg" == *"$msg"* ]] || {
		echo "message: '$cond_msg', want '$msg' in it" >&2
		return 1
	}
	[ "${stderr_lines[i]}" = "  $cond" ] || {
		echo "source line: '${stderr_lines[i]}'" >&2
		return 1
	}
	want=$(printf '  %*s%s' "$col" '' "$(printf '^%.0s' $(seq "$width"))")
	[ "${stderr_lines[i + 1]}" = "$want" ] || {
		echo "caret line: '${stderr_lines[i + 1]}', want '$want'" >&2
		return 1
	}
	[[ "${stderr_lines[n - 1]}" == "  e.g. "* ]]
	[ -z "$(awk 'length > 80' <<<"$stderr")" ] || {
		echo "wider than 80 columns:" >&2
		awk 'length > 80' <<<"$stderr" >&2
		return 1
	}
}
