#!/usr/bin/env bats
# control.bats: a running recorder's control socket: marks, trace labels,
# live stats, live snapshots, trigger --now and SIGUSR1.

load ../common
load helpers

TRACE=4bf92f3577b34da6a3ce929d0e0e4736
OTHER=0af7651916cd43dd8448eb211c80319c

@test "the control socket: private, one recorder per name, a killed one's socket replaced, nothing left" {
	start_recorder -e syscalls --name ctl -o "$T/a.frec"
	[ "$(stat -c %a "$FLIGHTREC_RUNDIR")" = 700 ]
	[ "$(stat -c %a "$FLIGHTREC_RUNDIR/ctl.sock")" = 600 ]
	[ -S "$FLIGHTREC_RUNDIR/ctl.sock" ]
	# a second recorder of the same name is refused, and leaves no file
	run -1 --separate-stderr "$FR" record -e syscalls --name ctl -d 5s -o "$T/b.frec"
	[[ "$stderr" == *"a recorder named 'ctl' is already running (pid $REC)"* ]]
	[ ! -e "$T/b.frec" ]
	# ... while another name is fine
	run -0 --separate-stderr "$FR" record -q -e syscalls --name other -d 300ms -o "$T/c.frec"
	# the first one still answers
	run -0 "$FR" mark still-here --name ctl
	# killed: its socket stays, and refuses
	kill -KILL "$REC"
	wait "$REC" || true
	[ -S "$FLIGHTREC_RUNDIR/ctl.sock" ]
	run -1 --separate-stderr "$FR" mark a --name ctl
	[[ "$stderr" == *"its recorder was killed"* ]]
	# the next recorder of that name takes it over
	start_recorder -e syscalls --name ctl -o "$T/d.frec"
	run -0 "$FR" mark again --name ctl
	stop_recorder
	# a clean stop leaves neither socket nor lock
	[ -z "$(ls -A "$FLIGHTREC_RUNDIR")" ]
	run -0 "$FR" dump -t mark "$T/d.frec"
	[[ "$output" == *"mark name=again"* ]]
	no_probes_left
}

@test "a directory that is not private is refused; the recorder records anyway" {
	mkdir -m 755 "$FLIGHTREC_RUNDIR"
	run -0 --separate-stderr "$FR" record -e syscalls -d 300ms -o "$T/a.frec"
	[[ "$stderr" == *"control directory $FLIGHTREC_RUNDIR is not private"* ]]
	[[ "$stderr" == *"recording without a control socket"* ]]
	[ -s "$T/a.frec" ]
	[ ! -e "$FLIGHTREC_RUNDIR/default.sock" ]
}

@test "clients without permission get a clear message" {
	start_recorder -e syscalls -o "$T/a.frec"
	chmod 755 "$T"
	run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$FR" mark a --name default
	[[ "$stderr" == *"Permission denied; controlling a recorder needs root"* ]]
	run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$FR" stats
	[[ "$stderr" == *"needs root"* ]]
	stop_recorder
}

@test "1,000 marks from a script: all there, in order, with their metadata, among the kernel events" {
	start_recorder -e syscalls -o "$T/m.frec"
	# one process per mark, as a shell loop would
	for i in 1 2 3 4 5; do
		"$FR" mark "single-$i" --meta i="$i"
	done
	seq 1000 | awk '{ printf "{\"name\":\"m%d\",\"meta\":{\"i\":\"%d\",\"sq\":\"%d\"}}\n", $1, $1, $1 * $1 }' |
		"$FR" mark -q --stdin
	stop_recorder
	events -t mark "$T/m.frec" >"$T/marks.ndjson"
	[ "$(wc -l <"$T/marks.ndjson")" -eq 1005 ]
	# in order, each with its own metadata, the caller's pid and comm
	jq -r 'select(.name | startswith("m")) | "\(.name) \(.meta.i) \(.meta.sq)"' "$T/marks.ndjson" >"$T/got"
	seq 1000 | awk '{ print "m" $1, $1, $1 * $1 }' >"$T/want"
	diff "$T/want" "$T/got"
	[ "$(jq -r 'select(.name == "single-3") | .meta.i' "$T/marks.ndjson")" = 3 ]
	[ "$(jq -r 'select(.name == "m1") | .comm' "$T/marks.ndjson")" = flightrec ]
	# a Perfetto trace shows them as instants with their metadata
	run -0 "$FR" dump -F chrome "$T/m.frec"
	[ "$(jq '[.traceEvents[] | select(.cat == "mark")] | length' <<<"$output")" -eq 1005 ]
	[ "$(jq -r '[.traceEvents[] | select(.cat == "mark" and .name == "m7")][0].args.sq' <<<"$output")" = 49 ]
	# stats lists them, the first thousand with their metadata
	run -0 "$FR" stats -F json "$T/m.frec"
	[ "$(jq .marks_total <<<"$output")" -eq 1005 ]
	[ "$(jq '.marks | length' <<<"$output")" -eq 1000 ]
	[ "$(jq -r '.marks[5] | "\(.name) \(.meta.sq)"' <<<"$output")" = "m1 1" ]
	run -0 "$FR" stats "$T/m.frec"
	[[ "$output" == *"marks:    1005"* && "$output" == *" single-1 i=1"* && "$output" == *"(5 more in the capture"* ]]
	# time order with the kernel events: the whole dump is sorted
	events "$T/m.frec" | jq -r .ts_ns | sort -nc
	# and interleaved with them: kernel events between the first mark and the last
	first=$(jq -s '.[0].ts_ns' "$T/marks.ndjson")
	last=$(jq -s '.[-1].ts_ns' "$T/marks.ndjson")
	[ "$(events -t syscalls "$T/m.frec" | jq "select(.ts_ns > $first and .ts_ns < $last) | .ts_ns" | wc -l)" -gt 0 ]
}

@test "hostile metadata is stored safely or refused clearly; bad messages do not harm the recorder" {
	start_recorder -e syscalls -o "$T/h.frec"
	bad=$(printf 'quote" back\\ nl\nx tab\t \xff\xfe end')
	run -0 "$FR" mark 'name with "quotes"' --meta "v=$bad" --meta 'k.e-y/1_=x=y'
	# a 64 KiB value cannot fit a record: refused, with the reason
	big=$(head -c 65536 /dev/zero | tr '\0' a)
	run -1 --separate-stderr "$FR" mark big --meta "v=$big"
	[[ "$stderr" == *"a mark's name and metadata take 65544 bytes; at most 61440"* ]]
	# the largest that fits is kept whole
	fits=$(head -c 61000 /dev/zero | tr '\0' b)
	run -0 "$FR" mark fits --meta "v=$fits"
	# raw protocol abuse: oversized length, garbage, NUL, unknown op
	python3 - "$FLIGHTREC_RUNDIR/default.sock" <<'EOF'
import json, socket, struct, sys
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    return s
def reply(s):
    h = s.recv(4, socket.MSG_WAITALL)
    if len(h) < 4:
        return None
    n = struct.unpack("<I", h)[0]
    return json.loads(s.recv(n, socket.MSG_WAITALL))
def send(s, b):
    s.sendall(struct.pack("<I", len(b)) + b)
s = conn()
s.sendall(struct.pack("<I", 2 << 20))
r = reply(s)
assert r["ok"] is False and "too large" in r["error"], r
assert s.recv(1) == b""          # and the connection is closed
s = conn()
for bad, why in ((b"{not json", "not a JSON object"), (b'{"op":"mark","name":"a\\u0000b"}', "NUL"),
                 (b'{"op":"fly"}', "unknown operation"), (b'{"op":"mark"}', "needs a name"),
                 (b'{"op":"mark","name":"x","meta":{"a b":"c"}}', "metadata key")):
    send(s, bad)
    r = reply(s)
    assert r["ok"] is False and why in r["error"], (bad, r)
send(s, b'{"op":"mark","name":"after-abuse"}')   # the same connection still works
assert reply(s)["ok"] is True
# more clients than allowed: the extra ones are told so
many = [conn() for _ in range(20)]
turned = 0
for c in many:
    try:
        send(c, b'{"op":"hello"}')
    except BrokenPipeError:
        pass                     # turned away at once: the reason is waiting
    r = reply(c)
    if not r["ok"]:
        assert "too many clients" in r["error"], r
        turned += 1
assert turned == 20 - 15, turned   # 16 at once, s among them
EOF
	# --stdin: a line too large for a message is refused alone
	{ echo stdin-a; head -c 1100000 /dev/zero | tr '\0' c; echo; echo stdin-b; } >"$T/lines"
	run -1 --separate-stderr "$FR" mark --stdin <"$T/lines"
	[[ "$stderr" == *"line 2: too large for one message"* && "$stderr" == *"2 marks taken, 1 refused"* ]]
	run -0 "$FR" stats -F json
	[ "$(jq .control.refused <<<"$output")" -eq 5 ]
	[ "$(jq '.control.malformed' <<<"$output")" -eq 7 ]	# the 64 KiB mark among them
	stop_recorder
	events -t mark "$T/h.frec" >"$T/h.ndjson"
	[ "$(wc -l <"$T/h.ndjson")" -eq 5 ]
	# stats' JSON stays valid UTF-8 whatever the marks hold
	"$FR" stats -F json "$T/h.frec" | python3 -c 'import json, sys; json.loads(sys.stdin.buffer.read().decode("utf-8"))'

	# JSON: every byte kept, the invalid UTF-8 as U+FFFD
	want=$(printf 'quote" back\\ nl\nx tab\t \xef\xbf\xbd\xef\xbf\xbd end')
	[ "$(jq -r 'select(.name == "name with \"quotes\"") | .meta.v' "$T/h.ndjson")" = "$want" ]
	[ "$(jq -r 'select(.name | startswith("name")) | .meta["k.e-y/1_"]' "$T/h.ndjson")" = "x=y" ]
	[ "$(jq -r 'select(.name == "fits") | .meta.v | length' "$T/h.ndjson")" -eq 61000 ]
	# text: one line per mark, quotes and control characters escaped
	run -0 "$FR" dump --wide -t mark "$T/h.frec"
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[0]}" == *'name="name with \"quotes\"" meta.v="quote\" back\\ nl\nx tab\t '* ]]
	[[ "${lines[0]}" == *' end" meta.k.e-y/1_="x=y"' ]]
}

@test "TRACEPARENT labels every event of the command's process tree" {
	TRACEPARENT="00-$TRACE-00f067aa0ba902b7-01" run -0 --separate-stderr "$FR" record -q \
		-e syscalls,process,sched -o "$T/t.frec" -- "$HELPER" --forks 3 --exec /bin/true --getppid 200
	events "$T/t.frec" >"$T/t.ndjson"
	total=$(wc -l <"$T/t.ndjson")
	[ "$total" -gt 400 ]
	# every event is labelled (sched_switch to and from other tasks too:
	# the label is that of the task the event is about)
	[ "$(jq -r "select(.trace != \"$TRACE\") | .type" "$T/t.ndjson" | wc -l)" -eq 0 ]
	# the children's too
	[ "$(jq -r 'select(.type == "process_exec" and .filename == "/bin/true") | .trace' "$T/t.ndjson" |
		sort -u)" = "$TRACE" ]
	[ "$(jq -r 'select(.type == "process_exec" and .filename == "/bin/true")' "$T/t.ndjson" |
		jq -s length)" -eq 3 ]
	# and no other process's: an event carries the trace only when it is
	# about a task of the tree, or switches one in
	cmdpid=$(jq -s -r '[.[] | select(.type == "process_exec" and (.filename | endswith("frhelper")))][0].pid' "$T/t.ndjson")
	tree=$( (echo "$cmdpid"; jq -r "select(.type == \"process_fork\") | .child_pid" "$T/t.ndjson") | sort -u | paste -sd,)
	[ "$(jq -r --argjson tree "[$tree]" 'select(.trace != null) |
		select((.pid as $p | $tree | index($p)) == null and
		       (.type != "sched_switch" or ((.next_pid as $n | $tree | index($n)) == null))) | .type' "$T/t.ndjson" | wc -l)" -eq 0 ]
	# every record was whole (an exec's record is reserved larger than it is)
	[ "$("$FR" dump --info -F json "$T/t.frec" | jq .end.counters.malformed)" -eq 0 ]
	# dump and stats --trace-id select them
	[ "$("$FR" dump -F ndjson --trace-id "$TRACE" "$T/t.frec" | wc -l)" -eq "$total" ]
	run -0 --separate-stderr "$FR" dump --trace-id "$OTHER" "$T/t.frec"
	[ -z "$output" ]
	[[ "$stderr" == *"no event is labelled with trace $OTHER"* ]]
	run -0 "$FR" stats -F json --trace-id "$TRACE" "$T/t.frec"
	[ "$(jq '.syscalls.by_name[] | select(.name == "getppid") | .count' <<<"$output")" -eq 200 ]
	[ "$(jq -r .capture.trace_id <<<"$output")" = "$TRACE" ]
	# --trace-id wins over TRACEPARENT
	TRACEPARENT="00-$TRACE-00f067aa0ba902b7-01" run -0 "$FR" record -q -e syscalls -o "$T/u.frec" \
		--trace-id "$OTHER" -- "$HELPER" --getppid 10
	[ "$(events "$T/u.frec" | jq -r .trace | sort -u)" = "$OTHER" ]
}

@test "mark --trace-id --pid begins a span on a running process, --end ends it; no other process is labelled" {
	mkfifo "$T/a1" "$T/a2" "$T/b1"
	"$HELPER" --name fra --print-pid --wait-fifo "$T/a1" --getppid 500 --forks 2 --exec /bin/true \
		--then-wait-fifo "$T/a2" --then-getppid 300 >"$T/a.pid" 3>&- &
	A=$!
	"$HELPER" --name frb --wait-fifo "$T/b1" --getppid 400 3>&- &
	B=$!
	wait_for_line "$T/a.pid" .
	start_recorder -e syscalls,process -o "$T/s.frec"
	run -0 "$FR" mark begin --trace-id "$TRACE" --pid "$A" --meta step=1
	echo go >"$T/a1"
	echo go >"$T/b1"
	wait "$B"
	# A has made its 500 calls (and waits on a2) once a live snapshot holds them
	for ((i = 0; i < 100; i++)); do
		n=$("$FR" dump --live default -t sys_exit -p "$A" -F ndjson | jq -r 'select(.syscall == "getppid") | .tid' | wc -l)
		[ "$n" -ge 500 ] && break
		sleep 0.2
	done
	[ "$n" -eq 500 ]
	run -0 "$FR" mark end --trace-id "$TRACE" --end
	echo go >"$T/a2"
	wait "$A"
	stop_recorder
	events "$T/s.frec" >"$T/s.ndjson"
	getppid_of() { jq -r "select(.type == \"sys_enter\" and .syscall == \"getppid\" and .comm == \"$1\") | .trace // \"none\"" "$T/s.ndjson" | sort | uniq -c | awk '{ print $2 "=" $1 }' | paste -sd' '; }
	# A's 500 calls inside the span are labelled, its 300 after it are not
	[ "$(getppid_of fra)" = "$TRACE=500 none=300" ]
	# B never is
	[ "$(getppid_of frb)" = "none=400" ]
	# A's children inherit the label
	[ "$(jq -r "select(.type == \"process_exec\" and .filename == \"/bin/true\") | .trace" "$T/s.ndjson" | sort -u)" = "$TRACE" ]
	# nothing else carries it: only A, its children, and the marks (a
	# switch carries the label of the task switched in as well)
	pids=$(jq -r "select(.trace == \"$TRACE\" and .type != \"mark\") | if .type == \"sched_switch\" and .trace != null then .pid, .next_pid else .pid end" "$T/s.ndjson" | sort -u)
	kids=$(jq -r "select(.type == \"process_fork\" and .pid == $A) | .child_pid" "$T/s.ndjson" | sort -u)
	[ "$pids" = "$(printf '%s\n' "$A" $kids | sort -u)" ]
	# the begin and end marks, with their span and the process they name
	[ "$(jq -r 'select(.type == "mark") | "\(.name) \(.span) \(.trace) \(.pid)"' "$T/s.ndjson" | paste -sd,)" = \
		"begin begin $TRACE $A,end end $TRACE $(jq -r 'select(.name == "end") | .pid' "$T/s.ndjson")" ]
	# dump --trace-id: exactly the labelled events and the two marks
	labelled=$(jq -r "select(.trace == \"$TRACE\")" "$T/s.ndjson" | jq -s length)
	[ "$("$FR" dump -F ndjson --trace-id "$TRACE" "$T/s.frec" | wc -l)" -eq "$labelled" ]
	run -0 "$FR" stats -F json --trace-id "$TRACE" "$T/s.frec"
	[ "$(jq '.syscalls.by_name[] | select(.name == "getppid") | .count' <<<"$output")" -eq 500 ]
	# a process that has exited (a zombie not yet reaped) cannot begin a span
	start_recorder -e syscalls -o "$T/z.frec"
	python3 -c 'import os, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
print(pid, flush=True)
time.sleep(30)' >"$T/z.pid" 3>&- &
	Z=$!
	wait_for_line "$T/z.pid" .
	run -1 --separate-stderr "$FR" mark zombie --trace-id "$OTHER" --pid "$(cat "$T/z.pid")"
	[[ "$stderr" == *"cannot label process $(cat "$T/z.pid"): it has exited"* ]]
	kill "$Z"
	stop_recorder
	[ -z "$(events -t mark "$T/z.frec")" ]
	# a process that is gone cannot begin a span
	run -1 --separate-stderr "$FR" mark x --trace-id "$TRACE" --pid "$A" --name nosuch
	[[ "$stderr" == *"no recorder named 'nosuch'"* ]]
}

@test "live stats and dump under a syscall storm agree with what the recorder writes at the end" {
	mkfifo "$T/go" "$T/done"
	"$HELPER" --name frstorm --wait-fifo "$T/go" --getppid 300000 --then-wait-fifo "$T/done" 3>&- &
	H=$!
	start_recorder -e syscalls --comm frstorm -b 256M -o "$T/w.frec"
	echo go >"$T/go"
	# during the storm: consistent snapshots, live figures
	run -0 "$FR" stats -F json
	live1=$(jq .events.received <<<"$output")
	[ "$(jq '.probes[] | select(.name == "sys_enter") | .method' <<<"$output")" = '"tp_btf"' ]
	"$FR" dump --live default -F ndjson >"$T/live1.ndjson"
	jq -r .ts_ns "$T/live1.ndjson" | sort -nc
	# the storm is over when the helper waits on its second fifo
	for ((i = 0; i < 300; i++)); do
		n=$("$FR" stats -F json | jq '.events.by_type.sys_enter.count // 0')
		[ "$n" -ge 300000 ] && break
		sleep 0.1
	done
	[ "$live1" -le "$(jq .events.received <<<"$("$FR" stats -F json)")" ]
	# quiet now (only frstorm is recorded): the live figures, a live dump
	# and trigger --now's capture all agree
	run -0 "$FR" stats -F json
	received=$(jq .events.received <<<"$output")
	# (the helper sits in the open of its second fifo: one entry without its exit yet)
	[ $(($(jq .events.by_type.sys_enter.count <<<"$output") - $(jq .events.by_type.sys_exit.count <<<"$output"))) -le 1 ]
	[ "$(jq .lost.dropped <<<"$output")" -eq 0 ]
	[ "$(jq .lost.overwritten <<<"$output")" -eq 0 ]
	[ "$(jq .ring.size <<<"$output")" -eq $((256 << 20)) ]
	[ "$(jq '.ring.records' <<<"$output")" -eq "$received" ]
	[ "$(jq '.recorder.cpu_s > 0 and .recorder.rss_bytes > 0 and .uptime_s > 0' <<<"$output")" = true ]
	"$FR" dump --live default -F ndjson >"$T/live2.ndjson"
	[ "$(wc -l <"$T/live2.ndjson")" -eq "$received" ]
	[ "$(jq -r 'select(.syscall == "getppid" and .type == "sys_enter") | .type' "$T/live2.ndjson" | wc -l)" -eq 300000 ]
	run -0 --separate-stderr "$FR" trigger --now -o "$T/now.frec"
	[ "$output" = "$T/now.frec" ]
	[ "$(stat -c %a "$T/now.frec")" = 600 ]
	[ "$("$FR" dump --info -F json "$T/now.frec" | jq .events)" -eq "$received" ]
	echo done >"$T/done"
	wait "$H"
	stop_recorder
	# the final capture: what the live figures said, plus the helper's exit
	final=$("$FR" dump --info -F json "$T/w.frec")
	[ "$(jq .end.counters.received <<<"$final")" -ge "$received" ]
	[ "$(jq .end.counters.received <<<"$final")" -le $((received + 20)) ]
	[ "$(events -t sys_enter "$T/w.frec" | jq -r 'select(.syscall == "getppid")' | jq -s length)" -eq 300000 ]
}

@test "trigger answers too: trigger --now and SIGUSR1 write the whole ring, the recorder goes on" {
	mkdir "$T/caps"
	"$FR" trigger -v --name trg --when events.crash --timeout 60s -o "$T/caps/t-%d.frec" 2>"$T/trg.log" 3>&- &
	TRG=$!
	wait_for_line "$T/trg.log" "armed"
	run -0 "$FR" mark in-trigger --name trg
	run -0 --separate-stderr "$FR" trigger --now --name trg
	[[ "$output" == flightrec-trg-*.frec ]]
	[ -s "$output" ]
	run -0 "$FR" dump -t mark "$output"
	[[ "$output" == *"mark name=in-trigger"* ]]
	rm -f flightrec-trg-*.frec
	# SIGUSR1: next to the -o pattern's captures
	kill -USR1 "$TRG"
	wait_for_line "$T/trg.log" "SIGUSR1: wrote $T/caps/flightrec-trg-"
	f=$(ls "$T"/caps/flightrec-trg-*.frec)
	[ "$(stat -c %a "$f")" = 600 ]
	run -0 "$FR" dump -t mark "$f"
	[[ "$output" == *"mark name=in-trigger"* ]]
	# still armed and answering
	run -0 "$FR" stats --name trg -F json
	[ "$(jq -r .kind <<<"$output")" = trigger ]
	# its text says how close each armed expression is, within 80 columns
	run -0 "$FR" stats --name trg
	grep -qE '^armed:      events.crash > 0: (no reading|0% of the way) now, (no reading|0% of the way) at its peak$' <<<"$output"
	[ -z "$(awk 'length > 80' <<<"$output")" ]
	kill -INT "$TRG"
	rc=0
	wait "$TRG" || rc=$?
	[ "$rc" -eq 3 ]
	[ ! -e "$FLIGHTREC_RUNDIR/trg.sock" ]
}

@test "record: SIGUSR1 writes a capture next to the output and prints its path; stats needs no name" {
	mkdir "$T/out"
	start_recorder -e syscalls -o "$T/out/r.frec"
	run -0 "$FR" mark before-signal
	kill -USR1 "$REC"
	wait_for_line "$T/rec.log" "SIGUSR1: wrote $T/out/flightrec-default-"
	f=$(ls "$T"/out/flightrec-default-*.frec)
	run -0 "$FR" dump -t mark "$f"
	[[ "$output" == *"mark name=before-signal"* ]]
	# one recorder running: stats finds it
	run -0 "$FR" stats
	[[ "$output" == *"recorder:   default (flightrec record, pid $REC)"* ]]
	[[ "$output" == *"probes:     tp_btf: "*"sys_enter"* ]]
	[ -z "$(awk 'length > 80' <<<"$output")" ]
	# two: it asks which
	"$FR" record -q -e syscalls --name second -d 30s -o "$T/out/s.frec" 3>&- &
	S=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$FLIGHTREC_RUNDIR/second.sock" ] && break
		sleep 0.1
	done
	run -1 --separate-stderr "$FR" stats
	[[ "$stderr" == *"2 recorders are running (default, second); name one with --name"* ]]
	run -0 "$FR" stats --name second -F json
	[ "$(jq -r .name <<<"$output")" = second ]
	kill -INT "$S"
	wait "$S"
	stop_recorder
	[ -s "$T/out/r.frec" ]
}
