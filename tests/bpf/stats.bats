#!/usr/bin/env bats
# stats.bats: the summary of real recordings against ground truth: exactly
# N getppid calls, a spinner's CPU time (the kernel's own accounting), the
# trigger record, Prometheus output that promtool accepts, the CI gate.
# Needs root (tests/run.sh decides whether to run it).

load ../common
load helpers

setup() {
	common_setup
	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root"
	fi
	H="$BATS_TEST_DIRNAME/../../build/tests/frhelper"
}

@test "stats: exactly N getppid calls, timed, with their process" {
	"$FR" record -q -e syscalls -o "$T/a.frec" -- "$H" --getppid 12345
	run -0 --separate-stderr "$FR" stats -F json "$T/a.frec"
	j=$output
	[ "$(jq '.schema' <<<"$j")" -eq 1 ]
	[ "$(jq '.syscalls.by_name[] | select(.name == "getppid") | .calls' <<<"$j")" -eq 12345 ]
	[ "$(jq '.syscalls.by_name[] | select(.name == "getppid") | .count' <<<"$j")" -eq 12345 ]
	jq -e '.syscalls.by_name[] | select(.name == "getppid") | .p50_ns > 0 and .p99_ns >= .p50_ns and .max_ns >= .p99_ns' <<<"$j"
	jq -e '[.cpu.processes[] | select(.comm == "frhelper")][0].syscalls >= 12345' <<<"$j"
	jq -e '.loss.complete and .loss.dropped == 0' <<<"$j"
	run -0 "$FR" stats "$T/a.frec"
	[[ "$output" =~ getppid\ +12345\ +0\  ]]
}

@test "stats: a spinner's CPU time is what the kernel counted, to within 1%, on a loaded machine too" {
	"$FR" record -q -e sched,process -o "$T/c.frec" -- "$H" --spin 1 --print-cpu >"$T/cpu"
	kernel=$(cat "$T/cpu")
	run -0 --separate-stderr "$FR" stats -F json "$T/c.frec"
	ours=$(jq '[.cpu.processes[] | select(.comm == "frhelper")][0].oncpu_ns' <<<"$output")
	echo "on CPU from sched_switch: $ours ns; getrusage: $kernel ns" >&2
	# it spun (a second of wall time, most of it on a CPU) ...
	awk -v k="$kernel" 'BEGIN { exit !(k > 0.2e9) }'
	# ... and the figure is the kernel's, even where a switch back to it was
	# never traced (some kernels trace no switch of some tasks)
	awk -v o="$ours" -v k="$kernel" 'BEGIN { exit !(o > 0.99 * k && o < 1.01 * k) }'
	# every switch record carries the count it came from
	"$FR" dump -F ndjson -t sched_switch "$T/c.frec" >"$T/sw"
	[ "$(jq -s '[.[] | select(.comm == "frhelper" and .prev_runtime_ns > 0)] | length' "$T/sw")" -gt 0 ]
}

@test "stats shows the trigger record in its summary" {
	run --separate-stderr "$FR" trigger -q -e all --when events.crash --pre 2s --post 1s -o "$T/t.frec" -- "$H" --getppid 10 --signal 11
	[ "$status" -eq 139 ]
	run -0 "$FR" stats "$T/t.frec"
	[[ "$output" == *"# trigger: events fired at "*"events.crash = 1 (events.crash > 0)"* ]]
	[[ "$output" == *"fatal:    1 processes crashed"* ]]
	run -0 "$FR" stats -F json "$T/t.frec"
	[ "$(jq -r .trigger.detector <<<"$output")" = events ]
}

@test "stats -F prometheus: valid text exposition (promtool check metrics)" {
	"$FR" record -q -o "$T/p.frec" -- "$H" --getppid 100 --forks 2
	run -0 --separate-stderr "$FR" stats -F prometheus "$T/p.frec"
	[[ "$output" == *'flightrec_syscall_calls{syscall="getppid"} 100'$'\n'* ]]
	[[ "$output" == *'flightrec_runqueue_latency_seconds{quantile="0.99"}'* ]]
	promtool check metrics <<<"$output"
	"$FR" record -q -e block,process -o "$T/b.frec" -- dd if=/dev/zero of="$T/f" bs=64k count=16 oflag=direct
	run -0 --separate-stderr "$FR" stats -F prometheus "$T/b.frec"
	[[ "$output" == *'flightrec_block_requests{device='* ]]
	promtool check metrics <<<"$output"
}

@test "dump -F chrome of a real recording: every slice closed, every track in time order" {
	"$FR" record -q -o "$T/r.frec" -- sh -c "\"$H\" --getppid 500 --forks 3 --threads 2; dd if=/dev/zero of=\"$T/g\" bs=64k count=8 oflag=direct 2>/dev/null"
	run -0 --separate-stderr "$FR" dump -F chrome "$T/r.frec"
	jq -e -f "$BATS_TEST_DIRNAME/../cli/chrome-check.jq" <<<"$output"
	# the helper's getppid calls are slices on its two threads (the shell
	# makes one of its own)
	[ "$(jq '[.traceEvents[] | select(.ph == "B" and .name == "getppid")] | group_by(.pid) | map(length) | max' <<<"$output")" -eq 1000 ]
	[ "$(jq '[.traceEvents[] | select(.ph == "B" and .name == "getppid")] | group_by(.pid) | max_by(length) | map(.tid) | unique | length' <<<"$output")" -eq 2 ]
	[ "$(jq '[.traceEvents[] | select(.ph == "b" and .cat == "block")] | length' <<<"$output")" -gt 0 ]
}

@test "stats --baseline --fail-if: a side-by-side table, exit 1 on a regression, 0 otherwise" {
	"$FR" record -q -e syscalls -o "$T/base.frec" -- "$H" --getppid 1000
	"$FR" record -q -e syscalls -o "$T/new.frec" -- "$H" --getppid 3000
	run -1 "$FR" stats "$T/new.frec" --baseline "$T/base.frec" --fail-if 'syscalls.getppid.count > +20%' \
		--fail-if 'syscalls.getppid.p99 > 10s'
	[[ "${lines[0]}" == "METRIC "*"BASELINE"*"NEW"*"CHANGE"*"CONDITION"*"RESULT" ]]
	[[ "${lines[1]}" =~ ^syscalls\.getppid\.count\ +1000\ +3000\ +\+200\.0%\ +syscalls\.getppid\.count\ \>\ \+20%\ +FAIL$ ]]
	[[ "${lines[2]}" == "syscalls.getppid.p99 "*" ok" ]]
	# the other way round, no regression
	run -0 "$FR" stats "$T/base.frec" --baseline "$T/new.frec" --fail-if 'syscalls.getppid.count > +20%'
	[[ "${lines[1]}" == *"-66.7%"*" ok" ]]
	# absolute thresholds need no baseline
	run -1 "$FR" stats -F json "$T/new.frec" --fail-if 'syscalls.getppid.count >= 3000'
	run -0 "$FR" stats -F json "$T/new.frec" --fail-if 'syscalls.getppid.count > 3000'
}

@test "a capture of one command beside an unrelated CPU hog: the hog is in no figure" {
	# two hog threads and the command on two CPUs: they share them
	"$H" --name hog --threads 2 --spin 6 &
	hog=$!
	"$FR" record -q -e sched,process,syscalls -o "$T/f.frec" -- "$H" --spin 1 --getppid 100 --print-cpu >"$T/cpu"
	kill "$hog"
	wait "$hog" || true
	kernel=$(cat "$T/cpu")
	# the hog is in the capture's switch events, beside the command ...
	[ "$("$FR" dump -F ndjson -t sched_switch "$T/f.frec" |
		jq -s '[.[] | select(.comm == "hog" or .next_comm == "hog")] | length')" -gt 0 ]
	# ... but in no figure: the CPU table, the CPU total, the text
	run -0 --separate-stderr "$FR" stats -F json "$T/f.frec"
	j=$output
	jq -e '[.cpu.processes[].comm] | index("hog") == null and index("frhelper") != null' <<<"$j"
	jq -e '.cpu.processes_left_out >= 1' <<<"$j"
	ours=$(jq '.cpu.total_ns' <<<"$j")
	echo "CPU total: $ours ns; the command's getrusage: $kernel ns" >&2
	awk -v o="$ours" -v k="$kernel" 'BEGIN { exit !(o > 0.99 * k && o < 1.02 * k) }'
	# the run-queue waits are the command's, every one of them
	jq -e '.runqueue.count > 0 and .runqueue.count == ([.cpu.processes[].runqueue.count // 0] | add)' <<<"$j"
	run -0 "$FR" stats "$T/f.frec"
	[[ "$output" != *" hog "* ]]
	[[ "$output" == *"other processes only shared a CPU with these: not recorded, left out"* ]]
	# a real capture's text, and its --info, within 80 columns
	[ -z "$(awk 'length($0) > 80' <<<"$output")" ]
	run -0 "$FR" dump --info "$T/f.frec"
	[ -z "$(awk 'length($0) > 80' <<<"$output")" ]
	# the CI gate sees the command's figures only
	run -1 "$FR" stats "$T/f.frec" --fail-if "cpu.total > $((kernel * 98 / 100000000))ms"
	run -0 "$FR" stats "$T/f.frec" --fail-if "cpu.total > $((kernel * 103 / 100000000))ms"
}
