#!/bin/bash
# soak.sh: a recorder and an armed trigger left running under a mix that
# churns processes, threads and system calls; their RSS, CPU and counters
# sampled every 10 s. `make bench` runs it for a few minutes; by hand:
#
#   bash bench/soak.sh SECONDS OUTDIR        (e.g. 3600 bench/soak-1h)
#
# writes OUTDIR/soak.csv (one row per sample and recorder), OUTDIR/soak.md
# (the table and the verdict) and, when gnuplot is installed, OUTDIR/soak.png.
# Target: after the first minute, each recorder's RSS stays within 8 MiB of
# its level at one minute, and no event is dropped.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TOTAL=${1:-180}
OUTDIR=${2:-bench/soak}
PROCS_PER_S=${SOAK_PROCS_PER_S:-300}
CRASH_EVERY=${SOAK_CRASH_EVERY:-120}	# a crash for the trigger to fire on
FR=$PWD/flightrec
CHURN=$PWD/build/bench/churn
INTERVAL=10

if [ "$(id -u)" -ne 0 ]; then
	echo "soak: needs root (BPF)" >&2
	exit 1
fi
[ -x "$CHURN" ] || { echo "soak: $CHURN is missing; run make bench" >&2; exit 1; }
mkdir -p "$OUTDIR"
W=$(mktemp -d /tmp/flightrec-soak.XXXXXX)
export FLIGHTREC_RUNDIR=$W/run
REC= TRIG= CH=
cleanup() {
	for p in $CH $REC $TRIG; do kill -INT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
. bench/common.sh

# the rings are sized to fill within the first minute at the mix's rate:
# what the target looks at is what grows after that
REC_CMD=(record -v --name soak-record -b 32M --max-size 16M -o "$W/ring.frec")
TRIG_CMD=(trigger -v --name soak-trigger -b 16M --count 0 -o "$W/fired-%n.frec")
"$FR" "${REC_CMD[@]}" 2>"$W/rec.log" &
REC=$!
"$FR" "${TRIG_CMD[@]}" 2>"$W/trig.log" >"$W/trig.out" &
TRIG=$!
wait_for "$W/rec.log" "flightrec: recording"
wait_for "$W/trig.log" "armed"

"$CHURN" --seconds "$SECONDS_TOTAL" --procs-per-s "$PROCS_PER_S" --threads-per-s 100 \
	--syscalls-per-s 20000 --crash-every "$CRASH_EVERY" --progress "$W/progress" >"$W/churn.out" &
CH=$!
t0=$(date +%s)
hz=$(getconf CLK_TCK)

sample() {	# name pid elapsed
	local name=$1 pid=$2 el=$3 rss cpu j procs
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	cpu=$(awk -v hz="$hz" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$pid/stat")
	j=$("$FR" stats --name "$name" -F json)
	procs=$(awk '{ print $1 }' "$W/progress" 2>/dev/null || echo 0)
	echo "$el,$name,$rss,$cpu,${procs:-0},$(jq -r '[.events.received, .lost.dropped, .tasks.entries,
		.tasks.evicted, (.file_tasks.entries // ""), (.detectors.runnable.entries // ""),
		.ring.fill] | map(tostring) | join(",")' <<<"$j")"
}

echo "seconds,recorder,rss_kb,cpu_s,procs_started,received,dropped,tasks,tasks_evicted,file_tasks,runnable,ring_fill" \
	>"$OUTDIR/soak.csv"
next=0
while kill -0 "$CH" 2>/dev/null; do
	el=$(($(date +%s) - t0))
	if [ "$el" -ge "$next" ]; then
		sample soak-record "$REC" "$el" >>"$OUTDIR/soak.csv"
		sample soak-trigger "$TRIG" "$el" >>"$OUTDIR/soak.csv"
		next=$((next + INTERVAL))
	fi
	sleep 1
done
wait "$CH"
el=$(($(date +%s) - t0))
sample soak-record "$REC" "$el" >>"$OUTDIR/soak.csv"
sample soak-trigger "$TRIG" "$el" >>"$OUTDIR/soak.csv"
read -r _ procs _ threads _ syscalls _ failed _ crashes _ secs <"$W/churn.out"
kill -INT "$REC" "$TRIG"
wait "$REC" || true
wait "$TRIG" || true
fired=$(grep -c ' fired: ' "$W/trig.out" || true)

# ---- the report ----
{
	echo "Workload (\`build/bench/churn --seconds $SECONDS_TOTAL --procs-per-s $PROCS_PER_S --threads-per-s 100 --syscalls-per-s 20000 --crash-every $CRASH_EVERY\`):"
	echo "$procs processes started (fork and exec of /bin/true, reaped at once), $threads threads"
	echo "started and joined, $syscalls getppid calls and $crashes children killed by SIGSEGV, in ${secs}s;"
	echo "the machine's own activity beside it."
	echo "Recorders: \`flightrec ${REC_CMD[*]/$W\//}\` and \`flightrec ${TRIG_CMD[*]/$W\//}\`"
	echo "(whole machine, default groups and detectors; captures the trigger wrote, one per crash"
	echo "outside its 60 s cooldown: $fired)."
	echo "Sampled every ${INTERVAL}s: RSS (VmRSS), CPU (utime + stime), and live stats."
	echo
	for name in soak-record soak-trigger; do
		echo "**$name**"
		echo
		echo "| s | RSS MiB | CPU s | processes started | events received | dropped | tasks held | tasks evicted | file's tasks | runnable timed |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		awk -F, -v n="$name" -v total="$SECONDS_TOTAL" 'NR > 1 && $2 == n {
			rows[++k] = $0 }
			END {
				# every row in a short run; about 30 rows in a long one
				step = k > 40 ? int(k / 30) : 1
				for (i = 1; i <= k; i++) {
					if ((i - 1) % step && i != k) continue
					split(rows[i], f, ",")
					printf "| %d | %.1f | %.1f | %d | %d | %d | %d | %d | %s | %s |\n",
						f[1], f[3] / 1024, f[4], f[5], f[6], f[7], f[8], f[9],
						f[10] == "" ? "-" : f[10], f[11] == "" ? "-" : f[11]
				}
			}' "$OUTDIR/soak.csv"
		echo
	done
	echo "| recorder | RSS at 1 min | RSS max after | RSS at the end | dropped at the end | target | |"
	echo "|---|---:|---:|---:|---:|---|---|"
	for name in soak-record soak-trigger; do
		awk -F, -v n="$name" 'NR > 1 && $2 == n {
			if (base == "" && $1 >= 60) base = $3
			if (base != "" && $3 > max) max = $3
			last = $3; drop = $7 }
			END {
				if (base == "") { base = last; max = last }
				ok = (max - base <= 8192 && drop == 0) ? "met" : "**missed**"
				printf "| %s | %.1f MiB | %.1f MiB | %.1f MiB | %d | within 8 MiB, 0 dropped | %s |\n",
					n, base / 1024, max / 1024, last / 1024, drop, ok }' "$OUTDIR/soak.csv"
	done
} >"$OUTDIR/soak.md"

if command -v gnuplot >/dev/null; then
	gnuplot <<EOF || echo "soak: gnuplot failed; no plot" >&2
set terminal pngcairo size 900,420 font ",10"
set output "$OUTDIR/soak.png"
set datafile separator ","
set title "RSS of a recorder and an armed trigger under process churn ($procs processes in ${secs}s)"
set xlabel "seconds"
set ylabel "RSS (MiB)"
set y2label "processes started (thousands)"
set y2tics
set ytics nomirror
set key right center
set grid
plot "< grep soak-record $OUTDIR/soak.csv" using 1:(\$3/1024) with linespoints title "record --max-size 16M (-b 32M)", \
     "< grep soak-trigger $OUTDIR/soak.csv" using 1:(\$3/1024) with linespoints title "trigger (-b 16M)", \
     "< grep soak-record $OUTDIR/soak.csv" using 1:(\$5/1000) axes x1y2 with lines dashtype 2 title "processes started"
EOF
fi
echo "soak: wrote $OUTDIR/soak.md" >&2
