#!/usr/bin/env bats
# trigger.bats: what trigger checks before it loads anything: --list, the
# --when expression errors (each points at the bad token), option errors.

load ../common

setup() {
	common_setup
}

# a bad --when: exit 2, the message, the source echoed, the caret line
# under the token at column $2 (from 0) of width $3 (common.bash)
bad_when() {
	bad_condition "$1" "$2" "$3" "$4" "flightrec trigger: bad --when: " "$FR" trigger --when
}

@test "trigger --list: every detector, metric, unit, the syntax and the default set" {
	run -0 "$FR" trigger --list
	for d in cpu dstate runqueue memburst io psi events; do
		[[ "$output" == *$'\n'"$d"$'\n'* ]]
	done
	[[ "$output" == *"cpu.sys (%)"* ]]
	[[ "$output" == *"runqueue.p99 (time: ns, us, ms, s)"* ]]
	[[ "$output" == *"memburst.rate (rate: B/s, KB/s, MB/s, GB/s)"* ]]
	[[ "$output" == *"events.crash (count)"* ]]
	[[ "$output" == *"Default set"* && "$output" == *"--when 'events.oom'"* ]]
	[[ "$output" == *"dstate.longest (time: ns, us, ms, s)"* ]]
	# each default with what it catches and how soon it fires
	defaults=$(sed -n '/^Default set/,/^Defaults:/p' <<<"$output")
	[ "$(grep -c "^  --when '" <<<"$defaults")" -eq 9 ]
	[ "$(grep -c '^      fires ' <<<"$defaults")" -eq 9 ]
	grep -A2 -F "  --when 'dstate.longest > 10s'" <<<"$defaults" | grep -q 'fires 10 to 12s after it entered D state'
	grep -A2 -F "  --when 'cpu.sys > 60% for 10s'" <<<"$defaults" | grep -q 'system-time storm'
	# busy is not trouble: no cpu.usage, no count of D-state tasks
	! grep -qE "cpu.usage|dstate.tasks" <<<"$defaults"
	# every line fits a terminal
	[ -z "$(awk 'length > 80' <<<"$output")" ]
}

@test "trigger --when: an unknown metric is named, with the closest one" {
	bad_when 'cpu.sy > 45%' 0 6 "unknown metric 'cpu.sy' (did you mean cpu.sys?)"
	[ "${stderr_lines[3]}" = "  every metric: flightrec trigger --list" ]
	bad_when 'cpu.usage > 45% and memory.anon > 1GB' 20 11 "unknown metric 'memory.anon'"
	# stats' figures are not trigger's metrics
	bad_when 'syscalls.read.p99 > 2ms' 0 17 "unknown metric 'syscalls.read.p99'"
}

@test "trigger --when: a unit of the wrong kind, or a missing one" {
	bad_when 'cpu.sys > 45ms' 12 2 "cpu.sys is a percentage"
	bad_when 'runqueue.p99 > 5' 15 1 \
		"runqueue.p99 is a time: give it a unit, ns, us, ms or s (e.g. 5ms)"
	bad_when 'runqueue.p99 > 5 furlongs' 17 8 "unknown unit 'furlongs'; runqueue.p99 is a time"
	bad_when 'memburst.rate > 100MB' 19 2 "memburst.rate is a rate"
	bad_when 'memburst.anon > 2%' 17 1 "memburst.anon is a size"
	bad_when 'cpu.sys > 45 furlongs' 13 8 "unknown unit 'furlongs'"
}

@test "trigger --when: a missing comparison, number or duration" {
	bad_when 'cpu.sys' 7 1 "expected a comparison"
	bad_when 'cpu.sys >' 9 1 "expected a value"
	bad_when 'cpu.sys > 45% for' 17 1 "duration"
	bad_when 'cpu.sys > 45% for 5' 18 1 "a duration needs a unit"
	bad_when 'memburst.anon rises 1GB' 23 1 "needs a window"
	bad_when 'memburst.anon rises 1GB in' 26 1 "duration"
}

@test "trigger --when: bad structure: dangling and, junk, empty, out of range" {
	bad_when 'cpu.sys > 45% and' 17 1 "expected a condition after 'and'"
	bad_when 'cpu.sys > 45% cpu.user > 1%' 14 8 "expected 'and' or the end"
	bad_when '' 0 1 "empty expression"
	bad_when 'cpu.sys > 145%' 10 4 "at most 100%"
	bad_when 'cpu.sys = 45%' 8 1 "unknown operator '='"
}

@test "trigger --when: a rise is measured over 1s to 1h" {
	bad_when 'memburst.anon rises 1GB in 500ms' 27 5 "a rise is measured over 1s to 1h"
	bad_when 'memburst.anon rises 1GB in 2h' 27 2 "a rise is measured over 1s to 1h"
}

@test "trigger --when: a signed value is a change against a baseline, which --when has not" {
	bad_when 'cpu.sys > +20%' 10 1 "a threshold has no sign: write e.g. 45%"
	bad_when 'runqueue.p99 > -5ms' 15 4 "runqueue.p99 cannot be negative"
}

@test "trigger --when: a long expression is shown around the bad token, within 80 columns" {
	e='cpu.usage > 45% and cpu.user > 10% and cpu.sys > 20% and io.util > 50% and io.await > 5'
	run -2 --separate-stderr "$FR" trigger --when "$e"
	[[ "${stderr_lines[0]}" == "flightrec trigger: bad --when: io.await is a time: "* ]]
	[[ "$stderr" == *"  ..."*"io.await > 5"$'\n'* ]]
	[ -z "$(awk 'length > 80' <<<"$stderr")" ]
	# the caret is under the 5
	src=$(grep -n '^  \.\.\.' <<<"$stderr" | cut -d: -f1)
	line=$(sed -n "${src}p" <<<"$stderr")
	carets=$(sed -n "$((src + 1))p" <<<"$stderr")
	[ "${line:$((${#carets} - 1)):1}" = 5 ]
}

@test "trigger --when: too many conditions in one expression" {
	e='events.oom'
	for i in 1 2 3 4 5 6 7 8; do e="$e and events.oom"; done
	run -2 --separate-stderr "$FR" trigger --when "$e"
	[[ "$stderr" == *"too many conditions"* ]]
}

@test "trigger option errors exit 2 and name the problem" {
	run -2 --separate-stderr "$FR" trigger --pre tomorrow
	[[ "$stderr" == *"bad --pre 'tomorrow'"* ]]
	run -2 --separate-stderr "$FR" trigger -o 'cap-%x.frec'
	[[ "$stderr" == *"%% may only be followed by"* || "$stderr" == *"% may only be followed by"* ]]
	run -2 --separate-stderr "$FR" trigger --count many
	[[ "$stderr" == *"bad --count 'many'"* ]]
	run -2 --separate-stderr "$FR" trigger --timeout 5s -- true
	[[ "$stderr" == *"--timeout and COMMAND cannot be combined"* ]]
	run -2 --separate-stderr "$FR" trigger -e sched,bogus
	[[ "$stderr" == *"unknown probe group 'bogus'"* ]]
}

@test "trigger --cgroup: a cgroup that does not exist is an error before anything loads" {
	run -1 --separate-stderr "$FR" trigger --cgroup /no/such/cgroup --when 'cpu.usage > 50%'
	[[ "$stderr" == *"--cgroup /no/such/cgroup"* ]]
	run -1 --separate-stderr "$FR" trigger --cgroup no-such-group-here --when 'cpu.usage > 50%'
	[[ "$stderr" == *"no such cgroup"* ]]
}

@test "trigger -o: a directory that is missing, not a directory or not writable is an error at once" {
	# --timeout bounds a trigger that would arm anyway: it would exit 3, not 1
	run -1 --separate-stderr "$FR" trigger --timeout 1s -o "$T/missing/x-%d.frec"
	[[ "$stderr" == *"cannot write captures in $T/missing: No such file or directory"* ]]
	: >"$T/file"
	run -1 --separate-stderr "$FR" trigger --timeout 1s -o "$T/file/x.frec"
	[[ "$stderr" == *"cannot write captures in $T/file: Not a directory"* ]]
	# a directory per firing: its parent is what must exist
	run -1 --separate-stderr "$FR" trigger --timeout 1s -o "$T/missing/%d/x.frec"
	[[ "$stderr" == *"cannot write captures in $T/missing: No such file or directory"* ]]
	[ -z "$(find "$T" -name '*.frec')" ]
}
