#!/bin/bash
# seek.sh: how long dump takes to print a narrow time window of a large
# capture (10.5 million events), against decoding the whole of it.
# Run from the top of the tree after `make check` (it uses the test helper
# that writes synthetic captures). Prints medians of 5 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
FR=./flightrec
MK=build/tests/mkcapture
cap=$(mktemp --suffix=.frec)
trap 'rm -f "$cap"' EXIT

[ -x "$MK" ] || make --no-print-directory "$MK" >/dev/null
n=$("$MK" "$cap" 5000000)	# 5M syscall pairs + 1.5M process events: 500 s
echo "capture: $n events, $(stat -c %s "$cap") bytes on disk"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# wall seconds of a command, to the microsecond
time_it() {
	local i t0 t1
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		echo "$(( (t1 - t0) / 1000 ))" | awk '{ printf "%.6f\n", $1 / 1e6 }'
	done | median
}

echo "narrow window (--since 250s --until 250.01s, text): $(time_it "$FR" dump --since 250s --until 250010ms "$cap") s (median of 5)"
echo "narrow window, ndjson:                            $(time_it "$FR" dump -F ndjson --since 250s --until 250010ms "$cap") s"
echo "last 10 ms of the capture:                        $(time_it "$FR" dump --since 499990ms "$cap") s"
echo "whole capture, text (for comparison):             $(time_it "$FR" dump "$cap") s"
