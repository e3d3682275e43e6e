#!/bin/bash
# run.sh: run every test suite (C unit tests, plain and under ASan+UBSan;
# CLI tests; BPF tests) and end with one line: N passed, N failed, N skipped.
# The BPF tests need root; in CI (CI=true) their absence is a failure.
set -u
cd "$(dirname "$0")/.."

pass=0 fail=0 skip=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# count TAP lines from $out; a suite that exits non-zero with no failing
# line (a crash, a bats setup error) counts as one failure
count() {
	local name=$1 rc=$2 failed_before=$fail
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# skip"* | "ok "*"# SKIP"*) skip=$((skip + 1)) ;;
		"ok "*) pass=$((pass + 1)) ;;
		"not ok "*) fail=$((fail + 1)) ;;
		esac
	done <"$out"
	if [ "$rc" -ne 0 ] && [ "$fail" -eq "$failed_before" ]; then
		echo "not ok - $name exited with status $rc"
		fail=$((fail + 1))
	fi
}

suite() {
	local name=$1
	shift
	echo "# --- $name"
	"$@" 2>&1 | tee "$out"
	count "$name" "${PIPESTATUS[0]}"
}

for t in build/tests/test_*; do
	suite "unit: ${t##*/}" "$t"
done
for t in build/asan/tests/test_*; do
	suite "unit (asan+ubsan): ${t##*/}" "$t"
done

# each libFuzzer harness: its kept corpus once (regressions), then a bounded
# session from a copy of it; two TAP lines per harness, numbered on
fuzz_n=0
fuzz_one() {
	local name=$1 corpus=$2 seconds=$3 max_len=$4 bin=build/fuzz/fuzz_$1 work
	work=$(mktemp -d)
	cp "$corpus"/* "$work"/
	fuzz_n=$((fuzz_n + 1))
	if "$bin" -runs=0 "$corpus" >"$work.log" 2>&1; then
		echo "ok $fuzz_n - fuzz $name: every kept corpus input runs without a crash"
	else
		echo "not ok $fuzz_n - fuzz $name: a kept corpus input crashes it"
		tail -n 30 "$work.log"
	fi
	fuzz_n=$((fuzz_n + 1))
	if "$bin" -max_total_time="$seconds" -max_len="$max_len" -artifact_prefix="$work/" \
		"$work" >"$work.log" 2>&1; then
		echo "ok $fuzz_n - fuzz $name: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$work.log") without a crash"
	else
		echo "not ok $fuzz_n - fuzz $name: it crashed; the input is in $work"
		tail -n 40 "$work.log"
		return 1
	fi
	rm -rf "$work" "$work.log"
}
fuzz() {
	local rc=0
	fuzz_one capture tests/fuzz/corpus "${FUZZ_SECONDS:-20}" 65536 || rc=1
	fuzz_one expr tests/fuzz/corpus_expr "${FUZZ_EXPR_SECONDS:-10}" 512 || rc=1
	fuzz_one control tests/fuzz/corpus_control "${FUZZ_CONTROL_SECONDS:-10}" 4096 || rc=1
	return $rc
}
suite "fuzz" fuzz

suite "cli" bats --tap tests/cli

if [ "$(id -u)" -eq 0 ]; then
	suite "bpf" bats --tap tests/bpf
elif [ "${CI:-}" = true ]; then
	echo "not ok - bpf tests: CI must run them as root (running as uid $(id -u))"
	fail=$((fail + 1))
else
	n=$(bats --count tests/bpf)
	echo "# SKIPPING $n BPF tests: they need root (or CAP_BPF+CAP_PERFMON). Run 'sudo make check'."
	skip=$((skip + n))
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
