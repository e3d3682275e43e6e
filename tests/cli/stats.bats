#!/usr/bin/env bats
# stats.bats: stats on synthetic captures: usage errors, --fail-if errors
# (each points at the bad token), the JSON schema, a damaged capture.

load ../common

setup() {
	common_setup
	MK="$BATS_TEST_DIRNAME/../../build/tests/mkcapture"
	"$MK" "$T/s.frec" 5 >/dev/null
}

bad_gate() {
	local cond=$1 col=$2 width=$3 msg=$4
	run -2 --separate-stderr "$FR" stats "$T/s.frec" --fail-if "$cond"
	[ -z "$output" ]
	[[ "${stderr_lines[0]}" == "flightrec stats: bad --fail-if '$cond': "*"$msg"* ]] || {
		echo "got: ${stderr_lines[0]}" >&2
		return 1
	}
	[ "${stderr_lines[1]}" = "  $cond" ]
	want=$(printf '  %*s%s' "$col" '' "$(printf '^%.0s' $(seq "$width"))")
	[ "${stderr_lines[2]}" = "$want" ] || {
		echo "caret line: '${stderr_lines[2]}', want '$want'" >&2
		return 1
	}
}

@test "stats: a summary of a synthetic capture, text and JSON (schema 1)" {
	run -0 "$FR" stats "$T/s.frec"
	# what happened first: the 5 getppid calls of 1 us each are the news
	[ "${lines[0]}" = "what happened:" ]
	[ "${lines[1]}" = "  slowest system call getppid 1.000us (p99 1.000us of 5 calls)" ]
	[[ "${lines[2]}" == "capture:  $T/s.frec (complete)" ]]
	[[ "$output" == *"events:   "* && "$output" == *"lost:     0 dropped"* ]]
	run -0 "$FR" stats -F json "$T/s.frec"
	jq -e '.schema == 1 and (.events.total > 0) and (.runqueue | has("p99_ns")) and (.syscalls | has("by_name")) and (.block | has("devices")) and (.offcpu | has("dstate"))' <<<"$output"
}

@test "stats --top limits the tables; prometheus keeps every row" {
	run -0 "$FR" stats -F json --top 1 "$T/s.frec"
	[ "$(jq '.syscalls.by_name | length' <<<"$output")" -le 1 ]
	[ "$(jq '.cpu.processes | length' <<<"$output")" -le 1 ]
}

@test "stats usage errors exit 2 and name the problem" {
	run -2 --separate-stderr "$FR" stats "$T/s.frec" "$T/s.frec"
	[[ "$stderr" == *"one capture at a time"* ]]
	run -2 --separate-stderr "$FR" stats -F yaml "$T/s.frec"
	[[ "$stderr" == *"bad --format 'yaml'"* ]]
	run -2 --separate-stderr "$FR" stats --top 0 "$T/s.frec"
	[[ "$stderr" == *"bad --top '0'"* ]]
	run -2 --separate-stderr "$FR" stats "$T/s.frec" --fail-if 'runqueue.p99 > +20%'
	[[ "$stderr" == *"compares with a baseline: give --baseline BASE"* ]]
}

@test "stats --fail-if: every error points at the bad token" {
	bad_gate '' 0 1 "expected a metric"
	bad_gate 'p99 > 2ms' 0 3 "not a metric"
	bad_gate 'runqueue.p99 = 2ms' 13 1 "expected a comparison"
	bad_gate 'runqueue.p99 >' 14 1 "expected a value"
	bad_gate 'runqueue.p99 > fast' 15 1 "expected a value"
	bad_gate 'runqueue.p99 > 2 ms' 17 2 "unexpected text"
	bad_gate 'runqueue.p99 > 2fortnights' 16 10 "unknown unit"
	bad_gate 'runqueue.p99 > 20%' 17 1 "has a sign"
}

@test "stats --fail-if: a figure the capture does not have is a usage error" {
	run -2 --separate-stderr "$FR" stats "$T/s.frec" --fail-if 'runqueue.p42 > 1ms'
	[[ "$stderr" == *"has no figure 'runqueue.p42'"* ]]
	run -2 --separate-stderr "$FR" stats "$T/s.frec" --fail-if 'block.nodisk.p99 > 1ms'
	[[ "$stderr" == *"has no figure 'block.nodisk.p99'"* ]]
}

@test "stats --fail-if on absolute figures: exit 1 when one holds, 0 otherwise" {
	n=$("$FR" stats -F json "$T/s.frec" | jq .events.total)
	run -1 "$FR" stats "$T/s.frec" --fail-if "events.total >= $n"
	[[ "$output" == *"FAIL"* ]]
	run -0 "$FR" stats "$T/s.frec" --fail-if "events.total > $n" --fail-if 'syscalls.nosuchcall.count > 0'
	[[ "$output" != *"FAIL"* ]]
}

@test "stats on a damaged capture: the summary of what could be read, exit 1" {
	cp "$T/s.frec" "$T/d.frec"
	size=$(stat -c %s "$T/d.frec")
	truncate -s $((size - 100)) "$T/d.frec"
	run -1 --separate-stderr "$FR" stats "$T/d.frec"
	[[ "$output" == *"incomplete or damaged"* ]]
	[[ "$stderr" == *"damaged or incomplete"* ]]
	run -1 --separate-stderr "$FR" stats "$T/nonexistent.frec"
	[[ "$stderr" == *"nonexistent.frec"* ]]
}

@test "stats --baseline without --fail-if: the figures side by side, first; in JSON as comparison" {
	# 100 pairs of getppid against 40: 230 events against 92
	"$MK" "$T/new.frec" 100 >/dev/null
	"$MK" "$T/base.frec" 40 >/dev/null
	run -0 --separate-stderr "$FR" stats "$T/new.frec" --baseline "$T/base.frec"
	[[ "${lines[0]}" == "METRIC "*"BASELINE"*"NEW"*"CHANGE" ]]
	grep -qxE 'events\.total +92 +230 +\+150\.0%' <<<"$output"
	grep -qxE 'syscalls\.count +40 +100 +\+150\.0%' <<<"$output"
	grep -qE '^syscalls\.getppid\.p99 ' <<<"$output"
	# then the summary, as without --baseline
	grep -q '^capture: ' <<<"$output"
	# the table, up to the blank line before the summary, fits 80 columns
	[ -z "$(awk '/^$/ { exit } length > 80' <<<"$output")" ]
	run -0 --separate-stderr "$FR" stats -F json "$T/new.frec" --baseline "$T/base.frec"
	jq -e '.comparison[] | select(.metric == "events.total") | .baseline == 92 and .new == 230 and .change_percent == 150' <<<"$output"
	# without a baseline there is no comparison
	run -0 --separate-stderr "$FR" stats -F json "$T/new.frec"
	jq -e 'has("comparison") | not' <<<"$output"
}
