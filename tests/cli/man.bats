#!/usr/bin/env bats
# man.bats: every man page has the sections a reader looks for, renders
# without warnings, and gives measured figures in OVERHEAD.

load ../common

setup() {
	common_setup
	ROOT="$BATS_TEST_DIRNAME/../.."
	SECTIONS=(NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES OVERHEAD)
}

# the roff source of section $2 of page $1, its .SH line left out
section() {
	awk -v want="$2" '
		/^\.SH / {
			name = substr($0, 5)
			gsub(/"/, "", name)
			on = (name == want)
			next
		}
		on' "$1"
}

@test "there is a page for flightrec and for each of its commands" {
	for p in flightrec flightrec-record flightrec-trigger flightrec-dump flightrec-stats flightrec-mark \
		flightrec-ctl; do
		[ -f "$ROOT/man/$p.8" ] || {
			echo "man/$p.8 is missing" >&2
			return 1
		}
	done
}

@test "every man page has NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, FILES, EXAMPLES and OVERHEAD" {
	for p in "$ROOT"/man/*.8; do
		for s in "${SECTIONS[@]}"; do
			grep -qxE "\\.SH \"?$s\"?" "$p" || {
				echo "$(basename "$p") has no $s section" >&2
				return 1
			}
			[ -n "$(section "$p" "$s" | tr -d '[:space:]')" ] || {
				echo "$(basename "$p"): $s is empty" >&2
				return 1
			}
		done
	done
}

@test "every man page renders without warnings, with its sections" {
	command -v man >/dev/null || skip "man is not installed"
	for p in "$ROOT"/man/*.8; do
		MANWIDTH=80 run -0 --separate-stderr man --warnings -l "$p"
		[ -z "$stderr" ] || {
			echo "$(basename "$p"): $stderr" >&2
			return 1
		}
		for s in "${SECTIONS[@]}"; do
			grep -qx "$s" <<<"$output" || {
				echo "$(basename "$p") renders without a $s heading" >&2
				return 1
			}
		done
	done
}

@test "trigger and stats document their one grammar of conditions in the same words" {
	trigger=$(section "$ROOT/man/flightrec-trigger.8" CONDITIONS)
	stats=$(section "$ROOT/man/flightrec-stats.8" CONDITIONS)
	[ -n "$trigger" ]
	[ "$trigger" = "$stats" ] || {
		diff <(echo "$trigger") <(echo "$stats") >&2
		return 1
	}
	# both options are named, and the forms only one of them takes
	grep -q 'trigger \\-\\-when' <<<"$trigger"
	grep -q 'stats \\-\\-fail\\-if' <<<"$trigger"
	grep -q 'rises' <<<"$trigger"
}

@test "every OVERHEAD gives a measured figure and says where it comes from" {
	for p in "$ROOT"/man/*.8; do
		text=$(section "$p" OVERHEAD)
		# references to other pages, as flightrec-record(8), are not figures
		grep -v '^\.BR\? [^ ]* ([0-9])' <<<"$text" | sed 's/([0-9])//g' | grep -q '[0-9]' || {
			echo "$(basename "$p"): OVERHEAD holds no number" >&2
			return 1
		}
		grep -q 'bench/RESULTS\.md' <<<"$text" || {
			echo "$(basename "$p"): OVERHEAD does not name bench/RESULTS.md" >&2
			return 1
		}
	done
}
