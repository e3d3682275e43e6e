#!/usr/bin/env bats
# export.bats: dump --format chrome (structure: valid JSON, every B with its
# E, timestamps in order on every track, async slices paired) and --format
# folded (collapsed stacks from a trigger capture's profile).

load ../common

setup() {
	common_setup
	CORPUS="$BATS_TEST_DIRNAME/../fuzz/corpus"
	CHECK="$BATS_TEST_DIRNAME/chrome-check.jq"
}

@test "dump -F chrome: tracks, slices and instants that Perfetto can open" {
	for f in trigger-cpu trigger-io trigger-runqueue trigger-dstate small; do
		run -0 --separate-stderr "$FR" dump -F chrome "$CORPUS/$f.frec"
		jq -e -f "$CHECK" <<<"$output" || {
			echo "$f: unbalanced or out of order" >&2
			return 1
		}
	done
	run -0 --separate-stderr "$FR" dump -F chrome "$CORPUS/trigger-io.frec"
	# names for processes and threads, CPU tracks, block slices, syscalls
	jq -e '[.traceEvents[] | select(.ph == "M" and .name == "thread_name")] | length > 0' <<<"$output"
	jq -e '[.traceEvents[] | select(.cat == "oncpu" and .pid == 4194305)] | length > 0' <<<"$output"
	jq -e '[.traceEvents[] | select(.ph == "b" and .cat == "block")] | length > 0' <<<"$output"
	jq -e '[.traceEvents[] | select(.ph == "X" and .cat == "runqueue")] | length > 0' <<<"$output"
	# the firing as a global instant
	jq -e '[.traceEvents[] | select(.ph == "i" and .cat == "trigger" and .s == "g")] | length == 1' <<<"$output"
}

@test "dump -F folded: the profile's stacks, root first, one line each" {
	run -0 "$FR" dump -F folded "$CORPUS/trigger-cpu.frec"
	[ "${lines[0]}" = "frhelper;burn_cpu.isra.0 193" ]
	for l in "${lines[@]}"; do
		[[ "$l" =~ ^[^\;\ ]+(\;[^\;\ ]+)*\ [0-9]+$ ]]
	done
	# page-fault stacks too
	run -0 "$FR" dump -F folded "$CORPUS/trigger-memburst.frec"
	[[ "${lines[0]}" == "frhelper;"*"touch_memory "* ]]
}

@test "dump -F folded without a profile: a clear error, exit 1" {
	run -1 --separate-stderr "$FR" dump -F folded "$CORPUS/trigger-io.frec"
	[[ "$stderr" == *"has no profile samples"* ]]
	[ -z "$output" ]
}
