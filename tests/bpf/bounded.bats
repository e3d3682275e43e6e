#!/usr/bin/env bats
# bounded.bats: a recorder left running keeps bounded tables: the tasks it
# names are the tasks whose events it still holds, whatever has come and
# gone; the detectors' per-task state and the BPF maps' fill are reported.

load ../common
load helpers

# The distinct tasks a capture's events name (task, process, the other task
# of a switch, a wakeup or a fork), one per line.
named_tids() {
	events "$1" | jq -r '[.tid, .pid, .next_tid, .waker_tid, .child_tid] | .[] |
		select(. != null and . != 0)' | sort -u
}

# Tids whose process_exit is in the capture.
exited_tids() {
	events "$1" | jq -r 'select(.type == "process_exit") | .tid' | sort -u
}

# Live stats once the recorder swept its table after the ring last moved
# (nothing records meanwhile: the command's tree is idle).
live_stats_exact() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$FR" stats -F json >"$T/live.json"
		[ "$(jq '.tasks.exact' "$T/live.json")" = true ] && return 0
		sleep 0.3
	done
	echo "the recorder's table was never swept after the ring last moved" >&2
	return 1
}

# Run a helper that forks 20,000 children of /bin/true (each exits at
# once), then waits on $T/go with $T/ready made: under record with $@.
churn_under_record() {
	mkfifo "$T/go"
	"$FR" record -v "$@" -- "$HELPER" --forks 20000 --ready-file "$T/ready" \
		--then-wait-fifo "$T/go" --then-getppid 0 2>"$T/rec.log" &
	REC=$!
	wait_for_line "$T/rec.log" "flightrec: recording"
	local i
	for ((i = 0; i < 1800; i++)); do
		[ -e "$T/ready" ] && return 0
		kill -0 "$REC" 2>/dev/null || break
		sleep 0.1
	done
	echo "the helper never finished its forks" >&2
	cat "$T/rec.log" >&2
	return 1
}

@test "a ring that wrapped past 20,000 exited processes holds table entries for exactly the tasks whose events it still holds, each named" {
	churn_under_record -e process,sched --buffer 1M -o "$T/m.frec"
	live_stats_exact
	"$FR" trigger --now -o "$T/snap.frec"
	echo >"$T/go"
	wait "$REC"

	# the ring wrapped far past the churn
	over=$(jq '.lost.overwritten' "$T/live.json")
	[ "$over" -gt 50000 ]
	exited=$(jq '.tasks.exited' "$T/live.json")
	evicted=$(jq '.tasks.evicted' "$T/live.json")
	# the children the ring's events name (an exit, or a switch away from
	# a child that exited): the capture's table has each, and no other
	"$FR" dump -F json "$T/snap.frec" >"$T/snap.json"
	held=$(jq '[.capture.processes[] | select(.cmdline == "/bin/true")] | length' "$T/snap.json")
	echo "exited tasks held: $exited; children the ring names: $held; evicted: $evicted" >&3
	# nothing of the churn is kept but what the ring still names...
	[ "$held" -gt 100 ]
	[ "$exited" -eq "$held" ]
	# ... and every other one went, counted
	[ "$evicted" -ge $((20000 - held)) ]
	[ "$(jq '.tasks.entries' "$T/live.json")" -lt 5000 ]

	# each child whose events remain is named: its exit is that of "true",
	# and the capture's table has it, with the command line it ran
	bad=$(events "$T/snap.frec" | jq -r 'select(.type == "process_exit" and .comm != "true") | .tid' | wc -l)
	[ "$bad" -eq 0 ]
	jq -r '.capture.processes[] | select(.cmdline == "/bin/true" and .renames[-1].comm == "true") |
		.tid' "$T/snap.json" | sort -u >"$T/named"
	exited_tids "$T/snap.frec" >"$T/exited"
	[ "$(comm -23 "$T/exited" "$T/named" | wc -l)" -eq 0 ]
	[ "$(wc -l <"$T/named")" -eq "$held" ]
	# and the capture's table names no task its events do not
	jq -r '.capture.processes[].tid' "$T/snap.json" | sort -u >"$T/table"
	named_tids "$T/snap.frec" >"$T/tids"
	[ "$(comm -23 "$T/table" "$T/tids" | wc -l)" -eq 0 ]

	# the maps that can fill: the follow map holds the helper alone now
	[ "$(jq '.maps.follow.entries' "$T/live.json")" -eq 1 ]
	[ "$(jq '.maps.follow.max' "$T/live.json")" -eq 65536 ]
	[ "$(jq '.maps.follow.misses' "$T/live.json")" -eq 0 ]
	# and the capture carries the same figures
	"$FR" dump --info -F json "$T/m.frec" >"$T/info.json"
	[ "$(jq '.end.maps.follow.max' "$T/info.json")" -eq 65536 ]
	[ "$(jq '.end.counters.tasks_evicted' "$T/info.json")" -ge "$evicted" ]
}

@test "a ring file that wrapped past 20,000 exited processes: its writer's table holds exactly the tasks the file's events name" {
	churn_under_record -e process,sched --max-size 1M -o "$T/r.frec"
	"$FR" stats -F json >"$T/live.json"
	echo >"$T/go"
	wait "$REC"

	"$FR" dump --info -F json "$T/r.frec" >"$T/info.json"
	[ "$(jq '.end.counters.file_overwritten' "$T/info.json")" -gt 50000 ]
	held=$(jq '.end.counters.tasks_held' "$T/info.json")
	evicted=$(jq '.end.counters.tasks_evicted' "$T/info.json")
	# the tasks the file's events name and that could be known (not those
	# that came and went unrecorded, say a client switched in)
	named_tids "$T/r.frec" >"$T/tids"
	"$FR" dump -F json "$T/r.frec" | jq -r '.capture.processes[].tid' | sort -u >"$T/table"
	named=$(comm -12 "$T/tids" "$T/table" | wc -l)
	echo "tasks held: $held; named by the file's events and known: $named; evicted: $evicted" >&3
	[ "$named" -gt 100 ]
	[ "$held" -eq "$named" ]
	[ "$evicted" -ge $((20000 - named)) ]
	# live, the writer's table was as small
	[ "$(jq ".file_tasks.entries" "$T/live.json")" -lt 15000 ]
	# every child whose exit the file holds is named by it; the one other
	# exit is the helper's own, at the end
	events "$T/r.frec" | jq -r 'select(.type == "process_exit" and .comm != "true") | .comm' >"$T/bad"
	[ "$(cat "$T/bad")" = frhelper ]
}

@test "trigger after 20,000 short-lived tasks: its per-task state is bounded, and live stats show it" {
	mkfifo "$T/go"
	# no window to hold: the ring stays 2M
	"$FR" trigger -v --buffer 2M --pre 0s --post 0s --when 'runqueue.p99 > 3600s' \
		2>"$T/trig.log" &
	TRIG=$!
	wait_for_line "$T/trig.log" "armed"
	"$HELPER" --forks 20000 --ready-file "$T/ready" --then-wait-fifo "$T/go" --then-getppid 0 &
	H=$!
	local i
	for ((i = 0; i < 1800; i++)); do
		[ -e "$T/ready" ] && break
		sleep 0.1
	done
	[ -e "$T/ready" ]
	"$FR" stats -F json >"$T/live.json"
	echo >"$T/go"
	wait "$H"
	kill -INT "$TRIG"
	wait "$TRIG" || true

	jq -c ".tasks, .detectors, .symbols, .lost, .events.by_type" "$T/live.json" >&3
	[ "$(jq '.lost.overwritten' "$T/live.json")" -gt 0 ]
	# the ring (2M) holds a few thousand of them at most: so does the table,
	# every other one forgotten (or its tid taken by a newer task): each
	# fork received made an entry
	forks=$(jq '.events.by_type.process_fork.count' "$T/live.json")
	[ "$forks" -ge 20000 ] || [ "$(jq '.lost.dropped' "$T/live.json")" -gt 0 ]
	[ "$(jq '.tasks.evicted + .tasks.entries' "$T/live.json")" -ge "$forks" ]
	[ "$(jq '.tasks.entries' "$T/live.json")" -lt 10000 ]
	[ "$(jq '.tasks.sweeps' "$T/live.json")" -gt 0 ]
	# runnable tasks being timed: those waiting now, not all ever seen
	[ "$(jq '.detectors.runnable.entries' "$T/live.json")" -lt 1000 ]
	[ "$(jq '.detectors.runnable.max' "$T/live.json")" -eq 65536 ]
	[ "$(jq '.detectors.memory_baselines.samples <= .detectors.memory_baselines.max' "$T/live.json")" = true ]
	[ "$(jq '.symbols.processes <= .symbols.processes_max' "$T/live.json")" = true ]
}

@test "a full trace table: a new span reuses the slot labelled longest ago that nothing holds any more" {
	mkfifo "$T/go"
	# a task to label, that makes no event until it is told to
	"$HELPER" --name frtraced --ready-file "$T/ready" --then-wait-fifo "$T/go" --then-getppid 100 &
	S=$!
	# only that task's events: other work on the machine takes none of the ring
	start_recorder -e syscalls --comm frtraced --buffer 256K -o "$T/t.frec"
	# 4300 spans begun and ended on it, more than the 4096 slots: the marks
	# that carried the first slots age out of the small ring meanwhile
	for ((i = 1; i <= 4300; i++)); do
		printf '{"name":"b","trace_id":"%032x","pid":%d}\n{"name":"e","trace_id":"%032x","end":true}\n' \
			"$i" "$S" "$i"
	done | "$FR" mark --stdin >"$T/marks.out"
	last=$(printf '%032x' 4301)
	"$FR" mark go --trace-id "$last" --pid "$S"
	echo >"$T/go"
	wait "$S"
	"$FR" stats -F json >"$T/live.json"
	stop_recorder

	jq -c '.trace_table' "$T/live.json" >&3
	[ "$(jq '.trace_table.slots' "$T/live.json")" -eq 4096 ]
	[ "$(jq '.trace_table.recycled' "$T/live.json")" -ge 205 ]
	[ "$(jq '.trace_table.refused' "$T/live.json")" -eq 0 ]
	# the last trace labels the task's 100 calls, and nothing else carries it
	[ "$(events -t sys_exit --trace-id "$last" "$T/t.frec" | jq -r 'select(.syscall == "getppid") | .tid' | wc -l)" -eq 100 ]
	[ "$(events "$T/t.frec" | jq -r "select(.trace == \"$last\" and .pid != $S) | .type" | wc -l)" -eq 0 ]
	# every mark's slot still means its own trace
	[ "$(events -t mark "$T/t.frec" | jq -r 'select(.trace != null) | .trace' | wc -l)" -gt 0 ]
	"$FR" dump --info -F json "$T/t.frec" >"$T/info.json"
	[ "$(jq '.end.counters.traces_recycled' "$T/info.json")" -ge 205 ]
}
