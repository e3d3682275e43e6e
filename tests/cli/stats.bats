#!/usr/bin/env bats
# stats.bats: stats on synthetic captures: usage errors, --fail-if errors
# (each points at the bad token), the JSON schema, a damaged capture.

load ../common

setup() {
	common_setup
	MK="$BATS_TEST_DIRNAME/../../build/tests/mkcapture"
	"$MK" "$T/s.frec" 5 >/dev/null
}

# a bad --fail-if: exit 2, the message, the source echoed, the caret line
# under the token at column $2 (from 0) of width $3 (common.bash)
bad_gate() {
	bad_condition "$1" "$2" "$3" "$4" "flightrec stats: bad --fail-if: " "$FR" stats "$T/s.frec" --fail-if
}

@test "stats: a summary of a synthetic capture, text and JSON (schema 1)" {
	run -0 "$FR" stats "$T/s.frec"
	# what happened first: the 5 getppid calls of 1 us each are the news
	[ "${lines[0]}" = "what happened:" ]
	[ "${lines[1]}" = "  slowest system call getppid 1.000us (p99 1.000us of 5 calls)" ]
	[[ "${lines[2]}" == "capture:  $T/s.frec (complete)" ]]
	[[ "$output" == *"events:   "* && "$output" == *"lost:     nothing: the figures below cover everything recorded"* ]]
	# every line within 80 columns; --wide adds columns
	[ -z "$(awk 'length($0) > 80' <<<"$output")" ]
	[[ "$output" != *RUNNABLE* ]]
	run -0 "$FR" stats --wide "$T/s.frec"
	[[ "$output" =~ PID\ +COMM\ +ON-CPU\ +%CPU\ +SWITCH\ +INVOL\ +RUNQ-P99\ +D-STATE\ +RUNNABLE\ +SYSCALLS ]]
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
	bad_gate '' 0 1 "empty condition: give a condition, e.g. runqueue.p99 > 5ms"
	bad_gate 'runqueue.p99 = 2ms' 13 1 "unknown operator '='"
	bad_gate 'runqueue.p99 >' 14 1 "expected a value for runqueue.p99, e.g. 5ms or +20%"
	bad_gate 'runqueue.p99 > fast' 15 4 "expected a value"
	bad_gate 'runqueue.p99 > 2fortnights' 16 10 "unknown unit 'fortnights'"
	bad_gate 'runqueue.p99 > 20%' 17 1 "a change against the baseline has a sign: +20% or -10%"
	bad_gate 'runqueue.p99 > +2ms' 15 4 "a signed value is a change against the baseline, in per cent"
	bad_gate 'runqueue.p99 > 2ms junk' 19 4 "expected the end, not 'junk'"
}

@test "stats --fail-if: a time needs a unit, and the message says which" {
	bad_gate 'runqueue.p99 > 5' 15 1 \
		"runqueue.p99 is a time: give it a unit, ns, us, ms or s (e.g. 5ms)"
	bad_gate 'syscalls.read.max > 5000000' 20 7 "syscalls.read.max is a time: give it a unit"
	bad_gate 'runqueue.p99 > 5MB' 16 2 "runqueue.p99 is a time: use ns, us, ms or s"
	# what works: a unit, with or without a space before it
	run -0 "$FR" stats "$T/s.frec" --fail-if 'runqueue.p99 > 5ms' --fail-if 'cpu.total > 1 s'
	[[ "$output" == *"runqueue.p99 > 5ms "*" ok"* ]]
}

@test "stats --fail-if: an unknown metric, call or event type gets a 'did you mean'" {
	bad_gate 'runqueue.p95 > 5ms' 0 12 "unknown metric 'runqueue.p95' (did you mean runqueue.p90?)"
	[ "${stderr_lines[4]}" = "  every metric: METRICS in flightrec-stats(8), or flightrec stats --help" ]
	bad_gate 'p99 > 2ms' 0 3 "unknown metric 'p99' (did you mean runqueue.p99?)"
	bad_gate 'syscall.read.p99 > 2ms' 0 16 "(did you mean syscalls.read.p99?)"
	bad_gate 'syscalls.raed.p99 > 2ms' 9 4 "unknown system call 'raed' (did you mean read?)"
	bad_gate 'events.sched_swtch > 1' 7 11 "unknown event type 'sched_swtch' (did you mean sched_switch?)"
	# trigger's metrics are not stats' figures
	bad_gate 'cpu.sys > 45%' 0 7 "unknown metric 'cpu.sys' (did you mean cpu.total?)"
}

@test "stats --fail-if: the forms trigger has and stats has not" {
	bad_gate 'runqueue.p99 > 5ms for 5s' 19 3 "no 'for' in --fail-if: each figure is compared once"
	bad_gate 'runqueue.p99 rises 5ms in 10s' 13 5 "no 'rises' in --fail-if"
	bad_gate 'runqueue.p99 > 5ms and events.total > 3' 19 3 "one condition per --fail-if: give each its own"
	bad_gate 'events.crashes' 14 1 "expected a comparison (>, >=, <, <=) after 'events.crashes'"
}

@test "stats --fail-if: a figure the capture does not have is a usage error" {
	run -2 --separate-stderr "$FR" stats "$T/s.frec" --fail-if 'syscalls.reboot.p99 > 1ms'
	[[ "$stderr" == *"the capture has no figure 'syscalls.reboot.p99'"* ]]
	run -2 --separate-stderr "$FR" stats "$T/s.frec" --fail-if 'block.nodisk.p99 > 1ms'
	[[ "$stderr" == *"the capture has no block I/O"* ]]
}

@test "stats --fail-if on absolute figures: exit 1 when one holds, 0 otherwise" {
	n=$("$FR" stats -F json "$T/s.frec" | jq .events.total)
	run -1 "$FR" stats "$T/s.frec" --fail-if "events.total >= $n"
	[[ "$output" == *"FAIL"* ]]
	# a call never made has count 0
	run -0 "$FR" stats "$T/s.frec" --fail-if "events.total > $n" --fail-if 'syscalls.reboot.count > 0'
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
