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
