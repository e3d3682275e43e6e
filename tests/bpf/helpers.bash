# helpers.bash: set-up and checks shared by the BPF suites.

setup() {
	common_setup
	if [ "$(id -u)" -ne 0 ]; then
		skip "needs root"
	fi
}

teardown() {
	# whatever happened, no recorder and no probe may be left behind
	local i
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

