# common.sh: helpers shared by the benchmark scripts (sourced).

# Bounded wait for a line matching $2 in file $1: an event, not a delay.
wait_for() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench: timed out waiting for '$2' in $1" >&2
	cat "$1" >&2
	return 1
}
