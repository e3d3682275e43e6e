#!/bin/bash
# profile.sh: trigger's CPU profile against perf on the same kernel-heavy
# load, over the same seconds: the hottest kernel functions by self
# samples, with each tool's share of the samples, side by side.
#
#   bash bench/profile.sh [POST_SECONDS [REPS]]      (root; needs perf)
#
# The load is dd if=/dev/zero of=/dev/null bs=1M. Both tools sample it at
# once: perf record -a -g (cpu-clock, 999 Hz, CLOCK_BOOTTIME timestamps)
# runs while flightrec trigger fires on the load and profiles its
# post-window (cpu-clock, 99 Hz); perf's samples are then taken from the
# profile's own window, and counted as flightrec counts: the idle tasks
# and flightrec itself left out. For reference, perf report --no-children
# over its whole run follows each table.
set -euo pipefail
cd "$(dirname "$0")/.."
FR=$PWD/flightrec
POST=${1:-10}
REPS=${2:-1}
TOP=5
W=$(mktemp -d /tmp/flightrec-profile.XXXXXX)
LOAD=
PERF=
log() { echo "profile.sh: $*" >&2; }

cleanup() {
	[ -n "$PERF" ] && kill -INT "$PERF" 2>/dev/null && wait "$PERF" 2>/dev/null
	[ -n "$LOAD" ] && kill "$LOAD" 2>/dev/null && wait "$LOAD" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "profile.sh: needs root (BPF, perf -a)" >&2
	exit 1
fi
for t in perf jq; do
	command -v "$t" >/dev/null || { echo "profile.sh: $t is missing (apt-get install linux-perf jq)" >&2; exit 1; }
done
[ -x "$FR" ] || make --no-print-directory flightrec >/dev/null

# "share function" lines, hottest first, of the kernel functions by self
# in flightrec's profile (shares of all its samples, to 0.01)
fr_table() {
	"$FR" dump -F json "$1" | jq -r --argjson n "$TOP" '.capture.trigger.context.profile |
		.samples as $s | [.functions[] | select(.kernel and .self > 0)][:$n][] |
		"\(.self * 10000 / $s | round / 100) \(.function)"'
}

# The same from perf's samples between $2 and $3 (boot seconds), the idle
# tasks (pid 0) and pid $4 left out, every kernel function; "total N" first.
perf_table() {
	perf script -i "$1" --ns -F comm,pid,time,ip,sym 2>/dev/null |
		awk -v t0="$2" -v t1="$3" -v skip="$4" '
		/^[^\t]/ {
			# "comm pid time:", the comm may hold spaces
			t = $NF; sub(/:$/, "", t); pid = $(NF - 1)
			keep = t >= t0 && t <= t1 && pid != 0 && pid != skip
			total += keep; leaf = keep
			if (keep && $1 == "dd" && NF == 3)
				dd++
			next
		}
		/^\t/ && leaf {
			leaf = 0
			# the sampled address: a kernel one has 16 digits, ff...
			if (length($1) == 16 && substr($1, 1, 2) == "ff")
				k[$2]++
		}
		END {
			print "total", total
			printf "dd %.2f\n", total ? 100 * dd / total : 0
			for (f in k)
				printf "%.2f %s\n", total ? 100 * k[f] / total : 0, f | "sort -k1,1gr -k2"
		}'
}

run() {
	local rep=$1 fr_pid t0 t1 total dd_perf dd_fr i

	dd if=/dev/zero of=/dev/null bs=1M 2>/dev/null &
	LOAD=$!
	rm -f "$W/perf.data"
	perf record -a -g -F 999 -k CLOCK_BOOTTIME -o "$W/perf.data" >"$W/perf.log" 2>&1 &
	PERF=$!
	# its file appears as it starts; the events are on right after
	for ((i = 0; i < 200; i++)); do [ -s "$W/perf.data" ] && break; sleep 0.05; done
	sleep 1
	log "run $rep: flightrec trigger --post ${POST}s on dd, perf record -a -g alongside"
	"$FR" trigger -q --when 'cpu.usage > 1% for 1s' --pre 1s --post "${POST}s" -f \
		-o "$W/fr.frec" >"$W/fr.log" 2>&1 &
	fr_pid=$!
	wait "$fr_pid" || { cat "$W/fr.log" >&2; exit 1; }
	kill -INT "$PERF"
	wait "$PERF" || true
	PERF=
	kill "$LOAD"
	wait "$LOAD" 2>/dev/null || true
	LOAD=

	read -r t0 t1 < <("$FR" dump -F json "$W/fr.frec" | jq -r '.capture.trigger |
		"\(.time_ns / 1e9) \((.time_ns + .context.profile.duration_ns) / 1e9)"')
	fr_table "$W/fr.frec" >"$W/fr.tab"
	perf_table "$W/perf.data" "$t0" "$t1" "$fr_pid" >"$W/perf.all"
	total=$(awk '$1 == "total" { print $2 }' "$W/perf.all")
	dd_perf=$(awk '$1 == "dd" { print $2 }' "$W/perf.all")
	grep -vE '^(total|dd) ' "$W/perf.all" >"$W/perf.tab" || true

	echo "run $rep: dd if=/dev/zero of=/dev/null bs=1M"
	echo "  flightrec trigger --post ${POST}s: cpu-clock at 99 Hz, $("$FR" dump -F json "$W/fr.frec" |
		jq -r '.capture.trigger.context.profile | "\(.samples) samples over \(.duration_ns / 1e9 * 100 | round / 100) s"')"
	echo "  perf record -a -g -F 999, the same window: $total samples"
	echo "  (the idle tasks and flightrec left out of both, perf in both)"
	dd_fr=$("$FR" dump -F json "$W/fr.frec" | jq -r '.capture.trigger.context.profile |
		.samples as $s | [.processes[] | select(.comm == "dd") | .samples] | add // 0 |
		. * 100 / $s')
	printf '  samples in dd: flightrec %.2f%%, perf %.2f%%\n' "$dd_fr" "$dd_perf"
	echo
	echo "  kernel functions by self samples, share of all samples"
	printf '  %-44s%s\n' "flightrec" "perf"
	paste -d'|' "$W/fr.tab" <(head -n "$TOP" "$W/perf.tab") | awk -F'|' '{
		split($1, a, " "); split($2, b, " ")
		printf "  %-32s %6.2f%%    %-32s %6.2f%%\n", a[2], a[1], b[2], b[1] }'
	echo
	# flightrec's top 3 against perf's share of the same functions
	awk 'NR == FNR { p[$2] = $1; next }
	     FNR <= 3 { d = $1 - p[$2]; if (d < 0) d = -d; if (d > m) m = d
			printf "  %s: flightrec %.2f%%, perf %.2f%%\n", $2, $1, p[$2] }
	     END { printf "  largest difference over flightrec'"'"'s top 3: %.2f points\n", m }' \
		"$W/perf.tab" "$W/fr.tab"
	echo
	echo "  perf report --no-children (its whole run, its own shares):"
	perf report -i "$W/perf.data" --no-children -g none --stdio --sort comm,dso,sym 2>/dev/null |
		grep '%' | grep -v '^#' | head -n "$TOP" | sed 's/^ */    /' || true
	echo
}

for ((r = 1; r <= REPS; r++)); do
	run "$r"
done
