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

@test "dump -F folded: the profile's stacks by function, root first, one line each, adding up to the samples" {
	# a capture made before frames were named by function: stacks that
	# differ only in offsets are one line (193 + 5 samples of burn_cpu)
	run -0 "$FR" dump -F folded "$CORPUS/trigger-cpu.frec"
	[ "${lines[0]}" = "frhelper;burn_cpu.isra.0 198" ]
	for l in "${lines[@]}"; do
		[[ "$l" =~ ^[^\;\ ]+(\;[^\;\ ]+)*\ [0-9]+$ ]]
	done
	[ "$(printf '%s\n' "${lines[@]}" | sed 's/ [0-9]*$//' | sort | uniq -d)" = "" ]
	samples=$("$FR" dump -F json "$CORPUS/trigger-cpu.frec" | jq .capture.trigger.context.profile.samples)
	[ "$(printf '%s\n' "${lines[@]}" | awk '{ s += $NF } END { print s }')" -eq "$samples" ]
	# page-fault stacks too
	run -0 "$FR" dump -F folded "$CORPUS/trigger-memburst.frec"
	[[ "${lines[0]}" == "frhelper;"*"touch_memory "* ]]
}

@test "dump -F folded without a profile: a clear error, exit 1" {
	run -1 --separate-stderr "$FR" dump -F folded "$CORPUS/trigger-io.frec"
	[[ "$stderr" == *"has no profile samples"* ]]
	[ -z "$output" ]
}

# the last name a metadata event gave the track of process ($2) or thread
# ($3) $4 in the Chrome trace $1
track_name() {
	jq -r --arg what "$2_name" --argjson id "$3" '
		[.traceEvents[] | select(.ph == "M" and .name == $what and
			(if $what == "process_name" then .pid else .tid end) == $id and .pid < 4194305)]
		| last | .args.name' "$1"
}

@test "dump -F chrome: a command's tracks carry the name it has after exec, not the recorder's" {
	# with the names in the capture's process table, and learnt from the events only
	for variant in --renames ""; do
		"$MKCAP" --exec "$T/x.frec" 3 $variant >/dev/null
		run -0 --separate-stderr "$FR" dump -F chrome "$T/x.frec"
		jq -e -f "$CHECK" <<<"$output"
		echo "$output" >"$T/c.json"
		# the command (4300) ran as flightrec, then sh, then frhelper
		[ "$(track_name "$T/c.json" process 4300)" = frhelper ]
		[ "$(track_name "$T/c.json" thread 4300)" = frhelper ]
		# its thread, and the children, which exec true
		[ "$(track_name "$T/c.json" thread 4301)" = frhelper ]
		for c in 4400 4401 4402 4399; do
			[ "$(track_name "$T/c.json" process $c)" = true ]
			[ "$(track_name "$T/c.json" thread $c)" = true ]
		done
		# the recorder keeps its own
		[ "$(track_name "$T/c.json" process 4242)" = flightrec ]
	done
	# a table that knows every name names each track once, with its last name
	"$MKCAP" --exec "$T/x.frec" 3 --renames >/dev/null
	"$FR" dump -F chrome "$T/x.frec" >"$T/c.json"
	[ "$(jq '[.traceEvents[] | select(.ph == "M" and .pid == 4300)] | length' "$T/c.json")" -eq 3 ]
	[ -z "$(jq -r '.traceEvents[] | select(.ph == "M" and .pid == 4300) | .args.name' "$T/c.json" |
		grep -vx frhelper)" ]
}

@test "a fork, a vfork and a clone are counted once: dump, dump -F chrome, stats" {
	# the recorder's fork of the command, then its 3 forks, a vfork and a
	# thread: 6, each with its sched_wakeup_new
	n=$("$MKCAP" --exec "$T/x.frec" 3 --renames)
	run -0 "$FR" dump -t process_fork "$T/x.frec"
	[ "${#lines[@]}" -eq 6 ]
	[ "$(grep -cE ' process_fork thread=[0-9]+$' <<<"$output")" -eq 1 ]
	run -0 "$FR" dump -p 4300 -t process_fork "$T/x.frec"
	[ "${#lines[@]}" -eq 5 ]
	run -0 "$FR" dump -F chrome "$T/x.frec"
	[ "$(jq '[.traceEvents[] | select(.ph == "i" and .name == "process_fork")] | length' <<<"$output")" -eq 6 ]
	# each on the parent's track
	[ "$(jq '[.traceEvents[] | select(.ph == "i" and .name == "process_fork" and .tid == 4300)] | length' <<<"$output")" -eq 5 ]
	# a new task's wakeup starts its wait for a CPU, not another fork: one
	# wait each for frhelper's children and thread, which are never preempted
	[ "$(jq '[.traceEvents[] | select(.ph == "X" and .cat == "runqueue" and .tid != 4300)] | length' <<<"$output")" -eq 5 ]
	[ "$(jq '[.traceEvents[] | select(.ph == "i" and .tid != 4300 and .tid != 4242 and .name == "process_fork")] | length' <<<"$output")" -eq 0 ]
	run -0 "$FR" stats -F json "$T/x.frec"
	jq -e --argjson n "$n" '.events.total == $n and .events.by_type.process_fork == 6 and
		.events.by_type.sched_wakeup_new == 6 and .events.by_type.process_exec == 6' <<<"$output"
	run -0 "$FR" stats "$T/x.frec" --fail-if 'events.process_fork > 6'
	run -1 "$FR" stats "$T/x.frec" --fail-if 'events.process_fork >= 6'
	run -0 "$FR" dump --info -F json "$T/x.frec"
	jq -e --argjson n "$n" '.events == $n' <<<"$output"
	run -0 "$FR" dump --info "$T/x.frec"
	[[ "$output" == *"events:      $n in 1 segments"* ]]
}

@test "a profile by function: folded by function, adding up to the samples; the text's top functions in 80 columns" {
	# dd from /dev/zero and frhelper --spin at once, profiled by trigger
	cap="$CORPUS/trigger-cpu-functions.frec"
	p=$("$FR" dump -F json "$cap" | jq -c .capture.trigger.context.profile)
	run -0 "$FR" dump -F folded "$cap"
	[ "$(printf '%s\n' "${lines[@]}" | awk '{ s += $NF } END { print s }')" -eq "$(jq .samples <<<"$p")" ]
	[[ "${lines[0]}" == "dd;"*";read_zero_[k] "* ]] || [[ "${lines[0]}" == "frhelper;"*"burn_cpu"* ]]
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '+0x\|;0x')" -eq 0 ]
	run -0 "$FR" dump "$cap"
	section=$(printf '%s\n' "${lines[@]}" | sed -n '/^#   cpu-clock profile over /,/^#     every stack: dump -F folded$/p')
	[ -n "$section" ]
	[ -z "$(awk 'length > 80' <<<"$section")" ]
	grep -qE '^#     [0-9.]+% in the kernel, [0-9.]+% in user space$' <<<"$section"
	grep -qE '^#     by process: [0-9.]+% (dd|frhelper) [0-9]+, [0-9.]+% (dd|frhelper) [0-9]+' <<<"$section"
	# the shares the JSON has, to a tenth
	want=$(printf '%.1f' "$(jq '.functions[] | select(.function == "read_zero") | .self_percent' <<<"$p")")
	grep -qE "^# +${want}% +[0-9.]+%  read_zero +dd [0-9]+\$" <<<"$section"
	grep -qE '^# +[0-9.]+% +[0-9.]+%  burn_cpu[^ ]* \(frhelper\) +frhelper [0-9]+$' <<<"$section"
	# kernel functions before the user ones, each list hottest first
	[ "$(grep -n 'kernel function' <<<"$section" | cut -d: -f1)" -lt "$(grep -n 'user function' <<<"$section" | cut -d: -f1)" ]
	awk '/ (kernel|user) function / { prev = 1000; next }
	     prev && /^# +[0-9.]+% +[0-9.]+%  / { v = $2 + 0; if (v > prev) bad = 1; prev = v }
	     END { exit bad }' <<<"$section"
	# stats shows the same section
	run -0 "$FR" stats "$cap"
	[[ "$output" == *"kernel function"*"read_zero"* ]]
}
