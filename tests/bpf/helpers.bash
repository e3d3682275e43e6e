# helpers.bash: set-up and checks shared by the BPF suites.

setup() {
	common_setup
	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root"
	fi
}

FUSE="$BATS_TEST_DIRNAME/../../build/tests/frfuse"

teardown() {
	# whatever happened, no recorder and no probe may be left behind
	local i
	# the disk first: its readers end once it answers
	drop_disk
	stop_bg
	pkill -f "$FR (record|trigger)" 2>/dev/null || true
	# a helper a failed test left waiting on its fifo
	pkill -f "$HELPER" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		pgrep -f "$FR (record|trigger)" >/dev/null || break
		sleep 0.1
	done
	if [ -n "${T:-}" ] && mountpoint -q "$T/small" 2>/dev/null; then
		umount "$T/small"
	fi
	if [ -n "${CG:-}" ] && [ -d "$CG" ]; then
		rmdir "$CG" 2>/dev/null || true
	fi
}

# count of flightrec BPF programs loaded in the kernel right now
loaded_progs() {
	bpftool prog show 2>/dev/null |
		grep -cE 'name (sched_switch|sched_wakeup|sched_process|sys_enter|sys_exit|block_rq|mark_victim|fr_profile)' || true
}

# The kernel frees programs after an RCU grace period once their last link
# and fd are gone: wait (bounded) for that to happen.
no_probes_left() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(loaded_progs)" -eq 0 ] && return 0
		sleep 0.1
	done
	echo "flightrec programs still loaded:" >&2
	bpftool prog show >&2
	return 1
}

start_recorder() {
	# a log left by an earlier recorder would answer the wait below before
	# this one's shell has truncated it
	rm -f "$T/rec.log"
	"$FR" record -v "$@" 2>"$T/rec.log" &
	REC=$!
	wait_for_line "$T/rec.log" "flightrec: recording"
}

stop_recorder() {
	kill -INT "$REC"
	wait "$REC"
}


# Run a command in the background, in a process group of its own, for as
# long as the test needs it: stop_bg (or teardown) ends the group.
bg() {
	setsid "$@" >/dev/null 2>&1 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
}

stop_bg() {
	local p
	for p in ${BG_PIDS:-}; do
		kill -- -"$p" 2>/dev/null || true
	done
	for p in ${BG_PIDS:-}; do
		wait "$p" 2>/dev/null || true
	done
	BG_PIDS=""
}

# A disk whose reads take as long as frfuse's options say (--delay-ms N),
# or hang until it lets them go (--hold): a loop device on frfuse's file.
# Sets LOOPDEV; drop_disk (or teardown) takes it away.
slow_disk() {
	command -v losetup >/dev/null || skip "needs losetup"
	[ -c /dev/fuse ] || skip "needs FUSE"
	mkdir -p "$T/fuse"
	"$FUSE" "$T/fuse" "$@" >"$T/fuse.log" 2>&1 3>&- &
	FUSE_PID=$!
	wait_for_line "$T/fuse.log" ready
	LOOPDEV=$(losetup -r --show -f "$T/fuse/disk")
}

# Answer what the disk holds, end its readers, take it away.
drop_disk() {
	[ -n "${FUSE_PID:-}" ] || return 0
	kill -USR1 "$FUSE_PID" 2>/dev/null || true
	stop_bg
	if [ -n "${LOOPDEV:-}" ]; then
		losetup -d "$LOOPDEV" 2>/dev/null || true
	fi
	kill "$FUSE_PID" 2>/dev/null || true
	wait "$FUSE_PID" 2>/dev/null || true
	if mountpoint -q "$T/fuse" 2>/dev/null; then
		umount -l "$T/fuse"
	fi
	FUSE_PID=""
	LOOPDEV=""
}
