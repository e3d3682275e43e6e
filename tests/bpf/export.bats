#!/usr/bin/env bats
# export.bats: dump -F chrome and the fork counts on a real recording of a
# command the recorder starts, against frhelper's ground truth: it forks
# exactly K children that exec /bin/true, starts T-1 threads, vforks once.
# Needs root (tests/run.sh decides whether to run it).

load ../common
load helpers

# the last name the metadata events of the Chrome trace $1 gave the track
# of process ($2 = process) or thread ($2 = thread) $3
track_name() {
	jq -r --arg what "$2_name" --argjson id "$3" '
		[.traceEvents[] | select(.ph == "M" and .name == $what and
			(if $what == "process_name" then .pid else .tid end) == $id and .pid < 4194305)]
		| last | .args.name' "$1"
}

@test "record -- sh -c 'exec frhelper': Chrome tracks have the exec'd names; forks, vforks and clones counted once" {
	k=4
	run -0 "$FR" record -q -o "$T/cap.frec" -- \
		sh -c "exec '$HELPER' --forks $k --exec /bin/true --threads 3 --getppid 10 --vfork-sleep 0.05"
	# ground truth: K forks, 2 threads, 1 vfork, all by frhelper's main thread
	want=$((k + 2 + 1))
	hp=$(events "$T/cap.frec" | jq -r 'select(.type == "process_exec" and (.filename | endswith("/frhelper"))) | .pid')
	[ -n "$hp" ] && [ "$(wc -w <<<"$hp")" -eq 1 ]
	run -0 "$FR" dump -t process_fork "$T/cap.frec"
	[ "${#lines[@]}" -eq "$want" ]
	[ "$(grep -cE ' process_fork thread=[0-9]+$' <<<"$output")" -eq 2 ]
	[ "$(events -t process_fork "$T/cap.frec" | jq --argjson p "$hp" 'select(.pid == $p)' | jq -s length)" -eq "$want" ]
	# stats counts each once, and each new task's wakeup once
	run -0 "$FR" stats -F json "$T/cap.frec"
	jq -e --argjson w "$want" '.events.by_type.process_fork == $w and .events.by_type.sched_wakeup_new == $w' <<<"$output"
	total=$(jq .events.total <<<"$output")
	run -0 "$FR" dump --info -F json "$T/cap.frec"
	jq -e --argjson n "$total" '.events == $n' <<<"$output"

	"$FR" dump -F chrome "$T/cap.frec" >"$T/c.json"
	jq -e -f "$BATS_TEST_DIRNAME/../cli/chrome-check.jq" "$T/c.json"
	[ "$(jq '[.traceEvents[] | select(.ph == "i" and .name == "process_fork")] | length' "$T/c.json")" -eq "$want" ]
	# the command ran as flightrec until it exec'd sh, then frhelper: its
	# tracks say frhelper, and the children's say true
	[ "$(track_name "$T/c.json" process "$hp")" = frhelper ]
	[ "$(track_name "$T/c.json" thread "$hp")" = frhelper ]
	children=$(events -t process_exec "$T/cap.frec" | jq -r 'select(.filename == "/bin/true") | .pid')
	[ "$(wc -w <<<"$children")" -eq "$k" ]
	for c in $children; do
		[ "$(track_name "$T/c.json" process "$c")" = true ]
	done
	# no track of the command's tree keeps the recorder's name
	tree=$(events -t process_fork "$T/cap.frec" | jq -r '.child_tid' | paste -sd, -)
	[ -z "$(jq -r --argjson t "[$hp,$tree]" '.traceEvents[] | select(.ph == "M" and
		((.tid as $x | $t | index($x)) != null)) | .args.name' "$T/c.json" | grep -x flightrec)" ]
	no_probes_left
}
