#!/usr/bin/env bats
# record.bats: real recordings against ground truth from frhelper, which
# forks exactly K children that exec /bin/true and makes exactly N getppid
# syscalls per thread. Needs root (tests/run.sh decides whether to run it).

load ../common
load helpers

# the pids (tgids) of the helper and every descendant, from the capture
tree_pids() {
	events "$1" | jq -r --argjson root "$2" '
		select(.type == "process_fork") | [.pid, .child_pid] | @tsv' |
		awk -v root="$2" 'BEGIN { t[root] = 1; print root }
			t[$1] && !t[$2] { t[$2] = 1; print $2 }'
}

# Release helpers blocked on the fifo $1: one byte each, and the write end
# held open until they are done so that a late reader still gets its byte.
release() {
	local fifo=$1 n=$2
	exec {GO}>"$fifo"
	head -c "$n" /dev/zero >&$GO
}

release_done() {
	exec {GO}>&-
}

check_command_ground_truth() {
	local cap=$1 method=$2
	local hp forks execs enters exits
	# the helper: the exec of frhelper itself
	hp=$(events "$cap" | jq -r 'select(.type=="process_exec" and (.filename|endswith("/frhelper"))) | .pid')
	[ -n "$hp" ] && [ "$(wc -w <<<"$hp")" -eq 1 ]
	forks=$(events "$cap" | jq --argjson p "$hp" 'select(.type=="process_fork" and .pid==$p)' | jq -s length)
	[ "$forks" -eq 5 ]
	# each child execs /bin/true exactly once, and exits 0
	execs=$(events "$cap" | jq -r 'select(.type=="process_exec" and .filename=="/bin/true") | .pid' | sort -u | wc -l)
	[ "$execs" -eq 5 ]
	[ "$(events -t process_exit "$cap" | jq --argjson p "$hp" 'select(.pid != $p and .status == 0 and .group_dead)' | jq -s length)" -eq 5 ]
	[ "$(events -t process_exit "$cap" | jq -r --argjson p "$hp" 'select(.pid == $p) | .status')" = 3 ]
	# exactly N getppid pairs, all on the helper's own thread
	enters=$(events -t sys_enter "$cap" | jq -r 'select(.syscall=="getppid") | "\(.pid)/\(.tid)"' | sort | uniq -c)
	exits=$(events -t sys_exit "$cap" | jq -r 'select(.syscall=="getppid") | "\(.pid)/\(.tid)"' | sort | uniq -c)
	[[ "$enters" =~ ^\ *1000\ $hp/$hp$ ]]
	[[ "$exits" =~ ^\ *1000\ $hp/$hp$ ]]
	# it was scheduled
	[ "$(events -t sched_switch "$cap" | jq --argjson p "$hp" 'select(.pid==$p or .next_pid==$p)' | jq -s length)" -gt 0 ]
	# nothing from an unrelated process: every event is about the tree
	pids=$(tree_pids "$cap" "$hp" | paste -sd, -)
	strays=$(events "$cap" | jq -c --argjson t "[$pids]" '
		select(((.pid as $p | $t | index($p)) == null) and
		       (.type != "sched_switch" or ((.next_pid as $n | $t | index($n)) == null)))')
	if [ -n "$strays" ]; then
		echo "events from outside the tree ($pids) with $method:" >&2
		head -5 <<<"$strays" >&2
		return 1
	fi
	# the capture says which method attached each probe
	[ "$("$FR" dump -F json "$cap" | jq -r --arg m "$method" '[.capture.meta.probes[] | select(.attached and .method == $m)] | length')" -gt 0 ]
}

@test "record -- COMMAND: exactly its forks, execs, exits and getppid calls, nothing else (tp_btf)" {
	run -3 "$FR" record -q -o "$T/cap.frec" -- "$HELPER" --forks 5 --getppid 1000 --exit 3
	check_command_ground_truth "$T/cap.frec" tp_btf
	[ "$("$FR" dump -F json "$T/cap.frec" | jq '.capture.exit_status')" -eq 3 ]
	run -0 "$FR" dump --info "$T/cap.frec"
	[[ "$output" == *"exit status: 3"* && "$output" == *"probes:      tp_btf: sched_switch"* ]]
	[[ "$output" == *"command:     flightrec record -q -o "* ]]
	# within 80 columns, the command line wrapped; whole in the JSON
	[ -z "$(awk 'length($0) > 80' <<<"$output")" ]
	run -0 "$FR" dump --info -F json "$T/cap.frec"
	[ "$(jq -r .meta.command <<<"$output")" = "flightrec record -q -o $T/cap.frec -- $HELPER --forks 5 --getppid 1000 --exit 3" ]
	# every event line within 80 columns: the exec of the helper's long
	# command line is cut, and stderr says so; --wide has it whole
	run -0 --separate-stderr "$FR" dump "$T/cap.frec"
	[ -z "$(awk 'length($0) > 80' <<<"$output")" ]
	# a switch reads: the state left in, then who ran next
	grep -qE '^[0-9:.]{15} cpu[0-9]+ frhelper [0-9]+ sched_switch [RSDIX] -> .+ [0-9]+(/[0-9]+)?$' <<<"$output"
	grep -qE '^[0-9:.]{15} cpu[0-9]+ frhelper [0-9]+ process_exec args="/.*\.\.\.$' <<<"$output"
	[[ "$stderr" =~ "flightrec: warning: "[0-9]+" line"s?" cut at 80 columns; --wide prints every field, each line whole" ]]
	run -0 --separate-stderr "$FR" dump --wide -t process_exec "$T/cap.frec"
	[[ "$output" == *" filename=$HELPER args=\"$HELPER --forks 5 --getppid 1000 --exit 3\""* ]]
	[ -z "$stderr" ]
}

@test "record -- COMMAND with raw_tp gives the same ground truth" {
	run -3 "$FR" record -q --attach raw_tp -o "$T/cap.frec" -- "$HELPER" --forks 5 --getppid 1000 --exit 3
	check_command_ground_truth "$T/cap.frec" raw_tp
}

@test "record -- COMMAND with classic tracepoints gives the same ground truth" {
	run -3 "$FR" record -q --attach tracepoint -o "$T/cap.frec" -- "$HELPER" --forks 5 --getppid 1000 --exit 3
	check_command_ground_truth "$T/cap.frec" tracepoint
}

@test "syscall records one by one (FLIGHTREC_SYSCALL_BATCH=0) give the same ground truth; -v says which" {
	FLIGHTREC_SYSCALL_BATCH=0 run -3 --separate-stderr "$FR" record -v -o "$T/cap.frec" -- \
		"$HELPER" --forks 5 --getppid 1000 --exit 3
	[[ "$stderr" == *"syscall records go to the ring buffer one by one: FLIGHTREC_SYSCALL_BATCH=0"* ]]
	check_command_ground_truth "$T/cap.frec" tp_btf
	run -3 --separate-stderr "$FR" record -v -e syscalls -o "$T/b.frec" -- "$HELPER" --getppid 10 --exit 3
	[[ "$stderr" == *"syscall records batched per CPU"* ]]
	no_probes_left
}

@test "-v says which attach method each probe uses" {
	run -0 --separate-stderr "$FR" record -v -e syscalls,sched -o "$T/cap.frec" -- true
	[[ "$stderr" =~ probe\ sys_enter\ +attached\ with\ (tp_btf|raw_tp|tracepoint) ]]
	[[ "$stderr" =~ probe\ sched_switch\ +attached\ with\ (tp_btf|raw_tp|tracepoint) ]]
	[[ "$stderr" != *"block_rq_issue"* ]]
}

@test "threads of the command are recorded with their own tids" {
	run -0 "$FR" record -q -e syscalls,process -o "$T/cap.frec" -- "$HELPER" --threads 4 --getppid 500
	hp=$(events "$T/cap.frec" | jq -r 'select(.type=="process_exec") | .pid' | head -1)
	run -0 bash -c "'$FR' dump -F ndjson -t sys_exit '$T/cap.frec' | jq -r 'select(.syscall==\"getppid\") | \"\(.pid) \(.tid)\"' | sort | uniq -c"
	[ "${#lines[@]}" -eq 4 ]
	for l in "${lines[@]}"; do [[ "$l" =~ ^\ *500\ $hp\ [0-9]+$ ]]; done
	[ "$(events -t process_fork "$T/cap.frec" | jq 'select(.thread)' | jq -s length)" -eq 3 ]
}

@test "the command's exit status is returned, 128+N when killed by signal N" {
	run -0 "$FR" record -q -e process -o "$T/a.frec" -- "$HELPER"
	run -42 "$FR" record -q -e process -o "$T/b.frec" -- "$HELPER" --exit 42
	run -137 "$FR" record -q -e process -o "$T/c.frec" -- "$HELPER" --signal 9
	[ "$(events -t process_exit "$T/c.frec" | jq -r 'select(.group_dead) | .signal' | tail -1)" = SIGKILL ]
}

@test "a command that cannot run: exit 127, a clear error, no file left" {
	run -127 --separate-stderr "$FR" record -o "$T/cap.frec" -- /nonexistent/cmd
	[[ "$stderr" == *"cannot run /nonexistent/cmd: No such file or directory"* ]]
	[ ! -e "$T/cap.frec" ]
	no_probes_left
}

# start a recorder in the background and wait until its probes are attached
# Two helpers held on a fifo: $A, started with the options in $1 (the one
# a filter should keep), and $B with those in $2 (one it should not).
start_pair() {
	mkfifo "$T/go"
	# shellcheck disable=SC2086
	"$HELPER" --print-pid --wait-fifo "$T/go" $1 >"$T/a" &
	A=$!
	# shellcheck disable=SC2086
	"$HELPER" --print-pid --wait-fifo "$T/go" $2 >"$T/b" &
	B=$!
	wait_for_line "$T/a" "[0-9]"
	wait_for_line "$T/b" "[0-9]"
}

# Let both run to the end, then stop the recorder.
finish_pair() {
	release "$T/go" 2
	wait "$A" "$B"
	release_done
	stop_recorder
}

# getppid calls of process $2 in capture $1
getppids() {
	events -t sys_enter "$1" | jq --argjson p "$2" 'select(.syscall=="getppid" and .pid==$p)' | jq -s length
}

@test "-p PID records that process and its threads only" {
	start_pair "--threads 2 --getppid 300" "--getppid 300"
	start_recorder -e syscalls -p "$A" -o "$T/cap.frec"
	finish_pair
	[ "$(getppids "$T/cap.frec" "$A")" -eq 600 ]
	[ "$(events "$T/cap.frec" | jq --argjson p "$A" 'select(.pid != $p)' | jq -s length)" -eq 0 ]
}

@test "--comm NAME records tasks of that name only" {
	start_pair "--name fr-wanted --getppid 250" "--name fr-other --getppid 250"
	start_recorder -e syscalls --comm fr-wanted -o "$T/cap.frec"
	finish_pair
	[ "$(getppids "$T/cap.frec" "$A")" -eq 250 ]
	[ "$(events "$T/cap.frec" | jq 'select(.comm != "fr-wanted")' | jq -s length)" -eq 0 ]
}

@test "--cgroup PATH records tasks in that cgroup v2 directory only" {
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$root" ]
	CG="$root/frtest-$$-$BATS_TEST_NUMBER"
	mkdir "$CG"
	start_pair "--cgroup $CG --getppid 400" "--getppid 400"
	start_recorder -e syscalls --cgroup "${CG#"$root"/}" -o "$T/cap.frec"
	finish_pair
	[ "$(getppids "$T/cap.frec" "$A")" -eq 400 ]
	[ "$(events "$T/cap.frec" | jq --argjson p "$A" 'select(.pid != $p)' | jq -s length)" -eq 0 ]
}

@test "a bounded ring under a syscall storm: at its size, overwritten counted, newest kept" {
	run -0 "$FR" record -q -e syscalls,process --buffer 1M -o "$T/cap.frec" -- "$HELPER" --getppid 200000
	meta=$("$FR" dump -F json "$T/cap.frec" | jq -c '.capture')
	ring=$(jq '.meta.ring.size' <<<"$meta")
	used=$(jq '.counters.ring_used_bytes' <<<"$meta")
	over=$(jq '.counters.overwritten' <<<"$meta")
	recv=$(jq '.counters.received' <<<"$meta")
	stored=$(jq '.counters.stored' <<<"$meta")
	[ "$ring" -eq 1048576 ]
	[ "$used" -le "$ring" ]
	[ "$used" -gt $((ring - 1024)) ]	# full, to within one record
	[ "$over" -gt 0 ]
	[ $((stored + over)) -eq "$recv" ]
	# the newest events survive: the helper's last getppid and its exit
	last=$(events "$T/cap.frec" | tail -3 | jq -r '.type + ":" + (.syscall // "")' | paste -sd' ')
	[[ "$last" == *"process_exit:"* ]]
	[ "$(events -t process_exit "$T/cap.frec" | jq -s length)" -ge 1 ]
	# the oldest were aged out: the exec of the helper is gone
	[ "$(events -t process_exec "$T/cap.frec" | jq -s length)" -eq 0 ]
}

@test "a small --buffer (a 64K BPF buffer): the reader is woken in time, nothing dropped" {
	# 2000 calls (176K of records) in batches of 200 (18K), 5 ms apart,
	# 50 ms in all: a reader woken at a quarter full drains each in time;
	# one woken only when its poll (100 ms) times out would lose most of
	# them. Only the command is recorded, so other work on the machine
	# takes none of the buffer.
	run -139 "$FR" record -q -e syscalls,process --buffer 256K -o "$T/small.frec" -- \
		"$HELPER" --getppid 2000 --batch 200 --signal 11
	[ "$(events -t sys_enter "$T/small.frec" | jq 'select(.syscall == "getppid")' | jq -s length)" -eq 2000 ]
	[ "$("$FR" dump --info -F json "$T/small.frec" | jq '.end.counters.dropped')" -eq 0 ]
}

@test "the whole machine: a known workload in every group, then every probe is detached" {
	start_recorder -o "$T/cap.frec"
	"$HELPER" --forks 2 --getppid 100
	stop_recorder
	no_probes_left
	cap=$("$FR" dump -F json "$T/cap.frec")
	hp=$(jq '.events[] | select(.type=="process_exec" and (.filename|endswith("/frhelper"))) | .pid' <<<"$cap")
	[ -n "$hp" ]
	[ "$(jq --argjson p "$hp" '[.events[] | select(.type=="process_fork" and .pid==$p)] | length' <<<"$cap")" -eq 2 ]
	[ "$(jq --argjson p "$hp" '[.events[] | select(.type=="sys_enter" and .syscall=="getppid" and .pid==$p)] | length' <<<"$cap")" -eq 100 ]
	[ "$(jq --argjson p "$hp" '[.events[] | select(.type=="sched_switch" and (.pid==$p or .next_pid==$p))] | length' <<<"$cap")" -gt 0 ]
	[ "$(jq '[.capture.meta.probes[] | select(.attached)] | length' <<<"$cap")" -eq 11 ]
	[ "$(stat -c %a "$T/cap.frec")" = 600 ]
	# self-contained: host, kernel, clock offset, process table
	[ "$(jq -r '.capture.meta.host.kernel' <<<"$cap")" = "$(uname -r)" ]
	[ "$(jq '.capture.meta.clock.boot_to_wall_sec > 1700000000' <<<"$cap")" = true ]
	[ "$(jq '.capture.processes | length' <<<"$cap")" -gt 2 ]
}

@test "--duration stops the recording by itself" {
	run -0 "$FR" record -q -e sched -d 1s -o "$T/cap.frec"
	[ "$("$FR" dump -F json "$T/cap.frec" | jq '(.capture.meta.stop_ns - .capture.meta.start_ns) >= 1e9')" = true ]
	no_probes_left
}

@test "Ctrl-C stops the recorder, writes the capture and detaches every probe" {
	start_recorder -e sched -o "$T/cap.frec"
	[ "$(loaded_progs)" -gt 0 ]
	stop_recorder
	no_probes_left
	[ -s "$T/cap.frec" ]
	"$FR" dump "$T/cap.frec" >/dev/null
}

@test "SIGTERM stops it the same way; SIGKILL leaves no probe attached either" {
	start_recorder -e sched -o "$T/a.frec"
	kill -TERM "$REC"
	wait "$REC"
	"$FR" dump "$T/a.frec" >/dev/null
	start_recorder -e sched -o "$T/b.frec"
	kill -KILL "$REC"
	wait "$REC" || true
	no_probes_left
}

@test "an error after loading detaches everything: unusable output directory" {
	run -1 --separate-stderr "$FR" record -d 1s -o "$T/no/such/dir/cap.frec"
	[[ "$stderr" == *"cannot create $T/no/such/dir/cap.frec: No such file or directory"* ]]
	no_probes_left
}

@test "a live status line on a terminal, none when stderr is not one" {
	script -qfec "'$FR' record -e sched,syscalls -d 1500ms -o '$T/a.frec'" "$T/typescript" >/dev/null
	grep -aE 'recording: [0-9]+ events/s, ring [0-9.]+[BKMG]?/64.0M \([0-9]+%\), overwritten 0, dropped [0-9]+' "$T/typescript"
	run -0 --separate-stderr "$FR" record -e sched -d 1500ms -o "$T/b.frec"
	[[ "$stderr" != *"recording:"* ]]
	[[ "$stderr" != *$'\r'* ]]
	[[ "$stderr" == *"recorded "*" events in "* ]]
}

@test "-p PID: recording stops by itself when that process exits" {
	mkfifo "$T/go"
	"$HELPER" --print-pid --wait-fifo "$T/go" --getppid 10 >"$T/pid" &
	H=$!
	wait_for_line "$T/pid" "[0-9]"
	start_recorder -e syscalls -p "$H" -o "$T/cap.frec"
	release "$T/go" 1
	wait "$H"
	release_done
	wait "$REC"	# no signal: it stops on its own
	grep -q "process $H has exited; stopping" "$T/rec.log"
	[ "$(events -t sys_exit "$T/cap.frec" | jq 'select(.syscall=="getppid")' | jq -s length)" -eq 10 ]
}

@test "a recorder killed with SIGKILL leaves a private file that reads as incomplete, never a crash" {
	start_recorder -e sched -o "$T/cap.frec"
	kill -KILL "$REC"
	wait "$REC" || true
	[ "$(stat -c %a "$T/cap.frec")" = 600 ]
	run -1 --separate-stderr "$FR" dump "$T/cap.frec"
	[[ "$stderr" == *"truncated capture"* || "$stderr" == *"incomplete"* ]]
	no_probes_left
}

@test "block: exactly the command's direct writes, on its disk, each with its latency" {
	# a directory on a real disk (the tmpdir may be tmpfs, where O_DIRECT fails)
	d="$BATS_TEST_DIRNAME/../../build/blktest.$$"
	mkdir -p "$d"
	run -0 "$FR" record -q -e block -o "$T/cap.frec" -- \
		dd if=/dev/zero of="$d/f" bs=4k count=16 oflag=direct status=none
	rm -rf "$d"
	ddpid=$("$FR" dump -F json "$T/cap.frec" | jq '.capture.processes[] | select(.comm=="dd") | .tgid')
	[ -n "$ddpid" ]
	issues=$(events -t block_issue "$T/cap.frec" | jq -c --argjson p "$ddpid" 'select(.pid==$p and .op=="W")')
	completes=$(events -t block_complete "$T/cap.frec" | jq -c --argjson p "$ddpid" 'select(.pid==$p and .op=="W")')
	[ "$(jq -s length <<<"$issues")" -eq 16 ]
	[ "$(jq -s length <<<"$completes")" -eq 16 ]
	[ "$(jq -s 'map(select(.bytes == 4096)) | length' <<<"$completes")" -eq 16 ]
	[ "$(jq -s 'map(select(.latency_ns > 0 and (has("error") | not))) | length' <<<"$completes")" -eq 16 ]
	# the device by name: the disk holding the file system written to
	dev=$(jq -rs '.[0].dev' <<<"$issues")
	part=$(lsblk -no PKNAME,KNAME "$(findmnt -no SOURCE -T "$BATS_TEST_DIRNAME")" 2>/dev/null | awk '{ print ($1 != "" ? $1 : $2) }' | head -1)
	[ "$dev" = "$part" ]
}

@test "a command whose non-leader thread execs is still followed, with all it starts" {
	run -0 "$FR" record -q -e process -o "$T/cap.frec" -- \
		"$HELPER" --thread-exec '/bin/true; /bin/true; :'
	hp=$(events -t process_exec "$T/cap.frec" | jq -r 'select(.filename|endswith("/frhelper")) | .pid')
	# the thread's exec of sh, credited to the process (its tid became the pid)
	[ "$(events -t process_exec "$T/cap.frec" | jq --argjson p "$hp" 'select(.filename=="/bin/sh" and .pid==$p and .tid==$p and .old_tid != null)' | jq -s length)" -eq 1 ]
	# and what sh started
	[ "$(events -t process_fork "$T/cap.frec" | jq --argjson p "$hp" 'select(.pid==$p and (.thread|not))' | jq -s length)" -eq 2 ]
	[ "$(events -t process_exec "$T/cap.frec" | jq 'select(.filename=="/bin/true")' | jq -s length)" -eq 2 ]
}

@test "stopping while COMMAND ignores SIGTERM: it is killed, the capture still written" {
	run -137 --separate-stderr "$FR" record -e process -d 1s -o "$T/cap.frec" -- \
		sh -c 'trap "" TERM; exec sleep 600'
	[[ "$stderr" == *"did not exit on SIGTERM; killing it"* ]]
	[ "$(events -t process_exit "$T/cap.frec" | jq -r 'select(.group_dead) | .signal' | tail -1)" = SIGKILL ]
	no_probes_left
}

@test "the command's events carry its name even without the process group" {
	run -0 "$FR" record -q -e syscalls -o "$T/cap.frec" -- "$HELPER" --getppid 10
	[ "$(events -t sys_exit "$T/cap.frec" | jq -r 'select(.syscall=="getppid") | .comm' | sort -u)" = frhelper ]
}

@test "a capture reads the same where its processes never existed (both layouts)" {
	for layout in linear ring; do
		opts=()
		[ "$layout" = ring ] && opts=(--max-size 1M)
		run -0 "$FR" record -q "${opts[@]}" -o "$T/$layout.frec" -- "$HELPER" --forks 3 --getppid 100
		"$FR" dump "$T/$layout.frec" >"$T/here.txt"
		"$FR" dump -F ndjson "$T/$layout.frec" >"$T/here.ndjson"
		# another "machine": a new PID namespace with its own /proc, where
		# none of the recorded processes exist
		cp "$T/$layout.frec" "$T/copy.frec"
		unshare --pid --fork --mount-proc "$FR" dump "$T/copy.frec" >"$T/there.txt"
		unshare --pid --fork --mount-proc "$FR" dump -F ndjson "$T/copy.frec" >"$T/there.ndjson"
		cmp "$T/here.txt" "$T/there.txt"
		cmp "$T/here.ndjson" "$T/there.ndjson"
		# and dump never looks at this machine's /proc or /sys
		strace -f -e trace=open,openat,stat,newfstatat,access,readlink -o "$T/trace" \
			"$FR" dump "$T/$layout.frec" >/dev/null
		[ "$(grep -cE '"/(proc|sys)/' "$T/trace")" -eq 0 ]
		# every task of the helper's tree has its name from the capture
		[ "$(grep -c ' ? ' "$T/there.txt")" -eq 0 ]
	done
}

@test "seeking past an exec still names the task by its new name" {
	run -0 "$FR" record -q -e process,syscalls -o "$T/cap.frec" -- \
		sh -c "exec '$HELPER' --getppid 300000"
	# a time well after the exec, several segments in
	[ "$("$FR" dump --info -F json "$T/cap.frec" | jq .event_segments)" -gt 4 ]
	t=$("$FR" dump -F ndjson "$T/cap.frec" | sed -n 500000p | jq -r .time)
	run -0 bash -c "'$FR' dump -F ndjson --since '$t' '$T/cap.frec' | jq -r 'select(.syscall==\"getppid\") | .comm' | sort | uniq -c"
	[[ "$output" =~ ^\ *[0-9]+\ frhelper$ ]]
}

@test "a full disk is reported clearly and the capture stays readable up to its last whole segment" {
	d="$T/small"
	mkdir "$d"
	mount -t tmpfs -o size=256k tmpfs "$d"
	run -1 --separate-stderr "$FR" record -q -e syscalls -o "$d/cap.frec" -- "$HELPER" --getppid 1000000
	[[ "$stderr" == *"cannot write $d/cap.frec: No space left on device (the file holds what was written before the disk filled)"* ]]
	run -1 --separate-stderr "$FR" dump "$d/cap.frec"
	[ "${#lines[@]}" -gt 10000 ]
	[[ "$stderr" == *"truncated"* || "$stderr" == *"incomplete"* ]]
	[[ "${lines[0]}" == *"sys_"* ]]
	umount "$d"
	no_probes_left
}

@test "under sudo the capture belongs to the user who ran it, still mode 0600, and reads without sudo" {
	# a directory that user can reach, with a copy of the binary it can run
	d=$(mktemp -d /tmp/flightrec-sudo.XXXXXX)
	chmod 755 "$d"
	cp "$FR" "$d/flightrec"
	SUDO_UID=65534 SUDO_GID=65534 run -0 --separate-stderr "$FR" record -q -e process -o "$d/s.frec" -- true
	[ "$(stat -c '%u %g %a' "$d/s.frec")" = "65534 65534 600" ]
	run -0 --separate-stderr setpriv --reuid 65534 --regid 65534 --clear-groups "$d/flightrec" dump --info "$d/s.frec"
	[[ "$output" == *"(complete)"* ]]
	# not under sudo: root's, as before
	run -0 --separate-stderr "$FR" record -q -e process -o "$d/r.frec" -- true
	[ "$(stat -c '%u %g %a' "$d/r.frec")" = "0 0 600" ]
	rm -rf "$d"
	no_probes_left
}
