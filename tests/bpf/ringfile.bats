#!/usr/bin/env bats
# ringfile.bats: record --max-size: a ring file written while recording,
# within its bound, readable after a SIGKILL, going on through a full disk.
# Needs root (tests/run.sh decides whether to run it).

load ../common
load helpers

getppid_enters() {
	events -t sys_enter -p "$2" "$1" | grep -c '"syscall":"getppid"' 
}

@test "--max-size: the file stays within its bound, wraps, counts what it overwrote, keeps the newest" {
	run -0 --separate-stderr "$FR" record -e syscalls,process -o "$T/ring.frec" --max-size 1M -- \
		sh -c "'$HELPER' --getppid 2000000; '$HELPER' --print-pid --getppid 1000 >'$T/last.pid'"
	[[ "$stderr" =~ wrote\ .*ring.frec:\ [0-9]+\ events.*\;\ [1-9][0-9]*\ overwritten\ \(file\ full\),\ 0\ never\ written ]]
	[ "$(stat -c %s "$T/ring.frec")" -le 1048576 ]
	[ "$(stat -c %a "$T/ring.frec")" = 600 ]
	# complete: wrap-around is not damage
	"$FR" dump -F ndjson "$T/ring.frec" >"$T/ring.ndjson"
	counters=$("$FR" dump --info -F json "$T/ring.frec" | jq -c .end.counters)
	[ "$(jq .file_overwritten <<<"$counters")" -gt 0 ]
	# what is left is what was stored and not overwritten, in time order
	[ "$(wc -l <"$T/ring.ndjson")" -eq "$(jq '.stored - .file_overwritten' <<<"$counters")" ]
	[ "$(grep -o '"ts_ns":[0-9]*' "$T/ring.ndjson" | cut -d: -f2 | sort -nc && echo sorted)" = sorted ]
	# the newest events are all there: the last helper's 1000 calls
	[ "$(getppid_enters "$T/ring.frec" "$(cat "$T/last.pid")")" -eq 1000 ]
	run -0 "$FR" dump --info "$T/ring.frec"
	[[ "$output" == *"ring file of at most 1.0M"* ]]
	no_probes_left
}

@test "--max-size: after kill -9 the file holds the last second's events" {
	start_recorder -e syscalls,process -o "$T/k.frec" --max-size 16M
	"$HELPER" --print-pid --getppid 777 >"$T/h.pid"
	h=$(cat "$T/h.pid")
	# without stopping the recorder, its events reach the file (bounded wait)
	for ((i = 0; i < 100; i++)); do
		# grep -c prints 0 and fails when there is none yet
		n=$(getppid_enters "$T/k.frec" "$h" 2>/dev/null) || n=${n:-0}
		[ "$n" -eq 777 ] && break
		sleep 0.1
	done
	[ "$n" -eq 777 ]
	kill -KILL "$REC"
	wait "$REC" || true
	[ "$(stat -c %a "$T/k.frec")" = 600 ]
	# exit 1 (no END: the recording did not finish) yet every event is read
	run -1 --separate-stderr "$FR" dump -F ndjson "$T/k.frec"
	[[ "$stderr" == *"incomplete capture: no end record (the recorder was killed"* ]]
	[[ "$stderr" != *"damaged segment"* && "$stderr" != *"checksum"* ]]
	[ "$(getppid_enters "$T/k.frec" "$h" 2>/dev/null)" -eq 777 ]
	# the counters of its last status, and the helper named from /proc
	run -1 --separate-stderr "$FR" dump -F json "$T/k.frec"
	[ "$(jq '.capture.counters.stored > 0' <<<"$output")" = true ]
	[ "$(jq -r --argjson p "$h" '[.events[] | select(.pid==$p and .syscall=="getppid") | .comm] | unique | join(",")' <<<"$output")" = frhelper ]
	no_probes_left
}

@test "--max-size on a full disk: a clear warning, recording goes on, writing resumes when space is back" {
	d="$T/small"
	mkdir "$d"
	mount -t tmpfs -o size=4m tmpfs "$d"
	head -c 3900k /dev/zero >"$d/filler"
	mkfifo "$T/go"
	"$FR" record -e syscalls -o "$d/cap.frec" --max-size 2M -- \
		sh -c "'$HELPER' --getppid 300000; read x <'$T/go'; '$HELPER' --print-pid --getppid 1000 >'$T/last.pid'" \
		2>"$T/rec.log" &
	REC=$!
	wait_for_line "$T/rec.log" "cannot write $d/cap.frec: No space left on device; recording goes on in memory"
	# stalled, the file reads up to its last whole segment
	cp "$d/cap.frec" "$T/stalled.frec"
	run -1 --separate-stderr "$FR" dump "$T/stalled.frec"
	[ "${#lines[@]}" -gt 1000 ]
	[[ "$stderr" == *"incomplete"* && "$stderr" != *"damaged segment"* && "$stderr" != *"checksum"* ]]
	# space comes back: the writer resumes by itself
	rm "$d/filler"
	wait_for_line "$T/rec.log" "$d/cap.frec: writing again"
	echo go >"$T/go"
	wait "$REC"
	[ "$(stat -c %s "$d/cap.frec")" -le 2097152 ]
	run -0 "$FR" dump --info -F json "$d/cap.frec"
	[ "$(jq '.end.counters.stored > 0' <<<"$output")" = true ]
	[ "$(getppid_enters "$d/cap.frec" "$(cat "$T/last.pid")")" -eq 1000 ]
	umount "$d"
	no_probes_left
}

@test "--max-size too small, or malformed: a usage error" {
	run -2 --separate-stderr "$FR" record --max-size 100K -o "$T/x.frec" -- true
	[[ "$stderr" == *"bad --max-size '100K': give a size of at least 1M"* ]]
	run -2 --separate-stderr "$FR" record --max-size lots -o "$T/x.frec" -- true
	[ ! -e "$T/x.frec" ]
}
