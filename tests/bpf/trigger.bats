#!/usr/bin/env bats
# trigger.bats: each detector against an anomaly frhelper makes on purpose
# (a CPU burner, a vfork parent held in D state, more spinning threads than
# CPUs, a fast allocator, a crash), and a quiet cgroup that fires nothing.
# Needs root (tests/run.sh decides whether to run it).

load ../common
load helpers

H=""

setup() {
	common_setup
	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root"
	fi
	H="$BATS_TEST_DIRNAME/../../build/tests/frhelper"
}

trig() {
	run --separate-stderr "$FR" trigger -q "$@"
}

tj() {
	"$FR" dump -F json "$1" | jq -c '.capture.trigger'
}

@test "trigger --when cpu: a CPU burner fires, and the profile's hottest stack is its burn_cpu" {
	cd "$T"	# a short -o: the line has room for the finding
	trig --when 'cpu.usage > 30% for 1s' --pre 2s --post 2s -o "cpu-%d.frec" -- "$H" --spin 6
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
		--when 'runqueue.p99 > 5ms' "${mem[@]}" --when events.crash
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == *"nothing fired"* ]]
	[ -z "$(ls "$T" | grep '^q-')" ]
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

@test "trigger --when events.oom: a process the OOM killer takes fires, with its record" {
	# a memory cgroup with a 64 MiB limit: cgroup v1's memory hierarchy,
	# or a cgroup2 directory with the memory controller
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

@test "trigger: a rise over a window fires; the status line shows each armed metric on a terminal only" {
	script -qfec "'$FR' trigger --when 'memburst.anon rises 200MB in 2s' --when 'psi.cpu.some > 100%' --pre 1s --post 1s -o '$T/r.frec' -- '$H' --alloc 900 --alloc-seconds 4" "$T/typescript" >"$T/out"
	grep -q " memburst.anon = [0-9.]*[MG]B: " "$T/out"
	t=$(tj "$T/r.frec")
	jq -e '.detector == "memburst" and .value >= 209715200 and .threshold == 209715200' <<<"$t"
	# psi is read (and did not fire)
	jq -e '.values["psi.cpu.some"] >= 0' <<<"$t"
	# the status line: each metric, its value, its condition
	grep -aqE 'armed: memburst.anon [0-9.-]+[KMGT]?B? \[rises 200MB in 2s\] \| psi.cpu.some [0-9.]+% \[> 100%\]' "$T/typescript"
	grep -aq 'memburst fired; recording the post-window' "$T/typescript"
	# not on a pipe
	run --separate-stderr "$FR" trigger --when 'psi.cpu.some > 100%' --timeout 2s -o "$T/x.frec"
	[ "$status" -eq 3 ]
	[[ "$stderr" != *"armed:"* && "$stderr" != *$'\r'* ]]
	no_probes_left
}

@test "trigger -- COMMAND: the command's own crash fires as it exits, the post-window cut short" {
	trig -e all --when events.crash --pre 5s --post 10s -o "$T/self.frec" -- "$H" --getppid 77 --signal 11
	[ "$status" -eq 139 ]
	[[ "$output" == *" events.crash = 1: "* ]]
	t=$(tj "$T/self.frec")
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
