#!/usr/bin/env bats
# docs.bats: help, man pages and the bash completion name the same commands
# and options, and the completion works.

load ../common

setup() {
	common_setup
	ROOT="$BATS_TEST_DIRNAME/../.."
	COMP="$ROOT/completions/flightrec.bash"
}

# long options a command's --help lists (argp's own left out)
long_options() {
	"$FR" "$1" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u |
		grep -vxE -- '--(help|usage|version)'
}

@test "every command in --help has its place in flightrec(8) and the completion" {
	cmds=$("$FR" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
	[ "$(wc -w <<<"$cmds")" -eq 6 ]
	for c in $cmds; do
		grep -q "^\.B $c\b\|^\.BR $c\b\|^\.TP.*$c\|\\\\fB$c\\\\fP" "$ROOT/man/flightrec.8" || {
			echo "flightrec.8 does not mention $c" >&2
			return 1
		}
		grep -q "_flightrec_commands=.*\b$c\b" "$COMP"
	done
}

@test "every option of record, trigger, dump, stats and mark is in its man page and in the completion" {
	for cmd in record trigger dump stats mark; do
		opts=$(long_options "$cmd")
		[ -n "$opts" ]
		for o in $opts; do
			man_o=${o//-/\\\\-}
			grep -q -- "$man_o" "$ROOT/man/flightrec-$cmd.8" || {
				echo "flightrec-$cmd.8 lacks $o" >&2
				return 1
			}
			grep -q -- "$o" "$COMP" || {
				echo "the completion lacks $cmd $o" >&2
				return 1
			}
		done
	done
}

@test "the man pages render without warnings" {
	command -v man >/dev/null || skip "man is not installed"
	for p in "$ROOT"/man/*.8; do
		run -0 --separate-stderr man --warnings -l "$p"
		[ -z "$stderr" ]
		[[ "$output" == *"SYNOPSIS"* && "$output" == *"EXIT STATUS"* ]]
	done
}

# complete the words given, print the candidates one per line
complete_words() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_flightrec flightrec "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@"
}

@test "the completion completes commands, options and their values" {
	bash -n "$COMP"
	[ "$(complete_words flightrec rec)" = record ]
	[ "$(complete_words flightrec help du)" = dump ]
	[[ "$(complete_words flightrec record --att)" == --attach* ]]
	[ "$(complete_words flightrec record --attach '' | sort | paste -sd' ')" = "auto raw_tp tp_btf tracepoint" ]
	[ "$(complete_words flightrec dump -F '' | sort | paste -sd' ')" = "chrome folded json ndjson text" ]
	[[ "$(complete_words flightrec record -e sched,sys)" == "sched,syscalls" ]]
	[ "$(complete_words flightrec trigger --when runqueue.p9)" = runqueue.p99 ]
	[[ "$(complete_words flightrec trigger --coo)" == --cooldown* ]]
	# after -w EXPR, the next word is COMMAND
	[[ "$(complete_words flightrec trigger -w events.crash bas)" == *bash* ]]
	[[ "$(complete_words flightrec mark --tr)" == --trace-id* ]]
	[ "$(complete_words flightrec dump -t sched,ma)" = sched,mark ]
}

@test "the completion offers the names of the running recorders" {
	mkdir -m 700 "$FLIGHTREC_RUNDIR"
	python3 -c 'import socket, sys
for p in sys.argv[1:]: socket.socket(socket.AF_UNIX).bind(p)' \
		"$FLIGHTREC_RUNDIR/web.sock" "$FLIGHTREC_RUNDIR/db-1.sock"
	touch "$FLIGHTREC_RUNDIR/web.lock" "$FLIGHTREC_RUNDIR/stray.sock.txt"
	[ "$(complete_words flightrec mark --name '' | sort | paste -sd' ')" = "db-1 web" ]
	[ "$(complete_words flightrec dump --live w)" = web ]
	[ "$(complete_words flightrec stats --name d)" = db-1 ]
	[ "$(complete_words flightrec trigger --name '' | sort | paste -sd' ')" = "db-1 web" ]
	[ "$(complete_words flightrec record --name '' | sort | paste -sd' ')" = "db-1 web" ]
	# a trace id is free text; after --live NAME, no FILE is offered
	[ -z "$(complete_words flightrec mark --trace-id '')" ]
	[ -z "$(complete_words flightrec dump --live web '')" ]
}

@test "every metric trigger --list prints is in flightrec-trigger(8) and the completion" {
	metrics=$("$FR" trigger --list | awk '/^  [a-z]+\.[a-z.0-9]+ \(/ { print $1 }')
	[ "$(wc -w <<<"$metrics")" -ge 20 ]
	for m in $metrics; do
		grep -q -- "\\fB$m\|^\.BR* $m\|^$m " "$ROOT/man/flightrec-trigger.8" || {
			echo "flightrec-trigger.8 lacks $m" >&2
			return 1
		}
		grep -q "_flightrec_metrics=.*\b$m\b" "$COMP" || {
			echo "the completion lacks $m" >&2
			return 1
		}
	done
}
