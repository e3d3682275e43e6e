#!/bin/bash
# ctl.sh: what flightrec ctl's pause and resize cost.
#
#   bash bench/ctl.sh [REPS [OUTDIR]]        (root; after make bench's builds)
#
# 1. build/bench/loop CALLS (getppid calls in one thread, timed around the
#    loop) with no recorder, with `flightrec record -e all` recording, with
#    the same recorder paused by `flightrec ctl pause` (every probe detached
#    but fork and exit), and with every probe attached but a filter that
#    turns every event away as the programs' first checks (--comm of no
#    task, or -p of an idle process): the cost that switching the recorder
#    off inside its BPF programs would have. REPS rounds, configurations in
#    rotating order, RUNS loops each.
# 2. flightrec ctl resize 64M -> 1G -> 64M on a recorder whose 64M ring is
#    full, first while build/bench/storm keeps 2 million events/s coming,
#    then idle: the wall time of each ctl command and the events dropped
#    from just before it to a second after (live stats), against a second
#    with no resize (ctl status).
#
# Writes OUTDIR/ctl.md (the section of RESULTS.md) and the raw figures in
# OUTDIR/ctl-loop.csv and OUTDIR/ctl-resize.csv. Every measurement that runs
# a recorder, and every untraced one, holds the lock $BENCH_LOCK (default
# /tmp/fr-bpf.lock, flock) so that other BPF runs on this machine taking it
# do not overlap; other CPU load may still be there: the load average is
# written with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=${1:-15}
OUTDIR=${2:-bench/ctl}
RUNS=3
CALLS=${CTL_CALLS:-2000000}
RESIZES=${CTL_RESIZES:-5}
RATE=2000000
LOCK=${BENCH_LOCK:-/tmp/fr-bpf.lock}
NAME=bench-ctl
FR=$PWD/flightrec
LOOP=$PWD/build/bench/loop
STORM=$PWD/build/bench/storm

if [ "$(id -u)" -ne 0 ]; then
	echo "ctl.sh: needs root (BPF)" >&2
	exit 1
fi
for b in "$LOOP" "$STORM"; do
	[ -x "$b" ] || { echo "ctl.sh: $b is missing; run make bench" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "ctl.sh: jq is missing" >&2; exit 1; }
mkdir -p "$OUTDIR"
W=$(mktemp -d /tmp/flightrec-ctl.XXXXXX)
export FLIGHTREC_RUNDIR=$W/run
REC= LOAD= IDLE= LFD=
log() { echo "ctl.sh: $*" >&2; }
. bench/common.sh

stop_rec() {
	if [ -n "$REC" ]; then
		kill -INT "$REC" 2>/dev/null || true
		wait "$REC" 2>/dev/null || true
		REC=
	fi
}
stop_load() {
	if [ -n "$LOAD" ]; then
		touch "$W/stop"
		wait "$LOAD" 2>/dev/null || true
		LOAD=
	fi
}
cleanup() {
	stop_load
	stop_rec
	[ -n "$IDLE" ] && { kill "$IDLE" 2>/dev/null; wait "$IDLE" 2>/dev/null; }
	[ -n "$LFD" ] && flock -u "$LFD"
	rm -rf "$W"
}
trap cleanup EXIT

lock() { exec {LFD}>>"$LOCK"; flock "$LFD"; }
unlock() { flock -u "$LFD"; exec {LFD}>&-; LFD=; }

# median, quartiles, min and max of the numbers on stdin:
# "MEDIAN P25 P75 MIN MAX N"
stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan nan nan nan nan 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.6g %.6g %.6g %.6g %.6g %d\n", m, v[int((NR + 3) / 4)],
			v[int((3 * NR + 3) / 4)], v[1], v[NR], NR }'
}

start_rec() {	# record's arguments
	local i
	: >"$W/rec.log"
	"$FR" record -v --name "$NAME" -o "$W/c.frec" -f "$@" 2>"$W/rec.log" &
	REC=$!
	wait_for "$W/rec.log" "flightrec: recording"
	for ((i = 0; i < 200; i++)); do [ -S "$W/run/$NAME.sock" ] && break; sleep 0.05; done
}

live() { "$FR" stats --name "$NAME" -F json; }

# ---- 1. a syscall loop in each state ----

# an idle process for -p: it makes no system call while the loop runs
sleep 100000 &
IDLE=$!
CONFIGS=(untraced recording paused filter-comm filter-pid)
declare -A CMD=(
	[untraced]="(no recorder)"
	[recording]="flightrec record -e all"
	[paused]="flightrec record -e all; flightrec ctl pause"
	[filter-comm]="flightrec record -e all --comm no-such-comm"
	[filter-pid]="flightrec record -e all -p PID (an idle sleep)"
)

one_config() {	# config round
	local cfg=$1 round=$2 k
	lock
	case $cfg in
	untraced) ;;
	recording) start_rec -e all ;;
	paused)
		start_rec -e all
		"$FR" ctl --name "$NAME" -q pause
		live | jq -e '.enabled == false and ([.probes[] | select(.attached)] | length) == 2' \
			>/dev/null || { log "paused: not 2 probes attached"; live >&2; exit 1; } ;;
	filter-comm) start_rec -e all --comm no-such-comm ;;
	filter-pid) start_rec -e all -p "$IDLE" ;;
	esac
	"$LOOP" 100000 >/dev/null	# warm up
	for ((k = 0; k < RUNS; k++)); do
		echo "$cfg,$round,$("$LOOP" "$CALLS" | awk '{ print $1 }')" >>"$OUTDIR/ctl-loop.csv"
	done
	if [ -n "$REC" ]; then
		case $cfg in filter-*)
			# turned away, all of them: nothing reached the ring
			[ "$(live | jq '.events.received - .events.marks')" -eq 0 ] ||
				log "$cfg: the filter let events through" ;;
		esac
	fi
	stop_rec
	unlock
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
log "syscall loop: $REPS rounds of ${#CONFIGS[@]} configurations, $RUNS x $CALLS calls each"
echo "config,round,ns_per_call" >"$OUTDIR/ctl-loop.csv"
for ((rep = 0; rep < REPS; rep++)); do
	for ((c = 0; c < ${#CONFIGS[@]}; c++)); do
		one_config "${CONFIGS[(c + rep) % ${#CONFIGS[@]}]}" "$rep"
	done
done
load_mid=$(cut -d' ' -f1-3 /proc/loadavg)
kill "$IDLE"; wait "$IDLE" 2>/dev/null || true; IDLE=

for cfg in "${CONFIGS[@]}"; do
	echo "$cfg $(awk -F, -v c="$cfg" '$1 == c { print $3 }' "$OUTDIR/ctl-loop.csv" | stats)"
done >"$W/loop.summary"

# ---- 2. resize of a full ring under load ----

dropped() { live | jq '.lost.dropped'; }
ms_of() {	# command...: wall ms, to the microsecond
	local a b
	a=$(date +%s%N)
	"$@" >/dev/null
	b=$(date +%s%N)
	awk -v d=$((b - a)) 'BEGIN { printf "%.3f\n", d / 1e6 }'
}

log "resize: a full 64M ring, $RESIZES x (64M -> 1G -> 64M), with $RATE events/s coming and without"
lock
start_rec -e all -b 64M
# fill: both CPUs flat out, half a second at a time, until the ring is full
fill_start=$(date +%s%N)
for ((i = 0; i < 60; i++)); do
	"$STORM" --seconds 0.5 >/dev/null
	fill=$(live | jq '.ring.fill')
	awk -v f="$fill" 'BEGIN { exit !(f >= 99.5) }' && break
done
fill=$(printf "%.1f" "$fill")
fill_s=$(awk -v d=$(($(date +%s%N) - fill_start)) 'BEGIN { printf "%.1f", d / 1e9 }')
log "ring ${fill}% full after ${fill_s}s"
fill_drop=$(dropped)
echo "load,step,ms,fill_before,dropped_before,dropped_after,discarded" >"$OUTDIR/ctl-resize.csv"
# the command's wall time; the drops from just before it to a second after
step() {	# load name command...
	local load=$1 name=$2 j d0 f0 ms d1 r0 r1
	shift 2
	j=$(live)
	d0=$(jq '.lost.dropped' <<<"$j") f0=$(jq '.ring.fill' <<<"$j") r0=$(jq '.lost.resized' <<<"$j")
	ms=$(ms_of "$@")
	sleep 1
	j=$(live)
	d1=$(jq '.lost.dropped' <<<"$j") r1=$(jq '.lost.resized' <<<"$j")
	printf "%s,%s,%s,%.1f,%s,%s,%s\n" "$load" "$name" "$ms" "$f0" "$d0" "$d1" $((r1 - r0)) \
		>>"$OUTDIR/ctl-resize.csv"
}
cycles() {	# load
	local k
	for ((k = 0; k < RESIZES; k++)); do
		# a request that changes nothing: the command's own cost, and
		# the drops of a second without a resize
		step "$1" status "$FR" ctl --name "$NAME" -q status
		step "$1" 64M-1G "$FR" ctl --name "$NAME" -q resize 1G
		step "$1" 1G-64M "$FR" ctl --name "$NAME" -q resize 64M
	done
}
# a load the recorder keeps up with (a second at a time, until told to stop)
( while [ ! -e "$W/stop" ]; do "$STORM" --rate "$RATE" --seconds 1 >/dev/null; done ) &
LOAD=$!
sleep 1
cycles loaded
stop_load
sleep 1
cycles idle
final=$(live)
stop_rec
unlock
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - t0))
left=$(pgrep -f -- "--name $NAME" || true)
[ -z "$left" ] || { log "recorders left running: $left"; exit 1; }

# per load and step: "MEDIAN P25 P75 MIN MAX N DROPPED FILL_MIN FILL_MAX DISCARDED
# DROPPED_MEDIAN"
for l in loaded idle; do
	for s in status 64M-1G 1G-64M; do
		echo "$(awk -F, -v l="$l" -v s="$s" '$1 == l && $2 == s { print $3 }' "$OUTDIR/ctl-resize.csv" |
			stats) $(awk -F, -v l="$l" -v s="$s" '$1 == l && $2 == s { d += $6 - $5; k += $7
				if (n++ == 0 || $4 < lo) lo = $4; if ($4 > hi) hi = $4 }
				END { printf "%d %s %s %d\n", d, lo, hi, k }' "$OUTDIR/ctl-resize.csv") $(awk -F, \
				-v l="$l" -v s="$s" '$1 == l && $2 == s { print $6 - $5 }' "$OUTDIR/ctl-resize.csv" |
				stats | cut -d' ' -f1)"
	done >"$W/rs.$l"
done

# ---- the report ----

get() { awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$W/loop.summary"; }
base=$(get untraced 2)
iqr=$(awk -v a="$(get untraced 3)" -v b="$(get untraced 4)" 'BEGIN { printf "%.1f", b - a }')
over() { awk -v t="$(get "$1" 2)" -v b="$base" 'BEGIN { printf "%+.1f | %+.1f %%", t - b, 100 * (t - b) / b }'; }
{
	echo "\`bash bench/ctl.sh $REPS\` on $(date -u +%Y-%m-%d), in ${elapsed}s: $(nproc) CPUs, Linux $(uname -r),"
	echo "$("$FR" --version | head -1). Load average $load_before before, $load_mid after the"
	echo "loops, $load_after at the end: other work ran beside it."
	echo
	echo "**Pause.** \`build/bench/loop $CALLS\` ($CALLS getppid calls in one thread, timed"
	echo "around the loop) in each state below: $REPS rounds, configurations in rotating order,"
	echo "a recorder started for each and $RUNS loops timed in it after a warm-up."
	echo "\`filter-*\`: every probe attached, every event turned away by the programs' first"
	echo "checks (\`want()\`: -p compares the tgid, --comm reads and compares the task's name),"
	echo "what switching the recorder off inside its BPF programs would cost."
	echo
	echo "| state | command | ns per call: median (p25-p75; min-max) | runs | overhead ns/call | vs no recorder |"
	echo "|---|---|---|---:|---:|---:|"
	for cfg in "${CONFIGS[@]}"; do
		read -r _ med p25 p75 min max n < <(grep "^$cfg " "$W/loop.summary")
		if [ "$cfg" = untraced ]; then
			o="- | -"
		else
			o=$(over "$cfg")
		fi
		echo "| $cfg | \`${CMD[$cfg]}\` | $med ($p25-$p75; $min-$max) | $n | $o |"
	done
	echo
	pd=$(awk -v t="$(get paused 2)" -v b="$base" 'BEGIN { printf "%.1f", t - b }')
	awk -v d="$pd" -v q="$iqr" -v c="$(get filter-comm 2)" -v p="$(get filter-pid 2)" \
		-v z="$(get paused 2)" -v b="$base" 'BEGIN {
		a = d < 0 ? -d : d
		printf "Paused against no recorder: %+.1f ns per call, %s the untraced runs'"'"' interquartile\n", d,
			a <= q ? "within" : "outside"
		printf "range (%.1f ns). Switched off in BPF costs %.1f (-p) to %.1f (--comm) ns per call more\n", q,
			p - z, c - z
		printf "than paused: %.1f to %.1f ns per event, the two programs entered and left.\n",
			(p - z) / 2, (c - z) / 2
		print (p - z > q ? "Detaching is the cheaper way to switch the recorder off." \
				 : "Detaching and turning events away in BPF cost the same, within noise.") }'
	echo
	echo "**Resize.** \`flightrec record -e all -b 64M --name $NAME\`, its ring filled by"
	echo "\`build/bench/storm\` flat out on both CPUs (${fill} % full after ${fill_s} s$([ "$fill_drop" = 0 ] ||
		echo "; $fill_drop events dropped by then, the storm outrunning the reader")). Then $RESIZES times"
	echo "\`flightrec ctl status\` (a request that changes nothing: the command's own cost, and a"
	echo "second with no resize), \`flightrec ctl resize 1G\`, \`flightrec ctl resize 64M\`, a second"
	echo "apart, first while \`build/bench/storm --rate $RATE\` runs (paced, one child per CPU: a rate"
	echo "the recorder keeps up with), then idle. The wall time of each command, the live"
	echo "\`lost.dropped\` from just before it to a second after, and the oldest events the resize"
	echo "discarded (\`lost.resized\`)."
	echo
	echo "| load | command | ring full before | ms: median (min-max) | dropped: median (all $RESIZES) | discarded (all $RESIZES) |"
	echo "|---|---|---:|---|---:|---:|"
	for l in loaded idle; do
		i=0
		for s in status 64M-1G 1G-64M; do
			i=$((i + 1))
			read -r med p25 p75 min max n d fmin fmax k dm < <(sed -n "${i}p" "$W/rs.$l")
			case $s in status) c="ctl status" ;; 64M-1G) c="ctl resize 1G" ;; 1G-64M) c="ctl resize 64M" ;; esac
			f=$fmin
			[ "$fmin" = "$fmax" ] || f="$fmin-$fmax"
			echo "| $([ $l = loaded ] && echo "$RATE events/s" || echo idle) | \`$c\` | $f % | $(printf "%.1f (%.1f-%.1f)" "$med" "$min" "$max") | $dm ($d) | $k |"
		done
	done
	echo
	echo "Dropped over the whole run after the fill: $(($(jq '.lost.dropped' <<<"$final") - fill_drop))."
	read -r _ _ _ _ _ _ ds _ <<<"$(sed -n 1p "$W/rs.loaded")"
	read -r _ _ _ _ _ _ dg _ _ _ mg <<<"$(sed -n 2p "$W/rs.loaded")"
	read -r _ _ _ _ _ _ dh _ _ _ mh <<<"$(sed -n 3p "$W/rs.loaded")"
	if [ $((dg + dh)) -gt 0 ]; then
		echo "With events coming, a resize drops (median $mg growing, $mh shrinking; $ds in the seconds"
		echo "with no resize): the recorder's main thread, which drains the BPF buffer, is rebuilding"
		echo "the ring meanwhile."
	else
		echo "No event was dropped by a resize, with events coming or not."
	fi
} >"$OUTDIR/ctl.md"
log "wrote $OUTDIR/ctl.md in ${elapsed}s"
