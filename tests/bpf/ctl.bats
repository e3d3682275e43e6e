#!/usr/bin/env bats
# ctl.bats: the controls of a running recorder: pause and resume (and
# SIGUSR2), clear, resize, probe groups on and off, a trace taken out with
# dump --live --clear, marks in order on a loaded machine, all of them in a
# loop under a syscall storm with exact accounting.

load ../common
load helpers

TRACE=4bf92f3577b34da6a3ce929d0e0e4736

# Run the helper as $1 (its pid in $T/$1.pid) with the rest of the
# arguments, and wait for it.
run_as() {
	local name=$1
	shift
	"$HELPER" --name "$name" --print-pid "$@" >"$T/$name.pid"
}

# getppid calls in capture $1 of the helper run as $2 (by run_as, or
# started before the recorder: by name)
calls_of() {
	local sel=".comm == \"$2\""
	[ -s "$T/$2.pid" ] && sel=".pid == $(head -1 "$T/$2.pid")"
	events -t sys_enter "$1" | jq -r "select(.syscall == \"getppid\" and $sel) | .tid" | wc -l
}

# received + marks = stored + overwritten + cleared + resized + taken, in
# the END of a linear capture; malformed 0
accounted() {
	"$FR" dump --info -F json "$1" | jq -e '.end.counters as $k |
		($k.received + $k.marks == $k.stored + $k.overwritten + $k.cleared + $k.resized + $k.taken)
		and $k.malformed == 0' >/dev/null || {
		"$FR" dump --info -F json "$1" | jq -c .end.counters >&2
		return 1
	}
}

@test "ctl pause keeps the ring and records nothing, with only fork and exit attached; resume records again; the capture shows the gap" {
	start_recorder -e syscalls,process -o "$T/p.frec"
	run_as frbefore --getppid 100
	run -0 "$FR" ctl pause
	[[ "$output" == "default: paused; the ring keeps its "*" events" ]]
	run -0 "$FR" ctl pause
	[[ "$output" == "default: already paused"* ]]
	run -0 "$FR" stats -F json
	[ "$(jq -r .enabled <<<"$output")" = false ]
	[ "$(jq -r '[.probes[] | select(.attached) | .name] | sort | join(",")' <<<"$output")" = \
		"sched_process_exit,sched_process_fork" ]
	run -0 "$FR" stats
	[[ "$output" == *"enabled:    no: paused for "* ]]
	run_as frduring --getppid 100 --forks 2
	# a snapshot written while paused says so
	run -0 "$FR" dump --live --info
	[[ "$output" == *"paused:      written while paused: nothing was recorded after "* ]]
	run -0 "$FR" ctl status
	[[ "${lines[1]}" == "enabled: no" ]]
	run -0 "$FR" ctl resume
	[ "$output" = "default: recording again" ]
	run_as frafter --getppid 100
	stop_recorder
	no_probes_left
	[ "$(calls_of "$T/p.frec" frbefore)" -eq 100 ]
	[ "$(calls_of "$T/p.frec" frduring)" -eq 0 ]
	[ "$(calls_of "$T/p.frec" frafter)" -eq 100 ]
	# nothing at all was recorded during the pause: no fork, exec or exit either
	events "$T/p.frec" >"$T/p.ndjson"
	read -r from to < <("$FR" dump --info -F json "$T/p.frec" | jq -r '.end.control.pauses[0] | "\(.[0]) \(.[1])"')
	[ "$(jq "select(.ts_ns > $from and .ts_ns < $to)" "$T/p.ndjson" | wc -l)" -eq 0 ]
	run -0 "$FR" dump --info "$T/p.frec"
	[[ "$output" == *"pauses:      1 time, "*" in all, no events then: "* ]]
	run -0 "$FR" stats "$T/p.frec"
	[[ "$output" == *"pauses:   1 time, "* ]]
	accounted "$T/p.frec"
}

@test "SIGUSR2 toggles the pause" {
	start_recorder -e syscalls -o "$T/s.frec"
	kill -USR2 "$REC"
	wait_for_line "$T/rec.log" "SIGUSR2: pausing"
	[ "$("$FR" stats -F json | jq -r .enabled)" = false ]
	run_as frduring --getppid 100
	kill -USR2 "$REC"
	wait_for_line "$T/rec.log" "resumed after"
	[ "$("$FR" stats -F json | jq -r .enabled)" = true ]
	run_as frafter --getppid 100
	stop_recorder
	[ "$(calls_of "$T/s.frec" frduring)" -eq 0 ]
	[ "$(calls_of "$T/s.frec" frafter)" -eq 100 ]
}

@test "ctl clear empties the ring and counts what it cleared apart from overwritten" {
	start_recorder -e syscalls,process -o "$T/c.frec"
	run_as frbefore --getppid 100
	run -0 "$FR" ctl -F json clear
	cleared=$(jq .cleared <<<"$output")
	[ "$cleared" -gt 200 ]
	[ "$(jq .ring_records <<<"$output")" -lt "$cleared" ]
	run_as frafter --getppid 50
	run -0 "$FR" stats -F json
	[ "$(jq .lost.cleared <<<"$output")" -eq "$cleared" ]
	[ "$(jq .lost.overwritten <<<"$output")" -eq 0 ]
	stop_recorder
	[ "$(calls_of "$T/c.frec" frbefore)" -eq 0 ]
	[ "$(calls_of "$T/c.frec" frafter)" -eq 50 ]
	[ "$("$FR" dump --info -F json "$T/c.frec" | jq '.end.counters.cleared')" -eq "$cleared" ]
	accounted "$T/c.frec"
}

@test "ctl clear on a ring file drops its segments; the file reads clean from there" {
	start_recorder -e syscalls,process --max-size 4M -o "$T/r.frec"
	run_as frbefore --getppid 100
	# in the file before the clear
	for ((i = 0; i < 50; i++)); do
		[ "$(calls_of "$T/r.frec" frbefore 2>/dev/null)" -ge 100 ] && break
		sleep 0.1
	done
	run -0 "$FR" ctl clear
	run_as frafter --getppid 50
	stop_recorder
	# no damage: the spoiled segments are what a ring file is expected to hold
	run -0 --separate-stderr "$FR" dump -F ndjson "$T/r.frec"
	[ -z "$stderr" ]
	[ "$(calls_of "$T/r.frec" frbefore)" -eq 0 ]
	[ "$(calls_of "$T/r.frec" frafter)" -eq 50 ]
	k=$("$FR" dump --info -F json "$T/r.frec" | jq -c .end.counters)
	[ "$(jq .file_cleared <<<"$k")" -ge 200 ]
	# what the file holds is what it stored less what it let go
	[ "$(jq '.stored - .file_overwritten - .file_cleared' <<<"$k")" -eq "$("$FR" dump --info -F json "$T/r.frec" | jq .events)" ]
	[ "$(jq '.received + .marks == .stored + .unwritten + .cleared + .resized + .taken' <<<"$k")" = true ]
}

@test "ctl resize grows and shrinks the ring at once, keeping the newest events; errors are clear" {
	start_recorder -e syscalls -b 1M -o "$T/z.frec"
	run_as frold --getppid 2000
	run -0 "$FR" ctl -F json resize 64M
	[ "$(jq .ring_size <<<"$output")" -eq $((64 << 20)) ]
	[ "$(jq .discarded <<<"$output")" -eq 0 ]
	run_as frnew --getppid 100
	run -0 "$FR" ctl resize 64K
	[[ "$output" =~ ^"default: ring 64.0M -> 64.0K; "[1-9][0-9]*" oldest events discarded" ]]
	run -0 "$FR" stats -F json
	[ "$(jq .ring.size <<<"$output")" -eq 65536 ]
	[ "$(jq .lost.resized <<<"$output")" -gt 0 ]
	stop_recorder
	# the newest kept: frnew's last calls are there, frold's first are not
	[ "$(calls_of "$T/z.frec" frold)" -lt 2000 ]
	accounted "$T/z.frec"
	[ "$("$FR" dump --info -F json "$T/z.frec" | jq .end.control.resizes)" -eq 2 ]
	# usage errors
	run -2 --separate-stderr "$FR" ctl resize 1K
	[[ "$stderr" == *"bad SIZE '1K': give a size from 64K to 4G"* ]]
	run -2 --separate-stderr "$FR" ctl resize lots
	[[ "$stderr" == *"bad SIZE 'lots'"* ]]
	run -2 --separate-stderr "$FR" ctl resize
	[[ "$stderr" == *"resize needs SIZE"* ]]
}

@test "ctl enable and disable attach and detach probe groups; the capture says when each was on" {
	start_recorder -e process -o "$T/g.frec"
	run_as frnone1 --getppid 100
	run -0 "$FR" ctl enable syscalls
	[ "$output" = "default: enabled syscalls; groups on: process,syscalls" ]
	run -0 "$FR" stats -F json
	[ "$(jq -r '.probes[] | select(.name == "sys_enter") | .attached' <<<"$output")" = true ]
	run_as frsome --getppid 100
	run -0 "$FR" ctl enable syscalls
	[[ "$output" == "default: no change"* ]]
	run -0 "$FR" ctl disable syscalls
	run_as frnone2 --getppid 100
	# errors: an unknown group, no group left
	run -2 --separate-stderr "$FR" ctl enable sched,nosuch
	[[ "$stderr" == *"unknown probe group 'nosuch'"* ]]
	run -1 --separate-stderr "$FR" ctl disable process
	[[ "$stderr" == *"that would leave no probe group on; pause the recorder instead"* ]]
	stop_recorder
	no_probes_left
	[ "$(calls_of "$T/g.frec" frnone1)" -eq 0 ]
	[ "$(calls_of "$T/g.frec" frsome)" -eq 100 ]
	[ "$(calls_of "$T/g.frec" frnone2)" -eq 0 ]
	run -0 "$FR" dump --info -F json "$T/g.frec"
	[ "$(jq -c '[.end.control.groups[].on]' <<<"$output")" = '[["process"],["process","syscalls"],["process"]]' ]
	run -0 "$FR" dump --info "$T/g.frec"
	[[ "$output" == *"groups:      process from "*"; process,syscalls from "* ]]
	[ "$(awk 'length > 80' <<<"$output" | wc -l)" -eq 0 ]
}

@test "ctl enable process records forks and exits from then on, disable stops them" {
	start_recorder -e syscalls -o "$T/f.frec"
	run_as frno1 --forks 2
	"$FR" ctl -q enable process
	run_as fryes --forks 2
	"$FR" ctl -q disable process
	run_as frno2 --forks 2
	stop_recorder
	events -t process_fork "$T/f.frec" >"$T/f.ndjson"
	forks_of() { jq "select(.pid == $(head -1 "$T/$1.pid"))" "$T/f.ndjson" | jq -s length; }
	[ "$(forks_of frno1)" -eq 0 ]
	[ "$(forks_of fryes)" -eq 2 ]
	[ "$(forks_of frno2)" -eq 0 ]
}

@test "dump --live --trace-id --clear takes a trace's events out; a second call gets none, the others stay" {
	mkfifo "$T/a1" "$T/b1"
	"$HELPER" --name fra --print-pid --wait-fifo "$T/a1" --getppid 500 >"$T/a.pid" 3>&- &
	A=$!
	"$HELPER" --name frb --wait-fifo "$T/b1" --getppid 400 3>&- &
	B=$!
	wait_for_line "$T/a.pid" .
	start_recorder -e syscalls,process -o "$T/t.frec"
	"$FR" mark begin --trace-id "$TRACE" --pid "$A"
	echo go >"$T/a1"
	echo go >"$T/b1"
	wait "$A" "$B"
	"$FR" mark end --trace-id "$TRACE" --end
	# get_trace: nothing removed
	n1=$("$FR" dump --live -F ndjson --trace-id "$TRACE" | jq -r 'select(.type == "sys_enter" and .syscall == "getppid") | .tid' | wc -l)
	[ "$n1" -eq 500 ]
	# dump_trace: printed and taken out
	"$FR" dump --live default -F ndjson --trace-id "$TRACE" --clear >"$T/taken.ndjson"
	[ "$(jq -r 'select(.type == "sys_enter" and .syscall == "getppid") | .tid' "$T/taken.ndjson" | wc -l)" -eq 500 ]
	[ "$(jq -r 'select(.type == "mark") | .name' "$T/taken.ndjson" | paste -sd,)" = "begin,end" ]
	taken=$(wc -l <"$T/taken.ndjson")
	[ -z "$("$FR" dump --live -F ndjson --trace-id "$TRACE")" ]
	# the others stay
	[ "$("$FR" dump --live -F ndjson -t sys_enter | jq -r 'select(.comm == "frb" and .syscall == "getppid") | .tid' | wc -l)" -eq 400 ]
	[ "$("$FR" stats -F json | jq .lost.taken)" -eq "$taken" ]
	stop_recorder
	[ "$(calls_of "$T/t.frec" fra)" -eq 0 ]
	[ "$(calls_of "$T/t.frec" frb)" -eq 400 ]
	[ "$("$FR" dump --info -F json "$T/t.frec" | jq .end.counters.taken)" -eq "$taken" ]
	accounted "$T/t.frec"
	# --clear needs --live and --trace-id
	run -2 --separate-stderr "$FR" dump --clear --live
	[[ "$stderr" == *"--clear takes a trace's events out of a running recorder's ring: it needs --live and --trace-id"* ]]
}

@test "ctl: no recorder, no permission, unknown action are clear errors" {
	run -1 --separate-stderr "$FR" ctl pause
	[[ "$stderr" == *"no recorder is running"* ]]
	run -2 --separate-stderr "$FR" ctl nap
	[[ "$stderr" == *"unknown action 'nap'"* ]]
	run -2 --separate-stderr "$FR" ctl
	[[ "$stderr" == *"which action?"* ]]
	run -2 --separate-stderr "$FR" ctl pause now
	[[ "$stderr" == *"pause takes no argument"* ]]
	start_recorder -e syscalls -o "$T/e.frec"
	run -1 --separate-stderr "$FR" ctl --name nosuch pause
	[[ "$stderr" == *"no recorder named 'nosuch'"* ]]
	chmod 755 "$T"
	run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$FR" ctl pause
	[[ "$stderr" == *"needs root"* ]]
	[ "$("$FR" stats -F json | jq -r .enabled)" = true ]
	stop_recorder
}

@test "marks from one connection keep the order they were sent in, with non-decreasing times, on a loaded machine" {
	bg "$HELPER" --name frburn --spin 60 --threads 4
	start_recorder -e sched,syscalls -o "$T/m.frec"
	seq 1000 | sed 's/^/m/' | "$FR" mark -q --stdin
	stop_recorder
	stop_bg
	events -t mark "$T/m.frec" >"$T/marks.ndjson"
	diff <(seq 1000 | sed 's/^/m/') <(jq -r .name "$T/marks.ndjson")
	# the dump is in time order; ties keep the order the marks were put in
	jq -r .ts_ns "$T/marks.ndjson" | sort -nc
}

@test "every control, in a loop for a minute under a syscall storm: exact accounting, nothing malformed, no probe left" {
	bg "$HELPER" --name frstorm --getppid 2000000000 --threads 2
	start_recorder -e all -b 4M -o "$T/l.frec"
	pid=$(pgrep -f "frhelper --name frstorm" | head -1)
	end=$((SECONDS + 60))
	n=0
	while ((SECONDS < end)); do
		case $((n % 10)) in
		0) "$FR" ctl -q pause ;;
		1) "$FR" ctl -q resume ;;
		2) "$FR" ctl -q clear ;;
		3) "$FR" ctl -q resize 1M ;;
		4) "$FR" ctl -q resize 8M ;;
		5) "$FR" ctl -q disable syscalls,block ;;
		6) "$FR" ctl -q enable syscalls,block ;;
		7) "$FR" mark -q begin --trace-id "$TRACE" --pid "$pid" ;;
		8) "$FR" dump --live -F ndjson --trace-id "$TRACE" --clear >/dev/null ;;
		9) "$FR" mark -q end --trace-id "$TRACE" --end ;;
		esac
		n=$((n + 1))
	done
	# the loop may stop anywhere: recording again, every group on
	"$FR" ctl -q resume
	"$FR" ctl -q enable all
	run -0 "$FR" stats -F json
	[ "$(jq -r .enabled <<<"$output")" = true ]
	[ "$(jq '[.probes[] | select(.attached)] | length' <<<"$output")" -eq 11 ]
	stop_recorder
	stop_bg
	no_probes_left
	k=$("$FR" dump --info -F json "$T/l.frec" | jq -c .end.counters)
	[ "$(jq '.cleared > 0 and .resized > 0 and .taken > 0' <<<"$k")" = true ]
	accounted "$T/l.frec"
	"$FR" dump --info -F json "$T/l.frec" | jq -e '.end.counters as $k | .end.control as $c |
		$c.pauses_total > 0 and $c.clears > 0 and $c.resizes > 0 and $k.malformed == 0' >/dev/null
	run -0 --separate-stderr "$FR" dump -q "$T/l.frec"
}
