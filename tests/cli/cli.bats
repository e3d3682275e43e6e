#!/usr/bin/env bats
# cli.bats: the command line without BPF: dispatch, help, usage errors, exit
# codes, and dump of good and bad captures (synthetic, written by mkcapture).

load ../common

# a directory an unprivileged user can reach (the bats tmpdir is 0700)
open_dir() {
	local d=/tmp/frtest-open.$BATS_TEST_NUMBER.$$
	mkdir -p "$d" && chmod 777 "$d" && echo "$d"
}

teardown() {
	rm -rf "/tmp/frtest-open.$BATS_TEST_NUMBER.$$"
}

setup() {
	common_setup
	CAP="$T/good.frec"
	"$MKCAP" "$CAP" 100 >/dev/null	# 230 events
}

@test "no arguments: usage on stderr, exit 2" {
	run -2 --separate-stderr "$FR"
	[[ "$stderr" == *"Usage: flightrec"* ]]
	[ -z "$output" ]
}

@test "--help lists every command and exits 0" {
	run -0 "$FR" --help
	for c in record trigger dump stats mark help; do
		[[ "$output" == *"  $c "* ]]
	done
}

@test "--version prints the version and the kernel features" {
	run -0 "$FR" --version
	[[ "${lines[0]}" =~ ^flightrec\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "$output" == *"btf:"* ]]
	[[ "$output" == *"ring buffer:"* ]]
	[[ "$output" == *"tp_btf:"* && "$output" == *"raw_tp:"* && "$output" == *"tracepoint:"* ]]
}

@test "help COMMAND and COMMAND --help show the same options" {
	run -0 "$FR" help record
	a=$output
	run -0 "$FR" record --help
	[ "$a" = "$output" ]
	[[ "$output" == *"--buffer"* && "$output" == *"--duration"* && "$output" == *"--attach"* ]]
	run -0 "$FR" help dump
	[[ "$output" == *"--format"* && "$output" == *"--since"* ]]
}

@test "an unknown command names the closest real one, exit 2" {
	run -2 --separate-stderr "$FR" recrod
	[[ "$stderr" == *"'recrod' is not a flightrec command"* ]]
	[[ "$stderr" == *"Did you mean 'record'?"* ]]
	run -2 --separate-stderr "$FR" help dupm
	[[ "$stderr" == *"Did you mean 'dump'?"* ]]
}

@test "names match exactly: a prefix is not run" {
	run -2 --separate-stderr "$FR" rec --help
	[[ "$stderr" == *"Did you mean 'record'?"* ]]
	[[ "$output" != *"Usage: flightrec record"* ]]
}

@test "mark usage errors exit 2 and name the problem" {
	run -2 --separate-stderr "$FR" mark
	[[ "$stderr" == *"which mark? give a NAME"* ]]
	run -2 --separate-stderr "$FR" mark a b
	[[ "$stderr" == *"one NAME at a time"* ]]
	run -2 --separate-stderr "$FR" mark a --meta novalue
	[[ "$stderr" == *"bad --meta 'novalue'"* ]]
	run -2 --separate-stderr "$FR" mark a --meta 'bad key=1'
	[[ "$stderr" == *"bad --meta"* ]]
	run -2 --separate-stderr "$FR" mark a --meta k=1 --meta k=2
	[[ "$stderr" == *"--meta k given twice"* ]]
	run -2 --separate-stderr "$FR" mark a --trace-id 1234
	[[ "$stderr" == *"bad --trace-id '1234'"* ]]
	run -2 --separate-stderr "$FR" mark a --trace-id 00000000000000000000000000000000
	[[ "$stderr" == *"not all zero"* ]]
	run -2 --separate-stderr "$FR" mark a --end
	[[ "$stderr" == *"--end ends a trace's span"* ]]
	run -2 --separate-stderr "$FR" mark a --pid 0
	[[ "$stderr" == *"bad --pid '0'"* ]]
	run -2 --separate-stderr "$FR" mark a --stdin
	[[ "$stderr" == *"no NAME with it"* ]]
	run -2 --separate-stderr "$FR" mark a --name ../x
	[[ "$stderr" == *"bad --name '../x'"* ]]
	TRACEPARENT=garbage run -2 --separate-stderr "$FR" mark a
	[[ "$stderr" == *"TRACEPARENT 'garbage' is not a W3C traceparent header"* ]]
}

@test "clients without a recorder: a clear message, exit 1" {
	run -1 --separate-stderr "$FR" mark a
	[[ "$stderr" == *"no recorder is running"* ]]
	run -1 --separate-stderr "$FR" mark a --name web
	[[ "$stderr" == *"no recorder named 'web' is running"* ]]
	run -1 --separate-stderr "$FR" stats
	[[ "$stderr" == *"no recorder is running"* ]]
	run -1 --separate-stderr "$FR" dump --live web
	[[ "$stderr" == *"no recorder named 'web' is running"* ]]
	run -1 --separate-stderr "$FR" trigger --now -o "$T/now.frec"
	[[ "$stderr" == *"no recorder is running"* ]]
	[ ! -e "$T/now.frec" ]
	# a killed recorder's socket: still nobody there
	mkdir -m 700 "$FLIGHTREC_RUNDIR"
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
		"$FLIGHTREC_RUNDIR/old.sock"
	run -1 --separate-stderr "$FR" mark a --name old
	[[ "$stderr" == *"refuses connections: its recorder was killed"* ]]
	run -1 --separate-stderr "$FR" stats
	[[ "$stderr" == *"no recorder is running"* ]]
}

@test "live options usage errors exit 2" {
	run -2 --separate-stderr "$FR" dump --live web "$T/x.frec"
	[[ "$stderr" == *"no FILE with it"* ]]
	run -2 --separate-stderr "$FR" dump --live ../x
	[[ "$stderr" == *"bad --live '../x'"* ]]
	run -2 --separate-stderr "$FR" dump --trace-id xyz "$T/x.frec"
	[[ "$stderr" == *"bad --trace-id 'xyz'"* ]]
	run -2 --separate-stderr "$FR" stats --name web "$T/x.frec"
	[[ "$stderr" == *"no FILE with it"* ]]
	run -2 --separate-stderr "$FR" stats -F prometheus
	[[ "$stderr" == *"live figures are text or json"* ]]
	run -2 --separate-stderr "$FR" stats --baseline "$T/x.frec"
	[[ "$stderr" == *"give a FILE"* ]]
	run -2 --separate-stderr "$FR" trigger --now --when events.crash
	[[ "$stderr" == *"--when applies to a recorder that trigger starts, not to --now"* ]]
	run -2 --separate-stderr "$FR" trigger --now -- true
	[[ "$stderr" == *"COMMAND applies to a recorder"* ]]
	run -2 --separate-stderr "$FR" record --name 'a b' -d 1s
	[[ "$stderr" == *"bad --name 'a b'"* ]]
	run -2 --separate-stderr "$FR" record --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 -d 1s
	[[ "$stderr" == *"--trace-id labels a COMMAND's events"* ]]
	TRACEPARENT=00-zz-00-00 run -2 --separate-stderr "$FR" record -o "$T/tp.frec" -- true
	[[ "$stderr" == *"is not a W3C traceparent header"* ]]
	[ ! -e "$T/tp.frec" ]
}

@test "unknown global option: exit 2" {
	run -2 --separate-stderr "$FR" --bogus
	[[ "$stderr" == *"unknown option '--bogus'"* ]]
}

@test "record usage errors exit 2 and name the problem" {
	run -2 --separate-stderr "$FR" record --bogus
	run -2 --separate-stderr "$FR" record -e sched,nope
	[[ "$stderr" == *"unknown probe group 'nope'"* ]]
	run -2 --separate-stderr "$FR" record -e sched,syscals
	[[ "$stderr" == *"unknown probe group 'syscals' in -e; did you mean syscalls?"* ]]
	[[ "$stderr" != *"did you mean"*"did you mean"* ]]
	run -2 --separate-stderr "$FR" record --buffer 12X
	[[ "$stderr" == *"bad --buffer '12X'"* ]]
	run -2 --separate-stderr "$FR" record --buffer 1K
	run -2 --separate-stderr "$FR" record --duration soon
	[[ "$stderr" == *"bad --duration 'soon'"* ]]
	run -2 --separate-stderr "$FR" record --attach kprobe
	[[ "$stderr" == *"bad --attach 'kprobe'"* ]]
	run -2 --separate-stderr "$FR" record -p abc
	run -2 --separate-stderr "$FR" record -p 1 -- true
	[[ "$stderr" == *"cannot be combined"* ]]
}

@test "record refuses to replace a file, or to write through a symlink" {
	touch "$T/exists.frec"
	run -1 --separate-stderr "$FR" record -d 1s -o "$T/exists.frec"
	[[ "$stderr" == *"use --force"* ]]
	ln -s "$T/target" "$T/link.frec"
	run -1 --separate-stderr "$FR" record -d 1s -o "$T/link.frec"
	[[ "$stderr" == *"symbolic link"* ]]
	[ ! -e "$T/target" ]
	[ -L "$T/link.frec" ]
}

@test "record without privileges says what it needs, exit 1, leaves no file" {
	d=$(open_dir)
	if [ "$(id -u)" -eq 0 ]; then
		run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$FR" record -d 1s -o "$d/unpriv.frec"
	else
		run -1 --separate-stderr "$FR" record -d 1s -o "$d/unpriv.frec"
	fi
	[[ "$stderr" == *"needs root or CAP_BPF+CAP_PERFMON"* ]]
	[ ! -e "$d/unpriv.frec" ]
}

@test "trigger without privileges says what it needs, exit 1, writes nothing" {
	d=$(open_dir)
	if [ "$(id -u)" -eq 0 ]; then
		run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$FR" trigger --when events.crash --timeout 2s -o "$d/t-%d.frec"
	else
		run -1 --separate-stderr "$FR" trigger --when events.crash --timeout 2s -o "$d/t-%d.frec"
	fi
	[[ "$stderr" == *"needs root or CAP_BPF+CAP_PERFMON"* ]]
	[ -z "$(ls "$d")" ]
}

@test "record --cgroup with a directory that is not cgroup v2: exit 1" {
	run -1 --separate-stderr "$FR" record --cgroup "$T" -d 1s -o "$T/x.frec"
	[[ "$stderr" == *"not a cgroup v2 directory"* || "$stderr" == *"no cgroup v2"* ]]
	run -1 --separate-stderr "$FR" record --cgroup /nonexistent-cgroup -d 1s -o "$T/x.frec"
	[ ! -e "$T/x.frec" ]
}

@test "dump usage errors exit 2" {
	run -2 --separate-stderr "$FR" dump
	[[ "$stderr" == *"give a FILE"* ]]
	run -2 --separate-stderr "$FR" dump "$CAP" "$CAP"
	run -2 --separate-stderr "$FR" dump -F xml "$CAP"
	[[ "$stderr" == *"bad --format 'xml'"* ]]
	run -2 --separate-stderr "$FR" dump -t sys_exit,bogus "$CAP"
	[[ "$stderr" == *"'bogus'"* ]]
	run -2 --separate-stderr "$FR" dump --since yesterday "$CAP"
	[[ "$stderr" == *"bad --since 'yesterday'"* ]]
}

@test "dump prints one line per event in time order, within 80 columns; --wide every field" {
	run -0 --separate-stderr "$FR" dump "$CAP"
	[ "${#lines[@]}" -eq 230 ]
	[ -z "$stderr" ]
	# wall-clock time to the microsecond, cpu, comm, pid, type, what matters
	[ "${lines[0]}" = "12:30:00.000000 cpu1 synth 4242 process_fork child=synth 4243" ]
	[[ "$output" == *$'\n'"12:30:00.000001 cpu0 synth 4242 sys_exit getppid ret=1 1.000us"$'\n'* ]]
	[[ "$output" == *" process_exec args=\"true 'it'\\\\''s \\\"quoted\\\"'\""* ]]
	[[ "$output" == *" process_exit status=3"$'\n'* ]]
	[ -z "$(awk 'length > 80' <<<"$output")" ]
	# sorted by time
	cut -c1-15 <<<"$output" | sort -c
	# --wide: to the nanosecond, pid/tid, every field as the JSON names it
	run -0 --separate-stderr "$FR" dump --wide "$CAP"
	[ "${#lines[@]}" -eq 230 ]
	[[ "${lines[0]}" =~ ^12:30:00\.000000000\ cpu1\ synth\ 4242/4242\ process_fork\ child_comm=synth\ child_pid=4243\ child_tid=4243\ thread=no$ ]]
	[[ "$output" == *"sys_exit syscall=getppid id=110 ret=1 duration=1.000us"* ]]
	[[ "$output" == *"process_exec filename=/bin/true args=\"true 'it'\\\\''s \\\"quoted\\\"'\""* ]]
	[[ "$output" == *"process_exit exit_code=768 status=3 group_dead=yes"* ]]
}

@test "dump --format ndjson: one valid object per event, documented fields" {
	run -0 bash -c "'$FR' dump -F ndjson '$CAP' | jq -c . | wc -l"
	[ "$output" -eq 230 ]
	run -0 bash -c "'$FR' dump -F ndjson '$CAP' | jq -r 'select(.type==\"sys_exit\") | [.pid, .tid, .comm, .syscall, .ret, .duration_ns] | @tsv' | sort | uniq -c"
	[[ "$output" =~ ^\ *100\ 4242.4242.synth.getppid.1.1000$ ]]
	# boot-to-wall offset 1763900000 s + the first event at 1000 s of boot:
	# exact to the nanosecond
	run -0 bash -c "'$FR' dump -F ndjson '$CAP' | head -2 | jq -r '.time'"
	[ "${lines[0]}" = "2025-11-23T12:30:00.000000000Z" ]
	[ "${lines[1]}" = "2025-11-23T12:30:00.000000010Z" ]
}

@test "dump --format json: one document with the capture and its events" {
	run -0 bash -c "'$FR' dump -F json '$CAP' | jq -r '[(.events|length), .capture.meta.host.hostname, .capture.complete, (.capture.processes[0].cmdline)] | @tsv'"
	[ "$output" = "$(printf '230\tsynth\ttrue\tsynth --test')" ]
}

@test "dump filters: --type, -p, --since and --until" {
	run -0 bash -c "'$FR' dump -t sys_enter '$CAP' | wc -l"
	[ "$output" -eq 100 ]
	run -0 bash -c "'$FR' dump -t process '$CAP' | wc -l"
	[ "$output" -eq 30 ]
	run -0 bash -c "'$FR' dump -t process_exec,sys_exit '$CAP' | wc -l"
	[ "$output" -eq 110 ]
	run -0 bash -c "'$FR' dump -p 4243 '$CAP' | wc -l"
	[ "$output" -eq 2 ]
	run -0 bash -c "'$FR' dump -p 999 '$CAP' 2>/dev/null | wc -l"
	[ "$output" -eq 0 ]
	# nothing printed is said on stderr, with why
	run -0 --separate-stderr "$FR" dump -p 999 "$CAP"
	[ -z "$output" ]
	[[ "$stderr" == *"no event of process 999 in the capture"* ]]
	run -0 --separate-stderr "$FR" dump -p 4243 -t sys_enter "$CAP"
	[ -z "$output" ]
	[[ "$stderr" == *"process 4243 has 2 events, none of the types or trace asked"* ]]
	run -0 --separate-stderr "$FR" dump -p 4243 "$CAP"
	[ -z "$stderr" ]
	# events every 100us from the start: [1ms, 2ms) holds pairs 10..19 and
	# the fork/exec/exit of pair 10
	run -0 bash -c "'$FR' dump --since 1ms --until 2ms '$CAP' | wc -l"
	[ "$output" -eq 23 ]
	# the same window as absolute times
	start=$(( 1763900000000000000 + 1000000000000 ))
	run -0 bash -c "'$FR' dump --since @$(( start / 1000000000 )).001 --until @$(( start / 1000000000 )).002 '$CAP' | wc -l"
	[ "$output" -eq 23 ]
	# and as the time of day dump prints (TZ=UTC here), copied from its output
	first=$("$FR" dump "$CAP" | head -n 1 | cut -d' ' -f1)
	[ "$first" = 12:30:00.000000 ]
	run -0 bash -c "'$FR' dump --since 12:30:00.001 --until 12:30:00.002 '$CAP' | wc -l"
	[ "$output" -eq 23 ]
}

@test "dump needs no privileges" {
	[ "$(id -u)" -eq 0 ] || skip "already unprivileged"
	d=$(open_dir)
	cp "$CAP" "$d/cap.frec"
	chmod 644 "$d/cap.frec"
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups "$FR" dump "$d/cap.frec"
	[ "${#lines[@]}" -eq 230 ]
}

@test "dump into a closed pipe is not an error" {
	"$MKCAP" "$T/big.frec" 100000 >/dev/null
	run -0 --separate-stderr bash -c "set -o pipefail; '$FR' dump '$T/big.frec' | head -1 >/dev/null; echo \${PIPESTATUS[0]}"
	[ "$output" = 0 ]
	[ -z "$stderr" ]
}

@test "dump: a missing file, a directory, an empty file, garbage: one clear error, exit 1" {
	run -1 --separate-stderr "$FR" dump "$T/missing.frec"
	[[ "$stderr" == "flightrec: error: $T/missing.frec: cannot open: No such file or directory" ]]
	run -1 --separate-stderr "$FR" dump "$T"
	[[ "$stderr" == *"is a directory"* ]]
	: >"$T/empty.frec"
	run -1 --separate-stderr "$FR" dump "$T/empty.frec"
	[[ "$stderr" == *"empty file, not a flightrec capture"* ]]
	head -c 10000 /dev/urandom >"$T/garbage.frec"
	run -1 --separate-stderr "$FR" dump "$T/garbage.frec"
	[[ "$stderr" == *"not a flightrec capture"* ]]
	[ -z "$output" ]
	printf 'FLIGHTRC' >"$T/short.frec"
	run -1 --separate-stderr "$FR" dump "$T/short.frec"
	[[ "$stderr" == *"truncated capture"* ]]
}

@test "dump: a capture from a newer format version is refused clearly" {
	cp "$CAP" "$T/newer.frec"
	printf '\x09\x00' | dd of="$T/newer.frec" bs=1 seek=8 conv=notrunc status=none
	run -1 --separate-stderr "$FR" dump "$T/newer.frec"
	[[ "$stderr" == *"capture format version 9 is newer than this flightrec reads (1)"* ]]
}

@test "dump: a truncated capture prints what it can, says so, exit 1" {
	"$MKCAP" "$T/big.frec" 100000 >/dev/null
	size=$(stat -c %s "$T/big.frec")
	head -c $((size / 2)) "$T/big.frec" >"$T/trunc.frec"
	run -1 --separate-stderr "$FR" dump "$T/trunc.frec"
	[ "${#lines[@]}" -gt 1000 ]
	[[ "$stderr" == *"truncated"* ]]
	[[ "$stderr" == *"damaged or incomplete; printed the ${#lines[@]} events"* ]]
}

@test "dump: a flipped byte fails one segment's checksum; the rest is read, exit 1" {
	"$MKCAP" "$T/big.frec" 100000 >/dev/null
	total=$("$FR" dump "$T/big.frec" | wc -l)
	# a byte well inside the first events segment's payload
	printf '\xff' | dd of="$T/big.frec" bs=1 seek=4000 conv=notrunc status=none
	run -1 --separate-stderr "$FR" dump "$T/big.frec"
	[[ "$stderr" == *"checksum mismatch"* ]]
	[ "${#lines[@]}" -gt 0 ]
	[ "${#lines[@]}" -lt "$total" ]
}

@test "dump -q hides the warnings but not the exit status" {
	"$MKCAP" "$T/noend.frec" 10 --no-end >/dev/null
	run -1 --separate-stderr "$FR" dump "$T/noend.frec"
	[[ "$stderr" == *"incomplete capture"* ]]
	[ "${#lines[@]}" -eq 23 ]
	run -1 --separate-stderr "$FR" dump -q "$T/noend.frec"
	[[ "$stderr" != *"warning"* ]]
}

@test "dump --since/--until with times before the recording machine booted, or far away" {
	# the synthetic machine booted at 2025-11-23T12:13:20Z
	run -0 bash -c "'$FR' dump --since 2000-01-01T00:00:00Z '$CAP' | wc -l"
	[ "$output" -eq 230 ]
	run -0 bash -c "'$FR' dump --until 2000-01-01T00:00:00Z '$CAP' | wc -l"
	[ "$output" -eq 0 ]
	run -0 bash -c "'$FR' dump --since 2200-01-01T00:00:00Z '$CAP' | wc -l"
	[ "$output" -eq 0 ]
	run -2 --separate-stderr "$FR" dump --since 9999-01-01T00:00:00Z "$CAP"
	[[ "$stderr" == *"out of range"* ]]
	run -0 bash -c "'$FR' dump --since @0 --until @8999999999 '$CAP' | wc -l"
	[ "$output" -eq 230 ]
	run -2 --separate-stderr "$FR" dump --since @999999999999 "$CAP"
}

@test "dump --info describes the capture: events, span, sizes and ratio" {
	run -0 --separate-stderr "$FR" dump --info "$CAP"
	[[ "$output" == *"capture:     $CAP (complete)"* ]]
	[[ "$output" == *"host:        synth, kernel 6.0.0-synth (x86_64)"* ]]
	[[ "$output" == *"events:      230 in 1 segments, over 9.901ms"* ]]
	[[ "$output" == *"from:        2025-11-23 12:30:00.000000000"* ]]
	[[ "$output" =~ size:\ +[0-9.]+K\ raw,\ [0-9.]+[KB]\ on\ disk\ \([0-9]+\.[0-9]x\) ]]
	# under 80 columns
	[ -z "$(awk 'length($0) > 79' <<<"$output")" ]
	run -0 "$FR" dump --info -F json "$CAP"
	size=$(stat -c %s "$CAP")
	[ "$(jq -r '[.events, .file_bytes, .complete] | @tsv' <<<"$output")" = "$(printf '230\t%s\ttrue' "$size")" ]
	[ "$(jq '(.ratio - .raw_bytes / .file_bytes) | fabs < 1e-9' <<<"$output")" = true ]
	# 100 x (32 + 40) syscall bytes + 10 x (48 fork + 80 exec + 40 exit)
	[ "$(jq '.raw_bytes' <<<"$output")" -eq 8880 ]
}

@test "dump --info on a damaged capture says so, exit 1" {
	"$MKCAP" "$T/noend.frec" 10 --no-end >/dev/null
	run -1 --separate-stderr "$FR" dump --info "$T/noend.frec"
	[[ "$output" == *"(incomplete or damaged)"* ]]
	[[ "$stderr" == *"incomplete capture"* ]]
}

@test "a payload damaged under a sound header: dump --info and stats never call it complete" {
	"$MKCAP" "$T/big.frec" 100000 >/dev/null	# several segments
	size=$(stat -c %s "$T/big.frec")
	printf '\377' | dd of="$T/big.frec" bs=1 seek=$((size / 2)) conv=notrunc status=none
	run -1 --separate-stderr "$FR" dump --info "$T/big.frec"
	[[ "$output" == *"(incomplete or damaged)"* ]]
	[[ "$stderr" == *"segment"* ]]
	run -1 --separate-stderr "$FR" dump --info -F json "$T/big.frec"
	[ "$(jq .complete <<<"$output")" = false ]
	run -1 --separate-stderr "$FR" stats "$T/big.frec"
	[[ "$output" != *"cover everything recorded"* ]]
	[[ "$output" == *"cover what could be read"* ]]
	run -1 --separate-stderr "$FR" stats -F json "$T/big.frec"
	jq -e '(.loss.complete | not) and (.loss.affected | any(.how | test("what could be read"))) and (.headline | any(.kind == "loss"))' <<<"$output"
}

@test "dump --since/--until seeks by the segment index, with the same events as a full scan" {
	"$MKCAP" "$T/big.frec" 100000 >/dev/null	# 5 s of events, several segments
	# pairs 50000..50099 and the fork, exec, exit of every tenth
	run -0 bash -c "'$FR' dump --since 5s --until 5010ms '$T/big.frec' | wc -l"
	[ "$output" -eq 230 ]
	# identical to filtering a full decode (durations aside: a syscall
	# entered in a segment that was skipped has none)
	since=$(( 1000000000000 + 5000000000 )) until=$(( 1000000000000 + 5010000000 ))
	"$FR" dump -F ndjson "$T/big.frec" |
		jq -c --argjson s "$since" --argjson u "$until" 'select(.ts_ns >= $s and .ts_ns < $u) | del(.duration_ns)' >"$T/full"
	"$FR" dump -F ndjson --since 5s --until 5010ms "$T/big.frec" | jq -c 'del(.duration_ns)' >"$T/seek"
	cmp "$T/full" "$T/seek"
	# segments before the window are not even read: damage there goes unseen
	printf '\xff' | dd of="$T/big.frec" bs=1 seek=4000 conv=notrunc status=none
	run -1 --separate-stderr "$FR" dump "$T/big.frec"
	[[ "$stderr" == *"checksum mismatch"* ]]
	run -0 --separate-stderr "$FR" dump --since 5s --until 5010ms "$T/big.frec"
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 230 ]
}
