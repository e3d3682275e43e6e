#!/usr/bin/env bats
# trigger.bats: each detector against an anomaly frhelper makes on purpose
# (a CPU burner, a vfork parent held in D state, more spinning threads than
# CPUs, a fast allocator, a crash), and a quiet cgroup that fires nothing;
# the default set against the trouble it is for (a system-time storm, a
# task stuck on a hung disk, run-queue starvation, a memory burst, a slow
# disk, a crash, an OOM kill) and against healthy work on every CPU; the
# report when nothing fired, the status line, the ring the window needs.
# frfuse makes the slow and the hung disks. Needs root (tests/run.sh
# decides whether to run it).

load ../common
load helpers

# the helper by a short name; setup is helpers.bash's (root, or skip)
H="$HELPER"

trig() {
	run --separate-stderr "$FR" trigger -q "$@"
}

tj() {
	"$FR" dump -F json "$1" | jq -c '.capture.trigger'
}

@test "trigger --when cpu: a CPU burner fires, and the profile's hottest stack is its burn_cpu" {
	cd "$T"	# a short -o: the line has room for the finding
	trig --when 'cpu.usage > 30% for 1s' --pre 2s --post 2s -o "cpu-%d.frec" -- "$H" --spin 6 --threads 2
	[ "$status" -eq 0 ]
	# one line per capture, within 80 columns: time, what fired, the
	# finding (the process most samples were in), the file
	[[ "$output" =~ ^[0-9]{2}:[0-9]{2}:[0-9]{2}\ cpu\.usage\ =\ [0-9.]+%:\ [0-9]+%\ of\ samples\ in\ frhelper\[[0-9]+\].*\ -\>\ cpu-cpu\.frec$ ]]
	[ "${#output}" -le 80 ]
	[ "$(stat -c %a "$T/cpu-cpu.frec")" = 600 ]
	t=$(tj "$T/cpu-cpu.frec")
	[ "$(jq -r .detector <<<"$t")" = cpu ]
	[ "$(jq -r .metric <<<"$t")" = cpu.usage ]
	jq -e '.value > 30 and .threshold == 30' <<<"$t"
	jq -e '.context.profile.event == "cpu-clock" and .context.profile.samples > 50' <<<"$t"
	# the hottest stack is the burner's
	jq -e '.context.profile.stacks[0] | .comm == "frhelper" and (.user | any(test("^burn_cpu")))' <<<"$t"
	jq -e '.context.top_cpu[0].comm == "frhelper" and .context.top_cpu[0].cpu_percent > 50' <<<"$t"
	# dump shows the trigger record first, then the events of the window
	run -0 "$FR" dump "$T/cpu-cpu.frec"
	[[ "${lines[0]}" == "# trigger: cpu fired at "* ]]
	# then what happened: the burner, and its hottest function
	[ "${lines[3]}" = "# what happened:" ]
	[[ "${lines[4]}" =~ ^#\ \ \ cpu\.usage\ =\ [0-9.]+%:\ [0-9]+%\ of\ samples\ in\ frhelper\[[0-9]+\]:\ [0-9]+%\ in\ burn_cpu ]]
	[[ "$output" == *"burn_cpu"* ]]
	[ "$("$FR" dump -F ndjson "$T/cpu-cpu.frec" | head -1 | jq -r .type)" = trigger ]
	no_probes_left
}

@test "trigger --when dstate: a vfork parent held in D state fires, with its kernel stack" {
	trig --when 'dstate.tasks >= 1 for 1s' --pre 10s --post 1s -o "$T/d.frec" -- "$H" --vfork-sleep 5
	[ "$status" -eq 0 ]
	[[ "$output" =~ " dstate.tasks = "[0-9]+": "[0-9]+" task"s?" in D state: ".*"frhelper[" ]]
	# what happened: the helper, in D in its vfork
	run -0 "$FR" stats -F json "$T/d.frec"
	jq -e '.headline[0] | .kind == "dstate" and (.text | test("frhelper\\[[0-9]+\\][^;]* in [a-z_]*(vfork|clone|wait)"))' <<<"$output"
	t=$(tj "$T/d.frec")
	[ "$(jq -r .detector <<<"$t")" = dstate ]
	# the helper (the vfork parent) is among the D-state tasks, stack and all
	pid=$(jq -r '[.context.dstate[] | select(.comm == "frhelper" and (.stack | any(test("vfork"))))][0].pid' <<<"$t")
	[ "$pid" != null ] && [ "$pid" -gt 0 ]
	# and its events are in the capture
	[ "$(events "$T/d.frec" | jq --argjson p "$pid" 'select(.pid == $p)' | jq -s length)" -gt 0 ]
	no_probes_left
}

@test "trigger --when runqueue: more spinning threads than CPUs fire, and the capture names who ran instead" {
	n=$(( $(nproc) * 3 ))
	trig --when 'runqueue.p99 > 5ms' --pre 1s --post 1s -o "$T/rq.frec" -- "$H" --threads "$n" --spin 4
	[ "$status" -eq 0 ]
	t=$(tj "$T/rq.frec")
	[ "$(jq -r .detector <<<"$t")" = runqueue ]
	jq -e '.value > 5000000' <<<"$t"
	# the helper's threads waited, and they are the ones that ran meanwhile
	jq -e '.context.runqueue.waiters[0].comm == "frhelper" and .context.runqueue.waiters[0].max_wait_ns > 5000000' <<<"$t"
	[ "$(jq '[.context.runqueue.interferers[] | select(.comm == "frhelper")] | length' <<<"$t")" -ge 2 ]
	no_probes_left
}

@test "trigger's run-queue figures and stats on the same capture agree, task by task" {
	# single-threaded spinners, more than CPUs: each one's waits are its process's
	n=$(( $(nproc) * 3 ))
	trig --when 'runqueue.p99 > 5ms' --pre 1s --post 1s -o "$T/rqs.frec" -- \
		sh -c 'for i in $(seq '"$n"'); do "$0" --spin 3 & done; wait' "$H"
	[ "$status" -eq 0 ]
	t=$(tj "$T/rqs.frec")
	"$FR" stats -F json --top 10000 "$T/rqs.frec" >"$T/rqs.json"
	waiters=$(jq -c '[.context.runqueue.waiters[] | select(.comm == "frhelper")]' <<<"$t")
	[ "$(jq length <<<"$waiters")" -ge 2 ]
	# every frhelper the context names waited as often, as long, and at most
	# as long as stats says its process did
	jq -e --argjson w "$waiters" '
		[.cpu.processes[] | {key: (.pid | tostring), value: .runqueue}] | from_entries as $p |
		all($w[]; $p[.pid | tostring] as $r |
			$r != null and $r.count == .waits and $r.total_ns == .wait_ns and $r.max_ns == .max_wait_ns)' \
		"$T/rqs.json" || {
		echo "context: $waiters" >&2
		jq -c '[.cpu.processes[] | select(.comm == "frhelper") | {pid, runqueue: (.runqueue | {count, total_ns, max_ns})}]' "$T/rqs.json" >&2
		return 1
	}
	no_probes_left
}

@test "trigger --when memburst: a fast allocator fires and is the top grower" {
	trig --when 'memburst.rate > 100MB/s' --pre 1s --post 2s -o "$T/m.frec" -- "$H" --alloc 1200 --alloc-seconds 5
	[ "$status" -eq 0 ]
	t=$(tj "$T/m.frec")
	[ "$(jq -r .detector <<<"$t")" = memburst ]
	jq -e '.context.top_growers[0].comm == "frhelper" and .context.top_growers[0].growth_bytes > 104857600' <<<"$t"
	jq -e '.context.profile.event == "page-faults" and (.context.profile.stacks[0].user | any(test("^touch_memory")))' <<<"$t"
	# what happened names the grower, its growth and its rate
	[[ "$output" =~ " memburst.rate = "[0-9.]+[KMG]?B/s": frhelper["[0-9]+"] grew " ]]
	run -0 "$FR" stats -F json "$T/m.frec"
	jq -e '.headline[0] | .kind == "memburst" and (.text | test(": frhelper\\[[0-9]+\\] grew [0-9.]+[KMG] to [0-9.]+[KMG] \\([0-9.]+[KMG]/s\\)"))' <<<"$output"
	no_probes_left
}

@test "trigger --when events.crash: a child killed by SIGSEGV fires, and the capture holds its last events" {
	trig -e syscalls,process --when events.crash --pre 3s --post 1s -o "$T/c.frec" -- \
		sh -c "sleep 1; \"$H\" --getppid 123 --signal 11; sleep 2; exit 7"
	[ "$status" -eq 7 ]
	[[ "$output" == *" events.crash = 1: frhelper["*"] killed by SIGSEGV"* ]]
	t=$(tj "$T/c.frec")
	# its last system calls, in the context and in what stats says happened
	jq -e '.context.fatal.last_syscalls | length > 0 and any(.syscall == "getppid")' <<<"$t" || {
		jq -c .context.fatal <<<"$t" >&2
		"$FR" dump --info -F json "$T/c.frec" | jq -c .end.counters >&2
		return 1
	}
	run -0 "$FR" stats -F json "$T/c.frec"
	jq -e '.headline[0] | .kind == "crash" and (.text | test("frhelper\\[[0-9]+\\] killed by SIGSEGV; last calls: .*getppid"))' <<<"$output"
	jq -e '.detector == "events" and .context.fatal.signal == "SIGSEGV" and .context.fatal.comm == "frhelper"' <<<"$t"
	pid=$(jq -r .context.fatal.pid <<<"$t")
	# its 123 getppid calls, then its death by SIGSEGV
	[ "$(events -t sys_enter "$T/c.frec" | jq --argjson p "$pid" 'select(.pid == $p and .syscall == "getppid")' | jq -s length)" -eq 123 ]
	[ "$(events -t process_exit "$T/c.frec" | jq -r --argjson p "$pid" 'select(.pid == $p and .group_dead) | .signal')" = SIGSEGV ]
	no_probes_left
}

@test "trigger on a quiet cgroup: the thresholds above fire nothing" {
	# an empty cgroup is quiet whatever else the machine does
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$root" ] || skip "needs cgroup2"
	CG="$root/frtest-$$-$BATS_TEST_NUMBER"
	mkdir "$CG"
	mem=()
	if grep -qw memory "$root/cgroup.subtree_control"; then
		mem=(--when 'memburst.rate > 100MB/s')
	fi
	run --separate-stderr "$FR" trigger --cgroup "${CG#"$root"/}" --timeout 6s -o "$T/q-%d.frec" \
		--when 'cpu.usage > 30% for 1s' --when 'dstate.tasks >= 1 for 1s' \
		--when 'dstate.longest > 1s' --when 'runqueue.p99 > 5ms' "${mem[@]}" --when events.crash
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == *"nothing fired in 6s; closest first:"* ]]
	[ -z "$(ls "$T" | grep '^q-')" ]
	# -F json: one object on stdout, how close each armed expression came
	run --separate-stderr "$FR" trigger -q -F json --cgroup "${CG#"$root"/}" --timeout 2s \
		-o "$T/q-%d.frec" --when 'cpu.usage > 30% for 1s' --when events.crash
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ] && [ -z "$stderr" ]
	jq -e '.fired == false and .armed_ns >= 2e9 and (.armed | length) == 2 and
		([.armed[].when] | sort) == ["cpu.usage > 30% for 1s", "events.crash > 0"] and
		(.armed[] | .closeness >= 0 and (.conditions | length) == 1)' <<<"$output"
	no_probes_left
}

@test "trigger --count 2 --cooldown 0: two captures, numbered, then exit" {
	trig --when 'cpu.usage > 30%' --pre 1s --post 1s --count 2 --cooldown 0 -o "$T/n-%n.frec" -- "$H" --spin 8
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ -f "$T/n-1.frec" ] && [ -f "$T/n-2.frec" ]
	[ "$(tj "$T/n-2.frec" | jq .capture)" -eq 2 ]
	# the second firing is after the first capture's post-window
	[ "$(tj "$T/n-2.frec" | jq .time_ns)" -gt "$(tj "$T/n-1.frec" | jq '.time_ns + .post_ns')" ]
	no_probes_left
}

@test "trigger --cgroup: the cgroup's CPU use fires; the same burner outside it does not" {
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$root" ]
	CG="$root/frtest-$$-$BATS_TEST_NUMBER"
	mkdir "$CG"
	trig --cgroup "${CG#"$root"/}" --when 'cpu.usage > 30%' --pre 1s --post 1s -o "$T/in.frec" -- \
		"$H" --cgroup "$CG" --spin 4
	[ "$status" -eq 0 ]
	t=$(tj "$T/in.frec")
	jq -e --arg cg "${CG#"$root"/}" '.detector == "cpu" and .cgroup == $cg and .value > 30' <<<"$t"
	trig --cgroup "${CG#"$root"/}" --when 'cpu.usage > 30%' --pre 1s --post 1s -o "$T/out.frec" -- \
		"$H" --spin 4
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ ! -e "$T/out.frec" ]
	no_probes_left
}

# A memory cgroup with a 64 MiB limit in CG: cgroup v1's memory hierarchy,
# or a cgroup2 directory with the memory controller.
memcg_64m() {
	local mem root
	mem=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/mounts)
	if [ -n "$mem" ]; then
		CG="$mem/frtest-$$-$BATS_TEST_NUMBER"
		mkdir "$CG"
		echo 64M >"$CG/memory.limit_in_bytes"
	else
		root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
		grep -qw memory "$root/cgroup.subtree_control"
		CG="$root/frtest-$$-$BATS_TEST_NUMBER"
		mkdir "$CG"
		echo 64M >"$CG/memory.max"
		echo 0 >"$CG/memory.swap.max" 2>/dev/null || true
	fi
}

@test "trigger --when events.oom: a process the OOM killer takes fires, with its record" {
	memcg_64m
	trig --when events.oom --pre 2s --post 1s -o "$T/oom.frec" -- \
		sh -c "sleep 1; \"$H\" --cgroup \"$CG\" --alloc 300 --alloc-seconds 1; sleep 1.5; exit 5"
	[ "$status" -eq 5 ]
	t=$(tj "$T/oom.frec")
	jq -e '.detector == "events" and .metric == "events.oom" and .context.fatal.what == "oom_kill" and .context.fatal.comm == "frhelper"' <<<"$t"
	pid=$(jq -r .context.fatal.pid <<<"$t")
	[ "$(events -t oom_kill "$T/oom.frec" | jq -r 'select(.type == "oom_kill") | .pid')" = "$pid" ]
	# it died of SIGKILL, which is not a crash
	[ "$(events -t process_exit "$T/oom.frec" | jq -r --argjson p "$pid" 'select(.pid == $p and .group_dead) | .signal')" = SIGKILL ]
	no_probes_left
}

@test "trigger: a rise over a window fires; the status line shows the closest first, on a terminal only" {
	# cpu.usage >= 0% always holds, and its 'for' never ends
	# the burst after a few seconds armed: status lines before it
	script -qfec "'$FR' trigger --when 'psi.cpu.some > 100%' --when 'memburst.anon rises 200MB in 2s' --when 'cpu.usage >= 0% for 1h' --pre 1s --post 1s -o '$T/r.frec' -- sh -c 'sleep 3; exec \"\$0\" --alloc 900 --alloc-seconds 4' '$H'" "$T/typescript" >"$T/out"
	grep -q " memburst.anon = [0-9.]*[MG]B: " "$T/out"
	t=$(tj "$T/r.frec")
	jq -e '.detector == "memburst" and .value >= 209715200 and .threshold == 209715200' <<<"$t"
	# psi is read (and did not fire)
	jq -e '.values["psi.cpu.some"] >= 0' <<<"$t"
	# every armed expression in the capture, the one that fired first of them
	jq -e '(.armed | length) == 3 and ([.armed[].when] | index("memburst.anon rises 200MB in 2s")) != null' <<<"$t"
	jq -e '.armed[] | select(.when == "cpu.usage >= 0% for 1h") | .conditions[0].held_ns > 0' <<<"$t"
	# the status line: the closest first, its value, its condition and the
	# time its 'for' has left; the others counted; within 80 columns
	tr '\r' '\n' <"$T/typescript" | sed 's/\x1b\[K//g' | grep -a '^armed:' >"$T/status"
	grep -qE '^armed: cpu.usage [0-9.]+% \[>= 0% for 1h, [0-9]+s left\]( \| .*)? \+[12]$' "$T/status"
	[ -z "$(awk 'length > 79' "$T/status")" ]
	grep -aq 'memburst fired; recording the post-window' "$T/typescript"
	# not on a pipe
	run --separate-stderr "$FR" trigger --when 'psi.cpu.some > 100%' --timeout 2s -o "$T/x.frec"
	[ "$status" -eq 3 ]
	[[ "$stderr" != *"armed:"* && "$stderr" != *$'\r'* ]]
	no_probes_left
}

@test "trigger -- COMMAND: the command's own crash fires as it exits, the post-window cut short" {
	trig -F json -e all --when events.crash --pre 5s --post 10s -o "$T/self.frec" -- "$H" --getppid 77 --signal 11
	[ "$status" -eq 139 ]
	# -F json: one object for the capture, with what fired and the findings
	[ "${#lines[@]}" -eq 1 ]
	jq -e --arg p "$T/self.frec" '.fired and .path == $p and .metric == "events.crash" and
		.value == 1 and .detector == "events" and (.time | test("^20[0-9-]+T[0-9:.]+Z$")) and
		(.headline[0] | .kind == "crash" and (.text | test("^events.crash = 1: frhelper\\[[0-9]+\\] killed by SIGSEGV")))' <<<"$output"
	t=$(tj "$T/self.frec")
	jq -e --argjson o "$output" '.time_ns == $o.time_ns and .condition == $o.condition' <<<"$t"
	jq -e '.context.fatal.signal == "SIGSEGV" and .context.fatal.comm == "frhelper"' <<<"$t"
	jq -e '.window_end_ns < .time_ns + .post_ns' <<<"$t"
	pid=$(jq -r .context.fatal.pid <<<"$t")
	[ "$(events -t sys_enter "$T/self.frec" | jq --argjson p "$pid" 'select(.pid == $p and .syscall == "getppid")' | jq -s length)" -eq 77 ]
	no_probes_left
}

@test "trigger under sudo: the capture belongs to the user who ran it, still mode 0600; the firing line names the process" {
	SUDO_UID=65534 SUDO_GID=65534 trig --when events.crash --pre 1s --post 0 -o "$T/sudo.frec" -- "$H" --signal 11
	[ "$status" -eq 139 ]
	[ "$(stat -c '%u %g %a' "$T/sudo.frec")" = "65534 65534 600" ]
	# the firing line names the process that crashed, not only its pid
	[[ "$output" =~ " events.crash = 1: frhelper["[0-9]+"] killed by SIGSEGV".*" -> " ]]
	no_probes_left
}

@test "trigger --when dstate.longest: a task in D state longer than the threshold fires, one shorter does not" {
	# in a cgroup of its own: other tasks of the machine in D state count not
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$root" ] || skip "needs cgroup2"
	CG="$root/frtest-$$-$BATS_TEST_NUMBER"
	mkdir "$CG"
	# the vfork parent waits 6s in D state without running
	trig --cgroup "${CG#"$root"/}" --when 'dstate.longest > 2s' --pre 2s --post 1s -o "$T/dl.frec" -- \
		"$H" --cgroup "$CG" --vfork-sleep 6
	[ "$status" -eq 0 ]
	[[ "$output" =~ " dstate.longest = "[0-9.]+s": 1 task in D state: " ]]
	t=$(tj "$T/dl.frec")
	# counted from the first sample that saw it: more than 2s, less than 6s
	jq -e '.detector == "dstate" and .metric == "dstate.longest" and .value > 2e9 and .value < 6e9' <<<"$t"
	jq -e '[.context.dstate[] | select(.comm == "frhelper" and .in_d_ns > 2e9 and (.stack | any(test("vfork"))))] | length == 1' <<<"$t"
	# what happened names it, and how long it had been in D
	run -0 "$FR" stats -F json "$T/dl.frec"
	jq -e '.headline[0] | .kind == "dstate" and
		(.text | test(": 1 task in D state: frhelper\\[[0-9]+\\] [0-9.]+s in "))' <<<"$output"
	# a second in D state is not over 2s
	trig --cgroup "${CG#"$root"/}" --when 'dstate.longest > 2s' --pre 1s --post 1s -o "$T/dl2.frec" -- \
		"$H" --cgroup "$CG" --vfork-sleep 1
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ ! -e "$T/dl2.frec" ]
	no_probes_left
}

@test "trigger --timeout: each armed metric's peak against its threshold, the closest first; live stats' armed" {
	bg "$H" --spin 30
	"$FR" trigger --name pk --timeout 4s -o "$T/pk.frec" --when 'psi.cpu.some > 100%' \
		--when 'memburst.anon rises 100GB in 10s' --when 'cpu.usage >= 0% for 1h' \
		--when 'runqueue.p99 > 10s' --when events.crash 2>"$T/pk.log" 3>&- &
	PK=$!
	wait_for_line "$T/pk.log" "armed"
	# live stats: every expression with its value and peak, closest first
	for ((i = 0; i < 50; i++)); do
		"$FR" stats --name pk -F json >"$T/pk.json" 2>/dev/null || true
		jq -e '.armed[0].conditions[0].peak != null' "$T/pk.json" >/dev/null 2>&1 && break
		sleep 0.1
	done
	jq -e '(.armed | length) == 5 and .armed[0].when == "cpu.usage >= 0% for 1h" and .armed[0].closeness >= 1' "$T/pk.json"
	jq -e '.armed[0].conditions[0] | .metric == "cpu.usage" and .threshold == 0 and .value >= 0 and .held_ns >= 0 and .peak >= 0' "$T/pk.json"
	jq -e '.armed[] | select(.when == "events.crash > 0") | .conditions[0].closeness <= 0' "$T/pk.json"
	rc=0
	wait "$PK" || rc=$?
	[ "$rc" -eq 3 ]
	[ ! -e "$T/pk.frec" ]
	# on stderr: the closest first, each line within 80 columns
	grep -A5 'flightrec: nothing fired in 4s; closest first:' "$T/pk.log" >"$T/report"
	[ "$(wc -l <"$T/report")" -eq 6 ]
	sed -n 2p "$T/report" | grep -qE '^flightrec:   cpu.usage peaked at [0-9.]+% \(threshold >= 0% for 1h\): held [0-9]s$'
	grep -qE '^flightrec:   psi.cpu.some peaked at [0-9.]+% \(threshold 100%\): (<1|[0-9]+)% of it$' "$T/report"
	grep -qE '^flightrec:   memburst.anon rose [0-9.]+[KMG]?B \(threshold 100GB in 10s\): (<1|[0-9]+)% of it$' "$T/report"
	grep -qE '^flightrec:   runqueue.p99 peaked at [0-9.]+(ns|us|ms) \(threshold 10s\): (<1|[0-9]+)% of it$' "$T/report"
	[ "$(tail -1 "$T/report")" = "flightrec:   events.crash: none" ]
	[ -z "$(awk 'length > 80' "$T/pk.log")" ]
	no_probes_left
}

@test "trigger: a --pre the ring cannot hold grows the ring, once, and the window is written whole" {
	# 30s of the floor rate (256K/s) is more than 1M; after the first
	# second, when the rate is known, 20000 system calls (1.7M of records,
	# more than 1M holds) and a crash
	run --separate-stderr "$FR" trigger -e syscalls,process --buffer 1M --pre 30s --post 0 \
		--when events.crash -o "$T/g.frec" -- \
		sh -c "sleep 1.5; \"$H\" --getppid 20000 --batch 100 --signal 11"
	[ "$status" -eq 139 ]
	[ "$(grep -c 'the ring grows from 1.0M to ' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"the ring grows from 1.0M to "*" to hold --pre 30s and --post 0s"* ]]
	size=$("$FR" dump --info -F json "$T/g.frec" | jq .meta.ring.size)
	[ "$size" -ge $((30 * 256 * 1024)) ]
	# the ring held all it saw: nothing aged out, every call is there
	[ "$("$FR" dump --info -F json "$T/g.frec" | jq .end.counters.overwritten)" -eq 0 ]
	pid=$(jq -r .context.fatal.pid <<<"$(tj "$T/g.frec")")
	[ "$(events -t sys_enter "$T/g.frec" | jq --argjson p "$pid" 'select(.pid == $p and .syscall == "getppid")' | jq -s length)" -eq 20000 ]
	# a --buffer that holds the window: no word of it
	run --separate-stderr "$FR" trigger --buffer 64M --pre 30s --post 0 --when events.crash \
		-o "$T/g2.frec" -- sh -c "sleep 2; exec \"$H\" --signal 11"
	[ "$status" -eq 139 ]
	[[ "$stderr" != *"the ring grows"* ]]
	no_probes_left
}

@test "trigger: a --pre and --post no ring here can hold are refused with the size needed" {
	# a system call storm: far more than 4G of events in two hours
	run --separate-stderr "$FR" trigger -e syscalls,process --pre 1h --post 1h --when events.crash \
		-o "$T/no.frec" -- "$H" --getppid 2000000000
	[ "$status" -eq 2 ]
	[[ "$stderr" =~ "--pre 1h and --post 1h need a "[0-9.]+[MG]" ring at "[0-9.]+[KMG]?"/s;" ]]
	[[ "$stderr" =~ "the most here is "[0-9.]+[MG]": give a shorter --pre or --post" ]]
	[[ "$stderr" == *"give a shorter --pre or --post"* ]]
	[ ! -e "$T/no.frec" ]
	# the command does not outlive it
	! pgrep -f "$H --getppid 2000000000"
	no_probes_left
}

# ---- the default set ----

# Sources for a parallel build in $1: 40 files that each keep the compiler
# busy for a moment.
make_sources() {
	local i j
	mkdir -p "$1"
	for i in $(seq 40); do
		{
			echo "#include <stdio.h>"
			echo "#include <stdlib.h>"
			echo "struct s { int a[64]; double b[32]; char c[128]; };"
			echo "static int cmp(const void *x, const void *y) { return *(const int *)x - *(const int *)y; }"
			for j in $(seq 30); do
				echo "int f${i}_$j(struct s *p, int n) { int t = 0; for (int k = 0; k < n; k++) {"
				echo " t += p->a[k % 64] * $j; p->b[k % 32] += t / (k + 1.0);"
				echo " if (t & 1) qsort(p->a, 64, sizeof(int), cmp);"
				echo " snprintf(p->c, sizeof(p->c), \"%d %f\", t, p->b[3]); } return t; }"
			done
		} >"$1/f$i.c"
	done
	printf 'all: $(patsubst %%.c,%%.o,$(wildcard *.c))\n%%.o: %%.c\n\t$(CC) -O2 -c -o $@ $<\n' >"$1/Makefile"
}

@test "trigger's defaults stay quiet beside healthy work on every CPU: burners, a parallel build, a brief D state" {
	command -v make >/dev/null && command -v cc >/dev/null || skip "needs make and cc"
	make_sources "$T/build"
	n=$(nproc)
	[ "$n" -ge 2 ] || n=2
	for ((i = 0; i < n; i++)); do
		bg "$H" --spin 120
	done
	bg sh -c 'while :; do make -s -j"$1" -C "$0"; rm -f "$0"/*.o; done' "$T/build" "$n"
	# a task in D state for 3s now and then: brief, not stuck
	bg sh -c 'while :; do "$0" --vfork-sleep 3; sleep 1; done' "$H"
	read -r _ u0 n0 s0 i0 w0 q0 sq0 st0 _ </proc/stat
	run --separate-stderr "$FR" trigger --timeout 20s -o "$T/h-%d.frec"
	read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ </proc/stat
	stop_bg
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ -z "$(ls "$T" | grep '^h-')" ]
	# the CPUs were busy, and with user-space work
	total=$(( (u1 + n1 + s1 + i1 + w1 + q1 + sq1 + st1) - (u0 + n0 + s0 + i0 + w0 + q0 + sq0 + st0) ))
	[ $(( 100 * ((u1 + n1) - (u0 + n0)) / total )) -ge 70 ] || {
		echo "user share $(( 100 * ((u1 + n1) - (u0 + n0)) / total ))%" >&2
		return 1
	}
	# what came closest, metric by metric, within 80 columns
	sed 's/^/# /' <<<"$stderr" >&3
	[[ "$stderr" == *"flightrec: nothing fired in 20s; closest first:"* ]]
	for m in cpu.sys dstate.longest runqueue.p99 memburst.anon io.await; do
		grep -qE "^flightrec:   $m (peaked at|rose) " <<<"$stderr"
	done
	grep -q '^flightrec:   events.crash: none$' <<<"$stderr"
	# the brief D states were seen, and are far from 10s
	grep -qE '^flightrec:   dstate.longest peaked at [0-9.]+s \(threshold 10s\): [1-5][0-9]% of it$' <<<"$stderr"
	[ -z "$(awk 'length > 80' <<<"$stderr")" ]
	no_probes_left
}

@test "trigger's defaults: a task stuck in D state over 10s (a read from a hung disk) fires dstate.longest" {
	slow_disk --hold
	bg dd if="$LOOPDEV" of=/dev/null bs=4k count=1 iflag=direct
	trig --pre 2s --post 1s --timeout 60s -o "$T/hung.frec"
	[ "$status" -eq 0 ]
	[[ "$output" =~ " dstate.longest = "[0-9.]+s": "[0-9]+" task"s?" in D state: " ]]
	t=$(tj "$T/hung.frec")
	jq -e '.detector == "dstate" and .metric == "dstate.longest" and .value > 10e9 and .threshold == 10e9' <<<"$t"
	# the stuck reader, its kernel stack, and how long it has been there
	jq -e '[.context.dstate[] | select(.comm == "dd" and .in_d_ns > 10e9 and (.stack | length) > 0)] | length == 1' <<<"$t"
	# what happened names it among the longest waiting, with its time
	run -0 "$FR" stats -F json "$T/hung.frec"
	jq -e '.headline[0] | .kind == "dstate" and (.text | test("dd\\[[0-9]+\\] [0-9.]+s"))' <<<"$output"
	drop_disk
	no_probes_left
}

@test "trigger's defaults: an I/O stall (a disk whose requests take seconds) fires io.await" {
	# one request answered every 400ms, eight readers: each waits ~3s
	slow_disk --delay-ms 400
	for i in 1 2 3 4 5 6 7 8; do
		bg dd if="$LOOPDEV" of=/dev/null bs=4k count=100000 skip=$((i * 1000)) iflag=direct
	done
	trig --pre 2s --post 1s --timeout 60s -o "$T/io.frec"
	[ "$status" -eq 0 ]
	dev=${LOOPDEV#/dev/}
	[[ "$output" == *" io.await = "*": $dev: dd["*"] "*" requests, p99 "*" -> "* ]]
	t=$(tj "$T/io.frec")
	jq -e '.detector == "io" and .metric == "io.await" and .value > 1e9' <<<"$t"
	# the requests by process and device: dd's, on the loop device, slow
	jq -e --arg d "$dev" '.context.io | any(.comm == "dd" and .dev == $d and .max_ns > 1e9)' <<<"$t"
	drop_disk
	no_probes_left
}

@test "trigger's defaults: a system-time storm fires cpu.sys, with the kernel's reads in the profile" {
	# threads enough to have most of the CPU time beside other work
	n=$(( 8 * $(nproc) ))
	[ "$n" -le 256 ] || n=256
	bg "$H" --sys 120 --threads "$n"
	trig --pre 2s --post 2s --timeout 60s -o "$T/sys.frec"
	[ "$status" -eq 0 ]
	[[ "$output" =~ " cpu.sys = "[0-9.]+"%: "[0-9]+"% of samples in frhelper[" ]]
	t=$(tj "$T/sys.frec")
	jq -e '.detector == "cpu" and .metric == "cpu.sys" and .value > 60' <<<"$t"
	# the hottest stack: the helper's reads of /dev/zero, in the kernel
	# (libc's read keeps no frame pointer: its caller may be skipped)
	jq -e '.context.profile.stacks[0] | .comm == "frhelper" and (.kernel | any(test("zero"))) and
		(.user | any(test("^(burn_kernel|sys_thread|run_threads)")))' <<<"$t"
	no_probes_left
}

@test "trigger's defaults: run-queue starvation (200 spinners on one CPU) fires runqueue.p99" {
	bg "$H" --threads 200 --spin 120 --cpu $(( $(nproc) - 1 ))
	trig --pre 1s --post 1s --timeout 60s -o "$T/rq.frec"
	[ "$status" -eq 0 ]
	[[ "$output" =~ " runqueue.p99 = "[0-9.]+m?s": "[0-9]+" tasks waited; frhelper[" ]]
	t=$(tj "$T/rq.frec")
	jq -e '.detector == "runqueue" and .value > 100e6' <<<"$t"
	jq -e '.context.runqueue.waiters[0].comm == "frhelper" and .context.runqueue.waiters[0].max_wait_ns > 100e6' <<<"$t"
	no_probes_left
}

@test "trigger's defaults: a memory burst (3GB in 5s) fires memburst.anon" {
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	[ "$avail" -ge 5120 ] || skip "needs 5G of memory available (${avail}M)"
	trig --pre 1s --post 1s -o "$T/mb.frec" -- "$H" --alloc 3072 --alloc-seconds 5
	[ "$status" -eq 0 ]
	[[ "$output" =~ " memburst.anon = "[0-9.]+GB": frhelper["[0-9]+"] grew " ]]
	t=$(tj "$T/mb.frec")
	jq -e '.detector == "memburst" and .value >= 2147483648' <<<"$t"
	jq -e '.context.top_growers[0].comm == "frhelper"' <<<"$t"
	no_probes_left
}

@test "trigger's defaults: a crash and an OOM kill fire at once" {
	trig --pre 1s --post 0 -o "$T/dc.frec" -- sh -c "sleep 1; exec \"$H\" --signal 11"
	[ "$status" -eq 139 ]
	[[ "$output" =~ " events.crash = 1: frhelper["[0-9]+"] killed by SIGSEGV" ]]
	memcg_64m
	trig --pre 1s --post 0 -o "$T/do.frec" -- sh -c "sleep 1; \"$H\" --cgroup \"$CG\" --alloc 300 --alloc-seconds 1; exit 5"
	[ "$status" -eq 5 ]
	[[ "$output" =~ " events.oom = 1: frhelper["[0-9]+"] killed by the OOM killer" ]]
	no_probes_left
}
