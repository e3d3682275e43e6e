#!/usr/bin/env bats
# profile.bats: trigger's CPU profile, aggregated by function, against
# loads whose hottest function is known: frhelper's burn_cpu in user space
# (its samples agree with the CPU time the process used), dd reading
# /dev/zero in the kernel (read_zero, as perf report --no-children has it
# on this load). Whatever else runs on the machine, the
# figures of these processes hold; the folded stacks add up to the
# samples; no frame is an address or garbage.
# Needs root (tests/run.sh decides whether to run it).

load ../common
load helpers

# the helper by a short name; setup is helpers.bash's (root, or skip)
H="$HELPER"

profile() {
	"$FR" dump -F json "$1" | jq -c '.capture.trigger.context.profile'
}

# What every profile must be: frames and functions are names, never
# addresses; counts add up; the folded lines add up to the samples; the
# trigger text fits 80 columns.
check_profile() {
	local cap=$1 p
	p=$(profile "$cap")
	# a frame reads function, function [module] or function (file), the
	# function a name or [unknown]
	jq -e '[.stacks[] | (.kernel + .user)[]] | length > 0 and
		all(test("^(\\[unknown\\]|[^ +\\[(][^ +]*)( \\[[^\\] ]+\\]| \\([^)]+\\))?$"))' <<<"$p" || {
		jq -r '[.stacks[] | (.kernel + .user)[]] | unique[] |
			select(test("^(\\[unknown\\]|[^ +\\[(][^ +]*)( \\[[^\\] ]+\\]| \\([^)]+\\))?$") | not)' <<<"$p" >&2
		return 1
	}
	[ -z "$(jq -r '.stacks[] | (.kernel + .user)[], (.functions[] | .function)' <<<"$p" |
		grep -E '^0x|\+0x|^[0-9a-f]{8,}$')" ]
	jq -e '.samples > 0 and .samples == ([.stacks[].count] | add) + .other_samples + .lost' <<<"$p"
	jq -e '.samples >= .kernel_samples + .user_samples and
		([.processes[].samples] | add) <= .samples' <<<"$p"
	# hottest first, shares of samples
	jq -e '.samples as $s | .functions as $f |
		all(range(1; $f | length); $f[. - 1].self >= $f[.].self) and
		all($f[]; .self <= .total and .total <= $s and
			(.self_percent - .self * 100 / $s | fabs) <= 0.05)' <<<"$p"
	run -0 "$FR" dump -F folded "$cap"
	[ "$(printf '%s\n' "${lines[@]}" | awk '{ s += $NF } END { print s }')" -eq "$(jq .samples <<<"$p")" ]
	run -0 "$FR" dump "$cap"
	[ -z "$(printf '%s\n' "${lines[@]}" | sed -n '/^#   [a-z-]* profile over /,/^#     every stack: /p' | awk 'length > 80')" ]
	printf '%s\n' "${lines[@]}" | grep -q '^#     every stack: dump -F folded$'
}

@test "profile: a user-space burner's burn_cpu is its hottest function, with samples as many as its CPU time" {
	run --separate-stderr "$FR" trigger -q --when 'cpu.usage > 30% for 1s' --pre 1s --post 3s \
		-o "$T/spin.frec" -- sh -c 'echo $$ >"$0/pid"; exec "$1" --spin 9' "$T" "$H"
	[ "$status" -eq 0 ]
	pid=$(cat "$T/pid")
	p=$(profile "$T/spin.frec")
	top=$("$FR" dump -F json "$T/spin.frec" | jq -c --argjson pid "$pid" \
		'.capture.trigger.context.top_cpu[] | select(.pid == $pid)')
	proc=$(jq -c --argjson pid "$pid" '.processes[] | select(.pid == $pid)' <<<"$p")
	[ -n "$proc" ] && [ -n "$top" ]
	# frhelper's hottest user function is burn_cpu, nearly all of its samples
	jq -e --argjson pid "$pid" --argjson proc "$proc" '
		[.functions[] | select(.kernel | not) |
		 {function, mod: .["module"], self: ([.processes[] | select(.pid == $pid) | .self] | add // 0)} |
		 select(.self > 0)] | sort_by(-.self)[0] |
		(.function | test("^burn_cpu")) and .mod == "frhelper" and .self >= 0.8 * $proc.samples' <<<"$p" || {
		jq -c --argjson pid "$pid" '[.functions[] | select(.processes | any(.pid == $pid))][:5]' <<<"$p" >&2
		return 1
	}
	# its samples: its CPU time over the window (top_cpu, from the
	# kernel's accounting) at 99 per second of CPU
	jq -e --argjson top "$top" '(.duration_ns / 1e9 * $top.cpu_percent / 100 * .rate) as $want |
		.processes[] | select(.pid == $top.pid) |
		.samples >= 0.7 * $want and .samples <= 1.3 * $want' <<<"$p" || {
		echo "samples $(jq -c --argjson pid "$pid" '.processes[] | select(.pid == $pid)' <<<"$p"), top_cpu $top, duration $(jq .duration_ns <<<"$p")" >&2
		return 1
	}
	check_profile "$T/spin.frec"
	# the text: burn_cpu among the user functions, with its share
	run -0 "$FR" dump "$T/spin.frec"
	[[ "$output" == *"user function"* ]]
	printf '%s\n' "${lines[@]}" | grep -E '^#  +[0-9.]+%  +[0-9.]+%  burn_cpu[^ ]* \(frhelper\) +frhelper [0-9]+$'
	no_probes_left
}

@test "profile: dd reading /dev/zero spends its samples in the kernel, read_zero first" {
	run --separate-stderr "$FR" trigger -q --when 'cpu.usage > 1% for 1s' --pre 1s --post 3s \
		-o "$T/dd.frec" -- sh -c 'dd if=/dev/zero of=/dev/null bs=1M 2>/dev/null & echo $! >"$0/pid"
			sleep 9; kill $!' "$T"
	[ "$status" -eq 0 ]
	pid=$(cat "$T/pid")
	p=$(profile "$T/dd.frec")
	proc=$(jq -c --argjson pid "$pid" '.processes[] | select(.pid == $pid)' <<<"$p")
	[ -n "$proc" ]
	jq -e '.comm == "dd" and .kernel_samples >= 0.8 * .samples' <<<"$proc"
	# dd's hottest kernel function is read_zero, in the core kernel
	jq -e --argjson pid "$pid" --argjson proc "$proc" '
		[.functions[] | select(.kernel) |
		 {function, mod: .["module"], self: ([.processes[] | select(.pid == $pid) | .self] | add // 0)}] |
		sort_by(-.self)[0] |
		.function == "read_zero" and .mod == "vmlinux" and .self >= 0.5 * $proc.samples' <<<"$p" || {
		jq -c --argjson pid "$pid" '[.functions[] | select(.processes | any(.pid == $pid))][:5]' <<<"$p" >&2
		return 1
	}
	# offsets merged: read_zero is in few stacks of dd's, not one per address
	[ "$(jq --argjson pid "$pid" '[.stacks[] | select(.pid == $pid and .kernel[0] == "read_zero")] | length' <<<"$p")" -le 5 ]
	check_profile "$T/dd.frec"
	run -0 "$FR" dump "$T/dd.frec"
	printf '%s\n' "${lines[@]}" | grep -E '^#  +[0-9.]+%  +[0-9.]+%  read_zero +dd [0-9]+$'
	# what happened says it in one line: the hottest process of the
	# profile (dd, unless other work on the machine took more of it) and
	# that process's hottest function: for dd, read_zero in the kernel
	run -0 "$FR" stats -F json "$T/dd.frec"
	top=$(jq -c '.processes[0] | {pid, comm}' <<<"$p")
	most=$(jq --argjson top "$top" '[.functions[] |
		[.processes[] | select(.pid == $top.pid) | .self] | add // 0] | max' <<<"$p")
	jq -e --argjson top "$top" --argjson most "$most" '.headline[0] |
		.figures.functions[0].function as $fn | .kind == "cpu" and
		.figures.pid == $top.pid and .figures.functions[0].samples == $most and
		(.text | startswith("cpu.usage = ") and
		 contains("% of samples in \($top.comm)[\($top.pid)]: ") and contains("% in \($fn)"))' <<<"$output"
	if jq -e --argjson pid "$pid" '.pid == $pid' <<<"$top"; then
		jq -e '.headline[0].text | test("% of samples in dd\\[[0-9]+\\]: [0-9]+% in read_zero \\[kernel\\]")' <<<"$output"
	fi
	no_probes_left
}
