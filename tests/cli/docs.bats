#!/usr/bin/env bats
# docs.bats: help, man pages and the bash, zsh and fish completions name the
# same commands and options, and the completions work.

load ../common

setup() {
	common_setup
	ROOT="$BATS_TEST_DIRNAME/../.."
	COMP="$ROOT/completions/flightrec.bash"
	ZSH_COMP="$ROOT/completions/_flightrec"
	FISH_COMP="$ROOT/completions/flightrec.fish"
}

# the commands --help lists
commands() {
	"$FR" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'
}

# long options a command's --help lists (argp's own left out): those that
# start a line, "  -x, --opt" or "      --opt", not the ones the text names
long_options() {
	"$FR" "$1" --help | grep -oE -- '^(  -[^ -], |      )--[a-z][a-z-]*' |
		grep -oE -- '--[a-z][a-z-]*$' | sort -u |
		grep -vxE -- '--(help|usage|version)'
}

@test "every command in --help has its place in flightrec(8) and the completions" {
	cmds=$(commands)
	[ "$(wc -w <<<"$cmds")" -eq 7 ]
	for c in $cmds; do
		grep -q "^\.B $c\b\|^\.BR $c\b\|^\.TP.*$c\|\\\\fB$c\\\\fP" "$ROOT/man/flightrec.8" || {
			echo "flightrec.8 does not mention $c" >&2
			return 1
		}
		grep -q "_flightrec_commands=.*\b$c\b" "$COMP"
		# zsh: "CMD:description" in _flightrec_commands
		grep -q "^ *'$c:" "$ZSH_COMP" || {
			echo "the zsh completion lacks $c" >&2
			return 1
		}
		grep -qE -- "-a $c( |\$)" "$FISH_COMP" || {
			echo "the fish completion lacks $c" >&2
			return 1
		}
	done
}

@test "every option of record, trigger, dump, stats, mark and ctl is in its man page and in the completions" {
	for cmd in record trigger dump stats mark ctl; do
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
			# zsh: a spec of _flightrec_CMD, "--opt=[", "--opt[" or "--opt}"
			sed -n "/^_flightrec_$cmd()/,/^}/p" "$ZSH_COMP" | grep -qE -- "$o[=[}]" || {
				echo "the zsh completion lacks $cmd $o" >&2
				return 1
			}
			grep -qE -- "-l ${o#--}( |\$)" "$FISH_COMP" || {
				echo "the fish completion lacks $cmd $o" >&2
				return 1
			}
		done
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

@test "the bash completion completes commands, options and their values" {
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
	[ "$(complete_words flightrec dump --cl)" = --clear ]
}

@test "the bash completion completes ctl: its actions, their GROUPS, no SIZE" {
	[ "$(complete_words flightrec ct)" = ctl ]
	[ "$(complete_words flightrec ctl '' | sort | paste -sd' ')" = \
		"clear disable enable pause resize resume status" ]
	[ "$(complete_words flightrec ctl re | sort | paste -sd' ')" = "resize resume" ]
	[ "$(complete_words flightrec ctl enable '' | sort | paste -sd' ')" = "all block process sched syscalls" ]
	[ "$(complete_words flightrec ctl -q disable sched,sys)" = sched,syscalls ]
	[ "$(complete_words flightrec ctl -F '' | sort | paste -sd' ')" = "json text" ]
	# SIZE is free text, and pause takes no argument
	[ -z "$(complete_words flightrec ctl resize '')" ]
	[ -z "$(complete_words flightrec ctl pause '')" ]
	[ -z "$(complete_words flightrec ctl enable syscalls '')" ]
}

# control sockets of two recorders, web and db-1, and files that are not
# ones
make_recorders() {
	mkdir -m 700 "$FLIGHTREC_RUNDIR"
	python3 -c 'import socket, sys
for p in sys.argv[1:]: socket.socket(socket.AF_UNIX).bind(p)' \
		"$FLIGHTREC_RUNDIR/web.sock" "$FLIGHTREC_RUNDIR/db-1.sock"
	touch "$FLIGHTREC_RUNDIR/web.lock" "$FLIGHTREC_RUNDIR/stray.sock.txt" \
		"$FLIGHTREC_RUNDIR/old.sock"
}

@test "the bash completion offers the names of the running recorders" {
	make_recorders
	[ "$(complete_words flightrec mark --name '' | sort | paste -sd' ')" = "db-1 web" ]
	[ "$(complete_words flightrec dump --live w)" = web ]
	[ "$(complete_words flightrec stats --name d)" = db-1 ]
	[ "$(complete_words flightrec trigger --name '' | sort | paste -sd' ')" = "db-1 web" ]
	[ "$(complete_words flightrec record --name '' | sort | paste -sd' ')" = "db-1 web" ]
	[ "$(complete_words flightrec ctl --name '' | sort | paste -sd' ')" = "db-1 web" ]
	[ "$(complete_words flightrec ctl --name web dis)" = disable ]
	# a trace id is free text; after --live [NAME], no FILE is offered
	[ -z "$(complete_words flightrec mark --trace-id '')" ]
	[ -z "$(complete_words flightrec dump --live web '')" ]
	[ -z "$(complete_words flightrec dump --live --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 '')" ]
	[[ "$(complete_words flightrec dump --live --tr)" == --trace-id* ]]
}

@test "every metric trigger --list prints is in flightrec-trigger(8) and the completions" {
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
		grep -q "^ *'$m:" "$ZSH_COMP" || {
			echo "the zsh completion lacks $m" >&2
			return 1
		}
		grep -q "^ *$m\\\\t" "$FISH_COMP" || {
			echo "the fish completion lacks $m" >&2
			return 1
		}
	done
}

@test "every action ctl --help lists is in flightrec-ctl(8) and the completions" {
	actions=$("$FR" ctl --help | awk '/^Actions:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
	[ "$(wc -w <<<"$actions")" -eq 7 ]
	for a in $actions; do
		grep -q -- "^\.B $a$\|^\.BI $a \"" "$ROOT/man/flightrec-ctl.8" || {
			echo "flightrec-ctl.8 lacks the action $a" >&2
			return 1
		}
		grep -q "_flightrec_actions=.*\b$a\b" "$COMP" || {
			echo "the completion lacks $a" >&2
			return 1
		}
		grep -q "\b$a\\\\:" "$ZSH_COMP" || {
			echo "the zsh completion lacks $a" >&2
			return 1
		}
		grep -q "^ *$a\\\\t" "$FISH_COMP" || {
			echo "the fish completion lacks $a" >&2
			return 1
		}
	done
}

@test "every figure stats --fail-if takes is in flightrec-stats(8) and the completions" {
	# the fixed names of the table of figures (NAME, DEV and TYPE stand for names)
	figures=$(grep -oE '\{ "[a-z_]+\.[a-z_0-9]+"' "$ROOT/lib/report/gate.c" | tr -d '{" ')
	[ "$(wc -w <<<"$figures")" -ge 20 ]
	for f in $figures; do
		grep -q -- "\\fB$f\|^\.BR* $f\|[ \"]$f\b" "$ROOT/man/flightrec-stats.8" || {
			echo "flightrec-stats.8 lacks $f" >&2
			return 1
		}
		grep -q "_flightrec_figures=.*\b$f\b" "$COMP" || {
			echo "the completion lacks $f" >&2
			return 1
		}
		grep -qE "^ +(.* )?$f( |$)" "$ZSH_COMP" || {
			echo "the zsh completion lacks $f" >&2
			return 1
		}
		grep -qE "( |^)$f( |$)" "$FISH_COMP" || {
			echo "the fish completion lacks $f" >&2
			return 1
		}
	done
}

# Files to complete in $T/files: a capture, another file, a directory.
make_files() {
	mkdir -p "$T/files/sub"
	touch "$T/files/a.frec" "$T/files/b.txt"
}

# fish: complete the line $1 (in $T/files), print the candidates one per
# line, without their descriptions. fish loads a command's completion only
# when the command is in $PATH. frtestcmd has a completion of its own, for
# the COMMAND of record and trigger.
fish_complete() {
	mkdir -p "$T/bin" "$T/files" "$T/xdg"
	ln -sf "$(realpath "$FR")" "$T/bin/flightrec"
	(cd "$T/files" &&
		XDG_CONFIG_HOME="$T/xdg" XDG_DATA_HOME="$T/xdg" XDG_CACHE_HOME="$T/xdg" \
			PATH="$T/bin:$PATH" fish -c '
				set -p fish_complete_path $argv[1]
				complete -c frtestcmd -l frtest-opt
				complete -C $argv[2] | string replace -r -- "\t.*" ""' \
			"$(realpath "$ROOT/completions")" "$1")
}

# the candidates sorted, on one line
fish_words() {
	fish_complete "$1" | sort | paste -sd' '
}

@test "the fish completion loads and names every command and option" {
	command -v fish >/dev/null || skip "fish is not installed"
	run -0 --separate-stderr fish --no-execute "$FISH_COMP"
	[ -z "$stderr" ]
	run -0 --separate-stderr fish --no-config -c 'source $argv[1]' "$FISH_COMP"
	[ -z "$stderr" ]
	[ "$(fish_words 'flightrec ')" = "$(commands | sort | paste -sd' ')" ]
	[ "$(fish_words 'flightrec help ')" = "$(commands | sort | paste -sd' ')" ]
	for cmd in record trigger dump stats mark ctl; do
		offered=$(fish_complete "flightrec $cmd --")
		for o in $(long_options "$cmd") --help --usage --version; do
			grep -qx -- "$o" <<<"$offered" || {
				echo "fish does not offer $cmd $o" >&2
				return 1
			}
		done
	done
}

@test "the fish completion completes option values, captures and COMMAND" {
	command -v fish >/dev/null || skip "fish is not installed"
	make_files
	[ "$(fish_words 'flightrec rec')" = record ]
	[ "$(fish_words 'flightrec dump --f')" = --format ]
	[ "$(fish_words 'flightrec record -e ')" = "all block process sched syscalls" ]
	[ "$(fish_words 'flightrec record -e sched,sys')" = sched,syscalls ]
	[ "$(fish_words 'flightrec trigger --events=sched,b')" = --events=sched,block ]
	[ "$(fish_words 'flightrec record --attach ')" = "auto raw_tp tp_btf tracepoint" ]
	[ "$(fish_words 'flightrec dump -F ')" = "chrome folded json ndjson text" ]
	[ "$(fish_words 'flightrec stats -F ')" = "json prometheus text" ]
	[ "$(fish_words 'flightrec dump -t sched,ma')" = sched,mark ]
	[ "$(fish_words 'flightrec trigger --when runqueue.p9')" = runqueue.p99 ]
	[ "$(fish_words 'flightrec stats --fail-if runqueue.p9')" = "runqueue.p90 runqueue.p99" ]
	# captures first, then directories and other files
	[ "$(fish_complete 'flightrec dump ' | head -n 2 | paste -sd' ')" = "a.frec sub/" ]
	[ "$(fish_complete 'flightrec stats --baseline ' | head -n 1)" = a.frec ]
	# one FILE only
	[ -z "$(fish_complete 'flightrec dump a.frec ')" ]
	# free text: nothing to offer
	[ -z "$(fish_complete 'flightrec record -d ')" ]
	[ -z "$(fish_complete 'flightrec mark --meta ')" ]
	# COMMAND and its arguments, after "--" or the options
	[[ " $(fish_words 'flightrec trigger -w events.crash bas') " == *" bash "* ]]
	[ "$(fish_words 'flightrec record -o x.frec -- frtestcmd --frt')" = --frtest-opt ]
	[ "$(fish_words 'flightrec record -fo x.frec frtestcmd --frt')" = --frtest-opt ]
	[ "$(fish_words 'flightrec trigger -- frtestcmd --frt')" = --frtest-opt ]
	# ctl: its actions, their GROUPS, no SIZE; dump --clear
	[ "$(fish_words 'flightrec ctl ')" = "clear disable enable pause resize resume status" ]
	[ "$(fish_words 'flightrec ctl -q enable ')" = "all block process sched syscalls" ]
	[ "$(fish_words 'flightrec ctl disable sched,sys')" = sched,syscalls ]
	[ "$(fish_words 'flightrec ctl -F ')" = "json text" ]
	[ -z "$(fish_complete 'flightrec ctl resize ')" ]
	[ -z "$(fish_complete 'flightrec ctl pause ')" ]
	[ "$(fish_words 'flightrec dump --cl')" = --clear ]
}

@test "the fish completion offers the names of the running recorders" {
	command -v fish >/dev/null || skip "fish is not installed"
	make_recorders
	[ "$(fish_words 'flightrec mark --name ')" = "db-1 web" ]
	[ "$(fish_words 'flightrec mark --name=w')" = --name=web ]
	[ "$(fish_words 'flightrec dump --live w')" = web ]
	[ "$(fish_words 'flightrec stats --name d')" = db-1 ]
	[ "$(fish_words 'flightrec trigger --name ')" = "db-1 web" ]
	[ "$(fish_words 'flightrec record --name ')" = "db-1 web" ]
	[ "$(fish_words 'flightrec ctl --name ')" = "db-1 web" ]
	[ "$(fish_words 'flightrec ctl --name web ')" = "clear disable enable pause resize resume status" ]
	[ -z "$(fish_complete 'flightrec mark --trace-id ')" ]
	# after --live NAME or --name NAME, no FILE is offered
	[ -z "$(fish_complete 'flightrec dump --live web ')" ]
	[ -z "$(fish_complete 'flightrec stats --name web ')" ]
}

# zsh: complete the line $1 (in $T/files) in an interactive zsh on a
# pseudo-terminal, with a compadd that also writes down what it adds;
# print the candidates, sorted, one per line. frtestcmd has a completion of
# its own, for the COMMAND of record and trigger.
zsh_complete() {
	mkdir -p "$T/files"
	cat >"$T/zcomp.zsh" <<'ZSH'
zmodload zsh/zpty || exit 2
dir=$1 line=$2 out=$3
zpty z zsh -f -i
zpty -w z "PS1='' PS2='' fpath=(${(q)dir} \$fpath) OUT=${(q)out}"
zpty -w z 'autoload -U compinit; compinit -u -D'
zpty -w z '_frtestcmd() { compadd -- --frtest-opt }; compdef _frtestcmd frtestcmd'
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-[OAD]\ * ]]; then builtin compadd "$@"; return; fi; local -a m; builtin compadd -O m "$@"; __matches+=("$m[@]"); builtin compadd "$@" }'
zpty -w z '_capture() { typeset -ga __matches=(); _main_complete; print -rl -- $__matches >$OUT.tmp; mv $OUT.tmp $OUT }'
zpty -w z 'zle -C capture complete-word _capture; bindkey "^I" capture'
zpty -w -n z "$line"$'\t'
for i in {1..300}; do
	[[ -e $out ]] && break
	sleep 0.05
done
zpty -d z
[[ -e $out ]] || { print -u2 "no completion for '$line'"; exit 1 }
ZSH
	rm -f "$T/zcomp.out"
	(cd "$T/files" && zsh -f "$T/zcomp.zsh" "$(realpath "$ROOT/completions")" "$1" "$T/zcomp.out")
	sort -u "$T/zcomp.out"
}

zsh_words() {
	zsh_complete "$1" | paste -sd' '
}

@test "the zsh completion loads and names every command and option" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -n "$ZSH_COMP"
	[ "$(head -n 1 "$ZSH_COMP")" = "#compdef flightrec" ]
	# sourced: defines _flightrec and registers it
	run -0 --separate-stderr zsh -fc 'autoload -U compinit; compinit -u -D
		source $1
		(( $+functions[_flightrec] )) && [[ $_comps[flightrec] == _flightrec ]]' _ "$ZSH_COMP"
	[ -z "$stderr" ]
	# from $fpath: compinit finds it by its #compdef line
	run -0 --separate-stderr zsh -fc 'fpath=($1 $fpath); autoload -U compinit; compinit -u -D
		[[ $_comps[flightrec] == _flightrec ]] && autoload +X _flightrec' _ "$(realpath "$ROOT/completions")"
	[ -z "$stderr" ]
	[ "$(zsh_words 'flightrec ')" = "$(commands | sort | paste -sd' ')" ]
	[ "$(zsh_words 'flightrec help ')" = "$(commands | sort | paste -sd' ')" ]
	for cmd in record trigger dump stats mark ctl; do
		offered=$(zsh_complete "flightrec $cmd --")
		for o in $(long_options "$cmd") --help --usage --version; do
			grep -qx -- "$o" <<<"$offered" || {
				echo "zsh does not offer $cmd $o" >&2
				return 1
			}
		done
	done
}

@test "the zsh completion completes option values, captures, COMMAND and recorders" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	make_files
	make_recorders
	[ "$(zsh_words 'flightrec rec')" = record ]
	[ "$(zsh_words 'flightrec dump --f')" = --format ]
	[ "$(zsh_words 'flightrec record -e ')" = "all block process sched syscalls" ]
	[ "$(zsh_words 'flightrec record -e sched,')" = "all block process syscalls" ]
	[ "$(zsh_words 'flightrec trigger --events=sched,b')" = block ]
	[ "$(zsh_words 'flightrec record --attach ')" = "auto raw_tp tp_btf tracepoint" ]
	[ "$(zsh_words 'flightrec dump -F ')" = "chrome folded json ndjson text" ]
	[ "$(zsh_words 'flightrec stats -F ')" = "json prometheus text" ]
	[ "$(zsh_words 'flightrec dump -t sched,ma')" = mark ]
	[ "$(zsh_words 'flightrec trigger --when runqueue.p9')" = runqueue.p99 ]
	# captures and directories; other files when nothing else matches
	[ "$(zsh_words 'flightrec dump ')" = "a.frec sub" ]
	[ "$(zsh_words 'flightrec stats --baseline ')" = "a.frec sub" ]
	[ "$(zsh_words 'flightrec dump b')" = b.txt ]
	# COMMAND and its arguments, after "--" or the options
	[[ " $(zsh_words 'flightrec trigger -w events.crash bas') " == *" bash "* ]]
	[ "$(zsh_words 'flightrec record -- frtestcmd --frt')" = --frtest-opt ]
	[ "$(zsh_words 'flightrec record -fo x.frec frtestcmd --frt')" = --frtest-opt ]
	# the running recorders
	[ "$(zsh_words 'flightrec mark --name ')" = "db-1 web" ]
	[ "$(zsh_words 'flightrec dump --live=w')" = web ]
	[ "$(zsh_words 'flightrec stats --name d')" = db-1 ]
	[ "$(zsh_words 'flightrec record --name ')" = "db-1 web" ]
	# no FILE after --live NAME
	[[ "$(zsh_words 'flightrec dump --live web ')" != *a.frec* ]]
	[ "$(zsh_words 'flightrec dump --cl')" = --clear ]
	# ctl: its actions, their GROUPS, the recorders
	[ "$(zsh_words 'flightrec ctl ')" = "clear disable enable pause resize resume status" ]
	[ "$(zsh_words 'flightrec ctl enable ')" = "all block process sched syscalls" ]
	[ "$(zsh_words 'flightrec ctl disable sched,')" = "all block process syscalls" ]
	[ -z "$(zsh_words 'flightrec ctl resize ')" ]
	[ "$(zsh_words 'flightrec ctl --name ')" = "db-1 web" ]
	[ "$(zsh_words 'flightrec ctl --name web ')" = "clear disable enable pause resize resume status" ]
}

@test "the completions offer no option a command does not have" {
	for cmd in record trigger dump stats mark ctl; do
		have=$( (long_options "$cmd"; printf '%s\n' --help --usage --version) | sort -u)
		for o in $(complete_words flightrec "$cmd" -- | sed 's/=$//' | grep -E -- '^--[a-z]' | sort -u); do
			grep -qx -- "$o" <<<"$have" || {
				echo "the bash completion offers $cmd $o, which $cmd --help does not list" >&2
				return 1
			}
		done
		if command -v fish >/dev/null; then
			for o in $(fish_complete "flightrec $cmd --" | grep -E -- '^--[a-z]' | sort -u); do
				grep -qx -- "$o" <<<"$have" || {
					echo "the fish completion offers $cmd $o, which $cmd --help does not list" >&2
					return 1
				}
			done
		fi
	done
}
